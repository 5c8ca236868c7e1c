//! Expressions in expression mode, by PowerShell's precedence (its parser's, not the help
//! page's): `?:` < `-and -or -xor` < `-band -bor -bxor` < comparisons, `-replace`, `-split`,
//! `-join`, `-is`, `-as`, `-shl` < `??` < `+ -` < `* / %` < `-f` < `..` < `,` < unary
//! operators and casts < postfix (`.Member`, `[index]`, `(args)`, `++`).

use std::rc::Rc;

use super::{PResult, ParseError, Parser, Stacks, ascii_letters_len, char_at, ends_token, identifier_len};
use crate::shell::syntax::ast::*;
use crate::shell::syntax::chars::{is_dash, is_double_quote, is_single_quote};

/// An operator at the position in expression mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Binary(BinaryOp),
    Unary(UnaryOp),
}

/// The operator a `-name` stands for (`eq`, `cne`, `ireplace`, `not`…).
fn dash_operator(name: &str) -> Option<Op> {
    let mut buffer = [0u8; 16];
    if name.len() > buffer.len() || !name.is_ascii() {
        return None;
    }
    for (slot, b) in buffer.iter_mut().zip(name.bytes()) {
        *slot = b.to_ascii_lowercase();
    }
    let lower = std::str::from_utf8(&buffer[..name.len()]).ok()?;
    let prefixed = |base: &str| CompareOp::from_name(base).is_some() || matches!(base, "replace" | "split");
    let (case_sensitive, base) = match lower.as_bytes().first() {
        Some(b'c') if prefixed(&lower[1..]) => (true, &lower[1..]),
        Some(b'i') if prefixed(&lower[1..]) => (false, &lower[1..]),
        _ => (false, lower),
    };
    if let Some(op) = CompareOp::from_name(base) {
        return Some(Op::Binary(BinaryOp::Compare { op, case_sensitive }));
    }
    Some(match base {
        "replace" => Op::Binary(BinaryOp::Replace { case_sensitive }),
        "split" => Op::Binary(BinaryOp::Split { case_sensitive }),
        "join" => Op::Binary(BinaryOp::Join),
        "and" => Op::Binary(BinaryOp::And),
        "or" => Op::Binary(BinaryOp::Or),
        "xor" => Op::Binary(BinaryOp::Xor),
        "band" => Op::Binary(BinaryOp::BitAnd),
        "bor" => Op::Binary(BinaryOp::BitOr),
        "bxor" => Op::Binary(BinaryOp::BitXor),
        "shl" => Op::Binary(BinaryOp::ShiftLeft),
        "shr" => Op::Binary(BinaryOp::ShiftRight),
        "is" => Op::Binary(BinaryOp::Is),
        "isnot" => Op::Binary(BinaryOp::IsNot),
        "as" => Op::Binary(BinaryOp::As),
        "f" => Op::Binary(BinaryOp::Format),
        "not" => Op::Unary(UnaryOp::Not),
        "bnot" => Op::Unary(UnaryOp::BitNot),
        _ => return None,
    })
}

/// The binding strength of a binary operator (PowerShell's `TokenFlags.BinaryPrecedence…`).
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
        | BinaryOp::As => 5,
        BinaryOp::Coalesce => 7,
        BinaryOp::Add | BinaryOp::Subtract => 9,
        BinaryOp::Multiply | BinaryOp::Divide | BinaryOp::Remainder => 10,
        BinaryOp::Format => 12,
        BinaryOp::Range => 13,
    }
}

/// The text of an operator, for messages.
fn operator_text(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Add => "+",
        BinaryOp::Subtract => "-",
        BinaryOp::Multiply => "*",
        BinaryOp::Divide => "/",
        BinaryOp::Remainder => "%",
        BinaryOp::Range => "..",
        BinaryOp::Coalesce => "??",
        _ => "operator",
    }
}

impl<'s> Parser<'s> {
    /// `-name` at the position: the operator and the length of its token.
    #[inline]
    fn dash_token(&self) -> Option<(Op, usize)> {
        // ASCII other than `-` is no dash: decided without decoding a character.
        let b = self.byte();
        if b != b'-' && b < 0x80 {
            return None;
        }
        self.dash_token_at_dash()
    }

