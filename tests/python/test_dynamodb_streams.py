"""DynamoDB Streams through boto3 against a real laminar: the stream record
of every item change per StreamViewType (compared with the records of AWS's
GetRecords example), no record for a write that changed nothing, the
Streams API's paging, iterators and errors, streams re-enabled under a new
label, event source mappings on a stream (order per key, filters), TTL
deletes marked as the service's, and a mapping's checkpoints across kill -9."""

from __future__ import annotations

import json
import re
import signal
import time
import uuid

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from dynamodb_testing import dynamodb_client, table_name
from laminar_testing import ACCOUNT, AWS_ENV, REGION, create_python_function, runs, sqs_client, wait_for
from test_dynamodb_resource import resource


def streams_client(url: str, validate: bool = True):
    return boto3.client(
        "dynamodbstreams",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, parameter_validation=validate),
    )


@pytest.fixture
def ddb(laminar):
    return dynamodb_client(laminar.url)


@pytest.fixture
def streams(laminar):
    return streams_client(laminar.url)


def error_of(call, **kwargs) -> tuple[int, str, str]:
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call(**kwargs)
    response = e.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


def create_table(ddb, view_type: str | None = "NEW_AND_OLD_IMAGES", name: str | None = None) -> tuple[str, str | None]:
    """A table keyed by `pk` (S) and `sk` (N); its stream's ARN."""
    name = name or table_name()
    spec = {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": view_type}} if view_type else {}
    table = ddb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        BillingMode="PAY_PER_REQUEST",
        **spec,
    )["TableDescription"]
    return name, table.get("LatestStreamArn")


def read_all(streams, stream_arn: str, iterator_type: str = "TRIM_HORIZON") -> list[dict]:
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard, ShardIteratorType=iterator_type)[
        "ShardIterator"
    ]
    return streams.get_records(ShardIterator=iterator)["Records"]


def checked(record: dict) -> dict:
    """The record with its generated members checked against AWS's forms and
    replaced by markers, so the rest compares whole."""
    record = json.loads(json.dumps(record, default=str))
    assert re.fullmatch(r"[0-9a-f]{32}", record["eventID"]), record["eventID"]
    record["eventID"] = "<id>"
    d = record["dynamodb"]
    assert re.fullmatch(r"[0-9]{21,40}", d["SequenceNumber"]), d["SequenceNumber"]
    d["SequenceNumber"] = "<seq>"
    assert d.pop("ApproximateCreationDateTime")
    assert isinstance(d["SizeBytes"], int) and d["SizeBytes"] > 0
    d["SizeBytes"] = "<size>"
    return record


def expected(event_name: str, view: str, keys: dict, new: dict | None = None, old: dict | None = None) -> dict:
    d = {"Keys": keys, "SequenceNumber": "<seq>", "SizeBytes": "<size>", "StreamViewType": view}
    if new is not None and view in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
        d["NewImage"] = new
    if old is not None and view in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
        d["OldImage"] = old
    return {
        "eventID": "<id>",
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": d,
    }


@pytest.mark.parametrize("view", ["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"])
def test_each_view_type_records_what_aws_records(ddb, streams, view):
    name, stream_arn = create_table(ddb, view)
    key = {"pk": {"S": "DynamoDB"}, "sk": {"N": "3"}}
    first = {**key, "Subject": {"S": "DynamoDB Thread 3"}, "views": {"N": "0"}}
    ddb.put_item(TableName=name, Item=first)
    ddb.put_item(TableName=name, Item=first)  # the same item again: nothing changed, no record
    ddb.update_item(TableName=name, Key=key, UpdateExpression="SET views = views + :one", ExpressionAttributeValues={":one": {"N": "1"}})
    second = {**first, "views": {"N": "1"}}
    ddb.delete_item(TableName=name, Key=key)
    ddb.delete_item(TableName=name, Key=key)  # already gone: no record
    records = read_all(streams, stream_arn)
    assert [checked(r) for r in records] == [
        expected("INSERT", view, key, new=first),
        expected("MODIFY", view, key, new=second, old=first),
        expected("REMOVE", view, key, old=second),
    ]
    numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert numbers == sorted(numbers) and len(set(numbers)) == 3
    # The AWS example's record members, no more and no fewer (KEYS_ONLY).
    if view == "KEYS_ONLY":
        assert set(records[0]) == {"awsRegion", "dynamodb", "eventID", "eventName", "eventSource", "eventVersion"}
        assert set(records[0]["dynamodb"]) == {
            "ApproximateCreationDateTime", "Keys", "SequenceNumber", "SizeBytes", "StreamViewType",
        }


