//! A node's files as the item cmdlets see them: inside a node session (`Enter-PSSession
//! NODE`, `Invoke-Command -ComputerName NODE`) a `C:\…` path, and from anywhere a
//! `\\NODE\c$\…` path, names the node's lab files through `GET /v1/lab/files` (ccrd maps each
//! storage group copy's folder; service::node_files). `Get-ChildItem`, `Get-Item`,
//! `Test-Path` and `Get-Content` read them, and `Set-Location` moves into a node's folder (then
//! relative paths in the session name the node's files from there); every cmdlet that writes
//! refuses such a path before doing anything.
//!
//! Owns: recognising a node path, the session's node location, the FileInfo/DirectoryInfo
//! records, the write refusal.
//!
//! Must not: touch the local file system.

use super::{Context, client_error};
use crate::api::{self, routes};
use crate::shell::bind::Invocation;
use crate::shell::client::ClientError;
use crate::shell::error_record::ErrorRecord;
use crate::shell::value::{Record, Value};
use crate::shell::wildcard::Wildcard;

/// A path on a node: the node, the Windows path on it, and how the user spelled the root
/// (`C:` or `\\NODE\c$`), so results read back in the same form.
pub struct NodePath {
    pub node: String,
    pub windows: String,
    shown_root: String,
}

thread_local! {
    /// The location inside a node session after `Set-Location C:\…`: the node and the
    /// Windows folder. Relative paths in that session name the node's files from there.
    static LOCATION: std::cell::RefCell<Option<(String, String)>> = const { std::cell::RefCell::new(None) };
}

/// `text` as a node path: `\\NODE\c$\…` anywhere, `C:\…` inside a node session, and a
/// relative path inside a node session whose location is a node folder.
pub fn node_path(text: &str, cx: &Context<'_>) -> Option<NodePath> {
    let computer = cx.engine.computer();
    node_path_from(text, || computer.clone()).or_else(|| relative_to_location(text, computer.as_deref()?))
}

/// The session's node location, if the session is on `node` and has one.
fn location_on(node: &str) -> Option<String> {
    LOCATION.with(|l| l.borrow().as_ref().filter(|(n, _)| n.eq_ignore_ascii_case(node)).map(|(_, w)| w.clone()))
}

/// A relative path (`E00*.log`, `.`, `..\Second Storage Group`) against the node location.
fn relative_to_location(text: &str, node: &str) -> Option<NodePath> {
    let here = location_on(node)?;
    let text = text.trim().replace('/', "\\");
    if text.contains(':') || text.starts_with('\\') || text.starts_with('~') {
        return None;
    }
    let mut parts: Vec<&str> = here.split('\\').filter(|p| !p.is_empty()).collect();
    for part in text.split('\\') {
        match part {
            "" | "." => {}
            ".." if parts.len() > 1 => {
                parts.pop();
            }
            ".." => {}
            other => parts.push(other),
        }
    }
    let windows = parts.join("\\");
    let windows = if parts.len() == 1 { format!("{windows}\\") } else { windows };
    Some(NodePath { node: node.to_string(), shown_root: windows[..2].to_string(), windows })
}

/// The node location to show (`Get-Location` in a node session), if there is one.
pub fn location(cx: &Context<'_>) -> Option<String> {
    location_on(&cx.engine.computer()?)
}

/// `Set-Location` to a node path: the folder must be one the lab maps on the node. Any other
/// `Set-Location` leaves the node location (`None`).
pub fn set_location(path: Option<&NodePath>, cx: &mut Context<'_>) -> Result<(), ErrorRecord> {
    let Some(path) = path else {
        LOCATION.with(|l| *l.borrow_mut() = None);
        return Ok(());
    };
    match look_up(path, &path.windows, cx)? {
        Some(found) if found.item.directory => {
            LOCATION.with(|l| *l.borrow_mut() = Some((path.node.clone(), found.item.full_name)));
            Ok(())
        }
        _ => Err(not_found(path, "Set-Location")),
    }
}

/// As [`node_path`], with the session's node (`computer`, asked only for a `C:\…` path).
fn node_path_from(text: &str, computer: impl FnOnce() -> Option<String>) -> Option<NodePath> {
    let text = text.trim();
    let unified = text.replace('/', "\\");
    if let Some(rest) = unified.strip_prefix("\\\\") {
        let mut parts = rest.splitn(3, '\\');
        let host = parts.next()?;
        let share = parts.next()?;
        if !share.eq_ignore_ascii_case("c$") || host.is_empty() {
            return None;
        }
        let node = host.split('.').next().unwrap_or_default().to_string();
        let tail = parts.next().unwrap_or_default();
        return Some(NodePath { windows: format!("C:\\{tail}"), shown_root: format!("\\\\{}\\{share}", host), node });
    }
    let node = computer()?;
    let bytes = unified.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if !drive || (bytes.len() > 2 && bytes[2] != b'\\') {
        return None;
    }
    Some(NodePath { node, windows: unified.clone(), shown_root: unified[..2].to_string() })
}

