//! EventBridge deliveries: a rule's Lambda targets become asynchronous
//! invokes of the function (after the check that its policy lets
//! events.amazonaws.com invoke it for the rule), SQS targets messages in
//! the queue, SNS targets messages published to the topic.

use crate::outcome::Outcome;
use crate::{Triggers, BATCH};
use laminar_async_invoke::AsyncEvent;
use laminar_events::Delivery;
use laminar_lambda_core::blocking::off_worker;
use laminar_lambda_core::grants::{service_may_invoke, ServiceCall};
use laminar_lambda_core::naming::key_of;
use laminar_model::arn::Scope;
use laminar_sqs::OutgoingMessage;

impl Triggers {
    /// One pass over the EventBridge outbox; true when it was full.
    pub(crate) async fn drain_events(&self) -> bool {
        let events = self.events.clone();
        let rows = match off_worker(move || {
            events
                .pending_deliveries(BATCH)
                .map_err(|e| laminar_model::ApiError::service(e.to_string()))
        })
        .await
        {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "the EventBridge outbox could not be read");
                return false;
            }
        };
        let full = rows.len() == BATCH;
        let mut progressed = false;
        for delivery in rows {
            let service = delivery.target_arn.split(':').nth(2).unwrap_or_default();
            let outcome = match service {
                "lambda" => self.event_to_function(&delivery).await,
                "sqs" => self.event_to_queue(&delivery).await,
                "sns" => self.event_to_topic(&delivery).await,
                other => Outcome::Refused(format!("laminar does not deliver to {other} targets")),
            };
            let remove = match outcome {
                Outcome::Accepted => true,
                Outcome::Refused(why) => {
                    tracing::warn!(rule = %delivery.rule_arn, target = %delivery.target_id, %why, "an EventBridge event was not delivered");
                    true
                }
                Outcome::Later(why) => {
                    tracing::debug!(rule = %delivery.rule_arn, target = %delivery.target_id, %why, "an EventBridge delivery waits");
                    false
                }
            };
            if remove {
                let events = self.events.clone();
                let id = delivery.id;
                let done = off_worker(move || {
                    events
                        .delivered(id)
                        .map_err(|e| laminar_model::ApiError::service(e.to_string()))
                })
                .await;
                if let Err(e) = done {
                    tracing::warn!(error = %e, "a delivered EventBridge row could not be removed");
                    return false;
                }
                progressed = true;
            }
        }
        full && progressed
    }

    async fn event_to_function(&self, delivery: &Delivery) -> Outcome {
        let arn = delivery.target_arn.as_str();
        let parts: Vec<&str> = arn.split(':').collect();
        let (region, account, name, qualifier) = match parts.as_slice() {
            ["arn", _, "lambda", region, account, "function", name] => {
                (region, account, name, None)
            }
            ["arn", _, "lambda", region, account, "function", name, q] => {
                (region, account, name, Some(q.to_string()))
            }
            _ => return Outcome::Refused(format!("{arn} is not a function ARN")),
        };
        let scope = Scope {
            account: account.to_string(),
            region: region.to_string(),
        };
        let Some(record) = self.invoker.registry().get(&key_of(&scope, name)) else {
            return Outcome::Refused(format!("the function {arn} does not exist"));
        };
        let rule_account = delivery.rule_arn.split(':').nth(4).unwrap_or_default();
        let call = ServiceCall {
            principal: "events.amazonaws.com",
            source_arn: &delivery.rule_arn,
            source_account: rule_account,
        };
        if !service_may_invoke(&record, qualifier.as_deref(), call) {
            return Outcome::Refused(format!(
                "the resource-based policy of {arn} does not let events.amazonaws.com invoke it for {}",
                delivery.rule_arn
            ));
        }
        let event = AsyncEvent::new(&scope, name, qualifier, delivery.payload.clone(), None);
        let queue = self.async_queue.clone();
        match off_worker(move || queue.enqueue(event)).await {
            Ok(()) => Outcome::Accepted,
            Err(e) => Outcome::Later(e.to_string()),
        }
    }

    async fn event_to_queue(&self, delivery: &Delivery) -> Outcome {
        let message = OutgoingMessage {
            body: delivery.payload.clone(),
            message_group_id: delivery.message_group_id.clone(),
            message_deduplication_id: delivery
                .message_group_id
                .as_ref()
                .map(|_| format!("{}-{}", delivery.target_id, delivery.id)),
            ..OutgoingMessage::default()
        };
        match self.sqs.send_to_arn(&delivery.target_arn, message).await {
            Ok(_) => Outcome::Accepted,
            Err(e) if e.status < 500 => Outcome::Refused(e.to_string()),
            Err(e) => Outcome::Later(e.to_string()),
        }
    }

    async fn event_to_topic(&self, delivery: &Delivery) -> Outcome {
        let sns = self.sns.clone();
        let topic = delivery.target_arn.clone();
        let message = delivery.payload.clone();
        let published = off_worker(move || Ok(sns.publish_to_arn(&topic, message))).await;
        match published {
            Ok(Ok(_)) => Outcome::Accepted,
            Ok(Err(e)) if e.status < 500 => Outcome::Refused(e.to_string()),
            Ok(Err(e)) => Outcome::Later(e.to_string()),
            Err(e) => Outcome::Later(e.to_string()),
        }
    }
}
