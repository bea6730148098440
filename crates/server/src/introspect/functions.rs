//! `api/functions`: a page of functions with what the console's list shows,
//! and one function with everything around it.

use super::{off_worker, query, Where};
use crate::render;
use axum::response::Response;
use laminar_lambda::LambdaService;
use laminar_model::ApiError;
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    #[serde(flatten)]
    at: Where,
    marker: Option<String>,
    /// At most 50, as ListFunctions.
    limit: Option<i32>,
}

/// `GET api/functions?marker=&limit=`: ListFunctions' page, each function
/// with its warm environment count.
pub(super) async fn list(
    service: &LambdaService,
    text: Option<&str>,
) -> Result<Response, ApiError> {
    let q: ListQuery = query(text)?;
    let service = service.clone();
    off_worker(move || {
        let scope = q.at.scope();
        let page =
            service.list_functions(&scope, q.marker.as_deref(), q.limit.or(Some(50)), false)?;
        let warm = service.invoker().pools.snapshot();
        let functions: Vec<_> = page
            .functions
            .iter()
            .map(|f| {
                let environments = warm
                    .iter()
                    .filter(|e| {
                        e.function == f.function_name
                            && e.account == scope.account
                            && e.region == scope.region
                    })
                    .count();
                json!({
                    "FunctionName": f.function_name,
                    "Runtime": f.runtime,
                    "PackageType": f.package_type,
                    "MemorySize": f.memory_size,
                    "Timeout": f.timeout,
                    "LastModified": f.last_modified,
                    "State": f.state,
                    "WarmEnvironments": environments,
                })
            })
            .collect();
        Ok(render::json(
            200,
            &json!({ "Functions": functions, "NextMarker": page.next_marker }),
        ))
    })
    .await
}

/// `GET api/functions/{name}`: GetFunction's answer with its versions,
/// aliases, URLs, event source mappings and warm environments.
pub(super) async fn detail(
    service: &LambdaService,
    name: &str,
    text: Option<&str>,
) -> Result<Response, ApiError> {
    let at: Where = query(text)?;
    let (service, name) = (service.clone(), name.to_string());
    off_worker(move || {
        let scope = at.scope();
        let function = service.get_function(&scope, &name, None)?;
        let versions = service.list_versions_by_function(&scope, &name, None, Some(50))?;
        let aliases = service.list_aliases(&scope, &name, None, None, Some(50))?;
        let urls = service.list_function_url_configs(&scope, &name, None, Some(50))?;
        let mappings =
            service.list_event_source_mappings(&scope, None, Some(&name), None, Some(100))?;
        let environments: Vec<_> = service
            .invoker()
            .pools
            .snapshot()
            .into_iter()
            .filter(|e| {
                e.function == name && e.account == scope.account && e.region == scope.region
            })
            .collect();
        Ok(render::json(
            200,
            &json!({
                "Function": function,
                "Versions": versions.versions,
                "Aliases": aliases.aliases,
                "FunctionUrlConfigs": urls.function_url_configs,
                "EventSourceMappings": mappings.event_source_mappings,
                "Environments": environments,
            }),
        ))
    })
    .await
}
