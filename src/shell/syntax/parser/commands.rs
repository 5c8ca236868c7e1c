//! Pipelines and commands: what starts a pipeline (a value or a command), `&`/`.` invocation,
//! argument mode (bare words, `-Parameter[:value]`, `@splat`, `--`, `--%`, comma lists),
//! and redirections.

use super::{PResult, Parser, Stacks, ascii_letters_len, byte_table, char_at, ends_token};
use crate::shell::syntax::ast::*;
use crate::shell::syntax::chars::{is_blank, is_dash, is_double_quote, is_single_quote};

/// The bytes a plain ASCII bare word stops at: what ends a token, what quotes, escapes or
/// expands, and (as every table of [`byte_table`]) the first byte of any non-ASCII character.
static STOPS_PLAIN_WORD: [bool; 256] = byte_table(b"`'\"$ \t\x0B\x0C\n\r&(),;{|}");

/// The bytes an ASCII parameter name stops at: what ends a token, `.`, `[`, `:` and quotes.
static STOPS_PARAMETER_NAME: [bool; 256] = byte_table(b".[:'\" \t\x0B\x0C\n\r&(),;{|}");

impl<'s> Parser<'s> {
    /// `element | element | …`.
    pub(super) fn pipeline(&mut self) -> PResult<Pipeline> {
        let start = self.pos;
        let mark = self.stacks.elements.len();
        self.pipeline_elements()?;
        let elements = Stacks::take(&mut self.stacks.elements, mark);
        Ok(Pipeline { elements, span: self.span_from(start) })
    }

    /// The elements of a pipeline, pushed on the element stack (one at least).
    pub(super) fn pipeline_elements(&mut self) -> PResult<()> {
        if self.at_end() {
            return Err(self.incomplete_at(self.pos, "ExpectedExpression", "An expression was expected."));
        }
        let first = self.pipeline_element(true)?;
        self.stacks.elements.push(first);
        loop {
            let save = self.pos;
            self.skip_blanks()?;
            if self.byte() == b'|' && self.byte_at(1) != b'|' {
                self.pos += 1;
            } else if self.at_newline() {
                // A line that starts with `|` continues the pipeline above it.
                self.skip_newlines()?;
                if self.byte() == b'|' && self.byte_at(1) != b'|' {
                    self.pos += 1;
                } else {
                    self.pos = save;
                    break;
                }
            } else {
                self.pos = save;
                break;
            }
            self.skip_newlines()?;
            if self.at_end() {
                return Err(self.incomplete_at(self.pos, "EmptyPipeElement", "An empty pipe element is not allowed."));
            }
            if matches!(self.byte(), b'|' | b';' | b')' | b'}') {
                return Err(self.error_at(self.pos, 1, "EmptyPipeElement", "An empty pipe element is not allowed."));
            }
            let element = self.pipeline_element(false)?;
            self.stacks.elements.push(element);
        }
        Ok(())
    }

    /// The pipeline whose elements are on the element stack above `mark` (it began at
    /// `start`), as a statement: one element without redirections is held alone.
    pub(super) fn pipeline_from_stack(&mut self, start: usize, mark: usize) -> Statement {
        let elements = &mut self.stacks.elements;
        if elements.len() == mark + 1
            && elements[mark].redirections.is_empty()
            && let Some(element) = elements.pop()
        {
            return match element.kind {
                ElementKind::Expression(e) => Statement::Expression(Box::new(e)),
                ElementKind::Command(c) => Statement::Command(c),
            };
        }
        let elements = Stacks::take(elements, mark);
        Statement::Pipeline(Box::new(Pipeline { elements, span: self.span_from(start) }))
    }

