//! The lab's (game day) calls: mail delivery, settling replication, and the background
//! replication pass.
//!
//! Must not: bypass the writer lock: every file step here holds it.

use std::time::Instant;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Extension, State};
use chrono::Utc;

use super::{Reply, blocking, body, internal, require_administrator};
use crate::api::{self, Role, SendMailRequest, SettleRequest};
use crate::engine::operations;
use crate::service::AppState;
use crate::service::error::ServiceError;
use crate::service::replication;
use crate::service::store::{AcceptedMessage, Journal};

/// `POST /v1/lab/mail`: appends the messages to the active copy's open log, syncs it, records
/// the ids as accepted, and only then answers with them.
pub async fn send_mail(
    State(state): State<AppState>,
    Extension(role): Extension<Role>,
    request: Result<Json<SendMailRequest>, JsonRejection>,
) -> Reply<api::SendMailResult> {
    let request = body(request)?;
    blocking(move || {
        require_administrator(role)?;
        let mut store = state.store.lock().map_err(|e| internal(&e))?;
        let mut estate = state.estate.read().map_err(|e| internal(&e))?.clone();
        let now = estate.lab_time(Utc::now());
        let delivery = operations::deliver(&mut estate, &request.database, request.count, request.size_kb)?;
        let sg = &estate.storage_groups[delivery.storage_group];
        let (server, storage_group) = (sg.server.clone(), sg.name.clone());
        let files = replication::active_files(&state.lab, &estate, sg).ok_or_else(|| internal(&"no active copy"))?;
        let size = usize::try_from(request.size_kb).unwrap_or(0) * 1024;
        let ids: Vec<u64> = (delivery.first_id..delivery.first_id + u64::from(request.count)).collect();
        let messages: Vec<_> = ids
            .iter()
            .map(|&id| crate::service::copy_files::NewMessage { id, accepted_ms: now.timestamp_millis(), size })
            .collect();
        let closed = files
            .append(sg.last_log_generated + 1, sg.lineage, estate.log_size_bytes, &messages, now.timestamp_millis())
            .map_err(|e| internal(&e))?;
        let sg = &mut estate.storage_groups[delivery.storage_group];
        if let Some(&newest) = closed.last() {
            sg.last_log_generated = newest;
            sg.last_log_generated_at = Some(now);
        }
        sg.open_log_records = files.on_disk().map_err(|e| internal(&e))?.open_records;
        let last_log_generated = sg.last_log_generated;
        let accepted = ids
            .iter()
            .map(|&id| AcceptedMessage {
                id,
                server: server.clone(),
                storage_group: storage_group.clone(),
                size: size as u64,
            })
            .collect();
        store.commit(&estate, &Journal { accepted, ..Journal::default() }, now).map_err(|e| internal(&e))?;
        *state.estate.write().map_err(|e| internal(&e))? = estate;
        if !closed.is_empty() {
            state.wake.notify_one();
        }
        Ok(api::SendMailResult { database: request.database.clone(), accepted: ids, last_log_generated })
    })
    .await
}

/// `POST /v1/lab/settle`: replication passes until one moves nothing, or the timeout.
pub async fn settle(
    State(state): State<AppState>,
    Extension(role): Extension<Role>,
    request: Result<Json<SettleRequest>, JsonRejection>,
) -> Reply<api::SettleResult> {
    let request = body(request)?;
    blocking(move || {
        require_administrator(role)?;
        let started = Instant::now();
        let timeout = std::time::Duration::from_millis(request.timeout_ms.unwrap_or(30_000));
        loop {
            let progressed = replication_pass(&state)?;
            let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            if !progressed || started.elapsed() >= timeout {
                let estate = state.estate.read().map_err(|e| internal(&e))?;
                let behind = crate::engine::replication::plan(&estate)
                    .iter()
                    .map(|w| crate::engine::replication::copy_name(&estate.copies[w.copy]))
                    .collect::<Vec<_>>();
                return Ok(api::SettleResult {
                    settled: !progressed,
                    elapsed_ms,
                    behind: if progressed { behind } else { Vec::new() },
                });
            }
        }
    })
    .await
}

/// One replication pass under the writer lock. Commits to SQLite only when a copy's status
/// changed (log counters live in the files). Returns whether any file step was taken.
pub fn replication_pass(state: &AppState) -> Result<bool, ServiceError> {
    let store = state.store.lock().map_err(|e| internal(&e))?;
    let mut estate = state.estate.read().map_err(|e| internal(&e))?.clone();
    let now = estate.lab_time(Utc::now());
    let statuses: Vec<_> = estate.copies.iter().map(|c| (c.status, c.inspect_failures)).collect();
    let progressed = replication::run_pass(&state.lab, &mut estate, now).map_err(|e| internal(&e))?;
    let status_changed = estate.copies.iter().map(|c| (c.status, c.inspect_failures)).ne(statuses);
    let mut store = store;
    if status_changed {
        store.commit(&estate, &Journal::default(), now).map_err(|e| internal(&e))?;
    }
    if progressed || status_changed {
        *state.estate.write().map_err(|e| internal(&e))? = estate;
    }
    Ok(progressed)
}
