//! The inputs of the durable-execution operations and the checks the
//! service makes of them (the API model's patterns and limits).

use crate::status::ExecutionStatus;
use laminar_lambda_core::checks;
use laminar_lambda_core::page::{MarkerFormat, Paging};
use laminar_lambda_core::ApiResult;
use laminar_model::validate::Violations;
use laminar_model::{ApiError, ErrorKind};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// How durable executions page: plain index markers (the SDK passes back the
/// `NextMarker` of the state it receives), 100 items unless `MaxItems` asks.
pub(crate) const PAGING: Paging = Paging {
    marker: MarkerFormat::Plain,
    default_size: 100,
    max_size: 1000,
};

pub(crate) const EXECUTION_ARN: &str = "arn:([a-zA-Z0-9-]+):lambda:([a-zA-Z0-9-]+):(\\d{12}):function:([a-zA-Z0-9_-]+):(\\$LATEST(?:\\.PUBLISHED)?|[0-9]+)/durable-execution/([a-zA-Z0-9_-]+)/([a-zA-Z0-9_-]+)";
/// `CallbackId` and `CheckpointToken`.
pub(crate) const TOKEN: &str = "[A-Za-z0-9+/]+={0,2}";
pub(crate) const CLIENT_TOKEN: &str = "[\\x21-\\x7E]+";
pub(crate) const EXECUTION_NAME: &str = "[a-zA-Z0-9-_]+";
pub(crate) const OPERATION_ID: &str = "[a-zA-Z0-9-_]+";
pub(crate) const OPERATION_NAME: &str = "[\\x20-\\x7E]+";
pub(crate) const TENANT_ID: &str = "[a-zA-Z0-9\\._:\\/=+\\-@ ]+";
pub(crate) const NAMESPACED_FUNCTION_NAME: &str = "(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?";
pub(crate) const OPERATION_TYPES: &[&str] = &[
    "EXECUTION",
    "CONTEXT",
    "STEP",
    "WAIT",
    "CALLBACK",
    "CHAINED_INVOKE",
];
pub(crate) const ACTIONS: &[&str] = &["START", "SUCCEED", "FAIL", "RETRY", "CANCEL"];
pub(crate) const STATUSES: &[&str] = &[
    "RUNNING",
    "SUCCEEDED",
    "FAILED",
    "TIMED_OUT",
    "STOPPED",
    "DELETING",
    "PAUSING",
    "PAUSED",
];
pub(crate) const PAYLOAD_MAX: usize = 6_291_456;
pub(crate) const CALLBACK_RESULT_MAX: usize = 1_048_576;
pub(crate) const DELAY_MAX: i64 = 31_622_400;
pub(crate) const CALLBACK_TIMEOUT_MAX: i64 = 99_999_999;

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

/// The query of ListDurableExecutionsByFunction.
#[derive(Debug, Default)]
pub struct ListDurableExecutionsQuery {
    pub qualifier: Option<String>,
    pub durable_execution_name: Option<String>,
    pub statuses: Vec<String>,
    pub started_after: Option<String>,
    pub started_before: Option<String>,
    pub reverse_order: Option<bool>,
    pub marker: Option<String>,
    pub max_items: Option<i32>,
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

pub(crate) fn check_arn(v: &mut Violations, arn: &str) {
    checks::string(
        v,
        "durableExecutionArn",
        Some(arn),
        (1, 1024),
        Some(EXECUTION_ARN),
    );
}

pub(crate) fn check_client_token(v: &mut Violations, token: Option<&str>) {
    checks::string(v, "clientToken", token, (1, 64), Some(CLIENT_TOKEN));
}

pub(crate) fn check_update(v: &mut Violations, update: &OperationUpdate) {
    let field = "updates.member";
    let id = format!("{field}.id");
    v.required(&id, update.id.as_ref());
    checks::string(v, &id, update.id.as_deref(), (1, 64), Some(OPERATION_ID));
    checks::string(
        v,
        &format!("{field}.parentId"),
        update.parent_id.as_deref(),
        (1, 64),
        Some(OPERATION_ID),
    );
    checks::string(
        v,
        &format!("{field}.name"),
        update.name.as_deref(),
        (1, 256),
        Some(OPERATION_NAME),
    );
    let kind = format!("{field}.type");
    v.required(&kind, update.operation_type.as_ref());
    v.one_of(&kind, update.operation_type.as_deref(), OPERATION_TYPES);
    checks::string(
        v,
        &format!("{field}.subType"),
        update.sub_type.as_deref(),
        (1, 32),
        Some(OPERATION_ID),
    );
    let action = format!("{field}.action");
    v.required(&action, update.action.as_ref());
    v.one_of(&action, update.action.as_deref(), ACTIONS);
    if update
        .payload
        .as_ref()
        .is_some_and(|p| p.len() > PAYLOAD_MAX)
    {
        v.violation(
            "...",
            &format!("{field}.payload"),
            format!("Member must have length less than or equal to {PAYLOAD_MAX}"),
        );
    }
    if let Some(step) = &update.step_options {
        v.range(
            &format!("{field}.stepOptions.nextAttemptDelaySeconds"),
            step.next_attempt_delay_seconds,
            1,
            DELAY_MAX,
        );
    }
    if let Some(wait) = &update.wait_options {
        v.range(
            &format!("{field}.waitOptions.waitSeconds"),
            wait.wait_seconds,
            1,
            DELAY_MAX,
        );
    }
    if let Some(callback) = &update.callback_options {
        v.range(
            &format!("{field}.callbackOptions.timeoutSeconds"),
            callback.timeout_seconds,
            0,
            CALLBACK_TIMEOUT_MAX,
        );
        v.range(
            &format!("{field}.callbackOptions.heartbeatTimeoutSeconds"),
            callback.heartbeat_timeout_seconds,
            0,
            CALLBACK_TIMEOUT_MAX,
        );
    }
    if let Some(chained) = &update.chained_invoke_options {
        let name = format!("{field}.chainedInvokeOptions.functionName");
        v.required(&name, chained.function_name.as_ref());
        checks::string(
            v,
            &name,
            chained.function_name.as_deref(),
            (1, 256),
            Some(NAMESPACED_FUNCTION_NAME),
        );
        checks::string(
            v,
            &format!("{field}.chainedInvokeOptions.tenantId"),
            chained.tenant_id.as_deref(),
            (1, 256),
            Some(TENANT_ID),
        );
        v.length(
            &format!("{field}.chainedInvokeOptions.xAmznTraceId"),
            chained.x_amzn_trace_id.as_deref(),
            0,
            8192,
        );
    }
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
pub fn config_response(mut config: Value) -> Value {
    if config.get("RetentionPeriodInDays").is_none() {
        config["RetentionPeriodInDays"] = json!(14);
    }
    config
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListDurableExecutionsOutput {
    pub durable_executions: Vec<DurableExecutionSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}
