//! Invoke of a durable function: a new durable execution (or the existing
//! one of that name, when the input is the same), run by its driver.
//! `Event` answers 202 at once; `RequestResponse` waits for the end of the
//! execution and answers its result (or its error as a function error).

use crate::driver::now_secs;
use crate::record::Execution;
use crate::status::ExecutionStatus;
use crate::DurableExecutions;
use bytes::Bytes;
use laminar_invoke::{InvocationType, InvokeOutput, Prepared};
use laminar_lambda_core::ApiResult;
use laminar_model::arn::Scope;
use laminar_model::{ApiError, ErrorKind};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

impl DurableExecutions {
    /// Starts a durable execution for an invocation of a durable function
    /// (or finds the one of the same name and input); a synchronous
    /// invocation waits for its end.
    pub async fn start(
        self: &Arc<Self>,
        scope: &Scope,
        prepared: &Prepared,
        invocation_type: InvocationType,
        name: Option<String>,
    ) -> ApiResult<InvokeOutput> {
        let config = prepared.resolved.config();
        let durable_config =
            serde_json::to_value(config.durable_config.clone().unwrap_or_default())
                .unwrap_or_else(|_| json!({}));
        let name = name.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let function_arn = format!(
            "{}:{}",
            scope.function_arn(&config.function_name),
            config.version
        );
        let arn = format!(
            "{function_arn}/durable-execution/{name}/{}",
            uuid::Uuid::new_v4()
        );
        let input = String::from_utf8_lossy(&prepared.payload).into_owned();
        let record = Execution::new(
            arn,
            name.clone(),
            (&scope.account, &scope.region),
            config.function_name.clone(),
            function_arn,
            config.version.clone(),
            input.clone(),
            durable_config,
            now_secs(),
        );
        let (owner, function_name) = (scope.clone(), config.function_name.clone());
        let same_name = move |e: &Execution| {
            e.account == owner.account
                && e.region == owner.region
                && e.function_name == function_name
                && e.name == name
        };
        let execution = match self
            .table
            .insert_unless_off_worker(record, same_name)
            .await?
        {
            Ok(new) => {
                self.spawn_driver(new.arn.clone());
                new
            }
            Err(existing) if existing.input == input => existing,
            Err(existing) => {
                return Err(ApiError::new(
                    ErrorKind::DurableExecutionAlreadyStarted,
                    format!(
                        "Durable execution {} has already been started with a different input: {}",
                        existing.name, existing.arn
                    ),
                ))
            }
        };
        let executed_version = Some(config.version.clone());
        if invocation_type == InvocationType::Event {
            return Ok(InvokeOutput {
                status: 202,
                function_error: None,
                log_result: None,
                executed_version: None,
                payload: Bytes::new(),
                durable_execution_arn: Some(execution.arn),
            });
        }
        let finished = self.wait_for_end(&execution.arn).await;
        let (function_error, payload) = match finished {
            Some(e) if e.status == ExecutionStatus::Succeeded => {
                (None, Bytes::from(e.result.clone().unwrap_or_default()))
            }
            Some(e) => {
                let error = e.error.clone().unwrap_or_else(|| json!({}));
                let body = json!({
                    "errorType": error["ErrorType"].as_str().unwrap_or(e.status.as_str()),
                    "errorMessage": error["ErrorMessage"].as_str().unwrap_or_default(),
                });
                (Some("Unhandled"), Bytes::from(body.to_string()))
            }
            None => {
                return Err(ApiError::new(
                    ErrorKind::ResourceNotFound,
                    format!("Durable execution not found: {}", execution.arn),
                ))
            }
        };
        Ok(InvokeOutput {
            status: 200,
            function_error,
            log_result: None,
            executed_version,
            payload,
            durable_execution_arn: Some(execution.arn),
        })
    }

    /// The execution once it is over (`None` if it was deleted).
    async fn wait_for_end(&self, arn: &str) -> Option<Execution> {
        loop {
            let e = self.table.get(arn)?;
            if e.is_terminal() {
                return Some(e);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
