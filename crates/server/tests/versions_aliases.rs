//! Versions, aliases, tags and reserved concurrency through the official
//! Rust SDK, with invocations proving which code answers.

mod common;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::AliasRoutingConfiguration;
use common::*;
use serde_json::json;
use std::collections::HashMap;

fn returning(value: &str) -> Vec<u8> {
    python_zip(&format!(
        "def handler(event, context):\n    return {{'v': '{value}', 'arn': context.invoked_function_arn}}\n"
    ))
}

async fn update_code(
    client: &aws_sdk_lambda::Client,
    name: &str,
    zip: Vec<u8>,
    publish: bool,
) -> String {
    let out = client
        .update_function_code()
        .function_name(name)
        .zip_file(Blob::new(zip))
        .publish(publish)
        .send()
        .await
        .unwrap();
    wait_updated(client, name).await;
    let version = out.version().unwrap().to_string();
    if publish {
        wait_version(client, name, &version).await;
    }
    version
}

#[tokio::test]
async fn versions_are_immutable_snapshots_you_can_invoke() {
    let laminar = Laminar::start();
    let client = laminar.client();
    create(
        &client,
        "ver",
        "python3.12",
        "app.handler",
        returning("one"),
    )
    .await;
    let v1 = client
        .publish_version()
        .function_name("ver")
        .description("first")
        .send()
        .await
        .unwrap();
    assert_eq!(v1.version(), Some("1"));
    assert_eq!(
        v1.function_arn(),
        Some("arn:aws:lambda:us-east-1:000000000000:function:ver:1")
    );
    assert_eq!(v1.description(), Some("first"));

    // Nothing changed: publishing again returns the same version.
    let again = client
        .publish_version()
        .function_name("ver")
        .send()
        .await
        .unwrap();
    assert_eq!(again.version(), Some("1"));

    let wrong_sha = client
        .publish_version()
        .function_name("ver")
        .code_sha256("not-the-sha")
        .send()
        .await
        .unwrap_err();
    assert!(wrong_sha
        .into_service_error()
        .is_invalid_parameter_value_exception());

    assert_eq!(
        update_code(&client, "ver", returning("two"), true).await,
        "2"
    );
    update_code(&client, "ver", returning("three"), false).await;

    let one = client
        .invoke()
        .function_name("ver")
        .qualifier("1")
        .send()
        .await
        .unwrap();
    assert_eq!(one.executed_version(), Some("1"));
    let body: serde_json::Value = serde_json::from_slice(one.payload().unwrap().as_ref()).unwrap();
    assert_eq!(body["v"], "one");
    assert_eq!(
        body["arn"],
        "arn:aws:lambda:us-east-1:000000000000:function:ver:1"
    );
    let (_, two) = invoke_json(&client, "ver:2", json!({})).await;
    assert_eq!(two["v"], "two");
    let (_, latest) = invoke_json(&client, "ver", json!({})).await;
    assert_eq!(latest["v"], "three");

    let config = client
        .get_function_configuration()
        .function_name("ver")
        .qualifier("2")
        .send()
        .await
        .unwrap();
    assert_eq!(config.version(), Some("2"));

    let listed = client
        .list_versions_by_function()
        .function_name("ver")
        .send()
        .await
        .unwrap();
    let versions: Vec<_> = listed
        .versions()
        .iter()
        .map(|v| v.version().unwrap())
        .collect();
    assert_eq!(versions, ["$LATEST", "1", "2"]);

    client
        .delete_function()
        .function_name("ver")
        .qualifier("1")
        .send()
        .await
        .unwrap();
    let gone = client
        .invoke()
        .function_name("ver")
        .qualifier("1")
        .send()
        .await
        .unwrap_err();
    assert!(gone.into_service_error().is_resource_not_found_exception());
    // Numbers are never reused.
    update_code(&client, "ver", returning("four"), false).await;
    let v3 = client
        .publish_version()
        .function_name("ver")
        .send()
        .await
        .unwrap();
    assert_eq!(v3.version(), Some("3"));
}

