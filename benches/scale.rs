//! Estate scale (issue 15; bars and method in docs/performance.md): the same work timed on an
//! estate of 100 storage groups and on one of 500 (`bench/topologies/medium.toml` and
//! `large.toml`: 10 clustered mailbox servers with 10 or 50 storage groups, SCR for half), in
//! one run, against a ccrd release binary on loopback:
//!
//! - one message delivered to every mailbox database, one request after another;
//! - every copy's status read (`GET /v1/storage-groups/copy-status`, all of them);
//! - suspend/resume pairs of one copy (what a change costs on a large estate);
//! - ccrd's start on the existing lab (until it listens).
//!
//! The last two are also timed on the seed estate (one clustered mailbox server, two storage
//! groups), in the same run, as the reference for what a change and a start cost at any size.
//!
//! The growth from 100 to 500 storage groups is reported as an exponent, ln(t500 / t100) / ln 5:
//! 1 is linear, 2 quadratic. The bench fails when the exponent of the first two passes 1.15.
//! Each figure is the median of `ROUNDS` rounds. Run: `cargo bench --bench scale`. Lines
//! starting with `RESULT|` are what `bench/all.sh` tabulates.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use ccrsh::api::{self, CopyRequest, CopyStatusQuery, OperationResult, SendMailRequest, SendMailResult, routes};
use ccrsh::shell::client::Client;

const ROUNDS: usize = 3;
const STATUS_READS: usize = 20;
const PAIRS: usize = 50;
const EXPONENT_BAR: f64 = 1.15;

struct Ccrd {
    child: Child,
    url: String,
    token: String,
}

impl Drop for Ccrd {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.child.id().to_string()).status();
        let _ = self.child.wait();
    }
}

/// Starts ccrd on `lab` (created from `topology` when new); returns it and how long it took to
/// listen.
fn start(lab: &Path, topology: &str) -> (Ccrd, f64) {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ccrd"))
        .args(["--lab", lab.to_str().expect("utf-8"), "--listen", "127.0.0.1:0", "--topology", topology])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("ccrd starts");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut first).expect("address");
    let seconds = started.elapsed().as_secs_f64();
    let url = first.trim().strip_prefix("ccrd listening on ").expect("address line").to_string();
    let token = std::fs::read_to_string(lab.join("admin.token")).expect("token").trim().to_string();
    (Ccrd { child, url, token }, seconds)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The timings of one estate size, in seconds.
#[derive(Debug, Default)]
struct Figures {
    groups: usize,
    mail_all: f64,
    status_all: f64,
    pair: f64,
    start: f64,
}

/// Times the work on a lab made from `topology` (`seed` or a file); `growth` adds the two
/// passes over every database and copy.
fn measure(topology: &str, scratch: &Path, growth: bool) -> Figures {
    let mut mail = Vec::new();
    let mut status = Vec::new();
    let mut pairs = Vec::new();
    let mut starts = Vec::new();
    let mut groups = 0;
    for round in 0..ROUNDS {
        let lab = scratch.join(format!("lab-{round}"));
        // Created on a first start; the start is timed on the second, on the lab as it is.
        drop(start(&lab, topology));
        let (ccrd, seconds) = start(&lab, topology);
        starts.push(seconds);
        let client = Client::new(&ccrd.url, Some(ccrd.token.clone())).expect("client");
        let databases: Vec<api::Database> =
            client.get(routes::MAILBOX_DATABASES, &api::StoreQuery::default()).expect("databases");
        groups = databases.len();
        let copy_identity = databases[0].storage_group.clone();

        if growth {
            let started = Instant::now();
            for db in &databases {
                let request = SendMailRequest {
                    database: db.identity.clone(),
                    count: 1,
                    size_kb: 1,
                    dry_run: false,
                    expected_version: None,
                    recipient: None,
                };
                let _: SendMailResult = client.post(routes::LAB_MAIL, &request).expect("delivered");
            }
            mail.push(started.elapsed().as_secs_f64());

            let mut reads = Vec::new();
            for _ in 0..STATUS_READS {
                let started = Instant::now();
                let all: Vec<api::StorageGroupCopyStatus> =
                    client.get(routes::STORAGE_GROUP_COPY_STATUS, &CopyStatusQuery::default()).expect("status");
                reads.push(started.elapsed().as_secs_f64());
                assert_eq!(all.len(), groups);
            }
            status.push(median(reads));
        }

        let copy = CopyRequest {
            identity: copy_identity,
            standby_machine: None,
            suspend_comment: None,
            domain_controller: None,
            dry_run: false,
            expected_version: None,
        };
        let started = Instant::now();
        for _ in 0..PAIRS {
            let _: OperationResult = client.post(routes::SUSPEND_COPY, &copy).expect("suspended");
            let _: OperationResult = client.post(routes::RESUME_COPY, &copy).expect("resumed");
        }
        pairs.push(started.elapsed().as_secs_f64() / PAIRS as f64);
    }
    Figures { groups, mail_all: median(mail), status_all: median(status), pair: median(pairs), start: median(starts) }
}

