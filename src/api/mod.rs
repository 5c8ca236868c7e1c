//! The wire contract between the shell's client and ccrd: route paths, query shapes, the
//! objects the service returns, and the error body.
//!
//! Owns: every type that crosses HTTP. Property names are Exchange 2007's (PascalCase) so the
//! JSON a script reads and the objects an admin sees are the same.
//!
//! Must not: depend on any other module of this crate, know about rendering, cmdlet specs,
//! SQLite or axum. Both `shell::client` and `service` import this module; nothing here imports
//! them.

mod objects;
mod operations;
mod rfc3339;
pub mod snapshot;

pub use objects::*;
pub use operations::*;

use serde::{Deserialize, Serialize};

/// The version prefix of every route.
pub const API_PREFIX: &str = "/v1";

/// Route paths, relative to the server root. Query parameters are the `*Query` types below.
pub mod routes {
    /// `GET`: the service's identity and the caller's role ([`super::ServiceInfo`]).
    pub const INFO: &str = "/v1/info";
    /// `GET`: [`super::ClusteredMailboxServerStatus`] list; query [`super::IdentityQuery`].
    pub const CMS_STATUS: &str = "/v1/clustered-mailbox-servers/status";
    /// `GET`: [`super::MailboxServer`] list; query [`super::IdentityQuery`].
    pub const MAILBOX_SERVERS: &str = "/v1/mailbox-servers";
    /// `GET`: [`super::ExchangeServer`] list; query [`super::IdentityQuery`].
    pub const EXCHANGE_SERVERS: &str = "/v1/exchange-servers";
    /// `GET`: [`super::Mailbox`] list; query [`super::MailboxQuery`].
    pub const MAILBOXES: &str = "/v1/mailboxes";
    /// `GET`: [`super::MailboxStatistics`] list; query [`super::MailboxQuery`].
    pub const MAILBOX_STATISTICS: &str = "/v1/mailboxes/statistics";
    /// `GET`: [`super::TransportServer`] list; query [`super::IdentityQuery`].
    pub const TRANSPORT_SERVERS: &str = "/v1/transport-servers";
    /// `GET`: [`super::Queue`] list; query [`super::QueueQuery`].
    pub const QUEUES: &str = "/v1/queues";
    /// `GET`: [`super::StorageGroup`] list; query [`super::StoreQuery`].
    pub const STORAGE_GROUPS: &str = "/v1/storage-groups";
    /// `GET`: [`super::StorageGroupCopyStatus`] list; query [`super::CopyStatusQuery`].
    pub const STORAGE_GROUP_COPY_STATUS: &str = "/v1/storage-groups/copy-status";
    /// `GET`: [`super::Database`] list of mailbox databases; query [`super::StoreQuery`].
    pub const MAILBOX_DATABASES: &str = "/v1/databases/mailbox";
    /// `GET`: [`super::Database`] list of public folder databases; query [`super::StoreQuery`].
    pub const PUBLIC_FOLDER_DATABASES: &str = "/v1/databases/public-folder";
    /// `POST` [`super::DatabaseRequest`]: mount a database; returns the [`super::Database`].
    pub const MOUNT_DATABASE: &str = "/v1/databases/mount";
    /// `POST` [`super::DatabaseRequest`]: dismount a database; returns the [`super::Database`].
    pub const DISMOUNT_DATABASE: &str = "/v1/databases/dismount";
    /// `POST` [`super::MoveRequest`]: move a CMS to its passive node ([`super::OperationResult`]).
    pub const MOVE_CMS: &str = "/v1/clustered-mailbox-servers/move";
    /// `POST` [`super::StopRequest`]: take a CMS offline ([`super::OperationResult`]).
    pub const STOP_CMS: &str = "/v1/clustered-mailbox-servers/stop";
    /// `POST` [`super::IdentityRequest`]: bring a CMS online ([`super::OperationResult`]).
    pub const START_CMS: &str = "/v1/clustered-mailbox-servers/start";
    /// `POST` [`super::CopyRequest`]: suspend a storage group copy ([`super::OperationResult`]).
    pub const SUSPEND_COPY: &str = "/v1/storage-groups/suspend";
    /// `POST` [`super::CopyRequest`]: resume a storage group copy ([`super::OperationResult`]).
    pub const RESUME_COPY: &str = "/v1/storage-groups/resume";
    /// `POST` [`super::MailboxServerRequest`]: change a server's settings ([`super::OperationResult`]).
    pub const SET_MAILBOX_SERVER: &str = "/v1/mailbox-servers/set";
    /// `POST` [`super::StorageGroupPathRequest`]: Move-StorageGroupPath ([`super::OperationResult`]).
    pub const MOVE_STORAGE_GROUP_PATH: &str = "/v1/storage-groups/move-path";
    /// `POST` [`super::MailboxDatabaseRequest`]: Set-MailboxDatabase ([`super::OperationResult`]).
    pub const SET_MAILBOX_DATABASE: &str = "/v1/databases/set";
    /// `POST` [`super::DatabasePathRequest`]: Move-DatabasePath ([`super::OperationResult`]).
    pub const MOVE_DATABASE_PATH: &str = "/v1/databases/move-path";
    /// `POST` [`super::NewStorageGroupRequest`]: New-StorageGroup ([`super::OperationResult`]).
    pub const NEW_STORAGE_GROUP: &str = "/v1/storage-groups/new";
    /// `POST` [`super::NewMailboxDatabaseRequest`]: New-MailboxDatabase ([`super::OperationResult`]).
    pub const NEW_MAILBOX_DATABASE: &str = "/v1/databases/new";
    /// `POST` [`super::IdentityRequest`]: Remove-StorageGroup, with its CCR copies
    /// ([`super::OperationResult`]).
    pub const REMOVE_STORAGE_GROUP: &str = "/v1/storage-groups/remove";
    /// `POST` [`super::IdentityRequest`]: Remove-MailboxDatabase ([`super::OperationResult`]).
    pub const REMOVE_MAILBOX_DATABASE: &str = "/v1/databases/remove";
    /// `POST` [`super::EnableCopyRequest`]: add an SCR copy ([`super::OperationResult`]).
    pub const ENABLE_COPY: &str = "/v1/storage-groups/enable";
    /// `POST` [`super::CopyRequest`] with a standby machine: remove an SCR copy.
    pub const DISABLE_COPY: &str = "/v1/storage-groups/disable";
    /// `POST` [`super::SeedRequest`]: seed a copy ([`super::OperationResult`]).
    pub const SEED_COPY: &str = "/v1/storage-groups/seed";
    /// `POST` [`super::SetupRequest`]: setup.com on a node ([`super::OperationResult`]).
    pub const SETUP: &str = "/v1/setup";
    /// `POST` [`super::ClusterGroupMoveRequest`]: move a cluster group ([`super::OperationResult`]).
    pub const MOVE_CLUSTER_GROUP: &str = "/v1/cluster-groups/move";
    /// `GET` [`super::TransportConfig`]; `POST` [`super::TransportConfigRequest`] changes it.
    pub const TRANSPORT_CONFIG: &str = "/v1/transport-config";
    /// `POST` [`super::RestoreRequest`]: activate a copy ([`super::OperationResult`]).
    pub const RESTORE_COPY: &str = "/v1/storage-groups/restore";
    /// `GET`: [`super::LabNode`] list.
    pub const LAB_NODES: &str = "/v1/lab/nodes";
    /// `GET` [`super::IdentityQuery`] (a computer): each computer's volumes as Windows
    /// reports them ([`super::Volume`]).
    pub const LAB_VOLUMES: &str = "/v1/lab/volumes";
    /// `GET` [`super::LabFilesQuery`]: a node's Windows path (`C:\…`) and what it holds
    /// ([`super::LabPath`]), read-only; only the folders the estate reports for the node's copies.
    pub const LAB_FILES: &str = "/v1/lab/files";
    /// `GET` [`super::EseutilQuery`]: a copy's database header or logs as `eseutil /mh` and `/ml`
    /// read them ([`super::EseutilReport`]), read-only.
    pub const LAB_ESEUTIL: &str = "/v1/lab/eseutil";
    /// `GET` [`super::ServicesQuery`]: a lab computer's Windows services and the health of its
    /// Exchange roles' required services ([`super::LabServices`]; `Get-Service`, `Test-ServiceHealth`).
    pub const LAB_SERVICES: &str = "/v1/lab/services";
    /// `POST` [`super::NodePowerRequest`]: power a node off ([`super::OperationResult`]).
    pub const LAB_NODE_STOP: &str = "/v1/lab/nodes/stop";
    /// `POST` [`super::NodePowerRequest`]: power a node on ([`super::OperationResult`]).
    pub const LAB_NODE_START: &str = "/v1/lab/nodes/start";
    /// `POST` [`super::NetworkRequest`]: cut or restore a link ([`super::OperationResult`]).
    pub const LAB_NETWORK: &str = "/v1/lab/network";
    /// `POST` [`super::FaultRequest`]: damage a log ([`super::OperationResult`]).
    pub const LAB_FAULT: &str = "/v1/lab/fault";
    /// `POST` [`super::ClockRequest`]: advance the lab clock ([`super::OperationResult`]).
    pub const LAB_CLOCK: &str = "/v1/lab/clock";
    /// `POST` [`super::ResetRequest`]: start the lab again ([`super::LabResult`]).
    pub const LAB_RESET: &str = "/v1/lab/reset";
    /// `POST` (no body): the response body is a snapshot of the estate
    /// ([`super::snapshot`], `application/octet-stream`); the headers
    /// [`super::headers::ESTATE_VERSION`] and [`super::headers::TOPOLOGY`] describe it.
    pub const LAB_EXPORT: &str = "/v1/lab/export";
    /// `POST` a snapshot as the body (`application/octet-stream`, at most
    /// [`super::SNAPSHOT_LIMIT_BYTES`]); query [`super::ImportQuery`]: replace the estate with
    /// it ([`super::LabResult`]).
    pub const LAB_IMPORT: &str = "/v1/lab/import";
    /// `GET`: [`super::FailoverClusters`]; query [`super::ClusterQuery`].
    pub const FAILOVER_CLUSTERS: &str = "/v1/failover-clusters";
    /// `GET`: [`super::ProgressRecord`] list of long operations in flight.
    pub const PROGRESS: &str = "/v1/progress";
    /// `GET`: [`super::EventEntry`] list, newest first; query [`super::EventQuery`].
    pub const EVENTS: &str = "/v1/events";
    /// `GET`: [`super::OperationRecord`] list, newest first; query [`super::HistoryQuery`].
    pub const HISTORY: &str = "/v1/history";
    /// `POST` [`super::SendMailRequest`]: deliver messages ([`super::SendMailResult`]).
    pub const LAB_MAIL: &str = "/v1/lab/mail";
    /// `GET`: [`super::MailStatistics`] of one database; query [`super::IdentityQuery`].
    pub const LAB_MAIL_STATISTICS: &str = "/v1/lab/mail-statistics";
    /// `POST` [`super::SettleRequest`]: wait for replication to catch up ([`super::SettleResult`]).
    pub const LAB_SETTLE: &str = "/v1/lab/settle";
}

