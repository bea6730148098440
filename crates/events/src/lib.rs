//! Amazon EventBridge, as much as local development needs: event buses
//! (the `default` bus of every account and region, and custom ones), rules
//! with event patterns (`laminar-event-pattern`) or schedules (`rate(…)`,
//! `cron(…)`), targets with `Input`, `InputPath` and `InputTransformer`,
//! PutEvents, TestEventPattern and tags. State lives in the shared SQLite
//! database (owner `events`); this crate knows nothing of Lambda, SQS or SNS.
//!
//! PutEvents (and a schedule's firing) writes, in its transaction, one
//! delivery row per target of each matching enabled rule
//! (`events_deliveries`, an outbox) with the payload the target receives.
//! A room on Lambda's side (`laminar-triggers`) takes the rows, hands each
//! to its target and removes it once the target accepted it;
//! [`EventsService::wake`] tells it when rows arrive.

mod buses;
mod deliveries;
mod error;
mod lookup;
mod names;
mod put_events;
mod rules;
pub mod schedule;
mod schema;
mod tags;
mod targets;
mod transform;

pub use deliveries::Delivery;
pub use error::{EventsError, EventsResult};
pub use put_events::EventEntry;

use rusqlite::Connection;
use std::sync::Arc;

/// The model's constraints on every operation's input, generated from
/// botocore's EventBridge model by `tools/gen_constraints.py`.
pub const CONSTRAINTS: &str = include_str!("constraints.json");

/// The EventBridge service of one laminar instance. Cheap to clone.
#[derive(Clone)]
pub struct EventsService {
    db: laminar_db::Db,
    wake: Arc<tokio::sync::Notify>,
    /// `rate(…)` periods are divided by this (tests); 1 is real time.
    time_scale: f64,
}

/// Who is calling: the account and region of the request's credentials.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub account: &'a str,
    pub region: &'a str,
}

impl EventsService {
    pub fn new(db: laminar_db::Db) -> EventsResult<Self> {
        Self::with_time_scale(db, 1.0)
    }

    /// With `rate(…)` schedules running `time_scale` times faster than
    /// real time (for tests); cron schedules keep the wall clock.
    pub fn with_time_scale(db: laminar_db::Db, time_scale: f64) -> EventsResult<Self> {
        db.migrate(&schema::EVENTS)?;
        let time_scale = if time_scale.is_finite() && time_scale > 0.0 {
            time_scale
        } else {
            1.0
        };
        Ok(Self {
            db,
            wake: Arc::new(tokio::sync::Notify::new()),
            time_scale,
        })
    }

    /// Notified after delivery rows were written.
    pub fn wake(&self) -> Arc<tokio::sync::Notify> {
        self.wake.clone()
    }

    /// Runs `work` on the database on this thread (a blocking one).
    fn with<T>(&self, work: impl FnOnce(&mut Connection) -> EventsResult<T>) -> EventsResult<T> {
        self.db.call_blocking(work)
    }
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The time of an event document: `2015-11-11T21:29:54Z`.
pub(crate) fn event_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Epoch milliseconds as JSON 1.1 timestamps (seconds, fractional).
pub(crate) fn seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

/// A page of `items` from the position a token names.
pub(crate) fn page_of<T>(
    items: Vec<T>,
    token: Option<&str>,
    limit: Option<usize>,
) -> EventsResult<(Vec<T>, Option<String>)> {
    let start = match token {
        None | Some("") => 0,
        Some(t) => t
            .parse::<usize>()
            .map_err(|_| EventsError::validation("The NextToken provided is invalid."))?,
    };
    let total = items.len();
    let limit = limit.unwrap_or(100).clamp(1, 100);
    let items: Vec<T> = items.into_iter().skip(start).take(limit).collect();
    let end = start + items.len();
    Ok((items, (end < total).then(|| end.to_string())))
}

#[cfg(test)]
pub(crate) fn test_service() -> EventsService {
    let db = laminar_db::Db::open(None).expect("in-memory database");
    EventsService::new(db).expect("events service")
}