def test_batches_transactions_and_the_table_resource_write_records(laminar, ddb, streams):
    name, stream_arn = create_table(ddb, "NEW_IMAGE")
    table = resource(laminar.url).Table(name)
    table.put_item(Item={"pk": "a", "sk": 1, "n": 1})
    ddb.batch_write_item(
        RequestItems={
            name: [
                {"PutRequest": {"Item": {"pk": {"S": "b"}, "sk": {"N": "1"}}}},
                {"DeleteRequest": {"Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}}},
                {"DeleteRequest": {"Key": {"pk": {"S": "nothing"}, "sk": {"N": "1"}}}},
            ]
        }
    )
    ddb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": name, "Item": {"pk": {"S": "c"}, "sk": {"N": "1"}}}},
            {"Update": {"TableName": name, "Key": {"pk": {"S": "b"}, "sk": {"N": "1"}}, "UpdateExpression": "SET x = :x",
                        "ExpressionAttributeValues": {":x": {"S": "y"}}}},
        ]
    )
    # A cancelled transaction writes nothing, records included.
    with pytest.raises(botocore.exceptions.ClientError):
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": name, "Item": {"pk": {"S": "d"}, "sk": {"N": "1"}}}},
                {"ConditionCheck": {"TableName": name, "Key": {"pk": {"S": "c"}, "sk": {"N": "1"}},
                                    "ConditionExpression": "attribute_not_exists(pk)"}},
            ]
        )
    got = [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"], r["dynamodb"].get("NewImage")) for r in read_all(streams, stream_arn)]
    assert got == [
        ("INSERT", "a", {"pk": {"S": "a"}, "sk": {"N": "1"}, "n": {"N": "1"}}),
        ("INSERT", "b", {"pk": {"S": "b"}, "sk": {"N": "1"}}),
        ("REMOVE", "a", None),
        ("INSERT", "c", {"pk": {"S": "c"}, "sk": {"N": "1"}}),
        ("MODIFY", "b", {"pk": {"S": "b"}, "sk": {"N": "1"}, "x": {"S": "y"}}),
    ]


def test_describe_stream_and_streams_across_enables(ddb, streams):
    name, first_arn = create_table(ddb, "KEYS_ONLY")
    label = first_arn.rsplit("/stream/", 1)[1]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}", label)
    description = streams.describe_stream(StreamArn=first_arn)["StreamDescription"]
    created = description.pop("CreationRequestDateTime")
    assert abs(created.timestamp() - time.time()) < 60
    shard = description["Shards"][0]
    assert re.fullmatch(r"shardId-\d{20}-[0-9a-f]{8}", shard["ShardId"])
    assert re.fullmatch(r"\d{21}", shard["SequenceNumberRange"]["StartingSequenceNumber"])
    assert description == {
        "StreamArn": first_arn,
        "StreamLabel": label,
        "StreamStatus": "ENABLED",
        "StreamViewType": "KEYS_ONLY",
        "TableName": name,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "Shards": [{"ShardId": shard["ShardId"], "SequenceNumberRange": shard["SequenceNumberRange"]}],
    }
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"N": "1"}})
    ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
    closed = streams.describe_stream(StreamArn=first_arn)["StreamDescription"]
    assert closed["StreamStatus"] == "DISABLED"
    ending = closed["Shards"][0]["SequenceNumberRange"]["EndingSequenceNumber"]
    # Writes while the stream is off are not recorded anywhere.
    ddb.put_item(TableName=name, Item={"pk": {"S": "b"}, "sk": {"N": "1"}})
    time.sleep(0.01)
    second_arn = ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})[
        "TableDescription"
    ]["LatestStreamArn"]
    assert second_arn != first_arn
    ddb.put_item(TableName=name, Item={"pk": {"S": "c"}, "sk": {"N": "1"}})
    old = read_all(streams, first_arn)
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in old] == ["a"]
    assert old[0]["dynamodb"]["SequenceNumber"] == ending
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in read_all(streams, second_arn)] == ["c"]
    # A closed shard read to its end has no next iterator.
    shard_id = closed["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=first_arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    answer = streams.get_records(ShardIterator=iterator)
    assert "NextShardIterator" not in answer
    listed = streams.list_streams(TableName=name)["Streams"]
    assert listed == [
        {"StreamArn": first_arn, "TableName": name, "StreamLabel": label},
        {"StreamArn": second_arn, "TableName": name, "StreamLabel": second_arn.rsplit("/", 1)[1]},
    ]
    # Deleting the table disables its stream, which stays readable.
    ddb.delete_table(TableName=name)
    assert streams.describe_stream(StreamArn=second_arn)["StreamDescription"]["StreamStatus"] == "DISABLED"
    assert len(read_all(streams, second_arn)) == 1


def test_list_streams_pages(ddb, streams):
    arns = [create_table(ddb, "KEYS_ONLY")[1] for _ in range(3)]
    create_table(ddb, None)
    seen, start = [], {}
    while True:
        page = streams.list_streams(Limit=1, **start)
        assert len(page["Streams"]) <= 1
        seen += [s["StreamArn"] for s in page["Streams"]]
        if "LastEvaluatedStreamArn" not in page:
            break
        assert page["LastEvaluatedStreamArn"] == page["Streams"][-1]["StreamArn"]
        start = {"ExclusiveStartStreamArn": page["LastEvaluatedStreamArn"]}
    assert [a for a in seen if a in arns] == arns
    assert len(seen) == len(set(seen))


def test_iterators_by_position(ddb, streams):
    name, stream_arn = create_table(ddb, "KEYS_ONLY")
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]

    def iterator(kind, **kwargs):
        return streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard, ShardIteratorType=kind, **kwargs)["ShardIterator"]

    latest = iterator("LATEST")
    assert latest.startswith(stream_arn + "|1|")
    assert streams.get_records(ShardIterator=latest)["Records"] == []
    for i in range(5):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}, "sk": {"N": "1"}})
    page = streams.get_records(ShardIterator=latest, Limit=2)
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in page["Records"]] == ["k0", "k1"]
    rest = streams.get_records(ShardIterator=page["NextShardIterator"])
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in rest["Records"]] == ["k2", "k3", "k4"]
    empty = streams.get_records(ShardIterator=rest["NextShardIterator"])
    assert empty["Records"] == [] and "NextShardIterator" in empty
    third = rest["Records"][0]["dynamodb"]["SequenceNumber"]
    at = streams.get_records(ShardIterator=iterator("AT_SEQUENCE_NUMBER", SequenceNumber=third))["Records"]
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in at] == ["k2", "k3", "k4"]
    after = streams.get_records(ShardIterator=iterator("AFTER_SEQUENCE_NUMBER", SequenceNumber=third))["Records"]
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in after] == ["k3", "k4"]


