//! What the pools hold, and the environments serving an invocation now, as
//! plain data for people to look at (`laminar ps`, the console), and
//! evicting from the pools (forcing the next cold start).

use crate::busy::Busy;
pub use crate::busy::EnvironmentSnapshot;
use crate::pool::{Origin, PoolKey, Pools, WarmEnvironment};
use laminar_store::FunctionKey;

fn snapshot_of(
    executor: &'static str,
    key: &PoolKey,
    env: &WarmEnvironment,
    now_ms: i64,
) -> EnvironmentSnapshot {
    let age_ms = i64::try_from(env.age().as_millis()).unwrap_or(i64::MAX);
    EnvironmentSnapshot {
        executor,
        id: env.environment.sandbox_id(),
        account: key.function.account.clone(),
        region: key.function.region.clone(),
        function: key.function.name.clone(),
        version: env.environment.version().to_string(),
        revision: key.revision.clone(),
        started_ms: now_ms - age_ms,
        age_ms,
        invocations: env.invocations(),
        memory_mb: env.environment.memory_mb(),
        max_memory_used_mb: env.environment.max_memory_used_mb(),
        provisioned: env.origin() == Origin::Provisioned,
        origin: match env.origin() {
            Origin::OnDemand => "onDemand",
            Origin::Provisioned => "provisioned",
            Origin::Prewarmed => "prewarmed",
        },
        tenant: key.tenant.clone(),
        state: "idle",
        request_id: None,
    }
}

impl Pools {
    /// The environments of every pool, idle or busy, oldest first.
    pub fn snapshot(&self) -> Vec<EnvironmentSnapshot> {
        let executor = self.executor_name();
        let now_ms = ms_since_epoch(std::time::SystemTime::now());
        let mut all: Vec<EnvironmentSnapshot> = self
            .idle()
            .iter()
            .flat_map(|(key, envs)| {
                envs.iter()
                    .map(move |env| snapshot_of(executor, key, env, now_ms))
            })
            .collect();
        all.extend(
            self.busy()
                .listed()
                .into_iter()
                .map(|busy| EnvironmentSnapshot {
                    age_ms: now_ms - busy.started_ms,
                    ..busy
                }),
        );
        all.sort_by_key(|e| e.started_ms);
        all
    }

    /// Lists `env` as serving `request_id` until the answer is dropped.
    pub fn mark_busy(&self, key: &PoolKey, env: &WarmEnvironment, request_id: &str) -> Busy {
        let now_ms = ms_since_epoch(std::time::SystemTime::now());
        let snapshot = EnvironmentSnapshot {
            state: "busy",
            request_id: Some(request_id.to_string()),
            ..snapshot_of(self.executor_name(), key, env, now_ms)
        };
        self.busy().add(snapshot)
    }

    /// Stops the idle environment with this id; false when there is none.
    pub fn evict(&self, id: &str) -> bool {
        let found = {
            let mut idle = self.idle();
            let mut found = None;
            for envs in idle.values_mut() {
                if let Some(at) = envs.iter().position(|e| e.environment.sandbox_id() == id) {
                    found = Some(envs.remove(at));
                    break;
                }
            }
            idle.retain(|_, envs| !envs.is_empty());
            found
        };
        match found {
            Some(env) => {
                env.environment.shutdown();
                true
            }
            None => false,
        }
    }

    /// Stops every idle environment of a function; answers how many.
    pub fn evict_function(&self, function: &FunctionKey) -> usize {
        let count = self
            .idle()
            .iter()
            .filter(|(k, _)| &k.function == function)
            .map(|(_, envs)| envs.len())
            .sum();
        self.retire(function, None);
        count
    }
}

fn ms_since_epoch(t: std::time::SystemTime) -> i64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}
