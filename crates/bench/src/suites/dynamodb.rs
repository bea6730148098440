//! DynamoDB: PutItem and GetItem latency with state in memory, against the
//! one-hop floor; and a DynamoDB stream event source mapping end to end
//! (items written with BatchWriteItem, a mapping with TRIM_HORIZON and
//! batches of 100, the null runtime counting records, state in a `--data-dir`).

use super::bench::*;
use super::machine::*;
use crate::api::expect;
use crate::fixtures;
use crate::http::{Answer, Conn};
use crate::laminar::Laminar;
use crate::null_runtime::COUNT_DIR;
use crate::report::{Figure, Floor, Target};
use crate::stats::{ms, summarize, summarize_higher_is_better};
use crate::Result;
use bytes::Bytes;
use hyper::Method;
use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, Instant};

const FUNCTION: &str = "bench-ddb-stream";
const BATCH: usize = 100;
/// BatchWriteItem takes at most 25 requests.
const WRITE_BATCH: usize = 25;
/// Distinct keys the latency series cycles through.
const KEYS: usize = 1000;

async fn dynamodb(conn: &mut Conn, operation: &str, body: Value) -> Result<Answer> {
    let target = format!("DynamoDB_20120810.{operation}");
    conn.send(
        Method::POST,
        "/",
        &[("x-amz-target", target.as_str())],
        Bytes::from(body.to_string()),
    )
    .await
}

/// Creates an on-demand table keyed by `pk` (S), with a NEW_IMAGE stream
/// when asked; answers its stream's ARN.
async fn create_table(conn: &mut Conn, name: &str, stream: bool) -> Result<Option<String>> {
    let mut body = json!({
        "TableName": name,
        "AttributeDefinitions": [{ "AttributeName": "pk", "AttributeType": "S" }],
        "KeySchema": [{ "AttributeName": "pk", "KeyType": "HASH" }],
        "BillingMode": "PAY_PER_REQUEST",
    });
    if stream {
        body["StreamSpecification"] =
            json!({ "StreamEnabled": true, "StreamViewType": "NEW_IMAGE" });
    }
    let answer = dynamodb(conn, "CreateTable", body).await?;
    let created = expect(answer, 200, "CreateTable")?.json()?;
    Ok(created["TableDescription"]["LatestStreamArn"]
        .as_str()
        .map(str::to_string))
}

fn item(i: usize) -> Value {
    json!({ "pk": { "S": format!("key-{i}") }, "n": { "N": i.to_string() }, "body": { "S": "x".repeat(100) } })
}

impl Bench {
    pub(super) async fn dynamodb_suite(&mut self) -> Result<()> {
        let mut laminar = Laminar::start(&self.launch("process", None)).await?;
        let mut conn = Conn::connect(laminar.addr).await?;
        let runs = self.counts.dynamodb_runs;
        progress(&format!(
            "DynamoDB: {runs} PutItem and {runs} GetItem calls (state in memory)"
        ));
        create_table(&mut conn, "bench-items", false).await?;
        let mut puts = Vec::with_capacity(runs);
        let mut gets = Vec::with_capacity(runs);
        for i in 0..unmeasured_runs(runs) + runs {
            let body = json!({ "TableName": "bench-items", "Item": item(i % KEYS) });
            let started = Instant::now();
            expect(dynamodb(&mut conn, "PutItem", body).await?, 200, "PutItem")?;
            puts.push(ms(started.elapsed()));
        }
        for i in 0..unmeasured_runs(runs) + runs {
            let key = json!({ "pk": { "S": format!("key-{}", i % KEYS) } });
            let body = json!({ "TableName": "bench-items", "Key": key });
            let started = Instant::now();
            expect(dynamodb(&mut conn, "GetItem", body).await?, 200, "GetItem")?;
            gets.push(ms(started.elapsed()));
        }
        let skip = unmeasured_runs(runs);
        laminar.stop(Duration::from_secs(5))?;
        self.push(
            Figure::new(
                "dynamodb.put_item",
                "DynamoDB PutItem, a 3-attribute item of about 120 bytes (state in memory)",
                "ms",
                summarize(&puts[skip..]),
            )
            .note(format!("{KEYS} keys written over and over, one connection")),
        );
        self.push(
            Figure::new(
                "dynamodb.get_item",
                "DynamoDB GetItem (state in memory)",
                "ms",
                summarize(&gets[skip..]),
            )
            .target(Target::at_most("≤ 2× one-hop floor", 0.1).or_floor(2.0, Floor::OneHop))
            .note(format!("{KEYS} keys read in turn, one connection")),
        );
        self.dynamodb_stream_figure().await
    }

    async fn dynamodb_stream_figure(&mut self) -> Result<()> {
        let temp = super::shared_with_functions()?;
        let counts = temp.path().join("counts");
        std::fs::create_dir_all(&counts)?;
        let mut laminar =
            Laminar::start(&self.launch("process", Some(temp.path().join("state")))).await?;
        let mut conn = Conn::connect(laminar.addr).await?;
        let null = fixtures::bootstrap_zip(&std::env::current_exe()?)?;
        let mut body: Value = serde_json::from_slice(&fixtures::create_body(
            FUNCTION,
            "provided.al2023",
            "bootstrap",
            &null,
        ))?;
        body["Environment"] = json!({ "Variables": { COUNT_DIR: counts.to_string_lossy() } });
        crate::api::create_function(&mut conn, Bytes::from(body.to_string())).await?;
        crate::api::wait_ready(&mut conn, FUNCTION, Duration::from_secs(120)).await?;
        let records = self.counts.stream_records;
        let mut per_second = Vec::new();
        for run in 0..self.counts.stream_runs {
            progress(&format!(
                "DynamoDB stream mapping, run {}: {records} changes, batches of {BATCH} (--data-dir)",
                run + 1
            ));
            let table = format!("bench-stream-{run}");
            let arn = create_table(&mut conn, &table, true)
                .await?
                .ok_or("CreateTable answered no LatestStreamArn")?;
            for start in (0..records).step_by(WRITE_BATCH) {
                let requests: Vec<Value> = (start..records.min(start + WRITE_BATCH))
                    .map(|i| json!({ "PutRequest": { "Item": item(i) } }))
                    .collect();
                let body = json!({ "RequestItems": { table.clone(): requests } });
                let answer = dynamodb(&mut conn, "BatchWriteItem", body).await?;
                expect(answer, 200, "BatchWriteItem")?;
            }
            let before = seen(&counts)?;
            let started = Instant::now();
            let mapping = mapping(&mut conn, &arn).await?;
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
                "stream.dynamodb_records_per_s",
                "DynamoDB stream mapping end to end, null runtime, batches of 100, --data-dir",
                "records/s",
                summarize_higher_is_better(&per_second),
            )
            .note(format!(
                "{records} changes already in the stream (one shard); from CreateEventSourceMapping (TRIM_HORIZON) until the function has seen every record, checkpoints committed per batch"
            )),
        );
        Ok(())
    }
}

/// Creates the mapping and answers its UUID.
async fn mapping(conn: &mut Conn, stream_arn: &str) -> Result<String> {
    let body = json!({
        "FunctionName": FUNCTION,
        "EventSourceArn": stream_arn,
        "StartingPosition": "TRIM_HORIZON",
        "BatchSize": BATCH,
    });
    crate::api::create_mapping(conn, &body).await
}

/// The records every environment of the function has counted so far.
fn seen(dir: &Path) -> Result<usize> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let text = std::fs::read_to_string(entry?.path()).unwrap_or_default();
        total += text.trim().parse::<usize>().unwrap_or(0);
    }
    Ok(total)
}
