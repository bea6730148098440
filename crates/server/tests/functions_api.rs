//! The control plane through the official Rust SDK: create, read, list,
//! update, delete, account settings, and the errors AWS gives for bad input.

mod common;

use aws_sdk_lambda::client::Waiters;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Environment, FunctionCode, Runtime};
use common::*;
use std::time::Duration;

const HANDLER: &str = "def handler(event, context):\n    return event\n";

#[tokio::test]
async fn create_get_update_delete_with_waiters() {
    let laminar = Laminar::start();
    let client = laminar.client();
    let zip = python_zip(HANDLER);
    let created = client
        .create_function()
        .function_name("crud")
        .runtime(Runtime::Python312)
        .handler("app.handler")
        .role(ROLE)
        .description("first")
        .timeout(10)
        .memory_size(256)
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(zip.clone()))
                .build(),
        )
        .tags("team", "core")
        .send()
        .await
        .unwrap();
    assert_eq!(
        created.function_arn(),
        Some("arn:aws:lambda:us-east-1:000000000000:function:crud")
    );
    assert_eq!(created.code_size(), zip.len() as i64);
    let digest = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(sha256(&zip))
    };
    assert_eq!(created.code_sha256(), Some(digest.as_str()));
    assert_eq!(created.version(), Some("$LATEST"));
    assert_eq!(created.memory_size(), Some(256));
    assert_eq!(created.timeout(), Some(10));
    let last_modified = created.last_modified().unwrap();
    assert!(
        last_modified.ends_with("+0000") && last_modified.len() == 28,
        "{last_modified}"
    );

    client
        .wait_until_function_active_v2()
        .function_name("crud")
        .wait(Duration::from_secs(10))
        .await
        .expect("function-active-v2 waiter");

    let got = client
        .get_function()
        .function_name("crud")
        .send()
        .await
        .unwrap();
    let config = got.configuration().unwrap();
    // Becoming Active gave the function a new revision, as in AWS.
    assert_ne!(config.revision_id(), created.revision_id());
    assert_eq!(
        got.tags().unwrap().get("team").map(String::as_str),
        Some("core")
    );
    let location = got.code().unwrap().location().unwrap().to_string();
    let downloaded = reqwest_get(&location).await;
    assert_eq!(downloaded, zip, "the code location serves the uploaded zip");

    let updated = client
        .update_function_configuration()
        .function_name("crud")
        .environment(Environment::builder().variables("GREETING", "hi").build())
        .description("second")
        .send()
        .await
        .unwrap();
    assert_ne!(updated.revision_id(), created.revision_id());
    assert_eq!(updated.description(), Some("second"));
    client
        .wait_until_function_updated_v2()
        .function_name("crud")
        .wait(Duration::from_secs(10))
        .await
        .expect("function-updated-v2 waiter");

    let new_zip = python_zip("def handler(event, context):\n    return 'v2'\n");
    let code = client
        .update_function_code()
        .function_name("crud")
        .zip_file(Blob::new(new_zip.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(code.code_size(), new_zip.len() as i64);
    assert_ne!(code.code_sha256(), created.code_sha256());
    wait_updated(&client, "crud").await;
    let (_, answer) = invoke_json(&client, "crud", serde_json::json!({})).await;
    assert_eq!(answer, "v2");

    let stale = client
        .update_function_configuration()
        .function_name("crud")
        .revision_id(created.revision_id().unwrap())
        .timeout(5)
        .send()
        .await
        .unwrap_err();
    assert!(stale
        .as_service_error()
        .unwrap()
        .is_precondition_failed_exception());

    client
        .delete_function()
        .function_name("crud")
        .send()
        .await
        .unwrap();
    let gone = client
        .get_function()
        .function_name("crud")
        .send()
        .await
        .unwrap_err();
    let gone = gone.into_service_error();
    assert!(gone.is_resource_not_found_exception());
    assert_eq!(
        gone.meta().message(),
        Some("Function not found: arn:aws:lambda:us-east-1:000000000000:function:crud")
    );
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).to_vec()
}

