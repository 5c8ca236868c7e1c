//! `ccrsh`, the shell binary: parses the process command line, connects to a ccrd (a remote one
//! with `--server`, or the real service run in-process on the embedded lab), and runs the REPL,
//! a `-Command` text, standard input, or a script file. This is the one place where the shell
//! and the service are wired together.

use std::io::{BufWriter, IsTerminal, Write};

use ccrsh::shell::cli::{self, Mode};
use ccrsh::shell::render;
use ccrsh::shell::session::{Session, SessionOptions, SourceName};
use ccrsh::shell::{self, repl, syntax};

mod connection;
mod rehearsal;

use connection::Connection;

/// The heap, counted, so the value layer's memory budget (`shell::memory`) can refuse to grow a
/// value past it instead of the process aborting when an allocation fails. mimalloc rather than
/// glibc's malloc: a parse tree is a million small blocks for a 10 MB script, and glibc spent
/// as long freeing them as the parser took to build them (docs/performance.md, "Parser").
/// Without transparent huge pages (the `no_thp` feature): with them, every region mimalloc
/// touched became 2 MB resident, and start-up's peak memory grew from 16 to 24 MB.
#[global_allocator]
static HEAP: cap::Cap<mimalloc::MiMalloc> = cap::Cap::new(mimalloc::MiMalloc, usize::MAX);

/// Stack for the thread that parses and runs scripts. Both recurse with the input's nesting,
/// which the grammar and interpreter cap; this leaves room for the caps in debug builds too.
const SHELL_STACK_BYTES: usize = 256 * 1024 * 1024;

fn main() {
    shell::memory::install(|| HEAP.allocated());
    // Only touched pages cost memory, so a large reserved stack is free until used.
    // The shell's thread ends the process itself (rather than waking this one to do it): it
    // returns only by panicking, which exits 1.
    // `exit` can ask for any 32-bit code; the OS keeps the low byte, as with pwsh.
    let shell = std::thread::Builder::new()
        .name("ccrsh".into())
        .stack_size(SHELL_STACK_BYTES)
        .spawn(|| std::process::exit(run()));
    if let Err(e) = shell.map(std::thread::JoinHandle::join) {
        eprintln!("ccrsh: cannot start the shell thread: {e}");
    }
    std::process::exit(1);
}

