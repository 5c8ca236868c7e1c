//! Earlier versions of the store: reading a version 2 or 3 database (one table per kind of
//! object, one ledger row per message; version 2 also kept the operation history) and migrating
//! it to the current schema in one transaction, so a lab made by an earlier ccrd opens with its
//! estate and ledger intact. A version 2 history stays in its table until the lab moves it to
//! the audit trail ([`history`], then `SqliteStore::drop_legacy_history`).
//!
//! Must not: write anything but the migration.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde::de::DeserializeOwned;

use super::StoreError;
use super::sqlite::{SCHEMA_VERSION, count};
use crate::api::OperationRecord;
use crate::engine::*;

/// Migrates the version 2 or 3 database on `connection` to the current schema: the estate's objects
/// are rewritten as rows of `object`, each ledger message becomes a range of one, lost and
/// resent marks become fates, and each storage group's counters are computed from the ledger.
pub fn migrate(connection: &mut Connection) -> Result<(), StoreError> {
    let mut estate = load(connection)?;
    let mut counters: HashMap<(String, String), MailCounters> = HashMap::new();
    {
        let mut q = connection.prepare(
            "SELECT server, storage_group, count(*), sum(size), \
             sum(lost_at IS NOT NULL AND resent_at IS NULL), sum(resent_at IS NOT NULL) \
             FROM message GROUP BY server, storage_group",
        )?;
        let mut rows = q.query([])?;
        while let Some(r) = rows.next()? {
            let key: (String, String) =
                (r.get::<_, String>(0)?.to_ascii_lowercase(), r.get::<_, String>(1)?.to_ascii_lowercase());
            counters.insert(
                key,
                MailCounters {
                    accepted: count(r.get(2)?),
                    accepted_bytes: count(r.get::<_, Option<i64>>(3)?.unwrap_or(0)),
                    lost: count(r.get::<_, Option<i64>>(4)?.unwrap_or(0)),
                    resent: count(r.get::<_, Option<i64>>(5)?.unwrap_or(0)),
                    unavailable: 0,
                },
            );
        }
    }
    for sg in estate.storage_groups.iter_mut() {
        let key = (sg.server.to_ascii_lowercase(), sg.name.to_ascii_lowercase());
        sg.mail = counters.get(&key).copied().unwrap_or_default();
    }
    let tx = connection.transaction()?;
    tx.execute_batch(
        "CREATE TABLE object (kind TEXT NOT NULL, position INTEGER NOT NULL, body TEXT NOT NULL, \
             PRIMARY KEY (kind, position)) WITHOUT ROWID;
         CREATE TABLE ledger (first_id INTEGER PRIMARY KEY, server TEXT NOT NULL COLLATE NOCASE, \
             storage_group TEXT NOT NULL COLLATE NOCASE, count INTEGER NOT NULL, size INTEGER NOT NULL, \
             accepted_at TEXT NOT NULL);
         CREATE INDEX ledger_by_storage_group ON ledger(server, storage_group, first_id);
         CREATE TABLE message_fate (id INTEGER PRIMARY KEY, server TEXT NOT NULL COLLATE NOCASE, \
             storage_group TEXT NOT NULL COLLATE NOCASE, fate TEXT NOT NULL, lost_at TEXT, resent_at TEXT);
         CREATE INDEX message_fate_by_storage_group ON message_fate(server, storage_group, id);
         INSERT INTO ledger SELECT id, server, storage_group, 1, size, accepted_at FROM message;
         INSERT INTO message_fate SELECT id, server, storage_group, \
             CASE WHEN resent_at IS NOT NULL THEN 'resent' ELSE 'lost' END, lost_at, resent_at \
             FROM message WHERE lost_at IS NOT NULL OR resent_at IS NOT NULL;
         DROP TABLE message;
         DROP TABLE sg_copy; DROP TABLE database; DROP TABLE storage_group;
         DROP TABLE cms_redundant_machine; DROP TABLE cms; DROP TABLE node; DROP TABLE cluster; DROP TABLE datacenter;
         DELETE FROM meta WHERE key <> 'schema_version';",
    )?;
    tx.execute_batch(super::sqlite::SCHEMA_5_ADDITIONS)?;
    tx.execute_batch(super::sqlite::SCHEMA_6_ADDITIONS)?;
    super::sqlite::write_whole(&tx, &estate)?;
    tx.execute("UPDATE meta SET value = ?1 WHERE key = 'schema_version'", [SCHEMA_VERSION.to_string()])?;
    tx.commit()?;
    Ok(())
}

