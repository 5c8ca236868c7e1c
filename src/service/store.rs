//! The SQLite store: the estate's durable form, one table per kind of object.
//!
//! Owns: the schema, writing a whole estate (at creation and at every change) and reading it
//! back (at start), and the append-only journal: events and the ledger of accepted and lost
//! messages. (The operation history is the audit trail, outside the estate: `service::audit`.) Each change is one transaction, committed with
//! `synchronous = FULL` before it is acknowledged.
//!
//! Must not: decide anything about the estate (that is the engine's job) or know about HTTP.

use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::{EventEntry, EventQuery, OperationRecord};
use crate::engine::events::NewEvent;
use crate::engine::*;

/// The schema version this build writes and reads. Version 2 also had the operation history
/// (`operation`), which now lives in the audit trail outside the estate (`service::audit`);
/// [`Store::legacy_history`] and [`Store::drop_legacy_history`] move it there.
const SCHEMA_VERSION: i64 = 3;

const SCHEMA: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE datacenter (name TEXT PRIMARY KEY COLLATE NOCASE, subnet TEXT NOT NULL);
CREATE TABLE cluster (
    name TEXT PRIMARY KEY COLLATE NOCASE,
    datacenter TEXT NOT NULL REFERENCES datacenter(name),
    file_share_witness TEXT NOT NULL,
    cms_resources TEXT NOT NULL);
CREATE TABLE node (
    name TEXT PRIMARY KEY COLLATE NOCASE,
    cluster TEXT NOT NULL REFERENCES cluster(name),
    ip TEXT NOT NULL,
    powered_on INTEGER NOT NULL);
CREATE TABLE cms (
    name TEXT PRIMARY KEY COLLATE NOCASE,
    ip TEXT NOT NULL,
    cluster TEXT NOT NULL REFERENCES cluster(name),
    active_node TEXT NOT NULL REFERENCES node(name),
    state TEXT NOT NULL,
    auto_database_mount_dial TEXT NOT NULL,
    forced_database_mount_after TEXT);
CREATE TABLE cms_redundant_machine (
    cms TEXT NOT NULL REFERENCES cms(name),
    position INTEGER NOT NULL,
    node TEXT NOT NULL REFERENCES node(name),
    PRIMARY KEY (cms, position));
CREATE TABLE storage_group (
    server TEXT NOT NULL REFERENCES cms(name),
    name TEXT NOT NULL COLLATE NOCASE,
    log_prefix TEXT NOT NULL,
    last_log_generated INTEGER NOT NULL,
    last_log_generated_at TEXT,
    lineage INTEGER NOT NULL,
    active_replayed INTEGER NOT NULL,
    missing_logs TEXT,
    PRIMARY KEY (server, name));
CREATE TABLE database (
    server TEXT NOT NULL,
    storage_group TEXT NOT NULL,
    name TEXT NOT NULL COLLATE NOCASE,
    kind TEXT NOT NULL,
    mounted INTEGER NOT NULL,
    PRIMARY KEY (server, storage_group, name),
    FOREIGN KEY (server, storage_group) REFERENCES storage_group(server, name));
CREATE TABLE sg_copy (
    server TEXT NOT NULL,
    storage_group TEXT NOT NULL,
    node TEXT NOT NULL REFERENCES node(name),
    kind TEXT NOT NULL,
    replay_lag_seconds INTEGER,
    truncation_lag_seconds INTEGER,
    status TEXT NOT NULL,
    suspend_comment TEXT,
    failed_message TEXT,
    last_log_copied INTEGER NOT NULL,
    last_log_inspected INTEGER NOT NULL,
    last_log_replayed INTEGER NOT NULL,
    last_copied_at TEXT,
    last_inspected_at TEXT,
    last_replayed_at TEXT,
    inspect_failures INTEGER NOT NULL,
    diverged_after INTEGER,
    restored INTEGER NOT NULL,
    PRIMARY KEY (server, storage_group, node),
    FOREIGN KEY (server, storage_group) REFERENCES storage_group(server, name));
CREATE TABLE event (
    idx INTEGER PRIMARY KEY,
    node TEXT NOT NULL COLLATE NOCASE,
    time TEXT NOT NULL,
    instance_id INTEGER NOT NULL,
    source TEXT NOT NULL COLLATE NOCASE,
    entry_type TEXT NOT NULL,
    message TEXT NOT NULL);
