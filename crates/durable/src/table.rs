//! Where durable executions live: a `durable_executions` table in the
//! shared SQLite database (one JSON document per execution), mirrored in
//! memory. Every change is committed before it is visible or answered.

use crate::record::Execution;
use laminar_lambda_core::blocking::off_worker;
use laminar_lambda_core::ApiResult;
use laminar_model::arn::Scope;
use laminar_model::ApiError;
use laminar_store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::Notify;

pub(crate) struct Executions {
    store: Arc<Store>,
    records: Mutex<HashMap<String, Execution>>,
    /// The wake-up of each execution's driver task, while it runs.
    drivers: Mutex<HashMap<String, Arc<Notify>>>,
}

fn storage(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "durable execution store failed");
    ApiError::service(format!(
        "laminar could not persist the durable execution: {e}"
    ))
}

impl Executions {
    pub(crate) fn load(store: Arc<Store>) -> ApiResult<Self> {
        let mut records = HashMap::new();
        for (arn, body) in store.db.all_durable_executions().map_err(storage)? {
            match serde_json::from_str::<Execution>(&body) {
                Ok(record) => {
                    records.insert(arn, record);
                }
                Err(e) => {
                    tracing::warn!(%arn, error = %e, "skipping an unreadable durable execution")
                }
            }
        }
        Ok(Self {
            store,
            records: Mutex::new(records),
            drivers: Mutex::new(HashMap::new()),
        })
    }

    fn records(&self) -> MutexGuard<'_, HashMap<String, Execution>> {
        self.records.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn persist(&self, record: &Execution) -> ApiResult<()> {
        let body = serde_json::to_string(record).map_err(storage)?;
        self.store
            .db
            .put_durable_execution(&record.arn, &body)
            .map_err(storage)?;
        Ok(())
    }

    pub(crate) fn get(&self, arn: &str) -> Option<Execution> {
        self.records().get(arn).cloned()
    }

    /// The execution if it belongs to the caller's account and region: to
    /// a caller elsewhere it does not exist, as any other resource.
    pub(crate) fn get_in(&self, scope: &Scope, arn: &str) -> Option<Execution> {
        self.get(arn).filter(|e| e.belongs_to(scope))
    }

    /// [`Self::update`] for a caller: `None` when the execution is not in
    /// the caller's account and region.
    pub(crate) fn update_in<R>(
        &self,
        scope: &Scope,
        arn: &str,
        change: impl FnOnce(&mut Execution) -> ApiResult<R>,
    ) -> ApiResult<Option<R>> {
        if self.get_in(scope, arn).is_none() {
            return Ok(None);
        }
        self.update(arn, change)
    }

    /// Every execution the filter keeps.
    pub(crate) fn find(&self, keep: impl Fn(&Execution) -> bool) -> Vec<Execution> {
        self.records()
            .values()
            .filter(|r| keep(r))
            .cloned()
            .collect()
    }

    /// Stores a new execution unless `existing` finds one already there
    /// (then that one is returned and nothing is written).
    pub(crate) fn insert_unless(
        &self,
        record: Execution,
        existing: impl Fn(&Execution) -> bool,
    ) -> ApiResult<Result<Execution, Execution>> {
        let mut records = self.records();
        if let Some(found) = records.values().find(|r| existing(r)) {
            return Ok(Err(found.clone()));
        }
        self.persist(&record)?;
        records.insert(record.arn.clone(), record.clone());
        Ok(Ok(record))
    }

    /// Changes one execution: `change` works on a copy, which replaces the
    /// record once it is committed. `None` when there is no such execution.
    pub(crate) fn update<R>(
        &self,
        arn: &str,
        change: impl FnOnce(&mut Execution) -> ApiResult<R>,
    ) -> ApiResult<Option<R>> {
        let mut records = self.records();
        let Some(current) = records.get(arn) else {
            return Ok(None);
        };
        let mut copy = current.clone();
        let out = change(&mut copy)?;
        if &copy != current {
            self.persist(&copy)?;
            records.insert(arn.to_string(), copy);
        }
        Ok(Some(out))
    }

    /// [`Self::insert_unless`] from async code, on a blocking thread.
    pub(crate) async fn insert_unless_off_worker(
        self: &Arc<Self>,
        record: Execution,
        existing: impl Fn(&Execution) -> bool + Send + 'static,
    ) -> ApiResult<Result<Execution, Execution>> {
        let table = self.clone();
        off_worker(move || table.insert_unless(record, existing)).await
    }

    /// [`Self::update`] from async code, on a blocking thread.
    pub(crate) async fn update_off_worker<R: Send + 'static>(
        self: &Arc<Self>,
        arn: &str,
        change: impl FnOnce(&mut Execution) -> ApiResult<R> + Send + 'static,
    ) -> ApiResult<Option<R>> {
        let (table, arn) = (self.clone(), arn.to_string());
        off_worker(move || table.update(&arn, change)).await
    }

    /// Deletes the execution if it belongs to the caller's account and
    /// region.
    pub(crate) fn remove_in(&self, scope: &Scope, arn: &str) -> ApiResult<Option<Execution>> {
        let mut records = self.records();
        if !records.get(arn).is_some_and(|e| e.belongs_to(scope)) {
            return Ok(None);
        }
        self.store
            .db
            .delete_durable_execution(arn)
            .map_err(storage)?;
        Ok(records.remove(arn))
    }

    fn drivers(&self) -> MutexGuard<'_, HashMap<String, Arc<Notify>>> {
        self.drivers.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a driver for the execution; `None` if one already runs.
    pub(crate) fn claim_driver(&self, arn: &str) -> Option<Arc<Notify>> {
        let mut drivers = self.drivers();
        if drivers.contains_key(arn) {
            return None;
        }
        let notify = Arc::new(Notify::new());
        drivers.insert(arn.to_string(), notify.clone());
        Some(notify)
    }

    pub(crate) fn release_driver(&self, arn: &str) {
        self.drivers().remove(arn);
    }

    /// Wakes the execution's driver (a permit is kept if it is busy).
    pub(crate) fn wake(&self, arn: &str) {
        if let Some(notify) = self.drivers().get(arn) {
            notify.notify_one();
        }
    }

    /// The executions that still have work to do (for drivers at start-up).
    pub(crate) fn live(&self) -> Vec<String> {
        self.records()
            .values()
            .filter(|r| !r.is_terminal())
            .map(|r| r.arn.clone())
            .collect()
    }
}
