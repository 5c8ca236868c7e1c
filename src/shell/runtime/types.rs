//! The registry of .NET-style types the shell knows: what `[Name]` resolves to, and where
//! `[Type]::Member`, `[Type]::new(…)`, `New-Object Type`, `[Type]$value` and `-is [Type]` go
//! for a type that is not one of the language's own scalars.
//!
//! Owns: [`NetType`], [`TYPES`], [`resolve`], and PowerShell's "Unable to find type" and
//! static "does not contain a method" errors.
//!
//! Must not: evaluate script or know any type's members (each type answers for itself in its
//! family's file).

use crate::shell::error_record::ErrorRecord;
use crate::shell::value::Value;

use super::dotnet;
use super::object::{Member, method_not_found, overload_not_found};

/// A type's static side: its names, static members, constructors and conversions.
///
/// Every method but [`NetType::full_name`] has a default, so a type adds only what it has.
pub trait NetType: Sync {
    /// `System.IO.Path`.
    fn full_name(&self) -> &'static str;

    /// Other spellings `[x]` accepts (type accelerators such as `regex`, `int`). The full
    /// name and the full name without its `System.` prefix are always accepted.
    fn accelerators(&self) -> &'static [&'static str] {
        &[]
    }

    /// `[T]::Name`; `None` when the type has no such static property.
    fn static_property(&self, name: &str) -> Option<Value> {
        let _ = name;
        None
    }

    /// `[T]::Name(args)`; `None` when the type has no such static method.
    fn static_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let _ = (name, args);
        None
    }

    /// `[T]::new(args)` and `New-Object T -ArgumentList args`; `None` when the type has no
    /// public constructor (a static class such as `Math`).
    fn construct(&self, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let _ = args;
        None
    }

    /// `[T]$value` and `$value -as [T]`; `None` when this type has no conversion from that
    /// value (the caller then reports PowerShell's cast error).
    fn convert(&self, value: &Value) -> Option<Result<Value, ErrorRecord>> {
        let _ = value;
        None
    }

    /// The static members, for `Get-Member -Static`.
    fn static_members(&self) -> Vec<Member> {
        Vec::new()
    }

    /// How many type arguments a generic type takes (`List[T]` 1, `Dictionary[K,V]` 2); 0 for
    /// a type that is not generic.
    fn generic_arity(&self) -> usize {
        0
    }

    /// `[T[A]]::new(args)` of a generic type, with its type arguments as written.
    fn construct_generic(&self, type_args: &[String], args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let _ = type_args;
        self.construct(args)
    }

    /// `[T[A]]$value` of a generic type, with its type arguments as written.
    fn convert_generic(&self, type_args: &[String], value: &Value) -> Option<Result<Value, ErrorRecord>> {
        let _ = type_args;
        self.convert(value)
    }

    /// `$value -is [T]`. The default: an object whose type (or a base type) is this one.
    fn is_instance(&self, value: &Value) -> bool {
        match value {
            Value::Object(o) => o.is_a(self.full_name()),
            _ => false,
        }
    }
}

/// Every type, by family. A new family adds its slice here.
pub static TYPES: &[&[&dyn NetType]] = &[dotnet::TYPES, super::host::TYPES];

/// The type `[name]` means, as PowerShell resolves it: a full name (`System.IO.Path`), the
/// same without `System.` (`IO.Path`), or an accelerator (`regex`), in any case. A short name
/// alone (`[Path]`) does not resolve, as in PowerShell without `using namespace`.
pub fn resolve(name: &str) -> Option<&'static dyn NetType> {
    let (base, type_args) = split_generic(name);
    let wanted = base.trim();
    let bare = strip_system(wanted);
    TYPES.iter().flat_map(|family| family.iter()).copied().find(|t| {
        t.generic_arity() == type_args.len()
            && (strip_system(t.full_name()).eq_ignore_ascii_case(bare)
                || t.accelerators().iter().any(|a| a.eq_ignore_ascii_case(wanted)))
    })
}

