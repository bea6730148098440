//! The tables of CloudWatch Logs in the shared SQLite database, and the
//! lookups every operation shares.

use crate::error::{LogsError, LogsResult};
use crate::LogEvent;
use rusqlite::{params, Connection, OptionalExtension, Transaction};

/// Step 1 is the schema laminar created before versions were recorded.
const STEP_1: &str = "
CREATE TABLE IF NOT EXISTS logs_groups (
    id             INTEGER PRIMARY KEY,
    account        TEXT NOT NULL,
    region         TEXT NOT NULL,
    name           TEXT NOT NULL,
    created_ms     INTEGER NOT NULL,
    retention_days INTEGER,
    kms_key_id     TEXT,
    tags           TEXT NOT NULL DEFAULT '{}',
    UNIQUE (account, region, name)
);
CREATE TABLE IF NOT EXISTS logs_streams (
    id                INTEGER PRIMARY KEY,
    group_id          INTEGER NOT NULL,
    name              TEXT NOT NULL,
    created_ms        INTEGER NOT NULL,
    first_event_ms    INTEGER,
    last_event_ms     INTEGER,
    last_ingestion_ms INTEGER,
    sequence          INTEGER NOT NULL DEFAULT 0,
    stored_bytes      INTEGER NOT NULL DEFAULT 0,
    UNIQUE (group_id, name)
);
CREATE TABLE IF NOT EXISTS logs_events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id     INTEGER NOT NULL,
    stream_id    INTEGER NOT NULL,
    timestamp_ms INTEGER NOT NULL,
    ingestion_ms INTEGER NOT NULL,
    message      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS logs_events_by_stream ON logs_events (stream_id, timestamp_ms, id);
CREATE INDEX IF NOT EXISTS logs_events_by_group ON logs_events (group_id, timestamp_ms, id);
";

/// Subscription filters and their outbox (`subscriptions.rs`).
const STEP_2: &str = "
CREATE TABLE IF NOT EXISTS logs_subscription_filters (
    group_id             INTEGER NOT NULL,
    name                 TEXT NOT NULL,
    pattern              TEXT NOT NULL,
    destination_arn      TEXT NOT NULL,
    role_arn             TEXT,
    distribution         TEXT NOT NULL,
    apply_on_transformed INTEGER NOT NULL DEFAULT 0,
    created_ms           INTEGER NOT NULL,
    PRIMARY KEY (group_id, name)
);
CREATE TABLE IF NOT EXISTS logs_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    account         TEXT NOT NULL,
    region          TEXT NOT NULL,
    log_group       TEXT NOT NULL,
    log_stream      TEXT NOT NULL,
    filter_name     TEXT NOT NULL,
    destination_arn TEXT NOT NULL,
    events          TEXT NOT NULL,
    created_ms      INTEGER NOT NULL
);
";

pub(crate) const LOGS: laminar_db::Schema = laminar_db::Schema {
    owner: "logs",
    steps: &[STEP_1, STEP_2],
};

/// What a write of events did.
pub struct Inserted {
    /// The stream's new sequence.
    pub sequence: i64,
    /// Whether a subscription filter took some of the events (an outbox
    /// row was written).
    pub captured: bool,
}

/// A log group row.
#[derive(Debug, Clone)]
pub struct GroupRow {
    pub id: i64,
    pub name: String,
    pub created_ms: i64,
    pub retention_days: Option<i64>,
    pub kms_key_id: Option<String>,
    pub tags: String,
}

impl GroupRow {
    /// Events older than this are past the retention period (hidden, then swept).
    pub fn cutoff_ms(&self, now_ms: i64) -> i64 {
        self.retention_days
            .map_or(i64::MIN, |days| now_ms - days * 86_400_000)
    }
}

pub const GROUP_COLUMNS: &str = "id, name, created_ms, retention_days, kms_key_id, tags";

pub fn group_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<GroupRow> {
    Ok(GroupRow {
        id: row.get(0)?,
        name: row.get(1)?,
        created_ms: row.get(2)?,
        retention_days: row.get(3)?,
        kms_key_id: row.get(4)?,
        tags: row.get(5)?,
    })
}

pub fn find_group(
    conn: &Connection,
    account: &str,
    region: &str,
    name: &str,
) -> LogsResult<Option<GroupRow>> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {GROUP_COLUMNS} FROM logs_groups WHERE account = ?1 AND region = ?2 AND name = ?3"
            ),
            params![account, region, name],
            group_from_row,
        )
        .optional()?)
}

pub fn group(conn: &Connection, account: &str, region: &str, name: &str) -> LogsResult<GroupRow> {
    find_group(conn, account, region, name)?.ok_or_else(LogsError::group_not_found)
}

