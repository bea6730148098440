//! Group commit: small writes from many callers share one transaction, so
//! one fsync acknowledges everything that arrived while the previous commit
//! was syncing. Throughput then grows with the number of writers while each
//! acknowledgement still means "on disk".
//!
//! The first caller that finds no commit under way leads: it takes every
//! write handed in so far, runs each in a savepoint of one transaction,
//! commits, and hands each writer its outcome; if more arrived meanwhile, it
//! hands the lead to one of their writers and returns (so no caller leads
//! for ever under steady load). The others wait for their outcome. Callers
//! of [`Db::write_grouped`] block: call it from a blocking thread, as for
//! [`crate::Db::call_blocking`]. Async callers use
//! [`Db::write_grouped_async`]: they wait without holding a thread, and a
//! group whose next writer is async is led by a blocking task of its own
//! (one thread hop per group instead of one per write).

use crate::{Db, DbError};
use rusqlite::Connection;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// One caller's write, erased: runs in its savepoint (undone if it fails)
/// and keeps its own typed answer.
type Work = Box<dyn FnOnce(&Connection) + Send>;

/// What a waiting writer is told.
enum Signal {
    /// The transaction holding its write was committed, or failed.
    Done(Result<(), String>),
    /// It leads the next group.
    Lead,
}

#[derive(Default)]
struct Ticket {
    signal: Mutex<Option<Signal>>,
    ready: Condvar,
}

impl Ticket {
    fn send(&self, signal: Signal) {
        *lock(&self.signal) = Some(signal);
        self.ready.notify_one();
    }

    fn wait(&self) -> Signal {
        let mut signal = lock(&self.signal);
        loop {
            if let Some(received) = signal.take() {
                return received;
            }
            signal = self.ready.wait(signal).unwrap_or_else(|e| e.into_inner());
        }
    }
}

#[derive(Default)]
pub(crate) struct GroupCommit {
    queue: Mutex<Queue>,
}

/// Who waits for a write's outcome.
enum Waiter {
    /// A thread blocked in [`Db::write_grouped`]; it may be asked to lead.
    Thread(Arc<Ticket>),
    /// A task awaiting [`Db::write_grouped_async`]: told its outcome, never
    /// asked to lead (a blocking task on its runtime leads instead).
    Task(
        tokio::sync::oneshot::Sender<Result<(), String>>,
        tokio::runtime::Handle,
    ),
}

#[derive(Default)]
struct Queue {
    waiting: Vec<(Work, Waiter)>,
    leading: bool,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Db {
    /// Runs a small write and commits it together with the writes other
    /// callers hand in meanwhile; returns once it is committed (on disk with
    /// a data directory). `work` gets the connection inside a transaction:
    /// it must not open one of its own. An error from `work` undoes only
    /// its own changes; a failed commit fails every write of the group.
    pub fn write_grouped<T, E>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let (erased, answer) = erase(work);
        let ticket = Arc::new(Ticket::default());
        let lead = {
            let mut queue = lock(&self.inner.group.queue);
            queue.waiting.push((erased, Waiter::Thread(ticket.clone())));
            !std::mem::replace(&mut queue.leading, true)
        };
        if lead {
            self.lead_one_group();
        }
        let committed = loop {
            match ticket.wait() {
                Signal::Done(committed) => break committed,
                Signal::Lead => self.lead_one_group(),
            }
        };
        outcome(&answer, committed)
    }

