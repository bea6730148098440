//! The function configuration document, as the API returns it, and the
//! record laminar keeps for each function.

use crate::shapes::{
    CapacityProviderConfig, DeadLetterConfig, DurableConfig, FileSystemConfig, TenancyConfig,
    VpcConfigResponse,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EnvironmentResponse {
    pub variables: BTreeMap<String, String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EphemeralStorage {
    pub size: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TracingConfig {
    pub mode: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SnapStartResponse {
    pub apply_on: String,
    pub optimization_status: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoggingConfig {
    pub log_format: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_log_level: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_log_level: Option<String>,
    pub log_group: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RuntimeVersionConfig {
    pub runtime_version_arn: String,
}

/// `FunctionConfiguration` of the API model. Members laminar stores but does
/// not act on (VPC, file systems, KMS) are kept as the client sent them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionConfiguration {
    pub function_name: String,
    pub function_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    pub role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handler: Option<String>,
    pub code_size: u64,
    pub description: String,
    pub timeout: i64,
    pub memory_size: i64,
    pub last_modified: String,
    pub code_sha256: String,
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<EnvironmentResponse>,
    pub tracing_config: TracingConfig,
    pub revision_id: String,
    pub state: FunctionState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_reason_code: Option<String>,
    /// Absent until a new function first becomes `Active`, as in AWS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update_status: Option<LastUpdateStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_update_status_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_update_status_reason_code: Option<String>,
    pub package_type: String,
    pub architectures: Vec<String>,
    pub ephemeral_storage: EphemeralStorage,
    pub snap_start: SnapStartResponse,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime_version_config: Option<RuntimeVersionConfig>,
    pub logging_config: LoggingConfig,
    #[serde(rename = "VpcConfig", skip_serializing_if = "Option::is_none")]
    pub vpc_config: Option<VpcConfigResponse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dead_letter_config: Option<DeadLetterConfig>,
    #[serde(rename = "KMSKeyArn", skip_serializing_if = "Option::is_none")]
    pub kms_key_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_system_configs: Option<Vec<FileSystemConfig>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_config_response: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layers: Option<Vec<LayerReference>>,
    /// `CapacityProviderConfig` as the client sent it (Lambda Managed Instances).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_provider_config: Option<CapacityProviderConfig>,
    /// Set on durable functions: invoking one starts a durable execution.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub durable_config: Option<DurableConfig>,
    /// Set on tenant-isolated functions: every invoke names its tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenancy_config: Option<TenancyConfig>,
}

/// `State` of a function: `Pending` while the executor prepares it (pulls
/// its image, or for the configured pending time), then `Active`, or
/// `Failed` with the reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FunctionState {
    Pending,
    Active,
    Inactive,
    Failed,
}

impl FunctionState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Active => "Active",
            Self::Inactive => "Inactive",
            Self::Failed => "Failed",
        }
    }
}

impl std::fmt::Display for FunctionState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `LastUpdateStatus` of a function: `InProgress` while an update is being
/// prepared, then `Successful` or `Failed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LastUpdateStatus {
    Successful,
    Failed,
    InProgress,
}

/// What AWS says while a function is being created or updated
/// (`StateReason` / `LastUpdateStatusReason` and their codes).
pub const CREATING_REASON: &str = "The function is being created.";
pub const CREATING_CODE: &str = "Creating";

impl FunctionConfiguration {
    /// `Pending`, as CreateFunction and PublishVersion answer.
    pub fn set_pending(&mut self) {
        self.state = FunctionState::Pending;
        self.state_reason = Some(CREATING_REASON.into());
        self.state_reason_code = Some(CREATING_CODE.into());
    }

    /// `LastUpdateStatus: InProgress`, as the update operations answer.
    pub fn set_update_in_progress(&mut self) {
        self.last_update_status = Some(LastUpdateStatus::InProgress);
        self.last_update_status_reason = Some(CREATING_REASON.into());
        self.last_update_status_reason_code = Some(CREATING_CODE.into());
    }

