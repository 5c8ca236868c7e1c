//! The events the estate writes, each with the id and source Exchange 2007 uses (reference §4)
//! or, for the cluster service of Windows Server 2003, the id and text of its message table
//! (`clusvmsg.mc`: NM_EVENT_NODE_DOWN 1135, FM_EVENT_GROUP_FAILOVER 1153). A source belongs to
//! one log, as Windows registers each event source under one: `ClusSvc` writes to System,
//! Exchange's sources to Application. Where a source does not name an event's source or entry
//! type, the choice is written in `docs/engine.md`.
//!
//! Must not: store or number events; the service gives them their index and time.

use crate::api::EntryType;

/// An event an operation wants written to a node's Application log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub node: String,
    pub instance_id: u32,
    pub source: &'static str,
    pub entry_type: EntryType,
    pub message: String,
}

pub const REPLICATION: &str = "MSExchangeRepl";
pub const CLUSTER: &str = "MSExchangeCluster";
pub const INFORMATION_STORE: &str = "MSExchangeIS";
/// The Windows Server 2003 cluster service (System log: `api::event_log_of`).
pub const CLUSTER_SERVICE: &str = crate::api::CLUSTER_SERVICE_SOURCE;

/// 1135 (NM_EVENT_NODE_DOWN), on a node that stays in the cluster: `lost` left the membership.
pub fn node_down(node: &str, lost: &str) -> NewEvent {
    NewEvent {
        node: node.to_string(),
        instance_id: 1135,
        source: CLUSTER_SERVICE,
        entry_type: EntryType::Warning,
        message: format!(
            "Cluster node {lost} was removed from the active server cluster membership. Cluster service may have \
             been stopped on the node, the node may have failed, or the node may have lost communication with the \
             other active server cluster nodes."
        ),
    }
}

/// 1153 (FM_EVENT_GROUP_FAILOVER), on the node taking the group: the cluster fails the group
/// over.
pub fn group_failover(node: &str, group: &str, from: &str, to: &str) -> NewEvent {
    NewEvent {
        node: node.to_string(),
        instance_id: 1153,
        source: CLUSTER_SERVICE,
        entry_type: EntryType::Information,
        message: format!(
            "Cluster service is attempting to failover the Cluster Resource Group '{group}' from node {from} to node {to}."
        ),
    }
}

/// 100: a handoff (scheduled move) finished, with how long it took and the move comment.
pub fn handoff(node: &str, server: &str, from: &str, to: &str, millis: u64, comment: &str) -> NewEvent {
    NewEvent {
        node: node.to_string(),
        instance_id: 100,
        source: REPLICATION,
        entry_type: EntryType::Information,
        message: format!(
            "The clustered mailbox server '{server}' was moved from '{from}' to '{to}'. The handoff took \
             {:.3} seconds. Move comment: {comment}",
            millis as f64 / 1000.0
        ),
    }
}

/// 105: an administrator stopped the clustered mailbox server, with the stop reason.
pub fn stopped(node: &str, server: &str, reason: &str) -> NewEvent {
    NewEvent {
        node: node.to_string(),
        instance_id: 105,
        source: CLUSTER,
        entry_type: EntryType::Information,
        message: format!(
            "The clustered mailbox server '{server}' was stopped by an administrator. Stop reason: {reason}"
        ),
    }
}
