//! Issue 11: an Exchange 2007 SP1 administrator's own scripts run unchanged. Each test names the
//! documentation page (or published transcript) its behaviour comes from, and runs commands as
//! a script would, in-process on a fresh embedded seed lab.

use ccrsh::service::embedded;
use ccrsh::service::lab::TopologySource;
use ccrsh::shell::client::Client;
use ccrsh::shell::session::SourceName;

use crate::support::captured_session;

/// A fresh seed lab and a session on it that cannot prompt (as under -NonInteractive).
struct Lab {
    _dir: tempfile::TempDir,
    _service: embedded::Embedded,
    session: ccrsh::shell::session::Session,
    out: crate::support::Captured,
    err: crate::support::Captured,
}

impl Lab {
    fn new() -> Lab {
        Lab::answering(None)
    }

    /// A lab whose prompts are answered from `answers` (`None`: no prompts possible).
    fn answering(answers: Option<&str>) -> Lab {
        let dir = tempfile::tempdir().expect("temp dir");
        let service = embedded::start(dir.path(), &TopologySource::Seed).expect("embedded service");
        let client = Client::new(&service.url, Some(service.admin_token.clone())).expect("client");
        let (session, out, err) = captured_session(client, answers);
        Lab { _dir: dir, _service: service, session, out, err }
    }

    /// Runs `text`; returns what it printed to standard output and to standard error since the
    /// last run.
    fn run(&mut self, text: &str) -> (String, String) {
        let (out_before, err_before) = (self.out.text().len(), self.err.text().len());
        self.session.run(text, &SourceName::Command);
        (self.out.text()[out_before..].to_string(), self.err.text()[err_before..].to_string())
    }

    /// Runs `text` and returns its output, failing the test on any error.
    fn ok(&mut self, text: &str) -> String {
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
            "CCREX01",
            "CCREX01",
            "CCREX01\\Second Storage Group",
        ]
    );
    // A change takes the object too.
    lab.ok("$sg = Get-StorageGroup 'CCREX01\\First Storage Group'; Suspend-StorageGroupCopy -Identity $sg -SuspendComment x");
    assert_eq!(lab.ok("(Get-StorageGroupCopyStatus $sg).SummaryCopyStatus").trim(), "Suspended");
}

// ---------------------------------------------------------------------------------------------
// 4. Identity forms.

/// StorageGroupIdParameter takes "GUID" or "Name of the storage group" (aa997246); published
/// scripts use `Get-StorageGroupCopyStatus -Identity $CMSName\*`; transcripts pass standby
/// machines as FQDNs (`-StandbyMachine ex2.companyabc.local`); DNs are an ADIdParameter form.
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
