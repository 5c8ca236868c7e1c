//! The audit trail: who did what to the lab, kept in its own SQLite file (`audit.db` in the lab
//! directory) outside the estate, so `Reset-Lab` and `Import-Lab` — which replace the estate and
//! its journal whole — never erase it. `Search-AdminAuditLog` reads it (`GET /v1/history`).
//!
//! What is recorded: every change with its caller's name (the person's token, or
//! `Administrator`/`Viewer` for the lab's own tokens), outcome and report, dry runs and refusals
//! included; Send-LabMail batches; Export, Import, Settle and Reset; and every refused attempt —
//! an unknown token (`Denied`), a role that may not change (`Denied`), a malformed request
//! (`Invalid`) — with what failed. Unauthenticated records are capped (the newest
//! [`UNAUTHENTICATED_KEPT`]) so nobody without a token can fill the disk.
//!
//! The interface is a few calls on [`Audit`]: [`Audit::record`] (waits until written),
//! [`Audit::record_soon`] (queues it for the trail's writer thread: a change or a delivery is
//! answered without waiting for the trail's transaction), [`Audit::flush`] and
//! [`Audit::search`] (which first waits for everything queued). Anything that wants a record of
//! an action or a refusal builds an `api::OperationRecord` (its `index` is assigned here) and
//! records it; a failure to record is returned (or, for a queued record, logged by the writer),
//! and the caller decides (a change already committed is still answered; the failure goes to
//! ccrd's log).
//!
//! Must not: hold estate state, or be written inside the estate's transaction (it is a separate
//! file: a crash between a change's commit and its audit record can lose that record — or the
//! last few queued with [`Audit::record_soon`]; it never loses the change).

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use rusqlite::{Connection, OptionalExtension, params};

use crate::api::{HistoryQuery, OperationRecord};

/// The file, in the lab directory.
pub const AUDIT_FILE: &str = "audit.db";
/// How many records of callers without a valid token are kept (the newest; pruned every 256
/// records, so up to 255 more for a while).
pub const UNAUTHENTICATED_KEPT: i64 = 10_000;
/// The caller name of a request that carried no valid token.
pub const UNKNOWN_CALLER: &str = "(no valid token)";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit (
    idx INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    caller TEXT NOT NULL COLLATE NOCASE,
    cmdlet TEXT NOT NULL COLLATE NOCASE,
    object TEXT NOT NULL COLLATE NOCASE,
    reason TEXT,
    dry_run INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    error TEXT,
    report TEXT NOT NULL,
    timings TEXT NOT NULL,
    domain_controller TEXT);
CREATE INDEX IF NOT EXISTS audit_by_caller ON audit(caller);
";

/// The writer's queue (see [`Audit::record`]).
#[derive(Default)]
struct Queue {
    waiting: Vec<Pending>,
    /// The writer thread holds a batch.
    writing: bool,
    /// The writer thread waits for records (and must be woken for the next).
    sleeping: bool,
    next_ticket: u64,
    /// Every record with a lower ticket is written (or failed).
    done_through: u64,
    /// Each answered record's index, or the failed transaction's SQLite code and message.
    finished: HashMap<u64, Result<u64, (std::ffi::c_int, String)>>,
    /// Set when the trail is dropped: the writer writes what is queued and stops.
    closed: bool,
    /// The writer thread, started with the first record.
    writer: Option<std::thread::JoinHandle<()>>,
}

/// A record waiting for the writer.
struct Pending {
    ticket: u64,
    record: OperationRecord,
    /// Someone waits for its index ([`Audit::record`]); otherwise a failure is logged.
    answer: bool,
}

/// How many records may wait for the writer before [`Audit::record_soon`] waits too.
const QUEUED_MAX: usize = 4096;

