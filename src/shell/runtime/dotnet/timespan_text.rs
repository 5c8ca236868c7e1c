//! TimeSpan as text: `TimeSpan.ToString(format)` and `{0:format}` for a TimeSpan, in .NET's
//! standard formats (`c`, `g`, `G`) and its custom ones (`hh\:mm\:ss`, `d\.hh`, `%m`,
//! `'literal'`), where every character that is not a specifier must be escaped or quoted.
//!
//! Owns: [`format`]. Must not: parse spans (that is `TimeSpan::parse`).

use crate::shell::value::TimeSpan;

const TICKS_PER_SECOND: u64 = TimeSpan::TICKS_PER_SECOND as u64;

/// The parts of a span's absolute value.
struct Parts {
    negative: bool,
    days: u64,
    hours: u64,
    minutes: u64,
    seconds: u64,
    /// Ticks under a second (seven digits of fraction).
    fraction: u64,
}

fn parts(span: TimeSpan) -> Parts {
    let ticks = span.ticks.unsigned_abs();
    let total_seconds = ticks / TICKS_PER_SECOND;
    Parts {
        negative: span.ticks < 0,
        days: total_seconds / 86_400,
        hours: total_seconds / 3_600 % 24,
        minutes: total_seconds / 60 % 60,
        seconds: total_seconds % 60,
        fraction: ticks % TICKS_PER_SECOND,
    }
}

/// `span` written in `format`, or `None` where .NET throws a FormatException (an unknown
/// standard format, an unescaped character, too many of one specifier).
pub fn format(span: TimeSpan, format: &str) -> Option<String> {
    let p = parts(span);
    let sign = if p.negative { "-" } else { "" };
    match format {
        "" | "c" | "t" | "T" => {
            let days = if p.days > 0 { format!("{}.", p.days) } else { String::new() };
            let fraction = if p.fraction > 0 { format!(".{:07}", p.fraction) } else { String::new() };
            Some(format!("{sign}{days}{:02}:{:02}:{:02}{fraction}", p.hours, p.minutes, p.seconds))
        }
        "g" => {
            let days = if p.days > 0 { format!("{}:", p.days) } else { String::new() };
            let fraction = trimmed_fraction(p.fraction, 7).map(|f| format!(".{f}")).unwrap_or_default();
            Some(format!("{sign}{days}{}:{:02}:{:02}{fraction}", p.hours, p.minutes, p.seconds))
        }
        "G" => Some(format!("{sign}{}:{:02}:{:02}:{:02}.{:07}", p.days, p.hours, p.minutes, p.seconds, p.fraction)),
        one if one.chars().count() == 1 => None,
        custom => custom_format(&p, custom),
    }
}

/// The first `digits` digits of the fraction with trailing zeros dropped; `None` when nothing
/// is left (the `F` specifier then writes nothing).
fn trimmed_fraction(fraction: u64, digits: u32) -> Option<String> {
    let shown = format!("{:07}", fraction);
    let cut = shown[..digits as usize].trim_end_matches('0');
    (!cut.is_empty()).then(|| cut.to_string())
}

fn custom_format(p: &Parts, format: &str) -> Option<String> {
    let chars: Vec<char> = format.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let run = chars[i..].iter().take_while(|x| **x == c).count();
        match c {
            'd' if run <= 8 => out.push_str(&format!("{:0width$}", p.days, width = run)),
            'h' if run <= 2 => out.push_str(&format!("{:0width$}", p.hours, width = run)),
            'm' if run <= 2 => out.push_str(&format!("{:0width$}", p.minutes, width = run)),
            's' if run <= 2 => out.push_str(&format!("{:0width$}", p.seconds, width = run)),
            'f' if run <= 7 => out.push_str(&format!("{:07}", p.fraction)[..run]),
            'F' if run <= 7 => out.push_str(&trimmed_fraction(p.fraction, run as u32).unwrap_or_default()),
            '\\' => {
                out.push(*chars.get(i + 1)?);
                i += 2;
                continue;
            }
            '\'' | '"' => {
                let end = chars[i + 1..].iter().position(|x| *x == c)?;
                out.extend(&chars[i + 1..i + 1 + end]);
                i += end + 2;
                continue;
            }
            // `%h`: one specifier standing alone.
            '%' if i + 1 < chars.len() && chars[i + 1] != '%' => {
                i += 1;
                continue;
            }
            _ => return None,
        }
        i += run;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(days: i64, hours: i64, minutes: i64, seconds: i64, ticks: i64) -> TimeSpan {
        TimeSpan { ticks: (((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 10_000_000 + ticks }
    }

    #[test]
    fn standard_formats_write_as_dotnet_does() {
        let s = span(1, 2, 3, 4, 5_000_000);
        assert_eq!(format(s, "c").as_deref(), Some("1.02:03:04.5000000"));
        assert_eq!(format(s, "g").as_deref(), Some("1:2:03:04.5"));
        assert_eq!(format(s, "G").as_deref(), Some("1:02:03:04.5000000"));
        assert_eq!(format(span(0, 2, 0, 0, 0), "").as_deref(), Some("02:00:00"));
        assert_eq!(format(TimeSpan { ticks: -600_000_000 }, "c").as_deref(), Some("-00:01:00"));
        assert_eq!(format(s, "x"), None, "an unknown standard format is a FormatException");
    }

    #[test]
    fn custom_formats_take_specifiers_escapes_and_quoted_text() {
        let s = span(3, 2, 3, 4, 1_230_000);
        assert_eq!(format(s, r"hh\:mm").as_deref(), Some("02:03"));
        assert_eq!(format(s, r"d\.hh\:mm\:ss\.fff").as_deref(), Some("3.02:03:04.123"));
        assert_eq!(format(s, "dd'd 'h'h'").as_deref(), Some("03d 2h"));
        assert_eq!(format(s, "%m").as_deref(), Some("3"));
        assert_eq!(format(s, r"ss\.FFFFF").as_deref(), Some("04.123"));
        assert_eq!(format(span(0, 0, 0, 4, 0), r"ss\.FF").as_deref(), Some("04."), "F writes nothing for zero");
        assert_eq!(format(s, "hh:mm"), None, "an unescaped ':' is a FormatException");
        assert_eq!(format(s, "hhh"), None);
        assert_eq!(format(s, r"hh\"), None, "a trailing escape");
    }
}
