//! The embedded store: one SQLite file (WAL, `synchronous = FULL`) per lab, its log
//! checkpointed in the background (`checkpoint`) so that no commit waits for a checkpoint.
//!
//! Owns: the schema (version 6): one row per estate object (`object`: kind, position, JSON), the
//! events (`event`), the mail ledger as ranges of message ids (`ledger`) with the mailbox a
//! range was addressed to (`ledger_recipient`, added by version 5 to version 4), the fate of
//! each message a lossy mount touched (`message_fate`) and the answer of each change made under
//! a request id (`request`, added by version 6); writing a diff and a batch of journals in one
//! transaction; reading them back. (Versions 2 and 3 kept one table per kind of object and one
//! ledger row per message: `legacy` migrates them.)
//!
//! Must not: decide anything about the estate or know about HTTP.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, MAIN_DB, OpenFlags, OptionalExtension, Transaction, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::checkpoint::Checkpointer;
use super::compact;
use super::{AcceptedRange, Answered, EstateStore, Journal, JournalRead, MessageFate, StoreError};
use crate::api::{EventEntry, EventQuery, OperationRecord};
use crate::engine::Estate;
use crate::engine::diff::{self, EstateDiff, EstateMeta, Kind, Object};

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 6;

/// The recipient (a mailbox's alias) of a ledger range whose messages were addressed to one,
/// keyed by the range's first id (added by schema 5).
macro_rules! ledger_recipient_table {
    () => {
        "CREATE TABLE ledger_recipient (
    first_id INTEGER PRIMARY KEY,
    recipient TEXT NOT NULL COLLATE NOCASE);
"
    };
}

/// Creates what schema 5 added to schema 4.
pub(super) const SCHEMA_5_ADDITIONS: &str = ledger_recipient_table!();

/// The answer of each change committed under a request id (added by schema 6): a retry of the
/// request is answered from it.
macro_rules! request_table {
    () => {
        "CREATE TABLE request (
    id TEXT PRIMARY KEY,
    answer TEXT NOT NULL) WITHOUT ROWID;
"
    };
}

/// Creates what schema 6 added to schema 5.
pub(super) const SCHEMA_6_ADDITIONS: &str = request_table!();

/// The schema version 4 wrote; version 5 is this and [`SCHEMA_5_ADDITIONS`].
macro_rules! schema_4 {
    () => {
        "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE object (
    kind TEXT NOT NULL,
    position INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, position)) WITHOUT ROWID;
CREATE TABLE event (
    idx INTEGER PRIMARY KEY,
    node TEXT NOT NULL COLLATE NOCASE,
    time TEXT NOT NULL,
    instance_id INTEGER NOT NULL,
    source TEXT NOT NULL COLLATE NOCASE,
    entry_type TEXT NOT NULL,
    message TEXT NOT NULL);
CREATE TABLE ledger (
    first_id INTEGER PRIMARY KEY,
    server TEXT NOT NULL COLLATE NOCASE,
    storage_group TEXT NOT NULL COLLATE NOCASE,
    count INTEGER NOT NULL,
    size INTEGER NOT NULL,
    accepted_at TEXT NOT NULL);
CREATE INDEX ledger_by_storage_group ON ledger(server, storage_group, first_id);
CREATE TABLE message_fate (
    id INTEGER PRIMARY KEY,
    server TEXT NOT NULL COLLATE NOCASE,
    storage_group TEXT NOT NULL COLLATE NOCASE,
    fate TEXT NOT NULL,
    lost_at TEXT,
    resent_at TEXT);
CREATE INDEX message_fate_by_storage_group ON message_fate(server, storage_group, id);
"
    };
}

/// The schema this build writes.
const SCHEMA: &str = concat!(schema_4!(), ledger_recipient_table!(), request_table!());

/// The tables a snapshot carries besides `meta`, and that an import replaces. (`request`, the
/// answers kept for retries, is emptied by a reset and an import, never carried over.)
const TABLES: [&str; 5] = ["object", "event", "ledger", "message_fate", "ledger_recipient"];

/// Where the snapshot is kept (see [`SNAPSHOT_SCHEMA`]): its one row is row 0.
const SNAPSHOT_TABLE: &std::ffi::CStr = c"snapshot";
const SNAPSHOT_COLUMN: &std::ffi::CStr = c"body";

/// The object row that holds the estate's settings and counters.
const ESTATE_ROW: &str = "estate";

/// The compact snapshot of the whole estate (`compact`), read at open instead of every object
/// row. Optional (a lab without one reads its rows; so does an earlier build, which ignores
/// it), and never stale: the triggers drop it in the same transaction as any write to
/// `object`, by any build, so a snapshot present equals the rows.
const SNAPSHOT_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS snapshot (id INTEGER PRIMARY KEY CHECK (id = 0), body BLOB NOT NULL);
CREATE TRIGGER IF NOT EXISTS snapshot_stale_on_insert AFTER INSERT ON object BEGIN DELETE FROM snapshot; END;
CREATE TRIGGER IF NOT EXISTS snapshot_stale_on_update AFTER UPDATE ON object BEGIN DELETE FROM snapshot; END;
CREATE TRIGGER IF NOT EXISTS snapshot_stale_on_delete AFTER DELETE ON object BEGIN DELETE FROM snapshot; END;
";

/// Removes what [`SNAPSHOT_SCHEMA`] creates (from an export: Export-Lab's file holds the
/// estate's tables only).
const SNAPSHOT_DROP: &str = "
DROP TRIGGER IF EXISTS snapshot_stale_on_insert;
DROP TRIGGER IF EXISTS snapshot_stale_on_update;
DROP TRIGGER IF EXISTS snapshot_stale_on_delete;
DROP TABLE IF EXISTS snapshot;
";

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        match &e {
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DiskFull => {
                StoreError::DiskFull(e.to_string())
            }
            _ => StoreError::Backend(e.to_string()),
        }
    }
}

/// An open estate database.
pub struct SqliteStore {
    /// Dropped first: the store's own connection is then the last one, and removes the log.
    _checkpointer: Checkpointer,
    connection: Connection,
    path: PathBuf,
}

impl SqliteStore {
    /// Creates the database at `path` holding `estate`. The file must not exist yet.
    pub fn create(path: &Path, estate: &Estate) -> Result<SqliteStore, StoreError> {
        let mut connection = Connection::open(path)?;
        // Before its log and index exist: SQLite gives them the database's own mode.
        keep_private(path)?;
        configure(&connection)?;
        let tx = connection.transaction()?;
        tx.execute_batch(SCHEMA)?;
        tx.execute("INSERT INTO meta VALUES ('schema_version', ?1)", [SCHEMA_VERSION.to_string()])?;
        write_diff(&tx, &EstateDiff::whole(estate))?;
        tx.commit()?;
        let checkpointer = Checkpointer::install(&mut connection, path)?;
        Ok(SqliteStore { _checkpointer: checkpointer, connection, path: path.to_path_buf() })
    }

