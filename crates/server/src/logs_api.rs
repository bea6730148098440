//! CloudWatch Logs on the wire: JSON 1.1 (`X-Amz-Target: Logs_20140328.*`).
//! Requests and answers are the model's JSON shapes; errors are status,
//! `x-amzn-ErrorType` and `{"__type", "message"}`.

use crate::render;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use laminar_lambda::Scope;
use laminar_logs::{LogsError, LogsResult, LogsService};
use serde::de::DeserializeOwned;
use serde::Serialize;

const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
/// PutLogEvents carries up to 1 MiB of messages plus JSON framing.
const BODY_MAX_BYTES: usize = 8 * 1024 * 1024;

pub async fn serve(logs: &LogsService, scope: &Scope, headers: &HeaderMap, body: Body) -> Response {
    let operation = crate::request::target_operation(headers, "Logs_20140328.");
    let Ok(body) = axum::body::to_bytes(body, BODY_MAX_BYTES).await else {
        return error(&LogsError::invalid("Request too large"));
    };
    let logs = logs.clone();
    let scope = scope.clone();
    // SQLite work (a commit is an fsync with --data-dir) stays off the async workers.
    match laminar_db::try_blocking(move || dispatch(&logs, &scope, &operation, &body)).await {
        Ok(value) => ok(value),
        Err(e) => error(&e),
    }
}

fn dispatch(
    logs: &LogsService,
    scope: &Scope,
    operation: &str,
    body: &[u8],
) -> LogsResult<serde_json::Value> {
    let (account, region) = (scope.account.as_str(), scope.region.as_str());
    match operation {
        "CreateLogGroup" => unit(logs.create_log_group(account, region, input(body)?)),
        "DeleteLogGroup" => {
            let req: laminar_logs::GroupRequest = input(body)?;
            unit(logs.delete_log_group(account, region, &req.log_group_name))
        }
        "DescribeLogGroups" => output(logs.describe_log_groups(account, region, input(body)?)),
        "CreateLogStream" => unit(logs.create_log_stream(account, region, &input(body)?)),
        "DeleteLogStream" => unit(logs.delete_log_stream(account, region, &input(body)?)),
        "DescribeLogStreams" => output(logs.describe_log_streams(account, region, input(body)?)),
        "PutLogEvents" => output(logs.put_log_events(account, region, input(body)?)),
        "GetLogEvents" => output(logs.get_log_events(account, region, input(body)?)),
        "FilterLogEvents" => output(logs.filter_log_events(account, region, input(body)?)),
        "PutRetentionPolicy" => unit(logs.put_retention_policy(account, region, input(body)?)),
        "DeleteRetentionPolicy" => {
            let req: laminar_logs::GroupRequest = input(body)?;
            unit(logs.delete_retention_policy(account, region, &req.log_group_name))
        }
        "PutSubscriptionFilter" => {
            unit(logs.put_subscription_filter(account, region, input(body)?))
        }
        "DescribeSubscriptionFilters" => {
            output(logs.describe_subscription_filters(account, region, input(body)?))
        }
        "DeleteSubscriptionFilter" => {
            unit(logs.delete_subscription_filter(account, region, &input(body)?))
        }
        "TagLogGroup" | "TagResource" => unit(logs.tag(account, region, &input(body)?)),
        "UntagLogGroup" | "UntagResource" => unit(logs.untag(account, region, &input(body)?)),
        "ListTagsLogGroup" | "ListTagsForResource" => {
            output(logs.list_tags(account, region, &input(body)?))
        }
        other => Err(LogsError {
            code: "UnknownOperationException".into(),
            message: format!(
                "The operation {other} is not supported by laminar's CloudWatch Logs."
            ),
            status: 400,
        }),
    }
}

fn input<T: DeserializeOwned + Default>(body: &[u8]) -> LogsResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| LogsError {
        code: "SerializationException".into(),
        message: format!("The request body could not be read: {e}"),
        status: 400,
    })
}

fn unit(result: LogsResult<()>) -> LogsResult<serde_json::Value> {
    result.map(|()| serde_json::json!({}))
}

fn output<T: Serialize>(result: LogsResult<T>) -> LogsResult<serde_json::Value> {
    let value = result?;
    serde_json::to_value(value)
        .map_err(|e| LogsError::unavailable(format!("could not render the answer: {e}")))
}

fn ok(value: serde_json::Value) -> Response {
    render::raw(200, CONTENT_TYPE, value.to_string())
}

fn error(e: &LogsError) -> Response {
    let body = serde_json::json!({ "__type": e.code, "message": e.message });
    let mut response = render::raw(e.status, CONTENT_TYPE, body.to_string());
    if let Ok(code) = HeaderValue::from_str(&e.code) {
        response.headers_mut().insert("x-amzn-errortype", code);
    }
    response
}
