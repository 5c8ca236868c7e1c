//! `[regex]` (`System.Text.RegularExpressions.Regex`) and `RegexOptions`: the static
//! `Escape`, `Unescape`, `IsMatch`, `Match`, `Matches`, `Replace` and `Split`, and Regex
//! objects (`[regex]'pattern'`, `[regex]::new(pattern, options)`, `New-Object regex`) with the
//! same instance methods, `GetGroupNames`, `GetGroupNumbers`, `Options` and `ToString`. Match
//! objects carry `Value`, `Index`, `Length`, `Success` and `Groups`, which is indexed by
//! number or by name as .NET's GroupCollection is.
//!
//! Owns: the Regex and GroupCollection types. The pattern dialect and substitutions are the
//! language's (`eval::operators`), so `-match`, `-replace` and `[regex]` agree.
//!
//! Must not: run script: a MatchEvaluator script block is refused with a clear error.

use std::any::Any;

use regex::{Captures, Regex};

use crate::shell::error_record::ErrorRecord;
use crate::shell::eval::operators::{RegexOptions, dotnet_replacement, regex_split, regex_with};
use crate::shell::runtime::object::{Member, NetObject, ObjectRef, overload_not_found};
use crate::shell::runtime::types::NetType;
use crate::shell::value::{Record, Value};

use super::{arg_i64, arg_text};

/// RegexOptions' names and flag values, in .NET's order.
const OPTION_FLAGS: &[(&str, i64)] = &[
    ("None", 0),
    ("IgnoreCase", 1),
    ("Multiline", 2),
    ("ExplicitCapture", 4),
    ("Compiled", 8),
    ("Singleline", 16),
    ("IgnorePatternWhitespace", 32),
    ("RightToLeft", 64),
    ("ECMAScript", 256),
    ("CultureInvariant", 512),
    ("NonBacktracking", 1024),
];

/// Options as given: names (`'IgnoreCase, Multiline'`, an array of names) or the flag number.
#[derive(Debug, Clone, Copy, Default)]
struct Options {
    flags: i64,
}

impl Options {
    fn parse(value: &Value) -> Result<Options, ErrorRecord> {
        let mut flags = 0;
        let words: Vec<String> = match value {
            Value::Array(items) => items.borrow().iter().map(Value::to_display_string).collect(),
            other => vec![other.to_display_string()],
        };
        for word in words.iter().flat_map(|w| w.split(',')).map(str::trim).filter(|w| !w.is_empty()) {
            if let Ok(n) = word.parse::<i64>() {
                flags |= n;
                continue;
            }
            match OPTION_FLAGS.iter().find(|(name, _)| name.eq_ignore_ascii_case(word)) {
                Some((_, flag)) => flags |= flag,
                None => {
                    return Err(ErrorRecord::new(
                        "InvalidCastFromStringToEnum",
                        "InvalidArgument",
                        format!(
                            "Cannot convert value \"{word}\" to type \"System.Text.RegularExpressions.RegexOptions\". Error: \"Unable to match the identifier name {word} to a valid enumerator name. Specify one of the following enumerator names and try again:\n{}\"",
                            OPTION_FLAGS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                        ),
                    )
                    .exception("System.Management.Automation.PSInvalidCastException"));
                }
            }
        }
        if flags & 64 != 0 {
            return Err(ErrorRecord::new(
                "NotSupported",
                "NotImplemented",
                "RegexOptions.RightToLeft is not supported by ccrsh's regular expressions.".into(),
            )
            .with_hint("Match left to right and take the last match instead."));
        }
        Ok(Options { flags })
    }

    fn has(self, flag: i64) -> bool {
        self.flags & flag != 0
    }

    fn language(self) -> RegexOptions {
        RegexOptions {
            ignore_case: self.has(1),
            multiline: self.has(2),
            single_line: self.has(16),
            ignore_whitespace: self.has(32),
        }
    }

    /// As .NET prints the flags: `IgnoreCase, Multiline`, or `None`.
    fn names(self) -> String {
        let names: Vec<&str> = OPTION_FLAGS.iter().filter(|(_, f)| *f != 0 && self.has(*f)).map(|(n, _)| *n).collect();
        if names.is_empty() { "None".into() } else { names.join(", ") }
    }
}

/// A compiled Regex object.
#[derive(Debug)]
pub struct RegexObject {
    pattern: String,
    options: Options,
    regex: Regex,
}

impl RegexObject {
    fn new(pattern: &str, options: Options) -> Result<RegexObject, ErrorRecord> {
        // .NET case-sensitive unless IgnoreCase, whatever PowerShell's operators do.
        let regex = regex_with(pattern, options.language())?;
        Ok(RegexObject { pattern: pattern.to_string(), options, regex })
    }

