//! InvokeWithResponseStream through the official Rust SDK (which parses the
//! event stream), against a buffered function and a custom runtime that
//! streams its response chunk by chunk with the Runtime API's streaming mode.

mod common;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::InvokeWithResponseStreamResponseEvent as Event;
use common::*;
use std::path::Path;
use std::time::Duration;

/// A custom runtime in Python that streams: chunks of the event's `parts`;
/// before each later chunk it waits for the file `gate` (if given) to exist,
/// so the test can prove the first chunk arrived before the rest was made.
/// `{"fail": true}` ends the stream with an error in the trailers;
/// `"repeat": n` sends the parts n times.
const STREAMING_BOOTSTRAP: &str = r#"#!/usr/bin/env python3
import base64, http.client, json, os, socket, time

host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")

def call(method, path, body=b"", headers=None):
    conn = http.client.HTTPConnection(host, int(port))
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    return response, data

while True:
    response, body = call("GET", "/2018-06-01/runtime/invocation/next")
    request_id = response.getheader("Lambda-Runtime-Aws-Request-Id")
    event = json.loads(body)
    sock = socket.create_connection((host, int(port)))
    head = (
        f"POST /2018-06-01/runtime/invocation/{request_id}/response HTTP/1.1\r\n"
        f"Host: {host}\r\n"
        "Lambda-Runtime-Function-Response-Mode: streaming\r\n"
        "Transfer-Encoding: chunked\r\n"
        "Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n\r\n"
    )
    sock.sendall(head.encode())
    parts = event["parts"] * event.get("repeat", 1)
    for i, part in enumerate(parts):
        if i > 0 and event.get("gate"):
            while not os.path.exists(event["gate"]):
                time.sleep(0.01)
        data = part.encode()
        sock.sendall(f"{len(data):x}\r\n".encode() + data + b"\r\n")
    if event.get("fail"):
        error = base64.b64encode(json.dumps({"errorType": "StreamBroke", "errorMessage": "midway"}).encode()).decode()
        sock.sendall(b"0\r\nLambda-Runtime-Function-Error-Type: StreamBroke\r\nLambda-Runtime-Function-Error-Body: " + error.encode() + b"\r\n\r\n")
    else:
        sock.sendall(b"0\r\n\r\n")
    sock.recv(4096)
    sock.close()
"#;

async fn collect(
    mut stream: aws_sdk_lambda::operation::invoke_with_response_stream::InvokeWithResponseStreamOutput,
    mut on_chunk: impl FnMut(&[u8]),
) -> (Vec<Vec<u8>>, Option<String>, Option<String>) {
    let mut chunks = Vec::new();
    let mut error = None;
    let mut log = None;
    while let Some(event) = stream.event_stream.recv().await.unwrap() {
        match event {
            Event::PayloadChunk(chunk) => {
                let bytes = chunk.payload().unwrap().as_ref().to_vec();
                on_chunk(&bytes);
                chunks.push(bytes);
            }
            Event::InvokeComplete(done) => {
                error = done.error_code().map(str::to_string);
                log = done.log_result().map(str::to_string);
            }
            _ => {}
        }
    }
    (chunks, error, log)
}

