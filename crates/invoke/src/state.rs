//! Function states, as AWS moves them: a new function (and a new version) is
//! `Pending` ("The function is being created.", `Creating`), an update leaves
//! `LastUpdateStatus: InProgress`; then, after the configured pending time
//! and once the executor is ready (e.g. has pulled the image), `Active` /
//! `Successful` with a new `RevisionId`, or `Failed` with the reason.
//! Clients wait for it as they must with AWS (the SDKs' waiters).

use crate::pool::PoolKey;
use crate::{ApiResult, Invoker};
use laminar_executor::StartError;
use laminar_lambda_core::blocking::off_worker;
use laminar_lambda_core::clock;
use laminar_lambda_core::registry::Registry;
use laminar_lambda_core::resolve::Resolved;
use laminar_model::arn::Scope;
use laminar_model::config::{FunctionConfiguration, FunctionState, LastUpdateStatus};
use laminar_model::ApiError;
use laminar_store::FunctionKey;
use std::sync::Arc;

/// Which configuration a preparation settles: `$LATEST` or a version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Latest,
    Version(u64),
}

type Outcome = Result<(), (&'static str, String)>;

impl Invoker {
    /// A change to `$LATEST`: a new revision and modification time, and an
    /// update in progress until it settles.
    pub fn touch(&self, config: &mut FunctionConfiguration) {
        config.revision_id = uuid::Uuid::new_v4().to_string();
        config.last_modified = clock::last_modified(clock::now());
        config.set_update_in_progress();
    }

    /// Settles `$LATEST` at `revision` in the background (see the module);
    /// answers the configuration as it stands now, `Pending` or `InProgress`.
    pub async fn settle(
        self: Arc<Self>,
        scope: Scope,
        key: FunctionKey,
        revision: String,
    ) -> ApiResult<FunctionConfiguration> {
        let now = self.registry.get(&key).map(|r| r.config.clone());
        self.spawn_settling(scope.clone(), key.clone(), Target::Latest, revision);
        // None: a concurrent DeleteFunction won.
        now.ok_or_else(|| ApiError::function_not_found(&scope.function_arn(&key.name)))
    }

    /// Settles a just published version at `revision` in the background.
    /// Callable from blocking threads of the runtime.
    pub fn settle_version(
        self: &Arc<Self>,
        scope: Scope,
        key: FunctionKey,
        number: u64,
        revision: String,
    ) {
        self.clone()
            .spawn_settling(scope, key, Target::Version(number), revision);
    }

    /// Settles whatever a previous run left `Pending` or `InProgress`.
    pub fn resume_settling(self: &Arc<Self>) {
        let keys = self
            .registry
            .select(|r| r.config.busy() || r.versions.values().any(|v| v.config.busy()));
        for key in keys {
            let Some(record) = self.registry.get(&key) else {
                continue;
            };
            let scope = crate::scope_of(&key);
            if record.config.busy() {
                self.clone().spawn_settling(
                    scope.clone(),
                    key.clone(),
                    Target::Latest,
                    record.config.revision_id.clone(),
                );
            }
            for (number, version) in record.versions.iter().filter(|(_, v)| v.config.busy()) {
                self.settle_version(
                    scope.clone(),
                    key.clone(),
                    *number,
                    version.config.revision_id.clone(),
                );
            }
        }
    }

    fn spawn_settling(
        self: Arc<Self>,
        scope: Scope,
        key: FunctionKey,
        target: Target,
        revision: String,
    ) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::error!(function = %key.name, "no runtime to settle the function's state on");
            return;
        };
        runtime.spawn(async move {
            tokio::time::sleep(self.pending).await;
            self.prepare_and_record(&scope, &key, target, &revision)
                .await;
        });
    }

    async fn prepare_and_record(
        &self,
        scope: &Scope,
        key: &FunctionKey,
        target: Target,
        revision: &str,
    ) {
        let Some(record) = self.registry.get(key) else {
            return;
        };
        let (config, code) = match target {
            Target::Latest => (&record.config, &record.code),
            Target::Version(n) => match record.versions.get(&n) {
                Some(v) => (&v.config, &v.code),
                None => return,
            },
        };
        let outcome = match self.spec(scope, config, code, &record.layer_contents).await {
            Ok(spec) => self.pools.prepare(&spec).await.map_err(|e| {
                let code = match &e {
                    StartError::Image(_) => "ImageAccessDenied",
                    StartError::UnsupportedRuntime(_) => "InvalidRuntime",
                    StartError::InvalidEntrypoint { .. } => "InvalidConfiguration",
                    StartError::Io(_) | StartError::Engine(_) | StartError::Debugger(_) => {
                        "InternalError"
                    }
                };
                (code, e.to_string())
            }),
            Err(e) => Err(("InternalError", e.message)),
        };
        let registry = self.registry.clone();
        let (owned_key, owned_revision) = (key.clone(), revision.to_string());
        let recorded = off_worker(move || {
            Ok(record_outcome(
                &registry,
                &owned_key,
                target,
                &owned_revision,
                outcome,
            ))
        })
        .await;
        match recorded {
            // The environments of the unsettled revision are of no more use.
            Ok(true) => {
                self.pools.retire(key, Some(revision));
                if target == Target::Latest {
                    self.prewarm_latest(scope, key).await;
                }
            }
            Ok(false) => {}
            Err(e) => tracing::error!(error = %e, "could not record the function's state"),
        }
    }

    /// A function just created or updated is invoked soon: its settled
    /// `$LATEST` gets an environment initialized ahead of demand.
    async fn prewarm_latest(&self, scope: &Scope, key: &FunctionKey) {
        let Some(record) = self.registry.get(key) else {
            return;
        };
        if record.config.state != FunctionState::Active
            || record.config.last_update_status == Some(LastUpdateStatus::Failed)
        {
            return;
        }
        let pool = PoolKey {
            function: key.clone(),
            revision: record.config.revision_id.clone(),
            code_stamp: crate::hot_reload::stamp(&record.code).await,
            provisioned: false,
            tenant: None,
        };
        self.prewarm(
            scope,
            pool,
            &Resolved {
                record,
                version: None,
            },
        );
    }
}

