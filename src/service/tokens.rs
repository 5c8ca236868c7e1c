//! Per-person bearer tokens: `ccrd token add NAME --role admin|viewer`, `ccrd token list`,
//! `ccrd token revoke NAME`. Each person's token is shown once, when it is added; the lab keeps
//! only its SHA-256 (tokens are 32 random bytes, so an unsalted hash cannot be guessed back) in
//! `DIR/tokens` (mode 0600), one line per person: `NAME ROLE HASH CREATED`, tab-separated.
//! A running ccrd notices a change of the file (its size, time or inode) on the next request,
//! so a revoked token stops working at once.
//!
//! The lab's own `admin.token` and `viewer.token` remain; their callers are named
//! `Administrator` and `Viewer`, names a person cannot take.
//!
//! Owns: the file, its edits (under `tokens.lock`, written to a new file and renamed) and
//! resolving a presented token to `(name, role)`. Must not: know about HTTP or the estate.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{PoisonError, RwLock};

use sha2::{Digest, Sha256};

use crate::api::Role;

pub const TOKENS_FILE: &str = "tokens";
const LOCK_FILE: &str = "tokens.lock";
/// The caller names of the lab's own two tokens.
pub const LAB_ADMINISTRATOR: &str = "Administrator";
pub const LAB_VIEWER: &str = "Viewer";

/// One person's token, as the file keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonToken {
    pub name: String,
    pub role: Role,
    hash: [u8; 32],
    /// When it was added (RFC 3339).
    pub created: String,
}

/// Why a token command failed.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error(
        "'{0}' cannot name a token: use 1 to 64 letters, digits, '.', '-', '_' or '@', starting with a letter or digit"
    )]
    BadName(String),
    #[error("'{0}' is the name of the lab's own token; choose another name")]
    Reserved(String),
    #[error("a token named '{0}' exists already; revoke it first to replace it")]
    Exists(String),
    #[error("there is no token named '{0}' (ccrd token list shows them)")]
    Unknown(String),
    #[error("{path}: line {line} is not NAME ROLE HASH CREATED")]
    Corrupt { path: String, line: usize },
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
}

/// 32 random bytes, hex-encoded.
pub fn new_secret() -> io::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| io::Error::other(e.to_string()))?;
    Ok(hex(&bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn check_name(name: &str) -> Result<(), TokenError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'));
    if !ok {
        return Err(TokenError::BadName(name.chars().take(80).collect()));
    }
    if name.eq_ignore_ascii_case(LAB_ADMINISTRATOR) || name.eq_ignore_ascii_case(LAB_VIEWER) {
        return Err(TokenError::Reserved(name.to_string()));
    }
    Ok(())
}

/// Adds a token for `name`; returns the token, which is shown only this once.
pub fn add(lab: &Path, name: &str, role: Role) -> Result<String, TokenError> {
    check_name(name)?;
    edit(lab, |people| {
        if people.iter().any(|p| p.name.eq_ignore_ascii_case(name)) {
            return Err(TokenError::Exists(name.to_string()));
        }
        let token = new_secret().map_err(|source| io_error(lab, source))?;
        people.push(PersonToken {
            name: name.to_string(),
            role,
            hash: hash(&token),
            created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        });
        Ok(token)
    })
}

/// Removes `name`'s token.
pub fn revoke(lab: &Path, name: &str) -> Result<(), TokenError> {
    edit(lab, |people| {
        let before = people.len();
        people.retain(|p| !p.name.eq_ignore_ascii_case(name));
        if people.len() == before { Err(TokenError::Unknown(name.to_string())) } else { Ok(()) }
    })
}

/// Every person's token (names, roles, times; never the tokens).
pub fn list(lab: &Path) -> Result<Vec<PersonToken>, TokenError> {
    read(&lab.join(TOKENS_FILE))
}

fn io_error(lab: &Path, source: io::Error) -> TokenError {
    TokenError::Io { path: lab.join(TOKENS_FILE).display().to_string(), source }
}

/// Reads, changes and rewrites the file under the tokens lock.
fn edit<T>(lab: &Path, change: impl FnOnce(&mut Vec<PersonToken>) -> Result<T, TokenError>) -> Result<T, TokenError> {
    let io_err = |source| io_error(lab, source);
    if !lab.is_dir() {
        return Err(io_err(io::Error::new(io::ErrorKind::NotFound, "the lab directory does not exist")));
    }
    let lock = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .custom_flags(libc::O_NOFOLLOW)
        .mode(0o600)
        .open(lab.join(LOCK_FILE))
        .map_err(io_err)?;
    lock.lock().map_err(io_err)?;
    let path = lab.join(TOKENS_FILE);
    let mut people = read(&path)?;
    let result = change(&mut people)?;
    let fresh = lab.join(format!("{TOKENS_FILE}.new"));
    let _ = fs::remove_file(&fresh);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_NOFOLLOW)
        .mode(0o600)
        .open(&fresh)
        .map_err(io_err)?;
    let mut text = String::from("# ccrd per-person tokens: NAME ROLE SHA-256 CREATED (ccrd token add|list|revoke)\n");
    for p in &people {
        let role = match p.role {
            Role::Administrator => "admin",
            Role::ViewOnly => "viewer",
        };
        text.push_str(&format!("{}\t{role}\t{}\t{}\n", p.name, hex(&p.hash), p.created));
    }
    file.write_all(text.as_bytes()).map_err(io_err)?;
    file.sync_all().map_err(io_err)?;
    fs::rename(&fresh, &path).map_err(io_err)?;
    File::open(lab).and_then(|dir| dir.sync_all()).map_err(io_err)?;
    Ok(result)
}

