//! Exactly-once changes. A change sent under a request id (`x-ccrd-request-id`, one per change,
//! the same again when the client retries it) is carried out at most once: its answer is
//! committed with it, in the change's own transaction (the store keeps it), and a retry under
//! the same id is answered with that first answer, nothing done again. An attempt that arrives
//! while another under its id still runs in this ccrd waits for it first, so the two never
//! both decide.
//!
//! Owns: the ids in flight in this ccrd, the shape of what is kept with a change, and the
//! answer to a retry (or the refusal of an id reused for another change).
//! Must not: decide anything about the estate, or write anything itself (the change's commit
//! carries the record).

use std::collections::HashSet;
use std::sync::{Condvar, Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use super::internal;
use crate::api::OperationResult;
use crate::service::error::ServiceError;
use crate::service::store::{Answered, RequestRecord};

/// The request ids whose changes run now in this ccrd.
#[derive(Default)]
pub struct InFlight {
    ids: Mutex<HashSet<String>>,
    finished: Condvar,
}

/// The one attempt under a request id allowed to run; the id is free again when it is dropped.
pub struct Turn<'a> {
    in_flight: &'a InFlight,
    id: String,
}

impl InFlight {
    /// Waits until no other attempt under `id` runs here, then holds the id.
    pub fn take(&self, id: &str) -> Turn<'_> {
        let mut ids = self.ids.lock().unwrap_or_else(PoisonError::into_inner);
        while ids.contains(id) {
            ids = self.finished.wait(ids).unwrap_or_else(PoisonError::into_inner);
        }
        ids.insert(id.to_string());
        Turn { in_flight: self, id: id.to_string() }
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        self.in_flight.ids.lock().unwrap_or_else(PoisonError::into_inner).remove(&self.id);
        self.in_flight.finished.notify_all();
    }
}

/// What is kept with a change made under a request id: what it was, and its answer (its
/// events are numbered by the store in the commit and kept beside it).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Kept {
    cmdlet: String,
    object: String,
    result: OperationResult,
}

/// The record that goes into the commit of a change made under request id `id`.
pub fn record(id: &str, cmdlet: &str, object: &str, result: &OperationResult) -> Result<RequestRecord, ServiceError> {
    let kept = Kept { cmdlet: cmdlet.to_string(), object: object.to_string(), result: result.clone() };
    Ok(RequestRecord { id: id.to_string(), answer: serde_json::to_value(&kept).map_err(|e| internal(&e))? })
}

/// The answer to a retry of the change committed under request id `id`: its first answer, with
/// its events and a note saying nothing was done again. The same id sent with another change
/// is refused (a client that reuses ids would otherwise get an answer that is not its own).
pub fn answer_again(id: &str, cmdlet: &str, object: &str, answered: Answered) -> Result<OperationResult, ServiceError> {
    let kept: Kept = serde_json::from_value(answered.answer).map_err(|e| internal(&e))?;
    if !kept.cmdlet.eq_ignore_ascii_case(cmdlet) || !kept.object.eq_ignore_ascii_case(object) {
        return Err(ServiceError::invalid_request(
            format!(
                "The request id {id} was already used for another change ({} '{}', estate version {}); \
                 nothing was done.",
                kept.cmdlet, kept.object, kept.result.estate_version
            ),
            "Send each new change under a fresh request id (a UUID); reuse an id only to retry the same change.",
        ));
    }
    let mut result = kept.result;
    result.events = answered.events;
    result.notes.push(format!(
        "This change was already carried out under request id {id} (estate version {}): this is its first \
         answer; nothing was done again.",
        result.estate_version
    ));
    tracing::info!(request_id = %id, version = result.estate_version, "a retried change answered from its record");
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[test]
    fn a_second_attempt_under_one_id_waits_for_the_first_and_other_ids_do_not() {
        let in_flight = Arc::new(InFlight::default());
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let attempts: Vec<_> = (0..4)
            .map(|_| {
                let (in_flight, running, most) = (Arc::clone(&in_flight), Arc::clone(&running), Arc::clone(&most));
                std::thread::spawn(move || {
                    let _turn = in_flight.take("same");
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for attempt in attempts {
            attempt.join().expect("attempt");
        }
        assert_eq!(most.load(Ordering::SeqCst), 1, "never two attempts under one id at once");
        let _one = in_flight.take("one");
        let _other = in_flight.take("other");
    }
}
