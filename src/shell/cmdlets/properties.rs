//! Properties of any object as the object cmdlets see them (Select-, Sort-, Group-,
//! Measure-, Compare-Object, Format-*, Export-Csv): a record's properties, a hashtable's keys,
//! a typed object's property members, a string's Length. And the key a cmdlet computes from
//! `-Property`: a name (wildcards allowed), a script block, or a hashtable with `Expression`.
//!
//! Owns: [`names`], [`get`], [`Key`] and [`keys_of`], the one reader of PowerShell's property
//! hashtable ([`calculated`]: Select-Object's, Sort-/Group-/Compare-Object's, Format-*'s and
//! ConvertTo-Html's, each cmdlet taking its own keys), and PowerShell's ordering of values
//! for sorting ([`compare`], LanguagePrimitives.Compare with the string fallback).
//!
//! Must not: print or reach the client.

use std::cmp::Ordering;

use super::Context;
use crate::shell::error_record::ErrorRecord;
use crate::shell::eval::collect;
use crate::shell::eval::convert::to_number;
use crate::shell::eval::members::property;
use crate::shell::layout::Align;
use crate::shell::runtime::dotnet::culture_compare;
use crate::shell::value::{Hashtable, ScriptBlock, Value};
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
    /// `@{Expression=…; Label=…; Ascending=…; Descending=…}`.
    Entry {
        expression: Box<Key>,
        label: Option<String>,
        ascending: Option<bool>,
    },
}

/// A key of PowerShell's property hashtable (its hashtable entry definitions). A key is
/// written in full or as any prefix of it (`e`, `Expr`, `n`), in any case; `Name` and `Label`
/// are one entry.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Entry {
    Expression,
    Name,
    FormatString,
    Width,
    Alignment,
    Ascending,
    Descending,
}

impl Entry {
    /// PowerShell's spellings of the key (its KeyName first).
    fn spellings(self) -> &'static [&'static str] {
        match self {
            Entry::Expression => &["expression"],
            Entry::Name => &["name", "label"],
            Entry::FormatString => &["formatString"],
            Entry::Width => &["width"],
            Entry::Alignment => &["alignment"],
            Entry::Ascending => &["ascending"],
            Entry::Descending => &["descending"],
        }
    }

    /// Whether `key` names this entry: one of its spellings, or a prefix of one.
    fn is_named(self, key: &str) -> bool {
        self.spellings().iter().any(|full| {
            key.len() <= full.len() && full.is_char_boundary(key.len()) && full[..key.len()].eq_ignore_ascii_case(key)
        })
    }
}

/// The keys each cmdlet's property hashtable takes, as PowerShell defines them.
pub const SELECT_KEYS: &[Entry] = &[Entry::Name, Entry::Expression];
pub const ORDER_KEYS: &[Entry] = &[Entry::Expression, Entry::Ascending, Entry::Descending];
pub const GROUP_BY_KEYS: &[Entry] = &[Entry::Expression, Entry::Name];
pub const TABLE_KEYS: &[Entry] = &[Entry::Expression, Entry::Name, Entry::FormatString, Entry::Width, Entry::Alignment];
pub const LIST_KEYS: &[Entry] = &[Entry::Expression, Entry::Name, Entry::FormatString];
pub const HTML_KEYS: &[Entry] = &[Entry::Expression, Entry::Name, Entry::Width, Entry::Alignment];

/// A property hashtable, read: its expression (a property name or a script block) and the
/// other keys it gave.
pub struct Calculated {
    pub expression: Key,
    pub label: Option<String>,
    pub format: Option<String>,
    pub width: Option<usize>,
    /// As PowerShell reads it (`left`, `center`, `right`, or a prefix), and as written.
    pub alignment: Option<(Align, String)>,
    pub ascending: Option<bool>,
}

