//! The failover cluster's own views: `Get-ClusterNode`, `Get-ClusterGroup`,
//! `Get-ClusterResource` (`-Cluster`), and `Test-ReplicationHealth`, which checks a node the way
//! Exchange 2007 SP1 did.
//!
//! Must not: change anything (`Move-ClusterGroup` lives with the clustered mailbox servers).

use super::{Context, client_error};
use crate::api::{self, ClusterQuery, CopyStatusQuery, routes};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::value::{Record, Value};
use crate::shell::wildcard::Wildcard;

fn clusters(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<api::FailoverClusters, ErrorRecord> {
    let query = ClusterQuery { cluster: call.string("Cluster") };
    cx.client.get(routes::FAILOVER_CLUSTERS, &query).map_err(client_error)
}

fn named(call: &Invocation<'_>, name: &str) -> bool {
    call.string("Name").is_none_or(|pattern| Wildcard::new(&pattern).is_match(name))
}

pub fn get_cluster_node(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let views = clusters(call, cx)?;
    Ok(views
        .nodes
        .into_iter()
        .filter(|n| named(call, &n.name))
        .map(|n| {
            Record::new("Microsoft.FailoverClusters.PowerShell.ClusterNode")
                .with("Name", n.name)
                .with("ID", u64::from(n.id))
                .with("State", n.state)
                .with("Cluster", n.cluster)
                .into()
        })
        .collect())
}

pub fn get_cluster_group(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let views = clusters(call, cx)?;
    Ok(views.groups.into_iter().filter(|g| named(call, &g.name)).map(|g| group_record(g).into()).collect())
}

/// A cluster group as the FailoverClusters cmdlets return it.
pub fn group_record(g: api::ClusterGroup) -> Record {
    Record::new("Microsoft.FailoverClusters.PowerShell.ClusterGroup")
        .with_text(g.name.clone())
        .with("Name", g.name)
        .with("OwnerNode", g.owner_node)
        .with("State", g.state)
        .with("Cluster", g.cluster)
}

pub fn get_cluster_resource(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let views = clusters(call, cx)?;
    Ok(views
        .resources
        .into_iter()
        .filter(|r| named(call, &r.name))
        .map(|r| {
            Record::new("Microsoft.FailoverClusters.PowerShell.ClusterResource")
                .with("Name", r.name)
                .with("State", r.state)
                .with("OwnerGroup", r.owner_group)
                .with("ResourceType", r.resource_type)
                .with("Cluster", r.cluster)
                .into()
        })
        .collect())
}

/// Queues longer than this many logs count as not keeping up.
const QUEUE_THRESHOLD: u64 = 10;

/// `Test-ReplicationHealth`: the checks of the node the session is on (`Enter-PSSession`), or
/// of every node holding a copy. `-TransientEventSuppressionWindow` lets a queue stay over its
/// threshold that many minutes; `-MonitoringContext $true` adds the events and performance
/// counters a monitoring system collects.
pub fn test_replication_health(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let nodes: Vec<api::LabNode> = cx.client.get(routes::LAB_NODES, &()).map_err(client_error)?;
    let copies: Vec<api::StorageGroupCopyStatus> =
        cx.client.get(routes::STORAGE_GROUP_COPY_STATUS, &CopyStatusQuery::default()).map_err(client_error)?;
    let window_minutes = call.int("TransientEventSuppressionWindow").unwrap_or(0);
    let here = cx.engine.computer();
    let mut rows: Vec<Record> = Vec::new();
    let mut counters: Vec<Value> = Vec::new();
    for node in nodes.iter().filter(|n| here.as_deref().is_none_or(|h| h.eq_ignore_ascii_case(&n.name))) {
        // The node's copies: the CCR copies it is the passive node of, and the SCR copies it
        // holds as a standby machine.
        let standby: Vec<api::StorageGroupCopyStatus> = if node.active_servers.is_empty() {
            let query = CopyStatusQuery { standby_machine: Some(node.name.clone()), ..CopyStatusQuery::default() };
            cx.client.get(routes::STORAGE_GROUP_COPY_STATUS, &query).unwrap_or_default()
        } else {
            Vec::new()
        };
        let held: Vec<&api::StorageGroupCopyStatus> = copies
            .iter()
            .filter(|c| c.ccr_target_node.as_deref() == Some(node.name.as_str()))
            .chain(standby.iter())
            .collect();
        if here.is_none() && held.is_empty() && node.active_servers.is_empty() {
            continue;
        }
        for c in &held {
            for (counter, value) in
                [("CopyQueueLength", c.copy_queue_length), ("ReplayQueueLength", c.replay_queue_length)]
            {
                counters.push(
                    Record::new("Microsoft.Exchange.Monitoring.MonitoringPerformanceCounter")
                        .with("Object", "MSExchange Replication")
                        .with("Counter", counter)
                        .with("Instance", c.storage_group_name.to_lowercase())
                        .with("Value", value)
                        .into(),
                );
            }
        }
        let mut check = |name: &str, passed: bool, error: String| {
            rows.push(
                Record::new("ccrsh.ReplicationHealthCheck")
                    .with("Server", node.name.clone())
                    .with("Check", name)
                    .with("Result", if passed { "Passed" } else { "*FAILED*" })
                    .with("Error", if passed { None } else { Some(error) }),
            );
        };
        check("ClusterService", node.powered_on, format!("{} is powered off.", node.name));
        let witness = node.cut_links.iter().find(|l| l.contains("FSW"));
        check(
            "FileShareQuorum",
            witness.is_none(),
            format!("The link to {} is cut.", witness.cloned().unwrap_or_default()),
        );
        let bad = |pick: &dyn Fn(&api::StorageGroupCopyStatus) -> bool| -> Vec<String> {
            held.iter().filter(|c| pick(c)).map(|c| c.identity.clone()).collect()
        };
        let suspended = bad(&|c| c.suspend);
        check("SGCopySuspended", suspended.is_empty(), format!("Suspended: {}.", suspended.join(", ")));
        let failed = bad(&|c| c.failed);
        check("SGCopyFailed", failed.is_empty(), format!("Failed: {}.", failed.join(", ")));
        let initializing = bad(&|c| c.summary_copy_status == api::CopyStatus::Initializing);
        check("SGInitializing", initializing.is_empty(), format!("Initializing: {}.", initializing.join(", ")));
        // A queue over its threshold counts only once its backlog is older than the window.
        let lasting = |c: &api::StorageGroupCopyStatus| match (c.latest_available_log_time, c.last_inspected_log_time) {
            _ if window_minutes == 0 => true,
            (Some(latest), Some(inspected)) => (latest - inspected).num_minutes() >= window_minutes,
            (Some(_), None) => true,
            _ => false,
        };
        let copying = bad(&|c| c.copy_queue_length > QUEUE_THRESHOLD && lasting(c));
        check(
            "SGCopyQueueLength",
            copying.is_empty(),
            format!("CopyQueueLength over {QUEUE_THRESHOLD}: {}.", copying.join(", ")),
        );
        let replaying = bad(&|c| c.replay_queue_length > QUEUE_THRESHOLD && lasting(c));
        check(
            "SGReplayQueueLength",
            replaying.is_empty(),
            format!("ReplayQueueLength over {QUEUE_THRESHOLD}: {}.", replaying.join(", ")),
        );
    }
    let monitoring = call.switch("MonitoringContext");
    let events: Vec<Value> =
        if monitoring { rows.iter().enumerate().map(|(i, r)| monitoring_event(i, r)).collect() } else { Vec::new() };
    let mut out: Vec<Value> = rows.into_iter().map(Value::record).collect();
    if monitoring {
        out.push(
            Record::new("Microsoft.Exchange.Monitoring.MonitoringData")
                .with("Events", Value::array(events))
                .with("PerformanceCounters", Value::array(counters))
                .into(),
        );
    }
    Ok(out)
}

/// The monitoring event of one check: an information event when it passed, an error when not.
fn monitoring_event(index: usize, row: &Record) -> Value {
    let text = |name: &str| row.get(name).map(Value::to_display_string).unwrap_or_default();
    let passed = text("Result") == "Passed";
    let id = 10_000 + i64::try_from(index).unwrap_or(0) + if passed { 0 } else { 1_000 };
    let message = if passed {
        format!("The {} check passed on {}.", text("Check"), text("Server"))
    } else {
        format!("The {} check failed on {}: {}", text("Check"), text("Server"), text("Error"))
    };
    Record::new("Microsoft.Exchange.Monitoring.MonitoringEvent")
        .with("EventSource", "MSExchange Monitoring ReplicationHealth")
        .with("EventIdentifier", id)
        .with("EventType", if passed { "Information" } else { "Error" })
        .with("EventMessage", message)
        .into()
}
