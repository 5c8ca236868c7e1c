//! The routes: one handler per endpoint of `api::routes`. Reads are thin calls into
//! `engine::queries` under the estate's read lock (or the journal's reader); changes are
//! handled in `changes`.

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Extension, Query, State};
use axum::routing::{get, post};
use serde::de::DeserializeOwned;

use super::bounds::Bounded;
use super::error::ServiceError;
use super::json_body::Json;
use super::{AppState, changes, mail, replication};
use crate::api::{
    self, CopyStatusQuery, DatabaseKind, EventQuery, HistoryQuery, IdentityQuery, Role, ServiceInfo, StoreQuery, routes,
};
use crate::engine::{EngineError, Estate, identity, queries};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(routes::INFO, get(info))
        .route(routes::CMS_STATUS, get(cms_status))
        .route(routes::MAILBOX_SERVERS, get(mailbox_servers))
        .route(routes::EXCHANGE_SERVERS, get(exchange_servers))
        .route(routes::MAILBOXES, get(mailboxes))
        .route(routes::MAILBOX_STATISTICS, get(mailbox_statistics))
        .route(routes::TRANSPORT_SERVERS, get(transport_servers))
        .route(routes::QUEUES, get(queues))
        .route(routes::STORAGE_GROUPS, get(storage_groups))
        .route(routes::STORAGE_GROUP_COPY_STATUS, get(copy_status))
        .route(routes::MAILBOX_DATABASES, get(mailbox_databases))
        .route(routes::PUBLIC_FOLDER_DATABASES, get(public_folder_databases))
        .route(routes::EVENTS, get(events).post(changes::write_event))
        .route(routes::HISTORY, get(history))
        .route(routes::LAB_MAIL_STATISTICS, get(mail_statistics))
        .route(routes::MOUNT_DATABASE, post(changes::mount_database))
        .route(routes::DISMOUNT_DATABASE, post(changes::dismount_database))
        .route(routes::MOVE_CMS, post(changes::move_cms))
        .route(routes::STOP_CMS, post(changes::stop_cms))
        .route(routes::START_CMS, post(changes::start_cms))
        .route(routes::SUSPEND_COPY, post(changes::suspend_copy))
        .route(routes::RESUME_COPY, post(changes::resume_copy))
        .route(routes::LAB_MAIL, post(changes::send_mail))
        .route(routes::LAB_SETTLE, post(changes::settle))
        .route(routes::RESTORE_COPY, post(changes::restore_copy))
        .route(routes::LAB_RESET, post(changes::reset))
        .route(routes::LAB_EXPORT, post(changes::export))
        .route(routes::LAB_IMPORT, post(changes::import))
        .route(routes::SET_MAILBOX_SERVER, post(changes::set_mailbox_server))
        .route(routes::SET_MAILBOX_DATABASE, post(changes::set_mailbox_database))
        .route(routes::MOVE_STORAGE_GROUP_PATH, post(changes::move_storage_group_path))
        .route(routes::NEW_STORAGE_GROUP, post(changes::new_storage_group))
        .route(routes::NEW_MAILBOX_DATABASE, post(changes::new_mailbox_database))
        .route(routes::REMOVE_STORAGE_GROUP, post(changes::remove_storage_group))
        .route(routes::REMOVE_MAILBOX_DATABASE, post(changes::remove_mailbox_database))
        .route(routes::MOVE_DATABASE_PATH, post(changes::move_database_path))
        .route(routes::ENABLE_COPY, post(changes::enable_copy))
        .route(routes::DISABLE_COPY, post(changes::disable_copy))
        .route(routes::SEED_COPY, post(changes::seed_copy))
        .route(routes::SETUP, post(changes::run_setup))
        .route(routes::MOVE_CLUSTER_GROUP, post(changes::move_cluster_group))
        .route(routes::TRANSPORT_CONFIG, get(transport_config).post(changes::set_transport_config))
        .route(routes::LAB_NODES, get(lab_nodes))
        .route(routes::LAB_VOLUMES, get(lab_volumes))
        .route(routes::LAB_FILES, get(lab_files))
        .route(routes::LAB_SERVICES, get(lab_services))
        .route(routes::LAB_ESEUTIL, get(lab_eseutil))
        .route(routes::PROGRESS, get(progress))
        .route(routes::FAILOVER_CLUSTERS, get(failover_clusters))
        .route(routes::LAB_NODE_STOP, post(changes::stop_node))
        .route(routes::LAB_NODE_START, post(changes::start_node))
        .route(routes::LAB_NETWORK, post(changes::set_network))
        .route(routes::LAB_FAULT, post(changes::set_fault))
        .route(routes::LAB_CLOCK, post(changes::set_clock))
        .fallback(not_found)
}

