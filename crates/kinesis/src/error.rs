//! Kinesis errors, named as the service model names them. Every one is a 400.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct KinesisError {
    pub code: &'static str,
    pub message: String,
    pub status: u16,
}

impl KinesisError {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            status: 400,
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new("InvalidArgumentException", message)
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new("ValidationException", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new("ResourceNotFoundException", message)
    }

    pub fn in_use(message: impl Into<String>) -> Self {
        Self::new("ResourceInUseException", message)
    }

    pub fn limit(message: impl Into<String>) -> Self {
        Self::new("LimitExceededException", message)
    }

    pub fn expired_iterator(message: impl Into<String>) -> Self {
        Self::new("ExpiredIteratorException", message)
    }

    pub fn expired_token(message: impl Into<String>) -> Self {
        Self::new("ExpiredNextTokenException", message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            code: "InternalFailureException",
            message: message.into(),
            status: 500,
        }
    }

    pub fn stream_not_found(name: &str, account: &str) -> Self {
        Self::not_found(format!("Stream {name} under account {account} not found."))
    }
}

impl From<rusqlite::Error> for KinesisError {
    fn from(e: rusqlite::Error) -> Self {
        Self::internal(format!("the stream store failed: {e}"))
    }
}

impl From<laminar_db::DbError> for KinesisError {
    fn from(e: laminar_db::DbError) -> Self {
        Self::internal(format!("the stream store failed: {e}"))
    }
}

pub type KinesisResult<T> = Result<T, KinesisError>;