async fn reqwest_get(url: &str) -> Vec<u8> {
    // A plain HTTP GET over a TCP stream: the location is laminar's own URL.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    stream
        .write_all(
            format!("GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&response[..split]).to_string();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    response[split + 4..].to_vec()
}

#[tokio::test]
async fn list_functions_pages_with_marker() {
    let laminar = Laminar::start();
    let client = laminar.client();
    let zip = python_zip(HANDLER);
    for i in 0..7 {
        create(
            &client,
            &format!("page-{i}"),
            "python3.12",
            "app.handler",
            zip.clone(),
        )
        .await;
    }
    let mut names = Vec::new();
    let mut marker: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = client
            .list_functions()
            .max_items(3)
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        assert!(page.functions().len() <= 3);
        names.extend(
            page.functions()
                .iter()
                .map(|f| f.function_name().unwrap().to_string()),
        );
        marker = page.next_marker().map(str::to_string);
        if marker.is_none() {
            break;
        }
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = (0..7).map(|i| format!("page-{i}")).collect();
    assert_eq!(names, expected);

    // The SDK paginator walks the same pages.
    let all: Vec<_> = client
        .list_functions()
        .max_items(2)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    assert_eq!(all.len(), 7);

    let bad = client
        .list_functions()
        .max_items(0)
        .send()
        .await
        .unwrap_err();
    assert_eq!(bad.raw_response().unwrap().status().as_u16(), 400);
}

#[tokio::test]
async fn accounts_and_regions_are_separate() {
    let laminar = Laminar::start();
    let zip = python_zip(HANDLER);
    let a = laminar.client_for("111111111111", "us-east-1");
    let b = laminar.client_for("222222222222", "us-east-1");
    let a_west = laminar.client_for("111111111111", "eu-west-1");
    create(&a, "shared", "python3.12", "app.handler", zip.clone()).await;
    let arn = a
        .get_function()
        .function_name("shared")
        .send()
        .await
        .unwrap();
    assert_eq!(
        arn.configuration().unwrap().function_arn(),
        Some("arn:aws:lambda:us-east-1:111111111111:function:shared")
    );
    assert!(b
        .get_function()
        .function_name("shared")
        .send()
        .await
        .is_err());
    assert!(a_west
        .get_function()
        .function_name("shared")
        .send()
        .await
        .is_err());
    // Addressing by full ARN works in the right scope.
    a.get_function()
        .function_name("arn:aws:lambda:us-east-1:111111111111:function:shared")
        .send()
        .await
        .unwrap();
    let settings = a.get_account_settings().send().await.unwrap();
    assert_eq!(settings.account_usage().unwrap().function_count(), 1);
    assert_eq!(
        settings.account_limit().unwrap().concurrent_executions(),
        1000
    );
}

#[tokio::test]
async fn validation_errors_are_the_ones_aws_gives() {
    let laminar = Laminar::start();
    let client = laminar.client();
    let zip = python_zip(HANDLER);
    let base = || {
        client
            .create_function()
            .function_name("valid")
            .runtime(Runtime::Python312)
            .handler("app.handler")
            .role(ROLE)
            .code(
                FunctionCode::builder()
                    .zip_file(Blob::new(zip.clone()))
                    .build(),
            )
    };
    type CreateError = aws_sdk_lambda::error::SdkError<
        aws_sdk_lambda::operation::create_function::CreateFunctionError,
        aws_sdk_lambda::config::http::HttpResponse,
    >;
    let code_of = |e: &CreateError| -> (u16, String) {
        let raw = e.raw_response().expect("a response");
        let header = raw
            .headers()
            .get("x-amzn-ErrorType")
            .unwrap_or_default()
            .to_string();
        (raw.status().as_u16(), header)
    };

    let cases: Vec<(
        &str,
        aws_sdk_lambda::operation::create_function::builders::CreateFunctionFluentBuilder,
        u16,
        &str,
    )> = vec![
        (
            "memory too small",
            base().memory_size(64),
            400,
            "ValidationException",
        ),
        (
            "memory too large",
            base().memory_size(20_000),
            400,
            "ValidationException",
        ),
        (
            "timeout zero",
            base().timeout(0),
            400,
            "ValidationException",
        ),
        (
            "timeout too long",
            base().timeout(901),
            400,
            "ValidationException",
        ),
        (
            "unknown runtime",
            base().runtime(Runtime::from("python9.9")),
            400,
            "ValidationException",
        ),
        (
            "deprecated runtime",
            base().runtime(Runtime::Python27),
            400,
            "InvalidParameterValueException",
        ),
        (
            "bad name",
            base().function_name("has space"),
            400,
            "ValidationException",
        ),
        (
            "long name",
            base().function_name("x".repeat(65)),
            400,
            "ValidationException",
        ),
        (
            "bad role",
            base().role("not-a-role"),
            400,
            "ValidationException",
        ),
        (
            "bad handler",
            base().handler("has space"),
            400,
            "ValidationException",
        ),
        (
            "reserved variable",
            base().environment(Environment::builder().variables("AWS_REGION", "x").build()),
            400,
            "InvalidParameterValueException",
        ),
        (
            "variables over 4 KB",
            base().environment(
                Environment::builder()
                    .variables("BIG", "x".repeat(4100))
                    .build(),
            ),
            400,
            "InvalidParameterValueException",
        ),
        (
            "not a zip",
            base().code(
                FunctionCode::builder()
                    .zip_file(Blob::new(b"nope".to_vec()))
                    .build(),
            ),
            400,
            "InvalidParameterValueException",
        ),
        (
            "zip slip",
            base().code(
                FunctionCode::builder()
                    .zip_file(Blob::new(zip_of(&[("../../escape.py", b"x", 0o644)])))
                    .build(),
            ),
            400,
            "InvalidParameterValueException",
        ),
        (
            "no handler",
            base().set_handler(None),
            400,
            "InvalidParameterValueException",
        ),
    ];
    for (what, request, status, error_type) in cases {
        let err = request.send().await.expect_err(what);
        assert_eq!(
            code_of(&err),
            (status, error_type.to_string()),
            "{what}: {err:?}"
        );
    }

    base().send().await.unwrap();
    let dup = base().send().await.unwrap_err();
    assert!(dup
        .as_service_error()
        .unwrap()
        .is_resource_conflict_exception());
    assert_eq!(code_of(&dup).0, 409);

    let message = base()
        .function_name("other")
        .memory_size(64)
        .send()
        .await
        .unwrap_err()
        .into_service_error()
        .meta()
        .message()
        .unwrap()
        .to_string();
    assert_eq!(
        message,
        "1 validation error detected: Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128"
    );
}

#[tokio::test]
async fn unknown_paths_answer_an_aws_error_not_a_404_page() {
    let laminar = Laminar::start();
    let (status, headers, body) =
        http(&laminar.url, "GET", "/2015-03-31/nothing/here", &[], b"").await;
    assert_eq!(status, 404);
    let error_type = headers
        .iter()
        .find(|(k, _)| k == "x-amzn-errortype")
        .map(|(_, v)| v.as_str());
    assert_eq!(error_type, Some("UnknownOperationException"));
    assert!(headers.iter().any(|(k, _)| k == "x-amzn-requestid"));
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["Type"], "User");
}
