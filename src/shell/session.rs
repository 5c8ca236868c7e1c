//! A session: the interpreter plus the console it shows things on. The REPL, the script
//! runner and `-Command` are thin layers over [`Session::run`] and [`Session::run_script`].
//!
//! Owns: [`ConsoleHost`], the interpreter's view of the terminal (output through `render`,
//! prompts on standard input, the NonInteractive rule).
//!
//! Must not: parse the process command line or speak HTTP itself.

use std::io::{BufRead, Write};

use super::client::Client;
use super::cmdlets::Registry;
use super::error_record::ErrorRecord;
use super::eval::{Host, Interpreter, Outcome};
use super::render;
use super::repl::{Identities, Words};
use super::runtime;
use super::value::Value;
use crate::api;

/// How a session may interact with its user.
#[derive(Debug, Clone, Copy, Default)]
pub struct SessionOptions {
    /// `-NonInteractive`: a prompt is an error.
    pub non_interactive: bool,
    /// Draw progress bars (standard error is a terminal); never on the output stream.
    pub show_progress: bool,
    /// Write each answer read from redirected standard input after its prompt, as pwsh does
    /// when standard input is not where the statements come from (`-Command TEXT`, `-File`).
    pub echo_answers: bool,
}

/// Where a text came from, for error positions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceName {
    /// A line at the prompt or a `-Command` text.
    Command,
    /// A script file.
    File(String),
}

/// What answers a prompt at a terminal: a line editor that sees Ctrl+C as a key (rustyline,
/// in `repl`), so that Ctrl+C cancels the prompt instead of leaving it waiting.
pub trait TerminalPrompt {
    /// Shows `prompt` (one line) and reads the answer.
    fn read(&mut self, prompt: &str) -> PromptAnswer;
    /// Shows `prompt` and reads a secret (a password), showing `*` for each character typed.
    fn read_secret(&mut self, prompt: &str) -> PromptAnswer;
}

/// What a prompt at a terminal got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptAnswer {
    Line(String),
    /// Ctrl+C.
    Interrupted,
    /// End of input, or the terminal went away.
    Closed,
}

/// Where prompts (Confirm, mandatory parameters, Read-Host) get their answers.
enum Prompts {
    /// Lines from a test's text; the prompt is written to the output.
    Lines(Box<dyn BufRead>),
    /// Lines from standard input that is not a terminal, as pwsh reads a redirected standard
    /// input; the prompt is written to the output. Read through the process's one standard
    /// input buffer, which `-Command -` reads statements from too, so an answer is the line
    /// after the statement that asks.
    Stdin,
    /// A terminal, through a line editor.
    Terminal(Box<dyn TerminalPrompt>),
}

/// One shell session.
pub struct Session {
    interpreter: Interpreter,
}

impl Session {
    /// A session talking to ccrd through `client`, writing output to `out` and errors and
    /// warnings to `err`, laid out for `width` columns; prompts read standard input.
    pub fn new(
        client: Client,
        options: SessionOptions,
        out: Box<dyn Write>,
        err: Box<dyn Write>,
        width: usize,
    ) -> Session {
        Session::with_prompts(client, options, out, err, Prompts::Stdin, width)
    }

    /// A session whose prompts read answers from `input` instead of standard input.
    pub fn with_input(
        client: Client,
        options: SessionOptions,
        out: Box<dyn Write>,
        err: Box<dyn Write>,
        input: Box<dyn BufRead>,
        width: usize,
    ) -> Session {
        Session::with_prompts(client, options, out, err, Prompts::Lines(input), width)
    }

    /// A session whose prompts are read at a terminal by `prompt`, where Ctrl+C cancels them.
    pub fn at_terminal(
        client: Client,
        options: SessionOptions,
        out: Box<dyn Write>,
        err: Box<dyn Write>,
        prompt: Box<dyn TerminalPrompt>,
        width: usize,
    ) -> Session {
        Session::with_prompts(client, options, out, err, Prompts::Terminal(prompt), width)
    }

