//! A real etcd for the tests: a 3-member cluster (Debian's `etcd-server`) on free loopback
//! ports in a temporary directory, each member stopped by its process id when the cluster is
//! dropped.
//!
//! The etcd backend's own tests (`tests/etcd.rs`) are `#[ignore]`d, the first of them with
//! [`NEEDS_ETCD`] as the reason, so a plain `cargo test` lists them as ignored (never as
//! passed) and says in one line that they were not run and how to run them; `.ci/run` runs
//! them with `--include-ignored`. Run so on a machine without `etcd`, they fail saying what to
//! install.
//!
//! The store matrix: with `CCRSH_STORE=etcd`, every ccrd the tests start (`Ccrd::start*`,
//! `support::embedded_start`, the engine tests' lab) keeps its estate in one shared cluster (a
//! name of its own per lab), so the same tests run on both backends (`.ci/run` runs every test
//! module that starts a ccrd a second time so).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// How to install what the etcd tests need.
const HOW: &str = "install Debian's etcd-server (apt-get install etcd-server)";

/// The one line a plain `cargo test` prints about the etcd backend's tests (keep in step with
/// the `#[ignore = …]` attribute of the first test of `tests/etcd.rs`, which must be a literal).
pub const NEEDS_ETCD: &str = "the etcd backend's tests (etcd::*) were not run: they need etcd (apt-get install \
     etcd-server), then cargo test --test integration etcd:: -- --include-ignored";

/// Fails, saying what to install, when no `etcd` binary is on PATH.
pub fn require() {
    let found = Command::new("etcd").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok();
    assert!(found, "these tests need a real etcd and there is no `etcd` on PATH: {HOW}");
}

/// One member's addresses and process.
struct Member {
    name: String,
    client: u16,
    peer: u16,
    child: Option<Child>,
}

/// A 3-member etcd cluster on loopback, in a temporary directory removed with it.
pub struct Cluster {
    dir: TempDir,
    members: Vec<Member>,
    initial: String,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("address").port()
}

impl Cluster {
    /// Starts `size` members and waits until the cluster has a leader.
    pub fn start(size: usize) -> Cluster {
        let dir = tempfile::tempdir().expect("temp dir");
        let members: Vec<Member> = (0..size)
            .map(|i| Member { name: format!("m{i}"), client: free_port(), peer: free_port(), child: None })
            .collect();
        let initial =
            members.iter().map(|m| format!("{}=http://127.0.0.1:{}", m.name, m.peer)).collect::<Vec<_>>().join(",");
        let mut cluster = Cluster { dir, members, initial };
        for i in 0..size {
            cluster.launch(i, "new");
        }
        cluster.wait_healthy(Duration::from_secs(30));
        cluster
    }

