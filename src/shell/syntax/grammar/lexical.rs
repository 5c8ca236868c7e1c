//! Lexical pieces: nom's error type for this grammar, trivia (blanks, comments,
//! continuations), literal strings, escapes, numbers and variable names.

use nom::branch::alt;
use nom::bytes::complete::{tag, take_until, take_while, take_while1};
use nom::character::complete::{char, satisfy};
use nom::combinator::{opt, recognize};
use nom::error::{ErrorKind, ParseError};
use nom::{IResult, Parser};

use crate::shell::syntax::ast::Number;
use crate::shell::syntax::chars::{is_blank, is_dash, is_single_quote, is_variable_char};

/// nom's error type for this grammar: where it failed and, once a rule has committed, why.
#[derive(Debug)]
pub(super) struct Fail<'a> {
    pub(super) at: &'a str,
    pub(super) why: Option<Why>,
}

#[derive(Debug)]
pub(super) struct Why {
    pub(super) id: &'static str,
    pub(super) message: String,
    /// Length of the offending text at `at`, in bytes (at least one character is marked).
    pub(super) len: usize,
    pub(super) incomplete: bool,
}

impl<'a> ParseError<&'a str> for Fail<'a> {
    fn from_error_kind(at: &'a str, _: ErrorKind) -> Self {
        Fail { at, why: None }
    }
    fn append(_: &'a str, _: ErrorKind, other: Self) -> Self {
        other
    }
}

pub(super) type Res<'a, T> = IResult<&'a str, T, Fail<'a>>;

/// A committed failure: stops all backtracking.
pub(super) fn failure<'a>(
    at: &'a str,
    id: &'static str,
    message: String,
    len: usize,
    incomplete: bool,
) -> nom::Err<Fail<'a>> {
    nom::Err::Failure(Fail { at, why: Some(Why { id, message, len, incomplete }) })
}

pub(super) fn fail<'a, T>(at: &'a str, id: &'static str, message: String, len: usize) -> Res<'a, T> {
    Err(failure(at, id, message, len, false))
}

/// A committed failure because the input ended too early.
pub(super) fn incomplete<'a, T>(at: &'a str, id: &'static str, message: String) -> Res<'a, T> {
    Err(failure(at, id, message, 0, true))
}

// ---------------------------------------------------------------------------------------------
// Trivia

/// A backtick right before a newline joins the two lines.
pub(super) fn continuation(i: &str) -> Res<'_, &str> {
    let (rest, _) = char('`').parse(i)?;
    let (rest, _) = take_while(is_blank).parse(rest)?;
    if rest.is_empty() {
        return incomplete(rest, "IncompleteContinuation", "Line continuation at end of input.".into());
    }
    recognize(alt((tag("\r\n"), tag("\n"), tag("\r")))).parse(rest).map(|(r, _)| (r, i))
}

/// What a trivia scan skips besides blanks, comments and continuations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Skip {
    /// Stop at newlines (they end statements).
    Blanks,
    /// Newlines too (after `|`, `,`, an operator, an opening bracket).
    Newlines,
    /// Newlines and `;` (between statements).
    Separators,
}

/// Blanks, comments and continuations; not newlines.
pub(super) fn trivia(i: &str) -> Res<'_, usize> {
    skip(i, Skip::Blanks)
}

/// Trivia and newlines (inside a pipeline after `|`, after `,`).
pub(super) fn trivia_and_newlines(i: &str) -> Res<'_, usize> {
    skip(i, Skip::Newlines)
}

/// The trivia scanner: a byte loop, as this runs between every two tokens. Returns the rest
/// and how many bytes were skipped.
pub(super) fn skip(i: &str, what: Skip) -> Res<'_, usize> {
    let bytes = i.as_bytes();
    let mut pos = 0;
    while let Some(&b) = bytes.get(pos) {
        match b {
            b' ' | b'\t' | 0x0B | 0x0C => pos += 1,
            b'\n' | b'\r' if what != Skip::Blanks => pos += 1,
            b';' if what == Skip::Separators => pos += 1,
            b'#' => pos = bytes[pos..].iter().position(|&c| c == b'\n' || c == b'\r').map_or(bytes.len(), |n| pos + n),
            b'<' if bytes.get(pos + 1) == Some(&b'#') => match i[pos + 2..].find("#>") {
                Some(n) => pos += 2 + n + 2,
                None => {
                    return incomplete(
                        &i[pos..],
                        "MissingEndOfBlockComment",
                        "Missing the closing '#>' of a block comment.".into(),
                    );
                }
            },
            b'`' => {
                // A backtick, optional blanks, then a newline: the line goes on.
                let after = &i[pos + 1..];
                let blanks = after.len() - after.trim_start_matches(is_blank).len();
                let rest = &after[blanks..];
                if rest.is_empty() {
                    return incomplete(rest, "IncompleteContinuation", "Line continuation at end of input.".into());
                }
                let newline = if rest.starts_with("\r\n") {
                    2
                } else if rest.starts_with(['\n', '\r']) {
                    1
                } else {
                    0
                };
                if newline == 0 {
                    break;
                }
                pos += 1 + blanks + newline;
            }
            b if b >= 0x80 => match i[pos..].chars().next() {
                Some(c) if is_blank(c) => pos += c.len_utf8(),
                _ => break,
            },
            _ => break,
        }
    }
    Ok((&i[pos..], pos))
}

