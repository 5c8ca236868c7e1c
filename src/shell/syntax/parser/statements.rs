//! Statements: the script body and script blocks (`param()`, `begin`/`process`/`end`/`clean`),
//! statement lists, labels, the keyword statements (`if`, `switch`, `foreach`, `for`, `while`,
//! `do`, `function`, `filter`, `try`, `trap`, `throw`, `return`, `exit`, `break`, `continue`),
//! assignments and `&&`/`||` chains.

use std::rc::Rc;

use super::{PResult, Parser, Stacks, ascii_letters_len, ends_token, identifier_len, keyword_at};
use crate::shell::syntax::ast::*;
use crate::shell::syntax::chars::is_dash;

/// Words that are keywords at the start of a statement.
#[cfg(test)]
const KEYWORDS: &[&str] = &[
    "if",
    "switch",
    "foreach",
    "for",
    "while",
    "do",
    "function",
    "filter",
    "workflow",
    "try",
    "trap",
    "throw",
    "return",
    "exit",
    "break",
    "continue",
    "param",
    "elseif",
    "else",
    "catch",
    "finally",
    "until",
    "begin",
    "process",
    "end",
    "clean",
    "dynamicparam",
    "class",
    "enum",
    "data",
    "using",
];

/// The keyword `word` is, in any case: lower-cased once and looked up among the keywords of
/// its length, not compared with each keyword in turn (every statement starts with a word
/// that may be one). `KEYWORDS` lists the same words; a test checks the two agree.
fn keyword(word: &str) -> Option<&'static str> {
    let mut buffer = [0u8; 12];
    let lower = buffer.get_mut(..word.len()).filter(|_| word.len() >= 2)?;
    lower.copy_from_slice(word.as_bytes());
    lower.make_ascii_lowercase();
    let lower: &[u8] = lower;
    let same_length: &[&'static str] = match lower.len() {
        2 => &["if", "do"],
        3 => &["for", "try", "end"],
        4 => &["trap", "exit", "else", "enum", "data"],
        5 => &["while", "throw", "break", "param", "catch", "until", "begin", "clean", "class", "using"],
        6 => &["switch", "filter", "return", "elseif"],
        7 => &["foreach", "finally", "process"],
        8 => &["function", "workflow", "continue"],
        12 => &["dynamicparam"],
        _ => &[],
    };
    same_length.iter().copied().find(|k| k.as_bytes()[0] == lower[0] && k.as_bytes() == lower)
}

impl<'s> Parser<'s> {
    /// A whole input: attributes and `param(…)` first, then named blocks or statements.
    pub(super) fn script_body(&mut self) -> PResult<ScriptBlockDef> {
        let mut def = self.block_body(None)?;
        def.span = Span::new(0, self.src.len());
        def.body = def.span;
        Ok(def)
    }

    /// `{ … }` at the `{`.
    pub(super) fn script_block(&mut self) -> PResult<ScriptBlockDef> {
        let start = self.pos;
        self.pos += 1;
        let inner = self.pos;
        let mut def = self.block_body(Some(start))?;
        def.body = Span::new(inner, self.pos);
        self.pos += 1;
        def.span = self.span_from(start);
        Ok(def)
    }

    /// The inside of a script block (to its `}` when `opened`, else to the end): an optional
    /// `param()` block, then `begin`/`process`/`end`/`clean` blocks or plain statements.
    fn block_body(&mut self, opened: Option<usize>) -> PResult<ScriptBlockDef> {
        let close = opened.map(|_| '}');
        self.skip_separators()?;
        let param = self.param_block_opt()?;
        self.skip_separators()?;
        let mut def = ScriptBlockDef { param: param.map(Box::new), ..ScriptBlockDef::default() };
        if self.starts_named_block() {
            loop {
                self.skip_separators()?;
                if self.at_end() {
                    if let Some(open) = opened {
                        return Err(self.incomplete_at(
                            open,
                            "MissingEndCurlyBrace",
                            "Missing closing '}' in statement block or type definition.",
                        ));
                    }
                    break;
                }
                if opened.is_some() && self.byte() == b'}' {
                    break;
                }
                let rest = self.rest();
                let (word, slot) = if keyword_at(rest, "begin") {
                    ("begin", &mut def.named_mut().begin)
                } else if keyword_at(rest, "process") {
                    ("process", &mut def.named_mut().process)
                } else if keyword_at(rest, "end") {
                    ("end", &mut def.end)
                } else if keyword_at(rest, "clean") {
                    ("clean", &mut def.named_mut().clean)
                } else if keyword_at(rest, "dynamicparam") {
                    ("dynamicparam", &mut def.named_mut().dynamicparam)
                } else {
                    return Err(self.error_at(
                        self.pos,
                        self.token_len(),
                        "UnexpectedToken",
                        format!("Unexpected token '{}' in expression or statement.", &rest[..self.token_len()]),
                    ));
                };
                if slot.is_some() {
                    return Err(self.error_at(
                        self.pos,
                        word.len(),
                        "DuplicateScriptBlock",
                        format!("The script already contains a '{word}' block."),
                    ));
                }
                self.pos += word.len();
                let block = self.block()?;
                *slot = Some(block.statements);
            }
            return Ok(def);
        }
        def.end = Some(self.statement_list(close)?);
        Ok(def)
    }