    /// A command, or (first in a pipeline) a value, with its redirections.
    fn pipeline_element(&mut self, first: bool) -> PResult<PipelineElement> {
        let start = self.pos;
        let c = self.peek().unwrap_or(' ');
        let next = self.peek2();
        // `& target args` / `. target args`: call a script block or a name held in a value.
        let call = c == '&' && next != Some('&');
        let dot = c == '.'
            && next.is_some_and(|n| {
                is_blank(n) || matches!(n, '(' | '{' | '$' | '"' | '\'') || is_single_quote(n) || is_double_quote(n)
            });
        if call || dot {
            self.pos += 1;
            self.skip_blanks()?;
            if self.at_end() || self.at_newline() {
                return Err(self.missing("MissingExpression", "Missing expression after '&' in pipeline element."));
            }
            let name = self.command_argument_primary(true)?;
            let invocation = if call { Invocation::Call } else { Invocation::DotSource };
            return self.command_rest(start, invocation, name);
        }
        if self.starts_expression() {
            if !first {
                let e = self.expression()?;
                let len = (e.span.end - e.span.start) as usize;
                return Err(self.error_at(
                    start,
                    len,
                    "ExpressionsMustBeFirstInPipeline",
                    "Expressions are only allowed as the first element of a pipeline.",
                ));
            }
            let expr = self.expression()?;
            let mut redirections = Vec::new();
            self.redirections(&mut redirections)?;
            return Ok(PipelineElement {
                kind: ElementKind::Expression(expr),
                redirections: redirections.into_boxed_slice(),
            });
        }
        let name = self.generic_word()?;
        self.command_rest(start, Invocation::Plain, name)
    }

    /// Whether the text at the position starts an expression (not a command) as the first
    /// element of a pipeline.
    fn starts_expression(&self) -> bool {
        let Some(c) = self.peek() else {
            return false;
        };
        match c {
            '$' | '(' | '@' | '[' | '{' | ',' | '!' => true,
            c if is_single_quote(c) || is_double_quote(c) => true,
            c if c.is_ascii_digit() => self.scan_number(false, true).is_some(),
            '.' => self.byte_at(1).is_ascii_digit() && self.scan_number(false, true).is_some(),
            '+' => {
                let n = self.peek2();
                n == Some('+')
                    || n.is_some_and(|n| n.is_ascii_digit() || n == '.') && self.scan_number(true, true).is_some()
            }
            c if is_dash(c) => {
                let Some(n) = self.peek2() else {
                    return false;
                };
                if is_dash(n) {
                    // `--$x` (a decrement); `--foo` is a command.
                    return char_at(self.src, self.pos + c.len_utf8() + n.len_utf8()) == Some('$');
                }
                if n.is_ascii_digit() || n == '.' {
                    return self.scan_number(true, true).is_some();
                }
                if matches!(n, '$' | '(' | '[' | '@' | '\'' | '"') {
                    return true;
                }
                self.starts_unary_dash_operator()
            }
            _ => false,
        }
    }

    /// `-not`, `-bnot`, `-split`, `-join` at the position.
    fn starts_unary_dash_operator(&self) -> bool {
        let rest = &self.src[self.pos + self.peek().map_or(1, char::len_utf8)..];
        let len = ascii_letters_len(rest);
        let word = rest[..len].to_ascii_lowercase();
        matches!(word.as_str(), "not" | "bnot" | "split" | "isplit" | "csplit" | "join")
            && rest[len..].chars().next().is_none_or(|c| !c.is_alphanumeric() && c != ':')
    }

