//! The operations' inputs and outputs as the JSON protocol carries them
//! (member names as in the model; timestamps as epoch seconds).

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// One dimension of a metric.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Dimension {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub value: String,
}

/// A metric: namespace, name and dimensions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Metric {
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub metric_name: Option<String>,
    #[serde(default)]
    pub dimensions: Vec<Dimension>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StatisticSet {
    pub sample_count: Option<Value>,
    pub sum: Option<Value>,
    pub minimum: Option<Value>,
    pub maximum: Option<Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricDatum {
    pub metric_name: Option<String>,
    #[serde(default)]
    pub dimensions: Vec<Dimension>,
    #[serde(default, deserialize_with = "timestamp")]
    pub timestamp: Option<f64>,
    /// Numbers, or the strings a client writes for NaN and infinities.
    pub value: Option<Value>,
    pub statistic_values: Option<StatisticSet>,
    pub values: Option<Vec<Value>>,
    pub counts: Option<Vec<Value>>,
    pub unit: Option<String>,
    pub storage_resolution: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutMetricDataInput {
    pub namespace: Option<String>,
    #[serde(default)]
    pub metric_data: Vec<MetricDatum>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DimensionFilter {
    #[serde(default)]
    pub name: String,
    pub value: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListMetricsInput {
    pub namespace: Option<String>,
    pub metric_name: Option<String>,
    #[serde(default)]
    pub dimensions: Vec<DimensionFilter>,
    pub next_token: Option<String>,
    /// `PT3H`: only metrics with data in the last three hours.
    pub recently_active: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListMetricsOutput {
    pub metrics: Vec<Metric>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetMetricStatisticsInput {
    pub namespace: Option<String>,
    pub metric_name: Option<String>,
    #[serde(default)]
    pub dimensions: Vec<Dimension>,
    #[serde(default, deserialize_with = "timestamp")]
    pub start_time: Option<f64>,
    #[serde(default, deserialize_with = "timestamp")]
    pub end_time: Option<f64>,
    pub period: Option<i64>,
    #[serde(default)]
    pub statistics: Vec<String>,
    #[serde(default)]
    pub extended_statistics: Vec<String>,
    pub unit: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Datapoint {
    pub timestamp: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample_count: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub average: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sum: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum: Option<f64>,
    pub unit: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extended_statistics: Option<serde_json::Map<String, Value>>,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetMetricStatisticsOutput {
    pub label: String,
    pub datapoints: Vec<Datapoint>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricStat {
    pub metric: Option<Metric>,
    pub period: Option<i64>,
    pub stat: Option<String>,
    pub unit: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricDataQuery {
    pub id: Option<String>,
    pub metric_stat: Option<MetricStat>,
    pub expression: Option<String>,
    pub label: Option<String>,
    pub return_data: Option<bool>,
    pub period: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetMetricDataInput {
    #[serde(default)]
    pub metric_data_queries: Vec<MetricDataQuery>,
    #[serde(default, deserialize_with = "timestamp")]
    pub start_time: Option<f64>,
    #[serde(default, deserialize_with = "timestamp")]
    pub end_time: Option<f64>,
    pub next_token: Option<String>,
    pub scan_by: Option<String>,
    pub max_datapoints: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricDataResult {
    pub id: String,
    pub label: String,
    pub timestamps: Vec<f64>,
    pub values: Vec<f64>,
    pub status_code: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<Value>,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetMetricDataOutput {
    pub metric_data_results: Vec<MetricDataResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    pub messages: Vec<Value>,
}

/// A timestamp as epoch seconds: a number (what the SDKs send) or an
/// ISO 8601 text.
fn timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let value = Option::<Value>::deserialize(d)?;
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(Value::String(s)) => chrono::DateTime::parse_from_rfc3339(&s)
            .map(|t| Some(t.timestamp_millis() as f64 / 1000.0))
            .or_else(|_| s.parse::<f64>().map(Some))
            .map_err(|_| serde::de::Error::custom(format!("invalid timestamp {s}"))),
        Some(other) => Err(serde::de::Error::custom(format!(
            "invalid timestamp {other}"
        ))),
    }
}
