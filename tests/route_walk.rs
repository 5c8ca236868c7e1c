//! The walk of every route (issue 10's acceptance): every endpoint ccrd serves, called as
//! {no token, a wrong token, the viewer, the administrator} with {extreme numbers, path-like
//! names, overlong strings, wrong types} in each field of its body or query, and with bodies
//! that are not the request at all. Every answer is below 500 and says what is wrong in an
//! error body; no answer carries a panic or a stack; every refused call leaves the estate as it
//! was (its version and a digest of the lab's files); ccrd still serves at the end.

use std::collections::BTreeSet;

use ccrsh::api::{self, routes};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::security::{Target, digest, raw_http};

/// What a route reads from the caller.
enum Input {
    /// A JSON body: a valid request for the seed lab, whose fields are made hostile one by one.
    Json(Value),
    /// Query parameters, each made hostile in turn.
    Query(&'static [&'static str]),
    /// A snapshot upload (`Import-Lab`) with its query.
    Snapshot,
    /// A login form.
    Form,
    /// Nothing: hostile values go into an unknown query parameter and the body.
    Nothing,
}

struct Route {
    method: &'static str,
    path: &'static str,
    input: Input,
    /// Under `/v1`: behind the token layer.
    api: bool,
}

/// A JSON route whose `base` must be a valid `T` (so each mutation differs from a valid request
/// in one field only).
fn post<T: DeserializeOwned>(path: &'static str, base: Value) -> Route {
    if let Err(e) = serde_json::from_value::<T>(base.clone()) {
        panic!("the walk's sample body for {path} is not the request: {e}");
    }
    Route { method: "POST", path, input: Input::Json(base), api: true }
}

