//! The typed-object seam: what a .NET-style object must answer so the language can use it
//! like any other value. A type (a `FileInfo`, an `ArrayList`, an Exchange
//! `ByteQuantifiedSize`…) implements [`NetObject`] once; `Value::Object` carries it through
//! pipelines, and the interpreter's member access, `-is`, comparisons, `Get-Member`,
//! `ToString()` and enumeration all come here.
//!
//! Owns: [`NetObject`], [`ObjectRef`], [`Member`] and [`MemberKind`], and the errors
//! PowerShell gives for a member an object does not have or will not set.
//!
//! Must not: evaluate script, touch variables, print, or know any particular type (types live
//! in `runtime::dotnet` and their own families; static members in `runtime::types`).

use std::any::Any;
use std::cmp::Ordering;
use std::fmt;
use std::rc::Rc;

use crate::shell::error_record::ErrorRecord;
use crate::shell::value::Value;

/// An object of a .NET-style type.
///
/// Objects are shared (`Rc`), as .NET reference types are: every copy of the `Value` sees a
/// change made through one. A mutable type keeps its state in a `RefCell` or `Cell`; an
/// immutable value type (a size, a span) simply has no setters.
///
/// Every method but [`NetObject::type_name`] has a default, so a small type is a few lines.
pub trait NetObject: fmt::Debug {
    /// The full .NET type name, as `GetType().FullName` prints it
    /// (`System.IO.FileInfo`).
    fn type_name(&self) -> String;

    /// The type and its base types, most derived first, as `$obj.PSObject.TypeNames` lists
    /// them. `-is [T]` is true when `T` (full or short name) is one of these.
    fn type_names(&self) -> Vec<String> {
        vec![self.type_name(), "System.Object".to_string()]
    }

    /// The properties and methods, for `Get-Member` and `Select-Object *` (properties in the
    /// order a list view shows them).
    fn members(&self) -> Vec<Member> {
        Vec::new()
    }

    /// A property's value; `None` when the object has no such property (the caller then
    /// answers `$null`, as PowerShell does without strict mode). `name` is matched
    /// case-insensitively.
    fn property(&self, name: &str) -> Option<Value> {
        let _ = name;
        None
    }

    /// Sets a property. The default refuses as PowerShell does for a missing or read-only
    /// property.
    fn set_property(&self, name: &str, value: Value) -> Result<(), ErrorRecord> {
        let _ = value;
        Err(match self.members().iter().find(|m| m.name.eq_ignore_ascii_case(name)) {
            Some(_) => property_read_only(name),
            None => property_not_found(name, &self.type_name()),
        })
    }

    /// Calls a method; `None` when the object has no method of that name (the caller then
    /// reports PowerShell's "does not contain a method named" error). `ToString`,
    /// `GetType`, `Equals`, `GetHashCode` and `CompareTo` are answered by the caller from the
    /// other methods of this trait when this returns `None`.
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let _ = (name, args);
        None
    }

    /// What `ToString()` (and a string context such as `"$obj"`) gives. The default is the
    /// type name, as `System.Object.ToString()`.
    fn to_text(&self) -> String {
        self.type_name()
    }

    /// `ToString(format)`, for types that take a format string.
    fn to_text_formatted(&self, format: &str) -> Option<String> {
        let _ = format;
        None
    }

    /// Ordering against another value (`-lt`, `-gt`, `Sort-Object`); `None` when the two
    /// do not compare (IComparable not implemented for that operand).
    fn compare(&self, other: &Value) -> Option<Ordering> {
        let _ = other;
        None
    }

    /// `-eq` and `Equals()`. The default is reference equality, as for .NET classes.
    fn equals(&self, other: &Value) -> bool {
        match other {
            Value::Object(o) => std::ptr::eq(self as *const Self as *const u8, Rc::as_ptr(&o.0) as *const u8),
            _ => false,
        }
    }

    /// The items, for a collection type (IEnumerable): the pipeline unrolls them, `foreach`
    /// walks them, `.Count` counts them. `None` for a scalar-like object. A dictionary is not
    /// unrolled by the pipeline, as in PowerShell: it answers `None` here.
    fn enumerate(&self) -> Option<Vec<Value>> {
        None
    }

    /// What output shows in the object's place, when it is shown as items although the
    /// pipeline does not unroll it (a dictionary's entries). The default is [`NetObject::enumerate`].
    fn display_items(&self) -> Option<Vec<Value>> {
        self.enumerate()
    }

    /// Whether output shows the object as its text (PowerShell's MatchInfo view calls
    /// `ToString()`) rather than as a record of its properties.
    fn shown_as_text(&self) -> bool {
        false
    }

    /// The row its type's default table view shows, when that view computes its cells rather
    /// than showing properties (Process: `NPM(K)`, `PM(M)`, `WS(M)`, `CPU(s)`); the record's
    /// type names the view. `None`: the view shows the properties ([`ObjectRef::shown`]).
    fn table_row(&self) -> Option<crate::shell::value::Record> {
        None
    }

    /// For downcasting in the type's own code (`obj.as_any().downcast_ref::<FileInfo>()`).
    fn as_any(&self) -> &dyn Any;
}

