//! JSON as PowerShell reads and writes it. Reading (ConvertFrom-Json, Newtonsoft's reader):
//! comments (`//`, `/* */`), unquoted and single-quoted property names and strings, numbers as
//! Int64, BigInteger or Double as they fit, ISO 8601 strings as DateTimes (unless asked to keep
//! them as text), objects as PSCustomObjects (or ordered hashtables), and a maximum depth.
//! Writing (ConvertTo-Json): objects deeper than `-Depth` become their text, doubles keep a
//! `.0`, NaN and the infinities are strings, big integers stay exact.
//!
//! Owns: [`parse`], [`write`] and their texts.
//!
//! Must not: print, or decide how many documents an input holds.

use num_bigint::BigInt;

use crate::shell::value::{Hashtable, Numeric, Record, Value};

/// How the reader treats its input.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub as_hashtable: bool,
    /// The deepest nesting of arrays and objects allowed.
    pub max_depth: usize,
    /// Keep ISO 8601 strings as text (`-DateKind String`).
    pub dates_as_text: bool,
}

struct Reader<'a> {
    text: &'a [u8],
    at: usize,
    line: usize,
    line_start: usize,
    options: Options,
    /// The property names and indexes on the way to here, for the error's Path.
    path: Vec<String>,
}

/// A JSON document as a value; the error is Newtonsoft's sentence (with line and position).
pub fn parse(text: &str, options: Options) -> Result<Value, String> {
    let mut r = Reader { text: text.as_bytes(), at: 0, line: 1, line_start: 0, options, path: Vec::new() };
    r.skip_space()?;
    if r.at >= r.text.len() {
        return Ok(Value::Null);
    }
    let value = r.value(0)?;
    r.skip_space()?;
    if r.at < r.text.len() {
        return Err(r.error("Additional text encountered after finished reading JSON content"));
    }
    Ok(value)
}

