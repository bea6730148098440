//! Tenant isolation mode (`TenancyConfig`): which invokes a tenant-isolated
//! function accepts, and the features it cannot be combined with.
//!
//! AWS documents the rules (every invoke of such a function names its tenant;
//! provisioned concurrency, function URLs and event source mappings are not
//! available to it) but not its messages; these are laminar's.

use crate::config::FunctionConfiguration;
use crate::ApiError;

impl FunctionConfiguration {
    /// Whether each tenant gets execution environments of its own.
    pub fn tenant_isolated(&self) -> bool {
        self.tenancy_config.is_some()
    }
}

/// An invoke names a tenant exactly when the function isolates tenants.
pub fn check_invoke(
    config: &FunctionConfiguration,
    tenant_id: Option<&str>,
) -> Result<(), ApiError> {
    match (config.tenant_isolated(), tenant_id) {
        (true, None) => Err(ApiError::invalid_parameter(format!(
            "The function {} has tenant isolation mode enabled. Specify a TenantId to invoke it.",
            config.function_name
        ))),
        (false, Some(_)) => Err(ApiError::invalid_parameter(format!(
            "The function {} does not have tenant isolation mode enabled. Remove the TenantId to invoke it.",
            config.function_name
        ))),
        _ => Ok(()),
    }
}

/// A feature a tenant-isolated function cannot use (`feature` names it as
/// the API does, e.g. "Provisioned concurrency").
pub fn refuse_feature(config: &FunctionConfiguration, feature: &str) -> Result<(), ApiError> {
    if config.tenant_isolated() {
        return Err(ApiError::invalid_parameter(format!(
            "{feature} is not supported for functions with tenant isolation mode enabled."
        )));
    }
    Ok(())
}
