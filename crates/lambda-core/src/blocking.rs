//! Changes reached from async code run on tokio's blocking pool: the store
//! commits them with `synchronous=FULL`, and an fsync must not stall an
//! async worker (the store checks it in debug builds).

use crate::ApiResult;
use laminar_model::ApiError;

/// Runs `work` (a change that commits before it returns) on a blocking
/// thread and answers what it answers. Start no process inside `work` (see
/// [`laminar_store::blocking`]).
pub async fn off_worker<T, F>(work: F) -> ApiResult<T>
where
    F: FnOnce() -> ApiResult<T> + Send + 'static,
    T: Send + 'static,
{
    laminar_store::blocking(work)
        .await
        .map_err(|e| ApiError::service(format!("laminar could not finish the change: {e}")))?
}