    /// The arguments and redirections after a command's name.
    fn command_rest(&mut self, start: usize, invocation: Invocation, name: Expr) -> PResult<PipelineElement> {
        let mark = self.stacks.arguments.len();
        let mut redirections = Vec::new();
        let mut parameters_ended = false;
        loop {
            self.skip_blanks()?;
            let Some(c) = self.peek() else { break };
            match c {
                '\n' | '\r' | ';' | ')' | '}' => break,
                '|' => break,
                '&' => {
                    if self.byte_at(1) == b'&' {
                        break;
                    }
                    return Err(self.error_at(
                        self.pos,
                        1,
                        "AmpersandNotAllowed",
                        "The ampersand (&) character is not allowed. The & operator is reserved for future use; wrap an ampersand in double quotation marks (\"&\") to pass it as part of a string.",
                    ));
                }
                _ => {}
            }
            if matches!(c, '>' | '*' | '1'..='6' | '<') && self.redirection(&mut redirections)? {
                continue;
            }
            // A dash may be any of four characters; three of them are not ASCII.
            let dash = self.byte() == b'-' || self.byte() >= 0x80;
            // `--%`: the rest of the line goes verbatim, split at blanks, with `%NAME%` expanded
            // from the environment when the command runs.
            if dash && self.starts_with("--%") {
                self.pos += 3;
                let line_end = self.rest().find(['\n', '\r', '|']).map_or(self.src.len(), |n| self.pos + n);
                while self.pos < line_end {
                    while self.pos < line_end && self.peek().is_some_and(is_blank) {
                        self.bump();
                    }
                    let word_start = self.pos;
                    while self.pos < line_end && !self.peek().is_some_and(is_blank) {
                        self.bump();
                    }
                    if self.pos > word_start {
                        let word = self.intern(&self.src[word_start..self.pos]);
                        self.stacks.arguments.push(CommandElement::Argument(Expr {
                            kind: ExprKind::StopParsing(word),
                            span: self.span_from(word_start),
                        }));
                    }
                }
                continue;
            }
            if dash && !parameters_ended {
                if self.end_of_parameters() {
                    parameters_ended = true;
                    continue;
                }
                if let Some(parameter) = self.parameter()? {
                    self.stacks.arguments.push(parameter);
                    continue;
                }
            }
            // `@name`: splatting.
            if c == '@' && self.peek2().is_some_and(|n| n.is_alphanumeric() || n == '_' || n == '?') {
                let at = self.pos;
                self.pos += 1;
                let name_start = self.pos;
                while self.peek().is_some_and(|n| n.is_alphanumeric() || n == '_' || n == '?' || n == ':') {
                    self.bump();
                }
                let var = self.var_ref(&self.src[name_start..self.pos]);
                let expr = Expr { kind: ExprKind::Variable(var), span: self.span_from(at) };
                self.stacks.arguments.push(CommandElement::Splat(Box::new(expr)));
                continue;
            }
            let argument = self.command_argument()?;
            self.stacks.arguments.push(CommandElement::Argument(argument));
        }
        let elements = Stacks::take(&mut self.stacks.arguments, mark);
        let command = Command { invocation, name, elements, span: self.span_from(start) };
        Ok(PipelineElement {
            kind: ElementKind::Command(Box::new(command)),
            redirections: redirections.into_boxed_slice(),
        })
    }

    /// `--` standing alone ends the parameters: everything after it is an argument.
    fn end_of_parameters(&mut self) -> bool {
        let Some(a) = self.peek() else { return false };
        let Some(b) = self.peek2() else { return false };
        if !(is_dash(a) && is_dash(b)) {
            return false;
        }
        let after = self.pos + a.len_utf8() + b.len_utf8();
        if char_at(self.src, after).is_none_or(ends_token) {
            self.pos = after;
            return true;
        }
        false
    }

    /// `-Name` or `-Name:value`; `None` when the text at the position is not a parameter token
    /// (a negative number, a lone dash, a dash followed by a quote).
    fn parameter(&mut self) -> PResult<Option<CommandElement>> {
        let Some(dash) = self.peek().filter(|c| is_dash(*c)) else {
            return Ok(None);
        };
        let start = self.pos;
        let name_start = start + dash.len_utf8();
        if !char_at(self.src, name_start).is_some_and(|c| c.is_alphabetic() || c == '_' || c == '?') {
            return Ok(None);
        }
        let rest = &self.src[name_start..];
        // ASCII a byte at a time; from the first non-ASCII character on, by characters.
        let ascii = rest.bytes().position(|b| STOPS_PARAMETER_NAME[b as usize]).unwrap_or(rest.len());
        let len = if rest.as_bytes().get(ascii).is_some_and(|&b| b >= 0x80) {
            let tail = &rest[ascii..];
            ascii
                + tail
                    .find(|c: char| {
                        ends_token(c) || matches!(c, '.' | '[' | ':') || is_single_quote(c) || is_double_quote(c)
                    })
                    .unwrap_or(tail.len())
        } else {
            ascii
        };
        // "Quotes are never part of a parameter": such a token is an argument.
        if rest[len..].starts_with(|c: char| is_single_quote(c) || is_double_quote(c)) {
            return Ok(None);
        }
        let name = self.intern(&rest[..len]);
        self.pos = name_start + len;
        if self.byte() != b':' {
            return Ok(Some(CommandElement::Parameter(ParameterName { name, span: self.span_from(start) })));
        }
        self.pos += 1;
        let colon = self.pos;
        self.skip_blanks()?;
        if self.at_end() {
            return Err(self.incomplete_at(
                self.pos,
                "ParameterRequiresArgument",
                format!("Parameter -{name} requires an argument."),
            ));
        }
        if matches!(self.byte(), b';' | b'|' | b'\n' | b'\r' | b')' | b'}') {
            return Err(self.error_at(
                start,
                colon - start,
                "ParameterRequiresArgument",
                format!("Parameter -{name} requires an argument."),
            ));
        }
        let argument = self.command_argument()?;
        let token = ParameterToken { name, span: self.span_from(start), argument };
        Ok(Some(CommandElement::ParameterWithArgument(Box::new(token))))
    }

