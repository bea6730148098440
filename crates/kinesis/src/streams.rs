//! Streams: create, describe, list, delete, retention and tags; the stream
//! and shard rows every operation reads.

use crate::error::{KinesisError, KinesisResult};
use crate::keys;
use crate::types::*;
use crate::{now_ms, Caller, KinesisService};
use base64::Engine;
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::BTreeMap;

/// ON_DEMAND streams start with four shards, as AWS's do.
const ON_DEMAND_SHARDS: i64 = 4;
/// The default shard quota of an account in a region.
pub(crate) const SHARD_LIMIT: i64 = 500;
const DEFAULT_RETENTION: i64 = 24;
const MAX_RETENTION: i64 = 8760;

#[derive(Debug, Clone)]
pub(crate) struct StreamRow {
    pub id: i64,
    pub account: String,
    pub region: String,
    pub name: String,
    pub mode: String,
    pub retention_hours: i64,
    pub created_ms: i64,
    pub tags: BTreeMap<String, String>,
    pub next_shard: i64,
}

impl StreamRow {
    pub fn arn(&self) -> String {
        stream_arn(&self.region, &self.account, &self.name)
    }

    pub fn retention_cutoff_ms(&self, now: i64) -> i64 {
        now - self.retention_hours * 3_600_000
    }
}

pub fn stream_arn(region: &str, account: &str, name: &str) -> String {
    format!("arn:aws:kinesis:{region}:{account}:stream/{name}")
}

/// A shard as the store keeps it.
#[derive(Debug, Clone)]
pub(crate) struct ShardRow {
    pub rowid: i64,
    pub index: i64,
    pub parent: Option<i64>,
    pub adjacent_parent: Option<i64>,
    pub start_hash: u128,
    pub end_hash: u128,
    pub next_counter: i64,
    pub closed_counter: Option<i64>,
}

impl ShardRow {
    pub fn is_open(&self) -> bool {
        self.closed_counter.is_none()
    }

    pub fn describe(&self, stream: &StreamRow) -> Shard {
        Shard {
            shard_id: keys::shard_id(self.index),
            parent_shard_id: self.parent.map(keys::shard_id),
            adjacent_parent_shard_id: self.adjacent_parent.map(keys::shard_id),
            hash_key_range: self.hash_range(),
            sequence_number_range: SequenceNumberRange {
                starting_sequence_number: keys::sequence_number(self.index, 0, stream.created_ms),
                ending_sequence_number: self
                    .closed_counter
                    .map(|c| keys::sequence_number(self.index, c, stream.created_ms)),
            },
        }
    }

    pub fn hash_range(&self) -> HashKeyRange {
        HashKeyRange {
            starting_hash_key: self.start_hash.to_string(),
            ending_hash_key: self.end_hash.to_string(),
        }
    }
}

/// A shard as a consumer of the stream (an event source poller) sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardInfo {
    pub shard_id: String,
    pub parents: Vec<String>,
    pub open: bool,
}

fn stream_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StreamRow> {
    let tags: String = row.get(7)?;
    Ok(StreamRow {
        id: row.get(0)?,
        account: row.get(1)?,
        region: row.get(2)?,
        name: row.get(3)?,
        mode: row.get(4)?,
        retention_hours: row.get(5)?,
        created_ms: row.get(6)?,
        tags: serde_json::from_str(&tags).unwrap_or_default(),
        next_shard: row.get(8)?,
    })
}

const STREAM_COLUMNS: &str =
    "id, account, region, name, mode, retention_hours, created_ms, tags, next_shard";

pub(crate) fn find_stream(
    conn: &Connection,
    account: &str,
    region: &str,
    name: &str,
) -> KinesisResult<Option<StreamRow>> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {STREAM_COLUMNS} FROM kinesis_streams
                 WHERE account = ?1 AND region = ?2 AND name = ?3"
            ),
            params![account, region, name],
            stream_from_row,
        )
        .optional()?)
}

