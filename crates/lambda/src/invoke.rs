//! Invoke: from a decoded request to a function's answer, through the
//! concurrency limit, a warm or cold environment, and the function's logs.

use crate::async_invoke::AsyncEvent;
use crate::clock::now_ms;
use crate::concurrency::Lease;
use crate::logs::tail;
use crate::naming::{key_of, resolve_name};
use crate::pool::PoolKey;
use crate::resolve::{resolve, Resolved, Routing};
use crate::{clock, ApiResult, Inner, LambdaService};
use base64::Engine;
use bytes::Bytes;
use laminar_executor::{EnvironmentSpec, InvokeReport, InvokeResult, Package, StartError};
use laminar_model::arn::Scope;
use laminar_model::config::{FunctionCode, FunctionConfiguration, FunctionState};
use laminar_model::limits::{ASYNC_PAYLOAD_MAX_BYTES, LOG_TAIL_BYTES, SYNC_PAYLOAD_MAX_BYTES};
use laminar_model::{ApiError, ErrorKind};
use laminar_runtime_api::Invocation;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;
use tokio::sync::mpsc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvocationType {
    RequestResponse,
    Event,
    DryRun,
}

impl InvocationType {
    pub(crate) fn parse(text: Option<&str>) -> ApiResult<Self> {
        match text {
            None | Some("RequestResponse") => Ok(Self::RequestResponse),
            Some("Event") => Ok(Self::Event),
            Some("DryRun") => Ok(Self::DryRun),
            Some(other) => Err(ApiError::new(
                ErrorKind::Validation,
                format!("1 validation error detected: Value '{other}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"),
            )),
        }
    }
}

/// An Invoke request as the gateway decoded it.
#[derive(Debug, Default)]
pub struct InvokeInput {
    pub function_name: String,
    pub qualifier: Option<String>,
    pub invocation_type: Option<String>,
    pub log_type: Option<String>,
    /// Base64 of a JSON document (`X-Amz-Client-Context`).
    pub client_context: Option<String>,
    pub payload: Bytes,
    /// `X-Amz-Durable-Execution-Name` (durable functions only).
    pub durable_execution_name: Option<String>,
}

#[derive(Debug)]
pub struct InvokeOutput {
    pub status: u16,
    /// `X-Amz-Function-Error`.
    pub function_error: Option<&'static str>,
    /// `X-Amz-Log-Result`: base64 of the log's last 4 KB.
    pub log_result: Option<String>,
    pub executed_version: Option<String>,
    pub payload: Bytes,
    /// `X-Amz-Durable-Execution-Arn`: the execution an invoke of a durable
    /// function started (or found by its name).
    pub durable_execution_arn: Option<String>,
}

/// A validated invocation, ready to run.
pub(crate) struct Prepared {
    pub(crate) resolved: Resolved,
    /// The qualifier the caller gave (in the name or as a parameter).
    qualifier: Option<String>,
    /// Set when the request id is already known (retries of an
    /// asynchronous invocation keep theirs); otherwise a new one.
    pub(crate) request_id: Option<String>,
    /// The caller wants the log tail: wait for all of the output.
    tail_logs: bool,
    invoked_arn: String,
    pub(crate) payload: Bytes,
    client_context: Option<String>,
}

fn decode_client_context(encoded: &str) -> ApiResult<String> {
    const MAX: usize = 3583;
    let invalid = || {
        ApiError::new(
            ErrorKind::InvalidRequestContent,
            "Client context must be a valid Base64-encoded JSON object.",
        )
    };
    if encoded.len() > MAX {
        return Err(ApiError::new(
            ErrorKind::Validation,
            format!("1 validation error detected: Value at 'clientContext' failed to satisfy constraint: Member must have length less than or equal to {MAX}"),
        ));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .filter(serde_json::Value::is_object)
        .ok_or_else(invalid)?;
    Ok(text)
}

fn trace_id() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let secs = chrono::Utc::now().timestamp();
    format!(
        "Root=1-{secs:08x}-{};Parent={};Sampled=0",
        &id[..24],
        &id[16..32]
    )
}

