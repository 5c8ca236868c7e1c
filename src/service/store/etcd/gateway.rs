//! The etcd client: etcd v3's JSON gRPC-gateway (`/v3/kv/range`, `/v3/kv/txn`) over the HTTP
//! client the project already has (reqwest), so the etcd backend adds no build requirement (no
//! `protoc`; the choice and its figures are in docs/ARCHITECTURE.md, "Decisions").
//!
//! One HTTP client per etcd member, and our own failover: a request goes to the member that
//! answered last, then to each other member in turn (a multi-endpoint channel that keeps
//! sending to a dead member is the known weakness this avoids). Every request carries etcd's
//! `require_leader` (`hasleader` metadata), so a member cut off from the majority refuses at once
//! instead of hanging; every attempt has a bounded timeout. The calls are blocking (the store
//! seam is): they run on this client's own small runtime, so they may be made from any thread.
//!
//! Owns: member URLs, timeouts, failover, base64 and the gateway's JSON shapes, and the
//! "unreachable" error. Must not: know the key layout or anything of the estate.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};

/// How long one attempt on one member may take (connect included).
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
/// How long a call keeps trying the members (an election takes about one election timeout:
/// 1 s by default; the design memo measured 1.7 s from a leader's kill -9 to the next write).
const CALL_DEADLINE: Duration = Duration::from_secs(6);

/// Why an etcd call failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum EtcdError {
    /// No member could serve the request with a leader behind it.
    #[error(
        "the control store is unreachable: {answering} of {members} etcd members answer; changes are \
         refused until a majority is back; reads are served from this ccrd's last state ({detail})"
    )]
    Unavailable { answering: usize, members: usize, detail: String },
    /// etcd refused the request itself (too large, too many operations, a bad key, …).
    #[error("etcd refused the request: {0}")]
    Refused(String),
}

/// A client of one etcd cluster.
pub struct Gateway {
    members: Vec<Member>,
    /// The member that answered last (tried first).
    sticky: AtomicUsize,
    /// How long a call keeps trying the members.
    deadline: Duration,
    runtime: Runtime,
}

struct Member {
    url: String,
    http: reqwest::Client,
}

/// A runtime owned by the client, shut down in the background when the client goes (dropping a
/// runtime inside another one's worker would panic).
struct Runtime(Option<tokio::runtime::Runtime>);

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// One key-value pair as read.
#[derive(Debug, Clone)]
pub struct Kv {
    pub key: Vec<u8>,
    pub value: Vec<u8>,
    pub mod_revision: i64,
}

/// A range read: the pairs and the store revision it was read at.
#[derive(Debug, Clone)]
pub struct Range {
    pub kvs: Vec<Kv>,
    pub revision: i64,
    pub more: bool,
}

/// One operation of a transaction.
#[derive(Debug, Clone)]
pub enum Op {
    Put {
        key: Vec<u8>,
        value: Vec<u8>,
    },
    /// Deletes every key in `[key, end)`.
    DeleteRange {
        key: Vec<u8>,
        end: Vec<u8>,
    },
}

impl Op {
    /// Roughly how many bytes it adds to a request (etcd's request limit counts bytes).
    pub fn size(&self) -> usize {
        match self {
            Op::Put { key, value } => key.len() + value.len() + 16,
            Op::DeleteRange { key, end } => key.len() + end.len() + 16,
        }
    }

    fn json(&self) -> Value {
        match self {
            Op::Put { key, value } => json!({"request_put": {"key": b64(key), "value": b64(value)}}),
            Op::DeleteRange { key, end } => {
                json!({"request_delete_range": {"key": b64(key), "range_end": b64(end)}})
            }
        }
    }
}

/// The outcome of a transaction: whether its compare held, and the revision it ran at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxnOutcome {
    pub succeeded: bool,
    pub revision: i64,
}

/// How to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consistency {
    /// Through the leader: the latest committed state (refused without a majority).
    Linearizable,
    /// From whichever member answers, possibly behind.
    Serializable,
}

