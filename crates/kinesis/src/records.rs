//! The data plane: PutRecord(s) route by hash key to the open shard owning
//! it and take the shard's next counter; shard iterators and GetRecords read
//! a shard in counter order, hiding what is past the retention period.

use crate::error::{KinesisError, KinesisResult};
use crate::keys::{self, Iterator};
use crate::streams::{find_stream, load_shards, parse_stream_arn, resolve, ShardRow, StreamRow};
use crate::types::*;
use crate::{now_ms, Caller, KinesisService};
use base64::Engine;
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::HashMap;

/// The most a record's data and partition key may hold together.
const RECORD_MAX_BYTES: usize = 1024 * 1024;
const PUT_RECORDS_MAX_BYTES: usize = 5 * 1024 * 1024;
/// GetRecords answers at most this much data.
const GET_RECORDS_MAX_BYTES: usize = 10 * 1024 * 1024;
/// Shard iterators expire five minutes after they were handed out.
const ITERATOR_TTL_MS: i64 = 300_000;

/// Where a poller starts or resumes reading a shard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShardPosition {
    TrimHorizon,
    Latest,
    AtTimestamp(i64),
    AfterSequenceNumber(String),
}

/// One decoded record to put.
struct Entry {
    data: Vec<u8>,
    partition_key: String,
    explicit_hash_key: Option<String>,
}

fn decode_data(data: &str) -> KinesisResult<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|_| KinesisError::new_serialization())
}

impl KinesisError {
    fn new_serialization() -> Self {
        KinesisError {
            code: "SerializationException",
            message: "Data is not valid base64.".into(),
            status: 400,
        }
    }
}

fn hash_key(entry: &Entry) -> KinesisResult<u128> {
    match &entry.explicit_hash_key {
        Some(text) => text.parse::<u128>().map_err(|_| {
            KinesisError::invalid(format!(
                "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. \
                 Specified value was {text}"
            ))
        }),
        None => Ok(keys::hash_of(&entry.partition_key)),
    }
}

/// Stores `entries` in one transaction; answers each one's shard and sequence number.
fn put(
    conn: &mut Connection,
    caller: Caller<'_>,
    stream: &StreamRef,
    entries: &[Entry],
) -> KinesisResult<Vec<(String, String)>> {
    let hashes = entries
        .iter()
        .map(hash_key)
        .collect::<KinesisResult<Vec<_>>>()?;
    let tx = conn.transaction()?;
    let stream = resolve(&tx, caller, stream)?;
    let mut shards: Vec<ShardRow> = load_shards(&tx, stream.id)?
        .into_iter()
        .filter(ShardRow::is_open)
        .collect();
    let arrival = now_ms();
    let mut placed = Vec::with_capacity(entries.len());
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO kinesis_records (shard, counter, partition_key, data, arrival_ms)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (entry, hash) in entries.iter().zip(hashes) {
            let shard = shards
                .iter_mut()
                .find(|s| s.start_hash <= hash && hash <= s.end_hash)
                .ok_or_else(|| KinesisError::internal("no open shard owns the hash key"))?;
            let counter = shard.next_counter;
            shard.next_counter += 1;
            insert.execute(params![
                shard.rowid,
                counter,
                entry.partition_key,
                entry.data,
                arrival
            ])?;
            placed.push((
                keys::shard_id(shard.index),
                keys::sequence_number(shard.index, counter, stream.created_ms),
            ));
        }
        let mut bump =
            tx.prepare_cached("UPDATE kinesis_shards SET next_counter = ?1 WHERE id = ?2")?;
        for shard in &shards {
            bump.execute(params![shard.next_counter, shard.rowid])?;
        }
    }
    tx.commit()?;
    Ok(placed)
}

fn too_big(field: &str) -> KinesisError {
    KinesisError::validation(format!(
        "1 validation error detected: Value at '{field}' failed to satisfy constraint: Member \
         must have length less than or equal to {RECORD_MAX_BYTES}"
    ))
}

impl KinesisService {
    pub fn put_record(
        &self,
        caller: Caller<'_>,
        input: PutRecordInput,
    ) -> KinesisResult<PutRecordOutput> {
        let entry = Entry {
            data: decode_data(&input.data)?,
            partition_key: input.partition_key,
            explicit_hash_key: input.explicit_hash_key,
        };
        if entry.data.len() > RECORD_MAX_BYTES {
            return Err(too_big("data"));
        }
        let mut placed = self.with(|conn| put(conn, caller, &input.stream, &[entry]))?;
        let (shard_id, sequence_number) = placed
            .pop()
            .ok_or_else(|| KinesisError::internal("the record was not stored"))?;
        Ok(PutRecordOutput {
            shard_id,
            sequence_number,
        })
    }

