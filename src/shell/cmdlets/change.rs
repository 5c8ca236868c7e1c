//! The path every cmdlet that changes the estate takes: ShouldProcess (`-WhatIf`, `-Confirm`,
//! ConfirmImpact), then one call to ccrd — a dry run under `-WhatIf` (or `-ValidateOnly`),
//! whose precondition report comes back as objects, or the change itself, whose warnings and
//! notes go to the warning and verbose streams. A refusal is an error carrying ccrd's report:
//! each failed check with what was observed, what is required, the remedy and the switch that
//! overrides it.
//!
//! Must not: check preconditions that depend on the estate (ccrd's engine does, atomically
//! with the change) or print.

use serde::Serialize;

use super::{Context, client_error};
use crate::api::{OperationResult, PreconditionReport, ProgressRecord, routes};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::eval::Confirmation;
use crate::shell::spec::ConfirmImpact;
use crate::shell::value::{Record, Value};

/// The type name of the objects a dry run returns.
pub const CHECK_TYPE: &str = "ccrsh.PreconditionCheck";

/// One change: what ShouldProcess names, and the request for a dry run or the real thing.
pub struct Change<'a, B> {
    pub target: &'a str,
    /// Skip the confirmation prompt (`-Force`, where Exchange allows it).
    pub force: bool,
    /// Only validate (`-ValidateOnly`): a dry run, whatever `-WhatIf` says.
    pub validate_only: bool,
    /// A long operation: show its progress at an interactive prompt.
    pub progress: bool,
    pub request: &'a dyn Fn(bool) -> B,
}

/// ShouldProcess for a change to the estate that has no dry run of its own. A view-only token
/// is not asked to confirm a change ccrd will refuse: the call goes straight to ccrd, which
/// refuses it (and records the attempt), before any prompt. Under -WhatIf nothing is sent.
pub fn should_process(
    call: &Invocation<'_>,
    cx: &mut Context<'_>,
    target: &str,
    force: bool,
) -> Result<bool, ErrorRecord> {
    let what_if = call.common("WhatIf").map(Value::is_truthy);
    if !what_if.unwrap_or_else(|| cx.engine.variable("WhatIfPreference").is_truthy()) && is_viewer(cx) {
        return Ok(true);
    }
    should_process_here(call, cx, target, force)
}

/// ShouldProcess for a change on this machine only (Export-Lab's file): any token may.
pub fn should_process_here(
    call: &Invocation<'_>,
    cx: &mut Context<'_>,
    target: &str,
    force: bool,
) -> Result<bool, ErrorRecord> {
    let command = call.spec.name.as_str();
    cx.engine.should_process(&confirmation(call, command, target, force))
}

/// Whether the token is view-only: its changes are refused by ccrd, so they are not confirmed
/// first. Dry runs, Export-Lab and rehearsals are not changes and work with it.
pub fn is_viewer(cx: &Context<'_>) -> bool {
    cx.client.role() == Some(crate::api::Role::ViewOnly)
}

fn confirmation<'a>(call: &'a Invocation<'_>, command: &'a str, target: &'a str, force: bool) -> Confirmation<'a> {
    Confirmation {
        command,
        impact: call.spec.confirm_impact.unwrap_or(ConfirmImpact::Medium),
        target,
        action: command,
        what_if: call.common("WhatIf").map(Value::is_truthy),
        confirm: if force { Some(false) } else { call.common("Confirm").map(Value::is_truthy) },
        verbose: call.common("Verbose").is_some_and(Value::is_truthy),
    }
}

/// Runs `change` against `route`. Returns the report's checks for a dry run, nothing
/// otherwise (as Exchange's changing cmdlets return nothing).
pub fn run<B: Serialize>(
    call: &Invocation<'_>,
    cx: &mut Context<'_>,
    route: &str,
    change: &Change<'_, B>,
) -> Result<Vec<Value>, ErrorRecord> {
    let command = call.spec.name.as_str();
    let what_if = call.common("WhatIf").map(Value::is_truthy);
    let confirmation = confirmation(call, command, change.target, change.force);
    let dry_run = change.validate_only || what_if.unwrap_or_else(|| cx.engine.variable("WhatIfPreference").is_truthy());
    // A viewer's change goes to ccrd unconfirmed: ccrd refuses it before any prompt.
    let confirmed = change.validate_only || (!dry_run && is_viewer(cx)) || cx.engine.should_process(&confirmation)?;
    if !confirmed && !dry_run {
        return Ok(Vec::new());
    }
    let body = (change.request)(dry_run);
    let result: OperationResult = if change.progress && !dry_run && cx.engine.host().shows_progress() {
        with_progress(cx, route, &body)?
    } else {
        cx.client.post(route, &body).map_err(client_error)?
    };
    cx.warnings.extend(result.warnings.iter().cloned());
    cx.verbose.extend(result.notes.iter().cloned());
    for event in &result.events {
        cx.verbose.push(format!(
            "Event {} ({}) on {}: {}",
            event.instance_id, event.source, event.machine_name, event.message
        ));
    }
    if dry_run { Ok(report_values(&result.report)) } else { Ok(Vec::new()) }
}

