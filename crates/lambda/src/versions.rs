//! Published versions: immutable snapshots of `$LATEST`, numbered from 1.

use crate::naming::{key_of, resolve_name};
use crate::page::LAMBDA;
use crate::{ApiResult, LambdaService};
use laminar_model::arn::Scope;
use laminar_model::config::{FunctionConfiguration, PublishedVersion};
use laminar_model::{ApiError, ErrorKind};
use laminar_store::FunctionKey;
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PublishVersionRequest {
    pub code_sha256: Option<String>,
    pub description: Option<String>,
    pub revision_id: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListVersionsOutput {
    pub versions: Vec<FunctionConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Readiness {
    Required,
    Assumed,
}

/// The configuration members a version freezes; a publish with none of them
/// changed since the last version returns that version.
fn same_function(a: &FunctionConfiguration, b: &FunctionConfiguration) -> bool {
    let comparable = |c: &FunctionConfiguration| {
        let mut c = c.clone();
        c.version = String::new();
        c.function_arn = String::new();
        c.revision_id = String::new();
        c.last_modified = String::new();
        c.description = String::new();
        c.set_ready();
        c
    };
    comparable(a) == comparable(b)
}

impl LambdaService {
    pub fn publish_version(
        &self,
        scope: &Scope,
        function_name: &str,
        request: PublishVersionRequest,
    ) -> ApiResult<FunctionConfiguration> {
        let reference = resolve_name(scope, function_name)?;
        let key = key_of(scope, &reference.name);
        self.publish(scope, &key, request, Readiness::Required)
    }

    /// `Readiness::Assumed` when the caller just changed `$LATEST` and
    /// publishes as part of the same request (`Publish: true`).
    /// [`Self::publish`] for the async operations that publish on request
    /// (CreateFunction, UpdateFunctionCode).
    pub(crate) async fn publish_off_worker(
        &self,
        scope: &Scope,
        key: FunctionKey,
    ) -> ApiResult<FunctionConfiguration> {
        let scope = scope.clone();
        self.off_worker(move |service| {
            service.publish(&scope, &key, Default::default(), Readiness::Assumed)
        })
        .await
    }

    pub(crate) fn publish(
        &self,
        scope: &Scope,
        key: &FunctionKey,
        request: PublishVersionRequest,
        readiness: Readiness,
    ) -> ApiResult<FunctionConfiguration> {
        let mut registry = self.inner.registry.write();
        let latest = registry
            .get(key)
            .ok_or_else(|| ApiError::function_not_found(&scope.function_arn(&key.name)))?;
        if let Some(id) = &request.revision_id {
            if *id != latest.config.revision_id {
                return Err(ApiError::new(
                    ErrorKind::PreconditionFailed,
                    "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
                ));
            }
        }
        if let Some(sha) = &request.code_sha256 {
            if *sha != latest.config.code_sha256 {
                return Err(ApiError::invalid_parameter(format!(
                    "CodeSHA256 ({sha}) is different from current CodeSHA256 in $LATEST ({}). Please try again with the CodeSHA256 in $LATEST.",
                    latest.config.code_sha256
                )));
            }
        }
        if latest.config.busy() && readiness == Readiness::Required {
            return Err(ApiError::new(
                ErrorKind::ResourceConflict,
                format!(
                    "The operation cannot be performed at this time. An update is in progress for resource: {}",
                    latest.config.function_arn
                ),
            ));
        }
        if let Some((_, last)) = latest.versions.last_key_value() {
            if same_function(&last.config, &latest.config) && last.code == latest.code {
                return Ok(last.config.clone());
            }
        }
        let number = latest.last_version + 1;
        let mut config = latest.config.clone();
        config.version = number.to_string();
        config.function_arn = format!("{}:{number}", latest.config.function_arn);
        config.revision_id = uuid::Uuid::new_v4().to_string();
        if let Some(d) = request.description {
            config.description = d;
        }
        // A new version is Pending until it settles, with no LastUpdateStatus
        // yet, as a new function.
        config.set_ready();
        config.set_pending();
        config.last_update_status = None;
        let mut record = (*latest).clone();
        record.last_version = number;
        record.versions.insert(
            number,
            PublishedVersion {
                config: config.clone(),
                code: latest.code.clone(),
            },
        );
        registry.put(key.clone(), record)?;
        drop(registry);
        self.inner.invoker.settle_version(
            scope.clone(),
            key.clone(),
            number,
            config.revision_id.clone(),
        );
        Ok(config)
    }

    pub fn list_versions_by_function(
        &self,
        scope: &Scope,
        function_name: &str,
        marker: Option<&str>,
        max_items: Option<i32>,
    ) -> ApiResult<ListVersionsOutput> {
        let reference = resolve_name(scope, function_name)?;
        let record = self.function_record(scope, &reference)?;
        let all: Vec<&FunctionConfiguration> = std::iter::once(&record.config)
            .chain(record.versions.values().map(|v| &v.config))
            .collect();
        let page = LAMBDA.page(&all, marker, max_items)?;
        Ok(ListVersionsOutput {
            versions: page.items.into_iter().map(|c| (*c).clone()).collect(),
            next_marker: page.next_marker,
        })
    }

    pub(crate) fn delete_version(
        &self,
        scope: &Scope,
        key: &FunctionKey,
        number: u64,
    ) -> ApiResult<()> {
        let arn = format!("{}:{number}", scope.function_arn(&key.name));
        let mut registry = self.inner.registry.write();
        let latest = registry
            .get(key)
            .ok_or_else(|| ApiError::function_not_found(&arn))?;
        let Some(version) = latest.versions.get(&number) else {
            return Err(ApiError::function_not_found(&arn));
        };
        let referencing: Vec<&str> = latest
            .aliases
            .values()
            .filter(|a| {
                a.function_version == version.config.version
                    || a.additional_version_weights
                        .contains_key(&version.config.version)
            })
            .map(|a| a.name.as_str())
            .collect();
        if !referencing.is_empty() {
            return Err(ApiError::new(
                ErrorKind::ResourceConflict,
                format!(
                    "Unable to delete version because the following aliases reference it: [{}]",
                    referencing.join(", ")
                ),
            ));
        }
        let revision = version.config.revision_id.clone();
        let mut record = (*latest).clone();
        record.versions.remove(&number);
        registry.put(key.clone(), record)?;
        drop(registry);
        self.inner.invoker.pools.retire(key, Some(&revision));
        Ok(())
    }
}