/// A client builder for plain HTTP (the members' client URLs are `http://`): its TLS
/// configuration is never used, so it is one without roots, and building the client does not
/// load the system's certificates (tens of milliseconds each time, for each member's client and
/// the watch's, on every start of a ccrd or an embedded lab).
fn plain_http() -> reqwest::ClientBuilder {
    let builder = reqwest::Client::builder();
    match rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
    {
        Ok(config) => builder.tls_backend_preconfigured(
            config.with_root_certificates(rustls::RootCertStore::empty()).with_no_client_auth(),
        ),
        Err(_) => builder,
    }
}

impl Gateway {
    /// A client of the members at `endpoints` (`HOST:PORT` each).
    pub fn new(endpoints: &[String]) -> Result<Gateway, String> {
        // reqwest is built without a crypto provider of its own (the members speak plain HTTP,
        // but the client needs one installed): ring, as everywhere else in the project.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("ccrd-etcd")
            .enable_all()
            .build()
            .map_err(|e| format!("starting the etcd client: {e}"))?;
        let members = endpoints
            .iter()
            .map(|endpoint| {
                let http = plain_http()
                    .connect_timeout(CONNECT_TIMEOUT)
                    .timeout(ATTEMPT_TIMEOUT)
                    .pool_max_idle_per_host(8)
                    .build()
                    .map_err(|e| format!("the etcd client for {endpoint}: {e}"))?;
                Ok(Member { url: format!("http://{endpoint}"), http })
            })
            .collect::<Result<Vec<_>, String>>()?;
        if members.is_empty() {
            return Err("no etcd member was given".into());
        }
        Ok(Gateway { members, sticky: AtomicUsize::new(0), deadline: CALL_DEADLINE, runtime: Runtime(Some(runtime)) })
    }

    /// The same client, giving up on a call after `deadline` instead of the default.
    pub fn with_deadline(mut self, deadline: Duration) -> Gateway {
        self.deadline = deadline;
        self
    }

    /// How many members it knows.
    pub fn members(&self) -> usize {
        self.members.len()
    }

    /// Reads `[key, end)` (`end` empty: the one key), at most `limit` pairs (0: all), at
    /// `revision` (0: the latest).
    pub fn range(
        &self,
        key: &[u8],
        end: &[u8],
        limit: i64,
        revision: i64,
        consistency: Consistency,
    ) -> Result<Range, EtcdError> {
        self.read(key, end, limit, revision, consistency, false)
    }

    /// As [`Gateway::range`], the keys only (every value empty).
    pub fn keys(
        &self,
        key: &[u8],
        end: &[u8],
        limit: i64,
        revision: i64,
        consistency: Consistency,
    ) -> Result<Range, EtcdError> {
        self.read(key, end, limit, revision, consistency, true)
    }

    fn read(
        &self,
        key: &[u8],
        end: &[u8],
        limit: i64,
        revision: i64,
        consistency: Consistency,
        keys_only: bool,
    ) -> Result<Range, EtcdError> {
        let mut body = json!({"key": b64(key), "limit": limit.to_string(), "revision": revision.to_string()});
        if keys_only {
            body["keys_only"] = json!(true);
        }
        if !end.is_empty() {
            body["range_end"] = json!(b64(end));
        }
        if consistency == Consistency::Serializable {
            body["serializable"] = json!(true);
        }
        let answer = self.call("/v3/kv/range", body, consistency == Consistency::Linearizable)?;
        let kvs = answer["kvs"]
            .as_array()
            .map(|kvs| {
                kvs.iter()
                    .map(|kv| {
                        Ok(Kv {
                            key: unb64(&kv["key"])?,
                            value: unb64(&kv["value"])?,
                            mod_revision: number(&kv["mod_revision"]),
                        })
                    })
                    .collect::<Result<Vec<_>, EtcdError>>()
            })
            .transpose()?
            .unwrap_or_default();
        Ok(Range { kvs, revision: number(&answer["header"]["revision"]), more: answer["more"].as_bool() == Some(true) })
    }

