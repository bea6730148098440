//! A Kinesis stream as a source of shards, its records delivered as AWS
//! documents them for Lambda (`kinesis` with the data in base64).

use crate::source::{
    Checkpoint, EventContext, Position, Shard, ShardSource, SourceRecord, SourceResult,
};
use base64::Engine;
use laminar_kinesis::types::Record;
use laminar_kinesis::{KinesisService, ShardPosition};
use serde_json::{json, Value};
use std::collections::HashMap;

pub(crate) struct KinesisSource(pub KinesisService);

fn source_record(record: Record) -> SourceRecord {
    SourceRecord {
        lane: laminar_kinesis::keys::hash_of(&record.partition_key),
        size: record.data.len() + record.partition_key.len() + 600,
        sequence_number: record.sequence_number.clone(),
        arrival_ms: record.arrival_ms,
        body: json!({
            "kinesisSchemaVersion": "1.0",
            "partitionKey": record.partition_key,
            "sequenceNumber": record.sequence_number,
            "data": record.data,
            "approximateArrivalTimestamp": record.approximate_arrival_timestamp,
        }),
    }
}

impl ShardSource for KinesisSource {
    fn shards(&self, stream_arn: &str) -> SourceResult<Vec<Shard>> {
        let shards = self.0.shards_of(stream_arn).map_err(|e| e.to_string())?;
        Ok(shards
            .into_iter()
            .map(|s| Shard {
                shard_id: s.shard_id,
                parents: s.parents,
            })
            .collect())
    }

    fn checkpoints(
        &self,
        reader: &str,
        stream_arn: &str,
    ) -> SourceResult<HashMap<String, Checkpoint>> {
        let found = self
            .0
            .checkpoints(reader, stream_arn)
            .map_err(|e| e.to_string())?;
        Ok(found
            .into_iter()
            .map(|(shard, c)| {
                let checkpoint = Checkpoint {
                    sequence_number: c.sequence_number,
                    finished: c.finished,
                };
                (shard, checkpoint)
            })
            .collect())
    }

    fn save_checkpoint(
        &self,
        reader: &str,
        stream_arn: &str,
        shard_id: &str,
        checkpoint: &Checkpoint,
    ) -> SourceResult<()> {
        let checkpoint = laminar_kinesis::Checkpoint {
            sequence_number: checkpoint.sequence_number.clone(),
            finished: checkpoint.finished,
        };
        self.0
            .save_checkpoint(reader, stream_arn, shard_id, &checkpoint)
            .map_err(|e| e.to_string())
    }

    fn read(
        &self,
        stream_arn: &str,
        shard_id: &str,
        position: &Position,
        limit: i64,
    ) -> SourceResult<(Vec<SourceRecord>, bool)> {
        let position = match position {
            Position::TrimHorizon => ShardPosition::TrimHorizon,
            Position::AtTimestamp(ms) => ShardPosition::AtTimestamp(*ms),
            Position::AfterSequenceNumber(seq) => ShardPosition::AfterSequenceNumber(seq.clone()),
        };
        let (records, ended) = self
            .0
            .read_shard(stream_arn, shard_id, &position, limit)
            .map_err(|e| e.to_string())?;
        Ok((records.into_iter().map(source_record).collect(), ended))
    }

    fn latest(&self, stream_arn: &str, shard_id: &str) -> SourceResult<String> {
        self.0
            .latest_sequence_number(stream_arn, shard_id)
            .map_err(|e| e.to_string())
    }

    fn event(&self, record: &SourceRecord, context: &EventContext<'_>) -> Value {
        event(record, context)
    }

    fn filter_view(&self, record: &SourceRecord) -> Value {
        filter_view(record)
    }

    fn batch_info_name(&self) -> &'static str {
        "KinesisBatchInfo"
    }
}

/// The Kinesis record as Lambda delivers it.
fn event(record: &SourceRecord, context: &EventContext<'_>) -> Value {
    json!({
        "kinesis": record.body,
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": format!("{}:{}", context.shard_id, record.sequence_number),
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": context.role,
        "awsRegion": context.region,
        "eventSourceARN": context.stream_arn,
    })
}

/// The record's metadata and its data, decoded as JSON when it is JSON
/// (`{"data": {...}}` patterns).
fn filter_view(record: &SourceRecord) -> Value {
    let mut view = record.body.clone();
    let data = view["data"].as_str().unwrap_or_default().to_string();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(&data)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok());
    if let Some(decoded) = decoded {
        view["data"] = decoded;
    }
    view
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_and_filters_look_like_aws() {
        let r = source_record(Record {
            sequence_number: "49".into(),
            approximate_arrival_timestamp: 1.5,
            data: base64::engine::general_purpose::STANDARD.encode(b"{\"n\": 1}"),
            partition_key: "k".into(),
            arrival_ms: 1500,
        });
        let source_context = EventContext {
            shard_id: "shardId-000000000000",
            stream_arn: "arn:s",
            region: "us-east-1",
            role: "arn:role",
        };
        let event = json!({
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": "k",
                "sequenceNumber": "49",
                "data": "eyJuIjogMX0=",
                "approximateArrivalTimestamp": 1.5,
            },
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": "shardId-000000000000:49",
            "eventName": "aws:kinesis:record",
            "invokeIdentityArn": "arn:role",
            "awsRegion": "us-east-1",
            "eventSourceARN": "arn:s",
        });
        assert_eq!(super::event(&r, &source_context), event);
        assert_eq!(filter_view(&r)["data"]["n"], 1);
    }
}
