//! Exchange 2007's value types, as the Exchange objects carry them: `ByteQuantifiedSize`,
//! `Unlimited<T>`, `EnhancedTimeSpan`, the path types (`EdbFilePath`, `LocalLongFullPath`,
//! `NonRootLocalLongFullPath`) with `.PathName`, `ADObjectId` (`.Name`,
//! `.DistinguishedName`), `ServerVersion`, and Exchange's enumerations. Each prints as Exchange
//! 2007 SP1 prints it (`18MB`, `unlimited`, `7.00:00:00`, the path, the name), compares with
//! its own kind and with the text an administrator types (`-gt '10MB'`, `-eq 'Healthy'`),
//! and answers the members scripts use (`.ToMB()`, `.IsUnlimited`, `.Value`, `.PathName`).
//!
//! Owns: these types and the parsing of a size's text (`30MB`, `'30 MB'`, `1.5GB`).
//!
//! Must not: know the estate or fetch anything: the Exchange records (`cmdlets::
//! exchange_objects`) build these from what ccrd answers.

use std::any::Any;
use std::cmp::Ordering;

use super::object::{Member, NetObject, ObjectRef};
use crate::shell::error_record::ErrorRecord;
use crate::shell::value::{TimeSpan, Value};

/// The assembly-qualified spelling .NET gives a generic argument of Exchange's data assembly.
const DATA_ASSEMBLY: &str =
    "Microsoft.Exchange.Data, Version=8.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35";

/// The text of a value for comparing with an Exchange value (an object gives its text).
fn text_of(value: &Value) -> String {
    value.to_display_string()
}

/// Case-insensitive equality of two texts, as Exchange compares names and enum values.
fn same_text(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b.trim())
}

/// A size in bytes (`Microsoft.Exchange.Data.ByteQuantifiedSize`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteQuantifiedSize {
    pub bytes: u64,
}

