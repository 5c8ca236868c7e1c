//! The file work that follows the cluster's reaction to a fault: the transport dumpster's
//! resend after a lossy mount, fetching the logs a waiting database needs from a returning
//! node, and resynchronising a diverged copy.
//!
//! Must not: decide any of it; `engine::failover` says what to do.

use super::{Work, internal};
use crate::engine::StorageGroup;
use crate::engine::failover::{self, DumpsterRequest, Reaction, Recovery};
use crate::service::copy_files::{CopyFiles, NewMessage};
use crate::service::error::ServiceError;
use crate::service::mail;
use crate::service::replication;
use crate::service::store::MessageRef;

/// Carries out a reaction: its events are journalled and every lossy mount gets its dumpster
/// resend.
pub(super) fn follow_up(w: &mut Work<'_>, reaction: Reaction) -> Result<(), ServiceError> {
    w.journal.events.extend(reaction.events);
    for request in reaction.dumpster {
        resend(w, &request)?;
    }
    Ok(())
}

/// The transport dumpster: every accepted message the active copy no longer holds is lost;
/// the newest of them that fit the dumpster's size and age limits are delivered again.
pub(super) fn resend(w: &mut Work<'_>, request: &DumpsterRequest) -> Result<(), ServiceError> {
    let sg = w.estate.storage_groups[request.storage_group].clone();
    let files = replication::active_files(&w.files(), &w.estate, &sg).ok_or_else(|| internal(&"no active copy"))?;
    let held = mail::Held::of(Some(&files), w.estate.next_message_id).map_err(|e| internal(&e))?;
    let oldest = crate::engine::seconds_before(w.now, w.estate.max_dumpster_time_seconds);
    let mut budget = w.estate.max_dumpster_size_bytes;
    let mut fits = true;
    let (mut lost, mut resend) = (Vec::new(), Vec::new());
    let now_ms = w.now_ms();
    // Newest first: the dumpster keeps the newest messages that fit its size and age limits.
    w.ledger()?
        .accepted(&sg.server, &sg.name, true, &mut |range| {
            for id in range.ids().rev().filter(|id| !held.contains(*id)) {
                lost.push(message_ref(&sg, id));
                if fits && range.accepted_at >= oldest {
                    fits = range.size <= budget;
                    if fits {
                        budget -= range.size;
                        resend.push(NewMessage {
                            id,
                            accepted_ms: now_ms,
                            size: usize::try_from(range.size).unwrap_or(0),
                        });
                    }
                }
            }
            true
        })
        .map_err(|e| internal(&e))?;
    resend.reverse();
    w.journal.lost.extend(lost);
    w.journal.resent.extend(resend.iter().map(|m| message_ref(&sg, m.id)));
    if resend.is_empty() {
        return Ok(());
    }
    let closed = files
        .append(sg.last_log_generated + 1, sg.lineage, w.estate.log_size_bytes, &resend, w.now_ms())
        .map_err(|e| internal(&e))?;
    let slot = &mut w.estate.storage_groups[request.storage_group];
    if let Some(&newest) = closed.last() {
        slot.last_log_generated = newest;
        slot.last_log_generated_at = Some(w.now);
    }
    slot.open_log_records = files.on_disk().map_err(|e| internal(&e))?.open_records;
    Ok(())
}

/// Message `id` of storage group `sg`, for the ledger.
pub(super) fn message_ref(sg: &StorageGroup, id: u64) -> MessageRef {
    MessageRef { server: sg.server.clone(), storage_group: sg.name.clone(), id }
}

/// A node came back (powered on, or a link restored): repair its files, fetch the logs a
/// waiting database needs from it, resynchronise its diverged copies, and let the cluster
/// react (a Failed server may come back with quorum).
pub(super) fn node_returned(w: &mut Work<'_>, node: &str) -> Result<Vec<String>, ServiceError> {
    let mut notes = Vec::new();
    for step in failover::on_node_returned(&w.estate, node) {
        match step {
            Recovery::FetchMissingLogs { storage_group, from, active, common } => {
                let sg = w.estate.storage_groups[storage_group].clone();
                let source = CopyFiles::new(&w.files(), &from, &sg.server, &sg.name, &sg.log_prefix);
                let target = CopyFiles::new(&w.files(), &active, &sg.server, &sg.name, &sg.log_prefix);
                source.open_or_create().map_err(|e| internal(&e))?;
                source.close_open_log(w.now_ms()).map_err(|e| internal(&e))?;
                let newest = source.on_disk().map_err(|e| internal(&e))?.inspected;
                let mut through = common;
                let mut bytes = Vec::new();
                for generation in common + 1..=newest {
                    let received = target.receive(&source, generation, Some(sg.lineage), &mut bytes);
                    match received.map_err(|e| internal(&e))? {
                        Ok(_) => through = generation,
                        Err(defect) => {
                            notes.push(format!(
                                "{} from {from} failed inspection ({defect}); '{}\\{}' still lacks logs after {through}.",
                                source.log_name(generation),
                                sg.server,
                                sg.name
                            ));
                            break;
                        }
                    }
                }
                if through == newest {
                    failover::logs_recovered(&mut w.estate, storage_group, through);
                    notes.push(format!(
                        "Copied logs {}..{through} of '{}\\{}' from {from}: nothing was lost.",
                        common + 1,
                        sg.server,
                        sg.name
                    ));
                }
            }
            Recovery::Resynchronize { copy, common } => {
                let Some(files) = replication::copy_files(&w.files(), &w.estate, &w.estate.copies[copy]) else {
                    continue;
                };
                files.open_or_create().map_err(|e| internal(&e))?;
                let replayed = files.checkpoint().map_err(|e| internal(&e))?.replayed;
                if replayed <= common {
                    files.discard_after(common).map_err(|e| internal(&e))?;
                }
                failover::resynchronized(&mut w.estate, copy, replayed);
                let c = &w.estate.copies[copy];
                notes.push(match &c.failed_message {
                    Some(message) => message.clone(),
                    None => format!(
                        "The copy of '{}\\{}' on {} resynchronised after generation {common}.",
                        c.server, c.storage_group, c.node
                    ),
                });
            }
        }
    }
    let reaction = failover::react(&mut w.estate, w.now);
    follow_up(w, reaction)?;
    replication::recount(&w.files(), &mut w.estate).map_err(|e| internal(&e))?;
    Ok(notes)
}
