//! Amazon CloudWatch metrics, as much as local development needs:
//! PutMetricData (values, values with counts, statistic sets), ListMetrics,
//! GetMetricStatistics (statistics and percentiles) and GetMetricData
//! (metric stats). State lives in the shared SQLite database (owner
//! `cloudwatch`); this crate knows nothing of Lambda.
//!
//! Metrics measured inside laminar (Lambda's `AWS/Lambda` metrics, the
//! embedded metric format of function logs) go through [`CloudWatchService::record`]:
//! folded in memory per minute and written in batches by
//! [`CloudWatchService::flush`], which every read runs first.

mod emf;
mod error;
mod list;
mod put;
mod read;
mod recorder;
mod schema;
mod scope;
pub mod stats;
mod store;
pub mod types;

pub use emf::EmfValue;
pub use error::{CwError, CwResult};
pub use scope::Scope;
pub use store::MetricKey;
pub use types::Dimension;

use recorder::Recorder;
use std::sync::Arc;
use types::*;

/// The CloudWatch metrics service of one laminar instance. Cheap to clone.
#[derive(Clone)]
pub struct CloudWatchService {
    db: laminar_db::Db,
    recorder: Arc<Recorder>,
}

impl CloudWatchService {
    pub fn new(db: laminar_db::Db) -> CwResult<Self> {
        db.migrate(&schema::CLOUDWATCH)?;
        Ok(Self {
            db,
            recorder: Arc::new(Recorder::default()),
        })
    }

    pub fn put_metric_data(&self, scope: &Scope, input: &PutMetricDataInput) -> CwResult<()> {
        let points: Vec<_> = put::points(input)?
            .into_iter()
            .map(|(key, point)| (scope.clone(), key, point))
            .collect();
        self.db.call_blocking(|conn| store::write(conn, &points))
    }

    pub fn list_metrics(
        &self,
        scope: &Scope,
        input: &ListMetricsInput,
    ) -> CwResult<ListMetricsOutput> {
        self.flush()?;
        self.db
            .call_blocking(|conn| list::list_metrics(conn, scope, input))
    }

    pub fn get_metric_statistics(
        &self,
        scope: &Scope,
        input: &GetMetricStatisticsInput,
    ) -> CwResult<GetMetricStatisticsOutput> {
        self.flush()?;
        self.db
            .call_blocking(|conn| read::get_metric_statistics(conn, scope, input))
    }

    pub fn get_metric_data(
        &self,
        scope: &Scope,
        input: &GetMetricDataInput,
    ) -> CwResult<GetMetricDataOutput> {
        self.flush()?;
        self.db
            .call_blocking(|conn| read::get_metric_data(conn, scope, input))
    }

    /// One value measured inside laminar; never blocks on the database.
    pub fn record(&self, scope: &Scope, key: &MetricKey, unit: &str, ts_s: i64, value: f64) {
        self.recorder.record(scope, key, unit, ts_s, value);
    }

    /// Records the metrics of an embedded-metric-format log line; returns
    /// how many values it held.
    pub fn record_log_line(&self, scope: &Scope, line: &str, ts_ms: i64) -> usize {
        let values = emf::extract(line, ts_ms);
        for v in &values {
            self.recorder
                .record(scope, &v.key, &v.unit, v.ts_ms.div_euclid(1000), v.value);
        }
        values.len()
    }

    /// Writes what [`record`](Self::record) gathered, in one transaction.
    /// Blocking: call it off the async workers.
    pub fn flush(&self) -> CwResult<()> {
        let points = self.recorder.take();
        if points.is_empty() {
            return Ok(());
        }
        match self.db.call_blocking(|conn| store::write(conn, &points)) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.recorder.restore(points);
                Err(e)
            }
        }
    }
}