const UNITS: [(&str, u64); 5] = [("TB", 1 << 40), ("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10), ("B", 1)];

impl ByteQuantifiedSize {
    pub const TYPE: &'static str = "Microsoft.Exchange.Data.ByteQuantifiedSize";

    pub fn value(bytes: u64) -> Value {
        Value::Object(ObjectRef::new(ByteQuantifiedSize { bytes }))
    }

    /// Reads a size as Exchange does: a number with an optional unit (B, KB, MB, GB, TB; any
    /// case, a blank allowed before it), a fraction allowed with a unit (`1.5GB`); also the
    /// `18 MB (18,874,368 bytes)` form later versions print. `None` for anything else.
    pub fn parse(text: &str) -> Option<u64> {
        let text = text.split('(').next().unwrap_or_default().trim();
        let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let unit = unit.trim().to_ascii_uppercase();
        let scale = if unit.is_empty() { 1 } else { UNITS.iter().find(|(u, _)| *u == unit)?.1 };
        if number.is_empty() {
            return None;
        }
        if let Ok(n) = number.parse::<u64>() {
            return n.checked_mul(scale);
        }
        let real: f64 = number.parse().ok()?;
        let bytes = real * scale as f64;
        (real.is_finite() && bytes >= 0.0 && bytes < u64::MAX as f64).then_some(bytes.round() as u64)
    }

    /// The bytes a value stands for: a size, a number of bytes, or a size's text.
    pub fn bytes_of(value: &Value) -> Option<u64> {
        match value {
            Value::Object(o) => o.downcast::<ByteQuantifiedSize>().map(|s| s.bytes).or_else(|| {
                let unlimited = o.downcast::<Unlimited>()?;
                unlimited.inner.as_ref().and_then(ByteQuantifiedSize::bytes_of)
            }),
            Value::Int(n) => u64::try_from(*n).ok(),
            Value::Real(r) if *r >= 0.0 && r.is_finite() => Some(r.round() as u64),
            Value::String(s) => ByteQuantifiedSize::parse(s),
            _ => None,
        }
    }
}

/// Bytes as Exchange 2007's ByteQuantifiedSize prints them: the largest unit that divides the
/// size exactly, without a blank (`18MB`, `1991KB`, `1536B`, `0B`).
pub fn byte_quantified(bytes: u64) -> String {
    for (unit, size) in UNITS {
        if bytes >= size && bytes.is_multiple_of(size) {
            return format!("{}{unit}", bytes / size);
        }
    }
    format!("{bytes}B")
}

impl NetObject for ByteQuantifiedSize {
    fn type_name(&self) -> String {
        Self::TYPE.into()
    }

    fn type_names(&self) -> Vec<String> {
        vec![Self::TYPE.into(), "System.ValueType".into(), "System.Object".into()]
    }

    fn members(&self) -> Vec<Member> {
        let mut members: Vec<Member> = ["ToBytes", "ToKB", "ToMB", "ToGB", "ToTB"]
            .iter()
            .map(|m| Member::method(m, &format!("System.UInt64 {m}()")))
            .collect();
        members.push(Member::method("RoundUpToUnit", "System.UInt64 RoundUpToUnit(Quantifier quantifier)"));
        members.push(Member::method("ToString", "string ToString()"));
        members
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let unit = match name.to_ascii_lowercase().as_str() {
            "tobytes" => 1,
            "tokb" => 1 << 10,
            "tomb" => 1 << 20,
            "togb" => 1 << 30,
            "totb" => 1 << 40,
            "rounduptounit" => {
                let wanted = args.first().map(text_of).unwrap_or_default().to_ascii_uppercase();
                let wanted = if wanted == "NONE" || wanted == "BYTES" { "B".to_string() } else { wanted };
                let unit = UNITS.iter().find(|(u, _)| *u == wanted).map_or(1, |(_, s)| *s);
                return Some(Ok(Value::Int(i64::try_from(self.bytes.div_ceil(unit)).unwrap_or(i64::MAX))));
            }
            _ => return None,
        };
        Some(Ok(Value::Int(i64::try_from(self.bytes / unit).unwrap_or(i64::MAX))))
    }

    fn to_text(&self) -> String {
        byte_quantified(self.bytes)
    }

    fn compare(&self, other: &Value) -> Option<Ordering> {
        ByteQuantifiedSize::bytes_of(other).map(|b| self.bytes.cmp(&b))
    }

    fn equals(&self, other: &Value) -> bool {
        ByteQuantifiedSize::bytes_of(other) == Some(self.bytes)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `Unlimited<T>`: a value, or no limit.
#[derive(Debug, Clone)]
pub struct Unlimited {
    /// The limit; `None` when unlimited.
    pub inner: Option<Value>,
    /// The full name of `T`.
    of: &'static str,
    /// What it prints when unlimited (`unlimited` for quotas; Exchange 2007 prints some
    /// settings as `Unlimited`).
    unlimited_text: &'static str,
}

impl Unlimited {
    pub fn value(inner: Option<Value>, of: &'static str, unlimited_text: &'static str) -> Value {
        Value::Object(ObjectRef::new(Unlimited { inner, of, unlimited_text }))
    }

    /// A size limit (`Unlimited<ByteQuantifiedSize>`); `None` is unlimited.
    pub fn size(bytes: Option<u64>) -> Value {
        Unlimited::value(bytes.map(ByteQuantifiedSize::value), ByteQuantifiedSize::TYPE, "unlimited")
    }

    /// A time limit (`Unlimited<EnhancedTimeSpan>`); `None` is unlimited.
    pub fn time(span: Option<TimeSpan>, unlimited_text: &'static str) -> Value {
        Unlimited::value(span.map(EnhancedTimeSpan::value), EnhancedTimeSpan::TYPE, unlimited_text)
    }
}

impl NetObject for Unlimited {
    fn type_name(&self) -> String {
        format!("Microsoft.Exchange.Data.Unlimited`1[[{}, {DATA_ASSEMBLY}]]", self.of)
    }

    fn type_names(&self) -> Vec<String> {
        vec![self.type_name(), "System.ValueType".into(), "System.Object".into()]
    }

    fn members(&self) -> Vec<Member> {
        vec![
            Member::property("IsUnlimited", "System.Boolean"),
            Member::property("Value", self.of),
            Member::method("ToString", "string ToString()"),
        ]
    }

    fn property(&self, name: &str) -> Option<Value> {
        match name.to_ascii_lowercase().as_str() {
            "isunlimited" => Some(Value::Bool(self.inner.is_none())),
            "value" => Some(self.inner.clone().unwrap_or(Value::Null)),
            _ => None,
        }
    }

    fn to_text(&self) -> String {
        self.inner.as_ref().map_or_else(|| self.unlimited_text.to_string(), Value::to_display_string)
    }

    /// Unlimited is more than any value; a limit compares as its value does.
    fn compare(&self, other: &Value) -> Option<Ordering> {
        let other_unlimited = match other {
            Value::Object(o) => o.downcast::<Unlimited>().map(|u| u.inner.is_none()),
            other => Some(same_text("unlimited", &text_of(other))),
        };
        match (&self.inner, other_unlimited) {
            (None, Some(true)) => Some(Ordering::Equal),
            (None, _) => Some(Ordering::Greater),
            (Some(_), Some(true)) => Some(Ordering::Less),
            (Some(Value::Object(mine)), _) => {
                let other = match other {
                    Value::Object(o) => {
                        o.downcast::<Unlimited>().and_then(|u| u.inner.clone()).unwrap_or(other.clone())
                    }
                    _ => other.clone(),
                };
                mine.compare(&other)
            }
            (Some(_), _) => None,
        }
    }

    fn equals(&self, other: &Value) -> bool {
        self.compare(other) == Some(Ordering::Equal)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A time span as Exchange types it (`Microsoft.Exchange.Data.EnhancedTimeSpan`): prints and
/// answers as a TimeSpan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnhancedTimeSpan(pub TimeSpan);

impl EnhancedTimeSpan {
    pub const TYPE: &'static str = "Microsoft.Exchange.Data.EnhancedTimeSpan";

    pub fn value(span: TimeSpan) -> Value {
        Value::Object(ObjectRef::new(EnhancedTimeSpan(span)))
    }

    fn span_of(value: &Value) -> Option<TimeSpan> {
        match value {
            Value::TimeSpan(t) => Some(*t),
            Value::Object(o) => o.downcast::<EnhancedTimeSpan>().map(|e| e.0).or_else(|| TimeSpan::parse(&o.to_text())),
            other => TimeSpan::parse(&other.to_display_string()),
        }
    }
}

const SPAN_PROPERTIES: [(&str, &str); 11] = [
    ("Days", "System.Int32"),
    ("Hours", "System.Int32"),
    ("Milliseconds", "System.Int32"),
    ("Minutes", "System.Int32"),
    ("Seconds", "System.Int32"),
    ("Ticks", "System.Int64"),
    ("TotalDays", "System.Double"),
    ("TotalHours", "System.Double"),
    ("TotalMilliseconds", "System.Double"),
    ("TotalMinutes", "System.Double"),
    ("TotalSeconds", "System.Double"),
];

impl NetObject for EnhancedTimeSpan {
    fn type_name(&self) -> String {
        Self::TYPE.into()
    }

    fn type_names(&self) -> Vec<String> {
        vec![Self::TYPE.into(), "System.ValueType".into(), "System.Object".into()]
    }

    fn members(&self) -> Vec<Member> {
        let mut members: Vec<Member> = SPAN_PROPERTIES.iter().map(|(n, t)| Member::property(n, t)).collect();
        members.push(Member::method("ToString", "string ToString()"));
        members
    }

    fn property(&self, name: &str) -> Option<Value> {
        SPAN_PROPERTIES
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
            .then(|| crate::shell::eval::members::property(&Value::TimeSpan(self.0), name))
    }

    fn to_text(&self) -> String {
        Value::TimeSpan(self.0).to_display_string()
    }

    fn compare(&self, other: &Value) -> Option<Ordering> {
        EnhancedTimeSpan::span_of(other).map(|t| self.0.cmp(&t))
    }

    fn equals(&self, other: &Value) -> bool {
        EnhancedTimeSpan::span_of(other) == Some(self.0)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The kind of a path value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathKind {
    /// A database file (`EdbFilePath`).
    EdbFile,
    /// A folder or file on a local drive (`LocalLongFullPath`).
    LocalLongFull,
    /// A folder that is not a drive's root (`NonRootLocalLongFullPath`).
    NonRootLocalLongFull,
}

/// A local path as Exchange types it, with `.PathName`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalPath {
    pub kind: PathKind,
    pub path: String,
}

impl LocalPath {
    pub fn value(kind: PathKind, path: impl Into<String>) -> Value {
        Value::Object(ObjectRef::new(LocalPath { kind, path: path.into() }))
    }

    /// A path value, or `$null` for none.
    pub fn optional(kind: PathKind, path: Option<String>) -> Value {
        path.filter(|p| !p.is_empty()).map_or(Value::Null, |p| LocalPath::value(kind, p))
    }
}

impl NetObject for LocalPath {
    fn type_name(&self) -> String {
        match self.kind {
            PathKind::EdbFile => "Microsoft.Exchange.Data.EdbFilePath",
            PathKind::LocalLongFull => "Microsoft.Exchange.Data.LocalLongFullPath",
            PathKind::NonRootLocalLongFull => "Microsoft.Exchange.Data.NonRootLocalLongFullPath",
        }
        .into()
    }

    fn type_names(&self) -> Vec<String> {
        let mut names = vec![self.type_name()];
        if self.kind != PathKind::LocalLongFull {
            names.push("Microsoft.Exchange.Data.LocalLongFullPath".into());
        }
        names.extend(["Microsoft.Exchange.Data.LongPath".into(), "System.Object".into()]);
        names
    }

    fn members(&self) -> Vec<Member> {
        vec![
            Member::property("IsPathInRootDirectory", "System.Boolean"),
            Member::property("PathName", "System.String"),
            Member::property("IsLocalFull", "System.Boolean"),
            Member::property("IsUnc", "System.Boolean"),
            Member::property("DriveName", "System.String"),
            Member::property("ServerName", "System.String"),
            Member::method("ToString", "string ToString()"),
        ]
    }

    fn property(&self, name: &str) -> Option<Value> {
        let drive = self.path.get(..2).filter(|d| d.ends_with(':')).map(str::to_string);
        Some(match name.to_ascii_lowercase().as_str() {
            "pathname" => Value::String(self.path.clone()),
            "ispathinrootdirectory" => {
                Value::Bool(self.path.trim_end_matches('\\').matches('\\').count() <= 1 && drive.is_some())
            }
            "islocalfull" => Value::Bool(drive.is_some()),
            "isunc" => Value::Bool(self.path.starts_with(r"\\")),
            "drivename" => drive.map_or(Value::Null, Value::String),
            "servername" => Value::Null,
            _ => return None,
        })
    }

    fn to_text(&self) -> String {
        self.path.clone()
    }

    fn compare(&self, other: &Value) -> Option<Ordering> {
        Some(self.path.to_lowercase().cmp(&text_of(other).to_lowercase()))
    }

    fn equals(&self, other: &Value) -> bool {
        same_text(&self.path, &text_of(other))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A reference to a directory object (`Microsoft.Exchange.Data.Directory.ADObjectId`). It
/// prints as Exchange shows the reference (`CCREX01`, `CCREX01\First Storage Group`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdObjectId {
    /// What it prints.
    pub shown: String,
    pub distinguished_name: String,
    pub guid: Option<String>,
}

impl AdObjectId {
    pub const TYPE: &'static str = "Microsoft.Exchange.Data.Directory.ADObjectId";

    pub fn value(shown: impl Into<String>, distinguished_name: impl Into<String>, guid: Option<String>) -> Value {
        Value::Object(ObjectRef::new(AdObjectId {
            shown: shown.into(),
            distinguished_name: distinguished_name.into(),
            guid,
        }))
    }

    /// The relative names of the DN (`CN=X`), escaped commas kept.
    fn rdns(&self) -> Vec<String> {
        let mut parts = Vec::new();
        let mut current = String::new();
        let mut escaped = false;
        for c in self.distinguished_name.chars() {
            match c {
                ',' if !escaped => parts.push(std::mem::take(&mut current)),
                _ => {
                    escaped = c == '\\' && !escaped;
                    current.push(c);
                }
            }
        }
        if !current.is_empty() {
            parts.push(current);
        }
        parts
    }

    fn name(&self) -> String {
        self.rdns()
            .first()
            .and_then(|r| r.split_once('='))
            .map(|(_, v)| v.replace('\\', ""))
            .unwrap_or_else(|| self.shown.rsplit('\\').next().unwrap_or_default().to_string())
    }
}

/// The DN of the object `levels` up from `dn` (the storage group of a database is one up).
pub fn parent_dn(dn: &str, levels: usize) -> String {
    let id = AdObjectId { shown: String::new(), distinguished_name: dn.to_string(), guid: None };
    id.rdns().into_iter().skip(levels).collect::<Vec<_>>().join(",")
}

impl NetObject for AdObjectId {
    fn type_name(&self) -> String {
        Self::TYPE.into()
    }

    fn type_names(&self) -> Vec<String> {
        vec![Self::TYPE.into(), "Microsoft.Exchange.Data.ObjectId".into(), "System.Object".into()]
    }

    fn members(&self) -> Vec<Member> {
        vec![
            Member::property("IsDeleted", "System.Boolean"),
            Member::property("Rdn", "Microsoft.Exchange.Data.Directory.AdName"),
            Member::property("Parent", Self::TYPE),
            Member::property("Depth", "System.Int32"),
            Member::property("DistinguishedName", "System.String"),
            Member::property("IsRelativeDn", "System.Boolean"),
            Member::property("DomainId", Self::TYPE),
            Member::property("ObjectGuid", "System.Guid"),
            Member::property("Name", "System.String"),
            Member::method("ToString", "string ToString()"),
        ]
    }

    fn property(&self, name: &str) -> Option<Value> {
        let rdns = self.rdns();
        let domain: Vec<&String> = rdns.iter().filter(|r| r.to_ascii_uppercase().starts_with("DC=")).collect();
        Some(match name.to_ascii_lowercase().as_str() {
            "isdeleted" | "isrelativedn" => Value::Bool(false),
            "rdn" => rdns.first().cloned().map_or(Value::Null, Value::String),
            "parent" => {
                let parent = parent_dn(&self.distinguished_name, 1);
                let shown = parent_shown(&self.shown).unwrap_or_else(|| {
                    let id = AdObjectId { shown: String::new(), distinguished_name: parent.clone(), guid: None };
                    id.name()
                });
                AdObjectId::value(shown, parent, None)
            }
            "depth" => Value::Int(rdns.len().saturating_sub(1) as i64),
            "distinguishedname" => Value::String(self.distinguished_name.clone()),
            "domainid" => {
                let dn = domain.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",");
                let shown =
                    domain.iter().filter_map(|r| r.split_once('=')).map(|(_, v)| v).collect::<Vec<_>>().join(".");
                AdObjectId::value(shown, dn, None)
            }
            "objectguid" => self.guid.clone().map_or(Value::Null, Value::String),
            "name" => Value::String(self.name()),
            _ => return None,
        })
    }

    fn to_text(&self) -> String {
        self.shown.clone()
    }

    fn compare(&self, other: &Value) -> Option<Ordering> {
        Some(self.shown.to_lowercase().cmp(&text_of(other).to_lowercase()))
    }

    /// The same object, or the text that names it (its shown form, name or DN).
    fn equals(&self, other: &Value) -> bool {
        match other {
            Value::Object(o) if o.downcast::<AdObjectId>().is_some() => {
                o.downcast::<AdObjectId>().is_some_and(|a| same_text(&a.distinguished_name, &self.distinguished_name))
            }
            other => {
                let text = text_of(other);
                same_text(&self.shown, &text) || same_text(&self.distinguished_name, &text)
            }
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// What a parent reference prints: the shown form without its last part, when it has parts.
fn parent_shown(shown: &str) -> Option<String> {
    shown.rsplit_once('\\').map(|(parent, _)| parent.to_string())
}

/// An Exchange build (`Microsoft.Exchange.Data.ServerVersion`): `Version 8.1 (Build 240.6)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerVersion {
    pub text: String,
    pub parts: [i64; 4],
}

impl ServerVersion {
    pub const TYPE: &'static str = "Microsoft.Exchange.Data.ServerVersion";

    /// Reads `Version M.m (Build B.R)`; the numbers missing are 0.
    pub fn value(text: &str) -> Value {
        let digits: Vec<i64> = text
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .filter_map(|s| s.parse().ok())
            .collect();
        let mut parts = [0; 4];
        for (slot, n) in parts.iter_mut().zip(digits) {
            *slot = n;
        }
        Value::Object(ObjectRef::new(ServerVersion { text: text.to_string(), parts }))
    }
}

impl NetObject for ServerVersion {
    fn type_name(&self) -> String {
        Self::TYPE.into()
    }

    fn members(&self) -> Vec<Member> {
        let mut members: Vec<Member> =
            ["Major", "Minor", "Build", "Revision"].iter().map(|n| Member::property(n, "System.Int32")).collect();
        members.push(Member::property("FilePatchLevelDescription", "System.String"));
        members.push(Member::method("ToString", "string ToString()"));
        members
    }

    fn property(&self, name: &str) -> Option<Value> {
        let i = match name.to_ascii_lowercase().as_str() {
            "major" => 0,
            "minor" => 1,
            "build" => 2,
            "revision" => 3,
            "filepatchleveldescription" => return Some(Value::String(String::new())),
            _ => return None,
        };
        Some(Value::Int(self.parts[i]))
    }

    fn to_text(&self) -> String {
        self.text.clone()
    }

    fn compare(&self, other: &Value) -> Option<Ordering> {
        match other {
            Value::Object(o) => o.downcast::<ServerVersion>().map(|v| self.parts.cmp(&v.parts)),
            _ => None,
        }
    }

    fn equals(&self, other: &Value) -> bool {
        self.compare(other) == Some(Ordering::Equal) || same_text(&self.text, &text_of(other))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A value of one of Exchange's enumerations: prints its name; equals its name in any case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeEnum {
    pub type_name: &'static str,
    pub name: String,
}

impl ExchangeEnum {
    pub fn value(type_name: &'static str, name: impl Into<String>) -> Value {
        Value::Object(ObjectRef::new(ExchangeEnum { type_name, name: name.into() }))
    }
}

/// The enumerations the Exchange objects carry (full .NET names).
pub mod enums {
    pub const COPY_STATUS: &str = "Microsoft.Exchange.Management.SystemConfigurationTasks.CopyStatus";
    pub const CLUSTERED_STORAGE_TYPE: &str =
        "Microsoft.Exchange.Data.Directory.SystemConfiguration.ClusteredStorageType";
    pub const AUTO_DATABASE_MOUNT_DIAL: &str =
        "Microsoft.Exchange.Data.Directory.SystemConfiguration.AutoDatabaseMountDial";
    pub const REPLICATION_TYPE: &str = "Microsoft.Exchange.Data.Directory.SystemConfiguration.ReplicationType";
    pub const SERVER_ROLE: &str = "Microsoft.Exchange.Data.Directory.SystemConfiguration.ServerRole";
    pub const SERVER_EDITION: &str = "Microsoft.Exchange.Data.Directory.SystemConfiguration.ServerEditionType";
    pub const CMS_STATE: &str = "Microsoft.Exchange.Management.SystemConfigurationTasks.ClusteredMailboxServerState";
}

impl NetObject for ExchangeEnum {
    fn type_name(&self) -> String {
        self.type_name.into()
    }

    fn type_names(&self) -> Vec<String> {
        vec![self.type_name.into(), "System.Enum".into(), "System.ValueType".into(), "System.Object".into()]
    }

    /// No properties: it shows (and converts to JSON) as its name.
    fn members(&self) -> Vec<Member> {
        vec![Member::method("ToString", "string ToString()")]
    }

    fn to_text(&self) -> String {
        self.name.clone()
    }

    fn compare(&self, other: &Value) -> Option<Ordering> {
        Some(self.name.to_lowercase().cmp(&text_of(other).trim().to_lowercase()))
    }

    fn equals(&self, other: &Value) -> bool {
        same_text(&self.name, &text_of(other))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(v: &Value, name: &str) -> Value {
        match v {
            Value::Object(o) => o.call(name, &[]).expect("has the method").expect("answers"),
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn sizes_read_and_print_as_exchange_2007() {
        assert_eq!(byte_quantified(18 * 1024 * 1024), "18MB");
        assert_eq!(byte_quantified(2_411_520 * 1024), "2355MB");
        assert_eq!(byte_quantified(2 << 30), "2GB");
        assert_eq!(byte_quantified(1536), "1536B");
        assert_eq!(byte_quantified(0), "0B");
        assert_eq!(ByteQuantifiedSize::parse("30MB"), Some(30 << 20));
        assert_eq!(ByteQuantifiedSize::parse("30 MB"), Some(30 << 20));
        assert_eq!(ByteQuantifiedSize::parse("30 mb"), Some(30 << 20));
        assert_eq!(ByteQuantifiedSize::parse("1.5GB"), Some(3 << 29));
        assert_eq!(ByteQuantifiedSize::parse("1024"), Some(1024));
        assert_eq!(ByteQuantifiedSize::parse("18 MB (18,874,368 bytes)"), Some(18 << 20));
        for bad in ["", "MB", "30 XB", "-1MB", "1e400GB", "99999999999999999999TB"] {
            assert_eq!(ByteQuantifiedSize::parse(bad), None, "{bad}");
        }
        let size = ByteQuantifiedSize::value(30 << 20);
        assert_eq!(call(&size, "ToMB"), Value::Int(30));
        assert_eq!(call(&size, "ToBytes"), Value::Int(30 << 20));
        assert_eq!(call(&size, "ToGB"), Value::Int(0));
        let Value::Object(o) = &size else { unreachable!() };
        assert_eq!(o.compare(&Value::from("18MB")), Some(Ordering::Greater));
        assert!(o.equals(&Value::from("30 MB")));
    }

    #[test]
    fn unlimited_is_more_than_any_limit_and_says_so() {
        let none = Unlimited::size(None);
        let two = Unlimited::size(Some(2 << 30));
        let (Value::Object(n), Value::Object(t)) = (&none, &two) else { unreachable!() };
        assert_eq!(n.to_text(), "unlimited");
        assert_eq!(t.to_text(), "2GB");
        assert_eq!(n.property("IsUnlimited"), Some(Value::Bool(true)));
        assert_eq!(t.property("IsUnlimited"), Some(Value::Bool(false)));
        assert_eq!(n.compare(&two), Some(Ordering::Greater));
        assert_eq!(t.compare(&Value::from("1GB")), Some(Ordering::Greater));
        assert!(n.equals(&Value::from("Unlimited")));
        let Some(Value::Object(inner)) = t.property("Value") else { panic!("a value") };
        assert_eq!(inner.call("ToMB", &[]).map(|r| r.ok()), Some(Some(Value::Int(2048))));
    }

    #[test]
    fn paths_ids_versions_and_enums_answer_what_scripts_read() {
        let Value::Object(p) = LocalPath::value(PathKind::EdbFile, r"C:\Data\First Storage Group\Mailbox Database.edb")
        else {
            unreachable!()
        };
        assert_eq!(p.property("PathName"), Some(Value::from(r"C:\Data\First Storage Group\Mailbox Database.edb")));
        assert_eq!(p.property("DriveName"), Some(Value::from("C:")));
        assert!(p.is_a("LocalLongFullPath"));
        let dn = "CN=First Storage Group,CN=InformationStore,CN=CCREX01,CN=Servers,DC=contoso,DC=local";
        let Value::Object(id) = AdObjectId::value(r"CCREX01\First Storage Group", dn, None) else { unreachable!() };
        assert_eq!(id.property("Name"), Some(Value::from("First Storage Group")));
        assert_eq!(id.property("DistinguishedName"), Some(Value::from(dn)));
        assert_eq!(id.to_text(), r"CCREX01\First Storage Group");
        assert!(id.equals(&Value::from(r"ccrex01\first storage group")));
        assert_eq!(parent_dn(dn, 2), "CN=CCREX01,CN=Servers,DC=contoso,DC=local");
        let Value::Object(v) = ServerVersion::value("Version 8.1 (Build 240.6)") else { unreachable!() };
        assert_eq!((v.property("Major"), v.property("Build")), (Some(Value::Int(8)), Some(Value::Int(240))));
        let Value::Object(e) = ExchangeEnum::value(enums::COPY_STATUS, "Healthy") else { unreachable!() };
        assert!(e.equals(&Value::from("healthy")) && !e.equals(&Value::from("Failed")));
        let Value::Object(t) = EnhancedTimeSpan::value(TimeSpan { ticks: 7 * 86_400 * TimeSpan::TICKS_PER_SECOND })
        else {
            unreachable!()
        };
        assert_eq!(t.to_text(), "7.00:00:00");
        assert_eq!(t.property("TotalDays"), Some(Value::Real(7.0)));
        assert!(t.equals(&Value::from("7.00:00:00")));
    }
}
