//! The HTTP gateway: one listener for every API laminar serves, the request
//! id, routing to the companions, function URLs or a Lambda operation, and
//! start-up / shutdown.

use crate::app::App;
use crate::cli::{CodeDeliveryChoice, ExecutorChoice, IamMode, ServeArgs};
use crate::companion::Target;
use crate::enforce::{self, Enforcer};
use crate::request::{Parts, Request};
use crate::sigv4::verify::Rejection;
use crate::{companion, cross_account, function_url, ops, render, routes, sigv4};
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use axum::Router;
use laminar_db::Db;
use laminar_dynamodb::DynamoService;
use laminar_executor::{
    CodeDelivery, DockerExecutor, DockerSettings, Executor, ImageSettings, ProcessExecutor,
};
use laminar_iam::evaluate::Identity;
use laminar_iam::IamService;
use laminar_kinesis::KinesisService;
use laminar_lambda::{Companions, LambdaService, Settings};
use laminar_logs::LogsService;
use laminar_model::constraints;
use laminar_model::limits::REQUEST_BODY_MAX_BYTES;
use laminar_model::{ApiError, ErrorKind};
use laminar_s3::S3Service;
use laminar_sqs::SqsService;
use laminar_store::Store;
use std::sync::Arc;
use std::time::Duration;

pub async fn serve(args: ServeArgs) -> Result<(), Box<dyn std::error::Error>> {
    let started = std::time::Instant::now();
    let listener = listen(args.host.as_str(), args.port).await?;
    let addr = listener.local_addr()?;
    let reachable_host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        addr.ip().to_string()
    };
    let endpoint_url = format!("http://{reachable_host}:{}", addr.port());
    if !addr.ip().is_loopback() {
        warn_beyond_loopback(addr, args.iam);
    }

    // One database for Lambda and the companion services: one file, one
    // durability rule.
    let db = Db::open(args.data_dir.as_deref())?;
    let store = Arc::new(Store::open(db.clone())?);
    let executor = choose_executor(&args, &store).await?;
    // Containers call laminar (AWS_ENDPOINT_URL) on their network's gateway.
    let extra_listener = match executor.extra_listen_ip() {
        Some(ip) if !addr.ip().is_unspecified() && addr.ip() != ip => {
            match listen_on(std::net::SocketAddr::new(ip, addr.port())) {
                Ok(listener) => Some(listener),
                Err(e) => {
                    tracing::warn!(%ip, error = %e, "functions in containers cannot reach laminar's API");
                    None
                }
            }
        }
        _ => None,
    };
    let companions = Companions {
        sqs: SqsService::new(db.clone())?,
        logs: LogsService::new(db.clone())?,
        kinesis: KinesisService::new(db.clone())?,
        s3: S3Service::new(db.clone())?,
        iam: IamService::new(db.clone())?,
        sns: laminar_sns::SnsService::new(db.clone())?,
        events: laminar_events::EventsService::with_time_scale(
            db.clone(),
            args.schedule_time_scale,
        )?,
        dynamodb: DynamoService::new(db.clone())?,
        cloudwatch: laminar_cloudwatch::CloudWatchService::new(db.clone())?,
        history: laminar_invoke::History::open(db.clone(), args.history)?,
    };
    crate::dynamodb_api::start_sweeper(companions.dynamodb.clone());
    crate::cloudwatch_api::start_flusher(companions.cloudwatch.clone());
    let service = LambdaService::new(
        Settings {
            endpoint_url: endpoint_url.clone(),
            account_concurrency: args.account_concurrency,
            keep_alive: Duration::from_secs(args.keep_alive),
            async_retry_delay: Duration::try_from_secs_f64(args.async_retry_delay)
                .map_err(|e| format!("--async-retry-delay: {e}"))?,
            pending: Duration::from_millis(args.pending_ms),
            require_known_roles: args.iam == IamMode::Enforce,
            prewarm: args.prewarm,
        },
        store,
        executor,
        companions.clone(),
    )?;
    crate::debug_api::configure(&service, &args)?;
    let app_state = App {
        lambda: service.clone(),
        sqs: companions.sqs,
        logs: companions.logs,
        kinesis: companions.kinesis,
        dynamodb: companions.dynamodb,
        s3: companions.s3,
        iam: companions.iam,
        sns: companions.sns,
        events: companions.events,
        cloudwatch: companions.cloudwatch,
        enforcer: (args.iam == IamMode::Enforce).then(|| Enforcer {
            root_secret: args.iam_root_secret.clone(),
        }),
    };
    let state_where = match &args.data_dir {
        Some(dir) => format!("state in {}", dir.display()),
        None => "state in memory".to_string(),
    };
    tracing::info!(
        "laminar listening on {endpoint_url} (executor: {}, {state_where}, ready in {:.1} ms)",
        service.executor_name(),
        started.elapsed().as_secs_f64() * 1000.0
    );

    let app = Router::new().fallback(handle).with_state(app_state);
    if let Some(extra) = extra_listener {
        let app = app.clone();
        tokio::spawn(async move {
            if let Err(e) = axum::serve(extra, app).await {
                tracing::warn!(error = %e, "the listener for containers stopped");
            }
        });
    }
    use axum::serve::ListenerExt;
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("shutting down: stopping execution environments");
    service.shutdown().await;
    // Function logs still queued for CloudWatch Logs are committed before exit.
    let logs = service.companions().logs.clone();
    let _ = tokio::task::spawn_blocking(move || logs.flush(Duration::from_secs(2))).await;
    let metrics = service.companions().cloudwatch.clone();
    let _ = tokio::task::spawn_blocking(move || metrics.flush()).await;
    Ok(())
}