#[tokio::test]
async fn aliases_point_at_versions_and_split_traffic_by_weight() {
    let laminar = Laminar::start();
    let client = laminar.client();
    create(&client, "al", "python3.12", "app.handler", returning("one")).await;
    client
        .publish_version()
        .function_name("al")
        .send()
        .await
        .unwrap();
    update_code(&client, "al", returning("two"), true).await;

    let live = client
        .create_alias()
        .function_name("al")
        .name("live")
        .function_version("1")
        .description("production")
        .send()
        .await
        .unwrap();
    assert_eq!(
        live.alias_arn(),
        Some("arn:aws:lambda:us-east-1:000000000000:function:al:live")
    );
    let (_, body) = invoke_json(&client, "al:live", json!({})).await;
    assert_eq!(body["v"], "one");
    assert_eq!(
        body["arn"],
        "arn:aws:lambda:us-east-1:000000000000:function:al:live"
    );

    let dup = client
        .create_alias()
        .function_name("al")
        .name("live")
        .function_version("1")
        .send()
        .await
        .unwrap_err();
    assert!(dup.into_service_error().is_resource_conflict_exception());
    let missing = client
        .create_alias()
        .function_name("al")
        .name("x")
        .function_version("9")
        .send()
        .await
        .unwrap_err();
    assert!(missing
        .into_service_error()
        .is_resource_not_found_exception());

    let updated = client
        .update_alias()
        .function_name("al")
        .name("live")
        .routing_config(
            AliasRoutingConfiguration::builder()
                .additional_version_weights("2", 0.3)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_ne!(updated.revision_id(), live.revision_id());

    let mut executed: HashMap<String, usize> = HashMap::new();
    let n = 200;
    for _ in 0..n {
        let out = client
            .invoke()
            .function_name("al")
            .qualifier("live")
            .send()
            .await
            .unwrap();
        *executed
            .entry(out.executed_version().unwrap().to_string())
            .or_default() += 1;
    }
    let second = *executed.get("2").unwrap_or(&0) as f64 / n as f64;
    // 30 % expected; a binomial with n = 200 stays within ±0.12 far beyond 4 sigma.
    assert!((0.18..=0.42).contains(&second), "{executed:?}");
    assert_eq!(executed.values().sum::<usize>(), n);

    let stale = client
        .update_alias()
        .function_name("al")
        .name("live")
        .revision_id(live.revision_id().unwrap())
        .function_version("2")
        .send()
        .await
        .unwrap_err();
    assert!(stale
        .into_service_error()
        .is_precondition_failed_exception());

    let in_use = client
        .delete_function()
        .function_name("al")
        .qualifier("2")
        .send()
        .await
        .unwrap_err();
    assert!(in_use.into_service_error().is_resource_conflict_exception());

    let listed = client
        .list_aliases()
        .function_name("al")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.aliases().len(), 1);
    client
        .delete_alias()
        .function_name("al")
        .name("live")
        .send()
        .await
        .unwrap();
    let gone = client
        .get_alias()
        .function_name("al")
        .name("live")
        .send()
        .await
        .unwrap_err();
    assert!(gone.into_service_error().is_resource_not_found_exception());
}

