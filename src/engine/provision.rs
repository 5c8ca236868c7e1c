//! New storage groups and mailbox databases on a running estate (`New-StorageGroup`,
//! `New-MailboxDatabase`), with the rules Exchange 2007 SP1 sets: a storage group belongs to a
//! mailbox server (here a clustered mailbox server; a node of a cluster that runs none, or a
//! hub transport server, holds none), its name is unique on the server, at most 50 per server
//! (Enterprise Edition), its folders used by no other storage group of the server, and its log
//! prefix the next free of E00..E49. On a CCR clustered mailbox server the new storage group
//! gets its passive copy on every other redundant machine at once; SCR is enabled separately
//! (Enable-StorageGroupCopy -StandbyMachine). A replicated storage group holds one database.
//! A new database is created dismounted: Mount-Database mounts it. `Remove-MailboxDatabase` takes
//! a dismounted database without mailboxes; `Remove-StorageGroup` a storage group without
//! databases or SCR copies, with its CCR copies.
//!
//! Must not: touch files (the service makes the new copies' folders) or accept a path that is
//! not a local Windows path (`engine::paths` checks them).

use super::EngineError;
use super::estate::{CopyKind, Database, Estate, StorageGroup, StorageGroupCopy};
use super::identity;
use super::paths::{self, PathKind};
use super::preconditions::{Check, Report};
use super::queries::MAILBOX_ROOT;
use crate::api::{CopyStatus, DatabaseKind, PreconditionReport};

/// Storage groups (and databases) a mailbox server of Exchange 2007 Enterprise Edition holds.
pub const MAX_STORAGE_GROUPS: usize = 50;

/// What New-StorageGroup was asked for.
#[derive(Debug, Clone, Default)]
pub struct NewStorageGroup<'a> {
    pub server: &'a str,
    pub name: &'a str,
    pub log_folder_path: Option<&'a str>,
    pub system_folder_path: Option<&'a str>,
}

