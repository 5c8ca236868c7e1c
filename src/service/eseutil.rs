//! `GET /v1/lab/eseutil`: what `eseutil /mh` and `/ml` read in a node's copy of a storage
//! group: the database header (its state decided by `engine::eseutil` from the estate and the
//! checkpoint and logs found here) and each log file checked by the lab's own inspector.
//!
//! Paths are only compared with the Windows names of the mapped folders' files
//! (service::node_files); nothing is opened from the caller's text, and nothing is written.
//!
//! Owns: reading a copy's files for eseutil. Must not: write, or decide a header's state.

use chrono::{DateTime, TimeZone, Utc};

use crate::api::{self, ErrorBody, ErrorCode};
use crate::engine::Estate;
use crate::engine::eseutil::{CopyOnDisk, header_state};
use crate::engine::log_format;
use crate::service::error::ServiceError;
use crate::service::node_files::{MappedFolder, canonical, not_found};

/// What the estate says of each mapped folder's copy, decided under the read lock.
pub struct Facts {
    pub folders: Vec<MappedFolder>,
    pub estate: Estate,
}

/// Reads what `query` asks for (blocking: call it off the async runtime).
pub fn report(facts: &Facts, query: &api::EseutilQuery) -> Result<api::EseutilReport, ServiceError> {
    let wanted = canonical(&query.path);
    let (parent, leaf) = wanted.rsplit_once('\\').unwrap_or(("", wanted.as_str()));
    let folder = facts
        .folders
        .iter()
        .find(|f| canonical(&f.windows).eq_ignore_ascii_case(parent))
        .ok_or_else(|| not_found(&query.node, &query.path))?;
    match query.mode.to_ascii_lowercase().as_str() {
        "mh" => {
            let is_database = folder.database.as_deref().is_some_and(|d| d.eq_ignore_ascii_case(leaf));
            if !is_database {
                return Err(not_found(&query.node, &query.path));
            }
            Ok(api::EseutilReport { header: Some(header(facts, folder, &query.node)?), logs: Vec::new() })
        }
        "ml" => Ok(api::EseutilReport { header: None, logs: logs(folder, leaf, &query.node, &query.path)? }),
        other => Err(ServiceError(ErrorBody {
            code: ErrorCode::InvalidRequest,
            message: format!("Unknown eseutil mode '{other}'."),
            hint: Some("The lab reads a database header (mh) or log files (ml).".into()),
            target: None,
            report: None,
            candidates: Vec::new(),
        })),
    }
}

fn io_failure(error: &std::io::Error) -> ServiceError {
    ServiceError::internal(error)
}

fn header(facts: &Facts, folder: &MappedFolder, node: &str) -> Result<api::DatabaseHeader, ServiceError> {
    let copy = &folder.copy;
    let disk = copy.on_disk().map_err(|e| io_failure(&e))?;
    let newest_closed = copy.closed_generations().map_err(|e| io_failure(&e))?.last().copied().unwrap_or(0);
    let found = CopyOnDisk { replayed: disk.replayed, newest_closed, open_records: disk.open_records };
    let state = header_state(&facts.estate, node, &folder.server, &folder.storage_group, found);
    let meta = copy.dir().join("database.edb").metadata().map_err(|e| io_failure(&e))?;
    Ok(api::DatabaseHeader {
        path: format!("{}\\{}", folder.windows, folder.database.clone().unwrap_or_default()),
        in_use: state.in_use,
        state: if state.clean { "Clean Shutdown" } else { "Dirty Shutdown" }.into(),
        log_required: state.log_required,
        last_replayed: disk.replayed,
        log_signature: disk.lineage,
        length: meta.len(),
        last_write_time: meta.modified().map(DateTime::<Utc>::from).unwrap_or_default(),
    })
}

/// The logs `leaf` names in `folder`: one file (`E0000000005.log`, `E00.log`), or with a base
/// name (`E00`) every log of the folder, oldest first and the open log last.
fn logs(folder: &MappedFolder, leaf: &str, node: &str, asked: &str) -> Result<Vec<api::LogFileCheck>, ServiceError> {
    if !folder.logs {
        return Err(not_found(node, asked));
    }
    let copy = &folder.copy;
    let mut generations = copy.closed_generations().map_err(|e| io_failure(&e))?;
    let open_name = format!("{}.log", folder.prefix);
    let open_exists = copy.open_log_path().exists().map_err(|e| io_failure(&e))?;
    let base = leaf.eq_ignore_ascii_case(&folder.prefix);
    let mut out = Vec::new();
    if !base {
        generations.retain(|g| copy.log_name(*g).eq_ignore_ascii_case(leaf));
    }
    for generation in generations {
        let bytes = copy.read_log(generation).map_err(|e| io_failure(&e))?;
        let path = format!("{}\\{}", folder.windows, copy.log_name(generation));
        out.push(closed_check(path, generation, &bytes));
    }
    if open_exists && (base || leaf.eq_ignore_ascii_case(&open_name)) {
        let bytes = copy.open_log_path().read().map_err(|e| io_failure(&e))?;
        out.push(open_check(format!("{}\\{open_name}", folder.windows), &bytes));
    }
    if out.is_empty() {
        return Err(not_found(node, asked));
    }
    Ok(out)
}

fn created(ms: i64) -> Option<DateTime<Utc>> {
    Utc.timestamp_millis_opt(ms).single()
}

fn closed_check(path: String, generation: u64, bytes: &[u8]) -> api::LogFileCheck {
    let damage = log_format::inspect(bytes, generation, None).err().map(|d| d.to_string());
    log_check(path, log_format::decode_header(bytes), false, damage)
}

/// What `/ml` reports of one log: its header's generation, signature and time, and `damage`.
fn log_check(
    path: String,
    header: Option<log_format::LogHeader>,
    open: bool,
    damage: Option<String>,
) -> api::LogFileCheck {
    api::LogFileCheck {
        path,
        generation: header.map_or(0, |h| h.generation),
        log_signature: header.map_or(0, |h| h.lineage),
        created: header.and_then(|h| created(h.opened_ms)),
        open,
        damage,
    }
}

/// The open log is sound when its header is and its records up to the end are.
fn open_check(path: String, bytes: &[u8]) -> api::LogFileCheck {
    let header = log_format::decode_header(bytes);
    let body = bytes.get(log_format::HEADER_LEN..).unwrap_or_default();
    let (_, covered) = log_format::sound_prefix(body);
    let damage = match header {
        None => Some(log_format::LogDefect::BadHeader.to_string()),
        Some(_) if covered != body.len() => {
            Some(format!("the bytes after offset {} are not a sound record", log_format::HEADER_LEN + covered))
        }
        Some(_) => None,
    };
    log_check(path, header, true, damage)
}
