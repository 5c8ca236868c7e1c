//! The embedded service: the real ccrd router, run on a background thread of the shell's own
//! process and reached over a loopback port, so the embedded default and a remote ccrd speak
//! the same HTTP contract.
//!
//! While it runs it publishes its address in the lab directory (`lab::publish_address`), so a
//! second ccrsh on the same lab attaches to it as a client.
//!
//! Must not: be used by anything but the binaries; the shell only ever sees a URL and a token.

use std::net::{Ipv4Addr, SocketAddr, TcpListener as StdListener};
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use super::lab::{self, LabError, TopologySource};
use super::{AppState, serve};

/// A running in-process service. Dropping it stops the service and releases the lab.
pub struct Embedded {
    pub url: String,
    pub admin_token: String,
    dir: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    /// Whether the lab opened (`Err`: why not), once the service thread knows.
    opened: Option<std::sync::mpsc::Receiver<Result<(), String>>>,
    opened_result: Option<Result<(), String>>,
}

/// Why the embedded service did not start.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error("{0}")]
    Lab(#[from] LabError),
    #[error("could not start the embedded service on loopback: {0}")]
    Io(#[from] std::io::Error),
}

/// Opens (or creates) the lab at `dir` and serves it on `127.0.0.1` at a free port.
pub fn start(dir: &Path, topology: &TopologySource) -> Result<Embedded, EmbeddedError> {
    start_on(dir, topology, None)
}

/// As [`start`], with the estate in etcd at `etcd` when given (see `lab::open_on`).
///
/// The lab is claimed (locked, created if new, its tokens read) before this returns, so a lab
/// in use is told at once; its estate is read on the service's thread while the caller goes on
/// starting (requests sent meanwhile wait in the listener's queue). [`Embedded::opened`] says
/// whether that worked.
pub fn start_on(
    dir: &Path,
    topology: &TopologySource,
    etcd: Option<&crate::service::store::EtcdUrl>,
) -> Result<Embedded, EmbeddedError> {
    let claimed = lab::claim(dir, topology)?;
    let admin_token = claimed.tokens.admin.clone();
    let listener = StdListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))?;
    listener.set_nonblocking(true)?;
    let url = format!("http://{}", listener.local_addr()?);
    lab::publish_address(dir, &url)?;
    let (stop, stopped) = oneshot::channel::<()>();
    let (opened_tx, opened) = std::sync::mpsc::channel();
    let etcd = etcd.cloned();
    let shown = dir.display().to_string();
    let thread = std::thread::Builder::new().name("ccrd-embedded".into()).spawn(move || {
        let started = (|| {
            let lab = claimed.open(etcd.as_ref()).map_err(|e| e.to_string())?;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_io()
                .enable_time()
                .build()
                .map_err(|e| format!("could not start the embedded service: {e}"))?;
            let (state, lab_lock) =
                AppState::new(lab).map_err(|e| LabError::Store { dir: shown.clone(), source: e }.to_string())?;
            Ok::<_, String>((runtime, state, lab_lock))
        })();
        let (runtime, state, lab_lock) = match started {
            Ok(started) => {
                let _ = opened_tx.send(Ok(()));
                started
            }
            Err(e) => {
                // The listener closes with this thread: requests already sent are refused.
                let _ = opened_tx.send(Err(e));
                return;
            }
        };
        let serving = state.clone();
        runtime.block_on(async move {
            let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                return;
            };
            let shutdown = async move {
                let _ = stopped.await;
            };
            if let Err(e) = serve(listener, serving, shutdown).await {
                eprintln!("ccrsh: the embedded service stopped: {e}");
            }
        });
        // Replication passes still running finish before the lab is marked clean.
        drop(runtime);
        if let Err(e) = state.shut_down() {
            eprintln!("ccrsh: the lab was not closed cleanly (it is repaired when it next opens): {e}");
        }
        drop(lab_lock);
    })?;
    Ok(Embedded {
        url,
        admin_token,
        dir: dir.to_path_buf(),
        stop: Some(stop),
        thread: Some(thread),
        opened: Some(opened),
        opened_result: None,
    })
}

impl Embedded {
    /// Waits until the lab is open and served; `Err` says why it could not be opened (the
    /// service has stopped then).
    pub fn opened(&mut self) -> Result<(), String> {
        if let Some(receiver) = self.opened.take() {
            self.opened_result =
                Some(receiver.recv().unwrap_or_else(|_| Err("the embedded service stopped while starting".into())));
        }
        self.opened_result.clone().unwrap_or(Ok(()))
    }
}

impl Drop for Embedded {
    fn drop(&mut self) {
        // First take the address back, so no newcomer attaches to a service that is stopping.
        lab::withdraw_address(&self.dir);
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
