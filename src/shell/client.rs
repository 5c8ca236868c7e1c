//! The HTTP client for ccrd's API: the only place in the shell that speaks HTTP or JSON on the
//! wire. Cmdlets ask it for `api` objects and get them back typed, or a [`ClientError`] that
//! says what went wrong and what to do.
//!
//! Must not: know about cmdlets, parameters or rendering. It runs its own single-threaded
//! tokio runtime so the rest of the shell stays synchronous.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::{ErrorBody, Role, ServiceInfo, routes};

/// A connection to one ccrd.
pub struct Client {
    base_url: String,
    token: Option<String>,
    ca_cert: Option<PathBuf>,
    http: reqwest::Client,
    runtime: tokio::runtime::Runtime,
    /// ccrd's info, asked once (`None`: not known; ccrd decides what the token may do).
    info: std::sync::OnceLock<Option<ServiceInfo>>,
}

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientError {
    /// Nothing answered at the URL.
    Unreachable { url: String, detail: String },
    /// The TLS connection failed: the certificate is not trusted, or the server does not speak
    /// TLS.
    Tls { url: String, detail: String },
    /// ccrd answered with an error.
    Rejected(ErrorBody),
    /// Something answered, but not with the API's shape.
    Protocol { url: String, detail: String },
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::Unreachable { url, detail } => write!(f, "{url} could not be reached: {detail}"),
            ClientError::Tls { url, detail } => write!(f, "the secure connection to {url} failed: {detail}"),
            ClientError::Rejected(body) => write!(f, "{} {}", body.message, body.hint.as_deref().unwrap_or_default()),
            ClientError::Protocol { url, detail } => write!(f, "{url}: {detail}"),
        }
    }
}

impl Client {
    /// A client for the ccrd at `base_url` (`http://127.0.0.1:PORT`), presenting `token`.
    pub fn new(base_url: &str, token: Option<String>) -> Result<Client, ClientError> {
        Client::with_ca(base_url, token, None)
    }

