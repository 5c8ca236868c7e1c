//! The Windows side of the lab's computers as Exchange 2007 CCR/SCR scripts read it: services
//! (Get-Service, Test-ServiceHealth; Start-/Stop-/Restart-Service refuse and change nothing),
//! `[Console]` and `[System.Diagnostics.EventLog]` statics, and a drive the workstation does not
//! have. Each test names the page its behaviour comes from.

use crate::exchange::Lab;

// ---------------------------------------------------------------------------------------------
// Services.

/// Test-ServiceHealth (aa998852, Exchange 2007 SP1): per role, RequiredServicesRunning,
/// ServicesRunning, ServicesNotRunning; "Services Installed by Exchange Setup" (aa998342) names
/// the Mailbox role's required services. Servers piped in are each tested.
#[test]
fn test_service_health_reports_each_role_of_each_server() {
    let mut lab = Lab::new();
    let out = lab.ok(r#"$r = Test-ServiceHealth CCREX01
$r.Role; $r.RequiredServicesRunning; $r.ServicesRunning -join ','; $r.ServicesNotRunning.Count
(Get-ExchangeServer | Test-ServiceHealth | ForEach-Object Role | Sort-Object -Unique) -join ','
Enter-PSSession NH-W2K3-SRV04; (Test-ServiceHealth).Role; Exit-PSSession
$m = Test-ServiceHealth NH-W2K3-HUB01 -MonitoringContext $true
$m[0].ServicesRunning -join ','; $m[1].Events[0].EventIdentifier"#);
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "Mailbox Server Role",
            "True",
            "IISAdmin,MSExchangeADTopology,MSExchangeIS,MSExchangeMailboxAssistants,MSExchangeMailSubmission,\
             MSExchangeRepl,MSExchangeSA,MSExchangeSearch,MSExchangeServiceHost,MSExchangeTransportLogSearch,\
             MSFTESQL-Exchange",
            "0",
            "Hub Transport Server Role,Mailbox Server Role",
            "Mailbox Server Role",
            "MSExchangeADTopology,MSExchangeEdgeSync,MSExchangeTransport,MSExchangeTransportLogSearch",
            "1000",
        ],
        "{out}"
    );
    let shown = lab.ok("Test-ServiceHealth CCREX01");
    assert!(shown.contains("RequiredServicesRunning : True"), "a list, as Exchange shows it: {shown}");
}

/// What Exchange shows when the server is down: a stopped node's Service Control Manager cannot
/// be opened, nor can an offline clustered mailbox server's network name; the workstation has
/// no Exchange role (not found in the directory). Each is a non-terminating error.
#[test]
fn test_service_health_on_a_stopped_node_or_offline_cms_or_the_workstation_is_an_error() {
    let mut lab = Lab::new();
    let (out, err) =
        lab.run("Stop-LabNode NH-W2K3-SRV05 -Confirm:$false | Out-Null; Test-ServiceHealth NH-W2K3-SRV05; 'next'");
    assert_eq!(out.trim(), "next", "{out}{err}");
    assert!(err.contains("Cannot open Service Control Manager on computer 'NH-W2K3-SRV05'"), "{err}");
    assert!(err.contains("powered off"), "the hint says why: {err}");
    let (out, err) = lab.run(
        "Stop-ClusteredMailboxServer CCREX01 -StopReason 'test' -Confirm:$false | Out-Null\nTest-ServiceHealth CCREX01\n(Test-ServiceHealth NH-W2K3-SRV03).RequiredServicesRunning",
    );
    assert_eq!(out.trim(), "True", "the node keeps its services: {out}{err}");
    assert!(err.contains("Cannot open Service Control Manager on computer 'CCREX01'"), "{err}");
    assert!(err.contains("network name is offline"), "{err}");
    let (out, err) = lab.run("Test-ServiceHealth");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("could not be found on domain controller"), "{err}");
}

