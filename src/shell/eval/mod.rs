//! The interpreter: runs a parsed script. Statements, streaming pipelines, commands (cmdlets,
//! functions, script blocks), expressions, scopes, control flow, `try`/`catch`/`trap`/`throw`,
//! redirections, and PowerShell's error model (non-terminating, statement-terminating,
//! script-terminating; `$?`, `$Error`, `-ErrorAction` and `$ErrorActionPreference`).
//!
//! Layout: `mod.rs` (the [`Interpreter`], its [`Host`], the [`Engine`] interface cmdlets call
//! back through, top-level runs), `variables.rs` (variable lookup, automatic variables,
//! constraints), `statements.rs` (statements and assignment), `pipeline.rs` (the streaming
//! pipeline: stages, command resolution, the cmdlet adapter, redirections), `streams.rs`
//! (errors, warnings and the other streams, with their redirection and capture),
//! `expressions.rs` (expressions and member calls), `functions.rs` (functions and script
//! blocks: `param()` → spec, binding, begin/process/end/clean), `scope.rs`, and the value
//! rules `operators.rs`, `convert.rs`, `members.rs`.
//!
//! Must not: print (it hands values and errors to its `Host`), speak HTTP itself (cmdlets do,
//! through `client`), or parse (it runs what `syntax` produced).
//!
//! The memory budget (`shell::memory`, issue 10.11) is checked at each statement, each script
//! block invocation, interpolation and `+` (in `operators`); keep those calls where values grow.

pub mod convert;
mod expressions;
mod functions;
pub mod members;
pub mod numeric;
pub mod operators;
mod pipeline;
pub mod scope;
mod statements;
mod streams;
mod variables;

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::bind::Argument;
use super::client::Client;
use super::error_record::{ErrorRecord, STOP_EXCEPTION, Severity};
use super::runtime::environment::{self, ComputerName};
use super::spec::ConfirmImpact;
use super::syntax::*;
use super::value::{ScriptBlock, Source, Value};
pub use functions::script_arguments;
use scope::{Scope, ScopeKind};
pub use scope::{VariableInfo, VariableOptions};
use streams::StreamFrame;

/// Where the interpreter sends what it produces.
pub trait Host {
    /// The output of a top-level statement, to be shown.
    fn output(&mut self, values: &[Value]);
    fn error(&mut self, record: &ErrorRecord);
    fn warning(&mut self, text: &str);
    fn verbose(&mut self, text: &str);
    /// `Write-Host` text.
    fn text(&mut self, text: &str, newline: bool);
    /// A line on the error stream that is not an error record (`$Host.UI.WriteErrorLine`).
    fn error_line(&mut self, text: &str);
    /// Reads a line after showing `prompt`: `None` at the end of the input (standard input
    /// redirected from a file that has no more lines); an error when the session cannot prompt.
    fn read_input_line(&mut self, prompt: &str) -> Result<Option<String>, ErrorRecord>;
    /// [`Host::read_input_line`] for a secret (a password): shown as `*`s at a terminal, never
    /// echoed nor transcribed.
    fn read_secret_line(&mut self, prompt: &str) -> Result<Option<String>, ErrorRecord>;
    /// [`Host::read_input_line`] for a question that needs its answer: the end of the input
    /// cancels it, with PowerShell's `The prompt was canceled.`
    fn read_line(&mut self, prompt: &str) -> Result<String, ErrorRecord> {
        self.read_input_line(prompt)?.ok_or_else(|| {
            ErrorRecord::new("PromptCanceled", "OperationStopped", "The prompt was canceled.".into())
                .exception("System.Management.Automation.Host.PromptingException")
                .with_hint("Standard input ended before the question was answered: give the answer as a line on standard input, or the value on the command line (-Confirm:$false for a confirmation).")
        })
    }
    /// Output as text, laid out as the screen would show it (`Out-String`, `> file`).
    fn format(&mut self, values: &[Value]) -> String;
    /// The same laid out for `width` columns instead of the screen's (`Out-String -Width`).
    fn format_width(&mut self, values: &[Value], width: usize) -> String;
    /// Starts copying everything shown (and typed at prompts) into `path`.
    fn start_transcript(&mut self, path: &str, append: bool) -> Result<(), ErrorRecord>;
    /// Stops the transcript; returns its path.
    fn stop_transcript(&mut self) -> Result<String, ErrorRecord>;
    /// Whether progress bars are drawn (an interactive terminal on standard error).
    fn shows_progress(&self) -> bool;
    /// Draws `activity` at `percent`, or clears the bar (`None`) when it is done.
    fn progress(&mut self, activity: &str, percent: Option<u64>);
}

