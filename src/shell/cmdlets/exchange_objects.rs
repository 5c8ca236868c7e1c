//! The Exchange objects as the shell shows them: each `api` object becomes a record with
//! Exchange 2007 SP1's type name, its full property set in `Format-List *` order, the Active
//! Directory plumbing at the end, and `ToString()` giving its identity (so `"$sg"` and an
//! object bound to an `*IdParameter` name the object, as in Exchange).
//!
//! Owns: property names, order and the documented defaults of settings the lab does not model
//! (quotas, schedules, managed folder logging), which are fixed values of Exchange 2007 SP1.
//! What depends on the estate (names, paths, state, DNs, GUIDs, times) comes from ccrd.
//!
//! Must not: fetch anything or decide anything about the estate.

use crate::api;
use crate::shell::runtime::exchange::{
    AdObjectId, ByteQuantifiedSize, EnhancedTimeSpan, ExchangeEnum, LocalPath, PathKind, ServerVersion, Unlimited,
    enums, parent_dn,
};
use crate::shell::value::{Record, TimeSpan, Value};

use crate::shell::runtime::exchange::byte_quantified;

pub const MAILBOX_SERVER_TYPE: &str = "Microsoft.Exchange.Data.Directory.Management.MailboxServer";
pub const EXCHANGE_SERVER_TYPE: &str = "Microsoft.Exchange.Data.Directory.Management.ExchangeServer";
pub const STORAGE_GROUP_TYPE: &str = "Microsoft.Exchange.Data.Directory.SystemConfiguration.StorageGroup";
pub const STANDBY_TYPE: &str = "Microsoft.Exchange.Data.Directory.SystemConfiguration.StandbyMachineEntry";
pub const MAILBOX_DATABASE_TYPE: &str = "Microsoft.Exchange.Data.Directory.SystemConfiguration.MailboxDatabase";
pub const PUBLIC_FOLDER_DATABASE_TYPE: &str =
    "Microsoft.Exchange.Data.Directory.SystemConfiguration.PublicFolderDatabase";
pub const COPY_STATUS_TYPE: &str = "Microsoft.Exchange.Management.SystemConfigurationTasks.StorageGroupCopyStatusEntry";
pub const CMS_STATUS_TYPE: &str = "Microsoft.Exchange.Management.SystemConfigurationTasks.ClusteredMailboxServerStatus";
pub const MAILBOX_TYPE: &str = "Microsoft.Exchange.Data.Directory.Management.Mailbox";
pub const RECIPIENT_TYPE: &str = "Microsoft.Exchange.Data.Directory.Management.ReducedRecipient";
pub const MAILBOX_STATISTICS_TYPE: &str = "Microsoft.Exchange.Data.Mapi.MailboxStatistics";
pub const TRANSPORT_SERVER_TYPE: &str = "Microsoft.Exchange.Data.Directory.Management.TransportServer";
pub const QUEUE_TYPE: &str = "Microsoft.Exchange.Data.QueueViewer.ExtensibleQueueInfo";
pub const TRANSPORT_CONFIG_TYPE: &str =
    "Microsoft.Exchange.Data.Directory.SystemConfiguration.TransportConfigContainer";

/// The documented default paths of an Exchange 2007 installation.
const INSTALL_ROOT: &str = r"C:\Program Files\Microsoft\Exchange Server";

/// Where a record was read from: the `-DomainController` the cmdlet was given, if any.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadFrom<'a> {
    pub domain_controller: Option<&'a str>,
}

/// The plumbing every directory object ends with, then `IsValid` and `ObjectState`.
fn with_plumbing(record: Record, identity: &str, d: api::DirectoryObject, from: ReadFrom<'_>) -> Record {
    record
        .with("AdminDisplayName", Value::Null)
        .with("ExchangeVersion", d.exchange_version)
        .with("DistinguishedName", d.distinguished_name)
        .with("Identity", identity)
        .with("Guid", d.guid)
        .with("ObjectCategory", d.object_category)
        .with("ObjectClass", d.object_class)
        .with("WhenChanged", d.when_changed)
        .with("WhenCreated", d.when_created)
        .with("OriginatingServer", from.domain_controller.map_or(d.originating_server, str::to_string))
        .with("IsValid", true)
        .with("ObjectState", "Unchanged")
}

