//! The embedded metric format: a JSON log line whose `_aws` member names
//! metrics (namespace, dimension sets, metric names and units) that the
//! line's own members hold the values of. CloudWatch Logs turns such lines
//! into metrics; anything malformed stays a plain log line.

use crate::store::MetricKey;
use crate::types::Dimension;
use serde_json::{Map, Value};

/// One value of a metric from a line.
#[derive(Debug, Clone, PartialEq)]
pub struct EmfValue {
    pub key: MetricKey,
    pub unit: String,
    pub ts_ms: i64,
    pub value: f64,
}

/// The metric values a log line carries, or nothing.
pub fn extract(line: &str, default_ts_ms: i64) -> Vec<EmfValue> {
    let line = line.trim();
    if !line.starts_with('{') || !line.contains("\"_aws\"") {
        return Vec::new();
    }
    let Ok(Value::Object(root)) = serde_json::from_str::<Value>(line) else {
        return Vec::new();
    };
    let Some(aws) = root.get("_aws").and_then(Value::as_object) else {
        return Vec::new();
    };
    let ts_ms = aws
        .get("Timestamp")
        .and_then(Value::as_i64)
        .unwrap_or(default_ts_ms);
    let Some(directives) = aws.get("CloudWatchMetrics").and_then(Value::as_array) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for directive in directives {
        directive_values(&root, directive, ts_ms, &mut out);
    }
    out
}

fn directive_values(
    root: &Map<String, Value>,
    directive: &Value,
    ts_ms: i64,
    out: &mut Vec<EmfValue>,
) {
    let Some(namespace) = directive.get("Namespace").and_then(Value::as_str) else {
        return;
    };
    if namespace.is_empty() || namespace.starts_with("AWS/") {
        return;
    }
    let Some(metrics) = directive.get("Metrics").and_then(Value::as_array) else {
        return;
    };
    let dimension_sets: Vec<Vec<Dimension>> = match directive.get("Dimensions") {
        Some(Value::Array(sets)) => {
            let mut parsed = Vec::new();
            for set in sets {
                let Some(names) = set.as_array() else { return };
                let mut dims = Vec::new();
                for name in names {
                    let Some(name) = name.as_str() else { return };
                    // A dimension's value is a string member of the line.
                    let Some(value) = root.get(name).and_then(Value::as_str) else {
                        return;
                    };
                    dims.push(Dimension {
                        name: name.to_string(),
                        value: value.to_string(),
                    });
                }
                parsed.push(dims);
            }
            parsed
        }
        _ => vec![Vec::new()],
    };
    for metric in metrics {
        let Some(name) = metric.get("Name").and_then(Value::as_str) else {
            continue;
        };
        let unit = metric
            .get("Unit")
            .and_then(Value::as_str)
            .filter(|u| crate::put::UNITS.contains(u))
            .unwrap_or("None");
        let values: Vec<f64> = match root.get(name) {
            Some(Value::Number(n)) => n.as_f64().into_iter().collect(),
            Some(Value::Array(items)) => items.iter().take(100).filter_map(Value::as_f64).collect(),
            _ => continue,
        };
        for dims in &dimension_sets {
            let key = MetricKey::new(namespace, name, dims.clone());
            for value in &values {
                out.push(EmfValue {
                    key: key.clone(),
                    unit: unit.to_string(),
                    ts_ms,
                    value: *value,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_becomes_values_per_dimension_set() {
        let line = r#"{"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"App","Dimensions":[["Service"],["Service","Op"]],"Metrics":[{"Name":"Latency","Unit":"Milliseconds"}]}]},"Service":"cart","Op":"add","Latency":[3,4]}"#;
        let values = extract(line, 0);
        assert_eq!(values.len(), 4);
        assert_eq!(values[0].key.dimensions.len(), 1);
        assert_eq!(values[2].key.dimensions.len(), 2);
        assert_eq!(values[1].value, 4.0);
        assert_eq!(values[0].unit, "Milliseconds");
        assert_eq!(values[0].ts_ms, 1_700_000_000_000);
    }

    #[test]
    fn other_lines_are_ignored() {
        assert!(extract("hello", 0).is_empty());
        assert!(extract(r#"{"_aws": 1}"#, 0).is_empty());
        let missing_dimension = r#"{"_aws":{"CloudWatchMetrics":[{"Namespace":"App","Dimensions":[["Service"]],"Metrics":[{"Name":"N"}]}]},"N":1}"#;
        assert!(extract(missing_dimension, 0).is_empty());
        let reserved = r#"{"_aws":{"CloudWatchMetrics":[{"Namespace":"AWS/Lambda","Metrics":[{"Name":"N"}]}]},"N":1}"#;
        assert!(extract(reserved, 0).is_empty());
    }
}