/// `New-StorageGroup`: checks the rules, then adds the storage group (and, on a CCR server, its
/// passive copies). Returns the new storage group's identity and the report.
pub fn new_storage_group(
    estate: &mut Estate,
    ask: &NewStorageGroup<'_>,
) -> Result<(String, PreconditionReport), EngineError> {
    super::validate::object_name("storage group", ask.name).map_err(|message| EngineError::Invalid {
        message: format!("{message}."),
        hint: "New-StorageGroup -Server CCREX01 -Name 'Third Storage Group'".into(),
    })?;
    let log_folder =
        ask.log_folder_path.map(|p| paths::check_path("LogFolderPath", p, PathKind::Folder)).transpose()?;
    let system_folder =
        ask.system_folder_path.map(|p| paths::check_path("SystemFolderPath", p, PathKind::Folder)).transpose()?;
    let server = mailbox_server(estate, ask.server)?;
    let identity = format!("{}\\{}", server.name, ask.name);
    let mut report = Report::new("New-StorageGroup", &identity);
    let groups: Vec<&StorageGroup> = estate.storage_groups_of(&server.name).collect();
    let duplicate = groups.iter().any(|sg| sg.name.eq_ignore_ascii_case(ask.name));
    report.add(Check {
        name: format!("No storage group of {} has this name", server.name),
        passed: !duplicate,
        observed: if duplicate { format!("{identity} exists") } else { "free".into() },
        threshold: "a new name".into(),
        why: "A storage group is found by Server\\Name.",
        remedy: format!("Give another -Name, or use the existing storage group '{identity}'."),
        override_switch: None,
    });
    report.add(Check {
        name: format!("{} holds fewer than {MAX_STORAGE_GROUPS} storage groups", server.name),
        passed: groups.len() < MAX_STORAGE_GROUPS,
        observed: format!("{} storage group(s)", groups.len()),
        threshold: format!("at most {MAX_STORAGE_GROUPS} (Enterprise Edition)"),
        why: "Exchange 2007 Enterprise Edition runs at most 50 storage groups on a mailbox server.",
        remedy: "Remove a storage group you no longer need, or create it on another mailbox server.".into(),
        override_switch: None,
    });
    let prefix = (0..MAX_STORAGE_GROUPS)
        .map(|n| format!("E{n:02}"))
        .find(|p| !groups.iter().any(|sg| sg.log_prefix.eq_ignore_ascii_case(p)));
    let default = format!("{MAILBOX_ROOT}\\{}", ask.name);
    let wanted_log = log_folder.clone().unwrap_or_else(|| default.clone());
    let wanted_system = system_folder.clone().unwrap_or_else(|| default.clone());
    for (parameter, wanted) in [("LogFolderPath", &wanted_log), ("SystemFolderPath", &wanted_system)] {
        let user = groups
            .iter()
            .find(|sg| {
                paths::log_folder_path(sg).eq_ignore_ascii_case(wanted)
                    || paths::system_folder_path(sg).eq_ignore_ascii_case(wanted)
            })
            .map(|sg| sg.name.clone());
        report.add(Check {
            name: format!("No other storage group of {} uses the {parameter}", server.name),
            passed: user.is_none(),
            observed: user.as_ref().map_or_else(|| format!("{wanted} is free"), |u| format!("{wanted} is used by {u}")),
            threshold: "a folder of this storage group only".into(),
            why: "Two storage groups' logs or checkpoints in one folder would be mistaken for each other's.",
            remedy: format!("Give -{parameter} a folder no other storage group of {} uses.", server.name),
            override_switch: None,
        });
    }
    let report = report.finish()?;
    let Some(log_prefix) = prefix else {
        return Err(EngineError::Invalid {
            message: format!("{} has no free log prefix (E00 to E49 are in use).", server.name),
            hint: "Remove a storage group you no longer need first.".into(),
        });
    };
    let server_name = server.name.clone();
    let passive: Vec<String> =
        server.redundant_machines.iter().filter(|m| !m.eq_ignore_ascii_case(&server.active_node)).cloned().collect();
    estate.storage_groups.push(StorageGroup {
        log_folder_path: log_folder.filter(|p| !p.eq_ignore_ascii_case(&default)),
        system_folder_path: system_folder.filter(|p| !p.eq_ignore_ascii_case(&default)),
        ..StorageGroup::new(&server_name, ask.name, log_prefix)
    });
    for node in passive {
        estate.copies.push(StorageGroupCopy::new(
            &server_name,
            ask.name,
            &node,
            CopyKind::ClusterContinuous,
            CopyStatus::Healthy,
        ));
    }
    Ok((identity, report))
}

/// What New-MailboxDatabase was asked for.
#[derive(Debug, Clone, Default)]
pub struct NewDatabase<'a> {
    pub storage_group: &'a str,
    pub name: &'a str,
    pub edb_file_path: Option<&'a str>,
}