    fn explicit(&self) -> bool {
        self.options.has(4)
    }

    fn is_match(&self, input: &str) -> Value {
        Value::Bool(self.regex.is_match(input))
    }

    fn first_match(&self, input: &str, start: usize) -> Value {
        let from = char_to_byte(input, start);
        match self.regex.captures_at(input, from) {
            Some(c) => match_value(&self.regex, input, &c),
            None => failed_match(),
        }
    }

    fn matches(&self, input: &str) -> Value {
        Value::array(self.regex.captures_iter(input).map(|c| match_value(&self.regex, input, &c)).collect())
    }

    fn replace(&self, input: &str, replacement: &Value, count: Option<i64>) -> Result<Value, ErrorRecord> {
        if matches!(replacement, Value::ScriptBlock(_)) {
            return Err(ErrorRecord::new(
                "NotSupported",
                "NotImplemented",
                "A MatchEvaluator script block is not supported by [regex]::Replace in ccrsh.".into(),
            )
            .with_hint("Use the -replace operator with a script block: $text -replace $pattern, { ... }."));
        }
        let replacement = dotnet_replacement(&replacement.to_display_string());
        let text = match count {
            Some(n) if n >= 0 => self.regex.replacen(input, usize::try_from(n).unwrap_or(0), replacement.as_str()),
            _ => self.regex.replace_all(input, replacement.as_str()),
        };
        Ok(Value::String(text.into_owned()))
    }

    fn split(&self, input: &str, count: i64) -> Value {
        Value::array(regex_split(&self.regex, input, count, self.explicit()).into_iter().map(Value::String).collect())
    }

    fn group_names(&self) -> Vec<String> {
        dotnet_groups(&self.regex).into_iter().map(|(_, name)| name).collect()
    }
}

/// The groups in .NET's numbering: the whole match and the unnamed groups first, in order,
/// then the named ones; each with its index in the `regex` crate and its .NET name.
fn dotnet_groups(regex: &Regex) -> Vec<(usize, String)> {
    let names: Vec<Option<&str>> = regex.capture_names().collect();
    let unnamed = names.iter().enumerate().filter(|(_, n)| n.is_none()).map(|(i, _)| i);
    let mut groups: Vec<(usize, String)> = unnamed.enumerate().map(|(number, i)| (i, number.to_string())).collect();
    groups.extend(names.iter().enumerate().filter_map(|(i, n)| n.map(|n| (i, n.to_string()))));
    groups
}

/// The byte offset of character `index` (the end when past it).
fn char_to_byte(text: &str, index: usize) -> usize {
    text.char_indices().nth(index).map_or(text.len(), |(b, _)| b)
}

/// The character index of byte offset `byte`.
fn byte_to_char(text: &str, byte: usize) -> i64 {
    text.get(..byte).map_or(0, |t| t.chars().count() as i64)
}

fn group_record(name: &str, value: &str, success: bool, index: i64) -> Value {
    Value::record(
        Record::new("System.Text.RegularExpressions.Group")
            .with_text(value)
            .with("Name", name)
            .with("Value", value)
            .with("Success", success)
            .with("Index", index)
            .with("Length", value.chars().count() as i64),
    )
}

/// A Match as .NET gives it.
fn match_value(regex: &Regex, input: &str, captures: &Captures<'_>) -> Value {
    let groups: Vec<(String, Value)> = dotnet_groups(regex)
        .into_iter()
        .map(|(i, name)| {
            let group = match captures.get(i) {
                Some(m) => group_record(&name, m.as_str(), true, byte_to_char(input, m.start())),
                None => group_record(&name, "", false, 0),
            };
            (name, group)
        })
        .collect();
    let whole = captures.get(0);
    let text = whole.map_or("", |m| m.as_str());
    Value::record(
        Record::new("System.Text.RegularExpressions.Match")
            .with_text(text)
            .with("Groups", Value::Object(ObjectRef::new(GroupCollection { groups })))
            .with("Success", true)
            .with("Name", "0")
            .with("Captures", Value::array(vec![Value::from(text)]))
            .with("Index", whole.map_or(0, |m| byte_to_char(input, m.start())))
            .with("Length", text.chars().count() as i64)
            .with("Value", text),
    )
}

fn failed_match() -> Value {
    let groups = vec![("0".to_string(), group_record("0", "", false, 0))];
    Value::record(
        Record::new("System.Text.RegularExpressions.Match")
            .with_text("")
            .with("Groups", Value::Object(ObjectRef::new(GroupCollection { groups })))
            .with("Success", false)
            .with("Name", "0")
            .with("Captures", Value::array(Vec::new()))
            .with("Index", 0i64)
            .with("Length", 0i64)
            .with("Value", ""),
    )
}

/// A match's groups, by number or name.
#[derive(Debug)]
pub struct GroupCollection {
    groups: Vec<(String, Value)>,
}

