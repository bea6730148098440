//! IAM's and STS's errors: the query protocol's code, its HTTP status and
//! the message, worded as AWS words them.

/// An IAM or STS error as the protocol renders it.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct IamError {
    pub code: &'static str,
    pub message: String,
    pub status: u16,
}

impl IamError {
    fn new(code: &'static str, status: u16, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            status,
        }
    }

    /// `Sender` for client errors, `Receiver` for ours.
    pub fn fault(&self) -> &'static str {
        if self.status >= 500 {
            "Receiver"
        } else {
            "Sender"
        }
    }

    pub fn no_such_entity(message: impl Into<String>) -> Self {
        Self::new("NoSuchEntity", 404, message)
    }
    pub fn already_exists(message: impl Into<String>) -> Self {
        Self::new("EntityAlreadyExists", 409, message)
    }
    pub fn delete_conflict(message: impl Into<String>) -> Self {
        Self::new("DeleteConflict", 409, message)
    }
    pub fn limit_exceeded(message: impl Into<String>) -> Self {
        Self::new("LimitExceeded", 409, message)
    }
    pub fn malformed(message: impl Into<String>) -> Self {
        Self::new("MalformedPolicyDocument", 400, message)
    }
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new("ValidationError", 400, message)
    }
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new("InvalidInput", 400, message)
    }
    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new("AccessDenied", 403, message)
    }
    pub fn missing(member: &str) -> Self {
        Self::validation(format!(
            "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
            lower_first(member)
        ))
    }
    pub fn invalid_action(action: &str, version: &str) -> Self {
        Self::new(
            "InvalidAction",
            400,
            format!("Could not find operation {action} for version {version}"),
        )
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new("ServiceFailure", 500, message)
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl From<laminar_db::DbError> for IamError {
    fn from(e: laminar_db::DbError) -> Self {
        Self::internal(e.to_string())
    }
}

impl From<rusqlite::Error> for IamError {
    fn from(e: rusqlite::Error) -> Self {
        Self::internal(e.to_string())
    }
}
