//! Bearer-token authentication: every request names a token; the token decides the role.
//!
//! Must not: know about routes beyond "does this request change anything".

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::Response;

use super::AppState;
use super::error::ServiceError;
use crate::api::{ErrorBody, ErrorCode, Role};

/// Middleware: resolves the caller's [`Role`] from `Authorization: Bearer …` and stores it in
/// the request's extensions, or answers 401.
pub async fn require_token(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ServiceError> {
    let presented = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let role = match presented {
        Some(token) if constant_time_eq(token, &state.tokens.admin) => Role::Administrator,
        Some(token) if constant_time_eq(token, &state.tokens.viewer) => Role::ViewOnly,
        Some(_) => return Err(denied("The token was not accepted by this ccrd.")),
        None => return Err(denied("The request carried no token.")),
    };
    request.extensions_mut().insert(role);
    Ok(next.run(request).await)
}

fn denied(why: &str) -> ServiceError {
    ServiceError(ErrorBody {
        code: ErrorCode::AccessDenied,
        message: format!("Access is denied. {why}"),
        hint: Some("Pass the lab's admin.token or viewer.token with --token or CCRSH_TOKEN.".into()),
        target: None,
        report: None,
        candidates: Vec::new(),
    })
}

/// Compares without stopping at the first difference, so timing does not reveal a prefix.
fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn tokens_compare_exactly() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
    }
}
