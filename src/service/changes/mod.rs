//! Changes: the one path every mutating call takes — role check, writer lock, the request id
//! (a retry of a committed change is answered with its first answer, nothing done again),
//! expected-state guard, the engine's checks, the file steps, the group commit of what changed, and only then
//! the new estate published and the answer sent — plus the mutating handlers and the background
//! replication pass. Each change runs in a `change` span (cmdlet, object, caller) and ends with
//! one log line: its outcome and how long it took.
//!
//! Must not: decide whether an operation is allowed (the engine's operations do) or format
//! anything for people beyond the engine's own messages.

use std::time::Instant;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use chrono::{DateTime, Utc};

use super::auth::Caller;
use super::bounds::Bounded;
use super::error::{ServiceError, from_commit};
use super::mail;
use super::replication;
use super::store::{Journal, JournalRead};
use super::writer::LedgerAccess;
use super::{AppState, Cause};
use crate::api::{
    self, CopyRequest, IdentityRequest, MoveRequest, OperationResult, PhaseTiming, PreconditionReport, Role,
    StopRequest,
};
use crate::engine::events::NewEvent;
use crate::engine::preconditions::Report;
use crate::engine::{EngineError, Estate, Shared, operations};

/// What a change is, for the history.
pub(super) struct Change {
    // Fields are set by `of` and `lab`; `domain_controller` may be set after `lab`.
    cmdlet: &'static str,
    object: String,
    reason: Option<String>,
    dry_run: bool,
    expected_version: Option<u64>,
    /// `-DomainController`, recorded in the history.
    pub(super) domain_controller: Option<String>,
}

impl Change {
    /// The change a guarded request asks for.
    pub(super) fn of(cmdlet: &'static str, request: &impl Guarded, reason: Option<&str>) -> Change {
        Change {
            cmdlet,
            object: request.identity().to_string(),
            reason: reason.map(str::to_string),
            dry_run: request.dry_run(),
            expected_version: request.expected_version(),
            domain_controller: request.domain_controller().map(str::to_string),
        }
    }

    /// A change of the lab (not an Exchange task): no domain controller.
    pub(super) fn lab(
        cmdlet: &'static str,
        object: String,
        reason: Option<String>,
        dry_run: bool,
        expected_version: Option<u64>,
    ) -> Change {
        Change { cmdlet, object, reason, dry_run, expected_version, domain_controller: None }
    }
}

/// A mutating request: it names its object and carries the dry-run flag and the guard.
pub(super) trait Guarded {
    fn identity(&self) -> &str;
    fn dry_run(&self) -> bool;
    fn expected_version(&self) -> Option<u64>;
    /// The `-DomainController` an Exchange task was given.
    fn domain_controller(&self) -> Option<&str> {
        None
    }
}

macro_rules! guarded {
    ($($request:ty),* ; $($with_dc:ty),* ; $($named:ty),*) => {
        $(
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
        )*
        $(guarded!(@exchange $with_dc, identity);)*
        $(guarded!(@exchange $named, name);)*
    };
    // An Exchange task's request (it takes `-DomainController`), its object named by `$field`.
    (@exchange $request:ty, $field:ident) => {
        impl Guarded for $request {
            fn identity(&self) -> &str {
                &self.$field
            }
            fn dry_run(&self) -> bool {
                self.dry_run
            }
            fn expected_version(&self) -> Option<u64> {
                self.expected_version
            }
            fn domain_controller(&self) -> Option<&str> {
                self.domain_controller.as_deref()
            }
        }
    };
}

guarded!(
    api::NodePowerRequest,
    api::ClusterGroupMoveRequest;
    MoveRequest,
    StopRequest,
    IdentityRequest,
    CopyRequest,
    api::RestoreRequest,
    api::MailboxServerRequest,
    api::MailboxDatabaseRequest,
    api::StorageGroupPathRequest,
    api::DatabasePathRequest,
    api::EnableCopyRequest,
    api::SeedRequest;
    // New-*: the history names the object created.
    api::NewStorageGroupRequest,
    api::NewMailboxDatabaseRequest
);

