//! Lab snapshots on ccrd's side: what goes into an export (the estate database and every file
//! of the nodes) and unpacking an uploaded one into a private staging directory. The container
//! format itself is `api::snapshot`.
//!
//! Owns: the meaning of a snapshot's entries (`estate.db`, `files/…`). Every file it writes is
//! created new (`O_EXCL`, never through a link) under the staging directory it is given, at a
//! name the container's checks already proved to be plain parts.
//!
//! Must not: touch the live lab (the caller moves what it unpacked into place under the writer
//! lock) or read any path a caller chose.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, BufWriter, Seek};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::beneath::LinkRefused;
use crate::api::snapshot::{self, Encoder, Entries, SnapshotError};

/// The entry that holds the estate database, and the prefix of the nodes' files.
pub const DATABASE_ENTRY: &str = "estate.db";
pub const FILES_ENTRY: &str = "files/";

/// Every regular file under `root`, as `(relative path, absolute path)`, sorted. A symbolic
/// link (or anything else that is neither a file nor a directory) is refused, naming it: a lab
/// holds none, ccrd does not follow one, and a snapshot that left it out without a word would
/// restore a lab missing whatever it stood for.
pub fn files_under(root: &Path) -> io::Result<Vec<(String, PathBuf)>> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            let path = entry.path();
            if kind.is_symlink() {
                return Err(io::Error::other(LinkRefused { path }));
            }
            if !kind.is_dir() && !kind.is_file() {
                return Err(io::Error::other(format!(
                    "'{}' is neither a file nor a directory: a lab holds only the files ccrd writes. Remove \
                     it, then export again.",
                    path.display()
                )));
            }
            if kind.is_dir() {
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

/// A snapshot of `database` (a consistent copy of the estate database) and the files under
/// `files_root`, in memory.
pub fn export(database: &Path, files_root: &Path) -> io::Result<(Vec<u8>, u64)> {
    let mut encoder = Encoder::new(Vec::new())?;
    encoder.add(DATABASE_ENTRY, &fs::read(database)?)?;
    let files = files_under(files_root)?;
    for (name, path) in &files {
        encoder.add(&format!("{FILES_ENTRY}{name}"), &fs::read(path)?)?;
    }
    let (bytes, _) = encoder.finish()?;
    Ok((bytes, files.len() as u64))
}

/// What [`unpack`] wrote.
#[derive(Debug)]
pub struct Unpacked {
    /// The estate database, not yet checked.
    pub database: PathBuf,
    /// The nodes' files, to become the lab's next files directory.
    pub files_dir: PathBuf,
    pub files: u64,
    pub bytes: u64,
}

/// Checks the snapshot in `upload` whole (checksum first) and unpacks it into `into`: the
/// database to `into/estate.db`, the files under `into/files/`. Anything but those two kinds
/// of entry, a second database, or a name given twice is refused.
pub fn unpack(upload: &Path, into: &Path) -> Result<Unpacked, SnapshotError> {
    let mut file = File::open(upload)?;
    let len = file.metadata()?.len();
    snapshot::verify(BufReader::new(&mut file), len)?;
    file.rewind()?;
    let mut entries = Entries::new(BufReader::new(file), len)?;
    let database = into.join(DATABASE_ENTRY);
    let files_dir = into.join("files");
    fs::DirBuilder::new().mode(0o700).create(&files_dir)?;
    let (mut files, mut bytes, mut has_database) = (0, 0, false);
    while let Some(entry) = entries.next_entry()? {
        let target = if entry.name == DATABASE_ENTRY {
            has_database = true;
            database.clone()
        } else if let Some(relative) = entry.name.strip_prefix(FILES_ENTRY) {
            files += 1;
            let target = files_dir.join(relative);
            if let Some(parent) = target.parent() {
                fs::DirBuilder::new().recursive(true).mode(0o700).create(parent)?;
            }
            target
        } else {
            let shown: String = entry.name.chars().take(80).collect();
            return Err(SnapshotError::Invalid(format!("unexpected entry '{shown}' (only estate.db and files/)")));
        };
        let out = OpenOptions::new()
            .write(true)
            .create_new(true)
            .custom_flags(libc::O_NOFOLLOW)
            .mode(0o600)
            .open(&target)
            .map_err(|e| match e.kind() {
                io::ErrorKind::AlreadyExists => {
                    SnapshotError::Invalid(format!("entry '{}' is given twice", entry.name))
                }
                _ => SnapshotError::Io(e),
            })?;
        let mut out = BufWriter::new(out);
        bytes += entries.copy_to(&mut out)?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    }
    if !has_database {
        return Err(SnapshotError::Invalid(format!("it holds no {DATABASE_ENTRY}")));
    }
    Ok(Unpacked { database, files_dir, files, bytes })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(dir: &Path, entries: &[(&str, &[u8])]) -> PathBuf {
        let path = dir.join("upload");
        fs::write(&path, snapshot::encode(entries.iter().copied()).expect("encoded")).expect("written");
        path
    }

    #[test]
    fn a_snapshot_unpacks_into_its_staging_directory() {
        let dir = tempfile::tempdir().expect("temp dir");
        let into = dir.path().join("stage");
        fs::create_dir(&into).expect("stage");
        let path = upload(dir.path(), &[("estate.db", b"db"), ("files/a/x.log", b"one")]);
        let unpacked = unpack(&path, &into).expect("unpacked");
        assert_eq!((unpacked.files, unpacked.bytes), (1, 5));
        assert_eq!(fs::read(into.join("files/a/x.log")).expect("file"), b"one");
    }

    #[test]
    fn an_export_refuses_a_link_among_the_files_and_names_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("nodes");
        fs::create_dir_all(root.join("a/b")).expect("dirs");
        fs::write(root.join("a/b/E00.log"), b"log").expect("file");
        fs::write(dir.path().join("elsewhere"), b"not the lab's").expect("target");
        assert_eq!(files_under(&root).expect("listed").len(), 1);
        std::os::unix::fs::symlink(dir.path().join("elsewhere"), root.join("a/b/E0000000002.log")).expect("link");
        let error = files_under(&root).expect_err("refused");
        assert!(crate::service::beneath::is_link_refused(&error), "{error}");
        assert!(error.to_string().contains("a/b/E0000000002.log") && error.to_string().contains("Remove the link"));
    }

    #[test]
    fn unknown_entries_and_repeated_names_are_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        for (entries, why) in [
            (&[("estate.db", &b"db"[..]), ("admin.token", b"x")][..], "unexpected entry"),
            (&[("estate.db", b"db"), ("estate.db", b"db")], "given twice"),
            (&[("files/x", b"x")], "holds no estate.db"),
        ] {
            let stage = tempfile::tempdir_in(dir.path()).expect("stage");
            let path = upload(stage.path(), entries);
            let error = unpack(&path, stage.path()).expect_err("refused");
            assert!(error.to_string().contains(why), "{error}");
        }
    }
}
