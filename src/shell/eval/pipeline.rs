//! The streaming pipeline. Every command is a [`Stage`] with PowerShell's begin, process and
//! end: objects go from one command to the next as they are written, so `Select-Object
//! -First 3` can stop the commands upstream of it (PowerShell's StopUpstreamCommands) and an
//! endless producer ends. Cmdlets that take their input all at once run through an adapter
//! that gathers it; streaming cmdlets and script functions see one object at a time.
//!
//! Owns: [`Stage`], running a pipeline, resolving command names (aliases, functions, cmdlets,
//! script files), evaluating arguments (splats), per-command redirections, the cmdlet adapter
//! and the common parameters of cmdlets.
//!
//! Must not: parse or print (errors and messages go through `streams`).

use std::cell::RefCell;
use std::rc::Rc;

use super::functions::{CallScope, Function, ScriptCall};
use super::scope::Scope;
use super::streams::{Action, StreamAction, StreamFrame};
use super::{Exec, Flow, Interpreter, Pipe, write_file, write_unrolled};
use crate::shell::bind::{ArgValue, Argument, ArgumentKind, BindOptions, Invocation};
use crate::shell::cmdlets::{self, CmdletEntry, Context, Processor, Registry, Step};
use crate::shell::did_you_mean::closest;
use crate::shell::error_record::ErrorRecord;
use crate::shell::spec::{CmdletSpec, ParameterSpec};
use crate::shell::syntax::Invocation as Call;
use crate::shell::syntax::*;
use crate::shell::value::{ScriptBlock, Source, Value};

/// A command running in a pipeline. Each step does nothing unless a stage says otherwise.
pub(super) trait Stage {
    fn begin(&mut self, _interp: &mut Interpreter, _out: &mut dyn Pipe) -> Exec<()> {
        Ok(())
    }
    /// One input object; `None` when the command is first and runs once without input.
    fn process(&mut self, _interp: &mut Interpreter, _input: Option<Value>, _out: &mut dyn Pipe) -> Exec<()> {
        Ok(())
    }
    fn end(&mut self, _interp: &mut Interpreter, _out: &mut dyn Pipe) -> Exec<()> {
        Ok(())
    }
    /// Runs whatever happened (a function's `clean` block).
    fn clean(&mut self, _interp: &mut Interpreter) -> Exec<()> {
        Ok(())
    }
}

/// The commands after one, then where the pipeline's output goes.
struct Downstream<'a, 'p> {
    stages: &'a mut [Box<dyn Stage + 'p>],
    last: &'a mut dyn Pipe,
}

impl Pipe for Downstream<'_, '_> {
    fn write(&mut self, interp: &mut Interpreter, value: Value) -> Exec<()> {
        match self.stages.split_first_mut() {
            Some((stage, rest)) => {
                stage.process(interp, Some(value), &mut Downstream { stages: rest, last: &mut *self.last })
            }
            None => self.last.write(interp, value),
        }
    }
}

