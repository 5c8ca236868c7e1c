//! CSV: `ConvertTo-Csv`, `ConvertFrom-Csv`, `Export-Csv` and `Import-Csv`, with PowerShell 7's
//! defaults (no `#TYPE` line unless `-IncludeTypeInformation`; every field quoted unless
//! `-UseQuotes AsNeeded`/`Never`; `-NoTypeInformation` accepted as in PowerShell 5 scripts).
//!
//! Reading follows RFC 4180 as PowerShell does: quoted fields may hold the delimiter, line
//! breaks and doubled quotes; a `#TYPE` first line names the objects' type; a row shorter than
//! the header leaves the rest `$null`. A header naming a column twice is an error.
//!
//! Owns: those cmdlets and the CSV text format. Must not: print; files go through
//! `runtime::filesystem`.

use super::items::targets;
use super::{Context, pipeline_input};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::runtime::encoding::Encoding;
use crate::shell::runtime::filesystem::{self as files, WriteMode, io_error, path_not_found, shown};
use crate::shell::runtime::psobject::properties_of;
use crate::shell::value::{Record, Value};

#[derive(Clone, Copy, PartialEq)]
enum Quotes {
    Always,
    AsNeeded,
    Never,
}

struct Writer {
    delimiter: char,
    quotes: Quotes,
    quote_fields: Vec<String>,
    type_information: bool,
}

impl Writer {
    fn from_call(call: &Invocation<'_>) -> Result<Writer, ErrorRecord> {
        let quotes = match call.string("UseQuotes").map(|q| q.to_ascii_lowercase()).as_deref() {
            None | Some("always") => Quotes::Always,
            Some("asneeded") => Quotes::AsNeeded,
            Some("never") => Quotes::Never,
            Some(other) => {
                return Err(ErrorRecord::new(
                    "CannotConvertArgumentNoMessage",
                    "InvalidArgument",
                    format!("Cannot bind parameter 'UseQuotes'. '{other}' is not one of Never, Always, AsNeeded."),
                )
                .in_command(&call.spec.name));
            }
        };
        Ok(Writer {
            delimiter: delimiter(call)?,
            quotes,
            quote_fields: call.strings("QuoteFields").unwrap_or_default(),
            type_information: call.switch("IncludeTypeInformation") && !call.switch("NoTypeInformation"),
        })
    }

    fn field(&self, name: &str, text: &str) -> String {
        let needed = text.contains(self.delimiter) || text.contains(['"', '\n', '\r']);
        let quote = if !self.quote_fields.is_empty() {
            self.quote_fields.iter().any(|f| f.eq_ignore_ascii_case(name))
        } else {
            match self.quotes {
                Quotes::Always => true,
                Quotes::AsNeeded => needed,
                Quotes::Never => false,
            }
        };
        if quote { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_string() }
    }

    fn header(&self, names: &[String]) -> String {
        names.iter().map(|n| self.field(n, n)).collect::<Vec<_>>().join(&self.delimiter.to_string())
    }

    fn row(&self, names: &[String], item: &Value) -> String {
        let values = properties_of(item);
        names
            .iter()
            .map(|name| match values.iter().find(|(n, _, _)| n.eq_ignore_ascii_case(name)) {
                Some((_, Value::Null, _)) | None => String::new(),
                Some((_, value, _)) => self.field(name, &cell(value)),
            })
            .collect::<Vec<_>>()
            .join(&self.delimiter.to_string())
    }

    /// The lines for `items`: the type line (if asked), the header (unless `names` came from
    /// an existing file), one row per object.
    fn lines(&self, items: &[Value], names: Option<Vec<String>>) -> Vec<String> {
        let Some(first) = items.first() else { return Vec::new() };
        let mut out = Vec::new();
        let names = match names {
            Some(n) => n,
            None => {
                if self.type_information {
                    out.push(format!("#TYPE {}", type_name(first)));
                }
                let n: Vec<String> = properties_of(first).into_iter().map(|(n, _, _)| n).collect();
                out.push(self.header(&n));
                n
            }
        };
        out.extend(items.iter().map(|item| self.row(&names, item)));
        out
    }
}

