//! The compact snapshot of a whole estate: one byte string a store keeps beside the estate's
//! objects so that opening a lab reads one value instead of one row (or key) per object.
//!
//! Format (version 2): the magic `CCRSNAP2`, the length in bytes of the *head* that follows
//! (`u32`, little-endian), then sections: the head holds the estate's settings ([`EstateMeta`])
//! and every list but the [`DEFERRED`] ones, and the rest of the snapshot holds those. A section
//! is its kind's name (one length byte and the name; `estate` for the settings), its count of
//! objects and its length in bytes (both `u32`, little-endian), then the objects as MessagePack
//! maps (field names kept: the estate's types skip empty optional fields, which a positional
//! format cannot read back), at most [`OBJECTS_PER_SECTION`] of one kind per section, each
//! kind's in the estate's order. So a lab's open reads the head alone (the settings, servers,
//! nodes, databases…: 54 KB of the large lab's 392 KB) and a thread reads and decodes the rest
//! while the first command runs. Version 1 (`CCRSNAP1`, written earlier this round) is the same without
//! the length and with the sections in kind order; it is still read, whole.
//!
//! A snapshot is only ever a copy: the store that keeps one also keeps every object, and drops
//! the snapshot in the same transaction as any write to them, so a snapshot present is current.
//!
//! Owns: encoding and decoding the snapshot. Must not: decide when a snapshot is written or
//! whether it is current (the store does), or do I/O (the store hands in what reads the rest).

use crate::engine::Estate;
use crate::engine::diff::{self, EstateDiff, EstateMeta, Kind, Object};

use super::StoreError;

/// Version 2, written: the head's length, then the head, then the deferred lists.
const MAGIC: &[u8] = b"CCRSNAP2";
/// Version 1, read only: the sections in kind order, without the head's length.
const MAGIC_V1: &[u8] = b"CCRSNAP1";
/// The bytes a store reads first: the magic and, in version 2, the head's length
/// ([`head_len`] says how much more makes the head).
pub const START_BYTES: usize = MAGIC.len() + 4;
/// The name of the settings' section.
const META: &str = "estate";
/// The name of the section that ends a version 2 head: no objects, its count the number of
/// sections in the rest (so a head whose length was damaged does not read as a smaller one).
const REST: &str = "rest";
/// The bytes of the [`REST`] section: its name's length and name, count, and length (0).
const REST_BYTES: usize = 1 + REST.len() + 4 + 4;
/// The most objects one section holds: small enough for two threads to share the decoding of
/// the large lab's 750 copies, large enough that the section headers cost nothing.
const OBJECTS_PER_SECTION: usize = 192;
/// Below this many bytes a snapshot is decoded on the calling thread alone (a thread costs
/// more than it saves).
const PARALLEL_FROM_BYTES: usize = 64 * 1024;

fn bad(value: impl Into<String>) -> StoreError {
    StoreError::BadValue { table: "snapshot", column: "body", value: value.into() }
}

/// The snapshot of `estate`.
pub fn encode(estate: &Estate) -> Result<Vec<u8>, StoreError> {
    let whole = EstateDiff::whole(estate);
    let mut out = Vec::with_capacity(64 * 1024);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[0; 4]);
    let meta = EstateMeta::of(estate);
    let mut body = Vec::new();
    rmp_serde::encode::write_named(&mut body, &meta).map_err(|e| bad(e.to_string()))?;
    section(&mut out, META, 1, &body)?;
    // The head: every list but the deferred ones, and the rest's marker; then the rest.
    let (mut later, head): (Vec<_>, Vec<_>) = whole.lists.iter().partition(|list| DEFERRED.contains(&list.kind));
    // The rest in the order its lists are decoded (see DEFERRED).
    later.sort_by_key(|list| DEFERRED.iter().position(|kind| *kind == list.kind));
    for list in head {
        list_sections(&mut out, &mut body, list)?;
    }
    let mut rest = Vec::new();
    let mut rest_sections = 0;
    for list in later {
        rest_sections += list_sections(&mut rest, &mut body, list)?;
    }
    section(&mut out, REST, rest_sections, &[])?;
    let head_len = out.len() - START_BYTES;
    let head_len = u32::try_from(head_len).map_err(|_| bad(format!("a head of {head_len} bytes is too large")))?;
    out[MAGIC.len()..START_BYTES].copy_from_slice(&head_len.to_le_bytes());
    out.extend_from_slice(&rest);
    Ok(out)
}

