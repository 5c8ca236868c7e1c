//! Functions, script blocks and script parameters: a `param()` block becomes a cmdlet spec
//! (so binding, prefixes, positions, switches, validation and PowerShell's messages are the
//! same as for cmdlets), then the body runs in a new scope with the bound values.
//!
//! Must not: parse or print.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::{Exec, Flow, Interpreter, convert};
use crate::shell::bind::{self, ArgValue, Argument, ArgumentKind, BindOptions, Invocation};
use crate::shell::error_record::ErrorRecord;
use crate::shell::spec::{CmdletSpec, ConfirmImpact, ParamType, ParameterSpec, PipelineInput};
use crate::shell::syntax::{Attribute, Expr, FunctionDef, ParamBlock, Span};
use crate::shell::value::{Hashtable, Record, Source, Value};

/// The type name of `$PSCmdlet` in an advanced function.
pub const SCRIPT_CMDLET_TYPE: &str = "System.Management.Automation.PSScriptCmdlet";

/// A defined function (or an invoked script block) and what binding needs to know about it.
pub struct Function {
    pub def: Rc<FunctionDef>,
    pub source: Rc<Source>,
    signature: OnceCell<Signature>,
}

/// A `param()` block turned into a spec, plus what the spec cannot say.
struct Signature {
    spec: CmdletSpec,
    /// `[CmdletBinding()]` or any `[Parameter()]`: common parameters, no `$args`.
    advanced: bool,
    /// Declared type names the binder does not convert to, applied after binding.
    types: Vec<(String, String)>,
    /// Every declared type name, for values bound one pipeline object at a time.
    declared: Vec<(String, String)>,
    /// Parameters with `[ValidateNotNullOrEmpty()]`.
    not_empty: Vec<String>,
    /// Default value expressions, evaluated in the new scope when the parameter is unbound.
    defaults: Vec<(String, Expr)>,
}

impl Function {
    pub fn new(def: Rc<FunctionDef>, source: Rc<Source>) -> Function {
        Function { def, source, signature: OnceCell::new() }
    }
}

fn attribute<'a>(attributes: &'a [Attribute], name: &str) -> Option<&'a Attribute> {
    attributes.iter().find(|a| {
        a.name.eq_ignore_ascii_case(name)
            || a.name.eq_ignore_ascii_case(&format!("System.Management.Automation.{name}Attribute"))
    })
}

/// A named argument of an attribute: `Mandatory` alone is `$true`.
fn named(interp: &mut Interpreter, attribute: &Attribute, name: &str) -> Exec<Option<Value>> {
    match attribute.named.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
        None => Ok(None),
        Some((_, None)) => Ok(Some(Value::Bool(true))),
        Some((_, Some(e))) => Ok(Some(interp.eval(e)?)),
    }
}

fn positional_values(interp: &mut Interpreter, attribute: &Attribute) -> Exec<Vec<Value>> {
    let mut values = Vec::new();
    for e in &attribute.positional {
        match interp.eval(e)? {
            Value::Array(items) => values.extend(items.borrow().iter().cloned()),
            v => values.push(v),
        }
    }
    Ok(values)
}

fn param_type(type_name: Option<&str>) -> ParamType {
    match type_name.map(convert::canonical_type).as_deref() {
        Some("string") => ParamType::String,
        Some("string[]") => ParamType::StringArray,
        Some("int") => ParamType::Int32,
        Some("long") => ParamType::Int64,
        Some("double") => ParamType::Double,
        Some("bool") => ParamType::Boolean,
        Some("switch") => ParamType::SwitchParameter,
        Some("timespan") => ParamType::TimeSpan,
        Some("scriptblock") => ParamType::ScriptBlock,
        _ => ParamType::PSObject,
    }
}