type Reply<T> = Result<Json<T>, ServiceError>;

async fn info(State(state): State<AppState>, Extension(role): Extension<Role>) -> Reply<ServiceInfo> {
    let (topology, estate_version, domain, workstation) =
        read(&state, |e| Ok((e.topology.clone(), e.version, e.domain.clone(), e.workstation.clone())))?;
    Ok(Json(ServiceInfo {
        service: "ccrd".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        topology,
        role,
        estate_version,
        domain,
        workstation,
    }))
}

async fn exchange_servers(
    State(state): State<AppState>,
    query: Result<Query<IdentityQuery>, QueryRejection>,
) -> Reply<Vec<api::ExchangeServer>> {
    let query = query_of(query)?;
    read(&state, |e| queries::exchange_servers(e, &query)).map(Json)
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
    // The estate is read under its lock; the ledger is read after the lock is released.
    let (mut entries, dumpster) = read(&state, |e| {
        let entries = queries::copy_status(e, &query)?;
        let dumpster: Option<Vec<Option<DumpsterScope>>> =
            query.dumpster_statistics.then(|| entries.iter().map(|c| DumpsterScope::of(e, &c.identity)).collect());
        Ok((entries, dumpster))
    })?;
    if let Some(scopes) = dumpster {
        let reader = crate::service::unpoisoned(&state.reader);
        for (entry, scope) in entries.iter_mut().zip(scopes) {
            let Some(scope) = scope else { continue };
            let statistics = scope.statistics(reader.as_ref()).map_err(|e| ServiceError::internal(&e))?;
            entry.dumpster_statistics = Some(statistics);
        }
    }
    Ok(Json(entries))
}

/// What the transport dumpster of one storage group keeps, as the estate sets it: the storage
/// group, MaxDumpsterTime (as the oldest acceptance kept, by the lab clock),
/// MaxDumpsterSizePerStorageGroup, and the hub transport servers of its server's site.
struct DumpsterScope {
    server: String,
    storage_group: String,
    oldest_kept: chrono::DateTime<chrono::Utc>,
    max_size_bytes: u64,
    hub_transport_servers: Vec<String>,
}

impl DumpsterScope {
    /// The scope of the storage group `identity` (`SERVER\GROUP`); `None` for another form.
    fn of(estate: &Estate, identity: &str) -> Option<DumpsterScope> {
        let (server, storage_group) = identity.split_once('\\')?;
        let now = estate.lab_time(chrono::Utc::now());
        let max_time = i64::try_from(estate.max_dumpster_time_seconds).unwrap_or(i64::MAX / 2000);
        let site = estate.server(server).and_then(|s| estate.datacenter_of(&s.active_node));
        Some(DumpsterScope {
            server: server.to_string(),
            storage_group: storage_group.to_string(),
            oldest_kept: now - chrono::Duration::seconds(max_time),
            max_size_bytes: estate.max_dumpster_size_bytes,
            hub_transport_servers: estate
                .hub_transport_servers
                .iter()
                .filter(|h| site.is_none_or(|d| h.datacenter.eq_ignore_ascii_case(d)))
                .map(|h| h.name.clone())
                .collect(),
        })
    }

