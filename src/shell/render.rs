//! Rendering: the only code that turns values and errors into text for a screen or a pipe.
//! Tables and lists (laid out by `layout` at the screen's width, as PowerShell's formatter
//! does), JSON, and PowerShell's ConciseView for errors.
//!
//! Owns: the width output is laid out for, turning records into [`Formatted`] blocks by their
//! type's default view (files and folders grouped under `Directory:` headers), `ConvertTo-Json`'s text, error and warning display, colour (through
//! `colored`, which the binary turns off for `NO_COLOR` and for streams that are not
//! terminals).
//!
//! Must not: call ccrd or decide what a cmdlet returns.

use std::io::{self, Write};

use colored::Colorize;

use super::error_record::ErrorRecord;
use super::layout::{self, Align, Column};
use super::spec::{View, ViewKind};
use super::value::{Formatted, Record, Value};

/// `$FormatEnumerationLimit`: items of a collection shown in one cell.
const ENUMERATION_LIMIT: usize = 4;

/// PowerShell's width when there is no console to ask (`OutCommandInner.DefaultConsoleWidth`).
const DEFAULT_WIDTH: usize = 120;
/// Table columns PowerShell shows for an object without a view (`LimitAssociationListSize`).
const TABLE_COLUMN_LIMIT: usize = 10;

/// The terminal's columns and rows, when standard output is one (`$Host.UI.RawUI.WindowSize`).
pub fn terminal_dimensions() -> Option<(usize, usize)> {
    terminal_size::terminal_size_of(std::io::stdout())
        .map(|(terminal_size::Width(w), terminal_size::Height(h))| (usize::from(w), usize::from(h)))
        .filter(|(w, h)| *w > 0 && *h > 0)
}

/// The width output is laid out for: on a terminal (or with `COLUMNS`), its width less one, as
/// PowerShell's console host leaves the last column free so a full line does not wrap; else 120.
pub fn output_width() -> usize {
    let terminal = terminal_size::terminal_size_of(std::io::stdout())
        .map(|(terminal_size::Width(w), _)| usize::from(w))
        .or_else(|| std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse().ok()));
    match terminal {
        Some(columns) if columns > 1 => columns - 1,
        _ => DEFAULT_WIDTH,
    }
}

/// The records of the message streams, which show as their text.
const MESSAGE_RECORDS: &[&str] = &[
    "System.Management.Automation.WarningRecord",
    "System.Management.Automation.VerboseRecord",
    "System.Management.Automation.DebugRecord",
    "System.Management.Automation.InformationRecord",
];

const ERROR_RECORD: &str = "System.Management.Automation.ErrorRecord";

