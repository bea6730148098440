//! Asynchronous invocation: events accepted durably, run by a dispatcher
//! within the function's concurrency, retried as AWS retries them, and their
//! outcome sent to destinations or a dead-letter queue.
//!
//! - A function error (including a timeout) is retried `MaximumRetryAttempts`
//!   times (default 2), after the base delay and then twice that.
//! - A throttle or a system error goes back to the queue with exponential
//!   backoff (1 s up to 5 min) until the event is `MaximumEventAgeInSeconds`
//!   old (default 6 h).
//! - Reserved concurrency 0 sends events straight to failure.

use crate::destinations::{self, Condition, Destination, LastResponse};
use crate::queue::{AsyncEvent, AsyncQueue};
use crate::ApiResult;
use laminar_executor::InvokeResult;
use laminar_invoke::metrics::Subject;
use laminar_invoke::Invoker;
use laminar_invoke::{InvokeInput, Prepared};
use laminar_lambda_core::clock::now_ms;
use laminar_lambda_core::naming::key_of;
use laminar_model::arn::Scope;
use laminar_model::config::FunctionRecord;
use laminar_model::shapes::{self, DestinationConfig};
use laminar_model::ErrorKind;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

const DEFAULT_RETRIES: u32 = 2;
const DEFAULT_MAX_AGE: Duration = Duration::from_secs(6 * 3600);
const THROTTLE_BACKOFF_FIRST: Duration = Duration::from_secs(1);
const THROTTLE_BACKOFF_MAX: Duration = Duration::from_secs(300);
/// Events run at once, all functions together; each run still needs its
/// function's concurrency.
const DISPATCH_WIDTH: usize = 256;

/// What the function's (or the qualifier's) event invoke config says.
struct Policy {
    max_retries: u32,
    max_age: Duration,
    on_success: Option<String>,
    on_failure: Option<String>,
    dead_letter: Option<String>,
}

