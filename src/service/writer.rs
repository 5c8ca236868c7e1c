//! The writer: the one path from a decided change to a durable, published estate, with group
//! commit.
//!
//! A change (or a delivery, or a replication pass that changed a status) is *decided* under the
//! writer lock on the decided estate — every change decided so far, committed or not — and its
//! file steps are done there too. It then joins the queue and waits. The first waiter that finds
//! no commit in flight becomes the leader: it takes everything queued, syncs the log files the
//! batch appended to, writes in one store transaction what the batch changed (the difference
//! between the estate the store holds and the batch's last estate) with every journal of the
//! batch, publishes that estate to readers, and wakes the batch. So requests that arrive while a
//! commit is in flight share the next one, and nothing is acknowledged before the commit that
//! holds it. A failed commit fails its batch and everything decided after it: the decided estate
//! starts again from the last published one.
//!
//! The copies' files have a lock of their own, taken after the writer lock by every change
//! ([`Writer::decide`]) but not by deliveries ([`Writer::decide_appending`]), which only append to
//! active copies' open logs: so a replication pass can ship, replay and sync logs under the files
//! lock alone while deliveries go on. The pass takes what to do under the writer lock, does it
//! under the files lock, and records the result under the writer lock again — if no change took
//! the files lock since it planned ([`Writer::files_epoch`], checked before the file work and again
//! before the recording); otherwise it does the pass again the
//! old way, under both.
//!
//! Owns: the writer lock, the files lock, the queue, the leader's commit, publishing, the store handle, and the
//! lab's clean-shutdown mark (dirty before the first decision, clean at shutdown).
//!
//! Must not: decide anything about the estate (the callers ask the engine) or answer HTTP.

use super::beneath::LabPath;
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::{Duration, Instant};

use crate::api::EventEntry;
use crate::engine::Estate;
use crate::engine::diff::EstateDiff;

use super::Cause;
use super::copy_files::{NextLog, OpenLogState};
use super::lab::CleanMark;
use super::store::{Answered, EstateStore, Journal, JournalRead, StoreError};
use super::unpoisoned;

/// What the writer tells about its commits and the estates it publishes (metrics, live status).
pub trait Observer: Send + Sync {
    /// One change's journal was committed in a batch whose commit (syncs and transaction) took
    /// `elapsed`.
    fn committed(&self, journal: &Journal, elapsed: Duration);
    /// One decided change, from `old` to `new`, became visible.
    fn published(&self, old: &Estate, new: &Estate, cause: Cause<'_>);
    /// Readers see a new estate.
    fn woke(&self);
}

/// What is done to an estate read back from a shared store before it is published.
pub type Adjust = Box<dyn Fn(&mut Estate) -> Result<(), String> + Send>;

/// A place in the queue: what a decided change waits on.
pub struct Ticket(Arc<Slot>);

/// Where the commit leaves a queued change's outcome for the thread that waits on it, and wakes
/// that thread alone.
struct Slot {
    outcome: Mutex<Option<Result<Vec<EventEntry>, NotCommitted>>>,
    thread: std::thread::Thread,
}

impl Slot {
    fn finish(&self, outcome: Result<Vec<EventEntry>, NotCommitted>) {
        *unpoisoned(&self.outcome) = Some(outcome);
        self.thread.unpark();
    }