// ---------------------------------------------------------------------------------------------
// Tokens

/// A single-quoted string: verbatim, a doubled quote is one quote. Any of the five single-quote
/// characters opens or closes it.
pub(super) fn single_quoted(i: &str) -> Res<'_, String> {
    quoted(i, is_single_quote, '\'', false)
}

/// A string between two characters of the class `is_quote`, where two in a row stand for one.
/// `terminator` names the class in the error for a missing end.
pub(super) fn quoted(i: &str, is_quote: fn(char) -> bool, terminator: char, escapes: bool) -> Res<'_, String> {
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
pub(super) fn backtick_escape(i: &str) -> Res<'_, String> {
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
pub(super) fn unicode_escape<'a>(start: &'a str, i: &'a str) -> Res<'a, String> {
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

/// A number literal as PowerShell's argument mode reads it: decimal, real, hex, with an
/// optional `kb`…`pb` multiplier, and a leading dash of any kind. Anything else is a word.
pub(crate) fn parse_number(text: &str) -> Option<Number> {
    let (negative, body) = match text.chars().next() {
        Some(c) if is_dash(c) => (true, &text[c.len_utf8()..]),
        _ => (false, text),
    };
    // Most words are not numbers: decide that from the first character, without allocating.
    if !body.starts_with(|c: char| c.is_ascii_digit() || c == '.') || !body.is_ascii() {
        return None;
    }
    // A type suffix (`10l`, `34uy`, `1.5d`) names the .NET type; the value is the same.
    let hex = body.starts_with("0x") || body.starts_with("0X");
    let (body, decimal) = if hex { (body, false) } else { strip_type_suffix(body) };
    let suffix = body.len().checked_sub(2).map(|n| body.split_at(n));
    let multiplier = |unit: &str| match unit.to_ascii_lowercase().as_bytes() {
        b"kb" => Some(1i64 << 10),
        b"mb" => Some(1i64 << 20),
        b"gb" => Some(1i64 << 30),
        b"tb" => Some(1i64 << 40),
        b"pb" => Some(1i64 << 50),
        _ => None,
    };
    let (digits, multiplier) = match suffix {
        Some((d, unit)) if unit.bytes().all(|b| b.is_ascii_alphabetic()) => match multiplier(unit) {
            Some(m) => (d, m),
            None if d.len() >= 2 && (d.starts_with("0x") || d.starts_with("0X")) => (body, 1),
            None => return None,
        },
        _ => (body, 1),
    };
    let sign = if negative { -1 } else { 1 };
    if let Some(hex) = digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
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
    if decimal {
        let v: f64 = digits.parse().ok()?;
        return Some(Number::Real(sign as f64 * v * multiplier as f64));
    }
    let real_chars = |b: u8| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-');
    if digits.bytes().all(real_chars) {
        let v: f64 = digits.parse().ok()?;
        return Some(Number::Real(sign as f64 * v * multiplier as f64));
    }
    None
}

/// `10l` → (`10`, false); `1.5d` → (`1.5`, true: decimal); anything else unchanged.
fn strip_type_suffix(body: &str) -> (&str, bool) {
    for suffix in ["uy", "us", "ul", "y", "s", "l", "u", "n", "d"] {
        if body.len() > suffix.len() {
            let (rest, tail) = body.split_at(body.len() - suffix.len());
            if tail.eq_ignore_ascii_case(suffix) && rest.ends_with(|c: char| c.is_ascii_digit() || c == '.') {
                return (rest, suffix == "d");
            }
        }
    }
    (body, false)
}

/// `$name`, `${any name}`, `$?`, `$_`, `$env:NAME`.
pub(super) fn variable(i: &str) -> Res<'_, String> {
    let (rest, _) = char('$').parse(i)?;
    if let Ok((rest, _)) = char::<_, Fail>('{').parse(rest) {
        return match take_until::<_, _, Fail>("}").parse(rest) {
            Ok((after, name)) => Ok((&after[1..], name.to_string())),
            Err(_) => {
                incomplete(rest, "IncompleteDollarVariableReference", "Missing '}' in the variable reference.".into())
            }
        };
    }
    if let Ok((rest, c)) = satisfy::<_, _, Fail>(|c| c == '?' || c == '^' || c == '$').parse(rest) {
        return Ok((rest, c.to_string()));
    }
    let name = |i| take_while1(is_variable_char).parse(i);
    let (rest, name) = recognize((opt((name, char(':'))), name)).parse(rest)?;
    Ok((rest, name.to_string()))
}
