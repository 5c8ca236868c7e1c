//! Changes: the one path every mutating call takes — role check, writer lock, expected-state
//! guard, the engine's checks, the file steps, the SQLite commit with the history record, and
//! only then the new estate published and the answer sent — plus the mutating handlers and the
//! background replication pass.
//!
//! Must not: decide whether an operation is allowed (the engine's operations do) or format
//! anything for people beyond the engine's own messages.

use std::path::Path;
use std::time::Instant;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Extension, State};
use chrono::{DateTime, Utc};

use super::AppState;
use super::error::ServiceError;
use super::replication;
use super::store::{AcceptedMessage, Journal};
use crate::api::{
    self, CopyRequest, IdentityRequest, MoveRequest, OperationResult, PhaseTiming, PreconditionReport, Role,
    SendMailRequest, SettleRequest, StopRequest,
};
use crate::engine::events::{self, NewEvent};
use crate::engine::preconditions::{Check, Report};
use crate::engine::{EngineError, Estate, operations};

/// What a change is, for the history.
struct Change {
    cmdlet: &'static str,
    object: String,
    reason: Option<String>,
    dry_run: bool,
    expected_version: Option<u64>,
}

impl Change {
    /// The change a guarded request asks for.
    fn of(cmdlet: &'static str, request: &impl Guarded, reason: Option<&str>) -> Change {
        Change {
            cmdlet,
            object: request.identity().to_string(),
            reason: reason.map(str::to_string),
            dry_run: request.dry_run(),
            expected_version: request.expected_version(),
        }
    }
}

/// A mutating request: it names its object and carries the dry-run flag and the guard.
trait Guarded {
    fn identity(&self) -> &str;
    fn dry_run(&self) -> bool;
    fn expected_version(&self) -> Option<u64>;
}

macro_rules! guarded {
    ($($request:ty),*) => {$(
        impl Guarded for $request {
            fn identity(&self) -> &str {
                &self.identity
            }
            fn dry_run(&self) -> bool {
                self.dry_run
            }
            fn expected_version(&self) -> Option<u64> {
                self.expected_version
            }
        }
    )*};
}

guarded!(MoveRequest, StopRequest, IdentityRequest, CopyRequest);

/// The estate being changed, and what the change may use.
struct Work<'a> {
    estate: Estate,
    lab: &'a Path,
    now: DateTime<Utc>,
    dry_run: bool,
    started: Instant,
    timings: Vec<PhaseTiming>,
}

impl Work<'_> {
    /// Ends the current phase.
    fn lap(&mut self, phase: &str) {
        let total: u64 = self.timings.iter().map(|t| t.milliseconds).sum();
        let elapsed = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.timings.push(PhaseTiming { phase: phase.to_string(), milliseconds: elapsed.saturating_sub(total) });
    }

    fn now_ms(&self) -> i64 {
        self.now.timestamp_millis()
    }

    /// Closes the open log of every storage group of `server` (or only `only`), so everything
    /// delivered is in a closed log that can ship.
    fn close_open_logs(&mut self, server: &str, only: Option<&str>) -> Result<(), ServiceError> {
        for index in 0..self.estate.storage_groups.len() {
            let sg = &self.estate.storage_groups[index];
            if !sg.server.eq_ignore_ascii_case(server) || only.is_some_and(|name| !sg.name.eq_ignore_ascii_case(name)) {
                continue;
            }
            let Some(files) = replication::active_files(self.lab, &self.estate, sg) else { continue };
            if let Some(generation) = files.close_open_log(self.now_ms()).map_err(|e| internal(&e))? {
                let sg = &mut self.estate.storage_groups[index];
                sg.last_log_generated = generation;
                sg.last_log_generated_at = Some(self.now);
            }
        }
        Ok(())
    }

    /// Runs replication until nothing more can move.
    fn catch_up(&mut self) -> Result<(), ServiceError> {
        replication::catch_up(self.lab, &mut self.estate, self.now, 10_000).map_err(|e| internal(&e))?;
        Ok(())
    }
}

/// What a change did.
struct Done {
    report: PreconditionReport,
    changed: bool,
    events: Vec<NewEvent>,
    warnings: Vec<String>,
}

fn internal(e: &dyn std::fmt::Display) -> ServiceError {
    ServiceError::internal(e)
}