    /// Opens an existing database, migrating one written by an earlier version.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        // One thread at a time uses a connection (the writer's lock): SQLite's own per-call
        // mutex (its default "serialized" mode) is not needed.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        keep_private(path)?;
        let mut connection = Connection::open_with_flags(path, flags)?;
        configure(&connection)?;
        match schema_version(&connection)? {
            SCHEMA_VERSION => {}
            2 | 3 => super::legacy::migrate(&mut connection)?,
            found @ (4 | 5) => {
                let tx = connection.transaction()?;
                tx.execute_batch(additions_since(found))?;
                tx.execute("UPDATE meta SET value = ?1 WHERE key = 'schema_version'", [SCHEMA_VERSION.to_string()])?;
                tx.commit()?;
            }
            found => return Err(StoreError::WrongVersion { found }),
        }
        let checkpointer = Checkpointer::install(&mut connection, path)?;
        Ok(SqliteStore { _checkpointer: checkpointer, connection, path: path.to_path_buf() })
    }

    /// The operation history a schema 2 lab kept in its estate (`None` once it has moved to the
    /// audit trail), oldest first.
    pub fn legacy_history(&self) -> Result<Option<Vec<OperationRecord>>, StoreError> {
        super::legacy::history(&self.connection)
    }

    /// Drops the history of a schema 2 lab once it has moved to the audit trail.
    pub fn drop_legacy_history(&mut self) -> Result<(), StoreError> {
        self.connection.execute_batch("DROP TABLE IF EXISTS operation;")?;
        Ok(())
    }
}

impl EstateStore for SqliteStore {
    fn load(&mut self) -> Result<Estate, StoreError> {
        // A snapshot that does not decode (from a later build, say) is passed over: the rows are
        // the truth. Only its head is read here: its databases and replication state are read
        // and decoded in the background; should that part not be read or not decode, those
        // lists are read from the rows (which no write can have changed before they were read:
        // a write to a list waits for it).
        if let Some(snapshot) = read_snapshot_head(&self.connection) {
            let path = self.path.clone();
            let fallback: compact::Fallback = Box::new(move |kind| read_kind(&path, kind));
            let rest = snapshot.read_rest(&self.path);
            if let Ok(estate) = compact::decode_deferring(snapshot.bytes, rest, fallback)
                && is_files_dir(&estate.files_dir)
            {
                return Ok(estate);
            }
        }
        load_estate(&self.connection)
    }

    fn commit(&mut self, diff: &EstateDiff, journals: &[&Journal]) -> Result<Vec<Vec<EventEntry>>, StoreError> {
        let tx = self.connection.transaction()?;
        write_diff(&tx, diff)?;
        let events = journals.iter().map(|j| append(&tx, j)).collect::<Result<Vec<_>, _>>()?;
        tx.commit()?;
        Ok(events)
    }

    fn replace_all(&mut self, estate: &Estate) -> Result<(), StoreError> {
        let tx = self.connection.transaction()?;
        for table in TABLES.iter().chain(&["request"]) {
            tx.execute(&format!("DELETE FROM {table}"), [])?;
        }
        write_diff(&tx, &EstateDiff::whole(estate))?;
        tx.commit()?;
        Ok(())
    }

    fn export_to(&self, path: &Path) -> Result<(), StoreError> {
        self.connection.execute("VACUUM INTO ?1", [path.to_string_lossy()])?;
        // A snapshot holds the estate's tables only: the open-time copy stays behind.
        let copy = Connection::open(path)?;
        copy.execute_batch(SNAPSHOT_DROP)?;
        Ok(())
    }

    fn import_from(&mut self, path: &Path, files_dir: &str) -> Result<Estate, StoreError> {
        // A snapshot of an earlier version is brought up to date first (it is the caller's
        // private copy).
        drop(SqliteStore::open(path)?);
        self.connection.execute("ATTACH DATABASE ?1 AS snapshot", [path.to_string_lossy()])?;
        let result = (|| {
            let tx = self.connection.transaction()?;
            for table in TABLES {
                tx.execute(&format!("DELETE FROM main.{table}"), [])?;
                tx.execute(&format!("INSERT INTO main.{table} SELECT * FROM snapshot.{table}"), [])?;
            }
            // Request ids are not part of a snapshot: the imported estate starts without any.
            tx.execute("DELETE FROM main.request", [])?;
            let mut estate = load_estate(&tx)?;
            estate.files_dir = files_dir.to_string();
            write_diff(&tx, &EstateDiff { meta: Some(EstateMeta::of(&estate)), lists: Vec::new() })?;
            tx.commit()?;
            Ok(estate)
        })();
        self.connection.execute("DETACH DATABASE snapshot", [])?;
        result
    }

    fn answered(&mut self, request: &str) -> Result<Option<Answered>, StoreError> {
        let answer: Option<String> = self
            .connection
            .prepare_cached("SELECT answer FROM request WHERE id = ?1")?
            .query_row([request], |r| r.get(0))
            .optional()?;
        answer.map(|text| from_json("request", "answer", &text)).transpose()
    }

    fn probe(&self) -> Result<(), StoreError> {
        self.connection.execute_batch("BEGIN IMMEDIATE; ROLLBACK;")?;
        Ok(())
    }

    fn reader(&self) -> Result<Box<dyn JournalRead>, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let connection = Connection::open_with_flags(&self.path, flags)?;
        Ok(Box::new(SqliteReader { connection }))
    }

    fn keep_snapshot(&mut self, estate: &Estate) -> Result<(), StoreError> {
        if keeps_current_format(&self.connection) {
            // Present, so current (see SNAPSHOT_SCHEMA); a snapshot of an earlier format is
            // written again in this one.
            return Ok(());
        }
        let body = compact::encode_checked(estate)?;
        let tx = self.connection.transaction()?;
        tx.execute_batch(SNAPSHOT_SCHEMA)?;
        tx.execute("INSERT OR REPLACE INTO snapshot (id, body) VALUES (0, ?1)", [body])?;
        tx.commit()?;
        Ok(())
    }
}

/// The start of the snapshot a database keeps: its head, or all of it when it is read whole
/// (see `compact`).
struct SnapshotHead {
    bytes: Vec<u8>,
    whole: bool,
}

impl SnapshotHead {
    /// What reads the rest of the snapshot, on another connection to the database at `path`
    /// (`None` when it was read whole).
    fn read_rest(&self, path: &Path) -> Option<compact::ReadRest> {
        if self.whole {
            return None;
        }
        let (path, head) = (path.to_path_buf(), self.bytes.clone());
        Some(Box::new(move || read_snapshot_rest(&path, &head)))
    }
}

/// The head of the snapshot the database keeps (or the whole snapshot, for a version that is
/// read whole), if it keeps one. Read through an incremental BLOB handle, so the rest of it is
/// not read at all. Any failure reads as no snapshot: the rows are the truth.
fn read_snapshot_head(c: &Connection) -> Option<SnapshotHead> {
    let blob = c.blob_open(MAIN_DB, SNAPSHOT_TABLE, SNAPSHOT_COLUMN, 0, true).ok()?;
    let mut start = [0; compact::START_BYTES];
    blob.read_at_exact(&mut start, 0).ok()?;
    let len = compact::head_len(&start).filter(|&head| head <= blob.len()).unwrap_or(blob.len());
    let mut bytes = vec![0; len];
    blob.read_at_exact(&mut bytes, 0).ok()?;
    Some(SnapshotHead { bytes, whole: len == blob.len() })
}

