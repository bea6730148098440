//! Where an asynchronous invocation's outcome goes: the invocation record
//! for OnSuccess / OnFailure destinations, and the bare event for a
//! dead-letter queue.

use crate::queue::AsyncEvent;
use laminar_lambda_core::clock;
use laminar_sqs::{MessageAttributeValue, OutgoingMessage};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Why an event ended, as the invocation record's `condition` says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Condition {
    Success,
    RetriesExhausted,
    EventAgeExceeded,
    /// Reserved concurrency 0: the event goes to failure without a run.
    ZeroReservedConcurrency,
}

impl Condition {
    fn as_str(self) -> &'static str {
        match self {
            Self::Success => "Success",
            Self::RetriesExhausted => "RetriesExhausted",
            Self::EventAgeExceeded => "EventAgeExceeded",
            Self::ZeroReservedConcurrency => "ZeroReservedConcurrency",
        }
    }
}

/// The last run's answer, when there was one.
#[derive(Clone, Debug)]
pub(crate) struct LastResponse {
    pub executed_version: String,
    pub function_error: bool,
    pub body: bytes::Bytes,
}

/// A JSON document as a value; anything else as a string.
fn as_json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

/// The invocation record AWS sends to destinations (version 1.0).
pub(crate) fn invocation_record(
    event: &AsyncEvent,
    function_arn: &str,
    condition: Condition,
    last: Option<&LastResponse>,
) -> Value {
    let qualified_arn = format!(
        "{function_arn}:{}",
        event.qualifier.as_deref().unwrap_or("$LATEST")
    );
    let mut record = json!({
        "version": "1.0",
        "timestamp": clock::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        "requestContext": {
            "requestId": event.id,
            "functionArn": qualified_arn,
            "condition": condition.as_str(),
            "approximateInvokeCount": event.invoke_count,
        },
        "requestPayload": as_json(event.payload.as_bytes()),
    });
    if let Some(last) = last {
        let mut context = json!({
            "statusCode": 200,
            "executedVersion": last.executed_version,
        });
        if last.function_error {
            context["functionError"] = json!("Unhandled");
        }
        record["responseContext"] = context;
        record["responsePayload"] = as_json(&last.body);
    }
    record
}

