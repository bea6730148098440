"""DynamoDB BatchGetItem, BatchWriteItem, TransactWriteItems and
TransactGetItems on laminar's port through boto3: the response shapes
(empty UnprocessedItems / UnprocessedKeys), all-or-nothing transactions and
TransactionCanceledException with its CancellationReasons."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from dynamodb_testing import body, dynamodb_client, table_name


@pytest.fixture
def ddb(laminar):
    return dynamodb_client(laminar.url)


def make_table(ddb) -> str:
    name = table_name()
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def item(pk: str, **attrs) -> dict:
    return {"pk": {"S": pk}, **{k: {"N": str(v)} for k, v in attrs.items()}}


def test_batch_write_and_get(ddb):
    a, b = make_table(ddb), make_table(ddb)
    written = body(
        ddb.batch_write_item(
            RequestItems={
                a: [{"PutRequest": {"Item": item("1", v=1)}}, {"PutRequest": {"Item": item("2", v=2)}}],
                b: [{"PutRequest": {"Item": item("x", v=9)}}],
            }
        )
    )
    assert written == {"UnprocessedItems": {}}
    got = body(
        ddb.batch_get_item(
            RequestItems={
                a: {"Keys": [{"pk": {"S": "1"}}, {"pk": {"S": "2"}}, {"pk": {"S": "missing"}}]},
                b: {"Keys": [{"pk": {"S": "x"}}], "ProjectionExpression": "v"},
            }
        )
    )
    assert sorted(got["Responses"][a], key=lambda i: i["pk"]["S"]) == [item("1", v=1), item("2", v=2)]
    assert got == {"Responses": {a: got["Responses"][a], b: [{"v": {"N": "9"}}]}, "UnprocessedKeys": {}}
    deleted = body(ddb.batch_write_item(RequestItems={a: [{"DeleteRequest": {"Key": {"pk": {"S": "1"}}}}]}))
    assert deleted == {"UnprocessedItems": {}}
    assert "Item" not in ddb.get_item(TableName=a, Key={"pk": {"S": "1"}})


def test_batch_errors(ddb):
    a = make_table(ddb)
    with pytest.raises(ClientError) as caught:
        ddb.batch_write_item(RequestItems={a: [{"PutRequest": {"Item": item("1")}}, {"DeleteRequest": {"Key": {"pk": {"S": "1"}}}}]})
    assert caught.value.response["Error"] == {"Code": "ValidationException", "Message": "Provided list of item keys contains duplicates"}
    with pytest.raises(ClientError) as caught:
        ddb.batch_get_item(RequestItems={a: {"Keys": [{"pk": {"S": "1"}}, {"pk": {"S": "1"}}]}})
    assert caught.value.response["Error"] == {"Code": "ValidationException", "Message": "Provided list of item keys contains duplicates"}
    # A failed batch writes nothing.
    with pytest.raises(ClientError) as caught:
        ddb.batch_write_item(RequestItems={a: [{"PutRequest": {"Item": item("ok")}}, {"PutRequest": {"Item": {"nokey": {"S": "x"}}}}]})
    assert caught.value.response["Error"]["Message"] == "One or more parameter values were invalid: Missing the key pk in the item"
    assert "Item" not in ddb.get_item(TableName=a, Key={"pk": {"S": "ok"}})
    with pytest.raises(ClientError) as caught:
        ddb.batch_get_item(RequestItems={table_name(): {"Keys": [{"pk": {"S": "1"}}]}})
    assert caught.value.response["Error"] == {"Code": "ResourceNotFoundException", "Message": "Requested resource not found"}


def test_transact_write_commits_everything(ddb):
    a = make_table(ddb)
    ddb.put_item(TableName=a, Item=item("acct", balance=100))
    ddb.put_item(TableName=a, Item=item("gone"))
    done = body(
        ddb.transact_write_items(
            TransactItems=[
                {"ConditionCheck": {"TableName": a, "Key": {"pk": {"S": "acct"}}, "ConditionExpression": "balance >= :n", "ExpressionAttributeValues": {":n": {"N": "30"}}}},
                {"Put": {"TableName": a, "Item": item("order", amount=30), "ConditionExpression": "attribute_not_exists(pk)"}},
                {"Delete": {"TableName": a, "Key": {"pk": {"S": "gone"}}}},
                {"Update": {"TableName": a, "Key": {"pk": {"S": "ledger"}}, "UpdateExpression": "ADD total :n", "ExpressionAttributeValues": {":n": {"N": "30"}}}},
            ]
        )
    )
    assert done == {}
    got = body(
        ddb.transact_get_items(
            TransactItems=[
                {"Get": {"TableName": a, "Key": {"pk": {"S": "order"}}}},
                {"Get": {"TableName": a, "Key": {"pk": {"S": "gone"}}}},
                {"Get": {"TableName": a, "Key": {"pk": {"S": "ledger"}}, "ProjectionExpression": "total"}},
            ]
        )
    )
    assert got == {"Responses": [{"Item": item("order", amount=30)}, {}, {"Item": {"total": {"N": "30"}}}]}


def test_transact_write_cancels_everything(ddb):
    a = make_table(ddb)
    ddb.put_item(TableName=a, Item=item("acct", balance=10))
    with pytest.raises(ClientError) as caught:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": a, "Item": item("order", amount=30)}},
                {
                    "Update": {
                        "TableName": a,
                        "Key": {"pk": {"S": "acct"}},
                        "UpdateExpression": "SET balance = balance - :n",
                        "ConditionExpression": "balance >= :n",
                        "ExpressionAttributeValues": {":n": {"N": "30"}},
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
            ]
        )
    response = caught.value.response
    assert response["Error"] == {
        "Code": "TransactionCanceledException",
        "Message": "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]",
    }
    assert response["CancellationReasons"] == [
        {"Code": "None"},
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed", "Item": item("acct", balance=10)},
    ]
    assert "Item" not in ddb.get_item(TableName=a, Key={"pk": {"S": "order"}})
    assert ddb.get_item(TableName=a, Key={"pk": {"S": "acct"}})["Item"] == item("acct", balance=10)
    with pytest.raises(ClientError) as caught:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": a, "Item": item("acct")}},
                {"Delete": {"TableName": a, "Key": {"pk": {"S": "acct"}}}},
            ]
        )
    assert caught.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "Transaction request cannot include multiple operations on one item",
    }
