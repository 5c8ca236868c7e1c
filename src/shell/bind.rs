//! Binding: a parsed command plus its spec become an [`Invocation`] whose parameters are
//! resolved (unique prefixes, aliases, positions, parameter sets, mandatory checks) and whose
//! values are converted to the parameters' types, with PowerShell's messages on failure.
//!
//! Must not: talk to ccrd or check cluster state (the engine checks that, atomically with any
//! change), or print. An `Invocation` can only be made here, so a cmdlet that holds one knows
//! its arguments passed every check in the spec.

use super::did_you_mean::closest;
use super::error_record::ErrorRecord;
use super::spec::{CmdletSpec, ParamType, ParameterSpec, PipelineInput};
use super::syntax::{Command, CommandElement, Expr, ExprKind, Number, ParameterToken, Span};
use super::value::Value;

/// A command whose parameters are bound and checked against its spec.
#[derive(Debug, Clone)]
pub struct Invocation<'s> {
    pub spec: &'s CmdletSpec,
    pub parameter_set: String,
    bound: Vec<(&'s str, Value)>,
    /// The command's extent in the source.
    pub span: Span,
}

impl<'s> Invocation<'s> {
    /// The bound value of parameter `name` (its canonical name, any case).
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.bound
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
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
            Value::Array(items) => Some(items.iter().map(Value::to_display_string).collect()),
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
}

/// Binds `command` to `spec`. `variable` resolves `$name` references; `input` is what the
/// previous pipeline element produced, if this command is not first.
pub fn bind<'s>(
    command: &Command,
    spec: &'s CmdletSpec,
    input: Option<Vec<Value>>,
    variable: &dyn Fn(&str) -> Value,
) -> Result<Invocation<'s>, ErrorRecord> {
    Binder { spec, variable }
        .bind(command, input)
        .map_err(|e| e.in_command(&spec.name))
}

struct Binder<'s, 'v> {
    spec: &'s CmdletSpec,
    variable: &'v dyn Fn(&str) -> Value,
}

