//! Policy documents: the checks IAM makes before it stores one
//! (`MalformedPolicyDocument`), and the trust-policy question "may this
//! principal assume the role" (Allow statements for `sts:AssumeRole` naming
//! the principal, with no Deny naming it; conditions are not evaluated).

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

fn strings(value: Option<&Value>) -> Vec<&str> {
    match value {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// `*`-wildcard match, case-insensitive as IAM matches actions.
fn matches(pattern: &str, value: &str) -> bool {
    fn go(p: &[u8], v: &[u8]) -> bool {
        match (p.first(), v.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], v) || (!v.is_empty() && go(p, &v[1..])),
            (Some(b'?'), Some(_)) => go(&p[1..], &v[1..]),
            (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => go(&p[1..], &v[1..]),
            _ => false,
        }
    }
    go(pattern.as_bytes(), value.as_bytes())
}

fn names_action(statement: &serde_json::Map<String, Value>, action: &str) -> bool {
    if statement.contains_key("NotAction") {
        return !strings(statement.get("NotAction"))
            .iter()
            .any(|p| matches(p, action));
    }
    strings(statement.get("Action"))
        .iter()
        .any(|p| matches(p, action))
}

fn names_principal(statement: &serde_json::Map<String, Value>, who: &Principal) -> bool {
    let Some(principal) = statement.get("Principal") else {
        return false;
    };
    if principal.as_str() == Some("*") {
        return true;
    }
    match who {
        Principal::Service(service) => strings(principal.get("Service"))
            .iter()
            .any(|s| s == service),
        Principal::Aws { arn, account } => strings(principal.get("AWS")).iter().any(|p| {
            *p == "*" || p == account || *p == format!("arn:aws:iam::{account}:root") || p == arn
        }),
    }
}

/// Whether a trust policy lets `who` perform `action` (`sts:AssumeRole`):
/// an Allow names them and no Deny does.
pub fn trust_allows(trust: &str, who: &Principal, action: &str) -> bool {
    let Ok(doc) = serde_json::from_str::<Value>(trust) else {
        return false;
    };
    let statements: Vec<&Value> = match doc.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one) => vec![one],
        None => Vec::new(),
    };
    let mut allowed = false;
    for statement in statements.iter().filter_map(|s| s.as_object()) {
        if !(names_action(statement, action) && names_principal(statement, who)) {
            continue;
        }
        match statement.get("Effect").and_then(Value::as_str) {
            Some("Deny") => return false,
            Some("Allow") => allowed = true,
            _ => {}
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
