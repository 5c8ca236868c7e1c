//! `[System.String]`'s static side: `Empty`, `IsNullOrEmpty`, `IsNullOrWhiteSpace`, `Join`,
//! `Format`, `Concat`, `Compare`, `Equals`.
//!
//! Owns: the String type.
//!
//! Must not: implement the `-f` operator's formatting (it calls `eval::convert`).

use std::cmp::Ordering;

use crate::shell::error_record::ErrorRecord;
use crate::shell::eval::convert::composite_format;
use crate::shell::eval::operators::items;
use crate::shell::runtime::object::Member;
use crate::shell::runtime::types::NetType;
use crate::shell::value::Value;

use super::arg_text;

pub struct StringType;
pub static STRING: StringType = StringType;

/// The values after the first argument, or the items of the second when it is the only one
/// (`[string]::Join(',', $array)` and `[string]::Join(',', 'a', 'b')` alike).
fn rest(args: &[Value]) -> Vec<Value> {
    if args.len() == 2 { items(&args[1]) } else { args[1.min(args.len())..].to_vec() }
}

fn ordering(o: Ordering) -> Value {
    Value::Int(match o {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    })
}

impl NetType for StringType {
    fn full_name(&self) -> &'static str {
        "System.String"
    }

    fn accelerators(&self) -> &'static [&'static str] {
        &["string"]
    }

    fn static_property(&self, name: &str) -> Option<Value> {
        name.eq_ignore_ascii_case("Empty").then(|| Value::String(String::new()))
    }

    fn static_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        Some(Ok(match name.to_ascii_lowercase().as_str() {
            "isnullorempty" => Value::Bool(args.first().is_none_or(|v| v.to_display_string().is_empty())),
            "isnullorwhitespace" => Value::Bool(args.first().is_none_or(|v| v.to_display_string().trim().is_empty())),
            "join" => {
                let separator = arg_text(args, 0);
                Value::String(rest(args).iter().map(Value::to_display_string).collect::<Vec<_>>().join(&separator))
            }
            "format" => match composite_format(&arg_text(args, 0), &rest(args)) {
                Ok(text) => Value::String(text),
                // .NET's FormatException, not the -f operator's error.
                Err(_) => {
                    return Some(Err(crate::shell::runtime::object::method_threw(
                        name,
                        args.len(),
                        "Input string was not in a correct format.",
                    )
                    .exception("System.FormatException")));
                }
            },
            "concat" => Value::String(args.iter().flat_map(items).map(|v| v.to_display_string()).collect()),
            "compare" => {
                let (a, b) = (arg_text(args, 0), arg_text(args, 1));
                let ignore_case = args.get(2).is_some_and(|v| {
                    v.is_truthy() && !v.to_display_string().to_ascii_lowercase().ends_with("ordinal")
                        || v.to_display_string().to_ascii_lowercase().contains("ignorecase")
                });
                if args.get(2).is_some_and(|v| v.to_display_string().eq_ignore_ascii_case("Ordinal")) {
                    ordering(a.cmp(&b))
                } else {
                    ordering(culture_compare(&a, &b, ignore_case))
                }
            }
            "equals" => Value::Bool(arg_text(args, 0) == arg_text(args, 1)),
            _ => return None,
        }))
    }

    fn static_members(&self) -> Vec<Member> {
        vec![
            Member::method(
                "Compare",
                "static int Compare(string strA, string strB), static int Compare(string strA, string strB, bool ignoreCase)",
            ),
            Member::method("Concat", "static string Concat(Params System.Object[] args)"),
            Member::method("Format", "static string Format(string format, Params System.Object[] args)"),
            Member::method("IsNullOrEmpty", "static bool IsNullOrEmpty(string value)"),
            Member::method("IsNullOrWhiteSpace", "static bool IsNullOrWhiteSpace(string value)"),
            Member::method("Join", "static string Join(string separator, Params System.Object[] values)"),
            Member::property("Empty", "static string Empty"),
        ]
    }
}

/// The invariant culture's order: letters compare case-insensitively first, and lower case
/// before upper case only to break a tie (`"a" < "B"`, `"a" < "A"`).
pub fn culture_compare(a: &str, b: &str, ignore_case: bool) -> Ordering {
    let folded = a.to_lowercase().cmp(&b.to_lowercase());
    if ignore_case || folded != Ordering::Equal {
        return folded;
    }
    // Same letters: lower case sorts first, as in .NET's culture-aware comparison.
    b.cmp(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_string_members() {
        let call = |name: &str, args: &[Value]| STRING.static_method(name, args).and_then(Result::ok);
        assert_eq!(call("IsNullOrEmpty", &[Value::Null]), Some(Value::Bool(true)));
        assert_eq!(call("IsNullOrWhiteSpace", &[Value::from("  ")]), Some(Value::Bool(true)));
        let list = Value::array(vec![Value::from("a"), Value::from("b")]);
        assert_eq!(call("Join", &[Value::from(","), list]), Some(Value::from("a,b")));
        assert_eq!(call("Format", &[Value::from("{0}-{1}"), Value::Int(1), Value::Int(2)]), Some(Value::from("1-2")));
        assert_eq!(call("Compare", &[Value::from("a"), Value::from("B")]), Some(Value::Int(-1)));
        assert_eq!(call("Compare", &[Value::from("a"), Value::from("A"), Value::Bool(true)]), Some(Value::Int(0)));
        assert_eq!(call("Compare", &[Value::from("a"), Value::from("A")]), Some(Value::Int(-1)));
        assert_eq!(STRING.static_property("empty"), Some(Value::from("")));
    }
}
