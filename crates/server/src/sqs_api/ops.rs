//! The SQS operations on the JSON input/output shapes (the query protocol
//! converts to and from the same shapes). Business logic is laminar-sqs's.

use base64::Engine;
use laminar_lambda::Scope;
use laminar_sqs::{
    md5_of_attributes, MessageAttributeValue, OutgoingMessage, QueueRef, ReceiveOptions,
    ReceivedMessage, SqsError, SqsService,
};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

const MAX_BATCH_ENTRIES: usize = 10;
/// AWS raised the message and batch limit from 256 KiB to 1 MiB in 2025.
const MAX_BATCH_BYTES: usize = 1_048_576;

/// Runs one operation. Everything but ReceiveMessage (which waits, and
/// reads in short transactions) runs on a blocking thread: its SQLite
/// commit may sync the disk, which must not stall the async workers.
pub async fn call(
    sqs: &SqsService,
    scope: &Scope,
    endpoint: &str,
    operation: &str,
    input: &Value,
) -> Result<Value, SqsError> {
    if operation == "ReceiveMessage" {
        return receive(sqs, &queue_of(scope, input)?, input).await;
    }
    let (sqs, scope, endpoint, operation, input) = (
        sqs.clone(),
        scope.clone(),
        endpoint.to_string(),
        operation.to_string(),
        input.clone(),
    );
    laminar_db::try_blocking(move || call_blocking(&sqs, &scope, &endpoint, &operation, &input))
        .await
}

fn call_blocking(
    sqs: &SqsService,
    scope: &Scope,
    endpoint: &str,
    operation: &str,
    input: &Value,
) -> Result<Value, SqsError> {
    let queue = || queue_of(scope, input);
    match operation {
        "CreateQueue" => {
            let name = string(input, "QueueName")?;
            let q = QueueRef::new(&scope.region, &scope.account, &name);
            let tags = string_map(input.get("tags").or_else(|| input.get("Tags")))?;
            sqs.create_queue(&q, string_map(input.get("Attributes"))?, tags)?;
            Ok(json!({ "QueueUrl": q.url(endpoint) }))
        }
        "GetQueueUrl" => {
            let name = string(input, "QueueName")?;
            let account = optional_string(input, "QueueOwnerAWSAccountId")
                .unwrap_or_else(|| scope.account.clone());
            let q = QueueRef::new(&scope.region, &account, &name);
            sqs.queue_exists(&q)?;
            Ok(json!({ "QueueUrl": q.url(endpoint) }))
        }
        "ListQueues" => list_queues(sqs, scope, endpoint, input),
        "DeleteQueue" => {
            sqs.delete_queue(&queue()?)?;
            Ok(json!({}))
        }
        "GetQueueAttributes" => {
            let mut names = string_list(input.get("AttributeNames"))?;
            if names.is_empty() {
                names.push("All".into());
            }
            let attributes = sqs.queue_attributes(&queue()?, &names)?;
            Ok(json!({ "Attributes": attributes }))
        }
        "SetQueueAttributes" => {
            sqs.set_queue_attributes(&queue()?, string_map(input.get("Attributes"))?)?;
            Ok(json!({}))
        }
        "PurgeQueue" => {
            sqs.purge_queue(&queue()?)?;
            Ok(json!({}))
        }
        "TagQueue" => {
            sqs.tag_queue(&queue()?, string_map(input.get("Tags"))?)?;
            Ok(json!({}))
        }
        "UntagQueue" => {
            sqs.untag_queue(&queue()?, &string_list(input.get("TagKeys"))?)?;
            Ok(json!({}))
        }
        "ListQueueTags" => Ok(json!({ "Tags": sqs.queue_tags(&queue()?)? })),
        "SendMessage" => {
            let sent = sqs.send_message(&queue()?, outgoing(input)?)?;
            Ok(sent_json(sent, None))
        }
        "SendMessageBatch" => {
            let q = queue()?;
            let entries = batch_entries(input)?;
            let size: usize = entries
                .iter()
                .map(|e| {
                    e.get("MessageBody")
                        .and_then(Value::as_str)
                        .map_or(0, str::len)
                })
                .sum();
            if size > MAX_BATCH_BYTES {
                return Err(SqsError::batch_request_too_long(size));
            }
            // Every entry in one commit (each undone alone if it fails).
            let messages = entries.iter().map(|entry| outgoing(entry)).collect();
            let mut sent = sqs.send_messages(&q, messages)?.into_iter();
            batch(entries, |entry| {
                let sent = sent
                    .next()
                    .unwrap_or_else(|| Err(SqsError::internal("a batch entry went unanswered")))?;
                Ok(sent_json(sent, entry.get("Id").cloned()))
            })
        }
        "DeleteMessage" => {
            sqs.delete_message(&queue()?, &string(input, "ReceiptHandle")?)?;
            Ok(json!({}))
        }
        "DeleteMessageBatch" => {
            let q = queue()?;
            batch(batch_entries(input)?, |entry| {
                sqs.delete_message(&q, &string(entry, "ReceiptHandle")?)?;
                Ok(json!({ "Id": entry.get("Id") }))
            })
        }
        "ChangeMessageVisibility" => {
            let seconds = required_int(input, "VisibilityTimeout")?;
            sqs.change_visibility(&queue()?, &string(input, "ReceiptHandle")?, seconds)?;
            Ok(json!({}))
        }
        "ChangeMessageVisibilityBatch" => {
            let q = queue()?;
            batch(batch_entries(input)?, |entry| {
                let seconds = required_int(entry, "VisibilityTimeout")?;
                sqs.change_visibility(&q, &string(entry, "ReceiptHandle")?, seconds)?;
                Ok(json!({ "Id": entry.get("Id") }))
            })
        }
        other => Err(SqsError::invalid_action(other)),
    }
}

