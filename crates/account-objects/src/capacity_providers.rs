//! Capacity providers (account-level objects): Create/Get/Update/Delete/
//! ListCapacityProviders and ListFunctionVersionsByCapacityProvider.

use crate::AccountObjects;
use laminar_lambda_core::checks;
use laminar_lambda_core::objects::{ObjectsWriter, CAPACITY_PROVIDER};
use laminar_lambda_core::page::LAMBDA;
use laminar_lambda_core::ApiResult;
use laminar_model::arn::Scope;
use laminar_model::config::FunctionState;
use laminar_model::{ApiError, ErrorKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `CapacityProviderName`: a name or the provider's ARN.

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VpcConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet_ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_group_ids: Option<Vec<String>>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PermissionsConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity_provider_operator_role_arn: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceRequirements {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub architectures: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_instance_types: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excluded_instance_types: Option<Vec<String>>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScalingPolicy {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predefined_metric_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_value: Option<f64>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScalingConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_v_cpu_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scaling_mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scaling_policies: Option<Vec<ScalingPolicy>>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PropagateTags {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explicit_tags: Option<BTreeMap<String, String>>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoggingConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_log_level: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_group: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TelemetryConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logging_config: Option<LoggingConfig>,
}

/// `CapacityProvider` as the API returns it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CapacityProvider {
    pub capacity_provider_arn: String,
    pub state: String,
    pub vpc_config: VpcConfig,
    pub permissions_config: PermissionsConfig,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_requirements: Option<InstanceRequirements>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity_provider_scaling_config: Option<ScalingConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key_arn: Option<String>,
    pub last_modified: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub propagate_tags: Option<PropagateTags>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub telemetry_config: Option<TelemetryConfig>,
}

/// What laminar stores: the provider and its tags.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredProvider {
    provider: CapacityProvider,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

impl laminar_lambda_core::tags::Tagged for StoredProvider {
    fn tags(&self) -> &laminar_lambda_core::tags::Tags {
        &self.tags
    }
    fn tags_mut(&mut self) -> &mut laminar_lambda_core::tags::Tags {
        &mut self.tags
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateCapacityProviderRequest {
    pub capacity_provider_name: Option<String>,
    pub vpc_config: Option<VpcConfig>,
    pub permissions_config: Option<PermissionsConfig>,
    pub instance_requirements: Option<InstanceRequirements>,
    pub capacity_provider_scaling_config: Option<ScalingConfig>,
    pub kms_key_arn: Option<String>,
    pub tags: Option<BTreeMap<String, String>>,
    pub propagate_tags: Option<PropagateTags>,
    pub telemetry_config: Option<TelemetryConfig>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateCapacityProviderRequest {
    pub capacity_provider_scaling_config: Option<ScalingConfig>,
    pub propagate_tags: Option<PropagateTags>,
    pub telemetry_config: Option<TelemetryConfig>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CapacityProviderOutput {
    pub capacity_provider: CapacityProvider,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListCapacityProvidersOutput {
    pub capacity_providers: Vec<CapacityProvider>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionVersionByCapacityProvider {
    pub function_arn: String,
    pub state: FunctionState,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListFunctionVersionsByCapacityProviderOutput {
    pub capacity_provider_arn: String,
    pub function_versions: Vec<FunctionVersionByCapacityProvider>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}

/// What the model cannot say about a new provider (its members' own
/// constraints are checked against the model before the operation runs).
fn check_create(request: &CreateCapacityProviderRequest) -> ApiResult<()> {
    checks::reserved_tags(request.tags.as_ref())?;
    if let Some(r) = &request.instance_requirements {
        let given = |t: &Option<Vec<String>>| t.as_ref().is_some_and(|t| !t.is_empty());
        if given(&r.allowed_instance_types) && given(&r.excluded_instance_types) {
            return Err(ApiError::invalid_parameter(
                "AllowedInstanceTypes and ExcludedInstanceTypes cannot both be specified.",
            ));
        }
    }
    Ok(())
}

fn arn_of(scope: &Scope, name: &str) -> String {
    format!(
        "arn:aws:lambda:{}:{}:capacity-provider:{name}",
        scope.region, scope.account
    )
}

fn not_found(scope: &Scope, name: &str) -> ApiError {
    ApiError::new(
        ErrorKind::ResourceNotFound,
        format!("Capacity provider not found: {}", arn_of(scope, name)),
    )
}

/// The provider name a `CapacityProviderName` spells (a name or an ARN);
/// ARNs of other scopes are not found.
fn name_of(scope: &Scope, text: &str) -> ApiResult<String> {
    if !text.starts_with("arn:") {
        return Ok(text.to_string());
    }
    let parts: Vec<&str> = text.split(':').collect();
    match parts.as_slice() {
        [_, _, _, region, account, _, name]
            if *region == scope.region && *account == scope.account =>
        {
            Ok((*name).to_string())
        }
        _ => Err(ApiError::new(
            ErrorKind::ResourceNotFound,
            format!("Capacity provider not found: {text}"),
        )),
    }
}

/// A function may run on a capacity provider (its `CapacityProviderConfig`)
/// only if the provider exists in the function's scope.
pub fn require_provider(
    objects: &ObjectsWriter<'_>,
    scope: &Scope,
    config: &laminar_model::shapes::CapacityProviderConfig,
) -> ApiResult<()> {
    let arn = Some(
        config
            .lambda_managed_instances_capacity_provider_config
            .capacity_provider_arn
            .as_str(),
    )
    .filter(|arn| !arn.is_empty())
    .ok_or_else(|| {
            ApiError::invalid_parameter(
                "CapacityProviderConfig must name a capacity provider: LambdaManagedInstancesCapacityProviderConfig.CapacityProviderArn is required.",
            )
        })?;
    let name = name_of(scope, arn)?;
    objects
        .get::<StoredProvider>(CAPACITY_PROVIDER, scope, &name)
        .map(|_| ())
        .ok_or_else(|| not_found(scope, &name))
}

impl AccountObjects {
    fn stored_capacity_provider(&self, scope: &Scope, text: &str) -> ApiResult<StoredProvider> {
        let name = name_of(scope, text)?;
        self.objects
            .get(CAPACITY_PROVIDER, scope, &name)
            .ok_or_else(|| not_found(scope, &name))
    }

    pub fn create_capacity_provider(
        &self,
        scope: &Scope,
        request: CreateCapacityProviderRequest,
    ) -> ApiResult<CapacityProviderOutput> {
        check_create(&request)?;
        let name = name_of(
            scope,
            request
                .capacity_provider_name
                .as_deref()
                .unwrap_or_default(),
        )?;
        let provider = CapacityProvider {
            capacity_provider_arn: arn_of(scope, &name),
            state: "Active".to_string(),
            vpc_config: request.vpc_config.unwrap_or_default(),
            permissions_config: request.permissions_config.unwrap_or_default(),
            instance_requirements: Some(request.instance_requirements.unwrap_or_else(|| {
                InstanceRequirements {
                    architectures: Some(vec!["x86_64".to_string()]),
                    ..Default::default()
                }
            })),
            capacity_provider_scaling_config: Some(
                request
                    .capacity_provider_scaling_config
                    .unwrap_or_else(|| ScalingConfig {
                        scaling_mode: Some("Auto".to_string()),
                        ..Default::default()
                    }),
            ),
            kms_key_arn: request.kms_key_arn,
            last_modified: checks::now(),
            propagate_tags: request.propagate_tags,
            telemetry_config: request.telemetry_config,
        };
        let mut objects = self.objects.write();
        if objects
            .get::<StoredProvider>(CAPACITY_PROVIDER, scope, &name)
            .is_some()
        {
            return Err(ApiError::new(
                ErrorKind::ResourceConflict,
                format!(
                    "Capacity provider already exists: {}",
                    provider.capacity_provider_arn
                ),
            ));
        }
        let stored = StoredProvider {
            provider: provider.clone(),
            tags: request.tags.unwrap_or_default(),
        };
        objects.put(CAPACITY_PROVIDER, scope, &name, &stored)?;
        Ok(CapacityProviderOutput {
            capacity_provider: provider,
        })
    }

    pub fn get_capacity_provider(
        &self,
        scope: &Scope,
        name: &str,
    ) -> ApiResult<CapacityProviderOutput> {
        Ok(CapacityProviderOutput {
            capacity_provider: self.stored_capacity_provider(scope, name)?.provider,
        })
    }

    pub fn update_capacity_provider(
        &self,
        scope: &Scope,
        name: &str,
        request: UpdateCapacityProviderRequest,
    ) -> ApiResult<CapacityProviderOutput> {
        let name = name_of(scope, name)?;
        let mut objects = self.objects.write();
        let mut stored: StoredProvider = objects
            .get(CAPACITY_PROVIDER, scope, &name)
            .ok_or_else(|| not_found(scope, &name))?;
        let provider = &mut stored.provider;
        if let Some(update) = request.capacity_provider_scaling_config {
            let current = provider
                .capacity_provider_scaling_config
                .get_or_insert_with(Default::default);
            if update.max_v_cpu_count.is_some() {
                current.max_v_cpu_count = update.max_v_cpu_count;
            }
            if update.scaling_mode.is_some() {
                current.scaling_mode = update.scaling_mode;
            }
            if update.scaling_policies.is_some() {
                current.scaling_policies = update.scaling_policies;
            }
        }
        if request.propagate_tags.is_some() {
            provider.propagate_tags = request.propagate_tags;
        }
        if request.telemetry_config.is_some() {
            provider.telemetry_config = request.telemetry_config;
        }
        provider.last_modified = checks::now();
        objects.put(CAPACITY_PROVIDER, scope, &name, &stored)?;
        Ok(CapacityProviderOutput {
            capacity_provider: stored.provider,
        })
    }

    pub fn delete_capacity_provider(
        &self,
        scope: &Scope,
        name: &str,
    ) -> ApiResult<CapacityProviderOutput> {
        let name = name_of(scope, name)?;
        let mut objects = self.objects.write();
        let stored: StoredProvider = objects
            .get(CAPACITY_PROVIDER, scope, &name)
            .ok_or_else(|| not_found(scope, &name))?;
        let arn = stored.provider.capacity_provider_arn.as_str();
        let users = self.registry.functions_where(scope, |record| {
            let uses = std::iter::once(&record.config)
                .chain(record.versions.values().map(|v| &v.config))
                .any(|c| c.capacity_provider_arn() == Some(arn));
            uses.then(|| record.config.function_name.clone())
        });
        if !users.is_empty() {
            return Err(ApiError::new(
                ErrorKind::ResourceConflict,
                format!(
                    "The capacity provider {arn} cannot be deleted because it is used by the following functions: {}",
                    users.join(", ")
                ),
            ));
        }
        objects.remove(CAPACITY_PROVIDER, scope, &name)?;
        let mut provider = stored.provider;
        provider.state = "Deleting".to_string();
        Ok(CapacityProviderOutput {
            capacity_provider: provider,
        })
    }

    pub fn list_capacity_providers(
        &self,
        scope: &Scope,
        state: Option<&str>,
        marker: Option<&str>,
        max_items: Option<i32>,
    ) -> ApiResult<ListCapacityProvidersOutput> {
        let all: Vec<CapacityProvider> = self
            .objects
            .list::<StoredProvider>(CAPACITY_PROVIDER, scope)
            .into_iter()
            .map(|(_, s)| s.provider)
            .filter(|p| state.is_none_or(|s| p.state == s))
            .collect();
        let page = LAMBDA.page(&all, marker, max_items)?;
        Ok(ListCapacityProvidersOutput {
            capacity_providers: page.items.into_iter().cloned().collect(),
            next_marker: page.next_marker,
        })
    }

    /// The published versions whose `CapacityProviderConfig` names the
    /// provider (the versions that run on it), by function name and number.
    pub fn list_function_versions_by_capacity_provider(
        &self,
        scope: &Scope,
        name: &str,
        marker: Option<&str>,
        max_items: Option<i32>,
    ) -> ApiResult<ListFunctionVersionsByCapacityProviderOutput> {
        let stored = self.stored_capacity_provider(scope, name)?;
        let arn = stored.provider.capacity_provider_arn.as_str();
        let all: Vec<FunctionVersionByCapacityProvider> = self
            .registry
            .functions_where(scope, |record| {
                let versions: Vec<_> = record
                    .versions
                    .iter()
                    .filter(|(_, v)| v.config.capacity_provider_arn() == Some(arn))
                    .map(|(number, v)| FunctionVersionByCapacityProvider {
                        function_arn: record.arn_for(Some(number)),
                        state: v.config.state,
                    })
                    .collect();
                Some(versions)
            })
            .into_iter()
            .flatten()
            .collect();
        let page = LAMBDA.page(&all, marker, max_items)?;
        Ok(ListFunctionVersionsByCapacityProviderOutput {
            capacity_provider_arn: stored.provider.capacity_provider_arn,
            function_versions: page.items.into_iter().cloned().collect(),
            next_marker: page.next_marker,
        })
    }
}
