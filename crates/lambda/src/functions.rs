//! Control-plane operations on functions: create, read, list, update, delete,
//! and the account settings.

use crate::function_code::{hex_of, S3Location};
use crate::function_config::{logging_config, validate_environment, ConfigInput};
use crate::naming::{key_of, resolve_name};
use crate::objects::ObjectsWriter;
use crate::page::LAMBDA;
use crate::resolve::{resolve, Routing};
use crate::{clock, ApiResult, LambdaService};
use laminar_model::arn::{FunctionRef, Qualifier, Scope};
use laminar_model::config::{
    EphemeralStorage, FunctionCode, FunctionConfiguration, FunctionRecord, FunctionState,
    ImageConfig, LastUpdateStatus, SnapStartResponse, TracingConfig,
};
use laminar_model::limits::*;
use laminar_model::requests::{
    CreateFunctionRequest, UpdateFunctionCodeRequest, UpdateFunctionConfigurationRequest,
};
use laminar_model::shapes::VpcConfigResponse;
use laminar_model::validate::Violations;
use laminar_model::{ApiError, ErrorKind};
use laminar_store::FunctionKey;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionCodeLocation {
    pub repository_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_image_uri: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetFunctionOutput {
    pub configuration: FunctionConfiguration,
    pub code: FunctionCodeLocation,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<serde_json::Value>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListFunctionsOutput {
    pub functions: Vec<FunctionConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}

const FUNCTION_NAME_PATTERN: &str = "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?";

fn revision_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// AWS refuses a change while the function is being created or updated.
pub(crate) fn check_updatable(c: &FunctionConfiguration) -> ApiResult<()> {
    let detail = if c.state == FunctionState::Pending {
        "The function is currently in the following state: Pending".to_string()
    } else if c.last_update_status == Some(LastUpdateStatus::InProgress) {
        format!("An update is in progress for resource: {}", c.function_arn)
    } else {
        return Ok(());
    };
    Err(ApiError::new(
        ErrorKind::ResourceConflict,
        format!("The operation cannot be performed at this time. {detail}"),
    ))
}

fn check_revision(expected: Option<&str>, record: &FunctionRecord) -> ApiResult<()> {
    match expected {
        Some(id) if id != record.config.revision_id => Err(ApiError::new(
            ErrorKind::PreconditionFailed,
            "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
        )),
        _ => Ok(()),
    }
}

/// The account-level objects a new function names (its code signing config,
/// its capacity provider) must exist.
fn require_objects(
    objects: &ObjectsWriter<'_>,
    scope: &Scope,
    request: &CreateFunctionRequest,
) -> ApiResult<()> {
    if let Some(arn) = &request.code_signing_config_arn {
        laminar_account_objects::require_config(objects, scope, arn)?;
    }
    if let Some(config) = &request.capacity_provider_config {
        laminar_account_objects::require_provider(objects, scope, config)?;
    }
    Ok(())
}

impl LambdaService {
    pub async fn create_function(
        &self,
        scope: &Scope,
        request: CreateFunctionRequest,
    ) -> ApiResult<FunctionConfiguration> {
        let mut v = Violations::new();
        let input = ConfigInput {
            runtime: request.runtime.as_deref(),
            timeout: request.timeout,
            memory_size: request.memory_size,
            ephemeral: request.ephemeral_storage.as_ref(),
            logging: request.logging_config.as_ref(),
        };
        input.check_limits(&mut v);
        let reference = match request.function_name.as_deref() {
            Some(name) => FunctionRef::parse(name).map(Some).unwrap_or_else(|_| {
                v.pattern("functionName", Some(name), |_| false, FUNCTION_NAME_PATTERN);
                None
            }),
            None => None,
        };
        v.finish()?;
        let reference = reference.ok_or_else(|| ApiError::service("function name missing"))?;
        reference.check_scope(scope)?;
        if reference.qualifier.is_some() {
            return Err(ApiError::invalid_parameter(
                "The function name cannot be qualified when creating a function.",
            ));
        }
        input.check_semantics()?;
        if let Some(tags) = &request.tags {
            crate::checks::reserved_tags(Some(tags))?;
            crate::checks::tag_count(tags)?;
        }
        self.check_execution_role(request.role.as_deref()).await?;
        require_objects(&self.inner.objects.write(), scope, &request)?;
        let package_type = request.package_type.clone().unwrap_or_else(|| "Zip".into());
        if package_type == "Zip" && (request.runtime.is_none() || request.handler.is_none()) {
            return Err(ApiError::invalid_parameter(
                "Runtime and Handler are mandatory parameters for functions created with deployment packages.",
            ));
        }
        let environment = validate_environment(request.environment.as_ref())?;
        let code = request
            .code
            .as_ref()
            .ok_or_else(|| ApiError::service("code missing"))?;
        let source = self.inner.code_from_request(
            &package_type,
            code.zip_file.as_deref(),
            S3Location::of(
                code.s3_bucket.as_deref(),
                code.s3_key.as_deref(),
                code.s3_object_version.as_deref(),
            ),
            code.image_uri.as_deref(),
        )?;
        let image_config = request.image_config.clone().unwrap_or_default();

        let key = key_of(scope, &reference.name);
        let function_arn = scope.function_arn(&reference.name);
        if self.inner.registry.get(&key).is_some() {
            return Err(function_exists(&function_arn));
        }
        let (layer_references, layer_contents) = {
            let (scope, arns) = (scope.clone(), request.layers.clone().unwrap_or_default());
            self.off_worker(move |service| service.inner.resolve_layers(&scope, &arns))
                .await?
        };
        let stored = self.inner.store_code(source, image_config.clone()).await?;
        let mut config = FunctionConfiguration {
            function_name: reference.name.clone(),
            function_arn: function_arn.clone(),
            runtime: request.runtime.clone(),
            role: request.role.clone().unwrap_or_default(),
            handler: request.handler.clone(),
            code_size: stored.size,
            description: request.description.clone().unwrap_or_default(),
            timeout: request.timeout.unwrap_or(TIMEOUT_DEFAULT_S),
            memory_size: request.memory_size.unwrap_or(MEMORY_DEFAULT_MB),
            last_modified: clock::last_modified(clock::now()),
            code_sha256: stored.sha256_base64.clone(),
            version: "$LATEST".into(),
            environment,
            tracing_config: TracingConfig {
                mode: request
                    .tracing_config
                    .as_ref()
                    .and_then(|t| t.mode.clone())
                    .unwrap_or_else(|| "PassThrough".into()),
            },
            revision_id: revision_id(),
            // Set below: a new function is Pending until it settles.
            state: FunctionState::Pending,
            state_reason: None,
            state_reason_code: None,
            last_update_status: None,
            last_update_status_reason: None,
            last_update_status_reason_code: None,
            package_type,
            architectures: request
                .architectures
                .clone()
                .unwrap_or_else(|| vec!["x86_64".into()]),
            ephemeral_storage: EphemeralStorage {
                size: request
                    .ephemeral_storage
                    .as_ref()
                    .and_then(|e| e.size)
                    .unwrap_or(EPHEMERAL_MIN_MB),
            },
            snap_start: SnapStartResponse {
                apply_on: "None".into(),
                optimization_status: "Off".into(),
            },
            runtime_version_config: request
                .runtime
                .as_ref()
                .map(|rt| runtime_version(scope, rt)),
            logging_config: logging_config(request.logging_config.as_ref(), None, &reference.name),
            vpc_config: request.vpc_config.clone().map(VpcConfigResponse::from),
            dead_letter_config: request.dead_letter_config.clone(),
            kms_key_arn: request.kms_key_arn.clone(),
            file_system_configs: request.file_system_configs.clone(),
            image_config_response: image_config_response(&image_config),
            layers: (!layer_references.is_empty()).then_some(layer_references),
            capacity_provider_config: request.capacity_provider_config.clone(),
            durable_config: request
                .durable_config
                .clone()
                .map(laminar_durable::config_response),
            tenancy_config: request.tenancy_config.clone(),
        };
        config.set_pending();
        let mut record = FunctionRecord::new(
            config,
            stored.code,
            request.tags.clone().unwrap_or_default(),
        );
        record.layer_contents.extend(layer_contents);
        record.code_signing_config_arn = request.code_signing_config_arn.clone();
        let publish = request.publish == Some(true);
        let record = {
            let (scope, key) = (scope.clone(), key.clone());
            let function_arn = function_arn.clone();
            self.off_worker(move |service| {
                // The objects' lock first, then the functions' (as
                // PutFunctionCodeSigningConfig): what the function names
                // cannot be deleted between the check and the write.
                let objects = service.inner.objects.write();
                require_objects(&objects, &scope, &request)?;
                let mut registry = service.inner.registry.write();
                if registry.get(&key).is_some() {
                    return Err(function_exists(&function_arn));
                }
                registry.put(key, record)
            })
            .await?
        };
        tracing::info!(function = %function_arn, "function created");
        let revision = record.config.revision_id.clone();
        let config = self
            .inner
            .invoker
            .clone()
            .settle(scope.clone(), key.clone(), revision)
            .await?;
        if publish {
            // AWS answers the new version's configuration under the
            // function's unqualified ARN.
            let mut version = self.publish_off_worker(scope, key).await?;
            version.function_arn = function_arn;
            return Ok(version);
        }
        Ok(config)
    }

    pub fn get_function(
        &self,
        scope: &Scope,
        function_name: &str,
        qualifier: Option<&str>,
    ) -> ApiResult<GetFunctionOutput> {
        let reference = resolve_name(scope, function_name)?.with_qualifier_param(qualifier)?;
        let resolved = resolve(&self.inner.registry, scope, &reference, Routing::Primary)?;
        let record = &resolved.record;
        let code = match resolved.code() {
            FunctionCode::Zip { sha256_hex } => FunctionCodeLocation {
                repository_type: "S3",
                location: Some(format!(
                    "{}/_laminar/code/{sha256_hex}.zip",
                    self.inner.settings.endpoint_url
                )),
                image_uri: None,
                resolved_image_uri: None,
            },
            FunctionCode::LocalFolder { .. } => FunctionCodeLocation {
                repository_type: "S3",
                location: None,
                image_uri: None,
                resolved_image_uri: None,
            },
            FunctionCode::Image { image_uri, .. } => FunctionCodeLocation {
                repository_type: "ECR",
                location: None,
                image_uri: Some(image_uri.clone()),
                resolved_image_uri: Some(image_uri.clone()),
            },
        };
        Ok(GetFunctionOutput {
            configuration: as_addressed(scope, &reference, resolved.config()),
            code,
            concurrency: record
                .reserved_concurrency
                .map(|n| json!({ "ReservedConcurrentExecutions": n })),
            tags: record.tags.clone(),
        })
    }

    pub fn get_function_configuration(
        &self,
        scope: &Scope,
        function_name: &str,
        qualifier: Option<&str>,
    ) -> ApiResult<FunctionConfiguration> {
        let reference = resolve_name(scope, function_name)?.with_qualifier_param(qualifier)?;
        let resolved = resolve(&self.inner.registry, scope, &reference, Routing::Primary)?;
        Ok(as_addressed(scope, &reference, resolved.config()))
    }

    /// `all_versions` (`FunctionVersion=ALL`): each function's `$LATEST`
    /// followed by its published versions, paged by position.
    pub fn list_functions(
        &self,
        scope: &Scope,
        marker: Option<&str>,
        max_items: Option<i32>,
        all_versions: bool,
    ) -> ApiResult<ListFunctionsOutput> {
        let registry = &self.inner.registry;
        if all_versions {
            let (records, _) = registry.page(&scope.account, &scope.region, None, usize::MAX);
            let all: Vec<&FunctionConfiguration> = records
                .iter()
                .flat_map(|r| {
                    std::iter::once(&r.config).chain(r.versions.values().map(|v| &v.config))
                })
                .collect();
            let page = LAMBDA.page(&all, marker, max_items)?;
            return Ok(ListFunctionsOutput {
                functions: page.items.into_iter().map(|c| (*c).clone()).collect(),
                next_marker: page.next_marker,
            });
        }
        let page = LAMBDA.page_after(
            marker,
            max_items,
            |after, limit| registry.page(&scope.account, &scope.region, after, limit),
            |record| record.config.function_name.as_str(),
        )?;
        Ok(ListFunctionsOutput {
            functions: page.items.iter().map(|r| r.config.clone()).collect(),
            next_marker: page.next_marker,
        })
    }

    pub fn delete_function(
        &self,
        scope: &Scope,
        function_name: &str,
        qualifier: Option<&str>,
    ) -> ApiResult<()> {
        let reference = resolve_name(scope, function_name)?.with_qualifier_param(qualifier)?;
        let key = key_of(scope, &reference.name);
        match &reference.qualifier {
            Some(Qualifier::Latest) => {
                return Err(ApiError::invalid_parameter(
                    "$LATEST version cannot be deleted without deleting the function.",
                ))
            }
            Some(Qualifier::Version(n)) => return self.delete_version(scope, &key, *n),
            Some(Qualifier::Alias(_)) => {
                return Err(ApiError::invalid_parameter(
                    "Deletion of aliases is not supported. Use DeleteAlias.",
                ))
            }
            None => {}
        }
        {
            let mut registry = self.inner.registry.write();
            lookup_locked(&registry, scope, &reference, &key)?;
            registry.remove(&key)?;
        }
        self.inner.invoker.pools.retire(&key, None);
        let _ = self.inner.invoker.concurrency.reserve(&key, None);
        tracing::info!(function = %scope.function_arn(&reference.name), "function deleted");
        Ok(())
    }

    pub async fn update_function_code(
        &self,
        scope: &Scope,
        function_name: &str,
        request: UpdateFunctionCodeRequest,
    ) -> ApiResult<FunctionConfiguration> {
        let reference = resolve_name(scope, function_name)?;
        let key = key_of(scope, &reference.name);
        let current = {
            let registry = self.inner.registry.write();
            lookup_locked(&registry, scope, &reference, &key)?
        };
        check_revision(request.revision_id.as_deref(), &current)?;
        let source = self.inner.code_from_request(
            &current.config.package_type,
            request.zip_file.as_deref(),
            S3Location::of(
                request.s3_bucket.as_deref(),
                request.s3_key.as_deref(),
                request.s3_object_version.as_deref(),
            ),
            request.image_uri.as_deref(),
        )?;
        let image_config = match &current.code {
            FunctionCode::Image { image_config, .. } => image_config.clone(),
            FunctionCode::Zip { .. } | FunctionCode::LocalFolder { .. } => ImageConfig::default(),
        };
        let stored = self.inner.store_code(source, image_config).await?;
        if request.dry_run == Some(true) {
            let mut preview = current.config.clone();
            preview.code_sha256 = stored.sha256_base64;
            preview.code_size = stored.size;
            return Ok(preview);
        }
        let publish = request.publish == Some(true);
        let (record, replaced) = {
            let (scope, key) = (scope.clone(), key.clone());
            self.off_worker(move |service| {
                let mut registry = service.inner.registry.write();
                let latest = lookup_locked(&registry, &scope, &reference, &key)?;
                check_updatable(&latest.config)?;
                check_revision(request.revision_id.as_deref(), &latest)?;
                let mut record = (*latest).clone();
                record.code = stored.code;
                record.config.code_sha256 = stored.sha256_base64;
                record.config.code_size = stored.size;
                if let Some(arch) = &request.architectures {
                    record.config.architectures = arch.clone();
                }
                service.inner.invoker.touch(&mut record.config);
                Ok((
                    registry.put(key, record)?,
                    latest.config.revision_id.clone(),
                ))
            })
            .await?
        };
        self.inner.invoker.pools.retire(&key, Some(&replaced));
        let revision = record.config.revision_id.clone();
        let config = self
            .inner
            .invoker
            .clone()
            .settle(scope.clone(), key.clone(), revision)
            .await?;
        if publish {
            return self.publish_off_worker(scope, key).await;
        }
        Ok(config)
    }

    pub async fn update_function_configuration(
        &self,
        scope: &Scope,
        function_name: &str,
        request: UpdateFunctionConfigurationRequest,
    ) -> ApiResult<FunctionConfiguration> {
        let reference = resolve_name(scope, function_name)?;
        let input = ConfigInput {
            runtime: request.runtime.as_deref(),
            timeout: request.timeout,
            memory_size: request.memory_size,
            ephemeral: request.ephemeral_storage.as_ref(),
            logging: request.logging_config.as_ref(),
        };
        let mut v = Violations::new();
        input.check_limits(&mut v);
        v.finish()?;
        input.check_semantics()?;
        self.check_execution_role(request.role.as_deref()).await?;
        let environment = match &request.environment {
            Some(env) => Some(validate_environment(Some(env))?),
            None => None,
        };
        let key = key_of(scope, &reference.name);
        let (record, replaced) = {
            let (scope, key) = (scope.clone(), key.clone());
            self.off_worker(move |service| {
            let layers = request
                .layers
                .as_deref()
                .map(|arns| service.inner.resolve_layers(&scope, arns))
                .transpose()?;
            // Held to the write when a capacity provider is named, so that
            // it cannot be deleted in between.
            let _objects = match &request.capacity_provider_config {
                Some(config) => {
                    let objects = service.inner.objects.write();
                    laminar_account_objects::require_provider(&objects, &scope, config)?;
                    Some(objects)
                }
                None => None,
            };
            let mut registry = service.inner.registry.write();
            let latest = lookup_locked(&registry, &scope, &reference, &key)?;
            check_updatable(&latest.config)?;
            check_revision(request.revision_id.as_deref(), &latest)?;
            let mut record = (*latest).clone();
            if let Some((references, contents)) = layers {
                record.layer_contents.extend(contents);
                record.config.layers = (!references.is_empty()).then_some(references);
            }
            let c = &mut record.config;
            if let Some(rt) = &request.runtime {
                c.runtime = Some(rt.clone());
                c.runtime_version_config = Some(runtime_version(&scope, rt));
            }
            if let Some(role) = &request.role {
                c.role = role.clone();
            }
            if let Some(handler) = &request.handler {
                c.handler = Some(handler.clone());
            }
            if let Some(d) = &request.description {
                c.description = d.clone();
            }
            if let Some(t) = request.timeout {
                c.timeout = t;
            }
            if let Some(m) = request.memory_size {
                c.memory_size = m;
            }
            if let Some(env) = environment {
                c.environment = env;
            }
            if let Some(size) = request.ephemeral_storage.as_ref().and_then(|e| e.size) {
                c.ephemeral_storage.size = size;
            }
            if let Some(mode) = request.tracing_config.as_ref().and_then(|t| t.mode.clone()) {
                c.tracing_config.mode = mode;
            }
            if request.logging_config.is_some() {
                c.logging_config = logging_config(
                    request.logging_config.as_ref(),
                    Some(&c.logging_config),
                    &c.function_name,
                );
            }
            if let Some(vpc) = &request.vpc_config {
                c.vpc_config = Some(VpcConfigResponse::from(vpc.clone()));
            }
            if let Some(dlq) = &request.dead_letter_config {
                c.dead_letter_config = Some(dlq.clone());
            }
            if let Some(durable) = &request.durable_config {
                c.durable_config = Some(laminar_durable::config_response(durable.clone()));
            }
            if let Some(kms) = &request.kms_key_arn {
                c.kms_key_arn = Some(kms.clone()).filter(|k| !k.is_empty());
            }
            if let Some(fs) = &request.file_system_configs {
                c.file_system_configs = Some(fs.clone());
            }
            if let Some(provider) = &request.capacity_provider_config {
                c.capacity_provider_config = Some(provider.clone());
            }
            if let (Some(new), FunctionCode::Image { image_config, .. }) =
                (&request.image_config, &mut record.code)
            {
                *image_config = new.clone();
                c.image_config_response = image_config_response(new);
            }
            if c.package_type == "Zip" && c.runtime.is_none() {
                return Err(ApiError::invalid_parameter(
                    "Runtime and Handler are mandatory parameters for functions created with deployment packages.",
                ));
            }
            service.inner.invoker.touch(c);
            Ok((registry.put(key, record)?, latest.config.revision_id.clone()))
            })
            .await?
        };
        self.inner.invoker.pools.retire(&key, Some(&replaced));
        let revision = record.config.revision_id.clone();
        self.inner
            .invoker
            .clone()
            .settle(scope.clone(), key, revision)
            .await
    }

    pub fn get_account_settings(&self, scope: &Scope) -> serde_json::Value {
        let (count, code_size) = self.inner.registry.count_and_code_size(&scope.account);
        json!({
            "AccountLimit": {
                "TotalCodeSize": CODE_STORAGE_LIMIT_BYTES,
                "CodeSizeUnzipped": UNZIPPED_MAX_BYTES,
                "CodeSizeZipped": ZIP_MAX_BYTES,
                "ConcurrentExecutions": self.inner.invoker.concurrency.limit(),
                "UnreservedConcurrentExecutions": self.inner.invoker.concurrency.unreserved(&scope.account),
            },
            "AccountUsage": {
                "TotalCodeSize": code_size,
                "FunctionCount": count,
            }
        })
    }

    /// The stored zip of a function, for the code location URL.
    pub fn code_zip(&self, sha256_hex: &str) -> Option<Vec<u8>> {
        let valid = sha256_hex.len() == 64 && sha256_hex.bytes().all(|b| b.is_ascii_hexdigit());
        valid
            .then(|| self.inner.store.blobs.read_zip(sha256_hex).ok())
            .flatten()
    }
}

fn lookup_locked(
    registry: &crate::registry::Writer<'_>,
    scope: &Scope,
    reference: &FunctionRef,
    key: &FunctionKey,
) -> ApiResult<Arc<FunctionRecord>> {
    let not_found = || ApiError::function_not_found(&scope.function_arn(&reference.name));
    let record = registry.get(key).ok_or_else(not_found)?;
    match &reference.qualifier {
        None | Some(Qualifier::Latest) => Ok(record),
        Some(q) => Err(ApiError::function_not_found(
            &crate::resolve::qualified_arn(scope, &reference.name, q),
        )),
    }
}

/// A read through an alias answers the alias's ARN (with the version it
/// points at in `Version`), as AWS does.
fn as_addressed(
    scope: &Scope,
    reference: &FunctionRef,
    config: &FunctionConfiguration,
) -> FunctionConfiguration {
    let mut config = config.clone();
    if let Some(Qualifier::Alias(alias)) = &reference.qualifier {
        config.function_arn = format!("{}:{alias}", scope.function_arn(&reference.name));
    }
    config
}

fn function_exists(arn: &str) -> ApiError {
    ApiError::new(
        ErrorKind::ResourceConflict,
        format!(
            "Function already exist: {}",
            arn.rsplit(':').next().unwrap_or(arn)
        ),
    )
}

fn image_config_response(config: &ImageConfig) -> Option<serde_json::Value> {
    (*config != ImageConfig::default()).then(|| json!({ "ImageConfig": config }))
}

fn runtime_version(scope: &Scope, runtime: &str) -> laminar_model::config::RuntimeVersionConfig {
    laminar_model::config::RuntimeVersionConfig {
        runtime_version_arn: format!(
            "arn:aws:lambda:{}::runtime:{}",
            scope.region,
            hex_of(runtime)
        ),
    }
}
