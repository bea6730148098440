//! Layers, their versions and their permissions.

use super::handler::{Ctx, OpResult};
use laminar_lambda::{LayerPermissionRequest, PublishLayerVersionRequest};
use laminar_model::input;

pub async fn publish_layer_version(
    ctx: Ctx,
    input: input::PublishLayerVersion<PublishLayerVersionRequest>,
) -> OpResult {
    let out = ctx
        .service
        .publish_layer_version(&ctx.scope, &input.layer_name, input.body);
    ctx.json(&out.await?)
}

pub fn get_layer_version(ctx: Ctx, input: input::GetLayerVersion) -> OpResult {
    let (layer, version) = (&input.layer_name, input.version_number);
    ctx.json(&ctx.service.get_layer_version(&ctx.scope, layer, version)?)
}

pub fn get_layer_version_by_arn(ctx: Ctx, input: input::GetLayerVersionByArn) -> OpResult {
    ctx.json(
        &ctx.service
            .get_layer_version_by_arn(&ctx.scope, &input.arn)?,
    )
}

pub fn delete_layer_version(ctx: Ctx, input: input::DeleteLayerVersion) -> OpResult {
    let (layer, version) = (&input.layer_name, input.version_number);
    ctx.service
        .delete_layer_version(&ctx.scope, layer, version)?;
    ctx.empty()
}

pub fn list_layer_versions(ctx: Ctx, input: input::ListLayerVersions) -> OpResult {
    let out = ctx.service.list_layer_versions(
        &ctx.scope,
        &input.layer_name,
        input.compatible_runtime.map(|r| r.as_str()),
        input.compatible_architecture.map(|a| a.as_str()),
        input.marker.as_deref(),
        input.max_items,
    )?;
    ctx.json(&out)
}

pub fn list_layers(ctx: Ctx, input: input::ListLayers) -> OpResult {
    let out = ctx.service.list_layers(
        &ctx.scope,
        input.compatible_runtime.map(|r| r.as_str()),
        input.compatible_architecture.map(|a| a.as_str()),
        input.marker.as_deref(),
        input.max_items,
    )?;
    ctx.json(&out)
}

pub fn add_layer_version_permission(
    ctx: Ctx,
    input: input::AddLayerVersionPermission<LayerPermissionRequest>,
) -> OpResult {
    let out = ctx.service.add_layer_version_permission(
        &ctx.scope,
        &input.layer_name,
        input.version_number,
        input.revision_id.as_deref(),
        input.body,
    )?;
    ctx.json(&out)
}

pub fn remove_layer_version_permission(
    ctx: Ctx,
    input: input::RemoveLayerVersionPermission,
) -> OpResult {
    ctx.service.remove_layer_version_permission(
        &ctx.scope,
        &input.layer_name,
        input.version_number,
        &input.statement_id,
        input.revision_id.as_deref(),
    )?;
    ctx.empty()
}

pub fn get_layer_version_policy(ctx: Ctx, input: input::GetLayerVersionPolicy) -> OpResult {
    let (layer, version) = (&input.layer_name, input.version_number);
    ctx.json(
        &ctx.service
            .get_layer_version_policy(&ctx.scope, layer, version)?,
    )
}
