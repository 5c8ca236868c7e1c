//! ccrd's engine through its HTTP API, on a real lab directory: mail delivered to real log
//! files, shipped, inspected and replayed; scheduled moves that lose nothing; stops with a
//! reason; refusals with their precondition report that change nothing; the dry run, the
//! expected-state guard and roles; the history; and crash recovery under `kill -9`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use ccrsh::api::{
    self, AutoDatabaseMountDial, CheckResult, ClusteredMailboxServerStatus, CopyRequest, CopyStatus, CopyStatusQuery,
    EnableCopyRequest, ErrorCode, EventQuery, HistoryQuery, IdentityQuery, IdentityRequest, LinkState, MailStatistics,
    MailboxServerRequest, MoveRequest, NetworkRequest, NodePowerRequest, OperationResult, RestoreRequest, SeedRequest,
    SendMailRequest, SendMailResult, ServiceInfo, SettleRequest, SettleResult, SetupMode, SetupRequest, StopRequest,
    StorageGroupCopyStatus, routes,
};
use ccrsh::service::embedded::{self, Embedded};
use ccrsh::service::lab::TopologySource;
use ccrsh::service::replication::FIRST_GENERATIONS;
use ccrsh::shell::client::{Client, ClientError};

use crate::support::Ccrd;

/// An embedded ccrd on a fresh lab whose logs close at `log_kb`.
struct Lab {
    _dir: tempfile::TempDir,
    path: PathBuf,
    service: Option<Embedded>,
    admin: Client,
}

impl Lab {
    fn new(log_kb: u32) -> Lab {
        let dir = tempfile::tempdir().expect("temp dir");
        let topology = dir.path().join("topology.toml");
        let text = ccrsh::engine::topology::SEED.replace("log_size_kb = 1024", &format!("log_size_kb = {log_kb}"));
        std::fs::write(&topology, text).expect("topology written");
        let path = dir.path().join("lab");
        // The store matrix (`CCRSH_STORE=etcd`): the same tests with the estate in etcd.
        let etcd = crate::support::etcd::matrix_store(&path)
            .map(|url| ccrsh::service::store::EtcdUrl::parse(&url).expect("the matrix's etcd address"));
        let service =
            embedded::start_on(&path, &TopologySource::File(topology), etcd.as_ref()).expect("embedded ccrd starts");
        let admin = Client::new(&service.url, Some(service.admin_token.clone())).expect("client");
        Lab { _dir: dir, path, service: Some(service), admin }
    }

    fn url(&self) -> String {
        self.service.as_ref().expect("running").url.clone()
    }

    fn viewer(&self) -> Client {
        Client::new(&self.url(), Some(crate::support::token(&self.path.join("viewer.token")))).expect("client")
    }

    fn send(&self, count: u32, size_kb: u32) -> Vec<u64> {
        let request = SendMailRequest {
            database: "Mailbox Database".into(),
            count,
            size_kb,
            dry_run: false,
            expected_version: None,
            recipient: None,
        };
        let result: SendMailResult = self.admin.post(routes::LAB_MAIL, &request).expect("mail accepted");
        result.accepted
    }

    fn settle(&self) {
        let result: SettleResult =
            self.admin.post(routes::LAB_SETTLE, &SettleRequest { timeout_ms: Some(20_000) }).expect("settles");
        assert!(result.settled, "replication did not settle: {:?}", result.behind);
    }

    /// Messages the hub transport servers hold for databases that cannot take them yet.
    fn queued(&self) -> u64 {
        let queues: Vec<api::Queue> = self.admin.get(routes::QUEUES, &api::QueueQuery::default()).expect("queues");
        queues.iter().map(|q| q.message_count).sum()
    }

    /// The ledger and the hubs' queued count as one consistent reading. A replication pass may
    /// deliver queued mail (moving it from a queue into the ledger) between two reads, so read
    /// the queues on both sides of the ledger until they agree.
    fn ledger_and_queued(&self) -> (MailStatistics, u64) {
        let mut queued = self.queued();
        for _ in 0..100 {
            let ledger = self.ledger();
            let after = self.queued();
            if after == queued {
                return (ledger, queued);
            }
            queued = after;
        }
        panic!("the hubs' queues never held still for a reading");
    }

    fn ledger(&self) -> MailStatistics {
        let query = IdentityQuery { identity: Some("Mailbox Database".into()) };
        self.admin.get(routes::LAB_MAIL_STATISTICS, &query).expect("ledger")
    }

    fn copy(&self, sg: &str) -> StorageGroupCopyStatus {
        let query = CopyStatusQuery { identity: Some(sg.into()), ..Default::default() };
        let mut all: Vec<StorageGroupCopyStatus> =
            self.admin.get(routes::STORAGE_GROUP_COPY_STATUS, &query).expect("copy status");
        all.remove(0)
    }

    fn cms(&self) -> ClusteredMailboxServerStatus {
        let query = IdentityQuery { identity: Some("CCREX01".into()) };
        let mut all: Vec<ClusteredMailboxServerStatus> = self.admin.get(routes::CMS_STATUS, &query).expect("status");
        all.remove(0)
    }

    fn version(&self) -> u64 {
        let info: ServiceInfo = self.admin.get(routes::INFO, &()).expect("info");
        info.estate_version
    }

    fn move_to(&self, target: &str) -> Result<OperationResult, ClientError> {
        self.admin.post(routes::MOVE_CMS, &move_request(target))
    }

    fn power(&self, node: &str, on: bool, crash: bool) -> OperationResult {
        let request = NodePowerRequest { identity: node.into(), crash, dry_run: false, expected_version: None };
        let route = if on { routes::LAB_NODE_START } else { routes::LAB_NODE_STOP };
        self.admin.post(route, &request).expect("power changed")
    }

    fn link(&self, a: &str, b: &str, state: LinkState) {
        let request = NetworkRequest { between: [a.into(), b.into()], state, dry_run: false, expected_version: None };
        let _: OperationResult = self.admin.post(routes::LAB_NETWORK, &request).expect("link changed");
    }

    fn dial(&self, dial: AutoDatabaseMountDial) {
        let request = MailboxServerRequest {
            identity: "CCREX01".into(),
            auto_database_mount_dial: Some(dial),
            forced_database_mount_after: None,
            dry_run: false,
            expected_version: None,
            domain_controller: None,
        };
        let _: OperationResult = self.admin.post(routes::SET_MAILBOX_SERVER, &request).expect("dial set");
    }

    fn mounted(&self) -> bool {
        let query = api::StoreQuery { identity: Some("Mailbox Database".into()), status: true, ..Default::default() };
        let dbs: Vec<api::Database> = self.admin.get(routes::MAILBOX_DATABASES, &query).expect("databases");
        dbs[0].mounted == Some(true)
    }

    fn mount(&self) -> Result<OperationResult, ClientError> {
        let request = IdentityRequest {
            identity: "Mailbox Database".into(),
            dry_run: false,
            expected_version: None,
            domain_controller: None,
        };
        self.admin.post(routes::MOUNT_DATABASE, &request)
    }

    fn restore(&self, force: bool, dry_run: bool) -> Result<OperationResult, ClientError> {
        let request = RestoreRequest {
            identity: "First Storage Group".into(),
            standby_machine: None,
            force,
            dry_run,
            expected_version: None,
            domain_controller: None,
            replace_locations: false,
        };
        self.admin.post(routes::RESTORE_COPY, &request)
    }

    /// Mail the passive copy never receives: the link is cut while `count` messages arrive.
    fn send_unshipped(&self, count: u32) -> Vec<u64> {
        self.link("NH-W2K3-SRV03", "NH-W2K3-SRV04", LinkState::Down);
        self.send(count, 10)
    }

    fn events_with(&self, id: u32) -> Vec<api::EventEntry> {
        self.admin.get(routes::EVENTS, &EventQuery { instance_id: Some(id), ..Default::default() }).expect("events")
    }

    fn op<T: serde::Serialize>(&self, route: &str, body: &T) -> OperationResult {
        match self.admin.post(route, body) {
            Ok(result) => result,
            Err(e) => panic!("{route} failed: {e:?}"),
        }
    }

    fn scr_copy(&self, sg: &str, node: &str) -> StorageGroupCopyStatus {
        let query =
            CopyStatusQuery { identity: Some(sg.into()), standby_machine: Some(node.into()), ..Default::default() };
        let mut all: Vec<StorageGroupCopyStatus> =
            self.admin.get(routes::STORAGE_GROUP_COPY_STATUS, &query).expect("copy status");
        all.remove(0)
    }

    /// The folder of `sg`'s copy on `node`, in the lab's files directory (`nodes`, then
    /// `nodes.1` after a reset, …).
    fn node_dir(&self, node: &str, sg: &str) -> PathBuf {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.path)
            .expect("the lab directory")
            .filter_map(|e| Some(e.ok()?.path()))
            .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("nodes")))
            .collect();
        files.sort();
        let files = files.pop().expect("a files directory");
        files.join(node).join("CCREX01").join(sg)
    }
}

/// A request for one 1 KB message to the mailbox database.
fn one_message() -> SendMailRequest {
    SendMailRequest {
        database: "Mailbox Database".into(),
        count: 1,
        size_kb: 1,
        dry_run: false,
        expected_version: None,
        recipient: None,
    }
}

fn move_request(target: &str) -> MoveRequest {
    MoveRequest {
        identity: "CCREX01".into(),
        target_machine: target.into(),
        move_comment: "patching".into(),
        ignore_dismounted: false,
        ignore_queue_length: false,
        dry_run: false,
        expected_version: None,
        domain_controller: None,
    }
}

