//! Provisioned concurrency that initializes ahead of demand: a
//! configuration of an alias or version is brought to its requested number
//! of environments in the background (`IN_PROGRESS` → `READY`, or `FAILED`
//! with `FUNCTION_ERROR_INIT_FAILURE` when the function's init fails). They
//! run with `AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency`, are
//! never reaped by keep-alive, serve invokes of their qualifier first (the
//! rest spill over to on-demand environments), and are retired — with
//! SHUTDOWN to their extensions — when the configuration is lowered or
//! removed. The stored configurations are the control plane's; this room
//! keeps what is initialized, and starts again from the stored ones at
//! start-up.

use crate::pool::{Origin, PoolKey};
use crate::prewarm::InitFailure;
use crate::Invoker;
use laminar_lambda_core::resolve::Resolved;
use laminar_model::arn::Scope;
use laminar_store::FunctionKey;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::Semaphore;

/// How many provisioned environments initialize at once.
const PARALLEL_STARTS: usize = 8;

/// `Status` of a provisioned concurrency configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProvisionedStatus {
    InProgress,
    Ready,
    Failed,
}

impl ProvisionedStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "IN_PROGRESS",
            Self::Ready => "READY",
            Self::Failed => "FAILED",
        }
    }
}

/// What a configuration has now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProvisionedState {
    pub status: ProvisionedStatus,
    /// `StatusReason` of a failed configuration, in AWS's words.
    pub status_reason: Option<&'static str>,
    /// Initialized environments (allocated and available).
    pub initialized: u32,
}

/// The init of the function failed, as AWS says it.
const INIT_FAILURE: &str = "FUNCTION_ERROR_INIT_FAILURE";

/// The environments of one configuration.
struct Allocation {
    /// The version's pool they serve from.
    pool: PoolKey,
    target: usize,
    /// Initialized and alive, idle or serving.
    live: usize,
    starting: usize,
    failed: bool,
}

type ConfigKey = (FunctionKey, String);

pub struct Provisioning {
    allocations: Mutex<HashMap<ConfigKey, Allocation>>,
    starts: Semaphore,
}

impl Default for Provisioning {
    fn default() -> Self {
        Self {
            allocations: Mutex::default(),
            starts: Semaphore::new(PARALLEL_STARTS),
        }
    }
}

impl Provisioning {
    fn allocations(&self) -> MutexGuard<'_, HashMap<ConfigKey, Allocation>> {
        self.allocations.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The state of `qualifier`'s configuration; in progress until its
    /// first reconciliation ran.
    pub fn state(&self, function: &FunctionKey, qualifier: &str) -> ProvisionedState {
        let allocations = self.allocations();
        let Some(a) = allocations.get(&(function.clone(), qualifier.to_string())) else {
            return ProvisionedState {
                status: ProvisionedStatus::InProgress,
                status_reason: None,
                initialized: 0,
            };
        };
        let status = if a.failed {
            ProvisionedStatus::Failed
        } else if a.live >= a.target {
            ProvisionedStatus::Ready
        } else {
            ProvisionedStatus::InProgress
        };
        ProvisionedState {
            status,
            status_reason: a.failed.then_some(INIT_FAILURE),
            initialized: u32::try_from(a.live).unwrap_or(u32::MAX),
        }
    }

    /// Whether a provisioned environment of `pool` that finished an invoke
    /// goes back to its pool (not when its configuration was lowered).
    pub(crate) fn keep(&self, pool: &PoolKey) -> bool {
        let mut allocations = self.allocations();
        match allocations.values_mut().find(|a| &a.pool == pool) {
            Some(a) if a.live > a.target => {
                a.live -= 1;
                false
            }
            Some(_) => true,
            None => false,
        }
    }

    /// A provisioned environment of `pool` cannot serve again (it crashed
    /// or timed out): the configuration it belonged to, to be refilled.
    pub(crate) fn lost(&self, pool: &PoolKey) -> Option<ConfigKey> {
        let mut allocations = self.allocations();
        let (key, a) = allocations.iter_mut().find(|(_, a)| &a.pool == pool)?;
        a.live = a.live.saturating_sub(1);
        Some(key.clone())
    }
}

/// The version a qualifier names in `resolved` form, if it names one.
fn version_of(record: &Arc<laminar_model::config::FunctionRecord>, qualifier: &str) -> Option<u64> {
    let version = match record.aliases.get(qualifier) {
        Some(alias) => alias.function_version.as_str(),
        None => qualifier,
    };
    version.parse().ok()
}

impl Invoker {
    /// Brings `qualifier`'s provisioned environments to what its stored
    /// configuration asks (none when it was deleted), in the background.
    /// Callable from blocking threads of the runtime.
    pub fn provision(&self, scope: &Scope, function: &FunctionKey, qualifier: &str) {
        let (Some(this), Ok(runtime)) =
            (self.this.upgrade(), tokio::runtime::Handle::try_current())
        else {
            return;
        };
        let (scope, function, qualifier) = (scope.clone(), function.clone(), qualifier.to_string());
        runtime.spawn(async move { this.reconcile(scope, function, qualifier).await });
    }

