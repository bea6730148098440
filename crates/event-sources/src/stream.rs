//! The stream engine of Kinesis and DynamoDB Streams mappings, over a
//! [`ShardSource`]: one task per mapping follows the
//! stream's shards (a child starts once its parents are finished), one task
//! per shard reads it in order. A batch that fails blocks its shard and is
//! retried (split in two first with `BisectBatchOnFunctionError`) until it
//! succeeds or `MaximumRetryAttempts` / `MaximumRecordAgeInSeconds` run
//! out; then `DestinationConfig.OnFailure` (SQS, SNS or S3, `on_failure`) gets AWS's failure record
//! and the shard moves on. Checkpoints are kept durably by the source (in
//! its companion's store), so a restarted laminar resumes after the last
//! processed record.

use crate::on_failure;
use crate::source::{
    Checkpoint, EventContext, Position as ShardPosition, ShardSource, SourceRecord as Record,
};
use crate::sqs::Stop;
use crate::window::{returned_state, Tumbling};
use crate::{EventSources, Mapping};
use laminar_executor::InvokeResult;
use laminar_invoke::InvokeInput;
use laminar_lambda_core::clock;
use laminar_model::arn::Scope;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// How often an idle shard is read again (AWS reads each shard about once a second).
const IDLE_POLL: Duration = Duration::from_millis(250);
/// How often the mapping looks for new shards.
const SHARD_SCAN: Duration = Duration::from_secs(1);
const RETRY_BACKOFF_MAX: Duration = Duration::from_secs(2);
/// A batch stays under the 6 MB invoke payload limit.
const BATCH_BYTES_MAX: usize = 6 * 1000 * 1000 - 64 * 1024;

/// The running stream mappings, by UUID.
#[derive(Default)]
pub(crate) struct StreamPollers(Mutex<HashMap<String, Arc<Stop>>>);

