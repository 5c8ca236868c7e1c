//! Helpers shared by the integration tests: a private home and lab per test, running the
//! ccrsh binary, a ccrd on a free loopback port that is stopped when dropped, and a real etcd
//! cluster ([`etcd`]).

#![allow(dead_code)]

pub mod etcd;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};

use tempfile::TempDir;

/// What a finished ccrsh run printed and returned.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// A private home directory with its own default lab, so tests never share state.
pub struct Home {
    pub dir: TempDir,
}

impl Home {
    pub fn new() -> Home {
        Home { dir: tempfile::tempdir().expect("temp dir") }
    }

    /// The lab directory ccrsh uses by default in this home.
    pub fn lab(&self) -> PathBuf {
        self.dir.path().join("lab")
    }

    /// `ccrsh ARGS` with this home's lab and no colour.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ccrsh"));
        command
            .args(args)
            .env("HOME", self.dir.path())
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("CCRSH_LAB", self.lab())
            .env("NO_COLOR", "1")
            .env_remove("CCRSH_SERVER")
            .env_remove("CCRSH_TOKEN");
        // The store matrix (`CCRSH_STORE=etcd`): the embedded lab (this home's, or the one
        // `--lab` names) keeps its estate in etcd, under the same name a ccrd on it would use.
        let lab = args
            .windows(2)
            .find(|pair| pair[0].eq_ignore_ascii_case("--lab") || pair[0].eq_ignore_ascii_case("-lab"))
            .map_or_else(|| self.lab(), |pair| PathBuf::from(pair[1]));
        match etcd::matrix_store(&lab) {
            Some(url) => command.env("CCRSH_LAB_STORE", url),
            None => command.env_remove("CCRSH_LAB_STORE"),
        };
        command
    }

    /// Runs `ccrsh ARGS` to completion with standard input closed.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_input(args, "")
    }

    /// Runs `ccrsh ARGS` with `input` on standard input.
    pub fn run_with_input(&self, args: &[&str], input: &str) -> Run {
        finish(self.command(args), input)
    }
}

