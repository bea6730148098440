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
CREATE TABLE IF NOT EXISTS failed_async_events (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    function TEXT NOT NULL,
    record   TEXT NOT NULL
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

    /// A record as the first laminar (ebb0c48) wrote it (its fixture in
    /// tests/python/fixtures/data-dir-ebb0c48).
    const FIRST_RECORD: &str = r#"{"config":{"FunctionName":"from-the-first-laminar","FunctionArn":"arn:aws:lambda:us-east-1:000000000000:function:from-the-first-laminar","Runtime":"python3.12","Role":"arn:aws:iam::000000000000:role/lambda-role","Handler":"app.handler","CodeSize":205,"Description":"made by laminar ebb0c48","Timeout":10,"MemorySize":256,"LastModified":"2026-12-01T05:12:46.196+0000","CodeSha256":"Th0WmrVMFhUabICRK8L0lvKJ9ADIPcEDuwFQVlfs5fk=","Version":"$LATEST","Environment":{"Variables":{"COLOUR":"amber"}},"TracingConfig":{"Mode":"PassThrough"},"RevisionId":"14f2fe15-ae7f-433b-9f3b-95439618d669","State":"Active","LastUpdateStatus":"Successful","PackageType":"Zip","Architectures":["x86_64"],"EphemeralStorage":{"Size":512},"SnapStart":{"ApplyOn":"None","OptimizationStatus":"Off"},"RuntimeVersionConfig":{"RuntimeVersionArn":"arn:aws:lambda:us-east-1::runtime:42f2b28d8258c41a63374ac4365007738900f66a9b62a7eb1a2041a2e091d41b"},"LoggingConfig":{"LogFormat":"Text","LogGroup":"/aws/lambda/from-the-first-laminar"}},"code_blob":"4e1d169ab54c16151a6c80912bc2f496f289f400c83dc103bb01505657ece5f9","tags":{}}"#;

    #[test]
    fn the_first_laminars_records_are_migrated_to_code() {
        let dir = tempfile::tempdir().unwrap();
        let conn = rusqlite::Connection::open(dir.path().join("laminar.db")).unwrap();
        conn.execute_batch(super::STEP_1).unwrap();
        conn.execute(
            "INSERT INTO functions VALUES ('000000000000', 'us-east-1', 'from-the-first-laminar', ?1)",
            [FIRST_RECORD],
        )
        .unwrap();
        drop(conn);
        let store = Store::open(laminar_db::Db::open(Some(dir.path())).unwrap()).unwrap();
        let all = store.db.all_functions().unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(
            all[0].1.code,
            laminar_model::config::FunctionCode::Zip {
                sha256_hex: "4e1d169ab54c16151a6c80912bc2f496f289f400c83dc103bb01505657ece5f9"
                    .to_string()
            }
        );
    }
}