    pub fn put_records(
        &self,
        caller: Caller<'_>,
        input: PutRecordsInput,
    ) -> KinesisResult<PutRecordsOutput> {
        let mut entries = Vec::with_capacity(input.records.len());
        let mut total = 0;
        for (i, record) in input.records.into_iter().enumerate() {
            let data = decode_data(&record.data)?;
            if data.len() > RECORD_MAX_BYTES {
                return Err(too_big(&format!("records.{}.member.data", i + 1)));
            }
            total += data.len() + record.partition_key.len();
            entries.push(Entry {
                data,
                partition_key: record.partition_key,
                explicit_hash_key: record.explicit_hash_key,
            });
        }
        if total > PUT_RECORDS_MAX_BYTES {
            return Err(KinesisError::invalid("Records size exceeds 5 MB limit"));
        }
        let placed = self.with(|conn| put(conn, caller, &input.stream, &entries))?;
        Ok(PutRecordsOutput {
            failed_record_count: 0,
            records: placed
                .into_iter()
                .map(|(shard_id, sequence_number)| PutRecordsResultEntry {
                    sequence_number: Some(sequence_number),
                    shard_id: Some(shard_id),
                    error_code: None,
                    error_message: None,
                })
                .collect(),
        })
    }

    pub fn get_shard_iterator(
        &self,
        caller: Caller<'_>,
        input: GetShardIteratorInput,
    ) -> KinesisResult<GetShardIteratorOutput> {
        self.with(|conn| {
            let stream = resolve(conn, caller, &input.stream)?;
            let shard = find_shard(conn, &stream, &input.shard_id)?;
            let kind = input.shard_iterator_type.as_str();
            let next_counter = match (kind, &input.starting_sequence_number) {
                ("AT_SEQUENCE_NUMBER" | "AFTER_SEQUENCE_NUMBER", None) => {
                    return Err(KinesisError::invalid(format!(
                        "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and \
                         StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no \
                         StartingSequenceNumber. Request specified {kind} and no \
                         StartingSequenceNumber."
                    )))
                }
                ("AT_SEQUENCE_NUMBER" | "AFTER_SEQUENCE_NUMBER", Some(seq)) => {
                    let counter = counter_in_shard(&stream, &shard, seq)?;
                    if kind == "AT_SEQUENCE_NUMBER" {
                        counter
                    } else {
                        counter + 1
                    }
                }
                (_, Some(_)) => {
                    return Err(KinesisError::invalid(format!(
                        "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and \
                         StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no \
                         StartingSequenceNumber. Request specified {kind} and also a \
                         StartingSequenceNumber."
                    )))
                }
                ("TRIM_HORIZON", None) => 0,
                ("LATEST", None) => shard.next_counter,
                ("AT_TIMESTAMP", None) => match input.timestamp {
                    Some(seconds) => counter_at(conn, &shard, (seconds * 1000.0) as i64)?,
                    None => {
                        return Err(KinesisError::invalid(
                            "Must specify timestampInMillis parameter for iterator of type \
                             AT_TIMESTAMP. Current request has no timestamp parameter.",
                        ))
                    }
                },
                _ => {
                    return Err(KinesisError::invalid(format!(
                        "Invalid ShardIteratorType {kind}"
                    )))
                }
            };
            Ok(GetShardIteratorOutput {
                shard_iterator: iterator(&stream, &shard, next_counter).encode(),
            })
        })
    }

