//! Amazon Kinesis Data Streams, as much as local development needs: streams,
//! shards with their hash-key ranges and lineage (split, merge, resharding),
//! records routed by the MD5 of their partition key, shard iterators,
//! retention, tags and enhanced fan-out consumers (registered, not pushed).
//! State lives in the shared SQLite database (owner `kinesis`); this crate
//! knows nothing of Lambda.
//!
//! Operations take and return the model's JSON shapes ([`types`]), so the
//! protocol adapter only maps operation names.

mod checkpoints;
mod consumers;
mod error;
pub mod keys;
mod records;
mod schema;
mod shards;
mod streams;
pub mod types;

pub use checkpoints::Checkpoint;
pub use error::{KinesisError, KinesisResult};
pub use records::ShardPosition;
pub use streams::ShardInfo;

use rusqlite::Connection;

const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// The model's constraints on every operation's input, generated from
/// botocore's Kinesis model by `tools/gen_constraints.py`.
pub const CONSTRAINTS: &str = include_str!("constraints.json");

/// The Kinesis service of one laminar instance. Cheap to clone.
#[derive(Clone)]
pub struct KinesisService {
    db: laminar_db::Db,
}

/// Who is calling: the account and region of the request's credentials.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub account: &'a str,
    pub region: &'a str,
}

impl KinesisService {
    /// Creates the tables and starts a thread that deletes records past
    /// their stream's retention period (reads already hide them).
    pub fn new(db: laminar_db::Db) -> KinesisResult<Self> {
        db.migrate(&schema::KINESIS)?;
        let service = Self { db };
        let sweeper = service.clone();
        let spawned = std::thread::Builder::new()
            .name("kinesis-retention".into())
            .spawn(move || loop {
                std::thread::sleep(SWEEP_EVERY);
                if let Err(e) = sweeper.sweep_expired() {
                    tracing::warn!(error = %e, "expired Kinesis records could not be deleted");
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "the Kinesis retention sweeper did not start");
        }
        Ok(service)
    }

    /// Deletes the records past their stream's retention period now.
    /// Returns how many were deleted.
    pub fn sweep_expired(&self) -> KinesisResult<usize> {
        let now = now_ms();
        self.with(|conn| {
            let deleted = conn.execute(
                "DELETE FROM kinesis_records WHERE arrival_ms < (
                     SELECT ?1 - t.retention_hours * 3600000
                     FROM kinesis_shards s JOIN kinesis_streams t ON s.stream_id = t.id
                     WHERE s.id = kinesis_records.shard)",
                rusqlite::params![now],
            )?;
            Ok(deleted)
        })
    }

    /// Runs `work` on the database on this thread (a blocking one).
    fn with<T>(&self, work: impl FnOnce(&mut Connection) -> KinesisResult<T>) -> KinesisResult<T> {
        self.db.call_blocking(work)
    }
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
pub(crate) fn test_service() -> KinesisService {
    let db = laminar_db::Db::open(None).expect("in-memory database");
    KinesisService::new(db).expect("kinesis service")
}
