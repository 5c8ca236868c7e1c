//! Where a storage group keeps its logs and system files (LogFolderPath, SystemFolderPath) and a
//! database its file (EdbFilePath), and the moves of Move-StorageGroupPath and
//! Move-DatabasePath with the rules Exchange 2007 SP1 sets for replicated storage groups: an SCR
//! source is not moved while SCR is enabled (its targets use the source's paths), and in a CCR
//! cluster only the configuration moves (`-ConfigurationOnly`, with the copy suspended and the
//! databases dismounted), the administrator moving the files on both nodes.
//!
//! The lab keeps each copy's files in its own folder whatever the paths say: a move records
//! where the files now are, and the node's file view (service::node_files) shows them there.
//!
//! Must not: touch files, or accept a path that is not a local Windows path.

use super::EngineError;
use super::estate::{Database, Estate, StorageGroup};
use super::identity;
use super::objects::Keyed;
use super::preconditions::{Check, Report};
use super::queries::MAILBOX_ROOT;
use crate::api::{CopyStatus, PreconditionReport};
use crate::engine::estate::CopyKind;

/// The longest path Exchange 2007 takes (Windows' MAX_PATH less the terminating NUL).
pub const MAX_PATH_CHARS: usize = 259;

/// The storage group's LogFolderPath.
pub fn log_folder_path(sg: &StorageGroup) -> String {
    sg.log_folder_path.clone().unwrap_or_else(|| default_folder(sg))
}

/// The storage group's SystemFolderPath.
pub fn system_folder_path(sg: &StorageGroup) -> String {
    sg.system_folder_path.clone().unwrap_or_else(|| default_folder(sg))
}

/// The database's EdbFilePath: by default `<database>.edb` in its storage group's default
/// folder.
pub fn edb_file_path(db: &Database) -> String {
    db.edb_file_path.clone().unwrap_or_else(|| format!("{MAILBOX_ROOT}\\{}\\{}.edb", db.storage_group, db.name))
}

fn default_folder(sg: &StorageGroup) -> String {
    format!("{MAILBOX_ROOT}\\{}", sg.name)
}

/// What a path names: a folder (not a drive's root) or an `.edb` file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathKind {
    Folder,
    EdbFile,
}

/// A local Windows path as Exchange's NonRootLocalLongFullPath / EdbFilePath take it: a drive
/// letter, `:\`, then names without the characters Windows forbids; at most 259 characters.
/// Returns it without a trailing `\`.
pub fn check_path(parameter: &str, text: &str, kind: PathKind) -> Result<String, EngineError> {
    let invalid = |why: &str| EngineError::Invalid {
        message: format!("Cannot process argument '{parameter}': the path \"{}\" {why}.", shown(text)),
        hint: match kind {
            PathKind::Folder => format!("Give a full local folder path such as -{parameter} 'D:\\SG1'."),
            PathKind::EdbFile => {
                format!("Give a full local file path ending in .edb, such as -{parameter} 'D:\\SG1\\DB1.edb'.")
            }
        },
    };
    let path = text.trim().trim_end_matches('\\');
    let bytes = path.as_bytes();
    if bytes.len() == 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return Err(invalid("is the root of a drive, which cannot hold a storage group's or a database's files"));
    }
    if !(bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'\\') {
        return Err(invalid("is not a full local path (a drive letter, a colon and a backslash first)"));
    }
    if path.chars().count() > MAX_PATH_CHARS {
        return Err(invalid(&format!("is longer than {MAX_PATH_CHARS} characters")));
    }
    let rest = &path[3..];
    if rest.is_empty() {
        return Err(invalid("is the root of a drive, which cannot hold a storage group's or a database's files"));
    }
    if rest.split('\\').any(|part| part.is_empty() || part.trim() != part || part == "." || part == "..") {
        return Err(invalid("has an empty, padded, '.' or '..' folder name"));
    }
    if rest.chars().any(|c| c.is_control() || matches!(c, '<' | '>' | ':' | '"' | '/' | '|' | '?' | '*')) {
        return Err(invalid("has a character Windows does not allow in a file name"));
    }
    if kind == PathKind::EdbFile && !path.to_ascii_lowercase().ends_with(".edb") {
        return Err(invalid("does not name an .edb file"));
    }
    Ok(path.to_string())
}

