//! The content cmdlets: `Get-Content` (lines read as needed: `-TotalCount` stops reading,
//! `-Tail` keeps only the last lines; only `-Raw` holds a whole file), `Set-Content`,
//! `Add-Content`, `Clear-Content` and `Out-File` (a replaced file is written to a temporary
//! file beside it and renamed over it; a link is never written through).
//!
//! Owns: those cmdlets. Must not: print; reading, writing and encodings are
//! `runtime::filesystem`'s and `runtime::encoding`'s.

use std::collections::VecDeque;
use std::fs;
use std::path::{Path, PathBuf};

use super::items::{Target, targets};
use super::{Context, pipeline_input};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::runtime::encoding::Encoding;
use crate::shell::runtime::filesystem::{self as files, LineReader, WriteMode, io_error, path_not_found, shown};
use crate::shell::value::Value;
use crate::shell::wildcard::Wildcard;

fn encoding(call: &Invocation<'_>) -> Result<Option<Encoding>, ErrorRecord> {
    if call.switch("AsByteStream") {
        return Ok(Some(Encoding::Byte));
    }
    call.string("Encoding").map(|e| Encoding::parse(&e).map_err(|r| r.in_command(&call.spec.name))).transpose()
}

fn is_directory_error(path: &Path, command: &str) -> ErrorRecord {
    ErrorRecord::new(
        "GetContentReaderUnauthorizedAccessError",
        "PermissionDenied",
        format!(
            "Unable to get content because it is a directory: '{}'. Please use 'Get-ChildItem' instead.",
            shown(path)
        ),
    )
    .in_command(command)
    .exception("System.UnauthorizedAccessException")
    .with_hint("Get-ChildItem lists a folder; Get-Content reads a file.")
}

/// The existing files a target names (PathNotFound for a named one that is missing).
fn files_named(target: &Target, cx: &mut Context<'_>, command: &str) -> Vec<PathBuf> {
    if let Some(error) = files::drive_not_found(&target.text, command) {
        cx.errors.push(error);
        return Vec::new();
    }
    let pattern = !target.literal && Wildcard::has_wildcards(&target.text.replace('\\', "/"));
    let found = files::expand(&target.text, target.literal);
    let mut out = Vec::new();
    for path in found {
        if fs::symlink_metadata(&path).is_err() {
            if !pattern {
                cx.errors.push(path_not_found(&path, command));
            }
        } else if path.is_dir() {
            cx.errors.push(is_directory_error(&path, command));
        } else {
            out.push(path);
        }
    }
    if pattern && out.is_empty() {
        cx.errors.push(path_not_found(&files::resolve(&target.text), command));
    }
    out
}

