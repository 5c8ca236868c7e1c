//! The operators: arithmetic (in PowerShell's numeric types, `numeric.rs`), comparison with
//! PowerShell's collection semantics (a collection on the left filters) and conversion of the
//! right operand to the left one's type, `-like`, `-match` (which fills `$Matches`),
//! `-replace`, `-split` (with a limit, options, and captured separators), `-join`, `-f`,
//! ranges of numbers and of letters, bitwise and type operators. Case-insensitive unless
//! `c`-prefixed.
//!
//! Must not: evaluate expressions (the interpreter passes values in) or short-circuit `-and`,
//! `-or` and `??` (the interpreter does, because it must not evaluate the right side).

use std::cmp::Ordering;

use regex::{Captures, Regex, RegexBuilder};

use super::convert::{cast, composite_format, is_known_type, is_type, not_a_number, type_name};
use super::numeric::{self, Arith, Bits};
use crate::shell::error_record::ErrorRecord;
use crate::shell::syntax::{BinaryOp, CompareOp, UnaryOp};
use crate::shell::value::{Hashtable, Record, TimeSpan, Value};
use crate::shell::wildcard::Wildcard;

/// The largest range `a..b` builds as an array (a range in a pipeline or `foreach` is
/// counted, not built, and has no limit).
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
        BinaryOp::Remainder => number_op(Arith::Rem, left, right, "op_Modulus"),
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
        BinaryOp::Coalesce => Ok(if *left == Value::Null { right.clone() } else { left.clone() }),
        BinaryOp::BitAnd | BinaryOp::BitOr | BinaryOp::BitXor | BinaryOp::ShiftLeft | BinaryOp::ShiftRight => {
            let bits = match op {
                BinaryOp::BitAnd => Bits::And,
                BinaryOp::BitOr => Bits::Or,
                BinaryOp::BitXor => Bits::Xor,
                BinaryOp::ShiftLeft => Bits::Shl,
                _ => Bits::Shr,
            };
            let a = numeric::operand(left).ok_or_else(|| not_a_number(left, "System.Int64"))?;
            let b = numeric::operand(right).ok_or_else(|| not_a_number(right, "System.Int64"))?;
            numeric::bitwise(bits, &a, &b)
        }
        BinaryOp::Split { case_sensitive } => split(left, right, case_sensitive),
        BinaryOp::Join => {
            let separator = right.to_display_string();
            Ok(Value::String(items(left).iter().map(Value::to_display_string).collect::<Vec<_>>().join(&separator)))
        }
        BinaryOp::Replace { case_sensitive } => replace(left, right, case_sensitive),
        BinaryOp::Is | BinaryOp::IsNot => {
            let name = type_operand(right);
            // A value answers for its own type names (a record's `PSTypeNames`) even where
            // ccrsh has no such type; only a `False` asks whether the type exists at all.
            let is = is_type(left, &name);
            if !is {
                require_known_type(right, &name)?;
            }
            Ok(Value::Bool(is == (op == BinaryOp::Is)))
        }
        BinaryOp::As => Ok(cast(&type_operand(right), left).unwrap_or(Value::Null)),
    }
}

/// A unary operator.
pub fn unary(op: UnaryOp, operand: &Value) -> Result<Value, ErrorRecord> {
    match op {
        UnaryOp::Not => Ok(Value::Bool(!operand.is_truthy())),
        UnaryOp::Negate => match operand {
            Value::TimeSpan(t) => span(t.checked_neg()),
            other => numeric::negate(&numeric::operand(other).ok_or_else(|| not_a_number(other, "System.Int32"))?),
        },
        UnaryOp::Plus => match operand {
            Value::TimeSpan(_) => Ok(operand.clone()),
            other => Ok(numeric::plus(&numeric::operand(other).ok_or_else(|| not_a_number(other, "System.Int32"))?)),
        },
        UnaryOp::BitNot => {
            numeric::bit_not(&numeric::operand(operand).ok_or_else(|| not_a_number(operand, "System.Int64"))?)
        }
        UnaryOp::Split => {
            let mut out = Vec::new();
            for item in items(operand) {
                out.extend(item.to_display_string().split_whitespace().map(|s| Value::String(s.to_string())));
            }
            Ok(Value::array(out))
        }
        UnaryOp::Join => Ok(Value::String(items(operand).iter().map(Value::to_display_string).collect())),
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
        // One pair of brackets: `[List[int]]` keeps its type argument's.
        Value::String(s) => s.strip_prefix('[').and_then(|t| t.strip_suffix(']')).unwrap_or(s).to_string(),
        other => other.to_display_string(),
    }
}

