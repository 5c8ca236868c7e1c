//! The estate objects the read endpoints return, named and shaped as Exchange 2007 returns them.
//!
//! Field order is the order `Format-List` shows. Counters that Exchange derives (queue
//! lengths) are sent already derived, so every client agrees on them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// State of a clustered mailbox server, as `Get-ClusteredMailboxServerStatus` reports it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum CmsState {
    Online,
    PartiallyOnline,
    OnlinePending,
    Offline,
    OfflinePending,
    Failed,
}

impl CmsState {
    /// The spelling Exchange prints (`Partially Online`, …).
    pub fn display_name(self) -> &'static str {
        match self {
            CmsState::Online => "Online",
            CmsState::PartiallyOnline => "Partially Online",
            CmsState::OnlinePending => "Online Pending",
            CmsState::Offline => "Offline",
            CmsState::OfflinePending => "Offline Pending",
            CmsState::Failed => "Failed",
        }
    }
}

/// One `Get-ClusteredMailboxServerStatus` result.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct ClusteredMailboxServerStatus {
    pub identity: String,
    pub clustered_mailbox_server_name: String,
    pub state: CmsState,
    /// `NODE <Active, Quorum Owner>` for the active node, `NODE` for the others that are up.
    pub operational_machines: Vec<String>,
    pub failed_resources: Vec<String>,
    pub operational_replication_host_names: Vec<String>,
    pub failed_replication_host_names: Vec<String>,
    pub in_use_replication_host_names: Vec<String>,
    pub is_valid: bool,
}

/// How a mailbox server is clustered (`ClusteredStorageType`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum ClusteredStorageType {
    /// Not a clustered mailbox server.
    Disabled,
    /// CCR: each node has its own copy of the data.
    NonShared,
    /// Single copy cluster: one shared copy.
    Shared,
}

/// The data-loss dial for automatic mounts after a CCR failover.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum AutoDatabaseMountDial {
    Lossless,
    GoodAvailability,
    BestAvailability,
}

impl AutoDatabaseMountDial {
    /// How many logs may be missing for a database to mount automatically.
    pub fn max_lost_logs(self) -> u64 {
        match self {
            AutoDatabaseMountDial::Lossless => 0,
            AutoDatabaseMountDial::GoodAvailability => 3,
            AutoDatabaseMountDial::BestAvailability => 6,
        }
    }
}

/// The Active Directory plumbing every Exchange configuration object carries, derived from
/// the topology (`Format-List *` shows it after the object's own properties).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct DirectoryObject {
    /// `0.1 (8.0.535.0)` for an object Exchange 2007 wrote.
    pub exchange_version: String,
    pub distinguished_name: String,
    /// The object's GUID; an identity may be given as it.
    pub guid: String,
    /// `contoso.local/Configuration/Schema/ms-Exch-…`.
    pub object_category: String,
    pub object_class: Vec<String>,
    pub when_changed: DateTime<Utc>,
    pub when_created: DateTime<Utc>,
    /// The domain controller the object was read from.
    pub originating_server: String,
}

/// One `Get-MailboxServer` result.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct MailboxServer {
    pub identity: String,
    pub name: String,
    pub fqdn: String,
    pub clustered_storage_type: ClusteredStorageType,
    pub redundant_machines: Vec<String>,
    pub auto_database_mount_dial: AutoDatabaseMountDial,
    /// `None` is `Unlimited`: never force a lossy mount.
    pub forced_database_mount_after: Option<String>,
    /// Where the server keeps its databases and logs by default.
    pub data_path: String,
    pub exchange_legacy_dn: String,
    /// The server's version, as Get-ExchangeServer shows it (`Version 8.1 (Build 240.6)`).
    #[serde(default)]
    pub admin_display_version: String,
    #[serde(flatten)]
    pub directory: DirectoryObject,
    pub is_valid: bool,
}

/// The roles of an Exchange server (`ServerRole`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum ServerRole {
    Mailbox,
    HubTransport,
}

