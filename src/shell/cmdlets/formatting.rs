//! Formatting and conversion: `Format-Table`, `Format-List`, `ConvertTo-Json`. They take the
//! pipeline's objects through `-InputObject` and hand layout to `render`.

use super::columns::{Column, Layout, columns};
use super::properties::keys_of;
use super::{Context, Registry, pipeline_input as input};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::render;
use crate::shell::runtime::json;
use crate::shell::value::{Formatted, Record, Value};

/// Objects are shown by their properties; a hashtable by its entries (Name and Value, as
/// PowerShell's DictionaryEntry view); scalars as records with one property, as PowerShell
/// shows them in a table.
fn as_records(values: &[Value]) -> Vec<Record> {
    values
        .iter()
        .filter(|v| **v != Value::Null)
        .flat_map(|v| match v {
            Value::Hashtable(h) => h
                .borrow()
                .entries()
                .iter()
                .map(|(k, v)| {
                    Record::new("System.Collections.DictionaryEntry").with("Name", k.clone()).with("Value", v.clone())
                })
                .collect(),
            other => vec![as_record(other)],
        })
        .collect()
}

/// One object as a record of its properties.
fn as_record(value: &Value) -> Record {
    match value {
        Value::Record(r) => r.borrow().clone(),
        // An object by its properties, under its type name (so its view applies).
        Value::Object(o) => match o.shown() {
            Value::Record(r) => r.borrow().clone(),
            text => Record::new("System.Object").with("Value", text),
        },
        scalar => Record::new("System.Object").with("Value", scalar.clone()),
    }
}

/// The objects as the layout sees them: a hashtable by its entries (PowerShell's
/// DictionaryEntry view), `$null` dropped.
fn display_items(values: &[Value]) -> Vec<Value> {
    values
        .iter()
        .filter(|v| **v != Value::Null)
        .flat_map(|v| match v {
            Value::Hashtable(_) => as_records(std::slice::from_ref(v)).into_iter().map(Value::from).collect(),
            other => vec![other.clone()],
        })
        .collect()
}

/// The columns asked for with `-Property`/`-ExcludeProperty`, if any.
fn asked_columns(call: &Invocation<'_>, first: &Value, layout: Layout) -> Result<Option<Vec<Column>>, ErrorRecord> {
    columns(call.get("Property"), &call.strings("ExcludeProperty").unwrap_or_default(), first, layout)
}

/// One record per object holding the columns' values under their labels. As PowerShell's
/// formatter, an expression that fails shows as an empty cell, not an error; with `skip_missing`
/// (a list) a property the object lacks is left out.
fn column_records(items: &[Value], columns: &[Column], skip_missing: bool, cx: &mut Context<'_>) -> Vec<Record> {
    items
        .iter()
        .map(|item| {
            let mut record = Record::new("System.Management.Automation.PSCustomObject");
            for column in columns {
                match column.value(item, cx).unwrap_or(Some(Value::Null)) {
                    Some(value) => record.properties.push((column.label.clone(), value)),
                    None if skip_missing && column.plain => {}
                    None => record.properties.push((column.label.clone(), Value::Null)),
                }
            }
            record
        })
        .collect()
}

/// `Format-Table`: the columns asked for, else the type's table view (as wide as the view
/// says, or as the data with `-AutoSize`), else the first ten properties.
pub fn format_table(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    by_groups(call, cx, |values, cx| {
        let items = display_items(values);
        let Some(first) = items.first() else { return Ok(None) };
        let wrap = call.switch("Wrap");
        if let Some(columns) = asked_columns(call, first, Layout::Table)? {
            let records = column_records(&items, &columns, false, cx);
            let refs: Vec<&Record> = records.iter().collect();
            let labels: Vec<String> = columns.iter().map(|c| c.label.clone()).collect();
            let widths: Vec<usize> = columns.iter().map(|c| c.width).collect();
            let mut table = render::table_view(&refs, &labels, &widths, wrap);
            if let Formatted::Table { align, .. } = &mut table {
                for (slot, column) in align.iter_mut().zip(&columns) {
                    *slot = column.align.unwrap_or(*slot);
                }
            }
            return Ok(Some(table));
        }
        // A type whose default table computes its cells (Process) shows that row.
        let rows: Vec<Value> = values
            .iter()
            .map(|v| match v {
                Value::Object(o) => o.table_row().map_or_else(|| v.clone(), Value::record),
                other => other.clone(),
            })
            .collect();
        let records = as_records(&rows);
        let refs: Vec<&Record> = records.iter().collect();
        Ok(records.first().map(|first| {
            render::table_default(&refs, Registry::global().view_for(&first.type_name), call.switch("AutoSize"), wrap)
        }))
    })
}

/// `Format-List`: the columns asked for, else the type's list view, else every property.
pub fn format_list(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    by_groups(call, cx, |values, cx| {
        let items = display_items(values);
        let Some(first) = items.first() else { return Ok(None) };
        if let Some(columns) = asked_columns(call, first, Layout::List)? {
            let records = column_records(&items, &columns, true, cx);
            let refs: Vec<&Record> = records.iter().collect();
            return Ok(Some(render::list(&refs, None)));
        }
        let records = as_records(values);
        let refs: Vec<&Record> = records.iter().collect();
        Ok(records.first().map(|first| render::list_default(&refs, Registry::global().view_for(&first.type_name))))
    })
}

