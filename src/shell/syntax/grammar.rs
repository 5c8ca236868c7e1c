//! The grammar, written with nom over `&str`. Positions are recovered as byte offsets from how
//! much of the source is left (`source.len() - rest.len()`), so no nom type leaves this file.
//!
//! Layout: trivia (blanks, comments, continuations) first, then tokens (strings, numbers, bare
//! words, parameters), then statements, from smallest to largest.

use nom::branch::alt;
use nom::bytes::complete::{tag, take_until, take_while, take_while1};
use nom::character::complete::{char, satisfy};
use nom::combinator::{opt, recognize};
use nom::error::{ErrorKind, ParseError};
use nom::multi::many0_count;
use nom::sequence::preceded;
use nom::{IResult, Parser};

use super::SyntaxError;
use super::ast::*;
use super::chars::{
    ends_bare_word, ends_parameter_name, is_blank, is_dash, is_double_quote, is_newline,
    is_single_quote, is_variable_char, starts_parameter_name,
};

/// nom's error type for this grammar: where it failed and, once a rule has committed, why.
#[derive(Debug)]
struct Fail<'a> {
    at: &'a str,
    why: Option<Why>,
}

#[derive(Debug)]
struct Why {
    id: &'static str,
    message: String,
    /// Length of the offending text at `at`, in bytes (at least one character is marked).
    len: usize,
    incomplete: bool,
}

impl<'a> ParseError<&'a str> for Fail<'a> {
    fn from_error_kind(at: &'a str, _: ErrorKind) -> Self {
        Fail { at, why: None }
    }
    fn append(_: &'a str, _: ErrorKind, other: Self) -> Self {
        other
    }
}

type Res<'a, T> = IResult<&'a str, T, Fail<'a>>;

/// A committed failure: stops all backtracking.
fn failure<'a>(
    at: &'a str,
    id: &'static str,
    message: String,
    len: usize,
    incomplete: bool,
) -> nom::Err<Fail<'a>> {
    nom::Err::Failure(Fail {
        at,
        why: Some(Why {
            id,
            message,
            len,
            incomplete,
        }),
    })
}

fn fail<'a, T>(at: &'a str, id: &'static str, message: String, len: usize) -> Res<'a, T> {
    Err(failure(at, id, message, len, false))
}

/// A committed failure because the input ended too early.
fn incomplete<'a, T>(at: &'a str, id: &'static str, message: String) -> Res<'a, T> {
    Err(failure(at, id, message, 0, true))
}

/// Parses `source` as a script.
pub(super) fn script(source: &str) -> Result<Script, SyntaxError> {
    let grammar = Grammar { source };
    match grammar.statements(source) {
        Ok((_, statements)) => Ok(Script { statements }),
        Err(nom::Err::Error(f) | nom::Err::Failure(f)) => Err(grammar.error(f)),
        Err(nom::Err::Incomplete(_)) => Err(SyntaxError {
            id: "IncompleteParse",
            message: "Incomplete input.".into(),
            span: Span::new(source.len(), source.len()),
            incomplete: true,
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// Trivia

/// `#…` to the end of the line.
fn line_comment(i: &str) -> Res<'_, &str> {
    recognize(preceded(char('#'), take_while(|c| !is_newline(c)))).parse(i)
}

/// `<# … #>`; not nested: the first `#>` ends it.
fn block_comment(i: &str) -> Res<'_, &str> {
    let (rest, _) = tag("<#").parse(i)?;
    match take_until::<_, _, Fail>("#>").parse(rest) {
        Ok((rest, _)) => Ok((&rest[2..], i)),
        Err(_) => incomplete(
            i,
            "MissingEndOfBlockComment",
            "Missing the closing '#>' of a block comment.".into(),
        ),
    }
}

/// A backtick right before a newline joins the two lines.
fn continuation(i: &str) -> Res<'_, &str> {
    let (rest, _) = char('`').parse(i)?;
    let (rest, _) = take_while(is_blank).parse(rest)?;
    if rest.is_empty() {
        return incomplete(
            rest,
            "IncompleteContinuation",
            "Line continuation at end of input.".into(),
        );
    }
    recognize(alt((tag("\r\n"), tag("\n"), tag("\r"))))
        .parse(rest)
        .map(|(r, _)| (r, i))
}

/// Blanks, comments and continuations; not newlines.
fn trivia(i: &str) -> Res<'_, usize> {
    many0_count(alt((
        take_while1(is_blank),
        line_comment,
        block_comment,
        continuation,
    )))
    .parse(i)
}

