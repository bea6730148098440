//! The Runtime API of one execution environment: the HTTP endpoint a runtime
//! client polls for work, and the hand-off of one invocation at a time.
//!
//! The environment owner calls [`RuntimeApi::hand_off`]; the runtime receives
//! that invocation from `GET /2018-06-01/runtime/invocation/next` and answers
//! on `…/{id}/response` or `…/{id}/error`.

mod ext_routes;
mod extensions;
mod init_reports;
mod output_relay;
mod routes;
mod telemetry;
mod timing;

pub use extensions::{ExtensionError, MAX_EXTENSIONS};
pub use init_reports::{InitProcess, ProcessExit};
pub use output_relay::OutputSink;
pub use telemetry::Stream;
pub use timing::ResponseTiming;

use bytes::Bytes;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

/// Largest response a runtime may post, as the service enforces it.
pub const MAX_RESPONSE_BYTES: usize = 6_291_556;
/// Largest streamed response (`Lambda-Runtime-Function-Response-Mode:
/// streaming`): 200 MB, the service's limit since it was raised from 20 MB.
pub const MAX_STREAMED_RESPONSE_BYTES: usize = 200 * 1024 * 1024;

/// One invocation as the runtime receives it.
#[derive(Clone, Debug)]
pub struct Invocation {
    pub request_id: String,
    pub payload: Bytes,
    /// Unix epoch milliseconds.
    pub deadline_ms: u64,
    pub invoked_function_arn: String,
    pub trace_id: String,
    pub client_context: Option<String>,
    pub cognito_identity: Option<String>,
    /// `Lambda-Runtime-Aws-Tenant-Id` (tenant isolation mode).
    pub tenant_id: Option<String>,
}

/// What a runtime reported for an invocation.
#[derive(Debug)]
pub enum Outcome {
    Response(Bytes),
    /// `POST …/error`: the body as the runtime sent it and the
    /// `Lambda-Runtime-Function-Error-Type` header.
    Error {
        error_type: Option<String>,
        body: Bytes,
    },
    /// The runtime tried to post a response larger than the service allows.
    ResponseTooLarge {
        size: usize,
    },
    /// A streamed response: its chunks as they arrive, then how it ended.
    Stream {
        chunks: mpsc::Receiver<Bytes>,
        end: oneshot::Receiver<StreamEnd>,
    },
}

/// How a streamed response ended: cleanly, or with the error the runtime
/// sent in its trailers (`Lambda-Runtime-Function-Error-Type` / `-Body`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamEnd {
    Complete,
    Error { error_type: String, body: Bytes },
}

/// `POST /runtime/init/error`: the runtime could not start the function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InitError {
    pub error_type: Option<String>,
    pub body: Bytes,
}

/// The environment went away before the runtime answered.
#[derive(Debug, thiserror::Error)]
#[error("the runtime did not answer the invocation")]
pub struct Abandoned;

struct Pending {
    invocation: Invocation,
    reply: oneshot::Sender<Outcome>,
}

struct Shared {
    queue_tx: mpsc::Sender<Pending>,
    queue_rx: tokio::sync::Mutex<mpsc::Receiver<Pending>>,
    in_flight: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    init_error: watch::Sender<Option<InitError>>,
    /// When the runtime first asked for work: the end of its init phase.
    ready_at: watch::Sender<Option<Instant>>,
    extensions: extensions::Registry,
    telemetry: telemetry::Telemetry,
    function: FunctionMeta,
    /// The address the environment's own processes listen on (telemetry
    /// destinations): known at once for processes, once started for containers.
    sandbox: watch::Sender<Option<IpAddr>>,
    /// The process exits laminar-init reported, in order.
    exits: watch::Sender<Vec<ProcessExit>>,
    /// The container's output, when laminar-init relays it.
    output: output_relay::OutputRelay,
    /// When the runtime took, answered and finished the running invocation.
    marks: timing::Marks,
}