/// The right operand of `-is`/`-isnot` names a type ccrsh knows; else PowerShell's error for
/// a type literal that names no type (`[nosuchtype]`) or text that does not convert to a type.
fn require_known_type(right: &Value, name: &str) -> Result<(), ErrorRecord> {
    if is_known_type(name) {
        return Ok(());
    }
    let literal = matches!(right, Value::String(s) if s.starts_with('[') && s.ends_with(']'));
    Err(if literal {
        crate::shell::runtime::types::type_not_found(name)
    } else {
        ErrorRecord::new(
            "RuntimeException",
            "InvalidOperation",
            format!(
                "Cannot convert the \"{}\" value of type \"System.String\" to type \"System.Type\".",
                right.to_display_string()
            ),
        )
        .exception("System.Management.Automation.RuntimeException")
        .with_hint("Name a type ccrsh knows, in brackets: [string], [int], [hashtable], [datetime]…")
    })
}

/// PowerShell's error for `$null` as the TimeSpan argument `parameter` of a DateTime or
/// TimeSpan operator (`method`): the argument does not convert.
fn null_operand(method: &str, parameter: &str) -> ErrorRecord {
    ErrorRecord::new(
        "MethodArgumentConversionInvalidCastArgument",
        "NotSpecified",
        format!(
            "Cannot convert argument \"{parameter}\", with value: \"\", for \"{method}\" to type \"System.TimeSpan\": \"Cannot convert null to type \"System.TimeSpan\".\""
        ),
    )
    .exception("System.Management.Automation.MethodException")
    .with_hint("The value on the right is $null: check the variable or command that should give the TimeSpan (New-TimeSpan makes one).")
}

/// `op_Addition` and friends are missing on this type.
fn no_operator(left: &Value, method: &str) -> ErrorRecord {
    ErrorRecord::new(
        "MethodNotFound",
        "InvalidOperation",
        format!("Method invocation failed because [{}] does not contain a method named '{method}'.", type_name(left)),
    )
    .exception("System.Management.Automation.RuntimeException")
}

/// A numeric operation, with the left operand's type deciding what else it could be.
fn number_op(op: Arith, left: &Value, right: &Value, method: &str) -> Result<Value, ErrorRecord> {
    let a = match left {
        Value::Hashtable(_) | Value::Record(_) | Value::ScriptBlock(_) | Value::Formatted(_) | Value::Array(_) => {
            return Err(no_operator(left, method));
        }
        // An object type that defines the operator (`op_Addition` of a DateTimeOffset) answers it.
        Value::Object(o) => {
            return o.call(method, std::slice::from_ref(right)).unwrap_or_else(|| Err(no_operator(left, method)));
        }
        other => numeric::operand(other).ok_or_else(|| not_a_number(other, "System.Int32"))?,
    };
    let target = numeric::kind_of(left).map_or("System.Int32", |k| k.type_name());
    let b = numeric::operand(right).ok_or_else(|| not_a_number(right, target))?;
    numeric::arithmetic(op, &a, &b)
}

