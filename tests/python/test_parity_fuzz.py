"""What fuzzing found: places where laminar answered what AWS would not.

- Unknown members inside a nested structure are dropped as AWS drops them,
  so that a Put answers what the Get answers (the SDKs cannot send them: the
  requests here are written by hand).
- The model's integer members refuse a fraction at every depth, as
  `Timeout` does at the top.
- A credential scope naming a region that does not exist is refused as
  AWS's front door refuses it, before it can become part of an ARN.
- A valid but deeply nested event is an unmarshal error of the runtime
  client (as awslambdaric reports it), and the environment lives on.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from laminar_testing import ACCOUNT, AWS_ENV, REGION, ROLE, create_python_function, make_zip, wait_active

HELLO = "def handler(event, context):\n    return 'hello'\n"
QUEUE = f"arn:aws:sqs:{REGION}:{ACCOUNT}:destination"


def send(laminar, method: str, path: str, body: dict | None = None, region: str = REGION, service: str = "lambda"):
    """A hand-written Lambda request: (status, headers, parsed body)."""
    headers = {
        "Authorization": (
            f"AWS4-HMAC-SHA256 Credential={AWS_ENV['AWS_ACCESS_KEY_ID']}/20240101/{region}/{service}/aws4_request, "
            "SignedHeaders=host, Signature=0"
        ),
        "Content-Type": "application/json",
    }
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(laminar.url + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, answer_headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as e:
        status, answer_headers, raw = e.code, e.headers, e.read()
    return status, answer_headers, json.loads(raw) if raw.strip() else None


def error(call) -> dict:
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call()
    response = dict(info.value.response)
    meta = response.pop("ResponseMetadata")
    return {"status": meta["HTTPStatusCode"], "x-amzn-errortype": meta["HTTPHeaders"].get("x-amzn-errortype"), **response}


# --- unknown members -------------------------------------------------------


def test_unknown_members_inside_destination_config_are_dropped(laminar, lambda_, function_name):
    create_python_function(lambda_, function_name, HELLO)
    status, _, put = send(
        laminar,
        "PUT",
        f"/2019-09-25/functions/{function_name}/event-invoke-config",
        {
            "MaximumRetryAttempts": 1,
            "DestinationConfig": {
                "OnSuccess": {"Destination": QUEUE, "Extra": "kept nowhere"},
                "OnFailure": {"Unknown": {"Deep": [1, 2]}},
                "Sideways": {"Destination": QUEUE},
            },
        },
    )
    assert status == 200, put
    expected = {
        "FunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}:$LATEST",
        "MaximumRetryAttempts": 1,
        "DestinationConfig": {"OnSuccess": {"Destination": QUEUE}, "OnFailure": {}},
    }
    put.pop("LastModified")
    assert put == expected
    got = lambda_.get_function_event_invoke_config(FunctionName=function_name)
    got.pop("ResponseMetadata")
    got.pop("LastModified")
    assert got == expected


def test_unknown_members_inside_vpc_config_are_dropped(laminar, lambda_, function_name):
    status, _, created = send(
        laminar,
        "POST",
        "/2015-03-31/functions",
        {
            "FunctionName": function_name,
            "Runtime": "python3.12",
            "Role": ROLE,
            "Handler": "app.handler",
            "Code": {"ZipFile": base64.b64encode(make_zip({"app.py": HELLO})).decode()},
            "VpcConfig": {"SubnetIds": ["subnet-0abc"], "SecurityGroupIds": ["sg-0abc"], "Bogus": True},
        },
    )
    assert status == 201, created
    expected = {"SubnetIds": ["subnet-0abc"], "SecurityGroupIds": ["sg-0abc"], "VpcId": ""}
    assert created["VpcConfig"] == expected
    wait_active(lambda_, function_name)
    assert lambda_.get_function_configuration(FunctionName=function_name)["VpcConfig"] == expected


def test_unknown_members_inside_cors_are_dropped(laminar, lambda_, function_name):
    create_python_function(lambda_, function_name, HELLO)
    status, _, created = send(
        laminar,
        "POST",
        f"/2021-10-31/functions/{function_name}/url",
        {"AuthType": "NONE", "Cors": {"AllowOrigins": ["*"], "MaxAge": 60, "AllowEverything": True}},
    )
    assert status == 201, created
    assert created["Cors"] == {"AllowOrigins": ["*"], "MaxAge": 60}
    got = lambda_.get_function_url_config(FunctionName=function_name)
    assert got["Cors"] == {"AllowOrigins": ["*"], "MaxAge": 60}


def test_unknown_members_of_an_event_source_mapping_are_dropped(laminar, lambda_, function_name):
    create_python_function(lambda_, function_name, HELLO)
    sqs = client(laminar, "sqs", REGION)
    queue = sqs.create_queue(QueueName=f"{function_name}-q")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    status, _, created = send(
        laminar,
        "POST",
        "/2015-03-31/event-source-mappings/",
        {
            "FunctionName": function_name,
            "EventSourceArn": arn,
            "Enabled": False,
            "Unheard": "of",
            "FilterCriteria": {"Filters": [{"Pattern": '{"body": ["x"]}', "Weight": 3}], "Mode": "strict"},
        },
    )
    assert status == 202, created
    for answer in (created, lambda_.get_event_source_mapping(UUID=created["UUID"])):
        assert "Unheard" not in answer
        assert answer["FilterCriteria"] == {"Filters": [{"Pattern": '{"body": ["x"]}'}]}
    status, _, updated = send(
        laminar, "PUT", f"/2015-03-31/event-source-mappings/{created['UUID']}", {"BatchSize": 5, "Later": True}
    )
    assert status == 202, updated
    assert "Later" not in updated and updated["BatchSize"] == 5
    assert "Later" not in lambda_.get_event_source_mapping(UUID=created["UUID"])
    lambda_.delete_event_source_mapping(UUID=created["UUID"])


# --- integers at every depth -------------------------------------------------


@pytest.fixture
def raw(laminar):
    """A client that sends what it is given: the server does the checking."""
    return laminar.client(parameter_validation=False)


def validation(message: str) -> dict:
    """Not a modelled exception of Lambda's: botocore keeps only the code and
    the message."""
    return {
        "status": 400,
        "x-amzn-errortype": "ValidationException",
        "Error": {"Code": "ValidationException", "Message": message},
    }


def test_a_fraction_for_a_nested_integer_is_refused(raw, lambda_, function_name):
    create = lambda **extra: raw.create_function(  # noqa: E731
        FunctionName=function_name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": make_zip({"app.py": HELLO})},
        **extra,
    )
    assert error(lambda: create(DurableConfig={"ExecutionTimeout": 60.5})) == validation(
        "1 validation error detected: Value '60.5' at 'durableConfig.executionTimeout' "
        "failed to satisfy constraint: Member must be an integer"
    )
    # The same answer as at the top level, where the member is `Timeout`.
    assert error(lambda: create(Timeout=3.5)) == validation(
        "1 validation error detected: Value '3.5' at 'timeout' failed to satisfy constraint: Member must be an integer"
    )
    # Nothing was created by the refused calls.
    with pytest.raises(lambda_.exceptions.ResourceNotFoundException):
        lambda_.get_function(FunctionName=function_name)
    create(DurableConfig={"ExecutionTimeout": 60})
    wait_active(lambda_, function_name)
    config = lambda_.get_function_configuration(FunctionName=function_name)
    assert config["DurableConfig"] == {"RetentionPeriodInDays": 14, "ExecutionTimeout": 60}


# --- regions that do not exist ---------------------------------------------

BAD_REGION = "Credential should be scoped to a valid region. "


@pytest.mark.parametrize("region", ["..", "us-east-1;drop", "x" * 5000, "mars-east-1", "aws-global"])
def test_a_credential_scope_of_no_region_is_refused(laminar, region):
    status, headers, body = send(laminar, "GET", "/2015-03-31/functions/", region=region)
    assert (status, headers.get("x-amzn-ErrorType"), body) == (
        403,
        "InvalidSignatureException",
        {"message": BAD_REGION},
    )


def client(laminar, service: str, region: str):
    return boto3.client(
        service,
        endpoint_url=laminar.url,
        region_name=region,
        aws_access_key_id=AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"total_max_attempts": 1}),
    )


def test_an_sdk_configured_for_no_region_gets_the_signature_error(laminar):
    lambda_ = client(laminar, "lambda", "mars-east-1")
    assert error(lambda: lambda_.list_functions()) == {
        "status": 403,
        "x-amzn-errortype": "InvalidSignatureException",
        "Error": {"Code": "InvalidSignatureException", "Message": BAD_REGION},
    }
    sqs = client(laminar, "sqs", "mars-east-1")
    answer = error(lambda: sqs.list_queues())
    assert (answer["status"], answer["Error"]["Code"], answer["Error"]["Message"]) == (
        403,
        "InvalidSignatureException",
        BAD_REGION,
    )
    # Nothing was made under the bad region, and real regions still answer.
    assert client(laminar, "lambda", "eu-west-3").list_functions()["Functions"] == []


# --- deeply nested events ----------------------------------------------------

DEPTH = 5000
DEEP = ("[" * DEPTH + "]" * DEPTH).encode()
COUNTER = """\
import os

