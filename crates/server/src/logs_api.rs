//! CloudWatch Logs on the wire: JSON 1.1 (`X-Amz-Target: Logs_20140328.*`).

use crate::render;
use axum::body::Body;
use axum::http::HeaderMap;
use axum::response::Response;
use laminar_lambda::Scope;
use laminar_logs::LogsService;

pub async fn serve(
    _logs: &LogsService,
    _scope: &Scope,
    _headers: &HeaderMap,
    _body: Body,
) -> Response {
    render::json(
        400,
        &serde_json::json!({"__type": "InvalidOperationException", "message": "CloudWatch Logs is not built yet"}),
    )
}
