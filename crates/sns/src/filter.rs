//! Subscription filter policies: which published messages a subscription
//! gets, by their message attributes or (FilterPolicyScope MessageBody) by
//! the JSON body. The grammar is SNS's: exact strings and numbers, `prefix`,
//! `suffix`, `equals-ignore-case`, `anything-but`, `numeric`, `exists`,
//! `cidr` and `$or`.

use serde_json::{Map, Value};

/// One value a message offers to a policy key.
#[derive(Debug, Clone, PartialEq)]
enum Offered {
    Str(String),
    Num(f64),
    Null,
}

/// Checks a policy document; the error is AWS's reason after "FilterPolicy: ".
pub fn validate(policy: &Value) -> Result<(), String> {
    let Some(map) = policy.as_object() else {
        return Err("Filter policy must be a JSON object".into());
    };
    if map.is_empty() {
        return Ok(());
    }
    validate_object(map, 1)
}

fn validate_object(map: &Map<String, Value>, depth: usize) -> Result<(), String> {
    if depth > 5 {
        return Err("Filter policy is too complex".into());
    }
    for (key, value) in map {
        if key == "$or" {
            let Some(branches) = value.as_array().filter(|b| b.len() >= 2) else {
                return Err("$or must be an array of at least two objects".into());
            };
            for branch in branches {
                let Some(branch) = branch.as_object() else {
                    return Err("$or must be an array of at least two objects".into());
                };
                validate_object(branch, depth)?;
            }
            continue;
        }
        match value {
            Value::Object(inner) => validate_object(inner, depth + 1)?,
            Value::Array(rules) if !rules.is_empty() => {
                for rule in rules {
                    validate_rule(key, rule)?;
                }
            }
            Value::Array(_) => return Err(format!("Empty arrays are not allowed ({key})")),
            _ => return Err(format!("\"{key}\" must be an object or an array")),
        }
    }
    Ok(())
}

fn validate_rule(key: &str, rule: &Value) -> Result<(), String> {
    let Value::Object(operator) = rule else {
        return match rule {
            Value::String(_) | Value::Number(_) | Value::Null => Ok(()),
            _ => Err(format!(
                "Match value must be String, number, true, false, or null ({key})"
            )),
        };
    };
    let Some((name, operand)) = operator.iter().next().filter(|_| operator.len() == 1) else {
        return Err(format!(
            "Only one operator is allowed per match rule ({key})"
        ));
    };
    let ok = match name.as_str() {
        "prefix" | "suffix" | "equals-ignore-case" => operand.is_string(),
        "exists" => operand.is_boolean(),
        "cidr" => operand.as_str().is_some_and(|c| parse_cidr(c).is_some()),
        "numeric" => numeric_range(operand).is_some(),
        "anything-but" => match operand {
            Value::String(_) | Value::Number(_) => true,
            Value::Array(items) => items.iter().all(|i| i.is_string() || i.is_number()),
            Value::Object(inner) => {
                inner.len() == 1
                    && inner
                        .iter()
                        .all(|(k, v)| (k == "prefix" || k == "suffix") && v.is_string())
            }
            _ => false,
        },
        other => return Err(format!("Unrecognized match type {other}")),
    };
    if ok {
        Ok(())
    } else {
        Err(format!("Value of {name} must be valid ({key})"))
    }
}

/// Whether a message with these attributes (name → (data type, value))
/// passes the attribute-scoped policy.
pub fn matches_attributes(policy: &Value, attributes: &Map<String, Value>) -> bool {
    let Some(map) = policy.as_object() else {
        return true;
    };
    matches_object(map, &|key| attribute_values(attributes.get(key)?))
}

/// Whether a message body (JSON) passes the body-scoped policy.
pub fn matches_body(policy: &Value, body: &str) -> bool {
    let Some(map) = policy.as_object() else {
        return true;
    };
    if map.is_empty() {
        return true;
    }
    let Ok(document) = serde_json::from_str::<Value>(body) else {
        return false;
    };
    matches_nested(map, &document)
}

