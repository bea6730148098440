//! What a stream poller (an event source mapping) needs of a stream: its
//! shard, records from a position, and durable checkpoints kept per reader.

use super::{
    find_stream, full_record, latest_position, parse_sequence, records_from, sequence_number,
    stream_not_found, StreamRow,
};
use crate::error::{DynamoError, DynamoResult};
use crate::DynamoService;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;

/// Where a poller starts or resumes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamPosition {
    TrimHorizon,
    Latest,
    AfterSequenceNumber(String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamCheckpoint {
    pub sequence_number: Option<String>,
    pub finished: bool,
}

/// One record for a poller: the record as Lambda delivers it (without
/// `eventSourceARN`), its sequence number and when it was written.
#[derive(Debug, Clone)]
pub struct StreamRecordRow {
    pub sequence_number: String,
    pub created_ms: i64,
    pub record: Value,
}

fn stream(conn: &Connection, arn: &str) -> DynamoResult<StreamRow> {
    find_stream(conn, arn)?.ok_or_else(|| stream_not_found(arn))
}

impl DynamoService {
    /// The shards of a stream: (shard id, open).
    pub fn stream_shards(&self, arn: &str) -> DynamoResult<Vec<(String, bool)>> {
        self.with(|conn| {
            let s = stream(conn, arn)?;
            Ok(vec![(s.shard_id(), s.disabled_ms.is_none())])
        })
    }

    /// Up to `limit` records of the stream's shard from `position`, and
    /// whether the shard is closed and read to its end.
    pub fn read_stream(
        &self,
        arn: &str,
        shard_id: &str,
        position: &StreamPosition,
        limit: i64,
    ) -> DynamoResult<(Vec<StreamRecordRow>, bool)> {
        self.with(|conn| {
            let s = stream(conn, arn)?;
            if s.shard_id() != shard_id {
                return Err(DynamoError::not_found(format!(
                    "Requested resource not found: Shard does not exist: {shard_id}"
                )));
            }
            let from = match position {
                StreamPosition::TrimHorizon => s.horizon(),
                StreamPosition::Latest => latest_position(conn, &s)?,
                StreamPosition::AfterSequenceNumber(seq) => parse_sequence(seq)
                    .map(|n| n + 1)
                    .ok_or_else(|| {
                        DynamoError::validation(format!("Invalid SequenceNumber: {seq}"))
                    })?
                    .max(s.horizon()),
            };
            let mut out = Vec::new();
            let mut next = from;
            for (seq, created_ms, stored) in records_from(conn, s.id, from, limit)? {
                out.push(StreamRecordRow {
                    sequence_number: sequence_number(seq),
                    created_ms,
                    record: full_record(seq, &stored)?,
                });
                next = seq + 1;
            }
            let ended = out.is_empty() && s.end_seq.is_some_and(|end| next > end);
            Ok((out, ended))
        })
    }

    /// The sequence number LATEST stands for now (the last record written,
    /// or the one before the stream's start), so a poller can checkpoint it.
    pub fn latest_stream_sequence(&self, arn: &str) -> DynamoResult<String> {
        self.with(|conn| {
            let s = stream(conn, arn)?;
            Ok(sequence_number(latest_position(conn, &s)? - 1))
        })
    }

    /// A reader's checkpoints in a stream, by shard id.
    pub fn stream_checkpoints(
        &self,
        reader: &str,
        arn: &str,
    ) -> DynamoResult<Vec<(String, StreamCheckpoint)>> {
        self.with(|conn| {
            let s = stream(conn, arn)?;
            let found: Option<(Option<String>, i64)> = conn
                .query_row(
                    "SELECT sequence, finished FROM dynamodb_stream_checkpoints WHERE reader = ?1 AND stream_id = ?2",
                    params![reader, s.id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            Ok(found
                .map(|(sequence_number, finished)| {
                    let checkpoint = StreamCheckpoint {
                        sequence_number,
                        finished: finished != 0,
                    };
                    vec![(s.shard_id(), checkpoint)]
                })
                .unwrap_or_default())
        })
    }

    /// Records (committed before it returns) how far a reader got.
    pub fn save_stream_checkpoint(
        &self,
        reader: &str,
        arn: &str,
        checkpoint: &StreamCheckpoint,
    ) -> DynamoResult<()> {
        self.with(|conn| {
            let s = stream(conn, arn)?;
            conn.execute(
                "INSERT INTO dynamodb_stream_checkpoints (reader, stream_id, sequence, finished)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (reader, stream_id)
                 DO UPDATE SET sequence = excluded.sequence, finished = excluded.finished",
                params![
                    reader,
                    s.id,
                    checkpoint.sequence_number,
                    i64::from(checkpoint.finished)
                ],
            )?;
            Ok(())
        })
    }

    /// Forgets a reader's checkpoints (its mapping is gone).
    pub fn forget_stream_reader(&self, reader: &str) -> DynamoResult<()> {
        self.with(|conn| {
            conn.execute(
                "DELETE FROM dynamodb_stream_checkpoints WHERE reader = ?1",
                params![reader],
            )?;
            Ok(())
        })
    }
}
