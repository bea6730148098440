//! Event source mappings: Create/Get/Update/Delete/List.

use crate::gateway::Request;
use crate::render;
use axum::response::Response;
use laminar_model::ApiError;
use serde_json::{Map, Value};

type OpResult = Result<Response, ApiError>;

fn uuid(req: &Request) -> &str {
    req.matched.label("UUID")
}

pub fn create(req: &Request) -> OpResult {
    let body: Map<String, Value> = req.json_body()?;
    let out = req.service.create_event_source_mapping(&req.scope, body)?;
    Ok(render::json(req.matched.success_status, &out))
}

pub fn get(req: &Request) -> OpResult {
    let out = req
        .service
        .get_event_source_mapping(&req.scope, uuid(req))?;
    Ok(render::json(req.matched.success_status, &out))
}

pub fn update(req: &Request) -> OpResult {
    let body: Map<String, Value> = req.json_body()?;
    let out = req
        .service
        .update_event_source_mapping(&req.scope, uuid(req), body)?;
    Ok(render::json(req.matched.success_status, &out))
}

pub fn delete(req: &Request) -> OpResult {
    let out = req
        .service
        .delete_event_source_mapping(&req.scope, uuid(req))?;
    Ok(render::json(req.matched.success_status, &out))
}

pub fn list(req: &Request) -> OpResult {
    let out = req.service.list_event_source_mappings(
        &req.scope,
        req.query("EventSourceArn"),
        req.query("FunctionName"),
        req.query("Marker"),
        req.query("MaxItems"),
    )?;
    Ok(render::json(req.matched.success_status, &out))
}
