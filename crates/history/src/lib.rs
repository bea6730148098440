//! Invocation history: what ran, kept for people and tests to look at (the
//! console, `laminar invocations`, `/_laminar/api/invocations`).
//!
//! The invoke path hands an [`Entry`] over with [`History::record`], which
//! only pushes it on a list; a writer thread clips the event, response and
//! log text, commits batches to the shared database (`history_invocations`,
//! schema owner `history`), keeps the newest `keep` rows, and then tells the
//! live subscribers ([`History::subscribe`]). Knows nothing of Lambda beyond
//! the words of a record.

mod query;
mod record;
mod schema;
mod writer;

pub use query::{Filter, Page};
pub use record::{Entry, Invocation, Status, LOGS_MAX};

use laminar_db::{Db, DbError};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

/// How many invocations are kept unless told otherwise (`--history`).
pub const DEFAULT_KEEP: usize = 10_000;

/// The history of one laminar instance. Cheap to clone.
#[derive(Clone)]
pub struct History {
    db: Db,
    writer: Arc<writer::Writer>,
    live: broadcast::Sender<Arc<Invocation>>,
}

impl History {
    /// Opens the history in `db`, keeping at most `keep` invocations (0
    /// records nothing).
    pub fn open(db: Db, keep: usize) -> Result<Self, DbError> {
        db.migrate(&schema::HISTORY)?;
        let (live, _) = broadcast::channel(1024);
        let writer = writer::Writer::start(db.clone(), keep, live.clone());
        Ok(Self {
            db,
            writer: Arc::new(writer),
            live,
        })
    }

    /// Hands an invocation to the writer; never blocks on the database.
    pub fn record(&self, entry: Entry) {
        self.writer.submit(entry);
    }

    /// Waits (at most `timeout`) until everything recorded so far is
    /// committed. Blocking: call it off the async workers.
    pub fn flush(&self, timeout: Duration) -> bool {
        self.writer.flush(timeout)
    }

    /// Invocations as they are committed, each with its event, response and
    /// log text.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Invocation>> {
        self.live.subscribe()
    }

    /// A page of invocations, newest first, without their bodies. Blocking.
    pub fn list(&self, filter: &Filter) -> Result<Page, rusqlite::Error> {
        self.db.call_blocking(|conn| query::list(conn, filter))
    }

    /// Every recorded run of a request id (retries share it), newest first,
    /// with their bodies. Blocking.
    pub fn runs_of(&self, request_id: &str) -> Result<Vec<Invocation>, rusqlite::Error> {
        self.db
            .call_blocking(|conn| query::runs_of(conn, request_id))
    }

    /// Invocations recorded but not written because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.writer.dropped()
    }
}