/// A shared object in a `Value`.
#[derive(Clone)]
pub struct ObjectRef(pub Rc<dyn NetObject>);

impl ObjectRef {
    pub fn new(object: impl NetObject + 'static) -> ObjectRef {
        ObjectRef(Rc::new(object))
    }

    /// An object that needs a handle on itself (a method that returns `this`, as
    /// `StringBuilder.Append` does): `make` gets a weak reference to keep.
    pub fn new_cyclic<T: NetObject + 'static>(make: impl FnOnce(&std::rc::Weak<T>) -> T) -> ObjectRef {
        ObjectRef(Rc::new_cyclic(make))
    }

    /// The value of a weak self-reference kept by [`ObjectRef::new_cyclic`].
    pub fn this<T: NetObject + 'static>(weak: &std::rc::Weak<T>) -> Value {
        weak.upgrade().map_or(Value::Null, |rc| Value::Object(ObjectRef(rc)))
    }

    /// The object as its concrete type, if it is one.
    pub fn downcast<T: 'static>(&self) -> Option<&T> {
        self.0.as_any().downcast_ref::<T>()
    }

    /// Whether `type_name` (full name, or the short name after the last dot, any case) is
    /// the object's type or one of its bases.
    pub fn is_a(&self, type_name: &str) -> bool {
        // `[List[int]]` loses its outer brackets only: the type arguments are part of the name.
        let trimmed = type_name.trim();
        let inner = match trimmed.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            Some(inner) => inner,
            None => trimmed,
        };
        let wanted = inner.trim().to_ascii_lowercase();
        let wanted = wanted.strip_prefix("system.").unwrap_or(&wanted).to_string();
        self.0.type_names().iter().any(|t| {
            let t = t.to_ascii_lowercase();
            let t = t.strip_prefix("system.").unwrap_or(&t);
            t == wanted || (!wanted.contains('.') && t.rsplit('.').next() == Some(wanted.as_str()))
        })
    }
}

impl std::ops::Deref for ObjectRef {
    type Target = dyn NetObject;
    fn deref(&self) -> &(dyn NetObject + 'static) {
        &*self.0
    }
}

impl ObjectRef {
    /// The object's properties and their values now, in the order of its members.
    pub fn property_values(&self) -> Vec<(String, Value)> {
        self.0
            .members()
            .into_iter()
            .filter(|m| m.is_property())
            .map(|m| {
                let value = self.0.property(&m.name).unwrap_or(Value::Null);
                (m.name, value)
            })
            .collect()
    }

    /// Whether output shows the object as one line of text (an enum-like value, an object
    /// without properties, a MatchInfo) rather than as its items or a record.
    pub fn shows_as_text(&self) -> bool {
        self.0.shown_as_text() || !self.0.members().iter().any(|m| m.is_property())
    }

    /// What output shows for the object: a collection as its items, an object without
    /// properties as its text, any other as a record of its properties under its type name
    /// (so the type's default view, if it has one, lays it out).
    pub fn shown(&self) -> Value {
        if let Some(items) = self.0.display_items() {
            return Value::array(items);
        }
        if self.shows_as_text() {
            return Value::String(self.0.to_text());
        }
        let properties = self.property_values();
        let mut record = crate::shell::value::Record::new(self.0.type_name()).with_text(self.0.to_text());
        record.properties = properties;
        Value::record(record)
    }
}

impl fmt::Debug for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl PartialEq for ObjectRef {
    fn eq(&self, other: &ObjectRef) -> bool {
        Rc::ptr_eq(&self.0, &other.0) || self.0.equals(&Value::Object(other.clone()))
    }
}

impl From<ObjectRef> for Value {
    fn from(o: ObjectRef) -> Value {
        Value::Object(o)
    }
}

/// What kind of member `Get-Member` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberKind {
    Property,
    Method,
    /// A property added by `Add-Member`/`[pscustomobject]`.
    NoteProperty,
    ScriptProperty,
    AliasProperty,
    ScriptMethod,
    Event,
}