/// What a pipeline element runs.
#[derive(Clone, Copy)]
enum StageSource<'p> {
    Expression(&'p Expr),
    Command(&'p Command),
}

/// Which pipeline and which of its commands asked to stop the commands upstream.
fn stop_of(flow: &Flow, id: u64) -> Option<usize> {
    match flow {
        Flow::StopUpstream(token) if token >> 16 == id => Some((token & 0xFFFF) as usize),
        _ => None,
    }
}

/// The token a command at `stage` of pipeline `id` stops upstream with.
pub(super) fn stop_token(id: u64, stage: usize) -> u64 {
    (id << 16) | (stage as u64 & 0xFFFF)
}

impl Interpreter {
    /// Runs a pipeline, writing its output to `out` as it is produced.
    pub(super) fn run_pipeline(&mut self, pipeline: &Pipeline, out: &mut dyn Pipe) -> Exec<()> {
        if let Some(expr) = pipeline.as_expression() {
            return self.output_expression(expr, out);
        }
        let id = self.pipeline_id();
        let elements = &pipeline.elements;
        let head = match &elements[0] {
            PipelineElement { kind: ElementKind::Expression(e), redirections } if redirections.is_empty() => Some(e),
            _ => None,
        };
        let first_command = usize::from(head.is_some());
        let mut stages: Vec<Box<dyn Stage + '_>> = Vec::with_capacity(elements.len());
        for (index, element) in elements.iter().enumerate().skip(first_command) {
            let source = match &element.kind {
                ElementKind::Expression(e) => StageSource::Expression(e),
                ElementKind::Command(c) => StageSource::Command(c),
            };
            let stage = self.prepare_element(source, &element.redirections, index > 0, id, index - first_command)?;
            stages.push(stage);
        }
        self.run_stages(head, stages, id, out)
    }

    /// Runs a pipeline of one command without redirections ([`Statement::Command`]).
    pub(super) fn run_command(&mut self, command: &Command, out: &mut dyn Pipe) -> Exec<()> {
        let id = self.pipeline_id();
        let stage = self.prepare_element(StageSource::Command(command), &[], false, id, 0)?;
        self.run_stages(None, vec![stage], id, out)
    }

    /// Runs the commands of pipeline `id`, fed by `head` (its first element when that is an
    /// expression) or, without one, by the first command's own run.
    fn run_stages<'p>(
        &mut self,
        head: Option<&'p Expr>,
        mut stages: Vec<Box<dyn Stage + 'p>>,
        id: u64,
        out: &mut dyn Pipe,
    ) -> Exec<()> {
        // As in PowerShell, every command's begin runs before any object moves: what a begin
        // block writes waits in the next command's input until that command has begun.
        let mut result = Ok(());
        let mut waiting: Vec<Vec<Value>> = Vec::with_capacity(stages.len());
        for stage in stages.iter_mut() {
            let mut written = Vec::new();
            result = stage.begin(self, &mut written);
            waiting.push(written);
            if result.is_err() {
                break;
            }
        }
        let mut end_from = 0;
        if result.is_ok() {
            result = self.deliver_begin_output(&mut stages, waiting, out);
            if result.is_ok() {
                result = match head {
                    Some(e) => self.feed_expression(e, &mut Downstream { stages: &mut stages, last: &mut *out }),
                    None => match stages.split_first_mut() {
                        Some((first, rest)) => {
                            first.process(self, None, &mut Downstream { stages: rest, last: &mut *out })
                        }
                        None => Ok(()),
                    },
                };
            }
            if let Err(flow) = &result
                && let Some(stopper) = stop_of(flow, id)
            {
                end_from = stopper;
                result = Ok(());
            }
        }
        if result.is_ok() {
            let mut i = end_from;
            while i < stages.len() {
                let (left, right) = stages.split_at_mut(i + 1);
                match left[i].end(self, &mut Downstream { stages: right, last: &mut *out }) {
                    Ok(()) => i += 1,
                    Err(flow) => match stop_of(&flow, id) {
                        Some(stopper) if stopper > i => i = stopper,
                        Some(_) => i += 1,
                        None => {
                            result = Err(flow);
                            break;
                        }
                    },
                }
            }
        }
        for stage in stages.iter_mut() {
            let cleaned = stage.clean(self);
            if result.is_ok() {
                result = cleaned;
            }
        }
        result
    }

    /// Sends what each command's begin block wrote (`waiting[i]`, from command `i`) on to the
    /// commands after it, now that all have begun: the last command's first, so that each
    /// command sees the begin output of the one before it ahead of anything that command
    /// makes of earlier begin output (PowerShell's order: every command has an input queue).
    fn deliver_begin_output(
        &mut self,
        stages: &mut [Box<dyn Stage + '_>],
        waiting: Vec<Vec<Value>>,
        out: &mut dyn Pipe,
    ) -> Exec<()> {
        for (i, written) in waiting.into_iter().enumerate().rev() {
            let mut next = Downstream { stages: &mut stages[i + 1..], last: &mut *out };
            for value in written {
                next.write(self, value)?;
            }
        }
        Ok(())
    }

    /// A pipeline that is one expression: its value written out, arrays one item at a time,
    /// a range as it is counted.
    pub(super) fn output_expression(&mut self, expr: &Expr, out: &mut dyn Pipe) -> Exec<()> {
        match &expr.kind {
            // `$i++` as a statement writes nothing.
            ExprKind::IncDec(_) => {
                self.eval(expr)?;
                Ok(())
            }
            _ => self.feed_expression(expr, out),
        }
    }

    /// Writes an expression's value to `out`: a range lazily, arrays one item at a time.
    fn feed_expression(&mut self, expr: &Expr, out: &mut dyn Pipe) -> Exec<()> {
        if let ExprKind::Binary(b) = &expr.kind
            && b.op == BinaryOp::Range
        {
            for item in self.range_items(b, expr.span)? {
                out.write(self, item)?;
            }
            return Ok(());
        }
        self.void_call = false;
        let value = self.eval(expr)?;
        // A call to a void method writes nothing, where `$null` as a statement writes $null.
        if std::mem::take(&mut self.void_call) && value == Value::Null && matches!(expr.kind, ExprKind::Invoke(_)) {
            return Ok(());
        }
        write_unrolled(self, value, out)
    }

    /// A pipeline element ready to run: its command resolved and arguments evaluated, with
    /// its redirections around it.
    fn prepare_element<'p>(
        &mut self,
        source: StageSource<'p>,
        redirections: &'p [Redirection],
        expecting_input: bool,
        id: u64,
        index: usize,
    ) -> Exec<Box<dyn Stage + 'p>> {
        let stage: Box<dyn Stage + 'p> = match source {
            StageSource::Expression(e) => Box::new(ExpressionStage { expr: e }),
            StageSource::Command(c) => match self.prepare_command(c, expecting_input, stop_token(id, index)) {
                Ok(stage) => stage,
                // A command that cannot be found fails where its redirections apply.
                Err(Flow::Error(e)) if !redirections.is_empty() => Box::new(FailedStage { error: Some(e) }),
                Err(other) => return Err(other),
            },
        };
        if redirections.is_empty() {
            return Ok(stage);
        }
        let mut frames = Vec::new();
        let mut files = Vec::new();
        let mut output: Option<(String, bool)> = None;
        let mut merge_output_into_error = false;
        for r in redirections.iter() {
            match &r.target {
                RedirectTarget::Merge(Stream::Output) => {
                    if r.stream != Stream::Output {
                        frames.push(StreamFrame { stream: r.stream, action: StreamAction::Merge });
                    }
                }
                RedirectTarget::Merge(_) => merge_output_into_error = true,
                RedirectTarget::File { path, append } => {
                    let discard = super::is_null(path);
                    let path = if discard { String::new() } else { self.eval(path)?.to_display_string() };
                    // `> C:\…` in a node session: refused as Out-File refuses it, before anything runs.
                    cmdlets::node_items::refuse_redirection_to_node(&path, || self.computer.clone())
                        .map_err(|e| Flow::Error(e.at(r.span)))?;
                    if r.stream == Stream::Output || r.stream == Stream::All {
                        output = if discard { Some((String::new(), false)) } else { Some((path.clone(), *append)) };
                    }
                    if r.stream != Stream::Output {
                        if discard {
                            frames.push(StreamFrame { stream: r.stream, action: StreamAction::Discard });
                        } else {
                            let list = Rc::new(RefCell::new(Vec::new()));
                            frames.push(StreamFrame { stream: r.stream, action: StreamAction::File(list.clone()) });
                            files.push((path, *append, list));
                        }
                    }
                }
            }
        }
        let _ = merge_output_into_error;
        Ok(Box::new(Redirected { inner: stage, frames, files, output, captured: Vec::new() }))
    }

    /// Resolves a command and evaluates its arguments.
    fn prepare_command<'p>(
        &mut self,
        command: &'p Command,
        expecting_input: bool,
        stop: u64,
    ) -> Exec<Box<dyn Stage + 'p>> {
        let args = self.arguments(command)?;
        let scope = match command.invocation {
            Call::DotSource => CallScope::Current,
            _ => CallScope::New,
        };
        let name = match (command.invocation, &command.name.kind) {
            (Call::Plain, ExprKind::BareWord(n) | ExprKind::String(n)) => n.to_string(),
            _ => match self.eval(&command.name)? {
                Value::ScriptBlock(block) => {
                    let function = Rc::new(Function::from_block(Rc::from("<ScriptBlock>"), &block));
                    return Ok(Box::new(ScriptCall::new(function, args, scope, command.span, expecting_input)));
                }
                // A CommandInfo (`& (Get-Command X)`) names its command.
                Value::Record(r) if r.borrow().get("Name").is_some() => {
                    r.borrow().get("Name").map(Value::to_display_string).unwrap_or_default()
                }
                other => other.to_display_string(),
            },
        };
        self.resolve_command(&name, args, command, scope, expecting_input, stop)
    }

    /// The command `name` stands for: an alias, a function, a cmdlet, a script file.
    fn resolve_command<'p>(
        &mut self,
        name: &str,
        args: Vec<Argument>,
        command: &'p Command,
        scope: CallScope,
        expecting_input: bool,
        stop: u64,
    ) -> Exec<Box<dyn Stage + 'p>> {
        let resolved = cmdlets::resolve_alias(name).unwrap_or(name);
        let key = resolved.to_lowercase();
        if let Some(function) = self.current.function(&key) {
            return Ok(Box::new(ScriptCall::new(function, args, scope, command.span, expecting_input)));
        }
        let registry = Registry::global();
        // As in PowerShell, `StorageGroup` finds `Get-StorageGroup` when nothing else matches.
        let found = registry.find(resolved).or_else(|| registry.find(&format!("Get-{resolved}")));
        if found.is_none()
            && let Some(native) = cmdlets::native::find(name)
        {
            return Ok(Box::new(NativeStage { native, args: Some(args), span: command.span }));
        }
        // The cmdlets of a snap-in the session removed are not recognized until it is added.
        let found =
            found.filter(|f| f.as_ref().is_ok_and(|f| cmdlets::snapins::module_loaded(&f.spec.module)) || f.is_err());
        if let Some(found) = found {
            let found = found.map_err(|e| {
                Flow::Error(
                    ErrorRecord::new(
                        "CmdletSpecInvalid",
                        "MetadataError",
                        format!("The spec of {name} is invalid: {e}"),
                    )
                    .at(command.name.span)
                    .with_hint("This is a defect in this build of ccrsh; the spec tests catch it."),
                )
            })?;
            // `Name -?` is `Get-Help Name`.
            if args.iter().any(|a| matches!(&a.kind, ArgumentKind::Parameter { name, .. } if name == "?")) {
                let help = crate::shell::help::page(found.spec, crate::shell::help::Detail::Full);
                return Ok(Box::new(ValueStage { values: vec![Value::String(help.trim_end().to_string())] }));
            }
            let spec: &'static CmdletSpec = found.spec;
            let entry: &'static CmdletEntry = found.entry;
            return Ok(Box::new(CmdletStage::new(entry, spec, args, command.span, expecting_input, stop)));
        }
        // A script file, by path: relative to the shell's location, `\` or `/` between folders
        // (`.\lib.ps1`, `"$PSScriptRoot\lib.ps1"`), known by its full path from then on.
        let path = crate::shell::runtime::filesystem::resolve(name);
        if name.to_ascii_lowercase().ends_with(".ps1") && path.is_file() {
            let full = path.display().to_string();
            let text = std::fs::read_to_string(&path).map_err(|e| {
                Flow::Error(
                    ErrorRecord::new(
                        "ScriptReadFailure",
                        "ReadError",
                        format!("Could not read the script '{full}': {e}"),
                    )
                    .at(command.name.span),
                )
            })?;
            let script = parse(&text).map_err(|e| {
                let source = Source { text: text.clone(), file: Some(full.clone()) };
                let mut record = ErrorRecord::from_syntax(&e);
                record.locate(&source);
                Flow::Error(record)
            })?;
            let source = Rc::new(Source { text, file: Some(full) });
            let block = ScriptBlock { def: script.body, source };
            let function = Rc::new(Function::script(Rc::from(name), &block));
            let scope = if scope == CallScope::Current { CallScope::Current } else { CallScope::Script };
            return Ok(Box::new(ScriptCall::new(function, args, scope, command.span, expecting_input)));
        }
        let mut candidates: Vec<String> = registry.names().map(str::to_string).collect();
        candidates.extend(self.function_names());
        let suggestion = closest(name, candidates.iter().map(String::as_str)).map(str::to_string);
        Err(Flow::Error(ErrorRecord::command_not_found(name, command.name.span, suggestion.as_deref())))
    }

    /// Evaluates a command's arguments (splats spread, numbers keep their spelling).
    pub(super) fn arguments(&mut self, command: &Command) -> Exec<Vec<Argument>> {
        let mut args = Vec::with_capacity(command.elements.len());
        for element in command.elements.iter() {
            match element {
                CommandElement::Parameter(p) => {
                    args.push(Argument {
                        kind: ArgumentKind::Parameter { name: p.name.to_string(), value: None },
                        span: p.span,
                    });
                }
                CommandElement::ParameterWithArgument(p) => {
                    let value = Some(self.arg_value(&p.argument)?);
                    args.push(Argument {
                        kind: ArgumentKind::Parameter { name: p.name.to_string(), value },
                        span: p.span,
                    });
                }
                CommandElement::Argument(e) => {
                    let value = self.arg_value(e)?;
                    args.push(Argument { kind: ArgumentKind::Value(value), span: e.span });
                }
                CommandElement::Splat(e) => match self.eval(e)? {
                    Value::Hashtable(h) => {
                        for (k, v) in h.borrow().entries() {
                            let value = Some(ArgValue { value: v.clone(), literal: None });
                            args.push(Argument {
                                kind: ArgumentKind::Parameter { name: k.to_display_string(), value },
                                span: e.span,
                            });
                        }
                    }
                    Value::Array(items) => {
                        args.extend(items.borrow().iter().map(|v| Argument::value(v.clone(), e.span)));
                    }
                    Value::Null => {}
                    other => args.push(Argument::value(other, e.span)),
                },
            }
        }
        Ok(args)
    }

    fn arg_value(&mut self, expr: &Expr) -> Exec<ArgValue> {
        let literal = match &expr.kind {
            ExprKind::Number(n) => Some(n.text.to_string()),
            _ => None,
        };
        // A bare word that names a type (`[int]`) stays a string in argument mode; so does
        // everything else a bare word evaluates to.
        Ok(ArgValue { value: self.eval(expr)?, literal })
    }

    /// Applies a cmdlet's report to the streams and its common parameters: errors, warnings,
    /// verbose messages.
    pub(super) fn route_reports(
        &mut self,
        reports: Reports,
        invocation: Option<&Invocation<'_>>,
        span: Span,
        command: &str,
        out: &mut dyn Pipe,
    ) -> Exec<()> {
        let common = |name: &str| invocation.and_then(|i| i.common(name)).cloned();
        let verbose_on = common("Verbose").map(|v| v.is_truthy());
        for line in &reports.verbose {
            self.write_message(Stream::Verbose, line, verbose_on, out)?;
        }
        for line in &reports.debug {
            self.write_message(Stream::Debug, line, common("Debug").map(|v| v.is_truthy()), out)?;
        }
        let information_action = common("InformationAction").map(|v| Action::parse(&v.to_display_string()));
        for info in reports.information {
            let shown = match information_action {
                Some(a) => a == Action::Continue,
                None => !matches!(
                    Action::parse(&self.variable("InformationPreference").to_display_string()),
                    Action::SilentlyContinue | Action::Ignore
                ),
            };
            self.write_information(info, shown, out)?;
        }
        let warning_action = common("WarningAction").map(|v| Action::parse(&v.to_display_string()));
        for warning in &reports.warnings {
            self.write_warning(warning, warning_action, out)?;
        }
        let error_action = common("ErrorAction").map(|v| Action::parse(&v.to_display_string()));
        for mut error in reports.errors {
            error.command.get_or_insert_with(|| command.to_string());
            error.span.get_or_insert(span);
            self.write_error(error, error_action, out)?;
        }
        Ok(())
    }
}

