//! ccrd, the cluster control service: an axum router over the engine, with bearer-token auth
//! and the SQLite store. The `ccrd` binary serves it on a port; the shell's embedded mode
//! serves the same router in-process on a loopback port ([`embedded`]).
//!
//! Owns: HTTP (routes, extraction, error responses), auth, the lab directory and the store.
//!
//! Must not: make estate decisions itself (it asks `engine`), or import anything from `shell`.
//! The only types it shares with the shell are in `api`.

pub mod auth;
pub mod embedded;
pub mod error;
pub mod lab;
mod routes;
pub mod store;

use std::sync::{Arc, Mutex, RwLock};

use axum::Router;
use tokio::net::TcpListener;

use crate::engine::Estate;
use lab::{Lab, Tokens};
use store::Store;

/// What every handler can reach. Cloned per request; everything inside is shared.
#[derive(Clone)]
pub struct AppState {
    pub estate: Arc<RwLock<Estate>>,
    /// Held for mutations: one writer at a time, in the order the estate lock is taken.
    pub store: Arc<Mutex<Store>>,
    pub tokens: Arc<Tokens>,
}

impl AppState {
    /// Takes over an opened lab. The lab's directory lock stays held by `lab_lock`.
    pub fn new(lab: Lab) -> (AppState, LabLock) {
        let Lab { store, estate, tokens, lock, .. } = lab;
        let state = AppState {
            estate: Arc::new(RwLock::new(estate)),
            store: Arc::new(Mutex::new(store)),
            tokens: Arc::new(tokens),
        };
        (state, LabLock { _file: lock })
    }
}

/// Keeps the lab's directory lock for as long as the service runs.
pub struct LabLock {
    _file: std::fs::File,
}

/// The whole router: every route behind the token check.
pub fn app(state: AppState) -> Router {
    routes::router().layer(axum::middleware::from_fn_with_state(state.clone(), auth::require_token)).with_state(state)
}

/// Serves `app` on `listener` until `shutdown` completes, then finishes in-flight requests.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
