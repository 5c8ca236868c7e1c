//! Members of values: properties (`.Count`, `.Length`, record properties, hashtable keys,
//! member enumeration over arrays, TimeSpan and DateTime parts), the methods admins call on
//! strings, arrays, hashtables, numbers, TimeSpans and DateTimes, and static members of the
//! few .NET types runbooks use (`[math]`, `[string]`, `[datetime]`, `[timespan]`, `[int]`).
//!
//! Must not: evaluate expressions or know about variables.

use chrono::{Datelike, Timelike};

use super::convert::{Num, format_value, require_number, to_number, type_name};
use super::operators::{MAX_REPEATED_TEXT, equals, shift_date, span, too_large};
use crate::shell::error_record::ErrorRecord;
use crate::shell::runtime::{self, ObjectRef};
use crate::shell::value::{Record, TimeSpan, Value};

/// `value.name`. A missing property is `$null`, as without strict mode.
pub fn property(value: &Value, name: &str) -> Value {
    let is = |n: &str| name.eq_ignore_ascii_case(n);
    // The intrinsic members every value has.
    if is("PSObject") && *value != Value::Null {
        return runtime::psobject::view(value);
    }
    if is("PSTypeNames") && *value != Value::Null {
        return Value::array(runtime::psobject::type_names(value).into_iter().map(Value::String).collect());
    }
    match value {
        Value::Null if is("Count") || is("Length") => Value::Int(0),
        Value::Null => Value::Null,
        Value::Record(r) => {
            r.borrow().get(name).cloned().unwrap_or_else(|| if is("Count") { Value::Int(1) } else { Value::Null })
        }
        Value::Hashtable(h) => {
            let h = h.borrow();
            if let Some(v) = h.get(&Value::String(name.to_string())) {
                return v.clone();
            }
            if is("Count") {
                Value::Int(h.len() as i64)
            } else if is("Keys") {
                Value::array(h.entries().iter().map(|(k, _)| k.clone()).collect())
            } else if is("Values") {
                Value::array(h.entries().iter().map(|(_, v)| v.clone()).collect())
            } else {
                Value::Null
            }
        }
        Value::Array(list) => {
            if is("Count") || is("Length") || is("LongLength") {
                return Value::Int(list.borrow().len() as i64);
            }
            // Member enumeration: the property of each element that has it.
            let values: Vec<Value> = list
                .borrow()
                .iter()
                .map(|item| property(item, name))
                .filter(|v| *v != Value::Null)
                .flat_map(|v| match v {
                    Value::Array(inner) => inner.borrow().clone(),
                    other => vec![other],
                })
                .collect();
            match values.len() {
                0 => Value::Null,
                1 => values.into_iter().next().unwrap_or(Value::Null),
                _ => Value::array(values),
            }
        }
        Value::String(s) if is("Length") => Value::Int(s.chars().count() as i64),
        Value::TimeSpan(t) => timespan_property(*t, name),
        Value::DateTime(t) => match name.to_ascii_lowercase().as_str() {
            "year" => Value::Int(i64::from(t.year())),
            "month" => Value::Int(i64::from(t.month())),
            "day" => Value::Int(i64::from(t.day())),
            "hour" => Value::Int(i64::from(t.hour())),
            "minute" => Value::Int(i64::from(t.minute())),
            "second" => Value::Int(i64::from(t.second())),
            "millisecond" => Value::Int(i64::from(t.timestamp_subsec_millis())),
            "dayofweek" => Value::String(t.format("%A").to_string()),
            "dayofyear" => Value::Int(i64::from(t.ordinal())),
            "date" => Value::DateTime(t.date_naive().and_hms_opt(0, 0, 0).map_or(*t, |d| d.and_utc())),
            "timeofday" => Value::TimeSpan(TimeSpan {
                ticks: i64::from(t.num_seconds_from_midnight()) * TimeSpan::TICKS_PER_SECOND,
            }),
            "kind" => Value::from("Utc"),
            _ => Value::Null,
        },
        Value::ScriptBlock(sb) if is("Ast") || is("ToString") => Value::String(sb.text().to_string()),
        Value::Object(o) => o.property(name).unwrap_or_else(|| match o.enumerate() {
            Some(items) if is("Count") => Value::Int(items.len() as i64),
            // Member enumeration, as for an array.
            Some(items) => property(&Value::array(items), name),
            None if is("Count") || is("Length") => Value::Int(1),
            None => Value::Null,
        }),
        _ if is("Count") || is("Length") => Value::Int(1),
        _ => Value::Null,
    }
}

