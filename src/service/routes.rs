//! The routes: one handler per endpoint of `api::routes`, each a thin call into
//! `engine::queries` under the estate's read lock.

use axum::extract::rejection::JsonRejection;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Extension, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;

use super::AppState;
use super::error::ServiceError;
use crate::api::{
    self, CopyStatusQuery, DatabaseKind, DatabaseRequest, ErrorBody, ErrorCode, IdentityQuery, Role, ServiceInfo,
    StoreQuery, routes,
};
use crate::engine::{EngineError, Estate, operations, queries};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(routes::INFO, get(info))
        .route(routes::CMS_STATUS, get(cms_status))
        .route(routes::MAILBOX_SERVERS, get(mailbox_servers))
        .route(routes::STORAGE_GROUPS, get(storage_groups))
        .route(routes::STORAGE_GROUP_COPY_STATUS, get(copy_status))
        .route(routes::MAILBOX_DATABASES, get(mailbox_databases))
        .route(routes::PUBLIC_FOLDER_DATABASES, get(public_folder_databases))
        .route(routes::MOUNT_DATABASE, post(mount_database))
        .route(routes::DISMOUNT_DATABASE, post(dismount_database))
        .fallback(not_found)
}

type Reply<T> = Result<Json<T>, ServiceError>;

async fn info(State(state): State<AppState>, Extension(role): Extension<Role>) -> Reply<ServiceInfo> {
    let topology = read(&state, |e| Ok(e.topology.clone()))?;
    Ok(Json(ServiceInfo { service: "ccrd".into(), version: env!("CARGO_PKG_VERSION").into(), topology, role }))
}

async fn cms_status(
    State(state): State<AppState>,
    query: Result<Query<IdentityQuery>, QueryRejection>,
) -> Reply<Vec<api::ClusteredMailboxServerStatus>> {
    let query = query_of(query)?;
    read(&state, |e| queries::cms_status(e, &query)).map(Json)
}

async fn mailbox_servers(
    State(state): State<AppState>,
    query: Result<Query<IdentityQuery>, QueryRejection>,
) -> Reply<Vec<api::MailboxServer>> {
    let query = query_of(query)?;
    read(&state, |e| queries::mailbox_servers(e, &query)).map(Json)
}

async fn storage_groups(
    State(state): State<AppState>,
    query: Result<Query<StoreQuery>, QueryRejection>,
) -> Reply<Vec<api::StorageGroup>> {
    let query = query_of(query)?;
    read(&state, |e| queries::storage_groups(e, &query)).map(Json)
}

async fn copy_status(
    State(state): State<AppState>,
    query: Result<Query<CopyStatusQuery>, QueryRejection>,
) -> Reply<Vec<api::StorageGroupCopyStatus>> {
    let query = query_of(query)?;
    read(&state, |e| queries::copy_status(e, &query)).map(Json)
}

async fn mailbox_databases(
    State(state): State<AppState>,
    query: Result<Query<StoreQuery>, QueryRejection>,
) -> Reply<Vec<api::Database>> {
    let query = query_of(query)?;
    read(&state, |e| queries::databases(e, DatabaseKind::Mailbox, &query)).map(Json)
}

async fn public_folder_databases(
    State(state): State<AppState>,
    query: Result<Query<StoreQuery>, QueryRejection>,
) -> Reply<Vec<api::Database>> {
    let query = query_of(query)?;
    read(&state, |e| queries::databases(e, DatabaseKind::PublicFolder, &query)).map(Json)
}

async fn mount_database(
    State(state): State<AppState>,
    Extension(role): Extension<Role>,
    body: Result<Json<DatabaseRequest>, JsonRejection>,
) -> Reply<api::Database> {
    set_mounted(&state, role, body, true)
}

async fn dismount_database(
    State(state): State<AppState>,
    Extension(role): Extension<Role>,
    body: Result<Json<DatabaseRequest>, JsonRejection>,
) -> Reply<api::Database> {
    set_mounted(&state, role, body, false)
}

/// Mounts or dismounts under the estate's write lock: the change is decided on a copy,
/// written to SQLite, and only then made visible and acknowledged.
fn set_mounted(
    state: &AppState,
    role: Role,
    body: Result<Json<DatabaseRequest>, JsonRejection>,
    mount: bool,
) -> Reply<api::Database> {
    require_administrator(role)?;
    let Json(request) =
        body.map_err(|e| ServiceError::invalid_request(e.body_text(), "docs/api.md describes the request body."))?;
    let mut estate = state.estate.write().map_err(|e| ServiceError::internal(&e))?;
    let mut next = estate.clone();
    let change = operations::set_mounted(&mut next, &request.identity, None, mount)?;
    if change.changed && !request.dry_run {
        let mut store = state.store.lock().map_err(|e| ServiceError::internal(&e))?;
        store.update_database(&change.database).map_err(|e| ServiceError::internal(&e))?;
        *estate = next;
    }
    Ok(Json(queries::database_view(&change.database, true)))
}

fn require_administrator(role: Role) -> Result<(), ServiceError> {
    match role {
        Role::Administrator => Ok(()),
        Role::ViewOnly => Err(ServiceError(ErrorBody {
            code: ErrorCode::InsufficientRole,
            message: "Access is denied. The view-only token can read the estate but not change it.".into(),
            hint: Some("Use the lab's admin.token to make changes.".into()),
            target: None,
        })),
    }
}

async fn not_found(uri: axum::http::Uri) -> ServiceError {
    ServiceError::invalid_request(
        format!("There is no endpoint at {}.", uri.path()),
        "docs/api.md lists the endpoints.",
    )
}

/// A query string that does not fit the endpoint is the caller's mistake, answered in the
/// API's error shape rather than axum's plain text.
fn query_of<T: DeserializeOwned>(query: Result<Query<T>, QueryRejection>) -> Result<T, ServiceError> {
    query.map(|Query(q)| q).map_err(|e| {
        ServiceError::invalid_request(e.body_text(), "docs/api.md lists each endpoint's query parameters.")
    })
}

/// Runs a read under the estate's read lock.
fn read<T>(state: &AppState, f: impl FnOnce(&Estate) -> Result<T, EngineError>) -> Result<T, ServiceError> {
    let estate = state.estate.read().map_err(|e| ServiceError::internal(&e))?;
    Ok(f(&estate)?)
}
