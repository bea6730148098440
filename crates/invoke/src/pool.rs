//! Warm execution environments per function revision.
//!
//! An environment is either idle in its pool or owned by exactly one running
//! invocation, so a busy environment never gets a second invoke. A change to
//! the function (new revision) or its deletion retires the old environments.
//! Provisioned environments are never reaped by keep-alive; pre-initialized
//! ones (`prewarm`) wait in the same pools, counted against a global budget.

use laminar_executor::{Environment, EnvironmentSpec, Executor, StartError};
use laminar_store::FunctionKey;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// A lock whose holder cannot leave the data half-changed (no panics
/// inside), so a poisoned one is taken as it is.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

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
    /// Tenant isolation mode: the tenant the environments serve, never
    /// another's.
    pub tenant: Option<String>,
}

impl PoolKey {
    /// The on-demand pool of the same revision: where invokes spill over
    /// when every provisioned environment is busy.
    pub fn on_demand(&self) -> Self {
        Self {
            provisioned: false,
            ..self.clone()
        }
    }
}

/// Why an environment was started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// By an invoke that found no idle environment (a cold start).
    OnDemand,
    /// Ahead of demand for a provisioned concurrency configuration.
    Provisioned,
    /// Ahead of demand for a recently used revision (`--prewarm`).
    Prewarmed,
}

/// An environment with what the invoke path needs to know about it.
pub struct WarmEnvironment {
    pub environment: Environment,
    pub log_stream: String,
    last_used: Instant,
    started: Instant,
    origin: Origin,
    invocations: u64,
}

impl WarmEnvironment {
    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// How long ago it was started.
    pub fn age(&self) -> Duration {
        self.started.elapsed()
    }

    /// Invocations it has served.
    pub fn invocations(&self) -> u64 {
        self.invocations
    }

    /// Counts the invocation about to run in it.
    pub fn serve(&mut self) {
        self.invocations += 1;
    }

    /// Pre-initialized and still waiting for its first invocation: what
    /// the prewarm budget counts.
    pub fn parked(&self) -> bool {
        self.origin == Origin::Prewarmed && self.invocations == 0
    }
}

/// What an environment printed between its last invocation and its end
/// (background work, SIGTERM handlers, extensions' SHUTDOWN), for its log
/// stream.
pub struct LastOutput {
    pub function: FunctionKey,
    pub log_group: String,
    pub log_stream: String,
    pub output: Vec<u8>,
}

pub type LastOutputSink = Arc<dyn Fn(LastOutput) + Send + Sync>;

pub struct Pools {
    executor: Arc<Executor>,
    last_output: std::sync::OnceLock<LastOutputSink>,
    idle: Mutex<HashMap<PoolKey, Vec<WarmEnvironment>>>,
    /// Revisions whose pre-initialized environment is starting.
    prewarming: Mutex<HashSet<PoolKey>>,
    /// Revisions whose pre-initialization failed: not tried again (their
    /// invokes start cold and report the error).
    unwarmable: Mutex<HashSet<PoolKey>>,
    closed: AtomicBool,
    busy: crate::busy::BusyEnvironments,
}

