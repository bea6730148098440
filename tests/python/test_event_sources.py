"""SQS event source mappings through boto3 against a real laminar: the
operations and their errors, the records functions get, filters, partial
batch failures, redrive, volume, concurrency and a crash in the middle."""

from __future__ import annotations

import json
import signal
import time
import uuid
from pathlib import Path

import pytest

from laminar_testing import create_python_function, runs, sqs_client, wait_for

# Records every batch to $RUNS_DIR/<function>.jsonl with its start and end
# time; message bodies {"fail": true} are reported as failed items, and a
# body {"sleep": s} makes the batch take that long.
BATCH_RECORDER = """\
import json, os, time


def handler(event, context):
    started = time.time()
    failures = []
    for record in event["Records"]:
        try:
            body = json.loads(record["body"])
        except ValueError:
            body = {}
        if isinstance(body, dict):
            time.sleep(body.get("sleep", 0))
            if body.get("fail"):
                failures.append({"itemIdentifier": record["messageId"]})
    path = os.path.join(os.environ["RUNS_DIR"], context.function_name + ".jsonl")
    with open(path, "a") as f:
        f.write(json.dumps({"records": event["Records"], "started": started, "ended": time.time()}) + "\\n")
    return {"batchItemFailures": failures}
"""


def batch_recorder(client, name: str, runs_dir: Path, timeout: int = 20):
    # A mapping needs the queue's visibility timeout to cover the function's.
    create_python_function(
        client,
        name,
        BATCH_RECORDER,
        Timeout=timeout,
        Environment={"Variables": {"RUNS_DIR": str(runs_dir)}},
    )


def records(runs_dir: Path, name: str) -> list[dict]:
    return [r for batch in runs(runs_dir, name) for r in batch["records"]]


def make_queue(sqs, name: str, **attributes) -> tuple[str, str]:
    url = sqs.create_queue(
        QueueName=name, Attributes={k: str(v) for k, v in attributes.items()}
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn


def wait_state(client, mapping_uuid: str, state: str):
    return wait_for(
        lambda: client.get_event_source_mapping(UUID=mapping_uuid)["State"] == state,
        what=f"state {state}",
    )


def queue_counts(sqs, url: str) -> tuple[int, int]:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return (
        int(attributes["ApproximateNumberOfMessages"]),
        int(attributes["ApproximateNumberOfMessagesNotVisible"]),
    )


def send_all(sqs, url: str, bodies: list[str]) -> set[str]:
    ids = set()
    for start in range(0, len(bodies), 10):
        entries = [
            {"Id": str(i), "MessageBody": body}
            for i, body in enumerate(bodies[start : start + 10])
        ]
        response = sqs.send_message_batch(QueueUrl=url, Entries=entries)
        assert not response.get("Failed"), response
        ids.update(e["MessageId"] for e in response["Successful"])
    return ids


def test_mapping_operations_states_and_errors(laminar, lambda_, tmp_path, function_name):
    sqs = sqs_client(laminar.url)
    url, arn = make_queue(sqs, f"ops-{uuid.uuid4().hex[:8]}")
    batch_recorder(lambda_, function_name, tmp_path)

    created = lambda_.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=function_name, BatchSize=5
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert created["State"] == "Creating"
    assert created["BatchSize"] == 5
    assert created["MaximumBatchingWindowInSeconds"] == 0
    assert created["EventSourceArn"] == arn
    assert created["FunctionArn"].endswith(f":function:{function_name}")
    assert created["EventSourceMappingArn"].endswith(f":event-source-mapping:{created['UUID']}")
    wait_state(lambda_, created["UUID"], "Enabled")

    listed = lambda_.list_event_source_mappings(FunctionName=function_name)["EventSourceMappings"]
    assert [m["UUID"] for m in listed] == [created["UUID"]]
    assert lambda_.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"][0][
        "UUID"
    ] == created["UUID"]

    updated = lambda_.update_event_source_mapping(UUID=created["UUID"], Enabled=False, BatchSize=7)
    assert updated["State"] == "Disabling"
    assert updated["BatchSize"] == 7
    wait_state(lambda_, created["UUID"], "Disabled")
    # Disabled: nothing is consumed.
    sqs.send_message(QueueUrl=url, MessageBody="{}")
    time.sleep(1.5)
    assert queue_counts(sqs, url) == (1, 0)
    lambda_.update_event_source_mapping(UUID=created["UUID"], Enabled=True)
    wait_state(lambda_, created["UUID"], "Enabled")
    wait_for(lambda: records(tmp_path, function_name), what="the message after enabling")

    with pytest.raises(lambda_.exceptions.ResourceConflictException):
        lambda_.create_event_source_mapping(EventSourceArn=arn, FunctionName=function_name)
    with pytest.raises(lambda_.exceptions.InvalidParameterValueException, match="batch window"):
        lambda_.create_event_source_mapping(
            EventSourceArn=make_queue(sqs, f"other-{uuid.uuid4().hex[:8]}")[1],
            FunctionName=function_name,
            BatchSize=50,
        )
    with pytest.raises(lambda_.exceptions.InvalidParameterValueException, match="NonExistentQueue"):
        lambda_.create_event_source_mapping(
            EventSourceArn=arn + "-missing", FunctionName=function_name
        )
    with pytest.raises(lambda_.exceptions.InvalidParameterValueException, match="filter pattern"):
        lambda_.update_event_source_mapping(
            UUID=created["UUID"], FilterCriteria={"Filters": [{"Pattern": "not json"}]}
        )
    with pytest.raises(lambda_.exceptions.ResourceNotFoundException):
        lambda_.create_event_source_mapping(EventSourceArn=arn, FunctionName="no-such-function")
    short = make_queue(sqs, f"short-{uuid.uuid4().hex[:8]}", VisibilityTimeout=5)[1]
    with pytest.raises(
        lambda_.exceptions.InvalidParameterValueException,
        match="Queue visibility timeout: 5 seconds is less than Function timeout: 20 seconds",
    ):
        lambda_.create_event_source_mapping(EventSourceArn=short, FunctionName=function_name)

    deleted = lambda_.delete_event_source_mapping(UUID=created["UUID"])
    assert deleted["State"] == "Deleting"
    with pytest.raises(lambda_.exceptions.ResourceNotFoundException):
        lambda_.get_event_source_mapping(UUID=created["UUID"])


