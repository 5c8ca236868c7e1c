//! Confirmation of changes against a real lab: Dismount-Database at a prompt (answered No and
//! Yes), under -NonInteractive, with -Confirm:$false and -WhatIf, and with a view-only token.
//! Every refusal must leave the database mounted.

use ccrsh::service::lab::TopologySource;
use ccrsh::shell::client::Client;
use ccrsh::shell::session::SourceName;

use crate::support::{Ccrd, Home, captured_session};

const DISMOUNT: &str = "Dismount-Database \"CCREX01\\First Storage Group\\Mailbox Database\"";
const MOUNTED: &str = "(Get-MailboxDatabase 'CCREX01\\First Storage Group\\Mailbox Database' -Status).Mounted";

/// Runs `text` at an interactive prompt on a fresh lab, answering prompts with `answers`.
fn at_the_prompt(text: &str, answers: &str) -> (String, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let service = crate::support::embedded_start(dir.path(), &TopologySource::Seed).expect("embedded service");
    let client = Client::new(&service.url, Some(service.admin_token.clone())).expect("client");
    let (mut session, out, err) = captured_session(client, Some(answers));
    session.run(text, &SourceName::Command);
    (out.text(), err.text())
}

#[test]
fn the_prompt_asks_and_no_leaves_the_database_mounted() {
    let (out, err) = at_the_prompt(&format!("{DISMOUNT}; {MOUNTED}"), "N\n");
    // Exchange's tasks word the question themselves (reference §5: "Moving database path …").
    let prompt = "\nConfirm\nAre you sure you want to perform this action?\nDismounting database \"CCREX01\\First Storage Group\\Mailbox Database\".\n[Y] Yes  [A] Yes to All  [N] No  [L] No to All  [S] Suspend  [?] Help (default is \"Y\"): ";
    assert!(out.starts_with(prompt), "{out:?}");
    assert!(out.ends_with("True\n"), "still mounted: {out:?}");
    assert!(err.is_empty(), "{err}");
    let (out, _) = at_the_prompt(&format!("{DISMOUNT}; {MOUNTED}"), "y\n");
    assert!(out.ends_with("False\n"), "dismounted after Yes: {out:?}");
}

#[test]
fn noninteractive_fails_the_statement_and_changes_nothing() {
    let home = Home::new();
    let run = home.run(&["-NonInteractive", "-c", &format!("{DISMOUNT}; {MOUNTED}")]);
    assert!(
        run.stderr.starts_with(
            "Dismount-Database: PowerShell is in NonInteractive mode. Read and Prompt functionality is not available."
        ),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, "True\n");
    // -NonInteractive refuses the prompt even with an answer waiting on standard input.
    let run = home.run_with_input(&["-NonInteractive", "-c", DISMOUNT], "y\n");
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("NonInteractive mode"), "{}", run.stderr);
    // Without a terminal the answer is a line of standard input; at its end the prompt is
    // cancelled and the statement fails.
    let run = home.run(&["-c", DISMOUNT]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.starts_with("Dismount-Database: The prompt was canceled."), "{}", run.stderr);
    assert!(run.stderr.contains("give the answer as a line on standard input"), "{}", run.stderr);
    assert_eq!(home.run(&["-c", MOUNTED]).stdout, "True\n");
}

