//! The syntax tree: what the text says, with a byte span on every node.
//!
//! Knows nothing about cmdlets: `-Force` is a parameter token whether or not any command has
//! such a parameter; deciding that is the binder's job. Nor does it know values: `$x` is a
//! variable reference, resolved by the interpreter.

use std::fmt;
use std::rc::Rc;

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
    /// A script-level `param(...)` block, bound from the command line.
    pub param: Option<ParamBlock>,
    pub statements: Vec<Statement>,
}

/// `{ statements }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub statements: Vec<Statement>,
    pub span: Span,
}

/// One statement, ended by a newline, `;` or `}`.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    Pipeline(Pipeline),
    /// `a && b || c`: each pipeline runs or not depending on `$?` after the previous one.
    Chain {
        first: Pipeline,
        rest: Vec<(ChainOp, Pipeline)>,
        span: Span,
    },
    /// `$x = value`, `$x += value`, `$h.Key = value`, `$a[0] = value`.
    Assignment {
        target: Expr,
        op: AssignOp,
        value: Box<Statement>,
        span: Span,
    },
    If {
        clauses: Vec<(Pipeline, Block)>,
        otherwise: Option<Block>,
        span: Span,
    },
    Foreach {
        label: Option<String>,
        variable: String,
        collection: Pipeline,
        body: Block,
        span: Span,
    },
    For {
        label: Option<String>,
        init: Option<Box<Statement>>,
        condition: Option<Pipeline>,
        step: Option<Box<Statement>>,
        body: Block,
        span: Span,
    },
    While {
        label: Option<String>,
        condition: Pipeline,
        body: Block,
        span: Span,
    },
    /// `do { } while (…)` or, with `until`, `do { } until (…)`.
    Do {
        label: Option<String>,
        body: Block,
        condition: Pipeline,
        until: bool,
        span: Span,
    },
    Switch(Box<SwitchStatement>),
    Break {
        label: Option<String>,
        span: Span,
    },
    Continue {
        label: Option<String>,
        span: Span,
    },
    Return {
        value: Option<Pipeline>,
        span: Span,
    },
    Exit {
        code: Option<Pipeline>,
        span: Span,
    },
    Throw {
        value: Option<Pipeline>,
        span: Span,
    },
    Function(Rc<FunctionDef>),
    Try {
        body: Block,
        catches: Vec<CatchClause>,
        finally: Option<Block>,
        span: Span,
    },
}