/// Writes values as `Out-Default` would: records through their type's view (or a table for
/// up to four properties, a list for more), scalars one per line.
pub fn write_values(
    out: &mut dyn Write,
    values: &[Value],
    view_of: &dyn Fn(&str) -> Option<View>,
    width: usize,
) -> io::Result<()> {
    if values.iter().any(|v| matches!(v, Value::Object(_))) {
        // Objects show as what they stand for, so a run of them shares one table.
        let shown: Vec<Value> = values
            .iter()
            .flat_map(|v| match v {
                // A type whose default table computes its cells (Process) shows that row.
                Value::Object(o) => match o.table_row().map_or_else(|| o.shown(), Value::record) {
                    Value::Array(items) => items.borrow().clone(),
                    one => vec![one],
                },
                other => vec![other.clone()],
            })
            .collect();
        return write_values(out, &shown, view_of, width);
    }
    let mut i = 0;
    while i < values.len() {
        match &values[i] {
            // A warning, verbose, debug or information record shows as its message.
            Value::Record(r) if MESSAGE_RECORDS.contains(&r.borrow().type_name.as_str()) => {
                writeln!(out, "{}", values[i].to_display_string())?;
                i += 1;
            }
            // An error as an object (`$Error[0]`, `$_` in a catch block, `2>&1`) shows as
            // PowerShell's ConciseView shows it: `Command: message`, then what to do.
            Value::Record(r) if r.borrow().type_name == ERROR_RECORD => {
                writeln!(out, "{}", concise_error(&r.borrow()))?;
                i += 1;
            }
            Value::Record(first) if is_file_system_item(&first.borrow().type_name) => {
                let borrowed: Vec<std::cell::Ref<'_, Record>> = values[i..]
                    .iter()
                    .map_while(|v| match v {
                        Value::Record(r) if is_file_system_item(&r.borrow().type_name) => Some(r.borrow()),
                        _ => None,
                    })
                    .collect();
                let run: Vec<&Record> = borrowed.iter().map(|r| &**r).collect();
                i += run.len();
                write_directory_groups(out, &run, width)?;
            }
            Value::Record(first) => {
                let first = first.borrow();
                let borrowed: Vec<std::cell::Ref<'_, Record>> = values[i..]
                    .iter()
                    .map_while(|v| match v {
                        Value::Record(r) if r.borrow().type_name == first.type_name => Some(r.borrow()),
                        _ => None,
                    })
                    .collect();
                let run: Vec<&Record> = borrowed.iter().map(|r| &**r).collect();
                i += run.len();
                if first.type_name == MEMBER_DEFINITION {
                    write_members(out, &run, view_of(&first.type_name), width)?;
                    continue;
                }
                let block = default_layout(&run, view_of(&first.type_name));
                write_formatted(out, &block, width)?;
            }
            Value::Hashtable(_) => {
                // A hashtable shows as its entries, one Name/Value row each; hashtables in a
                // row share one table, as their DictionaryEntry rows do in PowerShell.
                let mut entries: Vec<Record> = Vec::new();
                while let Some(Value::Hashtable(h)) = values.get(i) {
                    entries.extend(h.borrow().entries().iter().map(|(name, value)| {
                        Record::new("System.Collections.DictionaryEntry")
                            .with("Name", name.clone())
                            // Values are text here so that they align left, as PowerShell's view does.
                            .with("Value", cell_text(value))
                    }));
                    i += 1;
                }
                if !entries.is_empty() {
                    let rows: Vec<&Record> = entries.iter().collect();
                    write_formatted(out, &table(&rows, &["Name".into(), "Value".into()]), width)?;
                }
            }
            Value::Formatted(block) => {
                write_formatted(out, block, width)?;
                i += 1;
            }
            Value::Array(items) => {
                write_values(out, &items.borrow(), view_of, width)?;
                i += 1;
            }
            Value::Null => i += 1,
            scalar => {
                writeln!(out, "{}", scalar.to_display_string())?;
                i += 1;
            }
        }
    }
    Ok(())
}

/// An error record's one-line ConciseView (its `CategoryInfo.Activity`, else `Exception`),
/// with its hint (`ErrorDetails`) on the next line.
fn concise_error(error: &Record) -> String {
    let text = |v: Option<&Value>| v.map(Value::to_display_string).unwrap_or_default();
    let activity = match error.get("CategoryInfo") {
        Some(Value::Record(category)) => text(category.borrow().get("Activity")),
        _ => String::new(),
    };
    let prefix = if activity.is_empty() { "Exception" } else { activity.as_str() };
    let mut shown = format!("{prefix}: {}", text(error.get("Message")));
    let hint = text(error.get("ErrorDetails"));
    if !hint.is_empty() {
        shown.push('\n');
        shown.push_str(&hint);
    }
    shown
}

const MEMBER_DEFINITION: &str = "Microsoft.PowerShell.Commands.MemberDefinition";
const FILE_INFO: &str = "System.IO.FileInfo";
const DIRECTORY_INFO: &str = "System.IO.DirectoryInfo";
/// The provider prefix of a file system item's `PSParentPath`.
const FILE_SYSTEM_PROVIDER: &str = "Microsoft.PowerShell.Core\\FileSystem::";

fn is_file_system_item(type_name: &str) -> bool {
    type_name == FILE_INFO || type_name == DIRECTORY_INFO
}

/// Whether objects of these two types are laid out together (one table, or one run of
/// `Directory:` groups): the same type, or files and folders.
pub fn shares_table(a: &str, b: &str) -> bool {
    a == b || (is_file_system_item(a) && is_file_system_item(b))
}

/// The folder a file system item is in, as its group header names it: `PSParentPath` without
/// the provider, else `DirectoryName` (a file) or `Parent` (a folder).
fn parent_folder(item: &Record) -> Option<String> {
    let text = |name: &str| item.get(name).map(Value::to_display_string).filter(|t| !t.is_empty());
    match text("PSParentPath") {
        Some(parent) => Some(parent.strip_prefix(FILE_SYSTEM_PROVIDER).unwrap_or(&parent).to_string()),
        None => text("DirectoryName").or_else(|| text("Parent")),
    }
}

