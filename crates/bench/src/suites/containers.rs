//! The Docker executor: images, cold starts (mounted and not), warm invokes.

use super::bench::*;
use super::machine::*;
use crate::fixtures;
use crate::http::Conn;
use crate::laminar::Laminar;
use crate::report::{Figure, Machine, Target};
use crate::stats::{ms, summarize};
use crate::{docker, Result};
use serde_json::json;
use std::path::Path;
use std::time::Duration;

impl Bench {
    pub(super) fn images_ready(&mut self) -> bool {
        let missing = docker::missing_images();
        if missing.is_empty() {
            return true;
        }
        if self.no_build_images {
            self.notes.push(format!(
                "Docker executor skipped: images missing ({})",
                missing.join(", ")
            ));
            return false;
        }
        let Some(script) = find_image_script() else {
            self.notes.push(format!(
                "Docker executor skipped: images missing ({}) and scripts/build-test-images.sh not found",
                missing.join(", ")
            ));
            return false;
        };
        if let Err(e) = docker::build_images(&script) {
            self.notes.push(format!("Docker executor skipped: {e}"));
            return false;
        }
        let missing = docker::missing_images();
        if !missing.is_empty() {
            self.notes.push(format!(
                "Docker executor skipped: still missing {}",
                missing.join(", ")
            ));
        }
        missing.is_empty()
    }

    pub(super) async fn docker_suite(&mut self, machine: &mut Machine) -> Result<()> {
        let Some(version) = docker::engine_version() else {
            self.notes
                .push("Docker executor skipped: no Docker engine answers".into());
            return Ok(());
        };
        machine.docker_engine = Some(version);
        if !self.images_ready() {
            return Ok(());
        }
        progress("docker executor: start-up and deploy");
        let mut laminar = Laminar::start(&self.launch("docker", None)).await?;
        let pid = laminar.pid;
        let outcome = self.docker_measurements(&mut laminar).await;
        let stopped = laminar.stop(Duration::from_secs(60));
        let leftover = docker::containers_of(pid);
        if !leftover.is_empty() {
            self.notes.push(format!(
                "laminar left {} container(s) after SIGTERM; the bench removed them",
                leftover.len()
            ));
            docker::remove(&leftover);
        }
        outcome?;
        stopped?;

        // The same cold starts with the code bind-mounted instead of copied
        // into each container (laminar's `auto` copies when /.dockerenv
        // exists, as it does on some hosts that share the engine's files).
        progress("docker executor, --docker-code-delivery mount: cold starts");
        let mut launch = self.launch("docker", None);
        launch
            .extra
            .extend(["--docker-code-delivery".into(), "mount".into()]);
        let mut laminar = Laminar::start(&launch).await?;
        let pid = laminar.pid;
        let outcome = self.docker_mount_cold(&laminar).await;
        let stopped = laminar.stop(Duration::from_secs(60));
        let leftover = docker::containers_of(pid);
        if !leftover.is_empty() {
            self.notes.push(format!(
                "laminar left {} container(s) after SIGTERM; the bench removed them",
                leftover.len()
            ));
            docker::remove(&leftover);
        }
        outcome?;
        stopped?;
        Ok(())
    }

    pub(super) async fn docker_mount_cold(&mut self, laminar: &Laminar) -> Result<()> {
        let mut conn = Conn::connect(laminar.addr).await?;
        let mut engine = docker::Engine::connect().await?;
        let bootstrap = fixtures::bootstrap_zip(&self.bootstrap_bin)?;
        self.deploy(
            &mut conn,
            PROVIDED,
            "provided.al2023",
            "bootstrap",
            &bootstrap,
        )
        .await?;
        self.deploy_python(&mut conn).await?;
        let settle = Duration::from_millis(self.counts.docker_settle_ms);
        let runs = self.counts.docker_cold_runs;
        for (name, kind) in [(PROVIDED, "provided.al2023"), (PYTHON, "python3.11")] {
            let cold = self
                .cold_series(&mut conn, name, runs, false, settle, Some(&mut engine))
                .await?;
            self.push(Figure::new(
                &format!("cold.docker_mount.{kind}"),
                &format!(
                    "cold start, Docker, {kind}, code bind-mounted (--docker-code-delivery mount)"
                ),
                "ms",
                summarize(&cold.latency),
            ));
        }
        Ok(())
    }

