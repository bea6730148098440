//! Invoke: headers and query in, the function's payload out.

use super::handler::{Ctx, OpResult};
use crate::render;
use axum::http::HeaderValue;
use laminar_lambda::{InvocationType, InvokeInput};
use laminar_model::input;

pub async fn invoke(ctx: Ctx, input: input::Invoke) -> OpResult {
    let request_id = uuid::Uuid::new_v4().to_string();
    let input = InvokeInput {
        function_name: input.function_name,
        qualifier: input.qualifier,
        invocation_type: input.invocation_type,
        log_type: input.log_type,
        client_context: input.client_context,
        payload: input.payload,
        durable_execution_name: input.durable_execution_name,
        request_id: Some(request_id.clone()),
        tenant_id: input.tenant_id,
    };
    let out = ctx.service.invoke(&ctx.scope, input).await?;
    let mut response = render::raw(out.status, "application/json", out.payload);
    let headers = response.headers_mut();
    render::set_request_id(headers, &request_id);
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
pub async fn invoke_async(ctx: Ctx, input: input::InvokeAsync) -> OpResult {
    let request_id = uuid::Uuid::new_v4().to_string();
    let input = InvokeInput {
        function_name: input.function_name,
        invocation_type: Some(InvocationType::Event),
        payload: input.invoke_args,
        request_id: Some(request_id.clone()),
        ..Default::default()
    };
    let out = ctx.service.invoke(&ctx.scope, input).await?;
    let mut response = render::json(out.status, &serde_json::json!({ "Status": out.status }));
    render::set_request_id(response.headers_mut(), &request_id);
    Ok(response)
}
