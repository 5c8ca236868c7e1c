//! Table and list layout as PowerShell's formatter does it at a given screen width: the lines
//! of a `Format-Table` or `Format-List` block, as plain text.
//!
//! The rules (read from PowerShell's `TableWriter`, `ColumnWidthManager`, `ListWriter` and
//! `ComplexWriter`, and from the console host's `ConsoleLineOutput`):
//! - Column widths come from the view. When the view gives none for its first column, or with
//!   `-AutoSize`, every column is as wide as its widest cell or its header. Columns a view leaves
//!   without a width share the room the others leave, one cell at a time from the left.
//! - When the columns do not fit, the last visible column is narrowed to fit; if it would be
//!   narrower than one cell it is dropped, and the next one to its left is tried.
//! - A cell wider than its column is cut to the column with `…` at the end (at the start for a
//!   right-aligned column); with `-Wrap` it is word-wrapped onto more lines instead. A cell shows
//!   only its first line unless wrapped (then `…` marks the cut).
//! - Headers are never split: a header wider than its column is cut with `…`, as Windows
//!   PowerShell does (PowerShell 7 wraps headers onto more lines instead). The dashes under a
//!   header are as long as the header, or the column when it is narrower.
//! - One space between columns. Trailing blanks are not written.
//! - A list writes `Label : value`, the labels padded to the longest (cut to leave room for a
//!   value); values longer than the line are word-wrapped, their continuation lines indented
//!   under the value column.
//!
//! Widths are in terminal cells (`unicode-width`), so wide characters count double.
//!
//! Must not: know about records, views or values: it lays out text it is given.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// PowerShell's ellipsis for cut text (one cell).
const ELLIPSIS: char = '…';
/// Cells between two columns.
const SEPARATOR: usize = 1;
/// Narrower screens get no table at all (`TableWriter`'s minimum).
const MINIMUM_SCREEN: usize = 5;
/// What goes between a list's label and its value.
const LIST_SEPARATOR: &str = " : ";

/// One column of a table: its header, the width a view asks for (0: none), its alignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub header: String,
    pub width: usize,
    pub align: Align,
}

/// Where a column's header and cells sit in its width (a format table's `Alignment`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

