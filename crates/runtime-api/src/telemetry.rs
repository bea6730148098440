//! The Telemetry API (2022-07-01) of one environment: extensions subscribe
//! to the `platform`, `function` and `extension` streams; each subscription
//! buffers its events (`maxItems`, `maxBytes`, `timeoutMs`) and POSTs them as
//! a JSON array to the extension's HTTP listener.
//!
//! Nothing is built or sent while nobody subscribed, except during init:
//! AWS hands a subscriber the init events it missed, so they are kept until
//! init ends.

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// Events kept for late subscribers during init, at most.
const BACKLOG_LIMIT: usize = 1_000;
/// Events queued for one subscriber before newer ones are dropped.
const QUEUE_LIMIT: usize = 10_000;

const POST_TIMEOUT: Duration = Duration::from_secs(5);

/// The streams a subscription can ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Platform,
    Function,
    Extension,
}

impl Stream {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "platform" => Some(Self::Platform),
            "function" => Some(Self::Function),
            "extension" => Some(Self::Extension),
            _ => None,
        }
    }
}

#[derive(Clone)]
struct Event {
    stream: Stream,
    json: Bytes,
}

struct Subscription {
    extension: String,
    streams: Vec<Stream>,
    queue: mpsc::Sender<Bytes>,
    /// What did not fit in the queue since the subscriber last heard of it.
    dropped: Arc<Dropped>,
}

/// Events a subscriber lost because it fell behind: told to it as
/// `platform.logsDropped` once its queue has room again.
#[derive(Default)]
struct Dropped {
    records: AtomicU64,
    bytes: AtomicU64,
}

impl Dropped {
    fn count(&self, event: &Bytes) {
        self.records.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(event.len() as u64, Ordering::Relaxed);
    }

    /// The `platform.logsDropped` event for what was lost, if anything was.
    fn take_event(&self) -> Option<Bytes> {
        let records = self.records.swap(0, Ordering::Relaxed);
        if records == 0 {
            return None;
        }
        let bytes = self.bytes.swap(0, Ordering::Relaxed);
        let json = json!({
            "time": now_text(),
            "type": "platform.logsDropped",
            "record": {
                "reason": DROPPED_REASON,
                "droppedRecords": records,
                "droppedBytes": bytes,
            },
        });
        Some(Bytes::from(json.to_string()))
    }
}

/// Why events were dropped, in AWS's words.
const DROPPED_REASON: &str =
    "Consumer seems to have fallen behind as it has not acknowledged receipt of logs.";

#[derive(Default)]
struct Inner {
    subscriptions: Vec<Subscription>,
    backlog: Vec<Event>,
    init_over: bool,
}

pub(crate) struct Telemetry {
    /// Someone subscribed, or init is still on: events are worth building.
    wanted: AtomicBool,
    inner: Mutex<Inner>,
    /// Where `sandbox` / `sandbox.localdomain` in a destination points.
    sandbox: watch::Receiver<Option<IpAddr>>,
}

