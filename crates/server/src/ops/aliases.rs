//! Aliases.

use super::handler::{Ctx, OpResult};
use laminar_lambda::AliasRequest;
use laminar_model::input;

pub fn create_alias(ctx: Ctx, input: input::CreateAlias<AliasRequest>) -> OpResult {
    ctx.json(
        &ctx.service
            .create_alias(&ctx.scope, &input.function_name, input.body)?,
    )
}

pub fn get_alias(ctx: Ctx, input: input::GetAlias) -> OpResult {
    ctx.json(
        &ctx.service
            .get_alias(&ctx.scope, &input.function_name, &input.name)?,
    )
}

pub fn update_alias(ctx: Ctx, input: input::UpdateAlias<AliasRequest>) -> OpResult {
    let out =
        ctx.service
            .update_alias(&ctx.scope, &input.function_name, &input.name, input.body)?;
    ctx.json(&out)
}

pub fn delete_alias(ctx: Ctx, input: input::DeleteAlias) -> OpResult {
    ctx.service
        .delete_alias(&ctx.scope, &input.function_name, &input.name)?;
    ctx.empty()
}

pub fn list_aliases(ctx: Ctx, input: input::ListAliases) -> OpResult {
    let out = ctx.service.list_aliases(
        &ctx.scope,
        &input.function_name,
        input.function_version.as_deref(),
        input.marker.as_deref(),
        input.max_items,
    )?;
    ctx.json(&out)
}
