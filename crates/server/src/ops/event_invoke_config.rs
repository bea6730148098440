//! Asynchronous invocation configs (retries, age, destinations).

use super::handler::{Ctx, OpResult};
use laminar_lambda::{EventInvokeConfigRequest, Write};
use laminar_model::input;

pub fn put_function_event_invoke_config(
    ctx: Ctx,
    input: input::PutFunctionEventInvokeConfig<EventInvokeConfigRequest>,
) -> OpResult {
    let (name, q) = (&input.function_name, input.qualifier.as_deref());
    let write = Write::Replace;
    ctx.json(
        &ctx.service
            .write_event_invoke_config(&ctx.scope, name, q, input.body, write)?,
    )
}

pub fn update_function_event_invoke_config(
    ctx: Ctx,
    input: input::UpdateFunctionEventInvokeConfig<EventInvokeConfigRequest>,
) -> OpResult {
    let (name, q) = (&input.function_name, input.qualifier.as_deref());
    let write = Write::Merge;
    ctx.json(
        &ctx.service
            .write_event_invoke_config(&ctx.scope, name, q, input.body, write)?,
    )
}

pub fn get_function_event_invoke_config(
    ctx: Ctx,
    input: input::GetFunctionEventInvokeConfig,
) -> OpResult {
    let (name, q) = (&input.function_name, input.qualifier.as_deref());
    ctx.json(&ctx.service.get_event_invoke_config(&ctx.scope, name, q)?)
}

pub fn delete_function_event_invoke_config(
    ctx: Ctx,
    input: input::DeleteFunctionEventInvokeConfig,
) -> OpResult {
    let (name, q) = (&input.function_name, input.qualifier.as_deref());
    ctx.service
        .delete_event_invoke_config(&ctx.scope, name, q)?;
    ctx.empty()
}

pub fn list_function_event_invoke_configs(
    ctx: Ctx,
    input: input::ListFunctionEventInvokeConfigs,
) -> OpResult {
    let (name, marker) = (&input.function_name, input.marker.as_deref());
    ctx.json(
        &ctx.service
            .list_event_invoke_configs(&ctx.scope, name, marker, input.max_items)?,
    )
}