    fn with_prompts(
        client: Client,
        options: SessionOptions,
        out: Box<dyn Write>,
        err: Box<dyn Write>,
        prompts: Prompts,
        width: usize,
    ) -> Session {
        let host = ConsoleHost {
            out,
            err,
            prompts,
            width,
            non_interactive: options.non_interactive,
            show_progress: options.show_progress,
            echo_answers: options.echo_answers,
            transcript: None,
        };
        Session { interpreter: Interpreter::new(client, Box::new(host)) }
    }

    /// Names the workstation the session runs on (`--computer`), instead of the topology's.
    pub fn set_workstation(&mut self, name: String) {
        self.interpreter.set_workstation(name);
    }

    /// The prompt: `PS> `, or `[NODE]: PS> ` inside `Enter-PSSession NODE`.
    pub fn prompt(&self) -> String {
        use super::eval::Engine;
        match self.interpreter.computer() {
            Some(node) => format!("[{node}]: {}", super::repl::PROMPT),
            None => super::repl::PROMPT.to_string(),
        }
    }

    /// `$?`: whether the last statement succeeded.
    pub fn last_succeeded(&self) -> bool {
        self.interpreter.last_succeeded()
    }

    pub fn set_variable(&mut self, name: &str, value: Value) {
        let _ = self.interpreter.set_variable(name, value);
    }

    /// What the prompt's completion offers besides cmdlets: the session's variables and
    /// functions, and the estate's identities by kind (storage groups, databases, servers,
    /// nodes, and which nodes can take an SCR copy or a clustered mailbox server).
    pub fn completion_words(&self) -> Words {
        use super::eval::Engine;
        let client = self.interpreter.client();
        let mut found = Identities::default();
        let query = api::StoreQuery::default();
        if let Ok(groups) = client.get::<Vec<api::StorageGroup>>(api::routes::STORAGE_GROUPS, &query) {
            found.storage_groups.extend(groups.into_iter().flat_map(|g| [g.identity, g.name]));
        }
        for route in [api::routes::MAILBOX_DATABASES, api::routes::PUBLIC_FOLDER_DATABASES] {
            if let Ok(databases) = client.get::<Vec<api::Database>>(route, &query) {
                found.databases.extend(databases.into_iter().flat_map(|d| [d.identity, d.name]));
            }
        }
        if let Ok(servers) =
            client.get::<Vec<api::MailboxServer>>(api::routes::MAILBOX_SERVERS, &api::IdentityQuery::default())
        {
            for server in servers {
                if server.clustered_storage_type == api::ClusteredStorageType::Disabled {
                    // A Mailbox node in a cluster with no clustered mailbox server: an SCR target.
                    found.scr_nodes.push(server.name.clone());
                }
                found.redundant_nodes.extend(server.redundant_machines.iter().cloned());
                found.servers.push(server.name);
            }
        }
        if let Ok(nodes) = client.get::<Vec<api::LabNode>>(api::routes::LAB_NODES, &()) {
            for node in nodes {
                found.clusters.push(node.cluster);
                found.datacenters.push(node.datacenter);
                found.nodes.push(node.name);
            }
        }
        found.tidy();
        Words {
            variables: variable_names(&self.interpreter.variables(), self.interpreter.history()),
            functions: self.interpreter.function_names(),
            identities: found,
        }
    }

    /// Runs `text`; `name` says where it came from, for error positions. Text typed at the
    /// prompt or given to `-Command` is kept for Get-History.
    pub fn run(&mut self, text: &str, name: &SourceName) -> Outcome {
        if *name == SourceName::Command {
            self.interpreter.add_history(text);
        }
        let file = match name {
            SourceName::Command => None,
            SourceName::File(path) => Some(path.clone()),
        };
        self.interpreter.run_text(text, file, None)
    }