/// What a cmdlet reported besides its output.
#[derive(Default)]
pub(super) struct Reports {
    pub warnings: Vec<String>,
    pub errors: Vec<ErrorRecord>,
    pub verbose: Vec<String>,
    pub debug: Vec<String>,
    pub information: Vec<Value>,
}

impl Reports {
    fn from_context(cx: Context<'_>) -> Reports {
        Reports {
            warnings: cx.warnings,
            errors: cx.errors,
            verbose: cx.verbose,
            debug: cx.debug,
            information: cx.information,
        }
    }
}

/// An expression after the first element (only with redirections, or as an error).
struct ExpressionStage<'p> {
    expr: &'p Expr,
}

impl Stage for ExpressionStage<'_> {
    fn process(&mut self, interp: &mut Interpreter, _: Option<Value>, out: &mut dyn Pipe) -> Exec<()> {
        interp.feed_expression(self.expr, out)
    }
}

/// A command that could not be prepared: it fails when it begins.
struct FailedStage {
    error: Option<ErrorRecord>,
}

impl Stage for FailedStage {
    fn begin(&mut self, _: &mut Interpreter, _: &mut dyn Pipe) -> Exec<()> {
        match self.error.take() {
            Some(e) => Err(Flow::Error(e)),
            None => Ok(()),
        }
    }
}

