//! The parser: a hand-written recursive descent over the source bytes, with PowerShell's two
//! tokenizer modes (expression mode, where `-eq` is an operator and `abc` is an error, and
//! argument mode, where `abc` is a string and `-eq` a parameter) decided by the rule being
//! parsed, as in PowerShell's own parser.
//!
//! Layout: `mod.rs` (the cursor, trivia, errors, the name interner), `lexical.rs` (strings,
//! escapes, numbers, variables), `expressions.rs` (operators by precedence, primaries, member
//! access), `commands.rs` (pipelines, commands, arguments, redirections), `statements.rs`
//! (statement lists, keywords, script blocks, `param()`).
//!
//! Must not: allocate per token where a slice of the source will do (a name met again shares its
//! first allocation while it is among the names met lately), or backtrack more than a token.

mod commands;
mod expressions;
mod lexical;
mod statements;

use std::hash::BuildHasher;
use std::rc::Rc;

use rustc_hash::FxBuildHasher;

use super::SyntaxError;
use super::ast::{BinaryOp, CommandElement, Expr, Name, PipelineElement, Script, Span, Statement, StringPart, VarRef};
use super::chars::is_blank;

pub(crate) use lexical::parse_number;

/// A parse error, boxed: every rule returns a `PResult`, and with the error one pointer wide
/// a result is hardly bigger than its value (a `Statement` comes back in two registers instead
/// of 72 bytes written to memory and copied up through each rule).
type ParseError = Box<SyntaxError>;

type PResult<T> = Result<T, ParseError>;

/// How deeply blocks and expressions may nest. Deeper input is refused with a parse error
/// rather than overflowing the stack (of the parser here, or of the interpreter later).
const MAX_NESTING: u32 = 256;

/// The most sets of names the interner keeps ([`Recent`]): 1,024 sets of two (32 KB).
const MAX_NAME_SETS: usize = 1024;

/// Values made from names (the names themselves, variable references), kept so that a name met
/// again shares the value made the first time: the two met last in each set (by the name's
/// hash), the more recent first, the sets sized from the script's length. Names a script
/// repeats are met again within a few lines (a runbook's cmdlets, parameters, variables and
/// servers); a name met again only after others took its set gets a value of its own, which
/// changes nothing but memory. There is no table of every name: for a large script it grew to
/// megabytes, and each new name's insert and each probe missed the cache (the parser's
/// profile: docs/performance.md, sixth pass).
struct Recent<T: ?Sized> {
    sets: Box<[[Option<Rc<T>>; 2]]>,
    /// The values pushed out of `sets`, released together when the parse ends: dropping each
    /// where it was pushed out touched its count, long out of the cache, one at a time.
    retired: Vec<Rc<T>>,
}

impl<T: ?Sized> Recent<T> {
    /// `sets` is a power of two.
    fn new(sets: usize) -> Recent<T> {
        Recent { sets: std::iter::repeat_with(|| [None, None]).take(sets.max(1)).collect(), retired: Vec::new() }
    }

    /// The value in `hash`'s set that `is` accepts.
    #[inline]
    fn find(&mut self, hash: u64, is: impl Fn(&T) -> bool) -> Option<Rc<T>> {
        let set = &mut self.sets[hash as usize & (self.sets.len() - 1)];
        if let Some(value) = &set[0]
            && is(value)
        {
            return Some(value.clone());
        }
        if let Some(value) = &set[1]
            && is(value)
        {
            let value = value.clone();
            set.swap(0, 1);
            return Some(value);
        }
        None
    }

    /// Keeps `value` as the most recent of `hash`'s set.
    fn insert(&mut self, hash: u64, value: Rc<T>) {
        let set = &mut self.sets[hash as usize & (self.sets.len() - 1)];
        let newer = set[0].replace(value);
        if let Some(old) = std::mem::replace(&mut set[1], newer) {
            self.retired.push(old);
        }
    }
}