fn refused(result: Result<OperationResult, ClientError>) -> api::ErrorBody {
    refused_any(result)
}

fn refused_any<T: std::fmt::Debug>(result: Result<T, ClientError>) -> api::ErrorBody {
    match result {
        Err(ClientError::Rejected(body)) => body,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn log_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect())
        .unwrap_or_default();
    names.retain(|n| n.ends_with(".log"));
    names.sort();
    names
}

/// A new lab is an estate that has run (a mounted CCR storage group has a current log and
/// closed generations copied and replayed): each storage group has written its first log
/// (the database's own transactions, no mail), shipped, inspected and replayed on its CCR copy
/// with the times set; a standby copy enabled later receives it and holds it back unreplayed
/// (SP1's 50-log replay delay). Reset-Lab builds the same.
#[test]
fn a_new_lab_has_written_its_first_logs_and_replicated_them() {
    let lab = Lab::new(1024);
    let check = |lab: &Lab| {
        for sg in ["First Storage Group", "Second Storage Group"] {
            let copy = lab.copy(sg);
            let counters =
                (copy.last_log_generated, copy.last_log_copied, copy.last_log_inspected, copy.last_log_replayed);
            assert_eq!(counters, (1, 1, 1, 1), "{copy:?}");
            assert_eq!(FIRST_GENERATIONS, 1);
            assert_eq!(
                (copy.copy_queue_length, copy.replay_queue_length, copy.summary_copy_status),
                (0, 0, CopyStatus::Healthy)
            );
            for time in [copy.last_copied_log_time, copy.last_inspected_log_time, copy.last_replayed_log_time] {
                assert!(time.is_some(), "{copy:?}");
            }
        }
        let prefix = "E00";
        for node in ["NH-W2K3-SRV03", "NH-W2K3-SRV04"] {
            let names = log_names(&lab.node_dir(node, "First Storage Group"));
            assert!(names.contains(&format!("{prefix}00000001.log")), "{node}: {names:?}");
            assert_eq!(
                names.contains(&format!("{prefix}.log")),
                node == "NH-W2K3-SRV03",
                "the active's open log: {names:?}"
            );
        }
        // No mail was delivered: the ledger is empty and so are the databases.
        let ledger = lab.ledger();
        assert_eq!((ledger.accepted, ledger.present, ledger.lost), (0, 0, 0));
    };
    check(&lab);
    lab.op(routes::ENABLE_COPY, &enable("NH-W2K3-SRV01", "First Storage Group"));
    lab.settle();
    let query = CopyStatusQuery {
        identity: Some("First Storage Group".into()),
        standby_machine: Some("NH-W2K3-SRV01".into()),
        ..Default::default()
    };
    let standby: Vec<StorageGroupCopyStatus> =
        lab.admin.get(routes::STORAGE_GROUP_COPY_STATUS, &query).expect("status");
    let standby = &standby[0];
    assert_eq!(
        (standby.last_log_inspected, standby.last_log_replayed, standby.replay_queue_length),
        (1, 0, 1),
        "{standby:?}"
    );
    assert_eq!(standby.summary_copy_status, CopyStatus::Healthy);

    let _: api::LabResult = lab.admin.post(routes::LAB_RESET, &api::ResetRequest::default()).expect("reset");
    check(&lab);
    // Mail then goes into the open log after the first generation.
    lab.send(4, 10);
    lab.settle();
    assert_eq!(lab.copy("First Storage Group").last_log_generated, FIRST_GENERATIONS, "4 small messages stay open");
}

#[test]
fn delivered_mail_is_logged_shipped_inspected_and_replayed() {
    let lab = Lab::new(64);
    let ids = lab.send(40, 10);
    assert_eq!(ids.len(), 40);
    lab.settle();
    let copy = lab.copy("First Storage Group");
    assert!(copy.last_log_generated >= 5, "40 × 10 KB in 64 KB logs closes several: {copy:?}");
    assert_eq!((copy.copy_queue_length, copy.replay_queue_length), (0, 0), "{copy:?}");
    assert_eq!(copy.last_log_inspected, copy.last_log_generated);
    assert_eq!(copy.last_log_replayed, copy.last_log_generated);
    assert_eq!(copy.summary_copy_status, CopyStatus::Healthy);
    // Real files, named as Exchange names them, on the active node; the open log too.
    let active = log_names(&lab.node_dir("NH-W2K3-SRV03", "First Storage Group"));
    assert!(active.contains(&"E00.log".to_string()), "{active:?}");
    let passive = lab.node_dir("NH-W2K3-SRV04", "First Storage Group");
    assert!(passive.join("database.edb").metadata().expect("database file").len() > 40 * 1024 * 5);
    assert!(passive.join("E00.chk").exists());
    let ledger = lab.ledger();
    assert_eq!((ledger.accepted, ledger.present, ledger.lost), (40, 40, 0));
    // The other storage group saw no mail: it holds only the logs a new lab starts with.
    assert_eq!(lab.copy("Second Storage Group").last_log_generated, FIRST_GENERATIONS);
}

#[test]
fn the_source_truncates_what_every_copy_inspected_and_a_suspended_copy_holds_logs_back() {
    let lab = Lab::new(32);
    lab.send(60, 10);
    lab.settle();
    let source = lab.node_dir("NH-W2K3-SRV03", "First Storage Group");
    let generated = lab.copy("First Storage Group").last_log_generated;
    let kept = log_names(&source).len() as u64;
    assert!(kept < generated, "inspected logs beyond the LLR depth are deleted: kept {kept} of {generated}");
    let passive = log_names(&lab.node_dir("NH-W2K3-SRV04", "First Storage Group")).len() as u64;
    assert!(passive <= kept, "the copy deletes what it replayed and the source deleted: {passive} of {generated}");

    let suspend = CopyRequest {
        identity: "First Storage Group".into(),
        standby_machine: None,
        suspend_comment: Some("disk swap".into()),
        dry_run: false,
        expected_version: None,
        domain_controller: None,
    };
    let _: OperationResult = lab.admin.post(routes::SUSPEND_COPY, &suspend).expect("suspended");
    lab.send(60, 10);
    lab.settle();
    let copy = lab.copy("First Storage Group");
    assert_eq!(copy.summary_copy_status, CopyStatus::Suspended);
    assert_eq!(copy.suspend_comment.as_deref(), Some("disk swap"));
    assert!(copy.copy_queue_length > 10, "a suspended copy receives nothing: {copy:?}");
    let held = log_names(&source).len() as u64;
    assert!(held > copy.copy_queue_length, "the source keeps every log the copy has not inspected");

    // Suspending again changes nothing and keeps the first comment.
    let again = CopyRequest { suspend_comment: Some("other".into()), ..suspend.clone() };
    let second: OperationResult = lab.admin.post(routes::SUSPEND_COPY, &again).expect("idempotent");
    assert!(!second.changed);
    assert_eq!(lab.copy("First Storage Group").suspend_comment.as_deref(), Some("disk swap"));

    let _: OperationResult = lab.admin.post(routes::RESUME_COPY, &suspend).expect("resumed");
    lab.settle();
    let copy = lab.copy("First Storage Group");
    assert_eq!(
        (copy.summary_copy_status, copy.copy_queue_length, copy.suspend_comment),
        (CopyStatus::Healthy, 0, None)
    );
}

#[test]
fn a_scheduled_move_flushes_every_log_writes_event_100_and_loses_nothing() {
    let lab = Lab::new(64);
    let mut sent = lab.send(25, 10);
    lab.settle();
    sent.extend(lab.send(3, 10)); // still in the open log
    let result = lab.move_to("NH-W2K3-SRV04").expect("moves");
    assert!(result.changed && result.report.allowed);
    assert!(result.report.checks.iter().all(|c| c.result == CheckResult::Passed), "{:?}", result.report);
    assert_eq!(result.events[0].instance_id, 100);
    assert!(result.events[0].message.contains("patching"), "{}", result.events[0].message);
    let phases: Vec<&str> = result.timings.iter().map(|t| t.phase.as_str()).collect();
    assert_eq!(phases, ["Checks", "Flush", "Handoff"]);

    assert!(lab.cms().operational_machines.contains(&"NH-W2K3-SRV04 <Active, Quorum Owner>".to_string()));
    let ledger = lab.ledger();
    assert_eq!((ledger.accepted, ledger.present, ledger.lost), (28, 28, 0), "{ledger:?}");

    // The old active node now holds the passive copy and receives the new logs.
    sent.extend(lab.send(20, 10));
    lab.settle();
    let copy = lab.copy("First Storage Group");
    assert_eq!(copy.ccr_target_node.as_deref(), Some("NH-W2K3-SRV03"));
    assert_eq!((copy.copy_queue_length, copy.summary_copy_status), (0, CopyStatus::Healthy), "{copy:?}");

    lab.move_to("NH-W2K3-SRV03").expect("moves back");
    let ledger = lab.ledger();
    assert_eq!((ledger.accepted, ledger.present, ledger.lost), (sent.len() as u64, sent.len() as u64, 0));

    let events: Vec<api::EventEntry> =
        lab.admin.get(routes::EVENTS, &EventQuery { instance_id: Some(100), ..Default::default() }).expect("events");
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].machine_name, "NH-W2K3-SRV03", "newest first");
    let history: Vec<api::OperationRecord> = lab
        .admin
        .get(
            routes::HISTORY,
            &HistoryQuery { cmdlet: Some("Move-ClusteredMailboxServer".into()), ..Default::default() },
        )
        .expect("history");
    assert_eq!(history.len(), 2);
    assert_eq!((history[0].outcome.as_str(), history[0].reason.as_deref()), ("Succeeded", Some("patching")));
    assert_eq!(history[0].caller, "Administrator");
}

