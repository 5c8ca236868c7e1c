//! The distributed store: the estate in etcd (`ccrd --store etcd://HOST:PORT[,HOST:PORT…][/NAME]`),
//! behind the same [`EstateStore`] seam as the embedded SQLite file.
//!
//! Key layout, under one prefix per estate (`/ccrd/v1/NAME/`, here `E/`), values JSON:
//! - `E/meta`: the estate's settings and counters, the generation its objects live under, the
//!   next event index and the commit sequence. **Every change is one transaction comparing
//!   the `mod_revision` of this key** with the one this handle last read or wrote: that
//!   serialises changes across every ccrd sharing the store as the writer lock does inside one,
//!   and `version` stays the contiguous counter clients see.
//! - `E/gen/G/obj/KIND/POSITION`: one key per estate object (node, copy, storage group, …).
//!   A new generation is written (in chunks, invisible until `meta` points at it) by a reset,
//!   an import, and a change too large for one transaction.
//! - `E/event/INDEX`, `E/ledger/SERVER/SG/FIRST_ID` (one key per accepted *range*, not per
//!   message), `E/fate/SERVER/SG/ID/ORDER`: the journal, append-only.
//! - `E/request/ID`: the answer of a change made under request id `ID` (with its events as
//!   numbered), written in the change's own transaction; a retry of the request is answered
//!   from it. This handle keeps the ids present in memory (read with the estate), so a new
//!   request costs no extra read.
//! - `E/snapshot`: the compact snapshot of the whole estate (`compact`), read at open
//!   instead of one key per object, prefixed by the `mod_revision` of `E/meta` it was taken at
//!   (8 bytes, little-endian): every change writes `meta`, so a snapshot whose revision is not
//!   `meta`'s is stale and passed over. Written when a lab closes cleanly, in a transaction
//!   comparing `meta` as a commit does.
//! - `E/chunked/TAG`: the mark that a commit too large for one transaction committed. Its
//!   journal keys were written ahead in chunks carrying the tag; readers show a tagged entry
//!   only once its mark exists, so a commit that failed half-way shows nothing.
//!
//! Limits respected: at most [`MAX_OPS`] operations and [`MAX_BYTES`] bytes per transaction
//! (etcd's defaults are 128 and 1.5 MiB).
//!
//! Owns: the key layout, the commit transactions and their chunking, the journal's reads.
//! Must not: decide anything about the estate, know about HTTP routes, or talk to etcd other
//! than through [`gateway`].

pub mod gateway;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};

use super::{
    AcceptedRange, Answered, EstateStore, Journal, JournalRead, MessageFate, MessageRef, SqliteStore, StoreError,
};
use crate::api::{EventEntry, EventQuery};
use crate::engine::Estate;
use crate::engine::diff::{self, EstateDiff, EstateMeta, Kind, Object};
use gateway::{Consistency, EtcdError, Gateway, Op, prefix_end};

/// The most operations one transaction carries (etcd's `--max-txn-ops` default is 128; a few
/// are kept for the compare and the commit's own keys).
pub const MAX_OPS: usize = 120;
/// The most bytes one transaction carries (etcd's `--max-request-bytes` default is 1.5 MiB).
pub const MAX_BYTES: usize = 1_000_000;
/// The layout's version: the `v1` of the prefix.
const LAYOUT: &str = "v1";
/// Keys read per range request.
const PAGE: i64 = 500;

/// Where an etcd store is: its members and the estate's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EtcdUrl {
    pub endpoints: Vec<String>,
    pub estate: String,
}

impl EtcdUrl {
    /// Parses `etcd://HOST:PORT[,HOST:PORT…][/NAME]` (NAME: letters, digits, `-`, `_`, `.`;
    /// `default` when absent).
    pub fn parse(text: &str) -> Result<EtcdUrl, String> {
        let fix = "Give --store etcd://HOST:PORT[,HOST:PORT…][/NAME], e.g. etcd://10.0.0.1:2379,10.0.0.2:2379,10.0.0.3:2379/contoso.";
        let rest = text.strip_prefix("etcd://").ok_or_else(|| format!("'{text}' is not an etcd:// address. {fix}"))?;
        let (hosts, estate) = match rest.split_once('/') {
            Some((hosts, name)) => (hosts, name),
            None => (rest, "default"),
        };
        if estate.is_empty()
            || estate.len() > 64
            || !estate.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(format!("'{estate}' cannot name an estate (letters, digits, - _ . only, at most 64). {fix}"));
        }
        let endpoints: Vec<String> = hosts.split(',').map(str::trim).map(str::to_string).collect();
        for endpoint in &endpoints {
            let port = endpoint.rsplit_once(':').and_then(|(host, port)| (!host.is_empty()).then_some(port));
            if port.and_then(|p| p.parse::<u16>().ok()).is_none_or(|p| p == 0) {
                return Err(format!("'{endpoint}' is not HOST:PORT. {fix}"));
            }
        }
        Ok(EtcdUrl { endpoints, estate: estate.to_string() })
    }
}

/// What `E/meta` holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Meta {
    layout: String,
    generation: u64,
    next_event: u64,
    estate: EstateMeta,
    /// The handle that wrote it (random per ccrd process): a ccrd's watch passes over its own
    /// commits instead of reading the estate back.
    #[serde(default)]
    writer: u64,
    /// Random per commit attempt: a transaction the gateway sent again after its first answer
    /// was lost finds `meta` holding exactly these bytes if the first one committed.
    #[serde(default)]
    attempt: u64,
}

