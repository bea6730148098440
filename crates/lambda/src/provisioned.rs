//! Provisioned concurrency of aliases and published versions:
//! Put/Get/Delete/ListProvisionedConcurrencyConfigs.

use crate::checks::{self, name_and_qualifier, version_of};
use crate::naming::key_of;
use crate::page::LAMBDA;
use crate::{ApiResult, LambdaService};
use laminar_invoke::provisioning::{ProvisionedState, ProvisionedStatus};
use laminar_model::arn::Scope;
use laminar_model::config::{FunctionRecord, ProvisionedConcurrency};
use laminar_model::{ApiError, ErrorKind};
use serde::{Deserialize, Serialize};

/// The unreserved pool may not shrink below this (as for reservations).
const UNRESERVED_MINIMUM: u32 = 100;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProvisionedConcurrencyRequest {
    pub provisioned_concurrent_executions: Option<i64>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProvisionedConcurrencyConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_arn: Option<String>,
    pub requested_provisioned_concurrent_executions: u32,
    pub available_provisioned_concurrent_executions: u32,
    pub allocated_provisioned_concurrent_executions: u32,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<&'static str>,
    pub last_modified: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListProvisionedConcurrencyOutput {
    pub provisioned_concurrency_configs: Vec<ProvisionedConcurrencyConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}

/// A stored configuration with what the invoker initialized for it.
fn render(
    function_arn: Option<String>,
    stored: &ProvisionedConcurrency,
    state: ProvisionedState,
) -> ProvisionedConcurrencyConfig {
    ProvisionedConcurrencyConfig {
        function_arn,
        requested_provisioned_concurrent_executions: stored.requested,
        available_provisioned_concurrent_executions: state.initialized,
        allocated_provisioned_concurrent_executions: state.initialized,
        status: state.status.as_str(),
        status_reason: state.status_reason,
        last_modified: stored.last_modified.clone(),
    }
}

fn config_not_found() -> ApiError {
    ApiError::new(
        ErrorKind::ProvisionedConcurrencyConfigNotFound,
        "No Provisioned Concurrency Config found for this function",
    )
}

/// The qualifier of a request, which must name an alias or a published
/// version of `record`.
fn published_qualifier(record: &FunctionRecord, qualifier: &str, writing: bool) -> ApiResult<()> {
    if qualifier == "$LATEST" {
        return Err(ApiError::invalid_parameter(if writing {
            "Provisioned Concurrency Configs cannot be applied to unpublished function versions."
        } else {
            "The function resource provided must be an alias or a published version."
        }));
    }
    let is_alias_name = !qualifier.bytes().all(|b| b.is_ascii_digit());
    if is_alias_name && !record.aliases.contains_key(qualifier) {
        // AWS's words for a missing alias here (recorded answers).
        return Err(ApiError::new(
            ErrorKind::ResourceNotFound,
            format!(
                "Cannot find alias arn: {}:{qualifier}",
                record.config.function_arn
            ),
        ));
    }
    version_of(record, Some(qualifier)).map(|_| ())
}

/// Provisioned concurrency of a function's configurations, except one.
fn provisioned_except(record: &FunctionRecord, except: Option<&str>) -> u64 {
    record
        .provisioned_concurrency
        .iter()
        .filter(|(q, _)| Some(q.as_str()) != except)
        .filter(|(q, _)| checks::qualifier_exists(record, q))
        .map(|(_, c)| u64::from(c.requested))
        .sum()
}

impl LambdaService {
    pub fn put_provisioned_concurrency_config(
        &self,
        scope: &Scope,
        function_name: &str,
        qualifier: Option<&str>,
        request: ProvisionedConcurrencyRequest,
    ) -> ApiResult<ProvisionedConcurrencyConfig> {
        let requested = u32::try_from(request.provisioned_concurrent_executions.unwrap_or(1))
            .unwrap_or(u32::MAX);
        let (reference, qualifier) = name_and_qualifier(scope, function_name, qualifier)?;
        let qualifier = qualifier.unwrap_or_default();
        // What functions without a reservation already provision from the
        // unreserved pool (read before the write lock is taken).
        let key_name = reference.name.clone();
        let unreserved_provisioned: u64 = self
            .functions_where(scope, |record| {
                let mine = record.config.function_name == key_name;
                (record.reserved_concurrency.is_none() && !mine)
                    .then(|| provisioned_except(record, None))
            })
            .into_iter()
            .sum();
        let unreserved = self.inner.invoker.concurrency.unreserved(&scope.account);
        let available = unreserved.saturating_sub(UNRESERVED_MINIMUM.min(unreserved));
        let stored = ProvisionedConcurrency {
            requested,
            last_modified: checks::now(),
        };
        self.change_function(scope, &reference, |record| {
            laminar_model::tenancy::refuse_feature(&record.config, "Provisioned concurrency")?;
            published_qualifier(record, &qualifier, true)?;
            let version = version_of(record, Some(&qualifier))?.map(|n| n.to_string());
            for other in record.provisioned_concurrency.keys() {
                if *other == qualifier || !checks::qualifier_exists(record, other) {
                    continue;
                }
                let other_version = version_of(record, Some(other))?.map(|n| n.to_string());
                if other_version == version {
                    let alias_here = record.aliases.contains_key(&qualifier);
                    return Err(ApiError::new(
                        ErrorKind::ResourceConflict,
                        if alias_here {
                            "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version".to_string()
                        } else {
                            format!("Version is pointed by a Provisioned Concurrency alias: {other}")
                        },
                    ));
                }
            }
            let total = provisioned_except(record, Some(&qualifier)) + u64::from(requested);
            match record.reserved_concurrency {
                Some(reserved) if total > u64::from(reserved) => {
                    return Err(ApiError::invalid_parameter(format!(
                        "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function ({reserved})."
                    )))
                }
                None if unreserved_provisioned + total > u64::from(available) => {
                    return Err(ApiError::invalid_parameter(format!(
                        "Specified ConcurrentExecutions for function is greater than account's unreserved concurrency [{available}]."
                    )))
                }
                _ => {}
            }
            record
                .provisioned_concurrency
                .insert(qualifier.clone(), stored.clone());
            Ok(())
        })?;
        // The environments initialize in the background.
        let function = key_of(scope, &reference.name);
        self.inner.invoker.provision(scope, &function, &qualifier);
        let starting = ProvisionedState {
            status: ProvisionedStatus::InProgress,
            status_reason: None,
            initialized: 0,
        };
        Ok(render(None, &stored, starting))
    }

    pub fn get_provisioned_concurrency_config(
        &self,
        scope: &Scope,
        function_name: &str,
        qualifier: Option<&str>,
    ) -> ApiResult<ProvisionedConcurrencyConfig> {
        let (reference, qualifier) = name_and_qualifier(scope, function_name, qualifier)?;
        let qualifier = qualifier.unwrap_or_default();
        let record = self.function_record(scope, &reference)?;
        published_qualifier(&record, &qualifier, false)?;
        let stored = record
            .provisioned_concurrency
            .get(&qualifier)
            .ok_or_else(config_not_found)?;
        let state = self
            .inner
            .invoker
            .provisioning
            .state(&key_of(scope, &reference.name), &qualifier);
        Ok(render(None, stored, state))
    }

    pub fn delete_provisioned_concurrency_config(
        &self,
        scope: &Scope,
        function_name: &str,
        qualifier: Option<&str>,
    ) -> ApiResult<()> {
        let (reference, qualifier) = name_and_qualifier(scope, function_name, qualifier)?;
        let qualifier = qualifier.unwrap_or_default();
        self.change_function(scope, &reference, |record| {
            published_qualifier(record, &qualifier, false)?;
            record.provisioned_concurrency.remove(&qualifier);
            Ok(())
        })?;
        // Its environments retire (SHUTDOWN to their extensions).
        let function = key_of(scope, &reference.name);
        self.inner.invoker.provision(scope, &function, &qualifier);
        Ok(())
    }

    pub fn list_provisioned_concurrency_configs(
        &self,
        scope: &Scope,
        function_name: &str,
        marker: Option<&str>,
        max_items: Option<i32>,
    ) -> ApiResult<ListProvisionedConcurrencyOutput> {
        let (reference, _) = name_and_qualifier(scope, function_name, None)?;
        let record = self.function_record(scope, &reference)?;
        let (provisioning, function) = (
            &self.inner.invoker.provisioning,
            key_of(scope, &reference.name),
        );
        let all: Vec<ProvisionedConcurrencyConfig> = record
            .provisioned_concurrency
            .iter()
            .filter(|(q, _)| checks::qualifier_exists(&record, q))
            .map(|(q, c)| {
                let state = provisioning.state(&function, q);
                render(
                    Some(format!("{}:{q}", record.config.function_arn)),
                    c,
                    state,
                )
            })
            .collect();
        let page = LAMBDA.page(&all, marker, max_items)?;
        Ok(ListProvisionedConcurrencyOutput {
            provisioned_concurrency_configs: page.items.into_iter().cloned().collect(),
            next_marker: page.next_marker,
        })
    }
}
