//! The objects that flow through a pipeline: scalars (with .NET's numeric types: `Int32`,
//! `Int64`, `Double`, and in [`Numeric`] the sized integers, `Single`, `Decimal` and
//! `BigInteger`; `Char`), arrays, hashtables, script blocks, time spans and records with
//! ordered, PascalCase properties (PowerShell's PSObject, reduced to what the shell needs).
//! Arrays, hashtables and records are reference types, as in PowerShell.
//!
//! Owns: [`Value`], [`Numeric`], [`Record`], [`Hashtable`], [`TimeSpan`], truthiness, and the
//! plain-text form of a value (`ToString()`).
//!
//! Must not: lay out tables or lists, colour anything, or write to a stream (that is
//! `render`). Conversions from wire objects live with the cmdlets that fetch them.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use chrono::{DateTime, Utc};
use num_bigint::BigInt;
use num_traits::{ToPrimitive, Zero};
use rust_decimal::Decimal;

use super::layout::Align;
use super::runtime::ObjectRef;
use super::syntax::ScriptBlockDef;

/// A value in the shell.
///
/// Arrays, hashtables and records are reference types, as in PowerShell: every copy of the
/// value sees a change made through another (`$b = $a; $b[0] = 1` changes `$a[0]` too).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    /// A whole number typed as PowerShell types an integer literal: `System.Int32` when it
    /// fits, `System.Int64` when it does not.
    Int(i64),
    /// `System.Double`.
    Real(f64),
    /// Every other numeric type: `[byte]`, `[long]` (even when small), `[decimal]`, `[bigint]`…
    Number(Numeric),
    /// `System.Char`.
    Char(char),
    String(String),
    DateTime(DateTime<Utc>),
    TimeSpan(TimeSpan),
    /// `System.Object[]`.
    Array(Rc<RefCell<Vec<Value>>>),
    Hashtable(Rc<RefCell<Hashtable>>),
    Record(Rc<RefCell<Record>>),
    ScriptBlock(ScriptBlock),
    /// Output of `Format-Table`/`Format-List`: laid out already, only `render` reads it.
    Formatted(Rc<Formatted>),
    /// A .NET-style object (a FileInfo, an ArrayList, an Exchange size…): its type answers
    /// for its members (`runtime::object::NetObject`).
    Object(ObjectRef),
}

/// The numeric types besides `Int32`/`Int64` literals and `Double`.
#[derive(Debug, Clone, PartialEq)]
pub enum Numeric {
    SByte(i8),
    Byte(u8),
    Int16(i16),
    UInt16(u16),
    UInt32(u32),
    /// An explicit `System.Int64` (`1l`, `[long]1`), whatever its size.
    Int64(i64),
    UInt64(u64),
    Single(f32),
    Decimal(Decimal),
    BigInt(Rc<BigInt>),
}

impl Numeric {
    /// The .NET full name of the type.
    pub fn type_name(&self) -> &'static str {
        match self {
            Numeric::SByte(_) => "System.SByte",
            Numeric::Byte(_) => "System.Byte",
            Numeric::Int16(_) => "System.Int16",
            Numeric::UInt16(_) => "System.UInt16",
            Numeric::UInt32(_) => "System.UInt32",
            Numeric::Int64(_) => "System.Int64",
            Numeric::UInt64(_) => "System.UInt64",
            Numeric::Single(_) => "System.Single",
            Numeric::Decimal(_) => "System.Decimal",
            Numeric::BigInt(_) => "System.Numerics.BigInteger",
        }
    }

    /// The value as a double (lossy for big values, as .NET's conversion is).
    pub fn as_f64(&self) -> f64 {
        match self {
            Numeric::SByte(n) => f64::from(*n),
            Numeric::Byte(n) => f64::from(*n),
            Numeric::Int16(n) => f64::from(*n),
            Numeric::UInt16(n) => f64::from(*n),
            Numeric::UInt32(n) => f64::from(*n),
            Numeric::Int64(n) => *n as f64,
            Numeric::UInt64(n) => *n as f64,
            Numeric::Single(n) => f64::from(*n),
            Numeric::Decimal(d) => d.to_f64().unwrap_or(0.0),
            Numeric::BigInt(b) => b.to_f64().unwrap_or(f64::NAN),
        }
    }

    /// The value as an `i128` when it is a whole number of an integer type.
    pub fn as_i128(&self) -> Option<i128> {
        Some(match self {
            Numeric::SByte(n) => i128::from(*n),
            Numeric::Byte(n) => i128::from(*n),
            Numeric::Int16(n) => i128::from(*n),
            Numeric::UInt16(n) => i128::from(*n),
            Numeric::UInt32(n) => i128::from(*n),
            Numeric::Int64(n) => i128::from(*n),
            Numeric::UInt64(n) => i128::from(*n),
            Numeric::BigInt(b) => b.to_i128()?,
            Numeric::Single(_) | Numeric::Decimal(_) => return None,
        })
    }

    fn is_zero(&self) -> bool {
        match self {
            Numeric::Decimal(d) => d.is_zero(),
            Numeric::BigInt(b) => b.is_zero(),
            other => other.as_f64() == 0.0,
        }
    }

    fn to_display_string(&self) -> String {
        match self {
            Numeric::Single(f) => format_single(*f),
            Numeric::Decimal(d) => d.to_string(),
            Numeric::BigInt(b) => b.to_string(),
            other => other.as_i128().map_or_else(String::new, |n| n.to_string()),
        }
    }
}

