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
            return self
                .field("Message")
                .as_str()
                .unwrap_or_default()
                .to_string();
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
        let Some(map) = self
            .notification
            .get("MessageAttributes")
            .and_then(Value::as_object)
        else {
            return Vec::new();
        };
        map.iter()
            .map(|(name, v)| {
                let text = |f: &str| {
                    v.get(f)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string()
                };
                let data_type = text("Type");
                let value = text("Value");
                let binary = data_type.starts_with("Binary");
                RawAttribute {
                    name: name.clone(),
                    binary_value: binary
                        .then(|| {
                            base64::engine::general_purpose::STANDARD
                                .decode(&value)
                                .ok()
                        })
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
    /// Up to `limit` delivery rows, oldest first.
    pub fn pending_deliveries(&self, limit: usize) -> SnsResult<Vec<Delivery>> {
        self.with(|conn| {
            let mut stmt = conn.prepare(
                "SELECT id, subscription_arn, protocol, endpoint, raw, notification
                 FROM sns_deliveries ORDER BY id LIMIT ?1",
            )?;
            let rows = stmt.query_map(params![limit as i64], |r| {
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
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
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

#[cfg(test)]
mod tests {
    use crate::{test_service, Caller, PublishInput};
    use std::collections::BTreeMap;

    #[test]
    fn a_publish_writes_one_row_per_accepting_subscription() {
        let sns = test_service();
        let caller = Caller {
            account: "000000000000",
            region: "us-east-1",
        };
        let topic = sns
            .create_topic(caller, "t", BTreeMap::new(), BTreeMap::new())
            .expect("topic");
        let queue = "arn:aws:sqs:us-east-1:000000000000:q";
        let all = sns
            .subscribe(caller, &topic, "sqs", Some(queue), BTreeMap::new())
            .expect("subscription");
        let mut filtered = BTreeMap::new();
        filtered.insert("FilterPolicy".to_string(), r#"{"k":["v"]}"#.to_string());
        let function = "arn:aws:lambda:us-east-1:000000000000:function:f";
        sns.subscribe(caller, &topic, "lambda", Some(function), filtered)
            .expect("filtered subscription");
        let input = PublishInput {
            topic_arn: topic.clone(),
            message: "hello".into(),
            ..PublishInput::default()
        };
        sns.publish(caller, input).expect("publish");
        let rows = sns.pending_deliveries(10).expect("rows");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].subscription_arn, all);
        assert_eq!(rows[0].notification["Message"], "hello");
        sns.delivered(rows[0].id).expect("delivered");
        assert!(sns.pending_deliveries(10).expect("rows").is_empty());
    }
}
