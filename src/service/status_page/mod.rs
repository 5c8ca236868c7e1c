//! The live status page at `/`: plain server-rendered HTML (askama templates in this folder,
//! compiled in) with a little JavaScript that swaps in the estate section again whenever ccrd
//! publishes a change, over server-sent events (`/status/stream`). Without JavaScript it is a
//! static snapshot.
//!
//! Sign-in is a form that takes a token once (`POST /login`) and sets an `HttpOnly`,
//! `SameSite=Strict` session cookie; the token never travels in a URL and is never logged.
//! Sessions live in memory for 12 hours and are checked against the token registry on every
//! request and before every update, so a revoked token ends its sessions at once. The page only
//! reads: any valid token may sign in, and nothing here changes the estate.
//!
//! Owns: the page's routes, sessions, the rendered-section cache and the live stream.
//!
//! Must not: take the writer lock, change the estate, or put anything secret in a URL or log.

mod view;

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use askama::Template;
use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use futures_util::stream;

use super::AppState;
use super::error::ServiceError;
use crate::api::{EventQuery, HistoryQuery, OperationRecord};

pub const PAGE: &str = "/";
pub const LOGIN: &str = "/login";
pub const LOGOUT: &str = "/logout";
pub const STREAM: &str = "/status/stream";
const CSS: &str = "/status/status.css";
const JS: &str = "/status/status.js";

const COOKIE_NAME: &str = "ccrd_session";
const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// Past this many sessions the oldest is dropped (each sign-in needs a valid token anyway).
const MAX_SESSIONS: usize = 1024;
/// At most this often does one stream send an update; changes in between are coalesced.
const UPDATE_INTERVAL: Duration = Duration::from_millis(200);
/// How many events and history entries the page shows.
const JOURNAL_ROWS: u32 = 12;

/// Only scripts, styles and connections from ccrd itself; no framing, forms only to ccrd.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
     img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The sessions and the last rendered estate section, shared by every request.
#[derive(Default)]
pub struct StatusPage {
    sessions: Mutex<HashMap<String, Session>>,
    /// The estate section as last rendered, with the publication count it shows.
    rendered: Mutex<Option<(u64, Rendered)>>,
}

#[derive(Clone)]
struct Session {
    /// Kept in memory only, to check the session against the registry (revocation).
    token: String,
    started: Instant,
}

#[derive(Clone)]
struct Rendered {
    html: Arc<str>,
    version: u64,
    lab_time: Arc<str>,
}

#[derive(Template)]
#[template(path = "page.html", config = "src/service/status_page/askama.toml")]
struct PageTemplate<'a> {
    topology: &'a str,
    caller: &'a str,
    version: u64,
    lab_time: &'a str,
    estate_html: &'a str,
    queue_low: u64,
    queue_high: u64,
}

#[derive(Template)]
#[template(path = "estate.html", config = "src/service/status_page/askama.toml")]
struct EstateTemplate<'a> {
    v: &'a view::EstateView,
}

#[derive(Template)]
#[template(path = "login.html", config = "src/service/status_page/askama.toml")]
struct LoginTemplate<'a> {
    error: Option<&'a str>,
}

#[derive(serde::Deserialize)]
struct LoginForm {
    token: String,
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(PAGE, get(page))
        .route(LOGIN, get(back_to_page).post(login))
        .route(LOGOUT, axum::routing::post(logout))
        .route(STREAM, get(live))
        .route(CSS, get(|| async { asset("text/css; charset=utf-8", include_str!("status.css")) }))
        .route(JS, get(|| async { asset("text/javascript; charset=utf-8", include_str!("status.js")) }))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let headers = [(CONTENT_TYPE, content_type), (CACHE_CONTROL, "no-cache")];
    (headers, body).into_response()
}

/// An HTML answer with the page's security headers; nothing of it is cached.
fn html(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers
        .insert(HeaderName::from_static("content-security-policy"), HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(HeaderName::from_static("x-content-type-options"), HeaderValue::from_static("nosniff"));
    headers.insert(HeaderName::from_static("referrer-policy"), HeaderValue::from_static("no-referrer"));
    response
}

fn login_page(status: StatusCode, error: Option<&str>) -> Response {
    match (LoginTemplate { error }).render() {
        Ok(body) => html(status, body),
        Err(e) => ServiceError::internal(&e).into_response(),
    }
}

/// The session id the request's cookie names, if any.
fn session_id(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value)
}

impl StatusPage {
    fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts a session for `token`; returns its id.
    fn start(&self, token: &str) -> Option<String> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).ok()?;
        let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let mut sessions = self.sessions();
        sessions.retain(|_, s| s.started.elapsed() < SESSION_LIFETIME);
        if sessions.len() >= MAX_SESSIONS
            && let Some(oldest) = sessions.iter().min_by_key(|(_, s)| s.started).map(|(id, _)| id.clone())
        {
            sessions.remove(&oldest);
        }
        sessions.insert(id.clone(), Session { token: token.to_string(), started: Instant::now() });
        Some(id)
    }

    fn end(&self, id: &str) {
        self.sessions().remove(id);
    }
}