/// Get-Service (PowerShell 2.0: -Name/-DisplayName with wildcards, -ComputerName, names piped
/// in): the node's services, and in a node session the node's own. A node that lost quorum has
/// lost its Cluster service.
#[test]
fn get_service_lists_a_computers_services_as_the_estate_runs_them() {
    let mut lab = Lab::new();
    let out = lab.ok(
        r#"Get-Service MSExchangeIS, ClusSvc -ComputerName NH-W2K3-SRV03 | ForEach-Object { "$($_.Name) $($_.Status) $($_.MachineName)" }
(Get-Service -DisplayName 'Microsoft Exchange Rep*' -ComputerName nh-w2k3-srv04.contoso.local).Name
'MSExchangeSA' | Get-Service -ComputerName CCREX01 | ForEach-Object DisplayName
Invoke-Command -ComputerName NH-W2K3-SRV01 { (Get-Service ClusSvc).Status -eq 'Running' }
(Get-Service MSExchange* -ComputerName NH-W2K3-HUB02 -Exclude *LogSearch | ForEach-Object Name) -join ','
(Get-Service | Where-Object Name -like 'MSExchange*').Count"#,
    );
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "ClusSvc Running NH-W2K3-SRV03",
            "MSExchangeIS Running NH-W2K3-SRV03",
            "MSExchangeRepl",
            "Microsoft Exchange System Attendant",
            "True",
            "MSExchangeADTopology,MSExchangeEdgeSync,MSExchangeMonitoring,MSExchangeTransport",
            "0",
        ],
        "{out}"
    );
    let table = lab.ok("Get-Service MSExchangeRepl -ComputerName NH-W2K3-SRV04");
    assert!(table.contains("Status") && table.contains("Running  MSExchangeRepl"), "{table}");
    // Cut SRV04 off from its peer and its witness: no quorum, no Cluster service.
    lab.run("Set-LabNetwork -Between NH-W2K3-SRV04,NH-W2K3-FSW01 -State Down | Out-Null; Set-LabNetwork -Between NH-W2K3-SRV04,NH-W2K3-SRV03 -State Down | Out-Null");
    let out = lab.ok("(Get-Service ClusSvc -ComputerName NH-W2K3-SRV04).Status; (Get-Service MSExchangeRepl -ComputerName NH-W2K3-SRV04).Status");
    assert_eq!(out.lines().collect::<Vec<_>>(), ["Stopped", "Running"], "{out}");
}

/// Get-Service's errors are PowerShell 2.0's: an unknown name, an unreachable computer.
#[test]
fn get_service_errors_are_powershells() {
    let mut lab = Lab::new();
    let (out, err) =
        lab.run("Get-Service NoSuchService -ComputerName NH-W2K3-SRV03; Get-Service -ComputerName EX99; 'after'");
    assert_eq!(out.trim(), "after", "{out}");
    assert!(err.contains("Cannot find any service with service name 'NoSuchService'."), "{err}");
    assert!(err.contains("Cannot open Service Control Manager on computer 'EX99'."), "{err}");
    let out = lab.ok(
        "try { Get-Service Nope -ErrorAction Stop } catch { $_.FullyQualifiedErrorId; $_.Exception.GetType().FullName }",
    );
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.GetServiceCommand",
            "Microsoft.PowerShell.Commands.ServiceCommandException"
        ],
        "{out}"
    );
}

