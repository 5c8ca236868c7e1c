//! Binding: a parsed command plus its spec become an [`Invocation`] whose parameters are
//! resolved (unique prefixes, aliases, positions, parameter sets, mandatory checks) and whose
//! values are converted to the parameters' types, with PowerShell's messages on failure.
//!
//! Must not: talk to ccrd or check cluster state (the engine checks that, atomically with any
//! change), or print. An `Invocation` can only be made here, so a cmdlet that holds one knows
//! its arguments passed every check in the spec.

use std::sync::OnceLock;

use super::did_you_mean::closest;
use super::error_record::ErrorRecord;
use super::spec::{CmdletSpec, ParamType, ParameterSpec};
use super::syntax::Span;
use super::value::{TimeSpan, Value};

/// A command argument after the interpreter evaluated it.
#[derive(Debug, Clone, PartialEq)]
pub struct Argument {
    pub kind: ArgumentKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ArgumentKind {
    /// `-Name`, or `-Name:value` with the value.
    Parameter {
        name: String,
        value: Option<ArgValue>,
    },
    Value(ArgValue),
}

/// An evaluated value and, for a number literal, its spelling (a number bound to a string
/// parameter keeps it: `34uy` stays `34uy`).
#[derive(Debug, Clone, PartialEq)]
pub struct ArgValue {
    pub value: Value,
    pub literal: Option<String>,
}

impl Argument {
    pub fn value(value: Value, span: Span) -> Argument {
        Argument { kind: ArgumentKind::Value(ArgValue { value, literal: None }), span }
    }
}

/// How binding treats what does not fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BindOptions {
    /// A simple function: surplus arguments go to `$args` instead of failing.
    pub collect_remaining: bool,
    /// The common parameters (`-ErrorAction`, `-Verbose`, …) are accepted.
    pub common_parameters: bool,
    /// The command is not first in its pipeline: parameters that take pipeline input count as
    /// given (each object binds them later).
    pub expecting_input: bool,
}

/// A command whose parameters are bound and checked against its spec.
#[derive(Debug, Clone)]
pub struct Invocation<'s> {
    pub spec: &'s CmdletSpec,
    pub parameter_set: String,
    bound: Vec<(&'s str, Value)>,
    /// Arguments no parameter took (`$args` of a simple function).
    pub remaining: Vec<Value>,
    /// The common parameters given, by canonical name (`ErrorAction`, `WhatIf`, …).
    pub common: Vec<(&'static str, Value)>,
    /// The command's extent in the source.
    pub span: Span,
    /// The spelling of number literals bound to parameters (`34uy`), by parameter name.
    literals: Vec<(&'s str, String)>,
    /// The parameter that took the pipeline's input, if one did (`Set-Variable` tells a piped
    /// object from an explicit `-Value`).
    pub piped: Option<&'s str>,
}

impl<'s> Invocation<'s> {
    /// The bound value of parameter `name` (its canonical name, any case).
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.bound.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v)
    }

    /// Every bound parameter, by canonical name.
    pub fn bound(&self) -> impl Iterator<Item = (&'s str, &Value)> {
        self.bound.iter().map(|(n, v)| (*n, v))
    }

    /// A bound string parameter.
    pub fn string(&self, name: &str) -> Option<String> {
        match self.get(name)? {
            Value::Null => None,
            v => Some(v.to_display_string()),
        }
    }

    /// A bound string-array parameter.
    pub fn strings(&self, name: &str) -> Option<Vec<String>> {
        match self.get(name)? {
            Value::Array(items) => Some(items.borrow().iter().map(Value::to_display_string).collect()),
            Value::Null => None,
            v => Some(vec![v.to_display_string()]),
        }
    }

    /// Whether a switch is set (`-Force`, `-Force:$true`).
    pub fn switch(&self, name: &str) -> bool {
        self.get(name).is_some_and(Value::is_truthy)
    }

    pub fn int(&self, name: &str) -> Option<i64> {
        match self.get(name)? {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The spelling of the number literal bound to parameter `name`, if one was.
    pub fn literal(&self, name: &str) -> Option<&str> {
        self.literals.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, l)| l.as_str())
    }

    /// A common parameter's value, if it was given.
    pub fn common(&self, name: &str) -> Option<&Value> {
        self.common.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v)
    }

    /// The same invocation with `items` as its pipeline input (bound to the parameter that
    /// takes input by value), for a streaming cmdlet running its batch form on some objects.
    pub fn with_input(&self, items: Vec<Value>) -> Invocation<'s> {
        let mut call = self.clone();
        let target = self.spec.parameters.iter().find(|p| p.takes_any_by_value());
        if let Some(parameter) = target {
            call.bound.retain(|(n, _)| !n.eq_ignore_ascii_case(&parameter.name));
            call.bound.push((parameter.name.as_str(), Value::array(items)));
            call.piped = Some(parameter.name.as_str());
        }
        call
    }

    /// The same invocation without the parameters `names`.
    pub fn without(&self, names: &[&str]) -> Invocation<'s> {
        let mut call = self.clone();
        call.bound.retain(|(n, _)| !names.iter().any(|x| x.eq_ignore_ascii_case(n)));
        call
    }
}

/// PowerShell's ActionPreference names, in its enum order.
pub const ACTION_PREFERENCES: [&str; 7] =
    ["SilentlyContinue", "Stop", "Continue", "Inquire", "Ignore", "Suspend", "Break"];

fn common_spec(name: &str, alias: &str, kind: ParamType, values: &[&str]) -> ParameterSpec {
    ParameterSpec {
        name: name.into(),
        kind,
        description: String::new(),
        mandatory: false,
        position: None,
        aliases: vec![alias.into()],
        sets: Vec::new(),
        values: values.iter().map(|v| v.to_string()).collect(),
        suggestions: Vec::new(),
        range: None,
        pipeline: None,
        default: None,
        wildcards: false,
        remaining: false,
        pipeline_types: Vec::new(),
    }
}

