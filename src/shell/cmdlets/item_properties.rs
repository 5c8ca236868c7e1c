//! `Get-ItemProperty`, `Get-ItemPropertyValue` and `Set-ItemProperty` on the file system:
//! an item's properties (all, or those `-Name` names) with PowerShell's `PSPath`,
//! `PSParentPath`, `PSChildName`, `PSDrive` and `PSProvider`; and the properties a script may
//! set on a file or folder: `IsReadOnly`, `Attributes` (`ReadOnly`, `Normal`),
//! `LastWriteTime` and `LastAccessTime`.
//!
//! Must not: follow a final symbolic link when it changes times or permissions (the change
//! is to the path the user named), or change anything under `-WhatIf`.

use std::fs;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::items::{Target, confirm, targets};
use super::{Context, drives, node_items};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::runtime::filesystem::{self as files, FileSystemItem, path_not_found, shown};
use crate::shell::value::{Record, Value};
use crate::shell::wildcard::Wildcard;

/// The paths a command names that exist, reporting the others as PowerShell does.
fn existing(call: &Invocation<'_>, cx: &mut Context<'_>, command: &str) -> Result<Vec<PathBuf>, ErrorRecord> {
    let mut out = Vec::new();
    for Target { text, literal } in targets(call, "Path", None) {
        if drives::split(&text).is_some() || node_items::node_path(&text, cx).is_some() {
            return Err(ErrorRecord::new(
                "NotSupported",
                "NotImplemented",
                format!("{command} works on the file system only; '{text}' is on another drive."),
            )
            .with_hint("Get-Item and Get-Content read the Env:, Variable: and Alias: drives."));
        }
        let found = files::expand(&text, literal);
        let named_exactly = literal || !Wildcard::has_wildcards(&text);
        if found.is_empty() && named_exactly {
            cx.errors.push(path_not_found(&files::resolve(&text), command));
        }
        for path in found {
            if fs::symlink_metadata(&path).is_ok() {
                out.push(path);
            } else if named_exactly {
                cx.errors.push(path_not_found(&path, command));
            }
        }
    }
    Ok(out)
}

/// `Property 'x' does not exist at path 'p'.`
fn no_property(name: &str, path: &Path, command: &str) -> ErrorRecord {
    ErrorRecord::new(
        "System.Management.Automation.PSArgumentException",
        "InvalidArgument",
        format!("Property {name} does not exist at path {}.", shown(path)),
    )
    .in_command(command)
    .exception("System.Management.Automation.PSArgumentException")
    .with_hint("Get-ItemProperty PATH lists the properties an item has.")
}

/// The item's properties by name.
fn properties_of(path: &Path) -> Vec<(String, Value)> {
    match FileSystemItem::value(path.to_path_buf()) {
        Value::Object(o) => o.property_values(),
        _ => Vec::new(),
    }
}

/// PowerShell's provider properties of a file-system path.
fn provider_properties(path: &Path) -> Vec<(String, Value)> {
    let full = shown(path);
    let parent = path.parent().map(shown).unwrap_or_default();
    let child = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let provider = "Microsoft.PowerShell.Core\\FileSystem";
    vec![
        ("PSPath".into(), Value::String(format!("{provider}::{full}"))),
        ("PSParentPath".into(), Value::String(format!("{provider}::{parent}"))),
        ("PSChildName".into(), Value::String(child)),
        ("PSDrive".into(), Value::from("/")),
        ("PSProvider".into(), Value::from(provider)),
    ]
}

/// The values of the properties `names` (wildcards allowed) of `path`, by name; an error for
/// a plain name the item does not have.
fn named(path: &Path, names: &[String], command: &str) -> Result<Vec<(String, Value)>, ErrorRecord> {
    let all = properties_of(path);
    let mut out = Vec::new();
    for name in names {
        let wildcard = Wildcard::new(name);
        let found: Vec<&(String, Value)> = all.iter().filter(|(n, _)| wildcard.is_match(n)).collect();
        if found.is_empty() && !Wildcard::has_wildcards(name) {
            return Err(no_property(name, path, command));
        }
        out.extend(found.into_iter().cloned());
    }
    Ok(out)
}

pub fn get_item_property(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let names = call.strings("Name");
    let mut out = Vec::new();
    for path in existing(call, cx, "Get-ItemProperty")? {
        let mut record = Record::new("System.Management.Automation.PSCustomObject");
        let properties = match &names {
            Some(names) => match named(&path, names, "Get-ItemProperty") {
                Ok(found) => found,
                Err(e) => {
                    cx.errors.push(e);
                    continue;
                }
            },
            None => properties_of(&path),
        };
        record.properties = properties;
        record.properties.extend(provider_properties(&path));
        out.push(Value::record(record));
    }
    Ok(out)
}

