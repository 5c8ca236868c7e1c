//! The Windows services of the lab's computers, as their Service Control Managers list them
//! (`Get-Service`), and Exchange 2007's check of the services each installed server role
//! requires (`Test-ServiceHealth`).
//!
//! What a computer has follows from what it is in the estate: every computer runs the Windows
//! Server 2003 base services; a node is a member of a failover cluster (the Cluster service)
//! with the Mailbox role installed; a hub transport server has the Hub Transport role; a domain
//! controller its directory services. Exchange's services are those "Services Installed by
//! Exchange Setup" (aa998342) lists as required (R) for the role, with their short and display
//! names; the role names are the ones Test-ServiceHealth prints (`Mailbox Server Role`).
//!
//! What runs follows from the estate's real state: a powered-off node answers nothing; a node
//! without quorum has lost its Cluster service (W2K3 shuts it down when quorum is lost); a
//! clustered mailbox server's name reaches its active node only while its network name is
//! online. Exchange 2007 runs its services on every node of a cluster, the passive ones
//! included (the cluster resources only bring the clustered mailbox server's instance online),
//! so a moved or stopped clustered mailbox server does not stop a node's services.
//!
//! Must not: keep state of its own. The estate records no service stopped by hand, so none is:
//! stopping or starting a single service is refused by the shell, which names the Exchange
//! operation to run instead (docs/engine.md, "Services").

use super::EngineError;
use super::directory::strip_domain;
use super::estate::Estate;
use crate::api::{self, CmsState};

/// One entry of a Service Control Manager: short name, display name, started automatically.
struct Catalogued {
    name: &'static str,
    display: &'static str,
    automatic: bool,
}

const fn auto(name: &'static str, display: &'static str) -> Catalogued {
    Catalogued { name, display, automatic: true }
}

const fn manual(name: &'static str, display: &'static str) -> Catalogued {
    Catalogued { name, display, automatic: false }
}

/// Windows Server 2003's services every lab computer runs (the few scripts look at).
const WINDOWS: &[Catalogued] = &[
    auto("Dnscache", "DNS Client"),
    auto("Eventlog", "Event Log"),
    auto("LanmanServer", "Server"),
    auto("LanmanWorkstation", "Workstation"),
    auto("Netlogon", "Net Logon"),
    auto("RemoteRegistry", "Remote Registry"),
    auto("RpcSs", "Remote Procedure Call (RPC)"),
    auto("W32Time", "Windows Time"),
    auto("winmgmt", "Windows Management Instrumentation"),
];

/// A domain controller's directory services (Windows Server 2003).
const DOMAIN_CONTROLLER: &[Catalogued] = &[
    auto("DNS", "DNS Server"),
    auto("IsmServ", "Intersite Messaging"),
    auto("kdc", "Kerberos Key Distribution Center"),
    auto("NtFrs", "File Replication Service"),
];

const CLUSTER_SERVICE: Catalogued = auto("ClusSvc", "Cluster Service");

pub const MAILBOX_ROLE: &str = "Mailbox Server Role";
pub const HUB_TRANSPORT_ROLE: &str = "Hub Transport Server Role";

/// The services the Mailbox role requires (aa998342, "R"), all started automatically.
const MAILBOX: &[Catalogued] = &[
    auto("IISAdmin", "IIS Admin Service"),
    auto("MSExchangeADTopology", "Microsoft Exchange Active Directory Topology Service"),
    auto("MSExchangeIS", "Microsoft Exchange Information Store"),
    auto("MSExchangeMailboxAssistants", "Microsoft Exchange Mailbox Assistants"),
    auto("MSExchangeMailSubmission", "Microsoft Exchange Mail Submission"),
    auto("MSExchangeRepl", "Microsoft Exchange Replication Service"),
    auto("MSExchangeSA", "Microsoft Exchange System Attendant"),
    auto("MSExchangeSearch", "Microsoft Exchange Search Indexer"),
    auto("MSExchangeServiceHost", "Microsoft Exchange Service Host"),
    auto("MSExchangeTransportLogSearch", "Microsoft Exchange Transport Log Search"),
    auto("MSFTESQL-Exchange", "Microsoft Search (Exchange)"),
];

/// The services the Hub Transport role requires, all started automatically.
const HUB_TRANSPORT: &[Catalogued] = &[
    auto("MSExchangeADTopology", "Microsoft Exchange Active Directory Topology Service"),
    auto("MSExchangeEdgeSync", "Microsoft Exchange EdgeSync"),
    auto("MSExchangeTransport", "Microsoft Exchange Transport"),
    auto("MSExchangeTransportLogSearch", "Microsoft Exchange Transport Log Search"),
];

