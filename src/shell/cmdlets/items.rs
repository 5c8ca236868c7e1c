//! The FileSystem provider's item cmdlets: `Get-ChildItem`, `Get-Item`, `Test-Path`,
//! `New-Item`, `Remove-Item`, `Copy-Item`, `Move-Item`, `Rename-Item`, and the path arguments
//! they share (`-Path` with wildcards, `-LiteralPath`, file objects piped in).
//!
//! Recursion never descends into a linked directory and a removal removes a link, never what
//! it points to, so nothing outside the tree the user named is touched. Errors carry
//! PowerShell's ids (`PathNotFound,Microsoft.PowerShell.Commands.GetItemCommand`).
//!
//! Owns: those cmdlets and [`targets`]. Must not: print; path rules and file objects are
//! `runtime::filesystem`'s.

use std::fs;
use std::path::{Path, PathBuf};

use super::{Context, drives, node_items};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::eval::Confirmation;
use crate::shell::eval::members::property;
use crate::shell::runtime::filesystem::{self as files, FileSystemItem, io_error, path_not_found, shown};
use crate::shell::runtime::path_info::PathInfo;
use crate::shell::spec::ConfirmImpact;
use crate::shell::value::Value;
use crate::shell::wildcard::Wildcard;

/// One path argument: its text, and whether it is literal (`-LiteralPath`, or a file object
/// piped in) rather than a pattern.
pub struct Target {
    pub text: String,
    pub literal: bool,
}

/// The texts a value names as paths: strings as given, file objects and resolved paths by
/// their full path, other objects by their `PSPath`/`FullName`/`Path` property.
pub fn value_paths(value: &Value) -> Vec<(String, bool)> {
    match value {
        Value::Null => Vec::new(),
        Value::Array(items) => items.borrow().iter().flat_map(value_paths).collect(),
        Value::Object(o) => {
            if let Some(item) = o.downcast::<FileSystemItem>() {
                vec![(shown(&item.path), true)]
            } else if let Some(info) = o.downcast::<PathInfo>() {
                vec![(shown(&info.path), true)]
            } else {
                vec![(value.to_display_string(), false)]
            }
        }
        Value::String(s) => vec![(s.clone(), false)],
        other => {
            for name in ["PSPath", "FullName"] {
                if let Value::String(p) = property(other, name) {
                    return vec![(p, true)];
                }
            }
            vec![(other.to_display_string(), false)]
        }
    }
}

/// The paths a call names in `-Path` (or `path_parameter`) and `-LiteralPath`; `default` when
/// neither was given.
pub fn targets(call: &Invocation<'_>, path_parameter: &str, default: Option<&str>) -> Vec<Target> {
    let mut out: Vec<Target> = Vec::new();
    if let Some(v) = call.get(path_parameter) {
        out.extend(value_paths(v).into_iter().map(|(text, literal)| Target { text, literal }));
    }
    if let Some(v) = call.get("LiteralPath") {
        out.extend(value_paths(v).into_iter().map(|(text, _)| Target { text, literal: true }));
    }
    if out.is_empty()
        && call.get(path_parameter).is_none()
        && call.get("LiteralPath").is_none()
        && let Some(d) = default
    {
        out.push(Target { text: d.to_string(), literal: false });
    }
    out
}

/// `Cannot bind argument to parameter 'Path' because it is an empty string.`
fn empty_path(command: &str) -> ErrorRecord {
    ErrorRecord::new(
        "ParameterArgumentValidationErrorEmptyStringNotAllowed",
        "InvalidData",
        "Cannot bind argument to parameter 'Path' because it is an empty string.".into(),
    )
    .in_command(command)
    .exception("System.Management.Automation.ParameterBindingValidationException")
    .with_hint("Give a path; check that the variable holding it is set.")
}

/// The existing paths a target names; a literal or wildcard-free target that does not exist
/// is PowerShell's PathNotFound, pushed as a non-terminating error.
fn existing(target: &Target, cx: &mut Context<'_>, command: &str) -> Vec<PathBuf> {
    if let Some(error) = files::drive_not_found(&target.text, command) {
        cx.errors.push(error);
        return Vec::new();
    }
    let found = files::expand(&target.text, target.literal);
    let has_wildcards = !target.literal && Wildcard::has_wildcards(&target.text.replace('\\', "/"));
    if has_wildcards {
        return found;
    }
    found
        .into_iter()
        .filter(|p| {
            let exists = fs::symlink_metadata(p).is_ok();
            if !exists {
                cx.errors.push(path_not_found(p, command));
            }
            exists
        })
        .collect()
}

