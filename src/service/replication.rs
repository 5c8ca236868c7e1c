//! The replication service: carries out the engine's replication plan on the copies' files —
//! ship each closed log, inspect it, replay it — and the active copies' own replay and
//! truncation; rebuilds the estate's log counters from the files after a restart.
//!
//! Owns: the order of file steps and turning their results into [`CopyProgress`].
//!
//! Must not: decide who replicates what (the engine's [`replication::plan`] does) or write
//! SQLite (the caller commits when a status changed).

use std::io;
use std::path::Path;

use chrono::{DateTime, Utc};

use super::copy_files::CopyFiles;
use crate::engine::replication::{self, ActiveWork, CopyProgress, CopyWork};
use crate::engine::{CopyKind, Estate, StorageGroup, StorageGroupCopy};

/// Where the estate's files live: `<lab>/<files dir>`.
pub fn files_root(lab: &Path, estate: &Estate) -> std::path::PathBuf {
    lab.join(&estate.files_dir)
}

/// The files of the active copy of `sg`.
pub fn active_files(lab: &Path, estate: &Estate, sg: &StorageGroup) -> Option<CopyFiles> {
    let server = estate.server_of(sg)?;
    Some(CopyFiles::new(lab, &server.active_node, &sg.server, &sg.name, &sg.log_prefix))
}

/// The files of a passive copy.
pub fn copy_files(lab: &Path, estate: &Estate, copy: &StorageGroupCopy) -> Option<CopyFiles> {
    let sg = estate.storage_group_of(&copy.server, &copy.storage_group)?;
    Some(CopyFiles::new(lab, &copy.node, &sg.server, &sg.name, &sg.log_prefix))
}

/// One pass over every copy that may replicate. Returns whether any file step was taken.
pub fn run_pass(lab: &Path, estate: &mut Estate, now: DateTime<Utc>) -> io::Result<bool> {
    let mut progressed = false;
    for work in replication::plan(estate) {
        let progress = carry_out(lab, &work, now)?;
        let copy = &estate.copies[work.copy];
        progressed |= progress.copied > copy.last_log_copied
            || progress.replayed > copy.last_log_replayed
            || progress.defect.is_some();
        replication::record_progress(estate, work.copy, &progress, now);
    }
    for work in replication::active_plan(estate) {
        progressed |= housekeep(lab, estate, &work)?;
    }
    for work in replication::passive_truncation(estate) {
        let Some(files) = copy_files(lab, estate, &estate.copies[work.copy]) else { continue };
        let cutoff =
            if work.older_than_ms == 0 { i64::MAX } else { now.timestamp_millis().saturating_sub(work.older_than_ms) };
        match files.truncate_closed_before(work.through, cutoff) {
            // A copy whose files are gone is failing through `carry_out`; nothing to delete.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            other => {
                other?;
            }
        }
        // Without a lag everything up to `through` is gone now; with one, a log too young to
        // delete is looked at again by the next pass.
        if work.older_than_ms == 0 {
            estate.copies[work.copy].truncated_through = work.through;
        }
    }
    Ok(progressed)
}

/// Generations each storage group of a lab just built has written: the first, which creating
/// and mounting its database wrote (the open log `E00.log` is the second). One log per copy
/// keeps building a 500-storage-group lab quick and small.
pub const FIRST_GENERATIONS: u64 = 1;

/// Makes a lab just built (`files` is its files directory; whatever a build cut short left
/// there is removed first) look like an estate that has run: every storage group whose
/// database is mounted has written [`FIRST_GENERATIONS`] logs (holding no message: the
/// database's own transactions, so the mail ledger is untouched), all closed at `now`.
///
/// The files are those replication leaves (`plan`, `active_plan`, `passive_truncation`): the
/// active copy has replayed all but its Lost Log Resilience depth; every passive copy was
/// seeded from that database and has received and inspected every log since; a CCR copy has
/// replayed them all, an SCR copy holds its newest 50 back (SP1's replay delay); nothing is
/// deleted before the active copy has replayed it. They are written directly and made durable
/// with one sync of the file system.
pub fn write_first_logs(files: &Path, estate: &mut Estate, now: DateTime<Utc>) -> io::Result<()> {
    match std::fs::remove_dir_all(files) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let at_ms = now.timestamp_millis();
    let newest = FIRST_GENERATIONS;
    let seeded = newest.saturating_sub(replication::LLR_DEPTH);
    let mut wrote = false;
    for index in 0..estate.storage_groups.len() {
        let sg = &estate.storage_groups[index];
        let online = estate.server_of(sg).is_some_and(|s| s.state == crate::api::CmsState::Online);
        if !online || !estate.databases_of(sg).any(|db| db.mounted) {
            continue;
        }
        let Some(active) = active_files(files, estate, sg) else { continue };
        active.write_history(seeded, seeded + 1..=newest, sg.lineage, at_ms, true)?;
        for position in estate.copy_positions_of(sg) {
            let copy = &estate.copies[position];
            let replayed = match copy.kind {
                CopyKind::ClusterContinuous => newest,
                CopyKind::StandbyContinuous { .. } => {
                    newest.saturating_sub(replication::SCR_REPLAY_HOLD_BACK).max(seeded)
                }
            };
            let Some(files) = copy_files(files, estate, copy) else { continue };
            files.write_history(replayed, seeded + 1..=newest, sg.lineage, at_ms, false)?;
            let c = &mut estate.copies[position];
            (c.last_log_copied, c.last_log_inspected, c.last_log_replayed) = (newest, newest, replayed);
            (c.last_copied_at, c.last_inspected_at) = (Some(now), Some(now));
            c.last_replayed_at = (replayed > 0).then_some(now);
        }
        let sg = &mut estate.storage_groups[index];
        sg.last_log_generated = newest;
        sg.last_log_generated_at = Some(now);
        sg.active_replayed = seeded;
        wrote = true;
    }
    if wrote {
        rustix::fs::syncfs(std::fs::File::open(files)?)?;
    }
    Ok(())
}

