//! The contract of changes: request bodies of the mutating endpoints, the precondition report
//! every refusal and dry run returns, operation results, events, the operation history and the
//! lab (game day) calls.
//!
//! Every mutating request carries `dryRun` and `expectedVersion` as its own fields (serde
//! cannot deny unknown fields of a flattened struct, and a misspelt `dryRun` must not act).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `POST` move: `Move-ClusteredMailboxServer`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MoveRequest {
    pub identity: String,
    pub target_machine: String,
    pub move_comment: String,
    /// Dismounted storage groups are left out of the health checks and the flush.
    #[serde(default)]
    pub ignore_dismounted: bool,
    /// Move even when a passive copy is further behind than the currency thresholds.
    #[serde(default)]
    pub ignore_queue_length: bool,
    /// Run every check and return the report, but change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Refuse with `EstateChanged` (HTTP 409) unless the estate's version is still this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
    /// `-DomainController`: the domain controller the change was made through (history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_controller: Option<String>,
}

/// `POST` stop: `Stop-ClusteredMailboxServer`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StopRequest {
    pub identity: String,
    pub stop_reason: String,
    /// Run every check and return the report, but change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Refuse with `EstateChanged` (HTTP 409) unless the estate's version is still this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
    /// `-DomainController`: the domain controller the change was made through (history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_controller: Option<String>,
}

/// `POST` start, mount, dismount, resume: an operation on one object.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IdentityRequest {
    pub identity: String,
    /// Run every check and return the report, but change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Refuse with `EstateChanged` (HTTP 409) unless the estate's version is still this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
    /// `-DomainController`: the domain controller the change was made through (history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_controller: Option<String>,
}

/// `POST` suspend or resume of a storage group copy.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CopyRequest {
    pub identity: String,
    /// The SCR target; absent for the CCR passive copy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standby_machine: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspend_comment: Option<String>,
    /// Run every check and return the report, but change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Refuse with `EstateChanged` (HTTP 409) unless the estate's version is still this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
    /// `-DomainController`: the domain controller the change was made through (history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_controller: Option<String>,
}

/// `POST` mailbox server settings: `Set-MailboxServer`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MailboxServerRequest {
    pub identity: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_database_mount_dial: Option<super::AutoDatabaseMountDial>,
    /// `Unlimited`, or a time span (`01:00:00`): kept as given; see docs/engine.md.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forced_database_mount_after: Option<String>,
    /// Run every check and return the report, but change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Refuse with `EstateChanged` (HTTP 409) unless the estate's version is still this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
    /// `-DomainController`: the domain controller the change was made through (history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_controller: Option<String>,
}

/// `POST` move-path: `Move-StorageGroupPath` (LogFolderPath and/or SystemFolderPath).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StorageGroupPathRequest {
    pub identity: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_folder_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_folder_path: Option<String>,
    /// Record the new paths without moving the files (the administrator moves them).
    #[serde(default)]
    pub configuration_only: bool,
    /// Run every check and return the report, but change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Refuse with `EstateChanged` (HTTP 409) unless the estate's version is still this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
    /// `-DomainController`: the domain controller the change was made through (history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_controller: Option<String>,
}

/// `POST` new: `New-StorageGroup` on a clustered mailbox server (its CCR copies come with it).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewStorageGroupRequest {
    /// The clustered mailbox server.
    pub server: String,
    pub name: String,
    /// LogFolderPath and SystemFolderPath; by default the server's data path and the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_folder_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_folder_path: Option<String>,
    /// Run every check and return the report, but change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Refuse with `EstateChanged` (HTTP 409) unless the estate's version is still this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
    /// `-DomainController`: the domain controller the change was made through (history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_controller: Option<String>,
}

/// `POST` new: `New-MailboxDatabase` in a storage group (created dismounted).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewMailboxDatabaseRequest {
    /// The storage group (`Server\StorageGroup`, or a name one server has).
    pub storage_group: String,
    pub name: String,
    /// By default `<name>.edb` in the storage group's default folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edb_file_path: Option<String>,
    #[serde(default)]
    pub dry_run: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_controller: Option<String>,
}

/// `POST` set: `Set-MailboxDatabase` (AllowFileRestore, MountAtStartup).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MailboxDatabaseRequest {
    pub identity: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_file_restore: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount_at_startup: Option<bool>,
    /// Run every check and return the report, but change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Refuse with `EstateChanged` (HTTP 409) unless the estate's version is still this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
    /// `-DomainController`: the domain controller the change was made through (history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_controller: Option<String>,
}

