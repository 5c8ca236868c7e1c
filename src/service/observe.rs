//! The request layer: every request gets an id (the caller's `X-Request-Id` when it is a
//! plain token, else a new one, echoed in the response), a `request` span that the handlers'
//! logs nest in (the auth layer records the caller in it), a latency observation for
//! `ccrd_http_request_duration_seconds`, and one log line when it is answered.
//!
//! Reads (`GET`) are the hot path: their span is at `debug`, and so is the line of a
//! successful one, so at the default `info` a read costs no log work at all; a failed read is
//! still logged at `info` with the span's fields on its line. Changes get an `info` span. The
//! layer is a plain tower service (no boxed future, no clone of the inner service per request,
//! one allocation: the response's id header), and the latency is recorded without a lock
//! (`latency`: atomic buckets, each thread's own list of its series); docs/performance.md has
//! what it costs a read.
//! Nothing here logs a header, a query string or a body: tokens reach ccrd only in headers and
//! the login form.
//!
//! Must not: decide anything about the request, or make it wait.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::task::{Context, Poll, ready};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, Method};
use axum::response::Response;
use pin_project_lite::pin_project;
use tower::{Layer, Service};

use super::metrics::{Metrics, RouteLabel};

pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The layer `app()` puts around every route.
#[derive(Clone)]
pub struct ObserveLayer {
    metrics: Arc<Metrics>,
}

impl ObserveLayer {
    pub fn new(metrics: Arc<Metrics>) -> ObserveLayer {
        ObserveLayer { metrics }
    }
}

impl<S> Layer<S> for ObserveLayer {
    type Service = Observe<S>;

    fn layer(&self, inner: S) -> Observe<S> {
        Observe { inner, metrics: self.metrics.clone() }
    }
}

/// One route's service, observed.
#[derive(Clone)]
pub struct Observe<S> {
    inner: S,
    metrics: Arc<Metrics>,
}

/// What is known of a request until it is answered.
struct Observation {
    started: Instant,
    method: Method,
    route: RouteLabel,
    id: HeaderValue,
    span: tracing::Span,
    metrics: Arc<Metrics>,
}

impl<S> Service<Request> for Observe<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Observed<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let started = Instant::now();
        let method = request.method().clone();
        let route = RouteLabel::new(request.extensions().get::<MatchedPath>().cloned());
        let id =
            request.headers().get(&REQUEST_ID).filter(|v| acceptable_id(v.as_bytes())).cloned().unwrap_or_else(new_id);
        let shown = id.to_str().unwrap_or_default();
        let span = if method == Method::GET {
            tracing::debug_span!(
                "request",
                id = shown,
                method = %method,
                route = route.as_str(),
                caller = tracing::field::Empty,
            )
        } else {
            tracing::info_span!(
                "request",
                id = shown,
                method = %method,
                route = route.as_str(),
                caller = tracing::field::Empty,
            )
        };
        let inner = span.in_scope(|| self.inner.call(request));
        let observation = Observation { started, method, route, id, span, metrics: self.metrics.clone() };
        Observed { inner, observation: Some(observation) }
    }
}

pin_project! {
    /// The inner service's future, inside the request's span, observed when it completes.
    pub struct Observed<F> {
        #[pin]
        inner: F,
        observation: Option<Observation>,
    }
}

impl<F, E> Future for Observed<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let polled = match this.observation.as_ref() {
            Some(observation) => observation.span.in_scope(|| this.inner.poll(cx)),
            None => this.inner.poll(cx),
        };
        let mut result = ready!(polled);
        if let (Ok(response), Some(observation)) = (result.as_mut(), this.observation.take()) {
            answered(observation, response);
        }
        Poll::Ready(result)
    }
}

/// Times, counts and logs an answered request, and names it in the response.
fn answered(observation: Observation, response: &mut Response) {
    let Observation { started, method, route, id, span, metrics } = observation;
    let elapsed = started.elapsed();
    let status = response.status();
    let duration_ms = milliseconds(elapsed);
    let code = status.as_u16();
    if span.is_disabled() {
        // A read below the log's level: only a failure is logged, with what the span holds.
        if code >= 400 {
            let (shown, route) = (id.to_str().unwrap_or_default(), route.as_str());
            if code >= 500 {
                tracing::error!(id = shown, method = %method, route, status = code, duration_ms, "answered");
            } else {
                tracing::info!(id = shown, method = %method, route, status = code, duration_ms, "answered");
            }
        }
    } else {
        let _entered = span.enter();
        if code >= 500 {
            tracing::error!(status = code, duration_ms, "answered");
        } else if code >= 400 || method != Method::GET {
            tracing::info!(status = code, duration_ms, "answered");
        } else {
            tracing::debug!(status = code, duration_ms, "answered");
        }
    }
    metrics.observe_request(&method, route, status, elapsed);
    response.headers_mut().insert(REQUEST_ID.clone(), id);
}

/// A duration for the log: milliseconds to the microsecond.
pub fn milliseconds(elapsed: std::time::Duration) -> f64 {
    elapsed.as_micros() as f64 / 1000.0
}

/// A caller's request id is kept only if it is short and plain, so it cannot forge log lines.
fn acceptable_id(id: &[u8]) -> bool {
    (1..=64).contains(&id.len()) && id.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// A new id: this process's random prefix and a counter (`3f9a0c1e-1a`).
fn new_id() -> HeaderValue {
    static PREFIX: LazyLock<u32> = LazyLock::new(|| {
        let mut bytes = [0u8; 4];
        // Without randomness the ids are still unique within this process.
        let _ = getrandom::fill(&mut bytes);
        u32::from_le_bytes(bytes)
    });
    static NEXT: AtomicU64 = AtomicU64::new(1);
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut text = [0u8; 25];
    let prefix = *PREFIX;
    for (i, byte) in text[..8].iter_mut().enumerate() {
        *byte = HEX[((prefix >> (28 - 4 * i)) & 0xf) as usize];
    }
    text[8] = b'-';
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let digits = (16 - n.leading_zeros() as usize / 4).max(1);
    for (i, byte) in text[9..9 + digits].iter_mut().enumerate() {
        *byte = HEX[((n >> (4 * (digits - 1 - i))) & 0xf) as usize];
    }
    HeaderValue::from_bytes(&text[..9 + digits]).unwrap_or_else(|_| HeaderValue::from_static("unnamed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caller_ids_are_kept_only_when_plain() {
        assert!(acceptable_id(b"abc-123_x.y"));
        assert!(!acceptable_id(b""));
        assert!(!acceptable_id(b"a b"));
        assert!(!acceptable_id(b"line\nbreak"));
        assert!(!acceptable_id("x".repeat(65).as_bytes()));
    }

    #[test]
    fn new_ids_differ_and_read_as_prefix_dash_counter() {
        let (a, b) = (new_id(), new_id());
        assert_ne!(a, b);
        let text = a.to_str().expect("ascii");
        let (prefix, counter) = text.split_once('-').expect("a dash");
        assert_eq!(prefix.len(), 8);
        assert!(u64::from_str_radix(counter, 16).is_ok(), "{text}");
    }
}