/// Builds the signature of a `param()` block.
fn signature(interp: &mut Interpreter, name: &str, param: Option<&ParamBlock>) -> Exec<Signature> {
    let empty = ParamBlock { attributes: Vec::new(), parameters: Vec::new(), span: Span::default() };
    let param = param.unwrap_or(&empty);
    let binding = attribute(&param.attributes, "CmdletBinding");
    let mut advanced = binding.is_some();
    let mut confirm_impact = None;
    let mut positional_binding = true;
    let mut default_set = "__AllParameterSets".to_string();
    if let Some(b) = binding {
        if named(interp, b, "SupportsShouldProcess")?.is_some_and(|v| v.is_truthy()) {
            confirm_impact = Some(ConfirmImpact::Medium);
        }
        if let Some(impact) = named(interp, b, "ConfirmImpact")? {
            confirm_impact = Some(match impact.to_display_string().to_ascii_lowercase().as_str() {
                "none" => ConfirmImpact::None,
                "low" => ConfirmImpact::Low,
                "high" => ConfirmImpact::High,
                _ => ConfirmImpact::Medium,
            });
        }
        if named(interp, b, "PositionalBinding")?.is_some_and(|v| !v.is_truthy()) {
            positional_binding = false;
        }
        if let Some(set) = named(interp, b, "DefaultParameterSetName")? {
            default_set = set.to_display_string();
        }
    }
    let mut parameters = Vec::new();
    let mut types = Vec::new();
    let mut not_empty = Vec::new();
    let mut defaults = Vec::new();
    let mut declared = Vec::new();
    let explicit_positions = param.parameters.iter().any(|p| {
        attribute(&p.attributes, "Parameter")
            .is_some_and(|a| a.named.iter().any(|(n, _)| n.eq_ignore_ascii_case("Position")))
    });
    let mut next_position = 0u32;
    for decl in &param.parameters {
        let kind = param_type(decl.type_name.as_deref());
        let mut spec = ParameterSpec {
            name: decl.name.clone(),
            kind,
            description: String::new(),
            mandatory: false,
            position: None,
            aliases: Vec::new(),
            sets: Vec::new(),
            values: Vec::new(),
            range: None,
            pipeline: None,
            default: None,
            wildcards: false,
            remaining: false,
        };
        if let Some(p) = attribute(&decl.attributes, "Parameter") {
            advanced = true;
            spec.mandatory = named(interp, p, "Mandatory")?.is_some_and(|v| v.is_truthy());
            if let Some(position) = named(interp, p, "Position")? {
                spec.position = convert::to_number(&position).map(|n| n.as_f64() as u32);
            }
            if let Some(set) = named(interp, p, "ParameterSetName")? {
                spec.sets = vec![set.to_display_string()];
            }
            let by_value = named(interp, p, "ValueFromPipeline")?.is_some_and(|v| v.is_truthy());
            let by_name = named(interp, p, "ValueFromPipelineByPropertyName")?.is_some_and(|v| v.is_truthy());
            spec.pipeline = match (by_value, by_name) {
                (true, true) => Some(PipelineInput::ByValueAndPropertyName),
                (true, false) => Some(PipelineInput::ByValue),
                (false, true) => Some(PipelineInput::ByPropertyName),
                _ => None,
            };
        }
        if !explicit_positions && positional_binding && kind != ParamType::SwitchParameter {
            spec.position = Some(next_position);
            next_position += 1;
        }
        if let Some(a) = attribute(&decl.attributes, "Alias") {
            spec.aliases = positional_values(interp, a)?.iter().map(Value::to_display_string).collect();
        }
        if let Some(a) = attribute(&decl.attributes, "ValidateSet") {
            spec.values = positional_values(interp, a)?.iter().map(Value::to_display_string).collect();
        }
        if let Some(a) = attribute(&decl.attributes, "ValidateRange") {
            let bounds = positional_values(interp, a)?;
            if let [low, high] = bounds.as_slice() {
                let n = |v: &Value| convert::to_number(v).map_or(0, |n| n.as_f64() as i64);
                spec.range = Some([n(low), n(high)]);
            }
        }
        if attribute(&decl.attributes, "ValidateNotNullOrEmpty").is_some()
            || attribute(&decl.attributes, "ValidateNotNull").is_some()
        {
            not_empty.push(decl.name.clone());
        }
        if let Some(t) = &decl.type_name
            && kind == ParamType::PSObject
        {
            types.push((decl.name.clone(), t.clone()));
        }
        if let Some(t) = &decl.type_name {
            declared.push((decl.name.clone(), t.clone()));
        }
        if let Some(default) = &decl.default {
            defaults.push((decl.name.clone(), default.clone()));
        }
        parameters.push(spec);
    }
    let spec = CmdletSpec {
        name: name.to_string(),
        synopsis: String::new(),
        description: String::new(),
        module: String::new(),
        confirm_impact,
        confirmation: None,
        default_parameter_set: default_set,
        output_type: None,
        view: None,
        parameters,
        examples: Vec::new(),
    };
    Ok(Signature { spec, advanced, types, declared, not_empty, defaults })
}

