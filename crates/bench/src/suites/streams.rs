//! A Kinesis stream event source mapping end to end: records already in a
//! 4-shard stream, a mapping created with TRIM_HORIZON and batches of 100,
//! the null runtime counting what it is given, state in a `--data-dir`.

use super::bench::*;
use super::machine::*;
use super::pools::{seen, Counting};
use crate::api::expect;
use crate::http::{Answer, Conn};
use crate::report::{Figure, Target};
use crate::stats::summarize_higher_is_better;
use crate::Result;
use base64::Engine as _;
use bytes::Bytes;
use hyper::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const FUNCTION: &str = "bench-kinesis";
const SHARDS: usize = 4;
const BATCH: usize = 100;
/// PutRecords takes at most 500 records.
const PUT_BATCH: usize = 500;

impl Bench {
    pub(super) async fn streams_suite(&mut self) -> Result<()> {
        let Counting {
            temp: _temp,
            counts,
            mut laminar,
            mut conn,
        } = self.counting(FUNCTION).await?;

        let records = self.counts.stream_records;
        let mut per_second = Vec::new();
        for run in 0..self.counts.stream_runs {
            progress(&format!(
                "Kinesis mapping, run {}: {records} records through {SHARDS} shards, batches of {BATCH} (--data-dir)",
                run + 1
            ));
            let stream = format!("bench-stream-{run}");
            let arn = create_stream(&mut conn, &stream).await?;
            put_records(&mut conn, &stream, records).await?;
            let before = seen(&counts)?;
            let started = Instant::now();
            let mapping = kinesis_mapping(&mut conn, &arn).await?;
            let deadline = started + Duration::from_secs(300);
            while seen(&counts)? < before + records {
                if Instant::now() > deadline {
                    return Err(format!(
                        "the mapping delivered {} of {records} records in 300 s",
                        seen(&counts)? - before
                    )
                    .into());
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            per_second.push(records as f64 / started.elapsed().as_secs_f64());
            let path = format!("/2015-03-31/event-source-mappings/{mapping}");
            let answer = conn.send(Method::DELETE, &path, &[], Bytes::new()).await?;
            expect(answer, 202, "DeleteEventSourceMapping")?;
        }
        laminar.stop(Duration::from_secs(5))?;
        self.push(
            Figure::new(
                "stream.kinesis_records_per_s",
                "Kinesis mapping end to end, null runtime, batches of 100, --data-dir",
                "records/s",
                summarize_higher_is_better(&per_second),
            )
            .target(Target::at_least("≥ 20,000 records/s", 20_000.0))
            .note(format!(
                "{records} records already in a {SHARDS}-shard stream; from CreateEventSourceMapping (TRIM_HORIZON) until the function has seen every record, checkpoints committed per batch"
            )),
        );
        Ok(())
    }
}

async fn kinesis(conn: &mut Conn, operation: &str, body: Value) -> Result<Answer> {
    let target = format!("Kinesis_20131202.{operation}");
    conn.send(
        Method::POST,
        "/",
        &[("x-amz-target", target.as_str())],
        Bytes::from(body.to_string()),
    )
    .await
}

/// Creates the stream, waits until it is ACTIVE, and answers its ARN.
async fn create_stream(conn: &mut Conn, name: &str) -> Result<String> {
    let answer = kinesis(
        conn,
        "CreateStream",
        json!({ "StreamName": name, "ShardCount": SHARDS }),
    )
    .await?;
    expect(answer, 200, "CreateStream")?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let answer = kinesis(conn, "DescribeStreamSummary", json!({ "StreamName": name })).await?;
        let summary = expect(answer, 200, "DescribeStreamSummary")?.json()?;
        let description = &summary["StreamDescriptionSummary"];
        if description["StreamStatus"] == "ACTIVE" {
            return description["StreamARN"]
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| "DescribeStreamSummary answered no StreamARN".into());
        }
        if Instant::now() > deadline {
            return Err(format!("stream {name} did not become ACTIVE").into());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn put_records(conn: &mut Conn, stream: &str, records: usize) -> Result<()> {
    let data = base64::engine::general_purpose::STANDARD.encode(br#"{"bench":1}"#);
    for start in (0..records).step_by(PUT_BATCH) {
        let batch: Vec<Value> = (start..records.min(start + PUT_BATCH))
            .map(|i| json!({ "Data": data, "PartitionKey": format!("key-{i}") }))
            .collect();
        let answer = kinesis(
            conn,
            "PutRecords",
            json!({ "StreamName": stream, "Records": batch }),
        )
        .await?;
        let out = expect(answer, 200, "PutRecords")?.json()?;
        if out["FailedRecordCount"].as_u64() != Some(0) {
            return Err(format!("PutRecords failed records: {out}").into());
        }
    }
    Ok(())
}

/// Creates the mapping and answers its UUID.
async fn kinesis_mapping(conn: &mut Conn, stream_arn: &str) -> Result<String> {
    let body = json!({
        "FunctionName": FUNCTION,
        "EventSourceArn": stream_arn,
        "StartingPosition": "TRIM_HORIZON",
        "BatchSize": BATCH,
    });
    crate::api::create_mapping(conn, &body).await
}