/// `POST` move-path: `Move-DatabasePath` (EdbFilePath).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DatabasePathRequest {
    pub identity: String,
    pub edb_file_path: String,
    /// Record the new path without moving the file (the administrator moves it).
    #[serde(default)]
    pub configuration_only: bool,
    /// Run every check and return the report, but change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Refuse with `EstateChanged` (HTTP 409) unless the estate's version is still this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
    /// `-DomainController`: the domain controller the change was made through (history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_controller: Option<String>,
}

/// `POST` enable: `Enable-StorageGroupCopy -StandbyMachine` (an SCR copy).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnableCopyRequest {
    pub identity: String,
    pub standby_machine: String,
    /// Default 24 hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay_lag_seconds: Option<u64>,
    /// Default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncation_lag_seconds: Option<u64>,
    /// Run every check and return the report, but change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Refuse with `EstateChanged` (HTTP 409) unless the estate's version is still this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
    /// `-DomainController`: the domain controller the change was made through (history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_controller: Option<String>,
    /// `-SeedingPostponed`: create the copy suspended, to be seeded with Update-StorageGroupCopy.
    #[serde(default)]
    pub seeding_postponed: bool,
}

/// `POST` seed: `Update-StorageGroupCopy`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedRequest {
    pub identity: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standby_machine: Option<String>,
    /// Remove database and log files already at the target first.
    #[serde(default)]
    pub delete_existing_files: bool,
    /// Leave replication suspended after the seed.
    #[serde(default)]
    pub manual_resume: bool,
    /// `-Force`: delete an obsolete checkpoint at the target without asking.
    #[serde(default)]
    pub force: bool,
    /// Run every check and return the report, but change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Refuse with `EstateChanged` (HTTP 409) unless the estate's version is still this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
    /// `-DomainController`: the domain controller the change was made through (history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_controller: Option<String>,
    /// `-DataHostNames`: the replication host names to seed over (at most two).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_host_names: Vec<String>,
    /// `-TargetPath`: the folder to seed the database file into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_path: Option<String>,
}

/// `POST` setup on a node: `setup.com /RecoverCMS` or `/ClearLocalCMS`, run on `node`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetupRequest {
    /// The node setup runs on.
    pub node: String,
    pub mode: SetupMode,
    pub cms_name: String,
    /// For RecoverCMS: the server's address in the new site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cms_ip_address: Option<String>,
    /// Run every check and return the report, but change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Refuse with `EstateChanged` (HTTP 409) unless the estate's version is still this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum SetupMode {
    RecoverCms,
    ClearLocalCms,
}

/// `POST` cluster group move: `Move-ClusterGroup` (cluster tools: no Exchange checks).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClusterGroupMoveRequest {
    /// The CMS whose cluster group moves.
    pub identity: String,
    pub node: String,
    /// Run every check and return the report, but change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Refuse with `EstateChanged` (HTTP 409) unless the estate's version is still this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
}

/// The transport dumpster settings (`Get-/Set-TransportConfig`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct TransportConfig {
    pub max_dumpster_size_per_storage_group_bytes: u64,
    pub max_dumpster_time_seconds: u64,
    #[serde(flatten)]
    pub directory: crate::api::DirectoryObject,
}

/// `POST` transport config: change either dumpster setting.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TransportConfigRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_dumpster_size_per_storage_group_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_dumpster_time_seconds: Option<u64>,
    /// `-DomainController`: the domain controller the change was made through (history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_controller: Option<String>,
}

/// `POST` restore: `Restore-StorageGroupCopy`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RestoreRequest {
    pub identity: String,
    /// The SCR target to activate; absent for the CCR copy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standby_machine: Option<String>,
    /// Activate even though the source is unreachable: data loss is expected.
    #[serde(default)]
    pub force: bool,
    /// Run every check and return the report, but change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Refuse with `EstateChanged` (HTTP 409) unless the estate's version is still this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
    /// `-DomainController`: the domain controller the change was made through (history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_controller: Option<String>,
    /// `-ReplaceLocations` (LCR only).
    #[serde(default)]
    pub replace_locations: bool,
}

/// `POST` lab node power: `Stop-LabNode` / `Start-LabNode`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodePowerRequest {
    pub identity: String,
    /// Power off without a clean shutdown (open logs stay open, nothing is flushed).
    #[serde(default)]
    pub crash: bool,
    /// Run every check and return the report, but change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Refuse with `EstateChanged` (HTTP 409) unless the estate's version is still this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
}

/// `POST` lab network: cut or restore the link between two nodes, a node and a witness, or
/// two datacenters.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NetworkRequest {
    pub between: [String; 2],
    pub state: LinkState,
    /// Run every check and return the report, but change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Refuse with `EstateChanged` (HTTP 409) unless the estate's version is still this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum LinkState {
    Up,
    Down,
}

