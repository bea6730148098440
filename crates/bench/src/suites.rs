//! The measurements, in the order they run: the floor, the process executor
//! (start-up, cold, warm, throughput), the control plane with 1,000 stored
//! functions (and start-up with them), the Docker executor, the floor again.

use crate::api::{self, invoke_path};
use crate::fixtures::{self, Noise};
use crate::http::{self, Conn};
use crate::laminar::{sibling_binary, Laminar, Launch, MemorySampler};
use crate::report::{self, Figure, Floor, Machine, Target};
use crate::stats::{ms, summarize, summarize_higher_is_better};
use crate::{docker, Args, Counts, ExecutorArg, Result};
use bytes::Bytes;
use serde_json::{json, Map, Value};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

const ACCOUNT_CONCURRENCY: u32 = 2000;
const PROVIDED: &str = "bench-provided";
const PYTHON: &str = "bench-python";
const NULL: &str = "bench-null";

struct Bench {
    counts: Counts,
    laminar_bin: PathBuf,
    bootstrap_bin: PathBuf,
    no_build_images: bool,
    payload: Bytes,
    noise: Noise,
    figures: Vec<Figure>,
    notes: Vec<String>,
    details: Map<String, Value>,
}

/// What the null-runtime figures are.
const NULL_NOTE: &str = "provided.al2023 whose bootstrap is laminar-bench's own minimal runtime (one connection, one thread, echo): laminar's cost without lambda_runtime's";

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn progress(text: &str) {
    eprintln!("[laminar-bench] {text}");
}

/// `some avg10` of /proc/pressure/cpu: the share of the last 10 s in which
/// some task waited for a CPU.
fn cpu_pressure_avg10() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/pressure/cpu").ok()?;
    let some = text.lines().find(|l| l.starts_with("some"))?;
    some.split_whitespace()
        .find_map(|f| f.strip_prefix("avg10="))?
        .parse()
        .ok()
}

/// CPU time of the whole machine and of this process with its waited-for
/// children (laminar and, through it, its runtimes), in clock ticks.
struct CpuMark {
    at: Instant,
    busy: u64,
    own: u64,
}

impl CpuMark {
    fn now() -> Self {
        let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let busy = stat
            .lines()
            .next()
            .map(|l| {
                let v: Vec<u64> = l
                    .split_whitespace()
                    .skip(1)
                    .filter_map(|x| x.parse().ok())
                    .collect();
                // user nice system idle iowait irq softirq steal
                [0, 1, 2, 5, 6, 7].iter().filter_map(|&i| v.get(i)).sum()
            })
            .unwrap_or(0);
        let me = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        let own = me
            .rsplit_once(") ")
            .map(|(_, rest)| {
                // Fields 14–17 (utime stime cutime cstime) are 12–15 after the name.
                rest.split_whitespace()
                    .skip(11)
                    .take(4)
                    .filter_map(|x| x.parse::<u64>().ok())
                    .sum()
            })
            .unwrap_or(0);
        Self {
            at: Instant::now(),
            busy,
            own,
        }
    }

    /// Share of the machine's CPU capacity used since `self` by processes
    /// outside this bench and its laminars (other users of the machine; and
    /// the Docker engine and containers during the Docker suite).
    fn foreign_share(&self, cores: usize) -> f64 {
        let now = Self::now();
        // SAFETY: sysconf has no preconditions.
        let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
        let capacity = now.at.duration_since(self.at).as_secs_f64() * ticks * cores as f64;
        let foreign =
            now.busy.saturating_sub(self.busy) as f64 - now.own.saturating_sub(self.own) as f64;
        (foreign / capacity).max(0.0)
    }
}

