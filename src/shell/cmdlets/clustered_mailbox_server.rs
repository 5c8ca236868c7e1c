//! Clustered mailbox servers and mailbox servers: `Get-ClusteredMailboxServerStatus`,
//! `Get-MailboxServer`, `Set-MailboxServer`, and `Move-`, `Start-` and
//! `Stop-ClusteredMailboxServer`.

use super::change::{self, Change};
use super::exchange_objects;
use super::{Context, read_from};
use crate::api::{self, IdentityQuery, routes};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::value::Value;

pub fn get_status(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let query = IdentityQuery { identity: call.string("Identity") };
    let found: Vec<api::ClusteredMailboxServerStatus> = cx.read_all(routes::CMS_STATUS, &query)?;
    Ok(found.into_iter().map(|s| exchange_objects::cms_status(s).into()).collect())
}

pub fn get_mailbox_server(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let query = IdentityQuery { identity: call.string("Identity") };
    let found: Vec<api::MailboxServer> = cx.read_all(routes::MAILBOX_SERVERS, &query)?;
    let from = read_from(call);
    Ok(found.into_iter().map(|s| exchange_objects::mailbox_server(s, from).into()).collect())
}

pub fn get_exchange_server(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let query = IdentityQuery { identity: call.string("Identity") };
    let found: Vec<api::ExchangeServer> = cx.read_all(routes::EXCHANGE_SERVERS, &query)?;
    let from = read_from(call);
    let domain = call.string("Domain");
    Ok(found
        .into_iter()
        .filter(|s| domain.as_deref().is_none_or(|d| s.domain.eq_ignore_ascii_case(d)))
        .map(|s| exchange_objects::exchange_server(s, from).into())
        .collect())
}

/// `Move-ClusteredMailboxServer`: a scheduled move to the passive node; `-ValidateOnly` runs
/// the checks and returns them without moving.
pub fn move_server(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let identity = call.string("Identity").unwrap_or_default();
    let request = |dry_run| api::MoveRequest {
        identity: identity.clone(),
        target_machine: call.string("TargetMachine").unwrap_or_default(),
        move_comment: call.string("MoveComment").unwrap_or_default(),
        ignore_dismounted: call.switch("IgnoreDismounted"),
        ignore_queue_length: call.switch("IgnoreQueueLength"),
        dry_run,
        expected_version: None,
        domain_controller: call.string("DomainController"),
    };
    let change = Change {
        target: &identity,
        force: false,
        validate_only: call.switch("ValidateOnly"),
        progress: false,
        request: &request,
        ask_to_force: None,
    };
    change::run(call, cx, routes::MOVE_CMS, &change)
}

/// `Stop-ClusteredMailboxServer`: offline, with the reason written to event 105.
pub fn stop_server(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let identity = call.string("Identity").unwrap_or_default();
    let request = |dry_run| api::StopRequest {
        identity: identity.clone(),
        stop_reason: call.string("StopReason").unwrap_or_default(),
        dry_run,
        expected_version: None,
        domain_controller: call.string("DomainController"),
    };
    let change = Change::simple(&identity, &request);
    change::run(call, cx, routes::STOP_CMS, &change)
}

/// `Start-ClusteredMailboxServer`.
pub fn start_server(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    change::run_on_identity(call, cx, routes::START_CMS)
}

/// `Set-MailboxServer -AutoDatabaseMountDial`.
pub fn set_mailbox_server(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let identity = call.string("Identity").unwrap_or_default();
    let dial = call
        .string("AutoDatabaseMountDial")
        .and_then(|d| serde_json::from_value::<api::AutoDatabaseMountDial>(serde_json::Value::String(d)).ok());
    let request = |dry_run| api::MailboxServerRequest {
        identity: identity.clone(),
        auto_database_mount_dial: dial,
        forced_database_mount_after: call.get("ForcedDatabaseMountAfter").map(Value::to_display_string),
        dry_run,
        expected_version: None,
        domain_controller: call.string("DomainController"),
    };
    let change = Change::simple(&identity, &request);
    change::run(call, cx, routes::SET_MAILBOX_SERVER, &change)
}

/// `Move-ClusterGroup NAME [NODE]`: the failover cluster's own move of a group (a CMS's group,
/// or "Cluster Group" with the quorum), without Exchange's checks; ccrd leaves a CMS's
/// databases offline and says so. Returns the group as it is after the move.
pub fn move_cluster_group(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let name = call.string("Name").unwrap_or_default();
    let query = api::ClusterQuery { cluster: call.string("Cluster") };
    let views: api::FailoverClusters = cx.client.get(routes::FAILOVER_CLUSTERS, &query).map_err(super::client_error)?;
    let group = views.groups.iter().find(|g| g.name.eq_ignore_ascii_case(name.trim())).cloned().ok_or_else(|| {
        ErrorRecord::new(
            "ClusterGroupNotFound",
            "ObjectNotFound",
            format!("The cluster group '{name}' was not found in the cluster."),
        )
        .with_hint(format!(
            "Get-ClusterGroup lists them: {}.",
            views.groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>().join(", ")
        ))
    })?;
    let node = match call.string("Node") {
        Some(node) => node,
        None => views
            .nodes
            .iter()
            .find(|n| n.cluster == group.cluster && n.state == "Up" && !n.name.eq_ignore_ascii_case(&group.owner_node))
            .map(|n| n.name.clone())
            .unwrap_or_default(),
    };
    let request = |dry_run| api::ClusterGroupMoveRequest {
        identity: group.name.clone(),
        node: node.clone(),
        dry_run,
        expected_version: None,
    };
    let change = Change::simple(&name, &request);
    change::run(call, cx, routes::MOVE_CLUSTER_GROUP, &change)?;
    let after: api::FailoverClusters = cx
        .client
        .get(routes::FAILOVER_CLUSTERS, &api::ClusterQuery { cluster: Some(group.cluster.clone()) })
        .map_err(super::client_error)?;
    Ok(after
        .groups
        .into_iter()
        .filter(|g| g.name == group.name)
        .map(|g| super::cluster::group_record(g).into())
        .collect())
}
