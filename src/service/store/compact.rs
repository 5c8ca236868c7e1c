//! The compact snapshot of a whole estate: one byte string a store keeps beside the estate's
//! objects so that opening a lab reads one value instead of one row (or key) per object.
//!
//! Format (version 1): the magic `CCRSNAP1`, the estate's settings ([`EstateMeta`]) as one
//! section, then the objects in sections of at most [`OBJECTS_PER_SECTION`] of one kind, in the
//! estate's order. A section is its kind's name (one length byte and the name; `estate` for the
//! settings), its count of objects and its length in bytes (both `u32`, little-endian), then the
//! objects as MessagePack maps (field names kept: the estate's types skip empty optional fields,
//! which a positional format cannot read back). Sections decode independently, so a large
//! snapshot is decoded by two threads.
//!
//! A snapshot is only ever a copy: the store that keeps one also keeps every object, and drops
//! the snapshot in the same transaction as any write to them, so a snapshot present is current.
//!
//! Owns: encoding and decoding the snapshot. Must not: decide when a snapshot is written or
//! whether it is current (the store does), or do I/O.

use crate::engine::Estate;
use crate::engine::diff::{self, EstateDiff, EstateMeta, Kind, Object};

use super::StoreError;

const MAGIC: &[u8] = b"CCRSNAP1";
/// The name of the settings' section.
const META: &str = "estate";
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
    let meta = EstateMeta::of(estate);
    let mut body = Vec::new();
    rmp_serde::encode::write_named(&mut body, &meta).map_err(|e| bad(e.to_string()))?;
    section(&mut out, META, 1, &body)?;
    for list in &whole.lists {
        for chunk in list.changed.chunks(OBJECTS_PER_SECTION) {
            body.clear();
            for (_, object) in chunk {
                rmp_serde::encode::write_named(&mut body, object).map_err(|e| bad(e.to_string()))?;
            }
            section(&mut out, list.kind.name(), chunk.len(), &body)?;
        }
    }
    Ok(out)
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

/// One section as found in a snapshot: its kind (`None`: the settings), count and bytes.
struct Section<'a> {
    kind: Option<Kind>,
    count: usize,
    body: &'a [u8],
}

fn sections(bytes: &[u8]) -> Result<Vec<Section<'_>>, StoreError> {
    let mut rest = bytes.strip_prefix(MAGIC).ok_or_else(|| bad("(not a snapshot of this format)"))?;
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
            META => None,
            other => Some(Kind::parse(other).ok_or_else(|| bad(format!("(an unknown kind of object '{other}')")))?),
        };
        out.push(Section { kind, count, body });
        rest = after;
    }
    Ok(out)
}

