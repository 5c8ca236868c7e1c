//! ccrsh: a PowerShell-style administration shell for Exchange-2007-style clustered mailbox
//! servers (CCR and SCR), and ccrd, the cluster control service it drives.
//!
//! The modules, and the one direction their dependencies go (see `docs/ARCHITECTURE.md`):
//! - [`api`]: the HTTP/JSON contract; depends on nothing internal.
//! - [`engine`]: the estate and its rules; depends on `api` only.
//! - [`service`]: ccrd (axum, auth, SQLite); depends on `engine` and `api`.
//! - [`shell`]: the language, binder, cmdlets, client, rendering and REPL; depends on `api`
//!   only, never on `engine` or `service`.
//!
//! The binaries (`src/main.rs`, `src/bin/ccrd.rs`) are the only places that wire `shell` and
//! `service` together.

pub mod api;
pub mod engine;
pub mod service;
pub mod shell;
