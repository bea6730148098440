//! One run of a prepared invocation: a concurrency lease, a warm or cold
//! environment of the function's revision, the executor, the function's log.

use crate::concurrency::Lease;
use crate::log_text::log_text;
use crate::metrics::Subject;
use crate::pool::{Origin, PoolKey};
use crate::record::{Outcome, Ran};
use crate::request::Prepared;
use crate::{ApiResult, Invoker};
use bytes::Bytes;
use laminar_executor::{
    Credentials, EnvironmentSpec, InvokeReport, InvokeResult, Package, StartError,
};
use laminar_history::Status;
use laminar_lambda_core::clock::now_ms;
use laminar_lambda_core::naming::key_of;
use laminar_model::arn::Scope;
use laminar_model::config::{FunctionCode, FunctionConfiguration};
use laminar_model::{ApiError, ErrorKind};
use laminar_runtime_api::Invocation;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::mpsc;

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

/// The principal Lambda assumes execution roles as.
const LAMBDA_PRINCIPAL: &str = "lambda.amazonaws.com";

impl Invoker {
    /// The execution role's credentials from an AssumeRole (session name:
    /// the function's name), when laminar's IAM holds a role that trusts
    /// Lambda; otherwise placeholders whose access key names the account.
    async fn role_credentials(&self, scope: &Scope, c: &FunctionConfiguration) -> Credentials {
        let (iam, role, name) = (self.iam.clone(), c.role.clone(), c.function_name.clone());
        let assumed = laminar_db::blocking(move || {
            iam.assume_role_as_service(&role, &name, LAMBDA_PRINCIPAL)
        })
        .await
        .ok()
        .flatten();
        match assumed {
            Some(creds) => Credentials {
                access_key_id: creds.access_key_id,
                secret_access_key: creds.secret_access_key,
                session_token: creds.session_token,
            },
            None => Credentials {
                access_key_id: scope.account.clone(),
                secret_access_key: "laminar".into(),
                session_token: "laminar".into(),
            },
        }
    }

