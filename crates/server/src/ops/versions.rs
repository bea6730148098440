//! Versions, aliases, tags, permissions, reserved concurrency and function URL configs.

use crate::gateway::Request;
use crate::render;
use axum::response::Response;
use laminar_model::ApiError;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

type OpResult = Result<Response, ApiError>;

fn function(req: &Request) -> &str {
    req.matched.label("FunctionName")
}

pub fn publish_version(req: &Request) -> OpResult {
    let out = req
        .service
        .publish_version(&req.scope, function(req), req.json_body()?)?;
    Ok(render::json(req.matched.success_status, &out))
}

pub fn list_versions(req: &Request) -> OpResult {
    let out = req.service.list_versions_by_function(
        &req.scope,
        function(req),
        req.query("Marker"),
        req.query("MaxItems"),
    )?;
    Ok(render::json(req.matched.success_status, &out))
}

pub fn create_alias(req: &Request) -> OpResult {
    let out = req
        .service
        .create_alias(&req.scope, function(req), req.json_body()?)?;
    Ok(render::json(req.matched.success_status, &out))
}

pub fn get_alias(req: &Request) -> OpResult {
    let out = req
        .service
        .get_alias(&req.scope, function(req), req.matched.label("Name"))?;
    Ok(render::json(req.matched.success_status, &out))
}

pub fn update_alias(req: &Request) -> OpResult {
    let out = req.service.update_alias(
        &req.scope,
        function(req),
        req.matched.label("Name"),
        req.json_body()?,
    )?;
    Ok(render::json(req.matched.success_status, &out))
}

pub fn delete_alias(req: &Request) -> OpResult {
    req.service
        .delete_alias(&req.scope, function(req), req.matched.label("Name"))?;
    Ok(render::empty(req.matched.success_status))
}

pub fn list_aliases(req: &Request) -> OpResult {
    let out = req.service.list_aliases(
        &req.scope,
        function(req),
        req.query("FunctionVersion"),
        req.query("Marker"),
        req.query("MaxItems"),
    )?;
    Ok(render::json(req.matched.success_status, &out))
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TagInput {
    tags: Option<BTreeMap<String, String>>,
}

pub fn tag_resource(req: &Request) -> OpResult {
    let input: TagInput = req.json_body()?;
    let tags = input.tags.ok_or_else(|| {
        ApiError::new(
            laminar_model::ErrorKind::Validation,
            "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null",
        )
    })?;
    req.service
        .tag_resource(&req.scope, req.matched.label("Resource"), tags)?;
    Ok(render::empty(req.matched.success_status))
}

pub fn untag_resource(req: &Request) -> OpResult {
    let keys: Vec<String> = req
        .query
        .iter()
        .filter(|(k, _)| k == "tagKeys")
        .map(|(_, v)| v.clone())
        .collect();
    req.service
        .untag_resource(&req.scope, req.matched.label("Resource"), &keys)?;
    Ok(render::empty(req.matched.success_status))
}

pub fn list_tags(req: &Request) -> OpResult {
    let tags = req
        .service
        .list_tags(&req.scope, req.matched.label("Resource"))?;
    Ok(render::json(
        req.matched.success_status,
        &json!({ "Tags": tags }),
    ))
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ConcurrencyInput {
    reserved_concurrent_executions: Option<i64>,
}

pub fn put_concurrency(req: &Request) -> OpResult {
    let input: ConcurrencyInput = req.json_body()?;
    let n = req.service.put_function_concurrency(
        &req.scope,
        function(req),
        input.reserved_concurrent_executions,
    )?;
    Ok(render::json(
        req.matched.success_status,
        &json!({ "ReservedConcurrentExecutions": n }),
    ))
}

pub fn get_concurrency(req: &Request) -> OpResult {
    let body = match req
        .service
        .get_function_concurrency(&req.scope, function(req))?
    {
        Some(n) => json!({ "ReservedConcurrentExecutions": n }),
        None => json!({}),
    };
    Ok(render::json(req.matched.success_status, &body))
}

pub fn delete_concurrency(req: &Request) -> OpResult {
    req.service
        .delete_function_concurrency(&req.scope, function(req))?;
    Ok(render::empty(req.matched.success_status))
}

pub fn add_permission(req: &Request) -> OpResult {
    let statement = req.service.add_permission(
        &req.scope,
        function(req),
        req.query("Qualifier"),
        req.json_body()?,
    )?;
    Ok(render::json(
        req.matched.success_status,
        &json!({ "Statement": statement }),
    ))
}

pub fn get_policy(req: &Request) -> OpResult {
    let out = req
        .service
        .get_policy(&req.scope, function(req), req.query("Qualifier"))?;
    Ok(render::json(req.matched.success_status, &out))
}

pub fn remove_permission(req: &Request) -> OpResult {
    req.service.remove_permission(
        &req.scope,
        function(req),
        req.matched.label("StatementId"),
        req.query("Qualifier"),
        req.query("RevisionId"),
    )?;
    Ok(render::empty(req.matched.success_status))
}

pub fn create_url(req: &Request) -> OpResult {
    let out = req.service.create_function_url_config(
        &req.scope,
        function(req),
        req.query("Qualifier"),
        req.json_body()?,
    )?;
    Ok(render::json(req.matched.success_status, &out))
}

pub fn get_url(req: &Request) -> OpResult {
    let out =
        req.service
            .get_function_url_config(&req.scope, function(req), req.query("Qualifier"))?;
    Ok(render::json(req.matched.success_status, &out))
}

pub fn update_url(req: &Request) -> OpResult {
    let out = req.service.update_function_url_config(
        &req.scope,
        function(req),
        req.query("Qualifier"),
        req.json_body()?,
    )?;
    Ok(render::json(req.matched.success_status, &out))
}

pub fn delete_url(req: &Request) -> OpResult {
    req.service
        .delete_function_url_config(&req.scope, function(req), req.query("Qualifier"))?;
    Ok(render::empty(req.matched.success_status))
}

pub fn list_urls(req: &Request) -> OpResult {
    let out = req.service.list_function_url_configs(
        &req.scope,
        function(req),
        req.query("Marker"),
        req.query("MaxItems"),
    )?;
    Ok(render::json(req.matched.success_status, &out))
}

pub fn write_event_invoke_config(req: &Request, write: laminar_lambda::Write) -> OpResult {
    let out = req.service.write_event_invoke_config(
        &req.scope,
        function(req),
        req.query("Qualifier"),
        req.json_body()?,
        write,
    )?;
    Ok(render::json(req.matched.success_status, &out))
}

pub fn get_event_invoke_config(req: &Request) -> OpResult {
    let out =
        req.service
            .get_event_invoke_config(&req.scope, function(req), req.query("Qualifier"))?;
    Ok(render::json(req.matched.success_status, &out))
}

pub fn delete_event_invoke_config(req: &Request) -> OpResult {
    req.service
        .delete_event_invoke_config(&req.scope, function(req), req.query("Qualifier"))?;
    Ok(render::empty(req.matched.success_status))
}

pub fn list_event_invoke_configs(req: &Request) -> OpResult {
    let out = req.service.list_event_invoke_configs(
        &req.scope,
        function(req),
        req.query("Marker"),
        req.query("MaxItems"),
    )?;
    Ok(render::json(req.matched.success_status, &out))
}
