//! The text of a time on the wire, written straight into a stack buffer.
//!
//! Owns: serializing `DateTime<Utc>` as chrono's serde does (RFC 3339, `Z`, the fraction to 0, 3,
//! 6 or 9 digits, whichever is exact), byte for byte, for the fields a status read sends many of
//! (each copy's four log times). chrono writes those through `fmt`, one character at a time into
//! serde_json's escaping writer; under load that was a tenth of ccrd's copy-status time.
//!
//! Must not: change the text. Years outside 0–9999 are left to chrono. Reading times back is
//! chrono's `Deserialize`, unchanged.

use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};
use serde::Serializer;

/// `#[serde(serialize_with = "rfc3339::option")]` for an `Option<DateTime<Utc>>`.
pub fn option<S: Serializer>(time: &Option<DateTime<Utc>>, serializer: S) -> Result<S::Ok, S::Error> {
    match time {
        Some(time) => serializer.serialize_str(Text::of(time).as_str()),
        None => serializer.serialize_none(),
    }
}

/// `YYYY-MM-DDTHH:MM:SS.fffffffffZ` at most: 30 bytes.
struct Text {
    bytes: [u8; 30],
    len: usize,
    /// A year chrono writes with a sign (outside 0–9999).
    other: Option<String>,
}

impl Text {
    fn of(time: &DateTime<Utc>) -> Text {
        let mut text = Text { bytes: [0; 30], len: 0, other: None };
        // UTC's own fields: `DateTime`'s getters convert to local time on every call.
        let utc = time.naive_utc();
        let year = utc.year();
        if !(0..=9999).contains(&year) {
            text.other = Some(time.to_rfc3339_opts(SecondsFormat::AutoSi, true));
            return text;
        }
        let (mut second, mut nano) = (utc.second(), utc.nanosecond());
        // A leap second is held as a second with 1e9 or more nanoseconds.
        if nano >= 1_000_000_000 {
            second += 1;
            nano -= 1_000_000_000;
        }
        text.digits(year as u32, 4);
        text.push(b'-');
        text.digits(utc.month(), 2);
        text.push(b'-');
        text.digits(utc.day(), 2);
        text.push(b'T');
        text.digits(utc.hour(), 2);
        text.push(b':');
        text.digits(utc.minute(), 2);
        text.push(b':');
        text.digits(second, 2);
        match nano {
            0 => {}
            n if n % 1_000_000 == 0 => text.fraction(n / 1_000_000, 3),
            n if n % 1_000 == 0 => text.fraction(n / 1_000, 6),
            n => text.fraction(n, 9),
        }
        text.push(b'Z');
        text
    }

    fn push(&mut self, byte: u8) {
        self.bytes[self.len] = byte;
        self.len += 1;
    }

    /// `value` as exactly `width` decimal digits (it is below 10^width).
    fn digits(&mut self, mut value: u32, width: usize) {
        for i in (0..width).rev() {
            self.bytes[self.len + i] = b'0' + (value % 10) as u8;
            value /= 10;
        }
        self.len += width;
    }

    fn fraction(&mut self, value: u32, width: usize) {
        self.push(b'.');
        self.digits(value, width);
    }

    fn as_str(&self) -> &str {
        match &self.other {
            Some(text) => text,
            // Only ASCII digits and punctuation were written.
            None => std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};

    #[derive(serde::Serialize)]
    struct Both {
        #[serde(serialize_with = "option")]
        ours: Option<DateTime<Utc>>,
        chrono: Option<DateTime<Utc>>,
    }

    fn same_as_chrono(time: Option<DateTime<Utc>>) {
        let json = serde_json::to_value(Both { ours: time, chrono: time }).unwrap();
        assert_eq!(json["ours"], json["chrono"], "{time:?}");
    }

    #[test]
    fn log_times_are_written_as_chrono_writes_them() {
        same_as_chrono(None);
        let base = Utc.with_ymd_and_hms(2026, 11, 30, 15, 1, 32).unwrap();
        for nano in
            [0, 1, 9, 10, 999, 1_000, 120_000, 999_999, 1_000_000, 7_000_000, 292_499_369, 500_000_000, 999_999_999]
        {
            same_as_chrono(Some(base + chrono::Duration::nanoseconds(nano)));
        }
        for (y, m, d, h, mi, s) in
            [(0, 1, 1, 0, 0, 0), (1, 2, 3, 4, 5, 6), (999, 12, 31, 23, 59, 59), (9999, 12, 31, 23, 59, 59)]
        {
            same_as_chrono(Some(Utc.with_ymd_and_hms(y, m, d, h, mi, s).unwrap()));
        }
        // Outside 0–9999 chrono writes a sign; a leap second shows as :60.
        same_as_chrono(Some(Utc.with_ymd_and_hms(-1, 1, 1, 0, 0, 0).unwrap()));
        same_as_chrono(Some(Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0).unwrap()));
        let leap = NaiveDate::from_ymd_opt(2016, 12, 31).unwrap().and_hms_nano_opt(23, 59, 59, 1_500_000_000).unwrap();
        same_as_chrono(Some(Utc.from_utc_datetime(&leap)));
        assert_eq!(
            serde_json::to_value(Both { ours: Some(Utc.from_utc_datetime(&leap)), chrono: None }).unwrap()["ours"],
            "2016-12-31T23:59:60.500Z"
        );
    }
}
