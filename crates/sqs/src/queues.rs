//! Queues: creation, lookup, listing, attributes, tags, purge.

use crate::attributes::{self, DEFAULTS};
use crate::{now_ms, QueueRef, SqsError, SqsService};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::BTreeMap;

/// A queue as stored.
pub(crate) struct QueueRow {
    pub id: i64,
    pub attributes: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
    pub created: i64,
    pub modified: i64,
}

impl QueueRow {
    /// A numeric attribute (they are validated on the way in).
    pub fn number(&self, name: &str) -> i64 {
        self.attributes
            .get(name)
            .and_then(|v| v.parse().ok())
            .or_else(|| {
                DEFAULTS
                    .iter()
                    .find(|(n, _)| *n == name)
                    .and_then(|(_, v)| v.parse().ok())
            })
            .unwrap_or_default()
    }

    pub fn flag(&self, name: &str) -> bool {
        self.attributes
            .get(name)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }
}

pub(crate) fn load(conn: &Connection, queue: &QueueRef) -> Result<QueueRow, SqsError> {
    let row = conn
        .prepare_cached(
            "SELECT id, attributes, tags, created, modified FROM sqs_queues
             WHERE region = ?1 AND account = ?2 AND name = ?3",
        )?
        .query_row(params![queue.region, queue.account, queue.name], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })
        .optional()?;
    let (id, attrs, tags, created, modified) = row.ok_or_else(SqsError::queue_does_not_exist)?;
    Ok(QueueRow {
        id,
        attributes: serde_json::from_str(&attrs)?,
        tags: serde_json::from_str(&tags)?,
        created,
        modified,
    })
}

