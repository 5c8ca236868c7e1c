//! Numbers as PowerShell computes with them: every operand is read as one of .NET's numeric
//! types (`$null` as 0, `$true` as 1, a `[char]` as its code, a string by the number-literal
//! rules), the operation is done in the wider of the two types (PowerShell's binder: anything
//! up to `Int32` in `Int32`, then `UInt32`, `Int64`, `UInt64`, `Double` — `Single` computes as
//! `Double` —, `Decimal`; `BigInteger` wins over all), and an integer result that overflows its
//! type becomes a `Double`. Also conversions to a numeric type (`[byte]300` is an error,
//! `[int]2.5` rounds to even) and numeric comparison without losing precision.
//!
//! Must not: evaluate expressions or know about strings beyond reading numbers from them.

use std::cmp::Ordering;
use std::rc::Rc;

use num_bigint::BigInt;
use num_traits::{FromPrimitive, ToPrimitive, Zero};
use rust_decimal::Decimal;

use crate::shell::error_record::ErrorRecord;
use crate::shell::syntax::{NumberValue, parse_number};
use crate::shell::value::{Numeric, Value};

/// .NET's TypeCode order, which decides the type an operation is done in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Bool,
    Char,
    SByte,
    Byte,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Int64,
    UInt64,
    Single,
    Double,
    Decimal,
    BigInt,
}

impl Kind {
    fn signed(self) -> bool {
        matches!(self, Kind::SByte | Kind::Int16 | Kind::Int32 | Kind::Int64 | Kind::BigInt)
    }

    /// The .NET full name.
    pub fn type_name(self) -> &'static str {
        match self {
            Kind::Bool => "System.Boolean",
            Kind::Char => "System.Char",
            Kind::SByte => "System.SByte",
            Kind::Byte => "System.Byte",
            Kind::Int16 => "System.Int16",
            Kind::UInt16 => "System.UInt16",
            Kind::Int32 => "System.Int32",
            Kind::UInt32 => "System.UInt32",
            Kind::Int64 => "System.Int64",
            Kind::UInt64 => "System.UInt64",
            Kind::Single => "System.Single",
            Kind::Double => "System.Double",
            Kind::Decimal => "System.Decimal",
            Kind::BigInt => "System.Numerics.BigInteger",
        }
    }

    /// The numeric type a name stands for (`int`, `System.UInt16`, `bigint`…).
    pub fn from_name(name: &str) -> Option<Kind> {
        let trimmed = name.trim();
        let bare = trimmed.strip_prefix('[').and_then(|t| t.strip_suffix(']')).unwrap_or(trimmed);
        let lower = bare.to_ascii_lowercase();
        let lower = lower.strip_prefix("system.").unwrap_or(&lower);
        Some(match lower {
            "sbyte" => Kind::SByte,
            "byte" => Kind::Byte,
            "int16" | "short" => Kind::Int16,
            "uint16" | "ushort" => Kind::UInt16,
            "int32" | "int" => Kind::Int32,
            "uint32" | "uint" => Kind::UInt32,
            "int64" | "long" => Kind::Int64,
            "uint64" | "ulong" => Kind::UInt64,
            "single" | "float" => Kind::Single,
            "double" => Kind::Double,
            "decimal" => Kind::Decimal,
            "numerics.biginteger" | "bigint" | "biginteger" => Kind::BigInt,
            _ => return None,
        })
    }

    /// `an Int32`, as .NET's overflow message names the type.
    fn article(self) -> &'static str {
        match self {
            Kind::SByte => "a signed byte",
            Kind::Byte => "an unsigned byte",
            Kind::Int16 => "an Int16",
            Kind::UInt16 => "a UInt16",
            Kind::Int32 => "an Int32",
            Kind::UInt32 => "a UInt32",
            Kind::Int64 => "an Int64",
            Kind::UInt64 => "a UInt64",
            Kind::Decimal => "a Decimal",
            Kind::Char => "a character",
            _ => "the type",
        }
    }

    /// The range of an integer type.
    fn range(self) -> Option<(i128, i128)> {
        Some(match self {
            Kind::SByte => (i128::from(i8::MIN), i128::from(i8::MAX)),
            Kind::Byte => (0, i128::from(u8::MAX)),
            Kind::Int16 => (i128::from(i16::MIN), i128::from(i16::MAX)),
            Kind::UInt16 | Kind::Char => (0, i128::from(u16::MAX)),
            Kind::Int32 => (i128::from(i32::MIN), i128::from(i32::MAX)),
            Kind::UInt32 => (0, i128::from(u32::MAX)),
            Kind::Int64 => (i128::from(i64::MIN), i128::from(i64::MAX)),
            Kind::UInt64 => (0, i128::from(u64::MAX)),
            _ => return None,
        })
    }
}

