//! The request layer: every request gets an id (the caller's `X-Request-Id` when it is a
//! plain token, else a new one, echoed in the response), a `request` span that the handlers'
//! logs nest in (the auth layer records the caller in it), a latency observation for
//! `ccrd_http_request_duration_seconds`, and one log line when it is answered.
//!
//! Successful reads are logged at `debug` (a busy reader would otherwise fill the log);
//! changes, refusals and every error at `info` or above. Nothing here logs a header, a query
//! string or a body: tokens reach ccrd only in headers and the login form.
//!
//! Must not: decide anything about the request, or make it wait.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use super::AppState;

pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The route label of a request no route matched (its own path is not used: unbounded).
const UNMATCHED: &str = "unmatched";

/// Middleware: id, span, timing and the log line of one request.
pub async fn requests(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().map_or(UNMATCHED, MatchedPath::as_str).to_string();
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable_id(v))
        .map_or_else(new_id, str::to_string);
    let span = tracing::info_span!(
        "request",
        id = %id,
        method = %method,
        route = %route,
        caller = tracing::field::Empty,
    );
    let mut response = next.run(request).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = response.status();
    state.metrics.observe_request(&method, &route, status, elapsed);
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID.clone(), value);
    }
    let duration_ms = milliseconds(elapsed);
    let status = status.as_u16();
    let _entered = span.enter();
    if status >= 500 {
        tracing::error!(status, duration_ms, "answered");
    } else if status >= 400 || method != Method::GET {
        tracing::info!(status, duration_ms, "answered");
    } else {
        tracing::debug!(status, duration_ms, "answered");
    }
    response
}

/// A duration for the log: milliseconds to the microsecond.
pub fn milliseconds(elapsed: std::time::Duration) -> f64 {
    elapsed.as_micros() as f64 / 1000.0
}

/// A caller's request id is kept only if it is short and plain, so it cannot forge log lines.
fn acceptable_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// A new id: this process's random prefix and a counter (`3f9a0c1e-1a`).
fn new_id() -> String {
    static PREFIX: LazyLock<u32> = LazyLock::new(|| {
        let mut bytes = [0u8; 4];
        // Without randomness the ids are still unique within this process.
        let _ = getrandom::fill(&mut bytes);
        u32::from_le_bytes(bytes)
    });
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("{:08x}-{:x}", *PREFIX, NEXT.fetch_add(1, Ordering::Relaxed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caller_ids_are_kept_only_when_plain() {
        assert!(acceptable_id("abc-123_x.y"));
        assert!(!acceptable_id(""));
        assert!(!acceptable_id("a b"));
        assert!(!acceptable_id("line\nbreak"));
        assert!(!acceptable_id(&"x".repeat(65)));
    }

    #[test]
    fn new_ids_differ() {
        assert_ne!(new_id(), new_id());
    }
}
