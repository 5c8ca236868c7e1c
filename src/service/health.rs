//! The health endpoints, open without a token: `GET /healthz` (the process answers) and
//! `GET /readyz` (the lab is open and its store can take a write). Each answers one word, so
//! an unauthenticated caller learns nothing about the estate; why ccrd is not ready goes to
//! its log.
//!
//! Must not: reveal anything but alive/ready, or wait on a change in flight.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;

use super::{AppState, lab, replication};

pub const LIVE: &str = "/healthz";
pub const READY: &str = "/readyz";

pub fn router() -> Router<AppState> {
    Router::new().route(LIVE, get(live)).route(READY, get(ready))
}

async fn live() -> (StatusCode, &'static str) {
    (StatusCode::OK, "ok\n")
}

async fn ready(State(state): State<AppState>) -> (StatusCode, &'static str) {
    let checked = tokio::task::spawn_blocking(move || not_ready(&state)).await;
    match checked {
        Ok(None) => (StatusCode::OK, "ready\n"),
        Ok(Some(why)) => {
            tracing::warn!(reason = %why, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "not ready\n")
        }
        Err(e) => {
            tracing::warn!(reason = %e, "not ready: the check did not finish");
            (StatusCode::SERVICE_UNAVAILABLE, "not ready\n")
        }
    }
}

/// Why ccrd cannot take changes now, or `None` when it can.
fn not_ready(state: &AppState) -> Option<String> {
    if *state.closing.borrow() {
        return Some("ccrd is shutting down".into());
    }
    if !lab::held_by_this_process(&state.lab) {
        return Some(format!("the lab's lock file in {} no longer names this process", state.lab.display()));
    }
    let files = match state.estate.read() {
        Ok(estate) => replication::files_root(&state.lab, &estate),
        Err(_) => return Some("the estate's lock is poisoned (a change panicked)".into()),
    };
    if !files.is_dir() {
        return Some(format!("the nodes' files directory {} is missing", files.display()));
    }
    if !state.ready.is_ready() {
        return Some("the lab is being repaired after a crash (its files, and the log counters from them)".into());
    }
    state.writer.probe().err().map(|e| format!("the store cannot begin a write: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::lab::TopologySource;

    #[test]
    fn a_ccrd_shutting_down_is_not_ready() {
        let dir = tempfile::tempdir().expect("temp dir");
        let lab = lab::open(dir.path(), &TopologySource::Seed).expect("lab opened");
        let (state, _lock) = AppState::new(lab).expect("served");
        assert_eq!(not_ready(&state), None, "a freshly opened lab is ready");
        state.closing.send_replace(true);
        assert_eq!(not_ready(&state).as_deref(), Some("ccrd is shutting down"));
        state.shut_down().expect("closed cleanly");
    }
}
