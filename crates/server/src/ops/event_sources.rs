//! Event source mappings.

use super::handler::{Ctx, OpResult};
use laminar_model::input;
use serde_json::{Map, Value};

type Body = Map<String, Value>;

pub fn create_event_source_mapping(
    ctx: Ctx,
    input: input::CreateEventSourceMapping<Body>,
) -> OpResult {
    ctx.json(
        &ctx.service
            .create_event_source_mapping(&ctx.scope, input.body)?,
    )
}

pub fn get_event_source_mapping(ctx: Ctx, input: input::GetEventSourceMapping) -> OpResult {
    ctx.json(
        &ctx.service
            .get_event_source_mapping(&ctx.scope, &input.uuid)?,
    )
}

pub fn update_event_source_mapping(
    ctx: Ctx,
    input: input::UpdateEventSourceMapping<Body>,
) -> OpResult {
    ctx.json(
        &ctx.service
            .update_event_source_mapping(&ctx.scope, &input.uuid, input.body)?,
    )
}

pub fn delete_event_source_mapping(ctx: Ctx, input: input::DeleteEventSourceMapping) -> OpResult {
    ctx.json(
        &ctx.service
            .delete_event_source_mapping(&ctx.scope, &input.uuid)?,
    )
}

pub fn list_event_source_mappings(ctx: Ctx, input: input::ListEventSourceMappings) -> OpResult {
    let out = ctx.service.list_event_source_mappings(
        &ctx.scope,
        input.event_source_arn.as_deref(),
        input.function_name.as_deref(),
        input.marker.as_deref(),
        input.max_items,
    )?;
    ctx.json(&out)
}
