//! `[System.Math]`: rounding (banker's by default, `MidpointRounding` by name), min/max that
//! keep the operand's type, powers, roots, logarithms and trigonometry, as .NET computes them.
//!
//! Owns: the Math type.
//!
//! Must not: format numbers (that is `eval::convert`).

use crate::shell::error_record::ErrorRecord;
use crate::shell::eval::convert::{Num, to_number};
use crate::shell::runtime::object::Member;
use crate::shell::runtime::types::NetType;
use crate::shell::value::Value;

use super::{arg_f64, arg_i64, whole};

pub struct Math;
pub static MATH: Math = Math;

const METHODS: &[(&str, &str)] = &[
    ("Abs", "static double Abs(double value)"),
    ("Acos", "static double Acos(double d)"),
    ("Asin", "static double Asin(double d)"),
    ("Atan", "static double Atan(double d)"),
    ("Atan2", "static double Atan2(double y, double x)"),
    ("Ceiling", "static double Ceiling(double a)"),
    ("Cos", "static double Cos(double d)"),
    ("Exp", "static double Exp(double d)"),
    ("Floor", "static double Floor(double d)"),
    ("Log", "static double Log(double d), static double Log(double a, double newBase)"),
    ("Log10", "static double Log10(double d)"),
    ("Max", "static double Max(double val1, double val2)"),
    ("Min", "static double Min(double val1, double val2)"),
    ("Pow", "static double Pow(double x, double y)"),
    ("Round", "static double Round(double a), static double Round(double value, int digits)"),
    ("Sign", "static int Sign(double value)"),
    ("Sin", "static double Sin(double a)"),
    ("Sqrt", "static double Sqrt(double d)"),
    ("Tan", "static double Tan(double a)"),
    ("Truncate", "static double Truncate(double d)"),
];

/// Rounds half away from zero or to even, to `digits` places.
fn round(value: f64, digits: i32, away_from_zero: bool) -> f64 {
    let factor = 10f64.powi(digits);
    let scaled = value * factor;
    let r = if away_from_zero { scaled.round() } else { scaled.round_ties_even() };
    r / factor
}

impl NetType for Math {
    fn full_name(&self) -> &'static str {
        "System.Math"
    }

    fn static_property(&self, name: &str) -> Option<Value> {
        match name.to_ascii_lowercase().as_str() {
            "pi" => Some(Value::Real(std::f64::consts::PI)),
            "e" => Some(Value::Real(std::f64::consts::E)),
            "tau" => Some(Value::Real(std::f64::consts::TAU)),
            _ => None,
        }
    }

    fn static_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let lower = name.to_ascii_lowercase();
        let n = |i: usize| arg_f64(args, i, name);
        let real = |r: Result<f64, ErrorRecord>| Some(r.map(Value::Real));
        Some(match lower.as_str() {
            "round" => (|| {
                let mode = args.iter().skip(1).find(|a| matches!(a, Value::String(s) if s.parse::<f64>().is_err()));
                let away = mode.is_some_and(|m| m.to_display_string().eq_ignore_ascii_case("AwayFromZero"));
                let digits = match args.get(1) {
                    Some(v) if Some(v) != mode => arg_i64(args, 1, name)?,
                    _ => 0,
                };
                if !(0..=15).contains(&digits) {
                    return Err(crate::shell::runtime::object::method_threw(
                        name,
                        args.len(),
                        "Rounding digits must be between 0 and 15, inclusive. (Parameter 'digits')",
                    ));
                }
                let r = round(n(0)?, digits as i32, away);
                Ok(if digits == 0 && matches!(args.first(), Some(Value::Int(_))) { whole(r) } else { Value::Real(r) })
            })(),
            "floor" => n(0).map(|r| whole(r.floor())),
            "ceiling" => n(0).map(|r| whole(r.ceil())),
            "truncate" => n(0).map(|r| whole(r.trunc())),
            "abs" => match args.first().and_then(to_number) {
                Some(Num::Int(i)) => Ok(i.checked_abs().map_or(Value::Real((i as f64).abs()), Value::Int)),
                _ => n(0).map(|r| Value::Real(r.abs())),
            },
            "sign" => n(0).map(|r| {
                Value::Int(if r > 0.0 {
                    1
                } else if r < 0.0 {
                    -1
                } else {
                    0
                })
            }),
            "max" | "min" => (|| {
                let (a, b) = (n(0)?, n(1)?);
                let pick_first = (a >= b) == (lower == "max");
                Ok(args[if pick_first { 0 } else { 1 }].clone())
            })(),
            "pow" => return real(n(0).and_then(|x| Ok(x.powf(n(1)?)))),
            "sqrt" => return real(n(0).map(f64::sqrt)),
            "exp" => return real(n(0).map(f64::exp)),
            "log" if args.len() == 2 => return real(n(0).and_then(|x| Ok(x.ln() / n(1)?.ln()))),
            "log" => return real(n(0).map(f64::ln)),
            "log10" => return real(n(0).map(f64::log10)),
            "log2" => return real(n(0).map(f64::log2)),
            "sin" => return real(n(0).map(f64::sin)),
            "cos" => return real(n(0).map(f64::cos)),
            "tan" => return real(n(0).map(f64::tan)),
            "asin" => return real(n(0).map(f64::asin)),
            "acos" => return real(n(0).map(f64::acos)),
            "atan" => return real(n(0).map(f64::atan)),
            "atan2" => return real(n(0).and_then(|y| Ok(y.atan2(n(1)?)))),
            _ => return None,
        })
    }

    fn static_members(&self) -> Vec<Member> {
        let mut members: Vec<Member> = METHODS.iter().map(|(n, d)| Member::method(n, d)).collect();
        members.push(Member::property("E", "static double E"));
        members.push(Member::property("PI", "static double PI"));
        members
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_and_functions_follow_dotnet() {
        let call = |name: &str, args: &[Value]| MATH.static_method(name, args).and_then(Result::ok);
        assert_eq!(call("Round", &[Value::Real(2.5)]), Some(Value::Real(2.0)), "banker's rounding");
        assert_eq!(call("Round", &[Value::Real(2.5), Value::from("AwayFromZero")]), Some(Value::Real(3.0)));
        assert_eq!(call("Round", &[Value::Real(1.2345), Value::Int(2)]), Some(Value::Real(1.23)));
        assert_eq!(call("Max", &[Value::Int(3), Value::Int(7)]), Some(Value::Int(7)));
        assert_eq!(call("Floor", &[Value::Real(-1.5)]), Some(Value::Int(-2)));
        assert_eq!(call("Pow", &[Value::Int(2), Value::Int(10)]), Some(Value::Real(1024.0)));
        assert_eq!(call("Log10", &[Value::Int(1000)]), Some(Value::Real(3.0)));
        assert!(MATH.static_method("Frobnicate", &[]).is_none());
        assert!(matches!(MATH.static_method("Sqrt", &[]), Some(Err(_))), "a missing argument is an overload error");
    }
}