impl MemberKind {
    /// The name `Get-Member` prints in its MemberType column.
    pub fn name(self) -> &'static str {
        match self {
            MemberKind::Property => "Property",
            MemberKind::Method => "Method",
            MemberKind::NoteProperty => "NoteProperty",
            MemberKind::ScriptProperty => "ScriptProperty",
            MemberKind::AliasProperty => "AliasProperty",
            MemberKind::ScriptMethod => "ScriptMethod",
            MemberKind::Event => "Event",
        }
    }
}

/// One member as `Get-Member` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    pub kind: MemberKind,
    /// Get-Member's Definition column: `string Name {get;}`, `string ToString()`.
    pub definition: String,
}

impl Member {
    /// A read-only property of type `type_name` (short .NET spelling: `string`, `long`,
    /// `datetime`, `System.IO.DirectoryInfo`).
    pub fn property(name: &str, type_name: &str) -> Member {
        Member { name: name.into(), kind: MemberKind::Property, definition: format!("{type_name} {name} {{get;}}") }
    }

    /// A property that can also be set.
    pub fn settable(name: &str, type_name: &str) -> Member {
        Member { name: name.into(), kind: MemberKind::Property, definition: format!("{type_name} {name} {{get;set;}}") }
    }

    /// A method; `signature` is the Definition text after the return type's name
    /// (`string Substring(int startIndex)`).
    pub fn method(name: &str, signature: &str) -> Member {
        Member { name: name.into(), kind: MemberKind::Method, definition: signature.into() }
    }

    pub fn is_property(&self) -> bool {
        !matches!(self.kind, MemberKind::Method | MemberKind::ScriptMethod | MemberKind::Event)
    }
}

/// The members every object has (System.Object's), appended to a type's own by `Get-Member`.
pub fn object_methods() -> Vec<Member> {
    vec![
        Member::method("Equals", "bool Equals(System.Object obj)"),
        Member::method("GetHashCode", "int GetHashCode()"),
        Member::method("GetType", "type GetType()"),
        Member::method("ToString", "string ToString()"),
    ]
}

/// `The property 'X' cannot be found on this object. Verify that the property exists and can
/// be set.`
pub fn property_not_found(name: &str, type_name: &str) -> ErrorRecord {
    ErrorRecord::new(
        "PropertyNotFound",
        "InvalidOperation",
        format!(
            "The property '{name}' cannot be found on this object. Verify that the property exists and can be set."
        ),
    )
    .with_hint(format!("`$obj | Get-Member` lists what a [{type_name}] has."))
}

/// `'X' is a ReadOnly property.`
pub fn property_read_only(name: &str) -> ErrorRecord {
    ErrorRecord::new("PropertyAssignmentException", "InvalidOperation", format!("'{name}' is a ReadOnly property."))
        .exception("System.Management.Automation.SetValueInvocationException")
}

/// `Method invocation failed because [T] does not contain a method named 'X'.`
pub fn method_not_found(type_name: &str, name: &str) -> ErrorRecord {
    ErrorRecord::new(
        "MethodNotFound",
        "InvalidOperation",
        format!("Method invocation failed because [{type_name}] does not contain a method named '{name}'."),
    )
    .exception("System.Management.Automation.RuntimeException")
}

/// `Cannot find an overload for "X" and the argument count: "N".`
pub fn overload_not_found(name: &str, count: usize) -> ErrorRecord {
    ErrorRecord::new(
        "MethodCountCouldNotFindBest",
        "InvalidOperation",
        format!("Cannot find an overload for \"{name}\" and the argument count: \"{count}\"."),
    )
    .exception("System.Management.Automation.MethodException")
}

/// The exception PowerShell wraps around what a .NET method throws.
pub const METHOD_INVOCATION: &str = "System.Management.Automation.MethodInvocationException";

/// `Exception calling "X" with "N" argument(s): "message"` — a .NET method that threw: a
/// MethodInvocationException whose InnerException is what .NET throws with `message` (its type
/// as .NET's own wording of the message tells it: [`thrown_type`]).
pub fn method_threw(name: &str, count: usize, message: &str) -> ErrorRecord {
    let thrown = thrown_type(message);
    let short = thrown.rsplit('.').next().unwrap_or(thrown);
    let mut record =
        ErrorRecord::new(short, "NotSpecified", invocation_message(name, count, message)).exception(METHOD_INVOCATION);
    record.inner = Some(Box::new(ErrorRecord::new(short, "NotSpecified", message.to_string()).exception(thrown)));
    record
}

fn invocation_message(name: &str, count: usize, message: &str) -> String {
    format!("Exception calling \"{name}\" with \"{count}\" argument(s): \"{message}\"")
}