/// One ShouldProcess question: may `command` perform `action` on `target`?
#[derive(Debug, Clone)]
pub struct Confirmation<'a> {
    pub command: &'a str,
    pub impact: ConfirmImpact,
    pub target: &'a str,
    pub action: &'a str,
    /// The cmdlet's own description of the change (Exchange's ConfirmationMessage, e.g.
    /// `Dismounting database "X".`); without one, PowerShell's `Performing the operation …`.
    pub message: Option<&'a str>,
    /// `-WhatIf` / `-WhatIf:$false`, when given.
    pub what_if: Option<bool>,
    /// `-Confirm` / `-Confirm:$false`, when given.
    pub confirm: Option<bool>,
    pub verbose: bool,
}

/// What cmdlets may ask of the interpreter.
pub trait Engine {
    /// PowerShell's ShouldProcess: `What if:` under WhatIf, a confirmation prompt when the
    /// impact reaches the threshold, an error when the session cannot prompt.
    fn should_process(&mut self, request: &Confirmation<'_>) -> Result<bool, ErrorRecord>;
    /// ShouldContinue: asks `query` under the `Confirm` caption whatever `-Confirm` says (a
    /// cmdlet's `-Force` is what skips it); an error when the session cannot prompt.
    fn should_continue(&mut self, command: &str, query: &str) -> Result<bool, ErrorRecord>;
    /// Runs `block` in the current scope with `$_` set to `item` (Where-Object,
    /// ForEach-Object, calculated properties).
    fn invoke_block(
        &mut self,
        block: &ScriptBlock,
        item: Option<Value>,
        args: Vec<Value>,
    ) -> Result<Vec<Value>, ErrorRecord>;
    fn variable(&self, name: &str) -> Value;
    fn set_variable(&mut self, name: &str, value: Value) -> Result<(), ErrorRecord>;
    /// Every variable visible here, innermost scope first.
    fn variables(&self) -> Vec<(String, Value)>;
    /// The variables of a scope (`None`: every one visible here), with their options.
    fn variable_infos(&self, scope: Option<&str>) -> Result<Vec<VariableInfo>, ErrorRecord>;
    /// `New-Variable`/`Set-Variable` with options, in a scope (`None`: the current one).
    fn define_variable(&mut self, info: VariableInfo, scope: Option<&str>, force: bool) -> Result<(), ErrorRecord>;
    /// How many scopes up from the current one the variable `name` visible here lives (`"0"` is
    /// the current scope), for a `-Scope` argument; `None` when no scope holds it.
    fn variable_scope(&self, name: &str) -> Option<String>;
    /// Every function visible here, by name (the innermost of a name), as its script block.
    fn functions(&self) -> Vec<(String, Value)>;
    /// Deletes the function `name` from the scope that holds it; whether there was one.
    fn remove_function(&mut self, name: &str) -> bool;
    /// `Remove-Variable`: whether a variable was removed.
    fn remove_variable(&mut self, name: &str, scope: Option<&str>, force: bool) -> Result<bool, ErrorRecord>;
    fn host(&mut self) -> &mut dyn Host;
    /// The inputs typed at the prompt (or given to `-Command`) so far, oldest first.
    fn history(&self) -> &[String];
    /// The names of the script functions visible here (Get-Command lists them).
    fn function_names(&self) -> Vec<String>;
    /// The node commands run on (`Enter-PSSession`, `Invoke-Command`); `None` is the admin's
    /// own workstation.
    fn computer(&self) -> Option<String>;
    /// The session's ccrd client, for an object that answers from the lab after its cmdlet
    /// returned (`New-Object Net.NetworkInformation.Ping`).
    fn client_handle(&self) -> Rc<Client>;
    fn set_computer(&mut self, computer: Option<String>);
    /// Calls `block` as `& $block @args` does: a new scope, its `param()` bound from `args`.
    fn call_block(&mut self, block: &ScriptBlock, args: Vec<Value>, span: Span) -> Result<Vec<Value>, ErrorRecord>;
    /// `Invoke-Expression`: parses `text` and runs it in the current scope.
    fn invoke_expression(&mut self, text: &str) -> Result<Vec<Value>, ErrorRecord>;
    /// `[scriptblock]::Create(text)`: a script block, or the parse error.
    fn create_script_block(&mut self, text: &str) -> Result<Value, ErrorRecord>;
    /// A property's value as a script reads it: an `Add-Member` ScriptProperty's getter run
    /// with `$this` the object, an AliasProperty's target; any other value as it is.
    fn member_value(&mut self, this: &Value, found: Value) -> Result<Value, ErrorRecord>;
}

/// Why execution stopped early.
// The error variant is the cold path and carries a whole ErrorRecord on purpose (see the
// `result_large_err` note in Cargo.toml).
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Flow {
    Break(Option<String>),
    Continue(Option<String>),
    Return,
    Exit(i32),
    Error(ErrorRecord),
    /// `Select-Object -First` has what it wants: the pipeline with this id stops its
    /// upstream commands (PowerShell's StopUpstreamCommandsException).
    StopUpstream(u64),
}

impl From<ErrorRecord> for Flow {
    fn from(e: ErrorRecord) -> Flow {
        Flow::Error(e)
    }
}

type Exec<T> = Result<T, Flow>;

/// Values a stream capture or a file redirection gathers while a command runs.
type Captured = Rc<std::cell::RefCell<Vec<Value>>>;

/// What running a script led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// `exit N` ran.
    pub exit: Option<i32>,
    /// A script-terminating error (a parse error, `throw`, an uncaught Stop) ended it.
    pub terminated: bool,
}

