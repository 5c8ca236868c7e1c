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
use super::spec::{CmdletSpec, ParamType, ParameterSpec};
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
    pub identities: Identities,
}

/// The estate's identities by kind, so that a parameter is offered only values it takes.
#[derive(Debug, Clone, Default)]
pub struct Identities {
    /// Storage groups, as `SERVER\Name` and as `Name`.
    pub storage_groups: Vec<String>,
    /// Mailbox and public folder databases, both forms.
    pub databases: Vec<String>,
    /// Mailbox servers: clustered mailbox servers and the standalone Mailbox nodes.
    pub servers: Vec<String>,
    /// Every node of the lab.
    pub nodes: Vec<String>,
    /// Nodes that can take an SCR copy (a Mailbox node of a cluster with no clustered
    /// mailbox server).
    pub scr_nodes: Vec<String>,
    /// Nodes a clustered mailbox server can move to (its RedundantMachines).
    pub redundant_nodes: Vec<String>,
    pub clusters: Vec<String>,
    pub datacenters: Vec<String>,
}

impl Identities {
    /// Sorted, without repeats.
    pub fn tidy(&mut self) {
        for list in [
            &mut self.storage_groups,
            &mut self.databases,
            &mut self.servers,
            &mut self.nodes,
            &mut self.scr_nodes,
            &mut self.redundant_nodes,
            &mut self.clusters,
            &mut self.datacenters,
        ] {
            list.sort_by_key(|i| i.to_lowercase());
            list.dedup();
        }
    }

    /// What a parameter takes, when it takes an identity from the estate.
    fn for_parameter(&self, cmdlet: &str, parameter: &ParameterSpec) -> Option<&[String]> {
        let list = match parameter.kind {
            ParamType::StorageGroupIdParameter => &self.storage_groups,
            ParamType::DatabaseIdParameter => &self.databases,
            ParamType::ServerIdParameter | ParamType::MailboxServerIdParameter => &self.servers,
            ParamType::String | ParamType::StringArray => match parameter.name.as_str() {
                "StandbyMachine" => &self.scr_nodes,
                "TargetMachine" => &self.redundant_nodes,
                "Node" | "ComputerName" | "Between" | "Server" => &self.nodes,
                "Identity" if cmdlet.ends_with("-LabNode") => &self.nodes,
                "Cluster" => &self.clusters,
                "Datacenter" => &self.datacenters,
                _ => return None,
            },
            _ => return None,
        };
        Some(list)
    }

    /// Every identity, for a command whose parameters are not known (a function).
    fn all(&self) -> Vec<String> {
        let mut all: Vec<String> =
            [&self.storage_groups, &self.databases, &self.servers, &self.nodes, &self.clusters, &self.datacenters]
                .into_iter()
                .flatten()
                .cloned()
                .collect();
        all.sort_by_key(|i| i.to_lowercase());
        all.dedup();
        all
    }
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
struct PromptEditor(Editor<SecretMask, rustyline::history::DefaultHistory>);

/// Draws a secret being typed as one `*` a character, as PowerShell's console host does.
#[derive(Default, rustyline::Completer, rustyline::Helper, rustyline::Hinter, rustyline::Validator)]
struct SecretMask {
    masking: bool,
}

impl Highlighter for SecretMask {
    fn highlight<'l>(&self, line: &'l str, _: usize) -> Cow<'l, str> {
        if self.masking { Cow::Owned("*".repeat(line.chars().count())) } else { Cow::Borrowed(line) }
    }

    fn highlight_char(&self, _: &str, _: usize, kind: CmdKind) -> bool {
        self.masking && kind != CmdKind::MoveCursor
    }
}

impl PromptEditor {
    fn answer(&mut self, prompt: &str) -> PromptAnswer {
        match self.0.readline(prompt) {
            Ok(line) => PromptAnswer::Line(line),
            Err(ReadlineError::Interrupted) => PromptAnswer::Interrupted,
            Err(_) => PromptAnswer::Closed,
        }
    }
}

impl TerminalPrompt for PromptEditor {
    fn read(&mut self, prompt: &str) -> PromptAnswer {
        self.answer(prompt)
    }

