//! The operators: arithmetic, comparison with PowerShell's collection semantics (a collection
//! on the left filters), `-like`, `-match` (which fills `$Matches`), `-replace`, `-split`,
//! `-join`, `-f`, ranges, bitwise and type operators. Case-insensitive unless `c`-prefixed.
//!
//! Must not: evaluate expressions (the interpreter passes values in) or short-circuit `-and`
//! and `-or` (the interpreter does, because it must not evaluate the right side).

use std::cmp::Ordering;

use regex::RegexBuilder;

use super::convert::{Num, cast, composite_format, is_type, require_number, to_number};
use crate::shell::error_record::ErrorRecord;
use crate::shell::syntax::{BinaryOp, CompareOp, UnaryOp};
use crate::shell::value::{Hashtable, TimeSpan, Value};
use crate::shell::wildcard::Wildcard;

/// The largest range `a..b` builds.
const MAX_RANGE: i64 = 10_000_000;

/// Applies a binary operator (not `-and`/`-or`). `matches` receives the captures of a scalar
/// `-match`.
pub fn binary(
    op: BinaryOp,
    left: &Value,
    right: &Value,
    matches: &mut Option<Hashtable>,
) -> Result<Value, ErrorRecord> {
    match op {
        BinaryOp::Add => add(left, right),
        BinaryOp::Subtract => subtract(left, right),
        BinaryOp::Multiply => multiply(left, right),
        BinaryOp::Divide => divide(left, right),
        BinaryOp::Remainder => remainder(left, right),
        BinaryOp::Range => range(left, right),
        BinaryOp::Format => {
            let args = match right {
                Value::Array(items) => items.borrow().clone(),
                other => vec![other.clone()],
            };
            composite_format(&left.to_display_string(), &args).map(Value::String)
        }
        BinaryOp::Compare { op, case_sensitive } => compare_op(op, left, right, case_sensitive, matches),
        BinaryOp::Xor => Ok(Value::Bool(left.is_truthy() != right.is_truthy())),
        BinaryOp::And => Ok(Value::Bool(left.is_truthy() && right.is_truthy())),
        BinaryOp::Or => Ok(Value::Bool(left.is_truthy() || right.is_truthy())),
        BinaryOp::BitAnd | BinaryOp::BitOr | BinaryOp::BitXor | BinaryOp::ShiftLeft | BinaryOp::ShiftRight => {
            let a = integer(left)?;
            let b = integer(right)?;
            Ok(Value::Int(match op {
                BinaryOp::BitAnd => a & b,
                BinaryOp::BitOr => a | b,
                BinaryOp::BitXor => a ^ b,
                BinaryOp::ShiftLeft => a.checked_shl(u32::try_from(b).unwrap_or(64)).unwrap_or(0),
                _ => a.checked_shr(u32::try_from(b).unwrap_or(64)).unwrap_or(0),
            }))
        }
        BinaryOp::Split { case_sensitive } => split(left, right, case_sensitive),
        BinaryOp::Join => {
            let separator = right.to_display_string();
            Ok(Value::String(items(left).iter().map(Value::to_display_string).collect::<Vec<_>>().join(&separator)))
        }
        BinaryOp::Replace { case_sensitive } => replace(left, right, case_sensitive),
        BinaryOp::Is => Ok(Value::Bool(is_type(left, &type_operand(right)))),
        BinaryOp::IsNot => Ok(Value::Bool(!is_type(left, &type_operand(right)))),
        BinaryOp::As => Ok(cast(&type_operand(right), left).unwrap_or(Value::Null)),
    }
}

