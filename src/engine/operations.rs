//! Operations that change the estate. Each states its preconditions as a report (see
//! [`preconditions`](super::preconditions)) against the estate it is given, and either changes
//! it or refuses with that report. The service runs them on a copy under the writer lock,
//! carries out the file steps between the check and the change, and persists the result
//! before anyone sees it.
//!
//! Must not: do I/O. What an operation changed is returned so the service can store it and
//! write its events.

use super::EngineError;
use super::estate::{CopyKind, Database, Estate, HubTransport, QueuedBatch, StorageGroup};
use super::events::{self, NewEvent};
use super::identity;
use super::preconditions::{Check, Report};
use crate::api::{CmsState, CopyStatus, DatabaseKind, MoveRequest, PreconditionReport};

/// A passive copy further behind than this many closed logs is not current enough for a
/// scheduled move: the flush would stretch the outage (reference §2.2, "relatively current").
pub const MOVE_MAX_COPY_QUEUE: u64 = 10;
/// Logs copied but not yet replayed that a move still accepts.
pub const MOVE_MAX_REPLAY_QUEUE: u64 = 50;

/// What a database operation changed.
#[derive(Debug, Clone, PartialEq)]
pub struct DatabaseChange {
    pub database: Database,
    /// Whether anything changed (mounting a mounted database changes nothing).
    pub changed: bool,
    pub report: PreconditionReport,
}

/// Mounts (`mount = true`) or dismounts a database of `kind` (any kind when `None`).
///
/// Mounting needs its clustered mailbox server online on a running node; a dismounted
/// database stays dismounted across moves, failovers and restarts until it is mounted again,
/// as in Exchange 2007.
pub fn set_mounted(
    estate: &mut Estate,
    id: &str,
    kind: Option<DatabaseKind>,
    mount: bool,
) -> Result<DatabaseChange, EngineError> {
    let found = identity::database(estate, id, kind)?.clone();
    let name = identity::database_identity(&found);
    let server = identity::server(estate, &found.server)?;
    let mut report = Report::new(if mount { "Mount-Database" } else { "Dismount-Database" }, &name);
    if mount {
        report.add(Check {
            name: "The clustered mailbox server is online".into(),
            passed: server.state == CmsState::Online,
            observed: server.state.display_name().into(),
            threshold: "Online".into(),
            why: "A database mounts in the Information Store of its running server.",
            remedy: format!("Start-ClusteredMailboxServer {} first, then mount the database.", server.name),
            override_switch: None,
        });
        report.add(Check {
            name: "The active node is up".into(),
            passed: estate.node_up(&server.active_node),
            observed: format!(
                "{} {}",
                server.active_node,
                if estate.node_up(&server.active_node) { "powered on" } else { "powered off" }
            ),
            threshold: "powered on".into(),
            why: "The database files are on the active node.",
            remedy: format!("Start-LabNode {}.", server.active_node),
            override_switch: None,
        });
    }
    let sg = estate.storage_group_of(&found.server, &found.storage_group);
    if mount && let Some(missing) = sg.and_then(|sg| sg.missing_logs.as_ref()) {
        report.add(Check {
            name: "The active copy holds every log".into(),
            passed: missing.accepted,
            observed: format!("{} log(s) missing since {} was lost", missing.logs, missing.node),
            threshold: "none missing, or the loss accepted with Restore-StorageGroupCopy".into(),
            why: "Mounting without those logs loses the mail in them; the transport dumpster resends only part of it.",
            remedy: {
                let fetch = if estate.node_up(&missing.node) {
                    format!("{} is up but its logs could not be copied (a damaged log?)", missing.node)
                } else {
                    format!(
                        "Start-LabNode {} so its logs can be copied (the database then mounts without loss)",
                        missing.node
                    )
                };
                format!(
                    "{fetch}; or accept the loss: Restore-StorageGroupCopy '{}\\{}' -Force, then Mount-Database.",
                    found.server, found.storage_group
                )
            },
            override_switch: None,
        });
    }
    let report = report.finish()?;
    let changed = found.mounted != mount;
    let slot = estate
        .databases
        .iter_mut()
        .find(|d| d.server == found.server && d.storage_group == found.storage_group && d.name == found.name);
    if let Some(db) = slot {
        db.mounted = mount;
    }
    Ok(DatabaseChange { database: Database { mounted: mount, ..found }, changed, report })
}