/// Appends the sections of one list (`body`: a buffer to reuse); returns how many.
fn list_sections(out: &mut Vec<u8>, body: &mut Vec<u8>, list: &diff::ListChange) -> Result<usize, StoreError> {
    let mut count = 0;
    for chunk in list.changed.chunks(OBJECTS_PER_SECTION) {
        body.clear();
        for (_, object) in chunk {
            rmp_serde::encode::write_named(body, object).map_err(|e| bad(e.to_string()))?;
        }
        section(out, list.kind.name(), chunk.len(), body)?;
        count += 1;
    }
    Ok(count)
}

/// How many bytes from the start make a snapshot's head, given its first [`START_BYTES`]:
/// `None` for a snapshot that is read whole (version 1, or not a snapshot: decoding says why).
pub fn head_len(start: &[u8]) -> Option<usize> {
    let len = start.strip_prefix(MAGIC)?.get(..4)?;
    Some(START_BYTES + u32::from_le_bytes(len.try_into().ok()?) as usize)
}

/// A version 2 snapshot written as version 1 was (for tests of labs last closed by a build of
/// earlier this round).
#[cfg(test)]
pub fn as_version_1(bytes: &[u8]) -> Vec<u8> {
    let head = head_len(bytes).expect("version 2");
    [MAGIC_V1, &bytes[START_BYTES..head - REST_BYTES], &bytes[head..]].concat()
}

/// As [`encode`], refused unless it reads back to what it was made from: a store never keeps a
/// snapshot it could not read.
pub fn encode_checked(estate: &Estate) -> Result<Vec<u8>, StoreError> {
    let body = encode(estate)?;
    if encode(&decode(&body)?)? != body {
        return Err(StoreError::Unrepresentable("the estate's snapshot does not read back".into()));
    }
    Ok(body)
}

fn section(out: &mut Vec<u8>, name: &str, count: usize, body: &[u8]) -> Result<(), StoreError> {
    let too_large = || bad(format!("a section of {} bytes is too large for a snapshot", body.len()));
    let name_len = u8::try_from(name.len()).map_err(|_| too_large())?;
    out.push(name_len);
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(&u32::try_from(count).map_err(|_| too_large())?.to_le_bytes());
    out.extend_from_slice(&u32::try_from(body.len()).map_err(|_| too_large())?.to_le_bytes());
    out.extend_from_slice(body);
    Ok(())
}

/// One section as found in a snapshot: what it holds, its count and bytes.
struct Section<'a> {
    kind: Part,
    count: usize,
    body: &'a [u8],
}

/// What a section holds.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Part {
    /// The estate's settings.
    Settings,
    /// Objects of one kind.
    Objects(Kind),
    /// The end of a version 2 head.
    Rest,
}

impl Section<'_> {
    /// Whether it holds objects of a [`DEFERRED`] kind.
    fn deferred(&self) -> bool {
        matches!(self.kind, Part::Objects(kind) if DEFERRED.contains(&kind))
    }
}

