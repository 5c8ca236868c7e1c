//! The ccrsh binary on the embedded lab, as a user runs it: what it prints, what it refuses,
//! and pwsh's exit codes (docs/GUIDE.md, "Automation").

use std::os::unix::fs::PermissionsExt;

use crate::support::Home;

#[test]
fn cms_status_shows_ccrex01_online_with_srv03_active() {
    let home = Home::new();
    let run = home.run(&["-NoProfile", "-c", "Get-ClusteredMailboxServerStatus CCREX01"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("Identity                        : CCREX01"), "{}", run.stdout);
    assert!(run.stdout.contains("State                           : Online"), "{}", run.stdout);
    assert!(run.stdout.contains("{NH-W2K3-SRV03 <Active, Quorum Owner>, NH-W2K3-SRV04}"), "{}", run.stdout);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn copy_status_as_json_lists_the_two_healthy_ccr_copies() {
    let home = Home::new();
    let run = home.run(&["-NonInteractive", "-c", "Get-StorageGroupCopyStatus | ConvertTo-Json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("stdout is JSON");
    let copies = json.as_array().expect("an array");
    let summary: Vec<(&str, &str, &str)> = copies
        .iter()
        .map(|c| {
            (
                c["Identity"].as_str().unwrap_or_default(),
                c["SummaryCopyStatus"].as_str().unwrap_or_default(),
                c["CCRTargetNode"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("CCREX01\\First Storage Group", "Healthy", "NH-W2K3-SRV04"),
            ("CCREX01\\Second Storage Group", "Healthy", "NH-W2K3-SRV04"),
        ]
    );
    assert_eq!(copies[0]["CopyQueueLength"], 0);
}

#[test]
fn pasted_curly_quotes_and_dashes_select_one_storage_group() {
    let home = Home::new();
    let run = home.run(&["-c", "Get-StorageGroupCopyStatus “CCREX01\\First Storage Group” –StandbyMachine:$null"]);
    assert_eq!(run.code, 0, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[1],
        "Name                SummaryCopyStatus CopyQueueLength ReplayQueueLength LastInspectedLogTime"
    );
    assert!(lines[3].starts_with("First Storage Group Healthy"), "{}", run.stdout);
    assert!(!run.stdout.contains("Second Storage Group"), "{}", run.stdout);
}

#[test]
fn an_unknown_command_prints_powershells_message_and_exits_1() {
    let home = Home::new();
    let run = home.run(&["-c", "Get-Foo"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    let first = run.stderr.lines().next().unwrap_or_default();
    assert_eq!(
        first,
        "Get-Foo: The term 'Get-Foo' is not recognized as a name of a cmdlet, function, script file, or executable program."
    );
    assert!(run.stderr.contains("   1 |  Get-Foo\n     |  ~~~~~~~\n"), "{}", run.stderr);
    let typo = home.run(&["-c", "Get-StorageGrop"]);
    assert!(typo.stderr.contains("Did you mean Get-StorageGroup?"), "{}", typo.stderr);
}

#[test]
fn an_unknown_parameter_prints_the_named_parameter_message_with_its_span() {
    let home = Home::new();
    let run = home.run(&["-c", "Get-StorageGroupCopyStatus -Bogus"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr.lines().next().unwrap_or_default(),
        "Get-StorageGroupCopyStatus: A parameter cannot be found that matches parameter name 'Bogus'."
    );
    assert!(run.stderr.contains("     |                             ~~~~~~\n"), "{}", run.stderr);
    assert!(run.stderr.contains("-StandbyMachine"), "the hint lists the parameters: {}", run.stderr);
}

#[test]
fn an_unknown_identity_names_the_known_ones() {
    let home = Home::new();
    let run = home.run(&["-c", "Get-ClusteredMailboxServerStatus CCREX99"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.starts_with(
            "Get-ClusteredMailboxServerStatus: The operation could not be performed because object 'CCREX99' could not be found on domain controller 'NH-W2K3-DC01.contoso.local'."
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("Known clustered mailbox server identities: CCREX01."), "{}", run.stderr);
}

#[test]
fn an_unknown_identity_in_a_get_cmdlet_is_non_terminating() {
    let home = Home::new();
    let run = home.run(&[
        "-c",
        "Get-StorageGroup nope -ErrorAction SilentlyContinue -ErrorVariable missed; \"ok=$? missed=$($missed.Count)\"; Get-MailboxDatabase nope; 'next'",
    ]);
    assert_eq!(run.stdout, "ok=False missed=1\nnext\n", "{run:?}");
    assert!(run.stderr.starts_with("Get-MailboxDatabase: The operation could not be performed"), "{}", run.stderr);
    assert_eq!(run.code, 0, "the last statement succeeded");
}

#[test]
fn the_other_read_cmdlets_show_exchange_views() {
    let home = Home::new();
    let run = home.run(&[
        "-c",
        "Get-StorageGroup; Get-MailboxDatabase; Get-PublicFolderDatabase -Status | Format-List Name,Mounted; Get-MailboxServer",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    for expected in [
        "Name                 Server  Replicated Recovery",
        "First Storage Group  CCREX01 Cluster    False",
        "Name             Server  StorageGroup                Recovery",
        "Mailbox Database CCREX01 CCREX01\\First Storage Group False",
        "Name    : Public Folder Database\nMounted : True",
        "CCREX01       NonShared            {NH-W2K3-SRV03, NH-W2K3-SRV04} BestAvailability",
    ] {
        assert!(run.stdout.contains(expected), "missing {expected:?} in\n{}", run.stdout);
    }
}

#[test]
fn discovery_comes_from_the_specs() {
    let home = Home::new();
    let run = home.run(&["-c", "Get-Command -Noun StorageGroup*"]);
    assert_eq!(run.code, 0, "{run:?}");
    // PowerShell's CommandInfo view: CommandType 15 cells, Name 50, Version 10, Source the rest.
    assert!(run.stdout.contains("CommandType     Name      "), "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!("Cmdlet          {:<50} 0.1.0", "Get-StorageGroupCopyStatus")),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("Get-MailboxServer"), "{}", run.stdout);
    let help = home.run(&["-c", "Get-Help Get-StorageGroupCopyStatus"]);
    for section in ["NAME", "SYNOPSIS", "SYNTAX", "DESCRIPTION", "PARAMETERS", "EXAMPLES"] {
        assert!(help.stdout.contains(&format!("\n{section}\n")), "no {section} in\n{}", help.stdout);
    }
    assert!(help.stdout.contains(
        "Get-StorageGroupCopyStatus -Server <ServerIdParameter> [-StandbyMachine <String>] [-DomainController <Fqdn>] [-DumpsterStatistics] [<CommonParameters>]"
    ));
    let question = home.run(&["-c", "Get-StorageGroupCopyStatus -?"]);
    assert_eq!(question.stdout.trim_end(), help.stdout.trim_end(), "`cmd -?` is `Get-Help cmd`");
    let missing = home.run(&["-c", "Get-Help Get-Nope"]);
    assert_eq!(missing.code, 1);
    assert!(missing.stderr.contains("Get-Help could not find Get-Nope in a help file in this session."));
}

#[test]
fn command_exit_code_follows_the_last_statement_and_exit_n() {
    let home = Home::new();
    assert_eq!(home.run(&["-c", "Get-Foo; Get-MailboxServer"]).code, 0);
    assert_eq!(home.run(&["-c", "Get-MailboxServer; Get-Foo"]).code, 1);
    assert_eq!(home.run(&["-c", "exit 7"]).code, 7);
    assert_eq!(home.run(&["-c", "Get-Foo; exit 0"]).code, 0);
    assert_eq!(home.run(&["-c", " "]).code, 0);
}

#[test]
fn a_bad_command_line_exits_64_with_usage() {
    let home = Home::new();
    for args in [&["-bogus"][..], &["-c"], &["-no"], &["--server"]] {
        let run = home.run(args);
        assert_eq!(run.code, 64, "{args:?}: {run:?}");
        assert!(run.stderr.contains("Usage: ccrsh"), "{}", run.stderr);
    }
    assert!(!home.lab().exists(), "a bad command line touches no lab");
    let help = home.run(&["/?"]);
    assert_eq!((help.code, help.stdout.starts_with("Usage: ccrsh")), (0, true));
}

#[test]
fn a_script_runs_to_its_end_and_reports_errors_with_file_and_line() {
    let home = Home::new();
    let script = home.dir.path().join("runbook.ps1");
    std::fs::write(&script, "# step 1\nGet-Foo\nGet-MailboxServer CCREX01 | Format-List Name\n").expect("write");
    let run = home.run(&["-File", script.to_str().expect("utf-8")]);
    assert_eq!(run.code, 0, "non-terminating errors still end in 0: {run:?}");
    assert!(run.stdout.contains("Name : CCREX01"), "{}", run.stdout);
    let header = format!("Get-Foo: {}:2", script.display());
    assert!(run.stderr.starts_with(&header), "{}", run.stderr);
    assert!(run.stderr.contains("   2 |  Get-Foo\n"), "{}", run.stderr);

    std::fs::write(&script, "Get-MailboxServer\nexit 5\nGet-Foo\n").expect("write");
    assert_eq!(home.run(&[script.to_str().expect("utf-8")]).code, 5, "a bare path is -File");

    std::fs::write(&script, "Get-MailboxServer\nGet-X 'unterminated\n").expect("write");
    let run = home.run(&["-f", script.to_str().expect("utf-8")]);
    assert_eq!(run.code, 1, "a parse error terminates the script: {run:?}");
    assert!(run.stdout.is_empty(), "nothing ran: {}", run.stdout);
    assert!(run.stderr.contains("The string is missing the terminator: '."), "{}", run.stderr);

    let missing = home.run(&["-File", "/nonexistent/x.ps1"]);
    assert_eq!(missing.code, 64);
}

/// pwsh's `-File` rule: a statement-terminating error (a refused change) at the end of a script
/// still ends it with 0; `$ErrorActionPreference = 'Stop'` or `exit 1` in a catch make it 1, which
/// is what the guide's `ccrsh -File runbook.ps1 || page-someone` relies on.
#[test]
fn a_refused_change_at_the_end_of_a_script_exits_0_unless_the_script_says_otherwise() {
    let home = Home::new();
    let script = home.dir.path().join("runbook.ps1");
    let path = script.to_str().expect("utf-8");
    let refused =
        "Move-ClusteredMailboxServer CCREX01 -TargetMachine NH-W2K3-SRV05 -MoveComment 'Patching' -Confirm:$false";

    std::fs::write(&script, format!("{refused}\n")).expect("write");
    let run = home.run(&["-NonInteractive", "-File", path]);
    assert_eq!(run.code, 0, "as pwsh: the script ran to its end: {run:?}");
    assert!(run.stderr.contains("was refused"), "{}", run.stderr);
    // The same statement as a -Command: its last statement failed, so 1.
    assert_eq!(home.run(&["-NonInteractive", "-c", refused]).code, 1);

    std::fs::write(&script, format!("$ErrorActionPreference = 'Stop'\n{refused}\n'not reached'\n")).expect("write");
    let run = home.run(&["-NonInteractive", "-File", path]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(!run.stdout.contains("not reached"), "{}", run.stdout);

    let caught = format!("try {{\n    {refused} -ErrorAction Stop\n}} catch {{\n    Write-Error $_\n    exit 1\n}}\n");
    std::fs::write(&script, caught).expect("write");
    assert_eq!(home.run(&["-NonInteractive", "-File", path]).code, 1);

    // The guide's pattern, through a POSIX shell.
    let mut shell = std::process::Command::new("sh");
    shell
        .arg("-c")
        .arg(format!("'{}' -NonInteractive -File '{path}' 2>/dev/null || echo paged", env!("CARGO_BIN_EXE_ccrsh")));
    for (key, value) in home.command(&[]).get_envs() {
        match value {
            Some(value) => shell.env(key, value),
            None => shell.env_remove(key),
        };
    }
    let paged = crate::support::finish(shell, "");
    assert_eq!(paged.stdout, "paged\n", "{paged:?}");
    let state = home.run(&["-c", "(Get-ClusteredMailboxServerStatus CCREX01).OperationalMachines[0]"]);
    assert!(state.stdout.contains("NH-W2K3-SRV03 <Active"), "nothing moved: {}", state.stdout);
}

#[test]
fn command_dash_reads_statements_from_standard_input() {
    let home = Home::new();
    let input = "Get-MailboxServer CCREX01 |\n  Format-List Name\nGet-Foo\n";
    let run = home.run_with_input(&["-Command", "-"], input);
    assert!(run.stdout.contains("Name : CCREX01"), "{run:?}");
    assert_eq!(run.code, 1, "the last statement failed");
    let run = home.run_with_input(&["-NoLogo"], "Get-MailboxServer CCREX01 | Format-List Name\n");
    assert_eq!(run.code, 0, "no terminal on stdin reads statements from it: {run:?}");
    assert!(run.stdout.contains("Name : CCREX01"));
}

/// Without a terminal, every prompt reads its answer as a line of standard input, as pwsh does:
/// Read-Host, `$Host.UI.ReadLine()`, PromptForChoice, Get-Credential and a mandatory parameter.
/// After `-Command TEXT` or `-File` the answer shows after its prompt (a password never does);
/// at the end of the input each gives what pwsh gives.
#[test]
fn prompts_read_their_answers_from_redirected_standard_input() {
    let home = Home::new();
    let script = "$name = Read-Host 'Node'; \"node=$name\"; $line = $Host.UI.ReadLine(); \"line=$line\"; \
                  $Host.UI.PromptForChoice('Move', 'Go?', [string[]]('&Yes', '&No'), 0); \
                  $c = Get-Credential; \"$($c.UserName)|$($c.GetNetworkCredential().Password)\"; \
                  $s = Read-Host 'Secret' -AsSecureString; \"$s|$($s.Length)\"; \
                  function Move-It { param([Parameter(Mandatory)]$Target) \"to $Target\" }; Move-It";
    let answers = "NH-W2K3-SRV02\nsecond line\nn\n\nCONTOSO\\exadmin\nP@ssw0rd\nhush\nSRV04\n";
    let run = home.run_with_input(&["-NoProfile", "-c", script], answers);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "Node: NH-W2K3-SRV02\nnode=NH-W2K3-SRV02\nsecond line\nline=second line\n\
         \nMove\nGo?\n[Y] Yes  [N] No  [?] Help (default is \"Y\"): n\n1\n\
         \nPowerShell credential request\nEnter your credentials.\nUser: \nUser: CONTOSO\\exadmin\n\
         Password for user CONTOSO\\exadmin: \nCONTOSO\\exadmin|P@ssw0rd\n\
         Secret: \nSystem.Security.SecureString|4\n\
         \ncmdlet Move-It at command pipeline position 1\nSupply values for the following parameters:\nTarget: SRV04\nto SRV04\n"
    );
    assert!(!run.stdout.contains("hush"), "a secret is never shown");

    // At the end of the input: Read-Host -Prompt returns nothing and ReadLine() $null; a
    // credential is not made; a choice, a confirmation or a mandatory value is cancelled.
    let run = home.run(&[
        "-NoProfile",
        "-c",
        "$a = @(Read-Host 'Node'); $b = $Host.UI.ReadLine(); $c = Get-Credential -UserName x; \
         \"$($a.Count) $($null -eq $b) $($null -eq $c)\"",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.ends_with("\n0 True True\n"), "{}", run.stdout);
    let run = home.run(&["-NoProfile", "-c", "$Host.UI.PromptForChoice('c', 'm', [string[]]('&Yes', '&No'), 0)"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("\"The prompt was canceled.\""), "{}", run.stderr);

    // -Command - reads the statements and their answers from the same input, in order.
    let run = home.run_with_input(&["-NoProfile", "-Command", "-"], "$n = Read-Host 'Node'\nSRV02\n\"got $n\"\n");
    assert_eq!((run.code, run.stdout.as_str()), (0, "Node: got SRV02\n"), "{run:?}");

    // -NonInteractive keeps a prompt an error, whatever is waiting on standard input.
    let run = home.run_with_input(&["-NoProfile", "-NonInteractive", "-c", "Read-Host 'Node'"], "SRV02\n");
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("PowerShell is in NonInteractive mode."), "{}", run.stderr);
    assert!(!run.stdout.contains("SRV02"), "{}", run.stdout);
}

/// `$Host.UI.PromptForCredential` and `ReadLineAsSecureString` read redirected standard input
/// as Get-Credential does: the target names the user's domain, and the end of the input is
/// `$null`.
#[test]
fn the_host_ui_prompts_for_credentials_from_redirected_standard_input() {
    let home = Home::new();
    let script = "$c = $Host.UI.PromptForCredential('Cluster', 'The account to fail over with', '', 'CONTOSO'); \
                  \"$($c.UserName)|$($c.GetNetworkCredential().Password)\"; \
                  $s = $Host.UI.ReadLineAsSecureString(); \"$($s.GetType().FullName)|$($s.Length)\"; \
                  $null -eq $Host.UI.ReadLineAsSecureString()";
    let run = home.run_with_input(&["-NoProfile", "-c", script], "exadmin\nP@ssw0rd\nhush\n");
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "\nCluster\nThe account to fail over with\nUser: exadmin\nPassword for user exadmin: \n\
         CONTOSO\\exadmin|P@ssw0rd\n\nSystem.Security.SecureString|4\nTrue\n"
    );
}

#[test]
fn a_new_lab_is_created_from_seed_with_private_tokens() {
    let home = Home::new();
    assert!(!home.lab().exists());
    assert_eq!(home.run(&["-c", "Get-MailboxServer"]).code, 0);
    for file in ["admin.token", "viewer.token"] {
        let mode = std::fs::metadata(home.lab().join(file)).expect("token").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{file}");
    }
    assert!(home.lab().join("estate.db").is_file());
}

#[test]
fn bad_input_changes_nothing() {
    let home = Home::new();
    let snapshot = "Get-StorageGroupCopyStatus | ConvertTo-Json; Get-MailboxDatabase -Status | ConvertTo-Json; \
                    Get-ClusteredMailboxServerStatus | ConvertTo-Json";
    let before = home.run(&["-c", snapshot]);
    assert_eq!(before.code, 0, "{before:?}");
    for bad in [
        "Get-Foo",
        "Get-StorageGroupCopyStatus -Bogus",
        "Get-StorageGroupCopyStatus 'CCREX01\\Nope'",
        "Get-MailboxDatabase -Server CCREX01 -StorageGroup x",
        "Get-StorageGroup 'unterminated",
        "ConvertTo-Json -Depth 101",
    ] {
        let run = home.run(&["-c", bad]);
        assert_eq!(run.code, 1, "{bad}: {run:?}");
        assert!(!run.stderr.is_empty(), "{bad} must explain itself");
    }
    let after = home.run(&["-c", snapshot]);
    assert_eq!(before.stdout, after.stdout);
}

/// The runbook of issue 3: `param()`, `$ErrorActionPreference = 'Stop'`, `foreach` over
/// Get-StorageGroup, `try`/`catch`, `throw` and `exit N`, run with `-File` and arguments.
const RUNBOOK: &str = r#"
param(
    [Parameter(Mandatory)][string]$Target,
    [int]$Threshold = 10
)
$ErrorActionPreference = 'Stop'
$lagging = 0
foreach ($sg in Get-StorageGroup) {
    $status = Get-StorageGroupCopyStatus $sg.Identity
    if ($status.CCRTargetNode -ne $Target) {
        throw "The copy of $($sg.Name) is on $($status.CCRTargetNode), not $Target."
    }
    if ($status.CopyQueueLength -gt $Threshold) { $lagging++ }
    '{0}: {1} on {2}' -f $sg.Name, $status.SummaryCopyStatus, $status.CCRTargetNode
}
try {
    Get-StorageGroupCopyStatus 'CCREX01\No Such Group'
} catch {
    "expected: $($_.Exception.Message)"
}
if ($lagging -gt 0) { exit 2 }
'ready to move'
"#;

#[test]
fn a_runbook_with_parameters_and_error_handling_gives_the_documented_exit_codes() {
    let home = Home::new();
    let script = home.dir.path().join("check-move.ps1");
    std::fs::write(&script, RUNBOOK).expect("write");
    let path = script.to_str().expect("utf-8");

    let run = home.run(&["-File", path, "-Target", "NH-W2K3-SRV04"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("First Storage Group: Healthy on NH-W2K3-SRV04"), "{}", run.stdout);
    // Not found is a non-terminating error of Get-StorageGroupCopyStatus; Stop makes it
    // catchable, and the catch block sees that error itself.
    assert!(run.stdout.contains("expected: The operation could not be performed because object 'CCREX01\\No Such Group' could not be found on domain controller 'NH-W2K3-DC01.contoso.local'."), "{}", run.stdout);
    assert!(run.stdout.trim_end().ends_with("ready to move"), "{}", run.stdout);
    assert!(run.stderr.is_empty(), "{}", run.stderr);

    let run = home.run(&["-File", path, "-Target", "NH-W2K3-SRV03"]);
    assert_eq!(run.code, 1, "throw ends the script with 1: {run:?}");
    assert!(
        run.stderr.contains("The copy of First Storage Group is on NH-W2K3-SRV04, not NH-W2K3-SRV03."),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("ready"), "{}", run.stdout);

    let run = home.run(&["-File", path, "-Target:NH-W2K3-SRV04", "-Threshold", "-1"]);
    assert_eq!(run.code, 2, "exit N gives N: {run:?}");

    let run = home.run(&["-NonInteractive", "-File", path]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("missing mandatory parameters: Target."), "{}", run.stderr);

    let run = home.run(&["-File", path, "-Target", "NH-W2K3-SRV04", "-Bogus", "x"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("A parameter cannot be found that matches parameter name 'Bogus'."), "{}", run.stderr);
}

#[test]
fn piped_objects_bind_by_property_name() {
    let home = Home::new();
    let run = home.run(&["-c", "Get-StorageGroup | Get-StorageGroupCopyStatus | ForEach-Object { $_.Identity }"]);
    assert_eq!(run.stdout, "CCREX01\\First Storage Group\nCCREX01\\Second Storage Group\n", "{run:?}");
    let run = home.run(&["-c", "Get-MailboxServer CCREX01 | Get-ClusteredMailboxServerStatus | ForEach-Object State"]);
    assert_eq!(run.stdout, "Online\n", "{run:?}");
    let run = home.run(&["-c", "Get-MailboxDatabase | Get-MailboxDatabase -Status | ForEach-Object Mounted"]);
    assert_eq!(run.stdout, "True\n", "{run:?}");
}

#[test]
fn transcripts_and_redirections_write_files() {
    let home = Home::new();
    let transcript = home.dir.path().join("change.txt");
    let report = home.dir.path().join("report.txt");
    let script = format!(
        "Start-Transcript '{}'; 'hello'; Write-Warning 'careful'; Stop-Transcript; \
         Get-MailboxServer CCREX01 | Format-List Name > '{}'; Get-Foo 2>$null; 'appended' >> '{1}'; Get-History -Count 1 | % CommandLine",
        transcript.display(),
        report.display()
    );
    let run = home.run(&["-c", &script]);
    assert!(run.stderr.contains("WARNING: careful"), "{run:?}");
    assert!(!run.stderr.contains("Get-Foo"), "2>$null hides the error: {}", run.stderr);
    let text = std::fs::read_to_string(&transcript).expect("transcript written");
    for expected in ["PowerShell transcript start", "hello", "WARNING: careful", "PowerShell transcript end"] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    assert!(!text.contains('\u{1b}'), "no colour codes in the transcript");
    let written = std::fs::read_to_string(&report).expect("report written");
    assert_eq!(written, "\nName : CCREX01\n\nappended\n");
    assert!(
        run.stdout.trim_end().ends_with("Get-History -Count 1 | % CommandLine"),
        "Get-History sees the command line: {}",
        run.stdout
    );
}

/// Start-Transcript reads its path as every file cmdlet does: relative to the current
/// location, `\` as a separator (`"$env:TEMP\check.log"` in a published script), and a Windows
/// drive letter is refused without creating anything.
#[test]
fn a_transcript_path_is_read_as_the_file_cmdlets_read_paths() {
    let home = Home::new();
    let dir = home.dir.path().join("logs");
    std::fs::create_dir(&dir).expect("logs dir");
    let script = format!(
        "Set-Location '{}'; Start-Transcript -Path .\\logs\\check.log | Out-Null; 'checked'; Stop-Transcript | Out-Null; \
         (Get-Content .\\logs\\check.log) -contains 'checked'; Start-Transcript C:\\Logs\\x.log",
        home.dir.path().display()
    );
    let run = home.run(&["-c", &script]);
    assert_eq!(run.stdout, "checked\nTrue\n", "{run:?}");
    assert!(run.stderr.contains("A drive with the name 'C' does not exist"), "{}", run.stderr);
    let made: Vec<_> = std::fs::read_dir(home.dir.path()).expect("dir").flatten().map(|e| e.file_name()).collect();
    assert!(!made.iter().any(|n| n.to_string_lossy().contains('\\')), "no file named with a backslash: {made:?}");
    assert!(std::fs::read_to_string(dir.join("check.log")).expect("transcript").contains("checked"));
}

#[test]
fn a_mistyped_identity_gets_the_closest_one_suggested_and_guids_work_as_identities() {
    let home = Home::new();
    let run = home.run(&["-c", "Get-MailboxDatabase 'Mailbox Databse'"]);
    assert!(run.stderr.contains("Did you mean 'Mailbox Database'?"), "{}", run.stderr);
    let run = home.run(&["-c", "Get-StorageGroupCopyStatus 'CCREX01\\First Storge Group'"]);
    assert!(run.stderr.contains("Did you mean 'CCREX01\\First Storage Group'?"), "{}", run.stderr);
    let guid = home.run(&["-c", "(Get-StorageGroup 'CCREX01\\Second Storage Group').Guid"]).stdout;
    let guid = guid.trim();
    assert_eq!(guid.len(), 36, "{guid}");
    let by_guid = home.run(&[
        "-c",
        &format!("(Get-StorageGroup '{guid}').LogFilePrefix; (Get-StorageGroupCopyStatus '{{{guid}}}').Name"),
    ]);
    assert_eq!(by_guid.stdout, "E01\nSecond Storage Group\n", "{}", by_guid.stderr);
}

/// `Select-Object -Last N` keeps a ring of N objects, not its whole input: two million numbers
/// through it leave the process's peak memory near start-up's (holding them all took over
/// 130 MB: 64 MB of values, and a copy of them at the end).
#[cfg(target_os = "linux")]
#[test]
fn select_object_last_holds_only_the_last_objects() {
    let home = Home::new();
    let run = home.run(&[
        "-NoProfile",
        "-c",
        "1..2000000 | Select-Object -Last 2; (Get-Content /proc/self/status) -match '^VmHWM'",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let mut lines = run.stdout.lines();
    assert_eq!((lines.next(), lines.next()), (Some("1999999"), Some("2000000")), "{run:?}");
    let peak_kb: u64 = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kb| kb.parse().ok())
        .unwrap_or_else(|| panic!("no VmHWM line: {run:?}"));
    assert!(peak_kb < 90_000, "peak memory {peak_kb} kB");
}
