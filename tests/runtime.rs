//! Issue 13's session cmdlets and curated .NET surface, in a fresh in-process session each:
//! the variable cmdlets with scopes and options, the host object, `Out-String` forms, and the
//! .NET types admin scripts call. Each test checks the output and PowerShell's error ids, and
//! that bad input changed nothing.

use ccrsh::shell::client::Client;
use ccrsh::shell::session::SourceName;

use crate::support::captured_session;

struct Ran {
    stdout: String,
    stderr: String,
}

/// Runs `script` in a new session that talks to no ccrd.
fn run(script: &str) -> Ran {
    let client = Client::new("http://127.0.0.1:9", None).expect("client");
    let (mut session, out, err) = captured_session(client, None);
    session.run(script, &SourceName::Command);
    Ran { stdout: out.text(), stderr: err.text() }
}

fn lines(text: &str) -> Vec<&str> {
    text.lines().map(str::trim_end).filter(|l| !l.is_empty()).collect()
}

#[test]
fn variables_are_made_read_and_removed_in_the_scope_named() {
    let ran = run(r#"
        New-Variable Cms EXCMS01 -Description 'the clustered mailbox server'
        $v = Get-Variable Cms; "$($v.Name)|$($v.Value)|$($v.Description)|$($v.Options)"
        & { Set-Variable Cms EXCMS02 -Scope 1; New-Variable Cms inner; "inner=$Cms" }
        "outer=$Cms"
        & { & { Set-Variable Node NODE1 -Scope Global } }; "global=$global:Node"
        & { New-Variable Hidden h -Option Private; & { "child sees [$Hidden]" } }
        Set-Variable Count 1; 4..5 | Set-Variable Count -Append; $Count -join ','
        'piped' | Set-Variable Piped; $Piped
        Set-Variable a1 1; Set-Variable a2 2; Set-Variable b1 3
        (Get-Variable a* -Exclude a2 | ForEach-Object Name) -join ','
        Set-Variable a* 0 -Include a2; "$a1 $a2"
        Clear-Variable a1; $null -eq $a1; Test-Path Variable:a1
        Remove-Variable a1, a2; Test-Path Variable:a1
        Get-Variable a* -ValueOnly
        $gone = 1; Remove-Item Variable:gone; Test-Path Variable:gone
        "#);
    assert_eq!(ran.stderr, "");
    assert_eq!(
        lines(&ran.stdout),
        [
            "Cms|EXCMS01|the clustered mailbox server|None",
            "inner=inner",
            "outer=EXCMS02",
            "global=NODE1",
            "child sees []",
            "1,4,5",
            "piped",
            "a1",
            "1 0",
            "True",
            "True",
            "False",
            "False",
        ]
    );
}

#[test]
fn read_only_and_constant_variables_refuse_changes_and_keep_their_values() {
    let ran = run(r#"
        Set-Variable Limit 15 -Option ReadOnly -Description 'minutes'
        try { Set-Variable Limit 20 -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
        try { $Limit = 30 } catch { $_.FullyQualifiedErrorId }
        try { Remove-Variable Limit -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
        "limit=$Limit"
        Set-Variable Limit 20 -Force; "forced=$Limit"
        (Get-Variable Limit).Options
        New-Variable Pi 3 -Option Constant
        try { Set-Variable Pi 4 -Force -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
        try { Remove-Variable Pi -Force -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
        try { New-Variable Pi 5 -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
        "pi=$Pi"
        Set-Variable Other 1
        try { Set-Variable Other -Option Constant -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
        (Get-Variable Other).Options
        & { New-Variable P 1 -Option ReadOnly -Scope Private; (Get-Variable P).Options }
        "#);
    assert_eq!(ran.stderr, "");
    assert_eq!(
        lines(&ran.stdout),
        [
            "VariableNotWritable,Microsoft.PowerShell.Commands.SetVariableCommand",
            "VariableNotWritable",
            "VariableNotRemovable,Microsoft.PowerShell.Commands.RemoveVariableCommand",
            "limit=15",
            "forced=20",
            "ReadOnly",
            "VariableNotWritable,Microsoft.PowerShell.Commands.SetVariableCommand",
            "VariableNotRemovable,Microsoft.PowerShell.Commands.RemoveVariableCommand",
            "VariableAlreadyExists,Microsoft.PowerShell.Commands.NewVariableCommand",
            "pi=3",
            "VariableCannotBeMadeConstant,Microsoft.PowerShell.Commands.SetVariableCommand",
            "None",
            "ReadOnly, Private",
        ]
    );
}

#[test]
fn bad_variable_arguments_are_clear_errors_that_change_nothing() {
    let ran = run(r#"
        $Keep = 'k'
        try { Get-Variable NoSuchVariable -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
        (Get-Variable NoSuchVariable 2>&1).Exception.Message
        try { Get-Variable Keep -Scope 99 -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
        try { Set-Variable Keep x -Option Sticky -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
        try { Remove-Variable NoSuchVariable -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
        [int]$Typed = 1
        try { Set-Variable Typed 'abc' -ErrorAction Stop } catch { 'typed refused' }
        "$Keep $Typed"
        (Get-Variable NoSuch*).Count
        "#);
    assert_eq!(ran.stderr, "");
    assert_eq!(
        lines(&ran.stdout),
        [
            "VariableNotFound,Microsoft.PowerShell.Commands.GetVariableCommand",
            "Cannot find a variable with the name 'NoSuchVariable'.",
            "ArgumentOutOfRange,Microsoft.PowerShell.Commands.GetVariableCommand",
            "CannotConvertArgumentNoMessage,Microsoft.PowerShell.Commands.SetVariableCommand",
            "VariableNotFound,Microsoft.PowerShell.Commands.RemoveVariableCommand",
            "typed refused",
            "k 1",
            "0",
        ]
    );
}
