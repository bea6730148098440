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
    pub fn new(db: laminar_db::Db) -> KinesisResult<Self> {
        db.migrate(&schema::KINESIS)?;
        Ok(Self { db })
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
