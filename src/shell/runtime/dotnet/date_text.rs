//! DateTime as text: reading it as `DateTime.Parse` does under the invariant/en-US culture,
//! writing it in .NET's standard (`d`, `D`, `f`, `G`, `o`, `s`, `u`…) and custom
//! (`yyyy-MM-dd HH:mm:ss.fff`) formats, and in the strftime-like `-UFormat` of `Get-Date`.
//!
//! Times are UTC (the shell's clock and the lab's are UTC), so the offset specifiers (`z`,
//! `zz`, `zzz`, `K`) write a zero offset.
//!
//! Owns: [`parse`], [`format`], [`uformat`].
//!
//! Must not: decide what a cmdlet returns.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc, Weekday};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

fn month_of(word: &str) -> Option<u32> {
    let w = word.to_ascii_lowercase();
    if w.len() < 3 {
        return None;
    }
    MONTHS.iter().position(|m| m.to_ascii_lowercase().starts_with(&w)).map(|i| i as u32 + 1)
}

fn is_day_name(word: &str) -> bool {
    let w = word.to_ascii_lowercase();
    w.len() >= 3 && DAYS.iter().any(|d| d.to_ascii_lowercase().starts_with(&w))
}

/// A two-digit year as .NET reads it (TwoDigitYearMax 2049).
fn full_year(digits: &str, value: i64) -> i64 {
    if digits.len() <= 2 { if value < 50 { 2000 + value } else { 1900 + value } } else { value }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(String),
    Word(String),
    Sep(char),
}

fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            out.push(Token::Number(chars[start..i].iter().collect()));
        } else if c.is_alphabetic() {
            let start = i;
            while i < chars.len() && chars[i].is_alphabetic() {
                i += 1;
            }
            out.push(Token::Word(chars[start..i].iter().collect()));
        } else {
            if !c.is_whitespace() {
                out.push(Token::Sep(c));
            } else if !matches!(out.last(), Some(Token::Sep(' '))) {
                out.push(Token::Sep(' '));
            }
            i += 1;
        }
    }
    out
}

/// Reads a date and time as `DateTime.Parse` does with the invariant culture: ISO 8601
/// (`2026-11-22`, `2026-11-22T16:05:09.5Z`, `2026-11-22 16:05:09+02:00`), en-US numeric
/// (`11/22/2026`, `11/22/26 4:05 PM`), month names (`Jan 1, 2020`, `1 January 2020`,
/// `Sunday, November 22, 2026 4:05:09 PM`), or a time alone (today's date). A time with an
/// offset is converted to UTC. `None` when the text is not a date.
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    parse_with_offset(text).map(|(utc, _)| utc)
}

/// [`parse`], also giving the offset the text named (`None` when it named none).
pub fn parse_with_offset(text: &str) -> Option<(DateTime<Utc>, Option<i64>)> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let toks = tokens(text);
    // Split off the time: the first number followed by ':'.
    let time_start =
        toks.windows(2).position(|w| matches!(w, [Token::Number(_), Token::Sep(':')])).unwrap_or(toks.len());
    let (date_part, time_part) = toks.split_at(time_start);
    let (time, offset_minutes, after_time) = parse_time(time_part)?;
    // What follows the time may still hold date words ("4:05 PM Jan 1 2020" is rare; refuse).
    if !after_time.iter().all(|t| matches!(t, Token::Sep(' ' | ','))) {
        return None;
    }
    let date = parse_date_tokens(date_part)?;
    let naive = NaiveDateTime::new(date, time.unwrap_or(NaiveTime::MIN));
    let utc = naive.and_utc() - Duration::minutes(offset_minutes);
    let named = time_part
        .iter()
        .any(|t| matches!(t, Token::Sep('+' | '-')) || matches!(t, Token::Word(w) if w.eq_ignore_ascii_case("Z")));
    Some((utc, named.then_some(offset_minutes)))
}

