"""Kinesis stream event source mappings through boto3 against a real
laminar: the records functions get, order per shard, retries until
MaximumRetryAttempts with OnFailure to SQS, BisectBatchOnFunctionError,
ReportBatchItemFailures, StartingPosition, filters, resharding, and
checkpoints that survive kill -9."""

from __future__ import annotations

import base64
import json
import signal
import time
import uuid
from pathlib import Path

import pytest

from laminar_testing import ACCOUNT, REGION, ROLE, create_python_function, runs, sqs_client, wait_for
from test_kinesis import kinesis_client
from test_parity_errors import aws_error, error
from test_s3 import s3_client

# Records every batch to $RUNS_DIR/<function>.jsonl. Record data is JSON:
# {"poison": true} fails the whole batch (an exception); {"fail": true} is
# reported as a failed item the first time it is seen; {"sleep": s} takes s seconds.
RECORDER = """\
import base64, json, os, time


def handler(event, context):
    started = time.time()
    path = os.path.join(os.environ["RUNS_DIR"], context.function_name + ".jsonl")
    seen_path = path + ".seen"
    seen = set(open(seen_path).read().split()) if os.path.exists(seen_path) else set()
    # One write(2) of the whole line: environments of other shards append too.
    line = (json.dumps({"records": event["Records"]}) + "\\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    os.write(fd, line)
    os.close(fd)
    failures = []
    for record in event["Records"]:
        data = json.loads(base64.b64decode(record["kinesis"]["data"]))
        time.sleep(data.get("sleep", 0))
        if data.get("poison"):
            raise Exception("poison record")
        seq = record["kinesis"]["sequenceNumber"]
        if data.get("fail") and seq not in seen:
            failures.append({"itemIdentifier": seq})
            with open(seen_path, "a") as f:
                f.write(seq + "\\n")
    with open(path + ".times", "a") as f:
        f.write(json.dumps({"started": started, "ended": time.time()}) + "\\n")
    return {"batchItemFailures": failures}
"""


@pytest.fixture
def runs_dir(tmp_path):
    return tmp_path


def setup(laminar, runs_dir, name, shards=1, records=()):
    """A stream with `records` already in it, and the recording function."""
    kinesis = kinesis_client(laminar.url)
    stream = f"s-{uuid.uuid4().hex[:10]}"
    kinesis.create_stream(StreamName=stream, ShardCount=shards)
    put = []
    if records:
        put = kinesis.put_records(
            StreamName=stream,
            Records=[{"Data": json.dumps(r).encode(), "PartitionKey": key} for key, r in records],
        )["Records"]
    create_python_function(
        laminar.client(),
        name,
        RECORDER,
        Timeout=10,
        Environment={"Variables": {"RUNS_DIR": str(runs_dir)}},
    )
    arn = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{stream}"
    return kinesis, stream, arn, put


def batches(runs_dir: Path, name: str) -> list[list[dict]]:
    return [
        [json.loads(base64.b64decode(r["kinesis"]["data"])) for r in run["records"]]
        for run in runs(runs_dir, name)
    ]


def delivered(runs_dir: Path, name: str) -> list[dict]:
    return [r for run in runs(runs_dir, name) for r in run["records"]]


