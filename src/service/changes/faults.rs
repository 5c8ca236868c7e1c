//! Game-day faults as changes: power a node off (cleanly or by crashing it) and on, cut and
//! restore network links, damage a log, advance the lab clock. After each, the cluster reacts
//! (failover, quorum) and the recovery steps run.
//!
//! Must not: decide how the cluster reacts; `engine::failover` does.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Extension, State};

use super::recovery::{follow_up, node_returned};
use super::{Change, Done, Reply, blocking, body, internal, mutate, service_failure};
use crate::api::{ClockRequest, FaultKind, FaultRequest, LinkState, NetworkRequest, NodePowerRequest, OperationResult};
use crate::engine::preconditions::Report;
use crate::engine::{EngineError, failover, faults, identity};
use crate::service::AppState;
use crate::service::auth::Caller;
use crate::service::copy_files::CopyFiles;

pub async fn stop_node(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Result<Json<NodePowerRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    let request = body(request)?;
    blocking(move || {
        let reason = request.crash.then_some("crash");
        mutate(&state, caller, Change::of("Stop-LabNode", &request, reason), |w| {
            let (node, changed, report) = faults::power(&mut w.estate.clone(), &request.identity, false)?;
            if !changed || w.dry_run {
                return Ok(Done::plain(report, changed));
            }
            if !request.crash {
                // A clean shutdown: the store on the node stops, its open logs close, and the
                // copies it can still reach take what they can before it powers off.
                let servers: Vec<String> = w
                    .estate
                    .servers
                    .iter()
                    .filter(|s| s.active_node.eq_ignore_ascii_case(&node))
                    .map(|s| s.name.clone())
                    .collect();
                for server in servers {
                    w.close_open_logs(&server, None).map_err(service_failure)?;
                }
                w.catch_up().map_err(service_failure)?;
            }
            faults::power(&mut w.estate, &node, false)?;
            let before = w.estate.clone();
            // The node's cluster peers see it leave the membership (1135), then the cluster reacts.
            let mut reaction = failover::react(&mut w.estate, w.now);
            reaction.events.splice(0..0, failover::node_left(&before, &node));
            follow_up(w, reaction).map_err(service_failure)?;
            let warnings = describe_reaction(&before, &w.estate);
            Ok(Done { warnings, ..Done::plain(report, changed) })
        })
    })
    .await
}

pub async fn start_node(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Result<Json<NodePowerRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    let request = body(request)?;
    blocking(move || {
        mutate(&state, caller, Change::of("Start-LabNode", &request, None), |w| {
            let (node, changed, report) = faults::power(&mut w.estate, &request.identity, true)?;
            if !changed || w.dry_run {
                return Ok(Done::plain(report, changed));
            }
            let booted = w.now;
            for started in w.estate.nodes.iter_mut().filter(|n| n.name == node) {
                started.booted_at = Some(booted);
            }
            let before = w.estate.clone();
            let mut warnings = node_returned(w, &node).map_err(service_failure)?;
            warnings.extend(describe_reaction(&before, &w.estate));
            Ok(Done { warnings, ..Done::plain(report, changed) })
        })
    })
    .await
}

pub async fn set_network(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Result<Json<NetworkRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    let request = body(request)?;
    blocking(move || {
        let [a, b] = request.between.clone();
        let change = Change::lab(
            "Set-LabNetwork",
            format!("{a},{b}"),
            Some(format!("{:?}", request.state)),
            request.dry_run,
            request.expected_version,
        );
        mutate(&state, caller, change, |w| {
            let up = request.state == LinkState::Up;
            let ((a, b), changed, report) = faults::set_link(&mut w.estate, &a, &b, up)?;
            if !changed || w.dry_run {
                return Ok(Done::plain(report, changed));
            }
            let before = w.estate.clone();
            let mut warnings = Vec::new();
            if up {
                // Every node on either side may now reach what it could not.
                let nodes: Vec<String> =
                    w.estate.nodes.iter().filter(|n| n.powered_on).map(|n| n.name.clone()).collect();
                for node in &nodes {
                    warnings.extend(node_returned(w, node).map_err(service_failure)?);
                }
            } else {
                let reaction = failover::react(&mut w.estate, w.now);
                follow_up(w, reaction).map_err(service_failure)?;
            }
            warnings.extend(describe_reaction(&before, &w.estate));
            warnings.insert(0, format!("The link between {a} and {b} is {}.", if up { "up" } else { "down" }));
            Ok(Done { warnings, ..Done::plain(report, changed) })
        })
    })
    .await
}

