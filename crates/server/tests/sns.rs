//! SNS through the official Rust SDK (aws-sdk-sns) against a real laminar:
//! a topic fanning out to a queue with a filter policy, a FIFO topic's
//! sequence numbers, and errors as the SDK reads them.

mod common;

use aws_sdk_sns::error::ProvideErrorMetadata;
use aws_sdk_sns::types::{MessageAttributeValue, PublishBatchRequestEntry};
use aws_sdk_sqs::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_sqs::types::QueueAttributeName;
use common::Laminar;

fn sns_client(laminar: &Laminar) -> aws_sdk_sns::Client {
    let config = aws_sdk_sns::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(&laminar.url)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "secret", None, None, "test"))
        .build();
    aws_sdk_sns::Client::from_conf(config)
}

fn sqs_client(laminar: &Laminar) -> aws_sdk_sqs::Client {
    let config = aws_sdk_sqs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(&laminar.url)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "secret", None, None, "test"))
        .build();
    aws_sdk_sqs::Client::from_conf(config)
}

#[tokio::test]
async fn a_topic_fans_out_to_a_queue_through_the_rust_sdk() {
    let laminar = Laminar::start();
    let sns = sns_client(&laminar);
    let sqs = sqs_client(&laminar);
    let topic = sns
        .create_topic()
        .name("rust-orders")
        .send()
        .await
        .expect("topic")
        .topic_arn
        .expect("an ARN");
    assert_eq!(topic, "arn:aws:sns:us-east-1:000000000000:rust-orders");
    let url = sqs
        .create_queue()
        .queue_name("rust-orders")
        .send()
        .await
        .expect("queue")
        .queue_url
        .expect("a URL");
    let queue_arn = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("attributes")
        .attributes
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .expect("the queue's ARN");
    let subscription = sns
        .subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint(&queue_arn)
        .attributes("FilterPolicy", r#"{"kind": ["order"]}"#)
        .attributes("RawMessageDelivery", "true")
        .send()
        .await
        .expect("subscribed")
        .subscription_arn
        .expect("a subscription ARN");
    assert!(subscription.starts_with(&format!("{topic}:")));

    let attribute = |value: &str| {
        MessageAttributeValue::builder()
            .data_type("String")
            .string_value(value)
            .build()
            .expect("an attribute")
    };
    sns.publish()
        .topic_arn(&topic)
        .message("skipped")
        .message_attributes("kind", attribute("refund"))
        .send()
        .await
        .expect("published");
    let batch = sns
        .publish_batch()
        .topic_arn(&topic)
        .publish_batch_request_entries(
            PublishBatchRequestEntry::builder()
                .id("1")
                .message("kept")
                .message_attributes("kind", attribute("order"))
                .build()
                .expect("an entry"),
        )
        .send()
        .await
        .expect("batch");
    assert_eq!(batch.successful().len(), 1);
    assert!(batch.failed().is_empty());

    let mut bodies = Vec::new();
    for _ in 0..20 {
        let received = sqs
            .receive_message()
            .queue_url(&url)
            .wait_time_seconds(1)
            .send()
            .await
            .expect("received");
        bodies.extend(received.messages().iter().filter_map(|m| m.body.clone()));
        if !bodies.is_empty() {
            break;
        }
    }
    assert_eq!(bodies, vec!["kept".to_string()]);

    let missing = sns
        .publish()
        .topic_arn("arn:aws:sns:us-east-1:000000000000:nope")
        .message("x")
        .send()
        .await
        .expect_err("no such topic");
    assert_eq!(missing.code(), Some("NotFound"));
    assert_eq!(missing.message(), Some("Topic does not exist"));
}

#[tokio::test]
async fn fifo_topics_answer_sequence_numbers_through_the_rust_sdk() {
    let laminar = Laminar::start();
    let sns = sns_client(&laminar);
    let topic = sns
        .create_topic()
        .name("rust-ordered.fifo")
        .attributes("FifoTopic", "true")
        .attributes("ContentBasedDeduplication", "true")
        .send()
        .await
        .expect("topic")
        .topic_arn
        .expect("an ARN");
    let first = sns
        .publish()
        .topic_arn(&topic)
        .message("a")
        .message_group_id("g")
        .send()
        .await
        .expect("published");
    let second = sns
        .publish()
        .topic_arn(&topic)
        .message("b")
        .message_group_id("g")
        .send()
        .await
        .expect("published");
    let n = |s: Option<&str>| s.and_then(|s| s.parse::<u128>().ok()).expect("a number");
    assert!(n(second.sequence_number()) > n(first.sequence_number()));
    let refused = sns
        .publish()
        .topic_arn(&topic)
        .message("c")
        .send()
        .await
        .expect_err("no group id");
    assert_eq!(refused.code(), Some("InvalidParameter"));
    assert_eq!(
        refused.message(),
        Some("Invalid parameter: The MessageGroupId parameter is required for FIFO topics")
    );
}
