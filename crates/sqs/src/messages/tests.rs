//! Messages' unit tests: FIFO, deduplication, retention, redrive, batch
//! deletes, receipt handles.

use super::*;

fn service() -> SqsService {
    SqsService::new(laminar_db::Db::open(None).unwrap()).unwrap()
}

fn fifo_message(body: &str, group: &str, dedup: Option<&str>) -> OutgoingMessage {
    OutgoingMessage {
        body: body.into(),
        message_group_id: Some(group.into()),
        message_deduplication_id: dedup.map(str::to_string),
        ..Default::default()
    }
}

fn receive_now(sqs: &SqsService, q: &QueueRef, max: u32) -> Vec<ReceivedMessage> {
    let options = ReceiveOptions {
        max,
        visibility: None,
        wait: Some(Duration::ZERO),
    };
    let q = q.clone();
    let (received, _) = sqs
        .db
        .write_grouped(move |conn| receive_in(conn, &q, &options))
        .unwrap();
    received
}

#[test]
fn fifo_blocks_a_group_with_a_message_in_flight() {
    let sqs = service();
    let q = QueueRef::new("us-east-1", "000000000000", "orders.fifo");
    sqs.create_queue(&q, BTreeMap::new(), BTreeMap::new())
        .unwrap();
    for (body, group) in [("a1", "a"), ("a2", "a"), ("b1", "b")] {
        sqs.send_message(&q, fifo_message(body, group, Some(body)))
            .unwrap();
    }
    let first: Vec<String> = receive_now(&sqs, &q, 1)
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert_eq!(first, ["a1"]);
    // Group a is blocked while a1 is in flight; b is free.
    let second: Vec<String> = receive_now(&sqs, &q, 10)
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert_eq!(second, ["b1"]);
    assert!(receive_now(&sqs, &q, 10).is_empty());
}

#[test]
fn fifo_deduplicates_within_the_window() {
    let sqs = service();
    let q = QueueRef::new("us-east-1", "000000000000", "dedup.fifo");
    let attrs = BTreeMap::from([("ContentBasedDeduplication".to_string(), "true".to_string())]);
    sqs.create_queue(&q, attrs, BTreeMap::new()).unwrap();
    let one = sqs
        .send_message(&q, fifo_message("same", "g", None))
        .unwrap();
    let two = sqs
        .send_message(&q, fifo_message("same", "g", None))
        .unwrap();
    assert_eq!(one.message_id, two.message_id);
    assert_eq!(one.sequence_number, two.sequence_number);
    let three = sqs
        .send_message(&q, fifo_message("other", "g", None))
        .unwrap();
    assert!(three.sequence_number > one.sequence_number);
    assert_eq!(receive_now(&sqs, &q, 10).len(), 2);
}

#[test]
fn fifo_needs_a_group_and_a_dedup_id() {
    let sqs = service();
    let q = QueueRef::new("us-east-1", "000000000000", "strict.fifo");
    sqs.create_queue(&q, BTreeMap::new(), BTreeMap::new())
        .unwrap();
    let no_group = OutgoingMessage {
        body: "x".into(),
        ..Default::default()
    };
    assert_eq!(
        sqs.send_message(&q, no_group).unwrap_err().code,
        "MissingParameter"
    );
    let no_dedup = fifo_message("x", "g", None);
    assert_eq!(
        sqs.send_message(&q, no_dedup).unwrap_err().code,
        "InvalidParameterValue"
    );
}

#[test]
fn messages_past_their_retention_period_are_gone() {
    let sqs = service();
    let q = QueueRef::new("us-east-1", "000000000000", "retained");
    sqs.create_queue(&q, BTreeMap::new(), BTreeMap::new())
        .unwrap();
    let body = |b: &str| OutgoingMessage {
        body: b.into(),
        ..Default::default()
    };
    sqs.send_message(&q, body("old")).unwrap();
    sqs.send_message(&q, body("new")).unwrap();
    // Age the first message past MessageRetentionPeriod.
    sqs.db
        .call_blocking(|conn| {
            conn.execute(
                "UPDATE sqs_messages SET expires_at = 0 WHERE body = 'old'",
                [],
            )
        })
        .unwrap();
    let bodies: Vec<String> = receive_now(&sqs, &q, 10)
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert_eq!(bodies, ["new"]);
}

