//! The Lambda control plane: `LambdaService`, the facade the server calls,
//! with one module per family. It owns the handles of the rooms below it
//! and wires them together at start-up: the invoke path
//! (`laminar-invoke`), the asynchronous queue (`laminar-async-invoke`),
//! event source pollers (`laminar-event-sources`), durable executions
//! (`laminar-durable`) and account-level objects
//! (`laminar-account-objects`), all over `laminar-lambda-core`.
//!
//! Requests arrive here already decoded by the gateway; answers leave as
//! typed outputs or [`ApiError`]s for the gateway to render.

mod aliases;
mod event_invoke_config;
mod event_source_mappings;
mod execution_role;
mod function_code;
mod function_concurrency;
mod function_config;
mod functions;
mod invoke;
mod layers;
mod permissions;
mod provisioned;
mod records;
mod recursion;
mod resource_policies;
mod runtime_management;
mod scaling;
mod tags;
mod urls;
mod versions;

pub use aliases::{AliasConfiguration, AliasRequest, ListAliasesOutput};
pub use event_invoke_config::{
    EventInvokeConfigRequest, FunctionEventInvokeConfig, ListEventInvokeConfigsOutput, Write,
};
pub use event_source_mappings::ListEventSourceMappingsOutput;
pub use functions::{FunctionCodeLocation, GetFunctionOutput, ListFunctionsOutput};
pub use laminar_account_objects::{
    CapacityProvider, CapacityProviderOutput, CreateCapacityProviderRequest,
    ListCapacityProvidersOutput, ListFunctionVersionsByCapacityProviderOutput,
    UpdateCapacityProviderRequest,
};
pub use laminar_account_objects::{
    CodeSigningConfig, CodeSigningConfigOutput, CodeSigningConfigRequest,
    FunctionCodeSigningConfig, FunctionCodeSigningConfigRequest, ListCodeSigningConfigsOutput,
    ListFunctionsByCodeSigningConfigOutput,
};
pub use laminar_durable::{
    CheckpointRequest, DurableExecutionSummary, ListDurableExecutionsOutput, PauseResumeRequest,
};
pub use laminar_invoke::{InvocationType, InvokeInput, InvokeOutput, StreamEvent, StreamingInvoke};
pub use laminar_model::arn::Scope;
pub use layers::{LayerPermissionRequest, LayerVersionOutput, PublishLayerVersionRequest};
pub use permissions::AddPermissionRequest;
pub use provisioned::{
    ListProvisionedConcurrencyOutput, ProvisionedConcurrencyConfig, ProvisionedConcurrencyRequest,
};
pub use recursion::{RecursionConfig, RecursionConfigRequest};
pub use resource_policies::{PutResourcePolicyRequest, ResourcePolicy};
pub use runtime_management::{RuntimeManagementConfig, RuntimeManagementRequest};
pub use scaling::{GetScalingConfigOutput, PutScalingConfigOutput, PutScalingConfigRequest};
pub use urls::{FunctionUrlConfig, FunctionUrlRequest, ListFunctionUrlsOutput, UrlTarget};
pub use versions::{ListVersionsOutput, PublishVersionRequest};

use laminar_account_objects::AccountObjects;
use laminar_async_invoke::AsyncInvocations;
use laminar_durable::DurableExecutions;
use laminar_event_sources::EventSources;
use laminar_executor::Executor;
use laminar_invoke::{Invoker, InvokerSettings};
// The shared layer, under the names the families have always used.
pub use laminar_lambda_core::ApiResult;
use laminar_lambda_core::{checks, clock, naming, objects, page, registry, resolve};
use laminar_store::Store;
use laminar_triggers::Triggers;
use std::sync::Arc;
use std::time::Duration;

/// Knobs of the service, set from the command line.
#[derive(Clone, Debug)]
pub struct Settings {
    /// How laminar is reached from functions and clients (`http://host:port`).
    pub endpoint_url: String,
    pub account_concurrency: u32,
    /// Idle environments are stopped after this long.
    pub keep_alive: Duration,
    /// The wait before the first retry of a failed asynchronous invocation
    /// (the second waits twice as long); AWS waits one minute.
    pub async_retry_delay: Duration,
    /// How long a new function stays `Pending` and an update `InProgress`
    /// (AWS: about a second).
    pub pending: Duration,
    /// Refuse an execution role IAM does not hold (the enforcing mode).
    pub require_known_roles: bool,
    /// Environments initialized ahead of demand waiting at most.
    pub prewarm: usize,
}

/// The other services Lambda features reach: SQS (destinations, dead-letter
/// queues, event source mappings), CloudWatch Logs (function logs) and S3
/// (code packages).
#[derive(Clone)]
pub struct Companions {
    pub sqs: laminar_sqs::SqsService,
    pub logs: laminar_logs::LogsService,
    pub kinesis: laminar_kinesis::KinesisService,
    pub s3: laminar_s3::S3Service,
    pub iam: laminar_iam::IamService,
    pub sns: laminar_sns::SnsService,
    pub events: laminar_events::EventsService,
    pub dynamodb: laminar_dynamodb::DynamoService,
    pub cloudwatch: laminar_cloudwatch::CloudWatchService,
    /// Invocation history (the console's, `/_laminar/api/invocations`).
    pub history: laminar_invoke::History,
}

