//! Standby continuous replication (SCR) and seeding: enabling and disabling a standby copy
//! under the rules of reference §1.2, the checks of a seed (Update-StorageGroupCopy), and
//! activating a copy (Restore-StorageGroupCopy -StandbyMachine).
//!
//! Must not: touch files; the service copies the database for a seed and ships the remaining
//! logs for an activation.

use super::EngineError;
use super::estate::*;
use super::identity;
use super::operations::find_copy;
use super::preconditions::{Check, Report};
use crate::api::{CmsState, CopyStatus, LossEstimate, PreconditionReport};

/// The longest ReplayLagTime and TruncationLagTime Exchange 2007 accepts: 7 days.
pub const MAX_LAG_SECONDS: u64 = 7 * 24 * 3600;
/// Exchange's default ReplayLagTime: 24 hours.
pub const DEFAULT_REPLAY_LAG_SECONDS: u64 = 24 * 3600;

/// `Enable-StorageGroupCopy -StandbyMachine`: checks every SCR rule, then adds the copy. It
/// starts Initializing and receives every log from the first one the source still holds.
pub fn enable(
    estate: &mut Estate,
    id: &str,
    standby_machine: &str,
    replay_lag_seconds: u64,
    truncation_lag_seconds: u64,
) -> Result<PreconditionReport, EngineError> {
    let sg = identity::storage_group(estate, id)?.clone();
    let name = identity::storage_group_identity(&sg);
    let server = identity::server(estate, &sg.server)?.clone();
    let target = estate.node(standby_machine).cloned().ok_or_else(|| {
        identity::not_found(estate, "standby machine", standby_machine, estate.nodes.iter().map(|n| n.name.clone()))
    })?;
    let mut report = Report::new("Enable-StorageGroupCopy", &name);
    let databases = estate.databases_of(&sg).count();
    report.add(Check {
        name: "The storage group holds one database".into(),
        passed: databases == 1,
        observed: format!("{databases} database(s)"),
        threshold: "exactly 1".into(),
        why: "Continuous replication copies a storage group with a single database.",
        remedy: "Move the other databases to their own storage groups first.".into(),
        override_switch: None,
    });
    report.add(Check {
        name: "The standby machine is not in the source's cluster".into(),
        passed: !target.cluster.eq_ignore_ascii_case(&server.cluster),
        observed: format!("{} is in {}", target.name, target.cluster),
        threshold: format!("a node outside {}", server.cluster),
        why: "The nodes of the source's own cluster already hold its CCR copies.",
        remedy: "Name a node of another cluster, or a standalone mailbox server.".into(),
        override_switch: None,
    });
    let holder = estate.cluster(&target.cluster).and_then(|c| c.cms_resources.first().cloned()).or_else(|| {
        estate.servers.iter().find(|s| s.cluster.eq_ignore_ascii_case(&target.cluster)).map(|s| s.name.clone())
    });
    report.add(Check {
        name: "The standby machine's cluster holds no clustered mailbox server".into(),
        passed: holder.is_none(),
        observed: match &holder {
            Some(cms) => format!("{} holds {cms}", target.cluster),
            None => format!("{} holds none", target.cluster),
        },
        threshold: "no CMS in the target cluster".into(),
        why: "An SCR target must be a passive node of a standby cluster with no CMS installed.",
        remedy: format!(
            "Clear it first: on a node of {} run setup.com /ClearLocalCMS /CMSName:{}.",
            target.cluster,
            holder.clone().unwrap_or_default()
        ),
        override_switch: None,
    });
    for (what, value) in [("ReplayLagTime", replay_lag_seconds), ("TruncationLagTime", truncation_lag_seconds)] {
        report.add(Check {
            name: format!("{what} is between 0 and 7 days"),
            passed: value <= MAX_LAG_SECONDS,
            observed: super::queries::format_lag(value),
            threshold: "0.00:00:00 to 7.00:00:00".into(),
            why: "Exchange 2007 accepts lag times up to seven days.",
            remedy: format!("Give -{what} 7.00:00:00 or less."),
            override_switch: None,
        });
    }
    let existing = estate.copies_of(&sg).find(|c| c.node.eq_ignore_ascii_case(&target.name));
    report.add(Check {
        name: "The storage group has no copy on the standby machine yet".into(),
        passed: existing.is_none(),
        observed: existing.map_or("none".into(), |c| format!("{} copy, {:?}", kind_name(c), c.status)),
        threshold: "none".into(),
        why: "Each target holds one copy of a storage group; lag times cannot be changed in place.",
        remedy: format!(
            "To change its lag times, Disable-StorageGroupCopy '{name}' -StandbyMachine {} and enable it again \
             (no reseed needed).",
            target.name
        ),
        override_switch: None,
    });
    let report = report.finish()?;
    let kind = CopyKind::StandbyContinuous { replay_lag_seconds, truncation_lag_seconds };
    estate.copies.push(StorageGroupCopy::new(&sg.server, &sg.name, &target.name, kind, CopyStatus::Initializing));
    Ok(report)
}

