//! ccrd, the cluster control service: an axum router over the engine, with bearer-token auth
//! and the estate store behind the [`writer`]. The `ccrd` binary serves it on a port; the
//! shell's embedded mode serves the same router in-process on a loopback port ([`embedded`]).
//! Beside the API it serves its own observability: `/metrics`, `/healthz`, `/readyz` and
//! request logs.
//!
//! Owns: HTTP (routes, extraction, error responses), auth, the lab directory and the store;
//! the two hooks every change goes through ([`AppState::commit`], [`AppState::publish`]).
//!
//! Must not: make estate decisions itself (it asks `engine`), or import anything from `shell`.
//! The only types it shares with the shell are in `api`.

pub mod audit;
pub mod auth;
pub mod beneath;
pub mod bounds;
mod changes;
pub mod copy_files;
pub mod embedded;
pub mod error;
pub mod eseutil;
mod health;
mod json_body;
pub mod lab;
mod latency;
mod mail;
pub mod metrics;
pub mod node_files;
mod observe;
mod readiness;
pub mod replication;
mod routes;
pub mod server;
mod snapshot;
mod status_page;
pub mod store;
pub mod tls;
pub mod tokens;
pub mod writer;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard};
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};

use crate::engine::Estate;
use audit::Audit;
use lab::Lab;
use metrics::Metrics;
use readiness::Readiness;
use store::{Journal, JournalRead};
use tokens::Registry;
use writer::Writer;

/// What every handler can reach: one shared [`Shared`], so the clone each request, middleware
/// and handler takes is one reference count, not one per field (measured on the read path,
/// docs/performance.md).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// Everything the service shares between requests.
pub struct Shared {
    /// The estate readers see: the last one committed. Replaced whole, briefly, by each commit.
    pub estate: Arc<RwLock<Estate>>,
    /// Every change, delivery and replication pass goes through it: the writer lock, group
    /// commit, publishing.
    pub writer: Arc<Writer>,
    /// A read-only handle on the journal (events, ledger).
    pub reader: Arc<Mutex<Box<dyn JournalRead>>>,
    /// Set once the estate's log counters match the files (at once after a clean shutdown;
    /// after the background repair when the last holder crashed). Reads and changes wait for it.
    pub ready: Arc<Readiness>,
    /// The tokens ccrd accepts: the lab's two and every person's (`ccrd token add`).
    pub tokens: Arc<Registry>,
    /// The audit trail, outside the estate: who did what, refusals included.
    pub audit: Arc<Audit>,
    /// The lab directory: the nodes' files live under `nodes/`.
    pub lab: Arc<PathBuf>,
    /// Wakes the background replication after a delivery or a change.
    pub wake: Arc<Notify>,
    /// Long operations in flight (seeds), readable while they run.
    pub progress: Arc<Mutex<Vec<crate::api::ProgressRecord>>>,
    pub metrics: Arc<Metrics>,
    /// The token that reads `/metrics` and nothing else (`metrics.token`).
    pub metrics_token: Arc<str>,
    /// Counts publications (a new estate, a new audit record); the status page's live
    /// streams wait on it.
    pub published: watch::Sender<u64>,
    /// Set when ccrd starts shutting down, so long-lived streams end and let it.
    pub closing: watch::Sender<bool>,
    pub status_page: Arc<status_page::StatusPage>,
    /// Whether this ccrd holds the nodes' files (and so runs replication and the changes that
    /// touch files). Only a second ccrd on a shared store (`--without-files`) does not.
    pub holds_files: bool,
    /// The request ids whose changes run now (a retry waits for its first attempt).
    requests: changes::requests::InFlight,
}

/// Why a new estate is published, for the metrics' counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause<'a> {
    /// A change made by this cmdlet (`Move-ClusteredMailboxServer`, `Stop-LabNode`, …).
    Change(&'a str),
    /// Background replication, or a delivery of mail.
    Replication,
    /// A reset or an import: a different estate takes this one's place.
    Replaced,
}

/// What the writer tells about each commit and each estate it publishes: the metrics count
/// them, and the status page's live streams wake.
struct Observed {
    metrics: Arc<Metrics>,
    published: watch::Sender<u64>,
}

impl writer::Observer for Observed {
    fn committed(&self, journal: &Journal, elapsed: Duration) {
        self.metrics.committed(journal, elapsed);
    }