fn wildcards(call: &Invocation<'_>, name: &str) -> Vec<Wildcard> {
    call.strings(name).unwrap_or_default().iter().map(|p| Wildcard::new(p)).collect()
}

fn name_of(path: &Path) -> String {
    path.file_name().map_or_else(|| shown(path), |n| n.to_string_lossy().to_string())
}

fn is_real_dir(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.is_dir())
}

/// A directory's entries as the FileSystem provider lists them: folders first, then files,
/// each by name; dot-files (hidden on Unix) only with `force`.
fn entries(dir: &Path, force: bool) -> std::io::Result<Vec<PathBuf>> {
    let mut dirs = Vec::new();
    let mut others = Vec::new();
    for entry in fs::read_dir(dir)?.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if !force && name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() { dirs.push(path) } else { others.push(path) }
    }
    dirs.sort();
    others.sort();
    dirs.extend(others);
    Ok(dirs)
}

struct Listing {
    filter: Option<Wildcard>,
    include: Vec<Wildcard>,
    exclude: Vec<Wildcard>,
    files_only: bool,
    dirs_only: bool,
    force: bool,
    depth: Option<i64>,
    names: bool,
}

impl Listing {
    fn wanted(&self, path: &Path) -> bool {
        let name = name_of(path);
        let is_dir = path.is_dir();
        (!self.files_only || !is_dir)
            && (!self.dirs_only || is_dir)
            && self.filter.as_ref().is_none_or(|w| w.is_match(&name))
            && (self.include.is_empty() || self.include.iter().any(|w| w.is_match(&name)))
            && !self.exclude.iter().any(|w| w.is_match(&name))
    }

    fn list(&self, dir: &Path, root: &Path, level: i64, out: &mut Vec<Value>, cx: &mut Context<'_>) {
        let children = match entries(dir, self.force) {
            Ok(c) => c,
            Err(e) => {
                cx.errors.push(io_error(&e, dir, "Get-ChildItem", "Dir"));
                return;
            }
        };
        for child in &children {
            if self.wanted(child) {
                out.push(if self.names {
                    Value::String(relative(child, root))
                } else {
                    FileSystemItem::value(child.clone())
                });
            }
        }
        if self.depth.is_some_and(|d| level >= d) {
            return;
        }
        for child in children.iter().filter(|c| is_real_dir(c)) {
            self.list(child, root, level + 1, out, cx);
        }
    }
}

fn relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root).map_or_else(|_| shown(path), |p| p.display().to_string())
}

pub fn get_child_item(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let depth = call.int("Depth");
    let listing = Listing {
        filter: call.string("Filter").map(|f| Wildcard::new(&f)),
        include: wildcards(call, "Include"),
        exclude: wildcards(call, "Exclude"),
        files_only: call.switch("File"),
        dirs_only: call.switch("Directory"),
        force: call.switch("Force"),
        depth: if call.switch("Recurse") || depth.is_some() { depth } else { Some(0) },
        names: call.switch("Name"),
    };
    let mut out = Vec::new();
    for target in targets(call, "Path", Some(".")) {
        if target.text.is_empty() {
            return Err(empty_path("Get-ChildItem"));
        }
        if let Some(path) = node_items::node_path(&target.text, cx) {
            out.extend(node_items::child_items(&path, call, cx)?);
            continue;
        }
        if let Some((drive, name)) = drives::split(&target.text) {
            out.extend(drives::items(drive, &name, cx));
            continue;
        }
        let pattern = !target.literal && Wildcard::has_wildcards(&target.text.replace('\\', "/"));
        for path in existing(&target, cx, "Get-ChildItem") {
            if path.is_dir() && !pattern {
                listing.list(&path, &path, 0, &mut out, cx);
            } else if listing.wanted(&path) || (pattern && listing.include.is_empty() && listing.filter.is_none()) {
                let parent = path.parent().map(Path::to_path_buf).unwrap_or_default();
                out.push(if listing.names {
                    Value::String(name_of(&path))
                } else {
                    FileSystemItem::value(path.clone())
                });
                if pattern && is_real_dir(&path) && call.switch("Recurse") {
                    listing.list(&path, &parent, 1, &mut out, cx);
                }
            }
        }
    }
    Ok(out)
}

pub fn get_item(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let mut out = Vec::new();
    for target in targets(call, "Path", None) {
        if target.text.is_empty() {
            return Err(empty_path("Get-Item"));
        }
        if let Some(path) = node_items::node_path(&target.text, cx) {
            out.extend(node_items::item(&path, cx)?);
            continue;
        }
        if let Some((drive, name)) = drives::split(&target.text) {
            let found = drives::items(drive, &name, cx);
            if found.is_empty() && !Wildcard::has_wildcards(&name) {
                cx.errors.push(drives::not_found(drive, &name, "Get-Item"));
            }
            out.extend(found);
            continue;
        }
        out.extend(existing(&target, cx, "Get-Item").into_iter().map(FileSystemItem::value));
    }
    Ok(out)
}