def test_records_arrive_in_order_per_shard_as_aws_sends_them(laminar, runs_dir, function_name):
    entries = [(f"key-{i % 5}", {"n": i}) for i in range(60)]
    kinesis, stream, arn, put = setup(laminar, runs_dir, function_name, shards=2, records=entries)
    mapping = laminar.client().create_event_source_mapping(
        EventSourceArn=arn, FunctionName=function_name, StartingPosition="TRIM_HORIZON", BatchSize=7
    )
    mapping.pop("ResponseMetadata")
    assert mapping == {
        "UUID": mapping["UUID"],
        "StartingPosition": "TRIM_HORIZON",
        "BatchSize": 7,
        "MaximumBatchingWindowInSeconds": 0,
        "ParallelizationFactor": 1,
        "EventSourceArn": arn,
        "FunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}",
        "LastModified": mapping["LastModified"],
        "LastProcessingResult": "No records processed",
        "State": "Creating",
        "StateTransitionReason": "User action",
        "DestinationConfig": {"OnFailure": {}},
        "MaximumRecordAgeInSeconds": -1,
        "BisectBatchOnFunctionError": False,
        "MaximumRetryAttempts": -1,
        "TumblingWindowInSeconds": 0,
        "FunctionResponseTypes": [],
        "EventSourceMappingArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:event-source-mapping:{mapping['UUID']}",
    }
    wait_for(lambda: len(delivered(runs_dir, function_name)) >= 60, what="60 records")
    time.sleep(0.5)
    got = delivered(runs_dir, function_name)
    assert len(got) == 60
    assert all(len(run["records"]) <= 7 for run in runs(runs_dir, function_name))
    for shard in {p["ShardId"] for p in put}:
        expected = [p["SequenceNumber"] for p in put if p["ShardId"] == shard]
        assert [r["kinesis"]["sequenceNumber"] for r in got if r["eventID"].startswith(shard)] == expected
    first = next(r for r in got if r["kinesis"]["sequenceNumber"] == put[0]["SequenceNumber"])
    assert first == {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": "key-0",
            "sequenceNumber": put[0]["SequenceNumber"],
            "data": base64.b64encode(json.dumps({"n": 0}).encode()).decode(),
            "approximateArrivalTimestamp": first["kinesis"]["approximateArrivalTimestamp"],
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{put[0]['ShardId']}:{put[0]['SequenceNumber']}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": ROLE,
        "awsRegion": REGION,
        "eventSourceARN": arn,
    }
    assert abs(first["kinesis"]["approximateArrivalTimestamp"] - time.time()) < 60


def test_a_poison_batch_is_retried_then_sent_to_on_failure(laminar, runs_dir, function_name):
    entries = [("k", {"n": 0}), ("k", {"n": 1, "poison": True}), ("k", {"n": 2})]
    kinesis, stream, arn, put = setup(laminar, runs_dir, function_name, records=entries)
    sqs = sqs_client(laminar.url)
    url = sqs.create_queue(QueueName=f"dlq-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    laminar.client().create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=function_name,
        StartingPosition="TRIM_HORIZON",
        BatchSize=10,
        MaximumRetryAttempts=2,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
    )
    messages = wait_for(
        lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages"),
        what="the OnFailure record",
    )
    # The first try and two retries, each with the whole batch, in order.
    assert batches(runs_dir, function_name) == [[r for _, r in entries]] * 3
    record = json.loads(messages[0]["Body"])
    timestamp = record.pop("timestamp")
    assert timestamp.endswith("Z") and len(timestamp) == 24
    request_id = record["requestContext"].pop("requestId")
    assert len(request_id) == 36
    info = record["KinesisBatchInfo"]
    assert record == {
        "requestContext": {
            "functionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}",
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": 3,
        },
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "version": "1.0",
        "KinesisBatchInfo": {
            "shardId": "shardId-000000000000",
            "startSequenceNumber": put[0]["SequenceNumber"],
            "endSequenceNumber": put[2]["SequenceNumber"],
            "approximateArrivalOfFirstRecord": info["approximateArrivalOfFirstRecord"],
            "approximateArrivalOfLastRecord": info["approximateArrivalOfLastRecord"],
            "batchSize": 3,
            "streamArn": arn,
        },
    }
    # The shard moved on: a new record is delivered on its own.
    kinesis.put_record(StreamName=stream, Data=json.dumps({"n": 3}).encode(), PartitionKey="k")
    wait_for(lambda: batches(runs_dir, function_name)[-1] == [{"n": 3}], what="the next record")