    /// Runs a script file's text with its command-line arguments bound to its `param()`. The
    /// script is known by its full path (`$PSCommandPath`, `$MyInvocation.MyCommand.Path`,
    /// error positions), as PowerShell knows it.
    pub fn run_script(&mut self, text: &str, path: &str, args: &[String]) -> Outcome {
        let args = super::eval::script_arguments(args);
        self.interpreter.run_text(text, Some(full_path(path)), Some(args))
    }

    /// [`Session::run_script`] as the last thing the process does (`ccrsh -File`): the
    /// script's parse tree is left for the exit to take back, not freed node by node.
    pub fn run_script_before_exit(&mut self, text: String, path: &str, args: &[String]) -> Outcome {
        let args = super::eval::script_arguments(args);
        self.interpreter.run_text_before_exit(text, Some(full_path(path)), Some(args))
    }
}

/// A script's path as given, made absolute from the shell's location.
fn full_path(path: &str) -> String {
    super::runtime::filesystem::resolve(path).display().to_string()
}

/// PowerShell's spelling of the variables every session has: completion offers them so
/// (`$ErrorActionPreference`), as PowerShell does, though names match in any case.
const AUTOMATIC_VARIABLES: &[&str] = &[
    "args",
    "ConfirmPreference",
    "DebugPreference",
    "Error",
    "ErrorActionPreference",
    "false",
    "FormatEnumerationLimit",
    "HOME",
    "InformationPreference",
    "input",
    "LASTEXITCODE",
    "MaximumErrorCount",
    "null",
    "OFS",
    "PID",
    "ProgressPreference",
    "PSCommandPath",
    "PSItem",
    "PSScriptRoot",
    "PSVersionTable",
    "PWD",
    "true",
    "VerbosePreference",
    "WarningPreference",
    "WhatIfPreference",
];

/// The session's variable names as the user spelled them: PowerShell's own as PowerShell
/// spells them, the user's as first typed at the prompt (the interpreter matches names in any
/// case and keeps them in lower case).
fn variable_names(variables: &[(String, Value)], history: &[String]) -> Vec<String> {
    let typed: Vec<&str> = history
        .iter()
        .flat_map(|line| line.split('$').skip(1))
        .map(|rest| {
            let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len());
            &rest[..end]
        })
        .filter(|name| !name.is_empty())
        .collect();
    variables
        .iter()
        .map(|(name, _)| {
            AUTOMATIC_VARIABLES
                .iter()
                .chain(typed.iter())
                .find(|spelled| spelled.eq_ignore_ascii_case(name))
                .map_or_else(|| name.clone(), |spelled| spelled.to_string())
        })
        .collect()
}

/// The terminal (or pipes) a session shows things on, and the transcript file, if one is
/// being written.
pub struct ConsoleHost {
    out: Box<dyn Write>,
    err: Box<dyn Write>,
    prompts: Prompts,
    width: usize,
    non_interactive: bool,
    show_progress: bool,
    echo_answers: bool,
    transcript: Option<(std::fs::File, String)>,
}

impl ConsoleHost {
    fn flush(&mut self) {
        let _ = self.out.flush();
    }