/// Whether the database keeps a snapshot in the format this build writes.
fn keeps_current_format(c: &Connection) -> bool {
    let mut start = [0; compact::START_BYTES];
    c.blob_open(MAIN_DB, SNAPSHOT_TABLE, SNAPSHOT_COLUMN, 0, true)
        .and_then(|blob| blob.read_at_exact(&mut start, 0))
        .is_ok_and(|()| compact::head_len(&start).is_some())
}

/// The rest of the snapshot whose head is `head`, read on a connection of its own (the decoding
/// thread's). Refused if the database no longer keeps that same snapshot.
fn read_snapshot_rest(path: &Path, head: &[u8]) -> Result<Vec<u8>, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let connection = Connection::open_with_flags(path, flags)?;
    // One handle, one read transaction: the head compared and the rest read are one snapshot.
    let blob = connection.blob_open(MAIN_DB, SNAPSHOT_TABLE, SNAPSHOT_COLUMN, 0, true)?;
    let mut same = vec![0; head.len().min(blob.len())];
    blob.read_at_exact(&mut same, 0)?;
    if same != head {
        return Err(StoreError::BadValue {
            table: "snapshot",
            column: "body",
            value: "(the snapshot changed while it was read)".into(),
        });
    }
    let mut rest = vec![0; blob.len() - head.len()];
    blob.read_at_exact(&mut rest, head.len())?;
    Ok(rest)
}

/// Full durability: a change is on disk before the transaction commit returns.
/// Reads go through a memory map (the snapshot is read at open in one pass, without a read
/// call per page). The write-ahead log and its index stay between opens (see [`keep_wal_files`]).
fn configure(connection: &Connection) -> Result<(), StoreError> {
    keep_wal_files(connection)?;
    connection.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA mmap_size = 268435456;")?;
    Ok(())
}

/// Keeps the estate's database, its log and the log's index readable by ccrd's user alone
/// (0600). SQLite creates a database 0644 less the umask, and the other two with the database's
/// own mode; a database made before this was done (or unpacked by an import) is tightened,
/// with its log and index, when it is opened. (The lab directory, 0700, already kept others
/// out: this holds when the directory's mode is loosened too.)
fn keep_private(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;
    let failed = |e: std::io::Error| StoreError::Backend(format!("cannot keep {} private: {e}", path.display()));
    match std::fs::metadata(path) {
        // A missing database is SQLite's to report.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(failed(e)),
        Ok(meta) if meta.permissions().mode() & 0o077 == 0 => return Ok(()),
        Ok(_) => {}
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        match std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(failed(e)),
            _ => {}
        }
    }
    Ok(())
}

/// The largest the write-ahead log is left after a checkpoint (SQLite's `journal_size_limit`);
/// the last connection to close empties it.
const WAL_KEPT_BYTES: i64 = 64 * 1024 * 1024;

/// Keeps the write-ahead log (`-wal`, emptied) and its index (`-shm`) when the last connection
/// closes, instead of deleting them: the next open then creates no file. On this kind of disk
/// creating a file costs more than everything else an open does (ext4 looks for a free inode
/// that was not freed recently, and the lab's own files are freed at every close), and
/// `ccrsh -c` opens and closes the lab each time. Recovery is as before: a log left with frames
/// (a crash) is replayed by the next open; an empty one costs nothing.
fn keep_wal_files(connection: &Connection) -> Result<(), StoreError> {
    let mut persist = 1;
    connection.file_control(Some(rusqlite::MAIN_DB), rusqlite::FileControl::PersistWal(&mut persist))?;
    connection.pragma_update(None, "journal_size_limit", WAL_KEPT_BYTES)?;
    Ok(())
}

