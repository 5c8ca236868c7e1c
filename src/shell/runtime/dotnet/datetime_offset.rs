//! `[System.DateTimeOffset]`: a point in time with the offset it was written at. `Now` and
//! `UtcNow` (the shell's clock is UTC, so both have offset `00:00:00`), `Parse` (keeps the
//! offset the text names), `FromUnixTimeSeconds`, constructors (a DateTime; y, m, d, h, mi, s
//! and a TimeSpan offset), casts from text and DateTime; the properties (`DateTime`,
//! `UtcDateTime`, `LocalDateTime`, `Offset`, `Year`…`Millisecond`, `DayOfWeek`, `DayOfYear`,
//! `Date`, `Ticks`, `UtcTicks`), `ToString(fmt)` with `zzz`/`K` writing the offset, and
//! arithmetic as methods (`AddDays`…, `Add`, `Subtract`, `ToOffset`, `ToUniversalTime`,
//! `ToUnixTimeSeconds`). Two values compare and are equal by their instant.
//!
//! Owns: the DateTimeOffset type and its values.
//!
//! Must not: read the system time zone (the shell's clock is UTC).

use std::any::Any;
use std::cmp::Ordering;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};

use crate::shell::error_record::ErrorRecord;
use crate::shell::runtime::object::{Member, NetObject, ObjectRef, method_threw, overload_not_found};
use crate::shell::runtime::types::NetType;
use crate::shell::value::{TimeSpan, Value};

use super::date_text::{format_with_offset, parse_with_offset};
use super::{arg_f64, arg_i64, arg_text};

/// The days as .NET's DayOfWeek names them, Sunday first.
const DAYS: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const TYPE: &str = "System.DateTimeOffset";
/// .NET ticks from 0001-01-01 to 1970-01-01.
const UNIX_EPOCH_TICKS: i64 = 621_355_968_000_000_000;
/// .NET's limit on an offset: 14 hours.
const MAX_OFFSET_MINUTES: i64 = 14 * 60;

/// An instant and the offset (minutes east of UTC) it is shown at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTimeOffset {
    utc: DateTime<Utc>,
    offset: i64,
}

impl DateTimeOffset {
    fn value(utc: DateTime<Utc>, offset: i64) -> Value {
        Value::Object(ObjectRef::new(DateTimeOffset { utc, offset }))
    }

    /// The clock time at the offset.
    fn local(&self) -> DateTime<Utc> {
        self.utc + Duration::minutes(self.offset)
    }

    fn ticks_of(t: &DateTime<Utc>) -> i64 {
        UNIX_EPOCH_TICKS + t.timestamp() * 10_000_000 + i64::from(t.timestamp_subsec_nanos() / 100)
    }

    fn shifted(&self, by: Duration, method: &str, count: usize) -> Result<Value, ErrorRecord> {
        self.utc
            .checked_add_signed(by)
            .map(|utc| DateTimeOffset::value(utc, self.offset))
            .ok_or_else(|| un_representable(method, count))
    }
}

fn un_representable(method: &str, count: usize) -> ErrorRecord {
    method_threw(method, count, "The added or subtracted value results in an un-representable DateTime.")
        .exception("System.ArgumentOutOfRangeException")
}

/// An offset given as a TimeSpan, checked as .NET checks it (whole minutes, ±14 hours).
fn offset_of(value: &Value, method: &str, count: usize) -> Result<i64, ErrorRecord> {
    let ticks = match value {
        Value::TimeSpan(t) => t.ticks,
        other => match crate::shell::eval::convert::cast("timespan", other) {
            Ok(Value::TimeSpan(t)) => t.ticks,
            _ => return Err(overload_not_found(method, count)),
        },
    };
    let per_minute = 600_000_000;
    if ticks % per_minute != 0 || (ticks / per_minute).abs() > MAX_OFFSET_MINUTES {
        return Err(method_threw(
            method,
            count,
            "Offset must be specified in whole minutes and be within 14 hours of UTC. (Parameter 'offset')",
        )
        .exception("System.ArgumentException"));
    }
    Ok(ticks / per_minute)
}

