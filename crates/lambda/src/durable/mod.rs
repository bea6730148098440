//! Durable executions. Invoking a function that has a `DurableConfig`
//! starts one (`start`); a driver task (`driver`) invokes the function with
//! the durable invocation envelope and re-invokes it when what it waits for
//! is done; the function's SDK checkpoints operations
//! (CheckpointDurableExecution), which `record` turns into operations and
//! history events; `table` keeps every execution in the store.
//! Here: the API operations (validation as the service does it, then the
//! behaviour).

mod driver;
mod record;
mod start;
mod status;
mod table;

pub(crate) use table::Executions;

use crate::checks::{self, name_and_qualifier, version_of, VERSION_OR_ALIAS_QUALIFIER};
use crate::{ApiResult, LambdaService};
use driver::now_secs;
use laminar_model::arn::Scope;
use laminar_model::validate::Violations;
use laminar_model::{ApiError, ErrorKind};
use record::{parse_callback_id, Execution, Operation};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
pub use status::{ExecutionStatus, OperationStatus};

/// Operations in one page of execution state (the model's default).
pub(crate) const STATE_PAGE: usize = 100;

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
    pub status: ExecutionStatus,
    pub start_timestamp: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_timestamp: Option<f64>,
}

/// A time given as ISO 8601 or seconds since the epoch, in seconds.
fn seconds_of(text: Option<&str>) -> Option<f64> {
    let text = text?;
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_millis() as f64 / 1000.0)
        .ok()
        .or_else(|| text.parse::<f64>().ok())
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

fn invalid_token() -> ApiError {
    ApiError::invalid_parameter("Invalid checkpoint token.")
}

/// A checkpoint token is good for the execution it was issued for, while
/// the execution is not over. (AWS also refuses tokens already consumed;
/// laminar accepts any token it issued for the execution.)
fn check_token(e: &Execution, token: &str) -> ApiResult<()> {
    let parts = record::parse_token(token).ok_or_else(invalid_token)?;
    if parts.0 != e.arn || parts.1 > e.token_seq || parts.1 == 0 {
        return Err(invalid_token());
    }
    if e.is_terminal() {
        return Err(ApiError::invalid_parameter(format!(
            "Invalid checkpoint token: durable execution {} has already completed.",
            e.arn
        )));
    }
    Ok(())
}

/// `DurableConfig` as GetFunctionConfiguration shows it.
pub(crate) fn config_response(mut config: Value) -> Value {
    if config.get("RetentionPeriodInDays").is_none() {
        config["RetentionPeriodInDays"] = json!(14);
    }
    config
}

fn page<T: Clone>(
    items: &[T],
    marker: Option<&str>,
    max: usize,
) -> ApiResult<(Vec<T>, Option<String>)> {
    let start = match marker {
        None | Some("") => 0,
        Some(m) => m
            .parse::<usize>()
            .ok()
            .filter(|n| *n <= items.len())
            .ok_or_else(|| ApiError::invalid_parameter("Invalid marker."))?,
    };
    let end = (start + max).min(items.len());
    let next = (end < items.len()).then(|| end.to_string());
    Ok((items[start..end].to_vec(), next))
}