CREATE TABLE message (
    id INTEGER PRIMARY KEY,
    server TEXT NOT NULL COLLATE NOCASE,
    storage_group TEXT NOT NULL COLLATE NOCASE,
    size INTEGER NOT NULL,
    accepted_at TEXT NOT NULL,
    lost_at TEXT,
    resent_at TEXT);
CREATE INDEX message_by_storage_group ON message(server, storage_group);
";

/// The estate tables, children first (the order rows are deleted in).
const ESTATE_TABLES: [&str; 8] =
    ["sg_copy", "database", "storage_group", "cms_redundant_machine", "cms", "node", "cluster", "datacenter"];

/// The journal's tables.
const JOURNAL_TABLES: [&str; 2] = ["event", "message"];

/// What a change appends besides the new estate.
#[derive(Debug, Default)]
pub struct Journal {
    pub events: Vec<NewEvent>,
    /// Messages acknowledged by this change.
    pub accepted: Vec<AcceptedMessage>,
    /// Accepted messages a lossy mount lost, and those the transport dumpster resent.
    pub lost: Vec<u64>,
    pub resent: Vec<u64>,
}

/// One accepted message in the loss ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerEntry {
    pub id: u64,
    pub declared_lost: bool,
    pub resent: bool,
}

/// An accepted message as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    pub id: u64,
    pub size: u64,
    pub accepted_at: DateTime<Utc>,
}

/// A message acknowledged to its sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedMessage {
    pub id: u64,
    pub server: String,
    pub storage_group: String,
    pub size: u64,
}

/// A store failure: the file is missing, corrupt, from another version, or SQLite failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the estate database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the estate database holds an unreadable value in {table}.{column}: '{value}'")]
    BadValue { table: &'static str, column: &'static str, value: String },
    #[error("the estate database is schema version {found}; this ccrd reads version {SCHEMA_VERSION}")]
    WrongVersion { found: i64 },
    #[error("the time {0} cannot be stored: it would not read back (years 0000-9999 only)")]
    Unrepresentable(String),
}

impl StoreError {
    /// Whether SQLite failed because the disk (or the database's quota) is full.
    pub fn is_disk_full(&self) -> bool {
        matches!(self, StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _)) if f.code == rusqlite::ErrorCode::DiskFull)
    }
}

/// An open estate database.
pub struct Store {
    connection: Connection,
}

impl Store {
    /// Creates the database at `path` holding `estate`. The file must not exist yet.
    pub fn create(path: &Path, estate: &Estate) -> Result<Store, StoreError> {
        let mut connection = Connection::open(path)?;
        configure(&connection)?;
        let tx = connection.transaction()?;
        tx.execute_batch(SCHEMA)?;
        tx.execute("INSERT INTO meta VALUES ('schema_version', ?1)", [SCHEMA_VERSION.to_string()])?;
        tx.execute("INSERT INTO meta VALUES ('topology', ?1)", [&estate.topology])?;
        tx.execute("INSERT INTO meta VALUES ('log_size_bytes', ?1)", [estate.log_size_bytes.to_string()])?;
        write_counters(&tx, estate)?;
        insert_estate(&tx, estate)?;
        tx.commit()?;
        Ok(Store { connection })
    }

    /// Opens an existing database and reads the estate from it.
    pub fn open(path: &Path) -> Result<(Store, Estate), StoreError> {
        let connection = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        configure(&connection)?;
        let store = Store { connection };
        let estate = store.load()?;
        Ok((store, estate))
    }

    /// Whether a write transaction can begin now (for `/readyz`): takes SQLite's write lock
    /// and gives it back, writing nothing.
    pub fn probe_writable(&self) -> Result<(), StoreError> {
        self.connection.execute_batch("BEGIN IMMEDIATE; ROLLBACK;")?;
        Ok(())
    }

    fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.connection.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    /// Writes `estate` in place of the stored one and appends `journal`, in one transaction
    /// that is on disk when this returns. Returns the events as numbered and timed.
    pub fn commit(
        &mut self,
        estate: &Estate,
        journal: &Journal,
        at: DateTime<Utc>,
    ) -> Result<Vec<EventEntry>, StoreError> {
        let tx = self.connection.transaction()?;
        for table in ESTATE_TABLES {
            tx.execute(&format!("DELETE FROM {table}"), [])?;
        }
        insert_estate(&tx, estate)?;
        write_counters(&tx, estate)?;
        let time = readable_time(at)?;
        let mut events = Vec::with_capacity(journal.events.len());
        for e in &journal.events {
            tx.execute(
                "INSERT INTO event (node, time, instance_id, source, entry_type, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![e.node, time, e.instance_id, e.source, to_text(&e.entry_type), e.message],
            )?;
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
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO message (id, server, storage_group, size, accepted_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for m in &journal.accepted {
                insert.execute(params![sql_int(m.id), m.server, m.storage_group, sql_int(m.size), time])?;
            }
            let mut lost = tx.prepare_cached("UPDATE message SET lost_at = ?2 WHERE id = ?1 AND lost_at IS NULL")?;
            for id in &journal.lost {
                lost.execute(params![sql_int(*id), time])?;
            }
            let mut resent = tx.prepare_cached("UPDATE message SET resent_at = ?2 WHERE id = ?1")?;
            for id in &journal.resent {
                resent.execute(params![sql_int(*id), time])?;
            }
        }
        tx.commit()?;
        Ok(events)
    }

    /// Starts over with `estate`: every table emptied (the journal too) and the estate
    /// written, in one transaction.
    pub fn replace_all(&mut self, estate: &Estate) -> Result<(), StoreError> {
        let tx = self.connection.transaction()?;
        for table in JOURNAL_TABLES.iter().chain(ESTATE_TABLES.iter()) {
            tx.execute(&format!("DELETE FROM {table}"), [])?;
        }
        insert_estate(&tx, estate)?;
        write_counters(&tx, estate)?;
        tx.commit()?;
        Ok(())
    }

    /// Writes a consistent copy of the whole database to `path` (which must not exist).
    pub fn snapshot_to(&self, path: &Path) -> Result<(), StoreError> {
        self.connection.execute("VACUUM INTO ?1", [path.to_string_lossy()])?;
        Ok(())
    }

    /// Replaces every table with the contents of the snapshot database at `path`, pointing
    /// the estate at `files_dir`, in one transaction; returns the estate as imported.
    pub fn import_from(&mut self, path: &Path, files_dir: &str) -> Result<Estate, StoreError> {
        self.connection.execute("ATTACH DATABASE ?1 AS snapshot", [path.to_string_lossy()])?;
        let result = (|| {
            let version: Option<String> = self
                .connection
                .query_row("SELECT value FROM snapshot.meta WHERE key = 'schema_version'", [], |r| r.get(0))
                .optional()?;
            let found = version.and_then(|v| v.parse().ok()).unwrap_or(0);
            if found != SCHEMA_VERSION {
                return Err(StoreError::WrongVersion { found });
            }
            let tx = self.connection.transaction()?;
            for table in JOURNAL_TABLES.iter().chain(ESTATE_TABLES.iter()) {
                tx.execute(&format!("DELETE FROM main.{table}"), [])?;
            }
            tx.execute("DELETE FROM main.meta", [])?;
            for table in ["meta"].iter().chain(ESTATE_TABLES.iter().rev()).chain(JOURNAL_TABLES.iter()) {
                tx.execute(&format!("INSERT INTO main.{table} SELECT * FROM snapshot.{table}"), [])?;
            }
            tx.execute("INSERT OR REPLACE INTO main.meta VALUES ('files_dir', ?1)", [files_dir])?;
            tx.commit()?;
            Ok(())
        })();
        self.connection.execute("DETACH DATABASE snapshot", [])?;
        result?;
        self.load()
    }

    /// The messages accepted for a storage group, oldest first.
    pub fn messages(&self, server: &str, storage_group: &str) -> Result<Vec<StoredMessage>, StoreError> {
        let mut stmt = self.connection.prepare_cached(
            "SELECT id, size, accepted_at FROM message WHERE server = ?1 AND storage_group = ?2 ORDER BY id",
        )?;
        let mut rows = stmt.query(params![server, storage_group])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(StoredMessage {
                id: count(r.get(0)?),
                size: count(r.get(1)?),
                accepted_at: time_from_text("message", "accepted_at", r.get(2)?)?.unwrap_or_default(),
            });
        }
        Ok(out)
    }

    /// A second connection for queries of the journal, so reads never wait behind a change.
    pub fn reader(path: &Path) -> Result<Reader, StoreError> {
        let connection = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        Ok(Reader { connection })
    }

