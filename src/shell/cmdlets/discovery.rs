//! Discovery: `Get-Command` and `Get-Help`, answered from the specs in the registry.

use super::{Context, Registry};
use crate::shell::bind::Invocation;
use crate::shell::did_you_mean::closest;
use crate::shell::error_record::ErrorRecord;
use crate::shell::help::{self, Detail};
use crate::shell::value::{Record, Value};
use crate::shell::wildcard::Wildcard;

const COMMAND_INFO_TYPE: &str = "System.Management.Automation.CmdletInfo";
const FUNCTION_INFO_TYPE: &str = "System.Management.Automation.FunctionInfo";

fn spec_broken(error: &crate::shell::spec::SpecError) -> ErrorRecord {
    ErrorRecord::new("CmdletSpecInvalid", "MetadataError", format!("A cmdlet spec is invalid: {error}"))
        .with_hint("This is a defect in this build of ccrsh; the spec tests catch it.")
}

/// A command's verb: the part of its name before the first `-` (empty without one), as
/// CmdletInfo.Verb and FunctionInfo.Verb give it.
fn verb_of(name: &str) -> &str {
    name.split_once('-').map_or("", |(verb, _)| verb)
}

/// A command's noun: the part of its name after the first `-` (empty without one).
fn noun_of(name: &str) -> &str {
    name.split_once('-').map_or("", |(_, noun)| noun)
}

pub fn get_command(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let mut all = Registry::global().all().map_err(spec_broken)?;
    // A removed snap-in's cmdlets are not there.
    all.retain(|f| super::snapins::module_loaded(&f.spec.module));
    let patterns = |name: &str| call.strings(name).map(|v| v.iter().map(|p| Wildcard::new(p)).collect::<Vec<_>>());
    let (names, verbs, nouns) = (patterns("Name"), patterns("Verb"), patterns("Noun"));
    let any = |ps: &Option<Vec<Wildcard>>, text: &str| ps.as_ref().is_none_or(|ps| ps.iter().any(|p| p.is_match(text)));
    let wanted = |name: &str| {
        let (verb, noun) = name.split_once('-').unwrap_or((name, ""));
        any(&names, name) && any(&verbs, verb) && any(&nouns, noun)
    };
    let mut found: Vec<Value> = all
        .iter()
        .filter(|f| wanted(&f.spec.name))
        .map(|f| {
            Record::new(COMMAND_INFO_TYPE)
                .with("CommandType", "Cmdlet")
                .with("Name", f.spec.name.as_str())
                .with("Version", env!("CARGO_PKG_VERSION"))
                .with("Source", f.spec.module.as_str())
                .with("Verb", verb_of(&f.spec.name))
                .with("Noun", noun_of(&f.spec.name))
                .with("ModuleName", f.spec.module.as_str())
                .into()
        })
        .collect();
    // The session's script functions, as PowerShell lists them beside the cmdlets.
    let functions = cx.engine.function_names();
    found.extend(functions.iter().filter(|name| wanted(name)).map(|name| {
        Record::new(FUNCTION_INFO_TYPE)
            .with("CommandType", "Function")
            .with("Name", name.as_str())
            .with("Version", "")
            .with("Source", "")
            .with("Verb", verb_of(name))
            .with("Noun", noun_of(name))
            .with("ModuleName", "")
            .into()
    }));
    // A plain name that matched nothing is an error, as in PowerShell; a pattern is not.
    if let Some(typed) = call.strings("Name") {
        let literal = typed.iter().find(|t| {
            !Wildcard::has_wildcards(t)
                && !all.iter().any(|f| f.spec.name.eq_ignore_ascii_case(t))
                && !functions.iter().any(|f| f.eq_ignore_ascii_case(t))
        });
        // Non-terminating, as in PowerShell: -ErrorAction SilentlyContinue makes it a test.
        if let Some(name) = literal {
            cx.errors.push(ErrorRecord::command_not_found(name, call.span, closest(name, Registry::global().names())));
        }
    }
    Ok(found)
}

pub fn get_help(call: &Invocation<'_>, _: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let Some(name) = call.string("Name") else {
        return Ok(vec![Value::String(ABOUT.to_string())]);
    };
    let registry = Registry::global();
    if Wildcard::has_wildcards(&name) {
        let pattern = Wildcard::new(&name);
        let all = registry.all().map_err(spec_broken)?;
        return Ok(all
            .iter()
            .filter(|f| pattern.is_match(&f.spec.name))
            .map(|f| {
                Record::new("HelpInfoShort")
                    .with("Name", f.spec.name.as_str())
                    .with("Category", "Cmdlet")
                    .with("Synopsis", f.spec.synopsis.as_str())
                    .into()
            })
            .collect());
    }
    let Some(found) = registry.find(&name) else {
        let suggestion = closest(&name, registry.names());
        let record = ErrorRecord::new(
            "HelpNotFound",
            "ResourceUnavailable",
            format!("Get-Help could not find {name} in a help file in this session."),
        )
        .at(call.span);
        return Err(match suggestion {
            Some(s) => record.with_hint(format!("Did you mean {s}? Get-Command lists every cmdlet.")),
            None => record.with_hint("Get-Command lists every cmdlet."),
        });
    };
    let found = found.map_err(spec_broken)?;
    if let Some(parameter) = call.string("Parameter") {
        let pattern = Wildcard::new(&parameter);
        let chosen: Vec<_> = found.spec.parameters.iter().filter(|p| pattern.is_match(&p.name)).collect();
        if chosen.is_empty() {
            return Err(ErrorRecord::new(
                "NoParmsFound",
                "ObjectNotFound",
                format!("No parameter matches criteria {parameter}."),
            )
            .at(call.span)
            .with_hint(format!("Get-Help {} -Full lists its parameters.", found.spec.name)));
        }
        let mut only = found.spec.clone();
        only.parameters = chosen.into_iter().cloned().collect();
        let text = help::page(&only, Detail::Full);
        let start = text.find("PARAMETERS\n").map_or(0, |i| i + "PARAMETERS\n".len());
        let end = text.find("\nEXAMPLES\n").unwrap_or(text.len());
        return Ok(vec![Value::String(text[start..end].trim_end().to_string())]);
    }
    let detail = if call.switch("Examples") { Detail::Examples } else { Detail::Full };
    Ok(vec![Value::String(help::page(found.spec, detail).trim_end().to_string())])
}

const ABOUT: &str = "
TOPIC
    ccrsh

SHORT DESCRIPTION
    An administration shell for clustered mailbox servers (CCR and SCR).

LONG DESCRIPTION
    ccrsh reads commands written as in the Exchange Management Shell, checks them
    against each cmdlet's parameters, and sends them to ccrd, the cluster control
    service.

    Get-Command            lists every cmdlet.
    Get-Help NAME          shows a cmdlet's syntax, parameters and examples.
    Get-Help NAME -Examples  shows only its examples.";
