//! Listing shards and resharding: SplitShard, MergeShards and
//! UpdateShardCount close their parent shards (an ending sequence number)
//! and open children that name their parents.

use crate::error::{KinesisError, KinesisResult};
use crate::keys;
use crate::streams::{
    insert_shard, load_shards, open_shards_in_account, read_token, resolve, shard_limit_error,
    write_token, ShardRow, StreamRow, SHARD_LIMIT,
};
use crate::types::*;
use crate::{now_ms, Caller, KinesisService};
use rusqlite::{params, Connection};

/// A ListShards NextToken stays good this long, as AWS's do.
const TOKEN_TTL_MS: i64 = 300_000;

fn close(conn: &Connection, shard: &ShardRow) -> KinesisResult<()> {
    conn.execute(
        "UPDATE kinesis_shards SET closed_counter = ?1 WHERE id = ?2",
        params![shard.next_counter - 1, shard.rowid],
    )?;
    Ok(())
}

fn take_indexes(conn: &Connection, stream: &StreamRow, count: i64) -> KinesisResult<i64> {
    conn.execute(
        "UPDATE kinesis_streams SET next_shard = next_shard + ?1 WHERE id = ?2",
        params![count, stream.id],
    )?;
    Ok(stream.next_shard)
}

fn open_shard(shards: &[ShardRow], stream: &StreamRow, shard_id: &str) -> KinesisResult<ShardRow> {
    let index = keys::shard_index(shard_id);
    let shard = shards
        .iter()
        .find(|s| Some(s.index) == index)
        .ok_or_else(|| {
            KinesisError::not_found(format!(
                "Could not find shard {shard_id} in stream {} under account {}.",
                stream.name, stream.account
            ))
        })?;
    if !shard.is_open() {
        return Err(KinesisError::in_use(format!(
            "Shard {shard_id} in stream {} under account {} has already been merged or split, \
             and thus is not eligible for merging or splitting.",
            stream.name, stream.account
        )));
    }
    Ok(shard.clone())
}

impl KinesisService {
    pub fn list_shards(
        &self,
        caller: Caller<'_>,
        input: ListShardsInput,
    ) -> KinesisResult<ListShardsOutput> {
        let named = input.stream.stream_name.is_some() || input.stream.stream_arn.is_some();
        let (stream_ref, mut after) = match &input.next_token {
            Some(_) if named => {
                return Err(KinesisError::invalid(
                    "NextToken and StreamName cannot be provided together.",
                ))
            }
            Some(token) => {
                let text = read_token(token).unwrap_or_default();
                let mut parts = text.split('|');
                let (Some(arn), Some(after), Some(issued)) = (
                    parts.next(),
                    parts.next().and_then(|p| p.parse::<i64>().ok()),
                    parts.next().and_then(|p| p.parse::<i64>().ok()),
                ) else {
                    return Err(KinesisError::invalid(format!("Invalid NextToken {token}")));
                };
                if now_ms() - issued > TOKEN_TTL_MS {
                    return Err(KinesisError::expired_token(
                        "The timestamp of the NextToken has expired.",
                    ));
                }
                let stream = StreamRef {
                    stream_name: None,
                    stream_arn: Some(arn.to_string()),
                };
                (stream, after)
            }
            None => (input.stream.clone(), -1),
        };
        if let Some(id) = &input.exclusive_start_shard_id {
            after = after.max(keys::shard_index(id).unwrap_or(-1));
        }
        let limit = input.max_results.unwrap_or(1000).clamp(1, 10_000) as usize;
        self.with(|conn| {
            let stream = resolve(conn, caller, &stream_ref)?;
            let filter = input.shard_filter.as_ref();
            if let Some(ShardFilter { kind, shard_id, .. }) = filter {
                if kind == "AFTER_SHARD_ID" {
                    let Some(id) = shard_id else {
                        return Err(KinesisError::invalid(
                            "Must specify ShardId with ShardFilter of type AFTER_SHARD_ID.",
                        ));
                    };
                    after = after.max(keys::shard_index(id).unwrap_or(-1));
                }
            }
            let only_open = filter.is_some_and(|f| f.kind == "AT_LATEST");
            let shards: Vec<ShardRow> = load_shards(conn, stream.id)?
                .into_iter()
                .filter(|s| s.index > after && (!only_open || s.is_open()))
                .collect();
            let more = shards.len() > limit;
            let page: Vec<ShardRow> = shards.into_iter().take(limit).collect();
            let next_token = match (more, page.last()) {
                (true, Some(last)) => Some(write_token(&format!(
                    "{}|{}|{}",
                    stream.arn(),
                    last.index,
                    now_ms()
                ))),
                _ => None,
            };
            Ok(ListShardsOutput {
                shards: page.iter().map(|s| s.describe(&stream)).collect(),
                next_token,
            })
        })
    }

