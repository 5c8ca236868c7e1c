//! Topologies: the TOML description an estate is created from. `seed` is built in; any other
//! is a file with the same shape (see `topologies/seed.toml`).
//!
//! Owns: parsing and checking a topology, and turning it into a fresh [`Estate`].
//!
//! Must not: read files (the caller passes the text) or keep state.

use serde::Deserialize;

use super::estate::*;
use super::validate::{self, MAX_LOG_SIZE_BYTES, shown};
use crate::api::{AutoDatabaseMountDial, CmsState, CopyStatus, DatabaseKind};

/// The text of the built-in `seed` topology.
pub const SEED: &str = include_str!("topologies/seed.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Topology {
    name: String,
    #[serde(default = "default_log_size_kb")]
    log_size_kb: u64,
    /// The Active Directory domain (`contoso.local`): FQDNs and distinguished names use it.
    #[serde(default)]
    domain: Option<String>,
    /// The Exchange organization's name.
    #[serde(default)]
    organization: Option<String>,
    /// Domain controllers' short names (`-DomainController` takes their FQDNs).
    #[serde(default)]
    domain_controllers: Vec<String>,
    /// The management workstation ccrsh runs on.
    #[serde(default)]
    management_workstation: Option<String>,
    #[serde(default)]
    datacenter: Vec<DatacenterSpec>,
    #[serde(default)]
    hub_transport: Vec<HubSpec>,
    #[serde(default)]
    cluster: Vec<ClusterSpec>,
    #[serde(default)]
    node: Vec<NodeSpec>,
    #[serde(default)]
    clustered_mailbox_server: Vec<CmsSpec>,
    #[serde(default)]
    storage_group: Vec<StorageGroupSpec>,
    #[serde(default)]
    standby_copy: Vec<StandbyCopySpec>,
}

