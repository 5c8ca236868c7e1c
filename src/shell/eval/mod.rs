//! The interpreter: runs a parsed script. Statements, pipelines, commands (cmdlets, functions,
//! script blocks), expressions, variables and scopes, control flow, `try`/`catch`/`throw`,
//! redirections, and PowerShell's error model (non-terminating, statement-terminating,
//! script-terminating; `$?`, `$Error`, `-ErrorAction` and `$ErrorActionPreference`).
//!
//! Owns: [`Interpreter`], the [`Host`] it reports through, and the [`Engine`] interface that
//! cmdlets use to call back (script blocks, variables).
//!
//! Must not: print (it hands values and errors to its `Host`), speak HTTP itself (cmdlets do,
//! through `client`), or parse (it runs what `syntax` produced).
//!
//! The memory budget (`shell::memory`, issue 10.11) is checked at each statement, each script
//! block invocation, interpolation and `+` (in `operators`); keep those calls where values grow.

pub mod convert;
mod functions;
pub mod members;
pub mod operators;

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::bind::{ArgValue, Argument, ArgumentKind, BindOptions, Invocation};
use super::client::Client;
use super::cmdlets::{self, Context, Registry};
use super::did_you_mean::closest;
use super::error_record::{ErrorRecord, Severity};
use super::runtime;
use super::spec::ConfirmImpact;
use super::syntax::*;
use super::value::{Hashtable, ScriptBlock, Source, Value};
use functions::Function;
pub use functions::script_arguments;

/// Where the interpreter sends what it produces.
pub trait Host {
    /// The output of a top-level statement, to be shown.
    fn output(&mut self, values: &[Value]);
    fn error(&mut self, record: &ErrorRecord);
    fn warning(&mut self, text: &str);
    fn verbose(&mut self, text: &str);
    /// `Write-Host` text.
    fn text(&mut self, text: &str, newline: bool);
    /// Reads a line after showing `prompt`; an error when the session cannot prompt.
    fn read_line(&mut self, prompt: &str) -> Result<String, ErrorRecord>;
    /// Output as text, laid out as the screen would show it (`Out-String`, `> file`).
    fn format(&mut self, values: &[Value]) -> String;
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
    /// Runs `block` in the current scope with `$_` set to `item`.
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
    fn host(&mut self) -> &mut dyn Host;
    /// The inputs typed at the prompt (or given to `-Command`) so far, oldest first.
    fn history(&self) -> &[String];
    /// The node commands run on (`Enter-PSSession`, `Invoke-Command`); `None` is the admin's
    /// own workstation.
    fn computer(&self) -> Option<String>;
    fn set_computer(&mut self, computer: Option<String>);
    /// Calls `block` as `& $block @args` does: a new scope, its `param()` bound from `args`.
    fn call_block(&mut self, block: &ScriptBlock, args: Vec<Value>, span: Span) -> Result<Vec<Value>, ErrorRecord>;
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
}

impl From<ErrorRecord> for Flow {
    fn from(e: ErrorRecord) -> Flow {
        Flow::Error(e)
    }
}

type Exec<T> = Result<T, Flow>;

/// What running a script led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// `exit N` ran.
    pub exit: Option<i32>,
    /// A script-terminating error (a parse error, `throw`, an uncaught Stop) ended it.
    pub terminated: bool,
}

/// Where errors of the running pipeline go (`2>$null`, `2>&1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ErrorSink {
    Host,
    Discard,
    Output,
}

