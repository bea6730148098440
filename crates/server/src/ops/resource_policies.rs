//! Resource policies of functions and event source mappings by ARN.

use super::handler::{Ctx, OpResult};
use laminar_lambda::PutResourcePolicyRequest;
use laminar_model::input;

pub fn get_resource_policy(ctx: Ctx, input: input::GetResourcePolicy) -> OpResult {
    ctx.json(
        &ctx.service
            .get_resource_policy(&ctx.scope, &input.resource_arn)?,
    )
}

pub fn put_resource_policy(
    ctx: Ctx,
    input: input::PutResourcePolicy<PutResourcePolicyRequest>,
) -> OpResult {
    ctx.json(
        &ctx.service
            .put_resource_policy(&ctx.scope, &input.resource_arn, input.body)?,
    )
}

pub fn delete_resource_policy(ctx: Ctx, input: input::DeleteResourcePolicy) -> OpResult {
    let (arn, revision) = (&input.resource_arn, input.revision_id.as_deref());
    ctx.service
        .delete_resource_policy(&ctx.scope, arn, revision)?;
    ctx.empty()
}
