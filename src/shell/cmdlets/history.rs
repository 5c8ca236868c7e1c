//! What happened: `Get-EventLog -LogName Application|System` (the nodes' event logs),
//! `Write-EventLog` (a script's own entry in a node's log, written through ccrd), and
//! `Search-AdminAuditLog` (the operation history: who, what, why, outcome, timings).
//!
//! Must not: filter what ccrd can filter; the query goes to the service.

use super::{Context, client_error};
use crate::api::{self, EventQuery, HistoryQuery, routes};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::runtime::dotnet::{NewEntry, event_log_entries, write_event};
use crate::shell::value::{Record, Value};

const AUDIT_TYPE: &str = "ccrsh.AdminAuditLogEntry";

pub fn get_event_log(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    // The binder made -After a [datetime], as PowerShell's Get-EventLog declares it.
    let after = match call.get("After") {
        Some(Value::DateTime(t)) => Some(*t),
        _ => None,
    };
    let log = call.string("LogName").unwrap_or_else(|| "Application".into());
    let computers = call.strings("ComputerName").unwrap_or_default();
    let mut entries: Vec<Value> = Vec::new();
    for computer in if computers.is_empty() { vec![None] } else { computers.into_iter().map(Some).collect() } {
        let query = EventQuery {
            computer_name: computer,
            source: call.string("Source"),
            instance_id: call.int("InstanceId").and_then(|i| u32::try_from(i).ok()),
            entry_type: call
                .string("EntryType")
                .and_then(|t| serde_json::from_value(serde_json::Value::String(t)).ok()),
            newest: call.int("Newest").and_then(|n| u32::try_from(n).ok()),
            after,
        };
        entries.extend(event_log_entries(cx.client, &log, &query).map_err(client_error)?);
    }
    Ok(entries)
}

pub fn write_event_log(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    // -ComputerName, else the node of the session; outside one there is no log to write to.
    let node = call
        .string("ComputerName")
        .filter(|c| !c.trim().is_empty() && c.trim() != ".")
        .or_else(|| cx.engine.computer());
    let entry_type = call.get("EntryType").cloned().unwrap_or(Value::Null);
    let entry = NewEntry {
        node: node.as_deref(),
        log: &call.string("LogName").unwrap_or_default(),
        source: &call.string("Source").unwrap_or_default(),
        message: &call.string("Message").unwrap_or_default(),
        entry_type: &entry_type,
        event_id: call.int("EventId").unwrap_or_default(),
    };
    write_event(cx.client, &entry).map_err(|f| {
        let id = match f.exception {
            "System.PlatformNotSupportedException" => "EventLogNotAvailable",
            "System.ArgumentException" => "ArgumentException",
            _ => "EventLogWriteFailed",
        };
        let record = ErrorRecord::new(id, "InvalidOperation", f.message).exception(f.exception);
        match f.hint {
            Some(hint) => record.with_hint(hint),
            None => record,
        }
    })?;
    Ok(Vec::new())
}

/// A date (`2026-11-29`) or an RFC 3339 time, or what `Get-Date` printed.
pub fn search_admin_audit_log(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let query = HistoryQuery {
        cmdlet: call.strings("Cmdlets").and_then(|c| c.into_iter().next()),
        object: call.strings("ObjectIds").and_then(|o| o.into_iter().next()),
        caller: call.string("Caller"),
        newest: call.int("ResultSize").and_then(|n| u32::try_from(n).ok()),
    };
    let found: Vec<api::OperationRecord> = cx.client.get(routes::HISTORY, &query).map_err(client_error)?;
    Ok(found
        .into_iter()
        .map(|r| {
            let milliseconds: u64 = r.timings.iter().map(|t| t.milliseconds).sum();
            let failed: Vec<String> = r.report.failed().map(|c| c.check.clone()).collect();
            Record::new(AUDIT_TYPE)
                .with("RunDate", r.run_date)
                .with("Caller", r.caller)
                .with("CmdletName", r.cmdlet_name)
                .with("ObjectModified", r.object_modified)
                .with("Reason", r.reason)
                .with("DomainController", r.domain_controller)
                .with("DryRun", r.dry_run)
                .with("Outcome", r.outcome.clone())
                .with("Succeeded", r.outcome == "Succeeded")
                .with("Error", r.error)
                .with("FailedChecks", failed)
                .with("Milliseconds", milliseconds)
                .with(
                    "Timings",
                    r.timings.iter().map(|t| format!("{} {} ms", t.phase, t.milliseconds)).collect::<Vec<_>>(),
                )
                .into()
        })
        .collect())
}
