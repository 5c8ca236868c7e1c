//! Issue 11: an Exchange 2007 SP1 administrator's own scripts run unchanged. Each test names the
//! documentation page (or published transcript) its behaviour comes from, and runs commands as
//! a script would, in-process on a fresh embedded seed lab.

use ccrsh::service::embedded;
use ccrsh::service::lab::TopologySource;
use ccrsh::shell::client::Client;
use ccrsh::shell::session::SourceName;

use crate::support::captured_session;

/// A fresh seed lab and a session on it that cannot prompt (as under -NonInteractive).
pub(crate) struct Lab {
    pub(crate) _dir: tempfile::TempDir,
    _service: embedded::Embedded,
    session: ccrsh::shell::session::Session,
    out: crate::support::Captured,
    err: crate::support::Captured,
}

impl Lab {
    pub(crate) fn new() -> Lab {
        Lab::answering(None)
    }

    /// A lab whose prompts are answered from `answers` (`None`: no prompts possible).
    fn answering(answers: Option<&str>) -> Lab {
        let dir = tempfile::tempdir().expect("temp dir");
        let service = crate::support::embedded_start(dir.path(), &TopologySource::Seed).expect("embedded service");
        let client = Client::new(&service.url, Some(service.admin_token.clone())).expect("client");
        let (session, out, err) = captured_session(client, answers);
        Lab { _dir: dir, _service: service, session, out, err }
    }

    /// Runs `text`; returns what it printed to standard output and to standard error since the
    /// last run.
    pub(crate) fn run(&mut self, text: &str) -> (String, String) {
        let (out_before, err_before) = (self.out.text().len(), self.err.text().len());
        self.session.run(text, &SourceName::Command);
        (self.out.text()[out_before..].to_string(), self.err.text()[err_before..].to_string())
    }

