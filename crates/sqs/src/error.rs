//! The errors SQS models, with the code each protocol uses: the query
//! protocol's code (`SqsError::code`) and the JSON protocol's shape name
//! (`SqsError::json_type`).

use crate::SqsError;

impl SqsError {
    fn client(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_string(),
            message: message.into(),
            status: 400,
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            code: "InternalFailure".into(),
            message: message.into(),
            status: 500,
        }
    }

    pub fn queue_does_not_exist() -> Self {
        Self::client(
            "AWS.SimpleQueueService.NonExistentQueue",
            "The specified queue does not exist.",
        )
    }

    pub fn queue_name_exists(name: &str) -> Self {
        Self::client(
            "QueueAlreadyExists",
            format!("A queue already exists with the same name and a different value for attribute(s) ({name})"),
        )
    }

    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::client("InvalidParameterValue", message)
    }

    pub fn missing_parameter(name: &str) -> Self {
        Self::client(
            "MissingParameter",
            format!("The request must contain the parameter {name}."),
        )
    }

    pub fn invalid_attribute_name(name: &str) -> Self {
        Self::client("InvalidAttributeName", format!("Unknown Attribute {name}."))
    }

    pub fn invalid_attribute_value(name: &str, reason: &str) -> Self {
        Self::client(
            "InvalidAttributeValue",
            format!("Invalid value for the parameter {name}. Reason: {reason}"),
        )
    }

    pub fn receipt_handle_invalid(handle: &str) -> Self {
        Self::client(
            "ReceiptHandleIsInvalid",
            format!("The input receipt handle \"{handle}\" is not a valid receipt handle."),
        )
    }

    pub fn message_not_inflight() -> Self {
        Self::client(
            "AWS.SimpleQueueService.MessageNotInflight",
            "The message referred to isn't in flight.",
        )
    }

    pub fn invalid_message_contents(message: impl Into<String>) -> Self {
        Self::client("InvalidMessageContents", message)
    }

    pub fn empty_batch() -> Self {
        Self::client(
            "AWS.SimpleQueueService.EmptyBatchRequest",
            "There should be at least one entry in the request.",
        )
    }

    pub fn too_many_entries(count: usize) -> Self {
        Self::client(
            "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
            format!("Maximum number of entries per request are 10. You have sent {count}."),
        )
    }

    pub fn batch_ids_not_distinct(id: &str) -> Self {
        Self::client(
            "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
            format!("Id {id} repeated."),
        )
    }

    pub fn invalid_batch_entry_id(id: &str) -> Self {
        Self::client(
            "AWS.SimpleQueueService.InvalidBatchEntryId",
            format!("A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long. Invalid id: {id}"),
        )
    }

    pub fn batch_request_too_long(size: usize) -> Self {
        Self::client(
            "AWS.SimpleQueueService.BatchRequestTooLong",
            format!(
                "Batch requests cannot be longer than 1048576 bytes. You have sent {size} bytes."
            ),
        )
    }

    pub fn invalid_action(action: &str) -> Self {
        Self::client(
            "InvalidAction",
            format!("The action {action} is not valid for this endpoint."),
        )
    }

    /// The shape name the JSON protocol puts in `__type`
    /// (`com.amazonaws.sqs#<name>`).
    pub fn json_type(&self) -> &str {
        match self.code.as_str() {
            "AWS.SimpleQueueService.NonExistentQueue" => "QueueDoesNotExist",
            "QueueAlreadyExists" => "QueueNameExists",
            other => other
                .strip_prefix("AWS.SimpleQueueService.")
                .unwrap_or(other),
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
}

impl From<rusqlite::Error> for SqsError {
    fn from(e: rusqlite::Error) -> Self {
        SqsError::internal(format!("the SQS store failed: {e}"))
    }
}

impl From<laminar_db::DbError> for SqsError {
    fn from(e: laminar_db::DbError) -> Self {
        SqsError::internal(format!("the SQS store failed: {e}"))
    }
}

impl From<serde_json::Error> for SqsError {
    fn from(e: serde_json::Error) -> Self {
        SqsError::internal(format!("the SQS store holds unreadable data: {e}"))
    }
}
