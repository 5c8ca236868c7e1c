//! `[System.Convert]`: `ToInt32`/`ToInt64`/`ToInt16`/`ToByte`/`ToUInt32`/`ToUInt64` (with a
//! base of 2, 8, 10 or 16 for text), `ToString` (with a base), `ToDouble`, `ToDecimal`,
//! `ToBoolean`, `ToChar`, `ToDateTime`, `ToBase64String` and `FromBase64String`, each as .NET
//! converts: text parses strictly (`'1.5'` is not an Int32, unlike PowerShell's cast), a
//! fraction rounds to even, an overflow is .NET's OverflowException.
//!
//! Owns: the Convert type. Casts the language already defines (`[double]`, `[datetime]`) are
//! delegated to `eval::convert::cast`.
//!
//! Must not: keep state.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::shell::error_record::ErrorRecord;
use crate::shell::eval::convert::{cast, to_number};
use crate::shell::runtime::object::{Member, method_threw, overload_not_found};
use crate::shell::runtime::types::NetType;
use crate::shell::value::{Numeric, Value};

use super::encoding::{byte_array, bytes_of};

/// An integer type Convert converts to: its name and bit width, and whether it is signed.
#[derive(Clone, Copy)]
struct IntType {
    name: &'static str,
    bits: u32,
    signed: bool,
}

const INT_TYPES: &[(&str, IntType)] = &[
    ("toint32", IntType { name: "Int32", bits: 32, signed: true }),
    ("toint64", IntType { name: "Int64", bits: 64, signed: true }),
    ("toint16", IntType { name: "Int16", bits: 16, signed: true }),
    ("tosbyte", IntType { name: "SByte", bits: 8, signed: true }),
    ("tobyte", IntType { name: "Byte", bits: 8, signed: false }),
    ("touint16", IntType { name: "UInt16", bits: 16, signed: false }),
    ("touint32", IntType { name: "UInt32", bits: 32, signed: false }),
    ("touint64", IntType { name: "UInt64", bits: 64, signed: false }),
];

impl IntType {
    fn range(self) -> (i128, i128) {
        if self.signed {
            (-(1i128 << (self.bits - 1)), (1i128 << (self.bits - 1)) - 1)
        } else {
            (0, (1i128 << self.bits) - 1)
        }
    }

    /// The value as PowerShell shows this type.
    fn value(self, n: i128) -> Value {
        match (self.bits, self.signed) {
            (32, true) => Value::Int(n as i64),
            (64, true) => Value::Number(Numeric::Int64(n as i64)),
            (16, true) => Value::Number(Numeric::Int16(n as i16)),
            (8, true) => Value::Number(Numeric::SByte(n as i8)),
            (8, false) => Value::Number(Numeric::Byte(n as u8)),
            (16, false) => Value::Number(Numeric::UInt16(n as u16)),
            (32, false) => Value::Number(Numeric::UInt32(n as u32)),
            _ => Value::Number(Numeric::UInt64(n as u64)),
        }
    }

    fn overflow(self, method: &str, count: usize) -> ErrorRecord {
        let what = match self.name {
            "Byte" => "an unsigned byte",
            "SByte" => "a signed byte",
            "UInt16" => "a UInt16",
            "UInt32" => "a UInt32",
            "UInt64" => "a UInt64",
            "Int16" => "an Int16",
            "Int64" => "an Int64",
            _ => "an Int32",
        };
        method_threw(method, count, &format!("Value was either too large or too small for {what}."))
            .exception("System.OverflowException")
    }

    /// Text in `base` as .NET reads it: base 10 with a sign; 2, 8 and 16 as the type's bits
    /// (so `ffffffff` in base 16 is -1 for an Int32), 16 with an optional `0x`.
    fn parse(self, text: &str, base: u32, method: &str, count: usize) -> Result<Value, ErrorRecord> {
        let bad = || {
            method_threw(method, count, "Input string was not in a correct format.").exception("System.FormatException")
        };
        let trimmed = text.trim();
        if base == 10 {
            let n: i128 = trimmed.parse().map_err(|_| bad())?;
            let (low, high) = self.range();
            return if (low..=high).contains(&n) { Ok(self.value(n)) } else { Err(self.overflow(method, count)) };
        }
        let digits = if base == 16 {
            trimmed.strip_prefix("0x").or_else(|| trimmed.strip_prefix("0X")).unwrap_or(trimmed)
        } else {
            trimmed
        };
        if digits.is_empty() {
            return Err(bad());
        }
        let raw = u128::from_str_radix(digits, base).map_err(|_| bad())?;
        if raw >> self.bits != 0 {
            return Err(self.overflow(method, count));
        }
        let n = if self.signed && raw >> (self.bits - 1) & 1 == 1 {
            raw as i128 - (1i128 << self.bits)
        } else {
            raw as i128
        };
        Ok(self.value(n))
    }

