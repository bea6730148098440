//! Lambda's persistence: its records in the shared database (functions,
//! layer versions, account-level objects, queued asynchronous events,
//! durable executions) and deployment packages in a content-addressed blob
//! store beside it.
//!
//! The database itself (connection, migrations, blocking threads) is
//! `laminar-db`; this crate only holds Lambda's tables and their SQL.

mod blobs;
mod db;
mod durable;
mod events;
mod failed_events;
mod layers;
mod objects;
mod schema;

pub use blobs::{BlobStore, CodeError, StoredCode};
pub use db::{FunctionKey, LambdaDb, StoreError};
pub use laminar_db::blocking;
pub use layers::LayerKey;
pub use objects::ObjectKey;

/// Lambda's whole state in one laminar instance.
pub struct Store {
    pub db: LambdaDb,
    pub blobs: BlobStore,
}

impl Store {
    /// Lambda's state in `db`: its tables brought up to date, its blobs
    /// under the database's data root.
    pub fn open(db: laminar_db::Db) -> Result<Self, StoreError> {
        let blobs = BlobStore::open(db.data_root(), db.durable())?;
        Ok(Self {
            db: LambdaDb::open(db)?,
            blobs,
        })
    }

    /// A throw-away state (a database in memory, blobs in a temporary
    /// folder), for tests.
    pub fn temporary() -> Result<Self, StoreError> {
        Self::open(laminar_db::Db::open(None)?)
    }
}
