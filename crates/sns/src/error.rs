//! SNS errors, named as the service model names them, with the status and
//! fault the query protocol answers.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct SnsError {
    pub code: &'static str,
    pub message: String,
    pub status: u16,
}

impl SnsError {
    fn new(code: &'static str, status: u16, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            status,
        }
    }

    /// `InvalidParameter`: AWS prefixes the detail with "Invalid parameter: ".
    pub fn invalid(detail: impl std::fmt::Display) -> Self {
        Self::new(
            "InvalidParameter",
            400,
            format!("Invalid parameter: {detail}"),
        )
    }

    pub fn invalid_value(message: impl Into<String>) -> Self {
        Self::new("InvalidParameterValue", 400, message)
    }

    pub fn topic_not_found() -> Self {
        Self::new("NotFound", 404, "Topic does not exist")
    }

    pub fn subscription_not_found() -> Self {
        Self::new("NotFound", 404, "Subscription does not exist")
    }

    pub fn resource_not_found() -> Self {
        Self::new("ResourceNotFound", 404, "Resource does not exist")
    }

    pub fn batch_empty() -> Self {
        Self::new(
            "EmptyBatchRequest",
            400,
            "The batch request doesn't contain any entries",
        )
    }

    pub fn batch_too_many() -> Self {
        Self::new(
            "TooManyEntriesInBatchRequest",
            400,
            "The batch request contains more entries than permissible.",
        )
    }

    pub fn batch_ids_not_distinct() -> Self {
        Self::new(
            "BatchEntryIdsNotDistinct",
            400,
            "Two or more batch entries in the request have the same Id.",
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new("InternalError", 500, message)
    }

    /// The query protocol's `<Type>`.
    pub fn fault(&self) -> &'static str {
        if self.status >= 500 {
            "Receiver"
        } else {
            "Sender"
        }
    }
}

impl From<rusqlite::Error> for SnsError {
    fn from(e: rusqlite::Error) -> Self {
        Self::internal(format!("the topic store failed: {e}"))
    }
}

impl From<laminar_db::DbError> for SnsError {
    fn from(e: laminar_db::DbError) -> Self {
        Self::internal(format!("the topic store failed: {e}"))
    }
}

pub type SnsResult<T> = Result<T, SnsError>;
