//! The runbooks of `docs/runbooks/`, end to end and unattended: against the embedded lab and
//! against a ccrd on 127.0.0.1, with mail delivered before and between the steps, checking the
//! estate and the loss ledger after each phase; and rehearsal, which must leave the real
//! estate untouched.

use crate::support::{Ccrd, Home, Run};

const RUNBOOKS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/runbooks");

/// Runs ccrsh in `home`, against `server` (URL, token) when given.
fn ccrsh(home: &Home, server: Option<&(String, String)>, args: &[&str]) -> Run {
    let mut all: Vec<&str> = vec!["-NoProfile", "-NonInteractive"];
    if let Some((url, token)) = server {
        all.extend(["--server", url.as_str(), "--token", token.as_str()]);
    }
    all.extend(args);
    home.run(&all)
}

fn runbook(home: &Home, server: Option<&(String, String)>, name: &str) -> Run {
    let path = format!("{RUNBOOKS}/{name}");
    let run = ccrsh(home, server, &["-File", &path]);
    assert_eq!(run.code, 0, "{name}:\n{}\n{}", run.stdout, run.stderr);
    assert!(!run.stderr.contains("Exception") && !run.stderr.contains("refused"), "{name}: {}", run.stderr);
    run
}

/// One line of output from a ccrsh command.
fn ask(home: &Home, server: Option<&(String, String)>, command: &str) -> String {
    let run = ccrsh(home, server, &["-c", command]);
    assert_eq!(run.code, 0, "{command}: {}", run.stderr);
    run.stdout.trim_end().to_string()
}

/// (accepted, present, lost) of the mailbox database.
fn ledger(home: &Home, server: Option<&(String, String)>) -> (u64, u64, u64) {
    let text =
        ask(home, server, "$s = Get-LabMailStatistics 'Mailbox Database'; \"$($s.Accepted) $($s.Present) $($s.Lost)\"");
    let numbers: Vec<u64> = text.split_whitespace().filter_map(|n| n.parse().ok()).collect();
    (numbers[0], numbers[1], numbers[2])
}

fn mail(home: &Home, server: Option<&(String, String)>, count: u32) {
    ask(
        home,
        server,
        &format!("Send-LabMail 'Mailbox Database' -Count {count} -SizeKB 64 | Out-Null; Wait-LabReplication"),
    );
}

/// The site failover and return (runbooks 1–3), then scheduled maintenance (runbook 4).
fn site_failover_and_return(home: &Home, server: Option<&(String, String)>) {
    mail(home, server, 40);
    runbook(home, server, "1-enable-scr.ps1");
    assert_eq!(
        ask(home, server, "(Get-StorageGroup 'CCREX01\\First Storage Group').StandbyMachines.NodeName"),
        "NH-W2K3-SRV01"
    );
    mail(home, server, 80);
    assert_eq!(ledger(home, server).2, 0, "nothing lost while healthy");

    // The production datacenter is lost: mail in its open logs (and unshipped logs) goes with it.
    ask(home, server, "Send-LabMail 'Mailbox Database' -Count 5 -SizeKB 10 | Out-Null");
    ask(home, server, "Stop-LabNode NH-W2K3-SRV04 -Crash; Stop-LabNode NH-W2K3-SRV03 -Crash");
    let (accepted, _, _) = ledger(home, server);
    let run = runbook(home, server, "2-activate-backup-datacenter.ps1");
    assert!(run.stderr.contains("Data loss is expected"), "{}", run.stderr);
    assert_eq!(ask(home, server, "(Get-ClusterGroup CCREX01).OwnerNode"), "NH-W2K3-SRV01");
    assert_eq!(ask(home, server, "(Get-ClusterResource 'IP Address*').Name"), "IP Address (198.51.100.50)");
    assert_eq!(
        ask(home, server, "(Get-StorageGroupCopyStatus 'CCREX01\\First Storage Group').CCRTargetNode"),
        "NH-W2K3-SRV05"
    );
    let (after_accepted, present, lost) = ledger(home, server);
    assert_eq!(after_accepted, accepted);
    assert_eq!(present + lost, accepted, "every message is held or accounted lost");
    assert!((5..=25).contains(&lost), "the open log's 5 messages and at most the unshipped tail: {lost}");
    let events = ask(
        home,
        server,
        "(Get-EventLog -LogName Application -InstanceId 100 -ComputerName NH-W2K3-SRV05, NH-W2K3-SRV01).Count",
    );
    assert_eq!(events, "2", "the proving moves in the backup site wrote event 100 twice");

    // Production is back; return in the article's order. Mail keeps flowing before and after.
    mail(home, server, 30);
    ask(home, server, "Start-LabNode NH-W2K3-SRV03; Start-LabNode NH-W2K3-SRV04");
    runbook(home, server, "3-return-to-production.ps1");
    assert_eq!(ask(home, server, "(Get-ClusterGroup CCREX01).OwnerNode"), "NH-W2K3-SRV03");
    assert_eq!(ask(home, server, "(Get-ClusterResource 'IP Address*').Name"), "IP Address (192.0.2.50)");
    let stop = ask(home, server, "(Get-EventLog -LogName Application -InstanceId 105 -Newest 1).Message");
    assert!(stop.contains("Moving back to production data center"), "{stop}");
    assert_eq!(ledger(home, server).2, lost, "the scheduled return lost nothing");
    mail(home, server, 20);
    let copies =
        ask(home, server, "Get-StorageGroupCopyStatus | % { \"$($_.CCRTargetNode) $($_.SummaryCopyStatus)\" }");
    assert_eq!(copies, "NH-W2K3-SRV04 Healthy\nNH-W2K3-SRV04 Healthy");
    let scr = ask(
        home,
        server,
        "(Get-StorageGroupCopyStatus 'CCREX01\\First Storage Group' -StandbyMachine NH-W2K3-SRV01).SummaryCopyStatus",
    );
    assert!(scr == "Healthy" || scr == "Initializing", "SCR protects production again: {scr}");

    // Scheduled maintenance: lossless.
    mail(home, server, 10);
    runbook(home, server, "4-scheduled-ccr-maintenance.ps1");
    assert_eq!(ask(home, server, "(Get-ClusterGroup CCREX01).OwnerNode"), "NH-W2K3-SRV03");
    let (accepted, present, after_lost) = ledger(home, server);
    assert_eq!((after_lost, present), (lost, accepted - lost), "maintenance lost nothing");
}