/// `New-MailboxDatabase`: checks the rules, then adds the database, dismounted. Returns its
/// identity and the report.
pub fn new_mailbox_database(
    estate: &mut Estate,
    ask: &NewDatabase<'_>,
) -> Result<(String, PreconditionReport), EngineError> {
    super::validate::object_name("database", ask.name).map_err(|message| EngineError::Invalid {
        message: format!("{message}."),
        hint: "New-MailboxDatabase -StorageGroup 'CCREX01\\Third Storage Group' -Name 'Mailbox Database 3'".into(),
    })?;
    let edb_file = ask.edb_file_path.map(|p| paths::check_path("EdbFilePath", p, PathKind::EdbFile)).transpose()?;
    let sg = identity::storage_group(estate, ask.storage_group)?.clone();
    let sg_identity = identity::storage_group_identity(&sg);
    let identity = format!("{sg_identity}\\{}", ask.name);
    let mut report = Report::new("New-MailboxDatabase", &identity);
    let databases: Vec<&Database> = estate.databases_of(&sg).collect();
    let duplicate = databases.iter().any(|db| db.name.eq_ignore_ascii_case(ask.name));
    report.add(Check {
        name: format!("No database of {sg_identity} has this name"),
        passed: !duplicate,
        observed: if duplicate { format!("{identity} exists") } else { "free".into() },
        threshold: "a new name".into(),
        why: "A database is found by Server\\StorageGroup\\Name.",
        remedy: "Give another -Name.".into(),
        override_switch: None,
    });
    let copies: Vec<String> = estate.copies_of(&sg).map(|c| c.node.clone()).collect();
    if !copies.is_empty() {
        report.add(Check {
            name: "A replicated storage group holds one database".into(),
            passed: databases.is_empty(),
            observed: format!("{} database(s); copies on {}", databases.len(), copies.join(", ")),
            threshold: "no database yet".into(),
            why: "Continuous replication (CCR, SCR) copies a storage group with a single database.",
            remedy: format!(
                "Create the database in a storage group of its own: New-StorageGroup -Server {} -Name NAME, then \
                     New-MailboxDatabase -StorageGroup '{}\\NAME'.",
                sg.server, sg.server
            ),
            override_switch: None,
        });
    }
    let total = estate.databases.iter().filter(|d| d.server.eq_ignore_ascii_case(&sg.server)).count();
    report.add(Check {
        name: format!("{} holds fewer than {MAX_STORAGE_GROUPS} databases", sg.server),
        passed: total < MAX_STORAGE_GROUPS,
        observed: format!("{total} database(s)"),
        threshold: format!("at most {MAX_STORAGE_GROUPS} (Enterprise Edition)"),
        why: "Exchange 2007 Enterprise Edition runs at most 50 databases on a mailbox server.",
        remedy: "Remove a database you no longer need, or create it on another mailbox server.".into(),
        override_switch: None,
    });
    let wanted = edb_file.clone().unwrap_or_else(|| format!("{MAILBOX_ROOT}\\{}\\{}.edb", sg.name, ask.name));
    let user = estate
        .databases
        .iter()
        .find(|d| d.server.eq_ignore_ascii_case(&sg.server) && paths::edb_file_path(d).eq_ignore_ascii_case(&wanted))
        .map(identity::database_identity);
    report.add(Check {
        name: "No other database uses the EdbFilePath".into(),
        passed: user.is_none(),
        observed: user.as_ref().map_or_else(|| format!("{wanted} is free"), |u| format!("{wanted} is used by {u}")),
        threshold: "a file of this database only".into(),
        why: "Two databases cannot share one file.",
        remedy: "Give -EdbFilePath a file no other database uses.".into(),
        override_switch: None,
    });
    let report = report.finish()?;
    let default = format!("{MAILBOX_ROOT}\\{}\\{}.edb", sg.name, ask.name);
    estate.databases.push(Database {
        server: sg.server.clone(),
        storage_group: sg.name.clone(),
        name: ask.name.to_string(),
        kind: DatabaseKind::Mailbox,
        mounted: false,
        edb_file_path: edb_file.filter(|p| !p.eq_ignore_ascii_case(&default)),
        allow_file_restore: false,
        no_mount_at_startup: false,
    });
    Ok((identity, report))
}

