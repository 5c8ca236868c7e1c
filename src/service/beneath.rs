//! Files inside the lab, reached without following any link. A [`LabPath`] is an anchor (a
//! directory the lab owns, such as `<lab>/nodes`) and a path relative to it; every operation
//! resolves the relative path one component at a time and refuses a symbolic link at ANY
//! component — the anchor's own last component included — with an error that names the link
//! and says to remove it. So a link planted anywhere under the nodes' files is refused at the
//! moment ccrd would follow it, and opening a lab needs no walk of its tree (issue 15).
//!
//! On Linux the resolution is one `openat2` with `RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH`; where
//! the kernel lacks it (before 5.6, or a seccomp filter that refuses it) the same guarantee comes
//! from a walk of `openat(O_NOFOLLOW | O_DIRECTORY)`, one component after another.
//!
//! Owns: opening, creating, listing, renaming and removing files and directories under an
//! anchor. Must not: decide what the files hold (see `copy_files`).

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use rustix::fs::{AtFlags, Mode, OFlags, ResolveFlags};
use rustix::io::Errno;

/// Mode of the files and directories made here: the lab is one user's.
const FILE_MODE: u32 = 0o600;
const DIR_MODE: u32 = 0o700;

/// A link was found where ccrd would have followed it.
#[derive(Debug)]
pub struct LinkRefused {
    pub path: PathBuf,
}

impl std::fmt::Display for LinkRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "'{}' is a symbolic link, or lies under one: a lab holds no links, and ccrd does not follow them. \
             Remove the link (and check where it points), then try again.",
            self.path.display()
        )
    }
}

impl std::error::Error for LinkRefused {}

/// Whether `error` is a refused link (see [`LinkRefused`]).
pub fn is_link_refused(error: &io::Error) -> bool {
    error.get_ref().is_some_and(|inner| inner.is::<LinkRefused>())
}

/// A file or directory under an anchor the lab owns.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LabPath {
    anchor: PathBuf,
    relative: PathBuf,
}

/// What a directory entry is, without following it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Directory,
    Link,
    Other,
}

impl LabPath {
    /// `relative` under `anchor`. `relative` must be made of plain components (no `..`, not
    /// absolute): anything else is refused when used.
    pub fn new(anchor: &Path, relative: impl Into<PathBuf>) -> LabPath {
        LabPath { anchor: anchor.to_path_buf(), relative: relative.into() }
    }

    pub fn join(&self, name: impl AsRef<Path>) -> LabPath {
        LabPath { anchor: self.anchor.clone(), relative: self.relative.join(name) }
    }

    /// The directory that holds this one (the anchor for a path one component deep).
    pub fn parent(&self) -> LabPath {
        let relative = self.relative.parent().map(Path::to_path_buf).unwrap_or_default();
        LabPath { anchor: self.anchor.clone(), relative }
    }

    /// Where this file is written before it is renamed into place: its own name plus `.tmp`
    /// (`E00.chk.tmp`), so two files of one directory never share a temporary — a delivery
    /// writing the open log's and a replication pass writing the checkpoint's run at once.
    pub fn temporary(&self) -> LabPath {
        let mut name = self.relative.file_name().unwrap_or_default().to_os_string();
        name.push(".tmp");
        LabPath { anchor: self.anchor.clone(), relative: self.relative.with_file_name(name) }
    }

    /// The whole path, to show and to key maps by.
    pub fn full(&self) -> PathBuf {
        self.anchor.join(&self.relative)
    }

    pub fn file_name(&self) -> Option<&OsStr> {
        self.relative.file_name()
    }

    pub fn open_read(&self) -> io::Result<File> {
        self.open(OFlags::RDONLY)
    }

    pub fn open_write(&self) -> io::Result<File> {
        self.open(OFlags::WRONLY)
    }

    pub fn open_read_write(&self) -> io::Result<File> {
        self.open(OFlags::RDWR)
    }

    /// Creates the file, or truncates it (mode 0600 when new).
    pub fn create(&self) -> io::Result<File> {
        self.open(OFlags::WRONLY | OFlags::CREATE | OFlags::TRUNC)
    }

