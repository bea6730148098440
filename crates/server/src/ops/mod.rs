//! One adapter per implemented operation: HTTP in, service call, HTTP out.

mod event_sources;
mod functions;
mod invoke;
mod layers;
mod settings;
mod stream;
mod versions;

use crate::gateway::Request;
use crate::render;
use axum::response::Response;
use laminar_model::{ApiError, ErrorKind};

/// Runs the operation the request was routed to.
pub async fn dispatch(req: Request) -> Response {
    let result = match req.matched.operation {
        "CreateFunction" => functions::create(&req).await,
        "GetFunction" => functions::get(&req),
        "GetFunctionConfiguration" => functions::get_configuration(&req),
        "ListFunctions" => functions::list(&req),
        "DeleteFunction" => functions::delete(&req),
        "UpdateFunctionCode" => functions::update_code(&req).await,
        "UpdateFunctionConfiguration" => functions::update_configuration(&req).await,
        "GetAccountSettings" => functions::account_settings(&req),
        "Invoke" => invoke::invoke(req).await,
        "InvokeAsync" => invoke::invoke_async(req).await,
        "InvokeWithResponseStream" => stream::invoke_with_response_stream(req).await,
        "PublishLayerVersion" => layers::publish(&req).await,
        "GetLayerVersion" => layers::get(&req),
        "GetLayerVersionByArn" => layers::get_by_arn(&req),
        "DeleteLayerVersion" => layers::delete(&req),
        "ListLayerVersions" => layers::list_versions(&req),
        "ListLayers" => layers::list(&req),
        "AddLayerVersionPermission" => layers::add_permission(&req),
        "RemoveLayerVersionPermission" => layers::remove_permission(&req),
        "GetLayerVersionPolicy" => layers::get_policy(&req),
        "PublishVersion" => versions::publish_version(&req),
        "ListVersionsByFunction" => versions::list_versions(&req),
        "CreateAlias" => versions::create_alias(&req),
        "GetAlias" => versions::get_alias(&req),
        "UpdateAlias" => versions::update_alias(&req),
        "DeleteAlias" => versions::delete_alias(&req),
        "ListAliases" => versions::list_aliases(&req),
        "TagResource" => versions::tag_resource(&req),
        "UntagResource" => versions::untag_resource(&req),
        "ListTags" => versions::list_tags(&req),
        "AddPermission" => versions::add_permission(&req),
        "GetPolicy" => versions::get_policy(&req),
        "RemovePermission" => versions::remove_permission(&req),
        "CreateFunctionUrlConfig" => versions::create_url(&req),
        "GetFunctionUrlConfig" => versions::get_url(&req),
        "UpdateFunctionUrlConfig" => versions::update_url(&req),
        "DeleteFunctionUrlConfig" => versions::delete_url(&req),
        "ListFunctionUrlConfigs" => versions::list_urls(&req),
        "PutFunctionEventInvokeConfig" => {
            versions::write_event_invoke_config(&req, laminar_lambda::Write::Replace)
        }
        "UpdateFunctionEventInvokeConfig" => {
            versions::write_event_invoke_config(&req, laminar_lambda::Write::Merge)
        }
        "GetFunctionEventInvokeConfig" => versions::get_event_invoke_config(&req),
        "DeleteFunctionEventInvokeConfig" => versions::delete_event_invoke_config(&req),
        "ListFunctionEventInvokeConfigs" => versions::list_event_invoke_configs(&req),
        "PutFunctionConcurrency" => versions::put_concurrency(&req),
        "GetFunctionConcurrency" => versions::get_concurrency(&req),
        "DeleteFunctionConcurrency" => versions::delete_concurrency(&req),
        "GetFunctionRecursionConfig" => settings::get_recursion_config(&req),
        "PutFunctionRecursionConfig" => settings::put_recursion_config(&req),
        "GetRuntimeManagementConfig" => settings::get_runtime_management_config(&req),
        "PutRuntimeManagementConfig" => settings::put_runtime_management_config(&req),
        "GetFunctionScalingConfig" => settings::get_scaling_config(&req),
        "PutFunctionScalingConfig" => settings::put_scaling_config(&req),
        "CreateCodeSigningConfig" => settings::create_code_signing_config(&req),
        "GetCodeSigningConfig" => settings::get_code_signing_config(&req),
        "UpdateCodeSigningConfig" => settings::update_code_signing_config(&req),
        "DeleteCodeSigningConfig" => settings::delete_code_signing_config(&req),
        "ListCodeSigningConfigs" => settings::list_code_signing_configs(&req),
        "ListFunctionsByCodeSigningConfig" => settings::list_functions_by_code_signing_config(&req),
        "PutFunctionCodeSigningConfig" => settings::put_function_code_signing_config(&req),
        "GetFunctionCodeSigningConfig" => settings::get_function_code_signing_config(&req),
        "DeleteFunctionCodeSigningConfig" => settings::delete_function_code_signing_config(&req),
        "GetResourcePolicy" => settings::get_resource_policy(&req),
        "PutResourcePolicy" => settings::put_resource_policy(&req),
        "DeleteResourcePolicy" => settings::delete_resource_policy(&req),
        "PutProvisionedConcurrencyConfig" => settings::put_provisioned_concurrency(&req),
        "GetProvisionedConcurrencyConfig" => settings::get_provisioned_concurrency(&req),
        "DeleteProvisionedConcurrencyConfig" => settings::delete_provisioned_concurrency(&req),
        "ListProvisionedConcurrencyConfigs" => settings::list_provisioned_concurrency(&req),
        "CreateCapacityProvider" => settings::create_capacity_provider(&req),
        "GetCapacityProvider" => settings::get_capacity_provider(&req),
        "UpdateCapacityProvider" => settings::update_capacity_provider(&req),
        "DeleteCapacityProvider" => settings::delete_capacity_provider(&req),
        "ListCapacityProviders" => settings::list_capacity_providers(&req),
        "ListFunctionVersionsByCapacityProvider" => {
            settings::list_function_versions_by_capacity_provider(&req)
        }
        "GetDurableExecution" => settings::get_durable_execution(&req),
        "GetDurableExecutionHistory" => settings::get_durable_execution_history(&req),
        "GetDurableExecutionState" => settings::get_durable_execution_state(&req),
        "CheckpointDurableExecution" => settings::checkpoint_durable_execution(&req),
        "PauseDurableExecution" => settings::pause_durable_execution(&req),
        "ResumeDurableExecution" => settings::resume_durable_execution(&req),
        "StopDurableExecution" => settings::stop_durable_execution(&req),
        "DeleteDurableExecution" => settings::delete_durable_execution(&req),
        "ListDurableExecutionsByFunction" => settings::list_durable_executions(&req),
        "SendDurableExecutionCallbackSuccess" => settings::send_callback_success(&req),
        "SendDurableExecutionCallbackFailure" => settings::send_callback_failure(&req),
        "SendDurableExecutionCallbackHeartbeat" => settings::send_callback_heartbeat(&req),
        "CreateEventSourceMapping" => event_sources::create(&req),
        "GetEventSourceMapping" => event_sources::get(&req),
        "UpdateEventSourceMapping" => event_sources::update(&req),
        "DeleteEventSourceMapping" => event_sources::delete(&req),
        "ListEventSourceMappings" => event_sources::list(&req),
        other => Err(ApiError::new(
            ErrorKind::NotImplemented,
            format!("laminar does not implement {other} yet."),
        )),
    };
    result.unwrap_or_else(|e| render::error(&e))
}
