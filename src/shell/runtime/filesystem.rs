//! The FileSystem provider on the real local file system: the shell's current location (its
//! own, per thread, not the process's), PowerShell path resolution (`~`, `.`/`..`, `\` as a
//! separator, provider-qualified paths, wildcards), FileInfo/DirectoryInfo objects, and the
//! reads and writes the content cmdlets do.
//!
//! Safety rules, as an admin would expect: a write replaces a file atomically (a temporary
//! file beside it, created exclusively, then renamed over it); no write goes through a
//! symbolic link (the named path is refused when it is one); recursion (`-Recurse` of
//! Get-ChildItem, Remove-Item, Copy-Item) never descends into a linked directory, so nothing
//! outside the tree the user named is read, changed or removed. Reading streams line by line;
//! only `-Raw` holds a whole file, and that is capped.
//!
//! Inside a node session the node's lab files appear under Windows paths: `set_node_mapping`
//! installs the function that maps `C:\…` to the local copy (the Exchange side provides it).
//!
//! Owns: location, [`resolve`], [`expand`], [`FileSystemItem`], [`write_text`], [`LineReader`],
//! and PowerShell's path errors.
//!
//! Must not: print or evaluate script.

use std::any::Any;
use std::cell::RefCell;
use std::fs::{self, Metadata};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::shell::error_record::ErrorRecord;
use crate::shell::value::Value;
use crate::shell::wildcard::Wildcard;

use super::encoding::Encoding;
use super::object::{Member, NetObject, ObjectRef, method_threw, property_read_only};

/// The longest file `-Raw` reads, and the longest line read at all.
pub const MAX_TEXT: u64 = 512 * 1024 * 1024;

type NodeMapping = Box<dyn Fn(&str) -> Option<PathBuf>>;

thread_local! {
    static LOCATION: RefCell<Option<PathBuf>> = const { RefCell::new(None) };
    static STACK: RefCell<Vec<PathBuf>> = const { RefCell::new(Vec::new()) };
    static NODE: RefCell<Option<NodeMapping>> = const { RefCell::new(None) };
}

/// Installs (or with `None` removes) the mapping from a node's Windows paths (`C:\…`) to the
/// local files that stand for them, for the length of a node session.
pub fn set_node_mapping(mapping: Option<NodeMapping>) {
    NODE.with(|n| *n.borrow_mut() = mapping);
}

/// The shell's current location.
pub fn location() -> PathBuf {
    LOCATION.with(|l| {
        l.borrow_mut().get_or_insert_with(|| std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"))).clone()
    })
}

/// Sets the current location (the caller has checked it is a directory).
pub fn set_location(path: PathBuf) {
    LOCATION.with(|l| *l.borrow_mut() = Some(path));
}

/// `Push-Location`: remembers the current location.
pub fn push_location() {
    let here = location();
    STACK.with(|s| s.borrow_mut().push(here));
}

/// `Pop-Location`: the last pushed location, if any.
pub fn pop_location() -> Option<PathBuf> {
    STACK.with(|s| s.borrow_mut().pop())
}

/// A path as the shell means it: provider prefixes dropped, `\` read as `/`, `~` as home,
/// relative to the current location, `.` and `..` folded (without touching the disk).
pub fn resolve(path: &str) -> PathBuf {
    let mut text = path.trim().to_string();
    for prefix in ["Microsoft.PowerShell.Core\\FileSystem::", "FileSystem::"] {
        if text.len() >= prefix.len() && text[..prefix.len()].eq_ignore_ascii_case(prefix) {
            text = text[prefix.len()..].to_string();
        }
    }
    if let Some(mapped) = NODE.with(|n| n.borrow().as_ref().and_then(|map| map(&text))) {
        return mapped;
    }
    let text = text.replace('\\', "/");
    let joined = if text == "~" || text.starts_with("~/") {
        let home = super::environment::get("HOME").unwrap_or_else(|| "/".into());
        PathBuf::from(home).join(text.trim_start_matches('~').trim_start_matches('/'))
    } else if text.starts_with('/') {
        PathBuf::from(&text)
    } else {
        location().join(&text)
    };
    normalize(&joined)
}

/// `.` and `..` folded lexically.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() { PathBuf::from("/") } else { out }
}

