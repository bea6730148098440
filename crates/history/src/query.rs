//! Reading the history: pages of summaries, newest first, and the runs of
//! one request id with their bodies.

use crate::record::{Bodies, Invocation, Status};
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, Row};
use serde::Serialize;

/// Which invocations a listing shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub account: Option<String>,
    pub region: Option<String>,
    pub function: Option<String>,
    /// Only those that started at or after this time (ms since the epoch).
    pub since_ms: Option<i64>,
    /// Paging: only ids below this one (the previous page's `nextBefore`).
    pub before_id: Option<i64>,
    /// Only ids above this one (what is new since a listing).
    pub after_id: Option<i64>,
    pub limit: usize,
    /// With each invocation's event, response and log text.
    pub bodies: bool,
}

/// A page of invocations, newest first.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Page {
    pub invocations: Vec<Invocation>,
    /// How many match the filter in all pages.
    pub total: i64,
    /// Pass as `before` for the next (older) page; absent on the last.
    pub next_before: Option<i64>,
}

const SUMMARY: &str = "id, time_ms, request_id, account, region, function, qualifier, version,
    cold, init_duration_ms, duration_ms, billed_duration_ms, memory_mb, max_memory_used_mb,
    status, error_type, log_group, log_stream";

/// A WHERE clause and its numbered parameters.
#[derive(Default)]
struct Conditions {
    clauses: Vec<String>,
    values: Vec<Value>,
}

impl Conditions {
    fn add(&mut self, clause: &str, value: Value) {
        self.values.push(value);
        self.clauses
            .push(format!("{clause} ?{}", self.values.len()));
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }
}

pub(crate) fn list(conn: &Connection, filter: &Filter) -> rusqlite::Result<Page> {
    let mut c = Conditions::default();
    if let Some(account) = &filter.account {
        c.add("account =", Value::Text(account.clone()));
    }
    if let Some(region) = &filter.region {
        c.add("region =", Value::Text(region.clone()));
    }
    if let Some(function) = &filter.function {
        c.add("function =", Value::Text(function.clone()));
    }
    if let Some(since) = filter.since_ms {
        c.add("time_ms >=", Value::Integer(since));
    }
    if let Some(after) = filter.after_id {
        c.add("id >", Value::Integer(after));
    }
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) FROM history_invocations{}", c.sql()),
        params_from_iter(c.values.iter()),
        |row| row.get(0),
    )?;
    if let Some(before) = filter.before_id {
        c.add("id <", Value::Integer(before));
    }
    let limit = filter.limit.clamp(1, 1000);
    let columns = if filter.bodies { WITH_BODIES } else { SUMMARY };
    let sql = format!(
        "SELECT {columns} FROM history_invocations{} ORDER BY id DESC LIMIT {}",
        c.sql(),
        limit + 1
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let read = if filter.bodies { with_bodies } else { summary };
    let mut invocations = stmt
        .query_map(params_from_iter(c.values.iter()), read)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let next_before = if invocations.len() > limit {
        invocations.truncate(limit);
        invocations.last().map(|i| i.id)
    } else {
        None
    };
    Ok(Page {
        invocations,
        total,
        next_before,
    })
}

const WITH_BODIES: &str = "id, time_ms, request_id, account, region, function, qualifier, version,
    cold, init_duration_ms, duration_ms, billed_duration_ms, memory_mb, max_memory_used_mb,
    status, error_type, log_group, log_stream, event, event_size, response, response_size, logs";

pub(crate) fn runs_of(conn: &Connection, request_id: &str) -> rusqlite::Result<Vec<Invocation>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {WITH_BODIES} FROM history_invocations WHERE request_id = ?1 ORDER BY id DESC"
    ))?;
    let runs = stmt.query_map([request_id], with_bodies)?.collect();
    runs
}

fn with_bodies(row: &Row) -> rusqlite::Result<Invocation> {
    let mut inv = summary(row)?;
    inv.bodies = Some(Bodies {
        event: row.get(18)?,
        event_size: row.get(19)?,
        response: row.get(20)?,
        response_size: row.get(21)?,
        logs: row.get(22)?,
    });
    Ok(inv)
}

