//! Function states through the official Rust SDK and its waiters: Pending →
//! Active after CreateFunction, InProgress → Successful after an update, a
//! published version Pending → Active, and AWS's ResourceConflictException
//! for what is refused meanwhile.

mod common;

use aws_sdk_lambda::error::ProvideErrorMetadata;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    FunctionCode, LastUpdateStatus, LastUpdateStatusReasonCode, Runtime, State, StateReasonCode,
};
use common::*;

const HANDLER: &str = "def handler(event, context):\n    return 'ok'\n";
const ARN: &str = "arn:aws:lambda:us-east-1:000000000000:function:stately";
const PENDING: &str = "The operation cannot be performed at this time. The function is currently in the following state: Pending";

/// Status, code, message and `Type` of a failed call.
fn conflict<E: ProvideErrorMetadata>(
    e: aws_sdk_lambda::error::SdkError<E, aws_sdk_lambda::config::http::HttpResponse>,
) -> (u16, String, String) {
    let status = e.raw_response().map(|r| r.status().as_u16()).unwrap_or(0);
    let service = e.as_service_error();
    (
        status,
        service
            .and_then(|s| s.code())
            .unwrap_or_default()
            .to_string(),
        service
            .and_then(|s| s.message())
            .unwrap_or_default()
            .to_string(),
    )
}

fn expected(message: &str) -> (u16, String, String) {
    (
        409,
        "ResourceConflictException".to_string(),
        message.to_string(),
    )
}

#[tokio::test]
async fn states_move_as_in_aws_and_the_waiters_see_them() {
    let laminar = Laminar::start_with(&["--pending-ms", "1500"]);
    let client = laminar.client();
    let created = client
        .create_function()
        .function_name("stately")
        .runtime(Runtime::Python312)
        .handler("app.handler")
        .role(ROLE)
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(python_zip(HANDLER)))
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.state(), Some(&State::Pending));
    assert_eq!(
        created.state_reason(),
        Some("The function is being created.")
    );
    assert_eq!(
        created.state_reason_code(),
        Some(&StateReasonCode::Creating)
    );
    assert_eq!(created.last_update_status(), None);

    let refused = client
        .invoke()
        .function_name("stately")
        .send()
        .await
        .unwrap_err();
    assert_eq!(conflict(refused), expected(PENDING));
    let refused = client
        .update_function_configuration()
        .function_name("stately")
        .timeout(9)
        .send()
        .await
        .unwrap_err();
    assert_eq!(conflict(refused), expected(PENDING));

    wait_active(&client, "stately").await;
    let active = client
        .get_function_configuration()
        .function_name("stately")
        .send()
        .await
        .unwrap();
    assert_eq!(active.state(), Some(&State::Active));
    assert_eq!(active.state_reason(), None);
    assert_eq!(active.state_reason_code(), None);
    assert_eq!(
        active.last_update_status(),
        Some(&LastUpdateStatus::Successful)
    );
    assert_ne!(active.revision_id(), created.revision_id());

    let updated = client
        .update_function_configuration()
        .function_name("stately")
        .timeout(9)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.state(), Some(&State::Active));
    assert_eq!(
        updated.last_update_status(),
        Some(&LastUpdateStatus::InProgress)
    );
    assert_eq!(
        updated.last_update_status_reason(),
        Some("The function is being created.")
    );
    // "Creating" is outside the model's enum; AWS sends it all the same.
    assert_eq!(
        updated.last_update_status_reason_code(),
        Some(&LastUpdateStatusReasonCode::from("Creating"))
    );
    let refused = client
        .update_function_code()
        .function_name("stately")
        .zip_file(Blob::new(python_zip(HANDLER)))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        conflict(refused),
        expected(&format!(
            "The operation cannot be performed at this time. An update is in progress for resource: {ARN}"
        ))
    );
    wait_updated(&client, "stately").await;
    let settled = client
        .get_function_configuration()
        .function_name("stately")
        .send()
        .await
        .unwrap();
    assert_eq!(
        settled.last_update_status(),
        Some(&LastUpdateStatus::Successful)
    );
    assert_eq!(settled.last_update_status_reason(), None);
    assert_eq!(settled.timeout(), Some(9));

    let version = client
        .publish_version()
        .function_name("stately")
        .send()
        .await
        .unwrap();
    assert_eq!(version.version(), Some("1"));
    assert_eq!(version.state(), Some(&State::Pending));
    assert_eq!(
        version.state_reason_code(),
        Some(&StateReasonCode::Creating)
    );
    assert_eq!(version.last_update_status(), None);
    let refused = client
        .invoke()
        .function_name("stately")
        .qualifier("1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(conflict(refused), expected(PENDING));
    wait_version(&client, "stately", "1").await;
    let (error, body) = invoke_json(&client, "stately:1", serde_json::json!({})).await;
    assert_eq!((error, body), (None, serde_json::json!("ok")));
}