/// At most 80 characters of a caller's text, for an error message.
fn shown(text: &str) -> String {
    text.chars().take(80).collect()
}

/// The replication checks both moves make on the storage group `sg` (the database's, for
/// Move-DatabasePath), and the check that its databases (or the one database) are dismounted
/// for a configuration-only move.
fn replication_checks(
    estate: &Estate,
    report: &mut Report,
    sg: &StorageGroup,
    databases: &[&Database],
    configuration_only: bool,
    cmdlet: &str,
) {
    let id = identity::storage_group_identity(sg);
    let copies: Vec<_> = estate.copies_of(sg).collect();
    let standby: Vec<&str> = copies
        .iter()
        .filter(|c| matches!(c.kind, CopyKind::StandbyContinuous { .. }))
        .map(|c| c.node.as_str())
        .collect();
    report.add_exchange(
        Check {
            name: "Standby continuous replication is not enabled".into(),
            passed: standby.is_empty(),
            observed: if standby.is_empty() {
                "no SCR target".into()
            } else {
                format!("SCR to {}", standby.join(", "))
            },
            threshold: "no SCR target".into(),
            why: "An SCR target keeps its copy in the same paths as its source; moving the source's files under an \
                  enabled SCR copy would leave the target replaying into paths that no longer match.",
            remedy: format!(
                "Disable-StorageGroupCopy '{id}' -StandbyMachine {} first, run {cmdlet}, then Enable-StorageGroupCopy \
                 again (the target uses the new paths).",
                standby.first().copied().unwrap_or("NODE")
            ),
            override_switch: None,
        },
        format!(
            "The path of storage group '{id}' cannot be changed while standby continuous replication is enabled for it."
        ),
    );
    let ccr = copies.iter().find(|c| c.kind == CopyKind::ClusterContinuous);
    if let Some(copy) = ccr {
        report.add_exchange(
            Check {
                name: "In a CCR cluster only the configuration is moved".into(),
                passed: configuration_only,
                observed: if configuration_only { "-ConfigurationOnly".into() } else { "the move would copy the files".into() },
                threshold: "-ConfigurationOnly".into(),
                why: "Each node of a CCR cluster holds its own copy of the files; the task cannot move the passive \
                      node's, so the administrator moves the files on both nodes and the task records the new paths.",
                remedy: format!(
                    "Suspend-StorageGroupCopy '{id}', Dismount-Database, then {cmdlet} with -ConfigurationOnly; move the \
                     files on both nodes; Mount-Database and Resume-StorageGroupCopy '{id}'."
                ),
                override_switch: None,
            },
            format!(
                "Storage group '{id}' has continuous replication enabled: its files must be moved manually on both \
                 nodes. Use the ConfigurationOnly parameter."
            ),
        );
        if configuration_only {
            let suspended = copy.status == CopyStatus::Suspended;
            report.add(Check {
                name: "The CCR copy is suspended".into(),
                passed: suspended,
                observed: format!("{:?} on {}", copy.status, copy.node),
                threshold: "Suspended".into(),
                why: "The copy on the passive node must not replay while its files are being moved.",
                remedy: format!("Suspend-StorageGroupCopy '{id}' first."),
                override_switch: None,
            });
        }
    }
    if configuration_only {
        let mounted: Vec<String> =
            databases.iter().filter(|d| d.mounted).map(|d| identity::database_identity(d)).collect();
        report.add(Check {
            name: "The databases are dismounted".into(),
            passed: mounted.is_empty(),
            observed: if mounted.is_empty() { "dismounted".into() } else { format!("mounted: {}", mounted.join(", ")) },
            threshold: "dismounted".into(),
            why: "A mounted database keeps its files open where they are; the configuration can only point \
                  elsewhere once it is dismounted.",
            remedy: format!(
                "Dismount-Database {} first; mount it again once its files are in the new place.",
                mounted.iter().map(|m| format!("'{m}'")).collect::<Vec<_>>().join(", ")
            ),
            override_switch: None,
        });
    }
}