pub fn test_path(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let kind = call.string("PathType").unwrap_or_else(|| "Any".into()).to_ascii_lowercase();
    let targets = targets(call, "Path", None);
    if targets.is_empty() || targets.iter().any(|t| t.text.is_empty()) {
        return Err(empty_path("Test-Path"));
    }
    targets
        .iter()
        .map(|target| {
            if call.switch("IsValid") {
                return Ok(Value::Bool(!target.text.contains('\0')));
            }
            if let Some(path) = node_items::node_path(&target.text, cx) {
                return node_items::exists(&path, &kind, cx).map(Value::Bool);
            }
            if let Some((drive, name)) = drives::split(&target.text) {
                return Ok(Value::Bool(match kind.as_str() {
                    "container" => name.is_empty(),
                    "leaf" => !name.is_empty() && drives::exists(drive, &name, cx),
                    _ => drives::exists(drive, &name, cx),
                }));
            }
            let found = files::expand(&target.text, target.literal);
            Ok(Value::Bool(found.iter().any(|p| {
                let Ok(meta) = fs::metadata(p).or_else(|_| fs::symlink_metadata(p)) else { return false };
                match kind.as_str() {
                    "container" => meta.is_dir(),
                    "leaf" => !meta.is_dir(),
                    _ => true,
                }
            })))
        })
        .collect()
}

pub fn confirm(call: &Invocation<'_>, cx: &mut Context<'_>, action: &str, target: &str) -> Result<bool, ErrorRecord> {
    cx.engine.should_process(&Confirmation {
        command: &call.spec.name,
        impact: call.spec.confirm_impact.unwrap_or(ConfirmImpact::Medium),
        target,
        action,
        message: None,
        what_if: call.common("WhatIf").map(Value::is_truthy),
        confirm: call.common("Confirm").map(Value::is_truthy),
        verbose: call.common("Verbose").is_some_and(Value::is_truthy),
    })
}

pub fn new_item(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let kind = call.string("ItemType").unwrap_or_else(|| "File".into()).to_ascii_lowercase();
    let directory = match kind.as_str() {
        "directory" | "container" => true,
        "file" => false,
        other => {
            return Err(ErrorRecord::new(
                "NewItemUnsupportedItemType",
                "InvalidArgument",
                format!("The type '{other}' is not a known type for the file system. Only \"file\" and \"directory\" can be created."),
            )
            .in_command("New-Item")
            .with_hint("Use -ItemType File or -ItemType Directory."));
        }
    };
    let force = call.switch("Force");
    let mut paths: Vec<String> = call.strings("Path").unwrap_or_default();
    if paths.is_empty() {
        paths.push(".".into());
    }
    let name = call.string("Name");
    let mut out = Vec::new();
    for text in paths {
        let drive_path = match &name {
            Some(n) if text.ends_with(':') => format!("{text}{n}"),
            _ => text.clone(),
        };
        if let Some((drive, item)) = drives::split(&drive_path) {
            let value = call.get("Value").cloned().unwrap_or(Value::String(String::new()));
            if drives::exists(drive, &item, cx) && !force {
                cx.errors.push(
                    ErrorRecord::new(
                        "NewItemIOError",
                        "ResourceExists",
                        format!("The item at path '{drive_path}' already exists."),
                    )
                    .in_command("New-Item")
                    .with_hint("Add -Force to replace it."),
                );
                continue;
            }
            if confirm(call, cx, "New Item", &drive_path)? {
                drives::set(drive, &item, value, "New-Item", cx)?;
                out.extend(drives::items(drive, &item, cx));
            }
            continue;
        }
        let path = match &name {
            Some(n) => files::resolve(&text).join(n.replace('\\', "/")),
            None => files::resolve(&text),
        };
        let path = files::normalize(&path);
        let action = if directory { "Create Directory" } else { "Create File" };
        if !confirm(call, cx, action, &format!("Destination: {}", shown(&path)))? {
            continue;
        }
        if fs::symlink_metadata(&path).is_ok() {
            if directory && path.is_dir() {
                if force {
                    out.push(FileSystemItem::value(path));
                } else {
                    cx.errors.push(
                        ErrorRecord::new(
                            "DirectoryExist",
                            "ResourceExists",
                            format!("An item with the specified name {} already exists.", shown(&path)),
                        )
                        .in_command("New-Item")
                        .exception("System.IO.IOException")
                        .with_hint("Add -Force to get the existing folder instead of an error."),
                    );
                }
                continue;
            }
            if !force || path.is_dir() {
                cx.errors.push(
                    ErrorRecord::new(
                        "NewItemIOError",
                        "WriteError",
                        format!("The file '{}' already exists.", shown(&path)),
                    )
                    .in_command("New-Item")
                    .exception("System.IO.IOException")
                    .with_hint("Add -Force to replace it."),
                );
                continue;
            }
        }
        let parent = path.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("/"));
        if force && !parent.exists() {
            fs::create_dir_all(&parent).map_err(|e| io_error(&e, &parent, "New-Item", "NewItem"))?;
        }
        let result = if directory {
            fs::create_dir(&path).map_err(|e| io_error(&e, &path, "New-Item", "NewItem"))
        } else {
            let text = call.get("Value").map(Value::to_display_string).unwrap_or_default();
            files::write_text(&path, &text, files::WriteMode::default()).map_err(|e| e.in_command("New-Item"))
        };
        match result {
            Ok(()) => out.push(FileSystemItem::value(path)),
            Err(e) => cx.errors.push(e),
        }
    }
    Ok(out)
}