    /// Whether a named block (`begin {`, `process {`…) starts at the position.
    fn starts_named_block(&self) -> bool {
        if !matches!(self.byte().to_ascii_lowercase(), b'b' | b'p' | b'e' | b'c' | b'd') {
            return false;
        }
        let rest = self.rest();
        ["begin", "process", "end", "clean", "dynamicparam"].iter().any(|k| {
            keyword_at(rest, k) && {
                let after = rest[k.len()..].trim_start_matches(|c: char| c.is_whitespace());
                after.starts_with('{')
            }
        })
    }

    /// Statements up to `close` (not consumed) or the end of input.
    pub(super) fn statement_list(&mut self, close: Option<char>) -> PResult<Box<[Statement]>> {
        let mark = self.stacks.statements.len();
        self.nested(|p| p.statement_list_unnested(close))?;
        Ok(Stacks::take(&mut self.stacks.statements, mark))
    }

    /// The statements up to `close` (or the end), pushed on the statement stack.
    fn statement_list_unnested(&mut self, close: Option<char>) -> PResult<()> {
        let opened = self.pos.saturating_sub(1);
        loop {
            self.skip_separators()?;
            match (self.peek(), close) {
                (None, None) => return Ok(()),
                (None, Some(c)) => {
                    let (id, message) = missing_close(c);
                    return Err(self.incomplete_at(opened, id, message));
                }
                (Some(c), Some(close)) if c == close => return Ok(()),
                (Some(c @ ('}' | ')')), _) => {
                    return Err(self.error_at(
                        self.pos,
                        1,
                        "UnexpectedToken",
                        format!("Unexpected token '{c}' in expression or statement."),
                    ));
                }
                _ => {}
            }
            let statement = self.statement()?;
            let end = self.pos;
            self.skip_blanks()?;
            // A statement that ends with its block (`trap { … }`, `if (…) { … }`) needs no
            // separator before the next one, as in PowerShell.
            let block_ended = !matches!(
                statement,
                Statement::Expression(_)
                    | Statement::Command(_)
                    | Statement::Pipeline(_)
                    | Statement::Chain(_)
                    | Statement::Assignment(_)
                    | Statement::Flow(_)
            ) && self.src.as_bytes().get(end.saturating_sub(1)) == Some(&b'}');
            let ends = block_ended
                || match self.peek() {
                    None => true,
                    Some(c) => c == '\n' || c == '\r' || c == ';' || Some(c) == close,
                };
            if !ends {
                return Err(self.unexpected());
            }
            self.stacks.statements.push(statement);
        }
    }

    /// `{ statements }` after a keyword (newlines before the brace allowed).
    pub(super) fn block(&mut self) -> PResult<Block> {
        self.skip_newlines()?;
        if self.byte() != b'{' {
            return Err(self.missing("MissingStatementBlock", "Missing statement block."));
        }
        let start = self.pos;
        self.pos += 1;
        let statements = self.statement_list(Some('}'))?;
        self.pos += 1;
        Ok(Block { statements, span: self.span_from(start) })
    }

    /// One statement.
    pub(super) fn statement(&mut self) -> PResult<Statement> {
        let label = self.label()?;
        if let Some(statement) = self.keyword_statement(label.clone())? {
            return Ok(statement);
        }
        if let Some(label) = label {
            // A label before anything but a loop is a command named `:label` in PowerShell;
            // nothing sensible runs that way, so say what is wrong.
            return Err(self.error_at(
                self.pos,
                self.token_len(),
                "LabelNotOnLoop",
                format!("The label ':{label}' must be followed by a loop or switch statement."),
            ));
        }
        self.pipeline_statement()
    }

