//! Invoke through the process executor, with the official Rust SDK as the
//! client and three runtime clients on the other side: laminar's bundled
//! Python and Node clients and the official `lambda_runtime` crate.

mod common;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{InvocationType, LogType};
use base64::Engine;
use common::*;
use serde_json::json;
use std::time::Duration;

const PYTHON: &str = r#"
import os, time, json

COUNT = 0

def handler(event, context):
    global COUNT
    COUNT += 1
    if event.get("raise"):
        raise ValueError(event["raise"])
    if event.get("sleep"):
        print("sleeping in", os.getpid(), flush=True)
        time.sleep(event["sleep"])
    if event.get("exit"):
        os._exit(event["exit"])
    if event.get("touch"):
        with open(event["touch"], "w") as f:
            f.write(context.aws_request_id)
    if event.get("big"):
        return "x" * event["big"]
    print("python says hello")
    return {
        "event": event,
        "count": COUNT,
        "pid": os.getpid(),
        "function_name": context.function_name,
        "memory": context.memory_limit_in_mb,
        "arn": context.invoked_function_arn,
        "remaining": context.get_remaining_time_in_millis(),
        "region": os.environ["AWS_REGION"],
        "custom": (context.client_context.custom if context.client_context else None),
        "greeting": os.environ.get("GREETING"),
    }
"#;

const NODE: &str = r#"
let count = 0;
exports.handler = async (event, context) => {
  count += 1;
  if (event.raise) { throw new TypeError(event.raise); }
  console.log("node says hello");
  return {
    event, count, pid: process.pid,
    functionName: context.functionName,
    remaining: context.getRemainingTimeInMillis(),
    version: process.env.AWS_LAMBDA_FUNCTION_VERSION,
  };
};
"#;

