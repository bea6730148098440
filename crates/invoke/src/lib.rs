//! The invoke path as one handle, [`Invoker`]: a request is checked and
//! resolved to a version (`request`), takes a concurrency lease, a warm or
//! cold environment of its revision from the pools, runs in the executor,
//! and leaves its log with CloudWatch Logs (`run`; `stream` for responses
//! that travel as they are produced). Function states (`state`) live here
//! too: preparing a function is the executor's work.
//!
//! The control plane (`laminar-lambda`) and the engines (asynchronous
//! queue, event sources, durable executions) invoke through this handle;
//! this crate imports none of them.

mod busy;
pub mod concurrency;
pub mod debug;
pub mod hot_reload;
mod log_text;
pub mod logs;
pub mod metrics;
pub mod pool;
mod pool_snapshot;
mod prewarm;
pub mod provisioning;
mod record;
mod request;
mod run;
mod state;
mod stream;

pub use laminar_history::{Entry as HistoryEntry, History};
pub use laminar_lambda_core::ApiResult;
pub use pool_snapshot::EnvironmentSnapshot;
pub use request::{InvocationType, InvokeInput, InvokeOutput, LogType, Prepared};
pub use stream::{StreamEvent, StreamingInvoke};

use laminar_executor::Executor;
use laminar_lambda_core::registry::Registry;
use laminar_store::Store;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// The account and region a stored function lives in.
fn scope_of(key: &laminar_store::FunctionKey) -> laminar_model::arn::Scope {
    laminar_model::arn::Scope {
        account: key.account.clone(),
        region: key.region.clone(),
    }
}

/// Everything an invocation passes through. Shared as `Arc<Invoker>`.
pub struct Invoker {
    /// How functions reach laminar (`AWS_ENDPOINT_URL` of their environment).
    endpoint_url: String,
    store: Arc<Store>,
    registry: Arc<Registry>,
    pub pools: pool::Pools,
    pub concurrency: concurrency::AccountConcurrency,
    /// The functions in debug mode and their environments.
    pub debugging: debug::Debugging,
    logs: logs::FunctionLogs,
    /// `AWS/Lambda` metrics.
    metrics: metrics::LambdaMetrics,
    /// Execution roles' credentials for the environments.
    iam: laminar_iam::IamService,
    /// Every run is recorded here (off the invoke path).
    history: History,
    /// How long a new function stays `Pending` (an update `InProgress`) at
    /// least; see `state`.
    pending: Duration,
    /// Pre-initialized environments waiting at most (`prewarm`).
    prewarm_budget: usize,
    pub provisioning: provisioning::Provisioning,
    /// Itself, for the work it starts in the background.
    this: Weak<Invoker>,
}

/// The services an invocation reports to.
pub struct InvokerServices {
    /// Function logs go to CloudWatch Logs.
    pub logs: laminar_logs::LogsService,
    /// `AWS/Lambda` metrics and embedded-metric-format lines.
    pub metrics: laminar_cloudwatch::CloudWatchService,
    /// Execution roles' credentials.
    pub iam: laminar_iam::IamService,
    pub history: History,
}

/// The invoker's settings from the command line.
pub struct InvokerSettings {
    /// How functions reach laminar (`AWS_ENDPOINT_URL` of their environment).
    pub endpoint_url: String,
    /// The account's concurrency limit.
    pub account_concurrency: u32,
    /// How long a new function stays `Pending` (an update `InProgress`) at
    /// least.
    pub pending: Duration,
    /// How many pre-initialized environments may wait for their first
    /// invoke at once (0: none).
    pub prewarm: usize,
}

impl Invoker {
    /// Restores the stored reservations of the registry's functions.
    pub fn new(
        settings: InvokerSettings,
        store: Arc<Store>,
        registry: Arc<Registry>,
        executor: Executor,
        services: InvokerServices,
    ) -> Arc<Self> {
        let InvokerServices {
            logs,
            metrics,
            iam,
            history,
        } = services;
        let InvokerSettings {
            endpoint_url,
            account_concurrency,
            pending,
            prewarm,
        } = settings;
        let concurrency = concurrency::AccountConcurrency::new(account_concurrency);
        for (key, reserved) in registry.reservations() {
            if let Err(e) = concurrency.reserve(&key, Some(reserved)) {
                tracing::warn!(function = %key.name, error = %e, "stored reservation no longer fits");
            }
        }
        let invoker = Arc::new_cyclic(|this| Self {
            endpoint_url,
            store,
            registry,
            pools: pool::Pools::new(Arc::new(executor)),
            concurrency,
            debugging: debug::Debugging::default(),
            logs: logs::FunctionLogs::new(logs, metrics.clone()),
            metrics: metrics::LambdaMetrics::new(metrics),
            iam,
            history,
            pending,
            prewarm_budget: prewarm,
            provisioning: provisioning::Provisioning::default(),
            this: this.clone(),
        });
        // What environments print after their last invocation goes to their
        // log stream too.
        let this = Arc::downgrade(&invoker);
        invoker
            .pools
            .on_last_output(Arc::new(move |last: pool::LastOutput| {
                if let Some(invoker) = this.upgrade() {
                    let text = String::from_utf8_lossy(&last.output);
                    invoker.logs.append(
                        &last.function,
                        &last.log_group,
                        &last.log_stream,
                        laminar_lambda_core::clock::now_ms(),
                        &text,
                    );
                }
            }));
        invoker
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The CloudWatch Logs service function logs go to.
    pub fn cloudwatch(&self) -> &laminar_logs::LogsService {
        self.logs.cloudwatch()
    }

    /// The `AWS/Lambda` metrics: the engines report theirs here too.
    pub fn metrics(&self) -> &metrics::LambdaMetrics {
        &self.metrics
    }

    /// The invocation history every run is recorded in.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// Stops idle environments after `keep_alive`, for as long as the
    /// invoker lives.
    pub fn spawn_reaper(self: &Arc<Self>, keep_alive: Duration) {
        let weak = Arc::downgrade(self);
        let period = (keep_alive / 4).clamp(Duration::from_millis(100), Duration::from_secs(30));
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(period);
            loop {
                tick.tick().await;
                let Some(invoker) = weak.upgrade() else {
                    return;
                };
                invoker.pools.stop_idle_longer_than(keep_alive);
            }
        });
    }
}