fn queue_of(scope: &Scope, input: &Value) -> Result<QueueRef, SqsError> {
    let url = string(input, "QueueUrl")?;
    QueueRef::from_url(&url, &scope.region, &scope.account)
}

fn list_queues(
    sqs: &SqsService,
    scope: &Scope,
    endpoint: &str,
    input: &Value,
) -> Result<Value, SqsError> {
    let prefix = optional_string(input, "QueueNamePrefix").unwrap_or_default();
    let names = sqs.list_queues(&scope.region, &scope.account, &prefix)?;
    let max = match int(input, "MaxResults")? {
        Some(n) if (1..=1000).contains(&n) => Some(n as usize),
        Some(n) => {
            return Err(SqsError::invalid_parameter(format!(
                "Value {n} for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000."
            )))
        }
        None => None,
    };
    // The token is the last name of the previous page.
    let after = match optional_string(input, "NextToken") {
        Some(token) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(&token)
                .map_err(|_| SqsError::invalid_parameter("Invalid NextToken value."))?;
            Some(
                String::from_utf8(bytes)
                    .map_err(|_| SqsError::invalid_parameter("Invalid NextToken value."))?,
            )
        }
        None => None,
    };
    let remaining: Vec<&String> = names
        .iter()
        .filter(|n| after.as_ref().is_none_or(|a| n.as_str() > a.as_str()))
        .collect();
    let page: Vec<&String> = remaining
        .iter()
        .take(max.unwrap_or(1000))
        .copied()
        .collect();
    let urls: Vec<String> = page
        .iter()
        .map(|n| QueueRef::new(&scope.region, &scope.account, n).url(endpoint))
        .collect();
    let mut out = Map::new();
    if !urls.is_empty() {
        out.insert("QueueUrls".into(), json!(urls));
    }
    if max.is_some() && remaining.len() > page.len() {
        if let Some(last) = page.last() {
            let token = base64::engine::general_purpose::STANDARD.encode(last.as_bytes());
            out.insert("NextToken".into(), json!(token));
        }
    }
    Ok(Value::Object(out))
}

