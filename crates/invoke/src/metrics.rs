//! The metrics Lambda publishes in `AWS/Lambda`, measured on the invoke
//! path (and reported by the engines through [`Invoker::metrics`]). Each
//! value goes to CloudWatch's in-memory recorder, which folds it per minute
//! and writes batches, so the hot path takes one lock per value and no
//! SQLite write.
//!
//! Every value is published account-wide (no dimensions), by
//! `FunctionName`, and for a qualified invoke by `FunctionName` +
//! `Resource` (`name:qualifier`); an invoke of an alias also by
//! `FunctionName` + `Resource` + `ExecutedVersion` (the version the alias
//! routed to), as AWS does.
//!
//! [`Invoker::metrics`]: crate::Invoker::metrics

use laminar_cloudwatch::{CloudWatchService, Dimension, MetricKey, Scope};
use laminar_store::FunctionKey;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const NAMESPACE: &str = "AWS/Lambda";

/// An account and region, a function of it (`None`: all of them) and a
/// qualifier of that function (`None`: all of them).
type RunningKey = (String, String, Option<String>, Option<String>);

type Counts = Arc<Mutex<HashMap<RunningKey, u32>>>;

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
    /// Running invocations per account, function and qualifier, for
    /// ConcurrentExecutions.
    running: Counts,
    /// Provisioned environments serving an invocation now, per
    /// configuration (function and qualifier), for
    /// ProvisionedConcurrentExecutions.
    provisioned_busy: Counts,
}

/// Counts one invocation (running, or on a provisioned environment) until
/// dropped.
pub struct Running {
    counts: Counts,
    keys: Vec<RunningKey>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let mut counts = lock(&self.counts);
        for key in &self.keys {
            if let Some(n) = counts.get_mut(key) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    counts.remove(key);
                }
            }
        }
    }
}

fn lock(counts: &Counts) -> std::sync::MutexGuard<'_, HashMap<RunningKey, u32>> {
    counts.lock().unwrap_or_else(|e| e.into_inner())
}

/// Adds one to each key; answers the new counts, in order.
fn bump(counts: &Counts, keys: &[RunningKey]) -> Vec<u32> {
    let mut counts = lock(counts);
    keys.iter()
        .map(|key| {
            let n = counts.entry(key.clone()).or_insert(0);
            *n += 1;
            *n
        })
        .collect()
}

fn now_s() -> i64 {
    chrono::Utc::now().timestamp()
}

fn dim(name: &str, value: &str) -> Dimension {
    Dimension {
        name: name.into(),
        value: value.into(),
    }
}

/// The dimension sets a value of `subject` is published under: none
/// (account-wide), `FunctionName`, then for a qualified invoke
/// `FunctionName` + `Resource`, and for an alias's invoke
/// `FunctionName` + `Resource` + `ExecutedVersion`.
fn dimension_sets(subject: Subject<'_>) -> Vec<Vec<Dimension>> {
    let name = &subject.function.name;
    let by_name = vec![dim("FunctionName", name)];
    let mut sets = vec![Vec::new(), by_name.clone()];
    if let Some(q) = subject.qualifier {
        let mut by_resource = by_name;
        by_resource.push(dim("Resource", &format!("{name}:{q}")));
        // A version invoked as itself has nothing else to say.
        if let Some(v) = subject.executed_version.filter(|v| *v != q) {
            let mut by_version = by_resource.clone();
            by_version.push(dim("ExecutedVersion", v));
            sets.push(by_version);
        }
        sets.push(by_resource);
    }
    sets
}

impl LambdaMetrics {
    pub fn new(cloudwatch: CloudWatchService) -> Self {
        Self {
            cloudwatch,
            running: Arc::default(),
            provisioned_busy: Arc::default(),
        }
    }

    pub fn cloudwatch(&self) -> &CloudWatchService {
        &self.cloudwatch
    }

    fn record(
        &self,
        function: &FunctionKey,
        dims: Vec<Dimension>,
        name: &str,
        unit: &str,
        value: f64,
    ) {
        let scope = Scope::new(&function.account, &function.region);
        let key = MetricKey::new(NAMESPACE, name, dims);
        self.cloudwatch.record(&scope, &key, unit, now_s(), value);
    }

    /// One value of `name` for `subject`, under each of its dimension sets.
    pub fn put(&self, subject: Subject<'_>, name: &str, unit: &str, value: f64) {
        for dims in dimension_sets(subject) {
            self.record(subject.function, dims, name, unit, value);
        }
    }

