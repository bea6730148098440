//! `Triggers`: the room that drains the companions' outboxes of pushed
//! events (SNS deliveries, EventBridge rule targets) and hands each to its
//! target — a function as an asynchronous invoke
//! (`AsyncInvocations::enqueue`: the durable queue, retries, destinations
//! and DLQ), an SQS queue or an SNS topic. A row is removed only after the
//! target accepted it, so a crash in between delivers it again at start-up
//! (at least once). It also ticks EventBridge's schedules (`schedules.rs`).

mod events;
mod outcome;
mod schedules;
mod sns;

use laminar_async_invoke::AsyncInvocations;
use laminar_invoke::Invoker;
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
    events: laminar_events::EventsService,
}

impl Triggers {
    pub fn new(
        invoker: Arc<Invoker>,
        async_queue: Arc<AsyncInvocations>,
        sqs: laminar_sqs::SqsService,
        sns: laminar_sns::SnsService,
        events: laminar_events::EventsService,
    ) -> Arc<Self> {
        Arc::new(Self {
            invoker,
            async_queue,
            sqs,
            sns,
            events,
        })
    }

    /// Drains the outboxes for as long as the room lives.
    pub fn start(self: &Arc<Self>) {
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
}
