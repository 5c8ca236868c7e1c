//! Databases: `Get-MailboxDatabase`, `Get-PublicFolderDatabase`, `Mount-Database`,
//! `Dismount-Database`.

use super::change::{self, Change};
use super::exchange_objects;
use super::{Context, read_from};
use crate::api::{self, StoreQuery, routes};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::value::Value;

pub fn get_mailbox_database(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    get(call, cx, routes::MAILBOX_DATABASES, false)
}

pub fn get_public_folder_database(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    get(call, cx, routes::PUBLIC_FOLDER_DATABASES, true)
}

fn get(
    call: &Invocation<'_>,
    cx: &mut Context<'_>,
    route: &str,
    public_folder: bool,
) -> Result<Vec<Value>, ErrorRecord> {
    let query = StoreQuery {
        identity: call.string("Identity"),
        server: call.string("Server"),
        storage_group: call.string("StorageGroup"),
        status: call.switch("Status"),
    };
    let found: Vec<api::Database> = cx.read_all(route, &query)?;
    let from = read_from(call);
    Ok(found.into_iter().map(|db| exchange_objects::database(db, public_folder, from).into()).collect())
}

pub fn mount_database(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    change::run_on_identity(call, cx, routes::MOUNT_DATABASE)
}

pub fn dismount_database(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    change::run_on_identity(call, cx, routes::DISMOUNT_DATABASE)
}

/// `Move-DatabasePath -EdbFilePath [-ConfigurationOnly] [-Force]`: ccrd checks Exchange's rules
/// for replicated storage groups and records the new path.
pub fn move_database_path(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    if !change::skip_safety_check(call, cx)? {
        return Ok(Vec::new());
    }
    let identity = call.string("Identity").unwrap_or_default();
    let request = |dry_run| api::DatabasePathRequest {
        identity: identity.clone(),
        edb_file_path: call.string("EdbFilePath").unwrap_or_default(),
        configuration_only: call.switch("ConfigurationOnly"),
        dry_run,
        expected_version: None,
        domain_controller: call.string("DomainController"),
    };
    let change = Change { force: call.switch("Force"), ..Change::simple(&identity, &request) };
    change::run(call, cx, routes::MOVE_DATABASE_PATH, &change)
}

/// `Set-MailboxDatabase -AllowFileRestore -MountAtStartup`.
pub fn set_mailbox_database(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let identity = call.string("Identity").unwrap_or_default();
    let request = |dry_run| api::MailboxDatabaseRequest {
        identity: identity.clone(),
        allow_file_restore: call.get("AllowFileRestore").map(Value::is_truthy),
        mount_at_startup: call.get("MountAtStartup").map(Value::is_truthy),
        dry_run,
        expected_version: None,
        domain_controller: call.string("DomainController"),
    };
    let change = Change::simple(&identity, &request);
    change::run(call, cx, routes::SET_MAILBOX_DATABASE, &change)
}

/// `New-MailboxDatabase -Name -StorageGroup [-EdbFilePath]`: ccrd checks Exchange's rules and
/// adds the database, dismounted; the new database is written to the pipeline.
pub fn new_mailbox_database(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let name = call.string("Name").unwrap_or_default();
    let storage_group = call.string("StorageGroup").unwrap_or_default();
    let request = |dry_run| api::NewMailboxDatabaseRequest {
        storage_group: storage_group.clone(),
        name: name.clone(),
        edb_file_path: call.string("EdbFilePath"),
        dry_run,
        expected_version: None,
        domain_controller: call.string("DomainController"),
    };
    let target = format!("{storage_group}\\{name}");
    change::run(call, cx, routes::NEW_MAILBOX_DATABASE, &Change::simple(&target, &request))?;
    let query = StoreQuery { identity: Some(target), server: None, storage_group: None, status: false };
    // Nothing to show after -WhatIf or a "No": the database was not created.
    let found: Vec<api::Database> = cx.client.get(routes::MAILBOX_DATABASES, &query).unwrap_or_default();
    let from = read_from(call);
    Ok(found.into_iter().map(|db| exchange_objects::database(db, false, from).into()).collect())
}

/// `Remove-MailboxDatabase`: ccrd checks that the database is dismounted and holds no mailbox,
/// then removes it (its file stays, and a warning says where).
pub fn remove_mailbox_database(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    change::run_on_identity(call, cx, routes::REMOVE_MAILBOX_DATABASE)
}
