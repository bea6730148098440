//! Function CRUD and account settings.

use super::handler::{Ctx, OpResult};
use laminar_model::input;
use laminar_model::requests::{
    CreateFunctionRequest, UpdateFunctionCodeRequest, UpdateFunctionConfigurationRequest,
};

pub async fn create_function(
    ctx: Ctx,
    input: input::CreateFunction<CreateFunctionRequest>,
) -> OpResult {
    ctx.json(&ctx.service.create_function(&ctx.scope, input.body).await?)
}

// GetFunction and GetFunctionConfiguration read only the registry in
// memory: async, so they answer in place without a hop to a blocking thread.
pub async fn get_function(ctx: Ctx, input: input::GetFunction) -> OpResult {
    let q = input.qualifier.as_deref();
    ctx.json(
        &ctx.service
            .get_function(&ctx.scope, &input.function_name, q)?,
    )
}

pub async fn get_function_configuration(
    ctx: Ctx,
    input: input::GetFunctionConfiguration,
) -> OpResult {
    let q = input.qualifier.as_deref();
    ctx.json(
        &ctx.service
            .get_function_configuration(&ctx.scope, &input.function_name, q)?,
    )
}

pub fn list_functions(ctx: Ctx, input: input::ListFunctions) -> OpResult {
    let marker = input.marker.as_deref();
    let all_versions = input.function_version.is_some();
    ctx.json(
        &ctx.service
            .list_functions(&ctx.scope, marker, input.max_items, all_versions)?,
    )
}

pub fn delete_function(ctx: Ctx, input: input::DeleteFunction) -> OpResult {
    let q = input.qualifier.as_deref();
    ctx.service
        .delete_function(&ctx.scope, &input.function_name, q)?;
    // The service answers 204, whatever the model's default says.
    Ok(crate::render::empty(204))
}

pub async fn update_function_code(
    ctx: Ctx,
    input: input::UpdateFunctionCode<UpdateFunctionCodeRequest>,
) -> OpResult {
    let name = &input.function_name;
    ctx.json(
        &ctx.service
            .update_function_code(&ctx.scope, name, input.body)
            .await?,
    )
}

pub async fn update_function_configuration(
    ctx: Ctx,
    input: input::UpdateFunctionConfiguration<UpdateFunctionConfigurationRequest>,
) -> OpResult {
    let name = &input.function_name;
    let out = ctx
        .service
        .update_function_configuration(&ctx.scope, name, input.body);
    ctx.json(&out.await?)
}

pub fn get_account_settings(ctx: Ctx, _: input::GetAccountSettings) -> OpResult {
    ctx.json(&ctx.service.get_account_settings(&ctx.scope))
}
