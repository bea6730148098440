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
    /// `runtimeVersion` and `runtimeVersionArn` of `platform.initStart`
    /// (a function of a managed runtime only).
    pub(crate) runtime_version: Option<(String, String)>,
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
            runtime_version: spec
                .runtime_version_arn
                .as_ref()
                .map(|arn| (runtime_version_name(&spec.runtime), arn.clone())),
        }
    }
}

/// A runtime version's name as Lambda writes it, `family:release.vN`
/// (`python3.11` → `python:3.11.v1`, `nodejs20.x` → `nodejs:20.v1`,
/// `provided.al2023` → `provided:al2023.v1`). laminar runs one version of
/// each runtime, its first.
fn runtime_version_name(runtime: &str) -> String {
    let split = runtime
        .find(|c: char| c.is_ascii_digit() || c == '.')
        .unwrap_or(runtime.len());
    let (family, release) = runtime.split_at(split);
    let release = release.trim_start_matches('.').trim_end_matches(".x");
    if release.is_empty() {
        format!("{family}.v1")
    } else {
        format!("{family}:{release}.v1")
    }
}

#[cfg(test)]
mod tests {
    use super::runtime_version_name;

    #[test]
    fn runtime_versions_are_named_as_lambda_names_them() {
        for (runtime, name) in [
            ("python3.11", "python:3.11.v1"),
            ("nodejs20.x", "nodejs:20.v1"),
            ("provided.al2023", "provided:al2023.v1"),
            ("provided", "provided.v1"),
            ("java21", "java:21.v1"),
            ("ruby3.3", "ruby:3.3.v1"),
        ] {
            assert_eq!(runtime_version_name(runtime), name);
        }
    }
}
