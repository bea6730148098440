//! What an executor needs to know to start an environment.

use crate::debug::Debugger;
use std::path::PathBuf;
use std::time::Duration;

/// What the function's code is.
#[derive(Clone, Debug)]
pub enum Package {
    /// An unpacked zip, run by the runtime's own image or host interpreter.
    Zip { code_dir: PathBuf },
    /// A container image, run with its own entrypoint unless overridden
    /// (`ImageConfig`).
    Image {
        image_uri: String,
        entry_point: Option<Vec<String>>,
        command: Option<Vec<String>>,
        working_directory: Option<String>,
    },
}

/// One function version, as an execution environment runs it.
#[derive(Clone, Debug)]
pub struct EnvironmentSpec {
    pub function_arn: String,
    pub function_name: String,
    pub version: String,
    pub runtime: String,
    /// The runtime version the function runs on (`RuntimeVersionConfig`),
    /// for `platform.initStart`; `None` for container images.
    pub runtime_version_arn: Option<String>,
    pub handler: String,
    pub package: Package,
    /// The function's layers merged in order: what it sees at `/opt`.
    pub opt_dir: Option<PathBuf>,
    pub memory_mb: i64,
    /// Size of `/tmp`.
    pub ephemeral_storage_mb: i64,
    /// `x86_64` or `arm64`.
    pub architecture: String,
    pub timeout: Duration,
    pub region: String,
    pub log_group: String,
    pub log_stream: String,
    /// The function's own variables.
    pub variables: Vec<(String, String)>,
    /// Where the function's AWS SDK should send its calls (laminar itself).
    pub endpoint_url: String,
    /// Credentials handed to the function: its execution role's, from an
    /// AssumeRole, when laminar's IAM holds the role.
    pub credentials: Credentials,
    /// Started for a qualifier with provisioned concurrency configured:
    /// `AWS_LAMBDA_INITIALIZATION_TYPE` says `provisioned-concurrency`.
    pub provisioned: bool,
    /// `LoggingConfig.LogFormat=JSON`: the application log level the
    /// runtime client filters at (`AWS_LAMBDA_LOG_FORMAT` /
    /// `AWS_LAMBDA_LOG_LEVEL`); `None` for text logs.
    pub json_log_level: Option<String>,
    /// Debug mode: the runtime starts under this debugger.
    pub debugger: Option<Debugger>,
}

/// The `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`
/// of an environment.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
}

/// Why an environment could not be started. Reported to the invoker as the
/// function error AWS would give.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The package has nothing the runtime can start (e.g. no `bootstrap`).
    #[error("{message}")]
    InvalidEntrypoint { message: String },
    /// This executor cannot run the runtime at all.
    #[error("{0}")]
    UnsupportedRuntime(String),
    /// The image cannot be found or pulled.
    #[error("{0}")]
    Image(String),
    #[error("could not start the runtime: {0}")]
    Io(#[from] std::io::Error),
    #[error("the container engine failed: {0}")]
    Engine(String),
    /// Debug mode cannot start the runtime's debugger (e.g. no `debugpy`).
    #[error("{0}")]
    Debugger(String),
}

impl EnvironmentSpec {
    /// The variables every Lambda runtime environment defines, followed by the
    /// function's own. `task_root` and `runtime_dir` are as seen from inside
    /// the environment.
    pub fn environment(
        &self,
        runtime_api: &str,
        task_root: &str,
        runtime_dir: &str,
    ) -> Vec<(String, String)> {
        let mut vars: Vec<(String, String)> = [
            ("AWS_REGION", self.region.as_str()),
            ("AWS_DEFAULT_REGION", self.region.as_str()),
            ("AWS_LAMBDA_FUNCTION_NAME", self.function_name.as_str()),
            ("AWS_LAMBDA_FUNCTION_VERSION", self.version.as_str()),
            ("AWS_LAMBDA_LOG_GROUP_NAME", self.log_group.as_str()),
            ("AWS_LAMBDA_LOG_STREAM_NAME", self.log_stream.as_str()),
            ("AWS_LAMBDA_RUNTIME_API", runtime_api),
            (
                "AWS_LAMBDA_INITIALIZATION_TYPE",
                if self.provisioned {
                    "provisioned-concurrency"
                } else {
                    "on-demand"
                },
            ),
            ("LAMBDA_TASK_ROOT", task_root),
            ("LAMBDA_RUNTIME_DIR", runtime_dir),
            ("_HANDLER", self.handler.as_str()),
            ("TZ", ":UTC"),
            ("LANG", "en_US.UTF-8"),
            ("AWS_ACCESS_KEY_ID", self.credentials.access_key_id.as_str()),
            (
                "AWS_SECRET_ACCESS_KEY",
                self.credentials.secret_access_key.as_str(),
            ),
            ("AWS_SESSION_TOKEN", self.credentials.session_token.as_str()),
            ("AWS_ENDPOINT_URL", self.endpoint_url.as_str()),
            ("AWS_XRAY_CONTEXT_MISSING", "LOG_ERROR"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        vars.push((
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE".into(),
            self.memory_mb.to_string(),
        ));
        if let Some(level) = &self.json_log_level {
            vars.push(("AWS_LAMBDA_LOG_FORMAT".into(), "JSON".into()));
            vars.push(("AWS_LAMBDA_LOG_LEVEL".into(), level.clone()));
        }
        // OS-only runtimes (and images) do not get AWS_EXECUTION_ENV.
        if !self.runtime.is_empty() && !self.runtime.starts_with("provided") {
            vars.push((
                "AWS_EXECUTION_ENV".into(),
                format!("AWS_Lambda_{}", self.runtime),
            ));
        }
        vars.extend(self.variables.iter().cloned());
        vars
    }
}