impl NetObject for GroupCollection {
    fn type_name(&self) -> String {
        "System.Text.RegularExpressions.GroupCollection".into()
    }

    fn members(&self) -> Vec<Member> {
        vec![
            Member::property("Count", "int"),
            Member::property("Keys", "System.Collections.Generic.IEnumerable[string]"),
        ]
    }

    fn property(&self, name: &str) -> Option<Value> {
        match name.to_ascii_lowercase().as_str() {
            "count" => Some(Value::Int(self.groups.len() as i64)),
            "keys" => Some(Value::array(self.groups.iter().map(|(n, _)| Value::from(n.as_str())).collect())),
            _ => None,
        }
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        if !name.eq_ignore_ascii_case("get_Item") {
            return None;
        }
        let key = args.first()?;
        let found = match key {
            Value::Int(i) => usize::try_from(*i).ok().and_then(|i| self.groups.get(i)),
            other => {
                let wanted = other.to_display_string();
                self.groups.iter().find(|(n, _)| *n == wanted)
            }
        };
        // .NET answers an unsuccessful group for a name or number it does not have.
        Some(Ok(found.map_or_else(|| group_record(&key.to_display_string(), "", false, 0), |(_, g)| g.clone())))
    }

    fn enumerate(&self) -> Option<Vec<Value>> {
        Some(self.groups.iter().map(|(_, g)| g.clone()).collect())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl NetObject for RegexObject {
    fn type_name(&self) -> String {
        "System.Text.RegularExpressions.Regex".into()
    }

    fn members(&self) -> Vec<Member> {
        vec![
            Member::property("Options", "System.Text.RegularExpressions.RegexOptions"),
            Member::property("RightToLeft", "bool"),
            Member::property("MatchTimeout", "timespan"),
            Member::method("GetGroupNames", "string[] GetGroupNames()"),
            Member::method("GetGroupNumbers", "int[] GetGroupNumbers()"),
            Member::method("IsMatch", "bool IsMatch(string input)"),
            Member::method(
                "Match",
                "System.Text.RegularExpressions.Match Match(string input), Match(string input, int startat)",
            ),
            Member::method("Matches", "System.Text.RegularExpressions.MatchCollection Matches(string input)"),
            Member::method(
                "Replace",
                "string Replace(string input, string replacement), Replace(string input, string replacement, int count)",
            ),
            Member::method("Split", "string[] Split(string input), Split(string input, int count)"),
        ]
    }

    fn property(&self, name: &str) -> Option<Value> {
        match name.to_ascii_lowercase().as_str() {
            "options" => Some(Value::String(self.options.names())),
            "righttoleft" => Some(Value::Bool(false)),
            "matchtimeout" => Some(Value::from("-00:00:00.0010000")),
            _ => None,
        }
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let input = arg_text(args, 0);
        let result = match (name.to_ascii_lowercase().as_str(), args.len()) {
            ("ismatch", 1) => Ok(self.is_match(&input)),
            ("match", 1) => Ok(self.first_match(&input, 0)),
            ("match", 2) => arg_i64(args, 1, name).map(|s| self.first_match(&input, usize::try_from(s).unwrap_or(0))),
            ("matches", 1) => Ok(self.matches(&input)),
            ("replace", 2) => self.replace(&input, &args[1], None),
            ("replace", 3) => arg_i64(args, 2, name).and_then(|n| self.replace(&input, &args[1], Some(n))),
            ("split", 1) => Ok(self.split(&input, 0)),
            ("split", 2) => arg_i64(args, 1, name).map(|n| self.split(&input, n)),
            ("getgroupnames", 0) => Ok(Value::array(self.group_names().into_iter().map(Value::String).collect())),
            ("getgroupnumbers", 0) => {
                Ok(Value::array((0..self.regex.captures_len()).map(|i| Value::Int(i as i64)).collect()))
            }
            ("ismatch" | "match" | "matches" | "replace" | "split" | "getgroupnames" | "getgroupnumbers", n) => {
                Err(overload_not_found(name, n))
            }
            _ => return None,
        };
        Some(result)
    }

    fn to_text(&self) -> String {
        self.pattern.clone()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// .NET's `Regex.Escape`: the metacharacters and white space, nothing else (not `]` or `}`).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '*' | '+' | '?' | '|' | '{' | '[' | '(' | ')' | '^' | '$' | '.' | '#' | ' ' => {
                out.push('\\');
                out.push(c);
            }
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{c}' => out.push_str("\\f"),
            _ => out.push(c),
        }
    }
    out
}

