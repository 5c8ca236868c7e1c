//! Conversions between values, as PowerShell's LanguagePrimitives does them: numbers from
//! strings, casts (`[int]`, `[string]`, `[bool]`, `[timespan]`, `[datetime]`, `[array]`,
//! `[pscustomobject]`…), type tests (`-is`), and .NET format strings for numbers and dates.
//!
//! Must not: evaluate expressions or touch variables.

use chrono::{DateTime, Utc};

use super::numeric::{self, Kind, Operand};
use crate::shell::error_record::ErrorRecord;
use crate::shell::runtime;
use crate::shell::value::{Hashtable, Record, TimeSpan, Value};

/// A number as code that needs only an integer or a double sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Num {
    Int(i64),
    Real(f64),
}

impl Num {
    pub fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Real(r) => r,
        }
    }

    pub fn into_value(self) -> Value {
        match self {
            Num::Int(i) => Value::Int(i),
            Num::Real(r) => Value::Real(r),
        }
    }
}

/// The .NET type name of a value, as `GetType().FullName` prints it.
pub fn type_name(value: &Value) -> String {
    match value {
        Value::Record(r) => r.borrow().type_name.clone(),
        Value::Object(o) => o.type_name(),
        other => crate::shell::bind::type_of(other).to_string(),
    }
}

/// The value as a number: numbers, booleans, `$null` (0) and numeric strings.
pub fn to_number(value: &Value) -> Option<Num> {
    Some(match numeric::operand(value)? {
        Operand::Int(i, _) => match i64::try_from(i) {
            Ok(i) => Num::Int(i),
            Err(_) => Num::Real(i as f64),
        },
        other => Num::Real(other.as_f64()),
    })
}

/// `Cannot convert value "x" to type "T". Error: "why"`.
pub fn cast_error(value: &Value, target: &str, why: &str) -> ErrorRecord {
    let shown = match value {
        Value::Array(_) => "System.Object[]".to_string(),
        other => other.to_display_string(),
    };
    ErrorRecord::new(
        "InvalidCastException",
        "InvalidArgument",
        format!("Cannot convert value \"{shown}\" to type \"{target}\". Error: \"{why}\""),
    )
    .exception("System.Management.Automation.PSInvalidCastException")
}

/// A number, or the error PowerShell gives for a value that is not one.
pub fn require_number(value: &Value, target: &str) -> Result<Num, ErrorRecord> {
    to_number(value).ok_or_else(|| not_a_number(value, target))
}

/// The error for a value that does not read as a number of type `target`.
pub fn not_a_number(value: &Value, target: &str) -> ErrorRecord {
    match value {
        Value::String(_) => cast_error(value, target, "Input string was not in a correct format."),
        Value::Array(_) => ErrorRecord::new(
            "ConvertToFinalInvalidCastException",
            "InvalidArgument",
            format!("Cannot convert the \"System.Object[]\" value of type \"System.Object[]\" to type \"{target}\"."),
        )
        .exception("System.Management.Automation.PSInvalidCastException"),
        other => ErrorRecord::new(
            "InvalidCastException",
            "InvalidArgument",
            format!(
                "Cannot convert the \"{}\" value of type \"{}\" to type \"{target}\".",
                other.to_display_string(),
                type_name(other)
            ),
        )
        .exception("System.Management.Automation.PSInvalidCastException"),
    }
}

