//! The metrics and their data points in SQLite.

use crate::error::CwResult;
use crate::scope::Scope;
use crate::stats::Point;
use crate::types::Dimension;
use rusqlite::{params, Connection, OptionalExtension, Transaction};

/// A metric's identity: its dimensions sorted by name, so the order a
/// caller lists them in does not matter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MetricKey {
    pub namespace: String,
    pub name: String,
    pub dimensions: Vec<Dimension>,
}

impl MetricKey {
    pub fn new(namespace: &str, name: &str, mut dimensions: Vec<Dimension>) -> Self {
        dimensions.sort();
        Self {
            namespace: namespace.to_string(),
            name: name.to_string(),
            dimensions,
        }
    }

    fn dimensions_json(&self) -> String {
        serde_json::to_string(&self.dimensions).unwrap_or_else(|_| "[]".into())
    }
}

fn metric_id(tx: &Transaction<'_>, scope: &Scope, key: &MetricKey, ts: i64) -> CwResult<i64> {
    let dims = key.dimensions_json();
    tx.execute(
        "INSERT INTO cloudwatch_metrics (account, region, namespace, name, dimensions, last_ts)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (account, region, namespace, name, dimensions)
         DO UPDATE SET last_ts = max(last_ts, excluded.last_ts)",
        params![
            scope.account,
            scope.region,
            key.namespace,
            key.name,
            dims,
            ts
        ],
    )?;
    Ok(tx.query_row(
        "SELECT id FROM cloudwatch_metrics
         WHERE account = ?1 AND region = ?2 AND namespace = ?3 AND name = ?4 AND dimensions = ?5",
        params![scope.account, scope.region, key.namespace, key.name, dims],
        |row| row.get(0),
    )?)
}

/// Writes points of several metrics in one transaction.
pub fn write(conn: &mut Connection, points: &[(Scope, MetricKey, Point)]) -> CwResult<()> {
    let tx = conn.transaction()?;
    for (scope, key, point) in points {
        let id = metric_id(&tx, scope, key, point.ts)?;
        let samples = point
            .samples
            .as_ref()
            .map(|s| serde_json::to_string(s).unwrap_or_else(|_| "[]".into()));
        tx.execute(
            "INSERT INTO cloudwatch_data (metric_id, ts, unit, count, sum, min, max, samples)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                id,
                point.ts,
                point.unit,
                point.count,
                point.sum,
                point.min,
                point.max,
                samples
            ],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// The points of one metric with `start <= ts < end`, of `unit` if given.
pub fn read(
    conn: &Connection,
    scope: &Scope,
    key: &MetricKey,
    (start, end): (i64, i64),
    unit: Option<&str>,
) -> CwResult<Vec<Point>> {
    let id: Option<i64> = conn
        .query_row(
            "SELECT id FROM cloudwatch_metrics
             WHERE account = ?1 AND region = ?2 AND namespace = ?3 AND name = ?4 AND dimensions = ?5",
            params![scope.account, scope.region, key.namespace, key.name, key.dimensions_json()],
            |row| row.get(0),
        )
        .optional()?;
    let Some(id) = id else {
        return Ok(Vec::new());
    };
    let mut stmt = conn.prepare_cached(
        "SELECT ts, unit, count, sum, min, max, samples FROM cloudwatch_data
         WHERE metric_id = ?1 AND ts >= ?2 AND ts < ?3 AND (?4 IS NULL OR unit = ?4)
         ORDER BY ts",
    )?;
    let rows = stmt.query_map(params![id, start, end, unit], |row| {
        let samples: Option<String> = row.get(6)?;
        Ok(Point {
            ts: row.get(0)?,
            unit: row.get(1)?,
            count: row.get(2)?,
            sum: row.get(3)?,
            min: row.get(4)?,
            max: row.get(5)?,
            samples: samples.and_then(|s| serde_json::from_str(&s).ok()),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every metric of a scope (optionally one namespace and name) with data
/// at or after `since`, in a stable order.
pub fn metrics(
    conn: &Connection,
    scope: &Scope,
    namespace: Option<&str>,
    name: Option<&str>,
    since: i64,
) -> CwResult<Vec<MetricKey>> {
    let mut stmt = conn.prepare_cached(
        "SELECT namespace, name, dimensions FROM cloudwatch_metrics
         WHERE account = ?1 AND region = ?2 AND (?3 IS NULL OR namespace = ?3)
           AND (?4 IS NULL OR name = ?4) AND last_ts >= ?5
         ORDER BY namespace, name, dimensions",
    )?;
    let rows = stmt.query_map(
        params![scope.account, scope.region, namespace, name, since],
        |row| {
            let dims: String = row.get(2)?;
            Ok(MetricKey {
                namespace: row.get(0)?,
                name: row.get(1)?,
                dimensions: serde_json::from_str(&dims).unwrap_or_default(),
            })
        },
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}