fn matches_nested(policy: &Map<String, Value>, document: &Value) -> bool {
    policy.iter().all(|(key, rules)| {
        if key == "$or" {
            return rules.as_array().is_some_and(|branches| {
                branches
                    .iter()
                    .any(|b| b.as_object().is_some_and(|b| matches_nested(b, document)))
            });
        }
        let field = document.get(key);
        match rules {
            Value::Object(inner) => field.is_some_and(|f| matches_nested(inner, f)),
            Value::Array(rules) => rules_match(rules, field.map(body_values)),
            _ => false,
        }
    })
}

fn matches_object(
    policy: &Map<String, Value>,
    lookup: &dyn Fn(&str) -> Option<Vec<Offered>>,
) -> bool {
    policy.iter().all(|(key, rules)| {
        if key == "$or" {
            return rules.as_array().is_some_and(|branches| {
                branches
                    .iter()
                    .any(|b| b.as_object().is_some_and(|b| matches_object(b, lookup)))
            });
        }
        match rules {
            Value::Array(rules) => rules_match(rules, lookup(key)),
            _ => false,
        }
    })
}

/// `{"Type": "String", "Value": "…"}` as the values a policy sees.
fn attribute_values(attribute: &Value) -> Option<Vec<Offered>> {
    let kind = attribute.get("Type")?.as_str()?;
    let value = attribute.get("Value")?.as_str()?;
    if kind.starts_with("Number") {
        return Some(vec![value
            .parse::<f64>()
            .map(Offered::Num)
            .unwrap_or(Offered::Str(value.into()))]);
    }
    if kind.starts_with("String.Array") {
        let items: Vec<Value> = serde_json::from_str(value).ok()?;
        return Some(items.iter().map(scalar).collect());
    }
    if kind.starts_with("String") {
        return Some(vec![Offered::Str(value.into())]);
    }
    // Binary attributes are not matched.
    None
}

fn body_values(value: &Value) -> Vec<Offered> {
    match value {
        Value::Array(items) => items.iter().map(scalar).collect(),
        other => vec![scalar(other)],
    }
}

fn scalar(value: &Value) -> Offered {
    match value {
        Value::String(s) => Offered::Str(s.clone()),
        Value::Number(n) => Offered::Num(n.as_f64().unwrap_or(f64::NAN)),
        Value::Null => Offered::Null,
        other => Offered::Str(other.to_string()),
    }
}

/// A key matches when any of its rules matches any offered value; an
/// absent key only matches `{"exists": false}`.
fn rules_match(rules: &[Value], offered: Option<Vec<Offered>>) -> bool {
    rules
        .iter()
        .any(|rule| match (&offered, rule.get("exists")) {
            (None, Some(exists)) => exists == &Value::Bool(false),
            (None, None) => false,
            (Some(_), Some(exists)) => exists == &Value::Bool(true),
            (Some(values), None) => values.iter().any(|v| rule_matches(rule, v)),
        })
}

fn rule_matches(rule: &Value, value: &Offered) -> bool {
    match (rule, value) {
        (Value::String(s), Offered::Str(v)) => s == v,
        (Value::Number(n), Offered::Num(v)) => n.as_f64() == Some(*v),
        (Value::Null, Offered::Null) => true,
        (Value::Object(op), _) => {
            let Some((name, operand)) = op.iter().next() else {
                return false;
            };
            operator_matches(name, operand, value)
        }
        _ => false,
    }
}