fn timespan_property(t: TimeSpan, name: &str) -> Value {
    let per_second = TimeSpan::TICKS_PER_SECOND;
    let total_seconds = t.ticks / per_second;
    match name.to_ascii_lowercase().as_str() {
        "ticks" => Value::Int(t.ticks),
        "days" => Value::Int(total_seconds / 86_400),
        "hours" => Value::Int(total_seconds % 86_400 / 3600),
        "minutes" => Value::Int(total_seconds % 3600 / 60),
        "seconds" => Value::Int(total_seconds % 60),
        "milliseconds" => Value::Int(t.ticks % per_second / 10_000),
        // As .NET computes them: the ticks over the ticks of the unit.
        "totaldays" => Value::Real(t.ticks as f64 / (per_second as f64 * 86_400.0)),
        "totalhours" => Value::Real(t.ticks as f64 / (per_second as f64 * 3600.0)),
        "totalminutes" => Value::Real(t.ticks as f64 / (per_second as f64 * 60.0)),
        "totalseconds" => Value::Real(t.ticks as f64 / per_second as f64),
        "totalmilliseconds" => Value::Real(t.ticks as f64 / 10_000.0),
        _ => Value::Null,
    }
}

fn method_not_found(value: &Value, name: &str) -> ErrorRecord {
    ErrorRecord::new(
        "MethodNotFound",
        "InvalidOperation",
        format!("Method invocation failed because [{}] does not contain a method named '{name}'.", type_name(value)),
    )
    .exception("System.Management.Automation.RuntimeException")
}

/// `$null.Method()`: PowerShell's InvokeMethodOnNull (only `?.` tolerates a null target).
pub fn method_on_null() -> ErrorRecord {
    ErrorRecord::new(
        "InvokeMethodOnNull",
        "InvalidOperation",
        "You cannot call a method on a null-valued expression.".into(),
    )
    .exception("System.Management.Automation.RuntimeException")
    .with_hint("The value is $null: check that the command or variable before the dot returned something, or write ?. to skip the call when it did not.")
}

fn argument_count(name: &str, count: usize) -> ErrorRecord {
    ErrorRecord::new(
        "MethodCountCouldNotFindBest",
        "InvalidOperation",
        format!("Cannot find an overload for \"{name}\" and the argument count: \"{count}\"."),
    )
}

fn arg_string(args: &[Value], i: usize) -> String {
    args.get(i).map(Value::to_display_string).unwrap_or_default()
}

fn arg_int(args: &[Value], i: usize, name: &str) -> Result<i64, ErrorRecord> {
    let v = args.get(i).ok_or_else(|| argument_count(name, args.len()))?;
    match require_number(v, "System.Int32")? {
        Num::Int(n) => Ok(n),
        Num::Real(r) => Ok(r as i64),
    }
}

/// `value.Name(args)`.
pub fn call_method(value: &Value, name: &str, args: &[Value]) -> Result<Value, ErrorRecord> {
    instance_method(value, name, args).map_err(|e| thrown_by_method(name, args.len(), e))
}

/// The value `get_<Property>()` returns for the properties of strings, arrays and hashtables
/// (`lower` is the method's name in lower case); `None` for any other name. A hashtable's
/// getters read the table itself, never a key of that name.
fn property_getter(value: &Value, lower: &str) -> Option<Value> {
    let property = lower.strip_prefix("get_")?;
    match (value, property) {
        (Value::String(s), "length") => Some(Value::Int(s.chars().count() as i64)),
        (Value::Array(list), "count" | "length" | "longlength") => Some(Value::Int(list.borrow().len() as i64)),
        (Value::Hashtable(h), "count") => Some(Value::Int(h.borrow().len() as i64)),
        (Value::Hashtable(h), "keys") => {
            Some(Value::array(h.borrow().entries().iter().map(|(k, _)| k.clone()).collect()))
        }
        (Value::Hashtable(h), "values") => {
            Some(Value::array(h.borrow().entries().iter().map(|(_, v)| v.clone()).collect()))
        }
        _ => None,
    }
}

