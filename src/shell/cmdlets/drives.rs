//! The Env:, Variable:, Function: and Alias: drives under the item cmdlets: `Test-Path
//! Env:TEMP`, `Get-ChildItem Env:`, `Get-Item Variable:x`, `Get-Content Env:PATH`,
//! `Set-Content Env:X v`, `New-Item Env:X -Value v`, `Remove-Item Env:X`/`Variable:x`/
//! `Function:f`, `Get-ChildItem Function:`, `Get-ChildItem Alias:`. A path on another drive is
//! the FileSystem's.
//!
//! Owns: recognising a drive-qualified path and answering for it. Must not: print; the
//! environment overlay is `runtime::environment`'s, variables are the interpreter's.

use super::Context;
use crate::shell::error_record::ErrorRecord;
use crate::shell::runtime::environment as env;
use crate::shell::value::{Record, Value};
use crate::shell::wildcard::Wildcard;

/// A drive other than the file system.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Drive {
    Env,
    Variable,
    Function,
    Alias,
}

impl Drive {
    fn name(self) -> &'static str {
        match self {
            Drive::Env => "Env",
            Drive::Variable => "Variable",
            Drive::Function => "Function",
            Drive::Alias => "Alias",
        }
    }
}

/// The drive and the name under it (`Env:PATH` → Env, `PATH`; `Env:` → Env, ``).
pub fn split(path: &str) -> Option<(Drive, String)> {
    let (drive, rest) = path.split_once(':')?;
    let drive = match drive.to_ascii_lowercase().as_str() {
        "env" => Drive::Env,
        "variable" => Drive::Variable,
        "function" => Drive::Function,
        "alias" => Drive::Alias,
        _ => return None,
    };
    Some((drive, rest.trim_start_matches(['\\', '/']).to_string()))
}

fn entry(drive: Drive, name: &str, value: Value) -> Value {
    let record = match drive {
        Drive::Env => {
            Record::new("System.Collections.DictionaryEntry").with("Name", name).with("Key", name).with("Value", value)
        }
        Drive::Variable => {
            Record::new("System.Management.Automation.PSVariable").with("Name", name).with("Value", value)
        }
        Drive::Function => Record::new("System.Management.Automation.FunctionInfo")
            .with("CommandType", "Function")
            .with("Name", name)
            .with("Definition", value.to_display_string())
            .with("ScriptBlock", value),
        Drive::Alias => Record::new("System.Management.Automation.AliasInfo")
            .with("CommandType", "Alias")
            .with("Name", name)
            .with("Definition", value),
    };
    Value::record(record)
}

/// Every `(name, value)` on a drive.
fn all(drive: Drive, cx: &mut Context<'_>) -> Vec<(String, Value)> {
    let mut items: Vec<(String, Value)> = match drive {
        Drive::Env => env::vars().into_iter().map(|(k, v)| (k, Value::String(v))).collect(),
        Drive::Variable => cx.engine.variables(),
        Drive::Function => cx.engine.functions(),
        Drive::Alias => super::aliases().iter().map(|(a, c)| (a.to_string(), Value::from(*c))).collect(),
    };
    items.sort_by_key(|(n, _)| n.to_lowercase());
    items.dedup_by(|a, b| a.0.eq_ignore_ascii_case(&b.0));
    items
}

/// The items `name` (a wildcard; empty for all) names on `drive`.
pub fn items(drive: Drive, name: &str, cx: &mut Context<'_>) -> Vec<Value> {
    let w = Wildcard::new(if name.is_empty() { "*" } else { name });
    all(drive, cx).into_iter().filter(|(n, _)| w.is_match(n)).map(|(n, v)| entry(drive, &n, v)).collect()
}

/// Whether `name` names anything on `drive` (the drive itself always exists).
pub fn exists(drive: Drive, name: &str, cx: &mut Context<'_>) -> bool {
    name.is_empty() || !items(drive, name, cx).is_empty()
}

/// The values `Get-Content Drive:name` returns.
pub fn content(drive: Drive, name: &str, command: &str, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let found =
        all(drive, cx).into_iter().filter(|(n, _)| Wildcard::new(name).is_match(n)).map(|(_, v)| v).collect::<Vec<_>>();
    if found.is_empty() {
        return Err(not_found(drive, name, command));
    }
    Ok(found)
}

/// `Cannot find path 'Env:X' because it does not exist.`
pub fn not_found(drive: Drive, name: &str, command: &str) -> ErrorRecord {
    ErrorRecord::new(
        "PathNotFound",
        "ObjectNotFound",
        format!("Cannot find path '{}:{name}' because it does not exist.", drive.name()),
    )
    .in_command(command)
    .exception("System.Management.Automation.ItemNotFoundException")
}

/// Sets `name` on `drive` (Set-Content, New-Item).
pub fn set(drive: Drive, name: &str, value: Value, command: &str, cx: &mut Context<'_>) -> Result<(), ErrorRecord> {
    match drive {
        Drive::Env => {
            env::set(name, Some(&value.to_display_string()));
            Ok(())
        }
        Drive::Variable => cx.engine.set_variable(name, value).map_err(|e| e.in_command(command)),
        Drive::Function => {
            cx.engine.set_variable(&format!("function:{name}"), value).map_err(|e| e.in_command(command))
        }
        Drive::Alias => Err(ErrorRecord::new(
            "NotSupported",
            "NotImplemented",
            "The Alias: drive is read-only in ccrsh; its aliases are PowerShell's own.".into(),
        )
        .in_command(command)),
    }
}

/// Removes `name` from `drive` (Remove-Item).
pub fn remove(drive: Drive, name: &str, command: &str, cx: &mut Context<'_>) -> Result<(), ErrorRecord> {
    let names: Vec<String> = items(drive, name, cx)
        .iter()
        .filter_map(|v| match v {
            Value::Record(r) => r.borrow().get("Name").map(Value::to_display_string),
            _ => None,
        })
        .collect();
    if names.is_empty() {
        return Err(not_found(drive, name, command));
    }
    for n in names {
        match drive {
            Drive::Env => env::set(&n, None),
            Drive::Variable => {
                cx.engine.remove_variable(&n, None, false).map_err(|e| e.in_command(command))?;
            }
            Drive::Function => {
                cx.engine.remove_function(&n);
            }
            Drive::Alias => return set(drive, &n, Value::Null, command, cx),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drive_paths_are_recognised() {
        assert!(split("Env:PATH").is_some_and(|(d, n)| d == Drive::Env && n == "PATH"));
        assert!(split(r"variable:\x").is_some_and(|(d, n)| d == Drive::Variable && n == "x"));
        assert!(split("Function:Get-Report").is_some_and(|(d, n)| d == Drive::Function && n == "Get-Report"));
        assert!(split("env:").is_some_and(|(_, n)| n.is_empty()));
        assert!(split(r"C:\x").is_none());
        assert!(split("/tmp/x").is_none());
    }
}
