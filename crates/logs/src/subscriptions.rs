//! Subscription filters: PutSubscriptionFilter, DescribeSubscriptionFilters,
//! DeleteSubscriptionFilter, and the outbox they fill. Every write of events
//! (PutLogEvents and the batching writer of function logs) goes through
//! `tables::insert_events`, which calls [`capture`]: the events a group's
//! filters match become one `logs_deliveries` row per filter, in the
//! write's transaction. The triggers room drains the rows.
//!
//! This crate knows nothing of Lambda: whether a destination may be used
//! is asked of a [`DestinationCheck`] the room that knows functions
//! installs (`LogsService::set_destination_check`).

use crate::error::{LogsError, LogsResult};
use crate::groups::page_bounds;
use crate::names::{check_group_name, check_stream_name, group_arn};
use crate::pattern::FilterPattern;
use crate::{now_ms, tables, LogEvent, LogsService};
use rusqlite::{params, Transaction};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// AWS's quota of subscription filters per log group.
const FILTERS_PER_GROUP: i64 = 2;
/// Rows handed out per call of `pending_deliveries`.
const DELIVERY_ROWS_MAX: usize = 256;

/// Whether a destination may receive a group's events: given the
/// destination's ARN, the log group's ARN and the group's account; `Err`
/// carries AWS's refusal.
pub type DestinationCheck = Arc<dyn Fn(&str, &str, &str) -> LogsResult<()> + Send + Sync>;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PutSubscriptionFilterRequest {
    pub log_group_name: String,
    pub filter_name: Option<String>,
    pub filter_pattern: Option<String>,
    pub destination_arn: Option<String>,
    pub role_arn: Option<String>,
    pub distribution: Option<String>,
    pub apply_on_transformed_logs: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DescribeSubscriptionFiltersRequest {
    pub log_group_name: String,
    pub filter_name_prefix: Option<String>,
    pub next_token: Option<String>,
    pub limit: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DeleteSubscriptionFilterRequest {
    pub log_group_name: String,
    pub filter_name: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionFilter {
    pub filter_name: String,
    pub log_group_name: String,
    pub filter_pattern: String,
    pub destination_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    pub distribution: String,
    pub apply_on_transformed_logs: bool,
    pub creation_time: i64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeSubscriptionFiltersResponse {
    pub subscription_filters: Vec<SubscriptionFilter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// One event of a delivery, as the subscription payload carries it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DeliveredEvent {
    pub id: String,
    pub timestamp: i64,
    pub message: String,
}

/// One outbox row: the events one write brought to one filter.
#[derive(Debug, Clone)]
pub struct LogsDelivery {
    pub id: i64,
    pub account: String,
    pub region: String,
    pub log_group: String,
    pub log_stream: String,
    pub filter_name: String,
    pub destination_arn: String,
    pub events: Vec<DeliveredEvent>,
}

fn required(member: &str, value: Option<String>) -> LogsResult<String> {
    value.ok_or_else(|| {
        LogsError::invalid(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ))
    })
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

impl LogsService {
    /// Installs the check of destinations (the room that knows functions).
    pub fn set_destination_check(&self, check: DestinationCheck) {
        let mut slot = self.destinations.write().unwrap_or_else(|e| e.into_inner());
        *slot = Some(check);
    }

    fn check_destination(&self, destination: &str, group: &str, account: &str) -> LogsResult<()> {
        let check = self
            .destinations
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        match check {
            Some(check) => check(destination, group, account),
            None => Ok(()),
        }
    }

    pub fn put_subscription_filter(
        &self,
        account: &str,
        region: &str,
        req: PutSubscriptionFilterRequest,
    ) -> LogsResult<()> {
        check_group_name("logGroupName", &req.log_group_name)?;
        let name = required("filterName", req.filter_name)?;
        check_stream_name("filterName", &name)?;
        let pattern = required("filterPattern", req.filter_pattern)?;
        let destination = required("destinationArn", req.destination_arn)?;
        if destination.is_empty() {
            return Err(LogsError::invalid(
                "1 validation error detected: Value '' at 'destinationArn' failed to satisfy constraint: Member must have length greater than or equal to 1",
            ));
        }
        let distribution = req.distribution.unwrap_or_else(|| "ByLogStream".into());
        if distribution != "ByLogStream" && distribution != "Random" {
            return Err(LogsError::invalid(format!(
                "1 validation error detected: Value '{distribution}' at 'distribution' failed to satisfy constraint: Member must satisfy enum value set: [Random, ByLogStream]"
            )));
        }
        FilterPattern::parse(&pattern)?;
        let group_id =
            self.with(|conn| Ok(tables::group(conn, account, region, &req.log_group_name)?.id))?;
        self.check_destination(
            &destination,
            &group_arn(region, account, &req.log_group_name),
            account,
        )?;
        self.with(|conn| {
            let tx = conn.transaction()?;
            let others: i64 = tx.query_row(
                "SELECT COUNT(*) FROM logs_subscription_filters WHERE group_id = ?1 AND name <> ?2",
                params![group_id, name],
                |r| r.get(0),
            )?;
            if others >= FILTERS_PER_GROUP {
                return Err(LogsError::limit_exceeded("Resource limit exceeded."));
            }
            tx.execute(
                "INSERT INTO logs_subscription_filters (group_id, name, pattern, destination_arn, role_arn, distribution, apply_on_transformed, created_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (group_id, name) DO UPDATE SET pattern = excluded.pattern,
                   destination_arn = excluded.destination_arn, role_arn = excluded.role_arn,
                   distribution = excluded.distribution, apply_on_transformed = excluded.apply_on_transformed",
                params![
                    group_id,
                    name,
                    pattern,
                    destination,
                    req.role_arn,
                    distribution,
                    req.apply_on_transformed_logs.unwrap_or(false),
                    now_ms()
                ],
            )?;
            tx.commit()?;
            Ok(())
        })
    }

    pub fn describe_subscription_filters(
        &self,
        account: &str,
        region: &str,
        req: DescribeSubscriptionFiltersRequest,
    ) -> LogsResult<DescribeSubscriptionFiltersResponse> {
        check_group_name("logGroupName", &req.log_group_name)?;
        let (offset, limit) = page_bounds(req.next_token.as_deref(), req.limit, 50)?;
        let prefix = req.filter_name_prefix.unwrap_or_default();
        let all: Vec<SubscriptionFilter> = self.with(|conn| {
            let group = tables::group(conn, account, region, &req.log_group_name)?;
            let mut stmt = conn.prepare(
                "SELECT name, pattern, destination_arn, role_arn, distribution, apply_on_transformed, created_ms
                 FROM logs_subscription_filters WHERE group_id = ?1 ORDER BY name",
            )?;
            let rows = stmt.query_map(params![group.id], |r| {
                Ok(SubscriptionFilter {
                    filter_name: r.get(0)?,
                    log_group_name: group.name.clone(),
                    filter_pattern: r.get(1)?,
                    destination_arn: r.get(2)?,
                    role_arn: r.get(3)?,
                    distribution: r.get(4)?,
                    apply_on_transformed_logs: r.get(5)?,
                    creation_time: r.get(6)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })?;
        let matching: Vec<SubscriptionFilter> = all
            .into_iter()
            .filter(|f| f.filter_name.starts_with(&prefix))
            .collect();
        let total = matching.len();
        let page: Vec<SubscriptionFilter> = matching.into_iter().skip(offset).take(limit).collect();
        let next = offset + page.len();
        Ok(DescribeSubscriptionFiltersResponse {
            subscription_filters: page,
            next_token: (next < total).then(|| next.to_string()),
        })
    }

    pub fn delete_subscription_filter(
        &self,
        account: &str,
        region: &str,
        req: &DeleteSubscriptionFilterRequest,
    ) -> LogsResult<()> {
        check_group_name("logGroupName", &req.log_group_name)?;
        check_stream_name("filterName", &req.filter_name)?;
        self.with(|conn| {
            let group = tables::group(conn, account, region, &req.log_group_name)?;
            let removed = conn.execute(
                "DELETE FROM logs_subscription_filters WHERE group_id = ?1 AND name = ?2",
                params![group.id, req.filter_name],
            )?;
            if removed == 0 {
                return Err(LogsError::not_found(
                    "The specified subscription filter does not exist.",
                ));
            }
            Ok(())
        })
    }

    /// The oldest undelivered rows (at most `max`, capped at 256).
    pub fn pending_deliveries(&self, max: usize) -> LogsResult<Vec<LogsDelivery>> {
        let max = max.min(DELIVERY_ROWS_MAX) as i64;
        self.with(|conn| {
            let mut stmt = conn.prepare(
                "SELECT id, account, region, log_group, log_stream, filter_name, destination_arn, events
                 FROM logs_deliveries ORDER BY id LIMIT ?1",
            )?;
            let rows = stmt.query_map(params![max], |r| {
                let events: String = r.get(7)?;
                Ok(LogsDelivery {
                    id: r.get(0)?,
                    account: r.get(1)?,
                    region: r.get(2)?,
                    log_group: r.get(3)?,
                    log_stream: r.get(4)?,
                    filter_name: r.get(5)?,
                    destination_arn: r.get(6)?,
                    events: serde_json::from_str(&events).unwrap_or_default(),
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Removes delivered (or undeliverable) rows.
    pub fn delivered(&self, ids: &[i64]) -> LogsResult<()> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            for id in ids {
                tx.execute("DELETE FROM logs_deliveries WHERE id = ?1", params![id])?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// Notified when a write fills the outbox.
    pub fn wake(&self) -> Arc<tokio::sync::Notify> {
        self.wake.clone()
    }
}
