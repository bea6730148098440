//! HTTP handlers of the Runtime API (2018-06-01), with the status codes and
//! headers the official runtime clients expect.

use crate::{
    ext_routes, init_reports, output_relay, InitError, Outcome, Pending, Shared, StreamEnd,
    MAX_RESPONSE_BYTES, MAX_STREAMED_RESPONSE_BYTES,
};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use bytes::Bytes;
use std::sync::Arc;
use std::time::Instant;

type SharedState = State<Arc<Shared>>;

pub(crate) async fn serve(listener: tokio::net::TcpListener, shared: Arc<Shared>) {
    use axum::serve::ListenerExt;
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(response),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(init_error))
        .route("/2020-01-01/extension/register", post(ext_routes::register))
        .route("/2020-01-01/extension/event/next", get(ext_routes::next))
        .route(
            "/2020-01-01/extension/init/error",
            post(ext_routes::init_error),
        )
        .route(
            "/2020-01-01/extension/exit/error",
            post(ext_routes::exit_error),
        )
        .route("/2022-07-01/telemetry", put(ext_routes::subscribe))
        .route("/2022-07-01/telemetry/", put(ext_routes::subscribe))
        .route("/2020-08-15/logs", put(ext_routes::subscribe))
        .route("/2020-08-15/logs/", put(ext_routes::subscribe))
        .route("/_laminar/init/extensions", post(init_reports::extensions))
        .route("/_laminar/init/exit", post(init_reports::exit))
        .route("/_laminar/init/output", post(output_relay::output))
        .route("/_laminar/init/flush", get(output_relay::flush))
        .with_state(shared);
    let listener = listener.tap_io(|tcp| {
        // Small request/response exchanges: never wait for Nagle.
        let _ = tcp.set_nodelay(true);
    });
    if let Err(e) = axum::serve(listener, app).await {
        tracing::warn!(error = %e, "runtime API listener stopped");
    }
}

fn status_body(status: StatusCode, error_type: &str, message: &str) -> Response {
    let body = serde_json::json!({ "errorType": error_type, "errorMessage": message });
    (
        status,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn accepted() -> Response {
    (
        StatusCode::ACCEPTED,
        [("content-type", "application/json")],
        r#"{"status":"OK"}"#,
    )
        .into_response()
}

async fn next(State(shared): SharedState) -> Response {
    shared.marks.polled();
    shared.ready_at.send_if_modified(|at| {
        let first = at.is_none();
        if first {
            *at = Some(Instant::now());
        }
        first
    });
    let Pending { invocation, reply } = {
        let mut queue = shared.queue_rx.lock().await;
        match queue.recv().await {
            Some(pending) => pending,
            None => {
                return status_body(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Runtime.Shutdown",
                    "the execution environment is shutting down",
                )
            }
        }
    };
    lock(&shared).insert(invocation.request_id.clone(), reply);
    shared.marks.handed();

    let mut response = Response::new(Body::from(invocation.payload));
    let headers = response.headers_mut();
    // awslambdaric crashes on a `next` answer without a content type.
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    let mut set = |name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    set("lambda-runtime-aws-request-id", &invocation.request_id);
    set(
        "lambda-runtime-deadline-ms",
        &invocation.deadline_ms.to_string(),
    );
    set(
        "lambda-runtime-invoked-function-arn",
        &invocation.invoked_function_arn,
    );
    set("lambda-runtime-trace-id", &invocation.trace_id);
    if let Some(cc) = &invocation.client_context {
        set("lambda-runtime-client-context", cc);
    }
    if let Some(ci) = &invocation.cognito_identity {
        set("lambda-runtime-cognito-identity", ci);
    }
    if let Some(tenant) = &invocation.tenant_id {
        set("lambda-runtime-aws-tenant-id", tenant);
    }
    response
}

fn lock(
    shared: &Shared,
) -> std::sync::MutexGuard<
    '_,
    std::collections::HashMap<String, tokio::sync::oneshot::Sender<Outcome>>,
> {
    shared.in_flight.lock().unwrap_or_else(|e| e.into_inner())
}

/// Reads a body of at most `MAX_RESPONSE_BYTES`; `Err(size)` when larger.
async fn read_limited(body: Body) -> Result<Bytes, usize> {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut buf = bytes::BytesMut::new();
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else { break };
        if let Ok(data) = frame.into_data() {
            total += data.len();
            if total <= MAX_RESPONSE_BYTES {
                buf.extend_from_slice(&data);
            }
        }
    }
    if total > MAX_RESPONSE_BYTES {
        Err(total)
    } else {
        Ok(buf.freeze())
    }
}

fn unknown_request(id: &str) -> Response {
    status_body(
        StatusCode::BAD_REQUEST,
        "InvalidRequestID",
        &format!("Invalid request ID: {id}"),
    )
}

async fn response(
    State(shared): SharedState,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(reply) = lock(&shared).remove(&id) else {
        return unknown_request(&id);
    };
    shared.marks.response_started();
    let streaming = headers
        .get("lambda-runtime-function-response-mode")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"streaming"));
    if streaming {
        let answer = stream_response(reply, body).await;
        shared.marks.response_ended();
        return answer;
    }
    let read = read_limited(body).await;
    shared.marks.response_ended();
    match read {
        Ok(bytes) => {
            let _ = reply.send(Outcome::Response(bytes));
            accepted()
        }
        Err(size) => {
            let _ = reply.send(Outcome::ResponseTooLarge { size });
            status_body(
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestEntityTooLarge",
                &format!("Exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes)."),
            )
        }
    }
}

