//! The account's concurrent-execution limit.

use laminar_model::{ApiError, ErrorKind};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

pub(crate) struct AccountConcurrency {
    limit: u32,
    in_use: Arc<AtomicU32>,
}

/// One running invocation's share of the limit, returned on drop.
pub(crate) struct Lease {
    in_use: Arc<AtomicU32>,
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.in_use.fetch_sub(1, Ordering::AcqRel);
    }
}

impl AccountConcurrency {
    pub(crate) fn new(limit: u32) -> Self {
        Self {
            limit,
            in_use: Arc::new(AtomicU32::new(0)),
        }
    }

    pub(crate) fn limit(&self) -> u32 {
        self.limit
    }

    pub(crate) fn acquire(&self) -> Result<Lease, ApiError> {
        let taken = self
            .in_use
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.limit).then_some(n + 1)
            });
        match taken {
            Ok(_) => Ok(Lease {
                in_use: self.in_use.clone(),
            }),
            Err(_) => Err(ApiError::new(ErrorKind::TooManyRequests, "Rate Exceeded.")
                .with_reason("ConcurrentInvocationLimitExceeded")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leases_are_bounded_and_returned() {
        let c = AccountConcurrency::new(2);
        let a = c.acquire().unwrap();
        let _b = c.acquire().unwrap();
        let err = c.acquire().err().unwrap();
        assert_eq!(err.kind, ErrorKind::TooManyRequests);
        assert_eq!(err.reason, Some("ConcurrentInvocationLimitExceeded"));
        drop(a);
        assert!(c.acquire().is_ok());
    }
}
