//! `Triggers`: the room that drains the companions' outboxes of pushed
//! events (SNS deliveries, S3 event notifications) and hands each to its
//! target — a function as an asynchronous invoke
//! (`AsyncInvocations::enqueue`: the durable queue, retries, destinations
//! and DLQ), an SQS queue, or (S3) an SNS topic. A row is removed only
//! after the target accepted it, so a crash in between delivers it again
//! at start-up (at least once).

mod s3;
mod sns;
mod sns_http;

pub use s3::S3Destinations;

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
    s3: laminar_s3::S3Service,
    /// Failed attempts of http deliveries and when each may be retried.
    http_retries: std::sync::Mutex<std::collections::HashMap<i64, (u32, std::time::Instant)>>,
}

impl Triggers {
    pub fn new(
        invoker: Arc<Invoker>,
        async_queue: Arc<AsyncInvocations>,
        sqs: laminar_sqs::SqsService,
        sns: laminar_sns::SnsService,
        s3: laminar_s3::S3Service,
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
            s3,
            http_retries: std::sync::Mutex::new(std::collections::HashMap::new()),
        })
    }

    /// Drains the outboxes for as long as the room lives.
    pub fn start(self: &Arc<Self>) {
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
    }
}
