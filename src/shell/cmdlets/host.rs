//! The host and stream cmdlets: `Get-Host`, `Write-Output`, `Write-Host`, `Write-Warning`,
//! `Write-Error`, `Write-Verbose`, `Write-Progress`, `Read-Host`, `Get-Credential`, `Clear-Host`,
//! `Out-String`, `Out-Null`,
//! and the session's own state: `Start-Sleep`, `Get-History`, `Start-Transcript`, `Stop-Transcript`.

use std::time::Duration;

use super::{Context, pipeline_input};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::render;
use crate::shell::runtime::dotnet::{PS_CREDENTIAL, SecureString};
use crate::shell::runtime::filesystem as files;
use crate::shell::runtime::host::{ConsoleColor, prompt_for_credential};
use crate::shell::value::{Record, Value};

/// The values of a parameter that gathers several (`Write-Output a b c`).
fn values_of(call: &Invocation<'_>, name: &str) -> Vec<Value> {
    match call.get(name) {
        Some(Value::Array(items)) => items.borrow().clone(),
        Some(Value::Null) | None => Vec::new(),
        Some(one) => vec![one.clone()],
    }
}

pub fn write_output(call: &Invocation<'_>, _: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    if call.switch("NoEnumerate") {
        return Ok(vec![call.get("InputObject").cloned().unwrap_or(Value::Null)]);
    }
    Ok(values_of(call, "InputObject"))
}

pub fn write_host(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    // Colours convert as PowerShell binds a ConsoleColor: before anything is written.
    let colour = |name: &str| call.get(name).map(ConsoleColor::parse).transpose();
    let (foreground, background) = (colour("ForegroundColor")?, colour("BackgroundColor")?);
    let separator = call.string("Separator").unwrap_or_else(|| " ".into());
    let text = values_of(call, "Object").iter().map(Value::to_display_string).collect::<Vec<_>>().join(&separator);
    let text = match foreground {
        Some(c) => render::paint(&text, c.name()),
        None => text,
    };
    let text = match background {
        Some(c) => render::paint_background(&text, c.name()),
        None => text,
    };
    cx.engine.host().text(&text, !call.switch("NoNewline"));
    Ok(Vec::new())
}

/// `Get-Host`: the session's `$Host`.
pub fn get_host(_: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    Ok(vec![cx.engine.variable("Host")])
}

pub fn write_warning(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    cx.warnings.push(call.string("Message").unwrap_or_default());
    Ok(Vec::new())
}

pub fn write_verbose(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    cx.verbose.push(call.string("Message").unwrap_or_default());
    Ok(Vec::new())
}

pub fn write_debug(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    cx.debug.push(call.string("Message").unwrap_or_default());
    Ok(Vec::new())
}

pub fn write_error(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let message = call.string("Message").unwrap_or_default();
    let id = call.string("ErrorId").unwrap_or_else(|| "Microsoft.PowerShell.Commands.WriteErrorException".into());
    let category: &'static str = match call.string("Category").as_deref() {
        Some(c) => CATEGORIES.iter().find(|k| k.eq_ignore_ascii_case(c)).copied().unwrap_or("NotSpecified"),
        None => "NotSpecified",
    };
    let mut record =
        ErrorRecord::new(&id, category, message).exception("Microsoft.PowerShell.Commands.WriteErrorException");
    record.hint = call.string("RecommendedAction");
    record.target = call.string("TargetObject");
    record.command = Some("Write-Error".into());
    cx.errors.push(record);
    Ok(Vec::new())
}

/// PowerShell's ErrorCategory names.
pub const CATEGORIES: [&str; 32] = [
    "NotSpecified",
    "OpenError",
    "CloseError",
    "DeviceError",
    "DeadlockDetected",
    "InvalidArgument",
    "InvalidData",
    "InvalidOperation",
    "InvalidResult",
    "InvalidType",
    "MetadataError",
    "NotImplemented",
    "NotInstalled",
    "ObjectNotFound",
    "OperationStopped",
    "OperationTimeout",
    "SyntaxError",
    "ParserError",
    "PermissionDenied",
    "ResourceBusy",
    "ResourceExists",
    "ResourceUnavailable",
    "ReadError",
    "WriteError",
    "FromStdErr",
    "SecurityError",
    "ProtocolError",
    "ConnectionError",
    "AuthenticationError",
    "LimitsExceeded",
    "QuotaExceeded",
    "NotEnabled",
];