fn get(path: &'static str, fields: &'static [&'static str]) -> Route {
    Route { method: "GET", path, input: Input::Query(fields), api: true }
}

const SG: &str = "CCREX01\\First Storage Group";

fn every_route() -> Vec<Route> {
    let database = json!({"identity": "Mailbox Database", "dryRun": false, "expectedVersion": 1, "domainController": "dc01.contoso.local"});
    let copy = json!({"identity": SG, "standbyMachine": "NH-W2K3-SRV05", "suspendComment": "walk", "dryRun": false, "domainController": "dc01.contoso.local"});
    let node = json!({"identity": "NH-W2K3-SRV03", "crash": true, "dryRun": false});
    let store = &["identity", "server", "storageGroup", "status"];
    vec![
        get(routes::INFO, &[]),
        get(routes::CMS_STATUS, &["identity"]),
        get(routes::MAILBOX_SERVERS, &["identity"]),
        get(routes::EXCHANGE_SERVERS, &["identity"]),
        get(routes::MAILBOXES, &["identity", "database", "server"]),
        get(routes::MAILBOX_STATISTICS, &["identity", "database", "server"]),
        get(routes::TRANSPORT_SERVERS, &["identity"]),
        get(routes::QUEUES, &["identity", "server"]),
        get(routes::STORAGE_GROUPS, store),
        get(routes::STORAGE_GROUP_COPY_STATUS, &["identity", "server", "standbyMachine", "dumpsterStatistics"]),
        get(routes::MAILBOX_DATABASES, store),
        get(routes::PUBLIC_FOLDER_DATABASES, store),
        get(routes::EVENTS, &["computerName", "source", "instanceId", "entryType", "newest", "after"]),
        get(routes::HISTORY, &["cmdlet", "object", "caller", "newest"]),
        get(routes::LAB_MAIL_STATISTICS, &["identity", "verify"]),
        get(routes::TRANSPORT_CONFIG, &[]),
        get(routes::LAB_NODES, &[]),
        get(routes::LAB_VOLUMES, &["identity"]),
        get(routes::LAB_FILES, &["node", "path"]),
        get(routes::LAB_SERVICES, &["computer", "from"]),
        get(routes::LAB_ESEUTIL, &["node", "path", "mode"]),
        get(routes::PROGRESS, &[]),
        get(routes::FAILOVER_CLUSTERS, &["cluster"]),
        post::<api::DatabaseRequest>(routes::MOUNT_DATABASE, database.clone()),
        post::<api::DatabaseRequest>(routes::DISMOUNT_DATABASE, database),
        post::<api::MoveRequest>(
            routes::MOVE_CMS,
            json!({"identity": "CCREX01", "targetMachine": "NH-W2K3-SRV04", "moveComment": "walk",
                   "ignoreDismounted": false, "ignoreQueueLength": false, "dryRun": false,
                   "domainController": "dc01.contoso.local"}),
        ),
        post::<api::StopRequest>(
            routes::STOP_CMS,
            json!({"identity": "CCREX01", "stopReason": "walk", "dryRun": false, "domainController": "dc01.contoso.local"}),
        ),
        post::<api::IdentityRequest>(routes::START_CMS, json!({"identity": "CCREX01", "dryRun": false})),
        post::<api::CopyRequest>(routes::SUSPEND_COPY, copy.clone()),
        post::<api::CopyRequest>(routes::RESUME_COPY, copy.clone()),
        post::<api::CopyRequest>(routes::DISABLE_COPY, copy),
        post::<api::MailboxServerRequest>(
            routes::SET_MAILBOX_SERVER,
            json!({"identity": "CCREX01", "autoDatabaseMountDial": "Lossless", "forcedDatabaseMountAfter": "0:10:00", "dryRun": false}),
        ),
        post::<api::MailboxDatabaseRequest>(
            routes::SET_MAILBOX_DATABASE,
            json!({"identity": "Mailbox Database", "allowFileRestore": true, "mountAtStartup": false, "dryRun": false,
                   "domainController": "dc01.contoso.local"}),
        ),
        post::<api::StorageGroupPathRequest>(
            routes::MOVE_STORAGE_GROUP_PATH,
            json!({"identity": SG, "logFolderPath": "D:\\SG1", "systemFolderPath": "D:\\SG1", "configurationOnly": true,
                   "dryRun": false, "domainController": "dc01.contoso.local"}),
        ),
        post::<api::NewStorageGroupRequest>(
            routes::NEW_STORAGE_GROUP,
            json!({"server": "CCREX01", "name": "Walked Storage Group", "logFolderPath": "D:\\SGW",
                   "systemFolderPath": "D:\\SGW", "dryRun": false, "domainController": "dc01.contoso.local"}),
        ),
        post::<api::NewMailboxDatabaseRequest>(
            routes::NEW_MAILBOX_DATABASE,
            json!({"storageGroup": "CCREX01\\Walked Storage Group", "name": "Walked Database",
                   "edbFilePath": "D:\\SGW\\Walked.edb", "dryRun": false, "domainController": "dc01.contoso.local"}),
        ),
        post::<api::IdentityRequest>(
            routes::REMOVE_MAILBOX_DATABASE,
            json!({"identity": "CCREX01\\Walked Storage Group\\Walked Database", "dryRun": false,
                   "domainController": "dc01.contoso.local"}),
        ),
        post::<api::IdentityRequest>(
            routes::REMOVE_STORAGE_GROUP,
            json!({"identity": "CCREX01\\Walked Storage Group", "dryRun": false, "domainController": "dc01.contoso.local"}),
        ),
        post::<api::DatabasePathRequest>(
            routes::MOVE_DATABASE_PATH,
            json!({"identity": "Mailbox Database", "edbFilePath": "D:\\SG1\\MBX1.edb", "configurationOnly": true,
                   "dryRun": false, "domainController": "dc01.contoso.local"}),
        ),
        post::<api::EnableCopyRequest>(
            routes::ENABLE_COPY,
            json!({"identity": SG, "standbyMachine": "NH-W2K3-SRV05", "replayLagSeconds": 0, "truncationLagSeconds": 0, "dryRun": false}),
        ),
        post::<api::SeedRequest>(
            routes::SEED_COPY,
            json!({"identity": SG, "standbyMachine": "NH-W2K3-SRV05", "deleteExistingFiles": true, "manualResume": false,
                   "force": true, "dryRun": false, "dataHostNames": ["NH-W2K3-SRV03"], "targetPath": "D:\\Data"}),
        ),
        post::<api::SetupRequest>(
            routes::SETUP,
            json!({"node": "NH-W2K3-SRV04", "mode": "RecoverCms", "cmsName": "CCREX01", "cmsIpAddress": "192.0.2.10", "dryRun": false}),
        ),
        post::<api::ClusterGroupMoveRequest>(
            routes::MOVE_CLUSTER_GROUP,
            json!({"identity": "CCREX01", "node": "NH-W2K3-SRV04", "dryRun": false}),
        ),
        post::<api::TransportConfigRequest>(
            routes::TRANSPORT_CONFIG,
            json!({"maxDumpsterSizePerStorageGroupBytes": 18_874_368, "maxDumpsterTimeSeconds": 604_800, "domainController": "dc01.contoso.local"}),
        ),
        post::<api::RestoreRequest>(
            routes::RESTORE_COPY,
            json!({"identity": SG, "standbyMachine": "NH-W2K3-SRV05", "force": false, "dryRun": false}),
        ),
        post::<api::NodePowerRequest>(routes::LAB_NODE_STOP, node.clone()),
        post::<api::NodePowerRequest>(routes::LAB_NODE_START, node),
        post::<api::NetworkRequest>(
            routes::LAB_NETWORK,
            json!({"between": ["NH-W2K3-SRV03", "NH-W2K3-SRV04"], "state": "Down", "dryRun": false}),
        ),
        post::<api::FaultRequest>(
            routes::LAB_FAULT,
            json!({"kind": "CorruptLog", "server": "NH-W2K3-SRV04", "storageGroup": "First Storage Group", "dryRun": false}),
        ),
        post::<api::ClockRequest>(routes::LAB_CLOCK, json!({"advanceSeconds": 60, "dryRun": false})),
        post::<api::WriteEventRequest>(
            routes::EVENTS,
            json!({"computerName": "NH-W2K3-SRV04", "logName": "Application", "source": "CCRWalk", "eventId": 1,
                   "entryType": "Information", "message": "walk"}),
        ),
        post::<api::ResetRequest>(
            routes::LAB_RESET,
            json!({"topology": "seed", "topologyText": ccrsh::engine::topology::SEED, "dryRun": true}),
        ),
        post::<api::SendMailRequest>(
            routes::LAB_MAIL,
            json!({"database": "Mailbox Database", "recipient": "Administrator", "count": 2, "sizeKb": 1, "dryRun": false}),
        ),
        post::<api::SettleRequest>(routes::LAB_SETTLE, json!({"timeoutMs": 1000})),
        Route { method: "POST", path: routes::LAB_EXPORT, input: Input::Nothing, api: true },
        Route { method: "POST", path: routes::LAB_IMPORT, input: Input::Snapshot, api: true },
        Route { method: "GET", path: "/metrics", input: Input::Nothing, api: false },
        Route { method: "GET", path: "/healthz", input: Input::Nothing, api: false },
        Route { method: "GET", path: "/readyz", input: Input::Nothing, api: false },
        Route { method: "GET", path: "/", input: Input::Nothing, api: false },
        Route { method: "GET", path: "/login", input: Input::Nothing, api: false },
        Route { method: "POST", path: "/login", input: Input::Form, api: false },
        Route { method: "POST", path: "/logout", input: Input::Nothing, api: false },
        Route { method: "GET", path: "/status/status.css", input: Input::Nothing, api: false },
        Route { method: "GET", path: "/status/status.js", input: Input::Nothing, api: false },
    ]
}

/// The four kinds of hostile value, as JSON.
fn hostile_json() -> Vec<(&'static str, Value)> {
    vec![
        ("extreme number", json!(u64::MAX)),
        ("extreme number", json!(i64::MIN)),
        ("extreme number", json!(-1)),
        ("extreme number", json!(1e300)),
        ("extreme number", json!(0.5)),
        ("extreme number", serde_json::from_str("18446744073709551616").expect("number")),
        ("path-like name", json!("../../../../etc/passwd")),
        ("path-like name", json!("/etc/shadow")),
        ("path-like name", json!("..\\..\\Windows\\System32")),
        ("path-like name", json!("nodes/../../../x")),
        ("path-like name", json!("a\u{0}b")),
        ("path-like name", json!("/proc/self/environ")),
        ("overlong string", json!("x".repeat(100_000))),
        ("overlong string", json!("é".repeat(40_000))),
        ("overlong string", json!("*?[".repeat(3_000))),
        ("wrong type", json!([])),
        ("wrong type", json!({})),
        ("wrong type", json!(true)),
        ("wrong type", Value::Null),
        ("wrong type", json!("1")),
        ("wrong type", json!([[["nested"]]])),
    ]
}

/// The same kinds as query-string values.
fn hostile_text() -> Vec<String> {
    [
        "18446744073709551616",
        "-9223372036854775809",
        "-1",
        "1e300",
        "NaN",
        "../../../../etc/passwd",
        "/etc/shadow",
        "..\\..\\x",
        "a\u{0}b",
        "%_*?[]",
        "[]",
        "{}",
        "true",
        "",
    ]
    .into_iter()
    .map(String::from)
    .chain(["x".repeat(5_000), "é".repeat(2_000), "x".repeat(70_000)])
    .collect()
}

/// Bodies that are not the request at all.
fn hostile_bodies() -> Vec<Vec<u8>> {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    vec![
        Vec::new(),
        b"null".to_vec(),
        b"[]".to_vec(),
        b"{".to_vec(),
        b"not json at all".to_vec(),
        b"{\"identity\": \"x\", \"unknown\": 1}".to_vec(),
        deep.into_bytes(),
        vec![0xff, 0xfe, 0x00, 0x01],
    ]
}

/// Crafted uploads for Import-Lab: none is a snapshot ccrd may accept.
fn hostile_snapshots() -> Vec<Vec<u8>> {
    let with_crc = |mut bytes: Vec<u8>| {
        let crc = crc32fast::hash(&bytes);
        bytes.extend_from_slice(&crc.to_le_bytes());
        bytes
    };
    let entry = |name: &[u8], declared: u64, data: &[u8]| {
        let mut bytes = api::snapshot::MAGIC.to_vec();
        bytes.extend_from_slice(&(name.len() as u32).to_le_bytes());
        bytes.extend_from_slice(name);
        bytes.extend_from_slice(&declared.to_le_bytes());
        bytes.extend_from_slice(data);
        with_crc(bytes)
    };
    vec![
        Vec::new(),
        api::snapshot::MAGIC.to_vec(),
        with_crc(api::snapshot::MAGIC.to_vec()),
        entry(b"../../escape", 4, b"evil"),
        entry(b"/etc/passwd", 4, b"evil"),
        entry(b"estate.db", u64::MAX, b"evil"),
        entry(b"estate.db", 4, b"evil"),
        entry(&[b'a'; 5000], 0, b""),
        b"{\"path\": \"/etc/shadow\"}".to_vec(),
        vec![0u8; 1 << 20],
    ]
}

fn encode(pairs: &[(&str, &str)]) -> String {
    let mut url = reqwest::Url::parse("http://x/").expect("url");
    url.query_pairs_mut().extend_pairs(pairs);
    url.query().map(|q| format!("?{q}")).unwrap_or_default()
}

/// One hostile call to make.
struct Call {
    method: &'static str,
    target: String,
    content_type: &'static str,
    body: Vec<u8>,
    what: String,
}

fn calls_for(route: &Route) -> Vec<Call> {
    let mut calls = Vec::new();
    let mut push = |target: String, content_type: &'static str, body: Vec<u8>, what: String| {
        calls.push(Call { method: route.method, target, content_type, body, what });
    };
    match &route.input {
        Input::Json(base) => {
            let Value::Object(fields) = base else { unreachable!("bodies are objects") };
            for field in fields.keys() {
                for (kind, value) in hostile_json() {
                    let mut body = fields.clone();
                    body.insert(field.clone(), value.clone());
                    let what = format!("{field} = {kind} {}", short(&value.to_string()));
                    push(route.path.into(), "application/json", Value::Object(body).to_string().into_bytes(), what);
                    // Inside an array of names, as well as instead of it.
                    if let (Some(Value::Array(items)), Value::String(_)) = (fields.get(field), &value) {
                        let mut body = fields.clone();
                        let mut items = items.clone();
                        items[0] = value.clone();
                        body.insert(field.clone(), Value::Array(items));
                        let what = format!("{field}[0] = {kind}");
                        push(route.path.into(), "application/json", Value::Object(body).to_string().into_bytes(), what);
                    }
                }
            }
            for body in hostile_bodies() {
                let what = format!("body {}", short(&String::from_utf8_lossy(&body)));
                push(route.path.into(), "application/json", body, what);
            }
            push(route.path.into(), "text/plain", base.to_string().into_bytes(), "text/plain body".into());
        }
        Input::Query(fields) => {
            for field in fields.iter().copied().chain(["unknownParameter"]) {
                for value in hostile_text() {
                    let what = format!("?{field}={}", short(&value));
                    push(format!("{}{}", route.path, encode(&[(field, &value)])), "text/plain", Vec::new(), what);
                }
            }
            push(format!("{}?identity=a&identity=b", route.path), "text/plain", Vec::new(), "repeated".into());
        }
        Input::Snapshot => {
            for (i, body) in hostile_snapshots().into_iter().enumerate() {
                push(route.path.into(), "application/octet-stream", body, format!("crafted snapshot {i}"));
            }
            for field in ["dryRun", "expectedVersion", "unknownParameter"] {
                for value in hostile_text() {
                    let what = format!("?{field}={}", short(&value));
                    let target = format!("{}{}", route.path, encode(&[(field, &value)]));
                    push(target, "application/octet-stream", hostile_snapshots().swap_remove(3), what);
                }
            }
        }
        Input::Form => {
            for value in hostile_text() {
                let body = encode(&[("token", &value)]).trim_start_matches('?').as_bytes().to_vec();
                push(route.path.into(), "application/x-www-form-urlencoded", body, format!("token={}", short(&value)));
            }
            for body in hostile_bodies() {
                let what = format!("form {}", short(&String::from_utf8_lossy(&body)));
                push(route.path.into(), "application/x-www-form-urlencoded", body, what);
            }
        }
        Input::Nothing => {
            for value in hostile_text() {
                let what = format!("?unknownParameter={}", short(&value));
                push(
                    format!("{}{}", route.path, encode(&[("unknownParameter", &value)])),
                    "text/plain",
                    Vec::new(),
                    what,
                );
            }
            for body in hostile_bodies() {
                let what = format!("body {}", short(&String::from_utf8_lossy(&body)));
                push(route.path.into(), "application/json", body, what);
            }
        }
    }
    calls
}