/// A .NET exception thrown inside a method reaches the script as PowerShell wraps it
/// (`runtime::object::as_method_invocation`).
fn thrown_by_method(name: &str, count: usize, error: ErrorRecord) -> ErrorRecord {
    runtime::object::as_method_invocation(name, count, error)
}

fn instance_method(value: &Value, name: &str, args: &[Value]) -> Result<Value, ErrorRecord> {
    if let Value::Object(o) = value {
        return object_method(o, name, args);
    }
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "tostring" => {
            if let (Value::TimeSpan(span), Some(format)) = (value, args.first()) {
                let text = runtime::dotnet::format_timespan(*span, &format.to_display_string()).ok_or_else(|| {
                    ErrorRecord::new(
                        "FormatException",
                        "InvalidOperation",
                        "Input string was not in a correct format.".into(),
                    )
                    .exception("System.FormatException")
                    .with_hint(r"Escape every character of a TimeSpan format that is not a specifier: 'hh\:mm\:ss'.")
                })?;
                return Ok(Value::String(text));
            }
            return Ok(Value::String(match args.first() {
                Some(format) => format_value(value, &format.to_display_string()),
                None => value.to_display_string(),
            }));
        }
        "gettype" => {
            return Ok(Value::record(
                Record::new("System.RuntimeType")
                    .with("Name", type_name(value).rsplit('.').next().unwrap_or(""))
                    .with("FullName", type_name(value)),
            ));
        }
        "equals" => {
            return Ok(Value::Bool(equals(value, args.first().unwrap_or(&Value::Null), false)));
        }
        _ => {}
    }
    // A .NET property's getter called as a method (`$h.get_Keys()`, `'ab'.get_Length()`).
    if args.is_empty()
        && let Some(getter) = property_getter(value, &lower)
    {
        return Ok(getter);
    }
    match value {
        Value::String(s) => string_method(s, &lower, name, args, value),
        Value::Array(list) => match lower.as_str() {
            "contains" => {
                Ok(Value::Bool(list.borrow().iter().any(|v| equals(v, args.first().unwrap_or(&Value::Null), true))))
            }
            // Array.Clone(): a new array holding the same elements.
            "clone" if args.is_empty() => Ok(Value::array(list.borrow().clone())),
            "indexof" => Ok(Value::Int(
                list.borrow()
                    .iter()
                    .position(|v| equals(v, args.first().unwrap_or(&Value::Null), true))
                    .map_or(-1, |i| i as i64),
            )),
            "foreach" | "where" => Err(ErrorRecord::new(
                "MethodNotSupported",
                "NotImplemented",
                format!(
                    "The .{name}() array method takes a script block; use the {name}-Object cmdlet in a pipeline instead."
                ),
            )),
            // Member enumeration (PowerShell 3): a method the array does not have is called
            // on each of its elements, and the results are collected.
            _ => {
                let items = list.borrow().clone();
                if items.is_empty() {
                    return Err(method_not_found(value, name));
                }
                let mut results = Vec::with_capacity(items.len());
                for item in items.iter().filter(|v| **v != Value::Null) {
                    match instance_method(item, name, args)? {
                        Value::Null => {}
                        result => results.push(result),
                    }
                }
                Ok(match results.len() {
                    1 => results.remove(0),
                    _ => Value::array(results),
                })
            }
        },
        Value::Hashtable(h) => match lower.as_str() {
            "containskey" | "contains" => {
                Ok(Value::Bool(h.borrow().contains_key(args.first().unwrap_or(&Value::Null))))
            }
            "containsvalue" => Ok(Value::Bool(
                h.borrow().entries().iter().any(|(_, v)| equals(v, args.first().unwrap_or(&Value::Null), false)),
            )),
            "add" => {
                let [key, v] = args else {
                    return Err(argument_count(name, args.len()));
                };
                if h.borrow().contains_key(key) {
                    return Err(ErrorRecord::new(
                        "ArgumentException",
                        "InvalidArgument",
                        format!(
                            "Item has already been added. Key in dictionary: '{}'  Key being added: '{}'",
                            key.to_display_string(),
                            key.to_display_string()
                        ),
                    ));
                }
                h.borrow_mut().insert(key.clone(), v.clone());
                Ok(Value::Null)
            }
            "remove" => {
                h.borrow_mut().remove(args.first().unwrap_or(&Value::Null));
                Ok(Value::Null)
            }
            "clear" => {
                *h.borrow_mut() = Default::default();
                Ok(Value::Null)
            }
            "getenumerator" => Ok(Value::array(
                h.borrow()
                    .entries()
                    .iter()
                    .map(|(k, v)| {
                        Value::record(
                            Record::new("System.Collections.DictionaryEntry")
                                .with("Name", k.clone())
                                .with("Key", k.clone())
                                .with("Value", v.clone()),
                        )
                    })
                    .collect(),
            )),
            _ => Err(method_not_found(value, name)),
        },
        Value::TimeSpan(t) => match lower.as_str() {
            "add" => match args.first() {
                Some(Value::TimeSpan(o)) => span(t.checked_add(*o)),
                _ => Err(argument_count(name, args.len())),
            },
            "negate" => span(t.checked_neg()),
            _ => Err(method_not_found(value, name)),
        },
        Value::DateTime(t) => {
            let amount = || -> Result<f64, ErrorRecord> {
                Ok(require_number(args.first().ok_or_else(|| argument_count(name, 0))?, "System.Double")?.as_f64())
            };
            let shifted = |micros: f64| {
                if micros.is_finite() && micros.abs() < 3.2e17 {
                    shift_date(t, micros as i64)
                } else {
                    shift_date(t, i64::MAX)
                }
            };
            match lower.as_str() {
                "adddays" => shifted(amount()? * 86_400e6),
                "addhours" => shifted(amount()? * 3_600e6),
                "addminutes" => shifted(amount()? * 60e6),
                "addseconds" => shifted(amount()? * 1e6),
                "addmilliseconds" => shifted(amount()? * 1e3),
                "add" => match args.first() {
                    Some(Value::TimeSpan(d)) => shifted(d.ticks as f64 / 10.0),
                    _ => Err(argument_count(name, args.len())),
                },
                "subtract" => match args.first() {
                    Some(Value::TimeSpan(d)) => shifted(-(d.ticks as f64) / 10.0),
                    Some(Value::DateTime(o)) => {
                        Ok(Value::TimeSpan(TimeSpan { ticks: (*t - *o).num_microseconds().unwrap_or(0) * 10 }))
                    }
                    _ => Err(argument_count(name, args.len())),
                },
                "touniversaltime" | "tolocaltime" => Ok(value.clone()),
                // The en-US culture's long and short date and time patterns; none takes arguments.
                "tolongdatestring" | "toshortdatestring" | "tolongtimestring" | "toshorttimestring"
                    if !args.is_empty() =>
                {
                    Err(argument_count(name, args.len()))
                }
                "tolongdatestring" => Ok(Value::String(t.format("%A, %B %-d, %Y").to_string())),
                "toshortdatestring" => Ok(Value::String(t.format("%-m/%-d/%Y").to_string())),
                "tolongtimestring" => Ok(Value::String(t.format("%-I:%M:%S %p").to_string())),
                "toshorttimestring" => Ok(Value::String(t.format("%-I:%M %p").to_string())),
                _ => Err(method_not_found(value, name)),
            }
        }
        Value::Int(_) | Value::Real(_) if lower == "compareto" => {
            let a = to_number(value).map_or(0.0, Num::as_f64);
            let b = args.first().and_then(to_number).map_or(0.0, Num::as_f64);
            Ok(Value::Int(match a.partial_cmp(&b) {
                Some(std::cmp::Ordering::Less) => -1,
                Some(std::cmp::Ordering::Greater) => 1,
                _ => 0,
            }))
        }
        _ => Err(method_not_found(value, name)),
    }
}

