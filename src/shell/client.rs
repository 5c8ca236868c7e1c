//! The HTTP client for ccrd's API: the only place in the shell that speaks HTTP or JSON on the
//! wire. Cmdlets ask it for `api` objects and get them back typed, or a [`ClientError`] that
//! says what went wrong and what to do.
//!
//! A change goes under a request id of its own ([`Client::change`]) and is sent again under the
//! same id when its answer is lost to a transport failure, or when ccrd's control store had no
//! majority (`503 ControlStoreUnavailable`), so ccrd carries it out once.
//!
//! Must not: know about cmdlets, parameters or rendering. It runs its own single-threaded
//! tokio runtime so the rest of the shell stays synchronous.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::{ErrorBody, ErrorCode, Role, ServiceInfo, headers, routes};

/// How long to wait before each new attempt of a change whose answer was lost (so at most
/// four attempts, over about 5 s: long enough for a ccrd restarted under a supervisor).
const CHANGE_RETRY_WAITS: [Duration; 3] =
    [Duration::from_millis(500), Duration::from_millis(1500), Duration::from_millis(3000)];

/// How long to wait before each new attempt of a change ccrd refused with `503
/// ControlStoreUnavailable` (its etcd cluster had no majority; an election after a lost leader
/// takes about 1 s): at most three attempts, under the one request id. ccrd bounds each attempt
/// itself (about 6 s going round the etcd members), so a change gives up within about 25 s.
#[cfg(not(test))]
const STORE_RETRY_WAITS: [Duration; 2] = [Duration::from_secs(1), Duration::from_secs(3)];
#[cfg(test)]
const STORE_RETRY_WAITS: [Duration; 2] = [Duration::from_millis(10), Duration::from_millis(30)];

/// How long an idle connection to ccrd may be reused (ccrd closes one idle for 10 s).
#[cfg(not(test))]
const IDLE_REUSE: Duration = Duration::from_secs(5);
#[cfg(test)]
const IDLE_REUSE: Duration = Duration::from_millis(100);

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
        // An idle connection is not reused after 5 s: ccrd closes one after 10 s idle, and this
        // client's runtime runs only during a call, so it would not notice the close before
        // sending the next request on it (which then fails: "connection closed before message
        // completed").
        let mut builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(120))
            .pool_idle_timeout(IDLE_REUSE);
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

    /// `POST path` of a change (a route ccrd carries out at most once per request id), decoded
    /// as `T`. It goes under a fresh request id; when the connection breaks or times out before
    /// the whole answer arrived (the change may have been carried out), it is sent again under
    /// the same id, and ccrd answers with the first answer instead of changing anything twice.
    /// A first attempt that cannot connect at all (nothing listens) reached nobody: it fails at
    /// once. A change refused because ccrd's control store has no majority is sent again under
    /// the same id as [`STORE_RETRY_WAITS`] says; when it is still refused, the refusal says how
    /// often it was sent.
    pub fn change<T: DeserializeOwned>(&self, path: &str, body: &impl Serialize) -> Result<T, ClientError> {
        let url = format!("{}{path}", self.base_url);
        let id = new_request_id();
        let mut waits = CHANGE_RETRY_WAITS.iter();
        let mut store_waits = STORE_RETRY_WAITS.iter();
        let started = Instant::now();
        let mut attempts = 0;
        loop {
            let request = self.authorized(self.http.post(&url).header(headers::REQUEST_ID, &id).json(body));
            attempts += 1;
            let lost = match self.runtime.block_on(answer_of(request)) {
                Ok((status, bytes)) => match decode_body(status, &bytes, &url) {
                    Err(ClientError::Rejected(refusal)) if refusal.code == ErrorCode::ControlStoreUnavailable => {
                        if let Some(wait) = store_waits.next() {
                            std::thread::sleep(*wait);
                            continue;
                        }
                        return Err(ClientError::Rejected(store_gave_up(refusal, attempts, &id, started.elapsed())));
                    }
                    answer => return answer,
                },
                Err(lost) => lost,
            };
            // Later attempts go on through refused connections (a ccrd restarting).
            let may_have_arrived = !(attempts == 1 && lost.is_connect());
            match waits.next() {
                Some(wait) if may_have_arrived => std::thread::sleep(*wait),
                _ => {
                    return Err(match self.unreachable(&lost) {
                        ClientError::Unreachable { url, detail } if may_have_arrived => ClientError::Unreachable {
                            url,
                            detail: format!(
                                "{detail} (the change was sent {attempts} times under request id {id}; if it \
                                 arrived, ccrd carried it out once: Search-AdminAuditLog shows whether it did)"
                            ),
                        },
                        other => other,
                    });
                }
            }
        }
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
            decode(response, url).await
        })
    }
}

