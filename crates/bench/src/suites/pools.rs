//! Issue 19's rows: a burst of 64 invokes on a cold function, `Event`
//! invokes acknowledged and run to completion, SQS messages through a
//! mapping, and cold starts that find an environment initialized ahead of
//! demand (`--prewarm`), against the same cold starts without it.

use super::bench::*;
use super::machine::*;
use crate::api::{self, expect, invoke_path};
use crate::fixtures;
use crate::http::Conn;
use crate::laminar::Laminar;
use crate::null_runtime::COUNT_DIR;
use crate::report::{Figure, Target};
use crate::stats::{ms, summarize, summarize_higher_is_better};
use crate::{docker, Result};
use bytes::Bytes;
use hyper::Method;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

const BURST: usize = 64;
const EVENT_CONCURRENCY: usize = 64;
const SQS_BATCH: usize = 10;
const COUNTED: &str = "bench-counted";

impl Bench {
    pub(super) async fn pools_suite(&mut self, process: bool, docker_too: bool) -> Result<()> {
        if process {
            self.bursts("process").await?;
            self.cold_python().await?;
            self.prewarmed_cold("process").await?;
            self.durable_rows().await?;
        }
        if docker_too && docker::engine_version().is_some() && self.images_ready() {
            self.bursts("docker").await?;
            self.prewarmed_cold("docker").await?;
        }
        Ok(())
    }

    /// The rows whose every event is on disk before it is acknowledged:
    /// `Event` invokes (acknowledged, run to completion) and the SQS mapping.
    pub(super) async fn durable_rows(&mut self) -> Result<()> {
        self.event_acknowledgements().await?;
        self.event_completions().await?;
        self.sqs_mapping().await
    }

    /// 64 invokes at once on a Python function whose revision has no
    /// environment yet: from the first request sent to the last answer.
    async fn bursts(&mut self, executor: &'static str) -> Result<()> {
        progress(&format!(
            "{executor} executor: bursts of {BURST} on a cold Python function"
        ));
        let mut laminar = Laminar::start(&self.launch(executor, None)).await?;
        let mut conn = Conn::connect(laminar.addr).await?;
        self.deploy_python(&mut conn).await?;
        let mut conns = Vec::with_capacity(BURST);
        for _ in 0..BURST {
            conns.push(Conn::connect(laminar.addr).await?);
        }
        let runs = if self.counts.cold_runs > 5 { 3 } else { 1 };
        let mut took = Vec::new();
        for i in 0..runs {
            api::touch(&mut conn, PYTHON, &format!("burst {i}")).await?;
            api::wait_ready(&mut conn, PYTHON, Duration::from_secs(120)).await?;
            tokio::time::sleep(Duration::from_millis(200)).await;
            let begun = Instant::now();
            let mut set = JoinSet::new();
            for mut c in conns.drain(..) {
                let payload = self.payload.clone();
                set.spawn(async move {
                    let invoked = api::invoke(&mut c, &invoke_path(PYTHON), &payload, false).await;
                    (c, invoked.map(|_| ()))
                });
            }
            while let Some(joined) = set.join_next().await {
                let (c, invoked) = joined.map_err(|e| e.to_string())?;
                invoked?;
                conns.push(c);
            }
            took.push(ms(begun.elapsed()));
        }
        // 64 containers take the engine a while to remove.
        let pid = laminar.pid;
        let stopped = laminar.stop(Duration::from_secs(180));
        let leftover = docker::containers_of(pid);
        if !leftover.is_empty() {
            self.notes.push(format!(
                "laminar left {} container(s) after the {executor} burst; the bench removed them",
                leftover.len()
            ));
            docker::remove(&leftover);
        }
        let limit = if executor == "docker" { 3000.0 } else { 1500.0 };
        self.push(
            Figure::new(
                &format!("burst.{executor}.python3.11"),
                &format!("burst of {BURST} concurrent invokes, cold Python, {executor}, all answered"),
                "ms",
                summarize(&took),
            )
            .target(Target::at_most(&format!("≤ {limit:.0} ms"), limit))
            .note("UpdateFunctionConfiguration, wait for Successful, then 64 invokes sent at once on 64 connections (--prewarm 0)"),
        );
        stopped?;
        Ok(())
    }