impl StreamPollers {
    pub(crate) fn start(
        &self,
        service: &Arc<EventSources>,
        scope: Scope,
        mapping: Mapping,
        shards: Arc<dyn ShardSource>,
    ) {
        let Some(source) = mapping.event_source_arn.as_deref() else {
            return;
        };
        // A mapping on an enhanced fan-out consumer reads the consumer's stream.
        let stream_arn = match source.split_once("/consumer/") {
            Some((stream, _)) => stream.to_string(),
            None => source.to_string(),
        };
        let stop = Arc::new(Stop::default());
        let follower = Follower {
            engine: Arc::downgrade(service),
            source: shards,
            scope,
            mapping: Arc::new(mapping.clone()),
            stream_arn,
            stop: stop.clone(),
        };
        tokio::spawn(follower.run());
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

/// Runs `work` with the source on a blocking thread.
async fn blocking<T: Send + 'static>(
    source: &Arc<dyn ShardSource>,
    work: impl FnOnce(&dyn ShardSource) -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    let source = source.clone();
    tokio::task::spawn_blocking(move || work(source.as_ref()))
        .await
        .map_err(|e| format!("task failed: {e}"))?
}

async fn pause(stop: &Stop, wait: Duration) {
    tokio::select! {
        () = tokio::time::sleep(wait) => {}
        () = stop.notify.notified() => {}
    }
}

/// Follows a stream's shards and starts a reader for each one that may run.
struct Follower {
    engine: Weak<EventSources>,
    source: Arc<dyn ShardSource>,
    scope: Scope,
    mapping: Arc<Mapping>,
    stream_arn: String,
    stop: Arc<Stop>,
}

impl Follower {
    async fn run(self) {
        let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        let mut running: HashSet<String> = HashSet::new();
        loop {
            if self.stop.is_stopped() {
                return;
            }
            let Some(service) = self.engine.upgrade() else {
                return;
            };
            while let Ok(shard) = done_rx.try_recv() {
                running.remove(&shard);
            }
            let arn = self.stream_arn.clone();
            let uuid = self.mapping.uuid.clone();
            let found = blocking(&self.source, move |k| {
                Ok((k.shards(&arn)?, k.checkpoints(&uuid, &arn)?))
            })
            .await;
            let (shards, checkpoints) = match found {
                Ok(found) => found,
                Err(e) => {
                    tracing::debug!(uuid = %self.mapping.uuid, error = %e, "the stream cannot be read");
                    service.results.set(
                        &self.mapping.uuid,
                        "PROBLEM: Unable to read the event source.",
                    );
                    drop(service);
                    pause(&self.stop, SHARD_SCAN).await;
                    continue;
                }
            };
            let known: HashSet<&str> = shards.iter().map(|s| s.shard_id.as_str()).collect();
            let finished = |id: &str| checkpoints.get(id).is_some_and(|c| c.finished);
            for shard in &shards {
                if running.contains(&shard.shard_id) || finished(&shard.shard_id) {
                    continue;
                }
                // Children wait for their parents (those still in the stream).
                let waiting = shard
                    .parents
                    .iter()
                    .any(|p| known.contains(p.as_str()) && !finished(p));
                if waiting {
                    continue;
                }
                let has_parents = shard.parents.iter().any(|p| known.contains(p.as_str()));
                let reader = ShardReader {
                    engine: self.engine.clone(),
                    source: self.source.clone(),
                    scope: self.scope.clone(),
                    mapping: self.mapping.clone(),
                    stream_arn: self.stream_arn.clone(),
                    shard_id: shard.shard_id.clone(),
                    checkpoint: checkpoints.get(&shard.shard_id).cloned(),
                    from_start: has_parents,
                    stop: self.stop.clone(),
                    done: done_tx.clone(),
                    window: Mutex::new(None),
                };
                running.insert(shard.shard_id.clone());
                tokio::spawn(reader.run());
            }
            drop(service);
            pause(&self.stop, SHARD_SCAN).await;
        }
    }
}

/// How a batch ended.
enum Outcome {
    /// Processed (or given up and sent to OnFailure): move past it.
    Done,
    /// Stopped before it was done: leave the checkpoint where it is.
    Stopped,
}

struct ShardReader {
    engine: Weak<EventSources>,
    source: Arc<dyn ShardSource>,
    scope: Scope,
    mapping: Arc<Mapping>,
    stream_arn: String,
    shard_id: String,
    checkpoint: Option<Checkpoint>,
    /// A child shard is read from its start, whatever StartingPosition says.
    from_start: bool,
    stop: Arc<Stop>,
    done: tokio::sync::mpsc::UnboundedSender<String>,
    /// The open tumbling window and its state (`TumblingWindowInSeconds`).
    window: Mutex<Option<Tumbling>>,
}

impl ShardReader {
    async fn run(self) {
        let Some(mut position) = self.start_position().await else {
            let _ = self.done.send(self.shard_id.clone());
            return;
        };
        let patterns = self.mapping.patterns();
        let mut window_started: Option<Instant> = None;
        loop {
            if self.stop.is_stopped() {
                return;
            }
            let Some(service) = self.engine.upgrade() else {
                return;
            };
            let (arn, shard, from) = (
                self.stream_arn.clone(),
                self.shard_id.clone(),
                position.clone(),
            );
            let limit = self.mapping.batch_size() as i64 * self.parallelization() as i64;
            let read = blocking(&self.source, move |k| k.read(&arn, &shard, &from, limit)).await;
            let (records, ended) = match read {
                Ok(read) => read,
                Err(e) => {
                    tracing::debug!(shard = %self.shard_id, error = %e, "a shard cannot be read");
                    drop(service);
                    pause(&self.stop, SHARD_SCAN).await;
                    // A deleted stream ends the mapping's readers; the follower retries.
                    let _ = self.done.send(self.shard_id.clone());
                    return;
                }
            };
            if records.is_empty() {
                if ended {
                    self.save(&position, true).await;
                    let _ = self.done.send(self.shard_id.clone());
                    return;
                }
                self.close_window(&service, clock::now_ms()).await;
                drop(service);
                pause(&self.stop, IDLE_POLL).await;
                continue;
            }
            // MaximumBatchingWindowInSeconds: a short batch waits for more.
            let window = Duration::from_secs(self.mapping.batching_window_secs());
            if (records.len() as i64) < self.mapping.batch_size() as i64
                && !window.is_zero()
                && !ended
            {
                let started = *window_started.get_or_insert_with(Instant::now);
                if started.elapsed() < window {
                    drop(service);
                    pause(&self.stop, IDLE_POLL.min(window)).await;
                    continue;
                }
            }
            window_started = None;
            let records = fit_payload(records);
            let Some(last) = records.last().map(|r| r.sequence_number.clone()) else {
                continue;
            };
            let kept: Vec<Record> = records
                .into_iter()
                .filter(|r| {
                    patterns.is_empty()
                        || patterns
                            .iter()
                            .any(|p| p.matches(&self.source.filter_view(r)))
                })
                .collect();
            if !kept.is_empty() {
                match self.deliver_in_lanes(&service, kept).await {
                    Outcome::Done => {}
                    Outcome::Stopped => return,
                }
            }
            // Records the filters dropped are passed over too.
            position = ShardPosition::AfterSequenceNumber(last);
            self.save(&position, false).await;
        }
    }