impl Reader<'_> {
    fn error(&self, what: &str) -> String {
        let path = self.path.join("");
        let path = path.trim_start_matches('.');
        format!(
            "{what}: {}. Path '{path}', line {}, position {}.",
            self.peek_text(),
            self.line,
            self.at - self.line_start
        )
        .replace(": . Path", ". Path")
    }

    fn peek_text(&self) -> String {
        self.text.get(self.at).map(|b| (*b as char).to_string()).unwrap_or_default()
    }

    fn skip_space(&mut self) -> Result<(), String> {
        while self.at < self.text.len() {
            match self.text[self.at] {
                b'\n' => {
                    self.at += 1;
                    self.line += 1;
                    self.line_start = self.at;
                }
                b' ' | b'\t' | b'\r' => self.at += 1,
                b'/' if self.text.get(self.at + 1) == Some(&b'/') => {
                    while self.at < self.text.len() && self.text[self.at] != b'\n' {
                        self.at += 1;
                    }
                }
                b'/' if self.text.get(self.at + 1) == Some(&b'*') => {
                    let end = self.text[self.at + 2..].windows(2).position(|w| w == b"*/");
                    let Some(end) = end else { return Err(self.error("Unexpected end while parsing comment")) };
                    for b in &self.text[self.at..self.at + 2 + end + 2] {
                        if *b == b'\n' {
                            self.line += 1;
                        }
                    }
                    self.at += 2 + end + 2;
                }
                _ => break,
            }
        }
        Ok(())
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        self.skip_space()?;
        let Some(&c) = self.text.get(self.at) else {
            return Err(self.error("Unexpected end when reading JSON"));
        };
        match c {
            b'{' | b'[' if depth >= self.options.max_depth => Err(format!(
                "The reader's MaxDepth of {} has been exceeded. Path '{}', line {}, position {}.",
                self.options.max_depth,
                self.path.join("").trim_start_matches('.'),
                self.line,
                self.at - self.line_start + 1
            )),
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'"' | b'\'' => {
                let s = self.string()?;
                if !self.options.dates_as_text
                    && s.len() >= 10
                    && s.as_bytes()[4] == b'-'
                    && s.as_bytes()[..4].iter().all(u8::is_ascii_digit)
                    && let Some(t) = super::dotnet::parse_date(&s)
                {
                    return Ok(Value::DateTime(t));
                }
                Ok(Value::String(s))
            }
            b'-' | b'0'..=b'9' => self.number(),
            _ => {
                let word = self.word();
                match word.as_str() {
                    "true" => Ok(Value::Bool(true)),
                    "false" => Ok(Value::Bool(false)),
                    "null" | "undefined" => Ok(Value::Null),
                    "NaN" => Ok(Value::Real(f64::NAN)),
                    "Infinity" => Ok(Value::Real(f64::INFINITY)),
                    _ => Err(self.error("Unexpected character encountered while parsing value")),
                }
            }
        }
    }

    fn word(&mut self) -> String {
        let start = self.at;
        while self.at < self.text.len()
            && (self.text[self.at].is_ascii_alphanumeric() || matches!(self.text[self.at], b'_' | b'$'))
        {
            self.at += 1;
        }
        String::from_utf8_lossy(&self.text[start..self.at]).into_owned()
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.at;
        while self.at < self.text.len() && matches!(self.text[self.at], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
        {
            self.at += 1;
        }
        let text = std::str::from_utf8(&self.text[start..self.at]).unwrap_or("");
        if text == "-" && self.text[self.at..].starts_with(b"Infinity") {
            self.at += 8;
            return Ok(Value::Real(f64::NEG_INFINITY));
        }
        if !text.contains(['.', 'e', 'E']) {
            if let Ok(i) = text.parse::<i64>() {
                return Ok(Value::Int(i));
            }
            if let Ok(b) = text.parse::<BigInt>() {
                return Ok(Value::Number(Numeric::BigInt(std::rc::Rc::new(b))));
            }
        }
        text.parse::<f64>().map(Value::Real).map_err(|_| self.error("Input string is not a valid number"))
    }

    fn string(&mut self) -> Result<String, String> {
        let quote = self.text[self.at];
        self.at += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(&c) = self.text.get(self.at) else {
                return Err(self.error("Unterminated string. Expected delimiter"));
            };
            self.at += 1;
            match c {
                c if c == quote => break,
                b'\\' => {
                    let Some(&e) = self.text.get(self.at) else {
                        return Err(self.error("Unterminated string. Expected delimiter"));
                    };
                    self.at += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b't' => out.push(b'\t'),
                        b'r' => out.push(b'\r'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'u' => {
                            let hex = self.text.get(self.at..self.at + 4).and_then(|h| std::str::from_utf8(h).ok());
                            let code = hex.and_then(|h| u32::from_str_radix(h, 16).ok());
                            let Some(mut code) = code else {
                                return Err(self.error("Invalid Unicode escape sequence"));
                            };
                            self.at += 4;
                            // A surrogate pair.
                            if (0xD800..0xDC00).contains(&code) && self.text[self.at..].starts_with(b"\\u") {
                                let low = self
                                    .text
                                    .get(self.at + 2..self.at + 6)
                                    .and_then(|h| std::str::from_utf8(h).ok())
                                    .and_then(|h| u32::from_str_radix(h, 16).ok());
                                if let Some(low) = low.filter(|l| (0xDC00..0xE000).contains(l)) {
                                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                                    self.at += 6;
                                }
                            }
                            let ch = char::from_u32(code).unwrap_or('\u{FFFD}');
                            out.extend(ch.to_string().as_bytes());
                        }
                        other => out.push(other),
                    }
                }
                b'\n' => {
                    self.line += 1;
                    self.line_start = self.at;
                    out.push(c);
                }
                other => out.push(other),
            }
        }
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    fn array(&mut self, depth: usize) -> Result<Value, String> {
        self.at += 1;
        let mut items = Vec::new();
        loop {
            self.skip_space()?;
            match self.text.get(self.at) {
                Some(b']') => {
                    self.at += 1;
                    break;
                }
                Some(b',') if !items.is_empty() => {
                    self.at += 1;
                    continue;
                }
                None => return Err(self.error("Unexpected end when reading JSON")),
                _ => {}
            }
            self.path.push(format!("[{}]", items.len()));
            let v = self.value(depth);
            self.path.pop();
            items.push(v?);
            self.skip_space()?;
            match self.text.get(self.at) {
                Some(b',') => self.at += 1,
                Some(b']') => {}
                _ => return Err(self.error("After parsing a value an unexpected character was encountered")),
            }
        }
        Ok(Value::array(items))
    }

    fn object(&mut self, depth: usize) -> Result<Value, String> {
        self.at += 1;
        let mut entries: Vec<(String, Value)> = Vec::new();
        loop {
            self.skip_space()?;
            let name = match self.text.get(self.at) {
                Some(b'}') => {
                    self.at += 1;
                    break;
                }
                Some(b'"' | b'\'') => self.string()?,
                Some(c) if c.is_ascii_alphanumeric() || matches!(c, b'_' | b'$') => self.word(),
                None => return Err(self.error("Unexpected end when reading JSON")),
                _ => return Err(self.error("Invalid property identifier character")),
            };
            self.skip_space()?;
            if self.text.get(self.at) != Some(&b':') {
                return Err(self.error("Invalid character after parsing property name. Expected ':' but got"));
            }
            self.at += 1;
            self.path.push(format!(".{name}"));
            let v = self.value(depth);
            self.path.pop();
            let v = v?;
            match entries.iter_mut().find(|(n, _)| *n == name) {
                Some((_, old)) => *old = v,
                None => entries.push((name, v)),
            }
            self.skip_space()?;
            match self.text.get(self.at) {
                Some(b',') => self.at += 1,
                Some(b'}') => {}
                _ => return Err(self.error("After parsing a value an unexpected character was encountered")),
            }
        }
        if self.options.as_hashtable {
            let mut h = Hashtable::new();
            for (k, v) in entries {
                h.insert(Value::String(k), v);
            }
            return Ok(h.into_value());
        }
        let mut record = Record::new("System.Management.Automation.PSCustomObject");
        record.properties = entries;
        Ok(Value::record(record))
    }
}

