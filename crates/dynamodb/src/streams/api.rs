//! The DynamoDB Streams API (`DynamoDBStreams_20120810.*`): ListStreams,
//! DescribeStream, GetShardIterator and GetRecords. A shard iterator is
//! `<stream ARN>|1|<opaque>` as AWS's are, valid for 15 minutes.

use super::{
    find_stream, full_record, latest_position, now_ms, parse_sequence, records_from,
    sequence_number, stream_not_found, streams_where, StreamRow,
};
use crate::error::{DynamoError, DynamoResult};
use crate::{Caller, DynamoService};
use base64::Engine;
use rusqlite::Connection;
use serde::Deserialize;
use serde_json::{json, Value};

/// Shard iterators expire 15 minutes after they were handed out.
const ITERATOR_TTL_MS: i64 = 15 * 60 * 1000;
/// GetRecords answers at most this much.
const GET_RECORDS_MAX_BYTES: usize = 1024 * 1024;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListStreamsInput {
    pub table_name: Option<String>,
    pub limit: Option<i64>,
    pub exclusive_start_stream_arn: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeStreamInput {
    pub stream_arn: String,
    pub limit: Option<i64>,
    pub exclusive_start_shard_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GetShardIteratorInput {
    pub stream_arn: String,
    pub shard_id: String,
    pub shard_iterator_type: String,
    pub sequence_number: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GetRecordsInput {
    pub shard_iterator: String,
    pub limit: Option<i64>,
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

fn iterator(stream: &StreamRow, position: i64) -> String {
    let inner = format!("{}:{}:{}", stream.id, position, now_ms());
    format!("{}|1|{}", stream.arn(), b64().encode(inner))
}

fn invalid_iterator() -> DynamoError {
    DynamoError::validation("Invalid ShardIterator")
}

/// (stream ARN, stream id, position, issued) of an iterator.
fn parse_iterator(text: &str) -> DynamoResult<(String, i64, i64, i64)> {
    let mut parts = text.splitn(3, '|');
    let (Some(arn), Some("1"), Some(opaque)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(invalid_iterator());
    };
    let inner = b64()
        .decode(opaque)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(invalid_iterator)?;
    let numbers: Vec<i64> = inner.split(':').filter_map(|n| n.parse().ok()).collect();
    match numbers.as_slice() {
        [id, position, issued] => Ok((arn.to_string(), *id, *position, *issued)),
        _ => Err(invalid_iterator()),
    }
}

fn shard_entry(stream: &StreamRow) -> Value {
    let mut range = json!({ "StartingSequenceNumber": sequence_number(stream.start_seq) });
    if stream.disabled_ms.is_some() {
        let end = stream.end_seq.unwrap_or(stream.start_seq);
        range["EndingSequenceNumber"] = json!(sequence_number(end));
    }
    json!({ "ShardId": stream.shard_id(), "SequenceNumberRange": range })
}

fn stream_for(conn: &Connection, caller: Caller<'_>, arn: &str) -> DynamoResult<StreamRow> {
    find_stream(conn, arn)?
        .filter(|s| s.account == caller.account && s.region == caller.region)
        .ok_or_else(|| stream_not_found(arn))
}

impl DynamoService {
    pub fn list_streams(&self, caller: Caller<'_>, input: ListStreamsInput) -> DynamoResult<Value> {
        let limit = input.limit.unwrap_or(100).clamp(1, 100) as usize;
        self.with(|conn| {
            let after = match &input.exclusive_start_stream_arn {
                Some(arn) => stream_for(conn, caller, arn)?.id,
                None => 0,
            };
            let mut streams = streams_where(
                conn,
                "account = ?1 AND region = ?2 AND id > ?3",
                &[&caller.account, &caller.region, &after],
            )?;
            if let Some(table) = &input.table_name {
                streams.retain(|s| &s.table_name == table);
            }
            let more = streams.len() > limit;
            streams.truncate(limit);
            let listed: Vec<Value> = streams
                .iter()
                .map(|s| json!({ "StreamArn": s.arn(), "TableName": s.table_name, "StreamLabel": s.label }))
                .collect();
            let mut out = json!({ "Streams": listed });
            if let (true, Some(last)) = (more, streams.last()) {
                out["LastEvaluatedStreamArn"] = json!(last.arn());
            }
            Ok(out)
        })
    }

    pub fn describe_stream(
        &self,
        caller: Caller<'_>,
        input: DescribeStreamInput,
    ) -> DynamoResult<Value> {
        self.with(|conn| {
            let stream = stream_for(conn, caller, &input.stream_arn)?;
            let shard_id = stream.shard_id();
            let shards = match &input.exclusive_start_shard_id {
                Some(start) if *start >= shard_id => vec![],
                _ => vec![shard_entry(&stream)],
            };
            Ok(json!({ "StreamDescription": {
                "StreamArn": stream.arn(),
                "StreamLabel": stream.label,
                "StreamStatus": if stream.disabled_ms.is_some() { "DISABLED" } else { "ENABLED" },
                "StreamViewType": stream.view_type,
                "CreationRequestDateTime": stream.created_ms as f64 / 1000.0,
                "TableName": stream.table_name,
                "KeySchema": stream.key_schema,
                "Shards": shards,
            }}))
        })
    }

    pub fn get_shard_iterator(
        &self,
        caller: Caller<'_>,
        input: GetShardIteratorInput,
    ) -> DynamoResult<Value> {
        self.with(|conn| {
            let stream = stream_for(conn, caller, &input.stream_arn)?;
            if input.shard_id != stream.shard_id() {
                return Err(DynamoError::not_found(format!(
                    "Requested resource not found: Shard does not exist: {}",
                    input.shard_id
                )));
            }
            let at = |after: i64| -> DynamoResult<i64> {
                let text = input.sequence_number.as_deref().ok_or_else(|| {
                    DynamoError::validation(format!(
                        "Must provide SequenceNumber for iterator type {}",
                        input.shard_iterator_type
                    ))
                })?;
                let seq = parse_sequence(text).ok_or_else(|| {
                    DynamoError::validation(format!("Invalid SequenceNumber: {text}"))
                })?;
                let end = stream.end_seq.unwrap_or(i64::MAX);
                if seq < stream.start_seq || seq > end {
                    return Err(DynamoError::validation(format!(
                        "Invalid SequenceNumber: {text} for shard: {}",
                        stream.shard_id()
                    )));
                }
                if seq < stream.horizon() {
                    return Err(trimmed());
                }
                Ok(seq + after)
            };
            let position = match input.shard_iterator_type.as_str() {
                "TRIM_HORIZON" => stream.horizon(),
                "LATEST" => latest_position(conn, &stream)?,
                "AT_SEQUENCE_NUMBER" => at(0)?,
                "AFTER_SEQUENCE_NUMBER" => at(1)?,
                other => {
                    return Err(DynamoError::validation(format!(
                        "1 validation error detected: Value '{other}' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_SEQUENCE_NUMBER, TRIM_HORIZON]"
                    )))
                }
            };
            Ok(json!({ "ShardIterator": iterator(&stream, position) }))
        })
    }

    pub fn get_records(&self, caller: Caller<'_>, input: GetRecordsInput) -> DynamoResult<Value> {
        let (arn, id, position, issued) = parse_iterator(&input.shard_iterator)?;
        if now_ms() - issued > ITERATOR_TTL_MS {
            return Err(DynamoError {
                code: "ExpiredIteratorException",
                message: "Iterator expired".into(),
                status: 400,
                extra: None,
            });
        }
        let limit = input.limit.unwrap_or(1000).clamp(1, 1000);
        self.with(|conn| {
            let stream = stream_for(conn, caller, &arn)?;
            if stream.id != id {
                return Err(invalid_iterator());
            }
            if position <= stream.trimmed_seq {
                return Err(trimmed());
            }
            let rows = records_from(conn, stream.id, position, limit)?;
            let mut bytes = 0;
            let mut records = Vec::with_capacity(rows.len());
            let mut next = position;
            for (seq, _, stored) in rows {
                bytes += stored.len();
                if bytes > GET_RECORDS_MAX_BYTES && !records.is_empty() {
                    break;
                }
                records.push(full_record(seq, &stored)?);
                next = seq + 1;
            }
            // An open shard goes on; a closed one ends after its last record.
            let ended = stream.end_seq.is_some_and(|end| next > end);
            let mut out = json!({ "Records": records });
            if !ended {
                out["NextShardIterator"] = json!(iterator(&stream, next));
            }
            Ok(out)
        })
    }
}

fn trimmed() -> DynamoError {
    DynamoError {
        code: "TrimmedDataAccessException",
        message: "The operation attempted to read past the oldest stream record in a shard.".into(),
        status: 400,
        extra: None,
    }
}
