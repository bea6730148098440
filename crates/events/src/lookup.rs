//! Whether the caller's buses exist (the default bus is made on first use).

use crate::names::{bus_arn, DEFAULT_BUS};
use crate::{now_ms, Caller, EventsError, EventsResult};
use rusqlite::{params, Connection, OptionalExtension};

/// Makes the caller's default bus if it is not there yet.
pub(crate) fn ensure_default(conn: &Connection, caller: Caller<'_>) -> EventsResult<()> {
    let now = now_ms();
    conn.execute(
        "INSERT OR IGNORE INTO events_buses (arn, account, region, name, created_ms, modified_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![
            bus_arn(caller, DEFAULT_BUS),
            caller.account,
            caller.region,
            DEFAULT_BUS,
            now
        ],
    )?;
    Ok(())
}

/// Fails with AWS's message when the caller has no such bus.
pub(crate) fn require_bus(conn: &Connection, caller: Caller<'_>, bus: &str) -> EventsResult<()> {
    ensure_default(conn, caller)?;
    let found: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM events_buses WHERE arn = ?1",
            params![bus_arn(caller, bus)],
            |r| r.get(0),
        )
        .optional()?;
    found
        .map(|_| ())
        .ok_or_else(|| EventsError::bus_not_found(bus))
}
