//! Event buses: the `default` bus of every account and region (made on
//! first use) and custom ones.

use crate::lookup::ensure_default;
use crate::names::{bus_arn, bus_name, DEFAULT_BUS};
use crate::tags::{self, Tag};
use crate::{now_ms, page_of, seconds, Caller, EventsError, EventsResult, EventsService};
use rusqlite::{params, OptionalExtension};
use serde::Deserialize;
use serde_json::{json, Map, Value};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateEventBusInput {
    pub name: String,
    pub description: Option<String>,
    pub event_source_name: Option<String>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NameInput {
    pub name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListEventBusesInput {
    pub name_prefix: Option<String>,
    pub next_token: Option<String>,
    pub limit: Option<usize>,
}

fn bus_document(row: &rusqlite::Row<'_>) -> rusqlite::Result<Value> {
    let mut doc = Map::new();
    doc.insert("Name".into(), json!(row.get::<_, String>(0)?));
    doc.insert("Arn".into(), json!(row.get::<_, String>(1)?));
    if let Some(d) = row.get::<_, Option<String>>(2)? {
        doc.insert("Description".into(), json!(d));
    }
    doc.insert("CreationTime".into(), json!(seconds(row.get(3)?)));
    doc.insert("LastModifiedTime".into(), json!(seconds(row.get(4)?)));
    Ok(Value::Object(doc))
}

impl EventsService {
    pub fn create_event_bus(
        &self,
        caller: Caller<'_>,
        input: CreateEventBusInput,
    ) -> EventsResult<Value> {
        let name = input.name;
        if name.contains('/') && input.event_source_name.is_none() {
            return Err(EventsError::validation(
                "Event bus name must not contain '/'.",
            ));
        }
        self.with(|conn| {
            ensure_default(conn, caller)?;
            let arn = bus_arn(caller, &name);
            let tx = conn.transaction()?;
            let now = now_ms();
            let inserted = tx.execute(
                "INSERT OR IGNORE INTO events_buses
                 (arn, account, region, name, description, created_ms, modified_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                params![
                    arn,
                    caller.account,
                    caller.region,
                    name,
                    input.description,
                    now
                ],
            )?;
            if inserted == 0 {
                return Err(EventsError::exists(format!(
                    "Event bus {name} already exists."
                )));
            }
            tags::put(&tx, &arn, &input.tags)?;
            tx.commit()?;
            let mut out = json!({ "EventBusArn": arn });
            if let Some(d) = input.description {
                out["Description"] = json!(d);
            }
            Ok(out)
        })
    }

    pub fn describe_event_bus(&self, caller: Caller<'_>, input: NameInput) -> EventsResult<Value> {
        let name = bus_name(input.name.as_deref());
        self.with(|conn| {
            ensure_default(conn, caller)?;
            conn.query_row(
                "SELECT name, arn, description, created_ms, modified_ms
                 FROM events_buses WHERE arn = ?1",
                params![bus_arn(caller, &name)],
                bus_document,
            )
            .optional()?
            .ok_or_else(|| EventsError::bus_not_found(&name))
        })
    }

    pub fn list_event_buses(
        &self,
        caller: Caller<'_>,
        input: ListEventBusesInput,
    ) -> EventsResult<Value> {
        self.with(|conn| {
            ensure_default(conn, caller)?;
            let mut stmt = conn.prepare(
                "SELECT name, arn, description, created_ms, modified_ms FROM events_buses
                 WHERE account = ?1 AND region = ?2 ORDER BY name",
            )?;
            let prefix = input.name_prefix.unwrap_or_default();
            let all: Vec<Value> = stmt
                .query_map(params![caller.account, caller.region], bus_document)?
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .filter(|b| b["Name"].as_str().is_some_and(|n| n.starts_with(&prefix)))
                .collect();
            let (items, next) = page_of(all, input.next_token.as_deref(), input.limit)?;
            let mut out = json!({ "EventBuses": items });
            if let Some(token) = next {
                out["NextToken"] = json!(token);
            }
            Ok(out)
        })
    }

    /// Deletes a custom bus with its rules and their targets; deleting a
    /// bus that is not there succeeds, as AWS's does.
    pub fn delete_event_bus(&self, caller: Caller<'_>, input: NameInput) -> EventsResult<()> {
        let name = input.name.unwrap_or_default();
        if name == DEFAULT_BUS {
            return Err(EventsError::validation("Cannot delete event bus default."));
        }
        self.with(|conn| {
            let tx = conn.transaction()?;
            let arn = bus_arn(caller, &name);
            tx.execute(
                "DELETE FROM events_targets WHERE rule_arn IN (SELECT arn FROM events_rules
                 WHERE account = ?1 AND region = ?2 AND bus = ?3)",
                params![caller.account, caller.region, name],
            )?;
            tx.execute(
                "DELETE FROM events_tags WHERE arn IN (SELECT arn FROM events_rules
                 WHERE account = ?1 AND region = ?2 AND bus = ?3)",
                params![caller.account, caller.region, name],
            )?;
            tx.execute(
                "DELETE FROM events_rules WHERE account = ?1 AND region = ?2 AND bus = ?3",
                params![caller.account, caller.region, name],
            )?;
            tx.execute("DELETE FROM events_tags WHERE arn = ?1", params![arn])?;
            tx.execute("DELETE FROM events_buses WHERE arn = ?1", params![arn])?;
            tx.commit()?;
            Ok(())
        })
    }
}
