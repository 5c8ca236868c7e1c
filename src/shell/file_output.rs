//! Files a cmdlet writes on the shell's machine (`Export-Lab -Path`): written whole to a new
//! temporary file in the same directory (created with `O_EXCL` and `O_NOFOLLOW`, mode 0600),
//! synced, then moved into place. Without `-Force` an existing path is never replaced — the
//! final step is a hard link, which fails if the name appeared meanwhile; with `-Force` it is a
//! rename, which replaces the directory entry (a link is replaced, never written through).
//!
//! Owns: that sequence and its errors. Must not: print, or know about cmdlets beyond the
//! `-Force` convention.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::shell::error_record::ErrorRecord;

/// Writes `bytes` to `path` as described in the module header.
pub fn write_new(path: &Path, bytes: &[u8], force: bool) -> Result<(), ErrorRecord> {
    let shown = path.display().to_string();
    let failed = |e: io::Error| {
        ErrorRecord::new("FileWriteFailed", "WriteError", format!("Cannot write the file '{shown}': {e}."))
            .with_hint("Check that the directory exists and that you may write to it.")
    };
    let Some(name) = path.file_name() else {
        return Err(failed(io::Error::new(io::ErrorKind::InvalidInput, "the path names no file")));
    };
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => {
            return Err(ErrorRecord::new(
                "FileIsDirectory",
                "InvalidArgument",
                format!("The path '{shown}' is a directory."),
            )
            .with_hint("Give -Path a file name."));
        }
        Ok(_) if !force => return Err(exists(&shown)),
        _ => {}
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let temporary = dir.join(format!(".{}.{}.partial", name.to_string_lossy(), random_suffix()));
    let written = write_temporary(&temporary, bytes).and_then(|()| {
        if force {
            fs::rename(&temporary, path)
        } else {
            let linked = fs::hard_link(&temporary, path);
            let _ = fs::remove_file(&temporary);
            linked
        }
    });
    match written {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = fs::remove_file(&temporary);
            if e.kind() == io::ErrorKind::AlreadyExists { Err(exists(&shown)) } else { Err(failed(e)) }
        }
    }
}

fn write_temporary(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file =
        OpenOptions::new().write(true).create_new(true).custom_flags(libc::O_NOFOLLOW).mode(0o600).open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

fn exists(shown: &str) -> ErrorRecord {
    ErrorRecord::new("NoClobber", "ResourceExists", format!("The file '{shown}' already exists."))
        .with_hint("Use -Force to replace it, or give another -Path.")
}

fn random_suffix() -> String {
    let mut bytes = [0u8; 6];
    if getrandom::fill(&mut bytes).is_err() {
        return std::process::id().to_string();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_file_is_written_and_an_existing_one_kept_without_force() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("out.snapshot");
        write_new(&path, b"one", false).expect("written");
        assert_eq!(fs::read(&path).expect("read"), b"one");
        let error = write_new(&path, b"two", false).expect_err("kept");
        assert!(error.message.contains("already exists"), "{}", error.message);
        assert_eq!(fs::read(&path).expect("read"), b"one", "unchanged");
        write_new(&path, b"two", true).expect("forced");
        assert_eq!(fs::read(&path).expect("read"), b"two");
        let leftovers: Vec<_> = fs::read_dir(dir.path()).expect("list").collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left");
    }

    #[test]
    fn a_link_is_never_written_through() {
        let dir = tempfile::tempdir().expect("temp dir");
        let victim = dir.path().join("victim");
        fs::write(&victim, b"precious").expect("victim");
        let link = dir.path().join("link.snapshot");
        std::os::unix::fs::symlink(&victim, &link).expect("link");
        assert!(write_new(&link, b"x", false).is_err(), "an existing link is an existing file");
        write_new(&link, b"x", true).expect("forced");
        assert_eq!(fs::read(&victim).expect("read"), b"precious", "the link's target is untouched");
        assert!(!fs::symlink_metadata(&link).expect("meta").file_type().is_symlink(), "the link was replaced");
    }

    #[test]
    fn a_directory_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let error = write_new(dir.path(), b"x", true).expect_err("refused");
        assert!(error.message.contains("is a directory"), "{}", error.message);
    }
}
