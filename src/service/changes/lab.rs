//! The lab's (game day) calls: mail delivery, settling replication, the background
//! replication pass, and the whole-lab operations (reset, export, import).
//!
//! Must not: bypass the writer lock: every file step here holds it.

use std::path::{Path, PathBuf};
use std::time::Instant;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Extension, State};
use chrono::Utc;

use super::{Reply, blocking, body, internal, require_administrator};
use crate::api::{self, Role, SendMailRequest, SettleRequest};
use crate::engine::operations;
use crate::service::AppState;
use crate::service::error::ServiceError;
use crate::service::lab::{self, TopologySource};
use crate::service::replication;
use crate::service::snapshot;
use crate::service::store::{AcceptedMessage, Journal};

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
        operations::check_guard(&estate, request.expected_version)?;
        let delivery = operations::deliver(&mut estate, &request.database, request.count, request.size_kb)?;
        if request.dry_run {
            let last_log_generated = estate.storage_groups[delivery.storage_group].last_log_generated;
            return Ok(api::SendMailResult {
                database: request.database.clone(),
                accepted: Vec::new(),
                last_log_generated,
            });
        }
        let sg = &estate.storage_groups[delivery.storage_group];
        let (server, storage_group) = (sg.server.clone(), sg.name.clone());
        let files = replication::active_files(&replication::files_root(&state.lab, &estate), &estate, sg)
            .ok_or_else(|| internal(&"no active copy"))?;
        let size = usize::try_from(request.size_kb).unwrap_or(0) * 1024;
        let ids: Vec<u64> = (delivery.first_id..delivery.first_id + u64::from(request.count)).collect();
        let messages: Vec<_> = ids
            .iter()
            .map(|&id| crate::service::copy_files::NewMessage { id, accepted_ms: now.timestamp_millis(), size })
            .collect();
        let closed = files
            .append(sg.last_log_generated + 1, sg.lineage, estate.log_size_bytes, &messages, now.timestamp_millis())
            .map_err(|e| internal(&e))?;
        let sg = &mut estate.storage_groups[delivery.storage_group];
        if let Some(&newest) = closed.last() {
            sg.last_log_generated = newest;
            sg.last_log_generated_at = Some(now);
        }
        sg.open_log_records = files.on_disk().map_err(|e| internal(&e))?.open_records;
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
    pass(state).map_err(|detail| internal(&detail))
}

/// The pass itself; a failure is described, not logged (the background loop reports a
/// repeating one once).
pub fn pass(state: &AppState) -> Result<bool, String> {
    let text = |e: &dyn std::fmt::Display| e.to_string();
    let mut store = state.store.lock().map_err(|e| text(&e))?;
    let mut estate = state.estate.read().map_err(|e| text(&e))?.clone();
    let now = estate.lab_time(Utc::now());
    let statuses: Vec<_> = estate.copies.iter().map(|c| (c.status, c.inspect_failures)).collect();
    let progressed =
        replication::run_pass(&replication::files_root(&state.lab, &estate), &mut estate, now).map_err(|e| text(&e))?;
    let status_changed = estate.copies.iter().map(|c| (c.status, c.inspect_failures)).ne(statuses);
    if status_changed {
        store.commit(&estate, &Journal::default(), now).map_err(|e| text(&e))?;
    }
    if progressed || status_changed {
        *state.estate.write().map_err(|e| text(&e))? = estate;
    }
    Ok(progressed)
}

/// Records a whole-lab operation (reset, import) in the history of the estate it produced.
fn record(
    store: &mut crate::service::store::Store,
    estate: &crate::engine::Estate,
    cmdlet: &str,
    object: &str,
) -> Result<(), ServiceError> {
    let now = estate.lab_time(Utc::now());
    let operation = api::OperationRecord {
        index: 0,
        run_date: now,
        caller: format!("{:?}", Role::Administrator),
        cmdlet_name: cmdlet.into(),
        object_modified: object.into(),
        reason: None,
        dry_run: false,
        outcome: "Succeeded".into(),
        error: None,
        report: crate::engine::preconditions::Report::new(cmdlet, object).into_report(),
        timings: Vec::new(),
    };
    store
        .commit(estate, &Journal { operation: Some(operation), ..Journal::default() }, now)
        .map_err(|e| internal(&e))?;
    Ok(())
}

/// `POST /v1/lab/reset`: a fresh estate from a topology, in a new files directory; the old
/// files go once the new estate is committed.
pub async fn reset(
    State(state): State<AppState>,
    Extension(role): Extension<Role>,
    request: Result<Json<api::ResetRequest>, JsonRejection>,
) -> Reply<api::LabResult> {
    let request = body(request)?;
    blocking(move || {
        require_administrator(role)?;
        let mut store = state.store.lock().map_err(|e| internal(&e))?;
        let current = state.estate.read().map_err(|e| internal(&e))?.clone();
        let source = TopologySource::parse(request.topology.as_deref().unwrap_or("seed"));
        let mut estate = lab::build(&source).map_err(|e| {
            ServiceError::invalid_request(
                e.to_string(),
                "Give -Topology seed, or the path of a topology file on ccrd's machine.",
            )
        })?;
        estate.files_dir = lab::next_files_dir(&current.files_dir);
        estate.version = current.version + 1;
        store.replace_all(&estate).map_err(|e| internal(&e))?;
        record(&mut store, &estate, "Reset-Lab", &estate.topology.clone())?;
        replication::refresh_from_disk(&state.lab, &mut estate).map_err(|e| internal(&e))?;
        let result = api::LabResult {
            topology: estate.topology.clone(),
            path: None,
            files: 0,
            bytes: 0,
            estate_version: estate.version,
        };
        *state.estate.write().map_err(|e| internal(&e))? = estate;
        Ok(result)
    })
    .await
}

