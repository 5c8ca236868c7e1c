//! `[System.DateTime]` and `[System.TimeSpan]`'s static side: `Now`, `Today`, `Parse`,
//! `DaysInMonth`, `IsLeapYear`, constructors, `TimeSpan.From*`, `Zero`, `MaxValue`.
//!
//! Owns: the DateTime and TimeSpan types.
//!
//! Must not: format dates (that is `eval::convert::format_date`).

use chrono::{NaiveDate, Utc};

use crate::shell::error_record::ErrorRecord;
use crate::shell::eval::convert::{cast, cast_error, parse_date};
use crate::shell::runtime::object::{Member, method_threw, overload_not_found};
use crate::shell::runtime::types::NetType;
use crate::shell::value::{TimeSpan, Value};

use super::{arg_f64, arg_i64, arg_text};

pub struct DateTimeType;
pub static DATETIME: DateTimeType = DateTimeType;

fn overflow() -> ErrorRecord {
    ErrorRecord::new(
        "OverflowException",
        "InvalidOperation",
        "TimeSpan overflowed because the duration is too long.".into(),
    )
    .exception("System.OverflowException")
}

fn span(seconds: f64) -> Result<Value, ErrorRecord> {
    TimeSpan::from_seconds(seconds).map(Value::TimeSpan).ok_or_else(overflow)
}

fn days_in_month(year: i32, month: u32) -> Option<u32> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    Some((next - first).num_days() as u32)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// `new DateTime(y, m, d[, h, mi, s[, ms]])`.
fn new_date(args: &[Value]) -> Result<Value, ErrorRecord> {
    let n = |i: usize| arg_i64(args, i, "new");
    let parts: Vec<i64> = (0..args.len()).map(n).collect::<Result<_, _>>()?;
    let invalid =
        || method_threw("new", args.len(), "Year, Month, and Day parameters describe an un-representable DateTime.");
    let (y, mo, d, h, mi, s, ms) = match parts.as_slice() {
        [ticks] => {
            let micros = ticks / 10 - 62_135_596_800_000_000;
            return chrono::DateTime::from_timestamp_micros(micros).map(Value::DateTime).ok_or_else(invalid);
        }
        [y, mo, d] => (*y, *mo, *d, 0, 0, 0, 0),
        [y, mo, d, h, mi, s] => (*y, *mo, *d, *h, *mi, *s, 0),
        [y, mo, d, h, mi, s, ms] => (*y, *mo, *d, *h, *mi, *s, *ms),
        _ => return Err(overload_not_found("new", args.len())),
    };
    if !(1..=9999).contains(&y)
        || !(0..24).contains(&h)
        || !(0..60).contains(&mi)
        || !(0..60).contains(&s)
        || !(0..1000).contains(&ms)
    {
        return Err(method_threw(
            "new",
            args.len(),
            "Hour, Minute, and Second parameters describe an un-representable DateTime.",
        ));
    }
    let date = NaiveDate::from_ymd_opt(y as i32, u32::try_from(mo).unwrap_or(0), u32::try_from(d).unwrap_or(0))
        .ok_or_else(invalid)?;
    date.and_hms_milli_opt(h as u32, mi as u32, s as u32, ms as u32)
        .map(|t| Value::DateTime(t.and_utc()))
        .ok_or_else(invalid)
}

