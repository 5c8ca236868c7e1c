//! `ConvertTo-Html`: objects to an HTML page (or `-Fragment`, a table alone) as PowerShell
//! writes it, one line per string, so scripts can mail a report or write it with `Out-File`.
//! Every value is HTML-encoded; `-Head`, `-Body`, `-PreContent` and `-PostContent` are the
//! caller's own HTML and are written as given, as in PowerShell.
//!
//! Owns: that cmdlet. Must not: print or write files.

use super::{Context, pipeline_input};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::runtime::psobject::properties_of;
use crate::shell::value::Value;
use crate::shell::wildcard::Wildcard;

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

/// The columns: `-Property` (wildcards expanded against the first object), else the first
/// object's properties; a scalar (a string) is shown by its own text under `*`.
fn columns(call: &Invocation<'_>, first: &Value) -> Vec<String> {
    let own: Vec<String> = properties_of(first).into_iter().map(|(n, _, _)| n).collect();
    match call.strings("Property") {
        Some(asked) => asked
            .iter()
            .flat_map(|p| {
                if Wildcard::has_wildcards(p) {
                    let w = Wildcard::new(p);
                    own.iter().filter(|n| w.is_match(n)).cloned().collect()
                } else {
                    vec![p.clone()]
                }
            })
            .collect(),
        None => own,
    }
}

fn value_of(item: &Value, name: &str) -> Value {
    properties_of(item).into_iter().find(|(n, _, _)| n.eq_ignore_ascii_case(name)).map_or(Value::Null, |(_, v, _)| v)
}

fn table(call: &Invocation<'_>, items: &[Value]) -> Vec<String> {
    let Some(first) = items.first() else { return Vec::new() };
    let names = columns(call, first);
    let list = call.string("As").is_some_and(|a| a.eq_ignore_ascii_case("List"));
    let mut out = vec!["<table>".to_string()];
    if list {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push("</table>".into());
                out.push("<table>".into());
            }
            for name in &names {
                out.push(format!("<tr><td>{}:</td><td>{}</td></tr>", encode(name), cell(&value_of(item, name))));
            }
        }
    } else {
        out.push(format!("<colgroup>{}</colgroup>", "<col/>".repeat(names.len())));
        out.push(format!("<tr>{}</tr>", names.iter().map(|n| format!("<th>{}</th>", encode(n))).collect::<String>()));
        for item in items {
            out.push(format!(
                "<tr>{}</tr>",
                names.iter().map(|n| format!("<td>{}</td>", cell(&value_of(item, n)))).collect::<String>()
            ));
        }
    }
    out.push("</table>".into());
    out
}

pub fn convert_to_html(call: &Invocation<'_>, _: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
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
    out.extend(table(call, &items));
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
