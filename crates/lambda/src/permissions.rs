//! Resource-based policies: AddPermission, RemovePermission, GetPolicy.

use crate::naming::{key_of, resolve_name};
use crate::{ApiResult, LambdaService};
use laminar_model::arn::{Qualifier, Scope};
use laminar_model::config::Policy;
use laminar_model::{ApiError, ErrorKind};
use serde::Deserialize;
use serde_json::{json, Map, Value};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AddPermissionRequest {
    pub statement_id: Option<String>,
    pub action: Option<String>,
    pub principal: Option<String>,
    pub source_arn: Option<String>,
    pub source_account: Option<String>,
    pub event_source_token: Option<String>,
    pub revision_id: Option<String>,
    #[serde(rename = "PrincipalOrgID")]
    pub principal_org_id: Option<String>,
    pub function_url_auth_type: Option<String>,
}

/// The `Principal` element: a service, an account, or anyone.
fn principal_element(principal: &str) -> Value {
    if principal == "*" {
        json!("*")
    } else if principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()) {
        json!({ "AWS": format!("arn:aws:iam::{principal}:root") })
    } else if principal.starts_with("arn:") {
        json!({ "AWS": principal })
    } else {
        json!({ "Service": principal })
    }
}

/// A policy statement allowing `principal` to do `action` on `resource`.
pub(crate) fn statement(
    sid: &str,
    principal: &str,
    action: &str,
    resource: &str,
    conditions: Map<String, Value>,
) -> Value {
    let mut statement = json!({
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal_element(principal),
        "Action": action,
        "Resource": resource,
    });
    if !conditions.is_empty() {
        statement["Condition"] = Value::Object(conditions);
    }
    statement
}

/// A statement id may appear once per policy.
pub(crate) fn check_statement(policy: &Policy, sid: &str) -> ApiResult<()> {
    if policy.statements.iter().any(|s| s["Sid"] == sid) {
        return Err(ApiError::new(
            ErrorKind::ResourceConflict,
            format!("The statement id ({sid}) provided already exists. Please provide a new statement id, or remove the existing statement."),
        ));
    }
    Ok(())
}

fn policy_key(qualifier: Option<&Qualifier>) -> String {
    qualifier.map(ToString::to_string).unwrap_or_default()
}

fn precondition_failed() -> ApiError {
    ApiError::new(
        ErrorKind::PreconditionFailed,
        "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id",
    )
}

/// A function's policy as GetPolicy answers it (and as AWS measures it).
fn policy_document(statements: &[Value]) -> String {
    json!({
        "Version": "2012-10-17",
        "Id": "default",
        "Statement": statements,
    })
    .to_string()
}

/// The largest policy AWS keeps on a function: 20 KB.
const POLICY_MAX_BYTES: usize = 20_480;

/// A policy grown past the limit is refused with the size it would have.
fn check_policy_size(statements: &[Value]) -> ApiResult<()> {
    let size = policy_document(statements).len();
    if size > POLICY_MAX_BYTES {
        return Err(ApiError::new(
            ErrorKind::PolicyLengthExceeded,
            format!(
                "The final policy size ({size}) is bigger than the limit ({POLICY_MAX_BYTES})."
            ),
        ));
    }
    Ok(())
}

impl LambdaService {
    pub fn add_permission(
        &self,
        scope: &Scope,
        function_name: &str,
        qualifier: Option<&str>,
        request: AddPermissionRequest,
    ) -> ApiResult<String> {
        let reference = resolve_name(scope, function_name)?.with_qualifier_param(qualifier)?;
        let key = key_of(scope, &reference.name);
        let mut registry = self.inner.registry.write();
        let latest = registry.function(&key)?;
        let resource = latest.arn_for(reference.qualifier.as_ref());
        if reference
            .qualifier
            .as_ref()
            .is_some_and(|q| !latest.has_qualifier(q))
        {
            return Err(ApiError::function_not_found(&resource));
        }
        let policy_key = policy_key(reference.qualifier.as_ref());
        let mut record = (*latest).clone();
        let policy = record.policies.entry(policy_key).or_insert_with(|| Policy {
            statements: Vec::new(),
            revision_id: uuid::Uuid::new_v4().to_string(),
        });
        if request
            .revision_id
            .as_ref()
            .is_some_and(|id| *id != policy.revision_id)
        {
            return Err(precondition_failed());
        }
        let sid = request.statement_id.unwrap_or_default();
        check_statement(policy, &sid)?;
        let mut conditions = Map::new();
        if let Some(arn) = &request.source_arn {
            conditions.insert("ArnLike".into(), json!({ "AWS:SourceArn": arn }));
        }
        let mut equals = Map::new();
        if let Some(account) = &request.source_account {
            equals.insert("AWS:SourceAccount".into(), json!(account));
        }
        if let Some(org) = &request.principal_org_id {
            equals.insert("aws:PrincipalOrgID".into(), json!(org));
        }
        if let Some(token) = &request.event_source_token {
            equals.insert("lambda:EventSourceToken".into(), json!(token));
        }
        if let Some(auth) = &request.function_url_auth_type {
            equals.insert("lambda:FunctionUrlAuthType".into(), json!(auth));
        }
        if !equals.is_empty() {
            conditions.insert("StringEquals".into(), Value::Object(equals));
        }
        let statement = statement(
            &sid,
            request.principal.as_deref().unwrap_or_default(),
            &request.action.unwrap_or_default(),
            &resource,
            conditions,
        );
        policy.statements.push(statement.clone());
        check_policy_size(&policy.statements)?;
        policy.revision_id = uuid::Uuid::new_v4().to_string();
        registry.put(key, record)?;
        Ok(statement.to_string())
    }

    pub fn get_policy(
        &self,
        scope: &Scope,
        function_name: &str,
        qualifier: Option<&str>,
    ) -> ApiResult<Value> {
        let reference = resolve_name(scope, function_name)?.with_qualifier_param(qualifier)?;
        let record = self.function_record(scope, &reference)?;
        let policy = record
            .policies
            .get(&policy_key(reference.qualifier.as_ref()))
            .filter(|p| !p.statements.is_empty())
            .ok_or_else(|| {
                ApiError::new(
                    ErrorKind::ResourceNotFound,
                    "The resource you requested does not exist.",
                )
            })?;
        let document = policy_document(&policy.statements);
        Ok(json!({ "Policy": document, "RevisionId": policy.revision_id }))
    }

    pub fn remove_permission(
        &self,
        scope: &Scope,
        function_name: &str,
        statement_id: &str,
        qualifier: Option<&str>,
        revision_id: Option<&str>,
    ) -> ApiResult<()> {
        let reference = resolve_name(scope, function_name)?.with_qualifier_param(qualifier)?;
        let key = key_of(scope, &reference.name);
        let mut registry = self.inner.registry.write();
        let latest = registry.function(&key)?;
        let mut record = (*latest).clone();
        let not_found = || {
            ApiError::new(
                ErrorKind::ResourceNotFound,
                format!("Statement {statement_id} is not found in resource policy."),
            )
        };
        let policy = record
            .policies
            .get_mut(&policy_key(reference.qualifier.as_ref()))
            .ok_or_else(not_found)?;
        if revision_id.is_some_and(|id| id != policy.revision_id) {
            return Err(precondition_failed());
        }
        let before = policy.statements.len();
        policy.statements.retain(|s| s["Sid"] != statement_id);
        if policy.statements.len() == before {
            return Err(not_found());
        }
        policy.revision_id = uuid::Uuid::new_v4().to_string();
        registry.put(key, record)?;
        Ok(())
    }
}