    fn take(&self) -> Option<Result<Vec<EventEntry>, NotCommitted>> {
        unpoisoned(&self.outcome).take()
    }
}

/// Why a decided change was not committed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the change was not committed: {message}")]
pub struct NotCommitted {
    pub message: String,
    /// The store's disk is full (the batch was rolled back).
    pub disk_full: bool,
    /// Another ccrd sharing the store committed first (the estate is re-read: decide again).
    pub conflict: bool,
    /// The store cannot be written now (a distributed store without a majority).
    pub unavailable: bool,
}

impl NotCommitted {
    fn new(message: impl Into<String>) -> NotCommitted {
        NotCommitted { message: message.into(), disk_full: false, conflict: false, unavailable: false }
    }
}

impl From<&StoreError> for NotCommitted {
    fn from(e: &StoreError) -> NotCommitted {
        NotCommitted {
            message: e.to_string(),
            disk_full: e.is_disk_full(),
            conflict: matches!(e, StoreError::Conflict),
            unavailable: matches!(e, StoreError::Unavailable(_)),
        }
    }
}

/// What the writer lock protects.
pub struct Decided {
    pub estate: Estate,
    /// The epoch the estate was decided in (see `Queue::epoch`).
    epoch: u64,
    /// Whether the lab is marked as having its files changed (see [`CleanMark`]).
    marked_dirty: bool,
    mark: CleanMark,
    /// The open log of each active copy as the last append left it, so the next append need
    /// not read it (checked against the file before it is trusted).
    pub open_logs: HashMap<LabPath, OpenLogState>,
    /// Next open logs to prepare ahead, for the replication pass (see
    /// [`Deciding::prepare_next_log`]).
    next_logs: Vec<NextLog>,
}

struct Entry {
    slot: Arc<Slot>,
    cause: Cause<'static>,
    /// The decided estate once this entry was decided.
    estate: Estate,
    journal: Option<Journal>,
    /// Files appended to without a sync: synced before the commit.
    sync: Vec<LabPath>,
}

struct Queue {
    waiting: Vec<Entry>,
    committing: bool,
    /// Bumped by a failed commit: whatever was decided in an earlier epoch is void.
    epoch: u64,
    /// The estate as the store holds it (what the next commit's diff is taken against).
    stored: Estate,
}

/// How long shutting down waits for a change still running before it leaves the lab dirty.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(2);

/// Commit statistics, for metrics: how many commits, how many changes they carried, and the
/// time they took (sync and store transaction).
#[derive(Debug, Default)]
pub struct CommitStats {
    pub commits: AtomicU64,
    pub entries: AtomicU64,
    pub micros_total: AtomicU64,
    pub micros_last: AtomicU64,
}

/// The writer of one estate.
pub struct Writer {
    decided: Mutex<Decided>,
    /// The copies' files (see the module header); taken after `decided`, never before it.
    files: Mutex<()>,
    /// Bumped by every decision that holds the files lock (see [`Writer::files_epoch`]).
    files_epoch: AtomicU64,
    /// One replication pass at a time (taken before anything else).
    passes: Mutex<()>,
    queue: Mutex<Queue>,
    woken: Condvar,
    store: Mutex<Box<dyn EstateStore>>,
    published: Arc<RwLock<Estate>>,
    observer: Arc<dyn Observer>,
    /// Applied to an estate another process sharing the store committed before it is taken in
    /// (the log counters read from this process's files): see [`Writer::follow_with`].
    adjust: Mutex<Option<Adjust>>,
    /// Set by [`Writer::shut_down`]: no decision after it.
    closed: std::sync::atomic::AtomicBool,
    /// Whether next open logs wait to be prepared (read without the writer lock).
    next_logs_waiting: std::sync::atomic::AtomicBool,
    pub stats: CommitStats,
}

/// A decision in progress: the decided estate, under the writer lock (and the files lock,
/// unless it only appends).
pub struct Deciding<'w> {
    writer: &'w Writer,
    guard: MutexGuard<'w, Decided>,
    _files: Option<MutexGuard<'w, ()>>,
}

impl Writer {
    /// A writer over `store`, whose estate (as stored) is `estate`; readers see `published`.
    pub fn new(
        store: Box<dyn EstateStore>,
        estate: Estate,
        published: Arc<RwLock<Estate>>,
        mark: CleanMark,
        observer: Arc<dyn Observer>,
    ) -> Writer {
        Writer {
            decided: Mutex::new(Decided {
                estate: estate.clone(),
                epoch: 0,
                marked_dirty: false,
                mark,
                open_logs: HashMap::new(),
                next_logs: Vec::new(),
            }),
            queue: Mutex::new(Queue { waiting: Vec::new(), committing: false, epoch: 0, stored: estate }),
            files: Mutex::new(()),
            files_epoch: AtomicU64::new(0),
            passes: Mutex::new(()),
            woken: Condvar::new(),
            store: Mutex::new(store),
            published,
            observer,
            adjust: Mutex::new(None),
            closed: std::sync::atomic::AtomicBool::new(false),
            next_logs_waiting: std::sync::atomic::AtomicBool::new(false),
            stats: CommitStats::default(),
        }
    }

