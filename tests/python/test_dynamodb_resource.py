"""DynamoDB the way handlers use it: boto3's Table resource with
boto3.dynamodb.conditions Key/Attr, a Python function running in laminar
that reads and writes a table through AWS_ENDPOINT_URL, and tables and items
kept in --data-dir across kill -9."""

from __future__ import annotations

import json
import signal
from decimal import Decimal

import boto3
from boto3.dynamodb.conditions import Attr, Key

from dynamodb_testing import dynamodb_client, table_name
from laminar_testing import AWS_ENV, REGION, create_python_function


def resource(url: str):
    return boto3.resource(
        "dynamodb",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=AWS_ENV["AWS_SECRET_ACCESS_KEY"],
    )


def create_orders(db, name: str):
    table = db.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "customer", "AttributeType": "S"},
            {"AttributeName": "order_id", "AttributeType": "N"},
        ],
        KeySchema=[{"AttributeName": "customer", "KeyType": "HASH"}, {"AttributeName": "order_id", "KeyType": "RANGE"}],
        BillingMode="PAY_PER_REQUEST",
    )
    table.wait_until_exists()
    return table


def test_the_table_resource(laminar):
    table = create_orders(resource(laminar.url), table_name())
    table.reload()
    assert table.table_status == "ACTIVE"
    for i, status in enumerate(["paid", "open", "paid", "shipped"], start=1):
        table.put_item(Item={"customer": "ada", "order_id": i, "status": status, "total": Decimal(f"{i}.25"), "lines": [{"sku": "x", "qty": i}]})
    table.put_item(Item={"customer": "bob", "order_id": 1, "status": "paid", "total": Decimal("5")})
    assert table.get_item(Key={"customer": "ada", "order_id": 2})["Item"] == {
        "customer": "ada", "order_id": Decimal(2), "status": "open", "total": Decimal("2.25"), "lines": [{"sku": "x", "qty": Decimal(2)}],
    }
    paid = table.query(KeyConditionExpression=Key("customer").eq("ada") & Key("order_id").gte(2), FilterExpression=Attr("status").eq("paid"))
    assert [i["order_id"] for i in paid["Items"]] == [3]
    assert paid["Count"] == 1 and paid["ScannedCount"] == 3
    scanned = table.scan(FilterExpression=Attr("total").between(Decimal("2"), Decimal("5")) & Attr("lines").exists())
    assert sorted(i["order_id"] for i in scanned["Items"]) == [2, 3, 4]
    updated = table.update_item(
        Key={"customer": "ada", "order_id": 1},
        UpdateExpression="SET #s = :s, total = total + :t",
        ConditionExpression=Attr("status").eq("paid"),
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": "refunded", ":t": Decimal("-1.25")},
        ReturnValues="ALL_NEW",
    )["Attributes"]
    assert updated["status"] == "refunded" and updated["total"] == Decimal(0)
    with table.batch_writer() as batch:
        for i in range(10, 40):
            batch.put_item(Item={"customer": "carl", "order_id": i})
    assert table.query(KeyConditionExpression=Key("customer").eq("carl"), Select="COUNT")["Count"] == 30
    table.delete()
    table.wait_until_not_exists()


HANDLER = """\
import os
from decimal import Decimal

import boto3
from boto3.dynamodb.conditions import Key


def handler(event, context):
    table = boto3.resource("dynamodb", endpoint_url=os.environ["AWS_ENDPOINT_URL"]).Table(event["table"])
    table.update_item(
        Key={"pk": event["user"], "sk": 0},
        UpdateExpression="ADD visits :one",
        ExpressionAttributeValues={":one": 1},
    )
    table.put_item(Item={"pk": event["user"], "sk": int(event["n"]), "note": event["note"]})
    rows = table.query(KeyConditionExpression=Key("pk").eq(event["user"]))["Items"]
    return {"visits": int(rows[0]["visits"]), "notes": [r["note"] for r in rows[1:]]}
"""


def test_a_function_reads_and_writes_a_table(laminar, function_name):
    ddb = dynamodb_client(laminar.url)
    name = table_name()
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        BillingMode="PAY_PER_REQUEST",
    )
    lam = laminar.client()
    create_python_function(lam, function_name, HANDLER, Timeout=30)
    for n, note in [(1, "first"), (2, "second")]:
        answer = lam.invoke(FunctionName=function_name, Payload=json.dumps({"table": name, "user": "ada", "n": n, "note": note}))
        assert "FunctionError" not in answer, answer["Payload"].read()
        result = json.loads(answer["Payload"].read())
    assert result == {"visits": 2, "notes": ["first", "second"]}
    assert ddb.get_item(TableName=name, Key={"pk": {"S": "ada"}, "sk": {"N": "0"}})["Item"] == {
        "pk": {"S": "ada"}, "sk": {"N": "0"}, "visits": {"N": "2"},
    }


def test_tables_and_items_survive_sigkill(laminar_factory, tmp_path):
    data_dir = tmp_path / "state"
    first = laminar_factory(data_dir=data_dir)
    ddb = dynamodb_client(first.url)
    name = table_name()
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        Tags=[{"Key": "k", "Value": "v"}],
    )
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})
    for i in range(50):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"item-{i}"}, "n": {"N": str(i)}})
    ddb.update_item(TableName=name, Key={"pk": {"S": "item-0"}}, UpdateExpression="SET n = n + :one", ExpressionAttributeValues={":one": {"N": "1"}})
    ddb.delete_item(TableName=name, Key={"pk": {"S": "item-1"}})
    described = ddb.describe_table(TableName=name)["Table"]
    assert first.kill() == -signal.SIGKILL

    second = laminar_factory(data_dir=data_dir)
    ddb = dynamodb_client(second.url)
    after = ddb.describe_table(TableName=name)["Table"]
    assert after == described
    assert after["ItemCount"] == 49
    assert ddb.get_item(TableName=name, Key={"pk": {"S": "item-0"}})["Item"] == {"pk": {"S": "item-0"}, "n": {"N": "1"}}
    assert "Item" not in ddb.get_item(TableName=name, Key={"pk": {"S": "item-1"}})
    assert ddb.scan(TableName=name, Select="COUNT")["Count"] == 49
    arn = after["TableArn"]
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "k", "Value": "v"}]
    assert ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == {"TimeToLiveStatus": "ENABLED", "AttributeName": "ttl"}