/// A unary operator.
pub fn unary(op: UnaryOp, operand: &Value) -> Result<Value, ErrorRecord> {
    match op {
        UnaryOp::Not => Ok(Value::Bool(!operand.is_truthy())),
        UnaryOp::Negate => match operand {
            Value::TimeSpan(t) => span(t.checked_neg()),
            other => Ok(match require_number(other, "System.Int32")? {
                Num::Int(i) => i.checked_neg().map_or(Value::Real(-(i as f64)), Value::Int),
                Num::Real(r) => Value::Real(-r),
            }),
        },
        UnaryOp::Plus => Ok(require_number(operand, "System.Int32")?.into_value()),
        UnaryOp::BitNot => Ok(Value::Int(!integer(operand)?)),
        UnaryOp::Split => Ok(Value::array(
            items(operand)
                .iter()
                .flat_map(|v| {
                    v.to_display_string().split_whitespace().map(|s| Value::String(s.to_string())).collect::<Vec<_>>()
                })
                .collect(),
        )),
        UnaryOp::Join => Ok(Value::String(items(operand).iter().map(Value::to_display_string).collect())),
        UnaryOp::Comma => Ok(Value::array(vec![operand.clone()])),
    }
}

/// A value as a list of items: an array's elements, nothing for `$null`, else itself.
pub fn items(value: &Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items.borrow().clone(),
        Value::Object(o) => o.enumerate().unwrap_or_else(|| vec![value.clone()]),
        Value::Null => Vec::new(),
        other => vec![other.clone()],
    }
}

fn type_operand(right: &Value) -> String {
    match right {
        Value::String(s) => s.trim_start_matches('[').trim_end_matches(']').to_string(),
        other => other.to_display_string(),
    }
}

fn integer(value: &Value) -> Result<i64, ErrorRecord> {
    match require_number(value, "System.Int64")? {
        Num::Int(i) => Ok(i),
        Num::Real(r) => Ok(r.round_ties_even() as i64),
    }
}

fn arithmetic(left: Num, right: Num, int: fn(i64, i64) -> Option<i64>, real: fn(f64, f64) -> f64) -> Value {
    match (left, right) {
        (Num::Int(a), Num::Int(b)) => int(a, b).map_or_else(|| Value::Real(real(a as f64, b as f64)), Value::Int),
        (a, b) => Value::Real(real(a.as_f64(), b.as_f64())),
    }
}

fn add(left: &Value, right: &Value) -> Result<Value, ErrorRecord> {
    match (left, right) {
        (Value::Null, r) => Ok(r.clone()),
        (Value::String(a), r) => {
            let r = r.to_display_string();
            let total = a.len().saturating_add(r.len());
            if total > MAX_REPEATED_TEXT {
                return Err(crate::shell::memory::value_too_large("Adding to this string"));
            }
            crate::shell::memory::check(total)?;
            Ok(Value::String(format!("{a}{r}")))
        }
        (Value::Array(a), Value::Array(b)) => {
            let total = a.borrow().len().saturating_add(b.borrow().len());
            grow_array(total)?;
            Ok(Value::array(a.borrow().iter().chain(b.borrow().iter()).cloned().collect()))
        }
        (Value::Array(a), r) => {
            grow_array(a.borrow().len().saturating_add(1))?;
            let mut all = a.borrow().clone();
            all.push(r.clone());
            Ok(Value::array(all))
        }
        (Value::Hashtable(a), Value::Hashtable(b)) => {
            let mut merged = a.borrow().clone();
            for (k, v) in b.borrow().entries() {
                if merged.contains_key(k) {
                    return Err(ErrorRecord::new(
                        "DuplicateKeyInHashLiteral",
                        "InvalidOperation",
                        format!(
                            "Item has already been added. Key in dictionary: '{}'  Key being added: '{}'",
                            k.to_display_string(),
                            k.to_display_string()
                        ),
                    ));
                }
                merged.insert(k.clone(), v.clone());
            }
            Ok(merged.into_value())
        }
        (Value::DateTime(t), Value::TimeSpan(d)) => shift_date(t, d.ticks / 10),
        (Value::TimeSpan(a), Value::TimeSpan(b)) => span(a.checked_add(*b)),
        (l, r) => {
            let a = require_number(l, "System.Int32")?;
            let b = require_number(r, "System.Int32")?;
            Ok(arithmetic(a, b, i64::checked_add, |x, y| x + y))
        }
    }
}

