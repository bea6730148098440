//! Lambda's records in the shared database: one row per function, its record
//! as JSON. The other record families are in sibling modules.

use laminar_model::config::FunctionRecord;
use rusqlite::{params, OptionalExtension};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    Db(#[from] laminar_db::DbError),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("corrupt record: {0}")]
    Corrupt(#[from] serde_json::Error),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Db(e.into())
    }
}

/// Identifies a function: account, region and name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FunctionKey {
    pub account: String,
    pub region: String,
    pub name: String,
}

/// Lambda's tables. Its methods commit before they return and block while
/// they do: call them from a blocking thread.
pub struct LambdaDb {
    db: laminar_db::Db,
}

impl LambdaDb {
    /// Brings Lambda's tables up to date in `db`.
    pub(crate) fn open(db: laminar_db::Db) -> Result<Self, StoreError> {
        db.migrate(&crate::schema::LAMBDA)?;
        Ok(Self { db })
    }

    /// Runs `work` on the connection; the error is the store's.
    pub(crate) fn with<T>(
        &self,
        work: impl FnOnce(&mut rusqlite::Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        // A commit syncs the disk, and a read waits for the commit holding
        // the connection: either would stall every task of an async worker.
        debug_assert!(
            !laminar_db::on_async_worker(),
            "Lambda's store used on an async worker; move the call into laminar_db::blocking"
        );
        self.db.call_blocking(work)
    }

    /// Runs a small write committed together with other writers' (see
    /// [`laminar_db::Db::write_grouped`]): for writes acknowledged at a high
    /// rate (the event queue), where one fsync each would be the limit.
    pub(crate) fn write_grouped<T: Send + 'static>(
        &self,
        work: impl FnOnce(&rusqlite::Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        debug_assert!(
            !laminar_db::on_async_worker(),
            "Lambda's store used on an async worker; move the call into laminar_db::blocking"
        );
        self.db.write_grouped(work)
    }

    /// [`Self::write_grouped`] for async code (see
    /// [`laminar_db::Db::write_grouped_async`]).
    pub(crate) async fn write_grouped_async<T: Send + 'static>(
        &self,
        work: impl FnOnce(&rusqlite::Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.db.write_grouped_async(work).await
    }

    pub fn put_function(
        &self,
        key: &FunctionKey,
        record: &FunctionRecord,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(record)?;
        self.with(|conn| {
            conn.execute(
                "INSERT INTO functions (account, region, name, record) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (account, region, name) DO UPDATE SET record = excluded.record",
                params![key.account, key.region, key.name, json],
            )?;
            Ok(())
        })
    }

    pub fn delete_function(&self, key: &FunctionKey) -> Result<(), StoreError> {
        self.with(|conn| {
            conn.execute(
                "DELETE FROM functions WHERE account = ?1 AND region = ?2 AND name = ?3",
                params![key.account, key.region, key.name],
            )?;
            Ok(())
        })
    }

    pub fn get_function(&self, key: &FunctionKey) -> Result<Option<FunctionRecord>, StoreError> {
        let json: Option<String> = self.with(|conn| {
            Ok(conn
                .query_row(
                    "SELECT record FROM functions WHERE account = ?1 AND region = ?2 AND name = ?3",
                    params![key.account, key.region, key.name],
                    |row| row.get(0),
                )
                .optional()?)
        })?;
        Ok(json.map(|j| serde_json::from_str(&j)).transpose()?)
    }

    /// Every stored function, for loading the in-memory registry at start-up.
    pub fn all_functions(&self) -> Result<Vec<(FunctionKey, FunctionRecord)>, StoreError> {
        let rows: Vec<(FunctionKey, String)> = self.with(|conn| {
            let mut stmt = conn.prepare("SELECT account, region, name, record FROM functions")?;
            let rows = stmt.query_map([], |row| {
                Ok((
                    FunctionKey {
                        account: row.get(0)?,
                        region: row.get(1)?,
                        name: row.get(2)?,
                    },
                    row.get::<_, String>(3)?,
                ))
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })?;
        rows.into_iter()
            .map(|(key, json)| Ok((key, serde_json::from_str(&json)?)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::FunctionKey;
    use crate::Store;
    use std::sync::Arc;

    fn key() -> FunctionKey {
        FunctionKey {
            account: "000000000000".into(),
            region: "us-east-1".into(),
            name: "f".into(),
        }
    }

    /// The check that keeps commits off the async workers: a regressed
    /// write path panics in a debug build (every test suite runs one).
    #[cfg(debug_assertions)]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_commit_on_an_async_worker_is_refused_in_debug_builds() {
        let store = Arc::new(Store::temporary().unwrap());
        let on_worker = store.clone();
        let refused = tokio::spawn(async move { on_worker.db.delete_function(&key()) }).await;
        assert!(refused.is_err_and(|e| e.is_panic()));
        let off_worker = store.clone();
        let allowed = tokio::spawn(async move {
            laminar_db::blocking(move || off_worker.db.delete_function(&key())).await
        });
        assert!(matches!(allowed.await, Ok(Ok(Ok(())))));
    }
}
