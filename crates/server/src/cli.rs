//! The command line; every flag can also come from a `LAMINAR_*` variable.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "laminar", version, about = "A local AWS Lambda")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the Lambda API and run functions.
    Serve(Box<ServeArgs>),
    /// List the warm execution environments of a running laminar.
    Ps(PsArgs),
    /// List a function's recorded invocations, newest first.
    Invocations(InvocationsArgs),
    /// Print a function's recent invocation logs; --follow tails new ones.
    Logs(LogsArgs),
    /// Stop a function's idle environments (its next invocation starts cold).
    Evict(EvictArgs),
}

/// How the commands reach a running laminar.
#[derive(clap::Args, Debug, Clone)]
pub struct Remote {
    /// laminar's address.
    #[arg(
        long,
        env = "LAMINAR_ENDPOINT",
        default_value = "http://127.0.0.1:4566"
    )]
    pub endpoint: String,
    /// Print the API's JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug, Clone)]
pub struct PsArgs {
    #[command(flatten)]
    pub remote: Remote,
    /// Only this function's environments.
    pub function: Option<String>,
}

#[derive(clap::Args, Debug, Clone)]
pub struct InvocationsArgs {
    #[command(flatten)]
    pub remote: Remote,
    /// The function (all functions when absent).
    pub function: Option<String>,
    /// How many (newest first).
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
}

#[derive(clap::Args, Debug, Clone)]
pub struct LogsArgs {
    #[command(flatten)]
    pub remote: Remote,
    pub function: String,
    /// Keep printing the logs of new invocations as they finish.
    #[arg(long, short)]
    pub follow: bool,
    /// How many recent invocations to print first.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
}

