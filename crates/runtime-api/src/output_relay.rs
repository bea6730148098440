//! The output laminar-init relays from inside a container
//! (crates/init/src/relay.rs), on laminar's own `/_laminar/init/` paths:
//!
//! - `POST /_laminar/init/output`: bytes the container's processes printed,
//!   in order; with `Laminar-Flush: <token>`, the last of a flush.
//! - `GET /_laminar/init/flush`: init's long poll, answered with a token when
//!   laminar wants everything printed so far.
//!
//! Whatever a runtime printed before posting its answer is in init's pipe
//! before laminar sees the answer, so a flush asked for afterwards carries
//! it: the invocation's output is complete without waiting for silence.

use crate::Shared;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use bytes::Bytes;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::watch;

/// Where relayed output goes (the environment's output buffer).
pub type OutputSink = Box<dyn Fn(&[u8]) + Send + Sync>;

pub(crate) struct OutputRelay {
    sink: OnceLock<OutputSink>,
    /// Set by init's first post: output comes this way from then on.
    attached: AtomicBool,
    /// The last flush asked for, and the last one init completed.
    asked: watch::Sender<u64>,
    completed: watch::Sender<u64>,
    /// Set when init's poll went away unanswered (the container ended).
    detached: watch::Sender<bool>,
}

impl OutputRelay {
    pub(crate) fn new() -> Self {
        Self {
            sink: OnceLock::new(),
            attached: AtomicBool::new(false),
            asked: watch::channel(0).0,
            completed: watch::channel(0).0,
            detached: watch::channel(false).0,
        }
    }

    pub(crate) fn set_sink(&self, sink: OutputSink) {
        let _ = self.sink.set(sink);
    }

    pub(crate) fn attached(&self) -> bool {
        self.attached.load(Ordering::Acquire)
    }

    /// Waits (at most `limit`) until init has relayed everything printed
    /// before this call. False when no init relays output here, or it did
    /// not answer in time.
    pub(crate) async fn flush(&self, limit: Duration) -> bool {
        if !self.attached() || *self.detached.borrow() {
            return false;
        }
        let mut token = 0;
        self.asked.send_modify(|asked| {
            *asked += 1;
            token = *asked;
        });
        let mut completed = self.completed.subscribe();
        let mut detached = self.detached.subscribe();
        let done = async {
            tokio::select! {
                done = completed.wait_for(|c| *c >= token) => done.is_ok(),
                _ = detached.wait_for(|d| *d) => false,
            }
        };
        tokio::time::timeout(limit, done).await.unwrap_or(false)
    }
}

/// `POST /_laminar/init/output`.
pub(crate) async fn output(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let relay = &shared.output;
    relay.attached.store(true, Ordering::Release);
    if !body.is_empty() {
        if let Some(sink) = relay.sink.get() {
            sink(&body);
        }
    }
    let token = headers
        .get("laminar-flush")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(token) = token {
        relay.completed.send_if_modified(|completed| {
            let newer = token > *completed;
            if newer {
                *completed = token;
            }
            newer
        });
    }
    StatusCode::NO_CONTENT
}

/// `GET /_laminar/init/flush`: answered with the token of the next flush
/// laminar asks for.
pub(crate) async fn flush(State(shared): State<Arc<Shared>>) -> (StatusCode, String) {
    let relay = &shared.output;
    // Dropped unanswered when init's connection closes: no flush can come.
    let mut gone = DetachOnDrop {
        detached: &relay.detached,
        armed: true,
    };
    let completed = *relay.completed.borrow();
    let mut asked = relay.asked.subscribe();
    let token = match asked.wait_for(|a| *a > completed).await {
        Ok(token) => *token,
        Err(_) => return (StatusCode::SERVICE_UNAVAILABLE, String::new()),
    };
    gone.armed = false;
    (StatusCode::OK, token.to_string())
}

struct DetachOnDrop<'a> {
    detached: &'a watch::Sender<bool>,
    armed: bool,
}

impl Drop for DetachOnDrop<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.detached.send_replace(true);
        }
    }
}
