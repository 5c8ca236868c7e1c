//! PowerShell's ErrorRecord, reduced: the message, the ids scripts match on, where in the
//! source it happened, and what to do about it.
//!
//! Owns: [`ErrorRecord`] and its constructors for the errors every stage shares.
//!
//! Must not: decide how an error looks on screen (that is `render`), or print.

use super::syntax::{Span, SyntaxError};
use super::value::{Record, Source, Value};

/// How far an error unwinds (reference §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Reported; the pipeline goes on.
    NonTerminating,
    /// The statement stops; the next one runs.
    StatementTerminating,
    /// The whole script stops (`throw`, parse errors).
    ScriptTerminating,
}

/// The exception of an error `-ErrorAction Stop` (or the preference) made terminating.
pub const STOP_EXCEPTION: &str = "System.Management.Automation.ActionPreferenceStopException";

/// One error, as `$Error[0]` would hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorRecord {
    /// The sentence the user reads.
    pub message: String,
    /// The ErrorId half of FullyQualifiedErrorId (`NamedParameterNotFound`).
    pub error_id: String,
    /// PowerShell's ErrorCategory (`InvalidArgument`, `ObjectNotFound`, …).
    pub category: &'static str,
    /// The command the error belongs to: ConciseView's prefix and FQID's second half.
    pub command: Option<String>,
    /// Where in the source text the cause is.
    pub span: Option<Span>,
    /// What to do about it.
    pub hint: Option<String>,
    /// The object it is about (PowerShell's TargetObject), as text.
    pub target: Option<String>,
    pub severity: Severity,
    /// The .NET exception type it stands for, which `catch [Type]` matches.
    pub exception: &'static str,
    /// Where it happened, resolved against the source it came from.
    pub position: Option<ScriptPosition>,
    /// The error inside this one (`$_.Exception.InnerException.ErrorRecord`), e.g. the
    /// validation failure inside a parameter binding error.
    pub inner: Option<Box<ErrorRecord>>,
}

/// A resolved source position, for display (PowerShell's InvocationInfo).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptPosition {
    /// The script's path; `None` for the prompt and `-Command`.
    pub file: Option<String>,
    /// 1-based.
    pub line: usize,
    pub line_text: String,
    /// Characters before the extent on its line.
    pub column: usize,
    /// Characters of the extent on that line (at least one is marked).
    pub width: usize,
}

impl ErrorRecord {
    pub fn new(error_id: &str, category: &'static str, message: String) -> ErrorRecord {
        ErrorRecord {
            message,
            error_id: error_id.to_string(),
            category,
            command: None,
            span: None,
            hint: None,
            target: None,
            severity: Severity::StatementTerminating,
            exception: "System.Management.Automation.RuntimeException",
            position: None,
            inner: None,
        }
    }

    /// Adds an inner error with id `error_id` and the same message (builder style).
    pub fn with_inner(mut self, error_id: &str) -> ErrorRecord {
        let inner = ErrorRecord::new(error_id, self.category, self.message.clone())
            .exception("System.Management.Automation.ValidationMetadataException");
        self.inner = Some(Box::new(inner));
        self
    }

    /// The .NET exception type this error stands for.
    pub fn exception(mut self, exception: &'static str) -> ErrorRecord {
        self.exception = exception;
        self
    }

    /// Resolves the span against `source`, unless a position is already known.
    pub fn locate(&mut self, source: &Source) {
        if self.position.is_some() {
            return;
        }
        let Some(span) = self.span else { return };
        let text = source.text.as_str();
        let start = floor_char_boundary(text, span.start as usize);
        let end = floor_char_boundary(text, (span.end as usize).max(start));
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find(['\n', '\r']).map_or(text.len(), |i| start + i);
        self.position = Some(ScriptPosition {
            file: source.file.clone(),
            line: text[..start].matches('\n').count() + 1,
            line_text: text[line_start..line_end].to_string(),
            column: text[line_start..start].chars().count(),
            width: text[start..end.min(line_end)].chars().count().max(1),
        });
    }

