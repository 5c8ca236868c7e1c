//! The syntax tree: what the text says, with a byte span on every node.
//!
//! Knows nothing about cmdlets: `-Force` is a parameter token whether or not any command has
//! such a parameter; deciding that is the binder's job. Nor does it know values: `$x` is a
//! variable reference, resolved by the interpreter.
//!
//! The tree is compact on purpose (docs/performance.md, "Parser"): spans are `u32`, names are
//! shared strings interned per parse ([`Name`]), every `Statement` and every non-leaf
//! expression is one pointer wide, and lists are boxed slices.

use std::fmt;
use std::rc::Rc;

use num_bigint::BigInt;
use rust_decimal::Decimal;

/// A name or text from the source: shared, so the same name written twice is stored once.
pub type Name = Rc<str>;

/// A byte range into the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start: clamp(start), end: clamp(end) }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// Sources are limited to 4 GiB (`parse` refuses longer ones), so this never saturates there.
fn clamp(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A whole input (a line at the prompt, a `-Command` text, a script file) is a script block
/// without braces: `param()`, named blocks or plain statements.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    pub body: Rc<ScriptBlockDef>,
}

impl Script {
    /// The statements of the body (its `end` block).
    pub fn statements(&self) -> &[Statement] {
        self.body.end.as_deref().unwrap_or(&[])
    }
}

/// `{ statements }` after a keyword.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub statements: Box<[Statement]>,
    pub span: Span,
}

/// A script block: `{ [attributes] param(…) begin {…} process {…} end {…} clean {…} }` or a
/// plain list of statements (its `end` block). What most blocks lack is boxed apart, so a
/// plain block is 56 bytes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScriptBlockDef {
    pub param: Option<Box<ParamBlock>>,
    /// `dynamicparam`, `begin`, `process` and `clean`, when any is there.
    pub named: Option<Box<NamedBlocks>>,
    /// The body, or the `end { … }` block.
    pub end: Option<Box<[Statement]>>,
    /// The whole block, braces included (for a script, the whole text).
    pub span: Span,
    /// Between the braces: what `ToString()` gives.
    pub body: Span,
    /// `filter Name { … }`: the body is the process block.
    pub is_filter: bool,
}

/// The named blocks of a script block besides `end`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NamedBlocks {
    pub dynamicparam: Option<Box<[Statement]>>,
    pub begin: Option<Box<[Statement]>>,
    pub process: Option<Box<[Statement]>>,
    pub clean: Option<Box<[Statement]>>,
}

impl ScriptBlockDef {
    pub fn begin(&self) -> Option<&[Statement]> {
        self.named.as_ref()?.begin.as_deref()
    }

    pub fn process(&self) -> Option<&[Statement]> {
        self.named.as_ref()?.process.as_deref()
    }

    pub fn clean(&self) -> Option<&[Statement]> {
        self.named.as_ref()?.clean.as_deref()
    }

    /// The named blocks, made when the first is added.
    pub fn named_mut(&mut self) -> &mut NamedBlocks {
        self.named.get_or_insert_with(Box::default)
    }
}

/// One statement, ended by a newline, `;` or a closing bracket. Every variant is one pointer.
///
/// A pipeline of one element without redirections (most statements: `$x`, `1 + 2`, `Get-X -Y`)
/// is held as [`Statement::Expression`] or [`Statement::Command`], without a [`Pipeline`] and
/// its list of elements around it: two allocations fewer per such statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    /// A value written as a statement: it is output as is.
    Expression(Box<Expr>),
    /// One command.
    Command(Box<Command>),
    /// Several elements, or one with redirections.
    Pipeline(Box<Pipeline>),
    /// `a && b || c`: each pipeline runs or not depending on `$?` after the previous one.
    Chain(Box<Chain>),
    /// `$x = value`, `$x += value`, `$h.Key ??= value`, `$a[0] = value`.
    Assignment(Box<Assignment>),
    If(Box<If>),
    Switch(Box<Switch>),
    Foreach(Box<Foreach>),
    For(Box<For>),
    /// `while`, `do … while` and `do … until`.
    Loop(Box<Loop>),
    Function(Rc<FunctionDef>),
    Try(Box<Try>),
    Trap(Box<Trap>),
    /// `break`, `continue`, `return`, `exit`, `throw`.
    Flow(Box<FlowStatement>),
}