/// The operation history a version 2 database kept (`None` when it has none), oldest first.
pub fn history(c: &Connection) -> Result<Option<Vec<OperationRecord>>, StoreError> {
    let exists: i64 =
        c.query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'operation'", [], |r| {
            r.get(0)
        })?;
    if exists == 0 {
        return Ok(None);
    }
    let mut stmt = c.prepare(
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

fn meta(c: &Connection, key: &str) -> Result<Option<String>, StoreError> {
    Ok(c.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
}

/// Reads the whole estate of a version 2 database.
fn load(c: &Connection) -> Result<Estate, StoreError> {
    let version: i64 = meta(c, "schema_version")?.and_then(|v| v.parse().ok()).unwrap_or(0);
    if version != 2 && version != 3 {
        return Err(StoreError::WrongVersion { found: version });
    }
    let log_size_bytes = meta(c, "log_size_bytes")?.and_then(|v| v.parse().ok()).unwrap_or(1 << 20);
    let mut estate = Estate::empty(meta(c, "topology")?.unwrap_or_default(), log_size_bytes);
    estate.version = meta(c, "version")?.and_then(|v| v.parse().ok()).unwrap_or(0);
    estate.files_dir = meta(c, "files_dir")?.unwrap_or_else(|| "nodes".into());
    estate.clock_offset_ms = meta(c, "clock_offset_ms")?.and_then(|v| v.parse().ok()).unwrap_or(0);
    estate.next_message_id = meta(c, "next_message_id")?.and_then(|v| v.parse().ok()).unwrap_or(1);
    estate.network_cuts = json_from_text("meta", "network_cuts", meta(c, "network_cuts")?)?.unwrap_or_default();
    if let Some(size) = meta(c, "max_dumpster_size_bytes")?.and_then(|v| v.parse().ok()) {
        estate.max_dumpster_size_bytes = size;
    }
    if let Some(time) = meta(c, "max_dumpster_time_seconds")?.and_then(|v| v.parse().ok()) {
        estate.max_dumpster_time_seconds = time;
    }
    estate.quorum_owners = json_from_text("meta", "quorum_owners", meta(c, "quorum_owners")?)?.unwrap_or_default();
    if let Some(domain) = meta(c, "domain")? {
        estate.domain = domain;
    }
    if let Some(organization) = meta(c, "organization")? {
        estate.organization = organization;
    }
    if let Some(controllers) = json_from_text("meta", "domain_controllers", meta(c, "domain_controllers")?)? {
        estate.domain_controllers = controllers;
    }
    if let Some(workstation) = meta(c, "workstation")? {
        estate.workstation = workstation;
    }
    let mut q = c.prepare("SELECT name, subnet FROM datacenter ORDER BY rowid")?;
    estate.datacenters =
        q.query_map([], |r| Ok(Datacenter { name: r.get(0)?, subnet: r.get(1)? }))?.collect::<Result<_, _>>()?;
    let mut q = c.prepare("SELECT name, datacenter, file_share_witness, cms_resources FROM cluster ORDER BY rowid")?;
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
        .query_map([], |r| {
            Ok(Node { name: r.get(0)?, cluster: r.get(1)?, ip: r.get(2)?, powered_on: r.get(3)?, booted_at: None })
        })?
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
            log_folder_path: None,
            system_folder_path: None,
        });
    }

    let mut q = c.prepare("SELECT server, storage_group, name, kind, mounted FROM database ORDER BY rowid")?;
    let rows: Vec<(String, String, String, String, bool)> =
        q.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?.collect::<Result<_, _>>()?;
    for (server, storage_group, name, kind, mounted) in rows {
        let kind = from_text("database", "kind", &kind)?;
        estate.databases.push(Database {
            server,
            storage_group,
            name,
            kind,
            mounted,
            edb_file_path: None,
            allow_file_restore: false,
            no_mount_at_startup: false,
        });
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
                return Err(StoreError::BadValue { table: "sg_copy", column: "kind", value: kind_text });
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

/// A `cms` row: name, ip, cluster, active node, state, dial, forced mount time.
type CmsRow = (String, String, String, String, String, String, Option<String>);

fn from_text<T: DeserializeOwned>(table: &'static str, column: &'static str, text: &str) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(text.to_string())).map_err(|_| StoreError::BadValue {
        table,
        column,
        value: text.to_string(),
    })
}

fn json_from_text<T: DeserializeOwned>(
    table: &'static str,
    column: &'static str,
    text: Option<String>,
) -> Result<Option<T>, StoreError> {
    text.map(|t| serde_json::from_str(&t).map_err(|_| StoreError::BadValue { table, column, value: t })).transpose()
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
            value: t,
        })
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::super::{EstateStore, SqliteStore};

    /// `tests/fixtures/estate-v2.db` was written by the ccrd before the version 3 schema: a seed lab
    /// with 29 messages delivered, a crash of NH-W2K3-SRV03 and the dumpster's resend of all 29.
    #[test]
    fn a_version_2_lab_is_migrated_with_its_estate_history_and_ledger() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("estate.db");
        std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/estate-v2.db"), &path).expect("copied");
        let mut store = SqliteStore::open(&path).expect("migrates");
        let estate = store.load().expect("loads");
        assert_eq!((estate.topology.as_str(), estate.version, estate.next_message_id), ("seed", 3, 30));
        assert!(!estate.node("NH-W2K3-SRV03").expect("node").powered_on);
        let sg = estate.storage_group_of("CCREX01", "First Storage Group").expect("sg");
        assert_eq!((sg.mail.accepted, sg.mail.lost, sg.mail.resent), (29, 0, 29));
        let reader = store.reader().expect("reader");
        let mut ids = 0;
        reader
            .accepted("CCREX01", "First Storage Group", false, &mut |r| {
                ids += r.count;
                true
            })
            .expect("ledger");
        assert_eq!(ids, 29);
        let fates = reader.fates("CCREX01", "First Storage Group").expect("fates");
        assert!(fates.len() == 29 && fates.iter().all(|f| f.resent && !f.lost));
        assert!(store.legacy_history().expect("history").is_some_and(|h| !h.is_empty()), "the history waits to move");
        drop((reader, store));
        assert!(SqliteStore::open(&path).expect("reopens").load().is_ok(), "a migrated lab opens again");
    }
}
