//! DynamoDB on the wire: JSON 1.0 (`X-Amz-Target: DynamoDB_20120810.*`,
//! signing name `dynamodb`), and DynamoDB Streams (`DynamoDBStreams_20120810.*`,
//! the same signing name, so routed by the target). Requests are checked against the model's
//! constraints (`laminar_dynamodb::CONSTRAINTS`) before the service sees
//! them; errors are status, `x-amzn-ErrorType` and `{"__type", "message"}`
//! with the service's namespaced type, as DynamoDB writes it.

use crate::render;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use laminar_dynamodb::{Caller, DynamoError, DynamoResult, DynamoService};
use laminar_lambda::Scope;
use laminar_model::constraints::Constraints;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::OnceLock;

const CONTENT_TYPE: &str = "application/x-amz-json-1.0";
const TARGET_PREFIX: &str = "DynamoDB_20120810.";
const STREAMS_PREFIX: &str = "DynamoDBStreams_20120810.";
/// How often expired items (time to live) are swept; AWS takes up to a few days.
const TTL_SWEEP: std::time::Duration = std::time::Duration::from_secs(1);
/// Stream records past retention are trimmed every this many sweeps.
const TRIM_EVERY: u32 = 60;

/// Runs the time-to-live sweep, and the streams' retention, in the background.
pub fn start_sweeper(dynamodb: DynamoService) {
    tokio::spawn(async move {
        let mut ticks: u32 = 0;
        loop {
            tokio::time::sleep(TTL_SWEEP).await;
            ticks = ticks.wrapping_add(1);
            let d = dynamodb.clone();
            let trim = ticks.is_multiple_of(TRIM_EVERY);
            let swept = laminar_db::try_blocking(move || {
                d.sweep_expired_items()?;
                if trim {
                    d.trim_streams()?;
                }
                Ok::<(), DynamoError>(())
            })
            .await;
            if let Err(e) = swept {
                tracing::warn!(error = %e, "the DynamoDB time-to-live sweep failed");
            }
        }
    });
}

fn streams_constraints() -> &'static Constraints {
    static CONSTRAINTS: OnceLock<Constraints> = OnceLock::new();
    CONSTRAINTS.get_or_init(|| Constraints::parse(laminar_dynamodb::STREAMS_CONSTRAINTS))
}
/// A batch write carries 25 items of up to 400 KB, in JSON.
const BODY_MAX_BYTES: usize = 16 * 1024 * 1024;

fn constraints() -> &'static Constraints {
    static CONSTRAINTS: OnceLock<Constraints> = OnceLock::new();
    CONSTRAINTS.get_or_init(|| Constraints::parse(laminar_dynamodb::CONSTRAINTS))
}

pub async fn serve(
    dynamodb: &DynamoService,
    scope: &Scope,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let (streams, operation) = match target.strip_prefix(STREAMS_PREFIX) {
        Some(operation) => (true, operation.to_string()),
        None => (
            false,
            target
                .strip_prefix(TARGET_PREFIX)
                .unwrap_or_default()
                .to_string(),
        ),
    };
    let Ok(body) = axum::body::to_bytes(body, BODY_MAX_BYTES).await else {
        return error(&DynamoError::validation("Request too large"));
    };
    let checked = if streams {
        streams_constraints().check_body(&operation, &body)
    } else {
        constraints().check_body(&operation, &body)
    };
    if let Err(e) = checked {
        return error(&DynamoError::validation(e.message));
    }
    if !streams && operation == "GetItem" {
        // A point read needs no blocking thread (see `DynamoService::get_item`).
        let got = match input(&body) {
            Ok(get) => dynamodb.get_item(caller(scope), get).await,
            Err(e) => Err(e),
        };
        return answer(output(got));
    }
    let dynamodb = dynamodb.clone();
    let scope = scope.clone();
    // SQLite work (a commit is an fsync with --data-dir) stays off the async workers.
    let run = move || {
        if streams {
            dispatch_streams(&dynamodb, &scope, &operation, &body)
        } else {
            dispatch(&dynamodb, &scope, &operation, &body)
        }
    };
    answer(laminar_db::try_blocking(run).await)
}

fn answer(result: DynamoResult<serde_json::Value>) -> Response {
    match result {
        Ok(value) => ok(value),
        Err(e) => error(&e),
    }
}