def test_records_arrive_as_aws_sends_them(laminar, lambda_, tmp_path, function_name):
    sqs = sqs_client(laminar.url)
    url, arn = make_queue(sqs, f"records-{uuid.uuid4().hex[:8]}")
    batch_recorder(lambda_, function_name, tmp_path)
    sent = sqs.send_message(
        QueueUrl=url,
        MessageBody='{"hello": "world"}',
        MessageAttributes={"colour": {"DataType": "String", "StringValue": "teal"}},
    )
    lambda_.create_event_source_mapping(EventSourceArn=arn, FunctionName=function_name)
    (record,) = wait_for(lambda: records(tmp_path, function_name), what="the record")
    assert record["messageId"] == sent["MessageId"]
    assert record["receiptHandle"]
    assert record["body"] == '{"hello": "world"}'
    assert record["md5OfBody"] == sent["MD5OfMessageBody"]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == arn
    assert record["awsRegion"] == "us-east-1"
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    for name in ("SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"):
        assert record["attributes"][name], name
    assert record["messageAttributes"] == {
        "colour": {
            "stringValue": "teal",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "String",
        }
    }
    wait_for(lambda: queue_counts(sqs, url) == (0, 0), what="the queue to drain")


def test_filters_keep_matching_messages_and_delete_the_rest(
    laminar, lambda_, tmp_path, function_name
):
    sqs = sqs_client(laminar.url)
    url, arn = make_queue(sqs, f"filters-{uuid.uuid4().hex[:8]}")
    batch_recorder(lambda_, function_name, tmp_path)
    lambda_.create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=function_name,
        FilterCriteria={
            "Filters": [
                {"Pattern": json.dumps({"body": {"kind": ["order"], "amount": [{"numeric": [">", 10]}]}})},
                {"Pattern": json.dumps({"body": {"kind": [{"prefix": "vip-"}]}})},
                {"Pattern": json.dumps({"body": ["plain text"]})},
            ]
        },
    )
    bodies = [
        json.dumps({"kind": "order", "amount": 25}),  # kept
        json.dumps({"kind": "order", "amount": 5}),  # dropped
        json.dumps({"kind": "vip-refund"}),  # kept
        json.dumps({"kind": "refund"}),  # dropped
        "plain text",  # kept
        "other text",  # dropped
    ]
    send_all(sqs, url, bodies)
    wait_for(lambda: queue_counts(sqs, url) == (0, 0), what="every message to be consumed")
    time.sleep(0.5)
    got = sorted(r["body"] for r in records(tmp_path, function_name))
    assert got == sorted([bodies[0], bodies[2], bodies[4]])


def test_reported_item_failures_return_and_end_in_the_dead_letter_queue(
    laminar, lambda_, tmp_path, function_name
):
    sqs = sqs_client(laminar.url)
    dlq_url, dlq_arn = make_queue(sqs, f"dlq-{uuid.uuid4().hex[:8]}")
    url, arn = make_queue(
        sqs,
        f"partial-{uuid.uuid4().hex[:8]}",
        VisibilityTimeout=1,
        RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}),
    )
    batch_recorder(lambda_, function_name, tmp_path, timeout=1)
    send_all(sqs, url, [json.dumps({"n": n, "fail": n % 3 == 0}) for n in range(6)])
    lambda_.create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=function_name,
        BatchSize=10,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    dead = wait_for(
        lambda: (
            sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
                "Messages", []
            )
        ),
        what="failed messages in the dead-letter queue",
    )
    # n=0 and n=3 failed on both receives; the others were deleted at once.
    time.sleep(1.5)
    more = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10).get("Messages", [])
    assert sorted(json.loads(m["Body"])["n"] for m in dead + more) == [0, 3]
    seen = [json.loads(r["body"])["n"] for r in records(tmp_path, function_name)]
    assert sorted(seen) == [0, 0, 1, 2, 3, 3, 4, 5]
    assert queue_counts(sqs, url) == (0, 0)