/// .NET's `Regex.Unescape` (also what `ConvertFrom-StringData` applies to values): `\a`, `\t`,
/// `\n`, `\v`, `\f`, `\r`, `\e`, `\xHH`, `\uXXXX`, and `\x` for any other `x`.
pub fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('a') => out.push('\u{7}'),
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('v') => out.push('\u{b}'),
            Some('f') => out.push('\u{c}'),
            Some('r') => out.push('\r'),
            Some('e') => out.push('\u{1b}'),
            Some(kind @ ('x' | 'u')) => {
                let digits = if kind == 'x' { 2 } else { 4 };
                let hex: String = chars.by_ref().take(digits).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) if hex.len() == digits => out.push(ch),
                    _ => out.push_str(&format!("\\{kind}{hex}")),
                }
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

fn build(args: &[Value], pattern_at: usize, options_at: usize) -> Result<RegexObject, ErrorRecord> {
    let options = match args.get(options_at) {
        Some(v) => Options::parse(v)?,
        None => Options::default(),
    };
    RegexObject::new(&arg_text(args, pattern_at), options)
}

pub struct RegexType;
pub static REGEX: RegexType = RegexType;

impl NetType for RegexType {
    fn full_name(&self) -> &'static str {
        "System.Text.RegularExpressions.Regex"
    }

    fn accelerators(&self) -> &'static [&'static str] {
        &["regex"]
    }

    fn static_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let input = arg_text(args, 0);
        let result = match (name.to_ascii_lowercase().as_str(), args.len()) {
            ("escape", 1) => Ok(Value::String(escape(&input))),
            ("unescape", 1) => Ok(Value::String(unescape(&input))),
            ("ismatch", 2 | 3) => build(args, 1, 2).map(|r| r.is_match(&input)),
            ("match", 2 | 3) => build(args, 1, 2).map(|r| r.first_match(&input, 0)),
            ("matches", 2 | 3) => build(args, 1, 2).map(|r| r.matches(&input)),
            ("replace", 3 | 4) => build(args, 1, 3).and_then(|r| r.replace(&input, &args[2], None)),
            ("split", 2 | 3) => build(args, 1, 2).map(|r| r.split(&input, 0)),
            ("escape" | "unescape" | "ismatch" | "match" | "matches" | "replace" | "split", n) => {
                Err(overload_not_found(name, n))
            }
            _ => return None,
        };
        Some(result)
    }

    fn construct(&self, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        Some(match args.len() {
            1 | 2 => build(args, 0, 1).map(|r| Value::Object(ObjectRef::new(r))),
            n => Err(overload_not_found("new", n)),
        })
    }

    fn convert(&self, value: &Value) -> Option<Result<Value, ErrorRecord>> {
        match value {
            Value::Object(o) if o.is_a(self.full_name()) => Some(Ok(value.clone())),
            Value::String(_) | Value::Char(_) => {
                Some(build(std::slice::from_ref(value), 0, 1).map(|r| Value::Object(ObjectRef::new(r))))
            }
            _ => None,
        }
    }

    fn static_members(&self) -> Vec<Member> {
        ["Escape", "Unescape", "IsMatch", "Match", "Matches", "Replace", "Split"]
            .iter()
            .map(|m| Member::method(m, &format!("static {m}(...)")))
            .collect()
    }
}

/// `[System.Text.RegularExpressions.RegexOptions]::IgnoreCase`: the option's name, which every
/// Regex method above takes (alone, in a list, or joined with commas).
pub struct RegexOptionsType;
pub static REGEX_OPTIONS: RegexOptionsType = RegexOptionsType;

impl NetType for RegexOptionsType {
    fn full_name(&self) -> &'static str {
        "System.Text.RegularExpressions.RegexOptions"
    }

    fn static_property(&self, name: &str) -> Option<Value> {
        OPTION_FLAGS.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(n, _)| Value::from(*n))
    }

    fn convert(&self, value: &Value) -> Option<Result<Value, ErrorRecord>> {
        Some(Options::parse(value).map(|o| Value::String(o.names())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_and_unescape_as_dotnet() {
        assert_eq!(escape("a.b*c [x] {y} #1\t"), r"a\.b\*c\ \[x]\ \{y}\ \#1\t");
        assert_eq!(unescape(r"a\.b\tc\u0041"), "a.b\tcA");
        assert_eq!(unescape(r"\x41\a\v"), "A\u{7}\u{b}");
    }

    #[test]
    fn options_parse_by_name_list_or_number_and_refuse_the_rest() {
        assert_eq!(Options::parse(&Value::from("IgnoreCase, Multiline")).map(|o| o.flags).ok(), Some(3));
        assert_eq!(Options::parse(&Value::Int(17)).map(|o| o.names()).ok(), Some("IgnoreCase, Singleline".into()));
        assert!(Options::parse(&Value::from("Sideways")).is_err());
        assert!(Options::parse(&Value::from("RightToLeft")).is_err());
    }
}