    /// Any other value: numbers round half to even and must fit; booleans are 1 and 0.
    fn convert(self, value: &Value, method: &str, count: usize) -> Result<Value, ErrorRecord> {
        match value {
            Value::Null => Ok(self.value(0)),
            Value::Bool(b) => Ok(self.value(i128::from(*b))),
            Value::String(s) => self.parse(s, 10, method, count),
            Value::Char(c) => Ok(self.value(i128::from(u32::from(*c)))),
            other => {
                let n = to_number(other).ok_or_else(|| {
                    method_threw(
                        method,
                        count,
                        &format!(
                            "Unable to cast object of type '{}' to type 'System.IConvertible'.",
                            crate::shell::eval::convert::type_name(other)
                        ),
                    )
                    .exception("System.InvalidCastException")
                })?;
                let r = n.as_f64().round_ties_even();
                let (low, high) = self.range();
                if !r.is_finite() || r < low as f64 || r > high as f64 {
                    return Err(self.overflow(method, count));
                }
                Ok(self.value(r as i128))
            }
        }
    }
}

/// `ToString(value, base)`: the value's bits in base 2, 8 or 16 (negative numbers as two's
/// complement of their type), or base 10.
fn to_string_in_base(value: &Value, base: u32, method: &str) -> Result<Value, ErrorRecord> {
    let n = to_number(value)
        .map(|n| n.as_f64())
        .filter(|n| n.fract() == 0.0)
        .ok_or_else(|| overload_not_found(method, 2))?;
    let bits = match value {
        Value::Number(Numeric::Int64(_) | Numeric::UInt64(_)) => 64,
        Value::Number(Numeric::Int16(_) | Numeric::UInt16(_)) => 16,
        Value::Number(Numeric::Byte(_) | Numeric::SByte(_)) => 8,
        Value::Int(i) if i32::try_from(*i).is_err() => 64,
        _ => 32,
    };
    let n = n as i128;
    let raw = if n < 0 { (n + (1i128 << bits)) as u128 } else { n as u128 };
    Ok(Value::String(match base {
        2 => format!("{raw:b}"),
        8 => format!("{raw:o}"),
        16 => format!("{raw:x}"),
        _ => n.to_string(),
    }))
}

fn base_arg(args: &[Value], method: &str) -> Result<u32, ErrorRecord> {
    match args.get(1).and_then(to_number).map(|n| n.as_f64()) {
        Some(b) if [2.0, 8.0, 10.0, 16.0].contains(&b) => Ok(b as u32),
        _ => Err(method_threw(method, args.len(), "Invalid Base.").exception("System.ArgumentException")),
    }
}

pub struct ConvertType;
pub static CONVERT: ConvertType = ConvertType;