/// A number read from a value, in its type.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Int(i128, Kind),
    Float(f64, Kind),
    Decimal(Decimal),
    Big(BigInt),
}

impl Operand {
    pub fn kind(&self) -> Kind {
        match self {
            Operand::Int(_, k) | Operand::Float(_, k) => *k,
            Operand::Decimal(_) => Kind::Decimal,
            Operand::Big(_) => Kind::BigInt,
        }
    }

    pub fn as_f64(&self) -> f64 {
        match self {
            Operand::Int(i, _) => *i as f64,
            Operand::Float(f, _) => *f,
            Operand::Decimal(d) => d.to_f64().unwrap_or(0.0),
            Operand::Big(b) => b.to_f64().unwrap_or(f64::NAN),
        }
    }

    fn as_decimal(&self) -> Option<Decimal> {
        match self {
            Operand::Int(i, _) => Decimal::from_i128(*i),
            Operand::Float(f, _) => decimal_from_f64(*f),
            Operand::Decimal(d) => Some(*d),
            Operand::Big(b) => b.to_i128().and_then(Decimal::from_i128),
        }
    }

    fn as_big(&self) -> BigInt {
        match self {
            Operand::Int(i, _) => BigInt::from(*i),
            Operand::Float(f, _) => BigInt::from_f64(f.round_ties_even()).unwrap_or_default(),
            Operand::Decimal(d) => BigInt::from(d.round().to_i128().unwrap_or(0)),
            Operand::Big(b) => b.clone(),
        }
    }
}

/// A double as .NET converts it to a decimal: 15 significant digits.
pub fn decimal_from_f64(f: f64) -> Option<Decimal> {
    if !f.is_finite() {
        return None;
    }
    let text = format!("{f:.14e}");
    let (mantissa, exponent) = text.split_once('e')?;
    let mut d: Decimal = mantissa.parse().ok()?;
    let e: i32 = exponent.parse().ok()?;
    let ten = Decimal::from(10);
    if e >= 0 {
        for _ in 0..e {
            d = d.checked_mul(ten)?;
        }
    } else {
        for _ in 0..(-e) {
            d = d.checked_div(ten)?;
        }
    }
    Some(d.normalize())
}

/// The value of a number literal (or a number read from text).
pub fn literal_value(n: &NumberValue) -> Value {
    match n {
        NumberValue::Int32(v) => Value::Int(i64::from(*v)),
        NumberValue::Int64(v) => Value::long(*v),
        NumberValue::Double(v) => Value::Real(*v),
        NumberValue::SByte(v) => Value::Number(Numeric::SByte(*v)),
        NumberValue::Byte(v) => Value::Number(Numeric::Byte(*v)),
        NumberValue::Int16(v) => Value::Number(Numeric::Int16(*v)),
        NumberValue::UInt16(v) => Value::Number(Numeric::UInt16(*v)),
        NumberValue::UInt32(v) => Value::Number(Numeric::UInt32(*v)),
        NumberValue::UInt64(v) => Value::Number(Numeric::UInt64(*v)),
        NumberValue::Decimal(d) => Value::Number(Numeric::Decimal(*d)),
        NumberValue::BigInt(b) => Value::Number(Numeric::BigInt(Rc::new(BigInt::clone(b)))),
    }
}

/// A string read as a number, as PowerShell converts one: the number-literal rules, then
/// .NET's double parsing (`1e5`, `Infinity`); blank text is 0.
pub fn parse_text(text: &str) -> Option<Operand> {
    let t = text.trim();
    if t.is_empty() {
        return Some(Operand::Int(0, Kind::Int32));
    }
    if let Some(n) = parse_number(t) {
        return operand(&literal_value(&n));
    }
    let lower = t.to_ascii_lowercase();
    let f = match lower.as_str() {
        "infinity" | "+infinity" => f64::INFINITY,
        "-infinity" => f64::NEG_INFINITY,
        "nan" => f64::NAN,
        _ => t.parse::<f64>().ok()?,
    };
    Some(Operand::Float(f, Kind::Double))
}

