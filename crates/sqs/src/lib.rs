//! Amazon SQS, as much as Lambda features need end to end: queues, messages,
//! visibility, long polling, FIFO, redrive. State lives in the shared SQLite
//! database, so accepted messages survive a restart.
//!
//! The gateway renders the wire protocols (JSON and query); Lambda calls the
//! same service directly for destinations, dead-letter queues and event
//! source mappings. Both go through the same core (`queues`, `messages`).

mod attributes;
mod digest;
mod error;
mod messages;
mod queues;
mod schema;

pub use attributes::{validate_queue_name, RedrivePolicy};
pub use digest::{md5_of_attributes, md5_of_body};
pub use messages::ReceiveOptions;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// An SQS error as the protocols render it: the modelled code and a message.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct SqsError {
    /// The query protocol's code, e.g. `AWS.SimpleQueueService.NonExistentQueue`,
    /// `InvalidParameterValue`; `json_type()` gives the JSON protocol's.
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

impl MessageAttributeValue {
    /// Binary and `Binary.<label>` attributes carry `binary_value`.
    pub fn is_binary(&self) -> bool {
        self.data_type == "Binary" || self.data_type.starts_with("Binary.")
    }
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

/// A queue: where it lives and its name. The URL path is `/<account>/<name>`,
/// the ARN `arn:aws:sqs:<region>:<account>:<name>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct QueueRef {
    pub region: String,
    pub account: String,
    pub name: String,
}

impl QueueRef {
    pub fn new(region: &str, account: &str, name: &str) -> Self {
        Self {
            region: region.into(),
            account: account.into(),
            name: name.into(),
        }
    }

    pub fn from_arn(arn: &str) -> Result<Self, SqsError> {
        let parts: Vec<&str> = arn.split(':').collect();
        match parts.as_slice() {
            ["arn", _, "sqs", region, account, name] if !name.is_empty() => {
                Ok(Self::new(region, account, name))
            }
            _ => Err(SqsError::queue_does_not_exist()),
        }
    }

    /// The queue named by a queue URL (`<endpoint>/<account>/<name>`) or a
    /// bare name, in the caller's region and account.
    pub fn from_url(url: &str, region: &str, account: &str) -> Result<Self, SqsError> {
        let path = match url.find("://") {
            Some(i) => {
                let rest = &url[i + 3..];
                rest.find('/').map_or("", |p| &rest[p..])
            }
            None => url,
        };
        let segments: Vec<&str> = path
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .split('/')
            .filter(|s| !s.is_empty())
            .collect();
        match segments.as_slice() {
            [name] => Ok(Self::new(region, account, name)),
            [queue_account, name] => Ok(Self::new(region, queue_account, name)),
            _ => Err(SqsError::queue_does_not_exist()),
        }
    }

    pub fn arn(&self) -> String {
        format!("arn:aws:sqs:{}:{}:{}", self.region, self.account, self.name)
    }

    /// The queue URL under an endpoint such as `http://localhost:4566`.
    pub fn url(&self, endpoint: &str) -> String {
        format!(
            "{}/{}/{}",
            endpoint.trim_end_matches('/'),
            self.account,
            self.name
        )
    }

    pub fn is_fifo(&self) -> bool {
        self.name.ends_with(".fifo")
    }
}

/// The SQS service of one laminar instance. Cheap to clone.
#[derive(Clone)]
pub struct SqsService {
    db: laminar_db::Db,
    /// Per queue (by row id): wakes its long polls when a message may have
    /// become receivable there.
    arrivals: Arc<std::sync::Mutex<std::collections::HashMap<i64, Arc<tokio::sync::Notify>>>>,
}

impl SqsService {
    /// The service over the shared database, its tables brought up to date.
    pub fn new(db: laminar_db::Db) -> Result<Self, SqsError> {
        db.migrate(&schema::SQS)?;
        Ok(Self {
            db,
            arrivals: Arc::default(),
        })
    }

    /// Runs `work` on the database on this thread (a blocking one).
    fn with<T>(
        &self,
        work: impl FnOnce(&mut rusqlite::Connection) -> Result<T, SqsError>,
    ) -> Result<T, SqsError> {
        self.db.call_blocking(work)
    }

