"""DynamoDB tables on laminar's port through boto3: CreateTable with every
key shape, billing mode, stream and secondary index, DescribeTable's whole
TableDescription, ListTables paging, UpdateTable, DeleteTable, tags and time
to live, with AWS's errors word for word."""

from __future__ import annotations

import datetime

import pytest
from botocore.exceptions import ClientError

from dynamodb_testing import body, dynamodb_client, table_name
from laminar_testing import ACCOUNT, REGION

NO_THROUGHPUT = {"NumberOfDecreasesToday": 0, "ReadCapacityUnits": 0, "WriteCapacityUnits": 0}


@pytest.fixture
def ddb(laminar):
    return dynamodb_client(laminar.url)


def arn(name: str) -> str:
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"


def error_of(call, **kwargs) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response = caught.value.response
    return (
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Code"],
        response["Error"]["Message"],
    )


def test_create_and_describe_an_on_demand_table(ddb):
    name = table_name()
    created = body(
        ddb.create_table(
            TableName=name,
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
    )["TableDescription"]
    assert isinstance(created["CreationDateTime"], datetime.datetime)
    expected = {
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "TableName": name,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "TableStatus": "CREATING",
        "CreationDateTime": created["CreationDateTime"],
        "ProvisionedThroughput": NO_THROUGHPUT,
        "TableSizeBytes": 0,
        "ItemCount": 0,
        "TableArn": arn(name),
        "TableId": created["TableId"],
        "BillingModeSummary": {
            "BillingMode": "PAY_PER_REQUEST",
            "LastUpdateToPayPerRequestDateTime": created["CreationDateTime"],
        },
        "DeletionProtectionEnabled": False,
    }
    assert created == expected
    assert len(created["TableId"]) == 36
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    described = body(ddb.describe_table(TableName=name))["Table"]
    assert described == {**expected, "TableStatus": "ACTIVE"}


def test_create_a_provisioned_table_with_indexes_and_a_stream(ddb):
    name = table_name()
    attributes = [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "N"},
        {"AttributeName": "email", "AttributeType": "S"},
        {"AttributeName": "score", "AttributeType": "B"},
    ]
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
    lsi = {
        "IndexName": "by-score",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "score", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "KEYS_ONLY"},
    }
    gsi = {
        "IndexName": "by-email",
        "KeySchema": [{"AttributeName": "email", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["name"]},
        "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 3},
    }
    created = body(
        ddb.create_table(
            TableName=name,
            AttributeDefinitions=attributes,
            KeySchema=keys,
            LocalSecondaryIndexes=[lsi],
            GlobalSecondaryIndexes=[gsi],
            ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 7},
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
    )["TableDescription"]
    label = created["LatestStreamLabel"]
    datetime.datetime.strptime(label, "%Y-%m-%dT%H:%M:%S.%f")
    assert created == {
        "AttributeDefinitions": attributes,
        "TableName": name,
        "KeySchema": keys,
        "TableStatus": "CREATING",
        "CreationDateTime": created["CreationDateTime"],
        "ProvisionedThroughput": {"NumberOfDecreasesToday": 0, "ReadCapacityUnits": 5, "WriteCapacityUnits": 7},
        "TableSizeBytes": 0,
        "ItemCount": 0,
        "TableArn": arn(name),
        "TableId": created["TableId"],
        "LocalSecondaryIndexes": [
            {**lsi, "IndexSizeBytes": 0, "ItemCount": 0, "IndexArn": f"{arn(name)}/index/by-score"}
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "by-email",
                "KeySchema": gsi["KeySchema"],
                "Projection": gsi["Projection"],
                "IndexStatus": "ACTIVE",
                "ProvisionedThroughput": {"NumberOfDecreasesToday": 0, "ReadCapacityUnits": 2, "WriteCapacityUnits": 3},
                "IndexSizeBytes": 0,
                "ItemCount": 0,
                "IndexArn": f"{arn(name)}/index/by-email",
            }
        ],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        "LatestStreamLabel": label,
        "LatestStreamArn": f"{arn(name)}/stream/{label}",
        "DeletionProtectionEnabled": False,
    }
    # Counts are live: an item with the GSI's key is in the table and that index.
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"N": "1"}, "email": {"S": "x@y"}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"N": "2"}})
    described = body(ddb.describe_table(TableName=name))["Table"]
    assert described["ItemCount"] == 2
    assert described["GlobalSecondaryIndexes"][0]["ItemCount"] == 1
    assert described["LocalSecondaryIndexes"][0]["ItemCount"] == 0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "x", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "BillingMode": "PAY_PER_REQUEST",
            },
            "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly "
            "match number of attributes defined in AttributeDefinitions",
        ),
        (
            {
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                "BillingMode": "PAY_PER_REQUEST",
            },
            "One or more parameter values were invalid: Some index key attributes are not defined in "
            "AttributeDefinitions. Keys: [sk], AttributeDefinitions: [pk]",
        ),
        (
            {
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            },
            "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be "
            "specified when BillingMode is PROVISIONED",
        ),
        (
            {
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "BillingMode": "PAY_PER_REQUEST",
                "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
            },
            "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be "
            "specified when BillingMode is PAY_PER_REQUEST",
        ),
        (
            {
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "RANGE"}],
                "BillingMode": "PAY_PER_REQUEST",
            },
            "Invalid KeySchema: The first KeySchemaElement is not a HASH key type",
        ),
    ],
)
def test_create_table_errors(ddb, kwargs, message):
    name = table_name()
    assert error_of(ddb.create_table, TableName=name, **kwargs) == (400, "ValidationException", message)
    assert name not in ddb.list_tables()["TableNames"]


