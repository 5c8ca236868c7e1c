//! Unscheduled outages: what the cluster does when nodes are lost or return (reference §1.1,
//! §1.3, §6.2). A CMS whose active node is lost comes up on a surviving node that has quorum;
//! each database mounts only if the logs it lacks are within AutoDatabaseMountDial, else it
//! waits for them (mounting without loss if the old node returns with its logs), until an
//! administrator accepts the loss with Restore-StorageGroupCopy and Mount-Database. A lossy
//! mount starts a new log lineage, writes 9796 and 2099, and asks the transport dumpster to
//! resend. The old active copy, when it returns, resynchronises if only the lost tail differs,
//! else it is Failed with a reseed remedy.
//!
//! Must not: touch files. The service recovers logs and discards tails as the returned
//! [`Recovery`] steps say, then reports back.

use chrono::{DateTime, Utc};

use super::estate::*;
use super::events::{self, NewEvent};
use super::identity;
use crate::api::{CmsState, CopyStatus, EntryType};

/// A lossy mount the service must follow up with the transport dumpster: resend what was
/// accepted for `storage_group` between `from` and `to` and is no longer held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DumpsterRequest {
    pub storage_group: usize,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// File work the service does when a node returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovery {
    /// Close the returning node's open log and ship its logs after `common` to the active
    /// copy on `active`, so the database can mount without loss.
    FetchMissingLogs { storage_group: usize, from: String, active: String, common: u64 },
    /// The returning node's copy diverged after `common`: drop its later logs if its database
    /// has not replayed past `common` (then it resynchronises), else it needs a reseed.
    Resynchronize { copy: usize, common: u64 },
}

/// What a change of nodes made the cluster do.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reaction {
    pub events: Vec<NewEvent>,
    pub dumpster: Vec<DumpsterRequest>,
}

/// What the cluster service of every node that stays up in `lost`'s cluster writes when `lost`
/// leaves the membership (powered off, crashed, or cut off): 1135.
pub fn node_left(estate: &Estate, lost: &str) -> Vec<NewEvent> {
    let Some(cluster) = estate.nodes.iter().find(|n| n.name.eq_ignore_ascii_case(lost)).map(|n| n.cluster.clone())
    else {
        return Vec::new();
    };
    estate
        .nodes
        .iter()
        .filter(|n| n.cluster == cluster && !n.name.eq_ignore_ascii_case(lost) && estate.node_up(&n.name))
        .map(|n| events::node_down(&n.name, lost))
        .collect()
}

/// A new lineage for a storage group whose log stream forks (a lossy mount, a lossy recovery).
pub fn next_lineage(old: u64, now: DateTime<Utc>) -> u64 {
    let mut bytes = old.to_le_bytes().to_vec();
    bytes.extend_from_slice(&now.timestamp_nanos_opt().unwrap_or_default().to_le_bytes());
    (u64::from(crc32fast::hash(&bytes)) << 32) | (old.wrapping_add(1) & 0xFFFF_FFFF)
}

/// Brings every clustered mailbox server in line with which nodes are up and quorate: a
/// server whose active node is lost fails over (or goes Failed without quorum); a Failed
/// server comes back when its node has quorum again.
pub fn react(estate: &mut Estate, now: DateTime<Utc>) -> Reaction {
    let mut reaction = Reaction::default();
    for index in 0..estate.servers.len() {
        let server = estate.servers[index].clone();
        if server.state == CmsState::Offline {
            continue; // stopped by an administrator: stays where it is
        }
        if estate.has_quorum(&server.active_node) {
            if server.state == CmsState::Failed {
                estate.servers[index].state = CmsState::Online;
            }
            continue;
        }
        let survivor = server
            .redundant_machines
            .iter()
            .find(|m| !m.eq_ignore_ascii_case(&server.active_node) && estate.has_quorum(m))
            .cloned();
        match survivor {
            Some(node) => {
                // The cluster service announces the failover of the CMS's group (named after it)
                // on the node that takes it, before Exchange mounts (or may not mount) anything.
                reaction.events.push(events::group_failover(&node, &server.name, &server.active_node, &node));
                fail_over(estate, index, &node, now, &mut reaction, true)
            }
            None => estate.servers[index].state = CmsState::Failed,
        }
    }
    reaction
}