#[tokio::test]
async fn tags_are_added_listed_and_removed() {
    let laminar = Laminar::start();
    let client = laminar.client();
    create(
        &client,
        "tagged",
        "python3.12",
        "app.handler",
        returning("x"),
    )
    .await;
    let arn = "arn:aws:lambda:us-east-1:000000000000:function:tagged";
    client
        .tag_resource()
        .resource(arn)
        .tags("a", "1")
        .tags("b", "2")
        .send()
        .await
        .unwrap();
    let tags = client.list_tags().resource(arn).send().await.unwrap();
    assert_eq!(tags.tags().unwrap().len(), 2);
    client
        .untag_resource()
        .resource(arn)
        .tag_keys("a")
        .send()
        .await
        .unwrap();
    let tags = client.list_tags().resource(arn).send().await.unwrap();
    assert_eq!(tags.tags().unwrap().keys().collect::<Vec<_>>(), ["b"]);
    let unknown = client
        .list_tags()
        .resource("arn:aws:lambda:us-east-1:000000000000:function:nope")
        .send()
        .await
        .unwrap_err();
    assert!(unknown
        .into_service_error()
        .is_resource_not_found_exception());
}

#[tokio::test]
async fn reserved_concurrency_is_enforced() {
    let laminar = Laminar::start();
    let client = laminar.client_without_retries();
    create(
        &client,
        "reserved",
        "python3.12",
        "app.handler",
        returning("x"),
    )
    .await;
    let put = client
        .put_function_concurrency()
        .function_name("reserved")
        .reserved_concurrent_executions(0)
        .send()
        .await
        .unwrap();
    assert_eq!(put.reserved_concurrent_executions(), Some(0));
    let throttled = client
        .invoke()
        .function_name("reserved")
        .send()
        .await
        .unwrap_err();
    let raw_status = throttled.raw_response().unwrap().status().as_u16();
    let err = throttled.into_service_error();
    assert!(err.is_too_many_requests_exception());
    assert_eq!(raw_status, 429);
    if let aws_sdk_lambda::operation::invoke::InvokeError::TooManyRequestsException(t) = &err {
        assert_eq!(
            t.reason().map(|r| r.as_str()),
            Some("ReservedFunctionConcurrentInvocationLimitExceeded")
        );
    }

    let settings = client.get_account_settings().send().await.unwrap();
    assert_eq!(
        settings
            .account_limit()
            .unwrap()
            .unreserved_concurrent_executions(),
        Some(1000)
    );
    let got = client
        .get_function_concurrency()
        .function_name("reserved")
        .send()
        .await
        .unwrap();
    assert_eq!(got.reserved_concurrent_executions(), Some(0));

    client
        .put_function_concurrency()
        .function_name("reserved")
        .reserved_concurrent_executions(5)
        .send()
        .await
        .unwrap();
    let settings = client.get_account_settings().send().await.unwrap();
    assert_eq!(
        settings
            .account_limit()
            .unwrap()
            .unreserved_concurrent_executions(),
        Some(995)
    );
    invoke_json(&client, "reserved", json!({})).await;

    let too_much = client
        .put_function_concurrency()
        .function_name("reserved")
        .reserved_concurrent_executions(950)
        .send()
        .await
        .unwrap_err();
    assert!(too_much
        .into_service_error()
        .is_invalid_parameter_value_exception());

    client
        .delete_function_concurrency()
        .function_name("reserved")
        .send()
        .await
        .unwrap();
    let got = client
        .get_function_concurrency()
        .function_name("reserved")
        .send()
        .await
        .unwrap();
    assert_eq!(got.reserved_concurrent_executions(), None);
}

