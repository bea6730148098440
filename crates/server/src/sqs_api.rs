//! SQS on the wire: the JSON protocol (`X-Amz-Target: AmazonSQS.*`) and the
//! query protocol (`Action=…`, XML answers).

use crate::render;
use axum::body::Body;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use laminar_lambda::Scope;
use laminar_sqs::SqsService;

pub async fn serve_json(
    _sqs: &SqsService,
    _scope: &Scope,
    _headers: &HeaderMap,
    _body: Body,
) -> Response {
    render::json(
        400,
        &serde_json::json!({"__type": "com.amazonaws.sqs#InvalidAction", "message": "SQS is not built yet"}),
    )
}

pub async fn serve_query(
    _sqs: &SqsService,
    _scope: &Scope,
    _uri: &Uri,
    _headers: &HeaderMap,
    _body: Body,
) -> Response {
    render::raw(400, "text/xml", "<ErrorResponse><Error><Code>InvalidAction</Code><Message>SQS is not built yet</Message></Error></ErrorResponse>")
}
