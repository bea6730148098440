//! Amazon SNS, as much as local development needs: standard and FIFO
//! topics, subscriptions with filter policies, Publish and PublishBatch,
//! tags. State lives in the shared SQLite database (owner `sns`); this crate
//! knows nothing of Lambda, S3 or SQS.
//!
//! Publish stores the message and, in the same transaction, one delivery
//! row per matching subscription (`sns_deliveries`, an outbox). A room on
//! Lambda's side (`laminar-triggers`) takes the rows, hands each to its
//! target and removes it once the target accepted it; [`SnsService::wake`]
//! tells it when rows arrive.

mod confirm;
mod deliveries;
mod error;
pub mod filter;
mod publish;
mod schema;
mod subscriptions;
mod topics;

pub use deliveries::{Delivery, RawAttribute};
pub use error::{SnsError, SnsResult};
pub use publish::{BatchEntry, BatchResult, MessageAttribute, PublishInput, Published};
pub use subscriptions::SubscriptionSummary;

use rusqlite::Connection;
use std::sync::Arc;

/// The SNS service of one laminar instance. Cheap to clone.
#[derive(Clone)]
pub struct SnsService {
    db: laminar_db::Db,
    wake: Arc<tokio::sync::Notify>,
}

/// Who is calling: the account and region of the request's credentials.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub account: &'a str,
    pub region: &'a str,
}

/// A page of a listing and the token of the next one.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_token: Option<String>,
}

/// Listings answer at most this many items a page (ListTopics,
/// ListSubscriptions: 100).
const PAGE_SIZE: usize = 100;

impl SnsService {
    pub fn new(db: laminar_db::Db) -> SnsResult<Self> {
        db.migrate(&schema::SNS)?;
        Ok(Self {
            db,
            wake: Arc::new(tokio::sync::Notify::new()),
        })
    }

    /// Notified after a publish wrote delivery rows.
    pub fn wake(&self) -> Arc<tokio::sync::Notify> {
        self.wake.clone()
    }

    /// Runs `work` on the database on this thread (a blocking one).
    fn with<T>(&self, work: impl FnOnce(&mut Connection) -> SnsResult<T>) -> SnsResult<T> {
        self.db.call_blocking(work)
    }
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// `arn:aws:sns:<region>:<account>:<name>` → (region, account, name).
pub(crate) fn split_arn(arn: &str) -> Option<(&str, &str, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_), Some("sns"), Some(region), Some(account), Some(rest)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    Some((region, account, rest))
}

/// Pages `items` from the position a token names.
pub(crate) fn page_of<T>(items: Vec<T>, token: Option<&str>) -> SnsResult<Page<T>> {
    let start = match token {
        None | Some("") => 0,
        Some(t) => t
            .parse::<usize>()
            .map_err(|_| SnsError::invalid("NextToken"))?,
    };
    let total = items.len();
    let items: Vec<T> = items.into_iter().skip(start).take(PAGE_SIZE).collect();
    let end = start + items.len();
    Ok(Page {
        items,
        next_token: (end < total).then(|| end.to_string()),
    })
}

#[cfg(test)]
pub(crate) fn test_service() -> SnsService {
    let db = laminar_db::Db::open(None).expect("in-memory database");
    SnsService::new(db).expect("sns service")
}
