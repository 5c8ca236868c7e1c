//! Expressions: operators by PowerShell's precedence (about_Operator_Precedence), primaries
//! with member access, indexing and method calls, expandable strings, and command arguments
//! (argument mode, where bare words are strings).

use std::rc::Rc;

use nom::Parser;
use nom::character::complete::{char, satisfy};

use super::lexical::{
    Fail, Res, backtick_escape, continuation, fail, failure, incomplete, parse_number, single_quoted, trivia,
    trivia_and_newlines, variable,
};
use super::{Grammar, unexpected};
use crate::shell::syntax::ast::*;
use crate::shell::syntax::chars::{
    ends_bare_word, is_dash, is_double_quote, is_newline, is_single_quote, is_variable_char,
};

/// Whether a comma at this level builds an array (not inside method arguments, attribute
/// arguments or hashtable keys, where it separates items).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Commas {
    Build,
    Separate,
}

/// An operator token in expression mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Binary(BinaryOp),
    Unary(UnaryOp),
    /// `-not`, which is unary only.
    Not,
}

/// The name of a dash operator (`eq`, `cne`, `ireplace`…) as a token.
fn dash_operator(name: &str) -> Option<Token> {
    // Operator names are short ASCII words: lower-case them on the stack.
    let mut buffer = [0u8; 16];
    if name.len() > buffer.len() || !name.is_ascii() {
        return None;
    }
    for (slot, b) in buffer.iter_mut().zip(name.bytes()) {
        *slot = b.to_ascii_lowercase();
    }
    let lower = std::str::from_utf8(&buffer[..name.len()]).ok()?;
    let (case_sensitive, base) = match lower.as_bytes().first() {
        Some(b'c') if comparison(&lower[1..]).is_some() || matches!(&lower[1..], "replace" | "split") => {
            (true, &lower[1..])
        }
        Some(b'i') if comparison(&lower[1..]).is_some() || matches!(&lower[1..], "replace" | "split") => {
            (false, &lower[1..])
        }
        _ => (false, lower),
    };
    if let Some(op) = comparison(base) {
        return Some(Token::Binary(BinaryOp::Compare { op, case_sensitive }));
    }
    Some(match base {
        "replace" => Token::Binary(BinaryOp::Replace { case_sensitive }),
        "split" => Token::Binary(BinaryOp::Split { case_sensitive }),
        "join" => Token::Binary(BinaryOp::Join),
        "and" => Token::Binary(BinaryOp::And),
        "or" => Token::Binary(BinaryOp::Or),
        "xor" => Token::Binary(BinaryOp::Xor),
        "band" => Token::Binary(BinaryOp::BitAnd),
        "bor" => Token::Binary(BinaryOp::BitOr),
        "bxor" => Token::Binary(BinaryOp::BitXor),
        "shl" => Token::Binary(BinaryOp::ShiftLeft),
        "shr" => Token::Binary(BinaryOp::ShiftRight),
        "is" => Token::Binary(BinaryOp::Is),
        "isnot" => Token::Binary(BinaryOp::IsNot),
        "as" => Token::Binary(BinaryOp::As),
        "f" => Token::Binary(BinaryOp::Format),
        "not" => Token::Not,
        "bnot" => Token::Unary(UnaryOp::BitNot),
        _ => return None,
    })
}

fn comparison(name: &str) -> Option<CompareOp> {
    CompareOp::from_name(name)
}

/// `-name` at the start of `i`: the operator and what follows it.
fn dash_token(i: &str) -> Option<(&str, Token)> {
    let first = i.chars().next().filter(|c| is_dash(*c))?;
    let rest = &i[first.len_utf8()..];
    let len = rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
    if len == 0 {
        return None;
    }
    dash_operator(&rest[..len]).map(|t| (&rest[len..], t))
}

/// The binding strength of a binary operator; higher binds tighter. As in PowerShell's parser
/// (not its about_Operator_Precedence page), `-band`/`-bor`/`-bxor` bind looser than the
/// comparisons, and `-shl`/`-shr` bind with them: `5 -band 4 -eq 4` is `5 -band $true`.
fn precedence(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::And | BinaryOp::Or | BinaryOp::Xor => 1,
        BinaryOp::BitAnd | BinaryOp::BitOr | BinaryOp::BitXor => 2,
        BinaryOp::ShiftLeft
        | BinaryOp::ShiftRight
        | BinaryOp::Compare { .. }
        | BinaryOp::Replace { .. }
        | BinaryOp::Split { .. }
        | BinaryOp::Join
        | BinaryOp::Is
        | BinaryOp::IsNot
        | BinaryOp::As => 3,
        BinaryOp::Add | BinaryOp::Subtract => 4,
        BinaryOp::Multiply | BinaryOp::Divide | BinaryOp::Remainder => 5,
        BinaryOp::Format => 6,
        BinaryOp::Range => 7,
    }
}

