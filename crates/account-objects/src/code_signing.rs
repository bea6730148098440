//! Code signing configurations (account-level objects) and the one a
//! function uses: Create/Get/Update/Delete/ListCodeSigningConfigs,
//! ListFunctionsByCodeSigningConfig, Put/Get/DeleteFunctionCodeSigningConfig.

use crate::AccountObjects;
use laminar_lambda_core::checks::{self, name_and_qualifier};
use laminar_lambda_core::objects::{ObjectsWriter, CODE_SIGNING_CONFIG};
use laminar_lambda_core::page::LAMBDA;
use laminar_lambda_core::ApiResult;
use laminar_model::arn::Scope;
use laminar_model::{ApiError, ErrorKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AllowedPublishers {
    #[serde(default)]
    pub signing_profile_version_arns: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CodeSigningPolicies {
    pub untrusted_artifact_on_deployment: String,
}

/// `CodeSigningConfig` as the API returns it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CodeSigningConfig {
    pub code_signing_config_id: String,
    pub code_signing_config_arn: String,
    pub description: String,
    pub allowed_publishers: AllowedPublishers,
    pub code_signing_policies: CodeSigningPolicies,
    pub last_modified: String,
}

/// What laminar stores: the configuration and its tags.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredConfig {
    config: CodeSigningConfig,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

impl laminar_lambda_core::tags::Tagged for StoredConfig {
    fn tags(&self) -> &laminar_lambda_core::tags::Tags {
        &self.tags
    }
    fn tags_mut(&mut self) -> &mut laminar_lambda_core::tags::Tags {
        &mut self.tags
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AllowedPublishersInput {
    pub signing_profile_version_arns: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CodeSigningPoliciesInput {
    pub untrusted_artifact_on_deployment: Option<String>,
}

/// The body of CreateCodeSigningConfig and UpdateCodeSigningConfig.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CodeSigningConfigRequest {
    pub description: Option<String>,
    pub allowed_publishers: Option<AllowedPublishersInput>,
    pub code_signing_policies: Option<CodeSigningPoliciesInput>,
    pub tags: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CodeSigningConfigOutput {
    pub code_signing_config: CodeSigningConfig,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListCodeSigningConfigsOutput {
    pub code_signing_configs: Vec<CodeSigningConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListFunctionsByCodeSigningConfigOutput {
    pub function_arns: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionCodeSigningConfigRequest {
    pub code_signing_config_arn: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionCodeSigningConfig {
    pub code_signing_config_arn: String,
    pub function_name: String,
}

/// What the model cannot say (its constraints are checked before the
/// operation runs).
fn check_request(request: &CodeSigningConfigRequest) -> ApiResult<()> {
    checks::reserved_tags(request.tags.as_ref())
}

/// The id of a code signing config ARN in the caller's scope (`None` when
/// it points elsewhere); the model's pattern was checked before.
fn id_of(scope: &Scope, arn: &str) -> ApiResult<Option<String>> {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.as_slice() {
        [_, _, _, region, account, _, id]
            if *region == scope.region && *account == scope.account =>
        {
            Ok(Some((*id).to_string()))
        }
        _ => Ok(None),
    }
}

fn not_found(arn: &str) -> ApiError {
    ApiError::new(
        ErrorKind::ResourceNotFound,
        format!("The code signing configuration cannot be found. Check that the provided configuration is not deleted: {arn}."),
    )
}

/// A function may name a code signing config only if it exists in its scope
/// (CreateFunction, PutFunctionCodeSigningConfig).
pub fn require_config(objects: &ObjectsWriter<'_>, scope: &Scope, arn: &str) -> ApiResult<()> {
    let exists = id_of(scope, arn)?
        .and_then(|id| objects.get::<StoredConfig>(CODE_SIGNING_CONFIG, scope, &id))
        .is_some();
    if !exists {
        return Err(ApiError::new(
            ErrorKind::CodeSigningConfigNotFound,
            format!("The code signing configuration cannot be found. Check that the provided configuration is not deleted: {arn}."),
        ));
    }
    Ok(())
}

fn new_id() -> String {
    let hex = uuid::Uuid::new_v4().simple().to_string();
    format!("csc-{}", &hex[..17])
}

impl AccountObjects {
    fn stored_code_signing_config(&self, scope: &Scope, arn: &str) -> ApiResult<StoredConfig> {
        let id = id_of(scope, arn)?.ok_or_else(|| not_found(arn))?;
        self.objects
            .get(CODE_SIGNING_CONFIG, scope, &id)
            .ok_or_else(|| not_found(arn))
    }

    pub fn create_code_signing_config(
        &self,
        scope: &Scope,
        request: CodeSigningConfigRequest,
    ) -> ApiResult<CodeSigningConfigOutput> {
        check_request(&request)?;
        let id = new_id();
        let config = CodeSigningConfig {
            code_signing_config_arn: format!(
                "arn:aws:lambda:{}:{}:code-signing-config:{id}",
                scope.region, scope.account
            ),
            code_signing_config_id: id.clone(),
            description: request.description.unwrap_or_default(),
            allowed_publishers: AllowedPublishers {
                signing_profile_version_arns: request
                    .allowed_publishers
                    .and_then(|p| p.signing_profile_version_arns)
                    .unwrap_or_default(),
            },
            code_signing_policies: CodeSigningPolicies {
                untrusted_artifact_on_deployment: request
                    .code_signing_policies
                    .and_then(|p| p.untrusted_artifact_on_deployment)
                    .unwrap_or_else(|| "Warn".to_string()),
            },
            last_modified: checks::now(),
        };
        let stored = StoredConfig {
            config: config.clone(),
            tags: request.tags.unwrap_or_default(),
        };
        self.objects
            .write()
            .put(CODE_SIGNING_CONFIG, scope, &id, &stored)?;
        Ok(CodeSigningConfigOutput {
            code_signing_config: config,
        })
    }

    pub fn get_code_signing_config(
        &self,
        scope: &Scope,
        arn: &str,
    ) -> ApiResult<CodeSigningConfigOutput> {
        Ok(CodeSigningConfigOutput {
            code_signing_config: self.stored_code_signing_config(scope, arn)?.config,
        })
    }

    pub fn update_code_signing_config(
        &self,
        scope: &Scope,
        arn: &str,
        request: CodeSigningConfigRequest,
    ) -> ApiResult<CodeSigningConfigOutput> {
        let id = id_of(scope, arn)?.ok_or_else(|| not_found(arn))?;
        check_request(&request)?;
        let mut objects = self.objects.write();
        let mut stored: StoredConfig = objects
            .get(CODE_SIGNING_CONFIG, scope, &id)
            .ok_or_else(|| not_found(arn))?;
        let config = &mut stored.config;
        if let Some(description) = request.description {
            config.description = description;
        }
        if let Some(arns) = request
            .allowed_publishers
            .and_then(|p| p.signing_profile_version_arns)
        {
            config.allowed_publishers.signing_profile_version_arns = arns;
        }
        if let Some(policy) = request
            .code_signing_policies
            .and_then(|p| p.untrusted_artifact_on_deployment)
        {
            config
                .code_signing_policies
                .untrusted_artifact_on_deployment = policy;
        }
        config.last_modified = checks::now();
        objects.put(CODE_SIGNING_CONFIG, scope, &id, &stored)?;
        Ok(CodeSigningConfigOutput {
            code_signing_config: stored.config,
        })
    }

    pub fn delete_code_signing_config(&self, scope: &Scope, arn: &str) -> ApiResult<()> {
        let id = id_of(scope, arn)?.ok_or_else(|| not_found(arn))?;
        let mut objects = self.objects.write();
        let stored: StoredConfig = objects
            .get(CODE_SIGNING_CONFIG, scope, &id)
            .ok_or_else(|| not_found(arn))?;
        let own_arn = stored.config.code_signing_config_arn;
        let users = self.registry.functions_where(scope, |record| {
            (record.code_signing_config_arn.as_deref() == Some(own_arn.as_str()))
                .then(|| record.config.function_name.clone())
        });
        if !users.is_empty() {
            return Err(ApiError::new(
                ErrorKind::ResourceConflict,
                format!(
                    "The code signing configuration {own_arn} cannot be deleted because it is used by the following functions: {}",
                    users.join(", ")
                ),
            ));
        }
        objects.remove(CODE_SIGNING_CONFIG, scope, &id)
    }

    pub fn list_code_signing_configs(
        &self,
        scope: &Scope,
        marker: Option<&str>,
        max_items: Option<i32>,
    ) -> ApiResult<ListCodeSigningConfigsOutput> {
        let all: Vec<CodeSigningConfig> = self
            .objects
            .list::<StoredConfig>(CODE_SIGNING_CONFIG, scope)
            .into_iter()
            .map(|(_, s)| s.config)
            .collect();
        let page = LAMBDA.page(&all, marker, max_items)?;
        Ok(ListCodeSigningConfigsOutput {
            code_signing_configs: page.items.into_iter().cloned().collect(),
            next_marker: page.next_marker,
        })
    }

    pub fn list_functions_by_code_signing_config(
        &self,
        scope: &Scope,
        arn: &str,
        marker: Option<&str>,
        max_items: Option<i32>,
    ) -> ApiResult<ListFunctionsByCodeSigningConfigOutput> {
        let own_arn = self
            .stored_code_signing_config(scope, arn)?
            .config
            .code_signing_config_arn;
        let all = self.registry.functions_where(scope, |record| {
            (record.code_signing_config_arn.as_deref() == Some(own_arn.as_str()))
                .then(|| record.config.function_arn.clone())
        });
        let page = LAMBDA.page(&all, marker, max_items)?;
        Ok(ListFunctionsByCodeSigningConfigOutput {
            function_arns: page.items.into_iter().cloned().collect(),
            next_marker: page.next_marker,
        })
    }

    pub fn put_function_code_signing_config(
        &self,
        scope: &Scope,
        function_name: &str,
        request: FunctionCodeSigningConfigRequest,
    ) -> ApiResult<FunctionCodeSigningConfig> {
        let arn = request.code_signing_config_arn.unwrap_or_default();
        id_of(scope, &arn)?;
        let (reference, _) = name_and_qualifier(scope, function_name, None)?;
        // The configs' lock first, then the functions': a concurrent delete
        // of the config cannot slip in between the check and the write.
        let objects = self.objects.write();
        self.registry.change_function(scope, &reference, |record| {
            refuse_images(record)?;
            require_config(&objects, scope, &arn)?;
            record.code_signing_config_arn = Some(arn.clone());
            Ok(FunctionCodeSigningConfig {
                code_signing_config_arn: arn.clone(),
                function_name: record.config.function_name.clone(),
            })
        })
    }

    pub fn get_function_code_signing_config(
        &self,
        scope: &Scope,
        function_name: &str,
    ) -> ApiResult<FunctionCodeSigningConfig> {
        let (reference, _) = name_and_qualifier(scope, function_name, None)?;
        let record = self.registry.function_record(scope, &reference)?;
        refuse_images(&record)?;
        Ok(FunctionCodeSigningConfig {
            code_signing_config_arn: record.code_signing_config_arn.clone().unwrap_or_default(),
            function_name: record.config.function_name.clone(),
        })
    }

    pub fn delete_function_code_signing_config(
        &self,
        scope: &Scope,
        function_name: &str,
    ) -> ApiResult<()> {
        let (reference, _) = name_and_qualifier(scope, function_name, None)?;
        self.registry.change_function(scope, &reference, |record| {
            refuse_images(record)?;
            record.code_signing_config_arn = None;
            Ok(())
        })
    }
}

fn refuse_images(record: &laminar_model::config::FunctionRecord) -> ApiResult<()> {
    if record.config.package_type == "Image" {
        return Err(ApiError::invalid_parameter(
            "Code signing is not supported for functions created with container images.",
        ));
    }
    Ok(())
}