impl Value {
    /// An array value.
    pub fn array(items: Vec<Value>) -> Value {
        Value::Array(Rc::new(RefCell::new(items)))
    }

    /// A record value.
    pub fn record(record: Record) -> Value {
        Value::Record(Rc::new(RefCell::new(record)))
    }

    /// An explicit `System.Int64`.
    pub fn long(n: i64) -> Value {
        Value::Number(Numeric::Int64(n))
    }

    /// The elements of an array (a copy of the list; the elements are shared), or `None`.
    pub fn array_items(&self) -> Option<Vec<Value>> {
        match self {
            Value::Array(items) => Some(items.borrow().clone()),
            _ => None,
        }
    }
}

/// An object with a type name and ordered properties.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub type_name: String,
    /// Type names put before `type_name` in `PSTypeNames` (a `PSTypeName` key of a hashtable
    /// cast to `[pscustomobject]`), first first.
    pub added_type_names: Vec<String>,
    pub properties: Vec<(String, Value)>,
    /// What `ToString()` gives, when not the type name (an ErrorRecord's is its message).
    pub text: Option<String>,
}

impl Record {
    pub fn new(type_name: impl Into<String>) -> Record {
        Record { type_name: type_name.into(), added_type_names: Vec::new(), properties: Vec::new(), text: None }
    }

    /// Sets what `ToString()` gives (builder style).
    pub fn with_text(mut self, text: impl Into<String>) -> Record {
        self.text = Some(text.into());
        self
    }

    /// Adds a property (builder style).
    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Record {
        self.properties.push((name.to_string(), value.into()));
        self
    }

    /// A property by name, case-insensitively, as PowerShell's member lookup does.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.properties.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v)
    }
}

/// `@{ … }`: keys compared case-insensitively, kept in insertion order (so `[ordered]` and
/// plain hashtables print alike, which is the order a runbook author wrote).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Hashtable {
    entries: Vec<(Value, Value)>,
}

impl Hashtable {
    pub fn new() -> Hashtable {
        Hashtable::default()
    }

    fn position(&self, key: &Value) -> Option<usize> {
        self.entries.iter().position(|(k, _)| keys_equal(k, key))
    }

    pub fn get(&self, key: &Value) -> Option<&Value> {
        self.position(key).map(|i| &self.entries[i].1)
    }

    /// Sets `key` to `value`, replacing an existing entry.
    pub fn insert(&mut self, key: Value, value: Value) {
        match self.position(&key) {
            Some(i) => self.entries[i].1 = value,
            None => self.entries.push((key, value)),
        }
    }

    pub fn remove(&mut self, key: &Value) -> Option<Value> {
        self.position(key).map(|i| self.entries.remove(i).1)
    }

    pub fn contains_key(&self, key: &Value) -> bool {
        self.position(key).is_some()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> &[(Value, Value)] {
        &self.entries
    }

    /// Wraps it as a shared value.
    pub fn into_value(self) -> Value {
        Value::Hashtable(Rc::new(RefCell::new(self)))
    }
}

/// Hashtable keys: strings compare case-insensitively, other values by value.
fn keys_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.eq_ignore_ascii_case(y),
        (Value::String(_), _) | (_, Value::String(_)) => {
            a.to_display_string().eq_ignore_ascii_case(&b.to_display_string())
        }
        _ => a == b,
    }
}

/// A script block value: its definition and the source it was written in (for error
/// positions).
#[derive(Debug, Clone)]
pub struct ScriptBlock {
    pub def: Rc<ScriptBlockDef>,
    pub source: Rc<Source>,
}

