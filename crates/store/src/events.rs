//! The asynchronous invocation queue: one row per accepted event, from the
//! moment Invoke answers 202 until the event is done (it succeeded, or its
//! failure went to the configured destination). The record is JSON owned by
//! the Lambda service.

use crate::db::{LambdaDb, StoreError};
use rusqlite::{params, OptionalExtension};

impl LambdaDb {
    /// Inserts or replaces an event (a new event, or one rescheduled).
    /// Committed with the other writers of the moment (group commit): an
    /// Event invoke's 202 waits for the disk, not for every other 202's.
    pub fn put_event(&self, id: &str, record: &str) -> Result<(), StoreError> {
        let (id, record) = (id.to_string(), record.to_string());
        self.write_grouped(move |conn| upsert_event(conn, &id, &record))
    }

    /// [`Self::put_event`] for async code: the task waits for the group's
    /// commit without holding a thread of its own.
    pub async fn put_event_async(&self, id: String, record: String) -> Result<(), StoreError> {
        self.write_grouped_async(move |conn| upsert_event(conn, &id, &record))
            .await
    }

    pub fn delete_event(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_string();
        self.write_grouped(move |conn| {
            conn.prepare_cached("DELETE FROM async_events WHERE id = ?1")?
                .execute(params![id])?;
            Ok(())
        })
    }

    /// One pending event's record.
    pub fn get_event(&self, id: &str) -> Result<Option<String>, StoreError> {
        self.with(|conn| {
            Ok(conn
                .prepare_cached("SELECT record FROM async_events WHERE id = ?1")?
                .query_row(params![id], |row| row.get(0))
                .optional()?)
        })
    }

    /// Every pending event, for resuming the queue at start-up.
    pub fn all_events(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.with(|conn| {
            let mut stmt = conn.prepare("SELECT id, record FROM async_events")?;
            let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }
}

fn upsert_event(conn: &rusqlite::Connection, id: &str, record: &str) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO async_events (id, record) VALUES (?1, ?2)
         ON CONFLICT (id) DO UPDATE SET record = excluded.record",
    )?
    .execute(params![id, record])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::Store;

    #[test]
    fn events_round_trip() {
        let db = Store::temporary().unwrap().db;
        db.put_event("a", "{\"n\":1}").unwrap();
        db.put_event("a", "{\"n\":2}").unwrap();
        db.put_event("b", "{}").unwrap();
        let mut all = db.all_events().unwrap();
        all.sort();
        assert_eq!(
            all,
            vec![("a".into(), "{\"n\":2}".into()), ("b".into(), "{}".into())]
        );
        db.delete_event("a").unwrap();
        assert_eq!(db.all_events().unwrap().len(), 1);
    }
}
