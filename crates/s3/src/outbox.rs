//! The outbox row of one notification and what it names: shared by the
//! object changes (`events`) and the test events of a new configuration
//! (`notification`).

use crate::S3Error;
use rusqlite::params;
use serde::{Deserialize, Serialize};

/// Which kind of service a destination is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TargetKind {
    Lambda,
    Queue,
    Topic,
}

impl TargetKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Lambda => "lambda",
            Self::Queue => "sqs",
            Self::Topic => "sns",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text {
            "lambda" => Some(Self::Lambda),
            "sqs" => Some(Self::Queue),
            "sns" => Some(Self::Topic),
            _ => None,
        }
    }
}

/// `2024-01-02T03:04:05.678Z`.
pub(crate) fn iso_millis(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// Adds one row to the outbox.
pub(crate) fn enqueue(
    tx: &rusqlite::Transaction<'_>,
    kind: TargetKind,
    target: &str,
    bucket: &str,
    account: &str,
    body: &str,
    now_ms: i64,
) -> Result<(), S3Error> {
    tx.execute(
        "INSERT INTO s3_notifications (kind, target, bucket, account, body, created_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![kind.as_str(), target, bucket, account, body, now_ms],
    )?;
    Ok(())
}
