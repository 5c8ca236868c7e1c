//! The collections scripts build reports in: `System.Collections.ArrayList`,
//! `[array]`'s static `Reverse`/`Sort`/`IndexOf` (in place, on a PowerShell array),
//! `System.Collections.Generic.List[T]`, `Dictionary[K,V]` and `HashSet[T]`, made with
//! `New-Object`, `[T]::new()` or a cast (`[Collections.ArrayList]@(1, 2)`), with the members
//! .NET gives them: `Add`, `AddRange`, `Insert`, `Remove`, `RemoveAt`, `Contains`, `IndexOf`,
//! `Sort`, `Reverse`, `ToArray`, `GetRange`, `Clear`, `Count`, indexing; `ContainsKey`,
//! `ContainsValue`, `Keys`, `Values`, `GetEnumerator` for dictionaries; `UnionWith`,
//! `IntersectWith`, `ExceptWith`, `IsSubsetOf` for sets. Elements of a generic collection are
//! converted to its type argument as PowerShell converts method arguments (`List[int]` takes
//! `'5'` as 5). Keys and set members compare as .NET's default comparer does: text
//! case-sensitively, numbers by value.
//!
//! Owns: the collection types and objects.
//!
//! Must not: run script (no predicates: `Find`/`RemoveAll` with a script block are not here).

use std::any::Any;
use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::HashMap;

use crate::shell::error_record::ErrorRecord;
use crate::shell::eval::convert::{cast, to_number};
use crate::shell::eval::operators::compare;
use crate::shell::runtime::object::{Member, NetObject, ObjectRef, method_threw, overload_not_found};
use crate::shell::runtime::types::NetType;
use crate::shell::value::{Record, Value};

use super::arg_i64;

/// The items of an argument that is a collection (an array, a list, a set…).
fn items_of(value: &Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items.borrow().clone(),
        Value::Null => Vec::new(),
        Value::Object(o) => o.enumerate().unwrap_or_else(|| vec![value.clone()]),
        other => vec![other.clone()],
    }
}

/// `value` as the element type `element` (none: any object).
fn element(element: &Option<String>, value: Value) -> Result<Value, ErrorRecord> {
    match element.as_deref() {
        None => Ok(value),
        Some(t) if matches!(t.to_ascii_lowercase().as_str(), "object" | "system.object" | "psobject") => Ok(value),
        Some(t) => cast(t, &value),
    }
}

/// A key for .NET's default equality: text by its exact characters, numbers by value, other
/// values by their type and text.
fn identity(value: &Value) -> String {
    match value {
        Value::String(s) => format!("s\u{0}{s}"),
        Value::Char(c) => format!("s\u{0}{c}"),
        Value::Null => "null".into(),
        Value::Bool(b) => format!("b\u{0}{b}"),
        other => match to_number(other) {
            Some(n) => format!("n\u{0}{}", n.as_f64()),
            None => format!("{}\u{0}{}", crate::shell::eval::convert::type_name(other), other.to_display_string()),
        },
    }
}

fn same(a: &Value, b: &Value) -> bool {
    identity(a) == identity(b)
}

fn out_of_range(method: &str, count: usize) -> ErrorRecord {
    method_threw(
        method,
        count,
        "Index was out of range. Must be non-negative and less than the size of the collection. (Parameter 'index')",
    )
    .exception("System.ArgumentOutOfRangeException")
}

/// `(index, count)` arguments that must lie within `len` items.
fn range_arg(args: &[Value], method: &str, len: usize) -> Result<std::ops::Range<usize>, ErrorRecord> {
    let (i, n) = (arg_i64(args, 0, method)?, arg_i64(args, 1, method)?);
    usize::try_from(i)
        .ok()
        .zip(usize::try_from(n).ok())
        .and_then(|(i, n)| Some(i..i.checked_add(n)?))
        .filter(|r| r.end <= len)
        .ok_or_else(|| {
            method_threw(method, args.len(), "Offset and length were out of bounds for the array or count is greater than the number of elements from index to the end of the source collection.")
                .exception("System.ArgumentException")
        })
}

