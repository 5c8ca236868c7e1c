//! The cmdlet specs as a whole: every spec file has an implementation and every
//! implementation a spec; every example runs against a fresh seed lab; `docs/cmdlets/` is
//! generated from the specs (run with `UPDATE_DOCS=1` to rewrite it).

use std::collections::BTreeSet;
use std::path::Path;

use ccrsh::shell::cmdlets::{CMDLETS, Registry};
use ccrsh::shell::{help, spec};

use crate::support::{Home, finish};

fn spec_files() -> BTreeSet<String> {
    std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("cmdlets"))
        .expect("cmdlets/ exists")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn every_spec_has_an_implementation_and_every_implementation_a_spec() {
    let files = spec_files();
    let registered: BTreeSet<String> = CMDLETS.iter().map(|e| e.spec_file.to_string()).collect();
    assert_eq!(files, registered, "cmdlets/*.toml and the CMDLETS table must list the same cmdlets");
    for entry in CMDLETS {
        assert_eq!(entry.spec_file, format!("{}.toml", entry.name), "file name follows the cmdlet name");
        let spec = spec::load(entry.spec_file, entry.spec_text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(spec.name, entry.name, "{}", entry.spec_file);
    }
    let names: Vec<&str> = CMDLETS.iter().map(|e| e.name).collect();
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(names, sorted, "CMDLETS is alphabetical");
}

#[test]
fn specs_follow_the_house_rules() {
    let all = Registry::global().all().unwrap_or_else(|e| panic!("{e}"));
    for found in &all {
        let spec = found.spec;
        assert!(spec.synopsis.ends_with('.'), "{}: the synopsis is a sentence", spec.name);
        for p in &spec.parameters {
            assert!(p.name.chars().next().is_some_and(char::is_uppercase), "{}: -{} is PascalCase", spec.name, p.name);
            assert!(!p.description.is_empty(), "{}: -{} has a description", spec.name, p.name);
        }
        assert!(
            spec.examples.iter().any(|e| !e.output_contains.is_empty()),
            "{}: at least one example checks its output",
            spec.name
        );
    }
}

/// Every example runs as a user would run it: `ccrsh -NonInteractive -c EXAMPLE` in a fresh home
/// with its own seed lab, from a temporary working directory, so an example that writes a file
/// (Export-Lab, Out-File, Start-Transcript) writes it there and nowhere else.
#[test]
fn every_example_runs_against_a_fresh_seed_lab() {
    let registry = Registry::global();
    let mut failures = Vec::new();
    for found in registry.all().unwrap_or_else(|e| panic!("{e}")) {
        for example in &found.spec.examples {
            let home = Home::new();
            let mut command = home.command(&["-NoProfile", "-NonInteractive", "-c", &example.command]);
            command.current_dir(home.dir.path());
            let run = finish(command, "");
            // Warnings are part of some examples; anything else on stderr is a failure.
            let errors_shown = run.stderr.lines().any(|l| !l.starts_with("WARNING: "));
            if run.code != 0 || errors_shown {
                failures.push(format!(
                    "{}: `{}` failed (exit {}):\n{}",
                    found.spec.name, example.command, run.code, run.stderr
                ));
                continue;
            }
            for expected in &example.output_contains {
                if !run.stdout.contains(expected.as_str()) {
                    failures.push(format!(
                        "{}: `{}` did not print {expected:?}:\n{}",
                        found.spec.name, example.command, run.stdout
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_cmdlet_reference_is_generated_from_the_specs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/cmdlets");
    let update = std::env::var_os("UPDATE_DOCS").is_some();
    let all = Registry::global().all().unwrap_or_else(|e| panic!("{e}"));
    let mut index = String::from(
        "# Cmdlet reference\n\n<!-- Generated from cmdlets/*.toml by the docs test; do not edit. -->\n\n| Cmdlet | Synopsis |\n|---|---|\n",
    );
    let mut expected_files = vec![("README.md".to_string(), String::new())];
    for found in &all {
        index.push_str(&format!("| [{0}]({0}.md) | {1} |\n", found.spec.name, found.spec.synopsis));
        expected_files.push((format!("{}.md", found.spec.name), help::markdown(found.spec)));
    }
    expected_files[0].1 = index;
    let mut stale = Vec::new();
    for (file, text) in &expected_files {
        let path = dir.join(file);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            if update {
                std::fs::create_dir_all(&dir).expect("docs/cmdlets");
                std::fs::write(&path, text).expect("write");
            } else {
                stale.push(file.clone());
            }
        }
    }
    let present: BTreeSet<String> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    let wanted: BTreeSet<String> = expected_files.iter().map(|(f, _)| f.clone()).collect();
    let extra: Vec<&String> = present.difference(&wanted).collect();
    assert!(stale.is_empty(), "docs/cmdlets is stale for {stale:?}; run `UPDATE_DOCS=1 cargo test specs` and commit");
    assert!(extra.is_empty(), "docs/cmdlets has pages for no cmdlet: {extra:?}");
}