/// The paths a pattern names: itself when literal or without wildcards (whether or not it
/// exists), else every existing path whose components match, sorted.
pub fn expand(pattern: &str, literal: bool) -> Vec<PathBuf> {
    let resolved = resolve(pattern);
    if literal || !Wildcard::has_wildcards(&pattern.replace('\\', "/")) {
        return vec![resolved];
    }
    let mut found = vec![PathBuf::from("/")];
    for part in resolved.components().skip(1) {
        let part = part.as_os_str().to_string_lossy().to_string();
        let mut next = Vec::new();
        for base in &found {
            if Wildcard::has_wildcards(&part) {
                let w = Wildcard::new(&part);
                let Ok(entries) = fs::read_dir(base) else { continue };
                let mut names: Vec<String> = entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().to_string())
                    .filter(|n| w.is_match(n))
                    .collect();
                names.sort();
                next.extend(names.into_iter().map(|n| base.join(n)));
            } else {
                let p = base.join(&part);
                if fs::symlink_metadata(&p).is_ok() {
                    next.push(p);
                }
            }
        }
        found = next;
    }
    found
}

/// The text PowerShell shows for a path.
pub fn shown(path: &Path) -> String {
    path.display().to_string()
}

/// The Windows drive letter `text` starts with (`C` of `C:\Logs`, `c:`, `D:/x`), if any. This
/// machine has no drive letters, so such a path names a drive that does not exist here.
pub fn windows_drive(text: &str) -> Option<char> {
    let mut chars = text.trim().chars();
    let letter = chars.next().filter(char::is_ascii_alphabetic)?;
    (chars.next() == Some(':') && matches!(chars.next(), None | Some('\\' | '/'))).then_some(letter)
}

/// PowerShell's DriveNotFoundException for a path on a drive letter this machine does not
/// have (`Cannot find drive. A drive with the name 'C' does not exist.`).
pub fn drive_not_found(text: &str, command: &str) -> Option<ErrorRecord> {
    let letter = windows_drive(text)?;
    let mut error = ErrorRecord::new(
        "DriveNotFound",
        "ObjectNotFound",
        format!("Cannot find drive. A drive with the name '{letter}' does not exist."),
    )
    .in_command(command)
    .exception("System.Management.Automation.DriveNotFoundException")
    .with_hint(
        "The shell's own computer has no Windows drives. A node's files are under C:\\ inside Enter-PSSession NODE, \
         or \\\\NODE\\c$\\… from here.",
    );
    error.target = Some(letter.to_string());
    Some(error)
}

/// `Cannot find path 'X' because it does not exist.`
pub fn path_not_found(path: &Path, command: &str) -> ErrorRecord {
    ErrorRecord::new(
        "PathNotFound",
        "ObjectNotFound",
        format!("Cannot find path '{}' because it does not exist.", shown(path)),
    )
    .in_command(command)
    .exception("System.Management.Automation.ItemNotFoundException")
}

/// An I/O failure as PowerShell words it: access denied, a missing folder, or the OS's text.
pub fn io_error(error: &io::Error, path: &Path, command: &str, id: &str) -> ErrorRecord {
    match error.kind() {
        io::ErrorKind::PermissionDenied => ErrorRecord::new(
            &format!("{id}UnauthorizedAccessError"),
            "PermissionDenied",
            format!("Access to the path '{}' is denied.", shown(path)),
        )
        .exception("System.UnauthorizedAccessException")
        .with_hint("Check the file's permissions, or run as a user who may use it."),
        io::ErrorKind::NotFound => ErrorRecord::new(
            &format!("{id}IOError"),
            "ObjectNotFound",
            format!("Could not find a part of the path '{}'.", shown(path)),
        )
        .exception("System.IO.DirectoryNotFoundException")
        .with_hint("Create the folder first: New-Item -ItemType Directory -Path <folder>."),
        _ => ErrorRecord::new(&format!("{id}IOError"), "WriteError", format!("{}: '{}'.", error, shown(path)))
            .exception("System.IO.IOException"),
    }
    .in_command(command)
}