    fn launch(&mut self, i: usize, state: &str) {
        let data = self.dir.path().join(&self.members[i].name);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join(format!("{}.log", self.members[i].name)))
            .expect("log");
        let m = &self.members[i];
        let pid_file = self.dir.path().join(format!("{}.pid", m.name));
        // A watchdog shell runs the member and kills it (by its process id) when this test
        // process is gone, however it ended; `kill` below kills it by the id in the pid file.
        // When the test process is gone, it also removes the cluster's directory (the shared
        // cluster of the store matrix lives in a static that is never dropped).
        let watchdog = format!(
            "etcd \"$@\" & e=$!; echo $e > '{pid}'; gone=; while kill -0 $e 2>/dev/null; do \
             kill -0 {test} 2>/dev/null || {{ kill -9 $e; gone=1; }}; sleep 0.2; done; \
             if [ -n \"$gone\" ]; then rm -rf '{dir}'; fi",
            pid = pid_file.display(),
            test = std::process::id(),
            dir = self.dir.path().display(),
        );
        let child = Command::new("sh")
            .args(["-c", &watchdog, "sh"])
            .args(["--name", &m.name, "--data-dir", data.to_str().expect("utf-8")])
            .args(["--listen-client-urls", &format!("http://127.0.0.1:{}", m.client)])
            .args(["--advertise-client-urls", &format!("http://127.0.0.1:{}", m.client)])
            .args(["--listen-peer-urls", &format!("http://127.0.0.1:{}", m.peer)])
            .args(["--initial-advertise-peer-urls", &format!("http://127.0.0.1:{}", m.peer)])
            .args(["--initial-cluster", &self.initial, "--initial-cluster-state", state])
            .args(["--initial-cluster-token", "ccrsh-test"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("etcd starts");
        self.members[i].child = Some(child);
    }

    /// `etcd://…` for every member, with the estate `name`.
    pub fn url(&self, name: &str) -> String {
        format!("etcd://{}/{name}", self.endpoints().join(","))
    }

    pub fn endpoints(&self) -> Vec<String> {
        self.members.iter().map(|m| format!("127.0.0.1:{}", m.client)).collect()
    }

    /// Waits until a write through every running member's view succeeds (a leader exists).
    pub fn wait_healthy(&self, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            if self.members.iter().any(|m| m.child.is_some() && self.writable(m.client)) {
                return;
            }
            assert!(Instant::now() < deadline, "etcd did not get a leader within {within:?}: {}", self.logs());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn writable(&self, port: u16) -> bool {
        let client = super::http_client();
        client
            .post(format!("http://127.0.0.1:{port}/v3/kv/put"))
            .header("Grpc-Metadata-hasleader", "true")
            .timeout(Duration::from_secs(2))
            .body(r#"{"key":"aGVhbHRo","value":"MQ=="}"#)
            .send()
            .is_ok_and(|r| r.status().is_success())
    }

    /// The member that leads now (asked of each running member).
    pub fn leader(&self) -> Option<usize> {
        let client = super::http_client();
        for m in self.members.iter().filter(|m| m.child.is_some()) {
            let Ok(answer) = client
                .post(format!("http://127.0.0.1:{}/v3/maintenance/status", m.client))
                .timeout(Duration::from_secs(2))
                .body("{}")
                .send()
                .and_then(|r| r.json::<serde_json::Value>())
            else {
                continue;
            };
            let leader = answer["leader"].as_str().unwrap_or_default().to_string();
            if answer["header"]["member_id"].as_str() == Some(leader.as_str()) && !leader.is_empty() {
                return self.members.iter().position(|x| x.client == m.client);
            }
        }
        None
    }

    /// `kill -9` of member `i`.
    pub fn kill(&mut self, i: usize) {
        if let Some(mut watchdog) = self.members[i].child.take() {
            let pid_file = self.dir.path().join(format!("{}.pid", self.members[i].name));
            let deadline = Instant::now() + Duration::from_secs(5);
            let pid = loop {
                match std::fs::read_to_string(&pid_file).map(|t| t.trim().to_string()) {
                    Ok(pid) if !pid.is_empty() => break Some(pid),
                    _ if Instant::now() > deadline => break None,
                    _ => std::thread::sleep(Duration::from_millis(20)),
                }
            };
            if let Some(pid) = pid {
                let _ = Command::new("kill").args(["-9", &pid]).status();
            }
            let _ = watchdog.wait();
            let _ = std::fs::remove_file(pid_file);
        }
    }

    /// Starts member `i` again on its data (it rejoins and catches up).
    pub fn restart(&mut self, i: usize) {
        self.launch(i, "existing");
    }

    /// Every member's log, for a failure message.
    pub fn logs(&self) -> String {
        self.members
            .iter()
            .map(|m| {
                let text = std::fs::read_to_string(self.dir.path().join(format!("{}.log", m.name))).unwrap_or_default();
                let tail: String = text.lines().rev().take(5).collect::<Vec<_>>().join("\n");
                format!("--- {}\n{tail}", m.name)
            })
            .collect()
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for i in 0..self.members.len() {
            self.kill(i);
        }
    }
}

/// The cluster the store matrix shares: started once per test binary; its watchdogs stop it
/// when the binary exits.
static SHARED: OnceLock<Mutex<Option<Cluster>>> = OnceLock::new();

/// Whether the tests' ccrd keep their estate in etcd (`CCRSH_STORE=etcd`).
pub fn matrix() -> bool {
    std::env::var("CCRSH_STORE").as_deref() == Ok("etcd")
}

/// `--store etcd://…/NAME` for a ccrd on `lab` under the store matrix: one name per lab (so a
/// restarted ccrd finds its estate again).
pub fn matrix_store(lab: &Path) -> Option<String> {
    if !matrix() {
        return None;
    }
    require();
    let shared = SHARED.get_or_init(|| Mutex::new(Some(Cluster::start(3))));
    let guard = shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let cluster = guard.as_ref().expect("the shared cluster");
    let name: String = lab_name(lab);
    Some(cluster.url(&name))
}

fn lab_name(lab: &Path) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    PathBuf::from(lab).hash(&mut hasher);
    format!("lab-{:016x}", hasher.finish())
}
