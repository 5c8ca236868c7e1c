//! The estate's objects: datacenters, failover clusters, nodes, clustered mailbox servers,
//! storage groups, databases and storage group copies, with the state each one carries.
//!
//! Names are compared case-insensitively everywhere, as Exchange and Windows do; each kind of
//! object is kept in an [`Objects`] list and found by its identity through the list's index.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use super::objects::{Keyed, Objects, Shared};
use crate::api::{AutoDatabaseMountDial, CmsState, CopyStatus, DatabaseKind};

/// The domain, organization, domain controller and workstation of an estate whose topology
/// names none.
pub const DEFAULT_DOMAIN: &str = "contoso.local";
pub const DEFAULT_ORGANIZATION: &str = "First Organization";
pub const DEFAULT_DOMAIN_CONTROLLER: &str = "DC01";
pub const DEFAULT_WORKSTATION: &str = "ADMIN01";

/// Everything ccrd manages.
#[derive(Debug, Clone, PartialEq)]
pub struct Estate {
    /// The topology it was created from (`seed`, or a file name).
    pub topology: String,
    /// Size at which a transaction log closes.
    pub log_size_bytes: u64,
    /// Counts committed operations; the expected-state guard compares against it. Replication
    /// progress does not change it.
    pub version: u64,
    /// The directory (under the lab directory) that holds the nodes' files. A reset or an
    /// import writes a new one and switches to it in the same transaction as the estate.
    pub files_dir: String,
    /// How far the lab clock runs ahead of the wall clock (`Set-LabClock -Advance`).
    pub clock_offset_ms: i64,
    /// The id the next delivered message gets.
    pub next_message_id: u64,
    /// Network links the lab has cut: pairs of node, witness or datacenter names.
    pub network_cuts: Vec<(String, String)>,
    /// Clusters whose core group ("Cluster Group": the cluster's name, address and quorum)
    /// an administrator moved to a node (`cluster group "Cluster Group" /move:NODE`): cluster,
    /// node. Without an entry the quorum follows the clustered mailbox server's active node.
    pub quorum_owners: Vec<(String, String)>,
    /// The Active Directory domain the estate's servers are members of (`contoso.local`).
    pub domain: String,
    /// The Exchange organization's name (`First Organization`).
    pub organization: String,
    /// The domain controllers' short names; the first answers when none is named.
    pub domain_controllers: Vec<String>,
    /// The management workstation the shell runs on (`$env:COMPUTERNAME` outside a node).
    pub workstation: String,
    /// Transport dumpster (`Set-TransportConfig`), per storage group.
    pub max_dumpster_size_bytes: u64,
    pub max_dumpster_time_seconds: u64,
    pub datacenters: Objects<Datacenter>,
    /// Hub transport servers, one or more per datacenter: they carry mail to the mailbox
    /// servers, queue what cannot be delivered, and keep the transport dumpster.
    pub hub_transport_servers: Objects<HubTransport>,
    /// The mailboxes of the mailbox databases.
    pub mailboxes: Objects<Mailbox>,
    /// Mail a hub transport server accepted but could not deliver yet (its database was
    /// dismounted, or its server offline), oldest first.
    pub queued: Objects<QueuedBatch>,
    pub clusters: Objects<Cluster>,
    pub nodes: Objects<Node>,
    pub servers: Objects<ClusteredMailboxServer>,
    pub storage_groups: Objects<StorageGroup>,
    pub databases: Objects<Database>,
    pub copies: Objects<StorageGroupCopy>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Datacenter {
    pub name: String,
    pub subnet: String,
}

/// A hub transport server of a datacenter (its Active Directory site).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HubTransport {
    pub name: String,
    pub datacenter: String,
    pub ip: String,
    /// When the computer last started (WMI's LastBootUpTime): when the lab was built.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booted_at: Option<DateTime<Utc>>,
}

/// A user's mailbox in a mailbox database.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Mailbox {
    /// The display name and the user's name in Active Directory (`Neil Hobson`).
    pub name: String,
    /// The alias: the SMTP local part and the legacy DN's last part (`neil.hobson`).
    pub alias: String,
    pub server: String,
    pub storage_group: String,
    pub database: String,
}

impl Mailbox {
    /// Whether this mailbox lives in `db`.
    pub fn in_database(&self, db: &Database) -> bool {
        self.server.eq_ignore_ascii_case(&db.server)
            && self.storage_group.eq_ignore_ascii_case(&db.storage_group)
            && self.database.eq_ignore_ascii_case(&db.name)
    }
}

