//! One execution environment: a Runtime API listener, the child serving it,
//! and the rules for turning what the child does into an invoke result.

use crate::meta::{Meta, ShutdownReason};
use crate::sandbox::Sandbox;
use crate::spec::EnvironmentSpec;
use bytes::Bytes;
use laminar_runtime_api::{
    ExtensionError, Invocation, Outcome, RuntimeApi, StreamEnd, MAX_RESPONSE_BYTES,
};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::mpsc;

/// How long a runtime may take to initialise before the first invocation is
/// counted against the function's own timeout (the service's init limit).
const INIT_LIMIT: Duration = Duration::from_secs(10);

/// How long an invocation's end waits for a container's init to relay what
/// was printed before it (a round trip on a healthy engine).
const RELAY_FLUSH_LIMIT: Duration = Duration::from_secs(2);

/// What one invocation produced.
#[derive(Debug)]
pub struct InvokeReport {
    pub result: InvokeResult,
    /// The child's output while it ran (and any init output before it).
    pub output: Vec<u8>,
    /// A line for the function's log when the platform ended the invocation
    /// (timeout, crash), as the service logs it.
    pub platform_message: Option<String>,
    pub duration: Duration,
    /// Set on a cold start.
    pub init_duration: Option<Duration>,
    pub max_memory_used_mb: u64,
    /// False when the environment must not serve another invocation.
    pub reusable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvokeResult {
    Response(Bytes),
    /// A function error: the body is the error document returned to the
    /// caller with `X-Amz-Function-Error: Unhandled`.
    Error(Bytes),
}

pub struct Environment {
    pub(crate) api: RuntimeApi,
    pub(crate) child: Sandbox,
    started: Instant,
    initialized: bool,
    pub(crate) meta: Meta,
    /// Output already taken from the child for the running invocation.
    held: Vec<u8>,
    /// Set when an invocation ended the environment: why its extensions
    /// are shut down.
    pub(crate) reset: Option<ShutdownReason>,
    /// Given what the environment printed between its last invocation and
    /// its end.
    pub(crate) last_words: Option<LastWords>,
    /// The running invocation's trace header, kept for its telemetry
    /// records (only while someone subscribed).
    trace_id: Option<String>,
    /// The running invocation's tenant (tenant isolation mode), which its
    /// `platform.start` and `platform.report` records name.
    pub(crate) tenant_id: Option<String>,
}

/// Takes an environment's output printed outside any invocation, at its end.
pub type LastWords = Box<dyn FnOnce(Vec<u8>) + Send + Sync>;

fn error_document(error_type: &str, message: &str) -> Bytes {
    Bytes::from(serde_json::json!({ "errorType": error_type, "errorMessage": message }).to_string())
}

/// The `errorType` of an error document, when it has one.
pub(crate) fn error_type_of(body: &[u8]) -> Option<String> {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()?
        .get("errorType")?
        .as_str()
        .map(str::to_string)
}

pub(crate) fn epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// How a failed invocation ended, before it is turned into a report.
enum Failure {
    Init(Bytes),
    Exit(String),
    Timeout(Duration),
    /// An external extension's process ended (`Extension.Crash`, or
    /// `Extension.InitError` / `Extension.ExitError` after it said so).
    ExtensionExit {
        name: String,
        reason: String,
    },
    /// An extension called `init/error`.
    ExtensionInit(ExtensionError),
}

impl Failure {
    /// The status and error type of the telemetry records of a failed init.
    fn status(&self) -> (&'static str, Option<String>) {
        match self {
            Failure::Init(body) => (
                "error",
                Some(error_type_of(body).unwrap_or_else(|| "Runtime.Unknown".into())),
            ),
            Failure::Exit(_) => ("failure", Some("Runtime.ExitError".into())),
            Failure::Timeout(_) => ("timeout", None),
            Failure::ExtensionExit { .. } => ("failure", Some("Extension.Crash".into())),
            Failure::ExtensionInit(_) => ("failure", Some("Extension.InitError".into())),
        }
    }
}

impl Environment {
    pub(crate) fn new(api: RuntimeApi, child: Sandbox, spec: &EnvironmentSpec) -> Self {
        let env = Self {
            api,
            child,
            started: Instant::now(),
            initialized: false,
            meta: Meta::of(spec),
            held: Vec::new(),
            reset: None,
            last_words: None,
            trace_id: None,
            tenant_id: None,
        };
        env.emit_init_start();
        env
    }

