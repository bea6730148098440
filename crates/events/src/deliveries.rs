//! The outbox and the schedules that fill it: delivery rows handed to the
//! room that delivers them, and the firing of due scheduled rules.

use crate::rules::{rule_of, Rule, RULE_COLUMNS};
use crate::schedule::Schedule;
use crate::targets::targets_of;
use crate::transform::{payload, RuleRef};
use crate::{event_time, now_ms, EventsResult, EventsService};
use rusqlite::{params, Connection};
use serde_json::{json, Value};

/// One event on its way to one target.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: i64,
    pub rule_arn: String,
    pub target_id: String,
    pub target_arn: String,
    /// What the target receives (the event, or its input settings' result).
    pub payload: String,
    /// `SqsParameters.MessageGroupId`, for FIFO queues.
    pub message_group_id: Option<String>,
}

/// Writes one row per target of `rule` for `event`; returns how many.
pub(crate) fn enqueue(conn: &Connection, rule: &Rule, event: &Value) -> EventsResult<usize> {
    let targets = targets_of(conn, &rule.arn)?;
    let now = now_ms();
    let at = RuleRef {
        arn: &rule.arn,
        name: &rule.name,
    };
    for target in &targets {
        let text = |k: &str| target.get(k).and_then(Value::as_str).unwrap_or_default();
        let group = target
            .get("SqsParameters")
            .and_then(|p| p.get("MessageGroupId"))
            .and_then(Value::as_str);
        conn.execute(
            "INSERT INTO events_deliveries
             (rule_arn, target_id, target_arn, payload, message_group_id, created_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                rule.arn,
                text("Id"),
                text("Arn"),
                payload(target, event, &at),
                group,
                now
            ],
        )?;
    }
    Ok(targets.len())
}

/// The `Scheduled Event` a schedule sends.
fn scheduled_event(rule: &Rule, at_ms: i64) -> Value {
    let region = rule.arn.split(':').nth(3).unwrap_or_default();
    json!({
        "version": "0",
        "id": uuid::Uuid::new_v4().to_string(),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": rule.account,
        "time": event_time(at_ms),
        "region": region,
        "resources": [rule.arn],
        "detail": {},
    })
}

impl EventsService {
    /// Up to `limit` delivery rows, oldest first.
    pub fn pending_deliveries(&self, limit: usize) -> EventsResult<Vec<Delivery>> {
        self.with(|conn| {
            let mut stmt = conn.prepare(
                "SELECT id, rule_arn, target_id, target_arn, payload, message_group_id
                 FROM events_deliveries ORDER BY id LIMIT ?1",
            )?;
            let rows = stmt.query_map(params![limit as i64], |r| {
                Ok(Delivery {
                    id: r.get(0)?,
                    rule_arn: r.get(1)?,
                    target_id: r.get(2)?,
                    target_arn: r.get(3)?,
                    payload: r.get(4)?,
                    message_group_id: r.get(5)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// The target accepted the delivery: its row goes.
    pub fn delivered(&self, id: i64) -> EventsResult<()> {
        self.with(|conn| {
            conn.execute("DELETE FROM events_deliveries WHERE id = ?1", params![id])?;
            Ok(())
        })
    }

    /// Fires every enabled schedule due at `now` once (a schedule missed
    /// while laminar was down fires once, then keeps its rhythm from now)
    /// and sets its next firing. Returns how many rules fired.
    pub fn fire_due_schedules(&self, now: i64) -> EventsResult<usize> {
        let (fired, written) = self.with(|conn| {
            let tx = conn.transaction()?;
            let due: Vec<(Rule, i64)> = {
                let mut stmt = tx.prepare(&format!(
                    "SELECT {RULE_COLUMNS}, next_fire_ms FROM events_rules
                     WHERE next_fire_ms IS NOT NULL AND next_fire_ms <= ?1
                     AND state != 'DISABLED'"
                ))?;
                let rows = stmt.query_map(params![now], |r| Ok((rule_of(r)?, r.get(9)?)))?;
                rows.collect::<Result<Vec<_>, _>>()?
            };
            let mut written = 0;
            for (rule, due_ms) in &due {
                let Some(schedule) = rule.schedule.as_deref().and_then(Schedule::parse) else {
                    continue;
                };
                let late = now - due_ms > 60_000;
                let at = if late { now } else { *due_ms };
                written += enqueue(&tx, rule, &scheduled_event(rule, at))?;
                let mut next = schedule.next_after(*due_ms, self.time_scale);
                if next.is_some_and(|n| n <= now) {
                    next = schedule.next_after(now, self.time_scale);
                }
                tx.execute(
                    "UPDATE events_rules SET next_fire_ms = ?2 WHERE arn = ?1",
                    params![rule.arn, next],
                )?;
            }
            tx.commit()?;
            Ok((due.len(), written))
        })?;
        if written > 0 {
            self.wake.notify_one();
        }
        Ok(fired)
    }
}

#[cfg(test)]
mod tests;
