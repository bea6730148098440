//! CloudWatch errors: the query-era code (`InvalidParameterValue`), which
//! query-compatible clients read from `x-amzn-query-error`, and the model's
//! shape name for `__type`.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct CwError {
    pub code: &'static str,
    /// The error shape in the model (`InvalidParameterValueException`).
    pub shape: &'static str,
    pub message: String,
    pub status: u16,
}

impl CwError {
    fn sender(code: &'static str, shape: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            shape,
            message: message.into(),
            status: 400,
        }
    }

    pub fn invalid_value(message: impl Into<String>) -> Self {
        Self::sender(
            "InvalidParameterValue",
            "InvalidParameterValueException",
            message,
        )
    }

    pub fn missing(message: impl Into<String>) -> Self {
        Self::sender(
            "MissingParameter",
            "MissingRequiredParameterException",
            message,
        )
    }

    pub fn combination(message: impl Into<String>) -> Self {
        Self::sender(
            "InvalidParameterCombination",
            "InvalidParameterCombinationException",
            message,
        )
    }

    /// GetMetricData's refusals (the model lists none but InvalidNextToken;
    /// the service answers `ValidationError`).
    pub fn validation(message: impl Into<String>) -> Self {
        Self::sender("ValidationError", "ValidationError", message)
    }

    pub fn next_token(message: impl Into<String>) -> Self {
        Self::sender("InvalidNextToken", "InvalidNextToken", message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            code: "InternalServiceError",
            shape: "InternalServiceFault",
            message: message.into(),
            status: 500,
        }
    }

    /// `Sender` or `Receiver`, the second half of `x-amzn-query-error`.
    pub fn fault(&self) -> &'static str {
        if self.status >= 500 {
            "Receiver"
        } else {
            "Sender"
        }
    }
}

impl From<rusqlite::Error> for CwError {
    fn from(e: rusqlite::Error) -> Self {
        Self::internal(format!("the metrics store failed: {e}"))
    }
}

impl From<laminar_db::DbError> for CwError {
    fn from(e: laminar_db::DbError) -> Self {
        Self::internal(format!("the metrics store failed: {e}"))
    }
}

pub type CwResult<T> = Result<T, CwError>;
