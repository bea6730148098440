//! S3 event notifications: a function target becomes an asynchronous
//! invoke (after the check that its policy lets s3.amazonaws.com invoke it
//! for the bucket), a queue target a message whose body is the event
//! document, a topic target a publish with the subject
//! "Amazon S3 Notification". Also the check S3 runs on the destinations of
//! a PutBucketNotificationConfiguration ([`S3Destinations`]).

use crate::{Triggers, BATCH};
use laminar_async_invoke::AsyncEvent;
use laminar_invoke::Invoker;
use laminar_lambda_core::blocking::off_worker;
use laminar_lambda_core::grants::{service_may_invoke, ServiceCall};
use laminar_lambda_core::naming::key_of;
use laminar_model::arn::Scope;
use laminar_s3::{bucket_arn, DestinationCheck, Notification, TargetKind};
use laminar_sqs::OutgoingMessage;
use std::sync::Arc;

/// The subject of the SNS messages S3 publishes.
const SUBJECT: &str = "Amazon S3 Notification";

/// A function ARN's scope, name and qualifier.
fn function_of(arn: &str) -> Option<(Scope, String, Option<String>)> {
    let parts: Vec<&str> = arn.split(':').collect();
    let (region, account, name, qualifier) = match parts.as_slice() {
        ["arn", _, "lambda", region, account, "function", name] => (region, account, name, None),
        ["arn", _, "lambda", region, account, "function", name, q] => {
            (region, account, name, Some(q.to_string()))
        }
        _ => return None,
    };
    let scope = Scope {
        account: account.to_string(),
        region: region.to_string(),
    };
    Some((scope, name.to_string(), qualifier))
}

/// Whether the function exists and lets S3 invoke it for the bucket.
fn function_allows(invoker: &Invoker, arn: &str, bucket: &str, account: &str) -> bool {
    let Some((scope, name, qualifier)) = function_of(arn) else {
        return false;
    };
    let Some(record) = invoker.registry().get(&key_of(&scope, &name)) else {
        return false;
    };
    let source = bucket_arn(bucket);
    let call = ServiceCall {
        principal: "s3.amazonaws.com",
        source_arn: &source,
        source_account: account,
    };
    service_may_invoke(&record, qualifier.as_deref(), call)
}

/// The destinations' side of PutBucketNotificationConfiguration: the
/// function must exist and allow s3.amazonaws.com for the bucket; queues
/// and topics must exist (their access policies are not evaluated).
pub struct S3Destinations {
    pub(crate) invoker: Arc<Invoker>,
    pub(crate) sqs: laminar_sqs::SqsService,
    pub(crate) sns: laminar_sns::SnsService,
}

impl DestinationCheck for S3Destinations {
    fn refusal(
        &self,
        kind: TargetKind,
        arn: &str,
        bucket_arn: &str,
        bucket_account: &str,
    ) -> Option<String> {
        match kind {
            TargetKind::Lambda => {
                let bucket = bucket_arn
                    .strip_prefix("arn:aws:s3:::")
                    .unwrap_or(bucket_arn);
                (!function_allows(&self.invoker, arn, bucket, bucket_account))
                    .then(|| format!("Not authorized to invoke function [{arn}]"))
            }
            TargetKind::Queue => self
                .sqs
                .attributes_of_arn(arn)
                .is_none()
                .then(|| "The destination queue does not exist".to_string()),
            TargetKind::Topic => {
                let parts: Vec<&str> = arn.split(':').collect();
                let exists = match parts.as_slice() {
                    ["arn", _, "sns", region, account, _] => {
                        let caller = laminar_sns::Caller { account, region };
                        self.sns.get_topic_attributes(caller, arn).is_ok()
                    }
                    _ => false,
                };
                (!exists).then(|| "The destination topic does not exist".to_string())
            }
        }
    }
}

