//! Policy documents: the checks IAM makes before it stores one
//! (`MalformedPolicyDocument`), and the trust-policy question "may this
//! principal assume the role" (Allow statements for `sts:AssumeRole` naming
//! the principal, with no Deny naming it; conditions are not evaluated).

use crate::evaluate::{Effect, Identity, Policy};
use crate::IamError;
use serde_json::Value;

/// Whether a document is a role's trust policy (names principals, no
/// resources) or an identity policy (names resources, no principals).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Trust,
    Identity,
}

/// Checks a policy document as IAM does when it is stored.
pub(crate) fn validate(text: &str, kind: Kind) -> Result<(), IamError> {
    if text.len() > 131_072 {
        return Err(IamError::limit_exceeded(
            "Cannot exceed quota for PolicySize: 131072",
        ));
    }
    let doc: Value = serde_json::from_str(text)
        .map_err(|_| IamError::malformed("This policy contains invalid Json"))?;
    let Some(doc) = doc.as_object() else {
        return Err(IamError::malformed("This policy contains invalid Json"));
    };
    match doc.get("Version").and_then(Value::as_str) {
        None | Some("2012-10-17") | Some("2008-10-17") => {}
        Some(_) => return Err(IamError::malformed("The policy failed legacy parsing")),
    }
    let statements = match doc.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect::<Vec<_>>(),
        Some(one @ Value::Object(_)) => vec![one],
        Some(_) => return Err(IamError::malformed("Syntax errors in policy.")),
        None => return Err(IamError::malformed("Missing required field Statement")),
    };
    if statements.is_empty() {
        return Err(IamError::malformed("Missing required field Statement"));
    }
    for statement in statements {
        let Some(s) = statement.as_object() else {
            return Err(IamError::malformed("Syntax errors in policy."));
        };
        match s.get("Effect").and_then(Value::as_str) {
            Some("Allow" | "Deny") => {}
            Some(other) => return Err(IamError::malformed(format!("Invalid effect: {other}"))),
            None => return Err(IamError::malformed("Missing required field Effect")),
        }
        if !s.contains_key("Action") && !s.contains_key("NotAction") {
            return Err(IamError::malformed(
                "Policy statement must contain actions.",
            ));
        }
        let has_principal = s.contains_key("Principal") || s.contains_key("NotPrincipal");
        let has_resource = s.contains_key("Resource") || s.contains_key("NotResource");
        match kind {
            Kind::Trust => {
                if has_resource {
                    return Err(IamError::malformed("Has prohibited field Resource"));
                }
                if !has_principal {
                    return Err(IamError::malformed("Missing required field Principal"));
                }
            }
            Kind::Identity => {
                if has_principal {
                    return Err(IamError::malformed(
                        "Policy document should not specify a principal.",
                    ));
                }
                if !has_resource {
                    return Err(IamError::malformed(
                        "Policy statement must contain resources.",
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Who asks to assume a role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// A service principal such as `lambda.amazonaws.com`.
    Service(String),
    /// An IAM principal: its ARN and account.
    Aws { arn: String, account: String },
}

impl Principal {
    /// The principal as the policy evaluation names callers.
    fn identity(&self) -> Identity {
        match self {
            Principal::Service(service) => Identity::Service(service.clone()),
            Principal::Aws { arn, account } if arn.ends_with(":root") => Identity::Root {
                account: account.clone(),
            },
            Principal::Aws { arn, account } => match arn.split_once(":assumed-role/") {
                Some((_, rest)) => Identity::Session {
                    account: account.clone(),
                    role_arn: format!(
                        "arn:aws:iam::{account}:role/{}",
                        rest.split('/').next().unwrap_or_default()
                    ),
                    session_arn: arn.clone(),
                    key_id: String::new(),
                    user_id: String::new(),
                },
                None => Identity::User {
                    account: account.clone(),
                    arn: arn.clone(),
                    name: arn.rsplit('/').next().unwrap_or_default().to_string(),
                    user_id: String::new(),
                },
            },
        }
    }
}

/// Whether a trust policy lets `who` perform `action` (`sts:AssumeRole`):
/// an Allow names them and no Deny does.
pub fn trust_allows(trust: &str, who: &Principal, action: &str) -> bool {
    let identity = who.identity();
    let mut allowed = false;
    for statement in &Policy::parse(trust).statements {
        if !(statement.names_action(action) && statement.names_principal(&identity).is_some()) {
            continue;
        }
        match statement.effect {
            Effect::Deny => return false,
            Effect::Allow => allowed = true,
        }
    }
    allowed
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAMBDA_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

    #[test]
    fn trust_names_the_service() {
        let lambda = Principal::Service("lambda.amazonaws.com".into());
        let ec2 = Principal::Service("ec2.amazonaws.com".into());
        assert!(trust_allows(LAMBDA_TRUST, &lambda, "sts:AssumeRole"));
        assert!(!trust_allows(LAMBDA_TRUST, &ec2, "sts:AssumeRole"));
        let denied = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:*"},{"Effect":"Deny","Principal":{"Service":["lambda.amazonaws.com"]},"Action":"sts:AssumeRole"}]}"#;
        assert!(!trust_allows(denied, &lambda, "sts:AssumeRole"));
        assert!(trust_allows(denied, &ec2, "sts:AssumeRole"));
        let account = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}"#;
        let user = Principal::Aws {
            arn: "arn:aws:iam::111122223333:user/u".into(),
            account: "111122223333".into(),
        };
        assert!(trust_allows(account, &user, "sts:AssumeRole"));
        assert!(!trust_allows(account, &lambda, "sts:AssumeRole"));
    }

    #[test]
    fn validates_as_iam_does() {
        assert_eq!(
            validate("{", Kind::Identity).unwrap_err().message,
            "This policy contains invalid Json"
        );
        assert!(validate(LAMBDA_TRUST, Kind::Trust).is_ok());
        assert_eq!(
            validate(LAMBDA_TRUST, Kind::Identity).unwrap_err().message,
            "Policy document should not specify a principal."
        );
        let identity = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
        assert!(validate(identity, Kind::Identity).is_ok());
        assert_eq!(
            validate(identity, Kind::Trust).unwrap_err().message,
            "Has prohibited field Resource"
        );
    }
}
