//! Tags, addressed by ARN: on functions (kept in the function record) and
//! on the account-level objects AWS lets you tag (code signing configs,
//! event source mappings, capacity providers: kept with the object).

use crate::naming::key_of;
use crate::objects::{CAPACITY_PROVIDER, CODE_SIGNING_CONFIG, EVENT_SOURCE_MAPPING};
use crate::{ApiResult, LambdaService};
use laminar_model::arn::{FunctionRef, Scope};
use laminar_model::{ApiError, ErrorKind};

pub(crate) use laminar_lambda_core::tags::{Tagged, Tags};

/// What a taggable ARN names.
#[derive(Debug, PartialEq, Eq)]
enum Taggable {
    Function(String),
    /// An account-level object of one kind (`objects::*`), by id.
    Object {
        kind: &'static str,
        id: String,
    },
}

/// The resource kinds of `TaggableResource` other than functions.
const OBJECT_KINDS: [&str; 3] = [CODE_SIGNING_CONFIG, EVENT_SOURCE_MAPPING, CAPACITY_PROVIDER];

/// The object an ARN of the form `arn:…:lambda:<region>:<account>:<kind>:<id>`
/// names, if `kind` is one of the taggable objects' kinds.
fn object_of(resource: &str) -> Option<(&str, &str, &'static str, &str)> {
    let parts: Vec<&str> = resource.splitn(7, ':').collect();
    let [_, _, _, region, account, kind, id] = parts.as_slice() else {
        return None;
    };
    let kind = OBJECT_KINDS.into_iter().find(|k| k == kind)?;
    Some((region, account, kind, id))
}

fn not_found(resource: &str) -> ApiError {
    ApiError::new(
        ErrorKind::ResourceNotFound,
        format!("The resource you requested does not exist: {resource}"),
    )
}

fn taggable(scope: &Scope, resource: &str) -> ApiResult<Taggable> {
    if let Some((region, account, kind, id)) = object_of(resource) {
        if region != scope.region || account != scope.account {
            return Err(not_found(resource));
        }
        return Ok(Taggable::Object {
            kind,
            id: id.to_string(),
        });
    }
    if resource.split(':').nth(5) == Some("network-connector") {
        // Taggable in the model; laminar has no network connectors.
        return Err(not_found(resource));
    }
    let reference = FunctionRef::parse(resource)?;
    if reference.qualifier.is_some() {
        return Err(ApiError::invalid_parameter(
            "Tags on function aliases and versions are not supported. Please specify a function ARN.",
        ));
    }
    if reference.account.is_none() {
        return Err(ApiError::invalid_parameter(format!(
            "Tags can only be set on a function ARN without a qualifier: {resource}"
        )));
    }
    reference.check_scope(scope)?;
    Ok(Taggable::Function(reference.name))
}

fn check_new_tags(tags: &Tags) -> ApiResult<()> {
    crate::checks::reserved_tags(Some(tags))
}

impl LambdaService {
    pub fn list_tags(&self, scope: &Scope, resource: &str) -> ApiResult<Tags> {
        match taggable(scope, resource)? {
            Taggable::Function(name) => {
                let key = key_of(scope, &name);
                let record = self
                    .inner
                    .registry
                    .get(&key)
                    .ok_or_else(|| ApiError::function_not_found(&scope.function_arn(&name)))?;
                Ok(record.tags.clone())
            }
            Taggable::Object { kind, id } => match kind {
                CODE_SIGNING_CONFIG => {
                    self.object_tags::<laminar_account_objects::StoredConfig>(kind, scope, &id)
                }
                CAPACITY_PROVIDER => {
                    self.object_tags::<laminar_account_objects::StoredProvider>(kind, scope, &id)
                }
                _ => self.object_tags::<laminar_event_sources::Mapping>(kind, scope, &id),
            }
            .ok_or_else(|| not_found(resource)),
        }
    }

    pub fn tag_resource(&self, scope: &Scope, resource: &str, tags: Tags) -> ApiResult<()> {
        check_new_tags(&tags)?;
        self.change_tags(scope, resource, |current, _| {
            current.extend(tags);
            crate::checks::tag_count(current)
        })
    }