fn schema_version(connection: &Connection) -> Result<i64, StoreError> {
    let version: Option<String> = connection
        .query_row("SELECT value FROM meta WHERE key = 'schema_version'", [], |r| r.get(0))
        .optional()
        .unwrap_or(None);
    Ok(version.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// The objects of `kind`, in order, read from the rows of the database at `path` (a
/// connection of its own).
fn read_kind(path: &Path, kind: Kind) -> Result<Vec<Object>, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let c = Connection::open_with_flags(path, flags)?;
    keep_wal_files(&c)?;
    let mut statement = c.prepare("SELECT body FROM object WHERE kind = ?1 ORDER BY position")?;
    let mut rows = statement.query([kind.name()])?;
    let mut objects = Vec::new();
    while let Some(row) = rows.next()? {
        let body = row.get_ref(0)?.as_str().map_err(|e| StoreError::Backend(e.to_string()))?;
        objects.push(decode_row(kind, body)?);
    }
    Ok(objects)
}

/// Reads every object and assembles the estate.
fn load_estate(c: &Connection) -> Result<Estate, StoreError> {
    let meta: String = c
        .query_row("SELECT body FROM object WHERE kind = ?1 AND position = 0", [ESTATE_ROW], |r| r.get(0))
        .optional()?
        .ok_or(StoreError::BadValue { table: "object", column: "body", value: "(no estate row)".into() })?;
    let meta: EstateMeta = from_json("object", "body", &meta)?;
    if !is_files_dir(&meta.files_dir) {
        return Err(StoreError::BadValue { table: "object", column: "files_dir", value: shown(&meta.files_dir) });
    }
    Ok(diff::assemble(meta, load_objects(c)?))
}

/// Rows handed from the reading thread to the decoding ones at a time.
const ROWS_PER_CHUNK: usize = 64;

/// Chunks of rows waiting to be decoded, numbered in reading order.
#[derive(Default)]
struct Pending {
    chunks: std::collections::VecDeque<(usize, Vec<(Kind, String)>)>,
    /// Every row is read (or reading failed).
    read: bool,
    /// A row could not be decoded: reading stops.
    failed: bool,
}

/// Every object but the estate row, in `(kind, position)` order. The rows are decoded while
/// they are read, by a second thread, and, once every row is read, by the reading thread too:
/// at start-up reading every row costs about as much as decoding their JSON, so the two
/// overlap, and the decoding left when the reading ends is shared. Without a second thread, the
/// reading thread decodes everything after reading.
fn load_objects(c: &Connection) -> Result<Vec<Object>, StoreError> {
    let pending = std::sync::Mutex::new(Pending::default());
    let ready = std::sync::Condvar::new();
    let lock = || pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    // Decodes chunks until none is left and reading is done: the decoded chunks, numbered.
    let decode = || -> Result<Vec<(usize, Vec<Object>)>, StoreError> {
        let mut decoded = Vec::new();
        loop {
            let (number, chunk) = {
                let mut waiting = lock();
                loop {
                    if let Some(next) = waiting.chunks.pop_front() {
                        break next;
                    }
                    if waiting.read || waiting.failed {
                        return Ok(decoded);
                    }
                    waiting = ready.wait(waiting).unwrap_or_else(std::sync::PoisonError::into_inner);
                }
            };
            match chunk.iter().map(|(kind, body)| decode_row(*kind, body)).collect::<Result<Vec<_>, _>>() {
                Ok(objects) => decoded.push((number, objects)),
                Err(e) => {
                    lock().failed = true;
                    ready.notify_all();
                    return Err(e);
                }
            }
        }
    };
    std::thread::scope(|scope| {
        let helper = std::thread::Builder::new().name("estate-decode".into()).spawn_scoped(scope, decode);
        let mut number = 0;
        let read = read_rows(c, |chunk| {
            let mut waiting = lock();
            if waiting.failed {
                return Ok(false);
            }
            waiting.chunks.push_back((number, chunk));
            number += 1;
            drop(waiting);
            ready.notify_one();
            Ok(true)
        });
        lock().read = true;
        ready.notify_all();
        let mine = decode();
        let theirs = match helper {
            Ok(helper) => helper
                .join()
                .unwrap_or_else(|_| Err(StoreError::Backend("decoding the estate's objects failed".into()))),
            Err(_) => Ok(Vec::new()),
        };
        read?;
        let mut chunks = mine?;
        chunks.extend(theirs?);
        chunks.sort_unstable_by_key(|(number, _)| *number);
        Ok(chunks.into_iter().flat_map(|(_, objects)| objects).collect())
    })
}

/// Reads the object rows (but the estate row) in order, `ROWS_PER_CHUNK` at a time, into
/// `each`, until it answers `false`.
fn read_rows(
    c: &Connection,
    mut each: impl FnMut(Vec<(Kind, String)>) -> Result<bool, StoreError>,
) -> Result<(), StoreError> {
    let mut statement = c.prepare_cached("SELECT kind, body FROM object WHERE kind <> ?1 ORDER BY kind, position")?;
    let mut rows = statement.query([ESTATE_ROW])?;
    let mut chunk = Vec::with_capacity(ROWS_PER_CHUNK);
    while let Some(row) = rows.next()? {
        let kind_name = row.get_ref(0)?.as_str().map_err(|e| StoreError::Backend(e.to_string()))?;
        let kind = Kind::parse(kind_name).ok_or_else(|| StoreError::BadValue {
            table: "object",
            column: "kind",
            value: shown(kind_name),
        })?;
        let body = row.get_ref(1)?.as_str().map_err(|e| StoreError::Backend(e.to_string()))?;
        chunk.push((kind, body.to_string()));
        if chunk.len() == ROWS_PER_CHUNK && !each(std::mem::replace(&mut chunk, Vec::with_capacity(ROWS_PER_CHUNK)))? {
            return Ok(());
        }
    }
    if !chunk.is_empty() {
        each(chunk)?;
    }
    Ok(())
}

/// One object from its row.
fn decode_row(kind: Kind, body: &str) -> Result<Object, StoreError> {
    decode(kind, body).map_err(|e| StoreError::BadValue {
        table: "object",
        column: "body",
        value: shown(&format!("{}: {e}", kind.name())),
    })
}

/// Writes every object of `estate` (the caller has emptied `object`).
pub(super) fn write_whole(tx: &Transaction<'_>, estate: &Estate) -> Result<(), StoreError> {
    write_diff(tx, &EstateDiff::whole(estate))
}

/// An object from its JSON row.
fn decode(kind: Kind, body: &str) -> Result<Object, serde_json::Error> {
    let mut reader = serde_json::Deserializer::from_str(body);
    let object = Object::decode(kind, &mut reader)?;
    reader.end()?;
    Ok(object)
}

/// Writes the objects a diff changed. Each is read back before it is written: the store never
/// writes what it could not read (a time past year 9999, say).
fn write_diff(tx: &Transaction<'_>, diff: &EstateDiff) -> Result<(), StoreError> {
    let mut put = tx.prepare_cached("INSERT OR REPLACE INTO object (kind, position, body) VALUES (?1, ?2, ?3)")?;
    if let Some(meta) = &diff.meta {
        put.execute(params![ESTATE_ROW, 0, to_json(meta)])?;
    }
    let mut cut = tx.prepare_cached("DELETE FROM object WHERE kind = ?1 AND position >= ?2")?;
    for list in &diff.lists {
        cut.execute(params![list.kind.name(), sql_int(list.len as u64)])?;
        for (position, object) in &list.changed {
            let body = to_json(object);
            if decode(list.kind, &body).map(|o| to_json(&o)).ok().as_deref() != Some(body.as_str()) {
                return Err(StoreError::Unrepresentable(shown(&body)));
            }
            put.execute(params![list.kind.name(), sql_int(*position as u64), body])?;
        }
    }
    Ok(())
}

/// Appends one journal; returns its events as numbered.
fn append(tx: &Transaction<'_>, journal: &Journal) -> Result<Vec<EventEntry>, StoreError> {
    let at = journal.at;
    let time = readable_time(at)?;
    let mut events = Vec::with_capacity(journal.events.len());
    for e in &journal.events {
        tx.prepare_cached(
            "INSERT INTO event (node, time, instance_id, source, entry_type, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            e.node,
            time,
            e.instance_id,
            e.source.as_ref(),
            to_text(&e.entry_type),
            e.message
        ])?;
        events.push(EventEntry {
            index: count(tx.last_insert_rowid()),
            machine_name: e.node.clone(),
            instance_id: e.instance_id,
            source: e.source.to_string(),
            entry_type: e.entry_type,
            message: e.message.clone(),
            time_generated: at,
        });
    }
    let mut accepted = tx.prepare_cached(
        "INSERT INTO ledger (first_id, server, storage_group, count, size, accepted_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for m in &journal.accepted {
        accepted.execute(params![
            sql_int(m.first_id),
            m.server,
            m.storage_group,
            sql_int(m.count),
            sql_int(m.size),
            readable_time(m.accepted_at)?
        ])?;
        if let Some(recipient) = &m.recipient {
            tx.prepare_cached("INSERT INTO ledger_recipient (first_id, recipient) VALUES (?1, ?2)")?
                .execute(params![sql_int(m.first_id), recipient])?;
        }
    }
    let mut lost = tx.prepare_cached(
        "INSERT INTO message_fate (id, server, storage_group, fate, lost_at) VALUES (?1, ?2, ?3, 'lost', ?4) \
         ON CONFLICT (id) DO UPDATE SET fate = 'lost', lost_at = excluded.lost_at",
    )?;
    for m in &journal.lost {
        lost.execute(params![sql_int(m.id), m.server, m.storage_group, time])?;
    }
    let mut resent = tx.prepare_cached(
        "INSERT INTO message_fate (id, server, storage_group, fate, resent_at) VALUES (?1, ?2, ?3, 'resent', ?4) \
         ON CONFLICT (id) DO UPDATE SET fate = 'resent', resent_at = excluded.resent_at",
    )?;
    for m in &journal.resent {
        resent.execute(params![sql_int(m.id), m.server, m.storage_group, time])?;
    }
    if let Some(request) = &journal.request {
        let answered = Answered { answer: request.answer.clone(), events: events.clone() };
        tx.prepare_cached("INSERT INTO request (id, answer) VALUES (?1, ?2)")?
            .execute(params![request.id, to_json(&answered)])?;
    }
    Ok(events)
}

/// A read-only connection for the journal's queries.
struct SqliteReader {
    connection: Connection,
}