/// Response headers of [`routes::LAB_EXPORT`].
pub mod headers {
    /// The version of the estate the snapshot holds.
    pub const ESTATE_VERSION: &str = "x-ccrd-estate-version";
    /// The topology name of the estate, percent-encoded UTF-8.
    pub const TOPOLOGY: &str = "x-ccrd-topology";
    /// A change's request id: one per change, sent again unchanged when the change is retried,
    /// so that ccrd carries it out once and answers a retry with the first answer
    /// ([`super::request_id_is_valid`]).
    pub const REQUEST_ID: &str = "x-ccrd-request-id";
}

/// The longest request id ccrd accepts.
pub const REQUEST_ID_MAX_LEN: usize = 64;

/// Whether `id` can be a request id: 1 to [`REQUEST_ID_MAX_LEN`] letters, digits, `-`, `_`, `.`
/// (a UUID is one).
pub fn request_id_is_valid(id: &str) -> bool {
    (1..=REQUEST_ID_MAX_LEN).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The largest snapshot `Import-Lab` may upload (1 GiB); ccrd answers 413 past it.
pub const SNAPSHOT_LIMIT_BYTES: usize = 1 << 30;
/// The largest topology text `Reset-Lab -Topology FILE` may send (1 MiB).
pub const TOPOLOGY_LIMIT_BYTES: usize = 1 << 20;

/// Body of a request about one database.
pub type DatabaseRequest = IdentityRequest;

/// Query for endpoints that take an optional identity.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct IdentityQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
}