/// How many connections the kernel may hold for laminar before it accepts
/// them. Tokio's `bind` asks for 128, as std does: a burst of a few hundred
/// clients connecting at once overflows that, and the kernel then drops or
/// resets some of them instead of letting them wait. The kernel caps the
/// figure at `net.core.somaxconn`.
const LISTEN_BACKLOG: u32 = 4096;

/// Listens on the first address `host` resolves to that can be bound.
async fn listen(host: &str, port: u16) -> std::io::Result<tokio::net::TcpListener> {
    let mut last_error = None;
    for addr in tokio::net::lookup_host((host, port)).await? {
        match listen_on(addr) {
            Ok(listener) => return Ok(listener),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::AddrNotAvailable,
            format!("{host} resolves to no address"),
        )
    }))
}

fn listen_on(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// laminar runs code on request: listening beyond the loopback hands that to
/// whoever reaches the address, so say so.
fn warn_beyond_loopback(addr: std::net::SocketAddr, iam: IamMode) {
    let who = match iam {
        IamMode::Off => "anyone who reaches it, with any credentials (--iam off)",
        IamMode::Enforce => "anyone holding a key IAM knows (--iam enforce)",
    };
    tracing::warn!(
        "laminar listens on {addr}, beyond this machine's loopback: {who} can call the Lambda \
         API and every companion service (SQS, SNS, S3, DynamoDB, Kinesis, Logs, EventBridge, \
         IAM, STS), create functions that run code on this machine as laminar's user, invoke \
         them, download their code and read or change everything in the data directory; \
         function URLs are reachable too. Listen on 127.0.0.1 (the default) unless that is meant"
    );
}

/// `auto` is docker when an engine answers, else processes.
async fn choose_executor(
    args: &ServeArgs,
    store: &Store,
) -> Result<Executor, Box<dyn std::error::Error>> {
    let use_docker = match args.executor {
        ExecutorChoice::Docker => true,
        ExecutorChoice::Process => false,
        ExecutorChoice::Auto => {
            let answers = DockerExecutor::engine_answers().await;
            if !answers {
                tracing::info!(
                    "no Docker engine answers at {}: functions run as local processes \
                     (start the engine, or pass --executor docker, to run them in containers)",
                    DockerExecutor::engine_address()
                );
            }
            answers
        }
    };
    if !use_docker {
        let runtimes = store.blobs.root().join("runtimes");
        return Ok(Executor::Process(Box::new(ProcessExecutor::new(runtimes)?)));
    }
    let settings = DockerSettings {
        images: ImageSettings {
            prefix: args.image_prefix.clone(),
            overrides: args.runtime_image_mapping.clone().unwrap_or_default().0,
        },
        network: args.docker_network.clone(),
        code_delivery: match args.docker_code_delivery {
            CodeDeliveryChoice::Auto => CodeDelivery::Auto,
            CodeDeliveryChoice::Mount => CodeDelivery::Mount,
            CodeDeliveryChoice::Copy => CodeDelivery::Copy,
        },
        debug_dir: Some(store.blobs.root().join("runtimes").join("debug")),
        init: args.docker_init.clone(),
    };
    let docker = DockerExecutor::connect(settings).await.map_err(|e| {
        format!(
            "the docker executor cannot start (the engine at {}): {e}",
            DockerExecutor::engine_address()
        )
    })?;
    let reaped = docker.reap_orphans().await;
    if reaped > 0 {
        tracing::info!(
            count = reaped,
            "removed containers left by an earlier laminar"
        );
    }
    Ok(Executor::Docker(Box::new(docker)))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

async fn handle(
    State(app): State<App>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    // Function URLs first: whatever a URL's caller sends (an `Action=`
    // query, an `X-Amz-Target` header) belongs to the function.
    let host = headers.get("host").and_then(|v| v.to_str().ok());
    let for_function_url = function_url::url_request(host, uri.path()).is_some();
    let companion = (!for_function_url)
        .then(|| companion::detect(&uri, &headers))
        .flatten();
    // A region no partition has is refused in every mode, as AWS's front
    // door refuses it: it would otherwise become part of ARNs.
    if authenticated(for_function_url, companion, uri.path()) {
        let authorization = headers.get("authorization").and_then(|v| v.to_str().ok());
        if let Some(region) = sigv4::unknown_region(authorization) {
            let rejection = Rejection::UnknownRegion {
                region: region.to_string(),
            };
            return enforce::reject(companion, &rejection);
        }
    }
    let (identity, body) = match &app.enforcer {
        Some(enforcer) if authenticated(for_function_url, companion, uri.path()) => {
            match authenticate(enforcer, &app, companion, &method, &uri, &headers, body).await {
                Ok(signed) => signed,
                Err(refused) => return *refused,
            }
        }
        _ => (None, body),
    };
    let mut response = match companion {
        Some(target) => companion::serve(&app, target, method, uri, headers, body).await,
        None => route(&app, identity, method, uri, headers, body).await,
    };
    // An adapter that already named the request (SQS puts the id in its
    // XML body too) keeps its id.
    if !response.headers().contains_key("x-amzn-requestid") {
        render::set_request_id(response.headers_mut(), &request_id);
    }
    response
}

/// Whether the enforcing mode checks the request's signature here: not for
/// function URLs (their auth type decides), services laminar does not serve,
/// or laminar's own endpoints.
fn authenticated(for_function_url: bool, companion: Option<Target>, path: &str) -> bool {
    !for_function_url
        && !matches!(companion, Some(Target::Unserved(_)))
        && !path.starts_with("/_laminar/")
}

/// Checks the signature (reading the body when its hash is not declared);
/// the body is handed on.
async fn authenticate(
    enforcer: &Enforcer,
    app: &App,
    companion: Option<Target>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> Result<(Option<Identity>, Body), Box<Response>> {
    let (bytes, body) = if Enforcer::needs_body(companion == Some(Target::S3), headers) {
        let Ok(bytes) = axum::body::to_bytes(body, REQUEST_BODY_MAX_BYTES).await else {
            return Err(Box::new(render::json(
                413,
                &serde_json::json!({ "message": "Request too large" }),
            )));
        };
        (Some(bytes.clone()), Body::from(bytes))
    } else {
        (None, body)
    };
    let identity = enforcer
        .authenticate(&app.iam, method, uri, headers, bytes.as_deref())
        .await
        .map_err(|rejection| Box::new(enforce::reject(companion, &rejection)))?;
    // Lambda's operations are authorised once routed; a companion's here.
    if let Some(target) = companion {
        let scope = sigv4::scope_with(
            headers.get("authorization").and_then(|v| v.to_str().ok()),
            |key| app.iam.account_of_key(key),
        );
        let asked =
            enforce::companions::asked(target, &scope, method, uri, headers, bytes.as_deref());
        if let Some(asked) = asked {
            let policy = enforce::resources::policy_of(app, &asked).await;
            enforce::authorize_companion(&app.iam, &identity, &scope, asked, policy)
                .await
                .map_err(|denied| Box::new(enforce::companion_denied(target, &denied)))?;
        }
    }
    Ok((Some(identity), body))
}

async fn route(
    app: &App,
    identity: Option<Identity>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let service = app.lambda.clone();
    let path = uri.path();
    if let Some(internal) = path.strip_prefix("/_laminar/") {
        if crate::debug_api::handles(internal) {
            return crate::debug_api::serve(&service, &method, internal, body).await;
        }
        return crate::introspect::serve(&service, &method, internal, uri.query(), body).await;
    }
    let host = headers.get("host").and_then(|v| v.to_str().ok());
    if let Some((url_id, url_path)) = function_url::url_request(host, path) {
        let Some(target) = service.function_url(url_id) else {
            return function_url::unknown_url();
        };
        let Ok(body) = axum::body::to_bytes(body, REQUEST_BODY_MAX_BYTES).await else {
            return render::json(413, &serde_json::json!({ "Message": "Request too large" }));
        };
        if let Some(enforcer) = &app.enforcer {
            if target.config.auth_type == "AWS_IAM" {
                let identity = enforcer
                    .authenticate(&app.iam, &method, &uri, &headers, Some(&body))
                    .await;
                let allowed = match identity {
                    Ok(identity) => enforce::lambda::authorize_url(&service, &identity, &target)
                        .await
                        .is_ok(),
                    Err(_) => false,
                };
                if !allowed {
                    return enforce::url_forbidden();
                }
            }
        }
        let query = uri.query().unwrap_or_default();
        return function_url::serve(&service, target, &method, url_path, query, &headers, body)
            .await;
    }
    let query: Vec<(String, String)> =
        serde_urlencoded::from_str(uri.query().unwrap_or_default()).unwrap_or_default();
    let Some(matched) = routes::match_request(method.as_str(), path, &query) else {
        return render::error(&ApiError::new(
            ErrorKind::UnknownOperation,
            format!("No operation matches {method} {path}"),
        ));
    };
    let Ok(body) = axum::body::to_bytes(body, REQUEST_BODY_MAX_BYTES).await else {
        return render::error(&body_too_large(matched.operation));
    };
    let iam = &service.companions().iam;
    let scope = sigv4::scope_with(
        headers.get("authorization").and_then(|v| v.to_str().ok()),
        |key| iam.account_of_key(key),
    );
    if let Some(identity) = &identity {
        if let Err(denied) = authorize(&service, identity, &scope, &matched, &query, &body).await {
            return enforce::access_denied(&denied);
        }
    }
    let authorized = identity.is_some();
    let scope =
        match cross_account::scope_of_owner(&service, authorized, scope, &matched, &query, &body)
            .await
        {
            Ok(scope) => scope,
            Err(denied) => return enforce::access_denied(&denied),
        };
    if let Err(e) = check_constraints(&matched, &query, &headers, &body) {
        return render::error(&e);
    }
    ops::dispatch::handle(Request {
        service,
        scope,
        parts: Parts {
            matched,
            query,
            headers,
            body,
        },
    })
    .await
}

/// The operation on its resource, and a role it passes to Lambda.
async fn authorize(
    service: &LambdaService,
    identity: &Identity,
    scope: &laminar_lambda::Scope,
    matched: &routes::Matched,
    query: &[(String, String)],
    body: &[u8],
) -> Result<(), String> {
    use enforce::lambda;
    let target = lambda::target(scope, matched, query, body);
    lambda::authorize(
        service,
        identity,
        scope,
        lambda::action(matched.operation),
        &target,
    )
    .await?;
    if let Some(role) = lambda::passed_role(matched.operation, body) {
        let role = lambda::Target::Arn(role);
        lambda::authorize(service, identity, scope, "iam:PassRole".into(), &role).await?;
    }
    Ok(())
}

/// The model's constraints on every member of the request.
fn check_constraints(
    matched: &routes::Matched,
    query: &[(String, String)],
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), ApiError> {
    let label = |name: &str| matched.labels.get(name).cloned();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let parts = constraints::RequestParts {
        labels: &label,
        query,
        header: &header,
        body,
    };
    constraints::check(matched.operation, &parts)
}

fn body_too_large(operation: &str) -> ApiError {
    ApiError::new(
        ErrorKind::RequestEntityTooLarge,
        format!("Request must be smaller than {REQUEST_BODY_MAX_BYTES} bytes for the {operation} operation"),
    )
}
