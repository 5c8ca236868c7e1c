//! The operations on servers, databases and copies: move, stop, start, mount, dismount,
//! suspend, resume — each a thin handler that runs the engine's operation through [`mutate`]
//! and does the file steps in between.
//!
//! Must not: check preconditions itself.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Extension, State};

use super::recovery::{follow_up, node_returned};
use super::{Change, Done, Reply, Work, blocking, body, internal, mutate, service_failure};
use crate::api::{
    CopyRequest, IdentityRequest, MailboxDatabaseRequest, MailboxServerRequest, MoveRequest, OperationResult,
    RestoreRequest, StopRequest,
};
use crate::engine::events;
use crate::engine::failover;
use crate::engine::preconditions::{Check, Report};
use crate::engine::{EngineError, operations};
use crate::service::AppState;
use crate::service::auth::Caller;
use crate::service::error::ServiceError;
use crate::service::replication;

pub async fn move_cms(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Result<Json<MoveRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    let request = body(request)?;
    blocking(move || {
        let change = Change::of("Move-ClusteredMailboxServer", &request, Some(&request.move_comment));
        mutate(&state, caller, change, |w| move_server(w, &request))
    })
    .await
}

/// A scheduled move: check, flush every remaining log to the target, hand over.
fn move_server(w: &mut Work<'_>, request: &MoveRequest) -> Result<Done, EngineError> {
    let (report, skipped) = operations::check_move(&w.estate, request)?;
    w.lap("Checks");
    if w.dry_run {
        return Ok(Done::plain(report, false));
    }
    let server = operations::server_name(&w.estate, &request.identity)?;
    let target = w.estate.node_name(&request.target_machine);
    let flush = |w: &mut Work<'_>| -> Result<(), ServiceError> {
        w.close_open_logs(&server, None)?;
        w.catch_up()
    };
    flush(w).map_err(|e| EngineError::Invalid { message: e.0.message, hint: e.0.hint.unwrap_or_default() })?;
    let mut report = Report::resume(report);
    for sg in w.estate.storage_groups_of(&server).filter(|sg| !skipped.contains(&sg.name)) {
        let copy = w.estate.copies_of(sg).find(|c| c.node.eq_ignore_ascii_case(&target));
        let (inspected, replayed) = copy.map_or((0, 0), |c| (c.last_log_inspected, c.last_log_replayed));
        let message = copy.and_then(|c| c.failed_message.clone());
        report.add(Check {
            name: format!("Every log of '{}' reached {target}", sg.name),
            passed: inspected >= sg.last_log_generated && replayed >= sg.last_log_generated,
            observed: format!(
                "inspected {inspected}, replayed {replayed} of {}{}",
                sg.last_log_generated,
                message.map(|m| format!(" ({m})")).unwrap_or_default()
            ),
            threshold: format!("{} (every closed log)", sg.last_log_generated),
            why: "A scheduled move loses nothing: the handoff waits until the target holds every log.",
            remedy: "If the database is damaged, dismount it and move with -IgnoreDismounted; then reseed the copy."
                .into(),
            override_switch: None,
        });
    }
    let report = report.finish()?;
    w.lap("Flush");
    let old = operations::apply_move(&mut w.estate, &server, &target, w.now)?;
    replication::recount(&w.files(), &mut w.estate).map_err(|e| EngineError::Invalid {
        message: format!("The copies' files could not be read after the handoff: {e}"),
        hint: "ccrd's log has the details.".into(),
    })?;
    w.lap("Handoff");
    // A group left out of the flush may still get its logs from the old node.
    let notes = if skipped.is_empty() { Vec::new() } else { node_returned(w, &old).map_err(service_failure)? };
    let handoff_ms = w.timings.iter().skip(1).map(|t| t.milliseconds).sum();
    let target_name = w.estate.node(&target).map_or(target.clone(), |n| n.name.clone());
    let warnings = skipped
        .iter()
        .map(|sg| {
            format!("Storage group '{server}\\{sg}' was dismounted and was left out of the move's checks and flush.")
        })
        .collect();
    Ok(Done {
        events: vec![events::handoff(&target_name, &server, &old, &target_name, handoff_ms, &request.move_comment)],
        warnings,
        notes,
        ..Done::plain(report, true)
    })
}

pub async fn stop_cms(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Result<Json<StopRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    let request = body(request)?;
    blocking(move || {
        let change = Change::of("Stop-ClusteredMailboxServer", &request, Some(&request.stop_reason));
        mutate(&state, caller, change, |w| {
            let (changed, report, events) = operations::stop(&mut w.estate, &request.identity, &request.stop_reason)?;
            if changed && !w.dry_run {
                let server = operations::server_name(&w.estate, &request.identity)?;
                w.close_open_logs(&server, None).and_then(|()| w.catch_up()).map_err(service_failure)?;
            }
            Ok(Done { events, ..Done::plain(report, changed) })
        })
    })
    .await
}

pub async fn start_cms(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Result<Json<IdentityRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    let request = body(request)?;
    blocking(move || {
        let change = Change::of("Start-ClusteredMailboxServer", &request, None);
        mutate(&state, caller, change, |w| {
            let (changed, report) = operations::start(&mut w.estate, &request.identity)?;
            Ok(Done::plain(report, changed))
        })
    })
    .await
}

pub async fn mount_database(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Result<Json<IdentityRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    set_mounted(state, caller, body(request)?, true).await
}

pub async fn dismount_database(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Result<Json<IdentityRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    set_mounted(state, caller, body(request)?, false).await
}

