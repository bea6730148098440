//! A bucket's notification configuration (PutBucketNotificationConfiguration
//! and GetBucketNotificationConfiguration): the Lambda, queue and topic
//! destinations, the events each wants and its key filter, checked as S3
//! checks them. Destinations are validated through [`DestinationCheck`],
//! which whoever owns the destinations wires in (`S3Service::set_destination_check`):
//! S3 knows nothing of the services it notifies.

pub use crate::outbox::TargetKind;
use crate::{now_ms, outbox, S3Error, S3Service};
use base64::Engine;
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

/// The events of the S3 model's `Event` enum. laminar raises the
/// `ObjectCreated` and `ObjectRemoved:Delete` ones; the others are accepted
/// and kept, as S3 keeps them, and never fire.
const EVENTS: &[&str] = &[
    "s3:ReducedRedundancyLostObject",
    "s3:ObjectCreated:*",
    "s3:ObjectCreated:Put",
    "s3:ObjectCreated:Post",
    "s3:ObjectCreated:Copy",
    "s3:ObjectCreated:CompleteMultipartUpload",
    "s3:ObjectRemoved:*",
    "s3:ObjectRemoved:Delete",
    "s3:ObjectRemoved:DeleteMarkerCreated",
    "s3:ObjectRestore:*",
    "s3:ObjectRestore:Post",
    "s3:ObjectRestore:Completed",
    "s3:Replication:*",
    "s3:Replication:OperationFailedReplication",
    "s3:Replication:OperationNotTracked",
    "s3:Replication:OperationMissedThreshold",
    "s3:Replication:OperationReplicatedAfterThreshold",
    "s3:ObjectRestore:Delete",
    "s3:LifecycleTransition",
    "s3:IntelligentTiering",
    "s3:ObjectAcl:Put",
    "s3:LifecycleExpiration:*",
    "s3:LifecycleExpiration:Delete",
    "s3:LifecycleExpiration:DeleteMarkerCreated",
    "s3:ObjectTagging:*",
    "s3:ObjectTagging:Put",
    "s3:ObjectTagging:Delete",
];

/// A filter rule's value is at most this many bytes.
const FILTER_VALUE_MAX_BYTES: usize = 1024;

/// One `FilterRule`: `Prefix` or `Suffix` (S3 answers the names
/// capitalised whatever case they were sent in) and its value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterRule {
    pub name: String,
    pub value: String,
}

/// One destination configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetConfig {
    pub id: String,
    pub arn: String,
    pub events: Vec<String>,
    pub filter_rules: Vec<FilterRule>,
}

impl TargetConfig {
    fn rule(&self, name: &str) -> Option<&str> {
        self.filter_rules
            .iter()
            .find(|r| r.name == name)
            .map(|r| r.value.as_str())
    }

    /// Whether an event of this name (`s3:ObjectCreated:Put`) on this key
    /// is one this configuration wants.
    pub fn matches(&self, event: &str, key: &str) -> bool {
        self.events.iter().any(|e| event_covers(e, event))
            && self.rule("Prefix").is_none_or(|p| key.starts_with(p))
            && self.rule("Suffix").is_none_or(|s| key.ends_with(s))
    }
}

/// `s3:ObjectCreated:*` covers `s3:ObjectCreated:Put`; an event covers itself.
fn event_covers(configured: &str, event: &str) -> bool {
    match configured.strip_suffix('*') {
        Some(family) => event.starts_with(family),
        None => configured == event,
    }
}

/// Whether two configured events can name the same event.
fn events_overlap(a: &str, b: &str) -> bool {
    event_covers(a, b) || event_covers(b, a)
}

/// A bucket's whole notification configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationConfig {
    pub lambda: Vec<TargetConfig>,
    pub queue: Vec<TargetConfig>,
    pub topic: Vec<TargetConfig>,
    /// `EventBridgeConfiguration` was present (kept and answered back).
    pub event_bridge: bool,
}