/// A database mounted for the first time in a storage group whose log stream never started (a
/// new storage group): the mount writes the storage group's first log (the database created
/// and mounted) and opens the next, as [`write_first_logs`] does for a new lab; replication
/// then ships it. Returns whether it wrote one (nothing when the storage group has logs).
pub fn start_log_stream(files: &Path, estate: &mut Estate, index: usize, now: DateTime<Utc>) -> io::Result<bool> {
    let sg = &estate.storage_groups[index];
    let Some(active) = active_files(files, estate, sg) else { return Ok(false) };
    active.open_or_create()?;
    if sg.last_log_generated > 0 || active.has_files()? {
        return Ok(false);
    }
    active.write_history(0, 1..=FIRST_GENERATIONS, sg.lineage, now.timestamp_millis(), true)?;
    active.open_log_path().open_read()?.sync_data()?;
    active.sync()?;
    let sg = &mut estate.storage_groups[index];
    sg.last_log_generated = FIRST_GENERATIONS;
    sg.last_log_generated_at = Some(now);
    Ok(true)
}

/// What a copy added where an earlier copy was (Enable-StorageGroupCopy after a Disable)
/// found in its folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EarlierFiles {
    /// Nothing: the copy starts from the first log its source holds.
    None,
    /// Logs and a database of the same log stream that the source can continue: the copy takes
    /// them up (no reseed needed) and receives what follows.
    Continued,
    /// Files the source cannot continue (another lineage, newer than the source, or the logs
    /// after them deleted on the source): the copy needs a reseed.
    Stale,
}

/// Whether copy `copy` can continue from the files an earlier copy left in its folder; when it
/// can, its counters are set from them.
pub fn continuable(files: &Path, estate: &mut Estate, copy: usize) -> io::Result<EarlierFiles> {
    let c = &estate.copies[copy];
    let (Some(target), Some(sg)) = (copy_files(files, estate, c), estate.storage_group_of(&c.server, &c.storage_group))
    else {
        return Ok(EarlierFiles::None);
    };
    if !target.has_files()? {
        return Ok(EarlierFiles::None);
    }
    let disk = target.on_disk()?;
    let source_holds_next = match active_files(files, estate, sg) {
        Some(source) => {
            disk.inspected >= sg.last_log_generated
                || source.closed_generations()?.first().is_some_and(|first| *first <= disk.inspected + 1)
        }
        None => false,
    };
    let same_stream = disk.lineage == sg.lineage && disk.open.is_none() && disk.inspected <= sg.last_log_generated;
    if !(same_stream && source_holds_next) {
        return Ok(EarlierFiles::Stale);
    }
    let c = &mut estate.copies[copy];
    (c.last_log_copied, c.last_log_inspected, c.last_log_replayed) = (disk.inspected, disk.inspected, disk.replayed);
    Ok(EarlierFiles::Continued)
}

