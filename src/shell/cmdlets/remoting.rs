//! Reaching a node: `Enter-PSSession NODE` … `Exit-PSSession` (the prompt becomes
//! `[NODE]: PS>`), and `Invoke-Command -ComputerName NODE -ScriptBlock { … }`. What runs there
//! sees the node as its current computer — which is what `setup.com` needs. Cmdlets still talk
//! to the same ccrd; the lab has one control service. `Invoke-Expression` (text run in the
//! caller's scope, here) is Invoke-Command's local sibling.
//!
//! Must not: open connections of its own; a node is checked against ccrd's list.

use super::{Context, client_error};
use crate::api::{self, routes};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use std::rc::Rc;

use crate::shell::value::{ScriptBlock, Source, Value};

/// The lab node `name` as ccrd spells it, if it exists and is powered on.
fn reachable_node(cx: &mut Context<'_>, name: &str) -> Result<String, ErrorRecord> {
    let nodes: Vec<api::LabNode> = cx.client.get(routes::LAB_NODES, &()).map_err(client_error)?;
    let found = nodes.iter().find(|n| n.name.eq_ignore_ascii_case(name.trim()));
    match found {
        Some(node) if node.powered_on => Ok(node.name.clone()),
        Some(node) => Err(ErrorRecord::new(
            "PSSessionOpenFailed",
            "OpenError",
            format!("Connecting to remote server {} failed: the computer is powered off.", node.name),
        )
        .with_hint(format!("Start-LabNode {} first.", node.name))),
        None => Err(ErrorRecord::new(
            "PSSessionOpenFailed",
            "OpenError",
            format!("Connecting to remote server {name} failed: no such computer in this lab."),
        )
        .with_hint(format!("Known nodes: {}.", nodes.iter().map(|n| n.name.as_str()).collect::<Vec<_>>().join(", ")))),
    }
}

pub fn enter_pssession(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let node = reachable_node(cx, &call.string("ComputerName").unwrap_or_default())?;
    cx.engine.set_computer(Some(node));
    // A new session starts outside the node's folders.
    super::node_items::set_location(None, cx)?;
    Ok(Vec::new())
}

pub fn exit_pssession(_call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    cx.engine.set_computer(None);
    super::node_items::set_location(None, cx)?;
    Ok(Vec::new())
}

/// A local script file as a script block, as `Invoke-Command -FilePath` sends it: its
/// `param()` block binds `-ArgumentList`, and its `#requires` lines are checked first.
fn script_file(path: &str) -> Result<ScriptBlock, ErrorRecord> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ErrorRecord::new(
            "FileNotFound",
            "ObjectNotFound",
            format!("Cannot find path '{path}' because it does not exist or cannot be read: {e}."),
        )
        .with_hint("-FilePath names a script on this computer; Invoke-Command runs it on the nodes.")
    })?;
    crate::shell::cmdlets::snapins::check_requires(&text, path)?;
    let script = crate::shell::syntax::parse(&text).map_err(|e| {
        let mut record = ErrorRecord::from_syntax(&e);
        record.locate(&Source { text: text.clone(), file: Some(path.to_string()) });
        record
    })?;
    Ok(ScriptBlock { def: script.body, source: Rc::new(Source { text, file: Some(path.to_string()) }) })
}

/// Runs the script block (or the local script file of -FilePath, PowerShell 2.0's way) once
/// per computer, with that node as the current computer.
pub fn invoke_command(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let block = match (call.get("ScriptBlock").cloned(), call.string("FilePath")) {
        (Some(Value::ScriptBlock(block)), _) => block,
        (_, Some(path)) => script_file(&path)?,
        _ => {
            return Err(ErrorRecord::new(
                "MissingScriptBlock",
                "InvalidArgument",
                "Invoke-Command needs -ScriptBlock or -FilePath.".into(),
            ));
        }
    };
    let args: Vec<Value> = match call.get("ArgumentList") {
        Some(Value::Array(items)) => items.borrow().clone(),
        Some(other) => vec![other.clone()],
        None => Vec::new(),
    };
    let computers = call.strings("ComputerName").unwrap_or_default();
    let mut out = Vec::new();
    let outside = cx.engine.computer();
    for computer in computers {
        let node = reachable_node(cx, &computer)?;
        cx.engine.set_computer(Some(node));
        let result = cx.engine.call_block(&block, args.clone(), call.span);
        cx.engine.set_computer(outside.clone());
        out.extend(result?);
    }
    Ok(out)
}

/// Runs each string of -Command (or piped in) in the caller's scope, as if typed there.
pub fn invoke_expression(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let mut out = Vec::new();
    for text in call.strings("Command").unwrap_or_default() {
        out.extend(cx.engine.invoke_expression(&text)?);
    }
    Ok(out)
}