impl NotificationConfig {
    /// Every destination with its kind, Lambda first.
    pub fn targets(&self) -> impl Iterator<Item = (TargetKind, &TargetConfig)> {
        let kinds = [
            (TargetKind::Lambda, &self.lambda),
            (TargetKind::Queue, &self.queue),
            (TargetKind::Topic, &self.topic),
        ];
        kinds
            .into_iter()
            .flat_map(|(kind, list)| list.iter().map(move |c| (kind, c)))
    }

    fn targets_mut(&mut self) -> impl Iterator<Item = &mut TargetConfig> {
        self.lambda
            .iter_mut()
            .chain(self.queue.iter_mut())
            .chain(self.topic.iter_mut())
    }
}

/// Decides whether a destination accepts notifications from a bucket.
pub trait DestinationCheck: Send + Sync {
    /// `None` when `arn` exists and lets S3 deliver for `bucket_arn` (owned
    /// by `bucket_account`); otherwise S3's reason, as AWS words it.
    fn refusal(
        &self,
        kind: TargetKind,
        arn: &str,
        bucket_arn: &str,
        bucket_account: &str,
    ) -> Option<String>;
}

fn invalid_argument(message: &str) -> S3Error {
    S3Error::new(400, "InvalidArgument", message)
}

/// An id for a configuration sent without one: base64 of a random UUID,
/// the form S3 generates.
fn generated_id() -> String {
    let uuid = uuid::Uuid::new_v4().hyphenated().to_string();
    base64::engine::general_purpose::STANDARD.encode(uuid)
}

/// Checks a configuration as S3 does before looking at destinations:
/// known events, `prefix`/`suffix` rules at most once each, no two
/// configurations that could both fire for one event on one key. Fills in
/// missing ids and capitalises the rule names.
pub fn normalise(mut config: NotificationConfig) -> Result<NotificationConfig, S3Error> {
    for target in config.targets_mut() {
        if target.id.is_empty() {
            target.id = generated_id();
        }
        if let Some(bad) = target.events.iter().find(|e| !EVENTS.contains(&e.as_str())) {
            let mut e = invalid_argument("The event is not supported for notifications");
            e.arguments.push(("Event".into(), bad.clone()));
            return Err(e);
        }
        let mut seen = Vec::new();
        for rule in &mut target.filter_rules {
            rule.name = match rule.name.to_ascii_lowercase().as_str() {
                "prefix" => "Prefix".into(),
                "suffix" => "Suffix".into(),
                _ => {
                    let mut e =
                        invalid_argument("filter rule name must be either prefix or suffix");
                    e.arguments.push(("FilterRule".into(), rule.name.clone()));
                    return Err(e);
                }
            };
            if rule.value.len() > FILTER_VALUE_MAX_BYTES {
                return Err(invalid_argument(
                    "Size of filter rule value cannot exceed 1024 bytes in UTF-8 representation",
                ));
            }
            if seen.contains(&rule.name) {
                let mut e = invalid_argument(&format!(
                    "Cannot specify more than one {} rule in a filter.",
                    rule.name.to_ascii_lowercase()
                ));
                e.arguments.push(("FilterRule".into(), rule.name.clone()));
                return Err(e);
            }
            seen.push(rule.name.clone());
        }
    }
    let all: Vec<&TargetConfig> = config.targets().map(|(_, c)| c).collect();
    for (i, a) in all.iter().enumerate() {
        for b in &all[i + 1..] {
            if let Some(message) = overlap(a, b) {
                return Err(invalid_argument(message));
            }
        }
    }
    let ids: Vec<&str> = all.iter().map(|c| c.id.as_str()).collect();
    if ids.iter().enumerate().any(|(i, id)| ids[..i].contains(id)) {
        return Err(invalid_argument(
            "Configuration ids must be unique across all configurations.",
        ));
    }
    Ok(config)
}

