//! Lambda's tables in the shared database, as migration steps.

use laminar_db::Schema;

/// Step 1 is the schema laminar created before versions were recorded
/// (`IF NOT EXISTS` throughout), so a data directory made then opens as is.
const STEP_1: &str = "
CREATE TABLE IF NOT EXISTS functions (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    name    TEXT NOT NULL,
    record  TEXT NOT NULL,
    PRIMARY KEY (account, region, name)
);
CREATE TABLE IF NOT EXISTS layer_versions (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    name    TEXT NOT NULL,
    version INTEGER NOT NULL,
    record  TEXT NOT NULL,
    PRIMARY KEY (account, region, name, version)
);
CREATE TABLE IF NOT EXISTS layer_names (
    account      TEXT NOT NULL,
    region       TEXT NOT NULL,
    name         TEXT NOT NULL,
    last_version INTEGER NOT NULL,
    PRIMARY KEY (account, region, name)
);
CREATE TABLE IF NOT EXISTS async_events (
    id     TEXT PRIMARY KEY,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS objects (
    kind    TEXT NOT NULL,
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    id      TEXT NOT NULL,
    record  TEXT NOT NULL,
    PRIMARY KEY (kind, account, region, id)
);
CREATE TABLE IF NOT EXISTS durable_executions (
    arn  TEXT PRIMARY KEY,
    body TEXT NOT NULL
);
";

pub(crate) const LAMBDA: Schema = Schema {
    owner: "lambda",
    steps: &[STEP_1],
};