/// How ConvertTo-Json writes.
#[derive(Debug, Clone, Copy)]
pub struct WriteOptions {
    /// Objects nested deeper than this become their text.
    pub depth: usize,
    pub compress: bool,
}

/// A value as JSON text; `truncated` is set when an object was cut at the depth.
pub fn write(value: &Value, options: WriteOptions, truncated: &mut bool) -> String {
    let mut out = String::new();
    write_value(&mut out, value, 0, false, options, truncated, 0);
    out
}

fn newline(out: &mut String, options: WriteOptions, indent: usize) {
    if !options.compress {
        out.push('\n');
        out.push_str(&"  ".repeat(indent));
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_real(out: &mut String, r: f64) {
    if r.is_nan() {
        out.push_str("\"NaN\"");
    } else if r.is_infinite() {
        out.push_str(if r > 0.0 { "\"Infinity\"" } else { "\"-Infinity\"" });
    } else {
        let text = Value::Real(r).to_display_string();
        out.push_str(&text);
        if !text.contains(['.', 'E']) {
            out.push_str(".0");
        }
    }
}

/// The text an object too deep to write becomes: its string form, an array's items joined
/// with spaces (or its type name inside another array).
fn truncated_text(value: &Value, in_array: bool) -> String {
    match value {
        Value::Array(_) if in_array => "System.Object[]".into(),
        other => other.to_display_string(),
    }
}

#[allow(clippy::too_many_arguments)]
fn write_value(
    out: &mut String,
    value: &Value,
    level: usize,
    in_array: bool,
    options: WriteOptions,
    truncated: &mut bool,
    indent: usize,
) {
    let deep = level > options.depth;
    let separator = if options.compress { ":" } else { ": " };
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Real(r) => write_real(out, *r),
        Value::Number(n) => match n.as_i128() {
            Some(i) => out.push_str(&i.to_string()),
            None => match n {
                Numeric::BigInt(b) => out.push_str(&b.to_string()),
                Numeric::Decimal(d) => out.push_str(&d.to_string()),
                // A Single writes its own shortest digits (`3.14`, not the double's).
                Numeric::Single(f) if f.is_finite() => {
                    let text = value.to_display_string();
                    out.push_str(&text);
                    if !text.contains(['.', 'E']) {
                        out.push_str(".0");
                    }
                }
                other => write_real(out, other.as_f64()),
            },
        },
        Value::Char(c) => write_string(out, &c.to_string()),
        Value::String(s) => write_string(out, s),
        Value::DateTime(t) => write_string(out, &t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
        Value::TimeSpan(_) | Value::Record(_) | Value::Hashtable(_) | Value::Array(_) | Value::Object(_) if deep => {
            *truncated = true;
            write_string(out, &truncated_text(value, in_array));
        }
        Value::Array(items) => {
            let items = items.borrow();
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, options, indent + 1);
                write_value(out, item, level + 1, true, options, truncated, indent + 1);
            }
            newline(out, options, indent);
            out.push(']');
        }
        Value::Object(o) => match o.shown() {
            Value::String(s) => write_string(out, &s),
            shown => write_value(out, &shown, level, in_array, options, truncated, indent),
        },
        Value::Record(_) | Value::Hashtable(_) | Value::TimeSpan(_) => {
            let entries: Vec<(String, Value)> = match value {
                Value::Record(r) => r.borrow().properties.clone(),
                Value::Hashtable(h) => {
                    h.borrow().entries().iter().map(|(k, v)| (k.to_display_string(), v.clone())).collect()
                }
                Value::TimeSpan(t) => timespan_properties(*t),
                _ => Vec::new(),
            };
            if entries.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (name, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, options, indent + 1);
                write_string(out, name);
                out.push_str(separator);
                write_value(out, v, level + 1, false, options, truncated, indent + 1);
            }
            newline(out, options, indent);
            out.push('}');
        }
        Value::ScriptBlock(_) | Value::Formatted(_) => write_string(out, &value.to_display_string()),
    }
}