    pub fn split_shard(&self, caller: Caller<'_>, input: SplitShardInput) -> KinesisResult<()> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            let stream = resolve(&tx, caller, &input.stream)?;
            let shards = load_shards(&tx, stream.id)?;
            let shard = open_shard(&shards, &stream, &input.shard_to_split)?;
            let key = input
                .new_starting_hash_key
                .parse::<u128>()
                .ok()
                .filter(|k| *k > shard.start_hash && *k <= shard.end_hash)
                .ok_or_else(|| {
                    KinesisError::invalid(format!(
                        "NewStartingHashKey {} used in SplitShard() on shard {} in stream {} \
                         under account {} is not both greater than one plus the shard's \
                         StartingHashKey {} and less than the shard's EndingHashKey {}.",
                        input.new_starting_hash_key,
                        input.shard_to_split,
                        stream.name,
                        stream.account,
                        shard.start_hash,
                        shard.end_hash
                    ))
                })?;
            if open_shards_in_account(&tx, caller.account, caller.region)? + 1 > SHARD_LIMIT {
                return Err(shard_limit_error(caller, 1));
            }
            close(&tx, &shard)?;
            let first = take_indexes(&tx, &stream, 2)?;
            let parents = (Some(shard.index), None);
            insert_shard(&tx, &stream, first, parents, (shard.start_hash, key - 1))?;
            insert_shard(&tx, &stream, first + 1, parents, (key, shard.end_hash))?;
            tx.commit()?;
            Ok(())
        })
    }

    pub fn merge_shards(&self, caller: Caller<'_>, input: MergeShardsInput) -> KinesisResult<()> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            let stream = resolve(&tx, caller, &input.stream)?;
            let shards = load_shards(&tx, stream.id)?;
            let a = open_shard(&shards, &stream, &input.shard_to_merge)?;
            let b = open_shard(&shards, &stream, &input.adjacent_shard_to_merge)?;
            let adjacent = a.end_hash.checked_add(1) == Some(b.start_hash)
                || b.end_hash.checked_add(1) == Some(a.start_hash);
            if !adjacent {
                return Err(KinesisError::invalid(format!(
                    "Shards {} and {} in stream {} under account {} are not an adjacent pair of \
                     shards eligible for merging",
                    input.shard_to_merge,
                    input.adjacent_shard_to_merge,
                    stream.name,
                    stream.account
                )));
            }
            close(&tx, &a)?;
            close(&tx, &b)?;
            let index = take_indexes(&tx, &stream, 1)?;
            let range = (a.start_hash.min(b.start_hash), a.end_hash.max(b.end_hash));
            insert_shard(&tx, &stream, index, (Some(a.index), Some(b.index)), range)?;
            tx.commit()?;
            Ok(())
        })
    }

    pub fn update_shard_count(
        &self,
        caller: Caller<'_>,
        input: UpdateShardCountInput,
    ) -> KinesisResult<UpdateShardCountOutput> {
        let target = input.target_shard_count;
        self.with(|conn| {
            let tx = conn.transaction()?;
            let stream = resolve(&tx, caller, &input.stream)?;
            let open: Vec<ShardRow> = load_shards(&tx, stream.id)?
                .into_iter()
                .filter(ShardRow::is_open)
                .collect();
            let current = open.len() as i64;
            if target > current * 2 {
                return Err(KinesisError::limit(format!(
                    "UpdateShardCount cannot scale up over double your current open shard count. \
                     Current open shard count: {current} Target shard count: {target}"
                )));
            }
            if target * 2 < current {
                return Err(KinesisError::limit(format!(
                    "UpdateShardCount cannot scale down below half your current open shard \
                     count. Current open shard count: {current} Target shard count: {target}"
                )));
            }
            let others = open_shards_in_account(&tx, caller.account, caller.region)? - current;
            if others + target > SHARD_LIMIT {
                return Err(shard_limit_error(caller, target - current));
            }
            if target != current {
                for shard in &open {
                    close(&tx, shard)?;
                }
                let first = take_indexes(&tx, &stream, target)?;
                let ranges = keys::split_range(0, u128::MAX, target as u32);
                for (i, (start, end)) in ranges.into_iter().enumerate() {
                    // The parents are the old shards the new range overlaps.
                    let mut overlapping = open
                        .iter()
                        .filter(|s| s.start_hash <= end && start <= s.end_hash)
                        .map(|s| s.index);
                    let parents = (overlapping.next(), overlapping.next());
                    insert_shard(&tx, &stream, first + i as i64, parents, (start, end))?;
                }
            }
            tx.commit()?;
            Ok(UpdateShardCountOutput {
                stream_name: stream.name.clone(),
                current_shard_count: current,
                target_shard_count: target,
                stream_arn: stream.arn(),
            })
        })
    }
}
