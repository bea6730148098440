//! PutEvents: each entry checked, made an event document, matched against
//! the enabled pattern rules of its bus, and one delivery row written per
//! target of each matching rule — all in one transaction. TestEventPattern.

use crate::deliveries::enqueue;
use crate::lookup::require_bus;
use crate::names::bus_name;
use crate::rules::{rule_of, Rule, RULE_COLUMNS};
use crate::{event_time, now_ms, Caller, EventsError, EventsResult, EventsService};
use laminar_event_pattern::Pattern;
use rusqlite::{params, Connection};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

/// One entry of PutEvents.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct EventEntry {
    /// Epoch seconds (JSON 1.1) or an ISO 8601 text.
    pub time: Option<Value>,
    pub source: Option<String>,
    pub resources: Vec<String>,
    pub detail_type: Option<String>,
    pub detail: Option<String>,
    pub event_bus_name: Option<String>,
    pub trace_header: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PutEventsInput {
    pub entries: Vec<EventEntry>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TestEventPatternInput {
    pub event_pattern: String,
    pub event: String,
}

fn entry_time(time: Option<&Value>) -> i64 {
    match time {
        Some(Value::Number(n)) => n
            .as_f64()
            .map(|s| (s * 1000.0) as i64)
            .unwrap_or_else(now_ms),
        Some(Value::String(s)) => chrono::DateTime::parse_from_rfc3339(s)
            .map(|t| t.timestamp_millis())
            .unwrap_or_else(|_| now_ms()),
        _ => now_ms(),
    }
}

fn entry_error(code: &str, message: String) -> Value {
    json!({ "ErrorCode": code, "ErrorMessage": message })
}

/// The entry's event document, or its per-entry error.
fn document(caller: Caller<'_>, entry: &EventEntry) -> Result<Value, Value> {
    let required = |name: &str, v: &Option<String>| match v {
        Some(s) if !s.is_empty() => Ok(s.clone()),
        _ => Err(entry_error(
            "InvalidArgument",
            format!("Parameter {name} is not valid. Reason: {name} is a required argument."),
        )),
    };
    let source = required("Source", &entry.source)?;
    let detail_type = required("DetailType", &entry.detail_type)?;
    let detail = required("Detail", &entry.detail)?;
    let detail: Value = match serde_json::from_str(&detail) {
        Ok(v @ Value::Object(_)) => v,
        _ => {
            return Err(entry_error(
                "MalformedDetail",
                "Detail is malformed.".into(),
            ))
        }
    };
    Ok(json!({
        "version": "0",
        "id": uuid::Uuid::new_v4().to_string(),
        "detail-type": detail_type,
        "source": source,
        "account": caller.account,
        "time": event_time(entry_time(entry.time.as_ref())),
        "region": caller.region,
        "resources": entry.resources,
        "detail": detail,
    }))
}

/// The enabled pattern rules of a bus, their patterns parsed.
fn pattern_rules(
    conn: &Connection,
    caller: Caller<'_>,
    bus: &str,
) -> EventsResult<Vec<(Rule, Pattern)>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {RULE_COLUMNS} FROM events_rules WHERE account = ?1 AND region = ?2 AND bus = ?3
         AND event_pattern IS NOT NULL AND state != 'DISABLED' ORDER BY name"
    ))?;
    let rules = stmt
        .query_map(params![caller.account, caller.region, bus], rule_of)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rules
        .into_iter()
        .filter_map(|r| {
            let pattern = Pattern::parse(r.event_pattern.as_deref()?).ok()?;
            Some((r, pattern))
        })
        .collect())
}

impl EventsService {
    pub fn put_events(&self, caller: Caller<'_>, input: PutEventsInput) -> EventsResult<Value> {
        let (results, written) = self.with(|conn| {
            let tx = conn.transaction()?;
            let mut rules_of: HashMap<String, Vec<(Rule, Pattern)>> = HashMap::new();
            let mut results = Vec::with_capacity(input.entries.len());
            let mut written = 0;
            for entry in &input.entries {
                let bus = bus_name(entry.event_bus_name.as_deref());
                let event = match document(caller, entry) {
                    Ok(event) => event,
                    Err(failure) => {
                        results.push(failure);
                        continue;
                    }
                };
                if !rules_of.contains_key(&bus) {
                    if let Err(e) = require_bus(&tx, caller, &bus) {
                        results.push(entry_error(e.code, e.message));
                        continue;
                    }
                    rules_of.insert(bus.clone(), pattern_rules(&tx, caller, &bus)?);
                }
                for (rule, pattern) in rules_of.get(&bus).into_iter().flatten() {
                    if pattern.matches(&event) {
                        written += enqueue(&tx, rule, &event)?;
                    }
                }
                results.push(json!({ "EventId": event["id"] }));
            }
            tx.commit()?;
            Ok((results, written))
        })?;
        if written > 0 {
            self.wake.notify_one();
        }
        let failed = results
            .iter()
            .filter(|r| r.get("ErrorCode").is_some())
            .count();
        Ok(json!({ "FailedEntryCount": failed, "Entries": results }))
    }

    pub fn test_event_pattern(&self, input: TestEventPatternInput) -> EventsResult<Value> {
        let pattern = Pattern::parse(&input.event_pattern).map_err(EventsError::pattern)?;
        let event: Value = serde_json::from_str(&input.event)
            .map_err(|_| EventsError::validation("Parameter Event is not valid."))?;
        let complete = ["id", "account", "source", "time", "region", "detail-type"]
            .iter()
            .all(|f| event.get(*f).is_some());
        if !complete {
            return Err(EventsError::validation("Parameter Event is not valid."));
        }
        Ok(json!({ "Result": pattern.matches(&event) }))
    }
}

impl EventsService {
    /// Puts one event on the bus an ARN names, as its account and region
    /// (asynchronous invocation destinations). The entry's result is
    /// returned; a failed entry is an error.
    pub fn put_event_to_bus_arn(
        &self,
        bus_arn: &str,
        mut entry: EventEntry,
    ) -> EventsResult<String> {
        let parts: Vec<&str> = bus_arn.splitn(6, ':').collect();
        let ["arn", _, "events", region, account, rest] = parts.as_slice() else {
            return Err(EventsError::validation(format!(
                "{bus_arn} is not an event bus ARN."
            )));
        };
        if !rest.starts_with("event-bus/") {
            return Err(EventsError::validation(format!(
                "{bus_arn} is not an event bus ARN."
            )));
        }
        entry.event_bus_name = Some(bus_arn.to_string());
        let caller = Caller { account, region };
        let out = self.put_events(
            caller,
            PutEventsInput {
                entries: vec![entry],
            },
        )?;
        let result = &out["Entries"][0];
        match result.get("EventId").and_then(Value::as_str) {
            Some(id) => Ok(id.to_string()),
            None => Err(EventsError::validation(
                result["ErrorMessage"]
                    .as_str()
                    .unwrap_or("the event was refused")
                    .to_string(),
            )),
        }
    }
}
