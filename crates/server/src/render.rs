//! Answers as the Lambda REST-JSON protocol renders them.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use laminar_model::error::Blame;
use laminar_model::ApiError;
use serde::Serialize;

pub fn json<T: Serialize>(status: u16, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => raw(status, "application/json", body),
        Err(e) => error(&ApiError::service(format!(
            "could not render the answer: {e}"
        ))),
    }
}

pub fn raw(status: u16, content_type: &'static str, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static(content_type));
    response
}

pub fn empty(status: u16) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    response
}

/// Status, `x-amzn-ErrorType` and a body with `Type` and the message: what
/// the SDKs read to pick the modelled exception.
pub fn error(e: &ApiError) -> Response {
    let mut body = serde_json::Map::new();
    let blame = match e.kind.blame() {
        Blame::User => "User",
        Blame::Service => "Service",
    };
    body.insert("Type".into(), blame.into());
    body.insert(e.kind.message_key().into(), e.message.clone().into());
    if let Some(reason) = e.reason {
        body.insert("Reason".into(), reason.into());
    }
    let mut response = raw(
        e.status(),
        "application/json",
        serde_json::Value::Object(body).to_string(),
    );
    let headers = response.headers_mut();
    headers.insert("x-amzn-errortype", HeaderValue::from_static(e.code()));
    if e.reason.is_some() {
        headers.insert("retry-after", HeaderValue::from_static("1"));
    }
    response
}

/// The invocation's own id answers the request, as AWS's does: the one the
/// function's context, its START/END/REPORT lines and its log show.
pub fn set_request_id(headers: &mut axum::http::HeaderMap, request_id: &str) {
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", v);
    }
}

/// `response` answered under `request_id` (`x-amzn-requestid`).
pub fn with_request_id(mut response: Response, request_id: &str) -> Response {
    set_request_id(response.headers_mut(), request_id);
    response
}

/// An error of a JSON 1.0 service in query-compatible mode (SQS,
/// CloudWatch): the model's namespaced type in `__type`, and the query-era
/// code with its fault in `x-amzn-query-error`, which the SDKs report as
/// the error code.
pub fn query_compatible_error(
    status: u16,
    namespaced_type: String,
    message: &str,
    query_code: &str,
    request_id: &str,
) -> Response {
    let body = serde_json::json!({ "__type": namespaced_type, "message": message });
    let mut response = with_request_id(
        raw(status, "application/x-amz-json-1.0", body.to_string()),
        request_id,
    );
    let fault = if status >= 500 { "Receiver" } else { "Sender" };
    if let Ok(v) = HeaderValue::from_str(&format!("{query_code};{fault}")) {
        response.headers_mut().insert("x-amzn-query-error", v);
    }
    response
}