def test_records_older_than_maximum_record_age_go_to_on_failure(laminar, runs_dir, function_name):
    """MaximumRecordAgeInSeconds (60, the least AWS takes): a batch that keeps
    failing with unlimited retries is given up once its records are older
    than that, and OnFailure gets AWS's record with RecordAgeExceeded."""
    entries = [("k", {"n": 0, "poison": True}), ("k", {"n": 1})]
    kinesis, stream, arn, put = setup(laminar, runs_dir, function_name, records=entries)
    sqs = sqs_client(laminar.url)
    url = sqs.create_queue(QueueName=f"dlq-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    laminar.client().create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=function_name,
        StartingPosition="TRIM_HORIZON",
        MaximumRecordAgeInSeconds=60,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
    )
    messages = wait_for(
        lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages"),
        timeout=90,
        what="the OnFailure record",
    )
    given_up = time.time()
    tries = batches(runs_dir, function_name)
    assert tries == [[r for _, r in entries]] * len(tries) and len(tries) > 5
    record = json.loads(messages[0]["Body"])
    timestamp = record.pop("timestamp")
    assert timestamp.endswith("Z") and len(timestamp) == 24
    assert len(record["requestContext"].pop("requestId")) == 36
    info = record["KinesisBatchInfo"]
    first_arrival = info["approximateArrivalOfFirstRecord"]
    assert record == {
        "requestContext": {
            "functionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}",
            "condition": "RecordAgeExceeded",
            "approximateInvokeCount": len(tries),
        },
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "version": "1.0",
        "KinesisBatchInfo": {
            "shardId": "shardId-000000000000",
            "startSequenceNumber": put[0]["SequenceNumber"],
            "endSequenceNumber": put[1]["SequenceNumber"],
            "approximateArrivalOfFirstRecord": first_arrival,
            "approximateArrivalOfLastRecord": info["approximateArrivalOfLastRecord"],
            "batchSize": 2,
            "streamArn": arn,
        },
    }
    arrived = time.mktime(time.strptime(first_arrival[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
    assert 60 <= given_up - arrived < 70
    # The shard moved on.
    kinesis.put_record(StreamName=stream, Data=json.dumps({"n": 2}).encode(), PartitionKey="k")
    wait_for(lambda: batches(runs_dir, function_name)[-1] == [{"n": 2}], what="the next record")


def test_on_failure_to_s3_writes_the_record_and_the_payload(laminar, runs_dir, function_name):
    """An S3 bucket as OnFailure destination: one object per given-up batch
    under aws/lambda/<mapping UUID>/<shard id>/YYYY/MM/DD/, holding AWS's
    invocation record and the whole event the function was given."""
    entries = [("k", {"n": 0, "poison": True}), ("k", {"n": 1})]
    kinesis, stream, arn, put = setup(laminar, runs_dir, function_name, records=entries)
    s3 = s3_client(laminar.url)
    bucket = f"failures-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    mapping = laminar.client().create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=function_name,
        StartingPosition="TRIM_HORIZON",
        MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": f"arn:aws:s3:::{bucket}"}},
    )["UUID"]
    objects = wait_for(lambda: s3.list_objects_v2(Bucket=bucket).get("Contents"), what="the OnFailure object")
    assert len(objects) == 1
    key = objects[0]["Key"]
    day = time.strftime("%Y/%m/%d", time.gmtime())
    prefix = f"aws/lambda/{mapping}/shardId-000000000000/{day}/"
    assert key.startswith(prefix), key
    stamp, random = key[len(prefix) : len(prefix) + 19], key[len(prefix) + 20 :]
    assert time.strptime(stamp, "%Y-%m-%dT%H.%M.%S") and uuid.UUID(random) and key[len(prefix) + 19] == "-"
    document = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    timestamp = document.pop("timestamp")
    assert timestamp.endswith("Z") and timestamp[:19].replace(":", ".") == stamp
    assert len(document["requestContext"].pop("requestId")) == 36
    info = document["KinesisBatchInfo"]
    delivered_event = runs(runs_dir, function_name)[-1]
    assert document == {
        "requestContext": {
            "functionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}",
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": 2,
        },
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "version": "1.0",
        "KinesisBatchInfo": {
            "shardId": "shardId-000000000000",
            "startSequenceNumber": put[0]["SequenceNumber"],
            "endSequenceNumber": put[1]["SequenceNumber"],
            "approximateArrivalOfFirstRecord": info["approximateArrivalOfFirstRecord"],
            "approximateArrivalOfLastRecord": info["approximateArrivalOfLastRecord"],
            "batchSize": 2,
            "streamArn": arn,
        },
        "payload": {"Records": delivered_event["records"]},
    }


def test_bisect_isolates_the_poison_record(laminar, runs_dir, function_name):
    entries = [("k", {"n": 0}), ("k", {"n": 1}), ("k", {"n": 2, "poison": True}), ("k", {"n": 3})]
    kinesis, stream, arn, put = setup(laminar, runs_dir, function_name, records=entries)
    sqs = sqs_client(laminar.url)
    url = sqs.create_queue(QueueName=f"dlq-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    laminar.client().create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=function_name,
        StartingPosition="TRIM_HORIZON",
        BatchSize=10,
        MaximumRetryAttempts=0,
        BisectBatchOnFunctionError=True,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
    )
    messages = wait_for(
        lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages"),
        what="the OnFailure record",
    )
    wait_for(lambda: len(batches(runs_dir, function_name)) >= 5, what="five invocations")
    n = lambda batch: [r["n"] for r in batch]  # noqa: E731
    assert [n(b) for b in batches(runs_dir, function_name)] == [[0, 1, 2, 3], [0, 1], [2, 3], [2], [3]]
    info = json.loads(messages[0]["Body"])["KinesisBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"], info["batchSize"]) == (
        put[2]["SequenceNumber"],
        put[2]["SequenceNumber"],
        1,
    )


def test_report_batch_item_failures_retries_from_the_lowest_failure(laminar, runs_dir, function_name):
    entries = [("k", {"n": i, "fail": i in (2, 4)}) for i in range(6)]
    kinesis, stream, arn, put = setup(laminar, runs_dir, function_name, records=entries)
    laminar.client().create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=function_name,
        StartingPosition="TRIM_HORIZON",
        BatchSize=10,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    wait_for(lambda: len(batches(runs_dir, function_name)) >= 2, what="the retry")
    time.sleep(1)
    n = lambda batch: [r["n"] for r in batch]  # noqa: E731
    # Checkpointed before record 2 (the lowest failure); 4 had been marked
    # as failed too but is processed in the retry.
    assert [n(b) for b in batches(runs_dir, function_name)] == [[0, 1, 2, 3, 4, 5], [2, 3, 4, 5]]


def test_starting_position_latest_and_filters(laminar, runs_dir, function_name):
    kinesis, stream, arn, _ = setup(laminar, runs_dir, function_name, records=[("k", {"n": "old"})])
    uuid_ = laminar.client().create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=function_name,
        StartingPosition="LATEST",
        FilterCriteria={"Filters": [{"Pattern": json.dumps({"data": {"kind": ["keep"]}})}]},
    )["UUID"]
    time.sleep(1.5)
    for i, kind in enumerate(["drop", "keep", "drop", "keep"]):
        kinesis.put_record(StreamName=stream, Data=json.dumps({"n": i, "kind": kind}).encode(), PartitionKey="k")
    wait_for(lambda: len(delivered(runs_dir, function_name)) >= 2, what="the kept records")
    time.sleep(1)
    assert [r for b in batches(runs_dir, function_name) for r in b] == [
        {"n": 1, "kind": "keep"},
        {"n": 3, "kind": "keep"},
    ]
    assert laminar.client().get_event_source_mapping(UUID=uuid_)["StartingPosition"] == "LATEST"


