//! Account-level objects that belong to no function (code signing configs,
//! capacity providers, resource policies of non-function resources): one row
//! each, its record as JSON, keyed by kind, account, region and id.

use crate::db::{LambdaDb, StoreError};
use rusqlite::params;

/// Identifies one object: what it is, where it lives and its id.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    pub kind: String,
    pub account: String,
    pub region: String,
    pub id: String,
}

impl LambdaDb {
    pub fn put_object(&self, key: &ObjectKey, json: &str) -> Result<(), StoreError> {
        self.with(|conn| {
            conn.execute(
                "INSERT INTO objects (kind, account, region, id, record) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (kind, account, region, id) DO UPDATE SET record = excluded.record",
                params![key.kind, key.account, key.region, key.id, json],
            )?;
            Ok(())
        })
    }

    pub fn delete_object(&self, key: &ObjectKey) -> Result<(), StoreError> {
        self.with(|conn| {
            conn.execute(
                "DELETE FROM objects WHERE kind = ?1 AND account = ?2 AND region = ?3 AND id = ?4",
                params![key.kind, key.account, key.region, key.id],
            )?;
            Ok(())
        })
    }

    /// Every stored object, for loading the in-memory table at start-up.
    pub fn all_objects(&self) -> Result<Vec<(ObjectKey, String)>, StoreError> {
        self.with(|conn| {
            let mut stmt = conn.prepare("SELECT kind, account, region, id, record FROM objects")?;
            let rows = stmt.query_map([], |row| {
                Ok((
                    ObjectKey {
                        kind: row.get(0)?,
                        account: row.get(1)?,
                        region: row.get(2)?,
                        id: row.get(3)?,
                    },
                    row.get::<_, String>(4)?,
                ))
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    #[test]
    fn objects_round_trip() {
        let db = Store::temporary().unwrap().db;
        let key = ObjectKey {
            kind: "thing".into(),
            account: "000000000000".into(),
            region: "us-east-1".into(),
            id: "a".into(),
        };
        db.put_object(&key, "{\"v\":1}").unwrap();
        db.put_object(&key, "{\"v\":2}").unwrap();
        assert_eq!(
            db.all_objects().unwrap(),
            vec![(key.clone(), "{\"v\":2}".to_string())]
        );
        db.delete_object(&key).unwrap();
        assert!(db.all_objects().unwrap().is_empty());
    }
}
