//! Functions, script blocks and scripts as commands. A `param()` block becomes a cmdlet spec
//! (so binding, prefixes, aliases, positions, parameter sets and PowerShell's messages are the
//! same as for cmdlets); what a spec cannot say — parameter types, validation attributes,
//! `AllowNull`, pipeline binding by value and by property name — is applied here. A call is a
//! pipeline [`Stage`]: `begin`, `process` once per input object, `end`, and `clean` whatever
//! happened, each in the function's own scope with `$_`, `$input`, `$args`,
//! `$PSBoundParameters`, `$MyInvocation` and (for advanced functions) `$PSCmdlet`.
//!
//! Must not: parse or print.

use std::cell::{OnceCell, RefCell};
use std::rc::Rc;

use regex::RegexBuilder;

use super::pipeline::{Stage, assign_list};
use super::scope::{Constraint, Scope, ScopeKind};
use super::streams::{StreamAction, StreamFrame};
use super::{Confirmation, Engine, Exec, Flow, Interpreter, Pipe, collect, confirm_threshold, convert};
use crate::shell::bind::{self, ArgValue, Argument, ArgumentKind, BindOptions, Invocation};
use crate::shell::error_record::{ErrorRecord, Severity, floor_char_boundary};
use crate::shell::spec::{CmdletSpec, ConfirmImpact, ParamType, ParameterSpec, PipelineInput};
use crate::shell::syntax::{Attribute, Expr, Name, ParamBlock, ScriptBlockDef, Span, Statement, Stream};
use crate::shell::value::{Hashtable, Record, ScriptBlock, Source, Value};

/// The type name of `$PSCmdlet` in an advanced function.
pub const SCRIPT_CMDLET_TYPE: &str = "System.Management.Automation.PSScriptCmdlet";

/// How deeply functions and script blocks may call each other (Windows PowerShell 1.0's limit).
pub const MAX_CALL_DEPTH: usize = 100;

/// A defined function (or an invoked script block or script file).
pub struct Function {
    pub name: Name,
    pub body: Rc<ScriptBlockDef>,
    pub source: Rc<Source>,
    /// A script file run as a command (`& ./x.ps1`, `-File`): its `$MyInvocation.MyCommand`
    /// is an ExternalScriptInfo.
    script: bool,
    signature: OnceCell<Rc<Signature>>,
}

impl std::fmt::Debug for Function {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Function({})", self.name)
    }
}

impl Function {
    pub fn new(name: Name, body: Rc<ScriptBlockDef>, source: Rc<Source>) -> Function {
        Function { name, body, source, script: false, signature: OnceCell::new() }
    }

    pub fn from_block(name: Name, block: &ScriptBlock) -> Function {
        Function::new(name, block.def.clone(), block.source.clone())
    }

    /// A script file, called by `name` as typed; `block.source.file` is its full path.
    pub fn script(name: Name, block: &ScriptBlock) -> Function {
        Function { script: true, ..Function::from_block(name, block) }
    }

    fn signature(&self, interp: &mut Interpreter) -> Exec<Rc<Signature>> {
        if let Some(sig) = self.signature.get() {
            return Ok(sig.clone());
        }
        let previous = std::mem::replace(&mut interp.source, self.source.clone());
        let built = signature(interp, &self.name, self.body.param.as_deref());
        interp.source = previous;
        let built = Rc::new(built?);
        let _ = self.signature.set(built.clone());
        Ok(built)
    }
}

/// A declared parameter's rules beyond what the spec holds.
#[derive(Debug, Clone, Default)]
struct ParamRules {
    name: String,
    type_name: Option<String>,
    /// Validation attributes, applied in order.
    attributes: Vec<Attribute>,
    allow_null: bool,
    allow_empty_string: bool,
    allow_empty_collection: bool,
    mandatory: bool,
    by_value: bool,
    by_name: bool,
    aliases: Vec<String>,
    default: Option<Expr>,
}

/// A `param()` block turned into a spec, plus what the spec cannot say.
struct Signature {
    spec: CmdletSpec,
    /// `[CmdletBinding()]` or any `[Parameter()]`: common parameters, no `$args`.
    advanced: bool,
    rules: Vec<ParamRules>,
}

fn attribute<'a>(attributes: &'a [Attribute], name: &str) -> Option<&'a Attribute> {
    attributes.iter().find(|a| a.is(name))
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
    for e in attribute.positional.iter() {
        match interp.eval(e)? {
            Value::Array(items) => values.extend(items.borrow().iter().cloned()),
            v => values.push(v),
        }
    }
    Ok(values)
}

/// Refuses a validation attribute whose own arguments are wrong, as .NET does when it
/// constructs the attribute (the function's first call): negative or crossed counts and
/// lengths, crossed or mixed-type ranges, an unknown range kind.
fn check_attribute(interp: &mut Interpreter, a: &Attribute) -> Exec<()> {
    let counted = a.is("ValidateCount") || a.is("ValidateLength");
    if !counted && !a.is("ValidateRange") {
        return Ok(());
    }
    let args = positional_values(interp, a)?;
    let fail = |id: &str, message: String| {
        Err(Flow::Error(
            ErrorRecord::new(id, "MetadataError", message)
                .exception("System.Management.Automation.MetadataException")
                .severity(Severity::StatementTerminating)
                .at(a.span),
        ))
    };
    let number = |v: &Value| convert::to_number(v).map(|n| n.as_f64());
    if counted {
        let (Some(min), Some(max)) = (args.first().and_then(number), args.get(1).and_then(number)) else {
            return Ok(());
        };
        if min < 0.0 || max < 0.0 {
            return fail(
                "ExceptionConstructingAttribute",
                format!("Cannot create attribute {}: the minimum and maximum must not be negative.", a.name),
            );
        }
        if max < min {
            return fail(
                "ValidateRangeMaxLengthSmallerThanMinLength",
                "The specified maximum length must be greater than or equal to the minimum length.".into(),
            );
        }
        return Ok(());
    }
    match args.as_slice() {
        [kind] if !matches!(kind, Value::Int(_) | Value::Real(_) | Value::Number(_)) => {
            let text = kind.to_display_string().to_ascii_lowercase();
            if !["positive", "nonnegative", "negative", "nonpositive"].contains(&text.as_str()) {
                let mut record = ErrorRecord::new(
                    "ExceptionConstructingAttribute",
                    "MetadataError",
                    format!(
                        "Cannot convert value \"{}\" to type \"System.Management.Automation.ValidateRangeKind\". Specify one of the following enumerator names and try again: Positive, NonNegative, Negative, NonPositive",
                        kind.to_display_string()
                    ),
                )
                .exception("System.Management.Automation.MetadataException")
                .severity(Severity::StatementTerminating)
                .at(a.span);
                record = record.with_inner("SubstringDisambiguationEnumParseThrewAnException");
                return Err(Flow::Error(record));
            }
        }
        [low, high] => {
            let is_number = |v: &Value| matches!(v, Value::Int(_) | Value::Real(_) | Value::Number(_));
            if is_number(low) != is_number(high) || convert::type_name(low) != convert::type_name(high) {
                return fail(
                    "MinRangeNotTheSameTypeOfMaxRange",
                    format!(
                        "The minimum range ({}) and maximum range ({}) of the ValidateRange attribute must be of the same type.",
                        low.to_display_string(),
                        high.to_display_string()
                    ),
                );
            }
            if let (Some(l), Some(h)) = (number(low), number(high))
                && h < l
            {
                return fail(
                    "MaxRangeSmallerThanMinRange",
                    "The specified maximum range cannot be less than the specified minimum range.".into(),
                );
            }
        }
        _ => {}
    }
    Ok(())
}