    fn read_secret(&mut self, prompt: &str) -> PromptAnswer {
        use rustyline::config::Configurer as _;
        let set_masking = |editor: &mut Self, on: bool| {
            if let Some(mask) = editor.0.helper_mut() {
                mask.masking = on;
            }
            // The mask is drawn as colouring is: forced on while a secret is typed.
            editor.0.set_color_mode(if on { rustyline::ColorMode::Forced } else { rustyline::ColorMode::Enabled });
        };
        set_masking(self, true);
        let answer = self.answer(prompt);
        set_masking(self, false);
        answer
    }
}

/// A prompt editor for a session at a terminal, or `None` when one cannot be set up.
pub fn terminal_prompt() -> Option<Box<dyn TerminalPrompt>> {
    let mut editor = Editor::new().ok()?;
    editor.set_helper(Some(SecretMask::default()));
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
    let start = word_start(before);
    let word = &before[start..];
    let segment_start = before[..start].rfind(['|', ';', '{', '(']).map_or(0, |i| i + 1);
    let segment = &before[segment_start..start];
    let registry = Registry::global();
    let pairs =
        |candidates: Vec<String>| candidates.into_iter().map(|c| Pair { display: c.clone(), replacement: c }).collect();

    if let Some(typed) = word.strip_prefix('$') {
        let mut names: Vec<String> =
            words.variables.iter().filter(|v| starts_with_ignore_case(v, typed)).map(|v| format!("${v}")).collect();
        names.sort_by_key(|n| n.to_lowercase());
        names.dedup();
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
    let tokens = tokens(segment);
    let command = tokens.first().copied().unwrap_or("");
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
        // A completed parameter name is followed by a space, ready for its value.
        let candidates = names
            .into_iter()
            .filter(|n| starts_with_ignore_case(n, typed))
            .map(|n| Pair { display: format!("-{n}"), replacement: format!("-{n} ") })
            .collect();
        return (start, candidates);
    }
    let Some(spec) = spec else {
        // A function or an unknown command: any identity.
        return (start, identities(word, &words.identities.all()));
    };
    // The parameter this word is the value of: after `-Name `, else the next positional one.
    let previous = tokens.last().copied().unwrap_or("");
    let named = previous.chars().next().filter(|c| chars::is_dash(*c)).map(|dash| &previous[dash.len_utf8()..]);
    let parameter = match named {
        Some(typed) if !typed.is_empty() => spec.parameters.iter().find(|p| starts_with_ignore_case(&p.name, typed)),
        Some(_) => None,
        None => positional(spec, &tokens[1..]),
    };
    if let Some(typed) = named
        && parameter.is_none()
        && ["ErrorAction", "WarningAction", "InformationAction"]
            .iter()
            .any(|n| starts_with_ignore_case(n, typed) || typed.eq_ignore_ascii_case(&n[..1]))
    {
        let mut values: Vec<String> =
            ACTION_PREFERENCES.iter().map(|v| v.to_string()).filter(|v| starts_with_ignore_case(v, word)).collect();
        values.sort();
        return (start, pairs(values));
    }
    let Some(parameter) = parameter else { return (start, Vec::new()) };
    if parameter.kind == ParamType::Enum || !parameter.values.is_empty() || !parameter.suggestions.is_empty() {
        let offered = if parameter.values.is_empty() { &parameter.suggestions } else { &parameter.values };
        let mut values: Vec<String> = offered.iter().filter(|v| starts_with_ignore_case(v, word)).cloned().collect();
        values.sort();
        return (start, pairs(values));
    }
    match words.identities.for_parameter(&spec.name, parameter) {
        Some(list) => (start, identities(word, list)),
        None => (start, Vec::new()),
    }
}

/// Identities that start with `word` (after any opening quote), quoted as needed: the user's
/// quote is kept and closed; an identity with a blank gets single quotes.
fn identities(word: &str, list: &[String]) -> Vec<Pair> {
    let quote = word.chars().next().filter(|c| chars::is_single_quote(*c) || chars::is_double_quote(*c));
    let bare = quote.map_or(word, |q| &word[q.len_utf8()..]);
    list.iter()
        .filter(|id| starts_with_ignore_case(id, bare))
        .map(|id| {
            let replacement = match quote {
                Some(q) if chars::is_double_quote(q) => format!("\"{id}\""),
                Some(_) => format!("'{id}'"),
                None if id.chars().any(chars::is_blank) => format!("'{id}'"),
                None => id.clone(),
            };
            Pair { display: id.clone(), replacement }
        })
        .collect()
}