    /// `:name` before a loop.
    fn label(&mut self) -> PResult<Option<Name>> {
        if self.byte() != b':' || self.byte_at(1) == b':' {
            return Ok(None);
        }
        let rest = &self.src[self.pos + 1..];
        let len = identifier_len(rest);
        if len == 0 {
            return Err(self.unexpected());
        }
        let name = self.intern(&rest[..len]);
        self.pos += 1 + len;
        self.skip_newlines()?;
        Ok(Some(name))
    }

    fn keyword_statement(&mut self, label: Option<Name>) -> PResult<Option<Statement>> {
        let start = self.pos;
        if !self.byte().is_ascii_alphabetic() {
            return Ok(None);
        }
        let rest = self.rest();
        let word_len = ascii_letters_len(rest);
        let candidate = &rest[..word_len];
        let Some(word) = keyword(candidate) else {
            return Ok(None);
        };
        if !rest[word.len()..].chars().next().is_none_or(ends_token) {
            return Ok(None);
        }
        let after = start + word.len();
        let statement = match word {
            "if" => {
                self.pos = after;
                self.if_statement(start)?
            }
            "foreach" => {
                // `foreach {` (without a parenthesis) is the ForEach-Object alias.
                let tail = self.src[after..].trim_start_matches([' ', '\t']);
                if tail.starts_with('{') {
                    return Ok(None);
                }
                self.pos = after;
                self.foreach_statement(start, label)?
            }
            "for" => {
                self.pos = after;
                self.for_statement(start, label)?
            }
            "while" => {
                self.pos = after;
                let condition = self.condition("while")?;
                let body = self.block()?;
                Statement::Loop(Box::new(Loop {
                    label,
                    kind: LoopKind::While,
                    condition,
                    body,
                    span: self.span_from(start),
                }))
            }
            "do" => {
                self.pos = after;
                self.do_statement(start, label)?
            }
            "switch" => {
                self.pos = after;
                self.switch_statement(start, label)?
            }
            "function" | "filter" | "workflow" => {
                self.pos = after;
                self.function_statement(start, word == "filter")?
            }
            "try" => {
                self.pos = after;
                self.try_statement(start)?
            }
            "trap" => {
                self.pos = after;
                self.trap_statement(start)?
            }
            "throw" | "return" | "exit" => {
                self.pos = after;
                let value = self.optional_pipeline()?;
                let kind = match word {
                    "throw" => FlowKind::Throw(value),
                    "return" => FlowKind::Return(value),
                    _ => FlowKind::Exit(value),
                };
                Statement::Flow(Box::new(FlowStatement { kind, span: self.span_from(start) }))
            }
            "break" | "continue" => {
                self.pos = after;
                self.skip_blanks()?;
                let label = if self.at_end() || matches!(self.byte(), b'\n' | b'\r' | b';' | b'}' | b')') {
                    None
                } else {
                    let label_start = self.pos;
                    match self.simple_name() {
                        Some(name) => Some(Expr { kind: ExprKind::String(name), span: self.span_from(label_start) }),
                        None => Some(self.try_unary()?.ok_or_else(|| self.unexpected())?),
                    }
                };
                let kind = if word == "break" { FlowKind::Break(label) } else { FlowKind::Continue(label) };
                Statement::Flow(Box::new(FlowStatement { kind, span: self.span_from(start) }))
            }
            "param" => {
                return Err(self.error_at(
                    start,
                    5,
                    "ParamBlockNotFirst",
                    "The param block must be the first statement of a script, function or script block.",
                ));
            }
            "class" | "enum" => {
                return Err(self.error_at(
                    start,
                    word.len(),
                    "TypeDefinitionNotSupported",
                    format!("ccrsh does not define .NET types: '{word}' definitions are not supported; use a hashtable or [pscustomobject] instead."),
                ));
            }
            "using" => {
                // `using namespace X` / `using module X`: recorded by nothing, as ccrsh resolves
                // only full type names and its own accelerators.
                let line_end = self.rest().find(['\n', '\r', ';']).map_or(self.src.len(), |n| self.pos + n);
                self.pos = line_end;
                Statement::Pipeline(Box::new(Pipeline { elements: Box::new([]), span: self.span_from(start) }))
            }
            "data" => {
                self.pos = after;
                let block = self.block()?;
                let span = self.span_from(start);
                Statement::Expression(Box::new(Expr { kind: ExprKind::SubExpr(block.statements), span }))
            }
            "elseif" | "else" | "catch" | "finally" | "until" => {
                return Err(self.error_at(
                    start,
                    word.len(),
                    "UnexpectedToken",
                    format!("Unexpected token '{candidate}' in expression or statement."),
                ));
            }
            // `begin`, `process`, `end`, `clean`, `dynamicparam` outside a script block's
            // start are commands in PowerShell too.
            _ => return Ok(None),
        };
        Ok(Some(statement))
    }

