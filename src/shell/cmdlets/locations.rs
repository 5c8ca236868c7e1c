//! Locations and path text: `Get-Location`, `Set-Location`, `Push-Location`, `Pop-Location`,
//! `Resolve-Path`, `Split-Path` and `Join-Path`.
//!
//! `Split-Path` and `Join-Path` work on the text only (a Windows path such as `C:\Logs\a.log`
//! keeps its backslashes), as PowerShell's do; the others consult the file system.
//!
//! Owns: those cmdlets. Must not: print; the location itself lives in `runtime::filesystem`.

use std::path::{Path, PathBuf};

use super::Context;
use super::items::{Target, targets};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::runtime::filesystem::{self as files, path_not_found, shown};
use crate::shell::runtime::path_info::PathInfo;
use crate::shell::value::Value;

pub fn get_location(_: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    // Inside a node session after Set-Location C:\…, the node's folder.
    if let Some(here) = super::node_items::location(cx) {
        return Ok(vec![PathInfo::value(PathBuf::from(here))]);
    }
    Ok(vec![PathInfo::value(files::location())])
}

/// The folder a `Set-Location`/`Push-Location` argument names, or PowerShell's error.
fn folder(call: &Invocation<'_>, command: &str) -> Result<Option<PathBuf>, ErrorRecord> {
    let Some(target) = targets(call, "Path", None).into_iter().next() else { return Ok(None) };
    let Target { text, literal } = target;
    let text = if text.is_empty() { "~".to_string() } else { text };
    if let Some(error) = files::drive_not_found(&text, command) {
        return Err(error);
    }
    let found = files::expand(&text, literal);
    match found.as_slice() {
        [one] if one.is_dir() => Ok(Some(one.clone())),
        [] | [_] => Err(path_not_found(found.first().map_or(&files::resolve(&text), |p| p), command)
            .with_hint("Check the folder's name (Get-ChildItem lists what is here).")),
        _ => Err(ErrorRecord::new(
            "Argument",
            "InvalidArgument",
            format!(
                "Cannot process argument because the value of argument \"path\" is not valid: '{text}' names {} items.",
                found.len()
            ),
        )
        .in_command(command)
        .with_hint("Name exactly one folder.")),
    }
}

pub fn set_location(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    // A node's folder (inside its session, or \\NODE\c$\…): read-only, as Get-ChildItem there.
    let named = targets(call, "Path", None).into_iter().next();
    if let Some(path) = named.and_then(|t| super::node_items::node_path(&t.text, cx)) {
        super::node_items::set_location(Some(&path), cx)?;
        let here = super::node_items::location(cx).unwrap_or_else(|| path.shown_path());
        return Ok(if call.switch("PassThru") { vec![PathInfo::value(PathBuf::from(here))] } else { Vec::new() });
    }
    let to = folder(call, "Set-Location")?.unwrap_or_else(|| files::resolve("~"));
    super::node_items::set_location(None, cx)?;
    files::set_location(to.clone());
    Ok(if call.switch("PassThru") { vec![PathInfo::value(to)] } else { Vec::new() })
}

pub fn push_location(call: &Invocation<'_>, _: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let to = folder(call, "Push-Location")?;
    files::push_location();
    if let Some(to) = &to {
        files::set_location(to.clone());
    }
    Ok(if call.switch("PassThru") { vec![PathInfo::value(files::location())] } else { Vec::new() })
}

pub fn pop_location(call: &Invocation<'_>, _: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let Some(to) = files::pop_location() else { return Ok(Vec::new()) };
    files::set_location(to.clone());
    Ok(if call.switch("PassThru") { vec![PathInfo::value(to)] } else { Vec::new() })
}

pub fn resolve_path(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let relative = call.switch("Relative");
    let base = files::location();
    let mut out = Vec::new();
    for target in targets(call, "Path", None) {
        let found: Vec<PathBuf> = files::expand(&target.text, target.literal)
            .into_iter()
            .filter(|p| std::fs::symlink_metadata(p).is_ok())
            .collect();
        if found.is_empty() {
            cx.errors.push(path_not_found(&files::resolve(&target.text), "Resolve-Path"));
        }
        for path in found {
            out.push(if relative { Value::String(relative_to(&path, &base)) } else { PathInfo::value(path) });
        }
    }
    Ok(out)
}

/// `path` relative to `base` as `Resolve-Path -Relative` writes it (`./x`, `../y/z`).
fn relative_to(path: &Path, base: &Path) -> String {
    let common = path.components().zip(base.components()).take_while(|(a, b)| a == b).count();
    let ups = base.components().count() - common;
    let rest: Vec<String> =
        path.components().skip(common).map(|c| c.as_os_str().to_string_lossy().to_string()).collect();
    let mut parts: Vec<String> = if ups == 0 { vec![".".into()] } else { vec!["..".into(); ups] };
    parts.extend(rest);
    parts.join("/")
}

fn is_separator(c: char) -> bool {
    c == '/' || c == '\\'
}

/// The drive part of a path (`C:`, `Env:`), if it has one.
fn qualifier(path: &str) -> Option<&str> {
    let colon = path.find(':')?;
    let head = &path[..colon];
    (!head.is_empty() && !head.contains(is_separator)).then(|| &path[..=colon])
}