/// Messages a hub transport server holds in its delivery queue to a mailbox server: ids
/// `first_id ..= first_id + count - 1`, each `size_bytes` long.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QueuedBatch {
    pub hub: String,
    pub server: String,
    pub storage_group: String,
    pub database: String,
    pub first_id: u64,
    pub count: u64,
    pub size_bytes: u64,
    pub queued_at: DateTime<Utc>,
    /// Why the last delivery attempt failed.
    pub last_error: String,
    /// The mailbox (alias) the messages are addressed to, when they are addressed to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<String>,
}

/// A Windows failover cluster (Majority Node Set with a file share witness).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cluster {
    pub name: String,
    pub datacenter: String,
    pub file_share_witness: String,
    /// Clustered mailbox servers whose cluster resources this cluster holds: the CMS running
    /// here, or one recovered elsewhere that `setup /ClearLocalCMS` has not cleared yet.
    pub cms_resources: Vec<String>,
}

/// A physical server: a member of one cluster, with the Mailbox role installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    pub name: String,
    pub cluster: String,
    pub ip: String,
    pub powered_on: bool,
    /// When the node last started (WMI's LastBootUpTime): when the lab was built, or its last
    /// Start-LabNode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booted_at: Option<DateTime<Utc>>,
}

/// A clustered mailbox server (CMS): the Exchange server that runs on one node of its cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusteredMailboxServer {
    pub name: String,
    pub ip: String,
    pub cluster: String,
    pub active_node: String,
    pub redundant_machines: Vec<String>,
    pub state: CmsState,
    pub auto_database_mount_dial: AutoDatabaseMountDial,
    /// `None` is `Unlimited`.
    pub forced_database_mount_after: Option<String>,
}

/// A storage group of a CMS, with its log stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageGroup {
    pub server: String,
    pub name: String,
    pub log_prefix: String,
    /// Generation of the newest closed log on the active copy (0: none yet).
    pub last_log_generated: u64,
    pub last_log_generated_at: Option<DateTime<Utc>>,
    /// The log stream's lineage; a lossy activation starts a new one.
    pub lineage: u64,
    /// How far the active copy has replayed its own logs into its database.
    pub active_replayed: u64,
    /// Messages in the active copy's open log (not yet in a closed, shippable log). Like every
    /// log counter, the files are its truth: a lab that crashed reads it from them again.
    pub open_log_records: u64,
    /// The source has deleted its logs up to here (every copy had inspected them); copies may
    /// delete theirs once replayed. Recomputed by every replication pass; never stored.
    #[serde(skip)]
    pub truncated_through: u64,
    /// Set while the active copy lacks logs its predecessor wrote (after an unscheduled
    /// failover): how many, and since when the data is at risk.
    pub missing_logs: Option<MissingLogs>,
    /// The lab's ledger of the mail delivered to this storage group, as counters kept with it.
    #[serde(default)]
    pub mail: MailCounters,
    /// LogFolderPath and SystemFolderPath as Move-StorageGroupPath set them; `None` is the
    /// default folder under the server's data path (`engine::paths`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_folder_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_folder_path: Option<String>,
}

/// What the lab's ledger holds for one storage group, kept as counters so that reading it costs
/// the same for ten messages as for a million. The service updates them in the same commit as
/// the ledger entries they count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailCounters {
    /// Messages acknowledged to their sender.
    pub accepted: u64,
    pub accepted_bytes: u64,
    /// Accepted messages a lossy mount lost that the transport dumpster did not resend.
    pub lost: u64,
    /// Messages the transport dumpster resent after a lossy mount.
    pub resent: u64,
    /// Accepted messages the active copy does not hold and nobody declared lost: what a database
    /// waiting for its predecessor's logs lacks. Counted from the files whenever the active copy
    /// changes other than by a delivery.
    pub unavailable: u64,
}