/// `Move-StorageGroupPath`: checks the rules, then records the new LogFolderPath and/or
/// SystemFolderPath. Returns whether anything changed.
pub fn move_storage_group_path(
    estate: &mut Estate,
    id: &str,
    log_folder: Option<&str>,
    system_folder: Option<&str>,
    configuration_only: bool,
) -> Result<(bool, PreconditionReport), EngineError> {
    let log_folder = log_folder.map(|p| check_path("LogFolderPath", p, PathKind::Folder)).transpose()?;
    let system_folder = system_folder.map(|p| check_path("SystemFolderPath", p, PathKind::Folder)).transpose()?;
    if log_folder.is_none() && system_folder.is_none() {
        return Err(EngineError::Invalid {
            message: "Specify the LogFolderPath parameter, the SystemFolderPath parameter, or both.".into(),
            hint: "Move-StorageGroupPath 'CCREX01\\First Storage Group' -LogFolderPath 'D:\\SG1' -SystemFolderPath 'D:\\SG1' -ConfigurationOnly".into(),
        });
    }
    let sg = identity::storage_group(estate, id)?.clone();
    let name = identity::storage_group_identity(&sg);
    let mut report = Report::new("Move-StorageGroupPath", &name);
    let databases: Vec<&Database> = estate.databases_of(&sg).collect();
    replication_checks(estate, &mut report, &sg, &databases, configuration_only, "Move-StorageGroupPath");
    let taken = |path: &str, get: fn(&StorageGroup) -> String| {
        estate
            .storage_groups_of(&sg.server)
            .find(|other| other.name != sg.name && get(other).eq_ignore_ascii_case(path))
            .map(|other| other.name.clone())
    };
    for (parameter, wanted, get) in [
        ("LogFolderPath", &log_folder, log_folder_path as fn(&StorageGroup) -> String),
        ("SystemFolderPath", &system_folder, system_folder_path),
    ] {
        let Some(path) = wanted else { continue };
        let user = taken(path, get);
        report.add(Check {
            name: format!("No other storage group of {} uses the {parameter}", sg.server),
            passed: user.is_none(),
            observed: user.as_ref().map_or_else(|| "free".into(), |u| format!("used by {u}")),
            threshold: "a folder of this storage group only".into(),
            why: "Two storage groups' logs or checkpoints in one folder would be mistaken for each other's.",
            remedy: format!("Give a folder no other storage group of {} uses.", sg.server),
            override_switch: None,
        });
    }
    let report = report.finish()?;
    let before = (log_folder_path(&sg), system_folder_path(&sg));
    let position = estate.storage_groups.position_of(&sg.key());
    let Some(slot) = position.and_then(|p| estate.storage_groups.get_mut(p)) else { return Ok((false, report)) };
    if let Some(path) = log_folder {
        slot.log_folder_path = Some(path);
    }
    if let Some(path) = system_folder {
        slot.system_folder_path = Some(path);
    }
    let after = (log_folder_path(slot), system_folder_path(slot));
    Ok((before != after, report))
}