    fn published(&self, old: &Estate, new: &Estate, cause: Cause<'_>) {
        self.metrics.published(old, new, cause);
    }

    fn woke(&self) {
        self.published.send_modify(|n| *n = n.wrapping_add(1));
    }
}

impl AppState {
    /// Takes over an opened lab. The lab's directory lock stays held by `lab_lock`. A lab whose
    /// last holder did not shut down cleanly is repaired on a background thread (its files, and
    /// the log counters rebuilt from them); until then reads and changes wait.
    pub fn new(lab: Lab) -> Result<(AppState, LabLock), store::StoreError> {
        let Lab { store, estate, clean, mark, tokens, audit, lock, dir, holds_files } = lab;
        let reader = store.reader()?;
        let follow = store.follow();
        let published_estate = Arc::new(RwLock::new(estate.clone()));
        let metrics = Arc::new(Metrics::new(Arc::clone(&published_estate)));
        let published = watch::Sender::new(0);
        let observer = Arc::new(Observed { metrics: Arc::clone(&metrics), published: published.clone() });
        let state = AppState(Arc::new(Shared {
            writer: Arc::new(Writer::new(store, estate, Arc::clone(&published_estate), mark, observer)),
            estate: published_estate,
            metrics,
            metrics_token: tokens.metrics.into(),
            published,
            closing: watch::Sender::new(false),
            status_page: Arc::default(),
            reader: Arc::new(Mutex::new(reader)),
            ready: Arc::new(Readiness::new(clean)),
            tokens: Arc::new(Registry::new(&dir, tokens.admin, tokens.viewer)),
            audit: Arc::new(audit),
            lab: Arc::new(dir),
            wake: Arc::new(Notify::new()),
            progress: Arc::new(Mutex::new(Vec::new())),
            holds_files,
            requests: changes::requests::InFlight::default(),
        }));
        if let Some(changes) = follow {
            // What another ccrd committed is taken in with the log counters read from this
            // ccrd's files when it holds them (the other one knows only what was stored).
            let lab_dir = holds_files.then(|| state.lab.as_ref().clone());
            state.writer.follow_with(Box::new(move |estate: &mut Estate| match &lab_dir {
                Some(dir) => replication::refresh_from_disk(dir, estate).map_err(|e| e.to_string()),
                None => Ok(()),
            }));
            spawn_follower(Arc::downgrade(&state.writer), changes)?;
        }
        if !clean {
            let repairing = state.clone();
            std::thread::Builder::new()
                .name("ccrd-repair".into())
                .spawn(move || {
                    if let Err(e) = changes::repair(&repairing) {
                        tracing::error!(error = %e, "repairing the lab's files failed");
                    }
                    repairing.ready.set();
                })
                .map_err(|e| store::StoreError::Backend(e.to_string()))?;
        }
        Ok((state, LabLock { _file: lock }))
    }

    /// Takes the writer lock to decide a change, once the lab is repaired.
    pub(crate) fn decide(&self) -> Result<writer::Deciding<'_>, error::ServiceError> {
        self.ready.wait_blocking();
        self.writer.decide().map_err(|e| error::ServiceError::internal(&e))
    }

    /// Takes the writer lock, not the files lock, for a delivery (see `writer`), once the lab
    /// is repaired.
    pub(crate) fn decide_appending(&self) -> Result<writer::Deciding<'_>, error::ServiceError> {
        self.ready.wait_blocking();
        self.writer.decide_appending().map_err(|e| error::ServiceError::internal(&e))
    }

    /// Writes what is not written yet and marks the lab as shut down cleanly, so the next
    /// open needs no repair. Further changes are refused.
    pub fn shut_down(&self) -> Result<(), String> {
        self.audit.flush();
        self.writer.shut_down().map_err(|e| e.to_string())
    }
}

impl AppState {
    /// The published estate, for reading.
    pub fn read_estate(&self) -> RwLockReadGuard<'_, Estate> {
        self.estate.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Refuses `what` on a ccrd that does not hold the nodes' files, saying where to send it.
    pub fn require_files(&self, what: &str) -> Result<(), error::ServiceError> {
        if self.holds_files {
            return Ok(());
        }
        Err(error::ServiceError::invalid_request(
            format!(
                "{what} needs the nodes' files, and this ccrd does not hold them (it was started with \
                 --without-files, sharing its estate's store with the ccrd that does)."
            ),
            "Send it to the ccrd that holds the lab's files. This ccrd serves reads and the changes that touch no \
             files (Suspend-/Resume-StorageGroupCopy, Set-MailboxServer, Set-TransportConfig).",
        ))
    }