    fn dash_token_at_dash(&self) -> Option<(Op, usize)> {
        let first = self.peek().filter(|c| is_dash(*c))?;
        let rest = &self.src[self.pos + first.len_utf8()..];
        let len = ascii_letters_len(rest);
        if len == 0 {
            return None;
        }
        dash_operator(&rest[..len]).map(|op| (op, first.len_utf8() + len))
    }

    /// A binary operator at the position: the operator and its length.
    fn binary_operator(&self) -> Option<(BinaryOp, usize)> {
        let b = self.byte();
        if b < 0x80 && !matches!(b, b'-' | b'.' | b'?' | b'+' | b'*' | b'/' | b'%') {
            return None;
        }
        if let Some((Op::Binary(op), len)) = self.dash_token() {
            return Some((op, len));
        }
        let c = self.peek()?;
        let next = self.peek2();
        let op = match (c, next) {
            ('.', Some('.')) => return Some((BinaryOp::Range, 2)),
            ('?', Some('?')) if char_at(self.src, self.pos + 2) != Some('=') => return Some((BinaryOp::Coalesce, 2)),
            ('+', Some('=' | '+')) | ('*' | '/' | '%', Some('=')) => return None,
            ('+', _) => BinaryOp::Add,
            ('*', _) => BinaryOp::Multiply,
            ('/', _) => BinaryOp::Divide,
            ('%', _) => BinaryOp::Remainder,
            (c, next) if is_dash(c) && !next.is_some_and(|n| n == '=' || is_dash(n) || n.is_alphabetic()) => {
                BinaryOp::Subtract
            }
            _ => return None,
        };
        Some((op, c.len_utf8()))
    }

    /// An expression: a ternary, or a binary expression.
    pub(super) fn expression(&mut self) -> PResult<Expr> {
        match self.try_expression()? {
            Some(e) => Ok(e),
            None => Err(self.expected_expression()),
        }
    }

    /// The error for a missing expression at the position.
    #[cold]
    pub(super) fn expected_expression(&self) -> ParseError {
        if self.at_end() {
            self.incomplete_at(self.pos, "ExpectedExpression", "An expression was expected after '('.")
        } else {
            self.unexpected()
        }
    }

    /// An expression, or `None` when the text at the position does not start one.
    pub(super) fn try_expression(&mut self) -> PResult<Option<Expr>> {
        let Some(condition) = self.try_binary()? else {
            return Ok(None);
        };
        // Blanks, not newlines, may stand between the condition and the `?` here.
        self.ternary_after(condition, Self::skip_blanks, Self::try_expression)
    }

    /// `condition ? then : otherwise` after its condition, or the condition alone. `skip` is
    /// what may stand between the condition and the `?`; `operand` parses each branch.
    fn ternary_after(
        &mut self,
        condition: Expr,
        skip: fn(&mut Self) -> PResult<()>,
        operand: fn(&mut Self) -> PResult<Option<Expr>>,
    ) -> PResult<Option<Expr>> {
        let save = self.pos;
        skip(self)?;
        // `?` as an operator needs a blank or a value after it (`$x ? 1 : 2`), not `??`, `?.`, `?[`.
        if self.byte() != b'?' || matches!(self.byte_at(1), b'?' | b'.' | b'[') {
            self.pos = save;
            return Ok(Some(condition));
        }
        self.pos += 1;
        self.skip_newlines()?;
        let Some(then) = operand(self)? else {
            return Err(self.value_expected("?"));
        };
        self.skip_newlines()?;
        if self.byte() != b':' {
            return Err(self.missing("MissingColonInTernaryExpression", "Missing ':' in the ternary expression."));
        }
        self.pos += 1;
        self.skip_newlines()?;
        let Some(otherwise) = operand(self)? else {
            return Err(self.value_expected(":"));
        };
        let span = condition.span.to(otherwise.span);
        Ok(Some(Expr { kind: ExprKind::Ternary(Box::new(Ternary { condition, then, otherwise })), span }))
    }

    #[cold]
    fn value_expected(&self, after: &str) -> ParseError {
        let message = format!("You must provide a value expression following the '{after}' operator.");
        if self.at_end() {
            self.incomplete_at(self.pos, "ExpectedValueExpression", message)
        } else {
            self.error_at(self.pos, self.token_len(), "ExpectedValueExpression", message)
        }
    }

    /// Binary operators over array literals, by precedence (left-associative).
    fn try_binary(&mut self) -> PResult<Option<Expr>> {
        let Some(first) = self.try_array_literal()? else {
            return Ok(None);
        };
        self.binary_rest(first, Self::skip_blanks, Self::try_array_literal).map(Some)
    }