#[test]
fn a_refused_move_names_each_failed_check_and_its_remedy_and_changes_nothing() {
    let lab = Lab::new(64);
    lab.send(5, 10);
    let suspend = CopyRequest {
        identity: "CCREX01\\First Storage Group".into(),
        standby_machine: None,
        suspend_comment: None,
        dry_run: false,
        expected_version: None,
        domain_controller: None,
    };
    let _: OperationResult = lab.admin.post(routes::SUSPEND_COPY, &suspend).expect("suspended");
    let version = lab.version();
    let before = lab.cms();

    let body = refused(lab.move_to("NH-W2K3-SRV04"));
    assert_eq!(body.code, ErrorCode::PreconditionFailed);
    let report = body.report.expect("a refusal carries its report");
    let failed: Vec<_> = report.failed().collect();
    assert_eq!(failed.len(), 1, "{report:?}");
    assert!(failed[0].check.contains("First Storage Group") && failed[0].observed == "Suspended");
    assert!(failed[0].remedy.as_deref().unwrap_or_default().contains("Resume-StorageGroupCopy"));
    assert!(body.message.contains("was refused"), "{}", body.message);

    let wrong = refused(lab.move_to("NH-W2K3-SRV01"));
    assert!(wrong.message.contains("RedundantMachines"), "{}", wrong.message);
    let here = refused(lab.move_to("NH-W2K3-SRV03"));
    assert!(here.hint.unwrap_or_default().contains("already runs on NH-W2K3-SRV03"));

    assert_eq!(lab.cms(), before, "a refusal changes nothing");
    assert_eq!(lab.version(), version);
    let history: Vec<api::OperationRecord> =
        lab.admin.get(routes::HISTORY, &HistoryQuery { newest: Some(1), ..Default::default() }).expect("history");
    assert_eq!(history[0].outcome, "Refused");
    assert!(!history[0].report.checks.is_empty());
}

#[test]
fn a_dry_run_reports_without_acting_and_the_guard_stops_a_stale_change() {
    let lab = Lab::new(64);
    let version = lab.version();
    let dry: OperationResult =
        lab.admin.post(routes::MOVE_CMS, &MoveRequest { dry_run: true, ..move_request("NH-W2K3-SRV04") }).expect("ok");
    assert!(dry.dry_run && !dry.changed && dry.report.allowed && dry.events.is_empty());
    assert!(lab.cms().operational_machines.contains(&"NH-W2K3-SRV03 <Active, Quorum Owner>".to_string()));
    assert_eq!(lab.version(), version);

    let stop = StopRequest {
        identity: "CCREX01".into(),
        stop_reason: "maintenance".into(),
        dry_run: false,
        expected_version: Some(version),
        domain_controller: None,
    };
    let done: OperationResult = lab.admin.post(routes::STOP_CMS, &stop).expect("stopped");
    assert_eq!(done.estate_version, version + 1);
    let start = IdentityRequest {
        identity: "CCREX01".into(),
        dry_run: false,
        expected_version: Some(version),
        domain_controller: None,
    };
    let stale = match lab.admin.post::<OperationResult>(routes::START_CMS, &start) {
        Err(ClientError::Rejected(body)) => body,
        other => panic!("expected 409, got {other:?}"),
    };
    assert_eq!(stale.code, ErrorCode::EstateChanged);
    assert!(stale.message.contains(&format!("version {version}")), "{}", stale.message);
    assert_eq!(lab.cms().state, api::CmsState::Offline, "the stale start changed nothing");
}

/// `body` posted to `route` as the administrator under the request id `id` (raw HTTP, as any
/// client may send it): the status and the JSON answer.
fn post_with_id(lab: &Lab, route: &str, id: &[u8], body: &impl serde::Serialize) -> (u16, serde_json::Value) {
    let token = lab.service.as_ref().expect("running").admin_token.clone();
    post_as(&lab.url(), &token, route, id, body)
}

fn post_as(url: &str, token: &str, route: &str, id: &[u8], body: &impl serde::Serialize) -> (u16, serde_json::Value) {
    let header = reqwest::header::HeaderValue::from_bytes(id).expect("a header value");
    let answer = crate::support::http_client()
        .post(format!("{url}{route}"))
        .bearer_auth(token)
        .header(api::headers::REQUEST_ID, header)
        .json(body)
        .send()
        .expect("ccrd answers");
    (answer.status().as_u16(), answer.json().expect("a JSON answer"))
}

fn error_body(answer: serde_json::Value) -> api::ErrorBody {
    serde_json::from_value(answer).expect("an error body")
}

fn history_of(lab: &Lab, cmdlet: &str) -> Vec<api::OperationRecord> {
    let query = HistoryQuery { cmdlet: Some(cmdlet.into()), ..Default::default() };
    lab.admin.get(routes::HISTORY, &query).expect("history")
}

fn clock(seconds: u64) -> api::ClockRequest {
    api::ClockRequest { advance_seconds: seconds, dry_run: false, expected_version: None }
}

/// Issue 16: request ids. A change retried under its id after it committed is answered with its
/// first answer and carried out once (the version, the history and the copy show one change),
/// even when the attempts arrive together; a new id is a new change; an id reused for another
/// change is refused and changes nothing.
#[test]
fn a_change_retried_under_its_request_id_is_carried_out_once_and_a_new_id_is_a_new_change() {
    let lab = Lab::new(64);
    let before = lab.version();
    let suspend = copy_request("First Storage Group", None);
    let (status, first) = post_with_id(&lab, routes::SUSPEND_COPY, b"retry-1", &suspend);
    assert_eq!(status, 200, "{first}");
    let first: OperationResult = serde_json::from_value(first).expect("a result");
    assert!(first.changed && first.estate_version == before + 1, "{first:?}");
    let (status, again) = post_with_id(&lab, routes::SUSPEND_COPY, b"retry-1", &suspend);
    assert_eq!(status, 200, "{again}");
    let again: OperationResult = serde_json::from_value(again).expect("a result");
    assert_eq!((&again.report, again.changed, again.estate_version), (&first.report, true, first.estate_version));
    assert_eq!(again.events, first.events, "its events, as first numbered");
    let note = again.notes.last().cloned().unwrap_or_default();
    assert!(note.contains("already carried out under request id retry-1") && note.contains("nothing was done again"));
    assert_eq!(lab.version(), before + 1, "carried out once");
    assert_eq!(history_of(&lab, "Suspend-StorageGroupCopy").len(), 1, "one change in the history");
    assert_eq!(lab.copy("First Storage Group").summary_copy_status, CopyStatus::Suspended);

    // Four attempts under one id at once: one change, one answer.
    let before = lab.version();
    let (url, token) = (lab.url(), lab.service.as_ref().expect("running").admin_token.clone());
    let versions: Vec<u64> = std::thread::scope(|scope| {
        let attempts: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    let (status, answer) = post_as(&url, &token, routes::LAB_CLOCK, b"clock-1", &clock(60));
                    assert_eq!(status, 200, "{answer}");
                    serde_json::from_value::<OperationResult>(answer).expect("a result").estate_version
                })
            })
            .collect();
        attempts.into_iter().map(|a| a.join().expect("attempt")).collect()
    });
    assert_eq!(versions, [before + 1; 4]);
    assert_eq!(lab.version(), before + 1);
    assert_eq!(history_of(&lab, "Set-LabClock").len(), 1);

    // The same change under a new id is a new change.
    let (status, fresh) = post_with_id(&lab, routes::LAB_CLOCK, b"clock-2", &clock(60));
    assert_eq!(status, 200, "{fresh}");
    assert_eq!(fresh["EstateVersion"], before + 2);
    assert_eq!(history_of(&lab, "Set-LabClock").len(), 2);

    // An id already used, sent with another change: refused, nothing done.
    let (status, reused) =
        post_with_id(&lab, routes::RESUME_COPY, b"retry-1", &copy_request("First Storage Group", None));
    assert_eq!(status, 400, "{reused}");
    let reused = error_body(reused);
    assert_eq!(reused.code, ErrorCode::InvalidRequest);
    assert!(reused.message.contains("was already used for another change"), "{}", reused.message);
    assert_eq!(lab.version(), before + 2);
    assert_eq!(lab.copy("First Storage Group").summary_copy_status, CopyStatus::Suspended);
    assert!(history_of(&lab, "Resume-StorageGroupCopy").is_empty());
}

/// Issue 16: a request id that is too long, empty, or has other characters than letters,
/// digits, `-`, `_` and `.` is refused with a 400 that says what an id is, and nothing runs.
#[test]
fn a_malformed_request_id_is_refused_clearly_and_changes_nothing() {
    let lab = Lab::new(64);
    let before = lab.version();
    let suspend = copy_request("First Storage Group", None);
    let long = "a".repeat(api::REQUEST_ID_MAX_LEN + 1);
    for bad in [long.as_bytes(), b"", b"two words", b"semi;colon", b"../up", "caf\u{e9}".as_bytes()] {
        let (status, answer) = post_with_id(&lab, routes::SUSPEND_COPY, bad, &suspend);
        assert_eq!(status, 400, "{answer}");
        let refused = error_body(answer);
        assert_eq!(refused.code, ErrorCode::InvalidRequest);
        let message = &refused.message;
        assert!(message.contains("x-ccrd-request-id") && message.contains("letters, digits"), "{message}");
    }
    let longest = "a".repeat(api::REQUEST_ID_MAX_LEN);
    assert_eq!(lab.version(), before, "nothing ran");
    assert_ne!(lab.copy("First Storage Group").summary_copy_status, CopyStatus::Suspended);
    assert!(history_of(&lab, "Suspend-StorageGroupCopy").is_empty());
    // The longest id is one.
    let (status, answer) = post_with_id(&lab, routes::SUSPEND_COPY, longest.as_bytes(), &suspend);
    assert_eq!(status, 200, "{answer}");
}

