//! The lab (game day, docs/GUIDE.md): `Get-LabNode`, `Stop-LabNode`, `Start-LabNode`,
//! `Send-LabMail`, `Wait-LabReplication`, `Get-LabMailStatistics`, and the whole-lab
//! `Reset-Lab`, `Export-Lab`, `Import-Lab`.
//!
//! Must not: reach the lab's files; everything goes through ccrd's lab endpoints. The files
//! these cmdlets name (-Path, -Topology FILE) are on the shell's machine: read or written here,
//! their bytes sent or received; ccrd never sees the path.

use super::change::{self, Change};
use super::{Context, client_error};
use crate::api::{self, routes};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::value::{Record, Value};

const NODE_TYPE: &str = "ccrsh.LabNode";
const DELIVERY_TYPE: &str = "ccrsh.LabDelivery";
const LEDGER_TYPE: &str = "ccrsh.LabMailStatistics";

pub fn get_lab_node(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let nodes: Vec<api::LabNode> = cx.client.get(routes::LAB_NODES, &()).map_err(client_error)?;
    let wanted = call.string("Identity");
    Ok(nodes
        .into_iter()
        .filter(|n| wanted.as_deref().is_none_or(|w| crate::shell::wildcard::Wildcard::new(w).is_match(&n.name)))
        .map(|n| {
            Record::new(NODE_TYPE)
                .with("Name", n.name)
                .with("PowerState", if n.powered_on { "On" } else { "Off" })
                .with("Cluster", n.cluster)
                .with("Datacenter", n.datacenter)
                .with("IPAddress", n.ip_address)
                .with("ActiveServers", n.active_servers)
                .with("CutLinks", n.cut_links)
                .into()
        })
        .collect())
}

/// `Stop-LabNode` (`-Crash` for a crash) and `Start-LabNode`.
pub fn stop_lab_node(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    power(call, cx, routes::LAB_NODE_STOP)
}

pub fn start_lab_node(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    power(call, cx, routes::LAB_NODE_START)
}

fn power(call: &Invocation<'_>, cx: &mut Context<'_>, route: &str) -> Result<Vec<Value>, ErrorRecord> {
    let identity = call.string("Identity").unwrap_or_default();
    let request = |dry_run| api::NodePowerRequest {
        identity: identity.clone(),
        crash: call.switch("Crash"),
        dry_run,
        expected_version: None,
    };
    let change = Change::simple(&identity, &request);
    change::run(call, cx, route, &change)
}

/// `Send-LabMail`: delivers messages and returns what was accepted.
pub fn send_lab_mail(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let request = api::SendMailRequest {
        database: call.string("Database").unwrap_or_default(),
        count: u32::try_from(call.int("Count").unwrap_or(1)).unwrap_or(1),
        size_kb: u32::try_from(call.int("SizeKB").unwrap_or(10)).unwrap_or(10),
        dry_run: false,
        expected_version: None,
        recipient: call.string("Recipient"),
    };
    let target = request.recipient.clone().unwrap_or_else(|| request.database.clone());
    if !change::should_process(call, cx, &target, false)? {
        return Ok(Vec::new());
    }
    let result: api::SendMailResult = cx.client.post(routes::LAB_MAIL, &request).map_err(client_error)?;
    let (first, last) = (result.accepted.first().copied(), result.accepted.last().copied());
    Ok(vec![
        Record::new(DELIVERY_TYPE)
            .with("Database", result.database)
            .with("Accepted", result.accepted.len() as u64)
            .with("FirstId", first)
            .with("LastId", last)
            .with("LastLogGenerated", result.last_log_generated)
            .with("Queued", result.queued_on)
            .into(),
    ])
}

/// `Wait-LabReplication [-Timeout]`: returns once every copy that can catch up has, or fails
/// naming the copies still behind.
pub fn wait_lab_replication(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let timeout_ms = change::seconds(call, "Timeout").map(|s| s.max(1) * 1000);
    let result: api::SettleResult =
        cx.client.post(routes::LAB_SETTLE, &api::SettleRequest { timeout_ms }).map_err(client_error)?;
    if !result.settled {
        return Err(ErrorRecord::new(
            "ReplicationNotSettled",
            "OperationTimeout",
            format!(
                "Replication did not catch up in {} ms; still behind: {}.",
                result.elapsed_ms,
                result.behind.join(", ")
            ),
        )
        .with_hint("Get-StorageGroupCopyStatus shows the queues; give a longer -Timeout."));
    }
    cx.verbose.push(format!("Replication caught up in {} ms.", result.elapsed_ms));
    Ok(Vec::new())
}