/// `Remove-MailboxDatabase`: checks Exchange's rules (the database is dismounted and holds no
/// mailbox) and the lab's (its ledger accounts no delivered mail to it and no hub transport
/// server queues mail for it), then removes it. Returns its EdbFilePath (the file stays, as in
/// Exchange) and the report.
pub fn remove_mailbox_database(estate: &mut Estate, id: &str) -> Result<(String, PreconditionReport), EngineError> {
    let db = identity::database(estate, id, Some(DatabaseKind::Mailbox))?.clone();
    let name = identity::database_identity(&db);
    let mut report = Report::new("Remove-MailboxDatabase", &name);
    report.add(Check {
        name: "The database is dismounted".into(),
        passed: !db.mounted,
        observed: if db.mounted { "mounted".into() } else { "dismounted".into() },
        threshold: "dismounted".into(),
        why: "A mounted database is in use by the store and its users.",
        remedy: format!("Dismount-Database '{name}' first."),
        override_switch: None,
    });
    let mailboxes: Vec<String> =
        estate.mailboxes.iter().filter(|m| m.in_database(&db)).map(|m| m.name.clone()).collect();
    report.add(Check {
        name: "The database holds no mailbox".into(),
        passed: mailboxes.is_empty(),
        observed: if mailboxes.is_empty() {
            "none".into()
        } else {
            format!("{}: {}", mailboxes.len(), mailboxes.join(", "))
        },
        threshold: "no mailbox".into(),
        why: "Removing a database that holds mailboxes would leave their users without them.",
        remedy: format!(
            "Move the mailboxes to another database or disable them first; Get-Mailbox -Database '{name}' lists them."
        ),
        override_switch: None,
    });
    let sg = identity::storage_group(estate, &format!("{}\\{}", db.server, db.storage_group))?.clone();
    let only_database = estate.databases_of(&sg).count() == 1;
    let delivered = if only_database { sg.mail.accepted } else { 0 };
    let queued: u64 = estate
        .queued
        .iter()
        .filter(|q| q.server == db.server && q.storage_group == db.storage_group && q.database == db.name)
        .map(|q| q.count)
        .sum();
    report.add(Check {
        name: "The lab accounts no mail to the database".into(),
        passed: delivered == 0 && queued == 0,
        observed: format!("{delivered} message(s) delivered, {queued} queued"),
        threshold: "none".into(),
        why: "The lab's ledger (Get-LabMailStatistics) accounts every message it delivered to the database it \
              went to; a database that took mail stays so that they stay accounted for.",
        remedy: "Remove a database that never took mail (a new one), or Reset-Lab to start over.".into(),
        override_switch: None,
    });
    let report = report.finish()?;
    let position = estate
        .databases
        .iter()
        .position(|d| d.server == db.server && d.storage_group == db.storage_group && d.name == db.name);
    if let Some(position) = position {
        estate.databases.remove(position);
    }
    Ok((paths::edb_file_path(&db), report))
}

/// `Remove-StorageGroup`: checks Exchange's rules (the storage group holds no database and has
/// no SCR copy), then removes it with its CCR copies. Returns the removed storage group and
/// copies (the service deletes their folders) and the report.
pub fn remove_storage_group(
    estate: &mut Estate,
    id: &str,
) -> Result<(StorageGroup, Vec<StorageGroupCopy>, PreconditionReport), EngineError> {
    let sg = identity::storage_group(estate, id)?.clone();
    let name = identity::storage_group_identity(&sg);
    let mut report = Report::new("Remove-StorageGroup", &name);
    let databases: Vec<String> = estate.databases_of(&sg).map(|d| d.name.clone()).collect();
    let removals: Vec<String> = estate
        .databases_of(&sg)
        .map(|d| match d.kind {
            DatabaseKind::Mailbox => format!("Remove-MailboxDatabase '{name}\\{}'", d.name),
            // The lab has no Remove-PublicFolderDatabase: its storage group stays.
            DatabaseKind::PublicFolder => {
                format!("'{name}\\{}' is a public folder database, which the lab keeps", d.name)
            }
        })
        .collect();
    report.add(Check {
        name: "The storage group holds no database".into(),
        passed: databases.is_empty(),
        observed: if databases.is_empty() { "none".into() } else { databases.join(", ") },
        threshold: "no database".into(),
        why: "A storage group's databases live in its log stream; they are removed first.",
        remedy: format!("Remove its databases first: {}.", removals.join("; ")),
        override_switch: None,
    });
    let standby: Vec<String> = estate.copies_of(&sg).filter(|c| c.is_standby()).map(|c| c.node.clone()).collect();
    report.add(Check {
        name: "Standby continuous replication is not enabled".into(),
        passed: standby.is_empty(),
        observed: if standby.is_empty() { "no SCR target".into() } else { format!("SCR to {}", standby.join(", ")) },
        threshold: "no SCR target".into(),
        why: "An SCR copy is configured on its source storage group; it is disabled before the source goes.",
        remedy: format!(
            "Disable-StorageGroupCopy '{name}' -StandbyMachine {} first.",
            standby.first().map_or("NODE", String::as_str)
        ),
        override_switch: None,
    });
    let report = report.finish()?;
    let removed: Vec<StorageGroupCopy> = estate.copies_of(&sg).cloned().collect();
    estate.copies.retain(|c| !c.of(&sg));
    if let Some(position) = estate.storage_group_position(&sg.server, &sg.name) {
        estate.storage_groups.remove(position);
    }
    Ok((sg, removed, report))
}

