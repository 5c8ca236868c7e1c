//! Properties of any object as the object cmdlets see them (Select-, Sort-, Group-,
//! Measure-, Compare-Object, Format-*, Export-Csv): a record's properties, a hashtable's keys,
//! a typed object's property members, a string's Length. And the key a cmdlet computes from
//! `-Property`: a name (wildcards allowed), a script block, or a hashtable with `Expression`.
//!
//! Owns: [`names`], [`get`], [`Key`] and [`keys_of`], and PowerShell's ordering of values
//! for sorting ([`compare`], LanguagePrimitives.Compare with the string fallback).
//!
//! Must not: print or reach the client.

use std::cmp::Ordering;

use super::Context;
use crate::shell::error_record::ErrorRecord;
use crate::shell::eval::collect;
use crate::shell::eval::convert::to_number;
use crate::shell::eval::members::property;
use crate::shell::runtime::dotnet::culture_compare;
use crate::shell::value::{ScriptBlock, Value};
use crate::shell::wildcard::Wildcard;

/// The names of an object's properties, in order.
pub fn names(item: &Value) -> Vec<String> {
    match item {
        Value::Record(r) => r.borrow().properties.iter().map(|(n, _)| n.clone()).collect(),
        Value::Hashtable(h) => h.borrow().entries().iter().map(|(k, _)| k.to_display_string()).collect(),
        Value::Object(o) => o.members().into_iter().filter(|m| m.is_property()).map(|m| m.name).collect(),
        Value::String(_) => vec!["Length".to_string()],
        _ => Vec::new(),
    }
}

/// A property's value, or `None` when the object has no such property (which PowerShell tells
/// apart from a property whose value is `$null`).
pub fn get(item: &Value, name: &str) -> Option<Value> {
    match item {
        Value::Record(r) => r.borrow().get(name).cloned(),
        Value::Hashtable(h) => h.borrow().get(&Value::String(name.to_string())).cloned(),
        Value::Object(o) => o.property(name),
        Value::Null => None,
        other => {
            let value = property(other, name);
            (value != Value::Null).then_some(value)
        }
    }
}

/// The property names `pattern` names on `item`: itself when it has no wildcard, else every
/// matching property.
pub fn expand(item: &Value, pattern: &str) -> Vec<String> {
    if !Wildcard::has_wildcards(pattern) {
        return vec![pattern.to_string()];
    }
    let wildcard = Wildcard::new(pattern);
    names(item).into_iter().filter(|n| wildcard.is_match(n)).collect()
}

/// One entry of `-Property`.
#[derive(Clone)]
pub enum Key {
    Name(String),
    Block(ScriptBlock),
    /// `@{Expression=…; Ascending=…; Descending=…}`.
    Entry {
        expression: Box<Key>,
        ascending: Option<bool>,
    },
}

/// The entries of `-Property` (one value or several).
pub fn keys_of(value: Option<&Value>) -> Result<Vec<Key>, ErrorRecord> {
    let items = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items.borrow().clone(),
        Some(one) => vec![one.clone()],
    };
    items.into_iter().map(|v| key_of(&v)).collect()
}

fn key_of(value: &Value) -> Result<Key, ErrorRecord> {
    Ok(match value {
        Value::ScriptBlock(b) => Key::Block(b.clone()),
        Value::Hashtable(h) => {
            let h = h.borrow();
            let field = |names: &[&str]| {
                h.entries()
                    .iter()
                    .find(|(k, _)| names.iter().any(|n| k.to_display_string().eq_ignore_ascii_case(n)))
                    .map(|(_, v)| v.clone())
            };
            let expression = match field(&["Expression", "e"]) {
                Some(v) => key_of(&v)?,
                None => {
                    return Err(ErrorRecord::new(
                        "DictionaryKeyMissingEntry",
                        "InvalidArgument",
                        "The Expression key is missing from a property hashtable.".into(),
                    )
                    .with_hint("Write it as @{Expression='Name'; Descending=$true}."));
                }
            };
            let ascending = match (field(&["Ascending", "a", "asc"]), field(&["Descending", "d", "desc"])) {
                (Some(a), _) => Some(a.is_truthy()),
                (None, Some(d)) => Some(!d.is_truthy()),
                (None, None) => None,
            };
            Key::Entry { expression: Box::new(expression), ascending }
        }
        other => Key::Name(other.to_display_string()),
    })
}

