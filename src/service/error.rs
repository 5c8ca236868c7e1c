//! The one way the service answers with an error: an [`ErrorBody`] with the status its code
//! implies. Internal failures are logged and reported without their details.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::api::{ErrorBody, ErrorCode};
use crate::engine::EngineError;

/// An error response.
#[derive(Debug)]
pub struct ServiceError(pub ErrorBody);

impl IntoResponse for ServiceError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        // A copy rides along for the audit middleware, which records refused changes.
        let mut response = (status, Json(self.0.clone())).into_response();
        response.extensions_mut().insert(self.0);
        response
    }
}

impl From<EngineError> for ServiceError {
    fn from(e: EngineError) -> ServiceError {
        ServiceError(e.into())
    }
}

impl ServiceError {
    pub fn invalid_request(message: String, hint: &str) -> ServiceError {
        ServiceError(ErrorBody {
            code: ErrorCode::InvalidRequest,
            message,
            hint: Some(hint.into()),
            target: None,
            report: None,
            candidates: Vec::new(),
        })
    }

    /// ccrd's disk is full: say so, and that nothing acknowledged was lost (a change is
    /// acknowledged only after its commit, which did not happen).
    pub fn disk_full() -> ServiceError {
        tracing::error!("the lab's disk is full");
        ServiceError(ErrorBody {
            code: ErrorCode::InsufficientStorage,
            message: "ccrd's disk is full: the request was not carried out. Nothing acknowledged before was lost."
                .into(),
            hint: Some("Free space on the disk of ccrd's lab directory, then send the request again.".into()),
            target: None,
            report: None,
            candidates: Vec::new(),
        })
    }

    /// A link was planted in the lab where ccrd would have followed it: nothing was done through
    /// it, and the caller is told which link to remove (a path inside the lab, no secret).
    pub fn link_refused(detail: &dyn std::fmt::Display) -> ServiceError {
        tracing::error!(detail = %detail, "a link in the lab was refused");
        ServiceError(ErrorBody {
            code: ErrorCode::Internal,
            message: format!("ccrd refused to carry out the request: {detail}"),
            hint: Some(
                "Remove the link from the lab directory (and check where it points), then send the request again."
                    .into(),
            ),
            target: None,
            report: None,
            candidates: Vec::new(),
        })
    }

    /// A failure inside ccrd: the details go to its log, not to the caller.
    pub fn internal(detail: &dyn std::fmt::Display) -> ServiceError {
        tracing::error!(detail = %detail, "internal error");
        ServiceError(ErrorBody {
            code: ErrorCode::Internal,
            message: "ccrd failed to handle the request; its log has the details.".into(),
            hint: None,
            target: None,
            report: None,
            candidates: Vec::new(),
        })
    }
}

/// An I/O failure: a full disk is [`ServiceError::disk_full`], anything else internal.
pub fn from_io(error: &std::io::Error) -> ServiceError {
    if error.kind() == std::io::ErrorKind::StorageFull || error.raw_os_error() == Some(libc::ENOSPC) {
        ServiceError::disk_full()
    } else if crate::service::beneath::is_link_refused(error) {
        ServiceError::link_refused(error)
    } else {
        ServiceError::internal(error)
    }
}

/// A store failure: SQLite's "database or disk is full" is [`ServiceError::disk_full`] (the
/// transaction was rolled back: nothing of the change is kept), anything else internal.
pub fn from_store(error: &crate::service::store::StoreError) -> ServiceError {
    match error {
        crate::service::store::StoreError::Unavailable(_) | crate::service::store::StoreError::Conflict => {
            from_commit(&crate::service::writer::NotCommitted::from(error))
        }
        _ if error.is_disk_full() => ServiceError::disk_full(),
        _ => ServiceError::internal(error),
    }
}

/// A change the writer did not commit: a full disk is [`ServiceError::disk_full`] (the batch was
/// rolled back), anything else internal.
pub fn from_commit(error: &crate::service::writer::NotCommitted) -> ServiceError {
    if error.disk_full {
        ServiceError::disk_full()
    } else if error.conflict {
        ServiceError(ErrorBody {
            code: ErrorCode::EstateChanged,
            message: "Another ccrd sharing this estate changed it first: nothing of this request was carried out."
                .into(),
            hint: Some("Look at the estate as it is now, then send the request again if it still applies.".into()),
            target: None,
            report: None,
            candidates: Vec::new(),
        })
    } else if error.unavailable {
        tracing::warn!(detail = %error.message, "the control store is unavailable");
        ServiceError(ErrorBody {
            code: ErrorCode::ControlStoreUnavailable,
            message: error.message.clone(),
            hint: Some(
                "The store did not confirm this request: most likely it was not carried out, but if the store \
                 took it just before it stopped answering, it was. Bring a majority of the etcd members back \
                 (or reconnect this ccrd to them), look at the estate (Search-AdminAuditLog shows what was \
                 carried out), then send it again if it is still needed."
                    .into(),
            ),
            target: None,
            report: None,
            candidates: Vec::new(),
        })
    } else {
        ServiceError::internal(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_507_and_says_nothing_acknowledged_was_lost() {
        let error = from_io(&std::io::Error::from_raw_os_error(libc::ENOSPC));
        assert_eq!(error.0.code, ErrorCode::InsufficientStorage);
        assert_eq!(error.0.code.http_status(), 507);
        assert!(error.0.message.contains("disk is full") && error.0.message.contains("Nothing acknowledged"));
        let other = from_io(&std::io::Error::from_raw_os_error(libc::EIO));
        assert_eq!(other.0.code, ErrorCode::Internal);
    }
}
