//! The reference for durable deliveries (bench/ccrd.sh, docs/performance.md): SQLite's own
//! single-row commit rate on the same disk, with the settings ccrd's store uses — WAL,
//! `synchronous = FULL` — one writer, one INSERT of a small row per transaction.
//!
//! Usage: `sqlite_commits DIR [COMMITS]` (default 2000 commits). Prints one line:
//! `sqlite single-row commits: RATE/s median MS p99 MS`.

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or("usage: sqlite_commits DIR [COMMITS]")?;
    let commits: usize = args.next().map_or(Ok(2000), |n| n.parse())?;
    let path = std::path::Path::new(&dir).join("sqlite-commits.db");
    let _ = std::fs::remove_file(&path);
    let connection = rusqlite::Connection::open(&path)?;
    connection.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
         CREATE TABLE ledger (id INTEGER PRIMARY KEY, server TEXT, storage_group TEXT, size INTEGER, at TEXT);",
    )?;
    let mut latencies = Vec::with_capacity(commits);
    let started = Instant::now();
    for id in 1..=commits {
        let one = Instant::now();
        connection.execute(
            "INSERT INTO ledger VALUES (?1, 'CCREX01', 'First Storage Group', 1024, '2026-11-29T12:00:00Z')",
            [i64::try_from(id)?],
        )?;
        latencies.push(one.elapsed().as_secs_f64() * 1000.0);
    }
    let rate = commits as f64 / started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    let median = latencies[latencies.len() / 2];
    let p99 = latencies[latencies.len() * 99 / 100];
    println!("sqlite single-row commits: {rate:.0}/s median {median:.3} ms p99 {p99:.3} ms");
    drop(connection);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    Ok(())
}
