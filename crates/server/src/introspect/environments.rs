//! `api/environments`: the warm environments, and evicting them (the next
//! invocation starts cold).

use super::{not_found, query, Where};
use crate::render;
use axum::response::Response;
use laminar_lambda::LambdaService;
use laminar_model::ApiError;
use laminar_store::FunctionKey;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    function: Option<String>,
}

/// `GET api/environments?function=`
pub(super) fn list(service: &LambdaService, text: Option<&str>) -> Result<Response, ApiError> {
    let q: ListQuery = query(text)?;
    let environments: Vec<_> = service
        .invoker()
        .pools
        .snapshot()
        .into_iter()
        .filter(|e| q.function.as_ref().is_none_or(|f| *f == e.function))
        .collect();
    Ok(render::json(
        200,
        &serde_json::json!({ "environments": environments }),
    ))
}

/// `POST api/environments/{id}/evict`
pub(super) fn evict(service: &LambdaService, id: &str) -> Result<Response, ApiError> {
    if !service.invoker().pools.evict(id) {
        return Err(not_found(format!("No idle environment {id}")));
    }
    Ok(render::json(200, &serde_json::json!({ "evicted": 1 })))
}

/// `POST api/functions/{name}/evict`: every idle environment of it.
pub(super) fn evict_function(
    service: &LambdaService,
    name: &str,
    text: Option<&str>,
) -> Result<Response, ApiError> {
    let at: Where = query(text)?;
    let scope = at.scope();
    service.get_function_configuration(&scope, name, None)?;
    let key = FunctionKey {
        account: scope.account,
        region: scope.region,
        name: name.to_string(),
    };
    let evicted = service.invoker().pools.evict_function(&key);
    Ok(render::json(
        200,
        &serde_json::json!({ "evicted": evicted }),
    ))
}
