//! The poller of an SQS event source mapping: workers that each gather a
//! batch, delete what the filters reject, invoke the function with the rest
//! and delete what it processed. Failed messages stay in the queue and come
//! back after their visibility timeout (and end in the queue's dead-letter
//! queue through its redrive policy).

use crate::{EventSources, Mapping};
use base64::Engine;
use laminar_executor::InvokeResult;
use laminar_invoke::InvokeInput;
use laminar_lambda_core::naming::{key_of, resolve_name};
use laminar_model::arn::Scope;
use laminar_sqs::ReceivedMessage;
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// Workers per mapping without `ScalingConfig.MaximumConcurrency`.
const DEFAULT_WORKERS: usize = 5;
const MAX_WORKERS: usize = 1000;
/// The longest ReceiveMessage wait (SQS allows 20 s).
const LONG_POLL: Duration = Duration::from_secs(20);
/// A batch's records stay under the 6 MB invoke payload limit: what would
/// go over it waits for the next batch.
const BATCH_BYTES_MAX: usize = 6 * 1000 * 1000 - 64 * 1024;
/// A record's size beyond its body and attributes (ids, handle, ARNs).
const RECORD_OVERHEAD: usize = 1024;
const BACKOFF: Duration = Duration::from_secs(1);
/// How long to wait before looking again for a function that is gone.
const MISSING_FUNCTION_BACKOFF: Duration = Duration::from_secs(5);

/// Tells a mapping's workers to stop. They finish the batch in hand (an
/// invocation under way is not cut off, its messages are still deleted)
/// and give back what they gathered but did not run.
#[derive(Default)]
pub(crate) struct Stop {
    stopped: AtomicBool,
    pub(crate) notify: Notify,
}

impl Stop {
    pub(crate) fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
        self.notify.notify_waiters();
    }

    pub(crate) fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }
}

/// The running workers of every mapping, by UUID.
#[derive(Default)]
pub(crate) struct Pollers(Mutex<HashMap<String, Arc<Stop>>>);

impl Pollers {
    pub(crate) fn start(&self, service: &Arc<EventSources>, scope: Scope, mapping: Mapping) {
        let Some(queue) = mapping.event_source_arn.clone() else {
            return;
        };
        let workers = mapping
            .maximum_concurrency()
            .unwrap_or(DEFAULT_WORKERS)
            .clamp(1, MAX_WORKERS);
        let mapping = Arc::new(mapping);
        let stop = Arc::new(Stop::default());
        for _ in 0..workers {
            let worker = Worker {
                engine: Arc::downgrade(service),
                scope: scope.clone(),
                mapping: mapping.clone(),
                queue: queue.clone(),
                stop: stop.clone(),
            };
            tokio::spawn(worker.run());
        }
        let mut running = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(old) = running.insert(mapping.uuid.clone(), stop) {
            old.stop();
        }
    }

    pub(crate) fn stop(&self, uuid: &str) {
        let mut running = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(stop) = running.remove(uuid) {
            stop.stop();
        }
    }
}

struct Worker {
    engine: Weak<EventSources>,
    scope: Scope,
    mapping: Arc<Mapping>,
    queue: String,
    stop: Arc<Stop>,
}