/// The canonical form of a type name: `int`, `System.Int32` and `Int32` are all `int`.
pub fn canonical_type(name: &str) -> String {
    let trimmed = name.trim();
    let bare = match trimmed.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        Some(inner) => inner,
        None => trimmed,
    };
    let lower = bare.to_ascii_lowercase();
    let lower = lower.strip_prefix("system.").unwrap_or(&lower).to_string();
    if let Some(kind) = Kind::from_name(&lower) {
        return match kind {
            Kind::Int32 => "int",
            Kind::Int64 => "long",
            Kind::Int16 => "short",
            Kind::UInt16 => "ushort",
            Kind::UInt32 => "uint",
            Kind::UInt64 => "ulong",
            Kind::SByte => "sbyte",
            Kind::Byte => "byte",
            Kind::Single => "float",
            Kind::Double => "double",
            Kind::Decimal => "decimal",
            Kind::BigInt => "bigint",
            Kind::Bool | Kind::Char => "int",
        }
        .into();
    }
    match lower.as_str() {
        "string" => "string".into(),
        "char" => "char".into(),
        "boolean" | "bool" => "bool".into(),
        "object[]" | "array" => "array".into(),
        "collections.hashtable" | "hashtable" => "hashtable".into(),
        "collections.specialized.ordereddictionary" | "ordered" => "ordered".into(),
        "management.automation.pscustomobject" | "pscustomobject" => "pscustomobject".into(),
        "management.automation.psobject" | "psobject" => "psobject".into(),
        "management.automation.switchparameter" | "switch" => "switch".into(),
        "management.automation.scriptblock" | "scriptblock" => "scriptblock".into(),
        "datetime" => "datetime".into(),
        "timespan" => "timespan".into(),
        "void" => "void".into(),
        "object" => "object".into(),
        "management.automation.errorrecord" | "errorrecord" => "errorrecord".into(),
        other => other.to_string(),
    }
}

/// The full .NET name of a type named as in a cast.
pub fn full_type_name(name: &str) -> String {
    if let Some(kind) = Kind::from_name(name) {
        return kind.type_name().into();
    }
    match canonical_type(name).as_str() {
        "string" => "System.String".into(),
        "char" => "System.Char".into(),
        "bool" => "System.Boolean".into(),
        "array" => "System.Object[]".into(),
        "hashtable" => "System.Collections.Hashtable".into(),
        "ordered" => "System.Collections.Specialized.OrderedDictionary".into(),
        "pscustomobject" => "System.Management.Automation.PSObject".into(),
        "psobject" => "System.Management.Automation.PSObject".into(),
        "switch" => "System.Management.Automation.SwitchParameter".into(),
        "scriptblock" => "System.Management.Automation.ScriptBlock".into(),
        "datetime" => "System.DateTime".into(),
        "timespan" => "System.TimeSpan".into(),
        "object" => "System.Object".into(),
        _ => name.trim().to_string(),
    }
}

