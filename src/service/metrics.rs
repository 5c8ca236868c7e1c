//! ccrd's metrics, served at `GET /metrics` in the Prometheus text exposition format
//! (version 0.0.4) by `prometheus-client`.
//!
//! Two kinds of numbers: the estate's state (copy and replay queues, copy status, CMS state
//! and active node, node power and reachability) is read from the published estate when a
//! scraper asks, so the read path pays nothing for it; counters and histograms (moves,
//! failovers, lossy mounts, changes, messages, request and commit latency) are updated by the
//! writer's observer (each commit and each published estate, `service::Observed`), the audit
//! of each change (`changes::audit`) and the request layer in `observe`.
//! docs/api.md lists every metric with its labels.
//!
//! Owns: the registry, the metric names and labels, and the `/metrics` route with its token
//! check (the metrics token, or the viewer or admin token).
//!
//! Must not: change the estate, or take the writer lock.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::extract::{MatchedPath, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Router, http};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{
    DescriptorEncoder, EncodeLabelSet, EncodeLabelValue, EncodeMetric, LabelValueEncoder, NoLabelSet,
};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use super::latency::RequestLatencies;
use super::store::Journal;
use super::tokens::constant_time_eq;
use super::{AppState, Cause};
use crate::api::{CmsState, CopyStatus, OperationRecord};
use crate::engine::objects::{Objects, Shared};
use crate::engine::{Estate, queries};

/// The metrics route.
pub const PATH: &str = "/metrics";