fn subtract(left: &Value, right: &Value) -> Result<Value, ErrorRecord> {
    match (left, right) {
        (Value::DateTime(a), Value::DateTime(b)) => {
            let micros = (*a - *b).num_microseconds().unwrap_or(i64::MAX / 10);
            Ok(Value::TimeSpan(TimeSpan { ticks: micros * 10 }))
        }
        (Value::DateTime(t), Value::TimeSpan(d)) => shift_date(t, -(d.ticks / 10)),
        (Value::TimeSpan(a), Value::TimeSpan(b)) => span(a.checked_sub(*b)),
        (l, r) => {
            let a = require_number(l, "System.Int32")?;
            let b = require_number(r, "System.Int32")?;
            Ok(arithmetic(a, b, i64::checked_sub, |x, y| x - y))
        }
    }
}

fn multiply(left: &Value, right: &Value) -> Result<Value, ErrorRecord> {
    match (left, right) {
        (Value::String(s), r) => {
            let n = usize::try_from(integer(r)?).unwrap_or(0);
            let total = s.len().checked_mul(n).filter(|t| *t <= MAX_REPEATED_TEXT);
            let Some(_) = total else {
                return Err(too_large(&format!("Repeating a {}-character string {n} times", s.chars().count())));
            };
            Ok(Value::String(s.repeat(n)))
        }
        (Value::Array(a), r) => {
            let n = usize::try_from(integer(r)?).unwrap_or(0);
            let Some(total) = a.borrow().len().checked_mul(n).filter(|t| *t <= MAX_RANGE as usize) else {
                return Err(too_large(&format!("Repeating a {}-item array {n} times", a.borrow().len())));
            };
            Ok(Value::array(a.borrow().iter().cloned().cycle().take(total).collect()))
        }
        (l, r) => {
            let a = require_number(l, "System.Int32")?;
            let b = require_number(r, "System.Int32")?;
            Ok(arithmetic(a, b, i64::checked_mul, |x, y| x * y))
        }
    }
}

/// An array about to hold `items`: within the 10M-item cap and the memory budget.
fn grow_array(items: usize) -> Result<(), ErrorRecord> {
    if items > MAX_RANGE as usize {
        return Err(crate::shell::memory::value_too_large("Adding to this array"));
    }
    crate::shell::memory::check(items.saturating_mul(std::mem::size_of::<Value>()))
}

/// The longest text `*` builds, in bytes.
pub const MAX_REPEATED_TEXT: usize = 100 * 1024 * 1024;

pub fn too_large(what: &str) -> ErrorRecord {
    ErrorRecord::new(
        "ResultTooLarge",
        "LimitsExceeded",
        format!("{what} would build a result too large to hold; ccrsh stops at {MAX_RANGE} items or 100 MB of text."),
    )
    .exception("System.OutOfMemoryException")
}

/// A TimeSpan result, or .NET's overflow error.
pub(super) fn span(result: Option<TimeSpan>) -> Result<Value, ErrorRecord> {
    result.map(Value::TimeSpan).ok_or_else(|| {
        ErrorRecord::new(
            "OverflowException",
            "InvalidOperation",
            "TimeSpan overflowed because the duration is too long.".into(),
        )
        .exception("System.OverflowException")
    })
}

/// A DateTime moved by `micros`, or .NET's out-of-range error.
pub(super) fn shift_date(t: &chrono::DateTime<chrono::Utc>, micros: i64) -> Result<Value, ErrorRecord> {
    t.checked_add_signed(chrono::Duration::microseconds(micros)).map(Value::DateTime).ok_or_else(|| {
        ErrorRecord::new(
            "ArgumentOutOfRangeException",
            "InvalidArgument",
            "The added or subtracted value results in an un-representable DateTime.".into(),
        )
        .exception("System.ArgumentOutOfRangeException")
    })
}

fn divide_by_zero() -> ErrorRecord {
    ErrorRecord::new("RuntimeException", "NotSpecified", "Attempted to divide by zero.".into())
        .exception("System.DivideByZeroException")
}

