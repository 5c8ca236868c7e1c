//! ccrd's observability from outside, on a ccrd started on 127.0.0.1:0: `/metrics` parsed
//! with a Prometheus text-format parser (the seed estate's state, then the counters after a
//! move, a refusal, mail, a crash failover with a lossy mount), who may read it, `/healthz`
//! and `/readyz` without a token, and the logs (text and JSON, spans per request and change,
//! never a token).

use std::collections::HashMap;

use ccrsh::api::{LinkState, routes};
use prometheus_parse::{LineInfo, Scrape, Value};
use serde_json::json;

use crate::support::{Ccrd, Home, http_client};

/// The estate's metrics and the counters, scraped and parsed.
struct Metrics(Scrape);

impl Metrics {
    fn scrape(ccrd: &Ccrd) -> Metrics {
        let response = http_client()
            .get(format!("{}/metrics", ccrd.url))
            .bearer_auth(ccrd.metrics_token())
            .send()
            .expect("scraped");
        assert_eq!(response.status(), 200);
        let content_type = response.headers()["content-type"].to_str().expect("ascii").to_string();
        assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
        let text = response.text().expect("text");
        // The parser skips lines it cannot read; every line must be one it can.
        for line in text.lines() {
            let parsed = LineInfo::parse(line);
            assert!(!matches!(parsed, LineInfo::Ignored | LineInfo::Empty), "unparsed line {line:?}");
        }
        Metrics(Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).expect("parses"))
    }

    /// The value of the one sample of `metric` whose labels include `labels`.
    fn value(&self, metric: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let matching: Vec<f64> = self
            .0
            .samples
            .iter()
            .filter(|s| s.metric == metric && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
            .map(|s| match &s.value {
                Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
                Value::Histogram(buckets) => buckets.iter().map(|b| b.count).fold(0.0, f64::max),
                Value::Summary(_) => f64::NAN,
            })
            .collect();
        assert!(matching.len() <= 1, "{metric} {labels:?} matches {} samples", matching.len());
        matching.first().copied()
    }

    fn gauge(&self, metric: &str, labels: &[(&str, &str)]) -> f64 {
        self.value(metric, labels).unwrap_or_else(|| panic!("no sample {metric} {labels:?}"))
    }

    fn counter(&self, metric: &str, labels: &[(&str, &str)]) -> f64 {
        self.value(metric, labels).unwrap_or(0.0)
    }

    /// The states of a state set whose value is 1.
    fn states(&self, metric: &str, label: &str, labels: &[(&str, &str)]) -> Vec<String> {
        self.0
            .samples
            .iter()
            .filter(|s| s.metric == metric && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
            .filter(|s| s.value == Value::Gauge(1.0))
            .filter_map(|s| s.labels.get(label).map(str::to_string))
            .collect()
    }
}

fn post(ccrd: &Ccrd, route: &str, body: serde_json::Value) -> reqwest::blocking::Response {
    http_client().post(format!("{}{route}", ccrd.url)).bearer_auth(ccrd.admin_token()).json(&body).send().expect("sent")
}

const FIRST: [(&str, &str); 3] =
    [("server", "CCREX01"), ("storage_group", "First Storage Group"), ("node", "NH-W2K3-SRV04")];

#[test]
fn the_metrics_describe_the_seed_estate_in_the_prometheus_text_format() {
    let home = Home::new();
    let ccrd = Ccrd::start(&home.lab());
    let m = Metrics::scrape(&ccrd);
    assert_eq!(m.gauge("ccrd_copy_queue_length", &FIRST), 0.0);
    assert_eq!(m.gauge("ccrd_replay_queue_length", &FIRST), 0.0);
    assert_eq!(m.states("ccrd_copy_status", "status", &FIRST), ["Healthy"]);
    let all_statuses =
        m.0.samples.iter().filter(|s| s.metric == "ccrd_copy_status" && s.labels.get("node") == Some("NH-W2K3-SRV04"));
    assert_eq!(all_statuses.count(), 2 * 11, "two copies, each with every status of the state set");
    assert_eq!(m.states("ccrd_cms_state", "state", &[("server", "CCREX01")]), ["Online"]);
    assert_eq!(m.states("ccrd_cms_active_node", "node", &[("server", "CCREX01")]), ["NH-W2K3-SRV03"]);
    for node in ["NH-W2K3-SRV01", "NH-W2K3-SRV03", "NH-W2K3-SRV04", "NH-W2K3-SRV05"] {
        assert_eq!(m.gauge("ccrd_node_powered_on", &[("node", node)]), 1.0, "{node}");
        assert_eq!(m.gauge("ccrd_node_reachable", &[("node", node)]), 1.0, "{node}");
    }
    let datacenter =
        m.0.samples
            .iter()
            .find(|s| s.labels.get("node") == Some("NH-W2K3-SRV05"))
            .and_then(|s| s.labels.get("datacenter").map(str::to_string));
    assert_eq!(datacenter.as_deref(), Some("Backup"));
    assert_eq!(m.gauge("ccrd_estate_version", &[]), 0.0);
    assert!(m.0.docs.contains_key("ccrd_copy_queue_length"), "every metric has its HELP line");
}

#[test]
fn the_counters_follow_moves_refusals_mail_failovers_and_lossy_mounts() {
    let home = Home::new();
    let topology = home.lab().with_extension("toml");
    std::fs::write(&topology, ccrsh::engine::topology::SEED.replace("log_size_kb = 1024", "log_size_kb = 64"))
        .expect("topology written");
    let ccrd = Ccrd::start_with(&home.lab(), &["--topology", topology.to_str().expect("utf-8")]);
    let moved = post(
        &ccrd,
        routes::MOVE_CMS,
        json!({"identity": "CCREX01", "targetMachine": "NH-W2K3-SRV04", "moveComment": "patching"}),
    );
    assert_eq!(moved.status(), 200, "{}", moved.text().unwrap_or_default());
    let refused = post(
        &ccrd,
        routes::MOVE_CMS,
        json!({"identity": "CCREX01", "targetMachine": "NH-W2K3-SRV04", "moveComment": "again"}),
    );
    assert_eq!(refused.status(), 412, "already there: refused with a report");
    let dry = post(
        &ccrd,
        routes::MOVE_CMS,
        json!({"identity": "CCREX01", "targetMachine": "NH-W2K3-SRV03", "moveComment": "x", "dryRun": true}),
    );
    assert_eq!(dry.status(), 200);

    let m = Metrics::scrape(&ccrd);
    assert_eq!(m.counter("ccrd_cms_moves_total", &[("server", "CCREX01")]), 1.0);
    assert_eq!(m.counter("ccrd_cms_failovers_total", &[("server", "CCREX01")]), 0.0);
    assert_eq!(m.states("ccrd_cms_active_node", "node", &[("server", "CCREX01")]), ["NH-W2K3-SRV04"]);
    assert_eq!(m.counter("ccrd_refused_changes_total", &[("cmdlet", "Move-ClusteredMailboxServer")]), 1.0);
    let moves = [("cmdlet", "Move-ClusteredMailboxServer"), ("outcome", "Succeeded")];
    assert_eq!(m.counter("ccrd_changes_total", &moves), 1.0, "the dry run is not counted");
    assert_eq!(m.gauge("ccrd_estate_version", &[]), 1.0);
    let route = [("method", "POST"), ("route", routes::MOVE_CMS), ("status", "200")];
    assert_eq!(m.value("ccrd_http_request_duration_seconds", &route), Some(2.0), "two answered 200");
    // Only the move writes to the store: the refusal and the dry run write nothing durable.
    assert_eq!(m.value("ccrd_store_commit_duration_seconds", &[]), Some(1.0), "one commit timed");

    // Mail, some of it unshipped, then the active node crashes: a failover that mounts
    // without the missing logs (BestAvailability) and the dumpster resends.
    let mail = |count: u32| {
        post(&ccrd, routes::LAB_MAIL, json!({"database": "Mailbox Database", "count": count, "sizeKb": 10}))
    };
    assert_eq!(mail(20).status(), 200);
    assert_eq!(post(&ccrd, routes::LAB_SETTLE, json!({"timeoutMs": 20000})).status(), 200);
    let cut = json!({"between": ["NH-W2K3-SRV03", "NH-W2K3-SRV04"], "state": LinkState::Down});
    assert_eq!(post(&ccrd, routes::LAB_NETWORK, cut).status(), 200);
    assert_eq!(mail(12).status(), 200);
    let crash = post(&ccrd, routes::LAB_NODE_STOP, json!({"identity": "NH-W2K3-SRV04", "crash": true}));
    assert_eq!(crash.status(), 200, "{}", crash.text().unwrap_or_default());

    let m = Metrics::scrape(&ccrd);
    assert_eq!(m.counter("ccrd_messages_acknowledged_total", &[]), 32.0);
    assert_eq!(m.counter("ccrd_cms_failovers_total", &[("server", "CCREX01")]), 1.0);
    assert_eq!(m.counter("ccrd_cms_moves_total", &[("server", "CCREX01")]), 1.0, "a crash is not a move");
    let sg = [("server", "CCREX01"), ("storage_group", "First Storage Group")];
    assert_eq!(m.counter("ccrd_lossy_mounts_total", &sg), 1.0);
    assert!(m.counter("ccrd_messages_resent_total", &[]) > 0.0, "the dumpster resent what the copy lacked");
    assert_eq!(m.gauge("ccrd_node_powered_on", &[("node", "NH-W2K3-SRV04")]), 0.0);
    assert_eq!(m.gauge("ccrd_node_reachable", &[("node", "NH-W2K3-SRV03")]), 0.0, "its link is cut");
    let old_active = [("storage_group", "First Storage Group"), ("node", "NH-W2K3-SRV04")];
    assert_eq!(m.states("ccrd_copy_status", "status", &old_active), ["ServiceDown"]);
}

#[test]
fn an_scr_standby_has_its_own_copy_series() {
    let home = Home::new();
    let ccrd = Ccrd::start(&home.lab());
    let enable = json!({"identity": "CCREX01\\First Storage Group", "standbyMachine": "NH-W2K3-SRV01"});
    let enabled = post(&ccrd, routes::ENABLE_COPY, enable);
    assert_eq!(enabled.status(), 200, "{}", enabled.text().unwrap_or_default());
    let m = Metrics::scrape(&ccrd);
    let standby = [("server", "CCREX01"), ("storage_group", "First Storage Group"), ("node", "NH-W2K3-SRV01")];
    let scr = [standby.as_slice(), &[("type", "SCR")]].concat();
    assert!(m.value("ccrd_copy_queue_length", &scr).is_some(), "the standby's copy queue");
    assert!(m.value("ccrd_replay_queue_length", &scr).is_some(), "the standby's replay queue");
    assert_eq!(m.states("ccrd_copy_status", "status", &scr).len(), 1, "exactly one status of the standby is 1");
    let ccr = [standby.as_slice(), &[("type", "CCR")]].concat();
    assert_eq!(m.value("ccrd_copy_queue_length", &ccr), None, "the standby is not counted as a CCR copy");
    assert_eq!(m.gauge("ccrd_copy_queue_length", &FIRST), 0.0, "the CCR copy is still there");
}

#[test]
fn metrics_need_a_token_and_the_metrics_token_reads_nothing_else() {
    let home = Home::new();
    let ccrd = Ccrd::start(&home.lab());
    let client = http_client();
    let metrics = format!("{}/metrics", ccrd.url);
    let no_token = client.get(&metrics).send().expect("sent");
    assert_eq!(no_token.status(), 401);
    assert!(!no_token.text().expect("text").contains("ccrd_"), "no metric leaks");
    assert_eq!(client.get(&metrics).bearer_auth("wrong").send().expect("sent").status(), 401);
    assert_eq!(client.get(&metrics).bearer_auth(ccrd.viewer_token()).send().expect("sent").status(), 200);
    assert_eq!(client.get(&metrics).bearer_auth(ccrd.admin_token()).send().expect("sent").status(), 200);
    let read = client.get(format!("{}{}", ccrd.url, routes::CMS_STATUS)).bearer_auth(ccrd.metrics_token());
    assert_eq!(read.send().expect("sent").status(), 401, "the metrics token reads only /metrics");
}

#[test]
fn health_endpoints_answer_without_a_token_and_reveal_nothing_else() {
    let home = Home::new();
    let ccrd = Ccrd::start(&home.lab());
    let client = http_client();
    for (path, body) in [("/healthz", "ok\n"), ("/readyz", "ready\n")] {
        let response = client.get(format!("{}{path}", ccrd.url)).send().expect("sent");
        assert_eq!(response.status(), 200, "{path}");
        let headers: Vec<String> = response.headers().keys().map(|k| k.to_string()).collect();
        assert_eq!(response.text().expect("text"), body, "{path}");
        assert!(
            headers.iter().all(|h| ["content-type", "content-length", "date", "x-request-id"].contains(&h.as_str())),
            "{headers:?}"
        );
    }
    // The lab's lock file no longer names this ccrd: not ready, and still nothing more said.
    std::fs::write(home.lab().join("lab.lock"), "1").expect("lock file rewritten");
    let response = client.get(format!("{}/readyz", ccrd.url)).send().expect("sent");
    assert_eq!(response.status(), 503);
    assert_eq!(response.text().expect("text"), "not ready\n");
    assert_eq!(client.get(format!("{}/healthz", ccrd.url)).send().expect("sent").status(), 200, "still alive");
    assert!(ccrd.log().contains("not ready"), "why is in the log: {}", ccrd.log());
}

/// Every log line of a JSON-logging ccrd, parsed.
fn json_lines(log: &str) -> Vec<serde_json::Value> {
    log.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))).collect()
}