/// Where a call's variables live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// A child scope (functions, `& { }`).
    New,
    /// The caller's scope (`. { }`).
    Current,
}

/// How deeply functions and script blocks may call each other (Windows PowerShell 1.0's limit).
pub const MAX_CALL_DEPTH: usize = 100;

/// Calls a function (or script block) with `args` and pipeline `input`.
pub fn call(
    interp: &mut Interpreter,
    function: &Function,
    args: Vec<Argument>,
    input: Option<Vec<Value>>,
    span: Span,
    scope: Scope,
) -> Exec<Vec<Value>> {
    if function.signature.get().is_none() {
        let built = signature(interp, &function.def.name, function.def.body.param.as_ref())?;
        let _ = function.signature.set(built);
    }
    let Some(sig) = function.signature.get() else {
        return Ok(Vec::new());
    };
    let pipeline_parameter = sig.spec.parameters.iter().find(|p| p.pipeline.is_some()).map(|p| p.name.clone());
    let body = &function.def.body;
    // With a process block, the pipeline parameter takes one object at a time; binding sees
    // the first so a mandatory pipeline parameter is satisfied.
    let bind_input = match (&pipeline_parameter, &body.process) {
        (None, _) => None,
        (Some(_), Some(_)) => input.as_ref().and_then(|items| items.first().cloned()).map(|first| vec![first]),
        (Some(_), None) => input.clone(),
    };
    let options = BindOptions { collect_remaining: !sig.advanced, common_parameters: sig.advanced };
    let invocation = interp.bind_prompting(&sig.spec, args, bind_input, span, options)?;
    if interp.call_depth >= MAX_CALL_DEPTH {
        return Err(Flow::Error(
            ErrorRecord::new(
                "CallDepthOverflow",
                "InvalidOperation",
                format!("The script failed due to call depth overflow. Calls nest at most {MAX_CALL_DEPTH} deep; check '{}' for recursion that never ends.", sig.spec.name),
            )
            .exception("System.Management.Automation.ScriptCallDepthException")
            .at(span),
        ));
    }
    interp.call_depth += 1;
    if scope == Scope::New {
        interp.scopes.push(HashMap::new());
    }
    let previous = std::mem::replace(&mut interp.source, function.source.clone());
    let result = (|| {
        set_parameters(interp, sig, &invocation)?;
        let items = input.unwrap_or_default();
        interp.set_local("input", Value::array(items.clone()));
        let mut out = Vec::new();
        if let Some(begin) = &body.begin {
            finish_block(interp.exec_block(begin, &mut out))?;
        }
        if let Some(process) = &body.process {
            // Without pipeline input the process block runs once.
            let runs: Vec<Option<Value>> =
                if items.is_empty() { vec![None] } else { items.into_iter().map(Some).collect() };
            for item in runs {
                if let Some(item) = item {
                    if let Some(name) = &pipeline_parameter {
                        let value = match sig.declared.iter().find(|(n, _)| n == name) {
                            Some((_, t)) => convert::cast(t, &item).map_err(Flow::Error)?,
                            None => item.clone(),
                        };
                        interp.set_local(name, value);
                    }
                    interp.set_local("_", item);
                }
                finish_block(interp.exec_block(process, &mut out))?;
            }
        }
        finish_block(interp.exec_block(&body.statements, &mut out))?;
        Ok(out)
    })();
    interp.source = previous;
    interp.call_depth -= 1;
    if scope == Scope::New {
        interp.pop_scope();
    }
    result
}