fn days(n: i64) -> Value {
    seconds(n * 86_400)
}

/// An `EnhancedTimeSpan` of `n` seconds.
fn seconds(n: i64) -> Value {
    EnhancedTimeSpan::value(TimeSpan { ticks: n * TimeSpan::TICKS_PER_SECOND })
}

/// A `ByteQuantifiedSize` of `mb` megabytes.
fn megabytes(mb: u64) -> Value {
    ByteQuantifiedSize::value(mb << 20)
}

/// A `d.hh:mm:ss` text from ccrd as an `EnhancedTimeSpan` (the text itself if it does not read).
fn span_text(text: String) -> Value {
    TimeSpan::parse(&text).map_or(Value::String(text), EnhancedTimeSpan::value)
}

fn local_path(path: String) -> Value {
    LocalPath::value(PathKind::LocalLongFull, path)
}

/// A reference to the directory object `levels` above the object whose DN is `dn`.
fn reference(shown: impl Into<String>, dn: &str, levels: usize) -> Value {
    AdObjectId::value(shown, parent_dn(dn, levels), None)
}

fn empty_list() -> Value {
    Value::array(Vec::new())
}

/// `Get-MailboxServer`.
pub fn mailbox_server(s: api::MailboxServer, from: ReadFrom<'_>) -> Record {
    let record = Record::new(MAILBOX_SERVER_TYPE)
        .with_text(s.name.clone())
        .with(
            "AutoDatabaseMountDial",
            ExchangeEnum::value(
                enums::AUTO_DATABASE_MOUNT_DIAL,
                super::enum_text(&s.auto_database_mount_dial).to_display_string(),
            ),
        )
        .with(
            "ClusteredStorageType",
            ExchangeEnum::value(
                enums::CLUSTERED_STORAGE_TYPE,
                super::enum_text(&s.clustered_storage_type).to_display_string(),
            ),
        )
        .with("DataPath", local_path(s.data_path))
        .with("ExchangeLegacyDN", s.exchange_legacy_dn)
        .with("FolderLogForManagedFoldersEnabled", false)
        .with("ForcedDatabaseMountAfter", forced_mount_after(s.forced_database_mount_after))
        .with("Fqdn", s.fqdn)
        .with("JournalingLogForManagedFoldersEnabled", false)
        .with("Locale", empty_list())
        .with("LogDirectorySizeLimitForManagedFolders", Unlimited::value(None, ByteQuantifiedSize::TYPE, "Unlimited"))
        .with("LogFileAgeLimitForManagedFolders", days(0))
        .with("LogFileSizeLimitForManagedFolders", Unlimited::size(Some(10 << 20)))
        .with("LogPathForManagedFolders", local_path(format!(r"{INSTALL_ROOT}\Logging\Managed Folder Assistant")))
        .with("ManagedFolderAssistantSchedule", Value::Null)
        .with("MAPIEncryptionRequired", false)
        .with("MessageTrackingLogEnabled", true)
        .with("MessageTrackingLogMaxAge", days(30))
        .with("MessageTrackingLogMaxDirectorySize", Unlimited::size(Some(250 << 20)))
        .with("MessageTrackingLogMaxFileSize", megabytes(10))
        .with("MessageTrackingLogPath", local_path(format!(r"{INSTALL_ROOT}\TransportRoles\Logs\MessageTracking")))
        .with("MessageTrackingLogSubjectLoggingEnabled", true)
        .with("RedundantMachines", s.redundant_machines)
        .with("RetentionLogForManagedFoldersEnabled", false)
        .with("SubjectLogForManagedFoldersEnabled", false)
        .with("SubmissionServerOverrideList", empty_list())
        // The MailboxServer object's AdminDisplayVersion (a ServerVersion), as Get-ExchangeServer's.
        .with("AdminDisplayVersion", ServerVersion::value(&s.admin_display_version))
        .with("Name", s.name);
    with_plumbing(record, &s.identity, s.directory, from)
}

