//! Databases: `Get-MailboxDatabase`, `Get-PublicFolderDatabase`.

use super::{Context, client_error};
use crate::api::{self, StoreQuery, routes};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
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
    let found: Vec<api::Database> = cx.client.get(route, &query).map_err(client_error)?;
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
