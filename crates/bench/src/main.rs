//! `laminar-bench`: starts laminar (release build) and measures it against
//! the floor of this machine, as issue 6 asks: warm invokes, throughput,
//! cold starts, the control plane, memory and start-up, each as median and
//! p99; prints a table and writes JSON.

mod api;
mod docker;
mod fixtures;
mod http;
mod laminar;
mod null_extension;
mod null_runtime;
mod report;
mod stats;
mod suites;

use clap::{Parser, ValueEnum};
use std::path::PathBuf;

pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExecutorArg {
    Process,
    Docker,
    Both,
}

#[derive(Parser, Debug)]
#[command(
    name = "laminar-bench",
    version,
    about = "Benchmarks laminar against the loopback floor of this machine (issue 6)"
)]
pub struct Args {
    /// Fewer runs of everything (a smoke test; ~200 functions instead of 1,000).
    #[arg(long)]
    pub quick: bool,
    /// Which executors to measure invokes and cold starts with.
    #[arg(long, value_enum, default_value = "both")]
    pub executor: ExecutorArg,
    /// Write the results as JSON here.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The laminar binary (default: `laminar` beside this one).
    #[arg(long)]
    pub laminar: Option<PathBuf>,
    /// The `lambda_runtime` fixture binary (default: `bootstrap` beside this one).
    #[arg(long)]
    pub bootstrap: Option<PathBuf>,
    /// Round trips per loopback floor measurement.
    #[arg(long)]
    pub floor_runs: Option<usize>,
    /// Warm invokes per function and executor.
    #[arg(long)]
    pub warm_runs: Option<usize>,
    /// Warm invokes with `LogType=Tail` (for the REPORT Duration) per function;
    /// the Docker executor does half as many.
    #[arg(long)]
    pub tail_runs: Option<usize>,
    /// Cold starts per function, process executor.
    #[arg(long)]
    pub cold_runs: Option<usize>,
    /// Cold starts per function and series, Docker executor.
    #[arg(long)]
    pub docker_cold_runs: Option<usize>,
    /// Pause before each cold invoke, Docker executor, once the retired
    /// container is gone, in ms.
    #[arg(long, default_value_t = 100)]
    pub docker_settle_ms: u64,
    /// Measured rounds per concurrency level.
    #[arg(long)]
    pub throughput_rounds: Option<usize>,
    /// Length of one throughput round, in ms.
    #[arg(long, default_value_t = 500)]
    pub throughput_round_ms: u64,
    /// Unmeasured load before the rounds of each concurrency level, in ms.
    #[arg(long, default_value_t = 1000)]
    pub throughput_warmup_ms: u64,
    /// Functions created for the control plane and memory figures.
    #[arg(long)]
    pub functions: Option<usize>,
    /// Size of the random content of each control-plane package, in bytes.
    #[arg(long, default_value_t = 1 << 20)]
    pub zip_bytes: usize,
    /// CreateFunction calls against laminar with state in memory.
    #[arg(long)]
    pub create_runs: Option<usize>,
    /// GetFunction calls.
    #[arg(long)]
    pub get_runs: Option<usize>,
    /// ListFunctions single-page calls.
    #[arg(long)]
    pub list_page_runs: Option<usize>,
    /// Full ListFunctions walks over all functions.
    #[arg(long)]
    pub list_walk_runs: Option<usize>,
    /// laminar start-ups per start-up figure.
    #[arg(long)]
    pub startup_runs: Option<usize>,
    /// Records through each stream mapping (Kinesis, DynamoDB) per run.
    #[arg(long)]
    pub stream_records: Option<usize>,
    /// Runs of the Kinesis and DynamoDB stream mapping figures.
    #[arg(long)]
    pub stream_runs: Option<usize>,
    /// PutItem and GetItem calls each.
    #[arg(long)]
    pub dynamodb_runs: Option<usize>,
    /// Before starting, wait up to this many seconds for the machine to be
    /// idle (CPU pressure avg10 under 5% for 5 s), e.g. on a shared machine.
    #[arg(long, default_value_t = 0)]
    pub wait_idle: u64,
    /// Never run scripts/build-test-images.sh, even when images are missing.
    #[arg(long)]
    pub no_build_images: bool,
    /// Measure only the floor and issue 19's rows (bursts, `Event` invokes,
    /// the SQS mapping, pre-initialized cold starts).
    #[arg(long)]
    pub pools_only: bool,
    /// Measure only the floor and issue 19's durable event rows (`Event`
    /// invokes acknowledged and run to completion, the SQS mapping), all
    /// with the process executor.
    #[arg(long)]
    pub durable_only: bool,
    /// Measure only the floor and the Docker executor's rows (warm, tail,
    /// cold starts).
    #[arg(long)]
    pub docker_only: bool,
    /// Run only the floor and a soak of this many minutes: mixed traffic at
    /// a steady rate, laminar's memory and open files sampled (issue 17).
    #[arg(long)]
    pub soak_minutes: Option<u64>,
}