    /// A pipeline to the end of the statement, or nothing.
    fn optional_pipeline(&mut self) -> PResult<Option<Statement>> {
        self.skip_blanks()?;
        if self.at_end() || matches!(self.byte(), b';' | b'}' | b')' | b'|' | b'\n' | b'\r') {
            return Ok(None);
        }
        self.pipeline_statement().map(Some)
    }

    /// `( pipeline )` after a keyword.
    fn condition(&mut self, keyword: &str) -> PResult<Statement> {
        self.skip_blanks()?;
        if self.byte() != b'(' {
            return Err(self.missing(
                "MissingOpenParenthesisAfterKeyword",
                format!("Missing opening '(' after keyword '{keyword}'."),
            ));
        }
        self.pos += 1;
        self.skip_newlines()?;
        if self.byte() == b')' {
            return Err(self.error_at(self.pos, 1, "ExpectedExpression", "An expression was expected after '('."));
        }
        let condition = self.pipeline_statement()?;
        self.skip_newlines()?;
        if self.byte() != b')' {
            return Err(self.missing("MissingEndParenthesisAfterStatement", "Missing closing ')' after expression."));
        }
        self.pos += 1;
        Ok(condition)
    }

    fn if_statement(&mut self, start: usize) -> PResult<Statement> {
        let condition = self.condition("if")?;
        let block = self.block()?;
        let mut clauses = vec![(condition, block)];
        let mut otherwise = None;
        loop {
            let save = self.pos;
            self.skip_newlines()?;
            let rest = self.rest();
            if keyword_at(rest, "elseif") {
                self.pos += 6;
                let condition = self.condition("elseif")?;
                let block = self.block()?;
                clauses.push((condition, block));
            } else if keyword_at(rest, "else") {
                self.pos += 4;
                otherwise = Some(self.block()?);
                break;
            } else {
                self.pos = save;
                break;
            }
        }
        Ok(Statement::If(Box::new(If { clauses: clauses.into_boxed_slice(), otherwise, span: self.span_from(start) })))
    }

    fn foreach_statement(&mut self, start: usize, label: Option<Name>) -> PResult<Statement> {
        self.skip_newlines()?;
        // `foreach -Parallel (…)` is a workflow form; the flag is accepted and ignored.
        if self.peek().is_some_and(is_dash) {
            let len = self.token_len();
            self.pos += len;
            self.skip_newlines()?;
        }
        if self.byte() != b'(' {
            return Err(
                self.missing("MissingOpenParenthesisAfterKeyword", "Missing opening '(' after keyword 'foreach'.")
            );
        }
        self.pos += 1;
        self.skip_newlines()?;
        if self.byte() != b'$' {
            return Err(self.missing("MissingVariableNameAfterForeach", "Missing variable name after foreach."));
        }
        let variable = Rc::unwrap_or_clone(self.variable()?);
        self.skip_newlines()?;
        if !keyword_at(self.rest(), "in") {
            return Err(self.missing("MissingInInForeach", "Missing 'in' after variable in foreach loop."));
        }
        self.pos += 2;
        self.skip_newlines()?;
        if self.byte() == b')' || self.at_end() {
            return Err(self.missing("MissingForeachExpression", "Missing foreach loop expression after 'in'."));
        }
        let collection = self.pipeline_statement()?;
        self.skip_newlines()?;
        if self.byte() != b')' {
            return Err(self.missing(
                "MissingEndParenthesisAfterForeach",
                "Missing closing ')' after expression in 'foreach' statement.",
            ));
        }
        self.pos += 1;
        let body = self.block()?;
        Ok(Statement::Foreach(Box::new(Foreach { label, variable, collection, body, span: self.span_from(start) })))
    }

