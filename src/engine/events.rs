//! The Application-log events the estate writes, each with the id and source Exchange 2007
//! uses (reference §4). Where a source does not name the event's source, the choice is
//! written in `docs/api.md`.
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
