//! Durable reader checkpoints: the last sequence number a reader (an event
//! source mapping, named by an id of its own) processed in each shard, and
//! which closed shards it finished. They go with the stream when it is
//! deleted.

use crate::error::{KinesisError, KinesisResult};
use crate::keys;
use crate::streams::{find_stream, parse_stream_arn, StreamRow};
use crate::KinesisService;
use rusqlite::{params, Connection};
use std::collections::HashMap;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checkpoint {
    pub sequence_number: Option<String>,
    pub finished: bool,
}

fn stream_of(conn: &Connection, stream_arn: &str) -> KinesisResult<StreamRow> {
    let (account, region, name) = parse_stream_arn(stream_arn)
        .ok_or_else(|| KinesisError::invalid(format!("Invalid StreamARN {stream_arn}")))?;
    find_stream(conn, &account, &region, &name)?
        .ok_or_else(|| KinesisError::stream_not_found(&name, &account))
}

impl KinesisService {
    /// A reader's checkpoints in a stream, by shard id.
    pub fn checkpoints(
        &self,
        reader: &str,
        stream_arn: &str,
    ) -> KinesisResult<HashMap<String, Checkpoint>> {
        self.with(|conn| {
            let stream = stream_of(conn, stream_arn)?;
            let mut statement = conn.prepare_cached(
                "SELECT shard_index, sequence, finished FROM kinesis_checkpoints
                 WHERE reader = ?1 AND stream_id = ?2",
            )?;
            let rows = statement.query_map(params![reader, stream.id], |row| {
                Ok((
                    keys::shard_id(row.get(0)?),
                    Checkpoint {
                        sequence_number: row.get(1)?,
                        finished: row.get::<_, i64>(2)? != 0,
                    },
                ))
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Records (committed before it returns) how far a reader got in a shard.
    pub fn save_checkpoint(
        &self,
        reader: &str,
        stream_arn: &str,
        shard_id: &str,
        checkpoint: &Checkpoint,
    ) -> KinesisResult<()> {
        let index = keys::shard_index(shard_id)
            .ok_or_else(|| KinesisError::invalid(format!("Invalid ShardId {shard_id}")))?;
        self.with(|conn| {
            let stream = stream_of(conn, stream_arn)?;
            conn.execute(
                "INSERT INTO kinesis_checkpoints (reader, stream_id, shard_index, sequence, finished)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (reader, stream_id, shard_index)
                 DO UPDATE SET sequence = excluded.sequence, finished = excluded.finished",
                params![
                    reader,
                    stream.id,
                    index,
                    checkpoint.sequence_number,
                    i64::from(checkpoint.finished)
                ],
            )?;
            Ok(())
        })
    }

    /// Forgets a reader's checkpoints in every stream (its mapping is gone).
    pub fn forget_reader(&self, reader: &str) -> KinesisResult<()> {
        self.with(|conn| {
            conn.execute(
                "DELETE FROM kinesis_checkpoints WHERE reader = ?1",
                params![reader],
            )?;
            Ok(())
        })
    }
}