/// Fixed output (`Name -?`).
struct ValueStage {
    values: Vec<Value>,
}

impl Stage for ValueStage {
    fn end(&mut self, interp: &mut Interpreter, out: &mut dyn Pipe) -> Exec<()> {
        for v in std::mem::take(&mut self.values) {
            out.write(interp, v)?;
        }
        Ok(())
    }
}

/// A command with redirections: its streams go where they say, its output to a file or on.
struct Redirected<'p> {
    inner: Box<dyn Stage + 'p>,
    frames: Vec<StreamFrame>,
    /// Streams redirected to files: path, append, what was written.
    files: Vec<(String, bool, super::Captured)>,
    /// `> file` (an empty path is `> $null`).
    output: Option<(String, bool)>,
    captured: Vec<Value>,
}

impl Redirected<'_> {
    fn run(
        &mut self,
        interp: &mut Interpreter,
        out: &mut dyn Pipe,
        step: impl FnOnce(&mut dyn Stage, &mut Interpreter, &mut dyn Pipe) -> Exec<()>,
    ) -> Exec<()> {
        let frames = self.frames.clone();
        let inner = &mut self.inner;
        match &self.output {
            Some(_) => {
                let captured = &mut self.captured;
                interp.with_streams(frames, |interp| step(inner.as_mut(), interp, captured))
            }
            None => interp.with_streams(frames, |interp| step(inner.as_mut(), interp, out)),
        }
    }
}