/// S3's complaint when two configurations could fire for the same event
/// on the same key, if they can.
fn overlap(a: &TargetConfig, b: &TargetConfig) -> Option<&'static str> {
    let shared = a
        .events
        .iter()
        .any(|x| b.events.iter().any(|y| events_overlap(x, y)));
    if !shared {
        return None;
    }
    let both = |name: &str| match (a.rule(name), b.rule(name)) {
        (Some(x), Some(y)) => Some((x, y)),
        _ => None,
    };
    let prefixes_overlap = both("Prefix").is_none_or(|(x, y)| x.starts_with(y) || y.starts_with(x));
    let suffixes_overlap = both("Suffix").is_none_or(|(x, y)| x.ends_with(y) || y.ends_with(x));
    if !(prefixes_overlap && suffixes_overlap) {
        return None;
    }
    if a.filter_rules.is_empty() && b.filter_rules.is_empty() {
        Some("Configurations overlap. Configurations on the same bucket cannot share a common event type.")
    } else {
        Some("Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes are overlapping for the same event type.")
    }
}

/// The ARN of a bucket.
pub fn bucket_arn(bucket: &str) -> String {
    format!("arn:aws:s3:::{bucket}")
}

/// `s3:TestEvent`, sent to queues and topics when they are configured.
fn test_event(bucket: &str, request_id: &str, time_ms: i64) -> serde_json::Value {
    serde_json::json!({
        "Service": "Amazon S3",
        "Event": "s3:TestEvent",
        "Time": outbox::iso_millis(time_ms),
        "Bucket": bucket,
        "RequestId": request_id,
        "HostId": request_id,
    })
}

impl S3Service {
    /// Wires the check of destinations (done by whoever can see them).
    pub fn set_destination_check(&self, check: std::sync::Arc<dyn DestinationCheck>) {
        let _ = self.destinations.set(check);
    }

    /// The bucket's configuration (empty when none was put).
    pub fn bucket_notification(&self, bucket: &str) -> Result<NotificationConfig, S3Error> {
        self.bucket(bucket)?;
        self.with(|conn| load(conn, bucket))
    }

    /// Replaces the bucket's configuration (an empty one removes it), after
    /// S3's checks; queues and topics get an `s3:TestEvent` in the same
    /// transaction. `skip_validation`: `x-amz-skip-destination-validation`.
    pub fn put_bucket_notification(
        &self,
        bucket: &str,
        config: NotificationConfig,
        request_id: &str,
        skip_validation: bool,
    ) -> Result<(), S3Error> {
        let info = self.bucket(bucket)?;
        let account = self.with(|conn| {
            Ok(conn.query_row(
                "SELECT account FROM s3_buckets WHERE name = ?1",
                params![bucket],
                |r| r.get::<_, String>(0),
            )?)
        })?;
        let config = normalise(config)?;
        let arn = bucket_arn(&info.name);
        if let (Some(check), false) = (self.destinations.get(), skip_validation) {
            let refused: Vec<(String, String)> = config
                .targets()
                .filter_map(|(kind, target)| {
                    let why = check.refusal(kind, &target.arn, &arn, &account)?;
                    let name = match kind {
                        TargetKind::Lambda => format!("{}, null", target.arn),
                        _ => target.arn.clone(),
                    };
                    Some((name, why))
                })
                .collect();
            if !refused.is_empty() {
                let mut e =
                    invalid_argument("Unable to validate the following destination configurations");
                e.arguments = refused;
                return Err(e);
            }
        }
        let text = serde_json::to_string(&config).map_err(S3Error::internal)?;
        let now = now_ms();
        let test = test_event(bucket, request_id, now).to_string();
        let mut tested: Vec<(TargetKind, &str)> = Vec::new();
        for (kind, target) in config.targets() {
            if kind != TargetKind::Lambda && !tested.contains(&(kind, target.arn.as_str())) {
                tested.push((kind, target.arn.as_str()));
            }
        }
        self.with(|conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "DELETE FROM s3_notification_configs WHERE bucket = ?1",
                params![bucket],
            )?;
            if config != NotificationConfig::default() {
                tx.execute(
                    "INSERT INTO s3_notification_configs (bucket, config) VALUES (?1, ?2)",
                    params![bucket, text],
                )?;
            }
            for (kind, target) in &tested {
                outbox::enqueue(&tx, *kind, target, bucket, &account, &test, now)?;
            }
            tx.commit()?;
            Ok(())
        })?;
        if !tested.is_empty() {
            self.wake.notify_one();
        }
        Ok(())
    }
}

