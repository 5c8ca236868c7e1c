//! What Exchange's database utility (`eseutil /mh`) reads in a database file's header, from
//! the estate and the facts of the copy's files: whether the Information Store has the file
//! open, whether it was shut down clean, and which logs soft recovery would need.
//!
//! The lab's rules (docs/engine.md, "eseutil"): the active copy's database, mounted, is open in
//! the Information Store (eseutil gets JET_errFileAccessDenied); a passive copy still in
//! replication is held in replay, so its header reads Dirty Shutdown, as Exchange 2007's
//! passive copies do; any other database is Clean Shutdown once every closed log is replayed
//! into it and no open log holds records, and Dirty Shutdown otherwise, needing the logs from
//! the one after its checkpoint to the newest.
//!
//! Must not: read files (the service hands in what it found) or change anything.

use super::estate::Estate;
use crate::api::CmsState;

/// What the service found in a copy's folder.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CopyOnDisk {
    /// The checkpoint: the last generation replayed into the database.
    pub replayed: u64,
    /// The newest closed log in the folder (0: none).
    pub newest_closed: u64,
    /// Records in the open log (`E00.log`); only an active copy has one.
    pub open_records: u64,
}

/// The header's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderState {
    pub in_use: bool,
    pub clean: bool,
    pub log_required: [u64; 2],
}

/// The header of the database of `server\storage_group` in its copy on `node`.
pub fn header_state(estate: &Estate, node: &str, server: &str, storage_group: &str, disk: CopyOnDisk) -> HeaderState {
    let cms = estate.servers.iter().find(|s| s.name.eq_ignore_ascii_case(server));
    let active = cms.is_some_and(|s| s.active_node.eq_ignore_ascii_case(node));
    let mounted = cms.is_some_and(|s| matches!(s.state, CmsState::Online | CmsState::PartiallyOnline))
        && estate.databases.iter().any(|d| {
            d.server.eq_ignore_ascii_case(server) && d.storage_group.eq_ignore_ascii_case(storage_group) && d.mounted
        });
    let in_use = active && mounted;
    let in_replay = !active
        && estate.copies.iter().any(|c| {
            c.server.eq_ignore_ascii_case(server)
                && c.storage_group.eq_ignore_ascii_case(storage_group)
                && c.node.eq_ignore_ascii_case(node)
                && !c.restored
        });
    let open = if active && disk.open_records > 0 { disk.newest_closed.max(disk.replayed) + 1 } else { 0 };
    let newest = disk.newest_closed.max(open);
    let pending = newest > disk.replayed;
    let clean = !in_use && !in_replay && !pending;
    let log_required = if clean {
        [0, 0]
    } else if pending {
        [disk.replayed + 1, newest]
    } else {
        [disk.replayed, disk.replayed]
    };
    HeaderState { in_use, clean, log_required }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::topology::{SEED, build};

    const FIRST: &str = "First Storage Group";

    #[test]
    fn the_mounted_active_database_is_in_use_and_a_dismounted_replayed_one_is_clean() {
        let mut e = build("seed", SEED).expect("seed");
        let disk = CopyOnDisk { replayed: 7, newest_closed: 7, open_records: 0 };
        assert!(header_state(&e, "NH-W2K3-SRV03", "CCREX01", FIRST, disk).in_use);
        e.databases.iter_mut().for_each(|d| d.mounted = false);
        let state = header_state(&e, "nh-w2k3-srv03", "CCREX01", FIRST, disk);
        assert_eq!(state, HeaderState { in_use: false, clean: true, log_required: [0, 0] });
        let behind = CopyOnDisk { replayed: 5, newest_closed: 7, open_records: 3 };
        let state = header_state(&e, "NH-W2K3-SRV03", "CCREX01", FIRST, behind);
        assert_eq!(state, HeaderState { in_use: false, clean: false, log_required: [6, 8] }, "the open log counts");
    }

    #[test]
    fn a_passive_copy_in_replication_is_dirty_until_restored() {
        let mut e = build("seed", SEED).expect("seed");
        let disk = CopyOnDisk { replayed: 4, newest_closed: 6, open_records: 0 };
        let state = header_state(&e, "NH-W2K3-SRV04", "CCREX01", FIRST, disk);
        assert_eq!(state, HeaderState { in_use: false, clean: false, log_required: [5, 6] });
        let caught_up = CopyOnDisk { replayed: 6, newest_closed: 6, open_records: 0 };
        assert_eq!(header_state(&e, "NH-W2K3-SRV04", "CCREX01", FIRST, caught_up).log_required, [6, 6]);
        e.copies.iter_mut().for_each(|c| c.restored = true);
        assert!(header_state(&e, "NH-W2K3-SRV04", "CCREX01", FIRST, caught_up).clean);
        assert!(!header_state(&e, "NH-W2K3-SRV04", "CCREX01", FIRST, disk).clean, "logs left to replay");
    }
}
