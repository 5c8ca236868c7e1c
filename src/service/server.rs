//! Accepting connections: the loop in front of the router. It caps how many connections are
//! open at once (past the cap it stops accepting until one closes), gives every connection a
//! header-read timeout (which is also its idle timeout between keep-alive requests) and every
//! request body an inactivity timeout, speaks TLS when configured (and answers a plain-HTTP
//! request on a TLS port with a clear error instead of garbage), and on shutdown stops
//! accepting, lets requests in flight finish, and gives up on the rest after a deadline.
//!
//! Owns: connection-level limits and TLS termination. Must not: know about routes or the
//! estate (it serves whatever `Router` it is given).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower::ServiceExt;
use tower_http::timeout::TimeoutBody;

/// Connection-level limits and TLS.
#[derive(Clone)]
pub struct ServerOptions {
    /// TLS, when ccrd serves `https`.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// The most connections open at once.
    pub max_connections: usize,
    /// How long a client may take to send a request's headers (and how long an idle
    /// keep-alive connection stays open).
    pub header_timeout: Duration,
    /// How long a request body may go without sending anything.
    pub body_timeout: Duration,
    /// How long the TLS handshake may take.
    pub handshake_timeout: Duration,
    /// On shutdown, how long requests in flight may take to finish.
    pub shutdown_grace: Duration,
}

impl Default for ServerOptions {
    fn default() -> ServerOptions {
        ServerOptions {
            tls: None,
            max_connections: 256,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            handshake_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then drains as described above.
pub async fn run(
    listener: TcpListener,
    router: Router,
    options: ServerOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(options.max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let acceptor = options.tls.clone().map(tokio_rustls::TlsAcceptor::from);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(options.header_timeout).keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        // A slot first: at the cap, new connections wait in the kernel's queue.
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let http = http.clone();
        let watcher = graceful.watcher();
        let acceptor = acceptor.clone();
        let options = options.clone();
        tokio::spawn(async move {
            let _permit = permit;
            match acceptor {
                None => serve_connection(&http, watcher, stream, router, options.body_timeout).await,
                Some(acceptor) => {
                    let Some(tls) = handshake(&acceptor, stream, peer, options.handshake_timeout).await else {
                        return;
                    };
                    serve_connection(&http, watcher, tls, router, options.body_timeout).await;
                }
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(options.shutdown_grace, graceful.shutdown()).await.is_err() {
        tracing::warn!(grace_seconds = options.shutdown_grace.as_secs(), "requests still in flight; stopping anyway");
    }
    Ok(())
}

async fn serve_connection<I>(
    http: &hyper::server::conn::http1::Builder,
    watcher: hyper_util::server::graceful::Watcher,
    io: I,
    router: Router,
    body_timeout: Duration,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let request = request.map(|body| Body::new(TimeoutBody::new(body_timeout, body)));
        router.clone().oneshot(request)
    });
    let connection = http.serve_connection(TokioIo::new(io), service);
    // A connection that ends badly (a timeout, a reset) is the client's business.
    let _ = watcher.watch(connection).await;
}

/// The TLS handshake, within `timeout`. A client that speaks plain HTTP to this port gets a
/// plain-HTTP answer that says to use `https://`.
async fn handshake(
    acceptor: &tokio_rustls::TlsAcceptor,
    stream: TcpStream,
    peer: SocketAddr,
    timeout: Duration,
) -> Option<tokio_rustls::server::TlsStream<TcpStream>> {
    let mut first = [0u8; 1];
    let peeked = tokio::time::timeout(timeout, stream.peek(&mut first)).await;
    if !matches!(peeked, Ok(Ok(1))) {
        return None;
    }
    // Every TLS connection starts with a handshake record (0x16); an HTTP request with a letter.
    if first[0].is_ascii_alphabetic() {
        refuse_plain_http(stream).await;
        return None;
    }
    match tokio::time::timeout(timeout, acceptor.accept(stream)).await {
        Ok(Ok(tls)) => Some(tls),
        Ok(Err(e)) => {
            tracing::info!(%peer, error = %e, "TLS handshake failed");
            None
        }
        Err(_) => None,
    }
}

/// Answers a plain-HTTP request on a TLS port in the API's error shape, then closes.
async fn refuse_plain_http(mut stream: TcpStream) {
    let body = serde_json::json!({
        "code": "InvalidRequest",
        "message": "This ccrd speaks HTTPS only; the request came in plain HTTP.",
        "hint": "Use https:// in --server (and --ca-cert if its certificate is your own)."
    })
    .to_string();
    let answer = format!(
        "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    // Read what the client sent first (briefly), so closing does not reset the answer away.
    let mut scratch = [0u8; 4096];
    let _ = tokio::time::timeout(Duration::from_millis(200), stream.readable()).await;
    let _ = stream.try_read(&mut scratch);
    let _ = stream.write_all(answer.as_bytes()).await;
    let _ = stream.shutdown().await;
}
