//! The process executor: start-up, cold and warm invokes, the Python floor,
//! throughput.

use super::bench::*;
use super::machine::*;
use crate::api::invoke_path;
use crate::fixtures;
use crate::http::Conn;
use crate::laminar::{Laminar, MemorySampler};
use crate::report::{Figure, Floor, Target};
use crate::stats::{summarize, summarize_higher_is_better};
use crate::Result;
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;

impl Bench {
    pub(super) async fn process_suite(&mut self) -> Result<()> {
        progress("process executor: start-up, state in memory");
        let runs = self.counts.startup_runs;
        let (startup, idle, reported) = self
            .startups(runs, |_| self.launch("process", None))
            .await?;
        self.details.insert(
            "startup_self_reported_ready_ms".into(),
            json!(summarize(&reported)),
        );
        self.push(
            Figure::new(
                "startup.memory",
                "start-up to first answer (state in memory)",
                "ms",
                summarize(&startup),
            )
            .target(Target::at_most("≤ 10 ms", 10.0))
            .note("spawn → start-up line on stderr → first 200 from GET /_laminar/health"),
        );
        self.push(
            Figure::new(
                "rss.idle",
                "laminar RSS idle (state in memory)",
                "MiB",
                summarize(&idle),
            )
            .target(Target::at_most("≤ 15 MB", 15.0)),
        );

        let mut laminar = Laminar::start(&self.launch("process", None)).await?;
        let mut conn = Conn::connect(laminar.addr).await?;
        let bootstrap = fixtures::bootstrap_zip(&self.bootstrap_bin)?;
        self.deploy(
            &mut conn,
            PROVIDED,
            "provided.al2023",
            "bootstrap",
            &bootstrap,
        )
        .await?;
        let null = fixtures::bootstrap_zip(&std::env::current_exe()?)?;
        self.deploy(&mut conn, NULL, "provided.al2023", "bootstrap", &null)
            .await?;
        self.deploy_python(&mut conn).await?;

        self.python_floor()?;
        for (name, kind) in [
            (PROVIDED, "provided.al2023"),
            (NULL, "null runtime"),
            (PYTHON, "python3.11"),
        ] {
            progress(&format!("process executor, {kind}: cold starts"));
            let cold = self
                .cold_series(
                    &mut conn,
                    name,
                    self.counts.cold_runs,
                    true,
                    Duration::from_millis(50),
                    None,
                )
                .await?;
            let mut figure = Figure::new(
                &format!("cold.process.{kind}"),
                &format!("cold start, process, {kind} (client to client)"),
                "ms",
                summarize(&cold.latency),
            )
            .note("UpdateFunctionConfiguration (new revision), then an invoke with LogType=Tail");
            if kind == "python3.11" {
                figure = figure.target(Target::at_most("≤ 60 ms", 60.0));
            }
            if name == NULL {
                figure = figure.note(NULL_NOTE);
            }
            self.push(figure);
            self.push(Figure::new(
                &format!("init.process.{kind}"),
                &format!("  of which runtime init (REPORT Init Duration), process, {kind}"),
                "ms",
                summarize(&cold.init),
            ));

            progress(&format!("process executor, {kind}: warm invokes"));
            let series = self
                .warm_series(&laminar, &mut conn, name, self.counts.tail_runs)
                .await?;
            let mut figure = Figure::new(
                &format!("warm.process.{kind}"),
                &format!("warm invoke, process, {kind}"),
                "ms",
                summarize(&series.warm),
            );
            if kind == "provided.al2023" {
                figure = figure.target(
                    Target::at_most("≤ 0.3 ms (≤ 4× two-hop floor)", 0.3)
                        .or_floor(4.0, Floor::TwoHop),
                );
            }
            if name == NULL {
                figure = figure.note(NULL_NOTE);
            }
            self.push(figure);
            self.push(Figure::new(
                &format!("warm_tail.process.{kind}"),
                &format!("warm invoke with LogType=Tail, process, {kind}"),
                "ms",
                summarize(&series.tail),
            ));
            self.push(
                Figure::new(
                    &format!("duration.process.{kind}"),
                    &format!("  function run time (REPORT Duration), process, {kind}"),
                    "ms",
                    summarize(&series.durations),
                )
                .note("laminar's clock from hand-off to the runtime's answer: includes the Runtime API exchange"),
            );
            self.push_cpu_per_invoke("process", "process", kind, &series);
        }

        self.extension_cost(&laminar, &mut conn).await?;

        progress("CreateFunction with a 1 MB zip (state in memory)");
        let creates = self
            .creates(&mut conn, "mem", self.counts.create_runs)
            .await?;
        self.push(
            Figure::new(
                "create.memory",
                "CreateFunction, 1 MB zip (state in memory)",
                "ms",
                summarize(&creates),
            )
            .target(Target::at_most("≤ 5 ms", 5.0))
            .note("blobs in a temp dir: the zip is still fsynced and unpacked"),
        );

        self.throughput(&laminar).await?;

        tokio::time::sleep(Duration::from_millis(500)).await;
        if let Some(m) = laminar.memory_kib() {
            self.details.insert(
                "rss_after_load_mib".into(),
                json!({ "rss": mib(m.rss_kib), "peak_hwm": mib(m.hwm_kib) }),
            );
        }
        laminar.stop(Duration::from_secs(20))?;
        Ok(())
    }