def test_ten_thousand_messages_none_lost_none_left(laminar, lambda_, tmp_path, function_name):
    sqs = sqs_client(laminar.url)
    url, arn = make_queue(sqs, f"volume-{uuid.uuid4().hex[:8]}")
    batch_recorder(lambda_, function_name, tmp_path)
    sent = send_all(sqs, url, [json.dumps({"n": n}) for n in range(10_000)])
    assert len(sent) == 10_000
    lambda_.create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=function_name,
        BatchSize=100,
        MaximumBatchingWindowInSeconds=1,
    )
    wait_for(
        lambda: queue_counts(sqs, url) == (0, 0),
        timeout=180,
        what="the queue to drain",
    )
    time.sleep(0.5)
    got = [r["messageId"] for r in records(tmp_path, function_name)]
    assert set(got) == sent
    assert all(len(batch["records"]) <= 100 for batch in runs(tmp_path, function_name))


def test_batches_run_concurrently_up_to_the_scaling_limit(
    laminar, lambda_, tmp_path, function_name
):
    sqs = sqs_client(laminar.url)
    url, arn = make_queue(sqs, f"parallel-{uuid.uuid4().hex[:8]}")
    batch_recorder(lambda_, function_name, tmp_path)
    send_all(sqs, url, [json.dumps({"n": n, "sleep": 1}) for n in range(6)])
    lambda_.create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=function_name,
        BatchSize=1,
        ScalingConfig={"MaximumConcurrency": 3},
    )
    batches = wait_for(
        lambda: (b := runs(tmp_path, function_name)) and len(b) == 6 and b,
        timeout=60,
        what="six batches",
    )
    spans = [(b["started"], b["ended"]) for b in batches]
    overlap = max(sum(1 for s, e in spans if s <= t < e) for t, _ in spans)
    assert 2 <= overlap <= 3


def test_messages_survive_a_crash_in_the_middle(laminar_factory, tmp_path):
    data_dir = tmp_path / "state"
    runs_dir = tmp_path / "runs"
    runs_dir.mkdir()
    first = laminar_factory(data_dir=data_dir)
    client = first.client()
    sqs = sqs_client(first.url)
    url, arn = make_queue(sqs, "crash-queue", VisibilityTimeout=2)
    batch_recorder(client, "crash-consumer", runs_dir, timeout=2)
    sent = send_all(sqs, url, [json.dumps({"n": n, "sleep": 0.05}) for n in range(200)])
    client.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="crash-consumer", BatchSize=5
    )
    wait_for(lambda: len(records(runs_dir, "crash-consumer")) >= 20, what="some progress")
    assert first.kill() == -signal.SIGKILL
    assert len({r["messageId"] for r in records(runs_dir, "crash-consumer")}) < 200

    second = laminar_factory(data_dir=data_dir)
    sqs = sqs_client(second.url)
    url = sqs.get_queue_url(QueueName="crash-queue")["QueueUrl"]
    wait_for(
        lambda: {r["messageId"] for r in records(runs_dir, "crash-consumer")} == sent,
        timeout=90,
        what="every message to be processed",
    )
    wait_for(lambda: queue_counts(sqs, url) == (0, 0), what="the queue to drain")


def test_a_mapping_whose_function_is_gone_leaves_the_messages_alone(
    laminar, lambda_, tmp_path, function_name
):
    sqs = sqs_client(laminar.url)
    url, arn = make_queue(sqs, f"orphan-{uuid.uuid4().hex[:8]}")
    batch_recorder(lambda_, function_name, tmp_path)
    mapping = lambda_.create_event_source_mapping(EventSourceArn=arn, FunctionName=function_name)
    lambda_.delete_function(FunctionName=function_name)
    sqs.send_message(QueueUrl=url, MessageBody="{}")
    wait_for(
        lambda: "Function not found"
        in lambda_.get_event_source_mapping(UUID=mapping["UUID"])["LastProcessingResult"],
        what="the mapping to report the missing function",
    )
    # Not consumed: the message waits in the queue, visible, for the
    # function to come back (a poller that had it in hand gave it back).
    wait_for(lambda: queue_counts(sqs, url) == (1, 0), what="the message to be visible")
    time.sleep(1)
    assert queue_counts(sqs, url) == (1, 0)
    lambda_.delete_event_source_mapping(UUID=mapping["UUID"])
