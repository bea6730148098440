//! Persistence: control-plane state in SQLite (WAL mode) and deployment
//! packages in a content-addressed blob store on disk.
//!
//! Without a data directory the database lives in memory and the blobs in a
//! temporary folder removed on drop.

mod blobs;
mod db;
mod events;
mod layers;
mod objects;

pub use blobs::{BlobStore, CodeError, StoredCode};
pub use db::{Db, FunctionKey, StoreError};
pub use layers::LayerKey;
pub use objects::ObjectKey;

pub use rusqlite;

use std::path::{Path, PathBuf};

/// The whole state of one laminar instance.
pub struct Store {
    pub db: Db,
    pub blobs: BlobStore,
    /// Keeps the temporary root alive while the store is used.
    _temp: Option<tempfile::TempDir>,
}

impl Store {
    /// Opens (creating if needed) the state under `dir`, or a throw-away state
    /// when `dir` is `None`.
    pub fn open(dir: Option<&Path>) -> Result<Self, StoreError> {
        let (root, temp, db) = match dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)?;
                let db = Db::open(Some(&dir.join("laminar.db")))?;
                (dir.to_path_buf(), None, db)
            }
            None => {
                let temp = tempfile::Builder::new().prefix("laminar-").tempdir()?;
                let root: PathBuf = temp.path().to_path_buf();
                (root, Some(temp), Db::open(None)?)
            }
        };
        Ok(Self {
            db,
            blobs: BlobStore::open(&root, dir.is_some())?,
            _temp: temp,
        })
    }
}
