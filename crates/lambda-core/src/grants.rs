//! Whether a function's resource-based policy lets an AWS service invoke
//! it for a given source: what S3, SNS and the other pushing services check
//! before they invoke (`AddPermission --principal sns.amazonaws.com
//! --source-arn …`).

use laminar_model::config::FunctionRecord;
use serde_json::Value;

/// The service principal and the resource (and its account) it acts for.
#[derive(Debug, Clone, Copy)]
pub struct ServiceCall<'a> {
    pub principal: &'a str,
    pub source_arn: &'a str,
    pub source_account: &'a str,
}

/// True when a statement of the policy on `qualifier` (`None`: the
/// unqualified function) allows `lambda:InvokeFunction` for the call.
pub fn service_may_invoke(
    record: &FunctionRecord,
    qualifier: Option<&str>,
    call: ServiceCall<'_>,
) -> bool {
    let Some(policy) = record.policies.get(qualifier.unwrap_or_default()) else {
        return false;
    };
    policy.statements.iter().any(|s| allows(s, call))
}

fn allows(statement: &Value, call: ServiceCall<'_>) -> bool {
    if statement.get("Effect").and_then(Value::as_str) != Some("Allow") {
        return false;
    }
    let principal_ok = match statement.get("Principal") {
        Some(Value::String(p)) => p == "*",
        Some(p) => p.get("Service").and_then(Value::as_str) == Some(call.principal),
        None => false,
    };
    let action_ok = matches!(
        statement.get("Action").and_then(Value::as_str),
        Some("lambda:InvokeFunction" | "lambda:*" | "*")
    );
    principal_ok && action_ok && conditions_hold(statement.get("Condition"), call)
}

fn conditions_hold(conditions: Option<&Value>, call: ServiceCall<'_>) -> bool {
    let Some(conditions) = conditions.and_then(Value::as_object) else {
        return true;
    };
    conditions.iter().all(|(operator, keys)| {
        keys.as_object().is_some_and(|keys| {
            keys.iter().all(|(key, expected)| {
                let actual = match key.to_ascii_lowercase().as_str() {
                    "aws:sourcearn" => call.source_arn,
                    "aws:sourceaccount" => call.source_account,
                    // Conditions on keys a service call does not carry
                    // (organisation, event source token) do not hold.
                    _ => return false,
                };
                let expected = expected.as_str().unwrap_or_default();
                match operator.as_str() {
                    "ArnLike" | "StringLike" => wildcard(expected, actual),
                    "ArnEquals" | "StringEquals" => expected == actual,
                    _ => false,
                }
            })
        })
    })
}

/// IAM's `*` and `?` wildcards.
fn wildcard(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn source_arn_and_account_conditions_are_checked() {
        let statement = json!({
            "Sid": "sns", "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "lambda:InvokeFunction",
            "Resource": "arn:aws:lambda:us-east-1:000000000000:function:f",
            "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:sns:us-east-1:000000000000:t*"}},
        });
        let call = ServiceCall {
            principal: "sns.amazonaws.com",
            source_arn: "arn:aws:sns:us-east-1:000000000000:topic",
            source_account: "000000000000",
        };
        assert!(allows(&statement, call));
        let other = ServiceCall {
            source_arn: "arn:aws:sns:us-east-1:000000000000:other",
            ..call
        };
        assert!(!allows(&statement, other));
        let s3 = ServiceCall {
            principal: "s3.amazonaws.com",
            ..call
        };
        assert!(!allows(&statement, s3));
    }
}