CALLS = 0


def handler(event, context):
    global CALLS
    CALLS += 1
    return {"calls": CALLS, "pid": os.getpid()}
"""


def unmarshal_error(request_id: str) -> dict:
    """awslambdaric's answer (its simplejson names the string so)."""
    return {
        "errorMessage": "Unable to unmarshal input: maximum recursion depth exceeded "
        "while decoding a JSON array from a string",
        "errorType": "Runtime.UnmarshalError",
        "requestId": request_id,
        "stackTrace": [],
    }


def test_a_deeply_nested_event_is_an_unmarshal_error_and_the_runtime_lives_on(lambda_, function_name):
    create_python_function(lambda_, function_name, COUNTER)
    first = lambda_.invoke(FunctionName=function_name, Payload=b"{}")
    warm = json.loads(first["Payload"].read())
    assert warm["calls"] == 1

    deep = lambda_.invoke(FunctionName=function_name, Payload=DEEP)
    body = json.loads(deep["Payload"].read())
    request_id = deep["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    assert (deep["StatusCode"], deep.get("FunctionError")) == (200, "Unhandled")
    assert body == unmarshal_error(request_id)

    after = json.loads(lambda_.invoke(FunctionName=function_name, Payload=b"{}")["Payload"].read())
    assert after == {"calls": 2, "pid": warm["pid"]}, "the same environment answers"


def test_the_official_client_answers_the_same(lambda_, function_name):
    """awslambdaric itself (as a provided.al2023 runtime) given the same
    event: the same answer, word for word."""
    from test_awslambdaric import package

    lambda_.create_function(
        FunctionName=function_name,
        Runtime="provided.al2023",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": package()},
        Timeout=30,
    )
    wait_active(lambda_, function_name)
    deep = lambda_.invoke(FunctionName=function_name, Payload=DEEP)
    request_id = deep["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    assert deep.get("FunctionError") == "Unhandled"
    assert json.loads(deep["Payload"].read()) == unmarshal_error(request_id)