def test_table_errors_for_existing_and_missing_tables(ddb):
    name = table_name()
    spec = {
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    ddb.create_table(TableName=name, **spec)
    assert error_of(ddb.create_table, TableName=name, **spec) == (
        400,
        "ResourceInUseException",
        f"Table already exists: {name}",
    )
    missing = table_name()
    not_found = (400, "ResourceNotFoundException", f"Requested resource not found: Table: {missing} not found")
    assert error_of(ddb.describe_table, TableName=missing) == not_found
    assert error_of(ddb.delete_table, TableName=missing) == not_found
    assert error_of(ddb.describe_time_to_live, TableName=missing) == not_found
    assert error_of(ddb.update_table, TableName=missing, BillingMode="PAY_PER_REQUEST") == not_found


def test_list_tables_pages_in_name_order(ddb, laminar):
    # Tables live per account and region: a fresh region holds only these.
    import boto3

    from laminar_testing import AWS_ENV

    other = boto3.client(
        "dynamodb",
        endpoint_url=laminar.url,
        region_name="eu-west-3",
        aws_access_key_id=AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=AWS_ENV["AWS_SECRET_ACCESS_KEY"],
    )
    names = sorted(table_name() for _ in range(5))
    for name in names:
        other.create_table(
            TableName=name,
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
    first = body(other.list_tables(Limit=2))
    assert first == {"TableNames": names[:2], "LastEvaluatedTableName": names[1]}
    second = body(other.list_tables(Limit=2, ExclusiveStartTableName=names[1]))
    assert second == {"TableNames": names[2:4], "LastEvaluatedTableName": names[3]}
    last = body(other.list_tables(Limit=2, ExclusiveStartTableName=names[3]))
    assert last == {"TableNames": names[4:]}
    assert body(other.list_tables()) == {"TableNames": names}
    paged = [n for page in other.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 2}) for n in page["TableNames"]]
    assert paged == names


def test_update_table_streams_indexes_and_billing(ddb):
    name = table_name()
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
    )
    updated = body(
        ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    )["TableDescription"]
    assert updated["TableStatus"] == "UPDATING"
    assert updated["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    label = updated["LatestStreamLabel"]
    assert updated["LatestStreamArn"] == f"{arn(name)}/stream/{label}"
    assert error_of(
        ddb.update_table, TableName=name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    ) == (400, "ValidationException", f"Table already has an enabled stream: TableName: {name}")

    off = body(ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False}))["TableDescription"]
    assert "StreamSpecification" not in off
    assert off["LatestStreamLabel"] == label

    with_index = body(
        ddb.update_table(
            TableName=name,
            AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "N"}],
            GlobalSecondaryIndexUpdates=[
                {
                    "Create": {
                        "IndexName": "by-g",
                        "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                        "Projection": {"ProjectionType": "ALL"},
                        "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
                    }
                }
            ],
        )
    )["TableDescription"]
    assert [i["IndexName"] for i in with_index["GlobalSecondaryIndexes"]] == ["by-g"]
    assert with_index["AttributeDefinitions"] == [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "g", "AttributeType": "N"},
    ]
    dropped = body(
        ddb.update_table(TableName=name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by-g"}}])
    )["TableDescription"]
    assert "GlobalSecondaryIndexes" not in dropped
    assert dropped["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"}]

    on_demand = body(ddb.update_table(TableName=name, BillingMode="PAY_PER_REQUEST"))["TableDescription"]
    assert on_demand["ProvisionedThroughput"] == NO_THROUGHPUT
    assert on_demand["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert isinstance(on_demand["BillingModeSummary"]["LastUpdateToPayPerRequestDateTime"], datetime.datetime)


def test_delete_table_answers_deleting_and_forgets_the_table(ddb):
    name = table_name()
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}})
    deleted = body(ddb.delete_table(TableName=name))["TableDescription"]
    assert deleted["TableStatus"] == "DELETING"
    assert deleted["TableName"] == name
    ddb.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    assert name not in ddb.list_tables()["TableNames"]
    # The name is free again, and the new table is empty.
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    assert "Item" not in ddb.get_item(TableName=name, Key={"pk": {"S": "a"}})