/// Upper bounds (seconds) of the latency buckets: 0.25 ms to 10 s.
const LATENCY_BUCKETS: [f64; 15] =
    [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Every copy status, for the `ccrd_copy_status` state set (all of them: a state set with a
/// value missing would leave a copy in that state with no series at 1).
const COPY_STATUSES: [CopyStatus; 11] = [
    CopyStatus::Healthy,
    CopyStatus::Initializing,
    CopyStatus::Suspended,
    CopyStatus::Failed,
    CopyStatus::Seeding,
    CopyStatus::ServiceDown,
    CopyStatus::Resynchronizing,
    CopyStatus::Disabled,
    CopyStatus::NotConfigured,
    CopyStatus::NotSupported,
    CopyStatus::Stopped,
];

/// Every CMS state, for the `ccrd_cms_state` state set.
const CMS_STATES: [CmsState; 6] = [
    CmsState::Online,
    CmsState::PartiallyOnline,
    CmsState::OnlinePending,
    CmsState::Offline,
    CmsState::OfflinePending,
    CmsState::Failed,
];

/// The cmdlets that move a CMS on an administrator's request; any other change of active node
/// is a failover.
const MOVES: [&str; 2] = ["Move-ClusteredMailboxServer", "Move-ClusterGroup"];

/// A request's route as a label: the route's template (`/v1/storage-groups/copy-status`), or
/// `unmatched` — never the request's own path, so the number of series stays bounded. Holds
/// the router's shared template, so labelling a request copies no text.
#[derive(Clone, Debug)]
pub struct RouteLabel(Option<MatchedPath>);

impl RouteLabel {
    pub fn new(route: Option<MatchedPath>) -> RouteLabel {
        RouteLabel(route)
    }

    pub fn as_str(&self) -> &str {
        self.0.as_ref().map_or("unmatched", MatchedPath::as_str)
    }
}

impl PartialEq for RouteLabel {
    fn eq(&self, other: &RouteLabel) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for RouteLabel {}

impl std::hash::Hash for RouteLabel {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl EncodeLabelValue for RouteLabel {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        EncodeLabelValue::encode(&self.as_str(), encoder)
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ServerLabels {
    server: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StorageGroupLabels {
    server: String,
    storage_group: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ChangeLabels {
    cmdlet: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CmdletLabels {
    cmdlet: String,
}

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

/// The registry and the metrics the hooks update.
pub struct Metrics {
    registry: Registry,
    requests: Arc<RequestLatencies>,
    commits: Histogram,
    moves: Family<ServerLabels, Counter>,
    failovers: Family<ServerLabels, Counter>,
    lossy_mounts: Family<StorageGroupLabels, Counter>,
    changes: Family<ChangeLabels, Counter>,
    refused: Family<CmdletLabels, Counter>,
    acknowledged: Counter,
    lost: Counter,
    resent: Counter,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// The metrics of a service whose readers see `estate`.
    pub fn new(estate: Arc<RwLock<Estate>>) -> Metrics {
        let mut registry = Registry::with_prefix("ccrd");
        let metrics = Metrics {
            requests: Arc::new(RequestLatencies::new(&LATENCY_BUCKETS)),
            commits: latency_histogram(),
            moves: Family::default(),
            failovers: Family::default(),
            lossy_mounts: Family::default(),
            changes: Family::default(),
            refused: Family::default(),
            acknowledged: Counter::default(),
            lost: Counter::default(),
            resent: Counter::default(),
            registry: Registry::default(),
        };
        // Recorded without a lock (see `latency`).
        registry.register_collector(Box::new(RequestLatencyCollector(metrics.requests.clone())));
        registry.register(
            "store_commit_duration_seconds",
            "Time to commit one change (estate and journal) durably to the store",
            metrics.commits.clone(),
        );
        registry.register(
            "cms_moves",
            "Scheduled moves of a clustered mailbox server (Move-ClusteredMailboxServer, Move-ClusterGroup)",
            metrics.moves.clone(),
        );
        registry.register(
            "cms_failovers",
            "Changes of a clustered mailbox server's active node that no move asked for (node loss, SCR activation)",
            metrics.failovers.clone(),
        );
        registry.register(
            "lossy_mounts",
            "Databases mounted without every log of their storage group (a new log lineage)",
            metrics.lossy_mounts.clone(),
        );
        registry.register(
            "changes",
            "Changes and lab calls as the audit trail records them, by cmdlet and outcome; dry runs are not counted",
            metrics.changes.clone(),
        );
        registry.register(
            "refused_changes",
            "Changes the engine refused with a precondition report, by cmdlet",
            metrics.refused.clone(),
        );
        registry.register(
            "messages_acknowledged",
            "Lab messages acknowledged to their sender (durable in the active copy's log)",
            metrics.acknowledged.clone(),
        );
        registry.register("messages_lost", "Acknowledged messages a lossy mount lost", metrics.lost.clone());
        registry.register("messages_resent", "Lost messages the transport dumpster resent", metrics.resent.clone());
        registry.register_collector(Box::new(EstateCollector { estate }));
        Metrics { registry, ..metrics }
    }

    /// Records one answered request.
    pub fn observe_request(&self, method: &http::Method, route: RouteLabel, status: StatusCode, elapsed: Duration) {
        let method = match *method {
            http::Method::GET => "GET",
            http::Method::POST => "POST",
            http::Method::HEAD => "HEAD",
            _ => "other",
        };
        self.requests.observe(method, route, status.as_u16(), elapsed);
    }

    /// Records one store commit: how long it took, and the messages its journal records.
    pub fn committed(&self, journal: &Journal, elapsed: Duration) {
        self.commits.observe(elapsed.as_secs_f64());
        self.acknowledged.inc_by(journal.accepted.iter().map(|range| range.count).sum());
        self.lost.inc_by(journal.lost.len() as u64);
        self.resent.inc_by(journal.resent.len() as u64);
    }

    /// Records one change's audit record: its cmdlet and outcome (dry runs are not counted).
    pub fn audited(&self, record: &OperationRecord) {
        if record.dry_run {
            return;
        }
        let labels = ChangeLabels { cmdlet: record.cmdlet_name.clone(), outcome: record.outcome.clone() };
        self.changes.get_or_create(&labels).inc();
        if record.outcome == "Refused" {
            self.refused.get_or_create(&CmdletLabels { cmdlet: record.cmdlet_name.clone() }).inc();
        }
    }

    /// Counts what changed between two published estates: a CMS on another node (a move or
    /// a failover, as `cause` says) and storage groups on a new log lineage (a lossy mount).
    pub fn published(&self, old: &Estate, new: &Estate, cause: Cause<'_>) {
        if matches!(cause, Cause::Replaced) {
            return; // a reset or an import: a different estate, not a change of this one
        }
        for server in &new.servers {
            let Some(before) = old.server(&server.name) else { continue };
            if before.active_node.eq_ignore_ascii_case(&server.active_node) {
                continue;
            }
            let labels = ServerLabels { server: server.name.clone() };
            let moved = matches!(cause, Cause::Change(cmdlet) if MOVES.contains(&cmdlet));
            if moved { &self.moves } else { &self.failovers }.get_or_create(&labels).inc();
        }
        // Linear in the storage groups (issue 15): an object the change did not write is still
        // shared with the old estate and skipped; the others are found at their position or
        // through the index, never by a scan per storage group.
        if Objects::same(&old.storage_groups, &new.storage_groups) {
            return;
        }
        let (old_items, new_items) = (old.storage_groups.items(), new.storage_groups.items());
        for (position, sg) in new.storage_groups.iter().enumerate() {
            if old_items.get(position).is_some_and(|b| Shared::same(b, &new_items[position])) {
                continue;
            }
            let before = old
                .storage_groups
                .get(position)
                .filter(|b| b.server == sg.server && b.name == sg.name)
                .or_else(|| old.storage_group_of(&sg.server, &sg.name));
            if before.is_some_and(|b| b.lineage != sg.lineage) {
                let labels = StorageGroupLabels { server: sg.server.clone(), storage_group: sg.name.clone() };
                self.lossy_mounts.get_or_create(&labels).inc();
            }
        }
    }

    /// The whole registry in the Prometheus text format.
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::with_capacity(16 * 1024);
        prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// The estate's state, read from the published estate at each scrape.
#[derive(Debug)]
struct EstateCollector {
    estate: Arc<RwLock<Estate>>,
}

/// `ccrd_http_request_duration_seconds`, read from the lock-free histograms of `latency`.
#[derive(Debug)]
struct RequestLatencyCollector(Arc<RequestLatencies>);

impl Collector for RequestLatencyCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let mut metric = encoder.encode_descriptor(
            "http_request_duration_seconds",
            "Time from receiving a request to its response head, by method, route template and status",
            None,
            MetricType::Histogram,
        )?;
        self.0.read(&mut |series| {
            metric.encode_family(&series.labels)?.encode_histogram::<NoLabelSet>(
                series.sum,
                series.count,
                &series.buckets,
                None,
            )
        })
    }
}

impl Collector for EstateCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        // A poisoned lock means a writer panicked: report nothing rather than a torn estate.
        let Ok(estate) = self.estate.read() else { return Ok(()) };
        let copies = queries::every_copy_status(&estate);
        let copy_labels: Vec<[(&str, &str); 4]> = copies
            .iter()
            .map(|(sg, copy, _)| {
                let kind = if copy.is_standby() { "SCR" } else { "CCR" };
                [
                    ("server", sg.server.as_str()),
                    ("storage_group", sg.name.as_str()),
                    ("node", copy.node.as_str()),
                    ("type", kind),
                ]
            })
            .collect();

        let mut gauge = |name: &str, help: &str, series: &mut dyn Iterator<Item = (Vec<(&str, &str)>, i64)>| {
            let mut metric = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
            for (labels, value) in series {
                ConstGauge::new(value).encode(metric.encode_family(&labels)?)?;
            }
            Ok::<(), std::fmt::Error>(())
        };
        let as_i64 = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);

        gauge(
            "copy_queue_length",
            "Logs generated by the active copy that this copy has not yet inspected (CopyQueueLength)",
            &mut copies.iter().zip(&copy_labels).map(|((_, _, s), l)| (l.to_vec(), as_i64(s.copy_queue_length))),
        )?;
        gauge(
            "replay_queue_length",
            "Logs this copy has inspected but not yet replayed into its database (ReplayQueueLength)",
            &mut copies.iter().zip(&copy_labels).map(|((_, _, s), l)| (l.to_vec(), as_i64(s.replay_queue_length))),
        )?;
        gauge(
            "copy_status",
            "The copy's SummaryCopyStatus as a state set: 1 for its status, 0 for every other",
            &mut copies.iter().zip(&copy_labels).flat_map(|((_, _, s), l)| {
                COPY_STATUSES.iter().map(move |status| {
                    let mut labels = l.to_vec();
                    labels.push(("status", copy_status_name(*status)));
                    (labels, i64::from(*status == s.summary_copy_status))
                })
            }),
        )?;
        gauge(
            "copy_last_inspected_log_time_seconds",
            "When this copy last inspected a log (LastInspectedLogTime), in seconds since the Unix epoch; absent \
             until its first",
            &mut copies
                .iter()
                .zip(&copy_labels)
                .filter_map(|((_, _, s), l)| s.last_inspected_log_time.map(|t| (l.to_vec(), t.timestamp()))),
        )?;
        gauge(
            "cms_state",
            "The clustered mailbox server's state as a state set: 1 for its state, 0 for every other",
            &mut estate.servers.iter().flat_map(|server| {
                CMS_STATES.iter().map(move |state| {
                    let labels = vec![("server", server.name.as_str()), ("state", cms_state_name(*state))];
                    (labels, i64::from(*state == server.state))
                })
            }),
        )?;
        gauge(
            "cms_active_node",
            "1 for the node the clustered mailbox server is active on, 0 for its other possible owners",
            &mut estate.servers.iter().flat_map(|server| {
                let mut owners: Vec<&str> = server.redundant_machines.iter().map(String::as_str).collect();
                if !owners.iter().any(|n| n.eq_ignore_ascii_case(&server.active_node)) {
                    owners.push(&server.active_node);
                }
                owners.into_iter().map(move |node| {
                    let active = node.eq_ignore_ascii_case(&server.active_node);
                    (vec![("server", server.name.as_str()), ("node", node)], i64::from(active))
                })
            }),
        )?;
        let nodes = queries::lab_nodes(&estate);
        gauge(
            "node_powered_on",
            "1 if the node is powered on",
            &mut nodes.iter().map(|n| (node_labels(n), i64::from(n.powered_on))),
        )?;
        gauge(
            "node_reachable",
            "1 if the node is powered on and the lab has cut none of its links (nor its datacenter's)",
            &mut nodes.iter().map(|n| (node_labels(n), i64::from(n.powered_on && n.cut_links.is_empty()))),
        )?;
        gauge(
            "estate_version",
            "The estate's version: the count of committed changes (the expected-state guard compares it)",
            &mut std::iter::once((Vec::new(), as_i64(estate.version))),
        )?;
        Ok(())
    }
}

fn node_labels(node: &crate::api::LabNode) -> Vec<(&str, &str)> {
    vec![("node", node.name.as_str()), ("cluster", node.cluster.as_str()), ("datacenter", node.datacenter.as_str())]
}

fn copy_status_name(status: CopyStatus) -> &'static str {
    match status {
        CopyStatus::Healthy => "Healthy",
        CopyStatus::Initializing => "Initializing",
        CopyStatus::Suspended => "Suspended",
        CopyStatus::Failed => "Failed",
        CopyStatus::Seeding => "Seeding",
        CopyStatus::ServiceDown => "ServiceDown",
        CopyStatus::Resynchronizing => "Resynchronizing",
        CopyStatus::Disabled => "Disabled",
        CopyStatus::NotConfigured => "NotConfigured",
        CopyStatus::NotSupported => "NotSupported",
        CopyStatus::Stopped => "Stopped",
    }
}

fn cms_state_name(state: CmsState) -> &'static str {
    match state {
        CmsState::Online => "Online",
        CmsState::PartiallyOnline => "PartiallyOnline",
        CmsState::OnlinePending => "OnlinePending",
        CmsState::Offline => "Offline",
        CmsState::OfflinePending => "OfflinePending",
        CmsState::Failed => "Failed",
    }
}

/// `GET /metrics`, outside the API's token layer: it takes the metrics token as well as the
/// viewer and admin tokens.
pub fn router() -> Router<AppState> {
    Router::new().route(PATH, get(scrape))
}

async fn scrape(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let presented =
        headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).map(str::trim);
    let allowed = presented.is_some_and(|token| {
        constant_time_eq(token.as_bytes(), state.metrics_token.as_bytes()) || state.tokens.resolve(token).is_some()
    });
    if !allowed {
        let mut response = (
            StatusCode::UNAUTHORIZED,
            "Access is denied. Pass the lab's metrics.token (or viewer.token) as a bearer token.\n",
        )
            .into_response();
        response.headers_mut().insert(http::header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return response;
    }
    match state.metrics.encode() {
        Ok(text) => {
            let content_type = HeaderValue::from_static(prometheus_client::encoding::prometheus_text::CONTENT_TYPE);
            ([(CONTENT_TYPE, content_type)], text).into_response()
        }
        Err(e) => super::error::ServiceError::internal(&e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_and_state_has_one_name() {
        let names: std::collections::HashSet<_> = COPY_STATUSES.iter().map(|s| copy_status_name(*s)).collect();
        assert_eq!(names.len(), COPY_STATUSES.len());
        let names: std::collections::HashSet<_> = CMS_STATES.iter().map(|s| cms_state_name(*s)).collect();
        assert_eq!(names.len(), CMS_STATES.len());
    }
}
