//! Lambda's operations as IAM sees them: the action (`lambda:<Operation>`,
//! `lambda:InvokeFunction` for invokes), the resource's ARN, and the
//! resource's own policy (a function's or a layer version's), evaluated
//! with the caller's policies.

use crate::routes::Matched;
use laminar_iam::evaluate::{Identity, Policy};
use laminar_lambda::LambdaService;
use laminar_lambda::Scope;
use serde_json::Value;

/// The IAM action of a Lambda operation.
pub fn action(operation: &str) -> String {
    match operation {
        "Invoke" | "InvokeWithResponseStream" => "lambda:InvokeFunction".into(),
        "GetLayerVersionByArn" => "lambda:GetLayerVersion".into(),
        op => format!("lambda:{op}"),
    }
}

/// What an operation acts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Function {
        account: String,
        region: String,
        name: String,
        qualifier: Option<String>,
    },
    Layer {
        account: String,
        region: String,
        name: String,
        version: Option<String>,
    },
    /// Any other ARN (event source mappings, code signing configs …).
    Arn(String),
    /// Account-level actions: `*`.
    Account,
}

impl Target {
    pub fn arn(&self) -> String {
        match self {
            Target::Function {
                account,
                region,
                name,
                qualifier,
            } => {
                let base = format!("arn:aws:lambda:{region}:{account}:function:{name}");
                qualifier
                    .as_ref()
                    .map_or(base.clone(), |q| format!("{base}:{q}"))
            }
            Target::Layer {
                account,
                region,
                name,
                version,
            } => {
                let base = format!("arn:aws:lambda:{region}:{account}:layer:{name}");
                version
                    .as_ref()
                    .map_or(base.clone(), |v| format!("{base}:{v}"))
            }
            Target::Arn(arn) => arn.clone(),
            Target::Account => "*".into(),
        }
    }

    pub fn account<'s>(&'s self, scope: &'s Scope) -> &'s str {
        match self {
            Target::Function { account, .. } | Target::Layer { account, .. } => account,
            Target::Arn(arn) => arn
                .split(':')
                .nth(4)
                .filter(|a| !a.is_empty())
                .unwrap_or(&scope.account),
            Target::Account => &scope.account,
        }
    }
}

/// A function named by name, partial ARN (`123456789012:function:f`) or
/// ARN, with its qualifier (in the name or the `Qualifier` parameter).
fn function(scope: &Scope, named: &str, qualifier: Option<&str>) -> Target {
    let parts: Vec<&str> = named.split(':').collect();
    let (account, region, name, in_name) = match parts[..] {
        ["arn", _, "lambda", region, account, "function", name, ref rest @ ..] => {
            (account, region, name, rest.first().copied())
        }
        [account, "function", name, ref rest @ ..] => {
            (account, scope.region.as_str(), name, rest.first().copied())
        }
        [name, qualifier] => (
            scope.account.as_str(),
            scope.region.as_str(),
            name,
            Some(qualifier),
        ),
        _ => (scope.account.as_str(), scope.region.as_str(), named, None),
    };
    Target::Function {
        account: account.into(),
        region: region.into(),
        name: name.into(),
        qualifier: qualifier.or(in_name).map(str::to_string),
    }
}

/// A layer named by name or ARN, with its version.
fn layer(scope: &Scope, named: &str, version: Option<&str>) -> Target {
    let (account, region, name) = match named.split(':').collect::<Vec<_>>()[..] {
        ["arn", _, "lambda", region, account, "layer", name] => (account, region, name),
        _ if named.starts_with("arn:") => {
            return Target::Arn(match version {
                Some(v) => format!("{named}:{v}"),
                None => named.to_string(),
            })
        }
        _ => (scope.account.as_str(), scope.region.as_str(), named),
    };
    Target::Layer {
        account: account.into(),
        region: region.into(),
        name: name.into(),
        version: version.map(str::to_string),
    }
}

/// The resource a matched request acts on.
pub fn target(scope: &Scope, matched: &Matched, query: &[(String, String)], body: &[u8]) -> Target {
    let label = |name: &str| matched.labels.get(name).map(String::as_str);
    let qualifier = query
        .iter()
        .find(|(k, _)| k == "Qualifier")
        .map(|(_, v)| v.as_str());
    if let Some(name) = label("FunctionName") {
        // Alias operations act on the alias.
        return function(scope, name, label("Name").or(qualifier));
    }
    if matched.operation == "CreateFunction" {
        let body: Value = serde_json::from_slice(body).unwrap_or_default();
        if let Some(name) = body.get("FunctionName").and_then(Value::as_str) {
            return function(scope, name, None);
        }
    }
    if let Some(name) = label("LayerName") {
        return layer(scope, name, label("VersionNumber"));
    }
    if matched.operation == "GetLayerVersionByArn" {
        let arn = query
            .iter()
            .find(|(k, _)| k == "Arn")
            .map(|(_, v)| v.as_str());
        if let Some((name, version)) = arn.and_then(|arn| arn.rsplit_once(':')) {
            return layer(scope, name, Some(version));
        }
    }
    if let Some(uuid) = label("UUID") {
        return Target::Arn(format!(
            "arn:aws:lambda:{}:{}:event-source-mapping:{uuid}",
            scope.region, scope.account
        ));
    }
    for arn_label in [
        "Resource",
        "ResourceArn",
        "CodeSigningConfigArn",
        "DurableExecutionArn",
    ] {
        if let Some(arn) = label(arn_label) {
            return Target::Arn(arn.to_string());
        }
    }
    if let Some(name) = label("CapacityProviderName") {
        return Target::Arn(format!(
            "arn:aws:lambda:{}:{}:capacity-provider:{name}",
            scope.region, scope.account
        ));
    }
    Target::Account
}