/// Trivia and newlines (inside a pipeline after `|`, after `,`).
fn trivia_and_newlines(i: &str) -> Res<'_, usize> {
    many0_count(alt((
        take_while1(|c| is_blank(c) || is_newline(c)),
        line_comment,
        block_comment,
        continuation,
    )))
    .parse(i)
}

/// Whether the next character ends a statement (or the input).
fn at_statement_end(i: &str) -> bool {
    match i.chars().next() {
        None => true,
        Some(c) => is_newline(c) || c == ';',
    }
}

// ---------------------------------------------------------------------------------------------
// Tokens

/// A single-quoted string: verbatim, a doubled quote is one quote. Any of the five single-quote
/// characters opens or closes it.
fn single_quoted(i: &str) -> Res<'_, String> {
    quoted(i, is_single_quote, '\'', false)
}

/// A double-quoted string with backtick escapes; a doubled quote is one quote.
///
/// `$` expansion is not done yet: the text is kept as written.
fn double_quoted(i: &str) -> Res<'_, String> {
    quoted(i, is_double_quote, '"', true)
}

/// A string between two characters of the class `is_quote`, where two in a row stand for one.
/// `terminator` names the class in the error for a missing end.
fn quoted(i: &str, is_quote: fn(char) -> bool, terminator: char, escapes: bool) -> Res<'_, String> {
    let (mut rest, _) = satisfy(is_quote).parse(i)?;
    let mut out = String::new();
    loop {
        let Some(c) = rest.chars().next() else {
            return incomplete(
                rest,
                "TerminatorExpectedAtEndOfString",
                format!("The string is missing the terminator: {terminator}."),
            );
        };
        if escapes && c == '`' {
            let (after, escaped) = backtick_escape(rest)?;
            out.push_str(&escaped);
            rest = after;
            continue;
        }
        rest = &rest[c.len_utf8()..];
        if !is_quote(c) {
            out.push(c);
            continue;
        }
        match rest.chars().next() {
            Some(next) if is_quote(next) => {
                out.push(next);
                rest = &rest[next.len_utf8()..];
            }
            _ => return Ok((rest, out)),
        }
    }
}

/// `` `x `` inside a double-quoted string or a bare word: the special escapes of
/// about_Special_Characters, `` `u{hex} ``, or the character itself.
fn backtick_escape(i: &str) -> Res<'_, String> {
    let (rest, _) = char('`').parse(i)?;
    let Some(c) = rest.chars().next() else {
        return incomplete(rest, "IncompleteString", "Incomplete string token.".into());
    };
    let after = &rest[c.len_utf8()..];
    let special = match c {
        '0' => '\0',
        'a' => '\x07',
        'b' => '\x08',
        'e' => '\x1B',
        'f' => '\x0C',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'v' => '\x0B',
        'u' => return unicode_escape(i, after),
        other => other,
    };
    Ok((after, special.to_string()))
}

/// The `{hex}` part of `` `u{hex} ``.
fn unicode_escape<'a>(start: &'a str, i: &'a str) -> Res<'a, String> {
    let invalid = |at| {
        fail(
            at,
            "InvalidUnicodeEscapeSequence",
            "The Unicode escape sequence is not valid. A valid sequence is `u{ followed by one \
             to six hex digits and a closing '}'."
                .into(),
            2,
        )
    };
    let Ok((rest, _)) = char::<_, Fail>('{').parse(i) else {
        return invalid(start);
    };
    let (rest, hex) = take_while(|c: char| c.is_ascii_hexdigit()).parse(rest)?;
    if hex.is_empty() || hex.len() > 6 {
        return invalid(start);
    }
    let Ok((rest, _)) = char::<_, Fail>('}').parse(rest) else {
        return fail(
            start,
            "MissingUnicodeEscapeSequenceTerminator",
            "The Unicode escape sequence is missing the closing '}'.".into(),
            2,
        );
    };
    match u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) {
        Some(c) => Ok((rest, c.to_string())),
        None => invalid(start),
    }
}

