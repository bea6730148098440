//! Amazon DynamoDB, as much as local development needs: tables with their
//! key schemas, secondary indexes, throughput, streams settings, tags and
//! time to live, and items stored by primary key. State lives in the shared
//! SQLite database (owner `dynamodb`); this crate knows nothing of Lambda.
//!
//! Operations take and return the model's JSON shapes ([`types`]), so the
//! protocol adapter only maps operation names.

mod batch;
mod definition;
mod error;
mod expr;
mod item_expressions;
mod items;
mod keys;
mod number;
mod query;
mod schema;
mod streams;
mod tables;
mod tags;
mod transact;
mod ttl;
pub mod types;

pub use error::{DynamoError, DynamoResult};
pub use streams::{
    DescribeStreamInput, GetRecordsInput, GetShardIteratorInput, ListStreamsInput,
    StreamCheckpoint, StreamPosition, StreamRecordRow,
};

use rusqlite::Connection;

/// The model's constraints on every operation's input, generated from
/// botocore's DynamoDB model by `tools/gen_constraints.py`.
pub const CONSTRAINTS: &str = include_str!("constraints.json");

/// The same for DynamoDB Streams, from botocore's `dynamodbstreams` model.
pub const STREAMS_CONSTRAINTS: &str = include_str!("streams_constraints.json");

/// The DynamoDB service of one laminar instance. Cheap to clone.
#[derive(Clone)]
pub struct DynamoService {
    db: laminar_db::Db,
}

/// Who is calling: the account and region of the request's credentials.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub account: &'a str,
    pub region: &'a str,
}

impl Caller<'_> {
    fn table_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:dynamodb:{}:{}:table/{name}",
            self.region, self.account
        )
    }
}

impl DynamoService {
    pub fn new(db: laminar_db::Db) -> DynamoResult<Self> {
        db.migrate(&schema::DYNAMODB)?;
        Ok(Self { db })
    }

    /// Runs `work` on the database on this thread (a blocking one).
    fn with<T>(&self, work: impl FnOnce(&mut Connection) -> DynamoResult<T>) -> DynamoResult<T> {
        self.db.call_blocking(work)
    }
}

/// Seconds since the epoch with millisecond precision, as DynamoDB's
/// timestamps are written on the wire.
pub(crate) fn now_seconds() -> f64 {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    ms as f64 / 1000.0
}