pub fn get_content(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let encoding = encoding(call)?;
    let total = call.get("TotalCount").and_then(as_count);
    let tail = call.get("Tail").and_then(as_count);
    let mut out = Vec::new();
    for target in targets(call, "Path", None) {
        if let Some((drive, name)) = super::drives::split(&target.text) {
            match super::drives::content(drive, &name, "Get-Content", cx) {
                Ok(values) => out.extend(values),
                Err(e) => cx.errors.push(e),
            }
            continue;
        }
        if let Some(path) = super::node_items::node_path(&target.text, cx) {
            // A node's file: its bytes from ccrd, read-only.
            let Some(bytes) = super::node_items::content(&path, cx)? else { continue };
            if encoding == Some(Encoding::Byte) {
                let limit = total.map_or(bytes.len(), |n| n.min(bytes.len()));
                let start = tail.map_or(0, |n| limit.saturating_sub(n));
                let values: Vec<Value> = bytes[start..limit].iter().map(|b| Value::Int(i64::from(*b))).collect();
                if call.switch("Raw") {
                    out.push(Value::array(values))
                } else {
                    out.extend(values)
                }
                continue;
            }
            let (found, skip) = Encoding::detect(&bytes).unwrap_or((encoding.unwrap_or_default(), 0));
            let text = encoding.unwrap_or(found).decode(&bytes[skip..]);
            if call.switch("Raw") {
                if !text.is_empty() {
                    out.push(Value::String(text));
                }
                continue;
            }
            let mut lines: Vec<&str> = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
            if text.ends_with('\n') {
                lines.pop();
            }
            lines.truncate(total.unwrap_or(lines.len()));
            let start = tail.map_or(0, |n| lines.len().saturating_sub(n));
            out.extend(lines[start..].iter().map(|l| Value::String((*l).to_string())));
            continue;
        }
        for path in files_named(&target, cx, "Get-Content") {
            let read_failed = |e: std::io::Error| io_error(&e, &path, "Get-Content", "GetContentReader");
            if encoding == Some(Encoding::Byte) {
                match files::read_all_bytes(&path) {
                    Ok(bytes) => {
                        let limit = total.map_or(bytes.len(), |n| n.min(bytes.len()));
                        let bytes = &bytes[..limit];
                        let start = tail.map_or(0, |n| bytes.len().saturating_sub(n));
                        let values: Vec<Value> = bytes[start..].iter().map(|b| Value::Int(i64::from(*b))).collect();
                        if call.switch("Raw") {
                            out.push(Value::array(values));
                        } else {
                            out.extend(values);
                        }
                    }
                    Err(e) => cx.errors.push(read_failed(e)),
                }
                continue;
            }
            if call.switch("Raw") {
                match files::read_all_text(&path, encoding) {
                    Ok(text) if text.is_empty() => {}
                    Ok(text) => out.push(Value::String(text)),
                    Err(e) => cx.errors.push(read_failed(e)),
                }
                continue;
            }
            let reader = match LineReader::open(&path, encoding) {
                Ok(r) => r,
                Err(e) => {
                    cx.errors.push(read_failed(e));
                    continue;
                }
            };
            let mut kept: VecDeque<String> = VecDeque::new();
            for (read, line) in reader.enumerate() {
                if total.is_some_and(|n| read >= n) {
                    break;
                }
                match line {
                    Ok(line) => {
                        kept.push_back(line);
                        if tail.is_some_and(|n| kept.len() > n) {
                            kept.pop_front();
                        } else if tail.is_none() {
                            out.extend(kept.drain(..).map(Value::String));
                        }
                    }
                    Err(e) => {
                        cx.errors.push(read_failed(e));
                        break;
                    }
                }
            }
            out.extend(kept.into_iter().map(Value::String));
        }
    }
    Ok(out)
}

/// A `-TotalCount`/`-Tail` value: a count, with a negative one meaning "all" as PowerShell reads it.
fn as_count(value: &Value) -> Option<usize> {
    match value {
        Value::Int(n) if *n >= 0 => Some(*n as usize),
        Value::Int(_) | Value::Null => None,
        other => other.to_display_string().trim().parse::<usize>().ok(),
    }
}

/// The text `Set-Content`/`Add-Content` write: each value on its own line (bytes as bytes).
fn content_text(values: &[Value], no_newline: bool) -> String {
    let lines: Vec<String> = values.iter().map(Value::to_display_string).collect();
    if no_newline { lines.concat() } else { lines.iter().map(|l| format!("{l}\n")).collect() }
}

fn values_of(call: &Invocation<'_>) -> Vec<Value> {
    match call.get("Value") {
        Some(Value::Array(items)) => items.borrow().clone(),
        Some(Value::Null) | None => Vec::new(),
        Some(one) => vec![one.clone()],
    }
}