fn page_size(max_items: Option<i64>) -> usize {
    match max_items {
        None | Some(0) => STATE_PAGE,
        Some(n) => n.clamp(1, 1000) as usize,
    }
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

/// GetDurableExecution's answer.
fn execution_output(e: &Execution, include_data: bool) -> Value {
    let mut out = json!({
        "DurableExecutionArn": e.arn,
        "DurableExecutionName": e.name,
        "FunctionArn": e.function_arn,
        "Status": e.status,
        "StartTimestamp": e.start,
        "Version": e.version,
        "DurableConfig": e.durable_config,
        "ExecutionDataIncluded": include_data,
        "ExpectedExecutionTimeoutTimestamp": e.start + e.execution_timeout(),
    });
    if let Some(end) = e.end {
        out["EndTimestamp"] = json!(end);
    }
    if let Some(pause) = &e.pause {
        out["PauseDetails"] = pause.clone();
    }
    if include_data {
        out["InputPayload"] = json!(e.input);
        if let Some(result) = &e.result {
            out["Result"] = json!(result);
        }
        if let Some(error) = &e.error {
            out["Error"] = error.clone();
        }
    }
    out
}

fn summary(e: &Execution) -> DurableExecutionSummary {
    DurableExecutionSummary {
        durable_execution_arn: e.arn.clone(),
        durable_execution_name: e.name.clone(),
        function_arn: e.function_arn.clone(),
        status: e.status,
        start_timestamp: e.start,
        end_timestamp: e.end,
    }
}

fn already_over(e: &Execution) -> ApiError {
    ApiError::new(
        ErrorKind::ResourceConflict,
        format!(
            "Durable execution {} is {} and cannot be changed.",
            e.arn, e.status
        ),
    )
}

impl LambdaService {
    fn execution(&self, scope: &Scope, arn: &str) -> ApiResult<Execution> {
        self.inner
            .durable
            .get_in(scope, arn)
            .ok_or_else(|| execution_not_found(arn))
    }

    pub fn get_durable_execution(
        &self,
        scope: &Scope,
        arn: &str,
        include_execution_data: Option<&str>,
    ) -> ApiResult<Value> {
        let mut v = Violations::new();
        check_arn(&mut v, arn);
        v.finish()?;
        let include = checks::boolean_query("includeExecutionData", include_execution_data)?;
        let e = self.execution(scope, arn)?;
        Ok(execution_output(&e, include.unwrap_or(true)))
    }

    pub fn get_durable_execution_history(
        &self,
        scope: &Scope,
        arn: &str,
        include_execution_data: Option<&str>,
        reverse_order: Option<&str>,
        max_items: Option<&str>,
        marker: Option<&str>,
    ) -> ApiResult<Value> {
        let mut v = Violations::new();
        check_arn(&mut v, arn);
        v.finish()?;
        let include = checks::boolean_query("includeExecutionData", include_execution_data)?;
        let reverse = checks::boolean_query("reverseOrder", reverse_order)?;
        let max = checks::integer_query("maxItems", max_items, 0, 1000)?;
        let e = self.execution(scope, arn)?;
        let mut events = e.events.clone();
        if reverse.unwrap_or(false) {
            events.reverse();
        }
        if !include.unwrap_or(true) {
            events = events.into_iter().map(record::without_data).collect();
        }
        let (events, next) = page(&events, marker, page_size(max))?;
        let mut out = json!({"Events": events});
        if let Some(next) = next {
            out["NextMarker"] = json!(next);
        }
        Ok(out)
    }

    pub fn get_durable_execution_state(
        &self,
        scope: &Scope,
        arn: &str,
        checkpoint_token: Option<&str>,
        max_items: Option<&str>,
        marker: Option<&str>,
    ) -> ApiResult<Value> {
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
        let max = checks::integer_query("maxItems", max_items, 0, 1000)?;
        let e = self
            .inner
            .durable
            .get_in(scope, arn)
            .ok_or_else(|| unknown_execution(arn))?;
        let token = record::parse_token(checkpoint_token.unwrap_or_default())
            .filter(|(token_arn, seq)| token_arn == arn && *seq >= 1 && *seq <= e.token_seq);
        if token.is_none() {
            return Err(invalid_token());
        }
        let (operations, next) = page(&e.operations, marker, page_size(max))?;
        let mut out = json!({"Operations": operations});
        if let Some(next) = next {
            out["NextMarker"] = json!(next);
        }
        Ok(out)
    }

    pub fn checkpoint_durable_execution(
        &self,
        scope: &Scope,
        arn: &str,
        request: CheckpointRequest,
    ) -> ApiResult<Value> {
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
        let now = now_secs();
        let token = request.checkpoint_token.unwrap_or_default();
        let out = self.inner.durable.update_in(scope, arn, |e| {
            check_token(e, &token)?;
            let mut touched: Vec<String> = std::mem::take(&mut e.changed).into_iter().collect();
            for update in request.updates.iter().flatten() {
                let id = e.apply(update, now)?;
                if !touched.contains(&id) {
                    touched.push(id);
                }
            }
            e.token_seq += 1;
            let operations: Vec<Operation> = touched
                .iter()
                .filter_map(|id| e.operation(id).cloned())
                .collect();
            Ok(json!({
                "CheckpointToken": record::checkpoint_token(&e.arn, e.token_seq),
                "NewExecutionState": {"Operations": operations},
            }))
        })?;
        let out = out.ok_or_else(|| unknown_execution(arn))?;
        // New timers (a WAIT, a retry) or a completed execution: the driver
        // re-plans.
        self.inner.durable.wake(arn);
        Ok(out)
    }

    pub fn pause_durable_execution(
        &self,
        scope: &Scope,
        arn: &str,
        request: PauseResumeRequest,
    ) -> ApiResult<Value> {
        check_pause_resume(arn, &request)?;
        let now = now_secs();
        self.inner
            .durable
            .update_in(scope, arn, |e| {
                if e.status != ExecutionStatus::Running {
                    return Err(already_over(e));
                }
                e.paused(
                    now,
                    request.reason.clone(),
                    request.execution_timeout_paused.unwrap_or(false),
                );
                Ok(())
            })?
            .ok_or_else(|| execution_not_found(arn))?;
        Ok(json!({}))
    }

    pub fn resume_durable_execution(
        &self,
        scope: &Scope,
        arn: &str,
        request: PauseResumeRequest,
    ) -> ApiResult<Value> {
        check_pause_resume(arn, &request)?;
        let now = now_secs();
        self.inner
            .durable
            .update_in(scope, arn, |e| {
                if e.status != ExecutionStatus::Paused {
                    return Err(ApiError::new(
                        ErrorKind::ResourceConflict,
                        format!("Durable execution {} is {}, not PAUSED.", e.arn, e.status),
                    ));
                }
                e.resumed(now, request.reason.clone());
                Ok(())
            })?
            .ok_or_else(|| execution_not_found(arn))?;
        self.inner.durable.wake(arn);
        Ok(json!({}))
    }

    /// StopDurableExecution: the execution ends STOPPED with the given
    /// error; an invocation still running is no longer listened to.
    pub fn stop_durable_execution(
        &self,
        scope: &Scope,
        arn: &str,
        error: Option<Value>,
    ) -> ApiResult<Value> {
        let mut v = Violations::new();
        check_arn(&mut v, arn);
        v.finish()?;
        let now = now_secs();
        let error = error
            .filter(|e| e.as_object().is_some_and(|m| !m.is_empty()))
            .unwrap_or_else(|| {
                record::error_object("Stopped", "The durable execution was stopped.")
            });
        self.inner
            .durable
            .update_in(scope, arn, |e| {
                if e.is_terminal() {
                    return Err(ApiError::invalid_parameter(format!(
                        "Durable execution {} has already completed with status {}.",
                        e.arn, e.status
                    )));
                }
                e.finish(now, ExecutionStatus::Stopped, None, Some(error));
                Ok(())
            })?
            .ok_or_else(|| execution_not_found(arn))?;
        self.inner.durable.wake(arn);
        Ok(json!({"StopTimestamp": now}))
    }

    /// DeleteDurableExecution: the execution and its history are gone (a
    /// running one is stopped first).
    pub fn delete_durable_execution(&self, scope: &Scope, arn: &str) -> ApiResult<Value> {
        let mut v = Violations::new();
        check_arn(&mut v, arn);
        v.finish()?;
        let now = now_secs();
        self.inner
            .durable
            .remove_in(scope, arn)?
            .ok_or_else(|| execution_not_found(arn))?;
        self.inner.durable.wake(arn);
        Ok(json!({"DeletionRequestTimestamp": now}))
    }

    /// Completes a CALLBACK operation from outside and wakes the driver.
    fn answer_callback(
        &self,
        scope: &Scope,
        callback_id: &str,
        outcome: Option<Result<String, Value>>,
    ) -> ApiResult<()> {
        let (arn, op) =
            parse_callback_id(callback_id).ok_or_else(|| callback_not_found(callback_id))?;
        let now = now_secs();
        self.inner
            .durable
            .update_in(scope, &arn, |e| {
                let status = match e.operation(&op) {
                    Some(o) if o.operation_type == "CALLBACK" => o.status,
                    _ => return Err(callback_not_found(callback_id)),
                };
                if status != OperationStatus::Started || e.is_terminal() {
                    return Err(ApiError::new(
                        ErrorKind::CallbackTimeout,
                        format!("Callback {callback_id} is no longer open ({status})."),
                    ));
                }
                match outcome {
                    Some(outcome) => e.complete_callback(&op, outcome, now),
                    None => e.heartbeat(&op, now),
                }
                Ok(())
            })?
            .ok_or_else(|| callback_not_found(callback_id))?;
        self.inner.durable.wake(&arn);
        Ok(())
    }

    pub fn send_durable_execution_callback_success(
        &self,
        scope: &Scope,
        callback_id: &str,
        result: &[u8],
    ) -> ApiResult<Value> {
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
        let result = String::from_utf8_lossy(result).into_owned();
        self.answer_callback(scope, callback_id, Some(Ok(result)))?;
        Ok(json!({}))
    }

    pub fn send_durable_execution_callback_failure(
        &self,
        scope: &Scope,
        callback_id: &str,
        error: Option<Value>,
    ) -> ApiResult<Value> {
        check_callback(callback_id)?;
        self.answer_callback(scope, callback_id, Some(Err(error.unwrap_or(json!({})))))?;
        Ok(json!({}))
    }

    pub fn send_durable_execution_callback_heartbeat(
        &self,
        scope: &Scope,
        callback_id: &str,
    ) -> ApiResult<Value> {
        check_callback(callback_id)?;
        self.answer_callback(scope, callback_id, None)?;
        Ok(json!({}))
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
        let oldest_first = checks::boolean_query("reverseOrder", query.reverse_order.as_deref())?;
        let max = checks::integer_query("maxItems", query.max_items.as_deref(), 0, 1000)?;
        let (reference, qualifier) =
            name_and_qualifier(scope, function_name, query.qualifier.as_deref())?;
        let record = self.function_record(scope, &reference)?;
        let version = match qualifier.as_deref() {
            None => None,
            Some("$LATEST") => Some("$LATEST".to_string()),
            Some(q) => Some(
                version_of(&record, Some(q))?
                    .map_or_else(|| "$LATEST".to_string(), |n| n.to_string()),
            ),
        };
        let after = seconds_of(query.started_after.as_deref());
        let before = seconds_of(query.started_before.as_deref());
        let name = record.config.function_name.clone();
        let mut found = self.inner.durable.find(|e| {
            e.account == scope.account
                && e.region == scope.region
                && e.function_name == name
                && version.as_ref().is_none_or(|v| &e.version == v)
                && query
                    .durable_execution_name
                    .as_ref()
                    .is_none_or(|n| &e.name == n)
                && (query.statuses.is_empty()
                    || query.statuses.iter().any(|s| s == e.status.as_str()))
                && after.is_none_or(|t| e.start >= t)
                && before.is_none_or(|t| e.start <= t)
        });
        found.sort_by(|a, b| a.start.total_cmp(&b.start).then_with(|| a.arn.cmp(&b.arn)));
        if !oldest_first.unwrap_or(false) {
            found.reverse();
        }
        let (found, next_marker) = page(&found, query.marker.as_deref(), page_size(max))?;
        Ok(ListDurableExecutionsOutput {
            durable_executions: found.iter().map(summary).collect(),
            next_marker,
        })
    }
}

/// What Pause and Resume check of their request.
fn check_pause_resume(arn: &str, request: &PauseResumeRequest) -> ApiResult<()> {
    let mut v = Violations::new();
    check_arn(&mut v, arn);
    check_client_token(&mut v, request.client_token.as_deref());
    v.length("reason", request.reason.as_deref(), 0, 1024);
    v.finish()
}