impl<'s> Binder<'s, '_> {
    fn bind(
        &self,
        command: &Command,
        input: Option<Vec<Value>>,
    ) -> Result<Invocation<'s>, ErrorRecord> {
        let mut bound: Vec<(&'s ParameterSpec, Value)> = Vec::new();
        let mut positional: Vec<&Expr> = Vec::new();
        let mut elements = command.elements.iter().peekable();
        while let Some(element) = elements.next() {
            let token = match element {
                CommandElement::Argument(expr) => {
                    positional.push(expr);
                    continue;
                }
                CommandElement::Parameter(token) => token,
            };
            let parameter = self.match_parameter(token)?;
            if bound.iter().any(|(p, _)| p.name == parameter.name) {
                return Err(already_bound(parameter, token.span));
            }
            let value = if parameter.is_switch() {
                match &token.argument {
                    Some(expr) => self.convert(parameter, expr)?,
                    None => Value::Bool(true),
                }
            } else if let Some(expr) = &token.argument {
                self.convert(parameter, expr)?
            } else {
                match elements.peek() {
                    Some(CommandElement::Argument(expr)) => {
                        elements.next();
                        self.convert(parameter, expr)?
                    }
                    // A following token that looks like a parameter but names none is the value.
                    Some(CommandElement::Parameter(next))
                        if next.argument.is_none() && self.match_parameter(next).is_err() =>
                    {
                        elements.next();
                        let text = format!("-{}", next.name);
                        let expr = Expr {
                            kind: ExprKind::String(bare(text)),
                            span: next.span,
                        };
                        self.convert(parameter, &expr)?
                    }
                    _ => return Err(missing_argument(parameter, token.span)),
                }
            };
            bound.push((parameter, value));
        }

        let mut sets = self.viable_sets(&bound);
        for expr in positional {
            let Some(parameter) = self.next_positional(&bound, &sets) else {
                let text = match &expr.kind {
                    ExprKind::Number { text, .. } => text.clone(),
                    ExprKind::Array(_) => "System.Object[]".into(),
                    _ => self.value_of(expr).to_display_string(),
                };
                return Err(positional_not_found(self.spec, &text, expr.span));
            };
            let value = self.convert(parameter, expr)?;
            bound.push((parameter, value));
            sets = self.viable_sets(&bound);
        }

        if let Some(items) = input {
            let target = self.spec.parameters.iter().find(|p| {
                matches!(
                    p.pipeline,
                    Some(PipelineInput::ByValue | PipelineInput::ByValueAndPropertyName)
                ) && !bound.iter().any(|(b, _)| b.name == p.name)
            });
            match target {
                Some(parameter) => bound.push((parameter, Value::Array(items))),
                None if items.is_empty() => {}
                None => return Err(input_not_bound(command.name_span)),
            }
            sets = self.viable_sets(&bound);
        }

        let set = self.choose_set(&bound, &sets, command.span)?;
        let missing: Vec<&str> = self
            .spec
            .parameters
            .iter()
            .filter(|p| {
                p.mandatory && p.in_set(&set) && !bound.iter().any(|(b, _)| b.name == p.name)
            })
            .map(|p| p.name.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(missing_mandatory(self.spec, &missing, command.span));
        }
        Ok(Invocation {
            spec: self.spec,
            parameter_set: set,
            bound: bound
                .into_iter()
                .map(|(p, v)| (p.name.as_str(), v))
                .collect(),
            span: command.span,
        })
    }

    /// PowerShell's GetMatchingParameter: an exact name or alias wins, else a unique prefix.
    fn match_parameter(&self, token: &ParameterToken) -> Result<&'s ParameterSpec, ErrorRecord> {
        let typed = token.name.as_str();
        let params = &self.spec.parameters;
        let exact = params.iter().find(|p| {
            p.name.eq_ignore_ascii_case(typed)
                || p.aliases.iter().any(|a| a.eq_ignore_ascii_case(typed))
        });
        if let Some(p) = exact {
            return Ok(p);
        }
        let matches: Vec<&ParameterSpec> = params
            .iter()
            .filter(|p| {
                starts_with_ignore_case(&p.name, typed)
                    || p.aliases.iter().any(|a| starts_with_ignore_case(a, typed))
            })
            .collect();
        match matches.as_slice() {
            [one] => Ok(one),
            [] => Err(named_parameter_not_found(self.spec, token)),
            several => Err(ambiguous_parameter(typed, several, token.span)),
        }
    }

    /// The parameter sets that contain every parameter bound so far.
    fn viable_sets(&self, bound: &[(&ParameterSpec, Value)]) -> Vec<&'s str> {
        self.spec
            .parameter_sets()
            .into_iter()
            .filter(|set| bound.iter().all(|(p, _)| p.in_set(set)))
            .collect()
    }

    /// The unbound positional parameter with the lowest position in a viable set.
    fn next_positional(
        &self,
        bound: &[(&ParameterSpec, Value)],
        sets: &[&str],
    ) -> Option<&'s ParameterSpec> {
        self.spec
            .parameters
            .iter()
            .filter(|p| p.position.is_some())
            .filter(|p| !bound.iter().any(|(b, _)| b.name == p.name))
            .filter(|p| sets.iter().any(|s| p.in_set(s)))
            .min_by_key(|p| p.position)
    }

    fn choose_set(
        &self,
        bound: &[(&ParameterSpec, Value)],
        sets: &[&str],
        span: Span,
    ) -> Result<String, ErrorRecord> {
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

    /// The value of `expr` converted to `parameter`'s type, then validated.
    fn convert(&self, parameter: &ParameterSpec, expr: &Expr) -> Result<Value, ErrorRecord> {
        // `$null` leaves an optional parameter unset; a mandatory one refuses it.
        let is_null =
            matches!(expr.kind, ExprKind::Variable(_)) && self.value_of(expr) == Value::Null;
        if is_null
            && !matches!(
                parameter.kind,
                ParamType::SwitchParameter | ParamType::Boolean | ParamType::PSObject
            )
        {
            return if parameter.mandatory {
                Err(null_not_allowed(parameter, expr.span))
            } else {
                Ok(Value::Null)
            };
        }
        let value = match (&expr.kind, parameter.kind) {
            (_, ParamType::PSObject) => self.value_of(expr),
            (ExprKind::Array(items), ParamType::StringArray) => Value::Array(
                items
                    .iter()
                    .map(|e| self.scalar_string(parameter, e).map(Value::String))
                    .collect::<Result<_, _>>()?,
            ),
            (_, ParamType::StringArray) => {
                Value::Array(vec![Value::String(self.scalar_string(parameter, expr)?)])
            }
            (_, ParamType::SwitchParameter | ParamType::Boolean) => {
                self.boolean(parameter, expr)?
            }
            (_, ParamType::Int32 | ParamType::UInt32) => self.integer(parameter, expr)?,
            (_, ParamType::Enum) => {
                let text = self.scalar_string(parameter, expr)?;
                Value::String(enum_value(parameter, &text, expr.span)?)
            }
            _ => Value::String(self.scalar_string(parameter, expr)?),
        };
        validate(parameter, &value, expr.span)?;
        Ok(value)
    }

    fn value_of(&self, expr: &Expr) -> Value {
        literal_value(expr, self.variable)
    }

    /// One string for a string-like parameter; numbers keep their spelling.
    fn scalar_string(&self, parameter: &ParameterSpec, expr: &Expr) -> Result<String, ErrorRecord> {
        match &expr.kind {
            ExprKind::String(s) => Ok(s.value.clone()),
            ExprKind::Number { text, .. } => Ok(text.clone()),
            _ => match self.value_of(expr) {
                Value::Null => Err(null_not_allowed(parameter, expr.span)),
                Value::Array(_) => Err(cannot_convert(parameter, "System.Object[]", expr.span)),
                v => Ok(v.to_display_string()),
            },
        }
    }

    /// Switches and booleans take only booleans and numbers.
    fn boolean(&self, parameter: &ParameterSpec, expr: &Expr) -> Result<Value, ErrorRecord> {
        match self.value_of(expr) {
            Value::Bool(b) => Ok(Value::Bool(b)),
            Value::Int(i) => Ok(Value::Bool(i != 0)),
            Value::Real(r) => Ok(Value::Bool(r != 0.0)),
            Value::Null => Ok(Value::Bool(false)),
            Value::String(_) => Err(cannot_convert(parameter, "System.String", expr.span)),
            _ => Err(cannot_convert(parameter, "System.Object[]", expr.span)),
        }
    }

    fn integer(&self, parameter: &ParameterSpec, expr: &Expr) -> Result<Value, ErrorRecord> {
        let value = self.value_of(expr);
        let number = match &value {
            Value::Int(i) => Some(*i),
            Value::Real(r) if r.fract() == 0.0 => Some(*r as i64),
            Value::String(s) => s.trim().parse::<i64>().ok(),
            Value::Bool(b) => Some(i64::from(*b)),
            _ => None,
        };
        let in_type = |n: i64| match parameter.kind {
            ParamType::UInt32 => u32::try_from(n).is_ok(),
            _ => i32::try_from(n).is_ok(),
        };
        match number {
            Some(n) if in_type(n) => Ok(Value::Int(n)),
            _ => Err(ErrorRecord::new(
                "CannotConvertArgumentNoMessage",
                "InvalidArgument",
                format!(
                    "Cannot bind parameter '{}'. Cannot convert value \"{}\" to type \"{}\". Error: \
                     \"Input string was not in a correct format.\"",
                    parameter.name,
                    value.to_display_string(),
                    parameter.kind.full_name()
                ),
            )
            .at(expr.span)
            .with_hint(format!("Give -{} a whole number.", parameter.name))),
        }
    }
}

