//! Function CRUD and account settings.

use crate::gateway::Request;
use crate::render;
use axum::response::Response;
use laminar_model::ApiError;

type OpResult = Result<Response, ApiError>;

pub async fn create(req: &Request) -> OpResult {
    let input = req.json_body()?;
    let config = req.service.create_function(&req.scope, input).await?;
    Ok(render::json(req.matched.success_status, &config))
}

pub fn get(req: &Request) -> OpResult {
    let out = req.service.get_function(
        &req.scope,
        req.matched.label("FunctionName"),
        req.query("Qualifier"),
    )?;
    Ok(render::json(req.matched.success_status, &out))
}

pub fn get_configuration(req: &Request) -> OpResult {
    let out = req.service.get_function_configuration(
        &req.scope,
        req.matched.label("FunctionName"),
        req.query("Qualifier"),
    )?;
    Ok(render::json(req.matched.success_status, &out))
}

pub fn list(req: &Request) -> OpResult {
    let out = req
        .service
        .list_functions(&req.scope, req.query("Marker"), req.query("MaxItems"))?;
    Ok(render::json(req.matched.success_status, &out))
}

pub fn delete(req: &Request) -> OpResult {
    req.service.delete_function(
        &req.scope,
        req.matched.label("FunctionName"),
        req.query("Qualifier"),
    )?;
    // The service answers 204, whatever the model's default says.
    Ok(render::empty(204))
}

pub async fn update_code(req: &Request) -> OpResult {
    let input = req.json_body()?;
    let out = req
        .service
        .update_function_code(&req.scope, req.matched.label("FunctionName"), input)
        .await?;
    Ok(render::json(req.matched.success_status, &out))
}

pub async fn update_configuration(req: &Request) -> OpResult {
    let input = req.json_body()?;
    let out = req
        .service
        .update_function_configuration(&req.scope, req.matched.label("FunctionName"), input)
        .await?;
    Ok(render::json(req.matched.success_status, &out))
}

pub fn account_settings(req: &Request) -> OpResult {
    Ok(render::json(
        req.matched.success_status,
        &req.service.get_account_settings(&req.scope),
    ))
}