/// Whether two names are the same text. Names are short: word-sized compares inline are
/// cheaper than a call to `memcmp`, which `==` makes for every name the interner meets.
#[inline]
fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let (mut x, mut y) = (a.chunks_exact(8), b.chunks_exact(8));
    for (p, q) in (&mut x).zip(&mut y) {
        let word = |chunk: &[u8]| <[u8; 8]>::try_from(chunk).map(u64::from_ne_bytes).unwrap_or_default();
        if word(p) != word(q) {
            return false;
        }
    }
    x.remainder().iter().zip(y.remainder()).all(|(p, q)| p == q)
}

/// Parses `source` as a script.
pub(super) fn script(source: &str) -> Result<Script, SyntaxError> {
    if source.len() >= u32::MAX as usize {
        return Err(SyntaxError {
            id: "ScriptTooLarge",
            message: "The script is larger than 4 GB; split it into smaller files.".into(),
            span: Span::default(),
            incomplete: false,
        });
    }
    let mut parser = Parser::new(source);
    let body = parser.script_body().map_err(|e| *e)?;
    Ok(Script { body: Rc::new(body) })
}

/// The parser's state: the source, a position in it, the interned names, and the stacks that
/// lists are gathered on.
pub(super) struct Parser<'s> {
    src: &'s str,
    bytes: &'s [u8],
    pos: usize,
    depth: u32,
    /// The interned names ([`Parser::intern`]).
    names: Recent<str>,
    /// The variable references, shared like names ([`Parser::var_ref`]).
    variables: Recent<VarRef>,
    stacks: Stacks,
    /// The last trivia scan ([`Parser::skip_trivia`]): from where, skipping what, to where. A
    /// rule that looks past a newline for a `|` or `else` and finds none goes back, and the
    /// next rule skips the same lines again: the scan is not repeated.
    last_trivia: (usize, Skip, usize),
}

/// Lists being parsed are pushed here, not into a `Vec` of their own, and boxed with one exact
/// allocation when complete ([`Stacks::take`]): no growing and shrinking per list. Nested lists
/// push above their parent's items and take theirs off before the parent pushes again.
#[derive(Default)]
struct Stacks {
    statements: Vec<Statement>,
    elements: Vec<PipelineElement>,
    arguments: Vec<CommandElement>,
    exprs: Vec<Expr>,
    /// The binary operators of an expression waiting for their right operands.
    operators: Vec<BinaryOp>,
    parts: Vec<StringPart>,
    /// The text of a string being unescaped; taken while in use, so a nested string gets its own.
    text: String,
}

impl Stacks {
    /// The items pushed since `mark` (the stack's length when the list began), in one box.
    /// `split_off` moves them with one copy; collecting a `drain` moved them one by one.
    fn take<T>(stack: &mut Vec<T>, mark: usize) -> Box<[T]> {
        if mark == 0 {
            // `split_off(0)` would hand over the whole stack's buffer and allocate another;
            // `append` moves the items with one copy too, and leaves the stack its buffer.
            let mut items = Vec::with_capacity(stack.len());
            items.append(stack);
            return items.into_boxed_slice();
        }
        stack.split_off(mark).into_boxed_slice()
    }
}

impl<'s> Parser<'s> {
    fn new(src: &'s str) -> Parser<'s> {
        // A set per 128 bytes of script, between 32 and 1,024 (32 KB: it must stay in the cache).
        let sets = (src.len() / 128).clamp(32, MAX_NAME_SETS).next_power_of_two();
        Parser {
            src,
            bytes: src.as_bytes(),
            pos: 0,
            depth: 0,
            names: Recent::new(sets),
            variables: Recent::new(sets / 4),
            stacks: Stacks::default(),
            last_trivia: (usize::MAX, Skip::Blanks, 0),
        }
    }

    // -----------------------------------------------------------------------------------------
    // The cursor

    fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    /// The byte at the position, or 0 at the end.
    #[inline]
    fn byte(&self) -> u8 {
        self.bytes.get(self.pos).copied().unwrap_or(0)
    }

    #[inline]
    fn byte_at(&self, offset: usize) -> u8 {
        self.bytes.get(self.pos + offset).copied().unwrap_or(0)
    }

    /// The character at the position.
    #[inline]
    fn peek(&self) -> Option<char> {
        char_at(self.src, self.pos)
    }

    /// The character after the one at the position.
    #[inline]
    fn peek2(&self) -> Option<char> {
        let c = self.peek()?;
        char_at(self.src, self.pos + c.len_utf8())
    }

    #[inline]
    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn rest(&self) -> &'s str {
        &self.src[self.pos.min(self.src.len())..]
    }