/// Files and folders as PowerShell's default view shows them: grouped by the folder they are
/// in, each group under a `    Directory: PATH` line with its own table (a blank line before
/// the first header and around each table, so groups are one blank line apart).
fn write_directory_groups(out: &mut dyn Write, run: &[&Record], width: usize) -> io::Result<()> {
    let mut start = 0;
    while start < run.len() {
        let folder = parent_folder(run[start]);
        let end = start + run[start..].iter().take_while(|r| parent_folder(r) == folder).count();
        if let Some(folder) = &folder {
            if start == 0 {
                writeln!(out)?;
            }
            writeln!(out, "    Directory: {folder}")?;
        }
        write_formatted(out, &file_system_table(&run[start..end], false), width)?;
        start = end;
    }
    Ok(())
}

/// PowerShell's `children` table of files and folders (its FileSystem format data): Mode,
/// LastWriteTime as short date and short time, Length of files, Name, at widths 7, 26 and 14
/// (all from the data when `autosize`), the time and length aligned right.
fn file_system_table(records: &[&Record], autosize: bool) -> Formatted {
    let text = |r: &Record, name: &str| r.get(name).map(Value::to_display_string).unwrap_or_default();
    let rows = records
        .iter()
        .map(|r| {
            let written = match r.get("LastWriteTime") {
                Some(Value::DateTime(t)) => format!("{:>10} {:>8}", t.format("%-m/%-d/%Y"), t.format("%-I:%M %p")),
                _ => String::new(),
            };
            let length = if r.type_name == FILE_INFO { text(r, "Length") } else { String::new() };
            vec![text(r, "Mode"), written, length, text(r, "Name")]
        })
        .collect();
    Formatted::Table {
        headers: ["Mode", "LastWriteTime", "Length", "Name"].map(String::from).to_vec(),
        rows,
        align: vec![Align::Left, Align::Right, Align::Right, Align::Left],
        widths: if autosize { Vec::new() } else { vec![7, 26, 14, 0] },
        wrap: true,
    }
}

/// Get-Member's output as PowerShell's view groups it: a `TypeName:` line over each type's
/// members.
fn write_members(out: &mut dyn Write, run: &[&Record], view: Option<View>, width: usize) -> io::Result<()> {
    let type_of = |r: &Record| r.get("TypeName").map(Value::to_display_string).unwrap_or_default();
    let mut start = 0;
    while start < run.len() {
        let name = type_of(run[start]);
        let end = start + run[start..].iter().take_while(|r| type_of(r) == name).count();
        writeln!(out)?;
        writeln!(out, "   TypeName: {name}")?;
        write_formatted(out, &default_layout(&run[start..end], view.clone()), width)?;
        start = end;
    }
    Ok(())
}

fn default_layout(records: &[&Record], view: Option<View>) -> Formatted {
    match view {
        Some(View { kind: ViewKind::Table, columns, widths, right }) => {
            aligned_right(table_view(records, &columns, &widths, false), &columns, &right)
        }
        Some(View { kind: ViewKind::List, columns, .. }) if !columns.is_empty() => list(records, Some(&columns)),
        Some(View { kind: ViewKind::List, .. }) => list(records, None),
        None => {
            let first = records.first().map_or(0, |r| r.properties.len());
            if first <= 4 { table(records, &all_columns(records)) } else { list(records, None) }
        }
    }
}

/// A view's table with its `right` columns aligned right whatever their values (numbers the
/// view writes as text, such as Process's `{0:N2}` megabytes).
fn aligned_right(mut table: Formatted, columns: &[String], right: &[String]) -> Formatted {
    if let Formatted::Table { align, .. } = &mut table {
        for (slot, column) in align.iter_mut().zip(columns) {
            if right.iter().any(|r| r.eq_ignore_ascii_case(column)) {
                *slot = Align::Right;
            }
        }
    }
    table
}

/// What `Format-Table` shows without `-Property`: the type's table view, else the first ten
/// properties (PowerShell's limit for a table of an object without a view).
pub fn table_default(records: &[&Record], view: Option<View>, autosize: bool, wrap: bool) -> Formatted {
    if records.first().is_some_and(|r| is_file_system_item(&r.type_name)) {
        return file_system_table(records, autosize);
    }
    match view {
        Some(View { kind: ViewKind::Table, columns, widths, right }) => {
            let widths = if autosize { Vec::new() } else { widths };
            aligned_right(table_view(records, &columns, &widths, wrap), &columns, &right)
        }
        _ => {
            let mut columns = all_columns(records);
            columns.truncate(TABLE_COLUMN_LIMIT);
            table_view(records, &columns, &[], wrap)
        }
    }
}

