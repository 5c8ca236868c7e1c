//! The cluster estate and its rules: topology, the objects and their state, and the answers to
//! every question the API asks about them.
//!
//! Owns: [`Estate`] (the whole state, in memory), building it from a [`topology`], identity
//! resolution, and the read views ([`queries`]).
//!
//! Must not: do I/O (SQLite and files are the service's edge), know about HTTP, or know about
//! the shell. Decisions are pure functions of the estate so they can be tested without a
//! service.

pub mod estate;
pub mod identity;
pub mod operations;
pub mod queries;
pub mod topology;

pub use estate::*;

use crate::api::{ErrorBody, ErrorCode};

/// Why the engine refused a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// An identity matched no object of the kind asked for.
    #[error("The operation could not be performed because object '{identity}' could not be found.")]
    NotFound { kind: &'static str, identity: String, known: Vec<String> },
    /// An identity matched several objects.
    #[error("The operation could not be performed because '{identity}' matches multiple entries.")]
    Ambiguous { identity: String, matches: Vec<String> },
    /// The request does not make sense as asked.
    #[error("{message}")]
    Invalid { message: String, hint: String },
}

impl From<EngineError> for ErrorBody {
    fn from(error: EngineError) -> ErrorBody {
        let message = error.to_string();
        match error {
            EngineError::NotFound { kind, identity, known } => ErrorBody {
                code: ErrorCode::ManagementObjectNotFound,
                message,
                hint: Some(if known.is_empty() {
                    format!("There is no {kind} in this estate.")
                } else {
                    format!("Known {kind} identities: {}.", known.join(", "))
                }),
                target: Some(identity),
            },
            EngineError::Ambiguous { identity, matches } => ErrorBody {
                code: ErrorCode::ManagementObjectAmbiguous,
                message,
                hint: Some(format!("Use one of the full identities: {}.", matches.join(", "))),
                target: Some(identity),
            },
            EngineError::Invalid { hint, .. } => {
                ErrorBody { code: ErrorCode::InvalidRequest, message, hint: Some(hint), target: None }
            }
        }
    }
}