    /// One command argument: a value, or several joined by commas into an array.
    pub(super) fn command_argument(&mut self) -> PResult<Expr> {
        let first = self.command_argument_primary(false)?;
        let save = self.pos;
        self.skip_blanks()?;
        if self.byte() != b',' {
            self.pos = save;
            return Ok(first);
        }
        let mark = self.stacks.exprs.len();
        self.stacks.exprs.push(first);
        while self.byte() == b',' {
            let comma = self.pos;
            self.pos += 1;
            self.skip_newlines()?;
            if self.at_end() {
                return Err(self.incomplete_at(
                    self.pos,
                    "MissingExpressionAfterToken",
                    "Missing expression after ','.",
                ));
            }
            if matches!(self.byte(), b',' | b';' | b'|' | b')' | b'}' | b'\n' | b'\r') {
                return Err(self.error_at(comma, 1, "MissingExpression", "Missing argument in parameter list."));
            }
            let item = self.command_argument_primary(false)?;
            self.stacks.exprs.push(item);
            let save = self.pos;
            self.skip_blanks()?;
            if self.byte() != b',' {
                self.pos = save;
                break;
            }
        }
        let items = Stacks::take(&mut self.stacks.exprs, mark);
        let span = items[0].span.to(items[items.len() - 1].span);
        Ok(Expr { kind: ExprKind::Array(items), span })
    }

    /// One value in argument mode: expression syntax where it begins with `$`, `(`, `@`, `{`
    /// or a quote (and ends at the token's end); otherwise a bare word, which is a number if it
    /// reads as one. `name` is set for the target of `&` and `.`.
    pub(super) fn command_argument_primary(&mut self, name: bool) -> PResult<Expr> {
        let start = self.pos;
        let c = self.peek().unwrap_or(' ');
        let expression = match c {
            '$' | '(' => true,
            '{' => true,
            '@' => {
                matches!(self.peek2(), Some('(' | '{'))
                    || self.peek2().is_some_and(|n| is_single_quote(n) || is_double_quote(n))
            }
            c if is_single_quote(c) || is_double_quote(c) => true,
            _ => false,
        };
        if expression {
            // `$x` followed by word characters is one bare word (`$a-more`).
            if c == '$' && self.byte_at(1) != b'(' {
                let var = self.variable()?;
                let next = self.peek();
                if next.is_some_and(|n| {
                    !ends_token(n) && n != '.' && n != '[' && !(n == '?' && matches!(self.byte_at(1), b'.' | b'['))
                }) {
                    self.pos = start;
                    return self.generic_word();
                }
                let expr = Expr { kind: ExprKind::Variable(var), span: self.span_from(start) };
                let expr = self.postfix(expr)?;
                if self.peek().is_some_and(|n| !ends_token(n)) && !name {
                    // `$x.Name-suffix`: the whole token is one expandable word.
                    self.pos = start;
                    return self.generic_word();
                }
                return Ok(expr);
            }
            let Some(primary) = self.try_primary()? else {
                return Err(self.unexpected());
            };
            let expr = self.postfix(primary)?;
            if self.peek().is_some_and(|n| !ends_token(n)) && (is_single_quote(c) || is_double_quote(c) || c == '$') {
                // `'a'b`, `"x"$y`: quoted parts join a bare word.
                self.pos = start;
                return self.generic_word();
            }
            return Ok(expr);
        }
        // A number, if the token reads as one.
        if (c.is_ascii_digit() || c == '.' || c == '+' || is_dash(c))
            && let Some((value, end)) = self.scan_number(true, false)
        {
            self.pos = end;
            return Ok(self.number_expr(value, start, end));
        }
        self.generic_word()
    }

