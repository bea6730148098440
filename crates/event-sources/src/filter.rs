//! Event filtering as Lambda documents it for event source mappings: a
//! record is kept when any of the mapping's patterns matches it.
//!
//! A pattern is a JSON object mirroring the record's shape. Its leaves are
//! arrays of rules, any of which may match: a literal (string, number, bool,
//! null), `prefix`, `suffix`, `equals-ignore-case`, `anything-but` (values, or
//! a prefix/suffix), `numeric` comparisons, `exists`, `wildcard`; `$or` joins
//! sub-patterns.

use serde_json::{Map, Value};

/// A filter pattern, checked when the mapping is written.
#[derive(Clone, Debug)]
pub struct Pattern(Map<String, Value>);

impl Pattern {
    /// Parses the `Pattern` string of a filter; `None` when it is not a
    /// pattern Lambda accepts.
    pub fn parse(text: &str) -> Option<Self> {
        match serde_json::from_str::<Value>(text).ok()? {
            Value::Object(map) if valid_object(&map) => Some(Self(map)),
            _ => None,
        }
    }

    pub fn matches(&self, record: &Value) -> bool {
        object_matches(&self.0, Some(record))
    }
}

fn valid_object(map: &Map<String, Value>) -> bool {
    map.iter().all(|(key, value)| match value {
        Value::Object(inner) => !inner.is_empty() && valid_object(inner),
        Value::Array(items) if key == "$or" => items
            .iter()
            .all(|i| matches!(i, Value::Object(m) if valid_object(m))),
        Value::Array(rules) => !rules.is_empty() && rules.iter().all(valid_rule),
        _ => false,
    })
}

fn valid_rule(rule: &Value) -> bool {
    match rule {
        Value::Object(m) if m.len() == 1 => {
            let (op, arg) = m
                .iter()
                .next()
                .map(|(k, v)| (k.as_str(), v))
                .unwrap_or(("", &Value::Null));
            match op {
                "prefix" | "suffix" | "equals-ignore-case" | "wildcard" => arg.is_string(),
                "exists" => arg.is_boolean(),
                "anything-but" => match arg {
                    Value::Object(inner) => {
                        inner.len() == 1
                            && inner
                                .iter()
                                .all(|(k, v)| (k == "prefix" || k == "suffix") && v.is_string())
                    }
                    Value::Array(values) => values.iter().all(|v| v.is_string() || v.is_number()),
                    other => other.is_string() || other.is_number(),
                },
                "numeric" => numeric_conditions(arg).is_some(),
                _ => false,
            }
        }
        Value::Object(_) | Value::Array(_) => false,
        _ => true,
    }
}

/// `[">", 0, "<=", 5]` → [(">", 0.0), ("<=", 5.0)].
fn numeric_conditions(arg: &Value) -> Option<Vec<(&str, f64)>> {
    let items = arg.as_array()?;
    if items.is_empty() || items.len() % 2 != 0 || items.len() > 4 {
        return None;
    }
    items
        .chunks(2)
        .map(|pair| {
            let op = pair[0]
                .as_str()
                .filter(|op| matches!(*op, "=" | "<" | "<=" | ">" | ">="))?;
            Some((op, pair[1].as_f64()?))
        })
        .collect()
}

fn object_matches(pattern: &Map<String, Value>, data: Option<&Value>) -> bool {
    pattern.iter().all(|(key, expected)| {
        if key == "$or" {
            return expected.as_array().is_some_and(|alternatives| {
                alternatives.iter().any(|alt| match alt {
                    Value::Object(m) => object_matches(m, data),
                    _ => false,
                })
            });
        }
        let field = data.and_then(|d| d.get(key));
        match expected {
            Value::Object(inner) => object_matches(inner, field),
            Value::Array(rules) => field_matches(rules, field),
            _ => false,
        }
    })
}

fn field_matches(rules: &[Value], field: Option<&Value>) -> bool {
    rules.iter().any(|rule| match field {
        // A list in the record matches when any element does.
        Some(Value::Array(values)) => {
            exists_rule(rule).unwrap_or_else(|| values.iter().any(|v| rule_matches(rule, v)))
        }
        Some(value) => rule_matches(rule, value),
        None => exists_rule(rule) == Some(false),
    })
}

fn exists_rule(rule: &Value) -> Option<bool> {
    rule.get("exists").and_then(Value::as_bool)
}