    /// The iterator names its stream, so the caller's scope plays no part.
    pub fn get_records(&self, input: GetRecordsInput) -> KinesisResult<GetRecordsOutput> {
        let it = Iterator::decode(&input.shard_iterator)?;
        let now = now_ms();
        if now - it.issued_ms > ITERATOR_TTL_MS {
            return Err(KinesisError::expired_iterator(format!(
                "Iterator expired. The iterator was created at time {} while right now it is {} \
                 which is further in the future than the tolerated delay of {ITERATOR_TTL_MS} \
                 milliseconds.",
                it.issued_ms, now
            )));
        }
        let limit = input.limit.unwrap_or(10_000).clamp(1, 10_000);
        self.with(|conn| {
            let stream = stream_by_id(conn, &it)?;
            let shard = load_shards(conn, stream.id)?
                .into_iter()
                .find(|s| s.index == it.shard_index)
                .ok_or_else(|| shard_not_found(&stream, &keys::shard_id(it.shard_index)))?;
            let (records, next_counter) = read(conn, &stream, &shard, it.next_counter, limit, now)?;
            let behind: Option<i64> = conn
                .query_row(
                    "SELECT arrival_ms FROM kinesis_records WHERE shard = ?1 AND counter >= ?2
                     ORDER BY counter LIMIT 1",
                    params![shard.rowid, next_counter],
                    |row| row.get(0),
                )
                .optional()?;
            let ended = shard
                .closed_counter
                .is_some_and(|closed| next_counter > closed);
            let child_shards = if ended {
                Some(children(conn, &stream, &shard)?)
            } else {
                None
            };
            Ok(GetRecordsOutput {
                records,
                next_shard_iterator: (!ended)
                    .then(|| iterator(&stream, &shard, next_counter).encode()),
                millis_behind_latest: behind.map_or(0, |arrival| (now - arrival).max(0)),
                child_shards,
            })
        })
    }

    /// Up to `limit` records of a shard from `position`, for pollers: the
    /// records, and whether the shard is closed and read to its end.
    pub fn read_shard(
        &self,
        stream_arn: &str,
        shard_id: &str,
        position: &ShardPosition,
        limit: i64,
    ) -> KinesisResult<(Vec<Record>, bool)> {
        let (account, region, name) = parse_stream_arn(stream_arn)
            .ok_or_else(|| KinesisError::invalid(format!("Invalid StreamARN {stream_arn}")))?;
        self.with(|conn| {
            let stream = find_stream(conn, &account, &region, &name)?
                .ok_or_else(|| KinesisError::stream_not_found(&name, &account))?;
            let shard = find_shard(conn, &stream, shard_id)?;
            let from = match position {
                ShardPosition::TrimHorizon => 0,
                ShardPosition::Latest => shard.next_counter,
                ShardPosition::AtTimestamp(ms) => counter_at(conn, &shard, *ms)?,
                ShardPosition::AfterSequenceNumber(seq) => {
                    counter_in_shard(&stream, &shard, seq)? + 1
                }
            };
            let (records, next) = read(conn, &stream, &shard, from, limit, now_ms())?;
            let ended = shard.closed_counter.is_some_and(|closed| next > closed);
            Ok((records, ended))
        })
    }

    /// The sequence number a LATEST position stands for right now (the
    /// last record of the shard, or its start), so a poller can checkpoint it.
    pub fn latest_sequence_number(
        &self,
        stream_arn: &str,
        shard_id: &str,
    ) -> KinesisResult<String> {
        let (account, region, name) = parse_stream_arn(stream_arn)
            .ok_or_else(|| KinesisError::invalid(format!("Invalid StreamARN {stream_arn}")))?;
        self.with(|conn| {
            let stream = find_stream(conn, &account, &region, &name)?
                .ok_or_else(|| KinesisError::stream_not_found(&name, &account))?;
            let shard = find_shard(conn, &stream, shard_id)?;
            Ok(keys::sequence_number(
                shard.index,
                shard.next_counter - 1,
                stream.created_ms,
            ))
        })
    }
}

fn iterator(stream: &StreamRow, shard: &ShardRow, next_counter: i64) -> Iterator {
    Iterator {
        account: stream.account.clone(),
        stream_name: stream.name.clone(),
        stream_id: stream.id,
        shard_index: shard.index,
        next_counter,
        issued_ms: now_ms(),
    }
}

fn stream_by_id(conn: &Connection, it: &Iterator) -> KinesisResult<StreamRow> {
    let region: Option<String> = conn
        .query_row(
            "SELECT region FROM kinesis_streams WHERE id = ?1",
            params![it.stream_id],
            |row| row.get(0),
        )
        .optional()?;
    let not_found = || KinesisError::stream_not_found(&it.stream_name, &it.account);
    let region = region.ok_or_else(not_found)?;
    find_stream(conn, &it.account, &region, &it.stream_name)?
        .filter(|s| s.id == it.stream_id)
        .ok_or_else(not_found)
}

fn shard_not_found(stream: &StreamRow, shard_id: &str) -> KinesisError {
    KinesisError::not_found(format!(
        "Shard {shard_id} in stream {} under account {} does not exist",
        stream.name, stream.account
    ))
}

