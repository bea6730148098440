//! Enhanced fan-out consumers: registered, described, listed and
//! deregistered (SubscribeToShard, an HTTP/2 event stream, is not served).

use crate::error::{KinesisError, KinesisResult};
use crate::streams::{find_stream, parse_stream_arn, read_token, write_token, StreamRow};
use crate::types::*;
use crate::{now_ms, KinesisService};
use rusqlite::{params, Connection, OptionalExtension};

fn consumer_arn(stream: &StreamRow, name: &str, created_ms: i64) -> String {
    format!("{}/consumer/{name}:{}", stream.arn(), created_ms / 1000)
}

/// The stream ARN and consumer name a consumer ARN holds.
fn parse_consumer_arn(arn: &str) -> Option<(String, String)> {
    let (stream_arn, rest) = arn.split_once("/consumer/")?;
    let (name, _created) = rest.rsplit_once(':')?;
    Some((stream_arn.to_string(), name.to_string()))
}

fn stream_of(conn: &Connection, stream_arn: &str) -> KinesisResult<StreamRow> {
    let (account, region, name) = parse_stream_arn(stream_arn)
        .ok_or_else(|| KinesisError::invalid(format!("Invalid StreamARN {stream_arn}")))?;
    find_stream(conn, &account, &region, &name)?
        .ok_or_else(|| KinesisError::stream_not_found(&name, &account))
}

fn describe(stream: &StreamRow, name: &str, created_ms: i64) -> ConsumerDescription {
    ConsumerDescription {
        consumer_name: name.to_string(),
        consumer_arn: consumer_arn(stream, name, created_ms),
        consumer_status: "ACTIVE".into(),
        consumer_creation_timestamp: seconds(created_ms),
        stream_arn: stream.arn(),
    }
}

fn summary(d: ConsumerDescription) -> Consumer {
    Consumer {
        consumer_name: d.consumer_name,
        consumer_arn: d.consumer_arn,
        consumer_status: d.consumer_status,
        consumer_creation_timestamp: d.consumer_creation_timestamp,
    }
}

/// The consumer an input names (by its ARN, or stream ARN and name).
fn find(conn: &Connection, input: &ConsumerInput) -> KinesisResult<(StreamRow, String, i64)> {
    let (stream_arn, name) = match (&input.consumer_arn, &input.stream_arn, &input.consumer_name) {
        (Some(arn), _, _) => parse_consumer_arn(arn)
            .ok_or_else(|| KinesisError::invalid(format!("Invalid ConsumerARN {arn}")))?,
        (None, Some(stream), Some(name)) => (stream.clone(), name.clone()),
        _ => {
            return Err(KinesisError::invalid(
                "Either ConsumerARN or both ConsumerName and StreamARN must be provided.",
            ))
        }
    };
    let stream = stream_of(conn, &stream_arn)?;
    let created: Option<i64> = conn
        .query_row(
            "SELECT created_ms FROM kinesis_consumers WHERE stream_id = ?1 AND name = ?2",
            params![stream.id, name],
            |row| row.get(0),
        )
        .optional()?;
    let created = created
        .filter(|ms| {
            input
                .consumer_arn
                .as_ref()
                .is_none_or(|arn| *arn == consumer_arn(&stream, &name, *ms))
        })
        .ok_or_else(|| {
            KinesisError::not_found(format!(
                "Consumer {name} under stream {} under account {} not found.",
                stream.name, stream.account
            ))
        })?;
    Ok((stream, name, created))
}

impl KinesisService {
    pub fn register_consumer(&self, input: ConsumerInput) -> KinesisResult<RegisterConsumerOutput> {
        let (Some(stream_arn), Some(name)) = (&input.stream_arn, &input.consumer_name) else {
            return Err(KinesisError::invalid(
                "StreamARN and ConsumerName must be provided.",
            ));
        };
        self.with(|conn| {
            let tx = conn.transaction()?;
            let stream = stream_of(&tx, stream_arn)?;
            let exists: Option<i64> = tx
                .query_row(
                    "SELECT 1 FROM kinesis_consumers WHERE stream_id = ?1 AND name = ?2",
                    params![stream.id, name],
                    |row| row.get(0),
                )
                .optional()?;
            if exists.is_some() {
                return Err(KinesisError::in_use(format!(
                    "Consumer {name} under stream {} already exists for account {}.",
                    stream.name, stream.account
                )));
            }
            let count: i64 = tx.query_row(
                "SELECT COUNT(*) FROM kinesis_consumers WHERE stream_id = ?1",
                params![stream.id],
                |row| row.get(0),
            )?;
            if count >= 20 {
                return Err(KinesisError::limit(format!(
                    "Stream {} under account {} has reached the maximum of 20 registered \
                     consumers.",
                    stream.name, stream.account
                )));
            }
            let created = now_ms();
            tx.execute(
                "INSERT INTO kinesis_consumers (stream_id, name, created_ms) VALUES (?1, ?2, ?3)",
                params![stream.id, name, created],
            )?;
            tx.commit()?;
            Ok(RegisterConsumerOutput {
                consumer: summary(describe(&stream, name, created)),
            })
        })
    }

    pub fn describe_consumer(&self, input: ConsumerInput) -> KinesisResult<DescribeConsumerOutput> {
        self.with(|conn| {
            let (stream, name, created) = find(conn, &input)?;
            Ok(DescribeConsumerOutput {
                consumer_description: describe(&stream, &name, created),
            })
        })
    }

    pub fn deregister_consumer(&self, input: ConsumerInput) -> KinesisResult<()> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            let (stream, name, _) = find(&tx, &input)?;
            tx.execute(
                "DELETE FROM kinesis_consumers WHERE stream_id = ?1 AND name = ?2",
                params![stream.id, name],
            )?;
            tx.commit()?;
            Ok(())
        })
    }

    pub fn list_consumers(&self, input: ListConsumersInput) -> KinesisResult<ListConsumersOutput> {
        let after = match &input.next_token {
            Some(token) => read_token(token)
                .ok_or_else(|| KinesisError::invalid(format!("Invalid NextToken {token}")))?,
            None => String::new(),
        };
        let limit = input.max_results.unwrap_or(100).clamp(1, 10_000);
        self.with(|conn| {
            let stream = stream_of(conn, &input.stream_arn)?;
            let mut statement = conn.prepare_cached(
                "SELECT name, created_ms FROM kinesis_consumers
                 WHERE stream_id = ?1 AND name > ?2 ORDER BY name LIMIT ?3",
            )?;
            let rows = statement
                .query_map(params![stream.id, after, limit + 1], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let more = rows.len() as i64 > limit;
            let page: Vec<(String, i64)> = rows.into_iter().take(limit as usize).collect();
            Ok(ListConsumersOutput {
                next_token: more
                    .then(|| page.last().map(|(name, _)| write_token(name)))
                    .flatten(),
                consumers: page
                    .iter()
                    .map(|(name, created)| summary(describe(&stream, name, *created)))
                    .collect(),
            })
        })
    }
}
