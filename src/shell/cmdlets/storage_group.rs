//! Storage groups and their copies: `Get-StorageGroup`, `Get-StorageGroupCopyStatus`, and the
//! copy operations `Enable-`, `Disable-`, `Suspend-`, `Resume-`, `Update-` and
//! `Restore-StorageGroupCopy`.

use super::change::{self, Change};
use super::exchange_objects;
use super::{Context, read_from};
use crate::api::{self, CopyStatusQuery, StoreQuery, routes};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::value::Value;

pub fn get_storage_group(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let query = StoreQuery {
        identity: call.string("Identity"),
        server: call.string("Server"),
        storage_group: None,
        status: call.switch("Status"),
    };
    let found: Vec<api::StorageGroup> = cx.read_all(routes::STORAGE_GROUPS, &query)?;
    let from = read_from(call);
    Ok(found.into_iter().map(|sg| exchange_objects::storage_group(sg, from).into()).collect())
}

/// `Get-StorageGroupCopyStatus`. Without -Identity or -Server, SP1 reports "all copies on the
/// local server": inside a node session that is the clustered mailbox server the node's cluster
/// runs, or, on a standby node, the SCR copies it holds. On the management workstation, which
/// runs no mailbox server, the shell answers for the whole organization (its extension).
pub fn get_copy_status(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let mut query = CopyStatusQuery {
        identity: call.string("Identity"),
        server: call.string("Server"),
        standby_machine: call.string("StandbyMachine"),
        dumpster_statistics: call.switch("DumpsterStatistics"),
    };
    if query.identity.is_none()
        && query.server.is_none()
        && let Some(node) = cx.engine.computer()
    {
        match local_server(cx, &node)? {
            Some(server) => query.server = Some(server),
            None => query.standby_machine = Some(query.standby_machine.unwrap_or(node)),
        }
    }
    let found: Vec<api::StorageGroupCopyStatus> = cx.read_all(routes::STORAGE_GROUP_COPY_STATUS, &query)?;
    Ok(found.into_iter().map(|c| exchange_objects::copy_status(c).into()).collect())
}

/// The clustered mailbox server that `node`'s cluster runs (one of its RedundantMachines), if
/// any: the "local server" of a node session.
pub fn local_server(cx: &mut Context<'_>, node: &str) -> Result<Option<String>, ErrorRecord> {
    let servers: Vec<api::MailboxServer> =
        cx.client.get(routes::MAILBOX_SERVERS, &api::IdentityQuery::default()).map_err(super::client_error)?;
    Ok(servers.into_iter().find(|s| s.redundant_machines.iter().any(|m| m.eq_ignore_ascii_case(node))).map(|s| s.name))
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
        domain_controller: call.string("DomainController"),
        seeding_postponed: call.switch("SeedingPostponed"),
    };
    let change = Change::simple(&identity, &request);
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
        domain_controller: call.string("DomainController"),
    };
    let change = Change::simple(&identity, &request);
    change::run(call, cx, route, &change)
}

/// `Update-StorageGroupCopy`: seed (or reseed) a copy; `-Force` skips the prompt.
pub fn update_copy(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let identity = call.string("Identity").unwrap_or_default();
    let force = call.switch("Force");
    let request = |dry_run: bool, force: bool| api::SeedRequest {
        identity: identity.clone(),
        standby_machine: call.string("StandbyMachine"),
        delete_existing_files: call.switch("DeleteExistingFiles"),
        manual_resume: call.switch("ManualResume"),
        dry_run,
        expected_version: None,
        domain_controller: call.string("DomainController"),
        force,
        target_path: call.string("TargetPath"),
        data_host_names: call.strings("DataHostNames").unwrap_or_default(),
    };
    let as_given = |dry_run| request(dry_run, force);
    let forced = |dry_run| request(dry_run, true);
    // The question is Exchange's own (reference §5, message 3), carried as the check's remedy.
    let query =
        |report: &api::PreconditionReport| report.failed().next().and_then(|c| c.remedy.clone()).unwrap_or_default();
    let change = Change {
        target: &identity,
        force,
        validate_only: false,
        progress: true,
        request: &as_given,
        ask_to_force: Some(change::AskToForce { query: &query, forced: &forced }),
    };
    change::run(call, cx, routes::SEED_COPY, &change)
}

