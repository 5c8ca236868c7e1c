//! Durability at scale (issue 15): group commit under `kill -9` with 32 concurrent clients, on
//! the seed estate and on the large one (10 clustered mailbox servers × 50 storage groups);
//! mail statistics that never report unavailable mail when none is lost, under load (issue
//! 10.8); a lab shut down cleanly reopens with exactly what it had, without a repair.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ccrsh::api::{
    MailStatistics, MailStatisticsQuery, SendMailRequest, SendMailResult, SettleRequest, SettleResult, routes,
};
use ccrsh::shell::client::Client;

use crate::support::Ccrd;

/// The large topology of the benchmarks.
const LARGE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/topologies/large.toml");

fn statistics(client: &Client, database: &str, verify: bool) -> MailStatistics {
    let query = MailStatisticsQuery { identity: Some(database.into()), verify };
    client.get(routes::LAB_MAIL_STATISTICS, &query).expect("statistics")
}

fn deliver(client: &Client, database: &str, count: u32, size_kb: u32) -> Result<Vec<u64>, String> {
    let request = SendMailRequest {
        database: database.into(),
        count,
        size_kb,
        dry_run: false,
        expected_version: None,
        recipient: None,
    };
    client.post::<SendMailResult>(routes::LAB_MAIL, &request).map(|r| r.accepted).map_err(|e| format!("{e:?}"))
}

/// `rounds` times: ccrd starts on `lab`, 32 clients deliver one message at a time to the
/// databases `databases` names (client `i` to database `i % len`) until ccrd is killed with
/// SIGKILL at a moment that moves with the round (after 20 to 60 acknowledgements, so a slow
/// debug build on a loaded machine still gets there); then every acknowledged message must be
/// accepted and present — counted from the files (`-Verify`) — exactly once.
fn kill_9_with_32_clients(lab: &Path, topology: Option<&str>, databases: &[String], rounds: u32) {
    let mut acknowledged: HashSet<u64> = HashSet::new();
    for round in 0..rounds {
        let args: Vec<&str> = topology.map(|t| vec!["--topology", t]).unwrap_or_default();
        let ccrd = Ccrd::start_with(lab, &args);
        let client = Client::new(&ccrd.url, Some(ccrd.admin_token())).expect("client");
        check(&client, databases, &acknowledged, round);
        let stop = Arc::new(AtomicBool::new(false));
        let acked_so_far = Arc::new(AtomicUsize::new(0));
        let workers: Vec<_> = (0..32)
            .map(|i| {
                let (url, token, stop) = (ccrd.url.clone(), ccrd.admin_token(), Arc::clone(&stop));
                let acked_so_far = Arc::clone(&acked_so_far);
                let database = databases[i % databases.len()].clone();
                std::thread::spawn(move || {
                    let client = Client::new(&url, Some(token)).expect("client");
                    let mut acked = Vec::new();
                    while !stop.load(Ordering::Relaxed) {
                        match deliver(&client, &database, 1, 4) {
                            Ok(ids) => {
                                acked_so_far.fetch_add(ids.len(), Ordering::Relaxed);
                                acked.extend(ids);
                            }
                            Err(_) => break,
                        }
                    }
                    acked
                })
            })
            .collect();
        let target = 20 + (round as usize * 17) % 41;
        let deadline = Instant::now() + Duration::from_secs(60);
        while acked_so_far.load(Ordering::Relaxed) < target && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
        drop(ccrd); // SIGKILL, with deliveries in flight
        stop.store(true, Ordering::Relaxed);
        for worker in workers {
            for id in worker.join().expect("worker") {
                assert!(acknowledged.insert(id), "round {round}: id {id} was acknowledged twice");
            }
        }
    }
    let ccrd = Ccrd::start_with(lab, &[]);
    let client = Client::new(&ccrd.url, Some(ccrd.admin_token())).expect("client");
    check(&client, databases, &acknowledged, rounds);
    assert!(acknowledged.len() >= 20 * rounds as usize, "the clients made progress: {}", acknowledged.len());
}

