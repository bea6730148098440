//! Subscriptions: Subscribe, Unsubscribe, the listings and
//! Get/SetSubscriptionAttributes. laminar delivers to the `lambda`, `sqs`
//! and `http` / `https` protocols; the first two are confirmed at once, as
//! on AWS for the subscriber's own account, the others wait for
//! ConfirmSubscription (`confirm.rs`).

use crate::topics::load as load_topic;
use crate::{filter, now_ms, page_of, split_arn, Caller, Page, SnsError, SnsResult, SnsService};
use rusqlite::{params, OptionalExtension};
use serde_json::Value;
use std::collections::BTreeMap;

const PROTOCOLS: &[&str] = &[
    "http",
    "https",
    "email",
    "email-json",
    "sms",
    "sqs",
    "application",
    "lambda",
    "firehose",
];

const SETTABLE: &[&str] = &[
    "DeliveryPolicy",
    "FilterPolicy",
    "FilterPolicyScope",
    "RawMessageDelivery",
    "RedrivePolicy",
    "SubscriptionRoleArn",
    "ReplayPolicy",
];

/// One subscription as the listings show it.
#[derive(Debug, Clone)]
pub struct SubscriptionSummary {
    pub subscription_arn: String,
    pub owner: String,
    pub protocol: String,
    pub endpoint: String,
    pub topic_arn: String,
}

/// A subscription's stored row.
pub(crate) struct Subscription {
    pub summary: SubscriptionSummary,
    pub attributes: BTreeMap<String, String>,
    /// The confirmation token of a subscription still pending.
    pub token: Option<String>,
}

impl Subscription {
    pub fn raw(&self) -> bool {
        self.attributes
            .get("RawMessageDelivery")
            .map(String::as_str)
            == Some("true")
    }

    /// Whether a message passes this subscription's filter policy.
    pub fn accepts(&self, attributes: &serde_json::Map<String, Value>, body: &str) -> bool {
        let Some(policy) = self
            .attributes
            .get("FilterPolicy")
            .and_then(|p| serde_json::from_str::<Value>(p).ok())
        else {
            return true;
        };
        match self.attributes.get("FilterPolicyScope").map(String::as_str) {
            Some("MessageBody") => filter::matches_body(&policy, body),
            _ => filter::matches_attributes(&policy, attributes),
        }
    }
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Subscription> {
    let attributes: String = r.get(5)?;
    Ok(Subscription {
        summary: SubscriptionSummary {
            subscription_arn: r.get(0)?,
            topic_arn: r.get(1)?,
            owner: r.get(2)?,
            protocol: r.get(3)?,
            endpoint: r.get(4)?,
        },
        attributes: serde_json::from_str(&attributes).unwrap_or_default(),
        token: r.get(6)?,
    })
}

const COLUMNS: &str = "arn, topic_arn, owner, protocol, endpoint, attributes, token";

pub(crate) fn of_topic(conn: &rusqlite::Connection, topic: &str) -> SnsResult<Vec<Subscription>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM sns_subscriptions WHERE topic_arn = ?1 ORDER BY created_ms, arn"
    ))?;
    let rows = stmt.query_map(params![topic], row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

fn load(conn: &rusqlite::Connection, arn: &str) -> SnsResult<Subscription> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM sns_subscriptions WHERE arn = ?1"),
        params![arn],
        row,
    )
    .optional()?
    .ok_or_else(SnsError::subscription_not_found)
}

/// A subscription as the listings show it: a pending one's ARN is
/// `PendingConfirmation`.
fn listed(s: Subscription) -> SubscriptionSummary {
    let mut summary = s.summary;
    if s.token.is_some() {
        summary.subscription_arn = "PendingConfirmation".into();
    }
    summary
}