/// Removes `path`: a file or link by itself, a folder with everything under it (links inside
/// removed as links, never followed).
fn remove_tree(path: &Path) -> std::io::Result<()> {
    let meta = fs::symlink_metadata(path)?;
    if meta.is_dir() {
        for entry in fs::read_dir(path)?.flatten() {
            remove_tree(&entry.path())?;
        }
        fs::remove_dir(path)
    } else {
        fs::remove_file(path)
    }
}

pub fn remove_item(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let include = wildcards(call, "Include");
    let exclude = wildcards(call, "Exclude");
    let filter = call.string("Filter").map(|f| Wildcard::new(&f));
    let recurse = call.switch("Recurse");
    for target in targets(call, "Path", None) {
        if target.text.is_empty() {
            return Err(empty_path("Remove-Item"));
        }
        if let Some((drive, name)) = drives::split(&target.text) {
            if confirm(call, cx, "Remove Item", &target.text)?
                && let Err(e) = drives::remove(drive, &name, "Remove-Item", cx)
            {
                cx.errors.push(e);
            }
            continue;
        }
        for path in existing(&target, cx, "Remove-Item") {
            let name = name_of(&path);
            if (!include.is_empty() && !include.iter().any(|w| w.is_match(&name)))
                || exclude.iter().any(|w| w.is_match(&name))
                || filter.as_ref().is_some_and(|w| !w.is_match(&name))
            {
                continue;
            }
            let dir = is_real_dir(&path);
            let action = if dir { "Remove Directory" } else { "Remove File" };
            if !confirm(call, cx, action, &shown(&path))? {
                continue;
            }
            if dir && !recurse && fs::read_dir(&path).is_ok_and(|mut d| d.next().is_some()) {
                cx.errors.push(
                    ErrorRecord::new(
                        "DirectoryNotEmpty",
                        "WriteError",
                        format!(
                            "The item at {} has children and the Recurse parameter was not specified. Nothing was removed.",
                            shown(&path)
                        ),
                    )
                    .in_command("Remove-Item")
                    .exception("System.IO.IOException")
                    .with_hint("Add -Recurse to remove the folder and everything in it."),
                );
                continue;
            }
            if let Err(e) = remove_tree(&path) {
                cx.errors.push(io_error(&e, &path, "Remove-Item", "RemoveFileSystemItem"));
            }
        }
    }
    Ok(Vec::new())
}

/// Copies `from` to `to`: a file's bytes and permissions, a folder (its contents only with
/// `recurse`), a link as a link.
fn copy_tree(from: &Path, to: &Path, recurse: bool) -> std::io::Result<()> {
    let meta = fs::symlink_metadata(from)?;
    if meta.file_type().is_symlink() {
        let target = fs::read_link(from)?;
        if fs::symlink_metadata(to).is_ok() {
            fs::remove_file(to)?;
        }
        return std::os::unix::fs::symlink(target, to);
    }
    if meta.is_dir() {
        if !to.is_dir() {
            fs::create_dir(to)?;
        }
        if recurse {
            for entry in fs::read_dir(from)?.flatten() {
                copy_tree(&entry.path(), &to.join(entry.file_name()), true)?;
            }
        }
        return Ok(());
    }
    if fs::symlink_metadata(to).is_ok_and(|m| m.file_type().is_symlink()) {
        fs::remove_file(to)?;
    }
    fs::copy(from, to).map(|_| ())
}