    /// Runs `ops` if the `mod_revision` of `guard` is `expected` (0: the key does not exist).
    pub fn txn(&self, guard: &[u8], expected: i64, ops: &[Op]) -> Result<TxnOutcome, EtcdError> {
        let body = json!({
            "compare": [{"key": b64(guard), "result": "EQUAL", "target": "MOD", "mod_revision": expected.to_string()}],
            "success": ops.iter().map(Op::json).collect::<Vec<_>>(),
        });
        let answer = self.call("/v3/kv/txn", body, true)?;
        Ok(TxnOutcome {
            succeeded: answer["succeeded"].as_bool() == Some(true),
            revision: number(&answer["header"]["revision"]),
        })
    }

    /// Watches `key` from `revision` on, calling `seen` with the revision and the new value of
    /// each change, for as long as the client lives: on the member that answered last, moving
    /// on to the next when the stream breaks (and starting again after the last revision seen).
    pub fn watch(&self, key: &[u8], revision: i64, seen: impl Fn(i64, &[u8]) + Send + 'static) {
        let Some(runtime) = self.runtime.0.as_ref() else { return };
        let urls: Vec<String> = self.members.iter().map(|m| m.url.clone()).collect();
        let first = self.sticky.load(Ordering::Relaxed);
        let key = b64(key);
        runtime.spawn(async move {
            // A stream has no overall timeout; only connecting is bounded.
            let Ok(http) = plain_http().connect_timeout(CONNECT_TIMEOUT).build() else { return };
            let mut next = revision;
            let mut at = first;
            loop {
                let url = format!("{}/v3/watch", urls[at % urls.len()]);
                let body = json!({"create_request": {"key": key, "start_revision": next.to_string()}});
                if let Ok(mut response) =
                    http.post(url).header("Grpc-Metadata-hasleader", "true").json(&body).send().await
                {
                    let mut pending: Vec<u8> = Vec::new();
                    while let Ok(Some(chunk)) = response.chunk().await {
                        pending.extend_from_slice(&chunk);
                        while let Some(end) = pending.iter().position(|b| *b == b'\n') {
                            let line: Vec<u8> = pending.drain(..=end).collect();
                            let Ok(message) = serde_json::from_slice::<Value>(&line) else { continue };
                            for event in message["result"]["events"].as_array().into_iter().flatten() {
                                let revision = number(&event["kv"]["mod_revision"]);
                                next = next.max(revision + 1);
                                seen(revision, &unb64(&event["kv"]["value"]).unwrap_or_default());
                            }
                        }
                    }
                }
                at += 1;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
    }

    /// Sends one request, failing over between members until one with a leader answers or the
    /// deadline passes.
    fn call(&self, path: &str, body: Value, require_leader: bool) -> Result<Value, EtcdError> {
        let deadline = std::time::Instant::now() + self.deadline;
        let count = self.members.len();
        let first = self.sticky.load(Ordering::Relaxed) % count;
        let mut answering = vec![false; count];
        let mut detail = String::new();
        let mut round = 0u32;
        loop {
            for step in 0..count {
                let at = (first + step) % count;
                match self.attempt(at, path, &body, require_leader) {
                    Attempt::Answered(value) => {
                        self.sticky.store(at, Ordering::Relaxed);
                        return Ok(value);
                    }
                    Attempt::Refused(message) => return Err(EtcdError::Refused(message)),
                    Attempt::NoLeader(message) => {
                        answering[at] = true;
                        detail = format!("{}: {message}", self.members[at].url);
                    }
                    Attempt::Unreachable(message) => {
                        answering[at] = false;
                        detail = format!("{}: {message}", self.members[at].url);
                    }
                }
            }
            round += 1;
            if std::time::Instant::now() >= deadline {
                return Err(EtcdError::Unavailable {
                    answering: answering.iter().filter(|a| **a).count(),
                    members: count,
                    detail,
                });
            }
            // An election is under way, or members are restarting: wait a little and go round.
            std::thread::sleep(Duration::from_millis(u64::from(50 * round.min(6))));
        }
    }

    fn attempt(&self, at: usize, path: &str, body: &Value, require_leader: bool) -> Attempt {
        let member = &self.members[at];
        let mut request = member.http.post(format!("{}{path}", member.url)).json(body);
        if require_leader {
            request = request.header("Grpc-Metadata-hasleader", "true");
        }
        let (tx, rx) = std::sync::mpsc::channel();
        let Some(runtime) = self.runtime.0.as_ref() else {
            return Attempt::Unreachable("the etcd client is shut down".into());
        };
        runtime.spawn(async move {
            let outcome = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    match response.json::<Value>().await {
                        Ok(value) => Ok((status, value)),
                        Err(e) => Err(e.to_string()),
                    }
                }
                Err(e) => Err(e.to_string()),
            };
            let _ = tx.send(outcome);
        });
        let outcome = rx.recv_timeout(ATTEMPT_TIMEOUT + Duration::from_millis(500));
        match outcome {
            Ok(Ok((status, value))) if status.is_success() && value.get("error").is_none() => Attempt::Answered(value),
            Ok(Ok((_, value))) => {
                let message = value["error"]
                    .as_str()
                    .or_else(|| value["message"].as_str())
                    .unwrap_or("an answer without a message")
                    .to_string();
                let code = value["code"].as_i64().unwrap_or(0);
                // gRPC UNAVAILABLE (14) and DEADLINE_EXCEEDED (4): this member cannot serve now.
                if code == 14 || code == 4 || message.contains("no leader") || message.contains("timed out") {
                    Attempt::NoLeader(message)
                } else {
                    Attempt::Refused(message)
                }
            }
            Ok(Err(message)) => Attempt::Unreachable(message),
            Err(_) => Attempt::Unreachable("no answer in time".into()),
        }
    }
}

enum Attempt {
    Answered(Value),
    /// The member answered but cannot serve (no leader, or a timeout inside etcd).
    NoLeader(String),
    Unreachable(String),
    Refused(String),
}

/// The first key after every key that starts with `prefix` (a range's end for a prefix).
pub fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return end;
        }
    }
    // All 0xff: to the end of the key space.
    vec![0]
}

