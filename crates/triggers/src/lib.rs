//! `Triggers`: the room that drains the companions' outboxes of pushed
//! events (SNS deliveries, S3 event notifications, CloudWatch Logs
//! subscription deliveries, EventBridge rule targets) and hands each to its
//! target — a function as an asynchronous invoke
//! (`AsyncInvocations::enqueue`: the durable queue, retries, destinations
//! and DLQ), an SQS queue or an SNS topic. A row is removed only after the
//! target accepted it, so a crash in between delivers it again at start-up
//! (at least once). It also ticks EventBridge's schedules (`schedules.rs`).

mod events;
mod logs;
mod outcome;
mod s3;
mod schedules;
mod sns;
mod sns_http;

pub use s3::S3Destinations;

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
    s3: laminar_s3::S3Service,
    /// Failed attempts of http deliveries and when each may be retried.
    http_retries: std::sync::Mutex<std::collections::HashMap<i64, (u32, std::time::Instant)>>,
    events: laminar_events::EventsService,
}

impl Triggers {
    pub fn new(
        invoker: Arc<Invoker>,
        async_queue: Arc<AsyncInvocations>,
        sqs: laminar_sqs::SqsService,
        sns: laminar_sns::SnsService,
        s3: laminar_s3::S3Service,
        events: laminar_events::EventsService,
    ) -> Arc<Self> {
        // S3 checks the destinations of a notification configuration here,
        // where functions, queues and topics are visible.
        s3.set_destination_check(Arc::new(S3Destinations {
            invoker: invoker.clone(),
            sqs: sqs.clone(),
            sns: sns.clone(),
        }));
        Arc::new(Self {
            invoker,
            async_queue,
            sqs,
            sns,
            queue_policies: AtomicBool::new(false),
            s3,
            http_retries: std::sync::Mutex::new(std::collections::HashMap::new()),
            events,
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
        let sns_wake = self.sns.wake();
        let s3_wake = self.s3.wake();
        tokio::spawn(async move {
            loop {
                let Some(room) = weak.upgrade() else {
                    return;
                };
                let sns_busy = room.drain_sns().await;
                let s3_busy = room.drain_s3().await;
                drop(room);
                if !(sns_busy || s3_busy) {
                    let woken = async {
                        tokio::select! {
                            _ = sns_wake.notified() => {},
                            _ = s3_wake.notified() => {},
                        }
                    };
                    let _ = tokio::time::timeout(POLL, woken).await;
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
        let weak = Arc::downgrade(self);
        let wake = self.events.wake();
        tokio::spawn(async move {
            loop {
                let Some(room) = weak.upgrade() else {
                    return;
                };
                let busy = room.drain_events().await;
                drop(room);
                if !busy {
                    let _ = tokio::time::timeout(POLL, wake.notified()).await;
                }
            }
        });
        schedules::start(Arc::downgrade(self));
    }

    fn logs_wake(&self) -> Arc<tokio::sync::Notify> {
        self.invoker.cloudwatch().wake()
    }
}
