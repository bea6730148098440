//! Published versions.

use super::handler::{Ctx, OpResult};
use laminar_lambda::PublishVersionRequest;
use laminar_model::input;

pub fn publish_version(ctx: Ctx, input: input::PublishVersion<PublishVersionRequest>) -> OpResult {
    ctx.json(
        &ctx.service
            .publish_version(&ctx.scope, &input.function_name, input.body)?,
    )
}

pub fn list_versions_by_function(ctx: Ctx, input: input::ListVersionsByFunction) -> OpResult {
    let (name, marker) = (&input.function_name, input.marker.as_deref());
    ctx.json(
        &ctx.service
            .list_versions_by_function(&ctx.scope, name, marker, input.max_items)?,
    )
}
