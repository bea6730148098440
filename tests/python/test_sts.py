"""STS on laminar's port through boto3: GetCallerIdentity for root, IAM
user and assumed-role credentials; AssumeRole with its trust policy and
DurationSeconds bounds; and Lambda's check that a function's execution
role, when IAM holds it, trusts lambda.amazonaws.com."""

from __future__ import annotations

import json
import re
import uuid

import pytest

from iam_testing import LAMBDA_TRUST, body, client, error_of, trust_for
from laminar_testing import ACCOUNT, create_python_function


@pytest.fixture
def iam(laminar):
    return client("iam", laminar.url)


@pytest.fixture
def sts(laminar):
    return client("sts", laminar.url)


@pytest.fixture
def name():
    return f"s-{uuid.uuid4().hex[:12]}"


def test_caller_identity_of_root_credentials(laminar, sts):
    assert body(sts.get_caller_identity()) == {
        "UserId": ACCOUNT,
        "Account": ACCOUNT,
        "Arn": f"arn:aws:iam::{ACCOUNT}:root",
    }
    # A 12-digit access key names its account, as everywhere in laminar.
    other = client("sts", laminar.url, key="111122223333")
    assert body(other.get_caller_identity()) == {
        "UserId": "111122223333",
        "Account": "111122223333",
        "Arn": "arn:aws:iam::111122223333:root",
    }


def test_caller_identity_of_an_iam_user(laminar, iam, name):
    user = iam.create_user(UserName=name)["User"]
    key = iam.create_access_key(UserName=name)["AccessKey"]
    as_user = client("sts", laminar.url, key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert body(as_user.get_caller_identity()) == {
        "UserId": user["UserId"],
        "Account": ACCOUNT,
        "Arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
    }


def test_assume_role_and_the_assumed_identity(laminar, iam, sts, name):
    role = iam.create_role(
        RoleName=name, AssumeRolePolicyDocument=trust_for({"AWS": f"arn:aws:iam::{ACCOUNT}:root"})
    )["Role"]
    out = body(sts.assume_role(RoleArn=role["Arn"], RoleSessionName="sess", SourceIdentity="me"))
    creds = out["Credentials"]
    assert re.fullmatch(r"ASIA[A-Z2-7]{16}", creds["AccessKeyId"])
    assert len(creds["SecretAccessKey"]) == 40 and len(creds["SessionToken"]) > 100
    lifetime = (creds["Expiration"] - __import__("datetime").datetime.now(creds["Expiration"].tzinfo)).total_seconds()
    assert 3500 < lifetime <= 3600
    assert out == {
        "Credentials": creds,
        "AssumedRoleUser": {
            "AssumedRoleId": f"{role['RoleId']}:sess",
            "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/sess",
        },
        "SourceIdentity": "me",
    }
    as_role = client("sts", laminar.url, key=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=creds["SessionToken"])
    assert body(as_role.get_caller_identity()) == {
        "UserId": f"{role['RoleId']}:sess",
        "Account": ACCOUNT,
        "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/sess",
    }
    # Role chaining: at most one hour.
    with pytest.raises(as_role.exceptions.ClientError) as e:
        as_role.assume_role(RoleArn=role["Arn"], RoleSessionName="again", DurationSeconds=7200)
    assert error_of(e) == (400, {
        "Type": "Sender",
        "Code": "ValidationError",
        "Message": "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
    })


def test_assume_role_refused_by_the_trust_policy(sts, iam, name):
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]
    for arn in (role["Arn"], f"arn:aws:iam::{ACCOUNT}:role/{name}-absent"):
        with pytest.raises(sts.exceptions.ClientError) as e:
            sts.assume_role(RoleArn=arn, RoleSessionName="s1")
        assert error_of(e) == (403, {
            "Type": "Sender",
            "Code": "AccessDenied",
            "Message": f"User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: sts:AssumeRole on resource: {arn}",
        })