/// `Read-Host`: a line from the terminal or a redirected standard input. With -Prompt the
/// question ends in `: `; -AsSecureString returns a SecureString and -MaskInput the text, both
/// typed behind `*`s. At the end of a redirected input there is no answer: nothing with
/// -Prompt (the prompt was cancelled), `$null` without, as pwsh's console host gives.
pub fn read_host(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let prompt = call.get("Prompt").map(|p| match p {
        // Several values are one question, joined by spaces, as PowerShell joins them.
        Value::Array(items) => {
            items.borrow().iter().map(Value::to_display_string).filter(|t| !t.is_empty()).collect::<Vec<_>>().join(" ")
        }
        one => one.to_display_string(),
    });
    let secure = call.switch("AsSecureString");
    let shown = prompt.as_deref().map_or_else(String::new, |p| format!("{p}: "));
    let host = cx.engine.host();
    let line =
        if secure || call.switch("MaskInput") { host.read_secret_line(&shown)? } else { host.read_input_line(&shown)? };
    Ok(match line {
        Some(text) if secure => vec![SecureString::value(text)],
        Some(text) => vec![Value::String(text)],
        None if prompt.is_some() => Vec::new(),
        None => vec![Value::Null],
    })
}

/// `Get-Credential`: a PSCredential from -Credential as given, or asked for as pwsh's console
/// host asks: the title and message, `User: ` (asked again while empty) unless -UserName (or
/// a user name as -Credential) names one, then `Password for user NAME: ` behind `*`s. At the
/// end of a redirected input it returns nothing, as pwsh does.
pub fn get_credential(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let mut user = call.string("UserName");
    match call.get("Credential") {
        Some(Value::Object(o)) if o.is_a(PS_CREDENTIAL) => return Ok(vec![Value::Object(o.clone())]),
        Some(Value::Null) | None => {}
        Some(name) => user = Some(name.to_display_string()),
    }
    let title = call.string("Title").unwrap_or_else(|| "PowerShell credential request".into());
    let message = call.string("Message").unwrap_or_else(|| "Enter your credentials.".into());
    let asked = prompt_for_credential(cx.engine.host(), &title, &message, user.as_deref(), "")?;
    Ok(asked.into_iter().collect())
}

pub fn clear_host(_: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    cx.engine.host().text("\x1b[2J\x1b[H", false);
    Ok(Vec::new())
}

pub fn out_string(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let input = pipeline_input(call);
    let width = call.int("Width").and_then(|w| usize::try_from(w).ok());
    let mut format = |values: &[Value]| match width {
        Some(w) => cx.engine.host().format_width(values, w),
        None => cx.engine.host().format(values),
    };
    if call.switch("NoNewline") {
        // Each object's text without the line end it would end with, run together.
        let text: String = input
            .iter()
            .map(|v| {
                let text = format(std::slice::from_ref(v));
                text.strip_suffix('\n').map_or_else(|| text.clone(), str::to_string)
            })
            .collect();
        return Ok(vec![Value::String(text)]);
    }
    let text = format(&input);
    if call.switch("Stream") {
        return Ok(text.lines().map(|l| Value::String(l.to_string())).collect());
    }
    Ok(vec![Value::String(text)])
}

pub fn out_null(_: &Invocation<'_>, _: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    Ok(Vec::new())
}

/// `Write-Progress`: a bar on the terminal (standard error), never on the output.
pub fn write_progress(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let host = cx.engine.host();
    if !host.shows_progress() {
        return Ok(Vec::new());
    }
    if call.switch("Completed") {
        host.progress("", None);
        return Ok(Vec::new());
    }
    let activity = call.string("Activity").unwrap_or_default();
    let label = match call.string("Status") {
        Some(status) if !status.is_empty() => format!("{activity}: {status}"),
        _ => activity,
    };
    let percent = call.int("PercentComplete").map_or(0, |p| p.clamp(0, 100) as u64);
    host.progress(&label, Some(percent));
    Ok(Vec::new())
}