    pub async fn spec(
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
            runtime_version_arn: c
                .runtime_version_config
                .as_ref()
                .map(|v| v.runtime_version_arn.clone()),
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
            endpoint_url: self.endpoint_url.clone(),
            credentials: self.role_credentials(scope, c).await,
            provisioned: false,
            json_log_level: (c.logging_config.log_format == "JSON").then(|| {
                c.logging_config
                    .application_log_level
                    .clone()
                    .unwrap_or_else(|| "INFO".into())
            }),
            debugger: None,
        })
    }

    /// One synchronous run: returns the function's result and the log text
    /// of the invocation.
    pub async fn run(
        &self,
        scope: &Scope,
        prepared: &Prepared,
        sink: Option<&mpsc::Sender<Bytes>>,
    ) -> ApiResult<(InvokeResult, String)> {
        let lease = self.lease(scope, prepared)?;
        self.run_leased(scope, prepared, sink, lease).await
    }

    /// The concurrency share an invocation of this function needs.
    pub(crate) fn lease(&self, scope: &Scope, prepared: &Prepared) -> ApiResult<Lease> {
        let function = key_of(scope, &prepared.resolved.config().function_name);
        self.concurrency.acquire(&function).inspect_err(|e| {
            if e.kind == ErrorKind::TooManyRequests {
                self.metrics.throttled(Subject {
                    function: &function,
                    qualifier: prepared.qualifier.as_deref(),
                    executed_version: None,
                });
            }
        })
    }

    pub(crate) async fn run_leased(
        &self,
        scope: &Scope,
        prepared: &Prepared,
        sink: Option<&mpsc::Sender<Bytes>>,
        lease: Lease,
    ) -> ApiResult<(InvokeResult, String)> {
        let config = prepared.resolved.config();
        let function = key_of(scope, &config.function_name);
        let key = PoolKey {
            function,
            revision: config.revision_id.clone(),
            code_stamp: crate::hot_reload::stamp(prepared.resolved.code()).await,
            provisioned: prepared.provisioned(),
            tenant: prepared.tenant_id.clone(),
        };
        let debugged = self.debugging.target_for(
            &key.function.name,
            prepared.qualifier.as_deref(),
            &config.version,
        );
        // Provisioned environments first; beyond them, on-demand ones. A
        // debugged function has environments of its own.
        let configured = key.provisioned;
        let provisioned = (debugged.is_none() && configured)
            .then(|| self.pools.take_idle(&key))
            .flatten();
        let on_provisioned = provisioned.is_some();
        let key = if provisioned.is_some() {
            key
        } else {
            key.on_demand()
        };
        let taken = match &debugged {
            Some(_) => self
                .debugging
                .take_idle(&key)
                .map(|(env, lease)| (env, Some(lease))),
            None => provisioned
                .or_else(|| self.pools.take_idle(&key))
                .map(|env| (env, None)),
        };
        let request_id = prepared
            .request_id
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let ran = Ran {
            function: &key.function,
            prepared,
            request_id: &request_id,
            started_ms: now_ms(),
        };
        let subject = Subject {
            function: &key.function,
            qualifier: prepared.qualifier.as_deref(),
            executed_version: Some(&config.version),
        };
        let _running = self.metrics.started(subject, lease.unreserved_running);
        let _on_provisioned = match prepared.qualifier.as_deref().filter(|_| configured) {
            Some(qualifier) => {
                let allocated = self
                    .provisioning
                    .state(&key.function, qualifier)
                    .initialized;
                self.metrics
                    .provisioned_invoke(subject, on_provisioned, allocated)
            }
            None => None,
        };
        let cold_or_parked = taken.as_ref().is_none_or(|(env, _)| env.parked());
        if cold_or_parked && debugged.is_none() {
            // The next cold start of this revision finds one initialized.
            self.prewarm(scope, key.on_demand(), &prepared.resolved);
        }
        let (mut env, debug_lease) = match taken {
            Some(taken) => taken,
            None => {
                let mut spec = self
                    .spec(
                        scope,
                        config,
                        prepared.resolved.code(),
                        &prepared.resolved.record.layer_contents,
                    )
                    .await?;
                let debug_lease = match &debugged {
                    Some(target) => {
                        let runtime = config.runtime.as_deref().unwrap_or_default();
                        let (lease, debugger) = self
                            .debugging
                            .lease(&key, &config.version, runtime, target)
                            .map_err(ApiError::service)?;
                        spec.debugger = debugger;
                        Some(lease)
                    }
                    None => None,
                };
                match self
                    .pools
                    .start(&key.function, &spec, Origin::OnDemand)
                    .await
                {
                    Ok(env) => (env, debug_lease),
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
                        self.metrics.invoked(subject, true, 0.0);
                        let body = Bytes::from(body.to_string());
                        self.record(
                            &ran,
                            (&spec.log_stream, &text),
                            Outcome {
                                status: Status::Error,
                                response: body.clone(),
                                duration: Duration::ZERO,
                                init_duration: None,
                                max_memory_used_mb: 0,
                            },
                        );
                        return Ok((InvokeResult::Error(body), text));
                    }
                    Err(StartError::UnsupportedRuntime(message)) => {
                        return Err(ApiError::new(ErrorKind::InvalidRuntime, message))
                    }
                    Err(
                        e @ (StartError::Io(_)
                        | StartError::Engine(_)
                        | StartError::Image(_)
                        | StartError::Debugger(_)),
                    ) => return Err(ApiError::service(e.to_string())),
                }
            }
        };
        env.serve();
        let invocation = Invocation {
            request_id: request_id.clone(),
            payload: prepared.payload.clone(),
            deadline_ms: 0,
            invoked_function_arn: prepared.invoked_arn.clone(),
            trace_id: trace_id(),
            client_context: prepared.client_context.clone(),
            cognito_identity: None,
            tenant_id: prepared.tenant_id.clone(),
        };
        // Debug mode lifts the timeout; the report still says the real time.
        let timeout = debugged.map_or_else(
            || Duration::from_secs(config.timeout.max(1) as u64),
            |target| target.timeout,
        );
        let busy = self.pools.mark_busy(&key, &env, &request_id);
        let report = env.environment.invoke(invocation, timeout, sink).await;
        drop(busy);
        let text = log_text(
            &request_id,
            prepared.tenant_id.as_deref(),
            &config.version,
            config.memory_size,
            &config.logging_config,
            &report,
        );
        self.logs.append(
            &key.function,
            &config.logging_config.log_group,
            &env.log_stream,
            now_ms(),
            &text,
        );
        tracing::debug!(function = %config.function_name, "{}", text.trim_end());
        self.metrics.invoked(
            subject,
            matches!(report.result, InvokeResult::Error(_)),
            report.duration.as_secs_f64() * 1000.0,
        );
        self.record(&ran, (&env.log_stream, &text), Outcome::of(&report));
        let InvokeReport {
            result, reusable, ..
        } = report;
        let provisioned = env.origin() == Origin::Provisioned;
        if !reusable {
            env.environment.shutdown();
            if let Some((function, qualifier)) =
                provisioned.then(|| self.provisioning.lost(&key)).flatten()
            {
                // A provisioned environment lost is replaced.
                self.provision(scope, &function, &qualifier);
            }
        } else if provisioned && !self.provisioning.keep(&key) {
            // Its configuration was lowered or removed meanwhile.
            env.environment.shutdown();
        } else {
            let live = self.revision_runs(&key);
            match debug_lease {
                Some(lease) => self.debugging.release(key, env, lease, live),
                None => self.pools.release(key, env, live),
            }
        }
        Ok((result, text))
    }
}