/// The stored configuration of a bucket (inside the caller's transaction).
pub(crate) fn load(
    conn: &rusqlite::Connection,
    bucket: &str,
) -> Result<NotificationConfig, S3Error> {
    let text: Option<String> = conn
        .query_row(
            "SELECT config FROM s3_notification_configs WHERE bucket = ?1",
            params![bucket],
            |r| r.get(0),
        )
        .optional()?;
    match text {
        Some(text) => serde_json::from_str(&text).map_err(S3Error::internal),
        None => Ok(NotificationConfig::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(events: &[&str], rules: &[(&str, &str)]) -> TargetConfig {
        TargetConfig {
            id: String::new(),
            arn: "arn:aws:sqs:us-east-1:000000000000:q".into(),
            events: events.iter().map(|e| e.to_string()).collect(),
            filter_rules: rules
                .iter()
                .map(|(n, v)| FilterRule {
                    name: n.to_string(),
                    value: v.to_string(),
                })
                .collect(),
        }
    }

    fn two(a: TargetConfig, b: TargetConfig) -> Result<NotificationConfig, S3Error> {
        normalise(NotificationConfig {
            queue: vec![a, b],
            ..NotificationConfig::default()
        })
    }

    #[test]
    fn overlapping_configurations_are_refused() {
        let same = two(
            target(&["s3:ObjectCreated:*"], &[]),
            target(&["s3:ObjectCreated:Put"], &[]),
        )
        .unwrap_err();
        assert!(same.message.starts_with("Configurations overlap."));
        let filtered = two(
            target(&["s3:ObjectCreated:*"], &[("prefix", "a/")]),
            target(&["s3:ObjectCreated:Put"], &[("prefix", "a/b")]),
        )
        .unwrap_err();
        assert!(filtered.message.starts_with("Configuration is ambiguously"));
        two(
            target(&["s3:ObjectCreated:*"], &[("prefix", "a/")]),
            target(&["s3:ObjectCreated:*"], &[("prefix", "b/")]),
        )
        .unwrap();
        two(
            target(&["s3:ObjectCreated:*"], &[("suffix", ".jpg")]),
            target(&["s3:ObjectCreated:*"], &[("suffix", ".png")]),
        )
        .unwrap();
        two(
            target(&["s3:ObjectCreated:*"], &[]),
            target(&["s3:ObjectRemoved:*"], &[]),
        )
        .unwrap();
    }

    #[test]
    fn ids_and_rule_names_are_filled_in() {
        let config = two(
            target(&["s3:ObjectCreated:*"], &[("prefix", "a/")]),
            target(&["s3:ObjectRemoved:*"], &[("SUFFIX", ".x")]),
        )
        .unwrap();
        assert!(config.queue.iter().all(|c| !c.id.is_empty()));
        assert_eq!(config.queue[0].filter_rules[0].name, "Prefix");
        assert_eq!(config.queue[1].filter_rules[0].name, "Suffix");
        assert!(config.queue[0].matches("s3:ObjectCreated:Copy", "a/b"));
        assert!(!config.queue[0].matches("s3:ObjectCreated:Copy", "b/a"));
        assert!(!config.queue[0].matches("s3:ObjectRemoved:Delete", "a/b"));
        let bad = two(
            target(&["s3:ObjectCreated:Nope"], &[]),
            target(&["s3:ObjectRemoved:*"], &[]),
        )
        .unwrap_err();
        assert_eq!(bad.code, "InvalidArgument");
    }
}