/// Issue 16: the shell's client sends each change under a request id of its own and, when the
/// answer is lost on the way (the connection drops after ccrd carried the change out), sends
/// it again under the same id: the change is carried out once, and the answer says so.
#[test]
fn the_client_retries_a_change_whose_answer_was_lost_and_it_is_carried_out_once() {
    let lab = Lab::new(64);
    let before = lab.version();
    let proxy = crate::support::LossyProxy::start(&lab.url(), b"POST ", true);
    let client =
        Client::new(&proxy.url, Some(lab.service.as_ref().expect("running").admin_token.clone())).expect("client");
    let result: OperationResult =
        client.change(routes::SUSPEND_COPY, &copy_request("First Storage Group", None)).expect("answered on a retry");
    assert!(result.changed && result.estate_version == before + 1, "{result:?}");
    assert!(proxy.lost(), "the first answer was lost");
    assert!(result.notes.iter().any(|n| n.contains("already carried out under request id")), "{:?}", result.notes);
    assert_eq!(lab.version(), before + 1, "carried out once");
    assert_eq!(history_of(&lab, "Suspend-StorageGroupCopy").len(), 1);
    // Each change has an id of its own: the next one is carried out (through the proxy, which
    // now passes answers on).
    let resumed: OperationResult =
        client.change(routes::RESUME_COPY, &copy_request("First Storage Group", None)).expect("resumed");
    assert_eq!(resumed.estate_version, before + 2);
    assert!(resumed.notes.iter().all(|n| !n.contains("already carried out")), "{:?}", resumed.notes);
}

