//! SQS event source mappings and asynchronous invocation destinations,
//! through the official Rust SDKs (aws-sdk-lambda and aws-sdk-sqs) against a
//! real laminar.

mod common;

use aws_sdk_lambda::error::ProvideErrorMetadata;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    DestinationConfig, EventSourceMappingConfiguration, InvocationType, OnFailure,
};
use aws_sdk_sqs::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_sqs::types::{QueueAttributeName, SendMessageBatchRequestEntry};
use common::{create, eventually, python_zip, Laminar};
use std::path::Path;
use std::time::Duration;

fn sqs_client(laminar: &Laminar) -> aws_sdk_sqs::Client {
    let config = aws_sdk_sqs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(&laminar.url)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "secret", None, None, "test"))
        .build();
    aws_sdk_sqs::Client::from_conf(config)
}

/// A queue and its ARN.
async fn queue(sqs: &aws_sdk_sqs::Client, name: &str) -> (String, String) {
    let url = sqs
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .expect("queue created")
        .queue_url
        .expect("a queue URL");
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("attributes")
        .attributes
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .expect("a queue ARN");
    (url, arn)
}

/// A Python handler that appends every record body it gets to `file`.
fn recording_handler(file: &Path) -> String {
    format!(
        "import json\n\ndef handler(event, context):\n    with open({:?}, 'a') as f:\n        for r in event['Records']:\n            f.write(r['body'] + '\\n')\n    return {{}}\n",
        file.display().to_string()
    )
}

fn lines(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

async fn state(client: &aws_sdk_lambda::Client, uuid: &str) -> String {
    let got: aws_sdk_lambda::operation::get_event_source_mapping::GetEventSourceMappingOutput =
        client
            .get_event_source_mapping()
            .uuid(uuid)
            .send()
            .await
            .expect("mapping found");
    got.state.unwrap_or_default()
}

#[tokio::test]
async fn a_mapping_feeds_queue_messages_to_the_function() {
    let laminar = Laminar::start();
    let lambda = laminar.client();
    let sqs = sqs_client(&laminar);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bodies.txt");
    create(
        &lambda,
        "consumer",
        "python3.12",
        "app.handler",
        python_zip(&recording_handler(&file)),
    )
    .await;
    let (url, arn) = queue(&sqs, "orders").await;

    let created = lambda
        .create_event_source_mapping()
        .function_name("consumer")
        .event_source_arn(&arn)
        .batch_size(5)
        .send()
        .await
        .expect("mapping created");
    assert_eq!(created.state(), Some("Creating"));
    assert_eq!(created.batch_size(), Some(5));
    let uuid = created.uuid().expect("a UUID").to_string();

    for start in (0..25).step_by(10) {
        let entries = (start..(start + 10).min(25))
            .map(|n| {
                SendMessageBatchRequestEntry::builder()
                    .id(format!("m{n}"))
                    .message_body(format!("{{\"n\":{n}}}"))
                    .build()
                    .unwrap()
            })
            .collect::<Vec<_>>();
        let sent = sqs
            .send_message_batch()
            .queue_url(&url)
            .set_entries(Some(entries))
            .send()
            .await
            .expect("batch sent");
        assert!(sent.failed.is_empty());
    }
    assert!(
        eventually(Duration::from_secs(30), || lines(&file).len() >= 25).await,
        "every message reached the function"
    );
    let mut seen: Vec<u32> = lines(&file)
        .iter()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["n"]
                .as_u64()
                .unwrap() as u32
        })
        .collect();
    seen.sort_unstable();
    assert_eq!(seen, (0..25).collect::<Vec<_>>());
    assert_eq!(state(&lambda, &uuid).await, "Enabled");

    let listed: Vec<EventSourceMappingConfiguration> = lambda
        .list_event_source_mappings()
        .function_name("consumer")
        .send()
        .await
        .expect("listed")
        .event_source_mappings
        .unwrap_or_default();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].event_source_arn(), Some(arn.as_str()));

    let updated = lambda
        .update_event_source_mapping()
        .uuid(&uuid)
        .enabled(false)
        .send()
        .await
        .expect("updated");
    assert_eq!(updated.state(), Some("Disabling"));
    assert_eq!(state(&lambda, &uuid).await, "Disabled");

    let deleted = lambda
        .delete_event_source_mapping()
        .uuid(&uuid)
        .send()
        .await
        .expect("deleted");
    assert_eq!(deleted.state(), Some("Deleting"));
    let gone = lambda
        .get_event_source_mapping()
        .uuid(&uuid)
        .send()
        .await
        .expect_err("the mapping is gone");
    assert_eq!(gone.code(), Some("ResourceNotFoundException"));

    let missing_queue = lambda
        .create_event_source_mapping()
        .function_name("consumer")
        .event_source_arn(format!("{arn}-missing"))
        .send()
        .await
        .expect_err("the queue does not exist");
    assert_eq!(missing_queue.code(), Some("InvalidParameterValueException"));
}

#[tokio::test]
async fn a_failed_event_reaches_its_failure_destination() {
    let laminar = Laminar::start_with(&["--async-retry-delay", "0.1"]);
    let lambda = laminar.client();
    let sqs = sqs_client(&laminar);
    create(
        &lambda,
        "fails",
        "python3.12",
        "app.handler",
        python_zip("def handler(event, context):\n    raise ValueError('no ' + event['what'])\n"),
    )
    .await;
    let (url, arn) = queue(&sqs, "failures").await;
    lambda
        .put_function_event_invoke_config()
        .function_name("fails")
        .maximum_retry_attempts(1)
        .destination_config(
            DestinationConfig::builder()
                .on_failure(OnFailure::builder().destination(&arn).build())
                .build(),
        )
        .send()
        .await
        .expect("event invoke config");
    let accepted = lambda
        .invoke()
        .function_name("fails")
        .invocation_type(InvocationType::Event)
        .payload(Blob::new(r#"{"what": "luck"}"#))
        .send()
        .await
        .expect("event accepted");
    assert_eq!(accepted.status_code(), 202);

    let mut record = None;
    for _ in 0..30 {
        let got = sqs
            .receive_message()
            .queue_url(&url)
            .wait_time_seconds(1)
            .send()
            .await
            .expect("received");
        if let Some(message) = got.messages.unwrap_or_default().into_iter().next() {
            record = Some(message);
            break;
        }
    }
    let body = record.and_then(|m| m.body).expect("an invocation record");
    let record: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(record["version"], "1.0");
    assert_eq!(record["requestContext"]["condition"], "RetriesExhausted");
    assert_eq!(record["requestContext"]["approximateInvokeCount"], 2);
    assert_eq!(
        record["requestContext"]["functionArn"],
        "arn:aws:lambda:us-east-1:000000000000:function:fails:$LATEST"
    );
    assert_eq!(record["requestPayload"]["what"], "luck");
    assert_eq!(record["responseContext"]["functionError"], "Unhandled");
    assert_eq!(record["responsePayload"]["errorType"], "ValueError");
    assert_eq!(record["responsePayload"]["errorMessage"], "no luck");
}
