//! Amazon CloudWatch Logs, as much as Lambda users need: log groups, streams,
//! events, filtering and retention. Functions write here under
//! `/aws/lambda/<name>`; state lives in the shared SQLite database.
//!
//! Operations take and return the JSON shapes of the service model (serde,
//! camelCase), so the protocol adapter only maps operation names.

mod capture;
mod error;
mod events;
mod groups;
mod names;
mod pattern;
mod streams;
mod subscriptions;
mod tables;
mod writer;

pub use capture::DeliveredEvent;
pub use error::{LogsError, LogsResult};
pub use events::{
    FilterLogEventsRequest, FilterLogEventsResponse, FilteredEvent, GetLogEventsRequest,
    GetLogEventsResponse, InputLogEvent, OutputEvent, PutLogEventsRequest, PutLogEventsResponse,
    RejectedLogEventsInfo, SearchedLogStream,
};
pub use groups::{
    CreateLogGroupRequest, DescribeLogGroupsRequest, DescribeLogGroupsResponse, GroupRequest,
    LogGroup, TagsResponse,
};
pub use pattern::FilterPattern;
pub use streams::{
    DescribeLogStreamsRequest, DescribeLogStreamsResponse, LogStream, StreamRequest,
};
pub use subscriptions::{
    DeleteSubscriptionFilterRequest, DescribeSubscriptionFiltersRequest,
    DescribeSubscriptionFiltersResponse, DestinationCheck, LogsDelivery,
    PutSubscriptionFilterRequest, SubscriptionFilter,
};
pub use writer::WriterStats;

use std::sync::{Arc, RwLock};

/// One log event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    pub timestamp_ms: i64,
    pub message: String,
}

/// The Logs service of one laminar instance. Cheap to clone.
#[derive(Clone)]
pub struct LogsService {
    db: laminar_db::Db,
    writer: Arc<writer::Writer>,
    /// Notified when a write fills the subscription outbox.
    wake: Arc<tokio::sync::Notify>,
    /// Whether a subscription's destination may be used (installed by the
    /// room that knows functions).
    destinations: Arc<RwLock<Option<DestinationCheck>>>,
}

impl LogsService {
    /// Creates the tables and starts the background writer (which also
    /// sweeps events past their retention period).
    pub fn new(db: laminar_db::Db) -> Result<Self, LogsError> {
        db.migrate(&tables::LOGS)?;
        let wake = Arc::new(tokio::sync::Notify::new());
        let writer = Arc::new(writer::Writer::start(
            db.clone(),
            writer::Limits::default(),
            wake.clone(),
        ));
        Ok(Self {
            db,
            writer,
            wake,
            destinations: Arc::default(),
        })
    }

    /// Runs `work` on the database on this thread (a blocking one).
    fn with<T>(
        &self,
        work: impl FnOnce(&mut rusqlite::Connection) -> LogsResult<T>,
    ) -> LogsResult<T> {
        self.db.call_blocking(work)
    }

    /// Appends events to a stream, creating the group and the stream when
    /// they do not exist yet, committed before it returns.
    pub fn append(
        &self,
        account: &str,
        region: &str,
        group: &str,
        stream: &str,
        events: &[LogEvent],
    ) -> Result<(), LogsError> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            let (group_id, stream_id) =
                tables::ensure_stream(&tx, account, region, group, stream, now_ms())?;
            let inserted = tables::insert_events(&tx, group_id, stream_id, events, now_ms())?;
            tx.commit()?;
            if inserted.captured {
                self.wake.notify_one();
            }
            Ok(())
        })
    }

    /// Like [`append`](Self::append), but handed to the background writer:
    /// never blocks, commits within ~50 ms together with other writes.
    /// Returns false when the writer's queue is full and the events were
    /// dropped (counted in [`writer_stats`](Self::writer_stats)).
    pub fn append_later(
        &self,
        account: &str,
        region: &str,
        group: &str,
        stream: &str,
        events: Vec<LogEvent>,
    ) -> bool {
        self.writer.submit(writer::Append {
            account: account.to_string(),
            region: region.to_string(),
            group: group.to_string(),
            stream: stream.to_string(),
            events,
        })
    }

    /// Waits (at most `timeout`) until the appends queued so far are
    /// committed; false if that did not happen in time. For shutdown.
    pub fn flush(&self, timeout: std::time::Duration) -> bool {
        self.writer.flush(timeout)
    }

    pub fn writer_stats(&self) -> WriterStats {
        self.writer.stats()
    }

    /// Deletes events past their group's retention now (the writer also does
    /// this periodically). Returns how many were deleted.
    pub fn sweep_expired(&self) -> LogsResult<usize> {
        self.with(|conn| tables::sweep_expired(conn, now_ms()))
    }
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
pub(crate) fn test_service() -> LogsService {
    let db = laminar_db::Db::open(None).expect("in-memory database");
    LogsService::new(db).expect("logs service")
}
