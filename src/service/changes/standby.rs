//! Standby copies and site moves as changes: enable and disable SCR, seed a copy
//! (Update-StorageGroupCopy), activate a standby copy, `setup.com` on a node, the cluster
//! tools' group move, and the transport dumpster's settings.
//!
//! Must not: check preconditions itself; `engine::standby` and `engine::setup` do.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Extension, State};

use super::recovery::node_returned;
use super::{Change, Done, Reply, Work, blocking, body, internal, mutate, service_failure};
use crate::api::{
    self as api, ClusterGroupMoveRequest, CopyRequest, EnableCopyRequest, OperationResult, SeedRequest, SetupMode,
    SetupRequest, TransportConfigRequest,
};
use crate::engine::preconditions::Report;
use crate::engine::{EngineError, failover, identity, setup, standby};
use crate::service::AppState;
use crate::service::auth::Caller;
use crate::service::error::ServiceError;
use crate::service::mail;
use crate::service::replication;

pub async fn enable_copy(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Result<Json<EnableCopyRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    let request = body(request)?;
    blocking(move || {
        mutate(&state, caller, Change::of("Enable-StorageGroupCopy", &request, None), |w| {
            let report = standby::enable(
                &mut w.estate,
                &request.identity,
                &request.standby_machine,
                request.replay_lag_seconds.unwrap_or(standby::DEFAULT_REPLAY_LAG_SECONDS),
                request.truncation_lag_seconds.unwrap_or(0),
            )?;
            let mut done = Done::plain(report, true);
            if !w.dry_run {
                let copy = w.estate.copies.len() - 1;
                if request.seeding_postponed {
                    standby::postpone_seeding(&mut w.estate, copy);
                }
                let files = replication::copy_files(&w.files(), &w.estate, &w.estate.copies[copy])
                    .ok_or_else(|| service_failure(internal(&"no files for the copy")))?;
                let earlier = files
                    .open_or_create()
                    .and_then(|()| replication::continuable(&w.files(), &mut w.estate, copy))
                    .map_err(|e| service_failure(internal(&e)))?;
                if earlier == replication::EarlierFiles::Stale {
                    // Named from the files directory down: the server's own paths stay out of what a
                    // viewer reads.
                    let root = files.root();
                    let shown = root.strip_prefix(w.files()).unwrap_or(&root).display().to_string();
                    let message = standby::stale_files(&mut w.estate, copy, &shown);
                    done.warnings.push(message);
                }
            }
            Ok(done)
        })
    })
    .await
}

pub async fn disable_copy(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Result<Json<CopyRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    let request = body(request)?;
    blocking(move || {
        mutate(&state, caller, Change::of("Disable-StorageGroupCopy", &request, None), |w| {
            let Some(standby_machine) = request.standby_machine.as_deref() else {
                return Err(EngineError::Invalid {
                    message: "Disable-StorageGroupCopy needs the standby machine whose copy to remove.".into(),
                    hint: "Give -StandbyMachine NODE. A CCR copy is part of its cluster and is not disabled.".into(),
                });
            };
            let report = standby::disable(&mut w.estate, &request.identity, standby_machine)?;
            Ok(Done {
                notes: vec!["The copy's files stay on the standby machine.".into()],
                ..Done::plain(report, true)
            })
        })
    })
    .await
}

