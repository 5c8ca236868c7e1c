//! Help text from specs: the SYNTAX lines, the full `Get-Help` page, and the Markdown of the
//! generated cmdlet reference (`docs/cmdlets/`). One source, three readers.
//!
//! Must not: run cmdlets or print.

use std::fmt::Write;

use super::spec::{CmdletSpec, ParamType, ParameterSpec};

/// Which sections `Get-Help` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// NAME, SYNOPSIS, SYNTAX, DESCRIPTION, PARAMETERS, EXAMPLES.
    Full,
    /// NAME, SYNOPSIS and EXAMPLES only (`-Examples`).
    Examples,
}

/// One SYNTAX line per parameter set, default set first.
pub fn syntax_lines(spec: &CmdletSpec) -> Vec<String> {
    spec.parameter_sets()
        .into_iter()
        .map(|set| {
            let mut params: Vec<&ParameterSpec> = spec.parameters.iter().filter(|p| p.in_set(set)).collect();
            // Positional parameters first, by position; the rest in spec order.
            params.sort_by_key(|p| p.position.unwrap_or(u32::MAX));
            let mut line = spec.name.clone();
            for p in params {
                line.push(' ');
                line.push_str(&syntax_of(p));
            }
            if spec.supports_should_process() {
                line.push_str(" [-WhatIf] [-Confirm]");
            }
            line.push_str(" [<CommonParameters>]");
            line
        })
        .collect()
}

fn syntax_of(p: &ParameterSpec) -> String {
    if p.is_switch() {
        return format!("[-{}]", p.name);
    }
    let name = if p.position.is_some() { format!("[-{}]", p.name) } else { format!("-{}", p.name) };
    let body = format!("{name} {}", type_text(p));
    if p.mandatory { body } else { format!("[{body}]") }
}

/// `<Type>`, or `{A | B}` for an enum.
fn type_text(p: &ParameterSpec) -> String {
    match p.kind {
        ParamType::Enum => format!("{{{}}}", p.values.join(" | ")),
        kind => format!("<{}>", kind.display_name()),
    }
}

/// The `Get-Help` page.
pub fn page(spec: &CmdletSpec, detail: Detail) -> String {
    let mut out = String::new();
    let _ = write!(out, "\nNAME\n    {}\n\nSYNOPSIS\n{}\n", spec.name, indent(&spec.synopsis, 4));
    if detail == Detail::Full {
        out.push_str("\nSYNTAX\n");
        for line in syntax_lines(spec) {
            let _ = writeln!(out, "    {line}\n");
        }
        let _ = write!(out, "\nDESCRIPTION\n{}\n", indent(&spec.description, 4));
        out.push_str("\nPARAMETERS\n");
        for p in &spec.parameters {
            let _ = writeln!(out, "    -{} {}", p.name, type_text(p));
            if !p.description.is_empty() {
                let _ = writeln!(out, "{}", indent(&p.description, 8));
            }
            out.push('\n');
            for (label, value) in parameter_facts(p) {
                let _ = writeln!(out, "        {label:<29}{value}");
            }
            out.push('\n');
        }
        if spec.supports_should_process() {
            out.push_str("    -WhatIf [<SwitchParameter>]\n        Shows what would happen without doing it.\n\n");
            out.push_str("    -Confirm [<SwitchParameter>]\n        Asks for confirmation before doing it.\n\n");
        }
        out.push_str(COMMON_PARAMETERS_HELP);
    }
    out.push_str("\nEXAMPLES\n");
    for (i, example) in spec.examples.iter().enumerate() {
        let _ = write!(
            out,
            "    -------------------------- Example {} --------------------------\n    PS> {}\n\n{}\n\n",
            i + 1,
            example.command,
            indent(&example.description, 4)
        );
    }
    out
}

const COMMON_PARAMETERS_HELP: &str = "    <CommonParameters>
        This cmdlet supports the common parameters: Verbose, Debug, ErrorAction,
        WarningAction, InformationAction, ErrorVariable, WarningVariable,
        InformationVariable, OutVariable, OutBuffer and PipelineVariable
        (Get-Help about_CommonParameters in PowerShell describes them).

";

/// The facts block under each parameter, as `Get-Help -Full` shows it.
fn parameter_facts(p: &ParameterSpec) -> Vec<(&'static str, String)> {
    let pipeline = match p.pipeline {
        None => "false".to_string(),
        Some(kind) if p.pipeline_types.is_empty() => format!("true ({kind:?})"),
        Some(kind) => format!("true ({kind:?}: {} objects)", p.pipeline_types.join(", ")),
    };
    let mut facts = vec![
        ("Required?", p.mandatory.to_string()),
        ("Position?", p.position.map_or("named".into(), |n| n.to_string())),
        ("Default value", p.default.clone().unwrap_or_default()),
        ("Accept pipeline input?", pipeline),
        ("Accept wildcard characters?", p.wildcards.to_string()),
    ];
    if !p.aliases.is_empty() {
        facts.push(("Aliases", p.aliases.join(", ")));
    }
    if p.kind != ParamType::Enum && !p.values.is_empty() {
        facts.push(("Accepted values", p.values.join(", ")));
    }
    if !p.suggestions.is_empty() {
        facts.push(("Values", p.suggestions.join(", ")));
    }
    if let Some([low, high]) = p.range {
        facts.push(("Range", format!("{low} to {high}")));
    }
    facts
}

/// The reference page `docs/cmdlets/<Name>.md`.
pub fn markdown(spec: &CmdletSpec) -> String {
    let mut out = format!(
        "# {}\n\n<!-- Generated from cmdlets/{0}.toml by the docs test; do not edit. -->\n\n{}\n\n## Syntax\n\n```\n",
        spec.name, spec.synopsis
    );
    for line in syntax_lines(spec) {
        let _ = writeln!(out, "{line}");
    }
    let _ = write!(out, "```\n\n## Description\n\n{}\n", spec.description.trim());
    if let Some(impact) = spec.confirm_impact {
        let _ = write!(out, "\nConfirmImpact: {impact:?}. Supports `-WhatIf` and `-Confirm`.\n");
    }
    if !spec.parameters.is_empty() {
        out.push_str("\n## Parameters\n");
        for p in &spec.parameters {
            let _ = write!(out, "\n### -{} {}\n\n", p.name, type_text(p));
            if !p.description.is_empty() {
                let _ = write!(out, "{}\n\n", p.description.trim());
            }
            out.push_str("| | |\n|---|---|\n");
            for (label, value) in parameter_facts(p) {
                let _ = writeln!(
                    out,
                    "| {} | {} |",
                    label.trim_end_matches('?'),
                    if value.is_empty() { "(none)" } else { &value }
                );
            }
        }
    }
    out.push_str("\n## Examples\n");
    for (i, example) in spec.examples.iter().enumerate() {
        let _ = write!(
            out,
            "\n### Example {}: {}\n\n```powershell\n{}\n```\n\n{}\n",
            i + 1,
            example.title,
            example.command,
            example.description.trim()
        );
    }
    out
}

fn indent(text: &str, by: usize) -> String {
    text.trim().lines().map(|l| format!("{:by$}{}", "", l.trim_end())).collect::<Vec<_>>().join("\n")
}
