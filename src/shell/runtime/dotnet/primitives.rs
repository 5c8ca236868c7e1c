//! The primitive types' static side: `[int]::MaxValue`, `[double]::NaN`, `[long]::Parse(…)`,
//! and casts to the integer types the language has no spelling of its own for (`[sbyte]`,
//! `[ushort]`, `[uint]`, `[ulong]`).
//!
//! Owns: System.Int32, Int64, Int16, Byte, SByte, UInt16, UInt32, UInt64, Double, Single,
//! Decimal, Boolean and Char as [`NetType`]s.
//!
//! Must not: do arithmetic (that is `eval::operators`).

use crate::shell::error_record::ErrorRecord;
use crate::shell::eval::convert::{Num, cast, cast_error, require_number};
use crate::shell::runtime::object::Member;
use crate::shell::runtime::types::NetType;
use crate::shell::value::{Numeric, Value};

/// One primitive type.
pub struct Primitive {
    full_name: &'static str,
    accelerators: &'static [&'static str],
    /// The inclusive range of an integer type; `None` for the others.
    range: Option<(i128, i128)>,
    /// What `.NET` calls it in "too large or too small for …".
    article_name: &'static str,
}

const fn integer(
    full_name: &'static str,
    accelerators: &'static [&'static str],
    min: i128,
    max: i128,
    article_name: &'static str,
) -> Primitive {
    Primitive { full_name, accelerators, range: Some((min, max)), article_name }
}