/// A method of a typed object; the members every .NET object has come from the object's
/// other answers when its type does not define them itself.
fn object_method(o: &ObjectRef, name: &str, args: &[Value]) -> Result<Value, ErrorRecord> {
    if let Some(result) = o.call(name, args) {
        return result;
    }
    let value = Value::Object(o.clone());
    match name.to_ascii_lowercase().as_str() {
        "tostring" => Ok(Value::String(match args.first() {
            Some(format) => o.to_text_formatted(&format.to_display_string()).unwrap_or_else(|| o.to_text()),
            None => o.to_text(),
        })),
        "gettype" => Ok(Value::record(
            Record::new("System.RuntimeType")
                .with("Name", o.type_name().rsplit('.').next().unwrap_or(""))
                .with("FullName", o.type_name()),
        )),
        "equals" => Ok(Value::Bool(o.equals(args.first().unwrap_or(&Value::Null)))),
        "gethashcode" => Ok(Value::Int(std::rc::Rc::as_ptr(&o.0) as *const u8 as usize as i64 & 0x7fff_ffff)),
        "compareto" => {
            let other = args.first().unwrap_or(&Value::Null);
            o.compare(other).map(|ord| Value::Int(ord as i64)).ok_or_else(|| method_not_found(&value, name))
        }
        _ => Err(method_not_found(&value, name)),
    }
}

