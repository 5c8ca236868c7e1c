//! Text cmdlets: `ConvertFrom-StringData` (name=value lines to a hashtable), `Join-String`
//! (objects to one string) and `Tee-Object` (pass objects on and keep a copy in a variable or
//! a file).
//!
//! Owns: those three cmdlets.
//!
//! Must not: print; files are written through `runtime::filesystem`.

use super::{Context, pipeline_input};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::eval::collect;
use crate::shell::eval::convert::composite_format;
use crate::shell::eval::members::property;
use crate::shell::value::{Hashtable, Value};

/// `\n`, `\t`, `\\` and the other escapes of .NET's Regex.Unescape.
fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('a') => out.push('\u{7}'),
            Some('f') => out.push('\u{c}'),
            Some('v') => out.push('\u{b}'),
            Some('e') => out.push('\u{1b}'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

pub fn convert_from_string_data(call: &Invocation<'_>, _: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let delimiter = call.string("Delimiter").and_then(|d| d.chars().next()).unwrap_or('=');
    let mut out = Vec::new();
    let texts: Vec<String> = match call.get("StringData") {
        Some(Value::Array(items)) => items.borrow().iter().map(Value::to_display_string).collect(),
        Some(one) => vec![one.to_display_string()],
        None => Vec::new(),
    };
    for text in texts {
        let mut table = Hashtable::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((name, value)) = line.split_once(delimiter) else {
                return Err(ErrorRecord::new(
                    "InvalidOperation",
                    "InvalidOperation",
                    format!("Data line '{line}' is not in 'name{delimiter}value' format."),
                )
                .in_command("ConvertFrom-StringData")
                .exception("System.Management.Automation.PSInvalidOperationException")
                .with_hint(format!("Write each line as name{delimiter}value; lines starting with # are comments.")));
            };
            let key = Value::String(name.trim().to_string());
            if table.contains_key(&key) {
                return Err(ErrorRecord::new(
                    "InvalidOperation",
                    "InvalidOperation",
                    format!("Data item '{}' in line '{line}' is already defined.", name.trim()),
                )
                .in_command("ConvertFrom-StringData")
                .exception("System.Management.Automation.PSInvalidOperationException"));
            }
            table.insert(key, Value::String(unescape(value.trim())));
        }
        out.push(table.into_value());
    }
    Ok(out)
}

pub fn join_string(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let separator = match call.get("Separator") {
        Some(v) => v.to_display_string(),
        None => match cx.engine.variable("OFS") {
            Value::Null => String::new(),
            ofs => ofs.to_display_string(),
        },
    };
    let quote = if call.switch("SingleQuote") {
        Some('\'')
    } else if call.switch("DoubleQuote") {
        Some('"')
    } else {
        None
    };
    let format = call.string("FormatString");
    let mut pieces = Vec::new();
    for item in pipeline_input(call).into_iter().filter(|v| *v != Value::Null) {
        let value = match call.get("Property") {
            Some(Value::ScriptBlock(block)) => {
                collect(cx.engine.invoke_block(block, Some(item.clone()), Vec::new())?)
            }
            Some(Value::Null) | None => item,
            Some(name) => property(&item, &name.to_display_string()),
        };
        pieces.push(match (quote, &format) {
            (Some(q), _) => format!("{q}{}{q}", value.to_display_string()),
            (None, Some(f)) if !f.is_empty() => composite_format(f, std::slice::from_ref(&value))?,
            _ => value.to_display_string(),
        });
    }
    let prefix = call.string("OutputPrefix").unwrap_or_default();
    let suffix = call.string("OutputSuffix").unwrap_or_default();
    Ok(vec![Value::String(format!("{prefix}{}{suffix}", pieces.join(&separator)))])
}

pub fn tee_object(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let items = pipeline_input(call);
    if let Some(name) = call.string("Variable") {
        let value = match items.as_slice() {
            [one] => one.clone(),
            many => Value::array(many.to_vec()),
        };
        cx.engine.set_variable(&name, value).map_err(|e| e.in_command("Tee-Object"))?;
    }
    if let Some(path) = call.string("FilePath").or_else(|| call.string("LiteralPath")) {
        let text = cx.engine.host().format(&items);
        crate::shell::runtime::filesystem::write_text(
            &crate::shell::runtime::filesystem::resolve(&path),
            &text,
            crate::shell::runtime::filesystem::WriteMode { append: call.switch("Append"), ..Default::default() },
        )
        .map_err(|e| e.in_command("Tee-Object"))?;
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_data_values_are_unescaped() {
        assert_eq!(unescape(r"a\nb\\c\t"), "a\nb\\c\t");
        assert_eq!(unescape(r"C:\\Program Files"), r"C:\Program Files");
    }
}
