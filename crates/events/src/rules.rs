//! Rules: an event pattern or a schedule on a bus, enabled or not.

use crate::lookup::require_bus;
use crate::names::{bus_name, rule_arn, DEFAULT_BUS};
use crate::schedule::{self, Schedule};
use crate::tags::{self, Tag};
use crate::{now_ms, page_of, Caller, EventsError, EventsResult, EventsService};
use laminar_event_pattern::Pattern;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Deserialize;
use serde_json::{json, Map, Value};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PutRuleInput {
    pub name: String,
    pub schedule_expression: Option<String>,
    pub event_pattern: Option<String>,
    pub state: Option<String>,
    pub description: Option<String>,
    pub role_arn: Option<String>,
    pub tags: Vec<Tag>,
    pub event_bus_name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RuleInput {
    pub name: String,
    pub event_bus_name: Option<String>,
    pub force: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListRulesInput {
    pub name_prefix: Option<String>,
    pub event_bus_name: Option<String>,
    pub next_token: Option<String>,
    pub limit: Option<usize>,
}

/// A stored rule.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub arn: String,
    pub bus: String,
    pub name: String,
    pub event_pattern: Option<String>,
    pub schedule: Option<String>,
    pub state: String,
    pub description: Option<String>,
    pub role_arn: Option<String>,
    pub account: String,
}

impl Rule {
    /// The `Rule` of ListRules; DescribeRule adds `CreatedBy`.
    fn document(&self) -> Value {
        let mut doc = Map::new();
        doc.insert("Name".into(), json!(self.name));
        doc.insert("Arn".into(), json!(self.arn));
        if let Some(p) = &self.event_pattern {
            doc.insert("EventPattern".into(), json!(p));
        }
        if let Some(s) = &self.schedule {
            doc.insert("ScheduleExpression".into(), json!(s));
        }
        doc.insert("State".into(), json!(self.state));
        if let Some(d) = &self.description {
            doc.insert("Description".into(), json!(d));
        }
        if let Some(r) = &self.role_arn {
            doc.insert("RoleArn".into(), json!(r));
        }
        doc.insert("EventBusName".into(), json!(self.bus));
        Value::Object(doc)
    }
}

pub(crate) const RULE_COLUMNS: &str =
    "arn, bus, name, event_pattern, schedule, state, description, role_arn, account";

pub(crate) fn rule_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<Rule> {
    Ok(Rule {
        arn: r.get(0)?,
        bus: r.get(1)?,
        name: r.get(2)?,
        event_pattern: r.get(3)?,
        schedule: r.get(4)?,
        state: r.get(5)?,
        description: r.get(6)?,
        role_arn: r.get(7)?,
        account: r.get(8)?,
    })
}

/// The caller's rule on a bus, or AWS's not-found error.
pub(crate) fn find(
    conn: &Connection,
    caller: Caller<'_>,
    bus: &str,
    name: &str,
) -> EventsResult<Rule> {
    require_bus(conn, caller, bus)?;
    conn.query_row(
        &format!("SELECT {RULE_COLUMNS} FROM events_rules WHERE arn = ?1"),
        params![rule_arn(caller, bus, name)],
        rule_of,
    )
    .optional()?
    .ok_or_else(|| EventsError::rule_not_found(name, bus))
}

impl EventsService {
    /// When an enabled schedule fires next, counted from `from_ms`.
    pub(crate) fn next_fire(
        &self,
        schedule: Option<&str>,
        enabled: bool,
        from_ms: i64,
    ) -> Option<i64> {
        if !enabled {
            return None;
        }
        Schedule::parse(schedule?)?.next_after(from_ms, self.time_scale)
    }

    pub fn put_rule(&self, caller: Caller<'_>, input: PutRuleInput) -> EventsResult<Value> {
        let bus = bus_name(input.event_bus_name.as_deref());
        let schedule = input.schedule_expression.filter(|s| !s.is_empty());
        let pattern = input.event_pattern.filter(|p| !p.is_empty());
        if schedule.is_none() && pattern.is_none() {
            return Err(EventsError::validation(
                "Parameter(s) EventPattern or ScheduleExpression must be specified.",
            ));
        }
        if let Some(p) = &pattern {
            Pattern::parse(p).map_err(EventsError::pattern)?;
        }
        if let Some(s) = &schedule {
            if bus != DEFAULT_BUS {
                return Err(EventsError::validation(
                    "ScheduleExpression is supported only on the default event bus.",
                ));
            }
            Schedule::parse(s).ok_or_else(schedule::invalid)?;
        }
        let state = input.state.unwrap_or_else(|| "ENABLED".to_string());
        let arn = rule_arn(caller, &bus, &input.name);
        let now = now_ms();
        let next = self.next_fire(schedule.as_deref(), state != "DISABLED", now);
        self.with(|conn| {
            require_bus(conn, caller, &bus)?;
            let tx = conn.transaction()?;
            tx.execute(
                "INSERT INTO events_rules (arn, account, region, bus, name, event_pattern,
                     schedule, state, description, role_arn, created_ms, next_fire_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                 ON CONFLICT (arn) DO UPDATE SET event_pattern = ?6, schedule = ?7,
                     state = ?8, description = ?9, role_arn = ?10, next_fire_ms = ?12",
                params![
                    arn,
                    caller.account,
                    caller.region,
                    bus,
                    input.name,
                    pattern,
                    schedule,
                    state,
                    input.description,
                    input.role_arn,
                    now,
                    next
                ],
            )?;
            tags::put(&tx, &arn, &input.tags)?;
            tx.commit()?;
            Ok(json!({ "RuleArn": arn }))
        })
    }

    pub fn describe_rule(&self, caller: Caller<'_>, input: RuleInput) -> EventsResult<Value> {
        let bus = bus_name(input.event_bus_name.as_deref());
        self.with(|conn| {
            let rule = find(conn, caller, &bus, &input.name)?;
            let mut doc = rule.document();
            doc["CreatedBy"] = json!(rule.account);
            Ok(doc)
        })
    }

    pub fn list_rules(&self, caller: Caller<'_>, input: ListRulesInput) -> EventsResult<Value> {
        let bus = bus_name(input.event_bus_name.as_deref());
        self.with(|conn| {
            require_bus(conn, caller, &bus)?;
            let mut stmt = conn.prepare(&format!(
                "SELECT {RULE_COLUMNS} FROM events_rules
                 WHERE account = ?1 AND region = ?2 AND bus = ?3 ORDER BY name"
            ))?;
            let prefix = input.name_prefix.unwrap_or_default();
            let rules: Vec<Value> = stmt
                .query_map(params![caller.account, caller.region, bus], rule_of)?
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .filter(|r| r.name.starts_with(&prefix))
                .map(|r| r.document())
                .collect();
            let (items, next) = page_of(rules, input.next_token.as_deref(), input.limit)?;
            let mut out = json!({ "Rules": items });
            if let Some(token) = next {
                out["NextToken"] = json!(token);
            }
            Ok(out)
        })
    }

    pub fn enable_rule(&self, caller: Caller<'_>, input: RuleInput) -> EventsResult<()> {
        self.set_state(caller, input, "ENABLED")
    }

    pub fn disable_rule(&self, caller: Caller<'_>, input: RuleInput) -> EventsResult<()> {
        self.set_state(caller, input, "DISABLED")
    }

    fn set_state(&self, caller: Caller<'_>, input: RuleInput, state: &str) -> EventsResult<()> {
        let bus = bus_name(input.event_bus_name.as_deref());
        self.with(|conn| {
            let rule = find(conn, caller, &bus, &input.name)?;
            if rule.state == state {
                return Ok(());
            }
            let next = self.next_fire(rule.schedule.as_deref(), state == "ENABLED", now_ms());
            conn.execute(
                "UPDATE events_rules SET state = ?2, next_fire_ms = ?3 WHERE arn = ?1",
                params![rule.arn, state, next],
            )?;
            Ok(())
        })
    }

    /// Refused while the rule has targets; a rule that is not there is
    /// deleted already.
    pub fn delete_rule(&self, caller: Caller<'_>, input: RuleInput) -> EventsResult<()> {
        let bus = bus_name(input.event_bus_name.as_deref());
        self.with(|conn| {
            require_bus(conn, caller, &bus)?;
            let arn = rule_arn(caller, &bus, &input.name);
            let tx = conn.transaction()?;
            let targets: i64 = tx.query_row(
                "SELECT COUNT(*) FROM events_targets WHERE rule_arn = ?1",
                params![arn],
                |r| r.get(0),
            )?;
            if targets > 0 {
                return Err(EventsError::validation(
                    "Rule can't be deleted since it has targets.",
                ));
            }
            tx.execute("DELETE FROM events_rules WHERE arn = ?1", params![arn])?;
            tx.execute("DELETE FROM events_tags WHERE arn = ?1", params![arn])?;
            tx.commit()?;
            Ok(())
        })
    }
}
