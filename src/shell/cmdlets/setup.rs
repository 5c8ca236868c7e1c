//! `setup.com` on a node: `/RecoverCMS /CMSName:X /CMSIPAddress:IP` and
//! `/ClearLocalCMS /CMSName:X` (also spelled `Setup.com`, `setup`, `.\setup.com`). Like the real
//! one it runs on the node where it is started, so it needs a node to be the current computer
//! (`Enter-PSSession NODE`, or `Invoke-Command -ComputerName NODE -ScriptBlock { … }`);
//! elsewhere it says how to get there. It is not a cmdlet: its arguments are `/Switch:value`
//! words, read here. Like the real unattended setup it never asks for confirmation and takes no
//! PowerShell parameters (`-Confirm`, `-WhatIf`); it prints its progress as lines of text and
//! sets `$LASTEXITCODE`.
//!
//! Must not: decide whether the recovery is allowed; ccrd's engine checks it.

use super::{Context, client_error};
use crate::api::{self, SetupMode, routes};
use crate::shell::error_record::ErrorRecord;
use crate::shell::value::Value;

/// The switches setup understands here.
const USAGE: &str =
    "setup.com /RecoverCMS /CMSName:NAME /CMSIPAddress:ADDRESS, or setup.com /ClearLocalCMS /CMSName:NAME";

pub fn run(words: &[String], cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let result = run_setup(words, cx);
    super::native::set_exit_code(cx, i64::from(result.is_err()));
    result
}

fn run_setup(words: &[String], cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let (mut mode, mut name, mut address) = (None, None, None);
    for word in words {
        if !word.starts_with('/') {
            return Err(ErrorRecord::new(
                "SetupInvalidParameter",
                "InvalidArgument",
                format!("'{word}' is not a valid setup parameter. Setup takes /Switch:value parameters."),
            )
            .with_hint(format!(
                "setup.com is Exchange's unattended setup, not a cmdlet: it never asks for confirmation and has no -Confirm or -WhatIf. Use: {USAGE}."
            )));
        }
        let (switch, value) = match word.split_once(':') {
            Some((switch, value)) => (switch, Some(value.trim_matches('"').to_string())),
            None => (word.as_str(), None),
        };
        match switch.trim_start_matches('/').to_ascii_lowercase().as_str() {
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
    let request = api::SetupRequest {
        node: node.clone(),
        mode,
        cms_name: name.clone(),
        cms_ip_address: address.clone(),
        dry_run: false,
        expected_version: None,
    };
    let result: api::OperationResult = cx.client.change(routes::SETUP, &request).map_err(|e| {
        let mut record = client_error(e);
        record.command = Some("setup.com".into());
        record
    })?;
    cx.warnings.extend(result.warnings.iter().cloned());
    let step = match mode {
        SetupMode::RecoverCms => "Clustered Mailbox Server Recovery",
        SetupMode::ClearLocalCms => "Clearing Local Clustered Mailbox Server",
    };
    let mut lines = vec![
        "Welcome to Microsoft Exchange Server 2007 Unattended Setup".to_string(),
        String::new(),
        "Preparing Exchange Setup".to_string(),
        String::new(),
        format!("    {:<40}{} COMPLETED", "Copying Setup Files", ".".repeat(25)),
        String::new(),
        "Performing Microsoft Exchange Server Prerequisite Checks".to_string(),
        String::new(),
        format!("    {:<40}{} COMPLETED", "Clustered Mailbox Server Prerequisites", ".".repeat(25)),
        String::new(),
        "Configuring Microsoft Exchange Server".to_string(),
        String::new(),
    ];
    if mode == SetupMode::ClearLocalCms && !result.changed {
        lines.push(format!("    {node}'s cluster holds no configuration of {name}; there was nothing to clear."));
    } else {
        lines.push(format!("    {step:<40}{} COMPLETED", ".".repeat(25)));
    }
    lines.push(String::new());
    lines.push("The Microsoft Exchange Server setup operation completed successfully.".to_string());
    lines.extend(result.notes);
    Ok(lines.into_iter().map(Value::String).collect())
}
