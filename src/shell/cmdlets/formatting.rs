//! Formatting and conversion: `Format-Table`, `Format-List`, `ConvertTo-Json`. They take the
//! pipeline's objects through `-InputObject` and hand layout to `render`.

use super::{Context, Registry, pipeline_input as input};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::render;
use crate::shell::value::{Hashtable, Record, Value};

/// Scalars are shown as records with one property, as PowerShell shows them in a table.
fn as_records(values: &[Value]) -> Vec<Record> {
    values
        .iter()
        .filter(|v| **v != Value::Null)
        .map(|v| match v {
            Value::Record(r) => r.borrow().clone(),
            scalar => Record::new("System.Object").with("Value", scalar.clone()),
        })
        .collect()
}

/// The properties asked for with `-Property`, wildcards expanded against the first object's
/// properties (`MaxDumpster*`, `*` for all); `None` when none were asked for.
fn properties(call: &Invocation<'_>, first: &Record) -> Option<Vec<String>> {
    let asked = call.strings("Property")?;
    let mut names = Vec::new();
    for name in asked {
        if crate::shell::wildcard::Wildcard::has_wildcards(&name) {
            let pattern = crate::shell::wildcard::Wildcard::new(&name);
            names.extend(first.properties.iter().map(|(n, _)| n).filter(|n| pattern.is_match(n)).cloned());
        } else {
            names.push(name);
        }
    }
    Some(names)
}

/// `Format-Table`: the properties asked for, else the type's table view (as wide as the view
/// says, or as the data with `-AutoSize`), else the first ten properties.
pub fn format_table(call: &Invocation<'_>, _: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let records = as_records(&input(call));
    let Some(first) = records.first() else {
        return Ok(Vec::new());
    };
    let refs: Vec<&Record> = records.iter().collect();
    let wrap = call.switch("Wrap");
    let block = match properties(call, first) {
        Some(columns) => render::table_view(&refs, &columns, &[], wrap),
        None => {
            render::table_default(&refs, Registry::global().view_for(&first.type_name), call.switch("AutoSize"), wrap)
        }
    };
    Ok(vec![Value::from(block)])
}

/// `Format-List`: the properties asked for, else the type's list view, else every property.
pub fn format_list(call: &Invocation<'_>, _: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let records = as_records(&input(call));
    let Some(first) = records.first() else {
        return Ok(Vec::new());
    };
    let refs: Vec<&Record> = records.iter().collect();
    let block = match properties(call, first) {
        Some(wanted) => render::list(&refs, Some(&wanted)),
        None => render::list_default(&refs, Registry::global().view_for(&first.type_name)),
    };
    Ok(vec![Value::from(block)])
}

pub fn convert_to_json(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let values = input(call);
    if values.iter().any(|v| matches!(v, Value::Formatted(_))) {
        return Err(ErrorRecord::new(
            "FormattedInput",
            "InvalidType",
            "ConvertTo-Json received the output of a Format-* cmdlet, which is layout, not data.".into(),
        )
        .at(call.span)
        .with_hint("Put ConvertTo-Json before Format-Table or Format-List, or leave the Format-* cmdlet out."));
    }
    if values.is_empty() && !call.switch("AsArray") {
        return Ok(Vec::new());
    }
    let depth = call.int("Depth").map_or(2, |d| usize::try_from(d).unwrap_or(0));
    let text = render::to_json(&values, depth, call.switch("Compress"), call.switch("AsArray"), &mut cx.warnings);
    Ok(vec![Value::String(text)])
}

pub fn convert_from_json(call: &Invocation<'_>, _: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let text = input(call).iter().map(Value::to_display_string).collect::<Vec<_>>().join("\n");
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        ErrorRecord::new(
            "System.ArgumentException,Microsoft.PowerShell.Commands.ConvertFromJsonCommand",
            "NotSpecified",
            format!("Conversion from JSON failed with error: {e}"),
        )
        .with_hint("The input must be one JSON document, such as the output of ConvertTo-Json.")
    })?;
    let value = from_json(json, call.switch("AsHashtable"));
    Ok(match value {
        Value::Array(items) if !call.switch("NoEnumerate") => items.borrow().clone(),
        other => vec![other],
    })
}

/// A JSON value as a shell value: objects become PSCustomObjects (or hashtables), ISO 8601
/// times become DateTimes, as PowerShell 7 does.
fn from_json(json: serde_json::Value, as_hashtable: bool) -> Value {
    use serde_json::Value as J;
    match json {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(b),
        J::Number(n) => n.as_i64().map_or_else(|| Value::Real(n.as_f64().unwrap_or(0.0)), Value::Int),
        J::String(s) => match chrono::DateTime::parse_from_rfc3339(&s) {
            Ok(t) => Value::DateTime(t.to_utc()),
            Err(_) => Value::String(s),
        },
        J::Array(items) => Value::array(items.into_iter().map(|v| from_json(v, as_hashtable)).collect()),
        J::Object(map) if as_hashtable => {
            let mut h = Hashtable::new();
            for (k, v) in map {
                h.insert(Value::String(k), from_json(v, true));
            }
            h.into_value()
        }
        J::Object(map) => Value::record(Record {
            properties: map.into_iter().map(|(k, v)| (k, from_json(v, false))).collect(),
            ..Record::new("System.Management.Automation.PSCustomObject")
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_become_value_records() {
        let records = as_records(&[Value::Int(1), Value::Null, Value::from("a")]);
        assert_eq!(records.len(), 2);
        assert_eq!(records[1].get("Value"), Some(&Value::from("a")));
    }
}