impl NodePath {
    /// A Windows path from ccrd in the user's spelling.
    pub fn shown(&self, windows: &str) -> String {
        format!("{}{}", self.shown_root, windows.get(2..).unwrap_or_default())
    }

    /// The path as the user named it.
    pub fn shown_path(&self) -> String {
        self.shown(&self.windows)
    }
}

/// What ccrd reports at `path`; `None` when nothing is there.
fn look_up(path: &NodePath, windows: &str, cx: &mut Context<'_>) -> Result<Option<api::LabPath>, ErrorRecord> {
    let query = api::LabFilesQuery { node: path.node.clone(), path: windows.to_string(), content: false };
    match cx.client.get::<api::LabPath>(routes::LAB_FILES, &query) {
        Ok(found) => Ok(Some(found)),
        Err(ClientError::Rejected(body)) if body.code == api::ErrorCode::ManagementObjectNotFound => Ok(None),
        Err(other) => Err(client_error(other)),
    }
}

/// `Get-Content` on a node path: the file's bytes; `None` (with PowerShell's error pushed)
/// when it names no file there.
pub fn content(path: &NodePath, cx: &mut Context<'_>) -> Result<Option<Vec<u8>>, ErrorRecord> {
    let query = api::LabFilesQuery { node: path.node.clone(), path: path.windows.clone(), content: true };
    let found = match cx.client.get::<api::LabPath>(routes::LAB_FILES, &query) {
        Ok(found) => found,
        Err(ClientError::Rejected(body)) if body.code == api::ErrorCode::ManagementObjectNotFound => {
            cx.errors.push(not_found(path, "Get-Content"));
            return Ok(None);
        }
        Err(other) => return Err(client_error(other)),
    };
    if found.item.directory {
        cx.errors.push(
            ErrorRecord::new(
                "GetContentReaderUnauthorizedAccessError",
                "PermissionDenied",
                format!("Access to the path '{}' is denied.", path.shown_path()),
            )
            .in_command("Get-Content")
            .exception("System.UnauthorizedAccessException")
            .with_hint("Get-ChildItem lists a folder; Get-Content reads a file."),
        );
        return Ok(None);
    }
    use base64::Engine as _;
    let text = found.content.unwrap_or_default();
    base64::engine::general_purpose::STANDARD.decode(text.as_bytes()).map(Some).map_err(|e| {
        ErrorRecord::new("GetContentReaderIOError", "ReadError", format!("ccrd sent an unreadable file: {e}."))
            .in_command("Get-Content")
    })
}

/// The items a path names: the item itself, or with a wildcard in its last part the matching
/// items of its folder.
fn items(path: &NodePath, cx: &mut Context<'_>) -> Result<Vec<(api::LabFile, Vec<api::LabFile>)>, ErrorRecord> {
    let leaf_start = path.windows.rfind('\\').map_or(0, |i| i + 1);
    let leaf = &path.windows[leaf_start..];
    if !Wildcard::has_wildcards(leaf) {
        return Ok(look_up(path, &path.windows, cx)?.map(|p| (p.item, p.children)).into_iter().collect());
    }
    let wildcard = Wildcard::new(leaf);
    let parent = path.windows[..leaf_start].to_string();
    Ok(look_up(path, &parent, cx)?
        .map(|p| p.children)
        .unwrap_or_default()
        .into_iter()
        .filter(|f| wildcard.is_match(&f.name))
        .map(|f| (f, Vec::new()))
        .collect())
}

fn not_found(path: &NodePath, command: &str) -> ErrorRecord {
    ErrorRecord::new(
        "PathNotFound",
        "ObjectNotFound",
        format!("Cannot find path '{}' because it does not exist.", path.shown_path()),
    )
    .in_command(command)
    .exception("System.Management.Automation.ItemNotFoundException")
    .with_hint(format!(
        "On {} the lab shows each storage group copy's folder (LogFolderPath of Get-StorageGroup) and its files.",
        path.node
    ))
}

/// A FileInfo or DirectoryInfo as Get-ChildItem writes it.
fn record(path: &NodePath, file: &api::LabFile) -> Value {
    let full = path.shown(&file.full_name);
    let parent = full.rsplit_once('\\').map(|(p, _)| p.to_string()).unwrap_or_default();
    let (base, extension) = match file.name.rfind('.') {
        Some(i) if !file.directory => (file.name[..i].to_string(), file.name[i..].to_string()),
        _ => (file.name.clone(), String::new()),
    };
    let mut record = Record::new(if file.directory { "System.IO.DirectoryInfo" } else { "System.IO.FileInfo" })
        .with_text(full.clone())
        .with("PSPath", format!("Microsoft.PowerShell.Core\\FileSystem::{full}"))
        .with("PSComputerName", path.node.clone())
        .with("PSIsContainer", file.directory)
        .with("Mode", if file.directory { "d----" } else { "-a---" })
        .with("Name", file.name.clone())
        .with("FullName", full)
        .with("BaseName", base)
        .with("Extension", extension)
        .with("LastWriteTime", file.last_write_time)
        .with("LastWriteTimeUtc", file.last_write_time)
        .with("IsReadOnly", false);
    record = if file.directory {
        record.with("Parent", parent)
    } else {
        record.with("Length", file.length).with("DirectoryName", parent)
    };
    record.into()
}

