//! The durable queue of accepted asynchronous invocations: every event is in
//! the store before Invoke answers 202, and stays there until it is done.
//! In memory, a schedule orders the pending events by when they are due.

use crate::ApiResult;
use laminar_lambda_core::registry::storage_error;
use laminar_store::{FunctionKey, Store};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::Notify;

/// How many failed events are kept per function (like the invocation history, bounded).
pub(crate) const FAILED_KEPT_PER_FUNCTION: usize = 100;

/// An accepted asynchronous invocation, as persisted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AsyncEvent {
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
    /// The tenant the invoke named (tenant isolation mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
}

impl AsyncEvent {
    /// A new event, due at once, never run.
    pub fn new(
        scope: &laminar_model::arn::Scope,
        function_name: &str,
        qualifier: Option<String>,
        payload: String,
        client_context: Option<String>,
    ) -> Self {
        let now = laminar_lambda_core::clock::now_ms();
        Self {
            id: uuid::Uuid::new_v4().to_string(),
            account: scope.account.clone(),
            region: scope.region.clone(),
            function_name: function_name.to_string(),
            qualifier,
            payload,
            client_context,
            received_ms: now,
            invoke_count: 0,
            function_errors: 0,
            throttles: 0,
            due_ms: now,
            tenant_id: None,
        }
    }

    /// The function the event is for.
    pub(crate) fn function(&self) -> FunctionKey {
        FunctionKey {
            account: self.account.clone(),
            region: self.region.clone(),
            name: self.function_name.clone(),
        }
    }

    /// The account and region the event was accepted in.
    pub(crate) fn scope(&self) -> laminar_model::arn::Scope {
        laminar_model::arn::Scope {
            account: self.account.clone(),
            region: self.region.clone(),
        }
    }
}

fn encode(event: &AsyncEvent) -> ApiResult<String> {
    serde_json::to_string(event)
        .map_err(|e| laminar_model::ApiError::service(format!("cannot encode the event: {e}")))
}

/// Events of one function run at most this many at once from the queue,
/// so that a backlog of one function cannot hold every dispatch slot.
pub(crate) const IN_FLIGHT_PER_FUNCTION: usize = 64;