impl<'s> Grammar<'s> {
    /// An expression in expression mode.
    pub(super) fn expression(&self, i: &'s str, commas: Commas) -> Res<'s, Expr> {
        self.binary(i, 1, commas)
    }

    /// Precedence climbing over the binary operators of strength `min` and above.
    fn binary(&self, i: &'s str, min: u8, commas: Commas) -> Res<'s, Expr> {
        let (mut rest, mut left) = self.unary(i, commas)?;
        loop {
            let (r, _) = trivia(rest)?;
            let Some((after, op)) = self.binary_operator(r) else {
                return Ok((rest, left));
            };
            let strength = precedence(op);
            if strength < min {
                return Ok((rest, left));
            }
            let (after, _) = trivia_and_newlines(after)?;
            if after.is_empty() {
                return incomplete(
                    after,
                    "ExpectedValueExpression",
                    "You must provide a value expression following the operator.".into(),
                );
            }
            let (r, right) = self.binary(after, strength + 1, commas)?;
            let span = left.span.to(right.span);
            left = Expr { kind: ExprKind::Binary { op, left: Box::new(left), right: Box::new(right) }, span };
            rest = r;
        }
    }

    /// Whether `i` starts with a unary dash operator (`-not`, `-bnot`, `-split`, `-join`).
    pub(super) fn starts_unary_operator(&self, i: &str) -> bool {
        matches!(
            dash_token(i),
            Some((_, Token::Not | Token::Unary(_) | Token::Binary(BinaryOp::Split { .. } | BinaryOp::Join)))
        )
    }

    fn binary_operator(&self, i: &'s str) -> Option<(&'s str, BinaryOp)> {
        if let Some((rest, Token::Binary(op))) = dash_token(i) {
            return Some((rest, op));
        }
        let mut chars = i.chars();
        let first = chars.next()?;
        let second = chars.next();
        let op = match (first, second) {
            ('.', Some('.')) => return Some((&i[2..], BinaryOp::Range)),
            ('+', Some('=' | '+')) | ('*', Some('=')) | ('/', Some('=')) | ('%', Some('=')) => {
                return None;
            }
            (c, Some('=')) if is_dash(c) => return None,
            ('+', _) => BinaryOp::Add,
            ('*', _) => BinaryOp::Multiply,
            ('/', _) => BinaryOp::Divide,
            ('%', _) => BinaryOp::Remainder,
            (c, next) if is_dash(c) && !next.is_some_and(|n| n.is_ascii_alphabetic() || is_dash(n)) => {
                BinaryOp::Subtract
            }
            _ => return None,
        };
        Some((&i[first.len_utf8()..], op))
    }

    /// Unary operators, the comma operator and casts, from loosest to tightest:
    /// `-not`/`!` < `,` < `-split`/`-join` (unary) < casts < postfix.
    fn unary(&self, i: &'s str, commas: Commas) -> Res<'s, Expr> {
        self.nested(i, || self.unary_unnested(i, commas))
    }

    fn unary_unnested(&self, i: &'s str, commas: Commas) -> Res<'s, Expr> {
        if let Some((rest, Token::Not)) = dash_token(i) {
            return self.prefix(i, rest, UnaryOp::Not, commas);
        }
        if let Some(rest) = i.strip_prefix('!') {
            return self.prefix(i, rest, UnaryOp::Not, commas);
        }
        if let Some((rest, Token::Unary(op))) = dash_token(i) {
            return self.prefix(i, rest, op, commas);
        }
        // A dash before a value negates it.
        if let Some(c) = i.chars().next().filter(|c| is_dash(*c) || *c == '+') {
            let rest = &i[c.len_utf8()..];
            if !rest.starts_with(|n: char| n.is_ascii_alphabetic() || is_dash(n) || n == '=' || n == '+') {
                let op = if c == '+' { UnaryOp::Plus } else { UnaryOp::Negate };
                return self.prefix(i, rest, op, commas);
            }
        }
        self.comma_list(i, commas)
    }

    fn prefix(&self, start: &'s str, rest: &'s str, op: UnaryOp, commas: Commas) -> Res<'s, Expr> {
        let (rest, _) = trivia(rest)?;
        if rest.is_empty() {
            return incomplete(
                rest,
                "MissingExpressionAfterOperator",
                "Missing expression after unary operator.".into(),
            );
        }
        let (r, operand) = self.unary(rest, commas)?;
        let span = self.span(start, r);
        Ok((r, Expr { kind: ExprKind::Unary { op, operand: Box::new(operand) }, span }))
    }

    /// `a, b, c` (and the unary `,a`): binds tighter than every binary operator but the range.
    fn comma_list(&self, i: &'s str, commas: Commas) -> Res<'s, Expr> {
        if commas == Commas::Build
            && let Some(rest) = i.strip_prefix(',')
        {
            let (rest, _) = trivia_and_newlines(rest)?;
            let (r, operand) = self.split_join(rest)?;
            let span = self.span(i, r);
            return Ok((r, Expr { kind: ExprKind::Array(vec![operand]), span }));
        }
        let (mut rest, first) = self.split_join(i)?;
        if commas == Commas::Separate {
            return Ok((rest, first));
        }
        let mut items = vec![first];
        loop {
            let (r, _) = trivia(rest)?;
            let Some(after) = r.strip_prefix(',') else {
                break;
            };
            let (after, _) = trivia_and_newlines(after)?;
            if after.is_empty() {
                return incomplete(after, "MissingExpressionAfterToken", "Missing expression after ','.".into());
            }
            // Each item is a unary expression: `1, -2, !$x`.
            let (r, item) = self.unary(after, Commas::Separate)?;
            items.push(item);
            rest = r;
        }
        if items.len() == 1 {
            return Ok((rest, items.remove(0)));
        }
        let span = self.span(i, rest);
        Ok((rest, Expr { kind: ExprKind::Array(items), span }))
    }

    fn split_join(&self, i: &'s str) -> Res<'s, Expr> {
        if let Some((rest, Token::Binary(BinaryOp::Split { .. } | BinaryOp::Join))) = dash_token(i) {
            let dash = i.chars().next().map_or(1, char::len_utf8);
            let op = if i[dash..].get(..4).is_some_and(|w| w.eq_ignore_ascii_case("join")) {
                UnaryOp::Join
            } else {
                UnaryOp::Split
            };
            let (rest, _) = trivia(rest)?;
            let (r, operand) = self.split_join(rest)?;
            let span = self.span(i, r);
            return Ok((r, Expr { kind: ExprKind::Unary { op, operand: Box::new(operand) }, span }));
        }
        self.cast(i)
    }

    /// `[type] operand`, `[type]::Member`, or `[type]` alone.
    fn cast(&self, i: &'s str) -> Res<'s, Expr> {
        if !i.starts_with('[') {
            return self.postfix_primary(i);
        }
        let (rest, type_name) = self.type_literal(i)?;
        let literal = Expr { kind: ExprKind::TypeLiteral(type_name.clone()), span: self.span(i, rest) };
        if rest.starts_with("::") {
            return self.postfix(i, rest, literal);
        }
        let (after, _) = trivia(rest)?;
        let operand_starts = after.chars().next().is_some_and(|c| {
            matches!(c, '$' | '(' | '@' | '[' | '{') || c.is_ascii_digit() || is_single_quote(c) || is_double_quote(c)
        });
        // A cast applies to a unary expression too: `[int]-5`, `[bool]!$x`, `[int]-not 0`.
        let negated = after.chars().next().filter(|c| is_dash(*c)).is_some_and(|dash| {
            after[dash.len_utf8()..].starts_with(|c: char| c.is_ascii_digit() || matches!(c, '$' | '(' | '.'))
        });
        let unary_operand =
            negated || after.starts_with('!') || matches!(dash_token(after), Some((_, Token::Not | Token::Unary(_))));
        if !operand_starts && !unary_operand {
            return Ok((rest, literal));
        }
        let (r, operand) = if unary_operand { self.unary(after, Commas::Separate)? } else { self.cast(after)? };
        let span = self.span(i, r);
        if type_name.eq_ignore_ascii_case("ordered")
            && let ExprKind::Hashtable { entries, .. } = operand.kind
        {
            return Ok((r, Expr { kind: ExprKind::Hashtable { entries, ordered: true }, span }));
        }
        Ok((r, Expr { kind: ExprKind::Cast { type_name, operand: Box::new(operand) }, span }))
    }

    /// `[name]`, with nested brackets for arrays and generics (`[string[]]`).
    pub(super) fn type_literal(&self, i: &'s str) -> Res<'s, String> {
        let (mut rest, _) = char('[').parse(i)?;
        let mut depth = 1;
        let start = rest;
        while depth > 0 {
            let Some(c) = rest.chars().next() else {
                return incomplete(
                    rest,
                    "EndSquareBracketExpectedAtEndOfAttribute",
                    "Missing ] at end of type token.".into(),
                );
            };
            match c {
                '[' => depth += 1,
                ']' => depth -= 1,
                c if is_newline(c) => {
                    return fail(i, "EndSquareBracketExpectedAtEndOfType", "Missing ] at end of type token.".into(), 1);
                }
                _ => {}
            }
            rest = &rest[c.len_utf8()..];
        }
        let name = self.text(start, rest);
        let name = name[..name.len() - 1].trim();
        if name.is_empty() {
            return fail(i, "MissingTypename", "Missing type name after '['.".into(), 1);
        }
        Ok((rest, name.to_string()))
    }

    fn postfix_primary(&self, i: &'s str) -> Res<'s, Expr> {
        let (rest, primary) = self.primary(i)?;
        self.postfix(i, rest, primary)
    }

    /// `.Member`, `.Method(args)`, `::Static`, `[index]`, directly after a value.
    pub(super) fn postfix(&self, start: &'s str, mut rest: &'s str, mut expr: Expr) -> Res<'s, Expr> {
        loop {
            let (after, is_static) = if let Some(a) = rest.strip_prefix("::") {
                (a, true)
            } else if rest.starts_with('.') && !rest.starts_with("..") {
                (&rest[1..], false)
            } else if rest.starts_with('[') {
                let (r, _) = trivia_and_newlines(&rest[1..])?;
                let (r, index) = self.expression(r, Commas::Build)?;
                let (r, _) = trivia_and_newlines(r)?;
                let Some(r) = r.strip_prefix(']') else {
                    return self.missing(
                        r,
                        "MissingEndSquareBracket",
                        "Array index expression is missing or not valid.",
                    );
                };
                let span = self.span(start, r);
                expr = Expr { kind: ExprKind::Index { target: Box::new(expr), index: Box::new(index) }, span };
                rest = r;
                continue;
            } else {
                return Ok((rest, expr));
            };
            let (after, name) = self.member_name(after)?;
            if let Some(args_start) = after.strip_prefix('(') {
                let (r, args) = self.arguments_list(args_start)?;
                let span = self.span(start, r);
                expr = Expr { kind: ExprKind::Invoke { target: Box::new(expr), name, args, is_static }, span };
                rest = r;
            } else {
                let span = self.span(start, after);
                expr = Expr { kind: ExprKind::Member { target: Box::new(expr), name, is_static }, span };
                rest = after;
            }
        }
    }

    fn member_name(&self, i: &'s str) -> Res<'s, String> {
        if i.starts_with(|c: char| is_single_quote(c)) {
            return single_quoted(i);
        }
        let len = i.find(|c: char| !is_variable_char(c)).unwrap_or(i.len());
        if len == 0 {
            return fail(i, "MissingPropertyName", "Missing property name after reference operator.".into(), 1);
        }
        Ok((&i[len..], i[..len].to_string()))
    }

    /// `(a, b)` after a method name: the arguments, up to and past `)`.
    fn arguments_list(&self, i: &'s str) -> Res<'s, Vec<Expr>> {
        let mut args = Vec::new();
        let (mut rest, _) = trivia_and_newlines(i)?;
        if let Some(r) = rest.strip_prefix(')') {
            return Ok((r, args));
        }
        loop {
            let (r, arg) = self.expression(rest, Commas::Separate)?;
            args.push(arg);
            let (r, _) = trivia_and_newlines(r)?;
            if let Some(r) = r.strip_prefix(')') {
                return Ok((r, args));
            }
            let Some(r) = r.strip_prefix(',') else {
                return self.missing(r, "MissingEndParenthesisInMethodCall", "Missing ')' in method call.");
            };
            let (r, _) = trivia_and_newlines(r)?;
            rest = r;
        }
    }

    /// A value in expression mode.
    fn primary(&self, i: &'s str) -> Res<'s, Expr> {
        let Some(first) = i.chars().next() else {
            return incomplete(i, "ExpectedExpression", "An expression was expected after '('.".into());
        };
        if first == '$' {
            if i[1..].starts_with('(') {
                return self.sub_expression(i);
            }
            let (rest, name) = variable(i)?;
            return Ok((rest, Expr { kind: ExprKind::Variable(name), span: self.span(i, rest) }));
        }
        if first == '@' {
            return self.at_expression(i);
        }
        if first == '(' {
            return self.parenthesised(i);
        }
        if first == '{' {
            return self.script_block_expr(i);
        }
        if is_single_quote(first) {
            let (rest, value) = single_quoted(i)?;
            let literal = StringLiteral { value, quoting: Quoting::Single };
            return Ok((rest, Expr { kind: ExprKind::String(literal), span: self.span(i, rest) }));
        }
        if is_double_quote(first) {
            let (rest, parts) = self.double_quoted(i)?;
            return Ok((rest, self.string_expr(parts, Quoting::Double, i, rest)));
        }
        if first.is_ascii_digit() || (first == '.' && i[1..].starts_with(|c: char| c.is_ascii_digit())) {
            return self.number(i);
        }
        unexpected(i)
    }

    /// A number in expression mode: stops before `..` so `1..5` is a range.
    fn number(&self, i: &'s str) -> Res<'s, Expr> {
        let bytes = i.as_bytes();
        let mut end = 0;
        if i.starts_with("0x") || i.starts_with("0X") {
            end = 2;
            while end < bytes.len() && bytes[end].is_ascii_hexdigit() {
                end += 1;
            }
        } else {
            while end < bytes.len() && bytes[end].is_ascii_digit() {
                end += 1;
            }
            if end + 1 < bytes.len() && bytes[end] == b'.' && bytes[end + 1].is_ascii_digit() {
                end += 1;
                while end < bytes.len() && bytes[end].is_ascii_digit() {
                    end += 1;
                }
            }
            if end < bytes.len() && (bytes[end] == b'e' || bytes[end] == b'E') {
                let mut e = end + 1;
                if e < bytes.len() && (bytes[e] == b'+' || bytes[e] == b'-') {
                    e += 1;
                }
                if e < bytes.len() && bytes[e].is_ascii_digit() {
                    while e < bytes.len() && bytes[e].is_ascii_digit() {
                        e += 1;
                    }
                    end = e;
                }
            }
        }
        // A multiplier suffix.
        let lower = i[end..].get(..2).map(str::to_ascii_lowercase);
        if matches!(lower.as_deref(), Some("kb" | "mb" | "gb" | "tb" | "pb")) {
            end += 2;
        }
        // A type suffix (`10l`, `34uy`, `1.5d`).
        for suffix in ["uy", "us", "ul", "y", "s", "l", "u", "n", "d"] {
            if i[end..].get(..suffix.len()).is_some_and(|t| t.eq_ignore_ascii_case(suffix))
                && !i[end + suffix.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
            {
                end += suffix.len();
                break;
            }
        }
        let text = &i[..end];
        let rest = &i[end..];
        // `7z` is no number; a soft error lets a statement read it as a command name.
        let soft = || nom::Err::Error(Fail { at: i, why: None });
        if rest.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
            return Err(soft());
        }
        let Some(value) = parse_number(text) else {
            return Err(soft());
        };
        Ok((rest, Expr { kind: ExprKind::Number { value, text: text.to_string() }, span: self.span(i, rest) }))
    }

    /// `$( statements )`.
    fn sub_expression(&self, i: &'s str) -> Res<'s, Expr> {
        let (rest, statements) = self.enclosed_statements(&i[2..], ')')?;
        Ok((rest, Expr { kind: ExprKind::SubExpr(statements), span: self.span(i, rest) }))
    }

    /// `@( … )`, `@{ … }`, or a here-string `@" … "@` / `@' … '@`.
    fn at_expression(&self, i: &'s str) -> Res<'s, Expr> {
        let rest = &i[1..];
        if let Some(inner) = rest.strip_prefix('(') {
            let (rest, statements) = self.enclosed_statements(inner, ')')?;
            return Ok((rest, Expr { kind: ExprKind::ArrayExpr(statements), span: self.span(i, rest) }));
        }
        if rest.starts_with('{') {
            return self.hashtable(i);
        }
        if rest.starts_with(|c: char| is_single_quote(c) || is_double_quote(c)) {
            return self.here_string(i);
        }
        fail(
            i,
            "SplattingNotPermitted",
            "The splatting operator '@' cannot be used to reference variables in an expression. Use '$' instead."
                .into(),
            1,
        )
    }

    /// `@"` newline … newline `"@`, expanded; `@'` … `'@`, verbatim.
    fn here_string(&self, i: &'s str) -> Res<'s, Expr> {
        let quote = i[1..].chars().next().unwrap_or('"');
        let expandable = is_double_quote(quote);
        let body_start = &i[1 + quote.len_utf8()..];
        let (body_start, _) = trivia(body_start)?;
        let body_start =
            body_start.strip_prefix("\r\n").or_else(|| body_start.strip_prefix('\n')).ok_or_else(|| {
                failure(
                    i,
                    "UnexpectedCharactersAfterHereStringHeader",
                    "No characters are allowed after a here-string header but before the end of the line.".into(),
                    2,
                    false,
                )
            })?;
        let mut search = body_start;
        loop {
            let Some(newline) = search.find('\n') else {
                return incomplete(
                    search,
                    "TerminatorExpectedAtEndOfString",
                    format!("The string is missing the terminator: {quote}@."),
                );
            };
            let line_start = &search[newline + 1..];
            let closes = line_start
                .chars()
                .next()
                .is_some_and(|c| if expandable { is_double_quote(c) } else { is_single_quote(c) })
                && line_start[line_start.chars().next().map_or(0, char::len_utf8)..].starts_with('@');
            if closes {
                let body = &body_start[..body_start.len() - search.len() + newline];
                let body = body.strip_suffix('\r').unwrap_or(body);
                let rest = &line_start[line_start.chars().next().map_or(0, char::len_utf8) + 1..];
                let expr = if expandable {
                    let parts = self.expandable_parts(body)?;
                    self.string_expr(parts, Quoting::Double, i, rest)
                } else {
                    let literal = StringLiteral { value: body.to_string(), quoting: Quoting::Single };
                    Expr { kind: ExprKind::String(literal), span: self.span(i, rest) }
                };
                return Ok((rest, expr));
            }
            search = line_start;
        }
    }

    /// `@{ key = value; … }`.
    fn hashtable(&self, i: &'s str) -> Res<'s, Expr> {
        let mut rest = &i[2..];
        let mut entries = Vec::new();
        loop {
            let (r, _) = self.separators(rest)?;
            if let Some(r) = r.strip_prefix('}') {
                let span = self.span(i, r);
                return Ok((r, Expr { kind: ExprKind::Hashtable { entries, ordered: false }, span }));
            }
            if r.is_empty() {
                return incomplete(
                    r,
                    "MissingEndCurlyBrace",
                    "Missing closing '}' in statement block or type definition.".into(),
                );
            }
            let (r, key) = self.hashtable_key(r)?;
            let (r, _) = trivia(r)?;
            let Some(r) = r.strip_prefix('=') else {
                return self.missing(
                    r,
                    "MissingEqualsInHashLiteral",
                    "Missing '=' operator after key in hash literal.",
                );
            };
            let (r, _) = trivia_and_newlines(r)?;
            let (r, value) = self.statement(r)?;
            entries.push((key, value));
            let (r, _) = trivia(r)?;
            if !(r.starts_with('}') || r.starts_with(';') || r.starts_with(is_newline) || r.is_empty()) {
                return self.missing(
                    r,
                    "MissingEndCurlyBrace",
                    "Missing closing '}' in statement block or type definition.",
                );
            }
            rest = r;
        }
    }

    fn hashtable_key(&self, i: &'s str) -> Res<'s, Expr> {
        let first = i.chars().next().unwrap_or(' ');
        if first.is_alphabetic() || first == '_' {
            let len = i.find(|c: char| !(is_variable_char(c) || c == '-' || c == '.')).unwrap_or(i.len());
            let literal = StringLiteral { value: i[..len].to_string(), quoting: Quoting::Bare };
            return Ok((&i[len..], Expr { kind: ExprKind::String(literal), span: self.span(i, &i[len..]) }));
        }
        self.unary(i, Commas::Separate)
    }

    /// `( statement )`.
    fn parenthesised(&self, i: &'s str) -> Res<'s, Expr> {
        let (rest, _) = trivia_and_newlines(&i[1..])?;
        if rest.is_empty() {
            return incomplete(rest, "MissingEndParenthesisInExpression", "Missing closing ')' in expression.".into());
        }
        let (rest, statement) = self.statement(rest)?;
        let (rest, _) = trivia_and_newlines(rest)?;
        let Some(rest) = rest.strip_prefix(')') else {
            return self.missing(rest, "MissingEndParenthesisInExpression", "Missing closing ')' in expression.");
        };
        Ok((rest, Expr { kind: ExprKind::Paren(Box::new(statement)), span: self.span(i, rest) }))
    }

    /// `{ [param(…)] statements }` as a value.
    pub(super) fn script_block_expr(&self, i: &'s str) -> Res<'s, Expr> {
        let (rest, def) = self.script_block(i)?;
        Ok((rest, Expr { kind: ExprKind::ScriptBlock(Rc::new(def)), span: self.span(i, rest) }))
    }

    /// Reports a missing closing token: incomplete at the end of input, an error elsewhere.
    pub(super) fn missing<T>(&self, at: &'s str, id: &'static str, message: &str) -> Res<'s, T> {
        if at.is_empty() { incomplete(at, id, message.into()) } else { fail(at, id, message.into(), 1) }
    }

    // -----------------------------------------------------------------------------------------
    // Strings

    /// `"…"`: text, `$name`, `${name}`, `$(…)` and backtick escapes; a doubled quote is one.
    fn double_quoted(&self, i: &'s str) -> Res<'s, Vec<StringPart>> {
        let (rest, _) = satisfy(is_double_quote).parse(i)?;
        self.expandable(rest, true)
    }

    /// The parts of a here-string body (escapes and `$` expansion, no closing quote).
    fn expandable_parts(&self, body: &'s str) -> Result<Vec<StringPart>, nom::Err<Fail<'s>>> {
        self.expandable(body, false).map(|(_, parts)| parts)
    }

    /// Expandable text up to a closing double quote (`quoted`) or the end of `i`.
    fn expandable(&self, i: &'s str, quoted: bool) -> Res<'s, Vec<StringPart>> {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut rest = i;
        loop {
            let Some(c) = rest.chars().next() else {
                if quoted {
                    return incomplete(
                        rest,
                        "TerminatorExpectedAtEndOfString",
                        "The string is missing the terminator: \".".into(),
                    );
                }
                flush(&mut text, &mut parts);
                return Ok((rest, parts));
            };
            if c == '`' {
                let (after, escaped) = backtick_escape(rest)?;
                text.push_str(&escaped);
                rest = after;
            } else if c == '$' {
                let (after, part) = self.dollar_in_string(rest)?;
                append(&mut text, &mut parts, part);
                rest = after;
            } else if quoted && is_double_quote(c) {
                rest = &rest[c.len_utf8()..];
                match rest.chars().next() {
                    Some(next) if is_double_quote(next) => {
                        text.push(next);
                        rest = &rest[next.len_utf8()..];
                    }
                    _ => {
                        flush(&mut text, &mut parts);
                        return Ok((rest, parts));
                    }
                }
            } else {
                text.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }

    /// `$` inside a string: a variable, a subexpression, or a literal dollar (as text).
    fn dollar_in_string(&self, i: &'s str) -> Res<'s, StringPart> {
        let after = &i[1..];
        if let Some(inner) = after.strip_prefix('(') {
            let (rest, statements) = self.enclosed_statements(inner, ')')?;
            return Ok((rest, StringPart::SubExpr(statements)));
        }
        let starts_variable = after.starts_with('{')
            || after.starts_with(|c: char| is_variable_char(c) || c == '?' || c == '$' || c == '^');
        if !starts_variable {
            return Ok((after, StringPart::Text("$".into())));
        }
        // A scope prefix (`$env:NAME`) only when a name follows the colon.
        let (rest, name) = variable(i)?;
        Ok((rest, StringPart::Variable(name)))
    }

    /// An expression for string parts: a plain literal when nothing expands.
    fn string_expr(&self, parts: Vec<StringPart>, quoting: Quoting, from: &'s str, to: &'s str) -> Expr {
        let span = self.span(from, to);
        match parts.as_slice() {
            [] => Expr { kind: ExprKind::String(StringLiteral { value: String::new(), quoting }), span },
            [StringPart::Text(t)] => Expr { kind: ExprKind::String(StringLiteral { value: t.clone(), quoting }), span },
            _ => Expr { kind: ExprKind::Expandable(parts), span },
        }
    }

    // -----------------------------------------------------------------------------------------
    // Argument mode

    /// One command argument: a value, or several joined by commas into an array.
    pub(super) fn argument(&self, i: &'s str) -> Res<'s, Expr> {
        let (mut rest, first) = self.argument_primary(i)?;
        let (r, _) = trivia(rest)?;
        if !r.starts_with(',') {
            return Ok((rest, first));
        }
        let mut items = vec![first];
        let mut r = r;
        while let Some(after_comma) = r.strip_prefix(',') {
            let (after, _) = trivia_and_newlines(after_comma)?;
            if after.is_empty() {
                return incomplete(after, "MissingExpressionAfterToken", "Missing expression after ','.".into());
            }
            if after.starts_with(',') || after.starts_with([';', '|', ')', '}']) || after.starts_with(is_newline) {
                return fail(after_comma, "MissingExpression", "Missing argument in parameter list.".into(), 0);
            }
            let (after, item) = self.argument_primary(after)?;
            items.push(item);
            rest = after;
            let (next, _) = trivia(rest)?;
            r = next;
        }
        let span = self.span(i, rest);
        Ok((rest, Expr { kind: ExprKind::Array(items), span }))
    }

    /// One value in argument mode: expression syntax where it begins with `$`, `(`, `@`, `{`
    /// or a quote; otherwise a bare word (a string, or a number if it reads as one).
    pub(super) fn argument_primary(&self, i: &'s str) -> Res<'s, Expr> {
        let first = i.chars().next().unwrap_or(' ');
        let expression_start = match first {
            '$' => {
                if i[1..].starts_with('(') {
                    true
                } else {
                    // `$x` followed by word characters is one bare word (`$a-more`).
                    let Ok((after, name)) = variable(i) else {
                        return self.bare_word(i);
                    };
                    let whole = after.is_empty() || after.starts_with(ends_bare_word);
                    if whole && !after.starts_with(',') {
                        // The common case, `$name` alone: no need to parse it again.
                        let span = self.span(i, after);
                        return Ok((after, Expr { kind: ExprKind::Variable(name), span }));
                    }
                    whole || after.starts_with(['.', '['])
                }
            }
            '(' | '{' => true,
            '@' => {
                i[1..].starts_with(['(', '{']) || i[1..].starts_with(|c: char| is_single_quote(c) || is_double_quote(c))
            }
            _ => false,
        };
        if !expression_start {
            return self.bare_word(i);
        }
        let (rest, primary) = self.primary(i)?;
        let (rest, expr) = self.postfix(i, rest, primary)?;
        if first == '$' && rest.starts_with(|c: char| !ends_bare_word(c) && c != ',') {
            // `$x.Name-suffix` or `$x:y`: read the whole token as one expandable word.
            return self.bare_word(i);
        }
        Ok((rest, expr))
    }

    /// A bare word in argument mode: runs to a metacharacter or blank. Quoted parts, escapes
    /// and `$` expansions join into it (`a'b c'` is `ab c`, `a$x` expands `$x`).
    pub(super) fn bare_word(&self, i: &'s str) -> Res<'s, Expr> {
        // Fast path: a word of plain ASCII characters is sliced out whole.
        let plain_len = i
            .bytes()
            .position(|b| b >= 0x80 || matches!(b, b'`' | b'\'' | b'"' | b'$') || ends_bare_word(b as char))
            .unwrap_or(i.len());
        if plain_len > 0 && (plain_len == i.len() || ends_bare_word(i[plain_len..].chars().next().unwrap_or(' '))) {
            let text = &i[..plain_len];
            let rest = &i[plain_len..];
            let span = self.span(i, rest);
            if let Some(value) = parse_number(text) {
                return Ok((rest, Expr { kind: ExprKind::Number { value, text: text.to_string() }, span }));
            }
            let literal = StringLiteral { value: text.to_string(), quoting: Quoting::Bare };
            return Ok((rest, Expr { kind: ExprKind::String(literal), span }));
        }
        let mut rest = i;
        let mut parts: Vec<StringPart> = Vec::new();
        let mut text = String::new();
        // Plain: only ordinary characters, so it may be a number.
        let mut plain = true;
        let mut quoting = Quoting::Bare;
        while let Some(c) = rest.chars().next() {
            if ends_bare_word(c) {
                break;
            }
            let at_start = rest.len() == i.len();
            if c == '`' {
                if continuation(rest).is_ok() {
                    break;
                }
                let (after, escaped) = backtick_escape(rest)?;
                text.push_str(&escaped);
                plain = false;
                quoting = Quoting::Bare;
                rest = after;
            } else if is_single_quote(c) {
                let (after, s) = single_quoted(rest)?;
                text.push_str(&s);
                quoting = if at_start { Quoting::Single } else { Quoting::Bare };
                plain = false;
                rest = after;
            } else if is_double_quote(c) {
                let (after, quoted_parts) = self.double_quoted(rest)?;
                for part in quoted_parts {
                    append(&mut text, &mut parts, part);
                }
                quoting = if at_start { Quoting::Double } else { Quoting::Bare };
                plain = false;
                rest = after;
            } else if c == '$' {
                let (after, part) = self.dollar_in_string(rest)?;
                if append(&mut text, &mut parts, part) {
                    plain = false;
                }
                rest = after;
            } else {
                text.push(c);
                rest = &rest[c.len_utf8()..];
                if !plain {
                    quoting = Quoting::Bare;
                }
            }
        }
        if rest.len() == i.len() {
            return Err(nom::Err::Error(Fail { at: i, why: None }));
        }
        if plain
            && parts.is_empty()
            && let Some(value) = parse_number(&text)
        {
            return Ok((rest, Expr { kind: ExprKind::Number { value, text }, span: self.span(i, rest) }));
        }
        flush(&mut text, &mut parts);
        Ok((rest, self.string_expr(parts, quoting, i, rest)))
    }
}

/// Moves collected text into the parts list.
fn flush(text: &mut String, parts: &mut Vec<StringPart>) {
    if !text.is_empty() {
        parts.push(StringPart::Text(std::mem::take(text)));
    }
}

/// Adds `part` to a string being built: text joins the pending `text`, anything else ends it.
/// Returns whether `part` expands (is not plain text).
fn append(text: &mut String, parts: &mut Vec<StringPart>, part: StringPart) -> bool {
    match part {
        StringPart::Text(t) => {
            text.push_str(&t);
            false
        }
        expanding => {
            flush(text, parts);
            parts.push(expanding);
            true
        }
    }
}