/// Installed with every Exchange role, started by hand (Exchange's monitoring runs it on demand).
const MONITORING: Catalogued = manual("MSExchangeMonitoring", "Microsoft Exchange Monitoring");

/// What a name reaches.
enum Computer<'e> {
    Node(&'e str),
    Hub {
        name: &'e str,
        datacenter: &'e str,
    },
    /// The workstation, a domain controller or a file share witness: Windows only, always up.
    Other {
        name: String,
        domain_controller: bool,
    },
}

/// The services of the computer `query.computer` names (its name, FQDN, or the address the
/// topology gives a node, a clustered mailbox server or a hub), as a session on `query.from`
/// (a node; `None`: the workstation) sees them.
pub fn services(estate: &Estate, query: &api::ServicesQuery) -> Result<api::LabServices, EngineError> {
    let from = query.from.as_deref().map(|f| estate.node_name(f));
    let asked = query.computer.trim();
    let asked = if asked == "." || asked.eq_ignore_ascii_case("localhost") || asked.is_empty() {
        from.clone().unwrap_or_else(|| estate.workstation.clone())
    } else {
        asked.to_string()
    };
    let short = strip_domain(estate, &asked).unwrap_or(&asked).to_string();
    let named = |name: &str| name.eq_ignore_ascii_case(&asked) || name.eq_ignore_ascii_case(&short);

    // A clustered mailbox server's name is a cluster network name: it reaches the active node
    // while the clustered mailbox server is online, and nothing otherwise.
    if let Some(cms) = estate.servers.iter().find(|s| named(&s.name) || s.ip == asked) {
        if !matches!(cms.state, CmsState::Online | CmsState::PartiallyOnline) {
            let why = format!(
                "{}'s network name is offline: the clustered mailbox server is {} (Get-ClusteredMailboxServerStatus shows it; Start-ClusteredMailboxServer brings a stopped one online).",
                cms.name,
                cms.state.display_name()
            );
            return Ok(unreachable(&cms.active_node, Some(cms.ip.clone()), why));
        }
        let mut found = answer(estate, Computer::Node(&cms.active_node), from.as_deref());
        found.address = Some(cms.ip.clone());
        return Ok(found);
    }
    if let Some(node) = estate.nodes.iter().find(|n| named(&n.name) || n.ip == asked) {
        return Ok(answer(estate, Computer::Node(&node.name), from.as_deref()));
    }
    if let Some(hub) = estate.hub_transport_servers.iter().find(|h| named(&h.name) || h.ip == asked) {
        return Ok(answer(estate, Computer::Hub { name: &hub.name, datacenter: &hub.datacenter }, from.as_deref()));
    }
    let others = std::iter::once((estate.workstation.clone(), false))
        .chain(estate.domain_controllers.iter().map(|d| (d.clone(), true)))
        .chain(estate.clusters.iter().map(|c| (c.file_share_witness.clone(), false)));
    let all_others: Vec<(String, bool)> = others.filter(|(name, _)| !name.is_empty()).collect();
    if let Some((name, domain_controller)) = all_others.iter().find(|(name, _)| named(name)) {
        let computer = Computer::Other { name: name.clone(), domain_controller: *domain_controller };
        return Ok(answer(estate, computer, from.as_deref()));
    }
    let known = estate
        .servers
        .iter()
        .map(|s| s.name.clone())
        .chain(estate.nodes.iter().map(|n| n.name.clone()))
        .chain(estate.hub_transport_servers.iter().map(|h| h.name.clone()))
        .chain(all_others.into_iter().map(|(name, _)| name));
    Err(super::identity::not_found(estate, "computer", &asked, known))
}

fn unreachable(computer: &str, address: Option<String>, why: String) -> api::LabServices {
    api::LabServices {
        computer: computer.to_string(),
        address,
        unreachable: Some(why),
        services: Vec::new(),
        roles: Vec::new(),
        last_boot_up_time: None,
        domain: String::new(),
    }
}

/// Why a session on `from` cannot reach `computer`, if it cannot.
fn blocked(estate: &Estate, computer: &Computer<'_>, from: Option<&str>) -> Option<String> {
    match computer {
        Computer::Node(node) => {
            if !estate.node_up(node) {
                return Some(format!("{node} is powered off (Start-LabNode powers it on)."));
            }
            let from = from.filter(|f| !f.eq_ignore_ascii_case(node))?;
            (!estate.reachable(from, node))
                .then(|| format!("The network between {from} and {node} is cut (Set-LabNetwork)."))
        }
        Computer::Hub { name, datacenter } => {
            let from = from?;
            let here = estate.datacenter_of(from)?;
            (!here.eq_ignore_ascii_case(datacenter) && estate.cut(here, datacenter)).then(|| {
                format!("The network between {here} and {datacenter}, where {name} is, is cut (Set-LabNetwork).")
            })
        }
        Computer::Other { .. } => None,
    }
}

