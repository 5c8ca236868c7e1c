//! `Microsoft.PowerShell.Commands.MatchInfo`: one line `Select-String` found, with its file,
//! line number, the regex matches and the context lines around it; shown as PowerShell shows
//! it (`file:12:line`, or `> ` before the match and `  ` before context lines).
//!
//! Owns: [`MatchInfo`] and the `Match`/`Group` records of its `Matches`.
//!
//! Must not: read files or run the search (`Select-String` does).

use std::any::Any;

use crate::shell::value::{Record, Value};

use super::object::{Member, NetObject, ObjectRef};

/// One matching line.
#[derive(Debug)]
pub struct MatchInfo {
    /// The file's full path, or `None` for text from the pipeline (`InputStream`).
    pub path: Option<String>,
    /// The path as shown (relative to the current location when inside it).
    pub shown_path: String,
    pub line_number: i64,
    pub line: String,
    pub pattern: String,
    pub ignore_case: bool,
    pub matches: Vec<Value>,
    pub pre_context: Vec<String>,
    pub post_context: Vec<String>,
}

impl MatchInfo {
    pub fn value(self) -> Value {
        Value::Object(ObjectRef::new(self))
    }

    fn prefix(&self, line_number: i64) -> String {
        match &self.path {
            Some(_) => format!("{}:{line_number}:", self.shown_path),
            None => String::new(),
        }
    }
}

/// A regex match as .NET's `Match` record: Value, Index, Length, Success and its Groups.
pub fn match_record(text: &str, captures: &regex::Captures<'_>, names: &[Option<&str>]) -> Value {
    let char_index = |byte: usize| text[..byte].chars().count() as i64;
    let groups: Vec<Value> = (0..captures.len())
        .map(|i| {
            let name = names.get(i).copied().flatten().map_or_else(|| i.to_string(), str::to_string);
            let record = match captures.get(i) {
                Some(m) => Record::new("System.Text.RegularExpressions.Group")
                    .with_text(m.as_str())
                    .with("Success", true)
                    .with("Name", name.as_str())
                    .with("Value", m.as_str())
                    .with("Index", char_index(m.start()))
                    .with("Length", m.as_str().chars().count() as i64),
                None => Record::new("System.Text.RegularExpressions.Group")
                    .with_text("")
                    .with("Success", false)
                    .with("Name", name.as_str())
                    .with("Value", "")
                    .with("Index", 0i64)
                    .with("Length", 0i64),
            };
            Value::record(record)
        })
        .collect();
    let whole = captures.get(0).map_or("", |m| m.as_str());
    let start = captures.get(0).map_or(0, |m| char_index(m.start()));
    Value::record(
        Record::new("System.Text.RegularExpressions.Match")
            .with_text(whole)
            .with("Groups", Value::array(groups))
            .with("Success", true)
            .with("Name", "0")
            .with("Value", whole)
            .with("Index", start)
            .with("Length", whole.chars().count() as i64),
    )
}

impl NetObject for MatchInfo {
    fn type_name(&self) -> String {
        "Microsoft.PowerShell.Commands.MatchInfo".into()
    }

    fn members(&self) -> Vec<Member> {
        vec![
            Member::property("IgnoreCase", "bool"),
            Member::property("LineNumber", "int"),
            Member::property("Line", "string"),
            Member::property("Filename", "string"),
            Member::property("Path", "string"),
            Member::property("Pattern", "string"),
            Member::property("Context", "Microsoft.PowerShell.Commands.MatchInfoContext"),
            Member::property("Matches", "System.Text.RegularExpressions.Match[]"),
        ]
    }

    fn property(&self, name: &str) -> Option<Value> {
        Some(match name.to_ascii_lowercase().as_str() {
            "ignorecase" => Value::Bool(self.ignore_case),
            "linenumber" => Value::Int(self.line_number),
            "line" => Value::String(self.line.clone()),
            "filename" => Value::String(match &self.path {
                Some(p) => p.rsplit('/').next().unwrap_or(p).to_string(),
                None => "InputStream".into(),
            }),
            "path" => Value::String(self.path.clone().unwrap_or_else(|| "InputStream".into())),
            "pattern" => Value::String(self.pattern.clone()),
            "matches" => Value::array(self.matches.clone()),
            "context" => {
                if self.pre_context.is_empty() && self.post_context.is_empty() {
                    Value::Null
                } else {
                    let lines = |l: &[String]| Value::array(l.iter().cloned().map(Value::String).collect());
                    Value::record(
                        Record::new("Microsoft.PowerShell.Commands.MatchInfoContext")
                            .with("PreContext", lines(&self.pre_context))
                            .with("PostContext", lines(&self.post_context))
                            .with("DisplayPreContext", lines(&self.pre_context))
                            .with("DisplayPostContext", lines(&self.post_context)),
                    )
                }
            }
            _ => return None,
        })
    }

    fn to_text(&self) -> String {
        if self.pre_context.is_empty() && self.post_context.is_empty() {
            return format!("{}{}", self.prefix(self.line_number), self.line);
        }
        let mut lines = Vec::new();
        let first = self.line_number - self.pre_context.len() as i64;
        for (i, l) in self.pre_context.iter().enumerate() {
            lines.push(format!("  {}{l}", self.prefix(first + i as i64)));
        }
        lines.push(format!("> {}{}", self.prefix(self.line_number), self.line));
        for (i, l) in self.post_context.iter().enumerate() {
            lines.push(format!("  {}{l}", self.prefix(self.line_number + 1 + i as i64)));
        }
        lines.join("\n")
    }

    fn shown_as_text(&self) -> bool {
        true
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