    /// Takes the writer lock and the files lock to decide a change. The store is told the files
    /// are about to change (once per process) before the decision can touch them.
    pub fn decide(&self) -> Result<Deciding<'_>, NotCommitted> {
        let mut deciding = self.decide_appending()?;
        deciding._files = Some(unpoisoned(&self.files));
        // Bumped while the files lock is held, so whoever takes it next sees the bump.
        self.files_epoch.fetch_add(1, Ordering::AcqRel);
        Ok(deciding)
    }

    /// Takes the writer lock, not the files lock: for a decision whose only file step is
    /// appending to active copies' open logs (a delivery), and for a replication pass's planning
    /// and recording.
    pub fn decide_appending(&self) -> Result<Deciding<'_>, NotCommitted> {
        let mut guard = unpoisoned(&self.decided);
        if self.closed.load(Ordering::Acquire) {
            return Err(NotCommitted::new("ccrd is shutting down"));
        }
        let epoch = self.queue().epoch;
        if guard.epoch != epoch {
            // A commit failed since this estate was decided: start again from what readers see.
            guard.estate = self.published.read().unwrap_or_else(PoisonError::into_inner).clone();
            guard.epoch = epoch;
            guard.open_logs.clear();
        }
        if !guard.marked_dirty {
            guard.mark.mark_dirty().map_err(|e| NotCommitted::new(format!("marking the lab dirty: {e}")))?;
            guard.marked_dirty = true;
        }
        Ok(Deciding { writer: self, guard, _files: None })
    }

    /// The files lock alone: a replication pass's file work, between its planning and its
    /// recording.
    pub fn files_lock(&self) -> MutexGuard<'_, ()> {
        unpoisoned(&self.files)
    }

    /// How many decisions have held the files lock. A replication pass planned at one value
    /// works on the files (under the files lock) and records its result (under the writer lock)
    /// only while it is unchanged: otherwise a change moved the files since the plan.
    pub fn files_epoch(&self) -> u64 {
        self.files_epoch.load(Ordering::Acquire)
    }

    /// Whether a rollover asked for a next open log to be prepared that no pass took yet.
    pub fn next_logs_waiting(&self) -> bool {
        self.next_logs_waiting.load(Ordering::Acquire)
    }

    /// One replication pass at a time: held for a whole pass, before any other lock.
    pub fn one_pass(&self) -> MutexGuard<'_, ()> {
        unpoisoned(&self.passes)
    }

    fn queue(&self) -> MutexGuard<'_, Queue> {
        unpoisoned(&self.queue)
    }

    fn store(&self) -> MutexGuard<'_, Box<dyn EstateStore>> {
        unpoisoned(&self.store)
    }

    /// Waits until the entry `ticket` is committed (leading the commit if none is in flight);
    /// returns its events as numbered by the store.
    ///
    /// It parks rather than waiting on a condition variable, and finds its outcome in its own
    /// slot: a commit wakes the threads of its batch and the first of the next, not every
    /// waiter, and those it wakes do not queue again for the queue's lock (with 32 delivering
    /// clients, waking every waiter per commit and their contention on the queue's lock were
    /// most of ccrd's context switches).
    pub fn wait(&self, ticket: Ticket) -> Result<Vec<EventEntry>, NotCommitted> {
        loop {
            if let Some(outcome) = ticket.0.take() {
                return outcome;
            }
            let queue = self.queue();
            // Finished while this thread was taking the lock: the slot is filled under it.
            if let Some(outcome) = ticket.0.take() {
                return outcome;
            }
            if !queue.committing && !queue.waiting.is_empty() {
                drop(self.lead(queue)?);
                continue;
            }
            drop(queue);
            // An unpark that came before this park makes it return at once: no wake-up is lost.
            std::thread::park();
        }
    }

    /// Commits everything queued now, as its leader, and wakes whoever waits on it.
    fn lead<'q>(&'q self, mut queue: MutexGuard<'q, Queue>) -> Result<MutexGuard<'q, Queue>, NotCommitted> {
        let batch = std::mem::take(&mut queue.waiting);
        queue.committing = true;
        let stored = queue.stored.clone();
        drop(queue);

        let started = Instant::now();
        let last = batch.last().map(|e| e.estate.clone()).unwrap_or_else(|| stored.clone());
        let journals: Vec<&Journal> = batch.iter().filter_map(|e| e.journal.as_ref()).collect();
        let outcome: Result<(Vec<Vec<EventEntry>>, bool), StoreError> = (|| {
            let files: BTreeSet<&LabPath> = batch.iter().flat_map(|e| e.sync.iter()).collect();
            for path in files {
                sync_file(path).map_err(|e| StoreError::Backend(format!("{}: {e}", path.full().display())))?;
            }
            if journals.is_empty() {
                // Only progress to publish: it is written with the next commit.
                return Ok((Vec::new(), false));
            }
            let diff = EstateDiff::between(&stored, &last);
            let mut store = self.store();
            Ok((store.commit(&diff, &journals)?, true))
        })();
        let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);

        let mut queue = self.queue();
        queue.committing = false;
        match outcome {
            Ok((events, written)) => {
                if written {
                    self.stats.commits.fetch_add(1, Ordering::Relaxed);
                    self.stats.micros_total.fetch_add(micros, Ordering::Relaxed);
                    self.stats.micros_last.store(micros, Ordering::Relaxed);
                    queue.stored = last.clone();
                }
                self.stats.entries.fetch_add(batch.len() as u64, Ordering::Relaxed);
                let elapsed = std::time::Duration::from_micros(micros);
                for journal in &journals {
                    self.observer.committed(journal, elapsed);
                }
                {
                    let mut published = self.published.write().unwrap_or_else(PoisonError::into_inner);
                    let mut before: &Estate = &published;
                    for entry in &batch {
                        self.observer.published(before, &entry.estate, entry.cause);
                        before = &entry.estate;
                    }
                    *published = last;
                }
                self.observer.woke();
                let mut events = events.into_iter();
                for entry in &batch {
                    let numbered = if entry.journal.is_some() { events.next().unwrap_or_default() } else { Vec::new() };
                    entry.slot.finish(Ok(numbered));
                }
            }
            Err(e) => {
                // (A conflict: another ccrd sharing the store committed first. Its commit reaches
                // this one through the store's watch, `follow_store`, which re-reads the estate.)
                let failure = NotCommitted::from(&e);
                queue.epoch += 1;
                let voided = std::mem::take(&mut queue.waiting);
                for entry in batch.iter().chain(voided.iter()) {
                    entry.slot.finish(Err(failure.clone()));
                }
            }
        }
        // The next batch's leader: the first waiting (if it is not waiting yet, it finds no
        // commit in flight when it comes to wait, and leads).
        if let Some(next) = queue.waiting.first() {
            next.slot.thread.unpark();
        }
        // Whoever flushes waits on the condition variable.
        self.woken.notify_all();
        Ok(queue)
    }

    /// Sets what is done to an estate another process committed before it is taken in.
    pub fn follow_with(&self, adjust: Adjust) {
        *unpoisoned(&self.adjust) = Some(adjust);
    }

    fn adjusted(&self, estate: &mut Estate) -> Result<(), String> {
        match unpoisoned(&self.adjust).as_ref() {
            Some(adjust) => adjust(estate),
            None => Ok(()),
        }
    }

    pub fn follow_store(&self) -> Result<bool, NotCommitted> {
        let guard = unpoisoned(&self.decided);
        if self.closed.load(Ordering::Acquire) {
            return Ok(false);
        }
        // The files lock too: the counters are read from the files, and a replication pass
        // working on them meanwhile must not record over the estate taken in.
        let files = unpoisoned(&self.files);
        let mut deciding = Deciding { writer: self, guard, _files: Some(files) };
        deciding.flush()?;
        let mut queue = self.queue();
        let stored = match self.store().refresh() {
            Ok(Some(fresh)) => fresh,
            Ok(None) => return Ok(false),
            Err(e) => return Err(NotCommitted::from(&e)),
        };
        let mut fresh = stored.clone();
        self.adjusted(&mut fresh).map_err(NotCommitted::new)?;
        queue.stored = stored;
        queue.epoch += 1;
        deciding.guard.estate = fresh.clone();
        deciding.guard.epoch = queue.epoch;
        self.files_epoch.fetch_add(1, Ordering::AcqRel);
        deciding.guard.open_logs.clear();
        let mut published = self.published.write().unwrap_or_else(PoisonError::into_inner);
        self.observer.published(&published, &fresh, Cause::Replaced);
        *published = fresh;
        drop(published);
        drop(queue);
        self.observer.woke();
        Ok(true)
    }

    /// Commits whatever is queued and not yet written (a replication pass's progress), then
    /// records that the lab shut down cleanly: the next open needs no repair.
    pub fn shut_down(&self) -> Result<(), NotCommitted> {
        // A change still running (a long seed on a thread the runtime left behind) keeps the
        // writer lock: then the lab stays marked dirty, and the next open repairs it.
        let deadline = Instant::now() + SHUTDOWN_WAIT;
        let guard = loop {
            match self.decided.try_lock() {
                Ok(guard) => break guard,
                Err(std::sync::TryLockError::Poisoned(poisoned)) => break poisoned.into_inner(),
                Err(std::sync::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(std::sync::TryLockError::WouldBlock) => {
                    self.closed.store(true, Ordering::Release);
                    return Err(NotCommitted::new("a change was still running"));
                }
            }
        };
        // A replication pass working on the files: let it finish, as a change would.
        let files = loop {
            match self.files.try_lock() {
                Ok(files) => break files,
                Err(std::sync::TryLockError::Poisoned(poisoned)) => break poisoned.into_inner(),
                Err(std::sync::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(std::sync::TryLockError::WouldBlock) => {
                    self.closed.store(true, Ordering::Release);
                    return Err(NotCommitted::new("a replication pass was still running"));
                }
            }
        };
        self.closed.store(true, Ordering::Release);
        if !guard.marked_dirty {
            // Nothing was decided since the lab opened clean: the store says so already.
            self.keep_snapshot(&self.queue().stored);
            return Ok(());
        }
        let mut deciding = Deciding { writer: self, guard, _files: Some(files) };
        deciding.flush()?;
        let queue = self.queue();
        let latest = deciding.guard.estate.clone();
        let diff = EstateDiff::between(&queue.stored, &latest);
        let mut store = self.store();
        if !diff.is_empty() {
            store.commit(&diff, &[]).map_err(|e| NotCommitted::from(&e))?;
        }
        drop(queue);
        drop(store);
        deciding.guard.mark.mark_clean().map_err(|e| NotCommitted::new(format!("marking the lab clean: {e}")))?;
        deciding.guard.marked_dirty = false;
        // The store now holds `latest`.
        self.keep_snapshot(&latest);
        Ok(())
    }

    /// Asks the store to keep a snapshot of `stored` (the estate as stored now) for the next
    /// open. A failure costs the next open its speed, not its data: it is logged, not raised.
    fn keep_snapshot(&self, stored: &Estate) {
        if let Err(e) = self.store().keep_snapshot(stored) {
            tracing::warn!(error = %e, "keeping the estate's snapshot for the next open failed");
        }
    }

    /// Whether the store could begin a write now (for `/readyz`). A commit in flight holds it:
    /// that is a yes.
    pub fn probe(&self) -> Result<(), StoreError> {
        match self.store.try_lock() {
            Ok(store) => store.probe(),
            Err(std::sync::TryLockError::WouldBlock) => Ok(()),
            Err(std::sync::TryLockError::Poisoned(store)) => store.into_inner().probe(),
        }
    }

    /// A handle for reading the journal.
    pub fn reader(&self) -> Result<Box<dyn JournalRead>, StoreError> {
        self.store().reader()
    }
}

impl Deciding<'_> {
    /// The decided estate.
    pub fn estate(&mut self) -> &mut Estate {
        &mut self.guard.estate
    }

    /// How many decisions have held the files lock (see [`Writer::files_epoch`]).
    pub fn files_epoch(&self) -> u64 {
        self.writer.files_epoch()
    }

    /// The writer's own state (the open logs it remembers).
    pub fn decided(&mut self) -> &mut Decided {
        &mut self.guard
    }

    /// Asks for `next` to be prepared ahead, by the next replication pass (a rollover that
    /// finds it prepared makes two syncs fewer under this lock: no header to write and sync).
    pub fn prepare_next_log(&mut self, next: NextLog) {
        self.guard.next_logs.retain(|n| n.files.dir() != next.files.dir());
        self.guard.next_logs.push(next);
        self.writer.next_logs_waiting.store(true, Ordering::Release);
    }

    /// The next open logs to prepare, taken by a replication pass.
    pub fn take_next_logs(&mut self) -> Vec<NextLog> {
        self.writer.next_logs_waiting.store(false, Ordering::Release);
        std::mem::take(&mut self.guard.next_logs)
    }

    /// Queues the decided estate as it is now, with `journal` (nothing to write but the estate:
    /// `None`, and it is written with the next commit that has a journal, or at shutdown), after
    /// syncing `sync`. Returns the ticket to wait on once the writer lock is released.
    pub fn submit(
        &mut self,
        cause: Cause<'static>,
        journal: Option<Journal>,
        sync: Vec<LabPath>,
    ) -> Result<Ticket, NotCommitted> {
        let mut queue = self.writer.queue();
        if queue.epoch != self.guard.epoch {
            return Err(NotCommitted::new("an earlier commit failed; decide again"));
        }
        let slot = Arc::new(Slot { outcome: Mutex::new(None), thread: std::thread::current() });
        queue.waiting.push(Entry { slot: Arc::clone(&slot), cause, estate: self.guard.estate.clone(), journal, sync });
        Ok(Ticket(slot))
    }

    /// Commits everything decided so far and waits for it: for the rare decisions that read
    /// the ledger, which must see every acknowledged message.
    pub fn flush(&mut self) -> Result<(), NotCommitted> {
        let mut queue = self.writer.queue();
        loop {
            if queue.waiting.is_empty() && !queue.committing {
                return Ok(());
            }
            if !queue.committing {
                // Lead it ourselves; every waiter finds its own result.
                queue = self.writer.lead(queue)?;
                continue;
            }
            queue = self.writer.woken.wait(queue).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// The answer recorded with the change committed under request id `request`, if one was
    /// (the caller keeps a second attempt under the same id from deciding meanwhile).
    pub fn answered(&self, request: &str) -> Result<Option<Answered>, NotCommitted> {
        self.writer.store().answered(request).map_err(|e| NotCommitted::from(&e))
    }

    /// Runs `f` on the store itself, with nothing queued or in flight: the whole-lab operations
    /// (reset, import, export). The caller sets the estate it leaves with [`Deciding::replace`].
    pub fn with_store<T>(&mut self, f: impl FnOnce(&mut dyn EstateStore) -> T) -> Result<T, NotCommitted> {
        self.flush()?;
        let mut store = self.writer.store();
        Ok(f(store.as_mut()))
    }

    /// After a whole-lab operation wrote `stored` to the store itself: the estate becomes
    /// `current` (`stored` with its log counters read from the files), decided and published at
    /// once.
    pub fn replace(&mut self, stored: Estate, current: Estate) -> Result<(), NotCommitted> {
        self.guard.open_logs.clear();
        self.guard.estate = current.clone();
        let mut queue = self.writer.queue();
        queue.stored = stored;
        let mut published = self.writer.published.write().unwrap_or_else(PoisonError::into_inner);
        self.writer.observer.published(&published, &current, Cause::Replaced);
        *published = current;
        drop(published);
        drop(queue);
        self.writer.observer.woke();
        Ok(())
    }

    /// A handle for reading the journal (call [`Deciding::flush`] first to see everything
    /// decided).
    pub fn reader(&self) -> Result<Box<dyn JournalRead>, NotCommitted> {
        self.writer.store().reader().map_err(|e| NotCommitted::from(&e))
    }
}

/// Reading the ledger as committed, from inside a decision.
pub trait LedgerAccess {
    /// Commits everything decided so far, then gives a reader that sees it.
    fn committed_reader(&mut self) -> Result<Box<dyn JournalRead>, NotCommitted>;
}

impl LedgerAccess for Deciding<'_> {
    fn committed_reader(&mut self) -> Result<Box<dyn JournalRead>, NotCommitted> {
        self.flush()?;
        self.reader()
    }
}

fn sync_file(path: &LabPath) -> std::io::Result<()> {
    match path.open_read() {
        Ok(file) => file.sync_data(),
        // Closed (and synced) since it was appended to.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}
