//! Amazon CloudWatch (metrics) on the wire: JSON 1.0 in query-compatible
//! mode (`X-Amz-Target: GraniteServiceVersion20100801.*`, what botocore
//! sends): errors carry the model's shape in `__type` and the query-era
//! code in `x-amzn-query-error` (`InvalidParameterValue;Sender`), which
//! clients report as the error code.

use crate::render;
use axum::body::Body;
use axum::http::HeaderMap;
use axum::response::Response;
use laminar_cloudwatch::{CloudWatchService, CwError, CwResult, Scope};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::time::Duration;

const CONTENT_TYPE: &str = "application/x-amz-json-1.0";
/// PutMetricData takes up to 1 MB.
const BODY_MAX_BYTES: usize = 2 * 1024 * 1024;
pub const TARGET_PREFIX: &str = "GraniteServiceVersion20100801.";

pub async fn serve(
    cloudwatch: &CloudWatchService,
    scope: &laminar_lambda::Scope,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    let id = uuid::Uuid::new_v4().to_string();
    let operation = crate::request::target_operation(headers, TARGET_PREFIX);
    let Ok(body) = axum::body::to_bytes(body, BODY_MAX_BYTES).await else {
        return error(&CwError::invalid_value("Request too large"), &id);
    };
    // The SDKs gzip PutMetricData bodies over 10 KB (the model's request compression).
    let gzipped = headers
        .get("content-encoding")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("gzip"));
    let body = if gzipped {
        match gunzip(&body) {
            Some(plain) => plain,
            None => {
                return error(
                    &CwError::invalid_value("The request body is not valid gzip."),
                    &id,
                )
            }
        }
    } else {
        body.to_vec()
    };
    let cloudwatch = cloudwatch.clone();
    let scope = Scope::new(&scope.account, &scope.region);
    // SQLite work stays off the async workers.
    match laminar_db::try_blocking(move || dispatch(&cloudwatch, &scope, &operation, &body)).await {
        Ok(value) => {
            render::with_request_id(render::raw(200, CONTENT_TYPE, value.to_string()), &id)
        }
        Err(e) => error(&e, &id),
    }
}

pub(crate) fn dispatch(
    cw: &CloudWatchService,
    scope: &Scope,
    operation: &str,
    body: &[u8],
) -> CwResult<Value> {
    match operation {
        "PutMetricData" => cw
            .put_metric_data(scope, &input(body)?)
            .map(|()| serde_json::json!({})),
        "ListMetrics" => json(cw.list_metrics(scope, &input(body)?)?),
        "GetMetricStatistics" => json(cw.get_metric_statistics(scope, &input(body)?)?),
        "GetMetricData" => json(cw.get_metric_data(scope, &input(body)?)?),
        other => Err(CwError {
            code: "InvalidAction",
            shape: "InvalidAction",
            message: format!("The action {other} is not valid for this web service."),
            status: 400,
        }),
    }
}

/// A gzip body, inflated up to the body limit.
fn gunzip(body: &[u8]) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(body)
        .take(BODY_MAX_BYTES as u64 + 1)
        .read_to_end(&mut plain)
        .ok()?;
    (plain.len() <= BODY_MAX_BYTES).then_some(plain)
}

fn json<T: serde::Serialize>(value: T) -> CwResult<Value> {
    serde_json::to_value(value).map_err(|e| CwError::internal(e.to_string()))
}

fn input<T: DeserializeOwned + Default>(body: &[u8]) -> CwResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| CwError {
        code: "SerializationException",
        shape: "SerializationException",
        message: format!("The request body could not be read: {e}"),
        status: 400,
    })
}

pub(crate) fn error(e: &CwError, id: &str) -> Response {
    render::query_compatible_error(
        e.status,
        format!("com.amazonaws.cloudwatch#{}", e.shape),
        &e.message,
        e.code,
        id,
    )
}

/// Writes the metrics recorded in memory each second, so they outlive a
/// crash of at most a second's worth (reads flush first anyway).
pub fn start_flusher(cloudwatch: CloudWatchService) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            let cw = cloudwatch.clone();
            if let Ok(Err(e)) = laminar_db::blocking(move || cw.flush()).await {
                tracing::warn!(error = %e, "writing metrics failed");
            }
        }
    });
}