/// Whether `c` closes a string opened with `open` (any quote of the same class).
fn closes(open: char, c: char) -> bool {
    if chars::is_single_quote(open) { chars::is_single_quote(c) } else { chars::is_double_quote(c) }
}

fn is_quote(c: char) -> bool {
    chars::is_single_quote(c) || chars::is_double_quote(c)
}

/// Where the word under the cursor starts: after the last blank or separator that is not
/// inside a quoted string (so `'CCREX01\First St` is one word).
fn word_start(before: &str) -> usize {
    let mut start = 0;
    let mut quote: Option<char> = None;
    for (i, c) in before.char_indices() {
        match quote {
            Some(open) if closes(open, c) => quote = None,
            Some(_) => {}
            None if is_quote(c) => quote = Some(c),
            None if chars::is_blank(c) || matches!(c, '|' | ';' | '(' | '{' | ',') => start = i + c.len_utf8(),
            None => {}
        }
    }
    start
}

/// The words of a command segment, quoted strings kept whole.
fn tokens(segment: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut rest = segment;
    loop {
        rest = rest.trim_start_matches(chars::is_blank);
        if rest.is_empty() {
            return tokens;
        }
        let mut end = rest.len();
        let mut quote: Option<char> = None;
        for (i, c) in rest.char_indices() {
            match quote {
                Some(open) if closes(open, c) => quote = None,
                Some(_) => {}
                None if is_quote(c) => quote = Some(c),
                None if chars::is_blank(c) => {
                    end = i;
                    break;
                }
                None => {}
            }
        }
        tokens.push(&rest[..end]);
        rest = &rest[end..];
    }
}

