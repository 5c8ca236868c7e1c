//! `Test-MAPIConnectivity` (Exchange 2007, bb123681): log on to a mailbox, or to the system
//! mailbox of each mailbox database, as a MAPI client would, and report per database whether the
//! logon worked (Result Success or *FAILURE*), how long it took (Latency) and why it failed
//! (Error). In the lab a logon works exactly when the database is mounted on its running server,
//! as `Get-MailboxDatabase -Status` reports it; the latency is the time ccrd took to answer.
//!
//! Must not: decide whether a database is reachable itself: ccrd's database status is the truth.

use std::time::Instant;

use super::{Context, client_error};
use crate::api::{self, IdentityQuery, MailboxQuery, StoreQuery, routes};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::value::{Record, TimeSpan, Value};

const RESULT_TYPE: &str = "Microsoft.Exchange.Monitoring.TestMapiConnectivityResult";

/// What one logon is made to: a database, and the mailbox (none: its system mailbox).
struct Target {
    database: api::Database,
    mailbox: Option<String>,
}

pub fn test_mapi_connectivity(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let started = Instant::now();
    let targets = targets(call, cx)?;
    let latency = started.elapsed();
    let mut out = Vec::new();
    for target in targets {
        let db = &target.database;
        let mounted = db.mounted == Some(true);
        let error = (!mounted).then(|| {
            format!(
                "[Microsoft.Exchange.Data.Storage.MailboxOfflineException]: Cannot open mailbox {}. Inner error \
                 [Microsoft.Mapi.MapiExceptionMdbOffline]: MapiExceptionMdbOffline: Unable to make admin interface \
                 connection to server. (hr=0x80004005, ec=1142): the database '{}' is not mounted.",
                target.mailbox.clone().unwrap_or_else(|| format!("SystemMailbox of '{}'", db.identity)),
                db.identity
            )
        });
        let mailbox = target.mailbox.clone().map_or(Value::Null, Value::String);
        out.push(
            Record::new(RESULT_TYPE)
                .with_text(RESULT_TYPE)
                .with("Server", db.server.clone())
                .with("MailboxServer", db.server.clone())
                .with("Database", db.name.clone())
                .with("Mailbox", mailbox)
                .with("Result", if mounted { "Success" } else { "*FAILURE*" })
                .with("Latency", if mounted { Value::TimeSpan(latency_of(latency)) } else { Value::Null })
                .with("Error", error.map_or(Value::Null, Value::String))
                .into(),
        );
    }
    Ok(out)
}

fn latency_of(elapsed: std::time::Duration) -> TimeSpan {
    TimeSpan { ticks: i64::try_from(elapsed.as_nanos() / 100).unwrap_or(i64::MAX) }
}

/// The databases (and mailboxes) the parameters name: -Identity a mailbox's database, -Database
/// the databases, -Server its mailbox databases, none the local server's.
fn targets(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Target>, ErrorRecord> {
    let databases = |cx: &mut Context<'_>, query: StoreQuery| -> Result<Vec<api::Database>, ErrorRecord> {
        cx.read_all(routes::MAILBOX_DATABASES, &StoreQuery { status: true, ..query })
    };
    if let Some(identity) = call.string("Identity") {
        let query = MailboxQuery { identity: Some(identity), ..MailboxQuery::default() };
        let mailboxes: Vec<api::Mailbox> = cx.read_all(routes::MAILBOXES, &query)?;
        let mut out = Vec::new();
        for mailbox in mailboxes {
            let query = StoreQuery { identity: Some(mailbox.database.clone()), ..StoreQuery::default() };
            for database in databases(cx, query)? {
                out.push(Target { database, mailbox: Some(mailbox.display_name.clone()) });
            }
        }
        return Ok(out);
    }
    let query = match (call.string("Database"), call.string("Server")) {
        (Some(database), _) => StoreQuery { identity: Some(database), ..StoreQuery::default() },
        (None, Some(server)) => StoreQuery { server: Some(server), ..StoreQuery::default() },
        (None, None) => StoreQuery { server: Some(local_server(cx)?), ..StoreQuery::default() },
    };
    Ok(databases(cx, query)?.into_iter().map(|database| Target { database, mailbox: None }).collect())
}

/// The mailbox server the session runs on: a node session on a clustered mailbox server's
/// active node is that server; a standby node is its own mailbox server.
fn local_server(cx: &mut Context<'_>) -> Result<String, ErrorRecord> {
    let computer = cx.engine.computer().unwrap_or_else(crate::shell::runtime::dotnet::machine_name);
    let servers: Vec<api::MailboxServer> =
        cx.client.get(routes::MAILBOX_SERVERS, &IdentityQuery::default()).map_err(client_error)?;
    if servers.iter().any(|s| s.name.eq_ignore_ascii_case(&computer)) {
        return Ok(computer);
    }
    let statuses: Vec<api::ClusteredMailboxServerStatus> =
        cx.client.get(routes::CMS_STATUS, &IdentityQuery::default()).unwrap_or_default();
    let active = statuses.iter().find(|s| {
        s.operational_machines.iter().any(|m| {
            m.split_once(' ')
                .is_some_and(|(node, rest)| node.eq_ignore_ascii_case(&computer) && rest.contains("Active"))
        })
    });
    match active {
        Some(status) => Ok(status.identity.clone()),
        None => Err(ErrorRecord::new(
            "ManagementObjectNotFound",
            "ObjectNotFound",
            format!("The local computer '{computer}' is not a mailbox server: there is no database to test."),
        )
        .with_hint("Name one: -Server CCREX01, -Database 'CCREX01\\First Storage Group\\Mailbox Database' or a mailbox as -Identity.")),
    }
}