    fn for_statement(&mut self, start: usize, label: Option<Name>) -> PResult<Statement> {
        self.skip_blanks()?;
        if self.byte() != b'(' {
            return Err(self.missing("MissingOpenParenthesisAfterKeyword", "Missing opening '(' after keyword 'for'."));
        }
        self.pos += 1;
        let mut parts: [Option<Statement>; 3] = [None, None, None];
        for (i, slot) in parts.iter_mut().enumerate() {
            // The parts are separated by `;` or newlines.
            self.skip_blanks()?;
            while self.at_newline() {
                self.skip_newlines()?;
            }
            if !(self.byte() == b';' || self.byte() == b')' && i == 2) {
                *slot = Some(self.pipeline_statement()?);
            }
            self.skip_blanks()?;
            if i < 2 {
                if self.byte() == b';' || self.at_newline() {
                    self.pos += 1;
                } else if self.byte() == b')' {
                    // `for ($i = 0)`: the rest is empty.
                    break;
                } else {
                    return Err(self.missing(
                        "MissingEndParenthesisAfterStatement",
                        "Missing closing ')' after expression in 'for' statement.",
                    ));
                }
            }
        }
        self.skip_newlines()?;
        if self.byte() != b')' {
            return Err(self.missing(
                "MissingEndParenthesisAfterStatement",
                "Missing closing ')' after expression in 'for' statement.",
            ));
        }
        self.pos += 1;
        let body = self.block()?;
        let [init, condition, step] = parts;
        Ok(Statement::For(Box::new(For { label, init, condition, step, body, span: self.span_from(start) })))
    }

    fn do_statement(&mut self, start: usize, label: Option<Name>) -> PResult<Statement> {
        let body = self.block()?;
        self.skip_newlines()?;
        let rest = self.rest();
        let (kind, len) = if keyword_at(rest, "while") {
            (LoopKind::DoWhile, 5)
        } else if keyword_at(rest, "until") {
            (LoopKind::DoUntil, 5)
        } else {
            return Err(self.missing("MissingWhileOrUntilInDoWhile", "Missing while or until keyword in do loop."));
        };
        self.pos += len;
        let condition = self.condition(if kind == LoopKind::DoWhile { "while" } else { "until" })?;
        Ok(Statement::Loop(Box::new(Loop { label, kind, condition, body, span: self.span_from(start) })))
    }

    fn switch_statement(&mut self, start: usize, label: Option<Name>) -> PResult<Statement> {
        let mut mode = SwitchMode::Exact;
        let mut case_sensitive = false;
        let mut file = false;
        loop {
            self.skip_newlines()?;
            let Some(dash) = self.peek().filter(|c| is_dash(*c)) else {
                break;
            };
            let name_start = self.pos + dash.len_utf8();
            let rest = &self.src[name_start..];
            let len = ascii_letters_len(rest);
            let flag = rest[..len].to_ascii_lowercase();
            let matches = |full: &str| !flag.is_empty() && full.starts_with(flag.as_str());
            if matches("regex") {
                mode = SwitchMode::Regex;
            } else if matches("wildcard") {
                mode = SwitchMode::Wildcard;
            } else if matches("exact") {
                mode = SwitchMode::Exact;
            } else if matches("casesensitive") {
                case_sensitive = true;
            } else if matches("file") {
                file = true;
            } else if matches("parallel") {
            } else {
                return Err(self.error_at(
                    self.pos,
                    len + 1,
                    "InvalidSwitchFlag",
                    format!(
                        "'-{}' is not a valid switch flag: use -Regex, -Wildcard, -Exact, -CaseSensitive or -File.",
                        &rest[..len]
                    ),
                ));
            }
            self.pos = name_start + len;
        }
        let value = if file {
            // `switch -File path`: the path is an argument, without parentheses.
            self.skip_blanks()?;
            if self.byte() == b'(' {
                self.condition("switch")?
            } else {
                Statement::Expression(Box::new(self.command_argument_primary(false)?))
            }
        } else {
            self.condition("switch")?
        };
        self.skip_newlines()?;
        if self.byte() != b'{' {
            return Err(self.missing("MissingCurlyBraceInSwitchStatement", "Missing '{' in switch statement."));
        }
        let open = self.pos;
        self.pos += 1;
        let mut clauses = Vec::new();
        let mut default = None;
        loop {
            self.skip_separators()?;
            if self.byte() == b'}' {
                self.pos += 1;
                break;
            }
            if self.at_end() {
                return Err(self.incomplete_at(
                    open,
                    "MissingEndCurlyBrace",
                    "Missing closing '}' in statement block or type definition.",
                ));
            }
            if keyword_at(self.rest(), "default") {
                let save = self.pos;
                self.pos += 7;
                self.skip_newlines()?;
                if self.byte() == b'{' {
                    if default.is_some() {
                        return Err(self.error_at(
                            save,
                            7,
                            "MultipleSwitchDefaultClauses",
                            "The switch statement has more than one default clause.",
                        ));
                    }
                    default = Some(self.block()?);
                    continue;
                }
                self.pos = save;
            }
            let pattern =
                if self.byte() == b'{' { self.script_block_expr()? } else { self.command_argument_primary(false)? };
            let block = self.block()?;
            clauses.push((pattern, block));
        }
        let switch = Switch {
            label,
            mode,
            case_sensitive,
            file,
            value,
            clauses: clauses.into_boxed_slice(),
            default,
            span: self.span_from(start),
        };
        Ok(Statement::Switch(Box::new(switch)))
    }

