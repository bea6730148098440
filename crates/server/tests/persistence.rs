//! State survives a restart and a crash when `--data-dir` is given.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn functions_and_code_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_str().unwrap();
    let (sha, revision) = {
        let laminar = Laminar::start_with(&["--data-dir", data_dir]);
        let client = laminar.client();
        create(
            &client,
            "durable",
            "python3.12",
            "app.handler",
            python_zip("def handler(event, context):\n    return {'kept': event}\n"),
        )
        .await;
        let f = client
            .get_function()
            .function_name("durable")
            .send()
            .await
            .unwrap();
        let c = f.configuration().unwrap();
        let ids = (
            c.code_sha256().unwrap().to_string(),
            c.revision_id().unwrap().to_string(),
        );
        laminar.kill_hard();
        ids
    };
    let laminar = Laminar::start_with(&["--data-dir", data_dir]);
    let client = laminar.client();
    let f = client
        .get_function()
        .function_name("durable")
        .send()
        .await
        .unwrap();
    let c = f.configuration().unwrap();
    assert_eq!(c.code_sha256(), Some(sha.as_str()));
    assert_eq!(c.revision_id(), Some(revision.as_str()));
    let (error, body) = invoke_json(&client, "durable", json!({"x": 1})).await;
    assert_eq!(error, None);
    assert_eq!(body, json!({"kept": {"x": 1}}));
}

#[tokio::test]
async fn without_a_data_dir_state_is_in_memory() {
    let laminar = Laminar::start();
    let client = laminar.client();
    create(
        &client,
        "ephemeral",
        "python3.12",
        "app.handler",
        python_zip("def handler(e, c):\n    return 1\n"),
    )
    .await;
    drop(laminar);
    let laminar = Laminar::start();
    let client = laminar.client();
    let err = client
        .get_function()
        .function_name("ephemeral")
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_resource_not_found_exception());
}