/// Runs `f` as one change. A refusal or a dry run commits no change to the estate (only the
/// history record, and the log counters of any log the attempt closed).
fn mutate(
    state: &AppState,
    role: Role,
    change: Change,
    f: impl FnOnce(&mut Work<'_>) -> Result<Done, EngineError>,
) -> Result<OperationResult, ServiceError> {
    require_administrator(role)?;
    let mut store = state.store.lock().map_err(|e| internal(&e))?;
    let current = state.estate.read().map_err(|e| internal(&e))?.clone();
    let now = current.lab_time(Utc::now());
    let mut work = Work {
        estate: current.clone(),
        lab: state.lab.as_path(),
        now,
        dry_run: change.dry_run,
        started: Instant::now(),
        timings: Vec::new(),
    };
    let outcome = operations::check_guard(&current, change.expected_version).and_then(|()| f(&mut work));
    let record = |outcome: &str, error: Option<String>, report: PreconditionReport, timings: Vec<PhaseTiming>| {
        api::OperationRecord {
            index: 0,
            run_date: now,
            caller: format!("{role:?}"),
            cmdlet_name: change.cmdlet.to_string(),
            object_modified: change.object.clone(),
            reason: change.reason.clone(),
            dry_run: change.dry_run,
            outcome: outcome.to_string(),
            error,
            report,
            timings,
        }
    };
    match outcome {
        Ok(done) => {
            let commit_change = done.changed && !change.dry_run;
            let mut next = if change.dry_run { current } else { work.estate };
            if commit_change {
                next.version += 1;
            }
            let journal = Journal {
                events: if commit_change { done.events } else { Vec::new() },
                operation: Some(record("Succeeded", None, done.report.clone(), work.timings.clone())),
                accepted: Vec::new(),
            };
            let events = store.commit(&next, &journal, now).map_err(|e| internal(&e))?;
            let estate_version = next.version;
            *state.estate.write().map_err(|e| internal(&e))? = next;
            state.wake.notify_one();
            Ok(OperationResult {
                report: done.report,
                dry_run: change.dry_run,
                changed: commit_change,
                events,
                timings: work.timings,
                warnings: done.warnings,
                estate_version,
            })
        }
        Err(error) => {
            let report = match &error {
                EngineError::Refused(report) => (**report).clone(),
                _ => Report::new(change.cmdlet, &change.object).into_report(),
            };
            let outcome = if matches!(error, EngineError::Refused(_)) { "Refused" } else { "Failed" };
            // Files an attempt touched (a log closed for a flush) stay as they are; the
            // counters follow them. Nothing else of the attempt is kept.
            let mut kept = current;
            kept.storage_groups = work.estate.storage_groups;
            kept.copies.iter_mut().zip(work.estate.copies).for_each(|(keep, tried)| {
                keep.last_log_copied = tried.last_log_copied;
                keep.last_log_inspected = tried.last_log_inspected;
                keep.last_log_replayed = tried.last_log_replayed;
            });
            let journal = Journal {
                operation: Some(record(outcome, Some(error.to_string()), report, work.timings)),
                ..Journal::default()
            };
            store.commit(&kept, &journal, now).map_err(|e| internal(&e))?;
            *state.estate.write().map_err(|e| internal(&e))? = kept;
            Err(error.into())
        }
    }
}

pub fn require_administrator(role: Role) -> Result<(), ServiceError> {
    match role {
        Role::Administrator => Ok(()),
        Role::ViewOnly => Err(ServiceError(api::ErrorBody {
            code: api::ErrorCode::InsufficientRole,
            message: "Access is denied. The view-only token can read the estate but not change it.".into(),
            hint: Some("Use the lab's admin.token to make changes.".into()),
            target: None,
            report: None,
        })),
    }
}

/// Reads a JSON body, answering a malformed one in the API's error shape.
fn body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ServiceError> {
    body.map(|Json(b)| b)
        .map_err(|e| ServiceError::invalid_request(e.body_text(), "docs/api.md describes the request body."))
}

/// Runs a blocking change off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ServiceError> + Send + 'static,
) -> Result<Json<T>, ServiceError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| internal(&e))?.map(Json)
}

type Reply<T> = Result<Json<T>, ServiceError>;

pub async fn move_cms(
    State(state): State<AppState>,
    Extension(role): Extension<Role>,
    request: Result<Json<MoveRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    let request = body(request)?;
    blocking(move || {
        let change = Change::of("Move-ClusteredMailboxServer", &request, Some(&request.move_comment));
        mutate(&state, role, change, |w| move_server(w, &request))
    })
    .await
}

/// A scheduled move: check, flush every remaining log to the target, hand over.
fn move_server(w: &mut Work<'_>, request: &MoveRequest) -> Result<Done, EngineError> {
    let (report, skipped) = operations::check_move(&w.estate, request)?;
    w.lap("Checks");
    if w.dry_run {
        return Ok(Done { report, changed: false, events: Vec::new(), warnings: Vec::new() });
    }
    let server = operations::server_name(&w.estate, &request.identity)?;
    let target = request.target_machine.trim().to_string();
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
    let old = operations::apply_move(&mut w.estate, &server, &target)?;
    replication::recount(w.lab, &mut w.estate).map_err(|e| EngineError::Invalid {
        message: format!("The copies' files could not be read after the handoff: {e}"),
        hint: "ccrd's log has the details.".into(),
    })?;
    w.lap("Handoff");
    let handoff_ms = w.timings.iter().skip(1).map(|t| t.milliseconds).sum();
    let target_name = w.estate.node(&target).map_or(target.clone(), |n| n.name.clone());
    let warnings = skipped
        .iter()
        .map(|sg| {
            format!("Storage group '{server}\\{sg}' was dismounted and was left out of the move's checks and flush.")
        })
        .collect();
    Ok(Done {
        report,
        changed: true,
        events: vec![events::handoff(&target_name, &server, &old, &target_name, handoff_ms, &request.move_comment)],
        warnings,
    })
}

