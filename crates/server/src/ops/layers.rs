//! Layer operations.

use crate::gateway::Request;
use crate::render;
use axum::response::Response;
use laminar_model::ApiError;

type OpResult = Result<Response, ApiError>;

fn layer(req: &Request) -> &str {
    req.matched.label("LayerName")
}

fn version(req: &Request) -> &str {
    req.matched.label("VersionNumber")
}

pub async fn publish(req: &Request) -> OpResult {
    let out = req
        .service
        .publish_layer_version(&req.scope, layer(req), req.json_body()?)
        .await?;
    Ok(render::json(req.matched.success_status, &out))
}

pub fn get(req: &Request) -> OpResult {
    let out = req
        .service
        .get_layer_version(&req.scope, layer(req), version(req))?;
    Ok(render::json(req.matched.success_status, &out))
}

pub fn get_by_arn(req: &Request) -> OpResult {
    let out = req
        .service
        .get_layer_version_by_arn(&req.scope, req.query("Arn"))?;
    Ok(render::json(req.matched.success_status, &out))
}

pub fn delete(req: &Request) -> OpResult {
    req.service
        .delete_layer_version(&req.scope, layer(req), version(req))?;
    Ok(render::empty(req.matched.success_status))
}

pub fn list_versions(req: &Request) -> OpResult {
    let out = req.service.list_layer_versions(
        &req.scope,
        layer(req),
        req.query("CompatibleRuntime"),
        req.query("CompatibleArchitecture"),
        req.query("Marker"),
        req.query("MaxItems"),
    )?;
    Ok(render::json(req.matched.success_status, &out))
}

pub fn list(req: &Request) -> OpResult {
    let out = req.service.list_layers(
        &req.scope,
        req.query("CompatibleRuntime"),
        req.query("CompatibleArchitecture"),
        req.query("Marker"),
        req.query("MaxItems"),
    )?;
    Ok(render::json(req.matched.success_status, &out))
}

pub fn add_permission(req: &Request) -> OpResult {
    let out = req.service.add_layer_version_permission(
        &req.scope,
        layer(req),
        version(req),
        req.query("RevisionId"),
        req.json_body()?,
    )?;
    Ok(render::json(req.matched.success_status, &out))
}

pub fn remove_permission(req: &Request) -> OpResult {
    req.service.remove_layer_version_permission(
        &req.scope,
        layer(req),
        version(req),
        req.matched.label("StatementId"),
        req.query("RevisionId"),
    )?;
    Ok(render::empty(req.matched.success_status))
}

pub fn get_policy(req: &Request) -> OpResult {
    let out = req
        .service
        .get_layer_version_policy(&req.scope, layer(req), version(req))?;
    Ok(render::json(req.matched.success_status, &out))
}