impl Statement {
    pub fn span(&self) -> Span {
        match self {
            Statement::Pipeline(p) => p.span,
            Statement::Switch(s) => s.span,
            Statement::Function(f) => f.span,
            Statement::Chain { span, .. }
            | Statement::Assignment { span, .. }
            | Statement::If { span, .. }
            | Statement::Foreach { span, .. }
            | Statement::For { span, .. }
            | Statement::While { span, .. }
            | Statement::Do { span, .. }
            | Statement::Break { span, .. }
            | Statement::Continue { span, .. }
            | Statement::Return { span, .. }
            | Statement::Exit { span, .. }
            | Statement::Throw { span, .. }
            | Statement::Try { span, .. } => *span,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainOp {
    /// `&&`: run when the previous pipeline succeeded.
    And,
    /// `||`: run when it failed.
    Or,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignOp {
    Assign,
    Add,
    Subtract,
    Multiply,
    Divide,
    Remainder,
}

/// `switch [-Regex|-Wildcard|-Exact] [-CaseSensitive] (value) { pattern { … } default { … } }`.
#[derive(Debug, Clone, PartialEq)]
pub struct SwitchStatement {
    pub label: Option<String>,
    pub mode: SwitchMode,
    pub case_sensitive: bool,
    pub value: Pipeline,
    pub clauses: Vec<(Expr, Block)>,
    pub default: Option<Block>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwitchMode {
    Exact,
    Wildcard,
    Regex,
}

/// `catch [Type1], [Type2] { … }`; no types catches everything.
#[derive(Debug, Clone, PartialEq)]
pub struct CatchClause {
    pub types: Vec<String>,
    pub body: Block,
}

/// `function Name { param(…) … }` or `function Name($a, $b) { … }`.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionDef {
    pub name: String,
    pub body: ScriptBlockDef,
    pub span: Span,
}

/// The inside of `{ … }`: an optional `param()` block and statements.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptBlockDef {
    pub param: Option<ParamBlock>,
    /// `begin { … }`: runs once before the pipeline input.
    pub begin: Option<Vec<Statement>>,
    /// `process { … }`: runs once per pipeline object, with `$_` set.
    pub process: Option<Vec<Statement>>,
    /// The body, or the `end { … }` block: runs once after the input.
    pub statements: Vec<Statement>,
    /// The source text between the braces, for `ToString()`.
    pub text: String,
    pub span: Span,
}

/// `[CmdletBinding()] param([Parameter(Mandatory)] [string] $Name = 'x', …)`.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamBlock {
    /// Attributes before `param`, e.g. `[CmdletBinding(SupportsShouldProcess)]`.
    pub attributes: Vec<Attribute>,
    pub parameters: Vec<ParamDecl>,
    pub span: Span,
}

/// One declared parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamDecl {
    pub name: String,
    /// `[int]`, `[string[]]`, `[switch]`, … (the last type constraint given).
    pub type_name: Option<String>,
    pub attributes: Vec<Attribute>,
    pub default: Option<Expr>,
    pub span: Span,
}

/// `[Name(positional, Named = value, Flag)]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub name: String,
    pub positional: Vec<Expr>,
    /// `Named = value`, or `Flag` alone (meaning `$true`).
    pub named: Vec<(String, Option<Expr>)>,
    pub span: Span,
}

/// `head | command | command …`, with redirections.
#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    pub elements: Vec<PipelineElement>,
    pub redirections: Vec<Redirection>,
    pub span: Span,
}

/// One element of a pipeline.
#[derive(Debug, Clone, PartialEq)]
pub enum PipelineElement {
    /// A value written as a statement (`$true`, `'text'`, `1 + 2`): it is output as is. Only
    /// the first element of a pipeline can be one.
    Expression(Expr),
    Command(Command),
}

/// `> file`, `>> file`, `2>&1`, `2>$null`, `*> file`.
#[derive(Debug, Clone, PartialEq)]
pub struct Redirection {
    pub stream: Stream,
    pub target: RedirectTarget,
    pub span: Span,
}

/// The output streams, numbered as PowerShell numbers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Output,
    Error,
    Warning,
    Verbose,
    Debug,
    Information,
    All,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RedirectTarget {
    /// `> path` (or `$null`).
    File(Expr),
    /// `>> path`.
    Append(Expr),
    /// `2>&1`: into the output stream.
    ToOutput,
}

/// A command invocation: a name followed by parameters and arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    pub name: CommandName,
    pub name_span: Span,
    pub elements: Vec<CommandElement>,
    pub span: Span,
}

/// What names the command.
#[derive(Debug, Clone, PartialEq)]
pub enum CommandName {
    /// `Get-StorageGroup`.
    Literal(String),
    /// `& $scriptBlock` or `& 'Name'`: evaluated when the command runs.
    Invoke(Box<Expr>),
    /// `. $scriptBlock`: like `&`, but in the caller's scope.
    DotSource(Box<Expr>),
}

impl Command {
    /// The literal name, if the command has one.
    pub fn literal_name(&self) -> Option<&str> {
        match &self.name {
            CommandName::Literal(name) => Some(name),
            CommandName::Invoke(_) | CommandName::DotSource(_) => None,
        }
    }
}