/// `POST` lab fault: damage a copy's newest log on one node.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultRequest {
    pub kind: FaultKind,
    /// The node whose copy is damaged.
    pub server: String,
    pub storage_group: String,
    /// Run every check and return the report, but change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Refuse with `EstateChanged` (HTTP 409) unless the estate's version is still this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum FaultKind {
    CorruptLog,
}

/// `POST` lab clock: move the lab clock forward.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClockRequest {
    pub advance_seconds: u64,
    /// Run every check and return the report, but change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Refuse with `EstateChanged` (HTTP 409) unless the estate's version is still this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
}

/// One node of the lab (`Get-LabNode`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct LabNode {
    pub name: String,
    pub cluster: String,
    pub datacenter: String,
    pub ip_address: String,
    pub powered_on: bool,
    /// The clustered mailbox servers active here.
    pub active_servers: Vec<String>,
    /// Links of this node the lab has cut.
    pub cut_links: Vec<String>,
}

/// Query for `GET /v1/lab/services`: the computer whose services to read (a node, a clustered
/// mailbox server's name, a hub transport server, a domain controller, a file share witness
/// or the workstation; an FQDN in the estate's domain counts), and the computer asking (the
/// node of a session; `None`: the workstation), whose cut links decide what it can reach.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ServicesQuery {
    pub computer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

/// One Windows service of a lab computer as its Service Control Manager reports it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct LabService {
    /// The short name (`MSExchangeIS`).
    pub name: String,
    /// `Microsoft Exchange Information Store`.
    pub display_name: String,
    pub running: bool,
    /// `Automatic` or `Manual`.
    pub start_type: String,
}

/// What `Test-ServiceHealth` reports for one Exchange server role of a computer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct RoleServiceHealth {
    /// `Mailbox Server Role`, `Hub Transport Server Role`.
    pub role: String,
    pub required_services_running: bool,
    pub services_running: Vec<String>,
    pub services_not_running: Vec<String>,
}

/// A lab computer's services (`GET /v1/lab/services`): what its Service Control Manager lists,
/// and for each Exchange role installed there the required services that run or do not.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct LabServices {
    /// The computer that answers (a clustered mailbox server's name reaches its active node).
    pub computer: String,
    /// The address the name reaches, when the lab knows it (a node's, a clustered mailbox
    /// server's own, a hub transport server's).
    pub address: Option<String>,
    /// `None` when its Service Control Manager answers; otherwise why it cannot be reached
    /// (powered off, a cut link, a clustered mailbox server whose network name is offline).
    pub unreachable: Option<String>,
    pub services: Vec<LabService>,
    pub roles: Vec<RoleServiceHealth>,
    /// When the computer last started (WMI's LastBootUpTime), when the lab knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_boot_up_time: Option<chrono::DateTime<chrono::Utc>>,
    /// The Active Directory domain the computer is a member of (`contoso.local`).
    #[serde(default)]
    pub domain: String,
}

/// Query for `GET /v1/lab/eseutil`: what `eseutil` reads on a node (`/mh`: the database
/// header of the `.edb` at `path`; `/ml`: the log file at `path`, or every log of a folder when
/// `path` ends in a base name such as `E00`).
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct EseutilQuery {
    pub node: String,
    pub path: String,
    /// `mh` or `ml`.
    pub mode: String,
}

/// A database file's header as `eseutil /mh` prints it (the fields scripts read).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct DatabaseHeader {
    /// The Windows path of the `.edb`.
    pub path: String,
    /// The Information Store has it open (the active copy, mounted): eseutil cannot read it.
    pub in_use: bool,
    /// `Clean Shutdown` or `Dirty Shutdown`.
    pub state: String,
    /// The generations soft recovery would need (`0-0` when clean).
    pub log_required: [u64; 2],
    /// The last generation replayed into it.
    pub last_replayed: u64,
    /// The log stream's signature (its lineage).
    pub log_signature: u64,
    pub length: u64,
    pub last_write_time: DateTime<Utc>,
}

/// One log file as `eseutil /ml` checks it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct LogFileCheck {
    pub path: String,
    /// From the header; 0 when the header itself is damaged.
    pub generation: u64,
    pub log_signature: u64,
    pub created: Option<DateTime<Utc>>,
    /// The open log (`E00.log`): sound so far, no end marker yet.
    pub open: bool,
    /// Why the check failed, if it did.
    pub damage: Option<String>,
}

/// What `GET /v1/lab/eseutil` read.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct EseutilReport {
    pub header: Option<DatabaseHeader>,
    pub logs: Vec<LogFileCheck>,
}