/// How a bare-word token was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WordForm {
    /// Plain characters only: may be a number.
    Plain,
    /// Exactly one quoted string and nothing else.
    Quoted(Quoting),
    /// Characters mixed with quoted parts or escapes.
    Mixed,
}

/// A bare word in argument mode: runs to a metacharacter or blank. Quoted parts and backtick
/// escapes join into it (`a'b c'` is `ab c`).
fn bare_word(i: &str) -> Res<'_, (String, WordForm)> {
    let mut rest = i;
    let mut out = String::new();
    let mut form = WordForm::Plain;
    while let Some(c) = rest.chars().next() {
        if ends_bare_word(c) {
            break;
        }
        let at_start = rest.len() == i.len();
        let (after, quoting) = if c == '`' {
            if continuation(rest).is_ok() {
                break;
            }
            let (after, escaped) = backtick_escape(rest)?;
            out.push_str(&escaped);
            (after, None)
        } else if is_single_quote(c) {
            let (after, s) = single_quoted(rest)?;
            out.push_str(&s);
            (after, Some(Quoting::Single))
        } else if is_double_quote(c) {
            let (after, s) = double_quoted(rest)?;
            out.push_str(&s);
            (after, Some(Quoting::Double))
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
            if form != WordForm::Plain {
                form = WordForm::Mixed;
            }
            continue;
        };
        form = match (at_start, quoting) {
            (true, Some(q)) => WordForm::Quoted(q),
            _ => WordForm::Mixed,
        };
        rest = after;
    }
    if rest.len() == i.len() {
        return Err(nom::Err::Error(Fail { at: i, why: None }));
    }
    Ok((rest, (out, form)))
}

/// A number literal as PowerShell's argument mode reads it: decimal, real, hex, with an
/// optional `kb`…`pb` multiplier, and a leading dash of any kind. Anything else is a word.
pub(super) fn parse_number(text: &str) -> Option<Number> {
    let (negative, body) = match text.chars().next() {
        Some(c) if is_dash(c) => (true, &text[c.len_utf8()..]),
        _ => (false, text),
    };
    let lower = body.to_ascii_lowercase();
    let (digits, multiplier) = match lower.len().checked_sub(2).map(|n| lower.split_at(n)) {
        Some((d, "kb")) => (d, 1i64 << 10),
        Some((d, "mb")) => (d, 1i64 << 20),
        Some((d, "gb")) => (d, 1i64 << 30),
        Some((d, "tb")) => (d, 1i64 << 40),
        Some((d, "pb")) => (d, 1i64 << 50),
        _ => (lower.as_str(), 1),
    };
    let sign = if negative { -1 } else { 1 };
    if let Some(hex) = digits.strip_prefix("0x") {
        let v = i64::from_str_radix(hex, 16).ok()?;
        return v.checked_mul(multiplier).map(|v| Number::Int(sign * v));
    }
    let first = digits.chars().next()?;
    if !(first.is_ascii_digit() || first == '.') {
        return None;
    }
    if digits.bytes().all(|b| b.is_ascii_digit()) {
        let v: i64 = digits.parse().ok()?;
        return v.checked_mul(multiplier).map(|v| Number::Int(sign * v));
    }
    let real_chars = |b: u8| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'+' | b'-');
    if digits.bytes().all(real_chars) {
        let v: f64 = digits.parse().ok()?;
        return Some(Number::Real(sign as f64 * v * multiplier as f64));
    }
    None
}

/// `$name`, `${any name}`, `$?`, `$_`, `$env:NAME`.
fn variable(i: &str) -> Res<'_, String> {
    let (rest, _) = char('$').parse(i)?;
    if let Ok((rest, _)) = char::<_, Fail>('{').parse(rest) {
        return match take_until::<_, _, Fail>("}").parse(rest) {
            Ok((after, name)) => Ok((&after[1..], name.to_string())),
            Err(_) => incomplete(
                rest,
                "IncompleteDollarVariableReference",
                "Missing '}' in the variable reference.".into(),
            ),
        };
    }
    if let Ok((rest, c)) = satisfy::<_, _, Fail>(|c| c == '?' || c == '^' || c == '$').parse(rest) {
        return Ok((rest, c.to_string()));
    }
    let name = |i| take_while1(is_variable_char).parse(i);
    let (rest, name) = recognize((opt((name, char(':'))), name)).parse(rest)?;
    Ok((rest, name.to_string()))
}

