//! House rules that a reviewer would otherwise have to remember: every module says what it
//! owns, dependencies point one way (docs/ARCHITECTURE.md), and each library is used only in
//! the module that owns it.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

fn sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    rust_files(&root.join("src"))
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable");
            (p.strip_prefix(root).expect("under root").display().to_string(), text)
        })
        .collect()
}

#[test]
fn every_module_starts_with_a_header_saying_what_it_owns() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<(String, String)> = sources();
    files.extend(
        rust_files(&root.join("tests"))
            .into_iter()
            .map(|p| (p.display().to_string(), std::fs::read_to_string(&p).expect("readable"))),
    );
    let missing: Vec<&String> = files.iter().filter(|(_, text)| !text.starts_with("//!")).map(|(p, _)| p).collect();
    assert!(missing.is_empty(), "these files need a //! header: {missing:?}");
}

/// `(directory prefix, paths it must not use)`.
const FORBIDDEN: &[(&str, &[&str])] = &[
    ("src/api/", &["crate::engine", "crate::service", "crate::shell"]),
    ("src/engine/", &["crate::service", "crate::shell", "rusqlite", "axum", "reqwest", "std::fs"]),
    ("src/service/", &["crate::shell"]),
    ("src/shell/", &["crate::engine", "crate::service", "ccrsh::engine", "ccrsh::service"]),
];

#[test]
fn dependencies_point_one_way() {
    let mut violations = Vec::new();
    for (path, text) in sources() {
        for (prefix, forbidden) in FORBIDDEN {
            if path.starts_with(prefix) {
                for needle in *forbidden {
                    if text.contains(needle) {
                        violations.push(format!("{path} uses {needle}"));
                    }
                }
            }
        }
    }
    assert!(violations.is_empty(), "{violations:#?}");
}

/// `(library path, the only files that may use it)`.
const OWNERS: &[(&str, &[&str])] = &[
    ("reqwest", &["src/shell/client.rs", "src/service/store/etcd/gateway.rs"]),
    ("terminal_size", &["src/shell/render.rs"]),
    ("Colorize", &["src/shell/render.rs"]),
    (
        "rusqlite",
        &[
            "src/service/store/sqlite.rs",
            "src/service/store/legacy.rs",
            "src/service/store/checkpoint.rs",
            "src/service/audit.rs",
        ],
    ),
    ("rustyline", &["src/shell/repl.rs"]),
    ("lettre", &["src/shell/runtime/smtp.rs"]),
    ("prometheus_client", &["src/service/metrics.rs"]),
    ("askama", &["src/service/status_page/mod.rs"]),
    // The binaries choose how the log is written; the library only emits events.
    ("tracing_subscriber", &["src/bin/ccrd.rs", "src/main.rs"]),
];

#[test]
fn each_library_is_used_only_by_its_owner() {
    let mut violations = Vec::new();
    for (path, text) in sources() {
        for (library, owners) in OWNERS {
            let uses = text.contains(&format!("{library}::")) || text.contains(&format!("use {library}"));
            if uses && !owners.contains(&path.as_str()) {
                violations.push(format!("{path} uses {library}"));
            }
        }
        let axum_allowed = path.starts_with("src/service/") || path == "src/bin/ccrd.rs";
        if text.contains("axum::") && !axum_allowed {
            violations.push(format!("{path} uses axum"));
        }
    }
    assert!(violations.is_empty(), "{violations:#?}");
}

#[test]
fn the_service_logs_only_through_tracing() {
    // ccrsh's embedded service may still say on stderr that it stopped.
    let offenders: Vec<String> = sources()
        .into_iter()
        .filter(|(p, _)| p.starts_with("src/service/") && p != "src/service/embedded.rs")
        .filter(|(_, text)| text.contains("println!") || text.contains("eprintln!"))
        .map(|(p, _)| p)
        .collect();
    assert!(offenders.is_empty(), "{offenders:?}");
}

#[test]
fn the_shell_prints_only_through_render() {
    let offenders: Vec<String> = sources()
        .into_iter()
        .filter(|(p, _)| p.starts_with("src/shell/") && p != "src/shell/render.rs" && p != "src/shell/repl.rs")
        .filter(|(_, text)| text.contains("println!") || text.contains("print!(") || text.contains("eprintln!"))
        .map(|(p, _)| p)
        .collect();
    assert!(offenders.is_empty(), "{offenders:?}");
}
