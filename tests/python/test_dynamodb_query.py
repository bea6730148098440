"""DynamoDB Query and Scan on laminar's port through boto3: key conditions
(=, <, <=, >, >=, BETWEEN, begins_with) on string and number range keys,
ScanIndexForward, Limit with LastEvaluatedKey paging, FilterExpression,
Select COUNT, projections, queries on local and global secondary indexes,
and Scan with paging and parallel segments."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from dynamodb_testing import body, dynamodb_client, table_name


@pytest.fixture
def ddb(laminar):
    return dynamodb_client(laminar.url)


@pytest.fixture
def forum(ddb):
    """The guide's Thread-like table: hash ForumName, range Subject (S); an
    LSI on LastPostDateTime; a GSI on Author (KEYS_ONLY)."""
    name = table_name()
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "ForumName", "AttributeType": "S"},
            {"AttributeName": "Subject", "AttributeType": "S"},
            {"AttributeName": "LastPostDateTime", "AttributeType": "S"},
            {"AttributeName": "Author", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "ForumName", "KeyType": "HASH"}, {"AttributeName": "Subject", "KeyType": "RANGE"}],
        LocalSecondaryIndexes=[
            {
                "IndexName": "LastPostIndex",
                "KeySchema": [{"AttributeName": "ForumName", "KeyType": "HASH"}, {"AttributeName": "LastPostDateTime", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "ByAuthor",
                "KeySchema": [{"AttributeName": "Author", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def thread(forum: str, subject: str, posted: str, author: str, replies: int) -> dict:
    return {
        "ForumName": {"S": forum},
        "Subject": {"S": subject},
        "LastPostDateTime": {"S": posted},
        "Author": {"S": author},
        "Replies": {"N": str(replies)},
    }


THREADS = [
    thread("DynamoDB", "DynamoDB Thread 1", "2015-09-22T19:58:22.514Z", "User A", 0),
    thread("DynamoDB", "DynamoDB Thread 2", "2015-09-15T19:58:22.514Z", "User B", 3),
    thread("DynamoDB", "DynamoDB Thread 3", "2015-09-29T19:58:22.514Z", "User A", 5),
    thread("DynamoDB", "Other topic", "2015-09-01T00:00:00.000Z", "User C", 1),
    thread("S3", "S3 Thread 1", "2015-09-22T19:58:22.514Z", "User A", 2),
]


@pytest.fixture
def threads(ddb, forum):
    for item in THREADS:
        ddb.put_item(TableName=forum, Item=item)
    return forum


def query(ddb, table, condition, values, **kwargs):
    return body(ddb.query(TableName=table, KeyConditionExpression=condition, ExpressionAttributeValues=values, **kwargs))


def test_query_by_partition_in_range_key_order(ddb, threads):
    got = query(ddb, threads, "ForumName = :f", {":f": {"S": "DynamoDB"}})
    assert got == {"Items": [THREADS[0], THREADS[1], THREADS[2], THREADS[3]], "Count": 4, "ScannedCount": 4}
    backwards = query(ddb, threads, "ForumName = :f", {":f": {"S": "DynamoDB"}}, ScanIndexForward=False)
    assert backwards["Items"] == [THREADS[3], THREADS[2], THREADS[1], THREADS[0]]


@pytest.mark.parametrize(
    "condition, values, expected",
    [
        ("Subject = :s", {":s": {"S": "DynamoDB Thread 2"}}, [1]),
        ("Subject < :s", {":s": {"S": "DynamoDB Thread 2"}}, [0]),
        ("Subject <= :s", {":s": {"S": "DynamoDB Thread 2"}}, [0, 1]),
        ("Subject > :s", {":s": {"S": "DynamoDB Thread 2"}}, [2, 3]),
        ("Subject >= :s", {":s": {"S": "DynamoDB Thread 2"}}, [1, 2, 3]),
        ("Subject BETWEEN :a AND :b", {":a": {"S": "DynamoDB Thread 2"}, ":b": {"S": "DynamoDB Thread 3"}}, [1, 2]),
        ("begins_with(Subject, :s)", {":s": {"S": "DynamoDB"}}, [0, 1, 2]),
    ],
)
def test_range_key_conditions(ddb, threads, condition, values, expected):
    got = query(ddb, threads, f"ForumName = :f AND {condition}", {":f": {"S": "DynamoDB"}, **values})
    assert got == {"Items": [THREADS[i] for i in expected], "Count": len(expected), "ScannedCount": len(expected)}


def test_filter_limit_paging_and_count(ddb, threads):
    values = {":f": {"S": "DynamoDB"}, ":r": {"N": "0"}}
    filtered = query(ddb, threads, "ForumName = :f", values, FilterExpression="Replies > :r")
    assert filtered == {"Items": [THREADS[1], THREADS[2], THREADS[3]], "Count": 3, "ScannedCount": 4}
    first = query(ddb, threads, "ForumName = :f", values, FilterExpression="Replies > :r", Limit=2)
    assert first == {
        "Items": [THREADS[1]],
        "Count": 1,
        "ScannedCount": 2,
        "LastEvaluatedKey": {"ForumName": {"S": "DynamoDB"}, "Subject": {"S": "DynamoDB Thread 2"}},
    }
    second = query(ddb, threads, "ForumName = :f", values, FilterExpression="Replies > :r", Limit=2, ExclusiveStartKey=first["LastEvaluatedKey"])
    assert second["Items"] == [THREADS[2], THREADS[3]]
    assert second["LastEvaluatedKey"] == {"ForumName": {"S": "DynamoDB"}, "Subject": {"S": "Other topic"}}
    third = query(ddb, threads, "ForumName = :f", values, FilterExpression="Replies > :r", Limit=2, ExclusiveStartKey=second["LastEvaluatedKey"])
    assert third == {"Items": [], "Count": 0, "ScannedCount": 0}
    count = query(ddb, threads, "ForumName = :f", {":f": {"S": "DynamoDB"}}, Select="COUNT")
    assert count == {"Count": 4, "ScannedCount": 4}
    projected = query(ddb, threads, "ForumName = :f", {":f": {"S": "S3"}}, ProjectionExpression="Subject, Replies")
    assert projected["Items"] == [{"Subject": {"S": "S3 Thread 1"}, "Replies": {"N": "2"}}]
    paginated = [
        item
        for page in ddb.get_paginator("query").paginate(
            TableName=threads, KeyConditionExpression="ForumName = :f", ExpressionAttributeValues={":f": {"S": "DynamoDB"}}, Limit=1
        )
        for item in page["Items"]
    ]
    assert paginated == THREADS[:4]


def test_query_a_local_index(ddb, threads):
    got = query(
        ddb, threads, "ForumName = :f AND LastPostDateTime > :t",
        {":f": {"S": "DynamoDB"}, ":t": {"S": "2015-09-10"}}, IndexName="LastPostIndex",
    )
    assert got["Items"] == [THREADS[1], THREADS[0], THREADS[2]]
    page = query(ddb, threads, "ForumName = :f", {":f": {"S": "DynamoDB"}}, IndexName="LastPostIndex", Limit=1)
    assert page["LastEvaluatedKey"] == {
        "ForumName": {"S": "DynamoDB"},
        "Subject": {"S": "Other topic"},
        "LastPostDateTime": {"S": "2015-09-01T00:00:00.000Z"},
    }
    rest = query(ddb, threads, "ForumName = :f", {":f": {"S": "DynamoDB"}}, IndexName="LastPostIndex", ExclusiveStartKey=page["LastEvaluatedKey"])
    assert rest["Items"] == [THREADS[1], THREADS[0], THREADS[2]]


def test_query_a_global_keys_only_index(ddb, threads):
    got = query(ddb, threads, "Author = :a", {":a": {"S": "User A"}}, IndexName="ByAuthor")
    keys = [{k: item[k] for k in ("ForumName", "Subject", "Author")} for item in (THREADS[0], THREADS[2], THREADS[4])]
    assert got == {"Items": keys, "Count": 3, "ScannedCount": 3}
    with pytest.raises(ClientError) as caught:
        query(ddb, threads, "Author = :a", {":a": {"S": "User A"}}, IndexName="ByAuthor", ConsistentRead=True)
    assert caught.value.response["Error"]["Message"] == "Consistent reads are not supported on global secondary indexes"


def test_number_range_keys_sort_numerically(ddb):
    name = table_name()
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "n", "AttributeType": "N"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "n", "KeyType": "RANGE"}],
        BillingMode="PAY_PER_REQUEST",
    )
    numbers = ["-100", "-2.5", "0", "0.001", "2", "10", "1e3"]
    for n in reversed(numbers):
        ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "n": {"N": n}})
    got = query(ddb, name, "pk = :p", {":p": {"S": "a"}})
    assert [i["n"]["N"] for i in got["Items"]] == ["-100", "-2.5", "0", "0.001", "2", "10", "1000"]
    between = query(ddb, name, "pk = :p AND n BETWEEN :lo AND :hi", {":p": {"S": "a"}, ":lo": {"N": "-3"}, ":hi": {"N": "2.0"}})
    assert [i["n"]["N"] for i in between["Items"]] == ["-2.5", "0", "0.001", "2"]


@pytest.mark.parametrize(
    "condition, values, message",
    [
        ("Subject = :s", {":s": {"S": "x"}}, "Query condition missed key schema element: ForumName"),
        ("ForumName = :f AND Replies > :s", {":f": {"S": "x"}, ":s": {"N": "1"}}, "Query key condition not supported"),
        ("ForumName = :f", {":f": {"N": "1"}}, "One or more parameter values were invalid: Condition parameter type does not match schema type"),
    ],
)
def test_key_condition_errors(ddb, forum, condition, values, message):
    with pytest.raises(ClientError) as caught:
        query(ddb, forum, condition, values)
    assert caught.value.response["Error"] == {"Code": "ValidationException", "Message": message}


def test_query_on_a_missing_index(ddb, forum):
    with pytest.raises(ClientError) as caught:
        query(ddb, forum, "ForumName = :f", {":f": {"S": "x"}}, IndexName="Nope")
    assert caught.value.response["Error"] == {"Code": "ValidationException", "Message": "The table does not have the specified index: Nope"}


def test_scan_pages_filters_and_segments(ddb, threads):
    everything = body(ddb.scan(TableName=threads))
    assert everything["Count"] == 5 and everything["ScannedCount"] == 5
    assert sorted(everything["Items"], key=lambda i: (i["ForumName"]["S"], i["Subject"]["S"])) == THREADS
    paged = [i for page in ddb.get_paginator("scan").paginate(TableName=threads, Limit=2) for i in page["Items"]]
    assert paged == everything["Items"]
    filtered = body(ddb.scan(TableName=threads, FilterExpression="Author = :a", ExpressionAttributeValues={":a": {"S": "User A"}}))
    assert filtered["Count"] == 3 and filtered["ScannedCount"] == 5
    segments = [body(ddb.scan(TableName=threads, Segment=s, TotalSegments=3))["Items"] for s in range(3)]
    combined = [i for seg in segments for i in seg]
    assert sorted(combined, key=lambda i: (i["ForumName"]["S"], i["Subject"]["S"])) == THREADS
    # One partition is never split between segments.
    for seg in segments:
        forums = {i["ForumName"]["S"] for i in seg}
        for other in segments:
            if other is not seg:
                assert not forums & {i["ForumName"]["S"] for i in other}
    with pytest.raises(ClientError) as caught:
        ddb.scan(TableName=threads, Segment=3, TotalSegments=3)
    assert caught.value.response["Error"]["Message"] == (
        "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 3 is not less than TotalSegments: 3"
    )
    count = body(ddb.scan(TableName=threads, Select="COUNT"))
    assert count == {"Count": 5, "ScannedCount": 5}