/// What the threads of a long call report.
enum Waited {
    /// The first operation in flight, if any.
    Progress(Option<ProgressRecord>),
    Done(Result<OperationResult, crate::shell::client::ClientError>),
}

/// Runs the call on another thread, and polls ccrd's progress records on a third, drawing them
/// until the call returns. Ctrl+C stops the wait, not the operation: ccrd carries on, and the
/// error says so. Neither thread is joined: after Ctrl+C they finish on their own.
fn with_progress<B: Serialize>(cx: &mut Context<'_>, route: &str, body: &B) -> Result<OperationResult, ErrorRecord> {
    let poller = cx.client.fork().map_err(client_error)?;
    let caller = cx.client.fork().map_err(client_error)?;
    let body = serde_json::to_value(body).map_err(|e| {
        ErrorRecord::new("RequestNotSerializable", "NotSpecified", format!("The request could not be written: {e}"))
    })?;
    let (sender, waited) = std::sync::mpsc::channel();
    let progress = sender.clone();
    let path = route.to_string();
    let not_started = |e: std::io::Error| {
        ErrorRecord::new("CallNotStarted", "NotSpecified", format!("The call could not start: {e}"))
    };
    std::thread::Builder::new()
        .name("ccrsh-long-call".into())
        .spawn(move || {
            let _ = sender.send(Waited::Done(caller.post::<OperationResult>(&path, &body)));
        })
        .map_err(not_started)?;
    std::thread::Builder::new()
        .name("ccrsh-progress".into())
        .spawn(move || {
            loop {
                let records: Vec<ProgressRecord> = poller.get(routes::PROGRESS, &()).unwrap_or_default();
                // Sent even when empty: a failed send means nobody waits any more.
                if progress.send(Waited::Progress(records.into_iter().next())).is_err() {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        })
        .map_err(not_started)?;
    let mut shown = false;
    loop {
        match waited.recv_timeout(std::time::Duration::from_millis(50)) {
            Ok(Waited::Done(result)) => {
                if shown {
                    cx.engine.host().progress("", None);
                }
                return result.map_err(client_error);
            }
            Ok(Waited::Progress(Some(record))) => {
                let percent = (record.bytes_done * 100).checked_div(record.bytes_total).unwrap_or(0);
                cx.engine.host().progress(&record.activity, Some(percent));
                shown = true;
            }
            Ok(Waited::Progress(_)) | Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err(ErrorRecord::new("CallFailed", "NotSpecified", "The call failed unexpectedly.".into()));
            }
        }
        if crate::shell::eval::take_interrupt() {
            cx.engine.host().progress("", None);
            // `^C` on its own line, then the message: the command stops, the change does not.
            cx.engine.host().text("^C", true);
            let mut stopped = crate::shell::eval::interruption();
            stopped.message = "The shell stopped waiting, but the seed goes on in ccrd: \
                               Get-StorageGroupCopyStatus shows its progress."
                .into();
            return Err(stopped);
        }
    }
}

/// A precondition report as objects: one per check, then one per loss estimate.
pub fn report_values(report: &PreconditionReport) -> Vec<Value> {
    let mut values: Vec<Value> = report
        .checks
        .iter()
        .map(|c| {
            Record::new(CHECK_TYPE)
                .with("Check", c.check.clone())
                .with("Result", format!("{:?}", c.result))
                .with("Observed", c.observed.clone())
                .with("Threshold", c.threshold.clone())
                .with("Why", c.why.clone())
                .with("Remedy", c.remedy.clone())
                .with("OverrideSwitch", c.override_switch.clone())
                .into()
        })
        .collect();
    values.extend(report.loss_estimate.iter().map(|l| {
        Record::new(CHECK_TYPE)
            .with("Check", format!("Loss estimate for '{}'", l.storage_group))
            .with("Result", if l.logs == 0 { "NoLoss" } else { "DataLossExpected" })
            .with("Observed", format!("{} log(s), {} bytes", l.logs, l.bytes))
            .with(
                "Threshold",
                match (l.window_start, l.window_end) {
                    (Some(start), Some(end)) => format!("mail from {start} to {end}"),
                    _ => String::new(),
                },
            )
            .with("Why", "What activating this copy would lose.")
            .with("Remedy", Option::<String>::None)
            .with("OverrideSwitch", Option::<String>::None)
            .into()
    }));
    values
}

/// A TimeSpan parameter in whole seconds (`0.0:0:0` → 0), when given.
pub fn seconds(call: &Invocation<'_>, name: &str) -> Option<u64> {
    match call.get(name)? {
        Value::TimeSpan(span) => {
            Some(u64::try_from(span.ticks / crate::shell::value::TimeSpan::TICKS_PER_SECOND).unwrap_or(0))
        }
        _ => None,
    }
}