    pub fn read(&self) -> io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        self.open_read()?.read_to_end(&mut bytes)?;
        Ok(bytes)
    }

    pub fn read_to_string(&self) -> io::Result<String> {
        let mut text = String::new();
        self.open_read()?.read_to_string(&mut text)?;
        Ok(text)
    }

    /// The first `len` bytes (fewer when the file is shorter).
    pub fn read_prefix(&self, len: usize) -> io::Result<Vec<u8>> {
        let mut bytes = Vec::with_capacity(len);
        self.open_read()?.take(len as u64).read_to_end(&mut bytes)?;
        Ok(bytes)
    }

    /// Writes `bytes` as the whole file (not synced).
    pub fn write(&self, bytes: &[u8]) -> io::Result<()> {
        self.create()?.write_all(bytes)
    }

    /// What the file or directory is, its length and times (of it, never of a link's target).
    pub fn metadata(&self) -> io::Result<std::fs::Metadata> {
        self.open(OFlags::RDONLY)?.metadata()
    }

    /// The file's length, `None` when it does not exist.
    pub fn len(&self) -> io::Result<Option<u64>> {
        match self.metadata() {
            Ok(meta) => Ok(Some(meta.len())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub fn exists(&self) -> io::Result<bool> {
        match self.parent_and_name() {
            Ok((parent, name)) => match rustix::fs::statat(&parent, name, AtFlags::SYMLINK_NOFOLLOW) {
                Ok(stat) if kind_of(stat.st_mode) == Kind::Link => Err(self.refused()),
                Ok(_) => Ok(true),
                Err(Errno::NOENT) => Ok(false),
                Err(e) => Err(e.into()),
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Syncs a directory (its entries: a rename or a new file in it).
    pub fn sync_dir(&self) -> io::Result<()> {
        File::from(self.resolve(OFlags::RDONLY | OFlags::DIRECTORY, Mode::empty())?).sync_all()
    }

    /// Makes the directory and any missing parent, the anchor included (mode 0700).
    pub fn create_dir_all(&self) -> io::Result<()> {
        use std::os::unix::fs::DirBuilderExt;
        match std::fs::DirBuilder::new().mode(DIR_MODE).create(&self.anchor) {
            Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
            _ => {}
        }
        let mut current = self.anchor_fd()?;
        for component in self.components()? {
            match rustix::fs::mkdirat(&current, component, Mode::from_raw_mode(DIR_MODE)) {
                Ok(()) | Err(Errno::EXIST) => {}
                Err(e) => return Err(e.into()),
            }
            current = self.step(&current, component)?;
        }
        Ok(())
    }

    /// The names in the directory and what each is (links are listed, not followed). `None`
    /// when the directory does not exist.
    pub fn entries(&self) -> io::Result<Option<Vec<(String, Kind)>>> {
        let fd = match self.resolve(OFlags::RDONLY | OFlags::DIRECTORY, Mode::empty()) {
            Ok(fd) => fd,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut found = Vec::new();
        for entry in rustix::fs::Dir::new(fd)? {
            let entry = entry?;
            let name = entry.file_name().to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            let kind = match entry.file_type() {
                rustix::fs::FileType::RegularFile => Kind::File,
                rustix::fs::FileType::Directory => Kind::Directory,
                rustix::fs::FileType::Symlink => Kind::Link,
                _ => Kind::Other,
            };
            found.push((String::from_utf8_lossy(name).into_owned(), kind));
        }
        Ok(Some(found))
    }

    pub fn remove_file(&self) -> io::Result<()> {
        let (parent, name) = self.parent_and_name()?;
        rustix::fs::unlinkat(&parent, name, AtFlags::empty()).map_err(io::Error::from)
    }

    /// Renames this file to `to`, which must be under the same anchor.
    pub fn rename(&self, to: &LabPath) -> io::Result<()> {
        debug_assert_eq!(self.anchor, to.anchor);
        let (from_dir, from_name) = self.parent_and_name()?;
        let (to_dir, to_name) = to.parent_and_name()?;
        rustix::fs::renameat(&from_dir, from_name, &to_dir, to_name).map_err(io::Error::from)
    }

    /// Removes the directory and everything in it. Links inside are removed, never followed.
    pub fn remove_dir_all(&self) -> io::Result<()> {
        let (parent, name) = self.parent_and_name()?;
        remove_tree(&parent, name)
    }

    fn open(&self, flags: OFlags) -> io::Result<File> {
        // openat2 takes a mode only with O_CREAT.
        let mode = if flags.contains(OFlags::CREATE) { Mode::from_raw_mode(FILE_MODE) } else { Mode::empty() };
        let fd = self.resolve(flags | OFlags::NOFOLLOW, mode)?;
        Ok(File::from(fd))
    }

    fn refused(&self) -> io::Error {
        io::Error::other(LinkRefused { path: self.full() })
    }

    /// The anchor, opened without following a link at its last component.
    fn anchor_fd(&self) -> io::Result<OwnedFd> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        rustix::fs::open(&self.anchor, flags, Mode::empty()).map_err(|e| match e {
            Errno::LOOP | Errno::NOTDIR if is_link(&self.anchor) => {
                io::Error::other(LinkRefused { path: self.anchor.clone() })
            }
            e => e.into(),
        })
    }

    /// The relative path's components, each a plain name.
    fn components(&self) -> io::Result<Vec<&OsStr>> {
        self.relative
            .components()
            .map(|c| match c {
                Component::Normal(name) => Ok(name),
                _ => Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("'{}' is not a plain path inside the lab", self.full().display()),
                )),
            })
            .collect()
    }

    /// The parent directory (resolved without links) and the last component's name.
    fn parent_and_name(&self) -> io::Result<(OwnedFd, &OsStr)> {
        let components = self.components()?;
        let Some((name, parents)) = components.split_last() else {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "no file named"));
        };
        let parent: PathBuf = parents.iter().collect();
        let fd = LabPath { anchor: self.anchor.clone(), relative: parent }
            .resolve(OFlags::RDONLY | OFlags::DIRECTORY, Mode::empty())?;
        Ok((fd, name))
    }

    /// One directory step down from `dir`, refusing a link.
    fn step(&self, dir: &OwnedFd, name: &OsStr) -> io::Result<OwnedFd> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        rustix::fs::openat(dir, name, flags, Mode::empty()).map_err(|e| self.link_or(dir, name, e))
    }

    /// `e`, or a refused link when `name` in `dir` is one.
    fn link_or(&self, dir: &OwnedFd, name: &OsStr, e: Errno) -> io::Error {
        let link = matches!(e, Errno::LOOP | Errno::NOTDIR)
            && rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW).is_ok_and(|s| kind_of(s.st_mode) == Kind::Link);
        if link { self.refused() } else { e.into() }
    }

    /// Opens the relative path under the anchor with `flags`, following no link anywhere.
    fn resolve(&self, flags: OFlags, mode: Mode) -> io::Result<OwnedFd> {
        let anchor = self.anchor_fd()?;
        let components = self.components()?;
        if components.is_empty() {
            return Ok(anchor);
        }
        let flags = flags | OFlags::CLOEXEC;
        if OPENAT2_MISSING.load(Ordering::Relaxed) {
            return self.walk(anchor, &components, flags, mode);
        }
        let resolve = ResolveFlags::NO_SYMLINKS | ResolveFlags::BENEATH | ResolveFlags::NO_MAGICLINKS;
        match rustix::fs::openat2(&anchor, &self.relative, flags, mode, resolve) {
            Ok(fd) => Ok(fd),
            Err(Errno::NOSYS | Errno::PERM) if openat2_missing() => {
                OPENAT2_MISSING.store(true, Ordering::Relaxed);
                self.walk(anchor, &components, flags, mode)
            }
            // A link somewhere on the way (RESOLVE_NO_SYMLINKS).
            Err(Errno::LOOP) => Err(self.refused()),
            Err(e) => Err(e.into()),
        }
    }

    /// [`resolve`](Self::resolve) without `openat2`: one `openat` per component.
    fn walk(&self, anchor: OwnedFd, components: &[&OsStr], flags: OFlags, mode: Mode) -> io::Result<OwnedFd> {
        let Some((last, parents)) = components.split_last() else { return Ok(anchor) };
        let mut current = anchor;
        for name in parents {
            current = self.step(&current, name)?;
        }
        rustix::fs::openat(&current, *last, flags | OFlags::NOFOLLOW, mode).map_err(|e| self.link_or(&current, last, e))
    }
}