/// `Get-ExchangeServer`.
pub fn exchange_server(s: api::ExchangeServer, from: ReadFrom<'_>) -> Record {
    let roles: Vec<String> = s.server_role.iter().map(|r| super::enum_text(r).to_display_string()).collect();
    let is = |role: api::ServerRole| s.server_role.contains(&role);
    let network = vec![
        format!("ncacn_vns_spp:{}", s.name),
        format!("netbios:{}", s.name),
        format!("ncacn_np:{}", s.name),
        format!("ncacn_spx:{}", s.name),
        format!("ncacn_ip_tcp:{}", s.fqdn),
        format!("ncalrpc:{}", s.name),
    ];
    let record = Record::new(EXCHANGE_SERVER_TYPE)
        .with_text(s.name.clone())
        .with("Name", s.name.clone())
        .with("DataPath", local_path(s.data_path))
        .with("Domain", s.domain.clone())
        .with("Edition", ExchangeEnum::value(enums::SERVER_EDITION, s.edition))
        .with("ExchangeLegacyDN", s.exchange_legacy_dn)
        .with("Fqdn", s.fqdn)
        .with("IsHubTransportServer", is(api::ServerRole::HubTransport))
        .with("IsClientAccessServer", false)
        .with("IsExchange2007OrLater", true)
        .with("IsEdgeServer", false)
        .with("IsMailboxServer", is(api::ServerRole::Mailbox))
        .with("IsMemberOfCluster", if s.is_member_of_cluster { "Yes" } else { "No" })
        .with("IsProvisionedServer", false)
        .with("IsUnifiedMessagingServer", false)
        .with("NetworkAddress", network)
        .with("OrganizationalUnit", format!("{}/{}", s.domain, s.name))
        .with("AdminDisplayVersion", ServerVersion::value(&s.admin_display_version))
        .with("Site", s.site)
        .with("ServerRole", ExchangeEnum::value(enums::SERVER_ROLE, roles.join(", ")))
        .with("ErrorReportingEnabled", Value::Null)
        .with("StaticDomainControllers", empty_list())
        .with("StaticGlobalCatalogs", empty_list())
        .with("StaticConfigDomainController", Value::Null)
        .with("StaticExcludedDomainControllers", empty_list())
        .with("CurrentDomainControllers", empty_list())
        .with("CurrentGlobalCatalogs", empty_list())
        .with("CurrentConfigDomainController", Value::Null)
        .with("ProductID", Value::Null)
        .with("IsExchange2007TrialEdition", false)
        .with("IsExpiredExchange2007TrialEdition", false)
        .with("RemainingTrialPeriod", days(0));
    with_plumbing(record, &s.identity, s.directory, from)
}

/// One entry of a storage group's `StandbyMachines`.
pub fn standby_machine(m: api::StandbyMachine) -> Record {
    Record::new(STANDBY_TYPE)
        .with_text(m.node_name.clone())
        .with("NodeName", m.node_name)
        .with("ReplayLagTime", span_text(m.replay_lag_time))
        .with("TruncationLagTime", span_text(m.truncation_lag_time))
}