/// Ships, inspects and replays what `work` asks for, stopping at the first defect, and makes
/// the batch durable with one sync at the end (before the progress is reported, so the source
/// never truncates a log a copy could still lose).
fn carry_out(lab: &Path, work: &CopyWork, now: DateTime<Utc>) -> io::Result<CopyProgress> {
    let source = CopyFiles::new(lab, &work.source_node, &work.server, &work.storage_group, &work.prefix);
    let target = CopyFiles::new(lab, &work.target_node, &work.server, &work.storage_group, &work.prefix);
    let disk = match target.on_disk() {
        Ok(disk) => disk,
        // The copy's files are gone (deleted on its node): it cannot continue; after three
        // attempts it is Failed and says to reseed, which recreates them.
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            // The kind, not the error: its text holds the server's path, and viewers read this.
            let defect = format!("the copy's files are missing on {} ({})", work.target_node, e.kind());
            return Ok(CopyProgress {
                defect: Some((target.log_name(work.ship.start().to_owned()), defect)),
                ..Default::default()
            });
        }
        Err(e) => return Err(e),
    };
    let mut progress = CopyProgress {
        copied: disk.inspected,
        inspected: disk.inspected,
        replayed: disk.replayed,
        ..Default::default()
    };
    let lag_cutoff = now.timestamp_millis().saturating_sub(work.replay_lag_ms);
    let replayable = |generation: u64, closed_ms: i64| {
        generation <= work.replay_through && (work.replay_lag_ms == 0 || closed_ms <= lag_cutoff)
    };
    let mut replay = target.start_replay()?;
    // Logs inspected earlier and still waiting for replay (an SCR copy's hold-back and lag).
    while replay.next() <= progress.inspected.min(work.replay_through) {
        let generation = replay.next();
        let bytes = target.read_log(generation)?;
        // The close time is read from the log only to honour the lag; `add` inspects it whole.
        let closed = crate::engine::log_format::inspect(&bytes, generation, None).map_or(i64::MIN, |s| s.closed_ms);
        if !replayable(generation, closed) {
            break;
        }
        if let Err(defect) = replay.add(generation, &bytes)? {
            progress.defect = Some((target.log_name(generation), defect.to_string()));
            break;
        }
    }
    if progress.defect.is_none() {
        let mut bytes = Vec::with_capacity(1 << 20);
        for generation in work.ship.clone().filter(|g| *g > disk.inspected) {
            progress.copied = generation;
            let received = match target.receive(&source, generation, Some(work.lineage), &mut bytes) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    progress.defect =
                        Some((source.log_name(generation), "the source no longer holds this log".to_string()));
                    break;
                }
                other => other?,
            };
            match received {
                Ok(summary) => {
                    progress.inspected = generation;
                    progress.inspected_log_time = DateTime::from_timestamp_millis(summary.closed_ms);
                    if generation == replay.next() && replayable(generation, summary.closed_ms) {
                        replay.add(generation, &bytes)?.map_err(io::Error::other)?;
                    }
                }
                Err(defect) => {
                    progress.defect = Some((target.log_name(generation), defect.to_string()));
                    break;
                }
            }
        }
    }
    progress.replayed = replay.finish()?.replayed;
    target.sync()?;
    Ok(progress)
}

/// The active copy replays its own logs (up to the LLR depth) and deletes what every copy has
/// inspected.
fn housekeep(lab: &Path, estate: &mut Estate, work: &ActiveWork) -> io::Result<bool> {
    let sg = &estate.storage_groups[work.storage_group];
    let files = CopyFiles::new(lab, &work.node, &sg.server, &sg.name, &sg.log_prefix);
    let mut replay = files.start_replay()?;
    let start = replay.next();
    while replay.next() <= work.replay_through {
        let generation = replay.next();
        let bytes = files.read_log(generation)?;
        // A log damaged on the active node's own disk stays unreplayed; the copies'
        // inspectors report it.
        if replay.add(generation, &bytes)?.is_err() {
            break;
        }
    }
    let mut progressed = replay.next() > start;
    let replayed = replay.finish()?.replayed;
    if progressed {
        files.sync()?;
    }
    progressed |= files.truncate_through(work.truncate_through)? > 0;
    let sg = &mut estate.storage_groups[work.storage_group];
    sg.active_replayed = replayed;
    sg.truncated_through = work.truncate_through.min(replayed);
    Ok(progressed)
}

/// Brings copy `copy` fully up to date for an activation: ships and inspects every closed log
/// its source holds (when reachable) and replays everything, whatever its lag and hold-back.
/// Returns the generation it holds through.
pub fn drain(
    lab: &Path,
    estate: &mut Estate,
    copy: usize,
    source_reachable: bool,
    now: DateTime<Utc>,
) -> io::Result<u64> {
    let c = estate.copies[copy].clone();
    let Some(sg) = estate.storage_group_of(&c.server, &c.storage_group).cloned() else { return Ok(0) };
    let source_node = estate.server_of(&sg).map(|s| s.active_node.clone()).unwrap_or_default();
    let work = CopyWork {
        copy,
        server: sg.server.clone(),
        storage_group: sg.name.clone(),
        prefix: sg.log_prefix.clone(),
        source_node,
        target_node: c.node.clone(),
        lineage: sg.lineage,
        // Unreachable: nothing to ship (an empty range), only replay what is here.
        ship: c.last_log_inspected + 1..=if source_reachable { sg.last_log_generated } else { c.last_log_inspected },
        replay_through: u64::MAX,
        replay_lag_ms: 0,
    };
    let progress = carry_out(lab, &work, now)?;
    replication::record_progress(estate, copy, &progress, now);
    Ok(progress.replayed)
}

