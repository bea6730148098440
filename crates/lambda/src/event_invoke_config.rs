//! Asynchronous invocation settings per function or qualifier: retries,
//! maximum event age and destinations (Put/Update/Get/Delete/List).

use crate::naming::{key_of, resolve_name};
use crate::page::LAMBDA;
use crate::{clock, ApiResult, LambdaService};
use laminar_model::arn::{FunctionRef, Qualifier, Scope};
use laminar_model::config::EventInvokeConfig;
use laminar_model::shapes::DestinationConfig;
use laminar_model::{ApiError, ErrorKind};
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EventInvokeConfigRequest {
    pub maximum_retry_attempts: Option<i64>,
    pub maximum_event_age_in_seconds: Option<i64>,
    pub destination_config: Option<DestinationConfig>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionEventInvokeConfig {
    pub last_modified: f64,
    pub function_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum_retry_attempts: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum_event_age_in_seconds: Option<i64>,
    pub destination_config: DestinationConfig,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListEventInvokeConfigsOutput {
    pub function_event_invoke_configs: Vec<FunctionEventInvokeConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}

/// How a write combines with what is stored.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// Put: the request replaces the configuration.
    Replace,
    /// Update: the request's members replace those members only.
    Merge,
}

fn check(request: &EventInvokeConfigRequest) -> ApiResult<()> {
    if let Some(destinations) = &request.destination_config {
        let sides = [
            ("OnSuccess", &destinations.on_success),
            ("OnFailure", &destinations.on_failure),
        ];
        for (side, target) in sides {
            let Some(arn) = target.destination.as_deref() else {
                continue;
            };
            let supported = ["sqs", "sns", "lambda", "events", "s3"]
                .iter()
                .any(|service| arn.starts_with(&format!("arn:aws:{service}:")));
            if !supported {
                return Err(ApiError::invalid_parameter(format!(
                    "The provided destination config DestinationConfig({side}) is invalid: {arn} is not a supported destination ARN."
                )));
            }
        }
    }
    Ok(())
}

/// Where a function's configuration is kept: `""` for the function itself,
/// which `$LATEST` names too (AWS keeps one configuration for both).
fn slot_of(reference: &FunctionRef) -> String {
    match &reference.qualifier {
        None | Some(Qualifier::Latest) => String::new(),
        Some(qualifier) => qualifier.to_string(),
    }
}

/// The configuration as AWS answers it: the function's ARN always carries
/// the qualifier, `$LATEST` when none was named.
fn render(arn: String, config: &EventInvokeConfig) -> FunctionEventInvokeConfig {
    let qualified = arn.split(':').count() > 7;
    FunctionEventInvokeConfig {
        last_modified: config.last_modified,
        function_arn: if qualified {
            arn
        } else {
            format!("{arn}:$LATEST")
        },
        maximum_retry_attempts: config.maximum_retry_attempts,
        maximum_event_age_in_seconds: config.maximum_event_age_in_seconds,
        destination_config: config.destination_config.clone().unwrap_or_default(),
    }
}

impl LambdaService {
    pub fn write_event_invoke_config(
        &self,
        scope: &Scope,
        function_name: &str,
        qualifier: Option<&str>,
        request: EventInvokeConfigRequest,
        write: Write,
    ) -> ApiResult<FunctionEventInvokeConfig> {
        check(&request)?;
        let reference = resolve_name(scope, function_name)?.with_qualifier_param(qualifier)?;
        let key = key_of(scope, &reference.name);
        let slot = slot_of(&reference);
        let mut registry = self.inner.registry.write();
        let latest = registry.function(&key)?;
        let arn = latest.arn_for(reference.qualifier.as_ref());
        if reference
            .qualifier
            .as_ref()
            .is_some_and(|q| !latest.has_qualifier(q))
        {
            return Err(ApiError::function_not_found(&arn));
        }
        let mut record = (*latest).clone();
        let now = clock::now().timestamp_millis() as f64 / 1000.0;
        let config = match (write, record.event_invoke_configs.get(&slot)) {
            (Write::Merge, None) => {
                return Err(ApiError::new(
                    ErrorKind::ResourceNotFound,
                    format!("The function {arn} doesn't have an EventInvokeConfig"),
                ))
            }
            (Write::Merge, Some(current)) => EventInvokeConfig {
                maximum_retry_attempts: request
                    .maximum_retry_attempts
                    .or(current.maximum_retry_attempts),
                maximum_event_age_in_seconds: request
                    .maximum_event_age_in_seconds
                    .or(current.maximum_event_age_in_seconds),
                destination_config: request
                    .destination_config
                    .or(current.destination_config.clone()),
                last_modified: now,
            },
            (Write::Replace, _) => EventInvokeConfig {
                maximum_retry_attempts: request.maximum_retry_attempts,
                maximum_event_age_in_seconds: request.maximum_event_age_in_seconds,
                destination_config: request.destination_config,
                last_modified: now,
            },
        };
        record.event_invoke_configs.insert(slot, config.clone());
        registry.put(key, record)?;
        Ok(render(arn, &config))
    }

    pub fn get_event_invoke_config(
        &self,
        scope: &Scope,
        function_name: &str,
        qualifier: Option<&str>,
    ) -> ApiResult<FunctionEventInvokeConfig> {
        let reference = resolve_name(scope, function_name)?.with_qualifier_param(qualifier)?;
        let record = self.function_record(scope, &reference)?;
        let slot = slot_of(&reference);
        let arn = record.arn_for(reference.qualifier.as_ref());
        let config = record.event_invoke_configs.get(&slot).ok_or_else(|| {
            ApiError::new(
                ErrorKind::ResourceNotFound,
                format!("The function {arn} doesn't have an EventInvokeConfig"),
            )
        })?;
        Ok(render(arn, config))
    }

    pub fn delete_event_invoke_config(
        &self,
        scope: &Scope,
        function_name: &str,
        qualifier: Option<&str>,
    ) -> ApiResult<()> {
        self.get_event_invoke_config(scope, function_name, qualifier)?;
        let reference = resolve_name(scope, function_name)?.with_qualifier_param(qualifier)?;
        let key = key_of(scope, &reference.name);
        let slot = slot_of(&reference);
        let mut registry = self.inner.registry.write();
        let Some(latest) = registry.get(&key) else {
            return Ok(());
        };
        let mut record = (*latest).clone();
        record.event_invoke_configs.remove(&slot);
        registry.put(key, record)?;
        Ok(())
    }

    pub fn list_event_invoke_configs(
        &self,
        scope: &Scope,
        function_name: &str,
        marker: Option<&str>,
        max_items: Option<i32>,
    ) -> ApiResult<ListEventInvokeConfigsOutput> {
        let reference = resolve_name(scope, function_name)?;
        let record = self.function_record(scope, &reference)?;
        let all: Vec<(String, &EventInvokeConfig)> = record
            .event_invoke_configs
            .iter()
            .map(|(slot, c)| {
                let arn = record.slot_arn(slot);
                (arn, c)
            })
            .collect();
        let page = LAMBDA.page(&all, marker, max_items)?;
        Ok(ListEventInvokeConfigsOutput {
            function_event_invoke_configs: page
                .items
                .into_iter()
                .map(|(arn, c)| render(arn.clone(), c))
                .collect(),
            next_marker: page.next_marker,
        })
    }
}
