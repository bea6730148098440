//! The cloudwatch_* tables: one row per metric (namespace, name and its
//! dimensions, sorted by name, as JSON), and its data points. A data point
//! row holds a statistic set and, when the raw values are known, the values
//! with their counts (`samples`, JSON `[[value, count], …]`) for percentiles.
//! Lambda's metrics arrive one row per metric and minute.

use laminar_db::Schema;

const STEP_1: &str = "
CREATE TABLE cloudwatch_metrics (
    id           INTEGER PRIMARY KEY,
    account      TEXT NOT NULL,
    region       TEXT NOT NULL,
    namespace    TEXT NOT NULL,
    name         TEXT NOT NULL,
    dimensions   TEXT NOT NULL,
    last_ts      INTEGER NOT NULL,
    UNIQUE (account, region, namespace, name, dimensions)
);
CREATE TABLE cloudwatch_data (
    metric_id    INTEGER NOT NULL,
    ts           INTEGER NOT NULL,
    unit         TEXT NOT NULL,
    count        REAL NOT NULL,
    sum          REAL NOT NULL,
    min          REAL NOT NULL,
    max          REAL NOT NULL,
    samples      TEXT
);
CREATE INDEX cloudwatch_data_metric ON cloudwatch_data (metric_id, ts);
";

pub(crate) const CLOUDWATCH: Schema = Schema {
    owner: "cloudwatch",
    steps: &[STEP_1],
};
