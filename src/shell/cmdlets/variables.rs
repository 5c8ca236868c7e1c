//! The variable cmdlets: `Get-Variable`, `Set-Variable`, `New-Variable`, `Remove-Variable`
//! and `Clear-Variable`, with `-Scope` (global, script, local, private or a number of levels
//! up), `-Option` (ReadOnly, Constant, Private, AllScope), `-Description`, `-Include`/`-Exclude`
//! and `-Force`, as PowerShell's. They answer with `PSVariable` objects.
//!
//! Must not: reach into the scope tree itself: the interpreter (`Engine::variable_infos`,
//! `define_variable`, `remove_variable`) owns scopes, options and type constraints; this file
//! only decides which variables a command names and what it does to each.

use super::Context;
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::eval::{VariableInfo, VariableOptions};
use crate::shell::value::{Record, Value};
use crate::shell::wildcard::Wildcard;

/// The type name of the objects these cmdlets return.
const PS_VARIABLE: &str = "System.Management.Automation.PSVariable";

/// A variable as PowerShell's `PSVariable` shows it.
fn ps_variable(info: &VariableInfo) -> Value {
    Value::record(
        Record::new(PS_VARIABLE)
            .with("Name", info.name.as_str())
            .with("Description", info.description.as_str())
            .with("Value", info.value.clone())
            .with("Visibility", "Public")
            .with("Module", Value::Null)
            .with("ModuleName", "")
            .with("Options", info.options.names())
            .with("Attributes", Value::array(Vec::new())),
    )
}

/// `Cannot find a variable with the name 'x'.`
fn not_found(name: &str) -> ErrorRecord {
    ErrorRecord::new("VariableNotFound", "ObjectNotFound", format!("Cannot find a variable with the name '{name}'."))
        .exception("System.Management.Automation.ItemNotFoundException")
        .with_hint("Get-Variable lists the variables that are set; -Scope names where to look.")
}

/// `-Option ReadOnly,Private` (or `"ReadOnly, Private"`): PowerShell's ScopedItemOptions.
fn options_of(call: &Invocation<'_>, command: &str) -> Result<Option<VariableOptions>, ErrorRecord> {
    let Some(given) = call.strings("Option") else { return Ok(None) };
    let mut options = VariableOptions::default();
    for word in given.iter().flat_map(|g| g.split(',')).map(str::trim).filter(|w| !w.is_empty()) {
        match word.to_ascii_lowercase().as_str() {
            "none" | "unspecified" => {}
            "readonly" => options.read_only = true,
            "constant" => options.constant = true,
            "private" => options.private = true,
            "allscope" => options.all_scope = true,
            _ => {
                return Err(ErrorRecord::new(
                    "CannotConvertArgumentNoMessage",
                    "InvalidArgument",
                    format!(
                        "Cannot bind parameter 'Option'. Cannot convert value \"{word}\" to type \"System.Management.Automation.ScopedItemOptions\". Error: \"Unable to match the identifier name {word} to a valid enumerator name. Specify one of the following enumerator names and try again:\nNone, ReadOnly, Constant, Private, AllScope, Unspecified\""
                    ),
                )
                .exception("System.Management.Automation.ParameterBindingException")
                .with_hint(format!("{command} -Option takes None, ReadOnly, Constant, Private or AllScope.")));
            }
        }
    }
    Ok(Some(options))
}

/// The `-Scope` argument: `None` is "every scope visible from here" for reading and the
/// current scope for writing.
fn scope_of(call: &Invocation<'_>) -> Option<String> {
    call.string("Scope").filter(|s| !s.is_empty())
}

/// `-Include`/`-Exclude` as PowerShell applies them to variable names.
struct NameFilter {
    include: Vec<Wildcard>,
    exclude: Vec<Wildcard>,
}

impl NameFilter {
    fn of(call: &Invocation<'_>) -> NameFilter {
        let patterns = |name: &str| call.strings(name).unwrap_or_default().iter().map(|p| Wildcard::new(p)).collect();
        NameFilter { include: patterns("Include"), exclude: patterns("Exclude") }
    }

    fn admits(&self, name: &str) -> bool {
        (self.include.is_empty() || self.include.iter().any(|w| w.is_match(name)))
            && !self.exclude.iter().any(|w| w.is_match(name))
    }
}

/// The variables `pattern` names in `scope` (or visible here), by name; with `exact`, the
/// name itself when it is not a wildcard.
fn matching(cx: &mut Context<'_>, pattern: &str, scope: Option<&str>) -> Result<Vec<VariableInfo>, ErrorRecord> {
    let all = cx.engine.variable_infos(scope)?;
    Ok(if Wildcard::has_wildcards(pattern) {
        let wildcard = Wildcard::new(pattern);
        all.into_iter().filter(|v| wildcard.is_match(&v.name)).collect()
    } else {
        all.into_iter().filter(|v| v.name.eq_ignore_ascii_case(pattern)).collect()
    })
}

/// The names a command was given (`-Name a,b`, or piped names), or `*`.
fn names_of(call: &Invocation<'_>) -> Vec<String> {
    call.strings("Name").filter(|n| !n.is_empty()).unwrap_or_else(|| vec!["*".into()])
}

pub fn get_variable(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let scope = scope_of(call);
    let filter = NameFilter::of(call);
    let mut out = Vec::new();
    for pattern in names_of(call) {
        let mut found = matching(cx, &pattern, scope.as_deref())?;
        found.retain(|v| filter.admits(&v.name));
        found.sort_by_key(|v| v.name.to_lowercase());
        if found.is_empty() && !Wildcard::has_wildcards(&pattern) {
            cx.errors.push(not_found(&pattern));
            continue;
        }
        for info in found {
            out.push(if call.switch("ValueOnly") { info.value } else { ps_variable(&info) });
        }
    }
    Ok(out)
}

