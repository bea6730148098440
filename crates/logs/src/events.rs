//! Log events: PutLogEvents, GetLogEvents (forward / backward tokens) and
//! FilterLogEvents (patterns across streams).

use crate::error::{LogsError, LogsResult};
use crate::names::{check_group_name, check_stream_name};
use crate::pattern::FilterPattern;
use crate::streams::{group_name, sequence_token};
use crate::tables::{self, GroupRow};
use crate::{now_ms, LogEvent, LogsService};
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

const MAX_BATCH_EVENTS: usize = 10_000;
const MAX_BATCH_BYTES: usize = 1_048_576;
/// What each event adds to the batch size, beyond its message.
const EVENT_OVERHEAD_BYTES: usize = 26;
const DAY_MS: i64 = 86_400_000;
const MAX_AGE_MS: i64 = 14 * DAY_MS;
const MAX_AHEAD_MS: i64 = 2 * 3_600_000;
const DEFAULT_EVENTS_LIMIT: i64 = 10_000;
/// A GetLogEvents or FilterLogEvents answer holds at most this much (AWS:
/// "up to 1 MB"); the rest is one token away.
const RESPONSE_BYTES_MAX: usize = 1024 * 1024;

/// How many events, in order, fit in one answer (at least one).
fn fitting(message_lengths: impl Iterator<Item = usize>) -> usize {
    let mut bytes = 0;
    let mut count = 0;
    for length in message_lengths {
        bytes += length + EVENT_OVERHEAD_BYTES;
        if count > 0 && bytes > RESPONSE_BYTES_MAX {
            break;
        }
        count += 1;
    }
    count
}
/// FilterLogEvents reads the table in chunks, and stops after this many rows
/// with a nextToken so that one call never scans forever.
const FILTER_CHUNK: i64 = 1_000;
const FILTER_SCAN_MAX: usize = 100_000;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct InputLogEvent {
    pub timestamp: i64,
    pub message: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PutLogEventsRequest {
    pub log_group_name: String,
    pub log_stream_name: String,
    pub log_events: Vec<InputLogEvent>,
    pub sequence_token: Option<String>,
}

#[derive(Debug, Default, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RejectedLogEventsInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub too_new_log_event_start_index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub too_old_log_event_end_index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expired_log_event_end_index: Option<usize>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PutLogEventsResponse {
    pub next_sequence_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejected_log_events_info: Option<RejectedLogEventsInfo>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GetLogEventsRequest {
    pub log_group_name: Option<String>,
    pub log_group_identifier: Option<String>,
    pub log_stream_name: String,
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
    pub next_token: Option<String>,
    pub limit: Option<i64>,
    pub start_from_head: Option<bool>,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct OutputEvent {
    pub timestamp: i64,
    pub message: String,
    pub ingestion_time: i64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GetLogEventsResponse {
    pub events: Vec<OutputEvent>,
    pub next_forward_token: String,
    pub next_backward_token: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FilterLogEventsRequest {
    pub log_group_name: Option<String>,
    pub log_group_identifier: Option<String>,
    pub log_stream_names: Option<Vec<String>>,
    pub log_stream_name_prefix: Option<String>,
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
    pub filter_pattern: Option<String>,
    pub next_token: Option<String>,
    pub limit: Option<i64>,
    pub interleaved: Option<bool>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FilteredEvent {
    pub log_stream_name: String,
    pub timestamp: i64,
    pub message: String,
    pub ingestion_time: i64,
    pub event_id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchedLogStream {
    pub log_stream_name: String,
    pub searched_completely: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FilterLogEventsResponse {
    pub events: Vec<FilteredEvent>,
    pub searched_log_streams: Vec<SearchedLogStream>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// A place in a stream or group: events are ordered by (timestamp, id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Position {
    timestamp_ms: i64,
    id: i64,
}

impl Position {
    const START: Self = Self {
        timestamp_ms: i64::MIN,
        id: 0,
    };
    const END: Self = Self {
        timestamp_ms: i64::MAX,
        id: i64::MAX,
    };

    fn encode(self) -> String {
        format!("{}/{}", self.timestamp_ms, self.id)
    }

    fn decode(text: &str) -> LogsResult<Self> {
        let invalid = || LogsError::invalid("The specified nextToken is invalid.");
        let (ts, id) = text.split_once('/').ok_or_else(invalid)?;
        let id: i64 = id.parse().map_err(|_| invalid())?;
        // Event ids are positive; a token with anything else was not ours.
        if id < 0 {
            return Err(invalid());
        }
        Ok(Self {
            timestamp_ms: ts.parse().map_err(|_| invalid())?,
            id,
        })
    }
}

/// Which way GetLogEvents reads: after a position, or before one.
enum Direction {
    Forward(Position),
    Backward(Position),
}

fn check_limit(limit: Option<i64>) -> LogsResult<i64> {
    let limit = limit.unwrap_or(DEFAULT_EVENTS_LIMIT);
    if !(1..=DEFAULT_EVENTS_LIMIT).contains(&limit) {
        return Err(LogsError::invalid(format!(
            "1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 10000"
        )));
    }
    Ok(limit)
}

/// Which events of a batch are accepted; the rest are reported as rejected.
fn triage(
    events: &[InputLogEvent],
    now: i64,
    retention_cutoff: i64,
) -> (std::ops::Range<usize>, Option<RejectedLogEventsInfo>) {
    let too_old_end = events
        .iter()
        .take_while(|e| e.timestamp < now - MAX_AGE_MS)
        .count();
    let expired_end = events
        .iter()
        .take_while(|e| e.timestamp < retention_cutoff)
        .count();
    let too_new_start = events
        .iter()
        .position(|e| e.timestamp > now + MAX_AHEAD_MS)
        .unwrap_or(events.len());
    let info = RejectedLogEventsInfo {
        too_new_log_event_start_index: (too_new_start < events.len()).then_some(too_new_start),
        too_old_log_event_end_index: (too_old_end > 0).then_some(too_old_end),
        expired_log_event_end_index: (expired_end > 0).then_some(expired_end),
    };
    let start = too_old_end.max(expired_end).min(too_new_start);
    let rejected = info != RejectedLogEventsInfo::default();
    (start..too_new_start, rejected.then_some(info))
}

fn check_batch(events: &[InputLogEvent]) -> LogsResult<()> {
    if events.is_empty() || events.len() > MAX_BATCH_EVENTS {
        return Err(LogsError::invalid(format!(
            "1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length between 1 and {MAX_BATCH_EVENTS}"
        )));
    }
    let bytes: usize = events
        .iter()
        .map(|e| e.message.len() + EVENT_OVERHEAD_BYTES)
        .sum();
    if bytes > MAX_BATCH_BYTES {
        return Err(LogsError::invalid(format!(
            "Upload too large: {bytes} bytes exceeds limit of {MAX_BATCH_BYTES}"
        )));
    }
    if events.iter().any(|e| e.message.is_empty()) {
        return Err(LogsError::invalid(
            "1 validation error detected: Value '' at 'logEvents.member.message' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ));
    }
    if events.windows(2).any(|w| w[1].timestamp < w[0].timestamp) {
        return Err(LogsError::invalid(
            "Log events in a single PutLogEvents request must be in chronological order.",
        ));
    }
    let span = events
        .last()
        .map_or(0, |l| l.timestamp)
        .checked_sub(events.first().map_or(0, |f| f.timestamp))
        .unwrap_or(i64::MAX);
    if span > DAY_MS {
        return Err(LogsError::invalid(
            "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.",
        ));
    }
    Ok(())
}

impl LogsService {
    pub fn put_log_events(
        &self,
        account: &str,
        region: &str,
        req: PutLogEventsRequest,
    ) -> LogsResult<PutLogEventsResponse> {
        check_group_name("logGroupName", &req.log_group_name)?;
        check_stream_name("logStreamName", &req.log_stream_name)?;
        check_batch(&req.log_events)?;
        let now = now_ms();
        self.with(|conn| {
            let group = tables::group(conn, account, region, &req.log_group_name)?;
            let stream_id = tables::stream_id(conn, group.id, &req.log_stream_name)?
                .ok_or_else(LogsError::stream_not_found)?;
            let (accepted, rejected) = triage(&req.log_events, now, group.cutoff_ms(now));
            let events: Vec<LogEvent> = req.log_events[accepted]
                .iter()
                .map(|e| LogEvent {
                    timestamp_ms: e.timestamp,
                    message: e.message.clone(),
                })
                .collect();
            let tx = conn.transaction()?;
            let inserted = tables::insert_events(&tx, group.id, stream_id, &events, now)?;
            tx.commit()?;
            if inserted.captured {
                self.wake.notify_one();
            }
            let sequence = inserted.sequence;
            Ok(PutLogEventsResponse {
                next_sequence_token: sequence_token(sequence),
                rejected_log_events_info: rejected,
            })
        })
    }

    pub fn get_log_events(
        &self,
        account: &str,
        region: &str,
        req: GetLogEventsRequest,
    ) -> LogsResult<GetLogEventsResponse> {
        let group_name = group_name(
            req.log_group_name.as_deref(),
            req.log_group_identifier.as_deref(),
        )?;
        check_stream_name("logStreamName", &req.log_stream_name)?;
        let limit = check_limit(req.limit)?;
        let direction = match req.next_token.as_deref() {
            Some(token) if token.starts_with("f/") => {
                Direction::Forward(Position::decode(&token[2..])?)
            }
            Some(token) if token.starts_with("b/") => {
                Direction::Backward(Position::decode(&token[2..])?)
            }
            Some(_) => return Err(LogsError::invalid("The specified nextToken is invalid.")),
            None if req.start_from_head.unwrap_or(false) => Direction::Forward(Position::START),
            None => Direction::Backward(Position::END),
        };
        self.with(|conn| {
            let group = tables::group(conn, account, region, &group_name)?;
            let stream_id = tables::stream_id(conn, group.id, &req.log_stream_name)?
                .ok_or_else(LogsError::stream_not_found)?;
            let start = req
                .start_time
                .unwrap_or(i64::MIN)
                .max(group.cutoff_ms(now_ms()));
            let end = req.end_time.unwrap_or(i64::MAX);
            let (sql, position) = match direction {
                Direction::Forward(p) => (
                    "SELECT timestamp_ms, id, message, ingestion_ms FROM logs_events
                     WHERE stream_id = ?1 AND timestamp_ms >= ?2 AND timestamp_ms < ?3 AND (timestamp_ms, id) > (?4, ?5)
                     ORDER BY timestamp_ms, id LIMIT ?6",
                    p,
                ),
                Direction::Backward(p) => (
                    "SELECT timestamp_ms, id, message, ingestion_ms FROM logs_events
                     WHERE stream_id = ?1 AND timestamp_ms >= ?2 AND timestamp_ms < ?3 AND (timestamp_ms, id) < (?4, ?5)
                     ORDER BY timestamp_ms DESC, id DESC LIMIT ?6",
                    p,
                ),
            };
            let mut query = conn.prepare_cached(sql)?;
            let rows = query.query_map(
                params![
                    stream_id,
                    start,
                    end,
                    position.timestamp_ms,
                    position.id,
                    limit
                ],
                |row| {
                    Ok((
                        Position {
                            timestamp_ms: row.get(0)?,
                            id: row.get(1)?,
                        },
                        OutputEvent {
                            timestamp: row.get(0)?,
                            message: row.get(2)?,
                            ingestion_time: row.get(3)?,
                        },
                    ))
                },
            )?;
            let mut found = rows.collect::<Result<Vec<_>, _>>()?;
            // In reading order (nearest the position first): keep what fits.
            found.truncate(fitting(found.iter().map(|(_, e)| e.message.len())));
            if matches!(direction, Direction::Backward(_)) {
                found.reverse();
            }
            let (forward, backward) = match (found.first(), found.last()) {
                (Some((first, _)), Some((last, _))) => (*last, *first),
                _ => match direction {
                    // Nothing (new) to read: the same place, so that polling
                    // with the forward token picks up only what comes later.
                    Direction::Forward(p) => (
                        p,
                        Position {
                            timestamp_ms: p.timestamp_ms,
                            id: p.id.saturating_add(1),
                        },
                    ),
                    Direction::Backward(p) if p == Position::END => (Position::START, Position::START),
                    Direction::Backward(p) => (
                        Position {
                            timestamp_ms: p.timestamp_ms,
                            id: p.id.saturating_sub(1),
                        },
                        p,
                    ),
                },
            };
            Ok(GetLogEventsResponse {
                events: found.into_iter().map(|(_, e)| e).collect(),
                next_forward_token: format!("f/{}", forward.encode()),
                next_backward_token: format!("b/{}", backward.encode()),
            })
        })
    }

    pub fn filter_log_events(
        &self,
        account: &str,
        region: &str,
        req: FilterLogEventsRequest,
    ) -> LogsResult<FilterLogEventsResponse> {
        let group_name = group_name(
            req.log_group_name.as_deref(),
            req.log_group_identifier.as_deref(),
        )?;
        if req.log_stream_names.is_some() && req.log_stream_name_prefix.is_some() {
            return Err(LogsError::invalid(
                "logStreamNames and logStreamNamePrefix are mutually exclusive parameters.",
            ));
        }
        let limit = check_limit(req.limit)? as usize;
        let pattern = FilterPattern::parse(req.filter_pattern.as_deref().unwrap_or_default())?;
        let mut position = match req.next_token.as_deref() {
            Some(token) => Position::decode(token)?,
            None => Position::START,
        };
        let (group, streams) = self.with(|conn| {
            let group = tables::group(conn, account, region, &group_name)?;
            let streams = searched_streams(conn, &group, &req)?;
            Ok((group, streams))
        })?;
        let start = req
            .start_time
            .unwrap_or(i64::MIN)
            .max(group.cutoff_ms(now_ms()));
        let end = req.end_time.unwrap_or(i64::MAX);
        let mut events = Vec::new();
        let mut scanned = 0;
        let mut response_bytes = 0;
        let mut next_token = None;
        'scan: loop {
            let chunk = self.with(|conn| read_chunk(conn, group.id, start, end, position))?;
            let exhausted = (chunk.len() as i64) < FILTER_CHUNK;
            for (at, stream_id, event) in chunk {
                let previous = position;
                position = at;
                scanned += 1;
                let Some(stream_name) = streams.get(&stream_id) else {
                    continue;
                };
                if !pattern.matches(&event.message) {
                    continue;
                }
                response_bytes += event.message.len() + EVENT_OVERHEAD_BYTES;
                if !events.is_empty() && response_bytes > RESPONSE_BYTES_MAX {
                    next_token = Some(previous.encode());
                    break 'scan;
                }
                events.push(FilteredEvent {
                    log_stream_name: stream_name.clone(),
                    timestamp: event.timestamp,
                    message: event.message,
                    ingestion_time: event.ingestion_time,
                    event_id: format!("{:056}", at.id),
                });
                if events.len() == limit {
                    next_token = Some(position.encode());
                    break 'scan;
                }
            }
            if exhausted {
                break;
            }
            if scanned >= FILTER_SCAN_MAX {
                next_token = Some(position.encode());
                break;
            }
        }
        let mut searched_log_streams: Vec<SearchedLogStream> = streams
            .into_values()
            .map(|log_stream_name| SearchedLogStream {
                log_stream_name,
                searched_completely: true,
            })
            .collect();
        searched_log_streams.sort_by(|a, b| a.log_stream_name.cmp(&b.log_stream_name));
        Ok(FilterLogEventsResponse {
            events,
            searched_log_streams,
            next_token,
        })
    }
}

/// The streams a FilterLogEvents request searches, by id.
fn searched_streams(
    conn: &Connection,
    group: &GroupRow,
    req: &FilterLogEventsRequest,
) -> LogsResult<HashMap<i64, String>> {
    let mut query = conn.prepare_cached("SELECT id, name FROM logs_streams WHERE group_id = ?1")?;
    let rows = query.query_map(params![group.id], |row| {
        Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
    })?;
    let mut streams = HashMap::new();
    for row in rows {
        let (id, name) = row?;
        let wanted = match (&req.log_stream_names, &req.log_stream_name_prefix) {
            (Some(names), _) => names.contains(&name),
            (None, Some(prefix)) => name.starts_with(prefix.as_str()),
            (None, None) => true,
        };
        if wanted {
            streams.insert(id, name);
        }
    }
    Ok(streams)
}

fn read_chunk(
    conn: &Connection,
    group_id: i64,
    start: i64,
    end: i64,
    after: Position,
) -> LogsResult<Vec<(Position, i64, OutputEvent)>> {
    let mut query = conn.prepare_cached(
        "SELECT timestamp_ms, id, stream_id, message, ingestion_ms FROM logs_events
         WHERE group_id = ?1 AND timestamp_ms >= ?2 AND timestamp_ms < ?3 AND (timestamp_ms, id) > (?4, ?5)
         ORDER BY timestamp_ms, id LIMIT ?6",
    )?;
    let rows = query.query_map(
        params![
            group_id,
            start,
            end,
            after.timestamp_ms,
            after.id,
            FILTER_CHUNK
        ],
        |row| {
            Ok((
                Position {
                    timestamp_ms: row.get(0)?,
                    id: row.get(1)?,
                },
                row.get(2)?,
                OutputEvent {
                    timestamp: row.get(0)?,
                    message: row.get(3)?,
                    ingestion_time: row.get(4)?,
                },
            ))
        },
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {

    #[test]
    fn an_answer_holds_at_most_a_megabyte_but_always_one_event() {
        assert_eq!(fitting([10, 10, 10].into_iter()), 3);
        assert_eq!(fitting([600_000, 600_000, 10].into_iter()), 1);
        assert_eq!(fitting([5_000_000].into_iter()), 1);
        assert_eq!(fitting(std::iter::empty()), 0);
    }

    use super::*;
    use crate::groups::CreateLogGroupRequest;
    use crate::streams::StreamRequest;
    use crate::test_service;

    fn put(logs: &LogsService, events: &[(i64, &str)]) -> LogsResult<PutLogEventsResponse> {
        logs.put_log_events(
            "1",
            "r",
            PutLogEventsRequest {
                log_group_name: "/g".into(),
                log_stream_name: "s".into(),
                log_events: events
                    .iter()
                    .map(|(t, m)| InputLogEvent {
                        timestamp: *t,
                        message: m.to_string(),
                    })
                    .collect(),
                sequence_token: None,
            },
        )
    }

    fn setup() -> LogsService {
        let logs = test_service();
        logs.create_log_group(
            "1",
            "r",
            CreateLogGroupRequest {
                log_group_name: "/g".into(),
                ..Default::default()
            },
        )
        .unwrap();
        logs.create_log_stream(
            "1",
            "r",
            &StreamRequest {
                log_group_name: "/g".into(),
                log_stream_name: "s".into(),
            },
        )
        .unwrap();
        logs
    }

    #[test]
    fn batches_are_checked_and_old_or_new_events_rejected() {
        let logs = setup();
        let now = now_ms();
        assert_eq!(
            put(&logs, &[(now, "b"), (now - 1, "a")]).unwrap_err().code,
            "InvalidParameterException"
        );
        let out = put(
            &logs,
            &[
                (now - 15 * DAY_MS, "old"),
                (now, "ok"),
                (now + 3 * 3_600_000, "new"),
            ],
        );
        // More than 24 hours between first and last.
        assert!(out.is_err());
        let out = put(&logs, &[(now, "ok"), (now + 3 * 3_600_000, "new")]).unwrap();
        let info = out.rejected_log_events_info.unwrap();
        assert_eq!(info.too_new_log_event_start_index, Some(1));
        let got = logs
            .get_log_events(
                "1",
                "r",
                GetLogEventsRequest {
                    log_group_name: Some("/g".into()),
                    log_stream_name: "s".into(),
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(got.events.len(), 1);
    }

    #[test]
    fn forward_token_polls_without_repeating() {
        let logs = setup();
        let now = now_ms();
        put(&logs, &[(now, "one"), (now, "two")]).unwrap();
        let get = |token: Option<String>| {
            logs.get_log_events(
                "1",
                "r",
                GetLogEventsRequest {
                    log_group_name: Some("/g".into()),
                    log_stream_name: "s".into(),
                    next_token: token,
                    start_from_head: Some(true),
                    ..Default::default()
                },
            )
            .unwrap()
        };
        let first = get(None);
        assert_eq!(first.events.len(), 2);
        let again = get(Some(first.next_forward_token.clone()));
        assert!(again.events.is_empty());
        assert_eq!(again.next_forward_token, first.next_forward_token);
        put(&logs, &[(now, "three")]).unwrap();
        let third = get(Some(again.next_forward_token));
        assert_eq!(
            third
                .events
                .iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>(),
            ["three"]
        );
        let back = get(Some(third.next_backward_token));
        assert_eq!(
            back.events
                .iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>(),
            ["one", "two"]
        );
    }

    #[test]
    fn filter_pages_with_next_token() {
        let logs = setup();
        let now = now_ms();
        put(
            &logs,
            &[(now, "ERROR a"), (now + 1, "INFO b"), (now + 2, "ERROR c")],
        )
        .unwrap();
        let filter = |token: Option<String>| {
            logs.filter_log_events(
                "1",
                "r",
                FilterLogEventsRequest {
                    log_group_name: Some("/g".into()),
                    filter_pattern: Some("ERROR".into()),
                    limit: Some(1),
                    next_token: token,
                    ..Default::default()
                },
            )
            .unwrap()
        };
        let one = filter(None);
        assert_eq!(one.events[0].message, "ERROR a");
        let two = filter(one.next_token);
        assert_eq!(two.events[0].message, "ERROR c");
        let three = filter(two.next_token);
        assert!(three.events.is_empty() && three.next_token.is_none());
    }

    #[test]
    fn retention_hides_and_sweeps_old_events() {
        let logs = setup();
        let now = now_ms();
        put(
            &logs,
            &[(now - 25 * 3_600_000, "old"), (now - 3_600_000, "new")],
        )
        .unwrap();
        logs.put_retention_policy(
            "1",
            "r",
            crate::GroupRequest {
                log_group_name: "/g".into(),
                retention_in_days: Some(1),
                ..Default::default()
            },
        )
        .unwrap();
        let all = logs
            .filter_log_events(
                "1",
                "r",
                FilterLogEventsRequest {
                    log_group_name: Some("/g".into()),
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(all.events.len(), 1);
        assert_eq!(logs.sweep_expired().unwrap(), 1);
    }
}