fn destination(call: &Invocation<'_>, source: &Path) -> PathBuf {
    let dest = files::resolve(&call.string("Destination").unwrap_or_else(|| ".".into()));
    if dest.is_dir() { dest.join(name_of(source)) } else { dest }
}

fn same_or_inside(source: &Path, dest: &Path) -> bool {
    dest == source || (is_real_dir(source) && dest.starts_with(source))
}

pub fn copy_item(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let mut out = Vec::new();
    for target in targets(call, "Path", None) {
        for source in existing(&target, cx, "Copy-Item") {
            let dest = destination(call, &source);
            if same_or_inside(&source, &dest) {
                cx.errors.push(
                    ErrorRecord::new(
                        "CopyError",
                        "WriteError",
                        format!("Cannot overwrite the item {} with itself.", shown(&source)),
                    )
                    .in_command("Copy-Item")
                    .with_hint("Name a -Destination outside the item copied."),
                );
                continue;
            }
            if !confirm(call, cx, "Copy File", &format!("Item: {} Destination: {}", shown(&source), shown(&dest)))? {
                continue;
            }
            match copy_tree(&source, &dest, call.switch("Recurse")) {
                Ok(()) if call.switch("PassThru") => out.push(FileSystemItem::value(dest)),
                Ok(()) => {}
                Err(e) => cx.errors.push(io_error(&e, &dest, "Copy-Item", "CopyFileInfoItem")),
            }
        }
    }
    Ok(out)
}

/// Moves with a rename, or (across file systems) a copy then a removal of the original.
fn move_path(from: &Path, to: &Path) -> std::io::Result<()> {
    match fs::rename(from, to) {
        Err(e) if e.raw_os_error() == Some(libc::EXDEV) => {
            copy_tree(from, to, true)?;
            remove_tree(from)
        }
        other => other,
    }
}

fn already_exists(path: &Path, command: &str, id: &str) -> ErrorRecord {
    ErrorRecord::new(
        id,
        "WriteError",
        format!("Cannot create a file when that file already exists: '{}'.", shown(path)),
    )
    .in_command(command)
    .exception("System.IO.IOException")
    .with_hint("Add -Force to replace it, or choose another name.")
}

pub fn move_item(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let mut out = Vec::new();
    for target in targets(call, "Path", None) {
        for source in existing(&target, cx, "Move-Item") {
            let dest = destination(call, &source);
            if same_or_inside(&source, &dest) {
                continue;
            }
            if fs::symlink_metadata(&dest).is_ok() && (!call.switch("Force") || is_real_dir(&dest)) {
                cx.errors.push(already_exists(&dest, "Move-Item", "MoveFileInfoItemIOError"));
                continue;
            }
            if !confirm(call, cx, "Move File", &format!("Item: {} Destination: {}", shown(&source), shown(&dest)))? {
                continue;
            }
            match move_path(&source, &dest) {
                Ok(()) if call.switch("PassThru") => out.push(FileSystemItem::value(dest)),
                Ok(()) => {}
                Err(e) => cx.errors.push(io_error(&e, &dest, "Move-Item", "MoveFileInfoItem")),
            }
        }
    }
    Ok(out)
}

pub fn rename_item(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let new_name = call.string("NewName").unwrap_or_default();
    let mut out = Vec::new();
    for target in targets(call, "Path", None) {
        for source in existing(&target, cx, "Rename-Item") {
            let parent = source.parent().map(Path::to_path_buf).unwrap_or_default();
            let dest = files::normalize(&parent.join(new_name.replace('\\', "/")));
            if dest.parent() != Some(parent.as_path()) || new_name.is_empty() {
                return Err(ErrorRecord::new(
                    "Argument",
                    "InvalidArgument",
                    "Cannot rename the specified target, because it represents a path or device name.".into(),
                )
                .in_command("Rename-Item")
                .exception("System.Management.Automation.PSArgumentException")
                .with_hint("-NewName is a name only; use Move-Item to move an item to another folder."));
            }
            if fs::symlink_metadata(&dest).is_ok() {
                cx.errors.push(already_exists(&dest, "Rename-Item", "RenameItemIOError"));
                continue;
            }
            if !confirm(call, cx, "Rename Item", &format!("Item: {} Destination: {}", shown(&source), shown(&dest)))? {
                continue;
            }
            match fs::rename(&source, &dest) {
                Ok(()) if call.switch("PassThru") => out.push(FileSystemItem::value(dest)),
                Ok(()) => {}
                Err(e) => cx.errors.push(io_error(&e, &source, "Rename-Item", "RenameItem")),
            }
        }
    }
    Ok(out)
}