/// `Restore-StorageGroupCopy`: activate a copy. With its source reachable it asks nothing (the
/// remaining logs are copied first); with the source lost the restore would lose data, and, as
/// the SP1 page says of `-Force` ("If Force is not provided … administrative input is
/// prompted"), it asks first — `-Force` allows it without asking.
pub fn restore_copy(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let identity = call.string("Identity").unwrap_or_default();
    let force = call.switch("Force");
    let request = |dry_run: bool, force: bool| api::RestoreRequest {
        identity: identity.clone(),
        standby_machine: call.string("StandbyMachine"),
        force,
        dry_run,
        expected_version: None,
        domain_controller: call.string("DomainController"),
        replace_locations: call.switch("ReplaceLocations"),
    };
    let as_given = |dry_run| request(dry_run, force);
    let forced = |dry_run| request(dry_run, true);
    let query = |report: &api::PreconditionReport| {
        let loss: Vec<String> =
            report.loss_estimate.iter().map(|l| format!("{} log file(s), {} bytes", l.logs, l.bytes)).collect();
        let estimate = if loss.is_empty() { String::new() } else { format!(" ({})", loss.join("; ")) };
        format!(
            "The source of storage group copy '{}' is not available, so its remaining log files cannot be copied. \
             Performing a Restore-StorageGroupCopy operation now loses them: data loss is expected for this storage \
             group{estimate}. Do you want to continue?",
            report.target
        )
    };
    let change = Change {
        target: &identity,
        force,
        validate_only: false,
        progress: false,
        request: &as_given,
        ask_to_force: Some(change::AskToForce { query: &query, forced: &forced }),
    };
    change::run(call, cx, routes::RESTORE_COPY, &change)
}

/// `Move-StorageGroupPath [-LogFolderPath] [-SystemFolderPath] [-ConfigurationOnly] [-Force]`:
/// ccrd checks Exchange's rules for replicated storage groups and records the new paths.
pub fn move_storage_group_path(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    if !change::skip_safety_check(call, cx)? {
        return Ok(Vec::new());
    }
    let identity = call.string("Identity").unwrap_or_default();
    let request = |dry_run| api::StorageGroupPathRequest {
        identity: identity.clone(),
        log_folder_path: call.string("LogFolderPath"),
        system_folder_path: call.string("SystemFolderPath"),
        configuration_only: call.switch("ConfigurationOnly"),
        dry_run,
        expected_version: None,
        domain_controller: call.string("DomainController"),
    };
    let change = Change { force: call.switch("Force"), ..Change::simple(&identity, &request) };
    change::run(call, cx, routes::MOVE_STORAGE_GROUP_PATH, &change)
}

/// `New-StorageGroup -Name [-Server] [-LogFolderPath] [-SystemFolderPath]`: ccrd checks
/// Exchange's rules and adds the storage group (with its CCR copies); the new storage group is
/// written to the pipeline, as Exchange does. Without -Server, a node session's own clustered
/// mailbox server.
pub fn new_storage_group(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let name = call.string("Name").unwrap_or_default();
    let server = match call.string("Server") {
        Some(server) => server,
        None => {
            let local = match cx.engine.computer() {
                Some(node) => local_server(cx, &node)?,
                None => None,
            };
            local.ok_or_else(|| {
                ErrorRecord::new(
                    "ServerRequired",
                    "InvalidArgument",
                    "This computer runs no mailbox server: New-StorageGroup needs -Server.".into(),
                )
                .with_hint(format!("New-StorageGroup -Server CCREX01 -Name '{name}'"))
            })?
        }
    };
    let request = |dry_run| api::NewStorageGroupRequest {
        server: server.clone(),
        name: name.clone(),
        log_folder_path: call.string("LogFolderPath"),
        system_folder_path: call.string("SystemFolderPath"),
        dry_run,
        expected_version: None,
        domain_controller: call.string("DomainController"),
    };
    let target = format!("{server}\\{name}");
    change::run(call, cx, routes::NEW_STORAGE_GROUP, &Change::simple(&target, &request))?;
    let query = StoreQuery { identity: Some(target), server: None, storage_group: None, status: false };
    // Nothing to show after -WhatIf or a "No": the storage group was not created.
    let found: Vec<api::StorageGroup> = cx.client.get(routes::STORAGE_GROUPS, &query).unwrap_or_default();
    let from = read_from(call);
    Ok(found.into_iter().map(|sg| exchange_objects::storage_group(sg, from).into()).collect())
}

/// `Remove-StorageGroup`: ccrd checks that the storage group holds no database and has no SCR
/// copy, then removes it with its CCR copies.
pub fn remove_storage_group(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    change::run_on_identity(call, cx, routes::REMOVE_STORAGE_GROUP)
}