/// `Get-ChildItem` on a node path: a folder's files, or the items a wildcard matches.
pub fn child_items(path: &NodePath, call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let found = items(path, cx)?;
    let leaf = path.windows.rsplit('\\').next().unwrap_or_default();
    if found.is_empty() && !Wildcard::has_wildcards(leaf) {
        cx.errors.push(not_found(path, "Get-ChildItem"));
    }
    let filter = call.string("Filter").map(|f| Wildcard::new(&f));
    let mut listed = Vec::new();
    for (item, children) in found {
        if item.directory && !Wildcard::has_wildcards(leaf) {
            listed.extend(children);
        } else {
            listed.push(item);
        }
    }
    Ok(listed
        .iter()
        .filter(|f| filter.as_ref().is_none_or(|w| w.is_match(&f.name)))
        .filter(|f| if f.directory { !call.switch("File") } else { !call.switch("Directory") })
        .map(|f| if call.switch("Name") { Value::String(f.name.clone()) } else { record(path, f) })
        .collect())
}

/// `Get-Item` on a node path.
pub fn item(path: &NodePath, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let found = items(path, cx)?;
    let leaf = path.windows.rsplit('\\').next().unwrap_or_default();
    if found.is_empty() && !Wildcard::has_wildcards(leaf) {
        cx.errors.push(not_found(path, "Get-Item"));
    }
    Ok(found.iter().map(|(f, _)| record(path, f)).collect())
}

/// `Test-Path` on a node path, with `-PathType` as `kind` (lower case).
pub fn exists(path: &NodePath, kind: &str, cx: &mut Context<'_>) -> Result<bool, ErrorRecord> {
    Ok(items(path, cx)?.iter().any(|(f, _)| match kind {
        "container" => f.directory,
        "leaf" => !f.directory,
        _ => true,
    }))
}

/// The parameters through which a cmdlet names what it writes.
const WRITTEN: [&str; 5] = ["Path", "LiteralPath", "Destination", "FilePath", "NewName"];

/// Refuses a write to a node path before anything is done.
fn refuse_node_writes(call: &Invocation<'_>, cx: &Context<'_>) -> Result<(), ErrorRecord> {
    for parameter in WRITTEN {
        let Some(value) = call.get(parameter) else { continue };
        for (text, _) in super::items::value_paths(value) {
            if let Some(path) = node_path(&text, cx) {
                return Err(node_write_refused(&path, &call.spec.name));
            }
        }
    }
    Ok(())
}

/// Refuses a redirection (`> PATH`, run as `Out-File`) to a node path: `computer` is the node
/// of the session, if any.
pub fn refuse_redirection_to_node(text: &str, computer: impl FnOnce() -> Option<String>) -> Result<(), ErrorRecord> {
    match node_path_from(text, computer) {
        Some(path) => Err(node_write_refused(&path, "Out-File")),
        None => Ok(()),
    }
}

fn node_write_refused(path: &NodePath, command: &str) -> ErrorRecord {
    ErrorRecord::new(
        "NodeFilesReadOnly",
        "PermissionDenied",
        format!("Access to the path '{}' is denied: the lab shows {}'s Exchange files read-only.", path.shown_path(), path.node),
    )
    .in_command(command)
    .exception("System.UnauthorizedAccessException")
    .with_hint(
        "Change a copy's files through Exchange (Suspend-/Resume-/Update-StorageGroupCopy, Send-LabMail, Set-LabFault); write your own files on the workstation.",
    )
}

/// The write cmdlets, each refusing node paths first.
macro_rules! read_only_on_nodes {
    ($($name:ident => $inner:path),* $(,)?) => {$(
        pub fn $name(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
            refuse_node_writes(call, cx)?;
            $inner(call, cx)
        }
    )*};
}

read_only_on_nodes! {
    new_item => super::items::new_item,
    remove_item => super::items::remove_item,
    copy_item => super::items::copy_item,
    move_item => super::items::move_item,
    rename_item => super::items::rename_item,
    set_content => super::content::set_content,
    add_content => super::content::add_content,
    clear_content => super::content::clear_content,
    out_file => super::content::out_file,
    export_csv => super::csv::export_csv,
    tee_object => super::text::tee_object,
}
