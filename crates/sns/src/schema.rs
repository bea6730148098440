//! The sns_* tables. `sns_deliveries` is the outbox: one row per matching
//! subscription of a published message, written in the publish's
//! transaction and removed once the target accepted it.

use laminar_db::Schema;

const STEP_1: &str = "
CREATE TABLE sns_topics (
    arn            TEXT PRIMARY KEY,
    account        TEXT NOT NULL,
    region         TEXT NOT NULL,
    name           TEXT NOT NULL,
    attributes     TEXT NOT NULL DEFAULT '{}',
    tags           TEXT NOT NULL DEFAULT '{}',
    next_sequence  INTEGER NOT NULL DEFAULT 1,
    created_ms     INTEGER NOT NULL
);
CREATE TABLE sns_subscriptions (
    arn            TEXT PRIMARY KEY,
    topic_arn      TEXT NOT NULL,
    owner          TEXT NOT NULL,
    protocol       TEXT NOT NULL,
    endpoint       TEXT NOT NULL,
    attributes     TEXT NOT NULL DEFAULT '{}',
    created_ms     INTEGER NOT NULL
);
CREATE INDEX sns_subscriptions_topic ON sns_subscriptions (topic_arn, created_ms);
-- FIFO topics: deduplication ids seen in the last five minutes.
CREATE TABLE sns_dedup (
    topic_arn      TEXT NOT NULL,
    dedup_id       TEXT NOT NULL,
    message_id     TEXT NOT NULL,
    sequence       TEXT NOT NULL,
    seen_ms        INTEGER NOT NULL,
    PRIMARY KEY (topic_arn, dedup_id)
);
CREATE TABLE sns_deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_arn TEXT NOT NULL,
    protocol         TEXT NOT NULL,
    endpoint         TEXT NOT NULL,
    raw              INTEGER NOT NULL,
    notification     TEXT NOT NULL,
    created_ms       INTEGER NOT NULL
);
";

/// Step 2: http/https subscriptions wait for ConfirmSubscription; `token`
/// is their confirmation token, NULL once confirmed (and for every other
/// protocol).
const STEP_2: &str = "
ALTER TABLE sns_subscriptions ADD COLUMN token TEXT;
";

pub(crate) const SNS: Schema = Schema {
    owner: "sns",
    steps: &[STEP_1, STEP_2],
};