/// The value an argument expression denotes; `variable` resolves `$name`.
pub fn literal_value(expr: &Expr, variable: &dyn Fn(&str) -> Value) -> Value {
    match &expr.kind {
        ExprKind::String(s) => Value::String(s.value.clone()),
        ExprKind::Number {
            value: Number::Int(i),
            ..
        } => Value::Int(*i),
        ExprKind::Number {
            value: Number::Real(r),
            ..
        } => Value::Real(*r),
        ExprKind::Variable(name) => variable(name),
        ExprKind::Array(items) => {
            Value::Array(items.iter().map(|e| literal_value(e, variable)).collect())
        }
    }
}

fn starts_with_ignore_case(name: &str, prefix: &str) -> bool {
    name.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

fn bare(value: String) -> super::syntax::StringLiteral {
    super::syntax::StringLiteral {
        value,
        quoting: super::syntax::Quoting::Bare,
    }
}

/// An enum value by name or unique prefix, returned in its canonical spelling.
fn enum_value(parameter: &ParameterSpec, text: &str, span: Span) -> Result<String, ErrorRecord> {
    if let Some(exact) = parameter
        .values
        .iter()
        .find(|v| v.eq_ignore_ascii_case(text))
    {
        return Ok(exact.clone());
    }
    let prefixed: Vec<&String> = parameter
        .values
        .iter()
        .filter(|v| !text.is_empty() && starts_with_ignore_case(v, text))
        .collect();
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
            Value::Array(items) => items.as_slice(),
            single => std::slice::from_ref(single),
        };
        for item in items {
            let text = item.to_display_string();
            if !parameter
                .values
                .iter()
                .any(|v| v.eq_ignore_ascii_case(&text))
            {
                return Err(not_in_set(parameter, &text, span));
            }
        }
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
        format!(
            "Cannot validate argument on parameter '{}'. {message}",
            parameter.name
        ),
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

fn named_parameter_not_found(spec: &CmdletSpec, token: &ParameterToken) -> ErrorRecord {
    let names = spec.parameters.iter().map(|p| p.name.as_str());
    let hint = match closest(&token.name, names) {
        Some(name) => format!(
            "Did you mean -{name}? Get-Help {} lists its parameters.",
            spec.name
        ),
        None if spec.parameters.is_empty() => format!("{} takes no parameters.", spec.name),
        None => format!(
            "{} takes {}. Get-Help {0} describes them.",
            spec.name,
            spec.parameters
                .iter()
                .map(|p| format!("-{}", p.name))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    ErrorRecord::new(
        "NamedParameterNotFound",
        "InvalidArgument",
        format!(
            "A parameter cannot be found that matches parameter name '{}'.",
            token.name
        ),
    )
    .at(token.span)
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
        format!(
            "Write -{0} to set it, or -{0}:$false to clear it.",
            parameter.name
        )
    } else {
        format!(
            "Give -{} a value of type {}.",
            parameter.name,
            parameter.kind.display_name()
        )
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
        format!(
            "Cannot bind argument to parameter '{}' because it is null.",
            parameter.name
        ),
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
    .with_hint(format!(
        "Get-Help {} shows which parameters go together.",
        spec.name
    ))
}

fn missing_mandatory(spec: &CmdletSpec, missing: &[&str], span: Span) -> ErrorRecord {
    let names: String = missing.iter().map(|m| format!(" {m}")).collect();
    ErrorRecord::new(
        "MissingMandatoryParameter",
        "InvalidArgument",
        format!(
            "Cannot process command because of one or more missing mandatory parameters:{names}."
        ),
    )
    .at(span)
    .with_hint(format!("Get-Help {} shows the syntax.", spec.name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::spec;
    use crate::shell::syntax::{self, PipelineElement, Statement};

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

    fn bind_text(text: &str) -> Result<(String, Vec<(String, Value)>), ErrorRecord> {
        let spec = spec::load("Get-Thing.toml", SPEC).expect("spec loads");
        let script = syntax::parse(text).expect("parses");
        let Statement::Pipeline(p) = &script.statements[0] else {
            panic!("a pipeline")
        };
        let PipelineElement::Command(command) = &p.elements[0] else {
            panic!("a command")
        };
        let variable = |name: &str| match name {
            "false" => Value::Bool(false),
            "true" => Value::Bool(true),
            _ => Value::Null,
        };
        let invocation = bind(command, &spec, None, &variable)?;
        let bound = invocation
            .bound
            .iter()
            .map(|(n, v)| (n.to_string(), v.clone()))
            .collect();
        Ok((invocation.parameter_set, bound))
    }

    fn value_of(bound: &[(String, Value)], name: &str) -> Option<Value> {
        bound
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }

    #[test]
    fn binds_positional_named_prefix_and_alias() {
        let (set, bound) =
            bind_text("Get-Thing 'CCREX01\\SG' -f -dp 3 -Dial bestav").expect("binds");
        assert_eq!(set, "Identity");
        assert_eq!(
            value_of(&bound, "Identity"),
            Some(Value::from("CCREX01\\SG"))
        );
        assert_eq!(value_of(&bound, "Force"), Some(Value::Bool(true)));
        assert_eq!(value_of(&bound, "Depth"), Some(Value::Int(3)));
        assert_eq!(
            value_of(&bound, "Dial"),
            Some(Value::from("BestAvailability"))
        );
    }

    #[test]
    fn a_switch_takes_a_value_only_with_a_colon() {
        let (_, bound) = bind_text("Get-Thing –Force:$false").expect("binds");
        assert_eq!(value_of(&bound, "Force"), Some(Value::Bool(false)));
        // `-Force $false` is the switch plus a positional $false, which has nowhere to go once
        // Identity is bound: the classic `-Confirm $false` mistake.
        let e = bind_text("Get-Thing x -Force $false").expect_err("surplus positional");
        assert_eq!(
            e.message,
            "A positional parameter cannot be found that accepts argument 'False'."
        );
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
        assert_eq!(
            e.message,
            "A parameter cannot be found that matches parameter name 'Bogus'."
        );
        assert_eq!(
            e.fully_qualified_error_id(),
            "NamedParameterNotFound,Get-Thing"
        );
        let e = bind_text("Get-Thing -Serv x").expect_err("ambiguous");
        assert_eq!(
            e.message,
            "Parameter cannot be processed because the parameter name 'Serv' is ambiguous. Possible matches include: -Server -ServiceName."
        );
        let e = bind_text("Get-Thing -Depth").expect_err("missing value");
        assert!(
            e.message
                .starts_with("Missing an argument for parameter 'Depth'."),
            "{}",
            e.message
        );
        let e = bind_text("Get-Thing a b").expect_err("extra positional");
        assert_eq!(
            e.message,
            "A positional parameter cannot be found that accepts argument 'b'."
        );
        let e = bind_text("Get-Thing -Depth 1 -Depth 2").expect_err("twice");
        assert_eq!(e.error_id, "ParameterAlreadyBound");
    }

    #[test]
    fn values_are_validated() {
        let e = bind_text("Get-Thing -Depth 101").expect_err("range");
        assert!(
            e.message
                .contains("greater than the maximum allowed range of 100"),
            "{}",
            e.message
        );
        let e = bind_text("Get-Thing -Depth abc").expect_err("not a number");
        assert_eq!(e.error_id, "CannotConvertArgumentNoMessage");
        let e = bind_text("Get-Thing -Dial Fast").expect_err("not in set");
        assert!(e.message.contains("does not belong to the set \"Lossless,GoodAvailability,BestAvailability,BestEffort\""), "{}", e.message);
        let e = bind_text("Get-Thing -Dial best").expect_err("ambiguous enum prefix");
        assert!(e.message.contains("too similar"), "{}", e.message);
    }

    #[test]
    fn a_dash_word_that_names_no_parameter_is_a_value() {
        let (_, bound) = bind_text("Get-Thing -ServiceName -odd").expect("binds");
        assert_eq!(value_of(&bound, "ServiceName"), Some(Value::from("-odd")));
    }
}
