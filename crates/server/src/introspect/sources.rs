//! `api/sources`: what waits to be run — event source mappings (with their
//! SQS queue's backlog, or their stream's: records behind and iterator age),
//! the SQS queues, the asynchronous events still queued per function
//! (pending, and how many of them are retries), and the recent ones that
//! failed for good (where they went).

use super::{off_worker, query, Where};
use crate::render;
use axum::response::Response;
use laminar_lambda::LambdaService;
use laminar_model::ApiError;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The backlog attributes of a queue, as GetQueueAttributes names them.
const BACKLOG: [&str; 3] = [
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
];

/// What an asynchronous event record says about where it stands.
#[derive(Deserialize)]
struct QueuedEvent {
    account: String,
    region: String,
    function_name: String,
    received_ms: i64,
    invoke_count: u32,
}

pub(super) async fn list(
    service: &LambdaService,
    text: Option<&str>,
) -> Result<Response, ApiError> {
    let at: Where = query(text)?;
    let service = service.clone();
    off_worker(move || {
        let scope = at.scope();
        let mut mappings = Vec::new();
        let mut marker = None;
        loop {
            let page = service.list_event_source_mappings(
                &scope,
                None,
                None,
                marker.as_deref(),
                Some(100),
            )?;
            mappings.extend(page.event_source_mappings);
            marker = page.next_marker;
            if marker.is_none() {
                break;
            }
        }
        let sqs = &service.companions().sqs;
        for mapping in &mut mappings {
            let arn = mapping["EventSourceArn"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if let Some(attributes) = arn
                .starts_with("arn:aws:sqs:")
                .then(|| sqs.attributes_of_arn(&arn))
                .flatten()
            {
                mapping["Backlog"] = backlog(&attributes);
            } else if let Some(stream) = mapping["UUID"]
                .as_str()
                .and_then(|uuid| service.stream_backlog(uuid, &arn))
            {
                mapping["Backlog"] = json!(stream);
            }
        }
        let queues: Vec<Value> = sqs
            .list_queues(&scope.region, &scope.account, "")
            .unwrap_or_default()
            .into_iter()
            .map(|name| {
                let arn = format!("arn:aws:sqs:{}:{}:{name}", scope.region, scope.account);
                let attributes = sqs.attributes_of_arn(&arn).unwrap_or_default();
                json!({ "QueueName": name, "QueueArn": arn, "Backlog": backlog(&attributes) })
            })
            .collect();
        Ok(render::json(
            200,
            &json!({
                "EventSourceMappings": mappings,
                "Queues": queues,
                "AsyncEvents": async_events(&service, &scope),
                "FailedAsyncEvents": failed_events(&service, &scope),
            }),
        ))
    })
    .await
}

fn backlog(attributes: &BTreeMap<String, String>) -> Value {
    let counts: serde_json::Map<String, Value> = BACKLOG
        .iter()
        .map(|name| {
            let n: i64 = attributes
                .get(*name)
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            (name.to_string(), json!(n))
        })
        .collect();
    Value::Object(counts)
}

/// Per function: events accepted and not yet finished, how many of them
/// ran at least once (they wait for a retry), and the oldest's age.
fn async_events(service: &LambdaService, scope: &laminar_lambda::Scope) -> Vec<Value> {
    let records = service.store().db.all_events().unwrap_or_default();
    let mut per_function: BTreeMap<String, (u64, u64, i64)> = BTreeMap::new();
    for (_, record) in records {
        let Ok(event) = serde_json::from_str::<QueuedEvent>(&record) else {
            continue;
        };
        if event.account != scope.account || event.region != scope.region {
            continue;
        }
        let entry = per_function
            .entry(event.function_name)
            .or_insert((0, 0, i64::MAX));
        entry.0 += 1;
        entry.1 += u64::from(event.invoke_count > 0);
        entry.2 = entry.2.min(event.received_ms);
    }
    per_function
        .into_iter()
        .map(|(function, (pending, retrying, oldest))| {
            json!({
                "FunctionName": function,
                "Pending": pending,
                "Retrying": retrying,
                "OldestReceivedMs": oldest,
            })
        })
        .collect()
}

/// The asynchronous events that failed for good, newest first, the most
/// recent per function (the store bounds them).
fn failed_events(service: &LambdaService, scope: &laminar_lambda::Scope) -> Vec<Value> {
    let records = service.store().db.failed_events().unwrap_or_default();
    records
        .into_iter()
        .filter_map(|(_, record)| serde_json::from_str::<Value>(&record).ok())
        .filter(|r| r["Account"] == scope.account.as_str() && r["Region"] == scope.region.as_str())
        .map(|mut r| {
            if let Some(fields) = r.as_object_mut() {
                fields.remove("Account");
                fields.remove("Region");
            }
            r
        })
        .collect()
}
