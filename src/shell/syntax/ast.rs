//! The syntax tree: what the text says, with a byte span on every node.
//!
//! Knows nothing about cmdlets: `-Force` is a parameter token whether or not any command has
//! such a parameter; deciding that is the binder's job.

use std::fmt;

/// A byte range into the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// A whole input: a line typed at the prompt, a `-Command` text or a script file.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    pub statements: Vec<Statement>,
}

/// One statement, ended by a newline or `;`.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    Pipeline(Pipeline),
    /// `exit` or `exit N`.
    Exit {
        code: Option<Expr>,
        span: Span,
    },
}

/// `head | command | command …`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    pub elements: Vec<PipelineElement>,
    pub span: Span,
}

/// One element of a pipeline.
#[derive(Debug, Clone, PartialEq)]
pub enum PipelineElement {
    /// A value written as a statement (`$true`, `'text'`, `1,2`): it is output as is. Only the
    /// first element of a pipeline can be one.
    Expression(Expr),
    Command(Command),
}

/// A command invocation: a name followed by parameters and arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    pub name: String,
    pub name_span: Span,
    pub elements: Vec<CommandElement>,
    pub span: Span,
}

/// What follows a command name.
#[derive(Debug, Clone, PartialEq)]
pub enum CommandElement {
    /// `-Name`, or `-Name:value` when `argument` is set.
    Parameter(ParameterToken),
    Argument(Expr),
}

/// A parameter token as typed, without its dash (which may have been any of PowerShell's four
/// dash characters).
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterToken {
    pub name: String,
    pub span: Span,
    /// The value of the colon form `-Name:value`.
    pub argument: Option<Box<Expr>>,
}

/// A value in the source.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A quoted string or a bare word, with quotes and escapes already resolved.
    String(StringLiteral),
    /// A number; `text` is kept so a number bound to a string parameter keeps its spelling.
    Number { value: Number, text: String },
    /// `$name`; automatic constants (`$true`) are variables too.
    Variable(String),
    /// `a,b,c`.
    Array(Vec<Expr>),
}

/// The text of a string and how it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct StringLiteral {
    pub value: String,
    pub quoting: Quoting,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quoting {
    /// An unquoted word in argument mode.
    Bare,
    Single,
    Double,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    Int(i64),
    Real(f64),
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Real(r) => write!(f, "{r}"),
        }
    }
}