    /// The burst's one-at-a-time counterpart: cold starts of the Python
    /// function without pre-initialization (`--prewarm 0`), as the process
    /// suite measures them (`cold.process.python3.11`).
    async fn cold_python(&mut self) -> Result<()> {
        progress("process executor, python3.11: cold starts (--prewarm 0)");
        let mut laminar = Laminar::start(&self.launch("process", None)).await?;
        let mut conn = Conn::connect(laminar.addr).await?;
        self.deploy_python(&mut conn).await?;
        let cold = self
            .cold_series(
                &mut conn,
                PYTHON,
                self.counts.cold_runs,
                true,
                Duration::from_millis(50),
                None,
            )
            .await?;
        laminar.stop(Duration::from_secs(60))?;
        self.push(
            Figure::new(
                "cold.process.python3.11",
                "cold start, process, python3.11 (client to client, --prewarm 0)",
                "ms",
                summarize(&cold.latency),
            )
            .target(Target::at_most("≤ 60 ms", 60.0))
            .note("UpdateFunctionConfiguration (new revision), then an invoke with LogType=Tail"),
        );
        self.push(Figure::new(
            "init.process.python3.11",
            "  of which runtime init (REPORT Init Duration), process, python3.11",
            "ms",
            summarize(&cold.init),
        ));
        Ok(())
    }

    /// Cold starts of a function updated more than a second ago, with the
    /// default `--prewarm`: the environment waits on `/next` already.
    async fn prewarmed_cold(&mut self, executor: &'static str) -> Result<()> {
        progress(&format!(
            "{executor} executor: cold starts with --prewarm (default)"
        ));
        let mut launch = self.launch(executor, None);
        launch.extra.clear();
        let mut laminar = Laminar::start(&launch).await?;
        let mut conn = Conn::connect(laminar.addr).await?;
        self.deploy_python(&mut conn).await?;
        let runs = if executor == "docker" {
            self.counts.docker_cold_runs
        } else {
            self.counts.cold_runs
        };
        let mut took = Vec::new();
        let mut init_reported = 0;
        for i in 0..runs {
            api::touch(&mut conn, PYTHON, &format!("prewarmed {i}")).await?;
            api::wait_ready(&mut conn, PYTHON, Duration::from_secs(120)).await?;
            tokio::time::sleep(Duration::from_millis(1000)).await;
            let invoked = api::invoke(&mut conn, &invoke_path(PYTHON), &self.payload, true).await?;
            took.push(ms(invoked.took));
            let report = api::report_of(&invoked.answer).ok_or("no REPORT line in the log tail")?;
            init_reported += usize::from(report.contains_key("Init Duration"));
        }
        laminar.stop(Duration::from_secs(60))?;
        let limit = if executor == "docker" { 50.0 } else { 10.0 };
        self.push(
            Figure::new(
                &format!("cold_prewarmed.{executor}.python3.11"),
                &format!("cold start, {executor}, python3.11, pre-initialized (--prewarm, the default)"),
                "ms",
                summarize(&took),
            )
            .target(Target::at_most(&format!("≤ {limit:.0} ms"), limit))
            .note(format!(
                "UpdateFunctionConfiguration, Successful, 1 s, then an invoke with LogType=Tail; {init_reported} of {runs} reported an Init Duration; without the flag: cold.{executor}.python3.11"
            )),
        );
        Ok(())
    }

    /// `Event` invokes at concurrency 64 with state on disk, a Python
    /// function draining the queue meanwhile: 202s per second.
    async fn event_acknowledgements(&mut self) -> Result<()> {
        progress("Event invokes acknowledged, concurrency 64, --data-dir");
        let temp = tempfile::Builder::new()
            .prefix("laminar-bench-")
            .tempdir()?;
        let mut laminar =
            Laminar::start(&self.launch("process", Some(temp.path().join("state")))).await?;
        let mut conn = Conn::connect(laminar.addr).await?;
        self.deploy_python(&mut conn).await?;
        let rounds = self.counts.throughput_rounds;
        let round = Duration::from_millis(self.counts.throughput_round_ms);
        let warmup = Duration::from_millis(self.counts.throughput_warmup_ms);
        let path = invoke_path(PYTHON);
        event_load(laminar.addr, &path, &self.payload, warmup).await?;
        let mut per_round = Vec::new();
        let mut latencies = Vec::new();
        for _ in 0..rounds {
            let (done, elapsed, lat) =
                event_load(laminar.addr, &path, &self.payload, round).await?;
            per_round.push(done as f64 / elapsed.as_secs_f64());
            latencies.extend(lat);
        }
        laminar.stop(Duration::from_secs(20))?;
        let latency = summarize(&latencies);
        self.push(
            Figure::new(
                "event.acknowledged_c64",
                "Event invokes acknowledged (202), concurrency 64, --data-dir",
                "invokes/s",
                summarize_higher_is_better(&per_round),
            )
            .target(Target::at_least("≥ 5,000 invokes/s", 5000.0))
            .note(format!(
                "every 202 committed (group commit); a Python function drains meanwhile; request latency p50 {:.3} ms, p99 {:.3} ms",
                latency.p50, latency.p99
            )),
        );
        Ok(())
    }