/// Runs passes until one makes no progress, so every copy that can catch up has. Used by a
/// scheduled move's flush and by the lab's settle.
pub fn catch_up(lab: &Path, estate: &mut Estate, now: DateTime<Utc>, passes: usize) -> io::Result<bool> {
    for _ in 0..passes {
        if !run_pass(lab, estate, now)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Sets every log counter from the files after copies changed places (a move).
pub fn recount(lab: &Path, estate: &mut Estate) -> io::Result<()> {
    for index in 0..estate.copies.len() {
        let Some(files) = copy_files(lab, estate, &estate.copies[index]) else { continue };
        files.open_or_create()?;
        let disk = files.on_disk()?;
        let copy = &mut estate.copies[index];
        copy.last_log_copied = disk.inspected;
        copy.last_log_inspected = disk.inspected;
        copy.last_log_replayed = disk.replayed;
    }
    for index in 0..estate.storage_groups.len() {
        let Some(files) = active_files(lab, estate, &estate.storage_groups[index]) else { continue };
        files.open_or_create()?;
        estate.storage_groups[index].active_replayed = files.checkpoint()?.replayed;
    }
    Ok(())
}

/// Creates any copy directory that is missing, repairs what a crash left, and sets every log
/// counter of the estate from the files (the files are the truth for logs).
pub fn refresh_from_disk(lab_dir: &Path, estate: &mut Estate) -> io::Result<()> {
    // A reset or import cut short leaves a files directory the estate does not name.
    for entry in std::fs::read_dir(lab_dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("nodes") && name != estate.files_dir && entry.path().is_dir() {
            std::fs::remove_dir_all(entry.path())?;
        }
    }
    let root = files_root(lab_dir, estate);
    let lab = root.as_path();
    let mut highest_id = 0;
    for index in 0..estate.storage_groups.len() {
        let sg = &estate.storage_groups[index];
        let Some(files) = active_files(lab, estate, sg) else { continue };
        files.open_or_create()?;
        let disk = files.on_disk()?;
        // Only a delivery cut short by a crash can have written ids SQLite does not know: they
        // are in the logs after the last generation SQLite recorded, or in the open log.
        let unrecorded = files.ids_in_logs_after(sg.last_log_generated)?;
        highest_id = highest_id.max(unrecorded.into_iter().max().unwrap_or(0));
        let sg = &mut estate.storage_groups[index];
        sg.last_log_generated = disk.inspected.max(disk.open.map_or(0, |g| g - 1));
        sg.active_replayed = disk.replayed;
        sg.open_log_records = disk.open_records;
    }
    recount(lab, estate)?;
    // Messages written to a log whose acknowledgement never reached SQLite (a crash between
    // the two) keep their ids: new messages never reuse one.
    estate.next_message_id = estate.next_message_id.max(highest_id + 1);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_labs_first_logs_are_written_again_over_what_a_build_cut_short_left() {
        let dir = tempfile::tempdir().expect("temp dir");
        let files = dir.path().join("nodes");
        let now = Utc::now();
        let build = || crate::engine::topology::build("seed", crate::engine::topology::SEED).expect("seed builds");
        let mut cut_short = build();
        write_first_logs(&files, &mut cut_short, now).expect("written");
        // A stray log from the build that was cut short: a second build starts clean.
        let sg = cut_short.storage_groups[0].clone();
        let active = active_files(&files, &cut_short, &sg).expect("active");
        active.write_history(0, 1..=5, sg.lineage, 0, true).expect("stray logs");
        let mut estate = build();
        write_first_logs(&files, &mut estate, now).expect("written again");
        let disk = active.on_disk().expect("on disk");
        assert_eq!((disk.inspected, disk.replayed, disk.open), (FIRST_GENERATIONS, 0, None));
        assert_eq!(active.closed_generations().expect("logs"), vec![1]);
        for copy in estate.copies.iter() {
            let files = copy_files(&files, &estate, copy).expect("copy");
            let disk = files.on_disk().expect("on disk");
            assert_eq!((disk.inspected, disk.replayed), (1, 1), "{copy:?}");
            assert_eq!((copy.last_log_inspected, copy.last_log_replayed), (1, 1));
            assert_eq!(copy.last_replayed_at, Some(now));
        }
        assert_eq!(estate.storage_groups[0].last_log_generated, FIRST_GENERATIONS);
    }
}