#[test]
fn the_runbooks_run_end_to_end_on_the_embedded_lab() {
    site_failover_and_return(&Home::new(), None);
}

#[test]
fn the_runbooks_run_end_to_end_against_ccrd() {
    let (home, served) = (Home::new(), Home::new());
    let ccrd = Ccrd::start(&served.lab());
    let server = (ccrd.url.clone(), ccrd.admin_token());
    site_failover_and_return(&home, Some(&server));
}

#[test]
fn a_rehearsal_reports_each_step_and_the_difference_and_leaves_the_estate_untouched() {
    let home = Home::new();
    // The real estate is only read: its audit trail gains the export, and nothing else.
    let changes = "(Search-AdminAuditLog | Where-Object CmdletName -ne Export-Lab).Count; \
                   (Get-ClusterGroup CCREX01).OwnerNode";
    let before = ask(&home, None, changes);
    let path = format!("{RUNBOOKS}/1-enable-scr.ps1");
    let run = ccrsh(&home, None, &["-Rehearse", "-File", &path]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("Rehearsal on a copy of the estate"), "{}", run.stdout);
    assert!(run.stdout.contains("1. Succeeded Enable-StorageGroupCopy CCREX01\\First Storage Group"), "{}", run.stdout);
    // The new copy is Initializing, or already Healthy if a replication pass shipped it the
    // storage group's first log before the rehearsal compared.
    let added = "CCREX01\\First Storage Group SCR copy on NH-W2K3-SRV01: (none) -> ";
    assert!(
        run.stdout.contains(&format!("{added}Initializing")) || run.stdout.contains(&format!("{added}Healthy")),
        "{}",
        run.stdout
    );
    assert_eq!(ask(&home, None, changes), before);
    assert_eq!(ask(&home, None, "(Search-AdminAuditLog -Cmdlets Export-Lab).Count"), "1");
    assert_eq!(ask(&home, None, "(Get-StorageGroup 'CCREX01\\First Storage Group').StandbyMachines.Count"), "0");

    // Against a ccrd, and with a step that fails: the rehearsal shows it.
    let served = Home::new();
    let ccrd = Ccrd::start(&served.lab());
    let server = (ccrd.url.clone(), ccrd.admin_token());
    let run = ccrsh(
        &home,
        Some(&server),
        &[
            "-Rehearse",
            "-c",
            "Move-ClusteredMailboxServer CCREX01 -TargetMachine NH-W2K3-SRV01 -MoveComment x -Confirm:$false",
        ],
    );
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("1. Refused   Move-ClusteredMailboxServer CCREX01"), "{}", run.stdout);
    assert!(run.stdout.contains("What would differ:\n  (nothing)"), "{}", run.stdout);
    let recorded = ask(&home, Some(&server), "(Search-AdminAuditLog).CmdletName");
    assert_eq!(recorded, "Export-Lab", "the real ccrd recorded only the export");
}

#[test]
fn the_outage_drill_does_what_each_dial_allows_and_the_ledger_accounts_for_it() {
    for (dial, messages, mounts_by_itself) in
        [("Lossless", "8", false), ("GoodAvailability", "8", true), ("BestAvailability", "200", false)]
    {
        outage_drill(&Home::new(), None, dial, messages, mounts_by_itself);
    }
}

