//! `ConvertTo-Html`: objects to an HTML page (or `-Fragment`, a table alone) as PowerShell
//! writes it, one line per string, so scripts can mail a report or write it with `Out-File`.
//! Every value is HTML-encoded; `-Head`, `-Body`, `-PreContent` and `-PostContent` are the
//! caller's own HTML and are written as given, as in PowerShell.
//!
//! Owns: that cmdlet. Must not: print or write files.

use super::columns::{Layout, columns};
use super::{Context, pipeline_input};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::runtime::psobject::properties_of;
use crate::shell::value::Value;

/// Text made safe inside HTML.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Array(_) => "System.Object[]".into(),
        other => encode(&other.to_display_string()),
    }
}

/// The first object's own properties, as columns (a scalar, a string, shows its own text
/// under `*`).
fn own_columns(first: &Value) -> Vec<String> {
    properties_of(first).into_iter().map(|(n, _, _)| n).collect()
}

fn value_of(item: &Value, name: &str) -> Value {
    properties_of(item).into_iter().find(|(n, _, _)| n.eq_ignore_ascii_case(name)).map_or(Value::Null, |(_, v, _)| v)
}

/// The table (or `-As List`) of the objects: the columns `-Property` asks for (names,
/// wildcards, calculated columns with Label, Expression, Width and Alignment), else the first
/// object's properties.
fn table(call: &Invocation<'_>, items: &[Value], cx: &mut Context<'_>) -> Result<Vec<String>, ErrorRecord> {
    // PowerShell opens the table before the first object and closes it after the last, so a
    // page of -Body text alone still holds an empty one.
    let Some(first) = items.first() else { return Ok(vec!["<table>".into(), "</table>".into()]) };
    let asked = columns(call.get("Property"), &[], first, Layout::Html)?;
    let names: Vec<String> = match &asked {
        Some(columns) => columns.iter().map(|c| c.label.clone()).collect(),
        None => own_columns(first),
    };
    // Each object's cells, in the columns' order.
    let mut rows = Vec::with_capacity(items.len());
    for item in items {
        rows.push(match &asked {
            // As PowerShell's formatter, an expression that fails leaves its cell empty.
            Some(columns) => {
                columns.iter().map(|c| c.value(item, cx).ok().flatten().unwrap_or(Value::Null)).collect::<Vec<_>>()
            }
            None => names.iter().map(|n| value_of(item, n)).collect(),
        });
    }
    let list = call.string("As").is_some_and(|a| a.eq_ignore_ascii_case("List"));
    let mut out = vec!["<table>".to_string()];
    if list {
        for (i, row) in rows.iter().enumerate() {
            if i > 0 {
                out.push("</table>".into());
                out.push("<table>".into());
            }
            for (name, value) in names.iter().zip(row) {
                out.push(format!("<tr><td>{}:</td><td>{}</td></tr>", encode(name), cell(value)));
            }
        }
    } else {
        let col = |k: usize| {
            let column = asked.as_ref().and_then(|columns| columns.get(k));
            let width = column.filter(|c| c.width > 0).map(|c| format!(" width = \"{}\"", c.width));
            let align = column.and_then(|c| c.align_text.as_ref()).map(|a| format!(" align = \"{}\"", encode(a)));
            format!("<col{}{}/>", width.unwrap_or_default(), align.unwrap_or_default())
        };
        out.push(format!("<colgroup>{}</colgroup>", (0..names.len()).map(col).collect::<String>()));
        out.push(format!("<tr>{}</tr>", names.iter().map(|n| format!("<th>{}</th>", encode(n))).collect::<String>()));
        for row in &rows {
            out.push(format!("<tr>{}</tr>", row.iter().map(|v| format!("<td>{}</td>", cell(v))).collect::<String>()));
        }
    }
    out.push("</table>".into());
    Ok(out)
}

pub fn convert_to_html(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let items: Vec<Value> = pipeline_input(call).into_iter().filter(|v| *v != Value::Null).collect();
    let strings = |name: &str| call.strings(name).unwrap_or_default();
    let mut out: Vec<String> = Vec::new();
    if !call.switch("Fragment") {
        out.push(
            "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\"  \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">"
                .into(),
        );
        out.push("<html xmlns=\"http://www.w3.org/1999/xhtml\">".into());
        out.push("<head>".into());
        let head = strings("Head");
        if head.is_empty() {
            out.push(format!(
                "<title>{}</title>",
                encode(&call.string("Title").unwrap_or_else(|| "HTML TABLE".into()))
            ));
        } else {
            out.extend(head);
        }
        if let Some(css) = call.string("CssUri") {
            out.push(format!("<link rel=\"stylesheet\" type=\"text/css\" href=\"{}\" />", encode(&css)));
        }
        out.push("</head><body>".into());
        out.extend(strings("Body"));
    }
    out.extend(strings("PreContent"));
    out.extend(table(call, &items, cx)?);
    out.extend(strings("PostContent"));
    if !call.switch("Fragment") {
        out.push("</body></html>".into());
    }
    Ok(out.into_iter().map(Value::String).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_encoded() {
        assert_eq!(encode("<b>\"R&D\"</b>"), "&lt;b&gt;&quot;R&amp;D&quot;&lt;/b&gt;");
    }
}
