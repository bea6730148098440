//! The bodies of the durable-execution operations, their answers, and the
//! one check the model's constraints cannot make (timestamps in a query).

use crate::status::ExecutionStatus;
use laminar_lambda_core::page::{MarkerFormat, Paging};
use laminar_lambda_core::ApiResult;
use laminar_model::shapes::DurableConfig;
use laminar_model::{ApiError, ErrorKind};
use serde::{Deserialize, Serialize};

/// How durable executions page: plain index markers (the SDK passes back the
/// `NextMarker` of the state it receives), 100 items unless `MaxItems` asks.
pub(crate) const PAGING: Paging = Paging {
    marker: MarkerFormat::Plain,
    default_size: 100,
    max_size: 1000,
};

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StepOptions {
    pub next_attempt_delay_seconds: Option<i64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WaitOptions {
    pub wait_seconds: Option<i64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CallbackOptions {
    pub timeout_seconds: Option<i64>,
    pub heartbeat_timeout_seconds: Option<i64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChainedInvokeOptions {
    pub function_name: Option<String>,
    pub tenant_id: Option<String>,
    pub x_amzn_trace_id: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OperationUpdate {
    pub id: Option<String>,
    pub parent_id: Option<String>,
    pub name: Option<String>,
    #[serde(rename = "Type")]
    pub operation_type: Option<String>,
    pub sub_type: Option<String>,
    pub action: Option<String>,
    pub payload: Option<String>,
    pub error: Option<serde_json::Value>,
    pub context_options: Option<serde_json::Value>,
    pub step_options: Option<StepOptions>,
    pub wait_options: Option<WaitOptions>,
    pub callback_options: Option<CallbackOptions>,
    pub chained_invoke_options: Option<ChainedInvokeOptions>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CheckpointRequest {
    pub checkpoint_token: Option<String>,
    pub updates: Option<Vec<OperationUpdate>>,
    pub client_token: Option<String>,
}

/// The body of PauseDurableExecution and ResumeDurableExecution.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PauseResumeRequest {
    pub client_token: Option<String>,
    pub reason: Option<String>,
    pub execution_timeout_paused: Option<bool>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DurableExecutionSummary {
    pub durable_execution_arn: String,
    pub durable_execution_name: String,
    pub function_arn: String,
    pub status: ExecutionStatus,
    pub start_timestamp: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_timestamp: Option<f64>,
}

/// A time given as ISO 8601 or seconds since the epoch, in seconds.
pub(crate) fn seconds_of(text: Option<&str>) -> Option<f64> {
    let text = text?;
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_millis() as f64 / 1000.0)
        .ok()
        .or_else(|| text.parse::<f64>().ok())
}

/// A timestamp query parameter: ISO 8601 (as the SDKs send it) or seconds
/// since the epoch.
pub(crate) fn timestamp_query(field: &str, text: Option<&str>) -> ApiResult<()> {
    let Some(text) = text else { return Ok(()) };
    let valid = chrono::DateTime::parse_from_rfc3339(text).is_ok() || text.parse::<f64>().is_ok();
    if valid {
        return Ok(());
    }
    Err(ApiError::new(
        ErrorKind::Validation,
        format!("1 validation error detected: Value '{text}' at '{field}' failed to satisfy constraint: Member must be a timestamp"),
    ))
}

/// `DurableConfig` as GetFunctionConfiguration shows it.
pub fn config_response(mut config: DurableConfig) -> DurableConfig {
    config.retention_period_in_days.get_or_insert(14);
    config
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListDurableExecutionsOutput {
    pub durable_executions: Vec<DurableExecutionSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}
