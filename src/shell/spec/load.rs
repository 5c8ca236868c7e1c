//! Strict loading of a spec file: unknown keys, unknown types and broken cross-references are
//! errors that point at a line and column of the file.

use std::fmt;

use super::model::{CmdletSpec, ParamType, ViewKind};

/// A spec that cannot be used, with where in which file and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    pub file: String,
    /// 1-based line and column, when the error has a place in the file.
    pub position: Option<(usize, usize)>,
    pub message: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, column)) => write!(f, "{}:{line}:{column}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for SpecError {}

/// Parses and checks the spec in `text`; `file` names it in errors.
pub fn load(file: &str, text: &str) -> Result<CmdletSpec, SpecError> {
    let spec: CmdletSpec = toml::from_str(text).map_err(|e| SpecError {
        file: file.to_string(),
        position: e.span().map(|span| line_column(text, span.start)),
        message: e.message().trim_end().to_string(),
    })?;
    check(&spec).map_err(|message| SpecError {
        file: file.to_string(),
        position: find_key(text, &message.key),
        message: message.text,
    })?;
    Ok(spec)
}

/// A semantic problem, and the text to look for to place it in the file.
struct Problem {
    key: String,
    text: String,
}

fn problem(key: &str, text: String) -> Problem {
    Problem { key: key.to_string(), text }
}

/// The rules TOML cannot express.
fn check(spec: &CmdletSpec) -> Result<(), Problem> {
    let Some((verb, noun)) = spec.name.split_once('-') else {
        return Err(problem(&spec.name, format!("name '{}' is not Verb-Noun", spec.name)));
    };
    if verb.is_empty() || noun.is_empty() {
        return Err(problem(&spec.name, format!("name '{}' is not Verb-Noun", spec.name)));
    }
    let mut seen: Vec<&str> = Vec::new();
    for p in &spec.parameters {
        for name in std::iter::once(&p.name).chain(&p.aliases) {
            if seen.iter().any(|s| s.eq_ignore_ascii_case(name)) {
                return Err(problem(name, format!("parameter name or alias '{name}' is used twice")));
            }
            seen.push(name);
        }
        if p.kind == ParamType::Enum && p.values.is_empty() {
            return Err(problem(&p.name, format!("parameter '{}' is an Enum without values", p.name)));
        }
        if p.is_switch() && p.position.is_some() {
            return Err(problem(&p.name, format!("switch '{}' cannot be positional", p.name)));
        }
        if !p.pipeline_types.is_empty() && p.pipeline.is_none() {
            return Err(problem(
                &p.name,
                format!("parameter '{}' has pipeline_types but does not take pipeline input (add pipeline)", p.name),
            ));
        }
        if let Some([low, high]) = p.range
            && low > high
        {
            return Err(problem(&p.name, format!("parameter '{}' has an empty range", p.name)));
        }
    }
    for set in spec.parameter_sets() {
        let mut positions: Vec<u32> =
            spec.parameters.iter().filter(|p| p.in_set(set)).filter_map(|p| p.position).collect();
        positions.sort_unstable();
        if positions.windows(2).any(|w| w[0] == w[1]) {
            return Err(problem("position", format!("two parameters share a position in parameter set '{set}'")));
        }
    }
    if let Some(view) = &spec.view {
        if view.kind == ViewKind::Table && view.columns.is_empty() {
            return Err(problem("columns", "a table view needs columns".into()));
        }
        if !view.widths.is_empty() && (view.kind != ViewKind::Table || view.widths.len() != view.columns.len()) {
            return Err(problem("widths", "a table view gives one width per column, or none".into()));
        }
        if spec.output_type.is_none() {
            return Err(problem("view", "a view needs an output_type to attach to".into()));
        }
    }
    if spec.examples.is_empty() {
        return Err(problem("name", "a cmdlet needs at least one example".into()));
    }
    Ok(())
}

/// 1-based line and column of byte `offset`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(before.len(), |nl| before.len() - nl - 1) + 1;
    (line, column)
}

/// Where `needle` first appears, to point a semantic error into the file.
fn find_key(text: &str, needle: &str) -> Option<(usize, usize)> {
    text.find(needle).map(|offset| line_column(text, offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
name = "Get-Thing"
synopsis = "Gets things."
description = "Gets things."

[[parameters]]
name = "Identity"
type = "String"
position = 0

[[examples]]
title = "Example 1"
command = "Get-Thing"
description = "Gets all things."
"#;

    #[test]
    fn loads_a_minimal_spec() {
        let spec = load("Get-Thing.toml", MINIMAL).expect("minimal spec loads");
        assert_eq!(spec.name, "Get-Thing");
        assert_eq!(spec.parameters[0].position, Some(0));
        assert_eq!(spec.default_parameter_set, "Default");
    }

    #[test]
    fn pipeline_types_need_pipeline_input() {
        let text = MINIMAL.replace("position = 0", "position = 0\npipeline_types = [\"MailboxDatabase\"]");
        let err = load("Get-Thing.toml", &text).expect_err("types without pipeline input is an error");
        assert!(err.message.contains("add pipeline"), "{}", err.message);
        let text = text.replace("position = 0", "position = 0\npipeline = \"ByValue\"");
        let spec = load("Get-Thing.toml", &text).expect("types with pipeline input load");
        assert!(
            spec.parameters[0]
                .takes_piped_type("Microsoft.Exchange.Data.Directory.SystemConfiguration.MailboxDatabase")
        );
        assert!(
            !spec.parameters[0].takes_piped_type("Microsoft.Exchange.Data.Directory.SystemConfiguration.StorageGroup")
        );
        assert!(!spec.parameters[0].takes_any_by_value());
    }

    #[test]
    fn rejects_an_unknown_key_with_its_line() {
        let text = MINIMAL.replace("position = 0", "positon = 0");
        let err = load("Get-Thing.toml", &text).expect_err("unknown key is an error");
        assert_eq!(err.position.map(|p| p.0), Some(9), "{err}");
        assert!(err.message.contains("positon"), "{err}");
        assert!(err.to_string().starts_with("Get-Thing.toml:9:"), "{err}");
    }

    #[test]
    fn rejects_an_unknown_type_with_its_line() {
        let text = MINIMAL.replace("type = \"String\"", "type = \"Strng\"");
        let err = load("Get-Thing.toml", &text).expect_err("unknown type is an error");
        assert_eq!(err.position.map(|p| p.0), Some(8), "{err}");
        assert!(err.message.contains("Strng"), "{err}");
    }

    #[test]
    fn rejects_duplicate_parameter_names_and_missing_examples() {
        let twice =
            MINIMAL.replace("[[examples]]", "[[parameters]]\nname = \"identity\"\ntype = \"String\"\n\n[[examples]]");
        let err = load("Get-Thing.toml", &twice).expect_err("duplicate name is an error");
        assert!(err.message.contains("used twice"), "{err}");
        let none = &MINIMAL[..MINIMAL.find("[[examples]]").unwrap_or(MINIMAL.len())];
        let err = load("Get-Thing.toml", none).expect_err("no example is an error");
        assert!(err.message.contains("example"), "{err}");
    }
}
