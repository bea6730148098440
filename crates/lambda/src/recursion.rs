//! Recursive loop detection settings: Get/PutFunctionRecursionConfig.

use crate::naming::resolve_name;
use crate::{ApiResult, LambdaService};
use laminar_model::arn::Scope;
use serde::{Deserialize, Serialize};

/// What a function does about recursive loops until told otherwise.
const DEFAULT_RECURSIVE_LOOP: &str = "Terminate";

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecursionConfigRequest {
    pub recursive_loop: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecursionConfig {
    pub recursive_loop: String,
}

impl LambdaService {
    pub fn get_function_recursion_config(
        &self,
        scope: &Scope,
        function_name: &str,
    ) -> ApiResult<RecursionConfig> {
        let reference = resolve_name(scope, function_name)?;
        let record = self.function_record(scope, &reference)?;
        Ok(RecursionConfig {
            recursive_loop: record
                .recursive_loop
                .clone()
                .unwrap_or_else(|| DEFAULT_RECURSIVE_LOOP.to_string()),
        })
    }

    pub fn put_function_recursion_config(
        &self,
        scope: &Scope,
        function_name: &str,
        request: RecursionConfigRequest,
    ) -> ApiResult<RecursionConfig> {
        let reference = resolve_name(scope, function_name)?;
        let recursive_loop = request.recursive_loop.unwrap_or_default();
        self.change_function(scope, &reference, |record| {
            record.recursive_loop = Some(recursive_loop.clone());
            Ok(())
        })?;
        Ok(RecursionConfig { recursive_loop })
    }
}