    pub fn untag_resource(&self, scope: &Scope, resource: &str, keys: &[String]) -> ApiResult<()> {
        self.change_tags(scope, resource, |current, _| {
            for k in keys {
                current.remove(k);
            }
            Ok(())
        })
    }

    /// Applies `change` to the tags of the resource an ARN names, writing
    /// the result only if `change` accepts it.
    fn change_tags(
        &self,
        scope: &Scope,
        resource: &str,
        change: impl FnOnce(&mut Tags, &str) -> ApiResult<()>,
    ) -> ApiResult<()> {
        match taggable(scope, resource)? {
            Taggable::Function(name) => {
                let key = key_of(scope, &name);
                let mut registry = self.inner.registry.write();
                let latest = registry
                    .get(&key)
                    .ok_or_else(|| ApiError::function_not_found(&scope.function_arn(&name)))?;
                let mut record = (*latest).clone();
                change(&mut record.tags, "function")?;
                registry.put(key, record)?;
                Ok(())
            }
            Taggable::Object { kind, id } => {
                let what = kind.replace('-', " ");
                let change = |tags: &mut Tags| change(tags, &what);
                match kind {
                    CODE_SIGNING_CONFIG => self
                        .change_object_tags::<laminar_account_objects::StoredConfig>(
                            kind, scope, &id, change,
                        ),
                    CAPACITY_PROVIDER => self
                        .change_object_tags::<laminar_account_objects::StoredProvider>(
                            kind, scope, &id, change,
                        ),
                    _ => self.change_object_tags::<laminar_event_sources::Mapping>(
                        kind, scope, &id, change,
                    ),
                }
                .unwrap_or_else(|| Err(not_found(resource)))
            }
        }
    }

    fn object_tags<T: Tagged>(&self, kind: &str, scope: &Scope, id: &str) -> Option<Tags> {
        let object: T = self.inner.objects.get(kind, scope, id)?;
        Some(object.tags().clone())
    }

    /// `None` when there is no such object.
    fn change_object_tags<T: Tagged>(
        &self,
        kind: &str,
        scope: &Scope,
        id: &str,
        change: impl FnOnce(&mut Tags) -> ApiResult<()>,
    ) -> Option<ApiResult<()>> {
        let mut objects = self.inner.objects.write();
        let mut object: T = objects.get(kind, scope, id)?;
        Some(change(object.tags_mut()).and_then(|()| objects.put(kind, scope, id, &object)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        Scope {
            account: "123456789012".into(),
            region: "us-east-1".into(),
        }
    }

    #[test]
    fn object_arns_name_their_kind_and_id() {
        let arn = "arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-0123456789abcdef0";
        assert_eq!(
            taggable(&scope(), arn).ok(),
            Some(Taggable::Object {
                kind: CODE_SIGNING_CONFIG,
                id: "csc-0123456789abcdef0".into()
            })
        );
        let arn = "arn:aws:lambda:us-east-1:123456789012:capacity-provider:cp-1";
        assert!(matches!(
            taggable(&scope(), arn),
            Ok(Taggable::Object {
                kind: CAPACITY_PROVIDER,
                ..
            })
        ));
        let arn = "arn:aws:lambda:us-east-1:123456789012:function:my-fn";
        assert_eq!(
            taggable(&scope(), arn).ok(),
            Some(Taggable::Function("my-fn".into()))
        );
    }

    #[test]
    fn objects_of_other_scopes_are_not_found() {
        let arn = "arn:aws:lambda:eu-west-1:123456789012:capacity-provider:cp-1";
        let err = taggable(&scope(), arn).err().map(|e| e.kind);
        assert_eq!(err, Some(ErrorKind::ResourceNotFound));
    }

    #[test]
    fn network_connectors_are_not_found() {
        let arn = "arn:aws:lambda:us-east-1:123456789012:network-connector:nc-1";
        let err = taggable(&scope(), arn).err().map(|e| e.kind);
        assert_eq!(err, Some(ErrorKind::ResourceNotFound));
    }

    #[test]
    fn qualified_function_arns_are_refused() {
        let arn = "arn:aws:lambda:us-east-1:123456789012:function:my-fn:1";
        let err = taggable(&scope(), arn).err().map(|e| e.kind);
        assert_eq!(err, Some(ErrorKind::InvalidParameterValue));
    }
}
