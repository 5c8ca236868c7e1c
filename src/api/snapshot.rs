//! The lab snapshot container (`Export-Lab` / `Import-Lab`): the bytes that cross HTTP between
//! ccrd and the shell. ccrd writes it into the export response and reads it from an import
//! request's body; the shell checks a download before it writes the file, and a file before it
//! uploads it.
//!
//! Format: the magic `CCRLAB01`, then entries of `[u32 name length][name][u64 length][bytes]`
//! (little-endian), then a CRC-32 of everything before it. Names are relative, `/`-separated
//! paths whose every part is a plain name: never empty, `.`, `..`, and never holding `\`, NUL
//! or a control character. The reader checks the whole checksum before it trusts any entry and
//! bounds every length by what is left, so no crafted header makes it allocate more than the
//! input holds.
//!
//! Owns: encoding and decoding that container, over `Read`/`Write`. Must not: touch the file
//! system, or decide what the entries mean (ccrd's `service::changes::lab` does).

use std::io::{self, Read, Write};

/// The first eight bytes of every snapshot.
pub const MAGIC: &[u8; 8] = b"CCRLAB01";
/// The longest entry name accepted.
pub const MAX_NAME_BYTES: usize = 1024;
/// The most parts (`a/b/c` has three) an entry name may have.
pub const MAX_NAME_PARTS: usize = 8;
/// The most entries one snapshot may hold.
pub const MAX_ENTRIES: usize = 1_000_000;

/// Why bytes are not a snapshot. The message never quotes the input beyond an entry name.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("it is not a lab snapshot: {0}")]
    Invalid(String),
    #[error("{0}")]
    Io(#[from] io::Error),
}

fn invalid(why: impl Into<String>) -> SnapshotError {
    SnapshotError::Invalid(why.into())
}

/// Writes a snapshot entry by entry, keeping the running checksum.
pub struct Encoder<W: Write> {
    out: W,
    crc: crc32fast::Hasher,
    written: u64,
}

impl<W: Write> Encoder<W> {
    pub fn new(mut out: W) -> io::Result<Encoder<W>> {
        out.write_all(MAGIC)?;
        let mut crc = crc32fast::Hasher::new();
        crc.update(MAGIC);
        Ok(Encoder { out, crc, written: MAGIC.len() as u64 })
    }

    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.crc.update(bytes);
        self.written += bytes.len() as u64;
        Ok(())
    }

    /// Adds one entry. `name` must satisfy [`check_name`].
    pub fn add(&mut self, name: &str, data: &[u8]) -> io::Result<()> {
        check_name(name).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
        let name_len = u32::try_from(name.len()).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        self.put(&name_len.to_le_bytes())?;
        self.put(name.as_bytes())?;
        self.put(&(data.len() as u64).to_le_bytes())?;
        self.put(data)
    }

    /// Writes the checksum; returns the sink and the snapshot's size in bytes.
    pub fn finish(mut self) -> io::Result<(W, u64)> {
        let crc = self.crc.clone().finalize();
        self.out.write_all(&crc.to_le_bytes())?;
        self.out.flush()?;
        Ok((self.out, self.written + 4))
    }
}

/// Checks that `source`, `len` bytes long, starts with the magic and ends with the checksum
/// of everything before it. Reads it once, in bounded chunks.
pub fn verify(mut source: impl Read, len: u64) -> Result<(), SnapshotError> {
    let body = len.checked_sub(4).filter(|n| *n >= MAGIC.len() as u64).ok_or_else(|| invalid("too short"))?;
    let mut crc = crc32fast::Hasher::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut left = body;
    let mut first = true;
    while left > 0 {
        let want = usize::try_from(left.min(buffer.len() as u64)).unwrap_or(buffer.len());
        source.read_exact(&mut buffer[..want]).map_err(|_| invalid("it ends early"))?;
        if first {
            if buffer[..MAGIC.len()] != MAGIC[..] {
                return Err(invalid("wrong magic (not written by Export-Lab)"));
            }
            first = false;
        }
        crc.update(&buffer[..want]);
        left -= want as u64;
    }
    let mut stored = [0u8; 4];
    source.read_exact(&mut stored).map_err(|_| invalid("it ends early"))?;
    if crc.finalize() != u32::from_le_bytes(stored) {
        return Err(invalid("checksum mismatch (damaged or truncated)"));
    }
    Ok(())
}

/// One entry's header: its name and how many bytes of data follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub len: u64,
}

/// Reads the entries of a snapshot whose checksum [`verify`] accepted, front to back.
pub struct Entries<R: Read> {
    source: R,
    /// Body bytes not read yet (the checksum excluded).
    left: u64,
    /// Data of the current entry not read yet.
    pending: u64,
    count: usize,
}

impl<R: Read> Entries<R> {
    /// Starts reading `source`, `len` bytes long in all.
    pub fn new(mut source: R, len: u64) -> Result<Entries<R>, SnapshotError> {
        let body = len.checked_sub(4).filter(|n| *n >= MAGIC.len() as u64).ok_or_else(|| invalid("too short"))?;
        let mut magic = [0u8; 8];
        source.read_exact(&mut magic).map_err(|_| invalid("it ends early"))?;
        if &magic != MAGIC {
            return Err(invalid("wrong magic (not written by Export-Lab)"));
        }
        Ok(Entries { source, left: body - MAGIC.len() as u64, pending: 0, count: 0 })
    }

    fn take(&mut self, n: u64) -> Result<(), SnapshotError> {
        self.left = self.left.checked_sub(n).ok_or_else(|| invalid("an entry runs past the end"))?;
        Ok(())
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], SnapshotError> {
        self.take(N as u64)?;
        let mut bytes = [0u8; N];
        self.source.read_exact(&mut bytes).map_err(|_| invalid("it ends early"))?;
        Ok(bytes)
    }