/// The methods of ArrayList and `List[T]` (lower case), with the indexer's.
const LIST_METHODS: &[&str] = &[
    "add",
    "addrange",
    "insert",
    "insertrange",
    "remove",
    "removeat",
    "removerange",
    "getrange",
    "contains",
    "indexof",
    "lastindexof",
    "clear",
    "sort",
    "reverse",
    "toarray",
    "get_item",
    "set_item",
];

/// An ArrayList or a `List[T]`.
#[derive(Debug)]
pub struct ListObject {
    items: RefCell<Vec<Value>>,
    /// `List[T]`'s T; `None` for an ArrayList.
    element: Option<String>,
}

impl ListObject {
    fn value(element: Option<String>, items: Vec<Value>) -> Value {
        Value::Object(ObjectRef::new(ListObject { items: RefCell::new(items), element }))
    }

    fn is_array_list(&self) -> bool {
        self.element.is_none()
    }

    fn converted(&self, values: Vec<Value>) -> Result<Vec<Value>, ErrorRecord> {
        values.into_iter().map(|v| element(&self.element, v)).collect()
    }

    fn index(&self, method: &str, args: &[Value], at: usize, inclusive: bool) -> Result<usize, ErrorRecord> {
        let len = self.items.borrow().len();
        let i = arg_i64(args, at, method)?;
        usize::try_from(i)
            .ok()
            .filter(|i| if inclusive { *i <= len } else { *i < len })
            .ok_or_else(|| out_of_range(method, args.len()))
    }
}

impl NetObject for ListObject {
    fn type_name(&self) -> String {
        match &self.element {
            None => "System.Collections.ArrayList".into(),
            Some(t) => format!("System.Collections.Generic.List[{t}]"),
        }
    }

    fn type_names(&self) -> Vec<String> {
        let mut names = vec![self.type_name()];
        if !self.is_array_list() {
            names.push("System.Collections.Generic.List".into());
        }
        names.push("System.Object".into());
        names
    }

    fn members(&self) -> Vec<Member> {
        vec![
            Member::property("Count", "int"),
            Member::settable("Capacity", "int"),
            Member::method("Add", "int Add(System.Object value)"),
            Member::method("AddRange", "void AddRange(System.Collections.ICollection c)"),
            Member::method("Clear", "void Clear()"),
            Member::method("Contains", "bool Contains(System.Object item)"),
            Member::method("GetRange", "GetRange(int index, int count)"),
            Member::method("IndexOf", "int IndexOf(System.Object value)"),
            Member::method("Insert", "void Insert(int index, System.Object value)"),
            Member::method("InsertRange", "void InsertRange(int index, System.Collections.ICollection c)"),
            Member::method("LastIndexOf", "int LastIndexOf(System.Object value)"),
            Member::method("Remove", "Remove(System.Object obj)"),
            Member::method("RemoveAt", "void RemoveAt(int index)"),
            Member::method("RemoveRange", "void RemoveRange(int index, int count)"),
            Member::method("Reverse", "void Reverse()"),
            Member::method("Sort", "void Sort()"),
            Member::method("ToArray", "System.Object[] ToArray()"),
        ]
    }

    fn property(&self, name: &str) -> Option<Value> {
        let len = self.items.borrow().len() as i64;
        match name.to_ascii_lowercase().as_str() {
            "count" => Some(Value::Int(len)),
            "capacity" => Some(Value::Int(len.max(4))),
            "isreadonly" | "isfixedsize" | "issynchronized" => Some(Value::Bool(false)),
            _ => None,
        }
    }

