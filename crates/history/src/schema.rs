//! The `history_invocations` table: one row per recorded invocation, the
//! newest `--history` rows kept (ids only grow, so trimming keeps the top).

use laminar_db::Schema;

const STEP_1: &str = "
CREATE TABLE history_invocations (
    id                 INTEGER PRIMARY KEY,
    time_ms            INTEGER NOT NULL,
    request_id         TEXT NOT NULL,
    account            TEXT NOT NULL,
    region             TEXT NOT NULL,
    function           TEXT NOT NULL,
    qualifier          TEXT,
    version            TEXT NOT NULL,
    cold               INTEGER NOT NULL,
    init_duration_ms   REAL,
    duration_ms        REAL NOT NULL,
    billed_duration_ms INTEGER NOT NULL,
    memory_mb          INTEGER NOT NULL,
    max_memory_used_mb INTEGER NOT NULL,
    status             TEXT NOT NULL,
    error_type         TEXT,
    event_size         INTEGER NOT NULL,
    event              TEXT NOT NULL,
    response_size      INTEGER NOT NULL,
    response           TEXT NOT NULL,
    logs               TEXT NOT NULL,
    log_group          TEXT NOT NULL,
    log_stream         TEXT NOT NULL
);
CREATE INDEX history_invocations_function ON history_invocations (function, id);
CREATE INDEX history_invocations_request ON history_invocations (request_id);
";

pub(crate) const HISTORY: Schema = Schema {
    owner: "history",
    steps: &[STEP_1],
};
