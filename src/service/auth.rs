//! Bearer-token authentication: every request names a token; the token decides the caller (a
//! person's name, or the lab's `Administrator`/`Viewer`) and the role. Refused attempts go to
//! the audit trail: an unknown token on any route, and any change (`POST`) that was answered
//! with an error its handler did not record itself (a viewer's attempt, a malformed body).
//! The caller's name goes into the request's log span; the token itself is never logged. A
//! change's request id (`x-ccrd-request-id`, read on `POST`s) is taken here too, and a
//! malformed one refused before anything runs.
//!
//! Must not: know about routes beyond "does this request change anything".

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::{Request, State};
use axum::http::Method;
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::AppState;
use super::audit::UNKNOWN_CALLER;
use super::error::ServiceError;
use crate::api::{ErrorBody, ErrorCode, OperationRecord, Role};

/// Who is asking: the token's name and role. Handlers record what they did under this name.
#[derive(Debug, Clone)]
pub struct Caller {
    pub name: String,
    pub role: Role,
    /// The request id a change was sent under (`x-ccrd-request-id`), when it carried one.
    pub request_id: Option<String>,
    /// Set once the handler has written the request's audit record.
    audited: Arc<AtomicBool>,
}

impl Caller {
    pub fn new(name: impl Into<String>, role: Role) -> Caller {
        Caller { name: name.into(), role, request_id: None, audited: Arc::new(AtomicBool::new(false)) }
    }

    /// Says the request's audit record is written, so the middleware adds none.
    pub fn mark_audited(&self) {
        self.audited.store(true, Ordering::Relaxed);
    }
}

/// Middleware: resolves the [`Caller`] (and its [`Role`]) from `Authorization: Bearer …` and
/// stores both in the request's extensions, or answers 401.
pub async fn require_token(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let presented = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    // What the audit trail calls the request; built only for a record.
    let action = |request: &Request| format!("{} {}", request.method(), request.uri().path());
    let resolved = presented.and_then(|token| state.tokens.resolve(token));
    let Some((name, role)) = resolved else {
        let why = if presented.is_some() {
            "The token was not accepted by this ccrd."
        } else {
            "The request carried no token."
        };
        let error = denied(why);
        audit(&state, UNKNOWN_CALLER, &action(&request), "Denied", &error.0);
        return error.into_response();
    };
    tracing::Span::current().record("caller", name.as_str());
    let mut caller = Caller::new(name, role);
    // A change's refusal is recorded after its handler has run: its action is kept for that.
    let change = (request.method() == Method::POST).then(|| action(&request));
    if let Some(action) = &change {
        match request_id(&request) {
            Ok(id) => caller.request_id = id,
            Err(error) => {
                audit(&state, &caller.name, action, "Invalid", &error.0);
                return error.into_response();
            }
        }
    }
    request.extensions_mut().insert(role);
    request.extensions_mut().insert(caller.clone());
    let response = next.run(request).await;
    if let Some(action) = change
        && !response.status().is_success()
        && !caller.audited.load(Ordering::Relaxed)
    {
        let outcome = if response.status().as_u16() == 403 { "Denied" } else { "Invalid" };
        let fallback = ErrorBody {
            code: ErrorCode::Internal,
            message: format!("HTTP {}", response.status()),
            hint: None,
            target: None,
            report: None,
            candidates: Vec::new(),
        };
        let body = response.extensions().get::<ErrorBody>().unwrap_or(&fallback);
        audit(&state, &caller.name, &action, outcome, body);
    }
    response
}

/// The request id the request carries, if any; a malformed one is refused.
fn request_id(request: &Request) -> Result<Option<String>, ServiceError> {
    let Some(value) = request.headers().get(crate::api::headers::REQUEST_ID) else { return Ok(None) };
    match value.to_str() {
        Ok(id) if crate::api::request_id_is_valid(id) => Ok(Some(id.to_string())),
        _ => Err(ServiceError::invalid_request(
            format!(
                "The {} header is not a request id: 1 to {} letters, digits, '-', '_' or '.'.",
                crate::api::headers::REQUEST_ID,
                crate::api::REQUEST_ID_MAX_LEN
            ),
            "Send a fresh UUID for each change (ccrsh does), and the same one again only when retrying it.",
        )),
    }
}

/// Writes one refusal to the audit trail; a failure to write goes to ccrd's log.
fn audit(state: &AppState, caller: &str, action: &str, outcome: &str, error: &ErrorBody) {
    let record = OperationRecord {
        index: 0,
        run_date: Utc::now(),
        caller: caller.to_string(),
        cmdlet_name: action.to_string(),
        object_modified: error.target.clone().unwrap_or_default(),
        reason: None,
        domain_controller: None,
        dry_run: false,
        outcome: outcome.to_string(),
        error: Some(format!("{}: {}", error.code.as_str(), error.message)),
        report: error.report.as_deref().cloned().unwrap_or_default(),
        timings: Vec::new(),
    };
    if let Err(e) = state.audit.record(&record) {
        tracing::error!(action = %action, error = %e, "could not write the audit record of a refused request");
    }
}

fn denied(why: &str) -> ServiceError {
    ServiceError(ErrorBody {
        code: ErrorCode::AccessDenied,
        message: format!("Access is denied. {why}"),
        hint: Some(
            "Pass the lab's admin.token or viewer.token, or your own token (ccrd token add), with --token or CCRSH_TOKEN."
                .into(),
        ),
        target: None,
        report: None,
        candidates: Vec::new(),
    })
}