async fn receive(sqs: &SqsService, q: &QueueRef, input: &Value) -> Result<Value, SqsError> {
    let max = int(input, "MaxNumberOfMessages")?.unwrap_or(1);
    let wait = match int(input, "WaitTimeSeconds")? {
        Some(w) if (0..=20).contains(&w) => Some(Duration::from_secs(w as u64)),
        Some(w) => {
            return Err(SqsError::invalid_parameter(format!(
                "Value {w} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided."
            )))
        }
        None => None,
    };
    let visibility = match int(input, "VisibilityTimeout")? {
        Some(v) if (0..=43_200).contains(&v) => Some(Duration::from_secs(v as u64)),
        Some(v) => {
            return Err(SqsError::invalid_parameter(format!(
                "Value {v} for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided."
            )))
        }
        None => None,
    };
    let options = ReceiveOptions {
        max: u32::try_from(max).unwrap_or(0),
        visibility,
        wait,
    };
    let mut system = string_list(input.get("AttributeNames"))?;
    system.extend(string_list(input.get("MessageSystemAttributeNames"))?);
    let user = string_list(input.get("MessageAttributeNames"))?;
    let messages = sqs.receive_messages(q, options).await?;
    let rendered: Vec<Value> = messages
        .into_iter()
        .map(|m| message_json(m, &system, &user))
        .collect();
    if rendered.is_empty() {
        return Ok(json!({}));
    }
    Ok(json!({ "Messages": rendered }))
}

/// A received message with the system and user attributes asked for; the
/// attributes digest covers exactly the attributes returned.
fn message_json(m: ReceivedMessage, system: &[String], user: &[String]) -> Value {
    let mut out = Map::new();
    out.insert("MessageId".into(), json!(m.message_id));
    out.insert("ReceiptHandle".into(), json!(m.receipt_handle));
    out.insert("MD5OfBody".into(), json!(m.md5_of_body));
    out.insert("Body".into(), json!(m.body));
    let attributes: BTreeMap<&String, &String> = m
        .attributes
        .iter()
        .filter(|(k, _)| system.iter().any(|s| s == "All" || s == *k))
        .collect();
    if !attributes.is_empty() {
        out.insert("Attributes".into(), json!(attributes));
    }
    let wanted = |name: &str| {
        user.iter().any(|u| {
            u == "All"
                || u == ".*"
                || u == name
                || u.strip_suffix(".*")
                    .is_some_and(|p| name.starts_with(&format!("{p}.")))
        })
    };
    let chosen: BTreeMap<String, MessageAttributeValue> = m
        .message_attributes
        .into_iter()
        .filter(|(k, _)| wanted(k))
        .collect();
    if let Some(md5) = md5_of_attributes(&chosen) {
        out.insert("MD5OfMessageAttributes".into(), json!(md5));
        let rendered: Map<String, Value> = chosen
            .into_iter()
            .map(|(k, v)| (k, attribute_json(&v)))
            .collect();
        out.insert("MessageAttributes".into(), Value::Object(rendered));
    }
    Value::Object(out)
}

fn attribute_json(v: &MessageAttributeValue) -> Value {
    let mut out = Map::new();
    out.insert("DataType".into(), json!(v.data_type));
    if let Some(s) = &v.string_value {
        out.insert("StringValue".into(), json!(s));
    }
    if let Some(b) = &v.binary_value {
        out.insert(
            "BinaryValue".into(),
            json!(base64::engine::general_purpose::STANDARD.encode(b)),
        );
    }
    Value::Object(out)
}

fn sent_json(sent: laminar_sqs::SentMessage, id: Option<Value>) -> Value {
    let mut out = Map::new();
    if let Some(id) = id {
        out.insert("Id".into(), id);
    }
    out.insert("MessageId".into(), json!(sent.message_id));
    out.insert("MD5OfMessageBody".into(), json!(sent.md5_of_body));
    if let Some(md5) = sent.md5_of_message_attributes {
        out.insert("MD5OfMessageAttributes".into(), json!(md5));
    }
    if let Some(seq) = sent.sequence_number {
        out.insert("SequenceNumber".into(), json!(seq));
    }
    Value::Object(out)
}

fn outgoing(input: &Value) -> Result<OutgoingMessage, SqsError> {
    let body = optional_string(input, "MessageBody")
        .ok_or_else(|| SqsError::missing_parameter("MessageBody"))?;
    let delay_seconds = match int(input, "DelaySeconds")? {
        Some(d) if (0..=900).contains(&d) => Some(d as u32),
        Some(d) => {
            return Err(SqsError::invalid_parameter(format!(
                "Value {d} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900."
            )))
        }
        None => None,
    };
    let mut message_attributes = BTreeMap::new();
    if let Some(Value::Object(map)) = input.get("MessageAttributes") {
        for (name, value) in map {
            message_attributes.insert(name.clone(), attribute_value(name, value)?);
        }
    }
    Ok(OutgoingMessage {
        body,
        delay_seconds,
        message_attributes,
        message_group_id: optional_string(input, "MessageGroupId"),
        message_deduplication_id: optional_string(input, "MessageDeduplicationId"),
    })
}

