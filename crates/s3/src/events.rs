//! Event notifications: an object change writes one outbox row
//! (`s3_notifications`) per configuration that wants it, in the change's
//! transaction, holding the whole event document; the room that delivers
//! pushed events reads the rows ([`S3Service::pending_notifications`]) and
//! removes each once its target took it ([`S3Service::notified`]).

use crate::notification::{bucket_arn, load};
use crate::outbox::{enqueue, iso_millis, TargetKind};
use crate::{S3Error, S3Service};
use rusqlite::params;
use serde_json::json;

/// What the request behind a change tells the event record.
#[derive(Clone, Debug, Default)]
pub struct Origin {
    /// `x-amz-request-id` of the request (also used as `x-amz-id-2`).
    pub request_id: String,
    /// `userIdentity.principalId`; the bucket owner's account when empty.
    pub principal: String,
    /// `requestParameters.sourceIPAddress`; `127.0.0.1` when empty.
    pub source_ip: String,
}

/// How an object came to be, as its `ObjectCreated` event names it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Created {
    #[default]
    Put,
    Post,
    Copy,
    CompleteMultipartUpload,
}

impl Created {
    pub(crate) fn event_name(self) -> &'static str {
        match self {
            Self::Put => "ObjectCreated:Put",
            Self::Post => "ObjectCreated:Post",
            Self::Copy => "ObjectCreated:Copy",
            Self::CompleteMultipartUpload => "ObjectCreated:CompleteMultipartUpload",
        }
    }
}

/// One change to one object, as its event records it.
pub(crate) struct Change<'a> {
    /// `ObjectCreated:Put`, `ObjectRemoved:Delete`, …
    pub event_name: &'a str,
    pub key: &'a str,
    /// Size and ETag (quoted) of a created object; none for a removal.
    pub object: Option<(u64, &'a str)>,
    pub origin: &'a Origin,
    pub time_ms: i64,
}

/// One notification waiting in the outbox.
#[derive(Clone, Debug)]
pub struct Notification {
    pub id: i64,
    pub kind: TargetKind,
    /// The function, queue or topic ARN.
    pub target: String,
    pub bucket: String,
    /// The account owning the bucket.
    pub account: String,
    /// The JSON document delivered: `{"Records": [...]}` or an `s3:TestEvent`.
    pub body: String,
}

/// The object key as event records carry it: URL form encoding (a space
/// is `+`; letters, digits, `-_.*` and `/` stay; every other byte of the
/// UTF-8 is `%XX`).
pub fn encode_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for byte in key.bytes() {
        match byte {
            b' ' => out.push('+'),
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The next sequencer: hex, larger than every earlier one (kept across
/// restarts in `s3_sequencer`).
fn next_sequencer(tx: &rusqlite::Transaction<'_>, now_ms: i64) -> Result<String, S3Error> {
    let last: i64 = tx.query_row("SELECT COALESCE(MAX(last), 0) FROM s3_sequencer", [], |r| {
        r.get(0)
    })?;
    let next = (last + 1).max(now_ms.saturating_mul(1000));
    tx.execute("DELETE FROM s3_sequencer", [])?;
    tx.execute("INSERT INTO s3_sequencer (last) VALUES (?1)", params![next])?;
    Ok(format!("{next:018X}"))
}

/// Writes the outbox rows of one change, inside its transaction; true
/// when any configuration wanted it.
pub(crate) fn record(
    tx: &rusqlite::Transaction<'_>,
    bucket: &str,
    change: &Change<'_>,
) -> Result<bool, S3Error> {
    let config = load(tx, bucket)?;
    let event = format!("s3:{}", change.event_name);
    let wanted: Vec<_> = config
        .targets()
        .filter(|(_, c)| c.matches(&event, change.key))
        .collect();
    if wanted.is_empty() {
        return Ok(false);
    }
    let (account, region): (String, String) = tx.query_row(
        "SELECT account, region FROM s3_buckets WHERE name = ?1",
        params![bucket],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let sequencer = next_sequencer(tx, change.time_ms)?;
    for (kind, target) in wanted {
        let mut object = json!({ "key": encode_key(change.key) });
        if let Some((size, etag)) = change.object {
            object["size"] = json!(size);
            object["eTag"] = json!(etag.trim_matches('"'));
        }
        object["sequencer"] = json!(sequencer);
        let origin = change.origin;
        let principal = if origin.principal.is_empty() {
            account.as_str()
        } else {
            origin.principal.as_str()
        };
        let source_ip = if origin.source_ip.is_empty() {
            "127.0.0.1"
        } else {
            origin.source_ip.as_str()
        };
        let record = json!({
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "awsRegion": region,
            "eventTime": iso_millis(change.time_ms),
            "eventName": change.event_name,
            "userIdentity": { "principalId": principal },
            "requestParameters": { "sourceIPAddress": source_ip },
            "responseElements": {
                "x-amz-request-id": origin.request_id,
                "x-amz-id-2": origin.request_id,
            },
            "s3": {
                "s3SchemaVersion": "1.0",
                "configurationId": target.id,
                "bucket": {
                    "name": bucket,
                    "ownerIdentity": { "principalId": account },
                    "arn": bucket_arn(bucket),
                },
                "object": object,
            },
        });
        let body = json!({ "Records": [record] }).to_string();
        enqueue(
            tx,
            kind,
            &target.arn,
            bucket,
            &account,
            &body,
            change.time_ms,
        )?;
    }
    Ok(true)
}

impl S3Service {
    /// Notified when rows are added to the outbox.
    pub fn wake(&self) -> std::sync::Arc<tokio::sync::Notify> {
        self.wake.clone()
    }

    /// Up to `limit` notifications, oldest first.
    pub fn pending_notifications(&self, limit: usize) -> Result<Vec<Notification>, S3Error> {
        self.with(|conn| {
            let mut stmt = conn.prepare(
                "SELECT id, kind, target, bucket, account, body FROM s3_notifications
                 ORDER BY id LIMIT ?1",
            )?;
            let rows = stmt.query_map(params![limit as i64], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, kind, target, bucket, account, body) = row?;
                let Some(kind) = TargetKind::parse(&kind) else {
                    continue;
                };
                out.push(Notification {
                    id,
                    kind,
                    target,
                    bucket,
                    account,
                    body,
                });
            }
            Ok(out)
        })
    }

    /// Removes a delivered (or undeliverable) notification.
    pub fn notified(&self, id: i64) -> Result<(), S3Error> {
        self.with(|conn| {
            conn.execute("DELETE FROM s3_notifications WHERE id = ?1", params![id])?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_form_encoded() {
        assert_eq!(encode_key("dir/a b.txt"), "dir/a+b.txt");
        assert_eq!(encode_key("ü (1)=x"), "%C3%BC+%281%29%3Dx");
        assert_eq!(encode_key("a+b"), "a%2Bb");
    }
}