impl NetType for ConvertType {
    fn full_name(&self) -> &'static str {
        "System.Convert"
    }

    fn static_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let lower = name.to_ascii_lowercase();
        let count = args.len();
        if let Some((_, int)) = INT_TYPES.iter().find(|(n, _)| *n == lower) {
            return Some(match args {
                [value] => int.convert(value, name, count),
                [value, _] => base_arg(args, name).and_then(|base| match value {
                    Value::String(s) => int.parse(s, base, name, count),
                    other => int.convert(other, name, count),
                }),
                _ => Err(overload_not_found(name, count)),
            });
        }
        let threw = |e: ErrorRecord| method_threw(name, count, &e.message).exception("System.FormatException");
        let result = match (lower.as_str(), args) {
            ("tostring", [value]) => Ok(Value::String(value.to_display_string())),
            ("tostring", [value, _]) => base_arg(args, name).and_then(|b| to_string_in_base(value, b, name)),
            ("todouble", [value]) => cast("double", value).map_err(threw),
            ("tosingle", [value]) => cast("float", value).map_err(threw),
            ("todecimal", [value]) => cast("decimal", value).map_err(threw),
            ("todatetime", [value]) => cast("datetime", value).map_err(threw),
            ("tochar", [value]) => match value {
                Value::String(s) if s.chars().count() == 1 => Ok(Value::Char(s.chars().next().unwrap_or_default())),
                Value::String(_) => Err(method_threw(name, count, "String must be exactly one character long.")
                    .exception("System.FormatException")),
                other => cast("char", other).map_err(threw),
            },
            ("toboolean", [value]) => match value {
                Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                    "true" => Ok(Value::Bool(true)),
                    "false" => Ok(Value::Bool(false)),
                    _ => {
                        Err(method_threw(name, count, &format!("String '{s}' was not recognized as a valid Boolean."))
                            .exception("System.FormatException"))
                    }
                },
                other => Ok(Value::Bool(to_number(other).map_or_else(|| other.is_truthy(), |n| n.as_f64() != 0.0))),
            },
            ("tobase64string", [bytes, ..]) if count <= 2 => bytes_of(bytes)
                .map(|b| Value::String(STANDARD.encode(b)))
                .ok_or_else(|| method_threw(name, count, "Cannot convert the argument to \"System.Byte[]\".")),
            ("frombase64string", [text]) => {
                let compact: String = text.to_display_string().chars().filter(|c| !c.is_whitespace()).collect();
                STANDARD.decode(compact).map(|b| byte_array(&b)).map_err(|_| {
                    method_threw(
                        name,
                        count,
                        "The input is not a valid Base-64 string as it contains a non-base 64 character, more than two padding characters, or an illegal character among the padding characters.",
                    )
                    .exception("System.FormatException")
                })
            }
            (
                "tostring" | "todouble" | "tosingle" | "todecimal" | "todatetime" | "tochar" | "toboolean"
                | "tobase64string" | "frombase64string",
                _,
            ) => Err(overload_not_found(name, count)),
            _ => return None,
        };
        Some(result)
    }

    fn static_members(&self) -> Vec<Member> {
        [
            "FromBase64String",
            "ToBase64String",
            "ToBoolean",
            "ToByte",
            "ToChar",
            "ToDateTime",
            "ToDecimal",
            "ToDouble",
            "ToInt16",
            "ToInt32",
            "ToInt64",
            "ToSByte",
            "ToSingle",
            "ToString",
            "ToUInt16",
            "ToUInt32",
            "ToUInt64",
        ]
        .iter()
        .map(|m| Member::method(m, &format!("static {m}(...)")))
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: &[Value]) -> Result<Value, ErrorRecord> {
        CONVERT.static_method(name, args).expect("a Convert method")
    }

    #[test]
    fn integers_parse_in_a_base_and_overflow_as_dotnet() {
        assert_eq!(call("ToInt32", &[Value::from("ff"), Value::Int(16)]).ok(), Some(Value::Int(255)));
        assert_eq!(call("ToInt32", &[Value::from("0xFFFFFFFF"), Value::Int(16)]).ok(), Some(Value::Int(-1)));
        assert_eq!(call("ToInt32", &[Value::from("1010"), Value::Int(2)]).ok(), Some(Value::Int(10)));
        assert_eq!(call("ToInt32", &[Value::Real(2.5)]).ok(), Some(Value::Int(2)));
        assert_eq!(call("ToInt32", &[Value::from(" 42 ")]).ok(), Some(Value::Int(42)));
        assert!(call("ToInt32", &[Value::from("1.5")]).is_err());
        assert!(call("ToInt32", &[Value::from("1ffffffff"), Value::Int(16)]).is_err());
        assert!(call("ToByte", &[Value::Int(256)]).is_err());
        assert!(call("ToInt32", &[Value::from("10"), Value::Int(3)]).is_err());
        assert_eq!(call("ToString", &[Value::Int(255), Value::Int(16)]).ok(), Some(Value::from("ff")));
        assert_eq!(call("ToString", &[Value::Int(-1), Value::Int(16)]).ok(), Some(Value::from("ffffffff")));
        assert_eq!(call("ToString", &[Value::Int(5), Value::Int(2)]).ok(), Some(Value::from("101")));
    }

    #[test]
    fn base64_round_trips_and_refuses_bad_text() {
        let bytes = byte_array(b"hi!");
        assert_eq!(call("ToBase64String", std::slice::from_ref(&bytes)).ok(), Some(Value::from("aGkh")));
        assert_eq!(call("FromBase64String", &[Value::from("aGkh")]).ok(), Some(bytes));
        assert!(call("FromBase64String", &[Value::from("a*b")]).is_err());
    }
}