impl ScriptBlock {
    /// The text between the braces, as `ToString()` gives it.
    pub fn text(&self) -> &str {
        self.source.text.get(self.def.body.range()).unwrap_or("")
    }
}

impl PartialEq for ScriptBlock {
    fn eq(&self, other: &ScriptBlock) -> bool {
        Rc::ptr_eq(&self.def, &other.def)
    }
}

/// A source text and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub text: String,
    /// `None` for text typed at the prompt or given to `-Command`; the path for a script.
    pub file: Option<String>,
}

/// .NET's TimeSpan: a signed duration in 100-nanosecond ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct TimeSpan {
    pub ticks: i64,
}

impl TimeSpan {
    pub const TICKS_PER_SECOND: i64 = 10_000_000;

    /// A span of `seconds`, or `None` when it is too long for a TimeSpan.
    pub fn from_seconds(seconds: f64) -> Option<TimeSpan> {
        let ticks = (seconds * Self::TICKS_PER_SECOND as f64).round();
        (ticks.is_finite() && ticks.abs() < i64::MAX as f64).then_some(TimeSpan { ticks: ticks as i64 })
    }

    pub fn checked_add(self, other: TimeSpan) -> Option<TimeSpan> {
        self.ticks.checked_add(other.ticks).map(|ticks| TimeSpan { ticks })
    }

    pub fn checked_sub(self, other: TimeSpan) -> Option<TimeSpan> {
        self.ticks.checked_sub(other.ticks).map(|ticks| TimeSpan { ticks })
    }

    pub fn checked_neg(self) -> Option<TimeSpan> {
        self.ticks.checked_neg().map(|ticks| TimeSpan { ticks })
    }

    pub fn total_seconds(self) -> f64 {
        self.ticks as f64 / Self::TICKS_PER_SECOND as f64
    }

    /// `TimeSpan.Parse`: `[-]d`, or `[-][d.]hh:mm[:ss[.fffffff]]`, with .NET's range checks.
    pub fn parse(text: &str) -> Option<TimeSpan> {
        let text = text.trim();
        let (negative, body) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        if body.is_empty() {
            return None;
        }
        let number = |s: &str| -> Option<i64> {
            (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
        };
        let seconds = if !body.contains(':') {
            number(body)?.checked_mul(86_400)?
        } else {
            let (days, time) = match body.split_once('.') {
                Some((d, t)) if t.contains(':') && !d.contains(':') => (number(d)?, t),
                _ => (0, body),
            };
            let parts: Vec<&str> = time.split(':').collect();
            let (hours, minutes, seconds_text) = match parts.as_slice() {
                [h, m] => (number(h)?, number(m)?, "0"),
                [h, m, s] => (number(h)?, number(m)?, *s),
                _ => return None,
            };
            let (whole, fraction) = match seconds_text.split_once('.') {
                Some((w, f)) => (number(w)?, Some(f)),
                None => (number(seconds_text)?, None),
            };
            if hours > 23 || minutes > 59 || whole > 59 {
                return None;
            }
            let seconds = days.checked_mul(86_400)?.checked_add(hours * 3600 + minutes * 60 + whole)?;
            let mut ticks = seconds.checked_mul(Self::TICKS_PER_SECOND)?;
            if let Some(f) = fraction {
                if f.is_empty() || f.len() > 7 || !f.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                ticks = ticks.checked_add(f.parse::<i64>().ok()? * 10i64.pow(7 - f.len() as u32))?;
            }
            return Some(TimeSpan { ticks: if negative { -ticks } else { ticks } });
        };
        let ticks = seconds.checked_mul(Self::TICKS_PER_SECOND)?;
        Some(TimeSpan { ticks: if negative { -ticks } else { ticks } })
    }
}

impl fmt::Display for TimeSpan {
    /// `[-][d.]hh:mm:ss[.fffffff]`, as .NET's default format.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.ticks < 0 { "-" } else { "" };
        let ticks = self.ticks.unsigned_abs();
        let per_second = Self::TICKS_PER_SECOND as u64;
        let total_seconds = ticks / per_second;
        let fraction = ticks % per_second;
        let (days, rest) = (total_seconds / 86_400, total_seconds % 86_400);
        write!(f, "{sign}")?;
        if days > 0 {
            write!(f, "{days}.")?;
        }
        write!(f, "{:02}:{:02}:{:02}", rest / 3600, rest % 3600 / 60, rest % 60)?;
        if fraction > 0 {
            write!(f, ".{fraction:07}")?;
        }
        Ok(())
    }
}