/// The objects of one section.
fn decode_objects(section: &Section<'_>, kind: Kind) -> Result<Vec<Object>, StoreError> {
    // Borrowing from the section (a `Read` over it would copy every string through a buffer
    // first: a fifth of the decoding's time).
    let mut reader = rmp_serde::Deserializer::from_read_ref(section.body);
    let mut objects = Vec::with_capacity(section.count);
    for _ in 0..section.count {
        objects.push(Object::decode(kind, &mut reader).map_err(|e| bad(format!("{}: {e}", kind.name())))?);
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

/// The sections' objects, each section's in order, on the calling thread.
/// The object sections of a snapshot, in order, each with its kind.
type Lists<'s, 'b> = Vec<(Kind, &'s Section<'b>)>;

/// The snapshot's one settings section, decoded, and its object sections.
fn settings_and_lists<'s, 'b>(sections: &'s [Section<'b>]) -> Result<(EstateMeta, Lists<'s, 'b>), StoreError> {
    let mut meta = None;
    let mut lists = Vec::with_capacity(sections.len());
    for section in sections {
        match section.kind {
            None if meta.is_none() => {
                meta =
                    Some(rmp_serde::from_slice::<EstateMeta>(section.body).map_err(|e| bad(format!("estate: {e}")))?);
            }
            None => return Err(bad("(two settings sections)")),
            Some(kind) => lists.push((kind, section)),
        }
    }
    Ok((meta.ok_or_else(|| bad("(no settings section)"))?, lists))
}

fn decode_all(sections: &[(Kind, &Section<'_>)]) -> Result<Vec<Vec<Object>>, StoreError> {
    sections.iter().map(|(kind, section)| decode_objects(section, *kind)).collect()
}

/// The kinds of object that make up the replication state (a storage group's log counters,
/// each copy's progress): by far the largest lists (three quarters of the large lab's
/// snapshot), and ones the first command rarely reads. [`decode_deferring`] reads them in the
/// background.
const DEFERRED: [Kind; 2] = [Kind::StorageGroupCopy, Kind::StorageGroup];

/// Reads the objects of one kind from the store's own records (its rows or keys), for a
/// deferred list whose part of the snapshot did not decode.
pub type Fallback = Box<dyn Fn(Kind) -> Result<Vec<Object>, StoreError> + Send>;

/// The estate a snapshot holds, its [`DEFERRED`] lists left to a thread that decodes them
/// while the caller goes on (whoever reads one first waits for it): what a lab's first command
/// needs is read, not the replication state of every storage group. A deferred list whose
/// sections do not decode is read through `fallback` instead. Everything else is decoded
/// before this returns (an error is the caller's to handle: read the objects instead).
pub fn decode_deferring(bytes: Vec<u8>, fallback: Fallback) -> Result<Estate, StoreError> {
    // Shared with the thread as it is (no copy).
    let bytes = std::sync::Arc::new(bytes);
    let sections = sections(&bytes)?;
    let (meta, lists) = settings_and_lists(&sections)?;
    let mut now = Vec::new();
    // Deferred sections, by their place in `bytes`: (kind, count, start, end).
    let mut later: Vec<(Kind, usize, usize, usize)> = Vec::new();
    for (kind, section) in lists {
        if DEFERRED.contains(&kind) {
            let start = section.body.as_ptr() as usize - bytes.as_ptr() as usize;
            later.push((kind, section.count, start, start + section.body.len()));
        } else {
            now.extend(decode_objects(section, kind)?);
        }
    }
    let mut estate = diff::assemble(meta, now);
    let kinds: Vec<Kind> = DEFERRED.iter().copied().filter(|k| later.iter().any(|(kind, ..)| kind == k)).collect();
    let fills: Vec<_> = kinds.iter().map(|kind| (*kind, diff::defer(&mut estate, *kind))).collect();
    let read = move || {
        for (kind, fill) in fills {
            let decoded: Result<Vec<Object>, StoreError> = later
                .iter()
                .filter(|(k, ..)| *k == kind)
                .map(|&(kind, count, start, end)| {
                    decode_objects(&Section { kind: Some(kind), count, body: &bytes[start..end] }, kind)
                })
                .collect::<Result<Vec<Vec<Object>>, _>>()
                .map(|lists| lists.into_iter().flatten().collect());
            fill(decoded.or_else(|_| fallback(kind)).map_err(|e| e.to_string()));
        }
    };
    // Without a thread, the lists are read now.
    let job = std::sync::Arc::new(std::sync::Mutex::new(Some(read)));
    let theirs = std::sync::Arc::clone(&job);
    let take = |job: &std::sync::Mutex<Option<_>>| job.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
    let spawned = std::thread::Builder::new().name("estate-replication".into()).spawn(move || {
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
    let sections = sections(bytes)?;
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
        flipped[MAGIC.len() + 1] = b'x';
        assert!(decode(&flipped).is_err());
    }

    /// A section whose count says fewer objects than it holds is refused: the decoder asks
    /// for one more value after the counted ones and must find none.
    #[test]
    fn a_section_holding_more_than_its_count_is_refused() {
        let estate = build("seed", SEED).expect("seed builds");
        let mut bytes = encode(&estate).expect("encodes");
        let start = {
            let found = sections(&bytes).expect("sections");
            let servers = found.iter().find(|s| s.kind == Some(Kind::ClusteredMailboxServer)).expect("servers");
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
        let opened = decode_deferring(bytes, never).expect("decodes");
        assert_eq!(opened.servers.len(), estate.servers.len());
        assert_eq!(opened, estate);
    }

    #[test]
    fn a_deferred_list_that_does_not_decode_is_read_from_the_store_instead() {
        let estate = build("seed", SEED).expect("seed builds");
        let mut bytes = encode(&estate).expect("encodes");
        let start = {
            let found = sections(&bytes).expect("sections");
            let copies = found.iter().find(|s| s.kind == Some(Kind::StorageGroupCopy)).expect("copies");
            copies.body.as_ptr() as usize - bytes.as_ptr() as usize
        };
        bytes[start] = 0xc1; // never used by MessagePack
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
        let opened = decode_deferring(bytes, fallback).expect("the rest decodes");
        assert_eq!(opened, estate);
        assert_eq!(*asked.lock().expect("lock"), vec![Kind::StorageGroupCopy]);
    }
}
