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

/// The first laminar (ebb0c48) kept a function's package as `code_blob`
/// (the zip's hex SHA-256); since 63a3e00 it is `code`, tagged by kind.
const STEP_2: &str = "
UPDATE functions
SET record = json_set(
    json_remove(record, '$.code_blob'),
    '$.code',
    json_object('kind', 'zip', 'sha256_hex', json_extract(record, '$.code_blob'))
)
WHERE json_type(record, '$.code_blob') = 'text';
";

pub(crate) const LAMBDA: Schema = Schema {
    owner: "lambda",
    steps: &[STEP_1, STEP_2],
};

#[cfg(test)]
mod tests {
    use crate::Store;
    use std::path::Path;

    /// The tables as laminar created them before versions were recorded
    /// (`durable_executions` came later, from the Lambda service).
    const UNVERSIONED: &str = "
        CREATE TABLE functions (account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
            record TEXT NOT NULL, PRIMARY KEY (account, region, name));
        CREATE TABLE layer_versions (account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
            version INTEGER NOT NULL, record TEXT NOT NULL, PRIMARY KEY (account, region, name, version));
        CREATE TABLE layer_names (account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
            last_version INTEGER NOT NULL, PRIMARY KEY (account, region, name));
        CREATE TABLE async_events (id TEXT PRIMARY KEY, record TEXT NOT NULL);
        CREATE TABLE objects (kind TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL,
            id TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (kind, account, region, id));
        INSERT INTO async_events (id, record) VALUES ('queued', '{}');
    ";

    fn make_unversioned(dir: &Path) {
        let conn = rusqlite::Connection::open(dir.join("laminar.db")).unwrap();
        conn.execute_batch(UNVERSIONED).unwrap();
    }

    #[test]
    fn a_data_directory_from_before_versions_opens_and_carries_on() {
        let dir = tempfile::tempdir().unwrap();
        make_unversioned(dir.path());
        let store = Store::open(laminar_db::Db::open(Some(dir.path())).unwrap()).unwrap();
        assert_eq!(
            store.db.all_events().unwrap(),
            vec![("queued".to_string(), "{}".to_string())]
        );
        store.db.put_durable_execution("arn:x", "{}").unwrap();
        drop(store);
        let store = Store::open(laminar_db::Db::open(Some(dir.path())).unwrap()).unwrap();
        assert_eq!(store.db.all_durable_executions().unwrap().len(), 1);
        assert_eq!(store.db.all_events().unwrap().len(), 1);
    }
}