    /// Where what it prints after its last invocation goes when it stops.
    pub fn when_stopped(&mut self, last_words: LastWords) {
        self.last_words = Some(last_words);
    }

    /// Whether its runtime has ended while it sat idle (killed from
    /// outside): a pool drops it rather than hand it an invocation.
    pub fn has_exited(&self) -> bool {
        self.child.has_exited()
    }

    /// What holds the runtime: its process id, or its container's id.
    pub fn sandbox_id(&self) -> String {
        self.child.id()
    }

    /// The peak memory the runtime used so far (MB).
    pub fn max_memory_used_mb(&self) -> u64 {
        self.child.max_memory_used_mb()
    }

    /// The function version it runs.
    pub fn version(&self) -> &str {
        &self.meta.version
    }

    /// The memory configured for it (MB).
    pub fn memory_mb(&self) -> i64 {
        self.meta.memory_mb
    }

    /// Runs one invocation to its end. The deadline the runtime sees is set
    /// here, when the invocation is handed over.
    pub async fn invoke(
        &mut self,
        mut invocation: Invocation,
        timeout: Duration,
        sink: Option<&mpsc::Sender<Bytes>>,
    ) -> InvokeReport {
        let request_id = invocation.request_id.clone();
        let mut init_duration = None;
        if !self.initialized {
            match self.wait_until_ready(timeout).await {
                Ok(at) => {
                    init_duration = Some(at.duration_since(self.started));
                    self.initialized = true;
                }
                Err(failure) => {
                    return self
                        .failed(&request_id, failure, init_duration, Instant::now())
                        .await
                }
            }
        }

        let begun = Instant::now();
        invocation.deadline_ms = epoch_ms() + timeout.as_millis() as u64;
        let deadline = tokio::time::Instant::from_std(begun + timeout);
        // Both checks are a lock or a load: no cost without extensions.
        let with_extensions = self.api.has_extensions();
        let telemetry = self.api.telemetry_wanted();
        self.trace_id = None;
        self.tenant_id.clone_from(&invocation.tenant_id);
        if telemetry {
            self.emit_start(&invocation.request_id, &invocation.trace_id);
            self.trace_id = Some(invocation.trace_id.clone());
        }
        if with_extensions {
            self.api.deliver_invoke(&invocation);
        }
        let outcome = tokio::select! {
            outcome = self.api.hand_off(invocation) => outcome,
            reason = self.child.exited() => {
                return self.failed(&request_id, Failure::Exit(reason), init_duration, begun).await
            }
            (name, reason) = self.child.extension_exited() => {
                let failure = Failure::ExtensionExit { name, reason };
                return self.failed(&request_id, failure, init_duration, begun).await
            }
            () = tokio::time::sleep_until(deadline) => {
                return self.failed(&request_id, Failure::Timeout(timeout), init_duration, begun).await
            }
        };
        let result = match outcome {
            Ok(Outcome::Response(body)) => InvokeResult::Response(body),
            Ok(Outcome::Stream { mut chunks, end }) => {
                // Forward the chunks as they come; without a sink, collect them.
                let mut collected = bytes::BytesMut::new();
                loop {
                    tokio::select! {
                        chunk = chunks.recv() => match (chunk, sink) {
                            (Some(chunk), Some(sink)) => { let _ = sink.send(chunk).await; }
                            (Some(chunk), None) => collected.extend_from_slice(&chunk),
                            (None, _) => break,
                        },
                        reason = self.child.exited() => {
                            return self.failed(&request_id, Failure::Exit(reason), init_duration, begun).await
                        }
                        () = tokio::time::sleep_until(deadline) => {
                            return self.failed(&request_id, Failure::Timeout(timeout), init_duration, begun).await
                        }
                    }
                }
                match end.await {
                    Ok(StreamEnd::Error { error_type, body }) if body.is_empty() => {
                        InvokeResult::Error(error_document(&error_type, ""))
                    }
                    Ok(StreamEnd::Error { body, .. }) => InvokeResult::Error(body),
                    Ok(StreamEnd::Complete) | Err(_) => InvokeResult::Response(collected.freeze()),
                }
            }
            Ok(Outcome::Error { body, error_type }) => {
                InvokeResult::Error(if body.is_empty() {
                    error_document(error_type.as_deref().unwrap_or("Unhandled"), "")
                } else {
                    body
                })
            }
            Ok(Outcome::ResponseTooLarge { .. }) => InvokeResult::Error(error_document(
                "Function.ResponseSizeTooLarge",
                &format!(
                    "Response payload size exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes)."
                ),
            )),
            Err(_) => {
                let reason = self.child.exited().await;
                return self.failed(&request_id, Failure::Exit(reason), init_duration, begun).await;
            }
        };
        let mut runtime_duration = begun.elapsed();
        if telemetry {
            // The runtime is done when it asks for its next invocation
            // (AWS's `runtimeOverhead` ends there).
            tokio::select! {
                at = self.api.runtime_polled_again() => runtime_duration = at.duration_since(begun),
                _ = self.child.exited() => {}
                () = tokio::time::sleep_until(deadline) => {}
            }
        }
        self.collect_output().await;
        self.held = self.child.take_output();
        if telemetry {
            let trace_id = self.trace_id.clone().unwrap_or_default();
            self.emit_runtime_done(&request_id, &trace_id, &result, runtime_duration);
        }
        if with_extensions {
            // The invoke phase ends when every extension asks for its next
            // event: their post-runtime work counts in the duration.
            tokio::select! {
                () = self.api.invoke_extensions_done() => {}
                (name, reason) = self.child.extension_exited() => {
                    let failure = Failure::ExtensionExit { name, reason };
                    return self.failed(&request_id, failure, init_duration, begun).await
                }
                () = tokio::time::sleep_until(deadline) => {
                    return self.failed(&request_id, Failure::Timeout(timeout), init_duration, begun).await
                }
            }
        }
        if with_extensions {
            // What extensions printed before asking for their next event.
            self.collect_output().await;
        }
        let mut output = std::mem::take(&mut self.held);
        output.extend(self.child.take_output());
        let report = InvokeReport {
            result,
            output,
            platform_message: None,
            duration: begun.elapsed(),
            init_duration,
            max_memory_used_mb: self.child.max_memory_used_mb(),
            reusable: true,
        };
        if telemetry {
            let status = match report.result {
                InvokeResult::Response(_) => "success",
                InvokeResult::Error(_) => "error",
            };
            self.emit_report(&request_id, self.trace_id.as_deref(), &report, status);
        }
        report
    }