/// The message a dead-letter queue receives: the event itself, with the
/// request id and the error in message attributes.
pub(crate) fn dead_letter_message(
    event: &AsyncEvent,
    last: Option<&LastResponse>,
) -> OutgoingMessage {
    let error_message = last
        .and_then(|l| serde_json::from_slice::<Value>(&l.body).ok())
        .and_then(|v| {
            v.get("errorMessage")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_else(|| "Event could not be processed".to_string());
    let string = |value: String| MessageAttributeValue {
        data_type: "String".into(),
        string_value: Some(value),
        binary_value: None,
    };
    let mut attributes = BTreeMap::new();
    attributes.insert("RequestID".to_string(), string(event.id.clone()));
    attributes.insert(
        "ErrorCode".to_string(),
        MessageAttributeValue {
            data_type: "Number".into(),
            string_value: Some("200".into()),
            binary_value: None,
        },
    );
    attributes.insert("ErrorMessage".to_string(), string(error_message));
    OutgoingMessage {
        body: event.payload.clone(),
        message_attributes: attributes,
        ..OutgoingMessage::default()
    }
}

/// The PutEvents entry of an invocation record sent to an event bus: source
/// `lambda`, detail type `Lambda Function Invocation Result - Success` (or
/// `- Failure`), the bus and the function as resources, the record as detail.
pub(crate) fn bus_entry(bus_arn: &str, record: &Value) -> laminar_events::EventEntry {
    let context = &record["requestContext"];
    let outcome = if context["condition"] == "Success" {
        "Success"
    } else {
        "Failure"
    };
    let function = context["functionArn"].as_str().unwrap_or_default();
    laminar_events::EventEntry {
        source: Some("lambda".into()),
        detail_type: Some(format!("Lambda Function Invocation Result - {outcome}")),
        detail: Some(record.to_string()),
        resources: vec![bus_arn.to_string(), function.to_string()],
        ..laminar_events::EventEntry::default()
    }
}

/// The kinds of destination ARN laminar can deliver to.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Destination<'a> {
    Queue(&'a str),
    Function {
        account: &'a str,
        region: &'a str,
        name: &'a str,
        qualifier: Option<&'a str>,
    },
    Topic(&'a str),
    /// An EventBridge event bus.
    Bus(&'a str),
    /// S3: laminar does not deliver records there.
    Unsupported(&'a str),
}

pub(crate) fn destination(arn: &str) -> Destination<'_> {
    let parts: Vec<&str> = arn.splitn(8, ':').collect();
    match parts.as_slice() {
        ["arn", _, "sqs", _, _, _] => Destination::Queue(arn),
        ["arn", _, "sns", _, _, _] => Destination::Topic(arn),
        ["arn", _, "events", _, _, bus] if bus.starts_with("event-bus/") => Destination::Bus(arn),
        ["arn", _, "lambda", region, account, "function", name] => Destination::Function {
            account,
            region,
            name,
            qualifier: None,
        },
        ["arn", _, "lambda", region, account, "function", name, qualifier] => {
            Destination::Function {
                account,
                region,
                name,
                qualifier: Some(qualifier),
            }
        }
        _ => Destination::Unsupported(arn),
    }
}

/// What the console lists of an event that failed for good: when, after how
/// many runs, why, the function's last error, and where it went (`Destinations`
/// empty: it was dropped).
pub(crate) fn failure_summary(
    event: &AsyncEvent,
    condition: Condition,
    last: Option<&LastResponse>,
    went: Vec<Value>,
) -> Value {
    let error = last.filter(|l| l.function_error).map(|l| as_json(&l.body));
    json!({
        "RequestId": event.id,
        "Account": event.account,
        "Region": event.region,
        "FunctionName": event.function_name,
        "Qualifier": event.qualifier,
        "ReceivedMs": event.received_ms,
        "FailedMs": clock::now_ms(),
        "Attempts": event.invoke_count,
        "Condition": condition.as_str(),
        "Error": error,
        "Destinations": went,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> AsyncEvent {
        AsyncEvent {
            id: "req-1".into(),
            account: "000000000000".into(),
            region: "us-east-1".into(),
            function_name: "f".into(),
            qualifier: None,
            payload: "{\"a\":1}".into(),
            client_context: None,
            received_ms: 0,
            invoke_count: 3,
            function_errors: 3,
            throttles: 0,
            due_ms: 0,
            tenant_id: None,
        }
    }

    #[test]
    fn records_carry_request_and_response() {
        let last = LastResponse {
            executed_version: "$LATEST".into(),
            function_error: true,
            body: bytes::Bytes::from_static(b"{\"errorMessage\":\"boom\"}"),
        };
        let arn = "arn:aws:lambda:us-east-1:000000000000:function:f";
        let record = invocation_record(&event(), arn, Condition::RetriesExhausted, Some(&last));
        assert_eq!(record["version"], "1.0");
        assert_eq!(
            record["requestContext"]["functionArn"],
            format!("{arn}:$LATEST")
        );
        assert_eq!(record["requestContext"]["condition"], "RetriesExhausted");
        assert_eq!(record["requestContext"]["approximateInvokeCount"], 3);
        assert_eq!(record["requestPayload"]["a"], 1);
        assert_eq!(record["responseContext"]["functionError"], "Unhandled");
        assert_eq!(record["responsePayload"]["errorMessage"], "boom");
        let dlq = dead_letter_message(&event(), Some(&last));
        assert_eq!(dlq.body, "{\"a\":1}");
        assert_eq!(
            dlq.message_attributes["ErrorMessage"]
                .string_value
                .as_deref(),
            Some("boom")
        );
    }

    #[test]
    fn a_bus_gets_the_record_as_an_invocation_result_event() {
        let arn = "arn:aws:lambda:us-east-1:000000000000:function:f";
        let bus = "arn:aws:events:us-east-1:000000000000:event-bus/default";
        let record = invocation_record(&event(), arn, Condition::RetriesExhausted, None);
        let entry = bus_entry(bus, &record);
        assert_eq!(entry.source.as_deref(), Some("lambda"));
        assert_eq!(
            entry.detail_type.as_deref(),
            Some("Lambda Function Invocation Result - Failure")
        );
        assert_eq!(entry.resources, [bus.to_string(), format!("{arn}:$LATEST")]);
        let detail: Value = serde_json::from_str(entry.detail.as_deref().unwrap_or_default())
            .expect("the record as JSON");
        assert_eq!(detail, record);
        let success = invocation_record(&event(), arn, Condition::Success, None);
        assert_eq!(
            bus_entry(bus, &success).detail_type.as_deref(),
            Some("Lambda Function Invocation Result - Success")
        );
    }

    #[test]
    fn destination_arns_are_told_apart() {
        assert_eq!(
            destination("arn:aws:sqs:us-east-1:000000000000:q"),
            Destination::Queue("arn:aws:sqs:us-east-1:000000000000:q")
        );
        assert_eq!(
            destination("arn:aws:lambda:eu-west-1:111111111111:function:g:live"),
            Destination::Function {
                account: "111111111111",
                region: "eu-west-1",
                name: "g",
                qualifier: Some("live"),
            }
        );
        assert_eq!(
            destination("arn:aws:sns:us-east-1:000000000000:t"),
            Destination::Topic("arn:aws:sns:us-east-1:000000000000:t")
        );
        assert_eq!(
            destination("arn:aws:events:us-east-1:000000000000:event-bus/default"),
            Destination::Bus("arn:aws:events:us-east-1:000000000000:event-bus/default")
        );
        assert!(matches!(
            destination("arn:aws:s3:::bucket"),
            Destination::Unsupported(_)
        ));
    }
}
