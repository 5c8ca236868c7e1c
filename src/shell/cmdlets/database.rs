//! Databases: `Get-MailboxDatabase`, `Get-PublicFolderDatabase`, `Mount-Database`,
//! `Dismount-Database`.

use super::{Context, client_error};
use crate::api::{self, DatabaseRequest, StoreQuery, routes};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::eval::Confirmation;
use crate::shell::spec::ConfirmImpact;
use crate::shell::value::{Record, Value};

const MAILBOX_TYPE: &str = "Microsoft.Exchange.Data.Directory.SystemConfiguration.MailboxDatabase";
const PUBLIC_FOLDER_TYPE: &str = "Microsoft.Exchange.Data.Directory.SystemConfiguration.PublicFolderDatabase";

pub fn get_mailbox_database(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    get(call, cx, routes::MAILBOX_DATABASES, MAILBOX_TYPE)
}

pub fn get_public_folder_database(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    get(call, cx, routes::PUBLIC_FOLDER_DATABASES, PUBLIC_FOLDER_TYPE)
}

fn get(call: &Invocation<'_>, cx: &mut Context<'_>, route: &str, type_name: &str) -> Result<Vec<Value>, ErrorRecord> {
    let query = StoreQuery {
        identity: call.string("Identity"),
        server: call.string("Server"),
        storage_group: call.string("StorageGroup"),
        status: call.switch("Status"),
    };
    let found: Vec<api::Database> = cx.read_all(route, &query)?;
    Ok(found
        .into_iter()
        .map(|db| {
            Record::new(type_name)
                .with("Identity", db.identity)
                .with("Name", db.name)
                .with("Server", db.server)
                .with("StorageGroup", db.storage_group)
                .with("StorageGroupName", db.storage_group_name)
                .with("EdbFilePath", db.edb_file_path)
                .with("Mounted", db.mounted)
                .with("Recovery", db.recovery)
                .with("IsValid", db.is_valid)
                .into()
        })
        .collect())
}

pub fn mount_database(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    set_mounted(call, cx, routes::MOUNT_DATABASE)
}

pub fn dismount_database(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    set_mounted(call, cx, routes::DISMOUNT_DATABASE)
}

/// Asks ShouldProcess, then has ccrd mount or dismount. Like Exchange, returns nothing.
fn set_mounted(call: &Invocation<'_>, cx: &mut Context<'_>, route: &str) -> Result<Vec<Value>, ErrorRecord> {
    let identity = call.string("Identity").unwrap_or_default();
    let command = call.spec.name.as_str();
    let request = Confirmation {
        command,
        impact: call.spec.confirm_impact.unwrap_or(ConfirmImpact::Medium),
        target: &identity,
        action: command,
        what_if: call.common("WhatIf").map(Value::is_truthy),
        confirm: call.common("Confirm").map(Value::is_truthy),
        verbose: call.common("Verbose").is_some_and(Value::is_truthy),
    };
    if !cx.engine.should_process(&request)? {
        return Ok(Vec::new());
    }
    let _: api::OperationResult = cx
        .client
        .post(route, &DatabaseRequest { identity, dry_run: false, expected_version: None })
        .map_err(client_error)?;
    Ok(Vec::new())
}
