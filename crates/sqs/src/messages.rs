//! Messages: send (with FIFO deduplication), receive (visibility, FIFO group
//! blocking, redrive, long polling), delete, visibility changes.

use crate::attributes::RedrivePolicy;
use crate::digest::{md5_of_attributes, md5_of_body};
use crate::queues::{load, QueueRow};
use crate::{
    now_ms, MessageAttributeValue, OutgoingMessage, QueueRef, ReceivedMessage, SentMessage,
    SqsError, SqsService,
};
use base64::Engine;
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::time::Duration;

/// FIFO deduplication window.
const DEDUP_WINDOW_MS: i64 = 5 * 60 * 1000;
/// The longest a long poll sleeps without looking again (a message that
/// becomes visible by time wakes nobody; the poll sleeps until the next one
/// is due, but not longer than this).
const POLL_INTERVAL_MAX: Duration = Duration::from_secs(1);
/// The account laminar reports as every message's sender.
const SENDER_ID: &str = "AIDAIT2UOQQY3AUEKVGXU";

/// ReceiveMessage's knobs.
#[derive(Debug, Clone, Default)]
pub struct ReceiveOptions {
    /// 1–10.
    pub max: u32,
    /// Overrides the queue's VisibilityTimeout.
    pub visibility: Option<Duration>,
    /// Overrides the queue's ReceiveMessageWaitTimeSeconds.
    pub wait: Option<Duration>,
}

impl SqsService {
    /// SendMessage: committed before it returns.
    pub fn send_message(
        &self,
        queue: &QueueRef,
        message: OutgoingMessage,
    ) -> Result<SentMessage, SqsError> {
        // Committed with the other sends of the moment: one fsync for all.
        let queue = queue.clone();
        let (row, sent) = self.db.write_grouped(move |conn| {
            let row = load(conn, &queue)?;
            let sent = insert(conn, &queue, &row, message)?;
            Ok::<_, SqsError>((row, sent))
        })?;
        self.wake(row.id);
        Ok(sent)
    }

    /// SendMessageBatch's sends: every message in one grouped commit, each
    /// in a savepoint of its own, so one that fails (or came in failed, as
    /// `Err`) is undone alone. Each entry's outcome, in order.
    pub fn send_messages(
        &self,
        queue: &QueueRef,
        messages: Vec<Result<OutgoingMessage, SqsError>>,
    ) -> Result<Vec<Result<SentMessage, SqsError>>, SqsError> {
        let owned = queue.clone();
        let (queue_id, sent) = self.db.write_grouped(move |conn| {
            let row = load(conn, &owned)?;
            let sent: Vec<Result<SentMessage, SqsError>> = messages
                .into_iter()
                .map(|message| message.and_then(|m| insert_alone(conn, &owned, &row, m)))
                .collect();
            Ok::<_, SqsError>((row.id, sent))
        })?;
        self.wake(queue_id);
        Ok(sent)
    }

    /// ReceiveMessage: waits (long polling) up to `options.wait` (or the
    /// queue's ReceiveMessageWaitTimeSeconds) for the first message.
    pub async fn receive_messages(
        &self,
        queue: &QueueRef,
        options: ReceiveOptions,
    ) -> Result<Vec<ReceivedMessage>, SqsError> {
        self.receive_after_deleting(queue, options, &[]).await
    }

