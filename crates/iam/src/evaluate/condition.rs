//! The `Condition` block: operators, their `…IfExists` and set forms
//! (`ForAnyValue:` / `ForAllValues:`), and how each meets a request's
//! context keys, as IAM's policy reference defines them.

use super::request::Context;
use super::wildcard::{matches, Case};
use serde_json::Value;

/// What an operator compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Compare {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    NumericEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    ArnLike,
    Null,
}

/// How a condition treats a key with several values in the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SetQualifier {
    Single,
    ForAnyValue,
    ForAllValues,
}

#[derive(Clone, Debug)]
pub(crate) struct Condition {
    compare: Option<Compare>,
    /// `StringNotEquals`, `NotIpAddress`, `ArnNotLike` …: true when no
    /// policy value matches.
    negated: bool,
    if_exists: bool,
    set: SetQualifier,
    key: String,
    values: Vec<String>,
}

fn operator(name: &str) -> (Option<Compare>, bool) {
    use Compare::*;
    let (compare, negated) = match name {
        "StringEquals" => (StringEquals, false),
        "StringNotEquals" => (StringEquals, true),
        "StringEqualsIgnoreCase" => (StringEqualsIgnoreCase, false),
        "StringNotEqualsIgnoreCase" => (StringEqualsIgnoreCase, true),
        "StringLike" => (StringLike, false),
        "StringNotLike" => (StringLike, true),
        "NumericEquals" => (NumericEquals, false),
        "NumericNotEquals" => (NumericEquals, true),
        "NumericLessThan" => (NumericLessThan, false),
        "NumericLessThanEquals" => (NumericLessThanEquals, false),
        "NumericGreaterThan" => (NumericGreaterThan, false),
        "NumericGreaterThanEquals" => (NumericGreaterThanEquals, false),
        "DateEquals" => (DateEquals, false),
        "DateNotEquals" => (DateEquals, true),
        "DateLessThan" => (DateLessThan, false),
        "DateLessThanEquals" => (DateLessThanEquals, false),
        "DateGreaterThan" => (DateGreaterThan, false),
        "DateGreaterThanEquals" => (DateGreaterThanEquals, false),
        "Bool" => (Bool, false),
        "BinaryEquals" => (BinaryEquals, false),
        "IpAddress" => (IpAddress, false),
        "NotIpAddress" => (IpAddress, true),
        "ArnEquals" | "ArnLike" => (ArnLike, false),
        "ArnNotEquals" | "ArnNotLike" => (ArnLike, true),
        "Null" => (Null, false),
        _ => return (None, false),
    };
    (Some(compare), negated)
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl Condition {
    /// Every condition of a statement's `Condition` block (all must hold).
    pub fn parse_block(block: &Value) -> Vec<Condition> {
        let Some(block) = block.as_object() else {
            return Vec::new();
        };
        let mut conditions = Vec::new();
        for (name, keys) in block {
            let (set, rest) = match name.split_once(':') {
                Some(("ForAnyValue", rest)) => (SetQualifier::ForAnyValue, rest),
                Some(("ForAllValues", rest)) => (SetQualifier::ForAllValues, rest),
                _ => (SetQualifier::Single, name.as_str()),
            };
            let (rest, if_exists) = match rest.strip_suffix("IfExists") {
                Some(base) => (base, true),
                None => (rest, false),
            };
            let (compare, negated) = operator(rest);
            for (key, values) in keys.as_object().into_iter().flatten() {
                let values = match values {
                    Value::Array(items) => items.iter().filter_map(text).collect(),
                    one => text(one).into_iter().collect(),
                };
                conditions.push(Condition {
                    compare,
                    negated,
                    if_exists,
                    set,
                    key: key.clone(),
                    values,
                });
            }
        }
        conditions
    }

    /// Whether the condition holds for the request's context.
    pub fn holds(&self, context: &Context, expand: impl Fn(&str) -> String) -> bool {
        // An operator IAM does not know never holds (IAM refuses it when
        // the policy is stored).
        let Some(compare) = self.compare else {
            return false;
        };
        let present = context.values(&self.key);
        if compare == Compare::Null {
            let absent = present.is_none_or(|v| v.is_empty());
            return self
                .values
                .iter()
                .any(|v| v.eq_ignore_ascii_case("true") == absent);
        }
        let policy_values: Vec<String> = self.values.iter().map(|v| expand(v)).collect();
        // One request value meets the condition: for a negated operator,
        // when no policy value matches it.
        let one = |request: &String| {
            let hit = policy_values
                .iter()
                .any(|p| compare_one(compare, p, request));
            hit != self.negated
        };
        match (present, self.set) {
            (None, SetQualifier::ForAllValues) => true,
            (None, SetQualifier::ForAnyValue) => false,
            // A missing key: false, unless the operator is negated or asks
            // "…IfExists".
            (None, SetQualifier::Single) => self.if_exists || self.negated,
            (Some(values), SetQualifier::ForAllValues) => values.iter().all(one),
            (Some(values), SetQualifier::ForAnyValue) => values.iter().any(one),
            (Some(values), SetQualifier::Single) => {
                if self.negated {
                    values.iter().all(one)
                } else {
                    values.iter().any(one)
                }
            }
        }
    }
}

fn number(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok()
}

fn date(text: &str) -> Option<i64> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(t.timestamp_millis());
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return d
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp_millis());
    }
    text.parse::<i64>().ok().map(|secs| secs * 1000)
}

fn in_network(policy: &str, request: &str) -> bool {
    let Ok(address) = request.parse::<std::net::IpAddr>() else {
        return false;
    };
    match policy.parse::<ipnet::IpNet>() {
        Ok(net) => net.contains(&address),
        Err(_) => policy.parse::<std::net::IpAddr>() == Ok(address),
    }
}

/// ARNs are compared component by component (six, split at `:`), each
/// with wildcards.
fn arn_like(policy: &str, request: &str) -> bool {
    let p: Vec<&str> = policy.splitn(6, ':').collect();
    let r: Vec<&str> = request.splitn(6, ':').collect();
    p.len() == r.len()
        && p.iter()
            .zip(&r)
            .all(|(p, r)| matches(p, r, Case::Sensitive))
}

fn compare_one(compare: Compare, policy: &str, request: &str) -> bool {
    use Compare::*;
    let numbers = || number(policy).zip(number(request));
    let dates = || date(policy).zip(date(request));
    match compare {
        StringEquals | BinaryEquals => policy == request,
        StringEqualsIgnoreCase => policy.to_lowercase() == request.to_lowercase(),
        StringLike => matches(policy, request, Case::Sensitive),
        NumericEquals => numbers().is_some_and(|(p, r)| r == p),
        NumericLessThan => numbers().is_some_and(|(p, r)| r < p),
        NumericLessThanEquals => numbers().is_some_and(|(p, r)| r <= p),
        NumericGreaterThan => numbers().is_some_and(|(p, r)| r > p),
        NumericGreaterThanEquals => numbers().is_some_and(|(p, r)| r >= p),
        DateEquals => dates().is_some_and(|(p, r)| r == p),
        DateLessThan => dates().is_some_and(|(p, r)| r < p),
        DateLessThanEquals => dates().is_some_and(|(p, r)| r <= p),
        DateGreaterThan => dates().is_some_and(|(p, r)| r > p),
        DateGreaterThanEquals => dates().is_some_and(|(p, r)| r >= p),
        Bool => policy.eq_ignore_ascii_case(request),
        IpAddress => in_network(policy, request),
        ArnLike => arn_like(policy, request),
        Null => false,
    }
}
