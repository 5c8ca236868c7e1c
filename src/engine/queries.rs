//! Read views of the estate: what the read endpoints return, built from the estate's state.
//!
//! Must not: change the estate. Every function takes `&Estate`.

use super::EngineError;
use super::directory::{self, ObjectKind};
use super::estate::*;
use super::identity::{self, database_identity, storage_group_identity};
use crate::api::{self, CopyStatusQuery, DatabaseKind, IdentityQuery, StoreQuery};

/// Where Exchange 2007 puts a storage group's files by default; the lab keeps these paths.
pub const MAILBOX_ROOT: &str = r"C:\Program Files\Microsoft\Exchange Server\Mailbox";

/// Where Exchange 2007 keeps a hub transport server's queue database and logs.
pub const TRANSPORT_ROOT: &str = r"C:\Program Files\Microsoft\Exchange Server\TransportRoles\data";

/// `Get-TransportServer`: the hub transport servers.
pub fn transport_servers(estate: &Estate, query: &IdentityQuery) -> Result<Vec<api::TransportServer>, EngineError> {
    let all: Vec<api::TransportServer> = estate
        .hub_transport_servers
        .iter()
        .map(|h| api::TransportServer {
            identity: h.name.clone(),
            name: h.name.clone(),
            fqdn: directory::fqdn(estate, &h.name),
            site: directory::site(estate, &h.datacenter),
            directory: directory::plumbing(estate, ObjectKind::Server, &h.name, directory::server_dn(estate, &h.name)),
        })
        .collect();
    select_by_server_identity(estate, all, query.identity.as_deref(), "transport server", |s| &s.name)
}

/// `Get-Mailbox` / `Get-Recipient`: by identity, database or server.
pub fn mailboxes(estate: &Estate, query: &api::MailboxQuery) -> Result<Vec<api::Mailbox>, EngineError> {
    let selected: Vec<&Mailbox> = if let Some(id) = &query.identity {
        identity::mailboxes(estate, id)?
    } else if let Some(db) = &query.database {
        let dbs = identity::databases(estate, db, Some(DatabaseKind::Mailbox))?;
        estate.mailboxes.iter().filter(|m| dbs.iter().any(|d| m.in_database(d))).collect()
    } else if let Some(server) = &query.server {
        let servers = mailbox_server_names(estate, server)?;
        estate.mailboxes.iter().filter(|m| servers.iter().any(|s| s.eq_ignore_ascii_case(&m.server))).collect()
    } else {
        estate.mailboxes.iter().collect()
    };
    Ok(selected.into_iter().map(|m| mailbox_view(estate, m)).collect())
}

/// One mailbox as `Get-Mailbox` shows it.
pub fn mailbox_view(estate: &Estate, m: &Mailbox) -> api::Mailbox {
    let identity = directory::user_identity(estate, &m.name);
    api::Mailbox {
        identity: identity.clone(),
        name: m.name.clone(),
        alias: m.alias.clone(),
        display_name: m.name.clone(),
        primary_smtp_address: format!("{}@{}", m.alias, estate.domain),
        database: format!("{}\\{}\\{}", m.server, m.storage_group, m.database),
        server_name: m.server.to_lowercase(),
        legacy_exchange_dn: directory::mailbox_legacy_dn(estate, &m.alias),
        organizational_unit: format!("{}/Users", estate.domain),
        sam_account_name: m.alias.chars().take(20).collect(),
        user_principal_name: format!("{}@{}", m.alias, estate.domain),
        directory: directory::plumbing(estate, ObjectKind::User, &m.alias, directory::user_dn(estate, &m.name)),
    }
}

