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
use super::repl::Words;
use super::value::Value;
use crate::api;

/// How a session may interact with its user.
#[derive(Debug, Clone, Copy, Default)]
pub struct SessionOptions {
    /// `-NonInteractive`, or no terminal on standard input: a prompt is an error.
    pub non_interactive: bool,
}

/// Where a text came from, for error positions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceName {
    /// A line at the prompt or a `-Command` text.
    Command,
    /// A script file.
    File(String),
}

/// One shell session.
pub struct Session {
    interpreter: Interpreter,
}

impl Session {
    /// A session talking to ccrd through `client`, writing output to `out` and errors and
    /// warnings to `err`, laid out for `width` columns.
    pub fn new(
        client: Client,
        options: SessionOptions,
        out: Box<dyn Write>,
        err: Box<dyn Write>,
        width: usize,
    ) -> Session {
        let input = Box::new(std::io::BufReader::new(std::io::stdin()));
        Session::with_input(client, options, out, err, input, width)
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
        let host = ConsoleHost { out, err, input, width, non_interactive: options.non_interactive };
        Session { interpreter: Interpreter::new(client, Box::new(host)) }
    }

    /// `$?`: whether the last statement succeeded.
    pub fn last_succeeded(&self) -> bool {
        self.interpreter.last_succeeded()
    }

    pub fn set_variable(&mut self, name: &str, value: Value) {
        let _ = self.interpreter.set_variable(name, value);
    }

    /// What the prompt's completion offers besides cmdlets: the session's variables and
    /// functions, and the estate's identities (storage groups, databases, servers, nodes).
    pub fn completion_words(&self) -> Words {
        use super::eval::Engine;
        let client = self.interpreter.client();
        let mut identities = Vec::new();
        let query = api::StoreQuery::default();
        if let Ok(groups) = client.get::<Vec<api::StorageGroup>>(api::routes::STORAGE_GROUPS, &query) {
            identities.extend(groups.into_iter().flat_map(|g| [g.identity, g.name]));
        }
        if let Ok(databases) = client.get::<Vec<api::Database>>(api::routes::MAILBOX_DATABASES, &query) {
            identities.extend(databases.into_iter().flat_map(|d| [d.identity, d.name]));
        }
        if let Ok(databases) = client.get::<Vec<api::Database>>(api::routes::PUBLIC_FOLDER_DATABASES, &query) {
            identities.extend(databases.into_iter().flat_map(|d| [d.identity, d.name]));
        }
        if let Ok(servers) =
            client.get::<Vec<api::MailboxServer>>(api::routes::MAILBOX_SERVERS, &api::IdentityQuery::default())
        {
            identities.extend(servers.into_iter().flat_map(|s| std::iter::once(s.name).chain(s.redundant_machines)));
        }
        identities.sort_by_key(|i| i.to_lowercase());
        identities.dedup();
        Words {
            variables: self.interpreter.variables().into_iter().map(|(name, _)| name).collect(),
            functions: self.interpreter.function_names(),
            identities,
        }
    }

    /// Runs `text`; `name` says where it came from, for error positions.
    pub fn run(&mut self, text: &str, name: &SourceName) -> Outcome {
        let file = match name {
            SourceName::Command => None,
            SourceName::File(path) => Some(path.clone()),
        };
        self.interpreter.run_text(text, file, None)
    }

    /// Runs a script file's text with its command-line arguments bound to its `param()`.
    pub fn run_script(&mut self, text: &str, path: &str, args: &[String]) -> Outcome {
        let args = super::eval::script_arguments(args);
        self.interpreter.run_text(text, Some(path.to_string()), Some(args))
    }
}

/// The terminal (or pipes) a session shows things on.
pub struct ConsoleHost {
    out: Box<dyn Write>,
    err: Box<dyn Write>,
    input: Box<dyn BufRead>,
    width: usize,
    non_interactive: bool,
}

impl ConsoleHost {
    fn flush(&mut self) {
        let _ = self.out.flush();
    }
}

impl Host for ConsoleHost {
    fn output(&mut self, values: &[Value]) {
        let registry = Registry::global();
        let shown = render::write_values(&mut self.out, values, &|t| registry.view_for(t), self.width);
        // A closed pipe (`| head`) ends output quietly, as other shells do.
        if let Err(e) = shown
            && e.kind() != std::io::ErrorKind::BrokenPipe
        {
            let _ = writeln!(self.err, "ccrsh: could not write output: {e}");
        }
        self.flush();
    }

    fn error(&mut self, record: &ErrorRecord) {
        self.flush();
        let _ = render::write_error(&mut self.err, record);
        let _ = self.err.flush();
    }

    fn warning(&mut self, text: &str) {
        self.flush();
        let _ = render::write_warning(&mut self.err, text);
    }

    fn verbose(&mut self, text: &str) {
        self.flush();
        let _ = render::write_verbose(&mut self.err, text);
    }

    fn text(&mut self, text: &str, newline: bool) {
        let _ = if newline { writeln!(self.out, "{text}") } else { write!(self.out, "{text}") };
        self.flush();
    }

    fn read_line(&mut self, prompt: &str) -> Result<String, ErrorRecord> {
        if self.non_interactive {
            return Err(ErrorRecord::new(
                "ReadFailsOnNonInteractiveFlag",
                "InvalidOperation",
                "PowerShell is in NonInteractive mode. Read and Prompt functionality is not available.".into(),
            )
            .exception("System.Management.Automation.PSInvalidOperationException")
            .with_hint("Give every value on the command line (and -Confirm:$false for confirmations), or run without -NonInteractive at a terminal."));
        }
        let _ = write!(self.out, "{prompt}");
        self.flush();
        let mut line = String::new();
        match self.input.read_line(&mut line) {
            Ok(0) | Err(_) => {
                Err(ErrorRecord::new("PromptCanceled", "OperationStopped", "The prompt was canceled.".into()))
            }
            Ok(_) => Ok(line.trim_end_matches(['\r', '\n']).to_string()),
        }
    }

    fn format(&mut self, values: &[Value]) -> String {
        let registry = Registry::global();
        let mut buffer = Vec::new();
        let _ = render::write_values(&mut buffer, values, &|t| registry.view_for(t), self.width);
        String::from_utf8_lossy(&buffer).into_owned()
    }
}