    /// Runs `text` and returns its output, failing the test on any error.
    pub(crate) fn ok(&mut self, text: &str) -> String {
        let (out, err) = self.run(text);
        assert!(err.is_empty(), "`{text}` failed:\n{err}");
        out
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Objects bind to identity parameters; "$obj" and ToString() give the identity.

/// Exchange 2007 identity parameters accept the objects Get- cmdlets return ("Identity" of the
/// Get-ClusteredMailboxServerStatus page aa998632 takes a ServerIdParameter, which an object of
/// the server converts to); published scripts pass `$m` and `$sg` straight on.
#[test]
fn objects_bind_to_identity_parameters_and_stringify_to_their_identity() {
    let mut lab = Lab::new();
    let out = lab.ok(r#"$m = Get-MailboxServer CCREX01
"$m"; $m.ToString()
(Get-ClusteredMailboxServerStatus -Identity $m).State
(Get-StorageGroupCopyStatus -Server $m | Measure-Object).Count
$sg = Get-StorageGroup 'CCREX01\First Storage Group'
"$sg"
(Get-MailboxDatabase -StorageGroup $sg).Name
$db = Get-MailboxDatabase
"$db"
(Get-StorageGroupCopyStatus $sg).SummaryCopyStatus
$m | Get-ClusteredMailboxServerStatus | ForEach-Object { $_.ClusteredMailboxServerName }
'CCREX01' | Get-MailboxServer | ForEach-Object Name
"$(Get-StorageGroupCopyStatus 'CCREX01\Second Storage Group')""#);
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "CCREX01",
            "CCREX01",
            "Online",
            "2",
            "CCREX01\\First Storage Group",
            "Mailbox Database",
            "CCREX01\\First Storage Group\\Mailbox Database",
            "Healthy",
            "CCREX01.contoso.local",
            "CCREX01",
            "CCREX01\\Second Storage Group",
        ]
    );
    // A change takes the object too.
    lab.ok("$sg = Get-StorageGroup 'CCREX01\\First Storage Group'; Suspend-StorageGroupCopy -Identity $sg -SuspendComment x");
    assert_eq!(lab.ok("(Get-StorageGroupCopyStatus $sg).SummaryCopyStatus").trim(), "Suspended");
}

/// Exchange 2007's tasks bind a piped object to the parameter its type fits ("Pipelining",
/// aa998260: dissimilar nouns pass objects on; Get-MailboxStatistics' page bb124612 names the
/// types each parameter takes): a database piped into Get-Mailbox is -Database, a server into
/// Get-StorageGroup is -Server, a storage group into Get-MailboxDatabase is -StorageGroup. A
/// name piped in is still the identity; an explicit parameter wins over the piped object.
#[test]
fn piped_exchange_objects_bind_by_their_type() {
    let mut lab = Lab::new();
    let out = lab.ok(r#"(Get-MailboxDatabase | Get-Mailbox | Measure-Object).Count
(Get-MailboxServer | Get-StorageGroup | Measure-Object).Count
(Get-ExchangeServer CCREX01 | Get-StorageGroup | ForEach-Object Name) -join ','
(Get-StorageGroup 'CCREX01\First Storage Group' | Get-MailboxDatabase).Name
(Get-StorageGroup | Get-PublicFolderDatabase).Name
(Get-MailboxServer | Get-MailboxDatabase).Name
(Get-MailboxServer | Get-StorageGroupCopyStatus | Measure-Object).Count
(Get-StorageGroup | Get-StorageGroupCopyStatus | ForEach-Object SummaryCopyStatus) -join ','
(Get-MailboxServer | Get-Mailbox | Measure-Object).Count
(Get-MailboxDatabase | Get-MailboxStatistics | Measure-Object).Count
('CCREX01\Second Storage Group' | Get-StorageGroup).Name
(Get-StorageGroup 'CCREX01\Second Storage Group').Name"#);
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "5",
            "2",
            "First Storage Group,Second Storage Group",
            "Mailbox Database",
            "Public Folder Database",
            "Mailbox Database",
            "2",
            "Healthy,Healthy",
            "5",
            "5",
            "Second Storage Group",
            "Second Storage Group",
        ],
        "{out}"
    );
    // An object no parameter takes is still an error naming the object.
    let (_, err) = lab.run("Get-MailboxDatabase | Get-StorageGroup");
    assert!(err.contains("Mailbox Database"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// 4. Identity forms.

/// StorageGroupIdParameter takes "GUID" or "Name of the storage group" (aa997246); published
/// scripts use `Get-StorageGroupCopyStatus -Identity $CMSName\*`; transcripts pass standby
/// machines as FQDNs (`-StandbyMachine ex2.companyabc.local`); DNs are an ADIdParameter form.
/// Issue 11.2: Exchange's value types. Sources: ByteQuantifiedSize's ToMB()/ToBytes() and
/// `.Value.ToMB()` on Get-MailboxStatistics' TotalItemSize as published scripts use them;
/// Set-TransportConfig's -MaxDumpsterSizePerStorageGroup takes a ByteQuantifiedSize
/// (https://learn.microsoft.com/en-us/previous-versions/office/exchange-server-2007/bb124151(v=exchg.80));
/// EdbFilePath's PathName; Get-StorageGroupCopyStatus' SummaryCopyStatus an enumeration
/// (aa997246).
#[test]
fn exchange_values_are_typed_as_exchange_types_them() {
    let mut lab = Lab::new();
    let out = lab.ok(r#"Set-TransportConfig -MaxDumpsterSizePerStorageGroup '30 MB'
$c = Get-TransportConfig
"$($c.MaxDumpsterSizePerStorageGroup) $($c.MaxDumpsterSizePerStorageGroup.ToMB()) $($c.MaxDumpsterSizePerStorageGroup.ToBytes())"
$c.MaxDumpsterSizePerStorageGroup.GetType().FullName
$c.MaxDumpsterSizePerStorageGroup -gt '18MB'
Set-TransportConfig -MaxDumpsterSizePerStorageGroup $c.MaxDumpsterSizePerStorageGroup -MaxDumpsterTime $c.MaxDumpsterTime
"$($c.MaxDumpsterTime) $($c.MaxDumpsterTime.TotalDays) $($c.MaxDumpsterTime.GetType().Name)"
$db = Get-MailboxDatabase 'Mailbox Database'
$db.EdbFilePath.PathName
$db.EdbFilePath -is [Microsoft.Exchange.Data.EdbFilePath]
"$($db.Server.Name) $($db.Server.GetType().FullName)"
$db.StorageGroup.DistinguishedName.StartsWith('CN=First Storage Group,CN=InformationStore,CN=CCREX01,CN=Servers,')
"$($db.ProhibitSendQuota) $($db.ProhibitSendQuota.IsUnlimited) $($db.ProhibitSendQuota.Value.ToMB())"
$m = Get-MailboxServer CCREX01
"$($m.ForcedDatabaseMountAfter) $($m.ForcedDatabaseMountAfter.IsUnlimited)"
$m.AutoDatabaseMountDial -eq 'bestavailability'
$m.AutoDatabaseMountDial.GetType().FullName
(Get-ExchangeServer CCREX01).AdminDisplayVersion.Major
(Get-StorageGroupCopyStatus | Where-Object { $_.SummaryCopyStatus -eq 'Healthy' } | Measure-Object).Count
Send-LabMail -Database 'Mailbox Database' -Count 5 -SizeKB 64 | Out-Null
Get-MailboxStatistics | Measure-Object -Property { $_.TotalItemSize.Value.ToKB() } -Sum | ForEach-Object Sum
(Get-Mailbox | Select-Object -First 1).ProhibitSendQuota
"#);
    let lines: Vec<&str> = out.lines().map(str::trim_end).filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[..17],
        [
            "30MB 30 31457280",
            "Microsoft.Exchange.Data.ByteQuantifiedSize",
            "True",
            "7.00:00:00 7 EnhancedTimeSpan",
            r"C:\Program Files\Microsoft\Exchange Server\Mailbox\First Storage Group\Mailbox Database.edb",
            "True",
            "CCREX01 Microsoft.Exchange.Data.Directory.ADObjectId",
            "True",
            "2GB False 2048",
            "Unlimited True",
            "True",
            "Microsoft.Exchange.Data.Directory.SystemConfiguration.AutoDatabaseMountDial",
            "8",
            "2",
            "320",
            "IsUnlimited Value",
            "----------- -----",
        ],
        "{out}"
    );
    assert_eq!(lines[17].split_whitespace().collect::<Vec<_>>(), ["True"], "{out}");
    // A size Exchange would not read is refused and changes nothing.
    let (_, err) = lab.run("Set-TransportConfig -MaxDumpsterSizePerStorageGroup '30 XB'");
    assert!(
        err.contains("Cannot convert value \"30 XB\" to type \"Microsoft.Exchange.Data.ByteQuantifiedSize\""),
        "{err}"
    );
    assert_eq!(lab.ok("(Get-TransportConfig).MaxDumpsterSizePerStorageGroup").trim(), "30MB");
    // Get-Member names the Exchange type and each property's type.
    let members = lab.ok("Get-MailboxDatabase | Get-Member -Name EdbFilePath,Server");
    assert!(
        members.contains("TypeName: Microsoft.Exchange.Data.Directory.SystemConfiguration.MailboxDatabase"),
        "{members}"
    );
    assert!(members.contains("Microsoft.Exchange.Data.EdbFilePath EdbFilePath {get;set;}"), "{members}");
    assert!(members.contains("Microsoft.Exchange.Data.Directory.ADObjectId Server {get;set;}"), "{members}");
}

/// Issue 11.14: Get-WmiObject Win32_LogicalDisk / Win32_Volume on the lab's computers (the
/// syntax and the RPC error of Windows PowerShell 1.0/2.0's Get-WmiObject; the classes'
/// properties from their WMI class pages). FreeSpace is the real file system's that holds the
/// node's files: mail sent makes the node's LabBytes grow.
#[test]
fn wmi_reports_each_node_disk_from_its_real_files() {
    let mut lab = Lab::new();
    let before = lab.ok("(Get-WmiObject Win32_LogicalDisk -ComputerName NH-W2K3-SRV03).LabBytes");
    lab.ok("Send-LabMail -Database 'Mailbox Database' -Count 20 -SizeKB 64 | Out-Null");
    let out = lab.ok(
        r#"$d = Get-WmiObject Win32_LogicalDisk -ComputerName NH-W2K3-SRV03,nh-w2k3-srv04.contoso.local -Filter "DriveType=3 AND DeviceID='C:'"
$d | ForEach-Object { "$($_.__SERVER) $($_.DeviceID) $($_.FreeSpace -gt 0) $($_.Size -ge $_.FreeSpace)" }
(Get-WmiObject Win32_LogicalDisk -ComputerName NH-W2K3-SRV03).LabBytes
(gwmi Win32_Volume -ComputerName NH-W2K3-SRV05).Name
(Get-WmiObject Win32_LogicalDisk -Filter "DriveType <> 3" -ComputerName NH-W2K3-SRV03 | Measure-Object).Count
Enter-PSSession NH-W2K3-SRV04
(Get-WmiObject Win32_LogicalDisk).SystemName"#,
    );
    let lines: Vec<&str> = out.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], "NH-W2K3-SRV03 C: True True", "{out}");
    assert_eq!(lines[1], "NH-W2K3-SRV04 C: True True", "{out}");
    let grown: i64 = lines[2].parse().expect("a number");
    assert!(grown >= before.trim().parse::<i64>().expect("a number") + 20 * 64 * 1024, "{out}");
    assert_eq!(lines[3..], [r"C:\", "0", "NH-W2K3-SRV04"], "{out}");
    // A clustered mailbox server's name reaches the node it runs on, while it is online.
    let cms = "(Get-WmiObject Win32_LogicalDisk -ComputerName CCREX01.contoso.local).SystemName";
    assert_eq!(lab.ok(cms).trim(), "NH-W2K3-SRV03");
    lab.ok("Stop-ClusteredMailboxServer CCREX01 -StopReason 'disk check' -Confirm:$false");
    let (out, err) = lab.run(cms);
    assert!(out.trim().is_empty() && err.contains("The RPC server is unavailable."), "{out}{err}");
    lab.ok("Start-ClusteredMailboxServer CCREX01 -Confirm:$false");
    // A powered-off node does not answer; an unknown class or a bad filter is refused.
    lab.ok("Stop-LabNode NH-W2K3-SRV05 -Confirm:$false | Out-Null");
    let (out, err) = lab.run("Get-WmiObject Win32_LogicalDisk -ComputerName NH-W2K3-SRV05");
    assert!(out.trim().is_empty() && err.contains("The RPC server is unavailable."), "{out}{err}");
    let (_, err) = lab.run("Get-WmiObject Win32_Processor");
    assert!(err.contains("Invalid class \"Win32_Processor\""), "{err}");
    let (_, err) = lab.run("Get-WmiObject Win32_LogicalDisk -Filter 'DriveType'");
    assert!(err.contains("Invalid query"), "{err}");
}

/// Win32_Service shows a node's services as Get-Service does (the same estate decides them),
/// and Win32_PingStatus, PowerShell 1.0's ping, answers for the address its filter names:
/// 0 from a running node, 11010 (timed out) from a powered-off one, and no status with
/// PrimaryAddressResolutionStatus 11001 for a name the lab does not have.
#[test]
fn wmi_lists_services_and_pings_lab_computers() {
    let mut lab = Lab::new();
    let out =
        lab.ok(r#"$s = Get-WmiObject -Class Win32_Service -ComputerName NH-W2K3-SRV03 -Filter "Name='MSExchangeRepl'"
"$($s.Name) $($s.State) $($s.Started) $($s.StartMode) $($s.__SERVER)"
$all = Get-WmiObject Win32_Service -ComputerName NH-W2K3-SRV04
$svc = Get-Service -ComputerName NH-W2K3-SRV04
($all | Measure-Object).Count -eq ($svc | Measure-Object).Count
(Get-WmiObject Win32_PingStatus -Filter "Address='NH-W2K3-SRV04'").StatusCode"#);
    let lines: Vec<&str> = out.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    assert_eq!(lines, ["MSExchangeRepl Running True Auto NH-W2K3-SRV03", "True", "0"], "{out}");
    lab.ok("Stop-LabNode NH-W2K3-SRV05 -Confirm:$false | Out-Null");
    let out = lab.ok(r#"(Get-WmiObject Win32_PingStatus -Filter "Address='NH-W2K3-SRV05'").StatusCode
$p = Get-WmiObject Win32_PingStatus -Filter "Address='NOSUCHHOST'"
"[$($p.StatusCode)] $($p.PrimaryAddressResolutionStatus)""#);
    assert_eq!(out.lines().map(str::trim).collect::<Vec<_>>(), ["11010", "[] 11001"], "{out}");
    let (out, err) = lab.run("Get-WmiObject Win32_Service -ComputerName NH-W2K3-SRV05");
    assert!(out.trim().is_empty() && err.contains("The RPC server is unavailable."), "{out}{err}");
    let (_, err) = lab.run("Get-WmiObject Win32_PingStatus");
    assert!(err.contains("Invalid query") && err.contains("Address="), "{err}");
}

#[test]
fn wildcards_fqdns_guids_and_distinguished_names_name_objects() {
    let mut lab = Lab::new();
    let out = lab.ok(r#"(Get-StorageGroupCopyStatus -Identity CCREX01\* | Measure-Object).Count
(Get-StorageGroup *Storage* | Measure-Object).Count
(Get-MailboxServer NH-W2K3-SRV0* | Measure-Object).Count
(Get-ClusteredMailboxServerStatus ccrex01.contoso.local).Identity
$sg = Get-StorageGroup 'CCREX01\Second Storage Group'
(Get-StorageGroup $sg.Guid).Name
(Get-StorageGroup $sg.DistinguishedName).Name
(Get-MailboxDatabase "CN=Mailbox Database,$($sg.DistinguishedName -replace '^CN=Second', 'CN=First')").Name"#);
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        ["2", "2", "2", "CCREX01", "Second Storage Group", "Second Storage Group", "Mailbox Database"]
    );
    lab.ok(
        r#"Enable-StorageGroupCopy 'CCREX01\First Storage Group' -StandbyMachine nh-w2k3-srv01.contoso.local -ReplayLagTime 0.0:0:0"#,
    );
    let status = lab.ok(
        r#"(Get-StorageGroupCopyStatus 'CCREX01\First Storage Group' -StandbyMachine NH-W2K3-SRV01.contoso.local).StandbyMachine"#,
    );
    assert_eq!(status.trim(), "NH-W2K3-SRV01");
    // A wildcard that a change would apply to more than one object is refused, not guessed.
    let (_, err) = lab.run("Suspend-StorageGroupCopy CCREX01\\*");
    assert!(err.contains("matches multiple entries"), "{err}");
    assert_eq!(lab.ok("(Get-StorageGroupCopyStatus CCREX01\\* | Where-Object Suspend).Count").trim(), "0");
}

// ---------------------------------------------------------------------------------------------
// 5. -DomainController and the other SP1 parameters.

/// Every Exchange 2007 cmdlet page lists `[-DomainController <Fqdn>]` (aa997246, aa998632,
/// bb124258, aa998853, …): the value is an FQDN, the change is recorded, reads answer as usual.
#[test]
fn domain_controller_is_accepted_validated_and_recorded() {
    let mut lab = Lab::new();
    let out = lab.ok(
        r#"(Get-StorageGroup 'CCREX01\First Storage Group' -DomainController dc02.contoso.local).OriginatingServer
(Get-StorageGroup 'CCREX01\First Storage Group').OriginatingServer
(Get-ClusteredMailboxServerStatus CCREX01 -DomainController dc02.contoso.local).State
Suspend-StorageGroupCopy 'CCREX01\First Storage Group' -DomainController dc02.contoso.local
(Search-AdminAuditLog -Cmdlets Suspend-StorageGroupCopy -ResultSize 1).DomainController"#,
    );
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        ["dc02.contoso.local", "NH-W2K3-DC01.contoso.local", "Online", "dc02.contoso.local"]
    );
    let (out, err) = lab.run("Resume-StorageGroupCopy 'CCREX01\\First Storage Group' -DomainController 'not a dc'");
    assert!(out.is_empty());
    assert!(err.contains("is not a valid fully qualified domain name"), "{err}");
    assert_eq!(lab.ok("(Get-StorageGroupCopyStatus 'CCREX01\\First Storage Group').Suspend").trim(), "True");
}

/// SP1 syntax blocks: Get-StorageGroup/-MailboxDatabase `-IncludePreExchange2007` (aa998331,
/// bb124924), Get-MailboxServer `-Status` (bb123539), Test-ReplicationHealth
/// `-ActiveDirectoryTimeout -MonitoringContext -TransientEventSuppressionWindow` (bb691314),
/// Update-StorageGroupCopy `-DataHostNames -TargetPath` (aa998853), Restore-StorageGroupCopy
/// `-ReplaceLocations` ("LCR only", aa996024).
#[test]
fn the_other_sp1_parameters_do_what_their_pages_say() {
    let mut lab = Lab::new();
    let out = lab.ok(r#"(Get-StorageGroup -IncludePreExchange2007 | Measure-Object).Count
(Get-MailboxDatabase -IncludePreExchange2007 -Status).Mounted
(Get-MailboxServer CCREX01 -Status).Name
$h = Test-ReplicationHealth -ActiveDirectoryTimeout 30 -TransientEventSuppressionWindow 3 -MonitoringContext $true
$data = $h | Where-Object { $_.Events }
($data.Events | Measure-Object).Count -gt 0
($data.PerformanceCounters | Where-Object Counter -eq CopyQueueLength | Measure-Object).Count"#);
    assert_eq!(out.lines().collect::<Vec<_>>(), ["2", "True", "CCREX01", "True", "2"]);
    let (_, err) = lab.run("Restore-StorageGroupCopy 'CCREX01\\First Storage Group' -ReplaceLocations -Force");
    assert!(err.contains("local continuous replication (LCR)"), "{err}");
    lab.ok("Suspend-StorageGroupCopy 'CCREX01\\First Storage Group'");
    let (_, err) = lab.run(
        "Update-StorageGroupCopy 'CCREX01\\First Storage Group' -DataHostNames NH-W2K3-SRV03,NH-W2K3-SRV04,NH-W2K3-SRV01 -DeleteExistingFiles -Force",
    );
    assert!(err.contains("maximum of two host names"), "{err}");
    let (_, err) = lab.run(
        "Update-StorageGroupCopy 'CCREX01\\First Storage Group' -TargetPath D:\\Elsewhere -DeleteExistingFiles -Force",
    );
    assert!(err.contains("is not the storage group copy's database folder"), "{err}");
    assert_eq!(lab.ok("(Get-StorageGroupCopyStatus 'CCREX01\\First Storage Group').Suspend").trim(), "True");
}

/// Exchange 2010's `-SeedingPostponed` (the 2007 SP1 page could not be read): the copy is made
/// suspended and replicates nothing until seeded.
#[test]
fn seeding_postponed_leaves_the_new_copy_suspended() {
    let mut lab = Lab::new();
    lab.ok(
        r#"Enable-StorageGroupCopy 'CCREX01\First Storage Group' -StandbyMachine NH-W2K3-SRV01 -ReplayLagTime 0.0:0:0 -SeedingPostponed"#,
    );
    let out = lab.ok(r#"$c = Get-StorageGroupCopyStatus 'CCREX01\First Storage Group' -StandbyMachine NH-W2K3-SRV01
$c.SummaryCopyStatus; $c.SuspendComment"#);
    assert!(out.starts_with("Suspended\nSeeding postponed"), "{out}");
}

// ---------------------------------------------------------------------------------------------
// 6. Prompts exactly where Exchange 2007 SP1 prompts.

const SG1: &str = "'CCREX01\\First Storage Group'";

/// Seed article (part 3): with the source available, Restore-StorageGroupCopy runs without
/// -Force and "no output is generated"; Dismount-Database gives an "are you sure?" message.
#[test]
fn restore_with_its_source_reachable_asks_nothing_and_prints_nothing() {
    let mut lab = Lab::new();
    let (out, err) = lab.run(&format!(
        "Enable-StorageGroupCopy {SG1} -StandbyMachine NH-W2K3-SRV01 -ReplayLagTime 0.0:0:0
Dismount-Database 'Mailbox Database' -Confirm:$false
Restore-StorageGroupCopy {SG1} -StandbyMachine NH-W2K3-SRV01"
    ));
    assert_eq!((out.as_str(), err.as_str()), ("", ""), "no prompt, no output");
    let (_, err) = lab.run("Dismount-Database 'Public Folder Database'");
    assert!(err.contains("NonInteractive mode"), "Dismount-Database asks: {err}");
}

/// SP1 page of Restore-StorageGroupCopy (aa996024): -Force "can be used when the task is run
/// programmatically and prompting for administrative input is inappropriate. If Force is not
/// provided in the cmdlet, administrative input is prompted" — asked when the restore would
/// lose data (the source is gone).
#[test]
fn restore_without_its_source_asks_before_losing_data() {
    let lose_the_source = format!(
        "Enable-StorageGroupCopy {SG1} -StandbyMachine NH-W2K3-SRV01 -ReplayLagTime 0.0:0:0
Stop-LabNode NH-W2K3-SRV04 -Crash; Stop-LabNode NH-W2K3-SRV03 -Crash"
    );
    let status = format!("(Get-StorageGroupCopyStatus {SG1} -StandbyMachine NH-W2K3-SRV01).SummaryCopyStatus");
    // Answered No: nothing changes.
    let mut lab = Lab::answering(Some("N\n"));
    lab.run(&lose_the_source);
    let (out, err) = lab.run(&format!("Restore-StorageGroupCopy {SG1} -StandbyMachine NH-W2K3-SRV01"));
    assert!(out.contains("\nConfirm\nThe source of storage group copy"), "{out}");
    assert!(out.contains("data loss is expected for this storage group"), "{out}");
    assert!(err.is_empty(), "{err}");
    assert_ne!(lab.ok(&status).trim(), "Disabled", "not restored after No");
    // Answered Yes: restored, with Exchange's data-loss warning.
    let mut lab = Lab::answering(Some("Y\n"));
    lab.run(&lose_the_source);
    let (_, err) = lab.run(&format!("Restore-StorageGroupCopy {SG1} -StandbyMachine NH-W2K3-SRV01"));
    assert!(err.contains("WARNING: Performing a Restore-StorageGroupCopy operation on storage group"), "{err}");
    assert_eq!(lab.ok(&status).trim(), "Disabled");
    // A session that cannot ask is refused with Exchange's warning text first and told to use
    // -Force; -Force restores without asking.
    let mut lab = Lab::new();
    lab.run(&lose_the_source);
    let (_, err) = lab.run(&format!("Restore-StorageGroupCopy {SG1} -StandbyMachine NH-W2K3-SRV01"));
    assert!(err.contains("Restore-StorageGroupCopy: Failed to copy remaining log files (through E00"), "{err}");
    assert!(err.contains("-Force"), "{err}");
    lab.run(&format!("Restore-StorageGroupCopy {SG1} -StandbyMachine NH-W2K3-SRV01 -Force"));
    assert_eq!(lab.ok(&status).trim(), "Disabled");
}

/// Setup.com is Exchange's unattended setup: it never prompts and takes /switches only (the
/// seed article runs `/ClearLocalCMS /CMSName:CCREX01` on the node; Figure 10 is its output).
#[test]
fn setup_never_prompts_and_takes_switches_only() {
    let mut lab = Lab::new();
    let out = lab.ok("Invoke-Command -ComputerName NH-W2K3-SRV01 -ScriptBlock { setup.com /ClearLocalCMS /CMSName:CCREX01 }; $LASTEXITCODE");
    assert!(out.starts_with("Welcome to Microsoft Exchange Server 2007 Unattended Setup"), "{out}");
    assert!(out.trim_end().ends_with("0"), "{out}");
    let (_, err) = lab.run("Invoke-Command -ComputerName NH-W2K3-SRV01 -ScriptBlock { setup.com /ClearLocalCMS /CMSName:CCREX01 -Confirm:$false }");
    assert!(err.contains("'-Confirm:False' is not a valid setup parameter"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// 7. -WhatIf prints the What if: line and returns nothing; the report goes to the host.

/// Exchange's ShouldProcess message (reference §5: "Moving database path "…".") under
/// -WhatIf; -ValidateOnly (Move-ClusteredMailboxServer page d13d8ae3) returns the checks.
#[test]
fn whatif_prints_the_line_and_the_report_and_returns_nothing() {
    let mut lab = Lab::new();
    let out = lab
        .ok("$x = Move-ClusteredMailboxServer CCREX01 -TargetMachine NH-W2K3-SRV04 -MoveComment 'Patch' -WhatIf
\"returned: $($x.Count)\"");
    assert!(out.starts_with("What if: Moving clustered mailbox server \"CCREX01\" to \"NH-W2K3-SRV04\".\n"), "{out}");
    assert!(out.contains("Precondition report (ccrsh)") && out.contains("Passed"), "{out}");
    assert!(out.ends_with("returned: 0\n"), "{out}");
    // A dry run whose checks fail still shows every check, passed and failed.
    let (out, err) = lab.run("Move-ClusteredMailboxServer CCREX01 -TargetMachine NH-W2K3-SRV01 -MoveComment x -WhatIf");
    assert!(out.contains("FAILED") && out.contains("Passed"), "{out}");
    assert!(err.contains("WARNING: The change would be refused"), "{err}");
    let out = lab
        .ok("$checks = Move-ClusteredMailboxServer CCREX01 -TargetMachine NH-W2K3-SRV04 -MoveComment x -ValidateOnly
$checks.Count -gt 3; ($checks | Where-Object Result -eq Passed).Count -eq $checks.Count");
    assert_eq!(out, "True\nTrue\n");
    assert!(lab.ok("(Get-ClusteredMailboxServerStatus CCREX01).OperationalMachines").contains("NH-W2K3-SRV03 <Active"));
}

// ---------------------------------------------------------------------------------------------
// 8. CMS state.

/// Get-ClusteredMailboxServerStatus (RTM bb691169 / 7bda979a): "Partially Online: one or more
/// resources of the server are not online"; FailedResources names a database as
/// "StorageGroupName\DatabaseName"; its Errors table: "could not connect to the cluster".
#[test]
fn a_dismounted_database_makes_the_server_partially_online() {
    let mut lab = Lab::new();
    let out = lab.ok("Dismount-Database 'Mailbox Database' -Confirm:$false
$s = Get-ClusteredMailboxServerStatus CCREX01; $s.State; $s.FailedResources
Mount-Database 'Mailbox Database'; (Get-ClusteredMailboxServerStatus CCREX01).State");
    assert_eq!(out, "Partially Online\nFirst Storage Group\\Mailbox Database\nOnline\n");
    let (_, err) = lab.run("Stop-LabNode NH-W2K3-SRV04 -Crash; Stop-LabNode NH-W2K3-SRV03 -Crash; Get-ClusteredMailboxServerStatus CCREX01");
    assert!(
        err.contains("The task could not connect to the cluster due to communication issues or cluster unavailability"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// 10. Exchange's wording first.

/// The SP1 transcript of Update-StorageGroupCopy (reference §5, message 5): "Seeding failed :
/// Database seeding error: Log files already exist at '…'. … The '-DeleteExistingFiles' switch
/// can be used …", then this shell's report.
#[test]
fn a_seed_onto_existing_logs_fails_with_exchanges_words() {
    let mut lab = Lab::new();
    lab.ok("Send-LabMail 'Mailbox Database' -Count 300 -SizeKB 10 | Out-Null; Wait-LabReplication | Out-Null");
    lab.ok(&format!("Suspend-StorageGroupCopy {SG1}"));
    let (_, err) = lab.run(&format!("Update-StorageGroupCopy {SG1}"));
    assert!(
        err.contains(
            "Update-StorageGroupCopy: Seeding failed : Database seeding error: Log files already exist at 'C:\\Program Files\\Microsoft\\Exchange Server\\Mailbox\\First Storage Group'."
        ),
        "{err}"
    );
    assert!(err.contains("The operation on"), "then the report: {err}");
    lab.ok(&format!("Update-StorageGroupCopy {SG1} -DeleteExistingFiles"));
    assert_eq!(lab.ok(&format!("(Get-StorageGroupCopyStatus {SG1}).SummaryCopyStatus")).trim(), "Healthy");
}

// ---------------------------------------------------------------------------------------------
// 9. Scope rules of SP1 in node sessions.

/// Get-StorageGroupCopyStatus SP1 (36d8ea88): "If no value is specified, you get information
/// for all copies on the local server"; Test-ReplicationHealth (bb691314) tests the local
/// server. The workstation keeps the organization-wide answer (the shell's extension).
#[test]
fn a_node_session_reports_its_own_copies() {
    let mut lab = Lab::new();
    lab.ok(&format!("Enable-StorageGroupCopy {SG1} -StandbyMachine NH-W2K3-SRV01 -ReplayLagTime 0.0:0:0"));
    let out = lab.ok(
        "(Get-StorageGroupCopyStatus | Measure-Object).Count
Invoke-Command -ComputerName NH-W2K3-SRV04 -ScriptBlock { (Get-StorageGroupCopyStatus | Measure-Object).Count }
Invoke-Command -ComputerName NH-W2K3-SRV01 -ScriptBlock { Get-StorageGroupCopyStatus | ForEach-Object { \"$($_.Name) on $($_.StandbyMachine)\" } }
Invoke-Command -ComputerName NH-W2K3-SRV01 -ScriptBlock { Test-ReplicationHealth | Select-Object -ExpandProperty Server -Unique }",
    );
    assert_eq!(out, "2\n2\nFirst Storage Group on NH-W2K3-SRV01\nNH-W2K3-SRV01\n");
}

// ---------------------------------------------------------------------------------------------
// 11. The session has a computer.

/// Published node-local scripts find their CMS with `$env:ComputerName`; PowerShell 2.0's
/// `Invoke-Command -FilePath` runs a local script on the remote computer, binding -ArgumentList
/// to its param() block (about_Remote, Invoke-Command help).
#[test]
fn the_session_names_its_computer_and_runs_local_scripts_on_nodes() {
    let mut lab = Lab::new();
    let out = lab.ok("$env:COMPUTERNAME; hostname; [Environment]::MachineName
Invoke-Command -ComputerName NH-W2K3-SRV04 -ScriptBlock { $env:COMPUTERNAME; hostname }
Enter-PSSession NH-W2K3-SRV03; [Environment]::MachineName; Exit-PSSession; $env:ComputerName");
    assert_eq!(
        out,
        "NH-W2K3-ADMIN\nNH-W2K3-ADMIN\nNH-W2K3-ADMIN\nNH-W2K3-SRV04\nNH-W2K3-SRV04\nNH-W2K3-SRV03\nNH-W2K3-ADMIN\n"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("local-cms.ps1");
    std::fs::write(
        &script,
        "#requires -Version 1\nparam($Suffix)\n$cms = Get-MailboxServer | Where-Object { $_.RedundantMachines -eq $env:ComputerName }\n\"$($cms.Name) on $env:ComputerName$Suffix\"\n",
    )
    .expect("written");
    let out = lab
        .ok(&format!("Invoke-Command -FilePath '{}' -ComputerName NH-W2K3-SRV04 -ArgumentList '!'", script.display()));
    assert_eq!(out, "CCREX01 on NH-W2K3-SRV04!\n");
}

// ---------------------------------------------------------------------------------------------
// 12. Snap-ins and #requires.

/// The EMS 2007 console is the `Microsoft.Exchange.Management.PowerShell.Admin` snap-in on
/// PowerShell 1.0 (Add-PSSnapin, Get-PSSnapin help; about_Requires).
#[test]
fn the_exchange_snap_in_is_there_and_behaves_as_a_snap_in() {
    let mut lab = Lab::new();
    let out = lab.ok("(Get-PSSnapin Microsoft.Exchange.Management.PowerShell.Admin).Name
(Get-PSSnapin -Registered | Measure-Object).Count
Add-PSSnapin Microsoft.Exchange.Management.PowerShell.Admin -ErrorAction SilentlyContinue
$?");
    assert_eq!(out, "Microsoft.Exchange.Management.PowerShell.Admin\n2\nFalse\n");
    let (_, err) = lab.run("Add-PSSnapin Microsoft.Exchange.Management.PowerShell.Admin");
    assert!(err.contains("because it is already added"), "{err}");
    let (_, err) = lab.run("Remove-PSSnapin Microsoft.Exchange.Management.PowerShell.Admin; Get-StorageGroup");
    assert!(err.contains("is not recognized"), "{err}");
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("needs-exchange.ps1");
    std::fs::write(&script, "#requires -PSSnapin Microsoft.Exchange.Management.PowerShell.Admin\n'ran'\n")
        .expect("written");
    // As `ccrsh -File needs-exchange.ps1` runs it.
    let run = |lab: &mut Lab| {
        let (out_before, err_before) = (lab.out.text().len(), lab.err.text().len());
        let text = std::fs::read_to_string(&script).expect("read");
        lab.session.run_script(&text, &script.display().to_string(), &[]);
        (lab.out.text()[out_before..].to_string(), lab.err.text()[err_before..].to_string())
    };
    let (out, err) = run(&mut lab);
    assert!(
        out.is_empty() && err.contains("snap-ins that are specified by its \"#requires\" statements are missing"),
        "{out}{err}"
    );
    lab.ok("Add-PSSnapin Microsoft.Exchange.Management.PowerShell.Admin");
    assert_eq!(run(&mut lab).0, "ran\n");
}

// ---------------------------------------------------------------------------------------------
// 13. cluster.exe and Move-ClusterGroup.

/// Windows Server 2003's cluster.exe, as published scripts use it (`Cluster.exe group
/// "Cluster Group" /move:$Node1`), and Move-ClusterGroup's positional Name and Node
/// (FailoverClusters help ee461002: `[[-Name] <string>] [[-Node] <string>]`).
#[test]
fn cluster_exe_lists_and_moves_groups() {
    let mut lab = Lab::new();
    let out = lab.ok("cluster /cluster:E2K7CLU01 group");
    assert_eq!(
        out,
        "Listing status for all available resource groups:\n\nGroup                Node            Status\n-------------------- --------------- ------\nCluster Group        NH-W2K3-SRV03   Online\nCCREX01              NH-W2K3-SRV03   Online\n"
    );
    let out = lab.ok("Invoke-Command -ComputerName NH-W2K3-SRV04 -ScriptBlock { cluster node }");
    assert!(out.contains("NH-W2K3-SRV03        1 Up") && out.contains("NH-W2K3-SRV04        2 Up"), "{out}");
    let out = lab.ok("Invoke-Command -ComputerName NH-W2K3-SRV04 -ScriptBlock { cluster.exe group \"Cluster Group\" /move:NH-W2K3-SRV04 }; (Get-ClusteredMailboxServerStatus CCREX01).OperationalMachines");
    assert!(out.starts_with("Moving resource group 'Cluster Group'..."), "{out}");
    assert!(out.contains("NH-W2K3-SRV03 <Active>\nNH-W2K3-SRV04 <Quorum Owner>"), "{out}");
    let (_, err) = lab.run("cluster group");
    assert!(err.contains("System error 1060"), "no cluster service on the workstation: {err}");
    lab.run("Dismount-Database 'Mailbox Database' -Confirm:$false");
    assert!(lab.ok("cluster E2K7CLU01 group CCREX01").contains("Partial Online"));
    // The warning names what moved the group, whichever tool asked: cluster.exe here.
    let (_, err) = lab.run("cluster E2K7CLU01 group CCREX01 /move:NH-W2K3-SRV04");
    assert!(err.contains("WARNING: The cluster moved CCREX01 without Exchange's health checks"), "{err}");
    assert!(!err.contains("Move-ClusterGroup"), "cluster.exe is not Move-ClusterGroup: {err}");
    lab.run("cluster E2K7CLU01 group CCREX01 /move:NH-W2K3-SRV03");
    let out = lab.ok("(Move-ClusterGroup CCREX01 NH-W2K3-SRV04 -WarningAction SilentlyContinue).OwnerNode");
    assert_eq!(out, "NH-W2K3-SRV04\n");
}

/// Get-ExchangeServer (Name, Fqdn, ServerRole, IsMemberOfCluster, AdminDisplayVersion, Site,
/// Edition: Exchange 2007 SP1 is "Version 8.1 (Build 240.6)"), Get-TransportServer.
#[test]
fn exchange_servers_are_the_mailbox_and_hub_transport_servers() {
    let mut lab = Lab::new();
    let out = lab.ok(
        "Get-ExchangeServer | ForEach-Object { \"$($_.Name) $($_.ServerRole) $($_.IsMemberOfCluster) $($_.Site)\" }
(Get-ExchangeServer CCREX01).AdminDisplayVersion.ToString(); (Get-ExchangeServer CCREX01).Edition
(Get-TransportServer | Measure-Object).Count",
    );
    assert_eq!(
        out,
        "CCREX01 Mailbox Yes contoso.local/Configuration/Sites/Production
NH-W2K3-SRV01 Mailbox Yes contoso.local/Configuration/Sites/Backup
NH-W2K3-SRV05 Mailbox Yes contoso.local/Configuration/Sites/Backup
NH-W2K3-HUB01 HubTransport No contoso.local/Configuration/Sites/Production
NH-W2K3-HUB02 HubTransport No contoso.local/Configuration/Sites/Backup
Version 8.1 (Build 240.6)
Enterprise
2
"
    );
}

/// Mailboxes live in databases and Send-LabMail delivers to them; Get-MailboxStatistics
/// counts ItemCount and TotalItemSize (ByteQuantifiedSize) per mailbox; mail sent while the
/// database is dismounted waits in the hub transport server's queue (Get-Queue: Retry,
/// LastError) and is delivered when it is mounted.
#[test]
fn mail_reaches_mailboxes_and_waits_on_the_hub_while_the_database_is_down() {
    let mut lab = Lab::new();
    let out = lab.ok("(Get-Mailbox | Measure-Object).Count
(Get-Mailbox kim.akers).PrimarySmtpAddress
\"$(Get-Mailbox 'Kim Akers')\"
Send-LabMail -Recipient kim.akers@contoso.local -Count 3 -SizeKB 10 | Out-Null
$s = Get-MailboxStatistics kim.akers; $s.ItemCount; $s.TotalItemSize.ToString()
(Get-Recipient | Where-Object RecipientType -eq UserMailbox | Measure-Object).Count");
    assert_eq!(out, "5\nkim.akers@contoso.local\ncontoso.local/Users/Kim Akers\n3\n30KB\n5\n");
    let out = lab.ok("Dismount-Database 'Mailbox Database' -Confirm:$false
(Send-LabMail -Recipient 'Jeff Hay' -Count 4).Queued
$q = Get-Queue -Server NH-W2K3-HUB01 | Where-Object DeliveryType -eq MapiDelivery
$q.Status; $q.MessageCount; $q.NextHopDomain
(Test-MailFlow CCREX01 -WarningAction SilentlyContinue).TestMailflowResult");
    assert_eq!(out, "NH-W2K3-HUB01\nRetry\n4\nccrex01.contoso.local\n*FAILURE*\n");
    let (_, err) = lab.run("Get-MailboxStatistics 'Jeff Hay'");
    assert!(err.contains("MapiExceptionMdbOffline"), "{err}");
    lab.ok("Mount-Database 'Mailbox Database'; Wait-LabReplication | Out-Null");
    let out = lab.ok("(Get-MailboxStatistics 'Jeff Hay').ItemCount
(Get-Queue -Server NH-W2K3-HUB01 | Measure-Object).Count
(Test-MailFlow CCREX01).TestMailflowResult");
    assert_eq!(out, "4\n1\nSuccess\n");
}

/// Get-StorageGroupCopyStatus -DumpsterStatistics (aa997246): the transport dumpster of each
/// storage group, per hub transport server of its site.
#[test]
fn dumpster_statistics_show_what_the_hub_keeps() {
    let mut lab = Lab::new();
    let out = lab.ok("Send-LabMail 'Mailbox Database' -Count 6 -SizeKB 100 | Out-Null
(Get-StorageGroupCopyStatus 'CCREX01\\First Storage Group' -DumpsterStatistics).DumpsterStatistics
$null -eq (Get-StorageGroupCopyStatus 'CCREX01\\First Storage Group').DumpsterStatistics");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("NH-W2K3-HUB01(") && lines[0].ends_with(";6;600KB)"), "{out}");
    assert_eq!(lines[1], "True");
}

// ---------------------------------------------------------------------------------------------
// 14. A node's files under its Windows paths.

/// The files of `node`'s copy of First Storage Group whose names end in `suffix`, with their
/// sizes on disk, in name order.
pub(crate) fn copy_files_on_disk(lab: &Lab, node: &str, suffix: &str) -> Vec<String> {
    let folder = lab._dir.path().join("nodes").join(node).join("CCREX01").join("First Storage Group");
    let mut files: Vec<(String, u64)> = std::fs::read_dir(&folder)
        .expect("the copy's folder")
        .flatten()
        .map(|e| (e.file_name().to_string_lossy().to_string(), e.metadata().expect("metadata").len()))
        .filter(|(name, _)| name.starts_with("E00") && name.ends_with(suffix))
        .collect();
    files.sort_by_key(|(name, _)| name.to_ascii_lowercase());
    files.into_iter().map(|(name, len)| format!("{name} {len}")).collect()
}

/// Inside a node session the storage group's LogFolderPath (and the database's EdbFilePath)
/// name that node's copy: Get-ChildItem lists its real logs with their sizes, the database
/// file under the name of its EdbFilePath (Get-StorageGroup page bb124924, LogFolderPath;
/// Get-MailboxDatabase page bb124924's EdbFilePath; about_Providers for the FileSystem items).
#[test]
fn a_node_session_lists_the_copys_real_files() {
    let mut lab = Lab::new();
    lab.ok("Send-LabMail -Database 'Mailbox Database' -Count 20 -SizeKB 64 | Out-Null; Wait-LabReplication | Out-Null");
    let out = lab.ok(r#"Enter-PSSession NH-W2K3-SRV04
$sg = Get-StorageGroup 'CCREX01\First Storage Group'
Get-ChildItem "$($sg.LogFolderPath)\E00*.log" | ForEach-Object { "$($_.Name) $($_.Length)" }
"--"
$edb = Get-Item "$((Get-MailboxDatabase 'Mailbox Database').EdbFilePath)"
"$($edb.Name) $($edb.Length) $($edb.GetType().FullName) $($edb.LastWriteTime -gt [datetime]'2000-01-01')"
(Get-ChildItem 'c:/program files/microsoft/exchange server/mailbox/first storage group/' -Filter *.chk).Name
Test-Path "$($sg.SystemFolderPath)" -PathType Container
Exit-PSSession"#);
    let (logs, rest) = out.split_once("--\n").expect("two parts");
    let listed: Vec<&str> = logs.lines().collect();
    assert!(!listed.is_empty(), "{out}");
    assert_eq!(listed, copy_files_on_disk(&lab, "NH-W2K3-SRV04", ".log"), "{out}");
    let edb_len =
        std::fs::metadata(lab._dir.path().join("nodes/NH-W2K3-SRV04/CCREX01/First Storage Group/database.edb"))
            .expect("the copy's database")
            .len();
    let rest: Vec<&str> = rest.lines().collect();
    assert_eq!(rest[0], format!("Mailbox Database.edb {edb_len} System.IO.FileInfo True"), "{out}");
    assert_eq!(rest[1..], ["E00.chk", "True"], "{out}");
}

/// A path outside the mapped folders is PathNotFound (Get-Item, Get-ChildItem) or False
/// (Test-Path); `..` never leaves a folder. Outside a node session `C:\` is not a node's.
#[test]
fn node_paths_outside_the_copies_are_not_found() {
    let mut lab = Lab::new();
    let (out, err) = lab.run(
        r#"Enter-PSSession NH-W2K3-SRV03
Get-Item 'C:\Windows\system.ini'
Get-ChildItem 'C:\Program Files\Microsoft\Exchange Server\Mailbox'
Test-Path 'C:\Program Files\Microsoft\Exchange Server\Mailbox\First Storage Group\..\..\..\..\..\etc'
Test-Path 'C:\Program Files\Microsoft\Exchange Server\Mailbox\First Storage Group\E00.log' -PathType Container
try { Get-Item 'C:\Windows' -ErrorAction Stop } catch { $_.FullyQualifiedErrorId -like 'PathNotFound*' }
Exit-PSSession"#,
    );
    assert_eq!(out.lines().collect::<Vec<_>>(), ["False", "False", "True"], "{out}{err}");
    assert!(err.contains(r"Cannot find path 'C:\Windows\system.ini' because it does not exist."), "{err}");
    assert!(err.contains(r"Cannot find path 'C:\Program Files\Microsoft\Exchange Server\Mailbox'"), "{err}");
}

/// From the workstation the same files are reached through the node's administrative share
/// (`\\NODE\c$\…`), and read back in that form.
#[test]
fn the_workstation_reaches_node_files_through_the_admin_share() {
    let mut lab = Lab::new();
    lab.ok("Send-LabMail -Database 'Mailbox Database' -Count 5 -SizeKB 16 | Out-Null");
    let share = r"\\NH-W2K3-SRV03\c$\Program Files\Microsoft\Exchange Server\Mailbox\First Storage Group";
    let out = lab.ok(&format!(
        "Get-ChildItem '{share}' -Filter E00*.log | ForEach-Object {{ \"$($_.Name) $($_.Length)\" }}\n\
         '--'\n(Get-Item '{share}\\Mailbox Database.edb').FullName\nTest-Path '{share}\\E00.chk' -PathType Leaf"
    ));
    let (logs, rest) = out.split_once("--\n").expect("two parts");
    assert_eq!(logs.lines().collect::<Vec<_>>(), copy_files_on_disk(&lab, "NH-W2K3-SRV03", ".log"), "{out}");
    assert_eq!(rest.lines().collect::<Vec<_>>(), [format!(r"{share}\Mailbox Database.edb").as_str(), "True"], "{out}");
    let (out, err) = lab.run(r"Get-ChildItem '\\NH-W2K3-SRV99\c$\Program Files'");
    assert!(out.is_empty() && err.contains(r"Cannot find path '\\NH-W2K3-SRV99\c$\Program Files'"), "{out}{err}");
}

/// Node files are read-only in the lab: every write is refused with a clear error and changes
/// nothing (the copy's files keep their names and sizes).
#[test]
fn writes_to_node_files_are_refused_and_change_nothing() {
    let mut lab = Lab::new();
    lab.ok("Send-LabMail -Database 'Mailbox Database' -Count 5 -SizeKB 16 | Out-Null");
    let before = copy_files_on_disk(&lab, "NH-W2K3-SRV03", "");
    let folder = r"C:\Program Files\Microsoft\Exchange Server\Mailbox\First Storage Group";
    let share = r"\\NH-W2K3-SRV03\c$\Program Files\Microsoft\Exchange Server\Mailbox\First Storage Group";
    for write in [
        format!("Set-Content '{share}\\E00.log' 'x'"),
        format!("Remove-Item '{share}\\E00.chk'"),
        format!("'x' | Out-File '{share}\\new.txt'"),
        format!("Enter-PSSession NH-W2K3-SRV03; try {{ Remove-Item '{folder}\\*.log' }} finally {{ Exit-PSSession }}"),
        format!(
            "Enter-PSSession NH-W2K3-SRV03; try {{ New-Item '{folder}\\new.txt' -ItemType File }} finally {{ Exit-PSSession }}"
        ),
        format!("Copy-Item '{share}\\E00.chk' '{share}\\E01.chk'"),
        // A redirection is Out-File: refused before the command runs, and nothing is written
        // on the workstation either.
        format!("'x' > '{share}\\new.txt'"),
        format!("Enter-PSSession NH-W2K3-SRV03; try {{ 'x' >> '{folder}\\E00.log' }} finally {{ Exit-PSSession }}"),
        "Enter-PSSession NH-W2K3-SRV03; try { Write-Output 'ran' > C:\\out.txt } finally { Exit-PSSession }"
            .to_string(),
    ] {
        let (out, err) = lab.run(&write);
        assert!(out.is_empty(), "{write}: {out}");
        assert!(err.contains("the lab shows NH-W2K3-SRV03's Exchange files read-only"), "{write}: {err}");
        assert_eq!(copy_files_on_disk(&lab, "NH-W2K3-SRV03", ""), before, "{write}");
    }
}

/// An Exchange enum (`CopyStatus`) is a scalar to Out-Default, as in PowerShell: a script that
/// prints one and then writes to the host shows the two in that order (only records are held
/// back to be laid out as a table).
#[test]
fn an_exchange_enum_is_shown_as_it_arrives_in_a_running_script() {
    let mut lab = Lab::new();
    let out = lab.ok(
        "& { Write-Host a; (Get-StorageGroupCopyStatus 'CCREX01\\First Storage Group').SummaryCopyStatus; Write-Host b }",
    );
    assert_eq!(out, "a\nHealthy\nb\n");
}

/// Exchange 2007 reports an identity that matches nothing with a ManagementObjectNotFoundException
/// (Microsoft.Exchange.Configuration.Tasks), which published scripts catch by type.
#[test]
fn an_identity_that_matches_nothing_is_caught_as_exchanges_not_found_exception() {
    let mut lab = Lab::new();
    let out = lab.ok(
        r#"try { Get-StorageGroup 'CCREX01\No Such Group' -ErrorAction Stop; 'not reached' }
catch [Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException] { 'typed: ' + $_.CategoryInfo.Category }
catch { 'untyped' }
try { Get-StorageGroup 'CCREX01\No Such Group' -ErrorAction Stop } catch [ManagementObjectNotFoundException] { 'short name' }"#,
    );
    assert_eq!(out, "typed: ObjectNotFound\nshort name\n");
}

/// Test-MAPIConnectivity (Exchange 2007, bb123681), the post-failover check: one result per
/// mailbox database with Result Success while it is mounted, *FAILURE* and the MAPI error while it
/// is not; -Identity tests a mailbox's database; without parameters a node session tests the
/// server active on it, and the workstation (no mailbox server) is told to name one.
#[test]
fn test_mapi_connectivity_logs_on_to_each_mounted_database() {
    let mut lab = Lab::new();
    let out = lab.ok(r#"$r = Test-MAPIConnectivity -Server CCREX01
$r.MailboxServer; $r.Database; $r.Result; $r.Latency.GetType().Name; $null -eq $r.Error
(Test-MAPIConnectivity 'Kim Akers').Mailbox
(Get-MailboxDatabase | Test-MAPIConnectivity).Result
Enter-PSSession NH-W2K3-SRV03; (Test-MAPIConnectivity).Database; Exit-PSSession"#);
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        ["CCREX01", "Mailbox Database", "Success", "TimeSpan", "True", "Kim Akers", "Success", "Mailbox Database"],
        "{out}"
    );
    lab.ok("Dismount-Database 'Mailbox Database' -Confirm:$false");
    let out = lab.ok("$r = Test-MAPIConnectivity -Database 'Mailbox Database'; $r.Result; $r.Error");
    assert!(out.starts_with("*FAILURE*\n"), "{out}");
    assert!(out.contains("MapiExceptionMdbOffline"), "{out}");
    let (out, err) = lab.run("Test-MAPIConnectivity");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("is not a mailbox server") && err.contains("-Server CCREX01"), "{err}");
}

/// Move-StorageGroupPath and Move-DatabasePath as a CCR runbook uses them (Exchange 2007 SP1;
/// the published SCR transcript's prompts, reference §5.6): the task does not move a CCR
/// storage group's files; -ConfigurationOnly asks first whether to skip the safety check
/// (-Force answers), needs the copy suspended and the database dismounted, then records the
/// paths; the node's file view follows them and the database mounts again. Each refusal changes
/// nothing.
#[test]
fn path_moves_follow_the_ccr_procedure_and_refusals_change_nothing() {
    let mut lab = Lab::new();
    let paths = "$sg = Get-StorageGroup 'CCREX01\\First Storage Group'; \"$($sg.LogFolderPath)|$($sg.SystemFolderPath)|$((Get-MailboxDatabase 'Mailbox Database').EdbFilePath)\"";
    let before = lab.ok(paths);
    let (_, err) =
        lab.run("Move-StorageGroupPath 'CCREX01\\First Storage Group' -LogFolderPath 'D:\\SG1' -Confirm:$false");
    assert!(err.contains("Use the ConfigurationOnly parameter"), "{err}");
    let (_, err) = lab.run(
        "Move-StorageGroupPath 'CCREX01\\First Storage Group' -LogFolderPath 'D:\\SG1' -ConfigurationOnly -Force -Confirm:$false",
    );
    assert!(err.contains("The CCR copy is suspended") && err.contains("The databases are dismounted"), "{err}");
    let (_, err) =
        lab.run("Move-DatabasePath 'Mailbox Database' -EdbFilePath 'D:\\' -ConfigurationOnly -Force -Confirm:$false");
    assert!(err.contains("does not name an .edb file") || err.contains("root of a drive"), "{err}");
    // Without -Force the question cannot be asked here: it says to add -Force.
    let (_, err) = lab.run(
        "Move-DatabasePath 'Mailbox Database' -EdbFilePath 'D:\\SG1\\MBX1.edb' -ConfigurationOnly -Confirm:$false",
    );
    assert!(err.contains("Add -Force"), "{err}");
    assert_eq!(lab.ok(paths), before, "the refusals changed nothing");

    lab.ok("Suspend-StorageGroupCopy 'CCREX01\\First Storage Group' -Confirm:$false
Dismount-Database 'Mailbox Database' -Confirm:$false
Move-StorageGroupPath 'CCREX01\\First Storage Group' -LogFolderPath 'D:\\SG1\\Logs' -SystemFolderPath 'D:\\SG1\\Logs' -ConfigurationOnly -Force -Confirm:$false
Get-MailboxDatabase 'Mailbox Database' | Move-DatabasePath -EdbFilePath 'D:\\SG1\\MBX1.edb' -ConfigurationOnly -Force -Confirm:$false");
    assert_eq!(lab.ok(paths).trim(), "D:\\SG1\\Logs|D:\\SG1\\Logs|D:\\SG1\\MBX1.edb");
    let out = lab.ok("Enter-PSSession NH-W2K3-SRV04
(Get-ChildItem 'D:\\SG1\\Logs' -Filter *.chk).Name
(Get-ChildItem 'D:\\SG1' | Where-Object { -not $_.PSIsContainer }).Name
Exit-PSSession
Mount-Database 'Mailbox Database'; Resume-StorageGroupCopy 'CCREX01\\First Storage Group'
(Get-MailboxDatabase 'Mailbox Database' -Status).Mounted");
    assert_eq!(out.lines().collect::<Vec<_>>(), ["E00.chk", "MBX1.edb", "True"], "{out}");

    // An SCR source keeps its paths while SCR is enabled.
    lab.ok(
        "Enable-StorageGroupCopy 'CCREX01\\Second Storage Group' -StandbyMachine NH-W2K3-SRV01 -ReplayLagTime 0.0:0:0",
    );
    let (_, err) = lab.run(
        "Move-StorageGroupPath 'CCREX01\\Second Storage Group' -LogFolderPath 'E:\\SG2' -ConfigurationOnly -Force -Confirm:$false",
    );
    assert!(err.contains("while standby continuous replication is enabled"), "{err}");
}

/// Set-MailboxDatabase (Exchange 2007): AllowFileRestore, the database portability step before
/// mounting a moved file, and MountAtStartup, which keeps a database dismounted when its
/// server's Information Store starts; both read back through Get-MailboxDatabase. A public folder
/// database is not a mailbox database.
#[test]
fn set_mailbox_database_records_file_restore_and_mount_at_startup() {
    let mut lab = Lab::new();
    let out = lab.ok("Set-MailboxDatabase 'Mailbox Database' -AllowFileRestore:$true -MountAtStartup:$false
$db = Get-MailboxDatabase 'Mailbox Database'; $db.AllowFileRestore; $db.MountAtStartup
Stop-ClusteredMailboxServer CCREX01 -StopReason 'maintenance' -Confirm:$false
Start-ClusteredMailboxServer CCREX01
(Get-MailboxDatabase 'Mailbox Database' -Status).Mounted
(Get-PublicFolderDatabase -Status).Mounted
Mount-Database 'Mailbox Database'; (Get-MailboxDatabase 'Mailbox Database' -Status).Mounted");
    assert_eq!(out.lines().collect::<Vec<_>>(), ["True", "False", "False", "True", "True"], "{out}");
    let (_, err) = lab.run("Set-MailboxDatabase 'Public Folder Database' -AllowFileRestore:$true");
    assert!(err.contains("could not be found"), "{err}");
    assert!(!lab.ok("(Get-PublicFolderDatabase).AllowFileRestore").contains("True"));
}

/// Win32_OperatingSystem and Win32_ComputerSystem as uptime and inventory scripts read them
/// (WMI's classes; `ConvertToDateTime` turns the DMTF LastBootUpTime into a date): a node booted
/// when the lab was built, again at its Start-LabNode; the computer's name, domain and role
/// (5 a domain controller, 3 a member server, 1 the workstation); a powered-off node does not
/// answer.
#[test]
fn wmi_reports_the_operating_system_and_computer_of_each_lab_computer() {
    let mut lab = Lab::new();
    let out = lab.ok(r#"$os = Get-WmiObject Win32_OperatingSystem -ComputerName NH-W2K3-SRV03
$boot = $os.ConvertToDateTime($os.LastBootUpTime)
$up = (Get-Date) - $boot
($up.TotalSeconds -ge 0) -and ($up.TotalMinutes -lt 10)
$os.CSName; $os.Version; $os.CSDVersion; $os.LastBootUpTime -match '^\d{14}\.\d{6}\+000$'
$cs = Get-WmiObject Win32_ComputerSystem -ComputerName NH-W2K3-SRV03
"$($cs.Name) $($cs.Domain) $($cs.DomainRole)"
(Get-WmiObject Win32_ComputerSystem -ComputerName NH-W2K3-DC01).DomainRole
(Get-WmiObject Win32_ComputerSystem).DomainRole"#);
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        ["True", "NH-W2K3-SRV03", "5.2.3790", "Service Pack 2", "True", "NH-W2K3-SRV03 contoso.local 3", "5", "1"],
        "{out}"
    );
    lab.ok("Stop-LabNode NH-W2K3-SRV05 -Confirm:$false | Out-Null");
    let (out, err) = lab.run("Get-WmiObject Win32_OperatingSystem -ComputerName NH-W2K3-SRV05");
    assert!(out.trim().is_empty() && err.contains("The RPC server is unavailable."), "{out}{err}");
    std::thread::sleep(std::time::Duration::from_millis(20));
    let out = lab.ok(r#"Start-LabNode NH-W2K3-SRV05 | Out-Null
$a = Get-WmiObject Win32_OperatingSystem -ComputerName NH-W2K3-SRV05
$b = Get-WmiObject Win32_OperatingSystem -ComputerName NH-W2K3-SRV03
$a.ConvertToDateTime($a.LastBootUpTime) -gt $b.ConvertToDateTime($b.LastBootUpTime)"#);
    assert_eq!(out.trim(), "True", "{out}");
}

/// The clustered mailbox server tasks take the server from the pipeline, as Exchange's tasks
/// take their Identity ("Pipelining", aa998260): a mailbox server or a server status object
/// piped in is the -Identity, one at a time.
#[test]
fn cms_tasks_take_the_server_from_the_pipeline() {
    let mut lab = Lab::new();
    let out = lab.ok(r#"Get-MailboxServer CCREX01 | Stop-ClusteredMailboxServer -StopReason 'piped' -Confirm:$false
(Get-ClusteredMailboxServerStatus CCREX01).State
Get-ClusteredMailboxServerStatus CCREX01 | Start-ClusteredMailboxServer
(Get-ClusteredMailboxServerStatus CCREX01).State
'CCREX01' | Set-MailboxServer -AutoDatabaseMountDial Lossless
(Get-MailboxServer CCREX01).AutoDatabaseMountDial
Get-MailboxServer CCREX01 | Move-ClusteredMailboxServer -TargetMachine NH-W2K3-SRV04 -MoveComment 'piped' -Confirm:$false
(Get-ClusteredMailboxServerStatus CCREX01).OperationalMachines -match 'SRV04 <Active'"#);
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        ["Offline", "Online", "Lossless", "NH-W2K3-SRV04 <Active, Quorum Owner>"],
        "{out}"
    );
}

/// Get-MailboxDatabase reads BackupInProgress from the server with -Status, as it reads
/// Mounted (bb124924): a boolean then ($false: the lab takes no backups), $null without it.
#[test]
fn backup_in_progress_is_read_with_status_as_mounted_is() {
    let mut lab = Lab::new();
    let db = "'CCREX01\\First Storage Group\\Mailbox Database'";
    let out = lab.ok(&format!(
        "$s = Get-MailboxDatabase {db} -Status; $s.BackupInProgress -is [bool]; $s.BackupInProgress; \
         $null -eq (Get-MailboxDatabase {db}).BackupInProgress"
    ));
    assert_eq!(out.lines().collect::<Vec<_>>(), ["True", "False", "True"]);
}

/// New-StorageGroup and New-MailboxDatabase on a running lab (Exchange 2007 SP1, "How to
/// Create a New Storage Group" / "How to Create a New Mailbox Database"): on a CCR clustered
/// mailbox server the new storage group gets its passive copy; its database is created
/// dismounted, mounts, takes mail, and its copy replicates it. Every refusal — and -WhatIf —
/// changes nothing.
#[test]
fn new_storage_groups_and_databases_follow_exchanges_rules_and_refusals_change_nothing() {
    let mut lab = Lab::new();
    let state = "(Get-StorageGroup | ForEach-Object { \"$_=$($_.LogFilePrefix)\" }) -join ','; \
                 (Get-MailboxDatabase | ForEach-Object Identity) -join ','; \
                 (Get-StorageGroupCopyStatus | ForEach-Object Identity) -join ','";
    let before = lab.ok(state);
    let refusals = [
        ("New-StorageGroup -Server CCREX01 -Name 'First Storage Group'", "Give another -Name"),
        (
            "New-StorageGroup -Server CCREX01 -Name SG3 -LogFolderPath 'C:\\Program Files\\Microsoft\\Exchange Server\\Mailbox\\Second Storage Group'",
            "used by Second Storage Group",
        ),
        ("New-StorageGroup -Server CCREX01 -Name SG3 -SystemFolderPath 'E:'", "root of a drive"),
        ("New-StorageGroup -Server NH-W2K3-SRV04 -Name SG3", "Give -Server CCREX01"),
        ("New-StorageGroup -Server NH-W2K3-HUB01 -Name SG3", "not a Mailbox server"),
        ("New-StorageGroup -Server CCREX01 -Name 'a/b'", "is not allowed"),
        ("New-StorageGroup -Name SG3", "needs -Server"),
        ("New-StorageGroup -Server CCREX01 -Name SG3 -WhatIf", "What if: Creating storage group \"SG3\""),
        (
            "New-MailboxDatabase -StorageGroup 'CCREX01\\First Storage Group' -Name DB2",
            "A replicated storage group holds one database",
        ),
        ("New-MailboxDatabase -StorageGroup 'CCREX01\\Nope' -Name DB2", "Nope"),
        (
            "New-MailboxDatabase -StorageGroup 'CCREX01\\Second Storage Group' -Name DB2 -EdbFilePath 'D:\\DB2.txt'",
            ".edb",
        ),
    ];
    for (command, expected) in refusals {
        let (out, err) = lab.run(command);
        assert!(format!("{out}{err}").contains(expected), "{command}:\n{out}{err}");
        assert_eq!(lab.ok(state), before, "{command} changed nothing");
    }

    let out = lab.ok(
        "$sg = New-StorageGroup -Server CCREX01 -Name 'Third Storage Group'; \"$sg $($sg.LogFilePrefix) $($sg.Replicated)\"; \
         (Get-StorageGroupCopyStatus 'CCREX01\\Third Storage Group').CCRTargetNode",
    );
    assert_eq!(out.lines().collect::<Vec<_>>(), ["CCREX01\\Third Storage Group E02 Cluster", "NH-W2K3-SRV04"]);
    let out =
        lab.ok("$db = New-MailboxDatabase -StorageGroup 'CCREX01\\Third Storage Group' -Name 'Mailbox Database 3' \
           -EdbFilePath 'E:\\SG3\\MDB3.edb'; \"$db $($db.EdbFilePath)\"; \
         (Get-MailboxDatabase 'Mailbox Database 3' -Status).Mounted");
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        ["CCREX01\\Third Storage Group\\Mailbox Database 3 E:\\SG3\\MDB3.edb", "False"],
        "created dismounted"
    );
    let (_, err) =
        lab.run("New-MailboxDatabase -StorageGroup 'CCREX01\\Third Storage Group' -Name 'Mailbox Database 4'");
    assert!(err.contains("A replicated storage group holds one database"), "{err}");
    // The first mount starts the log stream: generation 1 written, shipped and replayed.
    let copy = "$c = Get-StorageGroupCopyStatus 'CCREX01\\Third Storage Group'; \
                \"$($c.SummaryCopyStatus) $($c.LastLogGenerated) $($c.LastLogReplayed)\"";
    let out = lab.ok(&format!("Mount-Database 'Mailbox Database 3'; Wait-LabReplication; {copy}"));
    assert_eq!(out.trim(), "Healthy 1 1");
    let out = lab.ok(&format!(
        "Send-LabMail 'Mailbox Database 3' -Count 3 | Out-Null; Dismount-Database 'Mailbox Database 3' -Confirm:$false; \
         Wait-LabReplication; {copy}; (Get-LabMailStatistics 'Mailbox Database 3').Present; \
         Mount-Database 'Mailbox Database 3'; Wait-LabReplication; {copy}"
    ));
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        ["Healthy 2 2", "3", "Healthy 2 2"],
        "a later mount writes no first log"
    );
}

/// Remove-MailboxDatabase and Remove-StorageGroup (Exchange 2007: a database must be dismounted
/// and hold no mailbox; a storage group must hold no database and have no SCR copy): each
/// refusal and -WhatIf changes nothing; a new storage group and its database go, with the CCR
/// copy and its folders, and the name can be used again.
#[test]
fn removals_follow_exchanges_rules_and_refusals_change_nothing() {
    let mut lab = Lab::new();
    lab.ok("New-StorageGroup -Server CCREX01 -Name SG3 | Out-Null; \
         New-MailboxDatabase -StorageGroup CCREX01\\SG3 -Name DB3 | Out-Null; Mount-Database DB3");
    let state = "(Get-StorageGroup | ForEach-Object Identity) -join ','; \
                 (Get-MailboxDatabase -Status | ForEach-Object { \"$($_.Identity)=$($_.Mounted)\" }) -join ','; \
                 (Get-StorageGroupCopyStatus | ForEach-Object Identity) -join ','";
    let before = lab.ok(state);
    assert!(before.contains("CCREX01\\SG3\\DB3=True"), "{before}");
    let refusals = [
        ("Remove-MailboxDatabase DB3 -Confirm:$false", "Dismount-Database 'CCREX01\\SG3\\DB3' first"),
        ("Remove-MailboxDatabase 'Mailbox Database' -Confirm:$false", "Get-Mailbox -Database"),
        ("Remove-MailboxDatabase 'Public Folder Database' -Confirm:$false", "could not be found"),
        ("Remove-StorageGroup CCREX01\\SG3 -Confirm:$false", "Remove-MailboxDatabase 'CCREX01\\SG3\\DB3'"),
        ("Remove-StorageGroup 'CCREX01\\First Storage Group' -Confirm:$false", "holds no database"),
        ("Remove-StorageGroup CCREX01\\Nope -Confirm:$false", "could not be found"),
        (
            "Dismount-Database DB3 -Confirm:$false; Remove-MailboxDatabase DB3 -WhatIf",
            "What if: Removing mailbox database",
        ),
        ("Send-LabMail DB3 -Count 1 | Out-Null; Remove-MailboxDatabase DB3 -Confirm:$false", "1 queued"),
        (
            "Mount-Database DB3; Send-LabMail DB3 -Count 1 | Out-Null; Dismount-Database DB3 -Confirm:$false; \
             Remove-MailboxDatabase DB3 -Confirm:$false",
            "2 message(s) delivered, 0 queued",
        ),
    ];
    for (command, expected) in refusals {
        let (out, err) = lab.run(command);
        assert!(format!("{out}{err}").contains(expected), "{command}:\n{out}{err}");
        let after = lab.ok(state).replace("CCREX01\\SG3\\DB3=False", "CCREX01\\SG3\\DB3=True");
        assert_eq!(after, before, "{command} changed nothing");
    }
    // A database that never took mail goes, then its storage group with its CCR copy.
    lab.ok("New-StorageGroup -Server CCREX01 -Name SG4 | Out-Null; New-MailboxDatabase -StorageGroup CCREX01\\SG4 -Name DB4 | Out-Null");
    let (_, err) =
        lab.run("Remove-MailboxDatabase DB4 -Confirm:$false; Remove-StorageGroup CCREX01\\SG4 -Confirm:$false");
    assert!(err.contains("WARNING") && err.contains("SG4\\DB4.edb"), "{err}");
    assert!(!err.contains("Remove-"), "{err}");
    let after = lab.ok(state).replace("CCREX01\\SG3\\DB3=False", "CCREX01\\SG3\\DB3=True");
    assert_eq!(after, before);
    let again = lab.ok("(New-StorageGroup -Server CCREX01 -Name SG4).LogFilePrefix; Wait-LabReplication; (Get-StorageGroupCopyStatus CCREX01\\SG4).LastLogInspected");
    assert_eq!(again.lines().collect::<Vec<_>>(), ["E03", "0"], "a new log stream of its own");
}

/// Get-MailboxServer's object carries the server's AdminDisplayVersion (a ServerVersion, as
/// Get-ExchangeServer's: Exchange 2007 SP1 is `Version 8.1 (Build 240.6)`) besides its
/// ExchangeVersion (`0.1 (8.0.535.0)`, the oldest version that can manage the object: bb123539).
#[test]
fn mailbox_servers_show_the_version_get_exchange_server_shows() {
    let mut lab = Lab::new();
    let out = lab.ok("$m = Get-MailboxServer CCREX01; $e = Get-ExchangeServer CCREX01; \
         \"$($m.AdminDisplayVersion)\"; $m.AdminDisplayVersion.Major; $m.AdminDisplayVersion.Minor; \
         \"$($m.AdminDisplayVersion)\" -eq \"$($e.AdminDisplayVersion)\"; \"$($m.ExchangeVersion)\"; \
         $e.IsExchange2007OrLater; \"$($e.ServerRole)\"; \"$($e.Edition)\"");
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        ["Version 8.1 (Build 240.6)", "8", "1", "True", "0.1 (8.0.535.0)", "True", "Mailbox", "Enterprise"]
    );
}
