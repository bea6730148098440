//! Time as the API spells it.

use chrono::{DateTime, SecondsFormat, Utc};

/// `LastModified`: `2024-01-15T10:30:00.000+0000`.
pub fn last_modified(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

pub fn now() -> DateTime<Utc> {
    Utc::now()
}

/// Milliseconds since the epoch.
pub fn now_ms() -> i64 {
    now().timestamp_millis()
}

/// An RFC 3339 timestamp with milliseconds, as log lines carry it.
pub fn log_timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}
