//! The interactive prompt: rustyline with persistent history, tab completion of cmdlet and
//! parameter names from the registry, and multi-line input when a line is incomplete (the
//! validator asks the real parser).
//!
//! Must not: run anything itself; every line goes to [`Session::run`].

use std::path::PathBuf;

use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{CompletionType, Config, Context, Editor, Helper, Highlighter, Hinter};

use super::cmdlets::Registry;
use super::session::{Session, SourceName};
use super::syntax::{self, chars};

/// The prompt, as pwsh's default without a location.
pub const PROMPT: &str = "PS> ";

/// Words that keep a line out of the history file, as PSReadLine does.
const SENSITIVE: [&str; 5] = ["password", "asplaintext", "token", "apikey", "secret"];

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
    editor.set_helper(Some(ShellHelper));
    if let Some(path) = &history {
        let _ = editor.load_history(path);
    }
    loop {
        match editor.readline(PROMPT) {
            Ok(line) => {
                if line.trim().is_empty() {
                    continue;
                }
                let lower = line.to_lowercase();
                if !SENSITIVE.iter().any(|w| lower.contains(w)) {
                    let _ = editor.add_history_entry(line.as_str());
                    if let Some(path) = &history {
                        if let Some(dir) = path.parent() {
                            let _ = std::fs::create_dir_all(dir);
                        }
                        let _ = editor.append_history(path);
                    }
                }
                if let Some(code) = session.run(&line, &SourceName::Command).exit {
                    return code;
                }
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => return 0,
            Err(e) => {
                eprintln!("ccrsh: could not read the prompt: {e}");
                return 1;
            }
        }
    }
}

/// Completion and validation for the prompt.
#[derive(Helper, Hinter, Highlighter)]
pub struct ShellHelper;

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(&self, line: &str, pos: usize, _: &Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        Ok(complete(line, pos))
    }
}

impl Validator for ShellHelper {
    fn validate(&self, ctx: &mut ValidationContext<'_>) -> rustyline::Result<ValidationResult> {
        Ok(if syntax::is_incomplete(ctx.input()) {
            ValidationResult::Incomplete
        } else {
            ValidationResult::Valid(None)
        })
    }
}

/// Completions for the word that ends at `pos`: cmdlet names where a command starts,
/// parameter names after a dash.
pub fn complete(line: &str, pos: usize) -> (usize, Vec<Pair>) {
    let before = &line[..pos.min(line.len())];
    let start = before
        .char_indices()
        .rev()
        .find(|(_, c)| chars::is_blank(*c) || matches!(c, '|' | ';' | '(' | '{'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let word = &before[start..];
    let segment_start = before.rfind(['|', ';']).map_or(0, |i| i + 1);
    let segment = &before[segment_start..start];
    let registry = Registry::global();
    if segment.trim().is_empty() {
        let candidates = registry
            .names()
            .filter(|n| starts_with_ignore_case(n, word))
            .map(|n| Pair { display: n.to_string(), replacement: n.to_string() })
            .collect();
        return (start, candidates);
    }
    let Some(dash) = word.chars().next().filter(|c| chars::is_dash(*c)) else {
        return (start, Vec::new());
    };
    let typed = &word[dash.len_utf8()..];
    let command = segment.split(|c: char| chars::is_blank(c)).find(|w| !w.is_empty()).unwrap_or("");
    let Some(Ok(found)) = registry.find(command) else {
        return (start, Vec::new());
    };
    let candidates = found
        .spec
        .parameters
        .iter()
        .filter(|p| starts_with_ignore_case(&p.name, typed))
        .map(|p| Pair { display: format!("-{}", p.name), replacement: format!("-{}", p.name) })
        .collect();
    (start, candidates)
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
    use super::complete;

    fn replacements(line: &str) -> Vec<String> {
        complete(line, line.len()).1.into_iter().map(|p| p.replacement).collect()
    }

    #[test]
    fn completes_cmdlet_names_case_insensitively() {
        assert_eq!(replacements("Get-Cl"), ["Get-ClusteredMailboxServerStatus"]);
        assert_eq!(replacements("get-storagegroupc"), ["Get-StorageGroupCopyStatus"]);
        assert_eq!(replacements("Get-StorageGroup | format-t"), ["Format-Table"]);
    }

    #[test]
    fn completes_parameters_of_the_current_command() {
        assert_eq!(replacements("Get-StorageGroupCopyStatus -St"), ["-StandbyMachine"]);
        assert_eq!(replacements("Get-StorageGroupCopyStatus x –Se"), ["-Server"]);
        assert!(replacements("Get-Nothing -I").is_empty());
    }
}