/// A journal entry's visibility: 0 for one written in its commit's own transaction, else the
/// tag of the chunked commit it belongs to.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Tagged<T> {
    #[serde(default)]
    tag: u64,
    #[serde(flatten)]
    entry: T,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct LedgerValue {
    server: String,
    storage_group: String,
    count: u64,
    size: u64,
    accepted_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    recipient: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct FateValue {
    lost: bool,
    at: DateTime<Utc>,
}

/// The estate in etcd, as one ccrd's handle sees it.
pub struct EtcdStore {
    gateway: Arc<Gateway>,
    keys: Keys,
    /// The `mod_revision` of `E/meta` this handle last read or wrote: every commit compares it.
    meta_revision: i64,
    /// The same, for the watch: a change past it was made by another ccrd.
    known: Arc<AtomicI64>,
    meta: Meta,
    /// The estate as stored (a change too large for one transaction writes it whole).
    stored: Estate,
    /// The request ids with an answer under `E/request/`, as of the last read or write.
    requests: HashSet<String>,
    /// The `meta` revision of the snapshot under `E/snapshot` as this handle last read or
    /// wrote it (0: none known); -1 once a first read found none current.
    snapshot_at: i64,
    /// This handle's mark in the `meta` it writes ([`Meta::writer`]).
    id: u64,
}

/// The key layout of one estate.
#[derive(Debug, Clone)]
struct Keys {
    prefix: String,
}

impl Keys {
    fn meta(&self) -> Vec<u8> {
        format!("{}meta", self.prefix).into_bytes()
    }
    fn generation(&self, generation: u64) -> String {
        format!("{}gen/{generation:020}/", self.prefix)
    }
    fn objects_of(&self, generation: u64, kind: Kind) -> String {
        format!("{}obj/{}/", self.generation(generation), kind.name())
    }
    fn object(&self, generation: u64, kind: Kind, position: usize) -> Vec<u8> {
        format!("{}{position:08}", self.objects_of(generation, kind)).into_bytes()
    }
    fn events(&self) -> String {
        format!("{}event/", self.prefix)
    }
    fn event(&self, index: u64) -> Vec<u8> {
        format!("{}{index:020}", self.events()).into_bytes()
    }
    fn ledger_of(&self, server: &str, storage_group: &str) -> String {
        format!("{}ledger/{}/{}/", self.prefix, segment(server), segment(storage_group))
    }
    fn ledger(&self, range: &AcceptedRange) -> Vec<u8> {
        format!("{}{:020}", self.ledger_of(&range.server, &range.storage_group), range.first_id).into_bytes()
    }
    fn fates_of(&self, server: &str, storage_group: &str) -> String {
        format!("{}fate/{}/{}/", self.prefix, segment(server), segment(storage_group))
    }
    fn fate(&self, message: &MessageRef, order: i64) -> Vec<u8> {
        format!("{}{:020}/{order:020}", self.fates_of(&message.server, &message.storage_group), message.id).into_bytes()
    }
    fn snapshot(&self) -> Vec<u8> {
        format!("{}snapshot", self.prefix).into_bytes()
    }
    fn chunked(&self) -> String {
        format!("{}chunked/", self.prefix)
    }
    fn requests(&self) -> String {
        format!("{}request/", self.prefix)
    }
    /// A request id is letters, digits, `-`, `_` and `.` (checked where it is read), kept as
    /// given: ids that differ only in case are different requests.
    fn request(&self, id: &str) -> Vec<u8> {
        format!("{}{id}", self.requests()).into_bytes()
    }
    /// Every journal prefix (what a reset or an import empties), the request ids' answers
    /// included.
    fn journal(&self) -> [String; 5] {
        [
            self.events(),
            format!("{}ledger/", self.prefix),
            format!("{}fate/", self.prefix),
            self.chunked(),
            self.requests(),
        ]
    }
}

/// A name as one key segment: case-folded (names compare without case, as in SQLite), with `/`
/// and `%` escaped.
fn segment(name: &str) -> String {
    name.to_lowercase().replace('%', "%25").replace('/', "%2F")
}

fn unavailable(e: EtcdError) -> StoreError {
    match e {
        EtcdError::Unavailable { .. } => StoreError::Unavailable(e.to_string()),
        EtcdError::Refused(_) => StoreError::Backend(e.to_string()),
    }
}

fn bad(column: &'static str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::BadValue { table: "etcd", column, value: detail.to_string().chars().take(80).collect() }
}

fn json<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

fn parse<T: for<'de> Deserialize<'de>>(column: &'static str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| bad(column, e))
}

/// A time the store can write: one that reads back (years 0000-9999).
fn storable(time: DateTime<Utc>) -> Result<(), StoreError> {
    if (0..=9999).contains(&time.year()) { Ok(()) } else { Err(StoreError::Unrepresentable(time.to_rfc3339())) }
}

impl EtcdStore {
    /// Opens the estate at `url`; one that does not exist yet is created holding `seed`.
    pub fn open(url: &EtcdUrl, seed: &Estate) -> Result<EtcdStore, StoreError> {
        let gateway = Gateway::new(&url.endpoints).map_err(StoreError::Backend)?;
        let keys = Keys { prefix: format!("/ccrd/{LAYOUT}/{}/", url.estate) };
        let id = random_tag();
        let mut store = EtcdStore {
            gateway: Arc::new(gateway),
            keys,
            meta_revision: 0,
            known: Arc::new(AtomicI64::new(0)),
            meta: Meta {
                layout: LAYOUT.into(),
                generation: 0,
                next_event: 1,
                estate: EstateMeta::of(seed),
                writer: id,
                attempt: 0,
            },
            stored: seed.clone(),
            requests: HashSet::new(),
            snapshot_at: 0,
            id,
        };
        match store.read_meta(Consistency::Linearizable)? {
            Some(_) => {
                store.load()?;
            }
            None => {
                store.write_generation(seed, &[], true)?;
            }
        }
        Ok(store)
    }

    fn set_revision(&mut self, revision: i64) {
        self.meta_revision = revision;
        self.known.store(revision, Ordering::Release);
    }

    /// Reads `E/meta` and remembers it; `None` when the estate does not exist.
    fn read_meta(&mut self, consistency: Consistency) -> Result<Option<i64>, StoreError> {
        let range = self.gateway.range(&self.keys.meta(), b"", 0, 0, consistency).map_err(unavailable)?;
        let Some(kv) = range.kvs.first() else { return Ok(None) };
        let meta: Meta = parse("meta", &kv.value)?;
        if meta.layout != LAYOUT {
            return Err(bad("meta.layout", format!("layout {} (this ccrd reads {LAYOUT})", meta.layout)));
        }
        self.meta = Meta { writer: self.id, ..meta };
        self.set_revision(kv.mod_revision);
        Ok(Some(range.revision))
    }

    /// Every pair under `prefix` at `revision` (0: the latest), page by page.
    fn scan(
        gateway: &Gateway,
        prefix: &str,
        revision: i64,
        consistency: Consistency,
    ) -> Result<Vec<gateway::Kv>, StoreError> {
        EtcdStore::scan_pages(gateway, prefix, revision, consistency, false)
    }

    /// As [`EtcdStore::scan`], with values only when `keys_only` is not set.
    fn scan_pages(
        gateway: &Gateway,
        prefix: &str,
        revision: i64,
        consistency: Consistency,
        keys_only: bool,
    ) -> Result<Vec<gateway::Kv>, StoreError> {
        let end = prefix_end(prefix.as_bytes());
        let mut from = prefix.as_bytes().to_vec();
        let mut out = Vec::new();
        let mut at = revision;
        loop {
            let range = if keys_only {
                gateway.keys(&from, &end, PAGE, at, consistency)
            } else {
                gateway.range(&from, &end, PAGE, at, consistency)
            }
            .map_err(unavailable)?;
            // Later pages are read at the first page's revision: one consistent view.
            at = range.revision;
            let more = range.more;
            let Some(last) = range.kvs.last().map(|kv| kv.key.clone()) else { break };
            out.extend(range.kvs);
            if !more {
                break;
            }
            from = last;
            from.push(0);
        }
        Ok(out)
    }

    /// The tags of the chunked commits that committed.
    fn committed_tags(gateway: &Gateway, keys: &Keys, consistency: Consistency) -> Result<Vec<u64>, StoreError> {
        let chunked = keys.chunked();
        Ok(EtcdStore::scan(gateway, &chunked, 0, consistency)?
            .iter()
            .filter_map(|kv| std::str::from_utf8(&kv.key).ok()?.strip_prefix(chunked.as_str())?.parse().ok())
            .collect())
    }

    /// Runs `ops` in transactions of at most [`MAX_OPS`] operations and [`MAX_BYTES`] bytes,
    /// each guarded by the `meta` revision this handle holds (so nothing is written once
    /// another ccrd has committed).
    fn guarded_chunks(&self, ops: Vec<Op>) -> Result<(), StoreError> {
        for chunk in chunks(ops) {
            let outcome = self.gateway.txn(&self.keys.meta(), self.meta_revision, &chunk).map_err(unavailable)?;
            if !outcome.succeeded {
                return Err(StoreError::Conflict);
            }
        }
        Ok(())
    }

    /// The journal's keys for `journals`, tagged `tag`; the events as numbered.
    fn journal_ops(&mut self, journals: &[&Journal], tag: u64) -> Result<(Vec<Op>, Vec<Vec<EventEntry>>), StoreError> {
        let mut ops = Vec::new();
        let mut numbered = Vec::with_capacity(journals.len());
        for journal in journals {
            storable(journal.at)?;
            let mut events = Vec::with_capacity(journal.events.len());
            for e in &journal.events {
                let entry = EventEntry {
                    index: self.meta.next_event,
                    machine_name: e.node.clone(),
                    instance_id: e.instance_id,
                    source: e.source.to_string(),
                    entry_type: e.entry_type,
                    message: e.message.clone(),
                    time_generated: journal.at,
                };
                self.meta.next_event += 1;
                ops.push(Op::Put { key: self.keys.event(entry.index), value: json(&Tagged { tag, entry: &entry }) });
                events.push(entry);
            }
            if let Some(request) = &journal.request {
                let answered = Answered { answer: request.answer.clone(), events: events.clone() };
                ops.push(Op::Put {
                    key: self.keys.request(&request.id),
                    value: json(&Tagged { tag, entry: answered }),
                });
            }
            numbered.push(events);
            for range in &journal.accepted {
                storable(range.accepted_at)?;
                let value = LedgerValue {
                    server: range.server.clone(),
                    storage_group: range.storage_group.clone(),
                    count: range.count,
                    size: range.size,
                    accepted_at: range.accepted_at,
                    recipient: range.recipient.clone(),
                };
                ops.push(Op::Put { key: self.keys.ledger(range), value: json(&Tagged { tag, entry: value }) });
            }
            // A message's fates are ordered by the commit that wrote them (the `meta` revision
            // it compared), then lost before resent within one commit.
            for (messages, lost, step) in [(&journal.lost, true, 0), (&journal.resent, false, 1)] {
                for message in messages {
                    let order = self.meta_revision.saturating_mul(2).saturating_add(step);
                    let value = FateValue { lost, at: journal.at };
                    ops.push(Op::Put {
                        key: self.keys.fate(message, order),
                        value: json(&Tagged { tag, entry: value }),
                    });
                }
            }
        }
        Ok((ops, numbered))
    }

    /// The operations that write `diff`'s objects under the current generation.
    fn object_ops(&self, diff: &EstateDiff) -> Result<Vec<Op>, StoreError> {
        let mut ops = Vec::new();
        for list in &diff.lists {
            let start = self.keys.object(self.meta.generation, list.kind, list.len);
            let end = prefix_end(self.keys.objects_of(self.meta.generation, list.kind).as_bytes());
            ops.push(Op::DeleteRange { key: start, end });
            for (position, object) in &list.changed {
                ops.push(Op::Put {
                    key: self.keys.object(self.meta.generation, list.kind, *position),
                    value: checked(list.kind, object)?,
                });
            }
        }
        Ok(ops)
    }

    /// Writes `estate` whole as a new generation, in chunks, with `journals`; then one
    /// transaction points `meta` at it (and, when `replace` is set, empties the journal first:
    /// a reset or an import). The old generation is deleted afterwards.
    fn write_generation(
        &mut self,
        estate: &Estate,
        journals: &[&Journal],
        replace: bool,
    ) -> Result<Vec<Vec<EventEntry>>, StoreError> {
        let old = self.meta.generation;
        let new = old + 1;
        let saved = self.meta.clone();
        let result = (|| {
            let whole = EstateDiff::whole(estate);
            // Whatever an earlier attempt left under the new generation goes first (etcd
            // refuses a delete and a put of one key in one transaction).
            self.guarded_chunks(vec![Op::DeleteRange {
                key: self.keys.generation(new).into_bytes(),
                end: prefix_end(self.keys.generation(new).as_bytes()),
            }])?;
            let mut staged = Vec::new();
            for list in &whole.lists {
                for (position, object) in &list.changed {
                    staged.push(Op::Put {
                        key: self.keys.object(new, list.kind, *position),
                        value: checked(list.kind, object)?,
                    });
                }
            }
            let tag = random_tag();
            let mut flip = Vec::new();
            if replace {
                self.meta.next_event = 1;
                for prefix in self.keys.journal() {
                    flip.push(Op::DeleteRange { key: prefix.clone().into_bytes(), end: prefix_end(prefix.as_bytes()) });
                }
                // The journal is emptied in the flip itself, so the new one is written after it
                // (below), not ahead.
            }
            let (journal, numbered) = self.journal_ops(journals, if replace { 0 } else { tag })?;
            if !replace {
                staged.extend(journal.iter().cloned());
            }
            self.guarded_chunks(staged)?;
            self.meta.generation = new;
            self.meta.estate = EstateMeta::of(estate);
            if !replace && !journal.is_empty() {
                flip.push(Op::Put { key: format!("{}{tag:020}", self.keys.chunked()).into_bytes(), value: Vec::new() });
            }
            let written = self.meta_value();
            flip.push(Op::Put { key: self.keys.meta(), value: written.clone() });
            let outcome = self.gateway.txn(&self.keys.meta(), self.meta_revision, &flip).map_err(unavailable)?;
            let revision = self.committed_at(&outcome, &written)?;
            self.set_revision(revision);
            if replace && !journal.is_empty() {
                // Only this ccrd's reset or import writes here now: the journal of the new
                // estate, in chunks, each guarded by the new meta.
                for chunk in chunks(journal) {
                    let outcome =
                        self.gateway.txn(&self.keys.meta(), self.meta_revision, &chunk).map_err(unavailable)?;
                    if !outcome.succeeded {
                        return Err(StoreError::Conflict);
                    }
                }
            }
            Ok(numbered)
        })();
        match result {
            Ok(numbered) => {
                self.stored = estate.clone();
                if replace {
                    self.requests.clear();
                }
                // The old generation is garbage now; a failure here leaves it for the next one.
                let old_prefix = self.keys.generation(old);
                let _ = self.gateway.txn(
                    &self.keys.meta(),
                    self.meta_revision,
                    &[Op::DeleteRange { key: old_prefix.clone().into_bytes(), end: prefix_end(old_prefix.as_bytes()) }],
                );
                Ok(numbered)
            }
            Err(e) => {
                self.meta = saved;
                Err(e)
            }
        }
    }

    /// `meta` as the next commit writes it, marked as a new attempt.
    fn meta_value(&mut self) -> Vec<u8> {
        self.meta.attempt = random_tag();
        json(&self.meta)
    }

    /// The revision a commit that wrote `written` into `meta` committed at. A failed compare is
    /// a conflict, unless `meta` holds exactly `written`: then the gateway sent the transaction
    /// again after its first answer was lost (a member died mid-call), and the first committed.
    fn committed_at(&self, outcome: &gateway::TxnOutcome, written: &[u8]) -> Result<i64, StoreError> {
        if outcome.succeeded {
            return Ok(outcome.revision);
        }
        let range = self.gateway.range(&self.keys.meta(), b"", 0, 0, Consistency::Linearizable).map_err(unavailable)?;
        match range.kvs.first() {
            Some(kv) if kv.value == written => Ok(kv.mod_revision),
            _ => Err(StoreError::Conflict),
        }
    }

    /// The estate from `E/snapshot` at `revision`, if it holds one taken at the `meta` this
    /// handle just read (a stale or unreadable one is passed over: the objects are the truth).
    fn read_snapshot(&mut self, revision: i64) -> Result<Option<Estate>, StoreError> {
        self.snapshot_at = -1;
        let range = self
            .gateway
            .range(&self.keys.snapshot(), b"", 0, revision, Consistency::Linearizable)
            .map_err(unavailable)?;
        let Some(value) = range.kvs.first().map(|kv| kv.value.as_slice()) else { return Ok(None) };
        let Some((taken_at, body)) = value.split_first_chunk::<8>() else { return Ok(None) };
        if i64::from_le_bytes(*taken_at) != self.meta_revision {
            return Ok(None);
        }
        // The replication state is decoded in the background; a part that does not decode is
        // read from the objects' keys at this same revision.
        let (gateway, prefix, generation) = (Arc::clone(&self.gateway), self.keys.clone(), self.meta.generation);
        let fallback: super::compact::Fallback = Box::new(move |kind| {
            let prefix = prefix.objects_of(generation, kind);
            EtcdStore::scan(&gateway, &prefix, revision, Consistency::Linearizable)?
                .iter()
                .map(|kv| {
                    let mut reader = serde_json::Deserializer::from_slice(&kv.value);
                    Object::decode(kind, &mut reader).map_err(|e| bad("object", format!("{prefix}: {e}")))
                })
                .collect()
        });
        let Ok(estate) = super::compact::decode_deferring(body.to_vec(), None, fallback) else { return Ok(None) };
        if estate.version != self.meta.estate.version {
            return Ok(None);
        }
        self.snapshot_at = self.meta_revision;
        Ok(Some(estate))
    }

    /// The estate from one key per object at `revision`.
    fn read_objects(&self, revision: i64) -> Result<Estate, StoreError> {
        let prefix = format!("{}obj/", self.keys.generation(self.meta.generation));
        let mut objects = Vec::new();
        for kv in EtcdStore::scan(&self.gateway, &prefix, revision, Consistency::Linearizable)? {
            let key = String::from_utf8_lossy(&kv.key).into_owned();
            let kind_name = key.strip_prefix(&prefix).and_then(|rest| rest.split('/').next()).unwrap_or_default();
            let kind = Kind::parse(kind_name).ok_or_else(|| bad("kind", kind_name))?;
            let mut reader = serde_json::Deserializer::from_slice(&kv.value);
            objects.push(Object::decode(kind, &mut reader).map_err(|e| bad("object", format!("{key}: {e}")))?);
        }
        Ok(diff::assemble(self.meta.estate.clone(), objects))
    }

    /// The estate as this handle last read or wrote it.
    pub fn stored(&self) -> &Estate {
        &self.stored
    }

    /// The journal as a reader sees it.
    fn journal_reader(&self) -> EtcdReader {
        EtcdReader { gateway: Arc::clone(&self.gateway), keys: self.keys.clone() }
    }
}

/// An object's JSON, refused when it would not read back as written (a time past year 9999).
fn checked(kind: Kind, object: &Object) -> Result<Vec<u8>, StoreError> {
    let body = serde_json::to_string(object).map_err(|e| StoreError::Backend(e.to_string()))?;
    let mut reader = serde_json::Deserializer::from_str(&body);
    let again = Object::decode(kind, &mut reader).ok().and_then(|o| serde_json::to_string(&o).ok());
    if again.as_deref() != Some(body.as_str()) {
        return Err(StoreError::Unrepresentable(body.chars().take(80).collect()));
    }
    Ok(body.into_bytes())
}

/// `ops` cut into transactions within etcd's limits.
fn chunks(ops: Vec<Op>) -> Vec<Vec<Op>> {
    let mut out: Vec<Vec<Op>> = Vec::new();
    let mut current = Vec::new();
    let mut bytes = 0;
    for op in ops {
        if !current.is_empty() && (current.len() >= MAX_OPS || bytes + op.size() > MAX_BYTES) {
            out.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes += op.size();
        current.push(op);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn fits(ops: &[Op]) -> bool {
    ops.len() <= MAX_OPS && ops.iter().map(Op::size).sum::<usize>() <= MAX_BYTES
}

fn random_tag() -> u64 {
    let mut bytes = [0u8; 8];
    // A tag only has to differ from every other attempt's: the clock is the fallback.
    if getrandom::fill(&mut bytes).is_err() {
        return u64::try_from(Utc::now().timestamp_nanos_opt().unwrap_or(1)).unwrap_or(1).max(1);
    }
    u64::from_le_bytes(bytes).max(1)
}

impl EstateStore for EtcdStore {
    fn load(&mut self) -> Result<Estate, StoreError> {
        let Some(revision) = self.read_meta(Consistency::Linearizable)? else {
            return Err(bad("meta", "(no estate under this name)"));
        };
        // Only a handle's first read can find a current snapshot (one is written when a handle
        // closes): a read back after another ccrd's commit goes to the objects at once.
        let snapshot = if self.snapshot_at == 0 { self.read_snapshot(revision)? } else { None };
        let estate = match snapshot {
            Some(estate) => estate,
            None => self.read_objects(revision)?,
        };
        let requests = self.keys.requests();
        self.requests = EtcdStore::scan_pages(&self.gateway, &requests, revision, Consistency::Linearizable, true)?
            .iter()
            .filter_map(|kv| Some(std::str::from_utf8(&kv.key).ok()?.strip_prefix(requests.as_str())?.to_string()))
            .collect();
        self.stored = estate.clone();
        Ok(estate)
    }

    fn commit(&mut self, diff: &EstateDiff, journals: &[&Journal]) -> Result<Vec<Vec<EventEntry>>, StoreError> {
        let saved = self.meta.clone();
        let mut next = self.stored.clone();
        diff.apply(&mut next);
        let attempt = (|| {
            let objects = self.object_ops(diff)?;
            let (journal, numbered) = self.journal_ops(journals, 0)?;
            self.meta.estate = EstateMeta::of(&next);
            let written = self.meta_value();
            let meta = Op::Put { key: self.keys.meta(), value: written.clone() };
            let mut ops = objects;
            ops.extend(journal);
            ops.push(meta);
            if !fits(&ops) {
                return Ok(None);
            }
            let outcome = self.gateway.txn(&self.keys.meta(), self.meta_revision, &ops).map_err(unavailable)?;
            let revision = self.committed_at(&outcome, &written)?;
            self.set_revision(revision);
            Ok(Some(numbered))
        })();
        let ids = journals.iter().filter_map(|j| j.request.as_ref()).map(|r| r.id.clone());
        match attempt {
            Ok(Some(numbered)) => {
                self.stored = next;
                self.requests.extend(ids);
                Ok(numbered)
            }
            Ok(None) => {
                // Too large for one transaction: a new generation with the journal written
                // ahead, shown once the flip commits.
                self.meta = saved;
                let numbered = self.write_generation(&next, journals, false)?;
                self.requests.extend(ids);
                Ok(numbered)
            }
            Err(e) => {
                self.meta = saved;
                Err(e)
            }
        }
    }

    fn replace_all(&mut self, estate: &Estate) -> Result<(), StoreError> {
        self.write_generation(estate, &[], true).map(drop)
    }

    fn export_to(&self, path: &Path) -> Result<(), StoreError> {
        let mut snapshot = SqliteStore::create(path, &self.stored)?;
        let journals = copy_journal(&self.journal_reader(), &self.stored)?;
        let refs: Vec<&Journal> = journals.iter().collect();
        snapshot.commit(&EstateDiff { meta: None, lists: Vec::new() }, &refs)?;
        Ok(())
    }

    fn import_from(&mut self, path: &Path, files_dir: &str) -> Result<Estate, StoreError> {
        let mut snapshot = SqliteStore::open(path)?;
        let mut estate = snapshot.load()?;
        estate.files_dir = files_dir.to_string();
        let journals = copy_journal(snapshot.reader()?.as_ref(), &estate)?;
        let refs: Vec<&Journal> = journals.iter().collect();
        self.write_generation(&estate, &refs, true)?;
        Ok(estate)
    }

    fn answered(&mut self, request: &str) -> Result<Option<Answered>, StoreError> {
        if !self.requests.contains(request) {
            return Ok(None);
        }
        let key = self.keys.request(request);
        // A committed answer reads the same from any member: without a majority, from one that
        // answers (a retry of a change that committed is still answered).
        let read = |consistency| self.gateway.range(&key, b"", 0, 0, consistency).map_err(unavailable);
        let (range, consistency) = match read(Consistency::Linearizable) {
            Err(StoreError::Unavailable(_)) => (read(Consistency::Serializable)?, Consistency::Serializable),
            other => (other?, Consistency::Linearizable),
        };
        let Some(kv) = range.kvs.first() else {
            if consistency == Consistency::Linearizable {
                self.requests.remove(request);
            }
            return Ok(None);
        };
        let recorded: Tagged<Answered> = parse("request", &kv.value)?;
        if recorded.tag != 0
            && !EtcdStore::committed_tags(&self.gateway, &self.keys, consistency)?.contains(&recorded.tag)
        {
            // Written ahead by a chunked commit that did not commit.
            return Ok(None);
        }
        Ok(Some(recorded.entry))
    }

    fn probe(&self) -> Result<(), StoreError> {
        self.gateway.range(&self.keys.meta(), b"", 1, 0, Consistency::Linearizable).map_err(unavailable).map(drop)
    }

    fn reader(&self) -> Result<Box<dyn JournalRead>, StoreError> {
        Ok(Box::new(self.journal_reader()))
    }

    fn follow(&self) -> Option<std::sync::mpsc::Receiver<()>> {
        let (tx, rx) = std::sync::mpsc::channel();
        let (known, id) = (Arc::clone(&self.known), self.id);
        self.gateway.watch(&self.keys.meta(), self.meta_revision + 1, move |revision, value| {
            // This handle's own commit (its event may come before the commit's answer) needs no
            // read back; should one ever be missed, the follower's safety poll reads it.
            if revision > known.load(Ordering::Acquire) && written_by_another(value, id) {
                let _ = tx.send(());
            }
        });
        Some(rx)
    }

    fn keep_snapshot(&mut self, _estate: &Estate) -> Result<(), StoreError> {
        // This handle's own copy of the stored estate is the one that matches `meta_revision`.
        if self.snapshot_at == self.meta_revision {
            return Ok(());
        }
        let mut value = self.meta_revision.to_le_bytes().to_vec();
        value.extend(super::compact::encode_checked(&self.stored)?);
        let put = [Op::Put { key: self.keys.snapshot(), value }];
        if !fits(&put) {
            // Too large for one request: the next open reads the objects.
            return Ok(());
        }
        // Compared as a commit is: a snapshot is only written for the estate as stored now.
        if self.gateway.txn(&self.keys.meta(), self.meta_revision, &put).map_err(unavailable)?.succeeded {
            self.snapshot_at = self.meta_revision;
        }
        Ok(())
    }

    fn refresh(&mut self) -> Result<Option<Estate>, StoreError> {
        let known = self.meta_revision;
        let range = self.gateway.range(&self.keys.meta(), b"", 0, 0, Consistency::Linearizable).map_err(unavailable)?;
        if range.kvs.first().map(|kv| kv.mod_revision) == Some(known) {
            return Ok(None);
        }
        self.load().map(Some)
    }
}

/// Whether the `meta` value `value` was written by another handle than the one marked `id`
/// (an unreadable one counts as another's: it is read back).
fn written_by_another(value: &[u8], id: u64) -> bool {
    serde_json::from_slice::<Meta>(value).map_or(true, |meta| meta.writer != id)
}

/// The whole journal of `reader` as journals a store can append: events grouped by time, the
/// ledger of every storage group of `estate`, and the fates.
fn copy_journal(reader: &dyn JournalRead, estate: &Estate) -> Result<Vec<Journal>, StoreError> {
    let mut events = reader.events(&EventQuery::default())?;
    events.reverse();
    let mut journals: Vec<Journal> = Vec::new();
    for e in events {
        if journals.last().is_none_or(|j| j.at != e.time_generated) {
            journals.push(Journal::new(e.time_generated));
        }
        if let Some(journal) = journals.last_mut() {
            journal.events.push(crate::engine::events::NewEvent {
                node: e.machine_name,
                instance_id: e.instance_id,
                source: e.source.into(),
                entry_type: e.entry_type,
                message: e.message,
            });
        }
    }
    let mut ledger = Journal::new(Utc::now());
    for sg in estate.storage_groups.iter() {
        let server = sg.server.clone();
        let name = sg.name.clone();
        reader.accepted(&server, &name, false, &mut |range| {
            ledger.accepted.push(range.clone());
            true
        })?;
        for fate in reader.fates(&server, &name)? {
            let message = MessageRef { server: server.clone(), storage_group: name.clone(), id: fate.id };
            if fate.resent {
                ledger.resent.push(message.clone());
            }
            if fate.lost {
                ledger.lost.push(message);
            }
        }
    }
    journals.push(ledger);
    Ok(journals)
}

/// Reading the journal from etcd: linearizable, and from any member that answers (possibly
/// behind) when no majority does.
struct EtcdReader {
    gateway: Arc<Gateway>,
    keys: Keys,
}

impl EtcdReader {
    /// Every visible entry under `prefix`, in key order.
    fn visible<T: for<'de> Deserialize<'de>>(
        &self,
        prefix: &str,
        column: &'static str,
    ) -> Result<Vec<(Vec<u8>, T)>, StoreError> {
        let read = |consistency| -> Result<_, StoreError> {
            let tags = EtcdStore::committed_tags(&self.gateway, &self.keys, consistency)?;
            let kvs = EtcdStore::scan(&self.gateway, prefix, 0, consistency)?;
            Ok((tags, kvs))
        };
        let (tags, kvs) = match read(Consistency::Linearizable) {
            Err(StoreError::Unavailable(_)) => read(Consistency::Serializable)?,
            other => other?,
        };
        kvs.into_iter()
            .map(|kv| Ok((kv.key, parse::<Tagged<T>>(column, &kv.value)?)))
            .filter(|entry| entry.as_ref().map_or(true, |(_, t)| t.tag == 0 || tags.contains(&t.tag)))
            .map(|entry| entry.map(|(key, t)| (key, t.entry)))
            .collect()
    }
}

impl JournalRead for EtcdReader {
    fn events(&self, q: &EventQuery) -> Result<Vec<EventEntry>, StoreError> {
        let source = match &q.source {
            Some(wildcard) => Some(wildcard_regex(wildcard)?),
            None => None,
        };
        let mut out: Vec<EventEntry> = self
            .visible::<EventEntry>(&self.keys.events(), "event")?
            .into_iter()
            .map(|(_, e)| e)
            .filter(|e| q.computer_name.as_ref().is_none_or(|n| n.eq_ignore_ascii_case(&e.machine_name)))
            .filter(|e| source.as_ref().is_none_or(|re| re.is_match(&e.source)))
            .filter(|e| q.instance_id.is_none_or(|i| i == e.instance_id))
            .filter(|e| q.entry_type.is_none_or(|t| t == e.entry_type))
            .filter(|e| q.after.is_none_or(|t| e.time_generated > t))
            .collect();
        out.reverse();
        if let Some(n) = q.newest {
            out.truncate(n as usize);
        }
        Ok(out)
    }

    fn accepted(
        &self,
        server: &str,
        storage_group: &str,
        newest_first: bool,
        visit: &mut dyn FnMut(&AcceptedRange) -> bool,
    ) -> Result<(), StoreError> {
        let prefix = self.keys.ledger_of(server, storage_group);
        let mut ranges = self.visible::<LedgerValue>(&prefix, "ledger")?;
        if newest_first {
            ranges.reverse();
        }
        for (key, value) in ranges {
            let first_id = String::from_utf8_lossy(&key)
                .strip_prefix(prefix.as_str())
                .and_then(|id| id.parse().ok())
                .ok_or_else(|| bad("ledger", String::from_utf8_lossy(&key)))?;
            let range = AcceptedRange {
                first_id,
                count: value.count,
                size: value.size,
                server: server.to_string(),
                storage_group: storage_group.to_string(),
                accepted_at: value.accepted_at,
                recipient: value.recipient,
            };
            if !visit(&range) {
                break;
            }
        }
        Ok(())
    }

    fn fates(&self, server: &str, storage_group: &str) -> Result<Vec<MessageFate>, StoreError> {
        let prefix = self.keys.fates_of(server, storage_group);
        let mut by_id: BTreeMap<u64, MessageFate> = BTreeMap::new();
        // Key order is (id, order): the last fate of an id is its current one.
        for (key, value) in self.visible::<FateValue>(&prefix, "fate")? {
            let id = String::from_utf8_lossy(&key)
                .strip_prefix(prefix.as_str())
                .and_then(|rest| rest.split('/').next()?.parse().ok())
                .ok_or_else(|| bad("fate", String::from_utf8_lossy(&key)))?;
            let fate = by_id.entry(id).or_insert(MessageFate { id, lost: false, resent: false });
            fate.lost = value.lost;
            fate.resent |= !value.lost;
        }
        Ok(by_id.into_values().collect())
    }
}

/// A PowerShell wildcard (`*`, `?`), matched without case, as a regular expression.
fn wildcard_regex(wildcard: &str) -> Result<regex::Regex, StoreError> {
    let mut pattern = String::from("(?is)^");
    for c in wildcard.chars() {
        match c {
            '*' => pattern.push_str(".*"),
            '?' => pattern.push('.'),
            other => pattern.push_str(&regex::escape(&other.to_string())),
        }
    }
    pattern.push('$');
    regex::Regex::new(&pattern).map_err(|e| StoreError::Backend(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_etcd_address_names_its_members_and_estate_and_a_bad_one_says_how_to_write_it() {
        let url = EtcdUrl::parse("etcd://127.0.0.1:2379,10.0.0.2:2379/contoso").expect("parses");
        assert_eq!(url.endpoints, ["127.0.0.1:2379", "10.0.0.2:2379"]);
        assert_eq!(url.estate, "contoso");
        assert_eq!(EtcdUrl::parse("etcd://h:1").expect("parses").estate, "default");
        for bad in
            ["http://h:1", "etcd://h", "etcd://h:0", "etcd://:5", "etcd://h:1/", "etcd://h:1/a/b", "etcd://h:99999"]
        {
            let error = EtcdUrl::parse(bad).expect_err(bad);
            assert!(error.contains("etcd://HOST:PORT"), "{bad}: {error}");
        }
    }

    #[test]
    fn chunks_keep_within_the_operation_and_byte_limits() {
        let put = |n: usize| Op::Put { key: vec![b'k'; 10], value: vec![b'v'; n] };
        let ops: Vec<Op> = (0..300).map(|_| put(10)).collect();
        let cut = chunks(ops);
        assert_eq!(cut.iter().map(Vec::len).collect::<Vec<_>>(), [MAX_OPS, MAX_OPS, 300 - 2 * MAX_OPS]);
        let big: Vec<Op> = (0..5).map(|_| put(400_000)).collect();
        let cut = chunks(big);
        assert!(cut.iter().all(|c| c.iter().map(Op::size).sum::<usize>() <= MAX_BYTES));
        assert_eq!(cut.iter().map(Vec::len).sum::<usize>(), 5);
    }

    #[test]
    fn a_ccrd_passes_over_its_own_commits_in_the_watch_and_reads_back_anothers() {
        let seed = crate::engine::topology::build("seed", crate::engine::topology::SEED).expect("seed");
        let meta = |writer| {
            json(&Meta {
                layout: LAYOUT.into(),
                generation: 1,
                next_event: 1,
                estate: EstateMeta::of(&seed),
                writer,
                attempt: 1,
            })
        };
        assert!(!written_by_another(&meta(7), 7));
        assert!(written_by_another(&meta(8), 7));
        // Written by a ccrd from before the mark, or not readable: read back.
        let mut unmarked: serde_json::Value = serde_json::from_slice(&meta(7)).expect("json");
        unmarked.as_object_mut().expect("object").remove("writer");
        assert!(written_by_another(&json(&unmarked), 7));
        assert!(written_by_another(b"{", 7));
    }

    #[test]
    fn key_segments_fold_case_and_escape_the_separator() {
        assert_eq!(segment("SRV03/First Storage Group%"), "srv03%2Ffirst storage group%25");
        assert!(wildcard_regex("MSExchange*").expect("regex").is_match("msexchangerepl"));
        assert!(!wildcard_regex("a.c").expect("regex").is_match("abc"));
    }
}
