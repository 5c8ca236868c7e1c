//! Mailboxes: `Get-Mailbox`, `Get-Recipient` and `Get-MailboxStatistics` — the mailboxes the
//! topology puts in the mailbox databases, and what Send-LabMail delivered to each.
//!
//! Must not: count anything itself: ccrd counts the messages the active copy of each
//! database holds.

use super::exchange_objects;
use super::{Context, read_from};
use crate::api::{self, MailboxQuery, routes};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::value::Value;

fn query(call: &Invocation<'_>) -> MailboxQuery {
    MailboxQuery { identity: call.string("Identity"), database: call.string("Database"), server: call.string("Server") }
}

/// How many objects `-ResultSize` lets through (`Unlimited`, or a number; default 1000 as
/// in Exchange, which then warns).
fn result_size(call: &Invocation<'_>, cx: &mut Context<'_>, mut values: Vec<Value>) -> Vec<Value> {
    let limit = match call.string("ResultSize") {
        Some(text) if text.eq_ignore_ascii_case("unlimited") => return values,
        Some(text) => text.parse::<usize>().unwrap_or(1000),
        None => 1000,
    };
    if values.len() > limit {
        values.truncate(limit);
        if call.string("ResultSize").is_none() {
            cx.warnings.push(
                "By default only the first 1000 items are returned. To change the number of items returned, specify the parameter \"-ResultSize\". To return all items specify \"-ResultSize Unlimited\" (Note: Returning all items may take a very long time and consume a large amount of memory depending on the actual number of items). It is not recommended to store the results in a variable; instead pipe the results to another task or script to perform batch changes."
                    .into(),
            );
        }
    }
    values
}

pub fn get_mailbox(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let found: Vec<api::Mailbox> = cx.read_all(routes::MAILBOXES, &query(call))?;
    let from = read_from(call);
    let values = found.into_iter().map(|m| exchange_objects::mailbox(m, from).into()).collect();
    Ok(result_size(call, cx, values))
}

pub fn get_recipient(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let found: Vec<api::Mailbox> = cx.read_all(routes::MAILBOXES, &query(call))?;
    let from = read_from(call);
    let values = found.into_iter().map(|m| exchange_objects::recipient(m, from).into()).collect();
    Ok(result_size(call, cx, values))
}

/// `Get-MailboxStatistics`: a mailbox whose database is not mounted cannot be read; each is a
/// non-terminating error, as Exchange reports it, and the others are returned.
pub fn get_mailbox_statistics(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    // Databases and servers piped in bind to -Database and -Server by their type (the spec's
    // pipeline_types); a list of mailboxes is one query each.
    let queries = match call.get("Identity") {
        Some(Value::Array(items)) => items
            .borrow()
            .iter()
            .map(|item| MailboxQuery { identity: Some(item.to_display_string()), ..MailboxQuery::default() })
            .collect(),
        _ => vec![query(call)],
    };
    let mut found: Vec<api::MailboxStatistics> = Vec::new();
    for query in queries {
        found.extend(cx.read_all::<api::MailboxStatistics>(routes::MAILBOX_STATISTICS, &query)?);
    }
    let mut out = Vec::new();
    for stats in found {
        if !stats.available {
            cx.errors.push(
                ErrorRecord::new(
                    "MapiExceptionMdbOffline",
                    "ReadError",
                    format!(
                        "Failed to read the statistics of mailbox '{}': MapiExceptionMdbOffline: Unable to get mailbox information; database '{}' is offline.",
                        stats.display_name, stats.database
                    ),
                )
                .with_hint("Mount-Database mounts it (Get-ClusteredMailboxServerStatus shows whether its server is online)."),
            );
            continue;
        }
        out.push(exchange_objects::mailbox_statistics(stats).into());
    }
    Ok(out)
}
