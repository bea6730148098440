//! Subscription filters: PutSubscriptionFilter, DescribeSubscriptionFilters,
//! DeleteSubscriptionFilter, and the reading of the outbox they fill
//! (`capture.rs` fills it in the transaction of every write of events).
//! The triggers room drains the rows.
//!
//! This crate knows nothing of Lambda: whether a destination may be used
//! is asked of a [`DestinationCheck`] the room that knows functions
//! installs (`LogsService::set_destination_check`).

use crate::capture::DeliveredEvent;
use crate::error::{LogsError, LogsResult};
use crate::groups::page_bounds;
use crate::names::{check_group_name, check_stream_name, group_arn};
use crate::pattern::FilterPattern;
use crate::{now_ms, tables, LogsService};
use rusqlite::params;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CreateLogGroupRequest, LogEvent};

    fn filter(name: &str, pattern: &str) -> PutSubscriptionFilterRequest {
        PutSubscriptionFilterRequest {
            log_group_name: "/g".into(),
            filter_name: Some(name.into()),
            filter_pattern: Some(pattern.into()),
            destination_arn: Some("arn:aws:lambda:r:1:function:f".into()),
            ..Default::default()
        }
    }

    #[test]
    fn writes_fill_the_outbox_per_matching_filter_and_the_check_refuses() {
        let logs = crate::test_service();
        let group = CreateLogGroupRequest {
            log_group_name: "/g".into(),
            ..Default::default()
        };
        logs.create_log_group("1", "r", group).unwrap();
        logs.put_subscription_filter("1", "r", filter("errors", "ERROR"))
            .unwrap();
        logs.put_subscription_filter("1", "r", filter("all", ""))
            .unwrap();
        let limit = logs
            .put_subscription_filter("1", "r", filter("third", ""))
            .unwrap_err();
        assert_eq!(
            (limit.code.as_str(), limit.message.as_str()),
            ("LimitExceededException", "Resource limit exceeded.")
        );
        let event = |m: &str| LogEvent {
            timestamp_ms: 5,
            message: m.into(),
        };
        logs.append("1", "r", "/g", "s", &[event("ERROR x"), event("fine")])
            .unwrap();
        let rows = logs.pending_deliveries(10).unwrap();
        let seen: Vec<(&str, Vec<&str>)> = rows
            .iter()
            .map(|r| {
                let messages = r.events.iter().map(|e| e.message.as_str()).collect();
                (r.filter_name.as_str(), messages)
            })
            .collect();
        assert_eq!(
            seen,
            vec![
                ("all", vec!["ERROR x", "fine"]),
                ("errors", vec!["ERROR x"])
            ]
        );
        assert_eq!(rows[0].log_stream, "s");
        logs.delivered(&rows.iter().map(|r| r.id).collect::<Vec<_>>())
            .unwrap();
        assert!(logs.pending_deliveries(10).unwrap().is_empty());

        logs.set_destination_check(Arc::new(|_, _, _| Err(LogsError::invalid("no"))));
        let refused = logs
            .put_subscription_filter("1", "r", filter("errors", ""))
            .unwrap_err();
        assert_eq!(refused.message, "no");
    }
}