/// `Move-ClusterGroup`: the cluster moves the CMS's group to `node` the way cluster tools do —
/// no health checks, no flush, and the databases are left offline (the Replication service was
/// not told, so "mount allowed" is not set). Logs the new node lacks are fetched from the old
/// one while it is reachable. Returns the old active node.
pub fn move_group(
    estate: &mut Estate,
    cms: &str,
    node: &str,
    now: DateTime<Utc>,
) -> Result<(String, crate::api::PreconditionReport), super::EngineError> {
    let server = identity::server(estate, cms)?.clone();
    let target = server.redundant_machines.iter().find(|m| m.eq_ignore_ascii_case(node.trim())).cloned();
    let Some(target) = target else {
        return Err(super::EngineError::Invalid {
            message: format!("{} is not a node that can own {}'s cluster group.", node.trim(), server.name),
            hint: format!("Possible owners: {}.", server.redundant_machines.join(", ")),
        });
    };
    let report = super::preconditions::Report::new("Move-ClusterGroup", &server.name).into_report();
    if target == server.active_node || !estate.node_up(&target) {
        return Err(super::EngineError::Invalid {
            message: format!(
                "The cluster group of {} cannot move to {target}: it is {}.",
                server.name,
                if target == server.active_node { "already there" } else { "powered off" }
            ),
            hint: "Name the other, running node.".into(),
        });
    }
    let index = estate.servers.iter().position(|s| s.name == server.name).unwrap_or_default();
    let mut reaction = Reaction::default();
    fail_over(estate, index, &target, now, &mut reaction, false);
    Ok((server.active_node, report))
}

/// `cluster group "Cluster Group" /move:NODE` (and `Move-ClusterGroup "Cluster Group" NODE`):
/// the cluster's core group, and with it the quorum, moves to `node` of the same cluster.
/// Nothing of Exchange moves. Returns whether the owner changed.
pub fn move_core_group(
    estate: &mut Estate,
    node: &str,
) -> Result<(bool, crate::api::PreconditionReport), super::EngineError> {
    let target = identity::node(estate, node)?.clone();
    let report = super::preconditions::Report::new("Move-ClusterGroup", super::queries::CLUSTER_GROUP).into_report();
    if !target.powered_on {
        return Err(super::EngineError::Invalid {
            message: format!(
                "The cluster group of {} cannot move to {}: it is powered off.",
                target.cluster, target.name
            ),
            hint: "Name a running node of the cluster.".into(),
        });
    }
    let before = estate.quorum_owner(&target.cluster).map(str::to_string);
    estate.quorum_owners.retain(|(c, _)| !c.eq_ignore_ascii_case(&target.cluster));
    estate.quorum_owners.push((target.cluster.clone(), target.name.clone()));
    Ok((before.as_deref() != Some(target.name.as_str()), report))
}

/// The CMS at `server` comes up on `target`; each storage group mounts as the dial allows
/// (`automatic_mount`), or stays offline for the administrator to mount.
fn fail_over(
    estate: &mut Estate,
    server: usize,
    target: &str,
    now: DateTime<Utc>,
    reaction: &mut Reaction,
    automatic_mount: bool,
) {
    let cms = estate.servers[server].clone();
    let old = cms.active_node.clone();
    let dial = cms.auto_database_mount_dial.max_lost_logs();
    for sg_index in 0..estate.storage_groups.len() {
        if !estate.storage_groups[sg_index].server.eq_ignore_ascii_case(&cms.name) {
            continue;
        }
        let sg = estate.storage_groups[sg_index].clone();
        let Some(copy_index) = estate
            .copies
            .iter()
            .position(|c| c.of(&sg) && c.kind == CopyKind::ClusterContinuous && c.node.eq_ignore_ascii_case(target))
        else {
            continue;
        };
        let copy = estate.copies[copy_index].clone();
        let common = copy.last_log_inspected;
        let open = u64::from(sg.open_log_records > 0);
        let logs = sg.last_log_generated.saturating_sub(common) + open;
        let bytes = sg.last_log_generated.saturating_sub(common) * estate.log_size_bytes;
        let was_mounted = estate.databases_of(&sg).any(|db| db.mounted);
        let usable = matches!(copy.status, CopyStatus::Healthy | CopyStatus::Initializing);
        // The old active node keeps a passive copy; it may have logs the new active lacks.
        let slot = &mut estate.copies[copy_index];
        slot.node = old.clone();
        slot.diverged_after = None;
        slot.inspect_failures = 0;
        let sg_slot = &mut estate.storage_groups[sg_index];
        sg_slot.last_log_generated = common;
        sg_slot.open_log_records = 0;
        sg_slot.missing_logs = (logs > 0).then(|| MissingLogs {
            node: old.clone(),
            common,
            logs,
            bytes,
            since: copy.last_inspected_at,
            lost_at: now,
            mount_when_recovered: was_mounted && automatic_mount,
            accepted: false,
        });
        let mount = automatic_mount && was_mounted && usable && logs <= dial;
        for db in estate.databases.iter_mut().filter(|d| d.server == sg.server && d.storage_group == sg.name) {
            db.mounted = mount;
        }
        if mount
            && logs > 0
            && let Some(request) = mount_with_loss(estate, sg_index, target, now, reaction)
        {
            reaction.dumpster.push(request);
        }
    }
    let slot = &mut estate.servers[server];
    slot.active_node = target.to_string();
    slot.state = CmsState::Online;
}