/// Query for `GET /v1/lab/files`: a node and a Windows path on it.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LabFilesQuery {
    pub node: String,
    pub path: String,
    /// Also return a file's bytes (`Get-Content`), up to [`LAB_FILE_CONTENT_LIMIT`].
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub content: bool,
}

/// The longest node file `GET /v1/lab/files?content=true` returns.
pub const LAB_FILE_CONTENT_LIMIT: u64 = 64 * 1024 * 1024;

/// Query for `GET /v1/lab/mail-statistics`: the database, and whether to count from the files
/// (`verify`) rather than answer from the ledger's counters.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct MailStatisticsQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub verify: bool,
}

/// Query for storage groups and databases: at most one of `identity`, `server`,
/// `storage_group`; `status` asks for live state (mounted or not).
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct StoreQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_group: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub status: bool,
}

/// Query for copy status: a storage group identity or a server, and optionally the SCR
/// standby machine whose copy to report.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct CopyStatusQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standby_machine: Option<String>,
    /// Fill in the transport dumpster statistics (`-DumpsterStatistics`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dumpster_statistics: bool,
}

/// Query for the failover cluster views: one cluster, or every one.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ClusterQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
}

/// What a caller's token lets it do.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum Role {
    /// Reads and changes the estate.
    Administrator,
    /// Reads only.
    ViewOnly,
}