    /// The operation history of a schema-2 database (`None` for a current one), oldest first.
    pub fn legacy_history(&self) -> Result<Option<Vec<OperationRecord>>, StoreError> {
        if self.meta("schema_version")?.as_deref() != Some("2") {
            return Ok(None);
        }
        let mut stmt = self.connection.prepare(
            "SELECT idx, time, caller, cmdlet, object, reason, dry_run, outcome, error, report, timings FROM operation \
             ORDER BY idx",
        )?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let time: String = r.get(1)?;
            let report: String = r.get(9)?;
            let timings: String = r.get(10)?;
            out.push(OperationRecord {
                index: count(r.get(0)?),
                run_date: time_from_text("operation", "time", Some(time))?.unwrap_or_default(),
                caller: r.get(2)?,
                cmdlet_name: r.get(3)?,
                object_modified: r.get(4)?,
                reason: r.get(5)?,
                domain_controller: None,
                dry_run: r.get(6)?,
                outcome: r.get(7)?,
                error: r.get(8)?,
                report: serde_json::from_str(&report).unwrap_or_default(),
                timings: serde_json::from_str(&timings).unwrap_or_default(),
            });
        }
        Ok(Some(out))
    }

    /// Drops a schema-2 database's history (once moved to the audit trail) and makes it schema 3.
    pub fn drop_legacy_history(&mut self) -> Result<(), StoreError> {
        let tx = self.connection.transaction()?;
        tx.execute_batch("DROP TABLE IF EXISTS operation;")?;
        tx.execute("UPDATE meta SET value = ?1 WHERE key = 'schema_version'", [SCHEMA_VERSION.to_string()])?;
        tx.commit()?;
        Ok(())
    }

    /// Reads the whole estate.
    pub fn load(&self) -> Result<Estate, StoreError> {
        let version: i64 = self.meta("schema_version")?.and_then(|v| v.parse().ok()).unwrap_or(0);
        // Schema 2 is schema 3 with the history still in it (moved out when the lab opens).
        if version != SCHEMA_VERSION && version != 2 {
            return Err(StoreError::WrongVersion { found: version });
        }
        let c = &self.connection;
        let log_size_bytes = self.meta("log_size_bytes")?.and_then(|v| v.parse().ok()).unwrap_or(1 << 20);
        let mut estate = Estate::empty(self.meta("topology")?.unwrap_or_default(), log_size_bytes);
        estate.version = self.meta("version")?.and_then(|v| v.parse().ok()).unwrap_or(0);
        estate.files_dir = self.meta("files_dir")?.unwrap_or_else(|| "nodes".into());
        if !is_files_dir(&estate.files_dir) {
            return Err(StoreError::BadValue { table: "meta", column: "files_dir", value: shown(&estate.files_dir) });
        }
        estate.clock_offset_ms = self.meta("clock_offset_ms")?.and_then(|v| v.parse().ok()).unwrap_or(0);
        estate.next_message_id = self.meta("next_message_id")?.and_then(|v| v.parse().ok()).unwrap_or(1);
        estate.network_cuts = json_from_text("meta", "network_cuts", self.meta("network_cuts")?)?.unwrap_or_default();
        estate.quorum_owners =
            json_from_text("meta", "quorum_owners", self.meta("quorum_owners")?)?.unwrap_or_default();
        if let Some(size) = self.meta("max_dumpster_size_bytes")?.and_then(|v| v.parse().ok()) {
            estate.max_dumpster_size_bytes = size;
        }
        if let Some(time) = self.meta("max_dumpster_time_seconds")?.and_then(|v| v.parse().ok()) {
            estate.max_dumpster_time_seconds = time;
        }
        if let Some(domain) = self.meta("domain")? {
            estate.domain = domain;
        }
        if let Some(organization) = self.meta("organization")? {
            estate.organization = organization;
        }
        if let Some(controllers) = json_from_text("meta", "domain_controllers", self.meta("domain_controllers")?)? {
            estate.domain_controllers = controllers;
        }
        if let Some(workstation) = self.meta("workstation")? {
            estate.workstation = workstation;
        }
        let mut q = c.prepare("SELECT name, subnet FROM datacenter ORDER BY rowid")?;
        estate.datacenters =
            q.query_map([], |r| Ok(Datacenter { name: r.get(0)?, subnet: r.get(1)? }))?.collect::<Result<_, _>>()?;
        let mut q =
            c.prepare("SELECT name, datacenter, file_share_witness, cms_resources FROM cluster ORDER BY rowid")?;
        estate.clusters = q
            .query_map([], |r| {
                let resources: String = r.get(3)?;
                Ok(Cluster {
                    name: r.get(0)?,
                    datacenter: r.get(1)?,
                    file_share_witness: r.get(2)?,
                    cms_resources: serde_json::from_str(&resources).unwrap_or_default(),
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut q = c.prepare("SELECT name, cluster, ip, powered_on FROM node ORDER BY rowid")?;
        estate.nodes = q
            .query_map([], |r| Ok(Node { name: r.get(0)?, cluster: r.get(1)?, ip: r.get(2)?, powered_on: r.get(3)? }))?
            .collect::<Result<_, _>>()?;

        let mut q = c.prepare(
            "SELECT name, ip, cluster, active_node, state, auto_database_mount_dial, \
             forced_database_mount_after FROM cms ORDER BY rowid",
        )?;
        let rows: Vec<CmsRow> = q
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))?
            .collect::<Result<_, _>>()?;
        let mut machines = c.prepare("SELECT node FROM cms_redundant_machine WHERE cms = ?1 ORDER BY position")?;
        for (name, ip, cluster, active_node, state, dial, forced) in rows {
            let redundant_machines = machines.query_map([&name], |r| r.get(0))?.collect::<Result<_, _>>()?;
            estate.servers.push(ClusteredMailboxServer {
                name,
                ip,
                cluster,
                active_node,
                redundant_machines,
                state: from_text("cms", "state", &state)?,
                auto_database_mount_dial: from_text("cms", "auto_database_mount_dial", &dial)?,
                forced_database_mount_after: forced,
            });
        }

        let mut q = c.prepare(
            "SELECT server, name, log_prefix, last_log_generated, last_log_generated_at, lineage, active_replayed, \
             missing_logs FROM storage_group ORDER BY rowid",
        )?;
        let mut rows = q.query([])?;
        while let Some(r) = rows.next()? {
            estate.storage_groups.push(StorageGroup {
                server: r.get(0)?,
                name: r.get(1)?,
                log_prefix: r.get(2)?,
                last_log_generated: count(r.get(3)?),
                last_log_generated_at: time_from_text("storage_group", "last_log_generated_at", r.get(4)?)?,
                lineage: r.get::<_, i64>(5)?.cast_unsigned(),
                active_replayed: count(r.get(6)?),
                open_log_records: 0,
                truncated_through: 0,
                missing_logs: json_from_text("storage_group", "missing_logs", r.get(7)?)?,
                mail: MailCounters::default(),
            });
        }

        let mut q = c.prepare("SELECT server, storage_group, name, kind, mounted FROM database ORDER BY rowid")?;
        let rows: Vec<(String, String, String, String, bool)> = q
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
            .collect::<Result<_, _>>()?;
        for (server, storage_group, name, kind, mounted) in rows {
            let kind = from_text("database", "kind", &kind)?;
            estate.databases.push(Database { server, storage_group, name, kind, mounted });
        }

        let mut q = c.prepare(
            "SELECT server, storage_group, node, kind, replay_lag_seconds, truncation_lag_seconds, status, \
             suspend_comment, failed_message, last_log_copied, last_log_inspected, last_log_replayed, \
             last_copied_at, last_inspected_at, last_replayed_at, inspect_failures, diverged_after, restored \
             FROM sg_copy ORDER BY rowid",
        )?;
        let mut rows = q.query([])?;
        while let Some(r) = rows.next()? {
            let kind_text: String = r.get(3)?;
            let kind = match kind_text.as_str() {
                "CCR" => CopyKind::ClusterContinuous,
                "SCR" => CopyKind::StandbyContinuous {
                    replay_lag_seconds: count(r.get::<_, Option<i64>>(4)?.unwrap_or(0)),
                    truncation_lag_seconds: count(r.get::<_, Option<i64>>(5)?.unwrap_or(0)),
                },
                _ => {
                    return Err(StoreError::BadValue { table: "sg_copy", column: "kind", value: shown(&kind_text) });
                }
            };
            let status: String = r.get(6)?;
            estate.copies.push(StorageGroupCopy {
                server: r.get(0)?,
                storage_group: r.get(1)?,
                node: r.get(2)?,
                kind,
                status: from_text("sg_copy", "status", &status)?,
                suspend_comment: r.get(7)?,
                failed_message: r.get(8)?,
                last_log_copied: count(r.get(9)?),
                last_log_inspected: count(r.get(10)?),
                last_log_replayed: count(r.get(11)?),
                last_copied_at: time_from_text("sg_copy", "last_copied_at", r.get(12)?)?,
                last_inspected_at: time_from_text("sg_copy", "last_inspected_at", r.get(13)?)?,
                last_replayed_at: time_from_text("sg_copy", "last_replayed_at", r.get(14)?)?,
                inspect_failures: r.get(15)?,
                truncated_through: 0,
                diverged_after: r.get::<_, Option<i64>>(16)?.map(count),
                restored: r.get(17)?,
            });
        }
        Ok(estate)
    }
}

/// Full durability: a change is on disk before the transaction commit returns.
fn configure(connection: &Connection) -> Result<(), StoreError> {
    connection.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")?;
    Ok(())
}

fn insert_estate(tx: &Transaction<'_>, e: &Estate) -> Result<(), StoreError> {
    for d in &e.datacenters {
        tx.execute("INSERT INTO datacenter VALUES (?1, ?2)", params![d.name, d.subnet])?;
    }
    for c in &e.clusters {
        tx.execute(
            "INSERT INTO cluster VALUES (?1, ?2, ?3, ?4)",
            params![
                c.name,
                c.datacenter,
                c.file_share_witness,
                serde_json::to_string(&c.cms_resources).unwrap_or_default()
            ],
        )?;
    }
    for n in &e.nodes {
        tx.execute("INSERT INTO node VALUES (?1, ?2, ?3, ?4)", params![n.name, n.cluster, n.ip, n.powered_on])?;
    }
    for s in &e.servers {
        tx.execute(
            "INSERT INTO cms VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                s.name,
                s.ip,
                s.cluster,
                s.active_node,
                to_text(&s.state),
                to_text(&s.auto_database_mount_dial),
                s.forced_database_mount_after
            ],
        )?;
        for (position, node) in s.redundant_machines.iter().enumerate() {
            tx.execute(
                "INSERT INTO cms_redundant_machine VALUES (?1, ?2, ?3)",
                params![s.name, sql_int(position as u64), node],
            )?;
        }
    }
    for sg in &e.storage_groups {
        tx.execute(
            "INSERT INTO storage_group VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                sg.server,
                sg.name,
                sg.log_prefix,
                sql_int(sg.last_log_generated),
                time_to_text(sg.last_log_generated_at)?,
                sg.lineage.cast_signed(),
                sql_int(sg.active_replayed),
                sg.missing_logs.as_ref().map(|m| serde_json::to_string(m).unwrap_or_default())
            ],
        )?;
    }
    for db in &e.databases {
        tx.execute(
            "INSERT INTO database VALUES (?1, ?2, ?3, ?4, ?5)",
            params![db.server, db.storage_group, db.name, to_text(&db.kind), db.mounted],
        )?;
    }
    for c in &e.copies {
        let (kind, replay, truncation) = match c.kind {
            CopyKind::ClusterContinuous => ("CCR", None, None),
            CopyKind::StandbyContinuous { replay_lag_seconds, truncation_lag_seconds } => {
                ("SCR", Some(sql_int(replay_lag_seconds)), Some(sql_int(truncation_lag_seconds)))
            }
        };
        tx.execute(
            "INSERT INTO sg_copy VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
            params![
                c.server,
                c.storage_group,
                c.node,
                kind,
                replay,
                truncation,
                to_text(&c.status),
                c.suspend_comment,
                c.failed_message,
                sql_int(c.last_log_copied),
                sql_int(c.last_log_inspected),
                sql_int(c.last_log_replayed),
                time_to_text(c.last_copied_at)?,
                time_to_text(c.last_inspected_at)?,
                time_to_text(c.last_replayed_at)?,
                c.inspect_failures,
                c.diverged_after.map(sql_int),
                c.restored
            ],
        )?;
    }
    Ok(())
}