fn find_shard(conn: &Connection, stream: &StreamRow, shard_id: &str) -> KinesisResult<ShardRow> {
    let index = keys::shard_index(shard_id);
    load_shards(conn, stream.id)?
        .into_iter()
        .find(|s| Some(s.index) == index)
        .ok_or_else(|| shard_not_found(stream, shard_id))
}

/// The counter a sequence number names, checked to belong to `shard`.
fn counter_in_shard(stream: &StreamRow, shard: &ShardRow, seq: &str) -> KinesisResult<i64> {
    let shard_id = keys::shard_id(shard.index);
    let (index, counter) = keys::parse_sequence_number(seq).ok_or_else(|| {
        KinesisError::invalid(format!(
            "StartingSequenceNumber {seq} used in GetShardIterator on shard {shard_id} in stream \
             {} under account {} is invalid.",
            stream.name, stream.account
        ))
    })?;
    if index != shard.index {
        return Err(KinesisError::invalid(format!(
            "Invalid StartingSequenceNumber. It encodes {}, while it was used in a call to a \
             shard with {shard_id}",
            keys::shard_id(index)
        )));
    }
    Ok(counter)
}

/// The first counter that arrived at or after `ms`, else the shard's next one.
fn counter_at(conn: &Connection, shard: &ShardRow, ms: i64) -> KinesisResult<i64> {
    let found: Option<i64> = conn
        .query_row(
            "SELECT counter FROM kinesis_records WHERE shard = ?1 AND arrival_ms >= ?2
             ORDER BY counter LIMIT 1",
            params![shard.rowid, ms],
            |row| row.get(0),
        )
        .optional()?;
    Ok(found.unwrap_or(shard.next_counter))
}

/// Records from `from` on (within retention), and the counter after the last one read.
fn read(
    conn: &Connection,
    stream: &StreamRow,
    shard: &ShardRow,
    from: i64,
    limit: i64,
    now: i64,
) -> KinesisResult<(Vec<Record>, i64)> {
    let mut statement = conn.prepare_cached(
        "SELECT counter, partition_key, data, arrival_ms FROM kinesis_records
         WHERE shard = ?1 AND counter >= ?2 AND arrival_ms >= ?3 ORDER BY counter LIMIT ?4",
    )?;
    let mut rows = statement.query(params![
        shard.rowid,
        from,
        stream.retention_cutoff_ms(now),
        limit
    ])?;
    let mut records = Vec::new();
    let mut next = from;
    let mut bytes = 0;
    let engine = base64::engine::general_purpose::STANDARD;
    while let Some(row) = rows.next()? {
        let counter: i64 = row.get(0)?;
        let data: Vec<u8> = row.get(2)?;
        bytes += data.len();
        if bytes > GET_RECORDS_MAX_BYTES && !records.is_empty() {
            break;
        }
        let arrival_ms: i64 = row.get(3)?;
        records.push(Record {
            sequence_number: keys::sequence_number(shard.index, counter, stream.created_ms),
            approximate_arrival_timestamp: seconds(arrival_ms),
            data: engine.encode(&data),
            partition_key: row.get(1)?,
            arrival_ms,
        });
        next = counter + 1;
    }
    // Nothing visible from `from` on: whatever lies between is past the
    // retention period, so the next read starts at the shard's tip.
    if records.is_empty() {
        next = from.max(shard.next_counter);
    }
    Ok((records, next))
}