    fn starts_with(&self, s: &str) -> bool {
        self.bytes[self.pos.min(self.bytes.len())..].starts_with(s.as_bytes())
    }

    fn span_from(&self, start: usize) -> Span {
        Span::new(start, self.pos)
    }

    /// Interns `text`: the occurrences of a name share one allocation while the name stays
    /// among those met lately ([`Recent`]).
    fn intern(&mut self, text: &str) -> Name {
        let hash = FxBuildHasher.hash_one(text);
        if let Some(name) = self.names.find(hash, |name| same_text(name, text)) {
            return name;
        }
        let name: Name = Rc::from(text);
        self.names.insert(hash, name.clone());
        name
    }

    /// Runs `rule` one nesting level deeper, or fails once input nests past [`MAX_NESTING`].
    fn nested<T>(&mut self, rule: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        if self.depth >= MAX_NESTING {
            return Err(self.error_at(
                self.pos,
                1,
                "ScriptTooDeeplyNested",
                format!(
                    "The script nests blocks and expressions more than {MAX_NESTING} levels deep. Flatten it with variables or functions."
                ),
            ));
        }
        self.depth += 1;
        let result = rule(self);
        self.depth -= 1;
        result
    }

    // -----------------------------------------------------------------------------------------
    // Trivia

    /// Blanks, comments and line continuations; not newlines.
    #[inline]
    fn skip_blanks(&mut self) -> PResult<()> {
        self.skip(Skip::Blanks)
    }

    /// Blanks and newlines (inside brackets, after `|`, `,`, an operator).
    #[inline]
    fn skip_newlines(&mut self) -> PResult<()> {
        self.skip(Skip::Newlines)
    }

    /// Blanks, newlines and `;` (between statements).
    #[inline]
    fn skip_separators(&mut self) -> PResult<()> {
        self.skip(Skip::Separators)
    }

    /// The trivia scanner, run between every two tokens (and before every operator the parser
    /// might meet). Most calls find a token at once or after spaces: that part is inlined where
    /// it is called; comments, continuations, newlines and Unicode blanks go to
    /// [`Parser::skip_trivia`].
    #[inline]
    fn skip(&mut self, what: Skip) -> PResult<()> {
        loop {
            match self.bytes.get(self.pos) {
                Some(b' ' | b'\t') => self.pos += 1,
                // The ends of lines and statements this scan stops at (`what` is a constant
                // where this is inlined: the test costs nothing there).
                Some(b'\n' | b'\r') if what == Skip::Blanks => return Ok(()),
                Some(b';') if what != Skip::Separators => return Ok(()),
                Some(&b) if STARTS_TRIVIA[b as usize] => return self.skip_trivia(what),
                _ => return Ok(()),
            }
        }
    }

    /// Whether the byte after any spaces and tabs at the position may start an operator
    /// (`-`, `+`, or the first byte of a Unicode dash), or trivia other than blanks that a
    /// full scan must look past. A cheap test before the rules that look for an operator
    /// after a value and go back when there is none.
    #[inline]
    fn may_have_operator(&self, operators: &[u8]) -> bool {
        let mut i = self.pos;
        while let Some(b' ' | b'\t') = self.bytes.get(i) {
            i += 1;
        }
        match self.bytes.get(i) {
            None => false,
            Some(&b) => b >= 0x80 || operators.contains(&b) || matches!(b, b'`' | b'<' | b'#'),
        }
    }