def test_duration_seconds_bounds(laminar, iam, name):
    sts = client("sts", laminar.url, validate=False)
    trust = trust_for({"AWS": ACCOUNT})
    short = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]
    long = iam.create_role(RoleName=f"{name}-long", AssumeRolePolicyDocument=trust, MaxSessionDuration=7200)["Role"]
    cases = [
        (short["Arn"], 899, "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"),
        (short["Arn"], 3601, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."),
        (long["Arn"], 43201, "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200"),
    ]
    for arn, seconds, message in cases:
        with pytest.raises(sts.exceptions.ClientError) as e:
            sts.assume_role(RoleArn=arn, RoleSessionName="s1", DurationSeconds=seconds)
        assert error_of(e) == (400, {"Type": "Sender", "Code": "ValidationError", "Message": message})
    assert sts.assume_role(RoleArn=long["Arn"], RoleSessionName="s1", DurationSeconds=7200)["Credentials"]
    assert sts.assume_role(RoleArn=short["Arn"], RoleSessionName="s1", DurationSeconds=900)["Credentials"]


def test_lambda_checks_the_execution_roles_trust_policy(lambda_, iam, name):
    ec2_role = iam.create_role(RoleName=f"{name}-ec2", AssumeRolePolicyDocument=trust_for({"Service": "ec2.amazonaws.com"}))["Role"]
    lambda_role = iam.create_role(RoleName=f"{name}-fn", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]
    source = "def handler(event, context):\n    return 'ok'\n"
    with pytest.raises(lambda_.exceptions.InvalidParameterValueException) as e:
        create_python_function(lambda_, name, source, Role=ec2_role["Arn"])
    assert error_of(e) == (400, {
        "Code": "InvalidParameterValueException",
        "Message": "The role defined for the function cannot be assumed by Lambda.",
    })
    assert e.value.response["Type"] == "User"
    with pytest.raises(lambda_.exceptions.ResourceNotFoundException):
        lambda_.get_function(FunctionName=name)
    # A role laminar's IAM does not hold is accepted (laminar without IAM).
    create_python_function(lambda_, f"{name}-free", source, Role=f"arn:aws:iam::{ACCOUNT}:role/not-in-iam")
    created = create_python_function(lambda_, name, source, Role=lambda_role["Arn"])
    assert created["Role"] == lambda_role["Arn"]
    with pytest.raises(lambda_.exceptions.InvalidParameterValueException) as e:
        lambda_.update_function_configuration(FunctionName=name, Role=ec2_role["Arn"])
    assert error_of(e)[1]["Message"] == "The role defined for the function cannot be assumed by Lambda."
    assert lambda_.get_function_configuration(FunctionName=name)["Role"] == lambda_role["Arn"]


HANDLER = '''import os, sys
sys.path.append(os.environ["TEST_SITE_PACKAGES"])
import boto3


def handler(event, context):
    identity = boto3.client("sts").get_caller_identity()
    identity.pop("ResponseMetadata")
    return {"identity": identity, "key": os.environ["AWS_ACCESS_KEY_ID"]}
'''


def test_a_function_runs_as_its_execution_role(lambda_, iam, name):
    """The handler's own boto3 (the test's, put on its path) finds laminar
    through AWS_ENDPOINT_URL and signs with the role's session credentials."""
    import boto3

    site_packages = str(__import__("pathlib").Path(boto3.__file__).parents[1])
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]
    create_python_function(
        lambda_, name, HANDLER, Role=role["Arn"], Timeout=30,
        Environment={"Variables": {"TEST_SITE_PACKAGES": site_packages}},
    )
    out = lambda_.invoke(FunctionName=name)
    payload = json.loads(out["Payload"].read())
    assert "FunctionError" not in out, payload
    assert re.fullmatch(r"ASIA[A-Z2-7]{16}", payload["key"])
    assert payload["identity"] == {
        "UserId": f"{role['RoleId']}:{name}",
        "Account": ACCOUNT,
        "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/{name}",
    }