fn caller(scope: &Scope) -> Caller<'_> {
    Caller {
        account: scope.account.as_str(),
        region: scope.region.as_str(),
    }
}

fn dispatch(
    dynamodb: &DynamoService,
    scope: &Scope,
    operation: &str,
    body: &[u8],
) -> DynamoResult<serde_json::Value> {
    let caller = caller(scope);
    let d = dynamodb;
    match operation {
        "CreateTable" => d.create_table(caller, input(body)?),
        "DescribeTable" => d.describe_table(caller, input(body)?),
        "ListTables" => output(d.list_tables(caller, input(body)?)),
        "UpdateTable" => d.update_table(caller, input(body)?),
        "DeleteTable" => d.delete_table(caller, input(body)?),
        "TagResource" => unit(d.tag_resource(caller, input(body)?)),
        "UntagResource" => unit(d.untag_resource(caller, input(body)?)),
        "ListTagsOfResource" => output(d.list_tags_of_resource(caller, input(body)?)),
        "UpdateTimeToLive" => output(d.update_time_to_live(caller, input(body)?)),
        "DescribeTimeToLive" => output(d.describe_time_to_live(caller, input(body)?)),
        "PutItem" => output(d.put_item(caller, input(body)?)),
        "DeleteItem" => output(d.delete_item(caller, input(body)?)),
        "UpdateItem" => output(d.update_item(caller, input(body)?)),
        "Query" => output(d.query(caller, input(body)?)),
        "Scan" => output(d.scan(caller, input(body)?)),
        "BatchGetItem" => output(d.batch_get_item(caller, input(body)?)),
        "BatchWriteItem" => output(d.batch_write_item(caller, input(body)?)),
        "TransactWriteItems" => d.transact_write_items(caller, input(body)?),
        "TransactGetItems" => output(d.transact_get_items(caller, input(body)?)),
        other => Err(DynamoError {
            code: "UnknownOperationException",
            message: format!("The operation {other} is not supported by laminar's DynamoDB."),
            status: 400,
            extra: None,
        }),
    }
}

fn dispatch_streams(
    dynamodb: &DynamoService,
    scope: &Scope,
    operation: &str,
    body: &[u8],
) -> DynamoResult<serde_json::Value> {
    let caller = caller(scope);
    let d = dynamodb;
    match operation {
        "ListStreams" => d.list_streams(caller, input(body)?),
        "DescribeStream" => d.describe_stream(caller, input(body)?),
        "GetShardIterator" => d.get_shard_iterator(caller, input(body)?),
        "GetRecords" => d.get_records(caller, input(body)?),
        other => Err(DynamoError {
            code: "UnknownOperationException",
            message: format!(
                "The operation {other} is not supported by laminar's DynamoDB Streams."
            ),
            status: 400,
            extra: None,
        }),
    }
}

fn input<T: DeserializeOwned + Default>(body: &[u8]) -> DynamoResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body)
        .map_err(|e| DynamoError::serialization(format!("The request body could not be read: {e}")))
}

fn unit(result: DynamoResult<()>) -> DynamoResult<serde_json::Value> {
    result.map(|()| serde_json::json!({}))
}

fn output<T: Serialize>(result: DynamoResult<T>) -> DynamoResult<serde_json::Value> {
    let value = result?;
    serde_json::to_value(value)
        .map_err(|e| DynamoError::internal(format!("could not render the answer: {e}")))
}

fn ok(value: serde_json::Value) -> Response {
    render::raw(200, CONTENT_TYPE, value.to_string())
}

fn error(e: &DynamoError) -> Response {
    let namespace = if e.code == "ValidationException" || e.code == "SerializationException" {
        "com.amazon.coral.validate"
    } else {
        "com.amazonaws.dynamodb.v20120810"
    };
    let mut body =
        serde_json::json!({ "__type": format!("{namespace}#{}", e.code), "message": e.message });
    let extra = e
        .extra
        .as_deref()
        .and_then(|x| serde_json::from_str::<serde_json::Value>(x).ok());
    if let Some(serde_json::Value::Object(members)) = extra {
        for (name, value) in members {
            body[name] = value;
        }
    }
    let mut response = render::raw(e.status, CONTENT_TYPE, body.to_string());
    response
        .headers_mut()
        .insert("x-amzn-errortype", HeaderValue::from_static(e.code));
    response
}
