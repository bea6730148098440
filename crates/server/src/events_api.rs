//! Amazon EventBridge on the wire: JSON 1.1 (`X-Amz-Target: AWSEvents.*`).
//! Requests are checked against the model's constraints
//! (`laminar_events::CONSTRAINTS`) before the service sees them; errors are
//! status, `x-amzn-ErrorType` and `{"__type", "message"}`.

use crate::render;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use laminar_events::{Caller, EventsError, EventsResult, EventsService};
use laminar_lambda::Scope;
use laminar_model::constraints::Constraints;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::OnceLock;

const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
/// PutEvents takes up to 256 KiB of entries; the rest is headroom.
const BODY_MAX_BYTES: usize = 1024 * 1024;

fn constraints() -> &'static Constraints {
    static CONSTRAINTS: OnceLock<Constraints> = OnceLock::new();
    CONSTRAINTS.get_or_init(|| Constraints::parse(laminar_events::CONSTRAINTS))
}

pub async fn serve(
    events: &EventsService,
    scope: &Scope,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    let operation = crate::request::target_operation(headers, "AWSEvents.");
    let Ok(body) = axum::body::to_bytes(body, BODY_MAX_BYTES).await else {
        return error(&EventsError::validation("Request too large"));
    };
    if let Err(e) = constraints().check_body(&operation, &body) {
        return error(&EventsError::validation(e.message));
    }
    let events = events.clone();
    let scope = scope.clone();
    // SQLite work (a commit is an fsync with --data-dir) stays off the async workers.
    match laminar_db::try_blocking(move || dispatch(&events, &scope, &operation, &body)).await {
        Ok(value) => render::raw(200, CONTENT_TYPE, value.to_string()),
        Err(e) => error(&e),
    }
}

fn dispatch(
    events: &EventsService,
    scope: &Scope,
    operation: &str,
    body: &[u8],
) -> EventsResult<Value> {
    let caller = Caller {
        account: scope.account.as_str(),
        region: scope.region.as_str(),
    };
    let e = events;
    match operation {
        "CreateEventBus" => e.create_event_bus(caller, input(body)?),
        "DescribeEventBus" => e.describe_event_bus(caller, input(body)?),
        "ListEventBuses" => e.list_event_buses(caller, input(body)?),
        "DeleteEventBus" => unit(e.delete_event_bus(caller, input(body)?)),
        "PutRule" => e.put_rule(caller, input(body)?),
        "DescribeRule" => e.describe_rule(caller, input(body)?),
        "ListRules" => e.list_rules(caller, input(body)?),
        "EnableRule" => unit(e.enable_rule(caller, input(body)?)),
        "DisableRule" => unit(e.disable_rule(caller, input(body)?)),
        "DeleteRule" => unit(e.delete_rule(caller, input(body)?)),
        "PutTargets" => e.put_targets(caller, input(body)?),
        "ListTargetsByRule" => e.list_targets_by_rule(caller, input(body)?),
        "ListRuleNamesByTarget" => e.list_rule_names_by_target(caller, input(body)?),
        "RemoveTargets" => e.remove_targets(caller, input(body)?),
        "PutEvents" => e.put_events(caller, input(body)?),
        "TestEventPattern" => e.test_event_pattern(input(body)?),
        "TagResource" => unit(e.tag_resource(caller, input(body)?)),
        "UntagResource" => unit(e.untag_resource(caller, input(body)?)),
        "ListTagsForResource" => e.list_tags_for_resource(caller, input(body)?),
        other => Err(EventsError {
            code: "UnknownOperationException",
            message: format!("The operation {other} is not supported by laminar's EventBridge."),
            status: 400,
        }),
    }
}

fn input<T: DeserializeOwned + Default>(body: &[u8]) -> EventsResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| EventsError {
        code: "SerializationException",
        message: format!("The request body could not be read: {e}"),
        status: 400,
    })
}

fn unit(result: EventsResult<()>) -> EventsResult<Value> {
    result.map(|()| serde_json::json!({}))
}

fn error(e: &EventsError) -> Response {
    let body = serde_json::json!({ "__type": e.code, "message": e.message });
    let mut response = render::raw(e.status, CONTENT_TYPE, body.to_string());
    response
        .headers_mut()
        .insert("x-amzn-errortype", HeaderValue::from_static(e.code));
    response
}
