//! Storage groups and their copies: `Get-StorageGroup`, `Get-StorageGroupCopyStatus`, and the
//! copy operations `Enable-`, `Disable-`, `Suspend-`, `Resume-`, `Update-` and
//! `Restore-StorageGroupCopy`.

use super::change::{self, Change};
use super::{Context, enum_text};
use crate::api::{self, CopyStatusQuery, StoreQuery, routes};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::value::{Record, Value};

const STORAGE_GROUP_TYPE: &str = "Microsoft.Exchange.Data.Directory.SystemConfiguration.StorageGroup";
const COPY_STATUS_TYPE: &str = "Microsoft.Exchange.Management.SystemConfigurationTasks.StorageGroupCopyStatusEntry";
const STANDBY_TYPE: &str = "Microsoft.Exchange.Data.Directory.SystemConfiguration.StandbyMachineEntry";

pub fn get_storage_group(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let query = StoreQuery {
        identity: call.string("Identity"),
        server: call.string("Server"),
        storage_group: None,
        status: call.switch("Status"),
    };
    let found: Vec<api::StorageGroup> = cx.read_all(routes::STORAGE_GROUPS, &query)?;
    Ok(found
        .into_iter()
        .map(|sg| {
            let standby: Vec<Value> = sg
                .standby_machines
                .into_iter()
                .map(|m| {
                    Record::new(STANDBY_TYPE)
                        .with("NodeName", m.node_name)
                        .with("ReplayLagTime", m.replay_lag_time)
                        .with("TruncationLagTime", m.truncation_lag_time)
                        .into()
                })
                .collect();
            Record::new(STORAGE_GROUP_TYPE)
                .with("Identity", sg.identity)
                .with("Name", sg.name)
                .with("Server", sg.server)
                .with("LogFilePrefix", sg.log_file_prefix)
                .with("LogFolderPath", sg.log_folder_path)
                .with("SystemFolderPath", sg.system_folder_path)
                .with("Replicated", enum_text(&sg.replicated))
                .with("Recovery", sg.recovery)
                .with("HasLocalCopy", sg.has_local_copy)
                .with("CircularLoggingEnabled", sg.circular_logging_enabled)
                .with("StandbyMachines", Value::array(standby))
                .with("Guid", sg.guid)
                .with("IsValid", sg.is_valid)
                .into()
        })
        .collect())
}

pub fn get_copy_status(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let query = CopyStatusQuery {
        identity: call.string("Identity"),
        server: call.string("Server"),
        standby_machine: call.string("StandbyMachine"),
    };
    let found: Vec<api::StorageGroupCopyStatus> = cx.read_all(routes::STORAGE_GROUP_COPY_STATUS, &query)?;
    Ok(found
        .into_iter()
        .map(|c| {
            Record::new(COPY_STATUS_TYPE)
                .with("Identity", c.identity)
                .with("Name", c.name)
                .with("StorageGroupName", c.storage_group_name)
                .with("SummaryCopyStatus", enum_text(&c.summary_copy_status))
                .with("Failed", c.failed)
                .with("FailedMessage", c.failed_message)
                .with("Seeding", c.seeding)
                .with("Suspend", c.suspend)
                .with("SuspendComment", c.suspend_comment)
                .with("CCRTargetNode", c.ccr_target_node)
                .with("StandbyMachine", c.standby_machine)
                .with("CopyQueueLength", c.copy_queue_length)
                .with("ReplayQueueLength", c.replay_queue_length)
                .with("LatestAvailableLogTime", c.latest_available_log_time)
                .with("LastCopiedLogTime", c.last_copied_log_time)
                .with("LastInspectedLogTime", c.last_inspected_log_time)
                .with("LastReplayedLogTime", c.last_replayed_log_time)
                .with("LastLogGenerated", c.last_log_generated)
                .with("LastLogCopied", c.last_log_copied)
                .with("LastLogInspected", c.last_log_inspected)
                .with("LastLogReplayed", c.last_log_replayed)
                .with("IsValid", c.is_valid)
                .into()
        })
        .collect())
}

/// `Enable-StorageGroupCopy -StandbyMachine`: an SCR copy.
pub fn enable_copy(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let identity = call.string("Identity").unwrap_or_default();
    let request = |dry_run| api::EnableCopyRequest {
        identity: identity.clone(),
        standby_machine: call.string("StandbyMachine").unwrap_or_default(),
        replay_lag_seconds: change::seconds(call, "ReplayLagTime"),
        truncation_lag_seconds: change::seconds(call, "TruncationLagTime"),
        dry_run,
        expected_version: None,
    };
    let change = Change { target: &identity, force: false, validate_only: false, progress: false, request: &request };
    change::run(call, cx, routes::ENABLE_COPY, &change)
}

/// `Disable-StorageGroupCopy -StandbyMachine`.
pub fn disable_copy(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    copy_change(call, cx, routes::DISABLE_COPY)
}

/// `Suspend-StorageGroupCopy`.
pub fn suspend_copy(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    copy_change(call, cx, routes::SUSPEND_COPY)
}

/// `Resume-StorageGroupCopy`.
pub fn resume_copy(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    copy_change(call, cx, routes::RESUME_COPY)
}

fn copy_change(call: &Invocation<'_>, cx: &mut Context<'_>, route: &str) -> Result<Vec<Value>, ErrorRecord> {
    let identity = call.string("Identity").unwrap_or_default();
    let request = |dry_run| api::CopyRequest {
        identity: identity.clone(),
        standby_machine: call.string("StandbyMachine"),
        suspend_comment: call.string("SuspendComment"),
        dry_run,
        expected_version: None,
    };
    let change = Change { target: &identity, force: false, validate_only: false, progress: false, request: &request };
    change::run(call, cx, route, &change)
}

/// `Update-StorageGroupCopy`: seed (or reseed) a copy; `-Force` skips the prompt.
pub fn update_copy(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let identity = call.string("Identity").unwrap_or_default();
    let request = |dry_run| api::SeedRequest {
        identity: identity.clone(),
        standby_machine: call.string("StandbyMachine"),
        delete_existing_files: call.switch("DeleteExistingFiles"),
        manual_resume: call.switch("ManualResume"),
        dry_run,
        expected_version: None,
    };
    let change = Change {
        target: &identity,
        force: call.switch("Force"),
        validate_only: false,
        progress: true,
        request: &request,
    };
    change::run(call, cx, routes::SEED_COPY, &change)
}

/// `Restore-StorageGroupCopy`: activate a copy; `-Force` when its source is lost (and skips
/// the prompt).
pub fn restore_copy(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let identity = call.string("Identity").unwrap_or_default();
    let force = call.switch("Force");
    let request = |dry_run| api::RestoreRequest {
        identity: identity.clone(),
        standby_machine: call.string("StandbyMachine"),
        force,
        dry_run,
        expected_version: None,
    };
    let change = Change { target: &identity, force, validate_only: false, progress: false, request: &request };
    change::run(call, cx, routes::RESTORE_COPY, &change)
}