fn short(text: &str) -> String {
    let mut short: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        short.push('…');
    }
    short
}

/// What the lab is now: the estate's version and a digest of its files.
fn state(target: &Target, admin: &str) -> (u64, u64) {
    let (status, body) = raw_http(target.url(), "GET", routes::INFO, Some(admin), "text/plain", b"");
    assert_eq!(status, 200, "ccrd still answers: {body}");
    let info: api::ServiceInfo = serde_json::from_str(&body).expect("info");
    (info.estate_version, digest(&target.lab))
}

/// An answer says what is wrong: the API's error body with a message (the status page and
/// `/metrics` answer in HTML or plain text; the HTTP layer's own refusals of an overlong request
/// line carry only their status), and never a panic or a stack.
fn problem(api: bool, status: u16, body: &str) -> Option<String> {
    if status == 0 {
        return Some("the connection closed without an answer (a panic?)".into());
    }
    if status >= 500 {
        return Some(format!("a server error: {status} {}", short(body)));
    }
    for leak in ["panicked", "stack backtrace", "RUST_BACKTRACE", "src/", ".rs:"] {
        if body.contains(leak) {
            return Some(format!("the answer holds `{leak}`"));
        }
    }
    if (400..500).contains(&status) && !matches!(status, 414 | 431) {
        let clear = match serde_json::from_str::<api::ErrorBody>(body) {
            Ok(error) => !error.message.trim().is_empty(),
            Err(_) => !api && !body.trim().is_empty(),
        };
        if !clear {
            return Some(format!("{status} without an error message: {}", short(body)));
        }
    }
    None
}