/// An error a .NET method (`name`, called with `count` arguments) ended with, as PowerShell
/// hands it to the script: a .NET exception becomes the InnerException of a
/// MethodInvocationException (`Exception calling …`), which `catch [ThatType]` still catches;
/// PowerShell's own errors (no such method or overload, an argument that does not convert,
/// `$null`) stay as they are.
pub fn as_method_invocation(name: &str, count: usize, mut error: ErrorRecord) -> ErrorRecord {
    let dotnet =
        error.exception.starts_with("System.") && !error.exception.starts_with("System.Management.Automation.");
    if !dotnet {
        return error;
    }
    // The message .NET gave, without the wrapping a method already put around it.
    let thrown = match error.message.split_once(" argument(s): \"") {
        Some((head, rest)) if head.starts_with("Exception calling \"") => {
            rest.strip_suffix('"').unwrap_or(rest).to_string()
        }
        _ => std::mem::take(&mut error.message),
    };
    let short = error.exception.rsplit('.').next().unwrap_or(error.exception);
    if error.error_id == "MethodInvocationException" || error.error_id.is_empty() {
        error.error_id = short.to_string();
    }
    let inner = ErrorRecord::new(&error.error_id, error.category, thrown.clone()).exception(error.exception);
    error.message = invocation_message(name, count, &thrown);
    error.exception = METHOD_INVOCATION;
    error.inner = Some(Box::new(inner));
    error
}

/// The .NET exception type that throws `message`, told by .NET's own wording of it.
fn thrown_type(message: &str) -> &'static str {
    let has = |text: &str| message.contains(text);
    if has("was not recognized as a valid") || has("not in a correct format") {
        "System.FormatException"
    } else if message.starts_with("Could not find file") {
        "System.IO.FileNotFoundException"
    } else if message.starts_with("Could not find a part of the path") {
        "System.IO.DirectoryNotFoundException"
    } else if message.starts_with("Access to the path") {
        "System.UnauthorizedAccessException"
    } else if message.starts_with("Value cannot be null") {
        "System.ArgumentNullException"
    } else if has("too large or too small") || has("overflowed") {
        "System.OverflowException"
    } else if has("out of the range")
        || has("must be between")
        || has("un-representable")
        || has("must refer to a location")
        || has("cannot be larger than")
    {
        "System.ArgumentOutOfRangeException"
    } else if has("(Parameter '") {
        "System.ArgumentException"
    } else if has("No such host is known") {
        "System.Net.Sockets.SocketException"
    } else {
        "System.Exception"
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    #[derive(Debug, Default)]
    struct Counter {
        n: Cell<i64>,
    }

    impl NetObject for Counter {
        fn type_name(&self) -> String {
            "Test.Counter".into()
        }
        fn members(&self) -> Vec<Member> {
            vec![Member::settable("N", "long"), Member::method("Bump", "void Bump()")]
        }
        fn property(&self, name: &str) -> Option<Value> {
            name.eq_ignore_ascii_case("N").then(|| Value::Int(self.n.get()))
        }
        fn set_property(&self, name: &str, value: Value) -> Result<(), ErrorRecord> {
            match (name.eq_ignore_ascii_case("N"), value) {
                (true, Value::Int(i)) => {
                    self.n.set(i);
                    Ok(())
                }
                (true, _) => Err(property_read_only(name)),
                (false, _) => Err(property_not_found(name, &self.type_name())),
            }
        }
        fn call(&self, name: &str, _: &[Value]) -> Option<Result<Value, ErrorRecord>> {
            name.eq_ignore_ascii_case("Bump").then(|| {
                self.n.set(self.n.get() + 1);
                Ok(Value::Null)
            })
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    #[test]
    fn objects_are_shared_and_know_their_types() {
        let a = ObjectRef::new(Counter::default());
        let b = a.clone();
        assert_eq!(a.call("bump", &[]), Some(Ok(Value::Null)));
        assert_eq!(b.property("n"), Some(Value::Int(1)), "a copy sees the change");
        assert!(a.is_a("Counter") && a.is_a("test.counter") && a.is_a("System.Object") && a.is_a("object"));
        assert!(!a.is_a("FileInfo"));
        assert_eq!(a, b);
        assert_ne!(a, ObjectRef::new(Counter::default()), "reference equality by default");
        assert!(a.downcast::<Counter>().is_some());
        assert_eq!(a.to_text(), "Test.Counter");
        let e = a.set_property("Missing", Value::Int(1)).expect_err("no such property");
        assert_eq!(e.error_id, "PropertyNotFound");
        assert_eq!(a.property("n"), Some(Value::Int(1)), "a refused set changes nothing");
    }
}