/// What `Format-List` shows without `-Property`: the columns of the type's list view, else
/// every property.
pub fn list_default(records: &[&Record], view: Option<View>) -> Formatted {
    match view {
        Some(View { kind: ViewKind::List, columns, .. }) if !columns.is_empty() => list(records, Some(&columns)),
        _ => list(records, None),
    }
}

fn all_columns(records: &[&Record]) -> Vec<String> {
    records.first().map(|r| r.properties.iter().map(|(n, _)| n.clone()).collect()).unwrap_or_default()
}

/// Lays records out as a table of `columns` (property names, matched case-insensitively),
/// each as wide as its content.
pub fn table(records: &[&Record], columns: &[String]) -> Formatted {
    table_view(records, columns, &[], false)
}

/// Lays records out as a table of `columns` with a view's `widths` (empty, or 0 for the first
/// column: from the data), wrapping long cells when `wrap` is set.
pub fn table_view(records: &[&Record], columns: &[String], widths: &[usize], wrap: bool) -> Formatted {
    let rows: Vec<Vec<String>> =
        records.iter().map(|r| columns.iter().map(|c| r.get(c).map(cell_text).unwrap_or_default()).collect()).collect();
    let align = columns
        .iter()
        .map(|c| {
            let mut seen = records.iter().filter_map(|r| r.get(c)).filter(|v| **v != Value::Null).peekable();
            let numbers =
                seen.peek().is_some() && seen.all(|v| matches!(v, Value::Int(_) | Value::Real(_) | Value::Number(_)));
            if numbers { Align::Right } else { Align::Left }
        })
        .collect();
    let headers = columns
        .iter()
        .map(|c| {
            records
                .iter()
                .find_map(|r| r.properties.iter().find(|(n, _)| n.eq_ignore_ascii_case(c)).map(|(n, _)| n.clone()))
                .unwrap_or_else(|| c.clone())
        })
        .collect();
    let widths = if widths.len() == columns.len() { widths.to_vec() } else { vec![0; columns.len()] };
    Formatted::Table { headers, rows, align, widths, wrap }
}

/// Lays records out as lists of `name : value`, of `properties` or of all of them.
pub fn list(records: &[&Record], properties: Option<&[String]>) -> Formatted {
    Formatted::List(
        records
            .iter()
            .map(|r| match properties {
                Some(names) => names
                    .iter()
                    .filter_map(|n| r.properties.iter().find(|(p, _)| p.eq_ignore_ascii_case(n)))
                    .map(|(n, v)| (n.clone(), cell_text(v)))
                    .collect(),
                None => r.properties.iter().map(|(n, v)| (n.clone(), cell_text(v))).collect(),
            })
            .collect(),
    )
}

/// The text of a value inside a table cell or list entry: collections as `{a, b}` limited to
/// four items, nested records as `@{Name=value; …}`.
pub fn cell_text(value: &Value) -> String {
    match value {
        Value::Array(items) => {
            let items = items.borrow();
            let shown: Vec<String> = items.iter().take(ENUMERATION_LIMIT).map(cell_text).collect();
            let more = if items.len() > ENUMERATION_LIMIT { "…" } else { "" };
            format!("{{{}{more}}}", shown.join(", "))
        }
        Value::Record(r) => {
            let fields: Vec<String> =
                r.borrow().properties.iter().map(|(n, v)| format!("{n}={}", cell_text(v))).collect();
            format!("@{{{}}}", fields.join("; "))
        }
        other => other.to_display_string(),
    }
}

