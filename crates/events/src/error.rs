//! EventBridge errors, named as AWS names them. Every one is a 400 but
//! internal failures.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct EventsError {
    pub code: &'static str,
    pub message: String,
    pub status: u16,
}

impl EventsError {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            status: 400,
        }
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new("ValidationException", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new("ResourceNotFoundException", message)
    }

    pub fn exists(message: impl Into<String>) -> Self {
        Self::new("ResourceAlreadyExistsException", message)
    }

    pub fn limit(message: impl Into<String>) -> Self {
        Self::new("LimitExceededException", message)
    }

    pub fn pattern(reason: impl std::fmt::Display) -> Self {
        Self::new(
            "InvalidEventPatternException",
            format!("Event pattern is not valid. Reason: {reason}"),
        )
    }

    pub fn bus_not_found(name: &str) -> Self {
        Self::not_found(format!("Event bus {name} does not exist."))
    }

    pub fn rule_not_found(name: &str, bus: &str) -> Self {
        Self::not_found(format!("Rule {name} does not exist on EventBus {bus}."))
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            code: "InternalException",
            message: message.into(),
            status: 500,
        }
    }
}

impl From<rusqlite::Error> for EventsError {
    fn from(e: rusqlite::Error) -> Self {
        Self::internal(format!("the events store failed: {e}"))
    }
}

impl From<laminar_db::DbError> for EventsError {
    fn from(e: laminar_db::DbError) -> Self {
        Self::internal(format!("the events store failed: {e}"))
    }
}

pub type EventsResult<T> = Result<T, EventsError>;