#[derive(clap::Args, Debug, Clone)]
pub struct EvictArgs {
    #[command(flatten)]
    pub remote: Remote,
    pub function: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExecutorChoice {
    /// Docker when an engine answers, else processes.
    Auto,
    Process,
    Docker,
}

#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "LAMINAR_HOST", default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on (0 picks a free one; the start-up line tells which).
    #[arg(long, env = "LAMINAR_PORT", default_value_t = 4566)]
    pub port: u16,
    /// Keep state here across restarts; without it, state lives in memory.
    #[arg(long, env = "LAMINAR_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// How functions run.
    #[arg(long, env = "LAMINAR_EXECUTOR", value_enum, default_value = "auto")]
    pub executor: ExecutorChoice,
    /// Seconds an idle execution environment is kept warm.
    #[arg(long, env = "LAMINAR_KEEP_ALIVE", default_value_t = 600)]
    pub keep_alive: u64,
    /// Execution environments initialized ahead of demand, at most, as AWS
    /// does: one per recently used function revision, started after a
    /// create or update and after a cold start, so the next cold start
    /// finds it ready (no `Init Duration`). The least recently parked one
    /// makes room. 0 turns it off.
    #[arg(long, env = "LAMINAR_PREWARM", default_value_t = 4)]
    pub prewarm: usize,
    /// Seconds before the first retry of an asynchronous invocation that
    /// failed (the second retry waits twice as long). AWS waits 60.
    #[arg(long, env = "LAMINAR_ASYNC_RETRY_DELAY", default_value_t = 60.0)]
    pub async_retry_delay: f64,
    /// Milliseconds a new function (and a new version) stays `Pending`, and
    /// an update `InProgress`, before it becomes `Active` / `Successful`, as
    /// in AWS (where it takes about a second): invokes and updates in that
    /// time are refused as AWS refuses them. Wait with the SDKs' waiters.
    #[arg(long, env = "LAMINAR_PENDING_MS", default_value_t = 100)]
    pub pending_ms: u64,
    /// EventBridge `rate(…)` schedules run this many times faster than real
    /// time (tests: 60 makes `rate(1 minute)` fire every second). Cron
    /// schedules keep the wall clock. 1 is real time.
    #[arg(long, env = "LAMINAR_SCHEDULE_TIME_SCALE", default_value_t = 1.0)]
    pub schedule_time_scale: f64,
    /// Concurrent executions allowed per account.
    #[arg(long, env = "LAMINAR_ACCOUNT_CONCURRENCY", default_value_t = 1000)]
    pub account_concurrency: u32,
    /// Docker network the function containers join (default: the bridge).
    #[arg(long, env = "LAMINAR_DOCKER_NETWORK")]
    pub docker_network: Option<String>,
    /// laminar-init, the static binary that is PID 1 of every function
    /// container (default: `laminar-init` beside laminar).
    #[arg(long, env = "LAMINAR_DOCKER_INIT")]
    pub docker_init: Option<std::path::PathBuf>,
    /// Registry prefix replacing `public.ecr.aws/lambda/` in runtime images.
    #[arg(long, env = "LAMINAR_IMAGE_PREFIX")]
    pub image_prefix: Option<String>,
    /// How zip code reaches containers: a bind mount, or a copy through the
    /// engine's API (auto: copy when laminar runs in a container that does
    /// not see the engine's filesystem).
    #[arg(
        long,
        env = "LAMINAR_DOCKER_CODE_DELIVERY",
        value_enum,
        default_value = "auto"
    )]
    pub docker_code_delivery: CodeDeliveryChoice,
    /// Runtime → image overrides, as JSON: `{"python3.12": "my/python:3.12"}`.
    #[arg(long, env = "LAMINAR_RUNTIME_IMAGE_MAPPING", value_parser = parse_image_mapping)]
    pub runtime_image_mapping: Option<ImageMapping>,
    /// IAM: `off` accepts any credentials; `enforce` checks every signature
    /// against IAM's keys and authorises Lambda's operations by IAM's
    /// policies, and refuses functions whose role IAM does not hold.
    #[arg(long, env = "LAMINAR_IAM", value_enum, default_value = "off")]
    pub iam: IamMode,
    /// The secret of every account's root access key in the enforcing mode
    /// (the keys: `test` for the default account, or the account's id).
    #[arg(long, env = "LAMINAR_IAM_ROOT_SECRET", default_value = "test")]
    pub iam_root_secret: String,
    /// Debug a function: `NAME[:QUALIFIER][=PORT]` (repeatable). Its
    /// environments start under a debugger listening on 127.0.0.1 (Python:
    /// debugpy, default port 5678; Node.js: the inspector, 9229), the next
    /// environment on the next free port; its timeout is lifted.
    #[arg(long = "debug", env = "LAMINAR_DEBUG", value_delimiter = ',')]
    pub debug: Vec<String>,
    /// Functions to debug, as JSON: `{"functions": [{"name": "orders",
    /// "qualifier": "live", "port": 5678, "waitForAttach": true, "timeout":
    /// 3600}]}` (all but the name optional).
    #[arg(long, env = "LAMINAR_DEBUG_CONFIG")]
    pub debug_config: Option<PathBuf>,
    /// Debugged runtimes wait for the debugger to attach before their
    /// initialisation runs (for `--debug` functions; the file says it per function).
    #[arg(long, env = "LAMINAR_DEBUG_WAIT_FOR_ATTACH")]
    pub debug_wait_for_attach: bool,
    /// Seconds a debugged function may run (its own timeout is lifted).
    #[arg(long, env = "LAMINAR_DEBUG_TIMEOUT", default_value_t = 3600)]
    pub debug_timeout: u64,
    /// How many invocations the history keeps (the console,
    /// `/_laminar/api/invocations`); 0 records none. Kept across restarts
    /// with --data-dir.
    #[arg(long, env = "LAMINAR_HISTORY", default_value_t = 10_000)]
    pub history: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum IamMode {
    Off,
    Enforce,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CodeDeliveryChoice {
    Auto,
    Mount,
    Copy,
}

/// `--runtime-image-mapping`: runtime identifier → image.
#[derive(Clone, Debug, Default)]
pub struct ImageMapping(pub std::collections::HashMap<String, String>);

fn parse_image_mapping(text: &str) -> Result<ImageMapping, String> {
    serde_json::from_str(text)
        .map(ImageMapping)
        .map_err(|e| format!("expected a JSON object of runtime to image: {e}"))
}