fn parse(text: &str, method: &str, count: usize) -> Result<Value, ErrorRecord> {
    match parse_with_offset(text) {
        Some((utc, offset)) => Ok(DateTimeOffset::value(utc, offset.unwrap_or(0))),
        None => Err(method_threw(method, count, &format!("String '{text}' was not recognized as a valid DateTime."))
            .exception("System.FormatException")
            .with_hint("Write a date as 2026-11-30, 2026-11-30T08:00:00+02:00 or 11/30/2026 8:00 AM.")),
    }
}

impl NetObject for DateTimeOffset {
    fn type_name(&self) -> String {
        TYPE.into()
    }

    fn type_names(&self) -> Vec<String> {
        vec![TYPE.into(), "System.ValueType".into(), "System.Object".into()]
    }

    fn members(&self) -> Vec<Member> {
        let mut members: Vec<Member> = [
            ("DateTime", "datetime"),
            ("UtcDateTime", "datetime"),
            ("LocalDateTime", "datetime"),
            ("Date", "datetime"),
            ("Offset", "timespan"),
            ("Year", "int"),
            ("Month", "int"),
            ("Day", "int"),
            ("Hour", "int"),
            ("Minute", "int"),
            ("Second", "int"),
            ("Millisecond", "int"),
            ("DayOfWeek", "System.DayOfWeek"),
            ("DayOfYear", "int"),
            ("Ticks", "long"),
            ("UtcTicks", "long"),
        ]
        .into_iter()
        .map(|(n, t)| Member::property(n, t))
        .collect();
        for (name, signature) in [
            ("AddDays", "System.DateTimeOffset AddDays(double days)"),
            ("AddHours", "System.DateTimeOffset AddHours(double hours)"),
            ("AddMinutes", "System.DateTimeOffset AddMinutes(double minutes)"),
            ("AddSeconds", "System.DateTimeOffset AddSeconds(double seconds)"),
            ("AddMilliseconds", "System.DateTimeOffset AddMilliseconds(double milliseconds)"),
            ("Add", "System.DateTimeOffset Add(timespan timeSpan)"),
            (
                "Subtract",
                "timespan Subtract(System.DateTimeOffset value), System.DateTimeOffset Subtract(timespan value)",
            ),
            ("ToOffset", "System.DateTimeOffset ToOffset(timespan offset)"),
            ("ToUniversalTime", "System.DateTimeOffset ToUniversalTime()"),
            ("ToLocalTime", "System.DateTimeOffset ToLocalTime()"),
            ("ToUnixTimeSeconds", "long ToUnixTimeSeconds()"),
            ("ToUnixTimeMilliseconds", "long ToUnixTimeMilliseconds()"),
            ("ToString", "string ToString(), string ToString(string format)"),
        ] {
            members.push(Member::method(name, signature));
        }
        members
    }