/// `Set-MailboxServer`: the server's AutoDatabaseMountDial and ForcedDatabaseMountAfter.
pub fn set_mailbox_server(
    estate: &mut Estate,
    id: &str,
    dial: Option<crate::api::AutoDatabaseMountDial>,
    forced_mount_after: Option<&str>,
) -> Result<(bool, PreconditionReport), EngineError> {
    let name = server_name(estate, id)?;
    let report = Report::new("Set-MailboxServer", &name).into_report();
    let Some(server) = estate.servers.iter_mut().find(|s| s.name == name) else { return Ok((false, report)) };
    let before = (server.auto_database_mount_dial, server.forced_database_mount_after.clone());
    if let Some(dial) = dial {
        server.auto_database_mount_dial = dial;
    }
    if let Some(after) = forced_mount_after.map(str::trim) {
        server.forced_database_mount_after =
            (!after.is_empty() && !after.eq_ignore_ascii_case("Unlimited")).then(|| after.to_string());
    }
    let changed = before != (server.auto_database_mount_dial, server.forced_database_mount_after.clone());
    Ok((changed, report))
}

/// `Set-MailboxDatabase`: AllowFileRestore and MountAtStartup of a mailbox database. Returns
/// whether anything changed.
pub fn set_mailbox_database(
    estate: &mut Estate,
    id: &str,
    allow_file_restore: Option<bool>,
    mount_at_startup: Option<bool>,
) -> Result<(bool, PreconditionReport), EngineError> {
    let found = identity::database(estate, id, Some(crate::api::DatabaseKind::Mailbox))?.clone();
    let report = Report::new("Set-MailboxDatabase", &identity::database_identity(&found)).into_report();
    let slot = estate
        .databases
        .iter_mut()
        .find(|d| d.server == found.server && d.storage_group == found.storage_group && d.name == found.name);
    let Some(db) = slot else { return Ok((false, report)) };
    if let Some(allow) = allow_file_restore {
        db.allow_file_restore = allow;
    }
    if let Some(mount) = mount_at_startup {
        db.no_mount_at_startup = !mount;
    }
    Ok((**db != found, report))
}

/// The active node of the server `id` names.
pub fn active_node(estate: &Estate, id: &str) -> Result<String, EngineError> {
    Ok(identity::server(estate, id)?.active_node.clone())
}

/// The canonical name of the server `id` names.
pub fn server_name(estate: &Estate, id: &str) -> Result<String, EngineError> {
    Ok(identity::server(estate, id)?.name.clone())
}

/// The refusal for a dry-run-free request when the guard no longer holds.
pub fn check_guard(estate: &Estate, expected: Option<u64>) -> Result<(), EngineError> {
    match expected {
        Some(expected) if expected != estate.version => {
            Err(EngineError::EstateChanged { expected, actual: estate.version })
        }
        _ => Ok(()),
    }
}

