//! `[System.Console]`: `WriteLine` and `Write`, which scripts use to print progress straight to
//! the console. .NET writes to the console, not to PowerShell's pipeline, so the text goes to
//! the host as `Write-Host` writes it, without colour, and nothing is returned. A format
//! string with arguments (`WriteLine('{0} of {1}', $i, $n)`) is formatted as `-f` does.
//!
//! Owns: the Console type's static members and [`console_write`], the text a call writes.
//!
//! Must not: print itself: the interpreter hands the text to its host.

use crate::shell::error_record::ErrorRecord;
use crate::shell::eval::convert::composite_format;
use crate::shell::runtime::object::{Member, method_threw};
use crate::shell::runtime::types::NetType;
use crate::shell::value::Value;

pub struct ConsoleType;
pub static CONSOLE: ConsoleType = ConsoleType;

impl NetType for ConsoleType {
    fn full_name(&self) -> &'static str {
        "System.Console"
    }

    fn static_members(&self) -> Vec<Member> {
        vec![
            Member::method(
                "Write",
                "static void Write(System.Object value), static void Write(string format, Params System.Object[] arg)",
            ),
            Member::method(
                "WriteLine",
                "static void WriteLine(), static void WriteLine(System.Object value), \
                 static void WriteLine(string format, Params System.Object[] arg)",
            ),
        ]
    }
}

/// What `[Console]::Write…(args)` writes, and whether a line ends after it; `None` when
/// `name` is not one of the writing methods.
pub fn console_write(name: &str, args: &[Value]) -> Option<Result<(String, bool), ErrorRecord>> {
    let newline = if name.eq_ignore_ascii_case("WriteLine") {
        true
    } else if name.eq_ignore_ascii_case("Write") {
        false
    } else {
        return None;
    };
    let text = match args {
        [] => Ok(String::new()),
        [one] => Ok(shown(one)),
        [format, rest @ ..] => composite_format(&format.to_display_string(), rest).map_err(|_| {
            method_threw(name, args.len(), "Input string was not in a correct format.")
                .exception("System.FormatException")
        }),
    };
    Some(text.map(|t| (t, newline)))
}

/// One value as `Console.WriteLine(object)` prints it: its `ToString()` (an array is
/// `System.Object[]`, as .NET has no better text for it).
fn shown(value: &Value) -> String {
    match value {
        Value::Array(_) => "System.Object[]".into(),
        other => other.to_display_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_line_formats_and_write_keeps_the_line_open() {
        let args = [Value::from("{0} of {1}"), Value::Int(2), Value::Int(3)];
        assert_eq!(console_write("WriteLine", &args).expect("a writer").expect("ok"), ("2 of 3".to_string(), true));
        assert_eq!(console_write("write", &[Value::from("x")]).expect("a writer").expect("ok"), ("x".into(), false));
        assert_eq!(console_write("WriteLine", &[]).expect("a writer").expect("ok"), (String::new(), true));
        assert!(console_write("ReadLine", &[]).is_none());
    }

    #[test]
    fn a_bad_format_throws_as_a_method_call_does() {
        let error =
            console_write("WriteLine", &[Value::from("{0"), Value::Int(1)]).expect("a writer").expect_err("bad");
        assert_eq!(
            error.message,
            "Exception calling \"WriteLine\" with \"2\" argument(s): \"Input string was not in a correct format.\""
        );
        assert_eq!(error.exception, "System.FormatException", "catch [FormatException] catches it, as in PowerShell");
    }
}