/// A block already arranged by a formatting cmdlet.
#[derive(Debug, Clone, PartialEq)]
pub enum Formatted {
    /// Column headings and one row of cell texts per object, laid out at the screen's width
    /// when written: `widths` are the view's (0: none; all 0: from the data), `align` says
    /// where each column's cells sit (numbers right), `wrap` puts long cells on more lines
    /// instead of cutting them.
    Table { headers: Vec<String>, rows: Vec<Vec<String>>, align: Vec<Align>, widths: Vec<usize>, wrap: bool },
    /// One group of `name : value` lines per object.
    List(Vec<Vec<(String, String)>>),
}

impl Value {
    /// PowerShell's truthiness: `$null`, `$false`, 0, `''` and empty arrays are false.
    pub fn is_truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Real(r) => *r != 0.0,
            Value::Number(n) => !n.is_zero(),
            Value::Char(c) => *c != '\0',
            Value::String(s) => !s.is_empty(),
            Value::TimeSpan(t) => t.ticks != 0,
            Value::Hashtable(_) | Value::ScriptBlock(_) => true,
            Value::Array(items) => match items.borrow().as_slice() {
                [] => false,
                [one] => one.is_truthy(),
                _ => true,
            },
            Value::DateTime(_) | Value::Record(_) | Value::Formatted(_) => true,
            // A collection is true as an array is; any other object is true.
            Value::Object(o) => o.enumerate().is_none_or(|items| Value::array(items).is_truthy()),
        }
    }

    /// The text `ToString()` gives: what a scalar looks like in a cell or on its own line.
    pub fn to_display_string(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Bool(true) => "True".into(),
            Value::Bool(false) => "False".into(),
            Value::Int(i) => i.to_string(),
            Value::Real(r) => format_real(*r),
            Value::Number(n) => n.to_display_string(),
            Value::Char(c) => c.to_string(),
            Value::String(s) => s.clone(),
            Value::DateTime(t) => t.format("%-m/%-d/%Y %-I:%M:%S %p").to_string(),
            Value::TimeSpan(t) => t.to_string(),
            Value::Hashtable(_) => "System.Collections.Hashtable".into(),
            Value::ScriptBlock(sb) => sb.text().to_string(),
            Value::Array(items) => items.borrow().iter().map(Value::to_display_string).collect::<Vec<_>>().join(" "),
            Value::Record(r) => {
                let r = r.borrow();
                match &r.text {
                    Some(text) => text.clone(),
                    // A PSCustomObject (and what Select-Object makes) shows its properties.
                    None if r.type_name == "System.Management.Automation.PSCustomObject"
                        || r.type_name.starts_with("Selected.") =>
                    {
                        let fields: Vec<String> = r
                            .properties
                            .iter()
                            .map(|(n, v)| match v {
                                Value::Array(_) => format!("{n}=System.Object[]"),
                                other => format!("{n}={}", other.to_display_string()),
                            })
                            .collect();
                        format!("@{{{}}}", fields.join("; "))
                    }
                    None => r.type_name.clone(),
                }
            }
            Value::Formatted(_) => "Microsoft.PowerShell.Commands.Internal.Format".into(),
            Value::Object(o) => o.to_text(),
        }
    }
}

/// Reals as .NET prints them: the shortest text that reads back the same, without a trailing
/// `.0`, in E notation from 1E+15 up and below 1E-05.
fn format_real(r: f64) -> String {
    if r.is_nan() {
        return "NaN".into();
    }
    if r.is_infinite() {
        return if r > 0.0 { "∞".into() } else { "-∞".into() };
    }
    let magnitude = r.abs();
    if magnitude != 0.0 && !(1e-5..1e15).contains(&magnitude) {
        let scientific = format!("{r:e}");
        let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
        let exponent: i32 = exponent.parse().unwrap_or(0);
        let sign = if exponent < 0 { '-' } else { '+' };
        return format!("{mantissa}E{sign}{:02}", exponent.abs());
    }
    // .NET Core 3.0 and later print negative zero with its sign.
    if r == 0.0 && r.is_sign_negative() {
        return "-0".into();
    }
    if r.fract() == 0.0 { format!("{}", r as i64) } else { r.to_string() }
}