    fn property(&self, name: &str) -> Option<Value> {
        let local = self.local();
        Some(match name.to_ascii_lowercase().as_str() {
            "datetime" => Value::DateTime(local),
            "utcdatetime" | "localdatetime" => Value::DateTime(self.utc),
            "date" => Value::DateTime(local.date_naive().and_hms_opt(0, 0, 0)?.and_utc()),
            "offset" => Value::TimeSpan(TimeSpan { ticks: self.offset * 600_000_000 }),
            "year" => Value::Int(i64::from(local.year())),
            "month" => Value::Int(i64::from(local.month())),
            "day" => Value::Int(i64::from(local.day())),
            "hour" => Value::Int(i64::from(local.hour())),
            "minute" => Value::Int(i64::from(local.minute())),
            "second" => Value::Int(i64::from(local.second())),
            "millisecond" => Value::Int(i64::from(local.timestamp_subsec_millis())),
            "dayofweek" => Value::from(DAYS[local.weekday().num_days_from_sunday() as usize]),
            "dayofyear" => Value::Int(i64::from(local.ordinal())),
            "ticks" => Value::Int(DateTimeOffset::ticks_of(&local)),
            "utcticks" => Value::Int(DateTimeOffset::ticks_of(&self.utc)),
            _ => return None,
        })
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let lower = name.to_ascii_lowercase();
        let count = args.len();
        let by = |unit_ms: f64| -> Result<Value, ErrorRecord> {
            let n = arg_f64(args, 0, name)?;
            let ms = n * unit_ms;
            if !ms.is_finite() || ms.abs() > 3.2e14 {
                return Err(un_representable(name, count));
            }
            self.shifted(Duration::microseconds((ms * 1000.0).round() as i64), name, count)
        };
        let result = match (lower.as_str(), count) {
            ("adddays", 1) => by(86_400_000.0),
            ("addhours", 1) => by(3_600_000.0),
            ("addminutes", 1) => by(60_000.0),
            ("addseconds", 1) => by(1000.0),
            ("addmilliseconds", 1) => by(1.0),
            ("add" | "op_addition", 1) => match &args[0] {
                Value::TimeSpan(t) => self.shifted(Duration::microseconds(t.ticks / 10), name, count),
                _ => Err(overload_not_found(name, count)),
            },
            ("subtract" | "op_subtraction", 1) => match &args[0] {
                Value::TimeSpan(t) => self.shifted(Duration::microseconds(-(t.ticks / 10)), name, count),
                Value::Object(o) => match o.downcast::<DateTimeOffset>() {
                    Some(other) => Ok(Value::TimeSpan(TimeSpan {
                        ticks: DateTimeOffset::ticks_of(&self.utc) - DateTimeOffset::ticks_of(&other.utc),
                    })),
                    None => Err(overload_not_found(name, count)),
                },
                Value::DateTime(t) => Ok(Value::TimeSpan(TimeSpan {
                    ticks: DateTimeOffset::ticks_of(&self.utc) - DateTimeOffset::ticks_of(t),
                })),
                _ => Err(overload_not_found(name, count)),
            },
            ("tooffset", 1) => offset_of(&args[0], name, count).map(|o| DateTimeOffset::value(self.utc, o)),
            ("touniversaltime" | "tolocaltime", 0) => Ok(DateTimeOffset::value(self.utc, 0)),
            ("tounixtimeseconds", 0) => Ok(Value::Int(self.utc.timestamp())),
            ("tounixtimemilliseconds", 0) => Ok(Value::Int(self.utc.timestamp_millis())),
            ("tostring", 0 | 1) => {
                Ok(Value::String(format_with_offset(&self.local(), self.offset, &arg_text(args, 0))))
            }
            (
                "adddays"
                | "addhours"
                | "addminutes"
                | "addseconds"
                | "addmilliseconds"
                | "add"
                | "subtract"
                | "tooffset"
                | "touniversaltime"
                | "tolocaltime"
                | "tounixtimeseconds"
                | "tounixtimemilliseconds"
                | "tostring",
                n,
            ) => Err(overload_not_found(name, n)),
            _ => return None,
        };
        Some(result)
    }

    fn to_text(&self) -> String {
        format_with_offset(&self.local(), self.offset, "")
    }

    fn to_text_formatted(&self, format: &str) -> Option<String> {
        Some(format_with_offset(&self.local(), self.offset, format))
    }

    fn compare(&self, other: &Value) -> Option<Ordering> {
        match other {
            Value::Object(o) => o.downcast::<DateTimeOffset>().map(|d| self.utc.cmp(&d.utc)),
            Value::DateTime(t) => Some(self.utc.cmp(t)),
            _ => None,
        }
    }

