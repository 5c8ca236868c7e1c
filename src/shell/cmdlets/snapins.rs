//! Windows PowerShell 1.0 snap-ins, as the Exchange Management Shell is one:
//! `Get-PSSnapin [-Registered]`, `Add-PSSnapin`, `Remove-PSSnapin`, and the `#requires
//! -PSSnapin` / `#requires -Version` lines of a script. The shell starts as the EMS console
//! does, with `Microsoft.Exchange.Management.PowerShell.Admin` added; removing it removes the
//! Exchange cmdlets until it is added again.
//!
//! Owns: the registered snap-ins, which of them this session has added (per thread: the
//! shell runs a session's scripts on one thread), and the checks of `#requires`.
//!
//! Must not: load anything: every cmdlet is built in, a snap-in only makes its cmdlets visible.

use std::cell::RefCell;
use std::collections::BTreeSet;

use super::Context;
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::value::{Record, Value};
use crate::shell::wildcard::Wildcard;

/// The Exchange 2007 snap-in: the module name of every Exchange cmdlet spec.
pub const EXCHANGE_ADMIN: &str = "Microsoft.Exchange.Management.PowerShell.Admin";

/// A snap-in: its name, whether PowerShell itself holds it (it cannot be removed), and its
/// description as `Get-PSSnapin` prints it.
struct SnapIn {
    name: &'static str,
    system: bool,
    description: &'static str,
}

const SNAPINS: &[SnapIn] = &[
    SnapIn {
        name: "Microsoft.PowerShell.Core",
        system: true,
        description: "This Windows PowerShell snap-in contains Windows PowerShell management cmdlets used to manage components of Windows PowerShell.",
    },
    SnapIn {
        name: "Microsoft.PowerShell.Host",
        system: true,
        description: "This Windows PowerShell snap-in contains cmdlets used by the Windows PowerShell host.",
    },
    SnapIn {
        name: "Microsoft.PowerShell.Management",
        system: true,
        description: "This Windows PowerShell snap-in contains management cmdlets used to manage Windows components.",
    },
    SnapIn {
        name: "Microsoft.PowerShell.Security",
        system: true,
        description: "This Windows PowerShell snap-in contains cmdlets to manage Windows PowerShell security.",
    },
    SnapIn {
        name: "Microsoft.PowerShell.Utility",
        system: true,
        description: "This Windows PowerShell snap-in contains utility Cmdlets used to manipulate data.",
    },
    SnapIn { name: EXCHANGE_ADMIN, system: false, description: "Admin Tasks for the Exchange Server" },
    SnapIn {
        name: "Microsoft.Exchange.Management.PowerShell.Support",
        system: false,
        description: "Support Tasks for the Exchange Server",
    },
];

thread_local! {
    /// Registered snap-ins whose state differs from the EMS console's start (the Admin snap-in
    /// added, Support not): the names toggled since.
    static TOGGLED: RefCell<BTreeSet<String>> = const { RefCell::new(BTreeSet::new()) };
}

fn added_at_start(snapin: &SnapIn) -> bool {
    snapin.system || snapin.name == EXCHANGE_ADMIN
}

fn is_added(snapin: &SnapIn) -> bool {
    let toggled = TOGGLED.with(|t| t.borrow().contains(&snapin.name.to_ascii_lowercase()));
    added_at_start(snapin) != toggled
}

fn toggle(snapin: &SnapIn) {
    TOGGLED.with(|t| {
        let mut t = t.borrow_mut();
        let key = snapin.name.to_ascii_lowercase();
        if !t.remove(&key) {
            t.insert(key);
        }
    });
}

/// Whether the cmdlets of `module` are visible: always, unless it is a snap-in this session
/// removed.
pub fn module_loaded(module: &str) -> bool {
    SNAPINS.iter().find(|s| s.name.eq_ignore_ascii_case(module)).is_none_or(is_added)
}

fn record(snapin: &SnapIn) -> Value {
    Record::new("System.Management.Automation.PSSnapInInfo")
        .with_text(snapin.name)
        .with("Name", snapin.name)
        .with("PSVersion", "1.0")
        .with("Description", snapin.description)
        .with("IsDefault", snapin.system)
        .with("Vendor", "Microsoft Corporation")
        .into()
}

fn matching<'a>(pattern: &str, candidates: impl Iterator<Item = &'a SnapIn>) -> Vec<&'a SnapIn> {
    let wildcard = Wildcard::new(pattern.trim());
    candidates.filter(|s| wildcard.is_match(s.name)).collect()
}

fn names(call: &Invocation<'_>) -> Vec<String> {
    call.strings("Name").unwrap_or_default()
}

/// `Get-PSSnapin [[-Name] PATTERN] [-Registered]`: the added snap-ins, or with -Registered
/// the registered ones that are not part of PowerShell.
pub fn get_pssnapin(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let registered = call.switch("Registered");
    let pool: Vec<&SnapIn> = SNAPINS.iter().filter(|s| if registered { !s.system } else { is_added(s) }).collect();
    let patterns = names(call);
    if patterns.is_empty() {
        return Ok(pool.into_iter().map(record).collect());
    }
    let mut out = Vec::new();
    for pattern in patterns {
        let found = matching(&pattern, pool.iter().copied());
        if found.is_empty() {
            cx.errors.push(
                ErrorRecord::new(
                    "NoPSSnapInsFound",
                    "InvalidArgument",
                    format!(
                        "No Windows PowerShell snap-ins matching the pattern '{pattern}' were found. Check the pattern and then try the command again."
                    ),
                )
                .with_hint("Get-PSSnapin -Registered lists the snap-ins that can be added."),
            );
        }
        out.extend(found.into_iter().map(record));
    }
    Ok(out)
}

