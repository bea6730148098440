//! Function settings and account-level objects: recursion, runtime
//! management, scaling, code signing, resource policies, provisioned
//! concurrency, capacity providers and durable executions.

use crate::gateway::Request;
use crate::render;
use axum::response::Response;
use laminar_lambda::ListDurableExecutionsQuery;
use laminar_model::ApiError;

type OpResult = Result<Response, ApiError>;

fn function(req: &Request) -> &str {
    req.matched.label("FunctionName")
}

fn ok_json<T: serde::Serialize>(req: &Request, out: &T) -> OpResult {
    Ok(render::json(req.matched.success_status, out))
}

fn ok_empty(req: &Request) -> OpResult {
    Ok(render::empty(req.matched.success_status))
}

pub fn get_recursion_config(req: &Request) -> OpResult {
    let out = req
        .service
        .get_function_recursion_config(&req.scope, function(req))?;
    ok_json(req, &out)
}

pub fn put_recursion_config(req: &Request) -> OpResult {
    let out =
        req.service
            .put_function_recursion_config(&req.scope, function(req), req.json_body()?)?;
    ok_json(req, &out)
}

pub fn get_runtime_management_config(req: &Request) -> OpResult {
    let out = req.service.get_runtime_management_config(
        &req.scope,
        function(req),
        req.query("Qualifier"),
    )?;
    ok_json(req, &out)
}

pub fn put_runtime_management_config(req: &Request) -> OpResult {
    let out = req.service.put_runtime_management_config(
        &req.scope,
        function(req),
        req.query("Qualifier"),
        req.json_body()?,
    )?;
    ok_json(req, &out)
}

pub fn get_scaling_config(req: &Request) -> OpResult {
    let out = req.service.get_function_scaling_config(
        &req.scope,
        function(req),
        req.query("Qualifier"),
    )?;
    ok_json(req, &out)
}

pub fn put_scaling_config(req: &Request) -> OpResult {
    let out = req.service.put_function_scaling_config(
        &req.scope,
        function(req),
        req.query("Qualifier"),
        req.json_body()?,
    )?;
    ok_json(req, &out)
}

fn csc_arn(req: &Request) -> &str {
    req.matched.label("CodeSigningConfigArn")
}

pub fn create_code_signing_config(req: &Request) -> OpResult {
    let out = req
        .service
        .create_code_signing_config(&req.scope, req.json_body()?)?;
    ok_json(req, &out)
}

pub fn get_code_signing_config(req: &Request) -> OpResult {
    let out = req
        .service
        .get_code_signing_config(&req.scope, csc_arn(req))?;
    ok_json(req, &out)
}

pub fn update_code_signing_config(req: &Request) -> OpResult {
    let out = req
        .service
        .update_code_signing_config(&req.scope, csc_arn(req), req.json_body()?)?;
    ok_json(req, &out)
}

pub fn delete_code_signing_config(req: &Request) -> OpResult {
    req.service
        .delete_code_signing_config(&req.scope, csc_arn(req))?;
    ok_empty(req)
}

pub fn list_code_signing_configs(req: &Request) -> OpResult {
    let out = req.service.list_code_signing_configs(
        &req.scope,
        req.query("Marker"),
        req.query("MaxItems"),
    )?;
    ok_json(req, &out)
}

pub fn list_functions_by_code_signing_config(req: &Request) -> OpResult {
    let out = req.service.list_functions_by_code_signing_config(
        &req.scope,
        csc_arn(req),
        req.query("Marker"),
        req.query("MaxItems"),
    )?;
    ok_json(req, &out)
}

pub fn put_function_code_signing_config(req: &Request) -> OpResult {
    let out = req.service.put_function_code_signing_config(
        &req.scope,
        function(req),
        req.json_body()?,
    )?;
    ok_json(req, &out)
}

pub fn get_function_code_signing_config(req: &Request) -> OpResult {
    let out = req
        .service
        .get_function_code_signing_config(&req.scope, function(req))?;
    ok_json(req, &out)
}

pub fn delete_function_code_signing_config(req: &Request) -> OpResult {
    req.service
        .delete_function_code_signing_config(&req.scope, function(req))?;
    ok_empty(req)
}

fn resource_arn(req: &Request) -> &str {
    req.matched.label("ResourceArn")
}

pub fn get_resource_policy(req: &Request) -> OpResult {
    let out = req
        .service
        .get_resource_policy(&req.scope, resource_arn(req))?;
    ok_json(req, &out)
}

pub fn put_resource_policy(req: &Request) -> OpResult {
    let out = req
        .service
        .put_resource_policy(&req.scope, resource_arn(req), req.json_body()?)?;
    ok_json(req, &out)
}

pub fn delete_resource_policy(req: &Request) -> OpResult {
    req.service
        .delete_resource_policy(&req.scope, resource_arn(req), req.query("RevisionId"))?;
    ok_empty(req)
}

pub fn put_provisioned_concurrency(req: &Request) -> OpResult {
    let out = req.service.put_provisioned_concurrency_config(
        &req.scope,
        function(req),
        req.query("Qualifier"),
        req.json_body()?,
    )?;
    ok_json(req, &out)
}

pub fn get_provisioned_concurrency(req: &Request) -> OpResult {
    let out = req.service.get_provisioned_concurrency_config(
        &req.scope,
        function(req),
        req.query("Qualifier"),
    )?;
    ok_json(req, &out)
}

pub fn delete_provisioned_concurrency(req: &Request) -> OpResult {
    req.service.delete_provisioned_concurrency_config(
        &req.scope,
        function(req),
        req.query("Qualifier"),
    )?;
    ok_empty(req)
}