/// A value as a number: numbers, `$null` (0), booleans, chars and numeric strings.
pub fn operand(value: &Value) -> Option<Operand> {
    Some(match value {
        Value::Int(i) => {
            Operand::Int(i128::from(*i), if i32::try_from(*i).is_ok() { Kind::Int32 } else { Kind::Int64 })
        }
        Value::Real(r) => Operand::Float(*r, Kind::Double),
        Value::Number(n) => match n {
            Numeric::SByte(v) => Operand::Int(i128::from(*v), Kind::SByte),
            Numeric::Byte(v) => Operand::Int(i128::from(*v), Kind::Byte),
            Numeric::Int16(v) => Operand::Int(i128::from(*v), Kind::Int16),
            Numeric::UInt16(v) => Operand::Int(i128::from(*v), Kind::UInt16),
            Numeric::UInt32(v) => Operand::Int(i128::from(*v), Kind::UInt32),
            Numeric::Int64(v) => Operand::Int(i128::from(*v), Kind::Int64),
            Numeric::UInt64(v) => Operand::Int(i128::from(*v), Kind::UInt64),
            Numeric::Single(v) => Operand::Float(f64::from(*v), Kind::Single),
            Numeric::Decimal(d) => Operand::Decimal(*d),
            Numeric::BigInt(b) => Operand::Big(BigInt::clone(b)),
        },
        Value::Char(c) => Operand::Int(i128::from(u32::from(*c)), Kind::Char),
        Value::Bool(b) => Operand::Int(i128::from(*b), Kind::Bool),
        Value::Null => Operand::Int(0, Kind::Int32),
        Value::String(s) => return parse_text(s),
        Value::Array(items) if items.borrow().len() == 1 => return operand(&items.borrow()[0]),
        _ => return None,
    })
}

/// An integer result of the operation type `kind` as a value.
fn int_value(n: i128, kind: Kind) -> Value {
    match kind {
        Kind::UInt32 => Value::Number(Numeric::UInt32(n as u32)),
        Kind::Int64 => Value::long(n as i64),
        Kind::UInt64 => Value::Number(Numeric::UInt64(n as u64)),
        _ => Value::Int(n as i64),
    }
}

/// The arithmetic operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

fn divide_by_zero() -> ErrorRecord {
    ErrorRecord::new("RuntimeException", "NotSpecified", "Attempted to divide by zero.".into())
        .exception("System.DivideByZeroException")
}

fn overflow(kind: Kind) -> ErrorRecord {
    ErrorRecord::new(
        "RuntimeException",
        "NotSpecified",
        format!("Value was either too large or too small for {}.", kind.article()),
    )
    .exception("System.OverflowException")
}

/// `a op b` in PowerShell's numeric rules.
pub fn arithmetic(op: Arith, a: &Operand, b: &Operand) -> Result<Value, ErrorRecord> {
    let (ka, kb) = (a.kind(), b.kind());
    let kind = ka.max(kb);
    if kind == Kind::BigInt {
        let (x, y) = (a.as_big(), b.as_big());
        let r = match op {
            Arith::Add => x + y,
            Arith::Sub => x - y,
            Arith::Mul => x * y,
            Arith::Div | Arith::Rem if y.is_zero() => return Err(divide_by_zero()),
            Arith::Div => x / y,
            Arith::Rem => x % y,
        };
        return Ok(Value::Number(Numeric::BigInt(Rc::new(r))));
    }
    if kind == Kind::Decimal {
        return decimal_op(op, a, b);
    }
    if kind >= Kind::Single {
        return Ok(Value::Real(float_op(op, a.as_f64(), b.as_f64())));
    }
    let (Operand::Int(x, _), Operand::Int(y, _)) = (a, b) else {
        return Ok(Value::Real(float_op(op, a.as_f64(), b.as_f64())));
    };
    let (x, y) = (*x, *y);
    // Mixing signed and unsigned: a negative operand moves UInt32 to Int64, UInt64 to Decimal.
    let negative_signed = (ka.signed() && x < 0) || (kb.signed() && y < 0);
    let kind = match kind {
        Kind::UInt32 if negative_signed => Kind::Int64,
        Kind::UInt64 if negative_signed => {
            return decimal_op(op, a, b).or_else(|_| Ok(Value::Real(float_op(op, a.as_f64(), b.as_f64()))));
        }
        k if k <= Kind::Int32 => Kind::Int32,
        k => k,
    };
    let Some((low, high)) = kind.range() else {
        return Ok(Value::Real(float_op(op, x as f64, y as f64)));
    };
    let exact = match op {
        Arith::Add => x + y,
        Arith::Sub => x - y,
        Arith::Mul => x.checked_mul(y).unwrap_or(i128::MAX),
        Arith::Div => {
            if y == 0 {
                return Err(divide_by_zero());
            }
            if x % y != 0 {
                return Ok(Value::Real(x as f64 / y as f64));
            }
            x / y
        }
        Arith::Rem => {
            if y == 0 {
                return Err(divide_by_zero());
            }
            x % y
        }
    };
    if exact < low || exact > high {
        return Ok(Value::Real(float_op(op, x as f64, y as f64)));
    }
    Ok(int_value(exact, kind))
}