/// The (account, region, name) a stream ARN names.
pub(crate) fn parse_stream_arn(arn: &str) -> Option<(String, String, String)> {
    let mut parts = arn.splitn(6, ':');
    let (_, _, service, region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let name = resource.strip_prefix("stream/")?;
    if service != "kinesis" || name.is_empty() || name.contains('/') {
        return None;
    }
    Some((account.to_string(), region.to_string(), name.to_string()))
}

/// The stream a request names, by name in the caller's account or by ARN.
pub(crate) fn resolve(
    conn: &Connection,
    caller: Caller<'_>,
    stream: &StreamRef,
) -> KinesisResult<StreamRow> {
    let (account, region, name) = match (&stream.stream_name, &stream.stream_arn) {
        (_, Some(arn)) => {
            let (account, region, name) = parse_stream_arn(arn)
                .ok_or_else(|| KinesisError::invalid(format!("Invalid StreamARN {arn}")))?;
            if stream.stream_name.as_ref().is_some_and(|n| *n != name) {
                return Err(KinesisError::invalid(
                    "StreamARN and StreamName do not name the same stream.",
                ));
            }
            (account, region, name)
        }
        (Some(name), None) => (
            caller.account.to_string(),
            caller.region.to_string(),
            name.clone(),
        ),
        (None, None) => {
            return Err(KinesisError::invalid(
                "Either StreamName or StreamARN must be provided.",
            ))
        }
    };
    find_stream(conn, &account, &region, &name)?
        .ok_or_else(|| KinesisError::stream_not_found(&name, &account))
}

pub(crate) fn load_shards(conn: &Connection, stream_id: i64) -> KinesisResult<Vec<ShardRow>> {
    let mut statement = conn.prepare_cached(
        "SELECT id, shard_index, parent, adjacent_parent, start_hash, end_hash, next_counter,
                closed_counter
         FROM kinesis_shards WHERE stream_id = ?1 ORDER BY shard_index",
    )?;
    let rows = statement.query_map(params![stream_id], |row| {
        let start: String = row.get(4)?;
        let end: String = row.get(5)?;
        Ok(ShardRow {
            rowid: row.get(0)?,
            index: row.get(1)?,
            parent: row.get(2)?,
            adjacent_parent: row.get(3)?,
            start_hash: start.parse().unwrap_or(0),
            end_hash: end.parse().unwrap_or(u128::MAX),
            next_counter: row.get(6)?,
            closed_counter: row.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn insert_shard(
    conn: &Connection,
    stream: &StreamRow,
    index: i64,
    parents: (Option<i64>, Option<i64>),
    range: (u128, u128),
) -> KinesisResult<()> {
    conn.execute(
        "INSERT INTO kinesis_shards
             (stream_id, shard_index, parent, adjacent_parent, start_hash, end_hash, created_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            stream.id,
            index,
            parents.0,
            parents.1,
            range.0.to_string(),
            range.1.to_string(),
            now_ms()
        ],
    )?;
    Ok(())
}

/// Open shards across the account and region, for the shard quota.
pub(crate) fn open_shards_in_account(
    conn: &Connection,
    account: &str,
    region: &str,
) -> KinesisResult<i64> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM kinesis_shards s JOIN kinesis_streams t ON s.stream_id = t.id
         WHERE t.account = ?1 AND t.region = ?2 AND s.closed_counter IS NULL",
        params![account, region],
        |row| row.get(0),
    )?)
}

pub(crate) fn shard_limit_error(caller: Caller<'_>, more: i64) -> KinesisError {
    KinesisError::limit(format!(
        "This request would exceed the shard limit for the account {} in {}. Current Limit: \
         {SHARD_LIMIT}. Number of additional shards that would have resulted from this request: \
         {more}. Refer to the AWS Service Limits page \
         (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current \
         limits and how to request higher limits.",
        caller.account, caller.region
    ))
}

fn mode_details(stream: &StreamRow) -> StreamModeDetails {
    StreamModeDetails {
        stream_mode: stream.mode.clone(),
    }
}

fn page_token(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

pub(crate) fn read_token(token: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(token)
        .ok()?;
    String::from_utf8(bytes).ok()
}

pub(crate) fn write_token(text: &str) -> String {
    page_token(text)
}

impl KinesisService {
    pub fn create_stream(&self, caller: Caller<'_>, input: CreateStreamInput) -> KinesisResult<()> {
        let mode = input
            .stream_mode_details
            .map(|m| m.stream_mode)
            .unwrap_or_else(|| "PROVISIONED".to_string());
        let count = match (mode.as_str(), input.shard_count) {
            ("ON_DEMAND", None) => ON_DEMAND_SHARDS,
            ("ON_DEMAND", Some(_)) => {
                return Err(KinesisError::validation(
                    "ShardCount is not allowed for streams in ON_DEMAND mode.",
                ))
            }
            (_, Some(count)) => count,
            (_, None) => {
                return Err(KinesisError::validation(
                    "ShardCount is required for streams in PROVISIONED mode.",
                ))
            }
        };
        self.with(|conn| {
            let tx = conn.transaction()?;
            if find_stream(&tx, caller.account, caller.region, &input.stream_name)?.is_some() {
                return Err(KinesisError::in_use(format!(
                    "Stream {} under account {} already exists.",
                    input.stream_name, caller.account
                )));
            }
            let open = open_shards_in_account(&tx, caller.account, caller.region)?;
            if open + count > SHARD_LIMIT {
                return Err(shard_limit_error(caller, count));
            }
            let created = now_ms();
            tx.execute(
                "INSERT INTO kinesis_streams
                     (account, region, name, mode, retention_hours, created_ms, tags, next_shard)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    caller.account,
                    caller.region,
                    input.stream_name,
                    mode,
                    DEFAULT_RETENTION,
                    created,
                    serde_json::to_string(&input.tags).unwrap_or_else(|_| "{}".into()),
                    count
                ],
            )?;
            let stream = find_stream(&tx, caller.account, caller.region, &input.stream_name)?
                .ok_or_else(|| KinesisError::internal("the new stream was not stored"))?;
            let ranges = keys::split_range(0, u128::MAX, count as u32);
            for (index, range) in ranges.into_iter().enumerate() {
                insert_shard(&tx, &stream, index as i64, (None, None), range)?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    pub fn delete_stream(&self, caller: Caller<'_>, input: DeleteStreamInput) -> KinesisResult<()> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            let stream = resolve(&tx, caller, &input.stream)?;
            let consumers: i64 = tx.query_row(
                "SELECT COUNT(*) FROM kinesis_consumers WHERE stream_id = ?1",
                params![stream.id],
                |row| row.get(0),
            )?;
            if consumers > 0 && input.enforce_consumer_deletion != Some(true) {
                return Err(KinesisError::in_use(format!(
                    "Stream {} under account {} has registered consumers.",
                    stream.name, stream.account
                )));
            }
            tx.execute(
                "DELETE FROM kinesis_records WHERE shard IN
                     (SELECT id FROM kinesis_shards WHERE stream_id = ?1)",
                params![stream.id],
            )?;
            tx.execute(
                "DELETE FROM kinesis_shards WHERE stream_id = ?1",
                params![stream.id],
            )?;
            tx.execute(
                "DELETE FROM kinesis_consumers WHERE stream_id = ?1",
                params![stream.id],
            )?;
            tx.execute(
                "DELETE FROM kinesis_checkpoints WHERE stream_id = ?1",
                params![stream.id],
            )?;
            tx.execute(
                "DELETE FROM kinesis_streams WHERE id = ?1",
                params![stream.id],
            )?;
            tx.commit()?;
            Ok(())
        })
    }

    pub fn describe_stream(
        &self,
        caller: Caller<'_>,
        input: DescribeStreamInput,
    ) -> KinesisResult<DescribeStreamOutput> {
        self.with(|conn| {
            let stream = resolve(conn, caller, &input.stream)?;
            let after = match &input.exclusive_start_shard_id {
                Some(id) => keys::shard_index(id).unwrap_or(-1),
                None => -1,
            };
            let limit = input.limit.unwrap_or(100).max(1) as usize;
            let shards: Vec<Shard> = load_shards(conn, stream.id)?
                .iter()
                .filter(|s| s.index > after)
                .map(|s| s.describe(&stream))
                .collect();
            let has_more_shards = shards.len() > limit;
            Ok(DescribeStreamOutput {
                stream_description: StreamDescription {
                    stream_name: stream.name.clone(),
                    stream_arn: stream.arn(),
                    stream_status: "ACTIVE".into(),
                    stream_mode_details: mode_details(&stream),
                    shards: shards.into_iter().take(limit).collect(),
                    has_more_shards,
                    retention_period_hours: stream.retention_hours,
                    stream_creation_timestamp: seconds(stream.created_ms),
                    enhanced_monitoring: vec![EnhancedMetrics::default()],
                    encryption_type: "NONE".into(),
                },
            })
        })
    }

    pub fn describe_stream_summary(
        &self,
        caller: Caller<'_>,
        input: StreamRef,
    ) -> KinesisResult<DescribeStreamSummaryOutput> {
        self.with(|conn| {
            let stream = resolve(conn, caller, &input)?;
            let open = load_shards(conn, stream.id)?
                .iter()
                .filter(|s| s.is_open())
                .count() as i64;
            let consumers: i64 = conn.query_row(
                "SELECT COUNT(*) FROM kinesis_consumers WHERE stream_id = ?1",
                params![stream.id],
                |row| row.get(0),
            )?;
            Ok(DescribeStreamSummaryOutput {
                stream_description_summary: StreamDescriptionSummary {
                    stream_name: stream.name.clone(),
                    stream_arn: stream.arn(),
                    stream_status: "ACTIVE".into(),
                    stream_mode_details: mode_details(&stream),
                    retention_period_hours: stream.retention_hours,
                    stream_creation_timestamp: seconds(stream.created_ms),
                    enhanced_monitoring: vec![EnhancedMetrics::default()],
                    encryption_type: "NONE".into(),
                    open_shard_count: open,
                    consumer_count: consumers,
                    max_record_size_in_kib: 1024,
                },
            })
        })
    }

    pub fn list_streams(
        &self,
        caller: Caller<'_>,
        input: ListStreamsInput,
    ) -> KinesisResult<ListStreamsOutput> {
        let after = match (&input.next_token, &input.exclusive_start_stream_name) {
            (Some(token), _) => Some(
                read_token(token)
                    .ok_or_else(|| KinesisError::invalid(format!("Invalid NextToken {token}")))?,
            ),
            (None, name) => name.clone(),
        };
        let limit = input.limit.unwrap_or(100).max(1) as usize;
        self.with(|conn| {
            let mut statement = conn.prepare_cached(&format!(
                "SELECT {STREAM_COLUMNS} FROM kinesis_streams
                 WHERE account = ?1 AND region = ?2 AND name > ?3 ORDER BY name LIMIT ?4"
            ))?;
            let streams = statement
                .query_map(
                    params![
                        caller.account,
                        caller.region,
                        after.unwrap_or_default(),
                        limit as i64 + 1
                    ],
                    stream_from_row,
                )?
                .collect::<Result<Vec<_>, _>>()?;
            let has_more_streams = streams.len() > limit;
            let streams: Vec<StreamRow> = streams.into_iter().take(limit).collect();
            Ok(ListStreamsOutput {
                stream_names: streams.iter().map(|s| s.name.clone()).collect(),
                has_more_streams,
                next_token: has_more_streams
                    .then(|| streams.last().map(|s| page_token(&s.name)))
                    .flatten(),
                stream_summaries: streams
                    .iter()
                    .map(|s| StreamSummary {
                        stream_name: s.name.clone(),
                        stream_arn: s.arn(),
                        stream_status: "ACTIVE".into(),
                        stream_mode_details: mode_details(s),
                        stream_creation_timestamp: seconds(s.created_ms),
                    })
                    .collect(),
            })
        })
    }

    pub fn increase_retention(
        &self,
        caller: Caller<'_>,
        input: RetentionInput,
    ) -> KinesisResult<()> {
        self.set_retention(caller, input, true)
    }

    pub fn decrease_retention(
        &self,
        caller: Caller<'_>,
        input: RetentionInput,
    ) -> KinesisResult<()> {
        self.set_retention(caller, input, false)
    }

    fn set_retention(
        &self,
        caller: Caller<'_>,
        input: RetentionInput,
        increase: bool,
    ) -> KinesisResult<()> {
        let hours = input.retention_period_hours;
        self.with(|conn| {
            let tx = conn.transaction()?;
            let stream = resolve(&tx, caller, &input.stream)?;
            if !(DEFAULT_RETENTION..=MAX_RETENTION).contains(&hours) {
                return Err(KinesisError::invalid(format!(
                    "Minimum allowed retention period is {DEFAULT_RETENTION} hours. Maximum \
                     allowed retention period is {MAX_RETENTION} hours. Requested retention \
                     period ({hours} hours) is too {}.",
                    if hours < DEFAULT_RETENTION {
                        "short"
                    } else {
                        "long"
                    }
                )));
            }
            if increase && hours < stream.retention_hours {
                return Err(KinesisError::invalid(format!(
                    "Requested retention period ({hours} hours) for stream {} can not be shorter \
                     than existing retention period ({} hours). Use \
                     DecreaseRetentionPeriod API.",
                    stream.name, stream.retention_hours
                )));
            }
            if !increase && hours > stream.retention_hours {
                return Err(KinesisError::invalid(format!(
                    "Requested retention period ({hours} hours) for stream {} can not be longer \
                     than existing retention period ({} hours). Use \
                     IncreaseRetentionPeriod API.",
                    stream.name, stream.retention_hours
                )));
            }
            tx.execute(
                "UPDATE kinesis_streams SET retention_hours = ?1 WHERE id = ?2",
                params![hours, stream.id],
            )?;
            tx.commit()?;
            Ok(())
        })
    }

    pub fn add_tags(&self, caller: Caller<'_>, input: AddTagsInput) -> KinesisResult<()> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            let stream = resolve(&tx, caller, &input.stream)?;
            let mut tags = stream.tags.clone();
            tags.extend(input.tags);
            if tags.len() > 50 {
                return Err(KinesisError::invalid(format!(
                    "Failed to add tags to stream {} under account {} because a given stream \
                     can't have more than 50 tags.",
                    stream.name, stream.account
                )));
            }
            save_tags(&tx, stream.id, &tags)?;
            tx.commit()?;
            Ok(())
        })
    }

    pub fn remove_tags(&self, caller: Caller<'_>, input: RemoveTagsInput) -> KinesisResult<()> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            let stream = resolve(&tx, caller, &input.stream)?;
            let mut tags = stream.tags.clone();
            for key in &input.tag_keys {
                tags.remove(key);
            }
            save_tags(&tx, stream.id, &tags)?;
            tx.commit()?;
            Ok(())
        })
    }

    pub fn list_tags(
        &self,
        caller: Caller<'_>,
        input: ListTagsInput,
    ) -> KinesisResult<ListTagsOutput> {
        self.with(|conn| {
            let stream = resolve(conn, caller, &input.stream)?;
            let limit = input.limit.unwrap_or(50).max(1) as usize;
            let after = input.exclusive_start_tag_key.unwrap_or_default();
            let tags: Vec<Tag> = stream
                .tags
                .iter()
                .filter(|(k, _)| after.is_empty() || k.as_str() > after.as_str())
                .map(|(k, v)| Tag {
                    key: k.clone(),
                    value: v.clone(),
                })
                .collect();
            Ok(ListTagsOutput {
                has_more_tags: tags.len() > limit,
                tags: tags.into_iter().take(limit).collect(),
            })
        })
    }

    /// The shards of a stream named by ARN, with their lineage, for pollers.
    pub fn shards_of(&self, stream_arn: &str) -> KinesisResult<Vec<ShardInfo>> {
        let (account, region, name) = parse_stream_arn(stream_arn)
            .ok_or_else(|| KinesisError::invalid(format!("Invalid StreamARN {stream_arn}")))?;
        self.with(|conn| {
            let stream = find_stream(conn, &account, &region, &name)?
                .ok_or_else(|| KinesisError::stream_not_found(&name, &account))?;
            Ok(load_shards(conn, stream.id)?
                .iter()
                .map(|s| ShardInfo {
                    shard_id: keys::shard_id(s.index),
                    parents: s
                        .parent
                        .iter()
                        .chain(&s.adjacent_parent)
                        .map(|p| keys::shard_id(*p))
                        .collect(),
                    open: s.is_open(),
                })
                .collect())
        })
    }
}

fn save_tags(
    conn: &Connection,
    stream_id: i64,
    tags: &BTreeMap<String, String>,
) -> KinesisResult<()> {
    conn.execute(
        "UPDATE kinesis_streams SET tags = ?1 WHERE id = ?2",
        params![
            serde_json::to_string(tags).unwrap_or_else(|_| "{}".into()),
            stream_id
        ],
    )?;
    Ok(())
}
