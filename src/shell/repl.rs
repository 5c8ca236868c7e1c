//! The interactive prompt: rustyline with persistent history (lines with secrets are never
//! saved), `>> ` continuation lines while the parser says the input is incomplete, Ctrl-R
//! search and history hints, syntax colouring, and tab completion of cmdlet names, parameter
//! names, enum values, variables, and the estate's identities.
//!
//! Must not: run anything itself; every complete input goes to [`Session::run`]. Colour comes
//! from `render`.

use std::borrow::Cow;
use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;

use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::{Hinter, HistoryHinter};
use rustyline::history::FileHistory;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{CompletionType, Config, Context, Editor, Helper};

use super::bind::ACTION_PREFERENCES;
use super::cmdlets::{Registry, aliases};
use super::render::{self, TokenKind};
use super::session::{PromptAnswer, Session, SourceName, TerminalPrompt};
use super::spec::ParamType;
use super::syntax::{self, chars};

/// The prompt, as pwsh's default without a location.
pub const PROMPT: &str = "PS> ";

/// The prompt of a continuation line.
pub const CONTINUATION_PROMPT: &str = ">> ";

/// Words that keep a line out of the history file, as PSReadLine does.
const SENSITIVE: [&str; 5] = ["password", "asplaintext", "token", "apikey", "secret"];

/// The common parameters every cmdlet takes, for completion.
const COMMON_PARAMETERS: [&str; 11] = [
    "Verbose",
    "Debug",
    "ErrorAction",
    "WarningAction",
    "InformationAction",
    "ErrorVariable",
    "WarningVariable",
    "InformationVariable",
    "OutVariable",
    "OutBuffer",
    "PipelineVariable",
];

/// Words the completer offers besides cmdlets and parameters: variables and functions of the
/// session, and identities from the estate. Refreshed after every command.
#[derive(Debug, Clone, Default)]
pub struct Words {
    pub variables: Vec<String>,
    pub functions: Vec<String>,
    pub identities: Vec<String>,
}

/// Runs the prompt until `exit` or end of input; returns the exit code.
pub fn run(session: &mut Session, history: Option<PathBuf>) -> i32 {
    let config = match Config::builder().max_history_size(10_000) {
        Ok(builder) => builder.completion_type(CompletionType::List).auto_add_history(false).build(),
        Err(_) => Config::default(),
    };
    let mut editor: Editor<ShellHelper, FileHistory> = match Editor::with_config(config) {
        Ok(editor) => editor,
        Err(e) => {
            eprintln!("ccrsh: the prompt could not start: {e}");
            return 1;
        }
    };
    let words = Rc::new(RefCell::new(session.completion_words()));
    editor.set_helper(Some(ShellHelper { words: words.clone(), hinter: HistoryHinter::new() }));
    if let Some(path) = &history {
        let _ = editor.load_history(path);
    }
    loop {
        let mut text = match editor.readline(&session.prompt()) {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => return 0,
            Err(e) => {
                eprintln!("ccrsh: could not read the prompt: {e}");
                return 1;
            }
        };
        // An open quote, brace or trailing pipe: read `>> ` lines until the input is whole.
        while syntax::is_incomplete(&text) {
            match editor.readline(CONTINUATION_PROMPT) {
                Ok(more) => {
                    text.push('\n');
                    text.push_str(&more);
                }
                Err(ReadlineError::Interrupted) => {
                    text.clear();
                    break;
                }
                Err(_) => break,
            }
        }
        if text.trim().is_empty() {
            continue;
        }
        remember(&mut editor, &text, history.as_ref());
        if let Some(code) = session.run(&text, &SourceName::Command).exit {
            return code;
        }
        *words.borrow_mut() = session.completion_words();
    }
}

/// The editor for prompts inside a command (Confirm, mandatory parameters, Read-Host) at a
/// terminal: a plain line editor, without history or completion, that sees Ctrl+C as a key.
struct PromptEditor(rustyline::DefaultEditor);