fn divide(left: &Value, right: &Value) -> Result<Value, ErrorRecord> {
    if let (Value::TimeSpan(t), r) = (left, right) {
        let d = require_number(r, "System.Double")?.as_f64();
        return span(TimeSpan::from_seconds(t.total_seconds() / d));
    }
    let a = require_number(left, "System.Int32")?;
    let b = require_number(right, "System.Int32")?;
    if b.as_f64() == 0.0 {
        return Err(divide_by_zero());
    }
    Ok(match (a, b) {
        (Num::Int(x), Num::Int(y)) if x.checked_rem(y) == Some(0) && x.checked_div(y).is_some() => Value::Int(x / y),
        (x, y) => Value::Real(x.as_f64() / y.as_f64()),
    })
}

fn remainder(left: &Value, right: &Value) -> Result<Value, ErrorRecord> {
    let a = require_number(left, "System.Int32")?;
    let b = require_number(right, "System.Int32")?;
    if b.as_f64() == 0.0 {
        return Err(divide_by_zero());
    }
    Ok(arithmetic(a, b, i64::checked_rem, |x, y| x % y))
}

fn range(left: &Value, right: &Value) -> Result<Value, ErrorRecord> {
    let a = integer(left)?;
    let b = integer(right)?;
    if (i128::from(b) - i128::from(a)).abs() >= i128::from(MAX_RANGE) {
        return Err(ErrorRecord::new(
            "RangeTooLarge",
            "InvalidOperation",
            format!("The range {a}..{b} is too large; ranges hold at most {MAX_RANGE} items."),
        ));
    }
    let values: Vec<Value> =
        if a <= b { (a..=b).map(Value::Int).collect() } else { (b..=a).rev().map(Value::Int).collect() };
    Ok(Value::array(values))
}

/// A comparison; with a collection on the left, the elements for which it holds.
fn compare_op(
    op: CompareOp,
    left: &Value,
    right: &Value,
    case_sensitive: bool,
    matches: &mut Option<Hashtable>,
) -> Result<Value, ErrorRecord> {
    match op {
        CompareOp::Contains | CompareOp::NotContains => {
            let found = items(left).iter().any(|item| equals(item, right, case_sensitive));
            return Ok(Value::Bool(found == (op == CompareOp::Contains)));
        }
        CompareOp::In | CompareOp::NotIn => {
            let found = items(right).iter().any(|item| equals(item, left, case_sensitive));
            return Ok(Value::Bool(found == (op == CompareOp::In)));
        }
        _ => {}
    }
    if let Value::Array(list) = left {
        let mut kept = Vec::new();
        for item in list.borrow().iter() {
            if scalar_compare(op, item, right, case_sensitive, &mut None)? {
                kept.push(item.clone());
            }
        }
        return Ok(Value::array(kept));
    }
    scalar_compare(op, left, right, case_sensitive, matches).map(Value::Bool)
}

fn scalar_compare(
    op: CompareOp,
    left: &Value,
    right: &Value,
    case_sensitive: bool,
    matches: &mut Option<Hashtable>,
) -> Result<bool, ErrorRecord> {
    Ok(match op {
        CompareOp::Eq => equals(left, right, case_sensitive),
        CompareOp::Ne => !equals(left, right, case_sensitive),
        CompareOp::Gt => compare(left, right, case_sensitive)? == Ordering::Greater,
        CompareOp::Ge => compare(left, right, case_sensitive)? != Ordering::Less,
        CompareOp::Lt => compare(left, right, case_sensitive)? == Ordering::Less,
        CompareOp::Le => compare(left, right, case_sensitive)? != Ordering::Greater,
        CompareOp::Like | CompareOp::NotLike => {
            let text = left.to_display_string();
            let pattern = right.to_display_string();
            let hit = if case_sensitive {
                Wildcard::new_case_sensitive(&pattern).is_match(&text)
            } else {
                Wildcard::new(&pattern).is_match(&text)
            };
            hit == (op == CompareOp::Like)
        }
        CompareOp::Match | CompareOp::NotMatch => {
            let regex = build_regex(&right.to_display_string(), case_sensitive)?;
            let text = left.to_display_string();
            let captures = regex.captures(&text);
            if let Some(c) = &captures {
                let mut found = Hashtable::new();
                for (i, name) in regex.capture_names().enumerate() {
                    if let Some(m) = c.get(i) {
                        let key = name.map_or(Value::Int(i as i64), |n| Value::String(n.to_string()));
                        found.insert(key, Value::String(m.as_str().to_string()));
                    }
                }
                *matches = Some(found);
            }
            captures.is_some() == (op == CompareOp::Match)
        }
        CompareOp::Contains | CompareOp::NotContains | CompareOp::In | CompareOp::NotIn => {
            unreachable!("handled by compare_op")
        }
    })
}