/// Set once `openat2` turned out to be missing: every later resolution walks.
static OPENAT2_MISSING: AtomicBool = AtomicBool::new(false);

/// Whether the kernel lacks `openat2` (asked once with a harmless call).
fn openat2_missing() -> bool {
    let probe = rustix::fs::openat2(
        rustix::fs::CWD,
        ".",
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
        ResolveFlags::empty(),
    );
    matches!(probe, Err(Errno::NOSYS | Errno::PERM))
}

fn kind_of(mode: u32) -> Kind {
    match rustix::fs::FileType::from_raw_mode(mode as _) {
        rustix::fs::FileType::RegularFile => Kind::File,
        rustix::fs::FileType::Directory => Kind::Directory,
        rustix::fs::FileType::Symlink => Kind::Link,
        _ => Kind::Other,
    }
}

fn is_link(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// Removes `name` in `parent` and, when it is a directory (not a link to one), everything in it.
fn remove_tree(parent: &OwnedFd, name: &OsStr) -> io::Result<()> {
    let stat = rustix::fs::statat(parent, name, AtFlags::SYMLINK_NOFOLLOW)?;
    if kind_of(stat.st_mode) != Kind::Directory {
        return rustix::fs::unlinkat(parent, name, AtFlags::empty()).map_err(io::Error::from);
    }
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let dir = rustix::fs::openat(parent, name, flags, Mode::empty())?;
    let mut names = Vec::new();
    for entry in rustix::fs::Dir::read_from(&dir)? {
        let entry = entry?;
        let entry_name = entry.file_name().to_bytes();
        if entry_name != b"." && entry_name != b".." {
            names.push(OsStr::from_bytes(entry_name).to_os_string());
        }
    }
    for entry in &names {
        remove_tree(&dir, entry)?;
    }
    rustix::fs::unlinkat(parent, name, AtFlags::REMOVEDIR).map_err(io::Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn lab() -> (tempfile::TempDir, LabPath) {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("nodes/a/b")).expect("dirs");
        std::fs::write(dir.path().join("nodes/a/b/file"), b"mine").expect("file");
        std::fs::write(dir.path().join("victim"), b"precious").expect("victim");
        let root = LabPath::new(&dir.path().join("nodes"), "a");
        (dir, root)
    }

    /// Both ways of resolving (openat2, and the walk used where it is missing) refuse a link
    /// at every component and touch nothing behind it.
    #[test]
    fn a_link_at_any_component_is_refused_and_its_target_untouched() {
        for walk in [false, true] {
            let (dir, root) = lab();
            OPENAT2_MISSING.store(walk, Ordering::Relaxed);
            assert_eq!(root.join("b/file").read().expect("plain read"), b"mine");
            // The last component a link.
            symlink(dir.path().join("victim"), dir.path().join("nodes/a/b/link")).expect("link");
            let error = root.join("b/link").create().expect_err("refused");
            assert!(is_link_refused(&error), "{walk}: {error}");
            assert!(error.to_string().contains("nodes/a/b/link") && error.to_string().contains("Remove the link"));
            // A directory on the way a link.
            symlink(dir.path(), dir.path().join("nodes/a/c")).expect("dir link");
            for error in [
                root.join("c/victim").write(b"x").expect_err("write refused"),
                root.join("c/victim").read().expect_err("read refused"),
                root.join("c/victim").remove_file().expect_err("remove refused"),
                root.join("c").join("new").create_dir_all().expect_err("mkdir refused"),
                root.join("c").entries().expect_err("list refused"),
            ] {
                assert!(is_link_refused(&error), "{walk}: {error}");
            }
            // The anchor itself a link.
            symlink(dir.path().join("nodes"), dir.path().join("linked")).expect("anchor link");
            let error = LabPath::new(&dir.path().join("linked"), "a/b/file").read().expect_err("refused");
            assert!(is_link_refused(&error), "{walk}: {error}");
            assert_eq!(std::fs::read(dir.path().join("victim")).expect("victim"), b"precious");
            // Removing a tree removes the links in it, not what they point at.
            root.remove_dir_all().expect("removed");
            assert!(!dir.path().join("nodes/a").exists());
            assert_eq!(std::fs::read(dir.path().join("victim")).expect("victim"), b"precious");
        }
        OPENAT2_MISSING.store(false, Ordering::Relaxed);
    }

    #[test]
    fn files_are_made_listed_renamed_and_removed_under_the_anchor() {
        let (dir, root) = lab();
        let deep = root.join("x/y");
        deep.create_dir_all().expect("made");
        deep.join("one.tmp").write(b"1").expect("written");
        deep.join("one.tmp").rename(&deep.join("one.log")).expect("renamed");
        deep.sync_dir().expect("synced");
        assert_eq!(deep.join("one.log").len().expect("len"), Some(1));
        assert_eq!(deep.join("none").len().expect("len"), None);
        assert!(deep.join("one.log").exists().expect("exists"));
        assert_eq!(deep.entries().expect("listed"), Some(vec![("one.log".to_string(), Kind::File)]));
        assert_eq!(root.join("nothing").entries().expect("listed"), None);
        deep.join("one.log").remove_file().expect("removed");
        assert!(!dir.path().join("nodes/a/x/y/one.log").exists());
        assert!(LabPath::new(dir.path(), "../etc").read().is_err(), "no way out");
    }
}