impl Stage for Redirected<'_> {
    fn begin(&mut self, interp: &mut Interpreter, out: &mut dyn Pipe) -> Exec<()> {
        let result = self.run(interp, out, |s, i, o| s.begin(i, o));
        self.statement_error(interp, result, out)
    }

    fn process(&mut self, interp: &mut Interpreter, input: Option<Value>, out: &mut dyn Pipe) -> Exec<()> {
        let result = self.run(interp, out, |s, i, o| s.process(i, input, o));
        self.statement_error(interp, result, out)
    }

    fn end(&mut self, interp: &mut Interpreter, out: &mut dyn Pipe) -> Exec<()> {
        let result = self.run(interp, out, |s, i, o| s.end(i, o));
        let result = self.statement_error(interp, result, out);
        for (path, append, list) in &self.files {
            let values = std::mem::take(&mut *list.borrow_mut());
            let text = interp.host.format(&values);
            write_file(path, &text, *append).map_err(Flow::Error)?;
        }
        if let Some((path, append)) = &self.output {
            let values = std::mem::take(&mut self.captured);
            if !path.is_empty() {
                let text = interp.host.format(&values);
                write_file(path, &text, *append).map_err(Flow::Error)?;
            }
        }
        result
    }

    fn clean(&mut self, interp: &mut Interpreter) -> Exec<()> {
        self.inner.clean(interp)
    }
}