/// The active copy of `storage_group` mounts without the logs it lacks: the log stream forks
/// (a new lineage), the old active copy must resynchronise or be reseeded, and 9796 and 2099
/// are written. Returns the dumpster request for the service.
pub fn mount_with_loss(
    estate: &mut Estate,
    storage_group: usize,
    active: &str,
    now: DateTime<Utc>,
    reaction: &mut Reaction,
) -> Option<DumpsterRequest> {
    let sg = &mut estate.storage_groups[storage_group];
    let missing = sg.missing_logs.take()?;
    sg.lineage = next_lineage(sg.lineage, now);
    let sg = sg.clone();
    for position in estate.copy_positions_of(&sg) {
        let copy = &mut estate.copies[position];
        if copy.node.eq_ignore_ascii_case(&missing.node) {
            copy.diverged_after = Some(missing.common);
        }
    }
    let from = missing.since.unwrap_or(seconds_before(missing.lost_at, estate.max_dumpster_time_seconds));
    for db in estate.databases_of(&sg) {
        reaction.events.push(NewEvent {
            node: active.to_string(),
            instance_id: 9796,
            source: events::INFORMATION_STORE.into(),
            entry_type: EntryType::Warning,
            message: format!(
                "Database \"{}\" has been subject to a lossy failover. The database may be patched if the \
                 Information Store detects it is necessary.",
                identity::database_identity(db)
            ),
        });
    }
    reaction.events.push(NewEvent {
        node: active.to_string(),
        instance_id: 2099,
        source: events::REPLICATION.into(),
        entry_type: EntryType::Information,
        message: format!(
            "The Microsoft Exchange Replication Service requested that the Hub Transport servers resubmit messages \
             for storage group '{}\\{}' between time periods {} (UTC) and {} (UTC).",
            sg.server,
            sg.name,
            from.format("%-m/%-d/%Y %-I:%M:%S %p"),
            now.format("%-m/%-d/%Y %-I:%M:%S %p")
        ),
    });
    Some(DumpsterRequest { storage_group, from, to: now })
}

/// The file work a returning node needs: fetch the logs an active copy is waiting for, and
/// resynchronise copies that diverged.
pub fn on_node_returned(estate: &Estate, node: &str) -> Vec<Recovery> {
    let mut steps = Vec::new();
    for (index, sg) in estate.storage_groups.iter().enumerate() {
        let Some(missing) = &sg.missing_logs else { continue };
        let Some(server) = estate.server_of(sg) else { continue };
        if missing.node.eq_ignore_ascii_case(node) && estate.reachable(node, &server.active_node) {
            steps.push(Recovery::FetchMissingLogs {
                storage_group: index,
                from: missing.node.clone(),
                active: server.active_node.clone(),
                common: missing.common,
            });
        }
    }
    for (index, copy) in estate.copies.iter().enumerate() {
        if let Some(common) = copy.diverged_after
            && copy.node.eq_ignore_ascii_case(node)
        {
            steps.push(Recovery::Resynchronize { copy: index, common });
        }
    }
    steps
}

/// The active copy now holds every log through `through`: it is whole again and mounts if it
/// was mounted when its node was lost.
pub fn logs_recovered(estate: &mut Estate, storage_group: usize, through: u64) {
    let sg = &mut estate.storage_groups[storage_group];
    let Some(missing) = sg.missing_logs.take() else { return };
    sg.last_log_generated = sg.last_log_generated.max(through);
    let sg = sg.clone();
    let server_online = estate.server_of(&sg).is_some_and(|s| s.state == CmsState::Online);
    if missing.mount_when_recovered && server_online {
        for db in estate.databases.iter_mut().filter(|d| d.server == sg.server && d.storage_group == sg.name) {
            db.mounted = true;
        }
    }
}

