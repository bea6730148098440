//! Function settings and account-level objects through the official Rust
//! SDK (or plain HTTP where the SDK lacks the operation): recursion, runtime
//! management, scaling, code signing, resource policies, provisioned
//! concurrency, capacity providers and durable executions.

mod common;

use aws_sdk_lambda::error::ProvideErrorMetadata;
use aws_sdk_lambda::types::{
    AllowedPublishers, CapacityProviderPermissionsConfig, CapacityProviderScalingConfig,
    CapacityProviderScalingMode, CapacityProviderState, CapacityProviderVpcConfig,
    CodeSigningPolicies, CodeSigningPolicy, FunctionScalingConfig,
    ProvisionedConcurrencyStatusEnum, RecursiveLoop, UpdateRuntimeOn,
};
use common::*;

const ACCOUNT: &str = "000000000000";
const SIGNING_PROFILE: &str =
    "arn:aws:signer:us-east-1:000000000000:/signing-profiles/laminar/abcdef1234";
const RUNTIME_VERSION: &str = "arn:aws:lambda:us-east-1::runtime:0123456789abcdef0123456789abcdef";

fn handler_zip() -> Vec<u8> {
    python_zip("def handler(event, context):\n    return event\n")
}

async fn with_function(client: &aws_sdk_lambda::Client, name: &str) {
    create(client, name, "python3.12", "app.handler", handler_zip()).await;
}

/// The error code of a failed SDK call.
fn code_of<O, E: ProvideErrorMetadata, R>(
    result: Result<O, aws_sdk_lambda::error::SdkError<E, R>>,
) -> String {
    match result {
        Ok(_) => panic!("the call succeeded"),
        Err(e) => e
            .as_service_error()
            .and_then(|s| s.code())
            .unwrap_or("no service error")
            .to_string(),
    }
}