impl Statement {
    pub fn span(&self) -> Span {
        match self {
            Statement::Expression(e) => e.span,
            Statement::Command(c) => c.span,
            Statement::Pipeline(p) => p.span,
            Statement::Chain(c) => c.span,
            Statement::Assignment(a) => a.span,
            Statement::If(s) => s.span,
            Statement::Switch(s) => s.span,
            Statement::Foreach(s) => s.span,
            Statement::For(s) => s.span,
            Statement::Loop(s) => s.span,
            Statement::Function(f) => f.span,
            Statement::Try(s) => s.span,
            Statement::Trap(s) => s.span,
            Statement::Flow(s) => s.span,
        }
    }

    /// The lone expression of a one-element pipeline without redirections, if that is all it is.
    pub fn as_expression(&self) -> Option<&Expr> {
        match self {
            Statement::Expression(e) => Some(e),
            Statement::Pipeline(p) => p.as_expression(),
            _ => None,
        }
    }

    /// The commands of a pipeline statement, in order; none for other statements.
    pub fn commands(&self) -> Vec<&Command> {
        match self {
            Statement::Command(c) => vec![c],
            Statement::Pipeline(p) => p
                .elements
                .iter()
                .filter_map(|e| match &e.kind {
                    ElementKind::Command(c) => Some(&**c),
                    ElementKind::Expression(_) => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Chain {
    pub first: Pipeline,
    pub rest: Box<[(ChainOp, Pipeline)]>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainOp {
    /// `&&`: run when the previous pipeline succeeded.
    And,
    /// `||`: run when it failed.
    Or,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub target: Expr,
    pub op: AssignOp,
    pub value: Statement,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignOp {
    Assign,
    Add,
    Subtract,
    Multiply,
    Divide,
    Remainder,
    /// `??=`: assigns only when the target is `$null`.
    Coalesce,
}

#[derive(Debug, Clone, PartialEq)]
pub struct If {
    pub clauses: Box<[(Statement, Block)]>,
    pub otherwise: Option<Block>,
    pub span: Span,
}

/// `switch [-Regex|-Wildcard|-Exact] [-CaseSensitive] [-File] (value) { pattern { … } default { … } }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Switch {
    pub label: Option<Name>,
    pub mode: SwitchMode,
    pub case_sensitive: bool,
    /// `-File`: the value is a path whose lines are matched.
    pub file: bool,
    pub value: Statement,
    pub clauses: Box<[(Expr, Block)]>,
    pub default: Option<Block>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwitchMode {
    Exact,
    Wildcard,
    Regex,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Foreach {
    pub label: Option<Name>,
    pub variable: VarRef,
    pub collection: Statement,
    pub body: Block,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct For {
    pub label: Option<Name>,
    pub init: Option<Statement>,
    pub condition: Option<Statement>,
    pub step: Option<Statement>,
    pub body: Block,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Loop {
    pub label: Option<Name>,
    pub kind: LoopKind,
    pub condition: Statement,
    pub body: Block,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopKind {
    /// `while (c) { }`: the condition first.
    While,
    /// `do { } while (c)`.
    DoWhile,
    /// `do { } until (c)`.
    DoUntil,
}

/// `catch [Type1], [Type2] { … }`; no types catches everything.
#[derive(Debug, Clone, PartialEq)]
pub struct CatchClause {
    pub types: Box<[TypeName]>,
    pub body: Block,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Try {
    pub body: Block,
    pub catches: Box<[CatchClause]>,
    pub finally: Option<Block>,
    pub span: Span,
}

/// `trap [Type] { … }`: handles the terminating errors of the statement list it is in.
#[derive(Debug, Clone, PartialEq)]
pub struct Trap {
    pub type_name: Option<TypeName>,
    pub body: Block,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FlowStatement {
    pub kind: FlowKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FlowKind {
    /// `break [label]`.
    Break(Option<Expr>),
    Continue(Option<Expr>),
    Return(Option<Statement>),
    Exit(Option<Statement>),
    Throw(Option<Statement>),
}

/// `function Name { … }` (also `filter`, and `function global:Name`).
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionDef {
    /// As written, with any scope prefix (`global:Get-X`).
    pub name: Name,
    pub body: Rc<ScriptBlockDef>,
    pub span: Span,
}

/// `[CmdletBinding()] param([Parameter(Mandatory)] [string] $Name = 'x', …)`.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamBlock {
    /// Attributes before `param`, e.g. `[CmdletBinding(SupportsShouldProcess)]`.
    pub attributes: Box<[Attribute]>,
    pub parameters: Box<[ParamDecl]>,
    pub span: Span,
}

/// One declared parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamDecl {
    pub name: Name,
    /// `[int]`, `[string[]]`, `[switch]`, … (the last type constraint given).
    pub type_name: Option<TypeName>,
    pub attributes: Box<[Attribute]>,
    pub default: Option<Expr>,
    pub span: Span,
}

/// `[Name(positional, Named = value, Flag)]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub name: Name,
    pub positional: Box<[Expr]>,
    /// `Named = value`, or `Flag` alone (meaning `$true`).
    pub named: Box<[(Name, Option<Expr>)]>,
    pub span: Span,
}

impl Attribute {
    /// Whether this is `[Name]` or `[System.Management.Automation.NameAttribute]`.
    pub fn is(&self, name: &str) -> bool {
        let own = self.name.strip_prefix("System.Management.Automation.").unwrap_or(&self.name);
        let own = own.strip_suffix("Attribute").filter(|o| !o.is_empty()).unwrap_or(own);
        own.eq_ignore_ascii_case(name)
    }
}

/// A type as written between brackets: `int`, `string[]`, `System.Collections.Generic.List[int]`.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeName {
    pub name: Name,
    pub span: Span,
}

/// `head | command | command …`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    pub elements: Box<[PipelineElement]>,
    pub span: Span,
}

impl Pipeline {
    /// The lone expression of a one-element pipeline without redirections.
    pub fn as_expression(&self) -> Option<&Expr> {
        match &*self.elements {
            [PipelineElement { kind: ElementKind::Expression(e), redirections }] if redirections.is_empty() => Some(e),
            _ => None,
        }
    }
}

impl Pipeline {
    /// [`Pipeline::as_expression`], taken out of the pipeline.
    pub fn into_expression(self) -> Option<Expr> {
        self.as_expression()?;
        match self.elements.into_vec().pop()?.kind {
            ElementKind::Expression(e) => Some(e),
            ElementKind::Command(_) => None,
        }
    }
}

/// One element of a pipeline and its redirections.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineElement {
    pub kind: ElementKind,
    pub redirections: Box<[Redirection]>,
}

impl PipelineElement {
    pub fn span(&self) -> Span {
        match &self.kind {
            ElementKind::Expression(e) => e.span,
            ElementKind::Command(c) => c.span,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ElementKind {
    /// A value written as a statement (`$true`, `'text'`, `1 + 2`): it is output as is. Only
    /// the first element of a pipeline can be one.
    Expression(Expr),
    Command(Box<Command>),
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
    /// `> path` (or `$null`); `append` for `>>`.
    File { path: Expr, append: bool },
    /// `2>&1`: into the output stream (or, `1>&2`, the error stream).
    Merge(Stream),
}

/// How a command is invoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invocation {
    /// `Get-X …`.
    Plain,
    /// `& target …`: a child scope.
    Call,
    /// `. target …`: the caller's scope.
    DotSource,
}

/// A command invocation: a name (or a value after `&`/`.`) followed by parameters and
/// arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    pub invocation: Invocation,
    /// A bare word for `Get-X`; any expression after `&` or `.`.
    pub name: Expr,
    pub elements: Box<[CommandElement]>,
    pub span: Span,
}

impl Command {
    /// The literal name, if the command has one.
    pub fn literal_name(&self) -> Option<&str> {
        match (&self.invocation, &self.name.kind) {
            (Invocation::Plain, ExprKind::BareWord(name) | ExprKind::String(name)) => Some(name),
            _ => None,
        }
    }
}

/// What follows a command name.
#[derive(Debug, Clone, PartialEq)]
pub enum CommandElement {
    /// `-Name`.
    Parameter(ParameterName),
    /// `-Name:value` (rare: boxed, so an element stays 32 bytes).
    ParameterWithArgument(Box<ParameterToken>),
    Argument(Expr),
    /// `@params`: a hashtable (named) or array (positional) spread into the call (rare: boxed,
    /// so that `Argument` is the one variant as large as an element).
    Splat(Box<Expr>),
}

impl CommandElement {
    /// The parameter token this is, with or without its colon argument.
    pub fn as_parameter(&self) -> Option<ParameterRef<'_>> {
        match self {
            CommandElement::Parameter(p) => Some(ParameterRef { name: &p.name, span: p.span, argument: None }),
            CommandElement::ParameterWithArgument(p) => {
                Some(ParameterRef { name: &p.name, span: p.span, argument: Some(&p.argument) })
            }
            CommandElement::Argument(_) | CommandElement::Splat(_) => None,
        }
    }
}

/// A parameter token as typed, without its dash (which may have been any of PowerShell's four
/// dash characters).
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterName {
    pub name: Name,
    pub span: Span,
}

/// `-Name:value`: the token and the value after its colon.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterToken {
    pub name: Name,
    /// The whole of `-Name:value`.
    pub span: Span,
    pub argument: Expr,
}

/// A parameter token of either form, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct ParameterRef<'a> {
    pub name: &'a str,
    pub span: Span,
    pub argument: Option<&'a Expr>,
}

/// A value in the source.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// An integer literal written in decimal: `System.Int32` when it fits, else `Int64`.
    Int(i64),
    /// A real literal: `System.Double`.
    Real(f64),
    /// Any other number literal (`0x10`, `1kb`, `10l`, `1.5d`, `007`), with its spelling.
    Number(Box<NumberLiteral>),
    /// A quoted string with nothing to expand.
    String(Name),
    /// An unquoted word in argument mode with nothing to expand.
    BareWord(Name),
    /// A double-quoted string or bare word with `$name` or `$(…)` inside.
    Expandable(Box<[StringPart]>),
    /// `$name`; automatic constants (`$true`) are variables too.
    Variable(Rc<VarRef>),
    /// `a, b, c`, and the unary `,a`.
    Array(Box<[Expr]>),
    /// `@( statements )`: always an array.
    ArrayExpr(Box<[Statement]>),
    /// `$( statements )`.
    SubExpr(Box<[Statement]>),
    /// `( pipeline )`.
    Paren(Box<Statement>),
    /// `@{ key = value; … }` (`[ordered]@{ … }` is a cast of it).
    Hashtable(Box<[(Expr, Statement)]>),
    ScriptBlock(Rc<ScriptBlockDef>),
    Binary(Box<Binary>),
    Unary(Box<Unary>),
    /// `condition ? a : b`.
    Ternary(Box<Ternary>),
    /// `++$x`, `$x++`, `--$x`, `$x--`.
    IncDec(Box<IncDec>),
    /// `target.Name`, `target?.Name`, `target.$name` or, static, `[type]::Name`.
    Member(Box<Member>),
    /// `target.Name(args)` or `[type]::Name(args)`.
    Invoke(Box<Invoke>),
    /// `target[index]`, `target?[index]`.
    Index(Box<Index>),
    /// `[type] operand`.
    Cast(Box<Cast>),
    /// `[Attribute(…)] operand`, e.g. `[ValidateRange(1, 5)][int]$x = 3`.
    Attributed(Box<Attributed>),
    /// `[type]` on its own.
    TypeLiteral(Box<TypeName>),
    /// A word after `--%`: passed verbatim, with `%NAME%` expanded from the environment.
    StopParsing(Name),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Binary {
    pub op: BinaryOp,
    pub left: Expr,
    pub right: Expr,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Unary {
    pub op: UnaryOp,
    pub operand: Expr,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ternary {
    pub condition: Expr,
    pub then: Expr,
    pub otherwise: Expr,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IncDec {
    pub target: Expr,
    pub increment: bool,
    /// `++$x` (the new value) rather than `$x++` (the old one).
    pub prefix: bool,
}

/// A member name: written (`.Name`, `.'Name'`) or computed (`.$name`, `.($expr)`).
#[derive(Debug, Clone, PartialEq)]
pub enum MemberName {
    Literal(Name),
    Computed(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub target: Expr,
    pub name: MemberName,
    pub is_static: bool,
    /// `?.`: `$null` when the target is `$null`.
    pub null_conditional: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Invoke {
    pub target: Expr,
    pub name: MemberName,
    pub args: Box<[Expr]>,
    pub is_static: bool,
    pub null_conditional: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    pub target: Expr,
    pub index: Expr,
    pub null_conditional: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cast {
    pub type_name: TypeName,
    pub operand: Expr,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attributed {
    pub attribute: Attribute,
    pub operand: Expr,
}

/// A number literal other than a plain decimal integer or real.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberLiteral {
    pub value: NumberValue,
    /// The spelling, kept so a number bound to a string parameter stays as written (`34uy`).
    pub text: Name,
}

/// The value of a number literal, in the type its suffix (or size) gives it.
#[derive(Debug, Clone, PartialEq)]
pub enum NumberValue {
    Int32(i32),
    Int64(i64),
    Double(f64),
    SByte(i8),
    Byte(u8),
    Int16(i16),
    UInt16(u16),
    UInt32(u32),
    UInt64(u64),
    Decimal(Decimal),
    BigInt(Box<BigInt>),
}

/// `$name` as written: the scope or drive it names (`$global:x`, `$env:PATH`) and the name.
#[derive(Debug, Clone, PartialEq)]
pub struct VarRef {
    /// The whole name as written, without `$` and braces (`global:x`, `env:PATH`, `_`).
    pub text: Name,
    pub qualifier: Qualifier,
    /// The name without its qualifier, lower-cased: what scopes are keyed by.
    pub key: Name,
}

/// The part of a variable name before the colon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qualifier {
    None,
    Global,
    Script,
    Local,
    Private,
    Using,
    /// `$env:NAME`.
    Env,
    /// `$variable:name`: the same as no qualifier.
    Variable,
    /// `$function:name`.
    Function,
    /// Any other drive (`$alias:x`, `$c:file`): its name is the text before the colon, not
    /// held again, so a `VarRef` is 40 bytes.
    Drive,
}

/// A piece of an expandable string.
#[derive(Debug, Clone, PartialEq)]
pub enum StringPart {
    Text(Name),
    Variable(Rc<VarRef>),
    SubExpr(Box<[Statement]>),
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
    /// `a ?? b`.
    Coalesce,
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
}

impl fmt::Display for NumberValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NumberValue::Int32(n) => write!(f, "{n}"),
            NumberValue::Int64(n) => write!(f, "{n}"),
            NumberValue::Double(n) => write!(f, "{n}"),
            NumberValue::SByte(n) => write!(f, "{n}"),
            NumberValue::Byte(n) => write!(f, "{n}"),
            NumberValue::Int16(n) => write!(f, "{n}"),
            NumberValue::UInt16(n) => write!(f, "{n}"),
            NumberValue::UInt32(n) => write!(f, "{n}"),
            NumberValue::UInt64(n) => write!(f, "{n}"),
            NumberValue::Decimal(n) => write!(f, "{n}"),
            NumberValue::BigInt(n) => write!(f, "{n}"),
        }
    }
}

#[cfg(test)]
mod size_tests {
    use super::*;

    #[test]
    fn nodes_stay_small() {
        // The tree's size per source byte depends on these (docs/performance.md, "Parser").
        assert!(std::mem::size_of::<Expr>() <= 32, "Expr is {} bytes", std::mem::size_of::<Expr>());
        assert!(std::mem::size_of::<Statement>() <= 16, "Statement is {}", std::mem::size_of::<Statement>());
        assert_eq!(std::mem::size_of::<Span>(), 8);
        assert!(
            std::mem::size_of::<ScriptBlockDef>() <= 56,
            "ScriptBlockDef is {}",
            std::mem::size_of::<ScriptBlockDef>()
        );
        assert!(std::mem::size_of::<VarRef>() <= 40, "VarRef is {}", std::mem::size_of::<VarRef>());
        assert!(
            std::mem::size_of::<CommandElement>() <= 32,
            "CommandElement is {}",
            std::mem::size_of::<CommandElement>()
        );
    }
}
