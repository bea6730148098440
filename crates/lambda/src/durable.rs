//! Durable executions: Get/GetHistory/GetState/Checkpoint/Pause/Resume/Stop/
//! DeleteDurableExecution, ListDurableExecutionsByFunction and the callback
//! operations. laminar does not start durable executions, so no ARN or
//! callback id names one: requests are validated as the service validates
//! them, then answered as for an account without executions (not found, or
//! an empty list).

use crate::checks::{self, name_and_qualifier, version_of, VERSION_OR_ALIAS_QUALIFIER};
use crate::{ApiResult, LambdaService};
use laminar_model::arn::Scope;
use laminar_model::validate::Violations;
use laminar_model::{ApiError, ErrorKind};
use serde::{Deserialize, Serialize};

const EXECUTION_ARN: &str = "arn:([a-zA-Z0-9-]+):lambda:([a-zA-Z0-9-]+):(\\d{12}):function:([a-zA-Z0-9_-]+):(\\$LATEST(?:\\.PUBLISHED)?|[0-9]+)/durable-execution/([a-zA-Z0-9_-]+)/([a-zA-Z0-9_-]+)";
/// `CallbackId` and `CheckpointToken`.
const TOKEN: &str = "[A-Za-z0-9+/]+={0,2}";
const CLIENT_TOKEN: &str = "[\\x21-\\x7E]+";
const EXECUTION_NAME: &str = "[a-zA-Z0-9-_]+";
const OPERATION_ID: &str = "[a-zA-Z0-9-_]+";
const OPERATION_NAME: &str = "[\\x20-\\x7E]+";
const TENANT_ID: &str = "[a-zA-Z0-9\\._:\\/=+\\-@ ]+";
const NAMESPACED_FUNCTION_NAME: &str = "(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?";
const OPERATION_TYPES: &[&str] = &[
    "EXECUTION",
    "CONTEXT",
    "STEP",
    "WAIT",
    "CALLBACK",
    "CHAINED_INVOKE",
];
const ACTIONS: &[&str] = &["START", "SUCCEED", "FAIL", "RETRY", "CANCEL"];
const STATUSES: &[&str] = &[
    "RUNNING",
    "SUCCEEDED",
    "FAILED",
    "TIMED_OUT",
    "STOPPED",
    "DELETING",
    "PAUSING",
    "PAUSED",
];
const PAYLOAD_MAX: usize = 6_291_456;
const CALLBACK_RESULT_MAX: usize = 1_048_576;
const DELAY_MAX: i64 = 31_622_400;
const CALLBACK_TIMEOUT_MAX: i64 = 99_999_999;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StepOptions {
    pub next_attempt_delay_seconds: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WaitOptions {
    pub wait_seconds: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CallbackOptions {
    pub timeout_seconds: Option<i64>,
    pub heartbeat_timeout_seconds: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChainedInvokeOptions {
    pub function_name: Option<String>,
    pub tenant_id: Option<String>,
    pub x_amzn_trace_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
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
    pub reverse_order: Option<String>,
    pub marker: Option<String>,
    pub max_items: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DurableExecutionSummary {
    pub durable_execution_arn: String,
    pub durable_execution_name: String,
    pub function_arn: String,
    pub status: String,
    pub start_timestamp: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_timestamp: Option<f64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListDurableExecutionsOutput {
    pub durable_executions: Vec<DurableExecutionSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}

fn check_arn(v: &mut Violations, arn: &str) {
    checks::string(
        v,
        "durableExecutionArn",
        Some(arn),
        (1, 1024),
        Some(EXECUTION_ARN),
    );
}

fn check_client_token(v: &mut Violations, token: Option<&str>) {
    checks::string(v, "clientToken", token, (1, 64), Some(CLIENT_TOKEN));
}

fn execution_not_found(arn: &str) -> ApiError {
    ApiError::new(
        ErrorKind::ResourceNotFound,
        format!("Durable execution not found: {arn}"),
    )
}

/// For operations whose model lists no not-found error.
fn unknown_execution(arn: &str) -> ApiError {
    ApiError::invalid_parameter(format!(
        "Invalid checkpoint token: durable execution {arn} does not exist."
    ))
}

fn callback_not_found(id: &str) -> ApiError {
    ApiError::new(
        ErrorKind::ResourceNotFound,
        format!("Callback not found: {id}"),
    )
}

fn check_callback(id: &str) -> ApiResult<()> {
    let mut v = Violations::new();
    checks::string(&mut v, "callbackId", Some(id), (1, 1024), Some(TOKEN));
    v.finish()
}

fn check_update(v: &mut Violations, update: &OperationUpdate) {
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
fn timestamp_query(field: &str, text: Option<&str>) -> ApiResult<()> {
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

impl LambdaService {
    pub fn get_durable_execution(
        &self,
        _scope: &Scope,
        arn: &str,
        include_execution_data: Option<&str>,
    ) -> ApiResult<()> {
        let mut v = Violations::new();
        check_arn(&mut v, arn);
        v.finish()?;
        checks::boolean_query("includeExecutionData", include_execution_data)?;
        Err(execution_not_found(arn))
    }

    pub fn get_durable_execution_history(
        &self,
        _scope: &Scope,
        arn: &str,
        include_execution_data: Option<&str>,
        reverse_order: Option<&str>,
        max_items: Option<&str>,
    ) -> ApiResult<()> {
        let mut v = Violations::new();
        check_arn(&mut v, arn);
        v.finish()?;
        checks::boolean_query("includeExecutionData", include_execution_data)?;
        checks::boolean_query("reverseOrder", reverse_order)?;
        checks::integer_query("maxItems", max_items, 0, 1000)?;
        Err(execution_not_found(arn))
    }

    pub fn get_durable_execution_state(
        &self,
        _scope: &Scope,
        arn: &str,
        checkpoint_token: Option<&str>,
        max_items: Option<&str>,
    ) -> ApiResult<()> {
        let mut v = Violations::new();
        check_arn(&mut v, arn);
        v.required("checkpointToken", checkpoint_token.as_ref());
        checks::string(
            &mut v,
            "checkpointToken",
            checkpoint_token,
            (1, 2048),
            Some(TOKEN),
        );
        v.finish()?;
        checks::integer_query("maxItems", max_items, 0, 1000)?;
        Err(unknown_execution(arn))
    }

    pub fn checkpoint_durable_execution(
        &self,
        _scope: &Scope,
        arn: &str,
        request: CheckpointRequest,
    ) -> ApiResult<()> {
        let mut v = Violations::new();
        check_arn(&mut v, arn);
        v.required("checkpointToken", request.checkpoint_token.as_ref());
        checks::string(
            &mut v,
            "checkpointToken",
            request.checkpoint_token.as_deref(),
            (1, 2048),
            Some(TOKEN),
        );
        check_client_token(&mut v, request.client_token.as_deref());
        for update in request.updates.iter().flatten() {
            check_update(&mut v, update);
        }
        v.finish()?;
        Err(unknown_execution(arn))
    }

    pub fn pause_durable_execution(
        &self,
        _scope: &Scope,
        arn: &str,
        request: PauseResumeRequest,
    ) -> ApiResult<()> {
        let mut v = Violations::new();
        check_arn(&mut v, arn);
        check_client_token(&mut v, request.client_token.as_deref());
        v.length("reason", request.reason.as_deref(), 0, 1024);
        v.finish()?;
        Err(execution_not_found(arn))
    }

    pub fn resume_durable_execution(
        &self,
        scope: &Scope,
        arn: &str,
        request: PauseResumeRequest,
    ) -> ApiResult<()> {
        self.pause_durable_execution(scope, arn, request)
    }

    /// StopDurableExecution (its body, an `ErrorObject`, has no constraints)
    /// and DeleteDurableExecution.
    pub fn stop_durable_execution(&self, _scope: &Scope, arn: &str) -> ApiResult<()> {
        let mut v = Violations::new();
        check_arn(&mut v, arn);
        v.finish()?;
        Err(execution_not_found(arn))
    }

    pub fn delete_durable_execution(&self, scope: &Scope, arn: &str) -> ApiResult<()> {
        self.stop_durable_execution(scope, arn)
    }

    pub fn send_durable_execution_callback_success(
        &self,
        _scope: &Scope,
        callback_id: &str,
        result: &[u8],
    ) -> ApiResult<()> {
        check_callback(callback_id)?;
        if result.len() > CALLBACK_RESULT_MAX {
            let mut v = Violations::new();
            v.violation(
                "...",
                "result",
                format!("Member must have length less than or equal to {CALLBACK_RESULT_MAX}"),
            );
            v.finish()?;
        }
        Err(callback_not_found(callback_id))
    }

    /// SendDurableExecutionCallbackFailure (its body, an `ErrorObject`, has
    /// no constraints) and SendDurableExecutionCallbackHeartbeat.
    pub fn send_durable_execution_callback(
        &self,
        _scope: &Scope,
        callback_id: &str,
    ) -> ApiResult<()> {
        check_callback(callback_id)?;
        Err(callback_not_found(callback_id))
    }

    pub fn list_durable_executions_by_function(
        &self,
        scope: &Scope,
        function_name: &str,
        query: ListDurableExecutionsQuery,
    ) -> ApiResult<ListDurableExecutionsOutput> {
        let mut v = Violations::new();
        checks::string(
            &mut v,
            "functionName",
            Some(function_name),
            (1, 256),
            Some(NAMESPACED_FUNCTION_NAME),
        );
        checks::string(
            &mut v,
            "qualifier",
            query.qualifier.as_deref(),
            (1, 128),
            Some(VERSION_OR_ALIAS_QUALIFIER),
        );
        checks::string(
            &mut v,
            "durableExecutionName",
            query.durable_execution_name.as_deref(),
            (1, 64),
            Some(EXECUTION_NAME),
        );
        if !query.statuses.is_empty() {
            checks::size(
                &mut v,
                "statuses",
                checks::shown(&query.statuses),
                query.statuses.len(),
                1,
                10,
            );
        }
        for status in &query.statuses {
            v.one_of("statuses.member", Some(status), STATUSES);
        }
        v.finish()?;
        timestamp_query("startedAfter", query.started_after.as_deref())?;
        timestamp_query("startedBefore", query.started_before.as_deref())?;
        checks::boolean_query("reverseOrder", query.reverse_order.as_deref())?;
        checks::integer_query("maxItems", query.max_items.as_deref(), 0, 1000)?;
        let (reference, qualifier) =
            name_and_qualifier(scope, function_name, query.qualifier.as_deref())?;
        let record = self.function_record(scope, &reference)?;
        version_of(&record, qualifier.as_deref())?;
        Ok(ListDurableExecutionsOutput {
            durable_executions: Vec::new(),
            next_marker: None,
        })
    }
}