impl Worker {
    async fn run(self) {
        let patterns = self.mapping.patterns();
        let mut read_failures: u32 = 0;
        // Receipt handles of the messages this worker is done with
        // (processed, or rejected by the filters): deleted in the commit of
        // its next receive, or on their own before it waits or stops.
        let mut done: Vec<String> = Vec::new();
        loop {
            if self.stop.is_stopped() {
                return;
            }
            let Some(service) = self.engine.upgrade() else {
                return;
            };
            if !self.function_exists(&service) {
                self.delete(&service, std::mem::take(&mut done)).await;
                // Receiving now would only count a receive against every
                // message: wait for the function to come back.
                service
                    .results
                    .set(&self.mapping.uuid, "PROBLEM: Function not found.");
                drop(service);
                tokio::time::sleep(MISSING_FUNCTION_BACKOFF).await;
                continue;
            }
            let batch = match self.gather(&service, &mut done).await {
                Ok(batch) => {
                    read_failures = 0;
                    batch
                }
                Err(e) => {
                    // Said once; then looked at less and less often (a
                    // deleted queue may come back).
                    if read_failures == 0 {
                        tracing::warn!(uuid = %self.mapping.uuid, queue = %self.queue, error = %e, "the event source cannot be read");
                    }
                    read_failures += 1;
                    service.results.set(
                        &self.mapping.uuid,
                        "PROBLEM: Unable to read the event source.",
                    );
                    drop(service);
                    let wait = BACKOFF * 2u32.saturating_pow(read_failures.min(5) - 1);
                    tokio::time::sleep(wait).await;
                    continue;
                }
            };
            if self.stop.is_stopped() {
                // Stopped while gathering: the next poller gets these now.
                self.release(&service, &batch).await;
                return;
            }
            if !self.function_exists(&service) {
                // Deleted during the long poll: give the messages back.
                self.release(&service, &batch).await;
                continue;
            }
            let mut kept = Vec::with_capacity(batch.len());
            for message in batch {
                let record = record_of(&message, &self.queue, &self.scope.region);
                if patterns.is_empty() || patterns.iter().any(|p| p.matches(&filter_view(&record)))
                {
                    kept.push((message, record));
                } else {
                    // Lambda deletes the messages its filters reject.
                    done.push(message.receipt_handle);
                }
            }
            if !kept.is_empty() {
                done.extend(self.process(&service, kept).await);
            }
            if self.stop.is_stopped() {
                // No next receive: what this batch finished goes now.
                self.delete(&service, std::mem::take(&mut done)).await;
                return;
            }
        }
    }

    /// Receives up to BatchSize messages: the first wait is a long poll; once
    /// a message is in, more are gathered for the batching window. The
    /// messages `done` names are deleted in the first receive's commit (or,
    /// if it fails or is cut short by a stop, on their own: deleting again
    /// is harmless).
    async fn gather(
        &self,
        service: &EventSources,
        done: &mut Vec<String>,
    ) -> Result<Vec<ReceivedMessage>, laminar_sqs::SqsError> {
        let sqs = &service.sqs;
        let max = self.mapping.batch_size();
        let window = Duration::from_secs(self.mapping.batching_window_secs());
        let mut batch: Vec<ReceivedMessage> = Vec::new();
        let mut bytes = 0;
        let mut deadline: Option<Instant> = None;
        loop {
            let want = (max - batch.len()).min(10) as u32;
            let wait = match deadline {
                None => LONG_POLL,
                Some(at) => at.saturating_duration_since(Instant::now()).min(LONG_POLL),
            };
            let deleting = std::mem::take(done);
            // The receive borrows its own copy: `deleting` stays free for
            // the fallback below.
            let with_receive = deleting.clone();
            let receive =
                sqs.receive_after_deleting_from_arn(&self.queue, &with_receive, want, None, wait);
            let received = tokio::select! {
                received = receive => match received {
                    Ok(received) => received,
                    Err(e) => {
                        self.delete(service, deleting).await;
                        return Err(e);
                    }
                },
                () = self.stop.notify.notified() => {
                    self.delete(service, deleting).await;
                    Vec::new()
                }
            };
            let mut overflow = Vec::new();
            for message in received {
                let size = record_size(&message);
                if !batch.is_empty() && bytes + size > BATCH_BYTES_MAX {
                    overflow.push(message);
                } else {
                    bytes += size;
                    batch.push(message);
                }
            }
            if !overflow.is_empty() {
                self.release(service, &overflow).await;
                return Ok(batch);
            }
            if self.stop.is_stopped() {
                return Ok(batch);
            }
            if batch.is_empty() {
                continue;
            }
            let at = *deadline.get_or_insert_with(|| Instant::now() + window);
            if batch.len() >= max || Instant::now() >= at {
                return Ok(batch);
            }
        }
    }

    fn function_exists(&self, service: &EventSources) -> bool {
        resolve_name(&self.scope, &self.mapping.function_arn)
            .map(|reference| {
                service
                    .invoker
                    .registry()
                    .get(&key_of(&self.scope, &reference.name))
                    .is_some()
            })
            .unwrap_or(false)
    }

    /// Makes received messages visible again at once.
    async fn release(&self, service: &EventSources, messages: &[ReceivedMessage]) {
        for message in messages {
            if let Err(e) = service
                .sqs
                .change_visibility_from_arn(&self.queue, &message.receipt_handle, Duration::ZERO)
                .await
            {
                tracing::debug!(queue = %self.queue, id = %message.message_id, error = %e, "a message could not be released");
            }
        }
    }

