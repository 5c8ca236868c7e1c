//! The byte format of transaction logs and database files, and the log inspector.
//!
//! A log is a header (generation, lineage, open time), message records, and — once closed — a
//! footer (close time, record count). Every part carries a CRC-32, so a flipped bit anywhere is
//! found by [`inspect`]. A database file is a header and the records replayed into it, in the
//! same record encoding.
//!
//! Owns: encoding and decoding, and the inspector's verdict on a closed log.
//!
//! Must not: touch files. Callers read and write bytes; this module only judges them.

/// A log's generation: its position in the storage group's log stream (1, 2, …).
pub type Generation = u64;

const LOG_MAGIC: &[u8; 8] = b"CCRLOG01";
const FOOTER_MAGIC: &[u8; 8] = b"CCRLEND1";
const DATABASE_MAGIC: &[u8; 8] = b"CCREDB01";

/// magic, generation, lineage, opened-at (ms), CRC of the preceding 32 bytes.
pub const HEADER_LEN: usize = 36;
/// magic, closed-at (ms), record count, CRC of the preceding 20 bytes.
pub const FOOTER_LEN: usize = 24;
/// payload length, CRC of id + time + payload, message id, accepted-at (ms).
pub const RECORD_HEADER_LEN: usize = 24;
/// The database file's header: its magic.
pub const DATABASE_HEADER_LEN: usize = 8;

/// What a log header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogHeader {
    pub generation: Generation,
    /// Identifies one unbroken log stream. A lossy activation starts a new lineage, so a copy
    /// holding logs of another lineage has diverged.
    pub lineage: u64,
    pub opened_ms: i64,
}

/// One delivered message as it sits in a log or a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    pub id: u64,
    pub accepted_ms: i64,
    pub payload: &'a [u8],
}

/// What the inspector learned from a sound closed log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogSummary {
    pub header: LogHeader,
    pub closed_ms: i64,
    pub records: u32,
}

/// Why the inspector rejected a log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogDefect {
    #[error("the log header is damaged (checksum mismatch or not a log file)")]
    BadHeader,
    #[error("the log holds generation {found}, expected {expected}")]
    WrongGeneration { expected: Generation, found: Generation },
    #[error("the log belongs to lineage {found:016x}, expected {expected:016x} (the copy has diverged)")]
    WrongLineage { expected: u64, found: u64 },
    #[error("record {index} at byte {offset} fails its checksum")]
    BadRecord { index: u32, offset: usize },
    #[error("the log has no valid end marker (it was never closed, or it was truncated)")]
    NotClosed,
    #[error("the log's end marker counts {expected} records but {found} were read")]
    WrongRecordCount { expected: u32, found: u32 },
}

pub fn encode_header(header: &LogHeader) -> [u8; HEADER_LEN] {
    let mut out = [0u8; HEADER_LEN];
    out[..8].copy_from_slice(LOG_MAGIC);
    out[8..16].copy_from_slice(&header.generation.to_le_bytes());
    out[16..24].copy_from_slice(&header.lineage.to_le_bytes());
    out[24..32].copy_from_slice(&header.opened_ms.to_le_bytes());
    let crc = crc32fast::hash(&out[..32]);
    out[32..].copy_from_slice(&crc.to_le_bytes());
    out
}

pub fn decode_header(bytes: &[u8]) -> Option<LogHeader> {
    let head = bytes.get(..HEADER_LEN)?;
    if &head[..8] != LOG_MAGIC || crc32fast::hash(&head[..32]) != u32_at(head, 32) {
        return None;
    }
    Some(LogHeader { generation: u64_at(head, 8), lineage: u64_at(head, 16), opened_ms: i64_at(head, 24) })
}

pub fn encode_footer(closed_ms: i64, records: u32) -> [u8; FOOTER_LEN] {
    let mut out = [0u8; FOOTER_LEN];
    out[..8].copy_from_slice(FOOTER_MAGIC);
    out[8..16].copy_from_slice(&closed_ms.to_le_bytes());
    out[16..20].copy_from_slice(&records.to_le_bytes());
    let crc = crc32fast::hash(&out[..20]);
    out[20..].copy_from_slice(&crc.to_le_bytes());
    out
}

/// Appends one record to `out`.
pub fn encode_record(out: &mut Vec<u8>, record: &Record<'_>) {
    let len = u32::try_from(record.payload.len()).unwrap_or(u32::MAX);
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&record.id.to_le_bytes());
    hasher.update(&record.accepted_ms.to_le_bytes());
    hasher.update(record.payload);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&hasher.finalize().to_le_bytes());
    out.extend_from_slice(&record.id.to_le_bytes());
    out.extend_from_slice(&record.accepted_ms.to_le_bytes());
    out.extend_from_slice(record.payload);
}

/// The encoded size of a record with `payload_len` bytes of message data.
pub fn record_len(payload_len: usize) -> usize {
    RECORD_HEADER_LEN + payload_len
}

/// Decodes the record at the start of `bytes`: the record and its encoded length, or `None`
/// when the bytes there are not a whole, sound record.
pub fn decode_record(bytes: &[u8]) -> Option<(Record<'_>, usize)> {
    let head = bytes.get(..RECORD_HEADER_LEN)?;
    let len = usize::try_from(u32_at(head, 0)).ok()?;
    let payload = bytes.get(RECORD_HEADER_LEN..RECORD_HEADER_LEN.checked_add(len)?)?;
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&head[8..24]);
    hasher.update(payload);
    if hasher.finalize() != u32_at(head, 4) {
        return None;
    }
    Some((Record { id: u64_at(head, 8), accepted_ms: i64_at(head, 16), payload }, RECORD_HEADER_LEN + len))
}