/// `[type] value`.
pub fn cast(type_name: &str, value: &Value) -> Result<Value, ErrorRecord> {
    let canonical = canonical_type(type_name);
    // A one-element array converts as its element to a scalar type.
    let single;
    let value = match (canonical.as_str(), value) {
        (t, Value::Array(items))
            if items.borrow().len() == 1
                && !t.ends_with("[]")
                && !matches!(t, "array" | "object" | "psobject" | "bool" | "string" | "switch") =>
        {
            single = items.borrow()[0].clone();
            &single
        }
        _ => value,
    };
    if let Some(kind) = Kind::from_name(&canonical) {
        return cast_number(value, kind);
    }
    match canonical.as_str() {
        "object" | "psobject" => Ok(value.clone()),
        "void" => Ok(Value::Null),
        "string" => Ok(match value {
            Value::Null => Value::String(String::new()),
            v => Value::String(v.to_display_string()),
        }),
        "char" => match value {
            Value::Char(_) => Ok(value.clone()),
            Value::String(s) if s.chars().count() == 1 => Ok(Value::Char(s.chars().next().unwrap_or('\0'))),
            Value::String(_) => Err(cast_error(value, "System.Char", "String must be exactly one character long.")),
            Value::Null => Ok(Value::Char('\0')),
            other => match numeric::operand(other) {
                Some(n) => numeric::convert(&n, Kind::Char).map_err(|why| cast_error(value, "System.Char", &why)),
                None => Err(not_a_number(value, "System.Char")),
            },
        },
        "bool" | "switch" => Ok(Value::Bool(value.is_truthy())),
        "array" => Ok(match value {
            Value::Array(_) => value.clone(),
            Value::Null => Value::array(Vec::new()),
            other => Value::array(vec![other.clone()]),
        }),
        t if t.ends_with("[]") => {
            let element = &type_name.trim()[..type_name.trim().len() - 2];
            let items = match value {
                Value::Array(items) => items.borrow().clone(),
                Value::Null => Vec::new(),
                other => vec![other.clone()],
            };
            Ok(Value::array(items.iter().map(|v| cast(element, v)).collect::<Result<_, _>>()?))
        }
        "hashtable" => match value {
            Value::Hashtable(_) => Ok(value.clone()),
            Value::Record(r) => {
                let mut h = Hashtable::new();
                for (k, v) in &r.borrow().properties {
                    h.insert(Value::String(k.clone()), v.clone());
                }
                Ok(h.into_value())
            }
            _ => Err(cast_error(
                value,
                "System.Collections.Hashtable",
                "Only objects with properties convert to a hashtable.",
            )),
        },
        "ordered" => match value {
            Value::Hashtable(_) => Ok(value.clone()),
            _ => Err(cast_error(
                value,
                "System.Collections.Specialized.OrderedDictionary",
                "Only a hashtable literal can be [ordered].",
            )),
        },
        "pscustomobject" => match value {
            Value::Hashtable(h) => {
                let mut record = Record::new("System.Management.Automation.PSCustomObject");
                for (k, v) in h.borrow().entries() {
                    let key = k.to_display_string();
                    // A `PSTypeName` key names the object's type (first in PSTypeNames)
                    // instead of becoming a property.
                    if key.eq_ignore_ascii_case("PSTypeName") && *v != Value::Null {
                        record.added_type_names.insert(0, v.to_display_string());
                        continue;
                    }
                    record.properties.push((key, v.clone()));
                }
                Ok(Value::record(record))
            }
            other => Ok(other.clone()),
        },
        "timespan" => match value {
            Value::TimeSpan(_) => Ok(value.clone()),
            Value::String(s) => TimeSpan::parse(s).map(Value::TimeSpan).ok_or_else(|| {
                cast_error(value, "System.TimeSpan", &format!("String '{s}' was not recognized as a valid TimeSpan."))
            }),
            other => match numeric::operand(other) {
                Some(Operand::Int(ticks, _)) => Ok(Value::TimeSpan(TimeSpan { ticks: ticks as i64 })),
                _ => Err(cast_error(
                    value,
                    "System.TimeSpan",
                    "Only text as d.hh:mm:ss or a number of ticks converts to a TimeSpan.",
                )),
            },
        },
        "datetime" => match value {
            Value::DateTime(_) => Ok(value.clone()),
            Value::String(s) => parse_date(s).map(Value::DateTime).ok_or_else(|| {
                cast_error(value, "System.DateTime", &format!("String '{s}' was not recognized as a valid DateTime."))
            }),
            _ => Err(cast_error(value, "System.DateTime", "Only text converts to a DateTime.")),
        },
        "scriptblock" => match value {
            Value::ScriptBlock(_) => Ok(value.clone()),
            _ => Err(cast_error(
                value,
                "System.Management.Automation.ScriptBlock",
                "Only a script block is a script block.",
            )),
        },
        _ => {
            let t = runtime::types::resolve(type_name).ok_or_else(|| runtime::types::type_not_found(type_name))?;
            if t.is_instance(value) {
                return Ok(value.clone());
            }
            t.convert_generic(&runtime::types::type_arguments(type_name), value).unwrap_or_else(|| {
                let shown = match value {
                    Value::Object(o) => o.type_name(),
                    other => crate::shell::bind::type_of(other).to_string(),
                };
                Err(cast_error(
                    value,
                    t.full_name(),
                    &format!(
                        "Cannot convert the \"{}\" value of type \"{shown}\" to type \"{}\".",
                        value.to_display_string(),
                        t.full_name()
                    ),
                ))
            })
        }
    }
}

/// `[int]`, `[byte]`, `[decimal]`… of a value.
fn cast_number(value: &Value, kind: Kind) -> Result<Value, ErrorRecord> {
    if kind == Kind::Bool {
        return Ok(Value::Bool(value.is_truthy()));
    }
    let operand = match value {
        // `[int]'a'` is not a number; `[int][char]'a'` is 97.
        Value::String(s) => numeric::parse_text(s).ok_or_else(|| not_a_number(value, kind.type_name()))?,
        other => numeric::operand(other).ok_or_else(|| not_a_number(value, kind.type_name()))?,
    };
    numeric::convert(&operand, kind).map_err(|why| cast_error(value, kind.type_name(), &why))
}