/// The estate's counters, kept in `meta`.
fn write_counters(tx: &Transaction<'_>, e: &Estate) -> Result<(), StoreError> {
    let mut put = tx.prepare_cached("INSERT OR REPLACE INTO meta VALUES (?1, ?2)")?;
    put.execute(params!["version", e.version.to_string()])?;
    put.execute(params!["clock_offset_ms", e.clock_offset_ms.to_string()])?;
    put.execute(params!["files_dir", e.files_dir])?;
    put.execute(params!["next_message_id", e.next_message_id.to_string()])?;
    put.execute(params!["network_cuts", serde_json::to_string(&e.network_cuts).unwrap_or_default()])?;
    put.execute(params!["quorum_owners", serde_json::to_string(&e.quorum_owners).unwrap_or_default()])?;
    put.execute(params!["max_dumpster_size_bytes", e.max_dumpster_size_bytes.to_string()])?;
    put.execute(params!["max_dumpster_time_seconds", e.max_dumpster_time_seconds.to_string()])?;
    put.execute(params!["domain", e.domain])?;
    put.execute(params!["organization", e.organization])?;
    put.execute(params!["domain_controllers", serde_json::to_string(&e.domain_controllers).unwrap_or_default()])?;
    put.execute(params!["workstation", e.workstation])?;
    Ok(())
}

