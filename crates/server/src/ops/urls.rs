//! Function URL configs.

use super::handler::{Ctx, OpResult};
use laminar_lambda::FunctionUrlRequest;
use laminar_model::input;

pub fn create_function_url_config(
    ctx: Ctx,
    input: input::CreateFunctionUrlConfig<FunctionUrlRequest>,
) -> OpResult {
    let (name, q) = (&input.function_name, input.qualifier.as_deref());
    ctx.json(
        &ctx.service
            .create_function_url_config(&ctx.scope, name, q, input.body)?,
    )
}

pub fn get_function_url_config(ctx: Ctx, input: input::GetFunctionUrlConfig) -> OpResult {
    let (name, q) = (&input.function_name, input.qualifier.as_deref());
    ctx.json(&ctx.service.get_function_url_config(&ctx.scope, name, q)?)
}

pub fn update_function_url_config(
    ctx: Ctx,
    input: input::UpdateFunctionUrlConfig<FunctionUrlRequest>,
) -> OpResult {
    let (name, q) = (&input.function_name, input.qualifier.as_deref());
    ctx.json(
        &ctx.service
            .update_function_url_config(&ctx.scope, name, q, input.body)?,
    )
}

pub fn delete_function_url_config(ctx: Ctx, input: input::DeleteFunctionUrlConfig) -> OpResult {
    let (name, q) = (&input.function_name, input.qualifier.as_deref());
    ctx.service
        .delete_function_url_config(&ctx.scope, name, q)?;
    ctx.empty()
}

pub fn list_function_url_configs(ctx: Ctx, input: input::ListFunctionUrlConfigs) -> OpResult {
    let (name, marker) = (&input.function_name, input.marker.as_deref());
    ctx.json(
        &ctx.service
            .list_function_url_configs(&ctx.scope, name, marker, input.max_items)?,
    )
}
