//! The metrics Lambda publishes in `AWS/Lambda`, measured on the invoke
//! path (and reported by the engines through [`Invoker::metrics`]). Each
//! value goes to CloudWatch's in-memory recorder, which folds it per minute
//! and writes batches, so the hot path takes one lock per value and no
//! SQLite write.
//!
//! Every value is published account-wide (no dimensions), by
//! `FunctionName`, and for a qualified invoke by `FunctionName` +
//! `Resource` (`name:qualifier`) and `FunctionName` + `Resource` +
//! `ExecutedVersion`.
//!
//! [`Invoker::metrics`]: crate::Invoker::metrics

use laminar_cloudwatch::{CloudWatchService, Dimension, MetricKey, Scope};
use laminar_store::FunctionKey;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const NAMESPACE: &str = "AWS/Lambda";

/// An account and region, and a function of it (`None`: all of them).
type RunningKey = (String, String, Option<String>);

/// Which function (and qualifier, and version that ran) a value is of.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub function: &'a FunctionKey,
    pub qualifier: Option<&'a str>,
    pub executed_version: Option<&'a str>,
}

#[derive(Clone)]
pub struct LambdaMetrics {
    cloudwatch: CloudWatchService,
    /// Running invocations per function and per account, for
    /// ConcurrentExecutions.
    running: Arc<Mutex<HashMap<RunningKey, u32>>>,
}

/// Counts one running invocation until dropped.
pub struct Running {
    metrics: LambdaMetrics,
    keys: [RunningKey; 2],
}

impl Drop for Running {
    fn drop(&mut self) {
        let mut running = self.metrics.running();
        for key in &self.keys {
            if let Some(n) = running.get_mut(key) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    running.remove(key);
                }
            }
        }
    }
}

fn now_s() -> i64 {
    chrono::Utc::now().timestamp()
}

impl LambdaMetrics {
    pub fn new(cloudwatch: CloudWatchService) -> Self {
        Self {
            cloudwatch,
            running: Arc::default(),
        }
    }

    pub fn cloudwatch(&self) -> &CloudWatchService {
        &self.cloudwatch
    }

    fn running(&self) -> std::sync::MutexGuard<'_, HashMap<RunningKey, u32>> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One value of `name` for `subject`, under each of its dimension sets.
    pub fn put(&self, subject: Subject<'_>, name: &str, unit: &str, value: f64) {
        let f = subject.function;
        let scope = Scope::new(&f.account, &f.region);
        let ts = now_s();
        let dim = |name: &str, value: &str| Dimension {
            name: name.into(),
            value: value.into(),
        };
        let by_name = vec![dim("FunctionName", &f.name)];
        let mut sets = vec![Vec::new(), by_name.clone()];
        if let Some(q) = subject.qualifier {
            let mut by_resource = by_name;
            by_resource.push(dim("Resource", &format!("{}:{q}", f.name)));
            if let Some(v) = subject.executed_version {
                let mut by_version = by_resource.clone();
                by_version.push(dim("ExecutedVersion", v));
                sets.push(by_version);
            }
            sets.push(by_resource);
        }
        for dims in sets {
            let key = MetricKey::new(NAMESPACE, name, dims);
            self.cloudwatch.record(&scope, &key, unit, ts, value);
        }
    }

    /// An invocation starts: ConcurrentExecutions is the number running
    /// now (read with the Maximum statistic); UnreservedConcurrentExecutions
    /// (account-wide) the number on unreserved concurrency, when this one is.
    pub fn started(&self, function: &FunctionKey, unreserved_running: Option<u32>) -> Running {
        let (account, region) = (&function.account, &function.region);
        let keys = [
            (account.clone(), region.clone(), Some(function.name.clone())),
            (account.clone(), region.clone(), None),
        ];
        let (for_function, for_account) = {
            let mut running = self.running();
            let mut bump = |key: &RunningKey| {
                let n = running.entry(key.clone()).or_insert(0);
                *n += 1;
                *n
            };
            (bump(&keys[0]), bump(&keys[1]))
        };
        let scope = Scope::new(&function.account, &function.region);
        let ts = now_s();
        let by_name = MetricKey::new(
            NAMESPACE,
            "ConcurrentExecutions",
            vec![Dimension {
                name: "FunctionName".into(),
                value: function.name.clone(),
            }],
        );
        let account_wide = MetricKey::new(NAMESPACE, "ConcurrentExecutions", Vec::new());
        self.cloudwatch
            .record(&scope, &by_name, "Count", ts, f64::from(for_function));
        self.cloudwatch
            .record(&scope, &account_wide, "Count", ts, f64::from(for_account));
        if let Some(n) = unreserved_running {
            let unreserved =
                MetricKey::new(NAMESPACE, "UnreservedConcurrentExecutions", Vec::new());
            self.cloudwatch
                .record(&scope, &unreserved, "Count", ts, f64::from(n));
        }
        Running {
            metrics: self.clone(),
            keys,
        }
    }

    /// A finished invocation: Invocations, Errors (0 or 1) and Duration.
    pub fn invoked(&self, subject: Subject<'_>, error: bool, duration_ms: f64) {
        self.put(subject, "Invocations", "Count", 1.0);
        self.put(subject, "Errors", "Count", if error { 1.0 } else { 0.0 });
        self.put(subject, "Duration", "Milliseconds", duration_ms);
    }

    /// An invocation refused for lack of concurrency.
    pub fn throttled(&self, subject: Subject<'_>) {
        self.put(subject, "Throttles", "Count", 1.0);
    }
}
