//! The events the estate writes, each with the id and source Exchange 2007 uses (reference §4)
//! or, for the cluster service of Windows Server 2003, the id and text of its message table
//! (`clusvmsg.mc`: NM_EVENT_NODE_DOWN 1135, FM_EVENT_GROUP_FAILOVER 1153). A source belongs to
//! one log, as Windows registers each event source under one: `ClusSvc` writes to System,
//! Exchange's sources to Application. Where a source does not name an event's source or entry
//! type, the choice is written in `docs/engine.md`. A script's own entry ([`written`]) is
//! checked as Windows checks it: the node answering, the log kept, the source under that log.
//!
//! Must not: store or number events; the service gives them their index and time.

use std::borrow::Cow;

use super::{EngineError, Estate};
use crate::api::{EntryType, event_log_of};

/// An event an operation (or a script, [`written`]) wants written to a node's event log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub node: String,
    pub instance_id: u32,
    /// The lab's own sources are constants; a script names its own.
    pub source: Cow<'static, str>,
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
        source: Cow::Borrowed(CLUSTER_SERVICE),
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
        source: Cow::Borrowed(CLUSTER_SERVICE),
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
        source: Cow::Borrowed(REPLICATION),
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
        source: Cow::Borrowed(CLUSTER),
        entry_type: EntryType::Information,
        message: format!(
            "The clustered mailbox server '{server}' was stopped by an administrator. Stop reason: {reason}"
        ),
    }
}

/// The logs the lab's nodes keep.
pub const LOGS: [&str; 2] = ["Application", "System"];

/// An entry a script writes to `log` on `node` (`Write-EventLog`, `EventLog.WriteEntry`), as
/// Windows takes it: the node must be in the lab and answering (powered on), the log one the
/// nodes keep, and the source one that writes to that log (Windows registers a source under one
/// log: `ClusSvc` under System, any other under Application, where a new source is registered).
pub fn written(
    estate: &Estate,
    node: &str,
    log: &str,
    source: &str,
    instance_id: u32,
    entry_type: EntryType,
    message: &str,
) -> Result<NewEvent, EngineError> {
    let invalid = |message: String, hint: String| EngineError::Invalid { message, hint };
    let Some(found) = estate.node(node) else {
        let known: Vec<&str> = estate.nodes.iter().map(|n| n.name.as_str()).collect();
        return Err(invalid(
            "The network path was not found.".into(),
            format!("'{node}' is not a node of the lab; its nodes are {}.", known.join(", ")),
        ));
    };
    if !found.powered_on {
        return Err(invalid(
            "The network path was not found.".into(),
            format!("{} is powered off, so its event log cannot be reached. Start-LabNode {0} first.", found.name),
        ));
    }
    let Some(log) = LOGS.iter().find(|l| l.eq_ignore_ascii_case(log.trim())) else {
        return Err(invalid(
            format!("The event log '{log}' on computer '{}' does not exist.", found.name),
            "The lab's nodes keep the Application and System logs.".into(),
        ));
    };
    let source = source.trim();
    let registered = event_log_of(source);
    if registered != *log {
        return Err(invalid(
            format!(
                "The source '{source}' is not registered in log '{log}'. (It is registered in log '{registered}'.) \
                 The Source and Log properties must be matched, or you may set Log to the empty string, and it will \
                 automatically be matched to the Source property."
            ),
            format!("Write it to the {registered} log (-LogName {registered}), or use another source."),
        ));
    }
    if instance_id > u32::from(u16::MAX) {
        return Err(invalid(
            format!("Invalid eventID value '{instance_id}'. It must be in the range between '0' and '65535'."),
            "Give an event id from 0 to 65535.".into(),
        ));
    }
    Ok(NewEvent {
        node: found.name.clone(),
        instance_id,
        source: Cow::Owned(source.to_string()),
        entry_type,
        message: message.to_string(),
    })
}