    /// [`Db::write_grouped`] for async code: the write is committed with
    /// the others of the moment by a blocking thread while the caller's task
    /// waits without holding one. Outside a tokio runtime it runs as
    /// [`Db::write_grouped`] does. Dropping the future does not withdraw
    /// the write: it may still be committed.
    pub async fn write_grouped_async<T, E>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return self.write_grouped(work);
        };
        let (erased, answer) = erase(work);
        let (told, outcome_of) = tokio::sync::oneshot::channel();
        let lead = {
            let mut queue = lock(&self.inner.group.queue);
            queue
                .waiting
                .push((erased, Waiter::Task(told, runtime.clone())));
            !std::mem::replace(&mut queue.leading, true)
        };
        if lead {
            self.lead_on_blocking_thread(&runtime);
        }
        let committed = outcome_of
            .await
            .unwrap_or_else(|_| Err("the commit was abandoned (shutting down)".into()));
        outcome(&answer, committed)
    }

    /// Leads the next group on a blocking thread of `runtime`, or on a
    /// thread of its own if the runtime no longer runs blocking work
    /// (shutting down): a group is never left without a leader.
    fn lead_on_blocking_thread(&self, runtime: &tokio::runtime::Handle) {
        /// Leads when run, or on a new thread when dropped unrun.
        struct Lead(Option<Db>);
        impl Lead {
            fn run(mut self) {
                if let Some(db) = self.0.take() {
                    crate::off_worker::marked(|| db.lead_one_group());
                }
            }
        }
        impl Drop for Lead {
            fn drop(&mut self) {
                if let Some(db) = self.0.take() {
                    std::thread::spawn(move || db.lead_one_group());
                }
            }
        }
        let lead = Lead(Some(self.clone()));
        runtime.spawn_blocking(move || lead.run());
    }

    /// Commits every write waiting now (the leader's own among them), then
    /// hands the lead to a writer that arrived meanwhile (a blocked thread,
    /// or a blocking task started for async ones), or gives it up.
    fn lead_one_group(&self) {
        let group = std::mem::take(&mut lock(&self.inner.group.queue).waiting);
        let (works, waiters): (Vec<Work>, Vec<Waiter>) = group.into_iter().unzip();
        let outcome = self
            .call_blocking(|conn| {
                let tx = conn.transaction()?;
                for work in works {
                    work(&tx);
                }
                tx.commit()
            })
            .map_err(|e| e.to_string());
        for waiter in waiters {
            match waiter {
                Waiter::Thread(ticket) => ticket.send(Signal::Done(outcome.clone())),
                Waiter::Task(told, _) => {
                    // A task that stopped waiting needs no answer.
                    let _ = told.send(outcome.clone());
                }
            }
        }
        let mut queue = lock(&self.inner.group.queue);
        match queue.waiting.first() {
            Some((_, Waiter::Thread(next))) => next.send(Signal::Lead),
            Some((_, Waiter::Task(_, runtime))) => {
                let runtime = runtime.clone();
                drop(queue);
                self.lead_on_blocking_thread(&runtime);
            }
            None => queue.leading = false,
        }
    }
}

/// The answer slot a write fills in its savepoint.
type Answer<T, E> = Arc<Mutex<Option<Result<T, E>>>>;

/// Erases a write's type: run in its savepoint (undone if it fails or
/// panics), it keeps its typed answer in the slot.
fn erase<T, E>(
    work: impl FnOnce(&Connection) -> Result<T, E> + Send + 'static,
) -> (Work, Answer<T, E>)
where
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
{
    let answer: Answer<T, E> = Arc::default();
    let slot = answer.clone();
    let erased: Work = Box::new(move |conn| {
        let run = std::panic::AssertUnwindSafe(|| in_savepoint(conn, work));
        match std::panic::catch_unwind(run) {
            Ok(done) => *lock(&slot) = Some(done),
            // A panicking write is undone; its caller learns it was not run.
            Err(_) => {
                let _ = conn.execute_batch("ROLLBACK TO grouped_write; RELEASE grouped_write");
            }
        }
    });
    (erased, answer)
}

/// A write's outcome: its own error, or its value once its group committed.
fn outcome<T, E: From<DbError>>(
    answer: &Answer<T, E>,
    committed: Result<(), String>,
) -> Result<T, E> {
    let own = lock(answer).take();
    match (own, committed) {
        (Some(Err(e)), _) => Err(e),
        (Some(Ok(value)), Ok(())) => Ok(value),
        (_, Err(message)) => Err(E::from(DbError::GroupCommit(message))),
        (None, Ok(())) => Err(E::from(DbError::GroupCommit(
            "the write was not run".into(),
        ))),
    }
}