#[tokio::test]
async fn recursion_config_defaults_to_terminate_and_can_allow() {
    let laminar = Laminar::start();
    let client = laminar.client();
    with_function(&client, "loop").await;
    let got = client
        .get_function_recursion_config()
        .function_name("loop")
        .send()
        .await
        .unwrap();
    assert_eq!(got.recursive_loop(), Some(&RecursiveLoop::Terminate));
    let put = client
        .put_function_recursion_config()
        .function_name("loop")
        .recursive_loop(RecursiveLoop::Allow)
        .send()
        .await
        .unwrap();
    assert_eq!(put.recursive_loop(), Some(&RecursiveLoop::Allow));
    let got = client
        .get_function_recursion_config()
        .function_name(format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:loop"))
        .send()
        .await
        .unwrap();
    assert_eq!(got.recursive_loop(), Some(&RecursiveLoop::Allow));

    let missing = client
        .put_function_recursion_config()
        .function_name("nope")
        .recursive_loop(RecursiveLoop::Allow)
        .send()
        .await
        .unwrap_err();
    assert!(missing
        .into_service_error()
        .is_resource_not_found_exception());
    let qualified = client
        .get_function_recursion_config()
        .function_name("loop:1")
        .send()
        .await;
    assert_eq!(code_of(qualified), "ValidationException");
    let (status, headers, _) = http(
        &laminar.url,
        "PUT",
        "/2024-08-31/functions/loop/recursion-config",
        &[("content-type", "application/json")],
        br#"{"RecursiveLoop":"Sometimes"}"#,
    )
    .await;
    assert_eq!(status, 400);
    assert!(headers
        .iter()
        .any(|(k, v)| k == "x-amzn-errortype" && v == "ValidationException"));
}

#[tokio::test]
async fn runtime_management_config_per_version() {
    let laminar = Laminar::start();
    let client = laminar.client();
    with_function(&client, "rt").await;
    let got = client
        .get_runtime_management_config()
        .function_name("rt")
        .send()
        .await
        .unwrap();
    assert_eq!(got.update_runtime_on(), Some(&UpdateRuntimeOn::Auto));
    assert_eq!(got.runtime_version_arn(), None);

    let manual_without_arn = client
        .put_runtime_management_config()
        .function_name("rt")
        .update_runtime_on(UpdateRuntimeOn::Manual)
        .send()
        .await
        .unwrap_err();
    assert!(manual_without_arn
        .into_service_error()
        .is_invalid_parameter_value_exception());

    let put = client
        .put_runtime_management_config()
        .function_name("rt")
        .update_runtime_on(UpdateRuntimeOn::Manual)
        .runtime_version_arn(RUNTIME_VERSION)
        .send()
        .await
        .unwrap();
    assert_eq!(put.update_runtime_on(), &UpdateRuntimeOn::Manual);
    assert_eq!(put.runtime_version_arn(), Some(RUNTIME_VERSION));
    let got = client
        .get_runtime_management_config()
        .function_name("rt")
        .qualifier("$LATEST")
        .send()
        .await
        .unwrap();
    assert_eq!(got.update_runtime_on(), Some(&UpdateRuntimeOn::Manual));
    assert_eq!(got.runtime_version_arn(), Some(RUNTIME_VERSION));

    client
        .publish_version()
        .function_name("rt")
        .send()
        .await
        .unwrap();
    client
        .put_runtime_management_config()
        .function_name("rt")
        .qualifier("1")
        .update_runtime_on(UpdateRuntimeOn::FunctionUpdate)
        .send()
        .await
        .unwrap();
    let v1 = client
        .get_runtime_management_config()
        .function_name("rt")
        .qualifier("1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        v1.update_runtime_on(),
        Some(&UpdateRuntimeOn::FunctionUpdate)
    );
    assert_eq!(
        v1.function_arn(),
        Some(format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:rt:1").as_str())
    );

    let unknown_version = client
        .get_runtime_management_config()
        .function_name("rt")
        .qualifier("7")
        .send()
        .await
        .unwrap_err();
    assert!(unknown_version
        .into_service_error()
        .is_resource_not_found_exception());
}

#[tokio::test]
async fn function_scaling_config_of_a_published_version() {
    let laminar = Laminar::start();
    let client = laminar.client();
    with_function(&client, "scaled").await;
    client
        .publish_version()
        .function_name("scaled")
        .send()
        .await
        .unwrap();
    wait_version(&client, "scaled", "1").await;
    let config = FunctionScalingConfig::builder()
        .min_execution_environments(1)
        .max_execution_environments(3)
        .build();
    let put = client
        .put_function_scaling_config()
        .function_name("scaled")
        .qualifier("1")
        .function_scaling_config(config.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(put.function_state().map(|s| s.as_str()), Some("Active"));
    let got = client
        .get_function_scaling_config()
        .function_name("scaled")
        .qualifier("1")
        .send()
        .await
        .unwrap();
    assert_eq!(got.requested_function_scaling_config(), Some(&config));
    assert_eq!(got.applied_function_scaling_config(), Some(&config));
    assert_eq!(
        got.function_arn(),
        Some(format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:scaled:1").as_str())
    );
    let latest_published = client
        .get_function_scaling_config()
        .function_name("scaled")
        .qualifier("$LATEST.PUBLISHED")
        .send()
        .await
        .unwrap();
    assert_eq!(latest_published.requested_function_scaling_config(), None);

    let inverted = client
        .put_function_scaling_config()
        .function_name("scaled")
        .qualifier("1")
        .function_scaling_config(
            FunctionScalingConfig::builder()
                .min_execution_environments(5)
                .max_execution_environments(2)
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert!(inverted
        .into_service_error()
        .is_invalid_parameter_value_exception());
    let unpublished = client
        .get_function_scaling_config()
        .function_name("scaled")
        .qualifier("$LATEST")
        .send()
        .await;
    assert_eq!(code_of(unpublished), "ValidationException");
    let unknown = client
        .get_function_scaling_config()
        .function_name("scaled")
        .qualifier("4")
        .send()
        .await
        .unwrap_err();
    assert!(unknown
        .into_service_error()
        .is_resource_not_found_exception());
}

#[tokio::test]
async fn code_signing_configs_and_the_functions_using_them() {
    let laminar = Laminar::start();
    let client = laminar.client();
    let publishers = AllowedPublishers::builder()
        .signing_profile_version_arns(SIGNING_PROFILE)
        .build()
        .unwrap();
    let created = client
        .create_code_signing_config()
        .description("first")
        .allowed_publishers(publishers.clone())
        .send()
        .await
        .unwrap();
    let csc = created.code_signing_config().unwrap().clone();
    let arn = csc.code_signing_config_arn().to_string();
    let id = arn
        .strip_prefix(&format!(
            "arn:aws:lambda:us-east-1:{ACCOUNT}:code-signing-config:csc-"
        ))
        .expect("an ARN in the caller's scope");
    assert_eq!(id.len(), 17);
    assert!(id
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    assert_eq!(csc.code_signing_config_id(), format!("csc-{id}"));
    assert_eq!(
        csc.code_signing_policies()
            .and_then(|p| p.untrusted_artifact_on_deployment()),
        Some(&CodeSigningPolicy::Warn)
    );
    client
        .create_code_signing_config()
        .allowed_publishers(publishers.clone())
        .send()
        .await
        .unwrap();

    let updated = client
        .update_code_signing_config()
        .code_signing_config_arn(&arn)
        .description("second")
        .code_signing_policies(
            CodeSigningPolicies::builder()
                .untrusted_artifact_on_deployment(CodeSigningPolicy::Enforce)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let updated = updated.code_signing_config().unwrap();
    assert_eq!(updated.description(), Some("second"));
    let got = client
        .get_code_signing_config()
        .code_signing_config_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.code_signing_config()
            .unwrap()
            .code_signing_policies()
            .and_then(|p| p.untrusted_artifact_on_deployment()),
        Some(&CodeSigningPolicy::Enforce)
    );

    let first_page = client
        .list_code_signing_configs()
        .max_items(1)
        .send()
        .await
        .unwrap();
    assert_eq!(first_page.code_signing_configs().len(), 1);
    let marker = first_page.next_marker().expect("a second page").to_string();
    let second_page = client
        .list_code_signing_configs()
        .marker(marker)
        .send()
        .await
        .unwrap();
    assert_eq!(second_page.code_signing_configs().len(), 1);
    assert_eq!(second_page.next_marker(), None);

    with_function(&client, "signed").await;
    let none = client
        .get_function_code_signing_config()
        .function_name("signed")
        .send()
        .await
        .unwrap();
    assert_eq!(none.code_signing_config_arn(), "");
    let put = client
        .put_function_code_signing_config()
        .function_name("signed")
        .code_signing_config_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(put.function_name(), "signed");
    assert_eq!(put.code_signing_config_arn(), arn);
    let got = client
        .get_function_code_signing_config()
        .function_name("signed")
        .send()
        .await
        .unwrap();
    assert_eq!(got.code_signing_config_arn(), arn);
    let users = client
        .list_functions_by_code_signing_config()
        .code_signing_config_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        users.function_arns(),
        [format!(
            "arn:aws:lambda:us-east-1:{ACCOUNT}:function:signed"
        )]
    );

    let in_use = client
        .delete_code_signing_config()
        .code_signing_config_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert!(in_use.into_service_error().is_resource_conflict_exception());
    let unknown =
        format!("arn:aws:lambda:us-east-1:{ACCOUNT}:code-signing-config:csc-0123456789abcdefg");
    let not_there = client
        .put_function_code_signing_config()
        .function_name("signed")
        .code_signing_config_arn(&unknown)
        .send()
        .await
        .unwrap_err();
    assert!(not_there
        .into_service_error()
        .is_code_signing_config_not_found_exception());
    let malformed = client
        .get_code_signing_config()
        .code_signing_config_arn("arn:aws:lambda:us-east-1:000000000000:code-signing-config:nope")
        .send()
        .await;
    assert_eq!(code_of(malformed), "ValidationException");

    client
        .delete_function_code_signing_config()
        .function_name("signed")
        .send()
        .await
        .unwrap();
    client
        .delete_code_signing_config()
        .code_signing_config_arn(&arn)
        .send()
        .await
        .unwrap();
    let gone = client
        .get_code_signing_config()
        .code_signing_config_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert!(gone.into_service_error().is_resource_not_found_exception());
}

#[tokio::test]
async fn resource_policies_of_functions_and_other_resources() {
    let laminar = Laminar::start();
    let client = laminar.client();
    with_function(&client, "guarded").await;
    let function_arn = format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:guarded");
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "s3-invoke",
            "Effect": "Allow",
            "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "lambda:InvokeFunction",
            "Resource": function_arn,
        }]
    })
    .to_string();

    let absent = client
        .get_resource_policy()
        .resource_arn(&function_arn)
        .send()
        .await
        .unwrap_err();
    assert!(absent
        .into_service_error()
        .is_resource_not_found_exception());
    let put = client
        .put_resource_policy()
        .resource_arn(&function_arn)
        .policy(&policy)
        .send()
        .await
        .unwrap();
    let revision = put.revision_id().unwrap().to_string();
    let got = client
        .get_resource_policy()
        .resource_arn(&function_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(got.revision_id(), Some(revision.as_str()));
    let document: serde_json::Value = serde_json::from_str(got.policy().unwrap()).unwrap();
    assert_eq!(document["Statement"][0]["Sid"], "s3-invoke");
    // The same policy AddPermission and GetPolicy work on.
    let classic = client
        .get_policy()
        .function_name("guarded")
        .send()
        .await
        .unwrap();
    assert_eq!(classic.revision_id(), Some(revision.as_str()));

    let stale = client
        .put_resource_policy()
        .resource_arn(&function_arn)
        .policy(&policy)
        .revision_id("00000000-0000-0000-0000-000000000000")
        .send()
        .await
        .unwrap_err();
    assert!(stale
        .into_service_error()
        .is_precondition_failed_exception());
    let not_json = client
        .put_resource_policy()
        .resource_arn(&function_arn)
        .policy("{not json")
        .send()
        .await
        .unwrap_err();
    assert!(not_json
        .into_service_error()
        .is_invalid_parameter_value_exception());
    let other_function = client
        .put_resource_policy()
        .resource_arn(format!(
            "arn:aws:lambda:us-east-1:{ACCOUNT}:function:absent"
        ))
        .policy(&policy)
        .send()
        .await
        .unwrap_err();
    assert!(other_function
        .into_service_error()
        .is_resource_not_found_exception());

    client
        .delete_resource_policy()
        .resource_arn(&function_arn)
        .revision_id(&revision)
        .send()
        .await
        .unwrap();
    let deleted = client
        .get_resource_policy()
        .resource_arn(&function_arn)
        .send()
        .await
        .unwrap_err();
    assert!(deleted
        .into_service_error()
        .is_resource_not_found_exception());

    let runtime_arn = format!("arn:aws:lambda:us-east-1:{ACCOUNT}:runtime/custom/base");
    let put = client
        .put_resource_policy()
        .resource_arn(&runtime_arn)
        .policy(&policy)
        .send()
        .await
        .unwrap();
    let got = client
        .get_resource_policy()
        .resource_arn(&runtime_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(got.revision_id(), put.revision_id());
    client
        .delete_resource_policy()
        .resource_arn(&runtime_arn)
        .send()
        .await
        .unwrap();
    let again = client
        .delete_resource_policy()
        .resource_arn(&runtime_arn)
        .send()
        .await
        .unwrap_err();
    assert!(again.into_service_error().is_resource_not_found_exception());
}

#[tokio::test]
async fn provisioned_concurrency_on_versions_and_aliases() {
    let laminar = Laminar::start();
    let client = laminar.client();
    with_function(&client, "warm").await;
    client
        .publish_version()
        .function_name("warm")
        .send()
        .await
        .unwrap();
    client
        .create_alias()
        .function_name("warm")
        .name("live")
        .function_version("1")
        .send()
        .await
        .unwrap();

    let latest = client
        .put_provisioned_concurrency_config()
        .function_name("warm")
        .qualifier("$LATEST")
        .provisioned_concurrent_executions(2)
        .send()
        .await
        .unwrap_err();
    assert!(latest
        .into_service_error()
        .is_invalid_parameter_value_exception());
    let unknown_alias = client
        .put_provisioned_concurrency_config()
        .function_name("warm")
        .qualifier("nope")
        .provisioned_concurrent_executions(2)
        .send()
        .await
        .unwrap_err();
    assert!(unknown_alias
        .into_service_error()
        .is_resource_not_found_exception());

    let put = client
        .put_provisioned_concurrency_config()
        .function_name("warm")
        .qualifier("1")
        .provisioned_concurrent_executions(5)
        .send()
        .await
        .unwrap();
    assert_eq!(put.requested_provisioned_concurrent_executions(), Some(5));
    assert_eq!(put.allocated_provisioned_concurrent_executions(), Some(0));
    assert_eq!(
        put.status(),
        Some(&ProvisionedConcurrencyStatusEnum::InProgress)
    );
    // The five environments initialize in the background.
    let got = loop {
        let got = client
            .get_provisioned_concurrency_config()
            .function_name("warm")
            .qualifier("1")
            .send()
            .await
            .unwrap();
        if got.status() != Some(&ProvisionedConcurrencyStatusEnum::InProgress) {
            break got;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(got.status(), Some(&ProvisionedConcurrencyStatusEnum::Ready));
    assert_eq!(got.available_provisioned_concurrent_executions(), Some(5));
    assert!(got.last_modified().is_some());

    let alias_on_provisioned_version = client
        .put_provisioned_concurrency_config()
        .function_name("warm")
        .qualifier("live")
        .provisioned_concurrent_executions(1)
        .send()
        .await
        .unwrap_err();
    assert!(alias_on_provisioned_version
        .into_service_error()
        .is_resource_conflict_exception());
    let no_config = client
        .get_provisioned_concurrency_config()
        .function_name("warm")
        .qualifier("live")
        .send()
        .await
        .unwrap_err();
    assert!(no_config
        .into_service_error()
        .is_provisioned_concurrency_config_not_found_exception());

    let listed = client
        .list_provisioned_concurrency_configs()
        .function_name("warm")
        .send()
        .await
        .unwrap();
    let configs = listed.provisioned_concurrency_configs();
    assert_eq!(configs.len(), 1);
    assert_eq!(
        configs[0].function_arn(),
        Some(format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:warm:1").as_str())
    );

    client
        .delete_provisioned_concurrency_config()
        .function_name("warm")
        .qualifier("1")
        .send()
        .await
        .unwrap();
    let gone = client
        .get_provisioned_concurrency_config()
        .function_name("warm")
        .qualifier("1")
        .send()
        .await
        .unwrap_err();
    assert!(gone
        .into_service_error()
        .is_provisioned_concurrency_config_not_found_exception());
    let missing_function = client
        .list_provisioned_concurrency_configs()
        .function_name("absent")
        .send()
        .await
        .unwrap_err();
    assert!(missing_function
        .into_service_error()
        .is_resource_not_found_exception());
}

fn vpc() -> CapacityProviderVpcConfig {
    CapacityProviderVpcConfig::builder()
        .subnet_ids("subnet-0abc")
        .security_group_ids("sg-0abc")
        .build()
        .unwrap()
}

fn operator_role() -> CapacityProviderPermissionsConfig {
    CapacityProviderPermissionsConfig::builder()
        .capacity_provider_operator_role_arn(format!("arn:aws:iam::{ACCOUNT}:role/operator"))
        .build()
        .unwrap()
}

#[tokio::test]
async fn capacity_providers_crud() {
    let laminar = Laminar::start();
    let client = laminar.client();
    let created = client
        .create_capacity_provider()
        .capacity_provider_name("fleet")
        .vpc_config(vpc())
        .permissions_config(operator_role())
        .send()
        .await
        .unwrap();
    let provider = created.capacity_provider().unwrap();
    let arn = format!("arn:aws:lambda:us-east-1:{ACCOUNT}:capacity-provider:fleet");
    assert_eq!(provider.capacity_provider_arn(), arn);
    assert_eq!(provider.state(), &CapacityProviderState::Active);
    assert_eq!(
        provider.vpc_config().unwrap().subnet_ids(),
        ["subnet-0abc".to_string()]
    );

    let duplicate = client
        .create_capacity_provider()
        .capacity_provider_name("fleet")
        .vpc_config(vpc())
        .permissions_config(operator_role())
        .send()
        .await
        .unwrap_err();
    assert!(duplicate
        .into_service_error()
        .is_resource_conflict_exception());
    let bad_subnet = client
        .create_capacity_provider()
        .capacity_provider_name("other")
        .vpc_config(
            CapacityProviderVpcConfig::builder()
                .subnet_ids("not-a-subnet")
                .security_group_ids("sg-1")
                .build()
                .unwrap(),
        )
        .permissions_config(operator_role())
        .send()
        .await;
    assert_eq!(code_of(bad_subnet), "ValidationException");

    let by_arn = client
        .get_capacity_provider()
        .capacity_provider_name(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_arn.capacity_provider().unwrap().capacity_provider_arn(),
        arn
    );
    let updated = client
        .update_capacity_provider()
        .capacity_provider_name("fleet")
        .capacity_provider_scaling_config(
            CapacityProviderScalingConfig::builder()
                .max_v_cpu_count(64)
                .scaling_mode(CapacityProviderScalingMode::Auto)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        updated
            .capacity_provider()
            .unwrap()
            .capacity_provider_scaling_config()
            .and_then(|s| s.max_v_cpu_count()),
        Some(64)
    );

    let listed = client
        .list_capacity_providers()
        .state(CapacityProviderState::Active)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.capacity_providers().len(), 1);
    let versions = client
        .list_function_versions_by_capacity_provider()
        .capacity_provider_name("fleet")
        .send()
        .await
        .unwrap();
    assert_eq!(versions.capacity_provider_arn(), arn);
    assert!(versions.function_versions().is_empty());

    let deleted = client
        .delete_capacity_provider()
        .capacity_provider_name("fleet")
        .send()
        .await
        .unwrap();
    assert_eq!(
        deleted.capacity_provider().unwrap().state(),
        &CapacityProviderState::Deleting
    );
    let gone = client
        .get_capacity_provider()
        .capacity_provider_name("fleet")
        .send()
        .await
        .unwrap_err();
    assert!(gone.into_service_error().is_resource_not_found_exception());
    let none_left = client.list_capacity_providers().send().await.unwrap();
    assert!(none_left.capacity_providers().is_empty());
}

#[tokio::test]
async fn durable_executions_of_an_account_without_any() {
    let laminar = Laminar::start();
    let client = laminar.client();
    with_function(&client, "durable").await;
    let listed = client
        .list_durable_executions_by_function()
        .function_name("durable")
        .send()
        .await
        .unwrap();
    assert!(listed.durable_executions().is_empty());
    assert_eq!(listed.next_marker(), None);
    let missing_function = client
        .list_durable_executions_by_function()
        .function_name("absent")
        .send()
        .await
        .unwrap_err();
    assert!(missing_function
        .into_service_error()
        .is_resource_not_found_exception());

    let arn = format!(
        "arn:aws:lambda:us-east-1:{ACCOUNT}:function:durable:$LATEST/durable-execution/run-1/0123abcd"
    );
    let get = client
        .get_durable_execution()
        .durable_execution_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert!(get.into_service_error().is_resource_not_found_exception());
    let history = client
        .get_durable_execution_history()
        .durable_execution_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert!(history
        .into_service_error()
        .is_resource_not_found_exception());
    let stop = client
        .stop_durable_execution()
        .durable_execution_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert!(stop.into_service_error().is_resource_not_found_exception());
    let checkpoint = client
        .checkpoint_durable_execution()
        .durable_execution_arn(&arn)
        .checkpoint_token("dG9rZW4=")
        .send()
        .await
        .unwrap_err();
    assert!(checkpoint
        .into_service_error()
        .is_invalid_parameter_value_exception());
    let bad_arn = client
        .get_durable_execution()
        .durable_execution_arn("arn:aws:lambda:us-east-1:000000000000:function:durable")
        .send()
        .await;
    assert_eq!(code_of(bad_arn), "ValidationException");

    let callback = client
        .send_durable_execution_callback_success()
        .callback_id("Y2FsbGJhY2s=")
        .send()
        .await
        .unwrap_err();
    assert!(callback
        .into_service_error()
        .is_resource_not_found_exception());
    let heartbeat = client
        .send_durable_execution_callback_heartbeat()
        .callback_id("Y2FsbGJhY2s=")
        .send()
        .await
        .unwrap_err();
    assert!(heartbeat
        .into_service_error()
        .is_resource_not_found_exception());

    // Pause, Resume and Delete are newer than this SDK: plain HTTP.
    let encoded = arn
        .replace(':', "%3A")
        .replace('/', "%2F")
        .replace('$', "%24");
    for (method, suffix) in [("POST", "/pause"), ("POST", "/resume"), ("DELETE", "")] {
        let (status, headers, _) = http(
            &laminar.url,
            method,
            &format!("/2025-12-01/durable-executions/{encoded}{suffix}"),
            &[("content-type", "application/json")],
            b"{}",
        )
        .await;
        assert_eq!(status, 404, "{method} {suffix}");
        assert!(headers
            .iter()
            .any(|(k, v)| k == "x-amzn-errortype" && v == "ResourceNotFoundException"));
    }
}

#[tokio::test]
async fn settings_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_str().unwrap();
    let arn = {
        let laminar = Laminar::start_with(&["--data-dir", data_dir]);
        let client = laminar.client();
        with_function(&client, "kept").await;
        let created = client
            .create_code_signing_config()
            .allowed_publishers(
                AllowedPublishers::builder()
                    .signing_profile_version_arns(SIGNING_PROFILE)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        let arn = created
            .code_signing_config()
            .unwrap()
            .code_signing_config_arn()
            .to_string();
        client
            .put_function_code_signing_config()
            .function_name("kept")
            .code_signing_config_arn(&arn)
            .send()
            .await
            .unwrap();
        client
            .put_function_recursion_config()
            .function_name("kept")
            .recursive_loop(RecursiveLoop::Allow)
            .send()
            .await
            .unwrap();
        client
            .create_capacity_provider()
            .capacity_provider_name("kept")
            .vpc_config(vpc())
            .permissions_config(operator_role())
            .send()
            .await
            .unwrap();
        laminar.kill_hard();
        arn
    };
    let laminar = Laminar::start_with(&["--data-dir", data_dir]);
    let client = laminar.client();
    client
        .get_code_signing_config()
        .code_signing_config_arn(&arn)
        .send()
        .await
        .unwrap();
    let function = client
        .get_function_code_signing_config()
        .function_name("kept")
        .send()
        .await
        .unwrap();
    assert_eq!(function.code_signing_config_arn(), arn);
    let recursion = client
        .get_function_recursion_config()
        .function_name("kept")
        .send()
        .await
        .unwrap();
    assert_eq!(recursion.recursive_loop(), Some(&RecursiveLoop::Allow));
    client
        .get_capacity_provider()
        .capacity_provider_name("kept")
        .send()
        .await
        .unwrap();
}

/// Tags on capacity providers and code signing configs, by ARN; a function
/// created on a provider and with a code signing config.
#[tokio::test]
async fn tagged_objects_and_the_functions_that_name_them() {
    use aws_sdk_lambda::primitives::Blob;
    use aws_sdk_lambda::types::{
        CapacityProviderConfig, FunctionCode, LambdaManagedInstancesCapacityProviderConfig,
    };

    let laminar = Laminar::start();
    let client = laminar.client();
    let provider = client
        .create_capacity_provider()
        .capacity_provider_name("tagged")
        .vpc_config(vpc())
        .permissions_config(operator_role())
        .tags("origin", "create")
        .send()
        .await
        .unwrap();
    let provider_arn = provider
        .capacity_provider()
        .unwrap()
        .capacity_provider_arn()
        .to_string();
    client
        .tag_resource()
        .resource(&provider_arn)
        .tags("team", "blue")
        .send()
        .await
        .unwrap();
    let tags = client
        .list_tags()
        .resource(&provider_arn)
        .send()
        .await
        .unwrap();
    let mut keys: Vec<&String> = tags.tags().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["origin", "team"]);

    let signing = client
        .create_code_signing_config()
        .allowed_publishers(
            AllowedPublishers::builder()
                .signing_profile_version_arns(SIGNING_PROFILE)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let signing_arn = signing
        .code_signing_config()
        .unwrap()
        .code_signing_config_arn()
        .to_string();
    client
        .untag_resource()
        .resource(&provider_arn)
        .tag_keys("origin")
        .send()
        .await
        .unwrap();
    client
        .tag_resource()
        .resource(&signing_arn)
        .tags("team", "green")
        .send()
        .await
        .unwrap();
    let signing_tags = client
        .list_tags()
        .resource(&signing_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        signing_tags.tags().unwrap().get("team").map(String::as_str),
        Some("green")
    );

    let on_provider = CapacityProviderConfig::builder()
        .lambda_managed_instances_capacity_provider_config(
            LambdaManagedInstancesCapacityProviderConfig::builder()
                .capacity_provider_arn(&provider_arn)
                .build()
                .unwrap(),
        )
        .build();
    let created = client
        .create_function()
        .function_name("on-provider")
        .runtime("python3.12".into())
        .handler("app.handler")
        .role(format!("arn:aws:iam::{ACCOUNT}:role/lambda-role"))
        .memory_size(2048)
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(handler_zip()))
                .build(),
        )
        .code_signing_config_arn(&signing_arn)
        .capacity_provider_config(on_provider)
        .publish(true)
        .send()
        .await
        .unwrap();
    wait_active(&client, "on-provider").await;
    assert_eq!(created.version(), Some("1"));
    let attached = client
        .get_function_code_signing_config()
        .function_name("on-provider")
        .send()
        .await
        .unwrap();
    assert_eq!(attached.code_signing_config_arn(), signing_arn);
    let versions = client
        .list_function_versions_by_capacity_provider()
        .capacity_provider_name("tagged")
        .send()
        .await
        .unwrap();
    let arns: Vec<&str> = versions
        .function_versions()
        .iter()
        .map(|v| v.function_arn())
        .collect();
    assert_eq!(
        arns,
        [format!(
            "arn:aws:lambda:us-east-1:{ACCOUNT}:function:on-provider:1"
        )]
    );
}

#[tokio::test]
async fn a_durable_function_runs_as_a_durable_execution() {
    let laminar = Laminar::start();
    let client = laminar.client();
    // The durable protocol at its simplest: read the envelope, answer with
    // the status and the result.
    let source = "import json\n\ndef handler(event, context):\n    ops = event['InitialExecutionState']['Operations']\n    execution = next(o for o in ops if o['Type'] == 'EXECUTION')\n    request = json.loads(execution['ExecutionDetails']['InputPayload'])\n    return {'Status': 'SUCCEEDED', 'Result': json.dumps({'sum': request['a'] + request['b']})}\n";
    client
        .create_function()
        .function_name("adder")
        .runtime(aws_sdk_lambda::types::Runtime::Python312)
        .handler("app.handler")
        .role(ROLE)
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(aws_sdk_lambda::primitives::Blob::new(python_zip(source)))
                .build(),
        )
        .durable_config(
            aws_sdk_lambda::types::DurableConfig::builder()
                .execution_timeout(60)
                .retention_period_in_days(1)
                .build(),
        )
        .send()
        .await
        .unwrap();
    wait_active(&client, "adder").await;
    let invoked = client
        .invoke()
        .function_name("adder")
        .durable_execution_name("first-sum")
        .payload(aws_sdk_lambda::primitives::Blob::new(r#"{"a": 2, "b": 3}"#))
        .send()
        .await
        .unwrap();
    let arn = invoked
        .durable_execution_arn()
        .expect("a durable execution ARN")
        .to_string();
    assert!(arn.contains(":function:adder:$LATEST/durable-execution/first-sum/"));
    let payload: serde_json::Value =
        serde_json::from_slice(invoked.payload().map(|b| b.as_ref()).unwrap_or_default()).unwrap();
    assert_eq!(payload, serde_json::json!({"sum": 5}));

    let execution = client
        .get_durable_execution()
        .durable_execution_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        execution.status(),
        &aws_sdk_lambda::types::ExecutionStatus::Succeeded
    );
    assert_eq!(execution.durable_execution_name(), "first-sum");
    let listed = client
        .list_durable_executions_by_function()
        .function_name("adder")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.durable_executions().len(), 1);
    let history = client
        .get_durable_execution_history()
        .durable_execution_arn(&arn)
        .send()
        .await
        .unwrap();
    let types: Vec<String> = history
        .events()
        .iter()
        .filter_map(|e| e.event_type().map(|t| t.as_str().to_string()))
        .collect();
    assert_eq!(
        types.first().map(String::as_str),
        Some("ExecutionStarted"),
        "{types:?}"
    );
    assert_eq!(
        types.last().map(String::as_str),
        Some("ExecutionSucceeded"),
        "{types:?}"
    );
}