/// `GET /v1/info`: who is serving and who is asking.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct ServiceInfo {
    pub service: String,
    pub version: String,
    pub topology: String,
    pub role: Role,
    /// The estate's version: pass it as `expectedVersion` to guard a change.
    pub estate_version: u64,
    /// The Active Directory domain of the estate (`contoso.local`).
    #[serde(default)]
    pub domain: String,
    /// The management workstation the shell runs on (`$env:COMPUTERNAME` outside a node).
    #[serde(default)]
    pub workstation: String,
}

/// The body of every non-2xx response.
///
/// `code` is stable and machine-readable (it becomes the first half of the shell's
/// FullyQualifiedErrorId); `message` is the sentence the admin reads; `hint` says what to do.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The object the request was about, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// For `PreconditionFailed`: every check, what was observed and what to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<Box<PreconditionReport>>,
    /// For `ManagementObjectNotFound`: the identities that do exist, so a client can suggest
    /// the closest.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<String>,
}

/// The closed set of error kinds the service reports.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum ErrorCode {
    /// No token, or a token the service does not know (HTTP 401).
    AccessDenied,
    /// A known token whose role may not do this (HTTP 403).
    InsufficientRole,
    /// An identity matched nothing (HTTP 404).
    ManagementObjectNotFound,
    /// An identity matched more than one object (HTTP 409).
    ManagementObjectAmbiguous,
    /// The request itself is malformed, e.g. mutually exclusive filters (HTTP 400).
    InvalidRequest,
    /// The estate does not allow the operation now; the body carries the report (HTTP 412).
    PreconditionFailed,
    /// The estate changed since the version the caller expected (HTTP 409).
    EstateChanged,
    /// The request body is larger than the route accepts (HTTP 413).
    PayloadTooLarge,
    /// ccrd's disk is full: nothing was accepted, nothing acknowledged was lost (HTTP 507).
    InsufficientStorage,
    /// The control store (etcd) has no majority answering: changes are refused, nothing
    /// acknowledged was lost (HTTP 503).
    ControlStoreUnavailable,
    /// Something failed inside the service (HTTP 500); details are in ccrd's log.
    Internal,
}

impl ErrorCode {
    /// The HTTP status this code is sent with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::AccessDenied => 401,
            ErrorCode::InsufficientRole => 403,
            ErrorCode::ManagementObjectNotFound => 404,
            ErrorCode::ManagementObjectAmbiguous => 409,
            ErrorCode::InvalidRequest => 400,
            ErrorCode::PreconditionFailed => 412,
            ErrorCode::EstateChanged => 409,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::InsufficientStorage => 507,
            ErrorCode::ControlStoreUnavailable => 503,
            ErrorCode::Internal => 500,
        }
    }

    /// PowerShell's error category for this code.
    pub fn category(self) -> &'static str {
        match self {
            ErrorCode::AccessDenied | ErrorCode::InsufficientRole => "PermissionDenied",
            ErrorCode::ManagementObjectNotFound => "ObjectNotFound",
            ErrorCode::ManagementObjectAmbiguous | ErrorCode::InvalidRequest | ErrorCode::PayloadTooLarge => {
                "InvalidArgument"
            }
            ErrorCode::InsufficientStorage | ErrorCode::ControlStoreUnavailable => "ResourceUnavailable",
            ErrorCode::PreconditionFailed | ErrorCode::EstateChanged => "InvalidOperation",
            ErrorCode::Internal => "NotSpecified",
        }
    }

    /// The name used in FullyQualifiedErrorIds.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::AccessDenied => "AccessDenied",
            ErrorCode::InsufficientRole => "InsufficientRole",
            ErrorCode::ManagementObjectNotFound => "ManagementObjectNotFound",
            ErrorCode::ManagementObjectAmbiguous => "ManagementObjectAmbiguous",
            ErrorCode::InvalidRequest => "InvalidRequest",
            ErrorCode::PreconditionFailed => "PreconditionFailed",
            ErrorCode::EstateChanged => "EstateChanged",
            ErrorCode::PayloadTooLarge => "PayloadTooLarge",
            ErrorCode::InsufficientStorage => "InsufficientStorage",
            ErrorCode::ControlStoreUnavailable => "ControlStoreUnavailable",
            ErrorCode::Internal => "Internal",
        }
    }
}