/// `Get-Queue`: each hub transport server's Submission queue, and a mailbox delivery queue
/// for each mailbox server it holds mail for. Without `server` or `identity`, every hub's.
pub fn queues(estate: &Estate, query: &api::QueueQuery) -> Result<Vec<api::Queue>, EngineError> {
    let (server, wanted) = match (&query.server, &query.identity) {
        (Some(s), _) => (Some(s.clone()), None),
        (None, Some(id)) => match id.split_once('\\') {
            Some((s, q)) => (Some(s.to_string()), Some(q.to_string())),
            None => (None, Some(id.clone())),
        },
        (None, None) => (None, None),
    };
    let hubs: Vec<&HubTransport> = match &server {
        Some(name) => {
            let form = directory::IdentityForm::parse(name);
            let found: Vec<&HubTransport> = estate
                .hub_transport_servers
                .iter()
                .filter(|h| identity::names_server(estate, &form, &h.name))
                .collect();
            if found.is_empty() {
                return Err(EngineError::Invalid {
                    message: format!(
                        "Failed to connect to the Microsoft Exchange Transport service on computer \"{name}\". Verify that a \
                         valid computer name was used and the Microsoft Exchange Transport service is started."
                    ),
                    hint: format!(
                        "Get-Queue reads a hub transport server's queues: -Server {}.",
                        estate.hub_transport_servers.iter().map(|h| h.name.as_str()).collect::<Vec<_>>().join(" or ")
                    ),
                });
            }
            found
        }
        None => estate.hub_transport_servers.iter().collect(),
    };
    let mut out = Vec::new();
    for hub in hubs {
        out.push(api::Queue {
            identity: format!("{}\\Submission", hub.name),
            delivery_type: "Undefined".into(),
            status: "Ready".into(),
            message_count: 0,
            next_hop_domain: "Submission".into(),
            last_error: None,
            last_retry_time: None,
            next_retry_time: None,
            oldest_message_time: None,
        });
        for (index, server) in estate.servers.iter().enumerate() {
            let held: Vec<&QueuedBatch> = estate
                .queued
                .iter()
                .filter(|q| q.hub.eq_ignore_ascii_case(&hub.name) && q.server.eq_ignore_ascii_case(&server.name))
                .collect();
            let Some(first) = held.first() else { continue };
            out.push(api::Queue {
                identity: format!("{}\\{}", hub.name, index + 2),
                delivery_type: "MapiDelivery".into(),
                status: "Retry".into(),
                message_count: held.iter().map(|q| q.count).sum(),
                next_hop_domain: directory::fqdn(estate, &server.name).to_lowercase(),
                last_error: Some(first.last_error.clone()),
                last_retry_time: held.iter().map(|q| q.queued_at).max(),
                next_retry_time: held.iter().map(|q| q.queued_at).max().map(|t| t + chrono::Duration::minutes(1)),
                oldest_message_time: Some(first.queued_at),
            });
        }
    }
    if let Some(queue) = wanted {
        out.retain(|q| q.identity.rsplit('\\').next().is_some_and(|n| n.eq_ignore_ascii_case(&queue)));
        if out.is_empty() {
            return Err(identity::not_found(
                estate,
                "queue",
                query.identity.as_deref().unwrap_or_default(),
                std::iter::empty(),
            ));
        }
    }
    Ok(out)
}

/// The name of a failover cluster's own group.
pub const CLUSTER_GROUP: &str = "Cluster Group";

/// `Get-ClusteredMailboxServerStatus`. A server none of whose nodes can be reached is the
/// page's error ("could not connect to the cluster"), not an object.
pub fn cms_status(
    estate: &Estate,
    query: &IdentityQuery,
) -> Result<Vec<api::ClusteredMailboxServerStatus>, EngineError> {
    let servers: Vec<&ClusteredMailboxServer> = match &query.identity {
        Some(id) => identity::servers(estate, id)?,
        None => estate.servers.iter().collect(),
    };
    if let Some(down) = servers.iter().find(|s| !s.redundant_machines.iter().any(|m| estate.node_up(m))) {
        return Err(EngineError::Invalid {
            message: format!(
                "The task could not connect to the cluster due to communication issues or cluster unavailability. \
                 None of the nodes of clustered mailbox server '{}' ({}) can be reached.",
                down.name,
                down.redundant_machines.join(", ")
            ),
            hint: "Start a node of the cluster (Get-LabNode shows which are powered off), then ask again.".into(),
        });
    }
    Ok(servers.into_iter().map(|s| status_of(estate, s)).collect())
}

