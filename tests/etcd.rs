//! ccrd with its estate in a real 3-member etcd cluster (`--store etcd://…`): the estate and its
//! journal live there and a restarted ccrd finds them; the leader's `kill -9` under a mail and
//! change workload loses nothing acknowledged; with two members of three gone, changes are
//! refused with the clear error while reads answer, and everything resumes when they return;
//! two ccrd on one store serve one estate (and neither starves the other's changes); the shell's
//! embedded lab keeps its estate there with `--store`. Each test is `#[ignore]`d: a plain `cargo test`
//! lists them as ignored and says once, with the first of them, that the etcd backend's tests
//! were not run and how to run them (`support::etcd::NEEDS_ETCD`); `.ci/run` runs them with
//! `--include-ignored`.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ccrsh::api::{
    AutoDatabaseMountDial, ClusteredMailboxServerStatus, CopyRequest, CopyStatus, CopyStatusQuery, ErrorCode,
    IdentityQuery, MailStatistics, MailStatisticsQuery, MailboxServerRequest, MoveRequest, OperationResult,
    SendMailRequest, SendMailResult, ServiceInfo, StorageGroupCopyStatus, routes,
};
use ccrsh::shell::client::{Client, ClientError};

use crate::support::etcd::{self, Cluster};
use crate::support::{Ccrd, Home};

/// A 3-member cluster (the test fails, saying what to install, without etcd).
fn cluster() -> Cluster {
    etcd::require();
    Cluster::start(3)
}

fn ccrd_on(lab: &std::path::Path, cluster: &Cluster, estate: &str) -> (Ccrd, Client) {
    let ccrd = Ccrd::start_with(lab, &["--store", &cluster.url(estate)]);
    let client = Client::new(&ccrd.url, Some(ccrd.admin_token())).expect("client");
    (ccrd, client)
}

fn deliver(client: &Client, count: u32) -> Result<Vec<u64>, ClientError> {
    let request = SendMailRequest {
        database: "Mailbox Database".into(),
        count,
        size_kb: 4,
        dry_run: false,
        expected_version: None,
        recipient: None,
    };
    client.post::<SendMailResult>(routes::LAB_MAIL, &request).map(|r| r.accepted)
}

fn statistics(client: &Client, verify: bool) -> MailStatistics {
    let query = MailStatisticsQuery { identity: Some("Mailbox Database".into()), verify };
    client.get(routes::LAB_MAIL_STATISTICS, &query).expect("statistics")
}

fn version(client: &Client) -> u64 {
    client.get::<ServiceInfo>(routes::INFO, &()).expect("info").estate_version
}

fn suspend(client: &Client, on: bool) -> Result<OperationResult, ClientError> {
    let request = CopyRequest {
        identity: "CCREX01\\First Storage Group".into(),
        standby_machine: None,
        suspend_comment: None,
        dry_run: false,
        expected_version: None,
        domain_controller: None,
    };
    client.post(if on { routes::SUSPEND_COPY } else { routes::RESUME_COPY }, &request)
}

fn cms(client: &Client) -> ClusteredMailboxServerStatus {
    let query = IdentityQuery { identity: Some("CCREX01".into()) };
    let mut all: Vec<ClusteredMailboxServerStatus> = client.get(routes::CMS_STATUS, &query).expect("status");
    all.remove(0)
}

/// Every acknowledged message is accepted and held, by the counters and by the files.
fn nothing_lost(client: &Client, acknowledged: &HashSet<u64>) {
    let verified = statistics(client, true);
    assert_eq!((verified.lost, verified.unavailable), (0, 0), "{verified:?}");
    assert_eq!(verified.present, verified.accepted, "every accepted message is held: {verified:?}");
    assert!(verified.accepted >= acknowledged.len() as u64, "{verified:?} < {} acknowledged", acknowledged.len());
}

#[test]
#[ignore]
fn the_estate_and_its_journal_live_in_etcd_and_a_restarted_ccrd_finds_them() {
    let cluster = cluster();
    let dir = tempfile::tempdir().expect("temp dir");
    let lab = dir.path().join("lab");
    let (ccrd, client) = ccrd_on(&lab, &cluster, "restart");
    let acknowledged: HashSet<u64> = deliver(&client, 25).expect("accepted").into_iter().collect();
    let before = version(&client);
    let suspended = suspend(&client, true).expect("suspended");
    assert_eq!(suspended.estate_version, before + 1, "the version stays the contiguous counter");
    assert!(ccrd.terminate().success());

    // The lab's own estate.db never saw the change: the estate is read back from etcd.
    let (ccrd, client) = ccrd_on(&lab, &cluster, "restart");
    assert_eq!(version(&client), before + 1);
    let resumed = suspend(&client, false).expect("resumed");
    assert_eq!(resumed.estate_version, before + 2);
    nothing_lost(&client, &acknowledged);
    assert_eq!(statistics(&client, false).accepted, 25);
    drop(ccrd);

    // Another estate name on the same cluster is another estate: the seed, untouched.
    let other = dir.path().join("other");
    let (_other, client) = ccrd_on(&other, &cluster, "another");
    assert_eq!(statistics(&client, false).accepted, 0);
}