pub fn list_provisioned_concurrency(req: &Request) -> OpResult {
    let out = req.service.list_provisioned_concurrency_configs(
        &req.scope,
        function(req),
        req.query("Marker"),
        req.query("MaxItems"),
    )?;
    ok_json(req, &out)
}

fn capacity_provider(req: &Request) -> &str {
    req.matched.label("CapacityProviderName")
}

pub fn create_capacity_provider(req: &Request) -> OpResult {
    let out = req
        .service
        .create_capacity_provider(&req.scope, req.json_body()?)?;
    ok_json(req, &out)
}

pub fn get_capacity_provider(req: &Request) -> OpResult {
    let out = req
        .service
        .get_capacity_provider(&req.scope, capacity_provider(req))?;
    ok_json(req, &out)
}

pub fn update_capacity_provider(req: &Request) -> OpResult {
    let out = req.service.update_capacity_provider(
        &req.scope,
        capacity_provider(req),
        req.json_body()?,
    )?;
    ok_json(req, &out)
}

pub fn delete_capacity_provider(req: &Request) -> OpResult {
    let out = req
        .service
        .delete_capacity_provider(&req.scope, capacity_provider(req))?;
    ok_json(req, &out)
}

pub fn list_capacity_providers(req: &Request) -> OpResult {
    let out = req.service.list_capacity_providers(
        &req.scope,
        req.query("State"),
        req.query("Marker"),
        req.query("MaxItems"),
    )?;
    ok_json(req, &out)
}

pub fn list_function_versions_by_capacity_provider(req: &Request) -> OpResult {
    let out = req.service.list_function_versions_by_capacity_provider(
        &req.scope,
        capacity_provider(req),
        req.query("Marker"),
        req.query("MaxItems"),
    )?;
    ok_json(req, &out)
}

fn execution_arn(req: &Request) -> &str {
    req.matched.label("DurableExecutionArn")
}

fn callback_id(req: &Request) -> &str {
    req.matched.label("CallbackId")
}

/// An optional JSON body (`ErrorObject` of Stop and callback failures).
fn optional_json(req: &Request) -> Result<Option<serde_json::Value>, ApiError> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    req.json_body().map(Some)
}

pub fn get_durable_execution(req: &Request) -> OpResult {
    let out = req.service.get_durable_execution(
        &req.scope,
        execution_arn(req),
        req.query("IncludeExecutionData"),
    )?;
    ok_json(req, &out)
}

pub fn get_durable_execution_history(req: &Request) -> OpResult {
    let out = req.service.get_durable_execution_history(
        &req.scope,
        execution_arn(req),
        req.query("IncludeExecutionData"),
        req.query("ReverseOrder"),
        req.query("MaxItems"),
        req.query("Marker"),
    )?;
    ok_json(req, &out)
}

pub fn get_durable_execution_state(req: &Request) -> OpResult {
    let out = req.service.get_durable_execution_state(
        &req.scope,
        execution_arn(req),
        req.query("CheckpointToken"),
        req.query("MaxItems"),
        req.query("Marker"),
    )?;
    ok_json(req, &out)
}

pub fn checkpoint_durable_execution(req: &Request) -> OpResult {
    let out = req.service.checkpoint_durable_execution(
        &req.scope,
        execution_arn(req),
        req.json_body()?,
    )?;
    ok_json(req, &out)
}

pub fn pause_durable_execution(req: &Request) -> OpResult {
    let out =
        req.service
            .pause_durable_execution(&req.scope, execution_arn(req), req.json_body()?)?;
    ok_json(req, &out)
}

pub fn resume_durable_execution(req: &Request) -> OpResult {
    let out =
        req.service
            .resume_durable_execution(&req.scope, execution_arn(req), req.json_body()?)?;
    ok_json(req, &out)
}

pub fn stop_durable_execution(req: &Request) -> OpResult {
    let out =
        req.service
            .stop_durable_execution(&req.scope, execution_arn(req), optional_json(req)?)?;
    ok_json(req, &out)
}

pub fn delete_durable_execution(req: &Request) -> OpResult {
    let out = req
        .service
        .delete_durable_execution(&req.scope, execution_arn(req))?;
    ok_json(req, &out)
}

pub fn send_callback_success(req: &Request) -> OpResult {
    let out = req.service.send_durable_execution_callback_success(
        &req.scope,
        callback_id(req),
        &req.body,
    )?;
    ok_json(req, &out)
}

pub fn send_callback_failure(req: &Request) -> OpResult {
    let out = req.service.send_durable_execution_callback_failure(
        &req.scope,
        callback_id(req),
        optional_json(req)?,
    )?;
    ok_json(req, &out)
}

pub fn send_callback_heartbeat(req: &Request) -> OpResult {
    let out = req
        .service
        .send_durable_execution_callback_heartbeat(&req.scope, callback_id(req))?;
    ok_json(req, &out)
}

pub fn list_durable_executions(req: &Request) -> OpResult {
    let owned = |name: &str| req.query(name).map(str::to_string);
    let query = ListDurableExecutionsQuery {
        qualifier: owned("Qualifier"),
        durable_execution_name: owned("DurableExecutionName"),
        statuses: req
            .query
            .iter()
            .filter(|(k, _)| k == "Statuses")
            .map(|(_, v)| v.clone())
            .collect(),
        started_after: owned("StartedAfter"),
        started_before: owned("StartedBefore"),
        reverse_order: owned("ReverseOrder"),
        marker: owned("Marker"),
        max_items: owned("MaxItems"),
    };
    let out = req
        .service
        .list_durable_executions_by_function(&req.scope, function(req), query)?;
    ok_json(req, &out)
}
