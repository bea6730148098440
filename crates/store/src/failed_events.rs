//! Asynchronous events that failed for good (retries or age exhausted), the
//! most recent few per function, for the console. The record is JSON owned
//! by the Lambda service; `function` is whatever key it groups them by.

use crate::db::{LambdaDb, StoreError};
use rusqlite::params;

impl LambdaDb {
    /// Records a failed event and forgets the function's older ones beyond `keep`.
    pub fn put_failed_event(
        &self,
        function: &str,
        record: &str,
        keep: usize,
    ) -> Result<(), StoreError> {
        let (function, record) = (function.to_string(), record.to_string());
        let keep = i64::try_from(keep).unwrap_or(i64::MAX);
        self.write_grouped(move |conn| {
            conn.prepare_cached("INSERT INTO failed_async_events (function, record) VALUES (?1, ?2)")?
                .execute(params![function, record])?;
            conn.prepare_cached(
                "DELETE FROM failed_async_events WHERE function = ?1 AND seq NOT IN
                 (SELECT seq FROM failed_async_events WHERE function = ?1 ORDER BY seq DESC LIMIT ?2)",
            )?
            .execute(params![function, keep])?;
            Ok(())
        })
    }

    /// Every kept failed event, newest first: (function, record).
    pub fn failed_events(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.with(|conn| {
            let mut stmt =
                conn.prepare("SELECT function, record FROM failed_async_events ORDER BY seq DESC")?;
            let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::Store;

    #[test]
    fn only_the_newest_are_kept_per_function() {
        let db = Store::temporary().unwrap().db;
        for n in 0..4 {
            db.put_failed_event("f", &n.to_string(), 2).unwrap();
        }
        db.put_failed_event("g", "x", 2).unwrap();
        assert_eq!(
            db.failed_events().unwrap(),
            vec![
                ("g".into(), "x".into()),
                ("f".into(), "3".into()),
                ("f".into(), "2".into())
            ]
        );
    }
}