/// `Move-DatabasePath`: checks the rules, then records the new EdbFilePath. Returns whether it
/// changed.
pub fn move_database_path(
    estate: &mut Estate,
    id: &str,
    edb_file: &str,
    configuration_only: bool,
) -> Result<(bool, PreconditionReport), EngineError> {
    let edb_file = check_path("EdbFilePath", edb_file, PathKind::EdbFile)?;
    let db = identity::database(estate, id, None)?.clone();
    let name = identity::database_identity(&db);
    let sg = identity::storage_group(estate, &format!("{}\\{}", db.server, db.storage_group))?.clone();
    let mut report = Report::new("Move-DatabasePath", &name);
    replication_checks(estate, &mut report, &sg, &[&db], configuration_only, "Move-DatabasePath");
    let user = estate
        .databases
        .iter()
        .find(|d| d.server == db.server && d.name != db.name && edb_file_path(d).eq_ignore_ascii_case(&edb_file))
        .map(identity::database_identity);
    report.add(Check {
        name: "No other database uses the EdbFilePath".into(),
        passed: user.is_none(),
        observed: user.as_ref().map_or_else(|| "free".into(), |u| format!("used by {u}")),
        threshold: "a file of this database only".into(),
        why: "Two databases cannot share one file.",
        remedy: "Give a file name no other database uses.".into(),
        override_switch: None,
    });
    let report = report.finish()?;
    let before = edb_file_path(&db);
    let slot = estate
        .databases
        .iter_mut()
        .find(|d| d.server == db.server && d.storage_group == db.storage_group && d.name == db.name);
    let Some(slot) = slot else { return Ok((false, report)) };
    slot.edb_file_path = Some(edb_file);
    Ok((before != edb_file_path(slot), report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::topology;

    fn seed() -> Estate {
        topology::build("seed", topology::SEED).expect("seed builds")
    }

    const SG: &str = "CCREX01\\First Storage Group";
    const DB: &str = "CCREX01\\First Storage Group\\Mailbox Database";

    fn prepare(e: &mut Estate) {
        let copy = e.copies.iter_mut().find(|c| c.storage_group == "First Storage Group").expect("copy");
        copy.status = CopyStatus::Suspended;
        let db = e.databases.iter_mut().find(|d| d.name == "Mailbox Database").expect("db");
        db.mounted = false;
    }

    #[test]
    fn paths_default_to_the_storage_groups_folder() {
        let e = seed();
        let sg = e.storage_groups.iter().next().expect("sg");
        assert_eq!(log_folder_path(sg), format!("{MAILBOX_ROOT}\\First Storage Group"));
        let db = e.databases.iter().next().expect("db");
        assert_eq!(edb_file_path(db), format!("{MAILBOX_ROOT}\\First Storage Group\\Mailbox Database.edb"));
    }

    #[test]
    fn a_path_must_be_a_full_local_path() {
        for bad in [
            "SG1",
            "\\\\server\\share\\SG1",
            "D:\\",
            "D:\\a\\..\\b",
            "D:\\a|b",
            "D:\\ a",
            &format!("D:\\{}", "x".repeat(300)),
        ] {
            assert!(check_path("LogFolderPath", bad, PathKind::Folder).is_err(), "{bad}");
        }
        assert!(check_path("EdbFilePath", "D:\\SG1\\DB1.txt", PathKind::EdbFile).is_err());
        assert_eq!(check_path("LogFolderPath", " D:\\SG1\\ ", PathKind::Folder).expect("ok"), "D:\\SG1");
    }

    #[test]
    fn a_ccr_storage_group_moves_only_its_configuration_once_suspended_and_dismounted() {
        let mut e = seed();
        let before = e.clone();
        let err = move_storage_group_path(&mut e, SG, Some("D:\\SG1"), None, false).expect_err("files cannot move");
        assert!(err.to_string().contains("ConfigurationOnly"), "{err}");
        let err = move_storage_group_path(&mut e, SG, Some("D:\\SG1"), None, true).expect_err("copy running");
        assert!(err.to_string().contains("The CCR copy is suspended"), "{err}");
        assert_eq!(e, before, "a refusal changes nothing");
        prepare(&mut e);
        let (changed, _) = move_storage_group_path(&mut e, SG, Some("D:\\SG1"), Some("D:\\SG1"), true).expect("moved");
        assert!(changed);
        let sg = e.storage_groups.iter().next().expect("sg");
        assert_eq!((log_folder_path(sg), system_folder_path(sg)), ("D:\\SG1".to_string(), "D:\\SG1".to_string()));
        let (changed, _) = move_database_path(&mut e, DB, "D:\\SG1\\MBX1.edb", true).expect("moved");
        assert!(changed);
        assert_eq!(edb_file_path(e.databases.iter().next().expect("db")), "D:\\SG1\\MBX1.edb");
    }

    #[test]
    fn an_scr_source_is_not_moved_and_two_storage_groups_do_not_share_a_folder() {
        let mut e = seed();
        prepare(&mut e);
        crate::engine::standby::enable(&mut e, SG, "NH-W2K3-SRV01", 0, 0).expect("scr enabled");
        let before = e.clone();
        let err = move_database_path(&mut e, DB, "D:\\SG1\\MBX1.edb", true).expect_err("scr enabled");
        assert!(err.to_string().contains("standby continuous replication"), "{err}");
        assert_eq!(e, before);
        let second = format!("{MAILBOX_ROOT}\\Second Storage Group");
        let mut e = seed();
        prepare(&mut e);
        let err = move_storage_group_path(&mut e, SG, Some(&second), None, true).expect_err("taken");
        assert!(err.to_string().contains("refused") || err.to_string().contains("Second Storage Group"), "{err}");
    }
}