pub fn start_sleep(call: &Invocation<'_>, _: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let seconds = match call.get("Seconds") {
        Some(Value::Real(r)) => *r,
        Some(Value::Int(i)) => *i as f64,
        _ => 0.0,
    };
    let mut millis = call.int("Milliseconds").unwrap_or(0);
    if let Some(Value::TimeSpan(duration)) = call.get("Duration") {
        let shown = Value::TimeSpan(*duration).to_display_string();
        if duration.ticks < 0 {
            return Err(ErrorRecord::new(
                "ParameterArgumentValidationError",
                "InvalidData",
                format!(
                    "Cannot validate argument on parameter 'Duration'. The argument \"{shown}\" cannot be validated because its value is not greater than or equal to zero."
                ),
            )
            .with_hint("Give a duration of zero or more: -Duration 0:00:05."));
        }
        // As pwsh: at most Int32.MaxValue milliseconds (24.20:31:23.6470000).
        let whole_ms = duration.ticks / 10_000;
        if whole_ms > i64::from(i32::MAX) {
            return Err(ErrorRecord::new(
                "MaximumDurationExceeded",
                "InvalidArgument",
                format!("Cannot sleep for {shown}: the longest Start-Sleep is 24.20:31:23.6470000."),
            )
            .exception("System.ArgumentException")
            .with_hint("Sleep for less than 24 days, or loop over shorter sleeps."));
        }
        millis += whole_ms;
    }
    // The binder keeps both within their ranges; the conversion is checked all the same, so no
    // number can panic the shell.
    let total = Duration::try_from_secs_f64(seconds.max(0.0))
        .ok()
        .and_then(|s| s.checked_add(Duration::from_millis(u64::try_from(millis).unwrap_or(0))))
        .ok_or_else(|| {
            ErrorRecord::new(
                "ParameterArgumentValidationError",
                "InvalidData",
                format!("Cannot sleep for {seconds} seconds and {millis} milliseconds."),
            )
            .with_hint("Give -Seconds 2147483 or less.")
        })?;
    // Sleep in slices so Ctrl-C at the prompt ends the wait.
    let end = std::time::Instant::now() + total;
    while let Some(left) = end.checked_duration_since(std::time::Instant::now()) {
        if crate::shell::eval::interrupted() || left.is_zero() {
            break;
        }
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
    Ok(Vec::new())
}

pub fn get_history(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let all: Vec<Value> = cx
        .engine
        .history()
        .iter()
        .enumerate()
        .map(|(i, line)| {
            Value::record(
                Record::new("Microsoft.PowerShell.Commands.HistoryInfo")
                    .with("Id", i as i64 + 1)
                    .with("CommandLine", line.as_str()),
            )
        })
        .collect();
    let count = call.int("Count").map_or(all.len(), |c| usize::try_from(c).unwrap_or(0));
    Ok(all[all.len().saturating_sub(count)..].to_vec())
}

pub fn start_transcript(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    // A path is the shell's, as every file cmdlet reads it: `\` as `/`, relative to the
    // current location, a Windows drive letter refused.
    let path = match call.string("Path") {
        Some(asked) => {
            if let Some(error) = files::drive_not_found(&asked, "Start-Transcript") {
                return Err(error);
            }
            files::shown(&files::resolve(&asked))
        }
        None => {
            let home = std::env::var("HOME").unwrap_or_else(|_| ".".into());
            format!("{home}/PowerShell_transcript.ccrsh.{}.txt", chrono::Utc::now().format("%Y%m%d%H%M%S"))
        }
    };
    cx.engine.host().start_transcript(&path, call.switch("Append"))?;
    Ok(vec![Value::String(format!("Transcript started, output file is {path}"))])
}

pub fn stop_transcript(_: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let path = cx.engine.host().stop_transcript()?;
    Ok(vec![Value::String(format!("Transcript stopped, output file is {path}"))])
}