/// Where output goes: the next command of a pipeline, a collection, the host.
pub(crate) trait Pipe {
    fn write(&mut self, interp: &mut Interpreter, value: Value) -> Exec<()>;
    /// A statement written to this pipe has ended.
    fn statement_ended(&mut self, _interp: &mut Interpreter) {}
}

impl Pipe for Vec<Value> {
    fn write(&mut self, _: &mut Interpreter, value: Value) -> Exec<()> {
        self.push(value);
        Ok(())
    }
}

/// Output nobody reads (`$null = …`, `for` steps).
pub(crate) struct Discard;

impl Pipe for Discard {
    fn write(&mut self, _: &mut Interpreter, _: Value) -> Exec<()> {
        Ok(())
    }
}

/// The output of a top-level statement: scalars are shown as they arrive; records are held
/// until the statement ends (or a value of another kind arrives) so a table can be laid out
/// with its columns.
pub(crate) struct HostPipe {
    held: Vec<Value>,
}

impl HostPipe {
    pub(crate) fn new() -> HostPipe {
        HostPipe { held: Vec::new() }
    }

    pub(crate) fn flush(&mut self, interp: &mut Interpreter) {
        if !self.held.is_empty() {
            let held = std::mem::take(&mut self.held);
            interp.host.output(&held);
        }
    }
}

impl Pipe for HostPipe {
    /// A top-level statement ended: what it held is shown (each statement's records make
    /// their own table, as PowerShell's Out-Default does).
    fn statement_ended(&mut self, interp: &mut Interpreter) {
        if interp.statement_depth <= 1 {
            self.flush(interp);
        }
    }

    fn write(&mut self, interp: &mut Interpreter, value: Value) -> Exec<()> {
        // An object shown as its text (an Exchange enum such as CopyStatus) is a scalar here:
        // it is shown as it arrives, not held back for a table.
        let tabular = match &value {
            Value::Record(_) | Value::Hashtable(_) => true,
            Value::Object(o) => o.display_items().is_some() || !o.shows_as_text(),
            _ => false,
        };
        if tabular {
            let same = match (self.held.last(), &value) {
                (Some(Value::Record(a)), Value::Record(b)) => {
                    crate::shell::render::shares_table(&a.borrow().type_name, &b.borrow().type_name)
                }
                (Some(Value::Hashtable(_)), Value::Hashtable(_)) => true,
                (Some(Value::Object(a)), Value::Object(b)) => {
                    crate::shell::render::shares_table(&a.type_name(), &b.type_name())
                }
                (None, _) => true,
                _ => false,
            };
            if !same {
                self.flush(interp);
            }
            self.held.push(value);
        } else {
            self.flush(interp);
            interp.host.output(std::slice::from_ref(&value));
        }
        Ok(())
    }
}

/// What becomes of a script's parse tree after the script has run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tree {
    Free,
    /// Not freed: the process is about to exit.
    LeaveToExit,
}

