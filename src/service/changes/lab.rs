//! The lab's (game day) calls: mail delivery, settling replication, the background
//! replication pass, and the whole-lab operations (reset, export, import).
//!
//! Must not: bypass the writer lock: every step on the lab's live files holds it. Caller data
//! (an uploaded snapshot, a topology's text) is read and checked before the lock is taken, in a
//! private staging directory; ccrd never opens a path a caller names.

use std::time::Instant;

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Extension, Query, State};
use axum::http::{HeaderName, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::{
    DECISION_ATTEMPTS, Reply, audit_lab_call, before_deciding_again, blocking, body, internal, require_administrator,
};
use crate::api::snapshot::SnapshotError;
use crate::api::{self, SendMailRequest, SettleRequest};
use crate::engine::diff::{EstateDiff, EstateMeta};
use crate::engine::operations;
use crate::engine::validate;
use crate::service::auth::Caller;
use crate::service::copy_files::NewMessage;
use crate::service::error::ServiceError;
use crate::service::lab::{self, TopologySource};
use crate::service::replication;
use crate::service::snapshot;
use crate::service::store::{self, AcceptedRange, Journal, StoreError};
use crate::service::{AppState, Cause};

/// `POST /v1/lab/mail`: appends the messages to the active copy's open log, syncs it, records
/// the ids as accepted, and only then answers with them.
pub async fn send_mail(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Result<Json<SendMailRequest>, JsonRejection>,
) -> Reply<api::SendMailResult> {
    let request = body(request)?;
    state.require_files("Send-LabMail")?;
    blocking(move || {
        if !request.dry_run {
            require_administrator(&caller)?;
        }
        let result = deliver_anew_after_conflicts(&state, &request);
        let what = format!("{} messages of {} KB", request.count, request.size_kb);
        let reason = match &result {
            Ok(done) => match (done.accepted.first(), done.accepted.last()) {
                (Some(first), Some(last)) => Some(format!("{what}, ids {first}-{last}")),
                _ => Some(format!("{what} (dry run)")),
            },
            Err(_) => Some(what),
        };
        audit_lab_call(&state, &caller, "Send-LabMail", &request.database, reason, &result);
        result
    })
    .await
}

/// [`deliver`], decided again on the estate as stored (up to [`DECISION_ATTEMPTS`] times in
/// all, after a short random pause) when another ccrd sharing the store committed first (a delivery is not an administrator's decision taken on what they saw, so it
/// does not answer `409 EstateChanged` for a change it does not depend on). Nothing of the
/// attempt that lost was acknowledged; the records it appended stay in the log unacknowledged,
/// as after a crash. A delivery guarded by `expectedVersion` is answered 409 as any change.
fn deliver_anew_after_conflicts(
    state: &AppState,
    request: &SendMailRequest,
) -> Result<api::SendMailResult, ServiceError> {
    let mut attempt = 1;
    loop {
        match deliver(state, request) {
            Err(e)
                if e.0.code == api::ErrorCode::EstateChanged
                    && request.expected_version.is_none()
                    && attempt < DECISION_ATTEMPTS =>
            {
                attempt += 1;
                before_deciding_again(state, attempt)?;
            }
            other => return other,
        }
    }
}

/// The delivery itself, decided under the writer lock: ids reserved, then either the records
/// appended to the active copy's open log without a sync, or — when the database cannot take
/// mail — the messages queued on the hub transport server of its site. It is acknowledged once
/// the group commit that holds it (the open log synced, the ledger ranges and the storage
/// group's counters written) is done.
fn deliver(state: &AppState, request: &SendMailRequest) -> Result<api::SendMailResult, ServiceError> {
    // Its only file step is appending to the active copy's open log (see `writer`).
    let mut deciding = state.decide_appending()?;
    let estate = deciding.estate();
    let now = estate.lab_time(Utc::now());
    operations::check_guard(estate, request.expected_version)?;
    let recipient = request.recipient.as_deref();
    if request.dry_run {
        let mut trial = estate.clone();
        let delivery =
            operations::deliver(&mut trial, &request.database, recipient, request.count, request.size_kb, now)?;
        return Ok(api::SendMailResult {
            database: database_of(&trial, delivery.storage_group),
            accepted: Vec::new(),
            last_log_generated: trial.storage_groups[delivery.storage_group].last_log_generated,
            queued_on: delivery.queued_on,
        });
    }
    let delivery = operations::deliver(estate, &request.database, recipient, request.count, request.size_kb, now)?;
    let database = database_of(estate, delivery.storage_group);
    let size = u64::from(request.size_kb) * 1024;
    let mut journal = Journal::new(now);
    let mut sync = Vec::new();
    let mut closed = false;
    if delivery.queued_on.is_none() {
        let appended = append_messages(state, &mut deciding, delivery.storage_group, &delivery.blocks, size, now)?;
        journal.accepted = appended.ranges;
        sync.push(appended.open_log);
        closed = appended.closed;
    }
    let last_log_generated = deciding.estate().storage_groups[delivery.storage_group].last_log_generated;
    let ticket = deciding.submit(Cause::Replication, Some(journal), sync).map_err(|e| internal(&e))?;
    drop(deciding);
    state.writer.wait(ticket).map_err(|e| crate::service::error::from_commit(&e))?;
    if closed {
        state.wake.notify_one();
    }
    let accepted = (delivery.first_id..delivery.first_id + u64::from(request.count)).collect();
    Ok(api::SendMailResult { database, accepted, last_log_generated, queued_on: delivery.queued_on })
}

/// The identity (`Server\StorageGroup\Database`) of the database of storage group `index`.
fn database_of(estate: &crate::engine::Estate, index: usize) -> String {
    let sg = &estate.storage_groups[index];
    estate.databases_of(sg).next().map(crate::engine::identity::database_identity).unwrap_or_default()
}

/// What an append to an active copy left for the commit.
struct Appended {
    /// The ledger's ranges, one per block of ids.
    ranges: Vec<AcceptedRange>,
    /// The open log written without a sync (synced by the commit).
    open_log: crate::service::beneath::LabPath,
    /// Whether it closed a log (the replication pass then has work).
    closed: bool,
}

/// Appends the messages of `blocks` (each of `size` bytes) to the active copy of storage group
/// `index` without a sync, and counts them as accepted; refuses up front what the lab's disk
/// cannot hold.
fn append_messages(
    state: &AppState,
    deciding: &mut crate::service::writer::Deciding<'_>,
    index: usize,
    blocks: &[operations::Block],
    size: u64,
    now: chrono::DateTime<Utc>,
) -> Result<Appended, ServiceError> {
    let estate = deciding.estate();
    let sg = &estate.storage_groups[index];
    let count: u64 = blocks.iter().map(|b| b.count).sum();
    // Every copy gets the logs too, and they share the lab's disk: refuse up front what it
    // cannot hold, rather than fail halfway (the ids reserved are simply never used).
    let batch = count.saturating_mul(size);
    let copies = estate.copy_positions_of(sg).len() as u64 + 1;
    check_free_space(&state.lab, batch.saturating_mul(copies))?;
    let (server, storage_group) = (sg.server.clone(), sg.name.clone());
    let files = replication::active_files(&replication::files_root(&state.lab, estate), estate, sg)
        .ok_or_else(|| internal(&"no active copy"))?;
    let bytes = usize::try_from(size).unwrap_or(0);
    let messages: Vec<_> = blocks
        .iter()
        .flat_map(|b| b.first_id..b.first_id + b.count)
        .map(|id| NewMessage { id, accepted_ms: now.timestamp_millis(), size: bytes })
        .collect();
    let (next, lineage, log_size) = (sg.last_log_generated + 1, sg.lineage, estate.log_size_bytes);
    let open_log = files.open_log_path();
    let known = deciding.decided().open_logs.get(&open_log).copied();
    let appended = files.append_unsynced(next, lineage, log_size, &messages, now.timestamp_millis(), known);
    let decided = deciding.decided();
    let appended = match appended {
        Ok(appended) => appended,
        Err(e) => {
            decided.open_logs.remove(&open_log);
            return Err(crate::service::error::from_io(&e));
        }
    };
    decided.open_logs.insert(open_log.clone(), appended.open);
    if !appended.closed.is_empty() {
        let generation = appended.open.generation + 1;
        deciding.prepare_next_log(crate::service::copy_files::NextLog { files, generation, lineage });
    }
    let sg = &mut deciding.estate().storage_groups[index];
    if let Some(&newest) = appended.closed.last() {
        sg.last_log_generated = newest;
        sg.last_log_generated_at = Some(now);
    }
    sg.open_log_records = u64::from(appended.open.records);
    sg.mail.accepted += count;
    sg.mail.accepted_bytes += count * size;
    let ranges = blocks
        .iter()
        .map(|b| AcceptedRange {
            first_id: b.first_id,
            count: b.count,
            size,
            server: server.clone(),
            storage_group: storage_group.clone(),
            accepted_at: now,
            recipient: b.recipient.clone(),
        })
        .collect();
    Ok(Appended { ranges, open_log, closed: !appended.closed.is_empty() })
}

/// Delivers what the hub transport servers queued for databases that can take mail again, as
/// a queue's retry does: the ledger's ranges go into `journal`, the open logs written into
/// `sync`. Returns whether anything was delivered.
fn flush_queues(
    state: &AppState,
    deciding: &mut crate::service::writer::Deciding<'_>,
    journal: &mut Journal,
    sync: &mut Vec<crate::service::beneath::LabPath>,
    now: chrono::DateTime<Utc>,
) -> Result<bool, ServiceError> {
    let ready = operations::deliverable_batches(deciding.estate());
    if ready.is_empty() {
        return Ok(false);
    }
    let mut delivered = Vec::new();
    for (batch, sg) in ready {
        let q = deciding.estate().queued[batch].clone();
        let block = operations::Block { first_id: q.first_id, count: q.count, recipient: q.recipient };
        let appended = append_messages(state, deciding, sg, &[block], q.size_bytes, now)?;
        journal.accepted.extend(appended.ranges);
        if !sync.contains(&appended.open_log) {
            sync.push(appended.open_log);
        }
        delivered.push(batch);
    }
    let mut index = 0;
    deciding.estate().queued.retain(|_| {
        let keep = !delivered.contains(&index);
        index += 1;
        keep
    });
    Ok(true)
}

/// What a write must leave free on the lab's disk, beyond its own bytes.
const FREE_SPACE_MARGIN_BYTES: u64 = 64 * 1024 * 1024;

/// Refuses (507) a write of `bytes` the lab's disk cannot hold with the margin to spare.
fn check_free_space(lab: &std::path::Path, bytes: u64) -> Result<(), ServiceError> {
    let Ok(stat) = rustix::fs::statvfs(lab) else { return Ok(()) };
    let free = stat.f_bavail.saturating_mul(stat.f_frsize);
    if bytes.saturating_add(FREE_SPACE_MARGIN_BYTES) > free {
        let mut error = ServiceError::disk_full();
        error.0.message = format!(
            "ccrd's disk has {} MB free; this delivery needs {} MB more (with its copies) and a {} MB margin. \
             Nothing was accepted; nothing acknowledged before was lost.",
            free >> 20,
            bytes >> 20,
            FREE_SPACE_MARGIN_BYTES >> 20
        );
        return Err(error);
    }
    Ok(())
}

/// `POST /v1/lab/settle`: replication passes until one moves nothing, or the timeout.
pub async fn settle(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Result<Json<SettleRequest>, JsonRejection>,
) -> Reply<api::SettleResult> {
    let request = body(request)?;
    state.require_files("Wait-LabReplication")?;
    blocking(move || {
        require_administrator(&caller)?;
        let result = settle_now(&state, &request);
        let reason = match &result {
            Ok(r) if r.settled => Some(format!("settled in {} ms", r.elapsed_ms)),
            Ok(r) => Some(format!("not settled in {} ms; behind: {}", r.elapsed_ms, r.behind.join(", "))),
            Err(_) => None,
        };
        audit_lab_call(&state, &caller, "Wait-LabReplication", "replication", reason, &result);
        result
    })
    .await
}

fn settle_now(state: &AppState, request: &SettleRequest) -> Result<api::SettleResult, ServiceError> {
    {
        let started = Instant::now();
        let timeout = std::time::Duration::from_millis(request.timeout_ms.unwrap_or(30_000));
        loop {
            let progressed = replication_pass(state)?;
            let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            if !progressed || started.elapsed() >= timeout {
                let estate = state.read_estate();
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
    }
}

/// One replication pass. Its progress is published at once and written with the next commit
/// (the files are the truth for logs); a copy whose status changed is committed now. Returns
/// whether any file step was taken.
pub fn replication_pass(state: &AppState) -> Result<bool, ServiceError> {
    pass(state).map_err(|detail| internal(&detail))
}

/// The pass itself; a failure is described, not logged (the background loop reports a
/// repeating one once).
///
/// Deliveries go on while it works on the files: it decides what to do under the writer lock
/// (delivering mail the hubs queued, and taking a copy of the decided estate), ships, inspects,
/// replays and syncs under the files lock alone (on that copy, the same steps in the same order
/// as ever: each batch durable before its progress is recorded), then records the result under
/// the writer lock. If a change took the files lock in between, the copy is stale: the pass is
/// done again the old way, under both locks (it finds the work on disk and only records it).
pub fn pass(state: &AppState) -> Result<bool, String> {
    let text = |e: &dyn std::fmt::Display| e.to_string();
    // Most passes find nothing to do: look without the writer lock first.
    {
        let estate = state.estate.read().map_err(|e| text(&e))?;
        if !crate::engine::replication::has_work(&estate)
            && operations::deliverable_batches(&estate).is_empty()
            && !state.writer.next_logs_waiting()
        {
            return Ok(false);
        }
    }
    let _one_pass = state.writer.one_pass();
    // 1. Under the writer lock: queued mail, and what to work on.
    let mut deciding = state.decide_appending().map_err(|e| text(&e.0.message))?;
    let now = deciding.estate().lab_time(Utc::now());
    let mut journal = Journal::new(now);
    let mut sync = Vec::new();
    let flushed = flush_queues(state, &mut deciding, &mut journal, &mut sync, now).map_err(|e| e.0.message)?;
    let next_logs = deciding.take_next_logs();
    let (epoch, mut snapshot) = (deciding.files_epoch(), deciding.estate().clone());
    let files_root = replication::files_root(&state.lab, &snapshot);
    let flushed_ticket = if flushed {
        Some(deciding.submit(Cause::Replication, Some(journal), sync).map_err(|e| text(&e))?)
    } else {
        None
    };
    drop(deciding);
    if let Some(ticket) = flushed_ticket {
        state.writer.wait(ticket).map_err(|e| text(&e))?;
    }
    // 2. Under the files lock alone: the file steps.
    let has_work = crate::engine::replication::has_work(&snapshot);
    let progressed = if has_work || !next_logs.is_empty() {
        let _files = state.writer.files_lock();
        // A change that moved the files since the plan (a reseed, a move) makes it stale: then
        // nothing is done here, and step 3 does the pass under both locks (the next logs are
        // left: a rollover without one writes its header itself).
        if state.writer.files_epoch() == epoch {
            prepare_next_logs(&next_logs, now);
            has_work && replication::run_pass(&files_root, &mut snapshot, now).map_err(|e| text(&e))?
        } else {
            false
        }
    } else {
        false
    };
    // 3. Under the writer lock again: record.
    let mut deciding = state.decide_appending().map_err(|e| text(&e.0.message))?;
    let estate = deciding.estate();
    let mut statuses: Vec<_> = estate.copies.iter().map(|c| (c.status, c.inspect_failures)).collect();
    let adopted =
        deciding.files_epoch() == epoch && crate::engine::replication::adopt_pass(deciding.estate(), &snapshot);
    let (mut deciding, progressed) = if adopted {
        (deciding, progressed)
    } else {
        // A change touched the files meanwhile: again, under both locks.
        drop(deciding);
        let mut deciding = state.decide().map_err(|e| text(&e.0.message))?;
        let estate = deciding.estate();
        statuses = estate.copies.iter().map(|c| (c.status, c.inspect_failures)).collect();
        let again =
            replication::run_pass(&replication::files_root(&state.lab, estate), estate, now).map_err(|e| text(&e))?;
        (deciding, progressed || again)
    };
    let estate = deciding.estate();
    let status_changed = estate.copies.iter().map(|c| (c.status, c.inspect_failures)).ne(statuses);
    if progressed || status_changed {
        // A changed status is committed at once; progress alone is not.
        let journal = status_changed.then_some(Journal::new(now));
        let ticket = deciding.submit(Cause::Replication, journal, Vec::new()).map_err(|e| text(&e))?;
        drop(deciding);
        state.writer.wait(ticket).map_err(|e| text(&e))?;
    } else {
        // Nothing moved; what an earlier pass decided is published before this one answers (a
        // settle returns only once readers see every copy caught up).
        deciding.flush().map_err(|e| text(&e))?;
    }
    Ok(progressed || flushed)
}

/// Prepares the next open logs rollovers asked for, before the pass's shipping (the next
/// rollover may come soon). A failure only costs that rollover its speed: it writes the header
/// itself, and reports its own error if it cannot either.
fn prepare_next_logs(next_logs: &[crate::service::copy_files::NextLog], now: chrono::DateTime<Utc>) {
    for next in next_logs {
        if let Err(e) = next.files.prepare_next_log(next.generation, next.lineage, now.timestamp_millis()) {
            tracing::debug!(error = %e, log = %next.files.root().display(), "preparing the next open log failed");
        }
    }
}

/// `POST /v1/lab/reset`: a fresh estate from a topology — the seed, or the TOML text the
/// caller sent — in a new files directory; the old files go once the new estate is committed.
/// ccrd never opens a topology file a caller names.
pub async fn reset(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Result<Json<api::ResetRequest>, JsonRejection>,
) -> Reply<api::LabResult> {
    let request = body(request)?;
    state.require_files("Reset-Lab")?;
    if !request.dry_run {
        require_administrator(&caller)?;
    }
    blocking(move || {
        let result = reset_now(&state, &request);
        let name = result
            .as_ref()
            .map_or_else(|_| request.topology.clone().unwrap_or_else(|| "seed".into()), |r| r.topology.clone());
        let reason = request.dry_run.then(|| "dry run".to_string());
        audit_lab_call(&state, &caller, "Reset-Lab", &name, reason, &result);
        result
    })
    .await
}

fn reset_now(state: &AppState, request: &api::ResetRequest) -> Result<api::LabResult, ServiceError> {
    {
        // Built and checked before the writer lock: a bad topology stalls nobody.
        let mut estate = topology_of(request)?;
        let now = estate.lab_time(Utc::now());
        crate::engine::faults::boot_all(&mut estate, now);
        let mut deciding = state.decide()?;
        let current = deciding.estate().clone();
        operations::check_guard(&current, request.expected_version)?;
        if request.dry_run {
            return Ok(api::LabResult {
                topology: estate.topology,
                files: 0,
                bytes: 0,
                estate_version: current.version,
            });
        }
        estate.files_dir = lab::next_files_dir(&current.files_dir);
        estate.version = current.version + 1;
        let files = replication::files_root(&state.lab, &estate);
        replication::write_first_logs(&files, &mut estate, now).map_err(|e| internal(&e))?;
        deciding.with_store(|store| store.replace_all(&estate)).map_err(|e| internal(&e))?.map_err(|e| internal(&e))?;
        let stored = estate.clone();
        replication::refresh_from_disk(&state.lab, &mut estate).map_err(|e| internal(&e))?;
        let result =
            api::LabResult { topology: estate.topology.clone(), files: 0, bytes: 0, estate_version: estate.version };
        deciding.replace(stored, estate).map_err(|e| internal(&e))?;
        Ok(result)
    }
}

/// The estate a reset asks for: the seed, or the topology text in the request.
fn topology_of(request: &api::ResetRequest) -> Result<crate::engine::Estate, ServiceError> {
    let refused = |message: String| {
        ServiceError::invalid_request(
            message,
            "Give -Topology seed, or the path of a topology file on your machine: the shell sends its text.",
        )
    };
    let name = request.topology.as_deref().unwrap_or("seed");
    let Some(text) = &request.topology_text else {
        if !name.eq_ignore_ascii_case("seed") {
            return Err(refused(format!(
                "ccrd does not open files named by a caller ('{}'); send the topology's text in topologyText.",
                name.chars().take(80).collect::<String>()
            )));
        }
        return lab::build(&TopologySource::Seed).map_err(|e| refused(e.to_string()));
    };
    if text.len() > api::TOPOLOGY_LIMIT_BYTES {
        return Err(refused(format!("The topology is {} bytes; at most 1 MiB is accepted.", text.len())));
    }
    let name: String = name.chars().take(120).collect();
    crate::engine::topology::build(&name, text).map_err(|e| refused(e.to_string()))
}

/// `POST /v1/lab/export`: the estate database and every node file, as one snapshot in the
/// response body. ccrd writes no file a caller names: the shell writes the snapshot on its
/// own machine. A read: the view-only token may export (a rehearsal starts with one).
pub async fn export(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, ServiceError> {
    state.require_files("Export-Lab")?;
    let Json((bytes, topology, version)) = blocking(move || {
        let result = (|| {
            let mut deciding = state.decide()?;
            let estate = deciding.estate().clone();
            let staging = lab::Staging::new(&state.lab).map_err(|e| internal(&e))?;
            let database = staging.path().join(snapshot::DATABASE_ENTRY);
            deciding
                .with_store(|store| store.export_to(&database))
                .map_err(|e| internal(&e))?
                .map_err(|e| internal(&e))?;
            let files_root = replication::files_root(&state.lab, &estate);
            // A link among the files is refused, naming it (`snapshot::files_under`).
            let (bytes, files) =
                snapshot::export(&database, &files_root).map_err(|e| crate::service::error::from_io(&e))?;
            Ok((bytes, estate.topology.clone(), estate.version, files))
        })();
        let reason = result.as_ref().ok().map(|(bytes, _, _, files)| format!("{files} files, {} bytes", bytes.len()));
        let object =
            result.as_ref().map_or_else(|_| "estate".into(), |(_, _, version, _)| format!("estate version {version}"));
        audit_lab_call(&state, &caller, "Export-Lab", &object, reason, &result);
        result.map(|(bytes, topology, version, _)| (bytes, topology, version))
    })
    .await?;
    let headers = [
        (header::CONTENT_TYPE, "application/octet-stream".to_string()),
        (HeaderName::from_static(api::headers::ESTATE_VERSION), version.to_string()),
        (HeaderName::from_static(api::headers::TOPOLOGY), percent_encode(&topology)),
    ];
    Ok((headers, bytes).into_response())
}

/// `text` with every byte outside printable ASCII (and `%`) as `%XX`, fit for a header.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(
            |b| {
                if b.is_ascii_graphic() && b != b'%' || b == b' ' {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            },
        )
        .collect()
}

/// `POST /v1/lab/import`: the snapshot in the request body replaces the estate. The body is
/// streamed to a private staging directory (at most [`api::SNAPSHOT_LIMIT_BYTES`]), checked
/// whole and unpacked, and its database checked, all before the writer lock is taken; under
/// the lock the unpacked files become the lab's next files directory in the same transaction
/// that switches the estate's tables.
pub async fn import(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    query: Result<Query<api::ImportQuery>, QueryRejection>,
    upload: Body,
) -> Reply<api::LabResult> {
    let query = crate::service::routes::query_of(query)?;
    state.require_files("Import-Lab")?;
    if !query.dry_run {
        require_administrator(&caller)?;
    }
    let staging = lab::Staging::new(&state.lab).map_err(|e| internal(&e))?;
    let upload_path = staging.path().join("upload");
    let received = receive(upload, &upload_path).await;
    if received.is_err() {
        audit_lab_call(&state, &caller, "Import-Lab", "snapshot", None, &received);
    }
    received?;
    blocking(move || {
        let result = import_now(&state, &query, &staging, &upload_path);
        let object = match &result {
            Ok(r) => format!("snapshot of {} files, {} bytes", r.files, r.bytes),
            Err(_) => "snapshot".into(),
        };
        let reason = query.dry_run.then(|| "dry run".to_string());
        audit_lab_call(&state, &caller, "Import-Lab", &object, reason, &result);
        drop(staging);
        result
    })
    .await
}

fn import_now(
    state: &AppState,
    query: &api::ImportQuery,
    staging: &lab::Staging,
    upload_path: &std::path::Path,
) -> Result<api::LabResult, ServiceError> {
    {
        let not_a_snapshot = |e: &dyn std::fmt::Display| {
            ServiceError::invalid_request(
                format!("The snapshot cannot be imported: {e}."),
                "Give Import-Lab a file written by Export-Lab of this version.",
            )
        };
        let unpacked = snapshot::unpack(upload_path, staging.path()).map_err(|e| match e {
            SnapshotError::Io(e) => crate::service::error::from_io(&e),
            invalid => not_a_snapshot(&invalid),
        })?;
        let _ = std::fs::remove_file(upload_path);
        // The database is checked here, before the writer lock: its schema exactly, SQLite's
        // limits lowered, a time budget, and every name and number of the estate it holds.
        let imported =
            store::read_snapshot(&unpacked.database, store::SNAPSHOT_CHECK_BUDGET).map_err(|e| not_a_snapshot(&e))?;
        validate::estate(&imported).map_err(|e| not_a_snapshot(&e))?;
        let mut deciding = state.decide()?;
        let current = deciding.estate().clone();
        operations::check_guard(&current, query.expected_version)?;
        if query.dry_run {
            return Ok(api::LabResult {
                topology: current.topology,
                files: unpacked.files,
                bytes: unpacked.bytes,
                estate_version: current.version,
            });
        }
        let files_dir = lab::next_files_dir(&current.files_dir);
        let target = state.lab.join(&files_dir);
        let _ = std::fs::remove_dir_all(&target);
        std::fs::rename(&unpacked.files_dir, &target).map_err(|e| internal(&e))?;
        let imported = deciding
            .with_store(|store| {
                let mut estate = store.import_from(&unpacked.database, &files_dir)?;
                // A guard taken before the import no longer holds: the version moves past both.
                estate.version = estate.version.max(current.version) + 1;
                let meta = EstateDiff { meta: Some(EstateMeta::of(&estate)), lists: Vec::new() };
                store.commit(&meta, &[])?;
                Ok::<_, StoreError>(estate)
            })
            .map_err(|e| internal(&e))?;
        let mut estate = match imported {
            Ok(estate) => estate,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&target);
                return Err(not_a_snapshot(&e));
            }
        };
        let stored = estate.clone();
        replication::refresh_from_disk(&state.lab, &mut estate).map_err(|e| internal(&e))?;
        let result = api::LabResult {
            topology: estate.topology.clone(),
            files: unpacked.files,
            bytes: unpacked.bytes,
            estate_version: estate.version,
        };
        deciding.replace(stored, estate).map_err(|e| internal(&e))?;
        Ok(result)
    }
}

/// Streams a request body into a new file, refusing past [`api::SNAPSHOT_LIMIT_BYTES`].
async fn receive(upload: Body, path: &std::path::Path) -> Result<(), ServiceError> {
    use http_body_util::BodyExt;
    use tokio::io::AsyncWriteExt;
    let limit = api::SNAPSHOT_LIMIT_BYTES as u64;
    let too_large = || {
        ServiceError(api::ErrorBody {
            code: api::ErrorCode::PayloadTooLarge,
            message: format!("The snapshot is larger than the {} MiB Import-Lab accepts.", limit >> 20),
            hint: Some("docs/api.md gives the limit; export a smaller estate.".into()),
            target: None,
            report: None,
            candidates: Vec::new(),
        })
    };
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_NOFOLLOW)
        .mode(0o600)
        .open(path)
        .await
        .map_err(|e| internal(&e))?;
    let mut body = upload;
    let mut received: u64 = 0;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            ServiceError::invalid_request(format!("The upload was cut short: {e}."), "Send the snapshot again.")
        })?;
        if let Ok(data) = frame.into_data() {
            received = received.saturating_add(data.len() as u64);
            if received > limit {
                return Err(too_large());
            }
            file.write_all(&data).await.map_err(|e| crate::service::error::from_io(&e))?;
        }
    }
    file.sync_all().await.map_err(|e| crate::service::error::from_io(&e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ErrorCode;

    #[test]
    fn a_delivery_the_disk_cannot_hold_is_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().expect("temp dir");
        let stat = rustix::fs::statvfs(dir.path()).expect("statvfs");
        let free = stat.f_bavail.saturating_mul(stat.f_frsize);

        let error = check_free_space(dir.path(), free).expect_err("more than the disk holds with the margin");
        assert_eq!(error.0.code, ErrorCode::InsufficientStorage);
        assert_eq!(error.0.code.http_status(), 507);
        assert!(error.0.message.contains("Nothing was accepted"), "{}", error.0.message);
        assert!(!error.0.message.contains(&dir.path().display().to_string()), "no server path in the message");
        assert!(check_free_space(dir.path(), u64::MAX).is_err(), "a huge request saturates, never wraps");

        if free > 2 * FREE_SPACE_MARGIN_BYTES {
            assert!(check_free_space(dir.path(), 1).is_ok(), "a small delivery with room to spare is accepted");
        }
    }
}
