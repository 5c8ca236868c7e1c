//! Fuzz target: ccrd's snapshot reader, as `Import-Lab` runs it on an upload: the container
//! (`api::snapshot::decode`), then the estate database it holds (`service::store::read_snapshot`:
//! read-only, schema compared, SQLite's limits lowered, a time budget) and the estate's
//! validation. Never a panic, and never longer than the budget.
//!
//! The input is the container *without* its closing CRC-32: the target appends the right one,
//! so mutations reach the entries and the database instead of stopping at the checksum. The
//! raw input is decoded as well, checksum and all.

#![no_main]

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;

use ccrsh::api::snapshot;

/// Shorter than the 20 s ccrd gives an upload, so that an input SQLite is slow on shows at once
/// (the check allows three times this, for a loaded machine).
const BUDGET: Duration = Duration::from_secs(2);

fuzz_target!(|data: &[u8]| {
    let _ = snapshot::decode(data);
    let mut sealed = data.to_vec();
    sealed.extend_from_slice(&crc32fast::hash(data).to_le_bytes());
    let Ok(entries) = snapshot::decode(&sealed) else { return };
    let Some((_, database)) = entries.iter().find(|(name, _)| name == "estate.db") else { return };
    let path = std::env::temp_dir().join(format!("ccrsh-fuzz-snapshot-{}.db", std::process::id()));
    if std::fs::write(&path, database).is_err() {
        return;
    }
    let started = Instant::now();
    if let Ok(estate) = ccrsh::service::store::read_snapshot(&path, BUDGET) {
        let _ = ccrsh::engine::validate::estate(&estate);
    }
    let _ = std::fs::remove_file(&path);
    assert!(started.elapsed() < BUDGET * 3, "reading took {:?}", started.elapsed());
});
