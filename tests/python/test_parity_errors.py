"""Which error, which message: answers compared whole with AWS's recorded ones.

Sources: AWS's answers as published in transcripts and AWS-validated test
suites (issue 11 lists them): an ARN of another region, tags on a qualified
ARN, a layer version without a policy, provisioned concurrency on a missing
alias.
"""

from __future__ import annotations

import botocore.exceptions
import pytest

from laminar_testing import ACCOUNT, REGION, create_python_function, make_zip

HELLO = "def handler(event, context):\n    return 'hello'\n"


@pytest.fixture
def raw(laminar):
    """A client that leaves the checks to the server."""
    return laminar.client(parameter_validation=False)


def error(call) -> dict:
    """A failed call's whole answer as boto3 parses it, without the metadata
    that differs per request (the id, the date)."""
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call()
    response = dict(info.value.response)
    meta = response.pop("ResponseMetadata")
    headers = meta["HTTPHeaders"]
    return {
        "status": meta["HTTPStatusCode"],
        "x-amzn-errortype": headers.get("x-amzn-errortype"),
        **response,
    }


def aws_error(status: int, code: str, message: str) -> dict:
    """The model spells the message member `Message` for some exceptions and
    `message` for the rest; botocore keeps the body's members as they come."""
    key = "Message" if code == "ResourceNotFoundException" else "message"
    return {
        "status": status,
        "x-amzn-errortype": code,
        "Error": {"Code": code, "Message": message},
        "Type": "User",
        key: message,
    }


def test_a_function_arn_of_another_region(lambda_, function_name):
    create_python_function(lambda_, function_name, HELLO)
    west = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:{function_name}"
    expected = aws_error(
        404,
        "ResourceNotFoundException",
        f"Functions from 'eu-west-1' are not reachable in this region ('{REGION}')",
    )
    assert error(lambda: lambda_.get_function(FunctionName=west)) == expected
    assert error(lambda: lambda_.invoke(FunctionName=west, Payload=b"{}")) == expected
    assert error(lambda: lambda_.get_function_configuration(FunctionName=west + ":$LATEST")) == expected
    assert error(lambda: lambda_.delete_function(FunctionName=west)) == expected
    # The same name in the caller's region is untouched and reachable.
    here = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}"
    assert lambda_.get_function(FunctionName=here)["Configuration"]["FunctionArn"] == here


@pytest.mark.parametrize("qualifier", ["$LATEST", "1", "live"])
def test_tags_on_a_qualified_function_arn(lambda_, function_name, qualifier):
    create_python_function(lambda_, function_name, HELLO)
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}:{qualifier}"
    expected = aws_error(
        400,
        "InvalidParameterValueException",
        "Tags on function aliases and versions are not supported. Please specify a function ARN.",
    )
    assert error(lambda: lambda_.tag_resource(Resource=arn, Tags={"team": "core"})) == expected
    assert error(lambda: lambda_.untag_resource(Resource=arn, TagKeys=["team"])) == expected
    assert error(lambda: lambda_.list_tags(Resource=arn)) == expected
    assert lambda_.list_tags(Resource=arn.rsplit(":", 1)[0])["Tags"] == {}


def test_a_layer_version_without_a_policy(lambda_):
    name = "no-policy-layer"
    lambda_.publish_layer_version(LayerName=name, Content={"ZipFile": make_zip({"a.txt": "a"})})
    assert error(lambda: lambda_.get_layer_version_policy(LayerName=name, VersionNumber=1)) == aws_error(
        404, "ResourceNotFoundException", "No policy is associated with the given resource."
    )
    # A version that does not exist is another answer.
    assert error(lambda: lambda_.get_layer_version_policy(LayerName=name, VersionNumber=9)) == aws_error(
        404, "ResourceNotFoundException", "The resource you requested does not exist."
    )
    # Granted, then revoked: no policy again.
    lambda_.add_layer_version_permission(
        LayerName=name, VersionNumber=1, StatementId="all", Action="lambda:GetLayerVersion", Principal="*"
    )
    assert lambda_.get_layer_version_policy(LayerName=name, VersionNumber=1)["Policy"]
    lambda_.remove_layer_version_permission(LayerName=name, VersionNumber=1, StatementId="all")
    assert error(lambda: lambda_.get_layer_version_policy(LayerName=name, VersionNumber=1)) == aws_error(
        404, "ResourceNotFoundException", "No policy is associated with the given resource."
    )


def test_provisioned_concurrency_on_a_missing_alias(lambda_, function_name):
    create_python_function(lambda_, function_name, HELLO)
    expected = aws_error(
        404,
        "ResourceNotFoundException",
        f"Cannot find alias arn: arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}:nope",
    )
    assert error(
        lambda: lambda_.put_provisioned_concurrency_config(
            FunctionName=function_name, Qualifier="nope", ProvisionedConcurrentExecutions=1
        )
    ) == expected
    assert error(
        lambda: lambda_.get_provisioned_concurrency_config(FunctionName=function_name, Qualifier="nope")
    ) == expected
    assert error(
        lambda: lambda_.delete_provisioned_concurrency_config(FunctionName=function_name, Qualifier="nope")
    ) == expected


def test_a_request_over_aws_size_limit(raw, function_name):
    # 52,700,000 bytes are 70,266,668 as base64: over AWS's 70,167,211.
    too_big = b"\0" * 52_700_000
    assert error(
        lambda: raw.create_function(
            FunctionName=function_name,
            Runtime="python3.12",
            Role=f"arn:aws:iam::{ACCOUNT}:role/lambda-role",
            Handler="app.handler",
            Code={"ZipFile": too_big},
        )
    ) == {
        # CreateFunction's model does not list this error, so botocore keeps
        # only its code and message.
        "status": 413,
        "x-amzn-errortype": "RequestEntityTooLargeException",
        "Error": {
            "Code": "RequestEntityTooLargeException",
            "Message": "Request must be smaller than 70167211 bytes for the CreateFunction operation",
        },
    }