    /// Initializes the stored configurations again (at start-up).
    pub fn resume_provisioning(&self) {
        let keys = self
            .registry
            .select(|r| !r.provisioned_concurrency.is_empty());
        for key in keys {
            let Some(record) = self.registry.get(&key) else {
                continue;
            };
            let scope = crate::scope_of(&key);
            for qualifier in record.provisioned_concurrency.keys() {
                self.provision(&scope, &key, qualifier);
            }
        }
    }

    async fn reconcile(self: Arc<Self>, scope: Scope, function: FunctionKey, qualifier: String) {
        // A version just published settles first (its revision changes).
        let resolved = loop {
            let Some(record) = self.registry.get(&function) else {
                self.provisioning
                    .allocations()
                    .retain(|(f, _), _| f != &function);
                return;
            };
            let target = record
                .provisioned_concurrency
                .get(&qualifier)
                .map_or(0, |c| c.requested as usize);
            let resolved = Resolved {
                version: version_of(&record, &qualifier),
                record,
            };
            let settling = resolved.version.is_some() && resolved.config().busy();
            if !settling || target == 0 {
                break (resolved, target);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let (resolved, target) = resolved;
        let target = if resolved.version.is_some() {
            target
        } else {
            0
        };
        let pool = PoolKey {
            function: function.clone(),
            revision: resolved.config().revision_id.clone(),
            code_stamp: crate::hot_reload::stamp(resolved.code()).await,
            provisioned: true,
            tenant: None,
        };
        let (replaced, excess, needed) = {
            let mut allocations = self.provisioning.allocations();
            let a = allocations
                .entry((function.clone(), qualifier.clone()))
                .or_insert_with(|| Allocation {
                    pool: pool.clone(),
                    target: 0,
                    live: 0,
                    starting: 0,
                    failed: false,
                });
            let mut replaced = None;
            if a.pool != pool {
                // The alias moved: what served the old version retires.
                replaced = Some(std::mem::replace(&mut a.pool, pool.clone()));
                (a.live, a.starting) = (0, 0);
            }
            a.target = target;
            a.failed = false;
            let excess = a.live.saturating_sub(target);
            let needed = target.saturating_sub(a.live + a.starting);
            a.starting += needed;
            (replaced, excess, needed)
        };
        if let Some(old) = replaced {
            self.pools.stop_idle(&old, usize::MAX);
        }
        if excess > 0 {
            let stopped = self.pools.stop_idle(&pool, excess);
            if let Some(a) = self
                .provisioning
                .allocations()
                .get_mut(&(function.clone(), qualifier.clone()))
            {
                a.live = a.live.saturating_sub(stopped);
            }
        }
        let mut starting = tokio::task::JoinSet::new();
        for _ in 0..needed {
            let this = self.clone();
            let (scope, pool, qualifier) = (scope.clone(), pool.clone(), qualifier.clone());
            let resolved = Resolved {
                record: resolved.record.clone(),
                version: resolved.version,
            };
            starting.spawn(async move {
                let started = {
                    let Ok(_permit) = this.provisioning.starts.acquire().await else {
                        return;
                    };
                    this.initialize_ahead(&pool.function, &scope, &resolved, Origin::Provisioned)
                        .await
                };
                this.allocated(&(pool.function.clone(), qualifier), &pool, started);
            });
        }
        while starting.join_next().await.is_some() {}
    }

    /// Counts one initialization of `config`'s environments: the
    /// environment joins its pool unless the configuration changed since.
    fn allocated(
        &self,
        config: &ConfigKey,
        pool: &PoolKey,
        started: Result<crate::pool::WarmEnvironment, InitFailure>,
    ) {
        let keep = {
            let mut allocations = self.provisioning.allocations();
            match allocations.get_mut(config).filter(|a| &a.pool == pool) {
                Some(a) => {
                    a.starting = a.starting.saturating_sub(1);
                    match started {
                        Ok(env) if a.live < a.target => {
                            a.live += 1;
                            Some(env)
                        }
                        Ok(env) => {
                            env.environment.shutdown();
                            None
                        }
                        Err(e) => {
                            tracing::warn!(function = %config.0.name, qualifier = %config.1, error = %e, "provisioned concurrency failed to initialize");
                            a.failed = true;
                            None
                        }
                    }
                }
                None => {
                    if let Ok(env) = started {
                        env.environment.shutdown();
                    }
                    None
                }
            }
        };
        if let Some(env) = keep {
            let live = self.revision_runs(pool);
            self.pools.release(pool.clone(), env, live);
        }
    }
}
