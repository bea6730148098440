//! The s3_* tables, as migration steps: buckets and objects (`lib`), and
//! multipart uploads with their parts (`multipart`), notification
//! configurations and their outbox (`notification`, `events`).

use laminar_db::Schema;

/// Step 1 is the schema laminar created before versions were recorded.
const STEP_1: &str = "
CREATE TABLE IF NOT EXISTS s3_buckets (
    name       TEXT PRIMARY KEY,
    account    TEXT NOT NULL,
    region     TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS s3_objects (
    bucket           TEXT NOT NULL,
    key              TEXT NOT NULL,
    size             INTEGER NOT NULL,
    etag             TEXT NOT NULL,
    content_type     TEXT NOT NULL,
    last_modified_ms INTEGER NOT NULL,
    metadata         TEXT NOT NULL,
    headers          TEXT NOT NULL,
    file             TEXT NOT NULL,
    PRIMARY KEY (bucket, key)
);
CREATE TABLE IF NOT EXISTS s3_uploads (
    upload_id    TEXT PRIMARY KEY,
    bucket       TEXT NOT NULL,
    key          TEXT NOT NULL,
    content_type TEXT,
    metadata     TEXT NOT NULL,
    headers      TEXT NOT NULL,
    created_ms   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS s3_parts (
    upload_id   TEXT NOT NULL,
    part_number INTEGER NOT NULL,
    size        INTEGER NOT NULL,
    etag        TEXT NOT NULL,
    file        TEXT NOT NULL,
    PRIMARY KEY (upload_id, part_number)
);
";

/// Step 2: event notifications — each bucket's configuration (JSON), the
/// outbox of notifications waiting for delivery, and the last sequencer.
const STEP_2: &str = "
CREATE TABLE s3_notification_configs (
    bucket TEXT PRIMARY KEY,
    config TEXT NOT NULL
);
CREATE TABLE s3_notifications (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL,
    target     TEXT NOT NULL,
    bucket     TEXT NOT NULL,
    account    TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE TABLE s3_sequencer (
    last INTEGER NOT NULL
);
";

pub(crate) const S3: Schema = Schema {
    owner: "s3",
    steps: &[STEP_1, STEP_2],
};
