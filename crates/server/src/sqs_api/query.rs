//! The query protocol: `Action=<Operation>&Version=2012-11-05` in a form body
//! or the query string (possibly POSTed to the queue URL), answered in XML
//! as the 2012-11-05 API does. Parameters are folded into the JSON input
//! shape and the JSON output shape is written out as XML.

use super::{endpoint, ops, request_id};
use crate::render;
use axum::body::Body;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use laminar_lambda::Scope;
use laminar_model::limits::REQUEST_BODY_MAX_BYTES;
use laminar_sqs::{SqsError, SqsService};
use quick_xml::escape::escape;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

const NAMESPACE: &str = "http://queue.amazonaws.com/doc/2012-11-05/";

pub async fn serve_query(
    sqs: &SqsService,
    scope: &Scope,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    let id = request_id();
    let Ok(bytes) = axum::body::to_bytes(body, REQUEST_BODY_MAX_BYTES).await else {
        return error(
            &SqsError::batch_request_too_long(REQUEST_BODY_MAX_BYTES),
            &id,
        );
    };
    let mut pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(uri.query().unwrap_or_default()).unwrap_or_default();
    pairs.extend(serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes).unwrap_or_default());
    let action = pairs
        .iter()
        .find(|(k, _)| k == "Action")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let mut input = fold(&pairs);
    // A request POSTed to the queue URL names its queue by the path.
    if input.get("QueueUrl").is_none() && uri.path().trim_matches('/').contains('/') {
        input.insert("QueueUrl".into(), Value::String(uri.path().to_string()));
    }
    let input = Value::Object(input);
    match ops::call(sqs, scope, &endpoint(headers), &action, &input).await {
        Ok(output) => {
            let mut xml = format!("<{action}Response xmlns=\"{NAMESPACE}\">");
            if has_result(&action) {
                xml.push_str(&format!("<{action}Result>"));
                write_members(&mut xml, &action, &output);
                xml.push_str(&format!("</{action}Result>"));
            }
            xml.push_str(&format!(
                "<ResponseMetadata><RequestId>{id}</RequestId></ResponseMetadata></{action}Response>"
            ));
            render::with_request_id(render::raw(200, "text/xml", xml), &id)
        }
        Err(e) => error(&e, &id),
    }
}

/// Operations whose answer has a `<…Result>` element.
fn has_result(action: &str) -> bool {
    matches!(
        action,
        "CreateQueue"
            | "GetQueueUrl"
            | "ListQueues"
            | "GetQueueAttributes"
            | "SendMessage"
            | "SendMessageBatch"
            | "ReceiveMessage"
            | "DeleteMessageBatch"
            | "ChangeMessageVisibilityBatch"
            | "ListQueueTags"
    )
}

fn error(e: &SqsError, id: &str) -> Response {
    let xml = format!(
        "<ErrorResponse xmlns=\"{NAMESPACE}\"><Error><Type>{}</Type><Code>{}</Code><Message>{}</Message><Detail/></Error><RequestId>{id}</RequestId></ErrorResponse>",
        e.fault(),
        escape(e.code.as_str()),
        escape(e.message.as_str()),
    );
    render::with_request_id(render::raw(e.status, "text/xml", xml), id)
}

// -- parameters → JSON input ------------------------------------------------

/// Query parameter names nest at most this deep (SQS's go to 6, e.g.
/// `SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue`);
/// deeper names are ignored rather than built into a tree that a recursive
/// walk could not handle.
const NAME_DEPTH_MAX: usize = 8;

