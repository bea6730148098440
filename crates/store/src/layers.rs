//! Layer versions: one row each, and per layer name the highest version
//! ever published (numbers are never reused).

use crate::db::{LambdaDb, StoreError};
use rusqlite::{params, OptionalExtension};

/// A layer name within an account and region.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LayerKey {
    pub account: String,
    pub region: String,
    pub name: String,
}

impl LambdaDb {
    /// Stores a new version of a layer under the next number, atomically.
    /// `record` gets the number and returns the JSON to store.
    pub fn publish_layer_version(
        &self,
        key: &LayerKey,
        record: impl FnOnce(u64) -> Result<String, serde_json::Error>,
    ) -> Result<(u64, String), StoreError> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            let last: Option<i64> = tx
                .query_row(
                    "SELECT last_version FROM layer_names WHERE account = ?1 AND region = ?2 AND name = ?3",
                    params![key.account, key.region, key.name],
                    |row| row.get(0),
                )
                .optional()?;
            let version = last.unwrap_or(0).max(0) as u64 + 1;
            let number = version as i64;
            let json = record(version)?;
            tx.execute(
                "INSERT INTO layer_names (account, region, name, last_version) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (account, region, name) DO UPDATE SET last_version = excluded.last_version",
                params![key.account, key.region, key.name, number],
            )?;
            tx.execute(
                "INSERT INTO layer_versions (account, region, name, version, record) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![key.account, key.region, key.name, number, json],
            )?;
            tx.commit()?;
            Ok((version, json))
        })
    }

    pub fn put_layer_version(
        &self,
        key: &LayerKey,
        version: u64,
        json: &str,
    ) -> Result<(), StoreError> {
        self.with(|conn| {
            conn.execute(
                "UPDATE layer_versions SET record = ?5 WHERE account = ?1 AND region = ?2 AND name = ?3 AND version = ?4",
                params![key.account, key.region, key.name, version as i64, json],
            )?;
            Ok(())
        })
    }

    pub fn get_layer_version(
        &self,
        key: &LayerKey,
        version: u64,
    ) -> Result<Option<String>, StoreError> {
        self.with(|conn| {
            Ok(conn
                .query_row(
                    "SELECT record FROM layer_versions WHERE account = ?1 AND region = ?2 AND name = ?3 AND version = ?4",
                    params![key.account, key.region, key.name, version as i64],
                    |row| row.get(0),
                )
                .optional()?)
        })
    }

    pub fn delete_layer_version(&self, key: &LayerKey, version: u64) -> Result<(), StoreError> {
        self.with(|conn| {
            conn.execute(
                "DELETE FROM layer_versions WHERE account = ?1 AND region = ?2 AND name = ?3 AND version = ?4",
                params![key.account, key.region, key.name, version as i64],
            )?;
            Ok(())
        })
    }

    /// Versions of one layer, newest first.
    pub fn layer_versions(&self, key: &LayerKey) -> Result<Vec<String>, StoreError> {
        self.with(|conn| {
            let mut stmt = conn.prepare(
                "SELECT record FROM layer_versions WHERE account = ?1 AND region = ?2 AND name = ?3 ORDER BY version DESC",
            )?;
            let rows =
                stmt.query_map(params![key.account, key.region, key.name], |row| row.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Every layer version of a scope, by name then newest first.
    pub fn all_layer_versions(
        &self,
        account: &str,
        region: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        self.with(|conn| {
            let mut stmt = conn.prepare(
                "SELECT name, record FROM layer_versions WHERE account = ?1 AND region = ?2 ORDER BY name, version DESC",
            )?;
            let rows = stmt.query_map(params![account, region], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }
}