fn default_log_size_kb() -> u64 {
    1024
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DatacenterSpec {
    name: String,
    subnet: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClusterSpec {
    name: String,
    datacenter: String,
    file_share_witness: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeSpec {
    name: String,
    cluster: String,
    ip: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CmsSpec {
    name: String,
    ip: String,
    cluster: String,
    active_node: String,
    redundant_machines: Vec<String>,
    #[serde(default = "default_dial")]
    auto_database_mount_dial: AutoDatabaseMountDial,
}

fn default_dial() -> AutoDatabaseMountDial {
    AutoDatabaseMountDial::BestAvailability
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StorageGroupSpec {
    server: String,
    name: String,
    log_prefix: String,
    database: DatabaseSpec,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DatabaseSpec {
    name: String,
    kind: DatabaseKind,
    /// The display names of the mailboxes in a mailbox database.
    #[serde(default)]
    mailboxes: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HubSpec {
    name: String,
    datacenter: String,
    ip: String,
}

/// A mailbox's alias from its display name: `Neil Hobson` → `neil.hobson`.
fn alias_of(name: &str) -> String {
    name.split_whitespace()
        .map(|w| w.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect::<String>())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(".")
        .to_ascii_lowercase()
}

/// An SCR copy of every storage group of `server` on `node`, as Enable-StorageGroupCopy
/// -StandbyMachine would make it (the same rules apply), already caught up.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StandbyCopySpec {
    server: String,
    node: String,
    #[serde(default = "default_replay_lag")]
    replay_lag_seconds: u64,
    #[serde(default)]
    truncation_lag_seconds: u64,
}

fn default_replay_lag() -> u64 {
    super::standby::DEFAULT_REPLAY_LAG_SECONDS
}

/// A topology that cannot be built, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("topology '{source_name}': {message}")]
pub struct TopologyError {
    pub source_name: String,
    pub message: String,
}

/// Builds a fresh estate from topology text. `source_name` names it in errors.
///
/// In the fresh estate every CMS is online on its active node, every database is mounted there,
/// and each storage group has a healthy, current CCR copy on every other redundant machine.
pub fn build(source_name: &str, text: &str) -> Result<Estate, TopologyError> {
    let err = |message: String| TopologyError { source_name: source_name.to_string(), message };
    let topology: Topology = toml::from_str(text).map_err(|e| err(describe_toml_error(&e, text)))?;
    let log_size_bytes = topology.log_size_kb.checked_mul(1024).filter(|b| (1..=MAX_LOG_SIZE_BYTES).contains(b));
    let Some(log_size_bytes) = log_size_bytes else {
        return Err(err("log_size_kb must be 1 to 1024 (a transaction log is at most 1 MB)".into()));
    };
    let mut estate = Estate::empty(topology.name.clone(), log_size_bytes);
    estate.datacenters =
        topology.datacenter.into_iter().map(|d| Datacenter { name: d.name, subnet: d.subnet }).collect();
    if let Some(domain) = topology.domain {
        let valid = domain.split('.').count() >= 2
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            });
        if !valid {
            return Err(err(format!("domain {domain} is not a DNS domain name such as contoso.local")));
        }
        estate.domain = domain;
    }
    if let Some(organization) = topology.organization {
        if organization.trim().is_empty() || organization.contains(['/', '\\', ',', '=']) {
            return Err(err(format!("organization '{organization}' must be a name without / \\ , or =")));
        }
        estate.organization = organization;
    }
    for dc in &topology.domain_controllers {
        super::validate::computer_name("domain controller", dc).map_err(err)?;
    }
    if !topology.domain_controllers.is_empty() {
        estate.domain_controllers = topology.domain_controllers;
    }
    if let Some(workstation) = topology.management_workstation {
        super::validate::computer_name("management workstation", &workstation).map_err(err)?;
        estate.workstation = workstation;
    }
    for h in topology.hub_transport {
        validate::computer_name("hub transport server", &h.name).map_err(err)?;
        if !estate.datacenters.iter().any(|d| d.name.eq_ignore_ascii_case(&h.datacenter)) {
            return Err(err(format!(
                "hub transport server {} names unknown datacenter {}",
                shown(&h.name),
                shown(&h.datacenter)
            )));
        }
        estate.hub_transport_servers.push(HubTransport {
            name: h.name,
            datacenter: h.datacenter,
            ip: h.ip,
            booted_at: None,
        });
    }
    for c in topology.cluster {
        if !estate.datacenters.iter().any(|d| d.name.eq_ignore_ascii_case(&c.datacenter)) {
            return Err(err(format!("cluster {} names unknown datacenter {}", shown(&c.name), shown(&c.datacenter))));
        }
        estate.clusters.push(Cluster {
            name: c.name,
            datacenter: c.datacenter,
            file_share_witness: c.file_share_witness,
            cms_resources: Vec::new(),
        });
    }
    for n in topology.node {
        if estate.cluster(&n.cluster).is_none() {
            return Err(err(format!("node {} names unknown cluster {}", shown(&n.name), shown(&n.cluster))));
        }
        if estate.node(&n.name).is_some() {
            return Err(err(format!("node {} is listed twice", shown(&n.name))));
        }
        estate.nodes.push(Node { name: n.name, cluster: n.cluster, ip: n.ip, powered_on: true, booted_at: None });
    }
    for s in topology.clustered_mailbox_server {
        let in_cluster = |node: &str| estate.node(node).is_some_and(|n| n.cluster.eq_ignore_ascii_case(&s.cluster));
        if !s.redundant_machines.iter().all(|m| in_cluster(m)) {
            return Err(err(format!(
                "redundant machines of {} must be nodes of {}",
                shown(&s.name),
                shown(&s.cluster)
            )));
        }
        if !s.redundant_machines.iter().any(|m| m.eq_ignore_ascii_case(&s.active_node)) {
            return Err(err(format!("active node of {} must be one of its redundant machines", shown(&s.name))));
        }
        if estate.cluster_hosts_cms(&s.cluster) {
            return Err(err(format!("cluster {} already holds a clustered mailbox server", shown(&s.cluster))));
        }
        if let Some(cluster) = estate.clusters.iter_mut().find(|c| c.name.eq_ignore_ascii_case(&s.cluster)) {
            cluster.cms_resources.push(s.name.clone());
        }
        estate.servers.push(ClusteredMailboxServer {
            name: s.name,
            ip: s.ip,
            cluster: s.cluster,
            active_node: s.active_node,
            redundant_machines: s.redundant_machines,
            state: CmsState::Online,
            auto_database_mount_dial: s.auto_database_mount_dial,
            forced_database_mount_after: None,
        });
    }
    for sg in topology.storage_group {
        let Some(server) = estate.servers.iter().find(|s| s.name.eq_ignore_ascii_case(&sg.server)) else {
            return Err(err(format!("storage group {} names unknown server {}", shown(&sg.name), shown(&sg.server))));
        };
        validate::log_prefix(&sg.log_prefix).map_err(|e| err(format!("{e} (storage group {})", shown(&sg.name))))?;
        let passive: Vec<String> = server
            .redundant_machines
            .iter()
            .filter(|m| !m.eq_ignore_ascii_case(&server.active_node))
            .cloned()
            .collect();
        let server_name = server.name.clone();
        for node in passive {
            estate.copies.push(StorageGroupCopy::new(
                &server_name,
                &sg.name,
                &node,
                CopyKind::ClusterContinuous,
                CopyStatus::Healthy,
            ));
        }
        if !sg.database.mailboxes.is_empty() && sg.database.kind != DatabaseKind::Mailbox {
            return Err(err(format!(
                "database {} is not a mailbox database: it holds no mailboxes",
                shown(&sg.database.name)
            )));
        }
        for name in &sg.database.mailboxes {
            super::validate::object_name("mailbox", name).map_err(err)?;
            let alias = alias_of(name);
            if alias.is_empty()
                || estate.mailboxes.iter().any(|m| m.alias == alias || m.name.eq_ignore_ascii_case(name))
            {
                return Err(err(format!("mailbox {} is listed twice or has no usable alias", shown(name))));
            }
            estate.mailboxes.push(Mailbox {
                name: name.clone(),
                alias,
                server: server_name.clone(),
                storage_group: sg.name.clone(),
                database: sg.database.name.clone(),
            });
        }
        estate.databases.push(Database {
            server: server_name.clone(),
            storage_group: sg.name.clone(),
            name: sg.database.name,
            kind: sg.database.kind,
            mounted: true,
            edb_file_path: None,
            allow_file_restore: false,
            no_mount_at_startup: false,
        });
        estate.storage_groups.push(StorageGroup::new(&server_name, &sg.name, sg.log_prefix));
    }
    for spec in topology.standby_copy {
        add_standby_copies(&mut estate, &spec).map_err(err)?;
    }
    // Names become path components of the nodes' files: every one is checked here.
    validate::estate(&estate).map_err(err)?;
    Ok(estate)
}

/// A TOML error as `line L, column C: message`, without the source line toml quotes: an
/// error must never echo the text it was given.
fn describe_toml_error(error: &toml::de::Error, text: &str) -> String {
    let message: String = error.message().trim().chars().take(300).collect();
    match error.span() {
        Some(span) => {
            let before = text.get(..span.start).unwrap_or(text);
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}

/// The SCR copies of one `[[standby_copy]]`, checked as Enable-StorageGroupCopy checks them.
fn add_standby_copies(estate: &mut Estate, spec: &StandbyCopySpec) -> Result<(), String> {
    let server =
        estate.server(&spec.server).ok_or_else(|| format!("standby copy names unknown server {}", spec.server))?;
    let node = estate.node(&spec.node).ok_or_else(|| format!("standby copy names unknown node {}", spec.node))?;
    if node.cluster.eq_ignore_ascii_case(&server.cluster) {
        return Err(format!("standby node {} is in {}'s own cluster", node.name, server.name));
    }
    if estate.cluster_hosts_cms(&node.cluster) {
        return Err(format!(
            "standby node {} is in cluster {}, which holds a clustered mailbox server",
            node.name, node.cluster
        ));
    }
    let max = super::standby::MAX_LAG_SECONDS;
    if spec.replay_lag_seconds > max || spec.truncation_lag_seconds > max {
        return Err(format!("the lag times of the standby copy on {} must be at most {max} seconds", node.name));
    }
    let kind = CopyKind::StandbyContinuous {
        replay_lag_seconds: spec.replay_lag_seconds,
        truncation_lag_seconds: spec.truncation_lag_seconds,
    };
    let (server, node) = (server.name.clone(), node.name.clone());
    let groups: Vec<String> = estate.storage_groups_of(&server).map(|sg| sg.name.clone()).collect();
    for name in groups {
        if estate.copies.iter().any(|c| {
            c.server.eq_ignore_ascii_case(&server)
                && c.storage_group.eq_ignore_ascii_case(&name)
                && c.node.eq_ignore_ascii_case(&node)
        }) {
            return Err(format!("{server}\\{name} already has a copy on {node}"));
        }
        estate.copies.push(StorageGroupCopy::new(&server, &name, &node, kind.clone(), CopyStatus::Healthy));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_topology_builds_the_article_estate() {
        let estate = build("seed", SEED).expect("seed builds");
        assert_eq!(estate.topology, "seed");
        assert_eq!(estate.log_size_bytes, 1024 * 1024);
        assert_eq!(estate.nodes.len(), 4);
        let cms = &estate.servers[0];
        assert_eq!((cms.name.as_str(), cms.active_node.as_str()), ("CCREX01", "NH-W2K3-SRV03"));
        assert_eq!(cms.auto_database_mount_dial, AutoDatabaseMountDial::BestAvailability);
        assert_eq!(estate.copies.len(), 2);
        assert!(estate.copies.iter().all(|c| c.node == "NH-W2K3-SRV04" && c.status == CopyStatus::Healthy));
        assert!(estate.databases.iter().all(|d| d.mounted));
        assert!(!estate.cluster_hosts_cms("E2K7CLU02"));
    }

    #[test]
    fn rejects_a_cms_whose_active_node_is_not_redundant() {
        let text = SEED.replace("active_node = \"NH-W2K3-SRV03\"", "active_node = \"NH-W2K3-SRV01\"");
        let e = build("bad", &text).expect_err("must be rejected");
        assert!(e.message.contains("active node"), "{e}");
    }

    #[test]
    fn a_parse_error_gives_the_place_but_never_quotes_the_text() {
        let secret = "root:$6$saltsalt$hashhashhash:19000:0:99999:7:::";
        let e = build("bad", &format!("{secret}\n")).expect_err("not TOML");
        assert!(!e.message.contains("saltsalt") && !e.to_string().contains("hashhash"), "{e}");
        assert!(e.message.starts_with("line 1, column"), "{e}");
    }

    #[test]
    fn names_that_would_leave_the_lab_directory_are_refused() {
        let e = build("bad", &SEED.replace("log_prefix = \"E00\"", "log_prefix = \"../../x/E\"")).expect_err("refused");
        assert!(e.message.contains("log prefix"), "{e}");
        let e = build("bad", &SEED.replace("\"NH-W2K3-SRV04\"", "\"/tmp/owned\"")).expect_err("refused");
        assert!(e.message.contains("not a computer name"), "{e}");
        let e = build("bad", &SEED.replace("\"First Storage Group\"", "\"../First\"")).expect_err("refused");
        assert!(e.message.contains("storage group name"), "{e}");
        let e = build("bad", &SEED.replace("log_size_kb = 1024", "log_size_kb = 18446744073709551615"))
            .expect_err("refused");
        assert!(e.message.contains("log_size_kb"), "{e}");
    }

    #[test]
    fn rejects_unknown_keys() {
        let e = build("bad", &SEED.replace("log_size_kb", "log_sise_kb")).expect_err("must be rejected");
        assert!(e.message.contains("log_sise_kb"), "{e}");
    }
}
