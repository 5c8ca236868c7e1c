//! Fuzz target: the shell's parser (`shell::syntax::parse`) and its incomplete-input check on
//! any text. A script is user data: whatever it holds, the parser answers with a syntax tree or
//! a `SyntaxError`, never a panic, a stack overflow or a hang.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = ccrsh::shell::syntax::parse(text);
    let _ = ccrsh::shell::syntax::is_incomplete(text);
});
