//! The docker executor against a real engine, with the official image names
//! (built offline by scripts/build-test-images.sh) and the official runtime
//! clients inside the containers.
//!
//! Without a Docker engine these tests say so and pass, unless
//! `LAMINAR_REQUIRE_DOCKER=1` (CI) makes a missing engine a failure.

mod common;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, PackageType, State};
use bollard::query_parameters::ListContainersOptions;
use bollard::Docker;
use common::*;
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;

const PYTHON: &str = r#"
import os, socket, time

def handler(event, context):
    path = "/tmp/count"
    count = int(open(path).read()) + 1 if os.path.exists(path) else 1
    with open(path, "w") as f:
        f.write(str(count))
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("alloc_mb"):
        hog = [bytearray(1024 * 1024) for _ in range(event["alloc_mb"])]
    print("in a container")
    return {
        "count": count,
        "host": socket.gethostname(),
        "memory": context.memory_limit_in_mb,
        "task_root": os.environ["LAMBDA_TASK_ROOT"],
        "event": event,
    }
"#;

const PYTHON_IMAGE: &str = "public.ecr.aws/lambda/python:3.11";
const PROVIDED_IMAGE: &str = "public.ecr.aws/lambda/provided:al2023";
const FUNCTION_IMAGE: &str = "laminar-test/image-function:latest";

/// The engine, or `None` (and a note) where there is none and none is required.
async fn engine() -> Option<Docker> {
    let docker = Docker::connect_with_defaults().ok();
    let answers = match &docker {
        Some(d) => d.ping().await.is_ok(),
        None => false,
    };
    if answers {
        for image in [PYTHON_IMAGE, PROVIDED_IMAGE, FUNCTION_IMAGE] {
            let present = docker.as_ref().unwrap().inspect_image(image).await.is_ok();
            assert!(
                present,
                "{image} is missing: run scripts/build-test-images.sh"
            );
        }
        return docker;
    }
    assert!(
        std::env::var("LAMINAR_REQUIRE_DOCKER").as_deref() != Ok("1"),
        "LAMINAR_REQUIRE_DOCKER=1 but no Docker engine answers"
    );
    eprintln!("no Docker engine: docker executor test not run");
    None
}

/// Containers laminar labelled with this function ARN.
async fn containers_of(docker: &Docker, function: &str) -> Vec<String> {
    let arn = format!("arn:aws:lambda:us-east-1:000000000000:function:{function}");
    let filters = HashMap::from([(
        "label".to_string(),
        vec![format!("dev.laminar.function-arn={arn}")],
    )]);
    let options = ListContainersOptions {
        all: true,
        filters: Some(filters),
        ..Default::default()
    };
    docker
        .list_containers(Some(options))
        .await
        .unwrap()
        .into_iter()
        .filter_map(|c| c.id)
        .collect()
}

