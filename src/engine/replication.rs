//! Replication decisions: which logs each copy should receive and replay next, how far the
//! active copy may replay and truncate, and what the status of a copy becomes after the service
//! has done the file work.
//!
//! Must not: touch files. The service carries out a [`CopyWork`] and reports back with
//! [`record_progress`].

use chrono::{DateTime, Utc};

use super::estate::*;
use crate::api::{CmsState, CopyStatus};

/// SCR copies keep this many of the newest logs unreplayed, whatever their lag (reference §1.2).
pub const SCR_REPLAY_HOLD_BACK: u64 = 50;

/// Lost Log Resilience: the active copy keeps this many of its newest closed logs out of its
/// database while mounted, so a copy that missed only those can become active without the old
/// database diverging. The source does not give 2007's depth; 10 covers the dial's largest
/// allowance (6 logs), so every automatic lossy mount leaves an old active that can resync.
pub const LLR_DEPTH: u64 = 10;

/// Inspection failures in a row that mark a copy Failed (reference §0, log inspection).
pub const INSPECTION_ATTEMPTS: u32 = 3;

/// The next piece of work for one passive copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyWork {
    /// Index into `Estate::copies`.
    pub copy: usize,
    pub server: String,
    pub storage_group: String,
    pub prefix: String,
    pub source_node: String,
    pub target_node: String,
    pub lineage: u64,
    /// Generations to ship and inspect, in order (empty when current), starting right after
    /// the last inspected one so the inspected logs never have a gap.
    pub ship: std::ops::RangeInclusive<u64>,
    /// Replay every inspected log up to this generation…
    pub replay_through: u64,
    /// …that closed at least this long ago (SCR ReplayLagTime; 0 for CCR).
    pub replay_lag_ms: i64,
}

/// The active copy's own housekeeping: replay up to the LLR depth, truncate what every copy
/// has inspected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveWork {
    /// Index into `Estate::storage_groups`.
    pub storage_group: usize,
    pub node: String,
    pub replay_through: u64,
    pub truncate_through: u64,
}

/// The work every copy that may replicate now has left to do.
pub fn plan(estate: &Estate) -> Vec<CopyWork> {
    let mut work = Vec::new();
    for (index, copy) in estate.copies.iter().enumerate() {
        if copy.restored || !matches!(copy.status, CopyStatus::Healthy | CopyStatus::Initializing) {
            continue;
        }
        let Some(sg) = estate.storage_group_of(&copy.server, &copy.storage_group) else { continue };
        let Some(server) = estate.server_of(sg) else { continue };
        if !estate.reachable(&server.active_node, &copy.node) {
            continue;
        }
        let (replay_through, replay_lag_ms) = match copy.kind {
            CopyKind::ClusterContinuous => (sg.last_log_generated, 0),
            CopyKind::StandbyContinuous { replay_lag_seconds, .. } => (
                sg.last_log_generated.saturating_sub(SCR_REPLAY_HOLD_BACK),
                i64::try_from(replay_lag_seconds.saturating_mul(1000)).unwrap_or(i64::MAX),
            ),
        };
        let behind = copy.last_log_inspected < sg.last_log_generated || copy.last_log_replayed < replay_through;
        if !behind {
            continue;
        }
        work.push(CopyWork {
            copy: index,
            server: sg.server.clone(),
            storage_group: sg.name.clone(),
            prefix: sg.log_prefix.clone(),
            source_node: server.active_node.clone(),
            target_node: copy.node.clone(),
            lineage: sg.lineage,
            // Starts right after the last inspected log: a log received but not yet counted
            // when ccrd died is received again, which is harmless.
            ship: copy.last_log_inspected + 1..=sg.last_log_generated,
            replay_through,
            replay_lag_ms,
        });
    }
    work
}

/// Whether a replication pass has anything to do: a copy behind, an active copy with logs to
/// replay or truncate, a passive copy with logs to delete.
pub fn has_work(estate: &Estate) -> bool {
    !plan(estate).is_empty() || !active_plan(estate).is_empty() || !passive_truncation(estate).is_empty()
}

/// The active copies' housekeeping: only storage groups with something to replay or delete.
pub fn active_plan(estate: &Estate) -> Vec<ActiveWork> {
    let mut work = Vec::new();
    for (index, sg) in estate.storage_groups.iter().enumerate() {
        let Some(server) = estate.server_of(sg) else { continue };
        if !estate.node_up(&server.active_node) {
            continue;
        }
        let mounted = server.state == CmsState::Online && estate.databases_of(sg).any(|db| db.mounted);
        let replay_through =
            if mounted { sg.last_log_generated.saturating_sub(LLR_DEPTH) } else { sg.last_log_generated };
        // Every copy (even a suspended one) must have inspected a log before the source may
        // delete it; a copy that is Failed or being seeded will be reseeded, so it holds
        // nothing back.
        let inspected_everywhere = estate
            .copies_of(sg)
            .filter(|c| !c.restored && !matches!(c.status, CopyStatus::Failed | CopyStatus::Seeding))
            .map(|c| c.last_log_inspected)
            .min()
            .unwrap_or(sg.last_log_generated);
        let truncate_through = inspected_everywhere.min(replay_through.max(sg.active_replayed));
        if replay_through > sg.active_replayed || truncate_through > sg.truncated_through {
            work.push(ActiveWork {
                storage_group: index,
                node: server.active_node.clone(),
                replay_through,
                truncate_through,
            });
        }
    }
    work
}

