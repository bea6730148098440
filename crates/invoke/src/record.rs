//! Each run handed to the invocation history: a push on a list; clipping
//! and the commit happen on the history's writer thread.

use crate::request::Prepared;
use crate::Invoker;
use bytes::Bytes;
use laminar_executor::{InvokeReport, InvokeResult};
use laminar_history::{Entry, Status};
use laminar_store::FunctionKey;
use std::time::Duration;

/// Which run.
pub(crate) struct Ran<'a> {
    pub function: &'a FunctionKey,
    pub prepared: &'a Prepared,
    pub request_id: &'a str,
    pub started_ms: i64,
}

/// How it ended.
pub(crate) struct Outcome {
    pub status: Status,
    pub response: Bytes,
    pub duration: Duration,
    pub init_duration: Option<Duration>,
    pub max_memory_used_mb: u64,
}

impl Outcome {
    pub(crate) fn of(report: &InvokeReport) -> Self {
        let (status, response) = match &report.result {
            InvokeResult::Response(body) => (Status::Success, body.clone()),
            InvokeResult::Error(body) => (Status::Error, body.clone()),
        };
        Self {
            status,
            response,
            duration: report.duration,
            init_duration: report.init_duration,
            max_memory_used_mb: report.max_memory_used_mb,
        }
    }
}

impl Invoker {
    /// `log`: the log stream written to and the log text.
    pub(crate) fn record(&self, ran: &Ran<'_>, log: (&str, &str), outcome: Outcome) {
        let (log_stream, log_text) = log;
        let config = ran.prepared.resolved.config();
        self.history.record(Entry {
            time_ms: ran.started_ms,
            request_id: ran.request_id.to_string(),
            account: ran.function.account.clone(),
            region: ran.function.region.clone(),
            function: ran.function.name.clone(),
            qualifier: ran.prepared.qualifier.clone(),
            version: config.version.clone(),
            init_duration_ms: outcome.init_duration.map(|d| d.as_secs_f64() * 1000.0),
            duration_ms: outcome.duration.as_secs_f64() * 1000.0,
            memory_mb: config.memory_size,
            max_memory_used_mb: outcome.max_memory_used_mb,
            status: outcome.status,
            event: ran.prepared.payload.clone(),
            response: outcome.response,
            // Only the end is kept: copy no more than that here.
            logs: crate::logs::tail(log_text, laminar_history::LOGS_MAX).to_string(),
            log_group: config.logging_config.log_group.clone(),
            log_stream: log_stream.to_string(),
        });
    }
}