/// Reads a property hashtable for a cmdlet that takes the keys `takes`, as PowerShell reads
/// one: a key that names none of them, or more than one, and a missing Expression are
/// PowerShell's errors, with the keys the cmdlet takes.
pub fn calculated(h: &Hashtable, takes: &[Entry]) -> Result<Calculated, ErrorRecord> {
    let spelled: Vec<&str> = takes.iter().map(|e| e.spellings()[0]).collect();
    let refuse = |id: &str, message: String| {
        ErrorRecord::new(id, "InvalidArgument", message)
            .exception("System.Management.Automation.ParameterBindingException")
            .with_hint(format!(
                "This cmdlet's property hashtable takes {} (any prefix of each), as in @{{{}='Size(MB)'; Expression={{ $_.Size / 1MB }}}}.",
                spelled.join(", "),
                if takes.contains(&Entry::Name) { "Name" } else { "Expression" }
            ))
    };
    let mut read = Calculated {
        expression: Key::Name(String::new()),
        label: None,
        format: None,
        width: None,
        alignment: None,
        ascending: None,
    };
    let (mut expression, mut ascending, mut descending) = (None, None, None);
    for (key, value) in h.entries() {
        let name = key.to_display_string();
        let named: Vec<Entry> = takes.iter().copied().filter(|e| e.is_named(&name)).collect();
        let entry = match named.as_slice() {
            [one] => *one,
            [] => return Err(refuse("DictionaryKeyIllegal", format!("The {name} key is not valid."))),
            [first, second, ..] => {
                return Err(refuse(
                    "DictionaryKeyAmbiguous",
                    format!(
                        "The {name} key is ambiguous; {} and {} conflict.",
                        first.spellings()[0],
                        second.spellings()[0]
                    ),
                ));
            }
        };
        match entry {
            Entry::Expression => {
                expression = Some(match value {
                    Value::ScriptBlock(block) => Key::Block(block.clone()),
                    other => Key::Name(other.to_display_string()),
                });
            }
            Entry::Name => read.label = Some(value.to_display_string()),
            Entry::FormatString => read.format = Some(value.to_display_string()),
            Entry::Width => {
                let width = to_number(value).map(|n| n.as_f64()).filter(|w| w.fract() == 0.0);
                read.width = Some(match width {
                    Some(w) if w >= 1.0 && w <= f64::from(i32::MAX) => w as usize,
                    Some(w) => {
                        return Err(refuse(
                            "WidthOutOfRange",
                            format!("The value \"{w}\" for key \"width\" should be greater than 0."),
                        ));
                    }
                    None => {
                        return Err(refuse(
                            "DictionaryKeyUnknownType",
                            format!(
                                "The \"width\" key has a type, {}, that is not valid; expected type is System.Int32.",
                                crate::shell::eval::convert::type_name(value)
                            ),
                        ));
                    }
                });
            }
            Entry::Alignment => {
                let text = value.to_display_string();
                let matches = |full: &str| {
                    !text.is_empty() && text.len() <= full.len() && full[..text.len()].eq_ignore_ascii_case(&text)
                };
                let align = [("left", Align::Left), ("center", Align::Center), ("right", Align::Right)]
                    .into_iter()
                    .find(|(full, _)| matches(full))
                    .map(|(_, align)| align)
                    .ok_or_else(|| {
                        refuse(
                            "AlignmentIllegalValue",
                            format!("The value \"{text}\" for key \"alignment\" is not valid; valid values are {{left, center, right}}."),
                        )
                    })?;
                read.alignment = Some((align, text));
            }
            Entry::Ascending => ascending = Some(value.is_truthy()),
            Entry::Descending => descending = Some(value.is_truthy()),
        }
    }
    // Ascending, when given, decides; else Descending.
    read.ascending = ascending.or(descending.map(|d| !d));
    read.expression = expression
        .ok_or_else(|| refuse("DictionaryKeyMandatoryEntry", "A mandatory entry for expression is missing.".into()))?;
    Ok(read)
}

/// The entries of `-Property` (one value or several), a hashtable taking the keys `takes`.
pub fn keys_of(value: Option<&Value>, takes: &[Entry]) -> Result<Vec<Key>, ErrorRecord> {
    let items = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items.borrow().clone(),
        Some(one) => vec![one.clone()],
    };
    items.into_iter().map(|v| key_of(&v, takes)).collect()
}

fn key_of(value: &Value, takes: &[Entry]) -> Result<Key, ErrorRecord> {
    Ok(match value {
        Value::ScriptBlock(b) => Key::Block(b.clone()),
        Value::Hashtable(h) => {
            let read = calculated(&h.borrow(), takes)?;
            Key::Entry { expression: Box::new(read.expression), label: read.label, ascending: read.ascending }
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
            Key::Entry { label: Some(label), .. } => label.clone(),
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