pub fn get_item_property_value(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let names = call.strings("Name").unwrap_or_default();
    let mut out = Vec::new();
    for path in existing(call, cx, "Get-ItemPropertyValue")? {
        match named(&path, &names, "Get-ItemPropertyValue") {
            Ok(found) => out.extend(found.into_iter().map(|(_, v)| v)),
            Err(e) => cx.errors.push(e),
        }
    }
    Ok(out)
}

/// A time argument: a DateTime, or text `[datetime]` reads.
fn time_of(value: &Value, name: &str) -> Result<DateTime<Utc>, ErrorRecord> {
    match crate::shell::eval::convert::cast("datetime", value) {
        Ok(Value::DateTime(t)) => Ok(t),
        _ => Err(ErrorRecord::new(
            "InvalidCastParseTargetInvocation",
            "InvalidArgument",
            format!(
                "Cannot convert value \"{}\" to type \"System.DateTime\" for the property {name}.",
                value.to_display_string()
            ),
        )
        .with_hint("Give a date such as (Get-Date).AddDays(-1) or '2007-06-01 08:00'.")),
    }
}

/// Whether a value turns read-only on (`$true`, `ReadOnly`) or off (`$false`, `Normal`).
fn read_only_of(name: &str, value: &Value) -> Result<bool, ErrorRecord> {
    if name.eq_ignore_ascii_case("IsReadOnly") {
        return Ok(value.is_truthy());
    }
    let text = value.to_display_string();
    let words: Vec<String> = text.split(',').map(|w| w.trim().to_ascii_lowercase()).filter(|w| !w.is_empty()).collect();
    if words.iter().all(|w| matches!(w.as_str(), "readonly" | "normal" | "archive")) {
        return Ok(words.iter().any(|w| w == "readonly"));
    }
    Err(ErrorRecord::new(
        "NotSupported",
        "InvalidArgument",
        format!("The attributes '{text}' cannot be set on this system: only ReadOnly, Normal and Archive can."),
    )
    .with_hint("Set-ItemProperty PATH -Name Attributes -Value ReadOnly (or Normal)."))
}

/// Applies one property to one path; nothing is changed when the value is refused.
fn set_one(path: &Path, name: &str, value: &Value) -> Result<(), ErrorRecord> {
    let failed = |e: std::io::Error| {
        ErrorRecord::new("SetItemPropertyFailed", "WriteError", format!("Cannot set {name} on '{}': {e}", shown(path)))
    };
    match name.to_ascii_lowercase().as_str() {
        "isreadonly" | "attributes" => {
            let read_only = read_only_of(name, value)?;
            let meta = fs::symlink_metadata(path).map_err(failed)?;
            if meta.file_type().is_symlink() {
                return Err(ErrorRecord::new(
                    "SetItemPropertyFailed",
                    "InvalidOperation",
                    format!(
                        "'{}' is a link; ccrsh changes the link's target only when you name the target.",
                        shown(path)
                    ),
                ));
            }
            let mut permissions = meta.permissions();
            permissions.set_readonly(read_only);
            fs::set_permissions(path, permissions).map_err(failed)
        }
        "lastwritetime" | "lastaccesstime" | "lastwritetimeutc" | "lastaccesstimeutc" => {
            let time: std::time::SystemTime = time_of(value, name)?.into();
            let file = fs::File::options().read(true).custom_flags(libc::O_NOFOLLOW).open(path).map_err(failed)?;
            let times = if name.to_ascii_lowercase().starts_with("lastwrite") {
                fs::FileTimes::new().set_modified(time)
            } else {
                fs::FileTimes::new().set_accessed(time)
            };
            file.set_times(times).map_err(failed)
        }
        "creationtime" | "creationtimeutc" => Err(ErrorRecord::new(
            "NotSupported",
            "NotImplemented",
            format!("{name} cannot be set on this file system: it keeps no settable creation time."),
        )),
        _ if properties_of(path).iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) => Err(ErrorRecord::new(
            "PropertyNotSettable",
            "InvalidOperation",
            format!("'{name}' is a ReadOnly property."),
        )
        .with_hint("Set-ItemProperty sets IsReadOnly, Attributes, LastWriteTime and LastAccessTime on files.")),
        _ => Err(no_property(name, path, "Set-ItemProperty")),
    }
}

pub fn set_item_property(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let name = call.string("Name").unwrap_or_default();
    let value = call.get("Value").cloned().unwrap_or(Value::Null);
    let mut out = Vec::new();
    for path in existing(call, cx, "Set-ItemProperty")? {
        let target = format!("Item: {} Property: {name}", shown(&path));
        if !confirm(call, cx, "Set Property", &target)? {
            continue;
        }
        match set_one(&path, &name, &value) {
            Ok(()) if call.switch("PassThru") => {
                let mut record = Record::new("System.Management.Automation.PSCustomObject");
                record.properties = named(&path, std::slice::from_ref(&name), "Set-ItemProperty")?;
                record.properties.extend(provider_properties(&path));
                out.push(Value::record(record));
            }
            Ok(()) => {}
            Err(e) => cx.errors.push(e.in_command("Set-ItemProperty")),
        }
    }
    Ok(out)
}
