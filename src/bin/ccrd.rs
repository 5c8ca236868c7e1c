//! `ccrd`, the cluster control service: opens (or creates) a lab directory, serves the API on
//! loopback, and stops cleanly on SIGINT or SIGTERM. Its first line on standard output is
//! `ccrd listening on http://ADDRESS`, which scripts and tests read to find the port. Its log
//! goes to standard error: readable lines by default, JSON lines with `--log-format json`,
//! filtered by `RUST_LOG` (default `info`).
//!
//! With `--tls-cert`/`--tls-key` it serves HTTPS (`ccrd listening on https://…`); it refuses a
//! non-loopback address without TLS unless `--insecure-http` is given.
//!
//! Subcommands manage a lab without serving it: `ccrd token add|list|revoke` (per-person
//! tokens, see `service::tokens`) and `ccrd tls self-signed DIR` (see `service::tls`).

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use tracing_subscriber::EnvFilter;

use ccrsh::api::Role;
use ccrsh::service::lab::{self, TopologySource};
use ccrsh::service::server::ServerOptions;
use ccrsh::service::{AppState, serve_with, tokens};

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
    /// How the log on standard error is written: `text` (for people) or `json` (one object a
    /// line, for log collectors). `RUST_LOG` sets what is logged (default `info`).
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Serve HTTPS with this PEM certificate chain (with --tls-key).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Listen on a non-loopback address without TLS (tokens then cross the network in clear).
    #[arg(long)]
    insecure_http: bool,
    /// The most connections open at once; more wait until one closes.
    #[arg(long, default_value_t = 256)]
    max_connections: usize,
    /// Where the estate is kept: `sqlite` (the lab's estate.db, the default) or
    /// `etcd://HOST:PORT[,HOST:PORT…][/NAME]` (an etcd cluster; the lab directory keeps the
    /// tokens, the audit trail and the nodes' files).
    #[arg(long, default_value = "sqlite")]
    store: String,
    /// With --store etcd://…: serve an estate whose nodes' files another ccrd holds (it runs
    /// replication and mail); this one serves reads and the changes that touch no files.
    #[arg(long)]
    without_files: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

/// Installs the log: `RUST_LOG`'s filter (or `info`), on standard error, in `format`.
fn start_log(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let log = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(colour);
    match format {
        LogFormat::Text => log.init(),
        LogFormat::Json => log.json().with_current_span(true).with_span_list(true).flatten_event(true).init(),
    }
}

#[derive(Subcommand)]
enum Command {
    /// Per-person tokens: each person gets their own, and the audit trail records their name.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// TLS for a lab: `ccrd tls self-signed DIR` makes a CA and a server certificate.
    Tls {
        #[command(subcommand)]
        action: TlsAction,
    },
}