/// The interpreter: scopes, functions, `$?`, `$Error`, and the host it reports to.
pub struct Interpreter {
    client: Rc<Client>,
    host: Box<dyn Host>,
    /// The global scope, the root of the scope tree.
    global: Rc<Scope>,
    /// The scope code runs in now.
    current: Rc<Scope>,
    source: Rc<Source>,
    last_ok: bool,
    /// Errors noted so far; a pipeline that adds none leaves `$?` true.
    failures: u64,
    /// `$Error`, newest first.
    errors: super::runtime::error_list::Errors,
    /// Inside a `try`: statement-terminating errors go to its `catch`.
    try_depth: usize,
    /// Functions and script blocks running, innermost last; see [`functions::MAX_CALL_DEPTH`].
    call_depth: usize,
    /// Redirections and captures of the error, warning, verbose, debug and information
    /// streams, innermost last.
    streams: Vec<StreamFrame>,
    /// A `break`/`continue`/`exit` raised inside a cmdlet's script block, to resume after it.
    pending: Option<Flow>,
    /// "Yes to All" / "No to All" answers, by command, for the running pipeline.
    confirm_all: HashMap<String, bool>,
    /// Inputs typed at the prompt, for Get-History.
    history: Vec<String>,
    /// The node a remote session (`Enter-PSSession`) or `Invoke-Command` runs on.
    computer: Option<String>,
    /// The management workstation the session runs on outside a node (the topology's, asked
    /// of ccrd when first read, or `--computer`).
    workstation: ComputerName,
    /// The id the next pipeline gets, for stopping upstream commands.
    next_pipeline: u64,
    /// How many statement lists are running, one inside the other.
    statement_depth: usize,
    /// `$PSCmdlet.WriteObject` output (with whether to enumerate it), `.WriteError` errors
    /// and `.WriteVerbose`… messages, written out when the statement that made them ends.
    pending_output: Vec<(Value, bool)>,
    pending_errors: Vec<ErrorRecord>,
    pending_messages: Vec<(Stream, String)>,
    /// The last method call was to a `void` .NET method: as a statement it writes nothing
    /// (not `$null`), as in PowerShell.
    void_call: bool,
}