/// `Get-StorageGroup`.
pub fn storage_group(sg: api::StorageGroup, from: ReadFrom<'_>) -> Record {
    let standby: Vec<Value> = sg.standby_machines.into_iter().map(|m| standby_machine(m).into()).collect();
    let record = Record::new(STORAGE_GROUP_TYPE)
        .with_text(sg.identity.clone())
        .with("Name", sg.name)
        .with("Server", reference(sg.server.clone(), &sg.directory.distinguished_name, 2))
        .with("ServerName", sg.server)
        .with("LogFolderPath", LocalPath::value(PathKind::NonRootLocalLongFull, sg.log_folder_path))
        .with("SystemFolderPath", LocalPath::value(PathKind::NonRootLocalLongFull, sg.system_folder_path))
        .with("CircularLoggingEnabled", sg.circular_logging_enabled)
        .with("ZeroDatabasePages", false)
        .with("LogFilePrefix", sg.log_file_prefix)
        .with("LogFileSize", sg.log_file_size)
        .with("RecoveryEnabled", true)
        .with("OnlineDefragEnabled", true)
        .with("IndexCheckingEnabled", true)
        .with("EventLogSourceID", "MSExchangeIS")
        .with("LogCheckpointDepth", 20_971_520_i64)
        .with("CommitDefault", false)
        .with("DatabaseExtensionSize", 256_i64)
        .with("PageFragment", 8_i64)
        .with("PageTempDBMinimum", 0_i64)
        .with("CopyLogFolderPath", Value::Null)
        .with("CopySystemFolderPath", Value::Null)
        .with("HasLocalCopy", sg.has_local_copy)
        .with("Recovery", sg.recovery)
        .with(
            "Replicated",
            ExchangeEnum::value(enums::REPLICATION_TYPE, super::enum_text(&sg.replicated).to_display_string()),
        )
        .with("StandbyMachines", Value::array(standby));
    with_plumbing(record, &sg.identity, sg.directory, from)
}

/// `Get-MailboxDatabase` or `Get-PublicFolderDatabase`.
pub fn database(db: api::Database, public_folder: bool, from: ReadFrom<'_>) -> Record {
    let type_name = if public_folder { PUBLIC_FOLDER_DATABASE_TYPE } else { MAILBOX_DATABASE_TYPE };
    let mut record = Record::new(type_name).with_text(db.identity.clone());
    record = if public_folder {
        record
            .with("MaxItemSize", Unlimited::size(Some(10 << 20)))
            .with("ItemRetentionPeriod", Value::Null)
            .with("ReplicationPeriod", 15_i64)
            .with("ReplicationMessageSize", ByteQuantifiedSize::value(300 << 10))
            .with("ReplicationSchedule", Value::Null)
            .with("UseCustomReferralServerList", false)
            .with("CustomReferralServerList", empty_list())
            .with("ProhibitPostQuota", Unlimited::size(Some(2 << 30)))
    } else {
        record
            .with("JournalRecipient", Value::Null)
            .with("MailboxRetention", days(30))
            .with("OfflineAddressBook", Value::Null)
            .with("OriginalDatabase", Value::Null)
            .with("PublicFolderDatabase", Value::Null)
            .with("ProhibitSendReceiveQuota", Unlimited::size(Some(2355 << 20)))
            .with("Recovery", db.recovery)
            .with("ProhibitSendQuota", Unlimited::size(Some(2 << 30)))
            .with("IndexEnabled", true)
    };
    let record = record
        .with("AdministrativeGroup", db.administrative_group)
        .with("AllowFileRestore", db.allow_file_restore)
        // Read with -Status, as Mounted is: the lab takes no backups, so never one in progress.
        .with("BackupInProgress", db.mounted.map_or(Value::Null, |_| Value::Bool(false)))
        .with("CopyEdbFilePath", Value::Null)
        .with("DatabaseCreated", Value::Null)
        .with("Description", Value::Null)
        .with("EdbFilePath", LocalPath::value(PathKind::EdbFile, db.edb_file_path))
        .with("ExchangeLegacyDN", db.exchange_legacy_dn)
        .with("HasLocalCopy", false)
        .with("DeletedItemRetention", days(14))
        .with("LastFullBackup", Value::Null)
        .with("LastIncrementalBackup", Value::Null)
        .with("LastDifferentialBackup", Value::Null)
        .with("LastCopyBackup", Value::Null)
        .with("MaintenanceSchedule", Value::Null)
        .with("MountAtStartup", db.mount_at_startup)
        .with("Mounted", db.mounted)
        .with("Organization", db.organization)
        .with("QuotaNotificationSchedule", Value::Null)
        .with("RetainDeletedItemsUntilBackup", false)
        .with("Server", reference(db.server.clone(), &db.directory.distinguished_name, 3))
        .with("ServerName", db.server)
        .with("StorageGroup", reference(db.storage_group, &db.directory.distinguished_name, 1))
        .with("StorageGroupName", db.storage_group_name)
        .with("IssueWarningQuota", Unlimited::size(Some(1945 << 20)))
        .with("EventHistoryRetentionPeriod", days(7))
        .with("Name", db.name);
    let record = if public_folder { record.with("Recovery", db.recovery) } else { record };
    with_plumbing(record, &db.identity, db.directory, from)
}