    /// [`Self::receive_messages`] that first deletes the messages of these
    /// receipt handles, in the commit of its first attempt (a poller's
    /// processed batch goes with its next receive: one commit, not two).
    /// Malformed handles are skipped. The deletes are undone with the
    /// receive if it fails.
    pub async fn receive_after_deleting(
        &self,
        queue: &QueueRef,
        options: ReceiveOptions,
        delete: &[String],
    ) -> Result<Vec<ReceivedMessage>, SqsError> {
        if !(1..=10).contains(&options.max) {
            return Err(SqsError::invalid_parameter(format!(
                "Value {} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.",
                options.max
            )));
        }
        let row = {
            let queue = queue.clone();
            self.db.read(move |conn| load(conn, &queue)).await?
        };
        let queue_id = row.id;
        let queue_wait = Duration::from_secs(row.number("ReceiveMessageWaitTimeSeconds") as u64);
        let wait = options.wait.unwrap_or(queue_wait);
        let deadline = tokio::time::Instant::now() + wait;
        let arrivals = self.arrivals(queue_id);
        let mut delete = Some(parse_handles(delete).1);
        loop {
            let notified = arrivals.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            // The receive writes (and, on disk, syncs): it is committed with
            // the other writes of the moment, by a blocking thread.
            let deleting = delete.take().unwrap_or_default();
            let got = self.receive_now(queue, &options, deleting).await?;
            let now = tokio::time::Instant::now();
            if !got.is_empty() || now >= deadline {
                return Ok(got);
            }
            let next_visible = self.next_visible_in(queue_id).await?;
            let nap = (deadline - now)
                .min(POLL_INTERVAL_MAX)
                .min(next_visible.unwrap_or(POLL_INTERVAL_MAX));
            let _ = tokio::time::timeout(nap, notified).await;
        }
    }

    /// How long until the next hidden (in flight or delayed) message of a
    /// queue becomes visible, if any is.
    async fn next_visible_in(&self, queue_id: i64) -> Result<Option<Duration>, SqsError> {
        let now = now_ms();
        let next: Option<i64> = self
            .db
            .call(move |conn| {
                conn.query_row(
                    "SELECT min(visible_at) FROM sqs_messages WHERE queue_id = ?1 AND visible_at > ?2",
                    params![queue_id, now],
                    |row| row.get(0),
                )
                .map_err(SqsError::from)
            })
            .await?;
        Ok(next.map(|at| Duration::from_millis((at - now).max(1) as u64)))
    }

    /// One attempt at receiving, committed with the other writes of the
    /// moment (group commit: the receives and deletes of every poller share
    /// one fsync).
    async fn receive_now(
        &self,
        queue: &QueueRef,
        options: &ReceiveOptions,
        delete: Vec<(i64, String)>,
    ) -> Result<Vec<ReceivedMessage>, SqsError> {
        let (owned, options) = (queue.clone(), options.clone());
        let (deleted, (received, moved_to)) = self
            .db
            .write_grouped_async(move |conn| {
                let deleted = if delete.is_empty() {
                    None
                } else {
                    Some(delete_in(conn, &owned, &delete)?)
                };
                Ok::<_, SqsError>((deleted, receive_in(conn, &owned, &options)?))
            })
            .await?;
        if let Some((queue_id, count)) = deleted {
            self.deleted(queue, queue_id, count);
        }
        if let Some(dlq_id) = moved_to {
            self.wake(dlq_id);
        }
        Ok(received)
    }

    /// DeleteMessage. A handle of a message already gone succeeds, as in AWS;
    /// so does an older handle of a message received again since, but it
    /// does not delete it (AWS: "the request succeeds, but the message might
    /// not be deleted"): the consumer holding the newest handle still owns it.
    pub fn delete_message(&self, queue: &QueueRef, receipt_handle: &str) -> Result<(), SqsError> {
        let mut outcomes = self.delete_messages(queue, &[receipt_handle.to_string()])?;
        outcomes.pop().unwrap_or(Ok(()))
    }

    /// Deletes several messages by their receipt handles in one grouped
    /// commit: each handle's outcome, in order (a malformed handle fails
    /// alone). The whole call fails only when the queue is gone or the
    /// commit fails.
    pub fn delete_messages(
        &self,
        queue: &QueueRef,
        receipt_handles: &[String],
    ) -> Result<Vec<Result<(), SqsError>>, SqsError> {
        let (handles, valid) = parse_handles(receipt_handles);
        if !valid.is_empty() {
            let owned = queue.clone();
            let (row, deleted) = self
                .db
                .write_grouped(move |conn| delete_in(conn, &owned, &valid))?;
            self.deleted(queue, row, deleted);
        }
        Ok(handles)
    }

