//! The durable queue of accepted asynchronous invocations: every event is in
//! the store before Invoke answers 202, and stays there until it is done.
//! In memory, a schedule orders the pending events by when they are due.

use crate::registry::storage_error;
use crate::ApiResult;
use laminar_store::Store;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::Notify;

/// An accepted asynchronous invocation, as persisted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct AsyncEvent {
    /// The request id Invoke answered with; every attempt reuses it.
    pub id: String,
    pub account: String,
    pub region: String,
    pub function_name: String,
    /// The qualifier the caller invoked (`None`: the unqualified function).
    pub qualifier: Option<String>,
    /// The event document (JSON text).
    pub payload: String,
    /// `X-Amz-Client-Context` as sent (base64).
    pub client_context: Option<String>,
    pub received_ms: i64,
    /// Runs that reached the function (`approximateInvokeCount`).
    pub invoke_count: u32,
    /// Runs that ended in a function error (they count against the retries).
    pub function_errors: u32,
    /// Throttles and system errors in a row (they set the backoff).
    pub throttles: u32,
    /// Not before this time (ms since the epoch).
    pub due_ms: i64,
}

impl AsyncEvent {
    /// The account and region the event was accepted in.
    pub(crate) fn scope(&self) -> laminar_model::arn::Scope {
        laminar_model::arn::Scope {
            account: self.account.clone(),
            region: self.region.clone(),
        }
    }
}

#[derive(Default)]
struct Schedule {
    /// (due, id) of the events waiting for their turn.
    due: BTreeSet<(i64, String)>,
    /// The waiting events by id; an event being run is in neither.
    waiting: HashMap<String, AsyncEvent>,
}

pub(crate) struct AsyncQueue {
    store: Arc<Store>,
    schedule: Mutex<Schedule>,
    /// Wakes the dispatcher when an event is added.
    pub(crate) wake: Notify,
}

impl AsyncQueue {
    /// Resumes the events a previous run accepted and did not finish.
    pub(crate) fn load(store: Arc<Store>) -> ApiResult<Self> {
        let mut schedule = Schedule::default();
        for (id, json) in store.db.all_events().map_err(storage_error)? {
            match serde_json::from_str::<AsyncEvent>(&json) {
                Ok(event) => schedule.insert(event),
                Err(e) => tracing::warn!(%id, error = %e, "dropping an unreadable queued event"),
            }
        }
        if !schedule.waiting.is_empty() {
            tracing::info!(
                count = schedule.waiting.len(),
                "resuming queued asynchronous invocations"
            );
        }
        Ok(Self {
            store,
            schedule: Mutex::new(schedule),
            wake: Notify::new(),
        })
    }

    fn schedule(&self) -> MutexGuard<'_, Schedule> {
        self.schedule.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Persists the event (new, or back from an attempt) and schedules it.
    pub(crate) fn put(&self, event: AsyncEvent) -> ApiResult<()> {
        let json = serde_json::to_string(&event)
            .map_err(|e| crate::ApiError::service(format!("cannot encode the event: {e}")))?;
        self.store
            .db
            .put_event(&event.id, &json)
            .map_err(storage_error)?;
        self.schedule().insert(event);
        self.wake.notify_one();
        Ok(())
    }

    /// The event is done: forget it for good.
    pub(crate) fn finish(&self, id: &str) {
        if let Err(e) = self.store.db.delete_event(id) {
            tracing::error!(%id, error = %e, "a finished event could not be removed; it may run again");
        }
    }

    /// Takes the events due at `now_ms` out of the schedule, oldest first.
    pub(crate) fn take_due(&self, now_ms: i64, max: usize) -> Vec<AsyncEvent> {
        let mut schedule = self.schedule();
        let mut out = Vec::new();
        while out.len() < max {
            let Some(first) = schedule.due.first().cloned() else {
                break;
            };
            if first.0 > now_ms {
                break;
            }
            schedule.due.remove(&first);
            if let Some(event) = schedule.waiting.remove(&first.1) {
                out.push(event);
            }
        }
        out
    }

    /// A run of this function ended and gave its concurrency back: the
    /// longest-waiting event of the function that was throttled need not sit
    /// out the rest of its backoff.
    pub(crate) fn expedite_throttled(
        &self,
        account: &str,
        region: &str,
        function_name: &str,
        now_ms: i64,
    ) {
        let mut schedule = self.schedule();
        let found = schedule
            .waiting
            .values()
            .filter(|e| {
                e.throttles > 0
                    && e.due_ms > now_ms
                    && e.function_name == function_name
                    && e.account == account
                    && e.region == region
            })
            .min_by_key(|e| e.received_ms)
            .cloned();
        if let Some(mut event) = found {
            event.due_ms = now_ms;
            schedule.insert(event);
            drop(schedule);
            self.wake.notify_one();
        }
    }

    /// When the next waiting event is due.
    pub(crate) fn next_due_ms(&self) -> Option<i64> {
        self.schedule().due.first().map(|(due, _)| *due)
    }
}

impl Schedule {
    fn insert(&mut self, event: AsyncEvent) {
        if let Some(old) = self.waiting.remove(&event.id) {
            self.due.remove(&(old.due_ms, old.id));
        }
        self.due.insert((event.due_ms, event.id.clone()));
        self.waiting.insert(event.id.clone(), event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, due_ms: i64) -> AsyncEvent {
        AsyncEvent {
            id: id.into(),
            account: "000000000000".into(),
            region: "us-east-1".into(),
            function_name: "f".into(),
            qualifier: None,
            payload: "{}".into(),
            client_context: None,
            received_ms: 0,
            invoke_count: 0,
            function_errors: 0,
            throttles: 0,
            due_ms,
        }
    }

    #[test]
    fn due_events_come_out_in_order_and_survive_a_reload() {
        let store = Arc::new(Store::open(None).unwrap());
        let queue = AsyncQueue::load(store.clone()).unwrap();
        queue.put(event("late", 300)).unwrap();
        queue.put(event("early", 100)).unwrap();
        queue.put(event("moved", 50)).unwrap();
        queue.put(event("moved", 200)).unwrap();
        assert_eq!(queue.next_due_ms(), Some(100));
        let due: Vec<String> = queue.take_due(250, 10).into_iter().map(|e| e.id).collect();
        assert_eq!(due, ["early", "moved"]);
        queue.finish("early");
        // "moved" was taken but not finished: a restart runs it again.
        let reloaded = AsyncQueue::load(store).unwrap();
        let mut ids: Vec<String> = reloaded
            .take_due(i64::MAX, 10)
            .into_iter()
            .map(|e| e.id)
            .collect();
        ids.sort();
        assert_eq!(ids, ["late", "moved"]);
    }

    #[test]
    fn a_freed_slot_brings_a_throttled_event_forward() {
        let queue = AsyncQueue::load(Arc::new(Store::open(None).unwrap())).unwrap();
        let mut throttled = event("throttled", 10_000);
        throttled.throttles = 3;
        queue.put(throttled).unwrap();
        queue.put(event("waiting", 20_000)).unwrap();
        queue.expedite_throttled("000000000000", "us-east-1", "other", 5);
        assert!(queue.take_due(5, 10).is_empty());
        queue.expedite_throttled("000000000000", "us-east-1", "f", 5);
        let due: Vec<String> = queue.take_due(5, 10).into_iter().map(|e| e.id).collect();
        assert_eq!(due, ["throttled"]);
    }
}
