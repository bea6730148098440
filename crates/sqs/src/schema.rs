//! The sqs_* tables. Messages are indexed by (queue, visible_at) so a
//! receive reads only the messages it can hand out.

use laminar_db::Schema;

/// Step 1 is the schema laminar created before versions were recorded.
const STEP_1: &str = "CREATE TABLE IF NOT EXISTS sqs_queues (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        region TEXT NOT NULL,
        account TEXT NOT NULL,
        name TEXT NOT NULL,
        attributes TEXT NOT NULL,
        tags TEXT NOT NULL,
        created INTEGER NOT NULL,
        modified INTEGER NOT NULL,
        UNIQUE (region, account, name)
    );
    CREATE TABLE IF NOT EXISTS sqs_messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        queue_id INTEGER NOT NULL,
        message_id TEXT NOT NULL,
        body TEXT NOT NULL,
        attributes TEXT NOT NULL,
        sent_at INTEGER NOT NULL,
        visible_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        receive_count INTEGER NOT NULL DEFAULT 0,
        first_received_at INTEGER,
        receipt TEXT,
        group_id TEXT,
        dedup_id TEXT
    );
    CREATE INDEX IF NOT EXISTS sqs_messages_visible ON sqs_messages (queue_id, visible_at, id);
    CREATE INDEX IF NOT EXISTS sqs_messages_expiry ON sqs_messages (queue_id, expires_at);
    CREATE INDEX IF NOT EXISTS sqs_messages_group ON sqs_messages (queue_id, group_id, receive_count);
    CREATE TABLE IF NOT EXISTS sqs_dedup (
        queue_id INTEGER NOT NULL,
        dedup_id TEXT NOT NULL,
        message_id TEXT NOT NULL,
        sequence TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (queue_id, dedup_id)
    );";

pub(crate) const SQS: Schema = Schema {
    owner: "sqs",
    steps: &[STEP_1],
};
