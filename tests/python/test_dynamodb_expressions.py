"""DynamoDB expressions on laminar's port through boto3, on the developer
guide's ProductCatalog examples: condition expressions on PutItem,
DeleteItem and UpdateItem, projection expressions on GetItem, update
expressions (SET with arithmetic, if_not_exists and list_append; REMOVE;
ADD; DELETE), ReturnValues, and AWS's expression errors word for word."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from dynamodb_testing import body, dynamodb_client, table_name

PRODUCT = {
    "Id": {"N": "123"},
    "Title": {"S": "Bicycle 123"},
    "Description": {"S": "123 description"},
    "BicycleType": {"S": "Hybrid"},
    "Brand": {"S": "Brand-Company C"},
    "Price": {"N": "500"},
    "Color": {"SS": ["Red", "Black"]},
    "ProductCategory": {"S": "Bicycle"},
    "InStock": {"BOOL": True},
    "QuantityOnHand": {"NULL": True},
    "RelatedItems": {"L": [{"N": "341"}, {"N": "472"}, {"N": "649"}]},
    "Pictures": {
        "M": {
            "FrontView": {"S": "http://example.com/products/123_front.jpg"},
            "RearView": {"S": "http://example.com/products/123_rear.jpg"},
            "SideView": {"S": "http://example.com/products/123_left_side.jpg"},
        }
    },
    "ProductReviews": {
        "M": {
            "FiveStar": {"L": [{"S": "Excellent! Can't recommend it highly enough! Buy it!"}, {"S": "Do yourself a favor and buy this."}]},
            "OneStar": {"L": [{"S": "Terrible product! Do not buy this."}]},
        }
    },
    "Comment": {"S": "This product sells out quickly during the summer"},
    "Safety.Warning": {"S": "Always wear a helmet"},
}
KEY = {"Id": {"N": "123"}}


@pytest.fixture
def ddb(laminar):
    return dynamodb_client(laminar.url)


@pytest.fixture
def catalog(ddb):
    name = table_name()
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "Id", "AttributeType": "N"}],
        KeySchema=[{"AttributeName": "Id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName=name, Item=PRODUCT)
    return name


def error_of(call, **kwargs):
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response = caught.value.response
    return (response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"])


def get(ddb, name):
    return ddb.get_item(TableName=name, Key=KEY).get("Item")


def test_projection_expression(ddb, catalog):
    got = body(ddb.get_item(TableName=catalog, Key=KEY, ProjectionExpression="Description, RelatedItems[0], ProductReviews.FiveStar"))
    assert got == {
        "Item": {
            "Description": PRODUCT["Description"],
            "RelatedItems": {"L": [{"N": "341"}]},
            "ProductReviews": {"M": {"FiveStar": PRODUCT["ProductReviews"]["M"]["FiveStar"]}},
        }
    }
    # A name with a dot needs a placeholder.
    got = body(ddb.get_item(TableName=catalog, Key=KEY, ProjectionExpression="#sw", ExpressionAttributeNames={"#sw": "Safety.Warning"}))
    assert got == {"Item": {"Safety.Warning": {"S": "Always wear a helmet"}}}
    assert body(ddb.get_item(TableName=catalog, Key=KEY, ProjectionExpression="Safety.Warning")) == {"Item": {}}


def test_put_item_condition(ddb, catalog):
    condition = "attribute_not_exists(Id)"
    assert error_of(ddb.put_item, TableName=catalog, Item=KEY, ConditionExpression=condition) == (
        400, "ConditionalCheckFailedException", "The conditional request failed")
    assert get(ddb, catalog) == PRODUCT
    with pytest.raises(ClientError) as caught:
        ddb.put_item(TableName=catalog, Item=KEY, ConditionExpression=condition, ReturnValuesOnConditionCheckFailure="ALL_OLD")
    assert caught.value.response["Item"] == PRODUCT
    ddb.put_item(TableName=catalog, Item={"Id": {"N": "124"}}, ConditionExpression=condition)
    assert ddb.get_item(TableName=catalog, Key={"Id": {"N": "124"}})["Item"] == {"Id": {"N": "124"}}


def test_delete_item_condition_from_the_guide(ddb, catalog):
    values = {":cat1": {"S": "Sporting Goods"}, ":cat2": {"S": "Gardening Supplies"}, ":lo": {"N": "500"}, ":hi": {"N": "600"}}
    condition = "(ProductCategory IN (:cat1, :cat2)) and (Price between :lo and :hi)"
    assert error_of(ddb.delete_item, TableName=catalog, Key=KEY, ConditionExpression=condition, ExpressionAttributeValues=values)[1] == "ConditionalCheckFailedException"
    values[":cat1"] = {"S": "Bicycle"}
    deleted = body(ddb.delete_item(TableName=catalog, Key=KEY, ConditionExpression=condition, ExpressionAttributeValues=values, ReturnValues="ALL_OLD"))
    assert deleted == {"Attributes": PRODUCT}
    assert get(ddb, catalog) is None


@pytest.mark.parametrize(
    "condition, values, holds",
    [
        ("attribute_exists(Pictures.SideView)", {}, True),
        ("attribute_not_exists(Manufacturer)", {}, True),
        ("attribute_type(ProductReviews.FiveStar, :v_sub)", {":v_sub": {"S": "L"}}, True),
        ("attribute_type(Color, :v_sub)", {":v_sub": {"S": "S"}}, False),
        ("begins_with(Pictures.FrontView, :v_sub)", {":v_sub": {"S": "http://"}}, True),
        ("contains(Color, :v_sub)", {":v_sub": {"S": "Red"}}, True),
        ("contains(Brand, :v_sub)", {":v_sub": {"S": "Company"}}, True),
        ("contains(RelatedItems, :v_sub)", {":v_sub": {"N": "472.0"}}, True),
        ("size(Description) < :v_sub", {":v_sub": {"N": "100"}}, True),
        ("size(Color) > :v_sub", {":v_sub": {"N": "2"}}, False),
        ("size(ProductReviews.OneStar) = :v_sub", {":v_sub": {"N": "1"}}, True),
        ("Price <> :p AND NOT InStock = :f", {":p": {"N": "400"}, ":f": {"BOOL": False}}, True),
        ("Price >= :p OR Missing = :p", {":p": {"N": "500.00"}}, True),
        ("Missing <> :p", {":p": {"N": "1"}}, True),
        ("Missing < :p", {":p": {"N": "1"}}, False),
        ("Price < :p", {":p": {"S": "600"}}, False),
        ("RelatedItems[1] = :p", {":p": {"N": "472"}}, True),
        ("Color = :c", {":c": {"SS": ["Black", "Red"]}}, True),
    ],
)
def test_condition_functions_and_comparators(ddb, catalog, condition, values, holds):
    kwargs = {"ExpressionAttributeValues": values} if values else {}
    call = lambda: ddb.update_item(TableName=catalog, Key=KEY, ConditionExpression=condition, **kwargs)
    if holds:
        call()
    else:
        with pytest.raises(ClientError) as caught:
            call()
        assert caught.value.response["Error"]["Code"] == "ConditionalCheckFailedException"


def test_update_expressions_from_the_guide(ddb, catalog):
    # SET with arithmetic, if_not_exists and list_append; REMOVE; ADD; DELETE.
    updated = body(
        ddb.update_item(
            TableName=catalog,
            Key=KEY,
            UpdateExpression=(
                "SET Price = Price - :p, ProductCategory = :c, RelatedItems = list_append(RelatedItems, :ri), "
                "Pictures.TopView = :tv, Discount = if_not_exists(Discount, :d) "
                "REMOVE Brand, InStock, QuantityOnHand, ProductReviews.OneStar "
                "ADD Sold :one, Color :colors"
            ),
            ExpressionAttributeValues={
                ":p": {"N": "15"},
                ":c": {"S": "Hardware"},
                ":ri": {"L": [{"S": "Hammer"}]},
                ":tv": {"S": "http://example.com/products/123_top.jpg"},
                ":d": {"N": "0.10"},
                ":one": {"N": "1"},
                ":colors": {"SS": ["Orange", "Purple"]},
            },
            ReturnValues="ALL_NEW",
        )
    )["Attributes"]
    expected = dict(PRODUCT)
    for gone in ("Brand", "InStock", "QuantityOnHand", "Color"):
        del expected[gone]
    expected.update(
        {
            "Price": {"N": "485"},
            "ProductCategory": {"S": "Hardware"},
            "RelatedItems": {"L": PRODUCT["RelatedItems"]["L"] + [{"S": "Hammer"}]},
            "Pictures": {"M": {**PRODUCT["Pictures"]["M"], "TopView": {"S": "http://example.com/products/123_top.jpg"}}},
            "Discount": {"N": "0.1"},
            "ProductReviews": {"M": {"FiveStar": PRODUCT["ProductReviews"]["M"]["FiveStar"]}},
            "Sold": {"N": "1"},
        }
    )
    colors = updated.pop("Color")
    assert sorted(colors["SS"]) == ["Black", "Orange", "Purple", "Red"]
    assert updated == expected
    assert {k: v for k, v in get(ddb, catalog).items() if k != "Color"} == expected
    # Two paths that overlap (ADD and DELETE of one set) are refused, so DELETE goes alone.
    left = body(
        ddb.update_item(
            TableName=catalog,
            Key=KEY,
            UpdateExpression="DELETE Color :gone",
            ExpressionAttributeValues={":gone": {"SS": ["Black", "Orange", "Absent"]}},
            ReturnValues="UPDATED_NEW",
        )
    )
    assert sorted(left["Attributes"]["Color"]["SS"]) == ["Purple", "Red"]
    emptied = body(
        ddb.update_item(
            TableName=catalog,
            Key=KEY,
            UpdateExpression="DELETE Color :all",
            ExpressionAttributeValues={":all": {"SS": ["Purple", "Red"]}},
            ReturnValues="UPDATED_NEW",
        )
    )
    assert emptied == {}
    assert "Color" not in get(ddb, catalog)


def test_update_return_values(ddb, catalog):
    values = {":p": {"N": "0.5"}}
    old = body(ddb.update_item(TableName=catalog, Key=KEY, UpdateExpression="SET Price = Price + :p", ExpressionAttributeValues=values, ReturnValues="UPDATED_OLD"))
    assert old == {"Attributes": {"Price": {"N": "500"}}}
    new = body(ddb.update_item(TableName=catalog, Key=KEY, UpdateExpression="SET Price = Price + :p", ExpressionAttributeValues=values, ReturnValues="UPDATED_NEW"))
    assert new == {"Attributes": {"Price": {"N": "501"}}}
    nested = body(ddb.update_item(TableName=catalog, Key=KEY, UpdateExpression="SET RelatedItems[1] = :p", ExpressionAttributeValues=values, ReturnValues="UPDATED_NEW"))
    assert nested == {"Attributes": {"RelatedItems": {"L": [{"N": "0.5"}]}}}
    assert body(ddb.update_item(TableName=catalog, Key=KEY, UpdateExpression="REMOVE Comment")) == {}
    everything = body(ddb.update_item(TableName=catalog, Key=KEY, UpdateExpression="REMOVE Title", ReturnValues="ALL_OLD"))
    assert everything["Attributes"]["Title"] == PRODUCT["Title"]


def test_update_item_creates_the_item(ddb, catalog):
    created = body(
        ddb.update_item(
            TableName=catalog,
            Key={"Id": {"N": "789"}},
            UpdateExpression="SET #n = :n ADD Visits :one",
            ExpressionAttributeNames={"#n": "Name"},
            ExpressionAttributeValues={":n": {"S": "Lamp"}, ":one": {"N": "1"}},
            ReturnValues="ALL_NEW",
        )
    )
    assert created == {"Attributes": {"Id": {"N": "789"}, "Name": {"S": "Lamp"}, "Visits": {"N": "1"}}}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"UpdateExpression": "SET Price = :p", "ExpressionAttributeValues": {":p": {"N": "1"}, ":q": {"N": "2"}}},
            "Value provided in ExpressionAttributeValues unused in expressions: keys: {:q}",
        ),
        (
            {"UpdateExpression": "SET Price = :p", "ExpressionAttributeValues": {":p": {"N": "1"}}, "ExpressionAttributeNames": {"#a": "A"}},
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a}",
        ),
        (
            {"UpdateExpression": "SET #p = :p", "ExpressionAttributeValues": {":p": {"N": "1"}}},
            "Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #p",
        ),
        (
            {"UpdateExpression": "SET Price = :p"},
            "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :p",
        ),
        (
            {"UpdateExpression": "SET Id = :p", "ExpressionAttributeValues": {":p": {"N": "1"}}},
            "One or more parameter values were invalid: Cannot update attribute Id. This attribute is part of the key",
        ),
        (
            {"UpdateExpression": "SET Price = :p REMOVE Price", "ExpressionAttributeValues": {":p": {"N": "1"}}},
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of "
            "these paths; path one: [Price], path two: [Price]",
        ),
        (
            {"UpdateExpression": "SET a = :p SET b = :p", "ExpressionAttributeValues": {":p": {"N": "1"}}},
            'Invalid UpdateExpression: The "SET" section can only be used once in an update expression;',
        ),
        (
            {"UpdateExpression": "ADD Title :p", "ExpressionAttributeValues": {":p": {"S": "x"}}},
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING",
        ),
        (
            {"UpdateExpression": "SET Title = Title + :p", "ExpressionAttributeValues": {":p": {"N": "1"}}},
            "An operand in the update expression has an incorrect data type",
        ),
        (
            {"UpdateExpression": "SET Price = Nope + :p", "ExpressionAttributeValues": {":p": {"N": "1"}}},
            "The provided expression refers to an attribute that does not exist in the item",
        ),
        (
            {"UpdateExpression": "SET Nope.Deeper = :p", "ExpressionAttributeValues": {":p": {"N": "1"}}},
            "The document path provided in the update expression is invalid for update",
        ),
        (
            {"UpdateExpression": "SET Price = :p", "ExpressionAttributeValues": {":p": {"SS": []}}},
            "ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: "
            "An string set  may not be empty for key :p",
        ),
        (
            {"UpdateExpression": "SET Price = :p", "ExpressionAttributeValues": {}},
            "ExpressionAttributeValues must not be empty",
        ),
        (
            {"UpdateExpression": ""},
            "Invalid UpdateExpression: The expression can not be empty;",
        ),
    ],
)
def test_update_errors(ddb, catalog, kwargs, message):
    assert error_of(ddb.update_item, TableName=catalog, Key=KEY, **kwargs) == (400, "ValidationException", message)
    assert get(ddb, catalog) == PRODUCT


def test_syntax_errors_name_the_token(ddb, catalog):
    status, code, message = error_of(ddb.update_item, TableName=catalog, Key=KEY, ConditionExpression="Price >")
    assert (status, code) == (400, "ValidationException")
    assert message.startswith('Invalid ConditionExpression: Syntax error; token: "<EOF>"')
    status, code, message = error_of(ddb.update_item, TableName=catalog, Key=KEY, ConditionExpression="Price = = Price")
    assert message.startswith('Invalid ConditionExpression: Syntax error; token: "="')
    status, code, message = error_of(ddb.update_item, TableName=catalog, Key=KEY, ConditionExpression="nonsense(Price)")
    assert message == "Invalid ConditionExpression: Invalid function name; function: nonsense"
