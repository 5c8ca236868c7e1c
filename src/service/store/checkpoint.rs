//! Checkpointing the estate database's write-ahead log on a thread of its own.
//!
//! SQLite's automatic checkpoint runs inside the commit that takes the log past its threshold:
//! that commit writes every logged page back to the database file and syncs both files before
//! it returns, so the whole batch of the group commit that crossed it waits, and with it every
//! delivery queued behind — the tail of the acknowledgements. Here the commit only notes that
//! the log has grown ([`Checkpointer::install`] replaces the automatic checkpoint with a hook),
//! and a thread with its own connection does the checkpoint (`PASSIVE`: it never blocks the
//! writer, which goes on appending meanwhile). The thread starts at the first checkpoint a
//! store needs, so a short-lived store (a `ccrsh -c` that changes nothing) never starts it.
//!
//! Owns: the checkpoint thread and its connection. Must not: write anything but checkpoints.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;

use rusqlite::{Connection, OpenFlags};

/// The log's size, in pages, past which a checkpoint is asked for (SQLite's own default).
const CHECKPOINT_PAGES: i32 = 1000;
/// The size past which the committing connection checkpoints itself, as SQLite would: the
/// thread has fallen this far behind (a reader held the log, or the disk is that slow).
const INLINE_PAGES: i32 = 20 * CHECKPOINT_PAGES;

/// Stops (and waits for) the checkpoint thread when dropped. Drop it before the connection it
/// was installed on, so that connection is the last one and removes the log when it closes.
pub struct Checkpointer {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    /// Checkpoints the thread has done.
    done: AtomicU64,
}

#[derive(Default)]
struct State {
    wanted: bool,
    stopping: bool,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Replaces `connection`'s automatic checkpoint (of the database at `path`) with one done
    /// in the background.
    pub fn install(connection: &mut Connection, path: &Path) -> rusqlite::Result<Checkpointer> {
        let shared = Arc::new(Shared::default());
        let hook_shared = Arc::clone(&shared);
        let path = path.to_path_buf();
        connection.wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, pages: std::ffi::c_int| {
            if pages >= INLINE_PAGES {
                return wal.checkpoint();
            }
            if pages >= CHECKPOINT_PAGES {
                hook_shared.want(&path);
            }
            Ok(())
        }))?;
        Ok(Checkpointer { shared })
    }
}

impl Shared {
    /// Asks for a checkpoint, starting the thread if it is not running yet.
    fn want(self: &Arc<Shared>, path: &Path) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.stopping {
            return;
        }
        state.wanted = true;
        if state.thread.is_none() {
            let shared = Arc::clone(self);
            let path = path.to_path_buf();
            match std::thread::Builder::new().name("estate-checkpoint".into()).spawn(move || shared.run(&path)) {
                Ok(thread) => state.thread = Some(thread),
                // No thread: the log grows to INLINE_PAGES and the commit checkpoints itself.
                Err(e) => tracing::warn!(error = %e, "could not start the estate's checkpoint thread"),
            }
        }
        self.wake.notify_one();
    }

    #[cfg(test)]
    fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    fn run(&self, path: &PathBuf) {
        let connection = match Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        ) {
            // The checkpoint syncs the log before and the database after it, as the
            // committing connection would (`synchronous = FULL`).
            Ok(connection) => match connection.execute_batch("PRAGMA synchronous = FULL;") {
                Ok(()) => connection,
                Err(e) => return tracing::warn!(error = %e, "the estate's checkpoint thread could not start"),
            },
            Err(e) => return tracing::warn!(error = %e, "the estate's checkpoint thread could not open the database"),
        };
        loop {
            {
                let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
                while !state.wanted && !state.stopping {
                    state = self.wake.wait(state).unwrap_or_else(PoisonError::into_inner);
                }
                if state.stopping {
                    return;
                }
                state.wanted = false;
            }
            match connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                Ok(()) => {
                    self.done.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => tracing::warn!(
                    error = %e,
                    "checkpointing the estate's log failed (the next commit past the threshold tries again)"
                ),
            }
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let thread = {
            let mut state = self.shared.state.lock().unwrap_or_else(PoisonError::into_inner);
            state.stopping = true;
            state.thread.take()
        };
        self.shared.wake.notify_one();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// Once commits take the log past the threshold the thread checkpoints it (the commits
    /// do not: the automatic checkpoint is off), and the log is gone once the store is closed,
    /// with every row in the database.
    #[test]
    fn the_log_is_checkpointed_in_the_background_and_removed_at_close() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("estate.db");
        let mut connection = Connection::open(&path).expect("open");
        connection.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (x BLOB);").expect("schema");
        let checkpointer = Checkpointer::install(&mut connection, &path).expect("installed");
        let blob = vec![7u8; 3000];
        for _ in 0..1200 {
            connection.execute("INSERT INTO t VALUES (?1)", [&blob]).expect("insert");
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        while checkpointer.shared.done() == 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(checkpointer.shared.done() > 0, "the thread checkpointed the log");
        drop(checkpointer);
        drop(connection);
        assert!(!dir.path().join("estate.db-wal").exists(), "the last connection removed the log");
        let rows: i64 = Connection::open(&path)
            .expect("reopen")
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .expect("count");
        assert_eq!(rows, 1200);
    }
}