/// Logs a passive copy may delete: replayed, and deleted on the source; for an SCR copy only
/// once ReplayLagTime + TruncationLagTime have passed since the log closed (reference §1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyTruncation {
    pub copy: usize,
    pub through: u64,
    pub older_than_ms: i64,
}

/// The passive copies' truncation.
pub fn passive_truncation(estate: &Estate) -> Vec<CopyTruncation> {
    let mut work = Vec::new();
    for (index, copy) in estate.copies.iter().enumerate() {
        let Some(sg) = estate.storage_group_of(&copy.server, &copy.storage_group) else { continue };
        let through = copy.last_log_replayed.min(sg.truncated_through);
        if copy.restored || through <= copy.truncated_through || !estate.node_up(&copy.node) {
            continue;
        }
        let older_than_ms = match copy.kind {
            CopyKind::ClusterContinuous => 0,
            CopyKind::StandbyContinuous { replay_lag_seconds, truncation_lag_seconds } => {
                i64::try_from(replay_lag_seconds.saturating_add(truncation_lag_seconds).saturating_mul(1000))
                    .unwrap_or(i64::MAX)
            }
        };
        work.push(CopyTruncation { copy: index, through, older_than_ms });
    }
    work
}

/// What the service did for one [`CopyWork`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyProgress {
    pub copied: u64,
    pub inspected: u64,
    pub replayed: u64,
    /// The close time of the newest inspected log, for `LastInspectedLogTime`.
    pub inspected_log_time: Option<DateTime<Utc>>,
    /// A log that failed inspection, and why.
    pub defect: Option<(String, String)>,
}

/// Applies a copy's progress to the estate: counters, times, and the status that follows.
pub fn record_progress(estate: &mut Estate, copy: usize, progress: &CopyProgress, now: DateTime<Utc>) {
    let Some(c) = estate.copies.get_mut(copy) else { return };
    if progress.copied > c.last_log_copied {
        c.last_log_copied = progress.copied;
        c.last_copied_at = Some(now);
    }
    if progress.inspected > c.last_log_inspected {
        c.last_log_inspected = progress.inspected;
        c.last_inspected_at = progress.inspected_log_time.or(Some(now));
        c.inspect_failures = 0;
    }
    if progress.replayed > c.last_log_replayed {
        c.last_log_replayed = progress.replayed;
        c.last_replayed_at = Some(now);
    }
    if c.status == CopyStatus::Initializing && progress.defect.is_none() {
        c.status = CopyStatus::Healthy;
    }
    if let Some((log, defect)) = &progress.defect {
        c.inspect_failures += 1;
        if c.inspect_failures >= INSPECTION_ATTEMPTS {
            c.status = CopyStatus::Failed;
            c.failed_message = Some(format!(
                "Log file {log} failed inspection {INSPECTION_ATTEMPTS} times: {defect}. The copy cannot \
                 continue from this log. Run Suspend-StorageGroupCopy, then Update-StorageGroupCopy to reseed it."
            ));
        }
    }
}

/// Takes into `current` what a replication pass run on `snapshot` (a copy of an earlier
/// decided estate) changed: every copy's replication counters, times, status and truncation,
/// and every storage group's active replay and truncation — the fields a pass owns. Returns
/// `false`, changing nothing, when the two no longer have the same copies and storage groups
/// (the caller then runs the pass again on `current`).
pub fn adopt_pass(current: &mut Estate, snapshot: &Estate) -> bool {
    let same_copies = current.copies.len() == snapshot.copies.len()
        && current
            .copies
            .iter()
            .zip(&snapshot.copies)
            .all(|(a, b)| a.server == b.server && a.storage_group == b.storage_group && a.node == b.node);
    let same_groups = current.storage_groups.len() == snapshot.storage_groups.len()
        && current
            .storage_groups
            .iter()
            .zip(&snapshot.storage_groups)
            .all(|(a, b)| a.server == b.server && a.name == b.name);
    if !same_copies || !same_groups {
        return false;
    }
    for (c, done) in current.copies.iter_mut().zip(&snapshot.copies) {
        c.status = done.status;
        c.failed_message.clone_from(&done.failed_message);
        c.last_log_copied = done.last_log_copied;
        c.last_log_inspected = done.last_log_inspected;
        c.last_log_replayed = done.last_log_replayed;
        c.last_copied_at = done.last_copied_at;
        c.last_inspected_at = done.last_inspected_at;
        c.last_replayed_at = done.last_replayed_at;
        c.inspect_failures = done.inspect_failures;
        c.truncated_through = done.truncated_through;
    }
    for (sg, done) in current.storage_groups.iter_mut().zip(&snapshot.storage_groups) {
        sg.active_replayed = done.active_replayed;
        sg.truncated_through = done.truncated_through;
    }
    true
}

