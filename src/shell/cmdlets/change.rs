//! The path every cmdlet that changes the estate takes: ShouldProcess (`-WhatIf`, `-Confirm`,
//! ConfirmImpact) with the cmdlet's own confirmation message, as Exchange 2007 words it
//! (`Dismounting database "X".`), then one call to ccrd.
//!
//! Under `-WhatIf` the cmdlet prints Exchange's `What if:` line and returns nothing; ccrd's
//! precondition report for the change (this shell's addition) is shown on the host after it,
//! every check passed or failed. `-ValidateOnly` (where the cmdlet has it) returns the report's
//! checks as objects. Otherwise the change itself runs; its warnings and notes go to the warning
//! and verbose streams. A refusal is an error carrying ccrd's report: Exchange's own error text
//! where Exchange refuses too, then each failed check with what was observed, what is
//! required, the remedy and the switch that overrides it. Where Exchange asks for
//! administrative input before a change that would lose data (Restore-StorageGroupCopy with
//! its source lost), a refusal that only `-Force` overrides becomes that question instead.
//!
//! Must not: check preconditions that depend on the estate (ccrd's engine does, atomically
//! with the change) or print except through the host.

use serde::Serialize;

use super::{Context, client_error};
use crate::api::{CheckResult, ErrorCode, OperationResult, PreconditionReport, ProgressRecord, routes};
use crate::shell::bind::Invocation;
use crate::shell::client::ClientError;
use crate::shell::error_record::ErrorRecord;
use crate::shell::eval::Confirmation;
use crate::shell::spec::ConfirmImpact;
use crate::shell::value::{Record, Value};

/// The type name of the objects a dry run returns.
pub const CHECK_TYPE: &str = "ccrsh.PreconditionCheck";

/// One change: what ShouldProcess names, and the request for a dry run or the real thing.
pub struct Change<'a, B> {
    pub target: &'a str,
    /// `-Force` was given: skip the confirmation prompt and the questions Exchange asks
    /// before a change that loses data.
    pub force: bool,
    /// Only validate (`-ValidateOnly`): a dry run, whatever `-WhatIf` says.
    pub validate_only: bool,
    /// A long operation: show its progress at an interactive prompt.
    pub progress: bool,
    pub request: &'a dyn Fn(bool) -> B,
    /// When the cmdlet asks before a change only `-Force` allows: the question (from the
    /// refusal's report) and the request with `-Force` set, sent when the answer is yes.
    pub ask_to_force: Option<AskToForce<'a, B>>,
}

/// The question a cmdlet asks instead of refusing a change that needs `-Force`.
pub struct AskToForce<'a, B> {
    pub query: &'a dyn Fn(&PreconditionReport) -> String,
    pub forced: &'a dyn Fn(bool) -> B,
}

impl<'a, B> Change<'a, B> {
    /// A change with no `-Force`, no `-ValidateOnly` and no progress bar.
    pub fn simple(target: &'a str, request: &'a dyn Fn(bool) -> B) -> Change<'a, B> {
        Change { target, force: false, validate_only: false, progress: false, request, ask_to_force: None }
    }
}

/// The cmdlet's confirmation message: its spec's `confirmation` template with `{Parameter}`
/// replaced by the bound value (`{Target}` by the change's target).
pub fn message(call: &Invocation<'_>, target: &str) -> Option<String> {
    let template = call.spec.confirmation.as_deref()?;
    let mut text = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        text.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else { break };
        let name = &rest[open + 1..open + close];
        let value = if name == "Target" { Some(target.to_string()) } else { call.string(name) };
        text.push_str(&value.unwrap_or_default());
        rest = &rest[open + close + 1..];
    }
    text.push_str(rest);
    // An optional clause (`{StandbyMachine}`) that was not given leaves `on ""` behind.
    Some(text.replace(" on \"\"", ""))
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
    let message = message(call, target);
    cx.engine.should_process(&confirmation(call, command, target, force, message.as_deref()))
}

