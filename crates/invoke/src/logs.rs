//! Function logs: each invocation's output framed by START / END / REPORT,
//! written to CloudWatch Logs (`/aws/lambda/<name>` or the function's
//! LoggingConfig.LogGroup, in the environment's stream), and the tail for
//! `LogType=Tail`. CloudWatch Logs is where they are kept (bounded by its
//! retention); laminar holds no other copy in memory.
//!
//! The write to CloudWatch Logs leaves the invoke path: it is queued for the
//! Logs service's background writer, which commits batches. Lines in the
//! embedded metric format become metrics, as CloudWatch Logs makes them.

use laminar_cloudwatch::{CloudWatchService, Scope};
use laminar_logs::{LogEvent, LogsService};
use laminar_store::FunctionKey;

/// CloudWatch Logs' largest event: 256 KB, less the 26 bytes it counts for
/// each event's overhead. A longer line is cut to it.
pub const MAX_EVENT_BYTES: usize = 256 * 1024 - 26;

pub struct FunctionLogs {
    cloudwatch: LogsService,
    metrics: CloudWatchService,
}

impl FunctionLogs {
    pub fn new(cloudwatch: LogsService, metrics: CloudWatchService) -> Self {
        Self {
            cloudwatch,
            metrics,
        }
    }

    pub fn cloudwatch(&self) -> &LogsService {
        &self.cloudwatch
    }

    /// Records an invocation's log text, one event per line.
    pub fn append(
        &self,
        function: &FunctionKey,
        log_group: &str,
        log_stream: &str,
        timestamp_ms: i64,
        text: &str,
    ) {
        let events: Vec<LogEvent> = text
            .lines()
            .map(|line| LogEvent {
                timestamp_ms,
                message: head(line, MAX_EVENT_BYTES).to_string(),
            })
            .collect();
        let scope = Scope::new(&function.account, &function.region);
        for line in text.lines().filter(|l| l.contains("\"_aws\"")) {
            self.metrics.record_log_line(&scope, line, timestamp_ms);
        }
        // Never blocks: a full queue drops (and counts) the lines.
        self.cloudwatch.append_later(
            &function.account,
            &function.region,
            log_group,
            log_stream,
            events,
        );
    }
}

/// The first `max` bytes of `text`, cut at a character boundary.
fn head(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The last `max` bytes of `text`, cut at a character boundary.
pub fn tail(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_respects_char_boundaries() {
        assert_eq!(tail("abc", 10), "abc");
        assert_eq!(tail("abcdef", 3), "def");
        assert_eq!(tail("aé", 1), "");
    }

    #[test]
    fn head_respects_char_boundaries() {
        assert_eq!(head("abc", 10), "abc");
        assert_eq!(head("abcdef", 3), "abc");
        assert_eq!(head("éa", 1), "");
    }
}