fn string_method(s: &str, lower: &str, name: &str, args: &[Value], value: &Value) -> Result<Value, ErrorRecord> {
    let text = |i: usize| arg_string(args, i);
    let chars_of = |i: usize| -> Vec<char> { text(i).chars().collect() };
    Ok(match lower {
        "trim" if args.is_empty() => Value::String(s.trim().to_string()),
        "trim" => Value::String(s.trim_matches(chars_of(0).as_slice()).to_string()),
        "trimstart" if args.is_empty() => Value::String(s.trim_start().to_string()),
        "trimstart" => Value::String(s.trim_start_matches(chars_of(0).as_slice()).to_string()),
        "trimend" if args.is_empty() => Value::String(s.trim_end().to_string()),
        "trimend" => Value::String(s.trim_end_matches(chars_of(0).as_slice()).to_string()),
        "toupper" | "toupperinvariant" => Value::String(s.to_uppercase()),
        "tolower" | "tolowerinvariant" => Value::String(s.to_lowercase()),
        "contains" => Value::Bool(s.contains(&text(0))),
        "startswith" => Value::Bool(s.starts_with(&text(0))),
        "endswith" => Value::Bool(s.ends_with(&text(0))),
        "replace" => Value::String(s.replace(&text(0), &text(1))),
        "split" => {
            let separators = chars_of(0);
            let pieces: Vec<Value> = if separators.is_empty() {
                s.split(char::is_whitespace).map(|p| Value::String(p.to_string())).collect()
            } else {
                s.split(separators.as_slice()).map(|p| Value::String(p.to_string())).collect()
            };
            Value::array(pieces)
        }
        "indexof" => Value::Int(s.find(&text(0)).map_or(-1, |b| s[..b].chars().count() as i64)),
        "lastindexof" => Value::Int(s.rfind(&text(0)).map_or(-1, |b| s[..b].chars().count() as i64)),
        "substring" => {
            let chars: Vec<char> = s.chars().collect();
            let start = usize::try_from(arg_int(args, 0, name)?).unwrap_or(usize::MAX);
            let length = if args.len() > 1 {
                usize::try_from(arg_int(args, 1, name)?).unwrap_or(usize::MAX)
            } else {
                chars.len().saturating_sub(start)
            };
            if start > chars.len() || start.saturating_add(length) > chars.len() {
                // .NET's words for the one-argument and the two-argument form.
                let message = if args.len() == 1 {
                    "startIndex cannot be larger than length of string. (Parameter 'startIndex')"
                } else {
                    "Index and length must refer to a location within the string. (Parameter 'length')"
                };
                return Err(ErrorRecord::new("ArgumentOutOfRangeException", "NotSpecified", message.into())
                    .exception("System.ArgumentOutOfRangeException"));
            }
            Value::String(chars[start..start + length].iter().collect())
        }
        "padleft" | "padright" => {
            let width = usize::try_from(arg_int(args, 0, name)?).unwrap_or(0);
            if width > MAX_REPEATED_TEXT {
                return Err(too_large(&format!("{name}({width})")));
            }
            let fill = text(1).chars().next().unwrap_or(' ');
            let pad: String = std::iter::repeat_n(fill, width.saturating_sub(s.chars().count())).collect();
            Value::String(if lower == "padleft" { format!("{pad}{s}") } else { format!("{s}{pad}") })
        }
        "insert" => {
            let at = usize::try_from(arg_int(args, 0, name)?).unwrap_or(0);
            let mut chars: Vec<char> = s.chars().collect();
            let at = at.min(chars.len());
            chars.splice(at..at, text(1).chars());
            Value::String(chars.into_iter().collect())
        }
        "remove" => {
            let chars: Vec<char> = s.chars().collect();
            let start = usize::try_from(arg_int(args, 0, name)?).unwrap_or(0).min(chars.len());
            let count = if args.len() > 1 {
                usize::try_from(arg_int(args, 1, name)?).unwrap_or(0)
            } else {
                chars.len() - start
            };
            Value::String(chars[..start].iter().chain(chars[(start + count).min(chars.len())..].iter()).collect())
        }
        "tochararray" => Value::array(s.chars().map(|c| Value::String(c.to_string())).collect()),
        "compareto" => Value::Int(match s.to_lowercase().cmp(&text(0).to_lowercase()) {
            std::cmp::Ordering::Less => -1,
            std::cmp::Ordering::Equal => 0,
            std::cmp::Ordering::Greater => 1,
        }),
        "normalize" => value.clone(),
        _ => return Err(method_not_found(value, name)),
    })
}

