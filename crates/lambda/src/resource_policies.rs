//! Resource-based policies addressed by ARN: Get/Put/DeleteResourcePolicy.
//! A function's policy is the one AddPermission and GetPolicy work on; other
//! resources (`runtime/...`) keep theirs as account-level objects.

use crate::checks::{self, qualifier_exists};
use crate::objects::RESOURCE_POLICY;
use crate::{ApiResult, LambdaService};
use laminar_model::arn::{FunctionRef, Scope};
use laminar_model::config::Policy;
use laminar_model::{ApiError, ErrorKind};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutResourcePolicyRequest {
    pub policy: Option<String>,
    pub revision_id: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourcePolicy {
    pub policy: String,
    pub revision_id: String,
}

/// What a `ResourceArn` names.
enum Resource {
    Function {
        reference: FunctionRef,
        /// `""` for the unqualified function, as `FunctionRecord::policies` keys it.
        qualifier: String,
    },
    /// Any other resource, by the part of its ARN after the account.
    Other(String),
}

fn not_found(arn: &str) -> ApiError {
    ApiError::new(
        ErrorKind::ResourceNotFound,
        format!("No resource policy found for resource: {arn}"),
    )
}

fn precondition_failed() -> ApiError {
    ApiError::new(
        ErrorKind::PreconditionFailed,
        "The Revision Id provided does not match the latest Revision Id. Call the GetResourcePolicy API to retrieve the latest Revision Id",
    )
}

/// The policy document, as GetPolicy renders it.
fn render(policy: &Policy) -> ResourcePolicy {
    let document = json!({
        "Version": "2012-10-17",
        "Id": "default",
        "Statement": policy.statements,
    });
    ResourcePolicy {
        policy: document.to_string(),
        revision_id: policy.revision_id.clone(),
    }
}

/// The statements of a policy document a client sent.
fn statements_of(text: &str) -> ApiResult<Vec<Value>> {
    let document: Value = serde_json::from_str(text).map_err(|e| {
        ApiError::invalid_parameter(format!("The policy is not a valid JSON document: {e}"))
    })?;
    let statements = match document.get("Statement") {
        Some(Value::Array(list)) => list.clone(),
        Some(single @ Value::Object(_)) => vec![single.clone()],
        _ => {
            return Err(ApiError::invalid_parameter(
                "The policy document must be a JSON object with a Statement list.",
            ))
        }
    };
    for statement in &statements {
        let effect = statement.get("Effect").and_then(Value::as_str);
        if !matches!(effect, Some("Allow" | "Deny")) {
            return Err(ApiError::invalid_parameter(
                "Every policy statement needs an Effect of Allow or Deny.",
            ));
        }
        if statement.get("Action").is_none() && statement.get("NotAction").is_none() {
            return Err(ApiError::invalid_parameter(
                "Every policy statement needs an Action.",
            ));
        }
    }
    Ok(statements)
}

impl LambdaService {
    fn policy_resource(&self, scope: &Scope, arn: &str) -> ApiResult<Resource> {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let [_, _, _, region, account, rest] = parts.as_slice() else {
            return Err(not_found(arn));
        };
        if *region != scope.region || *account != scope.account {
            return Err(ApiError::new(
                ErrorKind::ResourceNotFound,
                format!("The resource you requested does not exist: {arn}"),
            ));
        }
        let Some(function) = rest.strip_prefix("function:") else {
            return Ok(Resource::Other((*rest).to_string()));
        };
        let (name, qualifier) = function.split_once(':').unwrap_or((function, ""));
        let reference = checks::unqualified(scope, name)?;
        let record = self.function_record(scope, &reference)?;
        if !qualifier.is_empty() && !qualifier_exists(&record, qualifier) {
            return Err(ApiError::function_not_found(arn));
        }
        Ok(Resource::Function {
            reference,
            qualifier: qualifier.to_string(),
        })
    }

    pub fn get_resource_policy(&self, scope: &Scope, arn: &str) -> ApiResult<ResourcePolicy> {
        let policy = match self.policy_resource(scope, arn)? {
            Resource::Function {
                reference,
                qualifier,
            } => self
                .function_record(scope, &reference)?
                .policies
                .get(&qualifier)
                .cloned(),
            Resource::Other(id) => self.inner.objects.get(RESOURCE_POLICY, scope, &id),
        };
        policy
            .filter(|p: &Policy| !p.statements.is_empty())
            .map(|p| render(&p))
            .ok_or_else(|| not_found(arn))
    }

    pub fn put_resource_policy(
        &self,
        scope: &Scope,
        arn: &str,
        request: PutResourcePolicyRequest,
    ) -> ApiResult<ResourcePolicy> {
        let statements = statements_of(request.policy.as_deref().unwrap_or_default())?;
        let revision_id = request.revision_id;
        let replace = move |current: Option<&Policy>| -> ApiResult<Policy> {
            if let Some(expected) = &revision_id {
                if current.map(|p| &p.revision_id) != Some(expected) {
                    return Err(precondition_failed());
                }
            }
            Ok(Policy {
                statements,
                revision_id: uuid::Uuid::new_v4().to_string(),
            })
        };
        let policy = match self.policy_resource(scope, arn)? {
            Resource::Function {
                reference,
                qualifier,
            } => self.change_function(scope, &reference, |record| {
                let policy = replace(record.policies.get(&qualifier))?;
                record.policies.insert(qualifier, policy.clone());
                Ok(policy)
            })?,
            Resource::Other(id) => {
                let mut objects = self.inner.objects.write();
                let current: Option<Policy> = objects.get(RESOURCE_POLICY, scope, &id);
                let policy = replace(current.as_ref())?;
                objects.put(RESOURCE_POLICY, scope, &id, &policy)?;
                policy
            }
        };
        Ok(render(&policy))
    }

    pub fn delete_resource_policy(
        &self,
        scope: &Scope,
        arn: &str,
        revision_id: Option<&str>,
    ) -> ApiResult<()> {
        let check = |current: Option<&Policy>| -> ApiResult<()> {
            let current = current
                .filter(|p| !p.statements.is_empty())
                .ok_or_else(|| not_found(arn))?;
            if revision_id.is_some_and(|id| id != current.revision_id) {
                return Err(precondition_failed());
            }
            Ok(())
        };
        match self.policy_resource(scope, arn)? {
            Resource::Function {
                reference,
                qualifier,
            } => self.change_function(scope, &reference, |record| {
                check(record.policies.get(&qualifier))?;
                record.policies.remove(&qualifier);
                Ok(())
            }),
            Resource::Other(id) => {
                let mut objects = self.inner.objects.write();
                let current: Option<Policy> = objects.get(RESOURCE_POLICY, scope, &id);
                check(current.as_ref())?;
                objects.remove(RESOURCE_POLICY, scope, &id)
            }
        }
    }
}
