//! `InvokeWithResponseStream`: the response travels as it is produced.

use crate::logs::tail;
use crate::request::{InvocationType, InvokeInput};
use crate::{ApiResult, Invoker};
use base64::Engine;
use bytes::Bytes;
use laminar_executor::InvokeResult;
use laminar_model::arn::Scope;
use laminar_model::limits::LOG_TAIL_BYTES;
use std::sync::Arc;
use tokio::sync::mpsc;

/// What `InvokeWithResponseStream` sends, in order: chunks, then the end.
#[derive(Debug)]
pub enum StreamEvent {
    Chunk(Bytes),
    Complete {
        error_code: Option<String>,
        error_details: Option<String>,
        log_result: Option<String>,
    },
}

/// A streaming invocation under way.
#[derive(Debug)]
pub struct StreamingInvoke {
    pub executed_version: String,
    pub events: mpsc::Receiver<StreamEvent>,
}

impl Invoker {
    /// Starts an invocation whose response streams back as it is produced.
    /// A function that answers in one piece arrives as a single chunk.
    pub async fn invoke_with_response_stream(
        self: &Arc<Self>,
        scope: &Scope,
        input: InvokeInput,
    ) -> ApiResult<StreamingInvoke> {
        let (invocation_type, prepared) = self.prepare(scope, input)?;
        let executed_version = prepared.resolved.config().version.clone();
        let (events_tx, events) = mpsc::channel(32);
        if invocation_type == InvocationType::DryRun {
            let _ = events_tx
                .send(StreamEvent::Complete {
                    error_code: None,
                    error_details: None,
                    log_result: None,
                })
                .await;
            return Ok(StreamingInvoke {
                executed_version,
                events,
            });
        }
        // Throttles and unknown-state errors answer the request itself.
        let lease = self.lease(scope, &prepared)?;
        let inner = self.clone();
        let scope = scope.clone();
        tokio::spawn(async move {
            let (chunks_tx, mut chunks) = mpsc::channel::<Bytes>(32);
            let forward = {
                let events_tx = events_tx.clone();
                async move {
                    while let Some(chunk) = chunks.recv().await {
                        if events_tx.send(StreamEvent::Chunk(chunk)).await.is_err() {
                            return;
                        }
                    }
                }
            };
            let tail_logs = prepared.tail_logs;
            let run = async move {
                let outcome = inner
                    .run_leased(&scope, &prepared, Some(&chunks_tx), lease)
                    .await;
                // The last sender goes: the forwarding loop ends.
                drop(chunks_tx);
                outcome
            };
            let (outcome, ()) = tokio::join!(run, forward);
            let complete = match outcome {
                Ok((InvokeResult::Response(rest), log_text)) => {
                    if !rest.is_empty() {
                        let _ = events_tx.send(StreamEvent::Chunk(rest)).await;
                    }
                    completion(None, None, tail_logs, &log_text)
                }
                Ok((InvokeResult::Error(body), log_text)) => {
                    let code = serde_json::from_slice::<serde_json::Value>(&body)
                        .ok()
                        .and_then(|v| v["errorType"].as_str().map(str::to_string))
                        .unwrap_or_else(|| "Unhandled".into());
                    let details = String::from_utf8_lossy(&body).into_owned();
                    completion(Some(code), Some(details), tail_logs, &log_text)
                }
                Err(e) => completion(Some(e.code().to_string()), Some(e.message), false, ""),
            };
            let _ = events_tx.send(complete).await;
        });
        Ok(StreamingInvoke {
            executed_version,
            events,
        })
    }
}

fn completion(
    error_code: Option<String>,
    error_details: Option<String>,
    tail_logs: bool,
    log_text: &str,
) -> StreamEvent {
    StreamEvent::Complete {
        error_code,
        error_details,
        log_result: tail_logs.then(|| {
            base64::engine::general_purpose::STANDARD.encode(tail(log_text, LOG_TAIL_BYTES))
        }),
    }
}