fn check_attribute(protocol: &str, name: &str, value: &str) -> SnsResult<()> {
    if !SETTABLE.contains(&name) {
        return Err(SnsError::invalid("AttributeName"));
    }
    match name {
        "RawMessageDelivery" => {
            if value != "true" && value != "false" {
                return Err(SnsError::invalid(
                    "RawMessageDelivery: Invalid value [".to_string()
                        + value
                        + "]. Must be true or false.",
                ));
            }
            if !matches!(protocol, "sqs" | "http" | "https" | "firehose") {
                return Err(SnsError::invalid(format!(
                    "Delivery protocol [{protocol}] does not support raw message delivery."
                )));
            }
        }
        "FilterPolicy" => {
            let policy: Value = serde_json::from_str(value)
                .map_err(|_| SnsError::invalid("FilterPolicy: failed to parse JSON."))?;
            filter::validate(&policy)
                .map_err(|e| SnsError::invalid(format!("FilterPolicy: {e}")))?;
        }
        "FilterPolicyScope" if value != "MessageAttributes" && value != "MessageBody" => {
            return Err(SnsError::invalid(
                "FilterPolicyScope: Invalid filter policy scope, please specify either MessageAttributes or MessageBody",
            ));
        }
        "RedrivePolicy" => {
            let policy: Value = serde_json::from_str(value)
                .map_err(|_| SnsError::invalid("RedrivePolicy: failed to parse JSON."))?;
            let target = policy.get("deadLetterTargetArn").and_then(Value::as_str);
            if !target.is_some_and(|t| t.starts_with("arn:aws:sqs:")) {
                return Err(SnsError::invalid(
                    "RedrivePolicy: deadLetterTargetArn is missing or invalid",
                ));
            }
        }
        "DeliveryPolicy" | "ReplayPolicy" if serde_json::from_str::<Value>(value).is_err() => {
            return Err(SnsError::invalid(format!("{name}: failed to parse JSON.")));
        }
        _ => {}
    }
    Ok(())
}

fn check_endpoint(protocol: &str, endpoint: &str) -> SnsResult<()> {
    let parts: Vec<&str> = endpoint.split(':').collect();
    match protocol {
        "sqs" if parts.len() != 6 || parts[0] != "arn" || parts[2] != "sqs" => {
            Err(SnsError::invalid("SQS endpoint ARN"))
        }
        "lambda"
            if !(parts.len() == 7 || parts.len() == 8)
                || parts[0] != "arn"
                || parts[2] != "lambda"
                || parts[5] != "function" =>
        {
            Err(SnsError::invalid("Lambda endpoint ARN"))
        }
        "http" if !endpoint.starts_with("http://") => Err(SnsError::invalid(
            "Endpoint must match the specified protocol",
        )),
        "https" if !endpoint.starts_with("https://") => Err(SnsError::invalid(
            "Endpoint must match the specified protocol",
        )),
        "sqs" | "lambda" | "http" | "https" => Ok(()),
        other if PROTOCOLS.contains(&other) => Err(SnsError::invalid(format!(
            "laminar delivers to the lambda, sqs, http and https protocols only, not {other}"
        ))),
        other => Err(SnsError::invalid(format!(
            "Amazon SNS does not support this protocol string: {other}"
        ))),
    }
}

impl SnsService {
    /// The `deadLetterTargetArn` of the subscription's `RedrivePolicy`, if
    /// it has one (and still exists).
    pub fn dead_letter_queue(&self, subscription_arn: &str) -> SnsResult<Option<String>> {
        self.with(|conn| {
            let Ok(subscription) = load(conn, subscription_arn) else {
                return Ok(None);
            };
            Ok(subscription
                .attributes
                .get("RedrivePolicy")
                .and_then(|p| serde_json::from_str::<Value>(p).ok())
                .and_then(|p| Some(p.get("deadLetterTargetArn")?.as_str()?.to_string())))
        })
    }

