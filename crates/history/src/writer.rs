//! The writer thread: entries wait in a list the invoke path pushes to (no
//! wake-up per invocation), and are committed in batches, one transaction
//! each, then announced to live subscribers.

use crate::record::{
    billed, error_type, head, tail, Bodies, Entry, Invocation, BODY_MAX, LOGS_MAX,
};
use laminar_db::Db;
use rusqlite::params;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::thread::Thread;
use std::time::Duration;
use tokio::sync::broadcast;

/// The writer commits what waits this often, or sooner when flushed.
const FLUSH_AFTER: Duration = Duration::from_millis(50);
/// At most this many entries wait; more are dropped and counted.
const QUEUE_MAX: usize = 8_192;

#[derive(Default)]
struct Pending {
    entries: Vec<Entry>,
    flushes: Vec<SyncSender<()>>,
}

#[derive(Default)]
struct Shared {
    pending: Mutex<Pending>,
    dropped: AtomicU64,
}

impl Shared {
    fn pending(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub(crate) struct Writer {
    shared: Arc<Shared>,
    thread: Option<Thread>,
}

impl Writer {
    pub(crate) fn start(db: Db, keep: usize, live: broadcast::Sender<Arc<Invocation>>) -> Self {
        let shared = Arc::new(Shared::default());
        let weak = Arc::downgrade(&shared);
        let spawned = std::thread::Builder::new()
            .name("history-writer".into())
            .spawn(move || run(&db, keep, &weak, &live));
        let thread = match spawned {
            Ok(handle) => Some(handle.thread().clone()),
            Err(e) => {
                tracing::warn!(error = %e, "the invocation history writer could not start");
                None
            }
        };
        Self { shared, thread }
    }

    pub(crate) fn submit(&self, entry: Entry) {
        let mut pending = self.shared.pending();
        if self.thread.is_some() && pending.entries.len() < QUEUE_MAX {
            pending.entries.push(entry);
            return;
        }
        drop(pending);
        self.shared.dropped.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn flush(&self, timeout: Duration) -> bool {
        let Some(thread) = &self.thread else {
            return false;
        };
        let (done, wait) = sync_channel(1);
        self.shared.pending().flushes.push(done);
        thread.unpark();
        wait.recv_timeout(timeout).is_ok()
    }

    pub(crate) fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }
}

fn run(db: &Db, keep: usize, shared: &Weak<Shared>, live: &broadcast::Sender<Arc<Invocation>>) {
    loop {
        std::thread::park_timeout(FLUSH_AFTER);
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let Pending { entries, flushes } = std::mem::take(&mut *shared.pending());
        if !entries.is_empty() && keep > 0 {
            let count = entries.len() as u64;
            match commit(db, entries, keep) {
                Ok(stored) => {
                    if live.receiver_count() > 0 {
                        for invocation in stored {
                            let _ = live.send(Arc::new(invocation));
                        }
                    }
                }
                Err(e) => {
                    shared.dropped.fetch_add(count, Ordering::Relaxed);
                    tracing::warn!(error = %e, "invocations could not be recorded");
                }
            }
        }
        for done in flushes {
            let _ = done.try_send(());
        }
    }
}

/// Clips the bodies, inserts the batch and trims to the newest `keep`.
fn commit(db: &Db, entries: Vec<Entry>, keep: usize) -> rusqlite::Result<Vec<Invocation>> {
    let clipped: Vec<Invocation> = entries.into_iter().map(clip).collect();
    db.call_blocking(|conn| {
        let tx = conn.transaction()?;
        let mut stored = Vec::with_capacity(clipped.len());
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO history_invocations (time_ms, request_id, account, region, function,
                     qualifier, version, cold, init_duration_ms, duration_ms, billed_duration_ms,
                     memory_mb, max_memory_used_mb, status, error_type, event_size, event,
                     response_size, response, logs, log_group, log_stream)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                     ?17, ?18, ?19, ?20, ?21, ?22)",
            )?;
            for mut inv in clipped {
                let Some(b) = &inv.bodies else { continue };
                insert.execute(params![
                    inv.time_ms,
                    inv.request_id,
                    inv.account,
                    inv.region,
                    inv.function,
                    inv.qualifier,
                    inv.version,
                    inv.cold,
                    inv.init_duration_ms,
                    inv.duration_ms,
                    inv.billed_duration_ms,
                    inv.memory_mb,
                    inv.max_memory_used_mb,
                    inv.status.as_str(),
                    inv.error_type,
                    b.event_size,
                    b.event,
                    b.response_size,
                    b.response,
                    b.logs,
                    inv.log_group,
                    inv.log_stream,
                ])?;
                inv.id = tx.last_insert_rowid();
                stored.push(inv);
            }
        }
        if let Some(last) = stored.last() {
            tx.execute(
                "DELETE FROM history_invocations WHERE id <= ?1",
                params![last.id - keep as i64],
            )?;
        }
        tx.commit()?;
        Ok(stored)
    })
}

fn clip(entry: Entry) -> Invocation {
    let error_type = match entry.status {
        crate::Status::Error => error_type(&entry.response),
        crate::Status::Success => None,
    };
    Invocation {
        id: 0,
        time_ms: entry.time_ms,
        cold: entry.init_duration_ms.is_some(),
        init_duration_ms: entry.init_duration_ms,
        billed_duration_ms: billed(entry.duration_ms),
        duration_ms: entry.duration_ms,
        memory_mb: entry.memory_mb,
        max_memory_used_mb: entry.max_memory_used_mb as i64,
        status: entry.status,
        error_type,
        bodies: Some(Bodies {
            event: head(&entry.event, BODY_MAX),
            event_size: entry.event.len() as i64,
            response: head(&entry.response, BODY_MAX),
            response_size: entry.response.len() as i64,
            logs: tail(&entry.logs, LOGS_MAX).to_string(),
        }),
        request_id: entry.request_id,
        account: entry.account,
        region: entry.region,
        function: entry.function,
        qualifier: entry.qualifier,
        version: entry.version,
        log_group: entry.log_group,
        log_stream: entry.log_stream,
    }
}