/// One volume of a lab computer (a node or the management workstation), for
/// `Get-WmiObject Win32_LogicalDisk` / `Win32_Volume`: its size and free space are those of the
/// real file system that holds the computer's lab files.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Volume {
    pub computer: String,
    /// `C:`.
    pub drive_letter: String,
    pub capacity_bytes: u64,
    pub free_bytes: u64,
    /// What the computer's lab files (logs, databases) take on it.
    pub lab_bytes: u64,
    /// A powered-off node answers no WMI query.
    pub powered_on: bool,
}

/// A file or folder on a node as Windows shows it (`GET /v1/lab/files`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LabFile {
    /// `C:\Program Files\…\E00.log`.
    pub full_name: String,
    pub name: String,
    pub directory: bool,
    /// Bytes on disk (0 for a folder).
    pub length: u64,
    pub last_write_time: DateTime<Utc>,
}

/// The item a path names and, for a folder, what it holds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LabPath {
    pub item: LabFile,
    pub children: Vec<LabFile>,
    /// A file's bytes, base64, when the query asked for them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

/// The structured precondition report (docs/api.md, "The precondition report"): what was checked, what was seen, and
/// what to do about each failure.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct PreconditionReport {
    /// The cmdlet name of the operation (`Move-ClusteredMailboxServer`).
    pub operation: String,
    pub target: String,
    /// Whether every check passed (or was overridden).
    pub allowed: bool,
    pub checks: Vec<PreconditionCheck>,
    /// For activations: what would be lost, per storage group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub loss_estimate: Vec<LossEstimate>,
}

impl PreconditionReport {
    /// The checks that failed (neither passed nor overridden), in order.
    pub fn failed(&self) -> impl Iterator<Item = &PreconditionCheck> + Clone {
        self.checks.iter().filter(|c| c.result == CheckResult::Failed)
    }
}

/// One precondition.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct PreconditionCheck {
    pub check: String,
    pub result: CheckResult,
    pub observed: String,
    pub threshold: String,
    pub why: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedy: Option<String>,
    /// The switch that overrides this check, when one does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_switch: Option<String>,
    /// When Exchange 2007 itself refuses in this case: its error text, which a refusal leads
    /// with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange_error: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum CheckResult {
    Passed,
    Failed,
    /// Failed, but the caller gave the switch that overrides it.
    Overridden,
    /// Not applicable (for example a dismounted storage group with `IgnoreDismounted`).
    Skipped,
}

/// What activating a copy would lose.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct LossEstimate {
    pub storage_group: String,
    pub logs: u64,
    pub bytes: u64,
    pub window_start: Option<DateTime<Utc>>,
    pub window_end: Option<DateTime<Utc>>,
}

/// What a mutating call did (or, for a dry run, would do).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct OperationResult {
    pub report: PreconditionReport,
    pub dry_run: bool,
    /// Whether anything changed (repeating a finished operation changes nothing).
    pub changed: bool,
    /// Events written by the operation.
    pub events: Vec<EventEntry>,
    pub timings: Vec<PhaseTiming>,
    /// Warnings to show the admin (data loss expected, replication still suspended, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// What happened along the way, for the verbose stream (logs copied, bytes seeded, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The estate's version after the call; pass it as `expectedVersion` to guard the next.
    pub estate_version: u64,
}

/// How long one phase of an operation took.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct PhaseTiming {
    pub phase: String,
    pub milliseconds: u64,
}

/// The source the Windows Server 2003 cluster service writes its events under.
pub const CLUSTER_SERVICE_SOURCE: &str = "ClusSvc";

/// The event log a source writes to, as Windows registers each source under one log: `System`
/// for the cluster service, `Application` for Exchange's sources.
pub fn event_log_of(source: &str) -> &'static str {
    if source.eq_ignore_ascii_case(CLUSTER_SERVICE_SOURCE) { "System" } else { "Application" }
}

/// An entry of a node's event log (which one follows from its source: [`event_log_of`]).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct EventEntry {
    pub index: u64,
    pub machine_name: String,
    pub instance_id: u32,
    pub source: String,
    pub entry_type: EntryType,
    pub message: String,
    pub time_generated: DateTime<Utc>,
}

/// An entry's type, as `System.Diagnostics.EventLogEntryType` names them. The lab writes the
/// first three; a script may write any (`Write-EventLog -EntryType SuccessAudit`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum EntryType {
    Information,
    Warning,
    Error,
    SuccessAudit,
    FailureAudit,
}

/// `GET` events: filters as `Get-EventLog` takes them.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct EventQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub computer_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_type: Option<EntryType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<DateTime<Utc>>,
}

