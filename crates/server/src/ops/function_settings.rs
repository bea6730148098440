//! Per-function settings: recursion loop detection, runtime management and scaling.

use super::handler::{Ctx, OpResult};
use laminar_lambda::{PutScalingConfigRequest, RecursionConfigRequest, RuntimeManagementRequest};
use laminar_model::input;

pub fn get_function_recursion_config(
    ctx: Ctx,
    input: input::GetFunctionRecursionConfig,
) -> OpResult {
    ctx.json(
        &ctx.service
            .get_function_recursion_config(&ctx.scope, &input.function_name)?,
    )
}

pub fn put_function_recursion_config(
    ctx: Ctx,
    input: input::PutFunctionRecursionConfig<RecursionConfigRequest>,
) -> OpResult {
    let name = &input.function_name;
    ctx.json(
        &ctx.service
            .put_function_recursion_config(&ctx.scope, name, input.body)?,
    )
}

pub fn get_runtime_management_config(
    ctx: Ctx,
    input: input::GetRuntimeManagementConfig,
) -> OpResult {
    let (name, q) = (&input.function_name, input.qualifier.as_deref());
    ctx.json(
        &ctx.service
            .get_runtime_management_config(&ctx.scope, name, q)?,
    )
}

pub fn put_runtime_management_config(
    ctx: Ctx,
    input: input::PutRuntimeManagementConfig<RuntimeManagementRequest>,
) -> OpResult {
    let (name, q) = (&input.function_name, input.qualifier.as_deref());
    ctx.json(
        &ctx.service
            .put_runtime_management_config(&ctx.scope, name, q, input.body)?,
    )
}

pub fn get_function_scaling_config(ctx: Ctx, input: input::GetFunctionScalingConfig) -> OpResult {
    let (name, q) = (&input.function_name, input.qualifier.as_str());
    ctx.json(
        &ctx.service
            .get_function_scaling_config(&ctx.scope, name, q)?,
    )
}

pub fn put_function_scaling_config(
    ctx: Ctx,
    input: input::PutFunctionScalingConfig<PutScalingConfigRequest>,
) -> OpResult {
    let (name, q) = (&input.function_name, input.qualifier.as_str());
    ctx.json(
        &ctx.service
            .put_function_scaling_config(&ctx.scope, name, q, input.body)?,
    )
}