#[test]
fn redrive_moves_a_message_past_max_receive_count() {
    let sqs = service();
    let dlq = QueueRef::new("us-east-1", "000000000000", "dead");
    let q = QueueRef::new("us-east-1", "000000000000", "work");
    sqs.create_queue(&dlq, BTreeMap::new(), BTreeMap::new())
        .unwrap();
    let policy = format!(
        r#"{{"deadLetterTargetArn":"{}","maxReceiveCount":1}}"#,
        dlq.arn()
    );
    let attrs = BTreeMap::from([
        ("RedrivePolicy".to_string(), policy),
        ("VisibilityTimeout".to_string(), "0".to_string()),
    ]);
    sqs.create_queue(&q, attrs, BTreeMap::new()).unwrap();
    let sent = sqs
        .send_message(
            &q,
            OutgoingMessage {
                body: "poison".into(),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(receive_now(&sqs, &q, 10).len(), 1);
    assert!(receive_now(&sqs, &q, 10).is_empty());
    let moved = receive_now(&sqs, &dlq, 10);
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0].message_id, sent.message_id);
}

#[test]
fn a_batch_delete_removes_what_its_current_handles_name() {
    let sqs = service();
    let q = QueueRef::new("us-east-1", "000000000000", "batch");
    sqs.create_queue(&q, BTreeMap::new(), BTreeMap::new())
        .unwrap();
    for n in 0..4 {
        let message = OutgoingMessage {
            body: format!("m{n}"),
            ..Default::default()
        };
        sqs.send_message(&q, message).unwrap();
    }
    let got = receive_now(&sqs, &q, 10);
    assert_eq!(got.len(), 4);
    let mut handles: Vec<String> = got[..3].iter().map(|m| m.receipt_handle.clone()).collect();
    handles.push("not a handle".into());
    let outcomes = sqs.delete_messages(&q, &handles).unwrap();
    assert!(outcomes[..3].iter().all(Result::is_ok));
    assert_eq!(
        outcomes[3].as_ref().err().map(|e| e.code.clone()),
        Some("ReceiptHandleIsInvalid".to_string())
    );
    let left: i64 = sqs
        .db
        .call_blocking(|conn| conn.query_row("SELECT COUNT(*) FROM sqs_messages", [], |r| r.get(0)))
        .unwrap();
    assert_eq!(left, 1, "the fourth message was not named");
    // Deleting again (handles of messages already gone) succeeds.
    let again = sqs.delete_messages(&q, &handles[..3]).unwrap();
    assert!(again.iter().all(Result::is_ok));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receives_and_deletes_from_async_code_commit() {
    let sqs = service();
    let q = QueueRef::new("us-east-1", "000000000000", "async");
    sqs.create_queue(&q, BTreeMap::new(), BTreeMap::new())
        .unwrap();
    let arn = q.arn();
    for n in 0..12 {
        let message = OutgoingMessage {
            body: format!("m{n}"),
            ..Default::default()
        };
        sqs.send_to_arn(&arn, message).await.unwrap();
    }
    let mut seen = 0;
    while seen < 12 {
        let got = sqs
            .receive_from_arn(&arn, 10, None, Duration::ZERO)
            .await
            .unwrap();
        assert!(!got.is_empty());
        seen += got.len();
        let handles = got.into_iter().map(|m| m.receipt_handle).collect();
        let outcomes = sqs.delete_batch_from_arn(&arn, handles).await.unwrap();
        assert!(outcomes.iter().all(Result::is_ok));
    }
    assert!(sqs
        .receive_from_arn(&arn, 10, None, Duration::ZERO)
        .await
        .unwrap()
        .is_empty());
}

#[test]
fn receipt_handles_round_trip_and_garbage_is_invalid() {
    let handle = Handle {
        row: 42,
        token: "abc".into(),
    };
    let parsed = Handle::parse(&handle.encode()).unwrap();
    assert_eq!((parsed.row, parsed.token.as_str()), (42, "abc"));
    assert_eq!(
        Handle::parse("not a handle").err().map(|e| e.code),
        Some("ReceiptHandleIsInvalid".to_string())
    );
}
