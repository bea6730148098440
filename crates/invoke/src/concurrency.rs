//! Concurrency: each account's limit on concurrent executions, split into
//! the functions' reservations and the unreserved pool the rest share.

use laminar_model::{ApiError, ErrorKind};
use laminar_store::FunctionKey;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

/// The unreserved pool may not shrink below this (or the whole limit, if smaller).
const UNRESERVED_MINIMUM: u32 = 100;

pub struct AccountConcurrency {
    limit: u32,
    accounts: Mutex<HashMap<String, Account>>,
}

#[derive(Default)]
struct Account {
    unreserved_in_use: Arc<AtomicU32>,
    /// Function → its reservation and its running invocations.
    reserved: HashMap<FunctionKey, (u32, Arc<AtomicU32>)>,
}

impl Account {
    fn reserved_total(&self) -> u32 {
        self.reserved.values().map(|(n, _)| n).sum()
    }
}

/// One running invocation's share, returned on drop.
pub struct Lease {
    counter: Arc<AtomicU32>,
    /// The account's invocations running on unreserved concurrency once
    /// this one started (`None`: it runs on its function's reservation).
    pub unreserved_running: Option<u32>,
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.counter.fetch_sub(1, Ordering::AcqRel);
    }
}

fn take_one(counter: &Arc<AtomicU32>, limit: u32) -> Option<Lease> {
    counter
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
            (n < limit).then_some(n + 1)
        })
        .ok()
        .map(|_| Lease {
            counter: counter.clone(),
            unreserved_running: None,
        })
}

impl AccountConcurrency {
    pub fn new(limit: u32) -> Self {
        Self {
            limit,
            accounts: Mutex::new(HashMap::new()),
        }
    }

    fn accounts(&self) -> std::sync::MutexGuard<'_, HashMap<String, Account>> {
        self.accounts.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn limit(&self) -> u32 {
        self.limit
    }

    pub fn unreserved(&self, account: &str) -> u32 {
        let reserved = self
            .accounts()
            .get(account)
            .map_or(0, Account::reserved_total);
        self.limit.saturating_sub(reserved)
    }

    /// Sets (or with `None` removes) a function's reservation, keeping the
    /// unreserved pool at its minimum.
    pub fn reserve(
        &self,
        function: &FunctionKey,
        reservation: Option<u32>,
    ) -> Result<(), ApiError> {
        let mut accounts = self.accounts();
        let account = accounts.entry(function.account.clone()).or_default();
        let Some(n) = reservation else {
            account.reserved.remove(function);
            return Ok(());
        };
        let others: u32 = account
            .reserved
            .iter()
            .filter(|(k, _)| *k != function)
            .map(|(_, (n, _))| n)
            .sum();
        let minimum = UNRESERVED_MINIMUM.min(self.limit);
        if self.limit.saturating_sub(others.saturating_add(n)) < minimum {
            return Err(ApiError::invalid_parameter(format!(
                "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [{minimum}]."
            )));
        }
        let running = account
            .reserved
            .get(function)
            .map(|(_, c)| c.clone())
            .unwrap_or_default();
        account.reserved.insert(function.clone(), (n, running));
        Ok(())
    }

    /// A share for one invocation of `function`, or the throttle AWS answers.
    pub fn acquire(&self, function: &FunctionKey) -> Result<Lease, ApiError> {
        let mut accounts = self.accounts();
        let account = accounts.entry(function.account.clone()).or_default();
        if let Some((reserved, running)) = account.reserved.get(function) {
            return take_one(running, *reserved).ok_or_else(|| {
                ApiError::new(ErrorKind::TooManyRequests, "Rate Exceeded.")
                    .with_reason("ReservedFunctionConcurrentInvocationLimitExceeded")
            });
        }
        let unreserved = self.limit.saturating_sub(account.reserved_total());
        let lease = take_one(&account.unreserved_in_use, unreserved).map(|mut lease| {
            lease.unreserved_running = Some(account.unreserved_in_use.load(Ordering::Acquire));
            lease
        });
        lease.ok_or_else(|| {
            ApiError::new(ErrorKind::TooManyRequests, "Rate Exceeded.")
                .with_reason("ConcurrentInvocationLimitExceeded")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> FunctionKey {
        FunctionKey {
            account: "000000000000".into(),
            region: "us-east-1".into(),
            name: name.into(),
        }
    }

    #[test]
    fn leases_are_bounded_and_returned() {
        let c = AccountConcurrency::new(2);
        let a = c.acquire(&key("f")).unwrap();
        let _b = c.acquire(&key("g")).unwrap();
        let err = c.acquire(&key("f")).err().unwrap();
        assert_eq!(err.kind, ErrorKind::TooManyRequests);
        assert_eq!(err.reason, Some("ConcurrentInvocationLimitExceeded"));
        drop(a);
        assert!(c.acquire(&key("f")).is_ok());
    }

    #[test]
    fn reservations_are_enforced_and_bounded() {
        let c = AccountConcurrency::new(1000);
        c.reserve(&key("zero"), Some(0)).unwrap();
        let err = c.acquire(&key("zero")).err().unwrap();
        assert_eq!(
            err.reason,
            Some("ReservedFunctionConcurrentInvocationLimitExceeded")
        );
        c.reserve(&key("one"), Some(1)).unwrap();
        let _held = c.acquire(&key("one")).unwrap();
        assert!(c.acquire(&key("one")).is_err());
        assert_eq!(c.unreserved("000000000000"), 999);
        let too_much = c.reserve(&key("big"), Some(950)).unwrap_err();
        assert_eq!(too_much.kind, ErrorKind::InvalidParameterValue);
        c.reserve(&key("one"), None).unwrap();
        assert_eq!(c.unreserved("000000000000"), 1000);
    }
}
