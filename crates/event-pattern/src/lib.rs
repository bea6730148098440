//! Event patterns, the one grammar EventBridge rules and Lambda's event
//! filters share: an event (or record) is matched when every field the
//! pattern names matches.
//!
//! A pattern is a JSON object mirroring the event's shape. Its leaves are
//! arrays of rules, any of which may match: a literal (string, number, bool,
//! null), `prefix` and `suffix` (optionally `equals-ignore-case`),
//! `equals-ignore-case`, `anything-but` (values, or a prefix, suffix,
//! wildcard or equals-ignore-case), `numeric` comparisons, `exists`, `cidr`,
//! `wildcard`; `$or` joins sub-patterns. A list in the event matches when
//! any element does. [`Pattern::parse`] refuses what EventBridge refuses,
//! with its reason.

mod rules;
mod validate;

use serde_json::{Map, Value};

/// A checked event pattern.
#[derive(Clone, Debug)]
pub struct Pattern(Map<String, Value>);

/// Why a pattern was refused: EventBridge's `Reason:` text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternError(pub String);

impl std::fmt::Display for PatternError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Pattern {
    /// Parses a pattern's text; the error is the reason EventBridge gives.
    pub fn parse(text: &str) -> Result<Self, PatternError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| PatternError(format!("Filter is not valid JSON: {e}")))?;
        match value {
            Value::Object(map) => {
                validate::object(&map).map_err(PatternError)?;
                Ok(Self(map))
            }
            _ => Err(PatternError("Filter is not an object".to_string())),
        }
    }

    pub fn matches(&self, event: &Value) -> bool {
        object_matches(&self.0, Some(event))
    }
}

fn object_matches(pattern: &Map<String, Value>, data: Option<&Value>) -> bool {
    // An object pattern against a list of objects: one element must match it whole.
    if let Some(Value::Array(items)) = data {
        if items.iter().any(Value::is_object) {
            return items.iter().any(|item| object_matches(pattern, Some(item)));
        }
    }
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
        Some(Value::Array(values)) => rules::exists_rule(rule)
            .unwrap_or_else(|| values.iter().any(|v| rules::matches(rule, v))),
        Some(Value::Object(_)) => rules::exists_rule(rule) == Some(true),
        Some(value) => rules::matches(rule, value),
        None => rules::exists_rule(rule) == Some(false),
    })
}

#[cfg(test)]
mod tests;