/// Builds the signature of a `param()` block.
fn signature(interp: &mut Interpreter, name: &str, param: Option<&ParamBlock>) -> Exec<Signature> {
    let empty = ParamBlock { attributes: Box::new([]), parameters: Box::new([]), span: Span::default() };
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
    let mut rules = Vec::new();
    let explicit_positions = param.parameters.iter().any(|p| {
        p.attributes
            .iter()
            .filter(|a| a.is("Parameter"))
            .any(|a| a.named.iter().any(|(n, _)| n.eq_ignore_ascii_case("Position")))
    });
    let mut next_position = 0u32;
    for decl in param.parameters.iter() {
        let bare = decl.name.split_once(':').map_or(&*decl.name, |(_, b)| b).to_string();
        let type_name = decl.type_name.as_ref().map(|t| t.name.to_string());
        let is_switch = type_name.as_deref().is_some_and(|t| {
            let c = convert::canonical_type(t);
            c == "switch"
        });
        let kind = if is_switch { ParamType::SwitchParameter } else { ParamType::PSObject };
        let mut spec = ParameterSpec {
            name: bare.clone(),
            kind,
            description: String::new(),
            mandatory: false,
            position: None,
            aliases: Vec::new(),
            sets: Vec::new(),
            values: Vec::new(),
            suggestions: Vec::new(),
            range: None,
            pipeline: None,
            default: None,
            wildcards: false,
            remaining: false,
            pipeline_types: Vec::new(),
        };
        let mut rule = ParamRules {
            name: bare.clone(),
            type_name: type_name.clone(),
            default: decl.default.clone(),
            ..ParamRules::default()
        };
        for p in decl.attributes.iter().filter(|a| a.is("Parameter")) {
            advanced = true;
            if named(interp, p, "Mandatory")?.is_some_and(|v| v.is_truthy()) {
                spec.mandatory = true;
            }
            if let Some(position) = named(interp, p, "Position")? {
                spec.position = convert::to_number(&position).map(|n| n.as_f64() as u32);
            }
            if let Some(set) = named(interp, p, "ParameterSetName")? {
                let set = set.to_display_string();
                if !set.eq_ignore_ascii_case("__AllParameterSets") {
                    spec.sets.push(set);
                }
            }
            if named(interp, p, "ValueFromPipeline")?.is_some_and(|v| v.is_truthy()) {
                rule.by_value = true;
            }
            if named(interp, p, "ValueFromPipelineByPropertyName")?.is_some_and(|v| v.is_truthy()) {
                rule.by_name = true;
            }
            if named(interp, p, "ValueFromRemainingArguments")?.is_some_and(|v| v.is_truthy()) {
                spec.remaining = true;
            }
        }
        spec.pipeline = match (rule.by_value, rule.by_name) {
            (true, true) => Some(PipelineInput::ByValueAndPropertyName),
            (true, false) => Some(PipelineInput::ByValue),
            (false, true) => Some(PipelineInput::ByPropertyName),
            _ => None,
        };
        if !explicit_positions && positional_binding && kind != ParamType::SwitchParameter && !spec.remaining {
            spec.position = Some(next_position);
            next_position += 1;
        }
        if let Some(a) = attribute(&decl.attributes, "Alias") {
            spec.aliases = positional_values(interp, a)?.iter().map(Value::to_display_string).collect();
        }
        rule.aliases = spec.aliases.clone();
        rule.mandatory = spec.mandatory;
        rule.allow_null = attribute(&decl.attributes, "AllowNull").is_some();
        rule.allow_empty_string = attribute(&decl.attributes, "AllowEmptyString").is_some();
        rule.allow_empty_collection = attribute(&decl.attributes, "AllowEmptyCollection").is_some();
        rule.attributes = decl
            .attributes
            .iter()
            .filter(|a| {
                [
                    "ValidateSet",
                    "ValidateRange",
                    "ValidateLength",
                    "ValidateCount",
                    "ValidatePattern",
                    "ValidateScript",
                    "ValidateNotNull",
                    "ValidateNotNullOrEmpty",
                    "ValidateNotNullOrWhiteSpace",
                    "ValidateDrive",
                ]
                .iter()
                .any(|n| a.is(n))
            })
            .cloned()
            .collect();
        for a in &rule.attributes {
            check_attribute(interp, a)?;
        }
        parameters.push(spec);
        rules.push(rule);
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
    Ok(Signature { spec, advanced, rules })
}

/// Where a call's variables live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallScope {
    /// A child scope (functions, `& { }`).
    New,
    /// The caller's scope (`. { }`).
    Current,
    /// A new script scope (`& ./script.ps1`).
    Script,
}

/// A function or script block running as a command.
pub(super) struct ScriptCall {
    function: Rc<Function>,
    args: Vec<Argument>,
    call_scope: CallScope,
    span: Span,
    expecting_input: bool,
    state: Option<CallState>,
}

/// What a call holds between its blocks.
struct CallState {
    scope: Rc<Scope>,
    sig: Rc<Signature>,
    /// Parameters bound from the command line (kept when pipeline parameters change).
    bound: Vec<(String, Value)>,
    /// Pipeline input kept for `$input` when there is no process block.
    input: Vec<Value>,
    got_input: bool,
    /// `-OutVariable` and the stream captures of an advanced function.
    out_variable: Option<(String, Vec<Value>, bool)>,
    captures: Vec<(String, super::Captured, bool)>,
    frames: Vec<StreamFrame>,
    /// `-PipelineVariable`: set to each object the function writes, in the scope the caller's
    /// pipeline runs in.
    pipeline_variable: Option<(String, Rc<Scope>)>,
    /// The scope the function was called from.
    caller: Rc<Scope>,
    /// Whether begin ran (so `clean` runs).
    began: bool,
    /// Whether any block ran (so the `clean` block has something to clean up after).
    ran: bool,
    /// The text the call was made from (`$MyInvocation.Line`, `.ScriptName`).
    caller_source: Rc<Source>,
    /// A dot-sourced call's caller's own automatic variables, put back when it ends.
    dotted: Option<Vec<(Name, Option<super::scope::Variable>)>>,
}

/// The automatic variables every call sets in its scope; a dot-sourced call keeps its
/// caller's (`. .\lib.ps1` leaves the script's `$MyInvocation` and `$PSScriptRoot` as they were).
const CALL_VARIABLES: [&str; 7] =
    ["myinvocation", "psscriptroot", "pscommandpath", "args", "input", "psboundparameters", "pscmdlet"];

impl CallState {
    /// A call made at `caller_source`'s text from the `caller` scope, about to run its begin
    /// block in `scope`, nothing bound or captured yet.
    fn new(scope: Rc<Scope>, sig: Rc<Signature>, caller: Rc<Scope>, caller_source: Rc<Source>) -> CallState {
        CallState {
            caller,
            caller_source,
            dotted: None,
            scope,
            sig,
            bound: Vec::new(),
            input: Vec::new(),
            got_input: false,
            out_variable: None,
            captures: Vec::new(),
            frames: Vec::new(),
            pipeline_variable: None,
            began: true,
            ran: false,
        }
    }
}

