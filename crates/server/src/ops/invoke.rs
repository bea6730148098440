//! Invoke: headers and query in, the function's payload out.

use crate::gateway::Request;
use crate::render;
use axum::http::HeaderValue;
use axum::response::Response;
use laminar_lambda::InvokeInput;
use laminar_model::ApiError;

pub async fn invoke(req: Request) -> Result<Response, ApiError> {
    let input = InvokeInput {
        function_name: req.matched.label("FunctionName").to_string(),
        qualifier: req.query("Qualifier").map(str::to_string),
        invocation_type: req.header("x-amz-invocation-type").map(str::to_string),
        log_type: req.header("x-amz-log-type").map(str::to_string),
        client_context: req.header("x-amz-client-context").map(str::to_string),
        payload: req.body.clone(),
        durable_execution_name: req
            .header("x-amz-durable-execution-name")
            .map(str::to_string),
    };
    let out = req.service.invoke(&req.scope, input).await?;
    let mut response = render::raw(out.status, "application/json", out.payload);
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: Option<&str>| {
        if let Some(v) = value.and_then(|v| HeaderValue::from_str(v).ok()) {
            headers.insert(name, v);
        }
    };
    set("x-amz-function-error", out.function_error);
    set("x-amz-log-result", out.log_result.as_deref());
    set("x-amz-executed-version", out.executed_version.as_deref());
    set(
        "x-amz-durable-execution-arn",
        out.durable_execution_arn.as_deref(),
    );
    Ok(response)
}

/// The deprecated InvokeAsync: an `Event` invocation answering `{"Status": 202}`.
pub async fn invoke_async(req: Request) -> Result<Response, ApiError> {
    let input = InvokeInput {
        function_name: req.matched.label("FunctionName").to_string(),
        invocation_type: Some("Event".into()),
        payload: req.body.clone(),
        ..Default::default()
    };
    let out = req.service.invoke(&req.scope, input).await?;
    Ok(render::json(
        out.status,
        &serde_json::json!({ "Status": out.status }),
    ))
}