/// The same through ccrsh itself: a cmdlet's change whose answer is lost on the way is sent
/// again under its request id; the cmdlet succeeds and the change is made once.
#[test]
fn a_cmdlet_whose_answer_was_lost_succeeds_and_its_change_is_made_once() {
    let lab = Lab::new(64);
    let before = lab.version();
    let proxy = crate::support::LossyProxy::start(&lab.url(), b"POST ", true);
    let token = lab.service.as_ref().expect("running").admin_token.clone();
    let home = crate::support::Home::new();
    let run = home.run(&[
        "--server",
        &proxy.url,
        "--token",
        &token,
        "-c",
        "Suspend-StorageGroupCopy 'CCREX01\\First Storage Group' -Confirm:$false",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(proxy.lost(), "the first answer was lost");
    assert_eq!(lab.version(), before + 1, "made once");
    assert_eq!(history_of(&lab, "Suspend-StorageGroupCopy").len(), 1);
    assert_eq!(lab.copy("First Storage Group").summary_copy_status, CopyStatus::Suspended);
}

#[test]
fn the_view_only_token_reads_but_cannot_change_anything() {
    let lab = Lab::new(64);
    let viewer = lab.viewer();
    let _: Vec<StorageGroupCopyStatus> =
        viewer.get(routes::STORAGE_GROUP_COPY_STATUS, &CopyStatusQuery::default()).expect("reads");
    let request = one_message();
    for result in [
        viewer.post::<OperationResult>(routes::MOVE_CMS, &move_request("NH-W2K3-SRV04")).map(|_| ()),
        viewer.post::<SendMailResult>(routes::LAB_MAIL, &request).map(|_| ()),
    ] {
        match result {
            Err(ClientError::Rejected(body)) => assert_eq!(body.code, ErrorCode::InsufficientRole),
            other => panic!("expected 403, got {other:?}"),
        }
    }
    assert_eq!(lab.ledger().accepted, 0);
}

#[test]
fn stop_needs_a_reason_writes_event_105_dismounts_and_start_brings_the_server_back() {
    let lab = Lab::new(64);
    lab.send(3, 10);
    let no_reason = StopRequest {
        identity: "CCREX01".into(),
        stop_reason: " ".into(),
        dry_run: false,
        expected_version: None,
        domain_controller: None,
    };
    let body = match lab.admin.post::<OperationResult>(routes::STOP_CMS, &no_reason) {
        Err(ClientError::Rejected(body)) => body,
        other => panic!("expected a refusal, got {other:?}"),
    };
    assert!(body.hint.unwrap_or_default().contains("-StopReason"));
    assert_eq!(lab.cms().state, api::CmsState::Online);

    let generated = lab.copy("First Storage Group").last_log_generated;
    let stop = StopRequest { stop_reason: "Moving to the backup datacenter".into(), ..no_reason };
    let done: OperationResult = lab.admin.post(routes::STOP_CMS, &stop).expect("stopped");
    assert_eq!(done.events[0].instance_id, 105);
    assert_eq!(lab.cms().state, api::CmsState::Offline);
    assert_eq!(lab.copy("First Storage Group").last_log_generated, generated + 1, "the open log was closed");
    let events: Vec<api::EventEntry> = lab
        .admin
        .get(routes::EVENTS, &EventQuery { computer_name: Some("NH-W2K3-SRV03".into()), ..Default::default() })
        .expect("events");
    assert!(events.iter().any(|e| e.instance_id == 105 && e.message.contains("Moving to the backup datacenter")));

    // An offline server takes no mail: its site's hub transport server queues it.
    let queued: SendMailResult = lab.admin.post(routes::LAB_MAIL, &one_message()).expect("queued");
    assert_eq!(queued.queued_on.as_deref(), Some("NH-W2K3-HUB01"));
    assert_eq!((lab.ledger().accepted, lab.queued()), (3, 1));

    let again: OperationResult = lab.admin.post(routes::STOP_CMS, &stop).expect("idempotent");
    assert!(!again.changed && again.events.is_empty());
    let start =
        IdentityRequest { identity: "CCREX01".into(), dry_run: false, expected_version: None, domain_controller: None };
    let _: OperationResult = lab.admin.post(routes::START_CMS, &start).expect("started");
    assert_eq!(lab.cms().state, api::CmsState::Online);
    lab.send(2, 10);
    assert_eq!(lab.ledger().present, 6, "the three before, the queued one delivered after the start, and two");
}

#[test]
fn a_dismount_closes_the_open_log_so_the_copy_gets_everything() {
    let lab = Lab::new(1024);
    lab.send(4, 10);
    lab.settle();
    let first = FIRST_GENERATIONS;
    assert_eq!(lab.copy("First Storage Group").last_log_generated, first, "4 small messages stay in the open log");
    let request = IdentityRequest {
        identity: "Mailbox Database".into(),
        dry_run: false,
        expected_version: None,
        domain_controller: None,
    };
    let _: OperationResult = lab.admin.post(routes::DISMOUNT_DATABASE, &request).expect("dismounted");
    lab.settle();
    let copy = lab.copy("First Storage Group");
    assert_eq!((copy.last_log_generated, copy.last_log_replayed), (first + 1, first + 1));
    let _: OperationResult = lab.admin.post(routes::MOUNT_DATABASE, &request).expect("mounted");
}

#[test]
fn acknowledged_mail_survives_kill_9_at_any_moment() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lab = dir.path().join("lab");
    let mut acknowledged: Vec<u64> = Vec::new();
    let mut seen_ids = HashSet::new();
    for round in 0..50u32 {
        let ccrd = Ccrd::start(&lab);
        let client = Client::new(&ccrd.url, Some(ccrd.admin_token())).expect("client");
        // After the restart: every acknowledged message is accepted and present, exactly once.
        let ledger: MailStatistics = client
            .get(routes::LAB_MAIL_STATISTICS, &IdentityQuery { identity: Some("Mailbox Database".into()) })
            .expect("ledger");
        assert_eq!(ledger.lost, 0, "round {round}: {ledger:?}");
        assert!(ledger.accepted >= acknowledged.len() as u64, "round {round}");
        let url = ccrd.url.clone();
        let token = ccrd.admin_token();
        // A workload in another thread, killed part-way through by SIGKILL.
        let worker = std::thread::spawn(move || {
            let client = Client::new(&url, Some(token)).expect("client");
            let mut acked = Vec::new();
            for i in 0..1000u32 {
                let request = SendMailRequest {
                    database: "Mailbox Database".into(),
                    count: 1 + i % 7,
                    size_kb: 40,
                    dry_run: false,
                    expected_version: None,
                    recipient: None,
                };
                match client.post::<SendMailResult>(routes::LAB_MAIL, &request) {
                    Ok(result) => acked.extend(result.accepted),
                    Err(_) => break,
                }
                if i % 5 == 4 {
                    let target = if i % 10 == 4 { "NH-W2K3-SRV04" } else { "NH-W2K3-SRV03" };
                    if client.post::<OperationResult>(routes::MOVE_CMS, &move_request(target)).is_err() {
                        // Refused (already there) or cut off by the kill: either is fine.
                    }
                }
            }
            acked
        });
        std::thread::sleep(std::time::Duration::from_millis(20 + u64::from(round * 37 % 150)));
        drop(ccrd); // SIGKILL
        let acked = worker.join().expect("worker");
        for id in &acked {
            assert!(seen_ids.insert(*id), "round {round}: id {id} was acknowledged twice");
        }
        acknowledged.extend(acked);
    }
    let ccrd = Ccrd::start(&lab);
    let client = Client::new(&ccrd.url, Some(ccrd.admin_token())).expect("client");
    let ledger: MailStatistics = client
        .get(routes::LAB_MAIL_STATISTICS, &IdentityQuery { identity: Some("Mailbox Database".into()) })
        .expect("ledger");
    assert!(acknowledged.len() > 50, "the workload made progress: {}", acknowledged.len());
    assert_eq!(ledger.lost, 0, "{ledger:?}");
    let settle: SettleResult = client.post(routes::LAB_SETTLE, &SettleRequest::default()).expect("settles");
    assert!(settle.settled);
    let copies: Vec<StorageGroupCopyStatus> =
        client.get(routes::STORAGE_GROUP_COPY_STATUS, &CopyStatusQuery::default()).expect("status");
    for copy in copies {
        assert_eq!(copy.summary_copy_status, CopyStatus::Healthy, "{copy:?}");
        assert_eq!(copy.copy_queue_length, 0, "{copy:?}");
    }
}

#[test]
fn lossless_waits_after_a_crash_and_mounts_without_loss_when_the_node_returns() {
    let lab = Lab::new(64);
    lab.dial(AutoDatabaseMountDial::Lossless);
    lab.send(20, 10);
    lab.settle();
    lab.send_unshipped(12);
    let crash = lab.power("NH-W2K3-SRV03", false, true);
    assert!(
        crash.warnings.iter().any(|w| w.contains("failed over from NH-W2K3-SRV03 to NH-W2K3-SRV04")),
        "{:?}",
        crash.warnings
    );
    assert!(
        crash.warnings.iter().any(|w| w.contains("stayed dismounted") && w.contains("Lossless allows 0")),
        "{:?}",
        crash.warnings
    );
    assert!(!lab.mounted(), "Lossless does not mount with logs missing");
    assert_eq!(lab.copy("First Storage Group").summary_copy_status, CopyStatus::ServiceDown);
    // Six 10 KB messages fill a 64 KB log: the first 18 shipped in three closed logs; the
    // other 2 sat in the open log when the link went down, with the 12 after them.
    let ledger = lab.ledger();
    assert_eq!((ledger.accepted, ledger.present, ledger.lost, ledger.unavailable), (32, 18, 0, 14), "{ledger:?}");

    // Mounting now would lose mail: refused, with both ways out.
    let body = refused(lab.mount());
    let hint = body.hint.unwrap_or_default();
    assert!(hint.contains("Start-LabNode NH-W2K3-SRV03") && hint.contains("Restore-StorageGroupCopy"), "{hint}");
    assert!(!lab.mounted());

    lab.link("NH-W2K3-SRV03", "NH-W2K3-SRV04", LinkState::Up);
    let back = lab.power("NH-W2K3-SRV03", true, false);
    assert!(back.warnings.iter().any(|w| w.contains("nothing was lost")), "{:?}", back.warnings);
    assert!(lab.mounted(), "the logs came back, so the database mounts");
    let ledger = lab.ledger();
    assert_eq!((ledger.accepted, ledger.present, ledger.lost, ledger.unavailable), (32, 32, 0, 0), "{ledger:?}");
    assert!(lab.events_with(9796).is_empty(), "no lossy mount happened");
    lab.send(5, 10);
    lab.settle();
    let copy = lab.copy("First Storage Group");
    assert_eq!((copy.summary_copy_status, copy.copy_queue_length), (CopyStatus::Healthy, 0), "{copy:?}");
}

#[test]
fn best_availability_mounts_within_six_logs_announces_the_loss_and_the_dumpster_resends() {
    let lab = Lab::new(64);
    lab.send(20, 10);
    lab.settle();
    lab.send_unshipped(12); // 2 + 12 messages in two closed logs and the open one: 3 missing
    lab.power("NH-W2K3-SRV03", false, true);
    assert!(lab.mounted(), "BestAvailability mounts with up to 6 logs missing");
    assert_eq!(lab.events_with(9796).len(), 1);
    let resubmit = lab.events_with(2099);
    assert!(resubmit[0].message.contains("resubmit messages"), "{}", resubmit[0].message);
    let ledger = lab.ledger();
    assert_eq!((ledger.accepted, ledger.present, ledger.lost), (32, 32, 0), "{ledger:?}");
    assert_eq!(ledger.resent, 14, "the dumpster resent exactly what the copy lacked (see the Lossless test)");

    // The old active returns: only the lost tail differs, so it resynchronises.
    lab.link("NH-W2K3-SRV03", "NH-W2K3-SRV04", LinkState::Up);
    let back = lab.power("NH-W2K3-SRV03", true, false);
    assert!(back.warnings.iter().any(|w| w.contains("resynchronised")), "{:?}", back.warnings);
    lab.send(5, 10);
    lab.settle();
    let copy = lab.copy("First Storage Group");
    assert_eq!((copy.summary_copy_status, copy.copy_queue_length), (CopyStatus::Healthy, 0), "{copy:?}");
    assert_eq!(lab.ledger().present, 37);
}

#[test]
fn the_admin_override_is_restore_with_force_then_mount_and_a_far_diverged_copy_needs_a_reseed() {
    let lab = Lab::new(32);
    lab.dial(AutoDatabaseMountDial::GoodAvailability);
    lab.send(10, 10);
    lab.settle();
    lab.send_unshipped(45); // about fifteen logs the copy never gets
    // The server works on before the crash (as runbook 5 does): its database takes in what Lost
    // Log Resilience lets it of the new logs, so the returning copy has diverged past the common
    // point however soon a background pass ran (on etcd the crash often came first).
    lab.settle();
    lab.power("NH-W2K3-SRV03", false, true);
    assert!(!lab.mounted());

    let without_force = refused(lab.restore(false, false));
    let report = without_force.report.expect("report");
    assert!(report.checks.iter().any(|c| c.override_switch.as_deref() == Some("-Force")), "{report:?}");
    let version = lab.version();
    let dry = lab.restore(true, true).expect("dry run");
    let estimate = &dry.report.loss_estimate[0];
    assert!(estimate.logs > 10 && estimate.bytes > 0, "{estimate:?}");
    assert_eq!(lab.version(), version, "a dry run changes nothing");
    assert!(refused(lab.mount()).message.contains("log(s) missing"));

    let restored = lab.restore(true, false).expect("restored");
    assert!(restored.warnings[0].contains("Data loss is expected"), "{:?}", restored.warnings);
    lab.mount().expect("mounts after the restore");
    assert!(lab.mounted());
    assert_eq!(lab.events_with(9796).len(), 1);
    let ledger = lab.ledger();
    assert_eq!(ledger.present + ledger.lost, ledger.accepted, "every message is held or accounted lost: {ledger:?}");

    lab.link("NH-W2K3-SRV03", "NH-W2K3-SRV04", LinkState::Up);
    lab.power("NH-W2K3-SRV03", true, false);
    let copy = lab.copy("First Storage Group");
    assert_eq!(copy.summary_copy_status, CopyStatus::Failed, "{copy:?}");
    assert!(copy.failed_message.unwrap_or_default().contains("Update-StorageGroupCopy"));
}

#[test]
fn without_quorum_the_server_goes_failed_and_comes_back_with_its_node() {
    let lab = Lab::new(64);
    lab.send(3, 10);
    lab.link("NH-W2K3-SRV04", "NH-W2K3-FSW01", LinkState::Down);
    lab.power("NH-W2K3-SRV03", false, true);
    assert_eq!(lab.cms().state, api::CmsState::Failed);
    let request = one_message();
    let queued: SendMailResult = lab.admin.post(routes::LAB_MAIL, &request).expect("queued on the hub");
    assert!(queued.queued_on.is_some());
    lab.power("NH-W2K3-SRV03", true, false);
    assert_eq!(lab.cms().state, api::CmsState::Online);
    assert!(lab.cms().operational_machines.contains(&"NH-W2K3-SRV03 <Active, Quorum Owner>".to_string()));
    lab.settle();
    assert_eq!(lab.queued(), 0, "the hub delivered what it held once the server was back");
    assert_eq!(lab.ledger().present, 4, "a crash of the only node loses nothing acknowledged");
}

const GROUPS: [&str; 2] = ["First Storage Group", "Second Storage Group"];

fn enable(target: &str, sg: &str) -> EnableCopyRequest {
    EnableCopyRequest {
        identity: format!("CCREX01\\{sg}"),
        standby_machine: target.into(),
        replay_lag_seconds: Some(0),
        truncation_lag_seconds: None,
        dry_run: false,
        expected_version: None,
        domain_controller: None,
        seeding_postponed: false,
    }
}

fn restore(sg: &str, node: &str, force: bool) -> RestoreRequest {
    RestoreRequest {
        identity: format!("CCREX01\\{sg}"),
        standby_machine: Some(node.into()),
        force,
        dry_run: false,
        expected_version: None,
        domain_controller: None,
        replace_locations: false,
    }
}

fn setup(node: &str, mode: SetupMode, ip: Option<&str>) -> SetupRequest {
    SetupRequest {
        node: node.into(),
        mode,
        cms_name: "CCREX01".into(),
        cms_ip_address: ip.map(str::to_string),
        dry_run: false,
        expected_version: None,
    }
}

fn seed(sg: &str, standby: Option<&str>, delete: bool) -> SeedRequest {
    SeedRequest {
        identity: format!("CCREX01\\{sg}"),
        standby_machine: standby.map(str::to_string),
        delete_existing_files: delete,
        manual_resume: false,
        dry_run: false,
        expected_version: None,
        domain_controller: None,
        force: false,
        target_path: None,
        data_host_names: Vec::new(),
    }
}

fn copy_request(sg: &str, standby: Option<&str>) -> CopyRequest {
    CopyRequest {
        identity: format!("CCREX01\\{sg}"),
        standby_machine: standby.map(str::to_string),
        suspend_comment: None,
        dry_run: false,
        expected_version: None,
        domain_controller: None,
    }
}

#[test]
fn a_site_is_lost_activated_from_scr_and_moved_back_in_the_article_order() {
    let lab = Lab::new(32);
    // Part 1: SCR to the backup datacenter; SCR holds back the newest 50 logs.
    for sg in GROUPS {
        lab.op(routes::ENABLE_COPY, &enable("NH-W2K3-SRV01", sg));
    }
    lab.send(200, 10);
    lab.settle();
    let scr = lab.scr_copy("First Storage Group", "NH-W2K3-SRV01");
    assert_eq!(scr.copy_queue_length, 0, "{scr:?}");
    assert_eq!(scr.replay_queue_length, 50, "SCR keeps 50 logs unreplayed: {scr:?}");

    // Part 2: the production datacenter is lost.
    lab.power("NH-W2K3-SRV04", false, true);
    lab.power("NH-W2K3-SRV03", false, true);
    // Get-ClusteredMailboxServerStatus's Errors table: with no node up the cluster cannot be
    // reached, and the task says so instead of returning an object.
    let query = IdentityQuery { identity: Some("CCREX01".into()) };
    let unreachable = refused_any(lab.admin.get::<Vec<ClusteredMailboxServerStatus>>(routes::CMS_STATUS, &query));
    assert!(unreachable.message.starts_with("The task could not connect to the cluster"), "{}", unreachable.message);
    let without_force =
        refused(lab.admin.post(routes::RESTORE_COPY, &restore("First Storage Group", "NH-W2K3-SRV01", false)));
    assert!(without_force.hint.unwrap_or_default().contains("-Force"));
    for sg in GROUPS {
        let result = lab.op(routes::RESTORE_COPY, &restore(sg, "NH-W2K3-SRV01", true));
        assert!(result.warnings[0].contains("Data loss is expected"), "{:?}", result.warnings);
    }
    let wrong_subnet =
        refused(lab.admin.post(routes::SETUP, &setup("NH-W2K3-SRV01", SetupMode::RecoverCms, Some("192.0.2.50"))));
    assert!(wrong_subnet.message.contains("198.51.100.0/24"), "{}", wrong_subnet.message);
    lab.op(routes::SETUP, &setup("NH-W2K3-SRV01", SetupMode::RecoverCms, Some("198.51.100.50")));
    // Its databases stay dismounted: "Partially Online", each named StorageGroup\Database
    // in FailedResources (Get-ClusteredMailboxServerStatus, bb691169).
    assert_eq!(lab.cms().state, api::CmsState::PartiallyOnline);
    assert!(lab.cms().failed_resources.contains(&"First Storage Group\\Mailbox Database".to_string()));
    assert!(lab.cms().operational_machines.contains(&"NH-W2K3-SRV01 <Active, Quorum Owner>".to_string()));
    assert!(!lab.mounted(), "a recovered server's databases stay dismounted");
    lab.mount().expect("mounts");
    let ledger = lab.ledger();
    assert_eq!(ledger.present + ledger.lost, 200, "{ledger:?}");
    assert!(ledger.lost < 10, "only the open log's mail was lost: {ledger:?}");

    // Seed NH-W2K3-SRV05 to form CCR in the backup site, and prove a move there and back.
    let passive = lab.copy("First Storage Group");
    assert_eq!(
        (passive.ccr_target_node.as_deref(), passive.summary_copy_status),
        (Some("NH-W2K3-SRV05"), CopyStatus::Suspended)
    );
    for sg in GROUPS {
        lab.op(routes::SEED_COPY, &seed(sg, None, false));
    }
    lab.send(30, 10);
    lab.settle();
    assert_eq!(lab.copy("First Storage Group").copy_queue_length, 0);
    lab.move_to("NH-W2K3-SRV05").expect("moves within the backup site");
    lab.move_to("NH-W2K3-SRV01").expect("and back");

    // Part 3: back to production, in the article's order.
    lab.power("NH-W2K3-SRV03", true, false);
    lab.power("NH-W2K3-SRV04", true, false);
    lab.op(routes::SETUP, &setup("NH-W2K3-SRV03", SetupMode::ClearLocalCms, None));
    for sg in GROUPS {
        let enabled = lab.op(routes::ENABLE_COPY, &enable("NH-W2K3-SRV03", sg));
        let stale = enabled.warnings.iter().any(|w| w.contains("-DeleteExistingFiles"));
        assert_eq!(stale, sg == GROUPS[0], "the old active's files need a reseed (the second group never had mail)");
        lab.op(routes::SUSPEND_COPY, &copy_request(sg, Some("NH-W2K3-SRV03")));
        lab.op(routes::SEED_COPY, &seed(sg, Some("NH-W2K3-SRV03"), true));
    }
    let before_return = lab.send(20, 10);
    lab.settle();
    for db in ["Mailbox Database", "Public Folder Database"] {
        let request =
            IdentityRequest { identity: db.into(), dry_run: false, expected_version: None, domain_controller: None };
        lab.op(routes::DISMOUNT_DATABASE, &request);
    }
    for sg in GROUPS {
        let result = lab.op(routes::RESTORE_COPY, &restore(sg, "NH-W2K3-SRV03", false));
        assert!(result.warnings.is_empty(), "the source is reachable, so nothing is lost: {:?}", result.warnings);
        assert_eq!(result.report.loss_estimate[0].logs, 0);
    }
    let stop = StopRequest {
        identity: "CCREX01".into(),
        stop_reason: "Moving back to production".into(),
        dry_run: false,
        expected_version: None,
        domain_controller: None,
    };
    let stopped = lab.op(routes::STOP_CMS, &stop);
    assert_eq!(stopped.events[0].instance_id, 105);
    lab.op(routes::SETUP, &setup("NH-W2K3-SRV03", SetupMode::RecoverCms, Some("192.0.2.50")));
    lab.mount().expect("mounts in production again");
    let ledger = lab.ledger();
    assert!(ledger.present >= 230 - ledger.lost && ledger.lost < 10, "{ledger:?}");
    assert!(before_return.iter().all(|id| !ledger.lost_ids.contains(id)), "the scheduled return lost nothing");
    for sg in GROUPS {
        lab.op(routes::SEED_COPY, &seed(sg, None, true));
    }
    // Clear the CMS from the backup cluster and protect production with SCR again.
    lab.op(routes::SETUP, &setup("NH-W2K3-SRV01", SetupMode::ClearLocalCms, None));
    for sg in GROUPS {
        lab.op(routes::ENABLE_COPY, &enable("NH-W2K3-SRV01", sg));
    }
    lab.send(10, 10);
    lab.settle();
    assert_eq!(lab.copy("First Storage Group").summary_copy_status, CopyStatus::Healthy);
    assert!(lab.cms().operational_machines.contains(&"NH-W2K3-SRV03 <Active, Quorum Owner>".to_string()));
}

#[test]
fn scr_replays_nothing_younger_than_its_replay_lag_and_a_corrupt_log_fails_the_copy() {
    let lab = Lab::new(32);
    let mut request = enable("NH-W2K3-SRV01", "First Storage Group");
    request.replay_lag_seconds = Some(3600);
    lab.op(routes::ENABLE_COPY, &request);
    lab.send(200, 10);
    lab.settle();
    let scr = lab.scr_copy("First Storage Group", "NH-W2K3-SRV01");
    assert_eq!((scr.copy_queue_length, scr.last_log_replayed), (0, 0), "an hour's lag: nothing replayed yet: {scr:?}");
    lab.op(routes::LAB_CLOCK, &api::ClockRequest { advance_seconds: 2 * 3600, dry_run: false, expected_version: None });
    lab.settle();
    let scr = lab.scr_copy("First Storage Group", "NH-W2K3-SRV01");
    assert_eq!(scr.last_log_replayed, scr.last_log_generated - 50, "after the lag, all but the newest 50: {scr:?}");

    // A damaged log at the source: the inspector refuses it three times, then the copy fails.
    let fault = api::FaultRequest {
        kind: api::FaultKind::CorruptLog,
        server: "NH-W2K3-SRV03".into(),
        storage_group: "First Storage Group".into(),
        dry_run: false,
        expected_version: None,
    };
    lab.op(routes::SUSPEND_COPY, &copy_request("First Storage Group", None));
    lab.send(6, 10);
    lab.op(routes::LAB_FAULT, &fault);
    lab.op(routes::RESUME_COPY, &copy_request("First Storage Group", None));
    lab.settle();
    let ccr = lab.copy("First Storage Group");
    assert_eq!(ccr.summary_copy_status, CopyStatus::Failed, "{ccr:?}");
    let message = ccr.failed_message.unwrap_or_default();
    assert!(message.contains("failed inspection 3 times") && message.contains("Update-StorageGroupCopy"), "{message}");
}

/// Issue 15: Import-Lab refused a snapshot exported by a schema 4 build (before the ledger kept
/// recipients). The test makes one: a real export of this lab, its estate database turned into
/// exactly what a schema 4 build wrote (its tables, its version), packed again. It is imported
/// whole, and brought up to the current schema.
#[test]
fn a_snapshot_from_a_schema_4_build_is_imported() {
    let lab = Lab::new(32);
    let sent = lab.send(20, 10);
    lab.settle();
    let exported = lab.admin.download(routes::LAB_EXPORT, &[]).expect("exported");
    let entries = api::snapshot::decode(&exported.bytes).expect("a snapshot");
    let dir = tempfile::tempdir().expect("temp dir");
    let (current, old) = (dir.path().join("current.db"), dir.path().join("v4.db"));
    let database = &entries.iter().find(|(name, _)| name == "estate.db").expect("the estate").1;
    std::fs::write(&current, database).expect("written");
    let connection = rusqlite::Connection::open(&current).expect("opens");
    connection
        .execute_batch(
            "DROP TABLE ledger_recipient; DROP TABLE request; UPDATE meta SET value = '4' WHERE key = 'schema_version';",
        )
        .expect("schema 4");
    // As a schema 4 build exported it: VACUUM INTO a new file.
    connection.execute("VACUUM INTO ?1", [old.to_string_lossy()]).expect("vacuumed");
    drop(connection);
    let v4 = std::fs::read(&old).expect("read");
    let repacked: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(name, bytes)| if name == "estate.db" { (name.as_str(), &v4[..]) } else { (name.as_str(), &bytes[..]) })
        .collect();
    let snapshot = api::snapshot::encode(repacked).expect("encoded");

    lab.send(5, 10);
    let imported: api::LabResult = lab
        .admin
        .upload(routes::LAB_IMPORT, &api::ImportQuery::default(), snapshot)
        .expect("a schema 4 snapshot imports");
    assert!(imported.files > 0, "{imported:?}");
    let ledger = lab.ledger();
    assert_eq!((ledger.accepted, ledger.present), (sent.len() as u64, sent.len() as u64), "{ledger:?}");
    // The imported lab is at the current schema, and takes mail.
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
    let stored = rusqlite::Connection::open_with_flags(lab.path.join("estate.db"), flags).expect("opens");
    let version: String =
        stored.query_row("SELECT value FROM meta WHERE key = 'schema_version'", [], |r| r.get(0)).expect("version");
    assert_eq!(version, ccrsh::service::store::sqlite::SCHEMA_VERSION.to_string());
    lab.send(3, 10);
    lab.settle();
    assert_eq!(lab.ledger().accepted, sent.len() as u64 + 3);
}