impl ScriptCall {
    pub(super) fn new(
        function: Rc<Function>,
        args: Vec<Argument>,
        call_scope: CallScope,
        span: Span,
        expecting_input: bool,
    ) -> ScriptCall {
        ScriptCall { function, args, call_scope, span, expecting_input, state: None }
    }

    /// Runs `statements` (one of the named blocks) in the call's scope, output to `out`.
    fn run_block(
        &mut self,
        interp: &mut Interpreter,
        statements: &[Statement],
        item: Option<Value>,
        out: &mut dyn Pipe,
    ) -> Exec<()> {
        let Some(state) = self.state.as_mut() else { return Ok(()) };
        state.ran = true;
        let scope = state.scope.clone();
        let frames = state.frames.clone();
        let source = self.function.source.clone();
        let out_variable = &mut state.out_variable;
        let pipeline_variable = state.pipeline_variable.clone();
        interp.in_scope(&scope, &source, |interp| {
            if let Some(item) = item {
                interp.set_local("_", item);
            }
            interp.with_streams(frames, |interp| {
                let mut tee = Tee { out, copy: out_variable.as_mut().map(|(_, list, _)| list), pipeline_variable };
                let result = finish_block(interp.exec_statements(statements, &mut tee));
                // An error leaving the function is placed in the function's own text.
                result.map_err(|flow| match flow {
                    Flow::Error(mut e) => {
                        e.locate(&interp.source);
                        Flow::Error(e)
                    }
                    other => other,
                })
            })
        })
    }
}

/// Output on its way out of a function: copied for `-OutVariable`, named for
/// `-PipelineVariable`.
struct Tee<'a> {
    out: &'a mut dyn Pipe,
    copy: Option<&'a mut Vec<Value>>,
    pipeline_variable: Option<(String, Rc<Scope>)>,
}

impl Pipe for Tee<'_> {
    fn write(&mut self, interp: &mut Interpreter, value: Value) -> Exec<()> {
        if let Some(copy) = &mut self.copy {
            copy.push(value.clone());
        }
        if let Some((name, scope)) = &self.pipeline_variable {
            interp.set_variable_in(scope, name, value.clone()).map_err(Flow::Error)?;
        }
        self.out.write(interp, value)
    }
}

/// `return` ends a block normally; other flows go on up.
fn finish_block(result: Exec<()>) -> Exec<()> {
    match result {
        Ok(()) | Err(Flow::Return) => Ok(()),
        Err(other) => Err(other),
    }
}

impl Stage for ScriptCall {
    fn begin(&mut self, interp: &mut Interpreter, out: &mut dyn Pipe) -> Exec<()> {
        let sig = self.function.signature(interp)?;
        let options = BindOptions {
            collect_remaining: !sig.advanced,
            common_parameters: sig.advanced,
            expecting_input: self.expecting_input,
        };
        let invocation = interp.bind_prompting(&sig.spec, self.args.clone(), None, self.span, options)?;
        if interp.call_depth >= MAX_CALL_DEPTH {
            return Err(Flow::Error(
                ErrorRecord::new(
                    "CallDepthOverflow",
                    "InvalidOperation",
                    format!("The script failed due to call depth overflow. Calls nest at most {MAX_CALL_DEPTH} deep; check '{}' for recursion that never ends.", sig.spec.name),
                )
                .exception("System.Management.Automation.ScriptCallDepthException")
                .at(self.span),
            ));
        }
        let scope = match self.call_scope {
            CallScope::New => interp.child_scope(),
            CallScope::Current => interp.current.clone(),
            CallScope::Script => Scope::child(&interp.current, ScopeKind::Script),
        };
        let mut state = CallState::new(scope.clone(), sig.clone(), interp.current.clone(), interp.source.clone());
        if self.call_scope == CallScope::Current {
            let variables = scope.variables.borrow();
            let kept = CALL_VARIABLES.map(|key| (Name::from(key), variables.get(key).cloned()));
            state.dotted = Some(kept.into_iter().collect());
        }
        let source = self.function.source.clone();
        let function = self.function.clone();
        let span = self.span;
        let expecting_input = self.expecting_input;
        interp.in_scope(&scope, &source, |interp| {
            bind_parameters(interp, &function, &sig, &invocation, &mut state, span, expecting_input)
        })?;
        self.state = Some(state);
        interp.call_depth += 1;
        let body = self.function.body.clone();
        let result = match body.begin() {
            Some(begin) => self.run_block(interp, begin, None, out),
            None => Ok(()),
        };
        interp.call_depth -= 1;
        result
    }

    fn process(&mut self, interp: &mut Interpreter, input: Option<Value>, out: &mut dyn Pipe) -> Exec<()> {
        let body = self.function.body.clone();
        let Some(state) = self.state.as_mut() else { return Ok(()) };
        if let Some(item) = &input {
            state.got_input = true;
            let scope = state.scope.clone();
            let sig = state.sig.clone();
            let bound = state.bound.clone();
            let source = self.function.source.clone();
            let span = self.span;
            if sig.rules.iter().any(|r| r.by_value || r.by_name) {
                interp.in_scope(&scope, &source, |interp| bind_pipeline_item(interp, &sig, &bound, item, span))?;
            }
            if body.process().is_none() {
                state.input.push(item.clone());
                return Ok(());
            }
        }
        let Some(process) = body.process() else {
            return Ok(());
        };
        interp.call_depth += 1;
        let result = self.run_block(interp, process, input, out);
        interp.call_depth -= 1;
        result
    }

    fn end(&mut self, interp: &mut Interpreter, out: &mut dyn Pipe) -> Exec<()> {
        let body = self.function.body.clone();
        let Some(state) = self.state.as_mut() else { return Ok(()) };
        // `$input` holds what a function without a process block was given.
        if body.process().is_none() {
            let items = std::mem::take(&mut state.input);
            let scope = state.scope.clone();
            let source = self.function.source.clone();
            interp.in_scope(&scope, &source, |interp| interp.set_local("input", Value::array(items)));
        }
        interp.call_depth += 1;
        let result = match body.end.as_deref() {
            Some(end) => self.run_block(interp, end, None, out),
            None => Ok(()),
        };
        interp.call_depth -= 1;
        result
    }

    fn clean(&mut self, interp: &mut Interpreter) -> Exec<()> {
        let body = self.function.body.clone();
        let Some(state) = self.state.as_mut() else { return Ok(()) };
        if !state.began {
            return Ok(());
        }
        state.began = false;
        let ran = state.ran;
        let result = match body.clean() {
            // The clean block's output goes nowhere (not even -OutVariable); its other streams
            // are kept. It runs only if the command ran at all.
            Some(clean) if ran => {
                let kept = state.out_variable.take();
                let mut discard = super::Discard;
                let result = self.run_block(interp, clean, None, &mut discard);
                if let Some(state) = self.state.as_mut() {
                    state.out_variable = kept;
                }
                result
            }
            _ => Ok(()),
        };
        let finished = self.finish_variables(interp);
        result.and(finished)
    }
}