fn attribute_value(name: &str, value: &Value) -> Result<MessageAttributeValue, SqsError> {
    let data_type = optional_string(value, "DataType").ok_or_else(|| {
        SqsError::invalid_parameter(format!(
            "The message attribute '{name}' must contain non-empty message attribute type."
        ))
    })?;
    let binary_value = match optional_string(value, "BinaryValue") {
        Some(b) => Some(
            base64::engine::general_purpose::STANDARD
                .decode(b)
                .map_err(|_| {
                    SqsError::invalid_parameter(format!(
                        "The message attribute '{name}' has an invalid binary value."
                    ))
                })?,
        ),
        None => None,
    };
    Ok(MessageAttributeValue {
        data_type,
        string_value: optional_string(value, "StringValue"),
        binary_value,
    })
}

/// Batch entries, checked as SQS does before running any.
fn batch_entries(input: &Value) -> Result<Vec<&Value>, SqsError> {
    let entries: Vec<&Value> = match input.get("Entries") {
        Some(Value::Array(items)) => items.iter().collect(),
        _ => Vec::new(),
    };
    if entries.is_empty() {
        return Err(SqsError::empty_batch());
    }
    if entries.len() > MAX_BATCH_ENTRIES {
        return Err(SqsError::too_many_entries(entries.len()));
    }
    let mut seen = HashSet::new();
    for entry in &entries {
        let id = optional_string(entry, "Id").unwrap_or_default();
        let valid = !id.is_empty()
            && id.len() <= 80
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid {
            return Err(SqsError::invalid_batch_entry_id(&id));
        }
        if !seen.insert(id.clone()) {
            return Err(SqsError::batch_ids_not_distinct(&id));
        }
    }
    Ok(entries)
}

/// Runs each entry; failures go to `Failed` with their code.
fn batch(
    entries: Vec<&Value>,
    mut run: impl FnMut(&Value) -> Result<Value, SqsError>,
) -> Result<Value, SqsError> {
    let mut successful = Vec::new();
    let mut failed = Vec::new();
    for entry in entries {
        match run(entry) {
            Ok(v) => successful.push(v),
            Err(e) if e.status >= 500 => return Err(e),
            Err(e) => failed.push(json!({
                "Id": entry.get("Id"),
                "SenderFault": true,
                "Code": e.code,
                "Message": e.message,
            })),
        }
    }
    Ok(json!({ "Successful": successful, "Failed": failed }))
}

// -- input accessors (query inputs carry numbers as strings) --------------

fn optional_string(input: &Value, key: &str) -> Option<String> {
    match input.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn string(input: &Value, key: &str) -> Result<String, SqsError> {
    optional_string(input, key).ok_or_else(|| SqsError::missing_parameter(key))
}

fn int(input: &Value, key: &str) -> Result<Option<i64>, SqsError> {
    match input.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| {
            SqsError::invalid_parameter(format!("Value {n} for parameter {key} is invalid."))
        }),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| {
            SqsError::invalid_parameter(format!("Value {s} for parameter {key} is invalid."))
        }),
        Some(other) => Err(SqsError::invalid_parameter(format!(
            "Value {other} for parameter {key} is invalid."
        ))),
    }
}

fn required_int(input: &Value, key: &str) -> Result<i64, SqsError> {
    int(input, key)?.ok_or_else(|| SqsError::missing_parameter(key))
}

fn string_list(value: Option<&Value>) -> Result<Vec<String>, SqsError> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| SqsError::invalid_parameter("Expected a list of strings."))
            })
            .collect(),
        Some(_) => Err(SqsError::invalid_parameter("Expected a list of strings.")),
    }
}

fn string_map(value: Option<&Value>) -> Result<BTreeMap<String, String>, SqsError> {
    match value {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                Value::Number(n) => Ok((k.clone(), n.to_string())),
                Value::Bool(b) => Ok((k.clone(), b.to_string())),
                _ => Err(SqsError::invalid_attribute_value(k, "must be a string.")),
            })
            .collect(),
        Some(_) => Err(SqsError::invalid_parameter("Expected a map of strings.")),
    }
}