    fn equals(&self, other: &Value) -> bool {
        self.compare(other) == Some(Ordering::Equal)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

pub struct DateTimeOffsetType;
pub static DATETIME_OFFSET: DateTimeOffsetType = DateTimeOffsetType;

impl NetType for DateTimeOffsetType {
    fn full_name(&self) -> &'static str {
        TYPE
    }

    fn static_property(&self, name: &str) -> Option<Value> {
        match name.to_ascii_lowercase().as_str() {
            "now" | "utcnow" => Some(DateTimeOffset::value(Utc::now(), 0)),
            _ => None,
        }
    }

    fn static_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let lower = name.to_ascii_lowercase();
        let count = args.len();
        let result = match (lower.as_str(), count) {
            ("parse", 1) => parse(&arg_text(args, 0), name, count),
            ("fromunixtimeseconds", 1) => arg_i64(args, 0, name).and_then(|s| {
                DateTime::from_timestamp(s, 0).map(|utc| DateTimeOffset::value(utc, 0)).ok_or_else(|| {
                    method_threw(
                        name,
                        count,
                        "Valid values are between -62135596800 and 253402300799, inclusive. (Parameter 'seconds')",
                    )
                    .exception("System.ArgumentOutOfRangeException")
                })
            }),
            ("parseexact", _) => {
                super::parse_exact_args(args, name).map(|(utc, offset)| DateTimeOffset::value(utc, offset.unwrap_or(0)))
            }
            ("parse" | "fromunixtimeseconds", n) => Err(overload_not_found(name, n)),
            _ => return None,
        };
        Some(result)
    }

    fn construct(&self, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let count = args.len();
        Some(match args {
            [Value::DateTime(t)] => Ok(DateTimeOffset::value(*t, 0)),
            [Value::DateTime(t), offset] => offset_of(offset, "new", count).map(|o| {
                // The DateTime is the clock time at that offset.
                DateTimeOffset::value(*t - Duration::minutes(o), o)
            }),
            [_, _, _, _, _, _, offset] => (|| {
                let n = |i: usize| arg_i64(args, i, "new");
                let o = offset_of(offset, "new", count)?;
                let invalid = || {
                    method_threw("new", count, "Year, Month, and Day parameters describe an un-representable DateTime.")
                        .exception("System.ArgumentOutOfRangeException")
                };
                let date = NaiveDate::from_ymd_opt(
                    i32::try_from(n(0)?).map_err(|_| invalid())?,
                    u32::try_from(n(1)?).map_err(|_| invalid())?,
                    u32::try_from(n(2)?).map_err(|_| invalid())?,
                )
                .ok_or_else(invalid)?;
                let local = date
                    .and_hms_opt(
                        u32::try_from(n(3)?).map_err(|_| invalid())?,
                        u32::try_from(n(4)?).map_err(|_| invalid())?,
                        u32::try_from(n(5)?).map_err(|_| invalid())?,
                    )
                    .ok_or_else(invalid)?
                    .and_utc();
                Ok(DateTimeOffset::value(local - Duration::minutes(o), o))
            })(),
            _ => Err(overload_not_found("new", count)),
        })
    }

    fn convert(&self, value: &Value) -> Option<Result<Value, ErrorRecord>> {
        match value {
            Value::DateTime(t) => Some(Ok(DateTimeOffset::value(*t, 0))),
            Value::String(text) => Some(parse(text, "Parse", 1).map_err(|_| {
                ErrorRecord::new(
                    "InvalidCastParseTargetInvocation",
                    "InvalidArgument",
                    format!("Cannot convert value \"{text}\" to type \"System.DateTimeOffset\". Error: \"String '{text}' was not recognized as a valid DateTime.\""),
                )
                .exception("System.Management.Automation.PSInvalidCastException")
            })),
            Value::Object(o) if o.downcast::<DateTimeOffset>().is_some() => Some(Ok(value.clone())),
            _ => None,
        }
    }

    fn static_members(&self) -> Vec<Member> {
        vec![
            Member::property("Now", TYPE),
            Member::property("UtcNow", TYPE),
            Member::method("Parse", "static System.DateTimeOffset Parse(string input)"),
            Member::method(
                "ParseExact",
                "static System.DateTimeOffset ParseExact(string input, string format, System.IFormatProvider formatProvider)",
            ),
            Member::method("FromUnixTimeSeconds", "static System.DateTimeOffset FromUnixTimeSeconds(long seconds)"),
        ]
    }
}