/// The routes `api::routes` declares, read from its source: the walk must cover each.
fn declared_routes() -> BTreeSet<String> {
    let source = include_str!("../src/api/mod.rs");
    let start = source.find("pub mod routes {").expect("the routes module");
    let end = start + source[start..].find("\n}\n").expect("its end");
    source[start..end]
        .lines()
        .filter_map(|line| line.trim().strip_prefix("pub const ")?.split_once("= \"")?.1.strip_suffix("\";"))
        .map(String::from)
        .collect()
}

#[test]
fn every_route_refuses_hostile_values_with_a_clear_4xx_and_changes_nothing() {
    let routes = every_route();
    let walked: BTreeSet<String> = routes.iter().map(|r| r.path.to_string()).collect();
    let missing: Vec<String> = declared_routes().into_iter().filter(|r| !walked.contains(r)).collect();
    assert!(missing.is_empty(), "routes the walk does not call: {missing:?}");

    let target = Target::new();
    let admin = target.admin_token();
    let viewer = crate::support::token(&target.lab.join("viewer.token"));
    let callers: [(&str, Option<&str>); 4] = [
        ("no token", None),
        ("wrong token", Some("0123456789abcdef")),
        ("viewer", Some(&viewer)),
        ("admin", Some(&admin)),
    ];
    let mut failures = Vec::new();
    let mut before = state(&target, &admin);
    let (mut calls, mut refused, mut changed) = (0, 0, 0);
    for route in &routes {
        let route_calls = calls_for(route);
        for (caller, token) in callers {
            // The token layer answers before the body is read: the callers without a change
            // right get a sample of each kind, the administrator every call.
            let sample: Vec<&Call> = if caller == "admin" || !route.api {
                route_calls.iter().collect()
            } else {
                route_calls.iter().step_by(7).collect()
            };
            for call in sample {
                calls += 1;
                let (status, body) =
                    raw_http(target.url(), call.method, &call.target, token, call.content_type, &call.body);
                let label = format!("{} {} as {caller}: {}", call.method, route.path, call.what);
                if let Some(problem) = problem(route.api, status, &body) {
                    failures.push(format!("{label}: {problem}"));
                }
                if route.api && matches!(caller, "no token" | "wrong token") && !matches!(status, 401 | 414 | 431) {
                    failures.push(format!("{label}: {status}, not 401"));
                }
                // A refusal, a read, or anything a caller without the right to change asks must
                // leave the estate as it was (a viewer may dry-run and export: reads).
                if status >= 300 || route.method == "GET" || caller != "admin" {
                    refused += usize::from(status >= 400);
                    let after = state(&target, &admin);
                    if after != before {
                        failures.push(format!("{label}: answered {status} but the estate changed"));
                        before = after;
                    }
                } else {
                    changed += 1;
                    // Replication carries out what the change started (a new copy receives the
                    // logs its storage group has written) before the next call is judged.
                    let settle = br#"{"timeoutMs":5000}"#;
                    raw_http(target.url(), "POST", routes::LAB_SETTLE, Some(&admin), "application/json", settle);
                    before = state(&target, &admin);
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {calls} calls went wrong:\n{}", failures.len(), failures.join("\n"));
    assert!(refused > calls / 2, "most hostile calls are refused ({refused} of {calls})");
    // Hostile free text (a comment, a reason) is still text: some changes go through, so the
    // walk reaches the handlers and not only the JSON parser.
    assert!(changed > 0, "no administrator call went through: the sample bodies are wrong");
    eprintln!("{calls} calls: {refused} refused, {changed} changes went through");
    // ccrd still serves and still changes.
    let clock = api::ClockRequest { advance_seconds: 60, dry_run: false, expected_version: None };
    let _: api::OperationResult = target.admin.post(routes::LAB_CLOCK, &clock).expect("a change after the walk");
}
