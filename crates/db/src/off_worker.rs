//! Work that blocks (an SQLite commit syncs the disk) kept off tokio's async
//! workers, and a way for a store to check it is.

use crate::DbError;
use std::cell::Cell;

thread_local! {
    /// Whether this thread runs [`blocking`] work right now.
    static OFF_WORKER: Cell<bool> = const { Cell::new(false) };
}

/// Runs `work` on tokio's blocking pool and waits for it, so that a commit
/// reached from async code never stalls an async worker. A panic in `work`
/// goes on in the caller.
///
/// Never start a process inside `work`: a blocking thread may end, and
/// `PR_SET_PDEATHSIG` follows the thread that spawned the child.
pub async fn blocking<T, F>(work: F) -> Result<T, DbError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    match tokio::task::spawn_blocking(move || marked(work)).await {
        Ok(out) => Ok(out),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(DbError::Cancelled),
    }
}

/// [`blocking`] for work that answers a `Result`, in the caller's error
/// type (a service's error converts from [`DbError`]).
pub async fn try_blocking<T, E, F>(work: F) -> Result<T, E>
where
    F: FnOnce() -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
{
    blocking(work).await.map_err(E::from)?
}

pub(crate) fn marked<T>(work: impl FnOnce() -> T) -> T {
    /// Clears the mark however `work` ends.
    struct Unmark(bool);
    impl Drop for Unmark {
        fn drop(&mut self) {
            OFF_WORKER.set(self.0);
        }
    }
    let _unmark = Unmark(OFF_WORKER.replace(true));
    work()
}

/// Whether this code runs inside a tokio task that is not [`blocking`]
/// work: an async task on a worker thread (or a blocking task started some
/// other way). Start-up code and tests that block on a runtime are not in a
/// task, so they answer `false`.
pub fn on_async_worker() -> bool {
    tokio::task::try_id().is_some() && !OFF_WORKER.get()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_spawned_task_is_on_a_worker_and_blocking_work_is_not() {
        let in_task = tokio::spawn(async { on_async_worker() }).await.unwrap();
        assert!(in_task);
        let in_blocking = tokio::spawn(async { blocking(on_async_worker).await.unwrap() })
            .await
            .unwrap();
        assert!(!in_blocking);
        let after = tokio::spawn(async {
            blocking(|| ()).await.unwrap();
            on_async_worker()
        });
        assert!(after.await.unwrap());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn code_blocking_on_a_runtime_is_not_in_a_task() {
        assert!(!on_async_worker());
    }

    #[test]
    fn code_outside_a_runtime_is_not_on_a_worker() {
        assert!(!on_async_worker());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_panic_in_blocking_work_reaches_the_caller() {
        let caught = tokio::spawn(async { blocking(|| panic!("boom")).await }).await;
        assert!(caught.is_err_and(|e| e.is_panic()));
    }
}