// ---------------------------------------------------------------------------------------------
// Statements

/// Carries the whole source so failures can be turned into spans.
struct Grammar<'s> {
    source: &'s str,
}

impl<'s> Grammar<'s> {
    fn offset(&self, at: &str) -> usize {
        self.source.len() - at.len()
    }

    fn span(&self, from: &str, to: &str) -> Span {
        Span::new(self.offset(from), self.offset(to))
    }

    fn error(&self, f: Fail<'_>) -> SyntaxError {
        let start = self.offset(f.at);
        match f.why {
            Some(why) => {
                let len = if why.len == 0 && !why.incomplete {
                    f.at.chars().next().map_or(0, char::len_utf8)
                } else {
                    why.len
                };
                SyntaxError {
                    id: why.id,
                    message: why.message,
                    span: Span::new(start, start + len),
                    incomplete: why.incomplete,
                }
            }
            None => SyntaxError {
                id: "UnexpectedToken",
                message: unexpected_token(f.at),
                span: Span::new(start, start + token_len(f.at)),
                incomplete: false,
            },
        }
    }

    fn statements(&self, i: &'s str) -> Res<'s, Vec<Statement>> {
        let mut statements = Vec::new();
        let mut rest = i;
        loop {
            let (r, _) = many0_count(alt((
                take_while1(|c| is_blank(c) || is_newline(c) || c == ';'),
                line_comment,
                block_comment,
                continuation,
            )))
            .parse(rest)?;
            rest = r;
            if rest.is_empty() {
                return Ok((rest, statements));
            }
            let (r, statement) = self.statement(rest)?;
            let (r, _) = trivia(r)?;
            if !at_statement_end(r) {
                return unexpected(r);
            }
            statements.push(statement);
            rest = r;
        }
    }

    fn statement(&self, i: &'s str) -> Res<'s, Statement> {
        if let Some(rest) = keyword(i, "exit") {
            let (r, _) = trivia(rest)?;
            if at_statement_end(r) || r.starts_with('|') {
                return Ok((
                    r,
                    Statement::Exit {
                        code: None,
                        span: self.span(i, rest),
                    },
                ));
            }
            let (r, code) = self.argument(r)?;
            let span = self.span(i, r);
            return Ok((
                r,
                Statement::Exit {
                    code: Some(code),
                    span,
                },
            ));
        }
        let (r, pipeline) = self.pipeline(i)?;
        Ok((r, Statement::Pipeline(pipeline)))
    }

    fn pipeline(&self, i: &'s str) -> Res<'s, Pipeline> {
        let (mut rest, head) = self.pipeline_head(i)?;
        let mut elements = vec![head];
        loop {
            let (r, _) = trivia(rest)?;
            if r.starts_with("||") || r.starts_with("&&") {
                return fail(
                    r,
                    "PipelineChainNotSupported",
                    format!(
                        "The '{}' pipeline chain operator is not supported yet.",
                        &r[..2]
                    ),
                    2,
                );
            }
            let Some(after_bar) = r.strip_prefix('|') else {
                return Ok((
                    rest,
                    Pipeline {
                        elements,
                        span: self.span(i, rest),
                    },
                ));
            };
            let (r, _) = trivia_and_newlines(after_bar)?;
            if r.is_empty() {
                return incomplete(
                    r,
                    "EmptyPipeElement",
                    "An empty pipe element is not allowed.".into(),
                );
            }
            if r.starts_with('|') || r.starts_with(';') {
                return fail(
                    r,
                    "EmptyPipeElement",
                    "An empty pipe element is not allowed.".into(),
                    1,
                );
            }
            match self.pipeline_head(r)? {
                (r, element @ PipelineElement::Command(_)) => {
                    elements.push(element);
                    rest = r;
                }
                (_, PipelineElement::Expression(e)) => {
                    return fail(
                        &self.source[e.span.start..],
                        "ExpressionsMustBeFirstInPipeline",
                        "Expressions are only allowed as the first element of a pipeline.".into(),
                        e.span.end - e.span.start,
                    );
                }
            }
        }
    }

    /// A command, or (first in a pipeline) a value.
    fn pipeline_head(&self, i: &'s str) -> Res<'s, PipelineElement> {
        let first = i.chars().next().unwrap_or(' ');
        if first == '$' || is_single_quote(first) || is_double_quote(first) {
            let (r, e) = self.argument(i)?;
            return Ok((r, PipelineElement::Expression(e)));
        }
        unsupported_syntax(i)?;
        let (rest, (name, form)) = bare_word(i)?;
        if form == WordForm::Plain
            && let Some(value) = parse_number(&name)
        {
            let (r, e) = self.more_array_items(i, rest, self.number(i, rest, value, name))?;
            return Ok((r, PipelineElement::Expression(e)));
        }
        let name_span = self.span(i, rest);
        let (rest, elements) = self.command_elements(rest)?;
        let span = self.span(i, rest);
        Ok((
            rest,
            PipelineElement::Command(Command {
                name,
                name_span,
                elements,
                span,
            }),
        ))
    }

    fn command_elements(&self, i: &'s str) -> Res<'s, Vec<CommandElement>> {
        let mut elements = Vec::new();
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
                        "The ampersand (&) character is not allowed. Wrap an ampersand in \
                         quotation marks (\"&\") to pass it as part of a string."
                            .into(),
                        1,
                    );
                }
                Some(_) => {}
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
            let (after, argument) = self.argument(r)?;
            elements.push(CommandElement::Argument(argument));
            rest = after;
        }
    }

    /// `-Name` or `-Name:value`; `None` when the text at `i` is not a parameter token (a
    /// negative number, a lone dash, a dash followed by a quote).
    fn parameter(
        &self,
        i: &'s str,
    ) -> Result<Option<(&'s str, ParameterToken)>, nom::Err<Fail<'s>>> {
        let Ok((after_dash, _)) = satisfy::<_, _, Fail>(is_dash).parse(i) else {
            return Ok(None);
        };
        if !after_dash.chars().next().is_some_and(starts_parameter_name) {
            return Ok(None);
        }
        let name_len = after_dash
            .find(|c: char| ends_parameter_name(c) || c == ':')
            .unwrap_or(after_dash.len());
        let name = &after_dash[..name_len];
        // "Quotes are never part of a parameter": such a token is an argument.
        if name.contains(|c: char| is_single_quote(c) || is_double_quote(c)) {
            return Ok(None);
        }
        let rest = &after_dash[name_len..];
        let Some(after_colon) = rest.strip_prefix(':') else {
            let span = self.span(i, rest);
            return Ok(Some((
                rest,
                ParameterToken {
                    name: name.to_string(),
                    span,
                    argument: None,
                },
            )));
        };
        let (value_start, _) = trivia(after_colon)?;
        if at_statement_end(value_start) || value_start.starts_with('|') {
            let message = format!("Parameter -{name} requires an argument.");
            return Err(if value_start.is_empty() {
                failure(value_start, "ParameterRequiresArgument", message, 0, true)
            } else {
                failure(i, "ParameterRequiresArgument", message, name_len + 2, false)
            });
        }
        let (after, argument) = self.argument(value_start)?;
        let span = self.span(i, after);
        let parameter = ParameterToken {
            name: name.to_string(),
            span,
            argument: Some(Box::new(argument)),
        };
        Ok(Some((after, parameter)))
    }

    /// One argument: a primary value, or several joined by commas into an array.
    fn argument(&self, i: &'s str) -> Res<'s, Expr> {
        let (rest, first) = self.primary(i)?;
        self.more_array_items(i, rest, first)
    }

    fn more_array_items(&self, start: &'s str, i: &'s str, first: Expr) -> Res<'s, Expr> {
        let (r, _) = trivia(i)?;
        if !r.starts_with(',') {
            return Ok((i, first));
        }
        let mut items = vec![first];
        let mut rest = r;
        while let Some(after_comma) = rest.strip_prefix(',') {
            let (r, _) = trivia_and_newlines(after_comma)?;
            if r.is_empty() {
                return incomplete(
                    r,
                    "MissingExpressionAfterToken",
                    "Missing expression after ','.".into(),
                );
            }
            if r.starts_with(',') || at_statement_end(r) || r.starts_with('|') {
                return fail(
                    after_comma,
                    "MissingExpression",
                    "Missing argument in parameter list.".into(),
                    0,
                );
            }
            let (r, item) = self.primary(r)?;
            items.push(item);
            let (after_trivia, _) = trivia(r)?;
            rest = if after_trivia.starts_with(',') {
                after_trivia
            } else {
                r
            };
            if !rest.starts_with(',') {
                break;
            }
        }
        let span = self.span(start, rest);
        Ok((
            rest,
            Expr {
                kind: ExprKind::Array(items),
                span,
            },
        ))
    }

    fn primary(&self, i: &'s str) -> Res<'s, Expr> {
        if i.starts_with('$') {
            let Ok((rest, name)) = variable(i) else {
                // A `$` that starts no variable is a literal word (`$-` in argument mode).
                return self.word(i);
            };
            // `$x` directly followed by word characters is one bare word in argument mode.
            if rest.chars().next().is_some_and(|c| !ends_bare_word(c)) {
                return self.word(i);
            }
            return Ok((
                rest,
                Expr {
                    kind: ExprKind::Variable(name),
                    span: self.span(i, rest),
                },
            ));
        }
        unsupported_syntax(i)?;
        self.word(i)
    }

    /// A bare word, a quoted string, or a number.
    fn word(&self, i: &'s str) -> Res<'s, Expr> {
        let (rest, (value, form)) = bare_word(i)?;
        let quoting = match form {
            WordForm::Plain => {
                if let Some(number) = parse_number(&value) {
                    return Ok((rest, self.number(i, rest, number, value)));
                }
                Quoting::Bare
            }
            WordForm::Quoted(quoting) => quoting,
            WordForm::Mixed => Quoting::Bare,
        };
        let span = self.span(i, rest);
        Ok((
            rest,
            Expr {
                kind: ExprKind::String(StringLiteral { value, quoting }),
                span,
            },
        ))
    }

    fn number(&self, from: &str, to: &str, value: Number, text: String) -> Expr {
        Expr {
            kind: ExprKind::Number { value, text },
            span: self.span(from, to),
        }
    }
}

/// `--` standing alone ends the parameters: everything after it is an argument.
fn end_of_parameters(i: &str) -> Option<&str> {
    let mut chars = i.char_indices();
    let (_, a) = chars.next()?;
    let (_, b) = chars.next()?;
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

/// The case-insensitive keyword `word` followed by the end of the token.
fn keyword<'a>(i: &'a str, word: &str) -> Option<&'a str> {
    let head = i.get(..word.len())?;
    if !head.eq_ignore_ascii_case(word) {
        return None;
    }
    let rest = &i[word.len()..];
    match rest.chars().next() {
        None => Some(rest),
        Some(c) if ends_bare_word(c) => Some(rest),
        _ => None,
    }
}

/// Refuses, with a clear message, the expression syntax this version does not parse yet.
fn unsupported_syntax(i: &str) -> Res<'_, ()> {
    let what = match i.chars().next() {
        Some('(') => "Parenthesised expressions",
        Some('{') => "Script blocks",
        Some('@') => "Array, hashtable and splatting expressions",
        Some('[') => "Type literals and casts",
        _ => return Ok((i, ())),
    };
    fail(
        i,
        "UnsupportedSyntax",
        format!(
            "{what} are not supported by this version of ccrsh. Write the value as a plain or quoted word."
        ),
        1,
    )
}

fn unexpected<T>(at: &str) -> Res<'_, T> {
    fail(at, "UnexpectedToken", unexpected_token(at), token_len(at))
}

fn unexpected_token(at: &str) -> String {
    let token = &at[..token_len(at)];
    format!("Unexpected token '{token}' in expression or statement.")
}

/// Length of the token at the start of `at`, for error markers.
fn token_len(at: &str) -> usize {
    let mut chars = at.char_indices();
    match chars.next() {
        None => 0,
        Some((_, c)) if ends_bare_word(c) => c.len_utf8(),
        Some(_) => at.find(ends_bare_word).unwrap_or(at.len()),
    }
}
