"""Concurrency and limits, answered whole as AWS answers them.

Sources: AWS's recorded answers published in public projects (a throttled
invoke's body `{"Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
"Type": "User", "message": "Rate Exceeded."}`; `PolicyLengthExceededException:
The final policy size (20749) is bigger than the limit (20480).`; AWS-validated
test suites for "Cannot reference more than 5 layers." and "Number of tags
exceeds resource tag limit."), and the developer guide for
`AWS_LAMBDA_INITIALIZATION_TYPE` and `UnreservedConcurrentExecutions`.
"""

from __future__ import annotations

import concurrent.futures
import json

import botocore.exceptions
import pytest

from laminar_testing import ACCOUNT, REGION, create_python_function, lambda_client, make_zip, wait_active, wait_for

HELLO = "def handler(event, context):\n    return 'hello'\n"


def error(call) -> dict:
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call()
    response = dict(info.value.response)
    meta = response.pop("ResponseMetadata")
    return {"status": meta["HTTPStatusCode"], "x-amzn-errortype": meta["HTTPHeaders"].get("x-amzn-errortype"), **response}


def aws_error(status: int, code: str, message: str, **members) -> dict:
    return {
        "status": status,
        "x-amzn-errortype": code,
        "Error": {"Code": code, "Message": message},
        "Type": "User",
        "message": message,
        **members,
    }


# --- concurrency -------------------------------------------------------------


def throttled(reason: str) -> dict:
    # `retryAfterSeconds` is the model's name for the Retry-After header.
    return aws_error(429, "TooManyRequestsException", "Rate Exceeded.", Reason=reason, retryAfterSeconds="1")


def test_reserved_concurrency_throttles_with_its_reason(lambda_, function_name):
    create_python_function(lambda_, function_name, HELLO)
    lambda_.put_function_concurrency(FunctionName=function_name, ReservedConcurrentExecutions=0)
    assert error(lambda: lambda_.invoke(FunctionName=function_name, Payload=b"{}")) == throttled(
        "ReservedFunctionConcurrentInvocationLimitExceeded"
    )
    lambda_.delete_function_concurrency(FunctionName=function_name)
    assert lambda_.invoke(FunctionName=function_name, Payload=b"{}")["StatusCode"] == 200


SLEEPY = "import time\n\ndef handler(event, context):\n    time.sleep(event.get('sleep', 0))\n    return 'done'\n"


def test_the_account_limit_throttles_with_its_reason(laminar_factory):
    server = laminar_factory(extra_args=["--account-concurrency", "1"])
    lambda_ = server.client()
    create_python_function(lambda_, "busy", SLEEPY)
    lambda_.invoke(FunctionName="busy", Payload=b"{}")  # warm: the two below race only for the slot
    slow = json.dumps({"sleep": 2}).encode()

    def attempt(client):
        try:
            return client.invoke(FunctionName="busy", Payload=slow)["StatusCode"]
        except botocore.exceptions.ClientError:
            return error(lambda: client.invoke(FunctionName="busy", Payload=b"{}"))

    # Two invokes of two seconds at once with room for one: one runs, the
    # other is refused (and so is the retry while the first still runs).
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(attempt, [server.client(), server.client()]))
    assert sorted(answers, key=str) == sorted([200, throttled("ConcurrentInvocationLimitExceeded")], key=str)


def test_unreserved_concurrency_as_aws_computes_it(laminar_factory):
    server = laminar_factory()
    lambda_ = server.client()
    code = make_zip({"app.py": HELLO})
    for name in ("first", "second"):
        create_python_function(lambda_, name, HELLO)
    lambda_.put_function_concurrency(FunctionName="first", ReservedConcurrentExecutions=100)
    lambda_.put_function_concurrency(FunctionName="second", ReservedConcurrentExecutions=250)
    settings = lambda_.get_account_settings()
    settings.pop("ResponseMetadata")
    assert settings == {
        "AccountLimit": {
            "TotalCodeSize": 85899345920,
            "CodeSizeUnzipped": 262144000,
            "CodeSizeZipped": 52428800,
            "ConcurrentExecutions": 1000,
            "UnreservedConcurrentExecutions": 650,
        },
        "AccountUsage": {"TotalCodeSize": 2 * len(code), "FunctionCount": 2},
    }
    # The account keeps 100 unreserved: AWS's figure in its refusal.
    assert error(
        lambda: lambda_.put_function_concurrency(FunctionName="first", ReservedConcurrentExecutions=651)
    ) == aws_error(
        400,
        "InvalidParameterValueException",
        "Specified ReservedConcurrentExecutions for function decreases account's "
        "UnreservedConcurrentExecution below its minimum value of [100].",
    )
    lambda_.delete_function_concurrency(FunctionName="second")
    assert lambda_.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == 900


INIT_TYPE = "import os\n\ndef handler(event, context):\n    return os.environ['AWS_LAMBDA_INITIALIZATION_TYPE']\n"


def init_type(client, name: str) -> str:
    return json.loads(client.invoke(FunctionName=name, Payload=b"{}")["Payload"].read())


def wait_ready(client, name: str, qualifier: str) -> None:
    """Invokes use provisioned environments once they are initialized."""
    status = lambda: client.get_provisioned_concurrency_config(FunctionName=name, Qualifier=qualifier)["Status"]  # noqa: E731
    wait_for(lambda: status() == "READY", what="provisioned concurrency to be ready")