/// The checks of `Move-ClusteredMailboxServer` (reference §2.2 and §1.3). Returns the report
/// and the storage groups left out because they are dismounted and `IgnoreDismounted` was
/// given.
pub fn check_move(estate: &Estate, request: &MoveRequest) -> Result<(PreconditionReport, Vec<String>), EngineError> {
    let server = identity::server(estate, &request.identity)?;
    let target = estate.node_name(&request.target_machine);
    let target = target.as_str();
    let mut report = Report::new("Move-ClusteredMailboxServer", &server.name);
    let redundant = server.redundant_machines.iter().any(|m| m.eq_ignore_ascii_case(target));
    report.add(Check {
        name: "TargetMachine is one of the server's RedundantMachines".into(),
        passed: redundant,
        observed: target.to_string(),
        threshold: server.redundant_machines.join(", "),
        why: "A clustered mailbox server runs only on the nodes of its cluster that hold its copies.",
        remedy: format!("Name one of {} as -TargetMachine.", server.redundant_machines.join(", ")),
        override_switch: None,
    });
    report.add(Check {
        name: "TargetMachine is not the active node".into(),
        passed: !server.active_node.eq_ignore_ascii_case(target),
        observed: format!("active on {}", server.active_node),
        threshold: "a passive node".into(),
        why: "Naming the target explicitly keeps a move from running when the server is already where it should be.",
        remedy: format!("{} already runs on {}; there is nothing to move.", server.name, server.active_node),
        override_switch: None,
    });
    report.add(Check {
        name: "TargetMachine is up".into(),
        passed: !redundant || estate.node_up(target),
        observed: if estate.node_up(target) { "powered on".into() } else { "powered off".into() },
        threshold: "powered on".into(),
        why: "The server can only come online on a running node.",
        remedy: format!("Start-LabNode {target}, wait for its copies to catch up, then move."),
        override_switch: None,
    });
    report.add(Check {
        name: "The active node is up".into(),
        passed: estate.node_up(&server.active_node),
        observed: if estate.node_up(&server.active_node) { "powered on".into() } else { "powered off".into() },
        threshold: "powered on".into(),
        why: "A scheduled move flushes the remaining logs from the active node; a failed node is an \
              unscheduled outage, which the cluster handles by failing over on its own.",
        remedy: format!(
            "Use Get-ClusteredMailboxServerStatus {}: after a node failure the server fails over by itself.",
            server.name
        ),
        override_switch: None,
    });
    let mut skipped = Vec::new();
    if !redundant || server.active_node.eq_ignore_ascii_case(target) {
        // No passive copies to check on a node that cannot hold the server or already does.
        return Ok((report.finish()?, skipped));
    }
    for sg in estate.storage_groups_of(&server.name) {
        let dismounted = estate.databases_of(sg).all(|db| !db.mounted);
        let copy =
            estate.copies_of(sg).find(|c| c.kind == CopyKind::ClusterContinuous && c.node.eq_ignore_ascii_case(target));
        let (status, copy_queue, replay_queue) = match copy {
            Some(c) => (
                c.status,
                sg.last_log_generated.saturating_sub(c.last_log_inspected),
                c.last_log_inspected.saturating_sub(c.last_log_replayed),
            ),
            None => (CopyStatus::NotConfigured, 0, 0),
        };
        let healthy = Check {
            name: format!("The copy of '{}' on {target} is Healthy", sg.name),
            passed: status == CopyStatus::Healthy,
            observed: format!("{status:?}"),
            threshold: "Healthy".into(),
            why: "A handoff to a copy that is not replicating would bring up a stale or broken database.",
            remedy: copy_remedy(status, sg, target),
            override_switch: None,
        };
        let current = Check {
            name: format!("The copy of '{}' on {target} is current", sg.name),
            passed: copy_queue <= MOVE_MAX_COPY_QUEUE && replay_queue <= MOVE_MAX_REPLAY_QUEUE,
            observed: format!("CopyQueueLength {copy_queue}, ReplayQueueLength {replay_queue}"),
            threshold: format!(
                "CopyQueueLength <= {MOVE_MAX_COPY_QUEUE}, ReplayQueueLength <= {MOVE_MAX_REPLAY_QUEUE}"
            ),
            why: "Every remaining log is copied and replayed before the handoff; a copy far behind stretches the outage.",
            remedy: "Wait for the queues to drain (Get-StorageGroupCopyStatus), then move.".into(),
            override_switch: Some(("IgnoreQueueLength", request.ignore_queue_length)),
        };
        if dismounted && request.ignore_dismounted {
            skipped.push(sg.name.clone());
            report.skip(healthy);
            report.skip(current);
        } else {
            report.add(Check { override_switch: dismounted.then_some(("IgnoreDismounted", false)), ..healthy });
            report.add(current);
        }
    }
    Ok((report.finish()?, skipped))
}

/// What to do about a copy in `status` before moving to it.
fn copy_remedy(status: CopyStatus, sg: &StorageGroup, node: &str) -> String {
    let id = identity::storage_group_identity(sg);
    match status {
        CopyStatus::Suspended => format!("Resume-StorageGroupCopy '{id}', wait for it to catch up, then move."),
        CopyStatus::Failed => format!(
            "Reseed it: Suspend-StorageGroupCopy '{id}', then Update-StorageGroupCopy '{id}' -DeleteExistingFiles. \
             If the database is dismounted because of the failure, -IgnoreDismounted moves without it."
        ),
        CopyStatus::NotConfigured => format!("{node} holds no copy of '{id}'."),
        _ => format!("Wait until Get-StorageGroupCopyStatus '{id}' reports Healthy, then move."),
    }
}