/// The estate being changed, and what the change may use.
pub(super) struct Work<'a> {
    pub estate: Estate,
    /// The estate's files directory (see `replication::files_root`): reached through
    /// [`Work::files`], which records that the attempt worked on the files.
    files_root: std::path::PathBuf,
    /// Whether this attempt reached the nodes' files: then it is not decided again after a
    /// conflict (its file steps would run twice), see [`mutate`].
    touched_files: std::cell::Cell<bool>,
    /// The ledger as committed (the dumpster and a recovery read accepted messages).
    ledger: &'a mut dyn LedgerAccess,
    /// Storage groups whose active copy changed other than by a delivery though the estate does
    /// not show it (a damaged log): their mail counters are counted again from the files.
    pub recount_mail: Vec<usize>,
    pub now: DateTime<Utc>,
    pub dry_run: bool,
    started: Instant,
    pub timings: Vec<PhaseTiming>,
    /// What the change appends besides the estate: events, lost and resent messages.
    pub journal: Journal,
}

impl Work<'_> {
    /// The estate's files directory, for a file step (noted: see `touched_files`).
    pub fn files(&self) -> std::path::PathBuf {
        self.touched_files.set(true);
        self.files_root.clone()
    }

    /// Ends the current phase.
    pub fn lap(&mut self, phase: &str) {
        let total: u64 = self.timings.iter().map(|t| t.milliseconds).sum();
        let elapsed = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.timings.push(PhaseTiming { phase: phase.to_string(), milliseconds: elapsed.saturating_sub(total) });
    }

    pub fn now_ms(&self) -> i64 {
        self.now.timestamp_millis()
    }

    /// Closes the open log of every storage group of `server` (or only `only`), so everything
    /// delivered is in a closed log that can ship.
    pub fn close_open_logs(&mut self, server: &str, only: Option<&str>) -> Result<(), ServiceError> {
        for index in 0..self.estate.storage_groups.len() {
            let sg = &self.estate.storage_groups[index];
            if !sg.server.eq_ignore_ascii_case(server) || only.is_some_and(|name| !sg.name.eq_ignore_ascii_case(name)) {
                continue;
            }
            let Some(files) = replication::active_files(&self.files(), &self.estate, sg) else { continue };
            if let Some(generation) = files.close_open_log(self.now_ms()).map_err(|e| internal(&e))? {
                let sg = &mut self.estate.storage_groups[index];
                sg.last_log_generated = generation;
                sg.last_log_generated_at = Some(self.now);
                sg.open_log_records = 0;
            }
        }
        Ok(())
    }

    /// The journal as committed, with everything decided before this change committed first.
    pub fn ledger(&mut self) -> Result<Box<dyn JournalRead>, ServiceError> {
        self.ledger.committed_reader().map_err(|e| internal(&e))
    }

    /// Runs replication until nothing more can move.
    pub fn catch_up(&mut self) -> Result<(), ServiceError> {
        replication::catch_up(&self.files(), &mut self.estate, self.now, 10_000).map_err(|e| internal(&e))?;
        Ok(())
    }
}

/// What a change did.
pub(super) struct Done {
    pub report: PreconditionReport,
    pub changed: bool,
    pub events: Vec<NewEvent>,
    pub warnings: Vec<String>,
    pub notes: Vec<String>,
}

impl Done {
    /// A change that writes no event and has nothing to warn about.
    pub fn plain(report: PreconditionReport, changed: bool) -> Done {
        Done { report, changed, events: Vec::new(), warnings: Vec::new(), notes: Vec::new() }
    }
}

pub(super) fn internal(e: &dyn std::fmt::Display) -> ServiceError {
    ServiceError::internal(e)
}