/// The files a write goes to: a pattern's existing matches, or the path as named.
fn write_targets(call: &Invocation<'_>, cx: &mut Context<'_>, command: &str) -> Result<Vec<PathBuf>, ErrorRecord> {
    let mut out = Vec::new();
    for target in targets(call, "Path", None) {
        if target.text.is_empty() {
            return Err(ErrorRecord::new(
                "ParameterArgumentValidationErrorEmptyStringNotAllowed",
                "InvalidData",
                "Cannot bind argument to parameter 'Path' because it is an empty string.".into(),
            )
            .in_command(command));
        }
        if super::drives::split(&target.text).is_some() {
            continue;
        }
        if let Some(error) = files::drive_not_found(&target.text, command) {
            cx.errors.push(error);
            continue;
        }
        let pattern = !target.literal && Wildcard::has_wildcards(&target.text.replace('\\', "/"));
        let found = files::expand(&target.text, target.literal);
        if pattern && found.is_empty() {
            cx.errors.push(path_not_found(&files::resolve(&target.text), command));
        }
        out.extend(found);
    }
    Ok(out)
}

fn write(call: &Invocation<'_>, cx: &mut Context<'_>, command: &str, append: bool) -> Result<Vec<Value>, ErrorRecord> {
    let encoding = encoding(call)?.unwrap_or_default();
    let values = values_of(call);
    let mut out = Vec::new();
    for target in targets(call, "Path", None) {
        if let Some((drive, name)) = super::drives::split(&target.text) {
            let old =
                if append { super::drives::content(drive, &name, command, cx).unwrap_or_default() } else { Vec::new() };
            let text: Vec<String> = old.iter().chain(values.iter()).map(Value::to_display_string).collect();
            super::drives::set(drive, &name, Value::String(text.concat()), command, cx)?;
        }
    }
    for path in write_targets(call, cx, command)? {
        if path.is_dir() {
            cx.errors.push(is_directory_error(&path, command));
            continue;
        }
        let action = if append { "Add Content" } else { "Set Content" };
        if !super::items::confirm(call, cx, action, &format!("Path: {}", shown(&path)))? {
            continue;
        }
        let mode = WriteMode { append, encoding, no_clobber: false };
        let result = if encoding == Encoding::Byte {
            let bytes: Vec<u8> = values.iter().filter_map(|v| u8::try_from(as_count(v).unwrap_or(256)).ok()).collect();
            files::write_bytes(&path, &bytes, mode, command)
        } else {
            let text = content_text(&values, call.switch("NoNewline"));
            files::write_bytes(&path, &encoding.encode(&text), mode, command)
        };
        match result {
            Ok(()) if call.switch("PassThru") => out.extend(values.iter().cloned()),
            Ok(()) => {}
            Err(e) => cx.errors.push(e.in_command(command)),
        }
    }
    Ok(out)
}

pub fn set_content(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    write(call, cx, "Set-Content", false)
}

pub fn add_content(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    write(call, cx, "Add-Content", true)
}

pub fn clear_content(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    for target in targets(call, "Path", None) {
        for path in files_named(&target, cx, "Clear-Content") {
            if !super::items::confirm(call, cx, "Clear Content", &format!("Item: {}", shown(&path)))? {
                continue;
            }
            if let Err(e) = files::write_text(&path, "", WriteMode::default()) {
                cx.errors.push(e.in_command("Clear-Content"));
            }
        }
    }
    Ok(Vec::new())
}

pub fn out_file(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let path = call.string("FilePath").or_else(|| call.string("LiteralPath")).unwrap_or_default();
    let encoding = encoding(call)?.unwrap_or_default();
    let items = pipeline_input(call);
    let mut text = if items.iter().all(|v| matches!(v, Value::String(_))) {
        items.iter().map(|v| format!("{}\n", v.to_display_string())).collect()
    } else {
        cx.engine.host().format(&items)
    };
    if call.switch("NoNewline") {
        text = text.replace('\n', "");
    }
    let mode = WriteMode { append: call.switch("Append"), encoding, no_clobber: call.switch("NoClobber") };
    if let Some(error) = files::drive_not_found(&path, "Out-File") {
        return Err(error);
    }
    let target = files::resolve(&path);
    if !super::items::confirm(call, cx, "Output to File", &shown(&target))? {
        return Ok(Vec::new());
    }
    files::write_bytes(&target, &encoding.encode(&text), mode, "Out-File").map_err(|e| e.in_command("Out-File"))?;
    Ok(Vec::new())
}