pub async fn set_fault(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Result<Json<FaultRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    let request = body(request)?;
    blocking(move || {
        let change = Change::lab(
            "Set-LabFault",
            format!("{}\\{}", request.server, request.storage_group),
            Some(format!("{:?}", request.kind)),
            request.dry_run,
            request.expected_version,
        );
        mutate(&state, caller, change, |w| {
            let FaultKind::CorruptLog = request.kind;
            let sg = identity::storage_group(&w.estate, &request.storage_group)?.clone();
            let node = identity::node(&w.estate, &request.server)?.name.clone();
            let files = CopyFiles::new(&w.files(), &node, &sg.server, &sg.name, &sg.log_prefix);
            if w.dry_run {
                let report = Report::new("Set-LabFault", &format!("{node}\\{}", sg.name));
                return Ok(Done::plain(report.into_report(), false));
            }
            let damaged = files.corrupt_newest_log().map_err(|e| service_failure(internal(&e)))?;
            let Some(generation) = damaged else {
                return Err(EngineError::Invalid {
                    message: format!("{node} holds no closed log of '{}\\{}' to damage.", sg.server, sg.name),
                    hint: "Deliver mail first (Send-LabMail) so logs close, then corrupt the newest.".into(),
                });
            };
            let report = Report::new("Set-LabFault", &format!("{node}\\{}\\{}", sg.name, files.log_name(generation)));
            Ok(Done {
                notes: vec![format!("Damaged {} on {node}.", files.log_name(generation))],
                ..Done::plain(report.into_report(), true)
            })
        })
    })
    .await
}

pub async fn set_clock(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Result<Json<ClockRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    let request = body(request)?;
    blocking(move || {
        let change = Change::lab(
            "Set-LabClock",
            "lab clock".into(),
            Some(format!("+{}s", request.advance_seconds)),
            request.dry_run,
            request.expected_version,
        );
        mutate(&state, caller, change, |w| {
            let report = faults::advance_clock(&mut w.estate, request.advance_seconds)?;
            Ok(Done::plain(report, true))
        })
    })
    .await
}

/// Sentences for what a fault made the cluster do: failovers, databases left dismounted and
/// why, servers that lost quorum.
fn describe_reaction(before: &crate::engine::Estate, after: &crate::engine::Estate) -> Vec<String> {
    let mut notes = Vec::new();
    for (old, new) in before.servers.iter().zip(&after.servers) {
        if old.active_node != new.active_node {
            notes.push(format!("{} failed over from {} to {}.", new.name, old.active_node, new.active_node));
        }
        if old.state != new.state {
            notes.push(format!("{} is now {}.", new.name, new.state.display_name()));
        }
    }
    for sg in &after.storage_groups {
        if let Some(missing) = &sg.missing_logs
            && before
                .storage_groups
                .iter()
                .any(|b| b.server == sg.server && b.name == sg.name && b.missing_logs.is_none())
        {
            let dial = after.server_of(sg).map(|s| s.auto_database_mount_dial);
            notes.push(format!(
                "'{}\\{}' stayed dismounted: {} log(s) are missing and AutoDatabaseMountDial {:?} allows {}. It mounts \
                 when {} returns with its logs; to accept the loss instead: Restore-StorageGroupCopy -Force, then \
                 Mount-Database.",
                sg.server,
                sg.name,
                missing.logs,
                dial.unwrap_or(crate::api::AutoDatabaseMountDial::Lossless),
                dial.map_or(0, |d| d.max_lost_logs()),
                missing.node
            ));
        }
    }
    notes
}
