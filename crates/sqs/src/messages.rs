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
use rusqlite::{params, Connection, OptionalExtension, Transaction};
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

    /// ReceiveMessage: waits (long polling) up to `options.wait` (or the
    /// queue's ReceiveMessageWaitTimeSeconds) for the first message.
    pub async fn receive_messages(
        &self,
        queue: &QueueRef,
        options: ReceiveOptions,
    ) -> Result<Vec<ReceivedMessage>, SqsError> {
        if !(1..=10).contains(&options.max) {
            return Err(SqsError::invalid_parameter(format!(
                "Value {} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.",
                options.max
            )));
        }
        let row = {
            let queue = queue.clone();
            self.db.call(move |conn| load(conn, &queue)).await?
        };
        let queue_id = row.id;
        let queue_wait = Duration::from_secs(row.number("ReceiveMessageWaitTimeSeconds") as u64);
        let wait = options.wait.unwrap_or(queue_wait);
        let deadline = tokio::time::Instant::now() + wait;
        let arrivals = self.arrivals(queue_id);
        loop {
            let notified = arrivals.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            // The receive's transaction writes (and, on disk, syncs):
            // a blocking thread runs it.
            let got = {
                let (queue, options) = (queue.clone(), options.clone());
                self.off_worker(move |sqs| sqs.receive_now(&queue, &options))
                    .await?
            };
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

    /// One attempt at receiving, in one transaction.
    fn receive_now(
        &self,
        queue: &QueueRef,
        options: &ReceiveOptions,
    ) -> Result<Vec<ReceivedMessage>, SqsError> {
        let (received, moved_to) = self.with(|conn| {
            let tx = conn.transaction()?;
            let row = load(&tx, queue)?;
            let now = now_ms();
            tx.execute(
                "DELETE FROM sqs_messages WHERE queue_id = ?1 AND expires_at <= ?2",
                params![row.id, now],
            )?;
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
                    let dlq_id = load(&tx, &dlq).ok()?.id;
                    Some((p.max_receive_count as i64, dlq_id))
                });
            let mut received = Vec::new();
            let mut moved_to = None;
            while received.len() < options.max as usize {
                let want = options.max as usize - received.len();
                let candidates = candidates(&tx, &row, queue.is_fifo(), now, want)?;
                if candidates.is_empty() {
                    break;
                }
                for candidate in candidates {
                    if let Some((max_receives, dlq_id)) = redrive {
                        if candidate.receive_count >= max_receives {
                            tx.execute(
                                "UPDATE sqs_messages SET queue_id = ?2, visible_at = ?3,
                                 receive_count = 0, receipt = NULL WHERE id = ?1",
                                params![candidate.id, dlq_id, now],
                            )?;
                            moved_to = Some(dlq_id);
                            continue;
                        }
                    }
                    received.push(hand_out(&tx, queue, candidate, now, visibility_ms)?);
                }
            }
            tx.commit()?;
            Ok((received, moved_to))
        })?;
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
        let handle = Handle::parse(receipt_handle)?;
        let (row, deleted) = self.with(|conn| {
            let row = load(conn, queue)?;
            let deleted = conn.execute(
                "DELETE FROM sqs_messages WHERE id = ?1 AND queue_id = ?2 AND receipt = ?3",
                params![handle.row, row.id, handle.token],
            )?;
            Ok((row, deleted))
        })?;
        if deleted > 0 && queue.is_fifo() {
            // The message's group is free again: its next message is due.
            self.wake(row.id);
        }
        Ok(())
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
    tx.execute(
        "INSERT INTO sqs_messages (queue_id, message_id, body, attributes, sent_at, visible_at,
            expires_at, group_id, dedup_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            row.id,
            message_id,
            message.body,
            serde_json::to_string(&message.message_attributes)?,
            now,
            now + delay * 1000,
            now + row.number("MessageRetentionPeriod") * 1000,
            group_id,
            dedup_id
        ],
    )?;
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
    tx: &Transaction<'_>,
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
    tx: &Transaction<'_>,
    queue: &QueueRef,
    c: Candidate,
    now: i64,
    visibility_ms: i64,
) -> Result<ReceivedMessage, SqsError> {
    let token = uuid::Uuid::new_v4().simple().to_string();
    let first = c.first_received_at.unwrap_or(now);
    let count = c.receive_count + 1;
    tx.execute(
        "UPDATE sqs_messages SET receive_count = ?2, visible_at = ?3, receipt = ?4,
            first_received_at = ?5 WHERE id = ?1",
        params![c.id, count, now + visibility_ms, token, first],
    )?;
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
mod tests {
    use super::*;

    fn service() -> SqsService {
        SqsService::new(laminar_db::Db::open(None).unwrap()).unwrap()
    }

    fn fifo_message(body: &str, group: &str, dedup: Option<&str>) -> OutgoingMessage {
        OutgoingMessage {
            body: body.into(),
            message_group_id: Some(group.into()),
            message_deduplication_id: dedup.map(str::to_string),
            ..Default::default()
        }
    }

    fn receive_now(sqs: &SqsService, q: &QueueRef, max: u32) -> Vec<ReceivedMessage> {
        let options = ReceiveOptions {
            max,
            visibility: None,
            wait: Some(Duration::ZERO),
        };
        sqs.receive_now(q, &options).unwrap()
    }

    #[test]
    fn fifo_blocks_a_group_with_a_message_in_flight() {
        let sqs = service();
        let q = QueueRef::new("us-east-1", "000000000000", "orders.fifo");
        sqs.create_queue(&q, BTreeMap::new(), BTreeMap::new())
            .unwrap();
        for (body, group) in [("a1", "a"), ("a2", "a"), ("b1", "b")] {
            sqs.send_message(&q, fifo_message(body, group, Some(body)))
                .unwrap();
        }
        let first: Vec<String> = receive_now(&sqs, &q, 1)
            .into_iter()
            .map(|m| m.body)
            .collect();
        assert_eq!(first, ["a1"]);
        // Group a is blocked while a1 is in flight; b is free.
        let second: Vec<String> = receive_now(&sqs, &q, 10)
            .into_iter()
            .map(|m| m.body)
            .collect();
        assert_eq!(second, ["b1"]);
        assert!(receive_now(&sqs, &q, 10).is_empty());
    }

    #[test]
    fn fifo_deduplicates_within_the_window() {
        let sqs = service();
        let q = QueueRef::new("us-east-1", "000000000000", "dedup.fifo");
        let attrs = BTreeMap::from([("ContentBasedDeduplication".to_string(), "true".to_string())]);
        sqs.create_queue(&q, attrs, BTreeMap::new()).unwrap();
        let one = sqs
            .send_message(&q, fifo_message("same", "g", None))
            .unwrap();
        let two = sqs
            .send_message(&q, fifo_message("same", "g", None))
            .unwrap();
        assert_eq!(one.message_id, two.message_id);
        assert_eq!(one.sequence_number, two.sequence_number);
        let three = sqs
            .send_message(&q, fifo_message("other", "g", None))
            .unwrap();
        assert!(three.sequence_number > one.sequence_number);
        assert_eq!(receive_now(&sqs, &q, 10).len(), 2);
    }

    #[test]
    fn fifo_needs_a_group_and_a_dedup_id() {
        let sqs = service();
        let q = QueueRef::new("us-east-1", "000000000000", "strict.fifo");
        sqs.create_queue(&q, BTreeMap::new(), BTreeMap::new())
            .unwrap();
        let no_group = OutgoingMessage {
            body: "x".into(),
            ..Default::default()
        };
        assert_eq!(
            sqs.send_message(&q, no_group).unwrap_err().code,
            "MissingParameter"
        );
        let no_dedup = fifo_message("x", "g", None);
        assert_eq!(
            sqs.send_message(&q, no_dedup).unwrap_err().code,
            "InvalidParameterValue"
        );
    }

    #[test]
    fn messages_past_their_retention_period_are_gone() {
        let sqs = service();
        let q = QueueRef::new("us-east-1", "000000000000", "retained");
        sqs.create_queue(&q, BTreeMap::new(), BTreeMap::new())
            .unwrap();
        let body = |b: &str| OutgoingMessage {
            body: b.into(),
            ..Default::default()
        };
        sqs.send_message(&q, body("old")).unwrap();
        sqs.send_message(&q, body("new")).unwrap();
        // Age the first message past MessageRetentionPeriod.
        sqs.db
            .call_blocking(|conn| {
                conn.execute(
                    "UPDATE sqs_messages SET expires_at = 0 WHERE body = 'old'",
                    [],
                )
            })
            .unwrap();
        let bodies: Vec<String> = receive_now(&sqs, &q, 10)
            .into_iter()
            .map(|m| m.body)
            .collect();
        assert_eq!(bodies, ["new"]);
    }

    #[test]
    fn redrive_moves_a_message_past_max_receive_count() {
        let sqs = service();
        let dlq = QueueRef::new("us-east-1", "000000000000", "dead");
        let q = QueueRef::new("us-east-1", "000000000000", "work");
        sqs.create_queue(&dlq, BTreeMap::new(), BTreeMap::new())
            .unwrap();
        let policy = format!(
            r#"{{"deadLetterTargetArn":"{}","maxReceiveCount":1}}"#,
            dlq.arn()
        );
        let attrs = BTreeMap::from([
            ("RedrivePolicy".to_string(), policy),
            ("VisibilityTimeout".to_string(), "0".to_string()),
        ]);
        sqs.create_queue(&q, attrs, BTreeMap::new()).unwrap();
        let sent = sqs
            .send_message(
                &q,
                OutgoingMessage {
                    body: "poison".into(),
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(receive_now(&sqs, &q, 10).len(), 1);
        assert!(receive_now(&sqs, &q, 10).is_empty());
        let moved = receive_now(&sqs, &dlq, 10);
        assert_eq!(moved.len(), 1);
        assert_eq!(moved[0].message_id, sent.message_id);
    }

    #[test]
    fn receipt_handles_round_trip_and_garbage_is_invalid() {
        let handle = Handle {
            row: 42,
            token: "abc".into(),
        };
        let parsed = Handle::parse(&handle.encode()).unwrap();
        assert_eq!((parsed.row, parsed.token.as_str()), (42, "abc"));
        assert_eq!(
            Handle::parse("not a handle").err().map(|e| e.code),
            Some("ReceiptHandleIsInvalid".to_string())
        );
    }
}
