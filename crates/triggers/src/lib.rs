//! `Triggers`: the room that drains the companions' outboxes of pushed
//! events (SNS deliveries, CloudWatch Logs subscription deliveries) and
//! hands each to its target — a function as an
//! asynchronous invoke (`AsyncInvocations::enqueue`: the durable queue,
//! retries, destinations and DLQ), or an SQS queue. A row is removed only
//! after the target accepted it, so a crash in between delivers it again
//! at start-up (at least once).

mod logs;
mod sns;

use laminar_async_invoke::AsyncInvocations;
use laminar_invoke::Invoker;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Rows taken per pass.
const BATCH: usize = 64;
/// Without a wake-up, the outboxes are looked at this often (rows written
/// before a restart, deliveries that failed for a moment).
const POLL: Duration = Duration::from_secs(1);

pub struct Triggers {
    invoker: Arc<Invoker>,
    async_queue: Arc<AsyncInvocations>,
    sqs: laminar_sqs::SqsService,
    sns: laminar_sns::SnsService,
    /// The enforcing mode: SNS delivers to a queue only when the queue's
    /// policy lets `sns.amazonaws.com` send for the topic.
    queue_policies: AtomicBool,
}

impl Triggers {
    pub fn new(
        invoker: Arc<Invoker>,
        async_queue: Arc<AsyncInvocations>,
        sqs: laminar_sqs::SqsService,
        sns: laminar_sns::SnsService,
    ) -> Arc<Self> {
        Arc::new(Self {
            invoker,
            async_queue,
            sqs,
            sns,
            queue_policies: AtomicBool::new(false),
        })
    }

    /// From now on SNS's deliveries to queues need the queue's policy (the
    /// enforcing mode).
    pub fn check_queue_policies(&self) {
        self.queue_policies.store(true, Ordering::Relaxed);
    }

    /// Drains the outboxes for as long as the room lives (and installs
    /// the check of log subscriptions' destinations).
    pub fn start(self: &Arc<Self>) {
        self.wire_logs();
        let weak = Arc::downgrade(self);
        let wake = self.sns.wake();
        tokio::spawn(async move {
            loop {
                let Some(room) = weak.upgrade() else {
                    return;
                };
                let busy = room.drain_sns().await;
                drop(room);
                if !busy {
                    let _ = tokio::time::timeout(POLL, wake.notified()).await;
                }
            }
        });
        // Logs' outbox has its own loop: a function subscribed to its own
        // group keeps it busy without holding back SNS.
        let weak = Arc::downgrade(self);
        let wake = self.logs_wake();
        tokio::spawn(async move {
            loop {
                let Some(room) = weak.upgrade() else {
                    return;
                };
                let busy = room.drain_logs().await;
                drop(room);
                if !busy {
                    let _ = tokio::time::timeout(POLL, wake.notified()).await;
                }
            }
        });
    }

    fn logs_wake(&self) -> Arc<tokio::sync::Notify> {
        self.invoker.cloudwatch().wake()
    }
}