impl ScriptCall {
    fn finish_variables(&mut self, interp: &mut Interpreter) -> Exec<()> {
        let Some(state) = self.state.as_mut() else { return Ok(()) };
        if let Some(kept) = state.dotted.take() {
            let mut variables = state.scope.variables.borrow_mut();
            for (key, variable) in kept {
                match variable {
                    Some(variable) => variables.insert(key, variable),
                    None => variables.remove(&key),
                };
            }
        }
        if let Some((name, values, append)) = state.out_variable.take() {
            assign_list(interp, &name, values, append)?;
        }
        for (name, list, append) in std::mem::take(&mut state.captures) {
            let values = std::mem::take(&mut *list.borrow_mut());
            assign_list(interp, &name, values, append)?;
        }
        Ok(())
    }
}

/// Sets the bound (or default) value of every parameter in the call's scope, and the
/// automatic variables.
fn bind_parameters(
    interp: &mut Interpreter,
    function: &Function,
    sig: &Signature,
    invocation: &Invocation<'_>,
    state: &mut CallState,
    span: Span,
    expecting_input: bool,
) -> Exec<()> {
    let mut bound = Hashtable::new();
    for rule in &sig.rules {
        let given = invocation.get(&rule.name);
        let value = match given {
            Some(v) => {
                // A number literal bound to a string parameter keeps its spelling (`34uy`).
                let string_typed = rule.type_name.as_deref().is_some_and(|t| convert::canonical_type(t) == "string");
                let v = match invocation.literal(&rule.name) {
                    Some(text) if string_typed => Value::String(text.to_string()),
                    _ => v.clone(),
                };
                let v = check_parameter(interp, sig, rule, v, span)?;
                bound.insert(Value::String(rule.name.clone()), v.clone());
                state.bound.push((rule.name.clone(), v.clone()));
                v
            }
            None => match &rule.default {
                Some(expr) => {
                    let v = interp.eval(expr)?;
                    match &rule.type_name {
                        Some(t) if !is_untyped(t) => convert::cast(t, &v).unwrap_or(v),
                        _ => v,
                    }
                }
                None if sig.spec.parameters.iter().any(|p| p.name == rule.name && p.is_switch()) => Value::Bool(false),
                None => match rule.type_name.as_deref().map(convert::canonical_type).as_deref() {
                    Some("string") => Value::String(String::new()),
                    Some(
                        "int" | "long" | "double" | "byte" | "int16" | "uint32" | "uint64" | "decimal" | "float"
                        | "single",
                    ) => convert::cast(rule.type_name.as_deref().unwrap_or("int"), &Value::Int(0))
                        .unwrap_or(Value::Int(0)),
                    Some("bool") => Value::Bool(false),
                    _ => Value::Null,
                },
            },
        };
        interp.set_local(&rule.name.to_lowercase(), value);
        let name: Name = Rc::from(rule.name.to_lowercase().as_str());
        let var = crate::shell::syntax::VarRef {
            text: Rc::from(rule.name.as_str()),
            qualifier: crate::shell::syntax::Qualifier::None,
            key: name,
        };
        if rule.type_name.is_some() || !rule.attributes.is_empty() {
            interp.constrain(
                &var,
                Some(Constraint {
                    type_name: rule.type_name.as_deref().filter(|t| !is_untyped(t)).map(Rc::from),
                    attributes: rule.attributes.clone(),
                }),
            );
        }
    }
    let _ = expecting_input;
    for (name, value) in &invocation.common {
        match *name {
            "ErrorAction" => interp.set_local("erroractionpreference", value.clone()),
            "WarningAction" => interp.set_local("warningpreference", value.clone()),
            "InformationAction" => interp.set_local("informationpreference", value.clone()),
            "Confirm" if value.is_truthy() => interp.set_local("confirmpreference", Value::from("Low")),
            "Confirm" => interp.set_local("confirmpreference", Value::from("None")),
            "Verbose" => interp.set_local(
                "verbosepreference",
                Value::from(if value.is_truthy() { "Continue" } else { "SilentlyContinue" }),
            ),
            "Debug" => interp.set_local(
                "debugpreference",
                Value::from(if value.is_truthy() { "Continue" } else { "SilentlyContinue" }),
            ),
            "WhatIf" => interp.set_local("whatifpreference", value.clone()),
            "OutVariable" => {
                let (name, append) = target_name(value);
                state.out_variable = Some((name, Vec::new(), append));
            }
            "PipelineVariable" => {
                state.pipeline_variable = Some((value.to_display_string(), state.caller.clone()));
            }
            "ErrorVariable" | "WarningVariable" | "InformationVariable" => {
                let stream = match *name {
                    "ErrorVariable" => Stream::Error,
                    "WarningVariable" => Stream::Warning,
                    _ => Stream::Information,
                };
                let (target, append) = target_name(value);
                let list = Rc::new(RefCell::new(Vec::new()));
                state.frames.push(StreamFrame { stream, action: StreamAction::Capture(list.clone()) });
                state.captures.push((target, list, append));
            }
            _ => {}
        }
    }
    if sig.advanced {
        let impact = sig.spec.confirm_impact.map_or("None".to_string(), |i| format!("{i:?}"));
        let cmdlet = Record::new(SCRIPT_CMDLET_TYPE)
            .with("CommandName", sig.spec.name.as_str())
            .with("ConfirmImpact", impact)
            .with("ParameterSetName", invocation.parameter_set.as_str())
            .with("WhatIf", invocation.common("WhatIf").cloned())
            .with("Confirm", invocation.common("Confirm").cloned())
            .with("Verbose", invocation.common("Verbose").cloned())
            .with("MyInvocation", invocation_info(&state.caller_source, function, &bound, span, expecting_input));
        interp.set_local("pscmdlet", Value::record(cmdlet));
    }
    interp.set_local("myinvocation", invocation_info(&state.caller_source, function, &bound, span, expecting_input));
    interp.set_local("psboundparameters", bound.into_value());
    interp.set_local("args", Value::array(invocation.remaining.clone()));
    interp.set_local("input", Value::array(Vec::new()));
    if let Some(file) = &function.source.file {
        let path = std::path::Path::new(file);
        let root = path.parent().map(|p| p.display().to_string()).unwrap_or_default();
        interp.set_local("psscriptroot", Value::String(root));
        interp.set_local("pscommandpath", Value::String(file.clone()));
    }
    Ok(())
}

fn target_name(value: &Value) -> (String, bool) {
    let text = value.to_display_string();
    match text.strip_prefix('+') {
        Some(rest) => (rest.to_string(), true),
        None => (text, false),
    }
}

