//! Function URL configurations (the HTTP endpoint itself lives in the
//! gateway, which asks [`LambdaService::function_url`] where a URL points).

use crate::naming::{key_of, resolve_name};
use crate::page::LAMBDA;
use crate::{clock, ApiResult, LambdaService};
use laminar_model::arn::{Qualifier, Scope};
use laminar_model::config::FunctionUrl;
use laminar_model::shapes::Cors;
use laminar_model::{ApiError, ErrorKind};
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionUrlRequest {
    pub auth_type: Option<String>,
    pub cors: Option<Cors>,
    pub invoke_mode: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionUrlConfig {
    pub function_url: String,
    pub function_arn: String,
    pub auth_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cors: Option<Cors>,
    pub creation_time: String,
    pub last_modified_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoke_mode: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListFunctionUrlsOutput {
    pub function_url_configs: Vec<FunctionUrlConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}

/// Where a function URL sends its requests.
#[derive(Clone, Debug)]
pub struct UrlTarget {
    pub scope: Scope,
    pub function_name: String,
    /// `None` for the unqualified function.
    pub qualifier: Option<String>,
    pub config: FunctionUrl,
}

/// URLs may point at `$LATEST` or an alias, not at a version number.
fn url_qualifier(qualifier: Option<&Qualifier>) -> ApiResult<String> {
    match qualifier {
        None => Ok(String::new()),
        Some(Qualifier::Latest) => Ok("$LATEST".into()),
        Some(Qualifier::Alias(a)) => Ok(a.clone()),
        Some(Qualifier::Version(_)) => Err(ApiError::invalid_parameter(
            "Function URLs can only be attached to an alias or $LATEST, not to a version.",
        )),
    }
}

fn new_url_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

impl LambdaService {
    /// The URL clients call for a URL id: host-style under `localhost`.
    fn url_of(&self, scope: &Scope, url_id: &str) -> String {
        let endpoint = &self.inner.settings.endpoint_url;
        let port = endpoint.rsplit(':').next().unwrap_or("4566");
        format!(
            "http://{url_id}.lambda-url.{}.localhost:{port}/",
            scope.region
        )
    }

    fn url_config(&self, scope: &Scope, arn: String, url: &FunctionUrl) -> FunctionUrlConfig {
        FunctionUrlConfig {
            function_url: self.url_of(scope, &url.url_id),
            function_arn: arn,
            auth_type: url.auth_type.clone(),
            cors: url.cors.clone(),
            creation_time: url.creation_time.clone(),
            last_modified_time: url.last_modified_time.clone(),
            // Omitted until a client sets it, as AWS does (stored before
            // laminar tracked that: shown unless it is the default).
            invoke_mode: (url.invoke_mode_set || url.invoke_mode != "BUFFERED")
                .then(|| url.invoke_mode.clone()),
        }
    }

    pub fn create_function_url_config(
        &self,
        scope: &Scope,
        function_name: &str,
        qualifier: Option<&str>,
        request: FunctionUrlRequest,
    ) -> ApiResult<FunctionUrlConfig> {
        let reference = resolve_name(scope, function_name)?.with_qualifier_param(qualifier)?;
        let slot = url_qualifier(reference.qualifier.as_ref())?;
        let key = key_of(scope, &reference.name);
        let mut registry = self.inner.registry.write();
        let latest = registry.function(&key)?;
        laminar_model::tenancy::refuse_feature(&latest.config, "Function URL")?;
        if let Qualifier::Alias(alias) = reference.qualifier.clone().unwrap_or(Qualifier::Latest) {
            if !latest.aliases.contains_key(&alias) {
                return Err(ApiError::function_not_found(&format!(
                    "{}:{alias}",
                    latest.config.function_arn
                )));
            }
        }
        let arn = latest.arn_for(reference.qualifier.as_ref());
        if latest.urls.contains_key(&slot) {
            return Err(ApiError::new(
                ErrorKind::ResourceConflict,
                format!("Failed to create function url config for [functionArn = {arn}]. Error message:  FunctionUrlConfig exists for this Lambda function"),
            ));
        }
        let now = clock::log_timestamp(clock::now());
        let url = FunctionUrl {
            url_id: new_url_id(),
            auth_type: request.auth_type.unwrap_or_default(),
            invoke_mode_set: request.invoke_mode.is_some(),
            invoke_mode: request.invoke_mode.unwrap_or_else(|| "BUFFERED".into()),
            cors: request.cors,
            creation_time: now.clone(),
            last_modified_time: now,
        };
        let mut record = (*latest).clone();
        record.urls.insert(slot, url.clone());
        registry.put(key, record)?;
        Ok(self.url_config(scope, arn, &url))
    }

    fn find_url(
        &self,
        scope: &Scope,
        function_name: &str,
        qualifier: Option<&str>,
    ) -> ApiResult<(String, String, FunctionUrl)> {
        let reference = resolve_name(scope, function_name)?.with_qualifier_param(qualifier)?;
        let slot = url_qualifier(reference.qualifier.as_ref())?;
        let record = self.function_record(scope, &reference)?;
        let arn = record.arn_for(reference.qualifier.as_ref());
        let url = record.urls.get(&slot).cloned().ok_or_else(|| {
            ApiError::new(
                ErrorKind::ResourceNotFound,
                "The resource you requested does not exist.",
            )
        })?;
        Ok((reference.name, arn, url))
    }

    pub fn get_function_url_config(
        &self,
        scope: &Scope,
        function_name: &str,
        qualifier: Option<&str>,
    ) -> ApiResult<FunctionUrlConfig> {
        let (_, arn, url) = self.find_url(scope, function_name, qualifier)?;
        Ok(self.url_config(scope, arn, &url))
    }

    pub fn update_function_url_config(
        &self,
        scope: &Scope,
        function_name: &str,
        qualifier: Option<&str>,
        request: FunctionUrlRequest,
    ) -> ApiResult<FunctionUrlConfig> {
        let (name, arn, _) = self.find_url(scope, function_name, qualifier)?;
        let reference = resolve_name(scope, function_name)?.with_qualifier_param(qualifier)?;
        let slot = url_qualifier(reference.qualifier.as_ref())?;
        let key = key_of(scope, &name);
        let mut registry = self.inner.registry.write();
        let latest = registry.function(&key)?;
        let mut record = (*latest).clone();
        let Some(url) = record.urls.get_mut(&slot) else {
            return Err(ApiError::new(
                ErrorKind::ResourceNotFound,
                "The resource you requested does not exist.",
            ));
        };
        if let Some(auth) = request.auth_type {
            url.auth_type = auth;
        }
        if let Some(mode) = request.invoke_mode {
            url.invoke_mode = mode;
            url.invoke_mode_set = true;
        }
        if let Some(cors) = request.cors {
            url.cors = Some(cors);
        }
        url.last_modified_time = clock::log_timestamp(clock::now());
        let updated = url.clone();
        registry.put(key, record)?;
        Ok(self.url_config(scope, arn, &updated))
    }

    pub fn delete_function_url_config(
        &self,
        scope: &Scope,
        function_name: &str,
        qualifier: Option<&str>,
    ) -> ApiResult<()> {
        let (name, _, _) = self.find_url(scope, function_name, qualifier)?;
        let reference = resolve_name(scope, function_name)?.with_qualifier_param(qualifier)?;
        let slot = url_qualifier(reference.qualifier.as_ref())?;
        let key = key_of(scope, &name);
        let mut registry = self.inner.registry.write();
        let Some(latest) = registry.get(&key) else {
            return Ok(());
        };
        let mut record = (*latest).clone();
        record.urls.remove(&slot);
        registry.put(key, record)?;
        Ok(())
    }

    pub fn list_function_url_configs(
        &self,
        scope: &Scope,
        function_name: &str,
        marker: Option<&str>,
        max_items: Option<i32>,
    ) -> ApiResult<ListFunctionUrlsOutput> {
        let reference = resolve_name(scope, function_name)?;
        let record = self.function_record(scope, &reference)?;
        let all: Vec<(String, &FunctionUrl)> = record
            .urls
            .iter()
            .map(|(slot, url)| {
                let arn = record.slot_arn(slot);
                (arn, url)
            })
            .collect();
        let page = LAMBDA.page(&all, marker, max_items)?;
        Ok(ListFunctionUrlsOutput {
            function_url_configs: page
                .items
                .into_iter()
                .map(|(arn, url)| self.url_config(scope, arn.clone(), url))
                .collect(),
            next_marker: page.next_marker,
        })
    }

    /// Where a URL id points, for the gateway's URL endpoint.
    pub fn function_url(&self, url_id: &str) -> Option<UrlTarget> {
        self.inner.registry.find(|key, record| {
            record
                .urls
                .iter()
                .find(|(_, u)| u.url_id == url_id)
                .map(|(slot, url)| UrlTarget {
                    scope: Scope {
                        account: key.account.clone(),
                        region: key.region.clone(),
                    },
                    function_name: key.name.clone(),
                    qualifier: (!slot.is_empty()).then(|| slot.clone()),
                    config: url.clone(),
                })
        })
    }
}
