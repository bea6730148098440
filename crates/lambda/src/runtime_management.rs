//! Runtime update modes per version: Get/PutRuntimeManagementConfig.

use crate::checks::{name_and_qualifier, version_of};
use crate::{ApiResult, LambdaService};
use laminar_model::arn::Scope;
use laminar_model::config::RuntimeManagement;
use laminar_model::ApiError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RuntimeManagementRequest {
    pub update_runtime_on: Option<String>,
    pub runtime_version_arn: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RuntimeManagementConfig {
    pub update_runtime_on: String,
    pub function_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime_version_arn: Option<String>,
}

/// The stored settings' slot: `$LATEST` or the version number.
fn slot(version: Option<u64>) -> String {
    version.map_or_else(|| "$LATEST".to_string(), |n| n.to_string())
}

impl LambdaService {
    pub fn get_runtime_management_config(
        &self,
        scope: &Scope,
        function_name: &str,
        qualifier: Option<&str>,
    ) -> ApiResult<RuntimeManagementConfig> {
        let (reference, qualifier) = name_and_qualifier(scope, function_name, qualifier)?;
        let record = self.function_record(scope, &reference)?;
        let version = version_of(&record, qualifier.as_deref())?;
        let function_arn = record.arn_for(qualifier.as_ref());
        let stored = record.runtime_management.get(&slot(version));
        Ok(RuntimeManagementConfig {
            update_runtime_on: stored
                .map_or_else(|| "Auto".to_string(), |s| s.update_runtime_on.clone()),
            function_arn,
            runtime_version_arn: stored.and_then(|s| s.runtime_version_arn.clone()),
        })
    }

    pub fn put_runtime_management_config(
        &self,
        scope: &Scope,
        function_name: &str,
        qualifier: Option<&str>,
        request: RuntimeManagementRequest,
    ) -> ApiResult<RuntimeManagementConfig> {
        let mode = request.update_runtime_on.unwrap_or_default();
        match (mode.as_str(), &request.runtime_version_arn) {
            ("Manual", None) => {
                return Err(ApiError::invalid_parameter(
                    "RuntimeVersionArn is required when UpdateRuntimeOn is Manual.",
                ))
            }
            ("Auto" | "FunctionUpdate", Some(_)) => {
                return Err(ApiError::invalid_parameter(format!(
                    "RuntimeVersionArn can only be specified when UpdateRuntimeOn is Manual, not {mode}."
                )))
            }
            _ => {}
        }
        let (reference, qualifier) = name_and_qualifier(scope, function_name, qualifier)?;
        let stored = RuntimeManagement {
            update_runtime_on: mode,
            runtime_version_arn: request.runtime_version_arn,
        };
        let function_arn = self.change_function(scope, &reference, |record| {
            if record.config.package_type == "Image" {
                return Err(ApiError::invalid_parameter(
                    "Runtime management configuration is not supported for functions packaged as container images.",
                ));
            }
            let version = version_of(record, qualifier.as_deref())?;
            record
                .runtime_management
                .insert(slot(version), stored.clone());
            Ok(record.arn_for(qualifier.as_ref()))
        })?;
        Ok(RuntimeManagementConfig {
            update_runtime_on: stored.update_runtime_on,
            function_arn,
            runtime_version_arn: stored.runtime_version_arn,
        })
    }
}