/// Logs an activated copy did not receive before its source was lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingLogs {
    /// The node that held them (the old active node).
    pub node: String,
    /// The copy had every log up to here.
    pub common: u64,
    /// Closed logs plus the open log it did not receive.
    pub logs: u64,
    pub bytes: u64,
    pub since: Option<DateTime<Utc>>,
    pub lost_at: DateTime<Utc>,
    /// Mount as soon as the logs arrive (the database was mounted when the node was lost).
    pub mount_when_recovered: bool,
    /// An administrator accepted the loss (Restore-StorageGroupCopy): the next mount goes
    /// ahead without the logs.
    pub accepted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Database {
    pub server: String,
    pub storage_group: String,
    pub name: String,
    pub kind: DatabaseKind,
    pub mounted: bool,
    /// EdbFilePath as Move-DatabasePath set it; `None` is the default file in the storage
    /// group's folder (`engine::paths`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edb_file_path: Option<String>,
    /// Set-MailboxDatabase -AllowFileRestore: a restore (or a database file brought over by
    /// database portability) may overwrite the database.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_file_restore: bool,
    /// Set-MailboxDatabase -MountAtStartup:$false (kept as its negation so that a stored
    /// database without the field mounts at start-up, Exchange's default).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_mount_at_startup: bool,
}

/// What a copy is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CopyKind {
    /// The passive copy of a CCR cluster.
    ClusterContinuous,
    /// A standby copy (SCR) with its lag settings, in seconds.
    StandbyContinuous { replay_lag_seconds: u64, truncation_lag_seconds: u64 },
}

/// A passive copy of a storage group on a node that is not active for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageGroupCopy {
    pub server: String,
    pub storage_group: String,
    pub node: String,
    pub kind: CopyKind,
    pub status: CopyStatus,
    pub suspend_comment: Option<String>,
    pub failed_message: Option<String>,
    pub last_log_copied: u64,
    pub last_log_inspected: u64,
    pub last_log_replayed: u64,
    pub last_copied_at: Option<DateTime<Utc>>,
    pub last_inspected_at: Option<DateTime<Utc>>,
    pub last_replayed_at: Option<DateTime<Utc>>,
    /// Inspections of the next log that failed in a row; three make the copy Failed.
    pub inspect_failures: u32,
    /// This copy's closed logs are deleted up to here (in memory only: the next pass after a
    /// restart looks again).
    #[serde(skip)]
    pub truncated_through: u64,
    /// Set on the old active copy after a lossy activation: the last generation it shares
    /// with the new active. When its node returns it resynchronises or is Failed.
    pub diverged_after: Option<u64>,
    /// Restore-StorageGroupCopy made this copy mountable: replication to it has ended.
    pub restored: bool,
}

impl StorageGroup {
    /// A new storage group that has written no log yet, in the default folders.
    pub fn new(server: &str, name: &str, log_prefix: String) -> StorageGroup {
        StorageGroup {
            lineage: initial_lineage(server, name),
            server: server.to_string(),
            name: name.to_string(),
            log_prefix,
            last_log_generated: 0,
            last_log_generated_at: None,
            active_replayed: 0,
            open_log_records: 0,
            truncated_through: 0,
            missing_logs: None,
            mail: MailCounters::default(),
            log_folder_path: None,
            system_folder_path: None,
        }
    }
}

/// The first lineage of a storage group's log stream: fixed per name, so two labs built from
/// one topology write the same logs.
fn initial_lineage(server: &str, storage_group: &str) -> u64 {
    let text = format!("{server}\\{storage_group}").to_ascii_lowercase();
    u64::from(crc32fast::hash(text.as_bytes())) << 32 | 1
}

impl StorageGroupCopy {
    /// A new copy with nothing shipped yet.
    pub fn new(server: &str, storage_group: &str, node: &str, kind: CopyKind, status: CopyStatus) -> StorageGroupCopy {
        StorageGroupCopy {
            server: server.to_string(),
            storage_group: storage_group.to_string(),
            node: node.to_string(),
            kind,
            status,
            suspend_comment: None,
            failed_message: None,
            last_log_copied: 0,
            last_log_inspected: 0,
            last_log_replayed: 0,
            last_copied_at: None,
            last_inspected_at: None,
            last_replayed_at: None,
            inspect_failures: 0,
            truncated_through: 0,
            diverged_after: None,
            restored: false,
        }
    }

    pub fn is_standby(&self) -> bool {
        matches!(self.kind, CopyKind::StandbyContinuous { .. })
    }

    /// Whether this copy belongs to storage group `sg`.
    pub fn of(&self, sg: &StorageGroup) -> bool {
        self.server.eq_ignore_ascii_case(&sg.server) && self.storage_group.eq_ignore_ascii_case(&sg.name)
    }
}