impl NetType for DateTimeType {
    fn full_name(&self) -> &'static str {
        "System.DateTime"
    }

    fn accelerators(&self) -> &'static [&'static str] {
        &["datetime"]
    }

    fn static_property(&self, name: &str) -> Option<Value> {
        let midnight = |t: chrono::DateTime<Utc>| t.date_naive().and_hms_opt(0, 0, 0).map_or(t, |d| d.and_utc());
        Some(match name.to_ascii_lowercase().as_str() {
            "now" | "utcnow" => Value::DateTime(Utc::now()),
            "today" => Value::DateTime(midnight(Utc::now())),
            "minvalue" => Value::DateTime(NaiveDate::from_ymd_opt(1, 1, 1)?.and_hms_opt(0, 0, 0)?.and_utc()),
            "maxvalue" => Value::DateTime(
                NaiveDate::from_ymd_opt(9999, 12, 31)?.and_hms_micro_opt(23, 59, 59, 999_999)?.and_utc(),
            ),
            "unixepoch" => Value::DateTime(chrono::DateTime::UNIX_EPOCH),
            _ => return None,
        })
    }

    fn static_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        Some(match name.to_ascii_lowercase().as_str() {
            "parse" => parse_date(&arg_text(args, 0)).map(Value::DateTime).ok_or_else(|| {
                method_threw(
                    name,
                    args.len(),
                    &format!("String '{}' was not recognized as a valid DateTime.", arg_text(args, 0)),
                )
            }),
            "parseexact" => super::parse_exact_args(args, name).map(|(utc, _)| Value::DateTime(utc)),
            "daysinmonth" => (|| {
                let (y, m) = (arg_i64(args, 0, name)?, arg_i64(args, 1, name)?);
                let days = i32::try_from(y).ok().zip(u32::try_from(m).ok()).and_then(|(y, m)| days_in_month(y, m));
                days.map(|d| Value::Int(i64::from(d)))
                    .ok_or_else(|| method_threw(name, 2, "Month must be between one and twelve. (Parameter 'month')"))
            })(),
            "isleapyear" => arg_i64(args, 0, name).map(|y| Value::Bool(is_leap(y))),
            "fromfiletime" | "fromfiletimeutc" => arg_i64(args, 0, name).and_then(|t| {
                chrono::DateTime::from_timestamp_micros(t / 10 - 11_644_473_600_000_000)
                    .map(Value::DateTime)
                    .ok_or_else(|| method_threw(name, 1, "Not a valid Win32 FileTime. (Parameter 'fileTime')"))
            }),
            "specifykind" => Ok(args.first().cloned().unwrap_or(Value::Null)),
            _ => return None,
        })
    }

    fn construct(&self, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        Some(new_date(args))
    }

    fn static_members(&self) -> Vec<Member> {
        vec![
            Member::method("DaysInMonth", "static int DaysInMonth(int year, int month)"),
            Member::method("IsLeapYear", "static bool IsLeapYear(int year)"),
            Member::method("Parse", "static datetime Parse(string s)"),
            Member::method(
                "ParseExact",
                "static datetime ParseExact(string s, string format, System.IFormatProvider provider), static datetime ParseExact(string s, string[] formats, System.IFormatProvider provider, System.Globalization.DateTimeStyles style)",
            ),
            Member::property("MaxValue", "static datetime MaxValue"),
            Member::property("MinValue", "static datetime MinValue"),
            Member::property("Now", "datetime Now {get;}"),
            Member::property("Today", "datetime Today {get;}"),
            Member::property("UtcNow", "datetime UtcNow {get;}"),
        ]
    }

    fn is_instance(&self, value: &Value) -> bool {
        matches!(value, Value::DateTime(_))
    }
}

pub struct TimeSpanType;
pub static TIMESPAN: TimeSpanType = TimeSpanType;

/// `new TimeSpan(ticks)`, `(h, m, s)`, `(d, h, m, s)`, `(d, h, m, s, ms)`.
fn new_span(args: &[Value]) -> Result<Value, ErrorRecord> {
    let parts: Vec<i64> = (0..args.len()).map(|i| arg_i64(args, i, "new")).collect::<Result<_, _>>()?;
    let (d, h, m, s, ms) = match parts.as_slice() {
        [ticks] => return Ok(Value::TimeSpan(TimeSpan { ticks: *ticks })),
        [h, m, s] => (0, *h, *m, *s, 0),
        [d, h, m, s] => (*d, *h, *m, *s, 0),
        [d, h, m, s, ms] => (*d, *h, *m, *s, *ms),
        _ => return Err(overload_not_found("new", args.len())),
    };
    let total_ms = i128::from(d) * 86_400_000
        + i128::from(h) * 3_600_000
        + i128::from(m) * 60_000
        + i128::from(s) * 1000
        + i128::from(ms);
    i64::try_from(total_ms * 10_000)
        .map(|ticks| Value::TimeSpan(TimeSpan { ticks }))
        .map_err(|_| method_threw("new", args.len(), "TimeSpan overflowed because the duration is too long."))
}

