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
    Serve(ServeArgs),
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
