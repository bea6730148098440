//! The configuration members of create and update-configuration: the
//! checks they share, environment variables, logging configuration.

use crate::ApiResult;

const ROLE_PATTERN: &str = "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+";
use laminar_model::config::{EnvironmentResponse, LoggingConfig};
use laminar_model::limits::*;
use laminar_model::requests::{
    Environment, EphemeralStorageInput, LoggingConfigInput, TracingConfigInput,
};
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

/// Constraint checks shared by create and update-configuration.
pub(crate) struct ConfigInput<'a> {
    pub runtime: Option<&'a str>,
    pub role: Option<&'a str>,
    pub handler: Option<&'a str>,
    pub description: Option<&'a str>,
    pub timeout: Option<i64>,
    pub memory_size: Option<i64>,
    pub ephemeral: Option<&'a EphemeralStorageInput>,
    pub tracing: Option<&'a TracingConfigInput>,
    pub logging: Option<&'a LoggingConfigInput>,
}

impl ConfigInput<'_> {
    pub(crate) fn check(&self, v: &mut Violations) {
        v.one_of("runtime", self.runtime, laminar_model::generated::RUNTIMES);
        v.pattern("role", self.role, validate::is_role_arn, ROLE_PATTERN);
        v.length("handler", self.handler, 0, 128);
        v.pattern("handler", self.handler, validate::is_handler, "[^\\s]+");
        v.length("description", self.description, 0, 256);
        v.range("timeout", self.timeout, TIMEOUT_MIN_S, TIMEOUT_MAX_S);
        v.range("memorySize", self.memory_size, MEMORY_MIN_MB, MEMORY_MAX_MB);
        v.range(
            "ephemeralStorage.size",
            self.ephemeral.and_then(|e| e.size),
            EPHEMERAL_MIN_MB,
            EPHEMERAL_MAX_MB,
        );
        v.one_of(
            "tracingConfig.mode",
            self.tracing.and_then(|t| t.mode.as_deref()),
            &["Active", "PassThrough"],
        );
        if let Some(logging) = self.logging {
            v.one_of(
                "loggingConfig.logFormat",
                logging.log_format.as_deref(),
                &["JSON", "Text"],
            );
            v.one_of(
                "loggingConfig.applicationLogLevel",
                logging.application_log_level.as_deref(),
                &["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"],
            );
            v.one_of(
                "loggingConfig.systemLogLevel",
                logging.system_log_level.as_deref(),
                &["DEBUG", "INFO", "WARN"],
            );
            v.length(
                "loggingConfig.logGroup",
                logging.log_group.as_deref(),
                1,
                512,
            );
        }
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