/// The common parameters of every cmdlet and advanced function, with their aliases.
fn common_parameters() -> &'static [ParameterSpec] {
    static COMMON: OnceLock<Vec<ParameterSpec>> = OnceLock::new();
    COMMON.get_or_init(|| {
        vec![
            common_spec("Verbose", "vb", ParamType::SwitchParameter, &[]),
            common_spec("Debug", "db", ParamType::SwitchParameter, &[]),
            common_spec("ErrorAction", "ea", ParamType::Enum, &ACTION_PREFERENCES),
            common_spec("WarningAction", "wa", ParamType::Enum, &ACTION_PREFERENCES),
            common_spec("InformationAction", "infa", ParamType::Enum, &ACTION_PREFERENCES),
            common_spec("ErrorVariable", "ev", ParamType::String, &[]),
            common_spec("WarningVariable", "wv", ParamType::String, &[]),
            common_spec("InformationVariable", "iv", ParamType::String, &[]),
            common_spec("OutVariable", "ov", ParamType::String, &[]),
            common_spec("OutBuffer", "ob", ParamType::Int32, &[]),
            common_spec("PipelineVariable", "pv", ParamType::String, &[]),
        ]
    })
}

/// `-WhatIf` and `-Confirm`, for commands that support ShouldProcess.
fn should_process_parameters() -> &'static [ParameterSpec] {
    static SHOULD_PROCESS: OnceLock<Vec<ParameterSpec>> = OnceLock::new();
    SHOULD_PROCESS.get_or_init(|| {
        vec![
            common_spec("WhatIf", "wi", ParamType::SwitchParameter, &[]),
            common_spec("Confirm", "cf", ParamType::SwitchParameter, &[]),
        ]
    })
}

/// The name of a common (or ShouldProcess) parameter spec, as a `'static` str.
fn common_name(parameter: &ParameterSpec) -> Option<&'static str> {
    common_parameters()
        .iter()
        .chain(should_process_parameters())
        .find(|c| std::ptr::eq(*c, parameter))
        .map(|c| c.name.as_str())
}

/// Binds `args` to `spec`. `input` is what the previous pipeline element produced, if this
/// command is not first; `span` is the command's extent.
pub fn bind<'s>(
    spec: &'s CmdletSpec,
    args: &[Argument],
    input: Option<Vec<Value>>,
    span: Span,
    options: BindOptions,
) -> Result<Invocation<'s>, ErrorRecord> {
    Binder { spec, options }.bind(args, input, span).map_err(|e| e.in_command(&spec.name))
}

struct Binder<'s> {
    spec: &'s CmdletSpec,
    options: BindOptions,
}

/// A parameter, whether the spec declares it or it is common.
type Param<'s> = &'s ParameterSpec;

impl<'s> Binder<'s> {
    fn bind(&self, args: &[Argument], input: Option<Vec<Value>>, span: Span) -> Result<Invocation<'s>, ErrorRecord> {
        let mut bound: Vec<(Param<'s>, Value)> = Vec::new();
        let mut literals: Vec<(&'s str, String)> = Vec::new();
        let mut note = |parameter: Param<'s>, v: &ArgValue| {
            if let Some(l) = &v.literal {
                literals.push((parameter.name.as_str(), l.clone()));
            }
        };
        let mut positional: Vec<(&ArgValue, Span)> = Vec::new();
        let mut remaining: Vec<Value> = Vec::new();
        let mut items = args.iter().peekable();
        while let Some(arg) = items.next() {
            let (name, colon_value) = match &arg.kind {
                ArgumentKind::Value(v) => {
                    positional.push((v, arg.span));
                    continue;
                }
                ArgumentKind::Parameter { name, value } => (name, value),
            };
            let parameter = match self.match_parameter(name, arg.span) {
                Ok(p) => p,
                Err(e) if self.options.collect_remaining && e.error_id == "NamedParameterNotFound" => {
                    remaining.push(Value::String(format!("-{name}")));
                    if let Some(v) = colon_value {
                        remaining.push(v.value.clone());
                    }
                    continue;
                }
                Err(e) => return Err(e),
            };
            if bound.iter().any(|(p, _)| p.name == parameter.name) {
                return Err(already_bound(parameter, arg.span));
            }
            let value = if parameter.is_switch() {
                match colon_value {
                    Some(v) => self.convert(parameter, v, arg.span)?,
                    None => Value::Bool(true),
                }
            } else if let Some(v) = colon_value {
                note(parameter, v);
                self.convert(parameter, v, arg.span)?
            } else {
                match items.peek().map(|a| (&a.kind, a.span)) {
                    Some((ArgumentKind::Value(v), value_span)) => {
                        items.next();
                        note(parameter, v);
                        self.convert(parameter, v, value_span)?
                    }
                    // A following token that looks like a parameter but names none is the value.
                    Some((ArgumentKind::Parameter { name: next, value: None }, value_span))
                        if self.match_parameter(next, value_span).is_err() =>
                    {
                        items.next();
                        let text = ArgValue { value: Value::String(format!("-{next}")), literal: None };
                        self.convert(parameter, &text, value_span)?
                    }
                    _ => return Err(missing_argument(parameter, arg.span)),
                }
            };
            bound.push((parameter, value));
        }

        let mut sets = self.viable_sets(&bound);
        let gather = self.spec.parameters.iter().find(|p| p.remaining);
        let mut gathered: Vec<Value> = Vec::new();
        for (v, value_span) in positional {
            let Some(parameter) = self.next_positional(&bound, &sets, &v.value) else {
                if self.options.collect_remaining {
                    remaining.push(v.value.clone());
                    continue;
                }
                if gather.is_some() {
                    gathered.push(v.value.clone());
                    continue;
                }
                let text = v.literal.clone().unwrap_or_else(|| match &v.value {
                    Value::Array(_) => "System.Object[]".into(),
                    other => other.to_display_string(),
                });
                return Err(positional_not_found(self.spec, &text, value_span));
            };
            note(parameter, v);
            let value = self.convert(parameter, v, value_span)?;
            bound.push((parameter, value));
            sets = self.viable_sets(&bound);
        }

        if let Some(parameter) = gather
            && !gathered.is_empty()
        {
            match bound.iter_mut().find(|(p, _)| p.name == parameter.name) {
                Some((_, value)) => {
                    let mut all = match std::mem::take(value) {
                        Value::Array(items) => items.borrow().clone(),
                        one => vec![one],
                    };
                    all.extend(gathered);
                    *value = Value::array(all);
                }
                // One explicit array (`F 1,2,3`) is the list itself.
                None if matches!(gathered.as_slice(), [Value::Array(_)]) => bound.push((parameter, gathered.remove(0))),
                None => bound.push((parameter, Value::array(gathered))),
            }
        }

        let mut piped = None;
        if let Some(items) = input {
            let target = self
                .spec
                .parameters
                .iter()
                .find(|p| p.takes_any_by_value() && !bound.iter().any(|(b, _)| b.name == p.name));
            match target {
                Some(parameter) => {
                    piped = Some(parameter.name.as_str());
                    bound.push((parameter, Value::array(items)));
                }
                None if items.is_empty() => {}
                None => return Err(input_not_bound(span)),
            }
            sets = self.viable_sets(&bound);
        }

        let set = self.choose_set(&bound, &sets, span)?;
        let missing: Vec<&str> = self
            .spec
            .parameters
            .iter()
            .filter(|p| p.mandatory && p.in_set(&set) && !bound.iter().any(|(b, _)| b.name == p.name))
            .filter(|p| !(self.options.expecting_input && p.pipeline.is_some()))
            .map(|p| p.name.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(missing_mandatory(self.spec, &missing, span));
        }
        let mut declared = Vec::new();
        let mut common = Vec::new();
        for (p, v) in bound {
            match common_name(p) {
                Some(name) => common.push((name, v)),
                None => declared.push((p.name.as_str(), v)),
            }
        }
        Ok(Invocation {
            spec: self.spec,
            parameter_set: set,
            bound: declared,
            remaining,
            common,
            span,
            literals,
            piped,
        })
    }