/// A configuration-only path move (Move-StorageGroupPath, Move-DatabasePath
/// `-ConfigurationOnly`) first asks whether to skip the task's safety check, as Exchange 2007
/// SP1 asks; `-Force` and `-WhatIf` skip the question. A session that cannot ask is told to
/// give `-Force`. Returns whether to go on.
pub fn skip_safety_check(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<bool, ErrorRecord> {
    let what_if = call.common("WhatIf").map(Value::is_truthy);
    let what_if = what_if.unwrap_or_else(|| cx.engine.variable("WhatIfPreference").is_truthy());
    if !call.switch("ConfigurationOnly") || call.switch("Force") || what_if {
        return Ok(true);
    }
    let command = call.spec.name.as_str();
    cx.engine.should_continue(command, SKIP_SAFETY_CHECK).map_err(|_| {
        ErrorRecord::new(
            "PromptingNotAllowed",
            "InvalidOperation",
            format!("{command} -ConfigurationOnly asks before it skips the safety check, and this session cannot ask."),
        )
        .with_hint("Add -Force to answer yes without a prompt.")
    })
}

/// What Exchange 2007 SP1 asks before a configuration-only path move.
const SKIP_SAFETY_CHECK: &str = "This operation will skip the safety check and make the change to the Active Directory directory service directly. Do you want to continue?";

/// Whether the token is view-only: its changes are refused by ccrd, so they are not confirmed
/// first. Dry runs, Export-Lab and rehearsals are not changes and work with it.
pub fn is_viewer(cx: &Context<'_>) -> bool {
    cx.client.role() == Some(crate::api::Role::ViewOnly)
}

fn confirmation<'a>(
    call: &'a Invocation<'_>,
    command: &'a str,
    target: &'a str,
    force: bool,
    message: Option<&'a str>,
) -> Confirmation<'a> {
    Confirmation {
        command,
        impact: call.spec.confirm_impact.unwrap_or(ConfirmImpact::Medium),
        target,
        action: command,
        message,
        what_if: call.common("WhatIf").map(Value::is_truthy),
        confirm: if force { Some(false) } else { call.common("Confirm").map(Value::is_truthy) },
        verbose: call.common("Verbose").is_some_and(Value::is_truthy),
    }
}

/// Runs the change at `route` that names its object by `-Identity` alone (and takes
/// `-DomainController`): Mount-/Dismount-/Remove-MailboxDatabase, Start-ClusteredMailboxServer,
/// Remove-StorageGroup.
pub fn run_on_identity(call: &Invocation<'_>, cx: &mut Context<'_>, route: &str) -> Result<Vec<Value>, ErrorRecord> {
    let identity = call.string("Identity").unwrap_or_default();
    let request = |dry_run| crate::api::IdentityRequest {
        identity: identity.clone(),
        dry_run,
        expected_version: None,
        domain_controller: call.string("DomainController"),
    };
    run(call, cx, route, &Change::simple(&identity, &request))
}

/// Runs `change` against `route`. Returns the report's checks for `-ValidateOnly`, nothing
/// otherwise (as Exchange's changing cmdlets return nothing).
pub fn run<B: Serialize>(
    call: &Invocation<'_>,
    cx: &mut Context<'_>,
    route: &str,
    change: &Change<'_, B>,
) -> Result<Vec<Value>, ErrorRecord> {
    let command = call.spec.name.as_str();
    let what_if = call.common("WhatIf").map(Value::is_truthy);
    let message = message(call, change.target);
    let confirmation = confirmation(call, command, change.target, change.force, message.as_deref());
    let what_if = what_if.unwrap_or_else(|| cx.engine.variable("WhatIfPreference").is_truthy());
    if change.validate_only {
        return validate_only(cx, route, change);
    }
    // A viewer's change goes to ccrd unconfirmed: ccrd refuses it before any prompt.
    let confirmed = (!what_if && is_viewer(cx)) || cx.engine.should_process(&confirmation)?;
    if !confirmed {
        if what_if {
            show_dry_run(cx, route, change)?;
        }
        return Ok(Vec::new());
    }
    let result = match send(cx, route, &(change.request)(false), change.progress) {
        Err(SendError::Client(ClientError::Rejected(body)))
            if body.code == ErrorCode::PreconditionFailed && !change.force =>
        {
            let Some(ask) = &change.ask_to_force else { return Err(client_error(ClientError::Rejected(body))) };
            let Some(report) = body.report.as_deref().filter(|r| only_force_overrides(r)) else {
                return Err(client_error(ClientError::Rejected(body)));
            };
            let query = (ask.query)(report);
            match cx.engine.should_continue(command, &query) {
                Ok(true) => send(cx, route, &(ask.forced)(false), change.progress).map_err(ErrorRecord::from)?,
                Ok(false) => return Ok(Vec::new()),
                // A session that cannot ask gets the refusal, which says to add -Force.
                Err(_) => return Err(client_error(ClientError::Rejected(body))),
            }
        }
        other => other.map_err(ErrorRecord::from)?,
    };
    report_outcome(cx, &result);
    Ok(Vec::new())
}

/// Whether every failed check of `report` is one `-Force` overrides.
fn only_force_overrides(report: &PreconditionReport) -> bool {
    let mut failed = report.failed().peekable();
    failed.peek().is_some() && failed.all(|c| c.override_switch.as_deref() == Some("-Force"))
}

/// Why a call failed: ccrd's answer (which a refusal needing `-Force` is read from), or the
/// shell's own stop (Ctrl+C while waiting).
enum SendError {
    Client(ClientError),
    Record(ErrorRecord),
}