/// The sections of a whole snapshot, or of a version 2 snapshot's head alone: then also the
/// number of sections the rest holds (0 when `bytes` is the whole snapshot).
fn sections(bytes: &[u8]) -> Result<(Vec<Section<'_>>, usize), StoreError> {
    let truncated = || bad("(a truncated snapshot)");
    let Some(head_end) = head_len(bytes) else {
        let v1 = bytes.strip_prefix(MAGIC_V1).ok_or_else(|| bad("(not a snapshot of this format)"))?;
        return Ok((sections_in(v1)?, 0));
    };
    let head = bytes.get(START_BYTES..head_end).ok_or_else(truncated)?;
    let (lists, marker) = head.split_at_checked(head.len().saturating_sub(REST_BYTES)).ok_or_else(truncated)?;
    let rest_count = match sections_in(marker).map_err(|_| bad("(a head without its end)"))?.as_slice() {
        [Section { kind: Part::Rest, count, .. }] => *count,
        _ => return Err(bad("(a head without its end)")),
    };
    let mut found = sections_in(lists)?;
    if found.iter().any(|s| matches!(s.kind, Part::Rest) || s.deferred()) {
        return Err(bad("(a head holding what belongs to the rest)"));
    }
    let rest = sections_in(&bytes[head_end..])?;
    if rest.is_empty() {
        return Ok((found, rest_count));
    }
    check_rest(&rest, rest_count)?;
    found.extend(rest);
    Ok((found, 0))
}

/// Refuses a rest that is not the one its head ends with: `count` sections, each of a deferred
/// list.
fn check_rest(rest: &[Section<'_>], count: usize) -> Result<(), StoreError> {
    if rest.len() != count || !rest.iter().all(Section::deferred) {
        return Err(bad("(a rest that does not match its head)"));
    }
    Ok(())
}

/// The sections `bytes` holds, one after another to its end.
fn sections_in(mut rest: &[u8]) -> Result<Vec<Section<'_>>, StoreError> {
    let mut out = Vec::new();
    let truncated = || bad("(a truncated snapshot)");
    while let Some((&name_len, after)) = rest.split_first() {
        let (name, after) = after.split_at_checked(usize::from(name_len)).ok_or_else(truncated)?;
        let (count, after) = after.split_at_checked(4).ok_or_else(truncated)?;
        let (len, after) = after.split_at_checked(4).ok_or_else(truncated)?;
        let count = u32::from_le_bytes(count.try_into().map_err(|_| truncated())?) as usize;
        let len = u32::from_le_bytes(len.try_into().map_err(|_| truncated())?) as usize;
        let (body, after) = after.split_at_checked(len).ok_or_else(truncated)?;
        let name = std::str::from_utf8(name).map_err(|_| bad("(a section name that is not text)"))?;
        let kind = match name {
            META => Part::Settings,
            REST => Part::Rest,
            other => {
                Part::Objects(Kind::parse(other).ok_or_else(|| bad(format!("(an unknown kind of object '{other}')")))?)
            }
        };
        out.push(Section { kind, count, body });
        rest = after;
    }
    Ok(out)
}

/// The objects of one section.
fn decode_objects(section: &Section<'_>, kind: Kind, pace: Pace) -> Result<Vec<Object>, StoreError> {
    // Borrowing from the section (a `Read` over it would copy every string through a buffer
    // first: a fifth of the decoding's time).
    let mut reader = rmp_serde::Deserializer::from_read_ref(section.body);
    let mut objects = Vec::with_capacity(section.count);
    for i in 0..section.count {
        objects.push(Object::decode(kind, &mut reader).map_err(|e| bad(format!("{}: {e}", kind.name())))?);
        if pace == Pace::GiveWay && i % GIVE_WAY_EVERY == GIVE_WAY_EVERY - 1 {
            std::thread::yield_now();
        }
    }
    // Nothing may follow the counted objects (a borrowing reader does not say what is left,
    // so one more value is asked for: there must be none).
    match <serde::de::IgnoredAny as serde::Deserialize>::deserialize(&mut reader) {
        Err(rmp_serde::decode::Error::InvalidMarkerRead(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            Ok(objects)
        }
        _ => Err(bad(format!("{}: bytes left over", kind.name()))),
    }
}

/// The object sections of a snapshot, in order, each with its kind.
type Lists<'s, 'b> = Vec<(Kind, &'s Section<'b>)>;

/// The snapshot's one settings section, decoded, and its object sections.
fn settings_and_lists<'s, 'b>(sections: &'s [Section<'b>]) -> Result<(EstateMeta, Lists<'s, 'b>), StoreError> {
    let mut meta = None;
    let mut lists = Vec::with_capacity(sections.len());
    for section in sections {
        match section.kind {
            Part::Settings if meta.is_none() => {
                meta =
                    Some(rmp_serde::from_slice::<EstateMeta>(section.body).map_err(|e| bad(format!("estate: {e}")))?);
            }
            Part::Settings => return Err(bad("(two settings sections)")),
            Part::Objects(kind) => lists.push((kind, section)),
            Part::Rest => return Err(bad("(the end of a head in the middle of a snapshot)")),
        }
    }
    Ok((meta.ok_or_else(|| bad("(no settings section)"))?, lists))
}