/// The clustered mailbox server `identity` names, or a refusal that says why the server named
/// holds no storage groups.
fn mailbox_server<'e>(
    estate: &'e Estate,
    identity: &str,
) -> Result<&'e super::estate::ClusteredMailboxServer, EngineError> {
    match identity::server(estate, identity) {
        Ok(server) => Ok(server),
        Err(not_found) => {
            let name = identity.trim();
            let hub = estate.hub_transport_servers.iter().find(|h| h.name.eq_ignore_ascii_case(name));
            if let Some(hub) = hub {
                return Err(EngineError::Invalid {
                    message: format!("Server '{}' is not a Mailbox server: it runs the Hub Transport role.", hub.name),
                    hint: format!("Name a mailbox server: {}.", known_servers(estate)),
                });
            }
            if let Some(node) = estate.node(name) {
                let runs = estate.servers.iter().find(|s| s.cluster.eq_ignore_ascii_case(&node.cluster));
                return Err(EngineError::Invalid {
                    message: format!(
                        "'{}' is a node of failover cluster {}; storage groups belong to its clustered mailbox server, \
                         not to a node.",
                        node.name, node.cluster
                    ),
                    hint: match runs {
                        Some(cms) => {
                            format!("Give -Server {} (the clustered mailbox server of {}).", cms.name, node.cluster)
                        }
                        None => format!(
                            "{} runs no clustered mailbox server (a standby cluster); name one of: {}.",
                            node.cluster,
                            known_servers(estate)
                        ),
                    },
                });
            }
            Err(not_found)
        }
    }
}