#[test]
fn the_drills_run_against_ccrd_too() {
    let served = Home::new();
    let ccrd = Ccrd::start(&served.lab());
    let server = (ccrd.url.clone(), ccrd.admin_token());
    outage_drill(&Home::new(), Some(&server), "BestAvailability", "200", false);
    let served = Home::new();
    let ccrd = Ccrd::start(&served.lab());
    damaged_logs(&Home::new(), Some(&(ccrd.url.clone(), ccrd.admin_token())));
}

/// Runbook 5 with `dial`; runbook 7 when the old active copy diverged.
fn outage_drill(home: &Home, server: Option<&(String, String)>, dial: &str, messages: &str, mounts_by_itself: bool) {
    {
        mail(home, server, 40);
        let path = format!("{RUNBOOKS}/5-unscheduled-outage-drill.ps1");
        let run = ccrsh(home, server, &["-File", &path, "-Dial", dial, "-UnshippedMessages", messages]);
        assert_eq!(run.code, 0, "{dial}: {}", run.stderr);
        let expected = if mounts_by_itself { "mounted" } else { "dismounted" };
        assert!(
            run.stdout.contains(&format!("Dial {dial}: after the failover the database is {expected}")),
            "{dial}: {}",
            run.stdout
        );
        assert_eq!(run.stdout.contains("Override: restored and mounted"), !mounts_by_itself, "{dial}: {}", run.stdout);
        let (accepted, present, lost) = ledger(home, server);
        assert_eq!(present + lost, accepted, "{dial}");
        assert_eq!(lost, 0, "{dial}: the dumpster resent everything the copy lacked (all within 18 MB)");
        // Fifteen 64 KB messages fill a 1 MB log: of the first 40, 30 shipped in two closed logs
        // and 10 sat in the open log; with the unshipped ones, exactly those were lost and resent.
        let unshipped: u64 = 10 + messages.parse::<u64>().unwrap_or(0);
        let resent = ask(home, server, "(Get-LabMailStatistics 'Mailbox Database').Resent");
        assert_eq!(resent, unshipped.to_string(), "{dial}");
        if !mounts_by_itself {
            let logs = unshipped.div_ceil(15);
            assert!(
                run.stderr.contains(&format!("{logs} log(s) are missing")),
                "{dial}: announced {logs}: {}",
                run.stderr
            );
        }
        assert!(ask(home, server, "(Search-AdminAuditLog -Cmdlets Set-MailboxServer).Outcome") == "Succeeded");
        // 200 messages are more logs than the old active kept out of its database: it diverged.
        let diverged = messages == "200";
        assert_eq!(run.stdout.contains("The copy on NH-W2K3-SRV03 is Failed"), diverged, "{dial}: {}", run.stdout);
        if diverged {
            let reseed = runbook(home, server, "7-reseed-diverged-copy.ps1");
            assert!(reseed.stdout.contains("is Healthy again"), "{}", reseed.stdout);
            mail(home, server, 10);
            assert_eq!(
                ask(home, server, "(Get-StorageGroupCopyStatus 'CCREX01\\First Storage Group').CopyQueueLength"),
                "0"
            );
        }
    }
}

#[test]
fn damaged_logs_are_recovered_by_moving_past_them_with_ignore_dismounted() {
    damaged_logs(&Home::new(), None);
}

/// Runbook 6 after a damaged log failed the copy.
fn damaged_logs(home: &Home, server: Option<&(String, String)>) {
    mail(home, server, 20);
    ask(
        home,
        server,
        "Suspend-StorageGroupCopy 'CCREX01\\First Storage Group'; Send-LabMail 'Mailbox Database' -Count 40 -SizeKB 64 | Out-Null",
    );
    ask(
        home,
        server,
        "Set-LabFault -Kind CorruptLog -Server NH-W2K3-SRV03 -StorageGroup 'CCREX01\\First Storage Group'; Resume-StorageGroupCopy 'CCREX01\\First Storage Group'; Wait-LabReplication",
    );
    let run = runbook(home, server, "6-recover-corrupt-logs.ps1");
    assert!(run.stdout.contains("failed inspection 3 times"), "{}", run.stdout);
    assert!(run.stdout.contains("runs on NH-W2K3-SRV04; its copy is Healthy"), "{}", run.stdout);
    assert_eq!(ask(home, server, "(Get-MailboxDatabase 'Mailbox Database' -Status).Mounted"), "True");
    assert_eq!(ask(home, server, "(Get-PublicFolderDatabase 'Public Folder Database' -Status).Mounted"), "True");
    let (accepted, present, lost) = ledger(home, server);
    assert_eq!(present + lost, accepted, "the damaged log's mail is accounted for");
    mail(home, server, 10);
    assert_eq!(
        ask(home, server, "(Get-StorageGroupCopyStatus 'CCREX01\\First Storage Group').SummaryCopyStatus"),
        "Healthy"
    );
}
