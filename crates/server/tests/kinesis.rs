//! Kinesis Data Streams through the official Rust SDK (aws-sdk-kinesis)
//! against a real laminar: a stream's life, records in order per shard,
//! resharding, and errors as the SDK reads them.

mod common;

use aws_sdk_kinesis::error::ProvideErrorMetadata;
use aws_sdk_kinesis::primitives::Blob;
use aws_sdk_kinesis::types::{
    PutRecordsRequestEntry, ScalingType, ShardIteratorType, StreamStatus,
};
use aws_sdk_sqs::config::{BehaviorVersion, Credentials, Region};
use common::Laminar;

fn kinesis_client(laminar: &Laminar) -> aws_sdk_kinesis::Client {
    let config = aws_sdk_kinesis::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(&laminar.url)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "secret", None, None, "test"))
        .build();
    aws_sdk_kinesis::Client::from_conf(config)
}

#[tokio::test]
async fn a_stream_round_trip_through_the_rust_sdk() {
    let laminar = Laminar::start();
    let kinesis = kinesis_client(&laminar);
    kinesis
        .create_stream()
        .stream_name("orders")
        .shard_count(2)
        .send()
        .await
        .expect("stream created");
    let summary = kinesis
        .describe_stream_summary()
        .stream_name("orders")
        .send()
        .await
        .expect("summary")
        .stream_description_summary
        .expect("a summary");
    assert_eq!(summary.stream_status, StreamStatus::Active);
    assert_eq!(summary.open_shard_count, 2);
    assert!(
        summary.stream_arn.ends_with(":stream/orders"),
        "{}",
        summary.stream_arn
    );

    let entries: Vec<PutRecordsRequestEntry> = (0..20)
        .map(|i| {
            PutRecordsRequestEntry::builder()
                .data(Blob::new(format!("{i}")))
                .partition_key(format!("key-{}", i % 3))
                .build()
                .expect("an entry")
        })
        .collect();
    let put = kinesis
        .put_records()
        .stream_name("orders")
        .set_records(Some(entries))
        .send()
        .await
        .expect("records put");
    assert_eq!(put.failed_record_count, Some(0));
    assert_eq!(put.records.len(), 20);

    // Every record comes back from its shard, in the order it was put.
    let mut seen = Vec::new();
    for shard in ["shardId-000000000000", "shardId-000000000001"] {
        let iterator = kinesis
            .get_shard_iterator()
            .stream_name("orders")
            .shard_id(shard)
            .shard_iterator_type(ShardIteratorType::TrimHorizon)
            .send()
            .await
            .expect("iterator")
            .shard_iterator
            .expect("an iterator");
        let got = kinesis
            .get_records()
            .shard_iterator(iterator)
            .send()
            .await
            .expect("records");
        assert_eq!(got.millis_behind_latest, Some(0));
        assert!(got.next_shard_iterator.is_some());
        let expected: Vec<&str> = put
            .records
            .iter()
            .filter(|r| r.shard_id.as_deref() == Some(shard))
            .filter_map(|r| r.sequence_number.as_deref())
            .collect();
        let sequence: Vec<&str> = got
            .records
            .iter()
            .map(|r| r.sequence_number.as_str())
            .collect();
        assert_eq!(sequence, expected);
        for record in &got.records {
            seen.push(String::from_utf8(record.data.as_ref().to_vec()).expect("utf-8"));
            assert!(record.approximate_arrival_timestamp.is_some());
        }
    }
    seen.sort_by_key(|s| s.parse::<u32>().unwrap_or(u32::MAX));
    assert_eq!(seen, (0..20).map(|i| i.to_string()).collect::<Vec<_>>());

    let scaled = kinesis
        .update_shard_count()
        .stream_name("orders")
        .target_shard_count(4)
        .scaling_type(ScalingType::UniformScaling)
        .send()
        .await
        .expect("resharded");
    assert_eq!(scaled.current_shard_count, Some(2));
    assert_eq!(scaled.target_shard_count, Some(4));
    let shards = kinesis
        .list_shards()
        .stream_name("orders")
        .send()
        .await
        .expect("shards")
        .shards
        .unwrap_or_default();
    assert_eq!(shards.len(), 6);
    assert!(shards[..2].iter().all(|s| s
        .sequence_number_range
        .as_ref()
        .is_some_and(|r| r.ending_sequence_number.is_some())));
    assert_eq!(
        shards[2].parent_shard_id.as_deref(),
        Some("shardId-000000000000")
    );

    let missing = kinesis
        .describe_stream()
        .stream_name("nope")
        .send()
        .await
        .expect_err("no such stream");
    assert_eq!(missing.code(), Some("ResourceNotFoundException"));
    assert!(
        missing.message().is_some_and(
            |m| m.starts_with("Stream nope under account ") && m.ends_with(" not found.")
        ),
        "{missing:?}"
    );
    kinesis
        .delete_stream()
        .stream_name("orders")
        .send()
        .await
        .expect("deleted");
    let listed = kinesis.list_streams().send().await.expect("listed");
    assert!(listed.stream_names.is_empty());
    assert!(!listed.has_more_streams);
}
