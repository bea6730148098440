//! Transitions of one execution, without I/O.

use super::*;
use crate::input::{CallbackOptions, WaitOptions};
use crate::tokens::parse_callback_id;

const ARN: &str =
    "arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST/durable-execution/run/abc";

fn execution() -> Execution {
    Execution::new(
        ARN.into(),
        "run".into(),
        ("000000000000", "us-east-1"),
        "f".into(),
        "arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST".into(),
        "$LATEST".into(),
        "{}".into(),
        json!({"ExecutionTimeout": 100}),
        1000.0,
    )
}

fn update(id: &str, kind: &str, action: &str) -> OperationUpdate {
    OperationUpdate {
        id: Some(id.into()),
        operation_type: Some(kind.into()),
        action: Some(action.into()),
        ..Default::default()
    }
}

#[test]
fn a_step_starts_and_succeeds_with_its_events() {
    let mut e = execution();
    e.apply(&update("s1", "STEP", "START"), 1001.0).unwrap();
    let mut done = update("s1", "STEP", "SUCCEED");
    done.payload = Some("42".into());
    e.apply(&done, 1002.0).unwrap();
    let op = e.operation("s1").unwrap();
    assert_eq!(op.status, OperationStatus::Succeeded);
    assert_eq!(op.step_details.as_ref().unwrap()["Result"], "42");
    let types: Vec<_> = e.events.iter().map(|v| v["EventType"].clone()).collect();
    assert_eq!(
        types,
        vec!["ExecutionStarted", "StepStarted", "StepSucceeded"]
    );
    assert_eq!(e.events[2]["EventId"], 3);
}

#[test]
fn a_wait_ends_when_its_timer_fires() {
    let mut e = execution();
    let mut wait = update("w", "WAIT", "START");
    wait.wait_options = Some(WaitOptions {
        wait_seconds: Some(5),
    });
    e.apply(&wait, 1000.0).unwrap();
    e.invoke_due = false;
    assert!(e.has_pending());
    assert_eq!(e.next_due(), 1005.0);
    e.fire_timers(1004.0);
    assert_eq!(e.operation("w").unwrap().status, OperationStatus::Started);
    e.fire_timers(1005.0);
    assert_eq!(e.operation("w").unwrap().status, OperationStatus::Succeeded);
    assert!(e.invoke_due);
}

#[test]
fn a_callback_gets_an_id_that_names_it_and_can_time_out() {
    let mut e = execution();
    let mut cb = update("c", "CALLBACK", "START");
    cb.callback_options = Some(CallbackOptions {
        timeout_seconds: Some(10),
        heartbeat_timeout_seconds: Some(3),
    });
    e.apply(&cb, 1000.0).unwrap();
    let id = e.operation("c").unwrap().callback_details.as_ref().unwrap()["CallbackId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        parse_callback_id(&id),
        Some((ARN.to_string(), "c".to_string()))
    );
    e.heartbeat("c", 1002.0);
    e.fire_timers(1004.0);
    assert_eq!(e.operation("c").unwrap().status, OperationStatus::Started);
    e.fire_timers(1005.0);
    assert_eq!(e.operation("c").unwrap().status, OperationStatus::TimedOut);
}

#[test]
fn actions_that_do_not_fit_the_type_are_refused() {
    let mut e = execution();
    assert!(e.apply(&update("w", "WAIT", "SUCCEED"), 1000.0).is_err());
    e.apply(&update("s", "STEP", "START"), 1000.0).unwrap();
    assert!(e.apply(&update("s", "CALLBACK", "START"), 1000.0).is_err());
}

#[test]
fn the_execution_times_out() {
    let mut e = execution();
    e.fire_timers(1100.0);
    assert_eq!(e.status, ExecutionStatus::TimedOut);
    assert_eq!(e.events.last().unwrap()["EventType"], "ExecutionTimedOut");
}

#[test]
fn history_without_data_drops_payloads() {
    let e = execution();
    let event = without_data(e.events[0].clone());
    assert!(event["ExecutionStartedDetails"]["Input"]
        .get("Payload")
        .is_none());
    assert_eq!(event["ExecutionStartedDetails"]["ExecutionTimeout"], 100);
}
