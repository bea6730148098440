//! The bench's state and the measurements every suite shares: deploys,
//! cold and warm series, creates, load.

use super::machine::*;
use crate::api::{self, invoke_path};
use crate::fixtures::{self, Noise};
use crate::http::Conn;
use crate::laminar::{Laminar, Launch};
use crate::report::Figure;
use crate::stats::{ms, summarize};
use crate::{docker, Counts, Result};
use bytes::Bytes;
use serde_json::{Map, Value};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub(super) const ACCOUNT_CONCURRENCY: u32 = 2000;
pub(super) const PROVIDED: &str = "bench-provided";
pub(super) const PYTHON: &str = "bench-python";
pub(super) const NULL: &str = "bench-null";

pub(super) struct Bench {
    pub(super) counts: Counts,
    pub(super) laminar_bin: PathBuf,
    pub(super) bootstrap_bin: PathBuf,
    pub(super) no_build_images: bool,
    pub(super) payload: Bytes,
    pub(super) noise: Noise,
    pub(super) figures: Vec<Figure>,
    pub(super) notes: Vec<String>,
    pub(super) details: Map<String, Value>,
}

/// What the null-runtime figures are.
pub(super) const NULL_NOTE: &str = "provided.al2023 whose bootstrap is laminar-bench's own minimal runtime (one connection, one thread, echo): laminar's cost without lambda_runtime's";

/// Per-round throughput and all request latencies of a load test.
pub(super) struct LoadResult {
    pub(super) per_round: Vec<f64>,
    pub(super) latencies: Vec<f64>,
}

/// Warm invokes: latencies without and with the log tail, the REPORT
/// Durations, and laminar's own CPU time per warm invoke (a figure that
/// other load on the machine barely moves, unlike latencies).
pub(super) struct WarmSeries {
    pub(super) warm: Vec<f64>,
    pub(super) tail: Vec<f64>,
    pub(super) durations: Vec<f64>,
    pub(super) cpu_per_invoke_us: Option<f64>,
}

/// One cold-start series.
#[derive(Default)]
pub(super) struct Cold {
    pub(super) latency: Vec<f64>,
    pub(super) init: Vec<f64>,
    pub(super) duration: Vec<f64>,
}

impl Bench {
    pub(super) fn push(&mut self, figure: Figure) {
        let s = &figure.summary;
        progress(&format!(
            "  {}: p50 {:.3} {}, p99 {:.3} (n={})",
            figure.label, s.p50, figure.unit, s.p99, s.n
        ));
        self.figures.push(figure);
    }

    pub(super) fn launch(&self, executor: &'static str, data_dir: Option<PathBuf>) -> Launch {
        Launch {
            binary: self.laminar_bin.clone(),
            executor,
            data_dir,
            account_concurrency: ACCOUNT_CONCURRENCY,
            // Cold starts are cold: no environment initialized ahead of
            // demand unless a row asks for it (`pools.rs`).
            extra: vec!["--prewarm".into(), "0".into()],
        }
    }

    /// Round trips of the bench's own client against `addr`.
    pub(super) async fn floor_latency(&self, addr: SocketAddr) -> Result<Vec<f64>> {
        let mut conn = Conn::connect(addr).await?;
        series(
            &mut conn,
            "/floor",
            &self.payload,
            self.counts.floor_runs,
            false,
        )
        .await
        .map(|(latencies, _)| latencies)
    }

    /// Starts and stops laminar `runs` times: spawn → first answer, and the
    /// resident memory once idle.
    pub(super) async fn startups(
        &self,
        runs: usize,
        launch_for: impl Fn(usize) -> Launch,
    ) -> Result<(Vec<f64>, Vec<f64>, Vec<f64>)> {
        let (mut startup, mut idle, mut reported) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..runs {
            let mut laminar = Laminar::start(&launch_for(i)).await?;
            startup.push(ms(laminar.startup));
            reported.extend(laminar.self_reported_ready_ms);
            tokio::time::sleep(Duration::from_millis(300)).await;
            if let Some(m) = laminar.memory_kib() {
                idle.push(mib(m.rss_kib));
            }
            laminar.stop(Duration::from_secs(20))?;
        }
        Ok((startup, idle, reported))
    }

    pub(super) async fn deploy(
        &self,
        conn: &mut Conn,
        name: &str,
        runtime: &str,
        handler: &str,
        zip: &[u8],
    ) -> Result<()> {
        let body = fixtures::create_body(name, runtime, handler, zip);
        api::create_function(conn, body).await?;
        api::wait_ready(conn, name, Duration::from_secs(120)).await
    }

    /// The Python function most rows measure (`PYTHON`).
    pub(super) async fn deploy_python(&self, conn: &mut Conn) -> Result<()> {
        self.deploy(
            conn,
            PYTHON,
            "python3.11",
            "app.handler",
            &fixtures::python_zip()?,
        )
        .await
    }

