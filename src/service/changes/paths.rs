//! Move-StorageGroupPath and Move-DatabasePath: thin handlers that run the engine's path moves
//! (`engine::paths`) through [`mutate`]. The lab's files stay in each copy's folder; the node
//! file view follows the recorded paths.
//!
//! Must not: check preconditions itself, or touch files.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Extension, State};

use super::{Change, Done, Reply, blocking, body, mutate};
use crate::api::{DatabasePathRequest, OperationResult, StorageGroupPathRequest};
use crate::engine::paths;
use crate::service::AppState;
use crate::service::auth::Caller;

pub async fn move_storage_group_path(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Result<Json<StorageGroupPathRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    let request = body(request)?;
    blocking(move || {
        mutate(&state, caller, Change::of("Move-StorageGroupPath", &request, None), |w| {
            let (changed, report) = paths::move_storage_group_path(
                &mut w.estate,
                &request.identity,
                request.log_folder_path.as_deref(),
                request.system_folder_path.as_deref(),
                request.configuration_only,
            )?;
            Ok(Done::plain(report, changed))
        })
    })
    .await
}

pub async fn move_database_path(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Result<Json<DatabasePathRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    let request = body(request)?;
    blocking(move || {
        mutate(&state, caller, Change::of("Move-DatabasePath", &request, None), |w| {
            let (changed, report) = paths::move_database_path(
                &mut w.estate,
                &request.identity,
                &request.edb_file_path,
                request.configuration_only,
            )?;
            Ok(Done::plain(report, changed))
        })
    })
    .await
}