impl JournalRead for SqliteReader {
    fn events(&self, q: &EventQuery) -> Result<Vec<EventEntry>, StoreError> {
        let mut sql =
            String::from("SELECT idx, node, time, instance_id, source, entry_type, message FROM event WHERE 1 = 1");
        let mut values: Vec<String> = Vec::new();
        let mut filter = |column: &str, value: Option<String>| {
            if let Some(v) = value {
                values.push(v);
                let escape = if column.ends_with("LIKE") { " ESCAPE '\\'" } else { "" };
                sql.push_str(&format!(" AND {column} ?{}{escape}", values.len()));
            }
        };
        filter("node =", q.computer_name.clone());
        filter("source LIKE", q.source.as_deref().map(like_pattern));
        filter("instance_id =", q.instance_id.map(|i| i.to_string()));
        filter("entry_type =", q.entry_type.map(|t| to_text(&t)));
        filter("time >", q.after.map(|t| t.to_rfc3339()));
        sql.push_str(" ORDER BY idx DESC");
        if let Some(n) = q.newest {
            sql.push_str(&format!(" LIMIT {n}"));
        }
        let mut stmt = self.connection.prepare(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(values.iter()))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let time: String = r.get(2)?;
            let entry_type: String = r.get(5)?;
            out.push(EventEntry {
                index: count(r.get(0)?),
                machine_name: r.get(1)?,
                time_generated: time_from_text("event", "time", &time)?,
                instance_id: r.get(3)?,
                source: r.get(4)?,
                entry_type: from_text("event", "entry_type", &entry_type)?,
                message: r.get(6)?,
            });
        }
        Ok(out)
    }

    fn accepted(
        &self,
        server: &str,
        storage_group: &str,
        newest_first: bool,
        visit: &mut dyn FnMut(&AcceptedRange) -> bool,
    ) -> Result<(), StoreError> {
        let sql = if newest_first {
            "SELECT l.first_id, l.count, l.size, l.accepted_at, r.recipient FROM ledger l \
             LEFT JOIN ledger_recipient r ON r.first_id = l.first_id \
             WHERE l.server = ?1 AND l.storage_group = ?2 ORDER BY l.first_id DESC"
        } else {
            "SELECT l.first_id, l.count, l.size, l.accepted_at, r.recipient FROM ledger l \
             LEFT JOIN ledger_recipient r ON r.first_id = l.first_id \
             WHERE l.server = ?1 AND l.storage_group = ?2 ORDER BY l.first_id"
        };
        let mut stmt = self.connection.prepare_cached(sql)?;
        let mut rows = stmt.query(params![server, storage_group])?;
        while let Some(r) = rows.next()? {
            let accepted_at: String = r.get(3)?;
            let range = AcceptedRange {
                first_id: count(r.get(0)?),
                count: count(r.get(1)?),
                size: count(r.get(2)?),
                server: server.to_string(),
                storage_group: storage_group.to_string(),
                accepted_at: time_from_text("ledger", "accepted_at", &accepted_at)?,
                recipient: r.get(4)?,
            };
            if !visit(&range) {
                break;
            }
        }
        Ok(())
    }

    fn fates(&self, server: &str, storage_group: &str) -> Result<Vec<MessageFate>, StoreError> {
        let mut stmt = self.connection.prepare_cached(
            "SELECT id, fate = 'lost', resent_at IS NOT NULL FROM message_fate \
             WHERE server = ?1 AND storage_group = ?2 ORDER BY id",
        )?;
        let rows = stmt.query_map(params![server, storage_group], |r| {
            Ok(MessageFate { id: count(r.get(0)?), lost: r.get(1)?, resent: r.get(2)? })
        })?;
        rows.map(|r| r.map_err(StoreError::from)).collect()
    }
}

/// SQLite integers are signed; counters and generations never come near the limit.
pub(super) fn sql_int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(super) fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// An API enum as the text its serde name gives (`BestAvailability`).
fn to_text<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        other => format!("{other:?}"),
    }
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// A time as the store writes it, refused unless it reads back: RFC 3339 has four-digit years,
/// so a time outside the years 0000-9999 is never written.
fn readable_time(time: DateTime<Utc>) -> Result<String, StoreError> {
    use chrono::Datelike;
    if (0..=9999).contains(&time.year()) {
        Ok(time.to_rfc3339())
    } else {
        Err(StoreError::Unrepresentable(time.to_rfc3339()))
    }
}

/// A PowerShell wildcard (`*`, `?`) as a SQL LIKE pattern with `\` as its escape: `%`, `_` and
/// `\` in the name match only themselves.
fn like_pattern(wildcard: &str) -> String {
    let mut out = String::with_capacity(wildcard.len());
    for c in wildcard.chars() {
        match c {
            '%' | '_' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '*' => out.push('%'),
            '?' => out.push('_'),
            other => out.push(other),
        }
    }
    out
}

/// A stored value as an error may show it: at most 80 characters, no control characters.
fn shown(text: &str) -> String {
    text.chars().take(80).map(|c| if c.is_control() { '?' } else { c }).collect()
}

/// `nodes` or `nodes.N`: the only files directories a lab has (see `lab::next_files_dir`).
fn is_files_dir(name: &str) -> bool {
    name == "nodes"
        || name
            .strip_prefix("nodes.")
            .is_some_and(|n| !n.is_empty() && n.len() <= 19 && n.bytes().all(|b| b.is_ascii_digit()))
}

fn from_text<T: DeserializeOwned>(table: &'static str, column: &'static str, text: &str) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(text.to_string())).map_err(|_| StoreError::BadValue {
        table,
        column,
        value: shown(text),
    })
}

fn from_json<T: DeserializeOwned>(table: &'static str, column: &'static str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|_| StoreError::BadValue { table, column, value: shown(text) })
}

fn time_from_text(table: &'static str, column: &'static str, text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text).map(|t| t.to_utc()).map_err(|_| StoreError::BadValue {
        table,
        column,
        value: shown(text),
    })
}

/// How long checking an uploaded snapshot's database may take before it is refused.
pub const SNAPSHOT_CHECK_BUDGET: std::time::Duration = std::time::Duration::from_secs(20);

