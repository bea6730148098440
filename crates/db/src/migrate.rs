//! Schema migrations: each owner (a service keeping tables in the shared
//! database) lists its steps in order; `schema_versions` records how many of
//! them a database has had. A step runs in one transaction together with
//! its record, so it is applied entirely and once, or not at all.

use crate::DbError;
use rusqlite::{params, Connection, OptionalExtension};

/// One owner's schema: its name and its steps, oldest first. Step `n`
/// (counting from 1) brings the owner to version `n`. Steps are only ever
/// appended; a released step never changes.
#[derive(Clone, Copy, Debug)]
pub struct Schema {
    pub owner: &'static str,
    pub steps: &'static [&'static str],
}

const VERSIONS_TABLE: &str = "
CREATE TABLE IF NOT EXISTS schema_versions (
    owner   TEXT PRIMARY KEY,
    version INTEGER NOT NULL
);
";

/// The owner's recorded version (0 when it never migrated here).
pub(crate) fn version(conn: &Connection, owner: &str) -> Result<usize, DbError> {
    let found: Option<i64> = conn
        .query_row(
            "SELECT version FROM schema_versions WHERE owner = ?1",
            params![owner],
            |row| row.get(0),
        )
        .optional()?;
    Ok(found.unwrap_or(0).max(0) as usize)
}

pub(crate) fn apply(conn: &mut Connection, schema: &Schema) -> Result<usize, DbError> {
    conn.execute_batch(VERSIONS_TABLE)?;
    let found = version(conn, schema.owner)?;
    let known = schema.steps.len();
    if found > known {
        return Err(DbError::SchemaAhead {
            // The caller names the file.
            file: String::new(),
            owner: schema.owner,
            found,
            known,
        });
    }
    for (index, sql) in schema.steps.iter().enumerate().skip(found) {
        let step = index + 1;
        let failed = |source| DbError::Migration {
            owner: schema.owner,
            step,
            source,
        };
        let tx = conn.transaction()?;
        tx.execute_batch(sql).map_err(failed)?;
        tx.execute(
            "INSERT INTO schema_versions (owner, version) VALUES (?1, ?2)
             ON CONFLICT (owner) DO UPDATE SET version = excluded.version",
            params![schema.owner, step as i64],
        )?;
        tx.commit()?;
    }
    Ok(known)
}

#[cfg(test)]
mod tests {
    use crate::{Db, DbError, Schema};

    const STEP_1: &str = "CREATE TABLE IF NOT EXISTS things (id TEXT PRIMARY KEY);";
    const STEP_2: &str = "ALTER TABLE things ADD COLUMN size INTEGER NOT NULL DEFAULT 0;";
    const BOTH: Schema = Schema {
        owner: "things",
        steps: &[STEP_1, STEP_2],
    };

    fn version(db: &Db, owner: &str) -> usize {
        db.call_blocking(|conn| super::version(conn, owner))
            .unwrap()
    }

    fn count(db: &Db, sql: &str) -> i64 {
        db.call_blocking(|conn| conn.query_row(sql, [], |row| row.get(0)))
            .unwrap()
    }

    #[test]
    fn a_fresh_database_gets_every_step() {
        let db = Db::open(None).unwrap();
        assert_eq!(db.migrate(&BOTH).unwrap(), 2);
        assert_eq!(version(&db, "things"), 2);
        db.call_blocking(|conn| conn.execute("INSERT INTO things (id, size) VALUES ('a', 3)", []))
            .unwrap();
    }

    #[test]
    fn owners_are_versioned_apart() {
        let db = Db::open(None).unwrap();
        db.migrate(&BOTH).unwrap();
        let other = Schema {
            owner: "others",
            steps: &["CREATE TABLE others (id TEXT);"],
        };
        assert_eq!(db.migrate(&other).unwrap(), 1);
        assert_eq!(version(&db, "things"), 2);
        assert_eq!(version(&db, "others"), 1);
    }

    #[test]
    fn reopening_applies_only_new_steps() {
        let dir = tempfile::tempdir().unwrap();
        {
            let db = Db::open(Some(dir.path())).unwrap();
            let first = Schema {
                owner: "things",
                steps: &[STEP_1],
            };
            db.migrate(&first).unwrap();
            db.call_blocking(|conn| conn.execute("INSERT INTO things (id) VALUES ('kept')", []))
                .unwrap();
        }
        let db = Db::open(Some(dir.path())).unwrap();
        // STEP_2 is not idempotent (ADD COLUMN twice fails): it runs once.
        assert_eq!(db.migrate(&BOTH).unwrap(), 2);
        assert_eq!(db.migrate(&BOTH).unwrap(), 2);
        assert_eq!(version(&db, "things"), 2);
        assert_eq!(count(&db, "SELECT count(*) FROM things WHERE size = 0"), 1);
    }

    #[test]
    fn an_old_database_without_versions_is_recorded_at_step_one() {
        let dir = tempfile::tempdir().unwrap();
        {
            // Made before versions existed: tables created directly.
            let db = Db::open(Some(dir.path())).unwrap();
            db.call_blocking(|conn| {
                conn.execute_batch(STEP_1)?;
                conn.execute("INSERT INTO things (id) VALUES ('old')", [])
            })
            .unwrap();
        }
        let db = Db::open(Some(dir.path())).unwrap();
        let first = Schema {
            owner: "things",
            steps: &[STEP_1],
        };
        assert_eq!(db.migrate(&first).unwrap(), 1);
        assert_eq!(version(&db, "things"), 1);
        assert_eq!(count(&db, "SELECT count(*) FROM things"), 1);
    }

    #[test]
    fn a_failing_step_leaves_nothing_half_applied() {
        let db = Db::open(None).unwrap();
        let broken = Schema {
            owner: "things",
            steps: &[
                STEP_1,
                "CREATE TABLE halfway (id TEXT); INSERT INTO nowhere VALUES (1);",
            ],
        };
        let err = db.migrate(&broken).unwrap_err();
        assert!(matches!(err, DbError::Migration { step: 2, .. }), "{err}");
        assert_eq!(version(&db, "things"), 1);
        assert_eq!(
            count(
                &db,
                "SELECT count(*) FROM sqlite_master WHERE name = 'halfway'"
            ),
            0
        );
        // Fixed, the step applies on the next open.
        assert_eq!(db.migrate(&BOTH).unwrap(), 2);
    }

    #[test]
    fn a_newer_database_is_refused() {
        let db = Db::open(None).unwrap();
        db.migrate(&BOTH).unwrap();
        let older = Schema {
            owner: "things",
            steps: &[STEP_1],
        };
        assert!(matches!(
            db.migrate(&older),
            Err(DbError::SchemaAhead {
                found: 2,
                known: 1,
                ..
            })
        ));
    }
}