    /// Tells the status page's live streams that something they show changed.
    pub fn announce(&self) {
        self.published.send_modify(|n| *n = n.wrapping_add(1));
    }
}

/// Takes `mutex` whether or not an earlier holder panicked (what it guards is replaced whole,
/// never left half-changed: the writer's decided estate starts again from the published one
/// after a failure, and a change is decided on a copy; `mutate` also catches a panic inside a
/// change before it leaves the writer lock).
pub fn unpoisoned<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How often a ccrd on a shared store looks at it when no watch event came (a stream that broke
/// silently costs at most this long).
const FOLLOW_INTERVAL: Duration = Duration::from_secs(1);

/// Takes in, as they come, the changes other processes sharing the store commit (a shared
/// store's watch), until the writer is gone.
fn spawn_follower(
    writer: std::sync::Weak<Writer>,
    changes: std::sync::mpsc::Receiver<()>,
) -> Result<(), store::StoreError> {
    use std::sync::mpsc::RecvTimeoutError;
    std::thread::Builder::new()
        .name("ccrd-follow".into())
        .spawn(move || {
            let mut last_failure = String::new();
            loop {
                match changes.recv_timeout(FOLLOW_INTERVAL) {
                    Ok(()) | Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => return,
                }
                while changes.try_recv().is_ok() {}
                let Some(writer) = writer.upgrade() else { return };
                let failure = match writer.follow_store() {
                    Ok(_) => String::new(),
                    Err(e) => e.message,
                };
                if !failure.is_empty() && failure != last_failure {
                    tracing::warn!(failure = %failure, "following the shared store failed");
                }
                last_failure = failure;
            }
        })
        .map(drop)
        .map_err(|e| store::StoreError::Backend(e.to_string()))
}

/// How often background replication looks for new logs when nothing wakes it.
const REPLICATION_INTERVAL: Duration = Duration::from_millis(50);

/// Runs replication passes in the background for as long as the runtime lives.
fn spawn_replication(state: AppState) {
    tokio::spawn(async move {
        // A failure that repeats every pass is reported once, and again when it changes.
        let mut last_failure = String::new();
        loop {
            tokio::select! {
                () = state.wake.notified() => {}
                () = tokio::time::sleep(REPLICATION_INTERVAL) => {}
            }
            let pass = state.clone();
            let failure = match tokio::task::spawn_blocking(move || changes::pass(&pass)).await {
                Ok(Ok(_)) => String::new(),
                Ok(Err(detail)) => detail,
                Err(e) => e.to_string(),
            };
            if !failure.is_empty() && failure != last_failure {
                tracing::warn!(failure = %failure, "replication pass failed");
            }
            last_failure = failure;
        }
    });
}

/// Keeps the lab's directory lock for as long as the service runs.
pub struct LabLock {
    _file: std::fs::File,
}

/// The whole router: the API behind the token check (and behind the lab's repair when the last
/// holder crashed); `/metrics` with its own token check; the health endpoints open; every
/// request timed and logged.
pub fn app(state: AppState) -> Router {
    let api = routes::router()
        .layer(axum::middleware::from_fn_with_state(state.clone(), wait_until_ready))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::require_token));
    api.merge(metrics::router())
        .merge(health::router())
        .merge(status_page::router())
        .layer(observe::ObserveLayer::new(state.metrics.clone()))
        .with_state(state)
}

/// Holds a request until the lab is repaired (at once when it opened clean).
async fn wait_until_ready(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if !state.ready.is_ready() {
        state.ready.wait().await;
    }
    next.run(request).await
}

/// Serves the API on `listener` (plain HTTP, the default limits), with replication running in
/// the background, until `shutdown` completes; then finishes in-flight requests.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, state, server::ServerOptions::default(), shutdown).await
}

/// As [`serve`], with TLS and connection limits as `options` say.
pub async fn serve_with(
    listener: TcpListener,
    state: AppState,
    options: server::ServerOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if state.holds_files {
        spawn_replication(state.clone());
    }
    let closing = state.closing.clone();
    let shutdown = async move {
        shutdown.await;
        closing.send_replace(true);
    };
    server::run(listener, app(state), options, shutdown).await
}