fn is_link(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

fn refuse_link(path: &Path, command: &str) -> ErrorRecord {
    ErrorRecord::new(
        "SymbolicLinkNotWritten",
        "PermissionDenied",
        format!("'{}' is a symbolic link; ccrsh writes only to the file named, never through a link.", shown(path)),
    )
    .in_command(command)
    .with_hint("Name the link's target instead (Get-Item <link> | Select-Object Target).")
}

/// How a write goes.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteMode {
    pub append: bool,
    pub encoding: Encoding,
    /// Refuse to replace an existing file (`-NoClobber`).
    pub no_clobber: bool,
}

/// Writes `text` to `path`: appended (with no byte-order mark when the file has content), or
/// replacing the file atomically. Refuses a symbolic link and a directory.
pub fn write_text(path: &Path, text: &str, mode: WriteMode) -> Result<(), ErrorRecord> {
    write_bytes(path, &mode.encoding.encode(text), mode, "Set-Content")
}

/// As [`write_text`], for bytes already encoded (the preamble is added here).
pub fn write_bytes(path: &Path, body: &[u8], mode: WriteMode, command: &str) -> Result<(), ErrorRecord> {
    if is_link(path) {
        return Err(refuse_link(path, command));
    }
    if path.is_dir() {
        return Err(ErrorRecord::new(
            "DirectoryNotWritten",
            "WriteError",
            format!("Access to the path '{}' is denied: it is a directory.", shown(path)),
        )
        .in_command(command)
        .exception("System.UnauthorizedAccessException"));
    }
    let exists = path.exists();
    if mode.no_clobber && exists && !mode.append {
        return Err(ErrorRecord::new(
            "NoClobber",
            "ResourceExists",
            format!("The file '{}' already exists.", shown(path)),
        )
        .in_command(command)
        .with_hint("Leave out -NoClobber to replace it, or use -Append."));
    }
    let io = |e: io::Error| io_error(&e, path, command, "Write");
    if mode.append {
        let has_content = fs::metadata(path).is_ok_and(|m| m.len() > 0);
        let mut file = open_no_follow(path, true).map_err(io)?;
        if !has_content {
            file.write_all(mode.encoding.preamble()).map_err(io)?;
        }
        return file.write_all(body).map_err(io);
    }
    // Replace atomically: a new file beside the target, then rename it over the target.
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(io(io::Error::from(io::ErrorKind::NotFound)));
    }
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let mut suffix = [0u8; 6];
    getrandom::fill(&mut suffix).map_err(|e| io(io::Error::other(e.to_string())))?;
    let hex: String = suffix.iter().map(|b| format!("{b:02x}")).collect();
    let temp = parent.join(format!(".{name}.{hex}.ccrsh-tmp"));
    let result = (|| {
        let mut file = fs::OpenOptions::new().write(true).create_new(true).open(&temp)?;
        if let Ok(old) = fs::metadata(path) {
            file.set_permissions(old.permissions())?;
        }
        file.write_all(mode.encoding.preamble())?;
        file.write_all(body)?;
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result.map_err(io)
}

/// Opens for appending without following a link at the final component.
fn open_no_follow(path: &Path, append: bool) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new().create(true).append(append).write(true).custom_flags(libc::O_NOFOLLOW).open(path)
}

/// Lines of a text file, read as they are needed (never the whole file), decoded by its
/// byte-order mark or the given encoding.
pub struct LineReader {
    reader: BufReader<fs::File>,
    encoding: Encoding,
    done: bool,
}

