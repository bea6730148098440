//! Function states: a function is `Pending` (or its last update
//! `InProgress`) while the executor prepares to run it, e.g. pulls its image,
//! then `Active` / `Successful`, or `Failed` with the reason.

use crate::{ApiResult, Invoker};
use laminar_executor::StartError;
use laminar_lambda_core::blocking::off_worker;
use laminar_lambda_core::clock;
use laminar_lambda_core::registry::Registry;
use laminar_model::arn::Scope;
use laminar_model::config::{FunctionConfiguration, FunctionState, LastUpdateStatus};
use laminar_model::ApiError;
use laminar_store::FunctionKey;
use std::sync::Arc;

impl Invoker {
    /// A change to `$LATEST`: a new revision and modification time, and an
    /// update in progress until the executor is ready for it.
    pub fn touch(&self, config: &mut FunctionConfiguration) {
        config.revision_id = uuid::Uuid::new_v4().to_string();
        config.last_modified = clock::last_modified(clock::now());
        config.last_update_status = if self.pools.prepares() {
            LastUpdateStatus::InProgress
        } else {
            LastUpdateStatus::Successful
        };
        config.last_update_status_reason = None;
        config.last_update_status_reason_code = None;
    }

    /// Gets the executor ready for a function revision and records the
    /// outcome: inline where that is instant, in the background where it
    /// takes time. Returns the configuration as it stands now.
    pub async fn settle(
        self: Arc<Self>,
        scope: Scope,
        key: FunctionKey,
        revision: String,
    ) -> ApiResult<FunctionConfiguration> {
        let current = if self.pools.prepares() {
            let now = self.registry.get(&key).map(|r| r.config.clone());
            let worker = self.clone();
            let scope = scope.clone();
            let key = key.clone();
            tokio::spawn(async move { worker.prepare_and_record(&scope, &key, &revision).await });
            now
        } else {
            self.prepare_and_record(&scope, &key, &revision).await
        };
        // None: a concurrent DeleteFunction won.
        current.ok_or_else(|| ApiError::function_not_found(&scope.function_arn(&key.name)))
    }

    async fn prepare_and_record(
        &self,
        scope: &Scope,
        key: &FunctionKey,
        revision: &str,
    ) -> Option<FunctionConfiguration> {
        let record = self.registry.get(key)?;
        let outcome = match self
            .spec(scope, &record.config, &record.code, &record.layer_contents)
            .await
        {
            Ok(spec) => self.pools.prepare(&spec).await.map_err(|e| {
                let code = match &e {
                    StartError::Image(_) => "ImageAccessDenied",
                    StartError::UnsupportedRuntime(_) => "InvalidRuntime",
                    StartError::InvalidEntrypoint { .. } => "InvalidConfiguration",
                    StartError::Io(_) | StartError::Engine(_) => "InternalError",
                };
                (code, e.to_string())
            }),
            Err(e) => Err(("InternalError", e.message)),
        };
        let registry = self.registry.clone();
        let (owned_key, revision) = (key.clone(), revision.to_string());
        let recorded =
            off_worker(move || Ok(record_outcome(&registry, &owned_key, &revision, outcome))).await;
        recorded.unwrap_or_else(|e| {
            tracing::error!(error = %e, "could not record the function's state");
            self.registry.get(key).map(|r| r.config.clone())
        })
    }
}

/// Records a preparation's outcome on the function, unless a newer change
/// took over; answers the configuration as it stands then.
fn record_outcome(
    registry: &Registry,
    key: &FunctionKey,
    revision: &str,
    outcome: Result<(), (&'static str, String)>,
) -> Option<FunctionConfiguration> {
    let mut registry = registry.write();
    let latest = registry.get(key)?;
    if latest.config.revision_id != revision {
        // A newer change took over; it records its own outcome.
        return Some(latest.config.clone());
    }
    let mut updated = (*latest).clone();
    let c = &mut updated.config;
    let creating = c.state == FunctionState::Pending;
    match outcome {
        Ok(()) => {
            c.state = FunctionState::Active;
            c.state_reason = None;
            c.state_reason_code = None;
            c.last_update_status = LastUpdateStatus::Successful;
        }
        Err((code, reason)) if creating => {
            tracing::warn!(function = %c.function_arn, %reason, "function failed to become active");
            c.state = FunctionState::Failed;
            c.state_reason = Some(reason);
            c.state_reason_code = Some(code.into());
        }
        Err((code, reason)) => {
            tracing::warn!(function = %c.function_arn, %reason, "function update failed");
            c.last_update_status = LastUpdateStatus::Failed;
            c.last_update_status_reason = Some(reason);
            c.last_update_status_reason_code = Some(code.into());
        }
    }
    if *c == latest.config {
        return Some(updated.config);
    }
    match registry.put(key.clone(), updated) {
        Ok(record) => Some(record.config.clone()),
        Err(e) => {
            tracing::error!(error = %e, "could not record the function's state");
            Some(latest.config.clone())
        }
    }
}