#[test]
#[ignore]
fn killing_the_etcd_leader_under_mail_and_changes_loses_nothing_acknowledged() {
    let mut cluster = cluster();
    let dir = tempfile::tempdir().expect("temp dir");
    let (ccrd, client) = ccrd_on(&dir.path().join("lab"), &cluster, "leader-kill");
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicUsize::new(0));
    let changes = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for i in 0..9 {
        let (url, token, stop, acked, changes) =
            (ccrd.url.clone(), ccrd.admin_token(), Arc::clone(&stop), Arc::clone(&acked), Arc::clone(&changes));
        workers.push(std::thread::spawn(move || {
            let client = Client::new(&url, Some(token)).expect("client");
            let mut mine = Vec::new();
            let mut on = true;
            while !stop.load(Ordering::Relaxed) {
                if i == 0 {
                    // The change workload: suspend and resume, one after the other.
                    if suspend(&client, on).is_ok() {
                        on = !on;
                        changes.fetch_add(1, Ordering::Relaxed);
                    }
                } else if let Ok(ids) = deliver(&client, 1) {
                    acked.fetch_add(ids.len(), Ordering::Relaxed);
                    mine.extend(ids);
                }
            }
            mine
        }));
    }
    let wait_for = |what: &AtomicUsize, at_least: usize| {
        let deadline = Instant::now() + Duration::from_secs(60);
        while what.load(Ordering::Relaxed) < at_least {
            assert!(Instant::now() < deadline, "no progress: {} < {at_least}", what.load(Ordering::Relaxed));
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    wait_for(&acked, 50);
    let leader = cluster.leader().expect("a leader");
    cluster.kill(leader);
    let (acked_at_kill, changes_at_kill) = (acked.load(Ordering::Relaxed), changes.load(Ordering::Relaxed));
    // The workload goes on after the election.
    wait_for(&acked, acked_at_kill + 50);
    wait_for(&changes, changes_at_kill + 2);
    stop.store(true, Ordering::Relaxed);
    let mut acknowledged = HashSet::new();
    for worker in workers {
        for id in worker.join().expect("worker") {
            assert!(acknowledged.insert(id), "id {id} acknowledged twice");
        }
    }
    nothing_lost(&client, &acknowledged);
    cluster.restart(leader);
    cluster.wait_healthy(Duration::from_secs(30));
    drop(ccrd);
}

#[test]
#[ignore]
fn with_two_members_of_three_gone_changes_are_refused_clearly_reads_answer_and_all_resumes() {
    let mut cluster = cluster();
    let dir = tempfile::tempdir().expect("temp dir");
    let (ccrd, client) = ccrd_on(&dir.path().join("lab"), &cluster, "majority-lost");
    let mut acknowledged: HashSet<u64> = deliver(&client, 10).expect("accepted").into_iter().collect();
    let before = version(&client);
    let operational = cms(&client).operational_machines;
    cluster.kill(0);
    cluster.kill(1);

    let refused = match suspend(&client, true) {
        Err(ClientError::Rejected(body)) => body,
        other => panic!("a change without a majority must be refused, got {other:?}"),
    };
    assert_eq!(refused.code, ErrorCode::ControlStoreUnavailable, "{refused:?}");
    assert!(
        refused.message.starts_with(
            "the control store is unreachable: 1 of 3 etcd members answer; changes are refused until a majority is back"
        ),
        "{}",
        refused.message
    );
    assert!(
        matches!(deliver(&client, 1), Err(ClientError::Rejected(b)) if b.code == ErrorCode::ControlStoreUnavailable)
    );
    // Reads are served from this ccrd's last state.
    assert_eq!(cms(&client).operational_machines, operational);
    assert_eq!(version(&client), before, "nothing of the refused change was kept");

    // ccrsh sends a change refused for want of a majority again, under its request id: once a
    // member is back (after the first refusal), it is carried out, once.
    let refusals = || ccrd.log().matches("the control store is unavailable").count();
    let refused_before = refusals();
    let shell = {
        let (home, url, token) = (crate::support::Home::new(), ccrd.url.clone(), ccrd.admin_token());
        std::thread::spawn(move || {
            let suspend = "Suspend-StorageGroupCopy -Identity 'CCREX01\\First Storage Group' -Confirm:$false";
            home.run(&["--server", &url, "--token", &token, "-NoLogo", "-NonInteractive", "-c", suspend])
        })
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while refusals() == refused_before {
        assert!(Instant::now() < deadline, "ccrd did not refuse the shell's change: {}", ccrd.log());
        std::thread::sleep(Duration::from_millis(50));
    }
    cluster.restart(0);
    let run = shell.join().expect("the shell");
    assert_eq!(run.code, 0, "carried out on a later attempt: {run:?}");
    assert_eq!(version(&client), before + 1, "carried out once");
    assert_eq!(copy_status(&client), CopyStatus::Suspended);

    cluster.restart(1);
    cluster.wait_healthy(Duration::from_secs(30));
    let deadline = Instant::now() + Duration::from_secs(30);
    let resumed = loop {
        match suspend(&client, false) {
            Ok(done) => break done,
            Err(e) => assert!(Instant::now() < deadline, "changes did not resume: {e:?}"),
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(resumed.estate_version, before + 2);
    acknowledged.extend(deliver(&client, 5).expect("mail resumes"));
    nothing_lost(&client, &acknowledged);
}

fn copy_status(client: &Client) -> CopyStatus {
    let query = CopyStatusQuery { identity: Some("CCREX01\\First Storage Group".into()), ..Default::default() };
    let mut all: Vec<StorageGroupCopyStatus> = client.get(routes::STORAGE_GROUP_COPY_STATUS, &query).expect("status");
    all.remove(0).summary_copy_status
}

fn dial(client: &Client, dial: AutoDatabaseMountDial) -> Result<OperationResult, ClientError> {
    let request = MailboxServerRequest {
        identity: "CCREX01".into(),
        auto_database_mount_dial: Some(dial),
        forced_database_mount_after: None,
        dry_run: false,
        expected_version: None,
        domain_controller: None,
    };
    client.post(routes::SET_MAILBOX_SERVER, &request)
}

/// Waits until `check` holds (a watch carries the other ccrd's change), returning how long it took.
fn eventually(what: &str, check: impl Fn() -> bool) -> Duration {
    let started = Instant::now();
    while !check() {
        assert!(started.elapsed() < Duration::from_secs(5), "{what} was not seen within 5 s");
        std::thread::sleep(Duration::from_millis(5));
    }
    started.elapsed()
}

#[test]
#[ignore]
fn two_ccrd_on_one_store_serve_one_estate_see_each_others_changes_and_serialise_them() {
    let cluster = cluster();
    let dir = tempfile::tempdir().expect("temp dir");
    let url = cluster.url("shared");
    let a = Ccrd::start_with(&dir.path().join("a"), &["--store", &url]);
    let b = Ccrd::start_with(&dir.path().join("b"), &["--store", &url, "--without-files"]);
    let client_a = Client::new(&a.url, Some(a.admin_token())).expect("client");
    let client_b = Client::new(&b.url, Some(b.admin_token())).expect("client");
    let acknowledged: HashSet<u64> = deliver(&client_a, 20).expect("accepted").into_iter().collect();
    assert_eq!(version(&client_b), version(&client_a), "one estate");

    // A change through one is visible through the other at once (the watch).
    let suspended = suspend(&client_a, true).expect("suspended through a");
    eventually("a's suspend on b", || copy_status(&client_b) == CopyStatus::Suspended);
    assert_eq!(version(&client_b), suspended.estate_version);
    let resumed = suspend(&client_b, false).expect("resumed through b");
    assert_eq!(resumed.estate_version, suspended.estate_version + 1, "one contiguous counter across both");
    eventually("b's resume on a", || copy_status(&client_a) != CopyStatus::Suspended);

    // What needs the nodes' files is refused by the ccrd that does not hold them, clearly.
    let request = MoveRequest {
        identity: "CCREX01".into(),
        target_machine: "NH-W2K3-SRV04".into(),
        move_comment: "patching".into(),
        ignore_dismounted: false,
        ignore_queue_length: false,
        dry_run: false,
        expected_version: None,
        domain_controller: None,
    };
    for refused in
        [client_b.post::<OperationResult>(routes::MOVE_CMS, &request).map(drop), deliver(&client_b, 1).map(drop)]
    {
        match refused {
            Err(ClientError::Rejected(body)) => {
                assert_eq!(body.code, ErrorCode::InvalidRequest, "{body:?}");
                assert!(body.message.contains("needs the nodes' files, and this ccrd does not hold them"), "{body:?}");
            }
            other => panic!("expected a clear refusal, got {other:?}"),
        }
    }
    assert_eq!(version(&client_a), resumed.estate_version, "the refusals changed nothing");

    // Concurrent changes through both while mail flows through a without a break: neither side
    // is starved. A change that carries no `expectedVersion` and loses the compare to the other
    // ccrd is decided again on the estate as stored (as a delivery is), so the changes through
    // either ccrd commit (or find nothing to change), all but a rare one, and the version counts
    // exactly the ones that committed.
    let start = version(&client_a);
    let (url_a, token_a) = (a.url.clone(), a.admin_token());
    let changing = Arc::new(AtomicBool::new(true));
    let mails = Arc::new(AtomicUsize::new(0));
    let mail = {
        let (changing, mails) = (Arc::clone(&changing), Arc::clone(&mails));
        std::thread::spawn(move || {
            let client = Client::new(&url_a, Some(token_a)).expect("client");
            let mut accepted = Vec::new();
            // One delivery after another, no pause: a commits as often as it can.
            while changing.load(Ordering::Relaxed) {
                accepted.extend(deliver(&client, 1).expect("a delivery while the other ccrd changes the estate"));
                mails.fetch_add(1, Ordering::Relaxed);
            }
            accepted
        })
    };
    eventually("mail flowing through a", || mails.load(Ordering::Relaxed) >= 5);
    let mails_before = mails.load(Ordering::Relaxed);
    let (url_a, token_a, url_b, token_b) = (a.url.clone(), a.admin_token(), b.url.clone(), b.admin_token());
    let through_a = std::thread::spawn(move || {
        let client = Client::new(&url_a, Some(token_a)).expect("client");
        let (mut done, mut conflicts) = (0u64, 0u64);
        for i in 0..20 {
            match suspend(&client, i % 2 == 0) {
                Ok(result) if result.changed => done += 1,
                Ok(_) => {}
                Err(ClientError::Rejected(body)) if body.code == ErrorCode::EstateChanged => conflicts += 1,
                Err(ClientError::Rejected(body)) if body.code == ErrorCode::PreconditionFailed => {}
                Err(e) => panic!("a change through a failed: {e:?}"),
            }
        }
        (done, conflicts)
    });
    let through_b = std::thread::spawn(move || {
        let client = Client::new(&url_b, Some(token_b)).expect("client");
        let (mut done, mut conflicts) = (0u64, 0u64);
        // One change after another, no pause either.
        for i in 0..20 {
            let value =
                if i % 2 == 0 { AutoDatabaseMountDial::BestAvailability } else { AutoDatabaseMountDial::Lossless };
            match dial(&client, value) {
                Ok(result) if result.changed => done += 1,
                Ok(_) => {}
                Err(ClientError::Rejected(body)) if body.code == ErrorCode::EstateChanged => conflicts += 1,
                Err(e) => panic!("a change through b failed: {e:?}"),
            }
        }
        (done, conflicts)
    });
    let (done_a, conflicts_a) = through_a.join().expect("a");
    let (done_b, conflicts_b) = through_b.join().expect("b");
    let mails_during = mails.load(Ordering::Relaxed) - mails_before;
    let said = format!(
        "{done_a} + {done_b} committed, {conflicts_a} + {conflicts_b} answered 409, while a delivered \
         {mails_during} times"
    );
    eprintln!("two ccrd on one store: {said}");
    // Before changes were decided again, nearly every change through b was answered 409. Each
    // is now decided up to 48 times; against deliveries sent back to back on a quiet machine
    // (100+ a second), about one change in a hundred or two still loses every time (docs/etcd.md).
    assert!(conflicts_a + conflicts_b <= 2, "at most a rare unguarded change is answered 409: {said}");
    assert!(done_a > 0 && done_b > 0, "both made changes: {said}");
    assert!(mails_during >= 10, "mail flowed through a while the changes ran: {said}");
    // Each side sees the other's last change once its watch brings it.
    let end = start + done_a + done_b;
    eventually(&format!("version {end} on a: {said}"), || version(&client_a) == end);
    eventually(&format!("version {end} on b: {said}"), || version(&client_b) == end);

    // A change guarded by `expectedVersion` is not decided again: when a's commits came first it
    // is answered 409 and changes nothing (whether one loses here is up to the race; the rule
    // itself is `service::changes`'s unit tests), else it commits.
    let mut guarded = (0u64, 0u64);
    let guarded_start = version(&client_b);
    for i in 0..10 {
        let value = if i % 2 == 0 { AutoDatabaseMountDial::GoodAvailability } else { AutoDatabaseMountDial::Lossless };
        let request = MailboxServerRequest {
            identity: "CCREX01".into(),
            auto_database_mount_dial: Some(value),
            forced_database_mount_after: None,
            dry_run: false,
            expected_version: Some(version(&client_b)),
            domain_controller: None,
        };
        match client_b.post::<OperationResult>(routes::SET_MAILBOX_SERVER, &request) {
            Ok(result) if result.changed => guarded.0 += 1,
            Ok(_) => {}
            Err(ClientError::Rejected(body)) if body.code == ErrorCode::EstateChanged => {
                assert!(body.message.contains("Another ccrd sharing this estate changed it first"), "{body:?}");
                guarded.1 += 1;
            }
            Err(e) => panic!("a guarded change through b failed: {e:?}"),
        }
    }
    changing.store(false, Ordering::Relaxed);
    let mut acknowledged = acknowledged;
    let delivered = mail.join().expect("mail");
    assert!(!delivered.is_empty());
    acknowledged.extend(delivered);
    // A guarded change answered 409 changed nothing.
    let end = guarded_start + guarded.0;
    eventually(&format!("version {end} on a, guarded {guarded:?}"), || version(&client_a) == end);
    eventually(&format!("version {end} on b, guarded {guarded:?}"), || version(&client_b) == end);
    nothing_lost(&client_a, &acknowledged);

    // A change made through a under a request id, retried through b under the same id: b
    // answers from the record a committed with it, and nothing is done twice.
    let with_id = |ccrd: &Ccrd, on: bool| -> OperationResult {
        let request = CopyRequest {
            identity: "CCREX01\\First Storage Group".into(),
            standby_machine: None,
            suspend_comment: None,
            dry_run: false,
            expected_version: None,
            domain_controller: None,
        };
        let answer = crate::support::http_client()
            .post(format!("{}{}", ccrd.url, if on { routes::SUSPEND_COPY } else { routes::RESUME_COPY }))
            .bearer_auth(ccrd.admin_token())
            .header(ccrsh::api::headers::REQUEST_ID, "across-1")
            .json(&request)
            .send()
            .expect("answered");
        assert!(answer.status().is_success(), "{}", answer.status());
        answer.json().expect("a result")
    };
    let on = copy_status(&client_a) != CopyStatus::Suspended;
    let first = with_id(&a, on);
    assert!(first.changed);
    eventually("a's change on b", || version(&client_b) == first.estate_version);
    let again = with_id(&b, on);
    assert_eq!((again.estate_version, &again.report), (first.estate_version, &first.report));
    assert!(again.notes.iter().any(|n| n.contains("already carried out under request id across-1")), "{again:?}");
    assert_eq!((version(&client_a), version(&client_b)), (first.estate_version, first.estate_version));
}

#[test]
#[ignore]
fn export_import_and_reset_work_on_an_estate_in_etcd() {
    let cluster = cluster();
    let dir = tempfile::tempdir().expect("temp dir");
    let (_ccrd, client) = ccrd_on(&dir.path().join("lab"), &cluster, "export");
    let sent = deliver(&client, 30).expect("accepted");
    let exported = client.download(routes::LAB_EXPORT, &[ccrsh::api::headers::ESTATE_VERSION]).expect("exported");
    suspend(&client, true).expect("suspended");
    deliver(&client, 10).expect("accepted");
    let imported: ccrsh::api::LabResult = client
        .upload(routes::LAB_IMPORT, &ccrsh::api::ImportQuery::default(), exported.bytes.clone())
        .expect("imported");
    assert!(imported.estate_version > 0);
    assert_ne!(copy_status(&client), CopyStatus::Suspended, "the snapshot's estate is back");
    let ledger = statistics(&client, true);
    assert_eq!((ledger.accepted, ledger.present, ledger.lost), (sent.len() as u64, sent.len() as u64, 0), "{ledger:?}");
    let reset: ccrsh::api::LabResult =
        client.post(routes::LAB_RESET, &ccrsh::api::ResetRequest::default()).expect("reset");
    assert_eq!(reset.topology, "seed");
    assert_eq!(statistics(&client, false).accepted, 0);
}

/// The store itself: a commit too large for one etcd transaction (more than 120 operations)
/// is written in chunks and reads back whole; a handle that another one overtook writes
/// nothing and says so.
#[test]
#[ignore = "the etcd backend's tests (etcd::*) were not run: they need etcd (apt-get install etcd-server), then cargo test --test integration etcd:: -- --include-ignored"]
fn a_commit_past_etcds_transaction_limits_is_chunked_and_a_stale_handle_writes_nothing() {
    use ccrsh::service::store::{AcceptedRange, EstateStore, EtcdStore, EtcdUrl, Journal, StoreError};
    let cluster = cluster();
    let url = EtcdUrl::parse(&cluster.url("chunks")).expect("url");
    let seed = ccrsh::engine::topology::build("seed", ccrsh::engine::topology::SEED).expect("seed");
    let mut store = EtcdStore::open(&url, &seed).expect("opens");
    let mut stale = EtcdStore::open(&url, &seed).expect("opens");
    let mut estate = store.load().expect("loads");
    let sg = estate.storage_groups.iter().next().expect("a storage group").clone();
    let at = chrono::Utc::now();
    let mut journal = Journal::new(at);
    for i in 0..300u64 {
        journal.events.push(ccrsh::engine::events::NewEvent {
            node: "NH-W2K3-SRV03".into(),
            instance_id: 2000 + i as u32,
            source: ccrsh::engine::events::REPLICATION.into(),
            entry_type: ccrsh::api::EntryType::Information,
            message: format!("event {i} {}", "x".repeat(4000)),
        });
        journal.accepted.push(AcceptedRange {
            first_id: 1 + i * 10,
            count: 10,
            size: 1024,
            server: sg.server.clone(),
            storage_group: sg.name.clone(),
            accepted_at: at,
            recipient: None,
        });
    }
    let before = estate.clone();
    estate.version += 1;
    estate.next_message_id = 3001;
    let diff = ccrsh::engine::diff::EstateDiff::between(&before, &estate);
    let events = store.commit(&diff, &[&journal]).expect("a chunked commit");
    assert_eq!(events[0].len(), 300);
    assert_eq!(events[0].last().map(|e| e.index), Some(300));

    let reader = store.reader().expect("reader");
    let read = reader.events(&ccrsh::api::EventQuery::default()).expect("events");
    assert_eq!(read.len(), 300, "every event, newest first");
    assert_eq!(read[0].index, 300);
    let mut ranges = 0;
    reader
        .accepted(&sg.server, &sg.name, false, &mut |_| {
            ranges += 1;
            true
        })
        .expect("ledger");
    assert_eq!(ranges, 300);
    let reopened = EtcdStore::open(&url, &seed).expect("opens").load().expect("loads");
    assert_eq!((reopened.version, reopened.next_message_id), (estate.version, 3001));

    // The other handle read before that commit: its commit is refused whole.
    let mut small = Journal::new(at);
    small.events.push(journal.events[0].clone());
    assert!(matches!(stale.commit(&diff, &[&small]), Err(StoreError::Conflict)));
    assert!(matches!(stale.commit(&diff, &[&journal]), Err(StoreError::Conflict)));
    let read = store.reader().expect("reader").events(&ccrsh::api::EventQuery::default()).expect("events");
    assert_eq!(read.len(), 300, "the refused commits wrote nothing a reader sees");
}

/// A handle closing cleanly keeps a compact snapshot of the estate under the store's prefix; the
/// next open reads it instead of one key per object. It is only read while `meta` is as it was
/// when the snapshot was taken: after a commit by any handle, the objects are read again.
#[test]
#[ignore]
fn a_snapshot_kept_at_close_is_read_at_open_and_passed_over_once_stale() {
    use ccrsh::service::store::{EstateStore, EtcdStore, EtcdUrl, Journal};
    let cluster = cluster();
    let url = EtcdUrl::parse(&cluster.url("snapshot")).expect("url");
    let text = include_str!("../bench/topologies/large.toml");
    let large = ccrsh::engine::topology::build("large", text).expect("large");
    let mut store = EtcdStore::open(&url, &large).expect("opens");
    let estate = store.load().expect("loads");
    assert_eq!(estate, large);
    store.keep_snapshot(&estate).expect("kept");
    drop(store);
    let mut reopened = EtcdStore::open(&url, &large).expect("reopens");
    assert_eq!(reopened.stored(), &large, "read back from the snapshot");

    // Another handle commits: the snapshot is stale, and passed over.
    let mut other = EtcdStore::open(&url, &large).expect("opens");
    let mut next = large.clone();
    next.copies[3].status = CopyStatus::Suspended;
    next.version += 1;
    other
        .commit(&ccrsh::engine::diff::EstateDiff::between(&large, &next), &[&Journal::new(chrono::Utc::now())])
        .expect("commits");
    let fresh = EtcdStore::open(&url, &large).expect("opens");
    assert_eq!(fresh.stored(), &next);
    // The handle that read the old snapshot is now stale: its keep writes nothing, and a
    // later open still reads the change.
    reopened.keep_snapshot(&large).expect("nothing to keep");
    assert_eq!(EtcdStore::open(&url, &large).expect("opens").stored(), &next);
    // A current handle keeps a new one, read back as the changed estate.
    let mut current = EtcdStore::open(&url, &large).expect("opens");
    current.keep_snapshot(&next).expect("kept");
    assert_eq!(EtcdStore::open(&url, &large).expect("opens").stored(), &next);
}

/// A commit whose answer is lost on the way (the member dies mid-call, say): the gateway sends
/// the transaction again through another member, whose compare fails because the first one
/// committed. The store finds its own commit there and reports it committed, once, instead of
/// a conflict (which would tell the caller "nothing was carried out" about a change made).
#[test]
#[ignore]
fn a_commit_whose_answer_was_lost_is_found_committed_not_reported_as_a_conflict() {
    use ccrsh::service::store::{EstateStore, EtcdStore, EtcdUrl, Journal};
    let cluster = cluster();
    let endpoints = cluster.endpoints();
    let proxy = crate::support::LossyProxy::start(&endpoints[0], b"POST /v3/kv/txn", false);
    let through_proxy = EtcdUrl {
        endpoints: std::iter::once(proxy.url.trim_start_matches("http://").to_string())
            .chain(endpoints.iter().cloned())
            .collect(),
        estate: "lost-answer".into(),
    };
    let seed = ccrsh::engine::topology::build("seed", ccrsh::engine::topology::SEED).expect("seed");
    let mut store = EtcdStore::open(&through_proxy, &seed).expect("opens");
    let mut estate = store.load().expect("loads");
    let event = |message: &str| ccrsh::engine::events::NewEvent {
        node: "NH-W2K3-SRV03".into(),
        instance_id: 2090,
        source: ccrsh::engine::events::REPLICATION.into(),
        entry_type: ccrsh::api::EntryType::Information,
        message: message.into(),
    };
    for (round, lose) in [(1, true), (2, false)] {
        let before = estate.clone();
        estate.version += 1;
        let mut journal = Journal::new(chrono::Utc::now());
        journal.events.push(event(&format!("round {round}")));
        if lose {
            proxy.arm();
        }
        let diff = ccrsh::engine::diff::EstateDiff::between(&before, &estate);
        let events = store.commit(&diff, &[&journal]).expect("committed, its first answer lost or not");
        assert_eq!(events[0].len(), 1);
        assert!(proxy.lost(), "the first commit's answer was lost");
    }
    let read = store.reader().expect("reader").events(&ccrsh::api::EventQuery::default()).expect("events");
    assert_eq!(read.iter().map(|e| e.message.as_str()).collect::<Vec<_>>(), ["round 2", "round 1"], "each once");
    let direct = EtcdUrl { endpoints, estate: "lost-answer".into() };
    assert_eq!(EtcdStore::open(&direct, &seed).expect("opens").load().expect("loads").version, estate.version);
}

/// `bench/lab-cluster.sh DIR`, run once with `down` when dropped.
struct LabCluster(std::path::PathBuf);

impl LabCluster {
    fn run(&self, action: &str) -> std::process::Output {
        std::process::Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/bench/lab-cluster.sh"))
            .args([action, self.0.to_str().expect("utf-8")])
            .env("CCRD", env!("CARGO_BIN_EXE_ccrd"))
            .output()
            .expect("the script runs")
    }
}

impl Drop for LabCluster {
    fn drop(&mut self) {
        let _ = self.run("down");
    }
}

/// Point 3 of issue 16: the script for people to try ccrd on etcd brings up a 3-member etcd
/// and two ccrd on one estate (a change through one shows through the other), and `down`
/// stops every process it started.
#[test]
#[ignore]
fn the_lab_cluster_script_brings_up_two_ccrd_on_one_etcd_estate_and_stops_them() {
    etcd::require();
    let dir = tempfile::tempdir().expect("temp dir");
    let cluster = LabCluster(dir.path().join("cluster"));
    let up = cluster.run("up");
    let said = String::from_utf8_lossy(&up.stdout).into_owned();
    assert!(up.status.success(), "{said}{}", String::from_utf8_lossy(&up.stderr));
    assert!(said.contains("A local ccrd cluster is up") && said.contains("ccrsh --server"), "{said}");
    let urls = std::fs::read_to_string(cluster.0.join("urls")).expect("urls");
    let url = |lab: &str| {
        let line = urls.lines().find(|l| l.starts_with(&format!("{lab}="))).expect("a url");
        let token = crate::support::token(&cluster.0.join(lab).join("admin.token"));
        Client::new(&line[2..], Some(token)).expect("client")
    };
    let (a, b) = (url("a"), url("b"));
    assert_eq!(version(&a), version(&b), "one estate");
    let suspended = suspend(&b, true).expect("a change through b");
    eventually("b's change on a", || version(&a) == suspended.estate_version);
    assert_eq!(copy_status(&a), CopyStatus::Suspended);
    deliver(&a, 3).expect("a holds the files and takes mail");

    let pids: Vec<String> = std::fs::read_to_string(cluster.0.join("pids"))
        .expect("pids")
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1).map(str::to_string))
        .collect();
    assert_eq!(pids.len(), 5, "three members and two ccrd");
    let down = cluster.run("down");
    assert!(down.status.success(), "{}", String::from_utf8_lossy(&down.stderr));
    for pid in pids {
        // Gone, or a zombie its new parent has not reaped yet.
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = stat.rsplit_once(") ").map(|(_, rest)| rest.chars().next());
        assert!(matches!(state, None | Some(Some('Z'))), "process {pid} still runs after down: {stat}");
    }
}

#[test]
#[ignore]
fn the_shells_embedded_lab_keeps_its_estate_in_etcd_when_given_a_store() {
    let cluster = cluster();
    let url = cluster.url("embedded");
    let home = Home::new();
    let suspend_it = "Suspend-StorageGroupCopy -Identity 'CCREX01\\First Storage Group' -Confirm:$false";
    let run = home.run(&["--store", &url, "-NoLogo", "-NonInteractive", "-c", suspend_it]);
    assert_eq!(run.code, 0, "{run:?}");
    let status = "(Get-StorageGroupCopyStatus -Identity 'CCREX01\\First Storage Group').SummaryCopyStatus";
    let run = home.run(&["-NoLogo", "-NonInteractive", "-c", status]);
    assert_eq!((run.code, run.stdout.trim()), (0, "Healthy"), "the lab's own file was not written: {run:?}");
    // The estate is in etcd: a ccrd on another lab directory, on the same store, serves it.
    let dir = tempfile::tempdir().expect("temp dir");
    let other = Ccrd::start_with(&dir.path().join("other"), &["--store", &url, "--without-files"]);
    let client = Client::new(&other.url, Some(other.admin_token())).expect("client");
    assert_eq!(copy_status(&client), CopyStatus::Suspended, "the shell's change is in etcd");
    suspend(&client, false).expect("resumed through the other ccrd");
    // And the shell's lab on the store, opened again, reads the estate from etcd.
    let run = home.run(&["--store", &url, "-NoLogo", "-NonInteractive", "-c", status]);
    assert_eq!((run.code, run.stdout.trim()), (0, "Healthy"), "{run:?}");
    let run = home.run(&["--store", &url, "-NoLogo", "-NonInteractive", "-c", suspend_it]);
    assert_eq!(run.code, 0, "{run:?}");
    eventually("the shell's second change on the other ccrd", || copy_status(&client) == CopyStatus::Suspended);
}

/// A plain `cargo test` says in one line that the etcd backend's tests were not run and how to
/// run them: the first of them in name order (the order `cargo test` lists them) carries the
/// reason `support::etcd::NEEDS_ETCD`, every other one is ignored without a word.
#[test]
fn the_etcd_tests_say_once_why_they_are_ignored_and_how_to_run_them() {
    let source = include_str!("etcd.rs");
    let lines: Vec<&str> = source.lines().collect();
    let attribute = format!("#[ignore = \"{}\"]", etcd::NEEDS_ETCD);
    let mut with_reason = Vec::new();
    let mut names = Vec::new();
    for (i, _) in lines.iter().enumerate().filter(|(_, line)| **line == "#[test]") {
        let ignore = lines.get(i + 1).copied().unwrap_or_default();
        let Some(name) = lines.get(i + 2).and_then(|l| l.strip_prefix("fn ")).and_then(|l| l.split('(').next()) else {
            continue;
        };
        if name == "the_etcd_tests_say_once_why_they_are_ignored_and_how_to_run_them" {
            continue;
        }
        assert!(ignore == "#[ignore]" || ignore == attribute, "{name} is not ignored as the others: {ignore}");
        if ignore == attribute {
            with_reason.push(name);
        }
        names.push(name);
    }
    names.sort_unstable();
    assert!(names.len() > 1, "{names:?}");
    assert_eq!(with_reason, names[..1], "exactly the first etcd test in name order carries: {attribute}");
    assert!(etcd::NEEDS_ETCD.contains("were not run") && etcd::NEEDS_ETCD.contains("--include-ignored"));
}
