//! Reserved concurrency of a function (Put/Get/DeleteFunctionConcurrency).

use crate::naming::{key_of, resolve_name};
use crate::{ApiResult, LambdaService};
use laminar_model::arn::Scope;

impl LambdaService {
    pub fn put_function_concurrency(
        &self,
        scope: &Scope,
        function_name: &str,
        reserved: Option<i64>,
    ) -> ApiResult<u32> {
        let n = u32::try_from(reserved.unwrap_or_default()).unwrap_or(u32::MAX);
        self.set_reservation(scope, function_name, Some(n))?;
        Ok(n)
    }

    pub fn delete_function_concurrency(&self, scope: &Scope, function_name: &str) -> ApiResult<()> {
        self.set_reservation(scope, function_name, None)
    }

    pub fn get_function_concurrency(
        &self,
        scope: &Scope,
        function_name: &str,
    ) -> ApiResult<Option<u32>> {
        let reference = resolve_name(scope, function_name)?;
        let record = self.function_record(scope, &reference)?;
        Ok(record.reserved_concurrency)
    }

    fn set_reservation(&self, scope: &Scope, function_name: &str, n: Option<u32>) -> ApiResult<()> {
        let reference = resolve_name(scope, function_name)?;
        let key = key_of(scope, &reference.name);
        let mut registry = self.inner.registry.write();
        let latest = registry.function(&key)?;
        let previous = latest.reserved_concurrency;
        self.inner.invoker.concurrency.reserve(&key, n)?;
        let mut record = (*latest).clone();
        record.reserved_concurrency = n;
        if let Err(e) = registry.put(key.clone(), record) {
            // Keep the limiter in step with what is stored.
            let _ = self.inner.invoker.concurrency.reserve(&key, previous);
            return Err(e);
        }
        Ok(())
    }
}