/// Singles as .NET prints them: the shortest text that reads back as the same single.
fn format_single(f: f32) -> String {
    if f.is_nan() || f.is_infinite() {
        return format_real(f64::from(f));
    }
    let magnitude = f.abs();
    if magnitude != 0.0 && !(1e-5..1e7).contains(&magnitude) {
        let scientific = format!("{f:e}");
        let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
        let exponent: i32 = exponent.parse().unwrap_or(0);
        let sign = if exponent < 0 { '-' } else { '+' };
        return format!("{mantissa}E{sign}{:02}", exponent.abs());
    }
    if f == 0.0 && f.is_sign_negative() {
        return "-0".into();
    }
    if f.fract() == 0.0 { format!("{}", f as i64) } else { f.to_string() }
}

impl From<TimeSpan> for Value {
    fn from(t: TimeSpan) -> Value {
        Value::TimeSpan(t)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<u64> for Value {
    fn from(n: u64) -> Value {
        i64::try_from(n).map_or(Value::Real(n as f64), Value::Int)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Int(n)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<DateTime<Utc>> for Value {
    fn from(t: DateTime<Utc>) -> Value {
        Value::DateTime(t)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(o: Option<T>) -> Value {
        o.map_or(Value::Null, Into::into)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Value {
        Value::array(items.into_iter().map(Into::into).collect())
    }
}

impl From<Record> for Value {
    fn from(r: Record) -> Value {
        Value::record(r)
    }
}

impl From<Formatted> for Value {
    fn from(f: Formatted) -> Value {
        Value::Formatted(Rc::new(f))
    }
}

impl From<Numeric> for Value {
    fn from(n: Numeric) -> Value {
        Value::Number(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truthiness_follows_powershell() {
        assert!(!Value::Null.is_truthy());
        assert!(!Value::from("").is_truthy());
        assert!(Value::from("False").is_truthy());
        assert!(!Value::array(vec![]).is_truthy());
        assert!(!Value::array(vec![Value::Int(0)]).is_truthy());
        assert!(Value::array(vec![Value::Int(0), Value::Int(0)]).is_truthy());
        assert!(!Value::Number(Numeric::Byte(0)).is_truthy());
        assert!(Value::Char('a').is_truthy());
    }

    #[test]
    fn timespans_parse_and_print_as_dotnet() {
        let parse = |t: &str| TimeSpan::parse(t).map(|t| t.to_string());
        assert_eq!(parse("0.0:0:0").as_deref(), Some("00:00:00"));
        assert_eq!(parse("1.00:00:00").as_deref(), Some("1.00:00:00"));
        assert_eq!(parse("3.0:0:0").as_deref(), Some("3.00:00:00"));
        assert_eq!(parse("1:2:21").as_deref(), Some("01:02:21"));
        assert_eq!(parse("31").as_deref(), Some("31.00:00:00"));
        assert_eq!(parse("00:00:01.5").as_deref(), Some("00:00:01.5000000"));
        assert_eq!(parse("-1:00:00").as_deref(), Some("-01:00:00"));
        assert_eq!(parse("24:00:00"), None, "hours are 0-23");
        assert_eq!(parse("1:60"), None, "minutes are 0-59");
        assert_eq!(parse("abc"), None);
        assert_eq!(TimeSpan::parse("1:30").map(|t| t.total_seconds()), Some(5400.0));
    }

    #[test]
    fn hashtable_keys_are_case_insensitive_and_ordered() {
        let mut h = Hashtable::new();
        h.insert(Value::from("Name"), Value::Int(1));
        h.insert(Value::from("other"), Value::Int(2));
        h.insert(Value::from("NAME"), Value::Int(3));
        assert_eq!(h.len(), 2);
        assert_eq!(h.get(&Value::from("name")), Some(&Value::Int(3)));
        assert_eq!(h.entries()[0].0, Value::from("Name"));
    }

    #[test]
    fn display_strings_follow_dotnet() {
        assert_eq!(Value::Bool(true).to_display_string(), "True");
        assert_eq!(Value::Real(2.0).to_display_string(), "2");
        assert_eq!(Value::Real(2.5).to_display_string(), "2.5");
        assert_eq!(Value::Real(1e15).to_display_string(), "1E+15");
        assert_eq!(Value::Real(9.223372036854776e18).to_display_string(), "9.223372036854776E+18");
        assert_eq!(Value::Real(0.000001).to_display_string(), "1E-06");
        assert_eq!(Value::Real(0.001).to_display_string(), "0.001");
        let t = DateTime::parse_from_rfc3339("2007-06-14T16:42:01Z").map(|t| t.to_utc());
        assert_eq!(Value::from(t.ok()).to_display_string(), "6/14/2007 4:42:01 PM");
    }
}