    /// `function Name { … }`, or with `filter`, a function whose body is its process block.
    fn function_statement(&mut self, start: usize, filter: bool) -> PResult<Statement> {
        self.skip_blanks()?;
        // The name runs to a blank, `(` or `{`; backtick escapes in it are undone
        // (`function xyzzy`u{2195}` defines `xyzzy↕`).
        let name_start = self.pos;
        let mut text = String::new();
        while let Some(c) = self.peek() {
            if ends_token(c) || c == '(' || c == '{' {
                break;
            }
            if c == '`' && self.byte_at(1) != b'\n' && self.byte_at(1) != b'\r' {
                self.backtick_escape(&mut text)?;
            } else if c == '`' {
                break;
            } else {
                text.push(c);
                self.bump();
            }
        }
        if self.pos == name_start {
            return Err(self.missing("MissingNameAfterKeyword", "Missing name after function keyword."));
        }
        let name = self.intern(&text);
        self.skip_blanks()?;
        // `function Name($a, $b) { … }`: the parameters before the body.
        let inline = if self.byte() == b'(' {
            let open = self.pos;
            self.pos += 1;
            let parameters = self.parameter_list()?;
            Some(ParamBlock {
                attributes: Box::new([]),
                parameters: parameters.into_boxed_slice(),
                span: self.span_from(open),
            })
        } else {
            None
        };
        self.skip_newlines()?;
        if self.byte() != b'{' {
            return Err(self.missing("MissingFunctionBody", "Missing function body in function declaration."));
        }
        let mut body = self.script_block()?;
        if inline.is_some() {
            if body.param.is_some() {
                return Err(self.error_at(
                    start,
                    8,
                    "OnlyOneParameterListAllowed",
                    "A function cannot have both a parameter list and a param block.",
                ));
            }
            body.param = inline.map(Box::new);
        }
        if filter && body.begin().is_none() && body.process().is_none() && body.clean().is_none() {
            body.named_mut().process = body.end.take();
            body.is_filter = true;
        }
        Ok(Statement::Function(Rc::new(FunctionDef { name, body: Rc::new(body), span: self.span_from(start) })))
    }

    fn try_statement(&mut self, start: usize) -> PResult<Statement> {
        let body = self.block()?;
        let mut catches = Vec::new();
        let mut finally = None;
        loop {
            let save = self.pos;
            self.skip_newlines()?;
            let rest = self.rest();
            if keyword_at(rest, "catch") {
                self.pos += 5;
                let mut types = Vec::new();
                // Newlines may come before each type and around the commas between them.
                loop {
                    self.skip_newlines()?;
                    if self.byte() != b'[' {
                        break;
                    }
                    let attribute = self.attribute()?;
                    types.push(TypeName { name: attribute.name, span: attribute.span });
                    self.skip_newlines()?;
                    if self.byte() == b',' {
                        self.pos += 1;
                        // The list may go on on the next line.
                        self.skip_newlines()?;
                    } else {
                        break;
                    }
                }
                let body = self.block()?;
                catches.push(CatchClause { types: types.into_boxed_slice(), body });
            } else if keyword_at(rest, "finally") {
                self.pos += 7;
                finally = Some(self.block()?);
                break;
            } else {
                self.pos = save;
                break;
            }
        }
        if catches.is_empty() && finally.is_none() {
            return Err(
                self.missing("MissingCatchOrFinally", "The Try statement is missing its Catch or Finally block.")
            );
        }
        let span = self.span_from(start);
        Ok(Statement::Try(Box::new(Try { body, catches: catches.into_boxed_slice(), finally, span })))
    }