    /// The floor of a Python cold start on this host: the interpreter
    /// laminar spawns (`python3` on PATH) starting and exiting, and the same
    /// interpreter by its real path, with and without `site`.
    pub(super) fn python_floor(&mut self) -> Result<()> {
        progress("floor: python3 start-up on this host");
        let runs = self.counts.cold_runs;
        let path = python_path();
        let on_path = spawn_to_exit(Path::new("python3"), &["-c", "pass"], &path, runs)?;
        self.push(
            Figure::new(
                "floor.python3_on_path",
                "floor: `python3 -c pass` as laminar finds it (PATH)",
                "ms",
                summarize(&on_path),
            )
            .note(format!("PATH={path}")),
        );
        let real = std::process::Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .env_clear()
            .env("PATH", &path)
            .output()?;
        let real = PathBuf::from(String::from_utf8_lossy(&real.stdout).trim());
        if real.as_os_str().is_empty() {
            return Ok(());
        }
        let direct = spawn_to_exit(&real, &["-c", "pass"], &path, runs)?;
        self.push(
            Figure::new(
                "floor.python3_direct",
                "floor: the same interpreter by its real path",
                "ms",
                summarize(&direct),
            )
            .note(real.display().to_string()),
        );
        let no_site = spawn_to_exit(&real, &["-S", "-c", "pass"], &path, runs)?;
        self.push(Figure::new(
            "floor.python3_no_site",
            "floor: the same interpreter, -S (no site-packages)",
            "ms",
            summarize(&no_site),
        ));
        Ok(())
    }

    pub(super) async fn throughput(&mut self, laminar: &Laminar) -> Result<()> {
        let mut rounds_detail = Map::new();
        let runs = [
            (PROVIDED, "provided.al2023", 1usize),
            (PROVIDED, "provided.al2023", 8),
            (PROVIDED, "provided.al2023", 64),
            (NULL, "null runtime", 1),
            (NULL, "null runtime", 64),
        ];
        for (name, kind, c) in runs {
            let path = invoke_path(name);
            progress(&format!("throughput, {kind}, concurrency {c}"));
            let sampler = (c == 64 && name == PROVIDED)
                .then(|| MemorySampler::start(laminar.pid, Duration::from_millis(25)));
            let result = self
                .load(laminar.addr, &path, c, self.counts.throughput_rounds)
                .await?;
            let latency = summarize(&result.latencies);
            rounds_detail.insert(
                format!("{kind} c{c}"),
                json!({ "invokes_per_s_by_round": result.per_round, "latency_ms": latency }),
            );
            let id = if name == NULL {
                format!("throughput.null.c{c}")
            } else {
                format!("throughput.c{c}")
            };
            let mut figure = Figure::new(
                &id,
                &format!("throughput, process, {kind}, concurrency {c}"),
                "invokes/s",
                summarize_higher_is_better(&result.per_round),
            )
            .note(format!(
                "request latency p50 {:.3} ms, p99 {:.3} ms; p99 column: the slowest 1% of rounds",
                latency.p50, latency.p99
            ));
            if c == 64 && name == PROVIDED {
                figure = figure.target(Target::at_least("≥ 5,000 invokes/s", 5000.0));
            }
            self.push(figure);
            if let Some(sampler) = sampler {
                let samples: Vec<f64> = sampler.finish().into_iter().map(mib).collect();
                self.push(
                    Figure::new(
                        "rss.load",
                        "laminar RSS under load (concurrency 64)",
                        "MiB",
                        summarize(&samples),
                    )
                    .note("sampled every 25 ms during the concurrency-64 warm-up and rounds"),
                );
            }
        }
        self.details
            .insert("throughput".into(), Value::Object(rounds_detail));
        Ok(())
    }
}