fn build_regex(pattern: &str, case_sensitive: bool) -> Result<regex::Regex, ErrorRecord> {
    RegexBuilder::new(pattern).case_insensitive(!case_sensitive).build().map_err(|e| {
        ErrorRecord::new(
            "InvalidRegularExpression",
            "InvalidOperation",
            format!("The regular expression pattern {pattern} is not valid: {e}"),
        )
    })
}

/// PowerShell equality: the right side is converted to the left side's type.
pub fn equals(left: &Value, right: &Value, case_sensitive: bool) -> bool {
    match (left, right) {
        (Value::Null, Value::Null) => true,
        (Value::Null, _) | (_, Value::Null) => false,
        (Value::String(a), r) => {
            let b = r.to_display_string();
            if case_sensitive { *a == b } else { a.to_lowercase() == b.to_lowercase() }
        }
        (Value::Char(a), r) => {
            let b = r.to_display_string();
            let a = a.to_string();
            if case_sensitive { a == b } else { a.to_lowercase() == b.to_lowercase() }
        }
        (Value::Int(_) | Value::Real(_) | Value::Number(_), r) => match (to_number(left), to_number(r)) {
            (Some(a), Some(b)) if !matches!(r, Value::String(s) if s.trim().is_empty()) => a.as_f64() == b.as_f64(),
            _ => false,
        },
        (Value::Bool(a), r) => *a == r.is_truthy(),
        (Value::TimeSpan(a), Value::TimeSpan(b)) => a == b,
        (Value::TimeSpan(a), Value::String(s)) => TimeSpan::parse(s) == Some(*a),
        (Value::DateTime(a), Value::DateTime(b)) => a == b,
        (Value::DateTime(a), Value::String(s)) => super::convert::parse_date(s) == Some(*a),
        (Value::Hashtable(a), Value::Hashtable(b)) => std::rc::Rc::ptr_eq(a, b),
        (Value::Object(a), b) => a.equals(b),
        (a, b) => a == b,
    }
}

/// PowerShell ordering for `-gt`, `-lt` and Sort-Object.
pub fn compare(left: &Value, right: &Value, case_sensitive: bool) -> Result<Ordering, ErrorRecord> {
    let incomparable = || {
        ErrorRecord::new(
            "ComparisonFailure",
            "InvalidOperation",
            format!("Cannot compare \"{}\" because it is not IComparable.", left.to_display_string()),
        )
    };
    Ok(match (left, right) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        (Value::String(a), r) => {
            let b = r.to_display_string();
            if case_sensitive { a.as_str().cmp(b.as_str()) } else { a.to_lowercase().cmp(&b.to_lowercase()) }
        }
        (Value::Char(a), r) => {
            let (a, b) = (a.to_string(), r.to_display_string());
            if case_sensitive { a.as_str().cmp(b.as_str()) } else { a.to_lowercase().cmp(&b.to_lowercase()) }
        }
        (Value::Int(_) | Value::Real(_) | Value::Number(_) | Value::Bool(_), r) => {
            let a = to_number(left).ok_or_else(incomparable)?.as_f64();
            let b = to_number(r)
                .ok_or_else(|| {
                    super::convert::cast_error(r, "System.Int32", "Input string was not in a correct format.")
                })?
                .as_f64();
            a.partial_cmp(&b).unwrap_or(Ordering::Equal)
        }
        (Value::TimeSpan(a), Value::TimeSpan(b)) => a.cmp(b),
        (Value::TimeSpan(a), Value::String(s)) => a.cmp(&TimeSpan::parse(s).ok_or_else(incomparable)?),
        (Value::DateTime(a), Value::DateTime(b)) => a.cmp(b),
        (Value::DateTime(a), Value::String(s)) => a.cmp(&super::convert::parse_date(s).ok_or_else(incomparable)?),
        (Value::Object(o), r) => o.compare(r).ok_or_else(incomparable)?,
        _ => return Err(incomparable()),
    })
}

