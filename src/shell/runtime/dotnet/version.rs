//! `[System.Version]` (`[version]`: `$Host.Version`, `[version]'2.0.50727'`, `New-Object
//! Version 8,1`) and PowerShell's `[System.Management.Automation.SemanticVersion]`
//! (`[semver]`: `$PSVersionTable.PSVersion`): their parts, `ToString`, `CompareTo`, and
//! comparison with each other and with text, so that the version checks scripts open with
//! (`if ($PSVersionTable.PSVersion.Major -lt 2)`, `$Host.Version -ge '2.0'`) work.
//!
//! Owns: both types and their objects.
//!
//! Must not: know which version the shell reports (the host and `$PSVersionTable` say).

use std::any::Any;
use std::cmp::Ordering;

use crate::shell::error_record::ErrorRecord;
use crate::shell::eval::convert::cast_error;
use crate::shell::runtime::object::{Member, NetObject, ObjectRef, method_threw, overload_not_found};
use crate::shell::runtime::types::NetType;
use crate::shell::value::Value;

use super::arg_i64;

const VERSION: &str = "System.Version";
const SEMANTIC: &str = "System.Management.Automation.SemanticVersion";

/// A version's numbers; a part that was not given is -1, as .NET keeps it.
#[derive(Debug, Clone, Copy)]
pub struct Version {
    parts: [i64; 4],
    /// A SemanticVersion (Major.Minor.Patch) rather than a System.Version.
    semantic: bool,
}

impl Version {
    /// `System.Version` of `major.minor.build` (build -1: not given).
    pub fn system(major: i64, minor: i64, build: i64) -> Value {
        Value::Object(ObjectRef::new(Version { parts: [major, minor, build, -1], semantic: false }))
    }

    /// `SemanticVersion` of `major.minor.patch`.
    pub fn semantic(major: i64, minor: i64, patch: i64) -> Value {
        Value::Object(ObjectRef::new(Version { parts: [major, minor, patch, -1], semantic: true }))
    }

    /// Reads `1.2`, `1.2.3` or `1.2.3.4` as `new Version(string)` does; the error is .NET's.
    fn parse(text: &str, semantic: bool) -> Result<Version, String> {
        let pieces: Vec<&str> = text.trim().split('.').collect();
        let most = if semantic { 3 } else { 4 };
        // A SemanticVersion may be written as its major number alone (`[semver]'7'`).
        let least = if semantic { 1 } else { 2 };
        if pieces.len() < least || pieces.len() > most {
            return Err("Version string portion was too short or too long. (Parameter 'input')".into());
        }
        let mut parts = [-1_i64; 4];
        for (slot, piece) in parts.iter_mut().zip(&pieces) {
            let n: i64 = piece.trim().parse().map_err(|_| "Input string was not in a correct format.".to_string())?;
            if n < 0 || n > i64::from(i32::MAX) {
                return Err("Version's parameters must be greater than or equal to zero. (Parameter 'version')".into());
            }
            *slot = n;
        }
        if semantic {
            // Unwritten minor and patch numbers of a SemanticVersion are 0.
            for p in parts.iter_mut().take(3) {
                *p = (*p).max(0);
            }
        }
        Ok(Version { parts, semantic })
    }

    /// A version from constructor arguments: a string, or 2 to 4 numbers.
    fn from_args(args: &[Value], semantic: bool, method: &str) -> Result<Version, ErrorRecord> {
        match args {
            [] if !semantic => Ok(Version { parts: [0, 0, -1, -1], semantic }),
            [text @ Value::String(_)] => Version::parse(&text.to_display_string(), semantic)
                .map_err(|why| method_threw(method, 1, &why).exception("System.ArgumentException")),
            _ if (2..=if semantic { 3 } else { 4 }).contains(&args.len()) => {
                let mut parts = [-1_i64; 4];
                for (i, slot) in parts.iter_mut().enumerate().take(args.len()) {
                    let n = arg_i64(args, i, method)?;
                    if n < 0 {
                        let name = ["major", "minor", "build", "revision"][i];
                        return Err(method_threw(
                            method,
                            args.len(),
                            &format!(
                                "Version's parameters must be greater than or equal to zero. (Parameter '{name}')"
                            ),
                        )
                        .exception("System.ArgumentOutOfRangeException"));
                    }
                    *slot = n;
                }
                if semantic && parts[2] < 0 {
                    parts[2] = 0;
                }
                Ok(Version { parts, semantic })
            }
            _ => Err(overload_not_found(method, args.len())),
        }
    }

    /// The version `other` stands for, when it is one or is text that reads as one.
    fn of(other: &Value) -> Option<Version> {
        match other {
            Value::Object(o) => o.downcast::<Version>().copied(),
            Value::String(s) => Version::parse(s, false).or_else(|_| Version::parse(s, true)).ok(),
            _ => None,
        }
    }

    /// .NET's order: part by part, a part not given (-1) before any given one. A
    /// SemanticVersion compares its three parts only.
    fn order(&self, other: &Version) -> Ordering {
        let semantic = self.semantic || other.semantic;
        let count = if semantic { 3 } else { 4 };
        let norm = |v: &Version, i: usize| if semantic { v.parts[i].max(0) } else { v.parts[i] };
        (0..count).map(|i| norm(self, i).cmp(&norm(other, i))).find(|o| o.is_ne()).unwrap_or(Ordering::Equal)
    }
}

impl NetObject for Version {
    fn type_name(&self) -> String {
        if self.semantic { SEMANTIC } else { VERSION }.into()
    }

