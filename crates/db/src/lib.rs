//! The shared SQLite database of one laminar instance: opening it (a file
//! under the data directory, or memory), versioned schema migrations per
//! owner, and running work on the connection off the async workers.
//!
//! It knows no service: Lambda's store, SQS, CloudWatch Logs and S3 each
//! register their own [`Schema`] and write their own SQL.

mod check;
mod group_commit;
mod migrate;
mod off_worker;

pub use migrate::Schema;
pub use off_worker::{blocking, on_async_worker, try_blocking};

use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("schema of {owner}: step {step} failed: {source}")]
    Migration {
        owner: &'static str,
        step: usize,
        source: rusqlite::Error,
    },
    #[error(
        "the database {file} was written by a newer laminar (the schema of {owner} is at \
         version {found}, this laminar knows {known}); laminar changed nothing in it. Run the \
         newer laminar, or start this one with another --data-dir"
    )]
    SchemaAhead {
        file: String,
        owner: &'static str,
        found: usize,
        known: usize,
    },
    #[error("the database {file} is damaged: {detail}")]
    Damaged { file: String, detail: String },
    #[error("the data directory {dir} is not writable ({source}); laminar needs to write there")]
    NotWritable { dir: String, source: std::io::Error },
    #[error("the database task was cancelled (shutting down)")]
    Cancelled,
    #[error("the commit of a group of writes failed: {0}")]
    GroupCommit(String),
}

/// The database handle. Cheap to clone; every clone shares one connection,
/// so one file holds one durability rule.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    conn: Mutex<Connection>,
    /// Writes waiting to be committed together ([`Db::write_grouped`]).
    group: group_commit::GroupCommit,
    root: PathBuf,
    durable: bool,
    /// Keeps the temporary root alive while the database is used.
    _temp: Option<tempfile::TempDir>,
}

/// The database file inside a data directory.
pub(crate) const FILE_NAME: &str = "laminar.db";

/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 256;