def test_streams_errors(laminar, ddb, streams):
    name, stream_arn = create_table(ddb, "KEYS_ONLY")
    missing = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}/stream/2015-05-20T20:51:10.252"
    assert error_of(streams.describe_stream, StreamArn=missing) == (
        400, "ResourceNotFoundException", f"Requested resource not found: Stream: {missing} not found",
    )
    assert error_of(
        streams.get_shard_iterator, StreamArn=stream_arn, ShardId="shardId-00000001414576573621-f55eea83", ShardIteratorType="LATEST"
    ) == (400, "ResourceNotFoundException", "Requested resource not found: Shard does not exist: shardId-00000001414576573621-f55eea83")
    assert error_of(streams.get_records, ShardIterator=f"{stream_arn}|1|garbage")[:2] == (400, "ValidationException")
    # The model's constraints: a Limit of 0 and a short ARN.
    unchecked = streams_client(laminar.url, validate=False)
    assert error_of(unchecked.get_records, ShardIterator=f"{stream_arn}|1|x", Limit=0) == (
        400, "ValidationException",
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
    )
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
    status, code, message = error_of(streams.get_shard_iterator, StreamArn=stream_arn, ShardId=shard, ShardIteratorType="AT_SEQUENCE_NUMBER")
    assert (status, code) == (400, "ValidationException"), message