/// The name of the caller whose live session `headers` carry: the session exists, is younger
/// than 12 hours, and its token is still accepted.
fn signed_in(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let id = session_id(headers)?;
    session_caller(state, id)
}

fn session_caller(state: &AppState, id: &str) -> Option<String> {
    let session = state.status_page.sessions().get(id).cloned()?;
    if session.started.elapsed() >= SESSION_LIFETIME {
        state.status_page.end(id);
        return None;
    }
    match state.tokens.resolve(&session.token) {
        Some((name, _)) => Some(name),
        None => {
            state.status_page.end(id);
            None
        }
    }
}

/// Records a sign-in attempt in the audit trail (a failure to write goes to the log).
fn audit_sign_in(state: &AppState, caller: &str, outcome: &str) {
    let record = OperationRecord {
        index: 0,
        run_date: Utc::now(),
        caller: caller.to_string(),
        cmdlet_name: format!("POST {LOGIN}"),
        object_modified: "status page".into(),
        reason: None,
        domain_controller: None,
        dry_run: false,
        outcome: outcome.to_string(),
        error: (outcome != "Succeeded").then(|| "AccessDenied: the token was not accepted".into()),
        report: Default::default(),
        timings: Vec::new(),
    };
    if let Err(e) = state.audit.record(&record) {
        tracing::error!(error = %e, "could not write the audit record of a sign-in");
    }
}

async fn back_to_page() -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, "./")]).into_response()
}

async fn login(State(state): State<AppState>, form: Result<Form<LoginForm>, FormRejection>) -> Response {
    let Ok(Form(LoginForm { token })) = form else {
        return login_page(StatusCode::BAD_REQUEST, Some("Paste a token into the form and sign in."));
    };
    let token = token.trim();
    let Some((name, _)) = state.tokens.resolve(token) else {
        tracing::Span::current().record("caller", super::audit::UNKNOWN_CALLER);
        let audit = state.clone();
        let _ =
            tokio::task::spawn_blocking(move || audit_sign_in(&audit, super::audit::UNKNOWN_CALLER, "Denied")).await;
        return login_page(StatusCode::UNAUTHORIZED, Some("That token was not accepted by this ccrd."));
    };
    tracing::Span::current().record("caller", name.as_str());
    let Some(id) = state.status_page.start(token) else {
        return ServiceError::internal(&"no randomness for a session id").into_response();
    };
    let audit = state.clone();
    let _ = tokio::task::spawn_blocking(move || audit_sign_in(&audit, &name, "Succeeded")).await;
    let cookie =
        format!("{COOKIE_NAME}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}", SESSION_LIFETIME.as_secs());
    let mut response = (StatusCode::SEE_OTHER, [(LOCATION, "./")]).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(SET_COOKIE, value);
    }
    response
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(id) = session_id(&headers) {
        state.status_page.end(id);
    }
    let clear = format!("{COOKIE_NAME}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    (StatusCode::SEE_OTHER, [(LOCATION, "./".to_string()), (SET_COOKIE, clear)]).into_response()
}

async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(caller) = signed_in(&state, &headers) else {
        return login_page(StatusCode::OK, None);
    };
    tracing::Span::current().record("caller", caller.as_str());
    let topology = match state.estate.read() {
        Ok(estate) => estate.topology.clone(),
        Err(e) => return ServiceError::internal(&e).into_response(),
    };
    let rendered = match render(&state).await {
        Ok(rendered) => rendered,
        Err(e) => return e.into_response(),
    };
    let page = PageTemplate {
        topology: &topology,
        caller: &caller,
        version: rendered.version,
        lab_time: &rendered.lab_time,
        estate_html: &rendered.html,
        queue_low: view::QUEUE_LOW,
        queue_high: view::QUEUE_HIGH,
    };
    match page.render() {
        Ok(body) => html(StatusCode::OK, body),
        Err(e) => ServiceError::internal(&e).into_response(),
    }
}

