//! The iam_* tables (and the STS sessions, sts_sessions). Names of roles,
//! users and policies are unique without regard to case, as in IAM.

use laminar_db::Schema;

const STEP_1: &str = "CREATE TABLE IF NOT EXISTS iam_roles (
        account TEXT NOT NULL,
        name TEXT NOT NULL COLLATE NOCASE,
        id TEXT NOT NULL,
        path TEXT NOT NULL,
        trust TEXT NOT NULL,
        description TEXT,
        max_session INTEGER NOT NULL,
        boundary TEXT,
        created TEXT NOT NULL,
        tags TEXT NOT NULL,
        PRIMARY KEY (account, name)
    );
    CREATE TABLE IF NOT EXISTS iam_users (
        account TEXT NOT NULL,
        name TEXT NOT NULL COLLATE NOCASE,
        id TEXT NOT NULL,
        path TEXT NOT NULL,
        created TEXT NOT NULL,
        tags TEXT NOT NULL,
        PRIMARY KEY (account, name)
    );
    CREATE TABLE IF NOT EXISTS iam_inline_policies (
        account TEXT NOT NULL,
        kind TEXT NOT NULL,
        owner TEXT NOT NULL COLLATE NOCASE,
        name TEXT NOT NULL COLLATE NOCASE,
        document TEXT NOT NULL,
        PRIMARY KEY (account, kind, owner, name)
    );
    CREATE TABLE IF NOT EXISTS iam_policies (
        account TEXT NOT NULL,
        name TEXT NOT NULL COLLATE NOCASE,
        arn TEXT NOT NULL UNIQUE,
        id TEXT NOT NULL,
        path TEXT NOT NULL,
        description TEXT,
        default_version TEXT NOT NULL,
        next_version INTEGER NOT NULL,
        created TEXT NOT NULL,
        updated TEXT NOT NULL,
        tags TEXT NOT NULL,
        PRIMARY KEY (account, name)
    );
    CREATE TABLE IF NOT EXISTS iam_policy_versions (
        arn TEXT NOT NULL,
        version TEXT NOT NULL,
        document TEXT NOT NULL,
        created TEXT NOT NULL,
        PRIMARY KEY (arn, version)
    );
    CREATE TABLE IF NOT EXISTS iam_attachments (
        account TEXT NOT NULL,
        kind TEXT NOT NULL,
        owner TEXT NOT NULL COLLATE NOCASE,
        policy_arn TEXT NOT NULL,
        PRIMARY KEY (account, kind, owner, policy_arn)
    );
    CREATE TABLE IF NOT EXISTS iam_access_keys (
        key_id TEXT PRIMARY KEY,
        account TEXT NOT NULL,
        user TEXT NOT NULL COLLATE NOCASE,
        secret TEXT NOT NULL,
        status TEXT NOT NULL,
        created TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS sts_sessions (
        key_id TEXT PRIMARY KEY,
        secret TEXT NOT NULL,
        token TEXT NOT NULL,
        account TEXT NOT NULL,
        role_name TEXT NOT NULL,
        role_id TEXT NOT NULL,
        session_name TEXT NOT NULL,
        expires INTEGER NOT NULL,
        source_identity TEXT
    );";

/// Session policies passed to AssumeRole (a JSON array of documents).
const STEP_2: &str = "ALTER TABLE sts_sessions ADD COLUMN session_policies TEXT;";

/// Groups and their members (their policies are `kind = 'group'` rows of
/// the inline and attachment tables).
const STEP_3: &str = "CREATE TABLE IF NOT EXISTS iam_groups (
        account TEXT NOT NULL,
        name TEXT NOT NULL COLLATE NOCASE,
        id TEXT NOT NULL,
        path TEXT NOT NULL,
        created TEXT NOT NULL,
        PRIMARY KEY (account, name)
    );
    CREATE TABLE IF NOT EXISTS iam_group_members (
        account TEXT NOT NULL,
        group_name TEXT NOT NULL COLLATE NOCASE,
        user TEXT NOT NULL COLLATE NOCASE,
        PRIMARY KEY (account, group_name, user)
    );";

pub(crate) const IAM: Schema = Schema {
    owner: "iam",
    steps: &[STEP_1, STEP_2, STEP_3],
};
