//! Rehearsal (`ccrsh -Rehearse`): a runbook runs on a fork of the current estate — exported
//! from the real ccrd, imported into a throwaway embedded lab — and ccrsh then reports each
//! change the runbook made there (outcome, time) and how the estate would differ. The real
//! estate is only read (the export).
//!
//! Must not: change the real estate, or keep the fork: its directory is removed afterwards.

use std::collections::BTreeMap;
use std::path::PathBuf;

use ccrsh::api::{self, routes};
use ccrsh::service::embedded::{self, Embedded};
use ccrsh::service::lab::TopologySource;
use ccrsh::shell::client::{Client, ClientError};

/// A fork of the estate, served by its own embedded ccrd in a temporary directory.
pub struct Fork {
    pub client: Client,
    service: Option<Embedded>,
    dir: PathBuf,
    /// The history index of the import: the runbook's changes come after it.
    start: u64,
    before: BTreeMap<String, String>,
}

/// A new directory under the temporary directory, private to this user (mode 0700), with a
/// name nobody could have planted beforehand.
fn private_temp_dir() -> Result<PathBuf, String> {
    use std::os::unix::fs::DirBuilderExt;
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|e| e.to_string())?;
    let suffix: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let dir = std::env::temp_dir().join(format!("ccrsh-rehearsal-{}-{suffix}", std::process::id()));
    std::fs::DirBuilder::new().mode(0o700).create(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}

fn describe(e: ClientError) -> String {
    e.to_string()
}

impl Fork {
    /// Copies the estate `real` serves into a new embedded lab.
    pub fn of(real: &Client) -> Result<Fork, String> {
        let dir = private_temp_dir()?;
        let snapshot = real
            .download(routes::LAB_EXPORT, &[])
            .map_err(|e| format!("the estate could not be copied for the rehearsal: {}", describe(e)))?;
        let service = embedded::start(&dir.join("lab"), &TopologySource::Seed).map_err(|e| e.to_string())?;
        let client = Client::new(&service.url, Some(service.admin_token.clone())).map_err(|e| format!("{e:?}"))?;
        let _: api::LabResult = client
            .upload(routes::LAB_IMPORT, &api::ImportQuery::default(), snapshot.bytes)
            .map_err(|e| format!("the copy of the estate could not be loaded: {}", describe(e)))?;
        let history: Vec<api::OperationRecord> = client
            .get(routes::HISTORY, &api::HistoryQuery { newest: Some(1), ..Default::default() })
            .unwrap_or_default();
        let start = history.first().map_or(0, |r| r.index);
        let before = view(&client);
        Ok(Fork { client, service: Some(service), dir, start, before })
    }

    /// The report: each change the runbook made on the fork, then what differs.
    pub fn report(&self) -> String {
        let mut out =
            String::from("\nRehearsal on a copy of the estate; the estate itself was not changed.\n\nSteps:\n");
        let history: Vec<api::OperationRecord> =
            self.client.get(routes::HISTORY, &api::HistoryQuery::default()).unwrap_or_default();
        let steps: Vec<&api::OperationRecord> = history.iter().rev().filter(|r| r.index > self.start).collect();
        if steps.is_empty() {
            out.push_str("  (no changes)\n");
        }
        for (n, step) in steps.iter().enumerate() {
            let millis: u64 = step.timings.iter().map(|t| t.milliseconds).sum();
            let mode = if step.dry_run { " (dry run)" } else { "" };
            out.push_str(&format!(
                "  {:>2}. {:<9} {} {}{mode}  {millis} ms\n",
                n + 1,
                step.outcome,
                step.cmdlet_name,
                step.object_modified
            ));
            if let Some(error) = &step.error {
                out.push_str(&format!("      {error}\n"));
            }
        }
        out.push_str("\nWhat would differ:\n");
        let after = view(&self.client);
        let mut differences = 0;
        for key in self.before.keys().chain(after.keys().filter(|k| !self.before.contains_key(*k))) {
            let (old, new) = (self.before.get(key), after.get(key));
            if old != new {
                differences += 1;
                out.push_str(&format!(
                    "  {key}: {} -> {}\n",
                    old.map_or("(none)", String::as_str),
                    new.map_or("(none)", String::as_str)
                ));
            }
        }
        if differences == 0 {
            out.push_str("  (nothing)\n");
        }
        out
    }
}

impl Drop for Fork {
    fn drop(&mut self) {
        drop(self.service.take());
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The estate as a map from object to a one-line state, for comparing.
fn view(client: &Client) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    let servers: Vec<api::ClusteredMailboxServerStatus> =
        client.get(routes::CMS_STATUS, &api::IdentityQuery::default()).unwrap_or_default();
    for s in servers {
        let active = s.operational_machines.iter().find(|m| m.contains("Active")).cloned().unwrap_or_default();
        map.insert(
            format!("{} state", s.identity),
            format!("{:?} {}", s.state, active.replace(" <Active, Quorum Owner>", "")),
        );
    }
    let groups: Vec<api::StorageGroup> =
        client.get(routes::STORAGE_GROUPS, &api::StoreQuery::default()).unwrap_or_default();
    let ccr: Vec<api::StorageGroupCopyStatus> =
        client.get(routes::STORAGE_GROUP_COPY_STATUS, &api::CopyStatusQuery::default()).unwrap_or_default();
    for c in ccr {
        map.insert(
            format!("{} CCR copy", c.identity),
            format!("{:?} on {}", c.summary_copy_status, c.ccr_target_node.unwrap_or_default()),
        );
    }
    for g in &groups {
        for standby in &g.standby_machines {
            let query = api::CopyStatusQuery {
                identity: Some(g.identity.clone()),
                standby_machine: Some(standby.node_name.clone()),
                ..Default::default()
            };
            let copies: Vec<api::StorageGroupCopyStatus> =
                client.get(routes::STORAGE_GROUP_COPY_STATUS, &query).unwrap_or_default();
            for c in copies {
                map.insert(
                    format!("{} SCR copy on {}", g.identity, standby.node_name),
                    format!("{:?}", c.summary_copy_status),
                );
            }
        }
    }
    for route in [routes::MAILBOX_DATABASES, routes::PUBLIC_FOLDER_DATABASES] {
        let query = api::StoreQuery { status: true, ..Default::default() };
        let dbs: Vec<api::Database> = client.get(route, &query).unwrap_or_default();
        for db in dbs {
            map.insert(db.identity, if db.mounted == Some(true) { "Mounted".into() } else { "Dismounted".into() });
        }
    }
    let nodes: Vec<api::LabNode> = client.get(routes::LAB_NODES, &()).unwrap_or_default();
    for n in nodes {
        map.insert(format!("{} power", n.name), if n.powered_on { "On".into() } else { "Off".into() });
    }
    map
}
