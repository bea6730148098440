//! SNS deliveries: `lambda` subscriptions become asynchronous invokes of
//! the function (after the check that its policy lets sns.amazonaws.com
//! invoke it for the topic), `sqs` subscriptions messages in the queue (in
//! the enforcing mode, only when the queue's policy lets SNS send).

use crate::outcome::Outcome;
use crate::{Triggers, BATCH};
use laminar_async_invoke::AsyncEvent;
use laminar_iam::evaluate::{evaluate, Context, Identity, Policies, Policy, Request};
use laminar_lambda_core::blocking::off_worker;
use laminar_lambda_core::grants::{service_may_invoke, ServiceCall};
use laminar_lambda_core::naming::key_of;
use laminar_model::arn::Scope;
use laminar_sns::Delivery;
use laminar_sqs::{MessageAttributeValue, OutgoingMessage};
use std::sync::atomic::Ordering;

impl Triggers {
    /// One pass over the SNS outbox; true when it was full (more may wait).
    pub(crate) async fn drain_sns(&self) -> bool {
        let sns = self.sns.clone();
        let rows = match off_worker(move || {
            sns.pending_deliveries(BATCH)
                .map_err(|e| laminar_model::ApiError::service(e.to_string()))
        })
        .await
        {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "the SNS outbox could not be read");
                return false;
            }
        };
        let full = rows.len() == BATCH;
        let mut progressed = false;
        for delivery in rows {
            let outcome = match delivery.protocol.as_str() {
                "lambda" => self.to_function(&delivery).await,
                "sqs" => self.to_queue(&delivery).await,
                "http" | "https" => self.to_http(&delivery).await,
                other => Outcome::Refused(format!("laminar does not deliver to {other}")),
            };
            let remove = match outcome {
                Outcome::Accepted => true,
                Outcome::Refused(why) => match self.dead_letter(&delivery).await {
                    Outcome::Accepted => {
                        tracing::info!(subscription = %delivery.subscription_arn, %why, "an SNS message went to the subscription's dead-letter queue");
                        true
                    }
                    Outcome::Later(later) => {
                        tracing::debug!(subscription = %delivery.subscription_arn, %later, "an SNS dead-letter delivery waits");
                        false
                    }
                    Outcome::Refused(dlq) => {
                        tracing::warn!(subscription = %delivery.subscription_arn, %why, dead_letter = %dlq, "an SNS message was not delivered");
                        true
                    }
                },
                Outcome::Later(why) => {
                    tracing::debug!(subscription = %delivery.subscription_arn, %why, "an SNS delivery waits");
                    false
                }
            };
            if remove {
                let sns = self.sns.clone();
                let id = delivery.id;
                let done = off_worker(move || {
                    sns.delivered(id)
                        .map_err(|e| laminar_model::ApiError::service(e.to_string()))
                })
                .await;
                if let Err(e) = done {
                    tracing::warn!(error = %e, "a delivered SNS row could not be removed");
                    return false;
                }
                progressed = true;
            }
        }
        full && progressed
    }

    async fn to_function(&self, delivery: &Delivery) -> Outcome {
        let parts: Vec<&str> = delivery.endpoint.split(':').collect();
        let (region, account, name, qualifier) = match parts.as_slice() {
            ["arn", _, "lambda", region, account, "function", name] => {
                (region, account, name, None)
            }
            ["arn", _, "lambda", region, account, "function", name, q] => {
                (region, account, name, Some(q.to_string()))
            }
            _ => return Outcome::Refused(format!("{} is not a function ARN", delivery.endpoint)),
        };
        let scope = Scope {
            account: account.to_string(),
            region: region.to_string(),
        };
        let Some(record) = self.invoker.registry().get(&key_of(&scope, name)) else {
            return Outcome::Refused(format!("the function {} does not exist", delivery.endpoint));
        };
        let topic = delivery
            .notification
            .get("TopicArn")
            .and_then(|t| t.as_str())
            .unwrap_or_default();
        let topic_account = topic.split(':').nth(4).unwrap_or_default();
        let call = ServiceCall {
            principal: "sns.amazonaws.com",
            source_arn: topic,
            source_account: topic_account,
        };
        if !service_may_invoke(&record, qualifier.as_deref(), call) {
            return Outcome::Refused(format!(
                "the resource-based policy of {} does not let sns.amazonaws.com invoke it for {topic}",
                delivery.endpoint
            ));
        }
        let event = AsyncEvent::new(
            &scope,
            name,
            qualifier,
            delivery.lambda_event().to_string(),
            None,
        );
        let queue = self.async_queue.clone();
        match off_worker(move || queue.enqueue(event)).await {
            Ok(()) => Outcome::Accepted,
            Err(e) => Outcome::Later(e.to_string()),
        }
    }

    /// Whether the queue's policy lets `sns.amazonaws.com` send to it for
    /// the delivery's topic (`aws:SourceArn`, `aws:SourceAccount`).
    async fn queue_policy_allows(&self, delivery: &Delivery) -> bool {
        let (sqs, queue) = (self.sqs.clone(), delivery.endpoint.clone());
        let policy = off_worker(move || Ok(sqs.attributes_of_arn(&queue)))
            .await
            .ok()
            .flatten()
            .and_then(|mut attributes| attributes.remove("Policy"));
        let Some(policy) = policy else {
            return false;
        };
        let topic = delivery
            .notification
            .get("TopicArn")
            .and_then(|t| t.as_str())
            .unwrap_or_default();
        let identity = Identity::Service("sns.amazonaws.com".into());
        let mut context = Context::of(&identity);
        context.set("aws:SourceArn", topic);
        context.set(
            "aws:SourceAccount",
            topic.split(':').nth(4).unwrap_or_default(),
        );
        let request = Request {
            identity,
            action: "sqs:SendMessage".into(),
            resource: delivery.endpoint.clone(),
            resource_account: delivery
                .endpoint
                .split(':')
                .nth(4)
                .unwrap_or_default()
                .into(),
            context,
        };
        let policies = Policies {
            resource: Some(Policy::parse(&policy)),
            ..Policies::default()
        };
        evaluate(&request, &policies).allowed()
    }

    /// A delivery its target refused goes to the subscription's
    /// `RedrivePolicy` queue, as SNS sends it: the body the queue would get
    /// as a subscriber (the envelope, or the raw message).
    async fn dead_letter(&self, delivery: &Delivery) -> Outcome {
        let kind = delivery.notification.get("Type").and_then(|t| t.as_str());
        if kind != Some("Notification") {
            return Outcome::Refused("only notifications are redriven".into());
        }
        let sns = self.sns.clone();
        let arn = delivery.subscription_arn.clone();
        let target = off_worker(move || {
            sns.dead_letter_queue(&arn)
                .map_err(|e| laminar_model::ApiError::service(e.to_string()))
        })
        .await;
        match target {
            Ok(Some(queue)) => self.send(delivery, &queue).await,
            Ok(None) => Outcome::Refused("the subscription has no RedrivePolicy".into()),
            Err(e) => Outcome::Later(e.to_string()),
        }
    }

    async fn to_queue(&self, delivery: &Delivery) -> Outcome {
        if self.queue_policies.load(Ordering::Relaxed) && !self.queue_policy_allows(delivery).await
        {
            return Outcome::Refused(format!(
                "the policy of {} does not let sns.amazonaws.com send to it",
                delivery.endpoint
            ));
        }
        self.send(delivery, &delivery.endpoint).await
    }

    async fn send(&self, delivery: &Delivery, queue_arn: &str) -> Outcome {
        let message_attributes = delivery
            .raw_attributes()
            .into_iter()
            .map(|a| {
                let attribute = MessageAttributeValue {
                    data_type: a.data_type,
                    string_value: a.string_value,
                    binary_value: a.binary_value,
                };
                (a.name, attribute)
            })
            .collect();
        let (group, dedup) = match delivery.fifo_ids() {
            Some((g, d)) => (Some(g), Some(d)),
            None => (None, None),
        };
        let message = OutgoingMessage {
            body: delivery.sqs_body(),
            message_attributes,
            message_group_id: group,
            message_deduplication_id: dedup,
            ..OutgoingMessage::default()
        };
        match self.sqs.send_to_arn(queue_arn, message).await {
            Ok(_) => Outcome::Accepted,
            Err(e) if e.status < 500 => Outcome::Refused(e.to_string()),
            Err(e) => Outcome::Later(e.to_string()),
        }
    }
}