/// A new copy found files of an earlier copy on its target (another lineage, perhaps): it
/// does not replicate until seeded. Returns the message it carries.
pub fn stale_files(estate: &mut Estate, copy: usize, path: &str) -> String {
    let c = &mut estate.copies[copy];
    let message = format!(
        "Log or database files of an earlier copy already exist at '{path}'. They must be removed before storage \
         group seeding can be performed: Suspend-StorageGroupCopy, then Update-StorageGroupCopy -DeleteExistingFiles."
    );
    c.status = CopyStatus::Failed;
    c.failed_message = Some(message.clone());
    message
}

fn kind_name(copy: &StorageGroupCopy) -> &'static str {
    if copy.is_standby() { "an SCR" } else { "a CCR" }
}

/// `Enable-StorageGroupCopy -SeedingPostponed`: the new copy waits, suspended, for
/// Update-StorageGroupCopy to seed it (which resumes it), as Exchange 2010's successor
/// documents for `Add-MailboxDatabaseCopy -SeedingPostponed`.
pub fn postpone_seeding(estate: &mut Estate, copy: usize) {
    if let Some(copy) = estate.copies.get_mut(copy) {
        copy.status = CopyStatus::Suspended;
        copy.suspend_comment = Some("Seeding postponed: seed the copy with Update-StorageGroupCopy.".into());
    }
}

/// `Disable-StorageGroupCopy -StandbyMachine`: replication to the standby copy ends and the
/// copy is forgotten; its files stay on the target.
pub fn disable(estate: &mut Estate, id: &str, standby_machine: &str) -> Result<PreconditionReport, EngineError> {
    let index = find_copy(estate, id, Some(standby_machine))?;
    let copy = estate.copies.remove(index);
    Ok(Report::new("Disable-StorageGroupCopy", &super::replication::copy_name(&copy)).into_report())
}

/// Where and how `Update-StorageGroupCopy` seeds: `-DataHostNames` and `-TargetPath`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SeedRoute<'a> {
    pub data_host_names: &'a [String],
    pub target_path: Option<&'a str>,
}

/// The arguments of a seed that the estate does not decide: at most two replication host
/// names, each a node of the estate (SP1 page: "A maximum of two host names can be
/// specified"), and a target path that is the copy's own folder (the lab keeps every copy's
/// files at the storage group's paths).
fn check_seed_route(estate: &Estate, sg: &StorageGroup, route: SeedRoute<'_>) -> Result<(), EngineError> {
    if route.data_host_names.len() > 2 {
        return Err(EngineError::Invalid {
            message: format!(
                "A maximum of two host names can be specified for DataHostNames; {} were given.",
                route.data_host_names.len()
            ),
            hint: "Name one or two replication host names (Get-ClusteredMailboxServerStatus lists them).".into(),
        });
    }
    if let Some(unknown) = route.data_host_names.iter().find(|h| estate.node(h).is_none()) {
        return Err(EngineError::Invalid {
            message: format!("The host name '{unknown}' is not a replication host name of this estate."),
            hint: "Use the names Get-ClusteredMailboxServerStatus lists in OperationalReplicationHostNames.".into(),
        });
    }
    if let Some(path) = route.target_path {
        let folder = format!("{}\\{}", super::queries::MAILBOX_ROOT, sg.name);
        if !path.trim().trim_end_matches('\\').eq_ignore_ascii_case(&folder) {
            return Err(EngineError::Invalid {
                message: format!("The target path '{path}' is not the storage group copy's database folder '{folder}'."),
                hint: "The lab keeps each copy's database at its storage group's path; leave -TargetPath out or give that folder."
                    .into(),
            });
        }
    }
    Ok(())
}