/// The resource's own policy: a function's from the registry in memory, a
/// layer's from the store on a blocking thread.
async fn resource_policy(service: &LambdaService, target: &Target) -> Option<Policy> {
    if !matches!(target, Target::Layer { .. }) {
        return read_resource_policy(service, target);
    }
    let (service, target) = (service.clone(), target.clone());
    laminar_db::blocking(move || read_resource_policy(&service, &target))
        .await
        .ok()
        .flatten()
}

/// The resource's own policy, if it has one.
fn read_resource_policy(service: &LambdaService, target: &Target) -> Option<Policy> {
    let answer = match target {
        Target::Function {
            account,
            region,
            name,
            qualifier,
        } => {
            let owner = Scope {
                account: account.clone(),
                region: region.clone(),
            };
            service
                .get_policy(&owner, name, qualifier.as_deref())
                .ok()?
        }
        Target::Layer {
            account,
            region,
            name,
            version,
        } => {
            let owner = Scope {
                account: account.clone(),
                region: region.clone(),
            };
            let version = version.as_deref()?.parse().ok()?;
            service
                .get_layer_version_policy(&owner, name, version)
                .ok()?
        }
        Target::Arn(_) | Target::Account => return None,
    };
    answer
        .get("Policy")
        .and_then(Value::as_str)
        .map(Policy::parse)
}

/// One authorisation: `Err` carries AWS's denial message.
pub async fn authorize(
    service: &LambdaService,
    identity: &Identity,
    scope: &Scope,
    action: String,
    target: &Target,
) -> Result<(), String> {
    let asked = super::Authorization {
        identity,
        region: &scope.region,
        action,
        resource: target.arn(),
        resource_account: target.account(scope).to_string(),
        resource_policy: resource_policy(service, target).await,
        keys: Vec::new(),
    };
    super::authorize(&service.companions().iam, asked).await
}

/// A function URL with `AuthType AWS_IAM`: `lambda:InvokeFunctionUrl` on
/// the function (or its alias), with `lambda:FunctionUrlAuthType`.
pub async fn authorize_url(
    service: &LambdaService,
    identity: &Identity,
    url: &laminar_lambda::UrlTarget,
) -> Result<(), String> {
    let target = Target::Function {
        account: url.scope.account.clone(),
        region: url.scope.region.clone(),
        name: url.function_name.clone(),
        qualifier: url.qualifier.clone(),
    };
    let asked = super::Authorization {
        identity,
        region: &url.scope.region,
        action: "lambda:InvokeFunctionUrl".into(),
        resource: target.arn(),
        resource_account: url.scope.account.clone(),
        resource_policy: resource_policy(service, &target).await,
        keys: vec![("lambda:FunctionUrlAuthType", "AWS_IAM".into())],
    };
    super::authorize(&service.companions().iam, asked).await
}

/// The role a CreateFunction or UpdateFunctionConfiguration passes to
/// Lambda: the caller needs `iam:PassRole` on it.
pub fn passed_role(operation: &str, body: &[u8]) -> Option<String> {
    if !matches!(operation, "CreateFunction" | "UpdateFunctionConfiguration") {
        return None;
    }
    let body: Value = serde_json::from_slice(body).ok()?;
    body.get("Role").and_then(Value::as_str).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        Scope {
            account: "111122223333".into(),
            region: "eu-west-1".into(),
        }
    }

    #[test]
    fn functions_by_name_partial_and_full_arn() {
        let s = scope();
        assert_eq!(
            function(&s, "f", None).arn(),
            "arn:aws:lambda:eu-west-1:111122223333:function:f"
        );
        assert_eq!(
            function(&s, "f:prod", None).arn(),
            "arn:aws:lambda:eu-west-1:111122223333:function:f:prod"
        );
        assert_eq!(
            function(&s, "f", Some("3")).arn(),
            "arn:aws:lambda:eu-west-1:111122223333:function:f:3"
        );
        assert_eq!(
            function(&s, "444455556666:function:g", None).arn(),
            "arn:aws:lambda:eu-west-1:444455556666:function:g"
        );
        let full = function(
            &s,
            "arn:aws:lambda:us-east-1:444455556666:function:g:live",
            None,
        );
        assert_eq!(
            full.arn(),
            "arn:aws:lambda:us-east-1:444455556666:function:g:live"
        );
        assert_eq!(full.account(&s), "444455556666");
        assert_eq!(action("Invoke"), "lambda:InvokeFunction");
        assert_eq!(action("ListFunctions"), "lambda:ListFunctions");
    }
}