/// After a restart: everything acknowledged so far is accepted and present, from the counters
/// and from the files alike, and nothing is lost or unavailable.
fn check(client: &Client, databases: &[String], acknowledged: &HashSet<u64>, round: u32) {
    let mut distinct: Vec<&String> = databases.iter().collect();
    distinct.dedup();
    let mut accepted = 0;
    for database in distinct {
        let counted = statistics(client, database, false);
        let verified = statistics(client, database, true);
        assert_eq!((verified.lost, verified.unavailable), (0, 0), "round {round}: {verified:?}");
        assert_eq!(verified.present, verified.accepted, "round {round}: every accepted message is held");
        assert_eq!(
            (counted.accepted, counted.present, counted.lost, counted.unavailable),
            (verified.accepted, verified.present, verified.lost, verified.unavailable),
            "round {round}: the counters agree with the files"
        );
        accepted += verified.accepted;
    }
    // A message can be accepted and not acknowledged (the kill came between the commit and
    // the answer), never the other way round.
    assert!(
        accepted >= acknowledged.len() as u64,
        "round {round}: {accepted} accepted, {} acknowledged",
        acknowledged.len()
    );
}

#[test]
fn acknowledged_mail_survives_kill_9_with_32_concurrent_clients() {
    let dir = tempfile::tempdir().expect("temp dir");
    kill_9_with_32_clients(&dir.path().join("lab"), None, &["Mailbox Database".to_string()], 12);
}

#[test]
fn acknowledged_mail_survives_kill_9_on_the_large_estate() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Eight databases on four servers, each written by four clients at once.
    let databases: Vec<String> = (0..8)
        .map(|i| format!("CCREX{:02}\\Storage Group {:02}\\Mailbox Database {:02}", 1 + i % 4, 1 + i * 6, 1 + i * 6))
        .collect();
    kill_9_with_32_clients(&dir.path().join("lab"), Some(LARGE), &databases, 4);
}

/// The seed topology with logs of `kb` KB, written under `dir`: its path.
fn seed_with_logs_of(dir: &Path, kb: u32) -> String {
    let topology = dir.join(format!("logs-{kb}.toml"));
    std::fs::write(
        &topology,
        ccrsh::engine::topology::SEED.replace("log_size_kb = 1024", &format!("log_size_kb = {kb}")),
    )
    .expect("topology");
    topology.to_str().expect("utf-8").to_string()
}

/// 16 KB logs and 4 KB messages: a rollover every few deliveries, so the kills land while logs
/// close and the prepared next logs are taken.
#[test]
fn acknowledged_mail_survives_kill_9_while_logs_roll_over() {
    let dir = tempfile::tempdir().expect("temp dir");
    let topology = seed_with_logs_of(dir.path(), 16);
    kill_9_with_32_clients(&dir.path().join("lab"), Some(&topology), &["Mailbox Database".to_string()], 6);
}

/// 32 clients delivering at once through hundreds of rollovers: every acknowledged message is
/// held once, the closed logs run without a gap and each passes inspection, and the next open
/// log is prepared ahead by the replication pass (so a rollover needs no header written under
/// the writer lock).
#[test]
fn rollovers_under_32_concurrent_clients_lose_nothing_and_the_next_log_is_prepared() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lab = dir.path().join("lab");
    let topology = seed_with_logs_of(dir.path(), 16);
    let ccrd = Ccrd::start_with(&lab, &["--topology", &topology]);
    let workers: Vec<_> = (0..32)
        .map(|_| {
            let (url, token) = (ccrd.url.clone(), ccrd.admin_token());
            std::thread::spawn(move || {
                let client = Client::new(&url, Some(token)).expect("client");
                (0..15).flat_map(|_| deliver(&client, "Mailbox Database", 1, 4).expect("delivered")).collect::<Vec<_>>()
            })
        })
        .collect();
    let mut acknowledged = HashSet::new();
    for worker in workers {
        for id in worker.join().expect("worker") {
            assert!(acknowledged.insert(id), "id {id} acknowledged twice");
        }
    }
    assert_eq!(acknowledged.len(), 480);
    let client = Client::new(&ccrd.url, Some(ccrd.admin_token())).expect("client");
    let _: SettleResult = client.post(routes::LAB_SETTLE, &SettleRequest::default()).expect("settles");
    let s = statistics(&client, "Mailbox Database", true);
    assert_eq!((s.accepted, s.present, s.lost, s.unavailable), (480, 480, 0, 0), "{s:?}");
    // The active copy's own logs (replicated ones are truncated once every copy replayed them:
    // read them before the next pass, from what is left).
    let active = lab.join("nodes/NH-W2K3-SRV03/CCREX01/First Storage Group");
    let mut generations: Vec<u64> = std::fs::read_dir(&active)
        .expect("active copy")
        .filter_map(|e| {
            let name = e.expect("entry").file_name().into_string().expect("utf-8");
            let hex = name.strip_prefix("E00")?.strip_suffix(".log")?;
            (hex.len() == 8).then(|| u64::from_str_radix(hex, 16).expect("hex"))
        })
        .collect();
    generations.sort_unstable();
    for pair in generations.windows(2) {
        assert_eq!(pair[1], pair[0] + 1, "closed logs without a gap: {generations:?}");
    }
    let header = |name: &str| {
        let bytes = std::fs::read(active.join(name)).expect(name);
        ccrsh::engine::log_format::decode_header(&bytes).expect("a header")
    };
    let open = header("E00.log");
    assert!(open.generation > 100, "hundreds of rollovers: {open:?}");
    let next = header("E00.log.next");
    assert_eq!((next.generation, next.lineage), (open.generation + 1, open.lineage), "prepared ahead");
    assert_eq!(std::fs::metadata(active.join("E00.log.next")).expect("next").len(), 36, "its header only");
}