/// Writes a laid-out block at `width` cells, framed by blank lines as PowerShell does.
pub fn write_formatted(out: &mut dyn Write, block: &Formatted, width: usize) -> io::Result<()> {
    match block {
        Formatted::Table { headers, rows, align, widths, wrap } => {
            let columns: Vec<Column> = headers
                .iter()
                .enumerate()
                .map(|(k, header)| Column {
                    header: header.clone(),
                    width: widths.get(k).copied().unwrap_or(0),
                    align: align.get(k).copied().unwrap_or_default(),
                })
                .collect();
            let lines = layout::table(&columns, rows, width, false, *wrap);
            if lines.is_empty() {
                return Ok(());
            }
            writeln!(out)?;
            for line in lines {
                writeln!(out, "{line}")?;
            }
            writeln!(out)
        }
        Formatted::List(groups) => {
            for group in groups {
                writeln!(out)?;
                for line in layout::list(group, width) {
                    writeln!(out, "{line}")?;
                }
            }
            writeln!(out)
        }
    }
}

/// Writes an error in ConciseView: `Command: message` (or `Command: file:line` for scripts),
/// then the source line with the offending extent underlined, then what to do.
pub fn write_error(err: &mut dyn Write, record: &ErrorRecord) -> io::Result<()> {
    // An error `-ErrorAction Stop` (or the preference) turned terminating shows as the error it
    // stopped for, as PowerShell's host shows the record the ActionPreferenceStopException
    // carries: `Get-Item: Cannot find path …`, not the exception's own wrapping text.
    let message = &record.as_caught().message;
    let prefix =
        record.command.as_deref().unwrap_or(if record.category == "ParserError" { "ParserError" } else { "Exception" });
    let mut text = String::new();
    let mut details: Vec<&str> = Vec::new();
    match &record.position {
        Some(p) if p.file.is_some() => {
            text.push_str(&format!("{prefix}: {}:{}\n", p.file.as_deref().unwrap_or(""), p.line));
            details.extend(message.lines());
        }
        _ => text.push_str(&format!("{prefix}: {message}\n")),
    }
    if let Some(hint) = &record.hint {
        details.push(hint);
    }
    match &record.position {
        Some(p) => {
            text.push_str("Line |\n");
            text.push_str(&format!("{:>4} |  {}\n", p.line, p.line_text));
            text.push_str(&format!("     |  {}{}\n", " ".repeat(p.column), "~".repeat(p.width.max(1))));
            for line in details {
                text.push_str(&format!("     | {line}\n"));
            }
        }
        None => {
            for line in details {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    write!(err, "{}", text.trim_end().red())?;
    writeln!(err)
}

/// What a piece of a prompt line is, for colouring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Command,
    Parameter,
    Argument,
    String,
    Variable,
    Number,
    Comment,
    /// A history hint after the cursor.
    Hint,
}

/// `line` with its tokens coloured as PSReadLine colours them (when colour is on).
pub fn paint_tokens(line: &str, tokens: &[(std::ops::Range<usize>, TokenKind)]) -> String {
    let mut out = String::with_capacity(line.len() + tokens.len() * 10);
    let mut at = 0;
    for (range, kind) in tokens {
        let (Some(before), Some(text)) = (line.get(at..range.start), line.get(range.clone())) else { continue };
        out.push_str(before);
        let painted = match kind {
            TokenKind::Command => text.bright_yellow(),
            TokenKind::Parameter => text.bright_black(),
            TokenKind::String => text.cyan(),
            TokenKind::Variable => text.bright_green(),
            TokenKind::Number => text.bright_white(),
            TokenKind::Comment => text.green(),
            TokenKind::Hint => text.dimmed(),
            TokenKind::Argument => text.normal(),
        };
        out.push_str(&painted.to_string());
        at = range.end;
    }
    out.push_str(line.get(at..).unwrap_or(""));
    out
}

/// `text` in a console colour (`Write-Host -ForegroundColor Green`), when colour is on.
pub fn paint(text: &str, colour: &str) -> String {
    text.color(console_color(colour)).to_string()
}

/// `text` on a console colour (`Write-Host -BackgroundColor DarkRed`), when colour is on.
pub fn paint_background(text: &str, colour: &str) -> String {
    text.on_color(console_color(colour)).to_string()
}

/// The terminal colour nearest a `System.ConsoleColor` name.
fn console_color(colour: &str) -> colored::Color {
    use colored::Color;
    match colour.to_ascii_lowercase().as_str() {
        "black" => Color::Black,
        "darkblue" => Color::Blue,
        "darkgreen" => Color::Green,
        "darkcyan" => Color::Cyan,
        "darkred" => Color::Red,
        "darkmagenta" => Color::Magenta,
        "darkyellow" => Color::Yellow,
        "gray" => Color::White,
        "darkgray" => Color::BrightBlack,
        "blue" => Color::BrightBlue,
        "green" => Color::BrightGreen,
        "cyan" => Color::BrightCyan,
        "red" => Color::BrightRed,
        "magenta" => Color::BrightMagenta,
        "yellow" => Color::BrightYellow,
        _ => Color::BrightWhite,
    }
}

/// `VERBOSE: text`, in yellow on a terminal.
pub fn write_verbose(err: &mut dyn Write, text: &str) -> io::Result<()> {
    writeln!(err, "{}", format!("VERBOSE: {text}").yellow())
}

/// `WARNING: text`, in yellow on a terminal.
/// One progress bar line, redrawn in place (`\r`), or the sequence that clears it (`None`).
pub fn progress_line(activity: &str, percent: Option<u64>, width: usize) -> String {
    let Some(percent) = percent else { return "\r\x1b[K".to_string() };
    let percent = percent.min(100);
    let bar_width = width.saturating_sub(activity.chars().count() + 10).clamp(10, 40);
    let filled = (bar_width as u64 * percent / 100) as usize;
    format!("\r{activity} [{}{}] {percent:>3}%", "o".repeat(filled), " ".repeat(bar_width - filled))
}

pub fn write_warning(err: &mut dyn Write, text: &str) -> io::Result<()> {
    writeln!(err, "{}", format!("WARNING: {text}").yellow())
}

/// A line of text on the error stream, red as the console host writes `WriteErrorLine`.
pub fn write_error_line(err: &mut dyn Write, text: &str) -> io::Result<()> {
    writeln!(err, "{}", text.red())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_progress_line_redraws_in_place_and_clears() {
        let line = progress_line("Seeding X", Some(50), 80);
        assert!(line.starts_with("\rSeeding X [") && line.ends_with("]  50%"), "{line:?}");
        assert_eq!(line.matches('o').count(), 20, "half of a 40-wide bar: {line:?}");
        assert_eq!(progress_line("Seeding X", Some(250), 80).matches('o').count(), 40, "capped at 100%");
        assert_eq!(progress_line("", None, 80), "\r\x1b[K");
    }
    use crate::shell::syntax::Span;

    fn render_table(records: &[&Record], columns: &[&str]) -> String {
        let columns: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
        let mut out = Vec::new();
        write_formatted(&mut out, &table(records, &columns), 100).expect("written");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn tables_underline_headers_and_right_align_numbers() {
        let a = Record::new("T").with("Name", "First Storage Group").with("CopyQueueLength", 0i64);
        let b = Record::new("T").with("Name", "Second").with("CopyQueueLength", 12i64);
        let text = render_table(&[&a, &b], &["Name", "CopyQueueLength"]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "");
        assert_eq!(lines[1], "Name                CopyQueueLength");
        assert_eq!(lines[2], "----                ---------------");
        assert_eq!(lines[3], "First Storage Group               0");
        assert_eq!(lines[4], "Second                           12");
    }

    #[test]
    fn lists_align_the_colons_and_show_collections_in_braces() {
        let r = Record::new("T").with("Identity", "CCREX01").with("OperationalMachines", vec!["A", "B"]);
        let mut out = Vec::new();
        write_formatted(&mut out, &list(&[&r], None), 100).expect("written");
        let text = String::from_utf8(out).expect("utf-8");
        assert_eq!(text, "\nIdentity            : CCREX01\nOperationalMachines : {A, B}\n\n");
    }

    #[test]
    fn errors_underline_the_span_and_say_what_to_do() {
        colored::control::set_override(false);
        let source = "Get-StorageGroupCopyStatus -Bogus";
        let mut record =
            ErrorRecord::new("NamedParameterNotFound", "InvalidArgument", "A parameter cannot be found.".into())
                .in_command("Get-StorageGroupCopyStatus")
                .at(Span::new(27, 33))
                .with_hint("Did you mean -Server?");
        record.locate(&crate::shell::value::Source { text: source.into(), file: None });
        let mut out = Vec::new();
        write_error(&mut out, &record).expect("written");
        let text = String::from_utf8(out).expect("utf-8");
        let expected = "Get-StorageGroupCopyStatus: A parameter cannot be found.\nLine |\n   1 |  Get-StorageGroupCopyStatus -Bogus\n     |                             ~~~~~~\n     | Did you mean -Server?\n";
        assert_eq!(text, expected);
    }
}
