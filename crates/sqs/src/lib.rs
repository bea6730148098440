//! Amazon SQS, as much as Lambda features need end to end: queues, messages,
//! visibility, long polling, FIFO, redrive. State lives in the store's SQLite
//! database, so accepted messages survive a restart.
//!
//! The gateway renders the wire protocols (JSON and query); Lambda calls the
//! same service directly for destinations, dead-letter queues and event
//! source mappings.

use laminar_store::Store;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// An SQS error as the protocols render it: the modelled code and a message.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct SqsError {
    /// e.g. `AWS.SimpleQueueService.NonExistentQueue`, `InvalidParameterValue`.
    pub code: String,
    pub message: String,
    /// HTTP status (400 for client errors, 500 for ours).
    pub status: u16,
}

/// A message attribute value (`DataType` String / Number / Binary[.custom]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MessageAttributeValue {
    pub data_type: String,
    pub string_value: Option<String>,
    pub binary_value: Option<Vec<u8>>,
}

/// A message to send.
#[derive(Debug, Clone, Default)]
pub struct OutgoingMessage {
    pub body: String,
    pub delay_seconds: Option<u32>,
    pub message_attributes: BTreeMap<String, MessageAttributeValue>,
    pub message_group_id: Option<String>,
    pub message_deduplication_id: Option<String>,
}

/// What SendMessage answers.
#[derive(Debug, Clone)]
pub struct SentMessage {
    pub message_id: String,
    pub md5_of_body: String,
    pub md5_of_message_attributes: Option<String>,
    pub sequence_number: Option<String>,
}

/// A message handed out by ReceiveMessage.
#[derive(Debug, Clone)]
pub struct ReceivedMessage {
    pub message_id: String,
    pub receipt_handle: String,
    pub body: String,
    pub md5_of_body: String,
    pub md5_of_message_attributes: Option<String>,
    /// System attributes: ApproximateReceiveCount, SentTimestamp, SenderId,
    /// ApproximateFirstReceiveTimestamp, and for FIFO MessageGroupId,
    /// MessageDeduplicationId, SequenceNumber.
    pub attributes: BTreeMap<String, String>,
    pub message_attributes: BTreeMap<String, MessageAttributeValue>,
}

/// The SQS service of one laminar instance. Cheap to clone.
#[derive(Clone)]
pub struct SqsService {
    #[allow(dead_code)]
    store: Arc<Store>,
}

impl SqsService {
    pub fn new(store: Arc<Store>) -> Result<Self, SqsError> {
        Ok(Self { store })
    }

    /// Sends one message to the queue with this ARN
    /// (`arn:aws:sqs:<region>:<account>:<name>`).
    pub fn send_to_arn(
        &self,
        _queue_arn: &str,
        _message: OutgoingMessage,
    ) -> Result<SentMessage, SqsError> {
        Err(not_built())
    }

    /// Receives up to `max` messages (1–10) from the queue with this ARN,
    /// waiting up to `wait` for the first one. `visibility` overrides the
    /// queue's visibility timeout. Messages over the redrive policy's
    /// maxReceiveCount move to the dead-letter queue instead.
    pub async fn receive_from_arn(
        &self,
        _queue_arn: &str,
        _max: u32,
        _visibility: Option<Duration>,
        _wait: Duration,
    ) -> Result<Vec<ReceivedMessage>, SqsError> {
        Err(not_built())
    }

    /// Deletes a received message by its receipt handle.
    pub fn delete_from_arn(&self, _queue_arn: &str, _receipt_handle: &str) -> Result<(), SqsError> {
        Err(not_built())
    }

    /// Makes a received message visible again after `visibility`.
    pub fn change_visibility_from_arn(
        &self,
        _queue_arn: &str,
        _receipt_handle: &str,
        _visibility: Duration,
    ) -> Result<(), SqsError> {
        Err(not_built())
    }

    /// The queue's attributes (as GetQueueAttributes names them), if the
    /// queue exists.
    pub fn attributes_of_arn(&self, _queue_arn: &str) -> Option<BTreeMap<String, String>> {
        None
    }
}

fn not_built() -> SqsError {
    SqsError {
        code: "InternalFailure".into(),
        message: "SQS is not built yet".into(),
        status: 500,
    }
}
