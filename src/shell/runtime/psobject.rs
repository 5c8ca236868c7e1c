//! `$x.PSObject`: PowerShell's view of any value's members — `BaseObject`, `TypeNames`,
//! `Properties` (with `Item`, `Match`, `Add`, `Remove`) and `Copy()` — and the property objects
//! it lists (`Name`, `Value`, settable through to the object).
//!
//! Owns: [`view`], [`type_names`] and the PSObject, property collection and property types.
//!
//! Must not: evaluate script; property values are read live from the value they describe.

use std::any::Any;

use crate::shell::error_record::ErrorRecord;
use crate::shell::eval::convert::type_name;
use crate::shell::value::{Record, Value};
use crate::shell::wildcard::Wildcard;

use super::object::{Member, MemberKind, NetObject, ObjectRef, method_threw, overload_not_found};

/// The type names of a value, most derived first (`$x.PSObject.TypeNames`).
pub fn type_names(value: &Value) -> Vec<String> {
    match value {
        Value::Object(o) => o.type_names(),
        Value::Record(r) => {
            let r = r.borrow();
            let mut names = r.added_type_names.clone();
            names.push(r.type_name.clone());
            let mut rest = r.type_name.as_str();
            while let Some(inner) = rest.strip_prefix("Selected.") {
                names.push(inner.to_string());
                rest = inner;
            }
            names.push("System.Object".into());
            names
        }
        Value::Null => Vec::new(),
        other => {
            let own = type_name(other);
            let mut names = vec![own.clone()];
            if matches!(
                other,
                Value::Int(_)
                    | Value::Real(_)
                    | Value::Number(_)
                    | Value::Bool(_)
                    | Value::Char(_)
                    | Value::DateTime(_)
                    | Value::TimeSpan(_)
            ) {
                names.push("System.ValueType".into());
            }
            if matches!(other, Value::Array(_)) {
                names.push("System.Array".into());
            }
            names.push("System.Object".into());
            names
        }
    }
}

/// `$x.PSObject`.
pub fn view(value: &Value) -> Value {
    Value::Object(ObjectRef::new(PsObjectView { value: value.clone() }))
}

/// The names and values of a value's properties, as `PSObject.Properties` lists them.
pub fn properties_of(value: &Value) -> Vec<(String, Value, MemberKind)> {
    match value {
        Value::Record(r) => {
            r.borrow().properties.iter().map(|(n, v)| (n.clone(), v.clone(), MemberKind::NoteProperty)).collect()
        }
        Value::Object(o) => o.property_values().into_iter().map(|(n, v)| (n, v, MemberKind::Property)).collect(),
        Value::String(s) => vec![("Length".into(), Value::Int(s.chars().count() as i64), MemberKind::Property)],
        Value::Hashtable(h) => {
            let h = h.borrow();
            vec![
                ("IsReadOnly".into(), Value::Bool(false), MemberKind::Property),
                ("IsFixedSize".into(), Value::Bool(false), MemberKind::Property),
                ("IsSynchronized".into(), Value::Bool(false), MemberKind::Property),
                (
                    "Keys".into(),
                    Value::array(h.entries().iter().map(|(k, _)| k.clone()).collect()),
                    MemberKind::Property,
                ),
                (
                    "Values".into(),
                    Value::array(h.entries().iter().map(|(_, v)| v.clone()).collect()),
                    MemberKind::Property,
                ),
                ("SyncRoot".into(), Value::Null, MemberKind::Property),
                ("Count".into(), Value::Int(h.len() as i64), MemberKind::Property),
            ]
        }
        Value::Array(items) => {
            let n = items.borrow().len() as i64;
            vec![
                ("Length".into(), Value::Int(n), MemberKind::Property),
                ("LongLength".into(), Value::Int(n), MemberKind::Property),
                ("Rank".into(), Value::Int(1), MemberKind::Property),
                ("Count".into(), Value::Int(n), MemberKind::Property),
            ]
        }
        _ => Vec::new(),
    }
}

#[derive(Debug)]
struct PsObjectView {
    value: Value,
}

impl NetObject for PsObjectView {
    fn type_name(&self) -> String {
        "System.Management.Automation.PSObject".into()
    }

    fn members(&self) -> Vec<Member> {
        vec![
            Member::property("BaseObject", "System.Object"),
            Member::property("ImmediateBaseObject", "System.Object"),
            Member::property("Members", "System.Management.Automation.PSMemberInfoCollection[psmemberinfo]"),
            Member::property("Properties", "System.Management.Automation.PSMemberInfoCollection[pspropertyinfo]"),
            Member::property("TypeNames", "System.Collections.ObjectModel.Collection[string]"),
            Member::method("Copy", "psobject Copy()"),
        ]
    }