impl LineReader {
    pub fn open(path: &Path, encoding: Option<Encoding>) -> io::Result<LineReader> {
        let file = fs::File::open(path)?;
        let mut reader = BufReader::with_capacity(64 * 1024, file);
        let start = reader.fill_buf()?.to_vec();
        let (encoding, skip) = match Encoding::detect(&start) {
            Some((e, n)) => (e, n),
            None => (encoding.unwrap_or_default(), 0),
        };
        reader.consume(skip);
        Ok(LineReader { reader, encoding, done: false })
    }

    fn next_bytes(&mut self) -> io::Result<Option<Vec<u8>>> {
        let unit = self.encoding.unit();
        let mut line = Vec::new();
        if unit == 1 {
            let n = (&mut self.reader).take(MAX_TEXT).read_until(b'\n', &mut line)?;
            if n == 0 {
                return Ok(None);
            }
            if line.last() == Some(&b'\n') {
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
            } else if n as u64 >= MAX_TEXT {
                return Err(io::Error::other("a line is longer than 512 MB"));
            }
            return Ok(Some(line));
        }
        let newline = self.encoding.encode("\n");
        let cr = self.encoding.encode("\r");
        let mut buf = vec![0u8; unit];
        loop {
            match self.reader.read_exact(&mut buf) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    return Ok(if line.is_empty() { None } else { Some(line) });
                }
                Err(e) => return Err(e),
            }
            if buf == newline {
                if line.ends_with(&cr) {
                    line.truncate(line.len() - unit);
                }
                return Ok(Some(line));
            }
            line.extend_from_slice(&buf);
            if line.len() as u64 > MAX_TEXT {
                return Err(io::Error::other("a line is longer than 512 MB"));
            }
        }
    }
}

impl Iterator for LineReader {
    type Item = io::Result<String>;