def test_provisioned_concurrency_environments_say_so(lambda_, function_name):
    create_python_function(lambda_, function_name, INIT_TYPE)
    version = lambda_.publish_version(FunctionName=function_name)["Version"]
    lambda_.get_waiter("published_version_active").wait(FunctionName=function_name, Qualifier=version)
    lambda_.create_alias(FunctionName=function_name, Name="live", FunctionVersion=version)
    lambda_.create_alias(FunctionName=function_name, Name="plain", FunctionVersion=version)
    lambda_.put_provisioned_concurrency_config(
        FunctionName=function_name, Qualifier="live", ProvisionedConcurrentExecutions=1
    )
    wait_ready(lambda_, function_name, "live")
    assert init_type(lambda_, f"{function_name}:live") == "provisioned-concurrency"
    # The same version through another alias, by number, or $LATEST: on demand.
    assert init_type(lambda_, f"{function_name}:plain") == "on-demand"
    assert init_type(lambda_, f"{function_name}:{version}") == "on-demand"
    assert init_type(lambda_, function_name) == "on-demand"
    # Configured on a version itself.
    lambda_.update_function_configuration(FunctionName=function_name, Environment={"Variables": {"VERSION": "2"}})
    lambda_.get_waiter("function_updated_v2").wait(FunctionName=function_name)
    second = lambda_.publish_version(FunctionName=function_name)["Version"]
    assert second != version
    lambda_.get_waiter("published_version_active").wait(FunctionName=function_name, Qualifier=second)
    lambda_.put_provisioned_concurrency_config(
        FunctionName=function_name, Qualifier=second, ProvisionedConcurrentExecutions=1
    )
    wait_ready(lambda_, function_name, second)
    assert init_type(lambda_, f"{function_name}:{second}") == "provisioned-concurrency"


# --- limits ------------------------------------------------------------------


def test_a_policy_beyond_20_kb_is_refused_with_its_size(lambda_, function_name):
    create_python_function(lambda_, function_name, HELLO)
    statement_size = None
    for i in range(1000):
        sid = f"statement-{i:04d}"
        try:
            added = lambda_.add_permission(
                FunctionName=function_name,
                StatementId=sid,
                Action="lambda:InvokeFunction",
                Principal="s3.amazonaws.com",
                SourceArn=f"arn:aws:s3:::bucket-with-a-rather-long-name-{i:04d}",
                SourceAccount=ACCOUNT,
            )
            statement_size = len(added["Statement"])
        except botocore.exceptions.ClientError:
            break
    else:
        pytest.fail("the policy grew without limit")
    before = lambda_.get_policy(FunctionName=function_name)
    size = len(before["Policy"]) + 1 + statement_size  # a comma, then the refused statement
    assert size > 20480 >= len(before["Policy"])
    refused = lambda: lambda_.add_permission(
        FunctionName=function_name,
        StatementId=f"statement-{i:04d}",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn=f"arn:aws:s3:::bucket-with-a-rather-long-name-{i:04d}",
        SourceAccount=ACCOUNT,
    )
    assert error(refused) == aws_error(
        400,
        "PolicyLengthExceededException",
        f"The final policy size ({size}) is bigger than the limit (20480).",
    )
    after = lambda_.get_policy(FunctionName=function_name)
    assert (after["Policy"], after["RevisionId"]) == (before["Policy"], before["RevisionId"])


def test_at_most_five_layers(lambda_, function_name):
    arns = []
    for i in range(6):
        layer = lambda_.publish_layer_version(
            LayerName=f"{function_name}-layer-{i}", Content={"ZipFile": make_zip({f"f{i}.txt": "x"})}
        )
        arns.append(layer["LayerVersionArn"])
    expected = aws_error(400, "InvalidParameterValueException", "Cannot reference more than 5 layers.")
    assert error(lambda: create_python_function(lambda_, function_name, HELLO, Layers=arns)) == expected
    create_python_function(lambda_, function_name, HELLO, Layers=arns[:5])
    assert (
        error(lambda: lambda_.update_function_configuration(FunctionName=function_name, Layers=arns)) == expected
    )
    layers = lambda_.get_function_configuration(FunctionName=function_name)["Layers"]
    assert [layer["Arn"] for layer in layers] == arns[:5]


def test_at_most_fifty_tags(lambda_, function_name):
    many = {f"key{i}": f"value{i}" for i in range(51)}
    expected = aws_error(400, "InvalidParameterValueException", "Number of tags exceeds resource tag limit.")
    assert error(lambda: create_python_function(lambda_, function_name, HELLO, Tags=many)) == expected
    create_python_function(lambda_, function_name, HELLO, Tags={f"key{i}": "v" for i in range(50)})
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}"
    # Counted after the merge: one more key is one too many, a known key is not.
    assert error(lambda: lambda_.tag_resource(Resource=arn, Tags={"one-more": "v"})) == expected
    lambda_.tag_resource(Resource=arn, Tags={"key0": "changed"})
    tags = lambda_.list_tags(Resource=arn)["Tags"]
    assert len(tags) == 50 and tags["key0"] == "changed"


def test_tag_keys_and_values_within_the_models_lengths(lambda_, function_name):
    create_python_function(lambda_, function_name, HELLO)
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}"
    raw = lambda_client(lambda_.meta.endpoint_url, parameter_validation=False)
    long_key = "k" * 129
    answer = error(lambda: raw.tag_resource(Resource=arn, Tags={long_key: "v"}))
    assert (answer["status"], answer["Error"]["Code"]) == (400, "ValidationException")
    assert "Member must have length less than or equal to 128" in answer["Error"]["Message"]
    answer = error(lambda: raw.tag_resource(Resource=arn, Tags={"k": "v" * 257}))
    assert (answer["status"], answer["Error"]["Code"]) == (400, "ValidationException")
    assert "Member must have length less than or equal to 256" in answer["Error"]["Message"]
    assert lambda_.list_tags(Resource=arn)["Tags"] == {}
