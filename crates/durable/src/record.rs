//! One durable execution as laminar keeps it: its operations (what the SDK
//! checkpointed), its history events, and the transitions the checkpoint
//! actions, callbacks, timers and the function's answers cause. Pure logic:
//! no I/O, no clock (the caller passes `now`, seconds since the epoch).

use crate::input::OperationUpdate;
use crate::status::{ExecutionStatus, OperationStatus};
use crate::tokens::callback_id;
use laminar_model::ApiError;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// `Operation` of the API model; the details stay JSON objects.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Operation {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "Type")]
    pub operation_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_type: Option<String>,
    pub start_timestamp: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_timestamp: Option<f64>,
    pub status: OperationStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_details: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_details: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step_details: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_details: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_details: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chained_invoke_details: Option<Value>,
}

/// When something about a live operation falls due.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) enum Timer {
    /// A WAIT ends.
    WaitEnds,
    /// A STEP's next attempt may start.
    RetryReady,
    /// A CALLBACK gets no answer (timeout, or no heartbeat in time).
    CallbackTimesOut,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Execution {
    pub arn: String,
    pub name: String,
    pub account: String,
    pub region: String,
    pub function_name: String,
    /// The function's ARN with the version that runs (`…:function:f:$LATEST`).
    pub function_arn: String,
    pub version: String,
    pub status: ExecutionStatus,
    pub input: String,
    pub result: Option<String>,
    pub error: Option<Value>,
    pub start: f64,
    pub end: Option<f64>,
    pub durable_config: Value,
    pub pause: Option<Value>,
    /// Issued checkpoint tokens carry this counter.
    pub token_seq: u64,
    pub operations: Vec<Operation>,
    pub events: Vec<Value>,
    /// Live operations' due times (operation id → (when, what)).
    pub timers: BTreeMap<String, (f64, Timer)>,
    /// Callback heartbeat timeouts in seconds (operation id → seconds).
    pub heartbeats: BTreeMap<String, f64>,
    /// Operations changed outside a checkpoint since the last checkpoint
    /// answered (the next one reports them).
    pub changed: BTreeSet<String>,
    /// Something the function has not seen yet happened: invoke it again.
    pub invoke_due: bool,
}

pub(crate) fn error_object(error_type: &str, message: &str) -> Value {
    json!({"ErrorType": error_type, "ErrorMessage": message})
}

fn payload(text: &str) -> Value {
    json!({"Payload": text})
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::invalid_parameter(message.into())
}