impl Redirected<'_> {
    /// A statement-terminating error of a command whose error stream is redirected follows
    /// the redirection.
    fn statement_error(&mut self, interp: &mut Interpreter, result: Exec<()>, out: &mut dyn Pipe) -> Exec<()> {
        match result {
            Err(Flow::Error(e))
                if e.severity == crate::shell::error_record::Severity::StatementTerminating
                    && self.frames.iter().any(|f| matches!(f.stream, Stream::Error | Stream::All)) =>
            {
                let frames = self.frames.clone();
                let target: &mut dyn Pipe = if self.output.is_some() { &mut self.captured } else { out };
                interp.with_streams(frames, |interp| {
                    interp.note_failure();
                    let mut e = e;
                    e.locate(&interp.source);
                    interp.remember(e.clone());
                    interp.emit_error(e, target)
                })
            }
            other => other,
        }
    }
}

/// A Windows program the shell knows (`setup.com`, `hostname`, `cluster.exe`): every
/// argument as text, as a native program gets them.
struct NativeStage {
    native: cmdlets::native::Native,
    args: Option<Vec<Argument>>,
    span: Span,
}

impl Stage for NativeStage {
    fn end(&mut self, interp: &mut Interpreter, out: &mut dyn Pipe) -> Exec<()> {
        let Some(args) = self.args.take() else { return Ok(()) };
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
        let client = interp.client.clone();
        let mut cx = Context::new(&client, interp);
        let result = (self.native.run)(&words, &mut cx);
        let reports = Reports::from_context(cx);
        let name = self.native.name;
        interp.route_reports(reports, None, self.span, name, out)?;
        let values = result.map_err(|mut error| {
            error.span.get_or_insert(self.span);
            error.command.get_or_insert_with(|| name.to_string());
            Flow::Error(error)
        })?;
        for v in values {
            out.write(interp, v)?;
        }
        Ok(())
    }
}

/// A cmdlet: streaming through its [`Processor`] when it has one, else gathering its input
/// and running once at the end (or once per object, for a cmdlet that takes its input only by
/// property name).
struct CmdletStage {
    entry: &'static CmdletEntry,
    spec: &'static CmdletSpec,
    args: Vec<Argument>,
    span: Span,
    expecting_input: bool,
    stop: u64,
    /// Input gathered for the adapter.
    input: Vec<Value>,
    by_name: Option<Vec<&'static ParameterSpec>>,
    /// The parameters that take piped objects of some types by their type
    /// (`Get-MailboxDatabase | Get-Mailbox` binds each database to -Database).
    by_type: Vec<&'static ParameterSpec>,
    /// A streaming cmdlet's processor, once begun.
    processor: Option<Box<dyn Processor>>,
    /// `-OutVariable`, `-ErrorVariable`, `-WarningVariable`, `-InformationVariable`:
    /// captured as the command runs, assigned when it ends.
    out_variable: Option<(String, Vec<Value>, bool)>,
    captures: Vec<(String, super::Captured, bool)>,
    frames: Vec<StreamFrame>,
    /// `-PipelineVariable`: set to each object the cmdlet writes, in the pipeline's scope.
    pipeline_variable: Option<(String, Rc<Scope>)>,
    /// Whether the command ran at least once (a by-name cmdlet without input runs at the end).
    ran: bool,
}

impl CmdletStage {
    fn new(
        entry: &'static CmdletEntry,
        spec: &'static CmdletSpec,
        args: Vec<Argument>,
        span: Span,
        expecting_input: bool,
        stop: u64,
    ) -> CmdletStage {
        CmdletStage {
            entry,
            spec,
            args,
            span,
            expecting_input,
            stop,
            input: Vec::new(),
            by_name: by_property_name(spec),
            by_type: spec.parameters.iter().filter(|p| !p.pipeline_types.is_empty()).collect(),
            processor: None,
            out_variable: None,
            captures: Vec::new(),
            frames: Vec::new(),
            pipeline_variable: None,
            ran: false,
        }
    }

    fn options() -> BindOptions {
        BindOptions { collect_remaining: false, common_parameters: true, expecting_input: false }
    }

    /// Runs the cmdlet's function once with `input` bound, writing its output to `out`.
    fn run_once(
        &mut self,
        interp: &mut Interpreter,
        args: Vec<Argument>,
        input: Option<Vec<Value>>,
        out: &mut dyn Pipe,
    ) -> Exec<()> {
        let invocation = interp.bind_prompting(self.spec, args, input, self.span, Self::options())?;
        self.note_common(&invocation, &interp.current.clone());
        let frames = self.frames.clone();
        interp.with_streams(frames, |interp| {
            let client = interp.client.clone();
            let mut cx = Context::new(&client, interp);
            let result = (self.entry.run)(&invocation, &mut cx);
            let reports = Reports::from_context(cx);
            if let Some(flow) = interp.pending.take() {
                return Err(flow);
            }
            interp.route_reports(reports, Some(&invocation), self.span, &self.spec.name, out)?;
            let values = result.map_err(|mut e| {
                e.command.get_or_insert_with(|| self.spec.name.clone());
                e.span.get_or_insert(self.span);
                Flow::Error(e)
            })?;
            for v in values {
                if let Some((_, list, _)) = &mut self.out_variable {
                    list.push(v.clone());
                }
                emit(interp, out, &self.pipeline_variable, v)?;
            }
            Ok(())
        })
    }