/// Start-/Stop-/Restart-Service: what is already so is left alone (as Windows does); a real
/// start or stop is refused with the Exchange operation to run, after -WhatIf's line, and
/// changes nothing in the estate.
#[test]
fn service_control_refuses_with_what_to_run_and_changes_nothing() {
    let mut lab = Lab::new();
    let before = lab.ok("Get-ClusteredMailboxServerStatus | Format-List *; Get-StorageGroupCopyStatus | Format-List *");
    let out = lab.ok("(Get-Service MSExchangeIS -ComputerName NH-W2K3-SRV03 | Start-Service -PassThru).Status\n\
         Get-Service MSExchangeRepl -ComputerName NH-W2K3-SRV04 | Stop-Service -WhatIf");
    assert!(out.starts_with("Running\n"), "{out}");
    assert!(
        out.contains(r#"What if: Performing the operation "Stop-Service" on target "Microsoft Exchange Replication Service (MSExchangeRepl)"."#),
        "{out}"
    );
    for (command, words) in [
        ("Get-Service MSExchangeIS -ComputerName NH-W2K3-SRV03 | Stop-Service", "Stop-ClusteredMailboxServer"),
        ("Get-Service MSExchangeRepl -ComputerName NH-W2K3-SRV04 | Restart-Service", "Suspend-StorageGroupCopy"),
        (
            "Enter-PSSession NH-W2K3-SRV03; try { Stop-Service ClusSvc -Force } finally { Exit-PSSession }",
            "Stop-LabNode",
        ),
        ("Get-Service MSExchangeMonitoring -ComputerName NH-W2K3-SRV03 | Start-Service", "Run the Exchange operation"),
    ] {
        let (out, err) = lab.run(command);
        assert!(out.is_empty(), "{command}: {out}");
        assert!(
            err.contains("cannot be stopped due to the following error") || err.contains("cannot be started"),
            "{command}: {err}"
        );
        assert!(err.contains(words) && err.contains("nothing was changed"), "{command}: {err}");
    }
    let out = lab.ok("(Get-Service MSExchangeIS, MSExchangeRepl, ClusSvc -ComputerName NH-W2K3-SRV03 | Where-Object Status -eq Running).Count");
    assert_eq!(out.trim(), "3");
    let after = lab.ok("Get-ClusteredMailboxServerStatus | Format-List *; Get-StorageGroupCopyStatus | Format-List *");
    let steady = |text: &str| text.lines().filter(|l| !l.contains("Time")).collect::<Vec<_>>().join("\n");
    assert_eq!(steady(&after), steady(&before));
}

// ---------------------------------------------------------------------------------------------
// .NET statics scripts call.

/// `[Console]::WriteLine` writes to the console (the host), not to the pipeline, with .NET's
/// composite formatting; a bad format is wrapped as PowerShell wraps a method's exception.
#[test]
fn console_writes_go_to_the_host_not_the_pipeline() {
    let mut lab = Lab::new();
    let out = lab.ok(r#"$x = [Console]::WriteLine('Checking {0} of {1}', 1, 2)
[System.Console]::Write('no newline ')
[Console]::WriteLine()
"captured: $($null -eq $x)""#);
    assert_eq!(out, "Checking 1 of 2\nno newline \ncaptured: True\n");
    let (_, err) = lab.run("[Console]::WriteLine('{0', 1)");
    assert!(
        err.contains(
            r#"Exception calling "WriteLine" with "2" argument(s): "Input string was not in a correct format.""#
        ),
        "{err}"
    );
}

/// A .NET exception thrown inside a method is wrapped as PowerShell wraps it
/// (MethodInvocationException: `Exception calling "Name" with "N" argument(s): "inner"`), and
/// `catch [InnerType]` still catches it; PowerShell's own errors are not wrapped.
#[test]
fn method_exceptions_are_wrapped_as_powershell_wraps_them() {
    let mut lab = Lab::new();
    let out = lab.ok(r#"try { [string]::Format('{0}{1', 1) } catch { $_.Exception.Message }
try { [timespan]::FromSeconds(1e300) } catch { $_.Exception.Message }
try { [string]::Format('{0') } catch [System.FormatException] { 'caught by the inner type' }
try { [string]::NoSuchMethod() } catch { $_.Exception.Message }"#);
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            r#"Exception calling "Format" with "2" argument(s): "Input string was not in a correct format.""#,
            r#"Exception calling "FromSeconds" with "1" argument(s): "TimeSpan overflowed because the duration is too long.""#,
            "caught by the inner type",
            "Method invocation failed because [System.String] does not contain a method named 'NoSuchMethod'.",
        ],
        "{out}"
    );
}

/// `[System.Diagnostics.EventLog]::SourceExists` (MSDN EventLog.SourceExists): Exchange's
/// sources on a node, a script's own once it has written; CreateEventSource refuses one that
/// exists, wrapped as PowerShell wraps a method's exception.
#[test]
fn event_log_sources_are_known_per_computer() {
    let mut lab = Lab::new();
    let out = lab.ok(r#"[System.Diagnostics.EventLog]::SourceExists('MSExchangeRepl')
[System.Diagnostics.EventLog]::SourceExists('MSExchangeRepl', 'NH-W2K3-SRV03')
Enter-PSSession NH-W2K3-SRV03
[System.Diagnostics.EventLog]::SourceExists('CCRHealthCheck')
[System.Diagnostics.EventLog]::CreateEventSource('CCRHealthCheck', 'Application')
[System.Diagnostics.EventLog]::WriteEntry('CCRHealthCheck', 'checked', 'Information', 100)
[System.Diagnostics.EventLog]::SourceExists('CCRHealthCheck')
Exit-PSSession"#);
    assert_eq!(out.lines().collect::<Vec<_>>(), ["False", "True", "False", "True"], "{out}");
    let (_, err) =
        lab.run("[System.Diagnostics.EventLog]::CreateEventSource('MSExchangeIS', 'Application', 'NH-W2K3-SRV04')");
    assert!(
        err.contains(r#"Exception calling "CreateEventSource" with "3" argument(s): "Source MSExchangeIS already exists on the computer 'NH-W2K3-SRV04'.""#),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// Drives.

/// PowerShell on a computer without the drive: `Cannot find drive. A drive with the name 'C'
/// does not exist.` (DriveNotFoundException), for reads, locations and writes alike; nothing is
/// written on the workstation.
#[test]
fn a_drive_the_workstation_lacks_is_drive_not_found() {
    let mut lab = Lab::new();
    for command in [
        r"Get-ChildItem C:\",
        r"Get-Item 'C:\Program Files'",
        r"Get-Content C:\boot.ini",
        r"Set-Location D:\Logs",
        r"'report' | Out-File C:\report.txt",
        r"Set-Content C:\report.txt 'x'",
    ] {
        let (out, err) = lab.run(command);
        assert!(out.is_empty(), "{command}: {out}");
        assert!(err.contains("Cannot find drive. A drive with the name '"), "{command}: {err}");
        assert!(!err.contains("/C:"), "{command}: {err}");
    }
    let out = lab.ok(
        r"try { Get-ChildItem C:\ -ErrorAction Stop } catch { $_.FullyQualifiedErrorId; $_.Exception.GetType().Name }
Test-Path C:\Windows",
    );
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        ["DriveNotFound,Microsoft.PowerShell.Commands.GetChildItemCommand", "DriveNotFoundException", "False"],
        "{out}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(".")
        .expect("cwd")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("C:"))
        .collect();
    assert!(leftovers.is_empty(), "nothing written under the working directory: {leftovers:?}");
}

// ---------------------------------------------------------------------------------------------
// eseutil on a copy's files, and the node's folders as a location.

/// `eseutil /mh` (Exchange 2007 "Eseutil /MH Header File Dump Mode", aa996402): State and
/// Log Required of a copy's database. The passive copy is held in replay (Dirty Shutdown); the
/// mounted active database is locked by the Information Store (Jet error -1032); dismounted and
/// replayed, it is Clean Shutdown with Log Required 0-0.
#[test]
fn eseutil_reads_the_database_header_of_each_copy() {
    let mut lab = Lab::new();
    lab.ok("Send-LabMail -Database 'Mailbox Database' -Count 40 -SizeKB 64 | Out-Null; Wait-LabReplication | Out-Null");
    let out = lab.ok(r#"$db = Get-MailboxDatabase 'Mailbox Database'
Enter-PSSession NH-W2K3-SRV04
$h = eseutil /mh $db.EdbFilePath
"exit $LASTEXITCODE"
($h | Select-String 'State:').Line.Trim()
($h | Select-String 'Log Required:').Line.Trim()
Exit-PSSession
$copy = Get-StorageGroupCopyStatus 'CCREX01\First Storage Group'
"replayed $($copy.LastLogReplayed)""#);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[..2], ["exit 0", "State: Dirty Shutdown"], "{out}");
    let replayed: u64 = lines[3].trim_start_matches("replayed ").parse().expect("a generation");
    assert_eq!(lines[2], format!("Log Required: {replayed}-{replayed} (0x{replayed:x}-0x{replayed:x})"), "{out}");

    let share = r"\\NH-W2K3-SRV03\c$\Program Files\Microsoft\Exchange Server\Mailbox\First Storage Group";
    let out = lab.ok(&format!("$h = eseutil /mh '{share}\\Mailbox Database.edb'; \"exit $LASTEXITCODE\"; $h[-2]"));
    assert!(out.starts_with("exit -1032\nOperation terminated with error -1032 (JET_errFileAccessDenied"), "{out}");

    lab.ok("Dismount-Database 'Mailbox Database' -Confirm:$false; Wait-LabReplication | Out-Null");
    let out = lab.ok(&format!(
        "$h = eseutil /mh '{share}\\Mailbox Database.edb'; \"exit $LASTEXITCODE\"; $h -match 'State:|Log Required:' | ForEach-Object {{ $_.Trim() }}"
    ));
    assert_eq!(out.lines().collect::<Vec<_>>(), ["exit 0", "State: Clean Shutdown", "Log Required: 0-0 (0x0-0x0)"]);
    let (out, _) = lab.run(r"$h = eseutil /mh '\\NH-W2K3-SRV03\c$\Program Files\nothing.edb'; $LASTEXITCODE");
    assert!(out.trim_end().ends_with("-1811"), "{out}");
}

/// `eseutil /ml` checks logs: with a base name every log of the folder (after Set-Location into
/// it, in a node session), or one file; a damaged log is found (-501). Modes that change a
/// database are not modelled: refused, nothing changed.
#[test]
fn eseutil_checks_logs_and_refuses_what_is_not_modelled() {
    let mut lab = Lab::new();
    lab.ok("Send-LabMail -Database 'Mailbox Database' -Count 40 -SizeKB 64 | Out-Null");
    let out = lab.ok(r#"Enter-PSSession NH-W2K3-SRV03
Set-Location (Get-StorageGroup 'CCREX01\First Storage Group').LogFolderPath
(Get-Location).Path
$r = eseutil /ml E00
"exit $LASTEXITCODE"
($r | Where-Object { $_ -like '*Log file:*' }).Count -eq (Get-ChildItem E00*.log).Count
$r -contains 'No damaged log files were found.'
(Get-Content E00.chk).Count
Exit-PSSession"#);
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [r"C:\Program Files\Microsoft\Exchange Server\Mailbox\First Storage Group", "exit 0", "True", "True", "1"],
        "{out}"
    );
    let chk = std::fs::read_to_string(lab._dir.path().join("nodes/NH-W2K3-SRV03/CCREX01/First Storage Group/E00.chk"))
        .expect("checkpoint");
    let share = r"\\NH-W2K3-SRV03\c$\Program Files\Microsoft\Exchange Server\Mailbox\First Storage Group";
    assert_eq!(lab.ok(&format!("Get-Content '{share}\\E00.chk'")), chk, "Get-Content reads the node's file");

    lab.ok("Set-LabFault -Kind CorruptLog -Server NH-W2K3-SRV03 -StorageGroup 'CCREX01\\First Storage Group' -Confirm:$false");
    let out = lab.ok(&format!("$r = eseutil /ml '{share}\\E00'; \"exit $LASTEXITCODE\"; ($r -like '*DAMAGED').Count"));
    assert_eq!(out.lines().collect::<Vec<_>>(), ["exit -501", "1"], "{out}");

    let before = crate::exchange::copy_files_on_disk(&lab, "NH-W2K3-SRV04", "");
    let (out, err) = lab.run(&format!(
        "Enter-PSSession NH-W2K3-SRV04; try {{ eseutil /r E00 /l '{share}' /d '{share}' }} finally {{ Exit-PSSession }}; $LASTEXITCODE"
    ));
    assert_eq!(out.trim(), "1", "{out}{err}");
    assert!(
        err.contains("eseutil /r is not modelled by the lab; nothing was run or changed.")
            && err.contains("Mount-Database"),
        "{err}"
    );
    assert_eq!(crate::exchange::copy_files_on_disk(&lab, "NH-W2K3-SRV04", ""), before);
    let (_, err) =
        lab.run(r"Enter-PSSession NH-W2K3-SRV04; try { Set-Location 'C:\Windows' } finally { Exit-PSSession }");
    assert!(err.contains(r"Cannot find path 'C:\Windows' because it does not exist."), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Test-Connection and ping against the lab's computers.

/// Test-Connection (PowerShell 2.0: Win32_PingStatus, -Quiet) and Windows' ping: lab computers
/// that are up reply; a powered-off node times out ("Error due to lack of resources", PowerShell
/// 2.0's text); an unknown name is not found. Nothing goes to the network.
#[test]
fn echo_requests_are_answered_from_the_lab_state() {
    let mut lab = Lab::new();
    let out = lab.ok(
        r#"Test-Connection NH-W2K3-SRV03, CCREX01, NH-W2K3-HUB01 -Count 1 | ForEach-Object { "$($_.Destination) $($_.IPV4Address)" }
Test-Connection NH-W2K3-SRV04 -Quiet
Test-Connection 192.0.2.4 -Quiet
(New-Object Net.NetworkInformation.Ping).Send('CCREX01').Address
(Test-Connection NH-W2K3-DC01 -Count 2).Count
$p = ping -n 2 NH-W2K3-SRV01; "exit $LASTEXITCODE"; $p[1]; $p[3]"#,
    );
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "NH-W2K3-SRV03 192.0.2.3",
            "CCREX01 192.0.2.50",
            "NH-W2K3-HUB01 192.0.2.20",
            "True",
            "True",
            "192.0.2.50",
            "2",
            "exit 0",
            "Pinging NH-W2K3-SRV01 [198.51.100.1] with 32 bytes of data:",
            "Reply from 198.51.100.1: bytes=32 time<1ms TTL=128",
        ],
        "{out}"
    );
    let (out, err) = lab.run(
        "Stop-LabNode NH-W2K3-SRV05 -Confirm:$false | Out-Null; Test-Connection NH-W2K3-SRV05 -Count 1; Test-Connection NH-W2K3-SRV05 -Quiet; Test-Connection EX99 -Count 1; $p = ping NH-W2K3-SRV05; \"exit $LASTEXITCODE\"; $p[3]; ping nowhere; \"exit $LASTEXITCODE\"",
    );
    assert_eq!(
        out.lines().filter(|l| !l.trim().is_empty()).collect::<Vec<_>>(),
        [
            "False",
            "exit 1",
            "Request timed out.",
            "Ping request could not find host nowhere. Please check the name and try again.",
            "exit 1"
        ],
        "{out}{err}"
    );
    assert!(
        err.contains("Testing connection to computer 'NH-W2K3-SRV05' failed: Error due to lack of resources"),
        "{err}"
    );
    assert!(err.contains("Testing connection to computer 'EX99' failed: No such host is known"), "{err}");
}

/// Get-MailboxStatistics (Exchange 2007, bb124612): -Database "accepts pipeline input from
/// Get-MailboxDatabase", -Server "from Get-ExchangeServer and Get-MailboxServer", -Identity from
/// Get-Mailbox: each object binds by its type.
#[test]
fn mailbox_statistics_take_databases_servers_and_mailboxes_from_the_pipeline() {
    let mut lab = Lab::new();
    let out = lab.ok(r#"(Get-MailboxDatabase | Get-MailboxStatistics | Measure-Object).Count
(Get-MailboxServer CCREX01 | Get-MailboxStatistics | Measure-Object).Count
(Get-ExchangeServer CCREX01 | Get-MailboxStatistics | Measure-Object).Count
(Get-Mailbox 'Kim Akers' | Get-MailboxStatistics).DisplayName
('Jeff Hay' | Get-MailboxStatistics).DisplayName
(Get-MailboxStatistics -Database 'Mailbox Database' | Measure-Object).Count"#);
    assert_eq!(out.lines().collect::<Vec<_>>(), ["5", "5", "5", "Kim Akers", "Jeff Hay", "5"], "{out}");
}