impl Db {
    /// Opens (creating if needed) `laminar.db` in `dir`, or, when `dir` is
    /// `None`, a database in memory with a temporary folder as its data root
    /// (removed when the last handle is dropped).
    pub fn open(dir: Option<&Path>) -> Result<Self, DbError> {
        let (conn, root, temp) = match dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)?;
                // A read-only folder would only fail at the first write.
                tempfile::tempfile_in(dir).map_err(|source| DbError::NotWritable {
                    dir: dir.display().to_string(),
                    source,
                })?;
                let file = dir.join(FILE_NAME);
                if file.exists() {
                    check::existing(&file)?;
                }
                let conn = Connection::open(&file)?;
                // WAL + synchronous=FULL: a commit that returned survives a crash.
                conn.pragma_update(None, "journal_mode", "WAL")?;
                conn.pragma_update(None, "synchronous", "FULL")?;
                (conn, dir.to_path_buf(), None)
            }
            None => {
                let temp = tempfile::Builder::new().prefix("laminar-").tempdir()?;
                (
                    Connection::open_in_memory()?,
                    temp.path().to_path_buf(),
                    Some(temp),
                )
            }
        };
        // Every service's hot statements stay prepared (the default keeps 16).
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(Self {
            inner: Arc::new(Inner {
                conn: Mutex::new(conn),
                group: group_commit::GroupCommit::default(),
                root,
                durable: dir.is_some(),
                _temp: temp,
            }),
        })
    }

    /// The folder files beside the database belong in (blobs, S3 objects).
    pub fn data_root(&self) -> &Path {
        &self.inner.root
    }

    /// Whether files beside the database must be synced before they are
    /// acknowledged (a data directory) or need not be (a temporary folder).
    pub fn durable(&self) -> bool {
        self.inner.durable
    }

    /// Brings `schema`'s owner up to its last step; steps already recorded
    /// are skipped. Returns the owner's version.
    pub fn migrate(&self, schema: &Schema) -> Result<usize, DbError> {
        self.call_blocking(|conn| migrate::apply(conn, schema))
            .map_err(|e| match e {
                DbError::SchemaAhead {
                    owner,
                    found,
                    known,
                    ..
                } => DbError::SchemaAhead {
                    file: self.inner.root.join(FILE_NAME).display().to_string(),
                    owner,
                    found,
                    known,
                },
                other => other,
            })
    }

    /// Runs `work` on the connection on a blocking thread, so a commit
    /// (an fsync with `synchronous=FULL`) never stalls an async worker.
    pub async fn call<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let db = self.clone();
        blocking(move || db.call_blocking(work)).await?
    }

    /// Runs a short read (a lookup by key) on the connection: here, on the
    /// async worker, when the connection is free, else on a blocking thread
    /// like [`Db::call`]. The hop to a blocking thread and back costs more
    /// than a point read; waiting for the lock would stall the worker for a
    /// commit's fsync. Never use it for a write or a scan.
    pub async fn read<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        match self.run_if_free(work) {
            Ok(done) => done,
            Err(work) => self.call(|conn| work(conn)).await,
        }
    }

    /// Runs `work` here if the connection is free; hands it back if not.
    /// (Synchronous, so no lock guard lives across an await.)
    fn run_if_free<T, F: FnOnce(&Connection) -> T>(&self, work: F) -> Result<T, F> {
        match self.inner.conn.try_lock() {
            Ok(conn) => Ok(work(&conn)),
            Err(std::sync::TryLockError::Poisoned(poisoned)) => Ok(work(&poisoned.into_inner())),
            Err(std::sync::TryLockError::WouldBlock) => Err(work),
        }
    }

    /// Runs `work` on the connection on this thread: for code that already
    /// runs on a blocking thread. Hold it for one statement or one
    /// transaction; other callers wait meanwhile.
    pub fn call_blocking<T>(&self, work: impl FnOnce(&mut Connection) -> T) -> T {
        // A panic while holding the lock cannot leave SQLite half-written
        // (statements are atomic), so a poisoned lock is still usable.
        let mut conn = self.inner.conn.lock().unwrap_or_else(|e| e.into_inner());
        work(&mut conn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_data_directory_is_durable_and_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(Some(dir.path())).unwrap();
        assert!(db.durable());
        assert_eq!(db.data_root(), dir.path());
        let (mode, sync): (String, i64) = db
            .call_blocking(|conn| {
                let mode = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
                let sync = conn.query_row("PRAGMA synchronous", [], |r| r.get(0))?;
                Ok::<_, rusqlite::Error>((mode, sync))
            })
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(sync, 2, "synchronous=FULL");
        assert!(dir.path().join(FILE_NAME).exists());
    }

    #[test]
    fn the_temporary_root_lives_as_long_as_the_database() {
        let db = Db::open(None).unwrap();
        assert!(!db.durable());
        let root = db.data_root().to_path_buf();
        assert!(root.is_dir());
        let clone = db.clone();
        drop(db);
        assert!(root.is_dir());
        drop(clone);
        assert!(!root.exists());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn call_runs_off_the_async_worker() {
        let db = Db::open(None).unwrap();
        let worker = std::thread::current().id();
        let (thread, answer) = db
            .call(|conn| {
                let answer: i64 = conn.query_row("SELECT 6 * 7", [], |r| r.get(0))?;
                Ok::<_, DbError>((std::thread::current().id(), answer))
            })
            .await
            .unwrap();
        assert_ne!(thread, worker);
        assert_eq!(answer, 42);
    }

    /// The thread a read ran on, whether it was an async worker's task, its answer.
    fn where_and_answer(conn: &Connection) -> Result<(std::thread::ThreadId, bool, i64), DbError> {
        let answer: i64 = conn.query_row("SELECT 6 * 7", [], |r| r.get(0))?;
        Ok((std::thread::current().id(), on_async_worker(), answer))
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_read_of_a_free_connection_runs_in_place() {
        let db = Db::open(None).unwrap();
        let worker = std::thread::current().id();
        let (thread, _, answer) = db.read(where_and_answer).await.unwrap();
        assert_eq!(thread, worker);
        assert_eq!(answer, 42);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_read_of_a_busy_connection_waits_off_the_worker() {
        let db = Db::open(None).unwrap();
        let (held_tx, held_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let holder = db.clone();
        let holding = std::thread::spawn(move || {
            holder.call_blocking(|_| {
                held_tx.send(()).unwrap();
                release_rx.recv().unwrap();
            })
        });
        held_rx.recv().unwrap();
        let reading = tokio::spawn({
            let db = db.clone();
            async move { db.read(where_and_answer).await }
        });
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(!reading.is_finished(), "the read waits for the holder");
        release_tx.send(()).unwrap();
        let (_, in_async_task, answer) = reading.await.unwrap().unwrap();
        holding.join().unwrap();
        assert!(!in_async_task, "the read ran on a blocking thread");
        assert_eq!(answer, 42);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn call_passes_the_closures_error_through() {
        let db = Db::open(None).unwrap();
        let out: Result<(), DbError> = db
            .call(|conn| Ok(conn.execute_batch("SELECT * FROM missing")?))
            .await;
        assert!(matches!(out, Err(DbError::Sqlite(_))));
    }
}
