//! The columns the layout cmdlets (`Format-Table`, `Format-List`, `ConvertTo-Html`) are asked
//! for with `-Property`: property names (wildcards expanded against the first object), script
//! blocks, and PowerShell's format hashtables `@{Label='Size(MB)'; Expression={…};
//! FormatString='N1'; Width=10; Alignment='Right'}`, each cmdlet allowing its own keys (read
//! by `properties::calculated`, the one reader of property hashtables).
//!
//! Owns: reading `-Property`/`-ExcludeProperty` into [`Column`]s and a column's value for an
//! object. Must not: lay anything out (that is `render`) or reach the client.

use super::Context;
use super::properties::{self, Key};
use crate::shell::error_record::ErrorRecord;
use crate::shell::eval::convert::composite_format;
use crate::shell::layout::Align;
use crate::shell::value::{Hashtable, Value};
use crate::shell::wildcard::Wildcard;

/// The layout cmdlets, whose format hashtables take different keys (PowerShell's
/// FormatParameterDefinition): Label (or Name) and Expression everywhere, FormatString for the
/// Format- cmdlets, Width and Alignment for tables and HTML.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Table,
    List,
    Html,
}

impl Layout {
    /// The keys its property hashtable takes.
    fn keys(self) -> &'static [properties::Entry] {
        match self {
            Layout::Table => properties::TABLE_KEYS,
            Layout::List => properties::LIST_KEYS,
            Layout::Html => properties::HTML_KEYS,
        }
    }
}

/// One column: its heading and where its values come from.
pub struct Column {
    pub label: String,
    key: Key,
    /// A calculated column's `FormatString`, applied as `-f` applies `{0:format}`.
    format: Option<String>,
    /// Cells wide, from `Width` (0: from the data).
    pub width: usize,
    /// From `Alignment`; `None` leaves it to the values (numbers right).
    pub align: Option<Align>,
    /// `Alignment` as written, which `ConvertTo-Html` copies into its `<col>` tag.
    pub align_text: Option<String>,
    /// A property named plainly: an object without it shows nothing, not an empty entry.
    pub plain: bool,
}

impl Column {
    /// The column's value for `item`: the property (`$null` when the object lacks it), or the
    /// expression's output, formatted by `FormatString` when one is given.
    pub fn value(&self, item: &Value, cx: &mut Context<'_>) -> Result<Option<Value>, ErrorRecord> {
        let found = self.key.value(item, cx)?.into_iter().next().flatten();
        match (&self.format, found) {
            (Some(format), Some(value)) => {
                Ok(Some(Value::String(composite_format(&format!("{{0:{format}}}"), &[value])?)))
            }
            (_, found) => Ok(found),
        }
    }
}

/// The columns `-Property` asks for, less those `-ExcludeProperty` names (which alone means
/// every property of the first object but those); `None` when neither was given.
pub fn columns(
    property: Option<&Value>,
    excluded: &[String],
    first: &Value,
    layout: Layout,
) -> Result<Option<Vec<Column>>, ErrorRecord> {
    let asked: Vec<Value> = match property {
        None | Some(Value::Null) if excluded.is_empty() => return Ok(None),
        None | Some(Value::Null) => vec![Value::from("*")],
        Some(Value::Array(items)) => items.borrow().clone(),
        Some(one) => vec![one.clone()],
    };
    let excluded: Vec<Wildcard> = excluded.iter().map(|p| Wildcard::new(p)).collect();
    let own = properties::names(first);
    let mut out = Vec::new();
    for entry in asked {
        match entry {
            Value::Hashtable(h) => out.push(calculated(&h.borrow(), layout)?),
            Value::ScriptBlock(block) => out.push(Column {
                label: block.text().trim().to_string(),
                key: Key::Block(block),
                format: None,
                width: 0,
                align: None,
                align_text: None,
                plain: false,
            }),
            other => {
                let asked = other.to_display_string();
                let names = if Wildcard::has_wildcards(&asked) {
                    properties::expand(first, &asked)
                } else {
                    // The heading spells the property as the object does.
                    vec![own.iter().find(|n| n.eq_ignore_ascii_case(&asked)).cloned().unwrap_or(asked)]
                };
                out.extend(names.into_iter().filter(|n| !excluded.iter().any(|w| w.is_match(n))).map(|name| Column {
                    label: name.clone(),
                    key: Key::Name(name),
                    format: None,
                    width: 0,
                    align: None,
                    align_text: None,
                    plain: true,
                }));
            }
        }
    }
    Ok(Some(out))
}

/// A format hashtable as a column, refusing keys the cmdlet does not take, as PowerShell does.
fn calculated(h: &Hashtable, layout: Layout) -> Result<Column, ErrorRecord> {
    let read = properties::calculated(h, layout.keys())?;
    let label = read.label.unwrap_or_else(|| read.expression.label());
    let (align, align_text) = match read.alignment {
        Some((align, text)) => (Some(align), Some(text)),
        None => (None, None),
    };
    Ok(Column {
        label,
        key: read.expression,
        format: read.format,
        width: read.width.unwrap_or(0),
        align,
        align_text,
        plain: false,
    })
}