fn status_of(estate: &Estate, server: &ClusteredMailboxServer) -> api::ClusteredMailboxServerStatus {
    let up: Vec<&String> =
        server.redundant_machines.iter().filter(|m| estate.node(m).is_some_and(|n| n.powered_on)).collect();
    let quorum = estate.quorum_owner(&server.cluster);
    let operational = up
        .iter()
        .map(|m| {
            let active = m.eq_ignore_ascii_case(&server.active_node);
            let owner = quorum.is_some_and(|q| q.eq_ignore_ascii_case(m));
            match (active, owner) {
                (true, true) => format!("{m} <Active, Quorum Owner>"),
                (true, false) => format!("{m} <Active>"),
                (false, true) => format!("{m} <Quorum Owner>"),
                (false, false) => m.to_string(),
            }
        })
        .collect();
    let hosts: Vec<String> = up.iter().map(|m| m.to_string()).collect();
    // The page: "Partially Online: one or more resources of the server are not online";
    // FailedResources names databases as StorageGroupName\DatabaseName.
    let failed_resources: Vec<String> = if server.state == api::CmsState::Online {
        estate
            .databases
            .iter()
            .filter(|d| d.server.eq_ignore_ascii_case(&server.name) && !d.mounted)
            .map(|d| format!("{}\\{}", d.storage_group, d.name))
            .collect()
    } else {
        Vec::new()
    };
    let state = if server.state == api::CmsState::Online && !failed_resources.is_empty() {
        api::CmsState::PartiallyOnline
    } else {
        server.state
    };
    api::ClusteredMailboxServerStatus {
        identity: server.name.clone(),
        clustered_mailbox_server_name: directory::fqdn(estate, &server.name),
        state,
        operational_machines: operational,
        failed_resources,
        operational_replication_host_names: hosts.clone(),
        failed_replication_host_names: Vec::new(),
        in_use_replication_host_names: hosts,
        is_valid: true,
    }
}

/// The failover clusters as the cluster tools see them: nodes, the group of each clustered
/// mailbox server (named after it), and its resources.
pub fn failover_clusters(estate: &Estate, query: &api::ClusterQuery) -> Result<api::FailoverClusters, EngineError> {
    let wanted = match &query.cluster {
        Some(name) => vec![estate.cluster(name).ok_or_else(|| {
            identity::not_found(estate, "cluster", name, estate.clusters.iter().map(|c| c.name.clone()))
        })?],
        None => estate.clusters.iter().collect(),
    };
    let mut views = api::FailoverClusters::default();
    for cluster in wanted {
        let in_cluster = |c: &str| c.eq_ignore_ascii_case(&cluster.name);
        for (id, node) in estate.nodes.iter().filter(|n| in_cluster(&n.cluster)).enumerate() {
            views.nodes.push(api::ClusterNode {
                name: node.name.clone(),
                cluster: cluster.name.clone(),
                id: u32::try_from(id + 1).unwrap_or(u32::MAX),
                state: if node.powered_on { "Up".into() } else { "Down".into() },
            });
        }
        // The cluster's own group: its name, address and the Majority Node Set quorum (with
        // the file share witness), owned by the quorum owner.
        let owner = estate.quorum_owner(&cluster.name);
        let core_state = if owner.is_some_and(|o| estate.has_quorum(o)) { "Online" } else { "Offline" };
        views.groups.push(api::ClusterGroup {
            name: CLUSTER_GROUP.into(),
            cluster: cluster.name.clone(),
            owner_node: owner.unwrap_or_default().to_string(),
            state: core_state.into(),
        });
        for (name, kind) in [
            ("Cluster IP Address", "IP Address"),
            ("Cluster Name", "Network Name"),
            ("Majority Node Set", "Majority Node Set"),
        ] {
            views.resources.push(api::ClusterResource {
                name: name.into(),
                cluster: cluster.name.clone(),
                owner_group: CLUSTER_GROUP.into(),
                resource_type: kind.into(),
                state: core_state.into(),
            });
        }
        for server in estate.servers.iter().filter(|s| in_cluster(&s.cluster)) {
            let state = match server.state {
                crate::api::CmsState::Online => "Online",
                crate::api::CmsState::Failed => "Failed",
                _ => "Offline",
            };
            views.groups.push(api::ClusterGroup {
                name: server.name.clone(),
                cluster: cluster.name.clone(),
                owner_node: server.active_node.clone(),
                state: state.into(),
            });
            let resource = |name: String, kind: &str, state: &str| api::ClusterResource {
                name,
                cluster: cluster.name.clone(),
                owner_group: server.name.clone(),
                resource_type: kind.into(),
                state: state.into(),
            };
            views.resources.push(resource(format!("IP Address ({})", server.ip), "IP Address", state));
            views.resources.push(resource(format!("Network Name ({})", server.name), "Network Name", state));
            views.resources.push(resource(
                format!("Exchange Information Store Instance ({})", server.name),
                "Microsoft Exchange Information Store",
                state,
            ));
            views.resources.push(resource(
                format!("Exchange System Attendant Instance ({})", server.name),
                "Microsoft Exchange System Attendant",
                state,
            ));
            for db in estate.storage_groups_of(&server.name).flat_map(|sg| estate.databases_of(sg)) {
                let mounted = db.mounted && server.state == crate::api::CmsState::Online;
                views.resources.push(resource(
                    format!("{}/{} ({})", db.storage_group, db.name, server.name),
                    "Microsoft Exchange Database Instance",
                    if mounted { "Online" } else { "Offline" },
                ));
            }
        }
    }
    Ok(views)
}