fn type_name(value: &Value) -> String {
    match value {
        Value::Record(r) => r.borrow().type_name.clone(),
        Value::Object(o) => o.type_name(),
        other => crate::shell::bind::type_of(other).to_string(),
    }
}

/// A value as one CSV cell: a collection by its type name, as PowerShell writes it.
fn cell(value: &Value) -> String {
    match value {
        Value::Array(_) => "System.Object[]".into(),
        Value::Hashtable(_) => "System.Collections.Hashtable".into(),
        other => other.to_display_string(),
    }
}

fn delimiter(call: &Invocation<'_>) -> Result<char, ErrorRecord> {
    match call.string("Delimiter") {
        None => Ok(','),
        Some(d) => {
            let mut chars = d.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Ok(c),
                _ => Err(ErrorRecord::new(
                    "CannotConvertArgumentNoMessage",
                    "InvalidArgument",
                    format!("Cannot bind parameter 'Delimiter'. Cannot convert value \"{d}\" to type \"System.Char\". Error: \"String must be exactly one character long.\""),
                )
                .in_command(&call.spec.name)
                .with_hint("-Delimiter is one character, such as ';' or \"`t\".")),
            }
        }
    }
}

pub fn convert_to_csv(call: &Invocation<'_>, _: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let writer = Writer::from_call(call)?;
    let items: Vec<Value> = pipeline_input(call).into_iter().filter(|v| *v != Value::Null).collect();
    Ok(writer.lines(&items, None).into_iter().map(Value::String).collect())
}

pub fn export_csv(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let writer = Writer::from_call(call)?;
    let encoding = match call.string("Encoding") {
        Some(e) => Encoding::parse(&e).map_err(|r| r.in_command("Export-Csv"))?,
        None => Encoding::default(),
    };
    let Some(target) = targets(call, "Path", None).into_iter().next() else {
        return Err(ErrorRecord::new(
            "CannotSpecifyPathAndLiteralPath",
            "InvalidData",
            "Specify either -Path or -LiteralPath.".into(),
        )
        .in_command("Export-Csv"));
    };
    let path = files::resolve(&target.text);
    let items: Vec<Value> = pipeline_input(call).into_iter().filter(|v| *v != Value::Null).collect();
    let append = call.switch("Append") && std::fs::metadata(&path).is_ok_and(|m| m.len() > 0);
    let existing = if append {
        let first = files::LineReader::open(&path, Some(encoding))
            .ok()
            .and_then(|mut lines| lines.find(|l| l.as_ref().map_or(true, |l| !l.starts_with("#TYPE"))))
            .and_then(Result::ok)
            .unwrap_or_default();
        Some(parse_line(&first, writer.delimiter))
    } else {
        None
    };
    if let (Some(names), Some(item)) = (&existing, items.first())
        && !call.switch("Force")
    {
        let have: Vec<String> = properties_of(item).into_iter().map(|(n, _, _)| n).collect();
        if let Some(missing) = names.iter().find(|n| !have.iter().any(|h| h.eq_ignore_ascii_case(n))) {
            return Err(ErrorRecord::new(
                "CannotAppendCsvWithMismatchedPropertyNames",
                "InvalidData",
                format!(
                    "Cannot append CSV content to the following file: {}. The appended object does not have a property that corresponds to the following column: {missing}. To continue with mismatched properties, add the -Force parameter, and then retry the command.",
                    shown(&path)
                ),
            )
            .in_command("Export-Csv")
            .with_hint("Select the file's columns first (Select-Object), or add -Force."));
        }
    }
    if !super::items::confirm(call, cx, "Export-Csv", &shown(&path))? {
        return Ok(Vec::new());
    }
    let text: String = writer.lines(&items, existing).iter().map(|l| format!("{l}\n")).collect();
    let mode = WriteMode { append: call.switch("Append"), encoding, no_clobber: call.switch("NoClobber") };
    files::write_bytes(&path, &encoding.encode(&text), mode, "Export-Csv").map_err(|e| e.in_command("Export-Csv"))?;
    Ok(Vec::new())
}

/// Fields of one physical line (used for an existing file's header).
fn parse_line(line: &str, delimiter: char) -> Vec<String> {
    parse(line, delimiter).into_iter().next().unwrap_or_default()
}