    /// Where reading starts: after the checkpoint, or as the mapping says.
    async fn start_position(&self) -> Option<ShardPosition> {
        if let Some(seq) = self
            .checkpoint
            .as_ref()
            .and_then(|c| c.sequence_number.clone())
        {
            return Some(ShardPosition::AfterSequenceNumber(seq));
        }
        if self.from_start {
            return Some(ShardPosition::TrimHorizon);
        }
        let settings = &self.mapping.settings;
        match settings.get("StartingPosition").and_then(Value::as_str) {
            Some("LATEST") => {
                // Pinned now, so a restart does not skip what came in between.
                let (arn, shard) = (self.stream_arn.clone(), self.shard_id.clone());
                let seq = blocking(&self.source, move |k| k.latest(&arn, &shard))
                    .await
                    .ok()?;
                let position = ShardPosition::AfterSequenceNumber(seq);
                self.save(&position, false).await;
                Some(position)
            }
            Some("AT_TIMESTAMP") => {
                let seconds = settings
                    .get("StartingPositionTimestamp")
                    .and_then(Value::as_f64)
                    .unwrap_or(0.0);
                Some(ShardPosition::AtTimestamp((seconds * 1000.0) as i64))
            }
            _ => Some(ShardPosition::TrimHorizon),
        }
    }

    async fn save(&self, position: &ShardPosition, finished: bool) {
        let sequence_number = match position {
            ShardPosition::AfterSequenceNumber(seq) => Some(seq.clone()),
            _ => None,
        };
        let checkpoint = Checkpoint {
            sequence_number,
            finished,
        };
        let (uuid, arn, shard) = (
            self.mapping.uuid.clone(),
            self.stream_arn.clone(),
            self.shard_id.clone(),
        );
        let saved = blocking(&self.source, move |k| {
            k.save_checkpoint(&uuid, &arn, &shard, &checkpoint)
        })
        .await;
        if let Err(e) = saved {
            tracing::warn!(shard = %self.shard_id, error = %e, "a checkpoint could not be saved");
        }
    }