/// The shards whose parent (or adjacent parent) is `shard`.
fn children(
    conn: &Connection,
    stream: &StreamRow,
    shard: &ShardRow,
) -> KinesisResult<Vec<ChildShard>> {
    let all = load_shards(conn, stream.id)?;
    let by_index: HashMap<i64, &ShardRow> = all.iter().map(|s| (s.index, s)).collect();
    Ok(all
        .iter()
        .filter(|s| s.parent == Some(shard.index) || s.adjacent_parent == Some(shard.index))
        .map(|s| ChildShard {
            shard_id: keys::shard_id(s.index),
            parent_shards: s
                .parent
                .iter()
                .chain(&s.adjacent_parent)
                .filter(|p| by_index.contains_key(p))
                .map(|p| keys::shard_id(*p))
                .collect(),
            hash_key_range: s.hash_range(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_service;

    const CALLER: Caller<'static> = Caller {
        account: "123456789012",
        region: "us-east-1",
    };

    fn stream(name: &str) -> StreamRef {
        StreamRef {
            stream_name: Some(name.into()),
            stream_arn: None,
        }
    }

    #[test]
    fn an_iterator_older_than_five_minutes_has_expired() {
        let k = test_service();
        k.create_stream(
            CALLER,
            CreateStreamInput {
                stream_name: "s".into(),
                shard_count: Some(1),
                ..Default::default()
            },
        )
        .unwrap();
        let fresh = k
            .get_shard_iterator(
                CALLER,
                GetShardIteratorInput {
                    stream: stream("s"),
                    shard_id: "shardId-000000000000".into(),
                    shard_iterator_type: "TRIM_HORIZON".into(),
                    ..Default::default()
                },
            )
            .unwrap()
            .shard_iterator;
        let mut old = Iterator::decode(&fresh).unwrap();
        old.issued_ms -= ITERATOR_TTL_MS + 1;
        let e = k
            .get_records(GetRecordsInput {
                shard_iterator: old.encode(),
                limit: None,
            })
            .unwrap_err();
        assert_eq!(e.code, "ExpiredIteratorException");
        assert!(e.message.starts_with("Iterator expired."), "{}", e.message);
        let got = k
            .get_records(GetRecordsInput {
                shard_iterator: fresh,
                limit: None,
            })
            .unwrap();
        assert!(got.records.is_empty() && got.next_shard_iterator.is_some());
    }

    #[test]
    fn records_past_retention_are_hidden_then_swept() {
        let k = test_service();
        k.create_stream(
            CALLER,
            CreateStreamInput {
                stream_name: "s".into(),
                shard_count: Some(1),
                ..Default::default()
            },
        )
        .unwrap();
        for data in ["YQ==", "Yg=="] {
            k.put_record(
                CALLER,
                PutRecordInput {
                    stream: stream("s"),
                    data: data.into(),
                    partition_key: "p".into(),
                    ..Default::default()
                },
            )
            .unwrap();
        }
        // The first record arrived 25 hours ago: past the default 24.
        k.db.call_blocking(|conn| {
            conn.execute(
                "UPDATE kinesis_records SET arrival_ms = arrival_ms - 90000000 WHERE counter = 1",
                [],
            )
        })
        .unwrap();
        let arn = "arn:aws:kinesis:us-east-1:123456789012:stream/s";
        let shard = "shardId-000000000000";
        let (visible, _) = k
            .read_shard(arn, shard, &ShardPosition::TrimHorizon, 10)
            .unwrap();
        assert_eq!(visible.len(), 1);
        assert_eq!(visible[0].data, "Yg==");
        assert_eq!(k.sweep_expired().unwrap(), 1);
        assert_eq!(k.sweep_expired().unwrap(), 0);
    }

    #[test]
    fn read_shard_follows_positions_and_reports_a_finished_parent() {
        let k = test_service();
        k.create_stream(
            CALLER,
            CreateStreamInput {
                stream_name: "s".into(),
                shard_count: Some(1),
                ..Default::default()
            },
        )
        .unwrap();
        let arn = "arn:aws:kinesis:us-east-1:123456789012:stream/s";
        let shard = "shardId-000000000000";
        let put = |data: &str| {
            k.put_record(
                CALLER,
                PutRecordInput {
                    stream: stream("s"),
                    data: base64::engine::general_purpose::STANDARD.encode(data),
                    partition_key: "p".into(),
                    ..Default::default()
                },
            )
            .unwrap()
            .sequence_number
        };
        let first = put("a");
        put("b");
        let (all, ended) = k
            .read_shard(arn, shard, &ShardPosition::TrimHorizon, 10)
            .unwrap();
        assert_eq!(all.len(), 2);
        assert!(!ended);
        let after = ShardPosition::AfterSequenceNumber(first);
        let (rest, _) = k.read_shard(arn, shard, &after, 10).unwrap();
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].data, "Yg==");
        let (latest, _) = k
            .read_shard(arn, shard, &ShardPosition::Latest, 10)
            .unwrap();
        assert!(latest.is_empty());
        k.split_shard(
            CALLER,
            SplitShardInput {
                stream: stream("s"),
                shard_to_split: shard.into(),
                new_starting_hash_key: "100".into(),
            },
        )
        .unwrap();
        let last = ShardPosition::AfterSequenceNumber(rest[0].sequence_number.clone());
        let (none, ended) = k.read_shard(arn, shard, &last, 10).unwrap();
        assert!(none.is_empty() && ended);
        let shards = k.shards_of(arn).unwrap();
        assert_eq!(shards.len(), 3);
        assert_eq!(shards[1].parents, vec![shard.to_string()]);
        assert!(!shards[0].open && shards[1].open);
    }
}