    #[inline(never)]
    fn skip_trivia(&mut self, what: Skip) -> PResult<()> {
        let (from, skipped, to) = self.last_trivia;
        if from == self.pos && skipped == what {
            self.pos = to;
            return Ok(());
        }
        let start = self.pos;
        let bytes = self.bytes;
        let mut pos = self.pos;
        while let Some(&b) = bytes.get(pos) {
            match b {
                b' ' | b'\t' | 0x0B | 0x0C => pos += 1,
                b'\n' | b'\r' if what != Skip::Blanks => pos += 1,
                b';' if what == Skip::Separators => pos += 1,
                b'#' => {
                    pos = bytes[pos..].iter().position(|&c| c == b'\n' || c == b'\r').map_or(bytes.len(), |n| pos + n)
                }
                b'<' if bytes.get(pos + 1) == Some(&b'#') => match self.src[pos + 2..].find("#>") {
                    Some(n) => pos += 2 + n + 2,
                    None => {
                        self.pos = self.src.len();
                        return Err(self.incomplete_at(
                            pos,
                            "MissingEndOfBlockComment",
                            "Missing the closing '#>' of a block comment.",
                        ));
                    }
                },
                b'`' => {
                    // A backtick, optional blanks, then a newline: the line goes on.
                    let after = &self.src[pos + 1..];
                    let blanks = after.len() - after.trim_start_matches(is_blank).len();
                    let rest = &after[blanks..];
                    if rest.is_empty() {
                        return Err(self.incomplete_at(
                            self.src.len(),
                            "IncompleteContinuation",
                            "Line continuation at end of input.",
                        ));
                    }
                    // After blanks, a comment may stand between the backtick and the newline.
                    let comment = if blanks > 0 && rest.starts_with('#') {
                        rest.find(['\n', '\r']).unwrap_or(rest.len())
                    } else {
                        0
                    };
                    let rest = &rest[comment..];
                    let newline = if rest.starts_with("\r\n") {
                        2
                    } else if rest.starts_with(['\n', '\r']) {
                        1
                    } else {
                        0
                    };
                    if newline == 0 {
                        if comment > 0 && rest.is_empty() {
                            return Err(self.incomplete_at(
                                self.src.len(),
                                "IncompleteContinuation",
                                "Line continuation at end of input.",
                            ));
                        }
                        break;
                    }
                    pos += 1 + blanks + comment + newline;
                }
                b if b >= 0x80 => match char_at(self.src, pos) {
                    Some(c) if is_blank(c) => pos += c.len_utf8(),
                    _ => break,
                },
                _ => break,
            }
        }
        self.pos = pos;
        self.last_trivia = (start, what, pos);
        Ok(())
    }

    /// Whether the position is at a newline (or the end of a statement list).
    fn at_newline(&self) -> bool {
        matches!(self.byte(), b'\n' | b'\r')
    }

    // -----------------------------------------------------------------------------------------
    // Errors

    #[cold]
    fn error_at(&self, at: usize, len: usize, id: &'static str, message: impl Into<String>) -> ParseError {
        let at = at.min(self.src.len());
        Box::new(SyntaxError {
            id,
            message: message.into(),
            span: Span::new(at, (at + len).min(self.src.len())),
            incomplete: false,
        })
    }

    /// The input ended too early: more lines would complete it.
    #[cold]
    fn incomplete_at(&self, at: usize, id: &'static str, message: impl Into<String>) -> ParseError {
        let at = at.min(self.src.len());
        Box::new(SyntaxError { id, message: message.into(), span: Span::new(at, at), incomplete: true })
    }

    /// A missing token: incomplete at the end of input, an error (marking the token found)
    /// elsewhere.
    #[cold]
    fn missing(&self, id: &'static str, message: impl Into<String>) -> ParseError {
        if self.at_end() {
            self.incomplete_at(self.pos, id, message)
        } else {
            self.error_at(self.pos, self.token_len(), id, message)
        }
    }

