//! A function's resource-based policy: permission statements.

use super::handler::{Ctx, OpResult};
use laminar_lambda::AddPermissionRequest;
use laminar_model::input;
use serde_json::json;

pub fn add_permission(ctx: Ctx, input: input::AddPermission<AddPermissionRequest>) -> OpResult {
    let (name, q) = (&input.function_name, input.qualifier.as_deref());
    let statement = ctx
        .service
        .add_permission(&ctx.scope, name, q, input.body)?;
    ctx.json(&json!({ "Statement": statement }))
}

pub fn get_policy(ctx: Ctx, input: input::GetPolicy) -> OpResult {
    let q = input.qualifier.as_deref();
    ctx.json(
        &ctx.service
            .get_policy(&ctx.scope, &input.function_name, q)?,
    )
}

pub fn remove_permission(ctx: Ctx, input: input::RemovePermission) -> OpResult {
    ctx.service.remove_permission(
        &ctx.scope,
        &input.function_name,
        &input.statement_id,
        input.qualifier.as_deref(),
        input.revision_id.as_deref(),
    )?;
    ctx.empty()
}