const fn other(full_name: &'static str, accelerators: &'static [&'static str]) -> Primitive {
    Primitive { full_name, accelerators, range: None, article_name: "" }
}

pub static INT32: Primitive =
    integer("System.Int32", &["int", "int32"], i32::MIN as i128, i32::MAX as i128, "an Int32");
pub static INT64: Primitive =
    integer("System.Int64", &["long", "int64"], i64::MIN as i128, i64::MAX as i128, "an Int64");
pub static INT16: Primitive =
    integer("System.Int16", &["short", "int16"], i16::MIN as i128, i16::MAX as i128, "an Int16");
pub static BYTE: Primitive = integer("System.Byte", &["byte"], 0, u8::MAX as i128, "an unsigned byte");
pub static SBYTE: Primitive = integer("System.SByte", &["sbyte"], i8::MIN as i128, i8::MAX as i128, "a signed byte");
pub static UINT16: Primitive = integer("System.UInt16", &["ushort", "uint16"], 0, u16::MAX as i128, "a UInt16");
pub static UINT32: Primitive = integer("System.UInt32", &["uint", "uint32"], 0, u32::MAX as i128, "a UInt32");
pub static UINT64: Primitive = integer("System.UInt64", &["ulong", "uint64"], 0, u64::MAX as i128, "a UInt64");
pub static DOUBLE: Primitive = other("System.Double", &["double"]);
pub static SINGLE: Primitive = other("System.Single", &["float", "single"]);
pub static DECIMAL: Primitive = other("System.Decimal", &["decimal"]);
pub static BOOLEAN: Primitive = other("System.Boolean", &["bool"]);
pub static CHAR: Primitive = other("System.Char", &["char"]);

/// An integer as a value: Int while it fits in an i64, else a UInt64.
fn integer_value(n: i128) -> Value {
    i64::try_from(n).map_or_else(
        |_| u64::try_from(n).map_or(Value::Real(n as f64), |u| Value::Number(Numeric::UInt64(u))),
        Value::Int,
    )
}

impl Primitive {
    fn is_float(&self) -> bool {
        matches!(self.full_name, "System.Double" | "System.Single" | "System.Decimal")
    }
}

impl NetType for Primitive {
    fn full_name(&self) -> &'static str {
        self.full_name
    }

    fn accelerators(&self) -> &'static [&'static str] {
        self.accelerators
    }

    fn static_property(&self, name: &str) -> Option<Value> {
        let is = |n: &str| name.eq_ignore_ascii_case(n);
        if let Some((min, max)) = self.range {
            return if is("MaxValue") {
                Some(integer_value(max))
            } else if is("MinValue") {
                Some(integer_value(min))
            } else {
                None
            };
        }
        match self.full_name {
            "System.Double" | "System.Decimal" => match () {
                _ if is("MaxValue") => Some(Value::Real(f64::MAX)),
                _ if is("MinValue") => Some(Value::Real(f64::MIN)),
                _ if is("NaN") && self.full_name == "System.Double" => Some(Value::Real(f64::NAN)),
                _ if is("PositiveInfinity") => Some(Value::Real(f64::INFINITY)),
                _ if is("NegativeInfinity") => Some(Value::Real(f64::NEG_INFINITY)),
                _ if is("Epsilon") => Some(Value::Real(f64::from_bits(1))),
                _ => None,
            },
            "System.Single" => match () {
                _ if is("MaxValue") => Some(Value::Real(f64::from(f32::MAX))),
                _ if is("MinValue") => Some(Value::Real(f64::from(f32::MIN))),
                _ if is("NaN") => Some(Value::Real(f64::NAN)),
                _ if is("PositiveInfinity") => Some(Value::Real(f64::INFINITY)),
                _ if is("NegativeInfinity") => Some(Value::Real(f64::NEG_INFINITY)),
                _ => None,
            },
            "System.Boolean" => match () {
                _ if is("TrueString") => Some(Value::from("True")),
                _ if is("FalseString") => Some(Value::from("False")),
                _ => None,
            },
            _ => None,
        }
    }

    fn static_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        if !name.eq_ignore_ascii_case("Parse") {
            return None;
        }
        let Some(text) = args.first() else {
            return Some(Err(crate::shell::runtime::object::overload_not_found(name, 0)));
        };
        Some(match self.full_name {
            "System.Boolean" => match text.to_display_string().trim().to_ascii_lowercase().as_str() {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err(crate::shell::runtime::object::method_threw(
                    name,
                    args.len(),
                    &format!("String '{}' was not recognized as a valid Boolean.", text.to_display_string()),
                )),
            },
            // .NET's Parse throws its own exceptions, not PowerShell's conversion error.
            _ => {
                let shown = text.to_display_string();
                self.convert(&Value::String(shown.clone())).unwrap_or_else(|| cast(self.full_name, text)).map_err(|e| {
                    let (exception, message) = if e.message.contains("too large or too small") {
                        (
                            "System.OverflowException",
                            format!("Value was either too large or too small for {}.", self.article_name),
                        )
                    } else {
                        ("System.FormatException", format!("The input string '{shown}' was not in a correct format."))
                    };
                    let id = exception.rsplit('.').next().unwrap_or(exception);
                    ErrorRecord::new(id, "NotSpecified", message).exception(exception)
                })
            }
        })
    }

    fn convert(&self, value: &Value) -> Option<Result<Value, ErrorRecord>> {
        let (min, max) = self.range?;
        Some((|| {
            let n = require_number(value, self.full_name)?;
            let i: i128 = match n {
                Num::Int(i) => i128::from(i),
                Num::Real(r) if r.is_finite() && r.abs() < 1.9e19 => r.round_ties_even() as i128,
                Num::Real(_) => min - 1,
            };
            if i < min || i > max {
                let why = format!("Value was either too large or too small for {}.", self.article_name);
                return Err(cast_error(value, self.full_name, &why));
            }
            // In range, so each narrowing below is exact.
            Ok(match self.full_name {
                "System.SByte" => Value::Number(Numeric::SByte(i as i8)),
                "System.Byte" => Value::Number(Numeric::Byte(i as u8)),
                "System.Int16" => Value::Number(Numeric::Int16(i as i16)),
                "System.UInt16" => Value::Number(Numeric::UInt16(i as u16)),
                "System.UInt32" => Value::Number(Numeric::UInt32(i as u32)),
                "System.UInt64" => Value::Number(Numeric::UInt64(i as u64)),
                "System.Int64" => Value::long(i as i64),
                _ => integer_value(i),
            })
        })())
    }

    fn static_members(&self) -> Vec<Member> {
        let short = self.accelerators.first().copied().unwrap_or("object");
        let mut members = vec![Member::method("Parse", &format!("static {short} Parse(string s)"))];
        if self.range.is_some() || self.is_float() {
            members.push(Member::property("MaxValue", &format!("static {short} MaxValue")));
            members.push(Member::property("MinValue", &format!("static {short} MinValue")));
        }
        members
    }

    fn is_instance(&self, value: &Value) -> bool {
        match (self.full_name, value) {
            ("System.Int32", Value::Int(i)) => i32::try_from(*i).is_ok(),
            ("System.Int64", Value::Int(_)) => true,
            ("System.Double", Value::Real(_)) => true,
            ("System.Boolean", Value::Bool(_)) => true,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_casts_follow_dotnet() {
        assert_eq!(INT32.static_property("maxvalue"), Some(Value::Int(2_147_483_647)));
        assert_eq!(UINT64.static_property("MaxValue"), Some(Value::Number(Numeric::UInt64(u64::MAX))));
        assert_eq!(UINT16.convert(&Value::Int(65535)), Some(Ok(Value::Number(Numeric::UInt16(65535)))));
        let e = UINT16.convert(&Value::Int(65536)).and_then(Result::err).expect("too large");
        assert!(e.message.contains("too large or too small for a UInt16"), "{}", e.message);
        assert_eq!(SBYTE.convert(&Value::from("-5")), Some(Ok(Value::Number(Numeric::SByte(-5)))));
        assert_eq!(INT64.static_method("Parse", &[Value::from("42")]), Some(Ok(Value::long(42))));
        assert!(matches!(DOUBLE.static_property("NaN"), Some(Value::Real(r)) if r.is_nan()));
    }
}
