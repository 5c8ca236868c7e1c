//! The lab directory: where one estate lives on disk. Opening it takes an exclusive lock, so
//! two processes never drive one lab at once; a new or empty directory is created from a
//! topology, with an administrator token, a view-only token and a token that reads only
//! `/metrics` (mode 0600).
//!
//! Owns: the directory layout (`estate.db`, `audit.db`, `admin.token`, `viewer.token`,
//! `metrics.token`, `tokens`, `lab.lock`, `address`, `nodes/`) and token generation. The process
//! holding the lock (ccrd, or ccrsh's embedded service) publishes where it serves the lab in
//! `address` (mode 0600), so a second process on the same lab connects to it instead of being
//! refused; an `address` left by a holder that crashed is removed by the next one to take the
//! lock. Opening a lab reads the estate and nothing per storage group (links deeper in are
//! refused where they are met, see `check_private`): after a clean shutdown
//! the stored counters are exact; after a crash the service repairs the nodes' files and
//! rebuilds the log counters in the background before it serves (see `AppState::new`).
//!
//! Must not: serve HTTP or make decisions about the estate.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::audit::{AUDIT_FILE, Audit};
use super::replication;
use super::store::{EstateStore, EtcdStore, EtcdUrl, SqliteStore, StoreError};
use super::tokens::TOKENS_FILE;
use crate::engine::Estate;
use crate::engine::topology::{self, TopologyError};

const ESTATE_FILE: &str = "estate.db";
const LOCK_FILE: &str = "lab.lock";
const ADMIN_TOKEN_FILE: &str = "admin.token";
const VIEWER_TOKEN_FILE: &str = "viewer.token";
const METRICS_TOKEN_FILE: &str = "metrics.token";
/// Where the lock's holder serves the lab: one line, its loopback URL.
const ADDRESS_FILE: &str = "address";
/// Where the nodes' files live (see `copy_files`): `nodes`, or `nodes.N` after a reset or import.
const NODES_DIR: &str = "nodes";
/// Private scratch directories (`staging.RANDOM`) for an upload or an export being built;
/// whatever a crash left of them is removed when the lab opens.
const STAGING_PREFIX: &str = "staging.";

/// Which topology a new lab is created from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopologySource {
    /// The built-in `seed`.
    Seed,
    /// A TOML file of the same shape.
    File(PathBuf),
}

impl TopologySource {
    /// `seed` or a path, as `--topology` and `Reset-Lab -Topology` take it.
    pub fn parse(text: &str) -> TopologySource {
        if text.eq_ignore_ascii_case("seed") { TopologySource::Seed } else { TopologySource::File(text.into()) }
    }
}

/// The bearer tokens of a lab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokens {
    pub admin: String,
    pub viewer: String,
    /// Reads `/metrics` and nothing else: what a Prometheus server is given.
    pub metrics: String,
}

/// An open, locked lab directory. The lock is held until this is dropped.
pub struct Lab {
    pub dir: PathBuf,
    pub store: Box<dyn EstateStore>,
    pub estate: Estate,
    /// Whether the last process to hold the lab shut down cleanly (no repair needed).
    pub clean: bool,
    /// Where that is recorded for the next process.
    pub mark: CleanMark,
    pub tokens: Tokens,
    /// The audit trail (`audit.db`), which resets and imports leave alone.
    pub audit: Audit,
    /// The open lock file: the lock lasts as long as it does.
    pub lock: File,
    /// Whether the service runs the nodes' files (replication, mail, moves): true unless a
    /// second ccrd shares the estate's store with the one that does (`ccrd --without-files`).
    pub holds_files: bool,
}

/// Why a lab directory could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    #[error(
        "The lab directory '{dir}' is in use by another process{pid}. Two processes must not drive \
         one lab at once. To share it, run `ccrd --lab {dir}` once and connect every shell to it with \
         `ccrsh --server URL --token TOKEN`, where URL is the address ccrd prints and TOKEN is the \
         contents of {dir}/admin.token."
    )]
    InUse { dir: String, pid: String },
    #[error(
        "'{dir}' is not empty and holds no {ESTATE_FILE}, so it is not a lab directory. Give --lab a \
         new or empty directory, or the directory of an existing lab."
    )]
    NotALab { dir: String },
    #[error("The lab directory '{dir}': {source}")]
    Io { dir: String, source: io::Error },
    #[error("The lab directory '{dir}' is not safe to use: {why} {fix}")]
    Unsafe { dir: String, why: String, fix: String },
    #[error("The lab directory '{dir}': {source}")]
    Store { dir: String, source: StoreError },
    #[error("{0}")]
    Topology(#[from] TopologyError),
}