    /// What the dumpster holds on each hub transport server: the newest accepted messages within
    /// both limits, oldest dropped first. Reads the ledger newest first and stops at the first
    /// range past either limit.
    fn statistics(
        self,
        reader: &dyn crate::service::store::JournalRead,
    ) -> Result<Vec<api::DumpsterStatistics>, crate::service::store::StoreError> {
        let (mut count, mut bytes, mut oldest) = (0u64, 0u64, None);
        reader.accepted(&self.server, &self.storage_group, true, &mut |range| {
            if range.accepted_at < self.oldest_kept {
                return false;
            }
            let room = self.max_size_bytes.saturating_sub(bytes);
            let fits = room.checked_div(range.size).map_or(range.count, |n| n.min(range.count));
            if fits > 0 {
                count += fits;
                bytes += fits * range.size;
                oldest = Some(range.accepted_at);
            }
            fits == range.count
        })?;
        Ok(self
            .hub_transport_servers
            .into_iter()
            .map(|server| api::DumpsterStatistics { server, oldest_item: oldest, item_count: count, size_bytes: bytes })
            .collect())
    }
}

async fn mailboxes(
    State(state): State<AppState>,
    query: Result<Query<api::MailboxQuery>, QueryRejection>,
) -> Reply<Vec<api::Mailbox>> {
    let query = query_of(query)?;
    read(&state, |e| queries::mailboxes(e, &query)).map(Json)
}

/// `Get-MailboxStatistics`: per mailbox, the messages addressed to it that the active copy of
/// its database holds.
async fn mailbox_statistics(
    State(state): State<AppState>,
    query: Result<Query<api::MailboxQuery>, QueryRejection>,
) -> Reply<Vec<api::MailboxStatistics>> {
    let query = query_of(query)?;
    let (boxes, estate) = read(&state, |e| Ok((queries::mailboxes(e, &query)?, e.clone())))?;
    let mut out = Vec::new();
    // Per storage group: whether its database can be opened, the ledger's ranges addressed to
    // a mailbox, and the ids its active copy holds (sorted).
    type Held = (bool, Vec<crate::service::store::AcceptedRange>, Vec<u64>);
    let mut held_by_group: std::collections::HashMap<String, Held> = std::collections::HashMap::new();
    for mailbox in boxes {
        let Some(m) = estate.mailboxes.iter().find(|m| m.alias == mailbox.alias) else { continue };
        let db = estate.databases.iter().find(|d| m.in_database(d));
        let key = format!("{}\\{}", m.server, m.storage_group);
        if !held_by_group.contains_key(&key) {
            let available = db.is_some_and(|d| crate::engine::operations::delivery_blocked(&estate, d).is_none());
            let mut ranges = Vec::new();
            {
                let reader = crate::service::unpoisoned(&state.reader);
                reader
                    .accepted(&m.server, &m.storage_group, false, &mut |range| {
                        if range.recipient.is_some() {
                            ranges.push(range.clone());
                        }
                        true
                    })
                    .map_err(|e| ServiceError::internal(&e))?;
            }
            let sg = estate.storage_group_position(&m.server, &m.storage_group).map(|i| &estate.storage_groups[i]);
            let files =
                sg.and_then(|sg| replication::active_files(&replication::files_root(&state.lab, &estate), &estate, sg));
            let mut held = match files {
                Some(files) => files.message_ids().map_err(|e| ServiceError::internal(&e))?,
                None => Vec::new(),
            };
            held.sort_unstable();
            held_by_group.insert(key.clone(), (available, ranges, held));
        }
        let Some((available, ranges, held)) = held_by_group.get(&key) else { continue };
        let (mut count, mut bytes) = (0u64, 0u64);
        for range in ranges.iter().filter(|r| r.recipient.as_deref().is_some_and(|a| a.eq_ignore_ascii_case(&m.alias)))
        {
            let ids = range.ids();
            let n = (held.partition_point(|&id| id < ids.end) - held.partition_point(|&id| id < ids.start)) as u64;
            count += n;
            bytes += n * range.size;
        }
        out.push(api::MailboxStatistics {
            display_name: m.name.clone(),
            item_count: count,
            total_item_size_bytes: bytes,
            last_logon_time: None,
            legacy_dn: mailbox.legacy_exchange_dn.clone(),
            mailbox_guid: mailbox.directory.guid.clone(),
            database: mailbox.database.clone(),
            server_name: m.server.clone(),
            storage_group_name: m.storage_group.clone(),
            database_name: m.database.clone(),
            available: *available,
        });
    }
    Ok(Json(out))
}

