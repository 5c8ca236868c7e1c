//! Lexical pieces: literal and expandable strings (with here-strings and backtick escapes),
//! variables (`$name`, `${any name}`, `$scope:name`), and numbers with PowerShell 7's type
//! suffixes (`y uy s us l ul u n d`), multipliers (`kb`…`pb`), hex and binary forms.

use std::borrow::Cow;
use std::hash::BuildHasher;
use std::rc::Rc;

use num_bigint::{BigInt, Sign};
use num_traits::{FromPrimitive, One, Signed, ToPrimitive, Zero};
use rust_decimal::Decimal;
use rustc_hash::FxBuildHasher;

use super::{PResult, Parser, Stacks, ascii_table, char_at, ends_token, same_text};

/// The ASCII bytes of a variable name (`$name`): letters, digits, `_` and `?`.
static VARIABLE_NAME_BYTES: [bool; 256] = ascii_table(b"_?");
use crate::shell::syntax::ast::*;
use crate::shell::syntax::chars::{is_dash, is_double_quote, is_single_quote};

impl<'s> Parser<'s> {
    // -----------------------------------------------------------------------------------------
    // Strings

    /// A single-quoted string at the position: verbatim, a doubled quote is one quote. Any of
    /// the five single-quote characters opens or closes it. A slice of the source unless a
    /// doubled quote has to be undone.
    pub(super) fn single_quoted(&mut self) -> PResult<Cow<'s, str>> {
        let start = self.pos;
        self.bump();
        let body = self.pos;
        // Fast path: ASCII up to a lone `'`.
        if let Some(n) = self.bytes[body..].iter().position(|&b| b == b'\'' || b >= 0x80)
            && self.bytes[body + n] == b'\''
            && !char_at(self.src, body + n + 1).is_some_and(is_single_quote)
        {
            self.pos = body + n + 1;
            return Ok(Cow::Borrowed(&self.src[body..body + n]));
        }
        let mut out = String::new();
        loop {
            let Some(c) = self.bump() else {
                return Err(self.incomplete_at(
                    start,
                    "TerminatorExpectedAtEndOfString",
                    "The string is missing the terminator: '.",
                ));
            };
            if !is_single_quote(c) {
                out.push(c);
                continue;
            }
            match self.peek() {
                Some(next) if is_single_quote(next) => {
                    out.push(next);
                    self.bump();
                }
                _ => return Ok(Cow::Owned(out)),
            }
        }
    }

    /// `"…"` at the position, as an expression: a literal string when nothing in it expands.
    pub(super) fn double_quoted_kind(&mut self) -> PResult<ExprKind> {
        let body = self.pos + self.peek().map_or(1, char::len_utf8);
        // Fast path: ASCII without `$`, escapes or doubled quotes, up to the closing `"`.
        if let Some(n) = self.bytes[body..].iter().position(|&b| matches!(b, b'"' | b'$' | b'`') || b >= 0x80)
            && self.bytes[body + n] == b'"'
            && !char_at(self.src, body + n + 1).is_some_and(is_double_quote)
        {
            self.pos = body + n + 1;
            return Ok(ExprKind::String(self.intern(&self.src[body..body + n])));
        }
        let parts = self.double_quoted()?;
        Ok(self.string_kind(parts))
    }

    /// `"…"` at the position: text, `$name`, `${name}`, `$(…)` and backtick escapes; a doubled
    /// quote is one.
    pub(super) fn double_quoted(&mut self) -> PResult<Box<[StringPart]>> {
        let start = self.pos;
        self.bump();
        self.expandable(Some(start), None)
    }

    /// Expandable text up to a closing double quote (`opened` is where the string began) or,
    /// for a here-string body, up to `end`.
    fn expandable(&mut self, opened: Option<usize>, end: Option<usize>) -> PResult<Box<[StringPart]>> {
        let mark = self.stacks.parts.len();
        let mut text = std::mem::take(&mut self.stacks.text);
        text.clear();
        loop {
            if end.is_some_and(|e| self.pos >= e) {
                break;
            }
            let Some(c) = self.peek() else {
                if let Some(start) = opened {
                    return Err(self.incomplete_at(
                        start,
                        "TerminatorExpectedAtEndOfString",
                        "The string is missing the terminator: \".",
                    ));
                }
                break;
            };
            if c == '`' {
                self.backtick_escape(&mut text)?;
            } else if c == '$' {
                match self.dollar_in_string()? {
                    Some(part) => {
                        self.flush(&mut text);
                        self.stacks.parts.push(part);
                    }
                    None => text.push('$'),
                }
            } else if opened.is_some() && is_double_quote(c) {
                self.bump();
                match self.peek() {
                    Some(next) if is_double_quote(next) => {
                        text.push(next);
                        self.bump();
                    }
                    _ => break,
                }
            } else {
                // A run of plain text at once.
                let run = self.bytes[self.pos..]
                    .iter()
                    .position(|&b| matches!(b, b'`' | b'$' | b'"') || b >= 0x80)
                    .unwrap_or(self.bytes.len() - self.pos)
                    .min(end.unwrap_or(usize::MAX).saturating_sub(self.pos))
                    .max(c.len_utf8());
                text.push_str(&self.src[self.pos..self.pos + run]);
                self.pos += run;
            }
        }
        self.flush(&mut text);
        self.stacks.text = text;
        Ok(Stacks::take(&mut self.stacks.parts, mark))
    }

    /// Pushes `text` as a text part, if there is any, and empties it.
    pub(super) fn flush(&mut self, text: &mut String) {
        if !text.is_empty() {
            let part = StringPart::Text(self.intern(text));
            self.stacks.parts.push(part);
            text.clear();
        }
    }

    /// `` `x `` at the position: the special escapes of about_Special_Characters,
    /// `` `u{hex} ``, or the character itself; appended to `out`.
    pub(super) fn backtick_escape(&mut self, out: &mut String) -> PResult<()> {
        let start = self.pos;
        self.bump();
        let Some(c) = self.bump() else {
            return Err(self.incomplete_at(self.pos, "IncompleteString", "Incomplete string token."));
        };
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
            'u' => return self.unicode_escape(start, out),
            other => other,
        };
        out.push(special);
        Ok(())
    }

    /// The `{hex}` part of `` `u{hex} ``.
    fn unicode_escape(&mut self, start: usize, out: &mut String) -> PResult<()> {
        let invalid = |p: &Self| {
            p.error_at(
                start,
                2,
                "InvalidUnicodeEscapeSequence",
                "The Unicode escape sequence is not valid. A valid sequence is `u{ followed by one to six hex digits and a closing '}'.",
            )
        };
        if self.byte() != b'{' {
            return Err(invalid(self));
        }
        self.pos += 1;
        let digits_start = self.pos;
        while self.byte().is_ascii_hexdigit() {
            self.pos += 1;
        }
        let hex = &self.src[digits_start..self.pos];
        if hex.is_empty() || hex.len() > 6 {
            return Err(invalid(self));
        }
        if self.byte() != b'}' {
            return Err(self.error_at(
                start,
                2,
                "MissingUnicodeEscapeSequenceTerminator",
                "The Unicode escape sequence is missing the closing '}'.",
            ));
        }
        self.pos += 1;
        match u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) {
            Some(c) => {
                out.push(c);
                Ok(())
            }
            // A lone surrogate (`u{D800}`) has no Rust char: U+FFFD stands for it.
            None if u32::from_str_radix(hex, 16).is_ok_and(|n| n <= 0x10FFFF) => {
                out.push('\u{FFFD}');
                Ok(())
            }
            None => Err(invalid(self)),
        }
    }

    /// `$` inside a string: a variable, a subexpression, or (`None`) a literal dollar.
    pub(super) fn dollar_in_string(&mut self) -> PResult<Option<StringPart>> {
        let after = char_at(self.src, self.pos + 1);
        if after == Some('(') {
            self.pos += 2;
            let statements = self.statement_list(Some(')'))?;
            self.pos += 1;
            return Ok(Some(StringPart::SubExpr(statements)));
        }
        let starts_variable =
            after.is_some_and(|c| c == '{' || c.is_alphanumeric() || matches!(c, '_' | '?' | '$' | '^' | ':'));
        if !starts_variable {
            self.pos += 1;
            return Ok(None);
        }
        // `$:` alone, or `$x:` with nothing after the colon, is text.
        let start = self.pos;
        let var = self.variable()?;
        if var.key.is_empty() {
            self.pos = start + 1;
            return Ok(None);
        }
        Ok(Some(StringPart::Variable(var)))
    }

    /// `@"` newline … newline `"@`, expanded; `@'` … `'@`, verbatim. At the `@`.
    pub(super) fn here_string(&mut self) -> PResult<Expr> {
        let start = self.pos;
        let quote = char_at(self.src, start + 1).unwrap_or('"');
        let expandable = is_double_quote(quote);
        self.pos = start + 1 + quote.len_utf8();
        self.skip_blanks()?;
        if self.starts_with("\r\n") {
            self.pos += 2;
        } else if self.byte() == b'\n' || self.byte() == b'\r' {
            self.pos += 1;
        } else if self.at_end() {
            return Err(self.incomplete_at(
                start,
                "TerminatorExpectedAtEndOfString",
                format!("The string is missing the terminator: {quote}@."),
            ));
        } else {
            return Err(self.error_at(
                start,
                2,
                "UnexpectedCharactersAfterHereStringHeader",
                "No characters are allowed after a here-string header but before the end of the line.",
            ));
        }
        let body_start = self.pos;
        // The closing quote and `@` start a line.
        let mut search = body_start;
        let (body_end, close_end) = loop {
            let line_start = search;
            let closes = char_at(self.src, line_start).is_some_and(|c| {
                (if expandable { is_double_quote(c) } else { is_single_quote(c) })
                    && self.src[line_start + c.len_utf8()..].starts_with('@')
            });
            if closes && line_start >= body_start {
                let q = char_at(self.src, line_start).map_or(1, char::len_utf8);
                // The body ends before the newline that precedes the closing line.
                let mut end = line_start;
                if end > body_start && self.bytes[end - 1] == b'\n' {
                    end -= 1;
                    if end > body_start && self.bytes[end - 1] == b'\r' {
                        end -= 1;
                    }
                } else if end > body_start && self.bytes[end - 1] == b'\r' {
                    end -= 1;
                }
                break (end, line_start + q + 1);
            }
            match self.src[search..].find(['\n', '\r']) {
                Some(n) => {
                    search += n + 1;
                    if self.bytes[search - 1] == b'\r' && self.bytes.get(search) == Some(&b'\n') {
                        search += 1;
                    }
                }
                None => {
                    self.pos = self.src.len();
                    return Err(self.incomplete_at(
                        start,
                        "TerminatorExpectedAtEndOfString",
                        format!("The string is missing the terminator: {quote}@."),
                    ));
                }
            }
        };
        let kind = if expandable {
            self.pos = body_start;
            let parts = self.expandable(None, Some(body_end))?;
            self.string_kind(parts)
        } else {
            ExprKind::String(self.intern(&self.src[body_start..body_end]))
        };
        self.pos = close_end;
        Ok(Expr { kind, span: self.span_from(start) })
    }

    /// A literal string when nothing expands, else an expandable one.
    pub(super) fn string_kind(&mut self, parts: Box<[StringPart]>) -> ExprKind {
        match &*parts {
            [] => ExprKind::String(self.intern("")),
            [StringPart::Text(t)] => ExprKind::String(t.clone()),
            _ => ExprKind::Expandable(parts),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Variables

    /// `$name`, `${any name}`, `$?`, `$_`, `$$`, `$^`, `$env:NAME`, `$global:x` at the `$`.
    pub(super) fn variable(&mut self) -> PResult<Rc<VarRef>> {
        let start = self.pos;
        self.pos += 1;
        if self.byte() == b'{' {
            self.pos += 1;
            let mut name = String::new();
            loop {
                match self.peek() {
                    None => {
                        return Err(self.incomplete_at(
                            start,
                            "IncompleteDollarVariableReference",
                            "Missing '}' in the variable reference.",
                        ));
                    }
                    Some('}') => {
                        self.pos += 1;
                        break;
                    }
                    // `u{hex}: a character by its code point (PowerShell 7).
                    Some('`') if self.byte_at(1) == b'u' && self.byte_at(2) == b'{' => {
                        let at = self.pos;
                        self.pos += 2;
                        self.unicode_escape(at, &mut name)?;
                    }
                    Some('`') => {
                        self.pos += 1;
                        match self.bump() {
                            Some(c) => name.push(c),
                            None => {
                                return Err(self.incomplete_at(
                                    start,
                                    "IncompleteDollarVariableReference",
                                    "Missing '}' in the variable reference.",
                                ));
                            }
                        }
                    }
                    Some(c) => {
                        name.push(c);
                        self.bump();
                    }
                }
            }
            if name.is_empty() {
                return Err(self.error_at(
                    start,
                    self.pos - start,
                    "EmptyVariableReference",
                    "Empty ${} variable reference, there should be a name between the braces.",
                ));
            }
            return Ok(self.var_ref(&name));
        }
        if let Some('$' | '?' | '^') = self.peek() {
            self.pos += 1;
            return Ok(self.var_ref(&self.src[self.pos - 1..self.pos]));
        }
        let name_start = self.pos;
        loop {
            let b = self.byte();
            if VARIABLE_NAME_BYTES[b as usize] {
                self.pos += 1;
            } else if b == b':' && self.byte_at(1) != b':' {
                // `$scope:name`; `$a::b` is static member access.
                self.pos += 1;
            } else if b >= 0x80
                && let Some(c) = self.peek().filter(|c| c.is_alphanumeric())
            {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
        let name = &self.src[name_start..self.pos];
        Ok(self.var_ref(name))
    }

    /// The variable reference for `text`: shared with the last occurrence of the same text
    /// while it is among those met lately (as names are, [`Parser::intern`]).
    pub(super) fn var_ref(&mut self, text: &str) -> Rc<VarRef> {
        let hash = FxBuildHasher.hash_one(text);
        if let Some(var) = self.variables.find(hash, |var| same_text(&var.text, text)) {
            return var;
        }
        let var = Rc::new(self.new_var_ref(text));
        self.variables.insert(hash, var.clone());
        var
    }

    /// A variable reference for `text`, with its qualifier split off.
    fn new_var_ref(&mut self, text: &str) -> VarRef {
        // Names are short: a byte loop finds the colon sooner than a searcher is set up.
        let colon = text.bytes().position(|b| b == b':');
        let (qualifier, bare) = match colon.map(|i| (&text[..i], &text[i + 1..])) {
            Some((scope, bare)) if !scope.is_empty() => {
                let is = |word: &str| scope.eq_ignore_ascii_case(word);
                let q = if is("global") {
                    Qualifier::Global
                } else if is("script") {
                    Qualifier::Script
                } else if is("local") {
                    Qualifier::Local
                } else if is("private") {
                    Qualifier::Private
                } else if is("using") {
                    Qualifier::Using
                } else if is("env") {
                    Qualifier::Env
                } else if is("variable") {
                    Qualifier::Variable
                } else if is("function") {
                    Qualifier::Function
                } else {
                    Qualifier::Drive
                };
                (q, bare)
            }
            _ => (Qualifier::None, text),
        };
        let text_name = self.intern(text);
        let key = if bare.bytes().any(|b| b.is_ascii_uppercase() || b >= 0x80) {
            let mut buffer = [0u8; 64];
            if bare.len() <= buffer.len() && bare.is_ascii() {
                buffer[..bare.len()].copy_from_slice(bare.as_bytes());
                buffer[..bare.len()].make_ascii_lowercase();
                self.intern(std::str::from_utf8(&buffer[..bare.len()]).unwrap_or(bare))
            } else {
                let lower = bare.to_lowercase();
                self.intern(&lower)
            }
        } else if bare.len() == text.len() {
            text_name.clone()
        } else {
            self.intern(bare)
        };
        VarRef { text: text_name, qualifier, key }
    }

    // -----------------------------------------------------------------------------------------
    // Numbers

    /// A number token at the position (a digit, `.digit`, or with `signed`, a sign first), if
    /// the text there is one: the value and where it ends. `expression` mode also ends a
    /// number at operator characters (`1+2`), argument mode only at token ends (`7z` is a word).
    pub(super) fn scan_number(&self, signed: bool, expression: bool) -> Option<(NumberValue, usize)> {
        let (value, end) = scan_number_text(self.src, self.pos, signed)?;
        let next = char_at(self.src, end);
        let ends = match next {
            None => true,
            Some(c) if ends_token(c) => true,
            Some(c) if expression => {
                matches!(c, '!' | '#' | '%' | '*' | '+' | '.' | '/' | '<' | '=' | '>' | ']' | '?' | ':' | '[')
                    || is_dash(c)
            }
            Some(_) => false,
        };
        ends.then_some((value, end))
    }

    /// An expression for a number token from `start` to `end`.
    pub(super) fn number_expr(&mut self, value: NumberValue, start: usize, end: usize) -> Expr {
        let text = &self.src[start..end];
        let span = Span::new(start, end);
        let plain_decimal = text.bytes().all(|b| b.is_ascii_digit()) && !(text.len() > 1 && text.starts_with('0'));
        let kind = match value {
            NumberValue::Int32(n) if plain_decimal => ExprKind::Int(i64::from(n)),
            NumberValue::Int64(n) if plain_decimal => ExprKind::Int(n),
            other => {
                let text = self.intern(text);
                ExprKind::Number(Box::new(NumberLiteral { value: other, text }))
            }
        };
        Expr { kind, span }
    }
}

/// Scans a number literal in `src` at `pos` as PowerShell's tokenizer does: the value and the
/// position after it, or `None` when the text there is not a number (or a number that fits no
/// type, which argument mode reads as a word).
fn scan_number_text(src: &str, pos: usize, signed: bool) -> Option<(NumberValue, usize)> {
    let bytes = src.as_bytes();
    let mut i = pos;
    let mut negative = false;
    if signed {
        match char_at(src, i) {
            Some('+') => i += 1,
            Some(c) if is_dash(c) => {
                negative = true;
                i += c.len_utf8();
            }
            _ => {}
        }
    }
    let digit = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
    if let Some(plain) = plain_integer(bytes, i, negative) {
        return Some(plain);
    }
    let mut real = false;
    let mut format = Format::Decimal;
    let mut digits = String::new();
    let first = *bytes.get(i)?;
    if first == b'.' {
        if !digit(i + 1) {
            return None;
        }
        digits.push_str("0.");
        i += 1;
        real = true;
        i = scan_fraction(bytes, i, &mut digits)?;
    } else if first.is_ascii_digit() {
        let prefix = bytes.get(i + 1).copied().unwrap_or(0);
        if first == b'0' && matches!(prefix, b'x' | b'X') {
            i += 2;
            let start = i;
            while bytes.get(i).is_some_and(u8::is_ascii_hexdigit) {
                i += 1;
            }
            if i == start {
                return None;
            }
            digits.push_str(&src[start..i]);
            format = Format::Hex;
        } else if first == b'0'
            && matches!(prefix, b'b' | b'B')
            && bytes.get(i + 2).is_some_and(|b| matches!(b, b'0' | b'1'))
        {
            i += 2;
            let start = i;
            while bytes.get(i).is_some_and(|b| matches!(b, b'0' | b'1')) {
                i += 1;
            }
            digits.push_str(&src[start..i]);
            format = Format::Binary;
        } else {
            let start = i;
            while digit(i) {
                i += 1;
            }
            digits.push_str(&src[start..i]);
            match bytes.get(i) {
                Some(b'.') if bytes.get(i + 1) != Some(&b'.') => {
                    digits.push('.');
                    i += 1;
                    real = true;
                    i = scan_fraction(bytes, i, &mut digits)?;
                }
                Some(b'e' | b'E') => {
                    real = true;
                    i = scan_exponent(bytes, i, &mut digits)?;
                }
                _ => {}
            }
        }
    } else {
        return None;
    }
    // Type suffix: u, s, l, d, y, n; then (after u) l, s or y.
    let mut suffix = Suffix::default();
    let lower = |i: usize| bytes.get(i).map(u8::to_ascii_lowercase);
    if let Some(c @ (b'u' | b's' | b'l' | b'd' | b'y' | b'n')) = lower(i) {
        i += 1;
        match c {
            b'u' => suffix.unsigned = true,
            b's' => suffix.size = Size::Short,
            b'l' => suffix.size = Size::Long,
            b'd' => suffix.decimal = true,
            b'y' => suffix.size = Size::Byte,
            _ => suffix.big = true,
        }
        if let Some(c2 @ (b'u' | b's' | b'l' | b'd' | b'y' | b'n')) = lower(i) {
            if !suffix.unsigned || !matches!(c2, b'l' | b's' | b'y') {
                return None;
            }
            i += 1;
            suffix.size = match c2 {
                b'l' => Size::Long,
                b's' => Size::Short,
                _ => Size::Byte,
            };
        }
    }
    // A hex literal cannot take the decimal suffix: `0x1d` is 29.
    if format == Format::Hex && suffix.decimal {
        return None;
    }
    // Multiplier: kb, mb, gb, tb, pb.
    let mut multiplier: i64 = 1;
    if let Some(m @ (b'k' | b'm' | b'g' | b't' | b'p')) = lower(i) {
        if lower(i + 1) != Some(b'b') {
            return None;
        }
        i += 2;
        multiplier = match m {
            b'k' => 1 << 10,
            b'm' => 1 << 20,
            b'g' => 1 << 30,
            b't' => 1 << 40,
            _ => 1 << 50,
        };
    }
    let value = number_value(&digits, format, suffix, real, negative, multiplier)?;
    Some((value, i))
}

/// The common case of [`scan_number_text`] without building its digit string or a big
/// integer: up to 18 decimal digits (so the value fits an `i64`) with no fraction, exponent,
/// suffix or multiplier after them. `None` sends anything else to the general scan.
fn plain_integer(bytes: &[u8], start: usize, negative: bool) -> Option<(NumberValue, usize)> {
    let digits = bytes[start.min(bytes.len())..].iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 18 {
        return None;
    }
    let end = start + digits;
    match bytes.get(end).map(u8::to_ascii_lowercase) {
        // `1..5` is a range after a plain integer; `1.5` is a real.
        Some(b'.') if bytes.get(end + 1) != Some(&b'.') => return None,
        // `0x10`, `0b1`, `1e3`, type suffixes and multipliers.
        Some(b'x' | b'b' | b'e' | b'u' | b's' | b'l' | b'd' | b'y' | b'n' | b'k' | b'm' | b'g' | b't' | b'p') => {
            return None;
        }
        _ => {}
    }
    let magnitude = bytes[start..end].iter().fold(0i64, |n, &b| n * 10 + i64::from(b - b'0'));
    let value = if negative { -magnitude } else { magnitude };
    let value = match i32::try_from(value) {
        Ok(n) => NumberValue::Int32(n),
        Err(_) => NumberValue::Int64(value),
    };
    Some((value, end))
}

/// Digits after the decimal point, then an optional exponent.
fn scan_fraction(bytes: &[u8], mut i: usize, digits: &mut String) -> Option<usize> {
    while bytes.get(i).is_some_and(u8::is_ascii_digit) {
        digits.push(bytes[i] as char);
        i += 1;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        return scan_exponent(bytes, i, digits);
    }
    Some(i)
}

/// `e`, an optional sign and digits; `None` when no digit follows.
fn scan_exponent(bytes: &[u8], mut i: usize, digits: &mut String) -> Option<usize> {
    digits.push('e');
    i += 1;
    if matches!(bytes.get(i), Some(b'+' | b'-')) {
        digits.push(bytes[i] as char);
        i += 1;
    }
    if !bytes.get(i).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    while bytes.get(i).is_some_and(u8::is_ascii_digit) {
        digits.push(bytes[i] as char);
        i += 1;
    }
    Some(i)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Decimal,
    Hex,
    Binary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Size {
    #[default]
    None,
    Byte,
    Short,
    Long,
}

#[derive(Debug, Clone, Copy, Default)]
struct Suffix {
    unsigned: bool,
    size: Size,
    decimal: bool,
    big: bool,
}

/// The value of a scanned number in the type its suffix names (PowerShell's
/// `TryGetNumberValue`).
fn number_value(
    digits: &str,
    format: Format,
    suffix: Suffix,
    real: bool,
    negative: bool,
    multiplier: i64,
) -> Option<NumberValue> {
    if real {
        if suffix.decimal {
            let d = parse_decimal(digits)?;
            // A decimal keeps the scale it was written with (`0.0d` is 0.0): only a
            // multiplier suffix multiplies.
            let d = if multiplier == 1 { d } else { d.checked_mul(Decimal::from(multiplier))? };
            return Some(NumberValue::Decimal(if negative { -d } else { d }));
        }
        let mut d: f64 = digits.parse().ok()?;
        if negative {
            d = -d;
        }
        d *= multiplier as f64;
        if suffix.unsigned || suffix.size != Size::None || suffix.big {
            if !d.is_finite() {
                return None;
            }
            let rounded = BigInt::from_f64(d.round_ties_even())?;
            return fit_suffix(rounded, suffix, Format::Decimal);
        }
        return Some(NumberValue::Double(d));
    }
    let mut value = match format {
        Format::Decimal => digits.parse::<BigInt>().ok()?,
        Format::Hex => {
            // Without `u`, a literal of exactly the type's width has a sign bit.
            let width = match suffix.size {
                Size::Byte => 2,
                Size::Short => 4,
                Size::Long => 16,
                Size::None if digits.len() < 16 => 8,
                Size::None => 16,
            };
            let unsigned = BigInt::parse_bytes(digits.as_bytes(), 16)?;
            if !suffix.unsigned
                && !suffix.big
                && !suffix.decimal
                && digits.len() == width
                && digits.as_bytes()[0] >= b'8'
            {
                unsigned - (BigInt::one() << (4 * width))
            } else {
                unsigned
            }
        }
        Format::Binary => {
            let unsigned = BigInt::parse_bytes(digits.as_bytes(), 2)?;
            let sign_bit = !suffix.unsigned
                && digits.starts_with('1')
                && matches!(digits.len(), 8 | 16 | 32 | 64 | 96) | (digits.len() >= 128);
            if sign_bit { unsigned - (BigInt::one() << digits.len()) } else { unsigned }
        }
    };
    if negative {
        value = -value;
    }
    value *= multiplier;
    let mut suffix = suffix;
    // A hex or binary literal of 64 bits is a long, even when its value is small.
    let full_width = match format {
        Format::Hex => digits.len() == 16,
        Format::Binary => digits.len() == 64,
        Format::Decimal => false,
    };
    if full_width && suffix.size == Size::None && !suffix.big && !suffix.decimal {
        suffix.size = Size::Long;
    }
    fit_suffix(value, suffix, format)
}

/// Fits an integer into the type the suffix names; with no suffix, Int32, Int64, then (for a
/// decimal literal) Decimal and Double.
fn fit_suffix(value: BigInt, suffix: Suffix, format: Format) -> Option<NumberValue> {
    if suffix.big {
        return Some(NumberValue::BigInt(Box::new(value)));
    }
    if suffix.decimal {
        return big_to_decimal(&value).map(NumberValue::Decimal);
    }
    Some(match (suffix.unsigned, suffix.size) {
        (false, Size::Byte) => NumberValue::SByte(value.to_i8()?),
        (true, Size::Byte) => NumberValue::Byte(value.to_u8()?),
        (false, Size::Short) => NumberValue::Int16(value.to_i16()?),
        (true, Size::Short) => NumberValue::UInt16(value.to_u16()?),
        (false, Size::Long) => NumberValue::Int64(value.to_i64()?),
        (true, Size::Long) => NumberValue::UInt64(value.to_u64()?),
        (true, Size::None) => match value.to_u32() {
            Some(n) => NumberValue::UInt32(n),
            None => NumberValue::UInt64(value.to_u64()?),
        },
        (false, Size::None) => {
            if let Some(n) = value.to_i32() {
                NumberValue::Int32(n)
            } else if let Some(n) = value.to_i64() {
                NumberValue::Int64(n)
            } else if format == Format::Decimal {
                match big_to_decimal(&value) {
                    Some(d) => NumberValue::Decimal(d),
                    None => NumberValue::Double(value.to_f64()?),
                }
            } else {
                return None;
            }
        }
    })
}

fn big_to_decimal(value: &BigInt) -> Option<Decimal> {
    let magnitude = value.abs().to_u128()?;
    // Decimal holds 96 bits of mantissa.
    if magnitude >= 1u128 << 96 {
        return None;
    }
    let d = Decimal::from_i128_with_scale(magnitude as i128, 0);
    Some(if value.sign() == Sign::Minus { -d } else { d })
}

/// `1.5`, `1e3`, `.5` as a Decimal (which has no exponent syntax of its own).
fn parse_decimal(digits: &str) -> Option<Decimal> {
    match digits.split_once(['e', 'E']) {
        None => digits.parse().ok(),
        Some((mantissa, exponent)) => {
            let m: Decimal = mantissa.parse().ok()?;
            let e: i32 = exponent.parse().ok()?;
            let ten = Decimal::from(10);
            let mut d = m;
            if e >= 0 {
                for _ in 0..e {
                    d = d.checked_mul(ten)?;
                }
            } else {
                for _ in 0..(-e) {
                    d = d.checked_div(ten)?;
                }
            }
            Some(d)
        }
    }
}

/// A whole text as a number, as PowerShell converts a string to a number: blanks around it
/// are allowed, and so are a sign, hex, suffixes and multipliers (`" 0x10 "`, `"1kb"`).
pub(crate) fn parse_number(text: &str) -> Option<NumberValue> {
    let t = text.trim_matches(|c: char| c.is_whitespace());
    if t.is_empty() {
        return None;
    }
    let (value, end) = scan_number_text(t, 0, true)?;
    (end == t.len()).then_some(value)
}

impl NumberValue {
    /// Whether this is zero of a signed integer type (for `-0`).
    pub fn is_zero_integer(&self) -> bool {
        match self {
            NumberValue::BigInt(b) => b.is_zero(),
            NumberValue::Int32(n) => *n == 0,
            NumberValue::Int64(n) => *n == 0,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> Option<NumberValue> {
        parse_number(text)
    }

    #[test]
    fn numbers_take_powershell_7_types() {
        assert_eq!(n("10"), Some(NumberValue::Int32(10)));
        assert_eq!(n("2147483648"), Some(NumberValue::Int64(2_147_483_648)));
        assert_eq!(n("0x80000000"), Some(NumberValue::Int32(i32::MIN)));
        assert_eq!(n("0xFFFFFFFF"), Some(NumberValue::Int32(-1)));
        assert_eq!(n("0xFFFFFFFFFFFFFFFF"), Some(NumberValue::Int64(-1)));
        assert_eq!(n("0b11111111"), Some(NumberValue::Int32(-1)));
        assert_eq!(n("-0b10"), Some(NumberValue::Int32(-2)));
        assert_eq!(n("0xFFy"), Some(NumberValue::SByte(-1)));
        assert_eq!(n("0xFFuy"), Some(NumberValue::Byte(255)));
        assert_eq!(n("3.72y"), Some(NumberValue::SByte(4)));
        assert_eq!(n("2.5l"), Some(NumberValue::Int64(2)));
        assert_eq!(n("1ukb"), Some(NumberValue::UInt32(1024)));
        assert_eq!(n("1dkb"), Some(NumberValue::Decimal(Decimal::from(1024))));
        assert_eq!(n("0x1d"), Some(NumberValue::Int32(29)));
        assert_eq!(n("1.5d"), Some(NumberValue::Decimal(Decimal::new(15, 1))));
        assert_eq!(n("10n"), Some(NumberValue::BigInt(Box::new(BigInt::from(10)))));
        assert_eq!(n("1e3"), Some(NumberValue::Double(1000.0)));
        assert_eq!(n("9223372036854775808"), Some(NumberValue::Decimal(Decimal::from(9_223_372_036_854_775_808u64))));
        assert!(matches!(n("-0e2"), Some(NumberValue::Double(d)) if d == 0.0 && d.is_sign_negative()));
        assert_eq!(n("0x"), None);
        assert_eq!(n("7z"), None);
        assert_eq!(n("1k"), None);
        assert_eq!(n("1uu"), None);
        assert_eq!(n(" 42 "), Some(NumberValue::Int32(42)));
        // The plain-integer path and the general one agree at their edges.
        assert_eq!(n("2147483647"), Some(NumberValue::Int32(i32::MAX)));
        assert_eq!(n("-2147483648"), Some(NumberValue::Int32(i32::MIN)));
        assert_eq!(n("-0"), Some(NumberValue::Int32(0)));
        assert_eq!(n("007"), Some(NumberValue::Int32(7)));
        assert_eq!(n("999999999999999999"), Some(NumberValue::Int64(999_999_999_999_999_999)));
        assert_eq!(n("9999999999999999999"), Some(NumberValue::Decimal(Decimal::from(9_999_999_999_999_999_999u64))));
        assert_eq!(n("12kb"), Some(NumberValue::Int32(12 * 1024)));
        assert_eq!(n("12L"), Some(NumberValue::Int64(12)));
        assert_eq!(n("12.5"), Some(NumberValue::Double(12.5)));
        assert_eq!(scan_number_text("1..5", 0, false).map(|(_, end)| end), Some(1));
    }
}