/// Records a preparation's outcome on the function or version, unless a
/// newer change took over (it records its own). Whether it recorded one.
fn record_outcome(
    registry: &Registry,
    key: &FunctionKey,
    target: Target,
    revision: &str,
    outcome: Outcome,
) -> bool {
    let mut registry = registry.write();
    let Some(latest) = registry.get(key) else {
        return false;
    };
    let mut updated = (*latest).clone();
    let config = match target {
        Target::Latest => &mut updated.config,
        Target::Version(n) => match updated.versions.get_mut(&n) {
            Some(v) => &mut v.config,
            None => return false,
        },
    };
    if config.revision_id != revision || !config.busy() {
        return false;
    }
    settle_config(config, outcome);
    config.revision_id = uuid::Uuid::new_v4().to_string();
    match registry.put(key.clone(), updated) {
        Ok(_) => true,
        Err(e) => {
            tracing::error!(error = %e, "could not record the function's state");
            false
        }
    }
}

fn settle_config(c: &mut FunctionConfiguration, outcome: Outcome) {
    let creating = c.state == FunctionState::Pending;
    match outcome {
        Ok(()) => c.set_ready(),
        Err((code, reason)) if creating => {
            tracing::warn!(function = %c.function_arn, %reason, "function failed to become active");
            c.state = FunctionState::Failed;
            c.state_reason = Some(reason.clone());
            c.state_reason_code = Some(code.into());
            c.last_update_status = Some(LastUpdateStatus::Failed);
            c.last_update_status_reason = Some(reason);
            c.last_update_status_reason_code = Some(code.into());
        }
        Err((code, reason)) => {
            tracing::warn!(function = %c.function_arn, %reason, "function update failed");
            c.last_update_status = Some(LastUpdateStatus::Failed);
            c.last_update_status_reason = Some(reason);
            c.last_update_status_reason_code = Some(code.into());
        }
    }
}