RECORDER = """\
import json, os, time


def handler(event, context):
    path = os.path.join(os.environ["RUNS_DIR"], context.function_name + ".jsonl")
    with open(path, "a") as f:
        f.write(json.dumps({"records": event["Records"]}) + "\\n")
    for record in event["Records"]:
        image = record["dynamodb"].get("NewImage", {})
        time.sleep(float(image.get("sleep", {}).get("N", "0")))
        if image.get("poison", {}).get("BOOL"):
            raise Exception("poison record")
"""


def delivered(runs_dir, name) -> list[dict]:
    return [r for run in runs(runs_dir, name) for r in run["records"]]


def recorder(laminar, name, runs_dir):
    create_python_function(laminar.client(), name, RECORDER, Timeout=10, Environment={"Variables": {"RUNS_DIR": str(runs_dir)}})


def test_a_mapping_sees_inserts_modifies_and_removes_in_order_per_key(laminar, ddb, tmp_path, function_name):
    name, stream_arn = create_table(ddb)
    recorder(laminar, function_name, tmp_path)
    mapping = laminar.client().create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName=function_name, StartingPosition="TRIM_HORIZON", BatchSize=4
    )
    assert mapping["EventSourceArn"] == stream_arn and mapping["StartingPosition"] == "TRIM_HORIZON"
    for round_ in range(3):
        for key in ("a", "b", "c"):
            item = {"pk": {"S": key}, "sk": {"N": "1"}, "round": {"N": str(round_)}}
            ddb.put_item(TableName=name, Item=item)
    for key in ("a", "b", "c"):
        ddb.delete_item(TableName=name, Key={"pk": {"S": key}, "sk": {"N": "1"}})
    wait_for(lambda: len(delivered(tmp_path, function_name)) >= 12, what="12 records")
    time.sleep(0.5)
    got = delivered(tmp_path, function_name)
    assert len(got) == 12
    for key in ("a", "b", "c"):
        mine = [r for r in got if r["dynamodb"]["Keys"]["pk"]["S"] == key]
        assert [r["eventName"] for r in mine] == ["INSERT", "MODIFY", "MODIFY", "REMOVE"]
        assert [r["dynamodb"].get("NewImage", {}).get("round", {}).get("N") for r in mine] == ["0", "1", "2", None]
        assert [r["dynamodb"].get("OldImage", {}).get("round", {}).get("N") for r in mine] == [None, "0", "1", "2"]
    # The event record as the Lambda developer guide shows it.
    first = dict(got[0])
    assert re.fullmatch(r"[0-9a-f]{32}", first.pop("eventID"))
    d = first.pop("dynamodb")
    assert isinstance(d.pop("ApproximateCreationDateTime"), int)
    assert re.fullmatch(r"\d{21}", d.pop("SequenceNumber"))
    assert d.pop("SizeBytes") > 0
    assert d == {
        "Keys": {"pk": {"S": "a"}, "sk": {"N": "1"}},
        "NewImage": {"pk": {"S": "a"}, "sk": {"N": "1"}, "round": {"N": "0"}},
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    assert first == {
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "eventSourceARN": stream_arn,
    }


def test_a_filter_on_event_name_and_new_image(laminar, ddb, tmp_path, function_name):
    name, stream_arn = create_table(ddb)
    recorder(laminar, function_name, tmp_path)
    laminar.client().create_event_source_mapping(
        EventSourceArn=stream_arn,
        FunctionName=function_name,
        StartingPosition="TRIM_HORIZON",
        FilterCriteria={"Filters": [{"Pattern": json.dumps({"eventName": ["INSERT"], "dynamodb": {"NewImage": {"status": {"S": ["paid"]}}}})}]},
    )
    ddb.put_item(TableName=name, Item={"pk": {"S": "o1"}, "sk": {"N": "1"}, "status": {"S": "open"}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "o2"}, "sk": {"N": "1"}, "status": {"S": "paid"}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "o1"}, "sk": {"N": "1"}, "status": {"S": "paid"}})  # a MODIFY
    ddb.put_item(TableName=name, Item={"pk": {"S": "o3"}, "sk": {"N": "1"}, "status": {"S": "paid"}})
    wait_for(lambda: len(delivered(tmp_path, function_name)) >= 2, what="2 records")
    time.sleep(1.0)
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in delivered(tmp_path, function_name)] == ["o2", "o3"]