/// `$MyInvocation` for a call made at `span` of `caller`'s text: the command (a FunctionInfo,
/// or for a script file an ExternalScriptInfo with its full `Path`), and where it was called
/// from (`ScriptName`, `PSScriptRoot` and `PSCommandPath` are the caller's, empty at the prompt).
fn invocation_info(
    caller: &Source,
    function: &Function,
    bound: &Hashtable,
    span: Span,
    expecting_input: bool,
) -> Value {
    let text = caller.text.as_str();
    let start = floor_char_boundary(text, span.start as usize);
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line_number = text[..start].matches('\n').count() + 1;
    let invocation_name = if function.script {
        function.name.to_string()
    } else {
        text.get(span.range()).map(|t| t.split_whitespace().next().unwrap_or("").to_string()).unwrap_or_default()
    };
    let script_name = caller.file.clone().unwrap_or_default();
    let root = std::path::Path::new(&script_name).parent().map(|p| p.display().to_string()).unwrap_or_default();
    let block = Value::ScriptBlock(ScriptBlock { def: function.body.clone(), source: function.source.clone() });
    let command = match function.source.file.as_deref().filter(|_| function.script) {
        Some(path) => {
            let name = std::path::Path::new(path).file_name().map(|n| n.to_string_lossy().into_owned());
            Record::new("System.Management.Automation.ExternalScriptInfo")
                .with_text(path)
                .with("Name", name.unwrap_or_else(|| path.to_string()))
                .with("CommandType", "ExternalScript")
                .with("Path", path)
                .with("Definition", path)
                .with("Source", path)
                .with("ScriptBlock", block)
                .with("ScriptContents", function.source.text.as_str())
                .with("Parameters", Value::Null)
        }
        None => Record::new("System.Management.Automation.FunctionInfo")
            .with_text(function.name.to_string())
            .with("Name", function.name.to_string())
            .with("CommandType", if function.name.starts_with('<') { "Script" } else { "Function" })
            .with(
                "Definition",
                Value::String(function.source.text.get(function.body.body.range()).unwrap_or("").to_string()),
            )
            .with("ScriptBlock", block)
            .with("Parameters", Value::Null),
    };
    Value::record(
        Record::new("System.Management.Automation.InvocationInfo")
            .with("MyCommand", Value::record(command))
            .with("InvocationName", invocation_name)
            .with("Line", text.get(line_start..line_end).unwrap_or("").trim_end_matches('\r').to_string())
            // The whole text of the call, over as many lines as it takes (PowerShell 7.4).
            .with("Statement", text.get(span.range()).unwrap_or("").to_string())
            .with("ScriptName", script_name.clone())
            .with("PSScriptRoot", root)
            .with("PSCommandPath", script_name)
            .with("ScriptLineNumber", line_number as i64)
            .with("OffsetInLine", (text[line_start..start].chars().count() + 1) as i64)
            .with("BoundParameters", bound.clone().into_value())
            .with("UnboundArguments", Value::array(Vec::new()))
            .with("ExpectingInput", expecting_input)
            .with("PipelineLength", 1i64)
            .with("PipelinePosition", 1i64)
            .with("CommandOrigin", "Runspace"),
    )
}

/// The type of the value a `[bool]` parameter refuses: PowerShell's binder turns only Booleans
/// and numbers into a Boolean parameter (ArgumentTypeConverterAttribute.CheckBoolValue; text
/// such as 'false' would silently be $true), where a cast converts anything. Each element of a
/// `[bool[]]` is checked only for an advanced function, as pwsh keeps V1's conversion for
/// plain functions. `None` when the value binds.
fn not_boolean(type_name: &str, value: &Value, advanced: bool) -> Option<String> {
    let binds =
        |v: &Value| matches!(v, Value::Bool(_) | Value::Int(_) | Value::Real(_) | Value::Number(_) | Value::Null);
    match convert::canonical_type(type_name).as_str() {
        "bool" => (!binds(value)).then(|| convert::type_name(value)),
        "bool[]" | "boolean[]" if advanced => match value {
            Value::Array(items) => items.borrow().iter().find(|v| !binds(v)).map(convert::type_name),
            one => (!binds(one)).then(|| convert::type_name(one)),
        },
        _ => None,
    }
}

fn is_untyped(type_name: &str) -> bool {
    matches!(convert::canonical_type(type_name).as_str(), "object" | "psobject" | "switch")
}

/// Converts and validates one bound value of a script parameter.
fn check_parameter(
    interp: &mut Interpreter,
    sig: &Signature,
    rule: &ParamRules,
    value: Value,
    span: Span,
) -> Exec<Value> {
    let fail = |e: ErrorRecord| Flow::Error(e.at(span).in_command(&sig.spec.name));
    // Mandatory parameters refuse $null, '' and empty arrays unless allowed.
    if rule.mandatory {
        let string_typed = rule.type_name.as_deref().is_some_and(|t| convert::canonical_type(t) == "string");
        match &value {
            Value::Null if !(rule.allow_null || string_typed && rule.allow_empty_string) => {
                return Err(fail(null_argument(&rule.name)));
            }
            Value::String(s) if s.is_empty() && !rule.allow_empty_string && string_typed => {
                return Err(fail(
                    ErrorRecord::new(
                        "ParameterArgumentValidationErrorEmptyStringNotAllowed",
                        "InvalidData",
                        format!("Cannot bind argument to parameter '{}' because it is an empty string.", rule.name),
                    )
                    .exception("System.Management.Automation.ParameterBindingValidationException"),
                ));
            }
            Value::Array(items) if items.borrow().is_empty() && !rule.allow_empty_collection => {
                return Err(fail(
                    ErrorRecord::new(
                        "ParameterArgumentValidationErrorEmptyArrayNotAllowed",
                        "InvalidData",
                        format!("Cannot bind argument to parameter '{}' because it is an empty array.", rule.name),
                    )
                    .exception("System.Management.Automation.ParameterBindingValidationException"),
                ));
            }
            _ => {}
        }
    }
    if let Some(refused) = rule.type_name.as_deref().and_then(|t| not_boolean(t, &value, sig.advanced)) {
        return Err(fail(
            ErrorRecord::new(
                "ParameterArgumentTransformationError",
                "InvalidData",
                format!(
                    "Cannot process argument transformation on parameter '{}'. Cannot convert value \"{refused}\" to type \"System.Boolean\". Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.",
                    rule.name
                ),
            )
            .exception("System.Management.Automation.ParameterBindingArgumentTransformationException")
            .with_hint("Pass $true or $false (or 1 or 0); the text 'false' is not a Boolean."),
        ));
    }
    let value = match &rule.type_name {
        Some(t) if !(is_untyped(t) || value == Value::Null && rule.allow_null) => {
            match interp.cast_value(t, value.clone()) {
                Ok(v) => v,
                Err(e) => {
                    return Err(fail(
                        ErrorRecord {
                            message: format!(
                                "Cannot process argument transformation on parameter '{}'. {}",
                                rule.name, e.message
                            ),
                            error_id: "ParameterArgumentTransformationError".into(),
                            exception: "System.Management.Automation.ParameterBindingArgumentTransformationException",
                            ..e
                        }
                        .severity(Severity::StatementTerminating),
                    ));
                }
            }
        }
        _ => value,
    };
    validate(interp, &rule.attributes, &rule.name, &value).map_err(fail)?;
    Ok(value)
}

fn null_argument(name: &str) -> ErrorRecord {
    ErrorRecord::new(
        "ParameterArgumentValidationErrorNullNotAllowed",
        "InvalidData",
        format!("Cannot bind argument to parameter '{name}' because it is null."),
    )
    .exception("System.Management.Automation.ParameterBindingValidationException")
}