/// An answer's body, decoded as `T`, or the error it carries.
async fn decode<T: DeserializeOwned>(response: reqwest::Response, url: &str) -> Result<T, ClientError> {
    let status = response.status();
    let body =
        response.bytes().await.map_err(|e| ClientError::Protocol { url: url.to_string(), detail: describe(&e) })?;
    decode_body(status, &body, url)
}

/// The status and the whole body of the answer to `request`, or the transport failure that
/// lost it (before or after ccrd began answering).
async fn answer_of(request: reqwest::RequestBuilder) -> Result<(reqwest::StatusCode, Vec<u8>), reqwest::Error> {
    let response = request.send().await?;
    let status = response.status();
    Ok((status, response.bytes().await?.to_vec()))
}

/// A whole answer decoded as `T`, or the error it carries.
fn decode_body<T: DeserializeOwned>(status: reqwest::StatusCode, body: &[u8], url: &str) -> Result<T, ClientError> {
    if status.is_success() {
        serde_json::from_slice(body).map_err(|e| ClientError::Protocol { url: url.to_string(), detail: e.to_string() })
    } else {
        Err(rejection(status, body, url))
    }
}

/// The last `503 ControlStoreUnavailable` of a change, saying how often it was sent (its
/// message still starts with ccrd's own).
fn store_gave_up(mut refusal: ErrorBody, attempts: u32, id: &str, spent: Duration) -> ErrorBody {
    refusal.message = format!(
        "{} (ccrsh sent this change {attempts} times over {:.0} s under request id {id}, so it was carried out \
         at most once; it gave up waiting for the majority.)",
        refusal.message.trim_end_matches('.'),
        spent.as_secs_f64()
    );
    refusal
}