/// `POST /v1/lab/export`: the estate database and every node file, in one snapshot file.
pub async fn export(
    State(state): State<AppState>,
    Extension(role): Extension<Role>,
    request: Result<Json<api::SnapshotRequest>, JsonRejection>,
) -> Reply<api::LabResult> {
    let request = body(request)?;
    blocking(move || {
        require_administrator(role)?;
        let store = state.store.lock().map_err(|e| internal(&e))?;
        let estate = state.estate.read().map_err(|e| internal(&e))?.clone();
        let database = state.lab.join("export.db.tmp");
        let _ = std::fs::remove_file(&database);
        store.snapshot_to(&database).map_err(|e| internal(&e))?;
        let files = snapshot::files_under(&replication::files_root(&state.lab, &estate)).map_err(|e| internal(&e))?;
        let mut entries = vec![(DATABASE_ENTRY.to_string(), database.clone())];
        entries.extend(files.into_iter().map(|(name, path)| (format!("{FILES_ENTRY}{name}"), path)));
        let path = PathBuf::from(&request.path);
        let written = snapshot::write(&path, &entries);
        let _ = std::fs::remove_file(&database);
        let bytes = written.map_err(|e| {
            ServiceError::invalid_request(
                format!("Cannot write the snapshot to '{}': {e}", path.display()),
                "Give a path ccrd can write to.",
            )
        })?;
        Ok(api::LabResult {
            topology: estate.topology.clone(),
            path: Some(request.path.clone()),
            files: entries.len() as u64 - 1,
            bytes,
            estate_version: estate.version,
        })
    })
    .await
}

/// The snapshot entry that holds the estate database, and the prefix of node files.
const DATABASE_ENTRY: &str = "estate.db";
const FILES_ENTRY: &str = "files/";

/// `POST /v1/lab/import`: the estate of a snapshot replaces this one. The snapshot is read
/// and checked whole before anything changes; its files go to a new files directory that the
/// estate switches to in the same transaction as its tables.
pub async fn import(
    State(state): State<AppState>,
    Extension(role): Extension<Role>,
    request: Result<Json<api::SnapshotRequest>, JsonRejection>,
) -> Reply<api::LabResult> {
    let request = body(request)?;
    blocking(move || {
        require_administrator(role)?;
        let entries = snapshot::read(Path::new(&request.path)).map_err(|e| {
            ServiceError::invalid_request(
                format!("Cannot import '{}': {e}", request.path),
                "Give the path of a file written by Export-Lab.",
            )
        })?;
        let mut store = state.store.lock().map_err(|e| internal(&e))?;
        let current = state.estate.read().map_err(|e| internal(&e))?.clone();
        operations::check_guard(&current, request.expected_version)?;
        if request.dry_run {
            let files = entries.iter().filter(|(name, _)| name.starts_with(FILES_ENTRY)).count() as u64;
            let bytes = entries.iter().map(|(_, data)| data.len() as u64).sum();
            return Ok(api::LabResult {
                topology: current.topology,
                path: Some(request.path.clone()),
                files,
                bytes,
                estate_version: current.version,
            });
        }
        let files_dir = lab::next_files_dir(&current.files_dir);
        let staged = state.lab.join(&files_dir);
        let database = state.lab.join("import.db.tmp");
        let stage = || -> std::io::Result<(u64, u64)> {
            let (mut files, mut bytes) = (0, 0);
            for (name, data) in &entries {
                let target = if name == Path::new(DATABASE_ENTRY) {
                    database.clone()
                } else if let Ok(relative) = name.strip_prefix(FILES_ENTRY) {
                    files += 1;
                    staged.join(relative)
                } else {
                    continue;
                };
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(&target, data)?;
                bytes += data.len() as u64;
            }
            Ok((files, bytes))
        };
        let staged_result = stage();
        let imported = staged_result.map_err(|e| internal(&e)).and_then(|counts| {
            let estate = store.import_from(&database, &files_dir).map_err(|e| {
                ServiceError::invalid_request(
                    format!("Cannot import '{}': {e}", request.path),
                    "Give a snapshot written by this version of ccrd.",
                )
            })?;
            Ok((counts, estate))
        });
        let _ = std::fs::remove_file(&database);
        let ((files, bytes), mut estate) = match imported {
            Ok(done) => done,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&staged);
                return Err(e);
            }
        };
        estate.version = estate.version.max(current.version) + 1;
        record(&mut store, &estate, "Import-Lab", &request.path)?;
        replication::refresh_from_disk(&state.lab, &mut estate).map_err(|e| internal(&e))?;
        let result = api::LabResult {
            topology: estate.topology.clone(),
            path: Some(request.path.clone()),
            files,
            bytes,
            estate_version: estate.version,
        };
        *state.estate.write().map_err(|e| internal(&e))? = estate;
        Ok(result)
    })
    .await
}
