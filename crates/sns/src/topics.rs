//! Topics: CreateTopic, DeleteTopic, ListTopics, Get/SetTopicAttributes and
//! the tags of topics.

use crate::{now_ms, page_of, split_arn, Caller, Page, SnsError, SnsResult, SnsService};
use rusqlite::{params, OptionalExtension, Transaction};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The attributes CreateTopic and SetTopicAttributes take.
const SETTABLE: &[&str] = &[
    "DisplayName",
    "Policy",
    "DeliveryPolicy",
    "KmsMasterKeyId",
    "SignatureVersion",
    "TracingConfig",
    "ContentBasedDeduplication",
    "ArchivePolicy",
    "FifoThroughputScope",
    "DataProtectionPolicy",
];

const FIFO_NAME: &str = "Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.";

/// A topic's stored row.
pub(crate) struct Topic {
    pub arn: String,
    pub account: String,
    pub attributes: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
}

impl Topic {
    pub fn is_fifo(&self) -> bool {
        self.attributes.get("FifoTopic").map(String::as_str) == Some("true")
    }

    pub fn content_dedup(&self) -> bool {
        self.attributes
            .get("ContentBasedDeduplication")
            .map(String::as_str)
            == Some("true")
    }
}

pub(crate) fn load(tx: &rusqlite::Connection, arn: &str) -> SnsResult<Topic> {
    let row = tx
        .query_row(
            "SELECT account, attributes, tags FROM sns_topics WHERE arn = ?1",
            params![arn],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            },
        )
        .optional()?;
    let (account, attributes, tags) = row.ok_or_else(SnsError::topic_not_found)?;
    Ok(Topic {
        arn: arn.to_string(),
        account,
        attributes: serde_json::from_str(&attributes).unwrap_or_default(),
        tags: serde_json::from_str(&tags).unwrap_or_default(),
    })
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 256
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn check_bool(name: &str, value: &str) -> SnsResult<()> {
    if value != "true" && value != "false" {
        return Err(SnsError::invalid(format!(
            "Attributes Reason: {name}: Invalid value [{value}] for {name}. Must be true or false."
        )));
    }
    Ok(())
}

fn check_attribute(fifo: bool, name: &str, value: &str) -> SnsResult<()> {
    if !SETTABLE.contains(&name) && name != "FifoTopic" {
        return Err(SnsError::invalid(format!(
            "Attributes Reason: Unknown attribute {name}"
        )));
    }
    match name {
        "ContentBasedDeduplication" => {
            check_bool(name, value)?;
            if !fifo && value == "true" {
                return Err(SnsError::invalid(
                    "Attributes Reason: Content based deduplication can only be set for FIFO topics",
                ));
            }
        }
        "Policy" | "DeliveryPolicy" | "DataProtectionPolicy" | "ArchivePolicy"
            if serde_json::from_str::<Value>(value).is_err() =>
        {
            return Err(SnsError::invalid(format!(
                "Attributes Reason: {name}: failed to parse JSON"
            )));
        }
        "SignatureVersion" if value != "1" && value != "2" => {
            return Err(SnsError::invalid(
                "Attributes Reason: SignatureVersion: Invalid value [".to_string()
                    + value
                    + "]. Valid values are 1 and 2.",
            ));
        }
        _ => {}
    }
    Ok(())
}

fn default_policy(arn: &str, account: &str) -> String {
    json!({
        "Version": "2008-10-17",
        "Id": "__default_policy_ID",
        "Statement": [{
            "Sid": "__default_statement_ID",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": [
                "SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission",
                "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe",
                "SNS:ListSubscriptionsByTopic", "SNS:Publish",
            ],
            "Resource": arn,
            "Condition": {"StringEquals": {"AWS:SourceOwner": account}},
        }],
    })
    .to_string()
}

const EFFECTIVE_DELIVERY_POLICY: &str = r#"{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},"disableSubscriptionOverrides":false,"defaultRequestPolicy":{"headerContentType":"text/plain; charset=UTF-8"}}}"#;

pub(crate) fn check_tags(tags: &BTreeMap<String, String>) -> SnsResult<()> {
    if tags.len() > 50 {
        return Err(SnsError {
            code: "TagLimitExceeded",
            message: "Could not complete request: tag quota of per resource exceeded".into(),
            status: 400,
        });
    }
    for (key, value) in tags {
        if key.is_empty() || key.chars().count() > 128 || value.chars().count() > 256 {
            return Err(SnsError::invalid("Tags"));
        }
        if key.starts_with("aws:") {
            return Err(SnsError::invalid("Tags Reason: Keys can't start with aws:"));
        }
    }
    Ok(())
}

