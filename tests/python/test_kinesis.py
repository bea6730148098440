"""Kinesis Data Streams on laminar's port, through boto3 and the AWS CLI:
streams, shards and their hash-key ranges, records routed by MD5, shard
iterators of every type, retention, tags, resharding with lineage,
consumers, the model's constraints, and durability across kill -9."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from laminar_testing import ACCOUNT, AWS_ENV, REGION

MAX_HASH = 2**128 - 1
QUARTER = 2**126


def kinesis_client(url: str):
    return boto3.client(
        "kinesis",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )


@pytest.fixture
def kinesis(laminar):
    return kinesis_client(laminar.url)


@pytest.fixture
def stream_name():
    return f"stream-{uuid.uuid4().hex[:12]}"


def arn(name: str) -> str:
    return f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{name}"


def body(response: dict) -> dict:
    response = dict(response)
    metadata = response.pop("ResponseMetadata")
    assert metadata["HTTPStatusCode"] == 200
    return response


def error(excinfo) -> tuple[int, str, str]:
    e = excinfo.value.response
    return (
        e["ResponseMetadata"]["HTTPStatusCode"],
        e["Error"]["Code"],
        e["Error"]["Message"],
    )


def shard_of(partition_key: str, ranges) -> str:
    h = int.from_bytes(hashlib.md5(partition_key.encode()).digest(), "big")
    for shard_id, start, end in ranges:
        if start <= h <= end:
            return shard_id
    raise AssertionError("no shard owns the key")


def read_all(kinesis, name: str, shard_id: str, kind="TRIM_HORIZON", **extra) -> list[dict]:
    it = kinesis.get_shard_iterator(
        StreamName=name, ShardId=shard_id, ShardIteratorType=kind, **extra
    )["ShardIterator"]
    records = []
    while True:
        got = kinesis.get_records(ShardIterator=it, Limit=100)
        records += got["Records"]
        if not got["Records"] or "NextShardIterator" not in got:
            return records
        it = got["NextShardIterator"]


def test_create_describe_list_and_delete(kinesis, stream_name):
    before = datetime.datetime.now(datetime.timezone.utc)
    assert body(kinesis.create_stream(StreamName=stream_name, ShardCount=4)) == {}
    kinesis.get_waiter("stream_exists").wait(StreamName=stream_name)
    described = body(kinesis.describe_stream(StreamName=stream_name))["StreamDescription"]
    created = described["StreamCreationTimestamp"]
    assert before - datetime.timedelta(seconds=1) <= created <= before + datetime.timedelta(seconds=10)
    bounds = [(i * QUARTER, (i + 1) * QUARTER - 1) for i in range(4)]
    assert described == {
        "StreamName": stream_name,
        "StreamARN": arn(stream_name),
        "StreamStatus": "ACTIVE",
        "StreamModeDetails": {"StreamMode": "PROVISIONED"},
        "Shards": [
            {
                "ShardId": f"shardId-{i:012d}",
                "HashKeyRange": {"StartingHashKey": str(s), "EndingHashKey": str(e)},
                "SequenceNumberRange": {
                    "StartingSequenceNumber": described["Shards"][i]["SequenceNumberRange"][
                        "StartingSequenceNumber"
                    ]
                },
            }
            for i, (s, e) in enumerate(bounds)
        ],
        "HasMoreShards": False,
        "RetentionPeriodHours": 24,
        "StreamCreationTimestamp": created,
        "EnhancedMonitoring": [{"ShardLevelMetrics": []}],
        "EncryptionType": "NONE",
    }
    for shard in described["Shards"]:
        start = shard["SequenceNumberRange"]["StartingSequenceNumber"]
        assert len(start) == 56 and start.isdigit()
    summary = body(kinesis.describe_stream_summary(StreamARN=arn(stream_name)))
    assert summary == {
        "StreamDescriptionSummary": {
            "StreamName": stream_name,
            "StreamARN": arn(stream_name),
            "StreamStatus": "ACTIVE",
            "StreamModeDetails": {"StreamMode": "PROVISIONED"},
            "RetentionPeriodHours": 24,
            "StreamCreationTimestamp": created,
            "EnhancedMonitoring": [{"ShardLevelMetrics": []}],
            "EncryptionType": "NONE",
            "OpenShardCount": 4,
            "ConsumerCount": 0,
            "MaxRecordSizeInKiB": 1024,
        }
    }
    listed = body(kinesis.list_streams())
    assert stream_name in listed["StreamNames"]
    assert {
        "StreamName": stream_name,
        "StreamARN": arn(stream_name),
        "StreamStatus": "ACTIVE",
        "StreamModeDetails": {"StreamMode": "PROVISIONED"},
        "StreamCreationTimestamp": created,
    } in listed["StreamSummaries"]
    with pytest.raises(ClientError) as excinfo:
        kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    assert error(excinfo) == (
        400,
        "ResourceInUseException",
        f"Stream {stream_name} under account {ACCOUNT} already exists.",
    )
    assert body(kinesis.delete_stream(StreamName=stream_name)) == {}
    with pytest.raises(ClientError) as excinfo:
        kinesis.describe_stream(StreamName=stream_name)
    assert error(excinfo) == (
        400,
        "ResourceNotFoundException",
        f"Stream {stream_name} under account {ACCOUNT} not found.",
    )


def test_on_demand_streams_have_four_shards(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    summary = kinesis.describe_stream_summary(StreamName=stream_name)["StreamDescriptionSummary"]
    assert summary["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}
    assert summary["OpenShardCount"] == 4


def test_the_models_constraints_answer_validation_exception(kinesis):
    with pytest.raises(ClientError) as excinfo:
        kinesis.create_stream(StreamName="bad name!", ShardCount=1)
    assert error(excinfo) == (
        400,
        "ValidationException",
        "1 validation error detected: Value 'bad name!' at 'streamName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
    )


def test_records_route_by_md5_in_order(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=4)
    shards = kinesis.list_shards(StreamName=stream_name)["Shards"]
    ranges = [
        (
            s["ShardId"],
            int(s["HashKeyRange"]["StartingHashKey"]),
            int(s["HashKeyRange"]["EndingHashKey"]),
        )
        for s in shards
    ]
    before = time.time()
    put = body(kinesis.put_record(StreamName=stream_name, Data=b"first", PartitionKey="alpha"))
    assert put == {"ShardId": shard_of("alpha", ranges), "SequenceNumber": put["SequenceNumber"]}
    entries = [{"Data": f"record {i}".encode(), "PartitionKey": f"key-{i % 7}"} for i in range(40)]
    result = body(kinesis.put_records(StreamName=stream_name, Records=entries))
    assert result["FailedRecordCount"] == 0
    assert [r["ShardId"] for r in result["Records"]] == [
        shard_of(e["PartitionKey"], ranges) for e in entries
    ]
    assert all(set(r) == {"ShardId", "SequenceNumber"} for r in result["Records"])
    # Per shard, sequence numbers grow in the order the records were put.
    by_shard: dict[str, list[str]] = {}
    for r in [put] + result["Records"]:
        by_shard.setdefault(r["ShardId"], []).append(r["SequenceNumber"])
    for shard_id, seqs in by_shard.items():
        assert all(len(s) == 56 for s in seqs)
        assert seqs == sorted(seqs, key=int)
        records = read_all(kinesis, stream_name, shard_id)
        assert [r["SequenceNumber"] for r in records] == seqs
    first = read_all(kinesis, stream_name, put["ShardId"])[0]
    arrival = first["ApproximateArrivalTimestamp"].timestamp()
    assert before - 1 <= arrival <= time.time() + 1
    assert first == {
        "SequenceNumber": put["SequenceNumber"],
        "ApproximateArrivalTimestamp": first["ApproximateArrivalTimestamp"],
        "Data": b"first",
        "PartitionKey": "alpha",
    }
    # ExplicitHashKey overrides the partition key's hash.
    explicit = kinesis.put_record(
        StreamName=stream_name, Data=b"x", PartitionKey="alpha", ExplicitHashKey=str(MAX_HASH)
    )
    assert explicit["ShardId"] == "shardId-000000000003"


def test_iterator_types_and_millis_behind(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    shard = "shardId-000000000000"
    seqs = [
        kinesis.put_record(StreamName=stream_name, Data=f"{i}".encode(), PartitionKey="k")[
            "SequenceNumber"
        ]
        for i in range(3)
    ]
    latest = kinesis.get_shard_iterator(
        StreamName=stream_name, ShardId=shard, ShardIteratorType="LATEST"
    )["ShardIterator"]
    mark = datetime.datetime.now(datetime.timezone.utc)
    time.sleep(0.05)
    seqs.append(kinesis.put_record(StreamName=stream_name, Data=b"3", PartitionKey="k")["SequenceNumber"])
    got = body(kinesis.get_records(ShardIterator=latest))
    assert [r["Data"] for r in got["Records"]] == [b"3"]
    assert got["MillisBehindLatest"] == 0
    assert set(got) == {"Records", "NextShardIterator", "MillisBehindLatest"}

    def data(kind, **extra):
        return [r["Data"] for r in read_all(kinesis, stream_name, shard, kind, **extra)]

    assert data("TRIM_HORIZON") == [b"0", b"1", b"2", b"3"]
    assert data("AT_SEQUENCE_NUMBER", StartingSequenceNumber=seqs[1]) == [b"1", b"2", b"3"]
    assert data("AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=seqs[1]) == [b"2", b"3"]
    assert data("AT_TIMESTAMP", Timestamp=mark) == [b"3"]
    it = kinesis.get_shard_iterator(
        StreamName=stream_name, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    partial = kinesis.get_records(ShardIterator=it, Limit=1)
    assert len(partial["Records"]) == 1 and partial["MillisBehindLatest"] >= 0
    with pytest.raises(ClientError) as excinfo:
        kinesis.get_shard_iterator(
            StreamName=stream_name, ShardId=shard, ShardIteratorType="AT_SEQUENCE_NUMBER"
        )
    assert error(excinfo) == (
        400,
        "InvalidArgumentException",
        "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and "
        "StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. "
        "Request specified AT_SEQUENCE_NUMBER and no StartingSequenceNumber.",
    )
    with pytest.raises(ClientError) as excinfo:
        kinesis.get_shard_iterator(
            StreamName=stream_name, ShardId="shardId-000000000009", ShardIteratorType="LATEST"
        )
    assert error(excinfo) == (
        400,
        "ResourceNotFoundException",
        f"Shard shardId-000000000009 in stream {stream_name} under account {ACCOUNT} does not exist",
    )
    with pytest.raises(ClientError) as excinfo:
        kinesis.get_records(ShardIterator="not-an-iterator")
    assert error(excinfo)[:2] == (400, "InvalidArgumentException")


def test_record_and_batch_limits(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    with pytest.raises(ClientError) as excinfo:
        kinesis.put_record(StreamName=stream_name, Data=b"x" * (1024 * 1024 + 1), PartitionKey="k")
    assert error(excinfo) == (
        400,
        "ValidationException",
        "1 validation error detected: Value at 'data' failed to satisfy constraint: "
        "Member must have length less than or equal to 1048576",
    )
    with pytest.raises(ClientError) as excinfo:
        kinesis.put_records(
            StreamName=stream_name,
            Records=[{"Data": b"x", "PartitionKey": "k"} for _ in range(501)],
        )
    status, code, message = error(excinfo)
    assert (status, code) == (400, "ValidationException")
    assert message.endswith(
        "at 'records' failed to satisfy constraint: Member must have length less than or equal to 500"
    )
    with pytest.raises(ClientError) as excinfo:
        kinesis.put_records(
            StreamName=stream_name,
            Records=[{"Data": b"x" * (1024 * 1000), "PartitionKey": "k"} for _ in range(6)],
        )
    assert error(excinfo) == (400, "InvalidArgumentException", "Records size exceeds 5 MB limit")
    # Nothing of a refused batch was stored.
    assert read_all(kinesis, stream_name, "shardId-000000000000") == []


def test_retention_and_tags(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=1, Tags={"team": "a"})
    kinesis.increase_stream_retention_period(StreamName=stream_name, RetentionPeriodHours=48)
    summary = kinesis.describe_stream_summary(StreamName=stream_name)["StreamDescriptionSummary"]
    assert summary["RetentionPeriodHours"] == 48
    with pytest.raises(ClientError) as excinfo:
        kinesis.increase_stream_retention_period(StreamName=stream_name, RetentionPeriodHours=30)
    assert error(excinfo) == (
        400,
        "InvalidArgumentException",
        f"Requested retention period (30 hours) for stream {stream_name} can not be shorter than "
        "existing retention period (48 hours). Use DecreaseRetentionPeriod API.",
    )
    kinesis.decrease_stream_retention_period(StreamName=stream_name, RetentionPeriodHours=24)
    kinesis.add_tags_to_stream(StreamName=stream_name, Tags={"env": "dev", "team": "b"})
    assert body(kinesis.list_tags_for_stream(StreamName=stream_name)) == {
        "Tags": [{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "b"}],
        "HasMoreTags": False,
    }
    assert body(kinesis.list_tags_for_stream(StreamName=stream_name, Limit=1)) == {
        "Tags": [{"Key": "env", "Value": "dev"}],
        "HasMoreTags": True,
    }
    kinesis.remove_tags_from_stream(StreamName=stream_name, TagKeys=["env"])
    assert kinesis.list_tags_for_stream(StreamName=stream_name)["Tags"] == [
        {"Key": "team", "Value": "b"}
    ]


def test_split_merge_and_update_shard_count_keep_lineage(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=2)
    half = 2**127
    before = kinesis.put_record(StreamName=stream_name, Data=b"old", PartitionKey="p")
    kinesis.split_shard(
        StreamName=stream_name, ShardToSplit="shardId-000000000000", NewStartingHashKey=str(half // 2)
    )
    shards = {s["ShardId"]: s for s in kinesis.list_shards(StreamName=stream_name)["Shards"]}
    assert sorted(shards) == [f"shardId-{i:012d}" for i in range(4)]
    parent = shards["shardId-000000000000"]
    assert "EndingSequenceNumber" in parent["SequenceNumberRange"]
    assert shards["shardId-000000000002"]["ParentShardId"] == "shardId-000000000000"
    assert shards["shardId-000000000002"]["HashKeyRange"] == {
        "StartingHashKey": "0",
        "EndingHashKey": str(half // 2 - 1),
    }
    assert shards["shardId-000000000003"]["HashKeyRange"] == {
        "StartingHashKey": str(half // 2),
        "EndingHashKey": str(half - 1),
    }
    with pytest.raises(ClientError) as excinfo:
        kinesis.split_shard(
            StreamName=stream_name, ShardToSplit="shardId-000000000000", NewStartingHashKey="5"
        )
    assert error(excinfo)[:2] == (400, "ResourceInUseException")
    # The closed parent reads to its end, then names its children.
    if before["ShardId"] == "shardId-000000000000":
        it = kinesis.get_shard_iterator(
            StreamName=stream_name, ShardId="shardId-000000000000", ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        got = kinesis.get_records(ShardIterator=it)
        assert [r["Data"] for r in got["Records"]] == [b"old"]
    it = kinesis.get_shard_iterator(
        StreamName=stream_name,
        ShardId="shardId-000000000000",
        ShardIteratorType="LATEST",
    )["ShardIterator"]
    end = body(kinesis.get_records(ShardIterator=it))
    assert end == {
        "Records": [],
        "MillisBehindLatest": 0,
        "ChildShards": [
            {
                "ShardId": "shardId-000000000002",
                "ParentShards": ["shardId-000000000000"],
                "HashKeyRange": shards["shardId-000000000002"]["HashKeyRange"],
            },
            {
                "ShardId": "shardId-000000000003",
                "ParentShards": ["shardId-000000000000"],
                "HashKeyRange": shards["shardId-000000000003"]["HashKeyRange"],
            },
        ],
    }
    kinesis.merge_shards(
        StreamName=stream_name,
        ShardToMerge="shardId-000000000002",
        AdjacentShardToMerge="shardId-000000000003",
    )
    merged = kinesis.list_shards(StreamName=stream_name, ShardFilter={"Type": "AT_LATEST"})["Shards"]
    assert [s["ShardId"] for s in merged] == ["shardId-000000000001", "shardId-000000000004"]
    assert merged[1]["ParentShardId"] == "shardId-000000000002"
    assert merged[1]["AdjacentParentShardId"] == "shardId-000000000003"
    with pytest.raises(ClientError) as excinfo:
        kinesis.merge_shards(
            StreamName=stream_name,
            ShardToMerge="shardId-000000000001",
            AdjacentShardToMerge="shardId-000000000001",
        )
    assert error(excinfo)[:2] == (400, "InvalidArgumentException")
    updated = body(
        kinesis.update_shard_count(
            StreamName=stream_name, TargetShardCount=4, ScalingType="UNIFORM_SCALING"
        )
    )
    assert updated == {
        "StreamName": stream_name,
        "CurrentShardCount": 2,
        "TargetShardCount": 4,
        "StreamARN": arn(stream_name),
    }
    open_shards = kinesis.list_shards(StreamName=stream_name, ShardFilter={"Type": "AT_LATEST"})[
        "Shards"
    ]
    assert [s["ShardId"] for s in open_shards] == [f"shardId-{i:012d}" for i in range(5, 9)]
    assert [s.get("ParentShardId") for s in open_shards] == [
        "shardId-000000000004",
        "shardId-000000000004",
        "shardId-000000000001",
        "shardId-000000000001",
    ]
    with pytest.raises(ClientError) as excinfo:
        kinesis.update_shard_count(
            StreamName=stream_name, TargetShardCount=9, ScalingType="UNIFORM_SCALING"
        )
    assert error(excinfo)[:2] == (400, "LimitExceededException")


def test_list_shards_pages(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=5)
    first = body(kinesis.list_shards(StreamName=stream_name, MaxResults=2))
    assert [s["ShardId"] for s in first["Shards"]] == ["shardId-000000000000", "shardId-000000000001"]
    second = kinesis.list_shards(NextToken=first["NextToken"], MaxResults=2)
    assert [s["ShardId"] for s in second["Shards"]] == ["shardId-000000000002", "shardId-000000000003"]
    third = kinesis.list_shards(NextToken=second["NextToken"], MaxResults=2)
    assert [s["ShardId"] for s in third["Shards"]] == ["shardId-000000000004"]
    assert "NextToken" not in third
    with pytest.raises(ClientError) as excinfo:
        kinesis.list_shards(StreamName=stream_name, NextToken=first["NextToken"])
    assert error(excinfo)[:2] == (400, "InvalidArgumentException")
    after = kinesis.list_shards(StreamName=stream_name, ExclusiveStartShardId="shardId-000000000003")
    assert [s["ShardId"] for s in after["Shards"]] == ["shardId-000000000004"]


def test_consumers(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    registered = body(kinesis.register_stream_consumer(StreamARN=arn(stream_name), ConsumerName="c1"))
    consumer = registered["Consumer"]
    created = consumer["ConsumerCreationTimestamp"]
    consumer_arn = f"{arn(stream_name)}/consumer/c1:{int(created.timestamp())}"
    assert consumer == {
        "ConsumerName": "c1",
        "ConsumerARN": consumer_arn,
        "ConsumerStatus": "ACTIVE",
        "ConsumerCreationTimestamp": created,
    }
    assert body(kinesis.describe_stream_consumer(ConsumerARN=consumer_arn)) == {
        "ConsumerDescription": dict(consumer, StreamARN=arn(stream_name))
    }
    assert body(kinesis.list_stream_consumers(StreamARN=arn(stream_name))) == {"Consumers": [consumer]}
    with pytest.raises(ClientError) as excinfo:
        kinesis.register_stream_consumer(StreamARN=arn(stream_name), ConsumerName="c1")
    assert error(excinfo)[:2] == (400, "ResourceInUseException")
    with pytest.raises(ClientError) as excinfo:
        kinesis.delete_stream(StreamName=stream_name)
    assert error(excinfo)[:2] == (400, "ResourceInUseException")
    kinesis.deregister_stream_consumer(StreamARN=arn(stream_name), ConsumerName="c1")
    assert kinesis.list_stream_consumers(StreamARN=arn(stream_name))["Consumers"] == []
    with pytest.raises(ClientError) as excinfo:
        kinesis.describe_stream_consumer(ConsumerARN=consumer_arn)
    assert error(excinfo)[:2] == (400, "ResourceNotFoundException")


def test_aws_cli_round_trip(laminar, stream_name):
    aws = str(Path(sys.executable).with_name("aws"))
    env = dict(os.environ, **AWS_ENV)

    def cli(*args):
        out = subprocess.run(
            [aws, "--endpoint-url", laminar.url, "--output", "json", "kinesis", *args],
            env=env, capture_output=True, text=True, timeout=60,
        )
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout) if out.stdout.strip() else {}

    assert cli("create-stream", "--stream-name", stream_name, "--shard-count", "1") == {}
    put = cli("put-record", "--stream-name", stream_name, "--data", "from the cli", "--partition-key", "k")
    assert put == {"ShardId": "shardId-000000000000", "SequenceNumber": put["SequenceNumber"]}
    it = cli(
        "get-shard-iterator", "--stream-name", stream_name, "--shard-id", "shardId-000000000000",
        "--shard-iterator-type", "TRIM_HORIZON",
    )["ShardIterator"]
    got = cli("get-records", "--shard-iterator", it)
    record = got["Records"][0]
    assert record == {
        "SequenceNumber": put["SequenceNumber"],
        "ApproximateArrivalTimestamp": record["ApproximateArrivalTimestamp"],
        "Data": base64.b64encode(b"from the cli").decode(),
        "PartitionKey": "k",
    }
    assert got["MillisBehindLatest"] == 0
    assert cli("list-streams")["StreamNames"].count(stream_name) == 1
    assert cli("delete-stream", "--stream-name", stream_name) == {}


def test_acknowledged_records_survive_kill_9(laminar_factory, tmp_path, stream_name):
    data_dir = tmp_path / "state"
    first = laminar_factory(data_dir=data_dir)
    client = kinesis_client(first.url)
    client.create_stream(StreamName=stream_name, ShardCount=2)
    put = client.put_records(
        StreamName=stream_name,
        Records=[{"Data": f"{i}".encode(), "PartitionKey": f"k{i}"} for i in range(50)],
    )
    assert first.kill() == -signal.SIGKILL
    second = laminar_factory(data_dir=data_dir)
    client = kinesis_client(second.url)
    stored = {}
    for shard in ("shardId-000000000000", "shardId-000000000001"):
        for r in read_all(client, stream_name, shard):
            stored[r["SequenceNumber"]] = r["Data"]
    assert stored == {r["SequenceNumber"]: f"{i}".encode() for i, r in enumerate(put["Records"])}
    # The counters carry on where they were: new records come after the old.
    again = client.put_record(StreamName=stream_name, Data=b"new", PartitionKey="k0")
    old = [r["SequenceNumber"] for r in put["Records"] if r["ShardId"] == again["ShardId"]]
    assert int(again["SequenceNumber"]) > max(int(s) for s in old)


def test_cbor_is_refused_with_a_hint(laminar):
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        laminar.url + "/",
        data=b"\xa0",
        headers={
            "Content-Type": "application/x-amz-cbor-1.1",
            "X-Amz-Target": "Kinesis_20131202.ListStreams",
        },
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(request, timeout=10)
    assert excinfo.value.code == 415
    assert excinfo.value.headers["x-amzn-ErrorType"] == "UnsupportedMediaTypeException"
    assert json.loads(excinfo.value.read()) == {
        "__type": "UnsupportedMediaTypeException",
        "message": "laminar's Kinesis speaks JSON 1.1 only; switch CBOR off in the client "
        "(AWS_CBOR_DISABLE=true or -Dcom.amazonaws.sdk.disableCbor=true).",
    }
