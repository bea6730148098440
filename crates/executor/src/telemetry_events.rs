//! The Telemetry API's platform events of an environment, in the shapes of
//! AWS's schema reference: init (`platform.initStart`,
//! `platform.initRuntimeDone`, `platform.initReport`) and each invocation
//! (`platform.start`, the function's lines, `platform.runtimeDone` with its
//! metrics and spans, `platform.report`).

use crate::environment::{error_type_of, Environment, InvokeReport, InvokeResult};
use laminar_runtime_api::{ResponseTiming, Stream};
use serde_json::{json, Value};
use std::time::{Duration, Instant, SystemTime};

/// Milliseconds with microsecond precision, as AWS writes them.
pub(crate) fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

/// The wall-clock time of an instant, as the Telemetry API writes times.
fn time_text(at: Instant) -> String {
    let now = Instant::now();
    let wall = if at <= now {
        SystemTime::now() - now.duration_since(at)
    } else {
        SystemTime::now() + at.duration_since(now)
    };
    chrono::DateTime::<chrono::Utc>::from(wall)
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

fn span(name: &str, from: Instant, to: Instant) -> Value {
    json!({
        "name": name,
        "start": time_text(from),
        "durationMs": ms(to.saturating_duration_since(from)),
    })
}

/// The trace context of an invocation's records. The span id is the
/// platform's own segment, derived from the request id so that the
/// invocation's records agree.
pub(crate) fn trace_context(request_id: &str, trace_id: &str) -> Value {
    let span_id: String = request_id
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(16)
        .collect();
    json!({ "spanId": span_id, "type": "X-Amzn-Trace-Id", "value": trace_id })
}

/// `responseLatency` (handed over → the answer begins), `responseDuration`
/// (the answer's transfer) and, once the runtime asked for its next
/// invocation, `runtimeOverhead` (answer sent → next poll).
pub(crate) fn runtime_spans(timing: &ResponseTiming) -> Vec<Value> {
    let mut spans = Vec::new();
    let (Some(handed), Some(started)) = (timing.handed, timing.response_started) else {
        return spans;
    };
    spans.push(span("responseLatency", handed, started));
    let Some(ended) = timing.response_ended else {
        return spans;
    };
    spans.push(span("responseDuration", started, ended));
    if let Some(polled) = timing.polled_again {
        spans.push(span("runtimeOverhead", ended, polled));
    }
    spans
}

/// The status and error type of an invocation's result: `error` when the
/// runtime reported the function's error.
fn result_status(result: &InvokeResult) -> (&'static str, Option<String>) {
    match result {
        InvokeResult::Response(_) => ("success", None),
        InvokeResult::Error(body) => ("error", error_type_of(body)),
    }
}

/// A function log line as a telemetry record: with JSON logs, the object the
/// runtime client wrote (a line that is not one stays a string).
fn log_record(line: &str, json_logs: bool) -> Value {
    if json_logs && line.starts_with('{') {
        if let Ok(object @ Value::Object(_)) = serde_json::from_str(line) {
            return object;
        }
    }
    Value::String(line.to_string())
}

impl Environment {
    pub(crate) fn emit_init_start(&self) {
        if !self.api.telemetry_wanted() {
            return;
        }
        let mut record = json!({
            "initializationType": self.meta.initialization_type,
            "phase": "init",
            "functionName": self.meta.function_name,
            "functionVersion": self.meta.version,
        });
        if let Some((version, arn)) = &self.meta.runtime_version {
            record["runtimeVersion"] = json!(version);
            record["runtimeVersionArn"] = json!(arn);
        }
        self.api
            .emit(Stream::Platform, "platform.initStart", record);
    }

    /// `platform.initRuntimeDone` and `platform.initReport`; `error` is the
    /// status and error type of a failed init.
    pub(crate) fn emit_init_done(&self, took: Duration, error: Option<(&str, Option<String>)>) {
        if !self.api.telemetry_wanted() {
            return;
        }
        let (status, error_type) = error.unwrap_or(("success", None));
        let mut done = json!({
            "initializationType": self.meta.initialization_type,
            "phase": "init",
            "status": status,
        });
        if let Some(kind) = &error_type {
            done["errorType"] = json!(kind);
        }
        let mut report = done.clone();
        report["metrics"] = json!({ "durationMs": ms(took) });
        self.api
            .emit(Stream::Platform, "platform.initRuntimeDone", done);
        self.api
            .emit(Stream::Platform, "platform.initReport", report);
    }

    pub(crate) fn emit_start(&self, request_id: &str, trace_id: &str) {
        let mut record = json!({
            "requestId": request_id,
            "version": self.meta.version,
            "tracing": trace_context(request_id, trace_id),
        });
        if let Some(tenant) = &self.tenant_id {
            record["tenantId"] = json!(tenant);
        }
        self.api.emit(Stream::Platform, "platform.start", record);
    }

    /// The function's output lines, then `platform.runtimeDone`.
    pub(crate) fn emit_runtime_done(
        &self,
        request_id: &str,
        trace_id: &str,
        result: &InvokeResult,
        took: Duration,
    ) {
        for line in String::from_utf8_lossy(self.held_output()).lines() {
            self.api.emit(
                Stream::Function,
                "function",
                log_record(line, self.meta.json_logs),
            );
        }
        let (status, error_type) = result_status(result);
        let produced = match result {
            InvokeResult::Response(body) | InvokeResult::Error(body) => body.len(),
        };
        let mut record = json!({
            "requestId": request_id,
            "status": status,
            "metrics": { "durationMs": ms(took), "producedBytes": produced },
            "spans": runtime_spans(&self.api.response_timing()),
            "tracing": trace_context(request_id, trace_id),
        });
        if let Some(kind) = error_type {
            record["errorType"] = Value::String(kind);
        }
        self.api
            .emit(Stream::Platform, "platform.runtimeDone", record);
    }

    /// `platform.report`; `status` is `success`, `error`, `failure` or
    /// `timeout`.
    pub(crate) fn emit_report(
        &self,
        request_id: &str,
        trace_id: Option<&str>,
        report: &InvokeReport,
        status: &str,
    ) {
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
        let mut record = json!({ "requestId": request_id, "status": status, "metrics": metrics });
        if let Some(tenant) = &self.tenant_id {
            record["tenantId"] = json!(tenant);
        }
        if let Some(trace_id) = trace_id {
            record["tracing"] = trace_context(request_id, trace_id);
        }
        if status != "success" {
            let body = match &report.result {
                InvokeResult::Response(body) | InvokeResult::Error(body) => body,
            };
            if let Some(kind) = error_type_of(body) {
                record["errorType"] = Value::String(kind);
            }
        }
        self.api.emit(Stream::Platform, "platform.report", record);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_follow_the_marks_the_runtime_reached() {
        let t0 = Instant::now();
        let at = |ms: u64| Some(t0 + Duration::from_millis(ms));
        let mut timing = ResponseTiming {
            handed: at(0),
            response_started: at(5),
            response_ended: at(7),
            polled_again: None,
        };
        let names = |t: &ResponseTiming| {
            runtime_spans(t)
                .iter()
                .map(|s| s["name"].as_str().unwrap_or_default().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&timing), ["responseLatency", "responseDuration"]);
        timing.polled_again = at(10);
        let spans = runtime_spans(&timing);
        assert_eq!(spans[0]["durationMs"], json!(5.0));
        assert_eq!(spans[1]["durationMs"], json!(2.0));
        assert_eq!(spans[2]["name"], "runtimeOverhead");
        assert_eq!(spans[2]["durationMs"], json!(3.0));
        assert!(runtime_spans(&ResponseTiming::default()).is_empty());
    }

    #[test]
    fn the_trace_context_carries_a_span_id_of_sixteen_hex_digits() {
        let ctx = trace_context("6d68ca91-49c9-448d-89b8-7ca3e6dc66aa", "Root=1-x");
        assert_eq!(ctx["spanId"], "6d68ca9149c9448d");
        assert_eq!(ctx["type"], "X-Amzn-Trace-Id");
    }
}