/// `Get-StorageGroupCopyStatus`: not a directory object, so no plumbing but `IsValid`.
pub fn copy_status(c: api::StorageGroupCopyStatus) -> Record {
    let status = c.summary_copy_status;
    // `-DumpsterStatistics`: one `HUB(oldest item;count;size)` entry per hub transport server.
    let dumpster = match &c.dumpster_statistics {
        Some(stats) => Value::from(
            stats
                .iter()
                .map(|d| {
                    let oldest = d.oldest_item.map(|t| Value::DateTime(t).to_display_string()).unwrap_or_default();
                    format!("{}({oldest};{};{})", d.server, d.item_count, byte_quantified(d.size_bytes))
                })
                .collect::<Vec<_>>(),
        ),
        None => Value::Null,
    };
    Record::new(COPY_STATUS_TYPE)
        .with_text(c.identity.clone())
        .with("Identity", c.identity)
        .with("Name", c.name)
        .with("StorageGroupName", c.storage_group_name)
        .with(
            "SummaryCopyStatus",
            ExchangeEnum::value(enums::COPY_STATUS, super::enum_text(&status).to_display_string()),
        )
        .with("NotSupported", status == api::CopyStatus::NotSupported)
        .with("NotConfigured", status == api::CopyStatus::NotConfigured)
        .with("Disabled", status == api::CopyStatus::Disabled)
        .with("ServiceDown", status == api::CopyStatus::ServiceDown)
        .with("Failed", c.failed)
        .with("FailedMessage", c.failed_message)
        .with("Initializing", status == api::CopyStatus::Initializing)
        .with("Resynchronizing", status == api::CopyStatus::Resynchronizing)
        .with("Seeding", c.seeding)
        .with("Suspend", c.suspend)
        .with("SuspendComment", c.suspend_comment)
        .with("CCRTargetNode", c.ccr_target_node)
        .with("StandbyMachine", c.standby_machine)
        .with("CopyQueueLength", c.copy_queue_length)
        .with("ReplayQueueLength", c.replay_queue_length)
        .with("LatestAvailableLogTime", c.latest_available_log_time)
        .with("LastCopyNotificationedLogTime", c.last_copied_log_time)
        .with("LastCopiedLogTime", c.last_copied_log_time)
        .with("LastInspectedLogTime", c.last_inspected_log_time)
        .with("LastReplayedLogTime", c.last_replayed_log_time)
        .with("LastLogGenerated", c.last_log_generated)
        .with("LastLogCopyNotified", c.last_log_copied)
        .with("LastLogCopied", c.last_log_copied)
        .with("LastLogInspected", c.last_log_inspected)
        .with("LastLogReplayed", c.last_log_replayed)
        .with("LatestFullBackupTime", Value::Null)
        .with("LatestIncrementalBackupTime", Value::Null)
        .with("SnapshotBackup", Value::Null)
        .with("OutstandingDumpsterRequests", empty_list())
        .with("DumpsterServersNotAvailable", Value::Null)
        .with("DumpsterStatistics", dumpster)
        .with("IsValid", c.is_valid)
        .with("ObjectState", "Unchanged")
}