fn rule_matches(rule: &Value, value: &Value) -> bool {
    let Value::Object(m) = rule else {
        return literal_equals(rule, value);
    };
    let Some((op, arg)) = m.iter().next() else {
        return false;
    };
    let text = value.as_str();
    match op.as_str() {
        "exists" => arg.as_bool() == Some(true),
        "prefix" => matches!((text, arg.as_str()), (Some(t), Some(p)) if t.starts_with(p)),
        "suffix" => matches!((text, arg.as_str()), (Some(t), Some(s)) if t.ends_with(s)),
        "equals-ignore-case" => {
            matches!((text, arg.as_str()), (Some(t), Some(e)) if t.to_lowercase() == e.to_lowercase())
        }
        "wildcard" => matches!((text, arg.as_str()), (Some(t), Some(w)) if wildcard(w, t)),
        "anything-but" => match arg {
            Value::Object(inner) => match (inner.get("prefix"), inner.get("suffix"), text) {
                (Some(Value::String(p)), _, Some(t)) => !t.starts_with(p.as_str()),
                (_, Some(Value::String(s)), Some(t)) => !t.ends_with(s.as_str()),
                _ => false,
            },
            Value::Array(values) => !values.iter().any(|v| literal_equals(v, value)),
            single => !literal_equals(single, value),
        },
        "numeric" => match (numeric_conditions(arg), value.as_f64()) {
            (Some(conditions), Some(n)) => conditions.iter().all(|(op, bound)| match *op {
                "=" => n == *bound,
                "<" => n < *bound,
                "<=" => n <= *bound,
                ">" => n > *bound,
                ">=" => n >= *bound,
                _ => false,
            }),
            _ => false,
        },
        _ => false,
    }
}

fn literal_equals(expected: &Value, value: &Value) -> bool {
    match (expected, value) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (a, b) => a == b,
    }
}

/// `*` matches any run of characters.
fn wildcard(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, rest) = match parts.split_first() {
        Some(split) => split,
        None => return text.is_empty(),
    };
    let Some(mut remaining) = text.strip_prefix(first) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return remaining.is_empty();
    };
    for part in middle {
        match remaining.find(part) {
            Some(at) => remaining = &remaining[at + part.len()..],
            None => return false,
        }
    }
    remaining.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(pattern: &str, record: Value) -> bool {
        Pattern::parse(pattern)
            .expect("valid pattern")
            .matches(&record)
    }

    #[test]
    fn the_documented_rules() {
        let r = json!({"body": {"kind": "order", "amount": 25, "tags": ["a", "b"], "name": "Alice", "none": null},
                        "attributes": {"SenderId": "AIDA123"}});
        assert!(check(r#"{"body": {"kind": ["order"]}}"#, r.clone()));
        assert!(!check(r#"{"body": {"kind": ["refund"]}}"#, r.clone()));
        assert!(check(
            r#"{"body": {"kind": [{"prefix": "ord"}]}}"#,
            r.clone()
        ));
        assert!(check(
            r#"{"body": {"kind": [{"suffix": "der"}]}}"#,
            r.clone()
        ));
        assert!(check(
            r#"{"body": {"name": [{"equals-ignore-case": "alice"}]}}"#,
            r.clone()
        ));
        assert!(check(
            r#"{"body": {"kind": [{"anything-but": ["refund", "return"]}]}}"#,
            r.clone()
        ));
        assert!(!check(
            r#"{"body": {"kind": [{"anything-but": "order"}]}}"#,
            r.clone()
        ));
        assert!(!check(
            r#"{"body": {"kind": [{"anything-but": {"prefix": "or"}}]}}"#,
            r.clone()
        ));
        assert!(check(
            r#"{"body": {"amount": [{"numeric": [">", 10, "<=", 25]}]}}"#,
            r.clone()
        ));
        assert!(!check(
            r#"{"body": {"amount": [{"numeric": ["<", 10]}]}}"#,
            r.clone()
        ));
        assert!(check(r#"{"body": {"amount": [25]}}"#, r.clone()));
        assert!(check(r#"{"body": {"tags": ["b"]}}"#, r.clone()));
        assert!(check(
            r#"{"body": {"missing": [{"exists": false}]}}"#,
            r.clone()
        ));
        assert!(!check(
            r#"{"body": {"missing": [{"exists": true}]}}"#,
            r.clone()
        ));
        assert!(check(
            r#"{"body": {"kind": [{"exists": true}]}}"#,
            r.clone()
        ));
        assert!(check(r#"{"body": {"none": [null]}}"#, r.clone()));
        assert!(check(
            r#"{"body": {"name": [{"wildcard": "A*e"}]}}"#,
            r.clone()
        ));
        assert!(check(
            r#"{"attributes": {"SenderId": [{"prefix": "AIDA"}]}, "body": {"kind": ["order"]}}"#,
            r.clone()
        ));
        assert!(check(
            r#"{"$or": [{"body": {"kind": ["refund"]}}, {"body": {"amount": [25]}}]}"#,
            r.clone()
        ));
        assert!(!check(
            r#"{"$or": [{"body": {"kind": ["refund"]}}, {"body": {"amount": [26]}}]}"#,
            r
        ));
    }

    #[test]
    fn malformed_patterns_are_refused() {
        for bad in [
            "not json",
            "[]",
            r#"{"body": "x"}"#,
            r#"{"body": {"k": []}}"#,
            r#"{"body": {"k": [{"nope": 1}]}}"#,
            r#"{"body": {"k": [{"numeric": [">"]}]}}"#,
        ] {
            assert!(Pattern::parse(bad).is_none(), "{bad}");
        }
    }
}
