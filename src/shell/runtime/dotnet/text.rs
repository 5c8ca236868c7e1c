//! `[System.Text.StringBuilder]`: a mutable string scripts build reports in
//! (`Append`, `AppendLine`, `AppendFormat`, `Insert`, `Replace`, `Remove`, `Clear`, `Length`,
//! `ToString`). Each method returns the builder itself, as .NET does, so calls chain.
//!
//! Owns: the StringBuilder type and its objects.
//!
//! Must not: print; a builder is only text in memory (capped as every string is).

use std::any::Any;
use std::cell::RefCell;
use std::rc::Weak;

use crate::shell::error_record::ErrorRecord;
use crate::shell::eval::convert::composite_format;
use crate::shell::eval::operators::{MAX_REPEATED_TEXT, items, too_large};
use crate::shell::runtime::object::{
    Member, NetObject, ObjectRef, method_threw, overload_not_found, property_read_only,
};
use crate::shell::runtime::types::NetType;
use crate::shell::value::Value;

use super::{arg_i64, arg_text};

/// One StringBuilder.
#[derive(Debug)]
pub struct StringBuilder {
    text: RefCell<String>,
    /// The builder itself, which its methods return so calls chain.
    me: Weak<StringBuilder>,
}

impl StringBuilder {
    fn push(&self, piece: &str) -> Result<(), ErrorRecord> {
        let mut text = self.text.borrow_mut();
        if text.len() + piece.len() > MAX_REPEATED_TEXT {
            return Err(too_large("Appending to a StringBuilder"));
        }
        text.push_str(piece);
        Ok(())
    }

    /// The character index `i` as a byte offset, or .NET's out-of-range error.
    fn offset(&self, method: &str, count: usize, i: i64) -> Result<usize, ErrorRecord> {
        let text = self.text.borrow();
        let chars = text.chars().count();
        usize::try_from(i)
            .ok()
            .filter(|i| *i <= chars)
            .map(|i| text.char_indices().nth(i).map_or(text.len(), |(b, _)| b))
            .ok_or_else(|| {
                method_threw(
                    method,
                    count,
                    "Index was out of range. Must be non-negative and less than the size of the collection.",
                )
            })
    }
}

impl NetObject for StringBuilder {
    fn type_name(&self) -> String {
        "System.Text.StringBuilder".into()
    }

    fn members(&self) -> Vec<Member> {
        vec![
            Member::settable("Capacity", "int"),
            Member::settable("Length", "int"),
            Member::property("MaxCapacity", "int"),
            Member::method("Append", "System.Text.StringBuilder Append(System.Object value)"),
            Member::method(
                "AppendFormat",
                "System.Text.StringBuilder AppendFormat(string format, Params System.Object[] args)",
            ),
            Member::method(
                "AppendLine",
                "System.Text.StringBuilder AppendLine(), System.Text.StringBuilder AppendLine(string value)",
            ),
            Member::method("Clear", "System.Text.StringBuilder Clear()"),
            Member::method("Insert", "System.Text.StringBuilder Insert(int index, System.Object value)"),
            Member::method("Remove", "System.Text.StringBuilder Remove(int startIndex, int length)"),
            Member::method("Replace", "System.Text.StringBuilder Replace(string oldValue, string newValue)"),
        ]
    }

    fn property(&self, name: &str) -> Option<Value> {
        let length = self.text.borrow().chars().count() as i64;
        match name.to_ascii_lowercase().as_str() {
            "length" => Some(Value::Int(length)),
            "capacity" => Some(Value::Int(length.max(16))),
            "maxcapacity" => Some(Value::Int(i64::from(i32::MAX))),
            _ => None,
        }
    }