/// `POST` events: a script writes an entry to a node's event log (`Write-EventLog`,
/// `[Diagnostics.EventLog]::WriteEntry` in a node session). The source must belong to the log
/// (`event_log_of`); the answer's `Events` holds the entry as numbered.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WriteEventRequest {
    /// The node whose log it goes to.
    pub computer_name: String,
    /// `Application` or `System`.
    pub log_name: String,
    pub source: String,
    /// 0 to 65535, as Windows numbers events.
    pub event_id: u32,
    pub entry_type: EntryType,
    pub message: String,
}

/// One entry of the operation history.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct OperationRecord {
    pub index: u64,
    pub run_date: DateTime<Utc>,
    /// Which token made the call: `Administrator` or `ViewOnly`.
    pub caller: String,
    pub cmdlet_name: String,
    pub object_modified: String,
    /// The comment, stop reason or suspend comment given.
    pub reason: Option<String>,
    /// The `-DomainController` the change was made through, when one was named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_controller: Option<String>,
    pub dry_run: bool,
    /// `Succeeded`, `Refused` or `Failed`.
    pub outcome: String,
    pub error: Option<String>,
    pub report: PreconditionReport,
    pub timings: Vec<PhaseTiming>,
}

/// `GET` history: the newest first, optionally only for one cmdlet or object.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct HistoryQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmdlet: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// Only what this caller did: a person's token name, `Administrator` or `Viewer` (the lab's
    /// tokens), or `(no valid token)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest: Option<u32>,
}

/// `POST` lab mail: deliver `count` messages of `size_kb` to a database.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SendMailRequest {
    /// The database to deliver to (empty when `recipient` names a mailbox).
    pub database: String,
    /// A mailbox (alias, name, SMTP address): every message goes to it, in its database.
    /// Without one, the messages go round the database's mailboxes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<String>,
    pub count: u32,
    #[serde(default = "default_size_kb")]
    pub size_kb: u32,
    /// Run every check and return the report, but change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Refuse with `EstateChanged` (HTTP 409) unless the estate's version is still this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
}

fn default_size_kb() -> u32 {
    10
}

/// What a delivery acknowledged: every id here is durable on the active copy.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct SendMailResult {
    pub database: String,
    pub accepted: Vec<u64>,
    pub last_log_generated: u64,
    /// The hub transport server holding the messages in its queue because the database could
    /// not take them now; they are delivered when it can.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued_on: Option<String>,
}

/// `GET` lab mail statistics: the loss ledger of one database.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct MailStatistics {
    pub database: String,
    /// Messages acknowledged to a sender.
    pub accepted: u64,
    /// Acknowledged messages the active copy holds.
    pub present: u64,
    /// Acknowledged messages no longer held (lost in a lossy activation and not resent).
    pub lost: u64,
    /// Acknowledged messages the active copy lacks but a lost node may still hold (a database
    /// waiting for its logs after a failover).
    pub unavailable: u64,
    /// Messages the transport dumpster resent after a lossy activation.
    pub resent: u64,
    pub lost_ids: Vec<u64>,
}

/// `POST` lab settle: wait until every eligible copy has caught up.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettleRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
}

/// What a settle found.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct SettleResult {
    pub settled: bool,
    pub elapsed_ms: u64,
    /// Copies still behind when the timeout passed.
    pub behind: Vec<String>,
}

/// `POST` lab reset: start the lab again from a topology: the built-in `seed`, or the TOML
/// text of a topology the caller read on its own machine. ccrd never opens a file a caller
/// names.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResetRequest {
    /// Without `topologyText`: `seed` (the default). With it: the name to show for it (the
    /// file's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topology: Option<String>,
    /// The topology's TOML, at most [`super::TOPOLOGY_LIMIT_BYTES`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topology_text: Option<String>,
    /// Run every check and return the report, but change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Refuse with `EstateChanged` (HTTP 409) unless the estate's version is still this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
}

/// Query of `POST` lab import (the snapshot itself is the body).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImportQuery {
    /// Check the snapshot and report, but change nothing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
    /// Refuse with `EstateChanged` unless the estate is still at this version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
}

/// What an import read or a reset made.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct LabResult {
    pub topology: String,
    pub files: u64,
    pub bytes: u64,
    pub estate_version: u64,
}

/// `GET` progress: a long operation in flight (a seed), for the shell's progress bar.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct ProgressRecord {
    /// `Seeding CCREX01\First Storage Group on NH-W2K3-SRV04`.
    pub activity: String,
    pub bytes_done: u64,
    pub bytes_total: u64,
}