/// The sound records at the start of `bytes`, and the byte length they cover. Reading stops at
/// the first byte that does not begin a sound record: the torn tail of a crash, or a footer.
pub fn sound_prefix(bytes: &[u8]) -> (Vec<Record<'_>>, usize) {
    let mut records = Vec::new();
    let mut offset = 0;
    while let Some((record, len)) = bytes.get(offset..).and_then(decode_record) {
        records.push(record);
        offset += len;
    }
    (records, offset)
}

/// The inspector: checks a closed log completely — header, generation, lineage (when one is
/// expected), every record's checksum and the footer — before it may be replayed anywhere.
pub fn inspect(bytes: &[u8], generation: Generation, lineage: Option<u64>) -> Result<LogSummary, LogDefect> {
    let header = decode_header(bytes).ok_or(LogDefect::BadHeader)?;
    if header.generation != generation {
        return Err(LogDefect::WrongGeneration { expected: generation, found: header.generation });
    }
    if let Some(expected) = lineage
        && header.lineage != expected
    {
        return Err(LogDefect::WrongLineage { expected, found: header.lineage });
    }
    let body_end = bytes.len().checked_sub(FOOTER_LEN).filter(|end| *end >= HEADER_LEN).ok_or(LogDefect::NotClosed)?;
    let footer = &bytes[body_end..];
    if &footer[..8] != FOOTER_MAGIC || crc32fast::hash(&footer[..20]) != u32_at(footer, 20) {
        return Err(LogDefect::NotClosed);
    }
    let body = &bytes[HEADER_LEN..body_end];
    let (records, covered) = sound_prefix(body);
    let found = u32::try_from(records.len()).unwrap_or(u32::MAX);
    if covered != body.len() {
        return Err(LogDefect::BadRecord { index: found, offset: HEADER_LEN + covered });
    }
    let expected = u32_at(footer, 16);
    if expected != found {
        return Err(LogDefect::WrongRecordCount { expected, found });
    }
    Ok(LogSummary { header, closed_ms: i64_at(footer, 8), records: found })
}

/// The records of a closed log that [`inspect`] has passed.
pub fn closed_log_records(bytes: &[u8]) -> Vec<Record<'_>> {
    let end = bytes.len().saturating_sub(FOOTER_LEN).max(HEADER_LEN.min(bytes.len()));
    sound_prefix(bytes.get(HEADER_LEN..end).unwrap_or_default()).0
}

/// The header of a database file.
pub fn database_header() -> [u8; DATABASE_HEADER_LEN] {
    *DATABASE_MAGIC
}

/// Whether `bytes` begins like a database file.
pub fn is_database(bytes: &[u8]) -> bool {
    bytes.get(..DATABASE_HEADER_LEN) == Some(DATABASE_MAGIC.as_slice())
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(word)
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

fn i64_at(bytes: &[u8], at: usize) -> i64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    i64::from_le_bytes(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn closed_log(generation: Generation, lineage: u64, ids: &[u64]) -> Vec<u8> {
        let mut bytes = encode_header(&LogHeader { generation, lineage, opened_ms: 5 }).to_vec();
        for &id in ids {
            encode_record(&mut bytes, &Record { id, accepted_ms: 7, payload: &[id as u8; 100] });
        }
        bytes.extend_from_slice(&encode_footer(9, ids.len() as u32));
        bytes
    }

    #[test]
    fn a_sound_log_passes_inspection_and_yields_its_records() {
        let bytes = closed_log(0x50, 42, &[1, 2, 3]);
        let summary = inspect(&bytes, 0x50, Some(42)).expect("sound");
        assert_eq!((summary.records, summary.closed_ms, summary.header.opened_ms), (3, 9, 5));
        let ids: Vec<u64> = closed_log_records(&bytes).iter().map(|r| r.id).collect();
        assert_eq!(ids, [1, 2, 3]);
        assert_eq!(bytes.len(), HEADER_LEN + 3 * record_len(100) + FOOTER_LEN);
    }

    #[test]
    fn every_flipped_byte_is_found() {
        let bytes = closed_log(1, 42, &[1, 2]);
        for at in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x40;
            assert!(inspect(&damaged, 1, Some(42)).is_err(), "a flip at byte {at} went unnoticed");
        }
    }

    #[test]
    fn generation_lineage_and_truncation_are_checked() {
        let bytes = closed_log(3, 42, &[1]);
        assert_eq!(inspect(&bytes, 4, None), Err(LogDefect::WrongGeneration { expected: 4, found: 3 }));
        assert_eq!(inspect(&bytes, 3, Some(7)), Err(LogDefect::WrongLineage { expected: 7, found: 42 }));
        assert_eq!(inspect(&bytes[..bytes.len() - 1], 3, None), Err(LogDefect::NotClosed));
        assert_eq!(inspect(&bytes[..10], 3, None), Err(LogDefect::BadHeader));
    }

    #[test]
    fn a_torn_tail_ends_the_sound_prefix() {
        let mut body = Vec::new();
        encode_record(&mut body, &Record { id: 1, accepted_ms: 0, payload: b"hello" });
        let whole = body.len();
        encode_record(&mut body, &Record { id: 2, accepted_ms: 0, payload: b"world" });
        body.truncate(body.len() - 2);
        let (records, covered) = sound_prefix(&body);
        assert_eq!((records.len(), covered), (1, whole));
    }
}