fn parse_date_tokens(toks: &[Token]) -> Option<NaiveDate> {
    let mut numbers: Vec<&str> = Vec::new();
    let mut month_word: Option<(u32, usize)> = None;
    let mut separators = Vec::new();
    for t in toks {
        match t {
            Token::Number(n) => numbers.push(n),
            Token::Word(w) if w.eq_ignore_ascii_case("T") => {}
            Token::Word(w) if matches!(w.to_ascii_lowercase().as_str(), "st" | "nd" | "rd" | "th") => {}
            Token::Word(w) if is_day_name(w) => {}
            Token::Word(w) => month_word = Some((month_of(w)?, numbers.len())),
            Token::Sep(c) => separators.push(*c),
        }
    }
    if numbers.is_empty() && month_word.is_none() {
        return Some(Utc::now().date_naive());
    }
    let value = |s: &str| s.parse::<i64>().ok();
    let (y, m, d) = match (month_word, numbers.as_slice()) {
        (Some((m, _)), [a, b]) => {
            // `Jan 1, 2020`, `1 Jan 2020`, `2020 Jan 1`: the year is the long or large number.
            let (year, day) = if a.len() >= 3 || value(a)? > 31 { (a, b) } else { (b, a) };
            (full_year(year, value(year)?), i64::from(m), value(day)?)
        }
        (Some((m, _)), [a]) if a.len() <= 2 && value(a)? <= 31 => {
            (i64::from(Utc::now().year()), i64::from(m), value(a)?)
        }
        (Some((m, _)), [a]) => (full_year(a, value(a)?), i64::from(m), 1),
        (None, [a, b, c]) if a.len() >= 3 => (value(a)?, value(b)?, value(c)?),
        (None, [a, b, c]) => (full_year(c, value(c)?), value(a)?, value(b)?),
        (None, [a, b]) if a.len() >= 3 => (value(a)?, value(b)?, 1),
        (None, [a, b]) if b.len() >= 3 => (value(b)?, value(a)?, 1),
        (None, [a, b]) => (i64::from(Utc::now().year()), value(a)?, value(b)?),
        _ => return None,
    };
    if separators.iter().any(|c| !matches!(c, '-' | '/' | '.' | ',' | ' ')) {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, u32::try_from(m).ok()?, u32::try_from(d).ok()?)
}

/// `h:mm[:ss[.fffffff]] [AM|PM] [Z|±hh[:mm]]`: the time, the offset in minutes, and what follows.
fn parse_time(toks: &[Token]) -> Option<(Option<NaiveTime>, i64, &[Token])> {
    let mut i = 0;
    let number = |t: Option<&Token>| match t {
        Some(Token::Number(n)) => n.parse::<u32>().ok(),
        _ => None,
    };
    let Some(hour) = number(toks.first()) else {
        return Some((None, 0, toks));
    };
    i += 2; // hour and ':'
    let minute = number(toks.get(i))?;
    i += 1;
    let mut second = 0;
    let mut nanos = 0;
    if toks.get(i) == Some(&Token::Sep(':')) {
        second = number(toks.get(i + 1))?;
        i += 2;
        if matches!(toks.get(i), Some(Token::Sep('.' | ','))) {
            let Some(Token::Number(fraction)) = toks.get(i + 1) else { return None };
            let digits: String = fraction.chars().take(9).collect();
            nanos = digits.parse::<u32>().ok()? * 10u32.pow(9 - digits.len() as u32);
            i += 2;
        }
    }
    let mut hour = hour;
    let mut offset = 0i64;
    loop {
        match toks.get(i) {
            Some(Token::Sep(' ')) => i += 1,
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("AM") || w.eq_ignore_ascii_case("PM") => {
                if hour == 0 || hour > 12 {
                    return None;
                }
                hour = hour % 12 + if w.eq_ignore_ascii_case("PM") { 12 } else { 0 };
                i += 1;
            }
            Some(Token::Word(w))
                if w.eq_ignore_ascii_case("Z") || w.eq_ignore_ascii_case("GMT") || w.eq_ignore_ascii_case("UTC") =>
            {
                i += 1
            }
            Some(Token::Sep(sign @ ('+' | '-'))) => {
                let Some(Token::Number(h)) = toks.get(i + 1) else { return None };
                let (hours, mut minutes) = if h.len() == 4 {
                    (h[..2].parse::<i64>().ok()?, h[2..].parse::<i64>().ok()?)
                } else {
                    (h.parse::<i64>().ok()?, 0)
                };
                i += 2;
                if toks.get(i) == Some(&Token::Sep(':')) {
                    let Some(Token::Number(m)) = toks.get(i + 1) else { return None };
                    minutes = m.parse().ok()?;
                    i += 2;
                }
                offset = (hours * 60 + minutes) * if *sign == '-' { -1 } else { 1 };
            }
            _ => break,
        }
    }
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
    Some((Some(time), offset, &toks[i..]))
}

