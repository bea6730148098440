//! Every request checked against the API model's constraints (required
//! members, lengths, ranges, patterns, enums) before any operation runs, so
//! bad input gets the `ValidationException` AWS gives, for every member of
//! every operation. The constraints are generated from botocore's model by
//! `tools/gen_constraints.py` into `constraints.json`.

use crate::error::{ApiError, ErrorKind};
use crate::validate::Violations;
use regex::Regex;
use serde::Deserialize;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Deserialize)]
struct Model {
    operations: HashMap<String, String>,
    shapes: HashMap<String, Shape>,
}

#[derive(Deserialize)]
struct Shape {
    #[serde(rename = "type")]
    kind: String,
    min: Option<f64>,
    max: Option<f64>,
    pattern: Option<String>,
    #[serde(rename = "enum")]
    allowed: Option<Vec<String>>,
    #[serde(default)]
    required: Vec<String>,
    payload: Option<String>,
    #[serde(default)]
    members: HashMap<String, Member>,
    member: Option<String>,
    key: Option<String>,
    value: Option<String>,
    /// The compiled pattern; `None` inside when the `regex` crate cannot
    /// express it (look-around): such patterns are not checked.
    #[serde(skip)]
    compiled: OnceLock<Option<Regex>>,
}

#[derive(Deserialize)]
struct Member {
    shape: String,
    location: Option<String>,
    #[serde(rename = "locationName")]
    location_name: Option<String>,
}

fn model() -> Option<&'static Model> {
    static MODEL: OnceLock<Option<Model>> = OnceLock::new();
    MODEL
        .get_or_init(|| serde_json::from_str(include_str!("constraints.json")).ok())
        .as_ref()
}

/// The parts of an HTTP request the model binds members to.
pub struct RequestParts<'a> {
    pub labels: &'a dyn Fn(&str) -> Option<String>,
    pub query: &'a [(String, String)],
    pub header: &'a dyn Fn(&str) -> Option<String>,
    pub body: &'a [u8],
}

/// Checks a request to `operation` against the model.
pub fn check(operation: &str, parts: &RequestParts<'_>) -> Result<(), ApiError> {
    let Some(model) = model() else { return Ok(()) };
    let Some(input) = model
        .operations
        .get(operation)
        .and_then(|s| model.shapes.get(s))
    else {
        return Ok(());
    };
    let body: Value = if input.payload.is_some() || parts.body.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        serde_json::from_slice(parts.body).map_err(|e| {
            ApiError::new(
                ErrorKind::Validation,
                format!("1 validation error detected: the request body is not valid JSON: {e}"),
            )
        })?
    };
    let mut v = Violations::new();
    for (name, member) in &input.members {
        let field = camel(name);
        // Body members are checked where they lie: a ZipFile of megabytes is
        // not copied for it.
        let value: Option<Cow<'_, Value>> = match member.location.as_deref() {
            Some("uri") => {
                let label = member.location_name.as_deref().unwrap_or(name);
                (parts.labels)(label).map(|text| Cow::Owned(typed(model, &member.shape, text)))
            }
            Some("querystring") => {
                let key = member.location_name.as_deref().unwrap_or(name);
                query_value(model, &member.shape, key, parts.query).map(Cow::Owned)
            }
            Some("header") => {
                let key = member.location_name.as_deref().unwrap_or(name);
                (parts.header)(key).map(|text| Cow::Owned(typed(model, &member.shape, text)))
            }
            Some(_) => continue,
            // A payload member is the whole body: an empty body is a missing member.
            None if input.payload.as_deref() == Some(name.as_str()) => {
                if parts.body.is_empty() && input.required.contains(name) {
                    v.required::<()>(&field, None);
                }
                check_blob_payload(model, &member.shape, parts.body.len(), &field, &mut v);
                continue;
            }
            None => body.get(name).filter(|v| !v.is_null()).map(Cow::Borrowed),
        };
        match value {
            Some(value) => check_value(model, &member.shape, &value, &field, &mut v),
            None if input.required.contains(name) => v.required::<()>(&field, None),
            None => {}
        }
    }
    v.finish()
}

/// A blob payload is the body itself: its length is the body's (the value
/// is shown as `...` rather than echoed).
fn check_blob_payload(model: &Model, shape: &str, length: usize, field: &str, v: &mut Violations) {
    let Some(shape) = model.shapes.get(shape).filter(|s| s.kind == "blob") else {
        return;
    };
    if shape.max.is_some_and(|max| length as f64 > max) {
        v.violation(
            "...",
            field,
            format!(
                "Member must have length less than or equal to {}",
                shape.max.unwrap_or_default()
            ),
        );
    }
}