def test_children_wait_for_their_parent_after_a_split(laminar, runs_dir, function_name):
    kinesis, stream, arn, _ = setup(laminar, runs_dir, function_name, records=[("k", {"n": 0})])
    kinesis.split_shard(StreamName=stream, ShardToSplit="shardId-000000000000", NewStartingHashKey=str(2**127))
    kinesis.put_record(StreamName=stream, Data=json.dumps({"n": 1}).encode(), PartitionKey="k")
    laminar.client().create_event_source_mapping(
        EventSourceArn=arn, FunctionName=function_name, StartingPosition="TRIM_HORIZON"
    )
    wait_for(lambda: len(delivered(runs_dir, function_name)) >= 2, what="both records")
    got = delivered(runs_dir, function_name)
    assert [json.loads(base64.b64decode(r["kinesis"]["data"]))["n"] for r in got] == [0, 1]
    assert got[0]["eventID"].startswith("shardId-000000000000:")
    assert not got[1]["eventID"].startswith("shardId-000000000000:")


def test_lineage_over_generations_of_resharding(laminar, runs_dir, function_name):
    """Split, then merge, then UpdateShardCount: three generations. Every
    record arrives, in order per partition key, and no shard's records come
    before all of its parents' records are processed."""
    kinesis, stream, arn, _ = setup(laminar, runs_dir, function_name)
    keys = [f"key-{i}" for i in range(6)]
    counter = iter(range(10_000))

    def put_round():
        kinesis.put_records(
            StreamName=stream,
            Records=[
                {"Data": json.dumps({"n": next(counter), "key": k}).encode(), "PartitionKey": k}
                for k in keys
                for _ in range(3)
            ],
        )

    def open_shards():
        return [s_["ShardId"] for s_ in kinesis.list_shards(StreamName=stream)["Shards"]
                if "EndingSequenceNumber" not in s_["SequenceNumberRange"]]

    put_round()
    kinesis.split_shard(StreamName=stream, ShardToSplit="shardId-000000000000", NewStartingHashKey=str(2**127))
    put_round()
    first, second = sorted(open_shards())
    kinesis.merge_shards(StreamName=stream, ShardToMerge=first, AdjacentShardToMerge=second)
    put_round()
    kinesis.update_shard_count(StreamName=stream, TargetShardCount=2, ScalingType="UNIFORM_SCALING")
    put_round()
    shards = kinesis.list_shards(StreamName=stream)["Shards"]
    parents = {
        s_["ShardId"]: [p for p in (s_.get("ParentShardId"), s_.get("AdjacentParentShardId")) if p] for s_ in shards
    }
    generations = {}
    for shard in sorted(parents):
        generations[shard] = 1 + max((generations[p] for p in parents[shard]), default=0)
    assert max(generations.values()) >= 4, parents
    total = next(counter)
    laminar.client().create_event_source_mapping(
        EventSourceArn=arn, FunctionName=function_name, StartingPosition="TRIM_HORIZON", BatchSize=5
    )
    wait_for(lambda: len(delivered(runs_dir, function_name)) >= total, timeout=60, what="every record")
    time.sleep(0.5)
    got = delivered(runs_dir, function_name)
    values = [json.loads(base64.b64decode(r["kinesis"]["data"])) for r in got]
    assert sorted(v["n"] for v in values) == list(range(total))
    for key in keys:
        ns = [v["n"] for v in values if v["key"] == key]
        assert ns == sorted(ns), key
    shard_of = [r["eventID"].split(":")[0] for r in got]
    for shard, its_parents in parents.items():
        if shard not in shard_of:
            continue
        first_of_child = shard_of.index(shard)
        for parent in its_parents:
            if parent in shard_of:
                last_of_parent = len(shard_of) - 1 - shard_of[::-1].index(parent)
                assert last_of_parent < first_of_child, (parent, shard)


