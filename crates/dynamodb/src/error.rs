//! DynamoDB errors, named as the service model names them.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct DynamoError {
    pub code: &'static str,
    pub message: String,
    pub status: u16,
    /// Members the error's body carries beside `__type` and `message` (a
    /// failed condition's `Item`, a cancelled transaction's
    /// `CancellationReasons`), as a JSON object.
    pub extra: Option<String>,
}

impl DynamoError {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            status: 400,
            extra: None,
        }
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new("ValidationException", message)
    }

    /// "One or more parameter values were invalid: …", AWS's prefix for
    /// values the model allows but the table does not.
    pub fn invalid_parameter(detail: impl std::fmt::Display) -> Self {
        Self::validation(format!(
            "One or more parameter values were invalid: {detail}"
        ))
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new("ResourceNotFoundException", message)
    }

    pub fn table_not_found(name: &str) -> Self {
        Self::not_found(format!(
            "Requested resource not found: Table: {name} not found"
        ))
    }

    /// What item operations answer for a table that does not exist.
    pub fn resource_not_found() -> Self {
        Self::not_found("Requested resource not found")
    }

    pub fn in_use(message: impl Into<String>) -> Self {
        Self::new("ResourceInUseException", message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            code: "InternalServerError",
            message: message.into(),
            status: 500,
            extra: None,
        }
    }

    /// `item`: the item as it was, when the request asked for it
    /// (`ReturnValuesOnConditionCheckFailure: ALL_OLD`).
    pub fn condition_failed(item: Option<serde_json::Value>) -> Self {
        Self {
            extra: item.map(|item| serde_json::json!({ "Item": item }).to_string()),
            ..Self::new(
                "ConditionalCheckFailedException",
                "The conditional request failed",
            )
        }
    }

    pub fn serialization(message: impl Into<String>) -> Self {
        Self::new("SerializationException", message)
    }
}

impl From<rusqlite::Error> for DynamoError {
    fn from(e: rusqlite::Error) -> Self {
        Self::internal(format!("the table store failed: {e}"))
    }
}

impl From<laminar_db::DbError> for DynamoError {
    fn from(e: laminar_db::DbError) -> Self {
        Self::internal(format!("the table store failed: {e}"))
    }
}

impl From<serde_json::Error> for DynamoError {
    fn from(e: serde_json::Error) -> Self {
        Self::internal(format!("a stored table could not be read: {e}"))
    }
}

pub type DynamoResult<T> = Result<T, DynamoError>;