async fn transport_servers(
    State(state): State<AppState>,
    query: Result<Query<IdentityQuery>, QueryRejection>,
) -> Reply<Vec<api::TransportServer>> {
    let query = query_of(query)?;
    read(&state, |e| queries::transport_servers(e, &query)).map(Json)
}

async fn queues(
    State(state): State<AppState>,
    query: Result<Query<api::QueueQuery>, QueryRejection>,
) -> Reply<Vec<api::Queue>> {
    let query = query_of(query)?;
    read(&state, |e| queries::queues(e, &query)).map(Json)
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

async fn transport_config(State(state): State<AppState>) -> Reply<api::TransportConfig> {
    read(&state, |e| {
        Ok(api::TransportConfig {
            max_dumpster_size_per_storage_group_bytes: e.max_dumpster_size_bytes,
            max_dumpster_time_seconds: e.max_dumpster_time_seconds,
            directory: crate::engine::directory::plumbing(
                e,
                crate::engine::directory::ObjectKind::TransportSettings,
                "Transport Settings",
                crate::engine::directory::transport_settings_dn(e),
            ),
        })
    })
    .map(Json)
}

async fn failover_clusters(
    State(state): State<AppState>,
    query: Result<Query<api::ClusterQuery>, QueryRejection>,
) -> Reply<api::FailoverClusters> {
    let query = query_of(query)?;
    read(&state, |e| queries::failover_clusters(e, &query)).map(Json)
}

async fn progress(State(state): State<AppState>) -> Reply<Vec<api::ProgressRecord>> {
    Ok(Json(crate::service::unpoisoned(&state.progress).clone()))
}

async fn lab_nodes(State(state): State<AppState>) -> Reply<Vec<api::LabNode>> {
    read(&state, |e| Ok(queries::lab_nodes(e))).map(Json)
}

/// `Get-WmiObject Win32_LogicalDisk`: each node's `C:` (and the workstation's), sized as the
/// real file system that holds its lab files, with what those files take. A clustered mailbox
/// server's name reaches the node it runs on, as its network name does while it is online.
async fn lab_volumes(
    State(state): State<AppState>,
    query: Result<Query<IdentityQuery>, QueryRejection>,
) -> Reply<Vec<api::Volume>> {
    let query = query_of(query)?;
    let wanted = query.identity.map(|w| w.split('.').next().unwrap_or_default().to_ascii_lowercase());
    let (computers, files, wanted) = read(&state, |e| {
        let mut computers: Vec<(String, bool)> = e.nodes.iter().map(|n| (n.name.clone(), n.powered_on)).collect();
        if !e.workstation.is_empty() {
            computers.push((e.workstation.clone(), true));
        }
        let serving = |name: &str| {
            e.servers.iter().find(|s| s.name.eq_ignore_ascii_case(name)).map(|s| match s.state {
                api::CmsState::Online | api::CmsState::PartiallyOnline => s.active_node.to_ascii_lowercase(),
                // Its network name is offline: nothing answers to it.
                _ => String::new(),
            })
        };
        let wanted = wanted.map(|w| serving(&w).unwrap_or(w));
        Ok((computers, replication::files_root(&state.lab, e), wanted))
    })?;
    let lab = state.lab.clone();
    tokio::task::spawn_blocking(move || {
        computers
            .into_iter()
            .filter(|(name, _)| wanted.as_deref().is_none_or(|w| name.eq_ignore_ascii_case(w)))
            .map(|(computer, powered_on)| {
                let dir = crate::service::copy_files::node_dir(&files, &computer);
                let on = if dir.is_dir() { dir.clone() } else { lab.to_path_buf() };
                let (capacity_bytes, free_bytes) = rustix::fs::statvfs(&on)
                    .map(|s| (s.f_blocks.saturating_mul(s.f_frsize), s.f_bavail.saturating_mul(s.f_frsize)))
                    .unwrap_or((0, 0));
                api::Volume {
                    computer,
                    drive_letter: "C:".into(),
                    capacity_bytes,
                    free_bytes,
                    lab_bytes: bytes_under(&dir),
                    powered_on,
                }
            })
            .collect::<Vec<_>>()
    })
    .await
    .map(Json)
    .map_err(|e| ServiceError::internal(&e))
}

/// `GET /v1/lab/files`: a node's Windows path, read-only (service::node_files).
async fn lab_files(
    State(state): State<AppState>,
    query: Result<Query<api::LabFilesQuery>, QueryRejection>,
) -> Reply<api::LabPath> {
    let query = query_of(query)?;
    let folders = read(&state, |e| {
        let on = e.nodes.iter().any(|n| n.powered_on && n.name.eq_ignore_ascii_case(&query.node));
        let files = replication::files_root(&state.lab, e);
        Ok(if on { crate::service::node_files::mapped_folders(&files, e, &query.node) } else { Vec::new() })
    })?;
    let path = query.path.clone();
    let content = query.content;
    let (mut found, bytes) = tokio::task::spawn_blocking(move || {
        let found = crate::service::node_files::look_up(&folders, &path)?;
        let bytes = (content && !found.item.directory)
            .then(|| crate::service::node_files::read_file(&folders, &path))
            .flatten();
        Some((found, bytes))
    })
    .await
    .map_err(|e| ServiceError::internal(&e))?
    .ok_or_else(|| crate::service::node_files::not_found(&query.node, &query.path))?;
    if let Some(bytes) = bytes {
        use base64::Engine as _;
        let bytes = bytes.map_err(|e| {
            ServiceError(api::ErrorBody {
                code: api::ErrorCode::InvalidRequest,
                message: e.to_string(),
                hint: Some("Read a smaller file, or list the folder with Get-ChildItem.".into()),
                target: Some(query.path.clone()),
                report: None,
                candidates: Vec::new(),
            })
        })?;
        found.content = Some(base64::engine::general_purpose::STANDARD.encode(bytes));
    }
    Ok(Json(found))
}

/// `eseutil /mh`, `/ml` on a node: a copy's database header or logs (service::eseutil).
async fn lab_eseutil(
    State(state): State<AppState>,
    query: Result<Query<api::EseutilQuery>, QueryRejection>,
) -> Reply<api::EseutilReport> {
    let query = query_of(query)?;
    let facts = read(&state, |e| {
        let on = e.nodes.iter().any(|n| n.powered_on && n.name.eq_ignore_ascii_case(&query.node));
        let files = replication::files_root(&state.lab, e);
        let folders = if on { crate::service::node_files::mapped_folders(&files, e, &query.node) } else { Vec::new() };
        Ok(crate::service::eseutil::Facts { folders, estate: e.clone() })
    })?;
    tokio::task::spawn_blocking(move || crate::service::eseutil::report(&facts, &query))
        .await
        .map_err(|e| ServiceError::internal(&e))?
        .map(Json)
}

/// `Get-Service`, `Test-ServiceHealth`: a lab computer's services (engine::services).
async fn lab_services(
    State(state): State<AppState>,
    query: Result<Query<api::ServicesQuery>, QueryRejection>,
) -> Reply<api::LabServices> {
    let query = query_of(query)?;
    read(&state, |e| crate::engine::services::services(e, &query)).map(Json)
}

/// The bytes of the regular files under `dir` (links not followed); 0 when it is missing.
fn bytes_under(dir: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .map(|entry| match entry.file_type() {
            Ok(t) if t.is_dir() => bytes_under(&entry.path()),
            Ok(t) if t.is_file() => entry.metadata().map_or(0, |m| m.len()),
            _ => 0,
        })
        .sum()
}

async fn events(
    State(state): State<AppState>,
    query: Result<Query<EventQuery>, QueryRejection>,
) -> Reply<Vec<api::EventEntry>> {
    let query = query_of(query)?;
    journal(state, move |reader| reader.events(&query)).await
}

async fn history(
    State(state): State<AppState>,
    query: Result<Query<HistoryQuery>, QueryRejection>,
) -> Reply<Vec<api::OperationRecord>> {
    let query = query_of(query)?;
    tokio::task::spawn_blocking(move || state.audit.search(&query))
        .await
        .map_err(|e| ServiceError::internal(&e))?
        .map(Json)
        .map_err(|e| ServiceError::internal(&e))
}

/// The loss ledger of one database: from the counters kept with the ledger (constant time and
/// memory, consistent with the estate version read), or with `verify` counted again from the
/// active copy's files and the ledger, both under the writer lock (one estate version). Either
/// runs on a blocking thread.
async fn mail_statistics(
    State(state): State<AppState>,
    query: Result<Query<api::MailStatisticsQuery>, QueryRejection>,
) -> Reply<api::MailStatistics> {
    let query = query_of(query)?;
    let id = query.identity.ok_or_else(|| {
        ServiceError::invalid_request("The database to report on is missing.".into(), "Pass ?identity=DATABASE.")
    })?;
    let internal = |e: &dyn std::fmt::Display| ServiceError::internal(&e);
    tokio::task::spawn_blocking(move || {
        let found = |e: &Estate| -> Result<(crate::engine::Database, crate::engine::StorageGroup), EngineError> {
            let db = identity::database(e, &id, None)?.clone();
            let sg = e.storage_group_of(&db.server, &db.storage_group).cloned().ok_or_else(|| {
                EngineError::Invalid { message: format!("'{id}' has no storage group."), hint: String::new() }
            })?;
            Ok((db, sg))
        };
        if !query.verify {
            let (db, sg) = read(&state, found)?;
            let reader = crate::service::unpoisoned(&state.reader);
            return mail::from_counters(&db, &sg, reader.as_ref()).map_err(|e| internal(&e));
        }
        let mut deciding = state.decide()?;
        deciding.flush().map_err(|e| internal(&e))?;
        let estate = deciding.estate().clone();
        let (db, sg) = found(&estate)?;
        let files = replication::active_files(&replication::files_root(&state.lab, &estate), &estate, &sg);
        let held = mail::Held::of(files.as_ref(), estate.next_message_id).map_err(|e| internal(&e))?;
        // The ledger is read under the writer lock too: a delivery committed after the files
        // were read would otherwise count as accepted and not held (issue 10.8).
        let reader = deciding.reader().map_err(|e| internal(&e))?;
        let tally = mail::scan(reader.as_ref(), &sg, &held, &[], &[]).map_err(|e| internal(&e))?;
        drop(deciding);
        Ok(mail::from_tally(&db, tally))
    })
    .await
    .map_err(|e| ServiceError::internal(&e))?
    .map(Json)
}

/// Runs a read of the journal on a blocking thread (it reads SQLite).
async fn journal<T: Send + 'static>(
    state: AppState,
    f: impl FnOnce(&dyn crate::service::store::JournalRead) -> Result<T, crate::service::store::StoreError> + Send + 'static,
) -> Reply<T> {
    tokio::task::spawn_blocking(move || {
        let reader = crate::service::unpoisoned(&state.reader);
        f(reader.as_ref()).map_err(|e| ServiceError::internal(&e))
    })
    .await
    .map_err(|e| ServiceError::internal(&e))?
    .map(Json)
}

async fn not_found(uri: axum::http::Uri) -> ServiceError {
    ServiceError::invalid_request(
        format!("There is no endpoint at {}.", uri.path()),
        "docs/api.md lists the endpoints.",
    )
}

/// A query string that does not fit the endpoint is the caller's mistake, answered in the
/// API's error shape rather than axum's plain text.
pub(super) fn query_of<T: DeserializeOwned + Bounded>(
    query: Result<Query<T>, QueryRejection>,
) -> Result<T, ServiceError> {
    let query = query.map(|Query(q)| q).map_err(|e| {
        ServiceError::invalid_request(e.body_text(), "docs/api.md lists each endpoint's query parameters.")
    })?;
    query.check()?;
    Ok(query)
}

/// Runs a read under the estate's read lock. (Handlers wait for [`AppState::ready`] first: a lab
/// still being repaired after a crash has log counters that are not the files' yet.)
fn read<T>(state: &AppState, f: impl FnOnce(&Estate) -> Result<T, EngineError>) -> Result<T, ServiceError> {
    let estate = state.read_estate();
    Ok(f(&estate)?)
}
