//! Reads and changes of one function's record in the caller's scope, as
//! every family does them (the registry's, under the names the families use).

use crate::{ApiResult, LambdaService};
use laminar_model::arn::{FunctionRef, Scope};
use laminar_model::config::FunctionRecord;
use std::sync::Arc;

impl LambdaService {
    pub(crate) fn function_record(
        &self,
        scope: &Scope,
        reference: &FunctionRef,
    ) -> ApiResult<Arc<FunctionRecord>> {
        self.inner.registry.function_record(scope, reference)
    }

    pub(crate) fn change_function<T>(
        &self,
        scope: &Scope,
        reference: &FunctionRef,
        change: impl FnOnce(&mut FunctionRecord) -> ApiResult<T>,
    ) -> ApiResult<T> {
        self.inner
            .registry
            .change_function(scope, reference, change)
    }

    pub(crate) fn functions_where<T>(
        &self,
        scope: &Scope,
        pick: impl FnMut(&FunctionRecord) -> Option<T>,
    ) -> Vec<T> {
        self.inner.registry.functions_where(scope, pick)
    }
}