impl Pools {
    pub fn new(executor: Arc<Executor>) -> Self {
        Self {
            executor,
            last_output: std::sync::OnceLock::new(),
            idle: Mutex::new(HashMap::new()),
            prewarming: Mutex::new(HashSet::new()),
            unwarmable: Mutex::new(HashSet::new()),
            closed: AtomicBool::new(false),
            busy: Default::default(),
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

    pub(crate) fn busy(&self) -> &crate::busy::BusyEnvironments {
        &self.busy
    }

    pub(crate) fn idle(&self) -> MutexGuard<'_, HashMap<PoolKey, Vec<WarmEnvironment>>> {
        lock(&self.idle)
    }

    /// The most recently used idle environment of `key`, if any, a
    /// pre-initialized one only when no other is idle. Idle
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
            let mut stale = stale;
            // One killed from outside while idle (`docker kill`, an engine
            // restart) is forgotten.
            if let Some(envs) = idle.get_mut(key) {
                let (dead, live): (Vec<_>, Vec<_>) = std::mem::take(envs)
                    .into_iter()
                    .partition(|e| e.environment.has_exited());
                stale.extend(dead);
                *envs = live;
            }
            // A pre-initialized environment is kept for the next burst
            // while one that served already is free.
            let taken = idle.get_mut(key).and_then(|envs| {
                let at = envs
                    .iter()
                    .rposition(|e| !e.parked())
                    .or(envs.len().checked_sub(1))?;
                Some(envs.remove(at))
            });
            (taken, stale)
        };
        for env in stale {
            env.environment.shutdown();
        }
        taken
    }

    /// Where every environment's output printed after its last invocation
    /// goes when it stops.
    pub fn on_last_output(&self, sink: LastOutputSink) {
        let _ = self.last_output.set(sink);
    }

    /// Starts a new environment (a cold start when `origin` is on demand).
    pub async fn start(
        &self,
        function: &FunctionKey,
        spec: &EnvironmentSpec,
        origin: Origin,
    ) -> Result<WarmEnvironment, StartError> {
        let mut environment = self.executor.start(spec).await?;
        if let Some(sink) = self.last_output.get().cloned() {
            let (function, log_group, log_stream) = (
                function.clone(),
                spec.log_group.clone(),
                spec.log_stream.clone(),
            );
            environment.when_stopped(Box::new(move |output| {
                sink(LastOutput {
                    function,
                    log_group,
                    log_stream,
                    output,
                })
            }));
        }
        let now = Instant::now();
        Ok(WarmEnvironment {
            environment,
            log_stream: spec.log_stream.clone(),
            last_used: now,
            started: now,
            origin,
            invocations: 0,
        })
    }

    /// Takes up to `count` idle environments of `key` and stops them
    /// (lowered provisioned concurrency). How many it stopped.
    pub fn stop_idle(&self, key: &PoolKey, count: usize) -> usize {
        let stopped: Vec<WarmEnvironment> = {
            let mut idle = self.idle();
            let Some(envs) = idle.get_mut(key) else {
                return 0;
            };
            let keep = envs.len().saturating_sub(count);
            envs.split_off(keep)
        };
        let n = stopped.len();
        for env in stopped {
            env.environment.shutdown();
        }
        n
    }

    /// Claims the right to pre-initialize one environment of `key` within a
    /// global budget of `budget` waiting ones: none when one of `key` waits
    /// or starts already; when the budget is spent, the least recently
    /// parked environment of another revision makes room (LRU).
    pub fn claim_prewarm(&self, key: &PoolKey, budget: usize) -> bool {
        if budget == 0
            || self.closed.load(Ordering::Acquire)
            || lock(&self.unwarmable).contains(key)
        {
            return false;
        }
        let evicted = {
            let mut idle = self.idle();
            let mut prewarming = lock(&self.prewarming);
            let waits = |k: &PoolKey, envs: &Vec<WarmEnvironment>| {
                k == key && envs.iter().any(WarmEnvironment::parked)
            };
            if prewarming.contains(key) || idle.iter().any(|(k, e)| waits(k, e)) {
                return false;
            }
            let parked = idle.values().flatten().filter(|e| e.parked()).count();
            let mut evicted = None;
            if parked + prewarming.len() >= budget {
                let oldest = idle
                    .iter()
                    .flat_map(|(k, envs)| envs.iter().enumerate().map(move |(i, e)| (k, i, e)))
                    .filter(|(_, _, e)| e.parked())
                    .min_by_key(|(_, _, e)| e.last_used)
                    .map(|(k, i, _)| (k.clone(), i));
                let Some((k, i)) = oldest else {
                    return false;
                };
                evicted = idle.get_mut(&k).map(|envs| envs.remove(i));
            }
            prewarming.insert(key.clone());
            evicted
        };
        if let Some(env) = evicted {
            env.environment.shutdown();
        }
        true
    }

    /// Ends a claim: parks the pre-initialized environment if its revision
    /// still runs; `None` (it failed) keeps the revision from trying again.
    pub fn park(&self, key: PoolKey, env: Option<WarmEnvironment>, live: bool) {
        lock(&self.prewarming).remove(&key);
        match env {
            Some(env) => self.release(key, env, live),
            None => {
                lock(&self.unwarmable).insert(key);
            }
        }
    }

    /// Puts an environment back after an invocation. `live` says whether its
    /// revision still runs (not replaced, not deleted); if not, it is stopped.
    pub fn release(&self, key: PoolKey, mut env: WarmEnvironment, live: bool) {
        if self.closed.load(Ordering::Acquire) || !live {
            env.environment.shutdown();
            return;
        }
        env.last_used = Instant::now();
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

    /// Stops idle environments unused for `keep_alive`; provisioned ones
    /// stay until their configuration is lowered or removed.
    pub fn stop_idle_longer_than(&self, keep_alive: Duration) {
        let expired: Vec<WarmEnvironment> = {
            let mut idle = self.idle();
            let mut expired = Vec::new();
            for envs in idle.values_mut() {
                let (old, fresh): (Vec<_>, Vec<_>) =
                    std::mem::take(envs).into_iter().partition(|e| {
                        e.origin != Origin::Provisioned && e.last_used.elapsed() >= keep_alive
                    });
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