/// Query values arrive as text; numbers and lists are read as the shape says.
fn query_value(model: &Model, shape: &str, key: &str, query: &[(String, String)]) -> Option<Value> {
    let values: Vec<&String> = query
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v)
        .collect();
    let first = values.first()?;
    let kind = model
        .shapes
        .get(shape)
        .map(|s| s.kind.as_str())
        .unwrap_or("string");
    Some(match kind {
        "list" => Value::Array(values.iter().map(|v| Value::String((*v).clone())).collect()),
        _ => typed(model, shape, (*first).clone()),
    })
}

/// Text from a path, query or header, read as the shape's type.
fn typed(model: &Model, shape: &str, text: String) -> Value {
    let kind = model
        .shapes
        .get(shape)
        .map(|s| s.kind.as_str())
        .unwrap_or("string");
    match kind {
        "integer" | "long" => text
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or(Value::String(text)),
        "boolean" => match text.as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(text),
        },
        _ => Value::String(text),
    }
}

fn camel(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn check_value(model: &Model, shape_name: &str, value: &Value, field: &str, v: &mut Violations) {
    let Some(shape) = model.shapes.get(shape_name) else {
        return;
    };
    match shape.kind.as_str() {
        "string" => {
            let Some(text) = value.as_str() else {
                v.violation(shown(value), field, "Member must be a string");
                return;
            };
            let length = text.chars().count() as f64;
            if shape.min.is_some_and(|min| length < min) {
                v.violation(
                    text,
                    field,
                    format!(
                        "Member must have length greater than or equal to {}",
                        shape.min.unwrap_or_default()
                    ),
                );
            } else if shape.max.is_some_and(|max| length > max) {
                v.violation(
                    text,
                    field,
                    format!(
                        "Member must have length less than or equal to {}",
                        shape.max.unwrap_or_default()
                    ),
                );
            }
            if let Some(allowed) = &shape.allowed {
                if !allowed.iter().any(|a| a == text) {
                    v.violation(
                        text,
                        field,
                        format!(
                            "Member must satisfy enum value set: [{}]",
                            allowed.join(", ")
                        ),
                    );
                }
            }
            if let Some(pattern) = &shape.pattern {
                let compiled = shape
                    .compiled
                    .get_or_init(|| Regex::new(&format!("^(?:{pattern})$")).ok());
                if compiled.as_ref().is_some_and(|re| !re.is_match(text)) {
                    v.violation(
                        text,
                        field,
                        format!("Member must satisfy regular expression pattern: {pattern}"),
                    );
                }
            }
        }
        "integer" | "long" | "double" | "float" => {
            let Some(number) = value.as_f64() else {
                v.violation(shown(value), field, "Member must be a number");
                return;
            };
            if shape.min.is_some_and(|min| number < min) {
                v.violation(
                    shown(value),
                    field,
                    format!(
                        "Member must have value greater than or equal to {}",
                        shape.min.unwrap_or_default()
                    ),
                );
            } else if shape.max.is_some_and(|max| number > max) {
                v.violation(
                    shown(value),
                    field,
                    format!(
                        "Member must have value less than or equal to {}",
                        shape.max.unwrap_or_default()
                    ),
                );
            }
        }
        "boolean" if !value.is_boolean() => {
            v.violation(shown(value), field, "Member must be a boolean");
        }
        "list" => {
            let Some(items) = value.as_array() else {
                v.violation(shown(value), field, "Member must be a list");
                return;
            };
            check_count(shape, items.len(), value, field, v);
            if let Some(member) = &shape.member {
                for (i, item) in items.iter().enumerate() {
                    check_value(model, member, item, &format!("{field}.{}.member", i + 1), v);
                }
            }
        }
        "map" => {
            let Some(entries) = value.as_object() else {
                v.violation(shown(value), field, "Member must be a map");
                return;
            };
            check_count(shape, entries.len(), value, field, v);
            for (key, item) in entries {
                if let Some(key_shape) = &shape.key {
                    check_value(
                        model,
                        key_shape,
                        &Value::String(key.clone()),
                        &format!("{field}.key"),
                        v,
                    );
                }
                if let Some(value_shape) = &shape.value {
                    check_value(model, value_shape, item, &format!("{field}.{key}"), v);
                }
            }
        }
        "structure" => {
            let Some(object) = value.as_object() else {
                v.violation(shown(value), field, "Member must be a structure");
                return;
            };
            for (name, member) in &shape.members {
                let path = format!("{field}.{}", camel(name));
                match object.get(name).filter(|v| !v.is_null()) {
                    Some(inner) => check_value(model, &member.shape, inner, &path, v),
                    None if shape.required.contains(name) => v.required::<()>(&path, None),
                    None => {}
                }
            }
        }
        // Blobs (base64) and timestamps: checked where they are used.
        _ => {}
    }
}

fn check_count(shape: &Shape, count: usize, value: &Value, field: &str, v: &mut Violations) {
    let count = count as f64;
    if shape.min.is_some_and(|min| count < min) {
        v.violation(
            shown(value),
            field,
            format!(
                "Member must have length greater than or equal to {}",
                shape.min.unwrap_or_default()
            ),
        );
    } else if shape.max.is_some_and(|max| count > max) {
        v.violation(
            shown(value),
            field,
            format!(
                "Member must have length less than or equal to {}",
                shape.max.unwrap_or_default()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        operation: &str,
        labels: &[(&str, &str)],
        query: &[(&str, &str)],
        body: &str,
    ) -> Result<(), ApiError> {
        let labels: HashMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let query: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let label = |name: &str| labels.get(name).cloned();
        let header = |_: &str| None;
        check(
            operation,
            &RequestParts {
                labels: &label,
                query: &query,
                header: &header,
                body: body.as_bytes(),
            },
        )
    }

    #[test]
    fn the_model_loads_and_checks_nested_members() {
        assert!(model().is_some(), "constraints.json parses");
        assert_eq!(model().map(|m| m.operations.len()), Some(91));
        let ok = run(
            "CreateFunction",
            &[],
            &[],
            r#"{"FunctionName":"f","Role":"arn:aws:iam::123456789012:role/r","Code":{}}"#,
        );
        assert!(ok.is_ok(), "{ok:?}");
        let err = run(
            "CreateFunction",
            &[],
            &[],
            r#"{"FunctionName":"f","Role":"arn:aws:iam::123456789012:role/r","Code":{},"VpcConfig":{"SubnetIds":["invalid value!"]}}"#,
        )
        .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Validation);
        assert!(
            err.message.contains("vpcConfig.subnetIds.1.member"),
            "{}",
            err.message
        );
        let missing = run("CreateFunction", &[], &[], "{}").unwrap_err();
        assert!(
            missing.message.starts_with("3 validation errors detected"),
            "{}",
            missing.message
        );
    }

    #[test]
    fn a_required_payload_member_needs_a_body() {
        let labels = [("FunctionName", "f")];
        let err = run("InvokeAsync", &labels, &[], "").unwrap_err();
        assert_eq!(err.kind, ErrorKind::Validation);
        assert!(err.message.contains("'invokeArgs'"), "{}", err.message);
        assert!(run("InvokeAsync", &labels, &[], "{}").is_ok());
        // An optional payload may be left out.
        assert!(run("Invoke", &labels, &[], "").is_ok());
    }

    #[test]
    fn list_lengths_are_checked_inside_structures() {
        let types: Vec<String> = (0..401).map(|i| format!("\"m{i}.large\"")).collect();
        let body = format!(
            r#"{{"CapacityProviderName":"cp","VpcConfig":{{"SubnetIds":["subnet-1"],"SecurityGroupIds":[]}},"PermissionsConfig":{{"CapacityProviderOperatorRoleArn":"arn:aws:iam::123456789012:role/r"}},"InstanceRequirements":{{"ExcludedInstanceTypes":[{}]}}}}"#,
            types.join(",")
        );
        let err = run("CreateCapacityProvider", &[], &[], &body).unwrap_err();
        assert!(
            err.message
                .contains("instanceRequirements.excludedInstanceTypes"),
            "{}",
            err.message
        );
    }

    #[test]
    fn fractions_read_like_the_service() {
        let body = r#"{"CapacityProviderName":"cp","CapacityProviderScalingConfig":{"ScalingPolicies":[{"PredefinedMetricType":"LambdaCapacityProviderAverageCPUUtilization","TargetValue":100.5}]}}"#;
        let err = run(
            "UpdateCapacityProvider",
            &[("CapacityProviderName", "cp")],
            &[],
            body,
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "1 validation error detected: Value '100.5' at 'capacityProviderScalingConfig.scalingPolicies.1.member.targetValue' failed to satisfy constraint: Member must have value less than or equal to 100"
        );
    }

    #[test]
    fn query_members_are_checked_too() {
        let err = run(
            "GetFunction",
            &[("FunctionName", "f")],
            &[("Qualifier", "")],
            "",
        )
        .unwrap_err();
        assert!(err.message.contains("'qualifier'"), "{}", err.message);
        assert!(run("ListFunctions", &[], &[("MaxItems", "50")], "").is_ok());
        assert!(run("ListFunctions", &[], &[("FunctionVersion", "NOPE")], "").is_err());
    }
}