    /// Sets up the captures the common parameters ask for, once.
    fn note_common(&mut self, invocation: &Invocation<'_>, scope: &Rc<Scope>) {
        if self.ran {
            return;
        }
        self.ran = true;
        if let Some(name) = invocation.common("PipelineVariable") {
            self.pipeline_variable = Some((name.to_display_string(), scope.clone()));
        }
        if let Some(name) = invocation.common("OutVariable") {
            let (name, append) = variable_target(name);
            self.out_variable = Some((name, Vec::new(), append));
        }
        for (common, stream) in [
            ("ErrorVariable", Stream::Error),
            ("WarningVariable", Stream::Warning),
            ("InformationVariable", Stream::Information),
        ] {
            if let Some(name) = invocation.common(common) {
                let (name, append) = variable_target(name);
                let list = Rc::new(RefCell::new(Vec::new()));
                self.frames.push(StreamFrame { stream, action: StreamAction::Capture(list.clone()) });
                self.captures.push((name, list, append));
            }
        }
    }

    fn finish_variables(&mut self, interp: &mut Interpreter) -> Exec<()> {
        if let Some((name, values, append)) = self.out_variable.take() {
            assign_list(interp, &name, values, append)?;
        }
        for (name, list, append) in std::mem::take(&mut self.captures) {
            let values = std::mem::take(&mut *list.borrow_mut());
            assign_list(interp, &name, values, append)?;
        }
        Ok(())
    }

    /// A streaming cmdlet: run `step` with a context, route its reports, write its output.
    fn stream_step(
        &mut self,
        interp: &mut Interpreter,
        out: &mut dyn Pipe,
        step: impl FnOnce(&mut dyn Processor, &mut Context<'_>, &mut Vec<Value>) -> Result<Step, ErrorRecord>,
    ) -> Exec<()> {
        let Some(processor) = self.processor.as_mut() else { return Ok(()) };
        let frames = self.frames.clone();
        let spec = self.spec;
        let span = self.span;
        let stop = self.stop;
        let out_variable = &mut self.out_variable;
        let pipeline_variable = &self.pipeline_variable;
        interp.with_streams(frames, |interp| {
            let client = interp.client.clone();
            let mut produced = Vec::new();
            let mut cx = Context::new(&client, interp);
            let result = step(processor.as_mut(), &mut cx, &mut produced);
            let reports = Reports::from_context(cx);
            if let Some(flow) = interp.pending.take() {
                return Err(flow);
            }
            interp.route_reports(reports, None, span, &spec.name, out)?;
            let step = result.map_err(|mut e| {
                e.command.get_or_insert_with(|| spec.name.clone());
                e.span.get_or_insert(span);
                Flow::Error(e)
            })?;
            for v in produced {
                if let Some((_, list, _)) = out_variable {
                    list.push(v.clone());
                }
                emit(interp, out, pipeline_variable, v)?;
            }
            match step {
                Step::Continue => Ok(()),
                Step::StopUpstream => Err(Flow::StopUpstream(stop)),
            }
        })
    }
}

impl Stage for CmdletStage {
    fn begin(&mut self, interp: &mut Interpreter, out: &mut dyn Pipe) -> Exec<()> {
        let Some(start) = self.entry.stream else {
            return Ok(());
        };
        let options = BindOptions { expecting_input: self.expecting_input, ..Self::options() };
        let invocation = interp.bind_prompting(self.spec, self.args.clone(), None, self.span, options)?;
        self.note_common(&invocation, &interp.current.clone());
        let frames = self.frames.clone();
        let spec = self.spec;
        let span = self.span;
        let pipeline_variable = self.pipeline_variable.clone();
        let processor = interp.with_streams(frames, |interp| {
            let client = interp.client.clone();
            let mut produced = Vec::new();
            let mut cx = Context::new(&client, interp);
            let result = start(&invocation, &mut cx, &mut produced);
            let reports = Reports::from_context(cx);
            interp.route_reports(reports, Some(&invocation), span, &spec.name, out)?;
            let processor = result.map_err(|mut e| {
                e.command.get_or_insert_with(|| spec.name.clone());
                e.span.get_or_insert(span);
                Flow::Error(e)
            })?;
            for v in produced {
                emit(interp, out, &pipeline_variable, v)?;
            }
            Ok::<_, Flow>(processor)
        })?;
        self.processor = Some(processor);
        Ok(())
    }