def test_a_poison_batch_goes_to_on_failure_with_its_stream_batch_info(laminar, ddb, streams, tmp_path, function_name):
    """Retries run out (MaximumRetryAttempts, bisected first), then the
    failure record names the DynamoDB batch (DDBStreamBatchInfo) and the
    shard moves on."""
    name, stream_arn = create_table(ddb, "NEW_IMAGE")
    recorder(laminar, function_name, tmp_path)
    sqs = sqs_client(laminar.url)
    url = sqs.create_queue(QueueName=f"dlq-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    for i, poison in enumerate([False, True]):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}, "sk": {"N": "1"}, "poison": {"BOOL": poison}})
    laminar.client().create_event_source_mapping(
        EventSourceArn=stream_arn,
        FunctionName=function_name,
        StartingPosition="TRIM_HORIZON",
        MaximumRetryAttempts=1,
        BisectBatchOnFunctionError=True,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
    )
    messages = wait_for(lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages"), what="the OnFailure record")
    sent = [r["dynamodb"]["Keys"]["pk"]["S"] for run in runs(tmp_path, function_name) for r in run["records"]]
    # The whole batch, then its halves: the good half once, the poison one until retries run out.
    assert sent == ["k0", "k1", "k0", "k1", "k1"]
    poison = read_all(streams, stream_arn)[1]["dynamodb"]["SequenceNumber"]
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
    record = json.loads(messages[0]["Body"])
    record.pop("timestamp")
    record["requestContext"].pop("requestId")
    info = record["DDBStreamBatchInfo"]
    assert record == {
        "requestContext": {
            "functionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}",
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": 2,
        },
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "version": "1.0",
        "DDBStreamBatchInfo": {
            "shardId": shard,
            "startSequenceNumber": poison,
            "endSequenceNumber": poison,
            "approximateArrivalOfFirstRecord": info["approximateArrivalOfFirstRecord"],
            "approximateArrivalOfLastRecord": info["approximateArrivalOfLastRecord"],
            "batchSize": 1,
            "streamArn": stream_arn,
        },
    }
    ddb.put_item(TableName=name, Item={"pk": {"S": "after"}, "sk": {"N": "1"}})
    wait_for(lambda: runs(tmp_path, function_name)[-1]["records"][0]["dynamodb"]["Keys"]["pk"]["S"] == "after", what="the next record")


def test_a_mapping_on_a_missing_stream_is_refused(laminar, function_name, tmp_path):
    recorder(laminar, function_name, tmp_path)
    missing = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/nothing/stream/2015-05-20T20:51:10.252"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        laminar.client().create_event_source_mapping(EventSourceArn=missing, FunctionName=function_name, StartingPosition="LATEST")
    assert e.value.response["Error"] == {"Code": "InvalidParameterValueException", "Message": f"Stream not found: {missing}"}


def test_ttl_deletes_expired_items_with_a_service_record(laminar, ddb, streams, tmp_path, function_name):
    name, stream_arn = create_table(ddb, "NEW_AND_OLD_IMAGES")
    # A mapping that keeps only TTL deletes, with the filter AWS documents for them.
    recorder(laminar, function_name, tmp_path)
    only_ttl = {"userIdentity": {"type": ["Service"], "principalId": ["dynamodb.amazonaws.com"]}}
    laminar.client().create_event_source_mapping(
        EventSourceArn=stream_arn,
        FunctionName=function_name,
        StartingPosition="TRIM_HORIZON",
        FilterCriteria={"Filters": [{"Pattern": json.dumps(only_ttl)}]},
    )
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"})
    now = int(time.time())
    gone = {"pk": {"S": "old"}, "sk": {"N": "1"}, "expires": {"N": str(now - 10)}}
    ddb.put_item(TableName=name, Item=gone)
    ddb.put_item(TableName=name, Item={"pk": {"S": "new"}, "sk": {"N": "1"}, "expires": {"N": str(now + 3600)}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "text"}, "sk": {"N": "1"}, "expires": {"S": "1"}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "ancient"}, "sk": {"N": "1"}, "expires": {"N": "1"}})
    wait_for(lambda: "Item" not in ddb.get_item(TableName=name, Key={"pk": {"S": "old"}, "sk": {"N": "1"}}), timeout=10, what="the expired item deleted")
    remaining = sorted(i["pk"]["S"] for i in ddb.scan(TableName=name)["Items"])
    assert remaining == ["ancient", "new", "text"]
    removes = [r for r in read_all(streams, stream_arn) if r["eventName"] == "REMOVE"]
    assert len(removes) == 1
    record = checked(removes[0])
    assert record == {
        **expected("REMOVE", "NEW_AND_OLD_IMAGES", {"pk": {"S": "old"}, "sk": {"N": "1"}}, old=gone),
        "userIdentity": {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"},
    }
    wait_for(lambda: delivered(tmp_path, function_name), what="the TTL delete delivered")
    time.sleep(0.5)
    (event,) = delivered(tmp_path, function_name)
    assert event["eventName"] == "REMOVE" and event["eventSourceARN"] == stream_arn
    assert event["userIdentity"] == {"type": "Service", "principalId": "dynamodb.amazonaws.com"}


def test_kill_9_during_a_stream_fed_mapping_loses_no_change(laminar_factory, tmp_path, function_name):
    runs_dir = tmp_path / "runs"
    runs_dir.mkdir()
    first = laminar_factory(data_dir=tmp_path / "state")
    ddb = dynamodb_client(first.url)
    name, stream_arn = create_table(ddb, "NEW_IMAGE")
    recorder(first, function_name, runs_dir)
    total = 2000
    # Two milliseconds a record pace the batches (about 20 ms each), so the crash comes mid-stream.
    for start in range(0, total, 25):
        items = [{"pk": {"S": f"k{i}"}, "sk": {"N": "1"}, "sleep": {"N": "0.002"}} for i in range(start, start + 25)]
        ddb.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": item}} for item in items]})
    first.client().create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName=function_name, StartingPosition="TRIM_HORIZON", BatchSize=10
    )
    wait_for(lambda: len(delivered(runs_dir, function_name)) >= 50, timeout=60, what="50 records")
    assert first.kill() == -signal.SIGKILL
    assert len(delivered(runs_dir, function_name)) < total, "the crash came after the whole stream was read"
    second = laminar_factory(data_dir=tmp_path / "state")
    ddb = dynamodb_client(second.url)
    for i in range(total, total + 20):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}, "sk": {"N": "1"}})
    everything = {f"k{i}" for i in range(total + 20)}

    def seen():
        return [r["dynamodb"]["Keys"]["pk"]["S"] for r in delivered(runs_dir, function_name)]

    wait_for(lambda: set(seen()) >= everything, timeout=90, what="every change")
    time.sleep(0.5)
    got = seen()
    assert set(got) == everything
    # Only the batch in flight at the crash comes twice; first sightings keep the stream's order.
    assert len(got) - len(everything) <= 10, len(got)
    firsts = list(dict.fromkeys(got))
    assert firsts == [f"k{i}" for i in range(total + 20)]
