//! CloudWatch Logs subscription deliveries: the events a subscription
//! filter matched become an asynchronous invoke of its function with
//! `{"awslogs": {"data": base64(gzip(JSON))}}`, the JSON being the
//! `DATA_MESSAGE` document. Rows of the same filter and stream taken in one
//! pass go out as one invoke (a batch per stream per drain), split so that
//! each stays under the asynchronous payload limit.
//!
//! Also the check PutSubscriptionFilter asks of this room: the destination
//! is a function of the group's account whose policy lets
//! `logs.amazonaws.com` (or `logs.REGION.amazonaws.com`) invoke it.

use crate::{Triggers, BATCH};
use base64::Engine;
use flate2::write::GzEncoder;
use flate2::Compression;
use laminar_async_invoke::AsyncEvent;
use laminar_invoke::Invoker;
use laminar_lambda_core::blocking::off_worker;
use laminar_lambda_core::grants::{service_may_invoke, ServiceCall};
use laminar_lambda_core::naming::key_of;
use laminar_logs::{DeliveredEvent, LogsDelivery, LogsError};
use laminar_model::arn::Scope;
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Weak};

/// Uncompressed message bytes per invoke: the gzipped, base64-encoded
/// document stays well under the 256 KiB of an asynchronous invoke (AWS
/// batches up to about this much too).
const BATCH_MESSAGE_BYTES: usize = 192 * 1024;

const NO_PERMISSION: &str = "Could not execute the lambda function. Make sure you have given CloudWatch Logs permission to execute your function.";

/// A function ARN's parts: region, account, name, qualifier.
fn function_parts(arn: &str) -> Option<(String, String, String, Option<String>)> {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "lambda", region, account, "function", name] => Some((
            region.to_string(),
            account.to_string(),
            name.to_string(),
            None,
        )),
        ["arn", _, "lambda", region, account, "function", name, qualifier] => Some((
            region.to_string(),
            account.to_string(),
            name.to_string(),
            Some(qualifier.to_string()),
        )),
        _ => None,
    }
}

/// Whether the function's policy lets CloudWatch Logs invoke it for the
/// group (either of the principals AWS accepts).
fn logs_may_invoke(invoker: &Invoker, destination: &str, group_arn: &str, account: &str) -> bool {
    let Some((region, function_account, name, qualifier)) = function_parts(destination) else {
        return false;
    };
    if function_account != account {
        return false;
    }
    let scope = Scope {
        account: function_account,
        region: region.clone(),
    };
    let Some(record) = invoker.registry().get(&key_of(&scope, &name)) else {
        return false;
    };
    let regional = format!("logs.{region}.amazonaws.com");
    // The group ARN as AWS passes it as the source: with the `:*` suffix.
    let source = format!("{group_arn}:*");
    ["logs.amazonaws.com", regional.as_str()]
        .iter()
        .any(|principal| {
            [source.as_str(), group_arn].iter().any(|source_arn| {
                service_may_invoke(
                    &record,
                    qualifier.as_deref(),
                    ServiceCall {
                        principal,
                        source_arn,
                        source_account: account,
                    },
                )
            })
        })
}

/// The check PutSubscriptionFilter runs, for `LogsService`.
pub(crate) fn destination_check(invoker: Weak<Invoker>) -> laminar_logs::DestinationCheck {
    Arc::new(move |destination: &str, group_arn: &str, account: &str| {
        if !destination.contains(":lambda:") {
            return Err(LogsError::invalid(
                "laminar delivers subscription filters to Lambda functions only.",
            ));
        }
        let allowed = invoker
            .upgrade()
            .is_some_and(|invoker| logs_may_invoke(&invoker, destination, group_arn, account));
        if allowed {
            Ok(())
        } else {
            Err(LogsError::invalid(NO_PERMISSION))
        }
    })
}

/// The `awslogs` event for one batch.
pub fn awslogs_event(
    owner: &str,
    group: &str,
    stream: &str,
    filter: &str,
    events: &[DeliveredEvent],
) -> std::io::Result<String> {
    let document = json!({
        "messageType": "DATA_MESSAGE",
        "owner": owner,
        "logGroup": group,
        "logStream": stream,
        "subscriptionFilters": [filter],
        "logEvents": events,
    });
    let mut gzip = GzEncoder::new(Vec::new(), Compression::default());
    gzip.write_all(document.to_string().as_bytes())?;
    let data = base64::engine::general_purpose::STANDARD.encode(gzip.finish()?);
    Ok(json!({ "awslogs": { "data": data } }).to_string())
}

/// Rows of one filter and stream, in order, with the ids they came from.
struct Batch {
    head: LogsDelivery,
    rows: Vec<i64>,
    events: Vec<DeliveredEvent>,
}

