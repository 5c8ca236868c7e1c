//! PowerShell's ErrorRecord, reduced: the message, the ids scripts match on, where in the
//! source it happened, and what to do about it.
//!
//! Owns: [`ErrorRecord`] and its constructors for the errors every stage shares.
//!
//! Must not: decide how an error looks on screen (that is `render`), or print.

use super::syntax::{Span, SyntaxError};

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
    pub severity: Severity,
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
            severity: Severity::StatementTerminating,
        }
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

    /// `ErrorId,Command`, or just the id when no command is involved.
    pub fn fully_qualified_error_id(&self) -> String {
        match &self.command {
            Some(c) => format!("{},{c}", self.error_id),
            None => self.error_id.clone(),
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
        .at(span);
        let record = ErrorRecord {
            command: Some(name.to_string()),
            ..record
        };
        match suggestion {
            Some(s) => {
                record.with_hint(format!("Did you mean {s}? Get-Command lists every cmdlet."))
            }
            None => record.with_hint("Get-Command lists every cmdlet."),
        }
    }

    /// A parse error: it stops the whole input.
    pub fn from_syntax(error: &SyntaxError) -> ErrorRecord {
        ErrorRecord::new(error.id, "ParserError", error.message.clone())
            .at(error.span)
            .severity(Severity::ScriptTerminating)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fully_qualified_error_id_joins_id_and_command() {
        let e = ErrorRecord::new("NamedParameterNotFound", "InvalidArgument", "m".into())
            .in_command("Get-StorageGroup");
        assert_eq!(
            e.fully_qualified_error_id(),
            "NamedParameterNotFound,Get-StorageGroup"
        );
        let e = ErrorRecord::new("UnexpectedToken", "ParserError", "m".into());
        assert_eq!(e.fully_qualified_error_id(), "UnexpectedToken");
    }
}
