//! Durable executions: one row per execution, its document as JSON owned by
//! the Lambda service, keyed by the execution's ARN.

use crate::db::{LambdaDb, StoreError};
use rusqlite::params;

impl LambdaDb {
    pub fn put_durable_execution(&self, arn: &str, body: &str) -> Result<(), StoreError> {
        self.with(|conn| {
            conn.execute(
                "INSERT OR REPLACE INTO durable_executions (arn, body) VALUES (?1, ?2)",
                params![arn, body],
            )?;
            Ok(())
        })
    }

    pub fn delete_durable_execution(&self, arn: &str) -> Result<(), StoreError> {
        self.with(|conn| {
            conn.execute(
                "DELETE FROM durable_executions WHERE arn = ?1",
                params![arn],
            )?;
            Ok(())
        })
    }

    /// Every execution (ARN, document), for loading them at start-up.
    pub fn all_durable_executions(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.with(|conn| {
            let mut stmt = conn.prepare("SELECT arn, body FROM durable_executions")?;
            let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::Store;

    #[test]
    fn durable_executions_round_trip() {
        let db = Store::temporary().unwrap().db;
        db.put_durable_execution("arn:a", "{\"n\":1}").unwrap();
        db.put_durable_execution("arn:a", "{\"n\":2}").unwrap();
        assert_eq!(
            db.all_durable_executions().unwrap(),
            vec![("arn:a".into(), "{\"n\":2}".into())]
        );
        db.delete_durable_execution("arn:a").unwrap();
        assert!(db.all_durable_executions().unwrap().is_empty());
    }
}