/// Set by Ctrl-C at the prompt; the running command stops at its next statement.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Asks the running command to stop (called from the Ctrl-C listener).
pub fn interrupt() {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Whether a stop has been asked for and not yet acted on.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Takes a pending stop request: true once per Ctrl-C. For a wait that handles Ctrl-C itself.
pub fn take_interrupt() -> bool {
    INTERRUPTED.swap(false, Ordering::SeqCst)
}

/// The error that unwinds a command stopped by Ctrl-C (also at a prompt).
pub fn interruption() -> ErrorRecord {
    ErrorRecord::new(
        "PipelineStopped",
        "OperationStopped",
        "The running command stopped because the user interrupted the command.".into(),
    )
    .severity(Severity::ScriptTerminating)
    .exception("System.Management.Automation.PipelineStoppedException")
}

/// How many errors `$Error` keeps (`$MaximumErrorCount`).
const MAXIMUM_ERROR_COUNT: usize = 256;

impl Interpreter {
    pub fn new(client: Client, host: Box<dyn Host>) -> Interpreter {
        // The session runs on the lab's management workstation until it enters a node.
        let client = Rc::new(client);
        // Asked when a script first reads it (the weak handle: the interpreter owns the client).
        let asked = Rc::downgrade(&client);
        let workstation: ComputerName = Rc::new(move || {
            let client = asked.upgrade()?;
            client.info().map(|info| info.workstation.clone()).filter(|w| !w.is_empty())
        });
        environment::set_session_computer_named_by(Rc::clone(&workstation));
        let global = Scope::global();
        let mut interp = Interpreter {
            client,
            host,
            current: global.clone(),
            global,
            source: Rc::new(Source { text: String::new(), file: None }),
            last_ok: true,
            failures: 0,
            errors: Rc::default(),
            try_depth: 0,
            call_depth: 0,
            streams: Vec::new(),
            pending: None,
            confirm_all: HashMap::new(),
            history: Vec::new(),
            computer: None,
            workstation,
            next_pipeline: 1,
            statement_depth: 0,
            pending_output: Vec::new(),
            pending_errors: Vec::new(),
            pending_messages: Vec::new(),
            void_call: false,
        };
        interp.define_automatic_variables();
        interp
    }

    /// The workstation the session runs on outside a node (`--computer`).
    pub fn set_workstation(&mut self, name: String) {
        self.workstation = Rc::new(move || Some(name.clone()));
        self.set_computer(self.computer.clone());
    }

    /// `$?`: whether the last statement succeeded.
    pub fn last_succeeded(&self) -> bool {
        self.last_ok
    }

    /// The client for ccrd.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Records an input for Get-History.
    pub fn add_history(&mut self, text: &str) {
        self.history.push(text.to_string());
    }

    /// The names of the functions visible in the current scope.
    pub fn function_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for scope in self.current.chain() {
            for function in scope.functions.borrow().values() {
                let name = function.name.to_string();
                if !names.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
                    names.push(name);
                }
            }
        }
        names.sort();
        names
    }

    pub fn host_mut(&mut self) -> &mut dyn Host {
        self.host.as_mut()
    }

    /// Parses and runs `text`, showing each top-level statement's output as it is produced.
    /// `args` are bound to the script's `param()` block (a script file's command-line
    /// arguments); a script file runs in its own script scope.
    pub fn run_text(&mut self, text: &str, file: Option<String>, args: Option<Vec<Argument>>) -> Outcome {
        self.run_text_then(text.to_string(), file, args, Tree::Free)
    }

    /// [`Interpreter::run_text`] for the last text a process runs (`ccrsh -File`): the parse
    /// tree is left for the process's exit to take back instead of being freed node by node,
    /// as compilers leave theirs (freeing a large script's tree cost a fifth of `-File`'s time;
    /// docs/performance.md). The text is taken over, not copied.
    pub fn run_text_before_exit(&mut self, text: String, file: Option<String>, args: Option<Vec<Argument>>) -> Outcome {
        self.run_text_then(text, file, args, Tree::LeaveToExit)
    }

    fn run_text_then(
        &mut self,
        text: String,
        file: Option<String>,
        args: Option<Vec<Argument>>,
        tree: Tree,
    ) -> Outcome {
        // A script file's `#requires` lines are checked before anything of it runs.
        if let Some(path) = &file
            && let Err(record) = crate::shell::cmdlets::snapins::check_requires(&text, path)
        {
            self.report_to_host(record);
            self.note_failure();
            return Outcome { exit: None, terminated: true };
        }
        let source = Rc::new(Source { text, file });
        let script = match parse(&source.text) {
            Ok(script) => script,
            Err(e) => {
                let mut record = ErrorRecord::from_syntax(&e);
                record.locate(&source);
                self.report_to_host(record);
                self.note_failure();
                return Outcome { exit: None, terminated: true };
            }
        };
        let previous = std::mem::replace(&mut self.source, source.clone());
        let outer = self.current.clone();
        if source.file.is_some() {
            self.current = Scope::child(&self.global, ScopeKind::Script);
        }
        let outcome = self.run_script(&script, args);
        self.current = outer;
        self.source = previous;
        if tree == Tree::LeaveToExit {
            // Functions and script blocks the script defined hold parts of the tree; with its
            // root never released, none of it is freed.
            std::mem::forget(script);
        }
        outcome
    }

    fn run_script(&mut self, script: &Script, args: Option<Vec<Argument>>) -> Outcome {
        // A Ctrl-C pressed while nothing ran must not stop the next command.
        INTERRUPTED.store(false, Ordering::SeqCst);
        self.confirm_all.clear();
        let body = script.body.clone();
        let mut out = HostPipe::new();
        let result = functions::run_script_body(self, &body, args.unwrap_or_default(), &mut out);
        out.flush(self);
        match result {
            Ok(()) => Outcome { exit: None, terminated: false },
            Err(flow) => self.finish_top_level(flow),
        }
    }

    fn finish_top_level(&mut self, flow: Flow) -> Outcome {
        match flow {
            Flow::Exit(code) => Outcome { exit: Some(code), terminated: false },
            Flow::Error(e) => {
                self.report_to_host(e);
                self.note_failure();
                Outcome { exit: None, terminated: true }
            }
            // `return`, or a `break`/`continue` outside any loop, ends the script quietly.
            Flow::Return | Flow::Break(_) | Flow::Continue(_) | Flow::StopUpstream(_) => {
                Outcome { exit: None, terminated: false }
            }
        }
    }

    /// Reports an error straight to the host and records it in `$Error`.
    fn report_to_host(&mut self, mut record: ErrorRecord) {
        record.locate(&self.source);
        self.remember(record.clone());
        self.host.error(&record);
    }

    fn remember(&mut self, record: ErrorRecord) {
        let mut errors = self.errors.borrow_mut();
        errors.insert(0, record);
        errors.truncate(MAXIMUM_ERROR_COUNT);
    }

    /// `$ErrorActionPreference` is `Stop`: statement-terminating errors end the script.
    fn stop_preference(&self) -> bool {
        self.variable("ErrorActionPreference").to_display_string().eq_ignore_ascii_case("Stop")
    }

    /// Records that the running command failed: `$?` reads false until a pipeline succeeds.
    fn note_failure(&mut self) {
        self.last_ok = false;
        self.failures += 1;
    }

    /// A fresh pipeline id.
    fn pipeline_id(&mut self) -> u64 {
        let id = self.next_pipeline;
        self.next_pipeline += 1;
        id
    }

    /// Runs `body` with `scope` as the current scope (and `source` as the current text).
    fn in_scope<T>(&mut self, scope: &Rc<Scope>, source: &Rc<Source>, body: impl FnOnce(&mut Self) -> T) -> T {
        let scope = std::mem::replace(&mut self.current, scope.clone());
        let source = std::mem::replace(&mut self.source, source.clone());
        let result = body(self);
        self.current = scope;
        self.source = source;
        result
    }
}

