//! GetMetricStatistics and GetMetricData: a metric's points in a window,
//! grouped in periods that start at the window's start (rounded down to the
//! minute for periods of whole minutes), each group one data point.

use crate::error::{CwError, CwResult};
use crate::put::{check_dimensions, check_unit};
use crate::scope::Scope;
use crate::stats::{percentile_of, Point, STATISTICS};
use crate::store::{self, MetricKey};
use crate::types::{
    Datapoint, GetMetricDataInput, GetMetricDataOutput, GetMetricStatisticsInput,
    GetMetricStatisticsOutput, MetricDataResult,
};
use rusqlite::Connection;
use std::collections::BTreeMap;

const MAX_DATAPOINTS: i64 = 1440;

/// A period CloudWatch takes: 1, 5, 10, 20 or 30 seconds, or whole minutes.
fn period_ok(period: i64) -> bool {
    matches!(period, 1 | 5 | 10 | 20 | 30) || (period >= 60 && period % 60 == 0)
}

/// The window's first second and the end, both in epoch seconds.
fn window(start: f64, end: f64, period: i64) -> (i64, i64) {
    let start = start.floor() as i64;
    let align = if period % 60 == 0 { 60 } else { 1 };
    (start - start.rem_euclid(align), end.ceil() as i64)
}

/// Points folded per period (and unit, when `by_unit`), keyed by the
/// period's start.
fn grouped(
    points: Vec<Point>,
    base: i64,
    period: i64,
    by_unit: bool,
) -> BTreeMap<(i64, String), Point> {
    let mut groups: BTreeMap<(i64, String), Point> = BTreeMap::new();
    for mut point in points {
        let start = base + (point.ts - base).div_euclid(period) * period;
        let unit = if by_unit {
            point.unit.clone()
        } else {
            String::new()
        };
        point.ts = start;
        match groups.get_mut(&(start, unit.clone())) {
            Some(group) => group.fold(&point),
            None => {
                groups.insert((start, unit), point);
            }
        }
    }
    groups
}

fn required<'a, T>(value: Option<&'a T>, name: &str) -> CwResult<&'a T>
where
    T: ?Sized,
{
    value.ok_or_else(|| CwError::missing(format!("The parameter {name} is required.")))
}

pub fn get_metric_statistics(
    conn: &Connection,
    scope: &Scope,
    input: &GetMetricStatisticsInput,
) -> CwResult<GetMetricStatisticsOutput> {
    let namespace = required(input.namespace.as_deref(), "Namespace")?;
    let name = required(input.metric_name.as_deref(), "MetricName")?;
    let start = *required(input.start_time.as_ref(), "StartTime")?;
    let end = *required(input.end_time.as_ref(), "EndTime")?;
    let period = *required(input.period.as_ref(), "Period")?;
    if input.statistics.is_empty() && input.extended_statistics.is_empty() {
        return Err(CwError::combination(
            "Must specify either Statistics or ExtendedStatistics",
        ));
    }
    for (i, s) in input.statistics.iter().enumerate() {
        if !STATISTICS.contains(&s.as_str()) {
            return Err(CwError::invalid_value(format!(
                "The parameter Statistics.member.{} must be a value in the set [ Minimum, Maximum, Average, SampleCount, Sum ].",
                i + 1
            )));
        }
    }
    for (i, s) in input.extended_statistics.iter().enumerate() {
        if percentile_of(s).is_none() {
            return Err(CwError::invalid_value(format!(
                "The value {s} for parameter ExtendedStatistics.member.{} is invalid.",
                i + 1
            )));
        }
    }
    check_unit(input.unit.as_deref(), "Unit")?;
    check_dimensions(&input.dimensions, "Dimensions")?;
    if !period_ok(period) {
        return Err(CwError::invalid_value(
            "The parameter Period must be a multiple of 60.",
        ));
    }
    if start >= end {
        return Err(CwError::invalid_value(
            "The parameter StartTime must be less than the parameter EndTime.",
        ));
    }
    let (base, end_s) = window(start, end, period);
    let requested = (end_s - base + period - 1) / period;
    if requested > MAX_DATAPOINTS {
        return Err(CwError::combination(format!(
            "You have requested up to {requested} datapoints, which exceeds the limit of 1,440. You may reduce the datapoints requested by increasing Period, or decreasing the time range."
        )));
    }
    let key = MetricKey::new(namespace, name, input.dimensions.clone());
    let points = store::read(conn, scope, &key, (base, end_s), input.unit.as_deref())?;
    let datapoints = grouped(points, base, period, true)
        .into_values()
        .map(|point| datapoint(&point, &input.statistics, &input.extended_statistics))
        .collect();
    Ok(GetMetricStatisticsOutput {
        label: name.to_string(),
        datapoints,
    })
}

