//! The transport dumpster's settings: `Get-TransportConfig`, `Set-TransportConfig`.
//!
//! Must not: decide what the dumpster resends; ccrd does after a lossy mount.

use super::exchange_objects;
use super::{Context, client_error, read_from};

use crate::api::{self, routes};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::value::Value;

pub fn get_transport_config(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let config: api::TransportConfig = cx.client.get(routes::TRANSPORT_CONFIG, &()).map_err(client_error)?;
    Ok(vec![exchange_objects::transport_config(config, read_from(call)).into()])
}

pub fn set_transport_config(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let request = api::TransportConfigRequest {
        max_dumpster_size_per_storage_group_bytes: call
            .int("MaxDumpsterSizePerStorageGroup")
            .map(|b| u64::try_from(b).unwrap_or(0)),
        max_dumpster_time_seconds: super::change::seconds(call, "MaxDumpsterTime"),
        domain_controller: call.string("DomainController"),
    };
    if !super::change::should_process(call, cx, "Transport Settings", false)? {
        return Ok(Vec::new());
    }
    let _: api::OperationResult = cx.client.change(routes::TRANSPORT_CONFIG, &request).map_err(client_error)?;
    Ok(Vec::new())
}

pub fn get_transport_server(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let query = api::IdentityQuery { identity: call.string("Identity") };
    let found: Vec<api::TransportServer> = cx.read_all(routes::TRANSPORT_SERVERS, &query)?;
    let from = read_from(call);
    Ok(found.into_iter().map(|t| exchange_objects::transport_server(t, from).into()).collect())
}

/// `Get-Queue [-Server HUB | -Identity HUB\Queue] [-Filter {Property -op value}]`. Without
/// either it reads the queues of the computer the session runs on, which must be a hub
/// transport server, as Exchange's Get-Queue does.
pub fn get_queue(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let mut query = api::QueueQuery { identity: call.string("Identity"), server: call.string("Server") };
    if query.identity.is_none() && query.server.is_none() {
        query.server = Some(crate::shell::runtime::dotnet::machine_name());
    }
    let found: Vec<api::Queue> = cx.client.get(routes::QUEUES, &query).map_err(client_error)?;
    let filter = call.string("Filter").map(|f| QueueFilter::parse(&f)).transpose()?;
    let mut values: Vec<Value> = found
        .into_iter()
        .map(exchange_objects::queue)
        .filter(|q| filter.as_ref().is_none_or(|f| f.matches(q)))
        .map(Value::from)
        .collect();
    if let Some(size) = call.string("ResultSize").filter(|s| !s.eq_ignore_ascii_case("unlimited")) {
        values.truncate(size.parse().unwrap_or(usize::MAX));
    }
    Ok(values)
}

/// The filters Get-Queue takes: `Property -op value`, joined by `-and` (`{MessageCount -gt 0}`,
/// `"Status -eq 'Retry'"`).
struct QueueFilter {
    terms: Vec<(String, String, String)>,
}

impl QueueFilter {
    fn parse(text: &str) -> Result<QueueFilter, ErrorRecord> {
        let text = text.trim().trim_start_matches('{').trim_end_matches('}').trim();
        let mut terms = Vec::new();
        for term in text.split(" -and ").map(str::trim).filter(|t| !t.is_empty()) {
            let words: Vec<&str> = term.splitn(3, ' ').map(str::trim).collect();
            let [property, op, value] = words.as_slice() else {
                return Err(bad_filter(text));
            };
            let op = op.to_ascii_lowercase();
            if !["-eq", "-ne", "-gt", "-lt", "-ge", "-le", "-like"].contains(&op.as_str()) {
                return Err(bad_filter(text));
            }
            terms.push((property.to_string(), op, value.trim_matches(['\'', '"']).to_string()));
        }
        Ok(QueueFilter { terms })
    }