    fn members(&self) -> Vec<Member> {
        let mut members = if self.semantic {
            vec![
                Member::property("Major", "int"),
                Member::property("Minor", "int"),
                Member::property("Patch", "int"),
                Member::property("PreReleaseLabel", "string"),
                Member::property("BuildLabel", "string"),
            ]
        } else {
            vec![
                Member::property("Major", "int"),
                Member::property("Minor", "int"),
                Member::property("Build", "int"),
                Member::property("Revision", "int"),
            ]
        };
        members.push(Member::method("CompareTo", "int CompareTo(System.Object version)"));
        members
    }

    fn property(&self, name: &str) -> Option<Value> {
        let [major, minor, third, revision] = self.parts;
        Some(match (name.to_ascii_lowercase().as_str(), self.semantic) {
            ("major", _) => Value::Int(major),
            ("minor", _) => Value::Int(minor),
            ("patch", true) | ("build", false) => Value::Int(third),
            ("revision", false) => Value::Int(revision),
            ("majorrevision", false) => Value::Int(revision >> 16),
            ("minorrevision", false) => Value::Int(if revision < 0 { -1 } else { revision & 0xFFFF }),
            ("prereleaselabel" | "buildlabel", true) => Value::Null,
            _ => return None,
        })
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        match (name.to_ascii_lowercase().as_str(), args) {
            ("compareto", [other]) => {
                Some(match other {
                    Value::Null => Ok(Value::Int(1)),
                    _ => match Version::of(other) {
                        Some(v) => Ok(Value::Int(self.order(&v) as i64)),
                        None => Err(method_threw(name, 1, "Object must be of type Version.")
                            .exception("System.ArgumentException")),
                    },
                })
            }
            ("tostring", [count]) if !self.semantic => Some((|| {
                let count = arg_i64(std::slice::from_ref(count), 0, name)?;
                let given = self.parts.iter().take_while(|p| **p >= 0).count() as i64;
                if !(0..=given).contains(&count) {
                    return Err(method_threw(
                        name,
                        1,
                        &format!("Argument must be between 0 and {given}. (Parameter 'fieldCount')"),
                    )
                    .exception("System.ArgumentException"));
                }
                let shown: Vec<String> = self.parts.iter().take(count as usize).map(i64::to_string).collect();
                Ok(Value::String(shown.join(".")))
            })()),
            _ => None,
        }
    }

    fn to_text(&self) -> String {
        let shown: Vec<String> = self.parts.iter().take_while(|p| **p >= 0).map(i64::to_string).collect();
        shown.join(".")
    }

    fn compare(&self, other: &Value) -> Option<Ordering> {
        Version::of(other).map(|v| self.order(&v))
    }

    fn equals(&self, other: &Value) -> bool {
        Version::of(other).is_some_and(|v| self.order(&v).is_eq())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `[version]` or `[semver]`: the static side.
pub struct VersionType {
    semantic: bool,
}

pub static VERSION_TYPE: VersionType = VersionType { semantic: false };
pub static SEMANTIC_VERSION_TYPE: VersionType = VersionType { semantic: true };

impl NetType for VersionType {
    fn full_name(&self) -> &'static str {
        if self.semantic { SEMANTIC } else { VERSION }
    }

    fn accelerators(&self) -> &'static [&'static str] {
        if self.semantic { &["semver"] } else { &["version"] }
    }

    fn static_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        if !name.eq_ignore_ascii_case("Parse") {
            return None;
        }
        Some(match args {
            [text] => Version::parse(&text.to_display_string(), self.semantic)
                .map(|v| Value::Object(ObjectRef::new(v)))
                .map_err(|why| method_threw(name, 1, &why).exception("System.ArgumentException")),
            _ => Err(overload_not_found(name, args.len())),
        })
    }

    fn static_members(&self) -> Vec<Member> {
        vec![Member::method("Parse", &format!("static {} Parse(string input)", self.full_name()))]
    }

    fn construct(&self, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        Some(Version::from_args(args, self.semantic, "new").map(|v| Value::Object(ObjectRef::new(v))))
    }

    fn convert(&self, value: &Value) -> Option<Result<Value, ErrorRecord>> {
        Some(match value {
            Value::Object(o) => {
                let v = o.downcast::<Version>()?;
                let parts = if self.semantic { [v.parts[0], v.parts[1], v.parts[2].max(0), -1] } else { v.parts };
                Ok(Value::Object(ObjectRef::new(Version { parts, semantic: self.semantic })))
            }
            Value::String(text) => Version::parse(text, self.semantic)
                .map(|v| Value::Object(ObjectRef::new(v)))
                .map_err(|why| cast_error(value, self.full_name(), &why)),
            Value::Int(n) if self.semantic => Version::from_args(&[Value::Int(*n), Value::Int(0)], true, "new")
                .map(|v| Value::Object(ObjectRef::new(v))),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(text: &str) -> Version {
        Version::parse(text, false).expect("a version")
    }

    #[test]
    fn versions_read_print_and_order_as_dotnet_does() {
        assert_eq!(version("2.0.50727").to_text(), "2.0.50727");
        assert_eq!(version("8.1").property("Build"), Some(Value::Int(-1)));
        assert_eq!(version("8.1").order(&version("8.1.0")), Ordering::Less);
        assert_eq!(version("10.0").order(&version("9.9.9.9")), Ordering::Greater);
        assert!(Version::parse("1", false).is_err());
        assert!(Version::parse("1.x", false).is_err());
        assert!(Version::parse("1.2.3.4.5", false).is_err());
        assert!(Version::parse("1.-2", false).is_err());
        let semver = Version::parse("7.4", true).expect("a semver");
        assert_eq!(semver.to_text(), "7.4.0");
        assert_eq!(semver.order(&version("7.4")), Ordering::Equal);
        assert_eq!(semver.compare(&Value::from("5.1")), Some(Ordering::Greater));
    }
}