def test_checkpoints_survive_kill_9_during_consumption(laminar_factory, tmp_path, runs_dir, function_name):
    """kill -9 while 10,000 records are consumed, then restart: every record
    (by shard and sequence number) reaches the function, in order per shard,
    and only the batches in flight at the crash come twice."""
    first = laminar_factory(data_dir=tmp_path / "state")
    shards, total, batch = 4, 10_000, 100
    kinesis, stream, arn, _ = setup(first, runs_dir, function_name, shards=shards)
    put = []
    for start in range(0, total, 500):
        # A millisecond per record paces each shard's batches (about 0.1 s each).
        answer = kinesis.put_records(
            StreamName=stream,
            Records=[
                {"Data": json.dumps({"n": i, "sleep": 0.001}).encode(), "PartitionKey": f"k{i}"}
                for i in range(start, start + 500)
            ],
        )
        assert answer["FailedRecordCount"] == 0
        put += answer["Records"]
    first.client().create_event_source_mapping(
        EventSourceArn=arn, FunctionName=function_name, StartingPosition="TRIM_HORIZON", BatchSize=batch
    )
    wait_for(lambda: len(delivered(runs_dir, function_name)) >= 2_000, timeout=60, what="2,000 records")
    assert first.kill() == -signal.SIGKILL
    at_crash = len(delivered(runs_dir, function_name))
    assert at_crash < total, "the crash came after the whole stream was read"
    second = laminar_factory(data_dir=tmp_path / "state")
    kinesis = kinesis_client(second.url)
    late = kinesis.put_records(
        StreamName=stream,
        Records=[{"Data": json.dumps({"n": i}).encode(), "PartitionKey": f"k{i}"} for i in range(total, total + 50)],
    )["Records"]
    expected = {(p["ShardId"], p["SequenceNumber"]) for p in put + late}
    assert len(expected) == total + 50

    def seen():
        return [tuple(r["eventID"].split(":", 1)) for r in delivered(runs_dir, function_name)]

    wait_for(lambda: set(seen()) >= expected, timeout=60, what="every record")
    time.sleep(0.5)
    got = seen()
    assert set(got) == expected
    # Only the batches in flight at the crash (at most one per shard) come twice.
    assert len(got) - len(expected) <= shards * batch, len(got)
    # Per shard, the first sightings are in sequence order: after the
    # restart each shard went on from its checkpoint, nothing skipped.
    for shard in {s for s, _ in expected}:
        firsts = list(dict.fromkeys(int(seq) for s, seq in got if s == shard))
        assert firsts == sorted(int(seq) for s, seq in expected if s == shard)