/// Whether `type_name` names a type ccrsh knows: a numeric type, a type the interpreter
/// implements itself, an array of a known type, or a .NET type of `runtime::types`. Types of
/// the PowerShell and Microsoft namespaces (`System.Management.Automation.*`,
/// `Microsoft.Exchange.*`) count as known: objects of many of them pass through ccrsh as
/// records, and PowerShell would have them loaded.
pub fn is_known_type(type_name: &str) -> bool {
    let canonical = canonical_type(type_name);
    if Kind::from_name(&canonical).is_some() {
        return true;
    }
    if let Some(element) = canonical.strip_suffix("[]") {
        return !element.is_empty() && is_known_type(element);
    }
    matches!(
        canonical.as_str(),
        "object"
            | "psobject"
            | "valuetype"
            | "string"
            | "char"
            | "bool"
            | "array"
            | "collections.ienumerable"
            | "collections.ilist"
            | "collections.icollection"
            | "collections.idictionary"
            | "hashtable"
            | "ordered"
            | "timespan"
            | "datetime"
            | "scriptblock"
            | "pscustomobject"
            | "errorrecord"
            | "icomparable"
            | "iconvertible"
            | "void"
            | "switch"
    ) || canonical.starts_with("management.automation.")
        || canonical.starts_with("microsoft.")
        || runtime::types::resolve(type_name).is_some()
}

/// `value -is [type]`.
pub fn is_type(value: &Value, type_name: &str) -> bool {
    let canonical = canonical_type(type_name);
    if let Some(kind) = Kind::from_name(&canonical) {
        return numeric::kind_of(value) == Some(kind);
    }
    match (canonical.as_str(), value) {
        (_, Value::Null) => false,
        ("object", _) => true,
        // Only what is wrapped in a PSObject is one: custom objects and cmdlet output, not a
        // literal string or number.
        ("psobject", v) => matches!(v, Value::Record(_) | Value::Object(_)),
        (
            "valuetype",
            Value::Int(_)
            | Value::Real(_)
            | Value::Number(_)
            | Value::Char(_)
            | Value::Bool(_)
            | Value::TimeSpan(_)
            | Value::DateTime(_),
        ) => true,
        ("string", Value::String(_)) => true,
        ("char", Value::Char(_)) => true,
        ("bool", Value::Bool(_)) => true,
        ("array" | "object[]", Value::Array(_)) => true,
        ("collections.ienumerable" | "collections.ilist" | "collections.icollection", Value::Array(_)) => true,
        ("hashtable" | "collections.idictionary", Value::Hashtable(_)) => true,
        ("timespan", Value::TimeSpan(_)) => true,
        ("datetime", Value::DateTime(_)) => true,
        ("scriptblock", Value::ScriptBlock(_)) => true,
        ("pscustomobject", Value::Record(r)) => {
            r.borrow().type_name.ends_with("PSCustomObject") || r.borrow().type_name.starts_with("Selected.")
        }
        ("errorrecord", Value::Record(r)) => r.borrow().type_name == "System.Management.Automation.ErrorRecord",
        (t, Value::Record(r)) => {
            let full = r.borrow().type_name.to_ascii_lowercase();
            let full = full.strip_prefix("system.").unwrap_or(&full).to_string();
            full == t || full.rsplit('.').next() == Some(t)
        }
        (
            "icomparable" | "iconvertible",
            Value::Int(_) | Value::Real(_) | Value::Number(_) | Value::String(_) | Value::Char(_) | Value::Bool(_),
        ) => true,
        (_, Value::Object(o)) => o.is_a(type_name),
        _ => runtime::types::resolve(type_name).is_some_and(|t| t.is_instance(value)),
    }
}

/// `[datetime]` text, as `DateTime.Parse` reads it (`runtime::dotnet` owns the rules).
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    runtime::dotnet::parse_date(text)
}

