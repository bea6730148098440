//! DynamoDB Streams: a stream per enable of a table's StreamSpecification
//! (a new label and ARN each time; a disabled stream stays readable until its
//! records are past the 24-hour retention), one shard per stream, and one
//! stream record per item change, written in the change's transaction.
//!
//! Sequence numbers come from one counter (`dynamodb_stream_records.seq`)
//! and are written as 21 digits, so they grow in text and in number.

mod api;
mod poll;

pub use api::{DescribeStreamInput, GetRecordsInput, GetShardIteratorInput, ListStreamsInput};
pub use poll::{StreamCheckpoint, StreamPosition, StreamRecordRow};

use crate::definition::TableDef;
use crate::error::{DynamoError, DynamoResult};
use crate::keys::item_size;
use crate::types::Item;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Map, Value};

/// Stream records are kept this long.
pub(crate) const RETENTION_MS: i64 = 24 * 3600 * 1000;
/// Added to the counter so every sequence number has 21 digits.
const SEQ_BASE: u128 = 100_000_000_000_000_000_000;

pub(crate) fn sequence_number(seq: i64) -> String {
    (SEQ_BASE + seq.max(0) as u128).to_string()
}

/// The counter behind a sequence number, if it is one of ours.
pub(crate) fn parse_sequence(text: &str) -> Option<i64> {
    let n: u128 = text.parse().ok()?;
    i64::try_from(n.checked_sub(SEQ_BASE)?).ok()
}

pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A stored stream.
#[derive(Debug, Clone)]
pub(crate) struct StreamRow {
    pub id: i64,
    pub account: String,
    pub region: String,
    pub table_name: String,
    pub label: String,
    pub view_type: String,
    pub key_schema: Value,
    pub created_ms: i64,
    pub start_seq: i64,
    pub disabled_ms: Option<i64>,
    pub end_seq: Option<i64>,
    /// The last counter of this stream removed by retention.
    pub trimmed_seq: i64,
}

impl StreamRow {
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:dynamodb:{}:{}:table/{}/stream/{}",
            self.region, self.account, self.table_name, self.label
        )
    }

    /// The stream's one shard: `shardId-<20 digits of creation time>-<8 hex>`.
    pub fn shard_id(&self) -> String {
        let tag = (self.id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
        format!("shardId-{:020}-{:08x}", self.created_ms, tag as u32)
    }
}

const STREAM_COLUMNS: &str = "id, account, region, table_name, label, view_type, key_schema, created_ms, start_seq, disabled_ms, end_seq, trimmed_seq";

fn stream_of_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StreamRow> {
    let key_schema: String = r.get(6)?;
    Ok(StreamRow {
        id: r.get(0)?,
        account: r.get(1)?,
        region: r.get(2)?,
        table_name: r.get(3)?,
        label: r.get(4)?,
        view_type: r.get(5)?,
        key_schema: serde_json::from_str(&key_schema).unwrap_or(Value::Null),
        created_ms: r.get(7)?,
        start_seq: r.get(8)?,
        disabled_ms: r.get(9)?,
        end_seq: r.get(10)?,
        trimmed_seq: r.get(11)?,
    })
}

/// (account, region, table, label) of a stream ARN.
pub(crate) fn parse_stream_arn(arn: &str) -> Option<(String, String, String, String)> {
    let rest = arn.strip_prefix("arn:aws:dynamodb:")?;
    let (region, rest) = rest.split_once(':')?;
    let (account, rest) = rest.split_once(':')?;
    let rest = rest.strip_prefix("table/")?;
    let (table, label) = rest.split_once("/stream/")?;
    if region.is_empty() || account.is_empty() || table.is_empty() || label.is_empty() {
        return None;
    }
    Some((account.into(), region.into(), table.into(), label.into()))
}

/// The stream an ARN names, or `not_found`'s answer.
pub(crate) fn find_stream(conn: &Connection, arn: &str) -> DynamoResult<Option<StreamRow>> {
    let Some((account, region, table, label)) = parse_stream_arn(arn) else {
        return Ok(None);
    };
    let sql = format!(
        "SELECT {STREAM_COLUMNS} FROM dynamodb_streams WHERE account = ?1 AND region = ?2 AND table_name = ?3 AND label = ?4"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params![account, region, table, label], stream_of_row)
        .optional()?)
}

