//! Reads and changes of one function's record in the caller's scope, as
//! every family does them.

use crate::{ApiResult, LambdaService};
use laminar_lambda_core::naming::key_of;
use laminar_model::arn::{FunctionRef, Scope};
use laminar_model::config::FunctionRecord;
use laminar_model::ApiError;
use std::sync::Arc;

impl LambdaService {
    /// The function a reference names in the caller's scope.
    pub(crate) fn function_record(
        &self,
        scope: &Scope,
        reference: &FunctionRef,
    ) -> ApiResult<Arc<FunctionRecord>> {
        self.inner
            .registry
            .get(&key_of(scope, &reference.name))
            .ok_or_else(|| ApiError::function_not_found(&scope.function_arn(&reference.name)))
    }

    /// Changes one function's record under the registry's write lock:
    /// `change` gets a copy to edit and answers what the operation returns.
    pub(crate) fn change_function<T>(
        &self,
        scope: &Scope,
        reference: &FunctionRef,
        change: impl FnOnce(&mut FunctionRecord) -> ApiResult<T>,
    ) -> ApiResult<T> {
        let key = key_of(scope, &reference.name);
        let mut registry = self.inner.registry.write();
        let latest = registry.function(&key)?;
        let mut record = (*latest).clone();
        let out = change(&mut record)?;
        if record != *latest {
            registry.put(key, record)?;
        }
        Ok(out)
    }

    /// Every function of the caller's scope `pick` answers for, in name order.
    pub(crate) fn functions_where<T>(
        &self,
        scope: &Scope,
        mut pick: impl FnMut(&FunctionRecord) -> Option<T>,
    ) -> Vec<T> {
        let mut out = Vec::new();
        self.inner.registry.find(|key, record| {
            if key.account == scope.account && key.region == scope.region {
                if let Some(t) = pick(record) {
                    out.push(t);
                }
            }
            None::<()>
        });
        out
    }
}
