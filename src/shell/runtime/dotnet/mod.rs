//! The curated .NET surface: a fixed, documented set of types with the members admin scripts
//! use, each behaving as .NET does under the invariant/en-US culture of a server. There is no
//! CLR; anything not here fails with PowerShell's own "Unable to find type" or "does not
//! contain a method named" error.
//!
//! Owns: the list of types ([`TYPES`]) and the argument helpers the type files share.
//!
//! Must not: evaluate script or touch variables; one family per file.

mod collections;
mod console;
mod convert;
mod credential;
mod date_text;
mod datetime;
mod datetime_offset;
mod dns;
mod encoding;
mod environment;
mod event_log;
mod io;
mod mail;
mod math;
mod ping;
mod primitives;
mod process;
mod reflection;
mod regex;
mod stopwatch;
mod string;
mod text;
mod timespan_text;
mod version;

pub use console::console_write;
pub use credential::{PS_CREDENTIAL, SecureString, credential};
pub use date_text::{format as format_date, parse as parse_date, uformat};
pub use environment::{machine_name, new_guid};
pub use event_log::{
    EventLog, NewEntry, WriteFailure, entries as event_log_entries, static_call as event_log_static,
    write as write_event,
};
pub use mail::{MailAttachment, RELAY_FIX, credential_of, priority as mail_priority};
pub use ping::Ping;
pub use process::{
    Process, TABLE_COLUMNS as PROCESS_COLUMNS, TABLE_RIGHT as PROCESS_RIGHT, TABLE_WIDTHS as PROCESS_WIDTHS,
};
pub use reflection::{framework_assembly, no_clr_hint};
pub use regex::unescape as regex_unescape;
pub use string::culture_compare;
pub use timespan_text::format as format_timespan;
pub use version::Version;

use crate::shell::error_record::ErrorRecord;
use crate::shell::eval::convert::require_number;
use crate::shell::value::Value;

use super::object::overload_not_found;
use super::types::NetType;

/// Every type of the curated surface.
pub static TYPES: &[&dyn NetType] = &[
    &primitives::INT32,
    &primitives::INT64,
    &primitives::DOUBLE,
    &primitives::SINGLE,
    &primitives::DECIMAL,
    &primitives::BYTE,
    &primitives::INT16,
    &primitives::UINT16,
    &primitives::UINT32,
    &primitives::UINT64,
    &primitives::SBYTE,
    &primitives::BOOLEAN,
    &primitives::CHAR,
    &math::MATH,
    &reflection::ASSEMBLY,
    &string::STRING,
    &datetime::DATETIME,
    &datetime::TIMESPAN,
    &datetime_offset::DATETIME_OFFSET,
    &environment::ENVIRONMENT,
    &environment::GUID,
    &text::STRING_BUILDER,
    &regex::REGEX,
    &regex::REGEX_OPTIONS,
    &convert::CONVERT,
    &collections::ARRAY_LIST,
    &collections::ARRAY,
    &collections::LIST,
    &collections::DICTIONARY,
    &collections::HASH_SET,
    &stopwatch::STOPWATCH,
    &console::CONSOLE,
    &dns::DNS,
    &mail::SMTP_CLIENT,
    &mail::MAIL_MESSAGE,
    &mail::MAIL_ADDRESS,
    &mail::ATTACHMENT,
    &mail::MAIL_PRIORITY,
    &mail::NETWORK_CREDENTIAL,
    &credential::PS_CREDENTIAL_TYPE,
    &credential::SECURE_STRING_TYPE,
    &process::PROCESS_TYPE,
    &ping::PING,
    &event_log::EVENT_LOG,
    &event_log::EVENT_LOG_ENTRY_TYPE,
    &encoding::ENCODING,
    &encoding::UTF8_ENCODING,
    &encoding::UNICODE_ENCODING,
    &encoding::ASCII_ENCODING,
    &io::PATH,
    &io::FILE,
    &io::DIRECTORY,
    &io::FILE_INFO,
    &io::DIRECTORY_INFO,
    &version::VERSION_TYPE,
    &version::SEMANTIC_VERSION_TYPE,
];

/// `ParseExact(text, format | formats[, provider[, styles]])` for DateTime and DateTimeOffset:
/// the instant and offset of the first format the text matches, or .NET's FormatException.
pub(crate) fn parse_exact_args(
    args: &[Value],
    method: &str,
) -> Result<(chrono::DateTime<chrono::Utc>, Option<i64>), ErrorRecord> {
    if !(2..=4).contains(&args.len()) {
        return Err(overload_not_found(method, args.len()));
    }
    let text = arg_text(args, 0);
    let formats: Vec<String> = match &args[1] {
        Value::Array(items) => items.borrow().iter().map(Value::to_display_string).collect(),
        one => vec![one.to_display_string()],
    };
    formats.iter().find_map(|f| date_text::parse_exact(&text, f)).ok_or_else(|| {
        crate::shell::runtime::object::method_threw(
            method,
            args.len(),
            &format!("String '{text}' was not recognized as a valid DateTime."),
        )
        .exception("System.FormatException")
        .with_hint(format!("The text must match the format exactly: {}.", formats.join(" or ")))
    })
}

/// Argument `i` as a number, or .NET's overload error when it is missing.
pub(crate) fn arg_f64(args: &[Value], i: usize, method: &str) -> Result<f64, ErrorRecord> {
    let v = args.get(i).ok_or_else(|| overload_not_found(method, args.len()))?;
    Ok(require_number(v, "System.Double")?.as_f64())
}

/// Argument `i` as an integer (rounded as .NET converts a double to Int32).
pub(crate) fn arg_i64(args: &[Value], i: usize, method: &str) -> Result<i64, ErrorRecord> {
    let v = args.get(i).ok_or_else(|| overload_not_found(method, args.len()))?;
    Ok(match require_number(v, "System.Int32")? {
        crate::shell::eval::convert::Num::Int(n) => n,
        crate::shell::eval::convert::Num::Real(r) => r.round_ties_even() as i64,
    })
}

/// Argument `i` as text (`$null` and missing are empty).
pub(crate) fn arg_text(args: &[Value], i: usize) -> String {
    args.get(i).map(Value::to_display_string).unwrap_or_default()
}

/// A whole number as an Int when it fits, else a Real (what `[math]::Floor` and friends
/// give back in PowerShell's display).
pub(crate) fn whole(r: f64) -> Value {
    if r.fract() == 0.0 && r.abs() < 9e15 { Value::Int(r as i64) } else { Value::Real(r) }
}