/// Binds one pipeline object to the parameters that take pipeline input: by value (the first
/// such parameter whose type takes it), then by property name.
fn bind_pipeline_item(
    interp: &mut Interpreter,
    sig: &Signature,
    bound: &[(String, Value)],
    item: &Value,
    span: Span,
) -> Exec<()> {
    let from_command_line = |name: &str| bound.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
    let mut bound_now = Vec::new();
    let mut by_value_done = false;
    for rule in &sig.rules {
        if !rule.by_value || from_command_line(&rule.name) || by_value_done {
            continue;
        }
        let value = match &rule.type_name {
            Some(t) if !is_untyped(t) => match interp.cast_value(t, item.clone()) {
                Ok(v) => v,
                Err(_) if sig.rules.iter().any(|r| r.by_name) => continue,
                Err(e) => {
                    return Err(Flow::Error(
                        ErrorRecord {
                            message: format!(
                                "The input object cannot be bound to any parameters for the command either because the command does not take pipeline input or the input and its properties do not match any of the parameters that take pipeline input. ({})",
                                e.message
                            ),
                            error_id: "InputObjectNotBound".into(),
                            ..e
                        }
                        .at(span)
                        .in_command(&sig.spec.name),
                    ));
                }
            },
            _ => item.clone(),
        };
        if value == Value::Null && rule.mandatory && !rule.allow_null {
            return Err(Flow::Error(null_argument(&rule.name).at(span).in_command(&sig.spec.name)));
        }
        validate(interp, &rule.attributes, &rule.name, &value)
            .map_err(|e| Flow::Error(e.at(span).in_command(&sig.spec.name)))?;
        bound_now.push((rule.name.clone(), value));
        by_value_done = true;
    }
    // Binding by value chose the parameter sets: by property name binds only within them.
    let sets_of = |name: &str| -> &[String] {
        sig.spec.parameters.iter().find(|p| p.name.eq_ignore_ascii_case(name)).map_or(&[], |p| p.sets.as_slice())
    };
    let chosen_sets: Vec<String> = bound_now.iter().flat_map(|(n, _)| sets_of(n).iter().cloned()).collect();
    for rule in &sig.rules {
        if !rule.by_name || from_command_line(&rule.name) || bound_now.iter().any(|(n, _)| n == &rule.name) {
            continue;
        }
        let sets = sets_of(&rule.name);
        if !chosen_sets.is_empty() && !sets.is_empty() && !sets.iter().any(|s| chosen_sets.contains(s)) {
            continue;
        }
        let names = std::iter::once(&rule.name).chain(&rule.aliases);
        let found = names.map(|n| super::members::property(item, n)).find(|v| *v != Value::Null);
        let Some(value) = found else {
            if rule.mandatory && !by_value_done {
                return Err(Flow::Error(
                    ErrorRecord::new(
                        "InputObjectNotBound",
                        "InvalidArgument",
                        "The input object cannot be bound to any parameters for the command either because the command does not take pipeline input or the input and its properties do not match any of the parameters that take pipeline input.".into(),
                    )
                    .exception("System.Management.Automation.ParameterBindingException")
                    .at(span)
                    .in_command(&sig.spec.name),
                ));
            }
            continue;
        };
        let value = check_parameter(interp, sig, rule, value, span)?;
        bound_now.push((rule.name.clone(), value));
    }
    if bound_now.is_empty()
        && sig.rules.iter().any(|r| r.by_value || r.by_name)
        && !sig.rules.iter().any(|r| (r.by_value || r.by_name) && from_command_line(&r.name))
    {
        return Err(Flow::Error(
            ErrorRecord::new(
                "InputObjectNotBound",
                "InvalidArgument",
                "The input object cannot be bound to any parameters for the command either because the command does not take pipeline input or the input and its properties do not match any of the parameters that take pipeline input.".into(),
            )
            .exception("System.Management.Automation.ParameterBindingException")
            .at(span)
            .in_command(&sig.spec.name),
        ));
    }
    let psbound = interp.local("psboundparameters");
    for (name, value) in bound_now {
        interp.set_local(&name.to_lowercase(), value.clone());
        if let Some(Value::Hashtable(h)) = &psbound {
            h.borrow_mut().insert(Value::String(name), value);
        }
    }
    Ok(())
}

/// The validation attributes of a variable or parameter, applied to `value`.
pub(super) fn validate_variable(
    interp: &mut Interpreter,
    attributes: &[Attribute],
    name: &str,
    value: &Value,
) -> Result<(), ErrorRecord> {
    validate(interp, attributes, name, value)
}

fn validation_error(name: &str, message: String) -> ErrorRecord {
    ErrorRecord::new(
        "ParameterArgumentValidationError",
        "InvalidData",
        format!("Cannot validate argument on parameter '{name}'. {message}"),
    )
    .exception("System.Management.Automation.ParameterBindingValidationException")
}