/// One `Get-ExchangeServer` result.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct ExchangeServer {
    pub identity: String,
    pub name: String,
    pub fqdn: String,
    pub domain: String,
    pub server_role: Vec<ServerRole>,
    /// `Enterprise` (clustered mailbox servers need it) or `Standard`.
    pub edition: String,
    /// Whether the server is a clustered mailbox server or a node of a failover cluster.
    pub is_member_of_cluster: bool,
    /// `Version 8.1 (Build 240.6)`.
    pub admin_display_version: String,
    /// `contoso.local/Configuration/Sites/NAME`: the Active Directory site (one per datacenter).
    pub site: String,
    pub data_path: String,
    pub exchange_legacy_dn: String,
    #[serde(flatten)]
    pub directory: DirectoryObject,
    pub is_valid: bool,
}

/// How a storage group is replicated (`Replicated`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum ReplicationType {
    None,
    Local,
    Cluster,
}

/// An SCR target of a storage group, as listed in `StandbyMachines`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct StandbyMachine {
    pub node_name: String,
    /// `d.hh:mm:ss`.
    pub replay_lag_time: String,
    /// `d.hh:mm:ss`.
    pub truncation_lag_time: String,
}

/// One `Get-StorageGroup` result.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct StorageGroup {
    pub identity: String,
    pub name: String,
    pub server: String,
    pub log_file_prefix: String,
    pub log_folder_path: String,
    pub system_folder_path: String,
    pub replicated: ReplicationType,
    pub recovery: bool,
    pub has_local_copy: bool,
    pub circular_logging_enabled: bool,
    pub standby_machines: Vec<StandbyMachine>,
    /// Size of a transaction log in KB.
    pub log_file_size: u64,
    #[serde(flatten)]
    pub directory: DirectoryObject,
    pub is_valid: bool,
}

/// Which kind of store a database is.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum DatabaseKind {
    Mailbox,
    PublicFolder,
}

/// One `Get-MailboxDatabase` or `Get-PublicFolderDatabase` result.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct Database {
    pub identity: String,
    pub name: String,
    pub server: String,
    pub storage_group: String,
    pub storage_group_name: String,
    pub edb_file_path: String,
    /// Only filled in when `-Status` was asked for, as in Exchange.
    pub mounted: Option<bool>,
    pub recovery: bool,
    #[serde(default)]
    pub allow_file_restore: bool,
    #[serde(default = "mounts_at_startup")]
    pub mount_at_startup: bool,
    pub exchange_legacy_dn: String,
    /// `First Organization/Exchange Administrative Group (FYDIBOHF23SPDLT)`.
    pub administrative_group: String,
    pub organization: String,
    #[serde(flatten)]
    pub directory: DirectoryObject,
    pub is_valid: bool,
}

/// Exchange's default MountAtStartup.
fn mounts_at_startup() -> bool {
    true
}

/// `SummaryCopyStatus` of a storage group copy.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum CopyStatus {
    /// The configuration does not support a copy (LCR on a clustered server, …).
    NotSupported,
    /// Log copying has stopped.
    Stopped,
    Healthy,
    Initializing,
    Suspended,
    Failed,
    Seeding,
    ServiceDown,
    Resynchronizing,
    Disabled,
    NotConfigured,
}

/// One `Get-StorageGroupCopyStatus` result.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct StorageGroupCopyStatus {
    pub identity: String,
    pub name: String,
    pub storage_group_name: String,
    pub summary_copy_status: CopyStatus,
    /// The node that holds the copy: the CCR passive node, or the SCR target.
    #[serde(rename = "CCRTargetNode")]
    pub ccr_target_node: Option<String>,
    /// Set for SCR copies only.
    pub standby_machine: Option<String>,
    pub failed: bool,
    pub failed_message: Option<String>,
    pub seeding: bool,
    pub suspend: bool,
    pub suspend_comment: Option<String>,
    pub copy_queue_length: u64,
    pub replay_queue_length: u64,
    #[serde(serialize_with = "super::rfc3339::option")]
    pub latest_available_log_time: Option<DateTime<Utc>>,
    #[serde(serialize_with = "super::rfc3339::option")]
    pub last_copied_log_time: Option<DateTime<Utc>>,
    #[serde(serialize_with = "super::rfc3339::option")]
    pub last_inspected_log_time: Option<DateTime<Utc>>,
    #[serde(serialize_with = "super::rfc3339::option")]
    pub last_replayed_log_time: Option<DateTime<Utc>>,
    pub last_log_generated: u64,
    pub last_log_copied: u64,
    pub last_log_inspected: u64,
    pub last_log_replayed: u64,
    /// Filled in only with `dumpsterStatistics=true`: per hub transport server of the site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dumpster_statistics: Option<Vec<DumpsterStatistics>>,
    pub is_valid: bool,
}