#[tokio::test]
async fn python_handler_runs_with_context_environment_and_warm_reuse() {
    // A cold start: no environment initialized ahead of demand.
    let laminar = Laminar::start_with(&["--prewarm", "0"]);
    let client = laminar.client();
    create(
        &client,
        "py",
        "python3.12",
        "app.handler",
        python_zip(PYTHON),
    )
    .await;
    client
        .update_function_configuration()
        .function_name("py")
        .environment(
            aws_sdk_lambda::types::Environment::builder()
                .variables("GREETING", "hi")
                .build(),
        )
        .send()
        .await
        .unwrap();
    wait_updated(&client, "py").await;

    let context = base64::engine::general_purpose::STANDARD
        .encode(json!({"custom": {"k": "v"}, "env": {}, "client": {}}).to_string());
    let out = client
        .invoke()
        .function_name("py")
        .payload(Blob::new(r#"{"n": 1}"#))
        .client_context(context)
        .log_type(LogType::Tail)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status_code(), 200);
    assert_eq!(out.executed_version(), Some("$LATEST"));
    assert_eq!(out.function_error(), None);
    let body: serde_json::Value = serde_json::from_slice(out.payload().unwrap().as_ref()).unwrap();
    assert_eq!(body["event"], json!({"n": 1}));
    assert_eq!(body["function_name"], "py");
    assert_eq!(body["memory"], "128");
    assert_eq!(
        body["arn"],
        "arn:aws:lambda:us-east-1:000000000000:function:py"
    );
    assert_eq!(body["region"], "us-east-1");
    assert_eq!(body["custom"], json!({"k": "v"}));
    assert_eq!(body["greeting"], "hi");
    let remaining = body["remaining"].as_i64().unwrap();
    assert!(remaining > 0 && remaining <= 3000, "{remaining}");

    let log = base64::engine::general_purpose::STANDARD
        .decode(out.log_result().unwrap())
        .unwrap();
    let log = String::from_utf8(log).unwrap();
    assert!(log.starts_with("START RequestId: "), "{log}");
    assert!(log.contains("python says hello\n"), "{log}");
    assert!(log.contains("\nEND RequestId: "), "{log}");
    assert!(log.contains("\nREPORT RequestId: "), "{log}");
    assert!(
        log.contains("Init Duration: "),
        "a cold start reports its init: {log}"
    );

    let (_, second) = invoke_json(&client, "py", json!({})).await;
    assert_eq!(
        second["count"], 2,
        "the warm environment served the second invoke"
    );
    assert_eq!(second["pid"], body["pid"]);

    // Qualifier $LATEST is the same function; an unknown version is not found.
    let latest = client
        .invoke()
        .function_name("py")
        .qualifier("$LATEST")
        .send()
        .await
        .unwrap();
    assert_eq!(latest.executed_version(), Some("$LATEST"));
    let missing = client
        .invoke()
        .function_name("py")
        .qualifier("7")
        .send()
        .await
        .unwrap_err();
    assert!(missing
        .into_service_error()
        .is_resource_not_found_exception());
}

#[tokio::test]
async fn node_handler_runs_and_errors_like_lambda() {
    let laminar = Laminar::start();
    let client = laminar.client();
    create(&client, "js", "nodejs22.x", "index.handler", node_zip(NODE)).await;
    let (error, body) = invoke_json(&client, "js", json!({"a": [1, 2]})).await;
    assert_eq!(error, None);
    assert_eq!(body["event"], json!({"a": [1, 2]}));
    assert_eq!(body["functionName"], "js");
    assert_eq!(body["version"], "$LATEST");

    let (error, body) = invoke_json(&client, "js", json!({"raise": "bad input"})).await;
    assert_eq!(error.as_deref(), Some("Unhandled"));
    assert_eq!(body["errorType"], "TypeError");
    assert_eq!(body["errorMessage"], "bad input");
    assert!(body["stackTrace"].is_array());
}

#[tokio::test]
async fn official_rust_runtime_client_runs_a_provided_function() {
    let laminar = Laminar::start();
    let client = laminar.client();
    create(
        &client,
        "rs",
        "provided.al2023",
        "bootstrap",
        rust_bootstrap_zip(),
    )
    .await;
    let (error, body) = invoke_json(&client, "rs", json!({"hello": "rust"})).await;
    assert_eq!(error, None, "{body}");
    assert_eq!(body["echo"], json!({"hello": "rust"}));
    assert_eq!(body["function_name"], "rs");
    assert_eq!(body["memory_size"], "128");
    assert_eq!(
        body["invoked_function_arn"],
        "arn:aws:lambda:us-east-1:000000000000:function:rs"
    );
    let deadline = body["deadline_ms"].as_u64().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    assert!(
        deadline > now && deadline <= now + 3_000,
        "deadline {deadline} vs now {now}"
    );

    let (error, body) = invoke_json(&client, "rs", json!({"error": "it broke"})).await;
    assert_eq!(error.as_deref(), Some("Unhandled"));
    assert_eq!(body["errorMessage"], "it broke");

    let (_, body) = invoke_json(&client, "rs", json!({})).await;
    assert_eq!(body["count"], 3, "one warm environment served all three");
}

#[tokio::test]
async fn provided_function_without_bootstrap_fails_like_lambda() {
    let laminar = Laminar::start();
    let client = laminar.client();
    create(
        &client,
        "nobootstrap",
        "provided.al2023",
        "x",
        python_zip(""),
    )
    .await;
    let (error, body) = invoke_json(&client, "nobootstrap", json!({})).await;
    assert_eq!(error.as_deref(), Some("Unhandled"));
    assert_eq!(body["errorType"], "Runtime.InvalidEntrypoint");
}

#[tokio::test]
async fn timeout_fails_the_invoke_and_the_next_one_gets_a_fresh_environment() {
    let laminar = Laminar::start();
    let client = laminar.client();
    create(
        &client,
        "slow",
        "python3.12",
        "app.handler",
        python_zip(PYTHON),
    )
    .await;
    client
        .update_function_configuration()
        .function_name("slow")
        .timeout(1)
        .send()
        .await
        .unwrap();
    wait_updated(&client, "slow").await;
    let out = client
        .invoke()
        .function_name("slow")
        .payload(Blob::new(r#"{"sleep": 5}"#))
        .log_type(LogType::Tail)
        .send()
        .await
        .unwrap();
    assert_eq!(out.function_error(), Some("Unhandled"));
    let body: serde_json::Value = serde_json::from_slice(out.payload().unwrap().as_ref()).unwrap();
    assert_eq!(body["errorType"], "Sandbox.Timedout");
    assert!(body["errorMessage"]
        .as_str()
        .unwrap()
        .contains("Task timed out after 1.00 seconds"));
    let log = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(out.log_result().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert!(log.contains("Task timed out after 1.00 seconds"), "{log}");
    // The pid of the runtime that timed out, as it printed it (with
    // pre-initialization, another environment may be waiting beside it).
    let timed_out: u64 = log
        .split("sleeping in ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|pid| pid.parse().ok())
        .unwrap_or_else(|| panic!("no pid in the log: {log}"));

    let (error, after) = invoke_json(&client, "slow", json!({})).await;
    assert_eq!(error, None);
    assert_eq!(after["count"], 1, "a fresh environment after the timeout");
    assert_ne!(after["pid"], timed_out);
    assert!(
        !process_alive(timed_out),
        "the timed-out runtime was stopped"
    );
}

#[tokio::test]
async fn a_runtime_that_exits_is_reported_as_runtime_exit_error() {
    let laminar = Laminar::start();
    let client = laminar.client();
    create(
        &client,
        "crash",
        "python3.12",
        "app.handler",
        python_zip(PYTHON),
    )
    .await;
    let (error, body) = invoke_json(&client, "crash", json!({"exit": 3})).await;
    assert_eq!(error.as_deref(), Some("Unhandled"));
    assert_eq!(body["errorType"], "Runtime.ExitError");
    assert!(
        body["errorMessage"]
            .as_str()
            .unwrap()
            .ends_with("Runtime exited with error: exit status 3"),
        "{body}"
    );
    let (error, _) = invoke_json(&client, "crash", json!({})).await;
    assert_eq!(error, None, "the next invoke starts a new environment");
}

#[tokio::test]
async fn init_errors_are_reported_like_lambda() {
    let laminar = Laminar::start();
    let client = laminar.client();
    create(
        &client,
        "noimport",
        "python3.12",
        "missing.handler",
        python_zip(PYTHON),
    )
    .await;
    let (error, body) = invoke_json(&client, "noimport", json!({})).await;
    assert_eq!(error.as_deref(), Some("Unhandled"));
    assert_eq!(body["errorType"], "Runtime.ImportModuleError");

    create(
        &client,
        "nofn",
        "python3.12",
        "app.nothing",
        python_zip(PYTHON),
    )
    .await;
    let (_, body) = invoke_json(&client, "nofn", json!({})).await;
    assert_eq!(body["errorType"], "Runtime.HandlerNotFound");
}

#[tokio::test]
async fn handler_exception_is_an_unhandled_function_error() {
    let laminar = Laminar::start();
    let client = laminar.client();
    create(
        &client,
        "raises",
        "python3.12",
        "app.handler",
        python_zip(PYTHON),
    )
    .await;
    let (error, body) = invoke_json(&client, "raises", json!({"raise": "no good"})).await;
    assert_eq!(error.as_deref(), Some("Unhandled"));
    assert_eq!(body["errorType"], "ValueError");
    assert_eq!(body["errorMessage"], "no good");
    let (_, body) = invoke_json(&client, "raises", json!({})).await;
    assert_eq!(
        body["count"], 2,
        "a handled exception keeps the environment"
    );
}

#[tokio::test]
async fn oversize_response_is_a_function_error() {
    let laminar = Laminar::start();
    let client = laminar.client();
    create(
        &client,
        "big",
        "python3.12",
        "app.handler",
        python_zip(PYTHON),
    )
    .await;
    let (error, body) = invoke_json(&client, "big", json!({"big": 7_000_000})).await;
    assert_eq!(error.as_deref(), Some("Unhandled"));
    assert_eq!(body["errorType"], "Function.ResponseSizeTooLarge");
}

#[tokio::test]
async fn invoke_errors_for_bad_requests() {
    let laminar = Laminar::start();
    let client = laminar.client();
    create(
        &client,
        "target",
        "python3.12",
        "app.handler",
        python_zip(PYTHON),
    )
    .await;

    let bad_json = client
        .invoke()
        .function_name("target")
        .payload(Blob::new("{not json"))
        .send()
        .await
        .unwrap_err();
    assert!(bad_json
        .as_service_error()
        .unwrap()
        .is_invalid_request_content_exception());

    let too_big = client
        .invoke()
        .function_name("target")
        .payload(Blob::new(format!(
            "\"{}\"",
            "x".repeat(6 * 1024 * 1024 + 10)
        )))
        .send()
        .await
        .unwrap_err();
    assert!(too_big
        .as_service_error()
        .unwrap()
        .is_request_too_large_exception());
    assert_eq!(too_big.raw_response().unwrap().status().as_u16(), 413);

    let unknown = client
        .invoke()
        .function_name("nope")
        .send()
        .await
        .unwrap_err();
    assert!(unknown
        .as_service_error()
        .unwrap()
        .is_resource_not_found_exception());
}

#[tokio::test]
async fn dry_run_and_event_invocations() {
    let laminar = Laminar::start();
    let client = laminar.client();
    create(
        &client,
        "ev",
        "python3.12",
        "app.handler",
        python_zip(PYTHON),
    )
    .await;
    let dry = client
        .invoke()
        .function_name("ev")
        .invocation_type(InvocationType::DryRun)
        .send()
        .await
        .unwrap();
    assert_eq!(dry.status_code(), 204);

    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let event = client
        .invoke()
        .function_name("ev")
        .invocation_type(InvocationType::Event)
        .payload(Blob::new(json!({"touch": marker}).to_string()))
        .send()
        .await
        .unwrap();
    assert_eq!(event.status_code(), 202);
    assert!(
        eventually(Duration::from_secs(10), || marker.exists()).await,
        "the event ran in the background"
    );
}

#[tokio::test]
async fn concurrent_invokes_scale_out_and_the_account_limit_holds() {
    let laminar = Laminar::start_with(&["--account-concurrency", "2"]);
    let client = laminar.client_without_retries();
    create(
        &client,
        "par",
        "python3.12",
        "app.handler",
        python_zip(PYTHON),
    )
    .await;
    let sleepy = || invoke_json(&client, "par", json!({"sleep": 1.0}));
    let (a, b) = tokio::join!(sleepy(), sleepy());
    assert_ne!(
        a.1["pid"], b.1["pid"],
        "two concurrent invokes, two environments"
    );

    let (x, y, z) = tokio::join!(
        client
            .invoke()
            .function_name("par")
            .payload(Blob::new(r#"{"sleep": 1.0}"#))
            .send(),
        client
            .invoke()
            .function_name("par")
            .payload(Blob::new(r#"{"sleep": 1.0}"#))
            .send(),
        async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            client.invoke().function_name("par").send().await
        }
    );
    assert!(x.is_ok() && y.is_ok());
    let throttled = z.unwrap_err();
    assert!(throttled
        .as_service_error()
        .unwrap()
        .is_too_many_requests_exception());
    assert_eq!(throttled.raw_response().unwrap().status().as_u16(), 429);
}

#[tokio::test]
async fn code_update_retires_warm_environments() {
    let laminar = Laminar::start();
    let client = laminar.client();
    create(
        &client,
        "upd",
        "python3.12",
        "app.handler",
        python_zip(PYTHON),
    )
    .await;
    let (_, before) = invoke_json(&client, "upd", json!({})).await;
    client
        .update_function_code()
        .function_name("upd")
        .zip_file(Blob::new(python_zip(
            &PYTHON.replace("python says hello", "v2"),
        )))
        .send()
        .await
        .unwrap();
    wait_updated(&client, "upd").await;
    let old_pid = before["pid"].as_u64().unwrap();
    assert!(
        eventually(Duration::from_secs(5), || !process_alive(old_pid)).await,
        "the old environment was stopped"
    );
    let (_, after) = invoke_json(&client, "upd", json!({})).await;
    assert_eq!(after["count"], 1);
}

#[tokio::test]
async fn idle_environments_stop_after_the_keep_alive() {
    let laminar = Laminar::start_with(&["--keep-alive", "1"]);
    let client = laminar.client();
    create(
        &client,
        "idle",
        "python3.12",
        "app.handler",
        python_zip(PYTHON),
    )
    .await;
    let (_, body) = invoke_json(&client, "idle", json!({})).await;
    let pid = body["pid"].as_u64().unwrap();
    assert!(process_alive(pid));
    assert!(
        eventually(Duration::from_secs(5), || !process_alive(pid)).await,
        "the idle environment was stopped"
    );
}

#[tokio::test]
async fn delete_and_shutdown_stop_every_runtime() {
    let laminar = Laminar::start();
    let client = laminar.client();
    create(
        &client,
        "a",
        "python3.12",
        "app.handler",
        python_zip(PYTHON),
    )
    .await;
    create(
        &client,
        "b",
        "python3.12",
        "app.handler",
        python_zip(PYTHON),
    )
    .await;
    let (_, a) = invoke_json(&client, "a", json!({})).await;
    let (_, b) = invoke_json(&client, "b", json!({})).await;
    let (a, b) = (a["pid"].as_u64().unwrap(), b["pid"].as_u64().unwrap());
    client
        .delete_function()
        .function_name("a")
        .send()
        .await
        .unwrap();
    assert!(eventually(Duration::from_secs(5), || !process_alive(a)).await);
    assert!(process_alive(b));
    let status = laminar.terminate();
    assert!(status.success(), "clean exit on SIGTERM: {status:?}");
    assert!(eventually(Duration::from_secs(5), || !process_alive(b)).await);
}

#[tokio::test]
async fn killed_laminar_takes_its_runtimes_with_it() {
    let laminar = Laminar::start();
    let client = laminar.client();
    create(
        &client,
        "orphan",
        "python3.12",
        "app.handler",
        python_zip(PYTHON),
    )
    .await;
    let (_, body) = invoke_json(&client, "orphan", json!({})).await;
    let pid = body["pid"].as_u64().unwrap();
    laminar.kill_hard();
    assert!(eventually(Duration::from_secs(5), || !process_alive(pid)).await);
}

#[tokio::test]
#[allow(deprecated)]
async fn invoke_async_runs_the_function_in_the_background() {
    let laminar = Laminar::start();
    let client = laminar.client();
    create(
        &client,
        "legacy",
        "python3.12",
        "app.handler",
        python_zip(PYTHON),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let out = client
        .invoke_async()
        .function_name("legacy")
        .invoke_args(aws_sdk_lambda::primitives::ByteStream::from(
            json!({"touch": marker}).to_string().into_bytes(),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 202);
    assert!(eventually(Duration::from_secs(10), || marker.exists()).await);
}

#[tokio::test]
async fn a_hanging_init_ends_in_a_timeout_and_a_fresh_start() {
    let laminar = Laminar::start();
    let client = laminar.client();
    // Module code that never finishes loading.
    let source = "import time\nwhile True:\n    time.sleep(1)\n\ndef handler(event, context):\n    return 1\n";
    create(
        &client,
        "stuck",
        "python3.12",
        "app.handler",
        python_zip(source),
    )
    .await;
    client
        .update_function_configuration()
        .function_name("stuck")
        .timeout(1)
        .send()
        .await
        .unwrap();
    wait_updated(&client, "stuck").await;
    let (error, body) = invoke_json(&client, "stuck", json!({})).await;
    assert_eq!(error.as_deref(), Some("Unhandled"));
    assert_eq!(body["errorType"], "Sandbox.Timedout", "{body}");
}

/// Tenant isolation mode: each tenant's invokes run in environments of its
/// own, the runtime (the official `lambda_runtime`) learns the tenant from
/// `Lambda-Runtime-Aws-Tenant-Id`, and an invoke must name a tenant exactly
/// when the function isolates tenants.
#[tokio::test]
async fn tenant_isolated_functions_give_each_tenant_its_own_environments() {
    use aws_sdk_lambda::types::{TenancyConfig, TenantIsolationMode};
    let laminar = Laminar::start();
    let client = laminar.client();
    let tenancy = TenancyConfig::builder()
        .tenant_isolation_mode(TenantIsolationMode::PerTenant)
        .build()
        .expect("a tenancy config");
    let created = client
        .create_function()
        .function_name("tenants")
        .runtime("provided.al2023".into())
        .handler("bootstrap")
        .role(ROLE)
        .tenancy_config(tenancy.clone())
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(Blob::new(rust_bootstrap_zip()))
                .build(),
        )
        .send()
        .await
        .expect("create");
    assert_eq!(created.tenancy_config(), Some(&tenancy));
    wait_active(&client, "tenants").await;
    let got = client
        .get_function_configuration()
        .function_name("tenants")
        .send()
        .await
        .expect("get");
    assert_eq!(got.tenancy_config(), Some(&tenancy));

    let invoke_as = |tenant: &'static str| {
        let client = client.clone();
        async move {
            let out = client
                .invoke()
                .function_name("tenants")
                .tenant_id(tenant)
                .payload(Blob::new("{}"))
                .send()
                .await
                .unwrap_or_else(|e| panic!("invoke as {tenant}: {e:?}"));
            let body = out
                .payload()
                .map(|b| b.as_ref().to_vec())
                .unwrap_or_default();
            serde_json::from_slice::<serde_json::Value>(&body).expect("a JSON answer")
        }
    };
    let blue = invoke_as("blue").await;
    let green = invoke_as("green").await;
    let blue_again = invoke_as("blue").await;
    assert_eq!(blue["tenant_id"], "blue");
    assert_eq!(green["tenant_id"], "green");
    assert_eq!(blue_again["tenant_id"], "blue");
    assert_ne!(
        blue["pid"], green["pid"],
        "tenants never share an environment"
    );
    assert_eq!(green["count"], 1, "green's first invoke is a cold start");
    assert_eq!(
        blue_again["pid"], blue["pid"],
        "a tenant's environment is reused"
    );
    assert_eq!(blue_again["count"], 2);

    let refused = client
        .invoke()
        .function_name("tenants")
        .payload(Blob::new("{}"))
        .send()
        .await
        .expect_err("an invoke without a tenant");
    let refused = refused.into_service_error();
    assert!(
        refused.is_invalid_parameter_value_exception(),
        "{refused:?}"
    );
    assert_eq!(
        refused.meta().message(),
        Some("The function tenants has tenant isolation mode enabled. Specify a TenantId to invoke it.")
    );

    create(
        &client,
        "shared",
        "provided.al2023",
        "bootstrap",
        rust_bootstrap_zip(),
    )
    .await;
    let refused = client
        .invoke()
        .function_name("shared")
        .tenant_id("blue")
        .payload(Blob::new("{}"))
        .send()
        .await
        .expect_err("a tenant for a function without tenant isolation")
        .into_service_error();
    assert!(
        refused.is_invalid_parameter_value_exception(),
        "{refused:?}"
    );
    let (error, body) = invoke_json(&client, "shared", json!({})).await;
    assert_eq!(
        (error, body["tenant_id"].clone()),
        (None, serde_json::Value::Null)
    );
}