pub async fn stop_cms(
    State(state): State<AppState>,
    Extension(role): Extension<Role>,
    request: Result<Json<StopRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    let request = body(request)?;
    blocking(move || {
        let change = Change::of("Stop-ClusteredMailboxServer", &request, Some(&request.stop_reason));
        mutate(&state, role, change, |w| {
            let (changed, report, events) = operations::stop(&mut w.estate, &request.identity, &request.stop_reason)?;
            if changed && !w.dry_run {
                let server = operations::server_name(&w.estate, &request.identity)?;
                w.close_open_logs(&server, None).and_then(|()| w.catch_up()).map_err(service_failure)?;
            }
            Ok(Done { report, changed, events, warnings: Vec::new() })
        })
    })
    .await
}

pub async fn start_cms(
    State(state): State<AppState>,
    Extension(role): Extension<Role>,
    request: Result<Json<IdentityRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    let request = body(request)?;
    blocking(move || {
        let change = Change::of("Start-ClusteredMailboxServer", &request, None);
        mutate(&state, role, change, |w| {
            let (changed, report) = operations::start(&mut w.estate, &request.identity)?;
            Ok(Done { report, changed, events: Vec::new(), warnings: Vec::new() })
        })
    })
    .await
}

pub async fn mount_database(
    State(state): State<AppState>,
    Extension(role): Extension<Role>,
    request: Result<Json<IdentityRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    set_mounted(state, role, body(request)?, true).await
}

pub async fn dismount_database(
    State(state): State<AppState>,
    Extension(role): Extension<Role>,
    request: Result<Json<IdentityRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    set_mounted(state, role, body(request)?, false).await
}

/// Mount or dismount; a dismount closes the open log so the database is clean on disk.
async fn set_mounted(state: AppState, role: Role, request: IdentityRequest, mount: bool) -> Reply<OperationResult> {
    blocking(move || {
        let change = Change::of(if mount { "Mount-Database" } else { "Dismount-Database" }, &request, None);
        mutate(&state, role, change, |w| {
            let done = operations::set_mounted(&mut w.estate, &request.identity, None, mount)?;
            if done.changed && !mount && !w.dry_run {
                let db = &done.database;
                w.close_open_logs(&db.server, Some(&db.storage_group))
                    .and_then(|()| w.catch_up())
                    .map_err(service_failure)?;
            }
            Ok(Done { report: done.report, changed: done.changed, events: Vec::new(), warnings: Vec::new() })
        })
    })
    .await
}

pub async fn suspend_copy(
    State(state): State<AppState>,
    Extension(role): Extension<Role>,
    request: Result<Json<CopyRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    set_suspended(state, role, body(request)?, true).await
}

pub async fn resume_copy(
    State(state): State<AppState>,
    Extension(role): Extension<Role>,
    request: Result<Json<CopyRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    set_suspended(state, role, body(request)?, false).await
}

async fn set_suspended(state: AppState, role: Role, request: CopyRequest, suspend: bool) -> Reply<OperationResult> {
    blocking(move || {
        let change = Change::of(
            if suspend { "Suspend-StorageGroupCopy" } else { "Resume-StorageGroupCopy" },
            &request,
            request.suspend_comment.as_deref(),
        );
        mutate(&state, role, change, |w| {
            let standby = request.standby_machine.as_deref();
            let (changed, report) = if suspend {
                operations::suspend(&mut w.estate, &request.identity, standby, request.suspend_comment.as_deref())?
            } else {
                operations::resume(&mut w.estate, &request.identity, standby)?
            };
            Ok(Done { report, changed, events: Vec::new(), warnings: Vec::new() })
        })
    })
    .await
}

fn service_failure(e: ServiceError) -> EngineError {
    EngineError::Invalid { message: e.0.message, hint: e.0.hint.unwrap_or_default() }
}

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
            .map(|&id| super::copy_files::NewMessage { id, accepted_ms: now.timestamp_millis(), size })
            .collect();
        let closed = files
            .append(sg.last_log_generated + 1, sg.lineage, estate.log_size_bytes, &messages, now.timestamp_millis())
            .map_err(|e| internal(&e))?;
        let sg = &mut estate.storage_groups[delivery.storage_group];
        if let Some(&newest) = closed.last() {
            sg.last_log_generated = newest;
            sg.last_log_generated_at = Some(now);
        }
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