/// The changes that touch no node's files: a ccrd that does not hold the lab's files
/// (`--without-files`, a second ccrd on a shared store) makes these and refuses the others.
const ESTATE_ONLY: &[&str] = &[
    "Suspend-StorageGroupCopy",
    "Resume-StorageGroupCopy",
    "Set-MailboxServer",
    "Set-TransportConfig",
    "Write-EventLog",
];

/// How many times a change (or a delivery) is decided when another ccrd sharing the store
/// commits first (see [`mutate`]). Each attempt loses only if the other ccrd commits between
/// this one's read and its commit; against an unbroken stream of deliveries on a quiet machine
/// about four attempts in five lost, so 12 left one change in ten answered 409 (`.ci/run`,
/// 2026-11-30). 48 attempts, a few milliseconds apart, take well under a second at worst.
pub(super) const DECISION_ATTEMPTS: u32 = 48;

/// Before deciding again after a conflict (`attempt` is the coming attempt, from 2): a short
/// random pause, so two ccrd that collided do not collide again in step, then the other
/// ccrd's commit taken in now rather than at the watch's next event.
pub(super) fn before_deciding_again(state: &AppState, attempt: u32) -> Result<(), ServiceError> {
    let mut byte = [0u8; 1];
    let _ = getrandom::fill(&mut byte);
    let ceiling = u64::from(attempt.min(6)) * 4;
    std::thread::sleep(std::time::Duration::from_millis(u64::from(byte[0]) % (ceiling + 1)));
    state.writer.follow_store().map_err(|e| from_commit(&e))?;
    Ok(())
}

