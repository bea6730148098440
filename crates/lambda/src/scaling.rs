//! Execution environments kept per published version (functions on capacity
//! providers): Get/PutFunctionScalingConfig.

use crate::checks::version_of;
use crate::naming::resolve_name;
use crate::{ApiResult, LambdaService};
use laminar_model::arn::Scope;
use laminar_model::config::{FunctionState, ScalingConfig};
use laminar_model::ApiError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Deserialize, Serialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionScalingConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_execution_environments: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_execution_environments: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutScalingConfigRequest {
    pub function_scaling_config: Option<FunctionScalingConfig>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetScalingConfigOutput {
    pub function_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applied_function_scaling_config: Option<FunctionScalingConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested_function_scaling_config: Option<FunctionScalingConfig>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutScalingConfigOutput {
    pub function_state: FunctionState,
}

fn render(stored: &ScalingConfig) -> FunctionScalingConfig {
    FunctionScalingConfig {
        min_execution_environments: stored.min_execution_environments,
        max_execution_environments: stored.max_execution_environments,
    }
}

impl LambdaService {
    pub fn get_function_scaling_config(
        &self,
        scope: &Scope,
        function_name: &str,
        qualifier: &str,
    ) -> ApiResult<GetScalingConfigOutput> {
        let reference = resolve_name(scope, function_name)?;
        let record = self.function_record(scope, &reference)?;
        version_of(&record, Some(qualifier))?;
        let stored = record.scaling_configs.get(qualifier).map(render);
        Ok(GetScalingConfigOutput {
            function_arn: format!("{}:{qualifier}", record.config.function_arn),
            applied_function_scaling_config: stored.clone(),
            requested_function_scaling_config: stored,
        })
    }

    pub fn put_function_scaling_config(
        &self,
        scope: &Scope,
        function_name: &str,
        qualifier: &str,
        request: PutScalingConfigRequest,
    ) -> ApiResult<PutScalingConfigOutput> {
        let config = request.function_scaling_config.unwrap_or_default();
        if let (Some(min), Some(max)) = (
            config.min_execution_environments,
            config.max_execution_environments,
        ) {
            if min > max {
                return Err(ApiError::invalid_parameter(format!(
                    "MinExecutionEnvironments ({min}) must be less than or equal to MaxExecutionEnvironments ({max})."
                )));
            }
        }
        let reference = resolve_name(scope, function_name)?;
        let qualifier = qualifier.to_string();
        let state = self.change_function(scope, &reference, |record| {
            let version = version_of(record, Some(&qualifier))?;
            let state = version
                .and_then(|n| record.versions.get(&n))
                .map_or(record.config.state, |v| v.config.state);
            record.scaling_configs.insert(
                qualifier.clone(),
                ScalingConfig {
                    min_execution_environments: config.min_execution_environments,
                    max_execution_environments: config.max_execution_environments,
                },
            );
            Ok(state)
        })?;
        Ok(PutScalingConfigOutput {
            function_state: state,
        })
    }
}