/// `Get-LabNode`: every node with its power, its active servers and its cut links.
pub fn lab_nodes(estate: &Estate) -> Vec<api::LabNode> {
    estate
        .nodes
        .iter()
        .map(|n| api::LabNode {
            name: n.name.clone(),
            cluster: n.cluster.clone(),
            datacenter: estate.datacenter_of(&n.name).unwrap_or_default().to_string(),
            ip_address: n.ip.clone(),
            powered_on: n.powered_on,
            active_servers: estate
                .servers
                .iter()
                .filter(|s| s.active_node.eq_ignore_ascii_case(&n.name))
                .map(|s| s.name.clone())
                .collect(),
            // Links cut at this node, or at its datacenter.
            cut_links: {
                let datacenter = estate.datacenter_of(&n.name).unwrap_or_default();
                let here = |end: &str| end.eq_ignore_ascii_case(&n.name) || end.eq_ignore_ascii_case(datacenter);
                estate
                    .network_cuts
                    .iter()
                    .filter_map(|(a, b)| {
                        if here(a) {
                            Some(b.clone())
                        } else if here(b) {
                            Some(a.clone())
                        } else {
                            None
                        }
                    })
                    .collect()
            },
        })
        .collect()
}

/// `Get-MailboxServer`: every CMS, and every node whose cluster holds no CMS (a standby node,
/// a valid SCR target).
pub fn mailbox_servers(estate: &Estate, query: &IdentityQuery) -> Result<Vec<api::MailboxServer>, EngineError> {
    let server = |name: &str, storage: api::ClusteredStorageType| api::MailboxServer {
        identity: name.to_string(),
        name: name.to_string(),
        fqdn: directory::fqdn(estate, name),
        clustered_storage_type: storage,
        redundant_machines: Vec::new(),
        auto_database_mount_dial: api::AutoDatabaseMountDial::BestAvailability,
        forced_database_mount_after: None,
        data_path: MAILBOX_ROOT.into(),
        exchange_legacy_dn: directory::server_legacy_dn(estate, name),
        admin_display_version: directory::SP1_VERSION.into(),
        directory: directory::plumbing(estate, ObjectKind::Server, name, directory::server_dn(estate, name)),
        is_valid: true,
    };
    let mut all: Vec<api::MailboxServer> = estate
        .servers
        .iter()
        .map(|s| api::MailboxServer {
            redundant_machines: s.redundant_machines.clone(),
            auto_database_mount_dial: s.auto_database_mount_dial,
            forced_database_mount_after: s.forced_database_mount_after.clone(),
            ..server(&s.name, api::ClusteredStorageType::NonShared)
        })
        .collect();
    all.extend(standby_nodes(estate).map(|n| server(&n.name, api::ClusteredStorageType::Disabled)));
    select_by_server_identity(estate, all, query.identity.as_deref(), "mailbox server", |s| &s.name)
}

/// The nodes whose cluster holds no clustered mailbox server: mailbox servers in their own
/// right (SCR targets).
fn standby_nodes(estate: &Estate) -> impl Iterator<Item = &Node> {
    estate.nodes.iter().filter(|n| !estate.cluster_hosts_cms(&n.cluster))
}