    fn set_property(&self, name: &str, _: Value) -> Result<(), ErrorRecord> {
        if name.eq_ignore_ascii_case("Capacity") {
            return Ok(());
        }
        Err(crate::shell::runtime::object::property_read_only(name))
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let lower = name.to_ascii_lowercase();
        if !LIST_METHODS.contains(&lower.as_str()) {
            return None;
        }
        let n = args.len();
        Some((|| -> Result<Value, ErrorRecord> {
            match (lower.as_str(), args) {
                ("add", [value]) => {
                    let value = element(&self.element, value.clone())?;
                    let mut items = self.items.borrow_mut();
                    items.push(value);
                    // ArrayList.Add returns the new index; List<T>.Add returns nothing.
                    Ok(if self.is_array_list() { Value::Int(items.len() as i64 - 1) } else { Value::Null })
                }
                ("addrange", [values]) => {
                    let values = self.converted(items_of(values))?;
                    self.items.borrow_mut().extend(values);
                    Ok(Value::Null)
                }
                ("insert", [_, value]) => {
                    let i = self.index(name, args, 0, true)?;
                    let value = element(&self.element, value.clone())?;
                    self.items.borrow_mut().insert(i, value);
                    Ok(Value::Null)
                }
                ("insertrange", [_, values]) => {
                    let i = self.index(name, args, 0, true)?;
                    let values = self.converted(items_of(values))?;
                    self.items.borrow_mut().splice(i..i, values);
                    Ok(Value::Null)
                }
                ("remove", [value]) => {
                    let mut items = self.items.borrow_mut();
                    let found = items.iter().position(|v| same(v, value));
                    if let Some(i) = found {
                        items.remove(i);
                    }
                    Ok(if self.is_array_list() { Value::Null } else { Value::Bool(found.is_some()) })
                }
                ("removeat", [_]) => {
                    let i = self.index(name, args, 0, false)?;
                    self.items.borrow_mut().remove(i);
                    Ok(Value::Null)
                }
                ("removerange", [_, _]) => {
                    let range = range_arg(args, name, self.items.borrow().len())?;
                    self.items.borrow_mut().drain(range);
                    Ok(Value::Null)
                }
                ("getrange", [_, _]) => {
                    let range = range_arg(args, name, self.items.borrow().len())?;
                    Ok(ListObject::value(self.element.clone(), self.items.borrow()[range].to_vec()))
                }
                ("contains", [value]) => Ok(Value::Bool(self.items.borrow().iter().any(|v| same(v, value)))),
                ("indexof", [value]) => {
                    Ok(Value::Int(self.items.borrow().iter().position(|v| same(v, value)).map_or(-1, |i| i as i64)))
                }
                ("lastindexof", [value]) => {
                    Ok(Value::Int(self.items.borrow().iter().rposition(|v| same(v, value)).map_or(-1, |i| i as i64)))
                }
                ("clear", []) => {
                    self.items.borrow_mut().clear();
                    Ok(Value::Null)
                }
                ("sort", []) => sort_values(&mut self.items.borrow_mut(), name, 0).map(|()| Value::Null),
                ("reverse", []) => {
                    self.items.borrow_mut().reverse();
                    Ok(Value::Null)
                }
                ("toarray", []) => Ok(Value::array(self.items.borrow().clone())),
                ("get_item", [_]) => {
                    let i = self.index(name, args, 0, false)?;
                    Ok(self.items.borrow()[i].clone())
                }
                ("set_item", [_, value]) => {
                    let i = self.index(name, args, 0, false)?;
                    let value = element(&self.element, value.clone())?;
                    self.items.borrow_mut()[i] = value;
                    Ok(Value::Null)
                }
                _ => Err(overload_not_found(name, n)),
            }
        })())
    }