    /// Shows `prompt` and reads the answer: from the terminal's line editor, or a line of the
    /// redirected standard input (written after the prompt when `echo_answers`); a `secret`
    /// is neither shown nor transcribed. `None` at the end of the input.
    fn ask(&mut self, prompt: &str, secret: bool) -> Result<Option<String>, ErrorRecord> {
        if self.non_interactive {
            return Err(ErrorRecord::new(
                "ReadFailsOnNonInteractiveFlag",
                "InvalidOperation",
                "PowerShell is in NonInteractive mode. Read and Prompt functionality is not available.".into(),
            )
            .exception("System.Management.Automation.PSInvalidOperationException")
            .with_hint("Give every value on the command line (and -Confirm:$false for confirmations), or run without -NonInteractive and answer at the terminal or on standard input."));
        }
        // A line editor shows one line; what comes before it (caption, message) is output.
        let terminal = matches!(self.prompts, Prompts::Terminal(_));
        let (before, last) = prompt.rsplit_once('\n').map_or(("", prompt), |(b, l)| (b, l));
        if !terminal {
            self.emit(prompt.as_bytes(), false);
        } else if !before.is_empty() {
            self.emit(format!("{before}\n").as_bytes(), false);
        }
        self.flush();
        let mut echo = false;
        let answer = match &mut self.prompts {
            Prompts::Lines(input) => read_answer(|line| input.read_line(line)),
            Prompts::Stdin => {
                echo = self.echo_answers && !secret;
                read_answer(|line| std::io::stdin().read_line(line))
            }
            Prompts::Terminal(editor) if secret => editor.read_secret(last),
            Prompts::Terminal(editor) => editor.read(last),
        };
        if terminal && let Some((file, _)) = &mut self.transcript {
            let _ = file.write_all(last.as_bytes());
        }
        match answer {
            PromptAnswer::Line(line) => {
                if echo {
                    // Nothing echoes a redirected input: the answer shows after its prompt.
                    self.emit(format!("{line}\n").as_bytes(), false);
                } else if secret {
                    // A secret is never shown nor written down; its line ends.
                    if !terminal {
                        self.emit(b"\n", false);
                    }
                } else if let Some((file, _)) = &mut self.transcript {
                    let _ = file.write_all(format!("{line}\n").as_bytes());
                }
                Ok(Some(line))
            }
            // Ctrl+C cancels the command, as PowerShell's host does (PipelineStoppedException);
            // `^C` ends the prompt's line so the message starts on its own.
            PromptAnswer::Interrupted => {
                self.emit(b"^C\n", false);
                Err(super::eval::interruption())
            }
            // The prompt's line ends, so that what follows starts on its own.
            PromptAnswer::Closed => {
                if !terminal && !prompt.is_empty() {
                    self.emit(b"\n", false);
                }
                Ok(None)
            }
        }
    }

    /// Writes `bytes` to standard output (or error) and to the transcript.
    fn emit(&mut self, bytes: &[u8], to_err: bool) {
        let target = if to_err { &mut self.err } else { &mut self.out };
        let written = target.write_all(bytes).and_then(|()| target.flush());
        // A closed pipe (`| head`) ends output quietly, as other shells do.
        if let Err(e) = written
            && e.kind() != std::io::ErrorKind::BrokenPipe
            && !to_err
        {
            let _ = writeln!(self.err, "ccrsh: could not write output: {e}");
        }
        if let Some((file, _)) = &mut self.transcript {
            let _ = file.write_all(&strip_colour(bytes));
        }
    }
}

/// One answer read by `read`: the line without its line end, or the end of the input
/// (a read error ends it too: nothing more can be read).
fn read_answer(read: impl FnOnce(&mut String) -> std::io::Result<usize>) -> PromptAnswer {
    let mut line = String::new();
    match read(&mut line) {
        Ok(0) | Err(_) => PromptAnswer::Closed,
        Ok(_) => PromptAnswer::Line(line.trim_end_matches(['\r', '\n']).to_string()),
    }
}

