//! `Get-Process`: the processes of the machine ccrsh runs on, read from `/proc` as .NET reads
//! them (`runtime::dotnet::Process`), by -Name (wildcards) or -Id, sorted by name then Id as
//! pwsh sorts them.
//!
//! Must not: signal or change a process, or answer for a lab computer (the lab's computers
//! are ccrd's; their services are Get-Service's).

use super::Context;
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::runtime::dotnet::Process;
use crate::shell::value::Value;
use crate::shell::wildcard::Wildcard;

/// `Get-Process [[-Name] <String[]>]` or `Get-Process -Id <Int32[]>`. A name without wildcards
/// that matches nothing, and an Id no process has, are pwsh's non-terminating errors.
pub fn get_process(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let mut picked: Vec<Process> = Vec::new();
    let add = |process: Process, picked: &mut Vec<Process>| {
        if !picked.iter().any(|p| p.id == process.id) {
            picked.push(process);
        }
    };
    if let Some(ids) = call.get("Id") {
        for id in ids_of(ids)? {
            match Process::read(id) {
                Some(process) => add(process, &mut picked),
                None => {
                    let mut error = ErrorRecord::new(
                        "NoProcessFoundForGivenId",
                        "ObjectNotFound",
                        format!("Cannot find a process with the process identifier {id}."),
                    )
                    .exception("Microsoft.PowerShell.Commands.ProcessCommandException")
                    .with_hint("Get-Process lists the processes running now, with their Id.");
                    error.target = Some(id.to_string());
                    cx.errors.push(error);
                }
            }
        }
    } else {
        let all = Process::all();
        match call.strings("Name") {
            None => picked = all,
            Some(names) => {
                for pattern in names {
                    let wildcard = Wildcard::new(&pattern);
                    let matched: Vec<&Process> = all.iter().filter(|p| wildcard.is_match(&p.name)).collect();
                    if matched.is_empty() && !Wildcard::has_wildcards(&pattern) {
                        cx.errors.push(no_process_named(&pattern));
                    }
                    for process in matched {
                        add(process.clone(), &mut picked);
                    }
                }
            }
        }
    }
    picked.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then(a.id.cmp(&b.id)));
    Ok(picked.into_iter().map(Process::value).collect())
}

/// pwsh's error for a name no process has; a number as a name suggests -Id, as pwsh's does.
fn no_process_named(name: &str) -> ErrorRecord {
    let (id, message) = if name.parse::<u32>().is_ok() {
        (
            "RecommendIdTagForGivenName",
            format!(
                "Cannot find a process with the name \"{name}\". Try running with -Id to search by Id of processes."
            ),
        )
    } else {
        (
            "NoProcessFoundForGivenName",
            format!(
                "Cannot find a process with the name \"{name}\". Verify the process name and call the cmdlet again."
            ),
        )
    };
    let mut error = ErrorRecord::new(id, "ObjectNotFound", message)
        .exception("Microsoft.PowerShell.Commands.ProcessCommandException")
        .with_hint("Get-Process lists the processes running now; a pattern such as 'ccr*' matches names.");
    error.target = Some(name.to_string());
    error
}

/// The -Id values as process identifiers; one that is not a whole number is refused before
/// any process is read, as PowerShell's binding refuses it.
fn ids_of(value: &Value) -> Result<Vec<i64>, ErrorRecord> {
    let items = match value {
        Value::Array(items) => items.borrow().clone(),
        one => vec![one.clone()],
    };
    items
        .iter()
        .map(|item| {
            crate::shell::eval::convert::to_number(item)
                .map(|n| n.as_f64())
                .filter(|n| n.fract() == 0.0 && *n >= f64::from(i32::MIN) && *n <= f64::from(i32::MAX))
                .map(|n| n as i64)
                .ok_or_else(|| {
                    let shown = item.to_display_string();
                    ErrorRecord::new(
                        "CannotConvertArgumentNoMessage",
                        "InvalidArgument",
                        format!(
                            "Cannot bind parameter 'Id'. Cannot convert value \"{shown}\" to type \"System.Int32\". Error: \"The input string '{shown}' was not in a correct format.\""
                        ),
                    )
                    .exception("System.Management.Automation.ParameterBindingException")
                    .with_hint("-Id takes process identifiers (whole numbers); -Name takes names.")
                })
        })
        .collect()
}