/// The input laid out by `lay_out`; with `-GroupBy`, one layout per run of objects whose
/// value of the key is the same, each under a `   Name: value` line. As in PowerShell, a
/// group ends where the value changes: the input is not sorted.
fn by_groups(
    call: &Invocation<'_>,
    cx: &mut Context<'_>,
    mut lay_out: impl FnMut(&[Value], &mut Context<'_>) -> Result<Option<Formatted>, ErrorRecord>,
) -> Result<Vec<Value>, ErrorRecord> {
    let values = input(call);
    let Some(key) = keys_of(call.get("GroupBy"), super::properties::GROUP_BY_KEYS)?.into_iter().next() else {
        return Ok(lay_out(&values, cx)?.map(Value::from).into_iter().collect());
    };
    let label = key.label();
    let mut runs: Vec<(String, Vec<Value>)> = Vec::new();
    for item in values {
        let shown: Vec<String> = key.value(&item, cx)?.into_iter().flatten().map(|v| v.to_display_string()).collect();
        let shown = shown.join(", ");
        match runs.last_mut() {
            Some((value, run)) if *value == shown => run.push(item),
            _ => runs.push((shown, vec![item])),
        }
    }
    let mut out = Vec::new();
    for (value, run) in runs {
        // Each layout ends with an empty line; only the first group needs one before it.
        let gap = if out.is_empty() { "\n" } else { "" };
        out.push(Value::String(format!("{gap}   {label}: {value}")));
        out.extend(lay_out(&run, cx)?.map(Value::from));
    }
    Ok(out)
}

pub fn convert_to_json(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    // Piped objects are gathered and written as one array when there are several (or with
    // -AsArray); an object given by name, a collection included, is written as it is.
    let values = super::input_objects(call);
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
        // No input at all is nothing.
        return Ok(Vec::new());
    }
    let depth = call.int("Depth").map_or(2, |d| usize::try_from(d).unwrap_or(0));
    let value = match values.as_slice() {
        [one] if !call.switch("AsArray") => one.clone(),
        many => Value::array(many.to_vec()),
    };
    let value = with_member_values(value, cx, depth + 1)?;
    let mut truncated = false;
    let text = json::write(&value, json::WriteOptions { depth, compress: call.switch("Compress") }, &mut truncated);
    if truncated {
        cx.warnings
            .push(format!("Resulting JSON is truncated as serialization has exceeded the set depth of {depth}."));
    }
    Ok(vec![Value::String(text)])
}

/// `value` with the members `Add-Member` gave its objects read as a script reads them (a
/// ScriptProperty's getter run, an AliasProperty's target), `levels` deep, as pwsh's
/// ConvertTo-Json reads every property's value (JsonObject.AppendPsProperties).
fn with_member_values(value: Value, cx: &mut Context<'_>, levels: usize) -> Result<Value, ErrorRecord> {
    if levels == 0 {
        return Ok(value);
    }
    match value {
        Value::Record(r) => {
            let mut record = r.borrow().clone();
            let this = Value::Record(r);
            for (_, property) in record.properties.iter_mut() {
                // A getter that fails reads as $null, as pwsh's AppendPsProperties catches it.
                let read =
                    cx.engine.member_value(&this, std::mem::replace(property, Value::Null)).unwrap_or(Value::Null);
                *property = with_member_values(read, cx, levels - 1)?;
            }
            Ok(Value::record(record))
        }
        Value::Array(items) => {
            let items = items.borrow().clone();
            let read =
                items.into_iter().map(|item| with_member_values(item, cx, levels - 1)).collect::<Result<_, _>>()?;
            Ok(Value::array(read))
        }
        other => Ok(other),
    }
}

pub fn convert_from_json(call: &Invocation<'_>, _: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let options = json::Options {
        as_hashtable: call.switch("AsHashtable"),
        max_depth: call.int("Depth").map_or(1024, |d| usize::try_from(d).unwrap_or(1024)),
        dates_as_text: call.string("DateKind").is_some_and(|k| k.eq_ignore_ascii_case("String")),
    };
    let texts: Vec<String> = input(call).iter().map(Value::to_display_string).collect();
    let failed = |e: String| {
        ErrorRecord::new(
            "System.ArgumentException",
            "NotSpecified",
            format!("Conversion from JSON failed with error: {e}"),
        )
        .in_command("ConvertFrom-Json")
        .exception("System.ArgumentException")
        .with_hint("The input must be JSON, such as the output of ConvertTo-Json.")
    };
    // Several strings are several documents when each reads alone; else they are the lines of one.
    let documents: Vec<Value> = match texts.iter().map(|t| json::parse(t, options)).collect::<Result<Vec<_>, _>>() {
        Ok(values) if texts.len() > 1 => values,
        _ => vec![json::parse(&texts.join("\n"), options).map_err(failed)?],
    };
    let mut out = Vec::new();
    for value in documents {
        match value {
            Value::Null => {}
            Value::Array(items) if !call.switch("NoEnumerate") => out.extend(items.borrow().iter().cloned()),
            other => out.push(other),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashtables_become_their_entries() {
        let mut h = crate::shell::value::Hashtable::new();
        h.insert(Value::from("SG1"), Value::Int(3));
        let records = as_records(&[h.into_value(), crate::shell::value::Hashtable::new().into_value()]);
        assert_eq!(records.len(), 1, "an empty hashtable has no rows");
        assert_eq!(records[0].get("Name"), Some(&Value::from("SG1")));
        assert_eq!(records[0].get("Value"), Some(&Value::Int(3)));
    }

    #[test]
    fn scalars_become_value_records() {
        let records = as_records(&[Value::Int(1), Value::Null, Value::from("a")]);
        assert_eq!(records.len(), 2);
        assert_eq!(records[1].get("Value"), Some(&Value::from("a")));
    }
}