    /// `Event` invokes of the null runtime with state on disk, from the first
    /// request to the last event seen by the function.
    async fn event_completions(&mut self) -> Result<()> {
        let total = self.counted_total();
        progress(&format!(
            "{total} Event invokes run to completion, null runtime, --data-dir"
        ));
        let Counting {
            temp: _temp,
            counts,
            mut laminar,
            conn: _,
        } = self.counting(COUNTED).await?;
        let begun = Instant::now();
        let per_conn = total / EVENT_CONCURRENCY;
        let mut set = JoinSet::new();
        for _ in 0..EVENT_CONCURRENCY {
            let mut c = Conn::connect(laminar.addr).await?;
            let payload = self.payload.clone();
            set.spawn(async move {
                for _ in 0..per_conn {
                    send_event(&mut c, &invoke_path(COUNTED), &payload).await?;
                }
                Result::Ok(())
            });
        }
        while let Some(joined) = set.join_next().await {
            joined.map_err(|e| e.to_string())??;
        }
        let sent = per_conn * EVENT_CONCURRENCY;
        wait_counted(&counts, sent, Duration::from_secs(300)).await?;
        let rate = sent as f64 / begun.elapsed().as_secs_f64();
        laminar.stop(Duration::from_secs(20))?;
        self.push(
            Figure::new(
                "event.completed",
                "Event invokes run to completion, null runtime, --data-dir",
                "invokes/s",
                summarize_higher_is_better(&[rate]),
            )
            .target(Target::at_least("≥ 3,000 invokes/s", 3000.0))
            .note(format!("{sent} events sent on 64 connections; from the first request until the function has seen every event")),
        );
        Ok(())
    }

    /// Messages already in a queue, through a mapping with batches of 10 to
    /// the null runtime, state on disk.
    async fn sqs_mapping(&mut self) -> Result<()> {
        let total = self.counted_total();
        progress(&format!(
            "SQS mapping: {total} messages, batches of {SQS_BATCH}, --data-dir"
        ));
        let Counting {
            temp: _temp,
            counts,
            mut laminar,
            mut conn,
        } = self.counting(COUNTED).await?;
        let (url, arn) = sqs_queue(&mut conn, "bench-queue").await?;
        for start in (0..total).step_by(10) {
            let entries: Vec<Value> = (start..total.min(start + 10))
                .map(|i| json!({ "Id": format!("m{i}"), "MessageBody": "{\"bench\":1}" }))
                .collect();
            let sent = sqs(
                &mut conn,
                "SendMessageBatch",
                json!({ "QueueUrl": url, "Entries": entries }),
            )
            .await?;
            expect(sent, 200, "SendMessageBatch")?;
        }
        let begun = Instant::now();
        let body =
            json!({ "FunctionName": COUNTED, "EventSourceArn": arn, "BatchSize": SQS_BATCH });
        api::create_mapping(&mut conn, &body).await?;
        wait_counted(&counts, total, Duration::from_secs(300)).await?;
        let rate = total as f64 / begun.elapsed().as_secs_f64();
        laminar.stop(Duration::from_secs(20))?;
        self.push(
            Figure::new(
                "sqs.mapping_messages_per_s",
                "SQS messages through a mapping, batches of 10, null runtime, --data-dir",
                "messages/s",
                summarize_higher_is_better(&[rate]),
            )
            .target(Target::at_least("≥ 5,000 messages/s", 5000.0))
            .note(format!("{total} messages already in the queue; from CreateEventSourceMapping until the function has seen every message (each batch deleted after it)")),
        );
        Ok(())
    }

    /// How many events or messages the counted rows send.
    fn counted_total(&self) -> usize {
        if self.counts.cold_runs > 5 {
            20_000
        } else {
            4_000
        }
    }