    fn property(&self, name: &str) -> Option<Value> {
        Some(match name.to_ascii_lowercase().as_str() {
            "baseobject" | "immediatebaseobject" => self.value.clone(),
            "typenames" => Value::array(type_names(&self.value).into_iter().map(Value::String).collect()),
            "properties" | "members" => Value::Object(ObjectRef::new(PropertyCollection { value: self.value.clone() })),
            _ => return None,
        })
    }

    fn call(&self, name: &str, _: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        name.eq_ignore_ascii_case("Copy").then(|| {
            Ok(match &self.value {
                Value::Record(r) => Value::record(r.borrow().clone()),
                Value::Hashtable(h) => h.borrow().clone().into_value(),
                Value::Array(items) => Value::array(items.borrow().clone()),
                other => other.clone(),
            })
        })
    }

    fn to_text(&self) -> String {
        self.value.to_display_string()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `$x.PSObject.Properties`.
#[derive(Debug)]
struct PropertyCollection {
    value: Value,
}

impl PropertyCollection {
    fn item(&self, name: &str) -> Value {
        properties_of(&self.value)
            .into_iter()
            .find(|(n, _, _)| n.eq_ignore_ascii_case(name))
            .map_or(Value::Null, |(n, _, kind)| property_info(&self.value, &n, kind))
    }
}

fn property_info(value: &Value, name: &str, kind: MemberKind) -> Value {
    Value::Object(ObjectRef::new(PropertyInfo { owner: value.clone(), name: name.to_string(), kind }))
}

impl NetObject for PropertyCollection {
    fn type_name(&self) -> String {
        "System.Management.Automation.PSMemberInfoIntegratingCollection`1[[System.Management.Automation.PSPropertyInfo]]".into()
    }

    fn members(&self) -> Vec<Member> {
        vec![
            Member::method("Add", "void Add(psmemberinfo member)"),
            Member::method("Item", "pspropertyinfo Item(string name)"),
            Member::method(
                "Match",
                "System.Collections.ObjectModel.ReadOnlyCollection[pspropertyinfo] Match(string name)",
            ),
            Member::method("Remove", "void Remove(string name)"),
        ]
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let arg = args.first().map(Value::to_display_string).unwrap_or_default();
        Some(match name.to_ascii_lowercase().as_str() {
            "item" | "get_item" => Ok(self.item(&arg)),
            "match" => {
                let pattern = Wildcard::new(&arg);
                Ok(Value::array(
                    properties_of(&self.value)
                        .into_iter()
                        .filter(|(n, _, _)| pattern.is_match(n))
                        .map(|(n, _, kind)| property_info(&self.value, &n, kind))
                        .collect(),
                ))
            }
            "remove" => match &self.value {
                Value::Record(r) => {
                    r.borrow_mut().properties.retain(|(n, _)| !n.eq_ignore_ascii_case(&arg));
                    Ok(Value::Null)
                }
                _ => Err(method_threw(name, args.len(), "The member cannot be removed from this object.")),
            },
            "add" => {
                let Some(Value::Object(o)) = args.first() else {
                    return Some(Err(overload_not_found(name, args.len())));
                };
                let (Some(n), Some(v)) = (o.property("Name"), o.property("Value")) else {
                    return Some(Err(overload_not_found(name, args.len())));
                };
                match &self.value {
                    Value::Record(r) => {
                        let mut r = r.borrow_mut();
                        let n = n.to_display_string();
                        if r.get(&n).is_some() {
                            return Some(Err(method_threw(
                                name,
                                1,
                                &format!(
                                    "Cannot add a member with the name \"{n}\" because a member with that name already exists. To overwrite the member anyway, use the Force parameter to overwrite it."
                                ),
                            )));
                        }
                        r.properties.push((n, v));
                        Ok(Value::Null)
                    }
                    _ => Err(method_threw(name, 1, "A member cannot be added to this object.")),
                }
            }
            _ => return None,
        })
    }

    fn enumerate(&self) -> Option<Vec<Value>> {
        Some(properties_of(&self.value).into_iter().map(|(n, _, kind)| property_info(&self.value, &n, kind)).collect())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// One property of an object: `Name`, `Value` (read and written through to the object),
/// `MemberType`, `TypeNameOfValue`.
#[derive(Debug)]
struct PropertyInfo {
    owner: Value,
    name: String,
    kind: MemberKind,
}

impl PropertyInfo {
    fn value(&self) -> Value {
        properties_of(&self.owner).into_iter().find(|(n, _, _)| *n == self.name).map_or(Value::Null, |(_, v, _)| v)
    }
}

impl NetObject for PropertyInfo {
    fn type_name(&self) -> String {
        match self.kind {
            MemberKind::NoteProperty => "System.Management.Automation.PSNoteProperty".into(),
            _ => "System.Management.Automation.PSProperty".into(),
        }
    }

    fn type_names(&self) -> Vec<String> {
        vec![
            self.type_name(),
            "System.Management.Automation.PSPropertyInfo".into(),
            "System.Management.Automation.PSMemberInfo".into(),
            "System.Object".into(),
        ]
    }

    fn members(&self) -> Vec<Member> {
        vec![
            Member::property("IsGettable", "bool"),
            Member::property("IsInstance", "bool"),
            Member::property("IsSettable", "bool"),
            Member::property("MemberType", "System.Management.Automation.PSMemberTypes"),
            Member::property("Name", "string"),
            Member::property("TypeNameOfValue", "string"),
            Member::settable("Value", "System.Object"),
        ]
    }

    fn property(&self, name: &str) -> Option<Value> {
        Some(match name.to_ascii_lowercase().as_str() {
            "name" => Value::String(self.name.clone()),
            "value" => self.value(),
            "membertype" => Value::from(self.kind.name()),
            "typenameofvalue" => Value::String(match self.value() {
                Value::Null => "System.Object".into(),
                v => type_name(&v),
            }),
            "isgettable" | "isinstance" => Value::Bool(true),
            "issettable" => Value::Bool(matches!(self.owner, Value::Record(_))),
            _ => return None,
        })
    }

    fn set_property(&self, name: &str, value: Value) -> Result<(), ErrorRecord> {
        match (name.eq_ignore_ascii_case("Value"), &self.owner) {
            (true, Value::Record(r)) => {
                let mut r = r.borrow_mut();
                if let Some((_, v)) = r.properties.iter_mut().find(|(n, _)| *n == self.name) {
                    *v = value;
                }
                Ok(())
            }
            (true, Value::Object(o)) => o.set_property(&self.name, value),
            _ => Err(super::object::property_read_only(name)),
        }
    }

    fn to_text(&self) -> String {
        let value = self.value();
        let shown = match &value {
            Value::Null => "null".to_string(),
            v => v.to_display_string(),
        };
        let short = match &value {
            Value::String(_) => "string".to_string(),
            Value::Int(_) => "int".to_string(),
            v => type_name(v),
        };
        format!("{short} {}={shown}", self.name)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A member added with `Add-Member -MemberType ScriptProperty|ScriptMethod|AliasProperty`,
/// kept as the value of the record's property of that name. The interpreter runs it when the
/// member is read or called, with `$this` the object (`ScriptMember::of`).
#[derive(Debug)]
pub struct ScriptMember {
    pub kind: MemberKind,
    /// The getter (ScriptProperty), the body (ScriptMethod); `None` for an alias.
    pub block: Option<crate::shell::value::ScriptBlock>,
    /// A ScriptProperty's setter.
    pub setter: Option<crate::shell::value::ScriptBlock>,
    /// An AliasProperty's target.
    pub target: String,
}

impl ScriptMember {
    /// The script member a property value stands for, if it is one.
    pub fn of(value: &Value) -> Option<&ScriptMember> {
        match value {
            Value::Object(o) => o.downcast::<ScriptMember>(),
            _ => None,
        }
    }
}

impl NetObject for ScriptMember {
    fn type_name(&self) -> String {
        format!("System.Management.Automation.PS{}", self.kind.name())
    }

    fn to_text(&self) -> String {
        match (&self.block, self.kind) {
            (_, MemberKind::AliasProperty) => format!("{} = {}", self.kind.name(), self.target),
            (Some(b), _) => b.text().to_string(),
            (None, _) => String::new(),
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `New-Object PSNoteProperty name, value` / `[psnoteproperty]::new(name, value)`.
pub fn note_property(name: &str, value: Value) -> Value {
    let owner = Value::record(Record::new("System.Management.Automation.PSCustomObject").with(name, value));
    property_info(&owner, name, MemberKind::NoteProperty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_view_lists_and_sets_properties() {
        let obj = Value::record(Record::new("System.Management.Automation.PSCustomObject").with("Name", "EX01"));
        let Value::Object(v) = view(&obj) else { panic!("a view") };
        let Some(Value::Object(props)) = v.property("Properties") else { panic!("properties") };
        let Some(Ok(Value::Object(p))) = props.call("Item", &[Value::from("name")]) else { panic!("item") };
        assert_eq!(p.property("Value"), Some(Value::from("EX01")));
        p.set_property("Value", Value::from("EX02")).expect("settable");
        assert_eq!(crate::shell::eval::members::property(&obj, "Name"), Value::from("EX02"), "written through");
        assert_eq!(props.call("Item", &[Value::from("nope")]), Some(Ok(Value::Null)));
        let selected = Value::record(Record::new("Selected.System.Management.Automation.PSCustomObject"));
        assert_eq!(type_names(&selected).len(), 3);
        assert_eq!(type_names(&Value::Int(1)), vec!["System.Int32", "System.ValueType", "System.Object"]);
    }
}
