//! Clustered mailbox servers and mailbox servers: `Get-ClusteredMailboxServerStatus`,
//! `Get-MailboxServer`.

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
                .with("IsValid", s.is_valid)
                .into()
        })
        .collect())
}
