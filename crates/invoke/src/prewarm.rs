//! Environments initialized ahead of demand. AWS initializes environments
//! before invokes need them ("proactive initialization"); laminar keeps one
//! environment per recently used function revision started and parked on
//! `/next` — after a create or update settles, and after an invoke consumed
//! a parked one or started cold — within a global budget (`--prewarm`, the
//! least recently parked one makes room). Its first invoke reports no
//! `Init Duration`. Provisioned concurrency (`provisioning`) initializes
//! the same way.

use crate::pool::{Origin, PoolKey, WarmEnvironment};
use crate::Invoker;
use laminar_lambda_core::resolve::Resolved;
use laminar_model::arn::Scope;
use std::time::Duration;

/// Why an environment could not be initialized ahead of demand.
#[derive(Debug)]
pub(crate) enum InitFailure {
    /// The function's own init failed (an error, an exit, the init limit).
    Function(String),
    /// laminar could not start it (an unavailable package, the engine).
    Start(String),
}

impl std::fmt::Display for InitFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Function(error) => write!(f, "the function's init failed: {error}"),
            Self::Start(error) => write!(f, "could not start: {error}"),
        }
    }
}

impl Invoker {
    /// Pre-initializes one environment of `key`'s revision in the
    /// background, unless one waits already or the budget is 0.
    pub(crate) fn prewarm(&self, scope: &Scope, key: PoolKey, resolved: &Resolved) {
        // An environment of a tenant-isolated function belongs to the tenant
        // whose invoke started it: none is initialized ahead of one.
        if resolved.config().tenant_isolated() {
            return;
        }
        if !self.pools.claim_prewarm(&key, self.prewarm_budget) {
            return;
        }
        let (Some(this), Ok(runtime)) =
            (self.this.upgrade(), tokio::runtime::Handle::try_current())
        else {
            self.pools.park(key, None, false);
            return;
        };
        let scope = scope.clone();
        let resolved = Resolved {
            record: resolved.record.clone(),
            version: resolved.version,
        };
        runtime.spawn(async move {
            let env = match this
                .initialize_ahead(&key.function, &scope, &resolved, Origin::Prewarmed)
                .await
            {
                Ok(env) => Some(env),
                Err(e) => {
                    tracing::debug!(function = %key.function.name, error = %e, "pre-initialization failed");
                    None
                }
            };
            let live = this.revision_runs(&key);
            this.pools.park(key, env, live);
        });
    }

    /// Whether the revision of `key` still runs (not replaced, not deleted).
    pub(crate) fn revision_runs(&self, key: &PoolKey) -> bool {
        self.registry
            .get(&key.function)
            .is_some_and(|r| r.has_revision(&key.revision))
    }

    /// Starts an environment of `resolved` and waits until it asks for its
    /// first invocation.
    pub(crate) async fn initialize_ahead(
        &self,
        function: &laminar_store::FunctionKey,
        scope: &Scope,
        resolved: &Resolved,
        origin: Origin,
    ) -> Result<WarmEnvironment, InitFailure> {
        let config = resolved.config();
        let mut spec = self
            .spec(
                scope,
                config,
                resolved.code(),
                &resolved.record.layer_contents,
            )
            .await
            .map_err(|e| InitFailure::Start(e.message))?;
        spec.provisioned = origin == Origin::Provisioned;
        let mut env = self
            .pools
            .start(function, &spec, origin)
            .await
            .map_err(|e| InitFailure::Start(e.to_string()))?;
        let timeout = Duration::from_secs(config.timeout.max(1) as u64);
        match env.environment.initialize(timeout).await {
            Ok(_) => Ok(env),
            Err(body) => {
                env.environment.shutdown();
                Err(InitFailure::Function(
                    String::from_utf8_lossy(&body).into_owned(),
                ))
            }
        }
    }
}