    fn enumerate(&self) -> Option<Vec<Value>> {
        Some(self.items.borrow().clone())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A `Dictionary[K,V]`: entries in insertion order, found by key through an index.
#[derive(Debug)]
pub struct DictionaryObject {
    entries: RefCell<Vec<(Value, Value)>>,
    index: RefCell<HashMap<String, usize>>,
    key_type: String,
    value_type: String,
}

impl DictionaryObject {
    fn new(key_type: String, value_type: String) -> DictionaryObject {
        DictionaryObject { entries: RefCell::default(), index: RefCell::default(), key_type, value_type }
    }

    fn key(&self, value: &Value, method: &str, count: usize) -> Result<Value, ErrorRecord> {
        if matches!(value, Value::Null) {
            return Err(method_threw(method, count, "Value cannot be null. (Parameter 'key')")
                .exception("System.ArgumentNullException"));
        }
        element(&Some(self.key_type.clone()), value.clone())
    }

    fn find(&self, key: &Value) -> Option<usize> {
        self.index.borrow().get(&identity(key)).copied()
    }

    fn insert(&self, key: Value, value: Value, replace: bool, method: &str) -> Result<(), ErrorRecord> {
        let value = element(&Some(self.value_type.clone()), value)?;
        match self.find(&key) {
            Some(i) if replace => self.entries.borrow_mut()[i].1 = value,
            Some(_) => {
                return Err(method_threw(
                    method,
                    2,
                    &format!("An item with the same key has already been added. Key: {}", key.to_display_string()),
                )
                .exception("System.ArgumentException"));
            }
            None => {
                let mut entries = self.entries.borrow_mut();
                self.index.borrow_mut().insert(identity(&key), entries.len());
                entries.push((key, value));
            }
        }
        Ok(())
    }

    fn remove(&self, key: &Value) -> bool {
        let Some(i) = self.find(key) else { return false };
        self.entries.borrow_mut().remove(i);
        let mut index = self.index.borrow_mut();
        index.clear();
        for (n, (k, _)) in self.entries.borrow().iter().enumerate() {
            index.insert(identity(k), n);
        }
        true
    }

    fn pairs(&self) -> Vec<Value> {
        self.entries
            .borrow()
            .iter()
            .map(|(k, v)| {
                Value::record(
                    Record::new(format!(
                        "System.Collections.Generic.KeyValuePair[{},{}]",
                        self.key_type, self.value_type
                    ))
                    .with_text(format!("[{}, {}]", k.to_display_string(), v.to_display_string()))
                    .with("Key", k.clone())
                    .with("Value", v.clone()),
                )
            })
            .collect()
    }
}

impl NetObject for DictionaryObject {
    fn type_name(&self) -> String {
        format!("System.Collections.Generic.Dictionary[{},{}]", self.key_type, self.value_type)
    }

    fn type_names(&self) -> Vec<String> {
        vec![self.type_name(), "System.Collections.Generic.Dictionary".into(), "System.Object".into()]
    }

    fn members(&self) -> Vec<Member> {
        vec![
            Member::property("Count", "int"),
            Member::property("Keys", "KeyCollection"),
            Member::property("Values", "ValueCollection"),
            Member::method("Add", "void Add(TKey key, TValue value)"),
            Member::method("Clear", "void Clear()"),
            Member::method("ContainsKey", "bool ContainsKey(TKey key)"),
            Member::method("ContainsValue", "bool ContainsValue(TValue value)"),
            Member::method("GetEnumerator", "Enumerator GetEnumerator()"),
            Member::method("Remove", "bool Remove(TKey key)"),
        ]
    }

    fn property(&self, name: &str) -> Option<Value> {
        let entries = self.entries.borrow();
        match name.to_ascii_lowercase().as_str() {
            "count" => Some(Value::Int(entries.len() as i64)),
            "keys" => Some(Value::array(entries.iter().map(|(k, _)| k.clone()).collect())),
            "values" => Some(Value::array(entries.iter().map(|(_, v)| v.clone()).collect())),
            // `$d.Key` reads an entry, as PowerShell's adapter does for a dictionary.
            _ => entries.iter().find(|(k, _)| k.to_display_string() == name).map(|(_, v)| v.clone()),
        }
    }

    fn set_property(&self, name: &str, value: Value) -> Result<(), ErrorRecord> {
        let key = self.key(&Value::from(name), "set_Item", 2)?;
        self.insert(key, value, true, "set_Item")
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let n = args.len();
        Some(match (name.to_ascii_lowercase().as_str(), args) {
            ("add", [k, v]) => {
                self.key(k, name, n).and_then(|k| self.insert(k, v.clone(), false, name)).map(|_| Value::Null)
            }
            ("set_item", [k, v]) => {
                self.key(k, name, n).and_then(|k| self.insert(k, v.clone(), true, name)).map(|_| Value::Null)
            }
            ("get_item", [k]) => self.key(k, name, n).and_then(|key| match self.find(&key) {
                Some(i) => Ok(self.entries.borrow()[i].1.clone()),
                None => Err(method_threw(
                    name,
                    n,
                    &format!("The given key '{}' was not present in the dictionary.", key.to_display_string()),
                )
                .exception("System.Collections.Generic.KeyNotFoundException")),
            }),
            ("containskey", [k]) => self.key(k, name, n).map(|k| Value::Bool(self.find(&k).is_some())),
            ("containsvalue", [v]) => Ok(Value::Bool(self.entries.borrow().iter().any(|(_, x)| same(x, v)))),
            ("remove", [k]) => self.key(k, name, n).map(|k| Value::Bool(self.remove(&k))),
            ("clear", []) => {
                self.entries.borrow_mut().clear();
                self.index.borrow_mut().clear();
                Ok(Value::Null)
            }
            ("getenumerator", []) => Ok(Value::array(self.pairs())),
            ("add" | "containskey" | "containsvalue" | "remove" | "clear" | "getenumerator", _) => {
                Err(overload_not_found(name, n))
            }
            _ => return None,
        })
    }

    /// Shown as its entries (a Key/Value table), though the pipeline does not unroll it.
    fn display_items(&self) -> Option<Vec<Value>> {
        Some(self.pairs())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A `HashSet[T]`: members in insertion order, each once.
#[derive(Debug)]
pub struct HashSetObject {
    items: RefCell<Vec<Value>>,
    element: String,
}

impl HashSetObject {
    fn add(&self, value: &Value) -> Result<bool, ErrorRecord> {
        let value = element(&Some(self.element.clone()), value.clone())?;
        let mut items = self.items.borrow_mut();
        if items.iter().any(|v| same(v, &value)) {
            return Ok(false);
        }
        items.push(value);
        Ok(true)
    }

    fn contains(&self, value: &Value) -> bool {
        self.items.borrow().iter().any(|v| same(v, value))
    }
}

impl NetObject for HashSetObject {
    fn type_name(&self) -> String {
        format!("System.Collections.Generic.HashSet[{}]", self.element)
    }

    fn type_names(&self) -> Vec<String> {
        vec![self.type_name(), "System.Collections.Generic.HashSet".into(), "System.Object".into()]
    }

    fn members(&self) -> Vec<Member> {
        vec![
            Member::property("Count", "int"),
            Member::method("Add", "bool Add(T item)"),
            Member::method("Clear", "void Clear()"),
            Member::method("Contains", "bool Contains(T item)"),
            Member::method("ExceptWith", "void ExceptWith(System.Collections.Generic.IEnumerable[T] other)"),
            Member::method("IntersectWith", "void IntersectWith(System.Collections.Generic.IEnumerable[T] other)"),
            Member::method("IsSubsetOf", "bool IsSubsetOf(System.Collections.Generic.IEnumerable[T] other)"),
            Member::method("IsSupersetOf", "bool IsSupersetOf(System.Collections.Generic.IEnumerable[T] other)"),
            Member::method("Remove", "bool Remove(T item)"),
            Member::method("UnionWith", "void UnionWith(System.Collections.Generic.IEnumerable[T] other)"),
        ]
    }

    fn property(&self, name: &str) -> Option<Value> {
        name.eq_ignore_ascii_case("Count").then(|| Value::Int(self.items.borrow().len() as i64))
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let n = args.len();
        Some(match (name.to_ascii_lowercase().as_str(), args) {
            ("add", [v]) => self.add(v).map(Value::Bool),
            ("contains", [v]) => Ok(Value::Bool(self.contains(v))),
            ("remove", [v]) => {
                let mut items = self.items.borrow_mut();
                let found = items.iter().position(|x| same(x, v));
                if let Some(i) = found {
                    items.remove(i);
                }
                Ok(Value::Bool(found.is_some()))
            }
            ("clear", []) => {
                self.items.borrow_mut().clear();
                Ok(Value::Null)
            }
            ("unionwith", [other]) => {
                items_of(other).iter().try_for_each(|v| self.add(v).map(|_| ())).map(|_| Value::Null)
            }
            ("intersectwith", [other]) => {
                let other = items_of(other);
                self.items.borrow_mut().retain(|v| other.iter().any(|o| same(o, v)));
                Ok(Value::Null)
            }
            ("exceptwith", [other]) => {
                let other = items_of(other);
                self.items.borrow_mut().retain(|v| !other.iter().any(|o| same(o, v)));
                Ok(Value::Null)
            }
            ("issubsetof", [other]) => {
                let other = items_of(other);
                Ok(Value::Bool(self.items.borrow().iter().all(|v| other.iter().any(|o| same(o, v)))))
            }
            ("issupersetof", [other]) => Ok(Value::Bool(items_of(other).iter().all(|o| self.contains(o)))),
            (
                "add" | "contains" | "remove" | "clear" | "unionwith" | "intersectwith" | "exceptwith" | "issubsetof"
                | "issupersetof",
                _,
            ) => Err(overload_not_found(name, n)),
            _ => return None,
        })
    }

    fn enumerate(&self) -> Option<Vec<Value>> {
        Some(self.items.borrow().clone())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Sorts `items` as .NET's default comparer orders them (`Sort()` of a list, `[array]::Sort`).
fn sort_values(items: &mut [Value], method: &str, count: usize) -> Result<(), ErrorRecord> {
    let mut failed = None;
    items.sort_by(|a, b| {
        compare(a, b, true).unwrap_or_else(|e| {
            failed.get_or_insert(e);
            Ordering::Equal
        })
    });
    match failed {
        Some(e) => {
            Err(method_threw(method, count, &format!("Failed to compare two elements in the array. {}", e.message))
                .exception("System.InvalidOperationException"))
        }
        None => Ok(()),
    }
}

/// `[array]` (`System.Array`): the static helpers scripts call on an array in place —
/// `Reverse`, `Sort`, `IndexOf`, `LastIndexOf`.
pub struct ArrayType;
pub static ARRAY: ArrayType = ArrayType;

impl NetType for ArrayType {
    fn full_name(&self) -> &'static str {
        "System.Array"
    }

    fn accelerators(&self) -> &'static [&'static str] {
        &["array"]
    }

    fn static_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let method = name.to_ascii_lowercase();
        if !matches!(method.as_str(), "reverse" | "sort" | "indexof" | "lastindexof") {
            return None;
        }
        let items = match args.first() {
            Some(Value::Array(items)) => items.clone(),
            Some(Value::Null) => {
                return Some(Err(method_threw(name, args.len(), "Value cannot be null. (Parameter 'array')")
                    .exception("System.ArgumentNullException")));
            }
            _ => return Some(Err(overload_not_found(name, args.len()))),
        };
        Some(match (method.as_str(), &args[1..]) {
            ("reverse", []) => {
                items.borrow_mut().reverse();
                Ok(Value::Null)
            }
            ("sort", []) => sort_values(&mut items.borrow_mut(), name, 1).map(|()| Value::Null),
            ("indexof", [value]) => {
                Ok(Value::Int(items.borrow().iter().position(|v| same(v, value)).map_or(-1, |i| i as i64)))
            }
            ("lastindexof", [value]) => {
                Ok(Value::Int(items.borrow().iter().rposition(|v| same(v, value)).map_or(-1, |i| i as i64)))
            }
            _ => Err(overload_not_found(name, args.len())),
        })
    }

    fn static_members(&self) -> Vec<Member> {
        vec![
            Member::method("Reverse", "static void Reverse(array array)"),
            Member::method("Sort", "static void Sort(array array)"),
            Member::method("IndexOf", "static int IndexOf(array array, System.Object value)"),
            Member::method("LastIndexOf", "static int LastIndexOf(array array, System.Object value)"),
        ]
    }

    /// `$x -is [array]` is answered by the language; this type only carries the statics.
    fn is_instance(&self, value: &Value) -> bool {
        matches!(value, Value::Array(_))
    }
}

/// `(capacity)` or `(collection)` constructor arguments: the initial items.
fn initial_items(args: &[Value]) -> Option<Vec<Value>> {
    match args {
        [] => Some(Vec::new()),
        // A capacity only sizes the storage.
        [Value::Int(_)] => Some(Vec::new()),
        [collection] => Some(items_of(collection)),
        _ => None,
    }
}

pub struct ArrayListType;
pub static ARRAY_LIST: ArrayListType = ArrayListType;

impl NetType for ArrayListType {
    fn full_name(&self) -> &'static str {
        "System.Collections.ArrayList"
    }

    fn construct(&self, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        Some(
            initial_items(args)
                .map(|items| ListObject::value(None, items))
                .ok_or_else(|| overload_not_found("new", args.len())),
        )
    }

    fn convert(&self, value: &Value) -> Option<Result<Value, ErrorRecord>> {
        Some(Ok(ListObject::value(None, items_of(value))))
    }
}

pub struct ListType;
pub static LIST: ListType = ListType;

impl NetType for ListType {
    fn full_name(&self) -> &'static str {
        "System.Collections.Generic.List"
    }

    fn generic_arity(&self) -> usize {
        1
    }

    fn construct_generic(&self, type_args: &[String], args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let element = Some(type_args.first().cloned().unwrap_or_else(|| "object".into()));
        Some(match initial_items(args) {
            Some(items) => items
                .into_iter()
                .map(|v| self::element(&element, v))
                .collect::<Result<Vec<_>, _>>()
                .map(|items| ListObject::value(element, items)),
            None => Err(overload_not_found("new", args.len())),
        })
    }

    fn convert_generic(&self, type_args: &[String], value: &Value) -> Option<Result<Value, ErrorRecord>> {
        self.construct_generic(type_args, &[Value::array(items_of(value))])
    }
}

pub struct DictionaryType;
pub static DICTIONARY: DictionaryType = DictionaryType;

impl NetType for DictionaryType {
    fn full_name(&self) -> &'static str {
        "System.Collections.Generic.Dictionary"
    }