/// The mailbox servers `identity` names: clustered mailbox servers and the standby nodes (a
/// standby node is a mailbox server that holds no storage group of its own, so `-Server` on it
/// selects nothing rather than failing, as Exchange answers for a server without any).
fn mailbox_server_names(estate: &Estate, identity: &str) -> Result<Vec<String>, EngineError> {
    let all: Vec<String> =
        estate.servers.iter().map(|s| s.name.clone()).chain(standby_nodes(estate).map(|n| n.name.clone())).collect();
    select_by_server_identity(estate, all, Some(identity), "mailbox server", |name| name)
}

/// The items whose server name `identity` names (all of them without one).
fn select_by_server_identity<T>(
    estate: &Estate,
    all: Vec<T>,
    identity: Option<&str>,
    kind: &'static str,
    name: fn(&T) -> &String,
) -> Result<Vec<T>, EngineError> {
    let Some(id) = identity else { return Ok(all) };
    let form = directory::IdentityForm::parse(id);
    let known: Vec<String> = all.iter().map(|s| name(s).clone()).collect();
    let found: Vec<T> = all.into_iter().filter(|s| identity::names_server(estate, &form, name(s))).collect();
    if found.is_empty() {
        return Err(identity::not_found(estate, kind, id, known.into_iter()));
    }
    Ok(found)
}

/// `Get-ExchangeServer`: the clustered mailbox servers, the standby nodes (mailbox servers of
/// their own) and the hub transport servers.
pub fn exchange_servers(estate: &Estate, query: &IdentityQuery) -> Result<Vec<api::ExchangeServer>, EngineError> {
    let server = |name: &str, roles: Vec<api::ServerRole>, datacenter: &str, clustered: bool| api::ExchangeServer {
        identity: name.to_string(),
        name: name.to_string(),
        fqdn: directory::fqdn(estate, name),
        domain: estate.domain.clone(),
        server_role: roles,
        edition: if clustered { "Enterprise".into() } else { "Standard".into() },
        is_member_of_cluster: clustered,
        admin_display_version: directory::SP1_VERSION.into(),
        site: directory::site(estate, datacenter),
        data_path: MAILBOX_ROOT.into(),
        exchange_legacy_dn: directory::server_legacy_dn(estate, name),
        directory: directory::plumbing(estate, ObjectKind::Server, name, directory::server_dn(estate, name)),
        is_valid: true,
    };
    let datacenter_of_cluster =
        |cluster: &str| estate.cluster(cluster).map(|c| c.datacenter.clone()).unwrap_or_default();
    let mut all: Vec<api::ExchangeServer> = estate
        .servers
        .iter()
        .map(|s| server(&s.name, vec![api::ServerRole::Mailbox], &datacenter_of_cluster(&s.cluster), true))
        .collect();
    all.extend(
        standby_nodes(estate)
            .map(|n| server(&n.name, vec![api::ServerRole::Mailbox], &datacenter_of_cluster(&n.cluster), true)),
    );
    all.extend(estate.hub_transport_servers.iter().map(|h| api::ExchangeServer {
        data_path: TRANSPORT_ROOT.into(),
        ..server(&h.name, vec![api::ServerRole::HubTransport], &h.datacenter, false)
    }));
    select_by_server_identity(estate, all, query.identity.as_deref(), "Exchange server", |s| &s.name)
}

/// `Get-StorageGroup`.
pub fn storage_groups(estate: &Estate, query: &StoreQuery) -> Result<Vec<api::StorageGroup>, EngineError> {
    let groups = select_storage_groups(estate, query)?;
    Ok(groups.into_iter().map(|sg| storage_group_view(estate, sg)).collect())
}

fn storage_group_view(estate: &Estate, sg: &StorageGroup) -> api::StorageGroup {
    let copies: Vec<&StorageGroupCopy> = estate.copies_of(sg).collect();
    let replicated = if copies.iter().any(|c| c.kind == CopyKind::ClusterContinuous) {
        api::ReplicationType::Cluster
    } else {
        api::ReplicationType::None
    };
    let standby_machines = copies
        .iter()
        .filter_map(|c| match c.kind {
            CopyKind::StandbyContinuous { replay_lag_seconds, truncation_lag_seconds } => Some(api::StandbyMachine {
                node_name: c.node.clone(),
                replay_lag_time: format_lag(replay_lag_seconds),
                truncation_lag_time: format_lag(truncation_lag_seconds),
            }),
            CopyKind::ClusterContinuous => None,
        })
        .collect();
    let id = storage_group_identity(sg);
    api::StorageGroup {
        identity: storage_group_identity(sg),
        name: sg.name.clone(),
        server: sg.server.clone(),
        log_file_prefix: sg.log_prefix.clone(),
        log_folder_path: super::paths::log_folder_path(sg),
        system_folder_path: super::paths::system_folder_path(sg),
        replicated,
        recovery: false,
        has_local_copy: false,
        circular_logging_enabled: false,
        standby_machines,
        log_file_size: estate.log_size_bytes / 1024,
        directory: directory::plumbing(
            estate,
            ObjectKind::StorageGroup,
            &id,
            directory::storage_group_dn(estate, &sg.server, &sg.name),
        ),
        is_valid: true,
    }
}

