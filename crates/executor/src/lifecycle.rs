//! The parts of an environment's lifecycle that extensions see: the
//! telemetry events of init and of each invocation, and the shutdown phase
//! (SHUTDOWN to the extensions registered for it, at most 2 s, then the
//! processes are stopped).

use crate::environment::{epoch_ms, Environment, InvokeReport, InvokeResult};
use crate::meta::ShutdownReason;
use laminar_runtime_api::{Invocation, Stream};
use serde_json::{json, Value};
use std::time::Duration;

/// How long extensions get to finish after SHUTDOWN.
const SHUTDOWN_LIMIT: Duration = Duration::from_secs(2);

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

fn tracing(invocation: &Invocation) -> Value {
    json!({ "type": "X-Amzn-Trace-Id", "value": invocation.trace_id })
}

impl Environment {
    pub(crate) fn emit_init_start(&self) {
        if !self.api.telemetry_wanted() {
            return;
        }
        self.api.emit(
            Stream::Platform,
            "platform.initStart",
            json!({
                "initializationType": "on-demand",
                "phase": "init",
                "functionName": self.meta.function_name,
                "functionVersion": self.meta.version,
            }),
        );
    }

    pub(crate) fn emit_init_done(&self, took: Duration) {
        if !self.api.telemetry_wanted() {
            return;
        }
        self.api.emit(
            Stream::Platform,
            "platform.initRuntimeDone",
            json!({ "initializationType": "on-demand", "phase": "init", "status": "success" }),
        );
        self.api.emit(
            Stream::Platform,
            "platform.initReport",
            json!({
                "initializationType": "on-demand",
                "phase": "init",
                "status": "success",
                "metrics": { "durationMs": ms(took) },
            }),
        );
    }

    pub(crate) fn emit_start(&self, invocation: &Invocation) {
        self.api.emit(
            Stream::Platform,
            "platform.start",
            json!({
                "requestId": invocation.request_id,
                "version": self.meta.version,
                "tracing": tracing(invocation),
            }),
        );
    }

    /// The function's output lines, then `platform.runtimeDone`.
    pub(crate) fn emit_runtime_done(
        &self,
        request_id: &str,
        result: &InvokeResult,
        took: Duration,
    ) {
        for line in String::from_utf8_lossy(self.held_output()).lines() {
            self.api.emit(
                Stream::Function,
                "function",
                Value::String(line.to_string()),
            );
        }
        let (status, produced, error_type) = match result {
            InvokeResult::Response(body) => ("success", body.len(), None),
            InvokeResult::Error(body) => {
                let kind = serde_json::from_slice::<Value>(body).ok().and_then(|v| {
                    v.get("errorType")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                });
                ("failure", body.len(), kind)
            }
        };
        let mut record = json!({
            "requestId": request_id,
            "status": status,
            "metrics": { "durationMs": ms(took), "producedBytes": produced },
        });
        if let Some(kind) = error_type {
            record["errorType"] = Value::String(kind);
        }
        self.api
            .emit(Stream::Platform, "platform.runtimeDone", record);
    }

    pub(crate) fn emit_report(&self, request_id: &str, report: &InvokeReport, status: &str) {
        let duration = ms(report.duration);
        let mut metrics = json!({
            "durationMs": duration,
            "billedDurationMs": duration.ceil().max(1.0) as u64,
            "memorySizeMB": self.meta.memory_mb,
            "maxMemoryUsedMB": report.max_memory_used_mb,
        });
        if let Some(init) = report.init_duration {
            metrics["initDurationMs"] = json!(ms(init));
        }
        self.api.emit(
            Stream::Platform,
            "platform.report",
            json!({ "requestId": request_id, "status": status, "metrics": metrics }),
        );
    }

    /// Stops the environment. With extensions registered, they get their
    /// SHUTDOWN in the background first; without, the processes stop now.
    pub fn shutdown(mut self) {
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            if self.api.has_extensions() || self.last_words.is_some() {
                runtime.spawn(self.stop());
                return;
            }
        }
        self.child.kill();
    }

    /// The shutdown phase: SHUTDOWN (with its reason and a deadline 2 s
    /// away) to the extensions registered for it, until each asked for its
    /// next event again or exited, or the time is up; then every process of
    /// the environment is stopped.
    pub async fn stop(mut self) {
        let reason = self.reset.unwrap_or(ShutdownReason::Spindown);
        let deadline = epoch_ms() + SHUTDOWN_LIMIT.as_millis() as u64;
        if self.api.deliver_shutdown(reason.as_str(), deadline) > 0 {
            // The runtime gets SIGTERM (its graceful shutdown), the
            // extensions their SHUTDOWN.
            self.child.terminate_runtime();
            // The phase lasts until the extensions are done and the runtime
            // has ended (its SIGTERM handler ran), at most the limit.
            let extensions = async {
                tokio::select! {
                    () = self.api.shutdown_extensions_done() => {}
                    () = self.child.extensions_gone() => {}
                }
            };
            let both = futures_util::future::join(extensions, self.child.exited());
            let _ = tokio::time::timeout(SHUTDOWN_LIMIT, both).await;
        }
        // What was printed since the last invocation ended (background
        // work, SIGTERM handlers, extensions' SHUTDOWN) goes to the log too.
        if !self.child.has_exited() {
            self.collect_output().await;
        }
        let output = self.child.take_output();
        self.child.kill();
        if let Some(last_words) = self.last_words.take() {
            if !output.is_empty() {
                last_words(output);
            }
        }
    }
}
