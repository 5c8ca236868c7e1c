//! Writing an entry to a node's event log (`POST /v1/events`: `Write-EventLog`,
//! `[Diagnostics.EventLog]::WriteEntry` in a node session). The entry takes the one change path:
//! the administrator's role, the writer lock, the engine's checks (`engine::events::written`),
//! the group commit that makes it durable with the change's history, and the audit record; then
//! `Get-EventLog` reads it back like any event the lab wrote.
//!
//! Must not: decide whether the entry may be written (the engine does) or touch any file.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Extension, State};

use super::{Change, Done, Reply, blocking, body, mutate};
use crate::api::{OperationResult, WriteEventRequest};
use crate::engine::events;
use crate::engine::preconditions::Report;
use crate::service::AppState;
use crate::service::auth::Caller;

/// The history keeps the start of the message as the change's reason.
const REASON_CHARS: usize = 200;

pub async fn write_event(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Result<Json<WriteEventRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    let request = body(request)?;
    blocking(move || {
        let object =
            format!("{}\\{}\\{}", request.computer_name.trim(), request.log_name.trim(), request.source.trim());
        let reason = format!(
            "{:?} {}: {}",
            request.entry_type,
            request.event_id,
            request.message.chars().take(REASON_CHARS).collect::<String>()
        );
        mutate(&state, caller, Change::lab("Write-EventLog", object.clone(), Some(reason), false, None), |w| {
            let event = events::written(
                &w.estate,
                &request.computer_name,
                &request.log_name,
                &request.source,
                request.event_id,
                request.entry_type,
                &request.message,
            )?;
            Ok(Done { events: vec![event], ..Done::plain(Report::new("Write-EventLog", &object).into_report(), true) })
        })
    })
    .await
}