fn float_op(op: Arith, x: f64, y: f64) -> f64 {
    match op {
        Arith::Add => x + y,
        Arith::Sub => x - y,
        Arith::Mul => x * y,
        Arith::Div => x / y,
        Arith::Rem => x % y,
    }
}

fn decimal_op(op: Arith, a: &Operand, b: &Operand) -> Result<Value, ErrorRecord> {
    let (Some(x), Some(y)) = (a.as_decimal(), b.as_decimal()) else {
        return Err(overflow(Kind::Decimal));
    };
    let r = match op {
        Arith::Add => x.checked_add(y),
        Arith::Sub => x.checked_sub(y),
        Arith::Mul => x.checked_mul(y),
        Arith::Div | Arith::Rem if y.is_zero() => return Err(divide_by_zero()),
        Arith::Div => x.checked_div(y),
        Arith::Rem => x.checked_rem(y),
    };
    r.map(|d| Value::Number(Numeric::Decimal(d))).ok_or_else(|| overflow(Kind::Decimal))
}

/// Numeric order of two operands, without going through `f64` where that would lose
/// precision. `None` for NaN.
pub fn compare(a: &Operand, b: &Operand) -> Option<Ordering> {
    match (a, b) {
        (Operand::Int(x, _), Operand::Int(y, _)) => Some(x.cmp(y)),
        (Operand::Big(_), _) | (_, Operand::Big(_))
            if !matches!(a, Operand::Float(..)) && !matches!(b, Operand::Float(..)) =>
        {
            Some(a.as_big().cmp(&b.as_big()))
        }
        (Operand::Decimal(_), Operand::Int(..) | Operand::Decimal(_)) | (Operand::Int(..), Operand::Decimal(_)) => {
            Some(a.as_decimal()?.cmp(&b.as_decimal()?))
        }
        _ => a.as_f64().partial_cmp(&b.as_f64()),
    }
}

/// `-band`, `-bor`, `-bxor`, `-shl`, `-shr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bits {
    And,
    Or,
    Xor,
    Shl,
    Shr,
}

/// A bitwise operator: in Int32 when both operands fit it, else in Int64 (or UInt64).
pub fn bitwise(op: Bits, a: &Operand, b: &Operand) -> Result<Value, ErrorRecord> {
    let whole = |o: &Operand| -> Result<i128, ErrorRecord> {
        match o {
            Operand::Int(i, _) => Ok(*i),
            Operand::Float(f, _) if f.is_finite() => Ok(f.round_ties_even() as i128),
            Operand::Decimal(d) => d.round().to_i128().ok_or_else(|| overflow(Kind::Int64)),
            Operand::Big(b) => b.to_i128().ok_or_else(|| overflow(Kind::Int64)),
            Operand::Float(..) => Err(overflow(Kind::Int64)),
        }
    };
    let (x, y) = (whole(a)?, whole(b)?);
    let kind = a.kind().max(b.kind());
    let wide = kind > Kind::Int32 || !(i32::try_from(x).is_ok() || u32::try_from(x).is_ok()) && kind >= Kind::UInt32;
    match op {
        Bits::Shl | Bits::Shr => {
            if wide || kind == Kind::UInt32 {
                let v = x as i64;
                let n = (y & 63) as u32;
                let r = if op == Bits::Shl { v.wrapping_shl(n) } else { v.wrapping_shr(n) };
                Ok(if kind == Kind::UInt64 { Value::Number(Numeric::UInt64(r as u64)) } else { Value::long(r) })
            } else {
                let v = x as i32;
                let n = (y & 31) as u32;
                let r = if op == Bits::Shl { v.wrapping_shl(n) } else { v.wrapping_shr(n) };
                Ok(Value::Int(i64::from(r)))
            }
        }
        _ => {
            let r = match op {
                Bits::And => x & y,
                Bits::Or => x | y,
                _ => x ^ y,
            };
            if !wide && kind <= Kind::Int32 {
                Ok(Value::Int(i64::from(r as i32)))
            } else if kind == Kind::UInt32 && u32::try_from(r).is_ok() {
                Ok(Value::Number(Numeric::UInt32(r as u32)))
            } else if kind == Kind::UInt64 {
                Ok(Value::Number(Numeric::UInt64(r as u64)))
            } else {
                Ok(Value::long(r as i64))
            }
        }
    }
}