    /// The binary operators after `first`, by precedence (left-associative): `skip` is what may
    /// stand before an operator, `operand` parses what follows one. No allocation when there
    /// is no operator.
    fn binary_rest(
        &mut self,
        first: Expr,
        skip: fn(&mut Self) -> PResult<()>,
        operand: fn(&mut Self) -> PResult<Option<Expr>>,
    ) -> PResult<Expr> {
        let save = self.pos;
        skip(self)?;
        let Some(mut found) = self.binary_operator() else {
            self.pos = save;
            return Ok(first);
        };
        // Operands and operators wait on the parse's shared stacks, above `mark`.
        let mark = self.stacks.operators.len();
        self.stacks.exprs.push(first);
        loop {
            let (op, len) = found;
            self.pos += len;
            self.skip_newlines()?;
            let Some(right) = operand(self)? else {
                return Err(self.value_expected(operator_text(op)));
            };
            let stacks = &mut self.stacks;
            while stacks.operators.len() > mark
                && stacks.operators.last().is_some_and(|top| precedence(*top) >= precedence(op))
            {
                reduce(&mut stacks.exprs, &mut stacks.operators);
            }
            stacks.operators.push(op);
            stacks.exprs.push(right);
            let save = self.pos;
            skip(self)?;
            match self.binary_operator() {
                Some(next) => found = next,
                None => {
                    self.pos = save;
                    break;
                }
            }
        }
        while self.stacks.operators.len() > mark {
            reduce(&mut self.stacks.exprs, &mut self.stacks.operators);
        }
        self.stacks.exprs.pop().ok_or_else(|| self.value_expected("operator"))
    }

    /// `a, b, c`: binds tighter than every binary operator.
    fn try_array_literal(&mut self) -> PResult<Option<Expr>> {
        let Some(first) = self.try_unary()? else {
            return Ok(None);
        };
        let save = self.pos;
        self.skip_blanks()?;
        if self.byte() != b',' {
            self.pos = save;
            return Ok(Some(first));
        }
        let mark = self.stacks.exprs.len();
        self.stacks.exprs.push(first);
        while self.byte() == b',' {
            self.pos += 1;
            self.skip_newlines()?;
            let Some(item) = self.try_unary()? else {
                return Err(if self.at_end() {
                    self.incomplete_at(self.pos, "MissingExpressionAfterToken", "Missing expression after ','.")
                } else {
                    self.error_at(
                        self.pos,
                        self.token_len(),
                        "MissingExpressionAfterToken",
                        "Missing expression after ','.",
                    )
                });
            };
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
        Ok(Some(Expr { kind: ExprKind::Array(items), span }))
    }

    /// Unary operators, casts and attributes, then a primary with its postfix operators.
    pub(super) fn try_unary(&mut self) -> PResult<Option<Expr>> {
        self.nested(|p| p.try_unary_unnested())
    }

    fn try_unary_unnested(&mut self) -> PResult<Option<Expr>> {
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Ok(None);
        };
        // `-not`, `-bnot`, `-split`, `-join` as prefix operators.
        if let Some((op, len)) = self.dash_token() {
            let op = match op {
                Op::Unary(op) => Some(op),
                Op::Binary(BinaryOp::Split { .. }) => Some(UnaryOp::Split),
                Op::Binary(BinaryOp::Join) => Some(UnaryOp::Join),
                Op::Binary(_) => None,
            };
            return match op {
                Some(op) => {
                    self.pos += len;
                    self.prefix(start, op, &self.src[start..start + len])
                }
                // A binary operator cannot start an expression.
                None => Ok(None),
            };
        }
        if c == '!' {
            self.pos += 1;
            return self.prefix(start, UnaryOp::Not, "!");
        }
        if c == ',' {
            self.pos += 1;
            self.skip_newlines()?;
            let Some(operand) = self.try_unary()? else {
                return Err(self.missing_after_operator(","));
            };
            let span = self.span_from(start);
            return Ok(Some(Expr { kind: ExprKind::Array(vec![operand].into_boxed_slice()), span }));
        }
        if c == '+' || is_dash(c) {
            let next = self.peek2();
            // `++$x`, `--$x`.
            if next == Some(c) || (is_dash(c) && next.is_some_and(is_dash)) {
                let len = c.len_utf8() + next.map_or(0, char::len_utf8);
                self.pos += len;
                self.skip_blanks()?;
                let Some(target) = self.try_unary()? else {
                    return Err(self.missing_after_operator(if c == '+' { "++" } else { "--" }));
                };
                let span = self.span_from(start);
                let inc = IncDec { target, increment: c == '+', prefix: true };
                return Ok(Some(Expr { kind: ExprKind::IncDec(Box::new(inc)), span }));
            }
            // A signed number literal: `-5`, `-0x41y`, `+10d`.
            if next.is_some_and(|n| n.is_ascii_digit() || n == '.')
                && let Some((value, end)) = self.scan_number(true, true)
            {
                let expr = self.number_expr(value, start, end);
                self.pos = end;
                return self.postfix(expr).map(Some);
            }
            if next == Some('=') {
                return Ok(None);
            }
            self.pos += c.len_utf8();
            let op = if c == '+' { UnaryOp::Plus } else { UnaryOp::Negate };
            return self.prefix(start, op, if c == '+' { "+" } else { "-" });
        }
        if c == '[' {
            return self.cast_or_type(start);
        }
        let Some(primary) = self.try_primary()? else {
            return Ok(None);
        };
        let expr = self.postfix(primary)?;
        Ok(Some(self.postfix_increment(expr)?))
    }

