//! Targets of rules: stored as given, echoed by ListTargetsByRule.

use crate::names::bus_name;
use crate::rules::find;
use crate::transform::check_target;
use crate::{page_of, Caller, EventsError, EventsResult, EventsService};
use rusqlite::params;
use serde::Deserialize;
use serde_json::{json, Value};

/// A rule takes at most this many targets.
const MAX_TARGETS: i64 = 5;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PutTargetsInput {
    pub rule: String,
    pub event_bus_name: Option<String>,
    pub targets: Vec<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RemoveTargetsInput {
    pub rule: String,
    pub event_bus_name: Option<String>,
    pub ids: Vec<String>,
    pub force: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListRuleNamesByTargetInput {
    pub target_arn: String,
    pub event_bus_name: Option<String>,
    pub next_token: Option<String>,
    pub limit: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListTargetsInput {
    pub rule: String,
    pub event_bus_name: Option<String>,
    pub next_token: Option<String>,
    pub limit: Option<usize>,
}

fn text<'a>(target: &'a Value, key: &str) -> &'a str {
    target.get(key).and_then(Value::as_str).unwrap_or_default()
}

impl EventsService {
    pub fn put_targets(&self, caller: Caller<'_>, input: PutTargetsInput) -> EventsResult<Value> {
        let bus = bus_name(input.event_bus_name.as_deref());
        for target in &input.targets {
            check_target(target)?;
        }
        self.with(|conn| {
            let rule = find(conn, caller, &bus, &input.rule)?;
            let tx = conn.transaction()?;
            let mut failed = Vec::new();
            for target in &input.targets {
                let id = text(target, "Id");
                let arn = text(target, "Arn");
                if !arn.starts_with("arn:") || arn.split(':').count() < 6 {
                    failed.push(json!({
                        "TargetId": id,
                        "ErrorCode": "ValidationException",
                        "ErrorMessage": format!("Parameter(s) Arn is not valid. Reason: {arn} is not an ARN."),
                    }));
                    continue;
                }
                let position: i64 = tx.query_row(
                    "SELECT COALESCE(MAX(position), 0) + 1 FROM events_targets WHERE rule_arn = ?1",
                    params![rule.arn],
                    |r| r.get(0),
                )?;
                tx.execute(
                    "INSERT INTO events_targets (rule_arn, id, position, target) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (rule_arn, id) DO UPDATE SET target = ?4",
                    params![rule.arn, id, position, target.to_string()],
                )?;
            }
            let count: i64 = tx.query_row(
                "SELECT COUNT(*) FROM events_targets WHERE rule_arn = ?1",
                params![rule.arn],
                |r| r.get(0),
            )?;
            if count > MAX_TARGETS {
                return Err(EventsError::limit(
                    "The requested resource exceeds the maximum number allowed.",
                ));
            }
            tx.commit()?;
            Ok(json!({ "FailedEntryCount": failed.len(), "FailedEntries": failed }))
        })
    }

    pub fn list_targets_by_rule(
        &self,
        caller: Caller<'_>,
        input: ListTargetsInput,
    ) -> EventsResult<Value> {
        let bus = bus_name(input.event_bus_name.as_deref());
        self.with(|conn| {
            let rule = find(conn, caller, &bus, &input.rule)?;
            let targets = targets_of(conn, &rule.arn)?;
            let (items, next) = page_of(targets, input.next_token.as_deref(), input.limit)?;
            let mut out = json!({ "Targets": items });
            if let Some(token) = next {
                out["NextToken"] = json!(token);
            }
            Ok(out)
        })
    }

    /// The names of the bus's rules with a target of this ARN.
    pub fn list_rule_names_by_target(
        &self,
        caller: Caller<'_>,
        input: ListRuleNamesByTargetInput,
    ) -> EventsResult<Value> {
        let bus = bus_name(input.event_bus_name.as_deref());
        self.with(|conn| {
            crate::lookup::require_bus(conn, caller, &bus)?;
            let mut stmt = conn.prepare(
                "SELECT DISTINCT r.name FROM events_rules r JOIN events_targets t ON t.rule_arn = r.arn
                 WHERE r.account = ?1 AND r.region = ?2 AND r.bus = ?3
                 AND json_extract(t.target, '$.Arn') = ?4 ORDER BY r.name",
            )?;
            let names = stmt
                .query_map(
                    params![caller.account, caller.region, bus, input.target_arn],
                    |r| r.get::<_, String>(0),
                )?
                .collect::<Result<Vec<_>, _>>()?;
            let (items, next) = page_of(names, input.next_token.as_deref(), input.limit)?;
            let mut out = json!({ "RuleNames": items });
            if let Some(token) = next {
                out["NextToken"] = json!(token);
            }
            Ok(out)
        })
    }

    /// Ids the rule does not have are not failures, as with AWS.
    pub fn remove_targets(
        &self,
        caller: Caller<'_>,
        input: RemoveTargetsInput,
    ) -> EventsResult<Value> {
        let bus = bus_name(input.event_bus_name.as_deref());
        self.with(|conn| {
            let rule = find(conn, caller, &bus, &input.rule)?;
            let tx = conn.transaction()?;
            for id in &input.ids {
                tx.execute(
                    "DELETE FROM events_targets WHERE rule_arn = ?1 AND id = ?2",
                    params![rule.arn, id],
                )?;
            }
            tx.commit()?;
            Ok(json!({ "FailedEntryCount": 0, "FailedEntries": [] }))
        })
    }
}

/// A rule's targets in the order they were added.
pub(crate) fn targets_of(conn: &rusqlite::Connection, rule_arn: &str) -> EventsResult<Vec<Value>> {
    let mut stmt =
        conn.prepare("SELECT target FROM events_targets WHERE rule_arn = ?1 ORDER BY position")?;
    let rows = stmt
        .query_map(params![rule_arn], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows
        .iter()
        .filter_map(|t| serde_json::from_str(t).ok())
        .collect())
}