    /// Invokes until the batch is processed or given up. Each part that
    /// succeeds is checkpointed at once.
    async fn deliver(
        &self,
        service: &EventSources,
        batch: Vec<Record>,
        checkpoint: bool,
    ) -> Outcome {
        let max_retries = setting_i64(&self.mapping, "MaximumRetryAttempts", -1);
        let max_age = setting_i64(&self.mapping, "MaximumRecordAgeInSeconds", -1);
        let bisect = self
            .mapping
            .settings
            .get("BisectBatchOnFunctionError")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let mut pending: VecDeque<Vec<Record>> = VecDeque::from([batch]);
        'parts: while let Some(mut part) = pending.pop_front() {
            let mut attempts: i64 = 0;
            loop {
                if self.stop.is_stopped() {
                    return Outcome::Stopped;
                }
                let oldest_ms = part.first().map_or(0, |r| r.arrival_ms);
                if max_age >= 0 && clock::now_ms() - oldest_ms > max_age * 1000 {
                    self.give_up(service, &part, "RecordAgeExceeded", attempts)
                        .await;
                    break;
                }
                match self.invoke(service, &part).await {
                    Invoked::Ok => {
                        service.results.set(&self.mapping.uuid, "OK");
                        break;
                    }
                    Invoked::Partial(index) => {
                        // Checkpoint before the lowest failed record; retry from it.
                        if index > 0 && checkpoint {
                            let done = part[index - 1].sequence_number.clone();
                            self.save(&ShardPosition::AfterSequenceNumber(done), false)
                                .await;
                        }
                        part.drain(..index);
                    }
                    Invoked::Failed => {
                        if bisect && part.len() > 1 {
                            let second = part.split_off(part.len() / 2);
                            pending.push_front(second);
                            pending.push_front(part);
                            continue 'parts;
                        }
                    }
                    Invoked::NoFunction => {
                        pause(&self.stop, SHARD_SCAN).await;
                        continue;
                    }
                }
                service
                    .results
                    .set(&self.mapping.uuid, "PROBLEM: Function call failed");
                attempts += 1;
                if max_retries >= 0 && attempts > max_retries {
                    self.give_up(service, &part, "RetryAttemptsExhausted", attempts)
                        .await;
                    break;
                }
                let backoff = Duration::from_millis(100 * attempts.min(20) as u64);
                pause(&self.stop, backoff.min(RETRY_BACKOFF_MAX)).await;
            }
            if let (true, Some(last)) = (checkpoint, part.last()) {
                let position = ShardPosition::AfterSequenceNumber(last.sequence_number.clone());
                self.save(&position, false).await;
            }
        }
        Outcome::Done
    }

    fn context<'a>(&'a self, role: &'a str) -> EventContext<'a> {
        EventContext {
            shard_id: &self.shard_id,
            stream_arn: &self.stream_arn,
            region: &self.scope.region,
            role,
        }
    }

    fn parallelization(&self) -> usize {
        setting_i64(&self.mapping, "ParallelizationFactor", 1).clamp(1, 10) as usize
    }

    /// `ParallelizationFactor`: the records are dealt to lanes by partition
    /// key (so one key's records stay in order in one lane), the lanes run
    /// their batches at the same time, and the shard is checkpointed once
    /// all of them are done. With one lane each batch is checkpointed as it
    /// completes.
    async fn deliver_in_lanes(&self, service: &EventSources, records: Vec<Record>) -> Outcome {
        let lanes = self.parallelization();
        let batch = self.mapping.batch_size();
        if lanes == 1 {
            let seconds = self.window_seconds();
            for chunk in chunks_by_window(records, batch, seconds) {
                if seconds > 0 {
                    self.open_window(service, chunk[0].arrival_ms, seconds)
                        .await;
                }
                if let Outcome::Stopped = self.deliver(service, chunk, true).await {
                    return Outcome::Stopped;
                }
            }
            return Outcome::Done;
        }
        let last = records.last().map(|r| r.sequence_number.clone());
        let mut dealt: Vec<Vec<Record>> = vec![Vec::new(); lanes];
        for record in records {
            let lane = (record.lane % lanes as u128) as usize;
            dealt[lane].push(record);
        }
        let runs = dealt
            .into_iter()
            .filter(|l| !l.is_empty())
            .map(|lane| async move {
                for chunk in chunks(lane, batch) {
                    if let Outcome::Stopped = self.deliver(service, chunk, false).await {
                        return Outcome::Stopped;
                    }
                }
                Outcome::Done
            });
        let outcomes = futures_util::future::join_all(runs).await;
        if outcomes.iter().any(|o| matches!(o, Outcome::Stopped)) {
            return Outcome::Stopped;
        }
        if let Some(last) = last {
            self.save(&ShardPosition::AfterSequenceNumber(last), false)
                .await;
        }
        Outcome::Done
    }

    fn window_seconds(&self) -> i64 {
        setting_i64(&self.mapping, "TumblingWindowInSeconds", 0).clamp(0, 900)
    }

    /// Makes the window of a record arriving at `arrival_ms` the open one,
    /// closing the one before it.
    async fn open_window(&self, service: &EventSources, arrival_ms: i64, seconds: i64) {
        let next = Tumbling::of(arrival_ms, seconds);
        let current = self.current_window();
        if current
            .as_ref()
            .is_some_and(|w| w.start_ms == next.start_ms)
        {
            return;
        }
        if current.is_some() {
            self.close_window(service, i64::MAX).await;
        }
        *self.window.lock().unwrap_or_else(|e| e.into_inner()) = Some(next);
    }

