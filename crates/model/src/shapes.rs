//! The nested structures of Lambda's requests in the model's shape. A member
//! the model does not name is dropped as the request is read (AWS ignores
//! unknown members), so what is stored and answered is only what the model
//! knows. Member names and types are the API model's; `tools/gen_constraints.py`
//! checks the values before they get here.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `VpcConfig` of CreateFunction and UpdateFunctionConfiguration.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VpcConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet_ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_group_ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv6_allowed_for_dual_stack: Option<bool>,
}

/// `VpcConfigResponse`: the request's members and the VPC's id (empty: no
/// VPC is attached locally).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VpcConfigResponse {
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
    pub vpc_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv6_allowed_for_dual_stack: Option<bool>,
}

impl From<VpcConfig> for VpcConfigResponse {
    fn from(vpc: VpcConfig) -> Self {
        Self {
            subnet_ids: vpc.subnet_ids.unwrap_or_default(),
            security_group_ids: vpc.security_group_ids.unwrap_or_default(),
            vpc_id: String::new(),
            ipv6_allowed_for_dual_stack: vpc.ipv6_allowed_for_dual_stack,
        }
    }
}

/// `DeadLetterConfig`: where failed asynchronous events go.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeadLetterConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_arn: Option<String>,
}

/// One of `FileSystemConfigs`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct FileSystemConfig {
    pub arn: String,
    pub local_mount_path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3_files_config: Option<S3FilesConfig>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct S3FilesConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direct_s3_read: Option<String>,
}

/// `CapacityProviderConfig` (Lambda Managed Instances).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CapacityProviderConfig {
    pub lambda_managed_instances_capacity_provider_config: ManagedInstancesConfig,
}

/// `LambdaManagedInstancesCapacityProviderConfig`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ManagedInstancesConfig {
    #[serde(default)]
    pub capacity_provider_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_execution_environment_max_concurrency: Option<i64>,
    #[serde(
        rename = "ExecutionEnvironmentMemoryGiBPerVCpu",
        skip_serializing_if = "Option::is_none"
    )]
    pub execution_environment_memory_gib_per_vcpu: Option<f64>,
}

/// `TenancyConfig`: set at creation, never changed. `PER_TENANT` gives each
/// tenant (`TenantId` on Invoke) execution environments of its own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TenancyConfig {
    pub tenant_isolation_mode: TenantIsolationMode,
}

/// `TenantIsolationMode`: the model's only value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TenantIsolationMode {
    #[serde(rename = "PER_TENANT")]
    PerTenant,
}

/// `DurableConfig`: a durable function's execution limits.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DurableConfig {
    #[serde(rename = "KMSKeyArn", skip_serializing_if = "Option::is_none")]
    pub kms_key_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention_period_in_days: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_timeout: Option<i64>,
}

/// `DestinationConfig` of asynchronous invocation: answered with both sides,
/// an unset one as `{}`, as AWS does.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DestinationConfig {
    pub on_success: Destination,
    pub on_failure: Destination,
}

/// `OnSuccess` / `OnFailure`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Destination {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
}

/// A function URL's `Cors`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Cors {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_credentials: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_headers: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_methods: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_origins: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expose_headers: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_age: Option<i64>,
}

/// An alias's `RoutingConfig` (`AliasRoutingConfiguration`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AliasRoutingConfiguration {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_version_weights: Option<BTreeMap<String, f64>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_members_are_dropped_at_every_depth() {
        let read: DestinationConfig = serde_json::from_str(
            r#"{"OnSuccess":{"Destination":"arn:aws:sqs:us-east-1:1:q","Extra":1},"Bogus":{}}"#,
        )
        .unwrap();
        assert_eq!(
            serde_json::to_string(&read).unwrap(),
            r#"{"OnSuccess":{"Destination":"arn:aws:sqs:us-east-1:1:q"},"OnFailure":{}}"#
        );
        let vpc: VpcConfig = serde_json::from_str(r#"{"SubnetIds":["s"],"X":true}"#).unwrap();
        assert_eq!(
            serde_json::to_value(VpcConfigResponse::from(vpc)).unwrap(),
            serde_json::json!({"SubnetIds":["s"],"SecurityGroupIds":[],"VpcId":""})
        );
    }
}