fn add(left: &Value, right: &Value) -> Result<Value, ErrorRecord> {
    match (left, right) {
        (Value::Null, r) => Ok(r.clone()),
        (Value::String(a), r) => {
            let r = text_of(r);
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
                    )
                    .exception("System.ArgumentException"));
                }
                merged.insert(k.clone(), v.clone());
            }
            Ok(merged.into_value())
        }
        (Value::DateTime(t), Value::TimeSpan(d)) => shift_date(t, d.ticks / 10),
        // The operator is .NET's op_Addition(DateTime d, TimeSpan t); $null is no TimeSpan.
        (Value::DateTime(_), Value::Null) => Err(null_operand("op_Addition", "t")),
        (Value::TimeSpan(_), Value::Null) => Err(null_operand("op_Addition", "t2")),
        (Value::DateTime(t), r) if numeric::operand(r).is_some() => {
            let ticks = numeric::operand(r).map_or(0.0, |o| o.as_f64());
            shift_date(t, (ticks / 10.0) as i64)
        }
        (Value::TimeSpan(a), Value::TimeSpan(b)) => span(a.checked_add(*b)),
        (l, r) => number_op(Arith::Add, l, r, "op_Addition"),
    }
}

/// A value as text the way `+` appends it to a string: arrays joined with spaces.
fn text_of(value: &Value) -> String {
    match value {
        Value::Array(items) => items
            .borrow()
            .iter()
            .map(|v| match v {
                Value::Array(_) => "System.Object[]".to_string(),
                other => other.to_display_string(),
            })
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_display_string(),
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
        // DateTime has two op_Subtraction overloads (DateTime, DateTime) and (DateTime,
        // TimeSpan), and $null converts to neither; TimeSpan has one (t1, t2).
        (Value::DateTime(_), Value::Null) => {
            Err(crate::shell::runtime::object::overload_not_found("op_Subtraction", 2)
                .with_hint("Subtract a DateTime (to get a TimeSpan) or a TimeSpan (to get a DateTime); the value on the right is $null."))
        }
        (Value::TimeSpan(_), Value::Null) => Err(null_operand("op_Subtraction", "t2")),
        (l, r) => number_op(Arith::Sub, l, r, "op_Subtraction"),
    }
}

fn multiply(left: &Value, right: &Value) -> Result<Value, ErrorRecord> {
    match (left, right) {
        (Value::String(s), r) => {
            let n = repeat_count(r)?;
            let total = s.len().checked_mul(n).filter(|t| *t <= MAX_REPEATED_TEXT);
            let Some(_) = total else {
                return Err(too_large(&format!("Repeating a {}-character string {n} times", s.chars().count())));
            };
            Ok(Value::String(s.repeat(n)))
        }
        (Value::Array(a), r) => {
            let n = repeat_count(r)?;
            let Some(total) = a.borrow().len().checked_mul(n).filter(|t| *t <= MAX_RANGE as usize) else {
                return Err(too_large(&format!("Repeating a {}-item array {n} times", a.borrow().len())));
            };
            Ok(Value::array(a.borrow().iter().cloned().cycle().take(total).collect()))
        }
        (l, r) => number_op(Arith::Mul, l, r, "op_Multiply"),
    }
}

/// An array about to hold `items`: within the 10M-item cap and the memory budget.
fn grow_array(items: usize) -> Result<(), ErrorRecord> {
    if items > MAX_RANGE as usize {
        return Err(crate::shell::memory::value_too_large("Adding to this array"));
    }
    crate::shell::memory::check(items.saturating_mul(std::mem::size_of::<Value>()))
}

fn repeat_count(r: &Value) -> Result<usize, ErrorRecord> {
    let n = numeric::operand(r).ok_or_else(|| not_a_number(r, "System.Int32"))?;
    // Counts past Int32 are refused by the size check of the caller.
    let n = n.as_f64();
    Ok(if n.is_finite() && n > 0.0 { n.round_ties_even().min(usize::MAX as f64) as usize } else { 0 })
}