/// What the Extensions API tells an extension about its function.
#[derive(Clone, Debug, Default)]
pub struct FunctionMeta {
    pub function_name: String,
    pub function_version: String,
    pub handler: String,
    pub account_id: String,
}

/// A running Runtime API listener. Dropping it stops the listener.
pub struct RuntimeApi {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl RuntimeApi {
    /// Listens on an ephemeral port of `ip`. `sandbox` is the address the
    /// environment's own processes listen on (telemetry destinations), when
    /// already known (else see [`RuntimeApi::set_sandbox`]).
    pub async fn bind(
        ip: IpAddr,
        sandbox: Option<IpAddr>,
        function: FunctionMeta,
    ) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(SocketAddr::new(ip, 0)).await?;
        let addr = listener.local_addr()?;
        let (queue_tx, queue_rx) = mpsc::channel(1);
        let sandbox = watch::channel(sandbox).0;
        let shared = Arc::new(Shared {
            queue_tx,
            queue_rx: tokio::sync::Mutex::new(queue_rx),
            in_flight: Mutex::new(HashMap::new()),
            init_error: watch::channel(None).0,
            ready_at: watch::channel(None).0,
            extensions: extensions::Registry::new(),
            telemetry: telemetry::Telemetry::new(sandbox.subscribe()),
            function,
            sandbox,
            exits: watch::channel(Vec::new()).0,
            output: output_relay::OutputRelay::new(),
            marks: timing::Marks::new(),
        });
        let server = tokio::spawn(routes::serve(listener, shared.clone()));
        Ok(Self {
            addr,
            shared,
            server,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The address the environment's processes listen on, once known.
    pub fn set_sandbox(&self, ip: IpAddr) {
        self.shared.sandbox.send_replace(Some(ip));
    }

    /// The exits of the environment's processes, as laminar-init reports
    /// them inside a container (never with processes of this host).
    pub fn process_exits(&self) -> watch::Receiver<Vec<ProcessExit>> {
        self.shared.exits.subscribe()
    }

    /// Where the output laminar-init relays from a container goes.
    pub fn relay_output_to(&self, sink: OutputSink) {
        self.shared.output.set_sink(sink);
    }

    /// Whether laminar-init relays the environment's output here.
    pub fn output_relayed(&self) -> bool {
        self.shared.output.attached()
    }

    /// Waits (at most `limit`) until everything the environment printed
    /// before this call has been relayed. False when nothing relays output
    /// here or the relay did not answer in time.
    pub async fn flush_output(&self, limit: std::time::Duration) -> bool {
        self.shared.output.flush(limit).await
    }

    /// Gives the invocation to the runtime's next `GET …/next` and waits for
    /// its answer.
    pub async fn hand_off(&self, invocation: Invocation) -> Result<Outcome, Abandoned> {
        let (reply, answer) = oneshot::channel();
        self.shared
            .queue_tx
            .send(Pending { invocation, reply })
            .await
            .map_err(|_| Abandoned)?;
        answer.await.map_err(|_| Abandoned)
    }

    /// When the runtime took, answered and finished the last invocation.
    pub fn response_timing(&self) -> ResponseTiming {
        self.shared.marks.get()
    }

    /// Resolves once the runtime asks for its next invocation after
    /// answering the last one (the end of its `runtimeOverhead`).
    pub async fn runtime_polled_again(&self) -> Instant {
        self.shared.marks.polled_again().await
    }

    /// Resolves when the runtime reports an init error.
    pub fn init_errors(&self) -> watch::Receiver<Option<InitError>> {
        self.shared.init_error.subscribe()
    }

    /// When the runtime first polled for work, if it has.
    pub fn ready_at(&self) -> Option<Instant> {
        *self.shared.ready_at.borrow()
    }

    /// Resolves once the runtime has finished its init and polls for work.
    pub async fn ready(&self) -> Instant {
        let mut rx = self.shared.ready_at.subscribe();
        loop {
            if let Some(at) = *rx.borrow_and_update() {
                return at;
            }
            if rx.changed().await.is_err() {
                // The sender lives in `shared`, which we hold: unreachable,
                // but waiting forever is the honest answer.
                std::future::pending::<()>().await;
            }
        }
    }
}

/// The lifecycle of the environment's extensions, as its owner drives it.
impl RuntimeApi {
    /// The external extensions started with the environment: init waits for
    /// each of them to register.
    pub fn expect_extensions(&self, names: Vec<String>) {
        self.shared.extensions.set_launched(names);
    }

    /// Whether any extension registered (cheap: the warm path asks it).
    pub fn has_extensions(&self) -> bool {
        !self.shared.extensions.is_empty()
    }

    /// Resolves once every launched extension registered and every
    /// registered one waits for its next event.
    pub async fn extensions_initialized(&self) {
        self.shared.extensions.wait_until(|s| s.init_done()).await;
    }

    /// Ends init: no more registrations; late telemetry subscribers no
    /// longer get init's events.
    pub fn end_init(&self) {
        self.shared.extensions.close();
        self.shared.telemetry.end_init();
    }

    /// The first error an extension reported (`init/error`, `exit/error`).
    pub fn extension_error(&self) -> Option<ExtensionError> {
        self.shared.extensions.lock().error.clone()
    }

    /// Resolves once an extension reports an error.
    pub async fn extension_failed(&self) -> ExtensionError {
        let mut found = None;
        self.shared
            .extensions
            .wait_until(|s| {
                found = s.error.clone();
                s.error.is_some()
            })
            .await;
        // `wait_until` returned, so the state held an error.
        found
            .or_else(|| self.extension_error())
            .unwrap_or(ExtensionError {
                name: String::new(),
                error_type: "Extension.Unknown".into(),
                on_exit: false,
            })
    }

    /// Gives the INVOKE event to every extension registered for it; how many.
    pub fn deliver_invoke(&self, invocation: &Invocation) -> usize {
        let event = serde_json::json!({
            "eventType": "INVOKE",
            "deadlineMs": invocation.deadline_ms,
            "requestId": invocation.request_id,
            "invokedFunctionArn": invocation.invoked_function_arn,
            "tracing": { "type": "X-Amzn-Trace-Id", "value": invocation.trace_id },
        });
        self.shared
            .extensions
            .deliver(&Bytes::from(event.to_string()), |e| e.invoke)
    }

    /// Resolves once every extension registered for INVOKE asks for its next
    /// event again: the end of the invoke phase.
    pub async fn invoke_extensions_done(&self) {
        self.shared
            .extensions
            .wait_until(|s| s.all_ready(|e| e.invoke))
            .await;
    }

    /// Gives the SHUTDOWN event to every extension registered for it; how many.
    pub fn deliver_shutdown(&self, reason: &str, deadline_ms: u64) -> usize {
        let event = serde_json::json!({
            "eventType": "SHUTDOWN",
            "shutdownReason": reason,
            "deadlineMs": deadline_ms,
        });
        self.shared
            .extensions
            .deliver(&Bytes::from(event.to_string()), |e| e.shutdown)
    }

    /// Resolves once every extension registered for SHUTDOWN asks for its
    /// next event again (it has finished its shutdown work).
    pub async fn shutdown_extensions_done(&self) {
        self.shared
            .extensions
            .wait_until(|s| s.all_ready(|e| e.shutdown))
            .await;
    }

    /// Whether telemetry events would reach anyone (check before building).
    pub fn telemetry_wanted(&self) -> bool {
        self.shared.telemetry.wanted()
    }

    /// Sends a telemetry event to the subscribers of its stream.
    pub fn emit(&self, stream: Stream, kind: &str, record: serde_json::Value) {
        self.shared.telemetry.emit(stream, kind, record);
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}