/// Groups the rows by destination, filter, group and stream, keeping the
/// order of their first row; each group is split by size.
fn batches(rows: Vec<LogsDelivery>) -> Vec<Batch> {
    let mut out: Vec<Batch> = Vec::new();
    for row in rows {
        let same = |b: &Batch| {
            b.head.destination_arn == row.destination_arn
                && b.head.filter_name == row.filter_name
                && b.head.account == row.account
                && b.head.region == row.region
                && b.head.log_group == row.log_group
                && b.head.log_stream == row.log_stream
        };
        let size =
            |events: &[DeliveredEvent]| events.iter().map(|e| e.message.len() + 80).sum::<usize>();
        let row_size = size(&row.events);
        match out.iter_mut().rev().find(|b| same(b)) {
            Some(batch) if size(&batch.events) + row_size <= BATCH_MESSAGE_BYTES => {
                batch.rows.push(row.id);
                batch.events.extend(row.events);
            }
            _ => {
                let mut head = row;
                let events = std::mem::take(&mut head.events);
                out.push(Batch {
                    rows: vec![head.id],
                    head,
                    events,
                });
            }
        }
    }
    out
}

impl Triggers {
    /// Installs the destination check on the Logs service.
    pub(crate) fn wire_logs(&self) {
        self.logs()
            .set_destination_check(destination_check(Arc::downgrade(&self.invoker)));
    }

    fn logs(&self) -> &laminar_logs::LogsService {
        self.invoker.cloudwatch()
    }

    /// One pass over the Logs outbox; true when it was full.
    pub(crate) async fn drain_logs(&self) -> bool {
        let logs = self.logs().clone();
        let rows = match off_worker(move || {
            logs.pending_deliveries(BATCH)
                .map_err(|e| laminar_model::ApiError::service(e.to_string()))
        })
        .await
        {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "the CloudWatch Logs outbox could not be read");
                return false;
            }
        };
        let full = rows.len() == BATCH;
        let mut done = Vec::new();
        for batch in batches(rows) {
            if self.deliver(&batch).await {
                done.extend(batch.rows);
            }
        }
        if done.is_empty() {
            return false;
        }
        let logs = self.logs().clone();
        let removed = off_worker(move || {
            logs.delivered(&done)
                .map_err(|e| laminar_model::ApiError::service(e.to_string()))
        })
        .await;
        if let Err(e) = removed {
            tracing::warn!(error = %e, "delivered CloudWatch Logs rows could not be removed");
            return false;
        }
        full
    }

    /// True when the row can go: enqueued, or never deliverable.
    async fn deliver(&self, batch: &Batch) -> bool {
        let head = &batch.head;
        let group_arn = format!(
            "arn:aws:logs:{}:{}:log-group:{}",
            head.region, head.account, head.log_group
        );
        if !logs_may_invoke(
            &self.invoker,
            &head.destination_arn,
            &group_arn,
            &head.account,
        ) {
            tracing::warn!(destination = %head.destination_arn, filter = %head.filter_name,
                "a log subscription's function is gone or no longer lets CloudWatch Logs invoke it; events dropped");
            return true;
        }
        let Some((region, account, name, qualifier)) = function_parts(&head.destination_arn) else {
            return true;
        };
        let payload = match awslogs_event(
            &head.account,
            &head.log_group,
            &head.log_stream,
            &head.filter_name,
            &batch.events,
        ) {
            Ok(payload) => payload,
            Err(e) => {
                tracing::warn!(error = %e, "a log subscription payload could not be encoded");
                return false;
            }
        };
        let scope = Scope { account, region };
        let event = AsyncEvent::new(&scope, &name, qualifier, payload, None);
        let queue = self.async_queue.clone();
        match off_worker(move || queue.enqueue(event)).await {
            Ok(()) => true,
            Err(e) => {
                tracing::debug!(error = %e, "a log subscription delivery waits");
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::GzDecoder;
    use std::io::Read;

    fn row(id: i64, stream: &str, message: &str) -> LogsDelivery {
        LogsDelivery {
            id,
            account: "123456789012".into(),
            region: "us-east-1".into(),
            log_group: "/g".into(),
            log_stream: stream.into(),
            filter_name: "f".into(),
            destination_arn: "arn:aws:lambda:us-east-1:123456789012:function:fn".into(),
            events: vec![DeliveredEvent {
                id: format!("{id:056}"),
                timestamp: id,
                message: message.into(),
            }],
        }
    }

    #[test]
    fn rows_of_a_stream_go_together_and_the_payload_decodes() {
        let grouped = batches(vec![row(1, "a", "x"), row(2, "b", "y"), row(3, "a", "z")]);
        assert_eq!(grouped.len(), 2);
        assert_eq!(grouped[0].rows, vec![1, 3]);
        let event = awslogs_event("123456789012", "/g", "a", "f", &grouped[0].events).unwrap();
        let value: serde_json::Value = serde_json::from_str(&event).unwrap();
        let data = value["awslogs"]["data"].as_str().unwrap();
        let gz = base64::engine::general_purpose::STANDARD
            .decode(data)
            .unwrap();
        let mut text = String::new();
        GzDecoder::new(gz.as_slice())
            .read_to_string(&mut text)
            .unwrap();
        let document: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            document,
            json!({
                "messageType": "DATA_MESSAGE",
                "owner": "123456789012",
                "logGroup": "/g",
                "logStream": "a",
                "subscriptionFilters": ["f"],
                "logEvents": [
                    {"id": format!("{:056}", 1), "timestamp": 1, "message": "x"},
                    {"id": format!("{:056}", 3), "timestamp": 3, "message": "z"},
                ],
            })
        );
    }
}