#[test]
fn export_import_brings_the_whole_estate_back_and_reset_starts_over() {
    let lab = Lab::new(32);
    let sent = lab.send(30, 10);
    lab.settle();
    let exported = lab.admin.download(routes::LAB_EXPORT, &[api::headers::ESTATE_VERSION]).expect("exported");
    let entries = api::snapshot::decode(&exported.bytes).expect("a snapshot");
    assert!(entries.len() > 5 && exported.bytes.len() > 300 * 1024, "{} entries", entries.len());
    let exported_version: u64 =
        exported.header(api::headers::ESTATE_VERSION).and_then(|v| v.parse().ok()).expect("version header");

    lab.move_to("NH-W2K3-SRV04").expect("moved");
    lab.send(10, 10);
    let imported: api::LabResult =
        lab.admin.upload(routes::LAB_IMPORT, &api::ImportQuery::default(), exported.bytes.clone()).expect("imported");
    assert!(imported.estate_version > exported_version, "a guard taken before the import no longer holds");
    assert!(lab.cms().operational_machines.contains(&"NH-W2K3-SRV03 <Active, Quorum Owner>".to_string()));
    let ledger = lab.ledger();
    assert_eq!((ledger.accepted, ledger.present), (sent.len() as u64, sent.len() as u64), "{ledger:?}");
    lab.send(5, 10);
    lab.settle();
    assert_eq!(lab.copy("First Storage Group").copy_queue_length, 0);

    // A damaged snapshot is refused before anything changes.
    let mut bytes = exported.bytes.clone();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xFF;
    let version = lab.version();
    let refused = lab.admin.upload::<api::LabResult>(routes::LAB_IMPORT, &api::ImportQuery::default(), bytes);
    assert!(
        matches!(refused, Err(ClientError::Rejected(ref body)) if body.message.contains("checksum")),
        "{refused:?}"
    );
    assert_eq!(lab.version(), version);

    let reset: api::LabResult = lab.admin.post(routes::LAB_RESET, &api::ResetRequest::default()).expect("reset");
    assert_eq!(reset.topology, "seed");
    assert_eq!(lab.ledger().accepted, 0);
    let dirs: Vec<String> = std::fs::read_dir(&lab.path)
        .expect("lab")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("nodes"))
        .collect();
    assert_eq!(dirs.len(), 1, "only the current files directory remains: {dirs:?}");
    let history: Vec<api::OperationRecord> = lab.admin.get(routes::HISTORY, &HistoryQuery::default()).expect("history");
    assert_eq!(history[0].cmdlet_name, "Reset-Lab", "the reset is recorded");
    let cmdlets: Vec<&str> = history.iter().map(|r| r.cmdlet_name.as_str()).collect();
    for kept in ["Import-Lab", "Export-Lab", "Move-ClusteredMailboxServer", "Send-LabMail"] {
        assert!(cmdlets.contains(&kept), "the audit trail outlives resets and imports: {kept} in {cmdlets:?}");
    }
}