/// Automation pipes the answers: `-Command TEXT` and `-File` read each one as a line of standard
/// input and show it after its prompt; `-Command -` takes the line after the statement that asks.
#[test]
fn answers_piped_on_standard_input_answer_the_confirmation() {
    let home = Home::new();
    let run = home.run_with_input(&["-NoProfile", "-c", &format!("{DISMOUNT}; {MOUNTED}")], "n\n");
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("[?] Help (default is \"Y\"): n\nTrue\n"), "the answer echoed: {}", run.stdout);
    let script = home.dir.path().join("dismount.ps1");
    std::fs::write(&script, format!("{DISMOUNT}\n{MOUNTED}\n")).expect("script written");
    let run = home.run_with_input(&["-NoProfile", "-File", script.to_str().expect("utf-8")], "y\n");
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.ends_with("): y\nFalse\n"), "dismounted after Yes: {}", run.stdout);
    let statements = format!("Mount-Database 'Mailbox Database'\n{DISMOUNT}\nn\n{MOUNTED}\n");
    let run = home.run_with_input(&["-NoProfile", "-Command", "-"], &statements);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.ends_with("(default is \"Y\"): True\n"), "the answer is not run as a statement: {}", run.stdout);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn confirm_false_proceeds_durably_and_whatif_changes_nothing() {
    let home = Home::new();
    let run = home.run(&["-c", &format!("{DISMOUNT} -WhatIf; {MOUNTED}")]);
    // The What if: line, then the precondition report on the host; nothing in the pipeline.
    assert_eq!(
        run.stdout,
        "What if: Dismounting database \"CCREX01\\First Storage Group\\Mailbox Database\".\nPrecondition report (ccrsh) for Dismount-Database on 'CCREX01\\First Storage Group\\Mailbox Database': every check passes.\nTrue\n"
    );
    let run = home.run(&["-c", &format!("$x = {DISMOUNT} -WhatIf; $null -eq $x")]);
    assert!(run.stdout.ends_with("True\n"), "-WhatIf returns nothing: {}", run.stdout);
    let run = home.run(&["-c", &format!("{DISMOUNT} -Confirm:$false")]);
    assert_eq!((run.code, run.stdout.as_str(), run.stderr.as_str()), (0, "", ""));
    // Another process sees the change: it was written before the command returned.
    assert_eq!(home.run(&["-c", MOUNTED]).stdout, "False\n");
    let run = home.run(&["-c", "Mount-Database 'Mailbox Database'"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(home.run(&["-c", MOUNTED]).stdout, "True\n");
}

#[test]
fn a_view_only_token_cannot_dismount() {
    let (home, served) = (Home::new(), Home::new());
    let ccrd = Ccrd::start(&served.lab());
    let viewer = ccrd.viewer_token();
    let run = home.run(&["--server", &ccrd.url, "--token", &viewer, "-c", &format!("{DISMOUNT} -Confirm:$false")]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.starts_with("Dismount-Database: Access is denied. The view-only token"), "{}", run.stderr);
    let run = home.run(&["--server", &ccrd.url, "--token", &viewer, "-c", MOUNTED]);
    assert_eq!(run.stdout, "True\n", "nothing changed");
}

/// The view-only token changes nothing, so it may do everything that changes nothing: dry runs
/// (-WhatIf, -ValidateOnly), Export-Lab, a rehearsal. A real change is refused before any
/// prompt: without -Confirm:$false and with no terminal, the refusal comes, not the
/// NonInteractive prompt error.
#[test]
fn the_view_only_token_dry_runs_exports_and_rehearses_and_is_refused_before_any_prompt() {
    let (home, served) = (Home::new(), Home::new());
    let ccrd = Ccrd::start(&served.lab());
    let viewer = ccrd.viewer_token();
    let as_viewer = |args: &[&str]| {
        let mut all = vec!["--server", ccrd.url.as_str(), "--token", viewer.as_str()];
        all.extend_from_slice(args);
        home.run(&all)
    };
    let move_cms = "Move-ClusteredMailboxServer CCREX01 -TargetMachine NH-W2K3-SRV04 -MoveComment 'Patching'";
    let what_if = as_viewer(&["-c", &format!("{move_cms} -WhatIf")]);
    assert_eq!(what_if.code, 0, "{what_if:?}");
    assert!(
        what_if.stdout.contains("What if:") && what_if.stdout.contains("Precondition report (ccrsh)"),
        "{}",
        what_if.stdout
    );
    let validate = as_viewer(&["-c", &format!("{move_cms} -ValidateOnly")]);
    assert_eq!(validate.code, 0, "{validate:?}");
    assert!(validate.stdout.contains("Passed"), "{}", validate.stdout);
    let mail = as_viewer(&["-c", "Send-LabMail 'Mailbox Database' -Count 5 -WhatIf"]);
    assert_eq!(mail.code, 0, "{mail:?}");

    let snapshot = home.dir.path().join("estate.snapshot");
    let export = as_viewer(&["-c", &format!("Export-Lab '{}' | Format-List Files", snapshot.display())]);
    assert_eq!(export.code, 0, "{export:?}");
    assert!(std::fs::metadata(&snapshot).is_ok_and(|m| m.len() > 0), "the snapshot was written");

    let runbook = home.dir.path().join("move.ps1");
    std::fs::write(&runbook, format!("{move_cms} -Confirm:$false\n")).expect("written");
    let rehearsal = as_viewer(&["-Rehearse", "-File", runbook.to_str().expect("utf-8")]);
    assert_eq!(rehearsal.code, 0, "{rehearsal:?}");
    assert!(rehearsal.stdout.contains("Succeeded Move-ClusteredMailboxServer"), "{}", rehearsal.stdout);

    // No -Confirm:$false and no terminal: a prompt would be the NonInteractive error; the
    // refusal comes first.
    let refused = as_viewer(&["-c", DISMOUNT]);
    assert_eq!(refused.code, 1);
    assert!(refused.stderr.contains("Access is denied. The view-only token"), "{}", refused.stderr);
    assert!(!refused.stderr.contains("NonInteractive"), "refused before the prompt: {}", refused.stderr);
    // ccrd refused it, so the attempt is in the audit trail under the viewer's name.
    let admin = ccrd.admin_token();
    let trail = home.run(&[
        "--server",
        &ccrd.url,
        "--token",
        &admin,
        "-c",
        "Search-AdminAuditLog | ? Outcome -eq Denied | % { \"$($_.Caller)|$($_.CmdletName)\" }",
    ]);
    assert!(trail.stdout.contains("Viewer|POST /v1/databases/dismount"), "{trail:?}");
    let state =
        as_viewer(&["-c", &format!("{MOUNTED}; (Get-ClusteredMailboxServerStatus CCREX01).OperationalMachines[0]")]);
    assert_eq!(state.stdout, "True\nNH-W2K3-SRV03 <Active, Quorum Owner>\n", "nothing changed: {state:?}");
}

#[test]
fn an_unknown_database_is_refused_and_nothing_changes() {
    let home = Home::new();
    let run = home.run(&["-c", "Dismount-Database 'CCREX01\\Nope' -Confirm:$false"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("could not be found"), "{}", run.stderr);
    assert!(run.stderr.contains("Known database identities"), "{}", run.stderr);
    assert_eq!(home.run(&["-c", MOUNTED]).stdout, "True\n");
}

const ACTIVE: &str = "(Get-ClusteredMailboxServerStatus CCREX01).OperationalMachines -match 'Active'";

#[test]
fn whatif_on_a_move_prints_the_dry_run_report_and_moves_nothing() {
    let home = Home::new();
    let run = home.run(&[
        "-c",
        &format!(
            "Move-ClusteredMailboxServer CCREX01 -TargetMachine NH-W2K3-SRV04 -MoveComment 'Patching' -WhatIf; {ACTIVE}"
        ),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("What if: Moving clustered mailbox server \"CCREX01\" to \"NH-W2K3-SRV04\"."),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("TargetMachine is up") && run.stdout.contains("Passed"), "{}", run.stdout);
    assert!(run.stdout.ends_with("NH-W2K3-SRV03 <Active, Quorum Owner>\n"), "still on SRV03: {}", run.stdout);
    let history = home.run(&["-c", "Get-ClusteredMailboxServerStatus CCREX01 | % State"]);
    assert_eq!(history.stdout, "Online\n");
}

#[test]
fn a_refused_change_names_the_failed_check_its_remedy_and_changes_nothing() {
    let home = Home::new();
    // A move to a node outside the cluster.
    let run = home.run(&[
        "-c",
        &format!(
            "Move-ClusteredMailboxServer CCREX01 -TargetMachine NH-W2K3-SRV01 -MoveComment x -Confirm:$false; {ACTIVE}"
        ),
    ]);
    assert!(
        run.stderr.contains("RedundantMachines (observed: NH-W2K3-SRV01; required: NH-W2K3-SRV03, NH-W2K3-SRV04)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("Name one of NH-W2K3-SRV03, NH-W2K3-SRV04 as -TargetMachine."), "{}", run.stderr);
    assert!(run.stdout.ends_with("NH-W2K3-SRV03 <Active, Quorum Owner>\n"), "{}", run.stdout);
    // A move to a passive copy that is suspended: the remedy and nothing moved.
    let run = home.run(&[
        "-c",
        &format!("Suspend-StorageGroupCopy 'CCREX01\\First Storage Group'; Move-ClusteredMailboxServer CCREX01 -TargetMachine NH-W2K3-SRV04 -MoveComment x -Confirm:$false; {ACTIVE}"),
    ]);
    assert!(run.stderr.contains("Resume-StorageGroupCopy 'CCREX01\\First Storage Group'"), "{}", run.stderr);
    assert!(run.stdout.ends_with("NH-W2K3-SRV03 <Active, Quorum Owner>\n"), "{}", run.stdout);
    // SCR to a node of the source's own cluster.
    let run = home.run(&["-c", "Enable-StorageGroupCopy 'CCREX01\\First Storage Group' -StandbyMachine NH-W2K3-SRV04; (Get-StorageGroup 'CCREX01\\First Storage Group').StandbyMachines.Count"]);
    assert!(run.stderr.contains("not in the source's cluster"), "{}", run.stderr);
    assert_eq!(run.stdout, "0\n");
    // An empty stop reason.
    let run = home.run(&["-c", "Stop-ClusteredMailboxServer CCREX01 -StopReason ' ' -Confirm:$false; (Get-ClusteredMailboxServerStatus CCREX01).State"]);
    assert!(run.stderr.contains("-StopReason"), "{}", run.stderr);
    assert_eq!(run.stdout, "Online\n");
}

#[test]
fn a_site_failover_runs_from_the_shell_with_the_lab_cmdlets() {
    let home = Home::new();
    let script = "$ErrorActionPreference = 'Stop'
        Enable-StorageGroupCopy 'CCREX01\\First Storage Group' -StandbyMachine NH-W2K3-SRV01 -ReplayLagTime 0.0:0:0
        Send-LabMail -Database 'Mailbox Database' -Count 50 -SizeKB 64 | Out-Null
        Wait-LabReplication
        Stop-LabNode NH-W2K3-SRV04 -Crash
        Stop-LabNode NH-W2K3-SRV03 -Crash
        Restore-StorageGroupCopy 'CCREX01\\First Storage Group' -StandbyMachine NH-W2K3-SRV01 -Force
        (Get-StorageGroupCopyStatus 'CCREX01\\First Storage Group' -StandbyMachine NH-W2K3-SRV01).SummaryCopyStatus
        $s = Get-LabMailStatistics -Database 'Mailbox Database'
        $s.Accepted";
    let run = home.run(&["-c", script]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "Disabled\n50\n");
    assert!(run.stderr.contains("Data loss is expected"), "the -Force warning: {}", run.stderr);
}

#[test]
fn a_remote_session_changes_the_prompt_and_lets_setup_run_on_its_node() {
    let dir = tempfile::tempdir().expect("temp dir");
    let service = crate::support::embedded_start(dir.path(), &TopologySource::Seed).expect("embedded service");
    let client = Client::new(&service.url, Some(service.admin_token.clone())).expect("client");
    let (mut session, out, err) = captured_session(client, Some(""));
    assert_eq!(session.prompt(), "PS> ");
    session.run("Enter-PSSession nh-w2k3-srv01", &SourceName::Command);
    assert_eq!(session.prompt(), "[NH-W2K3-SRV01]: PS> ");
    session.run("setup.com /ClearLocalCMS /CMSName:CCREX01", &SourceName::Command);
    assert!(out.text().contains("nothing to clear"), "{}", out.text());
    session.run("Exit-PSSession", &SourceName::Command);
    assert_eq!(session.prompt(), "PS> ");
    session.run("Enter-PSSession NH-W2K3-SRV99", &SourceName::Command);
    assert!(err.text().contains("no such computer in this lab"), "{}", err.text());
    assert_eq!(session.prompt(), "PS> ", "a failed Enter-PSSession leaves the session where it was");
}

/// Runs `lines` one by one at an interactive prompt on a fresh seed lab, answering every
/// confirmation with Yes; returns (stdout, stderr) of each line.
fn lines_at_the_prompt(lines: &[&str]) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let service = crate::support::embedded_start(dir.path(), &TopologySource::Seed).expect("embedded service");
    let client = Client::new(&service.url, Some(service.admin_token.clone())).expect("client");
    let (mut session, out, err) = captured_session(client, Some(&"Y\n".repeat(100)));
    let mut results = Vec::new();
    for line in lines {
        let (before_out, before_err) = (out.text().len(), err.text().len());
        session.run(line, &SourceName::Command);
        results.push((out.text()[before_out..].to_string(), err.text()[before_err..].to_string()));
    }
    results
}

/// The example command lines of reference §8 that name these cmdlets, with the seed's names
/// (the article's SCR target for the way back, NH-W2K3-SRV03, is the production node; the way
/// out uses NH-W2K3-SRV01), run in an order in which each has its documented effect.
#[test]
fn the_reference_command_lines_run_with_their_documented_effect() {
    let lines = [
        "Get-StorageGroupCopyStatus",
        "Get-StorageGroupCopyStatus |fl",
        "Get-MailboxServer CCREX01 | format-list",
        "Get-TransportConfig | format-list",
        "Set-MailboxServer CCREX01 -AutoDatabaseMountDial:GoodAvailability",
        "Get-ClusteredMailboxServerStatus -Identity:CCREX01",
        "Enable-StorageGroupCopy “CCREX01\\First Storage Group” –StandbyMachine NH-W2K3-SRV01 –ReplayLagTime 0.0:0:0",
        "Enable-StorageGroupCopy “CCREX01\\Second Storage Group” –StandbyMachine NH-W2K3-SRV01 –ReplayLagTime 0.0:0:0",
        "Suspend-StorageGroupCopy “CCREX01\\First Storage Group” –StandbyMachine NH-W2K3-SRV01",
        "Suspend-StorageGroupCopy “CCREX01\\Second Storage Group” –StandbyMachine NH-W2K3-SRV01",
        "Update-StorageGroupCopy -Identity 'CCREX01\\First Storage Group' -StandbyMachine NH-W2K3-SRV01 -DeleteExistingFiles",
        "Resume-StorageGroupCopy 'CCREX01\\Second Storage Group' -StandbyMachine NH-W2K3-SRV01",
        "Resume-StorageGroupCopy -Identity:'CCREX01\\First Storage Group'",
        "Get-StorageGroupCopyStatus -Identity:'CCREX01\\First Storage Group' |fl",
        "Disable-StorageGroupCopy 'First Storage Group' -StandbyMachine NH-W2K3-SRV01",
        "Enable-StorageGroupCopy 'First Storage Group' -StandbyMachine NH-W2K3-SRV01 -ReplayLagTime 1.00:00:00 -TruncationLagTime 2.00:00:00",
        "Get-StorageGroupCopyStatus 'First Storage Group' -StandbyMachine NH-W2K3-SRV01",
        "Get-StorageGroup 'CCREX01\\First Storage Group' | fl",
        "Set-TransportConfig –MaxDumpsterSizePerStorageGroup 30MB",
        "Set-TransportConfig –MaxDumpsterTime 6.6:0:0",
        "Move-ClusteredMailboxServer -Identity CCREX01 -TargetMachine NH-W2K3-SRV04 -MoveComment \"Let's move!\"  -whatif",
        "$Cluster = 'CCREX01'; $Node1 = 'NH-W2K3-SRV04'",
        "Stop-ClusteredMailboxServer -identity $Cluster -StopReason \"Node Close Down\" -confirm:$false",
        "Move-ClusteredMailboxServer -identity $Cluster -TargetMachine $Node1 -MoveComment \"Node close Down\" -Confirm:$false",
        "Start-ClusteredMailboxServer -identity $Cluster",
        "Dismount-Database “CCREX01\\First Storage Group\\Mailbox Database”",
        "Dismount-Database “CCREX01\\Second Storage Group\\Public Folder Database”",
        "Restore-StorageGroupCopy “CCREX01\\Second Storage Group” –StandbyMachine NH-W2K3-SRV01",
        "Stop-ClusteredMailboxServer CCREX01 –StopReason “Moving back to production data center”",
        "Invoke-Command -ComputerName NH-W2K3-SRV03 -ScriptBlock { setup.com /ClearLocalCMS /CMSName:CCREX01 }",
        "Get-MailboxServer CCREX01 | Format-List AutoDatabaseMountDial; Get-TransportConfig | Format-List MaxDumpster*; (Get-ClusteredMailboxServerStatus CCREX01).State",
    ];
    let results = lines_at_the_prompt(&lines);
    for ((out, err), line) in results.iter().zip(lines) {
        // The last ClearLocalCMS is refused: NH-W2K3-SRV03 is one of CCREX01's RedundantMachines.
        if line.contains("ClearLocalCMS") {
            assert!(err.contains("RedundantMachines"), "{line}: {err}");
            continue;
        }
        assert!(err.is_empty(), "{line}\n{err}");
        let _ = out;
    }
    let find = |needle: &str| lines.iter().position(|l| l.contains(needle)).expect("line");
    assert!(
        results[find("-whatif")]
            .0
            .contains("What if: Moving clustered mailbox server \"CCREX01\" to \"NH-W2K3-SRV04\".")
    );
    assert!(results[find("-TruncationLagTime 2")].0.is_empty());
    assert!(results[find("-Identity:'CCREX01\\First Storage Group' |fl")].0.contains("SummaryCopyStatus"));
    let last = &results[lines.len() - 1].0;
    assert!(last.contains("GoodAvailability") && last.contains("30MB") && last.contains("6.06:00:00"), "{last}");
    assert!(last.trim_end().ends_with("Offline"), "{last}");
}

/// Each precondition the engine checks, met from the shell: the refusal names what to do, and a
/// probe run afterwards shows the estate as it was.
#[test]
fn every_refusal_says_what_to_do_and_changes_nothing() {
    const SG: &str = "'CCREX01\\First Storage Group'";
    let cases: Vec<(String, &str, String, &str)> = vec![
        // (setup and the refused command, text the error must contain, probe, probe's output)
        (
            "Move-ClusteredMailboxServer CCREX01 -TargetMachine NH-W2K3-SRV03 -MoveComment x -Confirm:$false".into(),
            "already runs on NH-W2K3-SRV03",
            ACTIVE.into(),
            "NH-W2K3-SRV03 <Active, Quorum Owner>",
        ),
        (
            "Stop-LabNode NH-W2K3-SRV04; Move-ClusteredMailboxServer CCREX01 -TargetMachine NH-W2K3-SRV04 -MoveComment x -Confirm:$false".into(),
            "Start-LabNode NH-W2K3-SRV04",
            ACTIVE.into(),
            "NH-W2K3-SRV03 <Active, Quorum Owner>",
        ),
        (
            "Stop-ClusteredMailboxServer CCREX01 -StopReason x -Confirm:$false; Stop-LabNode NH-W2K3-SRV03 -Crash; Start-ClusteredMailboxServer CCREX01".into(),
            "Start-LabNode NH-W2K3-SRV03",
            "(Get-ClusteredMailboxServerStatus CCREX01).State".into(),
            "Offline",
        ),
        (
            "Stop-ClusteredMailboxServer CCREX01 -StopReason x -Confirm:$false; Mount-Database 'Mailbox Database'".into(),
            "Start-ClusteredMailboxServer CCREX01",
            "(Get-MailboxDatabase 'Mailbox Database' -Status).Mounted".into(),
            "False",
        ),
        (
            "Set-MailboxServer CCREX01 -AutoDatabaseMountDial Lossless; Send-LabMail 'Mailbox Database' -Count 3 | Out-Null; Set-LabNetwork -Between NH-W2K3-SRV03,NH-W2K3-SRV04 -State Down; Send-LabMail 'Mailbox Database' -Count 3 | Out-Null; Stop-LabNode NH-W2K3-SRV03 -Crash; Mount-Database 'Mailbox Database'".into(),
            "Restore-StorageGroupCopy 'CCREX01\\First Storage Group' -Force, then Mount-Database",
            "(Get-MailboxDatabase 'Mailbox Database' -Status).Mounted".into(),
            "False",
        ),
        (
            format!("Enable-StorageGroupCopy {SG} -StandbyMachine NH-W2K3-SRV01 -ReplayLagTime 8.00:00:00"),
            "-ReplayLagTime 7.00:00:00 or less",
            format!("(Get-StorageGroup {SG}).StandbyMachines.Count"),
            "0",
        ),
        (
            format!("Enable-StorageGroupCopy {SG} -StandbyMachine NH-W2K3-SRV01; Enable-StorageGroupCopy {SG} -StandbyMachine NH-W2K3-SRV01 -ReplayLagTime 1:00:00"),
            "Disable-StorageGroupCopy",
            format!("(Get-StorageGroup {SG}).StandbyMachines.Count"),
            "1",
        ),
        (
            format!("Update-StorageGroupCopy {SG} -Force"),
            "Suspend-StorageGroupCopy 'CCREX01\\First Storage Group' first",
            format!("(Get-StorageGroupCopyStatus {SG}).SummaryCopyStatus"),
            "Healthy",
        ),
        (
            format!("Send-LabMail 'Mailbox Database' -Count 200 -SizeKB 64 | Out-Null; Wait-LabReplication; Suspend-StorageGroupCopy {SG}; Update-StorageGroupCopy {SG} -Force"),
            "-DeleteExistingFiles",
            format!("(Get-StorageGroupCopyStatus {SG}).SummaryCopyStatus"),
            "Suspended",
        ),
        (
            format!("Enable-StorageGroupCopy {SG} -StandbyMachine NH-W2K3-SRV01; Restore-StorageGroupCopy {SG} -StandbyMachine NH-W2K3-SRV01 -Confirm:$false"),
            "Dismount-Database",
            // Still a standby copy, receiving the logs the seed's storage group has written.
            format!("Wait-LabReplication; (Get-StorageGroupCopyStatus {SG} -StandbyMachine NH-W2K3-SRV01).SummaryCopyStatus"),
            "Healthy",
        ),
        (
            format!("Enable-StorageGroupCopy {SG} -StandbyMachine NH-W2K3-SRV01; Stop-LabNode NH-W2K3-SRV04 -Crash; Stop-LabNode NH-W2K3-SRV03 -Crash; Restore-StorageGroupCopy {SG} -StandbyMachine NH-W2K3-SRV01 -Confirm:$false"),
            "(or override with -Force)",
            // Still a standby copy: Initializing, or Healthy if the first log reached it before
            // its source crashed.
            format!("\"$((Get-StorageGroupCopyStatus {SG} -StandbyMachine NH-W2K3-SRV01).SummaryCopyStatus)\" -in 'Initializing','Healthy'"),
            "True",
        ),
        (
            format!("Restore-StorageGroupCopy {SG} -Confirm:$false"),
            "Move-ClusteredMailboxServer CCREX01 -TargetMachine NODE",
            ACTIVE.into(),
            "NH-W2K3-SRV03 <Active, Quorum Owner>",
        ),
        (
            "Invoke-Command -ComputerName NH-W2K3-SRV01 -ScriptBlock { setup.com /RecoverCMS /CMSName:CCREX01 /CMSIPAddress:198.51.100.50 }".into(),
            "Stop-ClusteredMailboxServer CCREX01",
            ACTIVE.into(),
            "NH-W2K3-SRV03 <Active, Quorum Owner>",
        ),
        (
            "Move-ClusterGroup CCREX01 -Node NH-W2K3-SRV01".into(),
            "Possible owners: NH-W2K3-SRV03, NH-W2K3-SRV04.",
            ACTIVE.into(),
            "NH-W2K3-SRV03 <Active, Quorum Owner>",
        ),
    ];
    for (script, expected, probe, unchanged) in cases {
        let home = Home::new();
        let run = home.run(&["-c", &script]);
        assert_eq!(run.code, 1, "{script}\n{}", run.stderr);
        assert!(run.stderr.contains(expected), "{script}\nexpected {expected:?} in:\n{}", run.stderr);
        let after = home.run(&["-c", &probe]);
        assert_eq!(after.stdout.trim_end(), unchanged, "{script}\nthen {probe}\n{}", after.stderr);
    }
}

#[test]
fn a_seed_draws_its_progress_on_the_terminal_only_and_never_on_the_output_stream() {
    let dir = tempfile::tempdir().expect("temp dir");
    let service = crate::support::embedded_start(dir.path(), &TopologySource::Seed).expect("embedded service");
    let client = Client::new(&service.url, Some(service.admin_token.clone())).expect("client");
    let (mut session, out, err) = crate::support::captured_session_with(client, Some(""), true);
    let script = "Send-LabMail 'Mailbox Database' -Count 600 -SizeKB 64 | Out-Null; Wait-LabReplication
        Suspend-StorageGroupCopy 'CCREX01\\First Storage Group'
        Update-StorageGroupCopy 'CCREX01\\First Storage Group' -DeleteExistingFiles -Force
        (Get-StorageGroupCopyStatus 'CCREX01\\First Storage Group').SummaryCopyStatus";
    session.run(script, &SourceName::Command);
    assert_eq!(out.text(), "Healthy\n", "the output stream holds only output");
    let err = err.text();
    if err.contains("Seeding") {
        assert!(err.contains("Seeding CCREX01\\First Storage Group on NH-W2K3-SRV04 ["), "{err:?}");
        assert!(err.ends_with("\r\x1b[K"), "the bar is cleared when done: {err:?}");
    } else {
        assert!(err.is_empty(), "{err:?}");
    }
}
