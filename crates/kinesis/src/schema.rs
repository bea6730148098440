//! The kinesis_* tables. A record's key is (shard row, per-shard counter):
//! the counter is what the 56-digit sequence number encodes.

use laminar_db::Schema;

const STEP_1: &str = "
CREATE TABLE kinesis_streams (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    account        TEXT NOT NULL,
    region         TEXT NOT NULL,
    name           TEXT NOT NULL,
    mode           TEXT NOT NULL,
    retention_hours INTEGER NOT NULL,
    created_ms     INTEGER NOT NULL,
    tags           TEXT NOT NULL DEFAULT '{}',
    next_shard     INTEGER NOT NULL,
    UNIQUE (account, region, name)
);
CREATE TABLE kinesis_shards (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_id      INTEGER NOT NULL,
    shard_index    INTEGER NOT NULL,
    parent         INTEGER,
    adjacent_parent INTEGER,
    start_hash     TEXT NOT NULL,
    end_hash       TEXT NOT NULL,
    created_ms     INTEGER NOT NULL,
    next_counter   INTEGER NOT NULL DEFAULT 1,
    closed_counter INTEGER,
    UNIQUE (stream_id, shard_index)
);
CREATE TABLE kinesis_records (
    shard          INTEGER NOT NULL,
    counter        INTEGER NOT NULL,
    partition_key  TEXT NOT NULL,
    data           BLOB NOT NULL,
    arrival_ms     INTEGER NOT NULL,
    PRIMARY KEY (shard, counter)
) WITHOUT ROWID;
CREATE INDEX kinesis_records_arrival ON kinesis_records (shard, arrival_ms);
-- Where a reader of the stream (an event source mapping, by an id of its
-- own) has got to in each shard, and whether it finished a closed shard.
CREATE TABLE kinesis_checkpoints (
    reader         TEXT NOT NULL,
    stream_id      INTEGER NOT NULL,
    shard_index    INTEGER NOT NULL,
    sequence       TEXT,
    finished       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (reader, stream_id, shard_index)
);
CREATE TABLE kinesis_consumers (
    stream_id      INTEGER NOT NULL,
    name           TEXT NOT NULL,
    created_ms     INTEGER NOT NULL,
    PRIMARY KEY (stream_id, name)
);
";

pub(crate) const KINESIS: Schema = Schema {
    owner: "kinesis",
    steps: &[STEP_1],
};