    /// Subscribe: the same topic, protocol and endpoint answer the
    /// existing subscription.
    pub fn subscribe(
        &self,
        caller: Caller<'_>,
        topic_arn: &str,
        protocol: &str,
        endpoint: Option<&str>,
        attributes: BTreeMap<String, String>,
    ) -> SnsResult<String> {
        self.check_own(caller, topic_arn)?;
        let endpoint = endpoint.unwrap_or_default();
        check_endpoint(protocol, endpoint)?;
        for (name, value) in &attributes {
            check_attribute(protocol, name, value)?;
        }
        self.with(|conn| {
            let tx = conn.transaction()?;
            let topic = load_topic(&tx, topic_arn)?;
            if protocol == "sqs" && endpoint.ends_with(".fifo") && !topic.is_fifo() {
                return Err(SnsError::invalid(
                    "Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics",
                ));
            }
            if let Some(existing) = of_topic(&tx, topic_arn)?.into_iter().find(|s| {
                s.summary.protocol == protocol && s.summary.endpoint == endpoint
            }) {
                if attributes.iter().any(|(k, v)| existing.attributes.get(k) != Some(v)) {
                    return Err(SnsError::invalid(
                        "Attributes Reason: Subscription already exists with different attributes",
                    ));
                }
                return Ok(existing.summary.subscription_arn);
            }
            let arn = format!("{topic_arn}:{}", uuid::Uuid::new_v4());
            let token = matches!(protocol, "http" | "https").then(crate::confirm::new_token);
            tx.execute(
                "INSERT INTO sns_subscriptions (arn, topic_arn, owner, protocol, endpoint, attributes, created_ms, token)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    arn,
                    topic_arn,
                    caller.account,
                    protocol,
                    endpoint,
                    serde_json::to_string(&attributes).unwrap_or_default(),
                    now_ms(),
                    token
                ],
            )?;
            if let Some(token) = &token {
                crate::confirm::request_confirmation(&tx, caller, &arn, topic_arn, protocol, endpoint, token)?;
            }
            tx.commit()?;
            if token.is_some() {
                self.wake.notify_one();
            }
            Ok(arn)
        })
    }

    pub fn unsubscribe(&self, caller: Caller<'_>, arn: &str) -> SnsResult<()> {
        let (region, _, rest) =
            split_arn(arn).ok_or_else(|| SnsError::invalid("SubscriptionArn"))?;
        if region != caller.region || !rest.contains(':') {
            return Err(SnsError::invalid("SubscriptionArn"));
        }
        self.with(|conn| {
            conn.execute("DELETE FROM sns_subscriptions WHERE arn = ?1", params![arn])?;
            Ok(())
        })
    }

    pub fn list_subscriptions(
        &self,
        caller: Caller<'_>,
        token: Option<&str>,
    ) -> SnsResult<Page<SubscriptionSummary>> {
        let prefix = format!("arn:aws:sns:{}:{}:", caller.region, caller.account);
        let all = self.with(|conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {COLUMNS} FROM sns_subscriptions WHERE substr(topic_arn, 1, ?2) = ?1
                 ORDER BY created_ms, arn"
            ))?;
            let rows = stmt.query_map(params![prefix, prefix.len() as i64], row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })?;
        page_of(all.into_iter().map(listed).collect(), token)
    }

    pub fn list_subscriptions_by_topic(
        &self,
        caller: Caller<'_>,
        topic_arn: &str,
        token: Option<&str>,
    ) -> SnsResult<Page<SubscriptionSummary>> {
        self.check_own(caller, topic_arn)?;
        let all = self.with(|conn| {
            load_topic(conn, topic_arn)?;
            of_topic(conn, topic_arn)
        })?;
        page_of(all.into_iter().map(listed).collect(), token)
    }

    pub fn get_subscription_attributes(
        &self,
        _caller: Caller<'_>,
        arn: &str,
    ) -> SnsResult<BTreeMap<String, String>> {
        let sub = self.with(|conn| load(conn, arn))?;
        let mut out = BTreeMap::new();
        let s = &sub.summary;
        out.insert("SubscriptionArn".into(), s.subscription_arn.clone());
        out.insert("TopicArn".into(), s.topic_arn.clone());
        out.insert("Owner".into(), s.owner.clone());
        out.insert("Protocol".into(), s.protocol.clone());
        out.insert("Endpoint".into(), s.endpoint.clone());
        let pending = sub.token.is_some().to_string();
        out.insert("ConfirmationWasAuthenticated".into(), "true".into());
        out.insert("PendingConfirmation".into(), pending);
        out.insert("RawMessageDelivery".into(), "false".into());
        out.insert(
            "SubscriptionPrincipal".into(),
            format!("arn:aws:iam::{}:root", s.owner),
        );
        if sub.attributes.contains_key("FilterPolicy") {
            out.insert("FilterPolicyScope".into(), "MessageAttributes".into());
        }
        out.extend(sub.attributes.clone());
        Ok(out)
    }

    pub fn set_subscription_attributes(
        &self,
        _caller: Caller<'_>,
        arn: &str,
        name: &str,
        value: &str,
    ) -> SnsResult<()> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            let mut sub = load(&tx, arn)?;
            check_attribute(&sub.summary.protocol, name, value)?;
            // An empty FilterPolicy removes the policy, as on AWS.
            if name == "FilterPolicy" && value.trim() == "{}" {
                sub.attributes.remove("FilterPolicy");
            } else {
                sub.attributes.insert(name.to_string(), value.to_string());
            }
            tx.execute(
                "UPDATE sns_subscriptions SET attributes = ?2 WHERE arn = ?1",
                params![
                    arn,
                    serde_json::to_string(&sub.attributes).unwrap_or_default()
                ],
            )?;
            tx.commit()?;
            Ok(())
        })
    }
}