impl Policy {
    fn of(record: &FunctionRecord, qualifier: Option<&str>) -> Self {
        let configs = &record.event_invoke_configs;
        let config = qualifier
            .and_then(|q| configs.get(q))
            .or_else(|| configs.get(""));
        let destinations = config.and_then(|c| c.destination_config.as_ref());
        let destination = |side: fn(&DestinationConfig) -> &shapes::Destination| {
            destinations
                .and_then(|d| side(d).destination.clone())
                .filter(|arn| !arn.is_empty())
        };
        Self {
            max_retries: config
                .and_then(|c| c.maximum_retry_attempts)
                .map_or(DEFAULT_RETRIES, |n| n.clamp(0, 2) as u32),
            max_age: config
                .and_then(|c| c.maximum_event_age_in_seconds)
                .map_or(DEFAULT_MAX_AGE, |s| Duration::from_secs(s.max(0) as u64)),
            on_success: destination(|d| &d.on_success),
            on_failure: destination(|d| &d.on_failure),
            dead_letter: record
                .config
                .dead_letter_config
                .as_ref()
                .and_then(|d| d.target_arn.clone())
                .filter(|arn| !arn.is_empty()),
        }
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The wait before the `n`th retry after a function error (n ≥ 1): the base,
/// then twice the base (AWS: one minute, then two).
fn retry_delay(base: Duration, n: u32) -> Duration {
    base * 2u32.saturating_pow(n.saturating_sub(1).min(16))
}

/// The wait after the `n`th throttle or system error in a row (n ≥ 1).
fn throttle_backoff(n: u32) -> Duration {
    (THROTTLE_BACKOFF_FIRST * 2u32.saturating_pow(n.saturating_sub(1).min(16)))
        .min(THROTTLE_BACKOFF_MAX)
}

/// Whether an error that kept an event from running may pass: throttles,
/// a function not ready yet, laminar's own failures. (An unsupported
/// runtime answers 502 too, but it will never pass.)
fn retryable(e: &laminar_model::ApiError) -> bool {
    matches!(
        e.kind,
        ErrorKind::TooManyRequests | ErrorKind::ResourceConflict | ErrorKind::Service
    )
}

/// The asynchronous invocations of one laminar: the queue and what runs it.
pub struct AsyncInvocations {
    queue: Arc<AsyncQueue>,
    invoker: Arc<Invoker>,
    /// Destinations and dead-letter queues.
    sqs: laminar_sqs::SqsService,
    /// Destinations that are topics.
    sns: laminar_sns::SnsService,
    /// Destinations that are event buses.
    events: laminar_events::EventsService,
    /// The wait before the first retry after a function error.
    retry_delay: Duration,
}

impl AsyncInvocations {
    /// Loads the queued events; [`Self::spawn_dispatcher`] starts running them.
    pub fn load(
        store: Arc<laminar_store::Store>,
        invoker: Arc<Invoker>,
        sqs: laminar_sqs::SqsService,
        sns: laminar_sns::SnsService,
        events: laminar_events::EventsService,
        retry_delay: Duration,
    ) -> ApiResult<Self> {
        Ok(Self {
            queue: Arc::new(AsyncQueue::load(store)?),
            invoker,
            sqs,
            sns,
            events,
            retry_delay,
        })
    }

    /// Accepts an asynchronous invocation: it is in the store before this
    /// returns, so the caller's 202 means it will run.
    pub fn enqueue(&self, event: AsyncEvent) -> ApiResult<()> {
        let (function, qualifier) = (event.function(), event.qualifier.clone());
        self.queue.put(event)?;
        self.received(&function, qualifier.as_deref());
        Ok(())
    }

    /// [`Self::enqueue`] from async code: no blocking thread is held while
    /// the event's commit is under way.
    pub async fn enqueue_async(&self, event: AsyncEvent) -> ApiResult<()> {
        let (function, qualifier) = (event.function(), event.qualifier.clone());
        self.queue.put_async(event).await?;
        self.received(&function, qualifier.as_deref());
        Ok(())
    }

    fn received(&self, function: &laminar_store::FunctionKey, qualifier: Option<&str>) {
        let subject = Subject {
            function,
            qualifier,
            executed_version: None,
        };
        self.invoker
            .metrics()
            .put(subject, "AsyncEventsReceived", "Count", 1.0);
    }

    /// One `AWS/Lambda` value about an event's function.
    fn metric(&self, event: &AsyncEvent, name: &str, unit: &str, value: f64) {
        let function = event.function();
        let subject = Subject {
            function: &function,
            qualifier: event.qualifier.as_deref(),
            executed_version: None,
        };
        self.invoker.metrics().put(subject, name, unit, value);
    }

    /// Runs queued events as they come due, for as long as the engine lives.
    pub fn spawn_dispatcher(self: &Arc<Self>) {
        let weak = Arc::downgrade(self);
        let slots = Arc::new(tokio::sync::Semaphore::new(DISPATCH_WIDTH));
        tokio::spawn(async move {
            loop {
                let Some(service) = weak.upgrade() else {
                    return;
                };
                let free = slots.available_permits().max(1);
                for event in service.queue.take_due_off_worker(now_ms(), free).await {
                    let Ok(slot) = slots.clone().acquire_owned().await else {
                        return;
                    };
                    let service = service.clone();
                    tokio::spawn(async move {
                        let function = event.function();
                        service.attempt(event).await;
                        service.queue.release(&function);
                        drop(slot);
                    });
                }
                let wait = service
                    .queue
                    .next_due_ms()
                    .map_or(Duration::from_secs(1), |due| {
                        Duration::from_millis((due - now_ms()).clamp(0, 1000) as u64)
                    });
                let queue_wake = async {
                    service.queue.wake.notified().await;
                };
                tokio::select! {
                    () = queue_wake => {}
                    () = tokio::time::sleep(wait.max(Duration::from_millis(1))) => {}
                }
                drop(service);
            }
        });
    }

    /// One attempt at an event, and what follows from its outcome.
    async fn attempt(&self, mut event: AsyncEvent) {
        let scope = event.scope();
        let Some(record) = self
            .invoker
            .registry()
            .get(&key_of(&scope, &event.function_name))
        else {
            tracing::warn!(id = %event.id, function = %event.function_name, "the function of a queued event is gone; dropping it");
            self.queue.finish_off_worker(&event.id).await;
            return;
        };
        let policy = Policy::of(&record, event.qualifier.as_deref());
        let function_arn = scope.function_arn(&event.function_name);
        let age = Duration::from_millis((now_ms() - event.received_ms).max(0) as u64);
        if age > policy.max_age {
            return self
                .fail(
                    &event,
                    &function_arn,
                    &policy,
                    Condition::EventAgeExceeded,
                    None,
                )
                .await;
        }
        if record.reserved_concurrency == Some(0) {
            return self
                .fail(
                    &event,
                    &function_arn,
                    &policy,
                    Condition::ZeroReservedConcurrency,
                    None,
                )
                .await;
        }
        let outcome = match self.invoker.prepare(
            &scope,
            InvokeInput {
                function_name: event.function_name.clone(),
                qualifier: event.qualifier.clone(),
                invocation_type: None,
                log_type: None,
                client_context: event.client_context.clone(),
                payload: bytes::Bytes::from(event.payload.clone()),
                durable_execution_name: None,
                request_id: Some(event.id.clone()),
                tenant_id: event.tenant_id.clone(),
            },
        ) {
            Ok((_, prepared)) => self.run_prepared(&scope, &prepared).await,
            Err(e) => Err(e),
        };
        match outcome {
            Ok((result, executed_version)) => {
                self.metric(&event, "AsyncEventAge", "Milliseconds", millis(age) as f64);
                self.queue.expedite_throttled(&event.function(), now_ms());
                event.invoke_count += 1;
                event.throttles = 0;
                let (function_error, body) = match result {
                    InvokeResult::Response(body) => (false, body),
                    InvokeResult::Error(body) => (true, body),
                };
                let last = LastResponse {
                    executed_version,
                    function_error,
                    body,
                };
                if !function_error {
                    if let Some(arn) = &policy.on_success {
                        let record = destinations::invocation_record(
                            &event,
                            &function_arn,
                            Condition::Success,
                            Some(&last),
                        );
                        if !self.deliver_record(&scope, arn, record).await {
                            self.metric(&event, "DestinationDeliveryFailures", "Count", 1.0);
                        }
                    }
                    self.queue.finish_off_worker(&event.id).await;
                    return;
                }
                event.function_errors += 1;
                if event.function_errors > policy.max_retries {
                    return self
                        .fail(
                            &event,
                            &function_arn,
                            &policy,
                            Condition::RetriesExhausted,
                            Some(&last),
                        )
                        .await;
                }
                let delay = retry_delay(self.retry_delay, event.function_errors);
                event.due_ms = now_ms() + millis(delay);
                self.requeue(event).await;
            }
            Err(e) if e.kind == ErrorKind::ResourceNotFound => {
                tracing::warn!(id = %event.id, error = %e, "a queued event's function or qualifier is gone; dropping it");
                self.queue.finish_off_worker(&event.id).await;
            }
            Err(e) if !retryable(&e) => {
                // It can never run as it is (an unsupported runtime, say):
                // waiting six hours would not change that.
                tracing::warn!(id = %event.id, error = %e, "a queued event cannot run");
                self.fail(
                    &event,
                    &function_arn,
                    &policy,
                    Condition::RetriesExhausted,
                    None,
                )
                .await;
            }
            Err(e) => {
                // Throttles, system errors, a function not Active yet: back
                // to the queue, later each time, while the event is young.
                // The last wait ends just past the maximum age, where the
                // next attempt fails it.
                event.throttles += 1;
                let until_too_old = policy.max_age.saturating_sub(age) + Duration::from_millis(1);
                let delay = throttle_backoff(event.throttles).min(until_too_old);
                tracing::debug!(id = %event.id, error = %e, ?delay, "asynchronous invocation deferred");
                event.due_ms = now_ms() + millis(delay);
                self.requeue(event).await;
            }
        }
    }

    /// Runs a prepared invocation; the answer and the version that ran.
    async fn run_prepared(
        &self,
        scope: &Scope,
        prepared: &Prepared,
    ) -> ApiResult<(InvokeResult, String)> {
        let version = prepared.resolved.config().version.clone();
        let (result, _log) = self.invoker.run(scope, prepared, None).await?;
        Ok((result, version))
    }

    async fn requeue(&self, event: AsyncEvent) {
        let id = event.id.clone();
        if let Err(e) = self.queue.put_off_worker(event).await {
            tracing::error!(%id, error = %e, "a queued event could not be rescheduled");
        }
    }

    /// The event failed for good: the OnFailure destination and the
    /// dead-letter queue get it, then it is gone.
    async fn fail(
        &self,
        event: &AsyncEvent,
        function_arn: &str,
        policy: &Policy,
        condition: Condition,
        last: Option<&LastResponse>,
    ) {
        let scope = event.scope();
        let mut went = Vec::new();
        if let Some(arn) = &policy.on_failure {
            let record = destinations::invocation_record(event, function_arn, condition, last);
            let delivered = self.deliver_record(&scope, arn, record).await;
            if !delivered {
                self.metric(event, "DestinationDeliveryFailures", "Count", 1.0);
            }
            went.push(json!({ "Kind": "OnFailure", "Arn": arn, "Delivered": delivered }));
        }
        if let Some(arn) = &policy.dead_letter {
            let sent = match destinations::destination(arn) {
                Destination::Queue(queue) => {
                    let message = destinations::dead_letter_message(event, last);
                    let sent = self.sqs.send_to_arn(queue, message).await;
                    if let Err(e) = &sent {
                        tracing::warn!(id = %event.id, %arn, error = %e, "the dead-letter queue refused the event");
                    }
                    sent.is_ok()
                }
                _ => {
                    tracing::warn!(id = %event.id, %arn, "laminar can only use SQS queues as dead-letter queues");
                    false
                }
            };
            if !sent {
                self.metric(event, "DeadLetterErrors", "Count", 1.0);
            }
            went.push(json!({ "Kind": "DeadLetterQueue", "Arn": arn, "Delivered": sent }));
        }
        let failure = destinations::failure_summary(event, condition, last, went);
        self.queue
            .remember_failure_off_worker(event, failure.to_string())
            .await;
        self.metric(event, "AsyncEventsDropped", "Count", 1.0);
        if policy.on_failure.is_none() && policy.dead_letter.is_none() {
            tracing::info!(id = %event.id, function = %event.function_name, condition = ?condition, "asynchronous invocation discarded");
        }
        self.queue.finish_off_worker(&event.id).await;
    }

    /// Sends an invocation record to a destination; whether it took it.
    async fn deliver_record(&self, scope: &Scope, arn: &str, record: serde_json::Value) -> bool {
        let body = record.to_string();
        match destinations::destination(arn) {
            Destination::Queue(queue) => {
                let message = laminar_sqs::OutgoingMessage {
                    body,
                    ..Default::default()
                };
                if let Err(e) = self.sqs.send_to_arn(queue, message).await {
                    tracing::warn!(%arn, error = %e, "a destination queue refused the invocation record");
                    return false;
                }
                true
            }
            Destination::Function {
                account,
                region,
                name,
                qualifier,
            } => {
                let target = Scope {
                    account: account.to_string(),
                    region: region.to_string(),
                };
                let event =
                    AsyncEvent::new(&target, name, qualifier.map(str::to_string), body, None);
                if self
                    .invoker
                    .registry()
                    .get(&key_of(&target, name))
                    .is_none()
                {
                    tracing::warn!(%arn, "the destination function does not exist");
                    return false;
                }
                if let Err(e) = self.queue.put_off_worker(event).await {
                    tracing::warn!(%arn, error = %e, "the destination function could not take the record");
                    return false;
                }
                true
            }
            Destination::Topic(topic) => {
                let sns = self.sns.clone();
                let topic_arn = topic.to_string();
                let published = laminar_lambda_core::blocking::off_worker(move || {
                    sns.publish_to_arn(&topic_arn, body)
                        .map_err(|e| laminar_model::ApiError::service(e.to_string()))
                })
                .await;
                if let Err(e) = published {
                    tracing::warn!(%arn, error = %e, "a destination topic refused the invocation record");
                    return false;
                }
                true
            }
            Destination::Bus(bus) => {
                let entry = destinations::bus_entry(bus, &record);
                let events = self.events.clone();
                let bus_arn = bus.to_string();
                let put = laminar_lambda_core::blocking::off_worker(move || {
                    events
                        .put_event_to_bus_arn(&bus_arn, entry)
                        .map_err(|e| laminar_model::ApiError::service(e.to_string()))
                })
                .await;
                if let Err(e) = put {
                    tracing::warn!(%arn, error = %e, "a destination event bus refused the invocation record");
                    return false;
                }
                true
            }
            Destination::Unsupported(arn) => {
                tracing::warn!(%arn, caller = %scope.account, "laminar delivers invocation records to SQS queues, SNS topics, EventBridge buses and Lambda functions only");
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_as_aws_documents() {
        let base = Duration::from_secs(60);
        assert_eq!(retry_delay(base, 1), Duration::from_secs(60));
        assert_eq!(retry_delay(base, 2), Duration::from_secs(120));
        assert_eq!(throttle_backoff(1), Duration::from_secs(1));
        assert_eq!(throttle_backoff(4), Duration::from_secs(8));
        assert_eq!(throttle_backoff(40), Duration::from_secs(300));
    }
}
