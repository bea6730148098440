//! Reserved and provisioned concurrency.

use super::handler::{Ctx, OpResult};
use laminar_lambda::ProvisionedConcurrencyRequest;
use laminar_model::input;
use serde::Deserialize;
use serde_json::json;

#[derive(Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutConcurrencyBody {
    reserved_concurrent_executions: Option<i64>,
}

pub fn put_function_concurrency(
    ctx: Ctx,
    input: input::PutFunctionConcurrency<PutConcurrencyBody>,
) -> OpResult {
    let reserved = input.body.reserved_concurrent_executions;
    let n = ctx
        .service
        .put_function_concurrency(&ctx.scope, &input.function_name, reserved)?;
    ctx.json(&json!({ "ReservedConcurrentExecutions": n }))
}

pub fn get_function_concurrency(ctx: Ctx, input: input::GetFunctionConcurrency) -> OpResult {
    match ctx
        .service
        .get_function_concurrency(&ctx.scope, &input.function_name)?
    {
        Some(n) => ctx.json(&json!({ "ReservedConcurrentExecutions": n })),
        None => ctx.json(&json!({})),
    }
}

pub fn delete_function_concurrency(ctx: Ctx, input: input::DeleteFunctionConcurrency) -> OpResult {
    ctx.service
        .delete_function_concurrency(&ctx.scope, &input.function_name)?;
    ctx.empty()
}

pub fn put_provisioned_concurrency_config(
    ctx: Ctx,
    input: input::PutProvisionedConcurrencyConfig<ProvisionedConcurrencyRequest>,
) -> OpResult {
    let (name, q) = (&input.function_name, input.qualifier.as_str());
    let out = ctx
        .service
        .put_provisioned_concurrency_config(&ctx.scope, name, Some(q), input.body);
    ctx.json(&out?)
}

pub fn get_provisioned_concurrency_config(
    ctx: Ctx,
    input: input::GetProvisionedConcurrencyConfig,
) -> OpResult {
    let (name, q) = (&input.function_name, input.qualifier.as_str());
    ctx.json(
        &ctx.service
            .get_provisioned_concurrency_config(&ctx.scope, name, Some(q))?,
    )
}

pub fn delete_provisioned_concurrency_config(
    ctx: Ctx,
    input: input::DeleteProvisionedConcurrencyConfig,
) -> OpResult {
    let (name, q) = (&input.function_name, input.qualifier.as_str());
    ctx.service
        .delete_provisioned_concurrency_config(&ctx.scope, name, Some(q))?;
    ctx.empty()
}

pub fn list_provisioned_concurrency_configs(
    ctx: Ctx,
    input: input::ListProvisionedConcurrencyConfigs,
) -> OpResult {
    let (name, marker) = (&input.function_name, input.marker.as_deref());
    let out =
        ctx.service
            .list_provisioned_concurrency_configs(&ctx.scope, name, marker, input.max_items);
    ctx.json(&out?)
}
