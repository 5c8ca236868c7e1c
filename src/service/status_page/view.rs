//! What the status page shows, built from one published estate and the newest journal
//! entries: the datacenters side by side, each cluster's nodes (the active one marked), each
//! clustered mailbox server's storage groups with their copies, the SCR standbys of each
//! datacenter, recent events and history. Plain data for the templates; no HTML here.
//!
//! Must not: change anything, or read anything but the estate and the entries it is given.

use chrono::{DateTime, Utc};

use crate::api::{self, CopyStatus, EntryType, OperationRecord};
use crate::engine::estate::{Estate, StorageGroup};
use crate::engine::queries;

/// The queue length at which a bar turns amber, and red past the alerting threshold.
pub const QUEUE_LOW: u64 = 3;
pub const QUEUE_HIGH: u64 = 10;
/// The shortest scale of the queue bars, in logs.
const QUEUE_SCALE_MIN: u64 = 20;

pub struct EstateView {
    pub topology: String,
    pub version: u64,
    /// The lab clock when the view was built.
    pub lab_time: String,
    pub datacenters: Vec<DatacenterView>,
    pub events: Vec<EventView>,
    pub history: Vec<HistoryView>,
    /// The length of a full queue bar: the longest queue shown, at least 20 logs.
    pub queue_scale: u64,
    pub queue_low: u64,
    pub queue_high: u64,
    pub copies: usize,
    pub healthy_copies: usize,
}

pub struct DatacenterView {
    /// The HTML id of its heading (`dc-1`), and its children's prefix.
    pub id: String,
    pub name: String,
    pub subnet: String,
    pub clusters: Vec<ClusterView>,
    /// SCR copies held by this datacenter's nodes.
    pub standbys: Vec<CopyView>,
}

pub struct ClusterView {
    pub id: String,
    pub name: String,
    pub witness: String,
    pub nodes: Vec<NodeView>,
    pub servers: Vec<ServerView>,
}

pub struct NodeView {
    pub name: String,
    pub ip: String,
    pub powered_on: bool,
    /// The clustered mailbox servers active here.
    pub active_for: Vec<String>,
    /// The clustered mailbox servers that may fail over here (it is among their redundant
    /// machines) but are active elsewhere.
    pub passive_for: Vec<String>,
    /// Whether the node holds SCR copies.
    pub standby: bool,
    /// Links the lab has cut at this node or its datacenter.
    pub cut_links: Vec<String>,
}

impl NodeView {
    pub fn is_active(&self) -> bool {
        !self.active_for.is_empty()
    }
}

pub struct ServerView {
    pub id: String,
    pub name: String,
    pub state: &'static str,
    /// `ok`, `busy` or `bad`: the badge's colour; the text says the same.
    pub tone: &'static str,
    pub active_node: String,
    pub dial: String,
    pub groups: Vec<GroupView>,
}

pub struct GroupView {
    pub name: String,
    pub databases: Vec<DatabaseView>,
    /// The CCR copies of this storage group (its SCR copies are under their datacenter).
    pub copies: Vec<CopyView>,
    /// Logs the active copy lacks after an unscheduled failover, said in words.
    pub missing_logs: Option<String>,
}

pub struct DatabaseView {
    pub name: String,
    pub mounted: bool,
}

#[derive(Clone)]
pub struct CopyView {
    /// `SERVER\Storage Group`.
    pub identity: String,
    pub standby: bool,
    pub node: String,
    pub status: &'static str,
    pub tone: &'static str,
    pub copy_queue: u64,
    pub replay_queue: u64,
    /// `None` until the copy inspects its first log.
    pub last_inspected: Option<Shown>,
    /// The failure message or the suspend comment.
    pub note: Option<String>,
    /// SCR only: the replay lag, as Exchange prints it.
    pub replay_lag: Option<String>,
}

pub struct EventView {
    pub time: Shown,
    pub machine: String,
    pub id: u32,
    pub source: String,
    pub entry_type: &'static str,
    pub tone: &'static str,
    pub message: String,
}

pub struct HistoryView {
    pub time: Shown,
    pub caller: String,
    pub cmdlet: String,
    pub object: String,
    pub outcome: String,
    pub tone: &'static str,
    pub dry_run: bool,
    pub detail: Option<String>,
}

/// A time as the page shows it: the full lab time, and a short form (the time of day when it
/// is the same day as `now`, else the date too).
#[derive(Clone)]
pub struct Shown {
    pub full: String,
    pub short: String,
}

fn shown(t: DateTime<Utc>, now: DateTime<Utc>) -> Shown {
    let short = if t.date_naive() == now.date_naive() { "%H:%M:%S" } else { "%Y-%m-%d %H:%M" };
    Shown { full: time(t), short: t.format(short).to_string() }
}

fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn copy_tone(status: CopyStatus) -> &'static str {
    match status {
        CopyStatus::Healthy => "ok",
        CopyStatus::Initializing | CopyStatus::Seeding | CopyStatus::Resynchronizing => "busy",
        CopyStatus::Suspended
        | CopyStatus::Disabled
        | CopyStatus::NotConfigured
        | CopyStatus::NotSupported
        | CopyStatus::Stopped => "idle",
        CopyStatus::Failed | CopyStatus::ServiceDown => "bad",
    }
}