    pub(super) async fn docker_measurements(&mut self, laminar: &mut Laminar) -> Result<()> {
        self.push(Figure::new(
            "startup.docker",
            "start-up to first answer (Docker executor)",
            "ms",
            summarize(&[ms(laminar.startup)]),
        ));
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
        self.deploy_python(&mut conn).await?;
        let settle = Duration::from_millis(self.counts.docker_settle_ms);
        let runs = self.counts.docker_cold_runs;
        let mut engine = docker::Engine::connect().await?;
        progress("floor: the engine's own container create and start");
        let (mut create, mut start) = (Vec::new(), Vec::new());
        for _ in 0..=runs {
            let (c, s) = engine.create_and_start(docker::IMAGES[1]).await?;
            create.push(ms(c));
            start.push(ms(s));
        }
        // The first one warms the engine's caches.
        let total: Vec<f64> = create
            .iter()
            .zip(&start)
            .skip(1)
            .map(|(c, s)| c + s)
            .collect();
        self.push(
            Figure::new(
                "floor.docker_create_start",
                "floor: engine create + start of a container (/bin/true, bridge)",
                "ms",
                summarize(&total),
            )
            .note(format!(
                "Docker engine API on {}: create p50 {:.1} ms, start p50 {:.1} ms",
                docker::SOCKET,
                summarize(&create[1..]).p50,
                summarize(&start[1..]).p50
            )),
        );
        for (name, kind) in [(PROVIDED, "provided.al2023"), (PYTHON, "python3.11")] {
            progress(&format!("docker executor, {kind}: cold starts"));
            let cold = self
                .cold_series(&mut conn, name, runs, false, settle, Some(&mut engine))
                .await?;
            self.push(
                Figure::new(
                    &format!("cold.docker.{kind}"),
                    &format!("cold start, Docker, {kind} (client to client)"),
                    "ms",
                    summarize(&cold.latency),
                )
                .target(Target::at_most("≤ 400 ms", 400.0))
                .note(format!(
                    "UpdateFunctionConfiguration, wait for Successful and for the old container to be gone, then invoke; code delivery auto = {} here",
                    if Path::new("/.dockerenv").exists() { "copy (/.dockerenv exists)" } else { "bind mount" }
                )),
            );
            let tailed = self
                .cold_series(&mut conn, name, runs, true, settle, Some(&mut engine))
                .await?;
            self.push(Figure::new(
                &format!("init.docker.{kind}"),
                &format!("  of which runtime init (REPORT Init Duration), Docker, {kind}"),
                "ms",
                summarize(&tailed.init),
            ));
            self.details.insert(
                format!("cold_with_tail.docker.{kind}"),
                json!({ "latency_ms": summarize(&tailed.latency), "report_duration_ms": summarize(&tailed.duration) }),
            );

            progress(&format!("docker executor, {kind}: warm invokes"));
            let tail_runs = (self.counts.tail_runs / 2).max(1);
            let series = self
                .warm_series(laminar, &mut conn, name, tail_runs)
                .await?;
            self.push(
                Figure::new(
                    &format!("warm.docker.{kind}"),
                    &format!("warm invoke, Docker, {kind}"),
                    "ms",
                    summarize(&series.warm),
                )
                .target(Target::at_most("≤ 1 ms", 1.0)),
            );
            self.push(
                Figure::new(
                    &format!("warm_tail.docker.{kind}"),
                    &format!("warm invoke with LogType=Tail, Docker, {kind}"),
                    "ms",
                    summarize(&series.tail),
                )
                .note("the tail waits for the container's log stream to go quiet"),
            );
            self.push(Figure::new(
                &format!("duration.docker.{kind}"),
                &format!("  function run time (REPORT Duration), Docker, {kind}"),
                "ms",
                summarize(&series.durations),
            ));
            self.push_cpu_per_invoke("docker", "Docker", kind, &series);
        }
        if let Some(m) = laminar.memory_kib() {
            self.details.insert(
                "rss_docker_after_invokes_mib".into(),
                json!({ "rss": mib(m.rss_kib), "peak_hwm": mib(m.hwm_kib) }),
            );
        }
        Ok(())
    }
}
