//! The configuration members of create and update-configuration: the
//! checks they share, environment variables, logging configuration.

use crate::ApiResult;

use laminar_model::config::{EnvironmentResponse, LoggingConfig};
use laminar_model::limits::*;
use laminar_model::requests::{Environment, EphemeralStorageInput, LoggingConfigInput};
use laminar_model::runtime;
use laminar_model::validate::{self, Violations};
use laminar_model::{ApiError, ErrorKind};

pub(crate) fn validate_environment(
    env: Option<&Environment>,
) -> ApiResult<Option<EnvironmentResponse>> {
    let Some(variables) = env.and_then(|e| e.variables.as_ref()) else {
        return Ok(None);
    };
    let reserved: Vec<&str> = variables
        .keys()
        .map(String::as_str)
        .filter(|k| validate::RESERVED_ENV_KEYS.contains(k))
        .collect();
    if !reserved.is_empty() {
        return Err(ApiError::invalid_parameter(format!(
            "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: {}",
            reserved.join(",")
        )));
    }
    if let Some(bad) = variables.keys().find(|k| !validate::is_env_key(k)) {
        return Err(ApiError::new(
            ErrorKind::Validation,
            format!("1 validation error detected: Value '{bad}' at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]"),
        ));
    }
    let measured = serde_json::to_string(variables).unwrap_or_default();
    let size: usize = variables.iter().map(|(k, v)| k.len() + v.len()).sum();
    if size > ENVIRONMENT_MAX_BYTES {
        return Err(ApiError::invalid_parameter(format!(
            "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {measured}"
        )));
    }
    Ok(Some(EnvironmentResponse {
        variables: variables.clone(),
    }))
}

/// What create and update-configuration check beyond the model's
/// constraints (which the gateway has checked).
pub(crate) struct ConfigInput<'a> {
    pub runtime: Option<&'a str>,
    pub timeout: Option<i64>,
    pub memory_size: Option<i64>,
    pub ephemeral: Option<&'a EphemeralStorageInput>,
    pub logging: Option<&'a LoggingConfigInput>,
}

impl ConfigInput<'_> {
    /// Lambda's limits, tighter than the model's ranges (Timeout up to 5,400
    /// and memory up to 32,768 there), refused in the same words.
    pub(crate) fn check_limits(&self, v: &mut Violations) {
        v.range("timeout", self.timeout, TIMEOUT_MIN_S, TIMEOUT_MAX_S);
        v.range("memorySize", self.memory_size, MEMORY_MIN_MB, MEMORY_MAX_MB);
        v.range(
            "ephemeralStorage.size",
            self.ephemeral.and_then(|e| e.size),
            EPHEMERAL_MIN_MB,
            EPHEMERAL_MAX_MB,
        );
    }

    /// Semantic checks the service makes after the constraints hold.
    pub(crate) fn check_semantics(&self) -> ApiResult<()> {
        if let Some(rt) = self.runtime {
            if runtime::creation_blocked(rt) {
                return Err(ApiError::invalid_parameter(format!(
                    "The runtime parameter of {rt} is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions."
                )));
            }
        }
        if let Some(logging) = self.logging {
            if logging.log_format.as_deref() != Some("JSON")
                && (logging.application_log_level.is_some() || logging.system_log_level.is_some())
            {
                return Err(ApiError::invalid_parameter(
                    "ApplicationLogLevel and SystemLogLevel can only be set when LogFormat is JSON.",
                ));
            }
        }
        Ok(())
    }
}

pub(crate) fn logging_config(
    input: Option<&LoggingConfigInput>,
    current: Option<&LoggingConfig>,
    name: &str,
) -> LoggingConfig {
    let default_group = format!("/aws/lambda/{name}");
    let mut config = current.cloned().unwrap_or(LoggingConfig {
        log_format: "Text".into(),
        application_log_level: None,
        system_log_level: None,
        log_group: default_group,
    });
    if let Some(input) = input {
        if let Some(f) = &input.log_format {
            config.log_format = f.clone();
        }
        if let Some(g) = &input.log_group {
            config.log_group = g.clone();
        }
        if config.log_format == "JSON" {
            config.application_log_level = Some(
                input
                    .application_log_level
                    .clone()
                    .unwrap_or_else(|| "INFO".into()),
            );
            config.system_log_level = Some(
                input
                    .system_log_level
                    .clone()
                    .unwrap_or_else(|| "INFO".into()),
            );
        } else {
            config.application_log_level = None;
            config.system_log_level = None;
        }
    }
    config
}