/// `-bnot`.
pub fn bit_not(a: &Operand) -> Result<Value, ErrorRecord> {
    match a {
        Operand::Int(i, k) if *k <= Kind::Int32 => Ok(Value::Int(i64::from(!(*i as i32)))),
        Operand::Int(i, Kind::UInt32) => Ok(Value::Number(Numeric::UInt32(!(*i as u32)))),
        Operand::Int(i, Kind::UInt64) => Ok(Value::Number(Numeric::UInt64(!(*i as u64)))),
        Operand::Int(i, _) => Ok(Value::long(!(*i as i64))),
        Operand::Float(f, _) if f.is_finite() => {
            let r = f.round_ties_even();
            if r >= f64::from(i32::MIN) && r <= f64::from(i32::MAX) {
                Ok(Value::Int(i64::from(!(r as i32))))
            } else if r >= 0.0 && r <= f64::from(u32::MAX) {
                Ok(Value::Number(Numeric::UInt32(!(r as u32))))
            } else {
                Ok(Value::long(!(r as i64)))
            }
        }
        Operand::Decimal(d) => Ok(Value::long(!(d.round().to_i64().ok_or_else(|| overflow(Kind::Int64))?))),
        Operand::Big(b) => Ok(Value::Number(Numeric::BigInt(Rc::new(!b.clone())))),
        Operand::Float(..) => Err(overflow(Kind::UInt64)),
    }
}

/// `-x`: `0 - x` in x's type (a small integer type in Int32).
pub fn negate(a: &Operand) -> Result<Value, ErrorRecord> {
    match a {
        Operand::Float(f, _) => Ok(Value::Real(-f)),
        Operand::Decimal(d) => Ok(Value::Number(Numeric::Decimal(-*d))),
        Operand::Big(b) => Ok(Value::Number(Numeric::BigInt(Rc::new(-b.clone())))),
        other => arithmetic(Arith::Sub, &Operand::Int(0, Kind::Int32), other),
    }
}

/// `+x`: the number itself (a small integer type as Int32).
pub fn plus(a: &Operand) -> Value {
    match a {
        Operand::Int(i, k) if *k <= Kind::Int32 => Value::Int(*i as i64),
        Operand::Int(i, k) => int_value(*i, *k),
        Operand::Float(f, Kind::Single) => Value::Number(Numeric::Single(*f as f32)),
        Operand::Float(f, _) => Value::Real(*f),
        Operand::Decimal(d) => Value::Number(Numeric::Decimal(*d)),
        Operand::Big(b) => Value::Number(Numeric::BigInt(Rc::new(b.clone()))),
    }
}