/// A small deterministic generator for the property test (xorshift64*).
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % sides
    }
}

/// Random operations and faults; after every step the invariants hold: a mounted database has
/// its server online on a running node; every acknowledged message is present, declared lost
/// or held by a lost node (never silently gone); nothing is lost until a fault and an
/// activation allow it; and refusals change nothing.
#[test]
fn random_operations_and_faults_keep_the_invariants() {
    for seed in [7, 1009, 65_537] {
        let lab = Lab::new(32);
        let mut dice = Dice(seed);
        let mut acknowledged: u64 = 0;
        let mut losses_allowed = false;
        let nodes = ["NH-W2K3-SRV03", "NH-W2K3-SRV04"];
        for step in 0..60 {
            let choice = dice.roll(12);
            let node = nodes[dice.roll(2) as usize];
            let before = lab.version();
            let outcome: Result<(), ClientError> = match choice {
                0..=2 => {
                    let request = SendMailRequest {
                        database: "Mailbox Database".into(),
                        count: 1 + dice.roll(8) as u32,
                        size_kb: 10,
                        dry_run: false,
                        expected_version: None,
                        recipient: None,
                    };
                    lab.admin
                        .post::<SendMailResult>(routes::LAB_MAIL, &request)
                        .map(|r| acknowledged += r.accepted.len() as u64)
                }
                3 => lab.move_to(node).map(|_| ()),
                4 => lab
                    .admin
                    .post::<SettleResult>(routes::LAB_SETTLE, &SettleRequest { timeout_ms: Some(5_000) })
                    .map(|_| ())
                    .or(Ok(())),
                5 => {
                    let request = NodePowerRequest {
                        identity: node.into(),
                        crash: dice.roll(2) == 0,
                        dry_run: false,
                        expected_version: None,
                    };
                    lab.admin.post::<OperationResult>(routes::LAB_NODE_STOP, &request).map(|_| ())
                }
                6 | 7 => {
                    let request = NodePowerRequest {
                        identity: node.into(),
                        crash: false,
                        dry_run: false,
                        expected_version: None,
                    };
                    lab.admin.post::<OperationResult>(routes::LAB_NODE_START, &request).map(|_| ())
                }
                8 => {
                    let state = if dice.roll(2) == 0 { LinkState::Down } else { LinkState::Up };
                    let request = NetworkRequest {
                        between: [nodes[0].into(), nodes[1].into()],
                        state,
                        dry_run: false,
                        expected_version: None,
                    };
                    lab.admin.post::<OperationResult>(routes::LAB_NETWORK, &request).map(|_| ())
                }
                9 => {
                    let result = lab.restore(true, false).map(|_| ());
                    if result.is_ok() {
                        losses_allowed = true;
                    }
                    result
                }
                10 => lab.mount().map(|_| ()),
                _ => {
                    let route = if dice.roll(2) == 0 { routes::SUSPEND_COPY } else { routes::RESUME_COPY };
                    lab.admin.post::<OperationResult>(route, &copy_request("First Storage Group", None)).map(|_| ())
                }
            };
            if std::env::var_os("CCRSH_TRACE_PROPERTY").is_some() {
                eprintln!(
                    "seed {seed} step {step}: choice {choice} on {node}: {}",
                    if outcome.is_ok() { "ok" } else { "refused" }
                );
            }
            if let Err(ClientError::Rejected(body)) = &outcome {
                assert_ne!(body.code, ErrorCode::Internal, "seed {seed} step {step}: {body:?}");
                if body.code == ErrorCode::PreconditionFailed {
                    assert_eq!(lab.version(), before, "seed {seed} step {step}: a refusal changed the estate");
                }
            }
            // A lossy automatic mount after a crash is allowed by the dial (BestAvailability).
            if choice == 5 {
                losses_allowed = true;
            }
            let (ledger, queued) = lab.ledger_and_queued();
            // Acknowledged by the store (the ledger), or by a hub transport server that holds
            // the mail until its database can take it.
            assert_eq!(
                ledger.accepted + queued,
                acknowledged,
                "seed {seed} step {step}: every acknowledgement is in the ledger or a hub's queue"
            );
            assert_eq!(
                ledger.present + ledger.lost + ledger.unavailable,
                ledger.accepted,
                "seed {seed} step {step}: {ledger:?}"
            );
            if !losses_allowed {
                assert_eq!((ledger.lost, ledger.unavailable), (0, 0), "seed {seed} step {step}: loss without a fault");
            }
            if lab.mounted() {
                let cms = lab.cms();
                assert!(
                    matches!(cms.state, api::CmsState::Online | api::CmsState::PartiallyOnline),
                    "seed {seed} step {step}: mounted on a server that is not online: {cms:?}"
                );
                assert!(
                    cms.operational_machines.iter().any(|m| m.ends_with("<Active, Quorum Owner>")),
                    "seed {seed} step {step}: {cms:?}"
                );
            }
        }
    }
}