/// `Get-ClusteredMailboxServerStatus`.
pub fn cms_status(s: api::ClusteredMailboxServerStatus) -> Record {
    Record::new(CMS_STATUS_TYPE)
        .with_text(s.identity.clone())
        .with("Identity", s.identity)
        .with("ClusteredMailboxServerName", s.clustered_mailbox_server_name)
        .with("State", ExchangeEnum::value(enums::CMS_STATE, s.state.display_name()))
        .with("OperationalMachines", s.operational_machines)
        .with("FailedResources", s.failed_resources)
        .with("OperationalReplicationHostNames", s.operational_replication_host_names)
        .with("FailedReplicationHostNames", s.failed_replication_host_names)
        .with("InUseReplicationHostNames", s.in_use_replication_host_names)
        .with("IsValid", s.is_valid)
        .with("ObjectState", "Unchanged")
}

/// `Get-TransportConfig`.
pub fn transport_config(config: api::TransportConfig, from: ReadFrom<'_>) -> Record {
    let time =
        TimeSpan { ticks: i64::try_from(config.max_dumpster_time_seconds).unwrap_or(0) * TimeSpan::TICKS_PER_SECOND };
    let record = Record::new(TRANSPORT_CONFIG_TYPE)
        .with_text("Transport Settings")
        .with("ClearCategories", true)
        .with("GenerateCopyOfDSNFor", empty_list())
        .with("InternalSMTPServers", empty_list())
        .with("JournalingReportNdrTo", "<>")
        .with(
            "MaxDumpsterSizePerStorageGroup",
            ByteQuantifiedSize::value(config.max_dumpster_size_per_storage_group_bytes),
        )
        .with("MaxDumpsterTime", EnhancedTimeSpan::value(time))
        .with("MaxReceiveSize", Unlimited::size(Some(10 << 20)))
        .with("MaxRecipientEnvelopeLimit", 5000_i64)
        .with("MaxSendSize", Unlimited::size(Some(10 << 20)))
        .with("TLSReceiveDomainSecureList", empty_list())
        .with("TLSSendDomainSecureList", empty_list())
        .with("VerifySecureSubmitEnabled", false)
        .with("VoicemailJournalingEnabled", true)
        .with("Xexch50Enabled", true)
        .with("Name", "Transport Settings");
    with_plumbing(record, "Transport Settings", config.directory, from)
}

/// `Get-Mailbox`.
pub fn mailbox(m: api::Mailbox, from: ReadFrom<'_>) -> Record {
    let database_dn = database_dn_of(&m);
    let record = Record::new(MAILBOX_TYPE)
        .with_text(m.identity.clone())
        .with("Database", AdObjectId::value(m.database, database_dn, None))
        .with("DeletedItemFlags", "DatabaseDefault")
        .with("UseDatabaseRetentionDefaults", true)
        .with("RetainDeletedItemsUntilBackup", false)
        .with("DeliverToMailboxAndForward", false)
        .with("ExchangeUserAccountControl", "None")
        .with("ForwardingAddress", Value::Null)
        .with("IsMailboxEnabled", true)
        .with("ProhibitSendQuota", Unlimited::size(None))
        .with("ProhibitSendReceiveQuota", Unlimited::size(None))
        .with("UseDatabaseQuotaDefaults", true)
        .with("IssueWarningQuota", Unlimited::size(None))
        .with("RulesQuota", ByteQuantifiedSize::value(64 << 10))
        .with("ServerLegacyDN", m.legacy_exchange_dn.split("/cn=Recipients").next().unwrap_or_default().to_string())
        .with("ServerName", m.server_name)
        .with("UserPrincipalName", m.user_principal_name)
        .with("SamAccountName", m.sam_account_name)
        .with("Alias", m.alias)
        .with("OrganizationalUnit", m.organizational_unit)
        .with("DisplayName", m.display_name)
        .with("EmailAddresses", vec![format!("SMTP:{}", m.primary_smtp_address)])
        .with("HiddenFromAddressListsEnabled", false)
        .with("LegacyExchangeDN", m.legacy_exchange_dn)
        .with("PrimarySmtpAddress", m.primary_smtp_address.clone())
        .with("RecipientType", "UserMailbox")
        .with("RecipientTypeDetails", "UserMailbox")
        .with("WindowsEmailAddress", m.primary_smtp_address)
        .with("Name", m.name);
    with_plumbing(record, &m.identity, m.directory, from)
}

