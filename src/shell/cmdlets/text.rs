//! Text cmdlets: `ConvertFrom-StringData` (name=value lines to a hashtable), `Join-String`
//! (objects to one string), `Tee-Object` (pass objects on and keep a copy in a variable or
//! a file) and `Select-String` (lines matching a pattern, from files read line by line or
//! from the pipeline, as MatchInfo objects with context).
//!
//! Owns: those cmdlets.
//!
//! Must not: print; files are written through `runtime::filesystem`.

use std::collections::VecDeque;
use std::path::PathBuf;

use super::{Context, pipeline_input};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::eval::collect;
use crate::shell::eval::convert::composite_format;
use crate::shell::eval::members::property;
use crate::shell::runtime::dotnet::regex_unescape as unescape;
use crate::shell::runtime::filesystem as fs;
use crate::shell::runtime::match_info::{MatchInfo, match_record};
use crate::shell::value::{Hashtable, Value};
use crate::shell::wildcard::Wildcard;

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
        fs::write_text(
            &fs::resolve(&path),
            &text,
            fs::WriteMode { append: call.switch("Append"), ..Default::default() },
        )
        .map_err(|e| e.in_command("Tee-Object"))?;
    }
    Ok(items)
}

/// One search: the patterns, compiled once.
struct Search {
    patterns: Vec<(String, regex::Regex)>,
    not_match: bool,
    all_matches: bool,
    ignore_case: bool,
    before: usize,
    after: usize,
}

impl Search {
    fn from_call(call: &Invocation<'_>) -> Result<Search, ErrorRecord> {
        let ignore_case = !call.switch("CaseSensitive");
        let simple = call.switch("SimpleMatch");
        let mut patterns = Vec::new();
        for pattern in call.strings("Pattern").unwrap_or_default() {
            let source = if simple { regex::escape(&pattern) } else { pattern.clone() };
            let compiled = regex::RegexBuilder::new(&source).case_insensitive(ignore_case).build().map_err(|e| {
                ErrorRecord::new(
                    "InvalidRegex",
                    "InvalidArgument",
                    format!("The string {pattern} is not a valid regular expression: {e}"),
                )
                .in_command("Select-String")
                .exception("System.ArgumentException")
                .with_hint("Add -SimpleMatch to search for the text as written.")
            })?;
            patterns.push((pattern, compiled));
        }
        let context: Vec<usize> = match call.get("Context") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.borrow().iter().map(context_count).collect::<Result<_, _>>()?,
            Some(one) => vec![context_count(one)?],
        };
        let before = context.first().copied().unwrap_or(0);
        let after = context.get(1).copied().unwrap_or(before);
        Ok(Search {
            patterns,
            not_match: call.switch("NotMatch"),
            all_matches: call.switch("AllMatches"),
            ignore_case,
            before,
            after,
        })
    }

    /// The pattern a line matches and its matches, or `None`.
    fn test(&self, line: &str) -> Option<(String, Vec<Value>)> {
        for (text, regex) in &self.patterns {
            let names: Vec<Option<&str>> = regex.capture_names().collect();
            let found: Vec<Value> = if self.all_matches {
                regex.captures_iter(line).map(|c| match_record(line, &c, &names)).collect()
            } else {
                regex.captures(line).map(|c| match_record(line, &c, &names)).into_iter().collect()
            };
            if !found.is_empty() {
                return if self.not_match { None } else { Some((text.clone(), found)) };
            }
        }
        if self.not_match {
            Some((self.patterns.first().map(|p| p.0.clone()).unwrap_or_default(), Vec::new()))
        } else {
            None
        }
    }
}

fn context_count(value: &Value) -> Result<usize, ErrorRecord> {
    match crate::shell::eval::convert::to_number(value).map(|n| n.as_f64()) {
        Some(n) if n >= 0.0 && n.fract() == 0.0 => Ok(n as usize),
        _ => Err(ErrorRecord::new(
            "ParameterArgumentValidationError",
            "InvalidData",
            format!("Cannot validate argument on parameter 'Context'. The argument \"{}\" is not a count of lines (0 or more).", value.to_display_string()),
        )
        .in_command("Select-String")),
    }
}

/// Where lines come from: a file (full path, path as shown) or the pipeline.
struct Lines<'a> {
    path: Option<(String, String)>,
    search: &'a Search,
    out: Vec<MatchInfo>,
    pending: Option<(MatchInfo, usize)>,
    before: VecDeque<String>,
    first_only: bool,
}