def test_at_timestamp_and_disable_enable_resume_from_the_checkpoint(laminar, runs_dir, function_name):
    kinesis, stream, arn, _ = setup(laminar, runs_dir, function_name, records=[("k", {"n": 0})])
    time.sleep(0.2)
    mark = time.time()
    time.sleep(0.2)
    kinesis.put_record(StreamName=stream, Data=json.dumps({"n": 1}).encode(), PartitionKey="k")
    client = laminar.client()
    mapping = client.create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=function_name,
        StartingPosition="AT_TIMESTAMP",
        StartingPositionTimestamp=mark,
    )["UUID"]
    wait_for(lambda: delivered(runs_dir, function_name), what="the record after the timestamp")
    client.update_event_source_mapping(UUID=mapping, Enabled=False)
    wait_for(lambda: client.get_event_source_mapping(UUID=mapping)["State"] == "Disabled", what="Disabled")
    kinesis.put_record(StreamName=stream, Data=json.dumps({"n": 2}).encode(), PartitionKey="k")
    time.sleep(1.5)
    assert [r for b in batches(runs_dir, function_name) for r in b] == [{"n": 1}]
    client.update_event_source_mapping(UUID=mapping, Enabled=True)
    wait_for(lambda: len(delivered(runs_dir, function_name)) >= 2, what="the record put while disabled")
    time.sleep(1)
    assert [r for b in batches(runs_dir, function_name) for r in b] == [{"n": 1}, {"n": 2}]


def test_parallelization_factor_runs_lanes_at_once_and_keeps_key_order(laminar, runs_dir, function_name):
    import hashlib

    def lane(key):
        return int.from_bytes(hashlib.md5(key.encode()).digest(), "big") % 4

    keys, candidate = {}, 0
    while len(keys) < 4:
        key = f"key-{candidate}"
        keys.setdefault(lane(key), key)
        candidate += 1
    entries = [(keys[i % 4], {"n": i, "key": keys[i % 4], "sleep": 0.3}) for i in range(12)]
    kinesis, stream, arn, _ = setup(laminar, runs_dir, function_name, records=entries)
    laminar.client().create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=function_name,
        StartingPosition="TRIM_HORIZON",
        BatchSize=1,
        ParallelizationFactor=4,
    )
    wait_for(lambda: len(delivered(runs_dir, function_name)) >= 12, timeout=60, what="12 records")
    got = [r for b in batches(runs_dir, function_name) for r in b]
    assert sorted(r["n"] for r in got) == list(range(12))
    for lane_of_key, key in keys.items():
        assert [r["n"] for r in got if r["key"] == key] == [n for n in range(12) if n % 4 == lane_of_key]
    times_path = runs_dir / f"{function_name}.jsonl.times"
    wait_for(lambda: len(times_path.read_text().splitlines()) >= 12, what="every end time")
    times = [json.loads(line) for line in times_path.read_text().splitlines()]
    overlapping = sum(
        1
        for i, a in enumerate(times)
        for b in times[i + 1 :]
        if a["started"] < b["ended"] and b["started"] < a["ended"]
    )
    assert overlapping >= 4, times


WINDOW_SUMMER = """\
import base64, json, os


def handler(event, context):
    path = os.path.join(os.environ["RUNS_DIR"], context.function_name + ".jsonl")
    total = event["state"].get("sum", 0)
    total += sum(json.loads(base64.b64decode(r["kinesis"]["data"]))["n"] for r in event["Records"])
    with open(path, "a") as f:
        f.write(json.dumps({"records": [], "event": {k: v for k, v in event.items() if k != "Records"},
                            "count": len(event["Records"]), "sum": total}) + "\\n")
    return {"state": {"sum": total}}
"""


