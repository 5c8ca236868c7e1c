//! `System.Management.Automation.PathInfo`: what `Get-Location`, `Resolve-Path` and `$PWD`
//! return — a resolved path with its provider and drive, shown as the path.
//!
//! Owns: [`PathInfo`].
//!
//! Must not: touch the file system (the path is already resolved).

use std::any::Any;
use std::path::PathBuf;

use crate::shell::value::Value;

use super::filesystem::shown;
use super::object::{Member, NetObject, ObjectRef};

/// A resolved FileSystem path.
#[derive(Debug)]
pub struct PathInfo {
    pub path: PathBuf,
}

impl PathInfo {
    pub fn value(path: PathBuf) -> Value {
        Value::Object(ObjectRef::new(PathInfo { path }))
    }
}

impl NetObject for PathInfo {
    fn type_name(&self) -> String {
        "System.Management.Automation.PathInfo".into()
    }

    fn members(&self) -> Vec<Member> {
        vec![
            Member::property("Drive", "System.Management.Automation.PSDriveInfo"),
            Member::property("Provider", "System.Management.Automation.ProviderInfo"),
            Member::property("ProviderPath", "string"),
            Member::property("Path", "string"),
        ]
    }

    fn property(&self, name: &str) -> Option<Value> {
        Some(match name.to_ascii_lowercase().as_str() {
            "path" | "providerpath" => Value::String(shown(&self.path)),
            "drive" => Value::from("/"),
            "provider" => Value::from("Microsoft.PowerShell.Core\\FileSystem"),
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
            Value::Object(o) => o.downcast::<PathInfo>().is_some_and(|p| p.path == self.path),
            Value::String(s) => *s == shown(&self.path),
            _ => false,
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