/// Text without ANSI colour sequences, for the transcript.
fn strip_colour(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == 0x1b && bytes.get(i + 1) == Some(&b'[') {
            i += 2;
            while i < bytes.len() && !bytes[i].is_ascii_alphabetic() {
                i += 1;
            }
            i += 1;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

impl Host for ConsoleHost {
    fn shows_progress(&self) -> bool {
        self.show_progress
    }

    fn progress(&mut self, activity: &str, percent: Option<u64>) {
        if !self.show_progress {
            return;
        }
        self.flush();
        // Straight to the terminal: a progress bar is not part of the transcript.
        let _ = self.err.write_all(render::progress_line(activity, percent, self.width).as_bytes());
        let _ = self.err.flush();
    }

    fn output(&mut self, values: &[Value]) {
        let text = self.format(values);
        self.emit(text.as_bytes(), false);
    }

    fn error(&mut self, record: &ErrorRecord) {
        self.flush();
        let mut buffer = Vec::new();
        let _ = render::write_error(&mut buffer, record);
        self.emit(&buffer, true);
    }

    fn warning(&mut self, text: &str) {
        self.flush();
        let mut buffer = Vec::new();
        let _ = render::write_warning(&mut buffer, text);
        self.emit(&buffer, true);
    }

    fn error_line(&mut self, text: &str) {
        self.flush();
        let mut buffer = Vec::new();
        let _ = render::write_error_line(&mut buffer, text);
        self.emit(&buffer, true);
    }

    fn verbose(&mut self, text: &str) {
        self.flush();
        let mut buffer = Vec::new();
        let _ = render::write_verbose(&mut buffer, text);
        self.emit(&buffer, true);
    }

    fn text(&mut self, text: &str, newline: bool) {
        let line = if newline { format!("{text}\n") } else { text.to_string() };
        self.emit(line.as_bytes(), false);
    }

    fn read_input_line(&mut self, prompt: &str) -> Result<Option<String>, ErrorRecord> {
        self.ask(prompt, false)
    }

    fn read_secret_line(&mut self, prompt: &str) -> Result<Option<String>, ErrorRecord> {
        self.ask(prompt, true)
    }

    fn format(&mut self, values: &[Value]) -> String {
        let width = self.width;
        self.format_width(values, width)
    }

    fn format_width(&mut self, values: &[Value], width: usize) -> String {
        let registry = Registry::global();
        let mut buffer = Vec::new();
        let _ = render::write_values(&mut buffer, values, &|t| registry.view_for(t), width);
        String::from_utf8_lossy(&buffer).into_owned()
    }

    fn start_transcript(&mut self, path: &str, append: bool) -> Result<(), ErrorRecord> {
        if let Some((_, current)) = &self.transcript {
            return Err(ErrorRecord::new(
                "CannotStartTranscription",
                "InvalidOperation",
                format!(
                    "Transcription has already been started. Use the Stop-Transcript command to stop the transcript being written to {current}."
                ),
            ));
        }
        let mut file =
            std::fs::OpenOptions::new().create(true).write(true).append(append).truncate(!append).open(path).map_err(
                |e| {
                    ErrorRecord::new(
                        "CannotStartTranscription",
                        "OpenError",
                        format!("Could not open the transcript file '{path}': {e}"),
                    )
                    .with_hint("Check that the folder exists and is writable.")
                },
            )?;
        let user = runtime::environment::get("USERNAME").unwrap_or_default();
        let header = format!(
            "**********************\nPowerShell transcript start\nStart time: {}\nUsername: {user}\nRunAs User: {user}\nMachine: {} ({})\nHost Application: ccrsh\nProcess ID: {}\n**********************\n",
            chrono::Utc::now().format("%Y%m%d%H%M%S"),
            runtime::environment::get("COMPUTERNAME").unwrap_or_else(|| "localhost".into()),
            std::env::consts::OS,
            std::process::id()
        );
        let _ = file.write_all(header.as_bytes());
        self.transcript = Some((file, path.to_string()));
        Ok(())
    }

    fn stop_transcript(&mut self) -> Result<String, ErrorRecord> {
        let Some((mut file, path)) = self.transcript.take() else {
            return Err(ErrorRecord::new(
                "CannotStopTranscription",
                "InvalidOperation",
                "An error occurred stopping transcription: The host is not currently transcribing.".into(),
            )
            .with_hint("Start-Transcript starts one."));
        };
        let footer = format!(
            "**********************\nPowerShell transcript end\nEnd time: {}\n**********************\n",
            chrono::Utc::now().format("%Y%m%d%H%M%S")
        );
        let _ = file.write_all(footer.as_bytes());
        Ok(path)
    }
}