impl Execution {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        arn: String,
        name: String,
        scope: (&str, &str),
        function_name: String,
        function_arn: String,
        version: String,
        input: String,
        durable_config: Value,
        now: f64,
    ) -> Self {
        let id = arn.rsplit('/').next().unwrap_or_default().to_string();
        let timeout = durable_config["ExecutionTimeout"]
            .as_i64()
            .unwrap_or(86_400);
        let mut execution = Self {
            arn,
            name,
            account: scope.0.to_string(),
            region: scope.1.to_string(),
            function_name,
            function_arn,
            version,
            status: ExecutionStatus::Running,
            input: input.clone(),
            result: None,
            error: None,
            start: now,
            end: None,
            durable_config,
            pause: None,
            token_seq: 0,
            operations: vec![Operation {
                id: id.clone(),
                operation_type: "EXECUTION".into(),
                start_timestamp: now,
                status: OperationStatus::Started,
                execution_details: Some(json!({"InputPayload": input})),
                ..Default::default()
            }],
            events: Vec::new(),
            timers: BTreeMap::new(),
            heartbeats: BTreeMap::new(),
            changed: BTreeSet::new(),
            invoke_due: true,
        };
        execution.event(
            now,
            "ExecutionStarted",
            Some(&id),
            json!({"ExecutionStartedDetails": {"Input": payload(&input), "ExecutionTimeout": timeout}}),
        );
        execution
    }

    /// Whether the execution is in the caller's account and region.
    pub(crate) fn belongs_to(&self, scope: &laminar_model::arn::Scope) -> bool {
        self.account == scope.account && self.region == scope.region
    }

    pub(crate) fn is_terminal(&self) -> bool {
        self.status.is_terminal()
    }

    pub(crate) fn execution_timeout(&self) -> f64 {
        self.durable_config["ExecutionTimeout"]
            .as_f64()
            .unwrap_or(86_400.0)
    }

    /// Appends a history event; `details` holds the `…Details` member.
    fn event(&mut self, now: f64, event_type: &str, operation: Option<&str>, details: Value) {
        let mut event = Map::new();
        event.insert("EventType".into(), json!(event_type));
        event.insert("EventId".into(), json!(self.events.len() + 1));
        event.insert("EventTimestamp".into(), json!(now));
        if let Some(op) = operation.and_then(|id| self.operation(id)) {
            event.insert("Id".into(), json!(op.id));
            for (key, value) in [
                ("Name", &op.name),
                ("ParentId", &op.parent_id),
                ("SubType", &op.sub_type),
            ] {
                if let Some(v) = value {
                    event.insert(key.into(), json!(v));
                }
            }
        }
        if let Value::Object(details) = details {
            event.extend(details);
        }
        self.events.push(Value::Object(event));
    }

    pub(crate) fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.id == id)
    }

    fn operation_mut(&mut self, id: &str) -> Option<&mut Operation> {
        self.operations.iter_mut().find(|o| o.id == id)
    }

    fn execution_id(&self) -> String {
        self.operations
            .first()
            .map(|o| o.id.clone())
            .unwrap_or_default()
    }

    /// Ends the execution with `status`; `result` or `error` is recorded.
    pub(crate) fn finish(
        &mut self,
        now: f64,
        status: ExecutionStatus,
        result: Option<String>,
        error: Option<Value>,
    ) {
        if self.is_terminal() {
            return;
        }
        self.status = status;
        self.end = Some(now);
        self.pause = None;
        self.timers.clear();
        self.invoke_due = false;
        let id = self.execution_id();
        if let Some(op) = self.operation_mut(&id) {
            op.status = status.into();
            op.end_timestamp = Some(now);
        }
        let error_event = || json!({"Error": {"Payload": error.clone().unwrap_or(json!({}))}});
        let (event_type, details) = match status {
            ExecutionStatus::Succeeded => (
                "ExecutionSucceeded",
                json!({"ExecutionSucceededDetails": {"Result": payload(result.as_deref().unwrap_or(""))}}),
            ),
            ExecutionStatus::Failed => (
                "ExecutionFailed",
                json!({"ExecutionFailedDetails": error_event()}),
            ),
            ExecutionStatus::TimedOut => (
                "ExecutionTimedOut",
                json!({"ExecutionTimedOutDetails": error_event()}),
            ),
            _ => (
                "ExecutionStopped",
                json!({"ExecutionStoppedDetails": error_event()}),
            ),
        };
        self.result = result;
        self.error = error;
        self.event(now, event_type, Some(&id), details);
    }

    /// Applies one checkpointed update; returns the id of the operation it
    /// touched.
    pub(crate) fn apply(&mut self, update: &OperationUpdate, now: f64) -> Result<String, ApiError> {
        let id = update.id.clone().unwrap_or_default();
        let kind = update.operation_type.clone().unwrap_or_default();
        let action = update.action.clone().unwrap_or_default();
        let allowed: &[&str] = match kind.as_str() {
            "EXECUTION" => &["SUCCEED", "FAIL"],
            "STEP" => &["START", "SUCCEED", "FAIL", "RETRY"],
            "WAIT" => &["START", "CANCEL"],
            "CONTEXT" => &["START", "SUCCEED", "FAIL"],
            _ => &["START"],
        };
        if !allowed.contains(&action.as_str()) {
            return Err(invalid(format!(
                "Invalid action {action} for an operation of type {kind}."
            )));
        }
        if let Some(existing) = self.operation(&id) {
            if existing.operation_type != kind {
                return Err(invalid(format!(
                    "Operation {id} is of type {}, not {kind}.",
                    existing.operation_type
                )));
            }
        }
        if kind == "EXECUTION" {
            if id != self.execution_id() {
                return Err(invalid(format!(
                    "Operation {id} is not this execution's EXECUTION operation."
                )));
            }
            match action.as_str() {
                "SUCCEED" => self.finish(
                    now,
                    ExecutionStatus::Succeeded,
                    update.payload.clone(),
                    None,
                ),
                _ => self.finish(now, ExecutionStatus::Failed, None, update.error.clone()),
            }
            return Ok(id);
        }
        match action.as_str() {
            "START" => self.start(update, &id, &kind, now)?,
            "SUCCEED" | "FAIL" => self.complete(update, &id, &kind, &action, now)?,
            "RETRY" => self.retry(update, &id, now)?,
            _ => self.cancel_wait(&id, now)?,
        }
        Ok(id)
    }

    fn start(
        &mut self,
        update: &OperationUpdate,
        id: &str,
        kind: &str,
        now: f64,
    ) -> Result<(), ApiError> {
        if let Some(op) = self.operation_mut(id) {
            // A STEP starts again for its next attempt.
            if kind == "STEP"
                && matches!(op.status, OperationStatus::Pending | OperationStatus::Ready)
            {
                op.status = OperationStatus::Started;
                let details = op.step_details.get_or_insert_with(|| json!({}));
                let attempt = details["Attempt"].as_i64().unwrap_or(1) + 1;
                details["Attempt"] = json!(attempt);
                if let Some(map) = details.as_object_mut() {
                    map.remove("NextAttemptTimestamp");
                }
                self.event(
                    now,
                    "StepStarted",
                    Some(id),
                    json!({"StepStartedDetails": {}}),
                );
                return Ok(());
            }
            if op.status == OperationStatus::Started && kind == "STEP" {
                return Ok(());
            }
            return Err(invalid(format!("Operation {id} has already been started.")));
        }
        if let Some(parent) = &update.parent_id {
            if self.operation(parent).is_none() {
                return Err(invalid(format!(
                    "Parent operation {parent} does not exist."
                )));
            }
        }
        let mut op = Operation {
            id: id.to_string(),
            parent_id: update.parent_id.clone(),
            name: update.name.clone(),
            operation_type: kind.to_string(),
            sub_type: update.sub_type.clone(),
            start_timestamp: now,
            status: OperationStatus::Started,
            ..Default::default()
        };
        let (event_type, details) = match kind {
            "STEP" => {
                op.step_details = Some(json!({"Attempt": 1}));
                ("StepStarted", json!({"StepStartedDetails": {}}))
            }
            "WAIT" => {
                let seconds = update
                    .wait_options
                    .as_ref()
                    .and_then(|w| w.wait_seconds)
                    .ok_or_else(|| {
                        invalid("WaitOptions.WaitSeconds is required to start a WAIT operation.")
                    })?;
                let end = now + seconds as f64;
                op.wait_details = Some(json!({"ScheduledEndTimestamp": end}));
                self.timers.insert(id.to_string(), (end, Timer::WaitEnds));
                (
                    "WaitStarted",
                    json!({"WaitStartedDetails": {"Duration": seconds, "ScheduledEndTimestamp": end}}),
                )
            }
            "CALLBACK" => {
                let callback = callback_id(&self.arn, id);
                op.callback_details = Some(json!({"CallbackId": callback}));
                let options = update.callback_options.as_ref();
                let timeout = options.and_then(|o| o.timeout_seconds).unwrap_or(0);
                let heartbeat = options
                    .and_then(|o| o.heartbeat_timeout_seconds)
                    .unwrap_or(0);
                let mut details = json!({"CallbackId": callback});
                if timeout > 0 {
                    details["Timeout"] = json!(timeout);
                }
                if heartbeat > 0 {
                    details["HeartbeatTimeout"] = json!(heartbeat);
                    self.heartbeats.insert(id.to_string(), heartbeat as f64);
                }
                let due = [timeout, heartbeat].into_iter().filter(|s| *s > 0).min();
                if let Some(seconds) = due {
                    self.timers.insert(
                        id.to_string(),
                        (now + seconds as f64, Timer::CallbackTimesOut),
                    );
                }
                if timeout > 0 {
                    // The overall deadline, kept beside the heartbeat's.
                    self.heartbeats
                        .insert(format!("{id}#deadline"), now + timeout as f64);
                }
                (
                    "CallbackStarted",
                    json!({"CallbackStartedDetails": details}),
                )
            }
            "CHAINED_INVOKE" => {
                let options = update.chained_invoke_options.as_ref();
                let mut details = json!({
                    "FunctionName": options.and_then(|o| o.function_name.clone()).unwrap_or_default(),
                    "Input": payload(update.payload.as_deref().unwrap_or("")),
                });
                if let Some(tenant) = options.and_then(|o| o.tenant_id.clone()) {
                    details["TenantId"] = json!(tenant);
                }
                op.chained_invoke_details = Some(json!({}));
                (
                    "ChainedInvokeStarted",
                    json!({"ChainedInvokeStartedDetails": details}),
                )
            }
            _ => {
                let replay = update
                    .context_options
                    .as_ref()
                    .and_then(|o| o["ReplayChildren"].as_bool())
                    .unwrap_or(false);
                op.context_details = Some(json!({"ReplayChildren": replay}));
                ("ContextStarted", json!({"ContextStartedDetails": {}}))
            }
        };
        self.operations.push(op);
        self.event(now, event_type, Some(id), details);
        Ok(())
    }

    /// SUCCEED or FAIL of a STEP or CONTEXT (started in this batch or before).
    fn complete(
        &mut self,
        update: &OperationUpdate,
        id: &str,
        kind: &str,
        action: &str,
        now: f64,
    ) -> Result<(), ApiError> {
        if self.operation(id).is_none() {
            self.start(update, id, kind, now)?;
        }
        let Some(op) = self.operation_mut(id) else {
            return Err(invalid(format!("Operation {id} does not exist.")));
        };
        if !matches!(op.status, OperationStatus::Started | OperationStatus::Ready) {
            return Err(invalid(format!(
                "Operation {id} is {} and cannot be completed.",
                op.status
            )));
        }
        let succeeded = action == "SUCCEED";
        op.status = if succeeded {
            OperationStatus::Succeeded
        } else {
            OperationStatus::Failed
        };
        op.end_timestamp = Some(now);
        let result = update.payload.clone().unwrap_or_default();
        let error = update.error.clone().unwrap_or(json!({}));
        let details = if kind == "STEP" {
            op.step_details.get_or_insert_with(|| json!({"Attempt": 1}))
        } else {
            op.context_details.get_or_insert_with(|| json!({}))
        };
        if succeeded {
            details["Result"] = json!(result);
        } else {
            details["Error"] = error.clone();
        }
        let attempt = details["Attempt"].as_i64().unwrap_or(1);
        let retry = json!({"CurrentAttempt": attempt});
        let (event_type, body) = match (kind, succeeded) {
            ("STEP", true) => (
                "StepSucceeded",
                json!({"StepSucceededDetails": {"Result": payload(&result), "RetryDetails": retry}}),
            ),
            ("STEP", false) => (
                "StepFailed",
                json!({"StepFailedDetails": {"Error": {"Payload": error}, "RetryDetails": retry}}),
            ),
            (_, true) => (
                "ContextSucceeded",
                json!({"ContextSucceededDetails": {"Result": payload(&result)}}),
            ),
            (_, false) => (
                "ContextFailed",
                json!({"ContextFailedDetails": {"Error": {"Payload": error}}}),
            ),
        };
        self.event(now, event_type, Some(id), body);
        Ok(())
    }

    fn retry(&mut self, update: &OperationUpdate, id: &str, now: f64) -> Result<(), ApiError> {
        if self.operation(id).is_none() {
            self.start(update, id, "STEP", now)?;
        }
        let delay = update
            .step_options
            .as_ref()
            .and_then(|s| s.next_attempt_delay_seconds)
            .unwrap_or(1);
        let Some(op) = self.operation_mut(id) else {
            return Err(invalid(format!("Operation {id} does not exist.")));
        };
        if op.status != OperationStatus::Started {
            return Err(invalid(format!(
                "Operation {id} is {} and cannot be retried.",
                op.status
            )));
        }
        let next = now + delay as f64;
        op.status = OperationStatus::Pending;
        let details = op.step_details.get_or_insert_with(|| json!({"Attempt": 1}));
        details["NextAttemptTimestamp"] = json!(next);
        if let Some(error) = &update.error {
            details["Error"] = error.clone();
        }
        if let Some(result) = &update.payload {
            details["Result"] = json!(result);
        }
        let attempt = details["Attempt"].as_i64().unwrap_or(1);
        self.timers
            .insert(id.to_string(), (next, Timer::RetryReady));
        self.event(
            now,
            "StepFailed",
            Some(id),
            json!({"StepFailedDetails": {
                "Error": {"Payload": update.error.clone().unwrap_or(json!({}))},
                "RetryDetails": {"CurrentAttempt": attempt, "NextAttemptDelaySeconds": delay},
            }}),
        );
        Ok(())
    }

    fn cancel_wait(&mut self, id: &str, now: f64) -> Result<(), ApiError> {
        let Some(op) = self
            .operation_mut(id)
            .filter(|o| o.status == OperationStatus::Started)
        else {
            return Err(invalid(format!(
                "Operation {id} is not a WAIT in progress."
            )));
        };
        op.status = OperationStatus::Cancelled;
        op.end_timestamp = Some(now);
        self.timers.remove(id);
        self.event(
            now,
            "WaitCancelled",
            Some(id),
            json!({"WaitCancelledDetails": {}}),
        );
        Ok(())
    }

    /// Completes a CALLBACK from outside (SendDurableExecutionCallback…).
    pub(crate) fn complete_callback(&mut self, id: &str, outcome: Result<String, Value>, now: f64) {
        let Some(op) = self.operation_mut(id) else {
            return;
        };
        op.end_timestamp = Some(now);
        let details = op.callback_details.get_or_insert_with(|| json!({}));
        let (event_type, body) = match outcome {
            Ok(result) => {
                op.status = OperationStatus::Succeeded;
                details["Result"] = json!(result);
                (
                    "CallbackSucceeded",
                    json!({"CallbackSucceededDetails": {"Result": payload(&result)}}),
                )
            }
            Err(error) => {
                op.status = OperationStatus::Failed;
                details["Error"] = error.clone();
                (
                    "CallbackFailed",
                    json!({"CallbackFailedDetails": {"Error": {"Payload": error}}}),
                )
            }
        };
        self.forget_timers(id);
        self.event(now, event_type, Some(id), body);
        self.touched(id);
    }

    /// A heartbeat pushes the heartbeat deadline out (never past the
    /// callback's own timeout).
    pub(crate) fn heartbeat(&mut self, id: &str, now: f64) {
        let Some(seconds) = self.heartbeats.get(id).copied() else {
            return;
        };
        let mut due = now + seconds;
        if let Some(deadline) = self.heartbeats.get(&format!("{id}#deadline")) {
            due = due.min(*deadline);
        }
        self.timers
            .insert(id.to_string(), (due, Timer::CallbackTimesOut));
    }

    fn forget_timers(&mut self, id: &str) {
        self.timers.remove(id);
        self.heartbeats.remove(id);
        self.heartbeats.remove(&format!("{id}#deadline"));
    }

    fn touched(&mut self, id: &str) {
        self.changed.insert(id.to_string());
        self.invoke_due = true;
    }

    /// Fires the timers due at `now` (and the execution timeout).
    pub(crate) fn fire_timers(&mut self, now: f64) {
        if self.is_terminal() {
            return;
        }
        if now >= self.start + self.execution_timeout() {
            let error = error_object(
                "ExecutionTimedOut",
                "The durable execution exceeded its ExecutionTimeout.",
            );
            self.finish(now, ExecutionStatus::TimedOut, None, Some(error));
            return;
        }
        let due: Vec<(String, Timer)> = self
            .timers
            .iter()
            .filter(|(_, (when, _))| *when <= now)
            .map(|(id, (_, timer))| (id.clone(), timer.clone()))
            .collect();
        for (id, timer) in due {
            self.forget_timers(&id);
            let Some(op) = self.operation_mut(&id) else {
                continue;
            };
            match timer {
                Timer::WaitEnds => {
                    op.status = OperationStatus::Succeeded;
                    op.end_timestamp = Some(now);
                    let duration = (now - op.start_timestamp).round() as i64;
                    self.event(
                        now,
                        "WaitSucceeded",
                        Some(&id),
                        json!({"WaitSucceededDetails": {"Duration": duration}}),
                    );
                }
                Timer::RetryReady => {
                    op.status = OperationStatus::Ready;
                }
                Timer::CallbackTimesOut => {
                    op.status = OperationStatus::TimedOut;
                    op.end_timestamp = Some(now);
                    let error = error_object("CallbackTimeout", "The callback timed out.");
                    op.callback_details.get_or_insert_with(|| json!({}))["Error"] = error.clone();
                    self.event(
                        now,
                        "CallbackTimedOut",
                        Some(&id),
                        json!({"CallbackTimedOutDetails": {"Error": {"Payload": error}}}),
                    );
                }
            }
            self.touched(&id);
        }
    }

    /// When the next timer (or the execution timeout) falls due.
    pub(crate) fn next_due(&self) -> f64 {
        self.timers
            .values()
            .map(|(when, _)| *when)
            .fold(self.start + self.execution_timeout(), f64::min)
    }

    /// Operations still waiting for something outside the function.
    pub(crate) fn has_pending(&self) -> bool {
        self.operations.iter().any(|o| {
            matches!(
                (o.operation_type.as_str(), o.status),
                (
                    "WAIT" | "CALLBACK" | "CHAINED_INVOKE",
                    OperationStatus::Started
                ) | ("STEP", OperationStatus::Pending | OperationStatus::Ready)
            )
        })
    }

    /// Records one finished invocation of the function.
    pub(crate) fn invocation_completed(
        &mut self,
        started: f64,
        now: f64,
        request_id: &str,
        error: Option<Value>,
    ) {
        let mut details =
            json!({"StartTimestamp": started, "EndTimestamp": now, "RequestId": request_id});
        if let Some(error) = error {
            details["Error"] = json!({"Payload": error});
        }
        self.event(
            now,
            "InvocationCompleted",
            None,
            json!({"InvocationCompletedDetails": details}),
        );
    }

    pub(crate) fn paused(&mut self, now: f64, reason: Option<String>, timeout_paused: bool) {
        self.status = ExecutionStatus::Paused;
        let mut details =
            json!({"PauseRequestTimestamp": now, "ExecutionTimeoutPaused": timeout_paused});
        if let Some(reason) = &reason {
            details["Reason"] = json!(reason);
        }
        self.pause = Some(details);
        let mut event =
            json!({"PauseRequestTimestamp": now, "ExecutionTimeoutPaused": timeout_paused});
        if let Some(reason) = reason {
            event["Reason"] = payload(&reason);
        }
        let id = self.execution_id();
        self.event(
            now,
            "ExecutionPaused",
            Some(&id),
            json!({"ExecutionPausedDetails": event}),
        );
    }

    pub(crate) fn resumed(&mut self, now: f64, reason: Option<String>) {
        self.status = ExecutionStatus::Running;
        self.pause = None;
        let mut event = json!({"ResumeRequestTimestamp": now});
        if let Some(reason) = reason {
            event["Reason"] = payload(&reason);
        }
        let id = self.execution_id();
        self.event(
            now,
            "ExecutionResumed",
            Some(&id),
            json!({"ExecutionResumedDetails": event}),
        );
    }
}

/// Removes the payloads (inputs, results, errors) from a history event.
pub(crate) fn without_data(mut event: Value) -> Value {
    if let Some(map) = event.as_object_mut() {
        for (key, details) in map.iter_mut() {
            if !key.ends_with("Details") {
                continue;
            }
            if let Some(details) = details.as_object_mut() {
                for member in ["Input", "Result", "Error"] {
                    if let Some(Value::Object(inner)) = details.get_mut(member) {
                        inner.remove("Payload");
                    }
                }
            }
        }
    }
    event
}

#[cfg(test)]
mod tests;