/// The interpreter: scopes, functions, `$?`, `$Error`, and the host it reports to.
pub struct Interpreter {
    client: Rc<Client>,
    host: Box<dyn Host>,
    /// Variables by lower-cased name; index 0 is the global scope.
    scopes: Vec<HashMap<String, Value>>,
    functions: HashMap<String, Rc<Function>>,
    source: Rc<Source>,
    last_ok: bool,
    /// Errors noted so far; a pipeline that adds none leaves `$?` true.
    failures: u64,
    /// `$Error`, newest first.
    errors: Vec<ErrorRecord>,
    /// Inside a `try`: statement-terminating errors go to its `catch`.
    try_depth: usize,
    /// Functions and script blocks running, innermost last; see [`functions::MAX_CALL_DEPTH`].
    call_depth: usize,
    /// Typed variables (`[int]$x = 1`, typed parameters): scope index, lower-case name, type.
    /// Later assignments to the same variable convert to the type or fail.
    type_constraints: Vec<(usize, String, String)>,
    error_sinks: Vec<ErrorSink>,
    /// Errors redirected into output by `2>&1`, collected for the running pipeline.
    redirected: Vec<Value>,
    /// A `break`/`continue`/`exit` raised inside a cmdlet's script block, to resume after it.
    pending: Option<Flow>,
    /// "Yes to All" / "No to All" answers, by command, for the running pipeline.
    confirm_all: HashMap<String, bool>,
    /// Inputs typed at the prompt, for Get-History.
    history: Vec<String>,
    /// The node a remote session (`Enter-PSSession`) or `Invoke-Command` runs on.
    computer: Option<String>,
    /// The management workstation the session runs on outside a node (the topology's, or
    /// `--computer`).
    workstation: Option<String>,
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
        let mut global = HashMap::new();
        for (name, value) in [
            ("ErrorActionPreference", "Continue"),
            ("WarningPreference", "Continue"),
            ("VerbosePreference", "SilentlyContinue"),
            ("DebugPreference", "SilentlyContinue"),
            ("InformationPreference", "SilentlyContinue"),
            ("ConfirmPreference", "High"),
        ] {
            global.insert(name.to_lowercase(), Value::from(value));
        }
        global.insert("whatifpreference".into(), Value::Bool(false));
        global.insert("formatenumerationlimit".into(), Value::Int(4));
        global.insert("maximumerrorcount".into(), Value::Int(MAXIMUM_ERROR_COUNT as i64));
        global.insert("ofs".into(), Value::from(" "));
        if let Some(home) = std::env::var_os("HOME") {
            global.insert("home".into(), Value::String(home.to_string_lossy().into_owned()));
        }
        global.insert("pid".into(), Value::Int(i64::from(std::process::id())));
        let mut version = Hashtable::new();
        version.insert(Value::from("PSVersion"), Value::from("7.4"));
        version.insert(Value::from("PSEdition"), Value::from("Core"));
        version.insert(Value::from("CcrshVersion"), Value::from(env!("CARGO_PKG_VERSION")));
        global.insert("psversiontable".into(), version.into_value());
        // The session runs on the lab's management workstation until it enters a node.
        let workstation = client.info().map(|info| info.workstation.clone()).filter(|w| !w.is_empty());
        crate::shell::runtime::environment::set_session_computer(workstation.clone());
        Interpreter {
            client: Rc::new(client),
            host,
            scopes: vec![global],
            functions: HashMap::new(),
            source: Rc::new(Source { text: String::new(), file: None }),
            last_ok: true,
            failures: 0,
            errors: Vec::new(),
            try_depth: 0,
            call_depth: 0,
            type_constraints: Vec::new(),
            error_sinks: Vec::new(),
            redirected: Vec::new(),
            pending: None,
            confirm_all: HashMap::new(),
            history: Vec::new(),
            computer: None,
            workstation,
        }
    }

    /// The workstation the session runs on outside a node (`--computer`).
    pub fn set_workstation(&mut self, name: String) {
        self.workstation = Some(name);
        let current = self.computer.clone().or_else(|| self.workstation.clone());
        crate::shell::runtime::environment::set_session_computer(current);
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

    /// The names of the functions defined so far.
    pub fn function_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.functions.values().map(|f| f.def.name.clone()).collect();
        names.sort();
        names
    }

    pub fn host_mut(&mut self) -> &mut dyn Host {
        self.host.as_mut()
    }

    /// Parses and runs `text`, showing each top-level statement's output as it finishes.
    /// `args` are bound to the script's `param()` block (a script file's command-line
    /// arguments).
    pub fn run_text(&mut self, text: &str, file: Option<String>, args: Option<Vec<Argument>>) -> Outcome {
        // A script file's `#requires` lines are checked before anything of it runs.
        if let Some(path) = &file
            && let Err(record) = cmdlets::snapins::check_requires(text, path)
        {
            self.report(record);
            self.note_failure();
            return Outcome { exit: None, terminated: true };
        }
        let source = Rc::new(Source { text: text.to_string(), file });
        let script = match parse(text) {
            Ok(script) => script,
            Err(e) => {
                let mut record = ErrorRecord::from_syntax(&e);
                record.locate(&source);
                self.report(record);
                self.note_failure();
                return Outcome { exit: None, terminated: true };
            }
        };
        let previous = std::mem::replace(&mut self.source, source);
        let outcome = self.run_script(&script, args);
        self.source = previous;
        outcome
    }

    fn run_script(&mut self, script: &Script, args: Option<Vec<Argument>>) -> Outcome {
        if script.param.is_some() || args.as_ref().is_some_and(|a| !a.is_empty()) {
            let result = functions::bind_script_parameters(self, script.param.as_ref(), args.unwrap_or_default());
            if let Err(flow) = result {
                return self.finish_top_level(flow);
            }
        }
        // A Ctrl-C pressed while nothing ran must not stop the next command.
        INTERRUPTED.store(false, Ordering::SeqCst);
        for statement in &script.statements {
            if INTERRUPTED.swap(false, Ordering::SeqCst) {
                return self.finish_top_level(Flow::Error(interruption()));
            }
            let mut out = Vec::new();
            // "Yes to All" and "No to All" last for one top-level statement.
            self.confirm_all.clear();
            let result = self.exec_statement(statement, &mut out);
            self.show(&out);
            match result {
                Ok(()) => {}
                Err(Flow::Error(e)) if e.severity != Severity::ScriptTerminating && !self.stop_preference() => {
                    self.report(e);
                    self.note_failure();
                }
                Err(flow) => return self.finish_top_level(flow),
            }
        }
        Outcome { exit: None, terminated: false }
    }

    fn finish_top_level(&mut self, flow: Flow) -> Outcome {
        match flow {
            Flow::Exit(code) => Outcome { exit: Some(code), terminated: false },
            Flow::Error(e) => {
                self.report(e);
                self.note_failure();
                Outcome { exit: None, terminated: true }
            }
            // `return`, or a `break`/`continue` outside any loop, ends the script quietly.
            Flow::Return | Flow::Break(_) | Flow::Continue(_) => Outcome { exit: None, terminated: false },
        }
    }

    fn show(&mut self, values: &[Value]) {
        if !values.is_empty() {
            self.host.output(values);
        }
    }

    /// Reports an error to the host (or where `2>` sends it) and records it in `$Error`.
    fn report(&mut self, mut record: ErrorRecord) {
        record.locate(&self.source);
        self.remember(record.clone());
        match self.error_sinks.last() {
            Some(ErrorSink::Discard) => {}
            Some(ErrorSink::Output) => self.redirected.push(record.to_value()),
            _ => self.host.error(&record),
        }
    }

    fn remember(&mut self, record: ErrorRecord) {
        self.errors.insert(0, record);
        self.errors.truncate(MAXIMUM_ERROR_COUNT);
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

    // -----------------------------------------------------------------------------------------
    // Statements

    /// Runs statements in order. A statement-terminating error is reported and the next
    /// statement runs, unless a `try` is waiting for it or `$ErrorActionPreference` is Stop.
    fn exec_block(&mut self, statements: &[Statement], out: &mut Vec<Value>) -> Exec<()> {
        if INTERRUPTED.swap(false, Ordering::SeqCst) {
            return Err(Flow::Error(interruption()));
        }
        for statement in statements {
            match self.exec_statement(statement, out) {
                Err(Flow::Error(e))
                    if e.severity == Severity::StatementTerminating
                        && self.try_depth == 0
                        && !self.stop_preference() =>
                {
                    self.report(e);
                    self.note_failure();
                }
                other => other?,
            }
        }
        Ok(())
    }

    fn exec_statement(&mut self, statement: &Statement, out: &mut Vec<Value>) -> Exec<()> {
        // The memory budget (shell::memory), checked as every statement starts.
        super::memory::check(0).map_err(Flow::Error)?;
        match statement {
            Statement::Pipeline(p) => {
                // `$?` describes the last pipeline: true unless it reports an error. It is set
                // when the pipeline ends, so `$?` alone reads the one before.
                let failures = self.failures;
                let values = self.run_pipeline(p)?;
                self.last_ok = self.failures == failures;
                out.extend(values);
            }
            Statement::Chain { first, rest, .. } => {
                out.extend(self.run_pipeline_reporting(first)?);
                for (op, pipeline) in rest {
                    let run = match op {
                        ChainOp::And => self.last_ok,
                        ChainOp::Or => !self.last_ok,
                    };
                    if run {
                        out.extend(self.run_pipeline_reporting(pipeline)?);
                    }
                }
            }
            Statement::Assignment { target, op, value, span } => {
                let value = self.statement_value(value)?;
                self.assign(target, *op, value, *span)?;
            }
            Statement::If { clauses, otherwise, .. } => {
                for (condition, block) in clauses {
                    if self.condition(condition)? {
                        return self.exec_block(&block.statements, out);
                    }
                }
                if let Some(block) = otherwise {
                    self.exec_block(&block.statements, out)?;
                }
            }
            Statement::Foreach { label, variable, collection, body, .. } => {
                let items = self.run_pipeline(collection)?;
                for item in items {
                    self.set_variable(variable, item)?;
                    if self.loop_body(label, &body.statements, out)? {
                        break;
                    }
                }
            }
            Statement::For { label, init, condition, step, body, .. } => {
                if let Some(init) = init {
                    let mut discard = Vec::new();
                    self.exec_statement(init, &mut discard)?;
                }
                loop {
                    if let Some(c) = condition
                        && !self.condition(c)?
                    {
                        break;
                    }
                    if self.loop_body(label, &body.statements, out)? {
                        break;
                    }
                    if let Some(step) = step {
                        let mut discard = Vec::new();
                        self.exec_statement(step, &mut discard)?;
                    }
                }
            }
            Statement::While { label, condition, body, .. } => {
                while self.condition(condition)? {
                    if self.loop_body(label, &body.statements, out)? {
                        break;
                    }
                }
            }
            Statement::Do { label, body, condition, until, .. } => loop {
                if self.loop_body(label, &body.statements, out)? {
                    break;
                }
                if self.condition(condition)? == *until {
                    break;
                }
            },
            Statement::Switch(switch) => self.switch(switch, out)?,
            Statement::Break { label, .. } => return Err(Flow::Break(label.clone())),
            Statement::Continue { label, .. } => return Err(Flow::Continue(label.clone())),
            Statement::Return { value, .. } => {
                if let Some(p) = value {
                    out.extend(self.run_pipeline(p)?);
                }
                return Err(Flow::Return);
            }
            Statement::Exit { code, span } => {
                let code = match code {
                    Some(p) => {
                        let value = collect(self.run_pipeline(p)?);
                        match convert::to_number(&value) {
                            Some(n) => n.as_f64() as i32,
                            None => {
                                return Err(Flow::Error(
                                    ErrorRecord::new(
                                        "RuntimeException",
                                        "InvalidArgument",
                                        format!(
                                            "Cannot convert value \"{}\" to type \"System.Int32\".",
                                            value.to_display_string()
                                        ),
                                    )
                                    .at(*span)
                                    .with_hint("Give exit a whole number, e.g. exit 2."),
                                ));
                            }
                        }
                    }
                    None => 0,
                };
                self.set_global("lastexitcode", Value::Int(i64::from(code)));
                return Err(Flow::Exit(code));
            }
            Statement::Throw { value, span } => {
                let value = match value {
                    Some(p) => collect(self.run_pipeline(p)?),
                    None => self.variable("_"),
                };
                let record = ErrorRecord::thrown(&value);
                let record = if record.span.is_none() { record.at(*span) } else { record };
                return Err(Flow::Error(record));
            }
            Statement::Function(def) => {
                let function = Function::new(def.clone(), self.source.clone());
                self.functions.insert(def.name.to_lowercase(), Rc::new(function));
            }
            Statement::Try { body, catches, finally, .. } => {
                self.try_depth += 1;
                let result = self.exec_block(&body.statements, out);
                self.try_depth -= 1;
                let result = match result {
                    Err(Flow::Error(mut e)) => {
                        e.locate(&self.source);
                        self.remember(e.clone());
                        let clause =
                            catches.iter().find(|c| c.types.is_empty() || c.types.iter().any(|t| e.is_caught_by(t)));
                        match clause {
                            Some(clause) => {
                                let saved = self.variable("_");
                                self.set_local("_", e.to_value());
                                let caught = self.exec_block(&clause.body.statements, out);
                                self.set_local("_", saved);
                                caught
                            }
                            None => Err(Flow::Error(e)),
                        }
                    }
                    other => other,
                };
                if let Some(finally) = finally {
                    self.exec_block(&finally.statements, out)?;
                }
                result?;
            }
        }
        Ok(())
    }

    /// Runs a loop body; `Ok(true)` means the loop must stop (a `break` for it).
    fn loop_body(&mut self, label: &Option<String>, body: &[Statement], out: &mut Vec<Value>) -> Exec<bool> {
        let mine = |l: &Option<String>| {
            l.is_none() || l.as_deref().map(str::to_lowercase) == label.as_deref().map(str::to_lowercase)
        };
        match self.exec_block(body, out) {
            Ok(()) => Ok(false),
            Err(Flow::Break(l)) if mine(&l) => Ok(true),
            Err(Flow::Continue(l)) if mine(&l) => Ok(false),
            Err(other) => Err(other),
        }
    }

    fn condition(&mut self, pipeline: &Pipeline) -> Exec<bool> {
        Ok(collect(self.run_pipeline(pipeline)?).is_truthy())
    }

    fn switch(&mut self, switch: &SwitchStatement, out: &mut Vec<Value>) -> Exec<()> {
        // `switch ($null)` tests `$null` once; an empty array tests nothing.
        let items = match switch.value.elements.as_slice() {
            [PipelineElement::Expression(expr)] if switch.value.redirections.is_empty() => match self.eval(expr)? {
                Value::Null => vec![Value::Null],
                other => unroll(other),
            },
            _ => self.run_pipeline(&switch.value)?,
        };
        let saved = self.variable("_");
        let result = (|| {
            'items: for item in items {
                self.set_local("_", item.clone());
                let mut matched = false;
                for (pattern, block) in &switch.clauses {
                    if !self.switch_matches(switch, pattern, &item)? {
                        continue;
                    }
                    matched = true;
                    match self.exec_block(&block.statements, out) {
                        Ok(()) => {}
                        Err(Flow::Break(None)) => break 'items,
                        Err(Flow::Continue(None)) => continue 'items,
                        Err(other) => return Err(other),
                    }
                }
                if !matched && let Some(default) = &switch.default {
                    match self.exec_block(&default.statements, out) {
                        Ok(()) | Err(Flow::Continue(None)) => {}
                        Err(Flow::Break(None)) => break 'items,
                        Err(other) => return Err(other),
                    }
                }
            }
            Ok(())
        })();
        self.set_local("_", saved);
        result
    }

    fn switch_matches(&mut self, switch: &SwitchStatement, pattern: &Expr, item: &Value) -> Exec<bool> {
        if let ExprKind::ScriptBlock(def) = &pattern.kind {
            let block = ScriptBlock { def: def.clone(), source: self.source.clone() };
            let result = self.invoke_here(&block, Some(item.clone()))?;
            return Ok(collect(result).is_truthy());
        }
        let wanted = self.eval(pattern)?;
        let case_sensitive = switch.case_sensitive;
        Ok(match switch.mode {
            SwitchMode::Exact => operators::equals(item, &wanted, case_sensitive),
            SwitchMode::Wildcard | SwitchMode::Regex => {
                let op = if switch.mode == SwitchMode::Wildcard { CompareOp::Like } else { CompareOp::Match };
                let mut found = None;
                let hit = operators::binary(BinaryOp::Compare { op, case_sensitive }, item, &wanted, &mut found)
                    .map_err(|e| Flow::Error(e.at(pattern.span)))?;
                if let Some(m) = found {
                    self.set_local("matches", m.into_value());
                }
                hit.is_truthy()
            }
        })
    }

    /// The value a statement produces on the right of `=`: an expression's own value (so `@()`
    /// stays an empty array), or a pipeline's output (one item alone, several as an array).
    fn statement_value(&mut self, statement: &Statement) -> Exec<Value> {
        if let Statement::Pipeline(p) = statement
            && let [PipelineElement::Expression(e)] = p.elements.as_slice()
            && p.redirections.is_empty()
        {
            return self.eval(e);
        }
        if let Statement::Assignment { target, .. } = statement {
            let mut discard = Vec::new();
            self.exec_statement(statement, &mut discard)?;
            return self.eval(target);
        }
        let mut out = Vec::new();
        self.exec_statement(statement, &mut out)?;
        Ok(collect(out))
    }

    fn assign(&mut self, target: &Expr, op: AssignOp, value: Value, span: Span) -> Exec<()> {
        let value = if op == AssignOp::Assign {
            value
        } else {
            let current = self.eval(target)?;
            let binary = match op {
                AssignOp::Add => BinaryOp::Add,
                AssignOp::Subtract => BinaryOp::Subtract,
                AssignOp::Multiply => BinaryOp::Multiply,
                AssignOp::Divide => BinaryOp::Divide,
                AssignOp::Remainder => BinaryOp::Remainder,
                AssignOp::Assign => unreachable!("handled above"),
            };
            operators::binary(binary, &current, &value, &mut None).map_err(|e| Flow::Error(e.at(span)))?
        };
        self.store(target, value, span)
    }

    /// Writes `value` to an assignable expression, writing containers back as needed.
    fn store(&mut self, target: &Expr, value: Value, span: Span) -> Exec<()> {
        match &target.kind {
            // `$a, $b = 1, 2, 3`: one item each, and the last target takes what is left.
            ExprKind::Array(targets) => {
                let mut items = unroll(value).into_iter();
                for (n, target) in targets.iter().enumerate() {
                    let value = if n + 1 < targets.len() {
                        items.next().unwrap_or(Value::Null)
                    } else {
                        collect(items.by_ref().collect())
                    };
                    self.store(target, value, span)?;
                }
                Ok(())
            }
            ExprKind::Variable(name) => self.set_variable(name, value).map_err(|e| Flow::Error(e.at(target.span))),
            ExprKind::Cast { type_name, operand } => {
                let converted = convert::cast(type_name, &value).map_err(|e| Flow::Error(e.at(span)))?;
                match &operand.kind {
                    // `[int]$x = …` types the variable from now on.
                    ExprKind::Variable(name) if !type_name.eq_ignore_ascii_case("ordered") => {
                        self.constrain(name, None);
                        self.store(operand, converted, span)?;
                        self.constrain(name, Some(type_name));
                        Ok(())
                    }
                    _ => self.store(operand, converted, span),
                }
            }
            ExprKind::Member { target: object, name, is_static: false } => {
                let mut container = self.eval(object)?;
                match &mut container {
                    Value::Hashtable(h) => {
                        h.borrow_mut().insert(Value::String(name.clone()), value);
                        Ok(())
                    }
                    Value::Object(o) => o.set_property(name, value).map_err(|e| Flow::Error(e.at(target.span))),
                    // A script property runs its setter; an alias property sets its target.
                    Value::Record(r)
                        if r.borrow().get(name).and_then(runtime::psobject::ScriptMember::of).is_some() =>
                    {
                        let member = r.borrow().get(name).cloned().unwrap_or_default();
                        let Some(m) = runtime::psobject::ScriptMember::of(&member) else { return Ok(()) };
                        if m.kind == runtime::MemberKind::AliasProperty {
                            if let Some((_, v)) =
                                r.borrow_mut().properties.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(&m.target))
                            {
                                *v = value;
                            }
                            return Ok(());
                        }
                        match m.setter.clone() {
                            Some(setter) => {
                                self.call_with_this(&setter, Value::Record(r.clone()), vec![value], span).map(|_| ())
                            }
                            None => Err(Flow::Error(runtime::object::property_read_only(name).at(target.span))),
                        }
                    }
                    Value::Record(r) => {
                        match r.borrow_mut().properties.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
                            Some((_, v)) => *v = value,
                            None => {
                                return Err(Flow::Error(
                                    ErrorRecord::new(
                                        "PropertyNotFound",
                                        "InvalidOperation",
                                        format!("The property '{name}' cannot be found on this object. Verify that the property exists and can be set."),
                                    )
                                    .at(target.span),
                                ));
                            }
                        }
                        self.store(object, container, span)
                    }
                    other => Err(Flow::Error(
                        ErrorRecord::new(
                            "PropertyAssignmentException",
                            "InvalidOperation",
                            format!("The property '{name}' cannot be found on this object. Verify that the property exists and can be set."),
                        )
                        .at(target.span)
                        .with_hint(format!("A {} has no settable properties.", convert::type_name(other))),
                    )),
                }
            }
            ExprKind::Index { target: object, index } => {
                let mut container = self.eval(object)?;
                let index = self.eval(index)?;
                match &mut container {
                    Value::Hashtable(h) => {
                        h.borrow_mut().insert(index, value);
                        Ok(())
                    }
                    // A collection object's indexer, as .NET names it.
                    Value::Object(o) => match o.call("set_Item", &[index, value]) {
                        Some(result) => result.map(|_| ()).map_err(|e| Flow::Error(e.at(target.span))),
                        None => Err(Flow::Error(
                            ErrorRecord::new(
                                "CannotIndex",
                                "InvalidOperation",
                                format!("Unable to index into an object of type \"{}\".", o.type_name()),
                            )
                            .at(target.span),
                        )),
                    },
                    Value::Array(items) => {
                        let len = items.borrow().len() as i64;
                        let i = convert::to_number(&index).map_or(-1, |n| n.as_f64() as i64);
                        let i = if i < 0 { i + len } else { i };
                        match usize::try_from(i).ok().filter(|i| *i < items.borrow().len()) {
                            Some(i) => items.borrow_mut()[i] = value,
                            None => {
                                return Err(Flow::Error(
                                    ErrorRecord::new("IndexOutOfRange", "InvalidOperation", "Index was outside the bounds of the array.".into())
                                        .at(target.span),
                                ));
                            }
                        }
                        self.store(object, container, span)
                    }
                    Value::Null => Err(Flow::Error(
                        ErrorRecord::new("NullArray", "InvalidOperation", "Cannot index into a null array.".into()).at(target.span),
                    )),
                    other => Err(Flow::Error(
                        ErrorRecord::new(
                            "CannotIndex",
                            "InvalidOperation",
                            format!("Unable to index into an object of type \"{}\".", convert::type_name(other)),
                        )
                        .at(target.span),
                    )),
                }
            }
            _ => Err(Flow::Error(
                ErrorRecord::new(
                    "InvalidLeftHandSide",
                    "ParserError",
                    "The assignment expression is not valid. The input to an assignment operator must be an object that is able to accept assignments, such as a variable or a property.".into(),
                )
                .at(target.span),
            )),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Pipelines and commands

    /// Runs a pipeline as one statement of a chain: its terminating error is reported and
    /// sets `$?` false rather than stopping the chain.
    fn run_pipeline_reporting(&mut self, pipeline: &Pipeline) -> Exec<Vec<Value>> {
        let failures = self.failures;
        let result = self.run_pipeline(pipeline);
        self.last_ok = self.failures == failures;
        match result {
            Err(Flow::Error(e))
                if e.severity == Severity::StatementTerminating && self.try_depth == 0 && !self.stop_preference() =>
            {
                self.report(e);
                self.note_failure();
                Ok(Vec::new())
            }
            other => other,
        }
    }

    /// Runs a pipeline and returns its output, applying its redirections.
    fn run_pipeline(&mut self, pipeline: &Pipeline) -> Exec<Vec<Value>> {
        if pipeline.redirections.is_empty() {
            return self.run_elements(pipeline);
        }
        let mut sink = ErrorSink::Host;
        let mut output_target: Option<(&Expr, bool)> = None;
        for r in &pipeline.redirections {
            match (r.stream, &r.target) {
                (Stream::Error | Stream::All, RedirectTarget::ToOutput) => sink = ErrorSink::Output,
                (Stream::Error | Stream::All, RedirectTarget::File(t) | RedirectTarget::Append(t)) if is_null(t) => {
                    sink = ErrorSink::Discard
                }
                (Stream::Output | Stream::All, RedirectTarget::File(t)) => output_target = Some((t, false)),
                (Stream::Output | Stream::All, RedirectTarget::Append(t)) => output_target = Some((t, true)),
                (Stream::Error, _) => {
                    return Err(Flow::Error(
                        ErrorRecord::new(
                            "RedirectionNotSupported",
                            "NotImplemented",
                            "Errors can be redirected only to $null (2>$null) or to output (2>&1).".into(),
                        )
                        .at(r.span),
                    ));
                }
                _ => {}
            }
        }
        self.error_sinks.push(sink);
        let saved = std::mem::take(&mut self.redirected);
        let result = self.run_elements(pipeline);
        let redirected = std::mem::replace(&mut self.redirected, saved);
        self.error_sinks.pop();
        let mut values = match result {
            Ok(values) => values,
            // A statement-terminating error follows the error redirection too.
            Err(Flow::Error(e)) if e.severity == Severity::StatementTerminating && sink != ErrorSink::Host => {
                self.note_failure();
                let mut e = e;
                e.locate(&self.source);
                self.remember(e.clone());
                if sink == ErrorSink::Output { vec![e.to_value()] } else { Vec::new() }
            }
            Err(other) => return Err(other),
        };
        values.extend(redirected);
        let Some((target, append)) = output_target else {
            return Ok(values);
        };
        if is_null(target) {
            return Ok(Vec::new());
        }
        let path = self.eval(target)?.to_display_string();
        let text = self.host.format(&values);
        write_file(&path, &text, append).map_err(|e| Flow::Error(e.at(target.span)))?;
        Ok(Vec::new())
    }

    fn run_elements(&mut self, pipeline: &Pipeline) -> Exec<Vec<Value>> {
        let mut input: Option<Vec<Value>> = None;
        for element in &pipeline.elements {
            let output = match element {
                PipelineElement::Expression(expr) => unroll(self.eval(expr)?),
                PipelineElement::Command(command) => self.run_command(command, input.take())?,
            };
            input = Some(output);
        }
        Ok(input.unwrap_or_default())
    }

    /// Evaluates a command's arguments (splats spread, numbers keep their spelling).
    fn arguments(&mut self, command: &Command) -> Exec<Vec<Argument>> {
        let mut args = Vec::new();
        for element in &command.elements {
            match element {
                CommandElement::Parameter(p) => {
                    let value = match &p.argument {
                        Some(e) => Some(self.arg_value(e)?),
                        None => None,
                    };
                    args.push(Argument { kind: ArgumentKind::Parameter { name: p.name.clone(), value }, span: p.span });
                }
                CommandElement::Argument(e) => {
                    let value = self.arg_value(e)?;
                    args.push(Argument { kind: ArgumentKind::Value(value), span: e.span });
                }
                CommandElement::Splat { variable, span } => match self.variable(variable) {
                    Value::Hashtable(h) => {
                        for (k, v) in h.borrow().entries() {
                            let value = Some(ArgValue { value: v.clone(), literal: None });
                            args.push(Argument {
                                kind: ArgumentKind::Parameter { name: k.to_display_string(), value },
                                span: *span,
                            });
                        }
                    }
                    Value::Array(items) => {
                        args.extend(items.borrow().iter().map(|v| Argument::value(v.clone(), *span)))
                    }
                    Value::Null => {}
                    other => args.push(Argument::value(other, *span)),
                },
            }
        }
        Ok(args)
    }

    fn arg_value(&mut self, expr: &Expr) -> Exec<ArgValue> {
        let literal = match &expr.kind {
            ExprKind::Number { text, .. } => Some(text.clone()),
            _ => None,
        };
        Ok(ArgValue { value: self.eval(expr)?, literal })
    }

    fn run_command(&mut self, command: &Command, input: Option<Vec<Value>>) -> Exec<Vec<Value>> {
        let args = self.arguments(command)?;
        let (target, scope) = match &command.name {
            CommandName::Literal(name) => return self.invoke_named(name, args, input, command),
            CommandName::Invoke(target) => (target, functions::Scope::New),
            CommandName::DotSource(target) => (target, functions::Scope::Current),
        };
        let name = match self.eval(target)? {
            Value::ScriptBlock(block) => {
                let def = Rc::new(FunctionDef {
                    name: "<ScriptBlock>".into(),
                    body: (*block.def).clone(),
                    span: block.def.span,
                });
                let function = Function::new(def, block.source.clone());
                return functions::call(self, &function, args, input, command.span, scope);
            }
            other => other.to_display_string(),
        };
        self.invoke_named(&name, args, input, command)
    }

    fn invoke_named(
        &mut self,
        name: &str,
        args: Vec<Argument>,
        input: Option<Vec<Value>>,
        command: &Command,
    ) -> Exec<Vec<Value>> {
        let resolved = cmdlets::resolve_alias(name).unwrap_or(name);
        if let Some(function) = self.functions.get(&resolved.to_lowercase()).cloned() {
            return functions::call(self, &function, args, input, command.span, functions::Scope::New);
        }
        let registry = Registry::global();
        // As in PowerShell, `StorageGroup` finds `Get-StorageGroup` when nothing else matches.
        let found = registry.find(resolved).or_else(|| registry.find(&format!("Get-{resolved}")));
        if found.is_none()
            && let Some(native) = cmdlets::native::find(name)
        {
            return self.run_native(&native, args, command);
        }
        // The cmdlets of a snap-in the session removed are not recognized until it is added.
        let found =
            found.filter(|f| f.as_ref().is_ok_and(|f| cmdlets::snapins::module_loaded(&f.spec.module)) || f.is_err());
        let Some(found) = found else {
            let suggestion = closest(name, registry.names());
            return Err(Flow::Error(ErrorRecord::command_not_found(name, command.name_span, suggestion)));
        };
        let found = found.map_err(|e| {
            Flow::Error(
                ErrorRecord::new("CmdletSpecInvalid", "MetadataError", format!("The spec of {name} is invalid: {e}"))
                    .at(command.name_span)
                    .with_hint("This is a defect in this build of ccrsh; the spec tests catch it."),
            )
        })?;
        // `Name -?` is `Get-Help Name`.
        if args.iter().any(|a| matches!(&a.kind, ArgumentKind::Parameter { name, .. } if name == "?")) {
            let help = super::help::page(found.spec, super::help::Detail::Full);
            return Ok(vec![Value::String(help.trim_end().to_string())]);
        }
        let options = BindOptions { collect_remaining: false, common_parameters: true };
        // Objects piped into a command that takes them only by property name are bound one at a
        // time, each from its own properties (`Get-StorageGroup | Get-StorageGroupCopyStatus`).
        if let Some(items) = &input
            && let Some(by_name) = by_property_name(found.spec)
        {
            let mut out = Vec::new();
            for item in items {
                let mut item_args = args.clone();
                for parameter in &by_name {
                    let names = std::iter::once(&parameter.name).chain(&parameter.aliases);
                    let value = names.map(|n| members::property(item, n)).find(|v| *v != Value::Null);
                    // A scalar (a name typed or read from a file) binds by value where the
                    // parameter also takes the object itself.
                    let by_value =
                        matches!(parameter.pipeline, Some(super::spec::PipelineInput::ByValueAndPropertyName))
                            && matches!(item, Value::String(_) | Value::Int(_));
                    let value = value.or_else(|| by_value.then(|| item.clone()));
                    if let Some(value) = value
                        && !args.iter().any(|a| matches!(&a.kind, ArgumentKind::Parameter { name, .. } if name.eq_ignore_ascii_case(&parameter.name)))
                    {
                        let value = Some(ArgValue { value, literal: None });
                        item_args.push(Argument { kind: ArgumentKind::Parameter { name: parameter.name.clone(), value }, span: command.span });
                    }
                }
                let invocation = self.bind_prompting(found.spec, item_args, None, command.span, options)?;
                out.extend(self.run_cmdlet(found.entry.run, &invocation, command.span)?);
            }
            return Ok(out);
        }
        let invocation = self.bind_prompting(found.spec, args, input, command.span, options)?;
        self.run_cmdlet(found.entry.run, &invocation, command.span)
    }

    /// A Windows program the shell knows (`setup.com`, `hostname`, `cluster.exe`): every
    /// argument as text, as a native program gets them.
    fn run_native(
        &mut self,
        native: &cmdlets::native::Native,
        args: Vec<Argument>,
        command: &Command,
    ) -> Exec<Vec<Value>> {
        let mut words = Vec::new();
        for argument in args {
            match argument.kind {
                ArgumentKind::Parameter { name, value } => {
                    let value = value.map(|v| format!(":{}", v.value.to_display_string())).unwrap_or_default();
                    words.push(format!("-{name}{value}"));
                }
                ArgumentKind::Value(value) => words.push(value.value.to_display_string()),
            }
        }
        let client = self.client.clone();
        let mut cx =
            Context { client: &client, engine: self, warnings: Vec::new(), errors: Vec::new(), verbose: Vec::new() };
        let result = (native.run)(&words, &mut cx);
        let Context { warnings, .. } = cx;
        for warning in &warnings {
            self.host.warning(warning);
        }
        result.map_err(|mut error| {
            error.span.get_or_insert(command.span);
            error.command.get_or_insert_with(|| native.name.to_string());
            Flow::Error(error)
        })
    }

    /// Runs a bound cmdlet and applies its common parameters to what it reports.
    fn run_cmdlet(&mut self, run: cmdlets::RunFn, invocation: &Invocation<'_>, span: Span) -> Exec<Vec<Value>> {
        let client = self.client.clone();
        let mut cx =
            Context { client: &client, engine: self, warnings: Vec::new(), errors: Vec::new(), verbose: Vec::new() };
        let result = run(invocation, &mut cx);
        let Context { warnings, errors, verbose, .. } = cx;
        if let Some(flow) = self.pending.take() {
            return Err(flow);
        }
        let preference = |interp: &Interpreter, common: &str, variable: &str| -> String {
            invocation
                .common(common)
                .map(Value::to_display_string)
                .unwrap_or_else(|| interp.variable(variable).to_display_string())
        };
        let verbose_on = invocation.common("Verbose").map_or_else(
            || self.variable("VerbosePreference").to_display_string().eq_ignore_ascii_case("Continue"),
            Value::is_truthy,
        );
        if verbose_on {
            for line in &verbose {
                self.host.verbose(line);
            }
        }
        let warning_action = preference(self, "WarningAction", "WarningPreference");
        if let Some(name) = invocation.common("WarningVariable") {
            let values = warnings.iter().map(|w| Value::String(w.clone())).collect();
            self.set_variable(&name.to_display_string(), Value::array(values))?;
        }
        for warning in &warnings {
            match warning_action.to_ascii_lowercase().as_str() {
                "silentlycontinue" | "ignore" => {}
                "stop" => {
                    return Err(Flow::Error(stop_error(
                        "WarningPreference",
                        ErrorRecord::new("ActionPreferenceStop", "OperationStopped", warning.clone()),
                    )));
                }
                _ => self.host.warning(warning),
            }
        }
        let error_action = preference(self, "ErrorAction", "ErrorActionPreference");
        let mut reported = Vec::new();
        for mut error in errors {
            error.command.get_or_insert_with(|| invocation.spec.name.clone());
            error.span.get_or_insert(span);
            self.note_failure();
            match error_action.to_ascii_lowercase().as_str() {
                "stop" => return Err(Flow::Error(stop_error("ErrorActionPreference", error))),
                "ignore" => {}
                "silentlycontinue" => {
                    error.locate(&self.source);
                    self.remember(error.clone());
                    reported.push(error);
                }
                _ => {
                    reported.push(error.clone());
                    self.report(error);
                }
            }
        }
        if let Some(name) = invocation.common("ErrorVariable") {
            let values = reported.iter().map(ErrorRecord::to_value).collect();
            self.set_variable(name.to_display_string().trim_start_matches('+'), Value::array(values))?;
        }
        let values = result.map_err(|mut e| {
            e.command.get_or_insert_with(|| invocation.spec.name.clone());
            e.span.get_or_insert(span);
            Flow::Error(e)
        })?;
        if let Some(name) = invocation.common("OutVariable") {
            self.set_variable(&name.to_display_string(), Value::array(values.clone()))?;
        }
        Ok(values)
    }

    /// `& $block args`: a child scope, parameters bound like a function's.
    fn invoke_script_block(
        &mut self,
        block: &ScriptBlock,
        args: Vec<Argument>,
        input: Option<Vec<Value>>,
        span: Span,
    ) -> Exec<Vec<Value>> {
        let def =
            Rc::new(FunctionDef { name: "<ScriptBlock>".into(), body: (*block.def).clone(), span: block.def.span });
        let function = Function::new(def, block.source.clone());
        functions::call(self, &function, args, input, span, functions::Scope::New)
    }

    /// A property's value, running it when it is a script member (`Add-Member
    /// -MemberType ScriptProperty`) with `$this` the object; an alias reads its target.
    fn script_member(&mut self, this: &Value, found: Value, span: Span) -> Exec<Value> {
        let Some(member) = runtime::psobject::ScriptMember::of(&found) else { return Ok(found) };
        match (member.kind, member.block.clone()) {
            (runtime::MemberKind::ScriptProperty, Some(getter)) => {
                self.call_with_this(&getter, this.clone(), Vec::new(), span)
            }
            (runtime::MemberKind::AliasProperty, _) => {
                let target = members::property(this, &member.target);
                self.script_member(this, target, span)
            }
            _ => Ok(found),
        }
    }

    /// Calls a script member's block with `$this` set and the arguments as `$args`/`param()`.
    fn call_with_this(&mut self, block: &ScriptBlock, this: Value, args: Vec<Value>, span: Span) -> Exec<Value> {
        let saved = self.scopes.last().and_then(|s| s.get("this").cloned());
        self.set_local("this", this);
        let args = args.into_iter().map(|v| Argument::value(v, span)).collect();
        let result = self.invoke_script_block(block, args, None, span);
        match saved {
            Some(old) => self.set_local("this", old),
            None => {
                if let Some(scope) = self.scopes.last_mut() {
                    scope.remove("this");
                }
            }
        }
        Ok(collect(result?))
    }

    /// Runs a script block in the current scope with `$_` set (ForEach-Object, Where-Object,
    /// switch conditions).
    fn invoke_here(&mut self, block: &ScriptBlock, item: Option<Value>) -> Exec<Vec<Value>> {
        let saved = (self.variable("_"), item.is_some());
        if let Some(item) = item {
            self.set_local("_", item);
        }
        let previous = std::mem::replace(&mut self.source, block.source.clone());
        let mut out = Vec::new();
        let result = self.exec_block(&block.def.statements, &mut out);
        self.source = previous;
        if saved.1 {
            self.set_local("_", saved.0);
        }
        match result {
            Ok(()) | Err(Flow::Return) => Ok(out),
            Err(other) => Err(other),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Expressions

    fn eval(&mut self, expr: &Expr) -> Exec<Value> {
        let at = |e: ErrorRecord| Flow::Error(if e.span.is_some() { e } else { e.at(expr.span) });
        Ok(match &expr.kind {
            ExprKind::String(s) => Value::String(s.value.clone()),
            ExprKind::Expandable(parts) => Value::String(self.expand(parts)?),
            ExprKind::Number { value: Number::Int(i), .. } => Value::Int(*i),
            ExprKind::Number { value: Number::Real(r), .. } => Value::Real(*r),
            ExprKind::Variable(name) => self.variable(name),
            ExprKind::Array(items) => {
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    values.push(self.eval(item)?);
                }
                Value::array(values)
            }
            ExprKind::ArrayExpr(statements) => {
                let mut out = Vec::new();
                self.exec_block(statements, &mut out)?;
                Value::array(out)
            }
            ExprKind::SubExpr(statements) => {
                let mut out = Vec::new();
                self.exec_block(statements, &mut out)?;
                collect(out)
            }
            ExprKind::Paren(statement) => self.statement_value(statement)?,
            ExprKind::Hashtable { entries, .. } => {
                let mut table = Hashtable::new();
                for (key, value) in entries {
                    let key = self.eval(key)?;
                    let value = self.statement_value(value)?;
                    table.insert(key, value);
                }
                table.into_value()
            }
            ExprKind::ScriptBlock(def) => {
                Value::ScriptBlock(ScriptBlock { def: def.clone(), source: self.source.clone() })
            }
            ExprKind::Binary { op: BinaryOp::And, left, right } => {
                Value::Bool(self.eval(left)?.is_truthy() && self.eval(right)?.is_truthy())
            }
            ExprKind::Binary { op: BinaryOp::Or, left, right } => {
                Value::Bool(self.eval(left)?.is_truthy() || self.eval(right)?.is_truthy())
            }
            ExprKind::Binary { op, left, right } => {
                let l = self.eval(left)?;
                let r = self.eval(right)?;
                let mut found = None;
                let value = operators::binary(*op, &l, &r, &mut found).map_err(at)?;
                if let Some(m) = found {
                    self.set_local("matches", m.into_value());
                }
                value
            }
            ExprKind::Unary { op, operand } => {
                let v = self.eval(operand)?;
                operators::unary(*op, &v).map_err(at)?
            }
            ExprKind::Member { target, name, is_static: true } => {
                let type_name = self.type_of_static(target)?;
                members::static_property(&type_name, name).map_err(at)?
            }
            ExprKind::Member { target, name, .. } => {
                let v = self.eval(target)?;
                let found = members::property(&v, name);
                self.script_member(&v, found, expr.span)?
            }
            ExprKind::Index { target, index } => {
                let v = self.eval(target)?;
                let i = self.eval(index)?;
                index_value(&v, &i).map_err(at)?
            }
            ExprKind::Invoke { target, name, args, is_static } => {
                let mut values = Vec::with_capacity(args.len());
                for a in args {
                    values.push(self.eval(a)?);
                }
                if *is_static {
                    let type_name = self.type_of_static(target)?;
                    return members::static_method(&type_name, name, &values).map_err(at);
                }
                let v = self.eval(target)?;
                if let Value::Record(cmdlet) = &v
                    && cmdlet.borrow().type_name == functions::SCRIPT_CMDLET_TYPE
                {
                    let cmdlet = cmdlet.borrow().clone();
                    return self.script_cmdlet_method(&cmdlet, name, &values).map_err(at);
                }
                if let Value::ScriptBlock(block) = &v
                    && (name.eq_ignore_ascii_case("Invoke") || name.eq_ignore_ascii_case("InvokeReturnAsIs"))
                {
                    let args = values.into_iter().map(|v| Argument::value(v, expr.span)).collect();
                    return Ok(collect(self.invoke_script_block(block, args, None, expr.span)?));
                }
                if let Value::Record(r) = &v {
                    let member = r.borrow().get(name).cloned();
                    if let Some(block) = member
                        .as_ref()
                        .and_then(runtime::psobject::ScriptMember::of)
                        .and_then(|m| (m.kind == runtime::MemberKind::ScriptMethod).then(|| m.block.clone()).flatten())
                    {
                        return self.call_with_this(&block, v.clone(), values, expr.span);
                    }
                }
                members::call_method(&v, name, &values).map_err(at)?
            }
            ExprKind::Cast { type_name, operand } => match self.eval(operand)? {
                // An array becomes one string joined with `$OFS`, as in an expandable string.
                Value::Array(items) if type_name.eq_ignore_ascii_case("string") => {
                    Value::String(self.join_with_ofs(&items.borrow()))
                }
                v => convert::cast(type_name, &v).map_err(at)?,
            },
            ExprKind::TypeLiteral(name) => Value::String(format!("[{name}]")),
            ExprKind::StopParsing(word) => Value::String(runtime::environment::expand_percent(word)),
        })
    }

    /// `$PSCmdlet.ShouldProcess(target[, action])` and `$PSCmdlet.ShouldContinue(query, caption)`
    /// in an advanced function.
    fn script_cmdlet_method(
        &mut self,
        cmdlet: &super::value::Record,
        name: &str,
        args: &[Value],
    ) -> Result<Value, ErrorRecord> {
        let text = |n: &str| cmdlet.get(n).map(Value::to_display_string).unwrap_or_default();
        let flag = |n: &str| match cmdlet.get(n) {
            Some(Value::Null) | None => None,
            Some(v) => Some(v.is_truthy()),
        };
        let command = text("CommandName");
        match name.to_ascii_lowercase().as_str() {
            "shouldprocess" => {
                let target = args.first().map(Value::to_display_string).unwrap_or_default();
                let action = args.get(1).map(Value::to_display_string).unwrap_or_else(|| command.clone());
                let request = Confirmation {
                    command: &command,
                    impact: confirm_threshold(&text("ConfirmImpact")),
                    target: &target,
                    action: &action,
                    message: None,
                    what_if: flag("WhatIf"),
                    confirm: flag("Confirm"),
                    verbose: flag("Verbose").unwrap_or(false),
                };
                self.should_process(&request).map(Value::Bool)
            }
            "shouldcontinue" => {
                let query = args.first().map(Value::to_display_string).unwrap_or_default();
                let caption = args.get(1).map(Value::to_display_string).unwrap_or_else(|| "Confirm".into());
                let prompt =
                    format!("\n{caption}\n{query}\n[Y] Yes  [N] No  [S] Suspend  [?] Help (default is \"Y\"): ");
                let answer = self.host.read_line(&prompt).map_err(|e| e.in_command(&command))?;
                Ok(Value::Bool(matches!(answer.trim().to_ascii_lowercase().as_str(), "" | "y" | "yes")))
            }
            _ => Err(ErrorRecord::new(
                "MethodNotFound",
                "InvalidOperation",
                format!(
                    "Method invocation failed because [{}] does not contain a method named '{name}'.",
                    functions::SCRIPT_CMDLET_TYPE
                ),
            )),
        }
    }

    fn type_of_static(&mut self, target: &Expr) -> Exec<String> {
        match &target.kind {
            ExprKind::TypeLiteral(name) => Ok(name.clone()),
            _ => Ok(self.eval(target)?.to_display_string().trim_start_matches('[').trim_end_matches(']').to_string()),
        }
    }

    /// The text of an expandable string: variables and subexpressions joined with `$OFS`.
    fn expand(&mut self, parts: &[StringPart]) -> Exec<String> {
        let mut text = String::new();
        for part in parts {
            match part {
                StringPart::Text(t) => text.push_str(t),
                StringPart::Variable(name) => match self.variable(name) {
                    Value::Array(items) => text.push_str(&self.join_with_ofs(&items.borrow())),
                    other => text.push_str(&other.to_display_string()),
                },
                StringPart::SubExpr(statements) => {
                    let mut out = Vec::new();
                    self.exec_block(statements, &mut out)?;
                    text.push_str(&self.join_with_ofs(&out));
                }
            }
            if text.len() > operators::MAX_REPEATED_TEXT {
                return Err(Flow::Error(super::memory::value_too_large("Expanding this string")));
            }
        }
        Ok(text)
    }

    /// Items as one string, separated by `$OFS` (a space when it is not set).
    fn join_with_ofs(&self, items: &[Value]) -> String {
        let separator = match self.variable("OFS") {
            Value::Null => " ".to_string(),
            other => other.to_display_string(),
        };
        items.iter().map(Value::to_display_string).collect::<Vec<_>>().join(&separator)
    }

    // -----------------------------------------------------------------------------------------
    // Variables

    /// `$name`: automatic variables, `$env:NAME`, scope-qualified names, then the scopes from
    /// innermost out. An unset variable is `$null`.
    pub fn variable(&self, name: &str) -> Value {
        let lower = name.to_lowercase();
        let (scope, bare) = split_scope(&lower);
        match (scope, bare) {
            (_, "true") => return Value::Bool(true),
            (_, "false") => return Value::Bool(false),
            (_, "null") => return Value::Null,
            (_, "?") => return Value::Bool(self.last_ok),
            (_, "error") => {
                return Value::array(self.errors.iter().map(ErrorRecord::to_value).collect());
            }
            (_, "psitem") => return self.variable("_"),
            (None, "pwd") => return runtime::path_info::PathInfo::value(runtime::filesystem::location()),
            (None, "psscriptroot" | "pscommandpath") => {
                let Some(file) = &self.source.file else { return Value::String(String::new()) };
                let path = runtime::filesystem::resolve(file);
                let path = if bare == "pscommandpath" { Some(path.as_path()) } else { path.parent() };
                return Value::String(path.map(|p| p.display().to_string()).unwrap_or_default());
            }
            (Some("env"), var) => {
                let key = name.split_once(':').map_or(var, |(_, key)| key);
                return runtime::environment::get(key).map_or(Value::Null, Value::String);
            }
            (Some("global" | "script"), var) => {
                return self.scopes[0].get(var).cloned().unwrap_or(Value::Null);
            }
            _ => {}
        }
        self.scopes.iter().rev().find_map(|s| s.get(bare)).cloned().unwrap_or(Value::Null)
    }

    /// `$name = value`: the innermost scope, or the global one for `$global:`/`$script:`.
    pub fn set_variable(&mut self, name: &str, value: Value) -> Result<(), ErrorRecord> {
        let lower = name.to_lowercase();
        let (scope, bare) = split_scope(&lower);
        match bare {
            "null" => return Ok(()),
            "true" | "false" | "?" | "error" | "psversiontable" => {
                return Err(ErrorRecord::new(
                    "VariableNotWritable",
                    "WriteError",
                    format!("Cannot overwrite variable {bare} because it is read-only or constant."),
                ));
            }
            _ => {}
        }
        match scope {
            Some("env") => {
                let key = name.split_once(':').map_or(bare, |(_, key)| key);
                let text = match value {
                    Value::Null => None,
                    v => Some(v.to_display_string()),
                };
                runtime::environment::set(key, text.as_deref());
            }
            Some("global" | "script") => {
                let value = self.apply_constraint(0, bare, value)?;
                self.scopes[0].insert(bare.to_string(), value);
            }
            _ => {
                let value = self.apply_constraint(self.scopes.len() - 1, bare, value)?;
                self.set_local(bare, value);
            }
        }
        Ok(())
    }

    /// Sets (or with `None` clears) the type of the variable `name` as `set_variable` would
    /// write it.
    fn constrain(&mut self, name: &str, type_name: Option<&str>) {
        let lower = name.to_lowercase();
        let (scope, bare) = split_scope(&lower);
        let index = match scope {
            Some("env") => return,
            Some("global" | "script") => 0,
            _ => self.scopes.len() - 1,
        };
        self.type_constraints.retain(|(i, n, _)| !(*i == index && n == bare));
        if let Some(type_name) = type_name {
            self.type_constraints.push((index, bare.to_string(), type_name.to_string()));
        }
    }

    /// `value` converted to the type of the variable `bare` in scope `index`, if it has one.
    fn apply_constraint(&self, index: usize, bare: &str, value: Value) -> Result<Value, ErrorRecord> {
        match self.type_constraints.iter().find(|(i, n, _)| *i == index && n == bare) {
            Some((_, _, type_name)) => convert::cast(type_name, &value),
            None => Ok(value),
        }
    }

    /// Leaves the innermost scope, with its variables and their types.
    fn pop_scope(&mut self) {
        self.scopes.pop();
        let depth = self.scopes.len();
        self.type_constraints.retain(|(i, _, _)| *i < depth);
    }

    fn set_local(&mut self, name: &str, value: Value) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert(name.to_lowercase(), value);
        }
    }

    fn set_global(&mut self, name: &str, value: Value) {
        self.scopes[0].insert(name.to_lowercase(), value);
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

    fn call_block(&mut self, block: &ScriptBlock, args: Vec<Value>, span: Span) -> Result<Vec<Value>, ErrorRecord> {
        let def =
            Rc::new(FunctionDef { name: "<ScriptBlock>".into(), body: (*block.def).clone(), span: block.def.span });
        let function = Function::new(def, block.source.clone());
        let args = args.into_iter().map(|v| Argument::value(v, span)).collect();
        match functions::call(self, &function, args, None, span, functions::Scope::New) {
            Ok(values) => Ok(values),
            Err(Flow::Error(e)) => Err(e),
            Err(flow) => {
                self.pending = Some(flow);
                Err(ErrorRecord::new("PipelineStopped", "OperationStopped", "The pipeline was stopped.".into()))
            }
        }
    }

    fn set_computer(&mut self, computer: Option<String>) {
        crate::shell::runtime::environment::set_session_computer(computer.clone().or_else(|| self.workstation.clone()));
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
        let saved_args = self.variable("args");
        self.set_local("args", Value::array(args));
        let result = self.invoke_here(block, item);
        self.set_local("args", saved_args);
        match result {
            Ok(values) => Ok(values),
            Err(Flow::Error(e)) => Err(e),
            Err(flow) => {
                // `break`, `continue` or `exit` inside the block: stop the cmdlet and resume
                // the flow once it has returned.
                self.pending = Some(flow);
                Err(ErrorRecord::new("PipelineStopped", "OperationStopped", "The pipeline was stopped.".into()))
            }
        }
    }

    fn variable(&self, name: &str) -> Value {
        Interpreter::variable(self, name)
    }

    fn set_variable(&mut self, name: &str, value: Value) -> Result<(), ErrorRecord> {
        Interpreter::set_variable(self, name, value)
    }

    fn variables(&self) -> Vec<(String, Value)> {
        let mut seen = std::collections::HashSet::new();
        let mut all = Vec::new();
        for scope in self.scopes.iter().rev() {
            for (name, value) in scope {
                if seen.insert(name.clone()) {
                    all.push((name.clone(), value.clone()));
                }
            }
        }
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }

    fn host(&mut self) -> &mut dyn Host {
        self.host.as_mut()
    }

    fn history(&self) -> &[String] {
        &self.history
    }
}