    /// A bare word: runs to a blank or `& ( ) , ; { | }`. Quoted parts, escapes and `$`
    /// expansions join into it (`a'b c'` is `ab c`, `a$x` expands `$x`).
    pub(super) fn generic_word(&mut self) -> PResult<Expr> {
        let start = self.pos;
        // Fast path: a word of plain ASCII characters is sliced out whole.
        let rest = self.rest().as_bytes();
        let plain = rest.iter().position(|&b| STOPS_PLAIN_WORD[b as usize]).unwrap_or(rest.len());
        if plain > 0 && (plain == rest.len() || rest[plain] < 0x80 && ends_token(rest[plain] as char)) {
            let text = self.intern(&self.src[start..start + plain]);
            self.pos += plain;
            return Ok(Expr { kind: ExprKind::BareWord(text), span: self.span_from(start) });
        }
        let mark = self.stacks.parts.len();
        let mut text = String::new();
        while let Some(c) = self.peek() {
            if ends_token(c) {
                break;
            }
            if c == '`' {
                // A continuation ends the word.
                let after = &self.src[self.pos + 1..];
                let blanks = after.len() - after.trim_start_matches(is_blank).len();
                if after[blanks..].starts_with(['\n', '\r']) {
                    break;
                }
                if after.is_empty() {
                    self.pos += 1;
                    text.push('`');
                    break;
                }
                self.backtick_escape(&mut text)?;
            } else if is_single_quote(c) {
                let s = self.single_quoted()?;
                text.push_str(&s);
            } else if is_double_quote(c) {
                for part in self.double_quoted()? {
                    match part {
                        StringPart::Text(t) => text.push_str(&t),
                        other => {
                            self.flush(&mut text);
                            self.stacks.parts.push(other);
                        }
                    }
                }
            } else if c == '$' {
                match self.dollar_in_string()? {
                    Some(part) => {
                        self.flush(&mut text);
                        self.stacks.parts.push(part);
                    }
                    None => text.push('$'),
                }
            } else {
                text.push(c);
                self.bump();
            }
        }
        if self.pos == start {
            return Err(self.unexpected());
        }
        self.flush(&mut text);
        let parts = Stacks::take(&mut self.stacks.parts, mark);
        let kind = match &*parts {
            [] => ExprKind::BareWord(self.intern("")),
            [StringPart::Text(t)] => ExprKind::BareWord(t.clone()),
            _ => ExprKind::Expandable(parts),
        };
        Ok(Expr { kind, span: self.span_from(start) })
    }

    /// Redirections at the position, appended to `into`.
    pub(super) fn redirections(&mut self, into: &mut Vec<Redirection>) -> PResult<()> {
        loop {
            let save = self.pos;
            self.skip_blanks()?;
            if !self.redirection(into)? {
                self.pos = save;
                return Ok(());
            }
        }
    }

    /// One redirection at the position, if there is one.
    fn redirection(&mut self, into: &mut Vec<Redirection>) -> PResult<bool> {
        let start = self.pos;
        let (stream, after) = match self.byte() {
            b'>' => (Stream::Output, self.pos),
            b'*' if self.byte_at(1) == b'>' => (Stream::All, self.pos + 1),
            d @ b'1'..=b'6' if self.byte_at(1) == b'>' => {
                let stream = match d {
                    b'1' => Stream::Output,
                    b'2' => Stream::Error,
                    b'3' => Stream::Warning,
                    b'4' => Stream::Verbose,
                    b'5' => Stream::Debug,
                    _ => Stream::Information,
                };
                (stream, self.pos + 1)
            }
            b'<' if self.byte_at(1) != b'#' => {
                return Err(self.error_at(
                    self.pos,
                    1,
                    "RedirectionNotSupported",
                    "The '<' operator is reserved for future use.",
                ));
            }
            _ => return Ok(false),
        };
        self.pos = after + 1;
        let append = self.byte() == b'>';
        if append {
            self.pos += 1;
        }
        if !append && self.byte() == b'&' && matches!(self.byte_at(1), b'1' | b'2') {
            let to = if self.byte_at(1) == b'1' { Stream::Output } else { Stream::Error };
            self.pos += 2;
            into.push(Redirection { stream, target: RedirectTarget::Merge(to), span: self.span_from(start) });
            return Ok(true);
        }
        self.skip_blanks()?;
        if self.at_end() || self.at_newline() || matches!(self.byte(), b'|' | b';' | b')' | b'}') {
            return Err(
                self.missing("MissingFileSpecification", "Missing file specification after redirection operator.")
            );
        }
        let path = self.command_argument_primary(false)?;
        into.push(Redirection { stream, target: RedirectTarget::File { path, append }, span: self.span_from(start) });
        Ok(true)
    }
}
