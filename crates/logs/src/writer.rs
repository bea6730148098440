//! The background writer: appends that must not wait for SQLite (function
//! logs on the invoke path) are queued, then committed in batches, one
//! transaction (one fsync) per batch. The same thread sweeps events past
//! their retention period.
//!
//! Memory is bounded by the queue's length and by the bytes it holds; when
//! either is full, appends are dropped and counted rather than blocking.

use crate::{db, now_ms, LogEvent};
use laminar_store::Store;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How much may wait for the writer: appends, and their message bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub items: usize,
    pub bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            items: 4_096,
            bytes: 64 * 1024 * 1024,
        }
    }
}
/// A batch is committed this long after its first append…
const FLUSH_AFTER: Duration = Duration::from_millis(50);
/// …or when it holds this many appends.
const BATCH_ITEMS: usize = 512;
const SWEEP_EVERY: Duration = Duration::from_secs(60);
/// Without a data directory the database lives in memory: keep at most this
/// many function log events there, the oldest go first. (On disk,
/// retention policies decide, as in AWS.)
const EVENTS_IN_MEMORY_MAX: i64 = 100_000;

pub(crate) struct Append {
    pub account: String,
    pub region: String,
    pub group: String,
    pub stream: String,
    pub events: Vec<LogEvent>,
}

impl Append {
    fn bytes(&self) -> usize {
        self.events.iter().map(|e| e.message.len() + 32).sum()
    }
}

/// What the writer did so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterStats {
    pub committed_events: u64,
    pub dropped_events: u64,
}

#[derive(Default)]
struct Counters {
    queued_bytes: AtomicUsize,
    committed_events: AtomicU64,
    dropped_events: AtomicU64,
}

enum Message {
    Append(Append),
    /// Answered once everything queued before it is committed.
    Flush(SyncSender<()>),
}

pub(crate) struct Writer {
    queue: SyncSender<Message>,
    counters: Arc<Counters>,
    limits: Limits,
}

impl Writer {
    pub(crate) fn start(store: Arc<Store>, limits: Limits) -> Self {
        let (queue, receiver) = sync_channel(limits.items);
        let counters = Arc::new(Counters::default());
        let worker_counters = counters.clone();
        let spawned = std::thread::Builder::new()
            .name("logs-writer".into())
            .spawn(move || run(&store, &receiver, &worker_counters));
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "the CloudWatch Logs writer could not start; function logs will be dropped");
        }
        Self {
            queue,
            counters,
            limits,
        }
    }

    /// Queues an append; false (and counted) when the queue is full.
    pub(crate) fn submit(&self, append: Append) -> bool {
        let bytes = append.bytes();
        let events = append.events.len() as u64;
        let queued = self
            .counters
            .queued_bytes
            .fetch_add(bytes, Ordering::AcqRel);
        let outcome = if queued + bytes > self.limits.bytes {
            Err(())
        } else {
            match self.queue.try_send(Message::Append(append)) {
                Ok(()) => Ok(()),
                Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => Err(()),
            }
        };
        if outcome.is_err() {
            self.counters
                .queued_bytes
                .fetch_sub(bytes, Ordering::AcqRel);
            let before = self
                .counters
                .dropped_events
                .fetch_add(events, Ordering::Relaxed);
            // One warning per thousand drops: a flood must not flood the log too.
            if before / 1000 != (before + events) / 1000 || before == 0 {
                tracing::warn!(
                    dropped = before + events,
                    "the CloudWatch Logs writer is behind; function log lines were dropped"
                );
            }
        }
        outcome.is_ok()
    }

    /// Waits (at most `timeout`) until everything queued so far is committed.
    pub(crate) fn flush(&self, timeout: Duration) -> bool {
        let (done, wait) = sync_channel(1);
        let deadline = Instant::now() + timeout;
        let mut message = Message::Flush(done);
        loop {
            match self.queue.try_send(message) {
                Ok(()) => break,
                Err(TrySendError::Full(back)) if Instant::now() < deadline => {
                    message = back;
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(_) => return false,
            }
        }
        wait.recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .is_ok()
    }

    pub(crate) fn stats(&self) -> WriterStats {
        WriterStats {
            committed_events: self.counters.committed_events.load(Ordering::Relaxed),
            dropped_events: self.counters.dropped_events.load(Ordering::Relaxed),
        }
    }
}