impl Estate {
    /// An estate with nothing in it yet.
    pub fn empty(topology: String, log_size_bytes: u64) -> Estate {
        Estate {
            topology,
            log_size_bytes,
            version: 0,
            files_dir: "nodes".into(),
            clock_offset_ms: 0,
            next_message_id: 1,
            network_cuts: Vec::new(),
            quorum_owners: Vec::new(),
            domain: DEFAULT_DOMAIN.into(),
            organization: DEFAULT_ORGANIZATION.into(),
            domain_controllers: vec![DEFAULT_DOMAIN_CONTROLLER.into()],
            workstation: DEFAULT_WORKSTATION.into(),
            max_dumpster_size_bytes: 18 * 1024 * 1024,
            max_dumpster_time_seconds: 7 * 24 * 3600,
            datacenters: Objects::new(),
            hub_transport_servers: Objects::new(),
            mailboxes: Objects::new(),
            queued: Objects::new(),
            clusters: Objects::new(),
            nodes: Objects::new(),
            servers: Objects::new(),
            storage_groups: Objects::new(),
            databases: Objects::new(),
            copies: Objects::new(),
        }
    }

    /// The node `name` names: its short name, or its FQDN in the estate's domain.
    pub fn node(&self, name: &str) -> Option<&Node> {
        let name = name.trim();
        let short = super::directory::strip_domain(self, name).unwrap_or(name);
        self.nodes.by_key(&name.to_ascii_lowercase()).or_else(|| self.nodes.by_key(&short.to_ascii_lowercase()))
    }

    /// The canonical name of the node `name` names, or `name` trimmed when there is none.
    pub fn node_name(&self, name: &str) -> String {
        self.node(name).map_or_else(|| name.trim().to_string(), |n| n.name.clone())
    }

    /// The cluster `name` names: its short name or its FQDN in the estate's domain.
    pub fn cluster(&self, name: &str) -> Option<&Cluster> {
        let name = name.trim();
        let short = super::directory::strip_domain(self, name).unwrap_or(name);
        self.clusters.by_key(&name.to_ascii_lowercase()).or_else(|| self.clusters.by_key(&short.to_ascii_lowercase()))
    }