def test_a_tumbling_window_carries_state_and_ends_with_a_final_invoke(laminar, runs_dir, function_name):
    kinesis, stream, arn, _ = setup(laminar, runs_dir, function_name)
    laminar.client().update_function_code(
        FunctionName=function_name,
        ZipFile=__import__("laminar_testing").make_zip({"app.py": WINDOW_SUMMER}),
    )
    time.sleep(1)
    laminar.client().create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=function_name,
        StartingPosition="TRIM_HORIZON",
        BatchSize=3,
        TumblingWindowInSeconds=2,
    )
    for i in range(1, 11):
        kinesis.put_record(StreamName=stream, Data=json.dumps({"n": i}).encode(), PartitionKey="k")
    finals = lambda: [r for r in runs(runs_dir, function_name) if r["event"]["isFinalInvokeForWindow"]]  # noqa: E731
    wait_for(lambda: sum(r["count"] for r in runs(runs_dir, function_name)) >= 10 and finals(), timeout=30, what="the windows to close")
    wait_for(lambda: sum(f["sum"] for f in finals()) == 55, timeout=10, what="every window's final invoke")
    invocations = runs(runs_dir, function_name)
    for run in invocations:
        event = run["event"]
        assert set(event) == {"window", "state", "shardId", "eventSourceARN", "isFinalInvokeForWindow", "isWindowTerminatedEarly"}
        assert event["shardId"] == "shardId-000000000000" and event["eventSourceARN"] == arn
        assert event["isWindowTerminatedEarly"] is False
        start = event["window"]["start"]
        assert start.endswith("Z") and int(start[17:19]) % 2 == 0
    for final in finals():
        assert final["count"] == 0


def test_stream_mappings_are_refused_as_aws_refuses_them(laminar, runs_dir, function_name):
    """AWS's answers as recorded by AWS-validated suites and users: a stream
    mapping needs a StartingPosition, a timestamp only with AT_TIMESTAMP, a
    record age of -1 or at least 60, and a stream that exists. Nothing is
    stored for a refused request."""
    kinesis, stream, arn, _ = setup(laminar, runs_dir, function_name)
    client = laminar.client(parameter_validation=False)
    assert error(lambda: client.create_event_source_mapping(EventSourceArn=arn, FunctionName=function_name)) == (
        aws_error(
            400,
            "InvalidParameterValueException",
            "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: "
            "Member must not be null.",
        )
    )
    assert error(
        lambda: client.create_event_source_mapping(
            EventSourceArn=arn,
            FunctionName=function_name,
            StartingPosition="LATEST",
            StartingPositionTimestamp=time.time(),
        )
    ) == aws_error(400, "InvalidParameterValueException", "Timestamp only valid with StartingPosition AT_TIMESTAMP")
    assert error(
        lambda: client.create_event_source_mapping(
            EventSourceArn=arn, FunctionName=function_name, StartingPosition="LATEST", MaximumRecordAgeInSeconds=59
        )
    ) == aws_error(
        400,
        "InvalidParameterValueException",
        "MaximumRecordAgeInSeconds must be either -1 (forever) or between 60 and 604800 (inclusive)",
    )
    missing = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/no-such-stream"
    assert error(
        lambda: client.create_event_source_mapping(
            EventSourceArn=missing, FunctionName=function_name, StartingPosition="LATEST"
        )
    ) == aws_error(400, "InvalidParameterValueException", f"Stream not found: {missing}")
    assert client.list_event_source_mappings(FunctionName=function_name)["EventSourceMappings"] == []


FAILER = """\
def handler(event, context):
    raise Exception("always")
"""


