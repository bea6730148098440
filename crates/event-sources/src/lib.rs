//! Event source mappings at work: pollers that read a source, drop what
//! the mapping's filters reject (`filter`), and invoke the function through
//! the [`laminar_invoke::Invoker`] (`sqs`: the SQS poller; `stream`: the
//! stream engine with its durable per-shard checkpoints, over a
//! `source::ShardSource` — `kinesis` or `dynamodb`). The mappings' API
//! (create, update, list, delete) stays with the control plane, which
//! starts and stops them here.
//!
//! A new source of shards is one more `ShardSource`; another kind of source
//! is one more poller module against the `Invoker`, started from
//! [`EventSources::start`].

mod backlog;
mod dynamodb;
pub use laminar_event_pattern as filter;
mod kinesis;
mod mapping;
mod on_failure;
mod source;
mod sqs;
mod stream;
mod window;

pub use backlog::StreamBacklog;
pub use mapping::{filters_of, kind_of, Mapping, SourceKind};

use laminar_invoke::Invoker;
use laminar_model::arn::Scope;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The companions whose sources the pollers read (and OnFailure reaches).
pub struct Companions {
    pub sqs: laminar_sqs::SqsService,
    pub kinesis: laminar_kinesis::KinesisService,
    pub dynamodb: laminar_dynamodb::DynamoService,
    pub s3: laminar_s3::S3Service,
    pub sns: laminar_sns::SnsService,
}

/// The pollers of every mapping and their last outcomes.
pub struct EventSources {
    invoker: Arc<Invoker>,
    sqs: laminar_sqs::SqsService,
    kinesis: laminar_kinesis::KinesisService,
    dynamodb: laminar_dynamodb::DynamoService,
    s3: laminar_s3::S3Service,
    sns: laminar_sns::SnsService,
    pollers: sqs::Pollers,
    streams: stream::StreamPollers,
    results: ProcessingResults,
}

impl EventSources {
    /// Sends a mapping's failure record to its OnFailure destination: an
    /// SNS topic (published as the topic's account) or an SQS queue.
    pub(crate) async fn send_on_failure(
        &self,
        destination: &str,
        body: String,
    ) -> Result<(), String> {
        if destination.starts_with("arn:aws:sns:") {
            let sns = self.sns.clone();
            let topic = destination.to_string();
            return laminar_lambda_core::blocking::off_worker(move || {
                sns.publish_to_arn(&topic, body)
                    .map(|_| ())
                    .map_err(|e| laminar_model::ApiError::service(e.to_string()))
            })
            .await
            .map_err(|e| e.to_string());
        }
        let message = laminar_sqs::OutgoingMessage {
            body,
            ..Default::default()
        };
        self.sqs
            .send_to_arn(destination, message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    pub fn new(invoker: Arc<Invoker>, companions: Companions) -> Arc<Self> {
        let Companions {
            sqs,
            kinesis,
            dynamodb,
            s3,
            sns,
        } = companions;
        Arc::new(Self {
            invoker,
            sqs,
            kinesis,
            dynamodb,
            s3,
            sns,
            pollers: Default::default(),
            streams: Default::default(),
            results: Default::default(),
        })
    }

    /// (Re)starts the pollers of a mapping as its configuration says.
    pub fn start(self: &Arc<Self>, scope: &Scope, mapping: &Mapping) {
        self.pollers.stop(&mapping.uuid);
        self.streams.stop(&mapping.uuid);
        if !mapping.enabled {
            return;
        }
        let source = mapping.event_source_arn.as_deref();
        match kind_of(source) {
            SourceKind::Sqs => self.pollers.start(self, scope.clone(), mapping.clone()),
            SourceKind::Stream if source.is_some_and(|a| a.contains(":kinesis:")) => {
                let shards = Arc::new(kinesis::KinesisSource(self.kinesis.clone()));
                self.streams
                    .start(self, scope.clone(), mapping.clone(), shards)
            }
            SourceKind::Stream if source.is_some_and(|a| a.contains(":dynamodb:")) => {
                let shards = Arc::new(dynamodb::DynamoSource(self.dynamodb.clone()));
                self.streams
                    .start(self, scope.clone(), mapping.clone(), shards)
            }
            _ => {}
        }
    }

    /// Stops a mapping's pollers (a batch under way finishes).
    pub fn stop(&self, uuid: &str) {
        self.pollers.stop(uuid);
        self.streams.stop(uuid);
    }

    /// Forgets what a deleted mapping kept (its stream checkpoints).
    pub fn forget(&self, uuid: &str) {
        self.stop(uuid);
        if let Err(e) = self.kinesis.forget_reader(uuid) {
            tracing::warn!(uuid, error = %e, "a deleted mapping's checkpoints could not be removed");
        }
        if let Err(e) = self.dynamodb.forget_stream_reader(uuid) {
            tracing::warn!(uuid, error = %e, "a deleted mapping's checkpoints could not be removed");
        }
    }

    /// How far a Kinesis or DynamoDB stream mapping is behind its stream;
    /// `None` for other sources or a stream that cannot be read.
    pub fn stream_backlog(&self, uuid: &str, source_arn: &str) -> Option<StreamBacklog> {
        // A mapping on an enhanced fan-out consumer reads the consumer's stream.
        let stream_arn = source_arn.split("/consumer/").next().unwrap_or(source_arn);
        let measured = if source_arn.starts_with("arn:aws:kinesis:") {
            backlog::measure(
                &kinesis::KinesisSource(self.kinesis.clone()),
                uuid,
                stream_arn,
            )
        } else if source_arn.starts_with("arn:aws:dynamodb:") {
            backlog::measure(
                &dynamodb::DynamoSource(self.dynamodb.clone()),
                uuid,
                stream_arn,
            )
        } else {
            return None;
        };
        measured
            .map_err(|e| tracing::debug!(uuid, error = %e, "the backlog cannot be measured"))
            .ok()
    }

    /// `LastProcessingResult` of a mapping.
    pub fn last_result(&self, uuid: &str) -> &'static str {
        self.results.get(uuid)
    }
}

/// The last batch's outcome per mapping, kept in memory only.
#[derive(Default)]
pub(crate) struct ProcessingResults(Mutex<HashMap<String, &'static str>>);

impl ProcessingResults {
    pub(crate) fn set(&self, uuid: &str, result: &'static str) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.insert(uuid.to_string(), result);
    }

    pub(crate) fn get(&self, uuid: &str) -> &'static str {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(uuid).copied().unwrap_or("No records processed")
    }
}