fn copy_status_text(status: CopyStatus) -> &'static str {
    match status {
        CopyStatus::Healthy => "Healthy",
        CopyStatus::Initializing => "Initializing",
        CopyStatus::Suspended => "Suspended",
        CopyStatus::Failed => "Failed",
        CopyStatus::Seeding => "Seeding",
        CopyStatus::ServiceDown => "Service down",
        CopyStatus::Resynchronizing => "Resynchronizing",
        CopyStatus::Disabled => "Disabled",
        CopyStatus::NotConfigured => "Not configured",
        CopyStatus::NotSupported => "Not supported",
        CopyStatus::Stopped => "Stopped",
    }
}

fn cms_tone(state: api::CmsState) -> &'static str {
    match state {
        api::CmsState::Online => "ok",
        api::CmsState::PartiallyOnline | api::CmsState::OnlinePending | api::CmsState::OfflinePending => "busy",
        api::CmsState::Offline => "idle",
        api::CmsState::Failed => "bad",
    }
}

fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// The view of `estate` at lab time `now`, with the newest `events` and `history` entries.
pub fn build(
    estate: &Estate,
    now: DateTime<Utc>,
    events: Vec<api::EventEntry>,
    history: Vec<OperationRecord>,
) -> EstateView {
    let nodes = queries::lab_nodes(estate);
    let copies: Vec<(&StorageGroup, CopyView)> = queries::every_copy_status(estate)
        .into_iter()
        .map(|(sg, copy, status)| {
            let view = CopyView {
                identity: status.identity.clone(),
                standby: copy.is_standby(),
                node: copy.node.clone(),
                status: copy_status_text(status.summary_copy_status),
                tone: copy_tone(status.summary_copy_status),
                copy_queue: status.copy_queue_length,
                replay_queue: status.replay_queue_length,
                last_inspected: status.last_inspected_log_time.map(|t| shown(t, now)),
                note: status.failed_message.clone().or_else(|| status.suspend_comment.clone()),
                replay_lag: match copy.kind {
                    crate::engine::estate::CopyKind::StandbyContinuous { replay_lag_seconds, .. } => {
                        Some(queries::format_lag(replay_lag_seconds))
                    }
                    crate::engine::estate::CopyKind::ClusterContinuous => None,
                },
            };
            (sg, view)
        })
        .collect();
    let queue_scale =
        copies.iter().map(|(_, c)| c.copy_queue.max(c.replay_queue)).max().unwrap_or(0).max(QUEUE_SCALE_MIN);
    let healthy_copies = copies.iter().filter(|(_, c)| c.tone == "ok").count();

    let datacenter_of = |node: &str| estate.datacenter_of(node).unwrap_or_default().to_string();
    let datacenters = estate
        .datacenters
        .iter()
        .enumerate()
        .map(|(d, dc)| DatacenterView {
            id: format!("dc-{}", d + 1),
            name: dc.name.clone(),
            subnet: dc.subnet.clone(),
            clusters: estate
                .clusters
                .iter()
                .filter(|c| same(&c.datacenter, &dc.name))
                .enumerate()
                .map(|(c, cluster)| ClusterView {
                    id: format!("dc-{}-cluster-{}", d + 1, c + 1),
                    name: cluster.name.clone(),
                    witness: cluster.file_share_witness.clone(),
                    nodes: nodes
                        .iter()
                        .filter(|n| same(&n.cluster, &cluster.name))
                        .map(|n| NodeView {
                            name: n.name.clone(),
                            ip: n.ip_address.clone(),
                            powered_on: n.powered_on,
                            active_for: n.active_servers.clone(),
                            passive_for: estate
                                .servers
                                .iter()
                                .filter(|s| !same(&s.active_node, &n.name))
                                .filter(|s| s.redundant_machines.iter().any(|m| same(m, &n.name)))
                                .map(|s| s.name.clone())
                                .collect(),
                            standby: estate.copies.iter().any(|c| c.is_standby() && same(&c.node, &n.name)),
                            cut_links: n.cut_links.clone(),
                        })
                        .collect(),
                    servers: estate
                        .servers
                        .iter()
                        .filter(|s| same(&s.cluster, &cluster.name))
                        .enumerate()
                        .map(|(s, server)| ServerView {
                            id: format!("dc-{}-cluster-{}-cms-{}", d + 1, c + 1, s + 1),
                            name: server.name.clone(),
                            state: server.state.display_name(),
                            tone: cms_tone(server.state),
                            active_node: server.active_node.clone(),
                            dial: format!("{:?}", server.auto_database_mount_dial),
                            groups: estate
                                .storage_groups_of(&server.name)
                                .map(|sg| GroupView {
                                    name: sg.name.clone(),
                                    databases: estate
                                        .databases_of(sg)
                                        .map(|db| DatabaseView { name: db.name.clone(), mounted: db.mounted })
                                        .collect(),
                                    copies: copies
                                        .iter()
                                        .filter(|(of, c)| std::ptr::eq(*of, sg) && !c.standby)
                                        .map(|(_, c)| c.clone())
                                        .collect(),
                                    missing_logs: sg.missing_logs.as_ref().map(|m| {
                                        format!(
                                            "{} log(s) held only by {} are missing{}",
                                            m.logs,
                                            m.node,
                                            if m.accepted { " (the loss was accepted)" } else { "" }
                                        )
                                    }),
                                })
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
            standbys: copies
                .iter()
                .filter(|(_, c)| c.standby && same(&datacenter_of(&c.node), &dc.name))
                .map(|(_, c)| c.clone())
                .collect(),
        })
        .collect();

    EstateView {
        topology: estate.topology.clone(),
        version: estate.version,
        lab_time: time(now),
        datacenters,
        events: events
            .into_iter()
            .map(|e| EventView {
                time: shown(e.time_generated, now),
                machine: e.machine_name,
                id: e.instance_id,
                source: e.source,
                entry_type: match e.entry_type {
                    EntryType::Information => "Information",
                    EntryType::Warning => "Warning",
                    EntryType::Error => "Error",
                    EntryType::SuccessAudit => "SuccessAudit",
                    EntryType::FailureAudit => "FailureAudit",
                },
                tone: match e.entry_type {
                    EntryType::Information | EntryType::SuccessAudit => "idle",
                    EntryType::Warning => "busy",
                    EntryType::Error | EntryType::FailureAudit => "bad",
                },
                message: e.message,
            })
            .collect(),
        history: history
            .into_iter()
            .map(|r| HistoryView {
                time: shown(r.run_date, now),
                tone: match r.outcome.as_str() {
                    "Succeeded" => "ok",
                    "Refused" => "busy",
                    _ => "bad",
                },
                caller: r.caller,
                cmdlet: r.cmdlet_name,
                object: r.object_modified,
                outcome: r.outcome,
                dry_run: r.dry_run,
                detail: r.error.or(r.reason),
            })
            .collect(),
        queue_scale,
        queue_low: QUEUE_LOW,
        queue_high: QUEUE_HIGH,
        copies: copies.len(),
        healthy_copies,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::topology;

    fn seed() -> Estate {
        topology::build("seed", topology::SEED).expect("seed builds")
    }

    #[test]
    fn the_seed_shows_two_datacenters_the_active_node_and_two_healthy_ccr_copies() {
        let view = build(&seed(), Utc::now(), Vec::new(), Vec::new());
        let names: Vec<&str> = view.datacenters.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["Production", "Backup"]);
        let production = &view.datacenters[0].clusters[0];
        let active: Vec<&str> = production.nodes.iter().filter(|n| n.is_active()).map(|n| n.name.as_str()).collect();
        assert_eq!(active, ["NH-W2K3-SRV03"]);
        let server = &production.servers[0];
        assert_eq!((server.name.as_str(), server.state, server.tone), ("CCREX01", "Online", "ok"));
        let copies: Vec<(&str, &str)> =
            server.groups.iter().flat_map(|g| &g.copies).map(|c| (c.node.as_str(), c.status)).collect();
        assert_eq!(copies, [("NH-W2K3-SRV04", "Healthy"), ("NH-W2K3-SRV04", "Healthy")]);
        assert!(view.datacenters[1].clusters[0].servers.is_empty(), "the backup cluster hosts no CMS");
        assert!(view.datacenters.iter().all(|d| d.standbys.is_empty()), "no SCR copy in the seed");
        assert_eq!((view.copies, view.healthy_copies, view.queue_scale), (2, 2, QUEUE_SCALE_MIN));
    }

    #[test]
    fn an_scr_copy_is_shown_under_its_standby_machines_datacenter_and_long_queues_widen_the_scale() {
        let mut estate = seed();
        let sg = estate.storage_groups[0].clone();
        let kind = crate::engine::estate::CopyKind::StandbyContinuous {
            replay_lag_seconds: 86_400,
            truncation_lag_seconds: 0,
        };
        let mut copy = crate::engine::estate::StorageGroupCopy::new(
            &sg.server,
            &sg.name,
            "NH-W2K3-SRV01",
            kind,
            CopyStatus::Healthy,
        );
        copy.last_log_inspected = 0;
        estate.copies.push(copy);
        estate.storage_groups[0].last_log_generated = 45;
        let view = build(&estate, Utc::now(), Vec::new(), Vec::new());
        let standbys = &view.datacenters[1].standbys;
        assert_eq!(standbys.len(), 1);
        assert_eq!((standbys[0].node.as_str(), standbys[0].copy_queue), ("NH-W2K3-SRV01", 45));
        assert_eq!(standbys[0].replay_lag.as_deref(), Some("1.00:00:00"));
        assert!(view.datacenters[0].standbys.is_empty());
        assert_eq!(view.queue_scale, 45);
    }
}