/// `Get-LabMailStatistics -Database`: the loss ledger.
pub fn get_lab_mail_statistics(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let query = api::MailStatisticsQuery { identity: call.string("Database"), verify: call.switch("Verify") };
    let ledger: api::MailStatistics = cx.client.get(routes::LAB_MAIL_STATISTICS, &query).map_err(client_error)?;
    Ok(vec![
        Record::new(LEDGER_TYPE)
            .with("Database", ledger.database)
            .with("Accepted", ledger.accepted)
            .with("Present", ledger.present)
            .with("Lost", ledger.lost)
            .with("Unavailable", ledger.unavailable)
            .with("Resent", ledger.resent)
            .with("LostIds", ledger.lost_ids)
            .into(),
    ])
}

/// `Set-LabNetwork -Between A,B | -Datacenter X,Y -State Up|Down`.
pub fn set_lab_network(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let ends = call.strings("Between").or_else(|| call.strings("Datacenter")).unwrap_or_default();
    let [a, b] = <[String; 2]>::try_from(ends.clone()).map_err(|_| {
        ErrorRecord::new(
            "InvalidLinkEnds",
            "InvalidArgument",
            format!("A link has two ends; {} were given ({}).", ends.len(), ends.join(", ")),
        )
        .with_hint(
            "Name two nodes (-Between NH-W2K3-SRV03,NH-W2K3-SRV04) or two datacenters (-Datacenter Production,Backup).",
        )
    })?;
    let state = if call.string("State").is_some_and(|s| s.eq_ignore_ascii_case("Up")) {
        api::LinkState::Up
    } else {
        api::LinkState::Down
    };
    let target = format!("{a} <-> {b}");
    let request =
        |dry_run| api::NetworkRequest { between: [a.clone(), b.clone()], state, dry_run, expected_version: None };
    let change = Change::simple(&target, &request);
    change::run(call, cx, routes::LAB_NETWORK, &change)
}

/// `Set-LabFault -Kind CorruptLog -Server NODE -StorageGroup ID`.
pub fn set_lab_fault(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let request = api::FaultRequest {
        kind: api::FaultKind::CorruptLog,
        server: call.string("Server").unwrap_or_default(),
        storage_group: call.string("StorageGroup").unwrap_or_default(),
        dry_run: false,
        expected_version: None,
    };
    lab_call(call, cx, routes::LAB_FAULT, &request, &format!("{}\\{}", request.server, request.storage_group))
}

/// `Set-LabClock -Advance TIMESPAN`.
pub fn set_lab_clock(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let request = api::ClockRequest {
        advance_seconds: change::seconds(call, "Advance").unwrap_or(0),
        dry_run: false,
        expected_version: None,
    };
    lab_call(call, cx, routes::LAB_CLOCK, &request, "lab clock")
}

/// A lab change without a dry run: ShouldProcess, then the call.
fn lab_call<B: serde::Serialize>(
    call: &Invocation<'_>,
    cx: &mut Context<'_>,
    route: &str,
    body: &B,
    target: &str,
) -> Result<Vec<Value>, ErrorRecord> {
    if !change::should_process(call, cx, target, false)? {
        return Ok(Vec::new());
    }
    let result: api::OperationResult = cx.client.change(route, body).map_err(client_error)?;
    cx.warnings.extend(result.warnings);
    cx.verbose.extend(result.notes);
    Ok(Vec::new())
}

/// `Reset-Lab [-Topology seed|FILE]`: FILE is read here, on the shell's machine, and its text
/// sent; ccrd opens no file a caller names.
pub fn reset_lab(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let topology = call.string("Topology").filter(|t| !t.eq_ignore_ascii_case("seed"));
    let target = topology.as_deref().map_or_else(|| "seed".to_string(), absolute);
    if !change::should_process(call, cx, &target, false)? {
        return Ok(Vec::new());
    }
    let request = match &topology {
        None => api::ResetRequest::default(),
        Some(path) => {
            let bytes = read_local(path, api::TOPOLOGY_LIMIT_BYTES, "Topology")?;
            let text = String::from_utf8(bytes).map_err(|_| {
                ErrorRecord::new("InvalidTopology", "InvalidData", format!("The file '{target}' is not UTF-8 text."))
                    .with_hint("A topology is a TOML file (see topologies/seed.toml).")
            })?;
            let name = std::path::Path::new(path).file_name().map(|n| n.to_string_lossy().into_owned());
            api::ResetRequest { topology: name, topology_text: Some(text), ..Default::default() }
        }
    };
    let result: api::LabResult = cx.client.post(routes::LAB_RESET, &request).map_err(client_error)?;
    Ok(vec![lab_result(result, None)])
}