/// Reads the estate from a snapshot's database (`path`, an uploaded file in a private staging
/// directory) without trusting it: opened read-only with SQLite's limits lowered and a time
/// budget (a progress handler interrupts any statement past `budget`), its schema compared to
/// the exact schema this build writes (no views, triggers or virtual tables can hide in it),
/// `quick_check`ed, and every journal and ledger row read as the reader would read it. Never
/// called under the writer lock.
pub fn read_snapshot(path: &Path, budget: std::time::Duration) -> Result<Estate, StoreError> {
    use rusqlite::limits::Limit;
    let refused = |why: String| StoreError::BadValue { table: "sqlite_master", column: "sql", value: why };
    let mut connection =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    for (limit, value) in [
        (Limit::SQLITE_LIMIT_LENGTH, 64 * 1024 * 1024),
        (Limit::SQLITE_LIMIT_SQL_LENGTH, 100_000),
        (Limit::SQLITE_LIMIT_COLUMN, 100),
        (Limit::SQLITE_LIMIT_EXPR_DEPTH, 100),
        (Limit::SQLITE_LIMIT_COMPOUND_SELECT, 10),
        (Limit::SQLITE_LIMIT_VDBE_OP, 100_000),
        (Limit::SQLITE_LIMIT_FUNCTION_ARG, 16),
        (Limit::SQLITE_LIMIT_ATTACHED, 0),
        (Limit::SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 1000),
        (Limit::SQLITE_LIMIT_VARIABLE_NUMBER, 100),
        (Limit::SQLITE_LIMIT_TRIGGER_DEPTH, 0),
    ] {
        connection.set_limit(limit, value)?;
    }
    let deadline = std::time::Instant::now() + budget;
    connection.progress_handler(10_000, Some(move || std::time::Instant::now() > deadline))?;
    connection.execute_batch("PRAGMA trusted_schema = OFF; PRAGMA cell_size_check = ON; PRAGMA query_only = ON;")?;
    let timed_out = |e: rusqlite::Error| match e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::OperationInterrupted => {
            refused(format!("checking it took longer than {} s", budget.as_secs()))
        }
        other => StoreError::from(other),
    };
    let found = schema_of(&connection).map_err(timed_out)?;
    if found != schema_written_by(SCHEMA)? {
        let version: Option<String> = connection
            .query_row("SELECT value FROM meta WHERE key = 'schema_version'", [], |r| r.get(0))
            .optional()
            .ok()
            .flatten();
        let version: Option<i64> = version.and_then(|v| v.parse().ok());
        let earlier = match version {
            Some(4) => Some(schema_written_by(schema_4!())?),
            Some(5) => Some(schema_written_by(concat!(schema_4!(), ledger_recipient_table!()))?),
            _ => None,
        };
        if let (Some(from), Some(earlier)) = (version, earlier)
            && found == earlier
        {
            // Exported by a version 4 or 5 build: exactly its tables, nothing else. The file is
            // the caller's private copy, so it is brought up to date in place and checked again.
            drop(connection);
            upgrade_snapshot(path, from)?;
            return read_snapshot(path, deadline.saturating_duration_since(std::time::Instant::now()));
        }
        return match version {
            Some(found) if found != SCHEMA_VERSION => Err(StoreError::WrongVersion { found }),
            _ => Err(refused("its tables are not the estate's (an extra table, view, trigger or column)".into())),
        };
    }
    let check: String = connection.query_row("PRAGMA quick_check", [], |r| r.get(0)).map_err(timed_out)?;
    if check != "ok" {
        return Err(refused(format!("SQLite finds it damaged ({})", shown(&check))));
    }
    // Its rows, always (a snapshot file never holds the open-time copy: see above).
    let estate = load_estate(&connection)?;
    let reader = SqliteReader { connection };
    reader.events(&EventQuery::default())?;
    let mut stmt = reader.connection.prepare("SELECT first_id, count, size, accepted_at FROM ledger")?;
    let mut rows = stmt.query([]).map_err(timed_out)?;
    while let Some(r) = rows.next().map_err(timed_out)? {
        let (first, count, size): (i64, i64, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
        if first < 1 || count < 1 || size < 0 || first.checked_add(count).is_none() {
            return Err(StoreError::BadValue { table: "ledger", column: "first_id", value: first.to_string() });
        }
        let time: String = r.get(3)?;
        time_from_text("ledger", "accepted_at", &time)?;
    }
    let mut stmt = reader.connection.prepare("SELECT first_id, recipient FROM ledger_recipient")?;
    let mut rows = stmt.query([]).map_err(timed_out)?;
    while let Some(r) = rows.next().map_err(timed_out)? {
        let (first, recipient): (i64, String) = (r.get(0)?, r.get(1)?);
        if first < 1 || recipient.is_empty() || recipient.chars().count() > 64 {
            return Err(StoreError::BadValue {
                table: "ledger_recipient",
                column: "recipient",
                value: shown(&recipient),
            });
        }
    }
    let mut stmt = reader.connection.prepare("SELECT id, fate, lost_at, resent_at FROM message_fate")?;
    let mut rows = stmt.query([]).map_err(timed_out)?;
    while let Some(r) = rows.next().map_err(timed_out)? {
        let (id, fate): (i64, String) = (r.get(0)?, r.get(1)?);
        if id < 1 || !(fate == "lost" || fate == "resent") {
            return Err(StoreError::BadValue { table: "message_fate", column: "fate", value: shown(&fate) });
        }
        for (column, index) in [("lost_at", 2), ("resent_at", 3)] {
            if let Some(time) = r.get::<_, Option<String>>(index)? {
                time_from_text("message_fate", column, &time)?;
            }
        }
    }
    Ok(estate)
}

/// The schema objects a database made by `schema` holds.
fn schema_written_by(schema: &str) -> Result<Vec<SchemaObject>, StoreError> {
    let fresh = Connection::open_in_memory()?;
    fresh.execute_batch(schema)?;
    Ok(schema_of(&fresh)?)
}

/// What the later versions added to version `from` (4 or 5).
fn additions_since(from: i64) -> &'static str {
    if from == 4 { concat!(ledger_recipient_table!(), request_table!()) } else { SCHEMA_6_ADDITIONS }
}

/// Adds what the later versions added to a snapshot whose tables were checked to be exactly
/// version `from`'s (4 or 5; no trigger or view runs here), as opening such a lab does.
fn upgrade_snapshot(path: &Path, from: i64) -> Result<(), StoreError> {
    let mut connection = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    connection.execute_batch("PRAGMA trusted_schema = OFF;")?;
    let tx = connection.transaction()?;
    tx.execute_batch(additions_since(from))?;
    tx.execute("UPDATE meta SET value = ?1 WHERE key = 'schema_version'", [SCHEMA_VERSION.to_string()])?;
    tx.commit()?;
    Ok(())
}

/// One schema object: `(type, name, table, sql)`.
type SchemaObject = (String, String, String, Option<String>);

/// Every schema object, sorted, its statement in one spelling (see [`one_spelling`]).
fn schema_of(connection: &Connection) -> rusqlite::Result<Vec<SchemaObject>> {
    let mut stmt = connection.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")?;
    stmt.query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, Option<String>>(3)?.map(|s| one_spelling(&s))))
    })?
    .collect()
}

