//! Text → syntax tree. The tokenizer rules follow PowerShell's (the four dashes, curly quotes,
//! backtick escapes and continuations, comments, argument-mode bare words).
//!
//! Owns: [`parse`], the AST ([`ast`]) and [`SyntaxError`].
//!
//! Must not: know any cmdlet or parameter, look at variables' values, or print. Callers see
//! only the AST and `SyntaxError`.

pub mod ast;
pub mod chars;
mod parser;

pub(crate) use parser::parse_number;

pub use ast::*;

/// A parse error: PowerShell's message, its error id, and where it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// PowerShell's ParserStrings resource key, e.g. `TerminatorExpectedAtEndOfString`.
    pub id: &'static str,
    pub message: String,
    pub span: Span,
    /// The input ended too early (open quote, trailing `|` or backtick): more lines would
    /// complete it. The REPL and `-Command -` use this to keep reading.
    pub incomplete: bool,
}

/// Parses a whole input into statements.
pub fn parse(source: &str) -> Result<Script, SyntaxError> {
    parser::script(source)
}

/// Whether `source` is a prefix of a valid input that more lines could complete.
pub fn is_incomplete(source: &str) -> bool {
    matches!(parse(source), Err(e) if e.incomplete)
}

#[cfg(test)]
mod tests;