impl Key {
    /// The value of the key for `item`; `None` when the item has no such property.
    pub fn value(&self, item: &Value, cx: &mut Context<'_>) -> Result<Vec<Option<Value>>, ErrorRecord> {
        Ok(match self {
            Key::Name(pattern) if Wildcard::has_wildcards(pattern) => {
                expand(item, pattern).iter().map(|n| get(item, n)).collect()
            }
            Key::Name(name) => vec![get(item, name)],
            Key::Block(block) => vec![Some(collect(cx.engine.invoke_block(block, Some(item.clone()), Vec::new())?))],
            Key::Entry { expression, .. } => expression.value(item, cx)?,
        })
    }

    /// How output names the key: the property's name, or the script block's text.
    pub fn label(&self) -> String {
        match self {
            Key::Name(name) => name.clone(),
            Key::Block(block) => block.text().trim().to_string(),
            Key::Entry { expression, .. } => expression.label(),
        }
    }

    /// The direction a hashtable entry asks for, if it does.
    pub fn ascending(&self) -> Option<bool> {
        match self {
            Key::Entry { ascending, .. } => *ascending,
            _ => None,
        }
    }
}

/// A number, if the value is one (not a numeric string).
fn numeric(value: &Value) -> Option<f64> {
    match value {
        Value::Int(_) | Value::Real(_) | Value::Number(_) | Value::Bool(_) => to_number(value).map(|n| n.as_f64()),
        _ => None,
    }
}

/// LanguagePrimitives.Compare as Sort-Object uses it: numbers as numbers (a string converted
/// when it reads as one), `$null` as 0 against a number and as `''` against text, dates and
/// durations by value, typed objects by their own ordering; anything else, or a failed
/// conversion, by the culture order of the texts.
pub fn compare(a: &Value, b: &Value, case_sensitive: bool) -> Ordering {
    let text = |x: &str, y: &str| {
        if case_sensitive { culture_compare(x, y, false) } else { culture_compare(x, y, true) }
    };
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, other) => match numeric(other) {
            Some(n) => 0f64.partial_cmp(&n).unwrap_or(Ordering::Equal),
            None => text("", &other.to_display_string()),
        },
        (other, Value::Null) => compare(&Value::Null, other, case_sensitive).reverse(),
        (Value::String(x), Value::String(y)) => text(x, y),
        (x, y) if numeric(x).is_some() => match to_number(y) {
            Some(n) => numeric(x).unwrap_or(0.0).partial_cmp(&n.as_f64()).unwrap_or(Ordering::Equal),
            None => text(&x.to_display_string(), &y.to_display_string()),
        },
        (Value::String(_), y) if numeric(y).is_some() => match to_number(a) {
            Some(n) => n.as_f64().partial_cmp(&numeric(y).unwrap_or(0.0)).unwrap_or(Ordering::Equal),
            None => text(&a.to_display_string(), &b.to_display_string()),
        },
        (Value::DateTime(x), Value::DateTime(y)) => x.cmp(y),
        (Value::TimeSpan(x), Value::TimeSpan(y)) => x.cmp(y),
        (Value::Object(o), other) => {
            o.compare(other).unwrap_or_else(|| text(&a.to_display_string(), &other.to_display_string()))
        }
        _ => text(&a.to_display_string(), &b.to_display_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_order_as_sort_object_orders_them() {
        assert_eq!(compare(&Value::Null, &Value::Int(-2), false), Ordering::Greater, "$null is 0 against a number");
        assert_eq!(compare(&Value::Null, &Value::Int(1), false), Ordering::Less);
        assert_eq!(compare(&Value::from("a"), &Value::from("B"), false), Ordering::Less);
        assert_eq!(compare(&Value::from("a"), &Value::from("A"), false), Ordering::Equal);
        assert_eq!(compare(&Value::from("a"), &Value::from("A"), true), Ordering::Less, "lower case first");
        assert_eq!(compare(&Value::Int(10), &Value::from("9"), false), Ordering::Greater, "a numeric string converts");
        assert_eq!(compare(&Value::Int(1), &Value::from("A"), false), Ordering::Less, "else text order");
        assert_eq!(compare(&Value::from("{"), &Value::from("{0}"), false), Ordering::Less);
    }
}
