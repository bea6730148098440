//! Warm execution environments per function revision.
//!
//! An environment is either idle in its pool or owned by exactly one running
//! invocation, so a busy environment never gets a second invoke. A change to
//! the function (new revision) or its deletion retires the old environments.

use laminar_executor::{Environment, EnvironmentSpec, Executor, StartError};
use laminar_store::FunctionKey;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The environments of one function revision are interchangeable.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PoolKey {
    pub function: FunctionKey,
    pub revision: String,
    /// For code run live from a folder (hot reload): the folder's
    /// fingerprint when the environment started. `None` for packaged code.
    pub code_stamp: Option<u64>,
    /// Environments of a qualifier with provisioned concurrency are kept
    /// apart from on-demand ones of the same version.
    pub provisioned: bool,
}

/// An environment with what the invoke path needs to know about it.
pub struct WarmEnvironment {
    pub environment: Environment,
    pub log_stream: String,
    last_used: Instant,
    /// When it started, and how many invocations it finished (snapshots).
    pub(crate) started: std::time::SystemTime,
    pub(crate) served: u64,
}

pub struct Pools {
    executor: Arc<Executor>,
    idle: Mutex<HashMap<PoolKey, Vec<WarmEnvironment>>>,
    closed: AtomicBool,
}

impl Pools {
    pub fn new(executor: Arc<Executor>) -> Self {
        Self {
            executor,
            idle: Mutex::new(HashMap::new()),
            closed: AtomicBool::new(false),
        }
    }

    pub fn executor_name(&self) -> &'static str {
        self.executor.name()
    }

    /// Whether getting ready for a function takes time (see `state`).
    pub fn prepares(&self) -> bool {
        self.executor.prepares()
    }

    pub async fn prepare(&self, spec: &EnvironmentSpec) -> Result<(), StartError> {
        self.executor.prepare(spec).await
    }

    pub(crate) fn idle(&self) -> std::sync::MutexGuard<'_, HashMap<PoolKey, Vec<WarmEnvironment>>> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The most recently used idle environment of `key`, if any. Idle
    /// environments of the same revision started from an older folder
    /// fingerprint (hot reload) run stale code: they are stopped.
    pub fn take_idle(&self, key: &PoolKey) -> Option<WarmEnvironment> {
        let (taken, stale) = {
            let mut idle = self.idle();
            let stale: Vec<WarmEnvironment> = match key.code_stamp {
                Some(_) => {
                    let outdated: Vec<PoolKey> = idle
                        .keys()
                        .filter(|k| {
                            k.function == key.function
                                && k.revision == key.revision
                                && k.code_stamp != key.code_stamp
                        })
                        .cloned()
                        .collect();
                    outdated
                        .iter()
                        .filter_map(|k| idle.remove(k))
                        .flatten()
                        .collect()
                }
                None => Vec::new(),
            };
            (idle.get_mut(key).and_then(Vec::pop), stale)
        };
        for env in stale {
            env.environment.shutdown();
        }
        taken
    }

    /// Starts a new environment (a cold start).
    pub async fn start(&self, spec: &EnvironmentSpec) -> Result<WarmEnvironment, StartError> {
        let environment = self.executor.start(spec).await?;
        Ok(WarmEnvironment {
            environment,
            log_stream: spec.log_stream.clone(),
            last_used: Instant::now(),
            started: std::time::SystemTime::now(),
            served: 0,
        })
    }

    /// Puts an environment back after an invocation. `live` says whether its
    /// revision still runs (not replaced, not deleted); if not, it is stopped.
    pub fn release(&self, key: PoolKey, mut env: WarmEnvironment, live: bool) {
        if self.closed.load(Ordering::Acquire) || !live {
            env.environment.shutdown();
            return;
        }
        env.last_used = Instant::now();
        env.served += 1;
        self.idle().entry(key).or_default().push(env);
    }

    /// Stops the idle environments of one revision of a function, or of all
    /// of them with `None`.
    pub fn retire(&self, function: &FunctionKey, revision: Option<&str>) {
        let retired: Vec<WarmEnvironment> = {
            let mut idle = self.idle();
            let keys: Vec<PoolKey> = idle
                .keys()
                .filter(|k| &k.function == function && revision.is_none_or(|r| k.revision == r))
                .cloned()
                .collect();
            keys.iter()
                .filter_map(|k| idle.remove(k))
                .flatten()
                .collect()
        };
        for env in retired {
            env.environment.shutdown();
        }
    }

    pub fn stop_idle_longer_than(&self, keep_alive: Duration) {
        let expired: Vec<WarmEnvironment> = {
            let mut idle = self.idle();
            let mut expired = Vec::new();
            for envs in idle.values_mut() {
                let (old, fresh): (Vec<_>, Vec<_>) = std::mem::take(envs)
                    .into_iter()
                    .partition(|e| e.last_used.elapsed() >= keep_alive);
                *envs = fresh;
                expired.extend(old);
            }
            idle.retain(|_, envs| !envs.is_empty());
            expired
        };
        if !expired.is_empty() {
            tracing::debug!(count = expired.len(), "stopping idle environments");
        }
        for env in expired {
            env.environment.shutdown();
        }
    }

    /// Stops every environment, idle or busy, and keeps none afterwards.
    pub async fn shutdown_all(&self) {
        self.closed.store(true, Ordering::Release);
        let all: Vec<WarmEnvironment> = self.idle().drain().flat_map(|(_, e)| e).collect();
        // Extensions get their SHUTDOWN (at most 2 s) before laminar goes.
        let mut stopping = tokio::task::JoinSet::new();
        for env in all {
            stopping.spawn(env.environment.stop());
        }
        while stopping.join_next().await.is_some() {}
        self.executor.shutdown().await;
    }
}
