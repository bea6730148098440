"""Cross-account access without the enforcing mode: a second account (its
own access key) reaches another account's function or layer by ARN only
where the owner granted it (AddPermission, AddLayerVersionPermission), and
gets AWS's AccessDeniedException, whole, everywhere else."""

from __future__ import annotations

import json

import botocore.exceptions
import pytest

from iam_testing import body, client
from laminar_testing import ACCOUNT, REGION, create_python_function, make_zip, wait_active

OTHER = "111111111111"
ECHO = "def handler(event, context):\n    return {'got': event, 'arn': context.invoked_function_arn}\n"


def denial(action: str, resource: str) -> dict:
    message = (
        f"User: arn:aws:iam::{OTHER}:root is not authorized to perform: {action} "
        f"on resource: {resource} because no resource-based policy allows the {action} action"
    )
    # The error is not in Lambda's model: boto3 keeps only its code and message.
    return {
        "status": 403,
        "x-amzn-errortype": "AccessDeniedException",
        "Error": {"Code": "AccessDeniedException", "Message": message},
    }


def refusal(call) -> dict:
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call()
    response = dict(info.value.response)
    meta = response.pop("ResponseMetadata")
    return {
        "status": meta["HTTPStatusCode"],
        "x-amzn-errortype": meta["HTTPHeaders"].get("x-amzn-errortype"),
        **response,
    }


@pytest.fixture
def other(laminar):
    return client("lambda", laminar.url, key=OTHER, secret="test")


@pytest.fixture
def function_arn(lambda_, function_name):
    create_python_function(lambda_, function_name, ECHO)
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}"


def test_a_function_is_out_of_reach_until_its_policy_grants_the_account(
    lambda_, other, function_arn
):
    assert refusal(lambda: other.invoke(FunctionName=function_arn)) == denial(
        "lambda:InvokeFunction", function_arn
    )
    lambda_.add_permission(
        FunctionName=function_arn,
        StatementId="other-account",
        Action="lambda:InvokeFunction",
        Principal=OTHER,
    )
    response = other.invoke(FunctionName=function_arn, Payload=b'{"n": 1}')
    assert response["StatusCode"] == 200
    assert json.loads(response["Payload"].read()) == {"got": {"n": 1}, "arn": function_arn}
    # The grant names one action: reading the function is still refused.
    assert refusal(lambda: other.get_function_configuration(FunctionName=function_arn)) == denial(
        "lambda:GetFunctionConfiguration", function_arn
    )
    # A partial ARN names the account as well.
    partial = function_arn.split(":", 4)[4]
    assert other.invoke(FunctionName=partial)["StatusCode"] == 200


def test_a_grant_to_the_accounts_root_lets_it_read_the_function(lambda_, other, function_arn):
    lambda_.add_permission(
        FunctionName=function_arn,
        StatementId="read",
        Action="lambda:GetFunctionConfiguration",
        Principal=f"arn:aws:iam::{OTHER}:root",
    )
    seen = body(other.get_function_configuration(FunctionName=function_arn))
    assert seen == body(lambda_.get_function_configuration(FunctionName=function_arn))
    # Its own functions of the same name are another matter.
    name = function_arn.rsplit(":", 1)[1]
    with pytest.raises(other.exceptions.ResourceNotFoundException):
        other.get_function_configuration(FunctionName=name)


def test_a_layer_version_is_shared_by_its_policy(lambda_, other, function_name):
    layer = lambda_.publish_layer_version(
        LayerName=function_name,
        Content={"ZipFile": make_zip({"python/shared.py": "VALUE = 7\n"})},
        CompatibleRuntimes=["python3.12"],
    )
    arn = layer["LayerVersionArn"]
    layer_arn = layer["LayerArn"]
    assert refusal(lambda: other.get_layer_version_by_arn(Arn=arn)) == denial(
        "lambda:GetLayerVersion", arn
    )
    assert refusal(
        lambda: other.get_layer_version(LayerName=layer_arn, VersionNumber=layer["Version"])
    ) == denial("lambda:GetLayerVersion", arn)

    def create_with_layer():
        return other.create_function(
            FunctionName="uses-shared-layer",
            Runtime="python3.12",
            Role=f"arn:aws:iam::{OTHER}:role/r",
            Handler="app.handler",
            Code={"ZipFile": make_zip({"app.py": "import shared\n\ndef handler(e, c):\n    return shared.VALUE\n"})},
            Layers=[arn],
        )

    assert refusal(create_with_layer) == denial("lambda:GetLayerVersion", arn)

    lambda_.add_layer_version_permission(
        LayerName=function_name,
        VersionNumber=layer["Version"],
        StatementId="other-account",
        Action="lambda:GetLayerVersion",
        Principal=OTHER,
    )
    assert body(other.get_layer_version_by_arn(Arn=arn)) == body(
        lambda_.get_layer_version_by_arn(Arn=arn)
    )
    created = create_with_layer()
    assert created["Layers"] == [{"Arn": arn, "CodeSize": layer["Content"]["CodeSize"]}]
    wait_active(other, "uses-shared-layer")
    assert json.loads(other.invoke(FunctionName="uses-shared-layer")["Payload"].read()) == 7