/// A type name without its outer brackets, split into the generic type's name and its type
/// arguments: `System.Collections.Generic.Dictionary[string,int]` → the Dictionary,
/// `["string", "int"]`. A name that is not generic has none.
fn split_generic(name: &str) -> (&str, Vec<String>) {
    let mut text = name.trim();
    if text.starts_with('[') && text.ends_with(']') && text.len() >= 2 {
        text = text[1..text.len() - 1].trim();
    }
    match text.find('[') {
        Some(open) if text.ends_with(']') && !text.ends_with("[]") => {
            let inner = &text[open + 1..text.len() - 1];
            let mut args = Vec::new();
            let (mut depth, mut start) = (0usize, 0usize);
            for (i, c) in inner.char_indices() {
                match c {
                    '[' => depth += 1,
                    ']' => depth = depth.saturating_sub(1),
                    ',' if depth == 0 => {
                        args.push(
                            inner[start..i].trim().trim_start_matches('[').trim_end_matches(']').trim().to_string(),
                        );
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            args.push(inner[start..].trim().trim_start_matches('[').trim_end_matches(']').trim().to_string());
            (&text[..open], args)
        }
        _ => (text, Vec::new()),
    }
}

/// The type arguments a generic type name is written with (`List[string]` → `string`).
pub fn type_arguments(name: &str) -> Vec<String> {
    split_generic(name).1
}

fn strip_system(name: &str) -> &str {
    match name.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("system.") => &name[7..],
        _ => name,
    }
}

/// `Unable to find type [name].`
pub fn type_not_found(name: &str) -> ErrorRecord {
    ErrorRecord::new("TypeNotFound", "InvalidOperation", format!("Unable to find type [{name}]."))
        .exception("System.Management.Automation.RuntimeException")
        .with_hint("ccrsh has no CLR: it knows a fixed set of .NET types (docs/GUIDE.md, \".NET types\").")
}

/// `[T]::Name`: the property, or `$null` when the type has none (as PowerShell without strict
/// mode); an unknown type is an error.
pub fn static_property(type_name: &str, name: &str) -> Result<Value, ErrorRecord> {
    let t = resolve(type_name).ok_or_else(|| type_not_found(type_name))?;
    Ok(t.static_property(name).unwrap_or(Value::Null))
}

/// `[T]::Name(args)`, including `[T]::new(args)`.
pub fn static_method(type_name: &str, name: &str, args: &[Value]) -> Result<Value, ErrorRecord> {
    let t = resolve(type_name).ok_or_else(|| type_not_found(type_name))?;
    if name.eq_ignore_ascii_case("new") {
        return construct_named(type_name, t, args);
    }
    t.static_method(name, args).unwrap_or_else(|| Err(method_not_found(t.full_name(), name)))
}

/// A new instance of the type `type_name` names (`t`, with the name's type arguments), or
/// PowerShell's error for a type without that constructor.
pub fn construct_named(type_name: &str, t: &dyn NetType, args: &[Value]) -> Result<Value, ErrorRecord> {
    t.construct_generic(&type_arguments(type_name), args).unwrap_or_else(|| {
        Err(if args.is_empty() {
            ErrorRecord::new(
                "CannotFindAppropriateCtor",
                "ObjectNotFound",
                format!(
                    "A constructor was not found. Cannot find an appropriate constructor for type {}.",
                    t.full_name()
                ),
            )
            .exception("System.Management.Automation.PSArgumentException")
        } else {
            overload_not_found("new", args.len())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_as_powershell_resolves_them() {
        assert_eq!(resolve("System.Math").map(|t| t.full_name()), Some("System.Math"));
        assert_eq!(resolve("math").map(|t| t.full_name()), Some("System.Math"));
        assert_eq!(resolve("[MATH]").map(|t| t.full_name()), Some("System.Math"));
        assert!(resolve("NoSuch.Type").is_none());
        assert_eq!(
            resolve("[System.Collections.Generic.Dictionary[string,int]]").map(|t| t.full_name()),
            Some("System.Collections.Generic.Dictionary")
        );
        assert_eq!(type_arguments("Collections.Generic.Dictionary[[string], [int]]"), ["string", "int"]);
        assert!(resolve("System.Collections.Generic.List").is_none(), "a generic type needs its arguments");
        assert!(resolve("System.Collections.Generic.List[string,int]").is_none());
        let e = static_method("NoSuch.Type", "Foo", &[]).expect_err("unknown type");
        assert_eq!(e.message, "Unable to find type [NoSuch.Type].");
        let e = static_method("math", "Frobnicate", &[]).expect_err("unknown method");
        assert_eq!(
            e.message,
            "Method invocation failed because [System.Math] does not contain a method named 'Frobnicate'."
        );
        assert_eq!(static_property("math", "NoSuchProperty"), Ok(Value::Null));
    }
}