/// Hands the server over to `target` once the service has flushed every log: the copy on
/// `target` becomes active and the old active node holds the passive copy.
///
/// A storage group left out of the flush (dismounted, with `IgnoreDismounted`) whose copy on
/// `target` lacks logs keeps a record of what it lacks, so it cannot be mounted without them
/// unless an administrator accepts the loss.
pub fn apply_move(
    estate: &mut Estate,
    server: &str,
    target: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<String, EngineError> {
    let found = identity::server(estate, server)?;
    let (name, old) = (found.name.clone(), found.active_node.clone());
    let target = estate.node(target).map(|n| n.name.clone()).unwrap_or_else(|| target.to_string());
    let log_size = estate.log_size_bytes;
    for index in 0..estate.storage_groups.len() {
        let sg = estate.storage_groups[index].clone();
        if !sg.server.eq_ignore_ascii_case(&name) {
            continue;
        }
        let copy = estate
            .copies_of(&sg)
            .find(|c| c.kind == CopyKind::ClusterContinuous && c.node.eq_ignore_ascii_case(&target));
        let Some(copy) = copy.cloned() else { continue };
        let behind = sg.last_log_generated.saturating_sub(copy.last_log_inspected);
        let logs = behind + u64::from(sg.open_log_records > 0);
        if logs > 0 {
            let slot = &mut estate.storage_groups[index];
            slot.missing_logs = Some(super::estate::MissingLogs {
                node: old.clone(),
                common: copy.last_log_inspected,
                logs,
                bytes: behind * log_size,
                since: copy.last_inspected_at,
                lost_at: now,
                mount_when_recovered: false,
                accepted: false,
            });
            slot.last_log_generated = copy.last_log_inspected;
            slot.open_log_records = 0;
        }
    }
    for copy in estate.copies.iter_mut() {
        if copy.server.eq_ignore_ascii_case(&name)
            && copy.kind == CopyKind::ClusterContinuous
            && copy.node.eq_ignore_ascii_case(&target)
        {
            copy.node = old.clone();
            copy.inspect_failures = 0;
        }
    }
    if let Some(s) = estate.servers.iter_mut().find(|s| s.name == name) {
        s.active_node = target;
    }
    Ok(old)
}

/// `Stop-ClusteredMailboxServer`: the server goes offline and stays offline until started.
/// Returns whether it changed and the event to write (105, with the reason).
pub fn stop(
    estate: &mut Estate,
    id: &str,
    reason: &str,
) -> Result<(bool, PreconditionReport, Vec<NewEvent>), EngineError> {
    let server = identity::server(estate, id)?.clone();
    let mut report = Report::new("Stop-ClusteredMailboxServer", &server.name);
    report.add(Check {
        name: "A stop reason is given".into(),
        passed: !reason.trim().is_empty(),
        observed: if reason.trim().is_empty() { "empty".into() } else { format!("'{}'", reason.trim()) },
        threshold: "non-empty text".into(),
        why: "The reason is written to the event log (event 105) for whoever looks at the outage later.",
        remedy: "Give -StopReason \"why the server is stopped\".".into(),
        override_switch: None,
    });
    let report = report.finish()?;
    if server.state == CmsState::Offline {
        return Ok((false, report, Vec::new()));
    }
    if let Some(s) = estate.servers.iter_mut().find(|s| s.name == server.name) {
        s.state = CmsState::Offline;
    }
    Ok((true, report, vec![events::stopped(&server.active_node, &server.name, reason.trim())]))
}

/// `Start-ClusteredMailboxServer`: brings a stopped server online on its active node.
pub fn start(estate: &mut Estate, id: &str) -> Result<(bool, PreconditionReport), EngineError> {
    let server = identity::server(estate, id)?.clone();
    let mut report = Report::new("Start-ClusteredMailboxServer", &server.name);
    report.add(Check {
        name: "The active node is up".into(),
        passed: estate.node_up(&server.active_node),
        observed: format!(
            "{} is {}",
            server.active_node,
            if estate.node_up(&server.active_node) { "powered on" } else { "powered off" }
        ),
        threshold: "powered on".into(),
        why: "The server comes online on the node that owns it.",
        remedy: format!("Start-LabNode {}, then start the server.", server.active_node),
        override_switch: None,
    });
    let report = report.finish()?;
    if server.state == CmsState::Online {
        return Ok((false, report));
    }
    if let Some(s) = estate.servers.iter_mut().find(|s| s.name == server.name) {
        s.state = CmsState::Online;
    }
    // The server's Information Store starts: a database set not to mount at start-up
    // (Set-MailboxDatabase -MountAtStartup:$false) stays dismounted until Mount-Database.
    for db in estate.databases.iter_mut().filter(|d| d.server == server.name && d.no_mount_at_startup) {
        db.mounted = false;
    }
    Ok((true, report))
}

/// `Restore-StorageGroupCopy -ReplaceLocations`: the SP1 page documents it for local continuous
/// replication only, and the estate's copies are CCR and SCR copies.
pub fn replace_locations_refused(estate: &Estate, id: &str) -> EngineError {
    let name =
        identity::storage_group(estate, id).map(identity::storage_group_identity).unwrap_or_else(|_| id.to_string());
    EngineError::Invalid {
        message: format!(
            "The ReplaceLocations parameter can be used only with local continuous replication (LCR); storage group \
             '{name}' has no LCR copy."
        ),
        hint: "Leave -ReplaceLocations out: a CCR or SCR copy keeps the storage group's paths.".into(),
    }
}

/// The index of the copy `identity` names: the CCR passive copy, or the SCR copy on
/// `standby_machine`.
pub fn find_copy(estate: &Estate, id: &str, standby_machine: Option<&str>) -> Result<usize, EngineError> {
    let sg = identity::storage_group(estate, id)?;
    let standby_machine = standby_machine.map(|m| estate.node_name(m));
    let standby_machine = standby_machine.as_deref();
    let found = estate.copy_positions_of(sg).into_iter().find(|&p| {
        let c = &estate.copies[p];
        match standby_machine {
            Some(node) => c.is_standby() && c.node.eq_ignore_ascii_case(node),
            None => c.kind == CopyKind::ClusterContinuous,
        }
    });
    found.ok_or_else(|| EngineError::Invalid {
        message: match standby_machine {
            Some(node) => format!(
                "Standby continuous replication is not enabled for storage group '{}' on '{}'.",
                identity::storage_group_identity(sg),
                node.trim()
            ),
            None => format!(
                "Storage group '{}' has no cluster continuous replication copy.",
                identity::storage_group_identity(sg)
            ),
        },
        hint: "Get-StorageGroupCopyStatus lists the copies; SCR copies are named with -StandbyMachine.".into(),
    })
}

/// The one precondition of suspend and resume: a seed in progress owns the copy until it ends
/// (and resumes replication itself unless told not to).
fn check_not_seeding(estate: &Estate, copy: usize, operation: &str) -> Result<PreconditionReport, EngineError> {
    let copy = &estate.copies[copy];
    let mut report = Report::new(operation, &super::replication::copy_name(copy));
    report.add(Check {
        name: "The copy is not being seeded".into(),
        passed: copy.status != CopyStatus::Seeding,
        observed: format!("{:?}", copy.status),
        threshold: "not Seeding".into(),
        why: "A seed in progress owns the copy's files until it finishes.",
        remedy: "Wait for Update-StorageGroupCopy to finish.".into(),
        override_switch: None,
    });
    report.finish()
}

/// `Suspend-StorageGroupCopy`: replication to the copy stops. Suspending a suspended copy
/// changes nothing and keeps the first comment.
pub fn suspend(
    estate: &mut Estate,
    id: &str,
    standby_machine: Option<&str>,
    comment: Option<&str>,
) -> Result<(bool, PreconditionReport), EngineError> {
    let index = find_copy(estate, id, standby_machine)?;
    let report = check_not_seeding(estate, index, "Suspend-StorageGroupCopy")?;
    let copy = &mut estate.copies[index];
    if copy.status == CopyStatus::Suspended {
        return Ok((false, report));
    }
    copy.status = CopyStatus::Suspended;
    copy.suspend_comment = comment.map(str::trim).filter(|c| !c.is_empty()).map(str::to_string);
    Ok((true, report))
}

/// `Resume-StorageGroupCopy`: a suspended (or failed) copy replicates again.
pub fn resume(
    estate: &mut Estate,
    id: &str,
    standby_machine: Option<&str>,
) -> Result<(bool, PreconditionReport), EngineError> {
    let index = find_copy(estate, id, standby_machine)?;
    let report = check_not_seeding(estate, index, "Resume-StorageGroupCopy")?;
    let copy = &mut estate.copies[index];
    if matches!(copy.status, CopyStatus::Healthy | CopyStatus::Initializing) {
        return Ok((false, report));
    }
    copy.status = CopyStatus::Healthy;
    copy.suspend_comment = None;
    copy.failed_message = None;
    copy.inspect_failures = 0;
    Ok((true, report))
}

/// `Restore-StorageGroupCopy` for a CCR storage group whose active copy lacks logs after an
/// unscheduled failover. With the old node reachable the service copies the logs (no loss);
/// without it, `-Force` accepts the loss and the report carries the estimate. Returns the
/// report, the storage group's index, and whether the logs can be fetched instead.
pub fn restore_cluster_copy(
    estate: &mut Estate,
    id: &str,
    force: bool,
) -> Result<(PreconditionReport, usize, bool), EngineError> {
    let sg = identity::storage_group(estate, id)?;
    let index = estate.storage_group_position(&sg.server, &sg.name).unwrap_or_default();
    let name = identity::storage_group_identity(sg);
    let server = identity::server(estate, &sg.server)?;
    let mut report = Report::new("Restore-StorageGroupCopy", &name);
    let Some(missing) = sg.missing_logs.clone() else {
        report.add(Check {
            name: "The active copy is missing logs".into(),
            passed: false,
            observed: "every log is present".into(),
            threshold: "logs lost with a failed node".into(),
            why: "Restore makes a copy usable without its source; this storage group's active copy already has \
                  every log.",
            remedy: format!(
                "Nothing to restore. To make the passive copy active, use Move-ClusteredMailboxServer {} \
                 -TargetMachine NODE.",
                server.name
            ),
            override_switch: None,
        });
        return Err(EngineError::Refused(Box::new(report.into_report())));
    };
    let reachable = estate.reachable(&missing.node, &server.active_node);
    report.add(Check {
        name: format!("The source {} is reachable", missing.node),
        passed: reachable,
        observed: if estate.node_up(&missing.node) { "unreachable".into() } else { "powered off".into() },
        threshold: "reachable, so the remaining logs can be copied".into(),
        why: "Without the source, the logs it holds are lost; the transport dumpster resends part of the mail.",
        remedy: format!(
            "Bring {} back (Start-LabNode) so nothing is lost, or accept the loss with -Force.",
            missing.node
        ),
        override_switch: Some(("Force", force)),
    });
    let mut report = report.finish()?;
    report.loss_estimate.push(crate::api::LossEstimate {
        storage_group: name,
        logs: if reachable { 0 } else { missing.logs },
        bytes: if reachable { 0 } else { missing.bytes },
        window_start: missing.since,
        window_end: Some(missing.lost_at),
    });
    Ok((report, index, reachable))
}

/// After a restore: whether storage group `index` still lacks logs; with `force` the loss is
/// accepted, so the next mount goes ahead without them.
pub fn accept_loss(estate: &mut Estate, index: usize, force: bool) -> bool {
    match estate.storage_groups[index].missing_logs.as_mut() {
        Some(missing) => {
            missing.accepted |= force;
            true
        }
        None => false,
    }
}

/// Where a delivery goes: the storage group of a mounted database on an online server, or,
/// when it cannot take mail now, the delivery queue of a hub transport server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub storage_group: usize,
    pub node: String,
    pub first_id: u64,
    /// The hub transport server that queued the messages instead (its name).
    pub queued_on: Option<String>,
    /// The messages in runs of consecutive ids, each run addressed to one mailbox (or to none
    /// when the database has no mailboxes, or for a system mailbox).
    pub blocks: Vec<Block>,
}

