//! `$Error`: the session's errors, newest first, as the ArrayList PowerShell keeps them in —
//! indexed, counted and enumerated, and emptied by `$Error.Clear()` (or trimmed with
//! `RemoveAt`) as scripts do before a step whose errors they then count.
//!
//! Owns: the list's object form over the interpreter's own list.
//!
//! Must not: add errors (the interpreter records them) or print.

use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;

use crate::shell::error_record::ErrorRecord;
use crate::shell::value::Value;

use super::dotnet::arg_i64;
use super::object::{Member, NetObject, method_threw, overload_not_found};

/// The errors the interpreter records, shared with every `$Error` handed out.
pub type Errors = Rc<RefCell<Vec<ErrorRecord>>>;

/// `$Error` over the interpreter's list.
#[derive(Debug)]
pub struct ErrorList(pub Errors);

impl NetObject for ErrorList {
    fn type_name(&self) -> String {
        "System.Collections.ArrayList".into()
    }

    fn members(&self) -> Vec<Member> {
        vec![
            Member::property("Count", "int"),
            Member::method("Clear", "void Clear()"),
            Member::method("RemoveAt", "void RemoveAt(int index)"),
        ]
    }

    fn property(&self, name: &str) -> Option<Value> {
        name.eq_ignore_ascii_case("count").then(|| Value::Int(self.0.borrow().len() as i64))
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        Some(match (name.to_ascii_lowercase().as_str(), args) {
            ("clear", []) => {
                self.0.borrow_mut().clear();
                Ok(Value::Null)
            }
            ("removeat", [_]) => {
                let index = match arg_i64(args, 0, name) {
                    Ok(index) => index,
                    Err(e) => return Some(Err(e)),
                };
                let mut errors = self.0.borrow_mut();
                match usize::try_from(index).ok().filter(|i| *i < errors.len()) {
                    Some(i) => {
                        errors.remove(i);
                        Ok(Value::Null)
                    }
                    None => Err(method_threw(
                        name,
                        1,
                        "Index was out of range. Must be non-negative and less than the size of the collection.",
                    )
                    .exception("System.ArgumentOutOfRangeException")),
                }
            }
            ("clear" | "removeat", _) => Err(overload_not_found(name, args.len())),
            _ => return None,
        })
    }

    fn enumerate(&self) -> Option<Vec<Value>> {
        Some(self.0.borrow().iter().map(ErrorRecord::to_value).collect())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