    /// Changes the function (new revision), then invokes it: a cold start.
    pub(super) async fn cold_series(
        &self,
        conn: &mut Conn,
        name: &str,
        runs: usize,
        tail: bool,
        settle: Duration,
        mut engine: Option<&mut docker::Engine>,
    ) -> Result<Cold> {
        let mut cold = Cold::default();
        let path = invoke_path(name);
        let arn = format!("arn:aws:lambda:us-east-1:000000000000:function:{name}");
        for i in 0..runs {
            api::touch(conn, name, &format!("cold start {i}")).await?;
            api::wait_ready(conn, name, Duration::from_secs(120)).await?;
            if let Some(engine) = engine.as_deref_mut() {
                // The retired container is removed in the background: let
                // the engine finish before timing the next start.
                let deadline = Instant::now() + Duration::from_secs(20);
                while engine
                    .count_labelled("dev.laminar.function-arn", &arn)
                    .await?
                    > 0
                    && Instant::now() < deadline
                {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
            tokio::time::sleep(settle).await;
            let invoked = api::invoke(conn, &path, &self.payload, tail).await?;
            cold.latency.push(ms(invoked.took));
            if tail {
                let report =
                    api::report_of(&invoked.answer).ok_or("no REPORT line in the log tail")?;
                let init = report.get("Init Duration").copied().ok_or_else(|| {
                    format!("{name}: the invoke after an update was not cold (no Init Duration)")
                })?;
                cold.init.push(init);
                cold.duration
                    .push(report.get("Duration").copied().unwrap_or(f64::NAN));
            }
        }
        Ok(cold)
    }

    /// Warm invokes, without and with `LogType=Tail`; returns the latencies
    /// of both and the REPORT Durations.
    pub(super) async fn warm_series(
        &self,
        laminar: &Laminar,
        conn: &mut Conn,
        name: &str,
        tail_runs: usize,
    ) -> Result<WarmSeries> {
        let path = invoke_path(name);
        let runs = self.counts.warm_runs;
        let cpu_before = laminar.cpu_time();
        let (warm, _) = series(conn, &path, &self.payload, runs, false).await?;
        let cpu_after = laminar.cpu_time();
        let invokes = runs + unmeasured_runs(runs);
        let cpu_per_invoke_us = cpu_before.zip(cpu_after).map(|(before, after)| {
            after.saturating_sub(before).as_secs_f64() * 1e6 / invokes.max(1) as f64
        });
        let (tail, durations) = series(conn, &path, &self.payload, tail_runs, true).await?;
        Ok(WarmSeries {
            warm,
            tail,
            durations,
            cpu_per_invoke_us,
        })
    }

    /// laminar's CPU time per warm invoke of a series, when /proc told it.
    pub(super) fn push_cpu_per_invoke(
        &mut self,
        executor_id: &str,
        executor: &str,
        kind: &str,
        series: &WarmSeries,
    ) {
        if let Some(us) = series.cpu_per_invoke_us {
            self.push(
                Figure::new(
                    &format!("cpu_per_warm_invoke.{executor_id}.{kind}"),
                    &format!("laminar CPU time per warm invoke, {executor}, {kind}"),
                    "µs",
                    summarize(&[us]),
                )
                .note("laminar's own user + system time over the warm series (not the runtime's), per invoke"),
            );
        }
    }

    /// `runs` CreateFunction calls with fresh 1 MB packages (prepared before
    /// the clock starts).
    pub(super) async fn creates(
        &mut self,
        conn: &mut Conn,
        prefix: &str,
        runs: usize,
    ) -> Result<Vec<f64>> {
        let mut took = Vec::with_capacity(runs);
        for i in 0..runs {
            let zip = fixtures::big_zip(&mut self.noise, self.counts.zip_bytes)?;
            let body = fixtures::create_body(
                &format!("{prefix}-{i:05}"),
                "python3.11",
                "app.handler",
                &zip,
            );
            let (t, _) = api::create_function(conn, body).await?;
            took.push(ms(t));
            if (i + 1) % 250 == 0 {
                progress(&format!("  created {} of {runs}", i + 1));
            }
        }
        Ok(took)
    }

    /// `c` connections invoking as fast as laminar answers: a warm-up, then
    /// measured rounds.
    pub(super) async fn load(
        &self,
        addr: SocketAddr,
        path: &str,
        c: usize,
        rounds: usize,
    ) -> Result<LoadResult> {
        let mut conns = Vec::with_capacity(c);
        for _ in 0..c {
            conns.push(Conn::connect(addr).await?);
        }
        let warmup = Duration::from_millis(self.counts.throughput_warmup_ms);
        let phase = load_phase(&mut conns, path, &self.payload, warmup).await;
        if phase.errors > 0 {
            return Err(format!(
                "{} errors under load (c={c}), the first: {}",
                phase.errors,
                phase.first_error.unwrap_or_default()
            )
            .into());
        }
        let mut result = LoadResult {
            per_round: Vec::new(),
            latencies: Vec::new(),
        };
        for _ in 0..rounds {
            let round = Duration::from_millis(self.counts.throughput_round_ms);
            let phase = load_phase(&mut conns, path, &self.payload, round).await;
            if phase.errors > 0 {
                return Err(format!(
                    "{} errors under load (c={c}), the first: {}",
                    phase.errors,
                    phase.first_error.unwrap_or_default()
                )
                .into());
            }
            result
                .per_round
                .push(phase.completed as f64 / phase.elapsed.as_secs_f64());
            result.latencies.extend(phase.latencies);
        }
        Ok(result)
    }
}