impl NetType for TimeSpanType {
    fn full_name(&self) -> &'static str {
        "System.TimeSpan"
    }

    fn accelerators(&self) -> &'static [&'static str] {
        &["timespan"]
    }

    fn static_property(&self, name: &str) -> Option<Value> {
        Some(match name.to_ascii_lowercase().as_str() {
            "zero" => Value::TimeSpan(TimeSpan::default()),
            "maxvalue" => Value::TimeSpan(TimeSpan { ticks: i64::MAX }),
            "minvalue" => Value::TimeSpan(TimeSpan { ticks: i64::MIN }),
            "tickspersecond" => Value::Int(TimeSpan::TICKS_PER_SECOND),
            "ticksperminute" => Value::Int(TimeSpan::TICKS_PER_SECOND * 60),
            "ticksperhour" => Value::Int(TimeSpan::TICKS_PER_SECOND * 3600),
            "ticksperday" => Value::Int(TimeSpan::TICKS_PER_SECOND * 86_400),
            "tickspermillisecond" => Value::Int(10_000),
            _ => return None,
        })
    }

    fn static_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let n = || arg_f64(args, 0, name);
        Some(match name.to_ascii_lowercase().as_str() {
            "parse" => cast("timespan", args.first().unwrap_or(&Value::Null)).map_err(|_| {
                method_threw(
                    name,
                    args.len(),
                    &format!("String '{}' was not recognized as a valid TimeSpan.", arg_text(args, 0)),
                )
            }),
            "fromdays" => n().and_then(|v| span(v * 86_400.0)),
            "fromhours" => n().and_then(|v| span(v * 3600.0)),
            "fromminutes" => n().and_then(|v| span(v * 60.0)),
            "fromseconds" => n().and_then(span),
            "frommilliseconds" => n().and_then(|v| span(v / 1000.0)),
            "fromticks" => arg_i64(args, 0, name).map(|ticks| Value::TimeSpan(TimeSpan { ticks })),
            _ => return None,
        })
    }

    fn construct(&self, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        Some(new_span(args))
    }

    fn convert(&self, value: &Value) -> Option<Result<Value, ErrorRecord>> {
        Some(cast("timespan", value).map_err(|_| cast_error(value, "System.TimeSpan", "Invalid cast.")))
    }

    fn static_members(&self) -> Vec<Member> {
        vec![
            Member::method("FromDays", "static timespan FromDays(double value)"),
            Member::method("FromHours", "static timespan FromHours(double value)"),
            Member::method("FromMilliseconds", "static timespan FromMilliseconds(double value)"),
            Member::method("FromMinutes", "static timespan FromMinutes(double value)"),
            Member::method("FromSeconds", "static timespan FromSeconds(double value)"),
            Member::method("Parse", "static timespan Parse(string s)"),
            Member::property("Zero", "static timespan Zero"),
        ]
    }

    fn is_instance(&self, value: &Value) -> bool {
        matches!(value, Value::TimeSpan(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_spans_construct_as_dotnet() {
        let d = DATETIME.construct(&[Value::Int(2007), Value::Int(6), Value::Int(14)]).and_then(Result::ok);
        assert_eq!(d.map(|d| d.to_display_string()).as_deref(), Some("6/14/2007 12:00:00 AM"));
        assert!(matches!(DATETIME.construct(&[Value::Int(2007), Value::Int(13), Value::Int(1)]), Some(Err(_))));
        let s = TIMESPAN.construct(&[Value::Int(0), Value::Int(0), Value::Int(30)]).and_then(Result::ok);
        assert_eq!(s.map(|s| s.to_display_string()).as_deref(), Some("00:00:30"));
        assert_eq!(DATETIME.static_method("DaysInMonth", &[Value::Int(2024), Value::Int(2)]), Some(Ok(Value::Int(29))));
        assert_eq!(DATETIME.static_method("IsLeapYear", &[Value::Int(1900)]), Some(Ok(Value::Bool(false))));
        let m = TIMESPAN.static_method("FromMinutes", &[Value::Int(90)]).and_then(Result::ok);
        assert_eq!(m.map(|m| m.to_display_string()).as_deref(), Some("01:30:00"));
    }
}
