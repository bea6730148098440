//! AWS Identity and Access Management and the Security Token Service, as
//! much as deployments of functions and tests need: roles, users, access
//! keys, inline and managed policies (with the AWS managed policies Lambda
//! setups attach), and STS sessions. A global service: one set of entities
//! per account, whatever the region.
//!
//! Answers are `Out` values shaped as the API model's output shapes (member
//! names and order as the model has them); the gateway writes them as XML. STS is a
//! module here rather than its own crate: its sessions are of IAM's roles and
//! its caller identities are IAM's users and keys, so it would reach into
//! every table of this crate.

mod attachments;
mod authority;
mod aws_managed;
mod document;
mod error;
pub mod evaluate;
mod groups;
mod ids;
mod inline;
mod out;
mod owner;
mod policies;
mod roles;
mod schema;
pub mod sts;
mod users;

pub use authority::SigningKey;
pub use document::{trust_allows, Principal};
pub use error::IamError;
pub use out::Out;
pub use policies::{CreatePolicy, ListPolicies};
pub use roles::CreateRole;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// The IAM (and STS) service of one laminar instance. Cheap to clone.
#[derive(Clone)]
pub struct IamService {
    db: laminar_db::Db,
    /// The account of every IAM access key and live STS session, so that
    /// the gateway names a request's account without touching SQLite.
    keys: Arc<RwLock<HashMap<String, String>>>,
}

impl IamService {
    /// The service over the shared database, its tables brought up to date.
    pub fn new(db: laminar_db::Db) -> Result<Self, IamError> {
        db.migrate(&schema::IAM)?;
        let keys = db.call_blocking(|conn| -> Result<_, IamError> {
            let mut stmt = conn.prepare(
                "SELECT key_id, account FROM iam_access_keys
                 UNION ALL SELECT key_id, account FROM sts_sessions WHERE expires > ?1",
            )?;
            let rows = stmt.query_map([chrono::Utc::now().timestamp()], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?;
            Ok(rows.collect::<Result<HashMap<_, _>, _>>()?)
        })?;
        Ok(Self {
            db,
            keys: Arc::new(RwLock::new(keys)),
        })
    }

    /// The account an IAM access key or STS session key belongs to.
    pub fn account_of_key(&self, key_id: &str) -> Option<String> {
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        keys.get(key_id).cloned()
    }

    fn remember_key(&self, key_id: &str, account: &str) {
        let mut keys = self.keys.write().unwrap_or_else(|e| e.into_inner());
        keys.insert(key_id.into(), account.into());
    }

    fn forget_key(&self, key_id: &str) {
        let mut keys = self.keys.write().unwrap_or_else(|e| e.into_inner());
        keys.remove(key_id);
    }

    /// Runs `work` on the database on this thread (a blocking one).
    fn with<T>(
        &self,
        work: impl FnOnce(&mut rusqlite::Connection) -> Result<T, IamError>,
    ) -> Result<T, IamError> {
        self.db.call_blocking(work)
    }
}

/// A page of a listing: IAM's `Marker` / `MaxItems` (100 by default, at
/// most 1,000) and `IsTruncated`. The marker is the position of the next item.
pub(crate) fn page<T>(
    items: Vec<T>,
    marker: Option<&str>,
    max_items: Option<i64>,
) -> Result<(Vec<T>, Option<String>), IamError> {
    let start = match marker {
        None => 0,
        Some(m) => m
            .parse::<usize>()
            .map_err(|_| IamError::validation("Invalid Marker."))?,
    };
    let max = match max_items {
        None => 100,
        Some(n @ 1..=1000) => n as usize,
        Some(n) => {
            let bound = if n < 1 {
                "greater than or equal to 1"
            } else {
                "less than or equal to 1000"
            };
            return Err(IamError::validation(format!(
                "1 validation error detected: Value '{n}' at 'maxItems' failed to satisfy constraint: Member must have value {bound}"
            )));
        }
    };
    let total = items.len();
    let items: Vec<T> = items.into_iter().skip(start).take(max).collect();
    let next = (start + items.len() < total).then(|| (start + items.len()).to_string());
    Ok((items, next))
}

/// Tags as stored: `[[key, value], …]`.
pub type Tags = Vec<(String, String)>;

pub(crate) fn tags_out(tags: &Tags) -> Vec<Out> {
    tags.iter()
        .map(|(k, v)| Out::members().text("Key", k).text("Value", v))
        .collect()
}

pub(crate) fn parse_tags(stored: &str) -> Tags {
    serde_json::from_str(stored).unwrap_or_default()
}

/// IAM's limit of 50 tags, checked the way IAM reports it.
pub(crate) fn merge_tags(mut tags: Tags, add: &Tags) -> Result<Tags, IamError> {
    for (k, v) in add {
        match tags.iter_mut().find(|(key, _)| key == k) {
            Some(existing) => existing.1 = v.clone(),
            None => tags.push((k.clone(), v.clone())),
        }
    }
    if tags.len() > 50 {
        return Err(IamError::limit_exceeded(
            "The number of tags has reached the maximum limit.",
        ));
    }
    Ok(tags)
}

/// `/` or a path that starts and ends with `/`.
pub(crate) fn check_path(path: &str) -> Result<(), IamError> {
    let ok = path.starts_with('/')
        && path.ends_with('/')
        && path.len() <= 512
        && path.chars().all(|c| ('\u{21}'..='\u{7f}').contains(&c));
    if ok {
        Ok(())
    } else {
        Err(IamError::validation(
            "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.",
        ))
    }
}

/// Role, user and policy names: `[\w+=,.@-]+`, 1 to `max` characters.
pub(crate) fn check_name(member: &str, name: &str, max: usize) -> Result<(), IamError> {
    let valid = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c);
    if name.is_empty() || name.chars().count() > max {
        return Err(IamError::validation(format!(
            "1 validation error detected: Value '{name}' at '{member}' failed to satisfy constraint: Member must have length {}",
            if name.is_empty() { "greater than or equal to 1".to_string() } else { format!("less than or equal to {max}") }
        )));
    }
    if !name.chars().all(valid) {
        return Err(IamError::validation(format!(
            "1 validation error detected: Value '{name}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"
        )));
    }
    Ok(())
}