    /// Invokes the function with the batch: the receipt handles of the
    /// messages it processed (to delete), none if the invoke failed.
    async fn process(
        &self,
        service: &EventSources,
        kept: Vec<(ReceivedMessage, Value)>,
    ) -> Vec<String> {
        let (messages, records): (Vec<ReceivedMessage>, Vec<Value>) = kept.into_iter().unzip();
        let payload = json!({ "Records": records }).to_string();
        let input = InvokeInput {
            function_name: self.mapping.function_arn.clone(),
            payload: bytes::Bytes::from(payload),
            ..InvokeInput::default()
        };
        let outcome = match service.invoker.prepare(&self.scope, input) {
            Ok((_, prepared)) => service.invoker.run(&self.scope, &prepared, None).await,
            Err(e) => Err(e),
        };
        let results = &service.results;
        match outcome {
            Ok((InvokeResult::Response(body), _)) => {
                let failed = if self.mapping.reports_item_failures() {
                    failed_items(&body, &messages)
                } else {
                    Some(HashSet::new())
                };
                match failed {
                    Some(failed) => {
                        results.set(&self.mapping.uuid, "OK");
                        messages
                            .into_iter()
                            .filter(|m| !failed.contains(&m.message_id))
                            .map(|m| m.receipt_handle)
                            .collect()
                    }
                    None => {
                        results.set(&self.mapping.uuid, "PROBLEM: Function call failed");
                        Vec::new()
                    }
                }
            }
            Ok((InvokeResult::Error(_), _)) => {
                results.set(&self.mapping.uuid, "PROBLEM: Function call failed");
                Vec::new()
            }
            Err(e) => {
                tracing::debug!(uuid = %self.mapping.uuid, error = %e, "an event source batch could not be invoked");
                results.set(&self.mapping.uuid, "PROBLEM: Function call failed");
                tokio::time::sleep(BACKOFF).await;
                Vec::new()
            }
        }
    }

    /// Deletes messages (processed, or rejected by the filters) by their
    /// receipt handles, in one commit.
    async fn delete(&self, service: &EventSources, handles: Vec<String>) {
        if handles.is_empty() {
            return;
        }
        let count = handles.len();
        match service
            .sqs
            .delete_batch_from_arn(&self.queue, handles)
            .await
        {
            Ok(outcomes) => {
                for outcome in outcomes {
                    if let Err(e) = outcome {
                        tracing::warn!(queue = %self.queue, error = %e, "a processed message could not be deleted");
                    }
                }
            }
            Err(e) => {
                tracing::warn!(queue = %self.queue, count, error = %e, "processed messages could not be deleted");
            }
        }
    }
}

/// The message ids a `ReportBatchItemFailures` answer names as failed;
/// `None` when the answer is malformed, which fails the whole batch.
fn failed_items(body: &[u8], batch: &[ReceivedMessage]) -> Option<HashSet<String>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Some(HashSet::new());
    }
    // An answer that is not JSON fails the whole batch.
    let answer: Value = serde_json::from_slice(body).ok()?;
    let Some(failures) = answer.get("batchItemFailures") else {
        return Some(HashSet::new());
    };
    let failures = match failures {
        Value::Null => return Some(HashSet::new()),
        Value::Array(items) => items,
        _ => return None,
    };
    let ids: HashSet<&str> = batch.iter().map(|m| m.message_id.as_str()).collect();
    failures
        .iter()
        .map(|f| {
            f.get("itemIdentifier")
                .and_then(Value::as_str)
                .filter(|id| ids.contains(id))
                .map(str::to_string)
        })
        .collect()
}

/// The SQS record as Lambda delivers it.
fn record_of(message: &ReceivedMessage, queue_arn: &str, region: &str) -> Value {
    let attributes: Map<String, Value> = message
        .attributes
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let message_attributes: Map<String, Value> = message
        .message_attributes
        .iter()
        .map(|(name, value)| {
            let mut entry = Map::new();
            if let Some(s) = &value.string_value {
                entry.insert("stringValue".into(), json!(s));
            }
            if let Some(b) = &value.binary_value {
                entry.insert(
                    "binaryValue".into(),
                    json!(base64::engine::general_purpose::STANDARD.encode(b)),
                );
            }
            entry.insert("stringListValues".into(), json!([]));
            entry.insert("binaryListValues".into(), json!([]));
            entry.insert("dataType".into(), json!(value.data_type));
            (name.clone(), Value::Object(entry))
        })
        .collect();
    let mut record = json!({
        "messageId": message.message_id,
        "receiptHandle": message.receipt_handle,
        "body": message.body,
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": message.md5_of_body,
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    });
    if let Some(md5) = &message.md5_of_message_attributes {
        record["md5OfMessageAttributes"] = json!(md5);
    }
    record
}