/// `Get-Recipient`: the mailbox as a recipient.
pub fn recipient(m: api::Mailbox, from: ReadFrom<'_>) -> Record {
    let record = Record::new(RECIPIENT_TYPE)
        .with_text(m.identity.clone())
        .with("Alias", m.alias)
        .with("Database", m.database)
        .with("DisplayName", m.display_name)
        .with("EmailAddresses", vec![format!("SMTP:{}", m.primary_smtp_address)])
        .with("OrganizationalUnit", m.organizational_unit)
        .with("PrimarySmtpAddress", m.primary_smtp_address)
        .with("RecipientType", "UserMailbox")
        .with("RecipientTypeDetails", "UserMailbox")
        .with("ServerLegacyDN", m.legacy_exchange_dn.split("/cn=Recipients").next().unwrap_or_default().to_string())
        .with("Name", m.name);
    with_plumbing(record, &m.identity, m.directory, from)
}

/// `Get-MailboxStatistics`: TotalItemSize as Exchange 2007 prints a size.
pub fn mailbox_statistics(m: api::MailboxStatistics) -> Record {
    Record::new(MAILBOX_STATISTICS_TYPE)
        .with_text(m.display_name.clone())
        .with("AssociatedItemCount", 0_i64)
        .with("DeletedItemCount", 0_i64)
        .with("DisplayName", m.display_name)
        .with("ItemCount", m.item_count)
        .with("LastLoggedOnUserAccount", Value::Null)
        .with("LastLogoffTime", Value::Null)
        .with("LastLogonTime", m.last_logon_time)
        .with("LegacyDN", m.legacy_dn)
        .with("MailboxGuid", m.mailbox_guid.clone())
        .with("ObjectClass", "Mailbox")
        .with("StorageLimitStatus", "BelowLimit")
        .with("TotalDeletedItemSize", Unlimited::size(Some(0)))
        .with("TotalItemSize", Unlimited::size(Some(m.total_item_size_bytes)))
        .with("Database", m.database)
        .with("ServerName", m.server_name)
        .with("StorageGroupName", m.storage_group_name)
        .with("DatabaseName", m.database_name)
        .with("Identity", m.mailbox_guid)
        .with("IsValid", true)
        .with("ObjectState", "Unchanged")
}

