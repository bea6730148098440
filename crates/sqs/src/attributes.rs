//! Queue attributes: names, defaults and the ranges AWS accepts.

use crate::SqsError;
use std::collections::BTreeMap;

/// Attributes a queue stores (settable), with AWS's defaults where any.
pub const DEFAULTS: &[(&str, &str)] = &[
    ("VisibilityTimeout", "30"),
    ("DelaySeconds", "0"),
    ("ReceiveMessageWaitTimeSeconds", "0"),
    ("MessageRetentionPeriod", "345600"),
    ("MaximumMessageSize", "1048576"),
];

/// Settable attributes without a default value.
const OPTIONAL: &[&str] = &[
    "RedrivePolicy",
    "RedriveAllowPolicy",
    "Policy",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "SqsManagedSseEnabled",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
];

/// Computed attributes GetQueueAttributes answers.
pub const COMPUTED: &[&str] = &[
    "QueueArn",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "FifoQueue",
];

pub fn is_known(name: &str) -> bool {
    DEFAULTS.iter().any(|(n, _)| *n == name) || OPTIONAL.contains(&name) || COMPUTED.contains(&name)
}

fn range(name: &str) -> Option<(i64, i64)> {
    Some(match name {
        "VisibilityTimeout" => (0, 43_200),
        "DelaySeconds" => (0, 900),
        "ReceiveMessageWaitTimeSeconds" => (0, 20),
        "MessageRetentionPeriod" => (60, 1_209_600),
        "MaximumMessageSize" => (1_024, 1_048_576),
        "KmsDataKeyReusePeriodSeconds" => (60, 86_400),
        _ => return None,
    })
}

/// Checks attributes given to CreateQueue / SetQueueAttributes. `fifo` is
/// whether the queue is (or will be) FIFO; FifoQueue itself is only
/// accepted at creation (`creating`).
pub fn validate(
    attributes: &BTreeMap<String, String>,
    fifo: bool,
    creating: bool,
) -> Result<(), SqsError> {
    for (name, value) in attributes {
        if name == "FifoQueue" {
            if !creating {
                return Err(SqsError::invalid_attribute_name(name));
            }
            let wanted = value.eq_ignore_ascii_case("true");
            if wanted != fifo {
                return Err(SqsError::invalid_attribute_value(
                    name,
                    "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.",
                ));
            }
            continue;
        }
        if !is_known(name) || COMPUTED.contains(&name.as_str()) {
            return Err(SqsError::invalid_attribute_name(name));
        }
        if let Some((low, high)) = range(name) {
            let ok = value
                .parse::<i64>()
                .is_ok_and(|v| (low..=high).contains(&v));
            if !ok {
                return Err(SqsError::invalid_attribute_value(
                    name,
                    &format!("must be an integer between {low} and {high}."),
                ));
            }
        }
        match name.as_str() {
            "ContentBasedDeduplication" | "DeduplicationScope" | "FifoThroughputLimit" if !fifo => {
                return Err(SqsError::invalid_attribute_name(name));
            }
            "ContentBasedDeduplication" | "SqsManagedSseEnabled"
                if !matches!(value.to_ascii_lowercase().as_str(), "true" | "false") =>
            {
                return Err(SqsError::invalid_attribute_value(
                    name,
                    "must be true or false.",
                ));
            }
            "RedrivePolicy" if !value.is_empty() => {
                RedrivePolicy::parse(value)?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// A parsed `RedrivePolicy`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedrivePolicy {
    pub dead_letter_target_arn: String,
    pub max_receive_count: u32,
}

impl RedrivePolicy {
    pub fn parse(text: &str) -> Result<Self, SqsError> {
        let invalid = |reason: &str| SqsError::invalid_attribute_value("RedrivePolicy", reason);
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|_| invalid("Redrive policy is not a valid JSON map."))?;
        let arn = value
            .get("deadLetterTargetArn")
            .and_then(|v| v.as_str())
            .filter(|arn| arn.starts_with("arn:"))
            .ok_or_else(|| {
                invalid("Redrive policy does not contain a valid deadLetterTargetArn.")
            })?;
        let count = match value.get("maxReceiveCount") {
            Some(serde_json::Value::Number(n)) => n.as_i64(),
            Some(serde_json::Value::String(s)) => s.parse().ok(),
            _ => None,
        }
        .filter(|n| (1..=1000).contains(n))
        .ok_or_else(|| {
            invalid("Value for maxReceiveCount must be an integer between 1 and 1000.")
        })?;
        Ok(Self {
            dead_letter_target_arn: arn.to_string(),
            max_receive_count: count as u32,
        })
    }
}

/// Queue names: 1–80 of alphanumerics, `-` and `_`; FIFO queues end in
/// `.fifo` (which counts toward the 80).
pub fn validate_queue_name(name: &str) -> Result<(), SqsError> {
    let stem = name.strip_suffix(".fifo").unwrap_or(name);
    let ok = !stem.is_empty()
        && name.len() <= 80
        && stem
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(SqsError::invalid_parameter(
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_names() {
        assert!(validate_queue_name("orders").is_ok());
        assert!(validate_queue_name("orders-1_a.fifo").is_ok());
        assert!(validate_queue_name("").is_err());
        assert!(validate_queue_name(".fifo").is_err());
        assert!(validate_queue_name("a.b").is_err());
        assert!(validate_queue_name(&"a".repeat(81)).is_err());
    }

    #[test]
    fn redrive_policy_accepts_number_or_string_counts() {
        let p = RedrivePolicy::parse(
            r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":"3"}"#,
        )
        .unwrap();
        assert_eq!(p.max_receive_count, 3);
        assert!(
            RedrivePolicy::parse(r#"{"deadLetterTargetArn":"x","maxReceiveCount":3}"#).is_err()
        );
        assert!(RedrivePolicy::parse(
            r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:0:d","maxReceiveCount":0}"#
        )
        .is_err());
    }

    #[test]
    fn ranges_are_checked() {
        let attrs = |k: &str, v: &str| BTreeMap::from([(k.to_string(), v.to_string())]);
        assert!(validate(&attrs("VisibilityTimeout", "43200"), false, true).is_ok());
        assert!(validate(&attrs("VisibilityTimeout", "43201"), false, true).is_err());
        assert!(validate(&attrs("DelaySeconds", "x"), false, true).is_err());
        assert!(validate(&attrs("FifoQueue", "true"), false, true).is_err());
        assert!(validate(&attrs("FifoQueue", "true"), true, true).is_ok());
        assert!(validate(&attrs("ContentBasedDeduplication", "true"), false, true).is_err());
        assert!(validate(&attrs("Bogus", "1"), false, true).is_err());
    }
}