    fn set_property(&self, name: &str, value: Value) -> Result<(), ErrorRecord> {
        if name.eq_ignore_ascii_case("Length") {
            let n = usize::try_from(arg_i64(&[value], 0, "set_Length")?).unwrap_or(0);
            let mut text = self.text.borrow_mut();
            let current = text.chars().count();
            if n <= current {
                *text = text.chars().take(n).collect();
            } else if n - current <= MAX_REPEATED_TEXT {
                text.extend(std::iter::repeat_n('\0', n - current));
            }
            return Ok(());
        }
        if name.eq_ignore_ascii_case("Capacity") {
            return Ok(());
        }
        Err(property_read_only(name))
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let this = || Ok(ObjectRef::this(&self.me));
        let result: Result<Value, ErrorRecord> = match name.to_ascii_lowercase().as_str() {
            "append" => match args {
                [value] => self.push(&value.to_display_string()).and_then(|_| this()),
                // Append(char, repeatCount)
                [value, count] => arg_i64(std::slice::from_ref(count), 0, name).and_then(|n| {
                    let n = usize::try_from(n).unwrap_or(0);
                    if n > MAX_REPEATED_TEXT {
                        return Err(too_large("Appending to a StringBuilder"));
                    }
                    self.push(&value.to_display_string().repeat(n)).and_then(|_| this())
                }),
                _ => Err(overload_not_found(name, args.len())),
            },
            "appendline" => self.push(&format!("{}\n", arg_text(args, 0))).and_then(|_| this()),
            "appendformat" => {
                let rest: Vec<Value> =
                    if args.len() == 2 { items(&args[1]) } else { args.iter().skip(1).cloned().collect() };
                composite_format(&arg_text(args, 0), &rest).and_then(|t| self.push(&t)).and_then(|_| this())
            }
            "insert" => (|| {
                let at = self.offset(name, args.len(), arg_i64(args, 0, name)?)?;
                let piece = arg_text(args, 1);
                if self.text.borrow().len() + piece.len() > MAX_REPEATED_TEXT {
                    return Err(too_large("Inserting into a StringBuilder"));
                }
                self.text.borrow_mut().insert_str(at, &piece);
                this()
            })(),
            "remove" => (|| {
                let start = arg_i64(args, 0, name)?;
                let length = arg_i64(args, 1, name)?;
                let from = self.offset(name, 2, start)?;
                let to = self.offset(name, 2, start.saturating_add(length))?;
                self.text.borrow_mut().replace_range(from..to, "");
                this()
            })(),
            "replace" => {
                let (old, new) = (arg_text(args, 0), arg_text(args, 1));
                if old.is_empty() {
                    Err(method_threw(name, args.len(), "The value cannot be an empty string. (Parameter 'oldValue')"))
                } else {
                    let replaced = self.text.borrow().replace(&old, &new);
                    *self.text.borrow_mut() = replaced;
                    this()
                }
            }
            "clear" => {
                self.text.borrow_mut().clear();
                this()
            }
            "tostring" if args.len() == 2 => (|| {
                let start = arg_i64(args, 0, name)?;
                let length = arg_i64(args, 1, name)?;
                let from = self.offset(name, 2, start)?;
                let to = self.offset(name, 2, start.saturating_add(length))?;
                Ok(Value::String(self.text.borrow()[from..to].to_string()))
            })(),
            _ => return None,
        };
        Some(result)
    }

    fn to_text(&self) -> String {
        self.text.borrow().clone()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

pub struct StringBuilderType;
pub static STRING_BUILDER: StringBuilderType = StringBuilderType;

impl NetType for StringBuilderType {
    fn full_name(&self) -> &'static str {
        "System.Text.StringBuilder"
    }

    fn construct(&self, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        // new StringBuilder(string) starts with the text; new StringBuilder(int) is a capacity.
        let initial = match args.first() {
            Some(Value::String(s)) if s.len() > MAX_REPEATED_TEXT => return Some(Err(too_large("A StringBuilder"))),
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        };
        let builder = ObjectRef::new_cyclic(|me| StringBuilder { text: RefCell::new(initial), me: me.clone() });
        Some(Ok(Value::Object(builder)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_builder_appends_inserts_and_replaces() {
        let Some(Ok(Value::Object(sb))) = STRING_BUILDER.construct(&[]) else { panic!("a builder") };
        let Some(Ok(Value::Object(same))) = sb.call("Append", &[Value::from("CCR")]) else { panic!("itself") };
        assert_eq!(same, sb, "Append returns the builder, so calls chain");
        assert!(matches!(same.call("Append", &[Value::from("EX01")]), Some(Ok(_))));
        assert!(matches!(sb.call("AppendLine", &[]), Some(Ok(_))));
        assert!(matches!(
            sb.call("AppendFormat", &[Value::from("{0}-{1}"), Value::Int(1), Value::Int(2)]),
            Some(Ok(_))
        ));
        assert_eq!(sb.to_text(), "CCREX01\n1-2");
        assert!(matches!(sb.call("Insert", &[Value::Int(0), Value::from(">")]), Some(Ok(_))));
        assert!(matches!(sb.call("Replace", &[Value::from("EX"), Value::from("ex")]), Some(Ok(_))));
        assert_eq!(sb.to_text(), ">CCRex01\n1-2");
        assert_eq!(sb.property("Length"), Some(Value::Int(12)));
        let before = sb.to_text();
        assert!(matches!(sb.call("Insert", &[Value::Int(99), Value::from("x")]), Some(Err(_))));
        assert_eq!(sb.to_text(), before, "a refused insert changes nothing");
        assert!(sb.call("NoSuchMethod", &[]).is_none());
        assert!(matches!(sb.call("Clear", &[]), Some(Ok(_))));
        assert_eq!(sb.to_text(), "");
    }
}