/// `Export-Lab -Path FILE [-Force]`: ccrd sends the snapshot; the shell checks it and writes
/// FILE on its own machine, never replacing an existing file without -Force.
pub fn export_lab(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let path = absolute(&call.string("Path").unwrap_or_default());
    let force = call.switch("Force");
    if !change::should_process_here(call, cx, &path, false)? {
        return Ok(Vec::new());
    }
    let download = cx
        .client
        .download(routes::LAB_EXPORT, &[api::headers::ESTATE_VERSION, api::headers::TOPOLOGY])
        .map_err(client_error)?;
    let files = api::snapshot::decode(&download.bytes)
        .map_err(|e| {
            ErrorRecord::new("SnapshotDamaged", "InvalidData", format!("The snapshot ccrd sent is damaged: {e}."))
                .with_hint("Run Export-Lab again; nothing was written.")
        })?
        .iter()
        .filter(|(name, _)| name.starts_with("files/"))
        .count() as u64;
    crate::shell::file_output::write_new(std::path::Path::new(&path), &download.bytes, force)?;
    let result = api::LabResult {
        topology: percent_decode(download.header(api::headers::TOPOLOGY).unwrap_or_default()),
        files,
        bytes: download.bytes.len() as u64,
        estate_version: download.header(api::headers::ESTATE_VERSION).and_then(|v| v.parse().ok()).unwrap_or(0),
    };
    Ok(vec![lab_result(result, Some(path))])
}

/// `Import-Lab -Path FILE`: the shell reads FILE on its own machine and uploads it.
pub fn import_lab(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let local = call.string("Path").unwrap_or_default();
    let path = absolute(&local);
    if !change::should_process(call, cx, &path, false)? {
        return Ok(Vec::new());
    }
    let bytes = read_local(&local, api::SNAPSHOT_LIMIT_BYTES, "Path")?;
    api::snapshot::verify(&bytes[..], bytes.len() as u64).map_err(|e| {
        ErrorRecord::new("InvalidSnapshot", "InvalidData", format!("The file '{path}' cannot be imported: {e}."))
            .with_hint("Give Import-Lab a file written by Export-Lab.")
    })?;
    let result: api::LabResult =
        cx.client.upload(routes::LAB_IMPORT, &api::ImportQuery::default(), bytes).map_err(client_error)?;
    Ok(vec![lab_result(result, Some(path))])
}

/// Reads a file the user named, on this machine: a regular file of at most `limit` bytes.
fn read_local(path: &str, limit: usize, parameter: &str) -> Result<Vec<u8>, ErrorRecord> {
    use std::io::Read;
    let shown = absolute(path);
    let failed = |why: String| {
        ErrorRecord::new("FileReadFailed", "ReadError", format!("Cannot read the file '{shown}': {why}."))
            .with_hint(format!("Check the -{parameter} path."))
    };
    let file = std::fs::File::open(path).map_err(|e| failed(e.to_string()))?;
    let meta = file.metadata().map_err(|e| failed(e.to_string()))?;
    if !meta.is_file() {
        return Err(failed("it is not a regular file".into()));
    }
    if meta.len() > limit as u64 {
        return Err(failed(format!("it is {} bytes; at most {limit} are accepted", meta.len())));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit as u64 + 1).read_to_end(&mut bytes).map_err(|e| failed(e.to_string()))?;
    if bytes.len() > limit {
        return Err(failed(format!("it grew past {limit} bytes while read")));
    }
    Ok(bytes)
}

/// A path relative to the shell's working directory, made absolute for messages.
fn absolute(path: &str) -> String {
    std::env::current_dir().map(|dir| dir.join(path).display().to_string()).unwrap_or_else(|_| path.to_string())
}

/// Undoes the `%XX` encoding of the topology header.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn lab_result(result: api::LabResult, path: Option<String>) -> Value {
    Record::new("ccrsh.LabSnapshot")
        .with("Topology", result.topology)
        .with("Path", path)
        .with("Files", result.files)
        .with("Bytes", result.bytes)
        .with("EstateVersion", result.estate_version)
        .into()
}
