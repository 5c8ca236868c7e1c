//! The objects that flow through a pipeline: scalars, arrays and records with ordered,
//! PascalCase properties (PowerShell's PSObject, reduced to what the shell needs).
//!
//! Owns: [`Value`], [`Record`], truthiness, and the plain-text form of a value (`ToString()`).
//!
//! Must not: lay out tables or lists, colour anything, or write to a stream (that is
//! `render`). Conversions from wire objects live with the cmdlets that fetch them.

use chrono::{DateTime, Utc};

/// A value in the shell.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Real(f64),
    String(String),
    DateTime(DateTime<Utc>),
    Array(Vec<Value>),
    Record(Record),
    /// Output of `Format-Table`/`Format-List`: laid out already, only `render` reads it.
    Formatted(Formatted),
}

/// An object with a type name and ordered properties.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub type_name: String,
    pub properties: Vec<(String, Value)>,
}

impl Record {
    pub fn new(type_name: impl Into<String>) -> Record {
        Record {
            type_name: type_name.into(),
            properties: Vec::new(),
        }
    }

    /// Adds a property (builder style).
    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Record {
        self.properties.push((name.to_string(), value.into()));
        self
    }

    /// A property by name, case-insensitively, as PowerShell's member lookup does.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.properties
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }
}

/// A block already arranged by a formatting cmdlet.
#[derive(Debug, Clone, PartialEq)]
pub enum Formatted {
    /// Column headings and one row of cell texts per object.
    Table {
        headers: Vec<String>,
        rows: Vec<Vec<String>>,
        numeric: Vec<bool>,
    },
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
            Value::String(s) => !s.is_empty(),
            Value::Array(items) => match items.as_slice() {
                [] => false,
                [one] => one.is_truthy(),
                _ => true,
            },
            Value::DateTime(_) | Value::Record(_) | Value::Formatted(_) => true,
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
            Value::String(s) => s.clone(),
            Value::DateTime(t) => t.format("%-m/%-d/%Y %-I:%M:%S %p").to_string(),
            Value::Array(items) => items
                .iter()
                .map(Value::to_display_string)
                .collect::<Vec<_>>()
                .join(" "),
            Value::Record(r) => r.type_name.clone(),
            Value::Formatted(_) => "Microsoft.PowerShell.Commands.Internal.Format".into(),
        }
    }
}

/// Reals print without a trailing `.0`, as .NET does.
fn format_real(r: f64) -> String {
    if r.fract() == 0.0 && r.abs() < 1e15 {
        format!("{}", r as i64)
    } else {
        r.to_string()
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
        Value::Array(items.into_iter().map(Into::into).collect())
    }
}

impl From<Record> for Value {
    fn from(r: Record) -> Value {
        Value::Record(r)
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
        assert!(!Value::Array(vec![]).is_truthy());
        assert!(!Value::Array(vec![Value::Int(0)]).is_truthy());
        assert!(Value::Array(vec![Value::Int(0), Value::Int(0)]).is_truthy());
    }

    #[test]
    fn display_strings_follow_dotnet() {
        assert_eq!(Value::Bool(true).to_display_string(), "True");
        assert_eq!(Value::Real(2.0).to_display_string(), "2");
        assert_eq!(Value::Real(2.5).to_display_string(), "2.5");
        let t = DateTime::parse_from_rfc3339("2007-06-14T16:42:01Z").map(|t| t.to_utc());
        assert_eq!(
            Value::from(t.ok()).to_display_string(),
            "6/14/2007 4:42:01 PM"
        );
    }
}