impl SnsService {
    /// CreateTopic: idempotent for the same name and attributes.
    pub fn create_topic(
        &self,
        caller: Caller<'_>,
        name: &str,
        attributes: BTreeMap<String, String>,
        tags: BTreeMap<String, String>,
    ) -> SnsResult<String> {
        let fifo = match attributes.get("FifoTopic").map(String::as_str) {
            Some(v) => {
                check_bool("FifoTopic", v)?;
                v == "true"
            }
            None => false,
        };
        let base = if fifo {
            name.strip_suffix(".fifo")
                .ok_or_else(|| SnsError::invalid(FIFO_NAME))?
        } else {
            name
        };
        if !valid_name(base) {
            return Err(SnsError::invalid(if fifo {
                FIFO_NAME
            } else {
                "Topic Name"
            }));
        }
        for (key, value) in &attributes {
            check_attribute(fifo, key, value)?;
        }
        check_tags(&tags)?;
        let mut stored = attributes.clone();
        stored.retain(|k, v| !(k == "FifoTopic" && v == "false"));
        let arn = format!("arn:aws:sns:{}:{}:{name}", caller.region, caller.account);
        self.with(|conn| {
            let tx = conn.transaction()?;
            if let Ok(existing) = load(&tx, &arn) {
                let same = attributes.iter().all(|(k, v)| {
                    existing.attributes.get(k) == Some(v) || (k == "FifoTopic" && v == "false")
                });
                if !same {
                    return Err(SnsError::invalid(
                        "Attributes Reason: Topic already exists with different attributes",
                    ));
                }
                if !tags.is_empty() && tags != existing.tags {
                    return Err(SnsError::invalid(
                        "Tags Reason: Topic already exists with different tags",
                    ));
                }
                return Ok(arn.clone());
            }
            tx.execute(
                "INSERT INTO sns_topics (arn, account, region, name, attributes, tags, created_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    arn,
                    caller.account,
                    caller.region,
                    name,
                    serde_json::to_string(&stored).unwrap_or_default(),
                    serde_json::to_string(&tags).unwrap_or_default(),
                    now_ms()
                ],
            )?;
            tx.commit()?;
            Ok(arn.clone())
        })
    }

    /// DeleteTopic: its subscriptions go with it; deleting a topic that
    /// does not exist succeeds, as on AWS.
    pub fn delete_topic(&self, caller: Caller<'_>, arn: &str) -> SnsResult<()> {
        self.check_own(caller, arn)?;
        self.with(|conn| {
            let tx = conn.transaction()?;
            tx.execute("DELETE FROM sns_topics WHERE arn = ?1", params![arn])?;
            tx.execute(
                "DELETE FROM sns_subscriptions WHERE topic_arn = ?1",
                params![arn],
            )?;
            tx.execute("DELETE FROM sns_dedup WHERE topic_arn = ?1", params![arn])?;
            tx.commit()?;
            Ok(())
        })
    }

    pub fn list_topics(&self, caller: Caller<'_>, token: Option<&str>) -> SnsResult<Page<String>> {
        let arns = self.with(|conn| {
            let mut stmt = conn.prepare(
                "SELECT arn FROM sns_topics WHERE account = ?1 AND region = ?2 ORDER BY name",
            )?;
            let rows = stmt.query_map(params![caller.account, caller.region], |r| r.get(0))?;
            Ok(rows.collect::<Result<Vec<String>, _>>()?)
        })?;
        page_of(arns, token)
    }

    pub fn get_topic_attributes(
        &self,
        caller: Caller<'_>,
        arn: &str,
    ) -> SnsResult<BTreeMap<String, String>> {
        self.check_own(caller, arn)?;
        self.with(|conn| {
            let topic = load(conn, arn)?;
            let count = |sql: &str| -> SnsResult<i64> {
                Ok(conn.query_row(sql, params![arn], |r| r.get(0))?)
            };
            let confirmed = count("SELECT COUNT(*) FROM sns_subscriptions WHERE topic_arn = ?1")?;
            let mut out = BTreeMap::new();
            out.insert("TopicArn".into(), arn.to_string());
            out.insert("Owner".into(), topic.account.clone());
            out.insert("Policy".into(), default_policy(arn, &topic.account));
            out.insert("DisplayName".into(), String::new());
            out.insert("SubscriptionsConfirmed".into(), confirmed.to_string());
            out.insert("SubscriptionsPending".into(), "0".into());
            out.insert("SubscriptionsDeleted".into(), "0".into());
            out.insert(
                "EffectiveDeliveryPolicy".into(),
                EFFECTIVE_DELIVERY_POLICY.into(),
            );
            if topic.is_fifo() {
                out.insert("FifoTopic".into(), "true".into());
                out.insert("ContentBasedDeduplication".into(), "false".into());
            }
            out.extend(topic.attributes.clone());
            Ok(out)
        })
    }

    pub fn set_topic_attributes(
        &self,
        caller: Caller<'_>,
        arn: &str,
        name: &str,
        value: &str,
    ) -> SnsResult<()> {
        self.check_own(caller, arn)?;
        if !SETTABLE.contains(&name) {
            return Err(SnsError::invalid("AttributeName"));
        }
        self.with(|conn| {
            let tx = conn.transaction()?;
            let mut topic = load(&tx, arn)?;
            check_attribute(topic.is_fifo(), name, value)?;
            topic.attributes.insert(name.to_string(), value.to_string());
            tx.execute(
                "UPDATE sns_topics SET attributes = ?2 WHERE arn = ?1",
                params![
                    arn,
                    serde_json::to_string(&topic.attributes).unwrap_or_default()
                ],
            )?;
            tx.commit()?;
            Ok(())
        })
    }

    pub fn tag_resource(
        &self,
        caller: Caller<'_>,
        arn: &str,
        tags: BTreeMap<String, String>,
    ) -> SnsResult<()> {
        self.change_tags(caller, arn, |current| {
            current.extend(tags);
            check_tags(current)
        })
    }

    pub fn untag_resource(&self, caller: Caller<'_>, arn: &str, keys: &[String]) -> SnsResult<()> {
        self.change_tags(caller, arn, |current| {
            current.retain(|k, _| !keys.contains(k));
            Ok(())
        })
    }

    pub fn list_tags(&self, caller: Caller<'_>, arn: &str) -> SnsResult<BTreeMap<String, String>> {
        self.check_own(caller, arn)?;
        self.with(|conn| match load(conn, arn) {
            Ok(topic) => Ok(topic.tags),
            Err(e) if e.code == "NotFound" => Err(SnsError::resource_not_found()),
            Err(e) => Err(e),
        })
    }

    fn change_tags(
        &self,
        caller: Caller<'_>,
        arn: &str,
        change: impl FnOnce(&mut BTreeMap<String, String>) -> SnsResult<()>,
    ) -> SnsResult<()> {
        self.check_own(caller, arn)?;
        self.with(|conn| {
            let tx = conn.transaction()?;
            let mut topic = match load(&tx, arn) {
                Ok(topic) => topic,
                Err(e) if e.code == "NotFound" => return Err(SnsError::resource_not_found()),
                Err(e) => return Err(e),
            };
            change(&mut topic.tags)?;
            tx.execute(
                "UPDATE sns_topics SET tags = ?2 WHERE arn = ?1",
                params![arn, serde_json::to_string(&topic.tags).unwrap_or_default()],
            )?;
            tx.commit()?;
            Ok(())
        })
    }

    /// A topic ARN of the caller's account and region, well formed.
    pub(crate) fn check_own(&self, caller: Caller<'_>, arn: &str) -> SnsResult<()> {
        let Some((region, _account, name)) = split_arn(arn) else {
            return Err(SnsError::invalid("TopicArn"));
        };
        if name.is_empty() || name.contains(':') {
            return Err(SnsError::invalid("TopicArn"));
        }
        if region != caller.region {
            return Err(SnsError::invalid("TopicArn"));
        }
        Ok(())
    }
}

/// The topic's FIFO sequence counter, advanced by one.
pub(crate) fn next_sequence(tx: &Transaction<'_>, arn: &str) -> SnsResult<String> {
    let n: i64 = tx.query_row(
        "UPDATE sns_topics SET next_sequence = next_sequence + 1 WHERE arn = ?1
         RETURNING next_sequence - 1",
        params![arn],
        |r| r.get(0),
    )?;
    Ok(format!("{n:020}"))
}