    /// `Unexpected token 'x' in expression or statement.` at the position.
    #[cold]
    fn unexpected(&self) -> ParseError {
        if self.at_end() {
            return self.incomplete_at(self.pos, "IncompleteParse", "Incomplete input.");
        }
        let len = self.token_len();
        let token = &self.src[self.pos..self.pos + len];
        self.error_at(
            self.pos,
            len,
            "UnexpectedToken",
            format!("Unexpected token '{token}' in expression or statement."),
        )
    }

    /// Length in bytes of the token at the position, for error markers.
    fn token_len(&self) -> usize {
        let rest = self.rest();
        match rest.chars().next() {
            None => 0,
            Some(c) if super::chars::ends_bare_word(c) => c.len_utf8(),
            Some(_) => rest.find(super::chars::ends_bare_word).unwrap_or(rest.len()),
        }
    }
}

/// The bytes trivia can start with: blanks, newlines, `;`, `#`, `<#`, a backtick, and the
/// first byte of any non-ASCII character (a Unicode blank).
static STARTS_TRIVIA: [bool; 256] = byte_table(b" \t\x0B\x0C\n\r;#<`");

/// A table of the bytes in `bytes` and of every non-ASCII byte (where a character that needs
/// decoding begins), for scans that go a byte at a time over ASCII.
const fn byte_table(bytes: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0x80;
    while b < 256 {
        table[b] = true;
        b += 1;
    }
    let mut i = 0;
    while i < bytes.len() {
        table[bytes[i] as usize] = true;
        i += 1;
    }
    table
}

/// What a trivia scan skips besides blanks, comments and continuations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Skip {
    /// Stop at newlines (they end statements).
    Blanks,
    /// Newlines too.
    Newlines,
    /// Newlines and `;`.
    Separators,
}

/// The character at byte `pos` of `s`, decoding only when it is not ASCII.
#[inline]
fn char_at(s: &str, pos: usize) -> Option<char> {
    let b = *s.as_bytes().get(pos)?;
    if b < 0x80 { Some(b as char) } else { s.get(pos..)?.chars().next() }
}

/// Characters that end a generic token (PowerShell's `ForceStartNewToken`): blanks, newlines,
/// `& ( ) , ; { | }`.
fn ends_token(c: char) -> bool {
    matches!(c, '\n' | '\r' | '&' | '(' | ')' | ',' | ';' | '{' | '|' | '}') || is_blank(c)
}

/// The length of the run of ASCII letters at the start of `text`.
fn ascii_letters_len(text: &str) -> usize {
    text.bytes().position(|b| !b.is_ascii_alphabetic()).unwrap_or(text.len())
}

/// The ASCII bytes of an identifier: letters, digits and `_` (a table: one load a byte).
static IDENTIFIER_BYTES: [bool; 256] = ascii_table(b"_");

/// A table of the ASCII letters and digits and of the bytes in `extra`.
const fn ascii_table(extra: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 128 {
        table[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    let mut i = 0;
    while i < extra.len() {
        table[extra[i] as usize] = true;
        i += 1;
    }
    table
}

/// The length of the run of identifier characters (letters and digits of any script, `_`) at
/// the start of `text`: a byte loop over ASCII, characters only from the first non-ASCII one.
fn identifier_len(text: &str) -> usize {
    let ascii = text.bytes().position(|b| !IDENTIFIER_BYTES[b as usize]).unwrap_or(text.len());
    if text.as_bytes().get(ascii).is_some_and(|&b| b >= 0x80) {
        let rest = &text[ascii..];
        ascii + rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len())
    } else {
        ascii
    }
}

/// The case-insensitive keyword `word` at the start of `rest`, followed by the end of the
/// token.
fn keyword_at(rest: &str, word: &str) -> bool {
    let Some(head) = rest.get(..word.len()) else {
        return false;
    };
    head.eq_ignore_ascii_case(word) && rest[word.len()..].chars().next().is_none_or(ends_token)
}