    /// laminar with state on disk and the null runtime deployed, counting
    /// what it sees.
    pub(super) async fn counting(&self, function: &str) -> Result<Counting> {
        let temp = super::shared_with_functions()?;
        let counts = temp.path().join("counts");
        std::fs::create_dir_all(&counts)?;
        let laminar =
            Laminar::start(&self.launch("process", Some(temp.path().join("state")))).await?;
        let mut conn = Conn::connect(laminar.addr).await?;
        let null = fixtures::bootstrap_zip(&std::env::current_exe()?)?;
        let mut body: Value = serde_json::from_slice(&fixtures::create_body(
            function,
            "provided.al2023",
            "bootstrap",
            &null,
        ))?;
        body["Environment"] = json!({ "Variables": { COUNT_DIR: counts.to_string_lossy() } });
        api::create_function(&mut conn, Bytes::from(body.to_string())).await?;
        api::wait_ready(&mut conn, function, Duration::from_secs(120)).await?;
        Ok(Counting {
            temp,
            counts,
            laminar,
            conn,
        })
    }
}

/// A laminar whose counted function is ready; its state goes with `temp`.
pub(super) struct Counting {
    pub(super) temp: tempfile::TempDir,
    pub(super) counts: PathBuf,
    pub(super) laminar: Laminar,
    pub(super) conn: Conn,
}

/// One connection per worker sending `Event` invokes for `length`: how many
/// were acknowledged, in what time, and their latencies.
async fn event_load(
    addr: SocketAddr,
    path: &str,
    payload: &Bytes,
    length: Duration,
) -> Result<(usize, Duration, Vec<f64>)> {
    let begun = Instant::now();
    let deadline = begun + length;
    let mut set = JoinSet::new();
    for _ in 0..EVENT_CONCURRENCY {
        let mut c = Conn::connect(addr).await?;
        let (path, payload) = (path.to_string(), payload.clone());
        set.spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let sent = Instant::now();
                send_event(&mut c, &path, &payload).await?;
                latencies.push(ms(sent.elapsed()));
            }
            Result::Ok(latencies)
        });
    }
    let mut all = Vec::new();
    while let Some(joined) = set.join_next().await {
        all.extend(joined.map_err(|e| e.to_string())??);
    }
    Ok((all.len(), begun.elapsed(), all))
}

async fn send_event(conn: &mut Conn, path: &str, payload: &Bytes) -> Result<()> {
    let answer = conn
        .send(
            Method::POST,
            path,
            &[("x-amz-invocation-type", "Event")],
            payload.clone(),
        )
        .await?;
    expect(answer, 202, "Invoke (Event)")?;
    Ok(())
}

/// Creates a queue: its URL and ARN.
pub(super) async fn sqs_queue(conn: &mut Conn, name: &str) -> Result<(String, String)> {
    let created = sqs(conn, "CreateQueue", json!({ "QueueName": name })).await?;
    let created = expect(created, 200, "CreateQueue")?.json()?;
    let url = created["QueueUrl"]
        .as_str()
        .ok_or("CreateQueue answered no QueueUrl")?
        .to_string();
    let attributes = sqs(
        conn,
        "GetQueueAttributes",
        json!({ "QueueUrl": url, "AttributeNames": ["QueueArn"] }),
    )
    .await?;
    let attributes = expect(attributes, 200, "GetQueueAttributes")?.json()?;
    let arn = attributes["Attributes"]["QueueArn"]
        .as_str()
        .ok_or("no QueueArn")?
        .to_string();
    Ok((url, arn))
}

pub(super) async fn sqs(
    conn: &mut Conn,
    operation: &str,
    body: Value,
) -> Result<crate::http::Answer> {
    let target = format!("AmazonSQS.{operation}");
    conn.send(
        Method::POST,
        "/",
        &[
            ("x-amz-target", target.as_str()),
            ("content-type", "application/x-amz-json-1.0"),
        ],
        Bytes::from(body.to_string()),
    )
    .await
}

/// Waits until the function's environments have counted `total` events.
async fn wait_counted(dir: &Path, total: usize, limit: Duration) -> Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        let seen = seen(dir)?;
        if seen >= total {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("the function saw {seen} of {total} events in {limit:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// The records every environment of the function has counted so far.
pub(super) fn seen(dir: &Path) -> Result<usize> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let text = std::fs::read_to_string(entry?.path()).unwrap_or_default();
        total += text.trim().parse::<usize>().unwrap_or(0);
    }
    Ok(total)
}