/// A refused subscription: status, error type, message.
pub(crate) type Refusal = (u16, &'static str, String);

/// Buffering of one subscription, with AWS's defaults and ranges.
#[derive(Clone, Copy, Debug)]
struct Buffering {
    max_items: usize,
    max_bytes: usize,
    timeout: Duration,
}

fn now_text() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

impl Telemetry {
    pub(crate) fn new(sandbox: watch::Receiver<Option<IpAddr>>) -> Self {
        Self {
            wanted: AtomicBool::new(true),
            inner: Mutex::new(Inner::default()),
            sandbox,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether an event would go anywhere (cheap; check before building one).
    pub(crate) fn wanted(&self) -> bool {
        self.wanted.load(Ordering::Acquire)
    }

    /// Init is over: late subscribers no longer get its events.
    pub(crate) fn end_init(&self) {
        let mut inner = self.lock();
        inner.init_over = true;
        inner.backlog = Vec::new();
        self.wanted
            .store(!inner.subscriptions.is_empty(), Ordering::Release);
    }

    /// Sends one event (`type` and `record`) to the subscribers of its stream.
    pub(crate) fn emit(&self, stream: Stream, kind: &str, record: Value) {
        if !self.wanted() {
            return;
        }
        let json = json!({ "time": now_text(), "type": kind, "record": record });
        let event = Event {
            stream,
            json: Bytes::from(json.to_string()),
        };
        let mut inner = self.lock();
        for sub in inner
            .subscriptions
            .iter()
            .filter(|s| s.streams.contains(&stream))
        {
            // A subscriber that falls this far behind loses events.
            if sub.queue.try_send(event.json.clone()).is_err() {
                sub.dropped.count(&event.json);
            }
        }
        if !inner.init_over && inner.backlog.len() < BACKLOG_LIMIT {
            inner.backlog.push(event);
        }
    }

    /// `PUT /2022-07-01/telemetry` from `extension`.
    pub(crate) fn subscribe(&self, extension: &str, body: &[u8]) -> Result<Vec<String>, Refusal> {
        let request: Value = serde_json::from_slice(body).map_err(|e| {
            (
                400,
                "ValidationError",
                format!("The request body is not valid JSON: {e}"),
            )
        })?;
        let types: Vec<String> = request
            .get("types")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let mut streams = Vec::new();
        for t in &types {
            match Stream::parse(t) {
                Some(s) if !streams.contains(&s) => streams.push(s),
                Some(_) => {}
                None => {
                    return Err((
                        400,
                        "ValidationError",
                        format!("Invalid telemetry type: {t}"),
                    ))
                }
            }
        }
        let destination = request.get("destination").cloned().unwrap_or(Value::Null);
        let protocol = destination.get("protocol").and_then(Value::as_str);
        let uri = destination.get("URI").and_then(Value::as_str);
        let (Some(protocol), Some(uri)) = (protocol, uri) else {
            return Err((
                400,
                "ValidationError",
                "destination.protocol and destination.URI are required".into(),
            ));
        };
        if protocol != "HTTP" {
            return Err((
                400,
                "ValidationError",
                format!("laminar delivers telemetry over HTTP only, not {protocol}"),
            ));
        }
        let target = self.target(uri)?;
        let buffering = buffering(request.get("buffering"))?;

        let (queue, rx) = mpsc::channel(QUEUE_LIMIT);
        let dropped = Arc::new(Dropped::default());
        let mut inner = self.lock();
        inner.subscriptions.retain(|s| s.extension != extension);
        for event in inner.backlog.iter().filter(|e| streams.contains(&e.stream)) {
            let _ = queue.try_send(event.json.clone());
        }
        inner.subscriptions.push(Subscription {
            extension: extension.to_string(),
            streams,
            queue,
            dropped: dropped.clone(),
        });
        self.wanted.store(true, Ordering::Release);
        drop(inner);
        tokio::spawn(deliver(rx, dropped, target, buffering));
        Ok(types)
    }

    /// The destination as laminar reaches it: `sandbox` and
    /// `sandbox.localdomain` are the environment's own host.
    fn target(&self, uri: &str) -> Result<hyper::Uri, Refusal> {
        let invalid = || {
            (
                400,
                "ValidationError",
                format!("Invalid destination URI: {uri}"),
            )
        };
        let parsed: hyper::Uri = uri.parse().map_err(|_| invalid())?;
        if parsed.scheme_str() != Some("http") {
            return Err(invalid());
        }
        let host = parsed.host().ok_or_else(invalid)?;
        if !matches!(host, "sandbox" | "sandbox.localdomain") {
            return Ok(parsed);
        }
        let sandbox = *self.sandbox.borrow();
        let ip = match sandbox.ok_or_else(invalid)? {
            IpAddr::V4(ip) => ip.to_string(),
            IpAddr::V6(ip) => format!("[{ip}]"),
        };
        let port = parsed
            .port_u16()
            .map(|p| format!(":{p}"))
            .unwrap_or_default();
        let path = parsed.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        format!("http://{ip}{port}{path}")
            .parse()
            .map_err(|_| invalid())
    }
}

fn buffering(value: Option<&Value>) -> Result<Buffering, Refusal> {
    let field = |name: &str, default: u64, min: u64, max: u64| -> Result<u64, Refusal> {
        match value.and_then(|b| b.get(name)) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => match v.as_u64() {
                Some(n) if (min..=max).contains(&n) => Ok(n),
                _ => Err((
                    400,
                    "ValidationError",
                    format!("buffering.{name} must be between {min} and {max}"),
                )),
            },
        }
    };
    Ok(Buffering {
        max_items: field("maxItems", 1_000, 1_000, 10_000)? as usize,
        max_bytes: field("maxBytes", 262_144, 262_144, 1_048_576)? as usize,
        timeout: Duration::from_millis(field("timeoutMs", 1_000, 25, 30_000)?),
    })
}

type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// One subscription's delivery loop: gather a batch until it is full or
/// its time is up, POST it, repeat; at the end, send what is left.
async fn deliver(
    mut rx: mpsc::Receiver<Bytes>,
    dropped: Arc<Dropped>,
    target: hyper::Uri,
    buffering: Buffering,
) {
    let client: HttpClient = Client::builder(TokioExecutor::new()).build(HttpConnector::new());
    let mut batch: Vec<Bytes> = Vec::new();
    let mut bytes = 0usize;
    loop {
        // What was lost while the last batch was on its way goes first.
        if let Some(event) = dropped.take_event() {
            bytes += event.len();
            batch.push(event);
        }
        if batch.is_empty() {
            match rx.recv().await {
                Some(event) => {
                    bytes += event.len();
                    batch.push(event);
                }
                None => return,
            }
        }
        let deadline = tokio::time::Instant::now() + buffering.timeout;
        let mut open = true;
        while batch.len() < buffering.max_items && bytes < buffering.max_bytes {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(event)) => {
                    bytes += event.len();
                    batch.push(event);
                }
                Ok(None) => {
                    open = false;
                    break;
                }
                Err(_) => break,
            }
        }
        post(&client, &target, std::mem::take(&mut batch)).await;
        bytes = 0;
        if !open {
            return;
        }
    }
}