/// What follows a command name.
#[derive(Debug, Clone, PartialEq)]
pub enum CommandElement {
    /// `-Name`, or `-Name:value` when `argument` is set.
    Parameter(ParameterToken),
    Argument(Expr),
    /// `@params`: a hashtable (named) or array (positional) spread into the call.
    Splat {
        variable: String,
        span: Span,
    },
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
    /// A quoted string or a bare word with nothing to expand.
    String(StringLiteral),
    /// A double-quoted string or bare word with `$name` or `$(…)` inside.
    Expandable(Vec<StringPart>),
    /// A number; `text` is kept so a number bound to a string parameter keeps its spelling.
    Number {
        value: Number,
        text: String,
    },
    /// `$name`; automatic constants (`$true`) are variables too.
    Variable(String),
    /// `a, b, c`, and the unary `,a`.
    Array(Vec<Expr>),
    /// `@( statements )`: always an array.
    ArrayExpr(Vec<Statement>),
    /// `$( statements )`.
    SubExpr(Vec<Statement>),
    /// `( statement )`.
    Paren(Box<Statement>),
    /// `@{ key = value; … }`, or `[ordered]@{ … }`.
    Hashtable {
        entries: Vec<(Expr, Statement)>,
        ordered: bool,
    },
    ScriptBlock(Rc<ScriptBlockDef>),
    Binary {
        op: BinaryOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    /// `target.Name` or, static, `[type]::Name`.
    Member {
        target: Box<Expr>,
        name: String,
        is_static: bool,
    },
    /// `target[index]`.
    Index {
        target: Box<Expr>,
        index: Box<Expr>,
    },
    /// `target.Name(args)` or `[type]::Name(args)`.
    Invoke {
        target: Box<Expr>,
        name: String,
        args: Vec<Expr>,
        is_static: bool,
    },
    /// `[type] operand`.
    Cast {
        type_name: String,
        operand: Box<Expr>,
    },
    /// `[type]` on its own.
    TypeLiteral(String),
    /// A word after `--%`: passed verbatim, with `%NAME%` expanded from the environment.
    StopParsing(String),
}

/// A piece of an expandable string.
#[derive(Debug, Clone, PartialEq)]
pub enum StringPart {
    Text(String),
    Variable(String),
    SubExpr(Vec<Statement>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Subtract,
    Multiply,
    Divide,
    Remainder,
    /// `1..5`.
    Range,
    /// `'{0}' -f $x`.
    Format,
    Compare {
        op: CompareOp,
        case_sensitive: bool,
    },
    And,
    Or,
    Xor,
    BitAnd,
    BitOr,
    BitXor,
    ShiftLeft,
    ShiftRight,
    Split {
        case_sensitive: bool,
    },
    Join,
    Replace {
        case_sensitive: bool,
    },
    Is,
    IsNot,
    As,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Like,
    NotLike,
    Match,
    NotMatch,
    Contains,
    NotContains,
    In,
    NotIn,
}

impl CompareOp {
    /// The operator a name stands for (`eq`, `notlike`…; lower case, without the dash or the
    /// `c`/`i` prefix).
    pub fn from_name(name: &str) -> Option<CompareOp> {
        Some(match name {
            "eq" => CompareOp::Eq,
            "ne" => CompareOp::Ne,
            "gt" => CompareOp::Gt,
            "ge" => CompareOp::Ge,
            "lt" => CompareOp::Lt,
            "le" => CompareOp::Le,
            "like" => CompareOp::Like,
            "notlike" => CompareOp::NotLike,
            "match" => CompareOp::Match,
            "notmatch" => CompareOp::NotMatch,
            "contains" => CompareOp::Contains,
            "notcontains" => CompareOp::NotContains,
            "in" => CompareOp::In,
            "notin" => CompareOp::NotIn,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Negate,
    Plus,
    BitNot,
    /// `-split 'a b'`.
    Split,
    /// `-join $items`.
    Join,
    /// `,x`: a one-element array.
    Comma,
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
