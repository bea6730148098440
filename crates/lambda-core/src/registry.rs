//! The functions of every account and region: kept in memory for reads,
//! written through to the store before any change is acknowledged.

use crate::naming::key_of;
use crate::ApiResult;
use laminar_model::arn::{FunctionRef, Scope};
use laminar_model::config::FunctionRecord;
use laminar_model::ApiError;
use laminar_store::{FunctionKey, Store, StoreError};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

pub struct Registry {
    store: Arc<Store>,
    functions: RwLock<BTreeMap<FunctionKey, Arc<FunctionRecord>>>,
    /// Changes take turns here, so that the map's lock is only held to swap
    /// a record in: readers (every invoke) never wait for a disk sync.
    writers: Mutex<()>,
}

fn not_found(key: &FunctionKey) -> ApiError {
    ApiError::function_not_found(&format!(
        "arn:aws:lambda:{}:{}:function:{}",
        key.region, key.account, key.name
    ))
}

pub fn storage_error(e: StoreError) -> ApiError {
    tracing::error!(error = %e, "state store failed");
    ApiError::service(format!("laminar could not persist the change: {e}"))
}

impl Registry {
    /// The function a reference names in the caller's scope.
    pub fn function_record(
        &self,
        scope: &Scope,
        reference: &FunctionRef,
    ) -> ApiResult<Arc<FunctionRecord>> {
        self.get(&key_of(scope, &reference.name))
            .ok_or_else(|| ApiError::function_not_found(&scope.function_arn(&reference.name)))
    }

    /// Changes one function's record under the registry's write lock:
    /// `change` gets a copy to edit and answers what the operation returns.
    pub fn change_function<T>(
        &self,
        scope: &Scope,
        reference: &FunctionRef,
        change: impl FnOnce(&mut FunctionRecord) -> ApiResult<T>,
    ) -> ApiResult<T> {
        let key = key_of(scope, &reference.name);
        let mut registry = self.write();
        let latest = registry.function(&key)?;
        let mut record = (*latest).clone();
        let out = change(&mut record)?;
        if record != *latest {
            registry.put(key, record)?;
        }
        Ok(out)
    }

    /// Every function of the caller's scope `pick` answers for, in name order.
    pub fn functions_where<T>(
        &self,
        scope: &Scope,
        mut pick: impl FnMut(&FunctionRecord) -> Option<T>,
    ) -> Vec<T> {
        let mut out = Vec::new();
        self.find(|key, record| {
            if key.account == scope.account && key.region == scope.region {
                if let Some(t) = pick(record) {
                    out.push(t);
                }
            }
            None::<()>
        });
        out
    }

    pub fn load(store: Arc<Store>) -> Result<Self, ApiError> {
        let functions = store
            .db
            .all_functions()
            .map_err(storage_error)?
            .into_iter()
            .map(|(k, r)| (k, Arc::new(r)))
            .collect();
        Ok(Self {
            store,
            functions: RwLock::new(functions),
            writers: Mutex::new(()),
        })
    }

    fn read(&self) -> RwLockReadGuard<'_, BTreeMap<FunctionKey, Arc<FunctionRecord>>> {
        self.functions.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Exclusive access for a read-check-write change.
    pub fn write(&self) -> Writer<'_> {
        Writer {
            registry: self,
            _turn: self.writers.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }

    fn map_mut(&self) -> RwLockWriteGuard<'_, BTreeMap<FunctionKey, Arc<FunctionRecord>>> {
        self.functions.write().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, key: &FunctionKey) -> Option<Arc<FunctionRecord>> {
        self.read().get(key).cloned()
    }

    /// The function, or the `ResourceNotFoundException` AWS answers.
    pub fn function(&self, key: &FunctionKey) -> Result<Arc<FunctionRecord>, ApiError> {
        self.get(key).ok_or_else(|| not_found(key))
    }

    /// Up to `limit` functions of one scope, in name order, starting after
    /// `after`; and whether more follow.
    pub fn page(
        &self,
        account: &str,
        region: &str,
        after: Option<&str>,
        limit: usize,
    ) -> (Vec<Arc<FunctionRecord>>, bool) {
        let functions = self.read();
        let start = FunctionKey {
            account: account.to_string(),
            region: region.to_string(),
            name: after.unwrap_or_default().to_string(),
        };
        let mut in_scope = functions
            .range(start..)
            .take_while(|(k, _)| k.account == account && k.region == region)
            .filter(|(k, _)| after.is_none_or(|a| k.name.as_str() > a))
            .map(|(_, r)| r.clone());
        let page: Vec<_> = in_scope.by_ref().take(limit).collect();
        let more = in_scope.next().is_some();
        (page, more)
    }

    /// The first answer `pick` gives over all functions.
    pub fn find<T>(
        &self,
        mut pick: impl FnMut(&FunctionKey, &FunctionRecord) -> Option<T>,
    ) -> Option<T> {
        self.read().iter().find_map(|(k, r)| pick(k, r))
    }

    /// The keys of the functions `pick` selects (start-up work).
    pub fn select(&self, mut pick: impl FnMut(&FunctionRecord) -> bool) -> Vec<FunctionKey> {
        self.read()
            .iter()
            .filter(|(_, r)| pick(r))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// Every function's reserved concurrency, to restore the limiter.
    pub fn reservations(&self) -> Vec<(FunctionKey, u32)> {
        self.read()
            .iter()
            .filter_map(|(k, r)| Some((k.clone(), r.reserved_concurrency?)))
            .collect()
    }

    pub fn count_and_code_size(&self, account: &str) -> (u64, u64) {
        self.read()
            .iter()
            .filter(|(k, _)| k.account == account)
            .fold((0, 0), |(n, size), (_, r)| {
                // Every published version keeps its package, as in AWS.
                let versions: u64 = r.versions.values().map(|v| v.config.code_size).sum();
                (n + 1, size + r.config.code_size + versions)
            })
    }
}

/// A change in progress: what it reads is current (changes take turns),
/// and what it writes is stored before it becomes visible.
pub struct Writer<'a> {
    registry: &'a Registry,
    _turn: MutexGuard<'a, ()>,
}

impl Writer<'_> {
    pub fn get(&self, key: &FunctionKey) -> Option<Arc<FunctionRecord>> {
        self.registry.get(key)
    }

    /// The function, or the `ResourceNotFoundException` AWS answers.
    pub fn function(&self, key: &FunctionKey) -> Result<Arc<FunctionRecord>, ApiError> {
        self.get(key).ok_or_else(|| not_found(key))
    }

    pub fn put(
        &mut self,
        key: FunctionKey,
        record: FunctionRecord,
    ) -> Result<Arc<FunctionRecord>, ApiError> {
        self.registry
            .store
            .db
            .put_function(&key, &record)
            .map_err(storage_error)?;
        let record = Arc::new(record);
        self.registry.map_mut().insert(key, record.clone());
        Ok(record)
    }

    pub fn remove(&mut self, key: &FunctionKey) -> Result<(), ApiError> {
        self.registry
            .store
            .db
            .delete_function(key)
            .map_err(storage_error)?;
        self.registry.map_mut().remove(key);
        Ok(())
    }
}