#[tokio::test]
async fn permissions_build_a_real_policy_document() {
    let laminar = Laminar::start();
    let client = laminar.client();
    create(&client, "perm", "python3.12", "app.handler", returning("x")).await;
    let missing = client
        .get_policy()
        .function_name("perm")
        .send()
        .await
        .unwrap_err();
    assert!(missing
        .into_service_error()
        .is_resource_not_found_exception());

    let added = client
        .add_permission()
        .function_name("perm")
        .statement_id("s3-invoke")
        .action("lambda:InvokeFunction")
        .principal("s3.amazonaws.com")
        .source_arn("arn:aws:s3:::my-bucket")
        .source_account("000000000000")
        .send()
        .await
        .unwrap();
    let statement: serde_json::Value = serde_json::from_str(added.statement().unwrap()).unwrap();
    assert_eq!(
        statement["Principal"],
        json!({"Service": "s3.amazonaws.com"})
    );
    assert_eq!(
        statement["Condition"]["ArnLike"]["AWS:SourceArn"],
        "arn:aws:s3:::my-bucket"
    );
    assert_eq!(
        statement["Resource"],
        "arn:aws:lambda:us-east-1:000000000000:function:perm"
    );

    let dup = client
        .add_permission()
        .function_name("perm")
        .statement_id("s3-invoke")
        .action("lambda:InvokeFunction")
        .principal("s3.amazonaws.com")
        .send()
        .await
        .unwrap_err();
    assert!(dup.into_service_error().is_resource_conflict_exception());

    let policy = client
        .get_policy()
        .function_name("perm")
        .send()
        .await
        .unwrap();
    let document: serde_json::Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
    assert_eq!(document["Version"], "2012-10-17");
    assert_eq!(document["Statement"].as_array().unwrap().len(), 1);

    let stale = client
        .remove_permission()
        .function_name("perm")
        .statement_id("s3-invoke")
        .revision_id("stale")
        .send()
        .await
        .unwrap_err();
    assert!(stale
        .into_service_error()
        .is_precondition_failed_exception());
    client
        .remove_permission()
        .function_name("perm")
        .statement_id("s3-invoke")
        .revision_id(policy.revision_id().unwrap())
        .send()
        .await
        .unwrap();
    let gone = client
        .remove_permission()
        .function_name("perm")
        .statement_id("s3-invoke")
        .send()
        .await
        .unwrap_err();
    assert!(gone.into_service_error().is_resource_not_found_exception());
}

#[tokio::test]
async fn event_invoke_configs_are_validated_and_stored() {
    use aws_sdk_lambda::types::{DestinationConfig, OnFailure};
    let laminar = Laminar::start();
    let client = laminar.client();
    create(
        &client,
        "async",
        "python3.12",
        "app.handler",
        returning("x"),
    )
    .await;
    let missing = client
        .get_function_event_invoke_config()
        .function_name("async")
        .send()
        .await
        .unwrap_err();
    assert!(missing
        .into_service_error()
        .is_resource_not_found_exception());

    let put = client
        .put_function_event_invoke_config()
        .function_name("async")
        .maximum_retry_attempts(1)
        .maximum_event_age_in_seconds(600)
        .destination_config(
            DestinationConfig::builder()
                .on_failure(
                    OnFailure::builder()
                        .destination("arn:aws:sqs:us-east-1:000000000000:dlq")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(put.maximum_retry_attempts(), Some(1));
    assert!(put.last_modified().is_some());

    let updated = client
        .update_function_event_invoke_config()
        .function_name("async")
        .maximum_retry_attempts(0)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.maximum_retry_attempts(), Some(0));
    assert_eq!(
        updated.maximum_event_age_in_seconds(),
        Some(600),
        "update keeps what it does not name"
    );
    assert_eq!(
        updated
            .destination_config()
            .unwrap()
            .on_failure()
            .unwrap()
            .destination(),
        Some("arn:aws:sqs:us-east-1:000000000000:dlq")
    );

    let bad = client
        .put_function_event_invoke_config()
        .function_name("async")
        .maximum_retry_attempts(5)
        .send()
        .await
        .unwrap_err();
    assert_eq!(bad.raw_response().unwrap().status().as_u16(), 400);

    let listed = client
        .list_function_event_invoke_configs()
        .function_name("async")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.function_event_invoke_configs().len(), 1);
    client
        .delete_function_event_invoke_config()
        .function_name("async")
        .send()
        .await
        .unwrap();
    let gone = client
        .get_function_event_invoke_config()
        .function_name("async")
        .send()
        .await
        .unwrap_err();
    assert!(gone.into_service_error().is_resource_not_found_exception());
}