/// The choices of a confirmation prompt, as the console host prints them.
const CONFIRM_CHOICES: &str =
    "[Y] Yes  [A] Yes to All  [N] No  [L] No to All  [S] Suspend  [?] Help (default is \"Y\"): ";

const CONFIRM_HELP: &str = "Y - Continue with only the next step of the operation.
A - Continue with all the steps of the operation.
N - Skip this operation and proceed with the next operation.
L - Skip this operation and all subsequent operations.
S - Pause the current pipeline and return to the command prompt. Type \"exit\" to resume the pipeline.";

fn confirm_threshold(text: &str) -> ConfirmImpact {
    match text.to_ascii_lowercase().as_str() {
        "none" => ConfirmImpact::None,
        "low" => ConfirmImpact::Low,
        "medium" => ConfirmImpact::Medium,
        _ => ConfirmImpact::High,
    }
}

impl Engine for Interpreter {
    fn should_process(&mut self, request: &Confirmation<'_>) -> Result<bool, ErrorRecord> {
        let key = request.command.to_lowercase();
        if let Some(all) = self.confirm_all.get(&key) {
            return Ok(*all);
        }
        let description = match request.message {
            Some(message) => message.to_string(),
            None => format!("Performing the operation \"{}\" on target \"{}\".", request.action, request.target),
        };
        let what_if = request.what_if.unwrap_or_else(|| self.variable("WhatIfPreference").is_truthy());
        if what_if {
            self.host.text(&format!("What if: {description}"), true);
            return Ok(false);
        }
        let threshold = match request.confirm {
            Some(true) => ConfirmImpact::Low,
            Some(false) => ConfirmImpact::None,
            None => confirm_threshold(&self.variable("ConfirmPreference").to_display_string()),
        };
        if threshold == ConfirmImpact::None || threshold > request.impact {
            if request.verbose {
                self.host.verbose(&description);
            }
            return Ok(true);
        }
        let prompt =
            format!("\nConfirm\nAre you sure you want to perform this action?\n{description}\n{CONFIRM_CHOICES}");
        let mut next_prompt = prompt.clone();
        loop {
            let answer = self.host.read_line(&next_prompt).map_err(|e| e.in_command(request.command))?;
            match answer.trim().to_ascii_lowercase().as_str() {
                "" | "y" | "yes" => return Ok(true),
                "a" | "yes to all" => {
                    self.confirm_all.insert(key, true);
                    return Ok(true);
                }
                "n" | "no" => return Ok(false),
                "l" | "no to all" => {
                    self.confirm_all.insert(key, false);
                    return Ok(false);
                }
                "s" | "suspend" => {
                    self.host.text("Suspend is not available in ccrsh; answer Y or N.", true);
                    next_prompt = CONFIRM_CHOICES.to_string();
                }
                "?" => {
                    self.host.text(CONFIRM_HELP, true);
                    next_prompt = CONFIRM_CHOICES.to_string();
                }
                _ => next_prompt = prompt.clone(),
            }
        }
    }

    fn should_continue(&mut self, command: &str, query: &str) -> Result<bool, ErrorRecord> {
        let key = format!("{}\u{0}continue", command.to_lowercase());
        if let Some(all) = self.confirm_all.get(&key) {
            return Ok(*all);
        }
        let prompt = format!("\nConfirm\n{query}\n{CONFIRM_CHOICES}");
        let mut next_prompt = prompt.clone();
        loop {
            let answer = self.host.read_line(&next_prompt).map_err(|e| e.in_command(command))?;
            match answer.trim().to_ascii_lowercase().as_str() {
                "" | "y" | "yes" => return Ok(true),
                "a" | "yes to all" => {
                    self.confirm_all.insert(key, true);
                    return Ok(true);
                }
                "n" | "no" => return Ok(false),
                "l" | "no to all" => {
                    self.confirm_all.insert(key, false);
                    return Ok(false);
                }
                "?" => {
                    self.host.text(CONFIRM_HELP, true);
                    next_prompt = CONFIRM_CHOICES.to_string();
                }
                _ => next_prompt = prompt.clone(),
            }
        }
    }