/// Runs `f` as one change. A refusal or a dry run writes nothing to the estate's store (the
/// log counters of any log the attempt closed are published, and written with the next
/// commit); every outcome is written to the audit trail under the caller's name.
///
/// On an estate several ccrd share, the commit can lose to another ccrd's (`409
/// EstateChanged`). A change that carries no `expectedVersion` and whose attempt did not reach
/// the nodes' files ([`Work::files`]) is then decided again on the estate as stored, up to
/// [`DECISION_ATTEMPTS`] times in all, as a delivery is: nothing of the lost attempt was kept,
/// so `f` runs again from the start. A change guarded by `expectedVersion` is answered 409 (it
/// was decided on a version that no longer holds), and so is one whose file steps ran (closing,
/// copying, seeding logs): run again, they would act twice on the files.
pub(super) fn mutate(
    state: &AppState,
    caller: Caller,
    change: Change,
    f: impl FnMut(&mut Work<'_>) -> Result<Done, EngineError>,
) -> Result<OperationResult, ServiceError> {
    let span = tracing::info_span!(
        "change",
        cmdlet = change.cmdlet,
        object = %change.object,
        caller = %caller.name,
        dry_run = change.dry_run,
    );
    let _entered = span.enter();
    let started = Instant::now();
    let result = mutate_logged(state, caller, change, f);
    let duration_ms = super::observe::milliseconds(started.elapsed());
    match &result {
        Ok(done) => {
            let (changed, version) = (done.changed, done.estate_version);
            tracing::info!(outcome = "Succeeded", changed, version, duration_ms, "change finished")
        }
        Err(e) if e.0.code == api::ErrorCode::PreconditionFailed => {
            tracing::info!(outcome = "Refused", error = %e.0.message, duration_ms, "change finished")
        }
        Err(e) if e.0.code == api::ErrorCode::Internal => {
            tracing::warn!(outcome = "Failed", duration_ms, "change finished")
        }
        Err(e) => tracing::info!(outcome = "Failed", error = %e.0.message, duration_ms, "change finished"),
    }
    result
}

fn mutate_logged(
    state: &AppState,
    caller: Caller,
    change: Change,
    mut f: impl FnMut(&mut Work<'_>) -> Result<Done, EngineError>,
) -> Result<OperationResult, ServiceError> {
    // A dry run changes nothing: the view-only token may ask for one.
    if !change.dry_run {
        require_administrator(&caller)?;
    }
    if !ESTATE_ONLY.contains(&change.cmdlet) {
        state.require_files(change.cmdlet)?;
    }
    // An attempt under a request id waits for any other under it to finish (it committed or
    // failed), then finds its answer if it committed. (A dry run changes nothing: its id, if
    // it has one, means nothing.)
    let request_id = caller.request_id.clone().filter(|_| !change.dry_run);
    let _turn = request_id.as_deref().map(|id| state.requests.take(id));
    let mut attempt = 1;
    loop {
        let mut touched_files = false;
        match decide_once(state, &caller, &change, request_id.as_deref(), &mut f, &mut touched_files) {
            Err(e)
                if e.0.code == api::ErrorCode::EstateChanged
                    && change.expected_version.is_none()
                    && !touched_files
                    && attempt < DECISION_ATTEMPTS =>
            {
                attempt += 1;
                tracing::debug!(attempt, "another ccrd committed first: deciding again");
                before_deciding_again(state, attempt)?;
            }
            other => return other,
        }
    }
}

/// One attempt of a change: decided on the estate as this ccrd holds it, committed, audited.
/// `touched_files` says whether it reached the nodes' files.
fn decide_once(
    state: &AppState,
    caller: &Caller,
    change: &Change,
    request_id: Option<&str>,
    f: &mut impl FnMut(&mut Work<'_>) -> Result<Done, EngineError>,
    touched_files: &mut bool,
) -> Result<OperationResult, ServiceError> {
    let mut deciding = state.decide()?;
    if let Some(id) = request_id
        && let Some(answered) = deciding.answered(id).map_err(|e| from_commit(&e))?
    {
        drop(deciding);
        let again = requests::answer_again(id, change.cmdlet, &change.object, answered);
        if again.is_ok() {
            // The change is in the audit trail once, from its first attempt.
            caller.mark_audited();
        }
        return again;
    }
    let current = deciding.estate().clone();
    let now = current.lab_time(Utc::now());
    let files = replication::files_root(&state.lab, &current);
    let mut work = Work {
        estate: current.clone(),
        files_root: files,
        touched_files: std::cell::Cell::new(false),
        ledger: &mut deciding,
        recount_mail: Vec::new(),
        now,
        dry_run: change.dry_run,
        started: Instant::now(),
        timings: Vec::new(),
        journal: Journal::new(now),
    };
    // A panic inside the change is caught here, inside the writer lock, so the lock is never
    // left by unwinding (never poisoned); the attempt is kept as a failure, like any other.
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let outcome = operations::check_guard(&current, change.expected_version).and_then(|()| f(&mut work));
        match outcome {
            Ok(done) if done.changed && !change.dry_run => recount_mail(&mut work, &current).map(|()| done),
            other => other,
        }
    }));
    let panicked = caught.is_err();
    let outcome = caught.unwrap_or_else(|panic| {
        let detail = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into());
        Err(EngineError::Invalid {
            message: format!("ccrd failed inside {}: {detail}. Nothing of it was kept.", change.cmdlet),
            hint: "This is a bug in ccrd; its log has the details.".into(),
        })
    });
    let Work { estate: tried, timings, mut journal, touched_files: touched, .. } = work;
    *touched_files = touched.get();
    let record = |outcome: &str, error: Option<String>, report: PreconditionReport, timings: Vec<PhaseTiming>| {
        api::OperationRecord {
            index: 0,
            run_date: now,
            caller: caller.name.clone(),
            cmdlet_name: change.cmdlet.to_string(),
            object_modified: change.object.clone(),
            reason: change.reason.clone(),
            domain_controller: change.domain_controller.clone(),
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
            let mut next = if change.dry_run { current } else { tried };
            if commit_change {
                next.version += 1;
                journal.events.extend(done.events);
            }
            let estate_version = next.version;
            let mut result = OperationResult {
                report: done.report,
                dry_run: change.dry_run,
                changed: commit_change,
                events: Vec::new(),
                timings,
                warnings: done.warnings,
                notes: done.notes,
                estate_version,
            };
            if commit_change && let Some(id) = request_id {
                // The answer is committed with the change: a retry gets it back.
                journal.request = Some(requests::record(id, change.cmdlet, &change.object, &result)?);
            }
            *deciding.estate() = next;
            // Only a change writes; a dry run or a no-op is published and audited, nothing more.
            let ticket = deciding
                .submit(Cause::Change(change.cmdlet), commit_change.then_some(journal), Vec::new())
                .map_err(|e| internal(&e))?;
            drop(deciding);
            result.events = state.writer.wait(ticket).map_err(|e| from_commit(&e))?;
            audit(state, caller, &record("Succeeded", None, result.report.clone(), result.timings.clone()));
            state.wake.notify_one();
            Ok(result)
        }
        Err(error) => {
            let report = match &error {
                EngineError::Refused(report) => (**report).clone(),
                _ => Report::new(change.cmdlet, &change.object).into_report(),
            };
            let outcome = if matches!(error, EngineError::Refused(_)) { "Refused" } else { "Failed" };
            // Files an attempt touched (a log closed for a flush) stay as they are; the log
            // counters follow them. Nothing else of the attempt is kept.
            let mut kept = current;
            kept.storage_groups.iter_mut().zip(tried.storage_groups).for_each(|(keep, tried)| {
                if keep.last_log_generated != tried.last_log_generated
                    || keep.active_replayed != tried.active_replayed
                    || keep.open_log_records != tried.open_log_records
                {
                    keep.last_log_generated = tried.last_log_generated;
                    keep.last_log_generated_at = tried.last_log_generated_at;
                    keep.active_replayed = tried.active_replayed;
                    keep.open_log_records = tried.open_log_records;
                }
            });
            kept.copies.iter_mut().zip(tried.copies).for_each(|(keep, tried)| {
                if (keep.last_log_copied, keep.last_log_inspected, keep.last_log_replayed)
                    != (tried.last_log_copied, tried.last_log_inspected, tried.last_log_replayed)
                {
                    keep.last_log_copied = tried.last_log_copied;
                    keep.last_log_inspected = tried.last_log_inspected;
                    keep.last_log_replayed = tried.last_log_replayed;
                }
            });
            *deciding.estate() = kept;
            let ticket = deciding.submit(Cause::Change(change.cmdlet), None, Vec::new()).map_err(|e| internal(&e))?;
            drop(deciding);
            state.writer.wait(ticket).map_err(|e| from_commit(&e))?;
            audit(state, caller, &record(outcome, Some(error.to_string()), report, timings));
            if panicked {
                return Err(internal(&error));
            }
            Err(error.into())
        }
    }
}