impl TerminalPrompt for PromptEditor {
    fn read(&mut self, prompt: &str) -> PromptAnswer {
        match self.0.readline(prompt) {
            Ok(line) => PromptAnswer::Line(line),
            Err(ReadlineError::Interrupted) => PromptAnswer::Interrupted,
            Err(_) => PromptAnswer::Closed,
        }
    }
}

/// A prompt editor for a session at a terminal, or `None` when one cannot be set up.
pub fn terminal_prompt() -> Option<Box<dyn TerminalPrompt>> {
    let editor = rustyline::DefaultEditor::new().ok()?;
    Some(Box::new(PromptEditor(editor)))
}

/// Adds an input to the history (and its file) unless it looks like it holds a secret.
fn remember(editor: &mut Editor<ShellHelper, FileHistory>, text: &str, file: Option<&PathBuf>) {
    let lower = text.to_lowercase();
    if SENSITIVE.iter().any(|w| lower.contains(w)) {
        return;
    }
    let _ = editor.add_history_entry(text);
    if let Some(path) = file {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = editor.append_history(path);
    }
}

/// Completion, hints, colouring and validation for the prompt.
pub struct ShellHelper {
    words: Rc<RefCell<Words>>,
    hinter: HistoryHinter,
}

impl Helper for ShellHelper {}

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(&self, line: &str, pos: usize, _: &Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        Ok(complete(line, pos, &self.words.borrow()))
    }
}

impl Hinter for ShellHelper {
    type Hint = String;

    fn hint(&self, line: &str, pos: usize, ctx: &Context<'_>) -> Option<String> {
        self.hinter.hint(line, pos, ctx)
    }
}

impl Highlighter for ShellHelper {
    fn highlight<'l>(&self, line: &'l str, _: usize) -> Cow<'l, str> {
        Cow::Owned(render::paint_tokens(line, &classify(line)))
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        Cow::Owned(render::paint_tokens(hint, &[(0..hint.len(), TokenKind::Hint)]))
    }

    fn highlight_char(&self, _: &str, _: usize, _: CmdKind) -> bool {
        true
    }
}

impl Validator for ShellHelper {
    fn validate(&self, _: &mut ValidationContext<'_>) -> rustyline::Result<ValidationResult> {
        // Incomplete input is continued with `>> ` lines by the loop above.
        Ok(ValidationResult::Valid(None))
    }
}

/// Splits a line into coloured tokens: commands, parameters, strings, variables, numbers,
/// comments. Tolerant: half-typed input is coloured as far as it goes.
pub fn classify(line: &str) -> Vec<(std::ops::Range<usize>, TokenKind)> {
    let mut tokens = Vec::new();
    let mut command_position = true;
    let mut i = 0;
    while i < line.len() {
        let rest = &line[i..];
        let Some(c) = rest.chars().next() else { break };
        if chars::is_blank(c) {
            i += c.len_utf8();
            continue;
        }
        if matches!(c, '|' | ';' | '(' | '{' | '}' | ')') || chars::is_newline(c) {
            command_position = c != ')' && c != '}';
            i += c.len_utf8();
            continue;
        }
        let (len, kind) = if c == '#' {
            (rest.len(), TokenKind::Comment)
        } else if chars::is_single_quote(c) || chars::is_double_quote(c) {
            let single = chars::is_single_quote(c);
            let end = rest[c.len_utf8()..]
                .char_indices()
                .find(|(_, q)| if single { chars::is_single_quote(*q) } else { chars::is_double_quote(*q) })
                .map_or(rest.len(), |(n, q)| c.len_utf8() + n + q.len_utf8());
            (end, TokenKind::String)
        } else {
            let end = rest.find(|x: char| chars::ends_bare_word(x)).unwrap_or(rest.len()).max(c.len_utf8());
            let word = &rest[..end];
            let kind = if c == '$' {
                TokenKind::Variable
            } else if chars::is_dash(c) && word.len() > c.len_utf8() && !command_position {
                if word[c.len_utf8()..].starts_with(|d: char| d.is_ascii_digit()) {
                    TokenKind::Number
                } else {
                    TokenKind::Parameter
                }
            } else if word.starts_with(|d: char| d.is_ascii_digit()) {
                TokenKind::Number
            } else if command_position {
                TokenKind::Command
            } else {
                TokenKind::Argument
            };
            (end, kind)
        };
        tokens.push((i..i + len, kind));
        if kind != TokenKind::Comment {
            command_position = false;
        }
        i += len;
    }
    tokens
}

