//! Asynchronous invocation (`InvocationType=Event`): events accepted
//! durably (`queue`, the store's `async_events` table), run by a dispatcher
//! through the [`laminar_invoke::Invoker`] within the function's
//! concurrency, retried as AWS retries them, and their outcome sent to
//! destinations or a dead-letter queue (`destinations`, through SQS).
//!
//! Depends on the invoke path and the shared core, never on the control
//! plane (`laminar-lambda`).

mod destinations;
mod dispatcher;
mod queue;

pub use dispatcher::AsyncInvocations;
pub use laminar_lambda_core::ApiResult;
pub use queue::AsyncEvent;