    /// The storage groups of server `server`, in order.
    pub fn storage_groups_of<'a>(&'a self, server: &str) -> impl Iterator<Item = &'a StorageGroup> + use<'a> {
        self.storage_groups.positions_in(&server.to_ascii_lowercase()).into_iter().map(|p| &self.storage_groups[p])
    }

    pub fn databases_of<'a>(&'a self, sg: &StorageGroup) -> impl Iterator<Item = &'a Database> + use<'a> {
        self.databases.positions_in(&sg.key()).into_iter().map(|p| &self.databases[p])
    }

    pub fn copies_of<'a>(&'a self, sg: &StorageGroup) -> impl Iterator<Item = &'a StorageGroupCopy> + use<'a> {
        self.copy_positions_of(sg).into_iter().map(|p| &self.copies[p])
    }

    /// The positions in `copies` of the copies of `sg`, in order.
    pub fn copy_positions_of(&self, sg: &StorageGroup) -> Vec<usize> {
        self.copies.positions_in(&sg.key())
    }

    /// The position of storage group `name` of `server`.
    pub fn storage_group_position(&self, server: &str, name: &str) -> Option<usize> {
        self.storage_groups.position_of(&group_key(server, name))
    }

    /// The storage group a copy or a database belongs to.
    pub fn storage_group_of(&self, server: &str, name: &str) -> Option<&StorageGroup> {
        self.storage_group_position(server, name).map(|p| &self.storage_groups[p])
    }

    /// The position of the copy of `server\storage_group` on `node`.
    pub fn copy_position(&self, server: &str, storage_group: &str, node: &str) -> Option<usize> {
        self.copies.position_of(&format!("{}\\{}", group_key(server, storage_group), node.to_ascii_lowercase()))
    }

    pub fn server(&self, name: &str) -> Option<&ClusteredMailboxServer> {
        self.servers.by_key(&name.to_ascii_lowercase())
    }

    /// The server that owns storage group `sg`.
    pub fn server_of(&self, sg: &StorageGroup) -> Option<&ClusteredMailboxServer> {
        self.server(&sg.server)
    }

    /// Whether node `name` exists and is powered on.
    pub fn node_up(&self, name: &str) -> bool {
        self.node(name).is_some_and(|n| n.powered_on)
    }

    /// The datacenter of node `name`.
    pub fn datacenter_of(&self, node: &str) -> Option<&str> {
        let cluster = self.cluster(&self.node(node)?.cluster)?;
        Some(cluster.datacenter.as_str())
    }

    /// The node that owns cluster `name`'s core group and its quorum: the one it was moved to
    /// while that node is up, else the active node of the clustered mailbox server the
    /// cluster runs, else its first node that is up.
    pub fn quorum_owner(&self, name: &str) -> Option<&str> {
        let cluster = self.cluster(name)?;
        let up =
            |node: &str| self.node(node).is_some_and(|n| n.powered_on && n.cluster.eq_ignore_ascii_case(&cluster.name));
        let moved =
            self.quorum_owners.iter().find(|(c, _)| c.eq_ignore_ascii_case(&cluster.name)).map(|(_, n)| n.as_str());
        let active =
            self.servers.iter().find(|s| s.cluster.eq_ignore_ascii_case(&cluster.name)).map(|s| s.active_node.as_str());
        let first = self
            .nodes
            .iter()
            .find(|n| n.cluster.eq_ignore_ascii_case(&cluster.name) && n.powered_on)
            .map(|n| n.name.as_str());
        moved.filter(|n| up(n)).or(active.filter(|n| up(n))).or(first)
    }

    /// Whether the lab has cut the link between `a` and `b` (nodes, witnesses or datacenters).
    pub fn cut(&self, a: &str, b: &str) -> bool {
        self.network_cuts.iter().any(|(x, y)| {
            (x.eq_ignore_ascii_case(a) && y.eq_ignore_ascii_case(b))
                || (x.eq_ignore_ascii_case(b) && y.eq_ignore_ascii_case(a))
        })
    }

    /// Whether nodes `a` and `b` are both up and can reach each other.
    pub fn reachable(&self, a: &str, b: &str) -> bool {
        if !self.node_up(a) || !self.node_up(b) || self.cut(a, b) {
            return false;
        }
        match (self.datacenter_of(a), self.datacenter_of(b)) {
            (Some(x), Some(y)) if !x.eq_ignore_ascii_case(y) => !self.cut(x, y),
            _ => true,
        }
    }

    /// Whether `node` sees a quorum of its cluster: its own vote, its peers it can reach, and
    /// the file share witness if reachable — a majority of nodes + 1.
    pub fn has_quorum(&self, node: &str) -> bool {
        let Some(n) = self.node(node).filter(|n| n.powered_on) else { return false };
        let Some(cluster) = self.cluster(&n.cluster) else { return false };
        let members: Vec<&Node> =
            self.nodes.positions_in(&cluster.name.to_ascii_lowercase()).into_iter().map(|p| &self.nodes[p]).collect();
        let peers =
            members.iter().filter(|m| !m.name.eq_ignore_ascii_case(node) && self.reachable(node, &m.name)).count();
        let witness = usize::from(!self.cut(node, &cluster.file_share_witness));
        let votes = 1 + peers + witness;
        votes * 2 > members.len() + 1
    }

    /// The lab clock: the wall clock plus the lab's offset (bounded to ±100 years by
    /// `validate::MAX_CLOCK_OFFSET_MS`; an offset past any representable time is ignored).
    pub fn lab_time(&self, wall: DateTime<Utc>) -> DateTime<Utc> {
        chrono::TimeDelta::try_milliseconds(self.clock_offset_ms)
            .and_then(|offset| wall.checked_add_signed(offset))
            .unwrap_or(wall)
    }

    /// Whether cluster `name` holds the resources of any CMS (running there or not cleared).
    pub fn cluster_hosts_cms(&self, name: &str) -> bool {
        self.cluster(name).is_some_and(|c| !c.cms_resources.is_empty())
            || self.servers.iter().any(|s| s.cluster.eq_ignore_ascii_case(name))
    }
}

