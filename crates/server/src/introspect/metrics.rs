//! `api/functions/{name}/metrics`: the function's `AWS/Lambda` series, read
//! from CloudWatch (per minute by default): invocations, errors, throttles,
//! duration (average and percentiles) and concurrency.

use super::{off_worker, query, Where};
use crate::render;
use axum::response::Response;
use laminar_cloudwatch::types::{Datapoint, GetMetricStatisticsInput};
use laminar_cloudwatch::Dimension;
use laminar_lambda::LambdaService;
use laminar_model::ApiError;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Debug, Default, Deserialize)]
struct SeriesQuery {
    #[serde(flatten)]
    at: Where,
    /// How far back (default an hour).
    minutes: Option<i64>,
    /// Seconds per point (default 60).
    period: Option<i64>,
}

/// The series the console draws: metric, statistics, percentiles.
const SERIES: [(&str, &[&str], &[&str]); 4] = [
    ("Invocations", &["Sum"], &[]),
    ("Errors", &["Sum"], &[]),
    ("Duration", &["Average", "Maximum"], &["p50", "p90", "p99"]),
    ("ConcurrentExecutions", &["Maximum"], &[]),
];

pub(super) async fn series(
    service: &LambdaService,
    name: &str,
    text: Option<&str>,
) -> Result<Response, ApiError> {
    let q: SeriesQuery = query(text)?;
    let (service, name) = (service.clone(), name.to_string());
    off_worker(move || {
        let scope = q.at.scope();
        service.get_function_configuration(&scope, &name, None)?;
        let period = q.period.unwrap_or(60).clamp(60, 86_400);
        let end = (chrono::Utc::now().timestamp() / period + 1) * period;
        let start = end - q.minutes.unwrap_or(60).clamp(1, 7 * 24 * 60) * 60;
        let cw_scope = laminar_cloudwatch::Scope::new(&scope.account, &scope.region);
        let mut out = serde_json::Map::new();
        for (metric, statistics, percentiles) in SERIES {
            let input = GetMetricStatisticsInput {
                namespace: Some("AWS/Lambda".into()),
                metric_name: Some(metric.into()),
                dimensions: vec![Dimension {
                    name: "FunctionName".into(),
                    value: name.clone(),
                }],
                start_time: Some(start as f64),
                end_time: Some(end as f64),
                period: Some(period),
                statistics: statistics.iter().map(|s| s.to_string()).collect(),
                extended_statistics: percentiles.iter().map(|s| s.to_string()).collect(),
                unit: None,
            };
            let answer = service
                .companions()
                .cloudwatch
                .get_metric_statistics(&cw_scope, &input)
                .map_err(|e| ApiError::service(e.to_string()))?;
            let mut points = answer.datapoints;
            points.sort_by(|a, b| a.timestamp.total_cmp(&b.timestamp));
            out.insert(metric.into(), points.iter().map(point).collect());
        }
        Ok(render::json(
            200,
            &json!({ "start": start, "end": end, "period": period, "series": out }),
        ))
    })
    .await
}

/// One point: its time and every statistic asked, flat.
fn point(d: &Datapoint) -> Value {
    let mut p = serde_json::Map::new();
    p.insert("t".into(), json!(d.timestamp));
    for (key, value) in [
        ("Sum", d.sum),
        ("Average", d.average),
        ("Maximum", d.maximum),
        ("SampleCount", d.sample_count),
    ] {
        if let Some(v) = value {
            p.insert(key.into(), json!(v));
        }
    }
    if let Some(extended) = &d.extended_statistics {
        for (k, v) in extended {
            p.insert(k.clone(), v.clone());
        }
    }
    Value::Object(p)
}