fn divide(left: &Value, right: &Value) -> Result<Value, ErrorRecord> {
    if let (Value::TimeSpan(t), r) = (left, right) {
        let d = numeric::operand(r).ok_or_else(|| not_a_number(r, "System.Double"))?.as_f64();
        return span(TimeSpan::from_seconds(t.total_seconds() / d));
    }
    number_op(Arith::Div, left, right, "op_Division")
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

/// The integer bounds of `a..b` when both ends are numbers (`None` for letter ranges).
pub fn range_bounds(left: &Value, right: &Value) -> Result<Option<(i64, i64)>, ErrorRecord> {
    if letter_range(left, right).is_some() {
        return Ok(None);
    }
    let end = |v: &Value| -> Result<i64, ErrorRecord> {
        let n = numeric::operand(v).ok_or_else(|| not_a_number(v, "System.Int32"))?;
        match numeric::convert(&n, numeric::Kind::Int64) {
            Ok(Value::Number(crate::shell::value::Numeric::Int64(i))) => Ok(i),
            Ok(Value::Int(i)) => Ok(i),
            _ => Err(super::convert::cast_error(
                v,
                "System.Int32",
                "Value was either too large or too small for an Int32.",
            )),
        }
    };
    Ok(Some((end(left)?, end(right)?)))
}

/// `'a'..'e'`: both ends one character (PowerShell 7).
fn letter_range(left: &Value, right: &Value) -> Option<(char, char)> {
    let one = |v: &Value| match v {
        Value::Char(c) => Some(*c),
        Value::String(s) if s.chars().count() == 1 && !s.chars().all(|c| c.is_ascii_digit()) => s.chars().next(),
        _ => None,
    };
    Some((one(left)?, one(right)?))
}

fn range(left: &Value, right: &Value) -> Result<Value, ErrorRecord> {
    if let Some((a, b)) = letter_range(left, right) {
        let (a, b) = (a as u32, b as u32);
        let codes: Vec<u32> = if a <= b { (a..=b).collect() } else { (b..=a).rev().collect() };
        return Ok(Value::array(codes.into_iter().filter_map(char::from_u32).map(Value::Char).collect()));
    }
    let Some((a, b)) = range_bounds(left, right)? else {
        return Ok(Value::array(Vec::new()));
    };
    if (i128::from(b) - i128::from(a)).abs() >= i128::from(MAX_RANGE) {
        return Err(ErrorRecord::new(
            "RangeTooLarge",
            "InvalidOperation",
            format!(
                "The range {a}..{b} is too large; ranges hold at most {MAX_RANGE} items (a range in a pipeline or foreach has no limit)."
            ),
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
        let list = list.borrow().clone();
        let mut kept = Vec::new();
        for item in list {
            if scalar_compare(op, &item, right, case_sensitive, &mut None)? {
                kept.push(item);
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

/// A .NET regular expression as the `regex` crate builds it.
pub fn build_regex(pattern: &str, case_sensitive: bool) -> Result<Regex, ErrorRecord> {
    regex_with(pattern, RegexOptions { ignore_case: !case_sensitive, ..RegexOptions::default() })
}

/// The .NET RegexOptions that matter here.
#[derive(Debug, Clone, Copy, Default)]
pub struct RegexOptions {
    pub ignore_case: bool,
    pub multiline: bool,
    pub single_line: bool,
    pub ignore_whitespace: bool,
}

/// A `{` that starts no quantifier (`{0, 1…}`, `{x}`) is a literal brace in .NET; the `regex`
/// crate refuses it, so it is escaped first. Braces inside a character class or after a
/// backslash are left as they are.
fn literal_braces(pattern: &str) -> std::borrow::Cow<'_, str> {
    if !pattern.contains('{') {
        return std::borrow::Cow::Borrowed(pattern);
    }
    let is_quantifier = |rest: &str| {
        let Some(end) = rest.find('}') else { return false };
        let body = &rest[1..end];
        let (low, high) = body.split_once(',').map_or((body, None), |(l, h)| (l, Some(h)));
        !low.is_empty()
            && low.bytes().all(|b| b.is_ascii_digit())
            && high.is_none_or(|h| h.bytes().all(|b| b.is_ascii_digit()))
    };
    let mut out = String::with_capacity(pattern.len() + 4);
    let (mut escaped, mut in_class, mut property) = (false, false, false);
    for (i, c) in pattern.char_indices() {
        let after_property = std::mem::take(&mut property);
        match c {
            // `\p{L}`: the brace belongs to the escape.
            'p' | 'P' if escaped => {
                escaped = false;
                property = true;
            }
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '{' if !in_class && !after_property && !is_quantifier(&pattern[i..]) => out.push('\\'),
            _ => {}
        }
        out.push(c);
    }
    std::borrow::Cow::Owned(out)
}

/// A .NET regular expression with its options, as the `regex` crate builds it.
pub fn regex_with(pattern: &str, options: RegexOptions) -> Result<Regex, ErrorRecord> {
    RegexBuilder::new(&literal_braces(pattern))
        .case_insensitive(options.ignore_case)
        .multi_line(options.multiline)
        .dot_matches_new_line(options.single_line)
        .ignore_whitespace(options.ignore_whitespace)
        .build()
        .map_err(|e| {
            ErrorRecord::new(
                "InvalidRegularExpression",
                "InvalidOperation",
                format!("The regular expression pattern {pattern} is not valid: {e}"),
            )
            .exception("System.ArgumentException")
        })
}

/// A regex match as `$_` sees it in a `-replace` script block (.NET's Match).
pub fn match_object(regex: &Regex, captures: &Captures<'_>) -> Value {
    let whole = captures.get(0);
    let text = whole.map_or("", |m| m.as_str());
    let groups: Vec<Value> = regex
        .capture_names()
        .enumerate()
        .map(|(i, name)| {
            let g = captures.get(i);
            Value::record(
                Record::new("System.Text.RegularExpressions.Group")
                    .with_text(g.map_or("", |m| m.as_str()))
                    .with("Name", name.map_or_else(|| i.to_string(), str::to_string))
                    .with("Value", g.map_or("", |m| m.as_str()))
                    .with("Success", g.is_some())
                    .with("Index", g.map_or(0, |m| m.start() as i64))
                    .with("Length", g.map_or(0, |m| m.as_str().chars().count() as i64)),
            )
        })
        .collect();
    Value::record(
        Record::new("System.Text.RegularExpressions.Match")
            .with_text(text)
            .with("Value", text)
            .with("Success", whole.is_some())
            .with("Index", whole.map_or(0, |m| m.start() as i64))
            .with("Length", text.chars().count() as i64)
            .with("Groups", Value::array(groups)),
    )
}

/// Strings compared as .NET's current culture (invariant-like) compares them: letters by
/// their lower-case form first; with case, lower case before upper case (`'aaa' -clt 'AAA'`).
pub fn compare_text(a: &str, b: &str, case_sensitive: bool) -> Ordering {
    let folded = a.to_lowercase().cmp(&b.to_lowercase());
    if folded != Ordering::Equal || !case_sensitive {
        return folded;
    }
    for (x, y) in a.chars().zip(b.chars()) {
        if x != y {
            return match (x.is_lowercase(), y.is_lowercase()) {
                (true, false) => Ordering::Less,
                (false, true) => Ordering::Greater,
                _ => x.cmp(&y),
            };
        }
    }
    a.len().cmp(&b.len())
}

/// PowerShell equality: the right side is converted to the left side's type.
pub fn equals(left: &Value, right: &Value, case_sensitive: bool) -> bool {
    match (left, right) {
        (Value::Null, Value::Null) => true,
        (Value::Null, _) | (_, Value::Null) => false,
        (Value::String(a), r) => {
            let b = text_of(r);
            if case_sensitive { *a == b } else { compare_text(a, &b, false) == Ordering::Equal }
        }
        (Value::Char(a), r) => {
            let b = match r {
                Value::Char(c) => c.to_string(),
                Value::String(s) => s.clone(),
                other => match numeric::operand(other).and_then(|o| numeric::convert(&o, numeric::Kind::Char).ok()) {
                    Some(Value::Char(c)) => c.to_string(),
                    _ => return false,
                },
            };
            let a = a.to_string();
            if case_sensitive { a == b } else { a.to_lowercase() == b.to_lowercase() }
        }
        (Value::Int(_) | Value::Real(_) | Value::Number(_), r) => {
            let (Some(a), Some(b)) = (numeric::operand(left), numeric::operand(r)) else {
                return false;
            };
            numeric::compare(&a, &b) == Some(Ordering::Equal)
        }
        (Value::Bool(a), r) => *a == r.is_truthy(),
        (Value::TimeSpan(a), Value::TimeSpan(b)) => a == b,
        (Value::TimeSpan(a), Value::String(s)) => TimeSpan::parse(s) == Some(*a),
        (Value::DateTime(a), Value::DateTime(b)) => a == b,
        (Value::DateTime(a), Value::String(s)) => super::convert::parse_date(s) == Some(*a),
        (Value::Hashtable(a), Value::Hashtable(b)) => std::rc::Rc::ptr_eq(a, b),
        (Value::Record(a), Value::Record(b)) => std::rc::Rc::ptr_eq(a, b),
        (Value::Array(a), Value::Array(b)) => std::rc::Rc::ptr_eq(a, b),
        (Value::ScriptBlock(a), Value::ScriptBlock(b)) => a == b,
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
        .exception("System.Management.Automation.RuntimeException")
    };
    Ok(match (left, right) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        (Value::String(a), r) => compare_text(a, &text_of(r), case_sensitive),
        (Value::Char(a), r) => {
            let b = match r {
                Value::Char(c) => *c,
                other => match numeric::operand(other).and_then(|o| numeric::convert(&o, numeric::Kind::Char).ok()) {
                    Some(Value::Char(c)) => c,
                    _ => return Ok(compare_text(&a.to_string(), &r.to_display_string(), case_sensitive)),
                },
            };
            compare_text(&a.to_string(), &b.to_string(), case_sensitive)
        }
        (Value::Int(_) | Value::Real(_) | Value::Number(_) | Value::Bool(_), r) => {
            let a = numeric::operand(left).ok_or_else(incomparable)?;
            let target = numeric::kind_of(left).map_or("System.Int32", |k| k.type_name());
            let b = numeric::operand(r).ok_or_else(|| not_a_number(r, target))?;
            numeric::compare(&a, &b).unwrap_or(Ordering::Equal)
        }
        (Value::TimeSpan(a), Value::TimeSpan(b)) => a.cmp(b),
        (Value::TimeSpan(a), Value::String(s)) => a.cmp(&TimeSpan::parse(s).ok_or_else(incomparable)?),
        (Value::DateTime(a), Value::DateTime(b)) => a.cmp(b),
        (Value::DateTime(a), Value::String(s)) => a.cmp(&super::convert::parse_date(s).ok_or_else(incomparable)?),
        (Value::Object(o), r) => o.compare(r).ok_or_else(incomparable)?,
        _ => return Err(incomparable()),
    })
}

/// `-split`: `pattern`, or `pattern, limit[, options]`, as PowerShell's SplitOperator.
fn split(left: &Value, right: &Value, case_sensitive: bool) -> Result<Value, ErrorRecord> {
    let args = items(right);
    let Some(pattern) = args.first() else {
        return Err(ErrorRecord::new(
            "BadOperatorArgument",
            "InvalidOperation",
            "The -split operator needs a separator.".into(),
        ));
    };
    let pattern = pattern.to_display_string();
    let limit = match args.get(1) {
        Some(v) => match numeric::operand(v).map(|o| numeric::convert(&o, numeric::Kind::Int32)) {
            Some(Ok(Value::Int(n))) => n,
            _ => return Err(not_a_number(v, "System.Int32")),
        },
        None => 0,
    };
    let mut simple = false;
    let mut regex_match = false;
    let mut explicit = false;
    let mut options = RegexOptions { ignore_case: !case_sensitive, ..RegexOptions::default() };
    let mut other_options = false;
    if let Some(text) = args.get(2).map(Value::to_display_string).filter(|t| !t.is_empty()) {
        for option in text.split(',').map(|o| o.trim().to_ascii_lowercase()) {
            match option.as_str() {
                "simplematch" => simple = true,
                "regexmatch" => regex_match = true,
                "ignorecase" => options.ignore_case = true,
                "multiline" => {
                    options.multiline = true;
                    other_options = true;
                }
                "singleline" => {
                    options.single_line = true;
                    other_options = true;
                }
                "ignorepatternwhitespace" => {
                    options.ignore_whitespace = true;
                    other_options = true;
                }
                "explicitcapture" => {
                    explicit = true;
                    other_options = true;
                }
                "cultureinvariant" => other_options = true,
                "none" => {}
                _ => {
                    return Err(ErrorRecord::new(
                        "InvalidCastFromStringToEnum",
                        "InvalidArgument",
                        format!(
                            "Cannot convert value \"{text}\" to type \"System.Management.Automation.SplitOptions\". Error: \"Unable to match the identifier name {option} to a valid enumerator name. Specify one of the following enumerator names and try again:\nSimpleMatch, RegexMatch, CultureInvariant, IgnorePatternWhitespace, Multiline, Singleline, IgnoreCase, ExplicitCapture\""
                        ),
                    )
                    .exception("System.Management.Automation.PSInvalidCastException"));
                }
            }
        }
    }
    if simple && (regex_match || other_options) {
        return Err(ErrorRecord::new(
            "InvalidSplitOptionCombination",
            "InvalidOperation",
            "Cannot combine SimpleMatch with other options than IgnoreCase.".into(),
        )
        .exception("System.Management.Automation.ParseException"));
    }
    let pattern = if simple { regex::escape(&pattern) } else { pattern };
    let regex = regex_with(&pattern, options)?;
    let mut out = Vec::new();
    for item in items(left) {
        let text = item.to_display_string();
        for piece in regex_split(&regex, &text, limit, explicit) {
            out.push(Value::String(piece));
        }
    }
    Ok(Value::array(out))
}

/// .NET's `Regex.Split`: at most `limit` pieces (from the right when it is negative; 0 is no
/// limit), with the captured groups of each separator kept between the pieces.
pub fn regex_split(regex: &Regex, text: &str, limit: i64, explicit_capture: bool) -> Vec<String> {
    let all: Vec<Captures<'_>> = regex.captures_iter(text).collect();
    let count = limit.unsigned_abs() as usize;
    if count == 1 || all.is_empty() {
        return vec![text.to_string()];
    }
    let chosen: Vec<&Captures<'_>> = if count == 0 {
        all.iter().collect()
    } else if limit < 0 {
        all.iter().rev().take(count - 1).collect::<Vec<_>>().into_iter().rev().collect()
    } else {
        all.iter().take(count - 1).collect()
    };
    let mut out = Vec::new();
    let mut last = 0;
    for captures in chosen {
        let Some(whole) = captures.get(0) else { continue };
        out.push(text[last..whole.start()].to_string());
        if !explicit_capture {
            for group in captures.iter().skip(1).flatten() {
                out.push(group.as_str().to_string());
            }
        }
        last = whole.end();
    }
    out.push(text[last..].to_string());
    out
}

fn replace(left: &Value, right: &Value, case_sensitive: bool) -> Result<Value, ErrorRecord> {
    let parts = items(right);
    if parts.len() > 2 {
        return Err(ErrorRecord::new(
            "BadReplaceArgument",
            "InvalidOperation",
            format!("The -replace operator allows only two elements to follow it, not {}.", parts.len()),
        ));
    }
    let pattern = parts.first().map(Value::to_display_string).unwrap_or_default();
    let replacement = parts.get(1).map(Value::to_display_string).unwrap_or_default();
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
pub fn dotnet_replacement(pattern: &str) -> String {
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
    fn braces_that_start_no_quantifier_are_literal_as_in_dotnet() {
        assert_eq!(literal_braces(r"a{2}b{1,}c{1,3}"), r"a{2}b{1,}c{1,3}");
        assert_eq!(literal_braces(r"array\s+{0, 1, 2}"), r"array\s+\{0, 1, 2}");
        assert_eq!(literal_braces(r"\{x}[{]{"), r"\{x}[{]\{");
        assert_eq!(literal_braces(r"\p{L}+\P{Lu}"), r"\p{L}+\P{Lu}");
        assert!(build_regex(r"test\s+{1...}", false).is_ok_and(|r| r.is_match("test {1...}")));
    }

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
