//! What the pools hold, as plain data for people to look at (`laminar ps`,
//! the console), and evicting from them (forcing the next cold start).

use crate::pool::{Origin, Pools};
use laminar_store::FunctionKey;
use serde::Serialize;

/// One warm environment, idle in its pool.
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
    /// `idle`: waiting in its pool (busy environments belong to their
    /// invocation and are not listed).
    pub state: &'static str,
}

impl Pools {
    /// The idle environments of every pool, oldest first.
    pub fn snapshot(&self) -> Vec<EnvironmentSnapshot> {
        let executor = self.executor_name();
        let now_ms = ms_since_epoch(std::time::SystemTime::now());
        let mut all: Vec<EnvironmentSnapshot> = self
            .idle()
            .iter()
            .flat_map(|(key, envs)| {
                envs.iter().map(move |env| {
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
                        state: "idle",
                    }
                })
            })
            .collect();
        all.sort_by_key(|e| e.started_ms);
        all
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