/// What `-Value` (or the pipeline) gives a command, if anything: piped objects are one value
/// each, as PowerShell collects them.
fn given_values(call: &Invocation<'_>) -> Option<Vec<Value>> {
    let value = call.get("Value")?;
    if call.piped.is_some_and(|p| p.eq_ignore_ascii_case("Value")) {
        return Some(value.array_items().unwrap_or_else(|| vec![value.clone()]));
    }
    Some(vec![value.clone()])
}

/// Several piped values are an array; one is itself.
fn one_value(mut values: Vec<Value>) -> Value {
    if values.len() == 1 { values.remove(0) } else { Value::array(values) }
}

pub fn set_variable(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let scope = scope_of(call);
    let filter = NameFilter::of(call);
    let options = options_of(call, "Set-Variable")?;
    let description = call.string("Description");
    let force = call.switch("Force");
    let values = given_values(call);
    let mut out = Vec::new();
    for pattern in names_of(call) {
        // A wildcard sets the variables it matches; a plain name is the variable to set (made
        // if need be), in the scope named or the current one.
        let targets: Vec<(String, Option<VariableInfo>)> = if Wildcard::has_wildcards(&pattern) {
            matching(cx, &pattern, Some(scope.as_deref().unwrap_or("local")))?
                .into_iter()
                .map(|v| (v.name.clone(), Some(v)))
                .collect()
        } else {
            let existing = matching(cx, &pattern, Some(scope.as_deref().unwrap_or("local")))?.into_iter().next();
            vec![(pattern.clone(), existing)]
        };
        for (name, existing) in targets {
            if !filter.admits(&name) {
                continue;
            }
            let mut info = existing.clone().unwrap_or_else(|| VariableInfo {
                name: name.clone(),
                value: Value::Null,
                options: VariableOptions::default(),
                description: String::new(),
            });
            if let Some(values) = &values {
                info.value = if call.switch("Append") {
                    let mut all = match existing.as_ref().map(|e| &e.value) {
                        None | Some(Value::Null) => Vec::new(),
                        Some(v) => v.array_items().unwrap_or_else(|| vec![v.clone()]),
                    };
                    all.extend(values.iter().cloned());
                    Value::array(all)
                } else {
                    one_value(values.clone())
                };
            }
            if let Some(options) = options {
                info.options = options;
            }
            if scope.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("private")) {
                info.options.private = true;
            }
            if let Some(d) = &description {
                info.description = d.clone();
            }
            match cx.engine.define_variable(info.clone(), scope.as_deref(), force) {
                Ok(()) if call.switch("PassThru") => out.push(ps_variable(&info)),
                Ok(()) => {}
                Err(e) => cx.errors.push(e),
            }
        }
    }
    Ok(out)
}

pub fn new_variable(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let scope = scope_of(call);
    let name = call.string("Name").unwrap_or_default();
    let mut options = options_of(call, "New-Variable")?.unwrap_or_default();
    if scope.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("private")) {
        options.private = true;
    }
    let value = given_values(call).map_or(Value::Null, one_value);
    let info = VariableInfo {
        name: name.clone(),
        value,
        options,
        description: call.string("Description").unwrap_or_default(),
    };
    let force = call.switch("Force");
    let exists = !matching(cx, &name, Some(scope.as_deref().unwrap_or("local")))?.is_empty();
    if exists && !force {
        return Err(ErrorRecord::new(
            "VariableAlreadyExists",
            "ResourceExists",
            format!("A variable with name '{name}' already exists."),
        )
        .exception("System.Management.Automation.SessionStateException")
        .with_hint("Set-Variable changes it; New-Variable -Force replaces it."));
    }
    cx.engine.define_variable(info.clone(), scope.as_deref(), force)?;
    Ok(if call.switch("PassThru") { vec![ps_variable(&info)] } else { Vec::new() })
}

pub fn remove_variable(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let scope = scope_of(call);
    let filter = NameFilter::of(call);
    let force = call.switch("Force");
    for pattern in names_of(call) {
        let found = matching(cx, &pattern, scope.as_deref())?;
        if found.is_empty() && !Wildcard::has_wildcards(&pattern) {
            cx.errors.push(not_found(&pattern));
            continue;
        }
        for info in found.iter().filter(|v| filter.admits(&v.name)) {
            if let Err(e) = cx.engine.remove_variable(&info.name, scope.as_deref(), force) {
                cx.errors.push(e);
            }
        }
    }
    Ok(Vec::new())
}

pub fn clear_variable(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let scope = scope_of(call);
    let filter = NameFilter::of(call);
    let force = call.switch("Force");
    let mut out = Vec::new();
    for pattern in names_of(call) {
        let found = matching(cx, &pattern, Some(scope.as_deref().unwrap_or("local")))?;
        // Without -Scope a variable of an enclosing scope is cleared where it lives.
        let found = if found.is_empty() && scope.is_none() { matching(cx, &pattern, None)? } else { found };
        if found.is_empty() && !Wildcard::has_wildcards(&pattern) {
            cx.errors.push(not_found(&pattern));
            continue;
        }
        for mut info in found.into_iter().filter(|v| filter.admits(&v.name)) {
            info.value = Value::Null;
            let target = match scope.as_deref() {
                Some(s) => Some(s.to_string()),
                None => cx.engine.variable_scope(&info.name),
            };
            match cx.engine.define_variable(info.clone(), target.as_deref(), force) {
                Ok(()) if call.switch("PassThru") => out.push(ps_variable(&info)),
                Ok(()) => {}
                Err(e) => cx.errors.push(e),
            }
        }
    }
    Ok(out)
}
