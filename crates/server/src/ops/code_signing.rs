//! Code signing configs and the functions that use them.

use super::handler::{Ctx, OpResult};
use laminar_lambda::{CodeSigningConfigRequest, FunctionCodeSigningConfigRequest};
use laminar_model::input;

pub fn create_code_signing_config(
    ctx: Ctx,
    input: input::CreateCodeSigningConfig<CodeSigningConfigRequest>,
) -> OpResult {
    ctx.json(
        &ctx.service
            .account_objects()
            .create_code_signing_config(&ctx.scope, input.body)?,
    )
}

pub fn get_code_signing_config(ctx: Ctx, input: input::GetCodeSigningConfig) -> OpResult {
    ctx.json(
        &ctx.service
            .account_objects()
            .get_code_signing_config(&ctx.scope, &input.code_signing_config_arn)?,
    )
}

pub fn update_code_signing_config(
    ctx: Ctx,
    input: input::UpdateCodeSigningConfig<CodeSigningConfigRequest>,
) -> OpResult {
    let arn = &input.code_signing_config_arn;
    ctx.json(
        &ctx.service
            .account_objects()
            .update_code_signing_config(&ctx.scope, arn, input.body)?,
    )
}

pub fn delete_code_signing_config(ctx: Ctx, input: input::DeleteCodeSigningConfig) -> OpResult {
    ctx.service
        .account_objects()
        .delete_code_signing_config(&ctx.scope, &input.code_signing_config_arn)?;
    ctx.empty()
}

pub fn list_code_signing_configs(ctx: Ctx, input: input::ListCodeSigningConfigs) -> OpResult {
    let marker = input.marker.as_deref();
    ctx.json(&ctx.service.account_objects().list_code_signing_configs(
        &ctx.scope,
        marker,
        input.max_items,
    )?)
}

pub fn list_functions_by_code_signing_config(
    ctx: Ctx,
    input: input::ListFunctionsByCodeSigningConfig,
) -> OpResult {
    let (arn, marker) = (&input.code_signing_config_arn, input.marker.as_deref());
    let out = ctx
        .service
        .account_objects()
        .list_functions_by_code_signing_config(&ctx.scope, arn, marker, input.max_items);
    ctx.json(&out?)
}

pub fn put_function_code_signing_config(
    ctx: Ctx,
    input: input::PutFunctionCodeSigningConfig<FunctionCodeSigningConfigRequest>,
) -> OpResult {
    let name = &input.function_name;
    ctx.json(
        &ctx.service
            .account_objects()
            .put_function_code_signing_config(&ctx.scope, name, input.body)?,
    )
}

pub fn get_function_code_signing_config(
    ctx: Ctx,
    input: input::GetFunctionCodeSigningConfig,
) -> OpResult {
    ctx.json(
        &ctx.service
            .account_objects()
            .get_function_code_signing_config(&ctx.scope, &input.function_name)?,
    )
}

pub fn delete_function_code_signing_config(
    ctx: Ctx,
    input: input::DeleteFunctionCodeSigningConfig,
) -> OpResult {
    ctx.service
        .account_objects()
        .delete_function_code_signing_config(&ctx.scope, &input.function_name)?;
    ctx.empty()
}
