//! The dynamodb_* tables. A table's definition (key schema, indexes,
//! throughput, stream) is one JSON document in the model's shapes; items are
//! keyed by (table, hash key, range key) in their encoded forms, so a lookup
//! by primary key is one index probe.

use laminar_db::Schema;

const STEP_1: &str = "
CREATE TABLE dynamodb_tables (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    account        TEXT NOT NULL,
    region         TEXT NOT NULL,
    name           TEXT NOT NULL,
    definition     TEXT NOT NULL,
    tags           TEXT NOT NULL DEFAULT '[]',
    ttl_attribute  TEXT,
    UNIQUE (account, region, name)
);
CREATE TABLE dynamodb_items (
    table_id       INTEGER NOT NULL,
    hash_key       BLOB NOT NULL,
    range_key      BLOB NOT NULL,
    item           TEXT NOT NULL,
    size           INTEGER NOT NULL,
    PRIMARY KEY (table_id, hash_key, range_key)
) WITHOUT ROWID;
";

pub(crate) const DYNAMODB: Schema = Schema {
    owner: "dynamodb",
    steps: &[STEP_1],
};