fn datapoint(point: &Point, statistics: &[String], extended: &[String]) -> Datapoint {
    let want = |s: &str| statistics.iter().any(|x| x == s);
    let pick = |s: &str| if want(s) { point.statistic(s) } else { None };
    let extended_statistics = (!extended.is_empty()).then(|| {
        extended
            .iter()
            .filter_map(|s| Some((s.clone(), serde_json::json!(point.statistic(s)?))))
            .collect()
    });
    Datapoint {
        timestamp: point.ts as f64,
        sample_count: pick("SampleCount"),
        average: pick("Average"),
        sum: pick("Sum"),
        minimum: pick("Minimum"),
        maximum: pick("Maximum"),
        unit: point.unit.clone(),
        extended_statistics,
    }
}

/// A metric data query's id: a lowercase letter, then letters, digits and
/// underscores.
fn id_ok(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub fn get_metric_data(
    conn: &Connection,
    scope: &Scope,
    input: &GetMetricDataInput,
) -> CwResult<GetMetricDataOutput> {
    let missing = |name: &str| CwError::validation(format!("The parameter {name} is required.\n"));
    let start = input.start_time.ok_or_else(|| missing("StartTime"))?;
    let end = input.end_time.ok_or_else(|| missing("EndTime"))?;
    if input.metric_data_queries.is_empty() {
        return Err(missing("MetricDataQueries"));
    }
    if input.next_token.is_some() {
        return Err(CwError::next_token(
            "The service returned an invalid next token.",
        ));
    }
    let descending = match input.scan_by.as_deref() {
        None | Some("TimestampDescending") => true,
        Some("TimestampAscending") => false,
        Some(other) => {
            return Err(CwError::validation(format!(
                "The value {other} for parameter ScanBy is invalid.\n"
            )))
        }
    };
    if start >= end {
        return Err(CwError::validation(
            "The parameter StartTime must be less than the parameter EndTime.\n",
        ));
    }
    let mut results = Vec::new();
    for (i, query) in input.metric_data_queries.iter().enumerate() {
        let at = format!("MetricDataQueries.member.{}", i + 1);
        let id = query
            .id
            .as_deref()
            .ok_or_else(|| missing(&format!("{at}.Id")))?;
        if !id_ok(id) {
            return Err(CwError::validation(format!(
                "The value {id} for parameter {at}.Id is invalid.\n"
            )));
        }
        if query.expression.is_some() {
            return Err(CwError::validation(format!(
                "The parameter {at}.Expression is not supported by laminar: metric math is not evaluated.\n"
            )));
        }
        let stat = query
            .metric_stat
            .as_ref()
            .ok_or_else(|| missing(&format!("{at}.MetricStat")))?;
        let metric = stat
            .metric
            .as_ref()
            .ok_or_else(|| missing(&format!("{at}.MetricStat.Metric")))?;
        let namespace = metric
            .namespace
            .as_deref()
            .ok_or_else(|| missing(&format!("{at}.MetricStat.Metric.Namespace")))?;
        let name = metric
            .metric_name
            .as_deref()
            .ok_or_else(|| missing(&format!("{at}.MetricStat.Metric.MetricName")))?;
        let period = stat
            .period
            .ok_or_else(|| missing(&format!("{at}.MetricStat.Period")))?;
        let statistic = stat.stat.as_deref().unwrap_or_default();
        if !STATISTICS.contains(&statistic) && percentile_of(statistic).is_none() {
            return Err(CwError::validation(format!(
                "The value {statistic} for parameter {at}.MetricStat.Stat is not a valid statistic.\n"
            )));
        }
        if !period_ok(period) {
            return Err(CwError::validation(format!(
                "The parameter {at}.MetricStat.Period must be a multiple of 60.\n"
            )));
        }
        if let Some(unit) = stat.unit.as_deref() {
            check_unit(Some(unit), &format!("{at}.MetricStat.Unit"))
                .map_err(|e| CwError::validation(format!("{}\n", e.message)))?;
        }
        if query.return_data == Some(false) {
            continue;
        }
        let (base, end_s) = window(start, end, period);
        let key = MetricKey::new(namespace, name, metric.dimensions.clone());
        let points = store::read(conn, scope, &key, (base, end_s), stat.unit.as_deref())?;
        let mut series: Vec<(f64, f64)> = grouped(points, base, period, false)
            .into_values()
            .filter_map(|p| Some((p.ts as f64, p.statistic(statistic)?)))
            .collect();
        if descending {
            series.reverse();
        }
        results.push(MetricDataResult {
            id: id.to_string(),
            label: query.label.clone().unwrap_or_else(|| name.to_string()),
            timestamps: series.iter().map(|(t, _)| *t).collect(),
            values: series.iter().map(|(_, v)| *v).collect(),
            status_code: "Complete".into(),
            messages: Vec::new(),
        });
    }
    Ok(GetMetricDataOutput {
        metric_data_results: results,
        next_token: None,
        messages: Vec::new(),
    })
}