def test_mapping_states_and_results_as_aws_reports_them(laminar, runs_dir, function_name):
    """Creating → Enabled, Disabling → Disabled, Enabling → Enabled;
    LastProcessingResult "No records processed", then "OK", then
    "PROBLEM: Function call failed" once the function fails; the whole
    GetEventSourceMapping answer as AWS documents it for a Kinesis mapping."""
    kinesis, stream, arn, _ = setup(laminar, runs_dir, function_name)
    client = laminar.client()
    created = client.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=function_name, StartingPosition="LATEST", BatchSize=3
    )
    uuid_ = created["UUID"]
    assert (created["State"], created["StateTransitionReason"]) == ("Creating", "User action")

    def get():
        answer = client.get_event_source_mapping(UUID=uuid_)
        answer.pop("ResponseMetadata")
        return answer

    expected = {
        "UUID": uuid_,
        "StartingPosition": "LATEST",
        "BatchSize": 3,
        "MaximumBatchingWindowInSeconds": 0,
        "ParallelizationFactor": 1,
        "EventSourceArn": arn,
        "FunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}",
        "LastModified": created["LastModified"],
        "LastProcessingResult": "No records processed",
        "State": "Enabled",
        "StateTransitionReason": "User action",
        "DestinationConfig": {"OnFailure": {}},
        "MaximumRecordAgeInSeconds": -1,
        "BisectBatchOnFunctionError": False,
        "MaximumRetryAttempts": -1,
        "TumblingWindowInSeconds": 0,
        "FunctionResponseTypes": [],
        "EventSourceMappingArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:event-source-mapping:{uuid_}",
    }
    assert get() == expected
    time.sleep(1.5)  # LATEST is pinned once the shard is first read
    kinesis.put_record(StreamName=stream, Data=json.dumps({"n": 0}).encode(), PartitionKey="k")
    wait_for(lambda: get()["LastProcessingResult"] == "OK", what="OK")
    assert get() == {**expected, "LastProcessingResult": "OK"}

    disabling = client.update_event_source_mapping(UUID=uuid_, Enabled=False)
    assert (disabling["State"], disabling["StateTransitionReason"]) == ("Disabling", "User action")
    assert get()["State"] == "Disabled"
    enabling = client.update_event_source_mapping(UUID=uuid_, Enabled=True)
    assert enabling["State"] == "Enabling"
    assert get()["State"] == "Enabled"

    client.update_function_code(
        FunctionName=function_name, ZipFile=__import__("laminar_testing").make_zip({"app.py": FAILER})
    )
    wait_for(lambda: client.get_function(FunctionName=function_name)["Configuration"]["LastUpdateStatus"] == "Successful")
    kinesis.put_record(StreamName=stream, Data=json.dumps({"n": 1}).encode(), PartitionKey="k")
    wait_for(lambda: get()["LastProcessingResult"] == "PROBLEM: Function call failed", what="the failure")
    client.delete_event_source_mapping(UUID=uuid_)


def test_a_mapping_on_an_enhanced_fan_out_consumer_reads_its_stream(laminar, runs_dir, function_name):
    """AWS takes a consumer ARN (stream/NAME/consumer/CNAME:TIME) as a
    mapping's source; the mapping reads the consumer's stream."""
    kinesis, stream, arn, put = setup(laminar, runs_dir, function_name, records=[("k", {"n": 0})])
    consumer = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="fan-out")["Consumer"]["ConsumerARN"]
    assert consumer.startswith(f"{arn}/consumer/fan-out:")
    client = laminar.client()
    missing = f"{arn}/consumer/nobody:1700000000"
    assert error(
        lambda: client.create_event_source_mapping(
            EventSourceArn=missing, FunctionName=function_name, StartingPosition="TRIM_HORIZON"
        )
    ) == aws_error(400, "InvalidParameterValueException", f"Stream not found: {missing}")
    mapping = client.create_event_source_mapping(
        EventSourceArn=consumer, FunctionName=function_name, StartingPosition="TRIM_HORIZON"
    )
    assert mapping["EventSourceArn"] == consumer
    assert client.get_event_source_mapping(UUID=mapping["UUID"])["EventSourceArn"] == consumer
    kinesis.put_record(StreamName=stream, Data=json.dumps({"n": 1}).encode(), PartitionKey="k")
    wait_for(lambda: len(delivered(runs_dir, function_name)) >= 2, what="both records")
    got = delivered(runs_dir, function_name)
    assert [json.loads(base64.b64decode(r["kinesis"]["data"]))["n"] for r in got] == [0, 1]
    assert got[0]["eventID"] == f"{put[0]['ShardId']}:{put[0]['SequenceNumber']}"
    assert {r["eventSourceARN"] for r in got} == {arn}