/// `Add-PSSnapin NAME`: adding one already added is an error, as in PowerShell.
pub fn add_pssnapin(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let mut out = Vec::new();
    for pattern in names(call) {
        let found = matching(&pattern, SNAPINS.iter().filter(|s| !s.system));
        if found.is_empty() {
            let error = ErrorRecord::new(
                "AddPSSnapInRead",
                "InvalidArgument",
                format!("The Windows PowerShell snap-in '{pattern}' is not installed on this machine."),
            );
            cx.errors.push(error.with_hint("Get-PSSnapin -Registered lists the snap-ins that are installed."));
            continue;
        }
        for snapin in found {
            if is_added(snapin) {
                cx.errors.push(
                    ErrorRecord::new(
                        "AddPSSnapInRead",
                        "InvalidArgument",
                        format!(
                            "Cannot add Windows PowerShell snap-in {} because it is already added. Verify the name of the snap-in and try again.",
                            snapin.name
                        ),
                    )
                    .with_hint("It is loaded already; scripts add it with -ErrorAction SilentlyContinue."),
                );
                continue;
            }
            toggle(snapin);
            if call.switch("PassThru") {
                out.push(record(snapin));
            }
        }
    }
    Ok(out)
}

/// `Remove-PSSnapin NAME`: a system snap-in cannot be removed.
pub fn remove_pssnapin(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let mut out = Vec::new();
    for pattern in names(call) {
        let found = matching(&pattern, SNAPINS.iter().filter(|s| is_added(s)));
        if found.is_empty() {
            cx.errors.push(ErrorRecord::new(
                "NoPSSnapInsFound",
                "InvalidArgument",
                format!(
                    "No Windows PowerShell snap-ins matching the pattern '{pattern}' were found. Check the pattern and then try the command again."
                ),
            ));
            continue;
        }
        for snapin in found {
            if snapin.system {
                cx.errors.push(ErrorRecord::new(
                    "RemovePSSnapIn",
                    "InvalidArgument",
                    format!("Cannot remove Windows PowerShell snap-in {} because it is a system snap-in.", snapin.name),
                ));
                continue;
            }
            toggle(snapin);
            if call.switch("PassThru") {
                out.push(record(snapin));
            }
        }
    }
    Ok(out)
}

/// The `#requires` lines of a script (`#requires -Version 1`, `#requires -PSSnapin NAME`),
/// checked before it runs: a script that requires a snap-in this session has not added, or a
/// later version of PowerShell than this shell answers for, does not run.
pub fn check_requires(text: &str, script: &str) -> Result<(), ErrorRecord> {
    let mut missing = Vec::new();
    // Only a line whose first non-blank is `#` can be one: those are found from the `#`s (a
    // search that passes over code at memchr speed; reading every line of a 10 MB script cost
    // 4 % of its `-File` run).
    for hash in text.match_indices('#').map(|(at, _)| at) {
        let line_start = text[..hash].rfind('\n').map_or(0, |i| i + 1);
        if !text[line_start..hash].trim().is_empty() {
            continue;
        }
        let line_end = text[hash..].find('\n').map_or(text.len(), |i| hash + i);
        let rest = text[hash + 1..line_end].trim();
        if rest.len() < 8 || !rest.is_char_boundary(8) || !rest[..8].eq_ignore_ascii_case("requires") {
            continue;
        }
        let number = text[..line_start].matches('\n').count();
        let words: Vec<&str> = rest[8..].split_whitespace().collect();
        let mut i = 0;
        while i < words.len() {
            let key = words[i].trim_start_matches('-').to_ascii_lowercase();
            let value = words.get(i + 1).map(|v| v.trim_matches(['"', '\'']));
            match (key.as_str(), value) {
                ("version", Some(v)) => {
                    let major: u32 = v.split('.').next().and_then(|m| m.parse().ok()).unwrap_or(u32::MAX);
                    if major > 7 {
                        return Err(ErrorRecord::new(
                            "ScriptRequiresUnmatchedPSVersion",
                            "ResourceUnavailable",
                            format!(
                                "The script '{script}' cannot be run because it contained a \"#requires\" statement at line {} for Windows PowerShell version {v}. The version required by the script does not match the currently running version of Windows PowerShell 7.4.",
                                number + 1
                            ),
                        ));
                    }
                }
                ("pssnapin", Some(name)) => {
                    let added = SNAPINS.iter().any(|s| s.name.eq_ignore_ascii_case(name) && is_added(s));
                    if !added {
                        missing.push(name.to_string());
                    }
                }
                _ => {}
            }
            i += 2;
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(ErrorRecord::new(
        "ScriptRequiresMissingPSSnapIns",
        "ResourceUnavailable",
        format!(
            "The script '{script}' cannot be run because the following Windows PowerShell snap-ins that are specified by its \"#requires\" statements are missing: {}.",
            missing.join(", ")
        ),
    )
    .with_hint("Add-PSSnapin adds a registered snap-in (Get-PSSnapin -Registered lists them)."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requires_lines_are_checked_against_the_added_snap_ins() {
        let ok = "#requires -version 1\n#Requires -PSSnapin Microsoft.Exchange.Management.PowerShell.Admin\nGet-StorageGroup";
        assert!(check_requires(ok, "a.ps1").is_ok());
        let missing =
            check_requires("#requires -pssnapin Quest.ActiveRoles.ADManagement\n", "b.ps1").expect_err("missing");
        assert!(missing.message.contains("are missing: Quest.ActiveRoles.ADManagement."), "{}", missing.message);
        assert!(check_requires("#requires -version 9\n", "c.ps1").is_err());
        assert!(
            check_requires("# requires are documented below\n", "d.ps1").is_ok(),
            "only -Version and -PSSnapin count"
        );
    }
}