/// Writes a request's audit record and marks the request audited. A change is committed
/// before its record is written: a failure to write goes to ccrd's log, and the change stands.
pub(super) fn audit(state: &AppState, caller: &Caller, record: &api::OperationRecord) {
    caller.mark_audited();
    state.metrics.audited(record);
    // Not waited for: the writer thread logs a failure; a search waits for it.
    state.audit.record_soon(record);
    state.announce();
}

/// The audit record of a whole-lab call (mail, settle, reset, export, import) and its outcome.
pub(super) fn audit_lab_call<T>(
    state: &AppState,
    caller: &Caller,
    cmdlet: &str,
    object: &str,
    reason: Option<String>,
    result: &Result<T, ServiceError>,
) {
    let (outcome, error) = match result {
        Ok(_) => ("Succeeded", None),
        Err(ServiceError(body)) => {
            let outcome = match body.code {
                api::ErrorCode::PreconditionFailed | api::ErrorCode::EstateChanged => "Refused",
                api::ErrorCode::AccessDenied | api::ErrorCode::InsufficientRole => "Denied",
                api::ErrorCode::Internal
                | api::ErrorCode::InsufficientStorage
                | api::ErrorCode::ControlStoreUnavailable => "Failed",
                _ => "Invalid",
            };
            (outcome, Some(format!("{}: {}", body.code.as_str(), body.message)))
        }
    };
    let record = api::OperationRecord {
        index: 0,
        run_date: Utc::now(),
        caller: caller.name.clone(),
        cmdlet_name: cmdlet.to_string(),
        object_modified: object.to_string(),
        reason,
        domain_controller: None,
        dry_run: false,
        outcome: outcome.to_string(),
        error,
        report: Report::new(cmdlet, object).into_report(),
        timings: Vec::new(),
    };
    audit(state, caller, &record);
}

