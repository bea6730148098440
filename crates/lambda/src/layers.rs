//! Layers: versioned packages of libraries, runtimes or data that functions
//! attach (at most five, in order) and find under `/opt` at run time.

use crate::page::LAMBDA;
use crate::permissions::{check_statement, statement};
use crate::{clock, ApiResult, Inner, LambdaService};
use laminar_model::arn::Scope;
use laminar_model::config::{LayerReference, Policy};
use laminar_model::{ApiError, ErrorKind};
use laminar_store::LayerKey;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

const MAX_LAYERS_PER_FUNCTION: usize = 5;

/// What a function's configuration shows of its layers, and each layer
/// version ARN with its package (hex SHA-256).
pub(crate) type ResolvedLayers = (Vec<LayerReference>, Vec<(String, String)>);

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LayerContentInput {
    pub zip_file: Option<String>,
    #[serde(rename = "S3Bucket")]
    pub s3_bucket: Option<String>,
    #[serde(rename = "S3Key")]
    pub s3_key: Option<String>,
    #[serde(rename = "S3ObjectVersion")]
    pub s3_object_version: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PublishLayerVersionRequest {
    pub description: Option<String>,
    pub content: Option<LayerContentInput>,
    pub compatible_runtimes: Option<Vec<String>>,
    pub license_info: Option<String>,
    pub compatible_architectures: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LayerPermissionRequest {
    pub statement_id: Option<String>,
    pub action: Option<String>,
    pub principal: Option<String>,
    pub organization_id: Option<String>,
    pub revision_id: Option<String>,
}

/// One stored layer version.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct LayerVersion {
    name: String,
    version: u64,
    description: String,
    created_date: String,
    compatible_runtimes: Option<Vec<String>>,
    compatible_architectures: Option<Vec<String>>,
    license_info: Option<String>,
    sha256_hex: String,
    code_sha256: String,
    code_size: u64,
    #[serde(default)]
    policy: Option<Policy>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LayerVersionOutput {
    pub content: Value,
    pub layer_arn: String,
    pub layer_version_arn: String,
    pub description: String,
    pub created_date: String,
    pub version: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compatible_runtimes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license_info: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compatible_architectures: Option<Vec<String>>,
}

fn layer_arn(scope: &Scope, name: &str) -> String {
    format!(
        "arn:aws:lambda:{}:{}:layer:{name}",
        scope.region, scope.account
    )
}

fn list_item(scope: &Scope, v: &LayerVersion) -> Value {
    let mut item = json!({
        "LayerVersionArn": format!("{}:{}", layer_arn(scope, &v.name), v.version),
        "Version": v.version,
        "Description": v.description,
        "CreatedDate": v.created_date,
    });
    if let Some(r) = &v.compatible_runtimes {
        item["CompatibleRuntimes"] = json!(r);
    }
    if let Some(a) = &v.compatible_architectures {
        item["CompatibleArchitectures"] = json!(a);
    }
    if let Some(l) = &v.license_info {
        item["LicenseInfo"] = json!(l);
    }
    item
}

fn is_layer_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A `LayerName` path label: a name or a layer ARN of the caller's scope.
fn layer_key(scope: &Scope, label: &str) -> ApiResult<LayerKey> {
    let name = match label.strip_prefix("arn:") {
        Some(_) => {
            let parts: Vec<&str> = label.split(':').collect();
            match parts.as_slice() {
                ["arn", _, "lambda", region, account, "layer", name]
                    if *region == scope.region && *account == scope.account =>
                {
                    *name
                }
                _ => "",
            }
        }
        None => label,
    };
    if !is_layer_name(name) || label.len() > 140 {
        return Err(ApiError::new(
            ErrorKind::Validation,
            format!("1 validation error detected: Value '{label}' at 'layerName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{{12}}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+"),
        ));
    }
    Ok(LayerKey {
        account: scope.account.clone(),
        region: scope.region.clone(),
        name: name.to_string(),
    })
}

/// A layer version number (`long` in the model, so it may be negative).
fn version_number(number: i64) -> ApiResult<u64> {
    u64::try_from(number).map_err(|_| not_a_version_number(number))
}

fn not_a_version_number(text: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        ErrorKind::Validation,
        format!("1 validation error detected: Value '{text}' at 'versionNumber' failed to satisfy constraint: Member must be a number"),
    )
}

fn not_found() -> ApiError {
    ApiError::new(
        ErrorKind::ResourceNotFound,
        "The resource you requested does not exist.",
    )
}

fn storage(e: laminar_store::StoreError) -> ApiError {
    crate::registry::storage_error(e)
}

impl Inner {
    fn layer_version(&self, key: &LayerKey, version: u64) -> ApiResult<Option<LayerVersion>> {
        let Some(json) = self
            .store
            .db
            .get_layer_version(key, version)
            .map_err(storage)?
        else {
            return Ok(None);
        };
        serde_json::from_str(&json)
            .map(Some)
            .map_err(|e| ApiError::service(format!("corrupt layer record: {e}")))
    }

    /// Checks a function's `Layers` and returns what the configuration shows
    /// plus each layer version's package.
    pub(crate) fn resolve_layers(
        &self,
        scope: &Scope,
        arns: &[String],
    ) -> ApiResult<ResolvedLayers> {
        if arns.len() > MAX_LAYERS_PER_FUNCTION {
            return Err(ApiError::invalid_parameter(format!(
                "Cannot reference more than {MAX_LAYERS_PER_FUNCTION} layers."
            )));
        }
        let mut references = Vec::new();
        let mut contents = Vec::new();
        for arn in arns {
            let parts: Vec<&str> = arn.split(':').collect();
            let found = match parts.as_slice() {
                ["arn", _, "lambda", region, account, "layer", name, version]
                    if *region == scope.region =>
                {
                    let key = LayerKey {
                        account: account.to_string(),
                        region: region.to_string(),
                        name: name.to_string(),
                    };
                    match version.parse::<u64>() {
                        Ok(n) => self.layer_version(&key, n)?,
                        Err(_) => None,
                    }
                }
                _ => None,
            };
            let Some(layer) = found else {
                return Err(ApiError::invalid_parameter(format!(
                    "Layer version {arn} does not exist."
                )));
            };
            if parts.get(4) != Some(&scope.account.as_str()) {
                may_use_layer(scope, arn, &layer)?;
            }
            references.push(LayerReference {
                arn: arn.clone(),
                code_size: layer.code_size,
            });
            contents.push((arn.clone(), layer.sha256_hex));
        }
        Ok((references, contents))
    }
}

impl LambdaService {
    fn layer_output(&self, scope: &Scope, v: &LayerVersion) -> LayerVersionOutput {
        let arn = layer_arn(scope, &v.name);
        LayerVersionOutput {
            content: json!({
                "Location": format!("{}/_laminar/code/{}.zip", self.inner.settings.endpoint_url, v.sha256_hex),
                "CodeSha256": v.code_sha256,
                "CodeSize": v.code_size,
            }),
            layer_version_arn: format!("{arn}:{}", v.version),
            layer_arn: arn,
            description: v.description.clone(),
            created_date: v.created_date.clone(),
            version: v.version,
            compatible_runtimes: v.compatible_runtimes.clone(),
            license_info: v.license_info.clone(),
            compatible_architectures: v.compatible_architectures.clone(),
        }
    }

    pub async fn publish_layer_version(
        &self,
        scope: &Scope,
        layer_name: &str,
        request: PublishLayerVersionRequest,
    ) -> ApiResult<LayerVersionOutput> {
        let key = layer_key(scope, layer_name)?;
        let content = request.content.as_ref();
        let zip = content.and_then(|c| c.zip_file.as_deref());
        let s3 = content.and_then(|c| {
            crate::function_code::S3Location::of(
                c.s3_bucket.as_deref(),
                c.s3_key.as_deref(),
                c.s3_object_version.as_deref(),
            )
        });
        let stored = match (zip, s3) {
            (Some(zip), None) => self.inner.store_zip(zip).await?,
            (None, Some(location)) => self.inner.store_zip_from_s3(location).await?,
            (None, None) => {
                return Err(ApiError::invalid_parameter(
                    "Please provide a source for the layer content.",
                ))
            }
            (Some(_), Some(_)) => {
                return Err(ApiError::invalid_parameter(
                    "Please don't provide more than one source for the layer content.",
                ))
            }
        };
        let template = LayerVersion {
            name: key.name.clone(),
            version: 0,
            description: request.description.unwrap_or_default(),
            created_date: clock::last_modified(clock::now()),
            compatible_runtimes: request.compatible_runtimes,
            compatible_architectures: request.compatible_architectures,
            license_info: request.license_info,
            sha256_hex: stored.sha256_hex,
            code_sha256: stored.sha256_base64,
            code_size: stored.size,
            policy: None,
        };
        let committed = template.clone();
        let (version, _) = self
            .off_worker(move |service| {
                let db = &service.inner.store.db;
                db.publish_layer_version(&key, |n| {
                    let mut record = committed.clone();
                    record.version = n;
                    serde_json::to_string(&record)
                })
                .map_err(storage)
            })
            .await?;
        let mut published = template;
        published.version = version;
        Ok(self.layer_output(scope, &published))
    }

    pub fn get_layer_version(
        &self,
        scope: &Scope,
        layer_name: &str,
        version: i64,
    ) -> ApiResult<LayerVersionOutput> {
        let key = layer_key(scope, layer_name)?;
        let layer = self
            .inner
            .layer_version(&key, version_number(version)?)?
            .ok_or_else(not_found)?;
        Ok(self.layer_output(scope, &layer))
    }

    pub fn get_layer_version_by_arn(
        &self,
        scope: &Scope,
        arn: &str,
    ) -> ApiResult<LayerVersionOutput> {
        // The model's pattern (checked before) ends the ARN in `:<number>`.
        let (layer, version) = arn.rsplit_once(':').unwrap_or((arn, ""));
        let version = version.parse().map_err(|_| not_a_version_number(version))?;
        self.get_layer_version(scope, layer, version)
    }

    pub fn delete_layer_version(
        &self,
        scope: &Scope,
        layer_name: &str,
        version: i64,
    ) -> ApiResult<()> {
        let key = layer_key(scope, layer_name)?;
        self.inner
            .store
            .db
            .delete_layer_version(&key, version_number(version)?)
            .map_err(storage)
    }

    fn layer_versions(&self, scope: &Scope) -> ApiResult<Vec<LayerVersion>> {
        self.inner
            .store
            .db
            .all_layer_versions(&scope.account, &scope.region)
            .map_err(storage)?
            .into_iter()
            .map(|(_, json)| {
                serde_json::from_str(&json)
                    .map_err(|e| ApiError::service(format!("corrupt layer record: {e}")))
            })
            .collect()
    }

    pub fn list_layer_versions(
        &self,
        scope: &Scope,
        layer_name: &str,
        runtime: Option<&str>,
        architecture: Option<&str>,
        marker: Option<&str>,
        max_items: Option<i32>,
    ) -> ApiResult<Value> {
        let key = layer_key(scope, layer_name)?;
        let all: Vec<Value> = self
            .layer_versions(scope)?
            .iter()
            .filter(|v| v.name == key.name && matches(v, runtime, architecture))
            .map(|v| list_item(scope, v))
            .collect();
        let page = LAMBDA.page(&all, marker, max_items)?;
        Ok(page.into_json("LayerVersions"))
    }

    pub fn list_layers(
        &self,
        scope: &Scope,
        runtime: Option<&str>,
        architecture: Option<&str>,
        marker: Option<&str>,
        max_items: Option<i32>,
    ) -> ApiResult<Value> {
        let versions = self.layer_versions(scope)?;
        let mut layers: Vec<Value> = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        // Newest first within each name: the first match is the latest.
        for v in versions
            .iter()
            .filter(|v| matches(v, runtime, architecture))
        {
            if seen.insert(v.name.clone()) {
                layers.push(json!({
                    "LayerName": v.name,
                    "LayerArn": layer_arn(scope, &v.name),
                    "LatestMatchingVersion": list_item(scope, v),
                }));
            }
        }
        let page = LAMBDA.page(&layers, marker, max_items)?;
        Ok(page.into_json("Layers"))
    }

    fn update_layer_policy(
        &self,
        scope: &Scope,
        layer_name: &str,
        version: i64,
        change: impl FnOnce(&mut Policy) -> ApiResult<Value>,
    ) -> ApiResult<Value> {
        let key = layer_key(scope, layer_name)?;
        let number = version_number(version)?;
        let mut layer = self
            .inner
            .layer_version(&key, number)?
            .ok_or_else(not_found)?;
        let policy = layer.policy.get_or_insert_with(|| Policy {
            statements: Vec::new(),
            revision_id: uuid::Uuid::new_v4().to_string(),
        });
        let out = change(policy)?;
        let json = serde_json::to_string(&layer).map_err(|e| ApiError::service(e.to_string()))?;
        self.inner
            .store
            .db
            .put_layer_version(&key, number, &json)
            .map_err(storage)?;
        Ok(out)
    }

    pub fn add_layer_version_permission(
        &self,
        scope: &Scope,
        layer_name: &str,
        version: i64,
        revision: Option<&str>,
        request: LayerPermissionRequest,
    ) -> ApiResult<Value> {
        if request.action.as_deref() != Some("lambda:GetLayerVersion") {
            return Err(ApiError::new(
                ErrorKind::Validation,
                "1 validation error detected: Value at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: lambda:GetLayerVersion",
            ));
        }
        let resource = format!(
            "{}:{version}",
            layer_arn(scope, layer_name.rsplit(':').next().unwrap_or(layer_name))
        );
        let expected = revision.map(str::to_string).or(request.revision_id.clone());
        self.update_layer_policy(scope, layer_name, version, |policy| {
            if expected.as_ref().is_some_and(|id| *id != policy.revision_id) {
                return Err(ApiError::new(
                    ErrorKind::PreconditionFailed,
                    "The Revision Id provided does not match the latest Revision Id. Call the GetLayerPolicy API to retrieve the latest Revision Id",
                ));
            }
            let sid = request.statement_id.clone().unwrap_or_default();
            check_statement(policy, &sid)?;
            let mut conditions = serde_json::Map::new();
            if let Some(org) = &request.organization_id {
                conditions.insert("StringEquals".into(), json!({ "aws:PrincipalOrgID": org }));
            }
            let stmt = statement(
                &sid,
                request.principal.as_deref().unwrap_or_default(),
                "lambda:GetLayerVersion",
                &resource,
                conditions,
            );
            policy.statements.push(stmt.clone());
            policy.revision_id = uuid::Uuid::new_v4().to_string();
            Ok(json!({ "Statement": stmt.to_string(), "RevisionId": policy.revision_id }))
        })
    }

    pub fn remove_layer_version_permission(
        &self,
        scope: &Scope,
        layer_name: &str,
        version: i64,
        statement_id: &str,
        revision: Option<&str>,
    ) -> ApiResult<()> {
        self.update_layer_policy(scope, layer_name, version, |policy| {
            if revision.is_some_and(|id| id != policy.revision_id) {
                return Err(ApiError::new(
                    ErrorKind::PreconditionFailed,
                    "The Revision Id provided does not match the latest Revision Id. Call the GetLayerPolicy API to retrieve the latest Revision Id",
                ));
            }
            let before = policy.statements.len();
            policy.statements.retain(|s| s["Sid"] != statement_id);
            if policy.statements.len() == before {
                return Err(ApiError::new(
                    ErrorKind::ResourceNotFound,
                    format!("Statement {statement_id} is not found in resource policy."),
                ));
            }
            policy.revision_id = uuid::Uuid::new_v4().to_string();
            Ok(Value::Null)
        })
        .map(|_| ())
    }

    pub fn get_layer_version_policy(
        &self,
        scope: &Scope,
        layer_name: &str,
        version: i64,
    ) -> ApiResult<Value> {
        let key = layer_key(scope, layer_name)?;
        let layer = self
            .inner
            .layer_version(&key, version_number(version)?)?
            .ok_or_else(not_found)?;
        let policy = layer
            .policy
            .filter(|p| !p.statements.is_empty())
            .ok_or_else(|| {
                // AWS's words when the version exists but has no policy.
                ApiError::new(
                    ErrorKind::ResourceNotFound,
                    "No policy is associated with the given resource.",
                )
            })?;
        let document =
            json!({ "Version": "2012-10-17", "Id": "default", "Statement": policy.statements });
        Ok(json!({ "Policy": document.to_string(), "RevisionId": policy.revision_id }))
    }
}

fn matches(v: &LayerVersion, runtime: Option<&str>, architecture: Option<&str>) -> bool {
    let runtime_ok = runtime.is_none_or(|r| {
        v.compatible_runtimes
            .as_ref()
            .is_some_and(|list| list.iter().any(|x| x == r))
    });
    let arch_ok = architecture.is_none_or(|a| {
        v.compatible_architectures
            .as_ref()
            .is_some_and(|list| list.iter().any(|x| x == a))
    });
    runtime_ok && arch_ok
}

/// Another account's layer version is usable where its policy grants the
/// caller's account `lambda:GetLayerVersion`, as AWS checks it.
fn may_use_layer(scope: &Scope, arn: &str, layer: &LayerVersion) -> ApiResult<()> {
    use laminar_iam::evaluate::{
        evaluate, Context, Identity, Policies, Policy as IamPolicy, Request,
    };
    let statements = layer.policy.as_ref().map(|p| &p.statements);
    let document =
        json!({ "Version": "2012-10-17", "Statement": statements.cloned().unwrap_or_default() });
    let caller = Identity::Root {
        account: scope.account.clone(),
    };
    let request = Request {
        context: Context::of(&caller),
        identity: caller,
        action: "lambda:GetLayerVersion".into(),
        resource: arn.to_string(),
        resource_account: arn.split(':').nth(4).unwrap_or_default().to_string(),
    };
    let policies = Policies {
        resource: Some(IamPolicy::parse(&document.to_string())),
        ..Policies::default()
    };
    let decision = evaluate(&request, &policies);
    if decision.allowed() {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorKind::AccessDenied,
            decision.message(&request),
        ))
    }
}