/// The en-US pattern of a one-letter standard format, if it is one.
fn standard_pattern(format: &str) -> Option<&'static str> {
    Some(match format {
        "d" => "M/d/yyyy",
        "D" => "dddd, MMMM d, yyyy",
        "f" => "dddd, MMMM d, yyyy h:mm tt",
        "F" | "U" => "dddd, MMMM d, yyyy h:mm:ss tt",
        "g" => "M/d/yyyy h:mm tt",
        "G" => "M/d/yyyy h:mm:ss tt",
        "m" | "M" => "MMMM d",
        "o" | "O" => "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
        "r" | "R" => "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
        "s" => "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
        "t" => "h:mm tt",
        "T" => "h:mm:ss tt",
        "u" => "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
        "y" | "Y" => "MMMM yyyy",
        _ => return None,
    })
}

/// `ParseExact(text, format)` with the invariant culture: `text` must match the standard
/// format letter or custom pattern exactly (`yyyyMMdd`, `dd/MM/yyyy HH:mm`, `yyyy-MM-ddTHH:mm:sszzz`).
/// The instant (UTC: the shell's clock) and the offset the text named, if any; a pattern
/// without a date takes today's.
pub fn parse_exact(text: &str, format: &str) -> Option<(DateTime<Utc>, Option<i64>)> {
    let pattern: Vec<char> = standard_pattern(format).unwrap_or(format).chars().collect();
    let input: Vec<char> = text.trim().chars().collect();
    let (mut at, mut i) = (0usize, 0usize);
    let (mut year, mut month, mut day) = (None::<i64>, None::<u32>, None::<u32>);
    let (mut hour, mut minute, mut second, mut nanos) = (0u32, 0u32, 0u32, 0u32);
    let (mut pm, mut twelve_hour, mut offset) = (None::<bool>, false, None::<i64>);
    // Up to `max` digits (at least `min`) from the input.
    let digits = |at: &mut usize, min: usize, max: usize| -> Option<(String, i64)> {
        let run: String = input[*at..].iter().take(max).take_while(|c| c.is_ascii_digit()).collect();
        if run.len() < min {
            return None;
        }
        *at += run.len();
        run.parse::<i64>().ok().map(|v| (run, v))
    };
    while i < pattern.len() {
        let c = pattern[i];
        let count = pattern[i..].iter().take_while(|p| **p == c).count();
        match c {
            'y' => {
                let (run, v) = if count <= 2 { digits(&mut at, 1, 2)? } else { digits(&mut at, count, count)? };
                year = Some(if count <= 2 { full_year(&run, v) } else { v });
            }
            'M' if count >= 3 => {
                let word: String = input[at..].iter().take_while(|c| c.is_ascii_alphabetic()).collect();
                let m = month_of(&word)?;
                let full = MONTHS[m as usize - 1];
                let expected = if count == 3 { &full[..3] } else { full };
                if !word.eq_ignore_ascii_case(expected) {
                    return None;
                }
                at += word.len();
                month = Some(m);
            }
            'M' => month = Some(u32::try_from(digits(&mut at, count, 2)?.1).ok()?),
            'd' if count >= 3 => {
                let word: String = input[at..].iter().take_while(|c| c.is_ascii_alphabetic()).collect();
                if !is_day_name(&word) {
                    return None;
                }
                at += word.len();
            }
            'd' => day = Some(u32::try_from(digits(&mut at, count, 2)?.1).ok()?),
            'H' | 'h' => {
                hour = u32::try_from(digits(&mut at, count.min(2), 2)?.1).ok()?;
                twelve_hour |= c == 'h';
            }
            'm' => minute = u32::try_from(digits(&mut at, count.min(2), 2)?.1).ok()?,
            's' => second = u32::try_from(digits(&mut at, count.min(2), 2)?.1).ok()?,
            'f' | 'F' => {
                let min = if c == 'f' { count } else { 0 };
                if let Some((run, v)) = digits(&mut at, min, count) {
                    let scale = 10i64.checked_pow(9u32.checked_sub(u32::try_from(run.len()).ok()?)?)?;
                    nanos = u32::try_from(v * scale).ok()?;
                }
            }
            't' => {
                let word: String = input[at..].iter().take(count.min(2)).collect();
                let upper = word.to_ascii_uppercase();
                pm = Some(match upper.as_str() {
                    "A" | "AM" => false,
                    "P" | "PM" => true,
                    _ => return None,
                });
                at += word.chars().count();
            }
            'z' | 'K' => {
                if c == 'K' && input.get(at).is_none_or(|c| !matches!(c, '+' | '-' | 'Z')) {
                    i += count;
                    continue;
                }
                if input.get(at) == Some(&'Z') {
                    at += 1;
                    offset = Some(0);
                } else {
                    let sign = match input.get(at)? {
                        '+' => 1,
                        '-' => -1,
                        _ => return None,
                    };
                    at += 1;
                    let hours = digits(&mut at, if count >= 2 || c == 'K' { 2 } else { 1 }, 2)?.1;
                    let mut minutes = 0;
                    if count >= 3 || c == 'K' {
                        if input.get(at) != Some(&':') {
                            return None;
                        }
                        at += 1;
                        minutes = digits(&mut at, 2, 2)?.1;
                    }
                    offset = Some(sign * (hours * 60 + minutes));
                }
            }
            '\'' | '"' => {
                let end = pattern[i + 1..].iter().position(|p| *p == c)? + i + 1;
                for literal in &pattern[i + 1..end] {
                    if input.get(at) != Some(literal) {
                        return None;
                    }
                    at += 1;
                }
                i = end + 1;
                continue;
            }
            '\\' => {
                let literal = pattern.get(i + 1)?;
                if input.get(at) != Some(literal) {
                    return None;
                }
                at += 1;
                i += 2;
                continue;
            }
            other => {
                for _ in 0..count {
                    if input.get(at) != Some(&other) {
                        return None;
                    }
                    at += 1;
                }
            }
        }
        i += count;
    }
    if at != input.len() {
        return None;
    }
    if twelve_hour || pm.is_some() {
        if !(1..=12).contains(&hour) && twelve_hour {
            return None;
        }
        hour = match pm {
            Some(true) if hour < 12 => hour + 12,
            Some(false) if hour == 12 => 0,
            _ => hour,
        };
    }
    let today = Utc::now().date_naive();
    let date = match (year, month, day) {
        (None, None, None) => today,
        (y, m, d) => NaiveDate::from_ymd_opt(
            i32::try_from(y.unwrap_or(i64::from(today.year()))).ok()?,
            m.unwrap_or(1),
            d.unwrap_or(1),
        )?,
    };
    let local = date.and_hms_nano_opt(hour, minute, second, nanos)?.and_utc();
    let utc = local - chrono::Duration::minutes(offset.unwrap_or(0));
    Some((utc, offset))
}

