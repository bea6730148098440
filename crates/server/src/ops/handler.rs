//! What a handler is: a function of a `Ctx` and its operation's typed input,
//! run on tokio's blocking pool when it is synchronous.

use crate::render;
use crate::request::Request;
use axum::response::Response;
use laminar_lambda::{LambdaService, Scope};
use laminar_model::{ApiError, ErrorKind};
use serde::Serialize;
use std::future::Future;

pub type OpResult = Result<Response, ApiError>;

/// What a handler gets besides its input.
pub struct Ctx {
    pub service: LambdaService,
    pub scope: Scope,
    /// The model's status for a successful answer.
    pub status: u16,
}

impl Ctx {
    /// The answer as JSON, with the operation's success status.
    pub fn json<T: Serialize>(&self, out: &T) -> OpResult {
        Ok(render::json(self.status, out))
    }

    /// An empty answer with the operation's success status.
    pub fn empty(&self) -> OpResult {
        Ok(render::empty(self.status))
    }
}

/// Runs on tokio's blocking pool: the service commits to SQLite
/// (`synchronous=FULL`) inside these calls, which must not stall a worker.
pub struct Blocking;
/// Awaited in place: invokes, streams and code uploads are async themselves.
pub struct Async;

/// A handler: a plain function (run on the blocking pool) or an async one.
pub trait Handler<I, Kind> {
    fn call(self, ctx: Ctx, input: I) -> impl Future<Output = OpResult> + Send;
}

impl<I, F> Handler<I, Blocking> for F
where
    I: Send + 'static,
    F: FnOnce(Ctx, I) -> OpResult + Send + 'static,
{
    async fn call(self, ctx: Ctx, input: I) -> OpResult {
        laminar_db::blocking(move || self(ctx, input))
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

pub async fn run<I, Kind>(req: Request, handler: impl Handler<I, Kind>, input: I) -> OpResult {
    let ctx = Ctx {
        service: req.service,
        scope: req.scope,
        status: req.parts.matched.success_status,
    };
    handler.call(ctx, input).await
}

pub fn not_implemented(operation: &str) -> ApiError {
    ApiError::new(
        ErrorKind::NotImplemented,
        format!("laminar does not implement {operation} yet."),
    )
}