#[derive(Subcommand)]
enum TlsAction {
    /// Writes DIR/ca.pem (for clients: ccrsh --ca-cert), DIR/cert.pem and DIR/key.pem, for
    /// localhost, 127.0.0.1, ::1, this host's name and every --name.
    SelfSigned {
        dir: PathBuf,
        /// Another host name or address the certificate is for (repeatable).
        #[arg(long = "name")]
        names: Vec<String>,
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
        Some(Command::Tls { action: TlsAction::SelfSigned { dir, names } }) => {
            match ccrsh::service::tls::self_signed(&dir, &names) {
                Ok(made) => {
                    println!("CA certificate (give it to clients: ccrsh --ca-cert): {}", made.ca.display());
                    println!("server certificate: {}", made.cert.display());
                    println!("server key: {}", made.key.display());
                    println!("names: {}", made.names.join(", "));
                    println!(
                        "serve with: ccrd --lab DIR --tls-cert {} --tls-key {}",
                        made.cert.display(),
                        made.key.display()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("ccrd: {e}");
                    ExitCode::from(1)
                }
            }
        }
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
    let (TokenAction::Add { lab, .. } | TokenAction::List { lab } | TokenAction::Revoke { lab, .. }) = &action;
    if let Err(e) = lab::check_existing_private(lab) {
        eprintln!("ccrd: {e}");
        return ExitCode::from(1);
    }
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
    start_log(args.log_format);
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => match ccrsh::service::tls::server_config(cert, key) {
            Ok(config) => Some(config),
            Err(e) => {
                eprintln!("ccrd: TLS: {e}");
                return ExitCode::from(1);
            }
        },
        _ => None,
    };
    if !args.listen.ip().is_loopback() && tls.is_none() && !args.insecure_http {
        eprintln!(
            "ccrd: refusing to listen on {} without TLS: bearer tokens would cross the network in clear text. \
             Give --tls-cert and --tls-key (ccrd tls self-signed DIR makes a pair), or --insecure-http to accept the risk.",
            args.listen
        );
        return ExitCode::from(2);
    }
    let etcd = match args.store.as_str() {
        "sqlite" => None,
        other => match ccrsh::service::store::EtcdUrl::parse(other) {
            Ok(url) => Some(url),
            Err(e) => {
                eprintln!("ccrd: --store: {e}");
                return ExitCode::from(2);
            }
        },
    };
    if args.without_files && etcd.is_none() {
        eprintln!(
            "ccrd: --without-files needs --store etcd://… (a store another ccrd, the one with the files, shares)"
        );
        return ExitCode::from(2);
    }
    let lab = match lab::open_on(&dir, &TopologySource::parse(&args.topology), etcd.as_ref()) {
        Ok(mut lab) => {
            lab.holds_files = !args.without_files;
            lab
        }
        Err(e) => {
            tracing::error!("{e}");
            return ExitCode::from(1);
        }
    };
    if !args.listen.ip().is_loopback() && tls.is_none() {
        tracing::warn!(address = %args.listen.ip(), "serving plain HTTP on an address that is not loopback");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            tracing::error!("could not start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let (state, lab_lock) = match AppState::new(lab) {
        Ok(opened) => opened,
        Err(e) => {
            eprintln!("ccrd: {e}");
            return ExitCode::from(1);
        }
    };
    let serving = state.clone();
    let listen = args.listen;
    let store = args.store.clone();
    let scheme = if tls.is_some() { "https" } else { "http" };
    let options = ServerOptions { tls, max_connections: args.max_connections, ..ServerOptions::default() };
    let result = runtime.block_on(async move {
        // The handlers are installed before the address is printed: whoever reads it may send
        // SIGTERM at once.
        let terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| std::io::Error::new(e.kind(), format!("cannot listen on {listen}: {e}")))?;
        // A reader that goes away must not take ccrd down with it: ignore write failures.
        let mut stdout = std::io::stdout();
        let address = listener.local_addr()?;
        let _ = writeln!(stdout, "ccrd listening on {scheme}://{address}");
        let _ = writeln!(stdout, "lab: {}", dir.display());
        tracing::info!(address = %address, lab = %dir.display(), store = %store, "listening");
        // A ccrsh started on the same lab directory attaches here, on loopback (plain HTTP
        // only: an attaching shell has no CA to check a TLS certificate with).
        let mut local = address;
        if local.ip().is_unspecified() {
            local.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        let published = local.ip().is_loopback() && scheme == "http";
        if published {
            lab::publish_address(&dir, &format!("http://{local}"))?;
        }
        let served = serve_with(listener, serving, options, shutdown_signal(terminate)).await;
        if published {
            lab::withdraw_address(&dir);
        }
        served
    });
    // Work still running on blocking threads (a long settle) does not hold the exit up.
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    // What is not written yet is, and the lab is marked clean, unless a change still running
    // holds the writer: then the next open repairs it.
    if let Err(e) = state.shut_down() {
        tracing::warn!(error = %e, "the lab was not closed cleanly (it is repaired when it next opens)");
    }
    drop(lab_lock);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
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
    tracing::info!("shutting down");
}