    /// The next entry's header, or `None` at the end. The data of the previous entry must have
    /// been read (or skipped) first.
    pub fn next_entry(&mut self) -> Result<Option<Entry>, SnapshotError> {
        if self.pending > 0 {
            self.skip()?;
        }
        if self.left == 0 {
            return Ok(None);
        }
        self.count += 1;
        if self.count > MAX_ENTRIES {
            return Err(invalid(format!("more than {MAX_ENTRIES} entries")));
        }
        let name_len = u64::from(u32::from_le_bytes(self.array()?));
        if name_len == 0 || name_len > MAX_NAME_BYTES as u64 {
            return Err(invalid(format!("an entry name of {name_len} bytes (1 to {MAX_NAME_BYTES} allowed)")));
        }
        self.take(name_len)?;
        let mut name = vec![0u8; usize::try_from(name_len).unwrap_or(0)];
        self.source.read_exact(&mut name).map_err(|_| invalid("it ends early"))?;
        let name = String::from_utf8(name).map_err(|_| invalid("an entry name is not UTF-8"))?;
        check_name(&name)?;
        let len = u64::from_le_bytes(self.array()?);
        if len > self.left {
            return Err(invalid(format!("entry '{name}' runs past the end")));
        }
        self.pending = len;
        Ok(Some(Entry { name, len }))
    }

    /// Copies the current entry's data to `out`.
    pub fn copy_to(&mut self, out: &mut impl Write) -> Result<u64, SnapshotError> {
        let n = self.pending;
        let copied = io::copy(&mut (&mut self.source).take(n), out)?;
        if copied != n {
            return Err(invalid("it ends early"));
        }
        self.left -= n;
        self.pending = 0;
        Ok(n)
    }

    fn skip(&mut self) -> Result<(), SnapshotError> {
        self.copy_to(&mut io::sink()).map(|_| ())
    }
}

/// Decodes a whole snapshot held in memory: checksum first, then every entry.
pub fn decode(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, SnapshotError> {
    verify(bytes, bytes.len() as u64)?;
    let mut entries = Entries::new(bytes, bytes.len() as u64)?;
    let mut out = Vec::new();
    while let Some(entry) = entries.next_entry()? {
        let mut data = Vec::with_capacity(usize::try_from(entry.len).unwrap_or(0));
        entries.copy_to(&mut data)?;
        out.push((entry.name, data));
    }
    Ok(out)
}

/// Encodes entries into one in-memory snapshot.
pub fn encode<'a>(entries: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> io::Result<Vec<u8>> {
    let mut encoder = Encoder::new(Vec::new())?;
    for (name, data) in entries {
        encoder.add(name, data)?;
    }
    Ok(encoder.finish()?.0)
}

/// Whether `name` may name an entry: a relative `/`-separated path of plain parts.
pub fn check_name(name: &str) -> Result<(), SnapshotError> {
    let shown: String = name.chars().take(80).map(|c| if c.is_control() { '?' } else { c }).collect();
    let unsafe_name = |why: &str| invalid(format!("unsafe entry name '{shown}': {why}"));
    if name.is_empty() || name.len() > MAX_NAME_BYTES {
        return Err(unsafe_name("empty or too long"));
    }
    let parts: Vec<&str> = name.split('/').collect();
    if parts.len() > MAX_NAME_PARTS {
        return Err(unsafe_name("too deep"));
    }
    for part in parts {
        if part.is_empty() || part == "." || part == ".." {
            return Err(unsafe_name("an empty, '.' or '..' part"));
        }
        if part.chars().any(|c| c == '\\' || c == '\0' || c.is_control()) {
            return Err(unsafe_name("a backslash, NUL or control character"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_reads_back_and_damage_is_refused() {
        let bytes = encode([("a/x.log", &b"one"[..]), ("y", &b"two"[..])]).expect("encoded");
        let back = decode(&bytes).expect("decoded");
        assert_eq!(back, vec![("a/x.log".to_string(), b"one".to_vec()), ("y".to_string(), b"two".to_vec())]);
        let mut damaged = bytes.clone();
        damaged[12] ^= 1;
        assert!(decode(&damaged).expect_err("damaged").to_string().contains("checksum"));
        assert!(decode(&bytes[..bytes.len() - 1]).is_err(), "truncated");
        assert!(decode(b"").is_err() && decode(b"CCRLAB01").is_err());
    }

    #[test]
    fn names_that_climb_out_or_hide_are_refused() {
        for bad in ["../escape", "/abs", "a//b", "a/./b", "a\\..\\b", "a\0b", "a/\nb", ""] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        // A crafted container with such a name (the encoder refuses to write one).
        let mut raw = MAGIC.to_vec();
        raw.extend_from_slice(&9u32.to_le_bytes());
        raw.extend_from_slice(b"../escape");
        raw.extend_from_slice(&0u64.to_le_bytes());
        let crc = crc32fast::hash(&raw);
        raw.extend_from_slice(&crc.to_le_bytes());
        let error = decode(&raw).expect_err("refused");
        assert!(error.to_string().contains("unsafe entry name"), "{error}");
    }

    #[test]
    fn a_length_past_the_end_is_refused_without_allocating_it() {
        let mut raw = MAGIC.to_vec();
        raw.extend_from_slice(&1u32.to_le_bytes());
        raw.extend_from_slice(b"x");
        raw.extend_from_slice(&u64::MAX.to_le_bytes());
        let crc = crc32fast::hash(&raw);
        raw.extend_from_slice(&crc.to_le_bytes());
        let error = decode(&raw).expect_err("refused");
        assert!(error.to_string().contains("runs past the end"), "{error}");
    }
}
