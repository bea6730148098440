//! The events_* tables. `events_deliveries` is the outbox: one row per
//! target of a matching rule, written in PutEvents' transaction (or a
//! schedule's firing) and removed once the target accepted it.

use laminar_db::Schema;

const STEP_1: &str = "
CREATE TABLE events_buses (
    arn            TEXT PRIMARY KEY,
    account        TEXT NOT NULL,
    region         TEXT NOT NULL,
    name           TEXT NOT NULL,
    description    TEXT,
    created_ms     INTEGER NOT NULL,
    modified_ms    INTEGER NOT NULL
);
CREATE INDEX events_buses_scope ON events_buses (account, region, name);
CREATE TABLE events_rules (
    arn            TEXT PRIMARY KEY,
    account        TEXT NOT NULL,
    region         TEXT NOT NULL,
    bus            TEXT NOT NULL,
    name           TEXT NOT NULL,
    event_pattern  TEXT,
    schedule       TEXT,
    state          TEXT NOT NULL,
    description    TEXT,
    role_arn       TEXT,
    created_ms     INTEGER NOT NULL,
    -- A schedule's next firing (epoch ms); NULL for pattern rules and disabled ones.
    next_fire_ms   INTEGER
);
CREATE INDEX events_rules_bus ON events_rules (account, region, bus, name);
CREATE INDEX events_rules_due ON events_rules (next_fire_ms);
CREATE TABLE events_targets (
    rule_arn       TEXT NOT NULL,
    id             TEXT NOT NULL,
    position       INTEGER NOT NULL,
    target         TEXT NOT NULL,
    PRIMARY KEY (rule_arn, id)
);
CREATE TABLE events_tags (
    arn            TEXT NOT NULL,
    key            TEXT NOT NULL,
    value          TEXT NOT NULL,
    PRIMARY KEY (arn, key)
);
CREATE TABLE events_deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_arn         TEXT NOT NULL,
    target_id        TEXT NOT NULL,
    target_arn       TEXT NOT NULL,
    payload          TEXT NOT NULL,
    message_group_id TEXT,
    created_ms       INTEGER NOT NULL
);
";

pub(crate) const EVENTS: Schema = Schema {
    owner: "events",
    steps: &[STEP_1],
};
