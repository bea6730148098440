//! One invocation: as the invoke path hands it over ([`Entry`], raw) and as
//! it is kept and shown ([`Invocation`], clipped).

use bytes::Bytes;
use serde::Serialize;

/// How much of an event or a response is kept.
pub(crate) const BODY_MAX: usize = 8 * 1024;
/// How much of the log text is kept (its end: REPORT is there).
pub const LOGS_MAX: usize = 16 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Status {
    Success,
    /// The function answered with an error (`X-Amz-Function-Error`).
    Error,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Success => "Success",
            Self::Error => "Error",
        }
    }

    pub(crate) fn parse(text: &str) -> Self {
        if text == "Error" {
            Self::Error
        } else {
            Self::Success
        }
    }
}

/// An invocation as it ended, handed over on the invoke path: the bodies
/// are shared buffers, clipped later by the writer.
#[derive(Debug, Clone)]
pub struct Entry {
    pub time_ms: i64,
    pub request_id: String,
    pub account: String,
    pub region: String,
    pub function: String,
    /// The qualifier the caller named, if any.
    pub qualifier: Option<String>,
    /// The version that ran.
    pub version: String,
    /// Set on a cold start.
    pub init_duration_ms: Option<f64>,
    pub duration_ms: f64,
    pub memory_mb: i64,
    pub max_memory_used_mb: u64,
    pub status: Status,
    pub event: Bytes,
    pub response: Bytes,
    /// START … REPORT, as written to the log stream.
    pub logs: String,
    pub log_group: String,
    pub log_stream: String,
}

/// A recorded invocation. The bodies are present in a detail (and in the
/// live stream), absent in listings.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Invocation {
    pub id: i64,
    pub time_ms: i64,
    pub request_id: String,
    pub account: String,
    pub region: String,
    pub function: String,
    pub qualifier: Option<String>,
    pub version: String,
    pub cold: bool,
    pub init_duration_ms: Option<f64>,
    pub duration_ms: f64,
    pub billed_duration_ms: i64,
    pub memory_mb: i64,
    pub max_memory_used_mb: i64,
    pub status: Status,
    pub error_type: Option<String>,
    pub log_group: String,
    pub log_stream: String,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub bodies: Option<Bodies>,
}

/// What an invocation carried, clipped.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Bodies {
    /// The event's first bytes (at most 8 KiB) and its whole size.
    pub event: String,
    pub event_size: i64,
    pub response: String,
    pub response_size: i64,
    /// The log text's last 16 KiB.
    pub logs: String,
}

/// The first `max` bytes of `bytes` as text, cut at a character boundary.
pub(crate) fn head(bytes: &[u8], max: usize) -> String {
    let cut = &bytes[..bytes.len().min(max)];
    match std::str::from_utf8(cut) {
        Ok(text) => text.to_string(),
        Err(e) if e.error_len().is_none() => {
            String::from_utf8_lossy(&cut[..e.valid_up_to()]).into_owned()
        }
        Err(_) => String::from_utf8_lossy(cut).into_owned(),
    }
}

/// The last `max` bytes of `text`, cut at a character boundary.
pub(crate) fn tail(text: &str, max: usize) -> &str {
    let mut start = text.len().saturating_sub(max);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// Lambda's error document names its type.
pub(crate) fn error_type(response: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Document {
        #[serde(rename = "errorType")]
        error_type: Option<String>,
    }
    serde_json::from_slice::<Document>(response)
        .ok()
        .and_then(|d| d.error_type)
}

/// Billed duration: whole milliseconds, at least one.
pub(crate) fn billed(duration_ms: f64) -> i64 {
    duration_ms.ceil().max(1.0) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_keeps_whole_characters() {
        assert_eq!(head("aé".as_bytes(), 2), "a");
        assert_eq!(head(b"abc", 10), "abc");
        assert_eq!(tail("aé", 1), "");
        assert_eq!(tail("abcdef", 3), "def");
    }

    #[test]
    fn error_type_comes_from_the_error_document() {
        let body = br#"{"errorType":"ValueError","errorMessage":"no"}"#;
        assert_eq!(error_type(body).as_deref(), Some("ValueError"));
        assert_eq!(error_type(b"not json"), None);
        assert_eq!(billed(0.2), 1);
        assert_eq!(billed(10.01), 11);
    }
}
