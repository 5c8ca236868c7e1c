//! The integration tests, compiled as one binary to keep link time down on two cores. Each
//! module holds one kind of test:
//! - `support`: helpers (temporary labs, running ccrsh, starting ccrd on 127.0.0.1:0).
//! - `attach`: a second process on a lab another holds attaches to it (ccrsh or ccrd); a
//!   crashed holder's address is cleaned.
//! - `cli`: the ccrsh binary as a user runs it on the embedded lab: modes, output, errors,
//!   exit codes.
//! - `conformance`: the PowerShell language as the reference describes it, case by case.
//! - `confirm`: changes that ask first (ShouldProcess) against a real lab, and refusals that
//!   change nothing.
//! - `exchange`: issue 11's Exchange 2007 SP1 behaviours (objects that bind, identity forms,
//!   -DomainController, prompts, the EMS read surface), each citing its documentation page.
//! - `exchange_windows`: the Windows side Exchange 2007 scripts read on the lab's computers:
//!   services (Get-Service, Test-ServiceHealth, the refused Start-/Stop-Service), eseutil on a
//!   copy's files, [Console] and EventLog statics, drives the workstation does not have.
//! - `etcd`: ccrd with its estate in a real 3-member etcd cluster: restarts, the leader killed
//!   under load, a lost majority refused clearly, two ccrd on one store, bench/lab-cluster.sh
//!   (ignored by a plain `cargo test`, which says they need etcd and how to run them;
//!   `CCRSH_STORE=etcd` runs every test that starts a lab on etcd as well).
//! - `durability`: `kill -9` under 32 concurrent clients (group commit) on the seed and the large
//!   estate, mail statistics under load, a clean shutdown that needs no repair.
//! - `files`: issue 13's file, CSV and text cmdlets on the real file system: items, content,
//!   paths, links never written through, huge and binary files, CSV, Select-String.
//! - `engine`: ccrd's engine over HTTP on a real lab: logs, replication, moves, stops,
//!   refusals with reports, dry runs, the guard, roles, history, and `kill -9` recovery.
//! - `runtime`: issue 13's session cmdlets (variables with scopes and options, the host) and
//!   curated .NET types, with their errors.
//! - `mail`: issue 13's Send-MailMessage and Net.Mail.SmtpClient against an SMTP sink on
//!   127.0.0.1: headers, body, envelope, an HTML report with an attachment, AUTH, and the errors.
//! - `runbooks`: the runbooks of docs/runbooks end to end (embedded lab and ccrd), and
//!   rehearsal.
//! - `observability`: ccrd's `/metrics` (parsed as Prometheus text), health endpoints and logs.
//! - `status_page`: the live status page in headless Chromium (and its HTTP contract).
//! - `remote`: ccrsh against a ccrd started on loopback: tokens, roles, shutdown, sharing a lab.
//! - `security`: issue 10's attacks, one regression test per hardened defect: caller-chosen
//!   server paths, crafted snapshots and topologies, extreme numbers, planted links, half-sent
//!   requests, tokens and the audit trail, TLS.
//! - `route_walk`: issue 10's acceptance walk: every route × every kind of caller × hostile
//!   values in every field answers a clear 4xx, never a 5xx or a panic, and changes nothing.
//! - `screens`: what a user sees at 80, 120 and 200 columns: default views, Format-Table and
//!   Format-List laid out as PowerShell's console host does.
//! - `specs`: the cmdlet specs as a whole: pairing with implementations, every example run
//!   against a fresh seed lab, the generated reference in `docs/cmdlets/`.
//! - `terminal`: the REPL on a pseudo-terminal: Ctrl+C at prompts and during a seed, the
//!   banner, a viewer's refusal before any prompt; completion on a real lab.
//! - `tidy`: module headers and the one-way dependency rules of docs/ARCHITECTURE.md.
//!
//! Tests talk to 127.0.0.1 only.

mod attach;
mod cli;
mod confirm;
mod conformance;
mod durability;
mod engine;
mod etcd;
mod exchange;
mod exchange_windows;
mod files;
mod mail;
mod observability;
mod remote;
mod route_walk;
mod runbooks;
mod runtime;
mod screens;
mod security;
mod specs;
mod status_page;
mod support;
mod terminal;
mod tidy;
