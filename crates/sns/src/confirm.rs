//! The confirmation handshake of http/https subscriptions: Subscribe stores
//! the subscription with a token and writes a `SubscriptionConfirmation`
//! delivery in the same transaction; ConfirmSubscription with that token
//! confirms it. Until then, publishes skip it.

use crate::{now_ms, Caller, SnsError, SnsResult, SnsService};
use rusqlite::{params, OptionalExtension, Transaction};
use serde_json::json;

/// A confirmation token: hex, as long as AWS's.
pub(crate) fn new_token() -> String {
    let mut token = String::new();
    while token.len() < 256 {
        token.push_str(&uuid::Uuid::new_v4().simple().to_string());
    }
    token.truncate(256);
    token
}

/// Writes the `SubscriptionConfirmation` message of a new subscription.
pub(crate) fn request_confirmation(
    tx: &Transaction<'_>,
    caller: Caller<'_>,
    subscription_arn: &str,
    topic_arn: &str,
    protocol: &str,
    endpoint: &str,
    token: &str,
) -> SnsResult<()> {
    let message_id = uuid::Uuid::new_v4().to_string();
    let message = format!(
        "You have chosen to subscribe to the topic {topic_arn}.\nTo confirm the subscription, visit the SubscribeURL included in this message."
    );
    let region = caller.region;
    let notification = json!({
        "Type": "SubscriptionConfirmation",
        "MessageId": message_id,
        "Token": token,
        "TopicArn": topic_arn,
        "Message": message,
        "SubscribeURL": format!(
            "https://sns.{region}.amazonaws.com/?Action=ConfirmSubscription&TopicArn={topic_arn}&Token={token}"
        ),
        "Timestamp": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        "SignatureVersion": "1",
        "Signature": crate::publish::signature(&message_id, &message),
        "SigningCertURL": format!(
            "https://sns.{region}.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem"
        ),
    });
    tx.execute(
        "INSERT INTO sns_deliveries (subscription_arn, protocol, endpoint, raw, notification, created_ms)
         VALUES (?1, ?2, ?3, 0, ?4, ?5)",
        params![
            subscription_arn,
            protocol,
            endpoint,
            notification.to_string(),
            now_ms()
        ],
    )?;
    Ok(())
}

impl SnsService {
    /// ConfirmSubscription: the subscription of the topic holding this
    /// token is confirmed; its ARN is answered (again, if it already was).
    pub fn confirm_subscription(
        &self,
        caller: Caller<'_>,
        topic_arn: &str,
        token: &str,
    ) -> SnsResult<String> {
        self.check_own(caller, topic_arn)?;
        self.with(|conn| {
            let tx = conn.transaction()?;
            crate::topics::load(&tx, topic_arn)?;
            let arn: Option<String> = tx
                .query_row(
                    "SELECT arn FROM sns_subscriptions WHERE topic_arn = ?1 AND token = ?2",
                    params![topic_arn, token],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(arn) = arn else {
                return Err(SnsError::invalid("Token"));
            };
            tx.execute(
                "UPDATE sns_subscriptions SET token = NULL WHERE arn = ?1",
                params![arn],
            )?;
            tx.commit()?;
            Ok(arn)
        })
    }

    /// Whether the subscription still waits for ConfirmSubscription.
    pub fn subscription_pending(&self, arn: &str) -> SnsResult<bool> {
        self.with(|conn| {
            let token: Option<Option<String>> = conn
                .query_row(
                    "SELECT token FROM sns_subscriptions WHERE arn = ?1",
                    params![arn],
                    |r| r.get(0),
                )
                .optional()?;
            let token = token.ok_or_else(SnsError::subscription_not_found)?;
            Ok(token.is_some())
        })
    }
}