async fn wait_until_idle(limit: Duration) {
    let deadline = Instant::now() + limit;
    let mut quiet_since: Option<Instant> = None;
    while Instant::now() < deadline {
        match cpu_pressure_avg10() {
            Some(p) if p < 5.0 => {
                let since = *quiet_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= Duration::from_secs(5) {
                    return;
                }
            }
            Some(_) => quiet_since = None,
            None => return,
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    progress("the machine did not become idle; measuring anyway");
}

pub async fn run(args: Args) -> Result<()> {
    if args.wait_idle > 0 {
        progress(&format!(
            "waiting up to {} s for an idle CPU",
            args.wait_idle
        ));
        wait_until_idle(Duration::from_secs(args.wait_idle)).await;
    }
    let wall = Instant::now();
    let started_utc = report::utc_now();
    let counts = Counts::of(&args);
    let mut machine = Machine::probe();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1);
    let mut bench = Bench {
        laminar_bin: sibling_binary(args.laminar.as_deref(), "laminar")?,
        bootstrap_bin: sibling_binary(args.bootstrap.as_deref(), "bootstrap")?,
        counts,
        no_build_images: args.no_build_images,
        payload: Bytes::from_static(br#"{"bench":1}"#),
        noise: Noise::new(seed),
        figures: Vec::new(),
        notes: Vec::new(),
        details: Map::new(),
    };
    progress(&format!(
        "{} on {} cores, load {}; laminar {}",
        machine.cpu_model,
        machine.cores,
        machine.loadavg_at_start,
        bench.laminar_bin.display()
    ));

    let backend = http::start_backend()?;
    let forwarder = http::start_forwarder(backend.addr)?;
    progress("floor: loopback round trips (one hop, two hops)");
    let mut floor_1hop = bench.floor_latency(backend.addr).await?;
    let mut floor_2hop = bench.floor_latency(forwarder.addr).await?;
    let floor_start = (summarize(&floor_1hop).p50, summarize(&floor_2hop).p50);

    let mut foreign = Map::new();
    let cores = machine.cores;
    if matches!(args.executor, ExecutorArg::Process | ExecutorArg::Both) {
        let mark = CpuMark::now();
        bench.process_suite().await?;
        foreign.insert("process".into(), json!(mark.foreign_share(cores)));
    }
    let mark = CpuMark::now();
    bench.control_suite().await?;
    foreign.insert("control".into(), json!(mark.foreign_share(cores)));
    if matches!(args.executor, ExecutorArg::Docker | ExecutorArg::Both) {
        let mark = CpuMark::now();
        bench.docker_suite(&mut machine).await?;
        foreign.insert(
            "docker (includes the engine and containers)".into(),
            json!(mark.foreign_share(cores)),
        );
    }
    for (suite, share) in &foreign {
        let share = share.as_f64().unwrap_or(0.0);
        if share > 0.05 && !suite.starts_with("docker") {
            bench.notes.push(format!(
                "other processes used {:.0}% of the CPU during the {suite} suite: its figures are pessimistic",
                share * 100.0
            ));
        }
    }
    bench
        .details
        .insert("foreign_cpu_share_by_suite".into(), Value::Object(foreign));

    progress("floor again, and its throughput at concurrency 64 (two hops)");
    floor_1hop.extend(bench.floor_latency(backend.addr).await?);
    floor_2hop.extend(bench.floor_latency(forwarder.addr).await?);
    let floor_end = (summarize(&floor_1hop).p50, summarize(&floor_2hop).p50);
    let floor_rounds = bench
        .load(forwarder.addr, "/floor", 64, bench.counts.throughput_rounds)
        .await?;
    drop(forwarder);
    drop(backend);
    bench.details.insert(
        "floor_medians_ms".into(),
        json!({ "at_start": { "one_hop": floor_start.0, "two_hop": floor_start.1 },
                "combined": { "one_hop": floor_end.0, "two_hop": floor_end.1 } }),
    );

    let f1 = summarize(&floor_1hop);
    let f2 = summarize(&floor_2hop);
    let ftp = summarize_higher_is_better(&floor_rounds.per_round);
    let floors = vec![
        Figure::new("floor.one_hop", "floor: loopback HTTP round trip, one hop", "ms", f1.clone())
            .note("hyper client → hyper server on another thread, keep-alive, start and end of the run combined"),
        Figure::new("floor.two_hop", "floor: loopback HTTP round trip, two hops", "ms", f2.clone())
            .note("client → forwarding server → server and back: the shape of a warm invoke"),
        Figure::new(
            "floor.throughput_c64",
            "floor: two-hop throughput, concurrency 64",
            "invokes/s",
            ftp.clone(),
        )
        .note("p99 column: the slowest 1% of rounds"),
    ];
    bench.figures.splice(0..0, floors);
    for figure in &mut bench.figures {
        figure.judge(f1.p50, f2.p50, ftp.p50);
    }
    machine.loadavg_at_end = report::loadavg();
    machine.cpu_pressure_at_end = report::cpu_pressure();

    let table = report::table(&bench.figures);
    println!("\n{table}");
    for note in &bench.notes {
        println!("- {note}");
    }
    let missed: Vec<&str> = bench
        .figures
        .iter()
        .filter(|f| f.verdict.as_deref().is_some_and(|v| v.contains("MISSED")))
        .map(|f| f.label.as_str())
        .collect();
    println!(
        "\n{} targets checked, {} missed; wall time {:.0} s",
        bench.figures.iter().filter(|f| f.target.is_some()).count(),
        missed.len(),
        wall.elapsed().as_secs_f64()
    );
    if let Some(out) = &args.out {
        let document = json!({
            "tool": "laminar-bench",
            "version": env!("CARGO_PKG_VERSION"),
            "started_utc": started_utc,
            "finished_utc": report::utc_now(),
            "wall_seconds": wall.elapsed().as_secs_f64(),
            "command": std::env::args().collect::<Vec<_>>(),
            "executor": args.executor,
            "quick": args.quick,
            "machine": machine,
            "laminar_source": source_state(&bench.laminar_bin),
            "counts": bench.counts,
            "units": { "ms": "milliseconds, client to client unless the label says otherwise",
                       "MiB": "VmRSS of the laminar process from /proc/<pid>/status",
                       "invokes/s": "completed RequestResponse invokes per second per round; p99 holds the 1st percentile of rounds" },
            "figures": bench.figures,
            "notes": bench.notes,
            "details": bench.details,
        });
        std::fs::write(out, serde_json::to_vec_pretty(&document)?)?;
        progress(&format!("wrote {}", out.display()));
    }
    Ok(())
}

/// What one load phase produced.
struct Phase {
    completed: usize,
    elapsed: Duration,
    latencies: Vec<f64>,
    errors: usize,
    first_error: Option<String>,
}

/// Per-round throughput and all request latencies of a load test.
struct LoadResult {
    per_round: Vec<f64>,
    latencies: Vec<f64>,
}

/// One cold-start series.
#[derive(Default)]
struct Cold {
    latency: Vec<f64>,
    init: Vec<f64>,
    duration: Vec<f64>,
}

impl Bench {
    fn push(&mut self, figure: Figure) {
        let s = &figure.summary;
        progress(&format!(
            "  {}: p50 {:.3} {}, p99 {:.3} (n={})",
            figure.label, s.p50, figure.unit, s.p99, s.n
        ));
        self.figures.push(figure);
    }

    fn launch(&self, executor: &'static str, data_dir: Option<PathBuf>) -> Launch {
        Launch {
            binary: self.laminar_bin.clone(),
            executor,
            data_dir,
            account_concurrency: ACCOUNT_CONCURRENCY,
            extra: Vec::new(),
        }
    }

    /// Round trips of the bench's own client against `addr`.
    async fn floor_latency(&self, addr: SocketAddr) -> Result<Vec<f64>> {
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
    async fn startups(
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

    async fn deploy(
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

    /// Changes the function (new revision), then invokes it: a cold start.
    async fn cold_series(
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
    async fn warm_series(
        &self,
        conn: &mut Conn,
        name: &str,
        tail_runs: usize,
    ) -> Result<(Vec<f64>, Vec<f64>, Vec<f64>)> {
        let path = invoke_path(name);
        let (warm, _) = series(conn, &path, &self.payload, self.counts.warm_runs, false).await?;
        let (tail, durations) = series(conn, &path, &self.payload, tail_runs, true).await?;
        Ok((warm, tail, durations))
    }

    /// `runs` CreateFunction calls with fresh 1 MB packages (prepared before
    /// the clock starts).
    async fn creates(&mut self, conn: &mut Conn, prefix: &str, runs: usize) -> Result<Vec<f64>> {
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
    async fn load(
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

    async fn process_suite(&mut self) -> Result<()> {
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
        self.deploy(
            &mut conn,
            PYTHON,
            "python3.11",
            "app.handler",
            &fixtures::python_zip()?,
        )
        .await?;

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
            let (warm, tail, durations) = self
                .warm_series(&mut conn, name, self.counts.tail_runs)
                .await?;
            let mut figure = Figure::new(
                &format!("warm.process.{kind}"),
                &format!("warm invoke, process, {kind}"),
                "ms",
                summarize(&warm),
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
                summarize(&tail),
            ));
            self.push(
                Figure::new(
                    &format!("duration.process.{kind}"),
                    &format!("  function run time (REPORT Duration), process, {kind}"),
                    "ms",
                    summarize(&durations),
                )
                .note("laminar's clock from hand-off to the runtime's answer: includes the Runtime API exchange"),
            );
        }

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
    fn python_floor(&mut self) -> Result<()> {
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

    async fn throughput(&mut self, laminar: &Laminar) -> Result<()> {
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

    async fn control_suite(&mut self) -> Result<()> {
        let temp = tempfile::Builder::new()
            .prefix("laminar-bench-")
            .tempdir()?;
        let root = temp.path().to_path_buf();
        progress("start-up with an empty --data-dir");
        let runs = self.counts.startup_runs;
        let (startup, _, _) = self
            .startups(runs, |i| {
                self.launch("process", Some(root.join(format!("empty-{i}"))))
            })
            .await?;
        self.push(Figure::new(
            "startup.data_dir_empty",
            "start-up to first answer (empty --data-dir)",
            "ms",
            summarize(&startup),
        ));

        let state = root.join("state");
        let mut laminar = Laminar::start(&self.launch("process", Some(state.clone()))).await?;
        let mut conn = Conn::connect(laminar.addr).await?;
        let n = self.counts.functions;
        progress(&format!(
            "control plane: creating {n} functions of {} bytes each (--data-dir)",
            self.counts.zip_bytes
        ));
        // A second client reads while the creates write: what a write does to
        // everyone else's latency.
        self.deploy(
            &mut conn,
            "probe",
            "python3.11",
            "app.handler",
            &fixtures::python_zip()?,
        )
        .await?;
        let probe = Probe::start(
            laminar.addr,
            api::function_path("probe"),
            Duration::from_millis(2),
        );
        let creates = self.creates(&mut conn, "fn", n).await?;
        let probed = probe.finish();
        self.push(
            Figure::new(
                "create.data_dir",
                "CreateFunction, 1 MB zip (--data-dir)",
                "ms",
                summarize(&creates),
            )
            .target(Target::at_most("≤ 5 ms", 5.0))
            .note(format!(
                "all {n} creates, the store growing from 0 to {n} functions"
            )),
        );
        self.push(
            Figure::new(
                "get_function.during_creates",
                "GetFunction while CreateFunction runs (another client)",
                "ms",
                summarize(&probed),
            )
            .note(
                "every 2 ms from a second connection on its own thread, during the creates above",
            ),
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        let after = laminar
            .memory_kib()
            .ok_or("laminar's /proc status is gone")?;
        self.push(
            Figure::new(
                "rss.functions",
                &format!("laminar RSS after creating {n} functions of 1 MB"),
                "MiB",
                summarize(&[mib(after.rss_kib)]),
            )
            .target(Target::at_most("≤ 40 MB", 40.0))
            .note(format!("peak (VmHWM) {:.1} MiB", mib(after.hwm_kib))),
        );

        progress("control plane: GetFunction, ListFunctions");
        let mut get = Vec::with_capacity(self.counts.get_runs);
        for _ in 0..self.counts.get_runs {
            let name = format!("fn-{:05}", self.noise.below(n));
            let begun = Instant::now();
            let answer = api::get_function(&mut conn, &name).await?;
            get.push(ms(begun.elapsed()));
            api::expect(answer, 200, "GetFunction")?;
        }
        self.push(
            Figure::new("get_function", "GetFunction", "ms", summarize(&get))
                .target(
                    Target::at_most("≤ 0.1 ms (≤ 2× one-hop floor)", 0.1)
                        .or_floor(2.0, Floor::OneHop),
                )
                .note(format!("random names among {n}")),
        );

        let first_page = "/2015-03-31/functions?MaxItems=50";
        let mut page = Vec::with_capacity(self.counts.list_page_runs);
        for _ in 0..self.counts.list_page_runs {
            let begun = Instant::now();
            let answer = conn.get(first_page).await?;
            page.push(ms(begun.elapsed()));
            api::expect(answer, 200, "ListFunctions")?;
        }
        self.push(
            Figure::new(
                "list.page",
                &format!("ListFunctions, one page of 50 ({n} functions)"),
                "ms",
                summarize(&page),
            )
            .target(Target::at_most("≤ 10 ms", 10.0)),
        );

        let mut walk = Vec::with_capacity(self.counts.list_walk_runs);
        let (mut pages_per_walk, mut listed) = (0, 0);
        // The first walk checks that every function is listed (untimed).
        for verify in
            std::iter::once(true).chain(std::iter::repeat_n(false, self.counts.list_walk_runs))
        {
            let begun = Instant::now();
            let (mut seen, mut pages, mut marker) = (0usize, 0usize, None::<String>);
            loop {
                let path = match &marker {
                    Some(m) => format!("{first_page}&Marker={m}"),
                    None => first_page.to_string(),
                };
                let answer = api::expect(conn.get(&path).await?, 200, "ListFunctions")?;
                pages += 1;
                if verify {
                    let doc = answer.json()?;
                    seen += doc["Functions"].as_array().map_or(0, Vec::len);
                }
                // Only the marker is needed to go on: parsing the whole page
                // here would time this client's JSON parser, not laminar.
                marker = api::next_marker(&answer.body);
                if marker.is_none() {
                    break;
                }
            }
            if verify {
                if seen < n {
                    return Err(format!("a ListFunctions walk saw {seen} of {n} functions").into());
                }
                listed = seen;
            } else {
                walk.push(ms(begun.elapsed()));
            }
            pages_per_walk = pages;
        }
        self.push(
            Figure::new(
                "list.walk",
                &format!("ListFunctions, all {listed} functions ({pages_per_walk} pages of 50)"),
                "ms",
                summarize(&walk),
            )
            .target(Target::at_most("≤ 10 ms", 10.0))
            .note("one full walk, pages fetched one after the other on one connection; the functions are the 1 MB ones and the probe's"),
        );
        laminar.stop(Duration::from_secs(20))?;

        progress(&format!("start-up with {n} persisted functions"));
        let (startup, idle, _) = self
            .startups(runs, |_| self.launch("process", Some(state.clone())))
            .await?;
        self.push(
            Figure::new(
                "startup.persisted",
                &format!("start-up to first answer ({n} persisted functions)"),
                "ms",
                summarize(&startup),
            )
            .target(Target::at_most("≤ 50 ms", 50.0)),
        );
        self.push(
            Figure::new(
                "rss.persisted",
                &format!("laminar RSS idle after a restart with {n} persisted functions"),
                "MiB",
                summarize(&idle),
            )
            .target(Target::at_most("≤ 40 MB", 40.0)),
        );
        drop(temp);
        Ok(())
    }

    fn images_ready(&mut self) -> bool {
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

    async fn docker_suite(&mut self, machine: &mut Machine) -> Result<()> {
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
        launch.extra = vec!["--docker-code-delivery".into(), "mount".into()];
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

    async fn docker_mount_cold(&mut self, laminar: &Laminar) -> Result<()> {
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
        self.deploy(
            &mut conn,
            PYTHON,
            "python3.11",
            "app.handler",
            &fixtures::python_zip()?,
        )
        .await?;
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

    async fn docker_measurements(&mut self, laminar: &mut Laminar) -> Result<()> {
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
        self.deploy(
            &mut conn,
            PYTHON,
            "python3.11",
            "app.handler",
            &fixtures::python_zip()?,
        )
        .await?;
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
            let (warm, tail, durations) = self.warm_series(&mut conn, name, tail_runs).await?;
            self.push(
                Figure::new(
                    &format!("warm.docker.{kind}"),
                    &format!("warm invoke, Docker, {kind}"),
                    "ms",
                    summarize(&warm),
                )
                .target(Target::at_most("≤ 1 ms", 1.0)),
            );
            self.push(
                Figure::new(
                    &format!("warm_tail.docker.{kind}"),
                    &format!("warm invoke with LogType=Tail, Docker, {kind}"),
                    "ms",
                    summarize(&tail),
                )
                .note("the tail waits for the container's log stream to go quiet"),
            );
            self.push(Figure::new(
                &format!("duration.docker.{kind}"),
                &format!("  function run time (REPORT Duration), Docker, {kind}"),
                "ms",
                summarize(&durations),
            ));
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

/// `runs` sequential invokes after a few unmeasured ones; with `tail`, also
/// the REPORT Durations.
async fn series(
    conn: &mut Conn,
    path: &str,
    payload: &Bytes,
    runs: usize,
    tail: bool,
) -> Result<(Vec<f64>, Vec<f64>)> {
    for _ in 0..(runs / 10).clamp(1, 200) {
        api::invoke(conn, path, payload, tail).await?;
    }
    let mut latencies = Vec::with_capacity(runs);
    let mut durations = Vec::new();
    for _ in 0..runs {
        let invoked = api::invoke(conn, path, payload, tail).await?;
        latencies.push(ms(invoked.took));
        if tail {
            let report = api::report_of(&invoked.answer).ok_or("no REPORT line in the log tail")?;
            durations.push(report.get("Duration").copied().unwrap_or(f64::NAN));
        }
    }
    Ok((latencies, durations))
}

/// Every connection invokes in a loop until `length` has passed.
async fn load_phase(conns: &mut Vec<Conn>, path: &str, payload: &Bytes, length: Duration) -> Phase {
    let begun = Instant::now();
    let deadline = begun + length;
    let mut set = JoinSet::new();
    for mut conn in conns.drain(..) {
        let path = path.to_string();
        let payload = payload.clone();
        set.spawn(async move {
            let mut latencies = Vec::new();
            let (mut errors, mut first_error) = (0usize, None);
            while Instant::now() < deadline {
                match api::invoke(&mut conn, &path, &payload, false).await {
                    Ok(invoked) => latencies.push(ms(invoked.took)),
                    Err(e) => {
                        errors += 1;
                        first_error.get_or_insert_with(|| e.to_string());
                        if errors >= 100 {
                            break;
                        }
                    }
                }
            }
            (conn, latencies, errors, first_error)
        });
    }
    let mut phase = Phase {
        completed: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
        errors: 0,
        first_error: None,
    };
    while let Some(joined) = set.join_next().await {
        let Ok((conn, latencies, errors, first_error)) = joined else {
            phase.errors += 1;
            continue;
        };
        conns.push(conn);
        phase.completed += latencies.len();
        phase.latencies.extend(latencies);
        phase.errors += errors;
        if phase.first_error.is_none() {
            phase.first_error = first_error;
        }
    }
    phase.elapsed = begun.elapsed();
    phase
}

/// scripts/build-test-images.sh of the workspace this bench was built in.
fn find_image_script() -> Option<PathBuf> {
    let relative = Path::new("scripts/build-test-images.sh");
    let mut candidates = vec![std::env::current_dir().ok()?.join(relative)];
    if let Ok(exe) = std::env::current_exe() {
        // target/release/laminar-bench → the workspace root.
        if let Some(root) = exe.parent().and_then(Path::parent).and_then(Path::parent) {
            candidates.push(root.join(relative));
        }
    }
    candidates.into_iter().find(|p| p.exists())
}

/// The PATH laminar gives a process-executor runtime.
fn python_path() -> String {
    let host = std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into());
    format!("{host}:/opt/bin")
}

/// Spawn → exit of a program, environment cleared but for PATH (as laminar
/// starts runtimes), `runs` times after one unmeasured run.
fn spawn_to_exit(program: &Path, args: &[&str], path: &str, runs: usize) -> Result<Vec<f64>> {
    let mut took = Vec::with_capacity(runs);
    for i in 0..=runs {
        let begun = Instant::now();
        let status = std::process::Command::new(program)
            .args(args)
            .env_clear()
            .env("PATH", path)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()?;
        if !status.success() {
            return Err(format!("{} {args:?}: {status}", program.display()).into());
        }
        if i > 0 {
            took.push(ms(begun.elapsed()));
        }
    }
    Ok(took)
}

/// When the measured binary was built, and the git commit and uncommitted
/// changes of its workspace now (when it is `target/release/laminar` of one).
fn source_state(laminar: &Path) -> Value {
    let Some(root) = laminar
        .parent()
        .and_then(Path::parent)
        .and_then(Path::parent)
    else {
        return Value::Null;
    };
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(root)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let built = std::fs::metadata(laminar)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs());
    json!({
        "binary": laminar.display().to_string(),
        "binary_modified_unix_s": built,
        "commit_at_run_time": git(&["rev-parse", "HEAD"]),
        "uncommitted_at_run_time": git(&["status", "--porcelain"]).map(|s| s.lines().map(str::to_string).collect::<Vec<_>>()),
    })
}

/// A client on its own thread calling GET `path` every `every` until
/// finished; returns its latencies.
struct Probe {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<Vec<f64>>,
}

impl Probe {
    fn start(addr: SocketAddr, path: String, every: Duration) -> Self {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return Vec::new();
            };
            runtime.block_on(async move {
                let mut latencies = Vec::new();
                let Ok(mut conn) = Conn::connect(addr).await else {
                    return latencies;
                };
                while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                    let begun = Instant::now();
                    if conn.get(&path).await.is_ok_and(|a| a.status.is_success()) {
                        latencies.push(ms(begun.elapsed()));
                    }
                    tokio::time::sleep(every).await;
                }
                latencies
            })
        });
        Self { stop, thread }
    }

    fn finish(self) -> Vec<f64> {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.join().unwrap_or_default()
    }
}