fn validate(interp: &mut Interpreter, attributes: &[Attribute], name: &str, value: &Value) -> Result<(), ErrorRecord> {
    for a in attributes {
        let args = positional_values(interp, a).map_err(flow_error)?;
        let error_message = match a.named.iter().find(|(n, _)| n.eq_ignore_ascii_case("ErrorMessage")) {
            Some((_, Some(e))) => Some(interp.eval(e).map_err(flow_error)?.to_display_string()),
            _ => None,
        };
        // `ErrorMessage = '…'`: {0} is the value, {1} the attribute's pattern or script.
        let custom_with = |default: String, shown: &Value, argument: Option<&Value>| -> String {
            match &error_message {
                Some(template) => {
                    let mut values = vec![shown.clone()];
                    values.extend(argument.cloned());
                    crate::shell::eval::convert::composite_format(template, &values)
                        .unwrap_or_else(|_| template.clone())
                }
                None => default,
            }
        };
        let custom = |default: String, shown: &Value| custom_with(default, shown, None);
        let items: Vec<Value> = match value {
            Value::Array(items) => items.borrow().clone(),
            other => vec![other.clone()],
        };
        if a.is("ValidateNotNull") {
            if *value == Value::Null || items.contains(&Value::Null) {
                return Err(validation_error(name, "The argument is null. Provide a valid value for the argument, and then try running the command again.".into()));
            }
        } else if a.is("ValidateNotNullOrEmpty") || a.is("ValidateNotNullOrWhiteSpace") {
            let white = a.is("ValidateNotNullOrWhiteSpace");
            let empty = match value {
                Value::Null => true,
                Value::String(s) => s.is_empty() || white && s.trim().is_empty(),
                Value::Array(items) => {
                    items.borrow().is_empty()
                        || items.borrow().iter().any(|v| {
                            matches!(v, Value::Null)
                                || matches!(v, Value::String(s) if s.is_empty() || white && s.trim().is_empty())
                        })
                }
                Value::Hashtable(h) => h.borrow().is_empty(),
                _ => false,
            };
            if empty {
                let what =
                    if white { "null, empty, or consists of only white-space characters" } else { "null or empty" };
                return Err(validation_error(
                    name,
                    format!(
                        "The argument is {what}. Provide an argument that is not {what}, and then try the command again."
                    ),
                ));
            }
        } else if a.is("ValidateSet") {
            let ignore_case = match a.named.iter().find(|(n, _)| n.eq_ignore_ascii_case("IgnoreCase")) {
                Some((_, Some(e))) => interp.eval(e).map_err(flow_error)?.is_truthy(),
                Some((_, None)) => true,
                None => true,
            };
            let set: Vec<String> = args.iter().map(Value::to_display_string).collect();
            for item in &items {
                let text = item.to_display_string();
                let ok = set.iter().any(|s| if ignore_case { s.eq_ignore_ascii_case(&text) } else { *s == text });
                if !ok {
                    let default = format!(
                        "The argument \"{text}\" does not belong to the set \"{}\" specified by the ValidateSet attribute. Supply an argument that is in the set and then try the command again.",
                        set.join(",")
                    );
                    return Err(validation_error(name, custom(default, item)));
                }
            }
        } else if a.is("ValidateRange") {
            validate_range(&args, &items, name, &custom)?;
        } else if a.is("ValidateLength") {
            let bound = |i: usize| args.get(i).and_then(convert::to_number).map_or(0, |n| n.as_f64() as i64);
            let (min, max) = (bound(0), bound(1));
            for item in &items {
                if !matches!(item, Value::String(_)) {
                    return Err(validation_error(
                        name,
                        "The argument cannot be validated because its type is not String.".into(),
                    )
                    .with_inner("ValidateLengthNotString"));
                }
                let len = item.to_display_string().chars().count() as i64;
                if len < min {
                    return Err(validation_error(
                        name,
                        custom(
                            format!(
                                "The character length ({len}) of the argument is too short. Specify an argument with a length that is greater than or equal to \"{min}\", and then try the command again."
                            ),
                            item,
                        ),
                    )
                    .with_inner("ValidateLengthMinLengthFailure"));
                }
                if len > max {
                    return Err(validation_error(
                        name,
                        custom(
                            format!(
                                "The character length ({len}) of the argument is too long. Shorten the character length of the argument so it is fewer than or equal to \"{max}\" characters, and then try the command again."
                            ),
                            item,
                        ),
                    )
                    .with_inner("ValidateLengthMaxLengthFailure"));
                }
            }
        } else if a.is("ValidateCount") {
            let bound = |i: usize| args.get(i).and_then(convert::to_number).map_or(0, |n| n.as_f64() as i64);
            let (min, max) = (bound(0), bound(1));
            let count = match value {
                Value::Null => 0,
                _ => items.len() as i64,
            };
            if count < min || count > max {
                let (message, id) = if min == max {
                    (
                        format!("The parameter requires exactly {min} value(s) - {count} value(s) were provided."),
                        "ValidateCountExactFailure",
                    )
                } else {
                    (
                        format!(
                            "The parameter requires at least {min} value(s) and no more than {max} value(s) - {count} value(s) were provided."
                        ),
                        "ValidateCountMinMaxFailure",
                    )
                };
                return Err(validation_error(name, message).with_inner(id));
            }
        } else if a.is("ValidatePattern") {
            let pattern = args.first().map(Value::to_display_string).unwrap_or_default();
            let options = match a.named.iter().find(|(n, _)| n.eq_ignore_ascii_case("Options")) {
                Some((_, Some(e))) => interp.eval(e).map_err(flow_error)?.to_display_string(),
                _ => "IgnoreCase".into(),
            };
            let regex = RegexBuilder::new(&pattern)
                .case_insensitive(options.to_ascii_lowercase().contains("ignorecase"))
                .build()
                .map_err(|e| validation_error(name, format!("The pattern {pattern} is not valid: {e}")))?;
            for item in &items {
                let text = item.to_display_string();
                if !regex.is_match(&text) {
                    let default = format!(
                        "The argument \"{text}\" does not match the \"{pattern}\" pattern. Supply an argument that matches \"{pattern}\" and try the command again."
                    );
                    let shown_pattern = Value::String(pattern.clone());
                    return Err(validation_error(name, custom_with(default, item, Some(&shown_pattern))));
                }
            }
        } else if a.is("ValidateScript") {
            let Some(Value::ScriptBlock(block)) = args.first() else { continue };
            for item in &items {
                let ok = match interp.invoke_block(block, Some(item.clone()), Vec::new()) {
                    Ok(out) => collect(out).is_truthy(),
                    Err(e) => {
                        return Err(validation_error(name, e.message));
                    }
                };
                if !ok {
                    let default = format!(
                        "The \"{}\" validation script for the argument with value \"{}\" did not return a result of True. Determine why the validation script failed, and then try the command again.",
                        block.text().trim(),
                        item.to_display_string()
                    );
                    let shown_script = Value::String(block.text().trim().to_string());
                    return Err(validation_error(name, custom_with(default, item, Some(&shown_script))));
                }
            }
        }
    }
    Ok(())
}

fn flow_error(flow: Flow) -> ErrorRecord {
    match flow {
        Flow::Error(e) => e,
        _ => ErrorRecord::new("ValidationFailed", "InvalidOperation", "The validation could not run.".into()),
    }
}

/// `[ValidateRange(min, max)]` and `[ValidateRange([ValidateRangeKind]::Positive)]`.
fn validate_range(
    args: &[Value],
    items: &[Value],
    name: &str,
    custom: &dyn Fn(String, &Value) -> String,
) -> Result<(), ErrorRecord> {
    let kind = match args {
        [one] => Some(one.to_display_string().to_ascii_lowercase()),
        _ => None,
    };
    for item in items {
        let n = convert::to_number(item).map(|n| n.as_f64());
        let Some(n) = n else {
            return Err(validation_error(
                name,
                format!(
                    "The argument \"{}\" cannot be validated because its type \"{}\" is not the same type (System.Int32) as the maximum and minimum limits of the parameter. Make sure the argument is of type System.Int32 and then try the command again.",
                    item.to_display_string(),
                    convert::type_name(item)
                ),
            )
            .with_inner("ValidationRangeElementType"));
        };
        if let Some(kind) = &kind {
            let (ok, what, id) = match kind.as_str() {
                "positive" => (n > 0.0, "positive", "ValidateRangePositiveFailure"),
                "nonnegative" => (n >= 0.0, "non-negative", "ValidateRangeNonNegativeFailure"),
                "negative" => (n < 0.0, "negative", "ValidateRangeNegativeFailure"),
                "nonpositive" => (n <= 0.0, "non-positive", "ValidateRangeNonPositiveFailure"),
                _ => (true, "", ""),
            };
            if !ok {
                let default = format!("The argument \"{}\" is not a {what} number.", item.to_display_string());
                return Err(validation_error(name, custom(default, item)).with_inner(id));
            }
            continue;
        }
        let low = args.first().and_then(convert::to_number).map(|n| n.as_f64());
        let high = args.get(1).and_then(convert::to_number).map(|n| n.as_f64());
        let shown = |v: &Value| v.to_display_string();
        if let Some(low) = low
            && n < low
        {
            let default = format!(
                "The {} argument is less than the minimum allowed range of {}. Supply an argument that is greater than or equal to {} and then try the command again.",
                item.to_display_string(),
                shown(&args[0]),
                shown(&args[0])
            );
            return Err(validation_error(name, custom(default, item)).with_inner("ValidateRangeTooSmall"));
        }
        if let Some(high) = high
            && n > high
        {
            let default = format!(
                "The {} argument is greater than the maximum allowed range of {}. Supply an argument that is less than or equal to {} and then try the command again.",
                item.to_display_string(),
                shown(&args[1]),
                shown(&args[1])
            );
            return Err(validation_error(name, custom(default, item)).with_inner("ValidateRangeTooBig"));
        }
    }
    Ok(())
}

/// Runs a script block as a command with `input` as its pipeline input: begin, process for
/// each object, end, clean.
pub(super) fn call_script_block(
    interp: &mut Interpreter,
    block: &ScriptBlock,
    args: Vec<Argument>,
    input: Vec<Value>,
    scope: CallScope,
    span: Span,
    out: &mut dyn Pipe,
) -> Exec<()> {
    let function = Rc::new(Function::from_block(Rc::from("<ScriptBlock>"), block));
    let has_input = !input.is_empty();
    let mut call = ScriptCall::new(function, args, scope, span, has_input);
    let mut result = call.begin(interp, out);
    if result.is_ok() {
        if has_input {
            for item in input {
                result = call.process(interp, Some(item), out);
                if result.is_err() {
                    break;
                }
            }
        } else {
            result = call.process(interp, None, out);
        }
    }
    if result.is_ok() {
        result = call.end(interp, out);
    }
    let cleaned = call.clean(interp);
    result.and(cleaned)
}