fn exponent(small: f64, large: f64, sizes: (usize, usize)) -> f64 {
    (large / small).ln() / (sizes.1 as f64 / sizes.0 as f64).ln()
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The labs go on the disk the build is on (not a tmpfs), as a real lab would.
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), std::path::PathBuf::from);
    std::fs::create_dir_all(&target).expect("target dir");
    let scratch = tempfile::tempdir_in(&target).expect("scratch");
    let seed = measure("seed", &scratch.path().join("s"), false);
    let medium =
        measure(root.join("bench/topologies/medium.toml").to_str().expect("utf-8"), &scratch.path().join("m"), true);
    let large =
        measure(root.join("bench/topologies/large.toml").to_str().expect("utf-8"), &scratch.path().join("l"), true);
    let sizes = (medium.groups, large.groups);
    println!(
        "{:<44} {:>12} {:>12} {:>9}",
        "figure (median of 3 rounds)",
        format!("{} SGs", sizes.0),
        format!("{} SGs", sizes.1),
        "exponent"
    );
    let rows = [
        ("one message to every database", medium.mail_all, large.mail_all, true),
        ("every copy's status (one request)", medium.status_all, large.status_all, true),
        ("suspend + resume of one copy", medium.pair, large.pair, false),
        ("ccrd start on the lab", medium.start, large.start, false),
    ];
    let mut missed = Vec::new();
    for (name, small, big, bar) in rows {
        let e = exponent(small, big, sizes);
        println!("{name:<44} {:>10.2} ms {:>10.2} ms {e:>9.2}", small * 1000.0, big * 1000.0);
        if bar {
            let met = e <= EXPONENT_BAR;
            println!(
                "RESULT|{name}: growth 100 -> 500 SGs|{e:.2}|1.00 (linear)|{e:.2}|<= {EXPONENT_BAR}|{}",
                if met { "met" } else { "missed" }
            );
            if !met {
                missed.push(name);
            }
        } else {
            println!(
                "RESULT|{name} at {} SGs|{:.2} ms|{:.2} ms at {} SGs|{:.2}|-|-",
                sizes.1,
                big * 1000.0,
                small * 1000.0,
                sizes.0,
                big / small
            );
        }
    }
    println!(
        "seed estate ({} databases): suspend + resume {:.2} ms ({:.0} changes/s), ccrd start {:.2} ms",
        seed.groups,
        seed.pair * 1000.0,
        2.0 / seed.pair,
        seed.start * 1000.0
    );
    println!(
        "RESULT|changes/s (suspend, resume) at {} SGs|{:.0}/s|{:.0}/s on the seed estate|{:.2}|-|-",
        sizes.1,
        2.0 / large.pair,
        2.0 / seed.pair,
        seed.pair / large.pair
    );
    println!(
        "RESULT|ccrd start at {} SGs|{:.2} ms|{:.2} ms on the seed estate|{:.2}|-|-",
        sizes.1,
        large.start * 1000.0,
        seed.start * 1000.0,
        large.start / seed.start
    );
    assert!(missed.is_empty(), "growth past {EXPONENT_BAR}: {missed:?}");
}