/// `[kind] value` for a numeric `kind`: rounding to even from reals, with .NET's range errors.
/// `Err` holds the reason .NET gives, for the caller's cast message.
pub fn convert(value: &Operand, kind: Kind) -> Result<Value, String> {
    let too_big = || format!("Value was either too large or too small for {}.", kind.article());
    match kind {
        Kind::Double => return Ok(Value::Real(value.as_f64())),
        Kind::Single => return Ok(Value::Number(Numeric::Single(value.as_f64() as f32))),
        Kind::Decimal => {
            return value.as_decimal().map(|d| Value::Number(Numeric::Decimal(d))).ok_or_else(too_big);
        }
        Kind::BigInt => {
            if let Operand::Float(f, _) = value
                && !f.is_finite()
            {
                return Err(too_big());
            }
            return Ok(Value::Number(Numeric::BigInt(Rc::new(value.as_big()))));
        }
        Kind::Bool => return Ok(Value::Bool(value.as_f64() != 0.0)),
        _ => {}
    }
    let whole: i128 = match value {
        Operand::Int(i, _) => *i,
        Operand::Float(f, _) if f.is_finite() && f.abs() < 1.8e38 => f.round_ties_even() as i128,
        Operand::Float(..) => return Err(too_big()),
        Operand::Decimal(d) => d
            .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointNearestEven)
            .to_i128()
            .ok_or_else(too_big)?,
        Operand::Big(b) => b.to_i128().ok_or_else(too_big)?,
    };
    let Some((low, high)) = kind.range() else { return Err(too_big()) };
    if whole < low || whole > high {
        return Err(too_big());
    }
    Ok(match kind {
        Kind::SByte => Value::Number(Numeric::SByte(whole as i8)),
        Kind::Byte => Value::Number(Numeric::Byte(whole as u8)),
        Kind::Int16 => Value::Number(Numeric::Int16(whole as i16)),
        Kind::UInt16 => Value::Number(Numeric::UInt16(whole as u16)),
        Kind::Int32 => Value::Int(whole as i64),
        Kind::UInt32 => Value::Number(Numeric::UInt32(whole as u32)),
        Kind::Int64 => Value::long(whole as i64),
        Kind::UInt64 => Value::Number(Numeric::UInt64(whole as u64)),
        Kind::Char => Value::Char(char::from_u32(whole as u32).unwrap_or('\u{FFFD}')),
        _ => return Err(too_big()),
    })
}

/// The numeric kind of a value, if it is a number.
pub fn kind_of(value: &Value) -> Option<Kind> {
    match value {
        Value::Int(_) | Value::Real(_) | Value::Number(_) => operand(value).map(|o| o.kind()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(o: Arith, a: Value, b: Value) -> Value {
        arithmetic(o, &operand(&a).expect("number"), &operand(&b).expect("number")).expect("computes")
    }

    #[test]
    fn operations_take_the_wider_type_and_overflow_to_double() {
        assert_eq!(op(Arith::Add, Value::Int(1), Value::Int(2)), Value::Int(3));
        assert_eq!(op(Arith::Add, Value::Int(i64::from(i32::MAX)), Value::Int(1)), Value::Real(2_147_483_648.0));
        assert_eq!(op(Arith::Add, Value::long(1), Value::Int(2)), Value::long(3));
        assert_eq!(op(Arith::Add, Value::Number(Numeric::Byte(1)), Value::Number(Numeric::Byte(2))), Value::Int(3));
        assert_eq!(op(Arith::Mul, Value::Number(Numeric::UInt32(2)), Value::Int(3)), Value::Number(Numeric::UInt32(6)));
        assert_eq!(op(Arith::Add, Value::Number(Numeric::UInt32(2)), Value::Int(-3)), Value::long(-1));
        assert_eq!(op(Arith::Div, Value::Int(7), Value::Int(2)), Value::Real(3.5));
        assert_eq!(op(Arith::Div, Value::Int(6), Value::Int(2)), Value::Int(3));
        assert_eq!(
            op(Arith::Add, Value::Number(Numeric::Decimal(Decimal::new(15, 1))), Value::Int(1)),
            Value::Number(Numeric::Decimal(Decimal::new(25, 1)))
        );
        assert_eq!(op(Arith::Add, Value::Char('a'), Value::Int(1)), Value::Int(98));
        assert_eq!(op(Arith::Add, Value::from("0x10"), Value::Int(1)), Value::Int(17));
        assert_eq!(
            op(Arith::Add, Value::Number(Numeric::Single(1.5)), Value::Number(Numeric::Single(1.0))),
            Value::Real(2.5)
        );
    }

    #[test]
    fn conversions_round_to_even_and_check_ranges() {
        let c = |v: Value, k: Kind| convert(&operand(&v).expect("number"), k);
        assert_eq!(c(Value::Real(2.5), Kind::Int32), Ok(Value::Int(2)));
        assert_eq!(c(Value::Real(3.5), Kind::Int32), Ok(Value::Int(4)));
        assert_eq!(c(Value::Int(255), Kind::Byte), Ok(Value::Number(Numeric::Byte(255))));
        assert!(c(Value::Int(256), Kind::Byte).is_err());
        assert!(c(Value::Int(-1), Kind::UInt32).is_err());
        assert_eq!(decimal_from_f64(1.1), Some(Decimal::new(11, 1)));
    }
}