/// What a seed's target holds.
#[derive(Debug, Clone, Copy, Default)]
pub struct TargetFiles {
    /// Logs or a database with records.
    pub present: bool,
    /// Only the checkpoint of an earlier copy.
    pub obsolete_checkpoint: bool,
    /// `-Force`: delete that checkpoint without asking.
    pub force: bool,
}

/// The checks of `Update-StorageGroupCopy`: the copy is suspended or failed, and holds no
/// files unless `DeleteExistingFiles`, and no obsolete checkpoint unless `-Force` (the shell
/// asks first, as the transcript of reference §5 shows). Returns the copy's index.
pub fn check_seed(
    estate: &Estate,
    id: &str,
    standby_machine: Option<&str>,
    target: TargetFiles,
    delete_existing_files: bool,
    route: SeedRoute<'_>,
) -> Result<(usize, PreconditionReport), EngineError> {
    let index = find_copy(estate, id, standby_machine)?;
    check_seed_route(estate, identity::storage_group(estate, id)?, route)?;
    let copy = &estate.copies[index];
    let sg = identity::storage_group(estate, id)?;
    let name = identity::storage_group_identity(sg);
    let mut report = Report::new("Update-StorageGroupCopy", &super::replication::copy_name(copy));
    report.add(Check {
        name: "The copy is suspended or failed".into(),
        passed: matches!(copy.status, CopyStatus::Suspended | CopyStatus::Failed),
        observed: format!("{:?}", copy.status),
        threshold: "Suspended or Failed".into(),
        why: "Seeding replaces the copy's files; replication must not be writing them.",
        remedy: format!("Suspend-StorageGroupCopy '{name}'{} first.", standby_switch(standby_machine)),
        override_switch: None,
    });
    let folder = format!("{}\\{}", super::queries::MAILBOX_ROOT, sg.name);
    report.add_exchange(
        Check {
            name: "The target holds no database or log files".into(),
            passed: !target.present,
            observed: if target.present { "files present".into() } else { "empty".into() },
            threshold: "empty".into(),
            why: "Log files already at the target must be removed before the storage group is seeded.",
            remedy: "Add -DeleteExistingFiles to remove them as part of the seed.".into(),
            override_switch: Some(("DeleteExistingFiles", delete_existing_files)),
        },
        format!(
            "Seeding failed : Database seeding error: Log files already exist at '{folder}'. They must be removed \
             before storage group seeding or reseeding can be performed. The '-DeleteExistingFiles' switch can be used \
             with the 'Update-StorageGroupCopy' task to accomplish this."
        ),
    );
    report.add(Check {
        name: "The target holds no obsolete checkpoint".into(),
        passed: !target.obsolete_checkpoint,
        observed: if target.obsolete_checkpoint { format!("{folder}\\{}.chk", sg.log_prefix) } else { "none".into() },
        threshold: "none".into(),
        why: "A checkpoint left by an earlier copy would make replay start at the wrong log.",
        remedy: format!(
            "Continuous replication seeding found an obsolete checkpoint '{folder}\\{}.chk' file for storage group \
             copy '{}'. The checkpoint file will be deleted, and then the database will be seeded if you confirm now.",
            sg.log_prefix, sg.name
        ),
        override_switch: Some(("Force", target.force || delete_existing_files)),
    });
    let server = identity::server(estate, &sg.server)?;
    report.add(Check {
        name: "The source is reachable".into(),
        passed: estate.reachable(&server.active_node, &copy.node),
        observed: format!("{} to {}", server.active_node, copy.node),
        threshold: "both up, link up".into(),
        why: "The seed copies the active copy's database over the network.",
        remedy: "Start the nodes and restore the link (Get-LabNode shows both).".into(),
        override_switch: None,
    });
    Ok((index, report.finish()?))
}

fn standby_switch(standby_machine: Option<&str>) -> String {
    standby_machine.map(|m| format!(" -StandbyMachine {m}")).unwrap_or_default()
}

/// The seed finished: the copy holds the source's database through `through` and replicates
/// again, unless `manual_resume` keeps it suspended.
pub fn seeded(estate: &mut Estate, copy: usize, through: u64, manual_resume: bool) {
    let c = &mut estate.copies[copy];
    c.last_log_copied = through;
    c.last_log_inspected = through;
    c.last_log_replayed = through;
    c.failed_message = None;
    c.diverged_after = None;
    c.inspect_failures = 0;
    c.restored = false;
    if manual_resume {
        c.status = CopyStatus::Suspended;
        c.suspend_comment = Some("Seeded with -ManualResume.".into());
    } else {
        c.status = CopyStatus::Healthy;
        c.suspend_comment = None;
    }
}