    fn next(&mut self) -> Option<io::Result<String>> {
        if self.done {
            return None;
        }
        match self.next_bytes() {
            Ok(Some(bytes)) => Some(Ok(self.encoding.decode(&bytes))),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// A whole file as text (`-Raw`), decoded by its byte-order mark or `encoding`; refused past
/// [`MAX_TEXT`].
pub fn read_all_text(path: &Path, encoding: Option<Encoding>) -> io::Result<String> {
    let bytes = read_all_bytes(path)?;
    Ok(match Encoding::detect(&bytes) {
        Some((e, skip)) => e.decode(&bytes[skip..]),
        None => encoding.unwrap_or_default().decode(&bytes),
    })
}

/// A whole file's bytes, refused past [`MAX_TEXT`].
pub fn read_all_bytes(path: &Path) -> io::Result<Vec<u8>> {
    let len = fs::metadata(path)?.len();
    if len > MAX_TEXT {
        return Err(io::Error::other(format!(
            "the file is {len} bytes; ccrsh reads at most 512 MB at once (leave out -Raw to stream its lines)"
        )));
    }
    fs::read(path)
}

/// A file or directory as PowerShell shows it: a FileInfo or DirectoryInfo.
#[derive(Debug)]
pub struct FileSystemItem {
    pub path: PathBuf,
    meta: Option<Metadata>,
}

impl FileSystemItem {
    /// The item at `path` as it is now (not following a final symbolic link for its kind).
    pub fn new(path: PathBuf) -> FileSystemItem {
        let meta = fs::symlink_metadata(&path).ok();
        FileSystemItem { path, meta }
    }

    pub fn value(path: PathBuf) -> Value {
        Value::Object(ObjectRef::new(FileSystemItem::new(path)))
    }

    /// A directory, or a link to one.
    pub fn is_dir(&self) -> bool {
        self.meta.as_ref().is_some_and(|m| m.is_dir() || (m.file_type().is_symlink() && self.path.is_dir()))
    }

    fn is_link(&self) -> bool {
        self.meta.as_ref().is_some_and(|m| m.file_type().is_symlink())
    }

    pub fn name(&self) -> String {
        self.path.file_name().map_or_else(|| shown(&self.path), |n| n.to_string_lossy().to_string())
    }

    fn length(&self) -> i64 {
        fs::metadata(&self.path).map_or(0, |m| m.len() as i64)
    }

    fn time(&self, which: fn(&Metadata) -> io::Result<std::time::SystemTime>) -> Value {
        fs::metadata(&self.path)
            .ok()
            .or_else(|| self.meta.clone())
            .and_then(|m| which(&m).ok())
            .map_or(Value::Null, |t| Value::DateTime(DateTime::<Utc>::from(t)))
    }

    fn read_only(&self) -> bool {
        self.meta.as_ref().is_some_and(|m| m.permissions().readonly())
    }

    /// PowerShell 7's Mode: link or directory, archive, read-only, hidden, system (`-a---`,
    /// `d----`, `la---`).
    pub fn mode(&self) -> String {
        let kind = if self.is_link() {
            'l'
        } else if self.is_dir() {
            'd'
        } else {
            '-'
        };
        let archive = if self.is_dir() { '-' } else { 'a' };
        let read_only = if self.read_only() { 'r' } else { '-' };
        let hidden = if self.name().starts_with('.') { 'h' } else { '-' };
        format!("{kind}{archive}{read_only}{hidden}-")
    }

    fn extension(&self) -> String {
        let name = self.name();
        match name.rfind('.') {
            Some(i) if i > 0 || self.is_dir() => name[i..].to_string(),
            Some(0) if !self.is_dir() => name,
            _ => String::new(),
        }
    }

    fn base_name(&self) -> String {
        let name = self.name();
        if self.is_dir() {
            return name;
        }
        match name.rfind('.') {
            Some(i) if i > 0 => name[..i].to_string(),
            _ => name,
        }
    }

    fn children(&self, pattern: Option<&str>, want_files: bool, want_dirs: bool) -> Value {
        let w = pattern.map(Wildcard::new);
        let mut items: Vec<PathBuf> =
            fs::read_dir(&self.path).map(|entries| entries.flatten().map(|e| e.path()).collect()).unwrap_or_default();
        items.sort();
        Value::array(
            items
                .into_iter()
                .map(FileSystemItem::new)
                .filter(|i| if i.is_dir() { want_dirs } else { want_files })
                .filter(|i| w.as_ref().is_none_or(|w| w.is_match(&i.name())))
                .map(|i| Value::Object(ObjectRef::new(i)))
                .collect(),
        )
    }
}

impl NetObject for FileSystemItem {
    fn type_name(&self) -> String {
        if self.is_dir() { "System.IO.DirectoryInfo".into() } else { "System.IO.FileInfo".into() }
    }

    fn type_names(&self) -> Vec<String> {
        vec![
            self.type_name(),
            "System.IO.FileSystemInfo".into(),
            "System.MarshalByRefObject".into(),
            "System.Object".into(),
        ]
    }

    fn members(&self) -> Vec<Member> {
        let mut members = vec![Member::property("Mode", "string"), Member::settable("LastWriteTime", "datetime")];
        if !self.is_dir() {
            members.push(Member::property("Length", "long"));
        }
        members.extend([
            Member::property("Name", "string"),
            Member::property("FullName", "string"),
            Member::property("Extension", "string"),
            Member::property("BaseName", "string"),
            Member::property("Exists", "bool"),
            Member::settable("CreationTime", "datetime"),
            Member::settable("LastAccessTime", "datetime"),
            Member::property("LastWriteTimeUtc", "datetime"),
            Member::settable("Attributes", "System.IO.FileAttributes"),
            Member::property("PSIsContainer", "bool"),
            Member::property("PSPath", "string"),
            Member::property("PSParentPath", "string"),
            Member::property("PSChildName", "string"),
            Member::property("LinkType", "string"),
            Member::property("Target", "string"),
        ]);
        if self.is_dir() {
            members.extend([
                Member::property("Parent", "System.IO.DirectoryInfo"),
                Member::property("Root", "System.IO.DirectoryInfo"),
            ]);
            members.extend([
                Member::method("Create", "void Create()"),
                Member::method("CreateSubdirectory", "System.IO.DirectoryInfo CreateSubdirectory(string path)"),
                Member::method("GetDirectories", "System.IO.DirectoryInfo[] GetDirectories(), System.IO.DirectoryInfo[] GetDirectories(string searchPattern)"),
                Member::method("GetFiles", "System.IO.FileInfo[] GetFiles(), System.IO.FileInfo[] GetFiles(string searchPattern)"),
                Member::method("GetFileSystemInfos", "System.IO.FileSystemInfo[] GetFileSystemInfos()"),
            ]);
        } else {
            members.extend([
                Member::property("DirectoryName", "string"),
                Member::property("Directory", "System.IO.DirectoryInfo"),
                Member::settable("IsReadOnly", "bool"),
                Member::method("CopyTo", "System.IO.FileInfo CopyTo(string destFileName), System.IO.FileInfo CopyTo(string destFileName, bool overwrite)"),
            ]);
        }
        members.extend([
            Member::method("Delete", "void Delete()"),
            Member::method("MoveTo", "void MoveTo(string destFileName)"),
            Member::method("Refresh", "void Refresh()"),
        ]);
        members
    }

    fn property(&self, name: &str) -> Option<Value> {
        let parent = || self.path.parent().map(Path::to_path_buf);
        Some(match name.to_ascii_lowercase().as_str() {
            "name" | "pschildname" => Value::String(self.name()),
            "fullname" => Value::String(shown(&self.path)),
            "pspath" => Value::String(format!("Microsoft.PowerShell.Core\\FileSystem::{}", shown(&self.path))),
            "psparentpath" => Value::String(format!(
                "Microsoft.PowerShell.Core\\FileSystem::{}",
                parent().map(|p| shown(&p)).unwrap_or_default()
            )),
            "psdrive" => Value::from("/"),
            "psprovider" => Value::from("Microsoft.PowerShell.Core\\FileSystem"),
            "psiscontainer" => Value::Bool(self.is_dir()),
            "mode" => Value::String(self.mode()),
            "length" if !self.is_dir() => Value::Int(self.length()),
            "extension" => Value::String(self.extension()),
            "basename" => Value::String(self.base_name()),
            "exists" => Value::Bool(self.path.exists() || self.is_link()),
            "lastwritetime" | "lastwritetimeutc" => self.time(Metadata::modified),
            "lastaccesstime" | "lastaccesstimeutc" => self.time(Metadata::accessed),
            "creationtime" | "creationtimeutc" => self.time(|m| m.created().or_else(|_| m.modified())),
            "attributes" => Value::String({
                let mut a = Vec::new();
                if self.read_only() {
                    a.push("ReadOnly");
                }
                if self.name().starts_with('.') {
                    a.push("Hidden");
                }
                a.push(if self.is_dir() { "Directory" } else { "Archive" });
                if self.is_link() {
                    a.push("ReparsePoint");
                }
                a.join(", ")
            }),
            "isreadonly" if !self.is_dir() => Value::Bool(self.read_only()),
            "directoryname" if !self.is_dir() => parent().map_or(Value::Null, |p| Value::String(shown(&p))),
            "directory" if !self.is_dir() => parent().map_or(Value::Null, FileSystemItem::value),
            "parent" if self.is_dir() => parent().map_or(Value::Null, FileSystemItem::value),
            "root" => FileSystemItem::value(PathBuf::from("/")),
            "linktype" => {
                if self.is_link() {
                    Value::from("SymbolicLink")
                } else {
                    Value::Null
                }
            }
            "target" => fs::read_link(&self.path).map_or(Value::Null, |t| Value::String(shown(&t))),
            "unixmode" => Value::String(self.meta.as_ref().map_or(String::new(), |m| {
                use std::os::unix::fs::PermissionsExt;
                format!("{:o}", m.permissions().mode() & 0o7777)
            })),
            _ => return None,
        })
    }

    fn set_property(&self, name: &str, value: Value) -> Result<(), ErrorRecord> {
        let fail = |e: io::Error| io_error(&e, &self.path, "Set-ItemProperty", "SetProperty");
        match name.to_ascii_lowercase().as_str() {
            "lastwritetime" | "lastwritetimeutc" | "lastaccesstime" | "creationtime" => {
                let Value::DateTime(t) = crate::shell::eval::convert::cast("datetime", &value)? else {
                    return Err(property_read_only(name));
                };
                let file = fs::File::options()
                    .write(true)
                    .open(&self.path)
                    .or_else(|_| fs::File::open(&self.path))
                    .map_err(fail)?;
                let when: std::time::SystemTime = t.into();
                if name.to_ascii_lowercase().starts_with("lastaccess") {
                    file.set_times(fs::FileTimes::new().set_accessed(when)).map_err(fail)
                } else {
                    file.set_modified(when).map_err(fail)
                }
            }
            "isreadonly" if !self.is_dir() => {
                let mut permissions = fs::metadata(&self.path).map_err(fail)?.permissions();
                permissions.set_readonly(value.is_truthy());
                fs::set_permissions(&self.path, permissions).map_err(fail)
            }
            _ => Err(property_read_only(name)),
        }
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let arg = |i: usize| args.get(i).map(Value::to_display_string).unwrap_or_default();
        let threw = |e: io::Error| method_threw(name, args.len(), &e.to_string());
        Some(match name.to_ascii_lowercase().as_str() {
            "delete" => {
                if self.is_dir() && !self.is_link() { fs::remove_dir(&self.path) } else { fs::remove_file(&self.path) }
                    .map(|_| Value::Null)
                    .map_err(threw)
            }
            "refresh" => Ok(Value::Null),
            "copyto" if !self.is_dir() => {
                let dest = resolve(&arg(0));
                if dest.exists() && !args.get(1).is_some_and(Value::is_truthy) {
                    return Some(Err(method_threw(
                        name,
                        args.len(),
                        &format!("The file '{}' already exists.", shown(&dest)),
                    )));
                }
                fs::copy(&self.path, &dest).map(|_| FileSystemItem::value(dest)).map_err(threw)
            }
            "moveto" => fs::rename(&self.path, resolve(&arg(0))).map(|_| Value::Null).map_err(threw),
            "create" if self.is_dir() || !self.path.exists() => {
                fs::create_dir_all(&self.path).map(|_| Value::Null).map_err(threw)
            }
            "createsubdirectory" if self.is_dir() => {
                let sub = normalize(&self.path.join(arg(0)));
                fs::create_dir_all(&sub).map(|_| FileSystemItem::value(sub)).map_err(threw)
            }
            "getfiles" | "enumeratefiles" if self.is_dir() => {
                Ok(self.children(args.first().map(|_| arg(0)).as_deref(), true, false))
            }
            "getdirectories" | "enumeratedirectories" if self.is_dir() => {
                Ok(self.children(args.first().map(|_| arg(0)).as_deref(), false, true))
            }
            "getfilesysteminfos" | "enumeratefilesysteminfos" if self.is_dir() => {
                Ok(self.children(args.first().map(|_| arg(0)).as_deref(), true, true))
            }
            _ => return None,
        })
    }

    fn to_text(&self) -> String {
        shown(&self.path)
    }

    fn compare(&self, other: &Value) -> Option<std::cmp::Ordering> {
        Some(shown(&self.path).cmp(&other.to_display_string()))
    }

    fn equals(&self, other: &Value) -> bool {
        match other {
            Value::Object(o) => o.downcast::<FileSystemItem>().is_some_and(|f| f.path == self.path),
            _ => false,
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A private directory of its own (a fresh name, removed when the guard drops).
    fn scratch() -> (tempfile::TempDir, PathBuf) {
        // Not tempfile's default `.tmp` prefix: a leading dot would make the folder hidden.
        let guard = tempfile::Builder::new().prefix("ccrsh-fs-").tempdir().expect("scratch dir");
        let dir = guard.path().to_path_buf();
        (guard, dir)
    }

    #[test]
    fn paths_resolve_as_powershell_reads_them() {
        set_location(PathBuf::from("/var/log"));
        assert_eq!(resolve("x.log"), PathBuf::from("/var/log/x.log"));
        assert_eq!(resolve("..\\tmp\\.\\y"), PathBuf::from("/var/tmp/y"));
        assert_eq!(resolve("FileSystem::/etc"), PathBuf::from("/etc"));
        assert_eq!(resolve("/a/../../b"), PathBuf::from("/b"));
    }

    #[test]
    fn writes_are_atomic_and_refuse_links() {
        let (_scratch, dir) = scratch();
        let file = dir.join("report.txt");
        write_text(&file, "one\n", WriteMode::default()).expect("written");
        write_text(&file, "two\n", WriteMode { append: true, ..Default::default() }).expect("appended");
        assert_eq!(fs::read_to_string(&file).ok().as_deref(), Some("one\ntwo\n"));
        write_text(&file, "new\n", WriteMode::default()).expect("replaced");
        assert_eq!(fs::read_to_string(&file).ok().as_deref(), Some("new\n"));
        assert_eq!(fs::read_dir(&dir).map(|d| d.count()).ok(), Some(1), "no temporary file left");
        let outside = dir.join("outside.txt");
        fs::write(&outside, "keep").expect("target");
        let link = dir.join("link.txt");
        std::os::unix::fs::symlink(&outside, &link).expect("link");
        assert!(write_text(&link, "x", WriteMode::default()).is_err());
        assert!(write_text(&link, "x", WriteMode { append: true, ..Default::default() }).is_err());
        assert_eq!(fs::read_to_string(&outside).ok().as_deref(), Some("keep"), "the link's target is untouched");
        let e = write_text(&dir.join("no/such/dir.txt"), "x", WriteMode::default()).expect_err("no folder");
        assert!(e.message.starts_with("Could not find a part of the path"), "{}", e.message);
        let e = write_text(&file, "x", WriteMode { no_clobber: true, ..Default::default() }).expect_err("exists");
        assert_eq!(e.error_id, "NoClobber");
    }

    #[test]
    fn lines_stream_in_any_encoding() {
        let (_scratch, dir) = scratch();
        let file = dir.join("u16.txt");
        write_text(&file, "a\r\nb\nc", WriteMode { encoding: Encoding::Utf16Le, ..Default::default() })
            .expect("written");
        let lines: Vec<String> = LineReader::open(&file, None).expect("open").map(|l| l.expect("line")).collect();
        assert_eq!(lines, ["a", "b", "c"]);
    }

    #[test]
    fn items_describe_files_and_folders() {
        let (_scratch, dir) = scratch();
        fs::write(dir.join("E00.log"), "12345").expect("file");
        let Value::Object(f) = FileSystemItem::value(dir.join("E00.log")) else { panic!("object") };
        assert_eq!(f.property("Length"), Some(Value::Int(5)));
        assert_eq!(f.property("Extension"), Some(Value::from(".log")));
        assert_eq!(f.property("BaseName"), Some(Value::from("E00")));
        assert!(f.is_a("System.IO.FileInfo") && f.is_a("FileSystemInfo"));
        let Value::Object(d) = FileSystemItem::value(dir.clone()) else { panic!("object") };
        assert!(d.is_a("System.IO.DirectoryInfo"));
        assert_eq!(d.property("Mode").map(|m| m.to_display_string()), Some("d----".into()));
        let found = expand(&format!("{}/*.log", dir.display()), false);
        assert_eq!(found, vec![dir.join("E00.log")]);
    }
}