fn decode_all(sections: &[(Kind, &Section<'_>)]) -> Result<Vec<Vec<Object>>, StoreError> {
    sections.iter().map(|(kind, section)| decode_objects(section, *kind, Pace::Through)).collect()
}

/// The lists of the replication state (a storage group's log counters, each copy's progress):
/// by far the largest (86 % of the large lab's snapshot), and ones the first command rarely
/// reads. [`decode_deferring`] reads and decodes them in the background. (The databases, 12 %,
/// are not among them: the status of a clustered mailbox server names those not mounted, and
/// waiting for them there cost more than decoding them at open.)
const DEFERRED: [Kind; 2] = [Kind::StorageGroup, Kind::StorageGroupCopy];

/// Reads the objects of one kind from the store's own records (its rows or keys), for a
/// deferred list whose part of the snapshot did not decode.
pub type Fallback = Box<dyn Fn(Kind) -> Result<Vec<Object>, StoreError> + Send>;

/// How much lower the thread that reads the deferred lists runs than the rest of the process
/// (a Linux thread's own nice value; 10: about a tenth of a core's share against the others).
const BACKGROUND_NICENESS: i32 = 10;

/// How a decoding shares its core. In the foreground (the open) it runs through. In the
/// background it steps aside every [`GIVE_WAY_EVERY`] objects (`sched_yield`): a thread of the
/// shell or the service woken behind it on the same core then runs within some 50 µs, not after
/// this thread's time slice (a lower nice value alone did not do that: on two cores the shell's
/// thread, woken when the lab had opened, waited up to a millisecond behind this one).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pace {
    Through,
    GiveWay,
}

/// Objects decoded between two yields in the background (about 50 µs of work).
const GIVE_WAY_EVERY: usize = 64;

/// Reads the rest of a snapshot whose head was read (the deferred lists' sections, after the
/// head), on the thread that decodes them.
pub type ReadRest = Box<dyn FnOnce() -> Result<Vec<u8>, StoreError> + Send>;

/// The estate a snapshot holds, its [`DEFERRED`] lists left to a thread that reads and decodes
/// them while the caller goes on (whoever reads one first waits for it): what a lab's first
/// command needs is read, not the replication state of every storage group. `bytes` is the
/// whole snapshot (`rest`: `None`), or its head ([`head_len`] bytes) with `rest` reading the
/// remainder. A deferred list whose sections cannot be read or do not decode is read through
/// `fallback` instead. Everything else is decoded before this returns (an error is the
/// caller's to handle: read the objects instead).
pub fn decode_deferring(bytes: Vec<u8>, rest: Option<ReadRest>, fallback: Fallback) -> Result<Estate, StoreError> {
    // Shared with the thread as it is (no copy).
    let bytes = std::sync::Arc::new(bytes);
    let (sections, rest_count) = sections(&bytes)?;
    let rest = match (rest, rest_count) {
        (_, 0) => None,
        (Some(rest), _) => Some(rest),
        (None, _) => return Err(bad("(the head of a snapshot without what reads its rest)")),
    };
    let (meta, lists) = settings_and_lists(&sections)?;
    let mut now = Vec::new();
    // Deferred sections met in `bytes`, by their place there: (kind, count, start, end).
    let mut later: Vec<(Kind, usize, usize, usize)> = Vec::new();
    for (kind, section) in lists {
        if DEFERRED.contains(&kind) {
            let start = section.body.as_ptr() as usize - bytes.as_ptr() as usize;
            later.push((kind, section.count, start, start + section.body.len()));
        } else {
            now.extend(decode_objects(section, kind, Pace::Through)?);
        }
    }
    let mut estate = diff::assemble(meta, now);
    // With a rest still to read, every deferred kind may be in it.
    let kinds: Vec<Kind> =
        DEFERRED.iter().copied().filter(|k| rest.is_some() || later.iter().any(|(kind, ..)| kind == k)).collect();
    let fills: Vec<_> = kinds.iter().map(|kind| (*kind, diff::defer(&mut estate, *kind))).collect();
    let read = move || {
        let rest = rest.map(|read| read());
        // `None`: the rest could not be read, or does not parse: every deferred list is read
        // through the fallback.
        let rest_sections = match &rest {
            None => Some(Vec::new()),
            Some(Ok(bytes)) => sections_in(bytes).ok().filter(|rest| check_rest(rest, rest_count).is_ok()),
            Some(Err(_)) => None,
        };
        for (kind, fill) in fills {
            let decoded = rest_sections.as_ref().and_then(|rest| {
                let in_head = later.iter().filter(|(k, ..)| *k == kind).map(|&(kind, count, start, end)| {
                    decode_objects(
                        &Section { kind: Part::Objects(kind), count, body: &bytes[start..end] },
                        kind,
                        Pace::GiveWay,
                    )
                });
                let in_rest = rest
                    .iter()
                    .filter(|s| s.kind == Part::Objects(kind))
                    .map(|s| decode_objects(s, kind, Pace::GiveWay));
                in_head.chain(in_rest).collect::<Result<Vec<Vec<Object>>, _>>().ok()
            });
            let read = match decoded {
                Some(lists) => Ok(lists.into_iter().flatten().collect()),
                None => fallback(kind),
            };
            fill(read.map_err(|e| e.to_string()));
        }
    };
    // Without a thread, the lists are read now.
    let job = std::sync::Arc::new(std::sync::Mutex::new(Some(read)));
    let theirs = std::sync::Arc::clone(&job);
    let take = |job: &std::sync::Mutex<Option<_>>| job.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
    let spawned = std::thread::Builder::new().name("estate-replication".into()).spawn(move || {
        // Behind the opening lab and its first command, which want the same cores (whoever
        // waits for a deferred list sleeps, and then this thread has them).
        let _ = rustix::process::nice(BACKGROUND_NICENESS);
        if let Some(read) = take(&theirs) {
            read();
        }
    });
    if spawned.is_err()
        && let Some(read) = take(&job)
    {
        read();
    }
    Ok(estate)
}

/// The estate a snapshot holds.
pub fn decode(bytes: &[u8]) -> Result<Estate, StoreError> {
    let (sections, rest_count) = sections(bytes)?;
    if rest_count != 0 {
        return Err(bad("(the head of a snapshot without its rest)"));
    }
    let (meta, lists) = settings_and_lists(&sections)?;
    // Two halves by bytes: the second decoded by a helper thread while this one decodes the
    // first (one thread when the snapshot is small or no thread can be had).
    let total: usize = lists.iter().map(|(_, s)| s.body.len()).sum();
    let split = if total >= PARALLEL_FROM_BYTES {
        let mut seen = 0;
        lists
            .iter()
            .position(|(_, s)| {
                seen += s.body.len();
                seen * 2 >= total
            })
            .map_or(lists.len(), |p| p + 1)
    } else {
        lists.len()
    };
    let (first, second) = lists.split_at(split);
    let decoded = std::thread::scope(|scope| {
        let helper = (!second.is_empty())
            .then(|| {
                std::thread::Builder::new().name("estate-decode".into()).spawn_scoped(scope, || decode_all(second))
            })
            .and_then(Result::ok);
        let mine = decode_all(first);
        let theirs = match helper {
            Some(helper) => helper.join().unwrap_or_else(|_| Err(bad("(decoding failed)"))),
            None => decode_all(second),
        };
        mine.and_then(|mut mine| {
            mine.extend(theirs?);
            Ok(mine)
        })
    })?;
    Ok(diff::assemble(meta, decoded.into_iter().flatten()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::topology::{SEED, build};

    #[test]
    fn an_estate_round_trips_through_its_snapshot() {
        let estate = build("seed", SEED).expect("seed builds");
        let bytes = encode(&estate).expect("encodes");
        assert_eq!(decode(&bytes).expect("decodes"), estate);
    }

    #[test]
    fn a_large_estate_round_trips_on_two_threads() {
        let text = include_str!("../../../bench/topologies/large.toml");
        let estate = build("large", text).expect("large builds");
        let bytes = encode(&estate).expect("encodes");
        assert!(bytes.len() >= PARALLEL_FROM_BYTES, "{}", bytes.len());
        assert_eq!(decode(&bytes).expect("decodes"), estate);
    }

    #[test]
    fn a_damaged_snapshot_is_refused_not_misread() {
        let estate = build("seed", SEED).expect("seed builds");
        let bytes = encode(&estate).expect("encodes");
        for cut in [0, 5, MAGIC.len() + 3, bytes.len() / 2, bytes.len() - 1] {
            assert!(decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut flipped = bytes.clone();
        flipped[START_BYTES + 1] = b'x';
        assert!(decode(&flipped).is_err());
        // A head's length that is wrong is caught, even when it ends at a section.
        let head = head_len(&bytes).expect("version 2");
        let (found, _) = sections(&bytes[..head]).expect("the head alone");
        let servers = found.iter().find(|s| s.kind == Part::Objects(Kind::ClusteredMailboxServer)).expect("servers");
        let shorter = servers.body.as_ptr() as usize - bytes.as_ptr() as usize + servers.body.len() - START_BYTES;
        for wrong in [shorter, head - START_BYTES + 1, bytes.len()] {
            let mut damaged = bytes.clone();
            damaged[MAGIC.len()..START_BYTES].copy_from_slice(&u32::try_from(wrong).expect("small").to_le_bytes());
            assert!(decode(&damaged).is_err(), "a head of {wrong} bytes");
            let end = head_len(&damaged).expect("version 2").min(damaged.len());
            let never: Fallback = Box::new(|kind| panic!("{kind:?}: the head is refused first"));
            assert!(decode_deferring(damaged[..end].to_vec(), None, never).is_err(), "a head of {wrong} bytes");
        }
    }

    /// A section whose count says fewer objects than it holds is refused: the decoder asks
    /// for one more value after the counted ones and must find none.
    #[test]
    fn a_section_holding_more_than_its_count_is_refused() {
        let estate = build("seed", SEED).expect("seed builds");
        let mut bytes = encode(&estate).expect("encodes");
        let start = {
            let (found, _) = sections(&bytes).expect("sections");
            let servers =
                found.iter().find(|s| s.kind == Part::Objects(Kind::ClusteredMailboxServer)).expect("servers");
            assert!(servers.count >= 1);
            servers.body.as_ptr() as usize - bytes.as_ptr() as usize
        };
        // The count is the first of the two numbers before the body.
        let count = u32::from_le_bytes(bytes[start - 8..start - 4].try_into().expect("four bytes"));
        bytes[start - 8..start - 4].copy_from_slice(&(count - 1).to_le_bytes());
        let refused = decode(&bytes).expect_err("refused");
        assert!(refused.to_string().contains("bytes left over"), "{refused}");
    }

    #[test]
    fn the_replication_state_is_decoded_in_the_background_and_read_back_whole() {
        let text = include_str!("../../../bench/topologies/large.toml");
        let estate = build("large", text).expect("large builds");
        let bytes = encode(&estate).expect("encodes");
        let never: Fallback = Box::new(|kind| panic!("{kind:?} decodes: no fallback"));
        let opened = decode_deferring(bytes, None, never).expect("decodes");
        assert_eq!(opened.servers.len(), estate.servers.len());
        assert_eq!(opened, estate);
    }

    /// A fallback that reads `estate`'s lists, as a store reads its rows, and the kinds it was
    /// asked for.
    fn reading_the_rows_of(estate: &Estate) -> (Fallback, std::sync::Arc<std::sync::Mutex<Vec<Kind>>>) {
        let from_rows = estate.clone();
        let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = std::sync::Arc::clone(&asked);
        let fallback: Fallback = Box::new(move |kind| {
            seen.lock().expect("lock").push(kind);
            Ok(EstateDiff::whole(&from_rows)
                .lists
                .into_iter()
                .filter(|l| l.kind == kind)
                .flat_map(|l| l.changed.into_iter().map(|(_, o)| o))
                .collect())
        });
        (fallback, asked)
    }

    #[test]
    fn a_deferred_list_that_does_not_decode_is_read_from_the_store_instead() {
        let estate = build("seed", SEED).expect("seed builds");
        let mut bytes = encode(&estate).expect("encodes");
        let start = {
            let (found, _) = sections(&bytes).expect("sections");
            let copies = found.iter().find(|s| s.kind == Part::Objects(Kind::StorageGroupCopy)).expect("copies");
            copies.body.as_ptr() as usize - bytes.as_ptr() as usize
        };
        bytes[start] = 0xc1; // never used by MessagePack
        let (fallback, asked) = reading_the_rows_of(&estate);
        let opened = decode_deferring(bytes, None, fallback).expect("the rest decodes");
        assert_eq!(opened, estate);
        assert_eq!(*asked.lock().expect("lock"), vec![Kind::StorageGroupCopy]);
    }

    /// What a store does at open: it reads the head alone, and the thread reads the rest.
    #[test]
    fn the_head_holds_what_the_first_command_reads_and_the_rest_is_read_later() {
        let text = include_str!("../../../bench/topologies/large.toml");
        let estate = build("large", text).expect("large builds");
        let bytes = encode(&estate).expect("encodes");
        let head = head_len(&bytes[..START_BYTES]).expect("a version 2 snapshot");
        assert!(head * 5 < bytes.len(), "the head is {head} of {} bytes", bytes.len());
        let rest = bytes[head..].to_vec();
        let read_rest: ReadRest = Box::new(move || Ok(rest));
        let never: Fallback = Box::new(|kind| panic!("{kind:?} decodes: no fallback"));
        let opened = decode_deferring(bytes[..head].to_vec(), Some(read_rest), never).expect("decodes");
        assert_eq!(opened.servers.len(), estate.servers.len());
        assert_eq!(opened, estate);
    }

    #[test]
    fn a_rest_that_cannot_be_read_is_read_from_the_store_instead() {
        let estate = build("seed", SEED).expect("seed builds");
        let bytes = encode(&estate).expect("encodes");
        let head = head_len(&bytes[..START_BYTES]).expect("a version 2 snapshot");
        let read_rest: ReadRest = Box::new(|| Err(bad("(the snapshot changed while it was read)")));
        let (fallback, asked) = reading_the_rows_of(&estate);
        let opened = decode_deferring(bytes[..head].to_vec(), Some(read_rest), fallback).expect("the head decodes");
        assert_eq!(opened, estate);
        let mut asked = asked.lock().expect("lock").clone();
        asked.sort_by_key(|k| k.name());
        let mut deferred = DEFERRED.to_vec();
        deferred.sort_by_key(|k| k.name());
        assert_eq!(asked, deferred);
    }

    /// Labs whose last close was by a build of earlier this round keep a version 1 snapshot:
    /// it is read whole, as then.
    #[test]
    fn a_version_1_snapshot_is_still_read() {
        let estate = build("seed", SEED).expect("seed builds");
        let bytes = encode(&estate).expect("encodes");
        let v1 = as_version_1(&bytes);
        assert_eq!(head_len(&v1[..START_BYTES]), None);
        assert_eq!(decode(&v1).expect("decodes"), estate);
        let never: Fallback = Box::new(|kind| panic!("{kind:?} decodes: no fallback"));
        assert_eq!(decode_deferring(v1, None, never).expect("decodes"), estate);
    }
}
