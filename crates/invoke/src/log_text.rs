//! An invocation's log as the service writes it to CloudWatch Logs: framed
//! by `START` / `END` / `REPORT` lines for text logs; with
//! `LoggingConfig.LogFormat=JSON`, by `platform.start` /
//! `platform.runtimeDone` / `platform.report` records, each kept when the
//! function's `SystemLogLevel` lets its level through.

use laminar_executor::InvokeReport;
use laminar_lambda_core::clock;
use laminar_model::config::LoggingConfig;
use serde_json::json;
use std::fmt::Write as _;

/// The log levels of the system's records, least detailed last.
fn level_rank(level: &str) -> u8 {
    match level {
        "TRACE" => 0,
        "DEBUG" => 1,
        "INFO" => 2,
        "WARN" => 3,
        "ERROR" => 4,
        _ => 5,
    }
}

pub(crate) fn log_text(
    request_id: &str,
    tenant_id: Option<&str>,
    version: &str,
    memory_mb: i64,
    logging: &LoggingConfig,
    report: &InvokeReport,
) -> String {
    if logging.log_format == "JSON" {
        let level = logging.system_log_level.as_deref().unwrap_or("INFO");
        return json_log_text(request_id, tenant_id, version, memory_mb, level, report);
    }
    let mut text = String::with_capacity(report.output.len() + 256);
    let _ = writeln!(text, "START RequestId: {request_id} Version: {version}");
    push_output(&mut text, request_id, report);
    let _ = writeln!(text, "END RequestId: {request_id}");
    let duration_ms = ms(report.duration);
    let _ = write!(
        text,
        "REPORT RequestId: {request_id}\tDuration: {duration_ms:.2} ms\tBilled Duration: {} ms\tMemory Size: {memory_mb} MB\tMax Memory Used: {} MB\t",
        billed(duration_ms),
        report.max_memory_used_mb,
    );
    if let Some(init) = report.init_duration {
        let _ = write!(text, "Init Duration: {:.2} ms\t", ms(init));
    }
    text.push('\n');
    text
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn billed(duration_ms: f64) -> u64 {
    duration_ms.ceil().max(1.0) as u64
}

/// What the function printed, then the platform's message when it ended
/// the invocation (timeout, crash).
fn push_output(text: &mut String, request_id: &str, report: &InvokeReport) {
    text.push_str(&String::from_utf8_lossy(&report.output));
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    if let Some(message) = &report.platform_message {
        let _ = writeln!(
            text,
            "{} {request_id} {message}",
            clock::log_timestamp(clock::now())
        );
    }
}

/// The JSON form: `{"time":…,"type":"platform.start","record":{…}}` lines.
/// `platform.start` and `platform.report` are INFO, `platform.runtimeDone`
/// DEBUG.
fn json_log_text(
    request_id: &str,
    tenant_id: Option<&str>,
    version: &str,
    memory_mb: i64,
    system_level: &str,
    report: &InvokeReport,
) -> String {
    let shown = |level: &str| level_rank(level) >= level_rank(system_level);
    let time = clock::log_timestamp(clock::now());
    // Tenant isolation mode: platform.start and platform.report name the tenant.
    let line = |kind: &str, mut record: serde_json::Value| {
        if let Some(tenant) = tenant_id.filter(|_| kind != "platform.runtimeDone") {
            record["tenantId"] = json!(tenant);
        }
        json!({ "time": time, "type": kind, "record": record }).to_string() + "\n"
    };
    let status = match (&report.result, &report.platform_message) {
        (laminar_executor::InvokeResult::Response(_), _) => "success",
        (_, Some(message)) if message.starts_with("Task timed out") => "timeout",
        (_, Some(_)) => "failure",
        (_, None) => "error",
    };
    let mut text = String::with_capacity(report.output.len() + 512);
    if shown("INFO") {
        text.push_str(&line(
            "platform.start",
            json!({ "requestId": request_id, "version": version }),
        ));
    }
    push_output(&mut text, request_id, report);
    let duration_ms = (ms(report.duration) * 1000.0).round() / 1000.0;
    if shown("DEBUG") {
        text.push_str(&line(
            "platform.runtimeDone",
            json!({ "requestId": request_id, "status": status }),
        ));
    }
    if shown("INFO") {
        let mut metrics = json!({
            "durationMs": duration_ms,
            "billedDurationMs": billed(duration_ms),
            "memorySizeMB": memory_mb,
            "maxMemoryUsedMB": report.max_memory_used_mb,
        });
        if let Some(init) = report.init_duration {
            metrics["initDurationMs"] = json!((ms(init) * 1000.0).round() / 1000.0);
        }
        text.push_str(&line(
            "platform.report",
            json!({ "requestId": request_id, "metrics": metrics, "status": status }),
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use laminar_executor::InvokeResult;
    use std::time::Duration;

    fn report() -> InvokeReport {
        InvokeReport {
            result: InvokeResult::Response(bytes::Bytes::from_static(b"{}")),
            output: b"{\"level\":\"INFO\",\"message\":\"hi\"}\n".to_vec(),
            platform_message: None,
            duration: Duration::from_micros(2_130),
            init_duration: Some(Duration::from_micros(205_370)),
            max_memory_used_mb: 68,
            reusable: true,
        }
    }

    fn logging(format: &str, system: Option<&str>) -> LoggingConfig {
        LoggingConfig {
            log_format: format.into(),
            application_log_level: None,
            system_log_level: system.map(str::to_string),
            log_group: "/aws/lambda/f".into(),
        }
    }

    fn types(text: &str) -> Vec<String> {
        text.lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .map(|v| v["type"].as_str().unwrap_or("log").to_string())
            .collect()
    }

    #[test]
    fn json_logs_frame_the_output_with_platform_records_by_level() {
        let info = log_text(
            "r1",
            None,
            "$LATEST",
            128,
            &logging("JSON", Some("INFO")),
            &report(),
        );
        assert_eq!(types(&info), ["platform.start", "log", "platform.report"]);
        let last: serde_json::Value = serde_json::from_str(info.lines().last().unwrap()).unwrap();
        assert_eq!(
            last["record"],
            json!({
                "requestId": "r1",
                "metrics": {
                    "durationMs": 2.13, "billedDurationMs": 3, "memorySizeMB": 128,
                    "maxMemoryUsedMB": 68, "initDurationMs": 205.37,
                },
                "status": "success",
            })
        );
        let debug = log_text(
            "r1",
            None,
            "$LATEST",
            128,
            &logging("JSON", Some("DEBUG")),
            &report(),
        );
        assert_eq!(
            types(&debug),
            [
                "platform.start",
                "log",
                "platform.runtimeDone",
                "platform.report"
            ]
        );
        let warn = log_text(
            "r1",
            None,
            "$LATEST",
            128,
            &logging("JSON", Some("WARN")),
            &report(),
        );
        assert_eq!(types(&warn), ["log"]);
    }

    #[test]
    fn text_logs_keep_start_end_report() {
        let text = log_text(
            "r1",
            None,
            "$LATEST",
            128,
            &logging("Text", None),
            &report(),
        );
        assert!(text.starts_with("START RequestId: r1 Version: $LATEST\n"));
        assert!(text.contains("\nEND RequestId: r1\nREPORT RequestId: r1\tDuration: 2.13 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\tMax Memory Used: 68 MB\tInit Duration: 205.37 ms\t\n"));
    }
}