/// Runs a script block in the current scope with `$_` set (ForEach-Object, Where-Object,
/// `switch` conditions, validation scripts): its process block if it has one, else its body.
pub(super) fn invoke_in_current_scope(
    interp: &mut Interpreter,
    block: &ScriptBlock,
    item: Option<Value>,
    args: Vec<Value>,
    out: &mut dyn Pipe,
) -> Exec<()> {
    let saved_item = interp.local("_");
    let saved_args = interp.local("args");
    if let Some(item) = &item {
        interp.set_local("_", item.clone());
    }
    interp.set_local("args", Value::array(args));
    let previous = std::mem::replace(&mut interp.source, block.source.clone());
    let statements = block.def.process().or(block.def.end.as_deref()).unwrap_or_default();
    let result = finish_block(interp.exec_statements(statements, out));
    interp.source = previous;
    if item.is_some() {
        match saved_item {
            Some(v) => interp.set_local("_", v),
            None => interp.unset_local("_"),
        }
    }
    match saved_args {
        Some(v) => interp.set_local("args", v),
        None => interp.unset_local("args"),
    }
    result
}

/// Runs a script block's blocks in the current scope, without binding (`Invoke-Expression`).
pub(super) fn invoke_dot_sourced(interp: &mut Interpreter, block: &ScriptBlock, out: &mut dyn Pipe) -> Exec<()> {
    let previous = std::mem::replace(&mut interp.source, block.source.clone());
    let def = block.def.clone();
    let result = (|| {
        for statements in [def.begin(), def.process(), def.end.as_deref()].into_iter().flatten() {
            finish_block(interp.exec_statements(statements, out))?;
        }
        Ok(())
    })();
    interp.source = previous;
    result
}

/// Runs a whole script: its `param()` bound from `args`, then its blocks, in the current scope.
pub(super) fn run_script_body(
    interp: &mut Interpreter,
    body: &Rc<ScriptBlockDef>,
    args: Vec<Argument>,
    out: &mut dyn Pipe,
) -> Exec<()> {
    // A script file (`ccrsh -File`) binds its `param()` and gets `$MyInvocation`; text typed
    // at the prompt binds only what it is given.
    if interp.source.file.is_some() || body.param.is_some() || !args.is_empty() {
        let name = interp.source.file.clone().unwrap_or_else(|| "script".into());
        let block = ScriptBlock { def: body.clone(), source: interp.source.clone() };
        let function = Function::script(Rc::from(name.as_str()), &block);
        let sig = function.signature(interp)?;
        let options =
            BindOptions { collect_remaining: !sig.advanced, common_parameters: sig.advanced, expecting_input: false };
        let invocation = interp.bind_prompting(&sig.spec, args, None, Span::default(), options)?;
        // Called from the command line: no caller text.
        let caller_source = Rc::new(Source { text: String::new(), file: None });
        let mut state = CallState::new(interp.current.clone(), sig.clone(), interp.current.clone(), caller_source);
        bind_parameters(interp, &function, &sig, &invocation, &mut state, Span::default(), false)?;
    }
    let mut result = Ok(());
    for statements in [body.begin(), body.process(), body.end.as_deref()].into_iter().flatten() {
        result = finish_block(interp.exec_statements(statements, out));
        if result.is_err() {
            break;
        }
    }
    if let Some(clean) = body.clean() {
        let cleaned = finish_block(interp.exec_statements(clean, &mut super::Discard));
        result = result.and(cleaned);
    }
    result
}

/// `$PSCmdlet.ShouldProcess(target[, action])`, `.ShouldContinue(query, caption)`,
/// `.WriteObject(value)`, `.WriteError(record)`, `.ThrowTerminatingError(record)`…
pub(super) fn script_cmdlet_method(
    interp: &mut Interpreter,
    cmdlet: &Value,
    name: &str,
    args: &[Value],
    span: Span,
) -> Exec<Value> {
    let Value::Record(record) = cmdlet else { return Ok(Value::Null) };
    let record = record.borrow().clone();
    let text = |n: &str| record.get(n).map(Value::to_display_string).unwrap_or_default();
    let flag = |n: &str| match record.get(n) {
        Some(Value::Null) | None => None,
        Some(v) => Some(v.is_truthy()),
    };
    let command = text("CommandName");
    let fail = |e: ErrorRecord| Flow::Error(if e.span.is_some() { e } else { e.at(span) });
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
                what_if: flag("WhatIf").or_else(|| Some(interp.variable("WhatIfPreference").is_truthy())),
                confirm: flag("Confirm"),
                verbose: flag("Verbose").unwrap_or(false),
            };
            interp.should_process(&request).map(Value::Bool).map_err(fail)
        }
        "shouldcontinue" => {
            let query = args.first().map(Value::to_display_string).unwrap_or_default();
            let caption = args.get(1).map(Value::to_display_string).unwrap_or_else(|| "Confirm".into());
            let prompt = format!("\n{caption}\n{query}\n[Y] Yes  [N] No  [S] Suspend  [?] Help (default is \"Y\"): ");
            let answer = interp.host.read_line(&prompt).map_err(|e| fail(e.in_command(&command)))?;
            Ok(Value::Bool(matches!(answer.trim().to_ascii_lowercase().as_str(), "" | "y" | "yes")))
        }
        "writeobject" => {
            let value = args.first().cloned().unwrap_or(Value::Null);
            let enumerate = args.get(1).is_some_and(Value::is_truthy);
            interp.pending_output.push((value, enumerate));
            Ok(Value::Null)
        }
        "writeerror" => {
            let value = args.first().cloned().unwrap_or(Value::Null);
            let mut record = ErrorRecord::from_value(&value)
                .unwrap_or_else(|| ErrorRecord::new("WriteError", "NotSpecified", value.to_display_string()));
            record.severity = Severity::NonTerminating;
            record.command.get_or_insert(command);
            interp.pending_errors.push(record);
            Ok(Value::Null)
        }
        "throwterminatingerror" => {
            let value = args.first().cloned().unwrap_or(Value::Null);
            let mut record = ErrorRecord::from_value(&value).unwrap_or_else(|| ErrorRecord::thrown(&value));
            record.severity = Severity::StatementTerminating;
            record.command.get_or_insert(command);
            Err(fail(record))
        }
        "writeverbose" | "writewarning" | "writedebug" | "writeinformation" => {
            let message = args.first().map(Value::to_display_string).unwrap_or_default();
            let stream = match name.to_ascii_lowercase().as_str() {
                "writeverbose" => Stream::Verbose,
                "writewarning" => Stream::Warning,
                "writedebug" => Stream::Debug,
                _ => Stream::Information,
            };
            interp.pending_messages.push((stream, message));
            Ok(Value::Null)
        }
        "getvariablevalue" => Ok(interp.variable(&args.first().map(Value::to_display_string).unwrap_or_default())),
        _ => Err(fail(ErrorRecord::new(
            "MethodNotFound",
            "InvalidOperation",
            format!(
                "Method invocation failed because [{SCRIPT_CMDLET_TYPE}] does not contain a method named '{name}'."
            ),
        ))),
    }
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