/// Passes a streamed response on chunk by chunk; its trailers may carry an
/// error that ends it.
async fn stream_response(reply: tokio::sync::oneshot::Sender<Outcome>, body: Body) -> Response {
    use base64::Engine;
    use http_body_util::BodyExt;
    let (chunks_tx, chunks) = tokio::sync::mpsc::channel(32);
    let (end_tx, end) = tokio::sync::oneshot::channel();
    let _ = reply.send(Outcome::Stream { chunks, end });
    let mut body = body;
    let mut total = 0usize;
    let mut outcome = StreamEnd::Complete;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else { break };
        let frame = match frame.into_data() {
            Ok(data) => {
                total += data.len();
                if total > MAX_STREAMED_RESPONSE_BYTES {
                    outcome = StreamEnd::Error {
                        error_type: "Function.ResponseSizeTooLarge".into(),
                        body: Bytes::from(format!(
                            r#"{{"errorType":"Function.ResponseSizeTooLarge","errorMessage":"Response payload size exceeded maximum allowed payload size ({MAX_STREAMED_RESPONSE_BYTES} bytes)."}}"#
                        )),
                    };
                    break;
                }
                // A client that went away stops receiving, not the runtime.
                let _ = chunks_tx.send(data).await;
                continue;
            }
            Err(frame) => frame,
        };
        if let Ok(trailers) = frame.into_trailers() {
            if let Some(kind) = error_type(&trailers) {
                let body = trailers
                    .get("lambda-runtime-function-error-body")
                    .and_then(|v| {
                        base64::engine::general_purpose::STANDARD
                            .decode(v.as_bytes())
                            .ok()
                    })
                    .unwrap_or_default();
                outcome = StreamEnd::Error {
                    error_type: kind,
                    body: Bytes::from(body),
                };
            }
        }
    }
    drop(chunks_tx);
    let _ = end_tx.send(outcome);
    accepted()
}

fn error_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get("lambda-runtime-function-error-type")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

async fn error(
    State(shared): SharedState,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(reply) = lock(&shared).remove(&id) else {
        return unknown_request(&id);
    };
    shared.marks.response_started();
    let body = read_limited(body).await.unwrap_or_default();
    shared.marks.response_ended();
    let _ = reply.send(Outcome::Error {
        error_type: error_type(&headers),
        body,
    });
    accepted()
}

async fn init_error(State(shared): SharedState, headers: HeaderMap, body: Body) -> Response {
    let body = read_limited(body).await.unwrap_or_default();
    shared.init_error.send_replace(Some(InitError {
        error_type: error_type(&headers),
        body,
    }));
    // The official clients treat anything but 202 here as fatal.
    accepted()
}