/// `v` with `decimals` digits after the point, a midpoint rounded away from zero as .NET does
/// (`0.125` to two places is `0.13`; Rust's own formatting would give `0.12`).
fn fixed_point(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    // Rust prints the exact binary value's digits; 20 more than needed decide the rounding.
    let exact = format!("{:.*}", decimals + 20, v.abs());
    let (whole, fraction) = exact.split_once('.').unwrap_or((&exact, ""));
    let mut digits: Vec<u8> = whole.bytes().chain(fraction.bytes().take(decimals)).collect();
    if fraction.as_bytes().get(decimals).is_some_and(|d| *d >= b'5') {
        let mut at = digits.len();
        loop {
            if at == 0 {
                digits.insert(0, b'1');
                break;
            }
            at -= 1;
            if digits[at] == b'9' {
                digits[at] = b'0';
            } else {
                digits[at] += 1;
                break;
            }
        }
    }
    let point = digits.len() - decimals;
    let mut text = String::from(if v.is_sign_negative() && digits.iter().any(|d| *d != b'0') { "-" } else { "" });
    text.push_str(&String::from_utf8_lossy(&digits[..point]));
    if decimals > 0 {
        text.push('.');
        text.push_str(&String::from_utf8_lossy(&digits[point..]));
    }
    text
}

/// A .NET numeric format (`N2`, `F1`, `D5`, `X`, `P0`, `0.00`, `#,##0`).
pub fn format_number(n: Num, format: &str) -> Option<String> {
    let mut chars = format.chars();
    let kind = chars.next()?;
    let digits: Option<usize> = chars.as_str().parse().ok();
    // Rust's formatter caps width and precision at u16; longer requests are not a number format.
    if digits.is_some_and(|d| d > usize::from(u16::MAX)) {
        return None;
    }
    let v = n.as_f64();
    Some(match kind.to_ascii_uppercase() {
        'N' => group_thousands(&fixed_point(v, digits.unwrap_or(2))),
        'F' => fixed_point(v, digits.unwrap_or(2)),
        'D' => match n {
            Num::Int(i) => format!("{:0width$}", i, width = digits.unwrap_or(0)),
            Num::Real(_) => return None,
        },
        'X' => match n {
            Num::Int(i) if kind == 'x' => format!("{:0width$x}", i, width = digits.unwrap_or(0)),
            Num::Int(i) => format!("{:0width$X}", i, width = digits.unwrap_or(0)),
            Num::Real(_) => return None,
        },
        'P' => format!("{} %", fixed_point(v * 100.0, digits.unwrap_or(2))),
        '0' | '#' => {
            let decimals =
                format.split_once('.').map_or(0, |(_, d)| d.chars().filter(|c| *c == '0' || *c == '#').count());
            let text = fixed_point(v, decimals);
            if format.contains(',') { group_thousands(&text) } else { text }
        }
        _ => return None,
    })
}

/// `value` as .NET's `N<digits>` format writes it: fixed point, thousands grouped (`1,234.50`).
pub fn group_thousands_fixed(value: f64, digits: usize) -> String {
    group_thousands(&fixed_point(value, digits))
}