/// Opens the lab at `dir`, creating it from `topology` when it is missing or empty.
pub fn open(dir: &Path, topology: &TopologySource) -> Result<Lab, LabError> {
    open_on(dir, topology, None)
}

/// As [`open`], with the estate in etcd at `etcd` when given (the lab directory keeps the
/// tokens, the audit trail and the nodes' files): an estate not yet in etcd is created there
/// from the lab's.
pub fn open_on(dir: &Path, topology: &TopologySource, etcd: Option<&EtcdUrl>) -> Result<Lab, LabError> {
    claim(dir, topology)?.open(etcd)
}

/// A lab directory taken (locked, created if it was new, its tokens read) but whose estate is
/// not read yet: [`Claimed::open`] reads it. The embedded service claims a lab on the shell's
/// thread — so a lab in use is told at once — and opens it on its own, while the shell starts.
pub struct Claimed {
    dir: PathBuf,
    lock: File,
    clean: bool,
    pub tokens: Tokens,
}

/// Takes the lab at `dir`, creating it from `topology` when it is missing or empty; its estate
/// is read by [`Claimed::open`].
pub fn claim(dir: &Path, topology: &TopologySource) -> Result<Claimed, LabError> {
    let shown = dir.display().to_string();
    let io_err = |source| LabError::Io { dir: shown.clone(), source };
    let estate_path = dir.join(ESTATE_FILE);
    // Refuse a foreign directory before touching it at all.
    if dir.exists() && !estate_path.exists() && holds_foreign_files(dir).map_err(io_err)? {
        return Err(LabError::NotALab { dir: shown });
    }
    fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(io_err)?;
    check_private(dir, estate_path.exists())?;
    let (lock, mut clean) = lock(dir).map_err(|e| match e {
        LockError::Held(pid) => LabError::InUse { dir: shown.clone(), pid },
        LockError::Io(source) => LabError::Io { dir: shown.clone(), source },
    })?;

    if !clean && estate_path.exists() {
        // The last holder crashed: every file is about to be checked and repaired.
        check_no_links(dir)?;
    }
    remove_leftover_staging(dir).map_err(io_err)?;
    // We hold the lock: an address still here was left by a holder that crashed.
    match fs::remove_file(dir.join(ADDRESS_FILE)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(io_err(e)),
        _ => {}
    }
    if !estate_path.exists() {
        create(dir, topology)?;
        // Its files were just made to match it.
        clean = true;
    }
    // Labs made before the metrics token existed get one when they are opened.
    let metrics_token = dir.join(METRICS_TOKEN_FILE);
    if !metrics_token.exists() {
        write_token(&metrics_token).map_err(io_err)?;
    }
    let tokens = Tokens {
        admin: read_token(&dir.join(ADMIN_TOKEN_FILE)).map_err(io_err)?,
        viewer: read_token(&dir.join(VIEWER_TOKEN_FILE)).map_err(io_err)?,
        metrics: read_token(&metrics_token).map_err(io_err)?,
    };
    Ok(Claimed { dir: dir.to_path_buf(), lock, clean, tokens })
}