fn split(left: &Value, right: &Value, case_sensitive: bool) -> Result<Value, ErrorRecord> {
    let (pattern, limit) = match right {
        Value::Array(parts) if !parts.borrow().is_empty() => {
            let limit = parts.borrow().get(1).and_then(to_number).map(|n| n.as_f64() as usize).filter(|n| *n > 0);
            (parts.borrow()[0].to_display_string(), limit)
        }
        other => (other.to_display_string(), None),
    };
    let regex = build_regex(&pattern, case_sensitive)?;
    let mut out = Vec::new();
    for item in items(left) {
        let text = item.to_display_string();
        let pieces: Vec<&str> = match limit {
            Some(n) => regex.splitn(&text, n).collect(),
            None => regex.split(&text).collect(),
        };
        out.extend(pieces.into_iter().map(|p| Value::String(p.to_string())));
    }
    Ok(Value::array(out))
}

fn replace(left: &Value, right: &Value, case_sensitive: bool) -> Result<Value, ErrorRecord> {
    let (pattern, replacement) = match right {
        Value::Array(parts) => (
            parts.borrow().first().map(Value::to_display_string).unwrap_or_default(),
            parts.borrow().get(1).map(Value::to_display_string).unwrap_or_default(),
        ),
        other => (other.to_display_string(), String::new()),
    };
    let regex = build_regex(&pattern, case_sensitive)?;
    let replacement = dotnet_replacement(&replacement);
    let apply = |v: &Value| Value::String(regex.replace_all(&v.to_display_string(), replacement.as_str()).into_owned());
    Ok(match left {
        Value::Array(list) => Value::array(list.borrow().iter().map(apply).collect()),
        other => apply(other),
    })
}