/// `GET` failover clusters: what the cluster tools show (`Get-ClusterNode`, `Get-ClusterGroup`,
/// `Get-ClusterResource`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct FailoverClusters {
    pub nodes: Vec<ClusterNode>,
    pub groups: Vec<ClusterGroup>,
    pub resources: Vec<ClusterResource>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct ClusterNode {
    pub name: String,
    pub cluster: String,
    pub id: u32,
    /// `Up` or `Down`.
    pub state: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct ClusterGroup {
    pub name: String,
    pub cluster: String,
    pub owner_node: String,
    /// `Online`, `Offline` or `Failed`.
    pub state: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct ClusterResource {
    pub name: String,
    pub cluster: String,
    pub owner_group: String,
    pub resource_type: String,
    pub state: String,
}

/// One `Get-Mailbox` / `Get-Recipient` result.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct Mailbox {
    /// `contoso.local/Users/Kim Akers`.
    pub identity: String,
    pub name: String,
    pub alias: String,
    pub display_name: String,
    pub primary_smtp_address: String,
    /// `Server\Storage Group\Database`.
    pub database: String,
    pub server_name: String,
    pub legacy_exchange_dn: String,
    pub organizational_unit: String,
    pub sam_account_name: String,
    pub user_principal_name: String,
    #[serde(flatten)]
    pub directory: DirectoryObject,
}

/// Query for mailboxes: an identity, or those of a database or a server.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct MailboxQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
}

/// One `Get-MailboxStatistics` result: what the mailbox's database holds for it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct MailboxStatistics {
    pub display_name: String,
    pub item_count: u64,
    pub total_item_size_bytes: u64,
    pub last_logon_time: Option<DateTime<Utc>>,
    pub legacy_dn: String,
    pub mailbox_guid: String,
    pub database: String,
    pub server_name: String,
    pub storage_group_name: String,
    pub database_name: String,
    /// Whether the database is mounted: statistics of a dismounted database cannot be read.
    pub available: bool,
}

/// One `Get-TransportServer` result: a hub transport server.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct TransportServer {
    pub identity: String,
    pub name: String,
    pub fqdn: String,
    /// `contoso.local/Configuration/Sites/NAME`.
    pub site: String,
    #[serde(flatten)]
    pub directory: DirectoryObject,
}

/// One `Get-Queue` result.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct Queue {
    /// `HUB\Submission`, `HUB\3`.
    pub identity: String,
    /// `Undefined` (Submission) or `MapiDelivery` (to a mailbox server).
    pub delivery_type: String,
    /// `Ready`, or `Retry` while its messages cannot be delivered.
    pub status: String,
    pub message_count: u64,
    pub next_hop_domain: String,
    pub last_error: Option<String>,
    pub last_retry_time: Option<DateTime<Utc>>,
    pub next_retry_time: Option<DateTime<Utc>>,
    /// The oldest message's arrival (`FirstRetryTime` is not modelled).
    pub oldest_message_time: Option<DateTime<Utc>>,
}

/// Query for queues: one hub transport server, or one queue identity.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct QueueQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
}

/// The transport dumpster of a storage group on one hub transport server, as
/// `Get-StorageGroupCopyStatus -DumpsterStatistics` reports it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct DumpsterStatistics {
    pub server: String,
    pub oldest_item: Option<DateTime<Utc>>,
    pub item_count: u64,
    pub size_bytes: u64,
}
