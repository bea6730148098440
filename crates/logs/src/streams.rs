//! Log streams: create, delete, describe.

use crate::error::{LogsError, LogsResult};
use crate::groups::page_bounds;
use crate::names::{check_group_name, check_stream_name, group_from_identifier, stream_arn};
use crate::tables;
use crate::{now_ms, LogsService};
use rusqlite::params;
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StreamRequest {
    pub log_group_name: String,
    pub log_stream_name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DescribeLogStreamsRequest {
    pub log_group_name: Option<String>,
    pub log_group_identifier: Option<String>,
    pub log_stream_name_prefix: Option<String>,
    pub order_by: Option<String>,
    pub descending: Option<bool>,
    pub next_token: Option<String>,
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogStream {
    pub log_stream_name: String,
    pub creation_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_event_timestamp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_event_timestamp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_ingestion_time: Option<i64>,
    pub upload_sequence_token: String,
    pub arn: String,
    pub stored_bytes: i64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeLogStreamsResponse {
    pub log_streams: Vec<LogStream>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// The deprecated sequence token, still reported: a stream's write count.
pub(crate) fn sequence_token(sequence: i64) -> String {
    format!("{:056}", sequence.max(0))
}

/// The group named by `logGroupName` or `logGroupIdentifier` (exactly one).
pub(crate) fn group_name(name: Option<&str>, identifier: Option<&str>) -> LogsResult<String> {
    let name = match (name, identifier) {
        (Some(_), Some(_)) => {
            return Err(LogsError::invalid(
                "LogGroup name and LogGroup ARN are mutually exclusive parameters.",
            ))
        }
        (Some(name), None) => name.to_string(),
        (None, Some(identifier)) => group_from_identifier(identifier)?,
        (None, None) => {
            return Err(LogsError::invalid(
                "Should provide either name or identifier for the log group.",
            ))
        }
    };
    check_group_name("logGroupName", &name)?;
    Ok(name)
}

impl LogsService {
    pub fn create_log_stream(
        &self,
        account: &str,
        region: &str,
        req: &StreamRequest,
    ) -> LogsResult<()> {
        check_group_name("logGroupName", &req.log_group_name)?;
        check_stream_name("logStreamName", &req.log_stream_name)?;
        self.with(|conn| {
            let group = tables::group(conn, account, region, &req.log_group_name)?;
            let inserted = conn.execute(
                "INSERT OR IGNORE INTO logs_streams (group_id, name, created_ms) VALUES (?1, ?2, ?3)",
                params![group.id, req.log_stream_name, now_ms()],
            )?;
            if inserted == 0 {
                return Err(LogsError::already_exists(
                    "The specified log stream already exists",
                ));
            }
            Ok(())
        })
    }

    pub fn delete_log_stream(
        &self,
        account: &str,
        region: &str,
        req: &StreamRequest,
    ) -> LogsResult<()> {
        check_group_name("logGroupName", &req.log_group_name)?;
        check_stream_name("logStreamName", &req.log_stream_name)?;
        self.with(|conn| {
            let group = tables::group(conn, account, region, &req.log_group_name)?;
            let stream_id = tables::stream_id(conn, group.id, &req.log_stream_name)?
                .ok_or_else(LogsError::stream_not_found)?;
            let tx = conn.transaction()?;
            tx.execute(
                "DELETE FROM logs_events WHERE stream_id = ?1",
                params![stream_id],
            )?;
            tx.execute("DELETE FROM logs_streams WHERE id = ?1", params![stream_id])?;
            tx.commit()?;
            Ok(())
        })
    }

    pub fn describe_log_streams(
        &self,
        account: &str,
        region: &str,
        req: DescribeLogStreamsRequest,
    ) -> LogsResult<DescribeLogStreamsResponse> {
        let group_name = group_name(
            req.log_group_name.as_deref(),
            req.log_group_identifier.as_deref(),
        )?;
        let by_event_time = match req.order_by.as_deref() {
            None | Some("LogStreamName") => false,
            Some("LastEventTime") => true,
            Some(other) => {
                return Err(LogsError::invalid(format!(
                    "1 validation error detected: Value '{other}' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LastEventTime, LogStreamName]"
                )))
            }
        };
        let prefix = req.log_stream_name_prefix.unwrap_or_default();
        if by_event_time && !prefix.is_empty() {
            return Err(LogsError::invalid(
                "Cannot order by LastEventTime with a logStreamNamePrefix.",
            ));
        }
        let (offset, limit) = page_bounds(req.next_token.as_deref(), req.limit, 50)?;
        self.with(|conn| {
            let group = tables::group(conn, account, region, &group_name)?;
            let order = match (by_event_time, req.descending.unwrap_or(false)) {
                (false, false) => "name ASC",
                (false, true) => "name DESC",
                (true, false) => "COALESCE(last_event_ms, -1) ASC, name ASC",
                (true, true) => "COALESCE(last_event_ms, -1) DESC, name DESC",
            };
            let mut query = conn.prepare(&format!(
                "SELECT name, created_ms, first_event_ms, last_event_ms, last_ingestion_ms, sequence, stored_bytes
                 FROM logs_streams WHERE group_id = ?1 AND SUBSTR(name, 1, LENGTH(?2)) = ?2
                 ORDER BY {order} LIMIT ?3 OFFSET ?4"
            ))?;
            let rows = query.query_map(
                params![group.id, prefix, (limit + 1) as i64, offset as i64],
                |row| {
                    let name: String = row.get(0)?;
                    Ok(LogStream {
                        arn: stream_arn(region, account, &group.name, &name),
                        log_stream_name: name,
                        creation_time: row.get(1)?,
                        first_event_timestamp: row.get(2)?,
                        last_event_timestamp: row.get(3)?,
                        last_ingestion_time: row.get(4)?,
                        upload_sequence_token: sequence_token(row.get(5)?),
                        stored_bytes: row.get(6)?,
                    })
                },
            )?;
            let mut log_streams = rows.collect::<Result<Vec<_>, _>>()?;
            let more = log_streams.len() > limit;
            log_streams.truncate(limit);
            Ok(DescribeLogStreamsResponse {
                log_streams,
                next_token: more.then(|| (offset + limit).to_string()),
            })
        })
    }
}
