//! The JSON body of a read reply, serialized into one buffer sized for a page of objects.
//!
//! Owns: turning a reply's value into an `application/json` response. axum's `Json` starts from
//! 128 bytes and writes each token through `BufMut`; a copy-status list is kilobytes of small
//! tokens, so it grew its buffer several times per request. Here serde_json writes into a `Vec`
//! that starts at 4 KB.
//!
//! Must not: change the bytes sent; a value that cannot be serialized is a 500, as with axum's.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A reply body; `Json(value)` as with axum's.
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        let mut body = Vec::with_capacity(4096);
        match serde_json::to_writer(&mut body, &self.0) {
            Ok(()) => ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response(),
            Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
        }
    }
}
