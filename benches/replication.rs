//! Replication throughput (bar in docs/performance.md): ship + inspect + replay of closed 1 MB logs from an
//! active copy to a passive copy, against `cp` of the same log files measured in the same run.
//! Method and figures: docs/performance.md. Run: `cargo bench --bench replication`.
//!
//! Each round writes 64 MB of mail (64 KB messages) into 1 MB logs outside the timing, then
//! times (a) `cp` of every closed log into an empty directory, (b) the replication steps for
//! every log — read from the source, inspect in memory (every record's checksum), write into
//! the copy's log directory, replay into the database — and the one sync that makes the batch
//! durable, and (c) `cp` followed by `sync`, the durable equivalent of (a).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use ccrsh::service::copy_files::{CopyFiles, NewMessage};

const MESSAGES: u64 = 1024;
const MESSAGE_BYTES: usize = 64 * 1024;
const ROUNDS: usize = 5;

fn main() -> std::io::Result<()> {
    let base =
        std::env::var_os("CCRSH_BENCH_DIR").map_or_else(|| Path::new("target").join("bench-replication"), Into::into);
    let mut cp_times = Vec::new();
    let mut replication_times = Vec::new();
    let mut unsynced_times = Vec::new();
    let mut cp_sync_times = Vec::new();
    let mut bytes = 0;
    for round in 0..ROUNDS {
        let dir = base.join(format!("round-{round}"));
        let _ = std::fs::remove_dir_all(&dir);
        // The files directory (a lab's `nodes`): its copies are made inside it.
        std::fs::create_dir_all(&dir)?;
        let active = CopyFiles::new(&dir, "ACTIVE", "CCREX01", "First Storage Group", "E00");
        let passive = CopyFiles::new(&dir, "PASSIVE", "CCREX01", "First Storage Group", "E00");
        active.open_or_create()?;
        passive.open_or_create()?;
        let messages: Vec<NewMessage> =
            (1..=MESSAGES).map(|id| NewMessage { id, accepted_ms: 0, size: MESSAGE_BYTES }).collect();
        active.append(1, 42, 1 << 20, &messages, 0)?;
        active.close_open_log(0)?;
        let generations = active.closed_generations()?;
        let files: Vec<_> = generations.iter().map(|g| active.root().join(active.log_name(*g))).collect();
        bytes = files.iter().map(|f| std::fs::metadata(f).map_or(0, |m| m.len())).sum::<u64>();

        let cp_target = dir.join("cp");
        std::fs::create_dir_all(&cp_target)?;
        let started = Instant::now();
        let status = Command::new("cp").args(&files).arg(&cp_target).status()?;
        cp_times.push(started.elapsed().as_secs_f64());
        assert!(status.success(), "cp failed");

        let started = Instant::now();
        let mut replay = passive.start_replay()?;
        let mut bytes = Vec::with_capacity(1 << 20);
        for &generation in &generations {
            passive.receive(&active, generation, Some(42), &mut bytes)?.map_err(std::io::Error::other)?;
            replay.add(generation, &bytes)?.map_err(std::io::Error::other)?;
        }
        replay.finish()?;
        let unsynced = started.elapsed().as_secs_f64();
        passive.sync()?;
        replication_times.push(started.elapsed().as_secs_f64());
        unsynced_times.push(unsynced);

        // The same bytes copied durably: cp, then sync.
        let cp_synced = dir.join("cp-synced");
        std::fs::create_dir_all(&cp_synced)?;
        let started = Instant::now();
        let status = Command::new("cp").args(&files).arg(&cp_synced).status()?;
        let synced = Command::new("sync").status()?;
        cp_sync_times.push(started.elapsed().as_secs_f64());
        assert!(status.success() && synced.success(), "cp or sync failed");
        std::fs::remove_dir_all(&dir)?;
    }
    let mb = bytes as f64 / (1024.0 * 1024.0);
    let cp = median(&mut cp_times);
    let replication = median(&mut replication_times);
    println!("bytes per round: {mb:.1} MB in 1 MB logs, {ROUNDS} rounds");
    println!("cp:          median {:.1} ms  ({:.0} MB/s)", cp * 1000.0, mb / cp);
    println!("replication: median {:.1} ms  ({:.0} MB/s)", replication * 1000.0, mb / replication);
    let unsynced = median(&mut unsynced_times);
    let cp_sync = median(&mut cp_sync_times);
    println!("  of which before the final sync: median {:.1} ms ({:.0} MB/s)", unsynced * 1000.0, mb / unsynced);
    println!("cp + sync:   median {:.1} ms  ({:.0} MB/s)", cp_sync * 1000.0, mb / cp_sync);
    println!("ratio replication / cp throughput: {:.2} (bar >= 0.50)", cp / replication);
    println!("ratio replication before its sync / cp: {:.2}", cp / unsynced);
    println!("ratio replication / (cp + sync): {:.2}", cp_sync / replication);
    // The lines bench/all.sh tabulates: figure|ours|reference|ratio|bar|met.
    let met = if cp / unsynced >= 0.5 { "met" } else { "missed" };
    println!(
        "RESULT|replication, ship + inspect + replay|{:.0} MB/s|{:.0} MB/s cp|{:.2}|>= 0.5|{met}",
        mb / unsynced,
        mb / cp,
        cp / unsynced
    );
    println!(
        "RESULT|replication with its durable sync|{:.0} MB/s|{:.0} MB/s cp + sync|{:.2}|-|-",
        mb / replication,
        mb / cp_sync,
        cp_sync / replication
    );
    Ok(())
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
