//! PutMetricData: each datum checked as CloudWatch checks it, then every
//! datum written in one transaction.

use crate::error::{CwError, CwResult};
use crate::scope::now_s;
use crate::stats::Point;
use crate::store::MetricKey;
use crate::types::{Dimension, MetricDatum, PutMetricDataInput, StatisticSet};
use serde_json::Value;

pub const UNITS: [&str; 27] = [
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
];

/// CloudWatch refuses values beyond 2^360 in magnitude (and non-zero ones
/// below 2^-260).
fn in_range(v: f64) -> bool {
    v.is_finite() && (v == 0.0 || (v.abs() <= 2f64.powi(360) && v.abs() >= 2f64.powi(-260)))
}

/// A number of the request, or the refusal naming its parameter.
fn number(value: &Value, parameter: &str) -> CwResult<f64> {
    let shown = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let parsed = match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse::<f64>().ok(),
        _ => None,
    };
    parsed.filter(|v| in_range(*v)).ok_or_else(|| {
        CwError::invalid_value(format!(
            "The value {shown} for parameter {parameter} is invalid."
        ))
    })
}

pub fn check_unit(unit: Option<&str>, parameter: &str) -> CwResult<()> {
    match unit {
        Some(u) if !UNITS.contains(&u) => Err(CwError::invalid_value(format!(
            "The value {u} for parameter {parameter} is invalid."
        ))),
        _ => Ok(()),
    }
}

pub fn check_dimensions(dimensions: &[Dimension], parameter: &str) -> CwResult<()> {
    if dimensions.len() > 30 {
        return Err(CwError::invalid_value(format!(
            "The collection {parameter} must not have a size greater than 30."
        )));
    }
    for (i, d) in dimensions.iter().enumerate() {
        let at = format!("{parameter}.member.{}", i + 1);
        if d.name.is_empty() {
            return Err(CwError::missing(format!(
                "The parameter {at}.Name is required."
            )));
        }
        if d.value.is_empty() {
            return Err(CwError::missing(format!(
                "The parameter {at}.Value is required."
            )));
        }
    }
    Ok(())
}

/// The namespace of a write: present, and not one of AWS's.
pub fn check_namespace(namespace: Option<&str>) -> CwResult<&str> {
    let namespace = namespace
        .filter(|n| !n.is_empty())
        .ok_or_else(|| CwError::missing("The parameter Namespace is required."))?;
    if namespace.starts_with("AWS/") || namespace.starts_with(':') {
        return Err(CwError::invalid_value(format!(
            "The value {namespace} for parameter Namespace is invalid."
        )));
    }
    Ok(namespace)
}

/// PutMetricData's points, checked.
pub fn points(input: &PutMetricDataInput) -> CwResult<Vec<(MetricKey, Point)>> {
    let namespace = check_namespace(input.namespace.as_deref())?;
    if input.metric_data.is_empty() {
        return Err(CwError::missing("The parameter MetricData is required."));
    }
    if input.metric_data.len() > 1000 {
        return Err(CwError::invalid_value(
            "The collection MetricData must not have a size greater than 1000.",
        ));
    }
    let now = now_s();
    input
        .metric_data
        .iter()
        .enumerate()
        .map(|(i, datum)| datum_point(namespace, datum, i + 1, now))
        .collect()
}

