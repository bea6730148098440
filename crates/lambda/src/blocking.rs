//! Disk work called from async code that cannot easily move to a blocking
//! task (it runs under a lock, inside a read-check-write change).

/// Runs `work`, telling tokio's multi-threaded runtime that this worker
/// will block for a while (an SQLite commit that syncs the disk), so that
/// the worker's other tasks move to another thread meanwhile. Outside such
/// a runtime (tests, a single-threaded runtime) it simply runs `work`.
pub(crate) fn disk<R>(work: impl FnOnce() -> R) -> R {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn runs_on_workers_and_on_blocking_threads() {
        assert_eq!(disk(|| 1), 1);
        let from_blocking = tokio::task::spawn_blocking(|| disk(|| 2)).await.unwrap();
        assert_eq!(from_blocking, 2);
    }

    #[tokio::test]
    async fn runs_on_a_single_threaded_runtime() {
        assert_eq!(disk(|| 3), 3);
    }

    #[test]
    fn runs_outside_any_runtime() {
        assert_eq!(disk(|| 4), 4);
    }
}