    /// `$x++` / `$x--` after a primary.
    fn postfix_increment(&mut self, expr: Expr) -> PResult<Expr> {
        // Most expressions are followed by no `++` or `--`: nothing to look at.
        if !self.may_have_operator(b"+-") {
            return Ok(expr);
        }
        let save = self.pos;
        self.skip_blanks()?;
        let c = self.peek();
        let next = self.peek2();
        let increment = c == Some('+') && next == Some('+');
        let decrement = c.is_some_and(is_dash) && next.is_some_and(is_dash);
        if !(increment || decrement) {
            self.pos = save;
            return Ok(expr);
        }
        // `$a --x` would be a parameter in argument mode; here it is a decrement only when the
        // token ends after the two characters.
        let len = c.map_or(0, char::len_utf8) + next.map_or(0, char::len_utf8);
        let after = char_at(self.src, self.pos + len);
        if after.is_some_and(|a| a.is_alphanumeric() || a == '$') {
            self.pos = save;
            return Ok(expr);
        }
        self.pos += len;
        let span = expr.span.to(self.span_from(self.pos));
        let inc = IncDec { target: expr, increment, prefix: false };
        Ok(Expr { kind: ExprKind::IncDec(Box::new(inc)), span })
    }

    #[cold]
    fn missing_after_operator(&self, op: &str) -> ParseError {
        let message = format!("Missing expression after unary operator '{op}'.");
        if self.at_end() {
            self.incomplete_at(self.pos, "MissingExpressionAfterOperator", message)
        } else {
            self.error_at(self.pos, self.token_len(), "MissingExpressionAfterOperator", message)
        }
    }

    /// A prefix operator already consumed: its operand (itself a unary expression).
    fn prefix(&mut self, start: usize, op: UnaryOp, text: &str) -> PResult<Option<Expr>> {
        self.skip_newlines()?;
        let Some(operand) = self.try_unary()? else {
            return Err(self.missing_after_operator(text));
        };
        let span = self.span_from(start);
        Ok(Some(Expr { kind: ExprKind::Unary(Box::new(Unary { op, operand })), span }))
    }