pub fn stream_id(conn: &Connection, group_id: i64, name: &str) -> LogsResult<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM logs_streams WHERE group_id = ?1 AND name = ?2")?
        .query_row(params![group_id, name], |row| row.get(0))
        .optional()?)
}

/// The group and stream ids, creating either when missing (Lambda's writes).
pub fn ensure_stream(
    tx: &Transaction<'_>,
    account: &str,
    region: &str,
    group: &str,
    stream: &str,
    now_ms: i64,
) -> LogsResult<(i64, i64)> {
    tx.prepare_cached(
        "INSERT OR IGNORE INTO logs_groups (account, region, name, created_ms) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(
        params![account, region, group, now_ms],
    )?;
    let group_id: i64 = tx
        .prepare_cached(
            "SELECT id FROM logs_groups WHERE account = ?1 AND region = ?2 AND name = ?3",
        )?
        .query_row(params![account, region, group], |row| row.get(0))?;
    tx.prepare_cached(
        "INSERT OR IGNORE INTO logs_streams (group_id, name, created_ms) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![group_id, stream, now_ms])?;
    let stream_id = stream_id(tx, group_id, stream)?.ok_or_else(LogsError::stream_not_found)?;
    Ok((group_id, stream_id))
}

/// Appends events to a stream and keeps its summary (first / last event,
/// last ingestion, sequence, bytes) current; the group's subscription
/// filters see the events in the same transaction.
pub fn insert_events(
    tx: &Transaction<'_>,
    group_id: i64,
    stream_id: i64,
    events: &[LogEvent],
    ingestion_ms: i64,
) -> LogsResult<Inserted> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO logs_events (group_id, stream_id, timestamp_ms, ingestion_ms, message)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut bytes = 0i64;
    let mut ids = Vec::with_capacity(events.len());
    for event in events {
        insert.execute(params![
            group_id,
            stream_id,
            event.timestamp_ms,
            ingestion_ms,
            event.message
        ])?;
        ids.push(tx.last_insert_rowid());
        bytes += event.message.len() as i64;
    }
    drop(insert);
    let captured =
        !events.is_empty() && crate::capture::capture(tx, group_id, stream_id, events, &ids)?;
    let first = events.iter().map(|e| e.timestamp_ms).min();
    let last = events.iter().map(|e| e.timestamp_ms).max();
    let sequence = tx
        .prepare_cached(
            "UPDATE logs_streams SET
            first_event_ms = CASE WHEN ?2 IS NULL THEN first_event_ms
                                  ELSE MIN(COALESCE(first_event_ms, ?2), ?2) END,
            last_event_ms = CASE WHEN ?3 IS NULL THEN last_event_ms
                                 ELSE MAX(COALESCE(last_event_ms, ?3), ?3) END,
            last_ingestion_ms = ?4,
            sequence = sequence + 1,
            stored_bytes = stored_bytes + ?5
         WHERE id = ?1 RETURNING sequence",
        )?
        .query_row(
            params![stream_id, first, last, ingestion_ms, bytes],
            |row| row.get(0),
        )?;
    Ok(Inserted { sequence, captured })
}

/// Deletes the events past every group's retention period.
pub fn sweep_expired(conn: &mut Connection, now_ms: i64) -> LogsResult<usize> {
    let tx = conn.transaction()?;
    let groups: Vec<(i64, i64)> = {
        let mut query = tx.prepare(
            "SELECT id, retention_days FROM logs_groups WHERE retention_days IS NOT NULL",
        )?;
        let rows = query.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut deleted = 0;
    for (group_id, days) in groups {
        let cutoff = now_ms - days * 86_400_000;
        let n = tx.execute(
            "DELETE FROM logs_events WHERE group_id = ?1 AND timestamp_ms < ?2",
            params![group_id, cutoff],
        )?;
        if n > 0 {
            tx.execute(
                "UPDATE logs_streams SET stored_bytes = (
                    SELECT COALESCE(SUM(LENGTH(CAST(message AS BLOB))), 0) FROM logs_events
                    WHERE stream_id = logs_streams.id) WHERE group_id = ?1",
                params![group_id],
            )?;
        }
        deleted += n;
    }
    tx.commit()?;
    Ok(deleted)
}

/// Deletes events older than the newest `keep`; how many went.
pub(crate) fn trim_oldest(conn: &Connection, keep: i64) -> rusqlite::Result<usize> {
    let newest: Option<i64> =
        conn.query_row("SELECT max(id) FROM logs_events", [], |row| row.get(0))?;
    match newest {
        Some(newest) if newest > keep => {
            conn.execute("DELETE FROM logs_events WHERE id <= ?1", [newest - keep])
        }
        _ => Ok(0),
    }
}
