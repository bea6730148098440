//! ListMetrics: the metrics with data in the last two weeks (three hours
//! with `RecentlyActive=PT3H`), filtered, 500 a page.

use crate::error::{CwError, CwResult};
use crate::scope::{now_s, Scope};
use crate::store;
use crate::types::{ListMetricsInput, ListMetricsOutput, Metric};
use base64::Engine;
use rusqlite::Connection;

const PAGE: usize = 500;

fn encode(position: usize) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("laminar-metrics:{position}"))
}

fn decode(token: &str) -> Option<usize> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(token)
        .ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("laminar-metrics:")?
        .parse()
        .ok()
}

pub fn list_metrics(
    conn: &Connection,
    scope: &Scope,
    input: &ListMetricsInput,
) -> CwResult<ListMetricsOutput> {
    let since = match input.recently_active.as_deref() {
        None => now_s() - 14 * 86_400,
        Some("PT3H") => now_s() - 3 * 3_600,
        Some(other) => {
            return Err(CwError::invalid_value(format!(
                "The value {other} for parameter RecentlyActive is invalid."
            )))
        }
    };
    let start = match input.next_token.as_deref() {
        None => 0,
        Some(token) => decode(token).ok_or_else(|| {
            CwError::invalid_value(format!(
                "The value {token} for parameter NextToken is invalid."
            ))
        })?,
    };
    let matching: Vec<Metric> = store::metrics(
        conn,
        scope,
        input.namespace.as_deref(),
        input.metric_name.as_deref(),
        since,
    )?
    .into_iter()
    .filter(|m| {
        input.dimensions.iter().all(|f| {
            m.dimensions
                .iter()
                .any(|d| d.name == f.name && f.value.as_ref().is_none_or(|v| *v == d.value))
        })
    })
    .map(|m| Metric {
        namespace: Some(m.namespace),
        metric_name: Some(m.name),
        dimensions: m.dimensions,
    })
    .collect();
    let end = (start + PAGE).min(matching.len());
    let metrics = matching
        .get(start..end)
        .map(<[Metric]>::to_vec)
        .unwrap_or_default();
    Ok(ListMetricsOutput {
        metrics,
        next_token: (end < matching.len()).then(|| encode(end)),
    })
}