/// A fresh request id: a random (version 4) UUID.
fn new_request_id() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No system randomness: the time and a counter still differ from every other id here.
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
        bytes[..8].copy_from_slice(&(nanos as u64).to_le_bytes());
        bytes[8..].copy_from_slice(&COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed).to_le_bytes());
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A loopback server that answers each POST with the next of `answers` (status, JSON body)
    /// and records the request id it came with.
    fn answering(answers: Vec<(u16, String)>) -> (String, std::thread::JoinHandle<Vec<String>>) {
        use std::io::{BufRead, BufReader, Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let server = std::thread::spawn(move || {
            let mut ids = Vec::new();
            for (status, body) in answers {
                let (stream, _) = listener.accept().expect("a request");
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let (mut length, mut line) = (0usize, String::new());
                loop {
                    line.clear();
                    reader.read_line(&mut line).expect("a header");
                    let lower = line.to_ascii_lowercase();
                    if let Some(value) = lower.strip_prefix("content-length:") {
                        length = value.trim().parse().expect("a length");
                    }
                    if let Some(value) = lower.strip_prefix(&format!("{}:", headers::REQUEST_ID)) {
                        ids.push(value.trim().to_string());
                    }
                    if line == "\r\n" {
                        break;
                    }
                }
                reader.read_exact(&mut vec![0; length]).expect("the body");
                let reason = if status == 200 { "OK" } else { "Service Unavailable" };
                let answer = format!(
                    "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                (&stream).write_all(answer.as_bytes()).expect("answered");
            }
            ids
        });
        (url, server)
    }

    fn unavailable() -> (u16, String) {
        let body = ErrorBody {
            code: ErrorCode::ControlStoreUnavailable,
            message: "the control store is unreachable: 1 of 3 etcd members answer; changes are refused until a \
                      majority is back; reads are served from this ccrd's last state"
                .into(),
            hint: Some("Bring a majority back.".into()),
            target: None,
            report: None,
            candidates: Vec::new(),
        };
        (503, serde_json::to_string(&body).expect("json"))
    }

    #[test]
    fn a_change_refused_for_want_of_a_store_majority_is_sent_again_under_its_id_then_given_up_clearly() {
        // Refused twice, then carried out: the caller sees the answer, and every attempt went
        // under the one request id.
        let (url, server) = answering(vec![unavailable(), unavailable(), (200, "{\"done\":1}".into())]);
        let client = Client::new(&url, None).expect("client");
        let answer: serde_json::Value = client.change("/v1/x", &()).expect("carried out on the third attempt");
        assert_eq!(answer["done"], 1);
        let ids = server.join().expect("server");
        assert_eq!(ids.len(), 3, "{ids:?}");
        assert!(ids.iter().all(|id| *id == ids[0]), "one request id: {ids:?}");

        // Refused every time: three attempts, then the refusal, saying so.
        let (url, server) = answering(vec![unavailable(), unavailable(), unavailable()]);
        let client = Client::new(&url, None).expect("client");
        let refusal = match client.change::<serde_json::Value>("/v1/x", &()) {
            Err(ClientError::Rejected(body)) => body,
            other => panic!("expected the refusal, got {other:?}"),
        };
        let ids = server.join().expect("server");
        assert_eq!(refusal.code, ErrorCode::ControlStoreUnavailable);
        assert!(refusal.message.starts_with("the control store is unreachable: 1 of 3"), "{}", refusal.message);
        let said = format!(
            "ccrsh sent this change 3 times over 0 s under request id {}, so it was carried out at most once",
            ids[0]
        );
        assert!(refusal.message.contains(&said), "{}", refusal.message);

        // Any other refusal is the answer at once.
        let (url, server) = answering(vec![(409, unavailable().1.replace("ControlStoreUnavailable", "EstateChanged"))]);
        let client = Client::new(&url, None).expect("client");
        assert!(
            matches!(client.change::<serde_json::Value>("/v1/x", &()), Err(ClientError::Rejected(b)) if b.code == ErrorCode::EstateChanged)
        );
        assert_eq!(server.join().expect("server").len(), 1);
    }

    #[test]
    fn a_connection_the_server_closed_while_idle_is_not_reused() {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        // As ccrd: each connection answers one request, keeps alive, and is closed once idle
        // (here after 300 ms).
        let server = std::thread::spawn(move || {
            for _ in 0..2 {
                let (stream, _) = listener.accept().expect("a connection");
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut line = String::new();
                while reader.read_line(&mut line).expect("a header") > 2 {
                    line.clear();
                }
                (&stream)
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}")
                    .expect("answered");
                std::thread::sleep(Duration::from_millis(300));
                drop(stream);
            }
        });
        let client = Client::new(&url, None).expect("client");
        client.get::<serde_json::Value>("/v1/a", &()).expect("first");
        // Idle past the server's close: the next call opens a new connection.
        std::thread::sleep(Duration::from_millis(600));
        client.get::<serde_json::Value>("/v1/b", &()).expect("second, on a new connection");
        server.join().expect("server");
    }

    #[test]
    fn each_change_gets_a_request_id_of_its_own_that_ccrd_accepts() {
        let ids: std::collections::HashSet<String> = (0..100).map(|_| new_request_id()).collect();
        assert_eq!(ids.len(), 100);
        for id in &ids {
            assert!(crate::api::request_id_is_valid(id), "{id}");
            assert_eq!((id.len(), id.as_bytes()[14]), (36, b'4'), "a version 4 UUID: {id}");
        }
    }
}