fn answer(estate: &Estate, computer: Computer<'_>, from: Option<&str>) -> api::LabServices {
    let name = match &computer {
        Computer::Node(n) => (*n).to_string(),
        Computer::Hub { name, .. } => (*name).to_string(),
        Computer::Other { name, .. } => name.clone(),
    };
    let address = match &computer {
        Computer::Node(n) => estate.node(n).map(|n| n.ip.clone()),
        Computer::Hub { name, .. } => {
            estate.hub_transport_servers.iter().find(|h| h.name == *name).map(|h| h.ip.clone())
        }
        Computer::Other { .. } => None,
    };
    if let Some(why) = blocked(estate, &computer, from) {
        return unreachable(&name, address, why);
    }
    let mut services: Vec<api::LabService> = WINDOWS.iter().map(|s| listed(s, true)).collect();
    let mut roles = Vec::new();
    match &computer {
        Computer::Node(node) => {
            // The Cluster service stops when its node loses quorum.
            services.push(listed(&CLUSTER_SERVICE, estate.has_quorum(node)));
            services.extend(MAILBOX.iter().map(|s| listed(s, true)));
            services.push(listed(&MONITORING, false));
            roles.push(health(MAILBOX_ROLE, MAILBOX, &services));
        }
        Computer::Hub { .. } => {
            services.extend(HUB_TRANSPORT.iter().map(|s| listed(s, true)));
            services.push(listed(&MONITORING, false));
            roles.push(health(HUB_TRANSPORT_ROLE, HUB_TRANSPORT, &services));
        }
        Computer::Other { domain_controller, .. } => {
            if *domain_controller {
                services.extend(DOMAIN_CONTROLLER.iter().map(|s| listed(s, true)));
            }
        }
    }
    services.sort_by_key(|s| s.name.to_ascii_lowercase());
    let last_boot_up_time = super::faults::booted_at(estate, &name);
    let domain = estate.domain.clone();
    api::LabServices { computer: name, address, unreachable: None, services, roles, last_boot_up_time, domain }
}

fn listed(service: &Catalogued, running: bool) -> api::LabService {
    api::LabService {
        name: service.name.to_string(),
        display_name: service.display.to_string(),
        running,
        start_type: if service.automatic { "Automatic" } else { "Manual" }.to_string(),
    }
}