/// `A.1.B=x` pairs as nested JSON: numbered segments become lists, the
/// query protocol's element names become the JSON member names, and
/// Name/Value (or key/value) pair lists become maps.
fn fold(pairs: &[(String, String)]) -> Map<String, Value> {
    let mut tree = Node::default();
    for (key, value) in pairs {
        if key == "Action" || key == "Version" || key.split('.').count() > NAME_DEPTH_MAX {
            continue;
        }
        let mut node = &mut tree;
        for segment in key.split('.') {
            node = node.children.entry(segment.to_string()).or_default();
        }
        node.value = Some(value.clone());
    }
    match tree.into_json() {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

#[derive(Default)]
struct Node {
    value: Option<String>,
    children: BTreeMap<String, Node>,
}

impl Node {
    fn into_json(self) -> Value {
        if self.children.is_empty() {
            return Value::String(self.value.unwrap_or_default());
        }
        if self.children.keys().all(|k| k.parse::<u32>().is_ok()) {
            let mut items: Vec<(u32, Value)> = self
                .children
                .into_iter()
                .filter_map(|(k, v)| Some((k.parse().ok()?, v.into_json())))
                .collect();
            items.sort_by_key(|(n, _)| *n);
            let items: Vec<Value> = items.into_iter().map(|(_, v)| v).collect();
            return pairs_to_map(items);
        }
        let map: Map<String, Value> = self
            .children
            .into_iter()
            .map(|(k, v)| (json_member(&k).to_string(), v.into_json()))
            .collect();
        Value::Object(map)
    }
}

/// The JSON member name for a query element name.
fn json_member(name: &str) -> &str {
    match name {
        "Attribute" => "Attributes",
        "MessageAttribute" => "MessageAttributes",
        "Tag" => "Tags",
        "AttributeName" => "AttributeNames",
        "MessageAttributeName" => "MessageAttributeNames",
        "MessageSystemAttributeName" => "MessageSystemAttributeNames",
        "TagKey" => "TagKeys",
        "SendMessageBatchRequestEntry"
        | "DeleteMessageBatchRequestEntry"
        | "ChangeMessageVisibilityBatchRequestEntry" => "Entries",
        other => other,
    }
}

/// A list of `{Name, Value}` / `{Key, Value}` / `{key, value}` entries is a map.
fn pairs_to_map(items: Vec<Value>) -> Value {
    let pair = |item: &Value| -> Option<(String, Value)> {
        let obj = item.as_object()?;
        if obj.len() != 2 {
            return None;
        }
        let key = ["Name", "Key", "key"]
            .iter()
            .find_map(|k| obj.get(*k)?.as_str())?;
        let value = ["Value", "value"].iter().find_map(|k| obj.get(*k))?;
        Some((key.to_string(), value.clone()))
    };
    let pairs: Option<Map<String, Value>> = items.iter().map(pair).collect();
    match pairs {
        Some(map) if !items.is_empty() => Value::Object(map),
        _ => Value::Array(items),
    }
}

// -- JSON output → XML --------------------------------------------------------

fn write_members(xml: &mut String, action: &str, output: &Value) {
    let Some(map) = output.as_object() else {
        return;
    };
    for (name, value) in map {
        match (name.as_str(), value) {
            ("Attributes", Value::Object(m)) => write_map(xml, "Attribute", "Name", m),
            ("MessageAttributes", Value::Object(m)) => {
                write_map(xml, "MessageAttribute", "Name", m)
            }
            ("Tags", Value::Object(m)) => write_map(xml, "Tag", "Key", m),
            (_, Value::Array(items)) => {
                let element = list_element(action, name);
                for item in items {
                    write_element(xml, action, &element, item);
                }
            }
            _ => write_element(xml, action, name, value),
        }
    }
}

/// The element name of one item of a flattened list.
fn list_element(action: &str, member: &str) -> String {
    match member {
        "QueueUrls" => "QueueUrl".into(),
        "Messages" => "Message".into(),
        "Successful" => format!("{action}ResultEntry"),
        "Failed" => "BatchResultErrorEntry".into(),
        other => other.into(),
    }
}

fn write_map(xml: &mut String, element: &str, key_name: &str, map: &Map<String, Value>) {
    for (key, value) in map {
        xml.push_str(&format!(
            "<{element}><{key_name}>{}</{key_name}>",
            escape(key.as_str())
        ));
        write_element(xml, "", "Value", value);
        xml.push_str(&format!("</{element}>"));
    }
}

fn write_element(xml: &mut String, action: &str, name: &str, value: &Value) {
    match value {
        Value::Null => {}
        Value::Object(_) => {
            xml.push_str(&format!("<{name}>"));
            write_members(xml, action, value);
            xml.push_str(&format!("</{name}>"));
        }
        Value::String(s) => xml.push_str(&format!("<{name}>{}</{name}>", escape(s.as_str()))),
        other => xml.push_str(&format!("<{name}>{other}</{name}>")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn folds_classic_query_parameters_into_json_members() {
        let input = fold(&pairs(&[
            ("Action", "SendMessageBatch"),
            ("SendMessageBatchRequestEntry.1.Id", "a"),
            ("SendMessageBatchRequestEntry.1.MessageBody", "hi"),
            (
                "SendMessageBatchRequestEntry.1.MessageAttribute.1.Name",
                "k",
            ),
            (
                "SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType",
                "String",
            ),
            (
                "SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue",
                "v",
            ),
            ("AttributeName.1", "All"),
        ]));
        assert_eq!(
            Value::Object(input),
            serde_json::json!({
                "Entries": [{"Id": "a", "MessageBody": "hi",
                    "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}}}],
                "AttributeNames": ["All"],
            })
        );
    }

    #[test]
    fn folds_key_value_maps() {
        let input = fold(&pairs(&[
            ("Attributes.1.key", "DelaySeconds"),
            ("Attributes.1.value", "5"),
            ("Tag.1.Key", "team"),
            ("Tag.1.Value", "core"),
        ]));
        assert_eq!(
            Value::Object(input),
            serde_json::json!({"Attributes": {"DelaySeconds": "5"}, "Tags": {"team": "core"}})
        );
    }

    #[test]
    fn writes_maps_and_flattened_lists() {
        let mut xml = String::new();
        let output = serde_json::json!({
            "QueueUrls": ["u1", "u<2>"],
            "Attributes": {"DelaySeconds": "0"},
        });
        write_members(&mut xml, "ListQueues", &output);
        assert_eq!(
            xml,
            "<Attribute><Name>DelaySeconds</Name><Value>0</Value></Attribute><QueueUrl>u1</QueueUrl><QueueUrl>u&lt;2&gt;</QueueUrl>"
        );
    }
}
