//! The background writer: appends that must not wait for SQLite (function
//! logs on the invoke path) are queued, then committed in batches, one
//! transaction (one fsync) per batch. The same thread sweeps events past
//! their retention period.
//!
//! Memory is bounded by the queue's length and by the bytes it holds; when
//! either is full, appends are dropped and counted rather than blocking.

use crate::{now_ms, tables, LogEvent};
use laminar_db::Db;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::thread::Thread;
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
/// The writer commits what waits this often…
const FLUSH_AFTER: Duration = Duration::from_millis(50);
/// …or sooner, once this many appends wait.
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

/// What waits for the next commit.
#[derive(Default)]
struct Pending {
    appends: Vec<Append>,
    bytes: usize,
    /// Answered once everything queued before them is committed.
    flushes: Vec<SyncSender<()>>,
}

#[derive(Default)]
struct Shared {
    pending: Mutex<Pending>,
    committed_events: AtomicU64,
    dropped_events: AtomicU64,
}

impl Shared {
    fn pending(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Appends wait in a shared list that the writer thread takes on a timer:
/// an invoke never wakes another thread to log (that wake-up was a
/// measurable share of a warm invoke).
pub(crate) struct Writer {
    shared: Arc<Shared>,
    thread: Option<Thread>,
    limits: Limits,
}

impl Writer {
    /// `wake` is notified when a commit fills the subscription outbox.
    pub(crate) fn start(db: Db, limits: Limits, wake: Arc<tokio::sync::Notify>) -> Self {
        let shared = Arc::new(Shared::default());
        let weak = Arc::downgrade(&shared);
        let spawned = std::thread::Builder::new()
            .name("logs-writer".into())
            .spawn(move || run(&db, &weak, &wake));
        let thread = match spawned {
            Ok(handle) => Some(handle.thread().clone()),
            Err(e) => {
                tracing::warn!(error = %e, "the CloudWatch Logs writer could not start; function logs will be dropped");
                None
            }
        };
        Self {
            shared,
            thread,
            limits,
        }
    }

    fn wake(&self) {
        if let Some(thread) = &self.thread {
            thread.unpark();
        }
    }

    /// Queues an append; false (and counted) when the queue is full.
    pub(crate) fn submit(&self, append: Append) -> bool {
        let bytes = append.bytes();
        let events = append.events.len() as u64;
        let mut pending = self.shared.pending();
        let fits = self.thread.is_some()
            && pending.appends.len() < self.limits.items
            && pending.bytes + bytes <= self.limits.bytes;
        if fits {
            pending.appends.push(append);
            pending.bytes += bytes;
            let full_batch = pending.appends.len() >= BATCH_ITEMS;
            drop(pending);
            if full_batch {
                self.wake();
            }
            return true;
        }
        drop(pending);
        let before = self
            .shared
            .dropped_events
            .fetch_add(events, Ordering::Relaxed);
        // One warning per thousand drops: a flood must not flood the log too.
        if before / 1000 != (before + events) / 1000 || before == 0 {
            tracing::warn!(
                dropped = before + events,
                "the CloudWatch Logs writer is behind; function log lines were dropped"
            );
        }
        false
    }

    /// Waits (at most `timeout`) until everything queued so far is committed.
    pub(crate) fn flush(&self, timeout: Duration) -> bool {
        if self.thread.is_none() {
            return false;
        }
        let (done, wait) = sync_channel(1);
        self.shared.pending().flushes.push(done);
        self.wake();
        wait.recv_timeout(timeout).is_ok()
    }

    pub(crate) fn stats(&self) -> WriterStats {
        WriterStats {
            committed_events: self.shared.committed_events.load(Ordering::Relaxed),
            dropped_events: self.shared.dropped_events.load(Ordering::Relaxed),
        }
    }
}

fn run(db: &Db, shared: &Weak<Shared>, wake: &tokio::sync::Notify) {
    let mut last_sweep = Instant::now();
    loop {
        std::thread::park_timeout(FLUSH_AFTER);
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let Pending {
            appends, flushes, ..
        } = std::mem::take(&mut *shared.pending());
        if !appends.is_empty() {
            let events: u64 = appends.iter().map(|a| a.events.len() as u64).sum();
            match commit(db, &appends) {
                Ok(captured) => {
                    if captured {
                        wake.notify_one();
                    }
                    shared.committed_events.fetch_add(events, Ordering::Relaxed);
                    if !db.durable() {
                        trim(db, EVENTS_IN_MEMORY_MAX);
                    }
                }
                Err(e) => {
                    shared.dropped_events.fetch_add(events, Ordering::Relaxed);
                    tracing::warn!(error = %e, events, "function log lines could not be written");
                }
            }
        }
        for done in flushes {
            let _ = done.try_send(());
        }
        if last_sweep.elapsed() >= SWEEP_EVERY {
            sweep(db);
            last_sweep = Instant::now();
        }
    }
}

/// Commits a batch; true when a subscription filter took some events.
fn commit(db: &Db, batch: &[Append]) -> crate::LogsResult<bool> {
    let now = now_ms();
    db.call_blocking(|conn| {
        let mut captured = false;
        let tx = conn.transaction()?;
        for append in batch {
            let (group_id, stream_id) = tables::ensure_stream(
                &tx,
                &append.account,
                &append.region,
                &append.group,
                &append.stream,
                now,
            )?;
            captured |=
                tables::insert_events(&tx, group_id, stream_id, &append.events, now)?.captured;
        }
        tx.commit()?;
        Ok(captured)
    })
}

/// Deletes the oldest events beyond `keep` (ids only grow, so the newest
/// `keep` ids are the ones kept).
fn trim(db: &Db, keep: i64) {
    match db.call_blocking(|conn| tables::trim_oldest(conn, keep)) {
        Ok(0) => {}
        Ok(n) => tracing::debug!(deleted = n, "oldest log events dropped to bound memory"),
        Err(e) => tracing::warn!(error = %e, "trimming log events failed"),
    }
}

fn sweep(db: &Db) {
    match db.call_blocking(|conn| tables::sweep_expired(conn, now_ms())) {
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
        let db = Db::open(None).expect("in-memory database");
        let logs = crate::LogsService::new(db.clone()).expect("logs service");
        let events = (0..30)
            .map(|n| LogEvent {
                timestamp_ms: now_ms(),
                message: format!("line {n}"),
            })
            .collect();
        assert!(logs.append_later("1", "r", "/aws/lambda/f", "s", events));
        assert!(logs.flush(Duration::from_secs(5)));
        trim(&db, 10);
        let count: i64 = db
            .call_blocking(|conn| {
                conn.query_row("SELECT count(*) FROM logs_events", [], |row| row.get(0))
            })
            .unwrap();
        assert_eq!(count, 10);
        let oldest: String = db
            .call_blocking(|conn| {
                conn.query_row(
                    "SELECT message FROM logs_events ORDER BY id LIMIT 1",
                    [],
                    |row| row.get(0),
                )
            })
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
        let writer = Writer::start(
            Db::open(None).unwrap(),
            Limits {
                items: 8,
                bytes: 100,
            },
            Arc::default(),
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
