//! The shell: text in, objects and errors out. The path of a command line is
//! `syntax` → `bind` (with `spec`) → `cmdlets` (through `client`) → `render`, driven by
//! `session`; `repl` and `cli` are the ways text arrives.
//!
//! Must not: import `engine` or `service`. Everything the shell knows about the estate comes
//! over HTTP as `api` types.

pub mod bind;
pub mod cli;
pub mod client;
pub mod cmdlets;
pub mod did_you_mean;
pub mod error_record;
pub mod eval;
pub mod file_output;
pub mod help;
pub mod layout;
pub mod memory;
pub mod render;
pub mod repl;
pub mod runtime;
pub mod session;
pub mod spec;
pub mod syntax;
pub mod value;
pub mod wildcard;

use std::path::PathBuf;

/// The per-user data directory: `$XDG_DATA_HOME/ccrsh`, else `~/.local/share/ccrsh`.
pub fn data_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("ccrsh"));
    }
    std::env::var_os("HOME").filter(|h| !h.is_empty()).map(|home| PathBuf::from(home).join(".local/share/ccrsh"))
}

/// The profile script: `$XDG_CONFIG_HOME/ccrsh/profile.ps1`, else `~/.config/ccrsh/profile.ps1`.
pub fn profile_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("ccrsh/profile.ps1"));
    }
    std::env::var_os("HOME").filter(|h| !h.is_empty()).map(|home| PathBuf::from(home).join(".config/ccrsh/profile.ps1"))
}