    /// The final invocation of the open window once `now` is past its end.
    async fn close_window(&self, service: &EventSources, now: i64) {
        match self.current_window() {
            Some(w) if now >= w.end_ms => {}
            _ => return,
        }
        if let Invoked::NoFunction = self.invoke_with(service, &[], true).await {
            return;
        }
        *self.window.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    fn current_window(&self) -> Option<Tumbling> {
        self.window
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    async fn invoke(&self, service: &EventSources, part: &[Record]) -> Invoked {
        self.invoke_with(service, part, false).await
    }

    async fn invoke_with(&self, service: &EventSources, part: &[Record], last: bool) -> Invoked {
        let input = InvokeInput {
            function_name: self.mapping.function_arn.clone(),
            payload: bytes::Bytes::new(),
            ..InvokeInput::default()
        };
        let mut prepared = match service.invoker.prepare(&self.scope, input) {
            Ok((_, prepared)) => prepared,
            Err(e) => {
                tracing::debug!(uuid = %self.mapping.uuid, error = %e, "the function cannot be invoked");
                service
                    .results
                    .set(&self.mapping.uuid, "PROBLEM: Function not found.");
                return Invoked::NoFunction;
            }
        };
        let role = prepared.resolved.config().role.clone();
        let records: Vec<Value> = part
            .iter()
            .map(|r| self.source.event(r, &self.context(&role)))
            .collect();
        let window = self.current_window();
        let event = match &window {
            Some(w) => w.event(records, &self.shard_id, &self.stream_arn, last),
            None => json!({ "Records": records }),
        };
        prepared.payload = bytes::Bytes::from(event.to_string());
        if let Some(newest) = part.last() {
            // IteratorAge: how old the batch's last record is when it is handed over.
            let config = prepared.resolved.config();
            let function = laminar_lambda_core::naming::key_of(&self.scope, &config.function_name);
            let subject = laminar_invoke::metrics::Subject {
                function: &function,
                qualifier: prepared.qualifier.as_deref(),
                executed_version: Some(&config.version),
            };
            let age_ms = (laminar_lambda_core::clock::now_ms() - newest.arrival_ms).max(0);
            service
                .invoker
                .metrics()
                .put(subject, "IteratorAge", "Milliseconds", age_ms as f64);
        }
        match service.invoker.run(&self.scope, &prepared, None).await {
            Ok((InvokeResult::Response(body), _)) => {
                if let (Some(state), Some(w)) = (returned_state(&body), window) {
                    *self.window.lock().unwrap_or_else(|e| e.into_inner()) =
                        Some(Tumbling { state, ..w });
                }
                if !self.mapping.reports_item_failures() {
                    return Invoked::Ok;
                }
                match first_failed(&body, part) {
                    Some(None) => Invoked::Ok,
                    Some(Some(index)) => Invoked::Partial(index),
                    None => Invoked::Failed,
                }
            }
            Ok((InvokeResult::Error(_), _)) => Invoked::Failed,
            Err(e) => {
                tracing::debug!(uuid = %self.mapping.uuid, error = %e, "a stream batch could not be invoked");
                Invoked::Failed
            }
        }
    }

    /// The batch is given up: its record goes to the OnFailure destination.
    async fn give_up(
        &self,
        service: &EventSources,
        part: &[Record],
        condition: &str,
        attempts: i64,
    ) {
        let destination = self
            .mapping
            .settings
            .get("DestinationConfig")
            .and_then(|d| d.get("OnFailure"))
            .and_then(|d| d.get("Destination"))
            .and_then(Value::as_str);
        let Some(destination) = destination else {
            return;
        };
        let input = InvokeInput {
            function_name: self.mapping.function_arn.clone(),
            ..InvokeInput::default()
        };
        let role = match service.invoker.prepare(&self.scope, input) {
            Ok((_, prepared)) => prepared.resolved.config().role.clone(),
            Err(_) => String::new(),
        };
        let records: Vec<Value> = part
            .iter()
            .map(|r| self.source.event(r, &self.context(&role)))
            .collect();
        let failure = on_failure::Failure {
            uuid: &self.mapping.uuid,
            function_arn: &self.mapping.function_arn,
            shard_id: &self.shard_id,
            stream_arn: &self.stream_arn,
            condition,
            attempts,
            part,
            batch_info: self.source.batch_info_name(),
            payload: json!({ "Records": records }),
        };
        on_failure::send(service, destination, failure).await;
    }
}

enum Invoked {
    Ok,
    /// `ReportBatchItemFailures` named records; the lowest is at this index.
    Partial(usize),
    Failed,
    NoFunction,
}

fn setting_i64(mapping: &Mapping, name: &str, default: i64) -> i64 {
    mapping
        .settings
        .get(name)
        .and_then(Value::as_i64)
        .unwrap_or(default)
}

/// Batches that do not cross a tumbling window's edge (`seconds` > 0).
fn chunks_by_window(records: Vec<Record>, size: usize, seconds: i64) -> Vec<Vec<Record>> {
    if seconds <= 0 {
        return chunks(records, size);
    }
    let mut out: Vec<Vec<Record>> = Vec::new();
    for record in records {
        let start = Tumbling::of(record.arrival_ms, seconds).start_ms;
        match out.last_mut() {
            Some(last)
                if last.len() < size.max(1)
                    && Tumbling::of(last[0].arrival_ms, seconds).start_ms == start =>
            {
                last.push(record)
            }
            _ => out.push(vec![record]),
        }
    }
    out
}

fn chunks(records: Vec<Record>, size: usize) -> Vec<Vec<Record>> {
    let mut out: Vec<Vec<Record>> = Vec::new();
    for record in records {
        match out.last_mut() {
            Some(last) if last.len() < size.max(1) => last.push(record),
            _ => out.push(vec![record]),
        }
    }
    out
}

/// Keeps a batch under the invoke payload limit (the rest is read again).
fn fit_payload(records: Vec<Record>) -> Vec<Record> {
    let mut bytes = 0;
    let mut kept = Vec::with_capacity(records.len());
    for record in records {
        bytes += record.size;
        if bytes > BATCH_BYTES_MAX && !kept.is_empty() {
            break;
        }
        kept.push(record);
    }
    kept
}

/// `Some(None)`: all processed; `Some(Some(i))`: the lowest failed record is
/// `part[i]`; `None`: the answer fails the whole batch (malformed, or an
/// identifier not in the batch).
fn first_failed(body: &[u8], part: &[Record]) -> Option<Option<usize>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Some(None);
    }
    let answer: Value = serde_json::from_slice(body).ok()?;
    let failures = match answer.get("batchItemFailures") {
        None | Some(Value::Null) => return Some(None),
        Some(Value::Array(items)) => items,
        Some(_) => return None,
    };
    let mut lowest: Option<usize> = None;
    for failure in failures {
        let id = failure.get("itemIdentifier").and_then(Value::as_str)?;
        let index = part.iter().position(|r| r.sequence_number == id)?;
        lowest = Some(lowest.map_or(index, |l| l.min(index)));
    }
    Some(lowest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(seq: &str) -> Record {
        Record {
            sequence_number: seq.into(),
            arrival_ms: 1500,
            lane: 0,
            size: 10,
            body: json!({}),
        }
    }

    #[test]
    fn the_lowest_failed_item_is_where_the_retry_starts() {
        let part = [record("1"), record("2"), record("3")];
        assert_eq!(first_failed(b"", &part), Some(None));
        assert_eq!(
            first_failed(b"{\"batchItemFailures\": []}", &part),
            Some(None)
        );
        assert_eq!(
            first_failed(
                b"{\"batchItemFailures\": [{\"itemIdentifier\": \"3\"}, {\"itemIdentifier\": \"2\"}]}",
                &part
            ),
            Some(Some(1))
        );
        assert_eq!(
            first_failed(
                b"{\"batchItemFailures\": [{\"itemIdentifier\": \"9\"}]}",
                &part
            ),
            None
        );
        assert_eq!(first_failed(b"not json", &part), None);
    }
}