/// The checks of activating an SCR copy. With the source reachable its databases must be
/// dismounted (the service then ships every remaining log first); without it, `-Force` is
/// required and the report carries the loss estimate. Returns the copy index and whether the
/// source is reachable.
pub fn check_restore_standby(
    estate: &Estate,
    id: &str,
    standby_machine: &str,
    force: bool,
) -> Result<(usize, bool, PreconditionReport), EngineError> {
    let index = find_copy(estate, id, Some(standby_machine))?;
    let copy = &estate.copies[index];
    let sg = identity::storage_group(estate, id)?;
    let name = identity::storage_group_identity(sg);
    let server = identity::server(estate, &sg.server)?;
    let source_up = server.state != CmsState::Failed && estate.reachable(&server.active_node, &copy.node);
    let mut report = Report::new("Restore-StorageGroupCopy", &super::replication::copy_name(copy));
    report.add(Check {
        name: "The copy has not been restored already".into(),
        passed: !copy.restored,
        observed: if copy.restored { "restored".into() } else { format!("{:?}", copy.status) },
        threshold: "a replicating copy".into(),
        why: "A restored copy no longer replicates; it waits to be mounted.",
        remedy: format!("Run setup.com /RecoverCMS on {} (or mount the database there).", copy.node),
        override_switch: None,
    });
    // The warning an SP1 restore gives when it cannot reach the source (reference §5,
    // message 1), through the last log the copy holds.
    let through = format!("{}{:08X}.log", sg.log_prefix, copy.last_log_inspected);
    report.add_exchange(
        Check {
            name: format!("The source {} is reachable", server.active_node),
            passed: source_up,
            observed: if source_up { "reachable".into() } else { "unreachable".into() },
            threshold: "reachable, so the remaining logs can be copied".into(),
            why: "Without the source, logs it holds are lost (SCR has no transport dumpster).",
            remedy: "Bring the source back, or accept the loss with -Force.".into(),
            override_switch: Some(("Force", force)),
        },
        format!(
            "Failed to copy remaining log files (through {through}) during Restore-StorageGroupCopy operation for \
             storage group copy ({}). Failure reason: the source server {} cannot be reached.",
            sg.name, server.active_node
        ),
    );
    if source_up {
        let mounted: Vec<String> = estate.databases_of(sg).filter(|d| d.mounted).map(|d| d.name.clone()).collect();
        let online = server.state == CmsState::Online;
        report.add(Check {
            name: "The source databases are dismounted".into(),
            passed: mounted.is_empty() || !online,
            observed: if mounted.is_empty() || !online {
                "dismounted".into()
            } else {
                format!("{} mounted", mounted.join(", "))
            },
            threshold: "dismounted".into(),
            why: "Activating a copy while its source still takes mail would leave two databases diverging.",
            remedy: format!("Dismount-Database '{}\\{}' first.", name, mounted.join(",")),
            override_switch: None,
        });
    }
    let mut report = report.finish()?;
    let logs = if source_up {
        0
    } else {
        sg.last_log_generated.saturating_sub(copy.last_log_inspected) + u64::from(sg.open_log_records > 0)
    };
    report.loss_estimate.push(LossEstimate {
        storage_group: name,
        logs,
        bytes: logs.saturating_sub(u64::from(sg.open_log_records > 0)) * estate.log_size_bytes,
        window_start: copy.last_inspected_at,
        window_end: if logs > 0 { sg.last_log_generated_at.or(copy.last_inspected_at) } else { None },
    });
    Ok((index, source_up, report))
}

