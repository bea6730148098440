//! Tumbling windows of a stream mapping (`TumblingWindowInSeconds`):
//! windows aligned to multiples of the window length by record arrival;
//! the function's returned `state` is carried to the next batch of the
//! window, and a last invocation with `isFinalInvokeForWindow` closes it.

use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tumbling {
    pub start_ms: i64,
    pub end_ms: i64,
    pub state: Value,
}

impl Tumbling {
    /// The window a record that arrived at `arrival_ms` falls in.
    pub fn of(arrival_ms: i64, seconds: i64) -> Self {
        let length = seconds.max(1) * 1000;
        let start_ms = arrival_ms - arrival_ms.rem_euclid(length);
        Self {
            start_ms,
            end_ms: start_ms + length,
            state: json!({}),
        }
    }

    /// The invocation's event: the records and the window around them.
    pub fn event(
        &self,
        records: Vec<Value>,
        shard_id: &str,
        stream_arn: &str,
        last: bool,
    ) -> Value {
        json!({
            "Records": records,
            "window": { "start": iso(self.start_ms), "end": iso(self.end_ms) },
            "state": self.state,
            "shardId": shard_id,
            "eventSourceARN": stream_arn,
            "isFinalInvokeForWindow": last,
            "isWindowTerminatedEarly": false,
        })
    }
}

/// The state a function returned (`{"state": {...}}`), if any.
pub(crate) fn returned_state(body: &[u8]) -> Option<Value> {
    let answer: Value = serde_json::from_slice(body).ok()?;
    answer.get("state").filter(|s| s.is_object()).cloned()
}

/// `2019-11-14T00:38:06.021Z`.
pub(crate) fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_align_to_their_length() {
        let w = Tumbling::of(1_700_000_012_345, 30);
        assert_eq!(
            (w.start_ms, w.end_ms),
            (1_700_000_010_000, 1_700_000_040_000)
        );
        assert_eq!(iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            returned_state(b"{\"state\": {\"sum\": 3}}"),
            Some(json!({"sum": 3}))
        );
        assert_eq!(returned_state(b"null"), None);
    }
}
