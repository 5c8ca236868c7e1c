//! A session runs text: it parses it, binds and runs each statement's pipeline, shows the
//! output and errors, and keeps `$?` and the session's variables between runs. The REPL, the
//! script runner and `-Command` are thin layers over [`Session::run`].
//!
//! Must not: parse the process command line, read files or terminals, or speak HTTP itself
//! (cmdlets do, through `client`).

use std::collections::HashMap;
use std::io::Write;

use super::bind;
use super::client::Client;
use super::cmdlets::{Context, Registry};
use super::did_you_mean::closest;
use super::error_record::{ErrorRecord, Severity};
use super::render::{self, SourceName};
use super::syntax::{self, Command, Expr, Pipeline, PipelineElement, Statement};
use super::value::Value;

/// How a session may interact with its user.
#[derive(Debug, Clone, Copy, Default)]
pub struct SessionOptions {
    /// `-NonInteractive`, or no terminal on standard input: a prompt is an error.
    pub non_interactive: bool,
}

/// What running one text led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// `exit N` ran.
    pub exit: Option<i32>,
    /// A script-terminating error (a parse error, `throw`) stopped the text.
    pub terminated: bool,
}

/// One shell session.
pub struct Session {
    client: Client,
    pub options: SessionOptions,
    last_ok: bool,
    /// User variables, by lower-cased name.
    variables: HashMap<String, Value>,
    out: Box<dyn Write>,
    err: Box<dyn Write>,
    width: usize,
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
        Session {
            client,
            options,
            last_ok: true,
            variables: HashMap::new(),
            out,
            err,
            width,
        }
    }

    /// `$?`: whether the last statement succeeded.
    pub fn last_succeeded(&self) -> bool {
        self.last_ok
    }

    pub fn set_variable(&mut self, name: &str, value: Value) {
        self.variables.insert(name.to_lowercase(), value);
    }

    /// Runs `source`; `name` says where it came from, for error positions.
    pub fn run(&mut self, source: &str, name: &SourceName) -> Outcome {
        let script = match syntax::parse(source) {
            Ok(script) => script,
            Err(e) => {
                self.report(&ErrorRecord::from_syntax(&e), source, name);
                self.last_ok = false;
                return Outcome {
                    exit: None,
                    terminated: true,
                };
            }
        };
        for statement in &script.statements {
            match statement {
                Statement::Exit { code, span } => {
                    let code = match code.as_ref().map(|c| self.exit_code(c)).transpose() {
                        Ok(code) => code.unwrap_or(0),
                        Err(e) => {
                            self.report(&e.at(*span), source, name);
                            self.last_ok = false;
                            continue;
                        }
                    };
                    let _ = self.out.flush();
                    return Outcome {
                        exit: Some(code),
                        terminated: false,
                    };
                }
                Statement::Pipeline(pipeline) => {
                    let result = self.run_pipeline(pipeline);
                    match result {
                        Ok(values) => {
                            let registry = Registry::global();
                            let shown = render::write_values(
                                &mut self.out,
                                &values,
                                &|t| registry.view_for(t),
                                self.width,
                            );
                            if let Err(e) = shown {
                                // A closed pipe (`| head`) ends output quietly, as other shells do.
                                if e.kind() != std::io::ErrorKind::BrokenPipe {
                                    let _ =
                                        writeln!(self.err, "ccrsh: could not write output: {e}");
                                }
                            }
                            self.last_ok = true;
                        }
                        Err(error) => {
                            self.report(&error, source, name);
                            self.last_ok = false;
                            if error.severity == Severity::ScriptTerminating {
                                return Outcome {
                                    exit: None,
                                    terminated: true,
                                };
                            }
                        }
                    }
                }
            }
        }
        let _ = self.out.flush();
        Outcome {
            exit: None,
            terminated: false,
        }
    }

    fn report(&mut self, error: &ErrorRecord, source: &str, name: &SourceName) {
        let _ = self.out.flush();
        let _ = render::write_error(&mut self.err, error, source, name);
        let _ = self.err.flush();
    }

    fn run_pipeline(&mut self, pipeline: &Pipeline) -> Result<Vec<Value>, ErrorRecord> {
        let mut input: Option<Vec<Value>> = None;
        for element in &pipeline.elements {
            let output = match element {
                PipelineElement::Expression(expr) => match self.evaluate(expr) {
                    Value::Array(items) => items,
                    Value::Null => Vec::new(),
                    one => vec![one],
                },
                PipelineElement::Command(command) => self.run_command(command, input.take())?,
            };
            input = Some(output);
        }
        Ok(input.unwrap_or_default())
    }

    fn run_command(
        &mut self,
        command: &Command,
        input: Option<Vec<Value>>,
    ) -> Result<Vec<Value>, ErrorRecord> {
        let registry = Registry::global();
        // As in PowerShell, `StorageGroup` finds `Get-StorageGroup` when nothing else matches.
        let found = registry
            .find(&command.name)
            .or_else(|| registry.find(&format!("Get-{}", command.name)));
        let Some(found) = found else {
            return Err(ErrorRecord::command_not_found(
                &command.name,
                command.name_span,
                closest(&command.name, registry.names()),
            ));
        };
        let found = found.map_err(|e| {
            ErrorRecord::new(
                "CmdletSpecInvalid",
                "MetadataError",
                format!("The spec of {} is invalid: {e}", command.name),
            )
            .at(command.name_span)
            .with_hint("This is a defect in this build of ccrsh; the spec tests catch it.")
        })?;
        let invocation = bind::bind(command, found.spec, input, &|n| self.variable(n))?;
        let mut cx = Context {
            client: &self.client,
            warnings: Vec::new(),
        };
        let result = (found.entry.run)(&invocation, &mut cx);
        for warning in std::mem::take(&mut cx.warnings) {
            let _ = render::write_warning(&mut self.err, &warning);
        }
        result.map_err(|mut e| {
            e.command.get_or_insert_with(|| found.spec.name.clone());
            e.span.get_or_insert(command.span);
            e
        })
    }

    /// The value of an expression in statement position.
    fn evaluate(&self, expr: &Expr) -> Value {
        bind::literal_value(expr, &|name| self.variable(name))
    }

    /// `$name`: the automatic constants, `$?`, `$env:NAME`, then session variables; an unset
    /// variable is `$null`, as without strict mode.
    fn variable(&self, name: &str) -> Value {
        let lower = name.to_lowercase();
        match lower.as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "null" => Value::Null,
            "?" => Value::Bool(self.last_ok),
            _ => {
                if let Some(var) = lower.strip_prefix("env:") {
                    let key = &name[name.len() - var.len()..];
                    return std::env::var(key).map_or(Value::Null, Value::String);
                }
                self.variables.get(&lower).cloned().unwrap_or(Value::Null)
            }
        }
    }

    fn exit_code(&self, expr: &Expr) -> Result<i32, ErrorRecord> {
        let value = self.evaluate(expr);
        let code = match &value {
            Value::Int(i) => i32::try_from(*i).ok(),
            Value::String(s) => s.trim().parse().ok(),
            Value::Bool(b) => Some(i32::from(*b)),
            Value::Null => Some(0),
            _ => None,
        };
        code.ok_or_else(|| {
            ErrorRecord::new(
                "RuntimeException",
                "InvalidArgument",
                format!(
                    "Cannot convert value \"{}\" to type \"System.Int32\".",
                    value.to_display_string()
                ),
            )
            .with_hint("Give exit a whole number, e.g. exit 2.")
        })
    }
}