/// A TimeSpan's properties, in the order .NET lists them.
fn timespan_properties(t: crate::shell::value::TimeSpan) -> Vec<(String, Value)> {
    let per_second = crate::shell::value::TimeSpan::TICKS_PER_SECOND;
    let whole = t.ticks / per_second;
    let ticks = t.ticks as f64;
    vec![
        ("Ticks".into(), Value::Int(t.ticks)),
        ("Days".into(), Value::Int(whole / 86_400)),
        ("Hours".into(), Value::Int(whole % 86_400 / 3600)),
        ("Milliseconds".into(), Value::Int(t.ticks % per_second / 10_000)),
        ("Microseconds".into(), Value::Int(t.ticks % 10_000 / 10)),
        ("Nanoseconds".into(), Value::Int(t.ticks % 10 * 100)),
        ("Minutes".into(), Value::Int(whole % 3600 / 60)),
        ("Seconds".into(), Value::Int(whole % 60)),
        ("TotalDays".into(), Value::Real(ticks / (per_second as f64 * 86_400.0))),
        ("TotalHours".into(), Value::Real(ticks / (per_second as f64 * 3600.0))),
        ("TotalMilliseconds".into(), Value::Real(ticks / 10_000.0)),
        ("TotalMicroseconds".into(), Value::Real(ticks / 10.0)),
        ("TotalNanoseconds".into(), Value::Real(ticks * 100.0)),
        ("TotalMinutes".into(), Value::Real(ticks / (per_second as f64 * 60.0))),
        ("TotalSeconds".into(), Value::Real(ticks / per_second as f64)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT: Options = Options { as_hashtable: false, max_depth: 1024, dates_as_text: false };

    #[test]
    fn reads_what_newtonsoft_reads() {
        let v = parse("[ // comment\n 100, /* c */ 200 ]", DEFAULT).expect("comments");
        assert_eq!(v.to_display_string(), "100 200");
        let v = parse("{name:1, 'other': 'x'}", DEFAULT).expect("unquoted names");
        assert_eq!(crate::shell::eval::members::property(&v, "name"), Value::Int(1));
        assert_eq!(parse("9.8765E+43", DEFAULT), Ok(Value::Real(9.8765E+43)));
        assert!(matches!(parse("18446744073709551615", DEFAULT), Ok(Value::Number(Numeric::BigInt(_)))));
        assert!(matches!(parse("\"2022-11-02T12:01:44Z\"", DEFAULT), Ok(Value::DateTime(_))));
        let text = Options { dates_as_text: true, ..DEFAULT };
        assert!(matches!(parse("\"2022-11-02T12:01:44Z\"", text), Ok(Value::String(_))));
        assert_eq!(parse("", DEFAULT), Ok(Value::Null));
        assert_eq!(parse("\"\\u00e9\"", DEFAULT), Ok(Value::from("é")));
    }

    #[test]
    fn writes_what_powershell_writes() {
        let w = |v: &Value, depth: usize| {
            let mut cut = false;
            let text = write(v, WriteOptions { depth, compress: true }, &mut cut);
            (text, cut)
        };
        let inner = Value::record(Record::new("System.Management.Automation.PSCustomObject").with("L1", Value::Int(1)));
        let outer = Value::record(Record::new("System.Management.Automation.PSCustomObject").with("L0", inner));
        assert_eq!(w(&outer, 0), ("{\"L0\":\"@{L1=1}\"}".to_string(), true));
        assert_eq!(w(&outer, 1), ("{\"L0\":{\"L1\":1}}".to_string(), false));
        assert_eq!(w(&Value::Real(2.0), 2).0, "2.0");
        assert_eq!(w(&Value::Real(f64::NAN), 2).0, "\"NaN\"");
        assert_eq!(w(&Value::from("a\"b\n"), 2).0, "\"a\\\"b\\n\"");
        assert_eq!(w(&Value::array(vec![]), 2).0, "[]");
        let mut cut = false;
        let pretty = write(&Value::array(vec![Value::Int(1)]), WriteOptions { depth: 2, compress: false }, &mut cut);
        assert_eq!(pretty, "[\n  1\n]");
    }

    #[test]
    fn arrays_count_as_a_level() {
        let inner = Record::new("I").with("NodeName", "N1");
        let outer = Value::record(Record::new("O").with("Name", "x").with("Standby", vec![Value::record(inner)]));
        let mut cut = false;
        let text = write(&outer, WriteOptions { depth: 2, compress: true }, &mut cut);
        assert_eq!((text.as_str(), cut), (r#"{"Name":"x","Standby":[{"NodeName":"N1"}]}"#, false));
        let text = write(&outer, WriteOptions { depth: 1, compress: true }, &mut cut);
        assert_eq!((text.as_str(), cut), (r#"{"Name":"x","Standby":["I"]}"#, true));
    }

    #[test]
    fn refuses_bad_json_and_depth() {
        let shallow = Options { max_depth: 2, ..DEFAULT };
        let e = parse("{\"a\":{\"b\":{\"c\":1}}}", shallow).expect_err("too deep");
        assert!(e.starts_with("The reader's MaxDepth of 2 has been exceeded. Path 'a.b'"), "{e}");
        assert!(parse("{\"a\":{\"b\":1}}", shallow).is_ok());
        assert!(parse("{\"a\" 1}", DEFAULT).is_err());
        assert!(parse("[1,2", DEFAULT).is_err());
        assert!(parse("{} x", DEFAULT).is_err());
        assert!(parse("\"open", DEFAULT).is_err());
    }
}
