//! Building objects: `Add-Member` (note, alias, script properties and script methods, a type
//! name) and `New-Object` (a PSCustomObject from -Property, or any type of the curated .NET
//! surface with its constructor arguments).
//!
//! Owns: those two cmdlets.
//!
//! Must not: print; the types themselves live in `runtime`.

use super::Context;
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::runtime::psobject::ScriptMember;
use crate::shell::runtime::{self, MemberKind, ObjectRef};
use crate::shell::value::{Hashtable, Record, Value};

const CUSTOM: &str = "System.Management.Automation.PSCustomObject";

fn already_exists(name: &str) -> ErrorRecord {
    ErrorRecord::new(
        "MemberAlreadyExists",
        "InvalidOperation",
        format!(
            "Cannot add a member with the name \"{name}\" because a member with that name already exists. To overwrite the member anyway, add the Force parameter to your command."
        ),
    )
    .in_command("Add-Member")
}

/// The members to add, as name and the value kept in the record.
fn members_to_add(call: &Invocation<'_>) -> Result<Vec<(String, Value)>, ErrorRecord> {
    if let Some(Value::Hashtable(h)) = call.get("NotePropertyMembers") {
        return Ok(h.borrow().entries().iter().map(|(k, v)| (k.to_display_string(), v.clone())).collect());
    }
    if let Some(name) = call.string("NotePropertyName") {
        return Ok(vec![(name, call.get("NotePropertyValue").cloned().unwrap_or_default())]);
    }
    let Some(kind) = call.string("MemberType") else { return Ok(Vec::new()) };
    let Some(name) = call.string("Name") else {
        return Err(ErrorRecord::new(
            "NameNotSpecified",
            "InvalidArgument",
            "The Name parameter is required when -MemberType is given.".into(),
        )
        .in_command("Add-Member"));
    };
    let value = call.get("Value").cloned().unwrap_or_default();
    let block = |v: Option<&Value>| match v {
        Some(Value::ScriptBlock(b)) => Some(b.clone()),
        _ => None,
    };
    let script = |kind: MemberKind| -> Result<Value, ErrorRecord> {
        let Some(body) = block(call.get("Value")) else {
            return Err(ErrorRecord::new(
                "ScriptBlockExpected",
                "InvalidArgument",
                format!("The Value of a {} must be a script block.", kind.name()),
            )
            .in_command("Add-Member"));
        };
        Ok(Value::Object(ObjectRef::new(ScriptMember {
            kind,
            block: Some(body),
            setter: block(call.get("SecondValue")),
            target: String::new(),
        })))
    };
    let member = match kind.to_ascii_lowercase().as_str() {
        "noteproperty" => value,
        "scriptproperty" => script(MemberKind::ScriptProperty)?,
        "scriptmethod" => script(MemberKind::ScriptMethod)?,
        "aliasproperty" => Value::Object(ObjectRef::new(ScriptMember {
            kind: MemberKind::AliasProperty,
            block: None,
            setter: None,
            target: value.to_display_string(),
        })),
        other => {
            return Err(ErrorRecord::new(
                "CannotAddMemberType",
                "InvalidOperation",
                format!("Cannot add a member of type \"{other}\"; ccrsh adds NoteProperty, AliasProperty, ScriptProperty and ScriptMethod members."),
            )
            .in_command("Add-Member"));
        }
    };
    Ok(vec![(name, member)])
}

pub fn add_member(call: &Invocation<'_>, _: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let mut out = Vec::new();
    let targets = match call.get("InputObject") {
        Some(Value::Null) | None => vec![Value::Null],
        _ => super::pipeline_input(call),
    };
    for target in targets {
        add_to(call, &target)?;
        if call.switch("PassThru") {
            out.push(target);
        }
    }
    Ok(out)
}