#[derive(Default)]
struct Schedule {
    /// (due, id) of the events waiting for their turn.
    due: BTreeSet<(i64, String)>,
    /// The waiting events by id, without their payload (it stays in the
    /// store until the event runs); an event being run is in neither.
    waiting: HashMap<String, AsyncEvent>,
    /// Events taken out to run, per function.
    in_flight: HashMap<FunctionKey, usize>,
    /// Due events of functions at their in-flight limit, out of `due` until
    /// one of their runs ends (so the dispatcher never rescans them).
    held: HashMap<FunctionKey, BTreeSet<(i64, String)>>,
    /// Waiting events that were throttled, per function, oldest first: the
    /// ones a freed slot may bring forward.
    throttled: HashMap<FunctionKey, BTreeSet<(i64, String)>>,
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
                Ok(event) => schedule.insert(without_payload(event)),
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
        let json = encode(&event)?;
        self.store
            .db
            .put_event(&event.id, &json)
            .map_err(storage_error)?;
        self.schedule_stored(event);
        Ok(())
    }

    /// [`Self::put`] from async code: the write joins the group commit of
    /// the moment while the task waits (no thread held per event).
    pub(crate) async fn put_async(&self, event: AsyncEvent) -> ApiResult<()> {
        let json = encode(&event)?;
        self.store
            .db
            .put_event_async(event.id.clone(), json)
            .await
            .map_err(storage_error)?;
        self.schedule_stored(event);
        Ok(())
    }

    fn schedule_stored(&self, event: AsyncEvent) {
        self.schedule().insert(without_payload(event));
        self.wake.notify_one();
    }

    /// The event is done: forget it for good.
    pub(crate) fn finish(&self, id: &str) {
        if let Err(e) = self.store.db.delete_event(id) {
            tracing::error!(%id, error = %e, "a finished event could not be removed; it may run again");
        }
    }

    /// Runs `work` on the queue on a blocking thread: the dispatcher's tasks
    /// store and read events there, never on an async worker.
    async fn off_worker<T, F>(self: &Arc<Self>, work: F) -> ApiResult<T>
    where
        F: FnOnce(&Self) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let queue = self.clone();
        laminar_lambda_core::blocking::off_worker(move || work(&queue)).await
    }

    /// [`Self::put`] from async code.
    pub(crate) async fn put_off_worker(self: &Arc<Self>, event: AsyncEvent) -> ApiResult<()> {
        self.off_worker(move |queue| queue.put(event)).await
    }

    /// Keeps what is told of an event that failed for good (the newest
    /// [`FAILED_KEPT_PER_FUNCTION`] per function), for the console.
    pub(crate) async fn remember_failure_off_worker(
        self: &Arc<Self>,
        event: &AsyncEvent,
        record: String,
    ) {
        let function = format!("{}:{}:{}", event.account, event.region, event.function_name);
        let kept = self.off_worker(move |queue| {
            queue
                .store
                .db
                .put_failed_event(&function, &record, FAILED_KEPT_PER_FUNCTION)
                .map_err(storage_error)
        });
        if let Err(e) = kept.await {
            tracing::warn!(id = %event.id, error = %e, "a failed event could not be recorded");
        }
    }

    /// [`Self::finish`] from async code.
    pub(crate) async fn finish_off_worker(self: &Arc<Self>, id: &str) {
        let owned = id.to_string();
        let finished = self.off_worker(move |queue| {
            queue.finish(&owned);
            Ok(())
        });
        if let Err(e) = finished.await {
            tracing::error!(%id, error = %e, "a finished event could not be removed; it may run again");
        }
    }

    /// [`Self::take_due`] from async code. Shutting down, it takes none (the
    /// events stay in the store for the next run).
    pub(crate) async fn take_due_off_worker(
        self: &Arc<Self>,
        now_ms: i64,
        max: usize,
    ) -> Vec<AsyncEvent> {
        self.off_worker(move |queue| Ok(queue.take_due(now_ms, max)))
            .await
            .unwrap_or_default()
    }

    /// Takes the events due at `now_ms` out of the schedule, oldest first,
    /// with their payload read back from the store; a function with
    /// [`IN_FLIGHT_PER_FUNCTION`] events running gets no more for now.
    /// Each event taken must be [`released`](Self::release) after its attempt.
    pub(crate) fn take_due(&self, now_ms: i64, max: usize) -> Vec<AsyncEvent> {
        let taken: Vec<AsyncEvent> = {
            let mut schedule = self.schedule();
            let mut taken = Vec::new();
            while taken.len() < max {
                let Some(key) = schedule.due.first().cloned() else {
                    break;
                };
                if key.0 > now_ms {
                    break;
                }
                schedule.due.remove(&key);
                let Some(function) = schedule.waiting.get(&key.1).map(AsyncEvent::function) else {
                    continue;
                };
                let running = schedule.in_flight.entry(function.clone()).or_default();
                if *running >= IN_FLIGHT_PER_FUNCTION {
                    schedule.held.entry(function).or_default().insert(key);
                    continue;
                }
                *running += 1;
                if let Some(event) = schedule.remove_waiting(&key.1) {
                    taken.push(event);
                }
            }
            taken
        };
        taken
            .into_iter()
            .filter_map(|event| match self.store.db.get_event(&event.id) {
                Ok(Some(json)) => match serde_json::from_str::<AsyncEvent>(&json) {
                    Ok(stored) => Some(AsyncEvent {
                        payload: stored.payload,
                        ..event
                    }),
                    Err(e) => {
                        tracing::warn!(id = %event.id, error = %e, "dropping an unreadable queued event");
                        self.release(&event.function());
                        None
                    }
                },
                Ok(None) => {
                    self.release(&event.function());
                    None
                }
                Err(e) => {
                    tracing::error!(id = %event.id, error = %e, "a queued event could not be read; it will be tried again");
                    self.schedule().insert_back(event);
                    None
                }
            })
            .collect()
    }

    /// An attempt of an event taken with `take_due` is over: the function
    /// has a slot free, and the first event it held back is due again.
    pub(crate) fn release(&self, function: &FunctionKey) {
        let mut schedule = self.schedule();
        if let Some(running) = schedule.in_flight.get_mut(function) {
            *running = running.saturating_sub(1);
            if *running == 0 {
                schedule.in_flight.remove(function);
            }
        }
        let Schedule { held, due, .. } = &mut *schedule;
        if let Some(waiting) = held.get_mut(function) {
            if let Some(key) = waiting.pop_first() {
                due.insert(key);
            }
            if waiting.is_empty() {
                held.remove(function);
            }
        }
        drop(schedule);
        self.wake.notify_one();
    }

    /// A run of this function ended and gave its concurrency back: the
    /// longest-waiting event of the function that was throttled need not sit
    /// out the rest of its backoff.
    pub(crate) fn expedite_throttled(&self, function: &FunctionKey, now_ms: i64) {
        let mut schedule = self.schedule();
        let found = schedule.throttled.get(function).and_then(|ids| {
            ids.iter()
                .filter_map(|(_, id)| schedule.waiting.get(id))
                .find(|e| e.due_ms > now_ms)
                .cloned()
        });
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

/// The event as the schedule keeps it in memory: its payload (up to 1 MB)
/// stays in the store.
fn without_payload(event: AsyncEvent) -> AsyncEvent {
    AsyncEvent {
        payload: String::new(),
        ..event
    }
}

impl Schedule {
    /// Puts back an event that could not be read, counted out of flight.
    fn insert_back(&mut self, event: AsyncEvent) {
        let function = event.function();
        if let Some(running) = self.in_flight.get_mut(&function) {
            *running = running.saturating_sub(1);
        }
        self.insert(without_payload(event));
    }

    fn insert(&mut self, event: AsyncEvent) {
        if let Some(old) = self.remove_waiting(&event.id) {
            self.due.remove(&(old.due_ms, old.id));
        }
        self.due.insert((event.due_ms, event.id.clone()));
        if event.throttles > 0 {
            self.throttled
                .entry(event.function())
                .or_default()
                .insert((event.received_ms, event.id.clone()));
        }
        self.waiting.insert(event.id.clone(), event);
    }

    /// Takes an event out of the waiting set and the throttled index.
    fn remove_waiting(&mut self, id: &str) -> Option<AsyncEvent> {
        let event = self.waiting.remove(id)?;
        if event.throttles > 0 {
            let function = event.function();
            if let Some(ids) = self.throttled.get_mut(&function) {
                ids.remove(&(event.received_ms, event.id.clone()));
                if ids.is_empty() {
                    self.throttled.remove(&function);
                }
            }
        }
        Some(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function(name: &str) -> FunctionKey {
        FunctionKey {
            account: "000000000000".into(),
            region: "us-east-1".into(),
            name: name.into(),
        }
    }

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
            tenant_id: None,
        }
    }

    #[test]
    fn due_events_come_out_in_order_and_survive_a_reload() {
        let store = Arc::new(Store::temporary().unwrap());
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
    fn one_function_cannot_take_every_slot() {
        let queue = AsyncQueue::load(Arc::new(Store::temporary().unwrap())).unwrap();
        for n in 0..70 {
            queue.put(event(&format!("f{n:02}"), n)).unwrap();
        }
        let mut other = event("g", 100);
        other.function_name = "g".into();
        queue.put(other).unwrap();
        let first = queue.take_due(1_000, 500);
        assert_eq!(first.len(), IN_FLIGHT_PER_FUNCTION + 1);
        assert!(first.iter().any(|e| e.function_name == "g"));
        assert!(
            first.iter().all(|e| e.payload == "{}"),
            "payloads come back from the store"
        );
        assert!(queue.take_due(1_000, 500).is_empty());
        queue.release(&function("f"));
        let next: Vec<String> = queue
            .take_due(1_000, 500)
            .into_iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(next, ["f64"]);
    }

    #[test]
    fn a_freed_slot_brings_a_throttled_event_forward() {
        let queue = AsyncQueue::load(Arc::new(Store::temporary().unwrap())).unwrap();
        let mut throttled = event("throttled", 10_000);
        throttled.throttles = 3;
        queue.put(throttled).unwrap();
        queue.put(event("waiting", 20_000)).unwrap();
        queue.expedite_throttled(&function("other"), 5);
        assert!(queue.take_due(5, 10).is_empty());
        queue.expedite_throttled(&function("f"), 5);
        let due: Vec<String> = queue.take_due(5, 10).into_iter().map(|e| e.id).collect();
        assert_eq!(due, ["throttled"]);
    }
}