/// Why the audit trail could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("the audit trail: {0}")]
pub struct AuditError(#[from] rusqlite::Error);

/// What the trail's users and its writer thread share.
struct Inner {
    connection: Mutex<Connection>,
    /// Records waiting for the next transaction, and the outcome of those written.
    queue: Mutex<Queue>,
    /// The writer waits here for records.
    queued: Condvar,
    /// Whoever waits for a record to be written waits here.
    written: Condvar,
    /// How many unauthenticated records to keep (about: pruned every 256 records).
    unauthenticated_kept: AtomicI64,
}

/// The open audit trail. Shared by every request; one connection, written by one thread of
/// its own (started with the first record), read briefly by searches.
pub struct Audit {
    inner: Arc<Inner>,
}
impl Audit {
    /// Opens (or creates, mode 0600) `DIR/audit.db`.
    pub fn open(lab: &Path) -> Result<Audit, AuditError> {
        let path = lab.join(AUDIT_FILE);
        if !path.exists() {
            // Created by hand first so its mode is private from the start.
            use std::os::unix::fs::OpenOptionsExt;
            let _ = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .custom_flags(libc::O_NOFOLLOW)
                .mode(0o600)
                .open(&path);
        }
        let connection = Connection::open_with_flags(
            &path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // WAL with synchronous NORMAL: a record survives a crash of ccrd; an OS crash or power
        // loss may take the last few (the estate itself keeps FULL durability). The log and its
        // index stay between opens, emptied, so an open creates no file (as the estate's store:
        // `store::sqlite::keep_wal_files` says why).
        let mut persist = 1;
        connection.file_control(Some(rusqlite::MAIN_DB), rusqlite::FileControl::PersistWal(&mut persist))?;
        connection.execute_batch(
            "PRAGMA journal_size_limit = 67108864; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
        )?;
        connection.execute_batch(SCHEMA)?;
        // An audit trail written before `-DomainController` was recorded gains the column.
        let has_domain_controller: bool = connection
            .prepare("SELECT 1 FROM pragma_table_info('audit') WHERE name = 'domain_controller'")?
            .exists([])?;
        if !has_domain_controller {
            connection.execute_batch("ALTER TABLE audit ADD COLUMN domain_controller TEXT")?;
        }
        Ok(Audit {
            inner: Arc::new(Inner {
                connection: Mutex::new(connection),
                queue: Mutex::new(Queue::default()),
                queued: Condvar::new(),
                written: Condvar::new(),
                unauthenticated_kept: AtomicI64::new(UNAUTHENTICATED_KEPT),
            }),
        })
    }

    /// Appends `record` (its `index` is ignored) and waits until it is written; returns the
    /// index it got. Records that arrive while another batch is being written share the next
    /// transaction (group commit).
    pub fn record(&self, record: &OperationRecord) -> Result<u64, AuditError> {
        let mut queue = self.enqueue(record, true);
        let ticket = queue.next_ticket - 1;
        loop {
            if let Some(result) = queue.finished.remove(&ticket) {
                return result.map_err(|(code, message)| {
                    AuditError(rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), Some(message)))
                });
            }
            queue = self.inner.written.wait(queue).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Appends `record` without waiting for it to be written: the writer thread writes it with
    /// the next batch, and logs a failure. For the records of requests about to be answered
    /// (a change, a delivery): the answer does not wait for the audit trail's transaction, and
    /// a crash of ccrd can lose the last records so queued — as it could lose the record of a
    /// change committed just before it (see the module header). Searches and
    /// [`Audit::flush`] wait for everything queued before them, so whoever was answered finds
    /// the record. More than [`QUEUED_MAX`] records waiting: this waits as [`Audit::record`].
    pub fn record_soon(&self, record: &OperationRecord) {
        let queue = self.enqueue(record, false);
        if queue.waiting.len() > QUEUED_MAX {
            let ticket = queue.next_ticket;
            self.wait_through(queue, ticket);
        }
    }

    /// Waits until every record queued so far is written (or failed).
    pub fn flush(&self) {
        let queue = self.inner.queue.lock().unwrap_or_else(PoisonError::into_inner);
        let ticket = queue.next_ticket;
        self.wait_through(queue, ticket);
    }

    fn wait_through(&self, mut queue: MutexGuard<'_, Queue>, ticket: u64) {
        while queue.done_through < ticket {
            queue = self.inner.written.wait(queue).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Queues `record` for the writer (started here the first time); returns the queue, locked.
    fn enqueue(&self, record: &OperationRecord, answer: bool) -> MutexGuard<'_, Queue> {
        let mut queue = self.inner.queue.lock().unwrap_or_else(PoisonError::into_inner);
        let ticket = queue.next_ticket;
        queue.next_ticket += 1;
        queue.waiting.push(Pending { ticket, record: record.clone(), answer });
        if queue.writer.is_none() {
            let inner = Arc::clone(&self.inner);
            let spawned = std::thread::Builder::new().name("ccrd-audit".into()).spawn(move || inner.write_all());
            match spawned {
                Ok(handle) => queue.writer = Some(handle),
                Err(e) => {
                    // No thread: this caller writes the batch itself.
                    tracing::warn!(error = %e, "no thread for the audit trail's writer; writing in the request");
                    drop(queue);
                    self.inner.write_one_batch();
                    return self.inner.queue.lock().unwrap_or_else(PoisonError::into_inner);
                }
            }
        } else if queue.sleeping {
            queue.sleeping = false;
            self.inner.queued.notify_one();
        }
        queue
    }

    /// Records, newest first, filtered by cmdlet, object and caller (each exact,
    /// case-insensitive).
    pub fn search(&self, q: &HistoryQuery) -> Result<Vec<OperationRecord>, AuditError> {
        self.flush();
        let connection = self.inner.connection.lock().unwrap_or_else(PoisonError::into_inner);
        let mut stmt = connection.prepare_cached(
            "SELECT idx, time, caller, cmdlet, object, reason, dry_run, outcome, error, report, timings, \
             domain_controller FROM audit \
             WHERE (?1 IS NULL OR cmdlet = ?1) AND (?2 IS NULL OR object = ?2) AND (?3 IS NULL OR caller = ?3) \
             ORDER BY idx DESC LIMIT ?4",
        )?;
        let limit = q.newest.map_or(-1, i64::from);
        let rows = stmt.query_map(params![q.cmdlet, q.object, q.caller, limit], |r| {
            let time: String = r.get(1)?;
            let report: String = r.get(9)?;
            let timings: String = r.get(10)?;
            Ok(OperationRecord {
                index: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                run_date: chrono::DateTime::parse_from_rfc3339(&time).map(|t| t.to_utc()).unwrap_or_default(),
                caller: r.get(2)?,
                cmdlet_name: r.get(3)?,
                object_modified: r.get(4)?,
                reason: r.get(5)?,
                domain_controller: r.get(11)?,
                dry_run: r.get(6)?,
                outcome: r.get(7)?,
                error: r.get(8)?,
                report: serde_json::from_str(&report).unwrap_or_default(),
                timings: serde_json::from_str(&timings).unwrap_or_default(),
            })
        })?;
        rows.map(|r| r.map_err(AuditError::from)).collect()
    }

    /// The newest record's index (0 when there is none).
    pub fn last_index(&self) -> Result<u64, AuditError> {
        self.flush();
        let connection = self.inner.connection.lock().unwrap_or_else(PoisonError::into_inner);
        let last: Option<i64> =
            connection.query_row("SELECT max(idx) FROM audit", [], |r| r.get(0)).optional()?.flatten();
        Ok(last.and_then(|n| u64::try_from(n).ok()).unwrap_or(0))
    }
}

impl Inner {
    /// The writer thread: writes what is queued, batch after batch, until the trail is dropped.
    fn write_all(&self) {
        loop {
            let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
            while queue.waiting.is_empty() && !queue.closed {
                queue.sleeping = true;
                queue = self.queued.wait(queue).unwrap_or_else(PoisonError::into_inner);
            }
            queue.sleeping = false;
            if queue.waiting.is_empty() {
                return;
            }
            drop(queue);
            self.write_one_batch();
        }
    }

    /// Takes what is queued, writes it in one transaction, and tells whoever waits.
    fn write_one_batch(&self) {
        let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        let batch = std::mem::take(&mut queue.waiting);
        let Some(last) = batch.last().map(|p| p.ticket) else { return };
        queue.writing = true;
        drop(queue);
        let written = self.write(&batch);
        let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        queue.writing = false;
        match written {
            Ok(indexes) => {
                for (pending, index) in batch.iter().zip(indexes) {
                    if pending.answer {
                        queue.finished.insert(pending.ticket, Ok(index));
                    }
                }
            }
            Err(e) => {
                let code = match &e {
                    rusqlite::Error::SqliteFailure(f, _) => f.extended_code,
                    _ => rusqlite::ffi::SQLITE_ERROR,
                };
                for pending in &batch {
                    if pending.answer {
                        queue.finished.insert(pending.ticket, Err((code, e.to_string())));
                    } else {
                        let record = &pending.record;
                        tracing::error!(cmdlet = %record.cmdlet_name, caller = %record.caller, error = %e,
                            "could not write the audit record");
                    }
                }
            }
        }
        queue.done_through = queue.done_through.max(last + 1);
        drop(queue);
        self.written.notify_all();
    }

    /// Writes `batch` in one transaction; the index each record got.
    fn write(&self, batch: &[Pending]) -> Result<Vec<u64>, rusqlite::Error> {
        let mut connection = self.connection.lock().unwrap_or_else(PoisonError::into_inner);
        let tx = connection.transaction()?;
        let mut indexes = Vec::with_capacity(batch.len());
        let kept = self.unauthenticated_kept.load(Ordering::Relaxed);
        for pending in batch {
            indexes.push(insert(&tx, &pending.record, kept)?);
        }
        tx.commit()?;
        Ok(indexes)
    }
}

impl Drop for Audit {
    /// Writes what is still queued, then stops the writer.
    fn drop(&mut self) {
        let mut queue = self.inner.queue.lock().unwrap_or_else(PoisonError::into_inner);
        queue.closed = true;
        let writer = queue.writer.take();
        drop(queue);
        self.inner.queued.notify_one();
        if let Some(writer) = writer {
            let _ = writer.join();
        }
    }
}

/// Inserts one record, pruning the oldest unauthenticated ones every 256 of them.
fn insert(connection: &Connection, record: &OperationRecord, unauthenticated_kept: i64) -> rusqlite::Result<u64> {
    connection
        .prepare_cached(
            "INSERT INTO audit (time, caller, cmdlet, object, reason, dry_run, outcome, error, report, timings, \
         domain_controller) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?
        .execute(params![
            record.run_date.to_rfc3339(),
            record.caller,
            record.cmdlet_name,
            record.object_modified,
            record.reason,
            record.dry_run,
            record.outcome,
            record.error,
            serde_json::to_string(&record.report).unwrap_or_default(),
            serde_json::to_string(&record.timings).unwrap_or_default(),
            record.domain_controller
        ])?;
    let index = u64::try_from(connection.last_insert_rowid()).unwrap_or(0);
    if record.caller == UNKNOWN_CALLER && index % 256 == 0 {
        connection.execute(
            "DELETE FROM audit WHERE caller = ?1 AND idx < \
             (SELECT idx FROM audit WHERE caller = ?1 ORDER BY idx DESC LIMIT 1 OFFSET ?2)",
            params![UNKNOWN_CALLER, unauthenticated_kept - 1],
        )?;
    }
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::PreconditionReport;

    fn entry(caller: &str, cmdlet: &str) -> OperationRecord {
        OperationRecord {
            index: 0,
            run_date: chrono::Utc::now(),
            caller: caller.into(),
            cmdlet_name: cmdlet.into(),
            object_modified: "CCREX01".into(),
            reason: None,
            domain_controller: None,
            dry_run: false,
            outcome: "Succeeded".into(),
            error: None,
            report: PreconditionReport::default(),
            timings: Vec::new(),
        }
    }

    #[test]
    fn records_read_back_newest_first_and_filter_by_caller() {
        let dir = tempfile::tempdir().expect("temp dir");
        let audit = Audit::open(dir.path()).expect("opened");
        audit.record(&entry("alice", "Move-ClusteredMailboxServer")).expect("recorded");
        audit.record(&entry("bob", "Stop-ClusteredMailboxServer")).expect("recorded");
        let all = audit.search(&HistoryQuery::default()).expect("searched");
        assert_eq!(all.iter().map(|r| r.caller.as_str()).collect::<Vec<_>>(), ["bob", "alice"]);
        let alice = audit.search(&HistoryQuery { caller: Some("ALICE".into()), ..Default::default() }).expect("alice");
        assert_eq!(alice.len(), 1);
        assert_eq!(audit.last_index().expect("last"), 2);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(AUDIT_FILE)).expect("file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    /// Records written at the same time share transactions and each gets its own index.
    #[test]
    fn concurrent_records_each_get_their_own_index() {
        let dir = tempfile::tempdir().expect("temp dir");
        let audit = Audit::open(dir.path()).expect("opened");
        audit.inner.connection.lock().expect("lock").execute_batch("PRAGMA synchronous = OFF").expect("fast");
        let mut indexes: Vec<u64> = std::thread::scope(|scope| {
            let writers: Vec<_> = (0..8)
                .map(|t| {
                    let audit = &audit;
                    scope.spawn(move || {
                        (0..50)
                            .map(|_| audit.record(&entry(&format!("user{t}"), "Send-LabMail")).expect("recorded"))
                            .collect::<Vec<u64>>()
                    })
                })
                .collect();
            writers.into_iter().flat_map(|w| w.join().expect("joined")).collect()
        });
        indexes.sort_unstable();
        assert_eq!(indexes, (1..=400).collect::<Vec<u64>>());
        let user3 = audit.search(&HistoryQuery { caller: Some("user3".into()), ..Default::default() });
        assert_eq!(user3.expect("searched").len(), 50);
    }

    #[test]
    fn records_without_a_token_are_capped() {
        let dir = tempfile::tempdir().expect("temp dir");
        let audit = Audit::open(dir.path()).expect("opened");
        audit.inner.unauthenticated_kept.store(10, Ordering::Relaxed);
        audit.inner.connection.lock().expect("lock").execute_batch("PRAGMA synchronous = OFF").expect("fast");
        audit.record(&entry("alice", "Move-ClusteredMailboxServer")).expect("recorded");
        for _ in 0..600 {
            audit.record(&entry(UNKNOWN_CALLER, "GET /v1/info")).expect("recorded");
        }
        let unknown = audit.search(&HistoryQuery { caller: Some(UNKNOWN_CALLER.into()), ..Default::default() });
        let kept = unknown.expect("searched").len();
        assert!((10..10 + 256).contains(&kept), "{kept}");
        let alice = audit.search(&HistoryQuery { caller: Some("alice".into()), ..Default::default() });
        assert_eq!(alice.expect("searched").len(), 1, "an authenticated record is never pruned");
    }

    /// As the estate's store: closing keeps the trail's log (emptied) and its index, so an
    /// open creates no file, and the records read back.
    #[test]
    fn an_open_creates_no_file_the_log_and_its_index_are_kept_emptied() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let audit = Audit::open(dir.path()).expect("opened");
        audit.record(&entry("alice", "Suspend-StorageGroupCopy")).expect("recorded");
        drop(audit);
        let files = [dir.path().join("audit.db-wal"), dir.path().join("audit.db-shm")];
        let inodes = || files.iter().map(|f| std::fs::metadata(f).expect("kept").ino()).collect::<Vec<_>>();
        let before = inodes();
        assert_eq!(std::fs::metadata(&files[0]).expect("log").len(), 0, "emptied");
        for _ in 0..2 {
            let audit = Audit::open(dir.path()).expect("reopened");
            assert_eq!(audit.search(&HistoryQuery::default()).expect("searched").len(), 1);
            drop(audit);
            assert_eq!(inodes(), before, "no file created or removed");
        }
    }

    #[test]
    fn a_lab_from_before_the_audit_trail_keeps_its_history() {
        // `tests/fixtures/estate-v2.db` was written by a ccrd of schema 2, with the history in the
        // estate: two crashes and a start of a node.
        let dir = tempfile::tempdir().expect("temp dir");
        let lab = dir.path().join("lab");
        drop(crate::service::lab::open(&lab, &crate::service::lab::TopologySource::Seed).expect("created"));
        std::fs::remove_file(lab.join(AUDIT_FILE)).expect("no audit trail yet");
        for stale in ["estate.db-wal", "estate.db-shm"] {
            let _ = std::fs::remove_file(lab.join(stale));
        }
        std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/estate-v2.db"), lab.join("estate.db"))
            .expect("an estate of schema 2");
        let reopened = crate::service::lab::open(&lab, &crate::service::lab::TopologySource::Seed).expect("opens");
        let history = reopened.audit.search(&HistoryQuery::default()).expect("searched");
        assert_eq!(history.len(), 3);
        assert_eq!((history[0].cmdlet_name.as_str(), history[0].reason.as_deref()), ("Stop-LabNode", Some("crash")));
        drop(reopened);
        let db = Connection::open(lab.join("estate.db")).expect("estate");
        let tables: i64 = db
            .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'operation'", [], |r| r.get(0))
            .expect("counted");
        assert_eq!(tables, 0, "the history left the estate");
    }
}
