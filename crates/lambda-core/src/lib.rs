//! What every part of the Lambda service shares and nothing runs in the
//! background: the registry of functions (in memory, written through to the
//! store), account-level objects, names and their resolution to a version,
//! paging, the clock, and the checks the API model asks for.
//!
//! The invoke path (`laminar-invoke`), the engines (asynchronous queue,
//! event sources, durable executions) and the control plane
//! (`laminar-lambda`) all build on this crate; it imports none of them.

pub mod blocking;
pub mod checks;
pub mod clock;
pub mod grants;
pub mod naming;
pub mod objects;
pub mod page;
pub mod registry;
pub mod resolve;
pub mod tags;

use laminar_model::ApiError;

pub type ApiResult<T> = Result<T, ApiError>;
