//! One adapter per implemented operation: HTTP in, service call, HTTP out.

mod functions;
mod invoke;
mod layers;
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
        other => Err(ApiError::new(
            ErrorKind::NotImplemented,
            format!("laminar does not implement {other} yet."),
        )),
    };
    result.unwrap_or_else(|e| render::error(&e))
}
