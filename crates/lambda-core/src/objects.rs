//! Account-level objects (code signing configs, capacity providers, policies
//! of resources that are not functions): kept in memory for reads, written
//! through to the store before any change is acknowledged.

use crate::registry::storage_error;
use crate::ApiResult;
use laminar_model::arn::Scope;
use laminar_store::{ObjectKey, Store};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

pub const CODE_SIGNING_CONFIG: &str = "code-signing-config";
pub const CAPACITY_PROVIDER: &str = "capacity-provider";
pub const RESOURCE_POLICY: &str = "resource-policy";
pub const EVENT_SOURCE_MAPPING: &str = "event-source-mapping";

pub fn key(kind: &str, scope: &Scope, id: &str) -> ObjectKey {
    ObjectKey {
        kind: kind.to_string(),
        account: scope.account.clone(),
        region: scope.region.clone(),
        id: id.to_string(),
    }
}

type Table = BTreeMap<ObjectKey, Value>;

pub struct Objects {
    store: Arc<Store>,
    table: RwLock<Table>,
}

fn decode<T: DeserializeOwned>(key: &ObjectKey, value: &Value) -> Option<T> {
    match T::deserialize(value) {
        Ok(v) => Some(v),
        Err(e) => {
            tracing::warn!(kind = %key.kind, id = %key.id, error = %e, "unreadable stored object");
            None
        }
    }
}

fn in_scope<'a, T: DeserializeOwned>(
    table: &'a Table,
    kind: &'a str,
    scope: &'a Scope,
) -> impl Iterator<Item = (String, T)> + 'a {
    table
        .iter()
        .filter(move |(k, _)| {
            k.kind == kind && k.account == scope.account && k.region == scope.region
        })
        .filter_map(|(k, v)| Some((k.id.clone(), decode(k, v)?)))
}

impl Objects {
    pub fn load(store: Arc<Store>) -> ApiResult<Self> {
        let mut table = Table::new();
        for (key, json) in store.db.all_objects().map_err(storage_error)? {
            match serde_json::from_str(&json) {
                Ok(value) => {
                    table.insert(key, value);
                }
                Err(e) => {
                    tracing::warn!(kind = %key.kind, id = %key.id, error = %e, "skipping a corrupt stored object")
                }
            }
        }
        Ok(Self {
            store,
            table: RwLock::new(table),
        })
    }

    fn read(&self) -> RwLockReadGuard<'_, Table> {
        self.table.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Exclusive access for a read-check-write change.
    pub fn write(&self) -> ObjectsWriter<'_> {
        ObjectsWriter {
            store: &self.store,
            table: self.table.write().unwrap_or_else(|e| e.into_inner()),
        }
    }

    pub fn get<T: DeserializeOwned>(&self, kind: &str, scope: &Scope, id: &str) -> Option<T> {
        let key = key(kind, scope, id);
        self.read().get(&key).and_then(|v| decode(&key, v))
    }

    /// Every object of one kind in one scope, in id order.
    pub fn list<T: DeserializeOwned>(&self, kind: &str, scope: &Scope) -> Vec<(String, T)> {
        in_scope(&self.read(), kind, scope).collect()
    }

    /// Every object of one kind in every scope.
    pub fn list_all<T: DeserializeOwned>(&self, kind: &str) -> Vec<(ObjectKey, T)> {
        self.read()
            .iter()
            .filter(|(k, _)| k.kind == kind)
            .filter_map(|(k, v)| Some((k.clone(), decode(k, v)?)))
            .collect()
    }
}

pub struct ObjectsWriter<'a> {
    store: &'a Store,
    table: RwLockWriteGuard<'a, Table>,
}

impl ObjectsWriter<'_> {
    pub fn list<T: DeserializeOwned>(&self, kind: &str, scope: &Scope) -> Vec<(String, T)> {
        in_scope(&self.table, kind, scope).collect()
    }

    pub fn get<T: DeserializeOwned>(&self, kind: &str, scope: &Scope, id: &str) -> Option<T> {
        let key = key(kind, scope, id);
        self.table.get(&key).and_then(|v| decode(&key, v))
    }

    pub fn put<T: Serialize>(
        &mut self,
        kind: &str,
        scope: &Scope,
        id: &str,
        object: &T,
    ) -> ApiResult<()> {
        let key = key(kind, scope, id);
        let value = serde_json::to_value(object).map_err(|e| {
            laminar_model::ApiError::service(format!("laminar could not encode the {kind}: {e}"))
        })?;
        self.store
            .db
            .put_object(&key, &value.to_string())
            .map_err(storage_error)?;
        self.table.insert(key, value);
        Ok(())
    }

    pub fn remove(&mut self, kind: &str, scope: &Scope, id: &str) -> ApiResult<()> {
        let key = key(kind, scope, id);
        self.store.db.delete_object(&key).map_err(storage_error)?;
        self.table.remove(&key);
        Ok(())
    }
}