/// `d.hh:mm:ss`, as Exchange prints a lag time.
pub fn format_lag(seconds: u64) -> String {
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let time = format!("{:02}:{:02}:{:02}", rest / 3600, rest % 3600 / 60, rest % 60);
    if days > 0 { format!("{days}.{time}") } else { time }
}

/// The storage groups a store query selects: by identity, by server, or all.
fn select_storage_groups<'e>(estate: &'e Estate, query: &StoreQuery) -> Result<Vec<&'e StorageGroup>, EngineError> {
    match (&query.identity, &query.server) {
        (Some(_), Some(_)) => Err(exclusive("Identity", "Server")),
        (Some(id), None) => identity::storage_groups(estate, id),
        (None, Some(server)) => {
            let servers = mailbox_server_names(estate, server)?;
            Ok(estate.storage_groups.iter().filter(|sg| servers.contains(&sg.server)).collect())
        }
        (None, None) => Ok(estate.storage_groups.iter().collect()),
    }
}

fn exclusive(a: &str, b: &str) -> EngineError {
    EngineError::Invalid {
        message: format!("The parameters {a} and {b} cannot be used together."),
        hint: format!("Give either {a} or {b}."),
    }
}

/// `Get-MailboxDatabase` / `Get-PublicFolderDatabase`.
pub fn databases(estate: &Estate, kind: DatabaseKind, query: &StoreQuery) -> Result<Vec<api::Database>, EngineError> {
    let given = [query.identity.is_some(), query.server.is_some(), query.storage_group.is_some()];
    if given.iter().filter(|g| **g).count() > 1 {
        return Err(EngineError::Invalid {
            message: "Only one of the parameters Identity, Server and StorageGroup can be used.".into(),
            hint: "Give one of Identity, Server or StorageGroup.".into(),
        });
    }
    let selected: Vec<&Database> = if let Some(id) = &query.identity {
        identity::databases(estate, id, Some(kind))?
    } else if let Some(server) = &query.server {
        let servers = mailbox_server_names(estate, server)?;
        estate.databases.iter().filter(|d| d.kind == kind && servers.contains(&d.server)).collect()
    } else if let Some(sg) = &query.storage_group {
        let groups = identity::storage_groups(estate, sg)?;
        estate
            .databases
            .iter()
            .filter(|d| d.kind == kind && groups.iter().any(|g| g.server == d.server && g.name == d.storage_group))
            .collect()
    } else {
        estate.databases.iter().filter(|d| d.kind == kind).collect()
    };
    Ok(selected
        .into_iter()
        .map(|db| {
            let running = estate
                .server(&db.server)
                .is_some_and(|s| s.state == crate::api::CmsState::Online && estate.node_up(&s.active_node));
            database_view(estate, db, query.status, running)
        })
        .collect())
}

/// The API view of a database; `status` fills in Mounted, as `-Status` does.
/// One database as `Get-MailboxDatabase` shows it; `running` says whether its server is
/// online on a running node (a stopped server's databases are not mounted, though they mount
/// again when it starts).
pub fn database_view(estate: &Estate, db: &Database, status: bool, running: bool) -> api::Database {
    let id = database_identity(db);
    let kind = match db.kind {
        DatabaseKind::Mailbox => ObjectKind::MailboxDatabase,
        DatabaseKind::PublicFolder => ObjectKind::PublicFolderDatabase,
    };
    api::Database {
        identity: database_identity(db),
        name: db.name.clone(),
        server: db.server.clone(),
        storage_group: format!("{}\\{}", db.server, db.storage_group),
        storage_group_name: db.storage_group.clone(),
        edb_file_path: super::paths::edb_file_path(db),
        mounted: status.then_some(db.mounted && running),
        recovery: false,
        allow_file_restore: db.allow_file_restore,
        mount_at_startup: !db.no_mount_at_startup,
        exchange_legacy_dn: format!(
            "{}/cn=InformationStore/cn={}/cn={}",
            directory::server_legacy_dn(estate, &db.server),
            db.storage_group,
            db.name
        ),
        administrative_group: directory::ADMIN_GROUP.into(),
        organization: estate.organization.clone(),
        directory: directory::plumbing(
            estate,
            kind,
            &id,
            directory::database_dn(estate, &db.server, &db.storage_group, &db.name),
        ),
        is_valid: true,
    }
}