async fn post(client: &HttpClient, target: &hyper::Uri, batch: Vec<Bytes>) {
    let mut body =
        Vec::with_capacity(batch.iter().map(Bytes::len).sum::<usize>() + batch.len() + 2);
    body.push(b'[');
    for (i, event) in batch.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(event);
    }
    body.push(b']');
    let request = hyper::Request::post(target.clone())
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)));
    let Ok(request) = request else { return };
    match tokio::time::timeout(POST_TIMEOUT, client.request(request)).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => tracing::debug!(%target, error = %e, "telemetry destination unreachable"),
        Err(_) => tracing::debug!(%target, "telemetry destination did not answer"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffering_defaults_and_ranges() {
        let b = buffering(None).unwrap();
        assert_eq!((b.max_items, b.max_bytes), (1_000, 262_144));
        assert_eq!(b.timeout, Duration::from_millis(1_000));
        let bad = json!({ "timeoutMs": 10 });
        assert_eq!(buffering(Some(&bad)).unwrap_err().1, "ValidationError");
    }

    #[test]
    fn dropped_events_are_told_once_with_their_count_and_size() {
        let dropped = Dropped::default();
        assert!(dropped.take_event().is_none());
        dropped.count(&Bytes::from_static(b"12345"));
        dropped.count(&Bytes::from_static(b"123"));
        let event: Value = serde_json::from_slice(&dropped.take_event().unwrap()).unwrap();
        assert_eq!(event["type"], "platform.logsDropped");
        assert_eq!(
            event["record"],
            json!({ "reason": DROPPED_REASON, "droppedRecords": 2, "droppedBytes": 8 })
        );
        assert!(dropped.take_event().is_none());
    }

    #[test]
    fn sandbox_hosts_point_at_the_environment() {
        let sandbox = watch::channel(Some(IpAddr::from([127, 0, 0, 1]))).0;
        let t = Telemetry::new(sandbox.subscribe());
        let uri = t.target("http://sandbox.localdomain:4243/lambda").unwrap();
        assert_eq!(uri.to_string(), "http://127.0.0.1:4243/lambda");
        assert!(t.target("ftp://x").is_err());
    }
}
