//! Names of functions: the registry key of a name in a scope, and a
//! `FunctionName` parsed and checked against the caller's scope.

use crate::ApiResult;
use laminar_model::arn::{FunctionRef, Scope};
use laminar_store::FunctionKey;

pub fn key_of(scope: &Scope, name: &str) -> FunctionKey {
    FunctionKey {
        account: scope.account.clone(),
        region: scope.region.clone(),
        name: name.to_string(),
    }
}

/// Parses a `FunctionName` and checks it points into the caller's scope.
pub fn resolve_name(scope: &Scope, function_name: &str) -> ApiResult<FunctionRef> {
    let reference = FunctionRef::parse(function_name)?;
    reference.check_scope(scope)?;
    Ok(reference)
}
