//! Publish and PublishBatch: the message is checked, and one delivery row
//! per subscription whose filter policy accepts it is written in the same
//! transaction.

use crate::subscriptions::of_topic;
use crate::topics::{load as load_topic, next_sequence, Topic};
use crate::{now_ms, Caller, SnsError, SnsResult, SnsService};
use base64::Engine;
use rusqlite::{params, OptionalExtension, Transaction};
use serde_json::{json, Map, Value};
use sha2::Digest;
use std::collections::BTreeMap;

/// A message may be at most 256 KiB, attributes included.
const MESSAGE_MAX_BYTES: usize = 262_144;
/// FIFO deduplication ids are remembered this long.
const DEDUP_WINDOW_MS: i64 = 5 * 60 * 1000;

/// One message attribute as sent: its data type and a string or binary value.
#[derive(Debug, Clone, Default)]
pub struct MessageAttribute {
    pub data_type: String,
    pub string_value: Option<String>,
    pub binary_value: Option<Vec<u8>>,
}

/// What Publish takes.
#[derive(Debug, Clone, Default)]
pub struct PublishInput {
    pub topic_arn: String,
    pub message: String,
    pub subject: Option<String>,
    pub message_structure: Option<String>,
    pub message_attributes: BTreeMap<String, MessageAttribute>,
    pub message_group_id: Option<String>,
    pub message_deduplication_id: Option<String>,
}

/// What Publish answers.
#[derive(Debug, Clone)]
pub struct Published {
    pub message_id: String,
    pub sequence_number: Option<String>,
}

/// One entry of PublishBatch.
#[derive(Debug, Clone, Default)]
pub struct BatchEntry {
    pub id: String,
    pub input: PublishInput,
}

/// PublishBatch's answer, entry by entry.
#[derive(Debug, Clone, Default)]
pub struct BatchResult {
    pub successful: Vec<(String, Published)>,
    /// (id, code, message, sender fault)
    pub failed: Vec<(String, String, String, bool)>,
}

fn check_attributes(
    attributes: &BTreeMap<String, MessageAttribute>,
) -> SnsResult<Map<String, Value>> {
    if attributes.len() > 10 {
        return Err(SnsError::invalid(
            "MessageAttributes: Number of message attributes [".to_string()
                + &attributes.len().to_string()
                + "] exceeds the allowed maximum [10].",
        ));
    }
    let mut out = Map::new();
    for (name, attribute) in attributes {
        let kind = attribute.data_type.as_str();
        let base = kind.split('.').next().unwrap_or_default();
        let value = match (base, &attribute.string_value, &attribute.binary_value) {
            ("Binary", _, Some(bytes)) => base64::engine::general_purpose::STANDARD.encode(bytes),
            ("String" | "Number", Some(s), _) => s.clone(),
            ("String" | "Number" | "Binary", _, _) => {
                return Err(SnsError::invalid_value(format!(
                    "The message attribute '{name}' must contain non-empty message attribute value for message attribute type '{kind}'."
                )))
            }
            _ => {
                return Err(SnsError::invalid_value(format!(
                    "The message attribute '{name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String."
                )))
            }
        };
        if kind == "String.Array"
            && !serde_json::from_str::<Value>(&value).is_ok_and(|v| v.is_array())
        {
            return Err(SnsError::invalid_value(format!(
                "The message attribute '{name}' with type 'String.Array' must use a JSON array as its value."
            )));
        }
        if base == "Number" && value.parse::<f64>().is_err() {
            return Err(SnsError::invalid_value(format!(
                "Could not cast message attribute '{name}' value to number."
            )));
        }
        out.insert(name.clone(), json!({ "Type": kind, "Value": value }));
    }
    Ok(out)
}

/// The message each protocol gets: with MessageStructure=json, its own
/// entry or `default`.
fn per_protocol(input: &PublishInput) -> SnsResult<Option<Map<String, Value>>> {
    match input.message_structure.as_deref() {
        None | Some("") => Ok(None),
        Some("json") => {
            let parsed: Value = serde_json::from_str(&input.message).map_err(|_| {
                SnsError::invalid("Message Structure - JSON message body failed to parse")
            })?;
            let map = parsed.as_object().cloned().ok_or_else(|| {
                SnsError::invalid("Message Structure - JSON message body failed to parse")
            })?;
            if !map.get("default").is_some_and(Value::is_string) {
                return Err(SnsError::invalid(
                    "Message Structure - No default entry in JSON message body",
                ));
            }
            Ok(Some(map))
        }
        Some(_) => Err(SnsError::invalid("MessageStructure")),
    }
}

