//! Clustered mailbox servers and mailbox servers: `Get-ClusteredMailboxServerStatus`,
//! `Get-MailboxServer`, `Set-MailboxServer`, and `Move-`, `Start-` and
//! `Stop-ClusteredMailboxServer`.

use super::change::{self, Change};
use super::{Context, enum_text};
use crate::api::{self, IdentityQuery, routes};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::value::{Record, Value};

const STATUS_TYPE: &str = "Microsoft.Exchange.Management.SystemConfigurationTasks.ClusteredMailboxServerStatus";
const SERVER_TYPE: &str = "Microsoft.Exchange.Data.Directory.Management.MailboxServer";

pub fn get_status(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let query = IdentityQuery { identity: call.string("Identity") };
    let found: Vec<api::ClusteredMailboxServerStatus> = cx.read_all(routes::CMS_STATUS, &query)?;
    Ok(found.into_iter().map(|s| status_record(s).into()).collect())
}

fn status_record(s: api::ClusteredMailboxServerStatus) -> Record {
    Record::new(STATUS_TYPE)
        .with("Identity", s.identity)
        .with("ClusteredMailboxServerName", s.clustered_mailbox_server_name)
        .with("State", s.state.display_name())
        .with("OperationalMachines", s.operational_machines)
        .with("FailedResources", s.failed_resources)
        .with("OperationalReplicationHostNames", s.operational_replication_host_names)
        .with("FailedReplicationHostNames", s.failed_replication_host_names)
        .with("InUseReplicationHostNames", s.in_use_replication_host_names)
        .with("IsValid", s.is_valid)
}

pub fn get_mailbox_server(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let query = IdentityQuery { identity: call.string("Identity") };
    let found: Vec<api::MailboxServer> = cx.read_all(routes::MAILBOX_SERVERS, &query)?;
    Ok(found
        .into_iter()
        .map(|s| {
            Record::new(SERVER_TYPE)
                .with("Identity", s.identity)
                .with("Name", s.name)
                .with("ClusteredStorageType", enum_text(&s.clustered_storage_type))
                .with("RedundantMachines", s.redundant_machines)
                .with("AutoDatabaseMountDial", enum_text(&s.auto_database_mount_dial))
                .with("ForcedDatabaseMountAfter", s.forced_database_mount_after.unwrap_or_else(|| "Unlimited".into()))
                .with("Guid", s.guid)
                .with("IsValid", s.is_valid)
                .into()
        })
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
    };
    let change = Change {
        target: &identity,
        force: false,
        validate_only: call.switch("ValidateOnly"),
        progress: false,
        request: &request,
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
    };
    let change = Change { target: &identity, force: false, validate_only: false, progress: false, request: &request };
    change::run(call, cx, routes::STOP_CMS, &change)
}

/// `Start-ClusteredMailboxServer`.
pub fn start_server(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let identity = call.string("Identity").unwrap_or_default();
    let request = |dry_run| api::IdentityRequest { identity: identity.clone(), dry_run, expected_version: None };
    let change = Change { target: &identity, force: false, validate_only: false, progress: false, request: &request };
    change::run(call, cx, routes::START_CMS, &change)
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
    };
    let change = Change { target: &identity, force: false, validate_only: false, progress: false, request: &request };
    change::run(call, cx, routes::SET_MAILBOX_SERVER, &change)
}

/// `Move-ClusterGroup`: the failover cluster's own move of a CMS's group, without Exchange's
/// checks; ccrd leaves the databases offline and says so.
pub fn move_cluster_group(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let name = call.string("Name").unwrap_or_default();
    let request = |dry_run| api::ClusterGroupMoveRequest {
        identity: name.clone(),
        node: call.string("Node").unwrap_or_default(),
        dry_run,
        expected_version: None,
    };
    let change = Change { target: &name, force: false, validate_only: false, progress: false, request: &request };
    change::run(call, cx, routes::MOVE_CLUSTER_GROUP, &change)
}