/// Rewrites a .NET substitution pattern in the `regex` crate's syntax. .NET reads `$1x` as
/// group 1 then `x` and `$&` as the whole match; a `$` that starts no substitution is literal.
fn dotnet_replacement(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 {
            out.push_str(&format!("${{{}}}", &after[..digits]));
            rest = &after[digits..];
        } else if let Some(named) = after.strip_prefix('{').and_then(|a| a.find('}').map(|end| &a[..=end])) {
            out.push_str(&format!("${{{named}"));
            rest = &after[named.len() + 1..];
        } else if let Some(tail) = after.strip_prefix('&') {
            out.push_str("${0}");
            rest = tail;
        } else if let Some(tail) = after.strip_prefix('$') {
            out.push_str("$$");
            rest = tail;
        } else {
            out.push_str("$$");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotnet_substitutions_become_regex_crate_ones() {
        assert_eq!(dotnet_replacement("$1x"), "${1}x");
        assert_eq!(dotnet_replacement("${name}-$&"), "${name}-${0}");
        assert_eq!(dotnet_replacement("cost: $$5 or $ alone"), "cost: $$5 or $$ alone");
        assert_eq!(dotnet_replacement("no dollars"), "no dollars");
    }

    fn op(op: BinaryOp, l: Value, r: Value) -> Value {
        binary(op, &l, &r, &mut None).expect("operator applies")
    }

    fn cmp(c: CompareOp) -> BinaryOp {
        BinaryOp::Compare { op: c, case_sensitive: false }
    }

    #[test]
    fn comparison_converts_the_right_side_to_the_left_type() {
        assert_eq!(op(cmp(CompareOp::Eq), Value::Int(1), Value::from("1.0")), Value::Bool(true));
        assert_eq!(op(cmp(CompareOp::Eq), Value::from("1.0"), Value::Int(1)), Value::Bool(false));
        assert_eq!(op(cmp(CompareOp::Eq), Value::from("abc"), Value::from("ABC")), Value::Bool(true));
        let sensitive = BinaryOp::Compare { op: CompareOp::Eq, case_sensitive: true };
        assert_eq!(op(sensitive, Value::from("abc"), Value::from("ABC")), Value::Bool(false));
        assert_eq!(op(cmp(CompareOp::Gt), Value::Int(10), Value::from("9")), Value::Bool(true));
        assert_eq!(
            op(cmp(CompareOp::Gt), Value::from("10"), Value::from("9")),
            Value::Bool(false),
            "strings compare as text"
        );
    }

    #[test]
    fn a_collection_on_the_left_filters() {
        let list = Value::array(vec![Value::Int(1), Value::Int(2), Value::Int(3)]);
        assert_eq!(op(cmp(CompareOp::Eq), list.clone(), Value::Int(2)), Value::array(vec![Value::Int(2)]));
        assert_eq!(op(cmp(CompareOp::Gt), list.clone(), Value::Int(5)), Value::array(vec![]));
        assert_eq!(op(cmp(CompareOp::Contains), list.clone(), Value::from("2")), Value::Bool(true));
        assert_eq!(op(cmp(CompareOp::In), Value::Int(4), list), Value::Bool(false));
    }

    #[test]
    fn arithmetic_follows_the_left_operand() {
        assert_eq!(op(BinaryOp::Add, Value::from("a"), Value::Int(1)), Value::from("a1"));
        assert_eq!(op(BinaryOp::Add, Value::Int(1), Value::from("2")), Value::Int(3));
        assert_eq!(op(BinaryOp::Divide, Value::Int(7), Value::Int(2)), Value::Real(3.5));
        assert_eq!(op(BinaryOp::Divide, Value::Int(6), Value::Int(2)), Value::Int(3));
        assert_eq!(op(BinaryOp::Multiply, Value::from("ab"), Value::Int(3)), Value::from("ababab"));
        assert_eq!(op(BinaryOp::Add, Value::Int(i64::MAX), Value::Int(1)), Value::Real(i64::MAX as f64 + 1.0));
        assert!(binary(BinaryOp::Divide, &Value::Int(1), &Value::Int(0), &mut None).is_err());
        assert!(binary(BinaryOp::Add, &Value::Int(1), &Value::from("x"), &mut None).is_err());
    }

    #[test]
    fn text_operators() {
        assert_eq!(op(cmp(CompareOp::Like), Value::from("CCREX01"), Value::from("ccr*")), Value::Bool(true));
        let mut found = None;
        let hit = binary(cmp(CompareOp::Match), &Value::from("E00.log"), &Value::from(r"E(\d+)"), &mut found);
        assert_eq!(hit, Ok(Value::Bool(true)));
        assert_eq!(found.and_then(|m| m.get(&Value::Int(1)).cloned()), Some(Value::from("00")));
        let pair = Value::array(vec![Value::from(r"(\w+)@"), Value::from("$1 at ")]);
        assert_eq!(
            op(BinaryOp::Replace { case_sensitive: false }, Value::from("admin@lab"), pair),
            Value::from("admin at lab")
        );
        assert_eq!(
            op(BinaryOp::Split { case_sensitive: false }, Value::from("a,b,c"), Value::from(",")),
            Value::array(vec![Value::from("a"), Value::from("b"), Value::from("c")])
        );
        assert_eq!(
            op(BinaryOp::Join, Value::array(vec![Value::Int(1), Value::Int(2)]), Value::from("-")),
            Value::from("1-2")
        );
        assert_eq!(
            op(BinaryOp::Format, Value::from("{0}:{1}"), Value::array(vec![Value::Int(1), Value::Int(2)])),
            Value::from("1:2")
        );
        assert_eq!(
            op(BinaryOp::Range, Value::Int(3), Value::Int(1)),
            Value::array(vec![Value::Int(3), Value::Int(2), Value::Int(1)])
        );
    }
}
