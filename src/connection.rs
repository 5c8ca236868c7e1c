//! How ccrsh reaches a lab, and what the banner says about it.
//!
//! Three ways, one code path (HTTP to the real service): a ccrd named with `--server`; the
//! process that already holds the lab directory — a ccrd, or another ccrsh's embedded service —
//! which publishes its loopback address there (`service::lab::holder`), so a second shell on
//! the same lab attaches to it as a client (the service serialises the changes of both); or,
//! when the lab is free, the service started in this process on it (`service::embedded`), with
//! its estate in the lab's SQLite file or, with `--store etcd://…`, in etcd.
//!
//! The banner names the target and, in one line, how the lab differs from its seed state
//! (where a clustered mailbox server runs, nodes that are off, links cut, copies that are not
//! Healthy, SCR copies), so a tour's promises are not broken by a lab left in another state.
//!
//! Must not: run commands, or read the lab's files other than through `service::lab`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ccrsh::api::{self, routes};
use ccrsh::service::embedded::{self, Embedded, EmbeddedError};
use ccrsh::service::lab::{self, Holder, LabError, TopologySource};
use ccrsh::shell::cli::Options;
use ccrsh::shell::client::Client;

/// How long a second process waits for the holder of a lab to publish where it serves it (it
/// takes the lock first, then opens the lab and starts serving).
const ATTACH_WAIT: Duration = Duration::from_secs(5);

/// What ccrsh is talking to.
pub enum Target {
    /// `--server URL`.
    Remote { url: String },
    /// The service started in this process on the lab directory; it stops when this is dropped.
    Embedded { service: Embedded, dir: PathBuf },
    /// The process that holds the lab directory.
    Attached { holder: Holder, dir: PathBuf },
}

pub struct Connection {
    pub client: Client,
    pub target: Target,
}

/// The lab directory: `--lab`/`CCRSH_LAB`, else the per-user default.
pub fn lab_dir(explicit: Option<&Path>) -> Option<PathBuf> {
    explicit.map(Path::to_path_buf).or_else(|| ccrsh::shell::data_dir().map(|d| d.join("lab")))
}

/// Connects as `options` say.
pub fn connect(options: &Options) -> Result<Connection, String> {
    if let Some(url) = &options.server {
        let client =
            Client::with_ca(url, options.token.clone(), options.ca_cert.as_deref()).map_err(|e| e.to_string())?;
        return Ok(Connection { client, target: Target::Remote { url: url.clone() } });
    }
    let dir = lab_dir(options.lab.as_deref()).ok_or(
        "no lab directory: set --lab DIR or CCRSH_LAB, or HOME so the default (~/.local/share/ccrsh/lab) can be used",
    )?;
    // Where the embedded lab keeps its estate (like --lab, it means nothing with --server).
    let store = match options.store.as_deref() {
        None | Some("sqlite") => None,
        Some(text) => Some(ccrsh::service::store::EtcdUrl::parse(text).map_err(|e| format!("--store: {e}"))?),
    };
    match embedded::start_on(&dir, &TopologySource::Seed, store.as_ref()) {
        Ok(service) => {
            let client = Client::new(&service.url, Some(service.admin_token.clone())).map_err(|e| format!("{e:?}"))?;
            Ok(Connection { client, target: Target::Embedded { service, dir } })
        }
        Err(EmbeddedError::Lab(in_use @ LabError::InUse { .. })) => {
            let holder = wait_for_holder(&dir).ok_or_else(|| in_use.to_string())?;
            let client = Client::new(&holder.url, Some(holder.token.clone())).map_err(|e| format!("{e:?}"))?;
            Ok(Connection { client, target: Target::Attached { holder, dir } })
        }
        Err(e) => Err(e.to_string()),
    }
}

/// The holder of the lab at `dir`, once it has published its address.
fn wait_for_holder(dir: &Path) -> Option<Holder> {
    let deadline = Instant::now() + ATTACH_WAIT;
    loop {
        if let Some(holder) = lab::holder(dir) {
            return Some(holder);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

impl Target {
    /// Waits until an embedded lab is open (at once for the others); `Err` says why it could
    /// not be opened.
    pub fn opened(&mut self) -> Result<(), String> {
        match self {
            Target::Embedded { service, .. } => service.opened(),
            Target::Remote { .. } | Target::Attached { .. } => Ok(()),
        }
    }
}

impl Connection {
    /// The banner's first line after the version: what the shell talks to.
    pub fn describe(&self) -> String {
        match &self.target {
            Target::Remote { url } => format!("ccrd at {url}"),
            Target::Embedded { dir, .. } => format!("lab at {}", dir.display()),
            Target::Attached { holder, dir } => {
                let pid = if holder.pid.is_empty() { String::new() } else { format!(" (pid {})", holder.pid) };
                format!("lab at {}, shared with the process that holds it{pid} at {}", dir.display(), holder.url)
            }
        }
    }
}

/// One line saying how the estate differs from its seed state, or `None` when it does not.
pub fn lab_state(client: &Client) -> Option<String> {
    let mut differences = Vec::new();
    let servers: Vec<api::MailboxServer> = client.get(routes::MAILBOX_SERVERS, &api::IdentityQuery::default()).ok()?;
    let statuses: Vec<api::ClusteredMailboxServerStatus> =
        client.get(routes::CMS_STATUS, &api::IdentityQuery::default()).ok()?;
    for status in &statuses {
        let active =
            status.operational_machines.iter().find_map(|m| m.split_once(" <Active").map(|(node, _)| node.to_string()));
        let preferred = servers
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(&status.identity))
            .and_then(|s| s.redundant_machines.first().cloned());
        match (active, preferred) {
            (Some(active), Some(preferred)) if active.eq_ignore_ascii_case(&preferred) => {}
            (Some(active), _) => differences.push(format!("{} active on {active}", status.identity)),
            (None, _) => differences.push(format!("{} {:?}", status.identity, status.state)),
        }
    }
    let nodes: Vec<api::LabNode> = client.get(routes::LAB_NODES, &()).ok()?;
    let off: Vec<&str> = nodes.iter().filter(|n| !n.powered_on).map(|n| n.name.as_str()).collect();
    if !off.is_empty() {
        differences.push(format!("{} off", off.join(", ")));
    }
    let mut cut: Vec<&str> = nodes.iter().flat_map(|n| n.cut_links.iter().map(String::as_str)).collect();
    cut.sort_unstable();
    cut.dedup();
    if !cut.is_empty() {
        differences.push(format!("{} link(s) cut", cut.len()));
    }
    let copies: Vec<api::StorageGroupCopyStatus> =
        client.get(routes::STORAGE_GROUP_COPY_STATUS, &api::CopyStatusQuery::default()).ok()?;
    for copy in &copies {
        if copy.summary_copy_status != api::CopyStatus::Healthy {
            differences.push(format!("{} copy {:?}", copy.name, copy.summary_copy_status));
        }
    }
    let groups: Vec<api::StorageGroup> = client.get(routes::STORAGE_GROUPS, &api::StoreQuery::default()).ok()?;
    let standby: usize = groups.iter().map(|g| g.standby_machines.len()).sum();
    if standby > 0 {
        differences.push(format!("{standby} SCR copy(ies)"));
    }
    (!differences.is_empty())
        .then(|| format!("The lab is not in its seed state: {}. Reset-Lab starts it over.", differences.join("; ")))
}
