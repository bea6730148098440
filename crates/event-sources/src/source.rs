//! What the stream engine (`stream.rs`) needs of a source of shards — a
//! Kinesis stream (`kinesis.rs`) or a DynamoDB stream (`dynamodb.rs`): its
//! shards, records from a position, durable checkpoints, and how its records
//! look to the function and to the filters. Calls are blocking; the engine
//! makes them on the blocking pool.

use serde_json::Value;
use std::collections::HashMap;

/// One shard: its id, the parents that must be read first, and whether it
/// still takes records.
#[derive(Debug, Clone)]
pub(crate) struct Shard {
    pub shard_id: String,
    pub parents: Vec<String>,
}

/// Where a reader starts or resumes in a shard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Position {
    TrimHorizon,
    AtTimestamp(i64),
    AfterSequenceNumber(String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Checkpoint {
    pub sequence_number: Option<String>,
    pub finished: bool,
}

/// A record as the engine handles it.
#[derive(Debug, Clone)]
pub(crate) struct SourceRecord {
    pub sequence_number: String,
    /// When the source took it (record age, tumbling windows).
    pub arrival_ms: i64,
    /// Records of one lane key keep their order (ParallelizationFactor).
    pub lane: u128,
    /// About what it adds to an invoke payload.
    pub size: usize,
    /// The source's own form of the record (what `event` and `filter_view` read).
    pub body: Value,
}

/// The context of an event record.
pub(crate) struct EventContext<'a> {
    pub shard_id: &'a str,
    pub stream_arn: &'a str,
    pub region: &'a str,
    pub role: &'a str,
}

pub(crate) type SourceResult<T> = Result<T, String>;

pub(crate) trait ShardSource: Send + Sync + 'static {
    fn shards(&self, stream_arn: &str) -> SourceResult<Vec<Shard>>;
    fn checkpoints(
        &self,
        reader: &str,
        stream_arn: &str,
    ) -> SourceResult<HashMap<String, Checkpoint>>;
    fn save_checkpoint(
        &self,
        reader: &str,
        stream_arn: &str,
        shard_id: &str,
        checkpoint: &Checkpoint,
    ) -> SourceResult<()>;
    /// Up to `limit` records from `position`, and whether the shard is
    /// closed and read to its end.
    fn read(
        &self,
        stream_arn: &str,
        shard_id: &str,
        position: &Position,
        limit: i64,
    ) -> SourceResult<(Vec<SourceRecord>, bool)>;
    /// The sequence number LATEST stands for now, to checkpoint it.
    fn latest(&self, stream_arn: &str, shard_id: &str) -> SourceResult<String>;
    /// The record as the function's event carries it.
    fn event(&self, record: &SourceRecord, context: &EventContext<'_>) -> Value;
    /// What filter patterns are matched against.
    fn filter_view(&self, record: &SourceRecord) -> Value;
    /// The member of the OnFailure record that describes the batch.
    fn batch_info_name(&self) -> &'static str;
}