pub async fn seed_copy(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Result<Json<SeedRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    let request = body(request)?;
    blocking(move || {
        let progress = state.progress.clone();
        mutate(&state, caller, Change::of("Update-StorageGroupCopy", &request, None), |w| {
            let standby_machine = request.standby_machine.as_deref();
            let index = crate::engine::operations::find_copy(&w.estate, &request.identity, standby_machine)?;
            let target = replication::copy_files(&w.files(), &w.estate, &w.estate.copies[index])
                .ok_or_else(|| service_failure(internal(&"no files for the copy")))?;
            target.open_or_create().map_err(|e| service_failure(internal(&e)))?;
            let has_files = target.has_files().map_err(|e| service_failure(internal(&e)))?;
            let obsolete = target.obsolete_checkpoint().map_err(|e| service_failure(internal(&e)))?;
            let (index, report) = standby::check_seed(
                &w.estate,
                &request.identity,
                standby_machine,
                standby::TargetFiles { present: has_files, obsolete_checkpoint: obsolete, force: request.force },
                request.delete_existing_files,
                standby::SeedRoute {
                    data_host_names: &request.data_host_names,
                    target_path: request.target_path.as_deref(),
                },
            )?;
            if w.dry_run {
                return Ok(Done::plain(report, false));
            }
            w.lap("Checks");
            let copy = &w.estate.copies[index];
            let sg = w.estate.storage_group_of(&copy.server, &copy.storage_group).cloned();
            let sg = sg.ok_or_else(|| service_failure(internal(&"copy without storage group")))?;
            let source = replication::active_files(&w.files(), &w.estate, &sg)
                .ok_or_else(|| service_failure(internal(&"no active copy")))?;
            w.estate.copies[index].status = crate::api::CopyStatus::Seeding;
            let activity =
                format!("Seeding {} on {}", identity::storage_group_identity(&sg), w.estate.copies[index].node);
            let report_progress = |done: u64, total: u64| {
                if let Ok(mut all) = progress.lock() {
                    all.retain(|p| p.activity != activity);
                    if done < total {
                        all.push(api::ProgressRecord {
                            activity: activity.clone(),
                            bytes_done: done,
                            bytes_total: total,
                        });
                    }
                }
            };
            let mut report_progress = report_progress;
            let seed = |report: &mut dyn FnMut(u64, u64)| -> std::io::Result<(u64, u64)> {
                if has_files || obsolete {
                    target.remove_all()?;
                }
                target.seed_from(&source, report)
            };
            let seeded = seed(&mut report_progress);
            report_progress(1, 1);
            let (bytes, through) = seeded.map_err(|e| service_failure(internal(&e)))?;
            standby::seeded(&mut w.estate, index, through, request.manual_resume);
            w.lap("Seed");
            let name = identity::storage_group_identity(&sg);
            let mut done = Done {
                notes: vec![format!(
                    "Seeded {} from {}: database.edb, {bytes} bytes, through log generation {through}.",
                    w.estate.copies[index].node,
                    source.root().display()
                )],
                ..Done::plain(report, true)
            };
            if request.manual_resume {
                done.warnings.push(format!(
                    "Replication for storage group '{name}' is still suspended. If needed, you can use the \
                     Resume-StorageGroupCopy cmdlet in the Exchange Management Shell to resume replication."
                ));
            }
            Ok(done)
        })
    })
    .await
}

/// Activates an SCR copy: every remaining log first when the source is reachable; with
/// `-Force` and the source lost, what the copy holds is what there is.
pub(super) fn restore_standby(
    w: &mut Work<'_>,
    identity: &str,
    standby_machine: &str,
    force: bool,
) -> Result<Done, EngineError> {
    let (index, source_up, report) = standby::check_restore_standby(&w.estate, identity, standby_machine, force)?;
    if w.dry_run {
        return Ok(Done::plain(report, false));
    }
    let copy = &w.estate.copies[index];
    let sg = w.estate.storage_group_of(&copy.server, &copy.storage_group).cloned();
    let sg = sg.ok_or_else(|| service_failure(internal(&"copy without storage group")))?;
    if source_up {
        w.close_open_logs(&sg.server, Some(&sg.name)).map_err(service_failure)?;
    }
    let through = replication::drain(&w.files(), &mut w.estate, index, source_up, w.now)
        .map_err(|e| service_failure(internal(&e)))?;
    standby::restored(&mut w.estate, index, through);
    let name = identity::storage_group_identity(&sg);
    let mut done = Done {
        notes: vec![format!("The copy on {standby_machine} holds every log through generation {through}.")],
        ..Done::plain(report, true)
    };
    if !source_up {
        done.warnings.push(format!(
            "Performing a Restore-StorageGroupCopy operation on storage group '{name}' with the Force option. Data \
             loss is expected for this storage group."
        ));
    }
    Ok(done)
}