/// Counts the mail of every storage group whose active copy changed other than by a delivery
/// (missing logs appeared or were recovered, the stream forked, the dumpster or a recovery
/// marked messages, or the caller named it) again from the files, so the counters stay what
/// the files and the ledger say.
fn recount_mail(w: &mut Work<'_>, before: &Estate) -> Result<(), EngineError> {
    let mut groups = std::mem::take(&mut w.recount_mail);
    let marked = |server: &str, name: &str| {
        w.journal
            .lost
            .iter()
            .chain(&w.journal.resent)
            .any(|m| m.server.eq_ignore_ascii_case(server) && m.storage_group.eq_ignore_ascii_case(name))
    };
    for (index, (new, old)) in w.estate.storage_groups.items().iter().zip(before.storage_groups.items()).enumerate() {
        let changed = !Shared::same(new, old) && (new.missing_logs != old.missing_logs || new.lineage != old.lineage);
        if changed || marked(&new.server, &new.name) {
            groups.push(index);
        }
    }
    groups.sort_unstable();
    groups.dedup();
    if groups.is_empty() {
        return Ok(());
    }
    let reader = w.ledger().map_err(service_failure)?;
    for index in groups {
        let sg = w.estate.storage_groups[index].clone();
        // Reading the files only: a read done again after a conflict changes nothing.
        let files = replication::active_files(&w.files_root, &w.estate, &sg);
        let held =
            mail::Held::of(files.as_ref(), w.estate.next_message_id).map_err(|e| service_failure(internal(&e)))?;
        let tally = mail::scan(reader.as_ref(), &sg, &held, &w.journal.lost, &w.journal.resent)
            .map_err(|e| service_failure(internal(&e)))?;
        let accepted = w.estate.storage_groups[index].mail.accepted;
        debug_assert_eq!(accepted, tally.counters.accepted);
        w.estate.storage_groups[index].mail = tally.counters;
    }
    Ok(())
}

/// Repairs the lab's files after a crash and rebuilds the log counters from them (the files
/// are the truth for logs), under the writer lock, before anything else may change the lab.
pub(super) fn repair(state: &AppState) -> Result<(), String> {
    let mut deciding = state.writer.decide().map_err(|e| e.to_string())?;
    replication::refresh_from_disk(&state.lab, deciding.estate()).map_err(|e| e.to_string())?;
    deciding.decided().open_logs.clear();
    let ticket = deciding.submit(Cause::Replication, None, Vec::new()).map_err(|e| e.to_string())?;
    drop(deciding);
    state.writer.wait(ticket).map(|_| ()).map_err(|e| e.to_string())
}

pub fn require_administrator(caller: &Caller) -> Result<(), ServiceError> {
    match caller.role {
        Role::Administrator => Ok(()),
        Role::ViewOnly => Err(ServiceError(api::ErrorBody {
            code: api::ErrorCode::InsufficientRole,
            message: "Access is denied. The view-only token can read the estate but not change it.".into(),
            hint: Some(
                "Use the lab's admin.token (or an administrator's token) to make changes; dry runs \
                 (-WhatIf, -ValidateOnly), Export-Lab and -Rehearse work with this one."
                    .into(),
            ),
            target: None,
            report: None,
            candidates: Vec::new(),
        })),
    }
}