    /// `Active` with its last update `Successful` and no reasons.
    pub fn set_ready(&mut self) {
        self.state = FunctionState::Active;
        self.state_reason = None;
        self.state_reason_code = None;
        self.last_update_status = Some(LastUpdateStatus::Successful);
        self.last_update_status_reason = None;
        self.last_update_status_reason_code = None;
    }

    /// Whether the function is being created or updated: AWS refuses
    /// another change until it settles.
    pub fn busy(&self) -> bool {
        self.state == FunctionState::Pending
            || self.last_update_status == Some(LastUpdateStatus::InProgress)
    }

    /// The capacity provider this configuration runs on, if any.
    pub fn capacity_provider_arn(&self) -> Option<&str> {
        let arn = &self
            .capacity_provider_config
            .as_ref()?
            .lambda_managed_instances_capacity_provider_config
            .capacity_provider_arn;
        (!arn.is_empty()).then_some(arn.as_str())
    }
}

/// A layer version attached to a function.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LayerReference {
    pub arn: String,
    pub code_size: u64,
}

/// `ImageConfig`: overrides of a container image's own settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImageConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_point: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_directory: Option<String>,
}

/// Where a function's code lives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FunctionCode {
    /// A zip in the blob store, by the hex SHA-256 of its bytes.
    Zip { sha256_hex: String },
    /// A folder on laminar's host, run live: LocalStack's hot-reload
    /// convention (`S3Bucket=hot-reload`, `S3Key=/absolute/folder`).
    LocalFolder { path: String },
    /// A container image.
    Image {
        image_uri: String,
        #[serde(default)]
        image_config: ImageConfig,
    },
}

/// A published, immutable version of a function.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PublishedVersion {
    pub config: FunctionConfiguration,
    pub code: FunctionCode,
}

/// An alias: a name for a version, optionally splitting traffic with a second.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AliasRecord {
    pub name: String,
    /// `$LATEST` or a version number.
    pub function_version: String,
    pub description: String,
    /// Additional version → share of invocations (0.0–1.0).
    #[serde(default)]
    pub additional_version_weights: BTreeMap<String, f64>,
    pub revision_id: String,
}

/// Everything laminar keeps about one function: its `$LATEST`, published
/// versions, aliases, tags and reserved concurrency.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FunctionRecord {
    pub config: FunctionConfiguration,
    pub code: FunctionCode,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub versions: BTreeMap<u64, PublishedVersion>,
    /// The highest version number ever published: numbers are never reused.
    #[serde(default)]
    pub last_version: u64,
    #[serde(default)]
    pub aliases: BTreeMap<String, AliasRecord>,
    #[serde(default)]
    pub reserved_concurrency: Option<u32>,
    /// Resource-based policies, by qualifier (`""` for the unqualified function).
    #[serde(default)]
    pub policies: BTreeMap<String, Policy>,
    /// Function URLs, by qualifier (`""` for the unqualified function).
    #[serde(default)]
    pub urls: BTreeMap<String, FunctionUrl>,
    /// Asynchronous invocation settings, by qualifier (`""` for the function).
    #[serde(default)]
    pub event_invoke_configs: BTreeMap<String, EventInvokeConfig>,
    /// Layer version ARN → its package (hex SHA-256), for every layer any
    /// version of the function uses: kept even if the layer is deleted.
    #[serde(default)]
    pub layer_contents: BTreeMap<String, String>,
    /// What Lambda does about recursive loops (`Allow` / `Terminate`); `None` is `Terminate`.
    #[serde(default)]
    pub recursive_loop: Option<String>,
    /// Runtime management settings, by version (`$LATEST` or a number).
    #[serde(default)]
    pub runtime_management: BTreeMap<String, RuntimeManagement>,
    /// Function scaling settings, by qualifier (`$LATEST.PUBLISHED` or a number).
    #[serde(default)]
    pub scaling_configs: BTreeMap<String, ScalingConfig>,
    /// The code signing configuration the function uses.
    #[serde(default)]
    pub code_signing_config_arn: Option<String>,
    /// Provisioned concurrency, by qualifier (an alias or a version number).
    #[serde(default)]
    pub provisioned_concurrency: BTreeMap<String, ProvisionedConcurrency>,
}

