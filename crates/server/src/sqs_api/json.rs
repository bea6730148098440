//! The JSON 1.0 protocol: `AmazonSQS.<Operation>`, errors with `__type` and
//! the `x-amzn-query-error` header query-compatible clients map codes with.

use super::{endpoint, ops, request_id};
use crate::render;
use axum::body::Body;
use axum::http::HeaderMap;
use axum::response::Response;
use laminar_lambda::Scope;
use laminar_model::limits::REQUEST_BODY_MAX_BYTES;
use laminar_sqs::{SqsError, SqsService};

const CONTENT_TYPE: &str = "application/x-amz-json-1.0";

pub async fn serve_json(
    sqs: &SqsService,
    scope: &Scope,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    let id = request_id();
    let operation = crate::request::target_operation(headers, "AmazonSQS.");
    let Ok(bytes) = axum::body::to_bytes(body, REQUEST_BODY_MAX_BYTES).await else {
        return error(
            &SqsError::batch_request_too_long(REQUEST_BODY_MAX_BYTES),
            &id,
        );
    };
    let input: serde_json::Value = if bytes.iter().all(u8::is_ascii_whitespace) {
        serde_json::json!({})
    } else {
        match serde_json::from_slice(&bytes) {
            Ok(v) => v,
            Err(e) => {
                let e = SqsError {
                    code: "MalformedInput".into(),
                    message: format!("The request body is not valid JSON: {e}"),
                    status: 400,
                };
                return error(&e, &id);
            }
        }
    };
    match ops::call(sqs, scope, &endpoint(headers), &operation, &input).await {
        Ok(output) => {
            render::with_request_id(render::raw(200, CONTENT_TYPE, output.to_string()), &id)
        }
        Err(e) => error(&e, &id),
    }
}

pub(crate) fn error(e: &SqsError, id: &str) -> Response {
    render::query_compatible_error(
        e.status,
        format!("com.amazonaws.sqs#{}", e.json_type()),
        &e.message,
        &e.code,
        id,
    )
}