/// The positional parameter the next argument binds to, after `arguments` (the words after
/// the command name): each `-Name value` pair and switch is skipped, each other word takes the
/// next position.
fn positional<'a>(spec: &'a CmdletSpec, arguments: &[&str]) -> Option<&'a ParameterSpec> {
    let mut taken = 0;
    let mut words = arguments.iter();
    while let Some(word) = words.next() {
        match word.chars().next().filter(|c| chars::is_dash(*c)) {
            Some(dash) => {
                let name = word[dash.len_utf8()..].split(':').next().unwrap_or("");
                let takes_value = !word.contains(':')
                    && spec
                        .parameters
                        .iter()
                        .find(|p| starts_with_ignore_case(&p.name, name))
                        .is_some_and(|p| !p.is_switch());
                if takes_value {
                    words.next();
                }
            }
            None => taken += 1,
        }
    }
    let mut positional: Vec<&ParameterSpec> = spec.parameters.iter().filter(|p| p.position.is_some()).collect();
    positional.sort_by_key(|p| p.position);
    positional.dedup_by_key(|p| p.position);
    positional.get(taken).copied()
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

    fn words() -> Words {
        let mut identities = Identities {
            storage_groups: vec!["CCREX01\\First Storage Group".into(), "First Storage Group".into()],
            databases: vec!["CCREX01\\First Storage Group\\Mailbox Database".into(), "Mailbox Database".into()],
            servers: vec!["CCREX01".into(), "NH-W2K3-SRV01".into(), "NH-W2K3-SRV05".into()],
            nodes: ["NH-W2K3-SRV01", "NH-W2K3-SRV03", "NH-W2K3-SRV04", "NH-W2K3-SRV05"].map(String::from).to_vec(),
            scr_nodes: vec!["NH-W2K3-SRV01".into(), "NH-W2K3-SRV05".into()],
            redundant_nodes: vec!["NH-W2K3-SRV03".into(), "NH-W2K3-SRV04".into()],
            clusters: vec!["E2K7CLU01".into()],
            datacenters: vec!["Production".into()],
        };
        identities.tidy();
        Words {
            variables: vec!["Target".into(), "ErrorActionPreference".into()],
            functions: vec!["Get-Lagging".into()],
            identities,
        }
    }

    fn replacements(line: &str) -> Vec<String> {
        complete(line, line.len(), &words()).1.into_iter().map(|p| p.replacement).collect()
    }

    #[test]
    fn completes_cmdlet_alias_and_function_names() {
        assert_eq!(replacements("Get-Clustere"), ["Get-ClusteredMailboxServerStatus"]);
        assert_eq!(replacements("Get-ClusterG"), ["Get-ClusterGroup"]);
        assert_eq!(replacements("get-storagegroupc"), ["Get-StorageGroupCopyStatus"]);
        assert_eq!(replacements("Get-StorageGroup | format-t"), ["Format-Table"]);
        assert_eq!(replacements("Get-Lagg"), ["Get-Lagging"]);
        assert_eq!(replacements("Get-La"), ["Get-LabMailStatistics", "Get-LabNode", "Get-Lagging"]);
        assert_eq!(replacements("Get-StorageGroup | sel"), ["select", "Select-Object", "Select-String"]);
    }

    #[test]
    fn completes_parameters_including_common_ones_followed_by_a_space() {
        assert_eq!(replacements("Get-StorageGroupCopyStatus -St"), ["-StandbyMachine "]);
        assert_eq!(replacements("Get-StorageGroupCopyStatus x –Se"), ["-Server "]);
        assert_eq!(replacements("Get-StorageGroup -ErrorA"), ["-ErrorAction "]);
        assert!(replacements("Get-Nothing -I").is_empty());
        let shown: Vec<String> =
            complete("Get-StorageGroupCopyStatus -S", 29, &words()).1.into_iter().map(|p| p.display).collect();
        assert_eq!(shown, ["-Server", "-StandbyMachine"], "the list shows the names alone");
    }

    #[test]
    fn completes_values_and_variables_in_their_case() {
        assert_eq!(replacements("Write-Host x -ForegroundColor Gr"), ["Gray", "Green"]);
        assert_eq!(replacements("Get-StorageGroup -ErrorAction S"), ["SilentlyContinue", "Stop", "Suspend"]);
        assert_eq!(replacements("\"$Tar"), Vec::<String>::new(), "inside a string the word starts at the quote");
        assert_eq!(replacements("Write-Output $Tar"), ["$Target"]);
        assert_eq!(replacements("Write-Output $erroract"), ["$ErrorActionPreference"]);
    }

    #[test]
    fn identities_are_those_the_parameter_takes() {
        // -Server: mailbox servers; -StandbyMachine: nodes that can take an SCR copy.
        assert_eq!(replacements("Get-StorageGroupCopyStatus -Server "), ["CCREX01", "NH-W2K3-SRV01", "NH-W2K3-SRV05"]);
        assert_eq!(replacements("Enable-StorageGroupCopy x -StandbyMachine NH"), ["NH-W2K3-SRV01", "NH-W2K3-SRV05"]);
        assert_eq!(
            replacements("Move-ClusteredMailboxServer CCREX01 -TargetMachine "),
            ["NH-W2K3-SRV03", "NH-W2K3-SRV04"]
        );
        // The first positional argument of a storage-group cmdlet: storage groups only.
        assert_eq!(replacements("Get-StorageGroupCopyStatus ccrex01\\F"), ["'CCREX01\\First Storage Group'"]);
        assert_eq!(replacements("Suspend-StorageGroupCopy CC"), ["'CCREX01\\First Storage Group'"]);
        assert_eq!(replacements("Get-ClusteredMailboxServerStatus 'CC"), ["'CCREX01'"]);
        assert_eq!(
            replacements("Stop-LabNode NH-W2K3-SRV0"),
            ["NH-W2K3-SRV01", "NH-W2K3-SRV03", "NH-W2K3-SRV04", "NH-W2K3-SRV05"]
        );
        // After the positional argument and -Confirm:$false, nothing positional is left.
        assert!(replacements("Dismount-Database 'Mailbox Database' -Confirm:$false ").is_empty());
        // A parameter that takes free text offers no identities.
        assert!(replacements("Move-ClusteredMailboxServer CCREX01 -MoveComment ").is_empty());
    }

    #[test]
    fn quotes_are_closed_and_a_quoted_word_with_blanks_is_one_word() {
        assert_eq!(replacements("Get-StorageGroupCopyStatus 'CCREX01\\First St"), ["'CCREX01\\First Storage Group'"]);
        assert_eq!(replacements("Get-StorageGroupCopyStatus \"First"), ["\"First Storage Group\""]);
        assert_eq!(replacements("Mount-Database Mail"), ["'Mailbox Database'"]);
        assert_eq!(
            replacements("Get-StorageGroup 'CCREX01\\First Storage Group' | Get-StorageGroupCopyStatus -Serv"),
            ["-Server "]
        );
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