fn log_stream_name(version: &str) -> String {
    format!(
        "{}/[{version}]{}",
        chrono::Utc::now().format("%Y/%m/%d"),
        uuid::Uuid::new_v4().simple()
    )
}

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

impl LambdaService {
    /// Checks an invoke request and resolves the version that will run.
    pub(crate) fn prepare(
        &self,
        scope: &Scope,
        input: InvokeInput,
    ) -> ApiResult<(InvocationType, Prepared)> {
        let invocation_type = InvocationType::parse(input.invocation_type.as_deref())?;
        let tail_logs = match input.log_type.as_deref() {
            None | Some("None") => false,
            Some("Tail") => true,
            Some(other) => {
                return Err(ApiError::new(
                    ErrorKind::Validation,
                    format!("1 validation error detected: Value '{other}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]"),
                ))
            }
        };
        let reference = resolve_name(scope, &input.function_name)?
            .with_qualifier_param(input.qualifier.as_deref())?;
        let resolved = resolve(&self.inner.registry, scope, &reference, Routing::Draw)?;
        check_invocable(resolved.config())?;
        let (limit, operation) = match invocation_type {
            InvocationType::Event => (ASYNC_PAYLOAD_MAX_BYTES, "InvokeAsync"),
            _ => (SYNC_PAYLOAD_MAX_BYTES, "InvokeFunction"),
        };
        if input.payload.len() > limit {
            return Err(ApiError::new(
                ErrorKind::RequestTooLarge,
                format!("Request must be smaller than {limit} bytes for the {operation} operation"),
            ));
        }
        let payload = if input.payload.iter().all(u8::is_ascii_whitespace) {
            Bytes::from_static(b"{}")
        } else {
            if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&input.payload) {
                return Err(ApiError::new(
                    ErrorKind::InvalidRequestContent,
                    format!("Could not parse request body into json: Could not parse payload into json: {e}"),
                ));
            }
            input.payload
        };
        let client_context = input
            .client_context
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(decode_client_context)
            .transpose()?;
        let invoked_arn = resolved.record.arn_for(reference.qualifier.as_ref());
        let prepared = Prepared {
            qualifier: reference.qualifier.as_ref().map(ToString::to_string),
            request_id: None,
            resolved,
            tail_logs,
            invoked_arn,
            payload,
            client_context,
        };
        Ok((invocation_type, prepared))
    }

    pub async fn invoke(&self, scope: &Scope, input: InvokeInput) -> ApiResult<InvokeOutput> {
        let client_context = input.client_context.clone();
        let durable_name = input.durable_execution_name.clone();
        let (invocation_type, prepared) = self.prepare(scope, input)?;
        let executed_version = Some(prepared.resolved.config().version.clone());
        let durable = prepared.resolved.config().durable_config.is_some();
        if durable_name.is_some() && !durable {
            return Err(ApiError::invalid_parameter(
                "DurableExecutionName can only be given for a durable function (one with a DurableConfig).",
            ));
        }
        if durable && invocation_type != InvocationType::DryRun {
            return self
                .start_durable_execution(scope, &prepared, invocation_type, durable_name)
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
                let event = AsyncEvent::new(
                    scope,
                    &prepared.resolved.config().function_name,
                    prepared.qualifier,
                    String::from_utf8_lossy(&prepared.payload).into_owned(),
                    client_context,
                );
                // Committed (on disk: synced) before the 202, on a blocking
                // thread.
                let service = self.clone();
                tokio::task::spawn_blocking(move || service.enqueue_event(event))
                    .await
                    .map_err(|e| ApiError::service(format!("queueing the event failed: {e}")))??;
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
                let (report, log_text) = self.inner.run(scope, &prepared, None).await?;
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
        if input.invocation_type.as_deref() == Some("Event") {
            return Err(ApiError::new(
                ErrorKind::Validation,
                "1 validation error detected: Value 'Event' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [RequestResponse, DryRun]",
            ));
        }
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
        let lease = self.inner.lease(scope, &prepared)?;
        let inner = self.inner.clone();
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

impl Inner {
    pub(crate) async fn spec(
        &self,
        scope: &Scope,
        c: &FunctionConfiguration,
        code: &FunctionCode,
        layer_contents: &BTreeMap<String, String>,
    ) -> ApiResult<EnvironmentSpec> {
        let opt_dir = match &c.layers {
            Some(layers) if !layers.is_empty() => {
                let packages = layers
                    .iter()
                    .map(|l| {
                        layer_contents.get(&l.arn).cloned().ok_or_else(|| {
                            ApiError::service(format!("the package of layer {} is unknown", l.arn))
                        })
                    })
                    .collect::<ApiResult<Vec<String>>>()?;
                let store = self.store.clone();
                let merged = tokio::task::spawn_blocking(move || store.blobs.merged(&packages))
                    .await
                    .map_err(|e| ApiError::service(format!("merging layers failed: {e}")))?;
                Some(merged.map_err(|e| {
                    ApiError::service(format!("the function's layers are unavailable: {e}"))
                })?)
            }
            _ => None,
        };
        let package = match code {
            FunctionCode::Zip { sha256_hex } => Package::Zip {
                code_dir: self.store.blobs.code_dir(sha256_hex).map_err(|e| {
                    ApiError::service(format!("the function's code is unavailable: {e}"))
                })?,
            },
            FunctionCode::LocalFolder { path } => Package::Zip {
                code_dir: path.into(),
            },
            FunctionCode::Image {
                image_uri,
                image_config,
            } => Package::Image {
                image_uri: image_uri.clone(),
                entry_point: image_config.entry_point.clone(),
                command: image_config.command.clone(),
                working_directory: image_config.working_directory.clone(),
            },
        };
        Ok(EnvironmentSpec {
            function_arn: c.function_arn.clone(),
            package,
            opt_dir,
            ephemeral_storage_mb: c.ephemeral_storage.size,
            architecture: c
                .architectures
                .first()
                .cloned()
                .unwrap_or_else(|| "x86_64".into()),
            function_name: c.function_name.clone(),
            version: c.version.clone(),
            runtime: c.runtime.clone().unwrap_or_default(),
            handler: c.handler.clone().unwrap_or_default(),
            memory_mb: c.memory_size,
            timeout: Duration::from_secs(c.timeout.max(1) as u64),
            region: scope.region.clone(),
            log_group: c.logging_config.log_group.clone(),
            log_stream: log_stream_name(&c.version),
            variables: crate::hot_reload::with_variables(
                code,
                c.environment
                    .as_ref()
                    .map(|e| {
                        e.variables
                            .iter()
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
            endpoint_url: self.settings.endpoint_url.clone(),
            access_key_id: scope.account.clone(),
        })
    }

    /// One synchronous run: returns the function's result and the log text
    /// of the invocation.
    pub(crate) async fn run(
        &self,
        scope: &Scope,
        prepared: &Prepared,
        sink: Option<&mpsc::Sender<Bytes>>,
    ) -> ApiResult<(InvokeResult, String)> {
        let lease = self.lease(scope, prepared)?;
        self.run_leased(scope, prepared, sink, lease).await
    }

    /// The concurrency share an invocation of this function needs.
    fn lease(&self, scope: &Scope, prepared: &Prepared) -> ApiResult<Lease> {
        let function = key_of(scope, &prepared.resolved.config().function_name);
        self.concurrency.acquire(&function)
    }

    async fn run_leased(
        &self,
        scope: &Scope,
        prepared: &Prepared,
        sink: Option<&mpsc::Sender<Bytes>>,
        _lease: Lease,
    ) -> ApiResult<(InvokeResult, String)> {
        let config = prepared.resolved.config();
        let function = key_of(scope, &config.function_name);
        let key = PoolKey {
            function,
            revision: config.revision_id.clone(),
            code_stamp: crate::hot_reload::stamp(prepared.resolved.code()).await,
        };
        let request_id = prepared
            .request_id
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let mut env = match self.pools.take_idle(&key) {
            Some(env) => env,
            None => {
                let spec = self
                    .spec(
                        scope,
                        config,
                        prepared.resolved.code(),
                        &prepared.resolved.record.layer_contents,
                    )
                    .await?;
                match self.pools.start(&spec).await {
                    Ok(env) => env,
                    Err(StartError::InvalidEntrypoint { message }) => {
                        let body = serde_json::json!({
                            "errorType": "Runtime.InvalidEntrypoint",
                            "errorMessage": format!("RequestId: {request_id} Error: {message}"),
                        });
                        let text = format!("START RequestId: {request_id} Version: {}\n{message}\nRuntime.InvalidEntrypoint\nEND RequestId: {request_id}\n", config.version);
                        self.logs.append(
                            &key.function,
                            &spec.log_group,
                            &spec.log_stream,
                            now_ms(),
                            &text,
                        );
                        return Ok((InvokeResult::Error(Bytes::from(body.to_string())), text));
                    }
                    Err(StartError::UnsupportedRuntime(message)) => {
                        return Err(ApiError::new(ErrorKind::InvalidRuntime, message))
                    }
                    Err(e @ (StartError::Io(_) | StartError::Engine(_) | StartError::Image(_))) => {
                        return Err(ApiError::service(e.to_string()))
                    }
                }
            }
        };
        let invocation = Invocation {
            request_id: request_id.clone(),
            payload: prepared.payload.clone(),
            deadline_ms: 0,
            invoked_function_arn: prepared.invoked_arn.clone(),
            trace_id: trace_id(),
            client_context: prepared.client_context.clone(),
            cognito_identity: None,
        };
        let timeout = Duration::from_secs(config.timeout.max(1) as u64);
        let report = env
            .environment
            .invoke(invocation, timeout, prepared.tail_logs, sink)
            .await;
        let text = log_text(&request_id, &config.version, config.memory_size, &report);
        self.logs.append(
            &key.function,
            &config.logging_config.log_group,
            &env.log_stream,
            now_ms(),
            &text,
        );
        tracing::debug!(function = %config.function_name, "{}", text.trim_end());
        let InvokeReport {
            result, reusable, ..
        } = report;
        if reusable {
            let live = self
                .registry
                .get(&key.function)
                .is_some_and(|r| r.has_revision(&key.revision));
            self.pools.release(key, env, live);
        } else {
            env.environment.shutdown();
        }
        Ok((result, text))
    }
}

/// Only an `Active` function runs.
fn check_invocable(c: &FunctionConfiguration) -> ApiResult<()> {
    match c.state {
        FunctionState::Active => Ok(()),
        FunctionState::Failed => Err(ApiError::new(
            ErrorKind::ResourceConflict,
            format!(
                "The function could not be invoked because it is in the Failed state: {}",
                c.state_reason.as_deref().unwrap_or("unknown reason")
            ),
        )),
        other => Err(ApiError::new(
            ErrorKind::ResourceConflict,
            format!("The operation cannot be performed at this time. The function is currently in the following state: {other}"),
        )),
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

/// The invocation's log as the service writes it.
fn log_text(request_id: &str, version: &str, memory_mb: i64, report: &InvokeReport) -> String {
    let mut text = String::with_capacity(report.output.len() + 256);
    let _ = writeln!(text, "START RequestId: {request_id} Version: {version}");
    text.push_str(&String::from_utf8_lossy(&report.output));
    if !text.ends_with('\n') {
        text.push('\n');
    }
    if let Some(message) = &report.platform_message {
        let _ = writeln!(
            text,
            "{} {request_id} {message}",
            clock::log_timestamp(clock::now())
        );
    }
    let _ = writeln!(text, "END RequestId: {request_id}");
    let duration_ms = report.duration.as_secs_f64() * 1000.0;
    let _ = write!(
        text,
        "REPORT RequestId: {request_id}\tDuration: {duration_ms:.2} ms\tBilled Duration: {} ms\tMemory Size: {memory_mb} MB\tMax Memory Used: {} MB\t",
        duration_ms.ceil().max(1.0) as u64,
        report.max_memory_used_mb,
    );
    if let Some(init) = report.init_duration {
        let _ = write!(
            text,
            "Init Duration: {:.2} ms\t",
            init.as_secs_f64() * 1000.0
        );
    }
    text.push('\n');
    text
}
