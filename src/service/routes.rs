//! The routes: one handler per endpoint of `api::routes`, each a thin call into
//! `engine::queries` under the estate's read lock.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Extension, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::de::DeserializeOwned;

use super::AppState;
use super::error::ServiceError;
use crate::api::{self, CopyStatusQuery, DatabaseKind, IdentityQuery, Role, ServiceInfo, StoreQuery, routes};
use crate::engine::{EngineError, Estate, queries};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(routes::INFO, get(info))
        .route(routes::CMS_STATUS, get(cms_status))
        .route(routes::MAILBOX_SERVERS, get(mailbox_servers))
        .route(routes::STORAGE_GROUPS, get(storage_groups))
        .route(routes::STORAGE_GROUP_COPY_STATUS, get(copy_status))
        .route(routes::MAILBOX_DATABASES, get(mailbox_databases))
        .route(routes::PUBLIC_FOLDER_DATABASES, get(public_folder_databases))
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
