//! Function logs: each invocation's output framed by START / END / REPORT,
//! kept per function for the Logs API, and the tail for `LogType=Tail`.

use laminar_store::FunctionKey;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Lines kept per function; older ones are dropped.
const LINES_PER_FUNCTION: usize = 10_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    pub timestamp_ms: i64,
    pub log_stream: String,
    pub message: String,
}

#[derive(Default)]
pub(crate) struct FunctionLogs {
    by_function: Mutex<HashMap<FunctionKey, VecDeque<LogLine>>>,
}

impl FunctionLogs {
    pub(crate) fn append(
        &self,
        function: &FunctionKey,
        log_stream: &str,
        timestamp_ms: i64,
        text: &str,
    ) {
        let mut all = self.by_function.lock().unwrap_or_else(|e| e.into_inner());
        let lines = all.entry(function.clone()).or_default();
        for line in text.lines() {
            if lines.len() == LINES_PER_FUNCTION {
                lines.pop_front();
            }
            lines.push_back(LogLine {
                timestamp_ms,
                log_stream: log_stream.to_string(),
                message: line.to_string(),
            });
        }
    }

    pub(crate) fn lines(&self, function: &FunctionKey) -> Vec<LogLine> {
        let all = self.by_function.lock().unwrap_or_else(|e| e.into_inner());
        all.get(function)
            .map(|l| l.iter().cloned().collect())
            .unwrap_or_default()
    }

    pub(crate) fn forget(&self, function: &FunctionKey) {
        let mut all = self.by_function.lock().unwrap_or_else(|e| e.into_inner());
        all.remove(function);
    }
}

/// The last `max` bytes of `text`, cut at a character boundary.
pub(crate) fn tail(text: &str, max: usize) -> &str {
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
}
