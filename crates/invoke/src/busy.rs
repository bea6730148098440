//! The environments serving an invocation now (an environment taken from
//! its pool belongs to its invocation, so the pools cannot list it): each
//! listed under a number of its own from the start of its invocation until
//! its end.

use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// One warm environment, idle in its pool or serving an invocation.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentSnapshot {
    /// `process` or `docker`.
    pub executor: &'static str,
    /// The runtime's process id, or its container's id.
    pub id: String,
    pub account: String,
    pub region: String,
    pub function: String,
    pub version: String,
    pub revision: String,
    /// When it started (ms since the epoch).
    pub started_ms: i64,
    pub age_ms: i64,
    pub invocations: u64,
    pub memory_mb: i64,
    pub max_memory_used_mb: u64,
    /// Started for a qualifier with provisioned concurrency.
    pub provisioned: bool,
    /// Why it was started: `onDemand` (a cold start), `provisioned`, or
    /// `prewarmed` (initialized ahead of demand, `--prewarm`).
    pub origin: &'static str,
    /// Tenant isolation mode: the one tenant it serves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// `idle`: waiting in its pool; `busy`: serving the invocation
    /// `requestId`.
    pub state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// The environments serving an invocation now, by a number of their own.
#[derive(Default)]
pub(crate) struct BusyEnvironments {
    next: AtomicU64,
    serving: Arc<Mutex<HashMap<u64, EnvironmentSnapshot>>>,
}

impl BusyEnvironments {
    /// Lists `snapshot` until the answer is dropped.
    pub(crate) fn add(&self, snapshot: EnvironmentSnapshot) -> Busy {
        let number = self.next.fetch_add(1, Ordering::Relaxed);
        lock(&self.serving).insert(number, snapshot);
        Busy {
            serving: self.serving.clone(),
            number,
        }
    }

    /// What is listed now.
    pub(crate) fn listed(&self) -> Vec<EnvironmentSnapshot> {
        lock(&self.serving).values().cloned().collect()
    }
}

/// Lists one environment as busy until dropped.
pub struct Busy {
    serving: Arc<Mutex<HashMap<u64, EnvironmentSnapshot>>>,
    number: u64,
}

impl Drop for Busy {
    fn drop(&mut self) {
        lock(&self.serving).remove(&self.number);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
