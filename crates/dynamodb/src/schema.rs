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

/// Streams: one row per stream (a new one each time a table's stream is
/// enabled; `disabled_ms` set when it is turned off or its table deleted),
/// their records in one table numbered by a single counter (the sequence
/// numbers), and the pollers' checkpoints.
const STEP_2: &str = "
CREATE TABLE dynamodb_streams (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    table_id       INTEGER NOT NULL,
    account        TEXT NOT NULL,
    region         TEXT NOT NULL,
    table_name     TEXT NOT NULL,
    label          TEXT NOT NULL,
    view_type      TEXT NOT NULL,
    key_schema     TEXT NOT NULL,
    created_ms     INTEGER NOT NULL,
    start_seq      INTEGER NOT NULL,
    disabled_ms    INTEGER,
    end_seq        INTEGER,
    trimmed_seq    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (account, region, table_name, label)
);
CREATE INDEX dynamodb_streams_by_table ON dynamodb_streams (table_id);
CREATE TABLE dynamodb_stream_records (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_id      INTEGER NOT NULL,
    created_ms     INTEGER NOT NULL,
    record         TEXT NOT NULL
);
CREATE INDEX dynamodb_stream_records_by_stream ON dynamodb_stream_records (stream_id, seq);
CREATE TABLE dynamodb_stream_checkpoints (
    reader         TEXT NOT NULL,
    stream_id      INTEGER NOT NULL,
    sequence       TEXT,
    finished       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (reader, stream_id)
);
";

pub(crate) const DYNAMODB: Schema = Schema {
    owner: "dynamodb",
    steps: &[STEP_1, STEP_2],
};