    /// Whether `catch [type_name]` catches it: the exact type (full or short name), or one
    /// of the base types every PowerShell error derives from.
    pub fn is_caught_by(&self, type_name: &str) -> bool {
        let wanted = type_name.trim().to_ascii_lowercase();
        let wanted = wanted.strip_prefix("system.").unwrap_or(&wanted);
        let own = self.exception.to_ascii_lowercase();
        let own = own.strip_prefix("system.").unwrap_or(&own);
        let short = |t: &str| t.rsplit('.').next().unwrap_or(t).to_string();
        own == wanted
            || short(own) == short(wanted) && !wanted.contains('.')
            || matches!(wanted, "exception" | "management.automation.runtimeexception" | "runtimeexception")
            || self.stopped().is_some_and(|original| original.is_caught_by(type_name))
            // PowerShell looks at the exception inside first (a .NET method's, inside the
            // MethodInvocationException that carries it).
            || self.inner.as_deref().is_some_and(|inner| inner.is_caught_by(type_name))
    }

    /// The error `-ErrorAction Stop` stopped the command for, when this is the
    /// ActionPreferenceStopException around it.
    fn stopped(&self) -> Option<&ErrorRecord> {
        self.inner.as_deref().filter(|_| self.exception == STOP_EXCEPTION)
    }

    /// The record a catch block or trap sees as `$_`: for an error `-ErrorAction Stop` turned
    /// terminating, the original error, its own exception and message (PowerShell's
    /// ActionPreferenceStopException hands its ErrorRecord over); else this one.
    pub fn as_caught(&self) -> &ErrorRecord {
        self.stopped().unwrap_or(self)
    }

    /// The error as an object, as `$_` in a catch block and `$Error[0]` show it.
    pub fn to_value(&self) -> Value {
        let inner = match &self.inner {
            Some(inner) => Record::new(inner.exception)
                .with_text(inner.message.as_str())
                .with("Message", inner.message.as_str())
                .with("ErrorRecord", inner.to_value())
                .into(),
            None => Value::Null,
        };
        let exception = Record::new(self.exception)
            .with_text(self.message.as_str())
            .with("Message", self.message.as_str())
            .with("ErrorRecord", Value::Null)
            .with("InnerException", inner);
        let activity = self.command.clone().unwrap_or_default();
        let reason = self.exception.rsplit('.').next().unwrap_or(self.exception);
        let target_name = self.target.clone().unwrap_or_default();
        let target_type = if self.target.is_some() { "String" } else { "" };
        // ErrorCategoryInfo.ToString(): `ObjectNotFound: (name:type) [Get-X], ReasonException`.
        let category = Record::new("System.Management.Automation.ErrorCategoryInfo")
            .with_text(format!("{}: ({target_name}:{target_type}) [{activity}], {reason}", self.category))
            .with("Category", self.category)
            .with("Activity", activity.as_str())
            .with("Reason", reason)
            .with("TargetName", target_name.as_str())
            .with("TargetType", target_type);
        let invocation = match &self.position {
            Some(p) => {
                let command = match &self.command {
                    Some(name) => Record::new("System.Management.Automation.CmdletInfo")
                        .with_text(name.as_str())
                        .with("Name", name.as_str())
                        .into(),
                    None => Value::Null,
                };
                let place = match &p.file {
                    Some(file) => format!("At {file}:{} char:{}", p.line, p.column + 1),
                    None => format!("At line:{} char:{}", p.line, p.column + 1),
                };
                // The extent without the blanks that end it, as PowerShell marks it.
                let extent: String = p.line_text.chars().skip(p.column).take(p.width).collect();
                let marks = format!("{}{}", " ".repeat(p.column), "~".repeat(extent.trim_end().chars().count().max(1)));
                Record::new("System.Management.Automation.InvocationInfo")
                    .with("MyCommand", command)
                    .with("InvocationName", self.command.clone().unwrap_or_default())
                    .with("ScriptName", p.file.clone().unwrap_or_default())
                    .with("ScriptLineNumber", p.line as i64)
                    .with("OffsetInLine", (p.column + 1) as i64)
                    .with("Line", p.line_text.as_str())
                    .with("PositionMessage", format!("{place}\n+ {}\n+ {marks}", p.line_text.trim_end()))
                    .into()
            }
            None => Value::Null,
        };
        Record::new("System.Management.Automation.ErrorRecord")
            .with("Exception", exception)
            .with("TargetObject", self.target.clone().map_or(Value::Null, Value::String))
            .with("FullyQualifiedErrorId", self.fully_qualified_error_id())
            .with("CategoryInfo", category)
            .with("InvocationInfo", invocation)
            .with("ErrorDetails", self.hint.clone())
            .with("Message", self.message.as_str())
            .with_text(self.message.as_str())
            .into()
    }

