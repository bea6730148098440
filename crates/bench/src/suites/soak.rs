//! Issue 17's soak (`--soak-minutes N`): mixed traffic at a steady, bounded
//! rate for N minutes against one laminar with state on disk — synchronous
//! and `Event` invokes, SQS messages through a mapping, control-plane writes
//! (a function created and deleted, a configuration updated) — with the
//! process's resident memory and open files sampled. What matters is growth:
//! the slope of each after warm-up, by least squares.

use super::bench::*;
use super::machine::progress;
use super::pools::{seen, sqs, sqs_queue, Counting};
use crate::api::{self, expect, function_path, invoke_path};
use crate::fixtures;
use crate::http::Conn;
use crate::laminar::memory_of;
use crate::report::Figure;
use crate::stats::summarize;
use crate::Result;
use bytes::Bytes;
use hyper::Method;
use serde_json::json;
use std::time::{Duration, Instant};

const SOAKED: &str = "bench-soaked";
/// Each second: this many synchronous invokes, `Event` invokes and SQS
/// messages (in batches of 10), and one round of control-plane writes.
const SYNC_PER_S: usize = 100;
const EVENTS_PER_S: usize = 50;
const MESSAGES_PER_S: usize = 50;
const SAMPLE_EVERY: Duration = Duration::from_secs(10);

/// One sample of the laminar process.
struct Sample {
    at_s: f64,
    rss_mib: f64,
    open_files: f64,
}

impl Bench {
    pub(super) async fn soak_suite(&mut self, minutes: u64) -> Result<()> {
        let length = Duration::from_secs(minutes * 60);
        progress(&format!(
            "soak: {minutes} min of mixed traffic, --data-dir (each second {SYNC_PER_S} invokes, {EVENTS_PER_S} Event invokes, {MESSAGES_PER_S} SQS messages, a function created and deleted, a configuration updated)"
        ));
        let Counting {
            temp: _temp,
            counts,
            mut laminar,
            mut conn,
        } = self.counting(SOAKED).await?;
        let (url, arn) = sqs_queue(&mut conn, "bench-soak").await?;
        let mapping = json!({ "FunctionName": SOAKED, "EventSourceArn": arn, "BatchSize": 10 });
        api::create_mapping(&mut conn, &mapping).await?;
        let null = fixtures::bootstrap_zip(&std::env::current_exe()?)?;
        let begun = Instant::now();
        let mut samples = Vec::new();
        let mut next_sample = begun;
        let mut second = 0u64;
        let mut sent = 0usize;
        while begun.elapsed() < length {
            let tick = begun + Duration::from_secs(second);
            for _ in 0..SYNC_PER_S {
                api::invoke(&mut conn, &invoke_path(SOAKED), &self.payload, false).await?;
            }
            for _ in 0..EVENTS_PER_S {
                let answer = conn
                    .send(
                        Method::POST,
                        &invoke_path(SOAKED),
                        &[("x-amz-invocation-type", "Event")],
                        self.payload.clone(),
                    )
                    .await?;
                expect(answer, 202, "Invoke (Event)")?;
            }
            for batch in 0..MESSAGES_PER_S / 10 {
                let entries: Vec<_> = (0..10)
                    .map(|i| json!({ "Id": format!("m{batch}-{i}"), "MessageBody": "{\"bench\":1}" }))
                    .collect();
                let body = json!({ "QueueUrl": url, "Entries": entries });
                expect(
                    sqs(&mut conn, "SendMessageBatch", body).await?,
                    200,
                    "SendMessageBatch",
                )?;
            }
            sent += SYNC_PER_S + EVENTS_PER_S + MESSAGES_PER_S;
            self.control_writes(&mut conn, &null, second).await?;
            if Instant::now() >= next_sample {
                let taken = sample(laminar.pid, begun)?;
                progress(&format!(
                    "  soak at {:.0} s: RSS {:.1} MiB, {} open files, {sent} sent",
                    taken.at_s, taken.rss_mib, taken.open_files
                ));
                samples.push(taken);
                next_sample += SAMPLE_EVERY;
            }
            second += 1;
            tokio::time::sleep_until((tick + Duration::from_secs(1)).into()).await;
        }
        samples.push(sample(laminar.pid, begun)?);
        let drained = Instant::now();
        while seen(&counts)? < sent && drained.elapsed() < Duration::from_secs(120) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let delivered = seen(&counts)?;
        laminar.stop(Duration::from_secs(30))?;
        self.push_soak(&samples, minutes, sent);
        if delivered < sent {
            self.notes.push(format!(
                "soak: the function saw {delivered} of the {sent} invokes, events and messages sent"
            ));
        }
        Ok(())
    }