/// `Get-TransportServer`.
pub fn transport_server(t: api::TransportServer, from: ReadFrom<'_>) -> Record {
    let logs = format!(r"{INSTALL_ROOT}\TransportRoles\Logs");
    let record = Record::new(TRANSPORT_SERVER_TYPE)
        .with_text(t.name.clone())
        .with("AntispamAgentsEnabled", false)
        .with("ConnectivityLogEnabled", true)
        .with("ConnectivityLogMaxAge", days(30))
        .with("ConnectivityLogMaxDirectorySize", Unlimited::size(Some(1000 << 20)))
        .with("ConnectivityLogMaxFileSize", Unlimited::size(Some(10 << 20)))
        .with("ConnectivityLogPath", local_path(format!(r"{logs}\Connectivity")))
        .with("DelayNotificationTimeout", seconds(4 * 3600))
        .with("ExternalDNSAdapterEnabled", true)
        .with("InternalDNSAdapterEnabled", true)
        .with("MaxConcurrentMailboxDeliveries", 30_i64)
        .with("MaxConcurrentMailboxSubmissions", 20_i64)
        .with("MaxOutboundConnections", 1000_i64)
        .with("MessageExpirationTimeout", days(2))
        .with("MessageRetryInterval", seconds(60))
        .with("MessageTrackingLogEnabled", true)
        .with("MessageTrackingLogMaxAge", days(30))
        .with("MessageTrackingLogMaxDirectorySize", Unlimited::size(Some(250 << 20)))
        .with("MessageTrackingLogMaxFileSize", megabytes(10))
        .with("MessageTrackingLogPath", local_path(format!(r"{logs}\MessageTracking")))
        .with("MessageTrackingLogSubjectLoggingEnabled", true)
        .with("PipelineTracingEnabled", false)
        .with("PoisonThreshold", 2_i64)
        .with("QueueMaxIdleTime", seconds(180))
        .with("ReceiveProtocolLogPath", local_path(format!(r"{logs}\ProtocolLog\SmtpReceive")))
        .with("SendProtocolLogPath", local_path(format!(r"{logs}\ProtocolLog\SmtpSend")))
        .with("TransientFailureRetryAttempts", 6_i64)
        .with("Fqdn", t.fqdn)
        .with("Site", t.site)
        .with("Name", t.name);
    with_plumbing(record, &t.identity, t.directory, from)
}

/// `Get-Queue`.
pub fn queue(q: api::Queue) -> Record {
    Record::new(QUEUE_TYPE)
        .with_text(q.identity.clone())
        .with("DeliveryType", q.delivery_type)
        .with("NextHopDomain", q.next_hop_domain)
        .with("TlsDomain", Value::Null)
        .with("NextHopConnector", "00000000-0000-0000-0000-000000000000")
        .with("Status", q.status)
        .with("MessageCount", q.message_count)
        .with("LastError", q.last_error)
        .with("LastRetryTime", q.last_retry_time)
        .with("NextRetryTime", q.next_retry_time)
        .with("Identity", q.identity)
        .with("IsValid", true)
}

/// What `ForcedDatabaseMountAfter` holds: a time, or `Unlimited` when it was never set.
fn forced_mount_after(text: Option<String>) -> Value {
    match text {
        None => Unlimited::time(None, "Unlimited"),
        Some(t) => match TimeSpan::parse(&t) {
            Some(span) => Unlimited::time(Some(span), "Unlimited"),
            None => Value::String(t),
        },
    }
}

/// The DN of a mailbox's database, from the mailbox's legacy DN's organization and the
/// database's identity (`Server\StorageGroup\Database`) under the mailbox's domain.
fn database_dn_of(m: &api::Mailbox) -> String {
    let parts: Vec<&str> = m.database.split('\\').collect();
    let domain: String = m
        .directory
        .distinguished_name
        .split(',')
        .filter(|r| r.trim().to_ascii_uppercase().starts_with("DC="))
        .collect::<Vec<_>>()
        .join(",");
    match parts.as_slice() {
        [server, sg, db] => format!(
            "CN={db},CN={sg},CN=InformationStore,CN={server},CN=Servers,CN=Exchange Administrative Group \
             (FYDIBOHF23SPDLT),CN=Administrative Groups,CN={},CN=Microsoft Exchange,CN=Services,CN=Configuration,{domain}",
            organization_of(&m.legacy_exchange_dn)
        ),
        _ => String::new(),
    }
}

/// The organization named in a legacy DN (`/o=First Organization/ou=…`).
fn organization_of(legacy_dn: &str) -> String {
    legacy_dn
        .split('/')
        .find_map(|part| part.strip_prefix("o=").or_else(|| part.strip_prefix("O=")))
        .unwrap_or("First Organization")
        .to_string()
}