    /// The wake-up of one queue's long polls.
    fn arrivals(&self, queue_id: i64) -> Arc<tokio::sync::Notify> {
        let mut all = self.arrivals.lock().unwrap_or_else(|e| e.into_inner());
        all.entry(queue_id).or_default().clone()
    }

    /// Wakes the long polls of one queue.
    fn wake(&self, queue_id: i64) {
        let all = self.arrivals.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(notify) = all.get(&queue_id) {
            notify.notify_waiters();
        }
    }

    /// Runs a blocking operation of this service on a blocking thread, for
    /// callers on async workers: its commit syncs to disk.
    async fn off_worker<T: Send + 'static>(
        &self,
        operation: impl FnOnce(&SqsService) -> Result<T, SqsError> + Send + 'static,
    ) -> Result<T, SqsError> {
        let this = self.clone();
        laminar_db::try_blocking(move || operation(&this)).await
    }

    /// Sends one message to the queue with this ARN
    /// (`arn:aws:sqs:<region>:<account>:<name>`).
    pub async fn send_to_arn(
        &self,
        queue_arn: &str,
        message: OutgoingMessage,
    ) -> Result<SentMessage, SqsError> {
        let queue = QueueRef::from_arn(queue_arn)?;
        self.off_worker(move |sqs| sqs.send_message(&queue, message))
            .await
    }

    /// Receives up to `max` messages (1–10) from the queue with this ARN,
    /// waiting up to `wait` for the first one. `visibility` overrides the
    /// queue's visibility timeout. Messages over the redrive policy's
    /// maxReceiveCount move to the dead-letter queue instead.
    pub async fn receive_from_arn(
        &self,
        queue_arn: &str,
        max: u32,
        visibility: Option<Duration>,
        wait: Duration,
    ) -> Result<Vec<ReceivedMessage>, SqsError> {
        self.receive_after_deleting_from_arn(queue_arn, &[], max, visibility, wait)
            .await
    }

    /// [`Self::receive_from_arn`] that first deletes the messages of these
    /// receipt handles in the same commit (a poller's processed batch).
    pub async fn receive_after_deleting_from_arn(
        &self,
        queue_arn: &str,
        delete: &[String],
        max: u32,
        visibility: Option<Duration>,
        wait: Duration,
    ) -> Result<Vec<ReceivedMessage>, SqsError> {
        let queue = QueueRef::from_arn(queue_arn)?;
        let options = ReceiveOptions {
            max: max.clamp(1, 10),
            visibility,
            wait: Some(wait),
        };
        self.receive_after_deleting(&queue, options, delete).await
    }

    /// Deletes a received message by its receipt handle.
    pub async fn delete_from_arn(
        &self,
        queue_arn: &str,
        receipt_handle: &str,
    ) -> Result<(), SqsError> {
        let queue = QueueRef::from_arn(queue_arn)?;
        let mut outcomes = self
            .delete_messages_async(&queue, &[receipt_handle.to_string()])
            .await?;
        outcomes.pop().unwrap_or(Ok(()))
    }

    /// Deletes received messages by their receipt handles, in one grouped
    /// commit: each handle's outcome, in order.
    pub async fn delete_batch_from_arn(
        &self,
        queue_arn: &str,
        receipt_handles: Vec<String>,
    ) -> Result<Vec<Result<(), SqsError>>, SqsError> {
        let queue = QueueRef::from_arn(queue_arn)?;
        self.delete_messages_async(&queue, &receipt_handles).await
    }

    /// Makes a received message visible again after `visibility`.
    pub async fn change_visibility_from_arn(
        &self,
        queue_arn: &str,
        receipt_handle: &str,
        visibility: Duration,
    ) -> Result<(), SqsError> {
        let seconds = i64::try_from(visibility.as_secs()).unwrap_or(i64::MAX);
        let (queue, handle) = (QueueRef::from_arn(queue_arn)?, receipt_handle.to_string());
        self.off_worker(move |sqs| sqs.change_visibility(&queue, &handle, seconds))
            .await
    }

    /// The queue's attributes (as GetQueueAttributes names them), if the
    /// queue exists.
    pub fn attributes_of_arn(&self, queue_arn: &str) -> Option<BTreeMap<String, String>> {
        let queue = QueueRef::from_arn(queue_arn).ok()?;
        self.queue_attributes(&queue, &["All".to_string()]).ok()
    }
}

/// Milliseconds since the epoch.
fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}