#[tokio::test]
async fn a_buffered_function_answers_in_one_chunk() {
    let laminar = Laminar::start();
    let client = laminar.client();
    create(
        &client,
        "buffered",
        "python3.12",
        "app.handler",
        python_zip(
            "def handler(event, context):\n    print('logged')\n    return {'all': 'at once'}\n",
        ),
    )
    .await;
    let out = client
        .invoke_with_response_stream()
        .function_name("buffered")
        .log_type(aws_sdk_lambda::types::LogType::Tail)
        .send()
        .await
        .unwrap();
    assert_eq!(out.executed_version(), Some("$LATEST"));
    let (chunks, error, log) = collect(out, |_| {}).await;
    assert_eq!(chunks.concat(), br#"{"all": "at once"}"#);
    assert_eq!(error, None);
    use base64::Engine;
    let log = base64::engine::general_purpose::STANDARD
        .decode(log.unwrap())
        .unwrap();
    assert!(String::from_utf8(log).unwrap().contains("logged"));
}

#[tokio::test]
async fn a_streaming_runtime_streams_chunk_by_chunk() {
    let laminar = Laminar::start();
    let client = laminar.client();
    create(
        &client,
        "streamer",
        "provided.al2023",
        "unused",
        zip_of(&[("bootstrap", STREAMING_BOOTSTRAP.as_bytes(), 0o755)]),
    )
    .await;
    client
        .update_function_configuration()
        .function_name("streamer")
        .timeout(20)
        .send()
        .await
        .unwrap();
    wait_updated(&client, "streamer").await;
    let dir = tempfile::tempdir().unwrap();
    let gate = dir.path().join("gate");
    let event = serde_json::json!({"parts": ["first ", "second ", "third"], "gate": gate});
    let out = client
        .invoke_with_response_stream()
        .function_name("streamer")
        .payload(Blob::new(event.to_string()))
        .send()
        .await
        .unwrap();
    // The function only sends the second chunk once the gate exists, and the
    // gate is only created once the first chunk has arrived here.
    let gate_path = gate.clone();
    let (chunks, error, _) = tokio::time::timeout(
        Duration::from_secs(15),
        collect(out, move |_| {
            if !Path::new(&gate_path).exists() {
                std::fs::write(&gate_path, b"open").unwrap();
            }
        }),
    )
    .await
    .expect("the stream ended");
    assert_eq!(error, None);
    assert_eq!(chunks.concat(), b"first second third");
    assert!(chunks.len() >= 2, "{chunks:?}");

    let failing = serde_json::json!({"parts": ["partial"], "fail": true});
    let out = client
        .invoke_with_response_stream()
        .function_name("streamer")
        .payload(Blob::new(failing.to_string()))
        .send()
        .await
        .unwrap();
    let (chunks, error, _) = collect(out, |_| {}).await;
    assert_eq!(chunks.concat(), b"partial");
    assert_eq!(error.as_deref(), Some("StreamBroke"));
}

#[tokio::test]
async fn a_stream_past_200_mb_ends_with_response_size_too_large() {
    let laminar = Laminar::start();
    let client = laminar.client();
    create(
        &client,
        "big-streamer",
        "provided.al2023",
        "unused",
        zip_of(&[("bootstrap", STREAMING_BOOTSTRAP.as_bytes(), 0o755)]),
    )
    .await;
    client
        .update_function_configuration()
        .function_name("big-streamer")
        .timeout(120)
        .send()
        .await
        .unwrap();
    wait_updated(&client, "big-streamer").await;
    // 201 parts of 1 MiB: one more than the limit allows.
    let part = "x".repeat(1 << 20);
    let event = serde_json::json!({"parts": [part], "repeat": 201});
    let out = client
        .invoke_with_response_stream()
        .function_name("big-streamer")
        .payload(Blob::new(event.to_string()))
        .send()
        .await
        .unwrap();
    let mut received = 0usize;
    let (_, error, _) = tokio::time::timeout(
        Duration::from_secs(120),
        collect(out, |chunk| received += chunk.len()),
    )
    .await
    .expect("the stream ended");
    assert_eq!(error.as_deref(), Some("Function.ResponseSizeTooLarge"));
    // Everything up to the limit was passed on, nothing beyond it.
    assert!(received <= 200 << 20, "{received}");
    assert!(received >= 199 << 20, "{received}");
}

#[tokio::test]
async fn stream_invocations_of_unknown_functions_fail_up_front() {
    let laminar = Laminar::start();
    let client = laminar.client();
    let err = client
        .invoke_with_response_stream()
        .function_name("nope")
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_resource_not_found_exception());
}
