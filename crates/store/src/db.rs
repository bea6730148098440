//! The SQLite database: one row per function, its record as JSON.

use laminar_model::config::FunctionRecord;
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;
use std::sync::Mutex;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("corrupt record: {0}")]
    Corrupt(#[from] serde_json::Error),
}

/// Identifies a function: account, region and name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FunctionKey {
    pub account: String,
    pub region: String,
    pub name: String,
}

pub struct Db {
    conn: Mutex<Connection>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS functions (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    name    TEXT NOT NULL,
    record  TEXT NOT NULL,
    PRIMARY KEY (account, region, name)
);
CREATE TABLE IF NOT EXISTS layer_versions (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    name    TEXT NOT NULL,
    version INTEGER NOT NULL,
    record  TEXT NOT NULL,
    PRIMARY KEY (account, region, name, version)
);
CREATE TABLE IF NOT EXISTS layer_names (
    account      TEXT NOT NULL,
    region       TEXT NOT NULL,
    name         TEXT NOT NULL,
    last_version INTEGER NOT NULL,
    PRIMARY KEY (account, region, name)
);
CREATE TABLE IF NOT EXISTS async_events (
    id     TEXT PRIMARY KEY,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS objects (
    kind    TEXT NOT NULL,
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    id      TEXT NOT NULL,
    record  TEXT NOT NULL,
    PRIMARY KEY (kind, account, region, id)
);
";

impl Db {
    pub fn open(path: Option<&Path>) -> Result<Self, StoreError> {
        let conn = match path {
            Some(path) => {
                let conn = Connection::open(path)?;
                // WAL + synchronous=FULL: a commit that returned survives a crash.
                conn.pragma_update(None, "journal_mode", "WAL")?;
                conn.pragma_update(None, "synchronous", "FULL")?;
                conn
            }
            None => Connection::open_in_memory()?,
        };
        conn.execute_batch(SCHEMA)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    pub(crate) fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written
        // (statements are atomic), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The connection, for the companion services (SQS, CloudWatch Logs, S3)
    /// that keep their own tables in the same database: one file, one
    /// durability rule. Hold it for one statement or one transaction.
    pub fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn()
    }

    pub fn put_function(
        &self,
        key: &FunctionKey,
        record: &FunctionRecord,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(record)?;
        self.conn().execute(
            "INSERT INTO functions (account, region, name, record) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (account, region, name) DO UPDATE SET record = excluded.record",
            params![key.account, key.region, key.name, json],
        )?;
        Ok(())
    }

    pub fn delete_function(&self, key: &FunctionKey) -> Result<(), StoreError> {
        self.conn().execute(
            "DELETE FROM functions WHERE account = ?1 AND region = ?2 AND name = ?3",
            params![key.account, key.region, key.name],
        )?;
        Ok(())
    }

    pub fn get_function(&self, key: &FunctionKey) -> Result<Option<FunctionRecord>, StoreError> {
        let json: Option<String> = self
            .conn()
            .query_row(
                "SELECT record FROM functions WHERE account = ?1 AND region = ?2 AND name = ?3",
                params![key.account, key.region, key.name],
                |row| row.get(0),
            )
            .optional()?;
        Ok(json.map(|j| serde_json::from_str(&j)).transpose()?)
    }

    /// Every stored function, for loading the in-memory registry at start-up.
    pub fn all_functions(&self) -> Result<Vec<(FunctionKey, FunctionRecord)>, StoreError> {
        let conn = self.conn();
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
        let mut out = Vec::new();
        for row in rows {
            let (key, json) = row?;
            out.push((key, serde_json::from_str(&json)?));
        }
        Ok(out)
    }
}