/// A `CREATE` statement with its layout taken out: every run of white space one space, none
/// beside `(`, `)` or `,`. The same tables made by differently laid-out statements (a lab
/// migrated from schema 2 or 3 made its tables in one-line statements) compare equal; two word
/// tokens never merge, so nothing else does.
fn one_spelling(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut space = false;
    for c in sql.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() && !matches!(c, '(' | ')' | ',') && !out.ends_with(['(', ',']) {
            out.push(' ');
        }
        space = false;
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::CopyStatus;
    use crate::engine::CopyKind;
    use crate::engine::topology::{SEED, build};

    #[test]
    fn the_estates_files_are_private_to_ccrds_user_and_an_older_labs_are_tightened_at_open() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("estate.db");
        let estate = build("seed", SEED).expect("seed builds");
        let mode = |suffix: &str| {
            let mut file = path.as_os_str().to_owned();
            file.push(suffix);
            std::fs::metadata(&file).expect("exists").permissions().mode() & 0o777
        };
        let store = SqliteStore::create(&path, &estate).expect("created");
        for suffix in ["", "-wal", "-shm"] {
            assert_eq!(mode(suffix), 0o600, "estate.db{suffix} of a new store");
        }
        drop(store);
        // As a lab made before: the database, its log and its index readable by others.
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.as_os_str().to_owned();
            file.push(suffix);
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("loosened");
        }
        let mut store = SqliteStore::open(&path).expect("opened");
        for suffix in ["", "-wal", "-shm"] {
            assert_eq!(mode(suffix), 0o600, "estate.db{suffix} after an open");
        }
        assert_eq!(store.load().expect("loads").topology, estate.topology);
    }

    #[test]
    fn a_time_that_would_not_read_back_is_never_written() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("estate.db");
        let estate = build("seed", SEED).expect("seed builds");
        let mut store = SqliteStore::create(&path, &estate).expect("created");
        let far = DateTime::from_timestamp(300_000_000_000, 0).expect("year 11476");
        let journal = Journal::new(far);
        let mut next = estate.clone();
        next.copies[0].last_copied_at = Some(far);
        assert!(matches!(
            store.commit(&EstateDiff::between(&estate, &estate), &[&journal]),
            Err(StoreError::Unrepresentable(_))
        ));
        // An object's time is written only if it reads back exactly.
        let written = store.commit(&EstateDiff::between(&estate, &next), &[]).is_ok();
        drop(store);
        let reopened = SqliteStore::open(&path).expect("still opens").load().expect("still loads");
        assert_eq!(reopened, if written { next } else { estate });
    }

    #[test]
    fn a_schema_4_lab_gains_the_recipients_of_its_ranges_when_opened() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("estate.db");
        let estate = build("seed", SEED).expect("seed builds");
        drop(SqliteStore::create(&path, &estate).expect("created"));
        let old = Connection::open(&path).expect("opens");
        old.execute_batch(
            "DROP TABLE ledger_recipient; DROP TABLE request; UPDATE meta SET value = '4' WHERE key = 'schema_version';",
        )
        .expect("made schema 4");
        drop(old);
        let mut store = SqliteStore::open(&path).expect("a schema 4 lab opens");
        assert_eq!(schema_version(&store.connection).expect("version"), SCHEMA_VERSION);
        let sg = &estate.storage_groups[0];
        let at = DateTime::from_timestamp(1_200_000_000, 0).expect("valid time");
        let range = |first_id, recipient: Option<&str>| AcceptedRange {
            first_id,
            count: 3,
            size: 1024,
            server: sg.server.clone(),
            storage_group: sg.name.clone(),
            accepted_at: at,
            recipient: recipient.map(str::to_string),
        };
        let journal = Journal { accepted: vec![range(1, Some("kweller")), range(4, None)], ..Journal::new(at) };
        store.commit(&EstateDiff::between(&estate, &estate), &[&journal]).expect("commits");
        let mut read = Vec::new();
        store
            .reader()
            .expect("reader")
            .accepted(&sg.server, &sg.name, false, &mut |r| {
                read.push(r.clone());
                true
            })
            .expect("reads");
        assert_eq!(read, journal.accepted);
    }

    /// Schema 6 keeps the answer of each change made under a request id: a schema 5 lab gains
    /// the table when opened; the answer reads back with its events; a reset forgets every id.
    #[test]
    fn a_schema_5_lab_gains_the_request_table_and_a_reset_forgets_the_ids() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("estate.db");
        let estate = build("seed", SEED).expect("seed builds");
        drop(SqliteStore::create(&path, &estate).expect("created"));
        let old = Connection::open(&path).expect("opens");
        old.execute_batch("DROP TABLE request; UPDATE meta SET value = '5' WHERE key = 'schema_version';")
            .expect("made schema 5");
        drop(old);
        let mut store = SqliteStore::open(&path).expect("a schema 5 lab opens");
        assert_eq!(schema_version(&store.connection).expect("version"), SCHEMA_VERSION);
        assert_eq!(store.answered("r-1").expect("asked"), None);

        let mut journal = Journal::new(Utc::now());
        journal.events.push(crate::engine::events::NewEvent {
            node: "NH-W2K3-SRV03".into(),
            instance_id: 2090,
            source: crate::engine::events::REPLICATION.into(),
            entry_type: crate::api::EntryType::Information,
            message: "suspended".into(),
        });
        let answer = serde_json::json!({"result": 42});
        journal.request = Some(super::super::RequestRecord { id: "r-1".into(), answer: answer.clone() });
        let events = store.commit(&EstateDiff::between(&estate, &estate), &[&journal]).expect("commits");
        let answered = store.answered("r-1").expect("asked").expect("recorded");
        assert_eq!((answered.answer, answered.events), (answer, events[0].clone()));
        assert_eq!(store.answered("R-1").expect("asked"), None, "ids are kept as given");
        // The same id twice in the table is impossible: the commit fails whole.
        let again = Journal { events: Vec::new(), ..journal.clone() };
        assert!(store.commit(&EstateDiff::between(&estate, &estate), &[&again]).is_err());
        store.replace_all(&estate).expect("reset");
        assert_eq!(store.answered("r-1").expect("asked"), None);
    }

    /// Closing keeps the write-ahead log (emptied) and its index, so the next open creates no
    /// file: the same two files (same inodes) serve every open, and what was written reads back.
    #[test]
    fn an_open_creates_no_file_the_log_and_its_index_are_kept_emptied() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("estate.db");
        let estate = build("seed", SEED).expect("seed builds");
        drop(SqliteStore::create(&path, &estate).expect("created"));
        let (wal, shm) = (dir.path().join("estate.db-wal"), dir.path().join("estate.db-shm"));
        let inodes =
            || (std::fs::metadata(&wal).expect("log kept").ino(), std::fs::metadata(&shm).expect("index kept").ino());
        let before = inodes();
        assert_eq!(std::fs::metadata(&wal).expect("log").len(), 0, "emptied: every frame checkpointed");
        for _ in 0..3 {
            assert_eq!(SqliteStore::open(&path).expect("opens").load().expect("loads"), estate);
            assert_eq!(inodes(), before, "no file created or removed");
        }
    }

    /// A lab migrated from schema 2 (its tables made by the migration's own statements) exports
    /// a snapshot this build imports.
    #[test]
    fn a_lab_migrated_from_schema_2_exports_a_snapshot_that_reads_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("estate.db");
        std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/estate-v2.db"), &path).expect("copied");
        let mut store = SqliteStore::open(&path).expect("migrates");
        // As opening the lab does once the history is in the audit trail.
        store.drop_legacy_history().expect("history dropped");
        let estate = store.load().expect("loads");
        let snapshot = dir.path().join("snapshot.db");
        store.export_to(&snapshot).expect("exported");
        assert_eq!(read_snapshot(&snapshot, SNAPSHOT_CHECK_BUDGET).expect("reads back"), estate);
    }

    #[test]
    fn an_estate_reads_back_as_written_and_a_diff_writes_only_what_changed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("estate.db");
        let mut estate = build("seed", SEED).expect("seed builds");
        estate.copies[0].kind = CopyKind::StandbyContinuous { replay_lag_seconds: 86_400, truncation_lag_seconds: 0 };
        estate.copies[0].last_inspected_at = Some(DateTime::from_timestamp(1_200_000_000, 0).expect("valid time"));
        let mut store = SqliteStore::create(&path, &estate).expect("created");
        assert_eq!(store.load().expect("loads"), estate);

        let mut next = estate.clone();
        next.copies[1].status = CopyStatus::Suspended;
        next.version += 1;
        let diff = EstateDiff::between(&estate, &next);
        assert_eq!(diff.objects(), 1);
        let journal = Journal::new(Utc::now());
        store.commit(&diff, &[&journal]).expect("commits");
        drop(store);
        let mut reopened = SqliteStore::open(&path).expect("opens");
        assert_eq!(reopened.load().expect("loads"), next);
    }

    fn has_snapshot(path: &Path) -> bool {
        let c = Connection::open(path).expect("opens");
        read_snapshot_head(&c).is_some()
    }

    #[test]
    fn a_kept_snapshot_is_read_at_open_and_dropped_by_the_next_write_of_any_build() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("estate.db");
        let estate = build("seed", SEED).expect("seed builds");
        let mut store = SqliteStore::create(&path, &estate).expect("created");
        assert!(!has_snapshot(&path));
        store.keep_snapshot(&estate).expect("kept");
        assert!(has_snapshot(&path));
        drop(store);
        assert_eq!(SqliteStore::open(&path).expect("opens").load().expect("loads"), estate);

        // A change drops it in its own transaction: the next open reads the rows, and the
        // estate as changed.
        let mut store = SqliteStore::open(&path).expect("opens");
        let mut next = estate.clone();
        next.copies[1].status = CopyStatus::Suspended;
        next.version += 1;
        store.commit(&EstateDiff::between(&estate, &next), &[&Journal::new(Utc::now())]).expect("commits");
        assert!(!has_snapshot(&path));
        drop(store);
        assert_eq!(SqliteStore::open(&path).expect("opens").load().expect("loads"), next);

        // So does a write by a build that knows nothing of snapshots (plain SQL on the rows).
        let mut store = SqliteStore::open(&path).expect("opens");
        store.keep_snapshot(&next).expect("kept");
        drop(store);
        let c = Connection::open(&path).expect("opens");
        c.execute("UPDATE object SET body = replace(body, 'Suspended', 'Healthy') WHERE kind = 'copy'", [])
            .expect("an old build's write");
        drop(c);
        assert!(!has_snapshot(&path));
        let reread = SqliteStore::open(&path).expect("opens").load().expect("loads");
        assert_eq!(reread.copies[1].status, CopyStatus::Healthy);
    }

    /// The open reads the snapshot's head (the large lab's settings, servers, nodes…) and the
    /// decoding thread the rest, which must be the rest of that same snapshot.
    #[test]
    fn an_open_reads_the_snapshots_head_and_a_thread_the_rest_of_that_same_snapshot() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("estate.db");
        let text = include_str!("../../../bench/topologies/large.toml");
        let estate = build("large", text).expect("large builds");
        let mut store = SqliteStore::create(&path, &estate).expect("created");
        store.keep_snapshot(&estate).expect("kept");
        drop(store);
        let c = Connection::open(&path).expect("opens");
        let head = read_snapshot_head(&c).expect("a snapshot");
        let total: i64 = c.query_row("SELECT length(body) FROM snapshot", [], |r| r.get(0)).expect("its length");
        assert!(!head.whole && head.bytes.len() * 5 < total as usize, "{} of {total} bytes", head.bytes.len());
        assert_eq!(SqliteStore::open(&path).expect("opens").load().expect("loads"), estate);

        // Another snapshot in its place: the rest read is refused (and the lists are read from
        // the rows instead).
        let mut next = estate.clone();
        next.version += 1;
        let mut store = SqliteStore::open(&path).expect("opens");
        store.commit(&EstateDiff::between(&estate, &next), &[]).expect("commits");
        store.keep_snapshot(&next).expect("kept");
        drop(store);
        let refused = read_snapshot_rest(&path, &head.bytes).expect_err("another snapshot");
        assert!(refused.to_string().contains("changed while it was read"), "{refused}");
        let current = read_snapshot_head(&c).expect("a snapshot");
        assert_eq!(
            read_snapshot_rest(&path, &current.bytes).expect("read").len() + current.bytes.len(),
            total as usize
        );
    }

    /// A lab last closed by a build of earlier this round keeps a version 1 snapshot: it is
    /// read whole, and written again in this build's format at the next close.
    #[test]
    fn a_version_1_snapshot_is_read_whole_and_written_again_in_version_2() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("estate.db");
        let estate = build("seed", SEED).expect("seed builds");
        let mut store = SqliteStore::create(&path, &estate).expect("created");
        store.keep_snapshot(&estate).expect("kept");
        let v1 = compact::as_version_1(&compact::encode(&estate).expect("encodes"));
        store.connection.execute("UPDATE snapshot SET body = ?1", [&v1]).expect("an earlier build's snapshot");
        drop(store);
        let c = Connection::open(&path).expect("opens");
        assert!(read_snapshot_head(&c).expect("a snapshot").whole);
        assert!(!keeps_current_format(&c));
        let mut store = SqliteStore::open(&path).expect("opens");
        assert_eq!(store.load().expect("loads"), estate);
        store.keep_snapshot(&estate).expect("kept");
        assert!(keeps_current_format(&c));
        assert!(!read_snapshot_head(&c).expect("a snapshot").whole);
    }

    #[test]
    fn a_snapshot_that_does_not_decode_is_passed_over_for_the_rows() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("estate.db");
        let estate = build("seed", SEED).expect("seed builds");
        let mut store = SqliteStore::create(&path, &estate).expect("created");
        store.keep_snapshot(&estate).expect("kept");
        drop(store);
        let c = Connection::open(&path).expect("opens");
        c.execute("UPDATE snapshot SET body = x'00010203'", []).expect("damaged");
        drop(c);
        assert_eq!(SqliteStore::open(&path).expect("opens").load().expect("loads"), estate);
    }

    #[test]
    fn a_reset_and_an_import_drop_the_snapshot() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("estate.db");
        let estate = build("seed", SEED).expect("seed builds");
        let mut store = SqliteStore::create(&path, &estate).expect("created");
        store.keep_snapshot(&estate).expect("kept");
        let mut other = estate.clone();
        other.version = 41;
        store.replace_all(&other).expect("reset");
        assert!(!has_snapshot(&path));
        assert_eq!(store.load().expect("loads").version, 41);
        store.keep_snapshot(&other).expect("kept");
        let exported = dir.path().join("exported.db");
        store.export_to(&exported).expect("exported");
        assert!(!has_snapshot(&exported), "an export holds the estate's tables only");
        assert_eq!(read_snapshot(&exported, SNAPSHOT_CHECK_BUDGET).expect("reads back"), other);
        let export = dir.path().join("export.db");
        SqliteStore::create(&export, &estate).expect("an export");
        let imported = store.import_from(&export, "nodes.2").expect("imported");
        assert!(!has_snapshot(&path));
        assert_eq!(store.load().expect("loads"), imported);
        assert_eq!(imported.version, estate.version);
    }
}