    fn trap_statement(&mut self, start: usize) -> PResult<Statement> {
        self.skip_blanks()?;
        let type_name = if self.byte() == b'[' {
            let attribute = self.attribute()?;
            Some(TypeName { name: attribute.name, span: attribute.span })
        } else {
            None
        };
        let body = self.block()?;
        Ok(Statement::Trap(Box::new(Trap { type_name, body, span: self.span_from(start) })))
    }

    // -----------------------------------------------------------------------------------------
    // param blocks

    /// `[CmdletBinding()] param( … )`, if the input starts with one.
    fn param_block_opt(&mut self) -> PResult<Option<ParamBlock>> {
        let start = self.pos;
        let mut attributes = Vec::new();
        while self.byte() == b'[' {
            let save = self.pos;
            let Ok(attribute) = self.attribute() else {
                self.pos = save;
                break;
            };
            attributes.push(attribute);
            self.skip_newlines()?;
        }
        if !keyword_at(self.rest(), "param") {
            self.pos = start;
            return Ok(None);
        }
        self.pos += 5;
        self.skip_newlines()?;
        if self.byte() != b'(' {
            return Err(self.missing("MissingOpenParenthesisInParamBlock", "Missing '(' after param."));
        }
        self.pos += 1;
        let parameters = self.parameter_list()?;
        Ok(Some(ParamBlock {
            attributes: attributes.into_boxed_slice(),
            parameters: parameters.into_boxed_slice(),
            span: self.span_from(start),
        }))
    }