/// How long checking an uploaded snapshot's database may take before it is refused.
pub const SNAPSHOT_CHECK_BUDGET: std::time::Duration = std::time::Duration::from_secs(20);

/// Reads the estate from a snapshot's database (`path`, an uploaded file in a private staging
/// directory) without trusting it: opened read-only with SQLite's limits lowered and a time
/// budget (a progress handler interrupts any statement past `budget`), its schema compared to
/// the exact schema this build writes (no views, triggers or virtual tables can hide in it),
/// `quick_check`ed, and every journal row read as the reader would read it. Never called
/// under the writer lock.
pub fn read_snapshot(path: &Path, budget: std::time::Duration) -> Result<Estate, StoreError> {
    use rusqlite::limits::Limit;
    let refused = |why: String| StoreError::BadValue { table: "sqlite_master", column: "sql", value: why };
    let mut connection = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
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
        other => StoreError::Sqlite(other),
    };
    let found = schema_of(&connection).map_err(timed_out)?;
    let expected = {
        let fresh = Connection::open_in_memory()?;
        fresh.execute_batch(SCHEMA)?;
        schema_of(&fresh)?
    };
    if found != expected {
        let version: Option<String> = connection
            .query_row("SELECT value FROM meta WHERE key = 'schema_version'", [], |r| r.get(0))
            .optional()
            .ok()
            .flatten();
        return match version.and_then(|v| v.parse().ok()) {
            Some(found) if found != SCHEMA_VERSION => Err(StoreError::WrongVersion { found }),
            _ => Err(refused("its tables are not the estate's (an extra table, view, trigger or column)".into())),
        };
    }
    let check: String = connection.query_row("PRAGMA quick_check", [], |r| r.get(0)).map_err(timed_out)?;
    if check != "ok" {
        return Err(refused(format!("SQLite finds it damaged ({})", shown(&check))));
    }
    let store = Store { connection };
    let estate = store.load().map_err(|e| match e {
        StoreError::Sqlite(e) => timed_out(e),
        other => other,
    })?;
    // The journal's rows, read as the reader reads them, so none can fail a later query.
    let reader = Reader { connection: store.connection };
    reader.events(&EventQuery::default()).map_err(|e| match e {
        StoreError::Sqlite(e) => timed_out(e),
        other => other,
    })?;
    let mut stmt = reader.connection.prepare("SELECT id, size, accepted_at, lost_at, resent_at FROM message")?;
    let mut rows = stmt.query([]).map_err(timed_out)?;
    while let Some(r) = rows.next().map_err(timed_out)? {
        let (id, size): (i64, i64) = (r.get(0)?, r.get(1)?);
        if id < 1 || size < 0 {
            return Err(StoreError::BadValue { table: "message", column: "id", value: id.to_string() });
        }
        for (column, index) in [("accepted_at", 2), ("lost_at", 3), ("resent_at", 4)] {
            let time: Option<String> = r.get(index)?;
            if column == "accepted_at" && time.is_none() {
                return Err(StoreError::BadValue { table: "message", column, value: "NULL".into() });
            }
            time_from_text("message", column, time)?;
        }
    }
    Ok(estate)
}