/// `return` ends a block normally; other flows go on up.
fn finish_block(result: Exec<()>) -> Exec<()> {
    match result {
        Ok(()) | Err(Flow::Return) => Ok(()),
        Err(other) => Err(other),
    }
}

/// Sets the bound (or default) value of every parameter in the current scope, and the
/// automatic `$args` and `$PSBoundParameters`.
fn set_parameters(interp: &mut Interpreter, sig: &Signature, invocation: &Invocation<'_>) -> Exec<()> {
    let mut bound = Hashtable::new();
    for p in &sig.spec.parameters {
        let value = match invocation.get(&p.name) {
            Some(v) => {
                let v = match sig.types.iter().find(|(n, _)| n == &p.name) {
                    Some((_, t)) => convert::cast(t, v).map_err(|e| {
                        Flow::Error(
                            ErrorRecord {
                                message: format!(
                                    "Cannot process argument transformation on parameter '{}'. {}",
                                    p.name, e.message
                                ),
                                error_id: "ParameterArgumentTransformationError".into(),
                                ..e
                            }
                            .at(invocation.span)
                            .in_command(&sig.spec.name),
                        )
                    })?,
                    None => v.clone(),
                };
                bound.insert(Value::String(p.name.clone()), v.clone());
                v
            }
            None => match sig.defaults.iter().find(|(n, _)| n == &p.name) {
                Some((_, expr)) => interp.eval(expr)?,
                None if p.is_switch() => Value::Bool(false),
                None => Value::Null,
            },
        };
        if sig.not_empty.iter().any(|n| n == &p.name)
            && invocation.get(&p.name).is_some()
            && !value.is_truthy()
            && value != Value::Bool(false)
        {
            return Err(Flow::Error(
                ErrorRecord::new(
                    "ParameterArgumentValidationError",
                    "InvalidData",
                    format!("Cannot validate argument on parameter '{}'. The argument is null or empty. Provide an argument that is not null or empty, and then try the command again.", p.name),
                )
                .at(invocation.span)
                .in_command(&sig.spec.name),
            ));
        }
        interp.set_local(&p.name, value);
        // A typed parameter stays typed: `[int]$n` then `$n = '9'` stores 9.
        if let Some((_, t)) = sig.declared.iter().find(|(n, _)| n == &p.name) {
            interp.constrain(&p.name, Some(t));
        }
    }
    if sig.advanced {
        let impact = sig.spec.confirm_impact.map_or("None".to_string(), |i| format!("{i:?}"));
        let cmdlet = Record::new(SCRIPT_CMDLET_TYPE)
            .with("CommandName", sig.spec.name.as_str())
            .with("ConfirmImpact", impact)
            .with("WhatIf", invocation.common("WhatIf").cloned())
            .with("Confirm", invocation.common("Confirm").cloned())
            .with("Verbose", invocation.common("Verbose").cloned());
        interp.set_local("PSCmdlet", Value::record(cmdlet));
    }
    for (name, value) in &invocation.common {
        match *name {
            "ErrorAction" => interp.set_local("ErrorActionPreference", value.clone()),
            "WarningAction" => interp.set_local("WarningPreference", value.clone()),
            "Confirm" if value.is_truthy() => interp.set_local("ConfirmPreference", Value::from("Low")),
            "Confirm" => interp.set_local("ConfirmPreference", Value::from("None")),
            "Verbose" => interp.set_local(
                "VerbosePreference",
                Value::from(if value.is_truthy() { "Continue" } else { "SilentlyContinue" }),
            ),
            "WhatIf" => interp.set_local("WhatIfPreference", value.clone()),
            _ => {}
        }
    }
    interp.set_local("psboundparameters", bound.into_value());
    interp.set_local("args", Value::array(invocation.remaining.clone()));
    Ok(())
}

