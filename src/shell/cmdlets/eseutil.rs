//! `eseutil`, Exchange 2007's database utility, as CCR/SCR procedures use it on a node's copy:
//! `/mh` dumps a database's header (State: Clean Shutdown or Dirty Shutdown, Log Required) and
//! `/ml` checks log files (one, or with a base name such as `E00` every log of a folder). It
//! reads the files ccrd keeps for the copy (`GET /v1/lab/eseutil`): inside a node session
//! `C:\…` (or a name relative to the node's location), from anywhere `\\NODE\c$\…`.
//!
//! The modes that change a database (`/r` soft recovery, `/p` repair, `/d` defragmentation,
//! `/c` restore, `/y` copy) and the other checks (`/k`, `/g`, `/mk`, `/mm`, `/ms`) are not
//! modelled: they are refused with what the lab offers instead (a restored copy's logs are
//! replayed by Mount-Database). Exit codes are eseutil's: 0, or the Jet error.
//!
//! Must not: write a file or change the estate.

use std::time::Instant;

use super::native::set_exit_code;
use super::node_items::{NodePath, node_path};
use super::{Context, client_error};
use crate::api::{self, routes};
use crate::shell::client::ClientError;
use crate::shell::error_record::ErrorRecord;
use crate::shell::value::Value;

const BANNER: [&str; 4] = [
    "",
    "Extensible Storage Engine Utilities for Microsoft(R) Exchange Server",
    "Version 08.01",
    "Copyright (C) Microsoft Corporation. All Rights Reserved.",
];

/// The Jet errors eseutil ends with here.
const FILE_NOT_FOUND: (i64, &str) = (-1811, "JET_errFileNotFound, File not found");
const FILE_IN_USE: (i64, &str) = (-1032, "JET_errFileAccessDenied, Cannot access file, the file is locked or in use");
const LOG_CORRUPT: (i64, &str) = (-501, "JET_errLogFileCorrupt, Log file is corrupt");

pub fn run(words: &[String], cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let started = Instant::now();
    let result = run_words(words, cx, started);
    match &result {
        Ok((_, code)) => set_exit_code(cx, *code),
        Err(_) => set_exit_code(cx, 1),
    }
    result.map(|(lines, _)| lines.into_iter().map(Value::String).collect())
}

fn run_words(words: &[String], cx: &mut Context<'_>, started: Instant) -> Result<(Vec<String>, i64), ErrorRecord> {
    let Some(mode) = words.first() else { return Err(usage("Name an operation: /mh DATABASE or /ml LOG.")) };
    let mode = mode.trim_start_matches(['/', '-']).to_ascii_lowercase();
    match mode.as_str() {
        "mh" | "ml" => {}
        "r" | "p" | "d" | "c" | "y" | "k" | "g" | "mk" | "mm" | "ms" | "m" => return Err(not_modelled(&mode)),
        _ => return Err(usage(&format!("'{}' is not an eseutil operation.", words[0]))),
    }
    let Some(path_text) = words.iter().skip(1).find(|w| !w.starts_with('/')) else {
        return Err(usage(&format!("/{mode} needs a file: eseutil /{mode} \"C:\\…\\{}\".", example(&mode))));
    };
    let mut lines: Vec<String> = BANNER.iter().map(|l| (*l).to_string()).collect();
    lines.push(String::new());
    lines.push("Initiating FILE DUMP mode...".into());
    let Some(path) = node_path(path_text, cx) else {
        return Ok(fail(lines, FILE_NOT_FOUND, started, Some(path_text)));
    };
    let query = api::EseutilQuery { node: path.node.clone(), path: path.windows.clone(), mode: mode.clone() };
    let report = match cx.client.get::<api::EseutilReport>(routes::LAB_ESEUTIL, &query) {
        Ok(report) => report,
        Err(ClientError::Rejected(body)) if body.code == api::ErrorCode::ManagementObjectNotFound => {
            return Ok(fail(lines, FILE_NOT_FOUND, started, Some(&path.shown_path())));
        }
        Err(other) => return Err(client_error(other)),
    };
    if mode == "mh" {
        let Some(header) = report.header else { return Ok(fail(lines, FILE_NOT_FOUND, started, Some(path_text))) };
        Ok(database_header(lines, &path, &header, started))
    } else {
        Ok(log_check(lines, &path, &report.logs, started))
    }
}

fn example(mode: &str) -> &'static str {
    if mode == "mh" { "Mailbox Database.edb" } else { "E00" }
}

fn seconds(started: Instant) -> String {
    format!("{:.2}", started.elapsed().as_secs_f64())
}