/// Issue 10.8: under normal load, `Get-LabMailStatistics` said mail was Unavailable when none
/// was lost (75 of 194 polls): it read the ledger, then the active copy's files, while
/// replication replayed logs into the database and deleted them. It now answers from counters
/// kept with the ledger, consistent with one estate version.
#[test]
fn mail_statistics_never_report_unavailable_mail_under_load_when_none_is_lost() {
    let dir = tempfile::tempdir().expect("temp dir");
    let topology = dir.path().join("small-logs.toml");
    // 32 KB logs: they close, ship, replay and are deleted all the time.
    std::fs::write(&topology, ccrsh::engine::topology::SEED.replace("log_size_kb = 1024", "log_size_kb = 32"))
        .expect("topology");
    let ccrd = Ccrd::start_with(&dir.path().join("lab"), &["--topology", topology.to_str().expect("utf-8")]);
    let client = Client::new(&ccrd.url, Some(ccrd.admin_token())).expect("client");
    let done = Arc::new(AtomicBool::new(false));
    let sender = {
        let (url, token, done) = (ccrd.url.clone(), ccrd.admin_token(), Arc::clone(&done));
        std::thread::spawn(move || {
            let client = Client::new(&url, Some(token)).expect("client");
            for i in 0..400 {
                deliver(&client, "Mailbox Database", 3, 8).expect("delivered");
                if i % 50 == 49 {
                    let _: SettleResult = client.post(routes::LAB_SETTLE, &SettleRequest::default()).expect("settles");
                }
            }
            done.store(true, Ordering::Relaxed);
        })
    };
    let mut polls = 0;
    while !done.load(Ordering::Relaxed) {
        let s = statistics(&client, "Mailbox Database", polls % 20 == 19);
        assert_eq!((s.lost, s.unavailable, s.present), (0, 0, s.accepted), "poll {polls}: {s:?}");
        polls += 1;
    }
    sender.join().expect("sender");
    let s = statistics(&client, "Mailbox Database", true);
    assert_eq!((s.accepted, s.present, s.lost, s.unavailable), (1200, 1200, 0, 0), "{s:?}");
    assert!(polls >= 50, "the statistics were read while mail flowed: {polls} polls");
}

/// A lab shut down cleanly (SIGTERM) opens again with exactly the estate it had, counters
/// included, and without a repair: the lock file says so.
#[test]
fn a_clean_shutdown_reopens_without_a_repair() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lab = dir.path().join("lab");
    let ccrd = Ccrd::start(&lab);
    let client = Client::new(&ccrd.url, Some(ccrd.admin_token())).expect("client");
    deliver(&client, "Mailbox Database", 40, 30).expect("delivered");
    let _: SettleResult = client.post(routes::LAB_SETTLE, &SettleRequest::default()).expect("settles");
    let copies: serde_json::Value =
        client.get(routes::STORAGE_GROUP_COPY_STATUS, &ccrsh::api::CopyStatusQuery::default()).expect("copies");
    assert!(ccrd.terminate().success());
    let lock = std::fs::read_to_string(lab.join("lab.lock")).expect("lock file");
    assert_eq!(lock.lines().nth(1), Some("clean"), "{lock:?}");

    let ccrd = Ccrd::start(&lab);
    let client = Client::new(&ccrd.url, Some(ccrd.admin_token())).expect("client");
    let again: serde_json::Value =
        client.get(routes::STORAGE_GROUP_COPY_STATUS, &ccrsh::api::CopyStatusQuery::default()).expect("copies");
    assert_eq!(again, copies, "the log counters were written at shutdown");
    let s = statistics(&client, "Mailbox Database", true);
    assert_eq!((s.accepted, s.present), (40, 40));
}