/// `[type]::Name`: the type registry of `runtime` answers.
pub fn static_property(type_literal: &str, name: &str) -> Result<Value, ErrorRecord> {
    runtime::types::static_property(type_literal, name)
}

/// `[type]::Name(args)`, `[type]::new(args)`: the type registry of `runtime` answers.
pub fn static_method(type_literal: &str, name: &str, args: &[Value]) -> Result<Value, ErrorRecord> {
    runtime::types::static_method(type_literal, name, args).map_err(|e| thrown_by_method(name, args.len(), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_of_collections_and_scalars() {
        let list = Value::array(vec![
            Value::record(Record::new("T").with("Name", "a")),
            Value::record(Record::new("T").with("Name", "b")),
        ]);
        assert_eq!(property(&list, "Count"), Value::Int(2));
        assert_eq!(
            property(&list, "name"),
            Value::array(vec![Value::from("a"), Value::from("b")]),
            "member enumeration"
        );
        assert_eq!(property(&Value::from("abc"), "Length"), Value::Int(3));
        assert_eq!(property(&Value::Null, "Count"), Value::Int(0));
        assert_eq!(property(&Value::Int(5), "Count"), Value::Int(1));
        let t = TimeSpan::parse("1.02:03:04").map(Value::TimeSpan).expect("timespan");
        assert_eq!(property(&t, "Hours"), Value::Int(2));
        assert_eq!(property(&t, "TotalSeconds"), Value::Real(93_784.0));
    }

    #[test]
    fn string_methods() {
        let s = Value::from("  CCREX01\\First Storage Group  ");
        assert_eq!(call_method(&s, "Trim", &[]), Ok(Value::from("CCREX01\\First Storage Group")));
        let parts = call_method(&Value::from("a\\b"), "Split", &[Value::from("\\")]);
        assert_eq!(parts, Ok(Value::array(vec![Value::from("a"), Value::from("b")])));
        assert_eq!(call_method(&Value::from("abc"), "ToUpper", &[]), Ok(Value::from("ABC")));
        assert_eq!(call_method(&Value::from("abc"), "Substring", &[Value::Int(1)]), Ok(Value::from("bc")));
        assert_eq!(call_method(&Value::Int(3), "ToString", &[Value::from("D3")]), Ok(Value::from("003")));
        // A method the array lacks is called on each element (member enumeration).
        let padded = Value::array(vec![Value::from(" a "), Value::from("b ")]);
        assert_eq!(call_method(&padded, "Trim", &[]), Ok(Value::array(vec![Value::from("a"), Value::from("b")])));
        assert!(call_method(&Value::array(vec![Value::from("a"), Value::Int(1)]), "Trim", &[]).is_err());
        assert!(call_method(&Value::array(Vec::new()), "Trim", &[]).is_err());
        let e = call_method(&Value::from("x"), "Frobnicate", &[]).expect_err("no such method");
        assert_eq!(
            e.message,
            "Method invocation failed because [System.String] does not contain a method named 'Frobnicate'."
        );
    }

    #[test]
    fn static_members() {
        assert_eq!(static_method("math", "Round", &[Value::Real(2.5)]), Ok(Value::Real(2.0)));
        assert_eq!(static_method("Math", "Round", &[Value::Real(1.2345), Value::Int(2)]), Ok(Value::Real(1.23)));
        assert_eq!(static_method("string", "IsNullOrEmpty", &[Value::Null]), Ok(Value::Bool(true)));
        assert_eq!(static_property("int", "MaxValue"), Ok(Value::Int(2_147_483_647)));
        assert_eq!(
            static_method("timespan", "FromMinutes", &[Value::Int(90)]).map(|v| v.to_display_string()),
            Ok("01:30:00".into())
        );
    }
}