/// Display width of `text` in terminal cells.
pub fn cells(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// The widths of the columns on a screen `screen` cells wide; `None` for a dropped column.
///
/// `autosize` sizes every column to its content (`-AutoSize`); so does a table whose first
/// column has no width, except the columns that give one (a calculated property's `Width`).
/// Otherwise the view's widths hold and the columns without one share the rest.
pub fn column_widths(columns: &[Column], rows: &[Vec<String>], screen: usize, autosize: bool) -> Vec<Option<usize>> {
    let from_data = autosize || columns.first().is_some_and(|c| c.width == 0);
    let mut widths: Vec<usize> = if from_data {
        columns
            .iter()
            .enumerate()
            .map(|(k, c)| {
                if !autosize && c.width > 0 {
                    return c.width;
                }
                let widest = rows.iter().filter_map(|r| r.get(k)).map(|v| longest_line(v)).max().unwrap_or(0);
                widest.max(cells(&c.header))
            })
            .collect()
    } else {
        columns.iter().map(|c| c.width).collect()
    };
    // An empty header over empty cells still takes one cell, as a column with no width would.
    for width in &mut widths {
        if from_data && *width == 0 {
            *width = 1;
        }
    }
    fit(&mut widths, screen)
}

/// `ColumnWidthManager`: give the unset columns the room left, then narrow or drop columns from
/// the right until the table fits.
fn fit(widths: &mut [usize], screen: usize) -> Vec<Option<usize>> {
    let fixed: Vec<bool> = widths.iter().map(|w| *w > 0).collect();
    for width in widths.iter_mut() {
        if *width == 0 {
            *width = 1;
        }
    }
    let mut shown: Vec<Option<usize>> = widths.iter().map(|w| Some(*w)).collect();
    let total = |shown: &[Option<usize>]| {
        let visible: Vec<usize> = shown.iter().flatten().copied().collect();
        visible.iter().sum::<usize>() + SEPARATOR * visible.len().saturating_sub(1)
    };
    let free = screen.saturating_sub(total(&shown));
    if total(&shown) <= screen && fixed.iter().any(|f| !f) {
        // Hand out the spare cells one at a time, left to right, to the columns without a width.
        let open: Vec<usize> = (0..shown.len()).filter(|k| !fixed[*k]).collect();
        for n in 0..free {
            if let Some(Some(width)) = shown.get_mut(open[n % open.len()]) {
                *width += 1;
            }
        }
    }
    while total(&shown) > screen {
        let excess = total(&shown) - screen;
        let Some(last) = shown.iter().rposition(Option::is_some) else { break };
        let width = shown[last].unwrap_or(0);
        shown[last] = width.checked_sub(excess).filter(|w| *w >= 1);
    }
    shown
}

/// The lines of a table (header, dashes, rows) on a screen `screen` cells wide, without the
/// blank lines around it. Empty when the screen is too narrow for any column.
pub fn table(columns: &[Column], rows: &[Vec<String>], screen: usize, autosize: bool, wrap: bool) -> Vec<String> {
    if screen < MINIMUM_SCREEN || columns.is_empty() {
        return Vec::new();
    }
    let widths = column_widths(columns, rows, screen, autosize);
    let visible: Vec<(usize, usize)> = widths.iter().enumerate().filter_map(|(k, w)| w.map(|w| (k, w))).collect();
    if visible.is_empty() {
        return Vec::new();
    }
    let last = visible.len() - 1;
    let mut lines = Vec::with_capacity(rows.len() + 2);
    let header: Vec<String> = visible
        .iter()
        .enumerate()
        .map(|(i, &(k, width))| field(&columns[k].header, width, columns[k].align, i < last))
        .collect();
    lines.push(join(&header));
    let dashes: Vec<String> = visible
        .iter()
        .enumerate()
        .map(|(i, &(k, width))| {
            let dashes = "-".repeat(cells(&columns[k].header).min(width));
            field(&dashes, width, columns[k].align, i < last)
        })
        .collect();
    lines.push(join(&dashes));
    for row in rows {
        let value = |k: usize| row.get(k).map_or("", String::as_str);
        if wrap {
            let stacks: Vec<Vec<String>> = visible
                .iter()
                .enumerate()
                .map(|(i, &(k, width))| {
                    split_lines(value(k))
                        .iter()
                        .flat_map(|line| wrap_words(line, width, width))
                        .map(|piece| field(&piece, width, columns[k].align, i < last))
                        .collect()
                })
                .collect();
            let height = stacks.iter().map(Vec::len).max().unwrap_or(1);
            for line in 0..height {
                let parts: Vec<String> = stacks
                    .iter()
                    .zip(&visible)
                    .map(|(stack, &(_, width))| stack.get(line).cloned().unwrap_or_else(|| " ".repeat(width)))
                    .collect();
                lines.push(join(&parts));
            }
        } else {
            let parts: Vec<String> = visible
                .iter()
                .enumerate()
                .map(|(i, &(k, width))| field(&first_line(value(k)), width, columns[k].align, i < last))
                .collect();
            lines.push(join(&parts));
        }
    }
    lines
}

/// The lines of one list entry (`Label : value`) on a screen `screen` cells wide, without the
/// blank line before it. Empty when the screen is too narrow for a label and a value.
pub fn list(entries: &[(String, String)], screen: usize) -> Vec<String> {
    let separator = cells(LIST_SEPARATOR);
    // At least one cell of label and one of value.
    let Some(room) = screen.checked_sub(separator + 1).filter(|r| *r >= 1) else { return Vec::new() };
    let label_width = entries.iter().map(|(n, _)| cells(n)).max().unwrap_or(0).min(room);
    let value_width = screen - label_width - separator;
    let indent = " ".repeat(label_width + separator);
    let mut lines = Vec::new();
    for (name, value) in entries {
        let label = format!("{}{LIST_SEPARATOR}", pad_right(&cut_tail(name, label_width), label_width));
        let mut first = true;
        for text_line in split_lines(value) {
            for piece in wrap_words(&text_line, value_width, value_width) {
                let lead = if first { label.as_str() } else { indent.as_str() };
                lines.push(format!("{lead}{piece}"));
                first = false;
            }
        }
    }
    lines
}

/// The cells of one column: padded to `width` (unless it is the last column and left-aligned),
/// or cut with `…` (at the start when right-aligned, else at the end). A centred cell gets
/// half its spare cells before it, the rest after.
fn field(text: &str, width: usize, align: Align, pad: bool) -> String {
    let right = align == Align::Right;
    let length = cells(text);
    let mut out = if length <= width {
        text.to_string()
    } else if width > 1 {
        if right {
            format!("{ELLIPSIS}{}", cut_head(text, width - 1))
        } else {
            format!("{}{ELLIPSIS}", cut_tail(text, width - 1))
        }
    } else if right {
        cut_head(text, width)
    } else {
        cut_tail(text, width)
    };
    // A cut through a double-width character leaves the field a cell short; so does short text.
    let short = width.saturating_sub(cells(&out));
    match align {
        Align::Right => out.insert_str(0, &" ".repeat(short)),
        Align::Center => {
            out.insert_str(0, &" ".repeat(short / 2));
            if pad {
                out.push_str(&" ".repeat(short - short / 2));
            }
        }
        Align::Left if pad => out.push_str(&" ".repeat(short)),
        Align::Left => {}
    }
    out
}

fn join(parts: &[String]) -> String {
    let line = parts.join(&" ".repeat(SEPARATOR));
    line.trim_end().to_string()
}

fn pad_right(text: &str, width: usize) -> String {
    format!("{text}{}", " ".repeat(width.saturating_sub(cells(text))))
}

/// The longest prefix of `text` that fits in `width` cells.
fn cut_tail(text: &str, width: usize) -> String {
    let mut used = 0;
    text.chars()
        .take_while(|c| {
            used += c.width().unwrap_or(0);
            used <= width
        })
        .collect()
}

/// The longest suffix of `text` that fits in `width` cells.
fn cut_head(text: &str, width: usize) -> String {
    let mut used = 0;
    let mut tail: Vec<char> = text
        .chars()
        .rev()
        .take_while(|c| {
            used += c.width().unwrap_or(0);
            used <= width
        })
        .collect();
    tail.reverse();
    tail.into_iter().collect()
}

/// A cell's first line; `…` marks that more lines were cut.
fn first_line(text: &str) -> String {
    match text.find(['\n', '\r']) {
        Some(at) => format!("{}{ELLIPSIS}", &text[..at]),
        None => text.to_string(),
    }
}

fn longest_line(text: &str) -> usize {
    split_lines(text).iter().map(|l| cells(l)).max().unwrap_or(0)
}

/// Lines split at `\n`, with `\r` removed.
fn split_lines(text: &str) -> Vec<String> {
    text.split('\n').map(|l| l.replace('\r', "")).collect()
}

/// Word wrap as PowerShell's formatter does it for English: words keep the blank after them; a
/// word that does not fit the rest of the line starts the next one; a word wider than a whole
/// line is split between characters. The first line may be narrower than the rest.
fn wrap_words(text: &str, first: usize, following: usize) -> Vec<String> {
    if cells(text) <= first {
        return vec![text.to_string()];
    }
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut width = first.max(1);
    let mut left = width;
    for word in words(text) {
        let size = cells(word);
        if size > width {
            // Split a word wider than a line between characters.
            for c in word.chars() {
                let w = c.width().unwrap_or(0);
                let (c, w) = if w > width { ('?', 1) } else { (c, w) };
                if w > left {
                    lines.push(std::mem::take(&mut line));
                    width = following.max(1);
                    left = width;
                }
                line.push(c);
                left -= w;
            }
        } else if size > left {
            lines.push(std::mem::take(&mut line));
            width = following.max(1);
            line.push_str(word);
            left = width - size;
        } else {
            line.push_str(word);
            left -= size;
        }
    }
    lines.push(line);
    lines.into_iter().map(|l| l.trim_end().to_string()).collect()
}

/// Words, each with the blanks that follow it.
fn words(text: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let mut start = 0;
    let mut in_blanks = false;
    for (i, c) in text.char_indices() {
        let blank = c == ' ' || c == '\t';
        if !blank && in_blanks {
            words.push(&text[start..i]);
            start = i;
        }
        in_blanks = blank;
    }
    if start < text.len() {
        words.push(&text[start..]);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(header: &str, width: usize, right: bool) -> Column {
        Column { header: header.into(), width, align: if right { Align::Right } else { Align::Left } }
    }

    fn rows(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
    }

    #[test]
    fn widths_from_data_fit_as_they_are() {
        let columns = [col("Name", 0, false), col("Count", 0, true)];
        let data = rows(&[&["First Storage Group", "0"], &["Second", "12"]]);
        assert_eq!(column_widths(&columns, &data, 79, false), vec![Some(19), Some(5)]);
    }

    #[test]
    fn the_last_column_is_narrowed_then_dropped() {
        let columns = [col("A", 0, false), col("B", 0, false), col("C", 0, false)];
        let data = rows(&[&["aaaaaaaaaa", "bbbbbbbbbb", "cccccccccc"]]);
        // 10 + 1 + 10 + 1 + 10 = 32: on 28 cells, C keeps 6.
        assert_eq!(column_widths(&columns, &data, 28, false), vec![Some(10), Some(10), Some(6)]);
        // On 21 cells, C cannot keep one cell: dropped; A and B fit exactly.
        assert_eq!(column_widths(&columns, &data, 21, false), vec![Some(10), Some(10), None]);
        // On 15 cells, C is dropped and B narrowed to 4.
        assert_eq!(column_widths(&columns, &data, 15, false), vec![Some(10), Some(4), None]);
    }

    #[test]
    fn view_widths_hold_and_unset_columns_share_the_rest() {
        // Group-Object's view: Count 5, Name 25, Group with no width.
        let columns = [col("Count", 5, true), col("Name", 25, false), col("Group", 0, false)];
        assert_eq!(column_widths(&columns, &[], 79, false), vec![Some(5), Some(25), Some(47)]);
        // -AutoSize sizes them all from the data instead.
        let data = rows(&[&["2", "Healthy", "{a, b}"]]);
        assert_eq!(column_widths(&columns, &data, 79, true), vec![Some(5), Some(7), Some(6)]);
    }

    #[test]
    fn cut_cells_end_with_an_ellipsis_and_headers_are_never_split() {
        let columns = [col("Name", 0, false), col("LastInspectedLogTime", 0, false)];
        let data = rows(&[&["StorageGroup1", "6/14/2007 4:42:01 PM"]]);
        let lines = table(&columns, &data, 25, false, false);
        assert_eq!(lines, vec!["Name          LastInspec…", "----          -----------", "StorageGroup1 6/14/2007 …"]);
    }

    #[test]
    fn right_aligned_cells_are_cut_at_the_start() {
        assert_eq!(field("123456", 4, Align::Right, true), "…456");
        assert_eq!(field("12", 4, Align::Right, false), "  12");
        assert_eq!(field("abcdef", 1, Align::Left, false), "a");
        assert_eq!(field("ab", 4, Align::Left, true), "ab  ");
        assert_eq!(field("ab", 4, Align::Left, false), "ab");
    }

    #[test]
    fn centred_cells_get_half_the_spare_cells_before_them() {
        assert_eq!(field("ab", 7, Align::Center, true), "  ab   ");
        assert_eq!(field("ab", 7, Align::Center, false), "  ab", "the last column is not padded after");
        assert_eq!(field("abcdef", 4, Align::Center, true), "abc…", "cut at the end as a left-aligned cell");
    }

    #[test]
    fn wrap_puts_long_cells_on_more_lines_by_words() {
        let columns = [col("Name", 8, false), col("State", 0, false)];
        let data = rows(&[&["First Storage Group", "Healthy"]]);
        let lines = table(&columns, &data, 30, false, true);
        assert_eq!(lines, vec!["Name     State", "----     -----", "First    Healthy", "Storage", "Group"]);
        let cut = table(&columns, &data, 30, false, false);
        assert_eq!(cut[2], "First S… Healthy");
    }

    #[test]
    fn a_screen_too_narrow_shows_no_table() {
        assert!(table(&[col("Name", 0, false)], &rows(&[&["x"]]), 4, false, false).is_empty());
    }

    #[test]
    fn wide_characters_count_two_cells() {
        assert_eq!(cells("日本"), 4);
        // A cut through a double-width character leaves a blank cell.
        assert_eq!(field("日本語", 4, Align::Left, true), "日… ");
        assert_eq!(field("日本語", 3, Align::Left, true), "日…");
    }

    #[test]
    fn lists_wrap_values_under_the_value_column() {
        let entries = vec![
            ("Identity".to_string(), "CCREX01".to_string()),
            ("OperationalMachines".to_string(), "{NH-W2K3-SRV03 <Active, Quorum Owner>, NH-W2K3-SRV04}".to_string()),
        ];
        let lines = list(&entries, 50);
        assert_eq!(
            lines,
            vec![
                "Identity            : CCREX01",
                "OperationalMachines : {NH-W2K3-SRV03 <Active,",
                "                      Quorum Owner>,",
                "                      NH-W2K3-SRV04}",
            ]
        );
    }

    #[test]
    fn list_labels_are_cut_to_leave_room_for_a_value() {
        let entries = vec![("AVeryLongPropertyName".to_string(), "x".to_string())];
        assert_eq!(list(&entries, 10), vec!["AVeryL : x"]);
        assert!(list(&entries, 4).is_empty());
    }

    #[test]
    fn multi_line_values_keep_their_lines() {
        let entries = vec![("Message".to_string(), "one\ntwo".to_string())];
        assert_eq!(list(&entries, 40), vec!["Message : one", "          two"]);
        assert_eq!(first_line("one\ntwo"), "one…");
    }
}
