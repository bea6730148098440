//! The task that carries one durable execution forward: it invokes the
//! function with the durable invocation envelope, reads the SDK's answer
//! (`{"Status": "SUCCEEDED" | "FAILED" | "PENDING", …}`), and while the
//! execution is suspended sleeps until a timer falls due (a WAIT ends, a
//! STEP retry is ready, a callback times out) or something wakes it (a
//! callback answered, Resume, Stop, Delete), then invokes again (replay).

use crate::input::PAGING;
use crate::record::{error_object, Execution};
use crate::status::ExecutionStatus;
use crate::tokens::checkpoint_token;
use crate::DurableExecutions;
use bytes::Bytes;
use laminar_executor::InvokeResult;
use laminar_invoke::InvokeInput;
use laminar_lambda_core::clock;
use laminar_model::arn::Scope;
use laminar_model::ErrorKind;
use serde_json::{json, Value};
use std::sync::{Arc, Weak};
use std::time::Duration;

pub(crate) fn now_secs() -> f64 {
    clock::now().timestamp_millis() as f64 / 1000.0
}

/// What the driver does next.
enum Next {
    Done,
    Sleep(f64),
    Invoke {
        scope: Scope,
        function_name: String,
        version: String,
        envelope: Value,
    },
}

/// The event a durable function receives.
fn envelope(e: &Execution) -> Value {
    let state = PAGING.first_page(&e.operations).into_json("Operations");
    json!({
        "DurableExecutionArn": e.arn,
        "CheckpointToken": checkpoint_token(&e.arn, e.token_seq),
        "InitialExecutionState": state,
    })
}

fn decide(e: &mut Execution, now: f64) -> Next {
    e.fire_timers(now);
    if e.is_terminal() {
        return Next::Done;
    }
    if e.status == ExecutionStatus::Running && e.invoke_due {
        e.invoke_due = false;
        e.changed.clear();
        e.token_seq += 1;
        return Next::Invoke {
            scope: Scope {
                account: e.account.clone(),
                region: e.region.clone(),
            },
            function_name: e.function_name.clone(),
            version: e.version.clone(),
            envelope: envelope(e),
        };
    }
    Next::Sleep(e.next_due())
}

/// The function's payload as a string (`Result` may be any JSON value).
fn result_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// Applies what one invocation answered.
fn settle(
    e: &mut Execution,
    outcome: &Result<InvokeResult, laminar_model::ApiError>,
    now: f64,
) -> bool {
    let mut retry_later = false;
    match outcome {
        Ok(InvokeResult::Response(body)) => {
            let answer = serde_json::from_slice::<Value>(body).unwrap_or(Value::Null);
            match answer["Status"].as_str() {
                Some("SUCCEEDED") => {
                    // A result checkpointed on the EXECUTION operation wins.
                    let result = result_text(&answer["Result"]).or(e.result.clone());
                    e.finish(now, ExecutionStatus::Succeeded, result, None);
                }
                Some("FAILED") => {
                    let error = answer.get("Error").cloned().unwrap_or(json!({}));
                    e.finish(now, ExecutionStatus::Failed, None, Some(error));
                }
                Some("PENDING") if e.has_pending() || e.invoke_due => {}
                Some("PENDING") => {
                    let error = error_object(
                        "InvalidDurableExecutionOutput",
                        "The function answered PENDING while no operation is pending.",
                    );
                    e.finish(now, ExecutionStatus::Failed, None, Some(error));
                }
                _ => {
                    let error = error_object(
                        "InvalidDurableExecutionOutput",
                        "The function's output is not a durable invocation output (a JSON object with Status SUCCEEDED, FAILED or PENDING).",
                    );
                    e.finish(now, ExecutionStatus::Failed, None, Some(error));
                }
            }
        }
        Ok(InvokeResult::Error(body)) => {
            // The handler raised. AWS retries such invocations with backoff;
            // laminar ends the execution with the handler's error.
            let raised = serde_json::from_slice::<Value>(body).unwrap_or(Value::Null);
            let error = error_object(
                raised["errorType"].as_str().unwrap_or("Unhandled"),
                raised["errorMessage"]
                    .as_str()
                    .unwrap_or("The function failed."),
            );
            e.finish(now, ExecutionStatus::Failed, None, Some(error));
        }
        Err(err) if err.kind == ErrorKind::TooManyRequests => {
            e.invoke_due = true;
            retry_later = true;
        }
        Err(err) => {
            let error = error_object(err.kind.code(), &err.message);
            e.finish(now, ExecutionStatus::Failed, None, Some(error));
        }
    }
    retry_later
}

impl DurableExecutions {
    /// Starts the execution's driver unless one is running already.
    pub(crate) fn spawn_driver(self: &Arc<Self>, arn: String) {
        let Some(notify) = self.table.claim_driver(&arn) else {
            return;
        };
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            drive(&weak, &arn, &notify).await;
            if let Some(inner) = weak.upgrade() {
                inner.table.release_driver(&arn);
            }
        });
    }

    /// Drivers for the executions a previous run left unfinished.
    pub fn resume(self: &Arc<Self>) {
        for arn in self.table.live() {
            self.spawn_driver(arn);
        }
    }
}

async fn drive(weak: &Weak<DurableExecutions>, arn: &str, notify: &tokio::sync::Notify) {
    loop {
        let Some(inner) = weak.upgrade() else { return };
        let now = now_secs();
        let next = match inner
            .table
            .update_off_worker(arn, move |e| Ok(decide(e, now)))
            .await
        {
            Ok(Some(next)) => next,
            Ok(None) => return,
            Err(_) => Next::Sleep(now + 1.0),
        };
        match next {
            Next::Done => return,
            Next::Sleep(until) => {
                drop(inner);
                let wait = (until - now_secs()).clamp(0.0, 3600.0);
                tokio::select! {
                    () = notify.notified() => {}
                    () = tokio::time::sleep(Duration::from_secs_f64(wait)) => {}
                }
            }
            Next::Invoke {
                scope,
                function_name,
                version,
                envelope,
            } => {
                let service = inner;
                let request_id = uuid::Uuid::new_v4().to_string();
                let started = now_secs();
                let outcome = run_once(
                    &service,
                    &scope,
                    function_name,
                    version,
                    envelope,
                    &request_id,
                )
                .await;
                let now = now_secs();
                let retry_later = service
                    .table
                    .update_off_worker(arn, move |e| {
                        let error = match &outcome {
                            Ok(InvokeResult::Error(body)) => {
                                Some(serde_json::from_slice::<Value>(body).unwrap_or(json!({})))
                            }
                            Err(err) => Some(error_object(err.kind.code(), &err.message)),
                            _ => None,
                        };
                        e.invocation_completed(started, now, &request_id, error);
                        if e.is_terminal() {
                            // Stopped, or completed through a checkpoint.
                            return Ok(false);
                        }
                        Ok(settle(e, &outcome, now))
                    })
                    .await
                    .ok()
                    .flatten()
                    .unwrap_or(false);
                if retry_later {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }
}

async fn run_once(
    service: &DurableExecutions,
    scope: &Scope,
    function_name: String,
    version: String,
    envelope: Value,
    request_id: &str,
) -> Result<InvokeResult, laminar_model::ApiError> {
    let input = InvokeInput {
        function_name,
        qualifier: Some(version),
        payload: Bytes::from(envelope.to_string()),
        ..Default::default()
    };
    let (_, mut prepared) = service.invoker.prepare(scope, input)?;
    prepared.request_id = Some(request_id.to_string());
    let (result, _logs) = service.invoker.run(scope, &prepared, None).await?;
    Ok(result)
}