impl Claimed {
    /// Opens the estate's store (SQLite, or etcd at `etcd`) and the audit trail, and reads the
    /// estate: from its compact snapshot when the store keeps a current one (see
    /// `store::EstateStore::keep_snapshot`), else object by object.
    pub fn open(self, etcd: Option<&EtcdUrl>) -> Result<Lab, LabError> {
        let Claimed { dir, lock, clean, tokens } = self;
        let dir = dir.as_path();
        let shown = dir.display().to_string();
        let io_err = |source| LabError::Io { dir: shown.clone(), source };
        let estate_path = dir.join(ESTATE_FILE);
        let store_err = |source| LabError::Store { dir: shown.clone(), source };
        let open_store = || SqliteStore::open(&estate_path).and_then(|mut store| store.load().map(|e| (store, e)));
        // The audit trail opens on a thread of its own while the estate is read (two files; the
        // start waits for the slower only), or after it when no thread can be had.
        let (opened, audit) = std::thread::scope(|scope| {
            match std::thread::Builder::new().name("audit-open".into()).spawn_scoped(scope, || Audit::open(dir)) {
                Ok(audit) => {
                    let opened = open_store();
                    (opened, audit.join().map_err(|_| "opening the audit trail failed".to_string()))
                }
                Err(_) => (open_store(), Ok(Audit::open(dir))),
            }
        });
        let audit = audit
            .map_err(io::Error::other)
            .and_then(|audit| audit.map_err(io::Error::other))
            .map_err(|source| LabError::Io { dir: shown.clone(), source })?;
        let (mut store, mut estate) = opened.map_err(store_err)?;
        move_legacy_history(&mut store, &audit).map_err(store_err)?;
        let store: Box<dyn EstateStore> = match etcd {
            None => Box::new(store),
            Some(url) => {
                // Opening reads the estate (or creates it from the lab's).
                let etcd = EtcdStore::open(url, &estate).map_err(store_err)?;
                estate = etcd.stored().clone();
                Box::new(etcd)
            }
        };
        let mut mark = CleanMark::new(&lock).map_err(io_err)?;
        if clean {
            // Until a file is touched, the lab stays as clean as it was.
            mark.write(true, false).map_err(io_err)?;
        }
        Ok(Lab { dir: dir.to_path_buf(), store, estate, clean, mark, tokens, audit, lock, holds_files: true })
    }
}

/// Refuses a lab directory that someone else could have planted files in: it must be a real
/// directory (not a link), owned by the user ccrd runs as, with no access for group or others
/// (a new, empty one is made so), and none of its own entries may be a link — ccrd would
/// otherwise write its token, or truncate its lock, wherever the link points. This costs the
/// same whatever the estate's size: what lies deeper (the nodes' files) is opened through
/// [`beneath`](super::beneath), which refuses a link at every component when it meets one;
/// only a lab whose last holder crashed is walked whole ([`check_no_links`]) before its files
/// are repaired.
fn check_private(dir: &Path, holds_lab: bool) -> Result<(), LabError> {
    let shown = dir.display().to_string();
    let refuse = |why: String, fix: &str| LabError::Unsafe { dir: shown.clone(), why, fix: fix.to_string() };
    let io_err = |source| LabError::Io { dir: shown.clone(), source };
    let meta = fs::symlink_metadata(dir).map_err(io_err)?;
    if meta.file_type().is_symlink() || !meta.is_dir() {
        return Err(refuse("it is a symbolic link, not a directory.".into(), "Give --lab the real directory."));
    }
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return Err(refuse(
            format!("it belongs to user id {}, and ccrd runs as user id {me}.", meta.uid()),
            "Run ccrd as the directory's owner, or give it a directory of its own.",
        ));
    }
    if meta.mode() & 0o077 != 0 {
        if holds_lab {
            return Err(refuse(
                format!("its mode is {:o}: other users may read or plant files in it.", meta.mode() & 0o777),
                &format!("Check its contents, then run: chmod 700 '{shown}'"),
            ));
        }
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(io_err)?;
    }
    walk_for_links(dir, false)
}

/// Refuses an existing lab directory that is not private (see [`check_private`]), for the
/// commands that edit a lab's files without opening it (`ccrd token …`): they must not write a
/// token hash into, or through, a directory other users can plant files in.
pub fn check_existing_private(dir: &Path) -> Result<(), LabError> {
    check_private(dir, true)
}

/// Walks the whole lab (every directory of the nodes' files) and refuses it if anything in it is
/// a link: before the files of a lab whose last holder crashed are repaired, when every file is
/// read and rewritten at once. Its cost grows with the estate (1,321 directories on the large
/// one), so a clean open does not pay it.
pub fn check_no_links(dir: &Path) -> Result<(), LabError> {
    walk_for_links(dir, true)
}