/// What became of one notification.
enum Outcome {
    Accepted,
    /// It can never be delivered: the row goes (S3 drops it too).
    Refused(String),
    Later(String),
}

impl Triggers {
    /// One pass over the S3 outbox; true when it was full (more may wait).
    pub(crate) async fn drain_s3(&self) -> bool {
        let s3 = self.s3.clone();
        let rows = match off_worker(move || {
            s3.pending_notifications(BATCH)
                .map_err(|e| laminar_model::ApiError::service(e.to_string()))
        })
        .await
        {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "the S3 outbox could not be read");
                return false;
            }
        };
        let full = rows.len() == BATCH;
        let mut progressed = false;
        for row in rows {
            let outcome = match row.kind {
                TargetKind::Lambda => self.s3_to_function(&row).await,
                TargetKind::Queue => self.s3_to_queue(&row).await,
                TargetKind::Topic => self.s3_to_topic(&row).await,
            };
            match outcome {
                Outcome::Accepted => {}
                Outcome::Refused(why) => {
                    tracing::warn!(target_arn = %row.target, %why, "an S3 notification was not delivered");
                }
                Outcome::Later(why) => {
                    tracing::debug!(target_arn = %row.target, %why, "an S3 notification waits");
                    continue;
                }
            }
            let s3 = self.s3.clone();
            let id = row.id;
            let done = off_worker(move || {
                s3.notified(id)
                    .map_err(|e| laminar_model::ApiError::service(e.to_string()))
            })
            .await;
            if let Err(e) = done {
                tracing::warn!(error = %e, "a delivered S3 notification could not be removed");
                return false;
            }
            progressed = true;
        }
        full && progressed
    }

    async fn s3_to_function(&self, row: &Notification) -> Outcome {
        let Some((scope, name, qualifier)) = function_of(&row.target) else {
            return Outcome::Refused(format!("{} is not a function ARN", row.target));
        };
        if !function_allows(&self.invoker, &row.target, &row.bucket, &row.account) {
            return Outcome::Refused(format!(
                "{} does not exist or does not let s3.amazonaws.com invoke it for {}",
                row.target, row.bucket
            ));
        }
        let event = AsyncEvent::new(&scope, &name, qualifier, row.body.clone(), None);
        let queue = self.async_queue.clone();
        match off_worker(move || queue.enqueue(event)).await {
            Ok(()) => Outcome::Accepted,
            Err(e) => Outcome::Later(e.to_string()),
        }
    }

    async fn s3_to_queue(&self, row: &Notification) -> Outcome {
        let message = OutgoingMessage {
            body: row.body.clone(),
            ..OutgoingMessage::default()
        };
        match self.sqs.send_to_arn(&row.target, message).await {
            Ok(_) => Outcome::Accepted,
            Err(e) if e.status < 500 => Outcome::Refused(e.to_string()),
            Err(e) => Outcome::Later(e.to_string()),
        }
    }

    async fn s3_to_topic(&self, row: &Notification) -> Outcome {
        let parts: Vec<String> = row.target.split(':').map(str::to_string).collect();
        let [_, _, _, region, account, _] = parts.as_slice() else {
            return Outcome::Refused(format!("{} is not a topic ARN", row.target));
        };
        let (region, account) = (region.clone(), account.clone());
        let input = laminar_sns::PublishInput {
            topic_arn: row.target.clone(),
            message: row.body.clone(),
            subject: Some(SUBJECT.to_string()),
            ..laminar_sns::PublishInput::default()
        };
        let sns = self.sns.clone();
        let published = off_worker(move || {
            let caller = laminar_sns::Caller {
                account: &account,
                region: &region,
            };
            Ok(sns.publish(caller, input).map_err(|e| e.to_string()))
        })
        .await;
        match published {
            Ok(Ok(_)) => Outcome::Accepted,
            Ok(Err(why)) => Outcome::Refused(why),
            Err(e) => Outcome::Later(e.to_string()),
        }
    }
}
