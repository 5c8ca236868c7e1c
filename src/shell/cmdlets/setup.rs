//! `setup.com` on a node: `/RecoverCMS /CMSName:X /CMSIPAddress:IP` and
//! `/ClearLocalCMS /CMSName:X` (also spelled `Setup.com`, `setup`, `.\setup.com`). Like the real
//! one it runs on the node where it is started, so it needs a node to be the current computer
//! (`Enter-PSSession NODE`, or `Invoke-Command -ComputerName NODE -ScriptBlock { … }`);
//! elsewhere it says how to get there. It is not a cmdlet: its arguments are `/Switch:value`
//! words, read here.
//!
//! Must not: decide whether the recovery is allowed; ccrd's engine checks it.

use super::{Context, client_error};
use crate::api::{self, SetupMode, routes};
use crate::shell::error_record::ErrorRecord;
use crate::shell::eval::Confirmation;
use crate::shell::spec::ConfirmImpact;
use crate::shell::value::Value;

/// Whether a command name is Exchange setup: `setup`, `setup.com`, `.\setup.com`, `./Setup.exe`.
pub fn is_setup(name: &str) -> bool {
    let name = name.trim_start_matches(".\\").trim_start_matches("./").to_ascii_lowercase();
    matches!(name.as_str(), "setup" | "setup.com" | "setup.exe")
}

/// The switches setup understands here.
const USAGE: &str =
    "setup.com /RecoverCMS /CMSName:NAME /CMSIPAddress:ADDRESS, or setup.com /ClearLocalCMS /CMSName:NAME";

pub fn run(
    words: &[String],
    what_if: Option<bool>,
    confirm: Option<bool>,
    cx: &mut Context<'_>,
) -> Result<Vec<Value>, ErrorRecord> {
    let (mut mode, mut name, mut address) = (None, None, None);
    for word in words {
        let (switch, value) = match word.split_once(':') {
            Some((switch, value)) => (switch, Some(value.trim_matches('"').to_string())),
            None => (word.as_str(), None),
        };
        match switch.trim_start_matches(['/', '-']).to_ascii_lowercase().as_str() {
            "recovercms" => mode = Some(SetupMode::RecoverCms),
            "clearlocalcms" => mode = Some(SetupMode::ClearLocalCms),
            "cmsname" => name = value,
            "cmsipaddress" | "cmsipv4addresses" => address = value,
            _ => {
                return Err(ErrorRecord::new(
                    "SetupUnknownSwitch",
                    "InvalidArgument",
                    format!("setup.com does not know the switch '{word}'."),
                )
                .with_hint(format!("This lab's setup takes: {USAGE}.")));
            }
        }
    }
    let Some(mode) = mode else {
        return Err(ErrorRecord::new(
            "SetupNoMode",
            "InvalidArgument",
            "setup.com needs /RecoverCMS or /ClearLocalCMS.".into(),
        )
        .with_hint(format!("Use: {USAGE}.")));
    };
    let Some(name) = name.filter(|n| !n.is_empty()) else {
        return Err(ErrorRecord::new("SetupNoName", "InvalidArgument", "setup.com needs /CMSName:NAME.".into())
            .with_hint(format!("Use: {USAGE}.")));
    };
    let Some(node) = cx.engine.computer() else {
        return Err(ErrorRecord::new(
            "SetupNotOnANode",
            "InvalidOperation",
            "setup.com runs on the node it is started on, and this session is not on a node.".into(),
        )
        .with_hint(format!(
            "Run it there: Invoke-Command -ComputerName NODE -ScriptBlock {{ setup.com {} }}, or Enter-PSSession NODE first.",
            words.join(" ")
        )));
    };
    let action = match mode {
        SetupMode::RecoverCms => "RecoverCMS",
        SetupMode::ClearLocalCms => "ClearLocalCMS",
    };
    let target = format!("{name} on {node}");
    let confirmation = Confirmation {
        command: "setup.com",
        impact: ConfirmImpact::High,
        target: &target,
        action,
        what_if,
        confirm,
        verbose: false,
    };
    let dry_run = what_if.unwrap_or_else(|| cx.engine.variable("WhatIfPreference").is_truthy());
    // A viewer's change goes to ccrd unconfirmed: ccrd refuses it before any prompt.
    let confirmed = (!dry_run && super::change::is_viewer(cx)) || cx.engine.should_process(&confirmation)?;
    if !confirmed && !dry_run {
        return Ok(Vec::new());
    }
    let request = api::SetupRequest {
        node: node.clone(),
        mode,
        cms_name: name.clone(),
        cms_ip_address: address.clone(),
        dry_run,
        expected_version: None,
    };
    let result: api::OperationResult = cx.client.post(routes::SETUP, &request).map_err(|e| {
        let mut record = client_error(e);
        record.command = Some("setup.com".into());
        record
    })?;
    cx.warnings.extend(result.warnings.iter().cloned());
    if dry_run {
        return Ok(super::change::report_values(&result.report));
    }
    let step = match mode {
        SetupMode::RecoverCms => format!(
            "Recovering clustered mailbox server {name} on {node} with address {} .......... COMPLETED",
            address.unwrap_or_default()
        ),
        SetupMode::ClearLocalCms => {
            if result.changed {
                format!("Clearing the local configuration of {name} from {node}'s cluster .......... COMPLETED")
            } else {
                format!("{node}'s cluster holds no configuration of {name}; nothing to clear.")
            }
        }
    };
    let mut lines = vec![Value::String(step)];
    lines.extend(result.notes.into_iter().map(Value::String));
    Ok(lines)
}