/// About how many bytes a message adds to the invocation's payload.
fn record_size(message: &ReceivedMessage) -> usize {
    let attributes: usize = message
        .message_attributes
        .iter()
        .map(|(name, value)| {
            name.len()
                + value.string_value.as_ref().map_or(0, String::len)
                + value
                    .binary_value
                    .as_ref()
                    .map_or(0, |b| b.len() * 4 / 3 + 4)
                + 96
        })
        .sum();
    // The body as JSON escapes it (quotes, control characters).
    let body = serde_json::to_string(&message.body).map_or(message.body.len() * 6, |s| s.len());
    body + attributes + RECORD_OVERHEAD
}

/// What filters see: the record, with a JSON body as JSON.
fn filter_view(record: &Value) -> Value {
    let mut view = record.clone();
    if let Some(body) = record["body"].as_str() {
        if let Ok(parsed @ (Value::Object(_) | Value::Array(_))) =
            serde_json::from_str::<Value>(body)
        {
            view["body"] = parsed;
        }
    }
    view
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: &str) -> ReceivedMessage {
        ReceivedMessage {
            message_id: id.into(),
            receipt_handle: format!("rh-{id}"),
            body: "{\"kind\":\"order\"}".into(),
            md5_of_body: "x".into(),
            md5_of_message_attributes: None,
            attributes: Default::default(),
            message_attributes: Default::default(),
        }
    }

    #[test]
    fn batch_item_failures_follow_the_documented_rules() {
        let batch = [message("a"), message("b")];
        assert_eq!(failed_items(b"null", &batch), Some(HashSet::new()));
        assert_eq!(failed_items(b"", &batch), Some(HashSet::new()));
        assert_eq!(failed_items(b"ok", &batch), None);
        assert_eq!(failed_items(b"{}", &batch), Some(HashSet::new()));
        assert_eq!(
            failed_items(b"{\"batchItemFailures\": []}", &batch),
            Some(HashSet::new())
        );
        assert_eq!(
            failed_items(
                b"{\"batchItemFailures\": [{\"itemIdentifier\": \"b\"}]}",
                &batch
            ),
            Some(HashSet::from(["b".to_string()]))
        );
        // An id not in the batch, or an empty one, fails the whole batch.
        assert_eq!(
            failed_items(
                b"{\"batchItemFailures\": [{\"itemIdentifier\": \"zz\"}]}",
                &batch
            ),
            None
        );
        assert_eq!(
            failed_items(
                b"{\"batchItemFailures\": [{\"itemIdentifier\": \"\"}]}",
                &batch
            ),
            None
        );
    }

    #[test]
    fn a_record_counts_its_body_as_json_escapes_it() {
        let mut plain = message("a");
        plain.body = "x".repeat(1000);
        let mut quoted = message("b");
        quoted.body = "\"".repeat(1000);
        assert!(record_size(&plain) >= 1000 + RECORD_OVERHEAD);
        // Every quote becomes two characters in the invocation's JSON.
        assert!(record_size(&quoted) >= 2000 + RECORD_OVERHEAD);
        let actual = serde_json::to_string(&record_of(
            &quoted,
            "arn:aws:sqs:us-east-1:000000000000:q",
            "us-east-1",
        ))
        .unwrap()
        .len();
        assert!(record_size(&quoted) >= actual);
    }

    #[test]
    fn filters_see_json_bodies_as_json() {
        let record = record_of(
            &message("a"),
            "arn:aws:sqs:us-east-1:000000000000:q",
            "us-east-1",
        );
        assert_eq!(record["eventSource"], "aws:sqs");
        assert_eq!(record["body"], "{\"kind\":\"order\"}");
        assert_eq!(filter_view(&record)["body"]["kind"], "order");
    }
}
