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
//! block: call from a blocking thread, as for [`crate::Db::call_blocking`].

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

#[derive(Default)]
struct Queue {
    waiting: Vec<(Work, Arc<Ticket>)>,
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
        let answer: Arc<Mutex<Option<Result<T, E>>>> = Arc::default();
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
        let ticket = Arc::new(Ticket::default());
        let lead = {
            let mut queue = lock(&self.inner.group.queue);
            queue.waiting.push((erased, ticket.clone()));
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
        let own = lock(&answer).take();
        match (own, committed) {
            (Some(Err(e)), _) => Err(e),
            (Some(Ok(value)), Ok(())) => Ok(value),
            (_, Err(message)) => Err(E::from(DbError::GroupCommit(message))),
            (None, Ok(())) => Err(E::from(DbError::GroupCommit(
                "the write was not run".into(),
            ))),
        }
    }

    /// Commits every write waiting now (the leader's own among them), then
    /// hands the lead to a writer that arrived meanwhile, or gives it up.
    fn lead_one_group(&self) {
        let group = std::mem::take(&mut lock(&self.inner.group.queue).waiting);
        let (works, tickets): (Vec<Work>, Vec<Arc<Ticket>>) = group.into_iter().unzip();
        let outcome = self
            .call_blocking(|conn| {
                let tx = conn.transaction()?;
                for work in works {
                    work(&tx);
                }
                tx.commit()
            })
            .map_err(|e| e.to_string());
        for ticket in tickets {
            ticket.send(Signal::Done(outcome.clone()));
        }
        let mut queue = lock(&self.inner.group.queue);
        match queue.waiting.first() {
            Some((_, next)) => next.send(Signal::Lead),
            None => queue.leading = false,
        }
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