    /// [`Self::delete_messages`] for async code: the task waits for the
    /// group's commit without holding a thread.
    pub async fn delete_messages_async(
        &self,
        queue: &QueueRef,
        receipt_handles: &[String],
    ) -> Result<Vec<Result<(), SqsError>>, SqsError> {
        let (handles, valid) = parse_handles(receipt_handles);
        if !valid.is_empty() {
            let owned = queue.clone();
            let (row, deleted) = self
                .db
                .write_grouped_async(move |conn| delete_in(conn, &owned, &valid))
                .await?;
            self.deleted(queue, row, deleted);
        }
        Ok(handles)
    }

    /// After a delete: a FIFO queue's groups are free again, so their next
    /// messages are due.
    fn deleted(&self, queue: &QueueRef, queue_id: i64, deleted: usize) {
        if deleted > 0 && queue.is_fifo() {
            self.wake(queue_id);
        }
    }

    /// ChangeMessageVisibility: the message becomes visible `seconds` from
    /// now (0 right away).
    pub fn change_visibility(
        &self,
        queue: &QueueRef,
        receipt_handle: &str,
        seconds: i64,
    ) -> Result<(), SqsError> {
        if !(0..=43_200).contains(&seconds) {
            return Err(SqsError::invalid_parameter(format!(
                "Value {seconds} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200."
            )));
        }
        let handle = Handle::parse(receipt_handle)?;
        let row = self.with(|conn| {
            let row = load(conn, queue)?;
            let now = now_ms();
            let current: Option<(i64, Option<String>)> = conn
                .query_row(
                    "SELECT visible_at, receipt FROM sqs_messages WHERE id = ?1 AND queue_id = ?2",
                    params![handle.row, row.id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            match current {
                None => return Err(SqsError::receipt_handle_invalid(receipt_handle)),
                Some((visible_at, receipt)) => {
                    if receipt.as_deref() != Some(handle.token.as_str()) {
                        return Err(SqsError::receipt_handle_invalid(receipt_handle));
                    }
                    if visible_at <= now {
                        return Err(SqsError::message_not_inflight());
                    }
                }
            }
            conn.execute(
                "UPDATE sqs_messages SET visible_at = ?2 WHERE id = ?1",
                params![handle.row, now + seconds * 1000],
            )?;
            Ok(row)
        })?;
        if seconds == 0 {
            self.wake(row.id);
        }
        Ok(())
    }
}

/// A receipt handle that parsed: the message's row and its receipt token.
type ValidHandle = (i64, String);

/// Each handle's parse outcome, and the valid ones.
fn parse_handles(receipt_handles: &[String]) -> (Vec<Result<(), SqsError>>, Vec<ValidHandle>) {
    let mut outcomes = Vec::with_capacity(receipt_handles.len());
    let mut valid = Vec::with_capacity(receipt_handles.len());
    for handle in receipt_handles {
        match Handle::parse(handle) {
            Ok(handle) => {
                valid.push((handle.row, handle.token));
                outcomes.push(Ok(()));
            }
            Err(e) => outcomes.push(Err(e)),
        }
    }
    (outcomes, valid)
}

/// Deletes the messages whose current receipt these are: the queue's row id
/// and how many went.
fn delete_in(
    conn: &Connection,
    queue: &QueueRef,
    handles: &[ValidHandle],
) -> Result<(i64, usize), SqsError> {
    let row = load(conn, queue)?;
    let mut statement = conn.prepare_cached(
        "DELETE FROM sqs_messages WHERE id = ?1 AND queue_id = ?2 AND receipt = ?3",
    )?;
    let mut deleted = 0;
    for (message, token) in handles {
        deleted += statement.execute(params![message, row.id, token])?;
    }
    Ok((row.id, deleted))
}

/// One attempt at receiving, inside the caller's transaction: up to
/// `options.max` visible messages handed out (and those past the redrive
/// policy's maxReceiveCount moved to its dead-letter queue, whose id is
/// answered so its long polls can be woken).
fn receive_in(
    conn: &Connection,
    queue: &QueueRef,
    options: &ReceiveOptions,
) -> Result<(Vec<ReceivedMessage>, Option<i64>), SqsError> {
    let row = load(conn, queue)?;
    let now = now_ms();
    conn.prepare_cached("DELETE FROM sqs_messages WHERE queue_id = ?1 AND expires_at <= ?2")?
        .execute(params![row.id, now])?;
    let visibility_ms = match options.visibility {
        Some(v) => v.as_millis() as i64,
        None => row.number("VisibilityTimeout") * 1000,
    };
    let redrive = row
        .attributes
        .get("RedrivePolicy")
        .and_then(|p| RedrivePolicy::parse(p).ok())
        .and_then(|p| {
            let dlq = QueueRef::from_arn(&p.dead_letter_target_arn).ok()?;
            let dlq_id = load(conn, &dlq).ok()?.id;
            Some((p.max_receive_count as i64, dlq_id))
        });
    let mut received = Vec::new();
    let mut moved_to = None;
    while received.len() < options.max as usize {
        let want = options.max as usize - received.len();
        let candidates = candidates(conn, &row, queue.is_fifo(), now, want)?;
        if candidates.is_empty() {
            break;
        }
        for candidate in candidates {
            if let Some((max_receives, dlq_id)) = redrive {
                if candidate.receive_count >= max_receives {
                    conn.prepare_cached(
                        "UPDATE sqs_messages SET queue_id = ?2, visible_at = ?3,
                         receive_count = 0, receipt = NULL WHERE id = ?1",
                    )?
                    .execute(params![candidate.id, dlq_id, now])?;
                    moved_to = Some(dlq_id);
                    continue;
                }
            }
            received.push(hand_out(conn, queue, candidate, now, visibility_ms)?);
        }
    }
    Ok((received, moved_to))
}

/// [`insert`] in a savepoint of its own: undone alone if it fails.
fn insert_alone(
    conn: &Connection,
    queue: &QueueRef,
    row: &QueueRow,
    message: OutgoingMessage,
) -> Result<SentMessage, SqsError> {
    let sql = |statement: &str| -> Result<(), SqsError> {
        conn.prepare_cached(statement)?.execute([])?;
        Ok(())
    };
    sql("SAVEPOINT send_entry")?;
    match insert(conn, queue, row, message) {
        Ok(sent) => {
            sql("RELEASE send_entry")?;
            Ok(sent)
        }
        Err(e) => {
            sql("ROLLBACK TO send_entry")?;
            sql("RELEASE send_entry")?;
            Err(e)
        }
    }
}

/// Checks a message and stores it (or finds its FIFO duplicate).
fn insert(
    tx: &Connection,
    queue: &QueueRef,
    row: &QueueRow,
    message: OutgoingMessage,
) -> Result<SentMessage, SqsError> {
    validate(&message, row.number("MaximumMessageSize"))?;
    let now = now_ms();
    let md5_of_body = md5_of_body(&message.body);
    let md5_of_message_attributes = md5_of_attributes(&message.message_attributes);
    let delay = match message.delay_seconds {
        Some(_) if queue.is_fifo() => {
            return Err(SqsError::invalid_parameter(
                "Value for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.",
            ))
        }
        Some(d) if d > 900 => {
            return Err(SqsError::invalid_parameter(format!(
                "Value {d} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900."
            )))
        }
        Some(d) => d as i64,
        None => row.number("DelaySeconds"),
    };
    let (group_id, dedup_id) = if queue.is_fifo() {
        let group = message
            .message_group_id
            .clone()
            .ok_or_else(|| SqsError::missing_parameter("MessageGroupId"))?;
        let dedup = match (&message.message_deduplication_id, row.flag("ContentBasedDeduplication")) {
            (Some(id), _) => id.clone(),
            (None, true) => hex::encode(Sha256::digest(message.body.as_bytes())),
            (None, false) => {
                return Err(SqsError::invalid_parameter(
                    "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
                ))
            }
        };
        (Some(group), Some(dedup))
    } else {
        (message.message_group_id.clone(), None)
    };
    if let Some(dedup) = &dedup_id {
        tx.execute(
            "DELETE FROM sqs_dedup WHERE queue_id = ?1 AND expires_at <= ?2",
            params![row.id, now],
        )?;
        let earlier: Option<(String, String)> = tx
            .query_row(
                "SELECT message_id, sequence FROM sqs_dedup WHERE queue_id = ?1 AND dedup_id = ?2",
                params![row.id, dedup],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((message_id, sequence)) = earlier {
            return Ok(SentMessage {
                message_id,
                md5_of_body,
                md5_of_message_attributes,
                sequence_number: Some(sequence),
            });
        }
    }
    let message_id = uuid::Uuid::new_v4().to_string();
    tx.prepare_cached(
        "INSERT INTO sqs_messages (queue_id, message_id, body, attributes, sent_at, visible_at,
            expires_at, group_id, dedup_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        row.id,
        message_id,
        message.body,
        serde_json::to_string(&message.message_attributes)?,
        now,
        now + delay * 1000,
        now + row.number("MessageRetentionPeriod") * 1000,
        group_id,
        dedup_id
    ])?;
    let sequence_number = dedup_id
        .map(|dedup| -> Result<String, SqsError> {
            let sequence = sequence_number(tx.last_insert_rowid());
            tx.execute(
                "INSERT OR REPLACE INTO sqs_dedup (queue_id, dedup_id, message_id, sequence, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![row.id, dedup, message_id, sequence, now + DEDUP_WINDOW_MS],
            )?;
            Ok(sequence)
        })
        .transpose()?;
    Ok(SentMessage {
        message_id,
        md5_of_body,
        md5_of_message_attributes,
        sequence_number,
    })
}

/// FIFO sequence numbers: increasing with the send order, 20 digits as AWS's.
fn sequence_number(row_id: i64) -> String {
    format!("{}", 10_000_000_000_000_000_000u128 + row_id as u128)
}

/// Body, attributes and size as SQS accepts them.
fn validate(message: &OutgoingMessage, max_size: i64) -> Result<(), SqsError> {
    if message.body.is_empty() {
        return Err(SqsError::missing_parameter("MessageBody"));
    }
    if !message.body.chars().all(allowed_char) {
        return Err(SqsError::invalid_message_contents(
            "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF",
        ));
    }
    if message.message_attributes.len() > 10 {
        return Err(SqsError::invalid_parameter(format!(
            "Number of message attributes [{}] exceeds the allowed maximum [10].",
            message.message_attributes.len()
        )));
    }
    let mut size = message.body.len();
    for (name, value) in &message.message_attributes {
        check_attribute(name, value)?;
        size += name.len()
            + value.data_type.len()
            + value.string_value.as_ref().map_or(0, String::len)
            + value.binary_value.as_ref().map_or(0, Vec::len);
    }
    if size as i64 > max_size {
        return Err(SqsError::invalid_parameter(format!(
            "One or more parameters are invalid. Reason: Message must be shorter than {max_size} bytes."
        )));
    }
    Ok(())
}

fn allowed_char(c: char) -> bool {
    matches!(c as u32, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

fn check_attribute(name: &str, value: &MessageAttributeValue) -> Result<(), SqsError> {
    let name_ok = !name.is_empty()
        && name.len() <= 256
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        && !name.starts_with('.')
        && !name.ends_with('.')
        && !name.contains("..")
        && !name.to_ascii_lowercase().starts_with("aws.")
        && !name.to_ascii_lowercase().starts_with("amazon.");
    if !name_ok {
        return Err(SqsError::invalid_parameter(format!(
            "Message attribute name '{name}' is invalid."
        )));
    }
    let base = value.data_type.split('.').next().unwrap_or_default();
    let has_value = match base {
        "String" | "Number" => value.string_value.is_some(),
        "Binary" => value.binary_value.is_some(),
        _ => {
            return Err(SqsError::invalid_parameter(format!(
                "The type of message (user) attribute '{name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String."
            )))
        }
    };
    if !has_value {
        return Err(SqsError::invalid_parameter(format!(
            "Message (user) attribute '{name}' must contain a non-empty value of type '{base}'."
        )));
    }
    if base == "Number"
        && value
            .string_value
            .as_deref()
            .is_some_and(|v| v.trim().parse::<f64>().is_err())
    {
        return Err(SqsError::invalid_parameter(format!(
            "Can't cast the value of message (user) attribute '{name}' to a number."
        )));
    }
    Ok(())
}

/// A stored message that could be handed out.
struct Candidate {
    id: i64,
    message_id: String,
    body: String,
    attributes: String,
    sent_at: i64,
    receive_count: i64,
    first_received_at: Option<i64>,
    group_id: Option<String>,
    dedup_id: Option<String>,
}

/// Visible messages in order. FIFO: oldest first, skipping groups that have
/// a message in flight.
fn candidates(
    tx: &Connection,
    row: &QueueRow,
    fifo: bool,
    now: i64,
    limit: usize,
) -> Result<Vec<Candidate>, SqsError> {
    let sql = if fifo {
        "SELECT id, message_id, body, attributes, sent_at, receive_count, first_received_at,
                group_id, dedup_id
         FROM sqs_messages m
         WHERE queue_id = ?1 AND visible_at <= ?2
           AND NOT EXISTS (SELECT 1 FROM sqs_messages b
                           WHERE b.queue_id = ?1 AND b.group_id = m.group_id
                             AND b.receive_count > 0 AND b.visible_at > ?2)
         ORDER BY id LIMIT ?3"
    } else {
        "SELECT id, message_id, body, attributes, sent_at, receive_count, first_received_at,
                group_id, dedup_id
         FROM sqs_messages
         WHERE queue_id = ?1 AND visible_at <= ?2
         ORDER BY visible_at, id LIMIT ?3"
    };
    let mut stmt = tx.prepare_cached(sql)?;
    let rows = stmt
        .query_map(params![row.id, now, limit as i64], |r| {
            Ok(Candidate {
                id: r.get(0)?,
                message_id: r.get(1)?,
                body: r.get(2)?,
                attributes: r.get(3)?,
                sent_at: r.get(4)?,
                receive_count: r.get(5)?,
                first_received_at: r.get(6)?,
                group_id: r.get(7)?,
                dedup_id: r.get(8)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Marks a candidate in flight with a new receipt handle.
fn hand_out(
    tx: &Connection,
    queue: &QueueRef,
    c: Candidate,
    now: i64,
    visibility_ms: i64,
) -> Result<ReceivedMessage, SqsError> {
    let token = uuid::Uuid::new_v4().simple().to_string();
    let first = c.first_received_at.unwrap_or(now);
    let count = c.receive_count + 1;
    tx.prepare_cached(
        "UPDATE sqs_messages SET receive_count = ?2, visible_at = ?3, receipt = ?4,
            first_received_at = ?5 WHERE id = ?1",
    )?
    .execute(params![c.id, count, now + visibility_ms, token, first])?;
    let message_attributes: BTreeMap<String, MessageAttributeValue> =
        serde_json::from_str(&c.attributes)?;
    let mut attributes = BTreeMap::from([
        ("ApproximateReceiveCount".to_string(), count.to_string()),
        ("SentTimestamp".to_string(), c.sent_at.to_string()),
        ("SenderId".to_string(), SENDER_ID.to_string()),
        (
            "ApproximateFirstReceiveTimestamp".to_string(),
            first.to_string(),
        ),
    ]);
    if queue.is_fifo() {
        if let Some(group) = c.group_id {
            attributes.insert("MessageGroupId".into(), group);
        }
        if let Some(dedup) = c.dedup_id {
            attributes.insert("MessageDeduplicationId".into(), dedup);
        }
        attributes.insert("SequenceNumber".into(), sequence_number(c.id));
    }
    Ok(ReceivedMessage {
        message_id: c.message_id,
        receipt_handle: Handle { row: c.id, token }.encode(),
        md5_of_body: md5_of_body(&c.body),
        md5_of_message_attributes: md5_of_attributes(&message_attributes),
        body: c.body,
        attributes,
        message_attributes,
    })
}

/// A receipt handle: the message row and the token of this receive.
struct Handle {
    row: i64,
    token: String,
}

impl Handle {
    fn encode(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", self.row, self.token))
    }

    fn parse(text: &str) -> Result<Self, SqsError> {
        let invalid = || SqsError::receipt_handle_invalid(text);
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|_| invalid())?;
        let decoded = String::from_utf8(bytes).map_err(|_| invalid())?;
        let (row, token) = decoded.split_once(':').ok_or_else(invalid)?;
        Ok(Self {
            row: row.parse().map_err(|_| invalid())?,
            token: token.to_string(),
        })
    }
}

#[cfg(test)]
mod tests;