/// One schema object: `(type, name, table, sql)`.
type SchemaObject = (String, String, String, Option<String>);

/// Every schema object, sorted.
fn schema_of(connection: &Connection) -> rusqlite::Result<Vec<SchemaObject>> {
    let mut stmt = connection.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")?;
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect()
}

/// A read-only connection for the journal's queries.
pub struct Reader {
    connection: Connection,
}

impl Reader {
    /// Events, newest first, filtered as `Get-EventLog` filters them.
    pub fn events(&self, q: &EventQuery) -> Result<Vec<EventEntry>, StoreError> {
        let mut sql =
            String::from("SELECT idx, node, time, instance_id, source, entry_type, message FROM event WHERE 1 = 1");
        let mut values: Vec<String> = Vec::new();
        let mut filter = |column: &str, value: Option<String>| {
            if let Some(v) = value {
                values.push(v);
                sql.push_str(&format!(" AND {column} ?{}", values.len()));
            }
        };
        filter("node =", q.computer_name.clone());
        filter("source LIKE", q.source.as_ref().map(|s| s.replace('*', "%")));
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
                time_generated: time_from_text("event", "time", Some(time))?.unwrap_or_default(),
                instance_id: r.get(3)?,
                source: r.get(4)?,
                entry_type: from_text("event", "entry_type", &entry_type)?,
                message: r.get(6)?,
            });
        }
        Ok(out)
    }

    /// The messages accepted for a storage group, ascending by id: whether each was declared
    /// lost by a lossy mount, and whether the transport dumpster resent it.
    pub fn accepted(&self, server: &str, storage_group: &str) -> Result<Vec<LedgerEntry>, StoreError> {
        let mut stmt = self.connection.prepare_cached(
            "SELECT id, lost_at IS NOT NULL, resent_at IS NOT NULL FROM message \
             WHERE server = ?1 AND storage_group = ?2 ORDER BY id",
        )?;
        let rows = stmt.query_map(params![server, storage_group], |r| {
            Ok(LedgerEntry { id: count(r.get(0)?), declared_lost: r.get(1)?, resent: r.get(2)? })
        })?;
        rows.map(|r| r.map_err(StoreError::from)).collect()
    }
}