fn operator_matches(name: &str, operand: &Value, value: &Offered) -> bool {
    let text = match value {
        Offered::Str(s) => Some(s.as_str()),
        _ => None,
    };
    match name {
        "prefix" => text
            .zip(operand.as_str())
            .is_some_and(|(t, p)| t.starts_with(p)),
        "suffix" => text
            .zip(operand.as_str())
            .is_some_and(|(t, p)| t.ends_with(p)),
        "equals-ignore-case" => text
            .zip(operand.as_str())
            .is_some_and(|(t, p)| t.eq_ignore_ascii_case(p)),
        "numeric" => match (value, numeric_range(operand)) {
            (Offered::Num(v), Some(checks)) => checks.iter().all(|(op, n)| compare(op, *v, *n)),
            _ => false,
        },
        "cidr" => text
            .and_then(parse_ipv4)
            .zip(operand.as_str().and_then(parse_cidr))
            .is_some_and(|(ip, (net, bits))| {
                let mask = if bits == 0 {
                    0
                } else {
                    u32::MAX << (32 - bits)
                };
                ip & mask == net & mask
            }),
        "anything-but" => match operand {
            Value::Array(items) => !items.iter().any(|i| rule_matches(i, value)),
            Value::Object(inner) => !inner.iter().any(|(k, v)| operator_matches(k, v, value)),
            single => !rule_matches(single, value),
        },
        _ => false,
    }
}

fn compare(op: &str, value: f64, bound: f64) -> bool {
    match op {
        "=" => value == bound,
        "<" => value < bound,
        "<=" => value <= bound,
        ">" => value > bound,
        ">=" => value >= bound,
        _ => false,
    }
}

/// `["<", 5]` or `[">=", 0, "<", 10]` as (operator, bound) pairs.
fn numeric_range(operand: &Value) -> Option<Vec<(String, f64)>> {
    let items = operand.as_array()?;
    if items.is_empty() || items.len() % 2 != 0 || items.len() > 4 {
        return None;
    }
    items
        .chunks(2)
        .map(|pair| {
            let op = pair[0].as_str()?;
            matches!(op, "=" | "<" | "<=" | ">" | ">=").then_some(())?;
            Some((op.to_string(), pair[1].as_f64()?))
        })
        .collect()
}

fn parse_ipv4(text: &str) -> Option<u32> {
    text.parse::<std::net::Ipv4Addr>().ok().map(u32::from)
}

fn parse_cidr(text: &str) -> Option<(u32, u32)> {
    let (ip, bits) = text.split_once('/')?;
    let bits: u32 = bits.parse().ok().filter(|b| *b <= 32)?;
    Some((parse_ipv4(ip)?, bits))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn attrs(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn attribute_policies_match_as_sns_documents() {
        let policy = json!({
            "store": ["example_corp"],
            "event": [{"anything-but": "order_cancelled"}],
            "price_usd": [{"numeric": [">=", 100]}],
        });
        let good = attrs(json!({
            "store": {"Type": "String", "Value": "example_corp"},
            "event": {"Type": "String", "Value": "order_placed"},
            "price_usd": {"Type": "Number", "Value": "210.75"},
        }));
        assert!(matches_attributes(&policy, &good));
        let mut cancelled = good.clone();
        cancelled.insert(
            "event".into(),
            json!({"Type": "String", "Value": "order_cancelled"}),
        );
        assert!(!matches_attributes(&policy, &cancelled));
        let mut missing = good.clone();
        missing.remove("store");
        assert!(!matches_attributes(&policy, &missing));
        let arrays = json!({"colors": ["red", {"prefix": "bl"}]});
        let offered =
            attrs(json!({"colors": {"Type": "String.Array", "Value": "[\"blue\",\"green\"]"}}));
        assert!(matches_attributes(&arrays, &offered));
        let absent = json!({"x": [{"exists": false}]});
        assert!(matches_attributes(&absent, &Map::new()));
    }

    #[test]
    fn body_policies_follow_nesting_and_or() {
        let policy = json!({"$or": [{"a": ["x"]}, {"b": {"c": [{"numeric": ["<", 5]}]}}]});
        assert!(matches_body(&policy, r#"{"b":{"c":3}}"#));
        assert!(matches_body(&policy, r#"{"a":"x"}"#));
        assert!(!matches_body(&policy, r#"{"a":"y","b":{"c":9}}"#));
        assert!(!matches_body(&policy, "not json"));
        assert!(validate(&json!({"a": [{"bogus": 1}]})).is_err());
        assert!(validate(&json!({"ip": [{"cidr": "10.0.0.0/24"}]})).is_ok());
    }
}