fn group_thousands(text: &str) -> String {
    let (sign, body) = text.strip_prefix('-').map_or(("", text), |b| ("-", b));
    let (whole, fraction) = body.split_once('.').map_or((body, None), |(w, f)| (w, Some(f)));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match fraction {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// A .NET date format (`yyyy-MM-dd HH:mm:ss`, `s`, `o`, `d`, `g`…; `runtime::dotnet` owns
/// the rules).
pub fn format_date(t: &DateTime<Utc>, format: &str) -> String {
    runtime::dotnet::format_date(t, format)
}

/// The `-f` operator: `{index[,alignment][:format]}` with `{{` and `}}` escapes.
pub fn composite_format(template: &str, args: &[Value]) -> Result<String, ErrorRecord> {
    let invalid = || {
        ErrorRecord::new(
            "FormatError",
            "InvalidOperation",
            format!(
                "Error formatting a string: Input string was not in a correct format.. The format string was '{template}'."
            ),
        )
    };
    let mut out = String::new();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut item = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(ch) => item.push(ch),
                        None => return Err(invalid()),
                    }
                }
                let (head, format) = item.split_once(':').map_or((item.as_str(), None), |(h, f)| (h, Some(f)));
                let (index, alignment) = head.split_once(',').map_or((head, None), |(i, a)| (i, Some(a)));
                let index: usize = index.trim().parse().map_err(|_| invalid())?;
                let value = args.get(index).ok_or_else(|| {
                    ErrorRecord::new(
                        "FormatError",
                        "InvalidOperation",
                        format!("Error formatting a string: Index (zero based) must be greater than or equal to zero and less than the size of the argument list.. The format string was '{template}'."),
                    )
                })?;
                let text = match (value, format) {
                    // .NET throws for a TimeSpan format that has no meaning.
                    (Value::TimeSpan(span), Some(format)) => {
                        runtime::dotnet::format_timespan(*span, format).ok_or_else(invalid)?
                    }
                    _ => format_value(value, format.unwrap_or("")),
                };
                match alignment.map(|a| a.trim().parse::<i64>()) {
                    // .NET rejects alignments of a million or more with the same FormatException.
                    Some(Ok(width)) if width.unsigned_abs() > u64::from(u16::MAX) => return Err(invalid()),
                    Some(Ok(width)) if width < 0 => {
                        out.push_str(&format!("{text:<w$}", w = width.unsigned_abs() as usize))
                    }
                    Some(Ok(width)) => out.push_str(&format!("{text:>w$}", w = width as usize)),
                    Some(Err(_)) => return Err(invalid()),
                    None => out.push_str(&text),
                }
            }
            '}' => return Err(invalid()),
            other => out.push(other),
        }
    }
    Ok(out)
}

/// `ToString(format)` of a value.
pub fn format_value(value: &Value, format: &str) -> String {
    if format.is_empty() {
        return value.to_display_string();
    }
    match value {
        Value::DateTime(t) => format_date(t, format),
        Value::TimeSpan(t) => runtime::dotnet::format_timespan(*t, format).unwrap_or_else(|| value.to_display_string()),
        Value::Int(_) | Value::Real(_) | Value::Number(_) => {
            to_number(value).and_then(|n| format_number(n, format)).unwrap_or_else(|| value.to_display_string())
        }
        other => other.to_display_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn casts_follow_powershell() {
        assert_eq!(cast("int", &Value::Real(2.5)), Ok(Value::Int(2)), "banker's rounding");
        assert_eq!(cast("int", &Value::Real(3.5)), Ok(Value::Int(4)));
        assert_eq!(cast("int", &Value::from(" 42 ")), Ok(Value::Int(42)));
        assert_eq!(cast("bool", &Value::from("False")), Ok(Value::Bool(true)), "a non-empty string is true");
        assert_eq!(cast("string", &Value::array(vec![Value::Int(1), Value::Int(2)])), Ok(Value::from("1 2")));
        assert_eq!(cast("timespan", &Value::from("0.0:0:0")), Ok(Value::TimeSpan(TimeSpan::default())));
        assert!(cast("int", &Value::from("abc")).is_err());
        let e = cast("Nope", &Value::Null).expect_err("unknown type");
        assert_eq!(e.message, "Unable to find type [Nope].");
    }

    #[test]
    fn formats_numbers_dates_and_composites() {
        assert_eq!(format_number(Num::Real(1234.5), "N2").as_deref(), Some("1,234.50"));
        assert_eq!(format_number(Num::Int(7), "D3").as_deref(), Some("007"));
        assert_eq!(format_number(Num::Int(255), "X").as_deref(), Some("FF"));
        assert_eq!(format_number(Num::Real(0.5), "P0").as_deref(), Some("50 %"));
        let t = parse_date("2026-11-22T16:05:09Z").expect("date");
        assert_eq!(format_date(&t, "yyyy-MM-dd HH:mm:ss"), "2026-11-22 16:05:09");
        assert_eq!(format_date(&t, "M/d/yyyy h:mm tt"), "11/22/2026 4:05 PM");
        let args = [Value::from("CCREX01"), Value::Int(3)];
        assert_eq!(
            composite_format("{0} has {1,3} copies {{ok}}", &args).as_deref(),
            Ok("CCREX01 has   3 copies {ok}")
        );
        assert!(composite_format("{2}", &args).is_err());
    }
}
