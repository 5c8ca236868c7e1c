//! The cluster estate and its rules: topology, the objects and their state, and the answers to
//! every question the API asks about them.
//!
//! Owns: [`Estate`] (the whole state, in memory), building it from a [`topology`], identity
//! resolution, and the read views ([`queries`]).
//!
//! Must not: do I/O (SQLite and files are the service's edge), know about HTTP, or know about
//! the shell. Decisions are pure functions of the estate so they can be tested without a
//! service.

pub mod diff;
pub mod directory;
pub mod eseutil;
pub mod estate;
pub mod events;
pub mod failover;
pub mod faults;
pub mod identity;
pub mod log_format;
pub mod objects;
pub mod operations;
pub mod paths;
pub mod preconditions;
pub mod provision;
pub mod queries;
pub mod replication;
pub mod services;
pub mod setup;
pub mod standby;
pub mod topology;
pub mod validate;

pub use estate::*;

use crate::api::{ErrorBody, ErrorCode, PreconditionReport};

/// Why the engine refused a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// An identity matched no object of the kind asked for.
    #[error(
        "The operation could not be performed because object '{identity}' could not be found on domain controller '{domain_controller}'."
    )]
    NotFound { kind: &'static str, identity: String, known: Vec<String>, domain_controller: String },
    /// An identity matched several objects.
    #[error("The operation could not be performed because '{identity}' matches multiple entries.")]
    Ambiguous { identity: String, matches: Vec<String> },
    /// The request does not make sense as asked.
    #[error("{message}")]
    Invalid { message: String, hint: String },
    /// A precondition failed; the report says which, what was seen and what to do.
    #[error("{}", preconditions::refusal_message(.0))]
    Refused(Box<PreconditionReport>),
    /// The caller's expected-state guard no longer holds.
    #[error("The estate changed since version {expected}; it is now at version {actual}.")]
    EstateChanged { expected: u64, actual: u64 },
}

impl From<EngineError> for ErrorBody {
    fn from(error: EngineError) -> ErrorBody {
        let message = error.to_string();
        match error {
            EngineError::NotFound { kind, identity, known, .. } => ErrorBody {
                code: ErrorCode::ManagementObjectNotFound,
                message,
                hint: Some(if known.is_empty() {
                    format!("There is no {kind} in this estate.")
                } else {
                    format!("Known {kind} identities: {}.", known.join(", "))
                }),
                target: Some(identity),
                report: None,
                candidates: known,
            },
            EngineError::Ambiguous { identity, matches } => ErrorBody {
                code: ErrorCode::ManagementObjectAmbiguous,
                message,
                hint: Some(format!("Use one of the full identities: {}.", matches.join(", "))),
                target: Some(identity),
                report: None,
                candidates: Vec::new(),
            },
            EngineError::Invalid { hint, .. } => ErrorBody {
                code: ErrorCode::InvalidRequest,
                message,
                hint: Some(hint),
                target: None,
                report: None,
                candidates: Vec::new(),
            },
            EngineError::Refused(report) => ErrorBody {
                code: ErrorCode::PreconditionFailed,
                message,
                hint: Some(preconditions::refusal_hint(&report)),
                target: Some(report.target.clone()),
                report: Some(report),
                candidates: Vec::new(),
            },
            EngineError::EstateChanged { .. } => ErrorBody {
                code: ErrorCode::EstateChanged,
                message,
                hint: Some(
                    "Another change landed first. Read the estate again, decide again, and retry with the \
                     new version (or without an expected version)."
                        .into(),
                ),
                target: None,
                report: None,
                candidates: Vec::new(),
            },
        }
    }
}
