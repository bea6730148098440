//! Tags of buses and rules.

use crate::lookup::ensure_default;
use crate::names::{bus_arn, parse_arn, rule_arn, Named};
use crate::{Caller, EventsError, EventsResult, EventsService};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TagResourceInput {
    #[serde(rename = "ResourceARN")]
    pub resource_arn: String,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UntagResourceInput {
    #[serde(rename = "ResourceARN")]
    pub resource_arn: String,
    pub tag_keys: Vec<String>,
}

pub(crate) fn put(conn: &Connection, arn: &str, tags: &[Tag]) -> EventsResult<()> {
    for tag in tags {
        conn.execute(
            "INSERT OR REPLACE INTO events_tags (arn, key, value) VALUES (?1, ?2, ?3)",
            params![arn, tag.key, tag.value],
        )?;
    }
    Ok(())
}

/// The resource must be the caller's existing bus or rule.
fn require_resource(conn: &Connection, caller: Caller<'_>, arn: &str) -> EventsResult<()> {
    ensure_default(conn, caller)?;
    let Some((region, account, named)) = parse_arn(arn) else {
        return Err(EventsError::validation(format!(
            "Parameter ResourceARN is not valid. Reason: {arn} is not a valid ARN."
        )));
    };
    let (table, key, missing) = match &named {
        Named::Bus(name) => (
            "events_buses",
            bus_arn(caller, name),
            EventsError::bus_not_found(name),
        ),
        Named::Rule { bus, name } => (
            "events_rules",
            rule_arn(caller, bus, name),
            EventsError::rule_not_found(name, bus),
        ),
    };
    if region != caller.region || account != caller.account {
        return Err(missing);
    }
    let found: Option<i64> = conn
        .query_row(
            &format!("SELECT 1 FROM {table} WHERE arn = ?1"),
            params![key],
            |r| r.get(0),
        )
        .optional()?;
    found.map(|_| ()).ok_or(missing)
}

impl EventsService {
    pub fn tag_resource(&self, caller: Caller<'_>, input: TagResourceInput) -> EventsResult<()> {
        self.with(|conn| {
            require_resource(conn, caller, &input.resource_arn)?;
            let tx = conn.transaction()?;
            put(&tx, &input.resource_arn, &input.tags)?;
            tx.commit()?;
            Ok(())
        })
    }

    pub fn untag_resource(
        &self,
        caller: Caller<'_>,
        input: UntagResourceInput,
    ) -> EventsResult<()> {
        self.with(|conn| {
            require_resource(conn, caller, &input.resource_arn)?;
            let tx = conn.transaction()?;
            for key in &input.tag_keys {
                tx.execute(
                    "DELETE FROM events_tags WHERE arn = ?1 AND key = ?2",
                    params![input.resource_arn, key],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    pub fn list_tags_for_resource(
        &self,
        caller: Caller<'_>,
        input: TagResourceInput,
    ) -> EventsResult<Value> {
        self.with(|conn| {
            require_resource(conn, caller, &input.resource_arn)?;
            let mut stmt =
                conn.prepare("SELECT key, value FROM events_tags WHERE arn = ?1 ORDER BY key")?;
            let tags = stmt
                .query_map(params![input.resource_arn], |r| {
                    Ok(json!({ "Key": r.get::<_, String>(0)?, "Value": r.get::<_, String>(1)? }))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(json!({ "Tags": tags }))
        })
    }
}