/// Consecutive message ids addressed to one mailbox (its alias), or to none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub first_id: u64,
    pub count: u64,
    pub recipient: Option<String>,
}

/// Splits `count` messages from `first_id` among `to` in runs of consecutive ids: each mailbox
/// gets an equal share, the first ones one more when it does not divide.
pub fn blocks(first_id: u64, count: u64, to: &[String]) -> Vec<Block> {
    if to.is_empty() {
        return vec![Block { first_id, count, recipient: None }];
    }
    let k = to.len() as u64;
    let mut next = first_id;
    let mut out = Vec::new();
    for (i, alias) in to.iter().enumerate() {
        let n = count / k + u64::from((i as u64) < count % k);
        if n > 0 {
            out.push(Block { first_id: next, count: n, recipient: Some(alias.clone()) });
            next += n;
        }
    }
    out
}

/// The recipient that stands for a database's system mailbox (Test-MailFlow's target).
pub const SYSTEM_MAILBOX: &str = "systemmailbox";

/// Why the database of `db` cannot take mail now, or `None` when it can.
pub fn delivery_blocked(estate: &Estate, db: &Database) -> Option<String> {
    let Some(server) = estate.server(&db.server) else { return Some(format!("its server {} is gone", db.server)) };
    if server.state != CmsState::Online {
        Some(format!("the clustered mailbox server {} is {}", server.name, server.state.display_name()))
    } else if !estate.node_up(&server.active_node) {
        Some(format!("its active node {} is powered off", server.active_node))
    } else if !db.mounted {
        Some("it is dismounted".to_string())
    } else {
        None
    }
}