/// A stand-in for AWS's RSA signature: base64, as long as a 2048-bit one.
pub(crate) fn signature(message_id: &str, message: &str) -> String {
    let mut bytes = Vec::with_capacity(256);
    let mut seed = sha2::Sha256::digest(format!("{message_id}\n{message}").as_bytes()).to_vec();
    while bytes.len() < 256 {
        bytes.extend_from_slice(&seed);
        seed = sha2::Sha256::digest(&seed).to_vec();
    }
    bytes.truncate(256);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

impl SnsService {
    pub fn publish(&self, caller: Caller<'_>, input: PublishInput) -> SnsResult<Published> {
        self.check_own(caller, &input.topic_arn)?;
        let published = self.with(|conn| {
            let tx = conn.transaction()?;
            let published = publish_in(&tx, caller, &input)?;
            tx.commit()?;
            Ok(published)
        })?;
        self.wake.notify_one();
        Ok(published)
    }

    /// Publishes `message` to a topic named by its ARN, as the topic's own
    /// account (for Lambda's destinations, which hold only the ARN).
    pub fn publish_to_arn(&self, topic_arn: &str, message: String) -> SnsResult<Published> {
        let (region, account, _) =
            crate::split_arn(topic_arn).ok_or_else(|| SnsError::invalid("TopicArn"))?;
        let caller = Caller { account, region };
        let input = PublishInput {
            topic_arn: topic_arn.to_string(),
            message,
            ..PublishInput::default()
        };
        self.publish(caller, input)
    }

    pub fn publish_batch(
        &self,
        caller: Caller<'_>,
        topic_arn: &str,
        entries: Vec<BatchEntry>,
    ) -> SnsResult<BatchResult> {
        self.check_own(caller, topic_arn)?;
        if entries.is_empty() {
            return Err(SnsError::batch_empty());
        }
        if entries.len() > 10 {
            return Err(SnsError::batch_too_many());
        }
        let mut ids: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
        ids.sort_unstable();
        if ids.windows(2).any(|w| w[0] == w[1]) {
            return Err(SnsError::batch_ids_not_distinct());
        }
        let total: usize = entries.iter().map(|e| e.input.message.len()).sum();
        if total > MESSAGE_MAX_BYTES {
            return Err(SnsError {
                code: "BatchRequestTooLong",
                message: "The length of all the messages put together is more than the limit."
                    .into(),
                status: 400,
            });
        }
        let result = self.with(|conn| {
            let tx = conn.transaction()?;
            load_topic(&tx, topic_arn)?;
            let mut result = BatchResult::default();
            for entry in &entries {
                let mut input = entry.input.clone();
                input.topic_arn = topic_arn.to_string();
                match publish_in(&tx, caller, &input) {
                    Ok(published) => result.successful.push((entry.id.clone(), published)),
                    Err(e) if e.status < 500 => {
                        result
                            .failed
                            .push((entry.id.clone(), e.code.to_string(), e.message, true))
                    }
                    Err(e) => return Err(e),
                }
            }
            tx.commit()?;
            Ok(result)
        })?;
        self.wake.notify_one();
        Ok(result)
    }
}

fn publish_in(
    tx: &Transaction<'_>,
    caller: Caller<'_>,
    input: &PublishInput,
) -> SnsResult<Published> {
    if input.message.is_empty() {
        return Err(SnsError::invalid("Empty message"));
    }
    if let Some(subject) = &input.subject {
        if subject.is_empty()
            || subject.len() > 100
            || subject.starts_with(' ')
            || !subject
                .chars()
                .all(|c| c.is_ascii() && !c.is_ascii_control())
        {
            return Err(SnsError::invalid("Subject"));
        }
    }
    let attributes = check_attributes(&input.message_attributes)?;
    let size = input.message.len()
        + input
            .message_attributes
            .iter()
            .map(|(k, a)| {
                k.len()
                    + a.data_type.len()
                    + a.string_value.as_ref().map_or(0, String::len)
                    + a.binary_value.as_ref().map_or(0, Vec::len)
            })
            .sum::<usize>();
    if size > MESSAGE_MAX_BYTES {
        return Err(SnsError::invalid("Message too long"));
    }
    let structured = per_protocol(input)?;
    let topic = load_topic(tx, &input.topic_arn)?;
    let (message_id, sequence) = if topic.is_fifo() {
        match fifo_ids(tx, &topic, input)? {
            Fifo::Duplicate(published) => return Ok(published),
            Fifo::New { dedup_id } => {
                let message_id = uuid::Uuid::new_v4().to_string();
                let sequence = next_sequence(tx, &topic.arn)?;
                tx.execute(
                    "INSERT OR REPLACE INTO sns_dedup (topic_arn, dedup_id, message_id, sequence, seen_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![topic.arn, dedup_id, message_id, sequence, now_ms()],
                )?;
                (message_id, Some(sequence))
            }
        }
    } else {
        if input.message_deduplication_id.is_some() {
            return Err(SnsError::invalid(
                "MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type",
            ));
        }
        (uuid::Uuid::new_v4().to_string(), None)
    };
    let timestamp = chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string();
    let now = now_ms();
    for sub in of_topic(tx, &topic.arn)? {
        if sub.token.is_some() {
            // Not confirmed yet: nothing is delivered.
            continue;
        }
        let protocol = sub.summary.protocol.as_str();
        let message = match &structured {
            Some(map) => map
                .get(protocol)
                .or_else(|| map.get("default"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            None => input.message.clone(),
        };
        if !sub.accepts(&attributes, &message) {
            continue;
        }
        let mut notification = json!({
            "Type": "Notification",
            "MessageId": message_id,
            "TopicArn": topic.arn,
            "Subject": input.subject,
            "Message": message,
            "Timestamp": timestamp,
            "SignatureVersion": topic.attributes.get("SignatureVersion").map_or("1", String::as_str),
            "Signature": signature(&message_id, &message),
            "SigningCertURL": format!(
                "https://sns.{}.amazonaws.com/SimpleNotificationService-{}.pem",
                caller.region,
                "9c6465fa7f48f5cacd23014631ec1136"
            ),
            "UnsubscribeURL": format!(
                "https://sns.{}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={}",
                caller.region, sub.summary.subscription_arn
            ),
            "MessageAttributes": attributes,
        });
        if let Some(sequence) = &sequence {
            notification["SequenceNumber"] = json!(sequence);
            notification["MessageGroupId"] = json!(input.message_group_id);
            notification["MessageDeduplicationId"] = json!(input
                .message_deduplication_id
                .clone()
                .unwrap_or_else(|| content_dedup_id(&input.message)));
        }
        tx.execute(
            "INSERT INTO sns_deliveries (subscription_arn, protocol, endpoint, raw, notification, created_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                sub.summary.subscription_arn,
                protocol,
                sub.summary.endpoint,
                sub.raw(),
                notification.to_string(),
                now
            ],
        )?;
    }
    Ok(Published {
        message_id,
        sequence_number: sequence,
    })
}

enum Fifo {
    Duplicate(Published),
    New { dedup_id: String },
}

fn content_dedup_id(message: &str) -> String {
    sha2::Sha256::digest(message.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn fifo_ids(tx: &Transaction<'_>, topic: &Topic, input: &PublishInput) -> SnsResult<Fifo> {
    if input
        .message_group_id
        .as_deref()
        .unwrap_or_default()
        .is_empty()
    {
        return Err(SnsError::invalid(
            "The MessageGroupId parameter is required for FIFO topics",
        ));
    }
    let dedup_id = match &input.message_deduplication_id {
        Some(id) => id.clone(),
        None if topic.content_dedup() => content_dedup_id(&input.message),
        None => {
            return Err(SnsError::invalid(
                "The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
            ))
        }
    };
    let seen: Option<(String, String)> = tx
        .query_row(
            "SELECT message_id, sequence FROM sns_dedup
             WHERE topic_arn = ?1 AND dedup_id = ?2 AND seen_ms > ?3",
            params![topic.arn, dedup_id, now_ms() - DEDUP_WINDOW_MS],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(match seen {
        Some((message_id, sequence)) => Fifo::Duplicate(Published {
            message_id,
            sequence_number: Some(sequence),
        }),
        None => Fifo::New { dedup_id },
    })
}