/// How asynchronous invocations of a function (or qualifier) are handled.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventInvokeConfig {
    pub maximum_retry_attempts: Option<i64>,
    pub maximum_event_age_in_seconds: Option<i64>,
    /// `{"OnSuccess": {"Destination": arn}, "OnFailure": {...}}`.
    pub destination_config: Option<crate::shapes::DestinationConfig>,
    /// Seconds since the epoch.
    pub last_modified: f64,
}

/// A function URL's configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FunctionUrl {
    /// The URL's host label: 32 lowercase letters and digits.
    pub url_id: String,
    /// `NONE` or `AWS_IAM`.
    pub auth_type: String,
    /// `BUFFERED` or `RESPONSE_STREAM`.
    pub invoke_mode: String,
    /// Whether a client set `InvokeMode`: AWS answers it only then.
    #[serde(default)]
    pub invoke_mode_set: bool,
    /// The `Cors` member as the client sent it.
    pub cors: Option<crate::shapes::Cors>,
    pub creation_time: String,
    pub last_modified_time: String,
}

/// A resource-based policy: its statements and its own revision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    pub statements: Vec<serde_json::Value>,
    pub revision_id: String,
}

impl FunctionRecord {
    pub fn new(
        config: FunctionConfiguration,
        code: FunctionCode,
        tags: BTreeMap<String, String>,
    ) -> Self {
        Self {
            config,
            code,
            tags,
            versions: BTreeMap::new(),
            last_version: 0,
            aliases: BTreeMap::new(),
            reserved_concurrency: None,
            policies: BTreeMap::new(),
            urls: BTreeMap::new(),
            event_invoke_configs: BTreeMap::new(),
            layer_contents: BTreeMap::new(),
            recursive_loop: None,
            runtime_management: BTreeMap::new(),
            scaling_configs: BTreeMap::new(),
            code_signing_config_arn: None,
            provisioned_concurrency: BTreeMap::new(),
        }
    }

    /// The function's ARN, qualified when a qualifier is given.
    pub fn arn_for(&self, qualifier: Option<&impl std::fmt::Display>) -> String {
        match qualifier {
            Some(q) => format!("{}:{q}", self.config.function_arn),
            None => self.config.function_arn.clone(),
        }
    }

    /// The ARN a per-qualifier setting applies to (`""` is the function).
    pub fn slot_arn(&self, slot: &str) -> String {
        if slot.is_empty() {
            self.config.function_arn.clone()
        } else {
            format!("{}:{slot}", self.config.function_arn)
        }
    }

    /// Whether a qualifier names something that exists: `$LATEST`, a
    /// published version or an alias.
    pub fn has_qualifier(&self, qualifier: &crate::arn::Qualifier) -> bool {
        use crate::arn::Qualifier;
        match qualifier {
            Qualifier::Latest => true,
            Qualifier::Version(n) => self.versions.contains_key(n),
            Qualifier::Alias(a) => self.aliases.contains_key(a),
        }
    }

    /// Whether environments started for `revision_id` still run current code
    /// (`$LATEST` or a published version).
    pub fn has_revision(&self, revision_id: &str) -> bool {
        self.config.revision_id == revision_id
            || self
                .versions
                .values()
                .any(|v| v.config.revision_id == revision_id)
    }
}

/// `PutRuntimeManagementConfig` as stored for one version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeManagement {
    /// `Auto`, `FunctionUpdate` or `Manual`.
    pub update_runtime_on: String,
    /// Set with `Manual` only.
    pub runtime_version_arn: Option<String>,
}

/// `FunctionScalingConfig`: execution environments kept for one version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScalingConfig {
    pub min_execution_environments: Option<i64>,
    pub max_execution_environments: Option<i64>,
}

/// A provisioned concurrency configuration of an alias or version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvisionedConcurrency {
    pub requested: u32,
    /// `LastModified` as the API spells it.
    pub last_modified: String,
}
