//! ccrd, the cluster control service: an axum router over the engine, with bearer-token auth
//! and the SQLite store. The `ccrd` binary serves it on a port; the shell's embedded mode
//! serves the same router in-process on a loopback port ([`embedded`]). Beside the API it
//! serves its own observability: `/metrics`, `/healthz`, `/readyz` and request logs.
//!
//! Owns: HTTP (routes, extraction, error responses), auth, the lab directory and the store;
//! the two hooks every change goes through ([`AppState::commit`], [`AppState::publish`]).
//!
//! Must not: make estate decisions itself (it asks `engine`), or import anything from `shell`.
//! The only types it shares with the shell are in `api`.

pub mod audit;
pub mod auth;
pub mod bounds;
mod changes;
pub mod copy_files;
pub mod embedded;
pub mod error;
mod health;
pub mod lab;
pub mod metrics;
mod observe;
pub mod replication;
mod routes;
pub mod server;
mod snapshot;
mod status_page;
pub mod store;
pub mod tls;
pub mod tokens;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard};
use std::time::{Duration, Instant};

use axum::Router;
use chrono::{DateTime, Utc};
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};

use crate::api::EventEntry;
use crate::engine::Estate;
use audit::Audit;
use lab::Lab;
use metrics::Metrics;
use store::{Journal, Reader, Store, StoreError};
use tokens::Registry;

/// What every handler can reach. Cloned per request; everything inside is shared.
#[derive(Clone)]
pub struct AppState {
    /// The estate readers see. Replaced whole, briefly, after each change.
    pub estate: Arc<RwLock<Estate>>,
    /// The writer lock: every change and every replication pass holds it from reading the
    /// estate to publishing the new one, so they happen one at a time.
    pub store: Arc<Mutex<Store>>,
    /// A read-only connection for the journal (events, history, ledger).
    pub reader: Arc<Mutex<Reader>>,
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

impl AppState {
    /// Takes over an opened lab. The lab's directory lock stays held by `lab_lock`.
    pub fn new(lab: Lab) -> (AppState, LabLock) {
        let Lab { store, reader, estate, tokens, audit, lock, dir } = lab;
        let estate = Arc::new(RwLock::new(estate));
        let state = AppState {
            metrics: Arc::new(Metrics::new(estate.clone())),
            metrics_token: tokens.metrics.into(),
            published: watch::Sender::new(0),
            closing: watch::Sender::new(false),
            status_page: Arc::default(),
            estate,
            store: Arc::new(Mutex::new(store)),
            reader: Arc::new(Mutex::new(reader)),
            tokens: Arc::new(Registry::new(&dir, tokens.admin, tokens.viewer)),
            audit: Arc::new(audit),
            lab: Arc::new(dir),
            wake: Arc::new(Notify::new()),
            progress: Arc::new(Mutex::new(Vec::new())),
        };
        (state, LabLock { _file: lock })
    }
}

impl AppState {
    /// The writer lock. A panic while it is held cannot leave it poisoned for good: a change
    /// is decided on a copy, committed in one SQLite transaction (rolled back if unwound) and
    /// published only after, so whoever takes the lock next finds a consistent estate; `mutate`
    /// also catches a panic inside a change before it leaves the lock.
    pub fn writer(&self) -> MutexGuard<'_, Store> {
        unpoisoned(&self.store)
    }

    /// The published estate, for reading.
    pub fn read_estate(&self) -> RwLockReadGuard<'_, Estate> {
        self.estate.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Commits `estate` and `journal` to the store (the one way a change becomes durable),
    /// timing the commit and counting the messages the journal records, for the metrics.
    pub fn commit(
        &self,
        store: &mut Store,
        estate: &Estate,
        journal: &Journal,
        at: DateTime<Utc>,
    ) -> Result<Vec<EventEntry>, StoreError> {
        let started = Instant::now();
        let events = store.commit(estate, journal, at)?;
        self.metrics.committed(journal, started.elapsed());
        Ok(events)
    }

    /// Makes `next` the estate readers see (the one way it changes), counts what changed for
    /// the metrics, and wakes the status page's live streams.
    pub fn publish(&self, next: Estate, cause: Cause<'_>) {
        let old = {
            let mut estate = self.estate.write().unwrap_or_else(PoisonError::into_inner);
            let old = std::mem::replace(&mut *estate, next);
            self.metrics.published(&old, &estate, cause);
            old
        };
        drop(old);
        self.announce();
    }

    /// Tells the status page's live streams that something they show changed.
    pub fn announce(&self) {
        self.published.send_modify(|n| *n = n.wrapping_add(1));
    }
}

/// Takes `mutex` whether or not an earlier holder panicked (what it guards is replaced whole,
/// never left half-changed).
pub fn unpoisoned<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
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

/// The whole router: the API behind the token check; `/metrics` with its own token check;
/// the health endpoints open; every request timed and logged.
pub fn app(state: AppState) -> Router {
    let api = routes::router().layer(axum::middleware::from_fn_with_state(state.clone(), auth::require_token));
    api.merge(metrics::router())
        .merge(health::router())
        .merge(status_page::router())
        .layer(axum::middleware::from_fn_with_state(state.clone(), observe::requests))
        .with_state(state)
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
    spawn_replication(state.clone());
    let closing = state.closing.clone();
    let shutdown = async move {
        shutdown.await;
        closing.send_replace(true);
    };
    server::run(listener, app(state), options, shutdown).await
}