/// Runs `work` in a savepoint, undone when it fails.
fn in_savepoint<T, E: From<DbError>>(
    conn: &Connection,
    work: impl FnOnce(&Connection) -> Result<T, E>,
) -> Result<T, E> {
    let sql = |statement: &str| {
        conn.prepare_cached(statement)
            .and_then(|mut prepared| prepared.execute([]))
            .map(|_| ())
            .map_err(|e| E::from(DbError::from(e)))
    };
    sql("SAVEPOINT grouped_write")?;
    match work(conn) {
        Ok(value) => {
            sql("RELEASE grouped_write")?;
            Ok(value)
        }
        Err(e) => {
            sql("ROLLBACK TO grouped_write")?;
            sql("RELEASE grouped_write")?;
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Db, DbError};
    use std::sync::{Arc, Barrier};

    fn table(db: &Db) {
        db.call_blocking(|conn| conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
            .unwrap();
    }

    fn count(db: &Db) -> i64 {
        db.call_blocking(|conn| conn.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0)))
            .unwrap()
    }

    #[test]
    fn concurrent_writers_are_all_committed() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(Some(dir.path())).unwrap();
        table(&db);
        let start = Arc::new(Barrier::new(16));
        let writers: Vec<_> = (0..16)
            .map(|w| {
                let (db, start) = (db.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    for i in 0..50 {
                        let id = w * 1000 + i;
                        db.write_grouped(move |conn| {
                            conn.execute("INSERT INTO t (id) VALUES (?1)", [id])?;
                            Ok::<_, DbError>(id)
                        })
                        .unwrap();
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        assert_eq!(count(&db), 16 * 50);
        // Reopened, everything acknowledged is there.
        drop(db);
        let db = Db::open(Some(dir.path())).unwrap();
        assert_eq!(count(&db), 16 * 50);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn async_and_blocked_writers_share_groups_and_all_commit() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(Some(dir.path())).unwrap();
        table(&db);
        let mut tasks = tokio::task::JoinSet::new();
        for w in 0..32i64 {
            let db = db.clone();
            tasks.spawn(async move {
                for i in 0..20 {
                    let id = w * 1000 + i;
                    let written = db
                        .write_grouped_async(move |conn| {
                            assert!(!crate::on_async_worker(), "a group is led off the workers");
                            conn.execute("INSERT INTO t (id) VALUES (?1)", [id])?;
                            Ok::<_, DbError>(id)
                        })
                        .await
                        .unwrap();
                    assert_eq!(written, id);
                }
            });
        }
        let threads: Vec<_> = (100..104i64)
            .map(|w| {
                let db = db.clone();
                std::thread::spawn(move || {
                    for i in 0..20 {
                        db.write_grouped(move |conn| {
                            conn.execute("INSERT INTO t (id) VALUES (?1)", [w * 1000 + i])?;
                            Ok::<_, DbError>(())
                        })
                        .unwrap();
                    }
                })
            })
            .collect();
        while let Some(joined) = tasks.join_next().await {
            joined.unwrap();
        }
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(count(&db), 36 * 20);
        drop(db);
        let db = Db::open(Some(dir.path())).unwrap();
        assert_eq!(count(&db), 36 * 20);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn an_async_write_that_fails_is_undone_alone() {
        let db = Db::open(None).unwrap();
        table(&db);
        let failed = db
            .write_grouped_async(|conn| {
                conn.execute("INSERT INTO t (id) VALUES (1)", [])?;
                conn.execute("INSERT INTO t (id) VALUES (1)", [])?;
                Ok::<_, DbError>(())
            })
            .await;
        assert!(matches!(failed, Err(DbError::Sqlite(_))));
        db.write_grouped_async(|conn| {
            conn.execute("INSERT INTO t (id) VALUES (2)", [])?;
            Ok::<_, DbError>(())
        })
        .await
        .unwrap();
        assert_eq!(count(&db), 1);
    }

    #[test]
    fn a_failing_write_is_undone_alone() {
        let db = Db::open(None).unwrap();
        table(&db);
        db.write_grouped(|conn| {
            conn.execute("INSERT INTO t (id) VALUES (1)", [])?;
            Ok::<_, DbError>(())
        })
        .unwrap();
        let failed = db.write_grouped(|conn| {
            conn.execute("INSERT INTO t (id) VALUES (2)", [])?;
            conn.execute("INSERT INTO t (id) VALUES (1)", [])?;
            Ok::<_, DbError>(())
        });
        assert!(matches!(failed, Err(DbError::Sqlite(_))));
        db.write_grouped(|conn| {
            conn.execute("INSERT INTO t (id) VALUES (3)", [])?;
            Ok::<_, DbError>(())
        })
        .unwrap();
        let ids: Vec<i64> = db.call_blocking(|conn| {
            let mut statement = conn.prepare("SELECT id FROM t ORDER BY id").unwrap();
            let rows = statement.query_map([], |r| r.get(0)).unwrap();
            rows.map(Result::unwrap).collect()
        });
        assert_eq!(
            ids,
            vec![1, 3],
            "the failed write's first insert is undone too"
        );
    }
}
