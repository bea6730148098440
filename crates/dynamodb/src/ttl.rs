//! Time to live: a sweep deletes the items whose TTL attribute (a Number,
//! seconds since the epoch) is in the past, each with a REMOVE stream
//! record marked as the service's own (`userIdentity`). AWS deletes expired
//! items within a few days; laminar's server sweeps every second.

use crate::error::DynamoResult;
use crate::items::remove;
use crate::keys::key_of;
use crate::streams::{self, record_change, ttl_identity};
use crate::tables::Table;
use crate::types::{AttributeValue, Item};
use crate::DynamoService;
use rusqlite::params;

/// At most this many items are deleted per table in one sweep.
const SWEEP_BATCH: i64 = 1000;

impl DynamoService {
    /// Deletes expired items of every table with TTL enabled; returns how
    /// many went.
    pub fn sweep_expired_items(&self) -> DynamoResult<usize> {
        let now = streams::now_ms() / 1000;
        self.with(|conn| {
            let tables: Vec<(i64, String, String, String)> = {
                let mut statement = conn.prepare(
                    "SELECT id, name, definition, region || char(31) || ttl_attribute FROM dynamodb_tables WHERE ttl_attribute IS NOT NULL",
                )?;
                let rows = statement.query_map([], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })?;
                rows.collect::<Result<_, _>>()?
            };
            let mut removed = 0;
            for (id, name, definition, region_and_attribute) in tables {
                let Some((region, attribute)) = region_and_attribute.split_once('\u{1f}') else {
                    continue;
                };
                let table = Table {
                    id,
                    name,
                    def: serde_json::from_str(&definition)?,
                };
                let tx = conn.transaction()?;
                let expired: Vec<Item> = {
                    let mut statement = tx.prepare_cached(
                        "SELECT item FROM dynamodb_items WHERE table_id = ?1
                         AND json_extract(item, ?2) IS NOT NULL
                         AND CAST(json_extract(item, ?2) AS REAL) BETWEEN ?3 - 157680000 AND ?3 LIMIT ?4",
                    )?;
                    let path = format!("$.\"{}\".N", attribute.replace('"', "\\\""));
                    let rows = statement.query_map(
                        params![table.id, path, now as f64, SWEEP_BATCH],
                        |r| r.get::<_, String>(0),
                    )?;
                    let mut items = Vec::new();
                    for raw in rows {
                        let item: Item = serde_json::from_str(&raw?)?;
                        if expired(&item, attribute, now) {
                            items.push(item);
                        }
                    }
                    items
                };
                let shape = table.def.key_shape();
                for item in &expired {
                    let Some(key) = key_of(&shape, item) else {
                        continue;
                    };
                    remove(&tx, table.id, &key)?;
                    record_change(&tx, table.id, &table.def, region, Some(item), None, Some(ttl_identity()))?;
                    removed += 1;
                }
                tx.commit()?;
            }
            Ok(removed)
        })
    }

    /// Drops stream records past the 24-hour retention, and streams
    /// disabled longer ago than that.
    pub fn trim_streams(&self) -> DynamoResult<usize> {
        self.with(|conn| streams::trim(conn, streams::now_ms()))
    }
}

/// An item expires when its TTL attribute is a Number of seconds since the
/// epoch that is not in the future (other types, and no attribute, never do);
/// as on AWS, a time more than five years in the past is not taken as one.
fn expired(item: &Item, attribute: &str, now: i64) -> bool {
    const FIVE_YEARS: f64 = 5.0 * 365.0 * 86400.0;
    match item.get(attribute) {
        Some(AttributeValue::N(n)) => n
            .parse::<f64>()
            .is_ok_and(|t| t <= now as f64 && t >= now as f64 - FIVE_YEARS),
        _ => false,
    }
}
