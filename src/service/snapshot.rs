//! Lab snapshots (`Export-Lab` / `Import-Lab`): one file holding the estate database and every
//! file of the nodes, so a whole estate can be saved and brought back.
//!
//! Format: the magic `CCRLAB01`, then entries of `[u32 path length][path][u64 length][bytes]`
//! (little-endian), then a CRC-32 of everything before it. Paths are relative, `/`-separated,
//! and never climb out (`..`) or start at the root.
//!
//! Owns: writing and reading that format. Must not: decide what goes in (the caller lists the
//! entries) or touch the live lab.

use std::fs;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

const MAGIC: &[u8; 8] = b"CCRLAB01";

/// Every regular file under `root`, as `(relative path, absolute path)`, sorted.
pub fn files_under(root: &Path) -> io::Result<Vec<(String, PathBuf)>> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if let Ok(relative) = path.strip_prefix(root) {
                let name: Vec<String> =
                    relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                found.push((name.join("/"), path));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Writes a snapshot of `entries` (name, file to read) to `path`, via a temporary file.
pub fn write(path: &Path, entries: &[(String, PathBuf)]) -> io::Result<u64> {
    let temporary = path.with_extension("partial");
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    for (name, source) in entries {
        let bytes = fs::read(source)?;
        out.extend_from_slice(&u32::try_from(name.len()).unwrap_or(u32::MAX).to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        out.extend_from_slice(&bytes);
    }
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    let mut file = fs::File::create(&temporary)?;
    file.write_all(&out)?;
    file.sync_all()?;
    fs::rename(&temporary, path)?;
    Ok(out.len() as u64)
}

/// Reads a snapshot: its entries as `(relative path, bytes)`, or why it is not one.
pub fn read(path: &Path) -> io::Result<Vec<(PathBuf, Vec<u8>)>> {
    let bytes = fs::read(path)?;
    let bad = |why: &str| {
        io::Error::new(io::ErrorKind::InvalidData, format!("{} is not a lab snapshot: {why}", path.display()))
    };
    let body_len = bytes.len().checked_sub(4).filter(|n| *n >= MAGIC.len()).ok_or_else(|| bad("too short"))?;
    if &bytes[..MAGIC.len()] != MAGIC {
        return Err(bad("wrong magic"));
    }
    let mut crc = [0u8; 4];
    crc.copy_from_slice(&bytes[body_len..]);
    if crc32fast::hash(&bytes[..body_len]) != u32::from_le_bytes(crc) {
        return Err(bad("checksum mismatch (damaged or truncated)"));
    }
    let mut cursor = Cursor { bytes: &bytes[..body_len], at: MAGIC.len() };
    let mut entries = Vec::new();
    while cursor.at < body_len {
        let name_len = u32::from_le_bytes(cursor.array().ok_or_else(|| bad("entry runs past the end"))?);
        let name = cursor.take(name_len as usize).ok_or_else(|| bad("entry runs past the end"))?;
        let name = String::from_utf8(name.to_vec()).map_err(|_| bad("a path is not UTF-8"))?;
        let data_len = u64::from_le_bytes(cursor.array().ok_or_else(|| bad("entry runs past the end"))?);
        let data_len = usize::try_from(data_len).map_err(|_| bad("entry too large"))?;
        let data = cursor.take(data_len).ok_or_else(|| bad("entry runs past the end"))?.to_vec();
        let relative = PathBuf::from(&name);
        if name.is_empty() || !relative.components().all(|c| matches!(c, Component::Normal(_))) {
            return Err(bad(&format!("unsafe path '{name}'")));
        }
        entries.push((relative, data));
    }
    Ok(entries)
}

/// Reads a snapshot's body front to back.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let slice = self.bytes.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(slice)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_reads_back_and_damage_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        fs::create_dir_all(dir.path().join("in/a")).expect("dirs");
        fs::write(dir.path().join("in/a/x.log"), b"one").expect("write");
        fs::write(dir.path().join("in/y"), b"two").expect("write");
        let entries = files_under(&dir.path().join("in")).expect("listed");
        let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a/x.log", "y"]);
        let path = dir.path().join("lab.snapshot");
        write(&path, &entries).expect("written");
        let back = read(&path).expect("read");
        assert_eq!(back, vec![(PathBuf::from("a/x.log"), b"one".to_vec()), (PathBuf::from("y"), b"two".to_vec())]);
        let mut bytes = fs::read(&path).expect("bytes");
        bytes[12] ^= 1;
        fs::write(&path, &bytes).expect("damaged");
        assert!(read(&path).is_err());
    }

    #[test]
    fn paths_that_climb_out_are_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        fs::write(dir.path().join("f"), b"x").expect("write");
        let path = dir.path().join("evil.snapshot");
        write(&path, &[("../escape".into(), dir.path().join("f"))]).expect("written");
        let error = read(&path).expect_err("refused");
        assert!(error.to_string().contains("unsafe path"), "{error}");
    }
}
