//! The lab's mail ledger as `Get-LabMailStatistics` reports it, and the scan that counts it
//! from the files.
//!
//! The everyday answer comes from counters kept with the ledger in each storage group
//! ([`MailCounters`]): constant time and memory, and consistent with the estate version it was
//! read with. The counters change with every delivery (accepted) and are recounted from the
//! files by [`scan`] whenever the active copy changes other than by a delivery (a failover with
//! missing logs, logs recovered, a lossy mount and its dumpster, a damaged log): the same
//! comparison of the ledger with what the active copy holds that `-Verify` makes on demand. The
//! scan streams: a bitmap of the ids the copy holds (one bit per id ever given out) and the
//! ledger's ranges one at a time.
//!
//! Must not: decide anything about the estate, or hold a message list in memory.

use std::collections::HashMap;

use super::copy_files::CopyFiles;
use super::store::{JournalRead, MessageFate, MessageRef, StoreError};
use crate::api;
use crate::engine::{Database, MailCounters, StorageGroup, identity};

/// The ids a copy holds, one bit each.
pub struct Held {
    bits: Vec<u64>,
}

impl Held {
    /// Reads the ids `files` hold (none if it has no files); `ids` is one past the highest id
    /// ever given out.
    pub fn of(files: Option<&CopyFiles>, ids: u64) -> std::io::Result<Held> {
        let words = usize::try_from(ids / 64 + 1).unwrap_or(usize::MAX);
        let mut held = Held { bits: vec![0; words] };
        if let Some(files) = files {
            files.for_each_message_id(&mut |id| held.insert(id))?;
        }
        Ok(held)
    }

    fn insert(&mut self, id: u64) {
        let (word, bit) = (usize::try_from(id / 64).unwrap_or(usize::MAX), id % 64);
        if word >= self.bits.len() {
            self.bits.resize(word + 1, 0);
        }
        self.bits[word] |= 1 << bit;
    }

    pub fn contains(&self, id: u64) -> bool {
        usize::try_from(id / 64).ok().and_then(|w| self.bits.get(w)).is_some_and(|word| word & (1 << (id % 64)) != 0)
    }
}

/// A storage group's ledger counted against its active copy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub counters: MailCounters,
    pub present: u64,
    pub lost_ids: Vec<u64>,
}

/// Counts the ledger of `sg` against the ids `held` by its active copy. `pending` are fates this
/// very change records (not in the store yet): lost first, then resent.
pub fn scan(
    reader: &dyn JournalRead,
    sg: &StorageGroup,
    held: &Held,
    pending_lost: &[MessageRef],
    pending_resent: &[MessageRef],
) -> Result<Tally, StoreError> {
    let mine =
        |m: &&MessageRef| m.server.eq_ignore_ascii_case(&sg.server) && m.storage_group.eq_ignore_ascii_case(&sg.name);
    let mut fates: HashMap<u64, MessageFate> =
        reader.fates(&sg.server, &sg.name)?.into_iter().map(|f| (f.id, f)).collect();
    for m in pending_lost.iter().filter(mine) {
        let fate = fates.entry(m.id).or_insert(MessageFate { id: m.id, lost: false, resent: false });
        fate.lost = true;
    }
    for m in pending_resent.iter().filter(mine) {
        let fate = fates.entry(m.id).or_insert(MessageFate { id: m.id, lost: false, resent: false });
        (fate.lost, fate.resent) = (false, true);
    }
    let mut tally = Tally::default();
    reader.accepted(&sg.server, &sg.name, false, &mut |range| {
        tally.counters.accepted += range.count;
        tally.counters.accepted_bytes += range.count.saturating_mul(range.size);
        for id in range.ids() {
            if held.contains(id) {
                tally.present += 1;
            } else if fates.get(&id).is_some_and(|f| f.lost) {
                tally.counters.lost += 1;
                tally.lost_ids.push(id);
            } else {
                tally.counters.unavailable += 1;
            }
        }
        true
    })?;
    tally.counters.resent = fates.values().filter(|f| f.resent).count() as u64;
    Ok(tally)
}

/// The statistics of database `db` from its storage group's counters; the lost ids (bounded by
/// what lossy mounts lost) from the ledger's fates.
pub fn from_counters(
    db: &Database,
    sg: &StorageGroup,
    reader: &dyn JournalRead,
) -> Result<api::MailStatistics, StoreError> {
    let c = sg.mail;
    let lost_ids = reader.fates(&sg.server, &sg.name)?.into_iter().filter(|f| f.lost).map(|f| f.id).collect();
    Ok(api::MailStatistics {
        database: identity::database_identity(db),
        accepted: c.accepted,
        present: c.accepted.saturating_sub(c.lost).saturating_sub(c.unavailable),
        lost: c.lost,
        unavailable: c.unavailable,
        resent: c.resent,
        lost_ids,
    })
}

/// The statistics of database `db` from a scan.
pub fn from_tally(db: &Database, tally: Tally) -> api::MailStatistics {
    api::MailStatistics {
        database: identity::database_identity(db),
        accepted: tally.counters.accepted,
        present: tally.present,
        lost: tally.counters.lost,
        unavailable: tally.counters.unavailable,
        resent: tally.counters.resent,
        lost_ids: tally.lost_ids,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bitmap_holds_what_was_inserted_and_grows() {
        let mut held = Held::of(None, 10).expect("empty");
        held.insert(3);
        held.insert(1_000);
        assert!(held.contains(3) && held.contains(1_000));
        assert!(!held.contains(4) && !held.contains(999) && !held.contains(u64::MAX));
    }
}