/// `Get-StorageGroupCopyStatus`: the CCR copy of each selected storage group, or with
/// `standby_machine` its SCR copy on that node.
pub fn copy_status(estate: &Estate, query: &CopyStatusQuery) -> Result<Vec<api::StorageGroupCopyStatus>, EngineError> {
    let store_query =
        StoreQuery { identity: query.identity.clone(), server: query.server.clone(), ..Default::default() };
    let groups = select_storage_groups(estate, &store_query)?;
    let standby = match &query.standby_machine {
        Some(name) => Some(estate.node(name).ok_or_else(|| {
            identity::not_found(estate, "standby machine", name, estate.nodes.iter().map(|n| n.name.clone()))
        })?),
        None => None,
    };
    let mut entries = Vec::new();
    for sg in groups {
        let copy = estate.copies_of(sg).find(|c| match standby {
            Some(node) => {
                matches!(c.kind, CopyKind::StandbyContinuous { .. }) && c.node.eq_ignore_ascii_case(&node.name)
            }
            None => c.kind == CopyKind::ClusterContinuous,
        });
        match copy {
            Some(copy) => entries.push(copy_entry(estate, sg, copy)),
            // Asked for one storage group's SCR copy on a node that has none.
            None if standby.is_some()
                && query.identity.as_deref().is_some_and(|id| !directory::IdentityForm::parse(id).is_wildcard()) =>
            {
                return Err(EngineError::Invalid {
                    message: format!(
                        "Standby continuous replication is not enabled for storage group '{}' on '{}'.",
                        storage_group_identity(sg),
                        standby.map_or("", |n| n.name.as_str())
                    ),
                    hint: "Enable-StorageGroupCopy -StandbyMachine creates an SCR copy; Get-StorageGroup \
                           lists each group's StandbyMachines."
                        .into(),
                });
            }
            None if standby.is_none() => entries.push(not_configured(sg)),
            None => {}
        }
    }
    Ok(entries)
}

/// Every copy of every storage group, CCR and SCR, each as `Get-StorageGroupCopyStatus`
/// reports it (ccrd's metrics and status page show them all at once).
pub fn every_copy_status(estate: &Estate) -> Vec<(&StorageGroup, &StorageGroupCopy, api::StorageGroupCopyStatus)> {
    estate
        .storage_groups
        .iter()
        .flat_map(|sg| estate.copies_of(sg).map(move |copy| (sg, copy, copy_entry(estate, sg, copy))))
        .collect()
}

fn copy_entry(estate: &Estate, sg: &StorageGroup, copy: &StorageGroupCopy) -> api::StorageGroupCopyStatus {
    let scr = matches!(copy.kind, CopyKind::StandbyContinuous { .. });
    // The Replication service of a powered-off node cannot answer.
    let status = if estate.node_up(&copy.node) { copy.status } else { api::CopyStatus::ServiceDown };
    api::StorageGroupCopyStatus {
        identity: storage_group_identity(sg),
        name: sg.name.clone(),
        storage_group_name: sg.name.clone(),
        summary_copy_status: status,
        ccr_target_node: (!scr).then(|| copy.node.clone()),
        standby_machine: scr.then(|| copy.node.clone()),
        failed: copy.status == api::CopyStatus::Failed,
        failed_message: copy.failed_message.clone(),
        seeding: copy.status == api::CopyStatus::Seeding,
        suspend: copy.status == api::CopyStatus::Suspended,
        suspend_comment: copy.suspend_comment.clone(),
        copy_queue_length: sg.last_log_generated.saturating_sub(copy.last_log_inspected),
        replay_queue_length: copy.last_log_inspected.saturating_sub(copy.last_log_replayed),
        latest_available_log_time: sg.last_log_generated_at,
        last_copied_log_time: copy.last_copied_at,
        last_inspected_log_time: copy.last_inspected_at,
        last_replayed_log_time: copy.last_replayed_at,
        last_log_generated: sg.last_log_generated,
        last_log_copied: copy.last_log_copied,
        last_log_inspected: copy.last_log_inspected,
        last_log_replayed: copy.last_log_replayed,
        dumpster_statistics: None,
        is_valid: true,
    }
}