pub async fn run_setup(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Result<Json<SetupRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    let request = body(request)?;
    blocking(move || {
        let (cmdlet, reason) = match request.mode {
            SetupMode::RecoverCms => ("setup /RecoverCMS", request.cms_ip_address.clone()),
            SetupMode::ClearLocalCms => ("setup /ClearLocalCMS", None),
        };
        let object = format!("{} on {}", request.cms_name, request.node);
        let change = Change::lab(cmdlet, object, reason, request.dry_run, request.expected_version);
        mutate(&state, caller, change, |w| match request.mode {
            SetupMode::ClearLocalCms => {
                let (changed, report) = setup::clear_local_cms(&mut w.estate, &request.node, &request.cms_name)?;
                Ok(Done::plain(report, changed))
            }
            SetupMode::RecoverCms => {
                let ip = request.cms_ip_address.clone().ok_or_else(|| EngineError::Invalid {
                    message: "/RecoverCMS needs the server's new address.".into(),
                    hint: "Add /CMSIPAddress:ADDRESS with an address in the node's datacenter subnet.".into(),
                })?;
                let report = setup::recover_cms(&mut w.estate, &request.node, &request.cms_name, &ip, w.now)?;
                if w.dry_run {
                    return Ok(Done::plain(report, false));
                }
                recovered(w, &request.cms_name).map_err(service_failure)?;
                Ok(Done {
                    notes: vec![format!(
                        "{} runs on {} with address {ip}; its databases are dismounted: mount each one.",
                        request.cms_name, request.node
                    )],
                    ..Done::plain(report, true)
                })
            }
        })
    })
    .await
}

/// After /RecoverCMS: the new active copies drop anything past what they inspected, and every
/// accepted message they do not hold is recorded as lost (SCR has no dumpster).
fn recovered(w: &mut Work<'_>, cms: &str) -> Result<(), ServiceError> {
    let groups: Vec<_> = w.estate.storage_groups_of(cms).cloned().collect();
    for sg in groups {
        let Some(files) = replication::active_files(&w.files(), &w.estate, &sg) else { continue };
        files.open_or_create().map_err(|e| internal(&e))?;
        files.discard_after(sg.last_log_generated).map_err(|e| internal(&e))?;
        let held = mail::Held::of(Some(&files), w.estate.next_message_id).map_err(|e| internal(&e))?;
        let mut lost = Vec::new();
        w.ledger()?
            .accepted(&sg.server, &sg.name, false, &mut |range| {
                lost.extend(
                    range.ids().filter(|id| !held.contains(*id)).map(|id| super::recovery::message_ref(&sg, id)),
                );
                true
            })
            .map_err(|e| internal(&e))?;
        w.journal.lost.extend(lost);
    }
    replication::recount(&w.files(), &mut w.estate).map_err(|e| internal(&e))
}

pub async fn move_cluster_group(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Result<Json<ClusterGroupMoveRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    let request = body(request)?;
    blocking(move || {
        mutate(&state, caller, Change::of("Move-ClusterGroup", &request, None), |w| {
            if request.identity.trim().eq_ignore_ascii_case(crate::engine::queries::CLUSTER_GROUP) {
                let (changed, report) = failover::move_core_group(&mut w.estate, &request.node)?;
                return Ok(Done::plain(report, changed));
            }
            let (old, report) = failover::move_group(&mut w.estate, &request.identity, &request.node, w.now)?;
            if w.dry_run {
                return Ok(Done::plain(report, false));
            }
            let mut done = Done {
                warnings: vec![format!(
                    "The cluster moved {} without Exchange's health checks or log flush; its databases are \
                     offline. Check Get-StorageGroupCopyStatus, then Mount-Database each one. Move-ClusteredMailboxServer \
                     is the checked way to move.",
                    request.identity
                )],
                ..Done::plain(report, true)
            };
            done.notes = node_returned(w, &old).map_err(service_failure)?;
            Ok(done)
        })
    })
    .await
}

pub async fn set_transport_config(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Result<Json<TransportConfigRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    let request = body(request)?;
    blocking(move || {
        let mut change = Change::lab("Set-TransportConfig", "Transport Settings".into(), None, false, None);
        change.domain_controller = request.domain_controller.clone();
        mutate(&state, caller, change, |w| {
            let before = (w.estate.max_dumpster_size_bytes, w.estate.max_dumpster_time_seconds);
            if let Some(size) = request.max_dumpster_size_per_storage_group_bytes {
                w.estate.max_dumpster_size_bytes = size;
            }
            if let Some(time) = request.max_dumpster_time_seconds {
                w.estate.max_dumpster_time_seconds = time;
            }
            let changed = before != (w.estate.max_dumpster_size_bytes, w.estate.max_dumpster_time_seconds);
            Ok(Done::plain(Report::new("Set-TransportConfig", "Transport Settings").into_report(), changed))
        })
    })
    .await
}
