"""Account-level objects through boto3: tags on code signing configs, event
source mappings and capacity providers; functions that name a code signing
config or a capacity provider; InvokeAsync without a body."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from laminar_testing import ACCOUNT, REGION, ROLE, create_python_function, sqs_client, wait_active, wait_updated

HELLO = "def handler(event, context):\n    return {'ok': True}\n"
SIGNING_PROFILE = f"arn:aws:signer:{REGION}:{ACCOUNT}:/signing-profiles/laminar/abcdef1234"


@pytest.fixture
def raw(laminar):
    """A client that leaves the checks to the server."""
    return laminar.client(parameter_validation=False)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def error_of(call) -> tuple[str, int]:
    with pytest.raises(ClientError) as info:
        call()
    response = info.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def new_code_signing_config(client, **kwargs) -> str:
    config = client.create_code_signing_config(
        AllowedPublishers={"SigningProfileVersionArns": [SIGNING_PROFILE]}, **kwargs
    )
    return config["CodeSigningConfig"]["CodeSigningConfigArn"]


def new_capacity_provider(client, **kwargs) -> str:
    provider = client.create_capacity_provider(
        CapacityProviderName=unique("cp"),
        VpcConfig={"SubnetIds": ["subnet-0123456789abcdef0"], "SecurityGroupIds": ["sg-0123456789abcdef0"]},
        PermissionsConfig={"CapacityProviderOperatorRoleArn": ROLE},
        **kwargs,
    )
    return provider["CapacityProvider"]["CapacityProviderArn"]


def on_provider(arn: str) -> dict:
    return {"LambdaManagedInstancesCapacityProviderConfig": {"CapacityProviderArn": arn}}


def new_mapping(laminar, lambda_, function_name, **kwargs) -> str:
    create_python_function(lambda_, function_name, HELLO)
    queue_url = sqs_client(laminar.url).create_queue(QueueName=unique("tags"))["QueueUrl"]
    queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue_url.rsplit('/', 1)[1]}"
    mapping = lambda_.create_event_source_mapping(
        EventSourceArn=queue_arn, FunctionName=function_name, Enabled=False, **kwargs
    )
    return mapping["EventSourceMappingArn"]


def check_tagging(lambda_, arn: str, initial: dict[str, str]) -> None:
    """Tags given at creation, then added, replaced and removed by ARN."""
    assert lambda_.list_tags(Resource=arn)["Tags"] == initial
    lambda_.tag_resource(Resource=arn, Tags={"team": "blue", "stage": "dev"})
    assert lambda_.list_tags(Resource=arn)["Tags"] == {**initial, "team": "blue", "stage": "dev"}
    lambda_.tag_resource(Resource=arn, Tags={"team": "red"})
    lambda_.untag_resource(Resource=arn, TagKeys=["stage", *initial])
    assert lambda_.list_tags(Resource=arn)["Tags"] == {"team": "red"}


def test_code_signing_config_tags(lambda_):
    arn = new_code_signing_config(lambda_, Tags={"origin": "create"})
    check_tagging(lambda_, arn, {"origin": "create"})


def test_capacity_provider_tags(lambda_):
    arn = new_capacity_provider(lambda_, Tags={"origin": "create"})
    check_tagging(lambda_, arn, {"origin": "create"})


def test_event_source_mapping_tags(laminar, lambda_, function_name):
    arn = new_mapping(laminar, lambda_, function_name, Tags={"origin": "create"})
    check_tagging(lambda_, arn, {"origin": "create"})


def test_event_source_mapping_tags_survive_an_update(laminar, lambda_, function_name):
    arn = new_mapping(laminar, lambda_, function_name)
    lambda_.tag_resource(Resource=arn, Tags={"team": "blue"})
    lambda_.update_event_source_mapping(UUID=arn.rsplit(":", 1)[1], BatchSize=5)
    assert lambda_.list_tags(Resource=arn)["Tags"] == {"team": "blue"}


@pytest.mark.parametrize(
    "arn",
    [
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:code-signing-config:csc-0000000000000000a",
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:event-source-mapping:{uuid.UUID(int=0)}",
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:capacity-provider:no-such-provider",
    ],
)
def test_tags_of_unknown_objects_are_not_found(lambda_, arn):
    assert error_of(lambda: lambda_.list_tags(Resource=arn)) == ("ResourceNotFoundException", 404)
    assert error_of(lambda: lambda_.tag_resource(Resource=arn, Tags={"a": "b"})) == (
        "ResourceNotFoundException",
        404,
    )
    assert error_of(lambda: lambda_.untag_resource(Resource=arn, TagKeys=["a"])) == (
        "ResourceNotFoundException",
        404,
    )


def test_reserved_tag_keys_are_refused_on_objects(lambda_):
    arn = new_code_signing_config(lambda_)
    assert error_of(lambda: lambda_.tag_resource(Resource=arn, Tags={"aws:x": "y"})) == (
        "InvalidParameterValueException",
        400,
    )
    assert lambda_.list_tags(Resource=arn)["Tags"] == {}


def test_create_function_with_a_code_signing_config(lambda_, function_name):
    arn = new_code_signing_config(lambda_)
    create_python_function(lambda_, function_name, HELLO, CodeSigningConfigArn=arn)
    got = lambda_.get_function_code_signing_config(FunctionName=function_name)
    assert got["CodeSigningConfigArn"] == arn
    listed = lambda_.list_functions_by_code_signing_config(CodeSigningConfigArn=arn)
    assert [a.rsplit(":", 1)[1] for a in listed["FunctionArns"]] == [function_name]


def test_create_function_with_an_unknown_code_signing_config(lambda_, function_name):
    missing = f"arn:aws:lambda:{REGION}:{ACCOUNT}:code-signing-config:csc-0000000000000000a"
    code = error_of(lambda: create_python_function(lambda_, function_name, HELLO, CodeSigningConfigArn=missing))
    assert code == ("CodeSigningConfigNotFoundException", 404)
    assert error_of(lambda: lambda_.get_function(FunctionName=function_name))[0] == "ResourceNotFoundException"


def test_function_versions_by_capacity_provider(lambda_, function_name):
    provider = new_capacity_provider(lambda_)
    other = new_capacity_provider(lambda_)
    created = create_python_function(
        lambda_, function_name, HELLO, MemorySize=2048, CapacityProviderConfig=on_provider(provider)
    )
    assert created["CapacityProviderConfig"] == on_provider(provider)
    first = lambda_.publish_version(FunctionName=function_name)["Version"]
    lambda_.update_function_configuration(FunctionName=function_name, Timeout=30)
    wait_updated(lambda_, function_name)
    second = lambda_.publish_version(FunctionName=function_name)["Version"]
    wait_active(lambda_, function_name, second)

    page = lambda_.list_function_versions_by_capacity_provider(CapacityProviderName=provider, MaxItems=1)
    assert page["CapacityProviderArn"] == provider
    assert len(page["FunctionVersions"]) == 1 and page.get("NextMarker")
    rest = lambda_.list_function_versions_by_capacity_provider(
        CapacityProviderName=provider, Marker=page["NextMarker"]
    )
    versions = [v["FunctionArn"] for v in page["FunctionVersions"] + rest["FunctionVersions"]]
    base = created["FunctionArn"]
    assert versions == [f"{base}:{first}", f"{base}:{second}"]
    assert all(v["State"] == "Active" for v in rest["FunctionVersions"])

    # Moving the function moves the versions published after.
    lambda_.update_function_configuration(FunctionName=function_name, CapacityProviderConfig=on_provider(other))
    wait_updated(lambda_, function_name)
    third = lambda_.publish_version(FunctionName=function_name)["Version"]
    moved = lambda_.list_function_versions_by_capacity_provider(CapacityProviderName=other)
    assert [v["FunctionArn"] for v in moved["FunctionVersions"]] == [f"{base}:{third}"]

    # A provider in use cannot be deleted.
    assert error_of(lambda: lambda_.delete_capacity_provider(CapacityProviderName=provider)) == (
        "ResourceConflictException",
        409,
    )


def test_unknown_capacity_provider_is_not_found(lambda_, function_name):
    missing = on_provider(f"arn:aws:lambda:{REGION}:{ACCOUNT}:capacity-provider:no-such-provider")
    code = error_of(
        lambda: create_python_function(lambda_, function_name, HELLO, MemorySize=2048, CapacityProviderConfig=missing)
    )
    assert code == ("ResourceNotFoundException", 404)
    create_python_function(lambda_, function_name, HELLO)
    code = error_of(
        lambda: lambda_.update_function_configuration(FunctionName=function_name, CapacityProviderConfig=missing)
    )
    assert code == ("ResourceNotFoundException", 404)
    assert "CapacityProviderConfig" not in lambda_.get_function_configuration(FunctionName=function_name)


def test_invoke_async_without_a_body_is_refused(raw, lambda_, function_name):
    create_python_function(lambda_, function_name, HELLO)
    with pytest.raises(ClientError) as info:
        raw.invoke_async(FunctionName=function_name, InvokeArgs=b"")
    response = info.value.response
    assert response["Error"]["Code"] == "ValidationException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "invokeArgs" in response["Error"]["Message"]
    assert raw.invoke_async(FunctionName=function_name, InvokeArgs=b"{}")["Status"] == 202


def test_too_many_excluded_instance_types_are_refused(raw):
    code = error_of(
        lambda: raw.create_capacity_provider(
            CapacityProviderName=unique("cp"),
            VpcConfig={"SubnetIds": ["subnet-0123456789abcdef0"], "SecurityGroupIds": []},
            PermissionsConfig={"CapacityProviderOperatorRoleArn": ROLE},
            InstanceRequirements={"ExcludedInstanceTypes": [f"m{i}.large" for i in range(401)]},
        )
    )
    assert code == ("ValidationException", 400)