/// The parameters that take pipeline input by property name, when no parameter takes it by
/// value: the command then runs once per piped object.
fn by_property_name(spec: &super::spec::CmdletSpec) -> Option<Vec<&super::spec::ParameterSpec>> {
    use super::spec::PipelineInput;
    let by_value = spec.parameters.iter().any(|p| matches!(p.pipeline, Some(PipelineInput::ByValue)));
    let by_name: Vec<_> = spec
        .parameters
        .iter()
        .filter(|p| matches!(p.pipeline, Some(PipelineInput::ByPropertyName | PipelineInput::ByValueAndPropertyName)))
        .collect();
    (!by_value && !by_name.is_empty()).then_some(by_name)
}

/// `scope:name` → (`Some(scope)`, `name`) for the known scopes.
fn split_scope(lower: &str) -> (Option<&str>, &str) {
    match lower.split_once(':') {
        Some((scope @ ("global" | "script" | "local" | "private" | "env" | "variable"), rest)) => (Some(scope), rest),
        _ => (None, lower),
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

fn is_null(expr: &Expr) -> bool {
    matches!(&expr.kind, ExprKind::Variable(v) if v.eq_ignore_ascii_case("null"))
}

/// The error `-ErrorAction Stop` (or the preference) turns a non-terminating error into.
fn stop_error(preference: &str, error: ErrorRecord) -> ErrorRecord {
    let message = format!(
        "The running command stopped because the preference variable \"{preference}\" or common parameter is set to Stop: {}",
        error.message
    );
    ErrorRecord { message, exception: "System.Management.Automation.ActionPreferenceStopException", ..error }
}

fn write_file(path: &str, text: &str, append: bool) -> Result<(), ErrorRecord> {
    use std::io::Write;
    let file = std::fs::OpenOptions::new().create(true).write(true).append(append).truncate(!append).open(path);
    file.and_then(|mut f| f.write_all(text.as_bytes())).map_err(|e| {
        ErrorRecord::new("FileOpenFailure", "OpenError", format!("Could not write to '{path}': {e}"))
            .with_hint("Check that the folder exists and is writable.")
    })
}

/// `value[index]`.
fn index_value(value: &Value, index: &Value) -> Result<Value, ErrorRecord> {
    match value {
        Value::Null => Err(ErrorRecord::new("NullArray", "InvalidOperation", "Cannot index into a null array.".into())),
        Value::Hashtable(h) => Ok(h.borrow().get(index).cloned().unwrap_or(Value::Null)),
        // A single object indexes as a one-element list (`$result[0]` when one object came back).
        Value::Record(_) if convert::to_number(index).is_some() && !matches!(index, Value::String(_)) => {
            Ok(pick_indexes(index, 1, |_| value.clone()))
        }
        Value::Record(r) => Ok(r.borrow().get(&index.to_display_string()).cloned().unwrap_or(Value::Null)),
        Value::Object(o) if !matches!(index, Value::Array(_)) => {
            match o.call("get_Item", std::slice::from_ref(index)) {
                Some(result) => result,
                None => index_value(&Value::array(o.enumerate().unwrap_or_else(|| vec![value.clone()])), index),
            }
        }
        Value::Object(o) => {
            let list = o.enumerate().unwrap_or_else(|| vec![value.clone()]);
            Ok(pick_indexes(index, list.len(), |n| list[n].clone()))
        }
        Value::Array(items) => {
            let list = items.borrow();
            Ok(pick_indexes(index, list.len(), |n| list[n].clone()))
        }
        Value::String(s) => {
            let chars: Vec<char> = s.chars().collect();
            Ok(pick_indexes(index, chars.len(), |n| Value::Char(chars[n])))
        }
        other => Ok(pick_indexes(index, 1, |_| other.clone())),
    }
}

/// The items at `index` (a number, negative from the end, or an array of them) of a list of
/// `len` items read by `item`; out-of-range indexes give nothing.
fn pick_indexes(index: &Value, len: usize, item: impl Fn(usize) -> Value) -> Value {
    let pick = |i: &Value| -> Option<Value> {
        let n = convert::to_number(i).map_or(i64::MAX, |n| n.as_f64() as i64);
        let n = if n < 0 { n + len as i64 } else { n };
        usize::try_from(n).ok().filter(|n| *n < len).map(&item)
    };
    match index {
        Value::Array(indexes) => Value::array(indexes.borrow().iter().filter_map(pick).collect()),
        i => pick(i).unwrap_or(Value::Null),
    }
}