    /// `[type] operand`, `[type]::Member`, `[type]` alone, or `[Attribute()] operand`.
    fn cast_or_type(&mut self, start: usize) -> PResult<Option<Expr>> {
        let attribute = self.attribute()?;
        let is_type =
            attribute.positional.is_empty() && attribute.named.is_empty() && !self.src[start..self.pos].contains('(');
        let type_name = TypeName { name: attribute.name.clone(), span: attribute.span };
        if !is_type {
            // An attribute on an expression (`[ValidateRange(1, 5)][int]$x = 3`).
            self.skip_newlines()?;
            let Some(operand) = self.try_unary()? else {
                return Err(self.error_at(
                    start,
                    self.pos - start,
                    "UnexpectedAttribute",
                    format!("Unexpected attribute '{}'.", attribute.name),
                ));
            };
            let span = self.span_from(start);
            return Ok(Some(Expr { kind: ExprKind::Attributed(Box::new(Attributed { attribute, operand })), span }));
        }
        // `[type]::Member` or `[type].Member`.
        if self.starts_with("::") || (self.byte() == b'.' && self.byte_at(1) != b'.') {
            let literal = Expr { kind: ExprKind::TypeLiteral(Box::new(type_name)), span: self.span_from(start) };
            return self.postfix(literal).map(Some);
        }
        let save = self.pos;
        self.skip_blanks()?;
        if !self.starts_unary_operand() {
            self.pos = save;
            let literal = Expr { kind: ExprKind::TypeLiteral(Box::new(type_name)), span: self.span_from(start) };
            return Ok(Some(literal));
        }
        let Some(operand) = self.try_unary()? else {
            self.pos = save;
            let literal = Expr { kind: ExprKind::TypeLiteral(Box::new(type_name)), span: Span::new(start, save) };
            return Ok(Some(literal));
        };
        let span = self.span_from(start);
        Ok(Some(Expr { kind: ExprKind::Cast(Box::new(Cast { type_name, operand })), span }))
    }

    /// Whether the text at the position can start the operand of a cast.
    fn starts_unary_operand(&self) -> bool {
        let Some(c) = self.peek() else {
            return false;
        };
        match c {
            '$' | '(' | '@' | '[' | '{' | '!' | '.' => true,
            c if c.is_ascii_digit() || is_single_quote(c) || is_double_quote(c) => true,
            '+' => true,
            c if is_dash(c) => match self.dash_token() {
                Some((Op::Unary(_), _)) => true,
                Some((Op::Binary(BinaryOp::Split { .. } | BinaryOp::Join), _)) => true,
                Some((Op::Binary(_), _)) => false,
                None => !self.peek2().is_some_and(|n| n.is_alphabetic() || n == '='),
            },
            _ => false,
        }
    }

