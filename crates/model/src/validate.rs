//! Constraint checks that answer the way the service does: every violation of
//! a request collected into one `ValidationException` message.

use crate::error::{ApiError, ErrorKind};
use std::fmt::Display;

#[derive(Default)]
pub struct Violations(Vec<String>);

impl Violations {
    pub fn new() -> Self {
        Self::default()
    }

    fn push(&mut self, value: impl Display, field: &str, constraint: impl Display) {
        self.0.push(format!(
            "Value '{value}' at '{field}' failed to satisfy constraint: {constraint}"
        ));
    }

    /// A violation of a constraint the checks below do not cover (list
    /// sizes, fractional ranges, ...), worded the same way.
    pub fn violation(&mut self, value: impl Display, field: &str, constraint: impl Display) {
        self.push(value, field, constraint);
    }

    pub fn range(&mut self, field: &str, value: Option<i64>, min: i64, max: i64) {
        match value {
            Some(v) if v < min => self.push(
                v,
                field,
                format!("Member must have value greater than or equal to {min}"),
            ),
            Some(v) if v > max => self.push(
                v,
                field,
                format!("Member must have value less than or equal to {max}"),
            ),
            _ => {}
        }
    }

    pub fn length(&mut self, field: &str, value: Option<&str>, min: usize, max: usize) {
        match value {
            Some(v) if v.chars().count() < min => self.push(
                v,
                field,
                format!("Member must have length greater than or equal to {min}"),
            ),
            Some(v) if v.chars().count() > max => self.push(
                v,
                field,
                format!("Member must have length less than or equal to {max}"),
            ),
            _ => {}
        }
    }

    /// `valid` is the outcome of matching `pattern` (named in the message).
    pub fn pattern(
        &mut self,
        field: &str,
        value: Option<&str>,
        valid: fn(&str) -> bool,
        pattern: &str,
    ) {
        if let Some(v) = value {
            if !valid(v) {
                self.push(
                    v,
                    field,
                    format!("Member must satisfy regular expression pattern: {pattern}"),
                );
            }
        }
    }

    pub fn one_of(&mut self, field: &str, value: Option<&str>, allowed: &[&str]) {
        if let Some(v) = value {
            if !allowed.contains(&v) {
                self.push(
                    v,
                    field,
                    format!(
                        "Member must satisfy enum value set: [{}]",
                        allowed.join(", ")
                    ),
                );
            }
        }
    }

    pub fn required<T>(&mut self, field: &str, value: Option<&T>) {
        if value.is_none() {
            self.0.push(format!(
                "Value null at '{field}' failed to satisfy constraint: Member must not be null"
            ));
        }
    }

    pub fn finish(self) -> Result<(), ApiError> {
        match self.0.len() {
            0 => Ok(()),
            n => Err(ApiError::new(
                ErrorKind::Validation,
                format!(
                    "{n} validation error{} detected: {}",
                    if n == 1 { "" } else { "s" },
                    self.0.join("; ")
                ),
            )),
        }
    }
}

/// Environment variable keys: `[a-zA-Z]([a-zA-Z0-9_])+`.
pub fn is_env_key(key: &str) -> bool {
    let mut bytes = key.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic())
        && key.len() >= 2
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Keys the runtime environment sets itself; a function may not override them.
pub const RESERVED_ENV_KEYS: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_violations_like_the_service() {
        let mut v = Violations::new();
        v.range("memorySize", Some(64), 128, 10240);
        v.length("description", Some("ok"), 0, 256);
        let err = v.finish().unwrap_err();
        assert_eq!(err.kind, ErrorKind::Validation);
        assert_eq!(
            err.message,
            "1 validation error detected: Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128"
        );
    }

    #[test]
    fn env_key_pattern() {
        assert!(is_env_key("A1"));
        assert!(!is_env_key("1A"));
        assert!(!is_env_key("A"));
        assert!(!is_env_key("A-B"));
    }
}