/// The diverged copy's verdict: resynchronised (it replayed nothing past the common point)
/// or Failed with the remedy.
pub fn resynchronized(estate: &mut Estate, copy: usize, replayed: u64) {
    let c = &mut estate.copies[copy];
    let Some(common) = c.diverged_after.take() else { return };
    if replayed <= common {
        c.status = CopyStatus::Healthy;
        c.failed_message = None;
    } else {
        c.status = CopyStatus::Failed;
        c.failed_message = Some(format!(
            "The copy on {} diverged from the active copy after a lossy failover: its database holds changes from \
             logs after generation {common} that the active copy does not have. Reseed it: Suspend-StorageGroupCopy, \
             then Update-StorageGroupCopy -DeleteExistingFiles.",
            c.node
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::AutoDatabaseMountDial;
    use crate::engine::topology::{SEED, build};

    /// The seed with mail: 20 closed logs, the passive copy `behind` logs behind, and a
    /// non-empty open log.
    fn estate_with_lag(behind: u64, dial: AutoDatabaseMountDial) -> Estate {
        let mut e = build("seed", SEED).expect("seed");
        e.servers[0].auto_database_mount_dial = dial;
        e.storage_groups[0].last_log_generated = 20;
        e.storage_groups[0].open_log_records = 3;
        let copy = &mut e.copies[0];
        copy.last_log_copied = 20 - behind;
        copy.last_log_inspected = 20 - behind;
        copy.last_log_replayed = 20 - behind;
        e
    }

    fn lose_active(e: &mut Estate) -> Reaction {
        e.nodes[0].powered_on = false;
        react(e, Utc::now())
    }

    #[test]
    fn the_dial_decides_whether_the_database_mounts_after_a_failover() {
        // Missing: `behind` closed logs plus the open log.
        for (dial, behind, mounts) in [
            (AutoDatabaseMountDial::Lossless, 0, false),
            (AutoDatabaseMountDial::GoodAvailability, 2, true),
            (AutoDatabaseMountDial::GoodAvailability, 3, false),
            (AutoDatabaseMountDial::BestAvailability, 5, true),
            (AutoDatabaseMountDial::BestAvailability, 6, false),
        ] {
            let mut e = estate_with_lag(behind, dial);
            let reaction = lose_active(&mut e);
            assert_eq!(e.servers[0].active_node, "NH-W2K3-SRV04", "the CMS always fails over");
            assert_eq!(e.servers[0].state, CmsState::Online);
            assert_eq!(e.databases[0].mounted, mounts, "{dial:?} with {} logs missing", behind + 1);
            assert_eq!(e.storage_groups[0].missing_logs.is_none(), mounts);
            let ids: Vec<u32> = reaction.events.iter().map(|ev| ev.instance_id).collect();
            assert_eq!(ids.first(), Some(&1153), "the cluster service announces the failover: {ids:?}");
            let ids = &ids[1..];
            if mounts {
                assert_eq!(ids, [9796, 2099], "a lossy mount is announced");
                assert_eq!(e.copies[0].node, "NH-W2K3-SRV03");
                assert_eq!(e.copies[0].diverged_after, Some(20 - behind));
            } else {
                assert!(ids.is_empty());
            }
            // The second storage group had no mail: it mounts with nothing missing.
            assert!(e.databases[1].mounted);
        }
    }

    #[test]
    fn a_waiting_database_mounts_when_its_logs_come_back() {
        let mut e = estate_with_lag(2, AutoDatabaseMountDial::Lossless);
        lose_active(&mut e);
        assert!(!e.databases[0].mounted);
        e.nodes[0].powered_on = true;
        let steps = on_node_returned(&e, "NH-W2K3-SRV03");
        assert_eq!(
            steps,
            [Recovery::FetchMissingLogs {
                storage_group: 0,
                from: "NH-W2K3-SRV03".into(),
                active: "NH-W2K3-SRV04".into(),
                common: 18
            }]
        );
        logs_recovered(&mut e, 0, 21);
        assert!(e.databases[0].mounted && e.storage_groups[0].missing_logs.is_none());
        assert_eq!(e.storage_groups[0].last_log_generated, 21);
    }

    #[test]
    fn without_quorum_the_server_fails_and_returns_with_it() {
        let mut e = estate_with_lag(0, AutoDatabaseMountDial::BestAvailability);
        e.network_cuts.push(("NH-W2K3-SRV04".into(), "NH-W2K3-FSW01".into()));
        lose_active(&mut e);
        assert_eq!(e.servers[0].state, CmsState::Failed, "one node without the witness has no quorum");
        assert_eq!(e.servers[0].active_node, "NH-W2K3-SRV03");
        e.nodes[0].powered_on = true;
        react(&mut e, Utc::now());
        assert_eq!(e.servers[0].state, CmsState::Online);
        assert_eq!(e.servers[0].active_node, "NH-W2K3-SRV03");
    }

    #[test]
    fn a_diverged_copy_resynchronises_only_when_its_database_did_not_pass_the_fork() {
        let mut e = estate_with_lag(2, AutoDatabaseMountDial::BestAvailability);
        lose_active(&mut e);
        let mut ok = e.clone();
        resynchronized(&mut ok, 0, 18);
        assert_eq!((ok.copies[0].status, ok.copies[0].diverged_after), (CopyStatus::Healthy, None));
        resynchronized(&mut e, 0, 19);
        assert_eq!(e.copies[0].status, CopyStatus::Failed);
        assert!(e.copies[0].failed_message.as_deref().unwrap_or_default().contains("Update-StorageGroupCopy"));
    }
}