pub(crate) fn streams_where(
    conn: &Connection,
    condition: &str,
    values: &[&dyn rusqlite::ToSql],
) -> DynamoResult<Vec<StreamRow>> {
    let sql =
        format!("SELECT {STREAM_COLUMNS} FROM dynamodb_streams WHERE {condition} ORDER BY id");
    let mut statement = conn.prepare(&sql)?;
    let rows = statement.query_map(values, stream_of_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// "Requested resource not found: Stream: <arn> not found".
pub(crate) fn stream_not_found(arn: &str) -> DynamoError {
    DynamoError::not_found(format!(
        "Requested resource not found: Stream: {arn} not found"
    ))
}

/// The highest sequence counter handed out so far.
fn last_seq(conn: &Connection) -> DynamoResult<i64> {
    let seq: Option<i64> = conn
        .query_row(
            "SELECT seq FROM sqlite_sequence WHERE name = 'dynamodb_stream_records'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    Ok(seq.unwrap_or(0))
}

/// Opens the stream a table's definition names (after CreateTable or an
/// UpdateTable that enabled it).
pub(crate) fn open_stream(
    conn: &Connection,
    table_id: i64,
    account: &str,
    region: &str,
    name: &str,
    def: &TableDef,
) -> DynamoResult<()> {
    let (Some(spec), Some(label)) = (&def.stream_specification, &def.latest_stream_label) else {
        return Ok(());
    };
    let view_type = spec.stream_view_type.clone().unwrap_or_default();
    conn.execute(
        "INSERT INTO dynamodb_streams (table_id, account, region, table_name, label, view_type, key_schema, created_ms, start_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            table_id,
            account,
            region,
            name,
            label,
            view_type,
            serde_json::to_string(&def.key_schema)?,
            now_ms(),
            last_seq(conn)? + 1
        ],
    )?;
    Ok(())
}

/// Disables a table's open stream (its stream turned off, or the table deleted).
pub(crate) fn close_streams(conn: &Connection, table_id: i64) -> DynamoResult<()> {
    conn.execute(
        "UPDATE dynamodb_streams SET disabled_ms = ?2,
             end_seq = COALESCE((SELECT MAX(seq) FROM dynamodb_stream_records WHERE stream_id = dynamodb_streams.id), start_seq)
         WHERE table_id = ?1 AND disabled_ms IS NULL",
        params![table_id, now_ms()],
    )?;
    Ok(())
}

/// Who made a change, when it was not a caller: TTL deletes are the
/// service's (the Streams API's `Identity` shape; Lambda's events spell its
/// members `type` and `principalId`).
pub(crate) fn ttl_identity() -> Value {
    json!({ "PrincipalId": "dynamodb.amazonaws.com", "Type": "Service" })
}

/// Records one item change on the table's enabled stream, if it has one
/// and the change changed something.
pub(crate) fn record_change(
    conn: &Connection,
    table_id: i64,
    def: &TableDef,
    region: &str,
    old: Option<&Item>,
    new: Option<&Item>,
    identity: Option<Value>,
) -> DynamoResult<()> {
    let enabled = def
        .stream_specification
        .as_ref()
        .is_some_and(|s| s.stream_enabled);
    let Some(label) = def.latest_stream_label.as_deref().filter(|_| enabled) else {
        return Ok(());
    };
    let event_name = match (old, new) {
        (None, None) => return Ok(()),
        (Some(o), Some(n)) if o == n => return Ok(()),
        (None, Some(_)) => "INSERT",
        (Some(_), Some(_)) => "MODIFY",
        (Some(_), None) => "REMOVE",
    };
    let stream: Option<(i64, String)> = conn
        .prepare_cached(
            "SELECT id, view_type FROM dynamodb_streams WHERE table_id = ?1 AND label = ?2 AND disabled_ms IS NULL",
        )?
        .query_row(params![table_id, label], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((stream_id, view_type)) = stream else {
        return Ok(());
    };
    let shape = def.key_shape();
    let Some(source) = new.or(old) else {
        return Ok(());
    };
    let mut keys = Item::new();
    for (name, _) in std::iter::once(&shape.hash).chain(shape.range.as_ref()) {
        if let Some(value) = source.get(name) {
            keys.insert(name.clone(), value.clone());
        }
    }
    let new_image = new.filter(|_| view_type == "NEW_IMAGE" || view_type == "NEW_AND_OLD_IMAGES");
    let old_image = old.filter(|_| view_type == "OLD_IMAGE" || view_type == "NEW_AND_OLD_IMAGES");
    let size = item_size(&keys) + new_image.map_or(0, item_size) + old_image.map_or(0, item_size);
    let now = now_ms();
    let mut dynamodb = Map::new();
    dynamodb.insert("ApproximateCreationDateTime".into(), json!(now / 1000));
    dynamodb.insert("Keys".into(), serde_json::to_value(&keys)?);
    if let Some(image) = new_image {
        dynamodb.insert("NewImage".into(), serde_json::to_value(image)?);
    }
    if let Some(image) = old_image {
        dynamodb.insert("OldImage".into(), serde_json::to_value(image)?);
    }
    // The sequence number is filled in from the row's counter when read.
    dynamodb.insert("SizeBytes".into(), json!(size));
    dynamodb.insert("StreamViewType".into(), json!(view_type));
    let mut record = json!({
        "eventID": uuid::Uuid::new_v4().simple().to_string(),
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": dynamodb,
    });
    if let Some(identity) = identity {
        record["userIdentity"] = identity;
    }
    conn.prepare_cached(
        "INSERT INTO dynamodb_stream_records (stream_id, created_ms, record) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![stream_id, now, record.to_string()])?;
    Ok(())
}

/// A stored record as the Streams API and pollers give it: the sequence
/// number put in its place.
pub(crate) fn full_record(seq: i64, stored: &str) -> DynamoResult<Value> {
    let mut record: Value = serde_json::from_str(stored)?;
    if let Some(Value::Object(dynamodb)) = record.get_mut("dynamodb") {
        let mut ordered = Map::new();
        for (name, value) in std::mem::take(dynamodb) {
            if name == "SizeBytes" {
                ordered.insert("SequenceNumber".into(), json!(sequence_number(seq)));
            }
            ordered.insert(name, value);
        }
        *dynamodb = ordered;
    }
    Ok(record)
}

/// Drops records past retention and streams disabled longer than that.
pub(crate) fn trim(conn: &Connection, now: i64) -> DynamoResult<usize> {
    let cutoff = now - RETENTION_MS;
    conn.execute(
        "UPDATE dynamodb_streams SET trimmed_seq = (SELECT MAX(seq) FROM dynamodb_stream_records
             WHERE stream_id = dynamodb_streams.id AND created_ms < ?1)
         WHERE EXISTS (SELECT 1 FROM dynamodb_stream_records
             WHERE stream_id = dynamodb_streams.id AND created_ms < ?1)",
        params![cutoff],
    )?;
    let removed = conn.execute(
        "DELETE FROM dynamodb_stream_records WHERE created_ms < ?1",
        params![cutoff],
    )?;
    conn.execute(
        "DELETE FROM dynamodb_stream_checkpoints WHERE stream_id IN
             (SELECT id FROM dynamodb_streams WHERE disabled_ms IS NOT NULL AND disabled_ms < ?1)",
        params![cutoff],
    )?;
    conn.execute(
        "DELETE FROM dynamodb_streams WHERE disabled_ms IS NOT NULL AND disabled_ms < ?1",
        params![cutoff],
    )?;
    Ok(removed)
}

impl StreamRow {
    /// The trim horizon: the first counter that may still be read.
    pub fn horizon(&self) -> i64 {
        self.start_seq.max(self.trimmed_seq + 1)
    }
}

/// Records of a stream from counter `from` on, at most `limit`.
pub(crate) fn records_from(
    conn: &Connection,
    stream_id: i64,
    from: i64,
    limit: i64,
) -> DynamoResult<Vec<(i64, i64, String)>> {
    let mut statement = conn.prepare_cached(
        "SELECT seq, created_ms, record FROM dynamodb_stream_records WHERE stream_id = ?1 AND seq >= ?2 ORDER BY seq LIMIT ?3",
    )?;
    let rows = statement.query_map(params![stream_id, from, limit], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Where LATEST stands in a stream right now: one past its last record.
pub(crate) fn latest_position(conn: &Connection, stream: &StreamRow) -> DynamoResult<i64> {
    if let Some(end) = stream.end_seq {
        return Ok(end + 1);
    }
    Ok(last_seq(conn)? + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_numbers_have_21_digits_and_keep_their_order() {
        let (a, b) = (sequence_number(9), sequence_number(10));
        assert_eq!(a, "100000000000000000009");
        assert!(a.len() == 21 && b.len() == 21 && a < b);
        assert_eq!(parse_sequence(&b), Some(10));
        assert_eq!(parse_sequence("100000000000000499659"), Some(499659));
        // Beyond the counter (AWS's own numbers): not one of ours.
        assert_eq!(parse_sequence("300000000000000499659"), None);
        assert_eq!(parse_sequence("12"), None);
        assert_eq!(parse_sequence("not a number"), None);
    }

    #[test]
    fn stream_arns_name_account_region_table_and_label() {
        let arn =
            "arn:aws:dynamodb:us-west-2:111122223333:table/Forum/stream/2015-05-20T20:51:10.252";
        assert_eq!(
            parse_stream_arn(arn),
            Some((
                "111122223333".into(),
                "us-west-2".into(),
                "Forum".into(),
                "2015-05-20T20:51:10.252".into()
            ))
        );
        assert_eq!(
            parse_stream_arn("arn:aws:dynamodb:us-west-2:1:table/Forum"),
            None
        );
        assert_eq!(
            parse_stream_arn("arn:aws:kinesis:us-west-2:1:stream/x"),
            None
        );
    }
}