impl SqsService {
    /// CreateQueue: idempotent when the given attributes match the existing
    /// queue's, `QueueAlreadyExists` otherwise.
    pub fn create_queue(
        &self,
        queue: &QueueRef,
        given: BTreeMap<String, String>,
        tags: BTreeMap<String, String>,
    ) -> Result<(), SqsError> {
        attributes::validate_queue_name(&queue.name)?;
        attributes::validate(&given, queue.is_fifo(), true)?;
        let mut stored: BTreeMap<String, String> = DEFAULTS
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if queue.is_fifo() {
            stored.insert("ContentBasedDeduplication".into(), "false".into());
        }
        for (k, v) in &given {
            if k != "FifoQueue" {
                stored.insert(k.clone(), v.clone());
            }
        }
        self.with(|conn| {
            match load(conn, queue) {
                Ok(existing) => {
                    let differs = given.iter().find(|(k, v)| {
                        k.as_str() != "FifoQueue" && existing.attributes.get(*k) != Some(*v)
                    });
                    match differs {
                        Some((name, _)) => Err(SqsError::queue_name_exists(name)),
                        None => Ok(()),
                    }
                }
                Err(e) if e.status == 400 => {
                    let now = now_ms() / 1000;
                    conn.execute(
                        "INSERT INTO sqs_queues (region, account, name, attributes, tags, created, modified)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                        params![
                            queue.region,
                            queue.account,
                            queue.name,
                            serde_json::to_string(&stored)?,
                            serde_json::to_string(&tags)?,
                            now
                        ],
                    )?;
                    Ok(())
                }
                Err(e) => Err(e),
            }
        })
    }

    /// Whether the queue exists (GetQueueUrl).
    pub fn queue_exists(&self, queue: &QueueRef) -> Result<(), SqsError> {
        self.with(|conn| load(conn, queue)).map(|_| ())
    }

    /// Names of the account's queues in a region, sorted, that start with
    /// `prefix`.
    pub fn list_queues(
        &self,
        region: &str,
        account: &str,
        prefix: &str,
    ) -> Result<Vec<String>, SqsError> {
        self.with(|conn| {
            let mut stmt = conn.prepare(
                "SELECT name FROM sqs_queues WHERE region = ?1 AND account = ?2 ORDER BY name",
            )?;
            let names = stmt
                .query_map(params![region, account], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(names
                .into_iter()
                .filter(|n| n.starts_with(prefix))
                .collect())
        })
    }

    /// DeleteQueue: the queue and its messages.
    pub fn delete_queue(&self, queue: &QueueRef) -> Result<(), SqsError> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            let row = load(&tx, queue)?;
            tx.execute("DELETE FROM sqs_messages WHERE queue_id = ?1", [row.id])?;
            tx.execute("DELETE FROM sqs_dedup WHERE queue_id = ?1", [row.id])?;
            tx.execute("DELETE FROM sqs_queues WHERE id = ?1", [row.id])?;
            tx.commit()?;
            Ok(())
        })
    }

    /// GetQueueAttributes for `names` (`All` for every one); unknown names
    /// are `InvalidAttributeName`.
    pub fn queue_attributes(
        &self,
        queue: &QueueRef,
        names: &[String],
    ) -> Result<BTreeMap<String, String>, SqsError> {
        for name in names {
            if name != "All" && !attributes::is_known(name) {
                return Err(SqsError::invalid_attribute_name(name));
            }
        }
        self.with(|conn| {
            let row = load(conn, queue)?;
            let now = now_ms();
            let count = |sql: &str| -> Result<String, SqsError> {
                Ok(conn
                    .query_row(sql, params![row.id, now], |r| r.get::<_, i64>(0))?
                    .to_string())
            };
            let mut all = row.attributes.clone();
            all.insert("QueueArn".into(), queue.arn());
            all.insert("CreatedTimestamp".into(), row.created.to_string());
            all.insert("LastModifiedTimestamp".into(), row.modified.to_string());
            if queue.is_fifo() {
                all.insert("FifoQueue".into(), "true".into());
            }
            let wants = |name: &str| names.iter().any(|n| n == "All" || n == name);
            if wants("ApproximateNumberOfMessages") {
                all.insert(
                    "ApproximateNumberOfMessages".into(),
                    count("SELECT COUNT(*) FROM sqs_messages WHERE queue_id = ?1 AND visible_at <= ?2 AND expires_at > ?2")?,
                );
            }
            if wants("ApproximateNumberOfMessagesNotVisible") {
                all.insert(
                    "ApproximateNumberOfMessagesNotVisible".into(),
                    count("SELECT COUNT(*) FROM sqs_messages WHERE queue_id = ?1 AND visible_at > ?2 AND receive_count > 0")?,
                );
            }
            if wants("ApproximateNumberOfMessagesDelayed") {
                all.insert(
                    "ApproximateNumberOfMessagesDelayed".into(),
                    count("SELECT COUNT(*) FROM sqs_messages WHERE queue_id = ?1 AND visible_at > ?2 AND receive_count = 0")?,
                );
            }
            Ok(all.into_iter().filter(|(k, _)| wants(k)).collect())
        })
    }

    /// SetQueueAttributes. An empty RedrivePolicy removes it.
    pub fn set_queue_attributes(
        &self,
        queue: &QueueRef,
        given: BTreeMap<String, String>,
    ) -> Result<(), SqsError> {
        attributes::validate(&given, queue.is_fifo(), false)?;
        self.with(|conn| {
            let tx = conn.transaction()?;
            let mut row = load(&tx, queue)?;
            for (k, v) in given {
                if v.is_empty() && k == "RedrivePolicy" {
                    row.attributes.remove(&k);
                } else {
                    row.attributes.insert(k, v);
                }
            }
            tx.execute(
                "UPDATE sqs_queues SET attributes = ?2, modified = ?3 WHERE id = ?1",
                params![
                    row.id,
                    serde_json::to_string(&row.attributes)?,
                    now_ms() / 1000
                ],
            )?;
            tx.commit()?;
            Ok(())
        })
    }

    /// PurgeQueue: every message goes.
    pub fn purge_queue(&self, queue: &QueueRef) -> Result<(), SqsError> {
        self.with(|conn| {
            let row = load(conn, queue)?;
            conn.execute("DELETE FROM sqs_messages WHERE queue_id = ?1", [row.id])?;
            Ok(())
        })
    }

    pub fn tag_queue(
        &self,
        queue: &QueueRef,
        tags: BTreeMap<String, String>,
    ) -> Result<(), SqsError> {
        self.update_tags(queue, |current| current.extend(tags))
    }

    pub fn untag_queue(&self, queue: &QueueRef, keys: &[String]) -> Result<(), SqsError> {
        self.update_tags(queue, |current| current.retain(|k, _| !keys.contains(k)))
    }

    pub fn queue_tags(&self, queue: &QueueRef) -> Result<BTreeMap<String, String>, SqsError> {
        Ok(self.with(|conn| load(conn, queue))?.tags)
    }

    fn update_tags(
        &self,
        queue: &QueueRef,
        change: impl FnOnce(&mut BTreeMap<String, String>),
    ) -> Result<(), SqsError> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            let mut row = load(&tx, queue)?;
            change(&mut row.tags);
            tx.execute(
                "UPDATE sqs_queues SET tags = ?2 WHERE id = ?1",
                params![row.id, serde_json::to_string(&row.tags)?],
            )?;
            tx.commit()?;
            Ok(())
        })
    }
}