fn add_to(call: &Invocation<'_>, target: &Value) -> Result<(), ErrorRecord> {
    let added = members_to_add(call)?;
    let force = call.switch("Force");
    let type_name = call.string("TypeName");
    match target {
        Value::Record(r) => {
            let mut r = r.borrow_mut();
            for (name, _) in &added {
                if !force && r.get(name).is_some() {
                    return Err(already_exists(name));
                }
            }
            for (name, value) in added {
                match r.properties.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(&name)) {
                    Some((_, old)) => *old = value,
                    None => r.properties.push((name, value)),
                }
            }
            if let Some(t) = type_name {
                r.type_name = t;
            }
        }
        // A hashtable's note properties read as its keys do.
        Value::Hashtable(h) => {
            let mut h = h.borrow_mut();
            for (name, value) in added {
                let key = Value::String(name.clone());
                if !force && h.contains_key(&key) {
                    return Err(already_exists(&name));
                }
                h.insert(key, value);
            }
        }
        Value::Null => {
            return Err(ErrorRecord::new(
                "ParameterArgumentValidationErrorNullNotAllowed",
                "InvalidData",
                "Cannot bind argument to parameter 'InputObject' because it is null.".into(),
            )
            .in_command("Add-Member"));
        }
        other => {
            return Err(ErrorRecord::new(
                "CannotAddMember",
                "InvalidOperation",
                format!(
                    "ccrsh cannot add members to a {}; it adds them to objects ([pscustomobject], New-Object PSObject) and hashtables.",
                    crate::shell::eval::convert::type_name(other)
                ),
            )
            .in_command("Add-Member")
            .with_hint("Wrap the value in an object: [pscustomobject]@{ Value = $x; Extra = … }."));
        }
    }
    Ok(())
}

fn type_not_found(name: &str) -> ErrorRecord {
    ErrorRecord::new(
        "TypeNotFound",
        "InvalidType",
        format!("Cannot find type [{name}]: verify that the assembly containing this type is loaded."),
    )
    .in_command("New-Object")
    .exception("System.Management.Automation.PSArgumentException")
    .with_hint("ccrsh has no CLR: New-Object makes PSObjects and the .NET types listed in docs/GUIDE.md.")
}

pub fn new_object(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    if let Some(com) = call.string("ComObject") {
        return Err(ErrorRecord::new(
            "NoCOMClassIdentified",
            "ResourceUnavailable",
            format!("Retrieving the COM class factory for component {com} failed: ccrsh has no COM."),
        )
        .in_command("New-Object")
        .with_hint("Use the cmdlets and .NET types ccrsh provides instead of COM objects."));
    }
    let type_name = call.string("TypeName").unwrap_or_default();
    let args: Vec<Value> = match call.get("ArgumentList") {
        Some(Value::Array(items)) => items.borrow().clone(),
        Some(Value::Null) | None => Vec::new(),
        Some(one) => vec![one.clone()],
    };
    let bare = type_name.trim();
    let lower = bare.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
    let object = match lower.strip_prefix("system.").unwrap_or(&lower) {
        "management.automation.psobject"
        | "psobject"
        | "management.automation.pscustomobject"
        | "pscustomobject"
        | "object" => Value::record(Record::new(CUSTOM)),
        "collections.hashtable" | "hashtable" => Hashtable::new().into_value(),
        _ => {
            let t = runtime::types::resolve(bare).ok_or_else(|| type_not_found(bare))?;
            if t.full_name() == "System.Net.NetworkInformation.Ping" {
                // A Ping answers from the lab after New-Object returns: it keeps the client.
                runtime::dotnet::Ping::new_object(cx.engine.client_handle(), cx.engine.computer())
            } else if t.full_name() == "System.Diagnostics.EventLog" {
                // An EventLog reads the node's log each time `.Entries` is read.
                runtime::dotnet::EventLog::new_object(cx.engine.client_handle(), cx.engine.computer(), &args)
                    .map_err(|e| e.in_command("New-Object"))?
            } else {
                runtime::types::construct_named(bare, t, &args).map_err(|e| e.in_command("New-Object"))?
            }
        }
    };
    if let Some(Value::Hashtable(properties)) = call.get("Property") {
        for (k, v) in properties.borrow().entries() {
            let name = k.to_display_string();
            match &object {
                Value::Record(r) => {
                    let mut r = r.borrow_mut();
                    match r.properties.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(&name)) {
                        Some((_, old)) => *old = v.clone(),
                        None => r.properties.push((name, v.clone())),
                    }
                }
                Value::Hashtable(h) => h.borrow_mut().insert(k.clone(), v.clone()),
                Value::Object(o) => o.set_property(&name, v.clone()).map_err(|e| e.in_command("New-Object"))?,
                _ => {}
            }
        }
    }
    Ok(vec![object])
}