    fn process(&mut self, interp: &mut Interpreter, input: Option<Value>, out: &mut dyn Pipe) -> Exec<()> {
        if self.processor.is_some() {
            return self.stream_step(interp, out, |p, cx, o| p.process(input, cx, o));
        }
        let Some(item) = input else {
            return Ok(());
        };
        if let Some(parameter) = self.typed_target(&item) {
            // An object of a type a parameter takes binds to it alone, one at a time, in that
            // parameter's set (a piped database is -Database, not -Identity).
            let mut item_args = self.args.clone();
            item_args.push(Argument {
                kind: ArgumentKind::Parameter {
                    name: parameter.name.clone(),
                    value: Some(ArgValue { value: item, literal: None }),
                },
                span: self.span,
            });
            return self.run_once(interp, item_args, None, out);
        }
        let Some(by_name) = self.by_name.clone() else {
            self.input.push(item);
            return Ok(());
        };
        // Objects piped into a command that takes them only by property name are bound one at
        // a time, each from its own properties (`Get-StorageGroup | Get-StorageGroupCopyStatus`).
        let mut item_args = self.args.clone();
        for parameter in &by_name {
            let names = std::iter::once(&parameter.name).chain(&parameter.aliases);
            let value = names.map(|n| super::members::property(&item, n)).find(|v| *v != Value::Null);
            // A scalar (a name typed or read from a file) binds by value where the parameter
            // also takes the object itself.
            let by_value =
                matches!(parameter.pipeline, Some(crate::shell::spec::PipelineInput::ByValueAndPropertyName))
                    && matches!(item, Value::String(_) | Value::Int(_));
            let value = value.or_else(|| by_value.then(|| item.clone()));
            let given = self.args.iter().any(
                |a| matches!(&a.kind, ArgumentKind::Parameter { name, .. } if name.eq_ignore_ascii_case(&parameter.name)),
            );
            if let Some(value) = value
                && !given
            {
                let value = Some(ArgValue { value, literal: None });
                item_args.push(Argument {
                    kind: ArgumentKind::Parameter { name: parameter.name.clone(), value },
                    span: self.span,
                });
            }
        }
        self.run_once(interp, item_args, None, out)
    }

    fn end(&mut self, interp: &mut Interpreter, out: &mut dyn Pipe) -> Exec<()> {
        if self.processor.is_some() {
            self.stream_step(interp, out, |p, cx, o| p.end(cx, o).map(|()| Step::Continue))?;
            return self.finish_variables(interp);
        }
        // Every object piped in went to a parameter by its type: the command has run for each.
        if self.ran && self.input.is_empty() && self.by_name.is_none() {
            return self.finish_variables(interp);
        }
        if self.by_name.is_some() {
            if !self.ran && !self.expecting_input {
                self.run_once(interp, self.args.clone(), None, out)?;
            }
            return self.finish_variables(interp);
        }
        let input = if self.expecting_input { Some(std::mem::take(&mut self.input)) } else { None };
        self.run_once(interp, self.args.clone(), input, out)?;
        self.finish_variables(interp)
    }
}

impl CmdletStage {
    /// The parameter that takes `item` by its type, unless the command line gave it already.
    fn typed_target(&self, item: &Value) -> Option<&'static ParameterSpec> {
        let Value::Record(record) = item else { return None };
        let type_name = record.borrow().type_name.clone();
        self.by_type.iter().copied().find(|p| {
            p.takes_piped_type(&type_name)
                && !self.args.iter().any(
                    |a| matches!(&a.kind, ArgumentKind::Parameter { name, .. } if p.name.eq_ignore_ascii_case(name)),
                )
        })
    }
}

/// Writes a command's output object on, its `-PipelineVariable` (if any) set to it first.
fn emit(
    interp: &mut Interpreter,
    out: &mut dyn Pipe,
    pipeline_variable: &Option<(String, Rc<Scope>)>,
    value: Value,
) -> Exec<()> {
    if let Some((name, scope)) = pipeline_variable {
        interp.set_variable_in(scope, name, value.clone()).map_err(Flow::Error)?;
    }
    out.write(interp, value)
}

/// `-OutVariable +name` appends; `name` replaces.
fn variable_target(value: &Value) -> (String, bool) {
    let text = value.to_display_string();
    match text.strip_prefix('+') {
        Some(rest) => (rest.to_string(), true),
        None => (text, false),
    }
}

/// Assigns captured values to a variable (appending to what it holds with `+name`).
pub(super) fn assign_list(interp: &mut Interpreter, name: &str, values: Vec<Value>, append: bool) -> Exec<()> {
    let value = if append {
        let mut all = super::unroll(interp.variable(name));
        all.extend(values);
        Value::array(all)
    } else {
        Value::array(values)
    };
    interp.set_variable(name, value).map_err(Flow::Error)
}

/// The parameters that take pipeline input by property name, when no parameter takes it by
/// value: the command then runs once per piped object.
fn by_property_name(spec: &'static CmdletSpec) -> Option<Vec<&'static ParameterSpec>> {
    use crate::shell::spec::PipelineInput;
    let by_value =
        spec.parameters.iter().any(|p| p.takes_any_by_value() && matches!(p.pipeline, Some(PipelineInput::ByValue)));
    let by_name: Vec<_> = spec
        .parameters
        .iter()
        .filter(|p| matches!(p.pipeline, Some(PipelineInput::ByPropertyName | PipelineInput::ByValueAndPropertyName)))
        .collect();
    (!by_value && !by_name.is_empty()).then_some(by_name)
}
