//! Metrics recorded from inside laminar (Lambda's, and embedded metric
//! format log lines): kept in memory per metric, unit and minute, and
//! written in one transaction by [`crate::CloudWatchService::flush`], so a
//! burst of invocations costs a map update each, not a commit each.

use crate::scope::Scope;
use crate::stats::Point;
use crate::store::MetricKey;
use std::collections::HashMap;
use std::sync::Mutex;

type Slot = (Scope, MetricKey, String, i64);

#[derive(Default)]
pub struct Recorder {
    pending: Mutex<HashMap<Slot, Point>>,
}

/// Above this many pending slots a record is dropped (the flusher is
/// behind); the count is logged once it catches up.
const MAX_SLOTS: usize = 100_000;

impl Recorder {
    /// One value of `key` at `ts_s` (epoch seconds), folded into its minute.
    pub fn record(&self, scope: &Scope, key: &MetricKey, unit: &str, ts_s: i64, value: f64) {
        if !value.is_finite() {
            return;
        }
        let minute = ts_s - ts_s.rem_euclid(60);
        let point = Point::value(minute, unit, value, 1.0);
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let slot = (scope.clone(), key.clone(), unit.to_string(), minute);
        if let Some(existing) = pending.get_mut(&slot) {
            existing.fold(&point);
        } else if pending.len() < MAX_SLOTS {
            pending.insert(slot, point);
        } else {
            tracing::warn!(metric = %key.name, "too many unwritten metrics: a value was dropped");
        }
    }

    /// Everything recorded since the last take, values merged by value.
    pub fn take(&self) -> Vec<(Scope, MetricKey, Point)> {
        let pending = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()));
        pending
            .into_iter()
            .map(|((scope, key, _, _), mut point)| {
                if let Some(samples) = point.samples.as_mut() {
                    compact(samples);
                }
                (scope, key, point)
            })
            .collect()
    }

    /// Puts back what could not be written.
    pub fn restore(&self, points: Vec<(Scope, MetricKey, Point)>) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        for (scope, key, point) in points {
            let slot = (scope, key, point.unit.clone(), point.ts);
            match pending.get_mut(&slot) {
                Some(existing) => existing.fold(&point),
                None => {
                    pending.insert(slot, point);
                }
            }
        }
    }
}

/// Sorts the samples and merges equal values.
fn compact(samples: &mut Vec<(f64, f64)>) {
    samples.sort_by(|a, b| a.0.total_cmp(&b.0));
    samples.dedup_by(|later, kept| {
        if later.0 == kept.0 {
            kept.1 += later.1;
            true
        } else {
            false
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_fold_per_minute() {
        let recorder = Recorder::default();
        let scope = Scope::new("123456789012", "us-east-1");
        let key = MetricKey::new("AWS/Lambda", "Invocations", vec![]);
        recorder.record(&scope, &key, "Count", 120, 1.0);
        recorder.record(&scope, &key, "Count", 179, 1.0);
        recorder.record(&scope, &key, "Count", 180, 1.0);
        let mut taken = recorder.take();
        taken.sort_by_key(|(_, _, p)| p.ts);
        assert_eq!(taken.len(), 2);
        assert_eq!(taken[0].2.ts, 120);
        assert_eq!(taken[0].2.sum, 2.0);
        assert_eq!(taken[0].2.samples, Some(vec![(1.0, 2.0)]));
        assert_eq!(taken[1].2.ts, 180);
        assert!(recorder.take().is_empty());
    }
}