fn summary(row: &Row) -> rusqlite::Result<Invocation> {
    Ok(Invocation {
        id: row.get(0)?,
        time_ms: row.get(1)?,
        request_id: row.get(2)?,
        account: row.get(3)?,
        region: row.get(4)?,
        function: row.get(5)?,
        qualifier: row.get(6)?,
        version: row.get(7)?,
        cold: row.get(8)?,
        init_duration_ms: row.get(9)?,
        duration_ms: row.get(10)?,
        billed_duration_ms: row.get(11)?,
        memory_mb: row.get(12)?,
        max_memory_used_mb: row.get(13)?,
        status: Status::parse(&row.get::<_, String>(14)?),
        error_type: row.get(15)?,
        log_group: row.get(16)?,
        log_stream: row.get(17)?,
        bodies: None,
    })
}

#[cfg(test)]
mod tests {
    use crate::{Entry, Filter, History, Status};
    use bytes::Bytes;
    use std::time::Duration;

    fn entry(function: &str, n: usize, cold: bool) -> Entry {
        Entry {
            time_ms: 1_000 + n as i64,
            request_id: format!("req-{n}"),
            account: "000000000000".into(),
            region: "us-east-1".into(),
            function: function.into(),
            qualifier: None,
            version: "$LATEST".into(),
            init_duration_ms: cold.then_some(12.5),
            duration_ms: 3.2,
            memory_mb: 128,
            max_memory_used_mb: 40,
            status: if n.is_multiple_of(2) {
                Status::Success
            } else {
                Status::Error
            },
            event: Bytes::from(format!("{{\"n\":{n}}}")),
            response: Bytes::from_static(br#"{"errorType":"Boom","errorMessage":"x"}"#),
            logs: "START\nREPORT\n".into(),
            log_group: "/aws/lambda/f".into(),
            log_stream: "s".into(),
        }
    }

    #[test]
    fn pages_newest_first_and_keeps_the_newest() {
        let db = laminar_db::Db::open(None).unwrap();
        let history = History::open(db, 5).unwrap();
        for n in 0..8 {
            history.record(entry(if n < 6 { "a" } else { "b" }, n, n == 0));
        }
        assert!(history.flush(Duration::from_secs(5)));
        let all = history
            .list(&Filter {
                limit: 3,
                ..Filter::default()
            })
            .unwrap();
        assert_eq!(all.total, 5);
        let ids: Vec<&str> = all
            .invocations
            .iter()
            .map(|i| i.request_id.as_str())
            .collect();
        assert_eq!(ids, ["req-7", "req-6", "req-5"]);
        let older = history
            .list(&Filter {
                limit: 3,
                before_id: all.next_before,
                ..Filter::default()
            })
            .unwrap();
        assert_eq!(older.invocations.len(), 2);
        assert_eq!(older.next_before, None);
        let of_a = history
            .list(&Filter {
                function: Some("a".into()),
                limit: 10,
                ..Filter::default()
            })
            .unwrap();
        assert_eq!(of_a.total, 3);
        let run = &history.runs_of("req-5").unwrap()[0];
        assert_eq!(run.error_type.as_deref(), Some("Boom"));
        assert_eq!(run.bodies.as_ref().unwrap().event, "{\"n\":5}");
        assert!(!run.cold);
    }

    #[test]
    fn survives_a_restart_in_a_data_directory() {
        let dir = tempfile::tempdir().unwrap();
        {
            let history =
                History::open(laminar_db::Db::open(Some(dir.path())).unwrap(), 10).unwrap();
            history.record(entry("a", 0, true));
            assert!(history.flush(Duration::from_secs(5)));
        }
        let history = History::open(laminar_db::Db::open(Some(dir.path())).unwrap(), 10).unwrap();
        let page = history
            .list(&Filter {
                limit: 10,
                ..Filter::default()
            })
            .unwrap();
        assert_eq!(page.total, 1);
        assert!(page.invocations[0].cold);
    }
}