/// Runs a prepared command to completion.
pub fn finish(mut command: Command, input: &str) -> Run {
    let mut child =
        command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("ccrsh starts");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("input written");
    let output = child.wait_with_output().expect("ccrsh finishes");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A ccrd serving a lab on 127.0.0.1 at a free port. Dropping it kills it.
pub struct Ccrd {
    child: Option<Child>,
    /// Kept open so ccrd can keep writing to its standard output.
    _stdout: BufReader<std::process::ChildStdout>,
    pub url: String,
    pub lab: PathBuf,
}

impl Ccrd {
    /// Starts ccrd on `lab` and waits until it has printed its address.
    pub fn start(lab: &Path) -> Ccrd {
        Ccrd::start_with(lab, &[])
    }

    /// Starts ccrd on `lab` with more arguments (`--log-format json`, `--topology FILE`). Its
    /// log goes to a file beside the lab ([`Ccrd::log`]), so it never blocks on a full pipe.
    pub fn start_with(lab: &Path, args: &[&str]) -> Ccrd {
        let log = std::fs::File::create(lab.with_extension("log")).expect("log file");
        // The store matrix (`CCRSH_STORE=etcd`): the same test with the estate in etcd.
        let matrix = etcd::matrix_store(lab).filter(|_| !args.contains(&"--store"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_ccrd"))
            .args(["--lab", lab.to_str().expect("utf-8 path"), "--listen", "127.0.0.1:0"])
            .args(args)
            .args(matrix.iter().flat_map(|url| ["--store", url.as_str()]))
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("ccrd starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut first = String::new();
        stdout.read_line(&mut first).expect("ccrd prints its address");
        let url = first
            .trim()
            .strip_prefix("ccrd listening on ")
            .unwrap_or_else(|| panic!("unexpected first line from ccrd: {first:?}"))
            .to_string();
        Ccrd { child: Some(child), _stdout: stdout, url, lab: lab.to_path_buf() }
    }

    /// The process id, to signal it (`kill -STOP` freezes it mid-call).
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    pub fn admin_token(&self) -> String {
        token(&self.lab.join("admin.token"))
    }

    pub fn viewer_token(&self) -> String {
        token(&self.lab.join("viewer.token"))
    }

    pub fn metrics_token(&self) -> String {
        token(&self.lab.join("metrics.token"))
    }

    /// What ccrd has logged so far (its standard error).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.lab.with_extension("log")).unwrap_or_default()
    }

    /// Sends SIGTERM and waits for ccrd to exit.
    pub fn terminate(mut self) -> ExitStatus {
        let mut child = self.child.take().expect("running");
        let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill runs");
        assert!(status.success(), "kill -TERM failed");
        child.wait().expect("ccrd exits")
    }
}

impl Drop for Ccrd {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The in-process ccrd on `dir`, as `embedded::start`; under the store matrix
/// (`CCRSH_STORE=etcd`) with its estate in the shared etcd cluster.
pub fn embedded_start(
    dir: &Path,
    topology: &ccrsh::service::lab::TopologySource,
) -> Result<ccrsh::service::embedded::Embedded, ccrsh::service::embedded::EmbeddedError> {
    let etcd = etcd::matrix_store(dir)
        .map(|url| ccrsh::service::store::EtcdUrl::parse(&url).expect("the matrix's etcd address"));
    ccrsh::service::embedded::start_on(dir, topology, etcd.as_ref())
}

/// A TCP proxy on loopback in front of `target` (`[http://]HOST:PORT`) that, once armed, loses
/// the answer to the first request whose first bytes are `prefix` (`b"POST "`, `b"POST
/// /v3/kv/txn"`): when the server begins answering it, the proxy closes that connection
/// instead of passing the answer on (the server did the work; the caller never hears).
/// Everything else passes through. Its threads end with the test process.
pub struct LossyProxy {
    pub url: String,
    armed: std::sync::Arc<std::sync::atomic::AtomicBool>,
    lost: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl LossyProxy {
    pub fn start(target: &str, prefix: &'static [u8], armed: bool) -> LossyProxy {
        use std::io::Read;
        use std::net::{Shutdown, TcpListener, TcpStream};
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};
        let target = target.trim_start_matches("http://").to_string();
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let (armed, lost) = (Arc::new(AtomicBool::new(armed)), Arc::new(AtomicBool::new(false)));
        let proxy = LossyProxy { url, armed: Arc::clone(&armed), lost: Arc::clone(&lost) };
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let (Ok(client), Ok(upstream)) = (client, TcpStream::connect(&target)) else { continue };
                // Whether the request being answered on this connection is the one to lose.
                let marked = Arc::new(AtomicBool::new(false));
                let (mut from_client, mut to_upstream) =
                    (client.try_clone().expect("clone"), upstream.try_clone().expect("clone"));
                let (seen, armed) = (Arc::clone(&marked), Arc::clone(&armed));
                std::thread::spawn(move || {
                    let mut buffer = [0u8; 64 * 1024];
                    while let Ok(n @ 1..) = from_client.read(&mut buffer) {
                        // A request's first bytes name it (the clients send one at a time).
                        if armed.load(Ordering::SeqCst) && buffer[..n].starts_with(prefix) {
                            seen.store(true, Ordering::SeqCst);
                        }
                        if to_upstream.write_all(&buffer[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = to_upstream.shutdown(Shutdown::Write);
                });
                let lost = Arc::clone(&lost);
                std::thread::spawn(move || {
                    let (mut from_upstream, mut to_client) = (&upstream, &client);
                    let mut buffer = [0u8; 64 * 1024];
                    while let Ok(n @ 1..) = from_upstream.read(&mut buffer) {
                        if marked.load(Ordering::SeqCst) && !lost.swap(true, Ordering::SeqCst) {
                            break;
                        }
                        if to_client.write_all(&buffer[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = client.shutdown(Shutdown::Both);
                    let _ = upstream.shutdown(Shutdown::Both);
                });
            }
        });
        proxy
    }

    /// From now on, the next matching request's answer is lost.
    pub fn arm(&self) {
        self.armed.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether an answer was lost.
    pub fn lost(&self) -> bool {
        self.lost.load(std::sync::atomic::Ordering::SeqCst)
    }
}

pub fn token(path: &Path) -> String {
    std::fs::read_to_string(path).expect("token file").trim().to_string()
}

/// A writer whose bytes a test can read afterwards (an in-process session's stdout or stderr).
#[derive(Clone, Default)]
pub struct Captured(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.borrow()).into_owned()
    }
}

/// An in-process session on `client`, its output and errors captured, its prompts answered
/// from `answers` (`None`: a session that cannot prompt).
pub fn captured_session(
    client: ccrsh::shell::client::Client,
    answers: Option<&str>,
) -> (ccrsh::shell::session::Session, Captured, Captured) {
    captured_session_with(client, answers, false)
}

/// As [`captured_session`], drawing progress bars (as on a terminal) when `progress` is set.
pub fn captured_session_with(
    client: ccrsh::shell::client::Client,
    answers: Option<&str>,
    progress: bool,
) -> (ccrsh::shell::session::Session, Captured, Captured) {
    use ccrsh::shell::session::{Session, SessionOptions};
    let (out, err) = (Captured::default(), Captured::default());
    let options = SessionOptions { non_interactive: answers.is_none(), show_progress: progress, echo_answers: false };
    let input = Box::new(std::io::Cursor::new(answers.unwrap_or("").as_bytes().to_vec()));
    let session = Session::with_input(client, options, Box::new(out.clone()), Box::new(err.clone()), input, 120);
    (session, out, err)
}

/// What a session that talks to no ccrd printed.
pub struct Ran {
    pub stdout: String,
    pub stderr: String,
}

/// Runs `script` in a new session that talks to no ccrd (the client's address is a closed
/// loopback port).
pub fn run_offline(script: &str) -> Ran {
    let client = ccrsh::shell::client::Client::new("http://127.0.0.1:9", None).expect("client");
    let (mut session, out, err) = captured_session(client, None);
    session.run(script, &ccrsh::shell::session::SourceName::Command);
    Ran { stdout: out.text(), stderr: err.text() }
}

/// As [`run_offline`], with the location set to `dir` first.
pub fn run_offline_in(dir: &Path, script: &str) -> Ran {
    run_offline(&format!("Set-Location -LiteralPath '{}'\n{script}", dir.display()))
}

/// The lines of `text` that are not blank, their trailing blanks trimmed.
pub fn lines(text: &str) -> Vec<&str> {
    text.lines().map(str::trim_end).filter(|l| !l.is_empty()).collect()
}

/// A blocking HTTP client for talking to a test ccrd directly, following no redirects.
/// reqwest is built without a crypto provider of its own (ccrsh picks ring), so this installs
/// it: every test that builds a client must come through here, whatever runs first.
pub fn http_client() -> reqwest::blocking::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::blocking::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
}
