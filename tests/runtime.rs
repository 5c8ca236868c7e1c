//! Issue 13's session cmdlets and curated .NET surface, in a fresh in-process session each:
//! the variable cmdlets with scopes and options, the host object, `Out-String` forms, and the
//! .NET types admin scripts call. Each test checks the output and PowerShell's error ids, and
//! that bad input changed nothing.

use ccrsh::shell::client::Client;
use ccrsh::shell::session::SourceName;

use crate::support::captured_session;
use crate::support::{Ran, lines, run_offline as run};

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

#[test]
fn the_host_answers_scripts_and_keeps_what_they_set() {
    let ran = run(r#"
        $Host.Name; "$((Get-Host).Version)"
        $Host.UI.RawUI.WindowTitle = 'EXCMS01 daily report'; $Host.UI.RawUI.WindowTitle
        $Host.UI.RawUI.ForegroundColor = 'Yellow'; $Host.UI.RawUI.ForegroundColor
        try { $Host.UI.RawUI.BackgroundColor = 'Purple' } catch { $_.Exception.Message.Split('.')[0] }
        $Host.UI.RawUI.BackgroundColor
        $Host.UI.RawUI.WindowSize.Width -gt 0
        $Host -is [System.Management.Automation.Host.PSHost]
        try { Write-Host 'never shown' -ForegroundColor 16 } catch { $_.FullyQualifiedErrorId }
        try { Write-Host 'never shown' -BackgroundColor Purple } catch { $_.FullyQualifiedErrorId }
        (Get-Variable).Name -contains 'Host'
        "#);
    assert_eq!(ran.stderr, "");
    assert!(!ran.stdout.contains("never shown"), "{}", ran.stdout);
    assert_eq!(
        lines(&ran.stdout),
        [
            "ConsoleHost",
            "7.4.0",
            "EXCMS01 daily report",
            "Yellow",
            "Cannot convert value \"Purple\" to type \"System",
            "Black",
            "True",
            "True",
            "CannotConvertArgumentNoMessage,Microsoft.PowerShell.Commands.WriteHostCommand",
            "CannotConvertArgumentNoMessage,Microsoft.PowerShell.Commands.WriteHostCommand",
            "True",
        ]
    );
}

/// The version checks scripts open with: `$PSVersionTable.PSVersion` is a SemanticVersion and
/// `$Host.Version` a System.Version, with their parts, and both compare with text and with
/// `[version]` values as .NET orders them.
#[test]
fn version_checks_read_the_parts_and_compare_as_dotnet_does() {
    let ran = run(r#"
        $PSVersionTable.PSVersion.Major -ge 2
        "$($PSVersionTable.PSVersion) $($PSVersionTable.PSVersion.GetType().FullName)"
        "$($Host.Version.Major).$($Host.Version.Minor) build $($Host.Version.Build) revision $($Host.Version.Revision)"
        $Host.Version -ge '2.0'
        $PSVersionTable.PSVersion -lt [version]'10.0'
        ([version]'8.1.240.6').CompareTo([version]'8.1.240') -gt 0
        [version]'10.0' -gt [version]'9.9'
        (New-Object System.Version 8, 1, 240).ToString(2)
        @([version]'2.0.50727', [version]'1.1', [version]'10.0') | Sort-Object | ForEach-Object { "$_" }
        try { [version]'8' } catch { $_.Exception.Message }
        try { [version]::Parse('8.x') } catch { $_.Exception.Message }
        "#);
    assert_eq!(ran.stderr, "");
    assert_eq!(
        lines(&ran.stdout),
        [
            "True",
            "7.4.0 System.Management.Automation.SemanticVersion",
            "7.4 build 0 revision -1",
            "True",
            "True",
            "True",
            "True",
            "8.1",
            "1.1",
            "2.0.50727",
            "10.0",
            "Cannot convert value \"8\" to type \"System.Version\". Error: \"Version string portion was too short or too long. (Parameter 'input')\"",
            "Exception calling \"Parse\" with \"1\" argument(s): \"Input string was not in a correct format.\"",
        ]
    );
}

/// `Format-Table -GroupBy` / `Format-List -GroupBy`: a new group, under `   Name: value`, each
/// time the value changes from one object to the next (runs, not sorted groups), as in
/// PowerShell; a script block groups by what it returns.
#[test]
fn format_group_by_starts_a_group_where_the_value_changes() {
    let ran = run(r#"
        $rows = @(
            [pscustomobject]@{ SG = 'First'; Status = 'Healthy' }
            [pscustomobject]@{ SG = 'Second'; Status = 'Healthy' }
            [pscustomobject]@{ SG = 'Third'; Status = 'Failed' }
            [pscustomobject]@{ SG = 'Fourth'; Status = 'Healthy' }
        )
        $rows | Format-Table SG -GroupBy Status | Out-String
        $rows | Select-Object -First 2 | Format-List SG -GroupBy { $_.Status.ToUpper() } | Out-String
        "#);
    assert_eq!(ran.stderr, "");
    let expected = "\n   Status: Healthy\n\nSG\n--\nFirst\nSecond\n\n   Status: Failed\n\nSG\n--\nThird\n\n   Status: Healthy\n\nSG\n--\nFourth\n\n\n\n   $_.Status.ToUpper(): HEALTHY\n\nSG : First\n\nSG : Second\n\n";
    assert_eq!(ran.stdout.replace("\r\n", "\n"), format!("{expected}\n"));
}

/// Runs `script` in a session with no ccrd that answers its prompts with `answers`.
fn run_answering(script: &str, answers: &str) -> Ran {
    let client = Client::new("http://127.0.0.1:9", None).expect("client");
    let (mut session, out, err) = captured_session(client, Some(answers));
    session.run(script, &SourceName::Command);
    Ran { stdout: out.text(), stderr: err.text() }
}

/// `$Host.UI.PromptForChoice` with ChoiceDescriptions, as interactive runbooks ask: caption,
/// message, `[Y] Yes  [N] No  [?] Help (default is "N"): `, asked again until the answer is
/// a label or a hotkey, `?` listing the help, an empty answer taking the default.
#[test]
fn prompt_for_choice_asks_as_the_console_host_and_returns_the_index() {
    let script = r#"
        $yes = New-Object System.Management.Automation.Host.ChoiceDescription '&Yes', 'Moves the CMS.'
        $no = [System.Management.Automation.Host.ChoiceDescription]::new('&No', 'Leaves it.')
        $options = [System.Management.Automation.Host.ChoiceDescription[]]($yes, $no)
        'chose ' + $Host.UI.PromptForChoice('Move CMS', 'Move CCREX01?', $options, 1)
        "#;
    let ran = run_answering(script, "maybe\n?\nyes\n");
    assert_eq!(ran.stderr, "");
    assert_eq!(
        ran.stdout,
        "\nMove CMS\nMove CCREX01?\n[Y] Yes  [N] No  [?] Help (default is \"N\"): \
         [Y] Yes  [N] No  [?] Help (default is \"N\"): \
         Y - Moves the CMS.\nN - Leaves it.\n\
         [Y] Yes  [N] No  [?] Help (default is \"N\"): chose 0\n"
    );
    assert!(run_answering(script, "\n").stdout.ends_with("chose 1\n"), "an empty answer takes the default");
    assert!(run_answering(script, "n\n").stdout.ends_with("chose 1\n"), "a hotkey in any case");
    // Strings convert to choices; a default out of range is refused before asking.
    let ran = run_answering(
        "$c = [System.Management.Automation.Host.ChoiceDescription[]]('&Continue', 'S&kip'); $c[1].Label; \
         try { $Host.UI.PromptForChoice('', '', $c, 5) } catch { $_.Exception.Message }",
        "",
    );
    assert_eq!(lines(&ran.stdout)[0], "S&kip");
    assert!(lines(&ran.stdout)[1].contains("(Parameter 'defaultChoice')"), "{}", ran.stdout);
}

/// Under -NonInteractive, PromptForChoice fails as Read-Host does; the host's writing methods
/// write where the console host writes.
#[test]
fn the_host_ui_writes_lines_and_cannot_prompt_under_noninteractive() {
    let ran = run(r#"
        $Host.UI.WriteLine('plain line')
        $Host.UI.Write('no newline'); $Host.UI.WriteLine()
        $Host.UI.WriteWarningLine('careful')
        $Host.UI.WriteErrorLine('bad thing')
        try { $Host.UI.PromptForChoice('c', 'm', [System.Management.Automation.Host.ChoiceDescription[]]('&Yes'), 0) } catch { $_.Exception.Message }
        "#);
    assert_eq!(
        lines(&ran.stdout),
        [
            "plain line",
            "no newline",
            "Exception calling \"PromptForChoice\" with \"4\" argument(s): \"PowerShell is in NonInteractive mode. Read and Prompt functionality is not available.\"",
        ]
    );
    assert!(ran.stderr.contains("WARNING: careful") && ran.stderr.contains("bad thing"), "{}", ran.stderr);
}

/// A TimeSpan is written in .NET's standard and custom formats by `-f` and `ToString()`
/// (`"{0:hh\:mm}" -f $span` in report scripts); a format .NET refuses is a FormatException.
#[test]
fn timespans_format_as_dotnet_formats_them() {
    let ran = run(r#"
        $t = New-TimeSpan -Days 1 -Hours 2 -Minutes 3 -Seconds 4
        "{0:hh\:mm}" -f $t
        $t.ToString('d\.hh\:mm\:ss')
        "{0:c}|{0:g}|{0:G}" -f $t
        '{0:%d} days' -f $t
        try { $t.ToString('hh:mm') } catch [FormatException] { $_.Exception.Message }
        try { '{0:hh:mm}' -f $t } catch { $_.FullyQualifiedErrorId }
        "#);
    assert_eq!(
        lines(&ran.stdout),
        [
            "02:03",
            "1.02:03:04",
            "1.02:03:04|1:2:03:04|1:02:03:04.0000000",
            "1 days",
            "Exception calling \"ToString\" with \"1\" argument(s): \"Input string was not in a correct format.\"",
            "FormatError",
        ]
    );
}

/// Format-Table, Format-List and ConvertTo-Html take calculated properties, as published
/// report scripts write them: `@{Label=…; Expression=…}` mixed with property names, with
/// FormatString, Width and Alignment where the cmdlet takes them. A failing expression leaves
/// its cell empty, as PowerShell's formatter does.
#[test]
fn format_cmdlets_take_calculated_properties_with_their_keys() {
    let ran = run(r#"
        $o = [pscustomobject]@{ Name = 'First'; Size = 10485760; N = 3 }, [pscustomobject]@{ Name = 'Second'; Size = 99; N = 12 }
        $o | Format-Table Name, @{Label = 'Size(MB)'; Expression = { $_.Size / 1MB }; FormatString = 'N2'; Width = 10; Alignment = 'Right' }, N | Out-String
        $o | Format-Table @{e = 'Name'}, @{n = 'Twice'; e = { $_.N * 2 }}, @{l = 'Boom'; e = { throw 'x' }}, Missing | Out-String
        $o | Select-Object -First 1 | Format-List Name, @{l = 'Half'; e = { $_.N / 2 }; f = 'N1'} | Out-String
        $o | ConvertTo-Html -Fragment Name, @{l = 'Twice'; e = { $_.N * 2 }; Width = 20; Alignment = 'right'}
        (ConvertTo-Html -Body '<h1>Report</h1>' -Title 'R')[-3..-1] -join ''
        "#);
    assert_eq!(ran.stderr, "");
    assert_eq!(
        lines(&ran.stdout),
        [
            "Name     Size(MB)  N",
            "----     --------  -",
            "First       10.00  3",
            "Second       0.00 12",
            "Name   Twice Boom Missing",
            "----   ----- ---- -------",
            "First      6",
            "Second    24",
            "Name : First",
            "Half : 1.5",
            "<table>",
            "<colgroup><col/><col width = \"20\" align = \"right\"/></colgroup>",
            "<tr><th>Name</th><th>Twice</th></tr>",
            "<tr><td>First</td><td>6</td></tr>",
            "<tr><td>Second</td><td>24</td></tr>",
            "</table>",
            "<table></table></body></html>",
        ]
    );
}

/// A key the cmdlet does not take, a missing Expression or a bad Width is refused before
/// anything is shown, naming the keys it does take.
#[test]
fn a_calculated_property_with_a_key_the_cmdlet_does_not_take_is_refused() {
    let ran = run(r#"
        $o = [pscustomobject]@{ Name = 'First' }
        foreach ($bad in { $o | Format-Table Name, @{e = { 1 }; Colour = 'red'} },
                         { $o | Format-List @{e = { 1 }; Width = 4} },
                         { $o | Format-Table @{l = 'x'} },
                         { $o | Format-Table @{e = 'Name'; Width = 0} },
                         { $o | ConvertTo-Html @{e = 'Name'; FormatString = 'N1'} }) {
            try { & $bad; 'shown' } catch { $_.FullyQualifiedErrorId + ': ' + $_.Exception.Message }
        }
        "#);
    assert_eq!(
        lines(&ran.stdout),
        [
            "DictionaryKeyIllegal,Microsoft.PowerShell.Commands.FormatTableCommand: The Colour key is not valid.",
            "DictionaryKeyIllegal,Microsoft.PowerShell.Commands.FormatListCommand: The Width key is not valid.",
            "DictionaryKeyMandatoryEntry,Microsoft.PowerShell.Commands.FormatTableCommand: A mandatory entry for expression is missing.",
            "WidthOutOfRange,Microsoft.PowerShell.Commands.FormatTableCommand: The value \"0\" for key \"width\" should be greater than 0.",
            "DictionaryKeyIllegal,Microsoft.PowerShell.Commands.ConvertToHtmlCommand: The FormatString key is not valid.",
        ]
    );
}

#[test]
fn out_string_runs_objects_together_streams_lines_and_takes_a_width() {
    let ran = run(r#"
        'a', 'b' | Out-String -NoNewline
        "a`n", 'b' | Out-String -NoNewline | ForEach-Object { $_.Replace("`n", '|') }
        (1..3 | Out-String -Stream).Count
        $wide = [pscustomobject]@{ Name = 'x' * 60; Status = 'Healthy' }
        ($wide | Format-Table | Out-String -Width 40 -Stream | Where-Object { $_.Length -gt 40 }).Count
        try { 'a' | Out-String -NoNewline -Stream } catch { $_.FullyQualifiedErrorId }
        try { 'a' | Out-String -Width 0 } catch { $_.FullyQualifiedErrorId }
        "#);
    assert_eq!(ran.stderr, "");
    assert_eq!(
        lines(&ran.stdout),
        [
            "ab",
            "a|b",
            "3",
            "0",
            "AmbiguousParameterSet,Microsoft.PowerShell.Commands.OutStringCommand",
            "ParameterArgumentValidationError,Microsoft.PowerShell.Commands.OutStringCommand",
        ]
    );
}

#[test]
fn regex_objects_and_statics_behave_as_dotnet() {
    let ran = run(r#"
        [regex]::Escape('EXCMS01.contoso.com [SG1]')
        [regex]::Unescape('a\.b')
        $m = [regex]::Match('Server: EXCMS01 (Online)', 'Server: (?<name>\w+) \((\w+)\)')
        "$($m.Success) $($m.Index) $($m.Groups['name'].Value) $($m.Groups[1].Value) $($m.Groups.Count)"
        ([regex]'E(\d+)').Matches('E01 E02 x E03').Count
        $r = [regex]::new('e(\d+)', 'IgnoreCase, Multiline'); $r.Options
        $r.Replace('E01 E02', 'Log$1'); $r.Replace('E01 E02', 'Log$1', 1)
        $r.IsMatch('e9'); [regex]::IsMatch('ABC', 'abc')
        [regex]::Split('SG1;SG2,,SG3', '[;,]+') -join '|'
        ([regex]'(?<a>x)(y)').GetGroupNames() -join ','
        [regex]::Match('abc', 'z').Success
        'E07' -match [regex]'\d'
        try { [regex]::Match('a', '(') } catch { $_.FullyQualifiedErrorId }
        try { [regex]::new('a', 'Sideways') } catch { 'bad options refused' }
        try { [regex]::Replace('a b', ' ', { '_' }) } catch { $_.Exception.Message }
        "#);
    assert_eq!(ran.stderr, "");
    assert_eq!(
        lines(&ran.stdout),
        [
            r"EXCMS01\.contoso\.com\ \[SG1]",
            "a.b",
            "True 0 EXCMS01 Online 3",
            "3",
            "IgnoreCase, Multiline",
            "Log01 Log02",
            "Log01 E02",
            "True",
            "False",
            "SG1|SG2|SG3",
            "0,1,a",
            "False",
            "True",
            "InvalidRegularExpression",
            "bad options refused",
            "A MatchEvaluator script block is not supported by [regex]::Replace in ccrsh.",
        ]
    );
}

#[test]
fn convert_and_encoding_turn_text_into_bytes_and_numbers_as_dotnet() {
    let dir = tempfile::tempdir().expect("temp");
    let file = dir.path().join("report.txt");
    let ran = run(&format!(
        r#"
        [Convert]::ToInt32('ff', 16); [Convert]::ToInt32('0x7FFFFFFF', 16); [Convert]::ToString(10, 2)
        [Convert]::ToInt64('-42'); [Convert]::ToInt32(2.5); [Convert]::ToBoolean('True')
        $b64 = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes('Größe')); $b64
        [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($b64))
        [Text.Encoding]::ASCII.GetString([byte[]](69, 88, 67, 72)); [Text.Encoding]::ASCII.GetBytes('é') -join ','
        [Text.Encoding]::Unicode.GetBytes('A') -join ','; [Text.Encoding]::Unicode.GetString([byte[]](65, 0, 66, 0), 2, 2)
        [Text.Encoding]::UTF8.GetPreamble().Count; (New-Object System.Text.UTF8Encoding($false)).GetPreamble().Count
        [Text.Encoding]::GetEncoding('us-ascii').CodePage
        [IO.File]::WriteAllText('{0}', 'x', (New-Object System.Text.UTF8Encoding($false))); (Get-Item '{0}').Length
        [IO.File]::WriteAllText('{0}', 'x', [Text.Encoding]::UTF8); (Get-Item '{0}').Length
        try {{ [Convert]::ToInt32('1.5') }} catch {{ $_.Exception.Message }}
        try {{ [Convert]::ToByte(300) }} catch {{ $_.Exception.Message }}
        try {{ [Convert]::ToInt32('10', 3) }} catch {{ $_.Exception.Message }}
        try {{ [Convert]::FromBase64String('not*base64') }} catch {{ $_.Exception.Message.Substring(0, 60) }}
        try {{ [Text.Encoding]::GetEncoding('ebcdic') }} catch {{ 'unknown encoding refused' }}
        try {{ [Text.Encoding]::UTF8.GetString('text') }} catch {{ 'not bytes refused' }}
        "#,
        file.display()
    ));
    assert_eq!(ran.stderr, "");
    assert_eq!(
        lines(&ran.stdout),
        [
            "255",
            "2147483647",
            "1010",
            "-42",
            "2",
            "True",
            "R3LDtsOfZQ==",
            "Größe",
            "EXCH",
            "63",
            "65,0",
            "B",
            "3",
            "0",
            "20127",
            "1",
            "4",
            "Exception calling \"ToInt32\" with \"1\" argument(s): \"Input string was not in a correct format.\"",
            "Exception calling \"ToByte\" with \"1\" argument(s): \"Value was either too large or too small for an unsigned byte.\"",
            "Exception calling \"ToInt32\" with \"2\" argument(s): \"Invalid Base.\"",
            "Exception calling \"FromBase64String\" with \"1\" argument(s): \"",
            "unknown encoding refused",
            "not bytes refused",
        ]
    );
}

#[test]
fn collections_hold_convert_and_refuse_as_dotnet() {
    let ran = run(r#"
        $failed = New-Object System.Collections.ArrayList
        $failed.Add('SG2'); [void]$failed.Add('SG1'); $failed.AddRange(@('SG3', 'sg1'))
        $failed.Sort(); $failed -join ','; $failed.Contains('SG1'); $failed.IndexOf('sg1'); $failed.Count
        $failed.Remove('SG3'); $failed.RemoveAt(0); $failed -join ','
        $queues = [System.Collections.Generic.List[int]]::new(); $queues.Add('12'); $queues.Add(3); $queues.Insert(0, 7)
        ($queues | Measure-Object -Sum).Sum; $queues[1]; $queues.Remove(3); $queues -is [System.Collections.Generic.List[int]]
        ([System.Collections.ArrayList]@(3, 1, 2)).ToArray() -join ','
        $byServer = New-Object 'System.Collections.Generic.Dictionary[string,int]'
        $byServer['EXCMS01'] = 4; $byServer.Add('EXCMS02', 1); $byServer['EXCMS01'] += 1
        $byServer.Count; $byServer['EXCMS01']; $byServer.ContainsKey('excms01'); $byServer.Keys -join ','
        ($byServer.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ';'
        $byServer.Remove('EXCMS02'); $byServer.Count
        $seen = [System.Collections.Generic.HashSet[string]]::new(); $seen.Add('a'); $seen.Add('a'); $seen.Add('A'); $seen.Count
        $seen.UnionWith([string[]]('b', 'a')); ($seen | Sort-Object) -join ','
        try { $queues.Add('many') } catch { 'not an int' }
        try { $byServer.Add('EXCMS01', 9) } catch { $_.Exception.Message }
        try { $byServer['NOPE'] } catch { $_.Exception.Message }
        try { $failed.RemoveAt(9) } catch { $_.Exception.Message }
        "$($queues -join ',') $($byServer['EXCMS01']) $($failed.Count)"
        "#);
    assert_eq!(ran.stderr, "");
    assert_eq!(
        lines(&ran.stdout),
        [
            "0",
            "sg1,SG1,SG2,SG3",
            "True",
            "0",
            "4",
            "SG1,SG2",
            "22",
            "12",
            "True",
            "True",
            "3,1,2",
            "2",
            "5",
            "False",
            "EXCMS01,EXCMS02",
            "EXCMS01=5;EXCMS02=1",
            "True",
            "1",
            "True",
            "False",
            "True",
            "2",
            "a,A,b",
            "not an int",
            "Exception calling \"Add\" with \"2\" argument(s): \"An item with the same key has already been added. Key: EXCMS01\"",
            "Exception calling \"get_Item\" with \"1\" argument(s): \"The given key 'NOPE' was not present in the dictionary.\"",
            "Exception calling \"RemoveAt\" with \"1\" argument(s): \"Index was out of range. Must be non-negative and less than the size of the collection. (Parameter 'index')\"",
            "7,12 5 2",
        ]
    );
}

#[test]
fn framework_assemblies_load_as_nothing_and_code_is_refused() {
    let ran = run(r#"
        [void][Reflection.Assembly]::LoadWithPartialName('System.Web'); 'after the load'
        ([System.Reflection.Assembly]::LoadWithPartialName('system.windows.forms')).FullName
        $null -eq [Reflection.Assembly]::LoadWithPartialName('Contoso.Tools')
        (Add-Type -AssemblyName System.Drawing, 'System.Xml, Version=2.0.0.0' -PassThru).Count
        try { Add-Type -AssemblyName System.Web, Contoso.Tools -PassThru } catch { $_.FullyQualifiedErrorId }
        try { Add-Type -TypeDefinition 'public class Tools { }' } catch { $_.Exception.Message }
        try { [Reflection.Assembly]::LoadFrom('C:\Tools\tools.dll') } catch { $_.Exception.Message }
        try { [System.Web.HttpUtility]::HtmlEncode('<b>') } catch { $_.Exception.Message }
        "#);
    assert_eq!(ran.stderr, "");
    assert_eq!(
        lines(&ran.stdout),
        [
            "after the load",
            "System.Windows.Forms, Version=2.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089",
            "True",
            "2",
            // A bad name among good ones adds none of them.
            "ASSEMBLY_NOT_FOUND,Microsoft.PowerShell.Commands.AddTypeCommand",
            "Cannot add type: ccrsh has no CLR to compile the source code.",
            "Exception calling \"LoadFrom\" with \"1\" argument(s): \"Could not load file or assembly 'C:\\Tools\\tools.dll' or one of its dependencies. ccrsh has no CLR to run it.\"",
            // Loading an assembly adds no type ccrsh does not know.
            "Unable to find type [System.Web.HttpUtility].",
        ]
    );
}

#[test]
fn the_error_list_clears_and_arrays_reverse_and_sort_in_place() {
    let ran = run(r#"
        Get-Item /no/such/file -ErrorAction SilentlyContinue; Write-Error 'copy failed' 2>$null
        $Error.Count; $Error[0].Exception.Message; $Error.GetType().FullName
        $Error.RemoveAt(0); $Error.Count; $Error[0].FullyQualifiedErrorId
        try { $Error.RemoveAt(5) } catch { $_.Exception.Message }
        $Error.Clear(); $Error.Count; if ($Error) { 'errors' } else { 'no errors' }
        $a = 1..5; [array]::Reverse($a); $a -join ''
        $b = 'b', 'c', 'a'; [System.Array]::Sort($b); $b -join ','; [array]::IndexOf($b, 'c')
        (Get-Date -UFormat '%Y').Length; Get-Date -UnixTimeSeconds 0 -UFormat '%Y'
        "#);
    assert_eq!(
        lines(&ran.stdout),
        [
            "2",
            "copy failed",
            "System.Collections.ArrayList",
            "1",
            "PathNotFound,Microsoft.PowerShell.Commands.GetItemCommand",
            "Exception calling \"RemoveAt\" with \"1\" argument(s): \"Index was out of range. Must be non-negative and less than the size of the collection.\"",
            "0",
            "no errors",
            "54321",
            "a,b,c",
            "2",
            "4",
            "1970",
        ],
        "{}",
        ran.stderr
    );
}

#[test]
fn stopwatch_and_dns_answer_locally() {
    let ran = run(r#"
        $watch = [System.Diagnostics.Stopwatch]::StartNew(); $watch.IsRunning
        Start-Sleep -Milliseconds 30; $watch.Stop(); $watch.ElapsedMilliseconds -ge 30
        $stopped = $watch.ElapsedTicks; Start-Sleep -Milliseconds 5; $watch.ElapsedTicks -eq $stopped
        $watch.Elapsed -is [timespan]; $watch.Restart(); $watch.IsRunning; $watch.Reset(); $watch.Elapsed.TotalMilliseconds
        [System.Net.Dns]::GetHostName() -eq [Environment]::MachineName
        $entry = [System.Net.Dns]::GetHostEntry('localhost'); $entry.HostName
        ($entry.AddressList | ForEach-Object IPAddressToString) -contains '127.0.0.1'
        ([System.Net.Dns]::GetHostAddresses([System.Net.Dns]::GetHostName())).Count -gt 0
        try { [System.Net.Dns]::GetHostEntry('mail.example.invalid') } catch { $_.Exception.Message }
        "#);
    assert_eq!(ran.stderr, "");
    assert_eq!(
        lines(&ran.stdout),
        [
            "True",
            "True",
            "True",
            "True",
            "True",
            "0",
            "True",
            "localhost",
            "True",
            "True",
            "Exception calling \"GetHostEntry\" with \"1\" argument(s): \"No such host is known.\"",
        ]
    );
}

#[test]
fn format_cmdlets_leave_out_excluded_properties_and_force_scalars_into_columns() {
    let ran = run(r#"
        $copy = [pscustomobject]@{ Name = 'SG1'; CopyQueueLength = 3; Status = 'Healthy' }
        ($copy | Format-List -ExcludeProperty Copy* | Out-String).Trim()
        ($copy | Format-Table -Property * -ExcludeProperty Name, Status | Out-String -Stream | Where-Object { $_ }) -join '|'
        ('text' | Format-Table -Property Name, Status -Force | Out-String).Replace(' ', '').Trim()
        'EXCMS01 {0, 1, 2, 3}' -match 'EXCMS01\s+{0, 1'
        "#);
    assert_eq!(ran.stderr, "");
    assert_eq!(
        lines(&ran.stdout),
        [
            "Name   : SG1",
            "Status : Healthy",
            "CopyQueueLength|---------------|              3",
            "NameStatus",
            "----------",
            "True"
        ]
    );
}

/// Runs `script` in a new session on a fresh seed lab (the embedded service).
fn run_on_lab(script: &str) -> Ran {
    let dir = tempfile::tempdir().expect("temp dir");
    let service = crate::support::embedded_start(dir.path(), &ccrsh::service::lab::TopologySource::Seed)
        .expect("embedded service");
    let client = Client::new(&service.url, Some(service.admin_token.clone())).expect("client");
    let (mut session, out, err) = captured_session(client, None);
    session.run(script, &SourceName::Command);
    Ran { stdout: out.text(), stderr: err.text() }
}

#[test]
fn ping_answers_from_the_lab_nodes_power_and_links_never_the_network() {
    let ran = run_on_lab(
        r#"
        $ping = New-Object System.Net.NetworkInformation.Ping
        $ping -is [System.Net.NetworkInformation.Ping]
        $r = $ping.Send('NH-W2K3-SRV01'); "$($r.Status)|$($r.RoundtripTime)|$($r.Address -eq (Get-LabNode NH-W2K3-SRV01).IPAddress)"
        $ping.Send((Get-LabNode NH-W2K3-SRV03).IPAddress, 1000).Status
        $ping.Send('localhost').Address
        Stop-LabNode NH-W2K3-SRV04 -Confirm:$false | Out-Null
        $ping.Send('NH-W2K3-SRV04').Status
        Set-LabNetwork -Between NH-W2K3-SRV01,NH-W2K3-SRV03 -State Down -Confirm:$false -WarningAction SilentlyContinue | Out-Null
        Invoke-Command -ComputerName NH-W2K3-SRV01 { $p = New-Object Net.NetworkInformation.Ping; $p.Send('NH-W2K3-SRV03').Status; $p.Send('NH-W2K3-SRV05').Status }
        $ping.Send('NH-W2K3-SRV03').Status
        try { $ping.Send('mail.example.invalid') } catch { $_.Exception.Message; $_.Exception.GetType().FullName; $_.Exception.InnerException.GetType().FullName }
        try { [System.Net.NetworkInformation.Ping]::new() } catch { $_.FullyQualifiedErrorId }
        (Get-LabNode NH-W2K3-SRV01).PowerState
        "#,
    );
    assert_eq!(ran.stderr, "");
    assert_eq!(
        lines(&ran.stdout),
        [
            "True",
            "Success|0|True",
            "Success",
            "127.0.0.1",
            "TimedOut",
            "TimedOut",
            "Success",
            "Success",
            "Exception calling \"Send\" with \"1\" argument(s): \"An exception occurred during a Ping request.\"",
            "System.Management.Automation.MethodInvocationException",
            "System.Net.NetworkInformation.PingException",
            "PingNeedsNewObject",
            "On",
        ]
    );
}

#[test]
fn an_event_log_object_reads_the_node_log_as_get_eventlog_and_checks_before_writing() {
    let ran = run_on_lab(
        r#"
        Stop-LabNode NH-W2K3-SRV03 -Crash -Confirm:$false -WarningAction SilentlyContinue | Out-Null
        $log = New-Object System.Diagnostics.EventLog('System', 'NH-W2K3-SRV04')
        "$($log.Log)|$($log.MachineName)|$($log -is [System.Diagnostics.EventLog])"
        $before = @(Get-EventLog -LogName System -ComputerName NH-W2K3-SRV04)
        $entries = @($log.Entries)
        $entries.Count -gt 0; $entries.Count -eq $before.Count
        ($entries | ForEach-Object InstanceId) -join ',' -eq (($before | ForEach-Object InstanceId) -join ',')
        [System.Diagnostics.EventLogEntryType]::Warning; [Diagnostics.EventLogEntryType]'error'
        try { $log.WriteEntry('drill started', [System.Diagnostics.EventLogEntryType]::Information) } catch { $_.Exception.Message }
        $log.Source = 'CCRDrill'
        try { $log.WriteEntry('drill started', 'Sideways') } catch { $_.FullyQualifiedErrorId }
        try { $log.WriteEntry('drill started', 'Information', 7) } catch { $_.Exception.Message }
        @($log.Entries).Count -eq $before.Count
        try { New-Object System.Diagnostics.EventLog('Application', 'NOSUCHNODE') } catch { $_.Exception.Message }
        try { New-Object System.Diagnostics.EventLog('Security', 'NH-W2K3-SRV04') } catch { $_.Exception.Message }
        "#,
    );
    assert_eq!(ran.stderr, "");
    assert_eq!(
        lines(&ran.stdout),
        [
            "System|NH-W2K3-SRV04|True",
            "True",
            "True",
            "True",
            "Warning",
            "Error",
            "Exception calling \"WriteEntry\" with \"2\" argument(s): \"Source property was not set before writing to the event log.\"",
            "InvalidCastFromStringToEnum",
            "Exception calling \"WriteEntry\" with \"3\" argument(s): \"The source 'CCRDrill' is not registered in log 'System'. (It is registered in log 'Application'.) The Source and Log properties must be matched, or you may set Log to the empty string, and it will automatically be matched to the Source property.\"",
            "True",
            "Exception calling \".ctor\" with \"2\" argument(s): \"The network path was not found.\"",
            "Exception calling \".ctor\" with \"2\" argument(s): \"The event log 'Security' on computer 'NH-W2K3-SRV04' does not exist.\"",
        ]
    );
}

#[test]
fn scripts_write_to_a_node_event_log_and_get_eventlog_reads_it_back() {
    let ran = run_on_lab(
        r#"
        Write-EventLog -ComputerName NH-W2K3-SRV04 -LogName Application -Source CCRHealthCheck -EventId 1001 -EntryType Warning -Message 'Copy queue above 10 on First Storage Group'
        $log = New-Object System.Diagnostics.EventLog('Application', 'NH-W2K3-SRV03'); $log.Source = 'CCRHealthCheck'
        $written = @($log.WriteEntry('Nightly check passed', 'Information', 1000)); $written.Count
        Invoke-Command -ComputerName NH-W2K3-SRV05 -ScriptBlock {
            [System.Diagnostics.EventLog]::WriteEntry('CCRHealthCheck', 'Standby copy behind', [System.Diagnostics.EventLogEntryType]::Error, 1002)
            Write-EventLog Application CCRHealthCheck -EventId 1003 -Message 'From the session' -EntryType SuccessAudit
        }
        Get-EventLog -LogName Application -Source CCRHealthCheck | ForEach-Object { "$($_.MachineName)|$($_.EntryType)|$($_.InstanceId)|$($_.Source)|$($_.Message)" }
        @(Get-EventLog -LogName System -Source CCRHealthCheck).Count
        (Search-AdminAuditLog -Cmdlets Write-EventLog | ForEach-Object { "$($_.ObjectModified)|$($_.Succeeded)" }) -join ' '
        "#,
    );
    assert_eq!(ran.stderr, "");
    assert_eq!(
        lines(&ran.stdout),
        [
            "0",
            "NH-W2K3-SRV05|SuccessAudit|1003|CCRHealthCheck|From the session",
            "NH-W2K3-SRV05|Error|1002|CCRHealthCheck|Standby copy behind",
            "NH-W2K3-SRV03|Information|1000|CCRHealthCheck|Nightly check passed",
            "NH-W2K3-SRV04|Warning|1001|CCRHealthCheck|Copy queue above 10 on First Storage Group",
            "0",
            "NH-W2K3-SRV05\\Application\\CCRHealthCheck|True NH-W2K3-SRV05\\Application\\CCRHealthCheck|True NH-W2K3-SRV03\\Application\\CCRHealthCheck|True NH-W2K3-SRV04\\Application\\CCRHealthCheck|True",
        ]
    );
}

#[test]
fn writing_an_event_where_there_is_no_log_says_what_to_do_and_writes_nothing() {
    let ran = run_on_lab(
        r#"
        $before = @(Get-EventLog -LogName Application).Count
        try { [System.Diagnostics.EventLog]::WriteEntry('CCRHealthCheck', 'from the workstation') } catch { $_.Exception.Message; $_.Exception.GetType().FullName }
        try { Write-EventLog -LogName Application -Source CCRHealthCheck -EventId 1 -Message x -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
        $local = New-Object System.Diagnostics.EventLog('Application'); $local.Source = 'CCRHealthCheck'
        try { $local.WriteEntry('x') } catch { $_.Exception.Message }
        Stop-LabNode NH-W2K3-SRV05 -Confirm:$false -WarningAction SilentlyContinue | Out-Null
        $before = @(Get-EventLog -LogName Application).Count
        try { Write-EventLog -ComputerName NH-W2K3-SRV05 -LogName Application -Source CCRHealthCheck -EventId 1 -Message x -ErrorAction Stop } catch { $_.Exception.Message }
        try { Write-EventLog -ComputerName NOSUCHNODE -LogName Application -Source CCRHealthCheck -EventId 1 -Message x -ErrorAction Stop } catch { $_.Exception.Message }
        try { Write-EventLog -ComputerName NH-W2K3-SRV04 -LogName Application -Source CCRHealthCheck -EventId 70000 -Message x -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
        try { Write-EventLog -ComputerName NH-W2K3-SRV04 -LogName Security -Source CCRHealthCheck -EventId 1 -Message x -ErrorAction Stop } catch { $_.Exception.Message }
        try { Write-EventLog -ComputerName NH-W2K3-SRV04 -LogName Application -Source CCRHealthCheck -EventId 1 -Message ('x' * 32767) -ErrorAction Stop } catch { $_.Exception.Message }
        @(Get-EventLog -LogName Application).Count -eq $before
        "#,
    );
    let shown = lines(&ran.stdout);
    assert_eq!(
        shown,
        [
            "Exception calling \"WriteEntry\" with \"2\" argument(s): \"There is no event log on this computer: ccrsh runs on Linux, which (as for PowerShell on Linux) has no Windows event log.\"",
            "System.PlatformNotSupportedException",
            "EventLogNotAvailable,Microsoft.PowerShell.Commands.WriteEventLogCommand",
            "Exception calling \"WriteEntry\" with \"1\" argument(s): \"There is no event log on this computer: ccrsh runs on Linux, which (as for PowerShell on Linux) has no Windows event log.\"",
            "The network path was not found.",
            "The network path was not found.",
            "ParameterArgumentValidationError,Microsoft.PowerShell.Commands.WriteEventLogCommand",
            "The event log 'Security' on computer 'NH-W2K3-SRV04' does not exist.",
            "The value of message is not accepted: it is 32767 characters long; an event message has at most 32766.",
            "True",
        ],
        "{}",
        ran.stderr
    );
}

#[test]
fn datetime_offset_keeps_its_offset_through_parse_format_and_arithmetic() {
    let ran = run(r#"
        $d = [DateTimeOffset]::Parse('2026-11-30T08:15:30+02:00')
        "$($d.Offset)|$($d.Hour)|$($d.UtcDateTime.Hour)|$($d.Year)-$($d.Month)-$($d.Day)|$($d.DayOfWeek)"
        $d.ToString('yyyy-MM-dd HH:mm:ss zzz'); $d.ToString('o'); "$d"
        $d.AddHours(20).ToString('yyyy-MM-dd HH:mm zzz'); $d.AddDays(-1).Day
        $d.ToOffset([TimeSpan]::FromHours(-5)).ToString('HH:mm zzz')
        $d.ToUniversalTime().ToString('HH:mm K'); $d.ToUnixTimeSeconds()
        $u = [System.DateTimeOffset]'2026-11-30 06:15:30Z'
        $d -eq $u; $d.Subtract($u).TotalSeconds; ($d.AddMinutes(1) -gt $u)
        $d.Subtract([TimeSpan]::FromMinutes(15)).Minute
        ([DateTimeOffset]::UtcNow).Offset.TotalMinutes; ([DateTimeOffset]::Now -is [DateTimeOffset])
        [DateTimeOffset]::FromUnixTimeSeconds(0).ToString('u')
        (New-Object DateTimeOffset(2007, 6, 14, 9, 30, 0, [TimeSpan]::FromHours(1))).ToString('yyyy-MM-ddTHH:mm:ss zzz')
        try { [DateTimeOffset]::Parse('not a date') } catch { $_.Exception.Message }
        try { $d.ToOffset([TimeSpan]::FromHours(15)) } catch { $_.Exception.Message }
        $d.ToString('o')
        ($d + [TimeSpan]::FromHours(1)).Hour; ($d - $u).Ticks; ($d - [TimeSpan]::FromDays(1)).Day
        try { $d * 2 } catch { $_.FullyQualifiedErrorId }
        "#);
    assert_eq!(ran.stderr, "");
    assert_eq!(
        lines(&ran.stdout),
        [
            "02:00:00|8|6|2026-11-30|Monday",
            "2026-11-30 08:15:30 +02:00",
            "2026-11-30T08:15:30.0000000+02:00",
            "11/30/2026 8:15:30 AM +02:00",
            "2026-12-01 04:15 +02:00",
            "29",
            "01:15 -05:00",
            "06:15 +00:00",
            "1796019330",
            "True",
            "0",
            "True",
            "0",
            "0",
            "True",
            "1970-01-01 00:00:00Z",
            "2007-06-14T09:30:00 +01:00",
            "Exception calling \"Parse\" with \"1\" argument(s): \"String 'not a date' was not recognized as a valid DateTime.\"",
            "Exception calling \"ToOffset\" with \"1\" argument(s): \"Offset must be specified in whole minutes and be within 14 hours of UTC. (Parameter 'offset')\"",
            "2026-11-30T08:15:30.0000000+02:00",
            "9",
            "0",
            "29",
            "MethodNotFound",
        ]
    );
}

#[test]
fn parse_exact_reads_dates_in_the_format_given() {
    let ran = run(r#"
        [datetime]::ParseExact('20261129', 'yyyyMMdd', $null).ToString('yyyy-MM-dd')
        [datetime]::ParseExact('E00-20261129-0800.log', "'E00-'yyyyMMdd'-'HHmm'.log'", $null).Hour
        [datetime]::ParseExact('29.11.2026', @('yyyyMMdd', 'dd.MM.yyyy'), $null, 0).Day
        $o = [DateTimeOffset]::ParseExact('2026-11-29T08:00:00+02:00', 'yyyy-MM-ddTHH:mm:sszzz', $null)
        "$($o.Offset)|$($o.UtcDateTime.Hour)"
        try { [datetime]::ParseExact('2026-11-29', 'yyyyMMdd', $null) } catch { $_.Exception.Message }
        "#);
    assert_eq!(
        lines(&ran.stdout),
        [
            "2026-11-29",
            "8",
            "29",
            "02:00:00|6",
            "Exception calling \"ParseExact\" with \"3\" argument(s): \"String '2026-11-29' was not recognized as a valid DateTime.\"",
        ]
    );
    assert_eq!(ran.stderr, "");
}

#[test]
fn dollar_caret_and_dollar_dollar_are_the_previous_lines_first_and_last_tokens() {
    let client = Client::new("http://127.0.0.1:9", None).expect("client");
    let (mut session, out, err) = captured_session(client, None);
    session.run(r#""[$^][$$]""#, &SourceName::Command);
    session.run(r#"Write-Output -InputObject 'two words' | Out-Null"#, &SourceName::Command);
    session.run(r#""$^|$$""#, &SourceName::Command);
    session.run(r#"@(Get-Variable).Name -contains '$'; @(Get-Variable).Name -contains '^'; (Get-Variable PWD).Value.Path -eq $PWD.Path"#, &SourceName::Command);
    assert_eq!(lines(&out.text()), ["[][]", "Write-Output|Out-Null", "True", "True", "True"]);
    assert_eq!(err.text(), "");
}

/// A caught Exchange error carries what logging scripts read from it: the identity as its
/// TargetObject, CategoryInfo (and its one-line text), and InvocationInfo's command name and
/// position message.
#[test]
fn a_caught_exchange_error_names_its_target_category_and_position() {
    let ran = run_on_lab(
        r#"try { Get-StorageGroup 'CCREX01\Nope' -ErrorAction Stop } catch {
            $_.TargetObject
            $_.CategoryInfo.ToString()
            $_.CategoryInfo.TargetName
            $_.InvocationInfo.MyCommand.Name
            $_.InvocationInfo.PositionMessage
        }"#,
    );
    assert_eq!(ran.stderr, "");
    assert_eq!(
        lines(&ran.stdout),
        [
            r"CCREX01\Nope",
            r"ObjectNotFound: (CCREX01\Nope:String) [Get-StorageGroup], ManagementObjectNotFoundException",
            r"CCREX01\Nope",
            "Get-StorageGroup",
            "At line:1 char:7",
            r"+ try { Get-StorageGroup 'CCREX01\Nope' -ErrorAction Stop } catch {",
            "+       ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
        ]
    );
}

/// Get-Process reads this machine's processes from /proc: the shell's own by -Id $PID and by
/// a -Name pattern, with .NET's properties and pwsh's aliases for them, pwsh's table columns,
/// and pwsh's non-terminating errors for a name or an Id that matches nothing.
#[test]
fn get_process_lists_the_real_processes_with_pwsh_columns_and_errors() {
    let home = crate::support::Home::new();
    let run = home.run(&[
        "-NoProfile",
        "-c",
        r#"
        $me = Get-Process -Id $PID
        "$($me.Name)|$($me.ProcessName -eq $me.Name)|$($me.WS -eq $me.WorkingSet64)|$($me.WS -gt 0)|$($me.CPU -ge 0)|$($me.Path -like '*/ccrsh')|$($me.StartTime -le (Get-Date))|$($me.Threads.Count -ge 1)|$($me.Handles -gt 0)"
        @(Get-Process -Name 'CCRS*' | Where-Object Id -eq $PID).Count
        Get-Process -Id $PID | Out-String -Width 120
        Get-Process -Name nosuch-process, ccrsh 2>&1 | ForEach-Object {
            if ($_ -is [System.Management.Automation.ErrorRecord]) { $_.FullyQualifiedErrorId; $_.Exception.Message; $_.TargetObject }
            elseif ($_.Id -eq $PID) { 'listed' }
        }
        (Get-Process -Id 2147483646 2>&1).Exception.Message
        (Get-Process 4242 2>&1).FullyQualifiedErrorId
        [System.Diagnostics.Process]::GetCurrentProcess().Id -eq $PID
        "#,
    ]);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let lines = lines(&run.stdout);
    assert_eq!(lines[0], "ccrsh|True|True|True|True|True|True|True|True");
    assert_eq!(lines[1], "1", "a wildcard matches names without regard to case");
    assert_eq!(lines[2], " NPM(K)    PM(M)      WS(M)     CPU(s)      Id  SI ProcessName");
    assert_eq!(lines[3], " ------    -----      -----     ------      --  -- -----------");
    // `0  0.00  31.69  0.02  19944 …56 ccrsh`: sizes and seconds as {0:N2}, right-aligned.
    let row: Vec<&str> = lines[4].split_whitespace().collect();
    assert_eq!(row.len(), 7, "{row:?}");
    assert_eq!(row[0], "0", "{row:?}");
    assert!(row[1..4].iter().all(|cell| cell.split_once('.').is_some_and(|(_, f)| f.len() == 2)), "{row:?}");
    assert!(row[4].parse::<u32>().is_ok() && row[6] == "ccrsh", "{row:?}");
    assert_eq!(
        lines[4].find(row[4]).map(|at| at + row[4].len()),
        lines[2].find("Id").map(|at| at + 2),
        "Id right-aligned"
    );
    assert_eq!(
        &lines[5..],
        [
            "NoProcessFoundForGivenName,Microsoft.PowerShell.Commands.GetProcessCommand",
            "Cannot find a process with the name \"nosuch-process\". Verify the process name and call the cmdlet again.",
            "nosuch-process",
            "listed",
            "Cannot find a process with the process identifier 2147483646.",
            "RecommendIdTagForGivenName,Microsoft.PowerShell.Commands.GetProcessCommand",
            "True",
        ]
    );
    // A bad -Id is refused before anything is read.
    let run = home.run(&["-NoProfile", "-c", "Get-Process -Id ccrsh"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("Cannot bind parameter 'Id'."), "{}", run.stderr);
}

/// Without USER in the environment (a service, `env -i`), `$env:USERNAME` and
/// `[Environment]::UserName` name the user from the effective uid, as .NET does on Linux.
#[test]
fn the_user_name_comes_from_the_uid_when_user_is_not_set() {
    let home = crate::support::Home::new();
    let expected = std::process::Command::new("id").arg("-un").output().expect("id runs");
    let expected = String::from_utf8_lossy(&expected.stdout).trim().to_string();
    let mut command = home.command(&["-NoProfile", "-c", "$env:USERNAME; [Environment]::UserName"]);
    command.env_remove("USER").env_remove("USERNAME").env_remove("LOGNAME");
    let run = crate::support::finish(command, "");
    assert_eq!(run.stdout, format!("{expected}\n{expected}\n"), "{run:?}");
}

/// Get-Member lists an ErrorRecord's (and any .NET object's) properties as Property, so
/// `-MemberType Property` finds them; a script's own objects keep NoteProperty.
#[test]
fn get_member_lists_the_properties_of_typed_objects() {
    let ran = run(r#"
        try { Get-Item /nonexistent/ccrsh -ErrorAction Stop } catch { $e = $_ }
        ($e | Get-Member -MemberType Property).Name -join ','
        ($e | Get-Member -Name FullyQualifiedErrorId).Definition
        ([regex]::Match('CCREX01', 'EX(\d+)') | Get-Member -MemberType Property).Count -gt 0
        ([pscustomobject]@{ Node = 'SRV01' } | Get-Member -MemberType NoteProperty).Name
        @([pscustomobject]@{ Node = 'SRV01' } | Get-Member -MemberType Property).Count
        "#);
    assert_eq!(ran.stderr, "");
    assert_eq!(
        lines(&ran.stdout),
        [
            "CategoryInfo,ErrorDetails,Exception,FullyQualifiedErrorId,InvocationInfo,Message,TargetObject",
            "string FullyQualifiedErrorId {get;}",
            "True",
            "Node",
            "0",
        ]
    );
}

/// A .NET method that throws reaches the script as pwsh hands it over: a
/// MethodInvocationException (`Exception calling "M" with "N" argument(s): "…"`) with what .NET
/// threw as its InnerException, which `catch [ThatType]` still catches.
#[test]
fn a_failed_method_call_is_a_method_invocation_exception_around_the_dotnet_one() {
    let ran = run(r#"
        foreach ($call in { [int]::Parse('abc') }, { 'abc'.Substring(10) }, { [datetime]::ParseExact('x', 'yyyy', $null) }, { [System.IO.File]::ReadAllText('/nonexistent/ccrsh.txt') }) {
            try { & $call } catch { "$($_.Exception.GetType().FullName)|$($_.Exception.InnerException.GetType().FullName)|$($_.FullyQualifiedErrorId)"; $_.Exception.Message; $_.Exception.InnerException.Message }
        }
        try { [int]::Parse('abc') } catch [System.FormatException] { 'caught as FormatException' }
        try { [int]::Parse('99999999999') } catch [OverflowException] { $_.Exception.InnerException.Message }
        try { 'abc'.NoSuchMethod() } catch { $_.Exception.GetType().FullName }
        "#);
    assert_eq!(ran.stderr, "");
    assert_eq!(
        lines(&ran.stdout),
        [
            "System.Management.Automation.MethodInvocationException|System.FormatException|FormatException",
            "Exception calling \"Parse\" with \"1\" argument(s): \"The input string 'abc' was not in a correct format.\"",
            "The input string 'abc' was not in a correct format.",
            "System.Management.Automation.MethodInvocationException|System.ArgumentOutOfRangeException|ArgumentOutOfRangeException",
            "Exception calling \"Substring\" with \"1\" argument(s): \"startIndex cannot be larger than length of string. (Parameter 'startIndex')\"",
            "startIndex cannot be larger than length of string. (Parameter 'startIndex')",
            "System.Management.Automation.MethodInvocationException|System.FormatException|FormatException",
            "Exception calling \"ParseExact\" with \"3\" argument(s): \"String 'x' was not recognized as a valid DateTime.\"",
            "String 'x' was not recognized as a valid DateTime.",
            "System.Management.Automation.MethodInvocationException|System.IO.DirectoryNotFoundException|DirectoryNotFoundException",
            "Exception calling \"ReadAllText\" with \"1\" argument(s): \"Could not find a part of the path '/nonexistent/ccrsh.txt'.\"",
            "Could not find a part of the path '/nonexistent/ccrsh.txt'.",
            "caught as FormatException",
            "Value was either too large or too small for an Int32.",
            "System.Management.Automation.RuntimeException",
        ]
    );
}

/// A DateTime or TimeSpan operator given `$null` fails as pwsh's binder fails it: DateTime's two
/// op_Subtraction overloads take neither, and a TimeSpan argument cannot be null.
#[test]
fn date_and_timespan_operators_refuse_null_with_pwsh_messages() {
    let ran = run(r#"
        $when = Get-Date
        try { $when - $null } catch { "$($_.FullyQualifiedErrorId)|$($_.Exception.GetType().FullName)"; $_.Exception.Message }
        try { $when + $null } catch { $_.Exception.Message }
        try { (New-TimeSpan -Hours 1) - $null } catch { $_.Exception.Message }
        try { (New-TimeSpan -Hours 1) + $null } catch { $_.Exception.Message }
        ($when - $when).Ticks
        "#);
    assert_eq!(ran.stderr, "");
    assert_eq!(
        lines(&ran.stdout),
        [
            "MethodCountCouldNotFindBest|System.Management.Automation.MethodException",
            "Cannot find an overload for \"op_Subtraction\" and the argument count: \"2\".",
            "Cannot convert argument \"t\", with value: \"\", for \"op_Addition\" to type \"System.TimeSpan\": \"Cannot convert null to type \"System.TimeSpan\".\"",
            "Cannot convert argument \"t2\", with value: \"\", for \"op_Subtraction\" to type \"System.TimeSpan\": \"Cannot convert null to type \"System.TimeSpan\".\"",
            "Cannot convert argument \"t2\", with value: \"\", for \"op_Addition\" to type \"System.TimeSpan\": \"Cannot convert null to type \"System.TimeSpan\".\"",
            "0",
        ]
    );
}

/// Select-Object, Sort-Object, Format-Table -GroupBy and the layout cmdlets read a property
/// hashtable with one reader: any prefix of a key (`n`, `e`, `na`, `ex`), Name or Label, and
/// PowerShell's errors for a key the cmdlet does not take or a missing Expression.
#[test]
fn every_cmdlet_reads_a_property_hashtable_as_powershell_does() {
    let ran = run(r#"
        $o = [pscustomobject]@{ Name = 'SRV01'; N = 2 }, [pscustomobject]@{ Name = 'SRV02'; N = 1 }
        $o | Select-Object @{n = 'A'; e = { $_.N * 10 }}, @{Label = 'B'; Expression = 'Name'}, @{na = 'C'; ex = { 'x' }} | ConvertTo-Csv -NoTypeInformation
        ($o | Sort-Object @{e = 'N'; d = $true}).Name -join ','
        ($o | Sort-Object @{Expression = 'N'; Ascending = $true}).Name -join ','
        foreach ($bad in { $o | Select-Object @{n = 'x'; e = { 1 }; Width = 3} },
                         { $o | Select-Object @{n = 'x'} },
                         { $o | Sort-Object @{e = 'N'; n = 'x'} },
                         { $o | Format-Table @{e = 'N'; Alignment = 'middle'} }) {
            try { & $bad; 'shown' } catch { $_.FullyQualifiedErrorId + ': ' + $_.Exception.Message }
        }
        $o | Format-Table Name -GroupBy @{Label = 'Copies'; Expression = { $_.N }} | Out-String
        "#);
    assert_eq!(ran.stderr, "");
    assert_eq!(
        lines(&ran.stdout),
        [
            "\"A\",\"B\",\"C\"",
            "\"20\",\"SRV01\",\"x\"",
            "\"10\",\"SRV02\",\"x\"",
            "SRV01,SRV02",
            "SRV02,SRV01",
            "DictionaryKeyIllegal,Microsoft.PowerShell.Commands.SelectObjectCommand: The Width key is not valid.",
            "DictionaryKeyMandatoryEntry,Microsoft.PowerShell.Commands.SelectObjectCommand: A mandatory entry for expression is missing.",
            "DictionaryKeyIllegal,Microsoft.PowerShell.Commands.SortObjectCommand: The n key is not valid.",
            "AlignmentIllegalValue,Microsoft.PowerShell.Commands.FormatTableCommand: The value \"middle\" for key \"alignment\" is not valid; valid values are {left, center, right}.",
            "   Copies: 2",
            "Name",
            "----",
            "SRV01",
            "   Copies: 1",
            "Name",
            "----",
            "SRV02",
        ]
    );
}

/// pwsh's ConvertTo-Json gathers piped objects and writes several as one array, while the
/// object given to `-InputObject` by name is written as it is, a collection included (its
/// InputObject is one `[object]`); Get-Unique returns a collection given by name unchanged.
#[test]
fn an_input_object_given_by_name_is_one_object_even_when_it_is_a_collection() {
    let ran = run(r#"
        ConvertTo-Json -InputObject @(42) -Compress
        ,@(42) | ConvertTo-Json -Compress
        42 | ConvertTo-Json -Compress
        ConvertTo-Json -InputObject @() -Compress
        ConvertTo-Json -InputObject $null -Compress
        1, 2 | ConvertTo-Json -Compress
        ConvertTo-Json -InputObject @(1, 2) -Compress -AsArray
        ConvertTo-Json -InputObject @(@{ Items = @(@{ V = 1 }) }) -Compress -Depth 3
        $list = 1, 2, 2, 3
        $same = Get-Unique -InputObject $list; "$($same.Count): $($same -join ',')"
        ($list | Get-Unique) -join ','
        "#);
    assert_eq!(ran.stderr, "");
    assert_eq!(
        lines(&ran.stdout),
        ["[42]", "[42]", "42", "[]", "null", "[1,2]", "[[1,2]]", r#"[{"Items":[{"V":1}]}]"#, "4: 1,2,2,3", "1,2,3"]
    );
    // A bad depth is refused before anything is written.
    let ran = run("ConvertTo-Json -InputObject @(1) -Depth 101; 'after'");
    assert!(ran.stderr.contains("Depth"), "{}", ran.stderr);
    assert!(!ran.stdout.contains('['), "{}", ran.stdout);
}

/// A `PSTypeName` key of a hashtable cast to `[pscustomobject]` names the object's type: it is
/// first in PSTypeNames and is not a property (PowerShell's HashtableToPSCustomObjectConversion
/// tests; "Everything you wanted to know about PSCustomObject"). A `$null` one adds nothing.
#[test]
fn a_pstypename_key_names_the_custom_objects_type_instead_of_becoming_a_property() {
    let ran = run(r#"
        $o = [pscustomobject]@{ pstypename = 'Contoso.Copy'; Name = 'SG1' }
        $o.PSTypeNames -join ','
        ($o.psobject.Properties | ForEach-Object Name) -join ','
        ([pscustomobject]@{ PSTypeName = 'System.Object' }).PSTypeNames.Count
        $n = [pscustomobject]@{ PSTypeName = $null; Name = 'SG2' }
        $n.PSTypeNames -join ','
        "#);
    assert_eq!(ran.stderr, "");
    assert_eq!(
        lines(&ran.stdout),
        [
            "Contoso.Copy,System.Management.Automation.PSCustomObject,System.Object",
            "Name",
            "3",
            "System.Management.Automation.PSCustomObject,System.Object",
        ]
    );
}

/// .NET's DateTime.ToLongDateString and friends (en-US patterns), Array.Clone (a new array
/// with the same elements), and CmdletInfo/FunctionInfo's Verb and Noun.
#[test]
fn dates_format_long_and_short_arrays_clone_and_commands_name_their_verb_and_noun() {
    let ran = run(r#"
        $d = Get-Date '11/11/2019 3:04:05 PM'
        $d.ToLongDateString(); $d.ToShortDateString(); $d.ToLongTimeString(); $d.ToShortTimeString()
        $a = 1, 2; $b = $a.Clone(); $b[0] = 9; "$a|$b"
        $c = Get-Command get-mailbox*server; "$($c.Name) $($c.Verb) $($c.Noun)"
        function Invoke-Failover {}; function helper {}
        "$((Get-Command Invoke-Failover).Verb)/$((Get-Command Invoke-Failover).Noun)/[$((Get-Command helper).Verb)]"
        "#);
    assert_eq!(ran.stderr, "");
    assert_eq!(
        lines(&ran.stdout),
        [
            "Monday, November 11, 2019",
            "11/11/2019",
            "3:04:05 PM",
            "3:04 PM",
            "1 2|9 2",
            "Get-MailboxServer Get MailboxServer",
            "Invoke/Failover/[]",
        ]
    );
    // A date method given arguments it does not take is pwsh's error, and the date is unchanged.
    let ran = run("$d = Get-Date '11/11/2019'; $d.ToLongDateString(1); $d.ToShortDateString()");
    assert!(ran.stderr.contains("ToLongDateString"), "{}", ran.stderr);
    assert_eq!(lines(&ran.stdout), ["11/11/2019"]);
}

/// Select-Object takes a bare script block as a calculated property named by its text; an empty
/// one has no name, which pwsh refuses (EmptyScriptBlockAndNoName, a PSArgumentException)
/// before writing anything.
#[test]
fn select_object_takes_a_script_block_property_and_refuses_an_empty_one() {
    let ran = run(r#"
        $s = 'copy' | Select-Object -Property { $_.Length }
        ($s.psobject.Properties | ForEach-Object Name) -join ','; $s.'$_.Length'
        try { 'bar' | Select-Object -Property {} -ErrorAction Stop; 'not reached' }
        catch { $_.FullyQualifiedErrorId; "$($_.CategoryInfo)" }
        "#);
    assert_eq!(ran.stderr, "");
    assert_eq!(
        lines(&ran.stdout),
        [
            "$_.Length",
            "4",
            "EmptyScriptBlockAndNoName,Microsoft.PowerShell.Commands.SelectObjectCommand",
            "InvalidArgument: (:) [Select-Object], PSArgumentException",
        ]
    );
}

/// .NET Core 3.0 and later print negative zero as `-0` (a Double or a Single), and a decimal
/// literal keeps the scale it was written with (`0.0d` is `0.0`, `1.50d` is `1.50`); a
/// multiplier suffix still multiplies.
#[test]
fn negative_zero_prints_its_sign_and_decimal_literals_keep_their_scale() {
    let ran = run(r#"
        -0e2; (-0e2).GetType().Name; 0 * -1.5; [float]-0.0; 0.0 + 0
        0.0d; 1.50d; (1.50d).GetType().Name; 1.5dkb
        "#);
    assert_eq!(ran.stderr, "");
    assert_eq!(lines(&ran.stdout), ["-0", "Double", "-0", "-0", "0", "0.0", "1.50", "Decimal", "1536.0"]);
}

/// A property's getter is a method in .NET, and PowerShell calls it as one: `get_Keys()`,
/// `get_Values()` and `get_Count()` read the hashtable itself (never a key of that name),
/// `get_Length()` a string's length, `get_Count()` an array's. Any other `get_` name is still
/// MethodNotFound, and the hashtable is unchanged.
#[test]
fn property_getters_are_callable_as_methods() {
    let ran = run(r#"
        $h = [ordered]@{ a = 1; Keys = 'k' }
        $h.get_Keys() -join ','; $h.get_Values() -join ','; $h.get_Count()
        'copy'.get_Length(); (1, 2, 3).get_Count()
        try { $h.get_Nope() } catch { $_.FullyQualifiedErrorId }
        $h.Count
        "#);
    assert_eq!(ran.stderr, "");
    assert_eq!(lines(&ran.stdout), ["a,Keys", "1,k", "2", "4", "3", "MethodNotFound", "2"]);
}

/// `$MyInvocation.Statement` (PowerShell 7.4) is the whole text of the call, over every line
/// it takes.
#[test]
fn my_invocation_statement_is_the_whole_text_of_the_call() {
    let ran = run(
        "$s = & {\n  $MyInvocation.Statement\n}\n\"[$s]\"\nfunction Get-It { $MyInvocation.Statement }\nGet-It -Verbose:$false",
    );
    assert_eq!(ran.stderr, "");
    assert_eq!(lines(&ran.stdout), ["[& {", "  $MyInvocation.Statement", "}]", "Get-It -Verbose:$false"]);
}

/// PowerShell's binder turns only Booleans and numbers into a `[bool]` parameter, and into each
/// element of an advanced function's `[bool[]]` (ArgumentTypeConverterAttribute.CheckBoolValue):
/// text such as 'false' is refused with ParameterArgumentTransformationError before the
/// function runs, where a cast would make it $true.
#[test]
fn a_boolean_parameter_takes_only_booleans_and_numbers() {
    let ran = run(r#"
        function Set-Flag { param([bool] $On) "on=$On" }
        function Set-Flags { [CmdletBinding()] param([bool[]] $On) "on=$($On -join ',')" }
        Set-Flag $false; Set-Flag 1; Set-Flag -On:$true; Set-Flags 1, 0, $true
        $ran = 'no'
        try { Set-Flag 'false'; $ran = 'yes' } catch { $_.FullyQualifiedErrorId; $_.Exception.Message }
        try { Set-Flags 'a', 'b' } catch { $_.FullyQualifiedErrorId }
        "ran=$ran"
        # A plain function's [bool[]] converts each element as a cast does (pwsh keeps V1's way).
        function Get-Flags { param([bool[]] $On) $On -join ',' }
        Get-Flags 'a', 0
        "#);
    assert_eq!(ran.stderr, "");
    assert_eq!(
        lines(&ran.stdout),
        [
            "on=False",
            "on=True",
            "on=True",
            "on=True,False,True",
            "ParameterArgumentTransformationError,Set-Flag",
            "Cannot process argument transformation on parameter 'On'. Cannot convert value \"System.String\" to type \"System.Boolean\". Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.",
            "ParameterArgumentTransformationError,Set-Flags",
            "ran=no",
            "True,False",
        ]
    );
}

/// A catch clause's type list may have newlines before each type and around its commas.
#[test]
fn a_catch_type_list_may_span_lines() {
    let ran = run(
        "try { [int]::Parse('x') }\ncatch\n[DivideByZeroException]\n,\n[FormatException]\n{ 'caught' }\ntry { 1/0 } catch\n[DivideByZeroException] { 'zero' }",
    );
    assert_eq!(ran.stderr, "");
    assert_eq!(lines(&ran.stdout), ["caught", "zero"]);
}

/// ConvertTo-Json reads every property as a script would (pwsh's JsonObject.AppendPsProperties):
/// an `Add-Member` ScriptProperty's getter runs with `$this` the object, an AliasProperty gives
/// its target's value, nested objects too; a getter that throws reads as null, and the caller's
/// own `$this` is left as it was.
#[test]
fn convert_to_json_writes_script_and_alias_property_values() {
    let ran = run(r#"
        $o = [pscustomobject]@{ Value = 10 }
        $o | Add-Member -MemberType ScriptProperty -Name Doubled -Value { $this.Value * 2 }
        $o | Add-Member -MemberType AliasProperty -Name V -Value Value
        $o | ConvertTo-Json -Compress
        [pscustomobject]@{ Inner = $o } | ConvertTo-Json -Compress
        $p = [pscustomobject]@{ A = 1 }
        $p | Add-Member -MemberType ScriptProperty -Name Bad -Value { throw 'nope' }
        $this = 'mine'
        $p | ConvertTo-Json -Compress
        $this
        "#);
    assert_eq!(ran.stderr, "");
    assert_eq!(
        lines(&ran.stdout),
        [
            r#"{"Value":10,"Doubled":20,"V":10}"#,
            r#"{"Inner":{"Value":10,"Doubled":20,"V":10}}"#,
            r#"{"A":1,"Bad":null}"#,
            "mine",
        ]
    );
}