    /// A value in expression mode, or `None` when the text there is not one.
    pub(super) fn try_primary(&mut self) -> PResult<Option<Expr>> {
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Ok(None);
        };
        let expr = match c {
            '$' if self.byte_at(1) == b'(' => {
                self.pos += 2;
                let statements = self.statement_list(Some(')'))?;
                self.pos += 1;
                Expr { kind: ExprKind::SubExpr(statements), span: self.span_from(start) }
            }
            '$' => {
                let var = self.variable()?;
                Expr { kind: ExprKind::Variable(var), span: self.span_from(start) }
            }
            '@' => match self.at_expression()? {
                Some(e) => e,
                None => return Ok(None),
            },
            '(' => self.parenthesised()?,
            '{' => self.script_block_expr()?,
            c if is_single_quote(c) => {
                let text = self.single_quoted()?;
                Expr { kind: ExprKind::String(self.intern(&text)), span: self.span_from(start) }
            }
            c if is_double_quote(c) => {
                let kind = self.double_quoted_kind()?;
                Expr { kind, span: self.span_from(start) }
            }
            c if c.is_ascii_digit() || (c == '.' && self.byte_at(1).is_ascii_digit()) => {
                match self.scan_number(false, true) {
                    Some((value, end)) => {
                        let e = self.number_expr(value, start, end);
                        self.pos = end;
                        e
                    }
                    None => {
                        return Err(self.error_at(
                            start,
                            self.token_len(),
                            "BadNumericConstant",
                            format!(
                                "The numeric constant {} is not valid.",
                                &self.src[start..start + self.token_len()]
                            ),
                        ));
                    }
                }
            }
            _ => return Ok(None),
        };
        Ok(Some(expr))
    }

    /// `@( … )`, `@{ … }`, a here-string `@" … "@` / `@' … '@`; `None` for `@name` (a splat).
    fn at_expression(&mut self) -> PResult<Option<Expr>> {
        let start = self.pos;
        match char_at(self.src, start + 1) {
            Some('(') => {
                self.pos += 2;
                let statements = self.statement_list(Some(')'))?;
                self.pos += 1;
                Ok(Some(Expr { kind: ExprKind::ArrayExpr(statements), span: self.span_from(start) }))
            }
            Some('{') => self.hashtable().map(Some),
            Some(c) if is_single_quote(c) || is_double_quote(c) => self.here_string().map(Some),
            _ => Ok(None),
        }
    }

    /// `@{ key = value; … }` at the `@`.
    fn hashtable(&mut self) -> PResult<Expr> {
        let start = self.pos;
        self.pos += 2;
        let mut entries = Vec::new();
        loop {
            self.skip_separators()?;
            if self.byte() == b'}' {
                self.pos += 1;
                break;
            }
            if self.at_end() {
                return Err(self.incomplete_at(
                    start,
                    "MissingEndCurlyBrace",
                    "Missing closing '}' in statement block or type definition.",
                ));
            }
            let key = self.hashtable_key()?;
            self.skip_blanks()?;
            if self.byte() != b'=' {
                return Err(
                    self.missing("MissingEqualsInHashLiteral", "Missing '=' operator after key in hash literal.")
                );
            }
            self.pos += 1;
            self.skip_newlines()?;
            if self.at_end() {
                return Err(self.incomplete_at(
                    self.pos,
                    "MissingStatementInHashLiteral",
                    "Missing statement after '=' in hash literal.",
                ));
            }
            let value = self.statement()?;
            entries.push((key, value));
            self.skip_blanks()?;
            if !(matches!(self.byte(), b'}' | b';' | b'\n' | b'\r') || self.at_end()) {
                return Err(
                    self.missing("MissingEndCurlyBrace", "Missing closing '}' in statement block or type definition.")
                );
            }
        }
        Ok(Expr { kind: ExprKind::Hashtable(entries.into_boxed_slice()), span: self.span_from(start) })
    }

    /// A hashtable key: a simple name, or a unary expression (`'a b'`, `1`, `$k`, `(expr)`).
    fn hashtable_key(&mut self) -> PResult<Expr> {
        let start = self.pos;
        if let Some(name) = self.simple_name() {
            return Ok(Expr { kind: ExprKind::String(name), span: self.span_from(start) });
        }
        match self.try_unary()? {
            Some(e) => Ok(e),
            None => Err(self.missing("MissingEqualsInHashLiteral", "Missing '=' operator after key in hash literal.")),
        }
    }

    /// A simple name (`[A-Za-z_][A-Za-z0-9_]*`) that ends its token, if one is at the position.
    pub(super) fn simple_name(&mut self) -> Option<Name> {
        let c = self.peek()?;
        if !(c.is_alphabetic() || c == '_') {
            return None;
        }
        let rest = self.rest();
        let len = identifier_len(rest);
        let after = rest[len..].chars().next();
        // A name followed by a character that would continue a generic token is not simple.
        if after.is_some_and(|a| !(ends_token(a) || matches!(a, '=' | '}' | ':' | ')' | ']' | '.'))) {
            return None;
        }
        let name = self.intern(&rest[..len]);
        self.pos += len;
        Some(name)
    }

    /// `( pipeline )` at the `(`.
    pub(super) fn parenthesised(&mut self) -> PResult<Expr> {
        let start = self.pos;
        self.pos += 1;
        self.skip_newlines()?;
        if self.at_end() {
            return Err(self.incomplete_at(
                self.pos,
                "MissingEndParenthesisInExpression",
                "Missing closing ')' in expression.",
            ));
        }
        if self.byte() == b')' {
            return Err(self.error_at(self.pos, 1, "ExpectedExpression", "An expression was expected after '('."));
        }
        let statement = self.pipeline_statement()?;
        self.skip_newlines()?;
        if self.byte() != b')' {
            return Err(self.missing("MissingEndParenthesisInExpression", "Missing closing ')' in expression."));
        }
        self.pos += 1;
        Ok(Expr { kind: ExprKind::Paren(Box::new(statement)), span: self.span_from(start) })
    }

    /// `{ … }` as a value, at the `{`.
    pub(super) fn script_block_expr(&mut self) -> PResult<Expr> {
        let start = self.pos;
        let def = self.script_block()?;
        Ok(Expr { kind: ExprKind::ScriptBlock(Rc::new(def)), span: self.span_from(start) })
    }

    /// `.Member`, `?.Member`, `.Method(args)`, `::Static`, `[index]`, `?[index]`, directly
    /// after a value.
    pub(super) fn postfix(&mut self, mut expr: Expr) -> PResult<Expr> {
        loop {
            let c = self.byte();
            if !matches!(c, b':' | b'.' | b'?' | b'[') {
                return Ok(expr);
            }
            let (is_static, null_conditional, skip) = if self.starts_with("::") {
                (true, false, 2)
            } else if c == b'.' && self.byte_at(1) != b'.' {
                // In argument mode a dot before a blank ends the argument.
                let after = char_at(self.src, self.pos + 1);
                if after.is_none_or(ends_token) {
                    return Ok(expr);
                }
                (false, false, 1)
            } else if c == b'?' && self.byte_at(1) == b'.' {
                (false, true, 2)
            } else if c == b'[' || (c == b'?' && self.byte_at(1) == b'[') {
                let null_conditional = c == b'?';
                self.pos += if null_conditional { 2 } else { 1 };
                self.skip_newlines()?;
                let index = self.expression()?;
                self.skip_newlines()?;
                if self.byte() != b']' {
                    return Err(
                        self.missing("MissingEndSquareBracket", "Array index expression is missing or not valid.")
                    );
                }
                self.pos += 1;
                let span = expr.span.to(self.span_from(self.pos));
                expr = Expr { kind: ExprKind::Index(Box::new(Index { target: expr, index, null_conditional })), span };
                continue;
            } else {
                return Ok(expr);
            };
            self.pos += skip;
            let name = self.member_name()?;
            if self.byte() == b'(' {
                self.pos += 1;
                let args = self.method_arguments()?;
                let span = expr.span.to(self.span_from(self.pos));
                let invoke = Invoke { target: expr, name, args, is_static, null_conditional };
                expr = Expr { kind: ExprKind::Invoke(Box::new(invoke)), span };
            } else if self.byte() == b'{' {
                // `.Where{ … }`: a script block as the only argument.
                let block = self.script_block_expr()?;
                let span = expr.span.to(block.span);
                let invoke =
                    Invoke { target: expr, name, args: vec![block].into_boxed_slice(), is_static, null_conditional };
                expr = Expr { kind: ExprKind::Invoke(Box::new(invoke)), span };
            } else {
                let span = expr.span.to(self.span_from(self.pos));
                expr = Expr {
                    kind: ExprKind::Member(Box::new(Member { target: expr, name, is_static, null_conditional })),
                    span,
                };
            }
        }
    }

    /// A member name after `.`: a word, a quoted string, `$name` or `(expr)`.
    fn member_name(&mut self) -> PResult<MemberName> {
        let start = self.pos;
        match self.peek() {
            Some(c) if is_single_quote(c) => {
                let text = self.single_quoted()?;
                Ok(MemberName::Literal(self.intern(&text)))
            }
            Some(c) if is_double_quote(c) => {
                let kind = self.double_quoted_kind()?;
                match kind {
                    ExprKind::String(s) => Ok(MemberName::Literal(s)),
                    other => Ok(MemberName::Computed(Expr { kind: other, span: self.span_from(start) })),
                }
            }
            Some('$') | Some('(') => {
                let Some(e) = self.try_primary()? else {
                    return Err(self.unexpected());
                };
                Ok(MemberName::Computed(e))
            }
            _ => {
                let rest = self.rest();
                let len = identifier_len(rest);
                if len == 0 {
                    return Err(if self.at_end() {
                        self.incomplete_at(
                            self.pos,
                            "MissingPropertyName",
                            "Missing property name after reference operator.",
                        )
                    } else {
                        self.error_at(
                            self.pos,
                            1,
                            "MissingPropertyName",
                            "Missing property name after reference operator.",
                        )
                    });
                }
                let name = self.intern(&rest[..len]);
                self.pos += len;
                Ok(MemberName::Literal(name))
            }
        }
    }

    /// `(a, b)` after a method name, from after `(` to after `)`.
    fn method_arguments(&mut self) -> PResult<Box<[Expr]>> {
        self.skip_newlines()?;
        if self.byte() == b')' {
            self.pos += 1;
            return Ok(Box::default());
        }
        let mark = self.stacks.exprs.len();
        loop {
            let Some(arg) = self.try_binary_or_ternary_without_commas()? else {
                return Err(
                    self.missing("MissingExpressionInMethodCall", "Missing expression in method call argument list.")
                );
            };
            self.stacks.exprs.push(arg);
            self.skip_newlines()?;
            match self.byte() {
                b')' => {
                    self.pos += 1;
                    return Ok(Stacks::take(&mut self.stacks.exprs, mark));
                }
                b',' => {
                    self.pos += 1;
                    self.skip_newlines()?;
                }
                _ => return Err(self.missing("MissingEndParenthesisInMethodCall", "Missing ')' in method call.")),
            }
        }
    }

    /// An expression where commas separate (method and attribute arguments): a binary or
    /// ternary expression over unary operands.
    pub(super) fn try_binary_or_ternary_without_commas(&mut self) -> PResult<Option<Expr>> {
        let Some(first) = self.try_unary()? else {
            return Ok(None);
        };
        let condition = self.binary_rest(first, Self::skip_newlines, Self::try_unary)?;
        self.ternary_after(condition, Self::skip_newlines, Self::try_binary_or_ternary_without_commas)
    }

    /// `[Name]` or `[Name(args)]` at the `[`; a type name keeps its brackets' inside.
    pub(super) fn attribute(&mut self) -> PResult<Attribute> {
        let start = self.pos;
        self.pos += 1;
        self.skip_blanks()?;
        let name_start = self.pos;
        // The name runs to `(` (an attribute) or the matching `]` (a type, maybe generic).
        let mut depth = 0;
        loop {
            match self.peek() {
                None => {
                    return Err(self.incomplete_at(
                        start,
                        "EndSquareBracketExpectedAtEndOfType",
                        "Missing ] at end of type token.",
                    ));
                }
                Some('[') => depth += 1,
                Some(']') if depth == 0 => break,
                Some(']') => depth -= 1,
                Some('(') if depth == 0 => break,
                Some('\n' | '\r') => {
                    return Err(self.error_at(
                        start,
                        1,
                        "EndSquareBracketExpectedAtEndOfType",
                        "Missing ] at end of type token.",
                    ));
                }
                Some(_) => {}
            }
            self.bump();
        }
        let raw = self.src[name_start..self.pos].trim();
        if raw.is_empty() {
            return Err(self.error_at(start, 1, "MissingTypename", "Missing type name after '['."));
        }
        let name = self.intern(raw);
        let mut positional = Vec::new();
        let mut named = Vec::new();
        if self.byte() == b'(' {
            self.pos += 1;
            loop {
                self.skip_newlines()?;
                if self.byte() == b')' {
                    self.pos += 1;
                    break;
                }
                if self.at_end() {
                    return Err(self.incomplete_at(
                        self.pos,
                        "MissingEndParenthesisInExpression",
                        "Missing closing ')' in expression.",
                    ));
                }
                let save = self.pos;
                let key = self.simple_name();
                let mut is_named = false;
                if let Some(key) = key {
                    let after_key = self.pos;
                    self.skip_blanks()?;
                    if self.byte() == b'=' && self.byte_at(1) != b'=' {
                        self.pos += 1;
                        self.skip_newlines()?;
                        let value =
                            self.try_binary_or_ternary_without_commas()?.ok_or_else(|| self.expected_expression())?;
                        named.push((key, Some(value)));
                        is_named = true;
                    } else {
                        self.pos = after_key;
                        self.skip_newlines()?;
                        if matches!(self.byte(), b',' | b')') {
                            named.push((key, None));
                            is_named = true;
                        } else {
                            self.pos = save;
                        }
                    }
                }
                if !is_named {
                    let value =
                        self.try_binary_or_ternary_without_commas()?.ok_or_else(|| self.expected_expression())?;
                    positional.push(value);
                }
                self.skip_newlines()?;
                match self.byte() {
                    b',' => self.pos += 1,
                    b')' => {}
                    _ => {
                        return Err(
                            self.missing("MissingEndParenthesisInExpression", "Missing closing ')' in expression.")
                        );
                    }
                }
            }
            self.skip_blanks()?;
        }
        if self.byte() != b']' {
            return Err(self.missing(
                "EndSquareBracketExpectedAtEndOfAttribute",
                "Missing ] at end of attribute or type literal.",
            ));
        }
        self.pos += 1;
        Ok(Attribute {
            name,
            positional: positional.into_boxed_slice(),
            named: named.into_boxed_slice(),
            span: self.span_from(start),
        })
    }
}

/// Pops the top operator and its two operands into one binary expression.
fn reduce(operands: &mut Vec<Expr>, operators: &mut Vec<BinaryOp>) {
    let (Some(op), Some(right), Some(left)) = (operators.pop(), operands.pop(), operands.pop()) else {
        return;
    };
    let span = left.span.to(right.span);
    operands.push(Expr { kind: ExprKind::Binary(Box::new(Binary { op, left, right })), span });
}