#[test]
fn logs_have_a_span_per_request_and_per_change_in_json_and_never_a_token() {
    let home = Home::new();
    let ccrd = Ccrd::start_with(&home.lab(), &["--log-format", "json"]);
    let added = std::process::Command::new(env!("CARGO_BIN_EXE_ccrd"))
        .args(["token", "add", "alice", "--role", "viewer", "--lab", home.lab().to_str().expect("utf-8")])
        .output()
        .expect("ccrd token add runs");
    let alice = String::from_utf8_lossy(&added.stdout).trim().to_string();
    assert_eq!(alice.len(), 64, "{added:?}");
    let client = http_client();
    let tokens = [ccrd.admin_token(), ccrd.viewer_token(), ccrd.metrics_token(), alice];
    for token in &tokens {
        let _ = client.get(format!("{}{}", ccrd.url, routes::CMS_STATUS)).bearer_auth(token).send().expect("sent");
        let _ = client.get(format!("{}/metrics", ccrd.url)).bearer_auth(token).send().expect("sent");
    }
    let moved = client
        .post(format!("{}{}", ccrd.url, routes::MOVE_CMS))
        .bearer_auth(&tokens[0])
        .header("x-request-id", "move-1")
        .json(&json!({"identity": "CCREX01", "targetMachine": "NH-W2K3-SRV04", "moveComment": "patching"}))
        .send()
        .expect("sent");
    assert_eq!(moved.headers()["x-request-id"], "move-1", "the caller's id is echoed");
    let viewer_move = client
        .post(format!("{}{}", ccrd.url, routes::MOVE_CMS))
        .bearer_auth(&tokens[3])
        .json(&json!({"identity": "CCREX01", "targetMachine": "NH-W2K3-SRV03", "moveComment": "mine"}))
        .send()
        .expect("sent");
    assert_eq!(viewer_move.status(), 403);
    let wrong =
        client.get(format!("{}{}", ccrd.url, routes::CMS_STATUS)).bearer_auth("not-a-token").send().expect("sent");
    let generated = wrong.headers()["x-request-id"].to_str().expect("ascii").to_string();
    let log = ccrd.log();
    for token in &tokens {
        assert!(!log.contains(token.as_str()), "a token is in the log:\n{log}");
    }
    let lines = json_lines(&log);

    let change = lines.iter().find(|l| l["message"] == "change finished").expect("a change line");
    assert_eq!(change["outcome"], "Succeeded");
    assert!(change["duration_ms"].as_f64().is_some_and(|ms| ms > 0.0), "{change}");
    let spans: HashMap<&str, &serde_json::Value> = change["spans"]
        .as_array()
        .expect("spans")
        .iter()
        .map(|s| (s["name"].as_str().unwrap_or_default(), s))
        .collect();
    assert_eq!(spans["request"]["id"], "move-1");
    assert_eq!(spans["request"]["caller"], "Administrator");
    assert_eq!(spans["request"]["route"], routes::MOVE_CMS);
    assert_eq!(spans["change"]["cmdlet"], "Move-ClusteredMailboxServer");
    assert_eq!(spans["change"]["object"], "CCREX01");

    // A change's line sits in its request span; a read's span is at debug, so a failed read's
    // line carries the span's fields itself.
    let answered = |id: &str| {
        lines.iter().find(|l| l["message"] == "answered" && (l["span"]["id"] == id || l["id"] == id)).cloned()
    };
    let move_answer = answered("move-1").expect("the move's request line");
    assert_eq!((move_answer["status"].as_u64(), move_answer["span"]["method"].as_str()), (Some(200), Some("POST")));
    let denied = answered(&generated).expect("a refused token is logged");
    assert_eq!(denied["status"], 401);
    assert_eq!((denied["method"].as_str(), denied["route"].as_str()), (Some("GET"), Some(routes::CMS_STATUS)));
    assert!(denied.get("caller").is_none(), "no caller for an unknown token: {denied}");
    let by_alice = lines.iter().find(|l| l["message"] == "answered" && l["span"]["caller"] == "alice");
    let by_alice = by_alice.unwrap_or_else(|| panic!("a person's refused change names her:\n{log}"));
    assert_eq!((by_alice["status"].as_u64(), by_alice["span"]["method"].as_str()), (Some(403), Some("POST")));
    assert!(
        lines.iter().all(|l| l["message"] != "answered" || l["status"] != 200 || l["span"]["method"] != "GET"),
        "successful reads are not logged at info"
    );
}

#[test]
fn the_default_log_is_text_for_people() {
    let home = Home::new();
    let ccrd = Ccrd::start(&home.lab());
    let response = post(
        &ccrd,
        routes::MOVE_CMS,
        json!({"identity": "CCREX01", "targetMachine": "NH-W2K3-SRV04", "moveComment": "x"}),
    );
    assert_eq!(response.status(), 200);
    let log = ccrd.log();
    let line = log.lines().find(|l| l.contains("change finished")).unwrap_or_else(|| panic!("{log}"));
    assert!(line.contains("INFO") && line.contains("cmdlet=\"Move-ClusteredMailboxServer\""), "{line}");
    assert!(line.contains("outcome=\"Succeeded\"") && line.contains("duration_ms="), "{line}");
    assert!(!log.contains('\u{1b}'), "no colour codes when the log is a file");
    assert!(!log.contains(&ccrd.admin_token()));
}