    /// Every parameter this command accepts: declared first, then the common ones.
    fn parameters(&self) -> impl Iterator<Item = Param<'s>> {
        let common: &'static [ParameterSpec] = if self.options.common_parameters { common_parameters() } else { &[] };
        let should: &'static [ParameterSpec] =
            if self.spec.supports_should_process() { should_process_parameters() } else { &[] };
        self.spec.parameters.iter().chain(common).chain(should)
    }

    /// PowerShell's GetMatchingParameter: an exact name or alias wins, else a unique prefix;
    /// among several, a single declared parameter beats the common ones.
    fn match_parameter(&self, typed: &str, span: Span) -> Result<Param<'s>, ErrorRecord> {
        let exact = self
            .parameters()
            .find(|p| p.name.eq_ignore_ascii_case(typed) || p.aliases.iter().any(|a| a.eq_ignore_ascii_case(typed)));
        if let Some(p) = exact {
            return Ok(p);
        }
        let matches: Vec<Param<'s>> = self
            .parameters()
            .filter(|p| {
                starts_with_ignore_case(&p.name, typed) || p.aliases.iter().any(|a| starts_with_ignore_case(a, typed))
            })
            .collect();
        let declared: Vec<Param<'s>> = matches.iter().copied().filter(|p| common_name(p).is_none()).collect();
        match (matches.as_slice(), declared.as_slice()) {
            ([one], _) => Ok(one),
            ([], _) => Err(named_parameter_not_found(self.spec, typed, span)),
            (_, [one]) => Ok(one),
            (several, _) => Err(ambiguous_parameter(typed, several, span)),
        }
    }

    /// The parameter sets that contain every declared parameter bound so far.
    fn viable_sets(&self, bound: &[(Param<'s>, Value)]) -> Vec<&'s str> {
        self.spec
            .parameter_sets()
            .into_iter()
            .filter(|set| bound.iter().filter(|(p, _)| common_name(p).is_none()).all(|(p, _)| p.in_set(set)))
            .collect()
    }

    /// The unbound positional parameter with the lowest position in a viable set. Where sets
    /// disagree at that position, a script block goes to a ScriptBlock parameter and anything
    /// else to the other one (`Where-Object { … }` and `Where-Object Name`).
    fn next_positional(&self, bound: &[(Param<'s>, Value)], sets: &[&str], value: &Value) -> Option<Param<'s>> {
        let candidates: Vec<Param<'s>> = self
            .spec
            .parameters
            .iter()
            .filter(|p| p.position.is_some())
            .filter(|p| !bound.iter().any(|(b, _)| b.name == p.name))
            .filter(|p| sets.iter().any(|s| p.in_set(s)))
            .collect();
        let lowest = candidates.iter().filter_map(|p| p.position).min()?;
        let at_lowest: Vec<Param<'s>> = candidates.into_iter().filter(|p| p.position == Some(lowest)).collect();
        let is_block = matches!(value, Value::ScriptBlock(_));
        at_lowest.iter().find(|p| (p.kind == ParamType::ScriptBlock) == is_block).or_else(|| at_lowest.first()).copied()
    }

    fn choose_set(&self, bound: &[(Param<'s>, Value)], sets: &[&str], span: Span) -> Result<String, ErrorRecord> {
        let default = self.spec.default_parameter_set.as_str();
        if let [only] = sets {
            return Ok(only.to_string());
        }
        if sets.iter().any(|s| s.eq_ignore_ascii_case(default)) {
            return Ok(default.to_string());
        }
        let satisfied: Vec<&&str> = sets
            .iter()
            .filter(|set| {
                self.spec
                    .parameters
                    .iter()
                    .filter(|p| p.mandatory && p.in_set(set))
                    .all(|p| bound.iter().any(|(b, _)| b.name == p.name))
            })
            .collect();
        match satisfied.as_slice() {
            [one] => Ok(one.to_string()),
            _ => Err(ambiguous_set(self.spec, span)),
        }
    }

    /// The value converted to `parameter`'s type, then validated.
    fn convert(&self, parameter: &ParameterSpec, arg: &ArgValue, span: Span) -> Result<Value, ErrorRecord> {
        // `$null` leaves an optional parameter unset; a mandatory one refuses it.
        if arg.value == Value::Null
            && !matches!(parameter.kind, ParamType::SwitchParameter | ParamType::Boolean | ParamType::PSObject)
        {
            return if parameter.mandatory { Err(null_not_allowed(parameter, span)) } else { Ok(Value::Null) };
        }
        // A cmdlet's mandatory string refuses ''; a function's follows its attributes
        // ([AllowEmptyString()]), which the language decides.
        if parameter.mandatory
            && !self.spec.module.is_empty()
            && matches!(parameter.kind, ParamType::String)
            && matches!(&arg.value, Value::String(s) if s.is_empty())
        {
            return Err(ErrorRecord::new(
                "ParameterArgumentValidationErrorEmptyStringNotAllowed",
                "InvalidData",
                format!("Cannot bind argument to parameter '{}' because it is an empty string.", parameter.name),
            )
            .at(span));
        }
        let value = match (&arg.value, parameter.kind) {
            (v, ParamType::PSObject) => v.clone(),
            (v @ Value::ScriptBlock(_), ParamType::ScriptBlock) => v.clone(),
            (v, ParamType::ScriptBlock) => return Err(cannot_convert(parameter, type_of(v), span)),
            (Value::Array(items), ParamType::StringArray) => Value::array(
                items
                    .borrow()
                    .iter()
                    .map(|v| scalar_string(parameter, v, None, span).map(Value::String))
                    .collect::<Result<_, _>>()?,
            ),
            (_, ParamType::StringArray) => {
                Value::array(vec![Value::String(scalar_string(parameter, &arg.value, arg.literal.as_deref(), span)?)])
            }
            (v, ParamType::SwitchParameter | ParamType::Boolean) => boolean(parameter, v, span)?,
            (v, ParamType::Int32 | ParamType::UInt32 | ParamType::Int64) => integer(parameter, v, span)?,
            (v, ParamType::ByteQuantifiedSize) => byte_size(parameter, v, span)?,
            (v, ParamType::Double) => match to_real(v) {
                Some(r) => Value::Real(r),
                None => return Err(not_a_number(parameter, v, span)),
            },
            (v, ParamType::TimeSpan) => time_span(parameter, v, span)?,
            (v, ParamType::DateTime) => date_time(parameter, v, span)?,
            (_, ParamType::Fqdn) => {
                let text = scalar_string(parameter, &arg.value, arg.literal.as_deref(), span)?;
                Value::String(fqdn(parameter, &text, span)?)
            }
            (_, ParamType::Enum) => {
                let text = scalar_string(parameter, &arg.value, arg.literal.as_deref(), span)?;
                Value::String(enum_value(parameter, &text, span)?)
            }
            _ => Value::String(scalar_string(parameter, &arg.value, arg.literal.as_deref(), span)?),
        };
        validate(parameter, &value, span)?;
        Ok(value)
    }
}

/// The .NET type name of a value, for conversion errors.
pub fn type_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "System.Boolean",
        Value::Int(i) if i32::try_from(*i).is_ok() => "System.Int32",
        Value::Int(_) => "System.Int64",
        Value::Real(_) => "System.Double",
        Value::Number(n) => n.type_name(),
        Value::Char(_) => "System.Char",
        Value::String(_) => "System.String",
        Value::DateTime(_) => "System.DateTime",
        Value::TimeSpan(_) => "System.TimeSpan",
        Value::Array(_) => "System.Object[]",
        Value::Hashtable(_) => "System.Collections.Hashtable",
        Value::Record(_) | Value::Formatted(_) => "System.Management.Automation.PSObject",
        Value::ScriptBlock(_) => "System.Management.Automation.ScriptBlock",
        Value::Object(_) => "System.Object",
    }
}

/// One string for a string-like parameter; numbers keep their spelling.
fn scalar_string(
    parameter: &ParameterSpec,
    value: &Value,
    literal: Option<&str>,
    span: Span,
) -> Result<String, ErrorRecord> {
    if let Some(text) = literal {
        return Ok(text.to_string());
    }
    match value {
        Value::Null => Err(null_not_allowed(parameter, span)),
        Value::Array(items) if items.borrow().len() != 1 => Err(cannot_convert(parameter, "System.Object[]", span)),
        Value::Array(items) => scalar_string(parameter, &items.borrow()[0], None, span),
        Value::Hashtable(_) | Value::ScriptBlock(_) => Err(cannot_convert(parameter, type_of(value), span)),
        v => Ok(v.to_display_string()),
    }
}

/// Switches and booleans take only booleans and numbers.
fn boolean(parameter: &ParameterSpec, value: &Value, span: Span) -> Result<Value, ErrorRecord> {
    match value {
        Value::Bool(b) => Ok(Value::Bool(*b)),
        Value::Int(i) => Ok(Value::Bool(*i != 0)),
        Value::Real(r) => Ok(Value::Bool(*r != 0.0)),
        Value::Null => Ok(Value::Bool(false)),
        other => Err(cannot_convert(parameter, type_of(other), span)),
    }
}

fn to_real(value: &Value) -> Option<f64> {
    match value {
        Value::Int(i) => Some(*i as f64),
        Value::Real(r) => Some(*r),
        Value::String(s) => s.trim().parse().ok(),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    }
}

fn integer(parameter: &ParameterSpec, value: &Value, span: Span) -> Result<Value, ErrorRecord> {
    let number = match value {
        Value::Int(i) => Some(*i),
        Value::Real(r) if r.is_finite() => Some(r.round() as i64),
        Value::String(s) => match super::syntax::parse_number(s.trim()) {
            Some(super::syntax::NumberValue::Int32(i)) => Some(i64::from(i)),
            Some(super::syntax::NumberValue::Int64(i)) => Some(i),
            _ => None,
        },
        Value::Number(n) => n.as_i128().and_then(|i| i64::try_from(i).ok()),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    };
    let fits = |n: i64| match parameter.kind {
        ParamType::UInt32 => u32::try_from(n).is_ok(),
        ParamType::Int64 => true,
        _ => i32::try_from(n).is_ok(),
    };
    match number {
        Some(n) if fits(n) => Ok(Value::Int(n)),
        _ => Err(not_a_number(parameter, value, span)),
    }
}

fn not_a_number(parameter: &ParameterSpec, value: &Value, span: Span) -> ErrorRecord {
    ErrorRecord::new(
        "CannotConvertArgumentNoMessage",
        "InvalidArgument",
        format!(
            "Cannot bind parameter '{}'. Cannot convert value \"{}\" to type \"{}\". Error: \"Input string was not in a correct format.\"",
            parameter.name,
            value.to_display_string(),
            parameter.kind.full_name()
        ),
    )
    .at(span)
    .with_hint(format!("Give -{} a number.", parameter.name))
}

/// A size for a ByteQuantifiedSize parameter, bound as its bytes: Exchange reads `30MB`,
/// `'30 MB'`, a plain number of bytes, or a size another cmdlet returned.
fn byte_size(parameter: &ParameterSpec, value: &Value, span: Span) -> Result<Value, ErrorRecord> {
    let bytes =
        crate::shell::runtime::exchange::ByteQuantifiedSize::bytes_of(value).and_then(|b| i64::try_from(b).ok());
    bytes.map(Value::Int).ok_or_else(|| {
        let text = value.to_display_string();
        ErrorRecord::new(
            "CannotConvertArgumentNoMessage",
            "InvalidArgument",
            format!(
                "Cannot bind parameter '{}'. Cannot convert value \"{text}\" to type \"Microsoft.Exchange.Data.ByteQuantifiedSize\". Error: \"The value '{text}' is not a valid size.\"",
                parameter.name
            ),
        )
        .at(span)
        .with_hint(format!("Give -{} a size such as 30MB, '30 MB' or 1GB.", parameter.name))
    })
}

/// `d.hh:mm:ss` text (or a TimeSpan) for a TimeSpan parameter. A bare integer is refused:
/// .NET would read it as ticks, which is never what an administrator means.
fn time_span(parameter: &ParameterSpec, value: &Value, span: Span) -> Result<Value, ErrorRecord> {
    let parsed = match value {
        Value::TimeSpan(t) => Some(*t),
        Value::String(s) => TimeSpan::parse(s),
        // An EnhancedTimeSpan another cmdlet returned.
        Value::Object(o) if o.is_a("Microsoft.Exchange.Data.EnhancedTimeSpan") => TimeSpan::parse(&o.to_text()),
        _ => None,
    };
    parsed.map(Value::TimeSpan).ok_or_else(|| {
        let text = value.to_display_string();
        ErrorRecord::new(
            "CannotConvertArgumentNoMessage",
            "InvalidArgument",
            format!(
                "Cannot bind parameter '{}'. Cannot convert value \"{text}\" to type \"System.TimeSpan\". Error: \"String '{text}' was not recognized as a valid TimeSpan.\"",
                parameter.name
            ),
        )
        .at(span)
        .with_hint(format!(
            "Write -{} as Days.Hours:Minutes:Seconds, for example 1.00:00:00 for one day or 0.0:0:0 for none.",
            parameter.name
        ))
    })
}

fn date_time(parameter: &ParameterSpec, value: &Value, span: Span) -> Result<Value, ErrorRecord> {
    let single = match value.array_items() {
        Some(items) if items.len() == 1 => items.into_iter().next(),
        _ => None,
    };
    let value = single.as_ref().unwrap_or(value);
    let parsed = match value {
        Value::DateTime(t) => Some(*t),
        Value::String(s) => crate::shell::eval::convert::parse_date(s),
        _ => None,
    };
    parsed.map(Value::DateTime).ok_or_else(|| {
        let text = value.to_display_string();
        let why = match value {
            Value::String(_) => format!("String '{text}' was not recognized as a valid DateTime."),
            other => format!("Cannot convert a {} to a DateTime.", type_of(other)),
        };
        ErrorRecord::new(
            "CannotConvertArgumentNoMessage",
            "InvalidArgument",
            format!(
                "Cannot bind parameter '{}'. Cannot convert value \"{text}\" to type \"System.DateTime\". Error: \"{why}\"",
                parameter.name
            ),
        )
        .at(span)
        .with_hint(format!("Write -{} as 2026-11-22, 2026-11-22T16:05:09 or 11/22/2026 4:05 PM.", parameter.name))
    })
}

/// Exchange's `Fqdn`: dot-separated DNS labels (letters, digits, `-`, `_`; 1 to 63 characters,
/// no leading or trailing hyphen), at most 255 characters in all.
fn fqdn(parameter: &ParameterSpec, text: &str, span: Span) -> Result<String, ErrorRecord> {
    let trimmed = text.trim().trim_end_matches('.');
    let valid_label = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if !trimmed.is_empty() && trimmed.len() <= 255 && trimmed.split('.').all(valid_label) {
        return Ok(trimmed.to_string());
    }
    Err(ErrorRecord::new(
        "CannotConvertArgumentNoMessage",
        "InvalidArgument",
        format!(
            "Cannot bind parameter '{}'. Cannot convert value \"{text}\" to type \"{}\". Error: \"'{text}' is not a valid fully qualified domain name.\"",
            parameter.name,
            parameter.kind.full_name()
        ),
    )
    .at(span)
    .with_hint(format!("Give -{} a host name such as dc01.contoso.local.", parameter.name)))
}

fn starts_with_ignore_case(name: &str, prefix: &str) -> bool {
    name.get(..prefix.len()).is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// An enum value by name or unique prefix, returned in its canonical spelling.
fn enum_value(parameter: &ParameterSpec, text: &str, span: Span) -> Result<String, ErrorRecord> {
    // An enum also takes its numeric value (`-ErrorAction 0` is SilentlyContinue).
    if let Some(by_number) = text.trim().parse::<usize>().ok().and_then(|i| parameter.values.get(i)) {
        return Ok(by_number.clone());
    }
    if let Some(exact) = parameter.values.iter().find(|v| v.eq_ignore_ascii_case(text)) {
        return Ok(exact.clone());
    }
    let prefixed: Vec<&String> =
        parameter.values.iter().filter(|v| !text.is_empty() && starts_with_ignore_case(v, text)).collect();
    match prefixed.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(not_in_set(parameter, text, span)),
        several => Err(ErrorRecord::new(
            "CannotConvertArgumentNoMessage",
            "InvalidArgument",
            format!(
                "Cannot bind parameter '{}'. The identifier name {text} cannot be processed because \
                 it is either too similar or identical to the following enumerator names: {}. Use a \
                 more specific identifier name.",
                parameter.name,
                several.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")
            ),
        )
        .at(span)),
    }
}

/// ValidateSet and ValidateRange.
fn validate(parameter: &ParameterSpec, value: &Value, span: Span) -> Result<(), ErrorRecord> {
    if parameter.kind != ParamType::Enum && !parameter.values.is_empty() {
        let items = match value {
            Value::Array(items) => items.borrow().clone(),
            single => vec![single.clone()],
        };
        for item in &items {
            let text = item.to_display_string();
            if !parameter.values.iter().any(|v| v.eq_ignore_ascii_case(&text)) {
                return Err(not_in_set(parameter, &text, span));
            }
        }
    }
    // A fractional or huge number (`-Seconds 1e20`) is held against the range as it is.
    if let (Some([low, high]), Value::Real(r)) = (parameter.range, value) {
        let shown = value.to_display_string();
        let message = if r.is_nan() || *r > high as f64 {
            format!(
                "The {shown} argument is greater than the maximum allowed range of {high}. Supply an \
                 argument that is less than or equal to {high} and then try the command again."
            )
        } else if *r < low as f64 {
            format!(
                "The {shown} argument is less than the minimum allowed range of {low}. Supply an \
                 argument that is greater than or equal to {low} and then try the command again."
            )
        } else {
            return Ok(());
        };
        return Err(validation_error(parameter, message, span));
    }
    if let (Some([low, high]), Value::Int(n)) = (parameter.range, value) {
        let message = if *n > high {
            format!(
                "The {n} argument is greater than the maximum allowed range of {high}. Supply an \
                 argument that is less than or equal to {high} and then try the command again."
            )
        } else if *n < low {
            format!(
                "The {n} argument is less than the minimum allowed range of {low}. Supply an \
                 argument that is greater than or equal to {low} and then try the command again."
            )
        } else {
            return Ok(());
        };
        return Err(validation_error(parameter, message, span));
    }
    Ok(())
}

fn validation_error(parameter: &ParameterSpec, message: String, span: Span) -> ErrorRecord {
    ErrorRecord::new(
        "ParameterArgumentValidationError",
        "InvalidData",
        format!("Cannot validate argument on parameter '{}'. {message}", parameter.name),
    )
    .at(span)
}

fn not_in_set(parameter: &ParameterSpec, text: &str, span: Span) -> ErrorRecord {
    let set = parameter.values.join(",");
    validation_error(
        parameter,
        format!(
            "The argument \"{text}\" does not belong to the set \"{set}\" specified by the ValidateSet \
             attribute. Supply an argument that is in the set and then try the command again."
        ),
        span,
    )
}

fn named_parameter_not_found(spec: &CmdletSpec, typed: &str, span: Span) -> ErrorRecord {
    let names = spec.parameters.iter().map(|p| p.name.as_str());
    let hint = match closest(typed, names) {
        Some(name) => format!("Did you mean -{name}? Get-Help {} lists its parameters.", spec.name),
        None if spec.parameters.is_empty() => format!("{} takes no parameters.", spec.name),
        None => format!(
            "{} takes {}. Get-Help {0} describes them.",
            spec.name,
            spec.parameters.iter().map(|p| format!("-{}", p.name)).collect::<Vec<_>>().join(", ")
        ),
    };
    ErrorRecord::new(
        "NamedParameterNotFound",
        "InvalidArgument",
        format!("A parameter cannot be found that matches parameter name '{typed}'."),
    )
    .at(span)
    .with_hint(hint)
}

fn ambiguous_parameter(typed: &str, matches: &[&ParameterSpec], span: Span) -> ErrorRecord {
    let names: String = matches.iter().map(|p| format!(" -{}", p.name)).collect();
    ErrorRecord::new(
        "AmbiguousParameter",
        "InvalidArgument",
        format!(
            "Parameter cannot be processed because the parameter name '{typed}' is ambiguous. \
             Possible matches include:{names}."
        ),
    )
    .at(span)
    .with_hint("Type more of the parameter name so that only one parameter matches.")
}

fn already_bound(parameter: &ParameterSpec, span: Span) -> ErrorRecord {
    ErrorRecord::new(
        "ParameterAlreadyBound",
        "InvalidArgument",
        format!(
            "Cannot bind parameter because parameter '{}' is specified more than once. To provide \
             multiple values to parameters that can accept multiple values, use the array syntax. \
             For example, \"-parameter value1,value2,value3\".",
            parameter.name
        ),
    )
    .at(span)
}

fn missing_argument(parameter: &ParameterSpec, span: Span) -> ErrorRecord {
    ErrorRecord::new(
        "MissingArgument",
        "InvalidArgument",
        format!(
            "Missing an argument for parameter '{}'. Specify a parameter of type '{}' and try again.",
            parameter.name,
            parameter.kind.full_name()
        ),
    )
    .at(span)
    .with_hint(format!("Put a value after -{}.", parameter.name))
}

fn positional_not_found(spec: &CmdletSpec, text: &str, span: Span) -> ErrorRecord {
    ErrorRecord::new(
        "PositionalParameterNotFound",
        "InvalidArgument",
        format!("A positional parameter cannot be found that accepts argument '{text}'."),
    )
    .at(span)
    .with_hint(format!(
        "Name the parameter this value is for, or quote it if it contains spaces. Get-Help {} \
         shows the syntax.",
        spec.name
    ))
}

fn cannot_convert(parameter: &ParameterSpec, from: &str, span: Span) -> ErrorRecord {
    let hint = if parameter.is_switch() {
        format!("Write -{0} to set it, or -{0}:$false to clear it.", parameter.name)
    } else {
        format!("Give -{} a value of type {}.", parameter.name, parameter.kind.display_name())
    };
    ErrorRecord::new(
        "CannotConvertArgument",
        "InvalidArgument",
        format!(
            "Cannot convert '{from}' to the type '{}' required by parameter '{}'. ",
            parameter.kind.full_name(),
            parameter.name
        ),
    )
    .at(span)
    .with_hint(hint)
}

fn null_not_allowed(parameter: &ParameterSpec, span: Span) -> ErrorRecord {
    ErrorRecord::new(
        "ParameterArgumentValidationErrorNullNotAllowed",
        "InvalidData",
        format!("Cannot bind argument to parameter '{}' because it is null.", parameter.name),
    )
    .at(span)
}

fn input_not_bound(span: Span) -> ErrorRecord {
    ErrorRecord::new(
        "InputObjectNotBound",
        "InvalidArgument",
        "The input object cannot be bound to any parameters for the command either because the \
         command does not take pipeline input or the input and its properties do not match any of \
         the parameters that take pipeline input."
            .into(),
    )
    .at(span)
}

fn ambiguous_set(spec: &CmdletSpec, span: Span) -> ErrorRecord {
    ErrorRecord::new(
        "AmbiguousParameterSet",
        "InvalidArgument",
        "Parameter set cannot be resolved using the specified named parameters. One or more \
         parameters issued cannot be used together or an insufficient number of parameters were \
         provided."
            .into(),
    )
    .at(span)
    .with_hint(format!("Get-Help {} shows which parameters go together.", spec.name))
}

fn missing_mandatory(spec: &CmdletSpec, missing: &[&str], span: Span) -> ErrorRecord {
    let names: String = missing.iter().map(|m| format!(" {m}")).collect();
    let mut record = ErrorRecord::new(
        "MissingMandatoryParameter",
        "InvalidArgument",
        format!("Cannot process command because of one or more missing mandatory parameters:{names}."),
    )
    .at(span)
    .with_hint(format!("Get-Help {} shows the syntax.", spec.name));
    record.target = Some(missing.join(" "));
    record
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::spec;
    use crate::shell::syntax::{self, CommandElement, Statement};

    const SPEC: &str = r#"
name = "Get-Thing"
synopsis = "s"
description = "d"
default_parameter_set = "Identity"

[[parameters]]
name = "Identity"
type = "StorageGroupIdParameter"
position = 0
sets = ["Identity"]

[[parameters]]
name = "Server"
type = "ServerIdParameter"
mandatory = true
sets = ["Server"]

[[parameters]]
name = "ServiceName"
type = "String"

[[parameters]]
name = "Force"
type = "SwitchParameter"

[[parameters]]
name = "Dial"
type = "Enum"
values = ["Lossless", "GoodAvailability", "BestAvailability", "BestEffort"]

[[parameters]]
name = "Depth"
type = "Int32"
range = [0, 100]
aliases = ["dp"]

[[examples]]
title = "t"
command = "Get-Thing"
description = "d"
"#;

    /// Literal arguments as the interpreter would evaluate them.
    fn literal(expr: &crate::shell::syntax::Expr) -> ArgValue {
        use crate::shell::syntax::{ExprKind, NumberValue};
        let value = match &expr.kind {
            ExprKind::String(s) | ExprKind::BareWord(s) => Value::String(s.to_string()),
            ExprKind::Int(i) => Value::Int(*i),
            ExprKind::Real(r) => Value::Real(*r),
            ExprKind::Number(n) => match n.value {
                NumberValue::Int32(i) => Value::Int(i64::from(i)),
                NumberValue::Int64(i) => Value::Int(i),
                _ => Value::Null,
            },
            ExprKind::Variable(v) if &*v.key == "true" => Value::Bool(true),
            ExprKind::Variable(v) if &*v.key == "false" => Value::Bool(false),
            ExprKind::Array(items) => Value::array(items.iter().map(|e| literal(e).value).collect()),
            _ => Value::Null,
        };
        let literal = match &expr.kind {
            ExprKind::Number(n) => Some(n.text.to_string()),
            _ => None,
        };
        ArgValue { value, literal }
    }

    fn bind_text(text: &str) -> Result<(String, Vec<(String, Value)>), ErrorRecord> {
        let spec = spec::load("Get-Thing.toml", SPEC).expect("spec loads");
        let script = syntax::parse(text).expect("parses");
        let Statement::Command(command) = &script.statements()[0] else { panic!("a command") };
        let args: Vec<Argument> = command
            .elements
            .iter()
            .map(|e| match e {
                CommandElement::Argument(e) => Argument { kind: ArgumentKind::Value(literal(e)), span: e.span },
                CommandElement::Splat { .. } => panic!("no splats here"),
                parameter => {
                    let p = parameter.as_parameter().expect("a parameter");
                    Argument {
                        kind: ArgumentKind::Parameter { name: p.name.to_string(), value: p.argument.map(literal) },
                        span: p.span,
                    }
                }
            })
            .collect();
        let invocation = bind(&spec, &args, None, command.span, BindOptions::default())?;
        let bound = invocation.bound.iter().map(|(n, v)| (n.to_string(), v.clone())).collect();
        Ok((invocation.parameter_set, bound))
    }

    fn value_of(bound: &[(String, Value)], name: &str) -> Option<Value> {
        bound.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn binds_positional_named_prefix_and_alias() {
        let (set, bound) = bind_text("Get-Thing 'CCREX01\\SG' -f -dp 3 -Dial bestav").expect("binds");
        assert_eq!(set, "Identity");
        assert_eq!(value_of(&bound, "Identity"), Some(Value::from("CCREX01\\SG")));
        assert_eq!(value_of(&bound, "Force"), Some(Value::Bool(true)));
        assert_eq!(value_of(&bound, "Depth"), Some(Value::Int(3)));
        assert_eq!(value_of(&bound, "Dial"), Some(Value::from("BestAvailability")));
    }

    #[test]
    fn a_switch_takes_a_value_only_with_a_colon() {
        let (_, bound) = bind_text("Get-Thing –Force:$false").expect("binds");
        assert_eq!(value_of(&bound, "Force"), Some(Value::Bool(false)));
        // `-Force $false` is the switch plus a positional $false, which has nowhere to go once
        // Identity is bound: the classic `-Confirm $false` mistake.
        let e = bind_text("Get-Thing x -Force $false").expect_err("surplus positional");
        assert_eq!(e.message, "A positional parameter cannot be found that accepts argument 'False'.");
        let e = bind_text("Get-Thing -Force:false").expect_err("string to switch");
        assert_eq!(
            e.message,
            "Cannot convert 'System.String' to the type 'System.Management.Automation.SwitchParameter' required by parameter 'Force'. "
        );
    }

    #[test]
    fn parameter_sets_choose_mandatory_and_exclusive() {
        let (set, _) = bind_text("Get-Thing -Server CCREX01").expect("binds");
        assert_eq!(set, "Server");
        let e = bind_text("Get-Thing -Identity x -Server CCREX01").expect_err("both sets");
        assert_eq!(e.error_id, "AmbiguousParameterSet");
    }

    #[test]
    fn errors_carry_powershell_messages_and_the_command() {
        let e = bind_text("Get-Thing -Bogus").expect_err("unknown");
        assert_eq!(e.message, "A parameter cannot be found that matches parameter name 'Bogus'.");
        assert_eq!(e.fully_qualified_error_id(), "NamedParameterNotFound,Get-Thing");
        let e = bind_text("Get-Thing -Serv x").expect_err("ambiguous");
        assert_eq!(
            e.message,
            "Parameter cannot be processed because the parameter name 'Serv' is ambiguous. Possible matches include: -Server -ServiceName."
        );
        let e = bind_text("Get-Thing -Depth").expect_err("missing value");
        assert!(e.message.starts_with("Missing an argument for parameter 'Depth'."), "{}", e.message);
        let e = bind_text("Get-Thing a b").expect_err("extra positional");
        assert_eq!(e.message, "A positional parameter cannot be found that accepts argument 'b'.");
        let e = bind_text("Get-Thing -Depth 1 -Depth 2").expect_err("twice");
        assert_eq!(e.error_id, "ParameterAlreadyBound");
    }

    #[test]
    fn values_are_validated() {
        let e = bind_text("Get-Thing -Depth 101").expect_err("range");
        assert!(e.message.contains("greater than the maximum allowed range of 100"), "{}", e.message);
        let e = bind_text("Get-Thing -Depth abc").expect_err("not a number");
        assert_eq!(e.error_id, "CannotConvertArgumentNoMessage");
        let e = bind_text("Get-Thing -Dial Fast").expect_err("not in set");
        assert!(
            e.message.contains("does not belong to the set \"Lossless,GoodAvailability,BestAvailability,BestEffort\""),
            "{}",
            e.message
        );
        let e = bind_text("Get-Thing -Dial best").expect_err("ambiguous enum prefix");
        assert!(e.message.contains("too similar"), "{}", e.message);
    }

    #[test]
    fn common_parameters_bind_and_a_declared_parameter_beats_them() {
        let spec = spec::load("Get-Thing.toml", SPEC).expect("spec loads");
        let args = [
            Argument {
                kind: ArgumentKind::Parameter {
                    name: "ea".into(),
                    value: Some(ArgValue { value: Value::from("stop"), literal: None }),
                },
                span: Span::default(),
            },
            Argument {
                kind: ArgumentKind::Parameter {
                    name: "De".into(),
                    value: Some(ArgValue { value: Value::Int(3), literal: None }),
                },
                span: Span::default(),
            },
        ];
        let options = BindOptions { common_parameters: true, collect_remaining: false, expecting_input: false };
        let invocation = bind(&spec, &args, None, Span::default(), options).expect("binds");
        assert_eq!(invocation.common("ErrorAction"), Some(&Value::from("Stop")));
        // `-De` matches -Depth (declared) and -Debug (common): the declared one wins.
        assert_eq!(invocation.get("Depth"), Some(&Value::Int(3)));
        // `-D` matches two declared parameters: ambiguous.
        let args =
            [Argument { kind: ArgumentKind::Parameter { name: "D".into(), value: None }, span: Span::default() }];
        let e = bind(&spec, &args, None, Span::default(), options).expect_err("ambiguous");
        assert!(e.message.ends_with("Possible matches include: -Dial -Depth -Debug."), "{}", e.message);
        let args =
            [Argument { kind: ArgumentKind::Parameter { name: "Verb".into(), value: None }, span: Span::default() }];
        let e = bind(&spec, &args, None, Span::default(), BindOptions::default()).expect_err("no common parameters");
        assert_eq!(e.error_id, "NamedParameterNotFound");
    }

    #[test]
    fn a_dash_word_that_names_no_parameter_is_a_value() {
        let (_, bound) = bind_text("Get-Thing -ServiceName -odd").expect("binds");
        assert_eq!(value_of(&bound, "ServiceName"), Some(Value::from("-odd")));
    }
}