    fn matches(&self, queue: &crate::shell::value::Record) -> bool {
        self.terms.iter().all(|(property, op, value)| {
            let Some(actual) = queue.get(property) else { return false };
            let text = actual.to_display_string();
            let ordering = match (text.parse::<f64>(), value.parse::<f64>()) {
                (Ok(a), Ok(b)) => a.partial_cmp(&b),
                _ => Some(text.to_ascii_lowercase().cmp(&value.to_ascii_lowercase())),
            };
            match op.as_str() {
                "-eq" => ordering == Some(std::cmp::Ordering::Equal),
                "-ne" => ordering != Some(std::cmp::Ordering::Equal),
                "-gt" => ordering == Some(std::cmp::Ordering::Greater),
                "-lt" => ordering == Some(std::cmp::Ordering::Less),
                "-ge" => ordering.is_some_and(|o| o != std::cmp::Ordering::Less),
                "-le" => ordering.is_some_and(|o| o != std::cmp::Ordering::Greater),
                _ => crate::shell::wildcard::Wildcard::new(value).is_match(&text),
            }
        })
    }
}

fn bad_filter(text: &str) -> ErrorRecord {
    ErrorRecord::new(
        "InvalidFilter",
        "InvalidArgument",
        format!("The filter \"{text}\" is not valid: use Property -op Value, joined by -and."),
    )
    .with_hint("For example: Get-Queue -Server NH-W2K3-HUB01 -Filter {MessageCount -gt 0}")
}

/// `Test-MailFlow [[-Identity] SERVER] [-TargetMailboxServer | -TargetDatabase |
/// -TargetEmailAddress]`: sends a test message from the source mailbox server (the local one
/// in a node session) and reports whether it arrived and how long it took.
pub fn test_mail_flow(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let source = match call.string("Identity") {
        Some(id) => id,
        None => match cx.engine.computer() {
            Some(node) => super::storage_group::local_server(cx, &node)?.unwrap_or(node),
            None => {
                return Err(ErrorRecord::new(
                    "TestMailflowNotOnMailboxServer",
                    "InvalidOperation",
                    "Test-MailFlow runs on a Mailbox server: this computer is not one.".into(),
                )
                .with_hint("Name the source server: Test-MailFlow CCREX01, or run it in a node session."));
            }
        },
    };
    let first_database = |cx: &mut Context<'_>, server: &str| -> Result<String, ErrorRecord> {
        let query = api::StoreQuery { server: Some(server.to_string()), ..api::StoreQuery::default() };
        let dbs: Vec<api::Database> = cx.client.get(routes::MAILBOX_DATABASES, &query).map_err(client_error)?;
        dbs.into_iter().next().map(|d| d.identity).ok_or_else(|| {
            ErrorRecord::new(
                "TestMailflowNoDatabase",
                "ObjectNotFound",
                format!("The server '{server}' has no mailbox database to receive the test message."),
            )
        })
    };
    let (database, recipient, target_server) =
        match (call.string("TargetEmailAddress"), call.string("TargetDatabase"), call.string("TargetMailboxServer")) {
            (Some(address), _, _) => (String::new(), address, None),
            (None, Some(db), _) => (db, "SystemMailbox".to_string(), None),
            (None, None, Some(server)) => (first_database(cx, &server)?, "SystemMailbox".to_string(), Some(server)),
            (None, None, None) => (first_database(cx, &source)?, "SystemMailbox".to_string(), None),
        };
    let remote = target_server.is_some_and(|t| !t.eq_ignore_ascii_case(&source));
    let request = api::SendMailRequest {
        database,
        recipient: Some(recipient),
        count: 1,
        size_kb: 1,
        dry_run: false,
        expected_version: None,
    };
    let started = std::time::Instant::now();
    let result: api::SendMailResult = cx.client.post(routes::LAB_MAIL, &request).map_err(client_error)?;
    let elapsed = crate::shell::value::TimeSpan::from_seconds(started.elapsed().as_secs_f64()).unwrap_or_default();
    let delivered = result.queued_on.is_none();
    if let Some(hub) = &result.queued_on {
        cx.warnings.push(format!(
            "The test message is waiting in the delivery queue of {hub} (Get-Queue -Server {hub}): {} cannot take mail now.",
            result.database
        ));
    }
    Ok(vec![
        crate::shell::value::Record::new("Microsoft.Exchange.Monitoring.TestMailflowResult")
            .with("TestMailflowResult", if delivered { "Success" } else { "*FAILURE*" })
            .with("MessageLatencyTime", if delivered { elapsed } else { crate::shell::value::TimeSpan::default() })
            .with("IsRemoteTest", remote)
            .into(),
    ])
}
