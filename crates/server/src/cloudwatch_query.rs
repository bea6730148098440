//! CloudWatch metrics in the query protocol (`Action=PutMetricData&
//! Version=2010-08-01`, a form body, XML answers), as older SDKs send it.
//! The form becomes the JSON input the JSON protocol carries
//! (`MetricData.member.1.Dimensions.member.1.Name` → nested lists), the
//! output its XML, so both protocols share `cloudwatch_api::dispatch`.

use crate::cloudwatch_api;
use crate::render;
use axum::body::Body;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use laminar_cloudwatch::{CloudWatchService, CwError, Scope};
use quick_xml::escape::escape;
use serde_json::{Map, Value};
use std::fmt::Write as _;

const XMLNS: &str = "http://monitoring.amazonaws.com/doc/2010-08-01/";
const BODY_MAX_BYTES: usize = 2 * 1024 * 1024;

/// Members whose values are numbers; `Value` is text inside `Dimensions`.
const NUMBERS: [&str; 10] = [
    "Period",
    "StorageResolution",
    "MaxDatapoints",
    "Value",
    "Values",
    "Counts",
    "SampleCount",
    "Sum",
    "Minimum",
    "Maximum",
];

pub async fn serve(
    cloudwatch: &CloudWatchService,
    scope: &laminar_lambda::Scope,
    uri: &Uri,
    _headers: &HeaderMap,
    body: Body,
) -> Response {
    let id = uuid::Uuid::new_v4().to_string();
    let Ok(body) = axum::body::to_bytes(body, BODY_MAX_BYTES).await else {
        return error(&CwError::invalid_value("Request too large"), &id);
    };
    let mut pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(uri.query().unwrap_or_default()).unwrap_or_default();
    pairs.extend(serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body).unwrap_or_default());
    let operation = pairs
        .iter()
        .find(|(k, _)| k == "Action")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let input = form_to_json(&pairs).to_string().into_bytes();
    let cloudwatch = cloudwatch.clone();
    let scope = Scope::new(&scope.account, &scope.region);
    let op = operation.clone();
    let result = laminar_db::try_blocking(move || {
        cloudwatch_api::dispatch(&cloudwatch, &scope, &op, &input)
    })
    .await;
    match result {
        Ok(value) => {
            let mut xml = format!("<{operation}Response xmlns=\"{XMLNS}\">");
            if operation != "PutMetricData" {
                element(&mut xml, &format!("{operation}Result"), &value);
            }
            let _ = write!(
                xml,
                "<ResponseMetadata><RequestId>{id}</RequestId></ResponseMetadata></{operation}Response>"
            );
            render::with_request_id(render::raw(200, "text/xml", xml), &id)
        }
        Err(e) => error(&e, &id),
    }
}

/// The form's parameters as the JSON document of the same input.
fn form_to_json(pairs: &[(String, String)]) -> Value {
    let mut root = Value::Object(Map::new());
    for (key, value) in pairs {
        if key == "Action" || key == "Version" {
            continue;
        }
        let path: Vec<&str> = key.split('.').collect();
        insert(&mut root, &path, leaf(&path, value));
    }
    lists(root)
}

fn leaf(path: &[&str], value: &str) -> Value {
    let names: Vec<&str> = path
        .iter()
        .copied()
        .filter(|s| *s != "member" && s.parse::<u32>().is_err())
        .collect();
    let last = names.last().copied().unwrap_or_default();
    let text = || Value::String(value.to_string());
    if last == "Value" && names.contains(&"Dimensions") {
        return text();
    }
    if last == "ReturnData" {
        return value
            .parse::<bool>()
            .map(Value::Bool)
            .unwrap_or_else(|_| text());
    }
    if NUMBERS.contains(&last) {
        if let Ok(n) = value.parse::<i64>() {
            return Value::from(n);
        }
        // NaN and infinities stay text, so the checks can name them.
        return value
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(text, Value::Number);
    }
    text()
}

fn insert(node: &mut Value, path: &[&str], value: Value) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let Value::Object(map) = node else {
        return;
    };
    if rest.is_empty() {
        map.insert((*first).to_string(), value);
        return;
    }
    let child = map
        .entry((*first).to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    insert(child, rest, value);
}

/// `{"member": {"1": a, "2": b}}` → `[a, b]`, everywhere.
fn lists(node: Value) -> Value {
    match node {
        Value::Object(map) => {
            if map.len() == 1 {
                if let Some(Value::Object(members)) = map.get("member") {
                    let mut items: Vec<(u32, Value)> = members
                        .iter()
                        .filter_map(|(k, v)| Some((k.parse().ok()?, lists(v.clone()))))
                        .collect();
                    items.sort_by_key(|(n, _)| *n);
                    return Value::Array(items.into_iter().map(|(_, v)| v).collect());
                }
            }
            Value::Object(map.into_iter().map(|(k, v)| (k, lists(v))).collect())
        }
        other => other,
    }
}

/// `value` as the element `name`: lists as `<member>`s, the percentile map
/// as `<entry><key>…</key><value>…</value></entry>`, timestamps in ISO 8601.
fn element(xml: &mut String, name: &str, value: &Value) {
    match value {
        Value::Null => {}
        Value::Object(map) if name == "ExtendedStatistics" => {
            let _ = write!(xml, "<{name}>");
            for (k, v) in map {
                let _ = write!(
                    xml,
                    "<entry><key>{}</key><value>{v}</value></entry>",
                    escape(k.as_str())
                );
            }
            let _ = write!(xml, "</{name}>");
        }
        Value::Object(map) => {
            let _ = write!(xml, "<{name}>");
            for (k, v) in map {
                element(xml, k, v);
            }
            let _ = write!(xml, "</{name}>");
        }
        Value::Array(items) => {
            let _ = write!(xml, "<{name}>");
            for item in items {
                match item {
                    Value::Number(n) if name == "Timestamps" => {
                        let _ = write!(xml, "<member>{}</member>", iso(n));
                    }
                    _ => element(xml, "member", item),
                }
            }
            let _ = write!(xml, "</{name}>");
        }
        Value::Number(n) if name == "Timestamp" => {
            let _ = write!(xml, "<{name}>{}</{name}>", iso(n));
        }
        Value::String(s) => {
            let _ = write!(xml, "<{name}>{}</{name}>", escape(s.as_str()));
        }
        other => {
            let _ = write!(xml, "<{name}>{other}</{name}>");
        }
    }
}

/// Epoch seconds in ISO 8601, as the query protocol writes timestamps.
fn iso(seconds: &serde_json::Number) -> String {
    let ms = (seconds.as_f64().unwrap_or_default() * 1000.0) as i64;
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

fn error(e: &CwError, id: &str) -> Response {
    let xml = format!(
        "<ErrorResponse xmlns=\"{XMLNS}\"><Error><Type>{}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{id}</RequestId></ErrorResponse>",
        e.fault(),
        e.code,
        escape(e.message.as_str())
    );
    render::with_request_id(render::raw(e.status, "text/xml", xml), id)
}