/// The estate section for the current publication: from the cache when nothing was published
/// since it was rendered, else built and rendered anew (off the async threads: the journal is
/// read from SQLite).
async fn render(state: &AppState) -> Result<Rendered, ServiceError> {
    let publication = *state.published.borrow();
    if let Some((at, rendered)) = state.status_page.rendered.lock().unwrap_or_else(PoisonError::into_inner).as_ref()
        && *at == publication
    {
        return Ok(rendered.clone());
    }
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        let events = {
            let reader = state.reader.lock().map_err(|e| ServiceError::internal(&e))?;
            let query = EventQuery { newest: Some(JOURNAL_ROWS), ..Default::default() };
            reader.events(&query).map_err(|e| ServiceError::internal(&e))?
        };
        let query = HistoryQuery { newest: Some(JOURNAL_ROWS), ..Default::default() };
        let history = state.audit.search(&query).map_err(|e| ServiceError::internal(&e))?;
        let view = {
            let estate = state.estate.read().map_err(|e| ServiceError::internal(&e))?;
            view::build(&estate, estate.lab_time(Utc::now()), events, history)
        };
        let html = (EstateTemplate { v: &view }).render().map_err(|e| ServiceError::internal(&e))?;
        let rendered = Rendered { html: html.into(), version: view.version, lab_time: view.lab_time.into() };
        *state.status_page.rendered.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((publication, rendered.clone()));
        Ok(rendered)
    })
    .await
    .map_err(|e| ServiceError::internal(&e))?
}

/// What the live stream does next.
enum Next {
    /// Send the estate section as it is now.
    Send,
    /// Wait for the next publication.
    Wait,
    Done,
}

/// `GET /status/stream`: server-sent events. `estate` carries the rendered section
/// (`{"version", "labTime", "html"}`) at once and after every publication, at most every 200 ms;
/// `expired` says the session ended, and the stream closes. It also closes when ccrd shuts
/// down, so a watching browser never holds the shutdown up.
async fn live(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(id) = session_id(&headers).map(str::to_string) else {
        return (StatusCode::UNAUTHORIZED, "Sign in first.\n").into_response();
    };
    let Some(caller) = session_caller(&state, &id) else {
        return (StatusCode::UNAUTHORIZED, "Sign in first.\n").into_response();
    };
    tracing::Span::current().record("caller", caller.as_str());
    let publications = state.published.subscribe();
    let closing = state.closing.subscribe();
    let start = (state, id, publications, closing, Next::Send, None::<Instant>);
    let events = stream::unfold(start, |(state, id, mut publications, mut closing, next, last)| async move {
        match next {
            Next::Done => None,
            Next::Wait => {
                tokio::select! {
                    changed = publications.changed() => {
                        if changed.is_err() {
                            return None;
                        }
                    }
                    _ = closing.wait_for(|closing| *closing) => return None,
                }
                // Coalesce a burst of publications (replication passes) into one update.
                if let Some(wait) = last.and_then(|at: Instant| UPDATE_INTERVAL.checked_sub(at.elapsed())) {
                    tokio::time::sleep(wait).await;
                }
                publications.mark_unchanged();
                let event = update(&state, &id).await;
                let next = if event.is_some() { Next::Wait } else { Next::Done };
                let sent = Ok::<_, Infallible>(event.unwrap_or_else(expired));
                Some((sent, (state, id, publications, closing, next, Some(Instant::now()))))
            }
            Next::Send => {
                publications.mark_unchanged();
                let event = update(&state, &id).await;
                let next = if event.is_some() { Next::Wait } else { Next::Done };
                let sent = Ok::<_, Infallible>(event.unwrap_or_else(expired));
                Some((sent, (state, id, publications, closing, next, Some(Instant::now()))))
            }
        }
    });
    Sse::new(events).keep_alive(KeepAlive::default()).into_response()
}

fn expired() -> Event {
    Event::default().event("expired").data("{}")
}

/// The `estate` event for session `id`, or `None` when the session has ended.
async fn update(state: &AppState, id: &str) -> Option<Event> {
    session_caller(state, id)?;
    let rendered = match render(state).await {
        Ok(rendered) => rendered,
        // A failed render is in the log; the stream sends nothing this time.
        Err(_) => return Some(Event::default().comment("render failed")),
    };
    let data = serde_json::json!({
        "version": rendered.version,
        "labTime": &*rendered.lab_time,
        "html": &*rendered.html,
    });
    Some(Event::default().event("estate").data(data.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_static("a=1; ccrd_session=abc; b=2"));
        assert_eq!(session_id(&headers), Some("abc"));
        headers.insert(COOKIE, HeaderValue::from_static("ccrd_sessionx=abc"));
        assert_eq!(session_id(&headers), None);
    }

    #[test]
    fn sessions_are_capped_and_end() {
        let page = StatusPage::default();
        let first = page.start("t").expect("id");
        assert_eq!(first.len(), 64);
        for _ in 0..MAX_SESSIONS {
            page.start("t").expect("id");
        }
        assert_eq!(page.sessions().len(), MAX_SESSIONS);
        assert!(!page.sessions().contains_key(&first), "the oldest went first");
        let last = page.start("t").expect("id");
        page.end(&last);
        assert!(!page.sessions().contains_key(&last));
    }
}
