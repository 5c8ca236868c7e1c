//! The grammar, written with nom over `&str`. Positions are recovered as byte offsets from how
//! much of the source is left (`source.len() - rest.len()`), so no nom type leaves this module.
//!
//! Layout, smallest first: `lexical` (trivia, literal strings, numbers, variable names),
//! `expressions` (operators by precedence, primaries, command arguments, expandable strings),
//! `statements` (pipelines, commands, control flow, functions, param blocks).

mod expressions;
mod lexical;
mod statements;

use std::cell::Cell;

use super::SyntaxError;
use super::ast::{Script, Span};
use super::chars::ends_bare_word;
use lexical::{Fail, Res, fail, failure};

pub(crate) use lexical::parse_number;

/// Parses `source` as a script.
pub(super) fn script(source: &str) -> Result<Script, SyntaxError> {
    let grammar = Grammar { source, nesting: Cell::new(0) };
    match grammar.script(source) {
        Ok((_, script)) => Ok(script),
        Err(nom::Err::Error(f) | nom::Err::Failure(f)) => Err(grammar.error(f)),
        Err(nom::Err::Incomplete(_)) => Err(SyntaxError {
            id: "IncompleteParse",
            message: "Incomplete input.".into(),
            span: Span::new(source.len(), source.len()),
            incomplete: true,
        }),
    }
}

/// How deeply blocks and expressions may nest. Deeper input is refused with a parse error
/// rather than overflowing the stack (of the parser here, or of the interpreter later).
const MAX_NESTING: u32 = 256;

/// Carries the whole source so failures and nodes can be given spans.
struct Grammar<'s> {
    source: &'s str,
    /// Nesting depth of the rule being parsed; see [`MAX_NESTING`].
    nesting: Cell<u32>,
}

impl<'s> Grammar<'s> {
    /// Runs `rule` one nesting level deeper, or fails once input nests past [`MAX_NESTING`].
    fn nested<T>(&self, i: &'s str, rule: impl FnOnce() -> Res<'s, T>) -> Res<'s, T> {
        let depth = self.nesting.get() + 1;
        if depth > MAX_NESTING {
            return Err(failure(
                i,
                "ScriptTooDeeplyNested",
                format!(
                    "The script nests blocks and expressions more than {MAX_NESTING} levels deep. Flatten it with variables or functions."
                ),
                1,
                false,
            ));
        }
        self.nesting.set(depth);
        let result = rule();
        self.nesting.set(depth - 1);
        result
    }

    fn offset(&self, at: &str) -> usize {
        self.source.len() - at.len()
    }

    /// The span from `from` (the input where a node started) to `to` (what was left after it).
    fn span(&self, from: &str, to: &str) -> Span {
        Span::new(self.offset(from), self.offset(to))
    }

    /// The text between two positions of the source.
    fn text(&self, from: &'s str, to: &'s str) -> &'s str {
        &from[..from.len() - to.len()]
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
                    span: Span::new(start, (start + len).min(self.source.len())),
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
        Some(c) if ends_bare_word(c) || c == '(' || c == '{' => Some(rest),
        _ => None,
    }
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