fn walk_for_links(dir: &Path, deep: bool) -> Result<(), LabError> {
    let shown = dir.display().to_string();
    let io_err = |source| LabError::Io { dir: shown.clone(), source };
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in fs::read_dir(&current).map_err(io_err)? {
            let entry = entry.map_err(io_err)?;
            let kind = entry.file_type().map_err(io_err)?;
            if kind.is_symlink() {
                return Err(LabError::Unsafe {
                    dir: shown.clone(),
                    why: format!("'{}' is a symbolic link.", entry.path().display()),
                    fix: "A lab holds no links: remove it (and check where it points).".into(),
                });
            }
            let name = entry.file_name();
            let top_level = current == dir;
            if deep && kind.is_dir() && (!top_level || name.to_string_lossy().starts_with(NODES_DIR)) {
                pending.push(entry.path());
            }
        }
    }
    Ok(())
}

/// A lab written before the audit trail moved out of the estate (schema 2) keeps its history:
/// it is copied to `audit.db` (unless that already holds records), then dropped from the estate.
fn move_legacy_history(store: &mut SqliteStore, audit: &Audit) -> Result<(), StoreError> {
    let Some(records) = store.legacy_history()? else { return Ok(()) };
    if audit.last_index().unwrap_or(0) == 0 {
        for record in &records {
            if let Err(e) = audit.record(record) {
                return Err(StoreError::BadValue { table: "operation", column: "*", value: e.to_string() });
            }
        }
    }
    store.drop_legacy_history()
}