/// The copy holds every log it will get (through `through`): replication to it ends and it
/// is mountable once its server runs there (setup /RecoverCMS).
pub fn restored(estate: &mut Estate, copy: usize, through: u64) {
    let c = &mut estate.copies[copy];
    c.restored = true;
    c.status = CopyStatus::Disabled;
    c.last_log_inspected = c.last_log_inspected.max(through);
    c.last_log_replayed = c.last_log_replayed.max(through);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::topology::{SEED, build};

    #[test]
    fn every_scr_rule_is_checked_and_a_refusal_changes_nothing() {
        let mut e = build("seed", SEED).expect("seed");
        let before = e.clone();
        let refusal = |e: &mut Estate, node: &str, lag: u64| match enable(e, "First Storage Group", node, lag, 0) {
            Err(EngineError::Refused(report)) => report,
            other => panic!("expected a refusal, got {other:?}"),
        };
        let same_cluster = refusal(&mut e, "NH-W2K3-SRV04", 0);
        assert!(same_cluster.failed().any(|c| c.check.contains("not in the source's cluster")));
        let too_long = refusal(&mut e, "NH-W2K3-SRV01", MAX_LAG_SECONDS + 1);
        assert!(too_long.failed().any(|c| c.check.starts_with("ReplayLagTime")));
        assert_eq!(e, before);
        enable(&mut e, "First Storage Group", "NH-W2K3-SRV01", 0, 0).expect("enabled");
        let duplicate = refusal(&mut e, "nh-w2k3-srv01", 0);
        let remedy = duplicate.checks.iter().find_map(|c| c.remedy.clone()).unwrap_or_default();
        assert!(remedy.contains("Disable-StorageGroupCopy"), "{remedy}");
        disable(&mut e, "First Storage Group", "NH-W2K3-SRV01").expect("disabled");
        assert_eq!(e.copies.len(), before.copies.len());
    }

    #[test]
    fn a_cluster_holding_a_cms_is_no_target_until_cleared() {
        let mut e = build("seed", SEED).expect("seed");
        e.clusters[1].cms_resources.push("CCREX01".into());
        assert!(enable(&mut e, "First Storage Group", "NH-W2K3-SRV01", 0, 0).is_err());
        e.clusters[1].cms_resources.clear();
        assert!(enable(&mut e, "First Storage Group", "NH-W2K3-SRV01", 0, 0).is_ok());
    }

    #[test]
    fn a_seed_needs_a_suspended_copy_and_empty_target_unless_told() {
        let mut e = build("seed", SEED).expect("seed");
        assert!(
            check_seed(&e, "First Storage Group", None, TargetFiles::default(), false, SeedRoute::default()).is_err(),
            "Healthy copies are not seeded"
        );
        e.copies[0].status = CopyStatus::Suspended;
        assert!(
            check_seed(
                &e,
                "First Storage Group",
                None,
                TargetFiles { present: true, ..TargetFiles::default() },
                false,
                SeedRoute::default()
            )
            .is_err()
        );
        let (index, report) = check_seed(
            &e,
            "First Storage Group",
            None,
            TargetFiles { present: true, ..TargetFiles::default() },
            true,
            SeedRoute::default(),
        )
        .expect("allowed");
        assert_eq!(index, 0);
        assert!(report.checks.iter().any(|c| c.result == crate::api::CheckResult::Overridden));
        seeded(&mut e, 0, 7, true);
        assert_eq!((e.copies[0].status, e.copies[0].last_log_replayed), (CopyStatus::Suspended, 7));
    }

    /// Update-StorageGroupCopy SP1 page (aa998853): DataHostNames takes "a maximum of two host
    /// names"; TargetPath is the database file's folder.
    #[test]
    fn a_seed_takes_two_host_names_and_the_copy_folder_at_most() {
        let mut e = build("seed", SEED).expect("seed");
        e.copies[0].status = CopyStatus::Suspended;
        let three = ["NH-W2K3-SRV03".to_string(), "NH-W2K3-SRV04".to_string(), "NH-W2K3-SRV01".to_string()];
        let route = |names: &'static [String], path: Option<&'static str>| SeedRoute {
            data_host_names: names,
            target_path: path,
        };
        let leaked: &'static [String] = Box::leak(Box::new(three));
        let too_many = check_seed(&e, "First Storage Group", None, TargetFiles::default(), false, route(leaked, None));
        assert!(
            matches!(too_many, Err(EngineError::Invalid { ref message, .. }) if message.contains("maximum of two"))
        );
        let unknown: &'static [String] = Box::leak(Box::new(["NOPE".to_string()]));
        assert!(
            check_seed(&e, "First Storage Group", None, TargetFiles::default(), false, route(unknown, None)).is_err()
        );
        let ok = check_seed(
            &e,
            "First Storage Group",
            None,
            TargetFiles::default(),
            false,
            route(&leaked[..2], Some(r"c:\program files\microsoft\exchange server\mailbox\First Storage Group\")),
        );
        assert!(ok.is_ok(), "{ok:?}");
        let elsewhere =
            check_seed(&e, "First Storage Group", None, TargetFiles::default(), false, route(&[], Some(r"D:\SG1")));
        assert!(elsewhere.is_err());
    }
}
