use crate::put_events::PutEventsInput;
use crate::rules::PutRuleInput;
use crate::targets::PutTargetsInput;
use crate::{test_service, Caller, EventEntry};
use serde_json::{json, Value};

const CALLER: Caller<'static> = Caller {
    account: "000000000000",
    region: "us-east-1",
};

fn rule(events: &crate::EventsService, name: &str, pattern: Option<&str>, schedule: Option<&str>) {
    events
        .put_rule(
            CALLER,
            PutRuleInput {
                name: name.into(),
                event_pattern: pattern.map(str::to_string),
                schedule_expression: schedule.map(str::to_string),
                ..PutRuleInput::default()
            },
        )
        .expect("rule");
    let targets = vec![
        json!({"Id": "q", "Arn": "arn:aws:sqs:us-east-1:000000000000:q",
        "InputPath": "$.detail"}),
    ];
    events
        .put_targets(
            CALLER,
            PutTargetsInput {
                rule: name.into(),
                targets,
                ..PutTargetsInput::default()
            },
        )
        .expect("targets");
}

#[test]
fn a_matching_event_writes_one_row_per_target() {
    let events = test_service();
    rule(&events, "orders", Some(r#"{"source": ["shop"]}"#), None);
    let entry = |source: &str| EventEntry {
        source: Some(source.into()),
        detail_type: Some("Order".into()),
        detail: Some(r#"{"n": 1}"#.into()),
        ..EventEntry::default()
    };
    let out = events
        .put_events(
            CALLER,
            PutEventsInput {
                entries: vec![entry("shop"), entry("other"), EventEntry::default()],
            },
        )
        .expect("put");
    assert_eq!(out["FailedEntryCount"], 1);
    assert_eq!(out["Entries"][2]["ErrorCode"], "InvalidArgument");
    let rows = events.pending_deliveries(10).expect("rows");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].payload, r#"{"n":1}"#);
    assert_eq!(rows[0].target_arn, "arn:aws:sqs:us-east-1:000000000000:q");
    events.delivered(rows[0].id).expect("delivered");
    assert!(events.pending_deliveries(10).expect("rows").is_empty());
}

#[test]
fn a_due_schedule_fires_once_and_moves_on() {
    let events = test_service();
    rule(&events, "tick", None, Some("rate(1 minute)"));
    let now = crate::now_ms();
    assert_eq!(events.fire_due_schedules(now).expect("fire"), 0);
    // Missed for an hour: one firing, then the next a minute from now.
    assert_eq!(events.fire_due_schedules(now + 3_600_000).expect("fire"), 1);
    assert_eq!(events.fire_due_schedules(now + 3_600_000).expect("fire"), 0);
    let rows = events.pending_deliveries(10).expect("rows");
    assert_eq!(rows.len(), 1);
    let detail: Value = serde_json::from_str(&rows[0].payload).expect("json");
    assert_eq!(detail, json!({}));
    assert_eq!(events.fire_due_schedules(now + 3_660_001).expect("fire"), 1);
}