/// Binds a script's command-line arguments to its `param()` block, in the script scope.
pub fn bind_script_parameters(interp: &mut Interpreter, param: Option<&ParamBlock>, args: Vec<Argument>) -> Exec<()> {
    let name = interp.source.file.clone().unwrap_or_else(|| "script".into());
    let sig = signature(interp, &name, param)?;
    let options = BindOptions { collect_remaining: !sig.advanced, common_parameters: sig.advanced };
    let invocation = interp.bind_prompting(&sig.spec, args, None, Span::default(), options)?;
    set_parameters(interp, &sig, &invocation)
}

/// A script's command-line arguments as a user would type them after the script name:
/// `-Name value`, `-Name:value`, `-Switch`, and plain values.
pub fn script_arguments(args: &[String]) -> Vec<Argument> {
    args.iter()
        .map(|a| {
            let span = Span::default();
            let as_value = |text: &str| {
                let value = match text.to_ascii_lowercase().as_str() {
                    "$true" => Value::Bool(true),
                    "$false" => Value::Bool(false),
                    "$null" => Value::Null,
                    _ => Value::String(text.to_string()),
                };
                ArgValue { value, literal: None }
            };
            let dash = a.chars().next().is_some_and(crate::shell::syntax::chars::is_dash);
            let name_start = a.chars().nth(1).is_some_and(crate::shell::syntax::chars::starts_parameter_name);
            if dash && name_start {
                let body = &a[a.chars().next().map_or(1, char::len_utf8)..];
                let (name, value) = match body.split_once(':') {
                    Some((n, v)) => (n.to_string(), Some(as_value(v))),
                    None => (body.to_string(), None),
                };
                Argument { kind: ArgumentKind::Parameter { name, value }, span }
            } else {
                Argument { kind: ArgumentKind::Value(as_value(a)), span }
            }
        })
        .collect()
}

impl Interpreter {
    /// Binds, prompting for missing mandatory parameters when the session can prompt, as
    /// PowerShell does (`Supply values for the following parameters:`).
    pub(super) fn bind_prompting<'s>(
        &mut self,
        spec: &'s CmdletSpec,
        mut args: Vec<Argument>,
        input: Option<Vec<Value>>,
        span: Span,
        options: BindOptions,
    ) -> Exec<Invocation<'s>> {
        match bind::bind(spec, &args, input.clone(), span, options) {
            Err(e) if e.error_id == "MissingMandatoryParameter" => {
                let missing: Vec<String> = e
                    .target
                    .clone()
                    .unwrap_or_default()
                    .split(' ')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
                let header = format!(
                    "\ncmdlet {} at command pipeline position 1\nSupply values for the following parameters:",
                    spec.name
                );
                for name in &missing {
                    let prompt = if name == &missing[0] { format!("{header}\n{name}: ") } else { format!("{name}: ") };
                    let answer = match self.host.read_line(&prompt) {
                        Ok(answer) => answer,
                        // Ctrl+C: the command is cancelled, not merely left unbound.
                        Err(stopped) if stopped.error_id == "PipelineStopped" => return Err(Flow::Error(stopped)),
                        Err(_) => return Err(Flow::Error(e)),
                    };
                    let value = Some(ArgValue { value: Value::String(answer), literal: None });
                    args.push(Argument { kind: ArgumentKind::Parameter { name: name.clone(), value }, span });
                }
                bind::bind(spec, &args, input, span, options).map_err(Flow::Error)
            }
            other => other.map_err(Flow::Error),
        }
    }
}
