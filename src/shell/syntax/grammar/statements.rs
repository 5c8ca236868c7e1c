//! Statements: the script and its `param()` block, statement lists, pipelines and commands,
//! assignments, `&&`/`||` chains, redirections, and the keyword statements (`if`, `foreach`,
//! `for`, `while`, `do`, `switch`, `function`, `try`, `throw`, `return`, `break`, `continue`,
//! `exit`).

use std::rc::Rc;

use nom::Parser;
use nom::character::complete::satisfy;

use super::expressions::Commas;
use super::lexical::{Res, Skip, fail, failure, incomplete, skip, trivia, trivia_and_newlines, variable};
use super::{Grammar, keyword, unexpected};
use crate::shell::syntax::ast::*;
use crate::shell::syntax::chars::{
    ends_bare_word, ends_parameter_name, is_blank, is_dash, is_double_quote, is_newline, is_single_quote,
    starts_parameter_name,
};

impl<'s> Grammar<'s> {
    /// A whole script: attributes and `param(…)` first, if any, then statements.
    pub(super) fn script(&self, i: &'s str) -> Res<'s, Script> {
        let (rest, _) = self.separators(i)?;
        let (rest, param) = self.param_block_opt(rest)?;
        let (rest, statements) = self.statement_list(rest, None)?;
        Ok((rest, Script { param, statements }))
    }

    /// Newlines, `;`, blanks and comments between statements.
    pub(super) fn separators(&self, i: &'s str) -> Res<'s, usize> {
        skip(i, Skip::Separators)
    }

    /// Statements up to `close` (not consumed) or the end of input.
    fn statement_list(&self, i: &'s str, close: Option<char>) -> Res<'s, Vec<Statement>> {
        self.nested(i, || self.statement_list_unnested(i, close))
    }

    fn statement_list_unnested(&self, i: &'s str, close: Option<char>) -> Res<'s, Vec<Statement>> {
        let mut statements = Vec::new();
        let mut rest = i;
        loop {
            let (r, _) = self.separators(rest)?;
            rest = r;
            match (rest.chars().next(), close) {
                (None, None) => return Ok((rest, statements)),
                (None, Some(c)) => {
                    let (id, message) = missing_close(c);
                    return incomplete(rest, id, message.into());
                }
                (Some(c), Some(close)) if c == close => return Ok((rest, statements)),
                (Some(c @ ('}' | ')')), _) => {
                    return fail(
                        rest,
                        "UnexpectedToken",
                        format!("Unexpected token '{c}' in expression or statement."),
                        1,
                    );
                }
                _ => {}
            }
            let (r, statement) = self.statement(rest)?;
            let (r, _) = trivia(r)?;
            let ends = match r.chars().next() {
                None => true,
                Some(c) => is_newline(c) || c == ';' || Some(c) == close,
            };
            if !ends {
                return unexpected(r);
            }
            statements.push(statement);
            rest = r;
        }
    }

    /// `( statements )` or `{ statements }` after the opening character: the statements and
    /// what follows the closing one.
    pub(super) fn enclosed_statements(&self, i: &'s str, close: char) -> Res<'s, Vec<Statement>> {
        let (rest, statements) = self.statement_list(i, Some(close))?;
        Ok((&rest[1..], statements))
    }

    /// `{ statements }`.
    fn block(&self, i: &'s str) -> Res<'s, Block> {
        let (r, _) = trivia_and_newlines(i)?;
        let Some(inner) = r.strip_prefix('{') else {
            return self.missing(r, "MissingStatementBlock", "Missing statement block.");
        };
        let (rest, statements) = self.enclosed_statements(inner, '}')?;
        Ok((rest, Block { statements, span: self.span(r, rest) }))
    }

    /// `{ [param(…)] statements }`.
    pub(super) fn script_block(&self, i: &'s str) -> Res<'s, ScriptBlockDef> {
        let inner = &i[1..];
        let (r, _) = self.separators(inner)?;
        let (r, param) = self.param_block_opt(r)?;
        let (r, _) = self.separators(r)?;
        let named = ["begin", "process", "end"].iter().any(|k| {
            keyword(r, k).is_some_and(|after| trivia_and_newlines(after).is_ok_and(|(a, _)| a.starts_with('{')))
        });
        let (rest, begin, process, statements) = if named {
            let (rest, (begin, process, end)) = self.named_blocks(r)?;
            (rest, begin, process, end)
        } else {
            let (rest, statements) = self.enclosed_statements(r, '}')?;
            (rest, None, None, statements)
        };
        let text = self.text(inner, rest);
        let text = text[..text.len() - 1].to_string();
        Ok((rest, ScriptBlockDef { param, begin, process, statements, text, span: self.span(i, rest) }))
    }

    /// `begin { } process { } end { }` up to and past the closing `}` of the script block.
    #[allow(clippy::type_complexity)]
    fn named_blocks(&self, i: &'s str) -> Res<'s, (Option<Vec<Statement>>, Option<Vec<Statement>>, Vec<Statement>)> {
        let mut rest = i;
        let (mut begin, mut process, mut end) = (None, None, Vec::new());
        loop {
            let (r, _) = self.separators(rest)?;
            if let Some(r) = r.strip_prefix('}') {
                return Ok((r, (begin, process, end)));
            }
            if r.is_empty() {
                return incomplete(
                    r,
                    "MissingEndCurlyBrace",
                    "Missing closing '}' in statement block or type definition.".into(),
                );
            }
            let (after, slot) = if let Some(a) = keyword(r, "begin") {
                (a, 0)
            } else if let Some(a) = keyword(r, "process") {
                (a, 1)
            } else if let Some(a) = keyword(r, "end") {
                (a, 2)
            } else {
                return fail(
                    r,
                    "UnexpectedToken",
                    "Only begin, process and end blocks can follow each other here; put statements inside them.".into(),
                    1,
                );
            };
            let (a, block) = self.block(after)?;
            match slot {
                0 => begin = Some(block.statements),
                1 => process = Some(block.statements),
                _ => end = block.statements,
            }
            rest = a;
        }
    }

    /// One statement.
    pub(super) fn statement(&self, i: &'s str) -> Res<'s, Statement> {
        let (i, label) = self.label(i)?;
        if let Some(statement) = self.keyword_statement(i, label)? {
            return Ok(statement);
        }
        self.pipeline_statement(i)
    }

    /// `:name` before a loop.
    fn label(&self, i: &'s str) -> Res<'s, Option<String>> {
        let Some(after) = i.strip_prefix(':') else {
            return Ok((i, None));
        };
        let len = after.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(after.len());
        if len == 0 {
            return unexpected(i);
        }
        let (rest, _) = trivia_and_newlines(&after[len..])?;
        Ok((rest, Some(after[..len].to_string())))
    }

    fn keyword_statement(
        &self,
        i: &'s str,
        label: Option<String>,
    ) -> Result<Option<(&'s str, Statement)>, nom::Err<super::lexical::Fail<'s>>> {
        let first = i.chars().next().unwrap_or(' ');
        if !first.is_ascii_alphabetic() {
            return Ok(None);
        }
        let word_len = i.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(i.len());
        const KEYWORDS: [&str; 18] = [
            "if", "foreach", "for", "while", "do", "switch", "function", "filter", "try", "throw", "return", "exit",
            "break", "continue", "param", "elseif", "else", "catch",
        ];
        let candidate = &i[..word_len];
        let Some(word) =
            KEYWORDS.iter().chain(["finally", "until"].iter()).find(|k| k.eq_ignore_ascii_case(candidate)).copied()
        else {
            return Ok(None);
        };
        let Some(after) = keyword(i, word) else {
            return Ok(None);
        };
        let parsed = match word {
            "if" => self.if_statement(i, after)?,
            "foreach" => {
                let (a, _) = trivia(after)?;
                if !a.starts_with('(') {
                    return Ok(None);
                }
                self.foreach_statement(i, a, label)?
            }
            "for" => self.for_statement(i, after, label)?,
            "while" => self.while_statement(i, after, label)?,
            "do" => self.do_statement(i, after, label)?,
            "switch" => self.switch_statement(i, after, label)?,
            "function" => self.function_statement(i, after, false)?,
            "filter" => self.function_statement(i, after, true)?,
            "try" => self.try_statement(i, after)?,
            "throw" => {
                let (rest, value) = self.optional_pipeline(after)?;
                (rest, Statement::Throw { value, span: self.span(i, rest) })
            }
            "return" => {
                let (rest, value) = self.optional_pipeline(after)?;
                (rest, Statement::Return { value, span: self.span(i, rest) })
            }
            "exit" => {
                let (rest, code) = self.optional_pipeline(after)?;
                (rest, Statement::Exit { code, span: self.span(i, rest) })
            }
            "break" | "continue" => {
                let (rest, _) = trivia(after)?;
                let len = rest.find(|c: char| ends_bare_word(c)).unwrap_or(rest.len());
                let label = (len > 0).then(|| rest[..len].trim_start_matches(':').to_string());
                let rest = &rest[len..];
                let span = self.span(i, rest);
                let statement = if word == "break" {
                    Statement::Break { label, span }
                } else {
                    Statement::Continue { label, span }
                };
                (rest, statement)
            }
            "param" => {
                return Err(failure(
                    i,
                    "ParamBlockNotFirst",
                    "The param block must be the first statement of a script, function or script block.".into(),
                    5,
                    false,
                ));
            }
            "elseif" | "else" | "catch" | "finally" | "until" => {
                return Err(failure(
                    i,
                    "UnexpectedToken",
                    format!("Unexpected token '{word}' in expression or statement."),
                    word.len(),
                    false,
                ));
            }
            _ => return Ok(None),
        };
        Ok(Some(parsed))
    }

    /// A pipeline to the end of the statement, or nothing.
    fn optional_pipeline(&self, i: &'s str) -> Res<'s, Option<Pipeline>> {
        let (r, _) = trivia(i)?;
        if r.is_empty() || r.starts_with([';', '}', ')', '|']) || r.starts_with(is_newline) {
            return Ok((r, None));
        }
        let (r, pipeline) = self.pipeline(r)?;
        Ok((r, Some(pipeline)))
    }

    /// `( pipeline )` after a keyword.
    fn condition(&self, i: &'s str) -> Res<'s, Pipeline> {
        let (r, _) = trivia(i)?;
        let Some(r) = r.strip_prefix('(') else {
            return self.missing(r, "MissingOpenParenthesisInIfStatement", "Missing '(' after the keyword.");
        };
        let (r, _) = trivia_and_newlines(r)?;
        let (r, pipeline) = self.pipeline(r)?;
        let (r, _) = trivia_and_newlines(r)?;
        let Some(r) = r.strip_prefix(')') else {
            return self.missing(r, "MissingEndParenthesisAfterStatement", "Missing closing ')' after expression.");
        };
        Ok((r, pipeline))
    }

    fn if_statement(&self, start: &'s str, after: &'s str) -> Res<'s, Statement> {
        let (r, condition) = self.condition(after)?;
        let (r, block) = self.block(r)?;
        let mut clauses = vec![(condition, block)];
        let mut rest = r;
        let mut otherwise = None;
        loop {
            let (r, _) = trivia_and_newlines(rest)?;
            if let Some(a) = keyword(r, "elseif") {
                let (a, condition) = self.condition(a)?;
                let (a, block) = self.block(a)?;
                clauses.push((condition, block));
                rest = a;
            } else if let Some(a) = keyword(r, "else") {
                let (a, block) = self.block(a)?;
                otherwise = Some(block);
                rest = a;
                break;
            } else {
                break;
            }
        }
        Ok((rest, Statement::If { clauses, otherwise, span: self.span(start, rest) }))
    }

    fn foreach_statement(&self, start: &'s str, open: &'s str, label: Option<String>) -> Res<'s, Statement> {
        let (r, _) = trivia_and_newlines(&open[1..])?;
        let (r, name) = variable(r).map_err(|_| {
            failure(r, "MissingVariableNameAfterForeach", "Missing variable name after foreach.".into(), 1, false)
        })?;
        let (r, _) = trivia(r)?;
        let Some(r) = keyword(r, "in") else {
            return self.missing(r, "MissingInInForeach", "Missing 'in' after variable in foreach loop.");
        };
        let (r, _) = trivia_and_newlines(r)?;
        let (r, collection) = self.pipeline(r)?;
        let (r, _) = trivia_and_newlines(r)?;
        let Some(r) = r.strip_prefix(')') else {
            return self.missing(
                r,
                "MissingEndParenthesisAfterForeach",
                "Missing closing ')' after expression in 'foreach' statement.",
            );
        };
        let (r, body) = self.block(r)?;
        Ok((r, Statement::Foreach { label, variable: name, collection, body, span: self.span(start, r) }))
    }

    fn for_statement(&self, start: &'s str, after: &'s str, label: Option<String>) -> Res<'s, Statement> {
        let (r, _) = trivia(after)?;
        let Some(r) = r.strip_prefix('(') else {
            return self.missing(r, "MissingOpenParenthesisAfterKeyword", "Missing opening '(' after keyword 'for'.");
        };
        let mut parts: Vec<Option<Statement>> = Vec::new();
        let mut rest = r;
        for closing in [';', ';', ')'] {
            let (r, _) = trivia_and_newlines(rest)?;
            let (r, part) = if r.starts_with(closing) {
                (r, None)
            } else {
                let (r, s) = self.statement(r)?;
                (r, Some(s))
            };
            let (r, _) = trivia_and_newlines(r)?;
            let Some(r) = r.strip_prefix(closing) else {
                return self.missing(
                    r,
                    "MissingEndParenthesisAfterStatement",
                    "Missing closing ')' after expression in 'for' statement.",
                );
            };
            parts.push(part);
            rest = r;
        }
        let (r, body) = self.block(rest)?;
        let step = parts.pop().flatten().map(Box::new);
        let condition = match parts.pop().flatten() {
            Some(Statement::Pipeline(p)) => Some(p),
            Some(_) => {
                return fail(
                    start,
                    "InvalidForCondition",
                    "The condition of a for loop must be an expression.".into(),
                    3,
                );
            }
            None => None,
        };
        let init = parts.pop().flatten().map(Box::new);
        Ok((r, Statement::For { label, init, condition, step, body, span: self.span(start, r) }))
    }

    fn while_statement(&self, start: &'s str, after: &'s str, label: Option<String>) -> Res<'s, Statement> {
        let (r, condition) = self.condition(after)?;
        let (r, body) = self.block(r)?;
        Ok((r, Statement::While { label, condition, body, span: self.span(start, r) }))
    }

    fn do_statement(&self, start: &'s str, after: &'s str, label: Option<String>) -> Res<'s, Statement> {
        let (r, body) = self.block(after)?;
        let (r, _) = trivia_and_newlines(r)?;
        let (r, until) = if let Some(a) = keyword(r, "while") {
            (a, false)
        } else if let Some(a) = keyword(r, "until") {
            (a, true)
        } else {
            return self.missing(r, "MissingWhileOrUntilInDoWhile", "Missing while or until keyword in do loop.");
        };
        let (r, condition) = self.condition(r)?;
        Ok((r, Statement::Do { label, body, condition, until, span: self.span(start, r) }))
    }

    fn switch_statement(&self, start: &'s str, after: &'s str, label: Option<String>) -> Res<'s, Statement> {
        let mut mode = SwitchMode::Exact;
        let mut case_sensitive = false;
        let mut rest = after;
        loop {
            let (r, _) = trivia(rest)?;
            let Some(c) = r.chars().next().filter(|c| is_dash(*c)) else {
                rest = r;
                break;
            };
            let name_start = &r[c.len_utf8()..];
            let len = name_start.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(name_start.len());
            match name_start[..len].to_ascii_lowercase().as_str() {
                "regex" => mode = SwitchMode::Regex,
                "wildcard" => mode = SwitchMode::Wildcard,
                "exact" => mode = SwitchMode::Exact,
                "casesensitive" => case_sensitive = true,
                other => {
                    return fail(
                        r,
                        "InvalidSwitchFlag",
                        format!(
                            "'-{other}' is not a valid switch flag: use -Regex, -Wildcard, -Exact or -CaseSensitive."
                        ),
                        len + 1,
                    );
                }
            }
            rest = &name_start[len..];
        }
        let (r, value) = self.condition(rest)?;
        let (r, _) = trivia_and_newlines(r)?;
        let Some(mut r) = r.strip_prefix('{') else {
            return self.missing(r, "MissingCurlyBraceInSwitchStatement", "Missing '{' in switch statement.");
        };
        let mut clauses = Vec::new();
        let mut default = None;
        loop {
            let (a, _) = self.separators(r)?;
            if let Some(a) = a.strip_prefix('}') {
                r = a;
                break;
            }
            if a.is_empty() {
                return incomplete(
                    a,
                    "MissingEndCurlyBrace",
                    "Missing closing '}' in statement block or type definition.".into(),
                );
            }
            if let Some(after_default) = keyword(a, "default") {
                let (a, block) = self.block(after_default)?;
                default = Some(block);
                r = a;
                continue;
            }
            let (a, pattern) = if a.starts_with('{') { self.script_block_expr(a)? } else { self.argument_primary(a)? };
            let (a, block) = self.block(a)?;
            clauses.push((pattern, block));
            r = a;
        }
        let span = self.span(start, r);
        Ok((
            r,
            Statement::Switch(Box::new(SwitchStatement { label, mode, case_sensitive, value, clauses, default, span })),
        ))
    }

    /// `function Name { … }`, or with `filter`, a function whose body is its process block.
    fn function_statement(&self, start: &'s str, after: &'s str, filter: bool) -> Res<'s, Statement> {
        let (r, _) = trivia(after)?;
        let len = r.find(|c: char| ends_bare_word(c) || c == '(').unwrap_or(r.len());
        if len == 0 {
            return self.missing(r, "MissingNameAfterKeyword", "Missing name after function keyword.");
        }
        let name = r[..len].to_string();
        let (r, _) = trivia(&r[len..])?;
        // `function Name($a, $b) { … }`: the parameters before the body.
        let (r, inline) = if let Some(inner) = r.strip_prefix('(') {
            let open = r;
            let (r, parameters) = self.parameter_list(inner)?;
            (r, Some(ParamBlock { attributes: Vec::new(), parameters, span: self.span(open, r) }))
        } else {
            (r, None)
        };
        let (r, _) = trivia_and_newlines(r)?;
        if !r.starts_with('{') {
            return self.missing(r, "MissingFunctionBody", "Missing function body in function declaration.");
        }
        let (r, mut body) = self.script_block(r)?;
        if inline.is_some() {
            if body.param.is_some() {
                return fail(
                    start,
                    "OnlyOneParameterListAllowed",
                    "A function cannot have both a parameter list and a param block.".into(),
                    8,
                );
            }
            body.param = inline;
        }
        if filter && body.begin.is_none() && body.process.is_none() {
            body.process = Some(std::mem::take(&mut body.statements));
        }
        let span = self.span(start, r);
        Ok((r, Statement::Function(Rc::new(FunctionDef { name, body, span }))))
    }

    fn try_statement(&self, start: &'s str, after: &'s str) -> Res<'s, Statement> {
        let (mut rest, body) = self.block(after)?;
        let mut catches = Vec::new();
        let mut finally = None;
        loop {
            let (r, _) = trivia_and_newlines(rest)?;
            if let Some(a) = keyword(r, "catch") {
                let mut types = Vec::new();
                let mut a = a;
                loop {
                    let (t, _) = trivia(a)?;
                    if !t.starts_with('[') {
                        a = t;
                        break;
                    }
                    let (t, name) = self.type_literal(t)?;
                    types.push(name);
                    let (t, _) = trivia(t)?;
                    a = t.strip_prefix(',').unwrap_or(t);
                }
                let (a, block) = self.block(a)?;
                catches.push(CatchClause { types, body: block });
                rest = a;
            } else if let Some(a) = keyword(r, "finally") {
                let (a, block) = self.block(a)?;
                finally = Some(block);
                rest = a;
                break;
            } else {
                break;
            }
        }
        if catches.is_empty() && finally.is_none() {
            return self.missing(
                rest,
                "MissingCatchOrFinally",
                "The Try statement is missing its Catch or Finally block.",
            );
        }
        Ok((rest, Statement::Try { body, catches, finally, span: self.span(start, rest) }))
    }

    // -----------------------------------------------------------------------------------------
    // param blocks and attributes

    /// `[CmdletBinding()] param( … )`, if the input starts with one.
    fn param_block_opt(&self, i: &'s str) -> Res<'s, Option<ParamBlock>> {
        let mut rest = i;
        let mut attributes = Vec::new();
        while rest.starts_with('[') {
            let Ok((r, attribute)) = self.attribute(rest) else {
                break;
            };
            attributes.push(attribute);
            let (r, _) = trivia_and_newlines(r)?;
            rest = r;
        }
        let Some(after) = keyword(rest, "param") else {
            return Ok((i, None));
        };
        let (r, _) = trivia(after)?;
        let Some(r) = r.strip_prefix('(') else {
            return self.missing(r, "MissingOpenParenthesisInParamBlock", "Missing '(' after param.");
        };
        let (r, parameters) = self.parameter_list(r)?;
        Ok((r, Some(ParamBlock { attributes, parameters, span: self.span(i, r) })))
    }

    /// The declarations after `param(` or a function's `(`, through the closing `)`.
    fn parameter_list(&self, i: &'s str) -> Res<'s, Vec<ParamDecl>> {
        let mut parameters = Vec::new();
        let mut rest = i;
        loop {
            let (r, _) = self.separators(rest)?;
            if let Some(r) = r.strip_prefix(')') {
                return Ok((r, parameters));
            }
            if r.is_empty() {
                return incomplete(
                    r,
                    "MissingEndParenthesisInFunctionParameterList",
                    "Missing ')' in function parameter list.".into(),
                );
            }
            let start = r;
            let mut attributes = Vec::new();
            let mut type_name = None;
            let mut r = r;
            while r.starts_with('[') {
                let (a, attribute) = self.attribute(r)?;
                if attribute.positional.is_empty() && attribute.named.is_empty() && !self.text(r, a).contains('(') {
                    type_name = Some(attribute.name);
                } else {
                    attributes.push(attribute);
                }
                let (a, _) = trivia_and_newlines(a)?;
                r = a;
            }
            let (r, name) = variable(r).map_err(|_| failure(r, "InvalidFunctionParameter", "Parameter declarations are a comma-separated list of variable names with optional initializer expressions.".into(), 1, false))?;
            let (r, _) = trivia(r)?;
            let (r, default) = if let Some(a) = r.strip_prefix('=') {
                let (a, _) = trivia_and_newlines(a)?;
                let (a, value) = self.expression(a, Commas::Separate)?;
                (a, Some(value))
            } else {
                (r, None)
            };
            parameters.push(ParamDecl { name, type_name, attributes, default, span: self.span(start, r) });
            let (r, _) = self.separators(r)?;
            rest = r.strip_prefix(',').unwrap_or(r);
            if !(r.starts_with(',') || r.starts_with(')') || r.is_empty()) {
                return self.missing(
                    r,
                    "MissingEndParenthesisInFunctionParameterList",
                    "Missing ')' in function parameter list.",
                );
            }
        }
    }

    /// `[Name]` or `[Name(args)]`.
    fn attribute(&self, i: &'s str) -> Res<'s, Attribute> {
        let inner = &i[1..];
        let len = inner.find(|c: char| !(c.is_alphanumeric() || c == '.' || c == '_')).unwrap_or(inner.len());
        let name = inner[..len].to_string();
        let after_name = &inner[len..];
        if !after_name.starts_with('(') {
            let (rest, type_name) = self.type_literal(i)?;
            return Ok((
                rest,
                Attribute { name: type_name, positional: Vec::new(), named: Vec::new(), span: self.span(i, rest) },
            ));
        }
        let mut positional = Vec::new();
        let mut named = Vec::new();
        let mut rest = &after_name[1..];
        loop {
            let (r, _) = trivia_and_newlines(rest)?;
            if let Some(r) = r.strip_prefix(')') {
                let (r, _) = trivia(r)?;
                let Some(r) = r.strip_prefix(']') else {
                    return self.missing(
                        r,
                        "EndSquareBracketExpectedAtEndOfAttribute",
                        "Missing ] at end of attribute or type literal.",
                    );
                };
                return Ok((r, Attribute { name, positional, named, span: self.span(i, r) }));
            }
            let word = r.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(r.len());
            let r = if word > 0 && r.starts_with(|c: char| c.is_alphabetic()) {
                let key = r[..word].to_string();
                let (a, _) = trivia(&r[word..])?;
                if let Some(a) = a.strip_prefix('=') {
                    let (a, _) = trivia_and_newlines(a)?;
                    let (a, value) = self.expression(a, Commas::Separate)?;
                    named.push((key, Some(value)));
                    a
                } else {
                    named.push((key, None));
                    a
                }
            } else {
                let (a, value) = self.expression(r, Commas::Separate)?;
                positional.push(value);
                a
            };
            let (r, _) = trivia_and_newlines(r)?;
            rest = r.strip_prefix(',').unwrap_or(r);
            if !(r.starts_with(',') || r.starts_with(')')) {
                return self.missing(r, "MissingEndParenthesisInExpression", "Missing closing ')' in expression.");
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Pipelines and commands

    /// A pipeline, an assignment, or a `&&`/`||` chain of pipelines.
    fn pipeline_statement(&self, i: &'s str) -> Res<'s, Statement> {
        let (rest, first) = self.pipeline(i)?;
        // `target = value` (and `+=` …) when the pipeline is a lone assignable expression.
        if let [PipelineElement::Expression(target)] = first.elements.as_slice()
            && first.redirections.is_empty()
            && assignable(target)
        {
            let (r, _) = trivia(rest)?;
            if let Some((after, op)) = assignment_operator(r) {
                let (after, _) = trivia_and_newlines(after)?;
                if after.is_empty() {
                    return incomplete(
                        after,
                        "ExpectedValueExpression",
                        "You must provide a value expression on the right-hand side of the '=' operator.".into(),
                    );
                }
                let (after, value) = self.statement(after)?;
                let span = self.span(i, after);
                return Ok((after, Statement::Assignment { target: target.clone(), op, value: Box::new(value), span }));
            }
            // `$i++` / `$i--`.
            if let Some(after) = r.strip_prefix("++").or_else(|| r.strip_prefix("--")) {
                let op = if r.starts_with('+') { AssignOp::Add } else { AssignOp::Subtract };
                let one =
                    Expr { kind: ExprKind::Number { value: Number::Int(1), text: "1".into() }, span: target.span };
                let value = Pipeline {
                    elements: vec![PipelineElement::Expression(one)],
                    redirections: Vec::new(),
                    span: target.span,
                };
                let span = self.span(i, after);
                return Ok((
                    after,
                    Statement::Assignment {
                        target: target.clone(),
                        op,
                        value: Box::new(Statement::Pipeline(value)),
                        span,
                    },
                ));
            }
        }
        let mut rest = rest;
        let mut chain = Vec::new();
        loop {
            let (r, _) = trivia(rest)?;
            let op = if r.starts_with("&&") {
                ChainOp::And
            } else if r.starts_with("||") {
                ChainOp::Or
            } else {
                break;
            };
            let (r, _) = trivia_and_newlines(&r[2..])?;
            if r.is_empty() {
                return incomplete(
                    r,
                    "MissingPipelineAfterChainOperator",
                    "Missing pipeline after the chain operator.".into(),
                );
            }
            let (r, next) = self.pipeline(r)?;
            chain.push((op, next));
            rest = r;
        }
        if chain.is_empty() {
            return Ok((rest, Statement::Pipeline(first)));
        }
        Ok((rest, Statement::Chain { first, rest: chain, span: self.span(i, rest) }))
    }

    /// `head | command | …` with redirections.
    pub(super) fn pipeline(&self, i: &'s str) -> Res<'s, Pipeline> {
        if i.is_empty() {
            return incomplete(i, "ExpectedExpression", "An expression was expected.".into());
        }
        let mut redirections = Vec::new();
        let (mut rest, head) = self.pipeline_element(i, true, &mut redirections)?;
        let mut elements = vec![head];
        loop {
            let (r, found) = self.redirections(rest, &mut redirections)?;
            if found {
                rest = r;
                continue;
            }
            let (r, _) = trivia(rest)?;
            if r.starts_with("||") {
                break;
            }
            let Some(after_bar) = r.strip_prefix('|') else {
                // A line that starts with `|` continues the pipeline above it.
                let (next_line, _) = trivia_and_newlines(r)?;
                if r.starts_with(is_newline) && next_line.starts_with('|') && !next_line.starts_with("||") {
                    rest = next_line;
                    continue;
                }
                break;
            };
            let (r, _) = trivia_and_newlines(after_bar)?;
            if r.is_empty() {
                return incomplete(r, "EmptyPipeElement", "An empty pipe element is not allowed.".into());
            }
            if r.starts_with(['|', ';', ')', '}']) {
                return fail(r, "EmptyPipeElement", "An empty pipe element is not allowed.".into(), 1);
            }
            let (r, element) = self.pipeline_element(r, false, &mut redirections)?;
            elements.push(element);
            rest = r;
        }
        Ok((rest, Pipeline { elements, redirections, span: self.span(i, rest) }))
    }

    /// A command, or (first in a pipeline) a value.
    fn pipeline_element(
        &self,
        i: &'s str,
        first: bool,
        redirections: &mut Vec<Redirection>,
    ) -> Res<'s, PipelineElement> {
        let c = i.chars().next().unwrap_or(' ');
        // `& target args` / `. target args`: call a script block or a name held in a value.
        if (c == '&' || c == '.') && i[1..].starts_with(|n: char| is_blank(n)) {
            let (r, _) = trivia(&i[1..])?;
            let (r, target) = self.argument_primary(r)?;
            let name_span = target.span;
            let (r, elements) = self.command_elements(r, redirections)?;
            let span = self.span(i, r);
            let name =
                if c == '.' { CommandName::DotSource(Box::new(target)) } else { CommandName::Invoke(Box::new(target)) };
            let command = Command { name, name_span, elements, span };
            return Ok((r, PipelineElement::Command(command)));
        }
        let rest = &i[c.len_utf8()..];
        let certain = matches!(c, '$' | '(' | '@' | '[' | '{' | '!' | ',')
            || is_single_quote(c)
            || is_double_quote(c)
            || (is_dash(c)
                && (rest.starts_with(|n: char| !n.is_alphabetic() && !is_dash(n) && !is_blank(n) && n != '-')
                    || self.starts_unary_operator(i)));
        let numeric = c.is_ascii_digit() || ((c == '.' || c == '+') && rest.starts_with(|n: char| n.is_ascii_digit()));
        if !first && certain {
            let (_, e) = self.expression(i, Commas::Build)?;
            return fail(
                i,
                "ExpressionsMustBeFirstInPipeline",
                "Expressions are only allowed as the first element of a pipeline.".into(),
                e.span.end - e.span.start,
            );
        }
        if first && certain {
            let (r, e) = self.expression(i, Commas::Build)?;
            return Ok((r, PipelineElement::Expression(e)));
        }
        // `2` and `1kb` are numbers; `7z` is a command.
        if first && numeric {
            match self.expression(i, Commas::Build) {
                Ok((r, e)) => return Ok((r, PipelineElement::Expression(e))),
                Err(nom::Err::Error(_)) => {}
                Err(failure) => return Err(failure),
            }
        }
        self.command(i, redirections)
    }

    /// `Name elements…`.
    fn command(&self, i: &'s str, redirections: &mut Vec<Redirection>) -> Res<'s, PipelineElement> {
        let (rest, name_expr) = self.bare_word(i)?;
        let name = match name_expr.kind {
            ExprKind::String(s) => s.value,
            ExprKind::Number { text, .. } => text,
            _ => {
                return fail(
                    i,
                    "InvalidCommandName",
                    "A command name cannot contain a variable; use & to call a name held in a variable.".into(),
                    rest.len().max(1),
                );
            }
        };
        let name_span = self.span(i, rest);
        let (rest, elements) = self.command_elements(rest, redirections)?;
        let span = self.span(i, rest);
        Ok((rest, PipelineElement::Command(Command { name: CommandName::Literal(name), name_span, elements, span })))
    }

    fn command_elements(&self, i: &'s str, redirections: &mut Vec<Redirection>) -> Res<'s, Vec<CommandElement>> {
        let mut elements = Vec::with_capacity(4);
        let mut rest = i;
        let mut parameters_ended = false;
        loop {
            let (r, _) = trivia(rest)?;
            match r.chars().next() {
                None => return Ok((rest, elements)),
                Some(c) if is_newline(c) || matches!(c, ';' | '|' | ')' | '}') => {
                    return Ok((rest, elements));
                }
                Some('&') => {
                    if r.starts_with("&&") {
                        return Ok((rest, elements));
                    }
                    return fail(
                        r,
                        "AmpersandNotAllowed",
                        "The ampersand (&) character is not allowed. Wrap an ampersand in quotation marks (\"&\") to pass it as part of a string.".into(),
                        1,
                    );
                }
                Some(_) => {}
            }
            let (after, found) = self.redirections(r, redirections)?;
            if found {
                rest = after;
                continue;
            }
            // `--%`: the rest of the line goes verbatim, split at blanks, with `%NAME%` expanded
            // from the environment when the command runs.
            if let Some(after) = r.strip_prefix("--%") {
                let end = after.find(['\n', '\r', '|']).unwrap_or(after.len());
                let mut at = after;
                for word in after[..end].split(is_blank).filter(|w| !w.is_empty()) {
                    let start = &at[at.find(word).unwrap_or(0)..];
                    let literal = StringLiteral { value: word.to_string(), quoting: Quoting::Single };
                    let span = self.span(start, &start[word.len()..]);
                    elements.push(CommandElement::Argument(Expr { kind: ExprKind::StopParsing(literal.value), span }));
                    at = &start[word.len()..];
                }
                rest = &after[end..];
                continue;
            }
            if !parameters_ended {
                if let Some(after) = end_of_parameters(r) {
                    parameters_ended = true;
                    rest = after;
                    continue;
                }
                if let Some((after, parameter)) = self.parameter(r)? {
                    elements.push(CommandElement::Parameter(parameter));
                    rest = after;
                    continue;
                }
            }
            // `@name`: splatting.
            if let Some(after_at) = r.strip_prefix('@')
                && after_at.starts_with(|c: char| c.is_alphanumeric() || c == '_')
            {
                let len = after_at.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(after_at.len());
                let after = &after_at[len..];
                elements
                    .push(CommandElement::Splat { variable: after_at[..len].to_string(), span: self.span(r, after) });
                rest = after;
                continue;
            }
            let (after, argument) = self.argument(r)?;
            elements.push(CommandElement::Argument(argument));
            rest = after;
        }
    }

    /// Redirections at `i`, appended to `into`; whether any was found.
    fn redirections(&self, i: &'s str, into: &mut Vec<Redirection>) -> Res<'s, bool> {
        let mut rest = i;
        let mut found = false;
        loop {
            let (r, _) = trivia(rest)?;
            let Some((after, stream, append)) = redirection_operator(r) else {
                return Ok((if found { rest } else { i }, found));
            };
            if let Some(after_merge) = after.strip_prefix("&1") {
                into.push(Redirection { stream, target: RedirectTarget::ToOutput, span: self.span(r, after_merge) });
                rest = after_merge;
                found = true;
                continue;
            }
            let (target_start, _) = trivia(after)?;
            if target_start.is_empty() || target_start.starts_with(is_newline) {
                return self.missing(
                    target_start,
                    "MissingFileSpecification",
                    "Missing file specification after redirection operator.",
                );
            }
            let (after_target, target) = self.argument_primary(target_start)?;
            let target = if append { RedirectTarget::Append(target) } else { RedirectTarget::File(target) };
            into.push(Redirection { stream, target, span: self.span(r, after_target) });
            rest = after_target;
            found = true;
        }
    }

    /// `-Name` or `-Name:value`; `None` when the text at `i` is not a parameter token (a
    /// negative number, a lone dash, a dash followed by a quote).
    fn parameter(&self, i: &'s str) -> Result<Option<(&'s str, ParameterToken)>, nom::Err<super::lexical::Fail<'s>>> {
        let Ok((after_dash, _)) = satisfy::<_, _, super::lexical::Fail>(is_dash).parse(i) else {
            return Ok(None);
        };
        if !after_dash.chars().next().is_some_and(starts_parameter_name) {
            return Ok(None);
        }
        let name_len = after_dash.find(|c: char| ends_parameter_name(c) || c == ':').unwrap_or(after_dash.len());
        let name = &after_dash[..name_len];
        // "Quotes are never part of a parameter": such a token is an argument.
        if name.contains(|c: char| is_single_quote(c) || is_double_quote(c)) {
            return Ok(None);
        }
        let rest = &after_dash[name_len..];
        let Some(after_colon) = rest.strip_prefix(':') else {
            let span = self.span(i, rest);
            return Ok(Some((rest, ParameterToken { name: name.to_string(), span, argument: None })));
        };
        let (value_start, _) = trivia(after_colon)?;
        if value_start.is_empty() || value_start.starts_with([';', '|']) || value_start.starts_with(is_newline) {
            let message = format!("Parameter -{name} requires an argument.");
            return Err(if value_start.is_empty() {
                failure(value_start, "ParameterRequiresArgument", message, 0, true)
            } else {
                failure(i, "ParameterRequiresArgument", message, name_len + 2, false)
            });
        }
        let (after, argument) = self.argument(value_start)?;
        let span = self.span(i, after);
        Ok(Some((after, ParameterToken { name: name.to_string(), span, argument: Some(Box::new(argument)) })))
    }
}

/// What an assignment can write to.
fn assignable(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Variable(_) | ExprKind::Member { is_static: false, .. } | ExprKind::Index { .. } => true,
        ExprKind::Cast { operand, .. } => matches!(operand.kind, ExprKind::Variable(_)),
        // `$first, $rest = …`
        ExprKind::Array(targets) => targets.len() > 1 && targets.iter().all(assignable),
        _ => false,
    }
}

fn assignment_operator(i: &str) -> Option<(&str, AssignOp)> {
    let mut chars = i.chars();
    let first = chars.next()?;
    let second = chars.next();
    let op = match (first, second) {
        ('=', _) => return Some((&i[1..], AssignOp::Assign)),
        ('+', Some('=')) => AssignOp::Add,
        (c, Some('=')) if is_dash(c) => AssignOp::Subtract,
        ('*', Some('=')) => AssignOp::Multiply,
        ('/', Some('=')) => AssignOp::Divide,
        ('%', Some('=')) => AssignOp::Remainder,
        _ => return None,
    };
    Some((&i[first.len_utf8() + 1..], op))
}

/// `>`, `>>`, `N>`, `N>>`, `*>`, `*>>` at the start of `i`: what follows, the stream, and
/// whether it appends.
fn redirection_operator(i: &str) -> Option<(&str, Stream, bool)> {
    let (stream, rest) = match i.chars().next()? {
        '>' => (Stream::Output, i),
        '*' => (Stream::All, &i[1..]),
        d @ '1'..='6' => {
            let stream = match d {
                '1' => Stream::Output,
                '2' => Stream::Error,
                '3' => Stream::Warning,
                '4' => Stream::Verbose,
                '5' => Stream::Debug,
                _ => Stream::Information,
            };
            (stream, &i[1..])
        }
        _ => return None,
    };
    let rest = rest.strip_prefix('>')?;
    match rest.strip_prefix('>') {
        Some(after) => Some((after, stream, true)),
        None => Some((rest, stream, false)),
    }
}

/// `--` standing alone ends the parameters: everything after it is an argument.
fn end_of_parameters(i: &str) -> Option<&str> {
    let mut chars = i.chars();
    let a = chars.next()?;
    let b = chars.next()?;
    if !(is_dash(a) && is_dash(b)) {
        return None;
    }
    let after = &i[a.len_utf8() + b.len_utf8()..];
    match after.chars().next() {
        None => Some(after),
        Some(c) if ends_bare_word(c) => Some(after),
        _ => None,
    }
}

fn missing_close(c: char) -> (&'static str, &'static str) {
    match c {
        '}' => ("MissingEndCurlyBrace", "Missing closing '}' in statement block or type definition."),
        _ => ("MissingEndParenthesisInExpression", "Missing closing ')' in expression."),
    }
}
