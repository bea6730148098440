//! The outbox: delivery rows handed to the room that delivers them, and
//! the documents each protocol receives.

use crate::{SnsResult, SnsService};
use base64::Engine;
use rusqlite::params;
use serde_json::{json, Map, Value};

/// A message attribute passed on with raw delivery.
#[derive(Debug, Clone)]
pub struct RawAttribute {
    pub name: String,
    pub data_type: String,
    pub string_value: Option<String>,
    pub binary_value: Option<Vec<u8>>,
}

/// One message on its way to one subscription.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: i64,
    pub subscription_arn: String,
    pub protocol: String,
    pub endpoint: String,
    pub raw: bool,
    /// The SNS JSON envelope (`Type`, `MessageId`, `TopicArn`, …).
    pub notification: Value,
}

impl Delivery {
    fn field(&self, name: &str) -> Value {
        self.notification.get(name).cloned().unwrap_or(Value::Null)
    }

    /// The event a `lambda` subscriber is invoked with (one record).
    pub fn lambda_event(&self) -> Value {
        json!({
            "Records": [{
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": self.subscription_arn,
                "Sns": {
                    "Type": self.field("Type"),
                    "MessageId": self.field("MessageId"),
                    "TopicArn": self.field("TopicArn"),
                    "Subject": self.field("Subject"),
                    "Message": self.field("Message"),
                    "Timestamp": self.field("Timestamp"),
                    "SignatureVersion": self.field("SignatureVersion"),
                    "Signature": self.field("Signature"),
                    "SigningCertUrl": self.field("SigningCertURL"),
                    "UnsubscribeUrl": self.field("UnsubscribeURL"),
                    "MessageAttributes": self.field("MessageAttributes"),
                },
            }]
        })
    }

    /// The body an `sqs` subscriber's queue receives: the raw message, or
    /// the envelope (without an absent Subject or empty attributes).
    pub fn sqs_body(&self) -> String {
        if self.raw {
            return self.field("Message").as_str().unwrap_or_default().to_string();
        }
        let mut envelope = self.notification.as_object().cloned().unwrap_or_default();
        if envelope.get("Subject").is_some_and(Value::is_null) {
            envelope.remove("Subject");
        }
        if envelope
            .get("MessageAttributes")
            .is_some_and(|a| a.as_object().is_none_or(Map::is_empty))
        {
            envelope.remove("MessageAttributes");
        }
        for name in ["MessageGroupId", "MessageDeduplicationId"] {
            envelope.remove(name);
        }
        serde_json::to_string_pretty(&Value::Object(envelope)).unwrap_or_default()
    }

    /// With raw delivery, the message attributes as (name, data type,
    /// string value, binary value).
    pub fn raw_attributes(&self) -> Vec<RawAttribute> {
        if !self.raw {
            return Vec::new();
        }
        let Some(map) = self.notification.get("MessageAttributes").and_then(Value::as_object) else {
            return Vec::new();
        };
        map.iter()
            .map(|(name, v)| {
                let text = |f: &str| v.get(f).and_then(Value::as_str).unwrap_or_default().to_string();
                let data_type = text("Type");
                let value = text("Value");
                let binary = data_type.starts_with("Binary");
                RawAttribute {
                    name: name.clone(),
                    binary_value: binary
                        .then(|| base64::engine::general_purpose::STANDARD.decode(&value).ok())
                        .flatten(),
                    string_value: (!binary).then_some(value),
                    data_type,
                }
            })
            .collect()
    }

    /// A FIFO message's group and deduplication ids.
    pub fn fifo_ids(&self) -> Option<(String, String)> {
        let group = self.notification.get("MessageGroupId")?.as_str()?;
        let dedup = self.notification.get("MessageDeduplicationId")?.as_str()?;
        Some((group.to_string(), dedup.to_string()))
    }
}

impl SnsService {
    /// Up to `limit` delivery rows, oldest first, skipping those in `busy`.
    pub fn pending_deliveries(&self, limit: usize, busy: &[i64]) -> SnsResult<Vec<Delivery>> {
        self.with(|conn| {
            let mut stmt = conn.prepare(
                "SELECT id, subscription_arn, protocol, endpoint, raw, notification
                 FROM sns_deliveries ORDER BY id LIMIT ?1",
            )?;
            let rows = stmt.query_map(params![(limit + busy.len()) as i64], |r| {
                let notification: String = r.get(5)?;
                Ok(Delivery {
                    id: r.get(0)?,
                    subscription_arn: r.get(1)?,
                    protocol: r.get(2)?,
                    endpoint: r.get(3)?,
                    raw: r.get(4)?,
                    notification: serde_json::from_str(&notification).unwrap_or(Value::Null),
                })
            })?;
            let mut out = Vec::new();
            for row in rows {
                let row = row?;
                if !busy.contains(&row.id) && out.len() < limit {
                    out.push(row);
                }
            }
            Ok(out)
        })
    }

    /// The target accepted the delivery: its row goes.
    pub fn delivered(&self, id: i64) -> SnsResult<()> {
        self.with(|conn| {
            conn.execute("DELETE FROM sns_deliveries WHERE id = ?1", params![id])?;
            Ok(())
        })
    }
}