fn run() -> i32 {
    let args: Vec<String> = std::env::args_os().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
    let options = match cli::parse(&args, &|name| std::env::var(name).ok()) {
        Ok(options) => options,
        Err(e) => {
            eprintln!("{}\n\n{}", e.0, cli::USAGE);
            return i32::from(cli::USAGE_EXIT_CODE);
        }
    };
    match &options.mode {
        Mode::Help => {
            println!("{}", cli::USAGE);
            return 0;
        }
        Mode::Version => {
            println!("ccrsh {}", env!("CARGO_PKG_VERSION"));
            return 0;
        }
        _ => {}
    }
    // Colour only where a person will see it, and never with NO_COLOR.
    let colour = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal();
    colored::control::set_override(colour);

    let script = match &options.mode {
        Mode::File { path, .. } => match std::fs::read(path) {
            Ok(bytes) => match cli::decode_script(bytes) {
                Ok(text) => Some(text),
                Err(why) => {
                    eprintln!(
                        "The file '{}' is not valid text: {why}. ccrsh reads scripts as UTF-8, or as UTF-16 \
                         with a byte order mark.",
                        path.display()
                    );
                    return 1;
                }
            },
            Err(e) => {
                eprintln!(
                    "The argument '{}' is not recognized as the name of a script file ({e}). Check the \
                     spelling of the name, or if a path was included, verify that the path is correct \
                     and try again.",
                    path.display()
                );
                return i32::from(cli::USAGE_EXIT_CODE);
            }
        },
        _ => None,
    };

    // The embedded service reports its own failures (warnings and errors) on standard error.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::WARN)
        .without_time()
        .with_target(false)
        .try_init();
    let mut connection = match connection::connect(&options) {
        Ok(connection) => connection,
        Err(message) => {
            eprintln!("ccrsh: {message}");
            return 1;
        }
    };
    let stdin_is_terminal = std::io::stdin().is_terminal();
    let wants_banner = matches!(options.mode, Mode::Interactive) && stdin_is_terminal && !options.no_logo;
    // An embedded lab opens while the shell starts; what asks the lab before the session runs
    // waits for it here, so a lab that cannot be opened says why.
    if (wants_banner || options.rehearse)
        && let Err(message) = connection.target.opened()
    {
        eprintln!("ccrsh: {message}");
        return 1;
    }
    let banner = wants_banner.then(|| banner(&connection));
    let Connection { client, mut target } = connection;
    // A rehearsal runs the session on a fork of the estate and reports at the end.
    let (client, fork) = if options.rehearse {
        if !matches!(options.mode, Mode::Command(_) | Mode::File { .. }) {
            eprintln!("ccrsh: -Rehearse needs a runbook: -File PATH or -Command TEXT.\n\n{}", cli::USAGE);
            return i32::from(cli::USAGE_EXIT_CODE);
        }
        let fork = match rehearsal::Fork::of(&client) {
            Ok(fork) => fork,
            Err(message) => {
                eprintln!("ccrsh: {message}");
                return 1;
            }
        };
        match fork.client.fork() {
            Ok(session_client) => (session_client, Some(fork)),
            Err(e) => {
                eprintln!("ccrsh: the rehearsal could not connect to its copy of the estate: {e:?}");
                return 1;
            }
        }
    } else {
        (client, None)
    };
    // Without a terminal, prompts read their answers as lines from standard input, as pwsh
    // does; only -NonInteractive makes a prompt an error.
    let non_interactive = options.non_interactive;
    let show_progress = !non_interactive && stdin_is_terminal && std::io::stderr().is_terminal();
    // Statements read from standard input (`-Command -`) are not echoed, nor are the answers
    // among them; after `-Command TEXT` or `-File`, an answer shows after its prompt.
    let echo_answers = matches!(options.mode, Mode::Command(_) | Mode::File { .. });
    let session_options = SessionOptions { non_interactive, show_progress, echo_answers };
    let out = Box::new(BufWriter::new(std::io::stdout()));
    let err = Box::new(std::io::stderr());
    let width = render::output_width();
    // At a terminal, prompts go through a line editor so that Ctrl+C cancels them.
    let mut session = match (!non_interactive && stdin_is_terminal).then(repl::terminal_prompt).flatten() {
        Some(prompt) => Session::at_terminal(client, session_options, out, err, prompt, width),
        None => Session::new(client, session_options, out, err, width),
    };
    if let Some(computer) = options.computer.clone() {
        session.set_workstation(computer);
    }
    if let Err(message) = target.opened() {
        eprintln!("ccrsh: {message}");
        return 1;
    }

    if !options.no_profile
        && let Some(path) = shell::profile_path().filter(|p| p.is_file())
        && let Ok(text) = std::fs::read_to_string(&path)
    {
        session.run(&text, &SourceName::File(path.display().to_string()));
    }

    let code = match options.mode {
        Mode::Command(text) => {
            let outcome = session.run(&text, &SourceName::Command);
            outcome.exit.unwrap_or(if session.last_succeeded() { 0 } else { 1 })
        }
        Mode::CommandFromStdin => run_stdin(&mut session),
        Mode::File { path, args } => {
            let text = script.unwrap_or_default();
            let outcome = session.run_script_before_exit(text, &path.display().to_string(), &args);
            outcome.exit.unwrap_or(if outcome.terminated { 1 } else { 0 })
        }
        Mode::Interactive if stdin_is_terminal => {
            listen_for_ctrl_c();
            if let Some(banner) = banner {
                println!("{banner}");
            }
            repl::run(&mut session, repl::history_path())
        }
        Mode::Interactive => run_stdin(&mut session),
        Mode::Help | Mode::Version => 0,
    };
    drop(session);
    if let Some(fork) = fork {
        print!("{}", fork.report());
    }
    // An embedded service stops here, and releases the lab.
    drop(target);
    code
}

/// `ccrsh VERSION — what it talks to`, a line on the lab's state when it is not as seeded, and
/// where to start.
fn banner(connection: &Connection) -> String {
    let mut text = format!("ccrsh {} — {}\n", env!("CARGO_PKG_VERSION"), connection.describe());
    if let Some(state) = connection::lab_state(&connection.client) {
        text.push_str(&state);
        text.push('\n');
    }
    text.push_str("Get-Command lists the cmdlets; Get-Help NAME explains one; exit leaves.");
    text
}

/// At a terminal, Ctrl-C stops the running command instead of the shell: a listener thread
/// turns SIGINT into a stop request the interpreter checks between statements.
fn listen_for_ctrl_c() {
    let spawned = std::thread::Builder::new().name("ctrl-c".into()).spawn(|| {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
            return;
        };
        runtime.block_on(async {
            while tokio::signal::ctrl_c().await.is_ok() {
                shell::eval::interrupt();
            }
        });
    });
    if let Err(e) = spawned {
        eprintln!("ccrsh: Ctrl-C will end the shell: {e}");
    }
}

/// `-Command -`: runs each complete statement as soon as it has been read. Standard input is
/// read a line at a time (not held locked), so a prompt a statement shows reads its answer
/// from the lines after it.
fn run_stdin(session: &mut Session) -> i32 {
    let stdin = std::io::stdin();
    let mut pending = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        match stdin.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        pending.push_str(line.trim_end_matches(['\r', '\n']));
        pending.push('\n');
        if syntax::is_incomplete(&pending) {
            continue;
        }
        if let Some(code) = session.run(&pending, &SourceName::Command).exit {
            return code;
        }
        pending.clear();
    }
    if !pending.trim().is_empty()
        && let Some(code) = session.run(&pending, &SourceName::Command).exit
    {
        return code;
    }
    let _ = std::io::stdout().flush();
    if session.last_succeeded() { 0 } else { 1 }
}