/// A `cms` row: name, ip, cluster, active node, state, dial, forced mount time.
type CmsRow = (String, String, String, String, String, String, Option<String>);

/// SQLite integers are signed; counters and generations never come near the limit.
fn sql_int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// An API enum as the text its serde name gives (`BestAvailability`).
fn to_text<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        other => format!("{other:?}"),
    }
}

fn from_text<T: DeserializeOwned>(table: &'static str, column: &'static str, text: &str) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(text.to_string())).map_err(|_| StoreError::BadValue {
        table,
        column,
        value: shown(text),
    })
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

fn json_from_text<T: DeserializeOwned>(
    table: &'static str,
    column: &'static str,
    text: Option<String>,
) -> Result<Option<T>, StoreError> {
    text.map(|t| serde_json::from_str(&t).map_err(|_| StoreError::BadValue { table, column, value: shown(&t) }))
        .transpose()
}

fn time_to_text(time: Option<DateTime<Utc>>) -> Result<Option<String>, StoreError> {
    time.map(readable_time).transpose()
}

/// A time as the store writes it, refused unless it reads back: RFC 3339 has four-digit
/// years, so a time outside the years 0000–9999 is never written.
fn readable_time(time: DateTime<Utc>) -> Result<String, StoreError> {
    use chrono::Datelike;
    if (0..=9999).contains(&time.year()) {
        Ok(time.to_rfc3339())
    } else {
        Err(StoreError::Unrepresentable(time.to_rfc3339()))
    }
}

fn time_from_text(
    table: &'static str,
    column: &'static str,
    text: Option<String>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    text.map(|t| {
        DateTime::parse_from_rfc3339(&t).map(|t| t.to_utc()).map_err(|_| StoreError::BadValue {
            table,
            column,
            value: shown(&t),
        })
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::topology::{SEED, build};

    #[test]
    fn a_time_that_would_not_read_back_is_never_written() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("estate.db");
        let mut estate = build("seed", SEED).expect("seed builds");
        let mut store = Store::create(&path, &estate).expect("created");
        let far = DateTime::from_timestamp(300_000_000_000, 0).expect("year 11476");
        estate.copies[0].last_copied_at = Some(far);
        assert!(matches!(store.commit(&estate, &Journal::default(), Utc::now()), Err(StoreError::Unrepresentable(_))));
        assert!(store.commit(&build("seed", SEED).expect("seed"), &Journal::default(), far).is_err());
        drop(store);
        let (_, loaded) = Store::open(&path).expect("still opens");
        assert_eq!(loaded.copies[0].last_copied_at, None, "nothing was written");
    }

    #[test]
    fn an_estate_reads_back_as_written() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("estate.db");
        let mut estate = build("seed", SEED).expect("seed builds");
        estate.copies[0].kind = CopyKind::StandbyContinuous { replay_lag_seconds: 86_400, truncation_lag_seconds: 0 };
        estate.copies[0].last_inspected_at = Some(DateTime::from_timestamp(1_200_000_000, 0).expect("valid time"));
        drop(Store::create(&path, &estate).expect("created"));
        let (_, loaded) = Store::open(&path).expect("opened");
        assert_eq!(loaded, estate);
    }
}
