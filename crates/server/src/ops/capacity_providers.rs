//! Capacity providers.

use super::handler::{Ctx, OpResult};
use laminar_lambda::{CreateCapacityProviderRequest, UpdateCapacityProviderRequest};
use laminar_model::input;

pub fn create_capacity_provider(
    ctx: Ctx,
    input: input::CreateCapacityProvider<CreateCapacityProviderRequest>,
) -> OpResult {
    ctx.json(
        &ctx.service
            .account_objects()
            .create_capacity_provider(&ctx.scope, input.body)?,
    )
}

pub fn get_capacity_provider(ctx: Ctx, input: input::GetCapacityProvider) -> OpResult {
    ctx.json(
        &ctx.service
            .account_objects()
            .get_capacity_provider(&ctx.scope, &input.capacity_provider_name)?,
    )
}

pub fn update_capacity_provider(
    ctx: Ctx,
    input: input::UpdateCapacityProvider<UpdateCapacityProviderRequest>,
) -> OpResult {
    let name = &input.capacity_provider_name;
    ctx.json(
        &ctx.service
            .account_objects()
            .update_capacity_provider(&ctx.scope, name, input.body)?,
    )
}

pub fn delete_capacity_provider(ctx: Ctx, input: input::DeleteCapacityProvider) -> OpResult {
    ctx.json(
        &ctx.service
            .account_objects()
            .delete_capacity_provider(&ctx.scope, &input.capacity_provider_name)?,
    )
}

pub fn list_capacity_providers(ctx: Ctx, input: input::ListCapacityProviders) -> OpResult {
    let state = input.state.map(|s| s.as_str());
    let marker = input.marker.as_deref();
    ctx.json(&ctx.service.account_objects().list_capacity_providers(
        &ctx.scope,
        state,
        marker,
        input.max_items,
    )?)
}

pub fn list_function_versions_by_capacity_provider(
    ctx: Ctx,
    input: input::ListFunctionVersionsByCapacityProvider,
) -> OpResult {
    let (name, marker) = (&input.capacity_provider_name, input.marker.as_deref());
    let out = ctx
        .service
        .account_objects()
        .list_function_versions_by_capacity_provider(&ctx.scope, name, marker, input.max_items);
    ctx.json(&out?)
}