impl From<ErrorRecord> for SendError {
    fn from(record: ErrorRecord) -> SendError {
        SendError::Record(record)
    }
}

impl From<SendError> for ErrorRecord {
    fn from(error: SendError) -> ErrorRecord {
        match error {
            SendError::Client(e) => client_error(e),
            SendError::Record(r) => r,
        }
    }
}

fn send<B: Serialize>(
    cx: &mut Context<'_>,
    route: &str,
    body: &B,
    progress: bool,
) -> Result<OperationResult, SendError> {
    if progress && cx.engine.host().shows_progress() {
        with_progress(cx, route, body)
    } else {
        cx.client.change(route, body).map_err(SendError::Client)
    }
}

/// Warnings to the warning stream; notes and events to the verbose stream.
fn report_outcome(cx: &mut Context<'_>, result: &OperationResult) {
    cx.warnings.extend(result.warnings.iter().cloned());
    cx.verbose.extend(result.notes.iter().cloned());
    for event in &result.events {
        cx.verbose.push(format!(
            "Event {} ({}) on {}: {}",
            event.instance_id, event.source, event.machine_name, event.message
        ));
    }
}

/// The dry run after `What if:`: ccrd's report for the change, every check, on the host.
fn show_dry_run<B: Serialize>(cx: &mut Context<'_>, route: &str, change: &Change<'_, B>) -> Result<(), ErrorRecord> {
    let (report, refused) = match cx.client.post::<OperationResult>(route, &(change.request)(true)) {
        Ok(result) => (result.report, None),
        Err(ClientError::Rejected(body)) if body.report.is_some() => {
            let report = body.report.as_deref().cloned().unwrap_or_default();
            (report, Some(body.message))
        }
        Err(other) => return Err(client_error(other)),
    };
    for line in report_lines(&report) {
        cx.engine.host().text(&line, true);
    }
    if let Some(message) = refused {
        cx.warnings.push(format!("The change would be refused: {message}"));
    }
    Ok(())
}

/// `-ValidateOnly`: the checks as objects; a refusal is also reported as an error.
fn validate_only<B: Serialize>(
    cx: &mut Context<'_>,
    route: &str,
    change: &Change<'_, B>,
) -> Result<Vec<Value>, ErrorRecord> {
    match cx.client.post::<OperationResult>(route, &(change.request)(true)) {
        Ok(result) => {
            report_outcome(cx, &result);
            Ok(report_values(&result.report))
        }
        Err(ClientError::Rejected(body)) if body.report.is_some() => {
            let values = body.report.as_deref().map(report_values).unwrap_or_default();
            cx.errors.push(client_error(ClientError::Rejected(body)));
            Ok(values)
        }
        Err(other) => Err(client_error(other)),
    }
}

/// The report as the host shows it after `What if:`, one line per check.
pub fn report_lines(report: &PreconditionReport) -> Vec<String> {
    let verdict = if report.allowed { "every check passes" } else { "refused" };
    let mut lines =
        vec![format!("Precondition report (ccrsh) for {} on '{}': {verdict}.", report.operation, report.target)];
    for c in &report.checks {
        let result = match c.result {
            CheckResult::Passed => "Passed",
            CheckResult::Failed => "FAILED",
            CheckResult::Overridden => "Overridden",
            CheckResult::Skipped => "Skipped",
        };
        let mut line = format!("  {result:<10} {} (observed: {}; required: {})", c.check, c.observed, c.threshold);
        if c.result == CheckResult::Failed {
            if let Some(remedy) = &c.remedy {
                line.push_str(&format!(" — {remedy}"));
            }
            if let Some(switch) = &c.override_switch {
                line.push_str(&format!(" (or override with {switch})"));
            }
        }
        lines.push(line);
    }
    for l in &report.loss_estimate {
        lines.push(format!("  Loss estimate for '{}': {} log(s), {} bytes", l.storage_group, l.logs, l.bytes));
    }
    lines
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
fn with_progress<B: Serialize>(cx: &mut Context<'_>, route: &str, body: &B) -> Result<OperationResult, SendError> {
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
            let _ = sender.send(Waited::Done(caller.change::<OperationResult>(&path, &body)));
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
                return result.map_err(SendError::Client);
            }
            Ok(Waited::Progress(Some(record))) => {
                let percent = (record.bytes_done * 100).checked_div(record.bytes_total).unwrap_or(0);
                cx.engine.host().progress(&record.activity, Some(percent));
                shown = true;
            }
            Ok(Waited::Progress(_)) | Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err(
                    ErrorRecord::new("CallFailed", "NotSpecified", "The call failed unexpectedly.".into()).into()
                );
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
            return Err(stopped.into());
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
