//! The estate's durable form behind one narrow seam, [`EstateStore`]: load the estate; commit
//! what a batch of changes changed (an [`EstateDiff`]) with their journals (events, the mail
//! ledger's entries) in one durable transaction; read the events and the ledger back; start over
//! (reset, import) and export.
//!
//! Owns: the trait, the records a commit carries ([`Journal`], with the request id and answer
//! that make a retried change exactly-once) and the ledger's shapes. (The
//! history of who did what is the audit trail, `service::audit`, outside the estate.) The
//! SQLite implementation is [`sqlite`], the etcd one [`etcd`]; `legacy` reads the schema of earlier versions so an old
//! lab is migrated when it is opened.
//!
//! Must not: decide anything about the estate (the engine does) or know about HTTP. Nothing
//! outside this directory names SQLite or etcd.

mod checkpoint;
mod compact;
pub mod etcd;
mod legacy;
pub mod sqlite;

use std::path::Path;

use chrono::{DateTime, Utc};

use crate::api::{EventEntry, EventQuery};
use crate::engine::Estate;
use crate::engine::diff::EstateDiff;
use crate::engine::events::NewEvent;

pub use etcd::{EtcdStore, EtcdUrl};
pub use sqlite::{SNAPSHOT_CHECK_BUDGET, SqliteStore, read_snapshot};

/// What one change appends besides the objects it changed.
#[derive(Debug, Clone)]
pub struct Journal {
    /// The lab time the change happened at: its events and ledger entries carry it.
    pub at: DateTime<Utc>,
    pub events: Vec<NewEvent>,
    /// Messages acknowledged by this change.
    pub accepted: Vec<AcceptedRange>,
    /// Accepted messages a lossy mount lost, and those the transport dumpster resent.
    pub lost: Vec<MessageRef>,
    pub resent: Vec<MessageRef>,
    /// The request id the change was made under, with its answer: recorded in the same
    /// transaction, so a retry of the request is answered from it instead of changing again.
    pub request: Option<RequestRecord>,
}

impl Journal {
    pub fn new(at: DateTime<Utc>) -> Journal {
        Journal { at, events: Vec::new(), accepted: Vec::new(), lost: Vec::new(), resent: Vec::new(), request: None }
    }

    /// Whether it holds anything a store must write.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
            && self.accepted.is_empty()
            && self.lost.is_empty()
            && self.resent.is_empty()
            && self.request.is_none()
    }
}

/// A change's request id (`x-ccrd-request-id`) and the answer it was given, its events left out
/// (the store numbers them in the commit and keeps them with the answer).
#[derive(Debug, Clone, PartialEq)]
pub struct RequestRecord {
    pub id: String,
    pub answer: serde_json::Value,
}

/// What a committed request was answered: the answer and its events as numbered.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Answered {
    pub answer: serde_json::Value,
    pub events: Vec<EventEntry>,
}

/// Messages with consecutive ids, of one size, acknowledged together to one storage group: the
/// ledger keeps ranges, not one entry per message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedRange {
    pub first_id: u64,
    pub count: u64,
    pub size: u64,
    pub server: String,
    pub storage_group: String,
    pub accepted_at: DateTime<Utc>,
    /// The mailbox (alias) the messages were addressed to, when they were addressed to one.
    pub recipient: Option<String>,
}

impl AcceptedRange {
    pub fn ids(&self) -> std::ops::Range<u64> {
        self.first_id..self.first_id.saturating_add(self.count)
    }
}

/// One message of a storage group's ledger, named by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRef {
    pub server: String,
    pub storage_group: String,
    pub id: u64,
}

/// What became of an accepted message that a lossy mount touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageFate {
    pub id: u64,
    /// Declared lost and not resent since.
    pub lost: bool,
    /// Resent by the transport dumpster at least once.
    pub resent: bool,
}