    /// A client that, for an `https://` URL, trusts only the CA certificates (PEM) in
    /// `ca_cert`, or the system's roots without it. TLS is set up only for `https://`: a plain
    /// `http://` client starts no faster or slower than before TLS existed.
    pub fn with_ca(base_url: &str, token: Option<String>, ca_cert: Option<&Path>) -> Result<Client, ClientError> {
        let failed = |detail: String| ClientError::Unreachable { url: base_url.to_string(), detail };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(|e| failed(e.to_string()))?;
        let mut builder =
            reqwest::Client::builder().connect_timeout(Duration::from_secs(5)).timeout(Duration::from_secs(120));
        let provider = || rustls::crypto::ring::default_provider();
        if base_url.trim_start().to_ascii_lowercase().starts_with("https://") {
            // reqwest builds the configuration (ALPN, the platform's roots) with this provider.
            let _ = provider().install_default();
            if let Some(path) = ca_cert {
                let tls_failed = |detail: String| ClientError::Tls { url: base_url.to_string(), detail };
                let pem = std::fs::read(path)
                    .map_err(|e| tls_failed(format!("cannot read --ca-cert {}: {e}", path.display())))?;
                let certs = reqwest::Certificate::from_pem_bundle(&pem)
                    .ok()
                    .filter(|c| !c.is_empty())
                    .ok_or_else(|| tls_failed(format!("--ca-cert {} holds no PEM certificate", path.display())))?;
                builder = builder.tls_certs_only(certs);
            }
        } else {
            // Plain HTTP: a configuration that is never used, so reqwest loads no roots.
            let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(provider()))
                .with_safe_default_protocol_versions()
                .map_err(|e| failed(e.to_string()))?
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth();
            builder = builder.tls_backend_preconfigured(config);
        }
        let http = builder.build().map_err(|e| failed(describe(&e)))?;
        let ca_cert = ca_cert.map(Path::to_path_buf);
        Ok(Client {
            base_url: base_url.trim_end_matches('/').to_string(),
            token,
            ca_cert,
            http,
            runtime,
            info: std::sync::OnceLock::new(),
        })
    }

    /// Another client for the same service and token, for a second thread (a progress poller
    /// while a long call runs).
    pub fn fork(&self) -> Result<Client, ClientError> {
        Client::with_ca(&self.base_url, self.token.clone(), self.ca_cert.as_deref())
    }

    /// What the token may do, as ccrd says (asked once per client); `None` when ccrd could not
    /// be asked, so that the change itself gets ccrd's answer.
    pub fn role(&self) -> Option<Role> {
        self.info().map(|info| info.role)
    }

    /// ccrd's `/v1/info` (asked once per client): the caller's role, the estate's domain and
    /// workstation; `None` when ccrd could not be asked.
    pub fn info(&self) -> Option<&ServiceInfo> {
        self.info.get_or_init(|| self.get::<ServiceInfo>(routes::INFO, &()).ok()).as_ref()
    }

    /// `GET path?query`, decoded as `T`.
    pub fn get<T: DeserializeOwned>(&self, path: &str, query: &impl Serialize) -> Result<T, ClientError> {
        let url = format!("{}{path}", self.base_url);
        let request = self.http.get(&url).query(query);
        self.send(request, &url)
    }

    /// `POST path` with a JSON body, decoded as `T`.
    pub fn post<T: DeserializeOwned>(&self, path: &str, body: &impl Serialize) -> Result<T, ClientError> {
        let url = format!("{}{path}", self.base_url);
        let request = self.http.post(&url).json(body);
        self.send(request, &url)
    }

    /// `POST path?query` with `bytes` as an `application/octet-stream` body, decoded as `T`.
    pub fn upload<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &impl Serialize,
        bytes: Vec<u8>,
    ) -> Result<T, ClientError> {
        let url = format!("{}{path}", self.base_url);
        let request = self
            .http
            .post(&url)
            .query(query)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(bytes);
        self.send(request, &url)
    }

    /// `POST path` without a body, answered with bytes (`application/octet-stream`): the body
    /// and the response headers named in `wanted` (absent ones left out).
    pub fn download(&self, path: &str, wanted: &[&str]) -> Result<Download, ClientError> {
        let url = format!("{}{path}", self.base_url);
        let request = self.authorized(self.http.post(&url));
        self.runtime.block_on(async {
            let response = request.send().await.map_err(|e| self.unreachable(&e))?;
            let status = response.status();
            let headers = wanted
                .iter()
                .filter_map(|name| {
                    let value = response.headers().get(*name)?.to_str().ok()?;
                    Some((name.to_string(), value.to_string()))
                })
                .collect();
            let body = response
                .bytes()
                .await
                .map_err(|e| ClientError::Protocol { url: url.to_string(), detail: describe(&e) })?;
            if status.is_success() {
                Ok(Download { bytes: body.to_vec(), headers })
            } else {
                Err(rejection(status, &body, &url))
            }
        })
    }

    /// A failed send: a TLS failure (an untrusted certificate, a server that does not speak
    /// TLS) told apart from a server that is not there.
    fn unreachable(&self, error: &reqwest::Error) -> ClientError {
        let detail = describe(error);
        let lower = detail.to_ascii_lowercase();
        let tls = ["certificate", "tls", "handshake", "invalidcontenttype", "corrupt message"]
            .iter()
            .any(|w| lower.contains(w));
        if tls {
            ClientError::Tls { url: self.base_url.clone(), detail }
        } else {
            ClientError::Unreachable { url: self.base_url.clone(), detail }
        }
    }

    fn authorized(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    fn send<T: DeserializeOwned>(&self, request: reqwest::RequestBuilder, url: &str) -> Result<T, ClientError> {
        let request = self.authorized(request);
        self.runtime.block_on(async {
            let response = request.send().await.map_err(|e| self.unreachable(&e))?;
            let status = response.status();
            let body = response
                .bytes()
                .await
                .map_err(|e| ClientError::Protocol { url: url.to_string(), detail: describe(&e) })?;
            if status.is_success() {
                serde_json::from_slice(&body)
                    .map_err(|e| ClientError::Protocol { url: url.to_string(), detail: e.to_string() })
            } else {
                Err(rejection(status, &body, url))
            }
        })
    }
}

/// A byte answer and the headers asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    pub bytes: Vec<u8>,
    pub headers: Vec<(String, String)>,
}

impl Download {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A non-2xx answer: the API's error body, or a protocol error when it has none.
fn rejection(status: reqwest::StatusCode, body: &[u8], url: &str) -> ClientError {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(error) => ClientError::Rejected(error),
        Err(_) => {
            ClientError::Protocol { url: url.to_string(), detail: format!("HTTP {status} without an API error body") }
        }
    }
}

/// reqwest's error with its causes, which carry the useful part ("Connection refused").
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
