"""DynamoDB items by primary key on laminar's port through boto3: PutItem,
GetItem and DeleteItem on hash and hash+range tables of S, N and B keys,
ReturnValues, numbers in canonical form, and AWS's key and size errors word
for word."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from dynamodb_testing import body, dynamodb_client, table_name


@pytest.fixture
def ddb(laminar):
    return dynamodb_client(laminar.url)


def make_table(ddb, hash_type="S", range_type=None) -> str:
    name = table_name()
    attributes = [{"AttributeName": "pk", "AttributeType": hash_type}]
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    if range_type:
        attributes.append({"AttributeName": "sk", "AttributeType": range_type})
        keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
    ddb.create_table(TableName=name, AttributeDefinitions=attributes, KeySchema=keys, BillingMode="PAY_PER_REQUEST")
    return name


def error_of(call, **kwargs) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response = caught.value.response
    return (
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Code"],
        response["Error"]["Message"],
    )


def test_put_get_delete_with_every_attribute_type(ddb):
    name = make_table(ddb, "S", "N")
    item = {
        "pk": {"S": "user#1"},
        "sk": {"N": "42"},
        "name": {"S": "Ada"},
        "blob": {"B": b"\x00\x01\xff"},
        "tags": {"SS": ["a", "b"]},
        "scores": {"NS": ["1", "2.5"]},
        "blobs": {"BS": [b"x", b"y"]},
        "profile": {"M": {"age": {"N": "36"}, "langs": {"L": [{"S": "en"}, {"BOOL": True}, {"NULL": True}]}}},
        "active": {"BOOL": False},
        "nothing": {"NULL": True},
    }
    assert body(ddb.put_item(TableName=name, Item=item)) == {}
    got = body(ddb.get_item(TableName=name, Key={"pk": {"S": "user#1"}, "sk": {"N": "42"}}, ConsistentRead=True))
    assert got == {"Item": item}
    # The same number written another way is the same key.
    assert body(ddb.get_item(TableName=name, Key={"pk": {"S": "user#1"}, "sk": {"N": "42.000"}})) == {"Item": item}
    assert body(ddb.get_item(TableName=name, Key={"pk": {"S": "user#1"}, "sk": {"N": "43"}})) == {}
    deleted = body(ddb.delete_item(TableName=name, Key={"pk": {"S": "user#1"}, "sk": {"N": "4.2e1"}}, ReturnValues="ALL_OLD"))
    assert deleted == {"Attributes": item}
    assert body(ddb.get_item(TableName=name, Key={"pk": {"S": "user#1"}, "sk": {"N": "42"}})) == {}
    assert body(ddb.delete_item(TableName=name, Key={"pk": {"S": "user#1"}, "sk": {"N": "42"}}, ReturnValues="ALL_OLD")) == {}


def test_put_item_replaces_and_returns_the_old_item(ddb):
    name = make_table(ddb, "B")
    key = {"pk": {"B": b"\x01\x02"}}
    assert body(ddb.put_item(TableName=name, Item={**key, "v": {"N": "1"}}, ReturnValues="ALL_OLD")) == {}
    old = body(ddb.put_item(TableName=name, Item={**key, "w": {"S": "x"}}, ReturnValues="ALL_OLD"))
    assert old == {"Attributes": {**key, "v": {"N": "1"}}}
    assert body(ddb.get_item(TableName=name, Key=key)) == {"Item": {**key, "w": {"S": "x"}}}


def test_numbers_come_back_canonical(ddb):
    name = make_table(ddb, "N")
    ddb.put_item(
        TableName=name,
        Item={"pk": {"N": "1.0"}, "a": {"N": "0.10"}, "b": {"N": "1E+2"}, "c": {"N": "-0"}, "d": {"NS": ["1.50", "2"]},
              "e": {"N": "12345678901234567890123456789012345678"}, "f": {"N": "-1.5e-3"}},
    )
    assert body(ddb.get_item(TableName=name, Key={"pk": {"N": "1"}})) == {
        "Item": {"pk": {"N": "1"}, "a": {"N": "0.1"}, "b": {"N": "100"}, "c": {"N": "0"}, "d": {"NS": ["1.5", "2"]},
                 "e": {"N": "12345678901234567890123456789012345678"}, "f": {"N": "-0.0015"}}
    }
    assert error_of(ddb.put_item, TableName=name, Item={"pk": {"N": "1"}, "x": {"N": "1234567890123456789012345678901234567890"}}) == (
        400, "ValidationException", "Attempting to store more than 38 significant digits in a Number")
    assert error_of(ddb.put_item, TableName=name, Item={"pk": {"N": "1"}, "x": {"N": "1e126"}}) == (
        400, "ValidationException",
        "Number overflow. Attempting to store a number with magnitude larger than supported range")
    assert error_of(ddb.put_item, TableName=name, Item={"pk": {"N": "1"}, "x": {"N": "1e-131"}}) == (
        400, "ValidationException",
        "Number underflow. Attempting to store a number with magnitude smaller than supported range")
    assert error_of(ddb.put_item, TableName=name, Item={"pk": {"N": "1"}, "x": {"N": "one"}}) == (
        400, "ValidationException", "A value provided cannot be converted into a number")


def test_key_errors(ddb):
    name = make_table(ddb, "S", "S")
    assert error_of(ddb.put_item, TableName=name, Item={"pk": {"S": "a"}}) == (
        400, "ValidationException", "One or more parameter values were invalid: Missing the key sk in the item")
    assert error_of(ddb.put_item, TableName=name, Item={"pk": {"N": "1"}, "sk": {"S": "a"}}) == (
        400, "ValidationException",
        "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N")
    assert error_of(ddb.put_item, TableName=name, Item={"pk": {"S": ""}, "sk": {"S": "a"}}) == (
        400, "ValidationException",
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an "
        "empty string value. Key: pk")
    mismatch = (400, "ValidationException", "The provided key element does not match the schema")
    assert error_of(ddb.get_item, TableName=name, Key={"pk": {"S": "a"}}) == mismatch
    assert error_of(ddb.get_item, TableName=name, Key={"pk": {"S": "a"}, "sk": {"N": "1"}}) == mismatch
    assert error_of(ddb.get_item, TableName=name, Key={"pk": {"S": "a"}, "sk": {"S": "b"}, "x": {"S": "c"}}) == mismatch
    assert error_of(ddb.delete_item, TableName=name, Key={"id": {"S": "a"}}) == mismatch
    assert error_of(ddb.get_item, TableName=table_name(), Key={"pk": {"S": "a"}}) == (
        400, "ResourceNotFoundException", "Requested resource not found")


def test_set_errors(ddb):
    name = make_table(ddb)
    assert error_of(ddb.put_item, TableName=name, Item={"pk": {"S": "a"}, "s": {"SS": ["x", "x"]}}) == (
        400, "ValidationException", "One or more parameter values were invalid: Input collection [x, x] contains duplicates.")
    assert error_of(ddb.put_item, TableName=name, Item={"pk": {"S": "a"}, "s": {"SS": []}}) == (
        400, "ValidationException", "One or more parameter values were invalid: An string set  may not be empty")


def test_the_400_kb_item_limit(ddb):
    name = make_table(ddb)
    fits = {"pk": {"S": "a"}, "data": {"S": "x" * (400 * 1024 - 10)}}
    ddb.put_item(TableName=name, Item=fits)
    too_big = {"pk": {"S": "b"}, "data": {"S": "x" * (400 * 1024)}}
    assert error_of(ddb.put_item, TableName=name, Item=too_big) == (
        400, "ValidationException", "Item size has exceeded the maximum allowed size")
    assert body(ddb.get_item(TableName=name, Key={"pk": {"S": "b"}})) == {}
    assert error_of(ddb.put_item, TableName=name, Item={"pk": {"S": "a"}}, ReturnValues="ALL_NEW") == (
        400, "ValidationException", "Return values set to invalid value")