/// How many of each; `--quick` or the defaults, then each flag.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Counts {
    pub floor_runs: usize,
    pub warm_runs: usize,
    pub tail_runs: usize,
    pub cold_runs: usize,
    pub docker_cold_runs: usize,
    pub docker_settle_ms: u64,
    pub throughput_rounds: usize,
    pub throughput_round_ms: u64,
    pub throughput_warmup_ms: u64,
    pub functions: usize,
    pub zip_bytes: usize,
    pub create_runs: usize,
    pub get_runs: usize,
    pub list_page_runs: usize,
    pub list_walk_runs: usize,
    pub startup_runs: usize,
    pub stream_records: usize,
    pub stream_runs: usize,
    pub dynamodb_runs: usize,
}

impl Counts {
    fn of(a: &Args) -> Self {
        let q = a.quick;
        let pick = |given: Option<usize>, full: usize, quick: usize| {
            given.unwrap_or(if q { quick } else { full })
        };
        Self {
            floor_runs: pick(a.floor_runs, 5000, 1000),
            warm_runs: pick(a.warm_runs, 2000, 300),
            tail_runs: pick(a.tail_runs, 200, 40),
            cold_runs: pick(a.cold_runs, 20, 5),
            docker_cold_runs: pick(a.docker_cold_runs, 10, 3),
            docker_settle_ms: a.docker_settle_ms,
            throughput_rounds: pick(a.throughput_rounds, 6, 2),
            throughput_round_ms: a.throughput_round_ms,
            throughput_warmup_ms: a.throughput_warmup_ms,
            functions: pick(a.functions, 1000, 200),
            zip_bytes: a.zip_bytes,
            create_runs: pick(a.create_runs, 30, 10),
            get_runs: pick(a.get_runs, 2000, 300),
            list_page_runs: pick(a.list_page_runs, 500, 100),
            list_walk_runs: pick(a.list_walk_runs, 50, 10),
            startup_runs: pick(a.startup_runs, 10, 3),
            stream_records: pick(a.stream_records, 20_000, 4_000),
            stream_runs: pick(a.stream_runs, 3, 1),
            dynamodb_runs: pick(a.dynamodb_runs, 2000, 300),
        }
    }
}

fn main() -> std::process::ExitCode {
    if null_extension::wanted() {
        return null_extension::run();
    }
    if null_runtime::wanted() {
        return null_runtime::run();
    }
    let args = Args::parse();
    crate::block_on_current_thread("laminar-bench", suites::run(args))
}

/// Runs `work` on a single-threaded runtime: the bench itself, and the
/// null runtime and extension it starts as a function's processes.
pub fn block_on_current_thread(
    who: &str,
    work: impl std::future::Future<Output = Result<()>>,
) -> std::process::ExitCode {
    let outcome = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Into::into)
        .and_then(|runtime| runtime.block_on(work));
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{who}: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