    /// An invocation starts: ConcurrentExecutions is the number running
    /// now (read with the Maximum statistic) account-wide, of the function
    /// and of the qualifier invoked; UnreservedConcurrentExecutions
    /// (account-wide) the number on unreserved concurrency, when this one is.
    pub fn started(&self, subject: Subject<'_>, unreserved_running: Option<u32>) -> Running {
        let f = subject.function;
        let key = |function: Option<&str>, qualifier: Option<&str>| {
            (
                f.account.clone(),
                f.region.clone(),
                function.map(str::to_string),
                qualifier.map(str::to_string),
            )
        };
        let mut keys = vec![key(None, None), key(Some(&f.name), None)];
        if let Some(q) = subject.qualifier {
            keys.push(key(Some(&f.name), Some(q)));
        }
        let counts = bump(&self.running, &keys);
        let by_name = vec![dim("FunctionName", &f.name)];
        let mut sets = vec![Vec::new(), by_name.clone()];
        if let Some(q) = subject.qualifier {
            let mut by_resource = by_name;
            by_resource.push(dim("Resource", &format!("{}:{q}", f.name)));
            sets.push(by_resource);
        }
        for (dims, n) in sets.into_iter().zip(counts) {
            self.record(f, dims, "ConcurrentExecutions", "Count", f64::from(n));
        }
        if let Some(n) = unreserved_running {
            self.record(
                f,
                Vec::new(),
                "UnreservedConcurrentExecutions",
                "Count",
                f64::from(n),
            );
        }
        Running {
            counts: self.running.clone(),
            keys,
        }
    }

    /// An invocation of a qualifier with provisioned concurrency
    /// (`allocated` environments initialized): on one of its provisioned
    /// environments (ProvisionedConcurrencyInvocations, counted busy until
    /// the answer is dropped) or spilled over to standard concurrency
    /// (ProvisionedConcurrencySpilloverInvocations). Either way the number
    /// of provisioned environments busy now (ProvisionedConcurrentExecutions)
    /// and its share of `allocated` (ProvisionedConcurrencyUtilization).
    pub fn provisioned_invoke(
        &self,
        subject: Subject<'_>,
        on_provisioned: bool,
        allocated: u32,
    ) -> Option<Running> {
        let qualifier = subject.qualifier?;
        let f = subject.function;
        let key = (
            f.account.clone(),
            f.region.clone(),
            Some(f.name.clone()),
            Some(qualifier.to_string()),
        );
        let (busy, guard) = if on_provisioned {
            self.put(subject, "ProvisionedConcurrencyInvocations", "Count", 1.0);
            let busy = bump(&self.provisioned_busy, std::slice::from_ref(&key));
            let guard = Running {
                counts: self.provisioned_busy.clone(),
                keys: vec![key],
            };
            (busy.first().copied().unwrap_or(1), Some(guard))
        } else {
            self.put(
                subject,
                "ProvisionedConcurrencySpilloverInvocations",
                "Count",
                1.0,
            );
            let busy = lock(&self.provisioned_busy).get(&key).copied().unwrap_or(0);
            (busy, None)
        };
        self.put(
            subject,
            "ProvisionedConcurrentExecutions",
            "Count",
            f64::from(busy),
        );
        if allocated > 0 {
            let share = f64::from(busy) / f64::from(allocated);
            self.put(
                subject,
                "ProvisionedConcurrencyUtilization",
                "None",
                share.min(1.0),
            );
        }
        guard
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

#[cfg(test)]
mod tests {
    use super::*;

    fn names(sets: Vec<Vec<Dimension>>) -> Vec<Vec<String>> {
        sets.into_iter()
            .map(|set| {
                set.into_iter()
                    .map(|d| format!("{}={}", d.name, d.value))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn executed_version_only_for_an_alias() {
        let function = FunctionKey {
            account: "123456789012".into(),
            region: "us-east-1".into(),
            name: "f".into(),
        };
        let of = |qualifier, executed_version| {
            names(dimension_sets(Subject {
                function: &function,
                qualifier,
                executed_version,
            }))
        };
        assert_eq!(
            of(None, Some("$LATEST")),
            vec![vec![], vec!["FunctionName=f".to_string()]]
        );
        assert_eq!(
            of(Some("3"), Some("3")),
            vec![
                vec![],
                vec!["FunctionName=f".to_string()],
                vec!["FunctionName=f".into(), "Resource=f:3".into()]
            ]
        );
        assert_eq!(
            of(Some("live"), Some("3"))[2],
            vec![
                "FunctionName=f".to_string(),
                "Resource=f:live".into(),
                "ExecutedVersion=3".into()
            ]
        );
    }
}
