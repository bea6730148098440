//! Aliases: names for versions, with an optional weighted second version.

use crate::naming::{key_of, resolve_name};
use crate::page::LAMBDA;
use crate::resolve::parse_version;
use crate::{ApiResult, LambdaService};
use laminar_model::arn::Scope;
use laminar_model::config::{AliasRecord, FunctionRecord};
use laminar_model::shapes::AliasRoutingConfiguration;
use laminar_model::validate::Violations;
use laminar_model::{ApiError, ErrorKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AliasRequest {
    pub name: Option<String>,
    pub function_version: Option<String>,
    pub description: Option<String>,
    pub routing_config: Option<AliasRoutingConfiguration>,
    pub revision_id: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AliasConfiguration {
    pub alias_arn: String,
    pub name: String,
    pub function_version: String,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing_config: Option<AliasRoutingConfiguration>,
    pub revision_id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListAliasesOutput {
    pub aliases: Vec<AliasConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}

fn configuration(scope: &Scope, function: &str, alias: &AliasRecord) -> AliasConfiguration {
    AliasConfiguration {
        alias_arn: format!("{}:{}", scope.function_arn(function), alias.name),
        name: alias.name.clone(),
        function_version: alias.function_version.clone(),
        description: alias.description.clone(),
        routing_config: (!alias.additional_version_weights.is_empty()).then(|| {
            AliasRoutingConfiguration {
                additional_version_weights: Some(alias.additional_version_weights.clone()),
            }
        }),
        revision_id: alias.revision_id.clone(),
    }
}

/// `(?!^[0-9]+$)([a-zA-Z0-9-_]+)`: not all digits (that would be a version).
fn is_alias_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && !name.bytes().all(|b| b.is_ascii_digit())
}

fn is_version(text: &str) -> bool {
    text == "$LATEST" || (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
}

/// Checks that the versions an alias names exist and the weights are sane.
fn check_targets(
    record: &FunctionRecord,
    scope: &Scope,
    version: &str,
    weights: &BTreeMap<String, f64>,
) -> ApiResult<()> {
    let exists = |v: &str| {
        v == "$LATEST" || parse_version(v).is_some_and(|n| record.versions.contains_key(&n))
    };
    if !exists(version) {
        return Err(ApiError::function_not_found(&format!(
            "{}:{version}",
            scope.function_arn(&record.config.function_name)
        )));
    }
    if weights.len() > 1 {
        return Err(ApiError::invalid_parameter(
            "Number of items in AdditionalVersionWeights cannot be greater than 1",
        ));
    }
    for (extra, weight) in weights {
        if !(0.0..=1.0).contains(weight) {
            return Err(ApiError::new(
                ErrorKind::Validation,
                format!("1 validation error detected: Value '{weight}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0]"),
            ));
        }
        if extra == version {
            return Err(ApiError::invalid_parameter(
                "Invalid function version in AdditionalVersionWeights. The function version must not be the alias's primary version.",
            ));
        }
        if version == "$LATEST" || extra == "$LATEST" || !exists(extra) {
            return Err(ApiError::invalid_parameter(format!(
                "Invalid function version {extra}. Function version {extra} is not a published version or does not exist."
            )));
        }
    }
    Ok(())
}

impl LambdaService {
    pub fn create_alias(
        &self,
        scope: &Scope,
        function_name: &str,
        request: AliasRequest,
    ) -> ApiResult<AliasConfiguration> {
        let mut v = Violations::new();
        v.required("name", request.name.as_ref());
        v.required("functionVersion", request.function_version.as_ref());
        v.length("name", request.name.as_deref(), 1, 128);
        v.pattern(
            "name",
            request.name.as_deref(),
            is_alias_name,
            "(?!^[0-9]+$)([a-zA-Z0-9-_]+)",
        );
        v.length(
            "functionVersion",
            request.function_version.as_deref(),
            1,
            1024,
        );
        v.pattern(
            "functionVersion",
            request.function_version.as_deref(),
            is_version,
            "(\\$LATEST|[0-9]+)",
        );
        v.length("description", request.description.as_deref(), 0, 256);
        v.finish()?;
        let name = request.name.unwrap_or_default();
        let version = request.function_version.unwrap_or_default();
        let weights = request
            .routing_config
            .and_then(|r| r.additional_version_weights)
            .unwrap_or_default();
        let reference = resolve_name(scope, function_name)?;
        let key = key_of(scope, &reference.name);
        let mut registry = self.inner.registry.write();
        let latest = registry.function(&key)?;
        if latest.aliases.contains_key(&name) {
            return Err(ApiError::new(
                ErrorKind::ResourceConflict,
                format!(
                    "Alias already exists: {}:{name}",
                    scope.function_arn(&reference.name)
                ),
            ));
        }
        check_targets(&latest, scope, &version, &weights)?;
        let alias = AliasRecord {
            name: name.clone(),
            function_version: version,
            description: request.description.unwrap_or_default(),
            additional_version_weights: weights,
            revision_id: uuid::Uuid::new_v4().to_string(),
        };
        let mut record = (*latest).clone();
        record.aliases.insert(name, alias.clone());
        registry.put(key, record)?;
        Ok(configuration(scope, &reference.name, &alias))
    }

    fn alias_of(
        &self,
        scope: &Scope,
        function_name: &str,
        alias: &str,
    ) -> ApiResult<(String, AliasRecord)> {
        let reference = resolve_name(scope, function_name)?;
        let record = self.function_record(scope, &reference)?;
        let found = record.aliases.get(alias).cloned().ok_or_else(|| {
            ApiError::new(
                ErrorKind::ResourceNotFound,
                format!(
                    "Alias not found: {}:{alias}",
                    scope.function_arn(&reference.name)
                ),
            )
        })?;
        Ok((reference.name, found))
    }

    pub fn get_alias(
        &self,
        scope: &Scope,
        function_name: &str,
        alias: &str,
    ) -> ApiResult<AliasConfiguration> {
        let (function, found) = self.alias_of(scope, function_name, alias)?;
        Ok(configuration(scope, &function, &found))
    }

    pub fn update_alias(
        &self,
        scope: &Scope,
        function_name: &str,
        alias: &str,
        request: AliasRequest,
    ) -> ApiResult<AliasConfiguration> {
        let mut v = Violations::new();
        v.pattern(
            "functionVersion",
            request.function_version.as_deref(),
            is_version,
            "(\\$LATEST|[0-9]+)",
        );
        v.length("description", request.description.as_deref(), 0, 256);
        v.finish()?;
        let (function, _) = self.alias_of(scope, function_name, alias)?;
        let key = key_of(scope, &function);
        let mut registry = self.inner.registry.write();
        let latest = registry
            .get(&key)
            .ok_or_else(|| ApiError::function_not_found(&scope.function_arn(&function)))?;
        let mut record = (*latest).clone();
        let Some(current) = record.aliases.get_mut(alias) else {
            return Err(ApiError::new(
                ErrorKind::ResourceNotFound,
                format!("Alias not found: {}:{alias}", scope.function_arn(&function)),
            ));
        };
        if request
            .revision_id
            .as_ref()
            .is_some_and(|id| *id != current.revision_id)
        {
            return Err(ApiError::new(
                ErrorKind::PreconditionFailed,
                "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
            ));
        }
        let version = request
            .function_version
            .unwrap_or_else(|| current.function_version.clone());
        let weights = match request.routing_config {
            Some(routing) => routing.additional_version_weights.unwrap_or_default(),
            None => current.additional_version_weights.clone(),
        };
        check_targets(&latest, scope, &version, &weights)?;
        current.function_version = version;
        current.additional_version_weights = weights;
        if let Some(d) = request.description {
            current.description = d;
        }
        current.revision_id = uuid::Uuid::new_v4().to_string();
        let updated = current.clone();
        registry.put(key, record)?;
        Ok(configuration(scope, &function, &updated))
    }

    pub fn delete_alias(&self, scope: &Scope, function_name: &str, alias: &str) -> ApiResult<()> {
        let mut v = Violations::new();
        v.pattern(
            "name",
            Some(alias),
            is_alias_name,
            "(?!^[0-9]+$)([a-zA-Z0-9-_]+)",
        );
        v.finish()?;
        let reference = resolve_name(scope, function_name)?;
        let key = key_of(scope, &reference.name);
        let mut registry = self.inner.registry.write();
        let latest = registry.function(&key)?;
        if !latest.aliases.contains_key(alias) {
            // Deleting an alias that is not there succeeds, as in AWS.
            return Ok(());
        }
        let mut record = (*latest).clone();
        record.aliases.remove(alias);
        registry.put(key, record)?;
        Ok(())
    }

    pub fn list_aliases(
        &self,
        scope: &Scope,
        function_name: &str,
        function_version: Option<&str>,
        marker: Option<&str>,
        max_items: Option<i32>,
    ) -> ApiResult<ListAliasesOutput> {
        let reference = resolve_name(scope, function_name)?;
        let record = self.function_record(scope, &reference)?;
        let all: Vec<&AliasRecord> = record
            .aliases
            .values()
            .filter(|a| function_version.is_none_or(|v| a.function_version == v))
            .collect();
        let page = LAMBDA.page(&all, marker, max_items)?;
        Ok(ListAliasesOutput {
            aliases: page
                .items
                .into_iter()
                .map(|a| configuration(scope, &reference.name, a))
                .collect(),
            next_marker: page.next_marker,
        })
    }
}
