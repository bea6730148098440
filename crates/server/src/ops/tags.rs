//! Tags of functions, code signing configs, event source mappings and capacity providers.

use super::handler::{Ctx, OpResult};
use laminar_model::input;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

#[derive(Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagResourceBody {
    /// Required by the model, so the gateway saw it.
    tags: BTreeMap<String, String>,
}

pub fn tag_resource(ctx: Ctx, input: input::TagResource<TagResourceBody>) -> OpResult {
    ctx.service
        .tag_resource(&ctx.scope, &input.resource, input.body.tags)?;
    ctx.empty()
}

pub fn untag_resource(ctx: Ctx, input: input::UntagResource) -> OpResult {
    ctx.service
        .untag_resource(&ctx.scope, &input.resource, &input.tag_keys)?;
    ctx.empty()
}

pub fn list_tags(ctx: Ctx, input: input::ListTags) -> OpResult {
    let tags = ctx.service.list_tags(&ctx.scope, &input.resource)?;
    ctx.json(&json!({ "Tags": tags }))
}