    fn computer(&self) -> Option<String> {
        self.computer.clone()
    }

    fn client_handle(&self) -> Rc<Client> {
        Rc::clone(&self.client)
    }

    fn member_value(&mut self, this: &Value, found: Value) -> Result<Value, ErrorRecord> {
        self.script_member(this, found, Span::default()).map_err(|flow| self.park(flow))
    }

    fn call_block(&mut self, block: &ScriptBlock, args: Vec<Value>, span: Span) -> Result<Vec<Value>, ErrorRecord> {
        let args = args.into_iter().map(|v| Argument::value(v, span)).collect();
        let mut out = Vec::new();
        match functions::call_script_block(self, block, args, Vec::new(), functions::CallScope::New, span, &mut out) {
            Ok(()) => Ok(out),
            Err(flow) => Err(self.park(flow)),
        }
    }

    fn set_computer(&mut self, computer: Option<String>) {
        match &computer {
            Some(node) => environment::set_session_computer(Some(node.clone())),
            None => environment::set_session_computer_named_by(Rc::clone(&self.workstation)),
        }
        self.computer = computer;
    }

    fn invoke_block(
        &mut self,
        block: &ScriptBlock,
        item: Option<Value>,
        args: Vec<Value>,
    ) -> Result<Vec<Value>, ErrorRecord> {
        // Every iteration of ForEach-Object, Where-Object and the like passes here: the memory
        // budget (shell::memory) stops a loop that would outgrow it.
        super::memory::check(0)?;
        let mut out = Vec::new();
        match functions::invoke_in_current_scope(self, block, item, args, &mut out) {
            Ok(()) => Ok(out),
            Err(flow) => Err(self.park(flow)),
        }
    }

    fn variable(&self, name: &str) -> Value {
        Interpreter::variable(self, name)
    }

    fn set_variable(&mut self, name: &str, value: Value) -> Result<(), ErrorRecord> {
        Interpreter::set_variable(self, name, value)
    }

    fn variables(&self) -> Vec<(String, Value)> {
        self.variable_infos(None).unwrap_or_default().into_iter().map(|v| (v.name, v.value)).collect()
    }

    fn variable_infos(&self, scope: Option<&str>) -> Result<Vec<VariableInfo>, ErrorRecord> {
        Interpreter::variable_infos(self, scope)
    }

    fn define_variable(&mut self, info: VariableInfo, scope: Option<&str>, force: bool) -> Result<(), ErrorRecord> {
        Interpreter::define_variable(self, info, scope, force)
    }

    fn remove_variable(&mut self, name: &str, scope: Option<&str>, force: bool) -> Result<bool, ErrorRecord> {
        Interpreter::remove_variable(self, name, scope, force)
    }

    fn functions(&self) -> Vec<(String, Value)> {
        let mut seen = std::collections::HashSet::new();
        let mut all = Vec::new();
        for scope in self.current.chain() {
            for (key, f) in scope.functions.borrow().iter() {
                if seen.insert(key.clone()) {
                    let block = ScriptBlock { def: f.body.clone(), source: f.source.clone() };
                    all.push((f.name.to_string(), Value::ScriptBlock(block)));
                }
            }
        }
        all
    }

    fn remove_function(&mut self, name: &str) -> bool {
        let key = name.to_lowercase();
        self.current.chain().any(|scope| scope.functions.borrow_mut().remove(key.as_str()).is_some())
    }

    fn variable_scope(&self, name: &str) -> Option<String> {
        let holder = self.current.holder(&name.to_lowercase())?;
        self.current.chain().position(|s| Rc::ptr_eq(&s, &holder)).map(|n| n.to_string())
    }

    fn host(&mut self) -> &mut dyn Host {
        self.host.as_mut()
    }

    fn history(&self) -> &[String] {
        &self.history
    }

    fn function_names(&self) -> Vec<String> {
        Interpreter::function_names(self)
    }

    fn invoke_expression(&mut self, text: &str) -> Result<Vec<Value>, ErrorRecord> {
        let mut out = Vec::new();
        match self.evaluate_text(text, &mut out) {
            Ok(()) => Ok(out),
            Err(flow) => Err(self.park(flow)),
        }
    }