#[test]
fn a_cluster_tool_move_skips_the_checks_and_leaves_databases_offline_without_losing_mail() {
    let lab = Lab::new(32);
    lab.send(20, 10);
    lab.op(routes::SUSPEND_COPY, &copy_request("First Storage Group", None));
    let sent = lab.send(10, 10);
    let request = api::ClusterGroupMoveRequest {
        identity: "CCREX01".into(),
        node: "NH-W2K3-SRV04".into(),
        dry_run: false,
        expected_version: None,
    };
    let moved = lab.op(routes::MOVE_CLUSTER_GROUP, &request);
    assert!(moved.warnings[0].contains("without Exchange's health checks"), "{:?}", moved.warnings);
    assert!(moved.notes.iter().any(|n| n.contains("nothing was lost")), "{:?}", moved.notes);
    assert!(!lab.mounted(), "cluster tools leave the databases offline");
    lab.mount().expect("the administrator mounts it");
    let ledger = lab.ledger();
    assert_eq!((ledger.accepted, ledger.present, ledger.lost), (30, 30, 0), "{ledger:?}");
    assert!(sent.iter().all(|id| !ledger.lost_ids.contains(id)));
}

#[test]
fn ignore_dismounted_moves_past_a_broken_storage_group_which_then_cannot_mount_silently() {
    let lab = Lab::new(32);
    lab.send(10, 10);
    lab.settle();
    lab.op(routes::SUSPEND_COPY, &copy_request("First Storage Group", None));
    lab.send(6, 10);
    let fault = api::FaultRequest {
        kind: api::FaultKind::CorruptLog,
        server: "NH-W2K3-SRV03".into(),
        storage_group: "First Storage Group".into(),
        dry_run: false,
        expected_version: None,
    };
    lab.op(routes::LAB_FAULT, &fault);
    lab.op(routes::RESUME_COPY, &copy_request("First Storage Group", None));
    lab.settle();
    assert_eq!(lab.copy("First Storage Group").summary_copy_status, CopyStatus::Failed);

    let refusal = refused(lab.move_to("NH-W2K3-SRV04"));
    let report = refusal.report.expect("report");
    assert!(report.checks.iter().any(|c| c.result == CheckResult::Failed && c.observed == "Failed"), "{report:?}");
    let dismount = IdentityRequest {
        identity: "Mailbox Database".into(),
        dry_run: false,
        expected_version: None,
        domain_controller: None,
    };
    lab.op(routes::DISMOUNT_DATABASE, &dismount);
    let without = refused(lab.move_to("NH-W2K3-SRV04"));
    assert!(without.hint.unwrap_or_default().contains("-IgnoreDismounted"));
    let request = MoveRequest { ignore_dismounted: true, ..move_request("NH-W2K3-SRV04") };
    let moved = lab.op(routes::MOVE_CMS, &request);
    assert!(moved.report.checks.iter().any(|c| c.result == CheckResult::Skipped));
    assert!(moved.warnings[0].contains("left out"), "{:?}", moved.warnings);
    // The broken group's logs fail inspection, so it still lacks them: no silent mount.
    let body = refused(lab.mount());
    assert!(body.hint.unwrap_or_default().contains("Restore-StorageGroupCopy"));
    let public =
        api::StoreQuery { identity: Some("Public Folder Database".into()), status: true, ..Default::default() };
    let dbs: Vec<api::Database> = lab.admin.get(routes::PUBLIC_FOLDER_DATABASES, &public).expect("databases");
    assert_eq!(dbs[0].mounted, Some(true), "the healthy group moved and mounted");
}

#[test]
fn the_lab_calls_take_the_dry_run_and_the_guard_too() {
    let lab = Lab::new(64);
    let version = lab.version();
    lab.op(
        routes::LAB_CLOCK,
        &api::ClockRequest { advance_seconds: 60, dry_run: false, expected_version: Some(version) },
    );
    let stale = SendMailRequest {
        database: "Mailbox Database".into(),
        count: 3,
        size_kb: 1,
        dry_run: false,
        expected_version: Some(version),
        recipient: None,
    };
    match lab.admin.post::<SendMailResult>(routes::LAB_MAIL, &stale) {
        Err(ClientError::Rejected(body)) => assert_eq!(body.code, ErrorCode::EstateChanged),
        other => panic!("expected 409, got {other:?}"),
    }
    let dry = SendMailRequest { dry_run: true, expected_version: None, ..stale };
    let result: SendMailResult = lab.admin.post(routes::LAB_MAIL, &dry).expect("dry run");
    assert!(result.accepted.is_empty());
    let fault = api::FaultRequest {
        kind: api::FaultKind::CorruptLog,
        server: "NH-W2K3-SRV03".into(),
        storage_group: "First Storage Group".into(),
        dry_run: true,
        expected_version: None,
    };
    assert!(!lab.op(routes::LAB_FAULT, &fault).changed);
    let reset: api::LabResult =
        lab.admin.post(routes::LAB_RESET, &api::ResetRequest { dry_run: true, ..Default::default() }).expect("dry");
    assert_eq!(reset.estate_version, lab.version(), "a dry-run reset changes nothing");
    assert_eq!(lab.ledger().accepted, 0);
}

#[test]
fn a_copy_whose_files_vanished_fails_with_the_reseed_remedy_and_a_reseed_heals_it() {
    let lab = Lab::new(32);
    lab.send(20, 10);
    lab.settle();
    lab.op(routes::SUSPEND_COPY, &copy_request("First Storage Group", None));
    std::fs::remove_dir_all(lab.node_dir("NH-W2K3-SRV04", "First Storage Group")).expect("removed");
    lab.op(routes::RESUME_COPY, &copy_request("First Storage Group", None));
    lab.send(20, 10);
    lab.settle();
    let copy = lab.copy("First Storage Group");
    assert_eq!(copy.summary_copy_status, CopyStatus::Failed, "{copy:?}");
    assert!(copy.failed_message.unwrap_or_default().contains("files are missing"));
    lab.op(routes::SUSPEND_COPY, &copy_request("First Storage Group", None));
    lab.op(routes::SEED_COPY, &seed("First Storage Group", None, false));
    lab.send(20, 10);
    lab.settle();
    let copy = lab.copy("First Storage Group");
    assert_eq!((copy.summary_copy_status, copy.copy_queue_length), (CopyStatus::Healthy, 0), "{copy:?}");
}

/// A crash failover writes what the cluster service of Windows Server 2003 writes (System log,
/// source ClusSvc): 1135 on each surviving node of the cluster, then 1153 on the node taking the
/// CMS's group; a lossy mount adds Exchange's 9796 and 2099 (Application log). A passive node's
/// crash writes only 1135, on the active node. Clean failovers with nothing lost add no 9796.
#[test]
fn a_crash_failover_writes_the_cluster_services_and_exchanges_events() {
    let lab = Lab::new(64);
    lab.power("NH-W2K3-SRV04", false, true);
    let down = lab.events_with(1135);
    assert_eq!(down.len(), 1, "{down:?}");
    assert_eq!((down[0].machine_name.as_str(), down[0].source.as_str()), ("NH-W2K3-SRV03", "ClusSvc"));
    assert!(down[0].message.starts_with("Cluster node NH-W2K3-SRV04 was removed from the active server cluster"));
    assert_eq!(api::event_log_of(&down[0].source), "System");
    assert!(lab.events_with(1153).is_empty(), "the passive node's crash moves nothing");
    lab.power("NH-W2K3-SRV04", true, false);
    lab.settle();

    // Mail the passive copy has not inspected, then the active node crashes: a lossy mount.
    lab.send_unshipped(3);
    lab.power("NH-W2K3-SRV03", false, true);
    let down = lab.events_with(1135);
    assert!(down.iter().any(|e| e.machine_name == "NH-W2K3-SRV04" && e.message.contains("NH-W2K3-SRV03")), "{down:?}");
    let moved = lab.events_with(1153);
    assert_eq!(moved.len(), 1, "{moved:?}");
    assert_eq!(moved[0].machine_name, "NH-W2K3-SRV04");
    assert_eq!(
        moved[0].message,
        "Cluster service is attempting to failover the Cluster Resource Group 'CCREX01' from node NH-W2K3-SRV03 to node NH-W2K3-SRV04."
    );
    let lossy = lab.events_with(9796);
    assert_eq!(lossy.len(), 1, "{lossy:?}");
    assert_eq!(api::event_log_of(&lossy[0].source), "Application");
    assert_eq!(lab.events_with(2099).len(), 1);
    assert!(moved[0].index < lossy[0].index, "the group moves before the database mounts");
}
