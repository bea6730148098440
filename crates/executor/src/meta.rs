//! What an environment remembers about its function for the lifecycle
//! events, and why it is shut down.

use crate::spec::EnvironmentSpec;

/// Why an environment is shut down, as the SHUTDOWN event says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShutdownReason {
    /// Retired, evicted, replaced by an update, or laminar stops.
    Spindown,
    /// An invocation timed out.
    Timeout,
    /// The runtime or an extension failed.
    Failure,
}

impl ShutdownReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Spindown => "spindown",
            Self::Timeout => "timeout",
            Self::Failure => "failure",
        }
    }
}

/// What the telemetry records say about the function.
pub(crate) struct Meta {
    pub(crate) function_name: String,
    pub(crate) version: String,
    pub(crate) memory_mb: i64,
    /// `on-demand` or `provisioned-concurrency`.
    pub(crate) initialization_type: &'static str,
    /// The function logs JSON: its lines go to telemetry as objects.
    pub(crate) json_logs: bool,
}

impl Meta {
    pub(crate) fn of(spec: &EnvironmentSpec) -> Self {
        Self {
            function_name: spec.function_name.clone(),
            version: spec.version.clone(),
            memory_mb: spec.memory_mb,
            initialization_type: if spec.provisioned {
                "provisioned-concurrency"
            } else {
                "on-demand"
            },
            json_logs: spec.json_log_level.is_some(),
        }
    }
}