/// Every record of a CSV text: fields split at `delimiter` outside quotes, `""` inside quotes
/// a quote, line breaks inside quotes kept; blank lines skipped.
pub fn parse(text: &str, delimiter: char) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut any = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' => {
                quoted = true;
                any = true;
            }
            c if c == delimiter => {
                row.push(std::mem::take(&mut field));
                any = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                if any || !field.is_empty() {
                    row.push(std::mem::take(&mut field));
                    rows.push(std::mem::take(&mut row));
                }
                any = false;
            }
            c => field.push(c),
        }
    }
    if any || !field.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// Objects from CSV text: the header from `header` or the first record, a `#TYPE` line naming
/// their type.
fn objects(text: &str, delimiter: char, header: Option<Vec<String>>, command: &str) -> Result<Vec<Value>, ErrorRecord> {
    let mut type_name = "System.Management.Automation.PSCustomObject".to_string();
    let mut body = text;
    if let Some(rest) = text.strip_prefix("#TYPE ") {
        let (line, after) = rest.split_once('\n').unwrap_or((rest, ""));
        type_name = format!("CSV:{}", line.trim());
        body = after;
    }
    let mut rows = parse(body, delimiter).into_iter();
    let names = match header {
        Some(h) => h,
        None => match rows.next() {
            Some(h) => h,
            None => return Ok(Vec::new()),
        },
    };
    let names: Vec<String> =
        names.iter().enumerate().map(|(i, n)| if n.is_empty() { format!("H{}", i + 1) } else { n.clone() }).collect();
    for (i, name) in names.iter().enumerate() {
        if names[..i].iter().any(|n| n.eq_ignore_ascii_case(name)) {
            return Err(ErrorRecord::new(
                "AlreadyPresentPSMemberInfoInternalCollectionAdd",
                "NotSpecified",
                format!("The member \"{name}\" is already present."),
            )
            .in_command(command)
            .exception("System.Management.Automation.ExtendedTypeSystemException")
            .with_hint("Each column needs its own name: fix the header line, or give -Header."));
        }
    }
    Ok(rows
        .map(|fields| {
            let mut record = Record::new(type_name.clone());
            for (i, name) in names.iter().enumerate() {
                record.properties.push((name.clone(), fields.get(i).map_or(Value::Null, |f| Value::String(f.clone()))));
            }
            Value::record(record)
        })
        .collect())
}

pub fn convert_from_csv(call: &Invocation<'_>, _: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let delimiter = delimiter(call)?;
    let lines: Vec<String> = pipeline_input(call).iter().map(Value::to_display_string).collect();
    objects(&lines.join("\n"), delimiter, call.strings("Header"), "ConvertFrom-Csv")
}

pub fn import_csv(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let delimiter = delimiter(call)?;
    let encoding = match call.string("Encoding") {
        Some(e) => Some(Encoding::parse(&e).map_err(|r| r.in_command("Import-Csv"))?),
        None => None,
    };
    let mut out = Vec::new();
    for target in targets(call, "Path", None) {
        for path in files::expand(&target.text, target.literal) {
            if std::fs::symlink_metadata(&path).is_err() {
                cx.errors.push(path_not_found(&path, "Import-Csv"));
                continue;
            }
            match files::read_all_text(&path, encoding) {
                Ok(text) => out.extend(objects(&text, delimiter, call.strings("Header"), "Import-Csv")?),
                Err(e) => cx.errors.push(io_error(&e, &path, "Import-Csv", "ImportCsv")),
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_quote_and_unquote() {
        let rows = parse("a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n\n1,,3", ',');
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1], ["x, y", "say \"hi\"", "two\nlines"]);
        assert_eq!(rows[2], ["1", "", "3"]);
        let objs = objects("#TYPE Report\nName,Name\n", ',', None, "Import-Csv");
        assert!(objs.is_err(), "a column named twice");
        let objs = objects("Name,Size\nEX01", ',', None, "Import-Csv").expect("read");
        let Value::Record(r) = &objs[0] else { panic!("record") };
        assert_eq!(r.borrow().get("Size"), Some(&Value::Null));
    }
}