async fn eventually_async<F, Fut>(timeout: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if check().await {
            return true;
        }
        if std::time::Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn python_zip_function_runs_in_the_official_image_and_stays_warm() {
    let Some(docker) = engine().await else { return };
    // A cold start: no container initialized ahead of demand.
    let laminar = Laminar::start_executor("docker", &["--prewarm", "0"]);
    let client = laminar.client();
    create(
        &client,
        "py",
        "python3.11",
        "app.handler",
        python_zip(PYTHON),
    )
    .await;
    wait_active(&client, "py").await;

    let out = client
        .invoke()
        .function_name("py")
        .payload(Blob::new(r#"{"hello": "docker"}"#))
        .log_type(aws_sdk_lambda::types::LogType::Tail)
        .send()
        .await
        .unwrap();
    assert_eq!(out.function_error(), None);
    let first: serde_json::Value = serde_json::from_slice(out.payload().unwrap().as_ref()).unwrap();
    assert_eq!(first["event"], json!({"hello": "docker"}));
    assert_eq!(first["memory"], "128");
    assert_eq!(first["task_root"], "/var/task");
    use base64::Engine;
    let log = base64::engine::general_purpose::STANDARD
        .decode(out.log_result().unwrap())
        .unwrap();
    let log = String::from_utf8(log).unwrap();
    assert!(log.contains("in a container"), "{log}");
    assert!(log.contains("Init Duration"), "{log}");

    let (_, second) = invoke_json(&client, "py", json!({})).await;
    assert_eq!(second["count"], 2, "the warm container answered again");
    assert_eq!(second["host"], first["host"]);
    assert_eq!(containers_of(&docker, "py").await.len(), 1);
}

#[tokio::test]
async fn official_rust_runtime_runs_in_provided_al2023() {
    let Some(_docker) = engine().await else {
        return;
    };
    let laminar = Laminar::start_executor("docker", &[]);
    let client = laminar.client();
    create(
        &client,
        "rs",
        "provided.al2023",
        "bootstrap",
        rust_bootstrap_zip(),
    )
    .await;
    wait_active(&client, "rs").await;
    let (error, body) = invoke_json(&client, "rs", json!({"from": "container"})).await;
    assert_eq!(error, None, "{body}");
    assert_eq!(body["echo"], json!({"from": "container"}));
    assert_eq!(body["function_name"], "rs");
}

#[tokio::test]
async fn container_image_function_runs_its_own_entrypoint() {
    let Some(_docker) = engine().await else {
        return;
    };
    let laminar = Laminar::start_executor("docker", &[]);
    let client = laminar.client();
    client
        .create_function()
        .function_name("img")
        .package_type(PackageType::Image)
        .role(ROLE)
        .code(FunctionCode::builder().image_uri(FUNCTION_IMAGE).build())
        .send()
        .await
        .unwrap();
    wait_active(&client, "img").await;
    let f = client
        .get_function()
        .function_name("img")
        .send()
        .await
        .unwrap();
    assert_eq!(f.code().unwrap().image_uri(), Some(FUNCTION_IMAGE));
    assert_eq!(f.code().unwrap().repository_type(), Some("ECR"));
    let (error, body) = invoke_json(&client, "img", json!({"k": 1})).await;
    assert_eq!(error, None, "{body}");
    assert_eq!(body["image"], true);
    assert_eq!(body["event"], json!({"k": 1}));
    assert_eq!(body["cwd"], "/var/task");
}

#[tokio::test]
async fn a_missing_image_leaves_the_function_failed() {
    let Some(_docker) = engine().await else {
        return;
    };
    let laminar = Laminar::start_executor("docker", &["--image-prefix", "localhost:1/nowhere/"]);
    let client = laminar.client_without_retries();
    create_unwaited(
        &client,
        "noimage",
        "python3.12",
        "app.handler",
        python_zip(PYTHON),
    )
    .await;
    let mut state = None;
    for _ in 0..100 {
        let c = client
            .get_function_configuration()
            .function_name("noimage")
            .send()
            .await
            .unwrap();
        if c.state() != Some(&State::Pending) {
            state = Some(c);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let c = state.expect("the function left Pending");
    assert_eq!(c.state(), Some(&State::Failed));
    assert!(
        c.state_reason()
            .unwrap()
            .contains("localhost:1/nowhere/python:3.12"),
        "{:?}",
        c.state_reason()
    );
    let err = client
        .invoke()
        .function_name("noimage")
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_resource_conflict_exception());
}

#[tokio::test]
async fn concurrent_invokes_get_their_own_containers_within_the_limit() {
    let Some(docker) = engine().await else { return };
    // Counts containers: none initialized ahead of demand.
    let laminar =
        Laminar::start_executor("docker", &["--account-concurrency", "2", "--prewarm", "0"]);
    let client = laminar.client_without_retries();
    create(
        &client,
        "par",
        "python3.11",
        "app.handler",
        python_zip(PYTHON),
    )
    .await;
    wait_active(&client, "par").await;
    let slow = || invoke_json(&client, "par", json!({"sleep": 1.5}));
    let late = async {
        tokio::time::sleep(Duration::from_millis(700)).await;
        client.invoke().function_name("par").send().await
    };
    let (a, b, c) = tokio::join!(slow(), slow(), late);
    assert_ne!(
        a.1["host"], b.1["host"],
        "two containers served two concurrent invokes"
    );
    let throttled = c.unwrap_err();
    assert!(throttled
        .into_service_error()
        .is_too_many_requests_exception());
    assert_eq!(containers_of(&docker, "par").await.len(), 2);
}

#[tokio::test]
async fn memory_limit_and_timeout_end_in_errors_then_a_fresh_container() {
    let Some(_docker) = engine().await else {
        return;
    };
    let laminar = Laminar::start_executor("docker", &[]);
    let client = laminar.client();
    create(
        &client,
        "hog",
        "python3.11",
        "app.handler",
        python_zip(PYTHON),
    )
    .await;
    client
        .update_function_configuration()
        .function_name("hog")
        .timeout(2)
        .send()
        .await
        .unwrap();
    wait_updated(&client, "hog").await;

    let (_, first) = invoke_json(&client, "hog", json!({})).await;
    let (error, body) = invoke_json(&client, "hog", json!({"alloc_mb": 400})).await;
    assert_eq!(error.as_deref(), Some("Unhandled"), "{body}");
    // The kernel's kill for memory, as AWS reports it.
    assert_eq!(body["errorType"], "Runtime.OutOfMemory", "{body}");
    let message = body["errorMessage"].as_str().unwrap_or_default();
    assert!(
        message.ends_with(" Error: Runtime exited with error: signal: killed"),
        "{body}"
    );
    let (error, after) = invoke_json(&client, "hog", json!({})).await;
    assert_eq!(error, None);
    assert_eq!(after["count"], 1, "a fresh container after the memory kill");
    assert_ne!(after["host"], first["host"]);

    let (error, body) = invoke_json(&client, "hog", json!({"sleep": 5})).await;
    assert_eq!(error.as_deref(), Some("Unhandled"));
    assert_eq!(body["errorType"], "Sandbox.Timedout");
    let (error, fresh) = invoke_json(&client, "hog", json!({})).await;
    assert_eq!(error, None);
    assert_eq!(fresh["count"], 1, "a fresh container after the timeout");
}

#[tokio::test]
async fn containers_go_with_delete_shutdown_and_crashes() {
    let Some(docker) = engine().await else { return };
    // Counts containers: none initialized ahead of demand.
    let laminar = Laminar::start_executor("docker", &["--prewarm", "0"]);
    let client = laminar.client();
    for name in ["gone", "kept"] {
        create(
            &client,
            name,
            "python3.11",
            "app.handler",
            python_zip(PYTHON),
        )
        .await;
        wait_active(&client, name).await;
        invoke_json(&client, name, json!({})).await;
        assert_eq!(containers_of(&docker, name).await.len(), 1);
    }
    client
        .delete_function()
        .function_name("gone")
        .send()
        .await
        .unwrap();
    assert!(
        eventually_async(Duration::from_secs(15), || async {
            containers_of(&docker, "gone").await.is_empty()
        })
        .await,
        "DeleteFunction removed its container"
    );
    assert!(laminar.terminate().success());
    assert!(
        containers_of(&docker, "kept").await.is_empty(),
        "a clean shutdown leaves no container"
    );

    // A crash leaves containers behind; the next start-up removes them.
    // (None initialized ahead of demand, so that one is counted.)
    let laminar = Laminar::start_executor("docker", &["--prewarm", "0"]);
    let client = laminar.client();
    create(
        &client,
        "orphan",
        "python3.11",
        "app.handler",
        python_zip(PYTHON),
    )
    .await;
    wait_active(&client, "orphan").await;
    invoke_json(&client, "orphan", json!({})).await;
    laminar.kill_hard();
    assert_eq!(
        containers_of(&docker, "orphan").await.len(),
        1,
        "kill -9 left the container"
    );
    let _restarted = Laminar::start_executor("docker", &[]);
    assert!(
        eventually_async(Duration::from_secs(15), || async {
            containers_of(&docker, "orphan").await.is_empty()
        })
        .await,
        "orphans reaped at start-up"
    );
}

#[tokio::test]
async fn image_config_overrides_the_image_command() {
    let Some(_docker) = engine().await else {
        return;
    };
    let laminar = Laminar::start_executor("docker", &[]);
    let client = laminar.client();
    client
        .create_function()
        .function_name("img-other")
        .package_type(PackageType::Image)
        .role(ROLE)
        .code(FunctionCode::builder().image_uri(FUNCTION_IMAGE).build())
        .image_config(
            aws_sdk_lambda::types::ImageConfig::builder()
                .command("app.other")
                .build(),
        )
        .send()
        .await
        .unwrap();
    wait_active(&client, "img-other").await;
    let c = client
        .get_function_configuration()
        .function_name("img-other")
        .send()
        .await
        .unwrap();
    let command = c
        .image_config_response()
        .unwrap()
        .image_config()
        .unwrap()
        .command();
    assert_eq!(command, ["app.other"]);
    let (error, body) = invoke_json(&client, "img-other", json!({})).await;
    assert_eq!(error, None, "{body}");
    assert_eq!(body["other"], true);
}

#[tokio::test]
async fn code_can_be_copied_into_containers_instead_of_mounted() {
    let Some(_docker) = engine().await else {
        return;
    };
    let laminar = Laminar::start_executor("docker", &["--docker-code-delivery", "copy"]);
    let client = laminar.client();
    create(
        &client,
        "copied",
        "python3.11",
        "app.handler",
        python_zip(PYTHON),
    )
    .await;
    wait_active(&client, "copied").await;
    let (error, body) = invoke_json(&client, "copied", json!({"via": "copy"})).await;
    assert_eq!(error, None, "{body}");
    assert_eq!(body["event"], json!({"via": "copy"}));
}

#[tokio::test]
async fn layers_are_merged_at_opt_in_the_container() {
    let Some(_docker) = engine().await else {
        return;
    };
    let laminar = Laminar::start_executor("docker", &[]);
    let client = laminar.client();
    let layer = client
        .publish_layer_version()
        .layer_name("shared")
        .content(
            aws_sdk_lambda::types::LayerVersionContentInput::builder()
                .zip_file(Blob::new(zip_of(&[(
                    "python/shared_lib.py",
                    b"WHERE = __file__\n",
                    0o644,
                )])))
                .build(),
        )
        .send()
        .await
        .unwrap();
    client
        .create_function()
        .function_name("layered")
        .runtime(aws_sdk_lambda::types::Runtime::Python311)
        .handler("app.handler")
        .role(ROLE)
        .layers(layer.layer_version_arn().unwrap())
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(python_zip(
                    "import shared_lib\n\ndef handler(event, context):\n    return shared_lib.WHERE\n",
                )))
                .build(),
        )
        .send()
        .await
        .unwrap();
    wait_active(&client, "layered").await;
    let (error, body) = invoke_json(&client, "layered", json!({})).await;
    assert_eq!(error, None, "{body}");
    assert_eq!(body, "/opt/python/shared_lib.py");
}

#[tokio::test]
async fn functions_in_containers_reach_laminar_through_aws_endpoint_url() {
    let Some(_docker) = engine().await else {
        return;
    };
    let laminar = Laminar::start_executor("docker", &[]);
    let client = laminar.client();
    let source = r#"
import json, os, urllib.request

def handler(event, context):
    url = os.environ["AWS_ENDPOINT_URL"] + "/2015-03-31/functions"
    with urllib.request.urlopen(url, timeout=5) as response:
        listed = json.load(response)
    return [f["FunctionName"] for f in listed["Functions"]]
"#;
    create(
        &client,
        "caller",
        "python3.11",
        "app.handler",
        python_zip(source),
    )
    .await;
    wait_active(&client, "caller").await;
    let (error, body) = invoke_json(&client, "caller", json!({})).await;
    assert_eq!(error, None, "{body}");
    assert_eq!(body, json!(["caller"]));
}
