//! How far a stream mapping is behind: the records after its checkpoint in
//! each unfinished shard, and how old the oldest of them is (what
//! `IteratorAge` would report if it were handed over now).

use crate::source::{Checkpoint, Position, ShardSource};
use laminar_lambda_core::clock;
use serde::Serialize;

/// How many records one read asks for while counting.
const COUNT_PAGE: i64 = 10_000;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamBacklog {
    /// Records not yet processed, summed over the shards.
    pub records_behind: u64,
    /// Age of the oldest record not yet processed (0 when none wait).
    pub iterator_age_ms: i64,
}

/// Counts what `reader` (a mapping's UUID) has not processed of `stream_arn`.
pub(crate) fn measure(
    source: &dyn ShardSource,
    reader: &str,
    stream_arn: &str,
) -> Result<StreamBacklog, String> {
    let checkpoints = source.checkpoints(reader, stream_arn)?;
    let now = clock::now_ms();
    let mut backlog = StreamBacklog::default();
    for shard in source.shards(stream_arn)? {
        let checkpoint = checkpoints.get(&shard.shard_id);
        if checkpoint.is_some_and(|c| c.finished) {
            continue;
        }
        // A shard without a checkpoint has not been started: all of it waits.
        let mut position = match checkpoint {
            Some(Checkpoint {
                sequence_number: Some(seq),
                ..
            }) => Position::AfterSequenceNumber(seq.clone()),
            _ => Position::TrimHorizon,
        };
        loop {
            let (records, _) = source.read(stream_arn, &shard.shard_id, &position, COUNT_PAGE)?;
            let Some(last) = records.last() else {
                break;
            };
            if let Some(oldest) = records.iter().map(|r| r.arrival_ms).min() {
                backlog.iterator_age_ms = backlog.iterator_age_ms.max(now - oldest);
            }
            backlog.records_behind += records.len() as u64;
            position = Position::AfterSequenceNumber(last.sequence_number.clone());
        }
    }
    Ok(backlog)
}