/// A storage group with no CCR copy reports `NotConfigured`.
fn not_configured(sg: &StorageGroup) -> api::StorageGroupCopyStatus {
    api::StorageGroupCopyStatus {
        identity: storage_group_identity(sg),
        name: sg.name.clone(),
        storage_group_name: sg.name.clone(),
        summary_copy_status: api::CopyStatus::NotConfigured,
        ccr_target_node: None,
        standby_machine: None,
        failed: false,
        failed_message: None,
        seeding: false,
        suspend: false,
        suspend_comment: None,
        copy_queue_length: 0,
        replay_queue_length: 0,
        latest_available_log_time: sg.last_log_generated_at,
        last_copied_log_time: None,
        last_inspected_log_time: None,
        last_replayed_log_time: None,
        last_log_generated: sg.last_log_generated,
        last_log_copied: 0,
        last_log_inspected: 0,
        last_log_replayed: 0,
        dumpster_statistics: None,
        is_valid: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::topology::{SEED, build};

    fn seed() -> Estate {
        build("seed", SEED).expect("seed builds")
    }

    #[test]
    fn cms_status_shows_the_active_node_first_and_marked() {
        let status = cms_status(&seed(), &IdentityQuery { identity: Some("ccrex01".into()) }).expect("found");
        assert_eq!(status[0].state, api::CmsState::Online);
        assert_eq!(
            status[0].operational_machines,
            vec!["NH-W2K3-SRV03 <Active, Quorum Owner>".to_string(), "NH-W2K3-SRV04".to_string()]
        );
    }

    #[test]
    fn copy_status_reports_queues_from_generations() {
        let mut e = seed();
        e.storage_groups[0].last_log_generated = 10;
        e.copies[0].last_log_inspected = 7;
        e.copies[0].last_log_replayed = 5;
        let q = CopyStatusQuery { identity: Some("CCREX01\\First Storage Group".into()), ..Default::default() };
        let entry = &copy_status(&e, &q).expect("found")[0];
        assert_eq!((entry.copy_queue_length, entry.replay_queue_length), (3, 2));
        assert_eq!(entry.ccr_target_node.as_deref(), Some("NH-W2K3-SRV04"));
    }

    #[test]
    fn copy_status_of_a_missing_scr_copy_says_how_to_make_one() {
        let q = CopyStatusQuery {
            identity: Some("First Storage Group".into()),
            standby_machine: Some("NH-W2K3-SRV01".into()),
            ..Default::default()
        };
        match copy_status(&seed(), &q) {
            Err(EngineError::Invalid { message, hint }) => {
                assert!(message.contains("not enabled"), "{message}");
                assert!(hint.contains("Enable-StorageGroupCopy"), "{hint}");
            }
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn mailbox_servers_are_the_cms_and_the_standby_nodes() {
        let names: Vec<String> =
            mailbox_servers(&seed(), &IdentityQuery::default()).expect("listed").into_iter().map(|s| s.name).collect();
        assert_eq!(names, ["CCREX01", "NH-W2K3-SRV01", "NH-W2K3-SRV05"]);
    }

    #[test]
    fn databases_filter_by_kind_and_report_mounts_only_with_status() {
        let e = seed();
        let plain = databases(&e, DatabaseKind::Mailbox, &StoreQuery::default()).expect("listed");
        assert_eq!(plain.len(), 1);
        assert_eq!(plain[0].mounted, None);
        let with_status = StoreQuery { status: true, ..Default::default() };
        let pf = databases(&e, DatabaseKind::PublicFolder, &with_status).expect("listed");
        assert_eq!((pf[0].name.as_str(), pf[0].mounted), ("Public Folder Database", Some(true)));
        assert_eq!(format_lag(86_400 + 3_661), "1.01:01:01");
    }
}