def test_deletion_protection(ddb):
    name = table_name()
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        DeletionProtectionEnabled=True,
    )
    assert error_of(ddb.delete_table, TableName=name) == (
        400,
        "ValidationException",
        "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.",
    )
    ddb.update_table(TableName=name, DeletionProtectionEnabled=False)
    ddb.delete_table(TableName=name)


def test_tags(ddb):
    name = table_name()
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": "team", "Value": "a"}],
    )
    assert body(ddb.list_tags_of_resource(ResourceArn=arn(name))) == {"Tags": [{"Key": "team", "Value": "a"}]}
    assert body(ddb.tag_resource(ResourceArn=arn(name), Tags=[{"Key": "team", "Value": "b"}, {"Key": "env", "Value": "dev"}])) == {}
    assert body(ddb.list_tags_of_resource(ResourceArn=arn(name))) == {
        "Tags": [{"Key": "team", "Value": "b"}, {"Key": "env", "Value": "dev"}]
    }
    assert body(ddb.untag_resource(ResourceArn=arn(name), TagKeys=["team"])) == {}
    assert body(ddb.list_tags_of_resource(ResourceArn=arn(name))) == {"Tags": [{"Key": "env", "Value": "dev"}]}
    missing = arn(table_name())
    assert error_of(ddb.list_tags_of_resource, ResourceArn=missing) == (
        400,
        "ResourceNotFoundException",
        f"Requested resource not found: ResourcArn: {missing} not found",
    )


def test_time_to_live(ddb):
    name = table_name()
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    assert body(ddb.describe_time_to_live(TableName=name)) == {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}
    spec = {"Enabled": True, "AttributeName": "expires"}
    assert body(ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=spec)) == {"TimeToLiveSpecification": spec}
    assert body(ddb.describe_time_to_live(TableName=name)) == {
        "TimeToLiveDescription": {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"}
    }
    assert error_of(ddb.update_time_to_live, TableName=name, TimeToLiveSpecification=spec) == (
        400,
        "ValidationException",
        "TimeToLive is already enabled",
    )
    off = {"Enabled": False, "AttributeName": "expires"}
    assert body(ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=off)) == {"TimeToLiveSpecification": off}
    assert body(ddb.describe_time_to_live(TableName=name)) == {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}


def test_model_constraints_are_checked(laminar):
    # boto3 checks the model too; switched off, laminar is the one that refuses.
    from botocore.config import Config

    import boto3

    from laminar_testing import AWS_ENV

    unchecked = boto3.client(
        "dynamodb",
        endpoint_url=laminar.url,
        region_name=REGION,
        aws_access_key_id=AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        config=Config(parameter_validation=False, retries={"total_max_attempts": 1, "mode": "standard"}),
    )
    assert error_of(unchecked.list_tables, Limit=0) == (
        400,
        "ValidationException",
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1",
    )


def test_a_table_arn_names_the_table(ddb):
    name = table_name()
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName=arn(name), Item={"pk": {"S": "a"}})
    assert body(ddb.describe_table(TableName=arn(name)))["Table"]["ItemCount"] == 1
    assert body(ddb.get_item(TableName=arn(name), Key={"pk": {"S": "a"}})) == {"Item": {"pk": {"S": "a"}}}