/// Test-ServiceHealth's verdict on one role: its required services that start automatically,
/// split by whether they run.
fn health(role: &str, required: &[Catalogued], services: &[api::LabService]) -> api::RoleServiceHealth {
    let (mut running, mut not_running) = (Vec::new(), Vec::new());
    for wanted in required.iter().filter(|s| s.automatic) {
        let up = services.iter().any(|s| s.name == wanted.name && s.running);
        (if up { &mut running } else { &mut not_running }).push(wanted.name.to_string());
    }
    api::RoleServiceHealth {
        role: role.to_string(),
        required_services_running: not_running.is_empty(),
        services_running: running,
        services_not_running: not_running,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::faults;
    use crate::engine::topology::{SEED, build};

    fn ask(e: &Estate, computer: &str, from: Option<&str>) -> api::LabServices {
        let query = api::ServicesQuery { computer: computer.into(), from: from.map(str::to_string) };
        services(e, &query).expect("a lab computer")
    }

    fn running(s: &api::LabServices, name: &str) -> Option<bool> {
        s.services.iter().find(|x| x.name == name).map(|x| x.running)
    }

    #[test]
    fn a_node_runs_the_mailbox_roles_required_services_and_the_cluster_service() {
        let e = build("seed", SEED).expect("seed");
        for node in ["NH-W2K3-SRV03", "NH-W2K3-SRV04", "nh-w2k3-srv01.contoso.local"] {
            let s = ask(&e, node, None);
            assert_eq!(s.unreachable, None);
            for name in ["MSExchangeIS", "MSExchangeRepl", "MSExchangeSA", "MSExchangeADTopology", "ClusSvc"] {
                assert_eq!(running(&s, name), Some(true), "{name} on {node}");
            }
            assert_eq!(running(&s, "MSExchangeMonitoring"), Some(false), "started by hand");
            let [role] = s.roles.as_slice() else { panic!("one role on {node}: {:?}", s.roles) };
            assert_eq!(role.role, "Mailbox Server Role");
            assert!(role.required_services_running && role.services_not_running.is_empty());
            assert_eq!(role.services_running.len(), 11);
            assert!(!role.services_running.iter().any(|n| n == "ClusSvc"), "not an Exchange service");
        }
        let listed = ask(&e, "NH-W2K3-SRV03", None);
        let names: Vec<&str> = listed.services.iter().map(|s| s.name.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_by_key(|n| n.to_ascii_lowercase());
        assert_eq!(names, sorted, "listed by name, as Get-Service lists them");
    }

    #[test]
    fn the_clustered_mailbox_servers_name_reaches_its_active_node_only_while_online() {
        let mut e = build("seed", SEED).expect("seed");
        assert_eq!(ask(&e, "CCREX01", None).computer, "NH-W2K3-SRV03");
        e.servers.iter_mut().for_each(|s| s.state = CmsState::Offline);
        let s = ask(&e, "ccrex01.contoso.local", None);
        assert!(s.unreachable.as_deref().is_some_and(|w| w.contains("network name is offline")), "{s:?}");
        assert!(s.services.is_empty() && s.roles.is_empty());
        assert_eq!(ask(&e, "NH-W2K3-SRV03", None).unreachable, None, "the node itself still answers");
    }

    #[test]
    fn a_powered_off_node_answers_nothing_and_a_node_without_quorum_loses_its_cluster_service() {
        let mut e = build("seed", SEED).expect("seed");
        faults::power(&mut e, "NH-W2K3-SRV03", false).expect("off");
        let off = ask(&e, "NH-W2K3-SRV03", None);
        assert!(off.unreachable.as_deref().is_some_and(|w| w.contains("powered off")), "{off:?}");
        assert_eq!(running(&ask(&e, "NH-W2K3-SRV04", None), "ClusSvc"), Some(true), "peer + witness: quorum");
        faults::set_link(&mut e, "NH-W2K3-SRV04", "NH-W2K3-FSW01", false).expect("cut");
        let alone = ask(&e, "NH-W2K3-SRV04", None);
        assert_eq!(running(&alone, "ClusSvc"), Some(false));
        assert_eq!(running(&alone, "MSExchangeIS"), Some(true), "Exchange's services keep running");
        assert!(alone.roles[0].required_services_running);
    }

    #[test]
    fn a_session_on_a_node_does_not_reach_across_a_cut_link() {
        let mut e = build("seed", SEED).expect("seed");
        faults::set_link(&mut e, "Production", "Backup", false).expect("cut");
        assert!(ask(&e, "NH-W2K3-SRV01", Some("NH-W2K3-SRV03")).unreachable.is_some());
        assert!(ask(&e, "NH-W2K3-HUB02", Some("NH-W2K3-SRV03")).unreachable.is_some());
        assert_eq!(ask(&e, "NH-W2K3-SRV01", None).unreachable, None, "the workstation is not cut off");
        assert_eq!(ask(&e, ".", Some("NH-W2K3-SRV03")).computer, "NH-W2K3-SRV03", "'.' is the session's computer");
        let by_address = ask(&e, "198.51.100.1", None);
        assert_eq!(
            (by_address.computer.as_str(), by_address.address.as_deref()),
            ("NH-W2K3-SRV01", Some("198.51.100.1"))
        );
        assert_eq!(ask(&e, "192.0.2.50", None).computer, "NH-W2K3-SRV03", "the CMS's address reaches its active node");
    }

    #[test]
    fn hubs_workstation_and_domain_controllers_have_their_own_services() {
        let e = build("seed", SEED).expect("seed");
        let hub = ask(&e, "NH-W2K3-HUB01", None);
        assert_eq!(hub.roles[0].role, "Hub Transport Server Role");
        assert_eq!(running(&hub, "MSExchangeTransport"), Some(true));
        assert_eq!(running(&hub, "MSExchangeIS"), None);
        let workstation = ask(&e, "localhost", None);
        assert_eq!(workstation.computer, "NH-W2K3-ADMIN");
        assert!(workstation.roles.is_empty() && running(&workstation, "Eventlog") == Some(true));
        assert_eq!(running(&ask(&e, "NH-W2K3-DC01", None), "kdc"), Some(true));
    }

    #[test]
    fn an_unknown_computer_is_not_found_with_the_known_ones() {
        let e = build("seed", SEED).expect("seed");
        let query = api::ServicesQuery { computer: "EX99".into(), from: None };
        match services(&e, &query) {
            Err(EngineError::NotFound { known, .. }) => {
                assert!(known.contains(&"CCREX01".to_string()) && known.contains(&"NH-W2K3-HUB01".to_string()))
            }
            other => panic!("{other:?}"),
        }
    }
}
