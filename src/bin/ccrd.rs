//! `ccrd`, the cluster control service: opens (or creates) a lab directory, serves the API on
//! loopback, and stops cleanly on SIGINT or SIGTERM. Its first line on standard output is
//! `ccrd listening on http://ADDRESS`, which scripts and tests read to find the port.
//!
//! Subcommands manage a lab without serving it: `ccrd token add|list|revoke` (per-person
//! tokens, see `service::tokens`).

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use ccrsh::api::Role;
use ccrsh::service::lab::{self, TopologySource};
use ccrsh::service::{AppState, serve, tokens};

/// The cluster control service for ccrsh.
#[derive(Parser)]
#[command(name = "ccrd", version, about, args_conflicts_with_subcommands = true)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// The lab directory; created from --topology when it is missing or empty.
    #[arg(long)]
    lab: Option<PathBuf>,
    /// The address to listen on (loopback by default; port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:4780")]
    listen: SocketAddr,
    /// `seed`, or a topology file, for a new lab.
    #[arg(long, default_value = "seed")]
    topology: String,
}

#[derive(Subcommand)]
enum Command {
    /// Per-person tokens: each person gets their own, and the audit trail records their name.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
}

#[derive(Subcommand)]
enum TokenAction {
    /// Adds a token for NAME and prints it (once: only its hash is kept).
    Add {
        name: String,
        #[arg(long, value_enum)]
        role: TokenRole,
        #[arg(long)]
        lab: PathBuf,
    },
    /// Lists the tokens' names, roles and creation times.
    List {
        #[arg(long)]
        lab: PathBuf,
    },
    /// Revokes NAME's token; a running ccrd refuses it from the next request.
    Revoke {
        name: String,
        #[arg(long)]
        lab: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum TokenRole {
    Admin,
    Viewer,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match args.command {
        Some(Command::Token { action }) => token(action),
        None => match args.lab.clone() {
            Some(dir) => run(&args, dir),
            None => {
                eprintln!("ccrd: --lab DIR is required to serve a lab (ccrd --help shows the options)");
                ExitCode::from(2)
            }
        },
    }
}

fn token(action: TokenAction) -> ExitCode {
    let mut stdout = std::io::stdout();
    let result = match action {
        TokenAction::Add { name, role, lab } => {
            let role = match role {
                TokenRole::Admin => Role::Administrator,
                TokenRole::Viewer => Role::ViewOnly,
            };
            tokens::add(&lab, &name, role).map(|token| {
                let _ = writeln!(stdout, "{token}");
                let _ = writeln!(
                    std::io::stderr(),
                    "ccrd: token for {name} added; give it to them now: only its hash is kept."
                );
            })
        }
        TokenAction::List { lab } => tokens::list(&lab).map(|people| {
            let _ = writeln!(stdout, "{:<24} {:<8} CREATED", "NAME", "ROLE");
            for p in people {
                let role = if p.role == Role::Administrator { "admin" } else { "viewer" };
                let _ = writeln!(stdout, "{:<24} {role:<8} {}", p.name, p.created);
            }
        }),
        TokenAction::Revoke { name, lab } => tokens::revoke(&lab, &name),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ccrd: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(args: &Args, dir: PathBuf) -> ExitCode {
    let lab = match lab::open(&dir, &TopologySource::parse(&args.topology)) {
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
    let listen = args.listen;
    let result = runtime.block_on(async move {
        // The handlers are installed before the address is printed: whoever reads it may send
        // SIGTERM at once.
        let terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| std::io::Error::new(e.kind(), format!("cannot listen on {listen}: {e}")))?;
        // A reader that goes away must not take ccrd down with it: ignore write failures.
        let mut stdout = std::io::stdout();
        let _ = writeln!(stdout, "ccrd listening on http://{}", listener.local_addr()?);
        let _ = writeln!(stdout, "lab: {}", dir.display());
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
