//! Dates and durations: `Get-Date` (parts, `-Format`, `-UFormat`, `-AsUTC`, Unix seconds),
//! `New-TimeSpan` and `Measure-Command`.
//!
//! Owns: those three cmdlets. The text forms of dates live in `runtime::dotnet`.
//!
//! Must not: print; the clock is read here only (`Utc::now`).

use chrono::{DateTime, Datelike, Duration, Months, Timelike, Utc};

use super::Context;
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::runtime::dotnet::{format_date, uformat};
use crate::shell::value::{TimeSpan, Value};

fn out_of_range(what: &str) -> ErrorRecord {
    ErrorRecord::new(
        "ArgumentOutOfRange",
        "InvalidArgument",
        format!("The {what} results in an un-representable DateTime."),
    )
    .exception("System.ArgumentOutOfRangeException")
}

/// `date` with one part replaced as Get-Date does: by adding the difference, so a day past
/// the month's end rolls over (`-Month 2 -Day 31` is in March) as in PowerShell.
fn with_part(date: DateTime<Utc>, part: &str, wanted: i64) -> Result<DateTime<Utc>, ErrorRecord> {
    let shifted = match part {
        "Year" => {
            let months = (wanted - i64::from(date.year())) * 12;
            shift_months(date, months)
        }
        "Month" => shift_months(date, wanted - i64::from(date.month())),
        "Day" => date.checked_add_signed(Duration::days(wanted - i64::from(date.day()))),
        "Hour" => date.checked_add_signed(Duration::hours(wanted - i64::from(date.hour()))),
        "Minute" => date.checked_add_signed(Duration::minutes(wanted - i64::from(date.minute()))),
        "Second" => date.checked_add_signed(Duration::seconds(wanted - i64::from(date.second()))),
        _ => {
            // Millisecond: set it and drop the ticks below it.
            let millis = i64::from(date.timestamp_subsec_millis());
            date.checked_add_signed(Duration::milliseconds(wanted - millis))
                .and_then(|d| d.with_nanosecond(d.timestamp_subsec_millis() * 1_000_000))
        }
    };
    shifted.filter(|d| (1..=9999).contains(&d.year())).ok_or_else(|| out_of_range(&format!("-{part} value")))
}

/// `AddMonths`: the day is kept, or the month's last day when the month is shorter.
pub fn shift_months(date: DateTime<Utc>, months: i64) -> Option<DateTime<Utc>> {
    let n = u32::try_from(months.unsigned_abs()).ok()?;
    if months >= 0 { date.checked_add_months(Months::new(n)) } else { date.checked_sub_months(Months::new(n)) }
}

pub fn get_date(call: &Invocation<'_>, _: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let mut date = match (call.get("Date"), call.get("UnixTimeSeconds")) {
        (Some(Value::DateTime(t)), _) => *t,
        (_, Some(Value::Int(seconds))) => {
            DateTime::from_timestamp(*seconds, 0).ok_or_else(|| out_of_range("-UnixTimeSeconds value"))?
        }
        _ => Utc::now(),
    };
    for part in ["Year", "Month", "Day", "Hour", "Minute", "Second", "Millisecond"] {
        if let Some(wanted) = call.int(part) {
            date = with_part(date, part, wanted)?;
        }
    }
    if let Some(format) = call.string("UFormat") {
        return Ok(vec![Value::String(uformat(&date, &format))]);
    }
    if let Some(format) = call.string("Format") {
        let pattern = match format.to_ascii_lowercase().as_str() {
            "filedate" => "yyyyMMdd",
            "filedateuniversal" => "yyyyMMddZ",
            "filedatetime" => "yyyyMMddTHHmmssffff",
            "filedatetimeuniversal" => "yyyyMMddTHHmmssffffZ",
            _ => format.as_str(),
        };
        return Ok(vec![Value::String(format_date(&date, pattern))]);
    }
    Ok(vec![Value::DateTime(date)])
}

pub fn new_timespan(call: &Invocation<'_>, _: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let overflow = || {
        ErrorRecord::new(
            "OverflowException",
            "InvalidOperation",
            "TimeSpan overflowed because the duration is too long.".into(),
        )
        .exception("System.OverflowException")
    };
    if call.parameter_set.eq_ignore_ascii_case("Time") {
        let part = |name: &str| i128::from(call.int(name).unwrap_or(0));
        let millis = part("Days") * 86_400_000
            + part("Hours") * 3_600_000
            + part("Minutes") * 60_000
            + part("Seconds") * 1000
            + part("Milliseconds");
        let ticks = i64::try_from(millis * 10_000).map_err(|_| overflow())?;
        return Ok(vec![Value::TimeSpan(TimeSpan { ticks })]);
    }
    let moment = |name: &str| match call.get(name) {
        Some(Value::DateTime(t)) => *t,
        _ => Utc::now(),
    };
    let (start, end) = (moment("Start"), moment("End"));
    let micros = (end - start).num_microseconds().ok_or_else(overflow)?;
    Ok(vec![Value::TimeSpan(TimeSpan { ticks: micros.checked_mul(10).ok_or_else(overflow)? })])
}

pub fn measure_command(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let Some(Value::ScriptBlock(block)) = call.get("Expression") else {
        return Err(ErrorRecord::new(
            "ParameterArgumentValidationErrorNullNotAllowed",
            "InvalidData",
            "Cannot bind argument to parameter 'Expression' because it is null.".into(),
        ));
    };
    let inputs: Vec<Option<Value>> = match call.get("InputObject") {
        Some(Value::Array(items)) => items.borrow().iter().cloned().map(Some).collect(),
        Some(Value::Null) | None => vec![None],
        Some(one) => vec![Some(one.clone())],
    };
    let started = std::time::Instant::now();
    for item in inputs {
        // The script's output is discarded, as Measure-Command does.
        cx.engine.invoke_block(block, item, Vec::new())?;
    }
    let ticks = i64::try_from(started.elapsed().as_nanos() / 100).unwrap_or(i64::MAX);
    Ok(vec![Value::TimeSpan(TimeSpan { ticks })])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_roll_over_as_powershell_does() {
        let d = crate::shell::runtime::dotnet::parse_date("2024-01-31 10:00").expect("date");
        let feb = with_part(d, "Month", 2).expect("shifted");
        assert_eq!((feb.month(), feb.day()), (2, 29), "AddMonths keeps the day or the month's last day");
        let ms = with_part(d, "Millisecond", 200).expect("shifted");
        assert_eq!(ms.timestamp_subsec_millis(), 200);
        assert!(with_part(d, "Year", 10_000).is_err());
    }
}