    /// Initializes the environment ahead of demand: returns once the runtime
    /// (and every extension) asks for its first invocation, so the first
    /// invoke reports no init duration. On an init failure the environment
    /// is stopped and the error document is returned.
    pub async fn initialize(&mut self, timeout: Duration) -> Result<Duration, Bytes> {
        if self.initialized {
            return Ok(Duration::ZERO);
        }
        match self.wait_until_ready(timeout).await {
            Ok(at) => {
                // What init printed stays for the first invocation's log.
                self.initialized = true;
                Ok(at.duration_since(self.started))
            }
            Err(failure) => match self.failed("", failure, None, Instant::now()).await.result {
                InvokeResult::Error(body) | InvokeResult::Response(body) => Err(body),
            },
        }
    }

    /// The output taken from the child for the running invocation.
    pub(crate) fn held_output(&self) -> &[u8] {
        &self.held
    }

    async fn wait_until_ready(&self, timeout: Duration) -> Result<Instant, Failure> {
        let mut init_errors = self.api.init_errors();
        let limit = INIT_LIMIT + timeout;
        let ready = async {
            self.api.ready().await;
            // Init ends when the runtime and every extension asked for work.
            self.api.extensions_initialized().await;
            Instant::now()
        };
        let outcome = tokio::select! {
            at = ready => Ok(at),
            error = init_errors.wait_for(Option::is_some) => {
                let body = error.ok().and_then(|e| e.as_ref().map(|e| e.body.clone()));
                Err(Failure::Init(body.unwrap_or_default()))
            }
            error = self.api.extension_failed() => Err(Failure::ExtensionInit(error)),
            reason = self.child.exited() => {
                // A runtime that reports an init error usually exits right after.
                match self.api.init_errors().borrow().as_ref() {
                    Some(e) => Err(Failure::Init(e.body.clone())),
                    None => Err(Failure::Exit(reason)),
                }
            }
            (name, reason) = self.child.extension_exited() => {
                Err(Failure::ExtensionExit { name, reason })
            }
            () = tokio::time::sleep(limit) => Err(Failure::Timeout(limit)),
        };
        self.api.end_init();
        match &outcome {
            Ok(at) => self.emit_init_done(at.duration_since(self.started), None),
            Err(failure) => self.emit_init_done(self.started.elapsed(), Some(failure.status())),
        }
        outcome
    }