/// `DateTime.ToString(format)` with the en-US culture: a standard format letter or a custom
/// pattern. An empty format is `G`.
pub fn format(t: &DateTime<Utc>, format: &str) -> String {
    let pattern = if format.is_empty() { "M/d/yyyy h:mm:ss tt" } else { standard_pattern(format).unwrap_or(format) };
    custom(t, pattern, None)
}

/// `DateTimeOffset.ToString(format)`: `local` is the clock time at the offset
/// (`offset_minutes`), which `z`, `zz`, `zzz` and `K` write. An empty format is
/// `M/d/yyyy h:mm:ss tt zzz`.
pub fn format_with_offset(local: &DateTime<Utc>, offset_minutes: i64, format: &str) -> String {
    let pattern =
        if format.is_empty() { "M/d/yyyy h:mm:ss tt zzz" } else { standard_pattern(format).unwrap_or(format) };
    custom(local, pattern, Some(offset_minutes))
}

fn pad(n: i64, width: usize) -> String {
    if n < 0 { format!("-{:0width$}", -n) } else { format!("{n:0width$}") }
}

fn custom(t: &DateTime<Utc>, pattern: &str, offset: Option<i64>) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let hour12 = |h: u32| if h.is_multiple_of(12) { 12 } else { h % 12 };
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' || c == '"' {
            let literal: String = chars[i + 1..].iter().take_while(|x| **x != c).collect();
            out.push_str(&literal);
            i += literal.chars().count() + 2;
            continue;
        }
        if c == '\\' {
            if let Some(next) = chars.get(i + 1) {
                out.push(*next);
            }
            i += 2;
            continue;
        }
        if c == '%' {
            // `%h`: a single-letter custom specifier.
            i += 1;
            continue;
        }
        let run = chars[i..].iter().take_while(|x| **x == c).count();
        let piece = match (c, run) {
            ('y', 1) => (t.year() % 100).to_string(),
            ('y', 2) => pad(i64::from(t.year() % 100), 2),
            ('y', n) => pad(i64::from(t.year()), n),
            ('M', 1) => t.month().to_string(),
            ('M', 2) => pad(i64::from(t.month()), 2),
            ('M', 3) => MONTHS[t.month0() as usize][..3].to_string(),
            ('M', _) => MONTHS[t.month0() as usize].to_string(),
            ('d', 1) => t.day().to_string(),
            ('d', 2) => pad(i64::from(t.day()), 2),
            ('d', 3) => DAYS[t.weekday().num_days_from_sunday() as usize][..3].to_string(),
            ('d', _) => DAYS[t.weekday().num_days_from_sunday() as usize].to_string(),
            ('H', 1) => t.hour().to_string(),
            ('H', _) => pad(i64::from(t.hour()), 2),
            ('h', 1) => hour12(t.hour()).to_string(),
            ('h', _) => pad(i64::from(hour12(t.hour())), 2),
            ('m', 1) => t.minute().to_string(),
            ('m', _) => pad(i64::from(t.minute()), 2),
            ('s', 1) => t.second().to_string(),
            ('s', _) => pad(i64::from(t.second()), 2),
            ('f', n) => format!("{:09}", t.nanosecond())[..n.min(7)].to_string(),
            ('F', n) => {
                let digits = format!("{:09}", t.nanosecond())[..n.min(7)].trim_end_matches('0').to_string();
                if digits.is_empty() && out.ends_with('.') {
                    out.pop();
                }
                digits
            }
            ('t', 1) => (if t.hour() < 12 { "A" } else { "P" }).to_string(),
            ('t', _) => (if t.hour() < 12 { "AM" } else { "PM" }).to_string(),
            ('z', n) => {
                let minutes = offset.unwrap_or(0);
                let sign = if minutes < 0 { '-' } else { '+' };
                let (h, m) = (minutes.abs() / 60, minutes.abs() % 60);
                match n {
                    1 => format!("{sign}{h}"),
                    2 => format!("{sign}{h:02}"),
                    _ => format!("{sign}{h:02}:{m:02}"),
                }
            }
            ('K', _) => match offset {
                None => "Z".to_string(),
                Some(minutes) => {
                    let sign = if minutes < 0 { '-' } else { '+' };
                    format!("{sign}{:02}:{:02}", minutes.abs() / 60, minutes.abs() % 60)
                }
            },
            ('g', _) => "A.D.".to_string(),
            (other, n) => other.to_string().repeat(n),
        };
        out.push_str(&piece);
        i += run;
    }
    out
}