/// Reads a JSON body, answering a malformed one in the API's error shape, and checks every
/// field against its bounds (`service::bounds`).
pub(super) fn body<T: Bounded>(body: Result<Json<T>, JsonRejection>) -> Result<T, ServiceError> {
    let body = body
        .map(|Json(b)| b)
        .map_err(|e| ServiceError::invalid_request(e.body_text(), "docs/api.md describes the request body."))?;
    body.check()?;
    Ok(body)
}

/// Runs a blocking change off the async threads, inside the request's span.
pub(super) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ServiceError> + Send + 'static,
) -> Result<Json<T>, ServiceError> {
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(f)).await.map_err(|e| internal(&e))?.map(Json)
}

pub(super) type Reply<T> = Result<Json<T>, ServiceError>;

pub(super) fn service_failure(e: ServiceError) -> EngineError {
    EngineError::Invalid { message: e.0.message, hint: e.0.hint.unwrap_or_default() }
}

mod cms;
mod events;
mod faults;
mod lab;
mod paths;
mod provision;
mod recovery;
pub(super) mod requests;
mod standby;

pub use cms::*;
pub use events::*;
pub use faults::*;
pub use lab::*;
pub use paths::*;
pub use provision::*;
pub use standby::*;

#[cfg(test)]
mod tests {
    //! The rule for deciding a change again after a conflict, on a real SQLite lab whose store
    //! reports the conflicts a shared store (etcd) reports when another ccrd commits first.
    use std::path::Path;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::api::AutoDatabaseMountDial;
    use crate::engine::diff::EstateDiff;
    use crate::service::lab::{self, TopologySource};
    use crate::service::store::{Answered, EstateStore, StoreError};

    /// The lab's own store, whose next `conflicts` commits fail as if another ccrd had
    /// committed first (nothing written).
    struct Contended {
        store: Box<dyn EstateStore>,
        conflicts: Arc<AtomicUsize>,
    }

