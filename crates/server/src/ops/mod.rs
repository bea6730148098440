//! The Lambda operations: the generated table (`dispatch`) decodes each
//! routed request into its generated typed input (`input`) and hands it to
//! the handler named after the operation, one module per family. A handler
//! is one service call and the answer's rendering.

mod dispatch;
mod input;

mod aliases;
mod capacity_providers;
mod code_signing;
mod concurrency;
mod durable;
mod event_invoke_config;
mod event_sources;
mod function_settings;
mod functions;
mod invoke;
mod layers;
mod permissions;
mod resource_policies;
mod stream;
mod tags;
mod urls;
mod versions;

use aliases::*;
use capacity_providers::*;
use code_signing::*;
use concurrency::*;
use durable::*;
use event_invoke_config::*;
use event_sources::*;
use function_settings::*;
use functions::*;
use invoke::*;
use layers::*;
use permissions::*;
use resource_policies::*;
use stream::*;
use tags::*;
use urls::*;
use versions::*;

use crate::render;
use crate::request::Request;
use axum::response::Response;
use laminar_lambda::{LambdaService, Scope};
use laminar_model::{ApiError, ErrorKind};
use serde::Serialize;
use std::future::Future;

type OpResult = Result<Response, ApiError>;

/// Runs the operation the request was routed to.
pub async fn handle(req: Request) -> Response {
    dispatch::dispatch(req)
        .await
        .unwrap_or_else(|e| render::error(&e))
}

/// What a handler gets besides its input.
pub struct Ctx {
    pub service: LambdaService,
    pub scope: Scope,
    /// The model's status for a successful answer.
    pub status: u16,
}

impl Ctx {
    /// The answer as JSON, with the operation's success status.
    fn json<T: Serialize>(&self, out: &T) -> OpResult {
        Ok(render::json(self.status, out))
    }

    /// An empty answer with the operation's success status.
    fn empty(&self) -> OpResult {
        Ok(render::empty(self.status))
    }
}

/// Runs on tokio's blocking pool: the service commits to SQLite
/// (`synchronous=FULL`) inside these calls, which must not stall a worker.
pub struct Blocking;
/// Awaited in place: invokes, streams and code uploads are async themselves.
pub struct Async;

/// A handler: a plain function (run on the blocking pool) or an async one.
trait Handler<I, Kind> {
    fn call(self, ctx: Ctx, input: I) -> impl Future<Output = OpResult> + Send;
}

impl<I, F> Handler<I, Blocking> for F
where
    I: Send + 'static,
    F: FnOnce(Ctx, I) -> OpResult + Send + 'static,
{
    async fn call(self, ctx: Ctx, input: I) -> OpResult {
        tokio::task::spawn_blocking(move || self(ctx, input))
            .await
            .unwrap_or_else(|e| Err(ApiError::service(format!("the operation failed: {e}"))))
    }
}

impl<I, F, Fut> Handler<I, Async> for F
where
    F: FnOnce(Ctx, I) -> Fut + Send,
    I: Send,
    Fut: Future<Output = OpResult> + Send,
{
    fn call(self, ctx: Ctx, input: I) -> impl Future<Output = OpResult> + Send {
        self(ctx, input)
    }
}

async fn run<I, Kind>(req: Request, handler: impl Handler<I, Kind>, input: I) -> OpResult {
    let ctx = Ctx {
        service: req.service,
        scope: req.scope,
        status: req.matched.success_status,
    };
    handler.call(ctx, input).await
}

fn not_implemented(operation: &str) -> ApiError {
    ApiError::new(
        ErrorKind::NotImplemented,
        format!("laminar does not implement {operation} yet."),
    )
}
