//! Tags on functions, addressed by ARN.

use crate::functions::key_of;
use crate::{ApiResult, LambdaService};
use laminar_model::arn::{FunctionRef, Scope};
use laminar_model::validate::Violations;
use laminar_model::ApiError;
use std::collections::BTreeMap;

const MAX_TAGS: usize = 50;

impl LambdaService {
    fn tagged_key(&self, scope: &Scope, resource: &str) -> ApiResult<laminar_store::FunctionKey> {
        let reference = FunctionRef::parse(resource)?;
        if reference.account.is_none() || reference.qualifier.is_some() {
            return Err(ApiError::invalid_parameter(format!(
                "Tags can only be set on a function ARN without a qualifier: {resource}"
            )));
        }
        reference.check_scope(scope)?;
        Ok(key_of(scope, &reference.name))
    }

    pub fn list_tags(&self, scope: &Scope, resource: &str) -> ApiResult<BTreeMap<String, String>> {
        let key = self.tagged_key(scope, resource)?;
        let record = self
            .inner
            .registry
            .get(&key)
            .ok_or_else(|| ApiError::function_not_found(&scope.function_arn(&key.name)))?;
        Ok(record.tags.clone())
    }

    pub fn tag_resource(
        &self,
        scope: &Scope,
        resource: &str,
        tags: BTreeMap<String, String>,
    ) -> ApiResult<()> {
        let mut v = Violations::new();
        for (k, value) in &tags {
            v.length("tags.key", Some(k), 1, 128);
            v.length("tags.value", Some(value), 0, 256);
        }
        v.finish()?;
        if tags.keys().any(|k| k.starts_with("aws:")) {
            return Err(ApiError::invalid_parameter(
                "Tag keys starting with 'aws:' are reserved.",
            ));
        }
        let key = self.tagged_key(scope, resource)?;
        let mut registry = self.inner.registry.write();
        let latest = registry
            .get(&key)
            .ok_or_else(|| ApiError::function_not_found(&scope.function_arn(&key.name)))?;
        let mut record = (*latest).clone();
        record.tags.extend(tags);
        if record.tags.len() > MAX_TAGS {
            return Err(ApiError::invalid_parameter(format!(
                "A function can have at most {MAX_TAGS} tags."
            )));
        }
        registry.put(key, record)?;
        Ok(())
    }

    pub fn untag_resource(&self, scope: &Scope, resource: &str, keys: &[String]) -> ApiResult<()> {
        let key = self.tagged_key(scope, resource)?;
        let mut registry = self.inner.registry.write();
        let latest = registry
            .get(&key)
            .ok_or_else(|| ApiError::function_not_found(&scope.function_arn(&key.name)))?;
        let mut record = (*latest).clone();
        for k in keys {
            record.tags.remove(k);
        }
        registry.put(key, record)?;
        Ok(())
    }
}