    /// A function created and deleted (its package stored and removed) and
    /// the soaked function's configuration updated.
    async fn control_writes(&mut self, conn: &mut Conn, package: &[u8], second: u64) -> Result<()> {
        let name = format!("bench-churn-{}", second % 2);
        let body = fixtures::create_body(&name, "provided.al2023", "bootstrap", package);
        api::create_function(conn, body).await?;
        let deleted = conn
            .send(Method::DELETE, &function_path(&name), &[], Bytes::new())
            .await?;
        expect(deleted, 204, "DeleteFunction")?;
        let update = json!({ "Description": format!("soak second {second}") });
        let updated = conn
            .send(
                Method::PUT,
                &format!("{}/configuration", function_path(SOAKED)),
                &[("content-type", "application/json")],
                Bytes::from(update.to_string()),
            )
            .await?;
        expect(updated, 200, "UpdateFunctionConfiguration")?;
        Ok(())
    }

    fn push_soak(&mut self, samples: &[Sample], minutes: u64, sent: usize) {
        // The first fifth (at most 10 minutes) is warm-up: caches and pools fill.
        let warm_from = (minutes as f64 * 60.0 / 5.0).min(600.0);
        let warm: Vec<&Sample> = samples.iter().filter(|s| s.at_s >= warm_from).collect();
        let rss_slope = slope_per_hour(&warm, |s| s.rss_mib);
        let files_slope = slope_per_hour(&warm, |s| s.open_files);
        let rss: Vec<f64> = samples.iter().map(|s| s.rss_mib).collect();
        let files: Vec<f64> = samples.iter().map(|s| s.open_files).collect();
        let what = format!(
            "{minutes} min, {sent} invokes/events/messages and {} control-plane write rounds; {} samples, slope by least squares from minute {:.0}",
            minutes * 60,
            samples.len(),
            warm_from / 60.0
        );
        self.push(
            Figure::new(
                "soak.rss_slope",
                "soak: laminar's RSS growth after warm-up",
                "MiB/h",
                summarize(&[rss_slope]),
            )
            .note(what.clone()),
        );
        self.push(
            Figure::new(
                "soak.open_files_slope",
                "soak: laminar's open files growth after warm-up",
                "files/h",
                summarize(&[files_slope]),
            )
            .note(what),
        );
        self.push(Figure::new(
            "soak.rss",
            "soak: laminar's RSS over the run (samples)",
            "MiB",
            summarize(&rss),
        ));
        self.push(Figure::new(
            "soak.open_files",
            "soak: laminar's open files over the run (samples)",
            "files",
            summarize(&files),
        ));
        let series: Vec<_> = samples
            .iter()
            .map(|s| json!({ "at_s": s.at_s, "rss_mib": s.rss_mib, "open_files": s.open_files }))
            .collect();
        self.details.insert("soak_samples".into(), json!(series));
    }
}

fn sample(pid: u32, begun: Instant) -> Result<Sample> {
    let memory = memory_of(pid).ok_or("laminar is gone")?;
    let open_files = std::fs::read_dir(format!("/proc/{pid}/fd"))?.count();
    Ok(Sample {
        at_s: begun.elapsed().as_secs_f64(),
        rss_mib: memory.rss_kib as f64 / 1024.0,
        open_files: open_files as f64,
    })
}

/// The least-squares slope of `value` over time, per hour (0 with fewer
/// than two samples).
fn slope_per_hour(samples: &[&Sample], value: impl Fn(&Sample) -> f64) -> f64 {
    let n = samples.len() as f64;
    if samples.len() < 2 {
        return 0.0;
    }
    let mean_t = samples.iter().map(|s| s.at_s).sum::<f64>() / n;
    let mean_v = samples.iter().map(|s| value(s)).sum::<f64>() / n;
    let (mut covariance, mut variance) = (0.0, 0.0);
    for s in samples {
        covariance += (s.at_s - mean_t) * (value(s) - mean_v);
        variance += (s.at_s - mean_t).powi(2);
    }
    if variance == 0.0 {
        return 0.0;
    }
    covariance / variance * 3600.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slope_is_per_hour() {
        let samples: Vec<Sample> = (0..10)
            .map(|i| Sample {
                at_s: i as f64 * 60.0,
                rss_mib: 20.0 + i as f64 * 0.5,
                open_files: 30.0,
            })
            .collect();
        let refs: Vec<&Sample> = samples.iter().collect();
        assert!((slope_per_hour(&refs, |s| s.rss_mib) - 30.0).abs() < 1e-9);
        assert_eq!(slope_per_hour(&refs, |s| s.open_files), 0.0);
    }
}