    /// Waits for output still on its way from the child: everything a
    /// container's init relays, else a quiet log stream (a process's pipe
    /// needs no wait).
    pub(crate) async fn collect_output(&self) {
        if self.api.output_relayed() && self.api.flush_output(RELAY_FLUSH_LIMIT).await {
            return;
        }
        self.child.settle_output().await;
    }

    async fn failed(
        &mut self,
        request_id: &str,
        failure: Failure,
        init_duration: Option<Duration>,
        begun: Instant,
    ) -> InvokeReport {
        // The environment is reset: stop the child once what it wrote and
        // used has been read. Its extensions get their SHUTDOWN first.
        self.collect_output().await;
        let mut output = std::mem::take(&mut self.held);
        output.extend(self.child.take_output());
        let max_memory_used_mb = self.child.max_memory_used_mb();
        let out_of_memory = matches!(failure, Failure::Exit(_)) && self.child.out_of_memory();
        if self.api.has_extensions() {
            self.child.kill_runtime();
            self.reset = Some(match failure {
                Failure::Timeout(_) => ShutdownReason::Timeout,
                _ => ShutdownReason::Failure,
            });
        } else {
            self.child.kill();
        }
        let status = match failure {
            Failure::Timeout(_) => "timeout",
            _ => "failure",
        };
        let (body, platform_message) = match failure {
            Failure::Init(body) if !body.is_empty() => (body, None),
            Failure::Init(_) => (
                error_document("Runtime.Unknown", "The runtime failed to start."),
                None,
            ),
            Failure::Exit(reason) => {
                let message =
                    format!("RequestId: {request_id} Error: Runtime exited with error: {reason}");
                let error_type = if out_of_memory {
                    "Runtime.OutOfMemory"
                } else {
                    "Runtime.ExitError"
                };
                (
                    error_document(error_type, &message),
                    Some(format!("{message}\n{error_type}")),
                )
            }
            Failure::ExtensionInit(error) => {
                let error_type = if error.on_exit {
                    "Extension.ExitError"
                } else {
                    "Extension.InitError"
                };
                let message = format!("RequestId: {request_id} Error: {}", error.error_type);
                (
                    error_document(error_type, &message),
                    Some(format!("{message}\n{error_type}")),
                )
            }
            Failure::ExtensionExit { name, reason } => {
                let error_type = match self.api.extension_error() {
                    Some(e) if e.name == name && e.on_exit => "Extension.ExitError",
                    Some(e) if e.name == name => "Extension.InitError",
                    _ => "Extension.Crash",
                };
                let message = format!("RequestId: {request_id} Error: {reason}");
                (
                    error_document(error_type, &message),
                    Some(format!("{message}\n{error_type}")),
                )
            }
            Failure::Timeout(after) => {
                let text = format!("Task timed out after {:.2} seconds", after.as_secs_f64());
                (
                    error_document(
                        "Sandbox.Timedout",
                        &format!("RequestId: {request_id} Error: {text}"),
                    ),
                    Some(text),
                )
            }
        };
        let report = InvokeReport {
            result: InvokeResult::Error(body),
            output,
            platform_message,
            duration: begun.elapsed(),
            init_duration,
            max_memory_used_mb,
            reusable: false,
        };
        if self.api.telemetry_wanted() && !request_id.is_empty() {
            self.emit_report(request_id, self.trace_id.as_deref(), &report, status);
        }
        report
    }
}