fn b64(bytes: &[u8]) -> String {
    BASE64.encode(bytes)
}

fn unb64(value: &Value) -> Result<Vec<u8>, EtcdError> {
    match value.as_str() {
        None => Ok(Vec::new()),
        Some(text) => BASE64.decode(text).map_err(|e| EtcdError::Refused(format!("an unreadable answer: {e}"))),
    }
}

/// A 64-bit number as the gateway writes it (a string), or 0 when absent.
fn number(value: &Value) -> i64 {
    value.as_str().and_then(|s| s.parse().ok()).or_else(|| value.as_i64()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_end_is_the_first_key_past_the_prefix() {
        assert_eq!(prefix_end(b"/a/"), b"/a0".to_vec());
        assert_eq!(prefix_end(b"a\xff"), b"b".to_vec());
        assert_eq!(prefix_end(b"\xff"), vec![0]);
    }

    #[test]
    fn no_member_answering_says_so_in_the_words_the_operator_needs() {
        let gateway =
            Gateway::new(&["127.0.0.1:1".to_string()]).expect("client").with_deadline(Duration::from_millis(200));
        // Port 1 on loopback refuses at once: the error counts the members that answer.
        let started = std::time::Instant::now();
        let error = gateway.range(b"k", b"", 0, 0, Consistency::Linearizable).expect_err("nothing listens");
        assert!(started.elapsed() < Duration::from_secs(2), "bounded by the deadline");
        let text = error.to_string();
        assert!(text.starts_with("the control store is unreachable: 0 of 1 etcd members answer"), "{text}");
        assert!(text.contains("changes are refused until a majority is back"), "{text}");
    }
}
