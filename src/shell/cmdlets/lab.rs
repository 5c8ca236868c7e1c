//! The lab (game day, brief §2.4): `Get-LabNode`, `Stop-LabNode`, `Start-LabNode`,
//! `Send-LabMail`, `Wait-LabReplication`, `Get-LabMailStatistics`.
//!
//! Must not: reach the lab's files; everything goes through ccrd's lab endpoints.

use super::change::{self, Change};
use super::{Context, client_error};
use crate::api::{self, IdentityQuery, routes};
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
    let change = Change { target: &identity, force: false, validate_only: false, progress: false, request: &request };
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
    };
    if !change::should_process(call, cx, &request.database, false)? {
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
    let query = IdentityQuery { identity: call.string("Database") };
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
    let change = Change { target: &target, force: false, validate_only: false, progress: false, request: &request };
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
    let result: api::OperationResult = cx.client.post(route, body).map_err(client_error)?;
    cx.warnings.extend(result.warnings);
    cx.verbose.extend(result.notes);
    Ok(Vec::new())
}

/// `Reset-Lab [-Topology seed|FILE]`, `Export-Lab -Path`, `Import-Lab -Path`.
pub fn reset_lab(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let topology = call.string("Topology").map(|t| if t.eq_ignore_ascii_case("seed") { t } else { absolute(&t) });
    if !change::should_process(call, cx, topology.as_deref().unwrap_or("seed"), false)? {
        return Ok(Vec::new());
    }
    let result: api::LabResult = cx
        .client
        .post(routes::LAB_RESET, &api::ResetRequest { topology, dry_run: false, expected_version: None })
        .map_err(client_error)?;
    Ok(vec![lab_result(result)])
}

pub fn export_lab(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    snapshot(call, cx, routes::LAB_EXPORT)
}

pub fn import_lab(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    snapshot(call, cx, routes::LAB_IMPORT)
}

fn snapshot(call: &Invocation<'_>, cx: &mut Context<'_>, route: &str) -> Result<Vec<Value>, ErrorRecord> {
    let path = absolute(&call.string("Path").unwrap_or_default());
    if !change::should_process(call, cx, &path, false)? {
        return Ok(Vec::new());
    }
    let result: api::LabResult = cx
        .client
        .post(route, &api::SnapshotRequest { path, dry_run: false, expected_version: None })
        .map_err(client_error)?;
    Ok(vec![lab_result(result)])
}

/// A path as ccrd must see it: relative to the shell's working directory.
fn absolute(path: &str) -> String {
    std::env::current_dir().map(|dir| dir.join(path).display().to_string()).unwrap_or_else(|_| path.to_string())
}

fn lab_result(result: api::LabResult) -> Value {
    Record::new("ccrsh.LabSnapshot")
        .with("Topology", result.topology)
        .with("Path", result.path)
        .with("Files", result.files)
        .with("Bytes", result.bytes)
        .with("EstateVersion", result.estate_version)
        .into()
}