/// ISO 8601 week-numbering year and week.
fn iso_week(t: &DateTime<Utc>) -> (i32, u32) {
    let w = t.iso_week();
    (w.year(), w.week())
}

/// `Get-Date -UFormat`: strftime-like specifiers as PowerShell defines them (`%Y-%m-%d`,
/// `%s` for Unix seconds, `%V` the ISO week, `%u` Monday=1…Sunday=7). A leading `+` is
/// dropped; an unknown specifier writes its letter.
pub fn uformat(t: &DateTime<Utc>, format: &str) -> String {
    let mut out = String::new();
    let mut chars = format.strip_prefix('+').unwrap_or(format).chars();
    let day_of_week = t.weekday().num_days_from_sunday();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(spec) = chars.next() else { break };
        let piece = match spec {
            'A' => custom(t, "dddd", None),
            'a' => custom(t, "ddd", None),
            'B' => custom(t, "MMMM", None),
            'b' | 'h' => custom(t, "MMM", None),
            'C' => (t.year() / 100).to_string(),
            'c' => custom(t, "ddd dd MMM yyyy HH:mm:ss", None),
            'D' | 'x' => custom(t, "MM/dd/yy", None),
            'd' => custom(t, "dd", None),
            'e' => format!("{:>2}", t.day()),
            'F' => custom(t, "yyyy-MM-dd", None),
            'G' => format!("{:04}", iso_week(t).0),
            'g' => format!("{:02}", iso_week(t).0.rem_euclid(100)),
            'H' => custom(t, "HH", None),
            'I' => custom(t, "hh", None),
            'j' => format!("{:03}", t.ordinal()),
            'k' => format!("{:>2}", t.hour()),
            'l' => format!("{:>2}", if t.hour().is_multiple_of(12) { 12 } else { t.hour() % 12 }),
            'M' => custom(t, "mm", None),
            'm' => custom(t, "MM", None),
            'n' => "\n".to_string(),
            'p' => custom(t, "tt", None),
            'R' => custom(t, "HH:mm", None),
            'r' => custom(t, "hh:mm:ss tt", None),
            'S' => custom(t, "ss", None),
            's' => t.timestamp().to_string(),
            'T' | 'X' => custom(t, "HH:mm:ss", None),
            't' => "\t".to_string(),
            'U' => {
                let first = NaiveDate::from_ymd_opt(t.year(), 1, 1).map_or(0, |d| d.weekday().num_days_from_sunday());
                let offset = (first + 6) % 7;
                ((offset + t.ordinal() - day_of_week) / 7).to_string()
            }
            'u' => (if t.weekday() == Weekday::Sun { 7 } else { day_of_week }).to_string(),
            'V' => format!("{:02}", iso_week(t).1),
            'W' => (t.ordinal() / 7).to_string(),
            'w' => day_of_week.to_string(),
            'Y' => custom(t, "yyyy", None),
            'y' => custom(t, "yy", None),
            'Z' => "+00".to_string(),
            other => other.to_string(),
        };
        out.push_str(&piece);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        parse(text).unwrap_or_else(|| panic!("{text} parses"))
    }

    #[test]
    fn parses_as_dotnet_does() {
        let iso = |t: &str| parse(t).map(|d| format(&d, "yyyy-MM-dd HH:mm:ss.fffffff"));
        assert_eq!(iso("2026-11-22").as_deref(), Some("2026-11-22 00:00:00.0000000"));
        assert_eq!(iso("2030-4-5 1:2:3.09").as_deref(), Some("2030-04-05 01:02:03.0900000"));
        assert_eq!(iso("0030-01-01T01:02:03.0004z").as_deref(), Some("0030-01-01 01:02:03.0004000"));
        assert_eq!(iso("Jan 1, 2020").as_deref(), Some("2020-01-01 00:00:00.0000000"));
        assert_eq!(iso("1 January 2020").as_deref(), Some("2020-01-01 00:00:00.0000000"));
        assert_eq!(iso("1/1/0030").as_deref(), Some("0030-01-01 00:00:00.0000000"));
        assert_eq!(iso("11/22/26 4:05 PM").as_deref(), Some("2026-11-22 16:05:00.0000000"));
        assert_eq!(iso("Sunday, November 22, 2026 4:05:09 PM").as_deref(), Some("2026-11-22 16:05:09.0000000"));
        assert_eq!(iso("2026-11-22T16:05:09+02:00").as_deref(), Some("2026-11-22 14:05:09.0000000"));
        assert_eq!(parse("not a date"), None);
        assert_eq!(parse("13/45/2020"), None);
        assert_eq!(parse(""), None);
        assert_eq!(parse("12:00 XM"), None);
    }

    #[test]
    fn formats_as_dotnet_does() {
        let t = at("2030-04-05 01:02:03.09");
        assert_eq!(format(&t, "d"), "4/5/2030");
        assert_eq!(format(&t, "D"), "Friday, April 5, 2030");
        assert_eq!(format(&t, "F"), "Friday, April 5, 2030 1:02:03 AM");
        assert_eq!(format(&t, "o"), "2030-04-05T01:02:03.0900000Z");
        assert_eq!(format(&t, "s"), "2030-04-05T01:02:03");
        assert_eq!(format(&t, "yyyyMMddTHHmmssffff"), "20300405T0102030900");
        assert_eq!(format(&t, "MMM-dd-yy"), "Apr-05-30");
        assert_eq!(format(&t, "HH:mm:ss.FFF"), "01:02:03.09");
        assert_eq!(format(&at("2020-01-01"), "HH:mm:ss.FFF"), "00:00:00");
        assert_eq!(format(&t, "'Week of' MMMM"), "Week of April");
    }

    #[test]
    fn uformat_follows_powershell() {
        let t = at("1/1/0030");
        assert_eq!(
            uformat(&t, "%a%A%b%B%c%C%d%D%e%h%H%I%k%l%j%m%M%p%r"),
            "TueTuesdayJanJanuaryTue 01 Jan 0030 00:00:0000101/01/30 1Jan0012 0120010100AM12:00:00 AM"
        );
        assert_eq!(uformat(&t, "%S%T%u%U%w%W%x%X%y%Y%%"), "0000:00:00202001/01/3000:00:00300030%");
        assert_eq!(uformat(&at("1998-01-02"), "%V"), "01");
        assert_eq!(uformat(&at("2030-04-05 01:02:03"), "%U"), "13");
        assert_eq!(uformat(&at("1970-01-02"), "%s"), "86400");
        assert_eq!(uformat(&at("2008-12-29"), "%G"), "2009");
    }

    #[test]
    fn parse_exact_reads_only_what_the_format_says() {
        let at = |text: &str, format: &str| parse_exact(text, format).map(|(t, o)| (t.to_rfc3339(), o));
        assert_eq!(at("20261129", "yyyyMMdd"), Some(("2026-11-29T00:00:00+00:00".into(), None)));
        assert_eq!(at("29/11/2026 14:05", "dd/MM/yyyy HH:mm"), Some(("2026-11-29T14:05:00+00:00".into(), None)));
        assert_eq!(at("Nov 29, 2026 2:05 PM", "MMM d, yyyy h:mm tt"), Some(("2026-11-29T14:05:00+00:00".into(), None)));
        assert_eq!(
            at("2026-11-29T08:00:00+02:00", "yyyy-MM-ddTHH:mm:sszzz"),
            Some(("2026-11-29T06:00:00+00:00".into(), Some(120)))
        );
        assert_eq!(at("2026-11-29 08:00:00Z", "u"), Some(("2026-11-29T08:00:00+00:00".into(), None)));
        assert_eq!(at("E00-20261129.log", "'E00-'yyyyMMdd'.log'"), Some(("2026-11-29T00:00:00+00:00".into(), None)));
        for (text, format) in
            [("2026-11-29", "yyyyMMdd"), ("20261329", "yyyyMMdd"), ("29/11/2026", "dd/MM/yyyy HH:mm"), ("", "yyyy")]
        {
            assert_eq!(at(text, format), None, "{text} as {format}");
        }
    }
}