    /// The declarations after `param(` or a function's `(`, through the closing `)`.
    fn parameter_list(&mut self) -> PResult<Vec<ParamDecl>> {
        let open = self.pos.saturating_sub(1);
        let mut parameters = Vec::new();
        loop {
            self.skip_newlines()?;
            if self.byte() == b')' {
                self.pos += 1;
                return Ok(parameters);
            }
            if self.at_end() {
                return Err(self.incomplete_at(
                    open,
                    "MissingEndParenthesisInFunctionParameterList",
                    "Missing ')' in function parameter list.",
                ));
            }
            let start = self.pos;
            let mut attributes = Vec::new();
            let mut type_name = None;
            while self.byte() == b'[' {
                let attribute = self.attribute()?;
                let is_type = attribute.positional.is_empty()
                    && attribute.named.is_empty()
                    && !self.src[attribute.span.range()].contains('(');
                if is_type {
                    type_name = Some(TypeName { name: attribute.name, span: attribute.span });
                } else {
                    attributes.push(attribute);
                }
                self.skip_newlines()?;
            }
            if self.byte() != b'$' {
                return Err(self.missing(
                    "InvalidFunctionParameter",
                    "Parameter declarations are a comma-separated list of variable names with optional initializer expressions.",
                ));
            }
            let variable = Rc::unwrap_or_clone(self.variable()?);
            self.skip_blanks()?;
            let default = if self.byte() == b'=' {
                self.pos += 1;
                self.skip_newlines()?;
                Some(self.try_binary_or_ternary_without_commas()?.ok_or_else(|| self.expected_expression())?)
            } else {
                None
            };
            parameters.push(ParamDecl {
                name: variable.text,
                type_name,
                attributes: attributes.into_boxed_slice(),
                default,
                span: self.span_from(start),
            });
            self.skip_newlines()?;
            match self.byte() {
                b',' => self.pos += 1,
                b')' => {}
                _ => {
                    return Err(self.missing(
                        "MissingEndParenthesisInFunctionParameterList",
                        "Missing ')' in function parameter list.",
                    ));
                }
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Pipelines, assignments and chains

    /// A pipeline, an assignment, or a `&&`/`||` chain of pipelines.
    pub(super) fn pipeline_statement(&mut self) -> PResult<Statement> {
        let start = self.pos;
        let mark = self.stacks.elements.len();
        self.pipeline_elements()?;
        // `target = value` (and `+=` …) when the pipeline is a lone expression.
        let elements = &self.stacks.elements;
        if elements.len() == mark + 1
            && elements[mark].redirections.is_empty()
            && matches!(elements[mark].kind, ElementKind::Expression(_))
        {
            let save = self.pos;
            self.skip_blanks()?;
            if let Some((op, len)) = assignment_operator(self.rest()) {
                let Some(PipelineElement { kind: ElementKind::Expression(target), .. }) = self.stacks.elements.pop()
                else {
                    return Err(self.unexpected());
                };
                self.pos += len;
                self.skip_newlines()?;
                if self.at_end() {
                    return Err(self.incomplete_at(
                        self.pos,
                        "ExpectedValueExpression",
                        "You must provide a value expression on the right-hand side of the '=' operator.",
                    ));
                }
                if !assignable(&target) {
                    return Err(self.error_at(
                        target.span.start as usize,
                        (target.span.end - target.span.start) as usize,
                        "InvalidLeftHandSide",
                        "The assignment expression is not valid. The input to an assignment operator must be an object that is able to accept assignments, such as a variable or a property.",
                    ));
                }
                let value = self.statement()?;
                let span = self.span_from(start);
                return Ok(Statement::Assignment(Box::new(Assignment { target, op, value, span })));
            }
            self.pos = save;
        }
        let save = self.pos;
        self.skip_blanks()?;
        let chained = self.starts_with("&&") || self.starts_with("||");
        self.pos = save;
        if !chained {
            return Ok(self.pipeline_from_stack(start, mark));
        }
        let first = Pipeline { elements: Stacks::take(&mut self.stacks.elements, mark), span: self.span_from(start) };
        let mut rest = Vec::new();
        loop {
            let save = self.pos;
            self.skip_blanks()?;
            let op = if self.starts_with("&&") {
                ChainOp::And
            } else if self.starts_with("||") {
                ChainOp::Or
            } else {
                self.pos = save;
                break;
            };
            self.pos += 2;
            self.skip_newlines()?;
            if self.at_end() {
                return Err(self.incomplete_at(
                    self.pos,
                    "MissingPipelineAfterChainOperator",
                    "Missing pipeline after the chain operator.",
                ));
            }
            rest.push((op, self.pipeline()?));
        }
        Ok(Statement::Chain(Box::new(Chain { first, rest: rest.into_boxed_slice(), span: self.span_from(start) })))
    }
}

/// What an assignment can write to.
fn assignable(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Variable(_) | ExprKind::Index(_) => true,
        ExprKind::Member(m) => !m.null_conditional,
        ExprKind::Cast(c) => assignable(&c.operand),
        ExprKind::Attributed(a) => assignable(&a.operand),
        // `$first, $rest = …`
        ExprKind::Array(targets) => targets.len() > 1 && targets.iter().all(assignable),
        // `($x) = 1` is not valid, but `$a[0] = …` through parentheses is rare; refuse.
        _ => false,
    }
}

fn assignment_operator(rest: &str) -> Option<(AssignOp, usize)> {
    let mut chars = rest.chars();
    let first = chars.next()?;
    let second = chars.next();
    let op = match (first, second) {
        ('=', _) => return Some((AssignOp::Assign, 1)),
        ('+', Some('=')) => AssignOp::Add,
        (c, Some('=')) if is_dash(c) => AssignOp::Subtract,
        ('*', Some('=')) => AssignOp::Multiply,
        ('/', Some('=')) => AssignOp::Divide,
        ('%', Some('=')) => AssignOp::Remainder,
        ('?', Some('?')) if chars.next() == Some('=') => return Some((AssignOp::Coalesce, 3)),
        _ => return None,
    };
    Some((op, first.len_utf8() + 1))
}

fn missing_close(c: char) -> (&'static str, &'static str) {
    match c {
        '}' => ("MissingEndCurlyBrace", "Missing closing '}' in statement block or type definition."),
        _ => ("MissingEndParenthesisInExpression", "Missing closing ')' in expression."),
    }
}

#[cfg(test)]
mod tests {
    use super::{KEYWORDS, keyword};

    #[test]
    fn every_keyword_and_only_a_keyword_is_found_in_any_case() {
        for k in KEYWORDS {
            assert_eq!(keyword(k), Some(*k));
            assert_eq!(keyword(&k.to_uppercase()), Some(*k));
        }
        for word in ["Get", "Write", "", "x", "foreachx", "dynamicparams", "Functions"] {
            assert_eq!(keyword(word), None, "{word}");
        }
    }
}