/// Completions for the word that ends at `pos`: cmdlet, alias and function names where a
/// command starts; parameter names after a dash; an enum parameter's values after it;
/// variables after `$`; otherwise the estate's identities (quoted when they hold spaces).
pub fn complete(line: &str, pos: usize, words: &Words) -> (usize, Vec<Pair>) {
    let before = &line[..pos.min(line.len())];
    let start = before
        .char_indices()
        .rev()
        .find(|(_, c)| chars::is_blank(*c) || matches!(c, '|' | ';' | '(' | '{' | ','))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let word = &before[start..];
    let segment_start = before.rfind(['|', ';', '{', '(']).map_or(0, |i| i + 1);
    let segment = &before[segment_start..start];
    let registry = Registry::global();
    let pairs =
        |candidates: Vec<String>| candidates.into_iter().map(|c| Pair { display: c.clone(), replacement: c }).collect();

    if let Some(typed) = word.strip_prefix('$') {
        let mut names: Vec<String> =
            words.variables.iter().filter(|v| starts_with_ignore_case(v, typed)).map(|v| format!("${v}")).collect();
        names.sort();
        return (start, pairs(names));
    }
    if segment.trim().is_empty() {
        let mut names: Vec<String> = registry
            .names()
            .map(str::to_string)
            .chain(aliases().iter().map(|(a, _)| a.to_string()))
            .chain(words.functions.iter().cloned())
            .filter(|n| starts_with_ignore_case(n, word))
            .collect();
        names.sort_by_key(|n| n.to_lowercase());
        names.dedup();
        return (start, pairs(names));
    }
    let command = segment.split(chars::is_blank).find(|w| !w.is_empty()).unwrap_or("");
    let command = super::cmdlets::resolve_alias(command).unwrap_or(command);
    let spec = registry.find(command).and_then(Result::ok).map(|f| f.spec);
    if let Some(dash) = word.chars().next().filter(|c| chars::is_dash(*c)) {
        let typed = &word[dash.len_utf8()..];
        let Some(spec) = spec else { return (start, Vec::new()) };
        let mut names: Vec<&str> = spec.parameters.iter().map(|p| p.name.as_str()).collect();
        names.extend(COMMON_PARAMETERS);
        if spec.supports_should_process() {
            names.extend(["WhatIf", "Confirm"]);
        }
        let candidates =
            names.into_iter().filter(|n| starts_with_ignore_case(n, typed)).map(|n| format!("-{n}")).collect();
        return (start, pairs(candidates));
    }
    // After `-Name `: that parameter's allowed values.
    let previous = segment.split(chars::is_blank).rfind(|w| !w.is_empty()).unwrap_or("");
    if let (Some(spec), Some(dash)) = (spec, previous.chars().next().filter(|c| chars::is_dash(*c))) {
        let typed_name = &previous[dash.len_utf8()..];
        let values: Vec<String> = match spec.parameters.iter().find(|p| starts_with_ignore_case(&p.name, typed_name)) {
            Some(p) if p.kind == ParamType::Enum || !p.values.is_empty() => p.values.clone(),
            Some(_) => Vec::new(),
            None if ["ErrorAction", "WarningAction", "InformationAction"]
                .iter()
                .any(|n| starts_with_ignore_case(n, typed_name) || typed_name.eq_ignore_ascii_case(&n[..1])) =>
            {
                ACTION_PREFERENCES.iter().map(|v| v.to_string()).collect()
            }
            None => Vec::new(),
        };
        if !values.is_empty() {
            let mut values: Vec<String> = values.into_iter().filter(|v| starts_with_ignore_case(v, word)).collect();
            values.sort();
            return (start, pairs(values));
        }
    }
    // Otherwise an identity from the estate.
    let bare = word.trim_start_matches(|c: char| chars::is_single_quote(c) || chars::is_double_quote(c));
    let candidates = words
        .identities
        .iter()
        .filter(|id| starts_with_ignore_case(id, bare))
        .map(|id| if id.contains(' ') { format!("'{id}'") } else { id.clone() })
        .collect();
    (start, pairs(candidates))
}