/// `seconds` before `time`, or the earliest representable time: never a panic, whatever the
/// setting (the dumpster's age, a lag time).
pub fn seconds_before(time: DateTime<Utc>, seconds: u64) -> DateTime<Utc> {
    i64::try_from(seconds)
        .ok()
        .and_then(chrono::TimeDelta::try_seconds)
        .and_then(|span| time.checked_sub_signed(span))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The key of storage group `name` of `server`: `server\name`, lowercased.
fn group_key(server: &str, name: &str) -> String {
    format!("{server}\\{name}").to_ascii_lowercase()
}

/// Whether `key` is [`group_key`]`(server, name)`, without building it.
fn is_group_key(key: &str, server: &str, name: &str) -> bool {
    let (key, server, name) = (key.as_bytes(), server.as_bytes(), name.as_bytes());
    key.len() == server.len() + 1 + name.len()
        && key[server.len()] == b'\\'
        && lowercased_bytes(&key[..server.len()], server)
        && lowercased_bytes(&key[server.len() + 1..], name)
}

/// Whether `lower` is `original.to_ascii_lowercase()` (which moves no byte).
fn is_lowercased(lower: &str, original: &str) -> bool {
    lowercased_bytes(lower.as_bytes(), original.as_bytes())
}

fn lowercased_bytes(lower: &[u8], original: &[u8]) -> bool {
    lower.len() == original.len() && lower.iter().zip(original).all(|(l, o)| *l == o.to_ascii_lowercase())
}

impl Keyed for HubTransport {
    fn key(&self) -> String {
        self.name.to_ascii_lowercase()
    }
}

impl Keyed for Mailbox {
    fn key(&self) -> String {
        self.alias.to_ascii_lowercase()
    }
}

impl Keyed for QueuedBatch {
    fn key(&self) -> String {
        self.first_id.to_string()
    }
}

impl Keyed for Datacenter {
    fn key(&self) -> String {
        self.name.to_ascii_lowercase()
    }
}

impl Keyed for Cluster {
    fn key(&self) -> String {
        self.name.to_ascii_lowercase()
    }
}

impl Keyed for Node {
    fn key(&self) -> String {
        self.name.to_ascii_lowercase()
    }
    /// A node belongs to its cluster (never changed in place).
    fn parent(&self) -> Option<String> {
        Some(self.cluster.to_ascii_lowercase())
    }
    fn parent_is(&self, key: &str) -> bool {
        is_lowercased(key, &self.cluster)
    }
}

impl Keyed for ClusteredMailboxServer {
    fn key(&self) -> String {
        self.name.to_ascii_lowercase()
    }
}

impl Keyed for StorageGroup {
    fn key(&self) -> String {
        group_key(&self.server, &self.name)
    }
    fn parent(&self) -> Option<String> {
        Some(self.server.to_ascii_lowercase())
    }
    fn parent_is(&self, key: &str) -> bool {
        is_lowercased(key, &self.server)
    }
    fn name(&self) -> Option<String> {
        Some(self.name.to_ascii_lowercase())
    }
}

impl Keyed for Database {
    fn key(&self) -> String {
        format!("{}\\{}", group_key(&self.server, &self.storage_group), self.name.to_ascii_lowercase())
    }
    fn parent(&self) -> Option<String> {
        Some(group_key(&self.server, &self.storage_group))
    }
    fn parent_is(&self, key: &str) -> bool {
        is_group_key(key, &self.server, &self.storage_group)
    }
    fn name(&self) -> Option<String> {
        Some(self.name.to_ascii_lowercase())
    }
}

impl Keyed for StorageGroupCopy {
    fn key(&self) -> String {
        format!("{}\\{}", group_key(&self.server, &self.storage_group), self.node.to_ascii_lowercase())
    }
    fn parent(&self) -> Option<String> {
        Some(group_key(&self.server, &self.storage_group))
    }
    fn parent_is(&self, key: &str) -> bool {
        is_group_key(key, &self.server, &self.storage_group)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_key_is_recognised_without_being_built() {
        for (server, name) in [("CCREX01", "First Storage Group"), ("ccrex01", "SG Ä 01"), ("", ""), ("A\\B", "c")] {
            assert!(is_group_key(&group_key(server, name), server, name), "{server}\\{name}");
        }
        assert!(!is_group_key("ccrex01\\first", "CCREX01", "Firsts"));
        assert!(!is_group_key("ccrex01/first", "CCREX01", "First"));
        assert!(!is_group_key("ccrex02\\first", "CCREX01", "First"));
        // group_key folds ASCII only, and so does the check.
        assert!(!is_group_key("ccrex01\\ä", "CCREX01", "Ä"));
        assert!(is_lowercased("nh-w2k3-srv04", "NH-W2K3-SRV04"));
        assert!(!is_lowercased("nh", "NHX"));
    }
}