/// A store failure: the data is missing, corrupt, from another version, or the backend failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the estate database: {0}")]
    Backend(String),
    /// The disk (or the database's quota) is full: the transaction was rolled back.
    #[error("the estate database: the disk is full ({0})")]
    DiskFull(String),
    #[error("the time {0} cannot be stored: it would not read back (years 0000-9999 only)")]
    Unrepresentable(String),
    #[error("the estate database holds an unreadable value in {table}.{column}: '{value}'")]
    BadValue { table: &'static str, column: &'static str, value: String },
    #[error("the estate database is schema version {found}; this ccrd reads versions 2 to {}", sqlite::SCHEMA_VERSION)]
    WrongVersion { found: i64 },
    /// A distributed store: another ccrd committed since this one last read; nothing was written.
    #[error("another ccrd changed the estate first; nothing of this change was written")]
    Conflict,
    /// A distributed store cannot be written now (no majority of its members answers).
    #[error("{0}")]
    Unavailable(String),
}

impl StoreError {
    /// Whether the store failed because the disk (or its quota) is full.
    pub fn is_disk_full(&self) -> bool {
        matches!(self, StoreError::DiskFull(_))
    }
}

/// The estate's durable form. Every method that writes is one durable transaction: on disk (or
/// on a majority of a cluster) when it returns.
pub trait EstateStore: Send {
    /// Reads the whole estate.
    fn load(&mut self) -> Result<Estate, StoreError>;

    /// Writes the objects `diff` changed and every journal of the batch in one transaction.
    /// Returns each journal's events as numbered by the store, in the journals' order.
    fn commit(&mut self, diff: &EstateDiff, journals: &[&Journal]) -> Result<Vec<Vec<EventEntry>>, StoreError>;

    /// Starts over with `estate`: every object, the events and the ledger replaced, in one
    /// transaction.
    fn replace_all(&mut self, estate: &Estate) -> Result<(), StoreError>;

    /// Writes a consistent copy of the whole store to `path` (which must not exist) as a SQLite
    /// database, the snapshot format of Export-Lab.
    fn export_to(&self, path: &Path) -> Result<(), StoreError>;

    /// Replaces the estate, the journal and the ledger with those of the snapshot database at
    /// `path`, pointing the estate at `files_dir`, in one transaction; returns the estate.
    fn import_from(&mut self, path: &Path, files_dir: &str) -> Result<Estate, StoreError>;

    /// The answer recorded with the change committed under request id `request` (`None`: no
    /// change was committed under it). A reset or an import forgets every id.
    fn answered(&mut self, request: &str) -> Result<Option<Answered>, StoreError>;

    /// Whether a write could begin now (for `/readyz`): writes nothing.
    fn probe(&self) -> Result<(), StoreError>;

    /// A separate handle for reading the journal, so reads never wait behind a commit.
    fn reader(&self) -> Result<Box<dyn JournalRead>, StoreError>;

    /// Keeps a compact snapshot of `estate` — which must be the estate as stored now — for the
    /// next [`EstateStore::load`] to read instead of every object; the store drops it with the
    /// next write, so it is never stale. Nothing is written when the store already keeps a
    /// current one. (Called when a lab closes cleanly.)
    fn keep_snapshot(&mut self, estate: &Estate) -> Result<(), StoreError>;

    /// The estate as stored now when another process sharing the store changed it since this
    /// handle last read or wrote it (`None`: nothing changed). Only a shared store (etcd) can
    /// say anything but `None`.
    fn refresh(&mut self) -> Result<Option<Estate>, StoreError> {
        Ok(None)
    }

    /// For a store other processes share: a channel that receives a message when one of them
    /// may have committed (then [`EstateStore::refresh`] says what). `None` for a store only
    /// this process writes.
    fn follow(&self) -> Option<std::sync::mpsc::Receiver<()>> {
        None
    }
}

/// Reading the journal: events and the mail ledger.
pub trait JournalRead: Send {
    /// Events, newest first, filtered as `Get-EventLog` filters them.
    fn events(&self, query: &EventQuery) -> Result<Vec<EventEntry>, StoreError>;

    /// The accepted ranges of one storage group in ascending order of id (descending when
    /// `newest_first`), one at a time, until `visit` returns false.
    fn accepted(
        &self,
        server: &str,
        storage_group: &str,
        newest_first: bool,
        visit: &mut dyn FnMut(&AcceptedRange) -> bool,
    ) -> Result<(), StoreError>;

    /// The messages of one storage group that a lossy mount lost or the dumpster resent, in
    /// ascending order of id.
    fn fates(&self, server: &str, storage_group: &str) -> Result<Vec<MessageFate>, StoreError>;
}
