//! Invoke as the API offers it: a durable function starts a durable
//! execution, `Event` goes to the asynchronous queue, the rest runs through
//! the [`laminar_invoke::Invoker`].

use crate::{ApiResult, LambdaService};
use base64::Engine;
use bytes::Bytes;
use laminar_async_invoke::AsyncEvent;
use laminar_executor::InvokeResult;
use laminar_invoke::logs::tail;
use laminar_invoke::{InvocationType, InvokeInput, InvokeOutput, StreamingInvoke};
use laminar_model::arn::Scope;
use laminar_model::limits::LOG_TAIL_BYTES;
use laminar_model::ApiError;

impl LambdaService {
    pub async fn invoke(&self, scope: &Scope, input: InvokeInput) -> ApiResult<InvokeOutput> {
        let client_context = input.client_context.clone();
        let durable_name = input.durable_execution_name.clone();
        let (invocation_type, prepared) = self.inner.invoker.prepare(scope, input)?;
        let executed_version = Some(prepared.resolved.config().version.clone());
        let durable = prepared.resolved.config().durable_config.is_some();
        if durable_name.is_some() && !durable {
            return Err(ApiError::invalid_parameter(
                "DurableExecutionName can only be given for a durable function (one with a DurableConfig).",
            ));
        }
        if durable && invocation_type != InvocationType::DryRun {
            return self
                .inner
                .durable
                .start(scope, &prepared, invocation_type, durable_name)
                .await;
        }
        match invocation_type {
            InvocationType::DryRun => Ok(InvokeOutput {
                status: 204,
                function_error: None,
                log_result: None,
                executed_version: None,
                payload: Bytes::new(),
                durable_execution_arn: None,
            }),
            InvocationType::Event => {
                let mut event = AsyncEvent::new(
                    scope,
                    &prepared.resolved.config().function_name,
                    prepared.qualifier,
                    String::from_utf8_lossy(&prepared.payload).into_owned(),
                    client_context,
                );
                if let Some(id) = prepared.request_id {
                    event.id = id;
                }
                event.tenant_id = prepared.tenant_id;
                // Committed (on disk: synced) before the 202.
                self.inner.async_queue.enqueue_async(event).await?;
                Ok(InvokeOutput {
                    status: 202,
                    function_error: None,
                    log_result: None,
                    executed_version: None,
                    payload: Bytes::new(),
                    durable_execution_arn: None,
                })
            }
            InvocationType::RequestResponse => {
                let tail_logs = prepared.tail_logs;
                let (report, log_text) = self.inner.invoker.run(scope, &prepared, None).await?;
                let (function_error, payload) = match report {
                    InvokeResult::Response(body) => (None, body),
                    InvokeResult::Error(body) => (Some("Unhandled"), body),
                };
                let log_result = tail_logs.then(|| {
                    base64::engine::general_purpose::STANDARD
                        .encode(tail(&log_text, LOG_TAIL_BYTES))
                });
                Ok(InvokeOutput {
                    status: 200,
                    function_error,
                    log_result,
                    executed_version,
                    payload,
                    durable_execution_arn: None,
                })
            }
        }
    }

    /// Starts an invocation whose response streams back as it is produced.
    /// A function that answers in one piece arrives as a single chunk.
    pub async fn invoke_with_response_stream(
        &self,
        scope: &Scope,
        input: InvokeInput,
    ) -> ApiResult<StreamingInvoke> {
        self.inner
            .invoker
            .invoke_with_response_stream(scope, input)
            .await
    }
}
