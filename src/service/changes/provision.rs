//! New-StorageGroup, New-MailboxDatabase, Remove-MailboxDatabase and Remove-StorageGroup: thin
//! handlers that run the engine's rules (`engine::provision`) through [`mutate`], then make the
//! new storage group's folders on its active node and on each node that holds a copy, or delete
//! a removed storage group's.
//!
//! Must not: check preconditions itself.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Extension, State};

use super::{Change, Done, Reply, blocking, body, internal, mutate, service_failure};
use crate::api::{IdentityRequest, NewMailboxDatabaseRequest, NewStorageGroupRequest, OperationResult};
use crate::engine::provision::{self, NewDatabase, NewStorageGroup};
use crate::service::AppState;
use crate::service::auth::Caller;
use crate::service::copy_files::CopyFiles;
use crate::service::replication;

pub async fn new_storage_group(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Result<Json<NewStorageGroupRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    let request = body(request)?;
    blocking(move || {
        mutate(&state, caller, Change::of("New-StorageGroup", &request, None), |w| {
            let ask = NewStorageGroup {
                server: &request.server,
                name: &request.name,
                log_folder_path: request.log_folder_path.as_deref(),
                system_folder_path: request.system_folder_path.as_deref(),
            };
            let (identity, report) = provision::new_storage_group(&mut w.estate, &ask)?;
            if !w.dry_run {
                let files = w.files();
                let sg = crate::engine::identity::storage_group(&w.estate, &identity)?.clone();
                let active = replication::active_files(&files, &w.estate, &sg);
                let copies = w.estate.copies_of(&sg).filter_map(|c| replication::copy_files(&files, &w.estate, c));
                for folder in active.into_iter().chain(copies.collect::<Vec<_>>()) {
                    folder.open_or_create().map_err(|e| service_failure(internal(&e)))?;
                }
            }
            Ok(Done::plain(report, true))
        })
    })
    .await
}

pub async fn new_mailbox_database(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Result<Json<NewMailboxDatabaseRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    let request = body(request)?;
    blocking(move || {
        mutate(&state, caller, Change::of("New-MailboxDatabase", &request, None), |w| {
            let ask = NewDatabase {
                storage_group: &request.storage_group,
                name: &request.name,
                edb_file_path: request.edb_file_path.as_deref(),
            };
            let (_, report) = provision::new_mailbox_database(&mut w.estate, &ask)?;
            Ok(Done::plain(report, true))
        })
    })
    .await
}

pub async fn remove_mailbox_database(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Result<Json<IdentityRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    let request = body(request)?;
    blocking(move || {
        mutate(&state, caller, Change::of("Remove-MailboxDatabase", &request, None), |w| {
            let (edb_file, report) = provision::remove_mailbox_database(&mut w.estate, &request.identity)?;
            let mut done = Done::plain(report, true);
            done.warnings.push(format!(
                "The database was removed; its file {edb_file} stays on the disk of each node that holds a copy. Delete \
                 it there before you create a database with that file."
            ));
            Ok(done)
        })
    })
    .await
}

pub async fn remove_storage_group(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Result<Json<IdentityRequest>, JsonRejection>,
) -> Reply<OperationResult> {
    let request = body(request)?;
    blocking(move || {
        mutate(&state, caller, Change::of("Remove-StorageGroup", &request, None), |w| {
            let active = {
                let sg = crate::engine::identity::storage_group(&w.estate, &request.identity)?;
                w.estate.server_of(sg).map(|s| s.active_node.clone())
            };
            let (sg, copies, report) = provision::remove_storage_group(&mut w.estate, &request.identity)?;
            if !w.dry_run {
                // The lab deletes the logs with the storage group, so a new storage group of the
                // same name never takes them for its own.
                let files = w.files();
                for node in active.into_iter().chain(copies.into_iter().map(|c| c.node)) {
                    let folder = CopyFiles::new(&files, &node, &sg.server, &sg.name, &sg.log_prefix);
                    match folder.dir().remove_dir_all() {
                        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                            return Err(service_failure(internal(&e)));
                        }
                        _ => {}
                    }
                }
            }
            Ok(Done::plain(report, true))
        })
    })
    .await
}