fn starts_with_ignore_case(name: &str, prefix: &str) -> bool {
    name.get(..prefix.len()).is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// The history file: `$XDG_DATA_HOME/ccrsh/history.txt`.
pub fn history_path() -> Option<PathBuf> {
    super::data_dir().map(|d| d.join("history.txt"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replacements(line: &str) -> Vec<String> {
        let words = Words {
            variables: vec!["Target".into(), "ErrorActionPreference".into()],
            functions: vec!["Get-Lagging".into()],
            identities: vec!["CCREX01".into(), "CCREX01\\First Storage Group".into(), "NH-W2K3-SRV04".into()],
        };
        complete(line, line.len(), &words).1.into_iter().map(|p| p.replacement).collect()
    }

    #[test]
    fn completes_cmdlet_alias_and_function_names() {
        assert_eq!(replacements("Get-Clustere"), ["Get-ClusteredMailboxServerStatus"]);
        assert_eq!(replacements("Get-ClusterG"), ["Get-ClusterGroup"]);
        assert_eq!(replacements("get-storagegroupc"), ["Get-StorageGroupCopyStatus"]);
        assert_eq!(replacements("Get-StorageGroup | format-t"), ["Format-Table"]);
        assert_eq!(replacements("Get-Lagg"), ["Get-Lagging"]);
        assert_eq!(replacements("Get-La"), ["Get-LabMailStatistics", "Get-LabNode", "Get-Lagging"]);
        assert_eq!(replacements("Get-StorageGroup | sel"), ["select", "Select-Object"]);
    }

    #[test]
    fn completes_parameters_including_common_ones() {
        assert_eq!(replacements("Get-StorageGroupCopyStatus -St"), ["-StandbyMachine"]);
        assert_eq!(replacements("Get-StorageGroupCopyStatus x –Se"), ["-Server"]);
        assert_eq!(replacements("Get-StorageGroup -ErrorA"), ["-ErrorAction"]);
        assert!(replacements("Get-Nothing -I").is_empty());
    }

    #[test]
    fn completes_values_variables_and_identities() {
        assert_eq!(replacements("Write-Host x -ForegroundColor Gr"), ["Gray", "Green"]);
        assert_eq!(replacements("Get-StorageGroup -ErrorAction S"), ["SilentlyContinue", "Stop", "Suspend"]);
        assert_eq!(replacements("\"$Tar"), Vec::<String>::new(), "inside a string the word starts at the quote");
        assert_eq!(replacements("Write-Output $Tar"), ["$Target"]);
        assert_eq!(replacements("Get-StorageGroupCopyStatus ccrex01\\F"), ["'CCREX01\\First Storage Group'"]);
        assert_eq!(replacements("Get-ClusteredMailboxServerStatus 'CC"), ["CCREX01", "'CCREX01\\First Storage Group'"]);
    }

    #[test]
    fn classifies_tokens_for_colour() {
        let line = "Get-StorageGroup -Server $s 'x' 5 # note";
        let kinds: Vec<TokenKind> = classify(line).into_iter().map(|(_, k)| k).collect();
        assert_eq!(
            kinds,
            [
                TokenKind::Command,
                TokenKind::Parameter,
                TokenKind::Variable,
                TokenKind::String,
                TokenKind::Number,
                TokenKind::Comment
            ]
        );
        let spans: Vec<&str> = classify("a | b").into_iter().map(|(r, _)| &"a | b"[r]).collect();
        assert_eq!(spans, ["a", "b"]);
    }
}