/// A short name for a copy in messages: `CCREX01\First Storage Group on NH-W2K3-SRV04`.
pub fn copy_name(copy: &StorageGroupCopy) -> String {
    format!("{}\\{} on {}", copy.server, copy.storage_group, copy.node)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::topology::{SEED, build};

    #[test]
    fn a_current_estate_has_no_work_and_new_logs_make_some() {
        let mut e = build("seed", SEED).expect("seed");
        assert!(plan(&e).is_empty());
        e.storage_groups[0].last_log_generated = 3;
        let work = plan(&e);
        assert_eq!(work.len(), 1);
        assert_eq!((work[0].ship.clone(), work[0].replay_through), (1..=3, 3));
        assert_eq!(work[0].source_node, "NH-W2K3-SRV03");
    }

    /// A pass worked on a copy of the estate while deliveries went on: its progress is taken
    /// in, the deliveries' counters are kept; a copy list that changed meanwhile is not merged.
    #[test]
    fn a_pass_on_a_snapshot_is_adopted_without_losing_the_deliveries_made_meanwhile() {
        let mut current = build("seed", SEED).expect("seed");
        let mut snapshot = current.clone();
        record_progress(
            &mut snapshot,
            0,
            &CopyProgress { copied: 2, inspected: 2, replayed: 1, ..Default::default() },
            Utc::now(),
        );
        snapshot.storage_groups[0].active_replayed = 1;
        current.storage_groups[0].last_log_generated = 9;
        current.storage_groups[0].mail.accepted = 40;
        assert!(adopt_pass(&mut current, &snapshot));
        let (c, sg) = (&current.copies[0], &current.storage_groups[0]);
        assert_eq!((c.last_log_copied, c.last_log_inspected, c.last_log_replayed), (2, 2, 1));
        assert_eq!((sg.active_replayed, sg.last_log_generated, sg.mail.accepted), (1, 9, 40));
        let mut moved = current.clone();
        moved.copies[0].node = "ELSEWHERE".into();
        let before = moved.clone();
        assert!(!adopt_pass(&mut moved, &snapshot));
        assert_eq!(moved, before, "nothing merged");
    }

    #[test]
    fn suspended_copies_and_unreachable_nodes_do_not_replicate() {
        let mut e = build("seed", SEED).expect("seed");
        e.storage_groups[0].last_log_generated = 3;
        e.copies[0].status = CopyStatus::Suspended;
        assert!(plan(&e).is_empty());
        e.copies[0].status = CopyStatus::Healthy;
        e.nodes[1].powered_on = false;
        assert!(plan(&e).is_empty());
    }

    #[test]
    fn standby_copies_hold_back_fifty_logs() {
        let mut e = build("seed", SEED).expect("seed");
        e.copies[0].kind = CopyKind::StandbyContinuous { replay_lag_seconds: 60, truncation_lag_seconds: 0 };
        e.storage_groups[0].last_log_generated = 70;
        let work = plan(&e);
        assert_eq!((work[0].replay_through, work[0].replay_lag_ms), (20, 60_000));
    }

    #[test]
    fn the_source_truncates_only_what_every_copy_inspected_and_llr_keeps_the_newest() {
        let mut e = build("seed", SEED).expect("seed");
        e.storage_groups[0].last_log_generated = 30;
        e.copies[0].last_log_inspected = 12;
        let work = active_plan(&e);
        let first = work.iter().find(|w| w.storage_group == 0).expect("work");
        assert_eq!((first.replay_through, first.truncate_through), (30 - LLR_DEPTH, 12));
        e.copies[0].status = CopyStatus::Suspended;
        let suspended = active_plan(&e);
        assert_eq!(suspended.iter().find(|w| w.storage_group == 0).map(|w| w.truncate_through), Some(12));
    }

    #[test]
    fn three_failed_inspections_fail_the_copy_with_a_remedy() {
        let mut e = build("seed", SEED).expect("seed");
        let bad = CopyProgress { defect: Some(("E0000000001.log".into(), "bad".into())), ..Default::default() };
        for _ in 0..2 {
            record_progress(&mut e, 0, &bad, Utc::now());
        }
        assert_eq!(e.copies[0].status, CopyStatus::Healthy);
        record_progress(&mut e, 0, &bad, Utc::now());
        assert_eq!(e.copies[0].status, CopyStatus::Failed);
        let message = e.copies[0].failed_message.clone().unwrap_or_default();
        assert!(message.contains("E0000000001.log") && message.contains("Update-StorageGroupCopy"), "{message}");
    }
}