/// Mount or dismount; a dismount closes the open log so the database is clean on disk.
async fn set_mounted(state: AppState, caller: Caller, request: IdentityRequest, mount: bool) -> Reply<OperationResult> {
    blocking(move || {
        let change = Change::of(if mount { "Mount-Database" } else { "Dismount-Database" }, &request, None);
        mutate(&state, caller, change, |w| {
            let done = operations::set_mounted(&mut w.estate, &request.identity, None, mount)?;
            let mut warnings = Vec::new();
            if done.changed && !w.dry_run {
                let db = &done.database;
                if mount {
                    // A mount that accepts lost logs forks the log stream and calls the dumpster.
                    let index = w.estate.storage_group_position(&db.server, &db.storage_group);
                    if let Some(index) = index.filter(|i| w.estate.storage_groups[*i].missing_logs.is_some()) {
                        let active = operations::active_node(&w.estate, &db.server)?;
                        let mut reaction = failover::Reaction::default();
                        if let Some(request) = failover::mount_with_loss(&mut w.estate, index, &active, w.now, &mut reaction) {
                            reaction.dumpster.push(request);
                        }
                        follow_up(w, reaction).map_err(service_failure)?;
                        warnings.push(format!(
                            "'{}' was mounted without the logs lost with the failed node; the transport dumpster was asked to resend recent mail.",
                            done.database.name
                        ));
                    }
                    // A new storage group's first mount starts its log stream.
                    if let Some(index) = index {
                        replication::start_log_stream(&w.files(), &mut w.estate, index, w.now)
                            .map_err(|e| service_failure(internal(&e)))?;
                    }
                } else {
                    w.close_open_logs(&db.server, Some(&db.storage_group))
                        .and_then(|()| w.catch_up())
                        .map_err(service_failure)?;
                }
            }
            Ok(Done { warnings, ..Done::plain(done.report, done.changed) })
        })
    })
    .await
}

pub async fn set_mailbox_server(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Result<Json<MailboxServerRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    let request = body(request)?;
    blocking(move || {
        mutate(&state, caller, Change::of("Set-MailboxServer", &request, None), |w| {
            let (changed, report) = operations::set_mailbox_server(
                &mut w.estate,
                &request.identity,
                request.auto_database_mount_dial,
                request.forced_database_mount_after.as_deref(),
            )?;
            Ok(Done::plain(report, changed))
        })
    })
    .await
}

pub async fn set_mailbox_database(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Result<Json<MailboxDatabaseRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    let request = body(request)?;
    blocking(move || {
        mutate(&state, caller, Change::of("Set-MailboxDatabase", &request, None), |w| {
            let (changed, report) = operations::set_mailbox_database(
                &mut w.estate,
                &request.identity,
                request.allow_file_restore,
                request.mount_at_startup,
            )?;
            Ok(Done::plain(report, changed))
        })
    })
    .await
}

pub async fn restore_copy(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Result<Json<RestoreRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    let request = body(request)?;
    blocking(move || {
        mutate(&state, caller, Change::of("Restore-StorageGroupCopy", &request, None), |w| {
            if request.replace_locations {
                return Err(operations::replace_locations_refused(&w.estate, &request.identity));
            }
            if let Some(standby_machine) = request.standby_machine.as_deref() {
                return super::standby::restore_standby(w, &request.identity, standby_machine, request.force);
            }
            let (report, index, fetch) =
                operations::restore_cluster_copy(&mut w.estate, &request.identity, request.force)?;
            if w.dry_run {
                return Ok(Done::plain(report, false));
            }
            let sg = &w.estate.storage_groups[index];
            let name = format!("{}\\{}", sg.server, sg.name);
            let mut warnings = Vec::new();
            let mut notes = Vec::new();
            if fetch {
                let source = sg.missing_logs.as_ref().map(|m| m.node.clone()).unwrap_or_default();
                notes.extend(node_returned(w, &source).map_err(service_failure)?);
            }
            // Logs the reachable source could not give (damaged) are lost too, if forced.
            let still_missing = operations::accept_loss(&mut w.estate, index, request.force);
            if still_missing && request.force {
                warnings.push(format!(
                    "Performing a Restore-StorageGroupCopy operation on storage group '{name}' with the Force option. \
                     Data loss is expected for this storage group."
                ));
            } else if still_missing {
                warnings.push(format!(
                    "The remaining logs of '{name}' could not be copied ({}). Add -Force to accept their loss.",
                    notes.last().cloned().unwrap_or_else(|| "the source did not provide them".into())
                ));
            }
            Ok(Done { warnings, notes, ..Done::plain(report, true) })
        })
    })
    .await
}

pub async fn suspend_copy(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Result<Json<CopyRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    set_suspended(state, caller, body(request)?, true).await
}

pub async fn resume_copy(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Result<Json<CopyRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    set_suspended(state, caller, body(request)?, false).await
}

async fn set_suspended(state: AppState, caller: Caller, request: CopyRequest, suspend: bool) -> Reply<OperationResult> {
    blocking(move || {
        let change = Change::of(
            if suspend { "Suspend-StorageGroupCopy" } else { "Resume-StorageGroupCopy" },
            &request,
            request.suspend_comment.as_deref(),
        );
        mutate(&state, caller, change, |w| {
            let standby = request.standby_machine.as_deref();
            let (changed, report) = if suspend {
                operations::suspend(&mut w.estate, &request.identity, standby, request.suspend_comment.as_deref())?
            } else {
                operations::resume(&mut w.estate, &request.identity, standby)?
            };
            Ok(Done::plain(report, changed))
        })
    })
    .await
}