    fn create_script_block(&mut self, text: &str) -> Result<Value, ErrorRecord> {
        let script = parse(text).map_err(|e| {
            let source = Source { text: text.to_string(), file: None };
            let mut record = ErrorRecord::from_syntax(&e);
            record.locate(&source);
            record
        })?;
        let source = Rc::new(Source { text: text.to_string(), file: None });
        Ok(Value::ScriptBlock(ScriptBlock { def: script.body, source }))
    }
}

impl Interpreter {
    /// Parses `text` and runs it in the current scope (`Invoke-Expression`).
    fn evaluate_text(&mut self, text: &str, out: &mut dyn Pipe) -> Exec<()> {
        let source = Rc::new(Source { text: text.to_string(), file: None });
        let script = parse(text).map_err(|e| {
            let mut record = ErrorRecord::from_syntax(&e);
            record.locate(&source);
            record.severity = Severity::StatementTerminating;
            Flow::Error(record)
        })?;
        let block = ScriptBlock { def: script.body, source };
        functions::invoke_dot_sourced(self, &block, out)
    }

    /// A flow that must leave a cmdlet's script block (`break`, `exit`, a stop): kept to
    /// resume once the cmdlet has returned; the cmdlet sees an error that stops it.
    fn park(&mut self, flow: Flow) -> ErrorRecord {
        match flow {
            Flow::Error(e) => e,
            other => {
                self.pending = Some(other);
                ErrorRecord::new("PipelineStopped", "OperationStopped", "The pipeline was stopped.".into())
            }
        }
    }
}

/// Pipeline output as one value: nothing is `$null`, one item is itself, more an array.
pub fn collect(mut values: Vec<Value>) -> Value {
    match values.len() {
        0 => Value::Null,
        1 => values.remove(0),
        _ => Value::array(values),
    }
}

/// A value written to the pipeline: arrays (and collection objects) are enumerated one level.
fn unroll(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) => {
            Rc::try_unwrap(items).map_or_else(|shared| shared.borrow().clone(), |one| one.into_inner())
        }
        Value::Object(o) => o.enumerate().unwrap_or_else(|| vec![Value::Object(o)]),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// Writes `value` to `out` as a pipeline does: arrays one element at a time.
fn write_unrolled(interp: &mut Interpreter, value: Value, out: &mut dyn Pipe) -> Exec<()> {
    match value {
        Value::Array(items) => {
            let items = Rc::try_unwrap(items).map_or_else(|shared| shared.borrow().clone(), |one| one.into_inner());
            for item in items {
                out.write(interp, item)?;
            }
            Ok(())
        }
        Value::Object(o) => match o.enumerate() {
            Some(items) => {
                for item in items {
                    out.write(interp, item)?;
                }
                Ok(())
            }
            None => out.write(interp, Value::Object(o)),
        },
        Value::Null => Ok(()),
        other => out.write(interp, other),
    }
}

fn is_null(expr: &Expr) -> bool {
    matches!(&expr.kind, ExprKind::Variable(v) if &*v.key == "null")
}

/// The error `-ErrorAction Stop` (or the preference) turns a non-terminating error into: an
/// ActionPreferenceStopException around the error, which a catch block sees as `$_`
/// ([`ErrorRecord::as_caught`]). It is script-terminating, as in PowerShell: uncaught, it
/// ends the script, not only its statement.
fn stop_error(preference: &str, error: ErrorRecord) -> ErrorRecord {
    let message = format!(
        "The running command stopped because the preference variable \"{preference}\" or common parameter is set to Stop: {}",
        error.message
    );
    let original = Box::new(error.clone());
    ErrorRecord {
        message,
        exception: STOP_EXCEPTION,
        inner: Some(original),
        severity: Severity::ScriptTerminating,
        ..error
    }
}

/// `> file`, `>> file`, `2> file`: written as `Out-File` writes them, which is what PowerShell
/// runs for a redirection: the path relative to the shell's location (a node's path inside a
/// node session), UTF-8 without a byte-order mark, the file replaced atomically or appended
/// to, never through a symbolic link. (A node's path is refused before the command runs.)
fn write_file(path: &str, text: &str, append: bool) -> Result<(), ErrorRecord> {
    use super::runtime::filesystem::{self, WriteMode};
    let target = filesystem::resolve(path);
    let mode = WriteMode { append, encoding: Default::default(), no_clobber: false };
    filesystem::write_bytes(&target, &mode.encoding.encode(text), mode, "Out-File")
}
