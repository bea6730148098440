//! Kinesis Data Streams on the wire: JSON 1.1 (`X-Amz-Target:
//! Kinesis_20131202.*`). Requests are checked against the model's
//! constraints (`laminar_kinesis::CONSTRAINTS`) before the service sees them;
//! errors are status, `x-amzn-ErrorType` and `{"__type", "message"}`.
//! CBOR (`application/x-amz-cbor-1.1`) is not served: see README.md.

use crate::render;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use laminar_kinesis::{Caller, KinesisError, KinesisResult, KinesisService};
use laminar_lambda::Scope;
use laminar_model::constraints::Constraints;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::OnceLock;

const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
/// PutRecords carries up to 5 MiB of data, a third more as base64.
const BODY_MAX_BYTES: usize = 8 * 1024 * 1024;

fn constraints() -> &'static Constraints {
    static CONSTRAINTS: OnceLock<Constraints> = OnceLock::new();
    CONSTRAINTS.get_or_init(|| Constraints::parse(laminar_kinesis::CONSTRAINTS))
}

pub async fn serve(
    kinesis: &KinesisService,
    scope: &Scope,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    let operation = crate::request::target_operation(headers, "Kinesis_20131202.");
    let cbor = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("cbor"));
    if cbor {
        return error(&KinesisError {
            code: "UnsupportedMediaTypeException",
            message: "laminar's Kinesis speaks JSON 1.1 only; switch CBOR off in the client \
                      (AWS_CBOR_DISABLE=true or -Dcom.amazonaws.sdk.disableCbor=true)."
                .into(),
            status: 415,
        });
    }
    let Ok(body) = axum::body::to_bytes(body, BODY_MAX_BYTES).await else {
        return error(&KinesisError::invalid("Request too large"));
    };
    if let Err(e) = constraints().check_body(&operation, &body) {
        return error(&KinesisError::validation(e.message));
    }
    let kinesis = kinesis.clone();
    let scope = scope.clone();
    // SQLite work (a commit is an fsync with --data-dir) stays off the async workers.
    let outcome =
        tokio::task::spawn_blocking(move || dispatch(&kinesis, &scope, &operation, &body)).await;
    match outcome {
        Ok(Ok(value)) => ok(value),
        Ok(Err(e)) => error(&e),
        Err(e) => error(&KinesisError::internal(format!(
            "the operation failed: {e}"
        ))),
    }
}

fn dispatch(
    kinesis: &KinesisService,
    scope: &Scope,
    operation: &str,
    body: &[u8],
) -> KinesisResult<serde_json::Value> {
    let caller = Caller {
        account: scope.account.as_str(),
        region: scope.region.as_str(),
    };
    let k = kinesis;
    match operation {
        "CreateStream" => unit(k.create_stream(caller, input(body)?)),
        "DeleteStream" => unit(k.delete_stream(caller, input(body)?)),
        "DescribeStream" => output(k.describe_stream(caller, input(body)?)),
        "DescribeStreamSummary" => output(k.describe_stream_summary(caller, input(body)?)),
        "ListStreams" => output(k.list_streams(caller, input(body)?)),
        "ListShards" => output(k.list_shards(caller, input(body)?)),
        "PutRecord" => output(k.put_record(caller, input(body)?)),
        "PutRecords" => output(k.put_records(caller, input(body)?)),
        "GetShardIterator" => output(k.get_shard_iterator(caller, input(body)?)),
        "GetRecords" => output(k.get_records(input(body)?)),
        "IncreaseStreamRetentionPeriod" => unit(k.increase_retention(caller, input(body)?)),
        "DecreaseStreamRetentionPeriod" => unit(k.decrease_retention(caller, input(body)?)),
        "AddTagsToStream" => unit(k.add_tags(caller, input(body)?)),
        "RemoveTagsFromStream" => unit(k.remove_tags(caller, input(body)?)),
        "ListTagsForStream" => output(k.list_tags(caller, input(body)?)),
        "SplitShard" => unit(k.split_shard(caller, input(body)?)),
        "MergeShards" => unit(k.merge_shards(caller, input(body)?)),
        "UpdateShardCount" => output(k.update_shard_count(caller, input(body)?)),
        "RegisterStreamConsumer" => output(k.register_consumer(input(body)?)),
        "DescribeStreamConsumer" => output(k.describe_consumer(input(body)?)),
        "ListStreamConsumers" => output(k.list_consumers(input(body)?)),
        "DeregisterStreamConsumer" => unit(k.deregister_consumer(input(body)?)),
        other => Err(KinesisError {
            code: "UnknownOperationException",
            message: format!("The operation {other} is not supported by laminar's Kinesis."),
            status: 400,
        }),
    }
}

fn input<T: DeserializeOwned + Default>(body: &[u8]) -> KinesisResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| KinesisError {
        code: "SerializationException",
        message: format!("The request body could not be read: {e}"),
        status: 400,
    })
}

fn unit(result: KinesisResult<()>) -> KinesisResult<serde_json::Value> {
    result.map(|()| serde_json::json!({}))
}

fn output<T: Serialize>(result: KinesisResult<T>) -> KinesisResult<serde_json::Value> {
    let value = result?;
    serde_json::to_value(value)
        .map_err(|e| KinesisError::internal(format!("could not render the answer: {e}")))
}

fn ok(value: serde_json::Value) -> Response {
    render::raw(200, CONTENT_TYPE, value.to_string())
}

fn error(e: &KinesisError) -> Response {
    let body = serde_json::json!({ "__type": e.code, "message": e.message });
    let mut response = render::raw(e.status, CONTENT_TYPE, body.to_string());
    response
        .headers_mut()
        .insert("x-amzn-errortype", HeaderValue::from_static(e.code));
    response
}