    /// An error rebuilt from its object form (`throw $_`).
    pub fn from_value(value: &Value) -> Option<ErrorRecord> {
        let Value::Record(r) = value else { return None };
        let r = r.borrow();
        if r.type_name != "System.Management.Automation.ErrorRecord" {
            return None;
        }
        let message = r.get("Message").map(Value::to_display_string).unwrap_or_default();
        let fqid = r.get("FullyQualifiedErrorId").map(Value::to_display_string).unwrap_or_default();
        let (id, command) = fqid.split_once(',').map_or((fqid.as_str(), None), |(i, c)| (i, Some(c)));
        let mut record = ErrorRecord::new(id, "NotSpecified", message);
        record.command = command.map(str::to_string);
        Some(record)
    }

    pub fn in_command(mut self, command: &str) -> ErrorRecord {
        self.command = Some(command.to_string());
        self
    }

    pub fn at(mut self, span: Span) -> ErrorRecord {
        self.span = Some(span);
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> ErrorRecord {
        self.hint = Some(hint.into());
        self
    }

    pub fn severity(mut self, severity: Severity) -> ErrorRecord {
        self.severity = severity;
        self
    }

    /// `ErrorId,Command`, or just the id when no command is involved (a command that was not
    /// found is named in the message, not the id). One of PowerShell's own cmdlets is named by
    /// its .NET class, as PowerShell does (`…,Microsoft.PowerShell.Commands.GetDateCommand`).
    pub fn fully_qualified_error_id(&self) -> String {
        match &self.command {
            Some(c) if self.error_id != "CommandNotFoundException" => {
                let command = super::cmdlets::powershell_class(c).unwrap_or_else(|| c.clone());
                format!("{},{command}", self.error_id)
            }
            _ => self.error_id.clone(),
        }
    }

    /// `The term 'X' is not recognized …`: the command name matched nothing.
    pub fn command_not_found(name: &str, span: Span, suggestion: Option<&str>) -> ErrorRecord {
        let record = ErrorRecord::new(
            "CommandNotFoundException",
            "ObjectNotFound",
            format!(
                "The term '{name}' is not recognized as a name of a cmdlet, function, script \
                 file, or executable program.\nCheck the spelling of the name, or if a path was \
                 included, verify that the path is correct and try again."
            ),
        )
        .at(span)
        .exception("System.Management.Automation.CommandNotFoundException");
        let record = ErrorRecord { command: Some(name.to_string()), ..record };
        match suggestion {
            Some(s) => record.with_hint(format!("Did you mean {s}? Get-Command lists every cmdlet.")),
            None => record.with_hint("Get-Command lists every cmdlet."),
        }
    }

    /// `throw value`: a script-terminating error whose message is the value's text.
    pub fn thrown(value: &Value) -> ErrorRecord {
        if let Some(mut record) = ErrorRecord::from_value(value) {
            record.severity = Severity::ScriptTerminating;
            return record;
        }
        let message = match value {
            Value::Null => "ScriptHalted".to_string(),
            other => other.to_display_string(),
        };
        ErrorRecord::new(&message, "OperationStopped", message.clone()).severity(Severity::ScriptTerminating)
    }

    /// A parse error: it stops the whole input.
    pub fn from_syntax(error: &SyntaxError) -> ErrorRecord {
        ErrorRecord::new(error.id, "ParserError", error.message.clone())
            .at(error.span)
            .severity(Severity::ScriptTerminating)
            .exception("System.Management.Automation.ParseException")
    }
}

/// The char boundary at or before `i` in `s` (a span may point into text it was not taken from).
pub(crate) fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fully_qualified_error_id_joins_id_and_command() {
        let e =
            ErrorRecord::new("NamedParameterNotFound", "InvalidArgument", "m".into()).in_command("Get-StorageGroup");
        assert_eq!(e.fully_qualified_error_id(), "NamedParameterNotFound,Get-StorageGroup");
        let e = ErrorRecord::new("UnexpectedToken", "ParserError", "m".into());
        assert_eq!(e.fully_qualified_error_id(), "UnexpectedToken");
        let e = ErrorRecord::new("PathNotFound", "ObjectNotFound", "m".into()).in_command("Get-Date");
        assert_eq!(e.fully_qualified_error_id(), "PathNotFound,Microsoft.PowerShell.Commands.GetDateCommand");
    }
}