/// `(parent, leaf)` of a path's text.
fn split(path: &str) -> (String, String) {
    let trimmed = path.trim_end_matches(is_separator);
    if trimmed.is_empty() {
        return (String::new(), path.to_string());
    }
    match trimmed.rfind(is_separator) {
        Some(i) => {
            let mut parent = trimmed[..i].trim_end_matches(is_separator).to_string();
            if parent.is_empty() {
                parent = trimmed[..=i].to_string();
            } else if parent.ends_with(':') && qualifier(&parent).is_some() {
                parent.push_str(&trimmed[i..=i]);
            }
            (parent, trimmed[i + 1..].to_string())
        }
        None => match qualifier(trimmed) {
            Some(q) if q.len() < trimmed.len() => (q.to_string(), trimmed[q.len()..].to_string()),
            _ => (String::new(), trimmed.to_string()),
        },
    }
}

pub fn split_path(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let mut paths: Vec<String> = targets(call, "Path", None).into_iter().map(|t| t.text).collect();
    if call.switch("Resolve") {
        let mut resolved = Vec::new();
        for text in &paths {
            let found: Vec<PathBuf> =
                files::expand(text, false).into_iter().filter(|p| std::fs::symlink_metadata(p).is_ok()).collect();
            if found.is_empty() {
                cx.errors.push(path_not_found(&files::resolve(text), "Split-Path"));
            }
            resolved.extend(found.iter().map(|p| shown(p)));
        }
        paths = resolved;
    }
    let mut out = Vec::new();
    for path in paths {
        let (parent, leaf) = split(&path);
        let value = if call.switch("Leaf") {
            leaf
        } else if call.switch("LeafBase") {
            match leaf.rfind('.') {
                Some(i) if i > 0 => leaf[..i].to_string(),
                _ => leaf,
            }
        } else if call.switch("Extension") {
            match leaf.rfind('.') {
                Some(i) if i > 0 => leaf[i..].to_string(),
                _ => String::new(),
            }
        } else if call.switch("Qualifier") {
            match qualifier(&path) {
                Some(q) => q.to_string(),
                None => {
                    return Err(ErrorRecord::new(
                        "ParsePathQualifierError",
                        "InvalidArgument",
                        format!("Cannot parse path because path '{path}' does not have a qualifier specified."),
                    )
                    .in_command("Split-Path")
                    .exception("System.Management.Automation.PSArgumentException"));
                }
            }
        } else if call.switch("NoQualifier") {
            qualifier(&path).map_or(path.clone(), |q| path[q.len()..].to_string())
        } else if call.switch("IsAbsolute") {
            out.push(Value::Bool(
                path.starts_with(is_separator) || path.starts_with('~') || qualifier(&path).is_some(),
            ));
            continue;
        } else {
            parent
        };
        out.push(Value::String(value));
    }
    Ok(out)
}

/// `base` and `child` joined with one separator: `\` when the base is written with
/// backslashes only, else `/`.
pub fn join(base: &str, child: &str) -> String {
    if base.is_empty() {
        return child.to_string();
    }
    if child.is_empty() {
        return base.to_string();
    }
    let separator = if base.contains('\\') && !base.contains('/') { '\\' } else { '/' };
    format!("{}{separator}{}", base.trim_end_matches(is_separator), child.trim_start_matches(is_separator))
}

pub fn join_path(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let bases: Vec<String> = targets(call, "Path", None).into_iter().map(|t| t.text).collect();
    let mut children = call.strings("ChildPath").unwrap_or_default();
    children.extend(call.strings("AdditionalChildPath").unwrap_or_default());
    let mut out = Vec::new();
    for base in bases {
        let joined = children.iter().fold(base, |acc, child| join(&acc, child));
        if call.switch("Resolve") {
            let found: Vec<PathBuf> =
                files::expand(&joined, false).into_iter().filter(|p| std::fs::symlink_metadata(p).is_ok()).collect();
            if found.is_empty() {
                cx.errors.push(path_not_found(&files::resolve(&joined), "Join-Path"));
            }
            out.extend(found.into_iter().map(|p| Value::String(shown(&p))));
        } else {
            out.push(Value::String(joined));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_and_join_as_text() {
        assert_eq!(split(r"C:\Logs\E00.log"), (r"C:\Logs".into(), "E00.log".into()));
        assert_eq!(split(r"C:\Logs"), (r"C:\".into(), "Logs".into()));
        assert_eq!(split("/var/log/"), ("/var".into(), "log".into()));
        assert_eq!(split("/var"), ("/".into(), "var".into()));
        assert_eq!(split("a.txt"), (String::new(), "a.txt".into()));
        assert_eq!(join(r"C:\Reports\", "daily.csv"), r"C:\Reports\daily.csv");
        assert_eq!(join("/tmp/", "/x"), "/tmp/x");
        assert_eq!(join("Env:", "PATH"), "Env:/PATH");
        assert_eq!(qualifier(r"C:\x"), Some("C:"));
        assert_eq!(qualifier("/x:y"), None);
        assert_eq!(relative_to(Path::new("/a/b/c"), Path::new("/a/x")), "../b/c");
        assert_eq!(relative_to(Path::new("/a/b"), Path::new("/a")), "./b");
    }
}