/// The Lambda service of one laminar instance. Cheap to clone.
#[derive(Clone)]
pub struct LambdaService {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    store: Arc<Store>,
    registry: Arc<registry::Registry>,
    invoker: Arc<Invoker>,
    objects: Arc<objects::Objects>,
    account_objects: AccountObjects,
    async_queue: Arc<AsyncInvocations>,
    event_sources: Arc<EventSources>,
    triggers: Arc<Triggers>,
    companions: Companions,
    durable: Arc<DurableExecutions>,
}

impl LambdaService {
    /// Loads the persisted functions and starts the keep-alive reaper.
    pub fn new(
        settings: Settings,
        store: Arc<Store>,
        executor: Executor,
        companions: Companions,
    ) -> ApiResult<Self> {
        let registry = Arc::new(registry::Registry::load(store.clone())?);
        let objects = Arc::new(objects::Objects::load(store.clone())?);
        let invoker = Invoker::new(
            InvokerSettings {
                endpoint_url: settings.endpoint_url.clone(),
                account_concurrency: settings.account_concurrency,
                pending: settings.pending,
                prewarm: settings.prewarm,
            },
            store.clone(),
            registry.clone(),
            executor,
            laminar_invoke::InvokerServices {
                logs: companions.logs.clone(),
                metrics: companions.cloudwatch.clone(),
                iam: companions.iam.clone(),
                history: companions.history.clone(),
            },
        );
        let async_queue = Arc::new(AsyncInvocations::load(
            store.clone(),
            invoker.clone(),
            companions.sqs.clone(),
            companions.sns.clone(),
            companions.events.clone(),
            settings.async_retry_delay,
        )?);
        let durable = DurableExecutions::load(store.clone(), invoker.clone())?;
        let triggers = Triggers::new(
            invoker.clone(),
            async_queue.clone(),
            companions.sqs.clone(),
            companions.sns.clone(),
            companions.s3.clone(),
            companions.events.clone(),
        );
        if settings.require_known_roles {
            triggers.check_queue_policies();
        }
        let inner = Arc::new(Inner {
            async_queue,
            triggers,
            durable,
            event_sources: EventSources::new(
                invoker.clone(),
                laminar_event_sources::Companions {
                    sqs: companions.sqs.clone(),
                    kinesis: companions.kinesis.clone(),
                    dynamodb: companions.dynamodb.clone(),
                    s3: companions.s3.clone(),
                    sns: companions.sns.clone(),
                },
            ),
            invoker,
            account_objects: AccountObjects::new(objects.clone(), registry.clone()),
            objects,
            companions,
            settings,
            store,
            registry,
        });
        inner.invoker.spawn_reaper(inner.settings.keep_alive);
        inner.invoker.resume_settling();
        inner.invoker.resume_provisioning();
        let service = Self { inner };
        service.inner.async_queue.spawn_dispatcher();
        service.start_event_sources();
        service.inner.triggers.start();
        service.inner.durable.resume();
        Ok(service)
    }

    pub fn executor_name(&self) -> &'static str {
        self.inner.invoker.pools.executor_name()
    }

    /// Durable executions: their API operations are `laminar-durable`'s.
    pub fn durable_executions(&self) -> &DurableExecutions {
        &self.inner.durable
    }

    /// Code signing configs and capacity providers, `laminar-account-objects`'.
    pub fn account_objects(&self) -> &AccountObjects {
        &self.inner.account_objects
    }

    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The invoke path (pools, history): for laminar's own endpoints.
    pub fn invoker(&self) -> &Invoker {
        &self.inner.invoker
    }

    /// How far a stream mapping is behind (Kinesis and DynamoDB streams).
    pub fn stream_backlog(
        &self,
        uuid: &str,
        source_arn: &str,
    ) -> Option<laminar_event_sources::StreamBacklog> {
        self.inner.event_sources.stream_backlog(uuid, source_arn)
    }

    pub fn companions(&self) -> &Companions {
        &self.inner.companions
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Runs `work` on the service on a blocking thread and answers what it
    /// answers: for what async operations commit (or read) in the store,
    /// which must not stall an async worker.
    async fn off_worker<T, F>(&self, work: F) -> ApiResult<T>
    where
        F: FnOnce(&Self) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let service = self.clone();
        laminar_lambda_core::blocking::off_worker(move || work(&service)).await
    }

    /// Stops every execution environment (idle or busy).
    pub async fn shutdown(&self) {
        self.inner.invoker.pools.shutdown_all().await;
    }
}

#[cfg(test)]
mod send_checks {
    fn is_send<T: Send>(_: &T) {}

    #[allow(dead_code)]
    fn operations_are_send(s: &crate::LambdaService, scope: &crate::Scope) {
        is_send(&s.update_function_configuration(scope, "f", Default::default()));
        is_send(&s.update_function_code(scope, "f", Default::default()));
        is_send(&s.create_function(scope, Default::default()));
        is_send(&s.invoke(scope, Default::default()));
    }
}