    impl EstateStore for Contended {
        fn load(&mut self) -> Result<Estate, StoreError> {
            self.store.load()
        }
        fn commit(
            &mut self,
            diff: &EstateDiff,
            journals: &[&Journal],
        ) -> Result<Vec<Vec<api::EventEntry>>, StoreError> {
            if self.conflicts.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
                return Err(StoreError::Conflict);
            }
            self.store.commit(diff, journals)
        }
        fn replace_all(&mut self, estate: &Estate) -> Result<(), StoreError> {
            self.store.replace_all(estate)
        }
        fn export_to(&self, path: &Path) -> Result<(), StoreError> {
            self.store.export_to(path)
        }
        fn import_from(&mut self, path: &Path, files_dir: &str) -> Result<Estate, StoreError> {
            self.store.import_from(path, files_dir)
        }
        fn answered(&mut self, request: &str) -> Result<Option<Answered>, StoreError> {
            self.store.answered(request)
        }
        fn probe(&self) -> Result<(), StoreError> {
            self.store.probe()
        }
        fn reader(&self) -> Result<Box<dyn JournalRead>, StoreError> {
            self.store.reader()
        }
        fn keep_snapshot(&mut self, estate: &Estate) -> Result<(), StoreError> {
            self.store.keep_snapshot(estate)
        }
    }

    fn contended_lab(dir: &Path) -> (AppState, super::super::LabLock, Arc<AtomicUsize>) {
        let mut lab = lab::open(dir, &TopologySource::Seed).expect("a seed lab");
        let conflicts = Arc::new(AtomicUsize::new(0));
        lab.store = Box::new(Contended { store: lab.store, conflicts: Arc::clone(&conflicts) });
        let (state, lock) = AppState::new(lab).expect("serves");
        (state, lock, conflicts)
    }

    /// Set-MailboxServer CCREX01 -AutoDatabaseMountDial `dial`, counting the decisions.
    fn set_dial(
        state: &AppState,
        dial: AutoDatabaseMountDial,
        expected_version: Option<u64>,
        decisions: &AtomicUsize,
        touch_files: bool,
    ) -> Result<OperationResult, ServiceError> {
        let change = Change::lab("Set-MailboxServer", "CCREX01".into(), None, false, expected_version);
        mutate(state, Caller::new("tester", Role::Administrator), change, |w| {
            decisions.fetch_add(1, Ordering::SeqCst);
            if touch_files {
                // As a change whose steps work on the nodes' files (a stop closes open logs).
                w.close_open_logs("CCREX01", None).map_err(service_failure)?;
            }
            let (changed, report) = operations::set_mailbox_server(&mut w.estate, "CCREX01", Some(dial), None)?;
            Ok(Done::plain(report, changed))
        })
    }

    fn dial_of(state: &AppState) -> (AutoDatabaseMountDial, u64) {
        let estate = state.read_estate();
        let server = estate.servers.iter().find(|s| s.name == "CCREX01").expect("CCREX01");
        (server.auto_database_mount_dial, estate.version)
    }

    #[test]
    fn an_unguarded_change_that_loses_the_compare_is_decided_again_on_the_estate_as_stored() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (state, _lock, conflicts) = contended_lab(dir.path());
        let (_, version) = dial_of(&state);
        let decisions = AtomicUsize::new(0);
        conflicts.store(3, Ordering::SeqCst);
        let done = set_dial(&state, AutoDatabaseMountDial::Lossless, None, &decisions, false).expect("committed");
        assert!(done.changed);
        assert_eq!(decisions.load(Ordering::SeqCst), 4, "decided again after each of the 3 conflicts");
        assert_eq!(dial_of(&state), (AutoDatabaseMountDial::Lossless, version + 1), "committed once");
        assert_eq!(done.estate_version, version + 1);

        // Bounded: a store that loses every compare gets 409 after DECISION_ATTEMPTS decisions,
        // and nothing was kept.
        conflicts.store(1_000, Ordering::SeqCst);
        decisions.store(0, Ordering::SeqCst);
        let error = set_dial(&state, AutoDatabaseMountDial::BestAvailability, None, &decisions, false)
            .expect_err("409 in the end");
        assert_eq!(error.0.code, api::ErrorCode::EstateChanged, "{error:?}");
        assert_eq!(decisions.load(Ordering::SeqCst), DECISION_ATTEMPTS as usize);
        assert_eq!(dial_of(&state), (AutoDatabaseMountDial::Lossless, version + 1), "nothing kept");
    }

    #[test]
    fn a_guarded_change_or_one_whose_file_steps_ran_is_answered_409_and_not_decided_again() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (state, _lock, conflicts) = contended_lab(dir.path());
        let before = dial_of(&state);
        for (guard, touch_files) in [(Some(before.1), false), (None, true)] {
            let decisions = AtomicUsize::new(0);
            conflicts.store(1, Ordering::SeqCst);
            let error =
                set_dial(&state, AutoDatabaseMountDial::Lossless, guard, &decisions, touch_files).expect_err("409");
            assert_eq!(error.0.code, api::ErrorCode::EstateChanged, "{guard:?}, {touch_files}: {error:?}");
            assert!(error.0.message.contains("Another ccrd sharing this estate changed it first"), "{error:?}");
            assert_eq!(decisions.load(Ordering::SeqCst), 1, "{guard:?}, {touch_files}: decided once");
            assert_eq!(dial_of(&state), before, "{guard:?}, {touch_files}: nothing changed");
        }
        // With the store free again, the same change commits.
        let decisions = AtomicUsize::new(0);
        set_dial(&state, AutoDatabaseMountDial::Lossless, Some(before.1), &decisions, true).expect("committed");
        assert_eq!(dial_of(&state), (AutoDatabaseMountDial::Lossless, before.1 + 1));
    }
}
