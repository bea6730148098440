//! CloudWatch Logs errors, named as the service model names them.

/// A CloudWatch Logs error: the modelled code (`ResourceNotFoundException`, …)
/// and a message.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct LogsError {
    pub code: String,
    pub message: String,
    pub status: u16,
}

impl LogsError {
    fn new(code: &str, status: u16, message: impl Into<String>) -> Self {
        Self {
            code: code.to_string(),
            message: message.into(),
            status,
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new("InvalidParameterException", 400, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new("ResourceNotFoundException", 400, message)
    }

    pub fn already_exists(message: impl Into<String>) -> Self {
        Self::new("ResourceAlreadyExistsException", 400, message)
    }

    pub fn limit_exceeded(message: impl Into<String>) -> Self {
        Self::new("LimitExceededException", 400, message)
    }

    pub fn too_many_tags(message: impl Into<String>) -> Self {
        Self::new("TooManyTagsException", 400, message)
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new("ServiceUnavailableException", 500, message)
    }

    pub fn group_not_found() -> Self {
        Self::not_found("The specified log group does not exist.")
    }

    pub fn stream_not_found() -> Self {
        Self::not_found("The specified log stream does not exist.")
    }
}

impl From<rusqlite::Error> for LogsError {
    fn from(e: rusqlite::Error) -> Self {
        Self::unavailable(format!("the log store failed: {e}"))
    }
}

impl From<laminar_db::DbError> for LogsError {
    fn from(e: laminar_db::DbError) -> Self {
        Self::unavailable(format!("the log store failed: {e}"))
    }
}

pub type LogsResult<T> = Result<T, LogsError>;