/// The end of a failed run: eseutil's error line for `file` (if any) and its exit code.
fn fail(mut lines: Vec<String>, (code, name): (i64, &str), started: Instant, file: Option<&str>) -> (Vec<String>, i64) {
    if let Some(file) = file {
        lines.push(format!("Error: Access to source database '{file}' failed with Jet error {code}."));
    }
    lines.push(String::new());
    lines.push(format!("Operation terminated with error {code} ({name}) after {} seconds.", seconds(started)));
    lines.push(String::new());
    (lines, code)
}

fn success(mut lines: Vec<String>, started: Instant) -> (Vec<String>, i64) {
    lines.push(String::new());
    lines.push(format!("Operation completed successfully in {} seconds.", seconds(started)));
    lines.push(String::new());
    (lines, 0)
}

/// A Windows path from ccrd in the spelling the user gave (`C:` or `\\NODE\c$`).
fn shown(path: &NodePath, windows: &str) -> String {
    path.shown(windows)
}

fn database_header(
    mut lines: Vec<String>,
    path: &NodePath,
    header: &api::DatabaseHeader,
    started: Instant,
) -> (Vec<String>, i64) {
    let file = shown(path, &header.path);
    lines.push(format!("         Database: {file}"));
    lines.push(String::new());
    if header.in_use {
        return fail(lines, FILE_IN_USE, started, Some(&file));
    }
    let [low, high] = header.log_required;
    lines.extend([
        "DATABASE HEADER:".to_string(),
        "        File Type: Database".into(),
        "         cbDbPage: 8192".into(),
        format!("            State: {}", header.state),
        format!("     Log Required: {low}-{high} (0x{low:x}-0x{high:x})"),
        format!("    Log Signature: 0x{:016x}", header.log_signature),
        format!("    Last Replayed: {} (0x{:x})", header.last_replayed, header.last_replayed),
        format!("      File Length: {}", header.length),
        format!("      Last Change: {}", header.last_write_time.format("%m/%d/%Y %H:%M:%S")),
    ]);
    success(lines, started)
}

fn log_check(
    mut lines: Vec<String>,
    path: &NodePath,
    logs: &[api::LogFileCheck],
    started: Instant,
) -> (Vec<String>, i64) {
    let damaged = logs.iter().any(|l| l.damage.is_some());
    let base = logs.len() != 1 || !path.windows.to_ascii_lowercase().ends_with(".log");
    if base {
        lines.push("Verifying log files...".into());
        let name = path.windows.rsplit('\\').next().unwrap_or_default();
        lines.push(format!("     Base name: {name}"));
        lines.push(String::new());
        for log in logs {
            let verdict = if log.damage.is_some() { "DAMAGED" } else { "OK" };
            lines.push(format!("      Log file: {} - {verdict}", shown(path, &log.path)));
        }
        lines.push(String::new());
        if !damaged {
            lines.push("No damaged log files were found.".into());
            return success(lines, started);
        }
        return fail(lines, LOG_CORRUPT, started, None);
    }
    let log = &logs[0];
    let file = shown(path, &log.path);
    lines.push(String::new());
    lines.push(format!("      Log file: {file}"));
    lines.push(format!("      lGeneration: {} (0x{:X})", log.generation, log.generation));
    lines.push(format!("      Signature: 0x{:016x}", log.log_signature));
    if let Some(created) = log.created {
        lines.push(format!("      creation time: {}", created.format("%m/%d/%Y %H:%M:%S")));
    }
    if log.open {
        lines.push("      (the current log: no end marker yet)".into());
    }
    match &log.damage {
        None => {
            lines.push(format!("Integrity check passed for log file: {file}"));
            success(lines, started)
        }
        Some(damage) => {
            lines.push(format!("      ERROR: {damage}"));
            fail(lines, LOG_CORRUPT, started, None)
        }
    }
}

fn usage(message: &str) -> ErrorRecord {
    ErrorRecord::new("NativeCommandError", "InvalidArgument", format!("{message} Usage: eseutil /mh DATABASE | /ml LOG"))
        .with_hint("eseutil /mh reads a copy's database header; eseutil /ml checks its logs (inside Enter-PSSession NODE, or as \\\\NODE\\c$\\…).")
}

fn not_modelled(mode: &str) -> ErrorRecord {
    let instead = match mode {
        "r" => {
            "Soft recovery is what mounting does: after Restore-StorageGroupCopy, Mount-Database replays the copy's logs \
             into its database (eseutil /mh then reads Clean Shutdown once it is dismounted)."
        }
        "p" | "d" | "c" | "y" => {
            "The lab's databases are changed only by replication and Exchange's cmdlets; reseed a damaged copy with Update-StorageGroupCopy."
        }
        _ => "eseutil /mh reads a database header and eseutil /ml checks logs.",
    };
    ErrorRecord::new(
        "NativeCommandError",
        "NotImplemented",
        format!("eseutil /{mode} is not modelled by the lab; nothing was run or changed."),
    )
    .with_hint(instead)
}