impl Lines<'_> {
    /// Feeds one line; returns false once no more are wanted (`-List` found one).
    fn feed(&mut self, number: i64, line: String) -> bool {
        if let Some((pattern, matches)) = self.search.test(&line) {
            if let Some((done, _)) = self.pending.take() {
                self.out.push(done);
            }
            let (full, shown) = self.path.clone().map_or((None, String::new()), |(f, s)| (Some(f), s));
            let info = MatchInfo {
                path: full,
                shown_path: shown,
                line_number: number,
                line,
                pattern,
                ignore_case: self.search.ignore_case,
                matches,
                pre_context: self.before.drain(..).collect(),
                post_context: Vec::new(),
            };
            self.pending = Some((info, self.search.after));
            if self.first_only {
                return false;
            }
        } else if let Some((info, left)) = self.pending.as_mut().filter(|(_, left)| *left > 0) {
            info.post_context.push(line);
            *left -= 1;
        } else if self.search.before > 0 {
            self.before.push_back(line);
            if self.before.len() > self.search.before {
                self.before.pop_front();
            }
        }
        true
    }

    fn finish(mut self) -> Vec<MatchInfo> {
        if let Some((done, _)) = self.pending.take() {
            self.out.push(done);
        }
        self.out
    }
}

pub fn select_string(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let search = Search::from_call(call)?;
    let encoding = match call.string("Encoding") {
        Some(e) => {
            Some(crate::shell::runtime::encoding::Encoding::parse(&e).map_err(|r| r.in_command("Select-String"))?)
        }
        None => None,
    };
    let first_only = call.switch("List") || call.switch("Quiet");
    let include: Vec<Wildcard> = call.strings("Include").unwrap_or_default().iter().map(|w| Wildcard::new(w)).collect();
    let exclude: Vec<Wildcard> = call.strings("Exclude").unwrap_or_default().iter().map(|w| Wildcard::new(w)).collect();
    let mut found: Vec<MatchInfo> = Vec::new();
    let mut files: Vec<PathBuf> = Vec::new();
    for target in super::items::targets(call, "Path", None) {
        let pattern = !target.literal && Wildcard::has_wildcards(&target.text.replace('\\', "/"));
        let paths = fs::expand(&target.text, target.literal);
        if paths.is_empty() || (!pattern && std::fs::symlink_metadata(&paths[0]).is_err()) {
            cx.errors.push(fs::path_not_found(&fs::resolve(&target.text), "Select-String"));
        }
        files.extend(paths.into_iter().filter(|p| std::fs::symlink_metadata(p).is_ok()));
    }
    let mut stream =
        Lines { path: None, search: &search, out: Vec::new(), pending: None, before: VecDeque::new(), first_only };
    let mut number = 0;
    for item in pipeline_input(call) {
        if let Value::Object(o) = &item
            && let Some(file) = o.downcast::<fs::FileSystemItem>()
        {
            files.push(file.path.clone());
            continue;
        }
        number += 1;
        if !stream.feed(number, item.to_display_string()) {
            break;
        }
    }
    found.extend(stream.finish());
    let here = fs::location();
    for path in files {
        if path.is_dir() {
            continue;
        }
        let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        if (!include.is_empty() && !include.iter().any(|w| w.is_match(&name)))
            || exclude.iter().any(|w| w.is_match(&name))
        {
            continue;
        }
        let shown = path.strip_prefix(&here).map_or_else(|_| fs::shown(&path), |p| p.display().to_string());
        let mut lines = Lines {
            path: Some((fs::shown(&path), shown)),
            search: &search,
            out: Vec::new(),
            pending: None,
            before: VecDeque::new(),
            first_only,
        };
        let reader = match fs::LineReader::open(&path, encoding) {
            Ok(r) => r,
            Err(e) => {
                cx.errors.push(fs::io_error(&e, &path, "Select-String", "ProcessingFile"));
                continue;
            }
        };
        for (i, line) in reader.enumerate() {
            match line {
                Ok(line) => {
                    if !lines.feed(i as i64 + 1, line) {
                        break;
                    }
                }
                Err(e) => {
                    cx.errors.push(fs::io_error(&e, &path, "Select-String", "ProcessingFile"));
                    break;
                }
            }
        }
        found.extend(lines.finish());
        if call.switch("Quiet") && !found.is_empty() {
            break;
        }
    }
    if call.switch("Quiet") {
        return Ok(vec![Value::Bool(!found.is_empty())]);
    }
    if call.switch("Raw") {
        return Ok(found.into_iter().map(|m| Value::String(m.line)).collect());
    }
    Ok(found.into_iter().map(MatchInfo::value).collect())
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