    fn generic_arity(&self) -> usize {
        2
    }

    fn construct_generic(&self, type_args: &[String], args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let arg = |i: usize| type_args.get(i).cloned().unwrap_or_else(|| "object".into());
        let dictionary = DictionaryObject::new(arg(0), arg(1));
        Some(match args {
            [] | [Value::Int(_)] => Ok(Value::Object(ObjectRef::new(dictionary))),
            // From a hashtable or another dictionary: its entries.
            [Value::Hashtable(h)] => h
                .borrow()
                .entries()
                .iter()
                .try_for_each(|(k, v)| {
                    let key = dictionary.key(k, "new", 1)?;
                    dictionary.insert(key, v.clone(), false, "new")
                })
                .map(|_| Value::Object(ObjectRef::new(dictionary))),
            _ => Err(overload_not_found("new", args.len())),
        })
    }
}

pub struct HashSetType;
pub static HASH_SET: HashSetType = HashSetType;

impl NetType for HashSetType {
    fn full_name(&self) -> &'static str {
        "System.Collections.Generic.HashSet"
    }

    fn generic_arity(&self) -> usize {
        1
    }

    fn construct_generic(&self, type_args: &[String], args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let set = HashSetObject {
            items: RefCell::default(),
            element: type_args.first().cloned().unwrap_or_else(|| "object".into()),
        };
        Some(match initial_items(args) {
            Some(items) => {
                items.iter().try_for_each(|v| set.add(v).map(|_| ())).map(|_| Value::Object(ObjectRef::new(set)))
            }
            None => Err(overload_not_found("new", args.len())),
        })
    }

    fn convert_generic(&self, type_args: &[String], value: &Value) -> Option<Result<Value, ErrorRecord>> {
        self.construct_generic(type_args, &[Value::array(items_of(value))])
    }
}
