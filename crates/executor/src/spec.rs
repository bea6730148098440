//! What an executor needs to know to start an environment.

use std::path::PathBuf;
use std::time::Duration;

/// One function version, as an execution environment runs it.
#[derive(Clone, Debug)]
pub struct EnvironmentSpec {
    pub function_name: String,
    pub version: String,
    pub runtime: String,
    pub handler: String,
    /// The unpacked deployment package.
    pub code_dir: PathBuf,
    pub memory_mb: i64,
    pub timeout: Duration,
    pub region: String,
    pub log_group: String,
    pub log_stream: String,
    /// The function's own variables.
    pub variables: Vec<(String, String)>,
    /// Where the function's AWS SDK should send its calls (laminar itself).
    pub endpoint_url: String,
    /// Credentials handed to the function, as its role's would be.
    pub access_key_id: String,
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
    #[error("could not start the runtime: {0}")]
    Io(#[from] std::io::Error),
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
            ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"),
            ("LAMBDA_TASK_ROOT", task_root),
            ("LAMBDA_RUNTIME_DIR", runtime_dir),
            ("_HANDLER", self.handler.as_str()),
            ("TZ", ":UTC"),
            ("LANG", "en_US.UTF-8"),
            ("AWS_ACCESS_KEY_ID", self.access_key_id.as_str()),
            ("AWS_SECRET_ACCESS_KEY", "laminar"),
            ("AWS_SESSION_TOKEN", "laminar"),
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
        // OS-only runtimes do not get AWS_EXECUTION_ENV.
        if !self.runtime.starts_with("provided") {
            vars.push((
                "AWS_EXECUTION_ENV".into(),
                format!("AWS_Lambda_{}", self.runtime),
            ));
        }
        vars.extend(self.variables.iter().cloned());
        vars
    }
}
