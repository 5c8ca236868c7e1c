//! `ccrd`, the cluster control service: opens (or creates) a lab directory, serves the API on
//! loopback, and stops cleanly on SIGINT or SIGTERM. Its first line on standard output is
//! `ccrd listening on http://ADDRESS`, which scripts and tests read to find the port.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use ccrsh::service::lab::{self, TopologySource};
use ccrsh::service::{AppState, serve};

/// The cluster control service for ccrsh.
#[derive(Parser)]
#[command(name = "ccrd", version, about)]
struct Args {
    /// The lab directory; created from --topology when it is missing or empty.
    #[arg(long)]
    lab: PathBuf,
    /// The address to listen on (loopback by default; port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:4780")]
    listen: SocketAddr,
    /// `seed`, or a topology file, for a new lab.
    #[arg(long, default_value = "seed")]
    topology: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let lab = match lab::open(&args.lab, &TopologySource::parse(&args.topology)) {
        Ok(lab) => lab,
        Err(e) => {
            eprintln!("ccrd: {e}");
            return ExitCode::from(1);
        }
    };
    if !args.listen.ip().is_loopback() {
        eprintln!("ccrd: warning: listening on {}, which is not a loopback address", args.listen.ip());
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("ccrd: could not start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let (state, lab_lock) = AppState::new(lab);
    let result = runtime.block_on(async move {
        // The handlers are installed before the address is printed: whoever reads it may send
        // SIGTERM at once.
        let terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        let listener = tokio::net::TcpListener::bind(args.listen).await?;
        // A reader that goes away must not take ccrd down with it: ignore write failures.
        let mut stdout = std::io::stdout();
        let _ = writeln!(stdout, "ccrd listening on http://{}", listener.local_addr()?);
        let _ = writeln!(stdout, "lab: {}", args.lab.display());
        serve(listener, state, shutdown_signal(terminate)).await
    });
    drop(lab_lock);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ccrd: {e}");
            ExitCode::from(1)
        }
    }
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal(mut terminate: tokio::signal::unix::Signal) {
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
    let _ = writeln!(std::io::stderr(), "ccrd: shutting down");
}