/// Whether `dir` holds anything a lab (or a lab whose creation was cut short) would not.
fn holds_foreign_files(dir: &Path) -> io::Result<bool> {
    for entry in fs::read_dir(dir)? {
        let name = entry?.file_name();
        let name = name.to_string_lossy();
        let ours = [LOCK_FILE, ADMIN_TOKEN_FILE, VIEWER_TOKEN_FILE, METRICS_TOKEN_FILE].contains(&name.as_ref())
            || name.starts_with(ADDRESS_FILE)
            || name.starts_with(ESTATE_FILE)
            || name.starts_with(AUDIT_FILE)
            || name.starts_with(TOKENS_FILE)
            || name.starts_with(NODES_DIR)
            || name.starts_with(STAGING_PREFIX);
        if !ours {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A fresh estate from `topology` (the built-in seed, or a file named on ccrd's own command
/// line: the only topology file ccrd ever opens).
pub fn build(topology: &TopologySource) -> Result<Estate, LabError> {
    Ok(match topology {
        TopologySource::Seed => topology::build("seed", topology::SEED)?,
        TopologySource::File(path) => {
            let shown = path.display().to_string();
            let io_err = |source| LabError::Io { dir: shown.clone(), source };
            let file = File::open(path).map_err(io_err)?;
            if !file.metadata().map_err(io_err)?.is_file() {
                return Err(io_err(io::Error::new(io::ErrorKind::InvalidInput, "not a regular file")));
            }
            let mut text = String::new();
            let limit = crate::api::TOPOLOGY_LIMIT_BYTES as u64;
            file.take(limit + 1).read_to_string(&mut text).map_err(io_err)?;
            if text.len() as u64 > limit {
                return Err(io_err(io::Error::new(io::ErrorKind::InvalidInput, "larger than 1 MiB")));
            }
            topology::build(&shown, &text)?
        }
    })
}

/// A private scratch directory in the lab (mode 0700, a new name each time), removed with
/// everything in it when dropped.
pub struct Staging {
    path: PathBuf,
}

impl Staging {
    pub fn new(lab: &Path) -> io::Result<Staging> {
        let path = lab.join(format!("{STAGING_PREFIX}{}", &new_token()?[..16]));
        fs::DirBuilder::new().mode(0o700).create(&path)?;
        Ok(Staging { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

fn remove_leftover_staging(dir: &Path) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with(STAGING_PREFIX) {
            fs::remove_dir_all(entry.path())?;
        }
    }
    Ok(())
}

/// The files directory that follows `current` (`nodes`, `nodes.1`, `nodes.2`, …): a reset or
/// an import writes there, so the old files stay whole until the switch is committed.
pub fn next_files_dir(current: &str) -> String {
    let n = current.strip_prefix(NODES_DIR).and_then(|rest| rest.strip_prefix('.')).and_then(|n| n.parse::<u64>().ok());
    format!("{NODES_DIR}.{}", n.map_or(1, |n| n + 1))
}

/// Builds a new lab in `dir`. The estate database is written under a temporary name and
/// renamed last, so a crash leaves no half-made lab: the next open creates it again.
fn create(dir: &Path, topology: &TopologySource) -> Result<(), LabError> {
    let shown = dir.display().to_string();
    let io_err = |source| LabError::Io { dir: shown.clone(), source };
    let mut estate = build(topology)?;
    let now = estate.lab_time(chrono::Utc::now());
    crate::engine::faults::boot_all(&mut estate, now);
    replication::write_first_logs(&replication::files_root(dir, &estate), &mut estate, now).map_err(io_err)?;
    // The other copies' directories are made now, so the new lab opens clean.
    replication::refresh_from_disk(dir, &mut estate).map_err(io_err)?;
    write_token(&dir.join(ADMIN_TOKEN_FILE)).map_err(io_err)?;
    write_token(&dir.join(VIEWER_TOKEN_FILE)).map_err(io_err)?;
    write_token(&dir.join(METRICS_TOKEN_FILE)).map_err(io_err)?;
    let creating = dir.join(format!("{ESTATE_FILE}.creating"));
    remove_creating(&creating);
    drop(SqliteStore::create(&creating, &estate).map_err(|source| LabError::Store { dir: shown.clone(), source })?);
    fs::rename(&creating, dir.join(ESTATE_FILE)).map_err(io_err)?;
    // Closed, its write-ahead log is empty and kept (see `store::sqlite::keep_wal_files`): the
    // log and its index under the temporary name are left over.
    remove_creating(&creating);
    Ok(())
}

/// Removes the estate database being created at `creating`, with its write-ahead log and that
/// log's index: what a crash during a creation leaves, or a creation that was renamed leaves
/// behind.
fn remove_creating(creating: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut path = creating.as_os_str().to_owned();
        path.push(suffix);
        let _ = fs::remove_file(path);
    }
}

/// The process that holds a lab, as a second process on the same lab finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// Where it serves the API (`http://127.0.0.1:PORT`).
    pub url: String,
    /// The lab's administrator token, to call it with.
    pub token: String,
    /// Its process id, from the lock file (empty when unknown).
    pub pid: String,
}

/// Publishes that this process, which holds the lab at `dir`, serves it at `url`: `address`,
/// mode 0600, written whole (a reader never sees half of it).
pub fn publish_address(dir: &Path, url: &str) -> io::Result<()> {
    let partial = dir.join(format!("{ADDRESS_FILE}.{}", std::process::id()));
    let mut file = OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&partial)?;
    writeln!(file, "{url}")?;
    // Not synced: the address matters only while this process lives, and after a crash of the
    // machine the next holder removes whatever is left of it.
    drop(file);
    fs::rename(&partial, dir.join(ADDRESS_FILE))
}

/// Takes the published address back, before the holder stops serving.
pub fn withdraw_address(dir: &Path) {
    let _ = fs::remove_file(dir.join(ADDRESS_FILE));
}

/// The process holding the lab at `dir`, if one does and has published where it serves it.
/// `None` when the lab is free (an address left by a crashed holder is then stale, and the
/// next opener removes it) or when the holder has not published an address (yet).
pub fn holder(dir: &Path) -> Option<Holder> {
    let mut lock = OpenOptions::new().read(true).open(dir.join(LOCK_FILE)).ok()?;
    match lock.try_lock_shared() {
        // Nobody holds it: whatever address is there is stale.
        Ok(()) => {
            let _ = lock.unlock();
            return None;
        }
        Err(fs::TryLockError::WouldBlock) => {}
        Err(fs::TryLockError::Error(_)) => return None,
    }
    let mut pid = String::new();
    let _ = lock.read_to_string(&mut pid);
    let url = read_private_line(&dir.join(ADDRESS_FILE))?;
    // Only a loopback address: the address file must not send the token elsewhere.
    let host = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://"))?;
    if !(host.starts_with("127.") || host.starts_with("[::1]") || host.starts_with("localhost:")) {
        return None;
    }
    let token = read_token(&dir.join(ADMIN_TOKEN_FILE)).ok()?;
    Some(Holder { url, token, pid: pid.lines().next().unwrap_or("").trim().to_string() })
}

/// The first line of a file that is ours alone: a regular file (not a link), mode 0600.
fn read_private_line(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let meta = fs::symlink_metadata(path).ok()?;
    if !meta.file_type().is_file() || meta.permissions().mode() & 0o077 != 0 {
        return None;
    }
    let text = fs::read_to_string(path).ok()?;
    let line = text.lines().next()?.trim().to_string();
    (!line.is_empty()).then_some(line)
}

enum LockError {
    Held(String),
    Io(io::Error),
}

/// The lab lock file's record of whether the lab's files match its stored estate: its first line
/// is the holder's pid, its second `clean` once a holder shut down cleanly. A holder marks the
/// lab dirty (durably) before it first touches a file, and clean again when it shuts down: a
/// process that finds it clean need not repair anything.
pub struct CleanMark {
    file: File,
}

impl CleanMark {
    fn new(lock: &File) -> io::Result<CleanMark> {
        Ok(CleanMark { file: lock.try_clone()? })
    }

    /// Rewrites the lock file: the pid, and `clean` when `clean`; synced when `durable`.
    fn write(&mut self, clean: bool, durable: bool) -> io::Result<()> {
        use std::io::SeekFrom;
        let text = format!("{}\n{}", std::process::id(), if clean { "clean\n" } else { "" });
        self.file.set_len(0)?;
        self.file.seek(SeekFrom::Start(0))?;
        self.file.write_all(text.as_bytes())?;
        if durable { self.file.sync_data() } else { Ok(()) }
    }

    /// The lab's files are about to change: a crash from now on needs a repair.
    pub fn mark_dirty(&mut self) -> io::Result<()> {
        self.write(false, true)
    }

    /// Everything is written: the next process may trust the stored estate.
    pub fn mark_clean(&mut self) -> io::Result<()> {
        self.write(true, true)
    }
}

/// Takes the lab's exclusive lock and records this process's id in the lock file. Returns the
/// file and whether the previous holder shut down cleanly.
fn lock(dir: &Path) -> Result<(File, bool), LockError> {
    let path = dir.join(LOCK_FILE);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .custom_flags(libc::O_NOFOLLOW)
        .mode(0o600)
        .open(&path)
        .map_err(LockError::Io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            let pid = text.lines().next().unwrap_or("").trim();
            return Err(LockError::Held(if pid.is_empty() { String::new() } else { format!(" (pid {pid})") }));
        }
        Err(fs::TryLockError::Error(e)) => return Err(LockError::Io(e)),
    }
    let mut before = String::new();
    let _ = file.read_to_string(&mut before);
    let clean = before.lines().nth(1) == Some("clean");
    file.set_len(0).map_err(LockError::Io)?;
    file.seek(std::io::SeekFrom::Start(0)).map_err(LockError::Io)?;
    writeln!(file, "{}", std::process::id()).map_err(LockError::Io)?;
    Ok((file, clean))
}

/// Whether `dir` is a lab this process holds open: its lock file names this process (for
/// `/readyz`; the lock itself is held by the open file).
pub fn held_by_this_process(dir: &Path) -> bool {
    fs::read_to_string(dir.join(LOCK_FILE))
        .is_ok_and(|text| text.lines().next().map(str::trim) == Some(std::process::id().to_string().as_str()))
}

/// 32 random bytes, hex-encoded.
fn new_token() -> io::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| io::Error::other(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn write_token(path: &Path) -> io::Result<()> {
    // A new file, never through a link: the directory was checked, and this checks again.
    let _ = fs::remove_file(path);
    let mut file =
        OpenOptions::new().write(true).create_new(true).custom_flags(libc::O_NOFOLLOW).mode(0o600).open(path)?;
    writeln!(file, "{}", new_token()?)?;
    file.sync_all()
}

fn read_token(path: &Path) -> io::Result<String> {
    let mut text = String::new();
    OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW).open(path)?.read_to_string(&mut text)?;
    let token = text.trim().to_string();
    if token.is_empty() {
        return Err(io::Error::new(io::ErrorKind::InvalidData, format!("{} is empty", path.display())));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_lab_gets_the_seed_and_private_tokens() {
        let dir = tempfile::tempdir().expect("temp dir");
        let lab_dir = dir.path().join("lab");
        let lab = open(&lab_dir, &TopologySource::Seed).expect("created");
        assert_eq!(lab.estate.topology, "seed");
        assert_ne!(lab.tokens.admin, lab.tokens.viewer);
        assert_ne!(lab.tokens.metrics, lab.tokens.viewer);
        assert_eq!(lab.tokens.admin.len(), 64);
        for file in [ADMIN_TOKEN_FILE, VIEWER_TOKEN_FILE, METRICS_TOKEN_FILE] {
            let mode = fs::metadata(lab_dir.join(file)).expect("token file").permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{file}");
        }
        let tokens = lab.tokens.clone();
        drop(lab);
        let reopened = open(&lab_dir, &TopologySource::Seed).expect("reopened");
        assert_eq!(reopened.tokens, tokens, "reopening keeps the tokens");
        // Nothing of the estate's creation under its temporary name is left.
        let left: Vec<String> = fs::read_dir(&lab_dir)
            .expect("lists")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|name| name.contains(".creating"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }

    #[test]
    fn a_lab_made_before_the_metrics_token_gets_one_when_opened() {
        let dir = tempfile::tempdir().expect("temp dir");
        let lab = open(dir.path(), &TopologySource::Seed).expect("created");
        let (admin, viewer) = (lab.tokens.admin.clone(), lab.tokens.viewer.clone());
        drop(lab);
        fs::remove_file(dir.path().join(METRICS_TOKEN_FILE)).expect("removed");
        let reopened = open(dir.path(), &TopologySource::Seed).expect("reopened");
        assert_eq!(
            (reopened.tokens.admin.as_str(), reopened.tokens.viewer.as_str()),
            (admin.as_str(), viewer.as_str())
        );
        assert_eq!(reopened.tokens.metrics, read_token(&dir.path().join(METRICS_TOKEN_FILE)).expect("written"));
    }

    #[test]
    fn a_second_opener_is_told_how_to_share_the_lab() {
        let dir = tempfile::tempdir().expect("temp dir");
        let _first = open(dir.path(), &TopologySource::Seed).expect("created");
        let error = open(dir.path(), &TopologySource::Seed).err().expect("second open must fail");
        let text = error.to_string();
        assert!(matches!(error, LabError::InUse { .. }), "{text}");
        assert!(text.contains("ccrd --lab") && text.contains("--server"), "{text}");
        assert!(text.contains(&format!("pid {}", std::process::id())), "{text}");
    }

    #[test]
    fn the_holder_publishes_its_address_and_a_crashed_holders_address_is_cleaned() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = open(dir.path(), &TopologySource::Seed).expect("created");
        assert_eq!(holder(dir.path()), None, "nothing published yet");
        publish_address(dir.path(), "http://127.0.0.1:4999").expect("published");
        let mode = fs::metadata(dir.path().join(ADDRESS_FILE)).expect("address").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let found = holder(dir.path()).expect("the holder is found");
        assert_eq!(found.url, "http://127.0.0.1:4999");
        assert_eq!(found.token, first.tokens.admin);
        assert_eq!(found.pid, std::process::id().to_string());
        // The holder goes away without withdrawing (a crash): the address stays, but the lock
        // tells it is stale, and the next holder removes it.
        drop(first);
        assert!(dir.path().join(ADDRESS_FILE).exists());
        assert_eq!(holder(dir.path()), None, "no lock, no holder");
        let _second = open(dir.path(), &TopologySource::Seed).expect("reopened");
        assert!(!dir.path().join(ADDRESS_FILE).exists(), "the stale address is gone");
    }

    #[test]
    fn an_address_that_is_not_loopback_or_not_private_is_ignored() {
        let dir = tempfile::tempdir().expect("temp dir");
        let _lab = open(dir.path(), &TopologySource::Seed).expect("created");
        publish_address(dir.path(), "http://192.0.2.7:4780").expect("published");
        assert_eq!(holder(dir.path()), None, "the token is never sent off the machine");
        publish_address(dir.path(), "http://127.0.0.1:4780").expect("published");
        fs::set_permissions(dir.path().join(ADDRESS_FILE), fs::Permissions::from_mode(0o644)).expect("chmod");
        assert_eq!(holder(dir.path()), None, "a file others can write is not trusted");
    }

    #[test]
    fn a_directory_with_other_files_is_not_taken_over() {
        let dir = tempfile::tempdir().expect("temp dir");
        fs::write(dir.path().join("notes.txt"), "mine").expect("write");
        let error = open(dir.path(), &TopologySource::Seed).err().expect("must refuse");
        assert!(matches!(error, LabError::NotALab { .. }), "{error}");
        let names: Vec<_> = fs::read_dir(dir.path()).expect("list").map(|e| e.expect("entry").file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("notes.txt")], "nothing was created");
    }
}