fn run(store: &Store, receiver: &Receiver<Message>, counters: &Counters) {
    let mut last_sweep = Instant::now();
    loop {
        let first = match receiver.recv_timeout(SWEEP_EVERY) {
            Ok(Message::Append(append)) => append,
            Ok(Message::Flush(done)) => {
                let _ = done.try_send(());
                continue;
            }
            Err(RecvTimeoutError::Timeout) => {
                sweep(store);
                last_sweep = Instant::now();
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let deadline = Instant::now() + FLUSH_AFTER;
        let mut batch = vec![first];
        let mut flushes = Vec::new();
        while batch.len() < BATCH_ITEMS && flushes.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            match receiver.recv_timeout(left) {
                Ok(Message::Append(append)) => batch.push(append),
                Ok(Message::Flush(done)) => flushes.push(done),
                Err(_) => break,
            }
        }
        let bytes: usize = batch.iter().map(Append::bytes).sum();
        let events: u64 = batch.iter().map(|a| a.events.len() as u64).sum();
        match commit(store, &batch) {
            Ok(()) => {
                counters
                    .committed_events
                    .fetch_add(events, Ordering::Relaxed);
                if !store.blobs.durable() {
                    trim(store, EVENTS_IN_MEMORY_MAX);
                }
            }
            Err(e) => {
                counters.dropped_events.fetch_add(events, Ordering::Relaxed);
                tracing::warn!(error = %e, events, "function log lines could not be written");
            }
        }
        counters.queued_bytes.fetch_sub(bytes, Ordering::AcqRel);
        for done in flushes {
            let _ = done.try_send(());
        }
        if last_sweep.elapsed() >= SWEEP_EVERY {
            sweep(store);
            last_sweep = Instant::now();
        }
    }
}

fn commit(store: &Store, batch: &[Append]) -> crate::LogsResult<()> {
    let now = now_ms();
    let mut conn = store.db.lock();
    let tx = conn.transaction()?;
    for append in batch {
        let (group_id, stream_id) = db::ensure_stream(
            &tx,
            &append.account,
            &append.region,
            &append.group,
            &append.stream,
            now,
        )?;
        db::insert_events(&tx, group_id, stream_id, &append.events, now)?;
    }
    tx.commit()?;
    Ok(())
}

/// Deletes the oldest events beyond `keep` (ids only grow, so the newest
/// `keep` ids are the ones kept).
fn trim(store: &Store, keep: i64) {
    match db::trim_oldest(&store.db.lock(), keep) {
        Ok(0) => {}
        Ok(n) => tracing::debug!(deleted = n, "oldest log events dropped to bound memory"),
        Err(e) => tracing::warn!(error = %e, "trimming log events failed"),
    }
}

fn sweep(store: &Store) {
    match db::sweep_expired(&mut store.db.lock(), now_ms()) {
        Ok(0) => {}
        Ok(n) => tracing::debug!(deleted = n, "log events past retention deleted"),
        Err(e) => tracing::warn!(error = %e, "the log retention sweep failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{test_service, FilterLogEventsRequest};

    #[test]
    fn in_memory_logs_keep_only_the_newest_events() {
        let store = Arc::new(Store::open(None).expect("in-memory store"));
        let logs = crate::LogsService::new(store.clone()).expect("logs service");
        let events = (0..30)
            .map(|n| LogEvent {
                timestamp_ms: now_ms(),
                message: format!("line {n}"),
            })
            .collect();
        assert!(logs.append_later("1", "r", "/aws/lambda/f", "s", events));
        assert!(logs.flush(Duration::from_secs(5)));
        trim(&store, 10);
        let count: i64 = store
            .db
            .lock()
            .query_row("SELECT count(*) FROM logs_events", [], |row| row.get(0))
            .unwrap();
        assert_eq!(count, 10);
        let oldest: String = store
            .db
            .lock()
            .query_row(
                "SELECT message FROM logs_events ORDER BY id LIMIT 1",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(oldest, "line 20");
    }

    #[test]
    fn queued_appends_become_readable() {
        let logs = test_service();
        let event = |m: &str| LogEvent {
            timestamp_ms: now_ms(),
            message: m.into(),
        };
        assert!(logs.append_later(
            "1",
            "r",
            "/aws/lambda/f",
            "s1",
            vec![event("a"), event("b")]
        ));
        assert!(logs.append_later("1", "r", "/aws/lambda/f", "s2", vec![event("c")]));
        let deadline = Instant::now() + Duration::from_secs(2);
        while logs.writer_stats().committed_events < 3 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        let found = logs
            .filter_log_events(
                "1",
                "r",
                FilterLogEventsRequest {
                    log_group_name: Some("/aws/lambda/f".into()),
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(found.events.len(), 3);
        assert_eq!(found.searched_log_streams.len(), 2);
    }

    #[test]
    fn flush_waits_for_the_commit() {
        let logs = test_service();
        let event = LogEvent {
            timestamp_ms: now_ms(),
            message: "m".into(),
        };
        assert!(logs.append_later("1", "r", "/g", "s", vec![event]));
        assert!(logs.flush(Duration::from_secs(5)));
        assert_eq!(logs.writer_stats().committed_events, 1);
    }

    #[test]
    fn a_full_queue_drops_and_counts_instead_of_blocking() {
        let store = Arc::new(Store::open(None).unwrap());
        let writer = Writer::start(
            store,
            Limits {
                items: 8,
                bytes: 100,
            },
        );
        let append = |message: &str| Append {
            account: "1".into(),
            region: "r".into(),
            group: "/g".into(),
            stream: "s".into(),
            events: vec![LogEvent {
                timestamp_ms: 0,
                message: message.into(),
            }],
        };
        assert!(!writer.submit(append(&"x".repeat(200))));
        assert_eq!(writer.stats().dropped_events, 1);
        assert!(writer.submit(append("small")));
    }
}