fn datum_point(
    namespace: &str,
    d: &MetricDatum,
    n: usize,
    now: i64,
) -> CwResult<(MetricKey, Point)> {
    let at = format!("MetricData.member.{n}");
    let name = d
        .metric_name
        .as_deref()
        .filter(|m| !m.is_empty())
        .ok_or_else(|| CwError::missing(format!("The parameter {at}.MetricName is required.")))?;
    check_dimensions(&d.dimensions, &format!("{at}.Dimensions"))?;
    check_unit(d.unit.as_deref(), &format!("{at}.Unit"))?;
    if let Some(r) = d.storage_resolution.filter(|r| *r != 1 && *r != 60) {
        return Err(CwError::invalid_value(format!(
            "The value {r} for parameter {at}.StorageResolution is invalid."
        )));
    }
    let ts = match d.timestamp {
        Some(t) => {
            let ts = t.floor() as i64;
            if ts < now - 14 * 86_400 {
                return Err(CwError::invalid_value(format!(
                    "The parameter {at}.Timestamp must specify a time no more than two weeks in the past."
                )));
            }
            if ts > now + 2 * 3_600 {
                return Err(CwError::invalid_value(format!(
                    "The parameter {at}.Timestamp must specify a time no more than two hours in the future."
                )));
            }
            ts
        }
        None => now,
    };
    let unit = d.unit.as_deref().unwrap_or("None");
    let point = match (&d.value, &d.values, &d.statistic_values) {
        (Some(_), Some(_), _) => {
            return Err(CwError::invalid_value(format!(
                "The parameters {at}.Value and {at}.Values are mutually exclusive and you have specified both."
            )))
        }
        (Some(_), _, Some(_)) => {
            return Err(CwError::combination(format!(
                "The parameters {at}.Value and {at}.StatisticValues are mutually exclusive and you have specified both."
            )))
        }
        (None, Some(_), Some(_)) => {
            return Err(CwError::combination(format!(
                "The parameters {at}.Values and {at}.StatisticValues are mutually exclusive and you have specified both."
            )))
        }
        (Some(v), None, None) => Point::value(ts, unit, number(v, &format!("{at}.Value"))?, 1.0),
        (None, Some(values), None) => values_point(ts, unit, values, d.counts.as_deref(), &at)?,
        (None, None, Some(set)) => statistic_set(ts, unit, set, &at)?,
        (None, None, None) => {
            return Err(CwError::missing(format!("The parameter {at}.Value is required.")))
        }
    };
    Ok((MetricKey::new(namespace, name, d.dimensions.clone()), point))
}

fn values_point(
    ts: i64,
    unit: &str,
    values: &[Value],
    counts: Option<&[Value]>,
    at: &str,
) -> CwResult<Point> {
    if values.len() > 150 {
        return Err(CwError::invalid_value(format!(
            "The collection {at}.Values must not have a size greater than 150."
        )));
    }
    if let Some(counts) = counts {
        if counts.len() != values.len() {
            return Err(CwError::invalid_value(format!(
                "The parameters {at}.Values and {at}.Counts must be of the same size."
            )));
        }
    }
    if values.is_empty() {
        return Err(CwError::missing(format!(
            "The parameter {at}.Values is required."
        )));
    }
    let mut point: Option<Point> = None;
    for (i, value) in values.iter().enumerate() {
        let v = number(value, &format!("{at}.Values.member.{}", i + 1))?;
        let c = match counts.and_then(|c| c.get(i)) {
            Some(count) => number(count, &format!("{at}.Counts.member.{}", i + 1))?,
            None => 1.0,
        };
        if c < 0.0 {
            return Err(CwError::invalid_value(format!(
                "The value {c} for parameter {at}.Counts.member.{} is invalid.",
                i + 1
            )));
        }
        let one = Point::value(ts, unit, v, c);
        match point.as_mut() {
            Some(p) => p.fold(&one),
            None => point = Some(one),
        }
    }
    point.ok_or_else(|| CwError::missing(format!("The parameter {at}.Values is required.")))
}

fn statistic_set(ts: i64, unit: &str, set: &StatisticSet, at: &str) -> CwResult<Point> {
    let member = |value: &Option<Value>, name: &str| -> CwResult<f64> {
        let parameter = format!("{at}.StatisticValues.{name}");
        match value {
            Some(v) => number(v, &parameter),
            None => Err(CwError::missing(format!(
                "The parameter {parameter} is required."
            ))),
        }
    };
    let count = member(&set.sample_count, "SampleCount")?;
    let sum = member(&set.sum, "Sum")?;
    let min = member(&set.minimum, "Minimum")?;
    let max = member(&set.maximum, "Maximum")?;
    if count <= 0.0 {
        return Err(CwError::invalid_value(format!(
            "The value {count} for parameter {at}.StatisticValues.SampleCount is invalid."
        )));
    }
    if min > max {
        return Err(CwError::invalid_value(format!(
            "The value {min} for parameter {at}.StatisticValues.Minimum is invalid."
        )));
    }
    // With one sample, or all samples equal, the raw values are known.
    let samples = (count == 1.0 || min == max).then(|| vec![(min, count)]);
    Ok(Point {
        ts,
        unit: unit.to_string(),
        count,
        sum,
        min,
        max,
        samples,
    })
}
