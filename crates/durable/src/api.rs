//! The durable-execution operations of the API on [`DurableExecutions`]
//! (the gateway has checked the model's constraints; what is left here is
//! what the model cannot say: existence, tokens, states).

use crate::driver::now_secs;
use crate::input::*;
use crate::record::{self, Execution, Operation};
use crate::status::{ExecutionStatus, OperationStatus};
use crate::tokens::{self, parse_callback_id};
use crate::DurableExecutions;
use laminar_lambda_core::checks::{name_and_qualifier, version_of};
use laminar_lambda_core::naming::key_of;
use laminar_lambda_core::ApiResult;
use laminar_model::arn::Scope;
use laminar_model::input::ListDurableExecutionsByFunction;
use laminar_model::{ApiError, ErrorKind};
use serde_json::{json, Value};

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
    let parts = tokens::parse_token(token).ok_or_else(invalid_token)?;
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

fn callback_not_found(id: &str) -> ApiError {
    ApiError::new(
        ErrorKind::ResourceNotFound,
        format!("Callback not found: {id}"),
    )
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

impl DurableExecutions {
    fn execution(&self, scope: &Scope, arn: &str) -> ApiResult<Execution> {
        self.table
            .get_in(scope, arn)
            .ok_or_else(|| execution_not_found(arn))
    }

    pub fn get_durable_execution(
        &self,
        scope: &Scope,
        arn: &str,
        include_execution_data: Option<bool>,
    ) -> ApiResult<Value> {
        let e = self.execution(scope, arn)?;
        Ok(execution_output(&e, include_execution_data.unwrap_or(true)))
    }

    pub fn get_durable_execution_history(
        &self,
        scope: &Scope,
        arn: &str,
        include_execution_data: Option<bool>,
        reverse_order: Option<bool>,
        max_items: Option<i32>,
        marker: Option<&str>,
    ) -> ApiResult<Value> {
        let e = self.execution(scope, arn)?;
        let mut events = e.events.clone();
        if reverse_order.unwrap_or(false) {
            events.reverse();
        }
        if !include_execution_data.unwrap_or(true) {
            events = events.into_iter().map(record::without_data).collect();
        }
        Ok(PAGING.page(&events, marker, max_items)?.into_json("Events"))
    }

    pub fn get_durable_execution_state(
        &self,
        scope: &Scope,
        arn: &str,
        checkpoint_token: &str,
        max_items: Option<i32>,
        marker: Option<&str>,
    ) -> ApiResult<Value> {
        let e = self
            .table
            .get_in(scope, arn)
            .ok_or_else(|| unknown_execution(arn))?;
        let token = tokens::parse_token(checkpoint_token)
            .filter(|(token_arn, seq)| token_arn == arn && *seq >= 1 && *seq <= e.token_seq);
        if token.is_none() {
            return Err(invalid_token());
        }
        Ok(PAGING
            .page(&e.operations, marker, max_items)?
            .into_json("Operations"))
    }

    pub fn checkpoint_durable_execution(
        &self,
        scope: &Scope,
        arn: &str,
        request: CheckpointRequest,
    ) -> ApiResult<Value> {
        let now = now_secs();
        let token = request.checkpoint_token.unwrap_or_default();
        let out = self.table.update_in(scope, arn, |e| {
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
                "CheckpointToken": tokens::checkpoint_token(&e.arn, e.token_seq),
                "NewExecutionState": {"Operations": operations},
            }))
        })?;
        let out = out.ok_or_else(|| unknown_execution(arn))?;
        // New timers (a WAIT, a retry) or a completed execution: the driver
        // re-plans.
        self.table.wake(arn);
        Ok(out)
    }

    pub fn pause_durable_execution(
        &self,
        scope: &Scope,
        arn: &str,
        request: PauseResumeRequest,
    ) -> ApiResult<Value> {
        let now = now_secs();
        self.table
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
        let now = now_secs();
        self.table
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
        self.table.wake(arn);
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
        let now = now_secs();
        let error = error
            .filter(|e| e.as_object().is_some_and(|m| !m.is_empty()))
            .unwrap_or_else(|| {
                record::error_object("Stopped", "The durable execution was stopped.")
            });
        self.table
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
        self.table.wake(arn);
        Ok(json!({"StopTimestamp": now}))
    }

    /// DeleteDurableExecution: the execution and its history are gone (a
    /// running one is stopped first).
    pub fn delete_durable_execution(&self, scope: &Scope, arn: &str) -> ApiResult<Value> {
        let now = now_secs();
        self.table
            .remove_in(scope, arn)?
            .ok_or_else(|| execution_not_found(arn))?;
        self.table.wake(arn);
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
        self.table
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
        self.table.wake(&arn);
        Ok(())
    }

    pub fn send_durable_execution_callback_success(
        &self,
        scope: &Scope,
        callback_id: &str,
        result: &[u8],
    ) -> ApiResult<Value> {
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
        self.answer_callback(scope, callback_id, Some(Err(error.unwrap_or(json!({})))))?;
        Ok(json!({}))
    }

    pub fn send_durable_execution_callback_heartbeat(
        &self,
        scope: &Scope,
        callback_id: &str,
    ) -> ApiResult<Value> {
        self.answer_callback(scope, callback_id, None)?;
        Ok(json!({}))
    }

    pub fn list_durable_executions_by_function(
        &self,
        scope: &Scope,
        query: ListDurableExecutionsByFunction,
    ) -> ApiResult<ListDurableExecutionsOutput> {
        timestamp_query("startedAfter", query.started_after.as_deref())?;
        timestamp_query("startedBefore", query.started_before.as_deref())?;
        let oldest_first = query.reverse_order;
        let (reference, qualifier) =
            name_and_qualifier(scope, &query.function_name, query.qualifier.as_deref())?;
        let record = self
            .invoker
            .registry()
            .get(&key_of(scope, &reference.name))
            .ok_or_else(|| ApiError::function_not_found(&scope.function_arn(&reference.name)))?;
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
        let mut found = self.table.find(|e| {
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
        let page = PAGING.page(&found, query.marker.as_deref(), query.max_items)?;
        Ok(ListDurableExecutionsOutput {
            durable_executions: page.items.into_iter().map(summary).collect(),
            next_marker: page.next_marker,
        })
    }
}