fn read(path: &Path) -> Result<Vec<PersonToken>, TokenError> {
    let shown = || path.display().to_string();
    let text = match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(TokenError::Io { path: shown(), source }),
        Ok(meta) if !meta.is_file() => {
            let source = io::Error::new(io::ErrorKind::InvalidData, "not a regular file (a link is refused)");
            return Err(TokenError::Io { path: shown(), source });
        }
        Ok(_) => fs::read_to_string(path).map_err(|source| TokenError::Io { path: shown(), source })?,
    };
    let mut people = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let corrupt = || TokenError::Corrupt { path: shown(), line: number + 1 };
        let fields: Vec<&str> = line.split('\t').collect();
        let [name, role, digest, created] = fields[..] else { return Err(corrupt()) };
        let role = match role {
            "admin" => Role::Administrator,
            "viewer" => Role::ViewOnly,
            _ => return Err(corrupt()),
        };
        let mut hash = [0u8; 32];
        if digest.len() != 64 {
            return Err(corrupt());
        }
        for (i, byte) in hash.iter_mut().enumerate() {
            *byte = digest.get(i * 2..i * 2 + 2).and_then(|h| u8::from_str_radix(h, 16).ok()).ok_or_else(corrupt)?;
        }
        people.push(PersonToken { name: name.to_string(), role, hash, created: created.to_string() });
    }
    Ok(people)
}

/// What identifies a version of the file: a change to any of these reloads it.
type Stamp = Option<(u64, u64, i64, i64)>;

fn stamp(path: &Path) -> Stamp {
    let meta = fs::symlink_metadata(path).ok()?;
    Some((meta.ino(), meta.len(), meta.mtime(), meta.mtime_nsec()))
}

/// The tokens a running ccrd accepts: the lab's two, and every person's, reloaded when the
/// file changes.
pub struct Registry {
    admin: String,
    viewer: String,
    path: PathBuf,
    people: RwLock<(Stamp, Vec<PersonToken>)>,
}

impl Registry {
    pub fn new(lab: &Path, admin: String, viewer: String) -> Registry {
        let path = lab.join(TOKENS_FILE);
        let people = read(&path).unwrap_or_else(|e| {
            tracing::error!("{e}; no per-person token is accepted until it is fixed");
            Vec::new()
        });
        Registry { admin, viewer, people: RwLock::new((stamp(&path), people)), path }
    }

    /// The caller `presented` belongs to, as `(name, role)`.
    pub fn resolve(&self, presented: &str) -> Option<(String, Role)> {
        if constant_time_eq(presented.as_bytes(), self.admin.as_bytes()) {
            return Some((LAB_ADMINISTRATOR.into(), Role::Administrator));
        }
        if constant_time_eq(presented.as_bytes(), self.viewer.as_bytes()) {
            return Some((LAB_VIEWER.into(), Role::ViewOnly));
        }
        let now = stamp(&self.path);
        let stale = self.people.read().unwrap_or_else(PoisonError::into_inner).0 != now;
        if stale {
            let people = read(&self.path).unwrap_or_else(|e| {
                tracing::error!("{e}; no per-person token is accepted until it is fixed");
                Vec::new()
            });
            *self.people.write().unwrap_or_else(PoisonError::into_inner) = (now, people);
        }
        let presented = hash(presented);
        let people = self.people.read().unwrap_or_else(PoisonError::into_inner);
        // Every hash is compared, so the time taken does not tell which one matched.
        let mut found = None;
        for person in &people.1 {
            if constant_time_eq(&presented, &person.hash) && found.is_none() {
                found = Some((person.name.clone(), person.role));
            }
        }
        found
    }
}

/// Compares without stopping at the first difference, so timing does not reveal a prefix.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_person_token_resolves_to_its_name_until_revoked() {
        let dir = tempfile::tempdir().expect("temp dir");
        let registry = Registry::new(dir.path(), "a".repeat(64), "v".repeat(64));
        assert_eq!(registry.resolve(&"a".repeat(64)), Some((LAB_ADMINISTRATOR.into(), Role::Administrator)));
        let alice = add(dir.path(), "alice", Role::Administrator).expect("added");
        let bob = add(dir.path(), "bob", Role::ViewOnly).expect("added");
        assert_eq!(registry.resolve(&alice), Some(("alice".into(), Role::Administrator)));
        assert_eq!(registry.resolve(&bob), Some(("bob".into(), Role::ViewOnly)));
        let text = fs::read_to_string(dir.path().join(TOKENS_FILE)).expect("file");
        assert!(!text.contains(&alice), "only the hash is kept");
        let mode = fs::metadata(dir.path().join(TOKENS_FILE)).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        revoke(dir.path(), "ALICE").expect("revoked");
        assert_eq!(registry.resolve(&alice), None, "a revoked token stops working at once");
        assert_eq!(list(dir.path()).expect("list").iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["bob"]);
    }

    #[test]
    fn names_are_checked_and_the_lab_names_reserved() {
        let dir = tempfile::tempdir().expect("temp dir");
        for bad in ["", "../x", "a b", "-x", &"x".repeat(65)] {
            assert!(matches!(add(dir.path(), bad, Role::ViewOnly), Err(TokenError::BadName(_))), "{bad:?}");
        }
        assert!(matches!(add(dir.path(), "administrator", Role::ViewOnly), Err(TokenError::Reserved(_))));
        add(dir.path(), "carol", Role::ViewOnly).expect("added");
        assert!(matches!(add(dir.path(), "Carol", Role::ViewOnly), Err(TokenError::Exists(_))));
        assert!(matches!(revoke(dir.path(), "dave"), Err(TokenError::Unknown(_))));
    }
}
