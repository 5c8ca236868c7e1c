//! The HTTP client for ccrd's API: the only place in the shell that speaks HTTP or JSON on the
//! wire. Cmdlets ask it for `api` objects and get them back typed, or a [`ClientError`] that
//! says what went wrong and what to do.
//!
//! Must not: know about cmdlets, parameters or rendering. It runs its own single-threaded
//! tokio runtime so the rest of the shell stays synchronous.

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::{ErrorBody, Role, ServiceInfo, routes};

/// A connection to one ccrd.
pub struct Client {
    base_url: String,
    token: Option<String>,
    http: reqwest::Client,
    runtime: tokio::runtime::Runtime,
    /// The token's role, asked once (`None`: not known, ccrd will decide).
    role: std::sync::OnceLock<Option<Role>>,
}

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientError {
    /// Nothing answered at the URL.
    Unreachable { url: String, detail: String },
    /// ccrd answered with an error.
    Rejected(ErrorBody),
    /// Something answered, but not with the API's shape.
    Protocol { url: String, detail: String },
}

impl Client {
    /// A client for the ccrd at `base_url` (`http://127.0.0.1:PORT`), presenting `token`.
    pub fn new(base_url: &str, token: Option<String>) -> Result<Client, ClientError> {
        let failed = |detail: String| ClientError::Unreachable { url: base_url.to_string(), detail };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(|e| failed(e.to_string()))?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| failed(e.to_string()))?;
        Ok(Client {
            base_url: base_url.trim_end_matches('/').to_string(),
            token,
            http,
            runtime,
            role: std::sync::OnceLock::new(),
        })
    }

    /// Another client for the same service and token, for a second thread (a progress poller
    /// while a long call runs).
    pub fn fork(&self) -> Result<Client, ClientError> {
        Client::new(&self.base_url, self.token.clone())
    }

    /// What the token may do, as ccrd says (asked once per client); `None` when ccrd could not
    /// be asked, so that the change itself gets ccrd's answer.
    pub fn role(&self) -> Option<Role> {
        *self.role.get_or_init(|| self.get::<ServiceInfo>(routes::INFO, &()).ok().map(|info| info.role))
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
            let response = request
                .send()
                .await
                .map_err(|e| ClientError::Unreachable { url: self.base_url.clone(), detail: describe(&e) })?;
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

    fn authorized(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    fn send<T: DeserializeOwned>(&self, request: reqwest::RequestBuilder, url: &str) -> Result<T, ClientError> {
        let request = self.authorized(request);
        self.runtime.block_on(async {
            let response = request
                .send()
                .await
                .map_err(|e| ClientError::Unreachable { url: self.base_url.clone(), detail: describe(&e) })?;
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
