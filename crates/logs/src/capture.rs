//! The outbox of subscription filters, filled as events are written: every
//! write (PutLogEvents and the batching writer of function logs) goes
//! through `tables::insert_events`, which calls [`capture`]: the events a
//! group's filters match become one `logs_deliveries` row per filter, in
//! the write's transaction.

use crate::error::{LogsError, LogsResult};
use crate::pattern::FilterPattern;
use crate::{now_ms, LogEvent};
use rusqlite::{params, Transaction};
use serde::{Deserialize, Serialize};

/// One event of a delivery, as the subscription payload carries it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DeliveredEvent {
    pub id: String,
    pub timestamp: i64,
    pub message: String,
}

/// The filters of a group that match, read with their parsed patterns.
struct Filter {
    name: String,
    pattern: FilterPattern,
    destination: String,
}

/// Called in the transaction of every write of events: one outbox row per
/// filter of the group that matches any of them. `ids` are the events' row
/// ids, in order.
pub(crate) fn capture(
    tx: &Transaction<'_>,
    group_id: i64,
    stream_id: i64,
    events: &[LogEvent],
    ids: &[i64],
) -> LogsResult<bool> {
    let filters: Vec<(String, String, String)> = tx
        .prepare_cached(
            "SELECT name, pattern, destination_arn FROM logs_subscription_filters WHERE group_id = ?1 ORDER BY name",
        )?
        .query_map(params![group_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    if filters.is_empty() {
        return Ok(false);
    }
    let filters: Vec<Filter> = filters
        .into_iter()
        .filter_map(|(name, pattern, destination)| {
            Some(Filter {
                name,
                pattern: FilterPattern::parse(&pattern).ok()?,
                destination,
            })
        })
        .collect();
    let (account, region, group, stream): (String, String, String, String) = tx
        .prepare_cached(
            "SELECT g.account, g.region, g.name, s.name FROM logs_groups g JOIN logs_streams s ON s.group_id = g.id WHERE s.id = ?1",
        )?
        .query_row(params![stream_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
    let mut captured = false;
    for filter in &filters {
        let matched: Vec<DeliveredEvent> = events
            .iter()
            .zip(ids)
            .filter(|(e, _)| filter.pattern.matches(&e.message))
            .map(|(e, id)| DeliveredEvent {
                id: format!("{id:056}"),
                timestamp: e.timestamp_ms,
                message: e.message.clone(),
            })
            .collect();
        if matched.is_empty() {
            continue;
        }
        let events = serde_json::to_string(&matched)
            .map_err(|e| LogsError::unavailable(format!("could not record a delivery: {e}")))?;
        tx.prepare_cached(
            "INSERT INTO logs_deliveries (account, region, log_group, log_stream, filter_name, destination_arn, events, created_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            account,
            region,
            group,
            stream,
            filter.name,
            filter.destination,
            events,
            now_ms()
        ])?;
        captured = true;
    }
    Ok(captured)
}