/// The hub transport server that delivers to `server`: one in the datacenter (Active
/// Directory site) of its active node, else one in its cluster's datacenter, else any.
pub fn hub_for<'e>(estate: &'e Estate, server: &str) -> Option<&'e HubTransport> {
    let cms = estate.server(server);
    let here = cms.and_then(|s| estate.datacenter_of(&s.active_node));
    let home = cms.and_then(|s| estate.cluster(&s.cluster)).map(|c| c.datacenter.as_str());
    let in_site = |site: Option<&str>| {
        estate.hub_transport_servers.iter().find(|h| site.is_some_and(|d| h.datacenter.eq_ignore_ascii_case(d)))
    };
    in_site(here).or_else(|| in_site(home)).or_else(|| estate.hub_transport_servers.first())
}

/// Checks that `count` messages for `database` (or for the mailbox `recipient`, whose
/// database it then is) can be accepted, and reserves their ids. A database that cannot take
/// mail now has it queued on its hub transport server, as Exchange's transport does; without
/// a hub, the delivery is refused.
pub fn deliver(
    estate: &mut Estate,
    database: &str,
    recipient: Option<&str>,
    count: u32,
    size_kb: u32,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Delivery, EngineError> {
    if count == 0 || count > 100_000 || size_kb == 0 || size_kb > 10_240 {
        return Err(EngineError::Invalid {
            message: format!("Cannot deliver {count} messages of {size_kb} KB."),
            hint: "Count must be 1 to 100000 and SizeKB 1 to 10240.".into(),
        });
    }
    // Test-MailFlow's message goes to the database's system mailbox, not a user's.
    let system = recipient.is_some_and(|r| r.trim().to_ascii_lowercase().starts_with(SYSTEM_MAILBOX));
    let recipient = recipient.filter(|_| !system);
    let (db, to) = match recipient {
        Some(id) => {
            let mailbox = identity::mailbox(estate, id)?.clone();
            let db = estate.databases.iter().find(|d| mailbox.in_database(d)).cloned().ok_or_else(|| {
                EngineError::Invalid {
                    message: format!("The mailbox {} has no database.", mailbox.name),
                    hint: String::new(),
                }
            })?;
            (db, vec![mailbox.alias])
        }
        None => {
            let db = identity::database(estate, database, None)?.clone();
            let aliases = if system {
                Vec::new()
            } else {
                estate.mailboxes.iter().filter(|m| m.in_database(&db)).map(|m| m.alias.clone()).collect()
            };
            (db, aliases)
        }
    };
    let name = identity::database_identity(&db);
    let server = identity::server(estate, &db.server)?.clone();
    let storage_group = estate.storage_group_position(&db.server, &db.storage_group).ok_or_else(|| {
        EngineError::Invalid { message: format!("'{name}' has no storage group."), hint: String::new() }
    })?;
    let blocked = delivery_blocked(estate, &db);
    let hub = hub_for(estate, &server.name).map(|h| h.name.clone());
    if let (Some(why), None) = (&blocked, &hub) {
        return Err(EngineError::Invalid {
            message: format!("Database '{name}' cannot accept mail: {why}. Nothing was delivered."),
            hint: "Mount the database (and start its server) first; the estate has no hub transport server to hold \
                   the mail meanwhile."
                .into(),
        });
    }
    let first_id = estate.next_message_id;
    estate.next_message_id += u64::from(count);
    let blocks = blocks(first_id, u64::from(count), &to);
    let queued_on = match blocked {
        Some(why) => {
            let hub = hub.unwrap_or_default();
            for block in &blocks {
                estate.queued.push(QueuedBatch {
                    hub: hub.clone(),
                    server: db.server.clone(),
                    storage_group: db.storage_group.clone(),
                    database: db.name.clone(),
                    first_id: block.first_id,
                    count: block.count,
                    size_bytes: u64::from(size_kb) * 1024,
                    queued_at: now,
                    last_error: queue_error(&name, &why),
                    recipient: block.recipient.clone(),
                });
            }
            Some(hub)
        }
        None => None,
    };
    Ok(Delivery { storage_group, node: server.active_node, first_id, queued_on, blocks })
}

/// The error a mailbox delivery queue shows while its database cannot take mail.
pub fn queue_error(database: &str, why: &str) -> String {
    format!("MapiExceptionMdbOffline: Unable to open message store '{database}' ({why}).")
}

/// The queued batches that can be delivered now: their database is mounted on a running
/// server. Each with its storage group's index.
pub fn deliverable_batches(estate: &Estate) -> Vec<(usize, usize)> {
    estate
        .queued
        .iter()
        .enumerate()
        .filter_map(|(i, q)| {
            let db = estate.databases.iter().find(|d| {
                d.server.eq_ignore_ascii_case(&q.server)
                    && d.storage_group.eq_ignore_ascii_case(&q.storage_group)
                    && d.name.eq_ignore_ascii_case(&q.database)
            })?;
            if delivery_blocked(estate, db).is_some() {
                return None;
            }
            let sg = estate.storage_group_position(&db.server, &db.storage_group)?;
            Some((i, sg))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::topology::{SEED, build};

    #[test]
    fn dismount_then_mount() {
        let mut e = build("seed", SEED).expect("seed");
        let change = set_mounted(&mut e, "Mailbox Database", None, false).expect("dismounts");
        assert!(change.changed && !change.database.mounted);
        assert!(!e.databases[0].mounted);
        let again = set_mounted(&mut e, "Mailbox Database", None, false).expect("idempotent");
        assert!(!again.changed);
        assert!(
            set_mounted(&mut e, "CCREX01\\First Storage Group\\Mailbox Database", None, true).expect("mounts").changed
        );
    }

    fn move_to(target: &str) -> MoveRequest {
        MoveRequest {
            identity: "ccrex01".into(),
            target_machine: target.into(),
            move_comment: "test".into(),
            ignore_dismounted: false,
            ignore_queue_length: false,
            dry_run: false,
            expected_version: None,
            domain_controller: None,
        }
    }

    fn failed_checks(result: Result<(PreconditionReport, Vec<String>), EngineError>) -> Vec<String> {
        match result {
            Err(EngineError::Refused(report)) => report.failed().map(|c| c.check.clone()).collect(),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_move_checks_the_target_and_every_copy() {
        let mut e = build("seed", SEED).expect("seed");
        assert!(check_move(&e, &move_to("NH-W2K3-SRV04")).is_ok());
        let elsewhere = failed_checks(check_move(&e, &move_to("NH-W2K3-SRV01")));
        assert_eq!(elsewhere, ["TargetMachine is one of the server's RedundantMachines"]);
        let here = failed_checks(check_move(&e, &move_to("NH-W2K3-SRV03")));
        assert_eq!(here, ["TargetMachine is not the active node"]);
        e.nodes[1].powered_on = false;
        assert_eq!(failed_checks(check_move(&e, &move_to("NH-W2K3-SRV04"))), ["TargetMachine is up"]);
        e.nodes[1].powered_on = true;
        e.copies[1].status = CopyStatus::Suspended;
        let unhealthy = failed_checks(check_move(&e, &move_to("NH-W2K3-SRV04")));
        assert_eq!(unhealthy, ["The copy of 'Second Storage Group' on NH-W2K3-SRV04 is Healthy"]);
    }

    #[test]
    fn queue_lengths_are_overridden_by_name_and_dismounted_groups_skipped_when_asked() {
        let mut e = build("seed", SEED).expect("seed");
        e.storage_groups[0].last_log_generated = MOVE_MAX_COPY_QUEUE + 1;
        let behind = failed_checks(check_move(&e, &move_to("NH-W2K3-SRV04")));
        assert_eq!(behind, ["The copy of 'First Storage Group' on NH-W2K3-SRV04 is current"]);
        let (report, skipped) =
            check_move(&e, &MoveRequest { ignore_queue_length: true, ..move_to("NH-W2K3-SRV04") }).expect("overridden");
        assert!(skipped.is_empty());
        assert!(report.checks.iter().any(|c| c.result == crate::api::CheckResult::Overridden));
        e.databases[0].mounted = false;
        let (report, skipped) =
            check_move(&e, &MoveRequest { ignore_dismounted: true, ..move_to("NH-W2K3-SRV04") }).expect("skipped");
        assert_eq!(skipped, ["First Storage Group"]);
        assert_eq!(report.checks.iter().filter(|c| c.result == crate::api::CheckResult::Skipped).count(), 2);
    }

    #[test]
    fn mounting_needs_the_server_online_and_changes_nothing_otherwise() {
        let mut e = build("seed", SEED).expect("seed");
        set_mounted(&mut e, "Mailbox Database", None, false).expect("dismounts");
        e.servers[0].state = CmsState::Offline;
        let before = e.clone();
        match set_mounted(&mut e, "Mailbox Database", None, true) {
            Err(error @ EngineError::Refused(_)) => {
                let body = crate::api::ErrorBody::from(error);
                assert!(body.message.contains("observed: Offline"), "{}", body.message);
                let hint = body.hint.unwrap_or_default();
                assert!(hint.contains("Start-ClusteredMailboxServer CCREX01"), "{hint}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(e, before, "a refused operation changes nothing");
        assert!(matches!(set_mounted(&mut e, "Nope", None, true), Err(EngineError::NotFound { .. })));
    }
}
