//! HTTP handlers of the Extensions API (2020-01-01) and of the Telemetry and
//! Logs APIs' subscriptions, with the status codes, error types and messages
//! Lambda answers with.

use crate::extensions::RegisterError;
use crate::telemetry::Stream;
use crate::Shared;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{json, Value};
use std::sync::Arc;

type SharedState = State<Arc<Shared>>;

const IDENTIFIER: &str = "lambda-extension-identifier";
const ERROR_TYPE: &str = "lambda-extension-function-error-type";

fn refuse(status: StatusCode, error_type: &str, message: &str) -> Response {
    let body = json!({ "errorType": error_type, "errorMessage": message });
    (
        status,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn forbidden(error_type: &str, message: &str) -> Response {
    refuse(StatusCode::FORBIDDEN, error_type, message)
}

/// The registered extension a request names in `Lambda-Extension-Identifier`
/// (its id and name), or the refusal's error type and message.
fn caller(
    shared: &Shared,
    headers: &HeaderMap,
) -> Result<(String, String), (&'static str, String)> {
    let Some(raw) = headers.get(IDENTIFIER).filter(|v| !v.is_empty()) else {
        return Err((
            "Extension.MissingExtensionIdentifier",
            "Missing Lambda-Extension-Identifier header".into(),
        ));
    };
    let id = raw
        .to_str()
        .ok()
        .and_then(|s| uuid::Uuid::parse_str(s).ok())
        .map(|u| u.to_string())
        .ok_or((
            "Extension.InvalidExtensionIdentifier",
            "Invalid Lambda-Extension-Identifier".to_string(),
        ))?;
    match shared.extensions.name_of(&id) {
        Some(name) => Ok((id, name)),
        None => Err((
            "Extension.UnknownExtensionIdentifier",
            format!("Unknown extension {id}"),
        )),
    }
}

pub(crate) async fn register(
    State(shared): SharedState,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let name = headers
        .get("lambda-extension-name")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    if name.is_empty() {
        return forbidden("Extension.InvalidExtensionName", "Empty extension name");
    }
    let request: Value = match serde_json::from_slice(&body) {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) => return forbidden("InvalidRequestFormat", "the body is not a JSON object"),
        Err(e) => return forbidden("InvalidRequestFormat", &e.to_string()),
    };
    if request
        .get("configurationKeys")
        .and_then(Value::as_array)
        .is_some_and(|k| !k.is_empty())
    {
        return forbidden(
            "InvalidRequestFormat",
            "configurationKeys are deprecated; use environment variables instead",
        );
    }
    let events: Vec<String> = request
        .get("events")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|e| e.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default();
    let external = shared.extensions.is_external(&name);
    for event in &events {
        let problem = match event.as_str() {
            "INVOKE" => None,
            "SHUTDOWN" if external => None,
            "SHUTDOWN" => Some("ShutdownEventNotSupportedForInternalExtension"),
            _ => Some("ErrorInvalidEventType"),
        };
        if let Some(problem) = problem {
            return forbidden("Extension.InvalidEventType", &format!("{event}: {problem}"));
        }
    }
    let invoke = events.iter().any(|e| e == "INVOKE");
    let shutdown = events.iter().any(|e| e == "SHUTDOWN");
    let id = match shared.extensions.register(&name, invoke, shutdown) {
        Ok(id) => id,
        Err(RegisterError::Closed) => {
            return forbidden(
                "Extension.RegistrationClosed",
                "Extension registration closed already",
            )
        }
        Err(RegisterError::Duplicate) => {
            return forbidden(
                "Extension.InvalidExtensionState",
                "Extension with this name already registered",
            )
        }
        Err(RegisterError::TooMany) => {
            return forbidden(
                "Extension.TooManyExtensions",
                &format!(
                    "Extension limit ({}) reached",
                    crate::extensions::MAX_EXTENSIONS
                ),
            )
        }
    };
    let f = &shared.function;
    let mut answer = json!({
        "functionName": f.function_name,
        "functionVersion": f.function_version,
        "handler": f.handler,
    });
    let wants_account = headers
        .get_all("lambda-extension-accept-feature")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|f| f.trim() == "accountId");
    if wants_account {
        answer["accountId"] = Value::String(f.account_id.clone());
    }
    if shared.telemetry.wanted() {
        let events: Vec<&str> = [("INVOKE", invoke), ("SHUTDOWN", shutdown)]
            .into_iter()
            .filter_map(|(e, on)| on.then_some(e))
            .collect();
        shared.telemetry.emit(
            Stream::Platform,
            "platform.extension",
            json!({ "name": name, "state": "Ready", "events": events }),
        );
    }
    let mut response = (
        StatusCode::OK,
        [("content-type", "application/json")],
        answer.to_string(),
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(IDENTIFIER, value);
    }
    response
}

pub(crate) async fn next(State(shared): SharedState, headers: HeaderMap) -> Response {
    let (id, _) = match caller(&shared, &headers) {
        Ok(c) => c,
        Err((error_type, message)) => return forbidden(error_type, &message),
    };
    let Some(event) = shared.extensions.next(&id) else {
        return forbidden(
            "Extension.UnknownExtensionIdentifier",
            &format!("Unknown extension {id}"),
        );
    };
    let Ok(event) = event.await else {
        return refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            "Internal Server Error",
        );
    };
    let mut response = (
        StatusCode::OK,
        [("content-type", "application/json")],
        event,
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        response
            .headers_mut()
            .insert("lambda-extension-event-identifier", value);
    }
    response
}

async fn report_error(shared: &Shared, headers: &HeaderMap, on_exit: bool) -> Response {
    let (id, _) = match caller(shared, headers) {
        Ok(c) => c,
        Err((error_type, message)) => return forbidden(error_type, &message),
    };
    let Some(error_type) = headers
        .get(ERROR_TYPE)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
    else {
        return forbidden(
            "Extension.MissingHeader",
            "Lambda-Extension-Function-Error-Type not found",
        );
    };
    shared.extensions.report_error(&id, error_type, on_exit);
    (
        StatusCode::ACCEPTED,
        [("content-type", "application/json")],
        r#"{"status":"OK"}"#,
    )
        .into_response()
}

pub(crate) async fn init_error(State(shared): SharedState, headers: HeaderMap) -> Response {
    report_error(&shared, &headers, false).await
}

pub(crate) async fn exit_error(State(shared): SharedState, headers: HeaderMap) -> Response {
    report_error(&shared, &headers, true).await
}

/// `PUT /2022-07-01/telemetry` (and the older `/2020-08-15/logs`).
pub(crate) async fn subscribe(
    State(shared): SharedState,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (_, name) = match caller(&shared, &headers) {
        Ok(c) => c,
        Err((error_type, message)) => return forbidden(error_type, &message),
    };
    match shared.telemetry.subscribe(&name, &body) {
        Ok(types) => {
            shared.telemetry.emit(
                Stream::Platform,
                "platform.telemetrySubscription",
                json!({ "name": name, "state": "Subscribed", "types": types }),
            );
            (StatusCode::OK, "OK").into_response()
        }
        Err((status, error_type, message)) => refuse(
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            error_type,
            &message,
        ),
    }
}