fn known_servers(estate: &Estate) -> String {
    estate.servers.iter().map(|s| s.name.clone()).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::topology;

    fn seed() -> Estate {
        topology::build("seed", topology::SEED).expect("seed builds")
    }

    fn group<'a>(name: &'a str) -> NewStorageGroup<'a> {
        NewStorageGroup { server: "CCREX01", name, ..Default::default() }
    }

    #[test]
    fn a_new_storage_group_gets_the_next_prefix_and_its_ccr_copy() {
        let mut e = seed();
        let (identity, _) = new_storage_group(&mut e, &group("Third Storage Group")).expect("created");
        assert_eq!(identity, "CCREX01\\Third Storage Group");
        let sg = e.storage_group_of("CCREX01", "Third Storage Group").expect("there").clone();
        assert_eq!(sg.log_prefix, "E02");
        let copies: Vec<_> = e.copies_of(&sg).map(|c| (c.node.clone(), c.kind.clone())).collect();
        assert_eq!(copies, [("NH-W2K3-SRV04".to_string(), CopyKind::ClusterContinuous)]);
        let (_, _) = new_mailbox_database(
            &mut e,
            &NewDatabase {
                storage_group: "CCREX01\\Third Storage Group",
                name: "Mailbox Database 3",
                edb_file_path: None,
            },
        )
        .expect("database created");
        let db = e.databases.iter().find(|d| d.name == "Mailbox Database 3").expect("there");
        assert!(!db.mounted, "a new database is created dismounted");
        assert_eq!(paths::edb_file_path(db), format!("{MAILBOX_ROOT}\\Third Storage Group\\Mailbox Database 3.edb"));
    }

    #[test]
    fn a_storage_group_goes_after_its_database_and_refusals_change_nothing() {
        let mut e = seed();
        new_storage_group(&mut e, &group("SG3")).expect("created");
        let ask = NewDatabase { storage_group: "CCREX01\\SG3", name: "DB3", edb_file_path: None };
        new_mailbox_database(&mut e, &ask).expect("created");
        let before = e.clone();
        for id in ["CCREX01\\SG3", "CCREX01\\First Storage Group"] {
            let err = remove_storage_group(&mut e, id).expect_err("holds a database");
            assert!(format!("{err}").contains("holds no database"), "{err}");
        }
        let err =
            remove_mailbox_database(&mut e, "CCREX01\\First Storage Group\\Mailbox Database").expect_err("in use");
        let EngineError::Refused(report) = &err else { panic!("{err}") };
        let failed: Vec<&str> = report.failed().map(|c| c.check.as_str()).collect();
        assert_eq!(failed, ["The database is dismounted", "The database holds no mailbox"]);
        assert_eq!(e, before, "refusals changed nothing");
        let (path, _) = remove_mailbox_database(&mut e, "CCREX01\\SG3\\DB3").expect("removed");
        assert!(path.ends_with("SG3\\DB3.edb"), "{path}");
        let (sg, copies, _) = remove_storage_group(&mut e, "CCREX01\\SG3").expect("removed");
        assert_eq!((sg.name.as_str(), copies.len()), ("SG3", 1));
        assert_eq!(e, seed(), "back to the seed");
    }

    #[test]
    fn refusals_change_nothing() {
        let e = seed();
        let cases: Vec<(NewStorageGroup<'_>, &str)> = vec![
            (group("First Storage Group"), "CCREX01\\First Storage Group exists"),
            (
                NewStorageGroup {
                    log_folder_path: Some(
                        "C:\\Program Files\\Microsoft\\Exchange Server\\Mailbox\\Second Storage Group",
                    ),
                    ..group("X")
                },
                "used by Second Storage Group",
            ),
            (NewStorageGroup { log_folder_path: Some("D:"), ..group("X") }, "root of a drive"),
            (NewStorageGroup { server: "NH-W2K3-HUB01", ..group("X") }, "not a Mailbox server"),
            (NewStorageGroup { server: "NH-W2K3-SRV01", ..group("X") }, "node of failover cluster E2K7CLU02"),
            (NewStorageGroup { server: "NOPE", ..group("X") }, "could not be found"),
            (group("Bad\\Name"), "is not allowed"),
        ];
        for (ask, expected) in cases {
            let mut after = e.clone();
            let err = new_storage_group(&mut after, &ask).expect_err("refused");
            let text = match &err {
                EngineError::Refused(report) => format!("{err} {:?}", report.checks),
                other => other.to_string(),
            };
            assert!(text.contains(expected), "{ask:?}: {text}");
            assert_eq!(after, e, "{ask:?} changed nothing");
        }
        let db_cases = [
            (
                NewDatabase { storage_group: "CCREX01\\First Storage Group", name: "Second", edb_file_path: None },
                "A replicated storage group holds one database",
            ),
            (NewDatabase { storage_group: "CCREX01\\Nope", name: "X", edb_file_path: None }, "could not be found"),
            (
                NewDatabase {
                    storage_group: "CCREX01\\First Storage Group",
                    name: "X",
                    edb_file_path: Some("D:\\x.txt"),
                },
                "does not name an .edb file",
            ),
        ];
        for (ask, expected) in db_cases {
            let mut after = e.clone();
            let err = new_mailbox_database(&mut after, &ask).expect_err("refused");
            let text = match &err {
                EngineError::Refused(report) => format!("{err} {:?}", report.checks),
                other => other.to_string(),
            };
            assert!(text.contains(expected), "{ask:?}: {text}");
            assert_eq!(after, e, "{ask:?} changed nothing");
        }
    }
}
