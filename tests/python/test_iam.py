"""IAM on laminar's port through boto3 and the AWS CLI: roles, inline and
managed policies (with versions and the AWS managed ones), users and access
keys, AWS's errors; and a request for a service laminar does not serve,
answered in that service's own protocol."""

from __future__ import annotations

import datetime
import json
import re
import subprocess
import sys
import urllib.request
import uuid

import botocore.exceptions
import pytest

from iam_testing import LAMBDA_TRUST, body, client, error_of
from laminar_testing import ACCOUNT, AWS_ENV

IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/"


class Matches:
    """Equal to any string that matches the pattern (ids made by laminar)."""

    def __init__(self, pattern: str):
        self.pattern = re.compile(pattern)

    def __eq__(self, other):
        return isinstance(other, str) and bool(self.pattern.fullmatch(other))

    def __repr__(self):
        return f"Matches({self.pattern.pattern!r})"


class Recent:
    """Equal to a timezone-aware datetime within the last minute."""

    def __eq__(self, other):
        if not isinstance(other, datetime.datetime) or other.tzinfo is None:
            return False
        now = datetime.datetime.now(datetime.timezone.utc)
        return datetime.timedelta(0) <= now - other < datetime.timedelta(minutes=1)

    def __repr__(self):
        return "Recent()"


ROLE_ID = Matches(r"AROA[A-Z2-7]{17}")
POLICY_ID = Matches(r"ANPA[A-Z2-7]{17}")
USER_ID = Matches(r"AIDA[A-Z2-7]{17}")


@pytest.fixture
def iam(laminar):
    return client("iam", laminar.url)


@pytest.fixture
def name():
    return f"t-{uuid.uuid4().hex[:12]}"


def test_unknown_services_answer_in_their_own_protocol(laminar):
    expected = (
        "laminar does not serve {}; it serves AWS Lambda, Amazon SQS, Amazon SNS, "
        "Amazon CloudWatch Logs, Amazon S3, Amazon Kinesis, Amazon DynamoDB, Amazon DynamoDB Streams, Amazon EventBridge, IAM and STS"
    )
    cases = [
        ("cloudformation", lambda c: c.list_stacks(), "AWS CloudFormation (cloudformation)"),
        ("ecs", lambda c: c.list_clusters(), "Amazon EC2 Container Service (ecs)"),
        ("ec2", lambda c: c.describe_vpcs(), "Amazon Elastic Compute Cloud (ec2)"),
        ("route53", lambda c: c.list_hosted_zones(), "Amazon Route 53 (route53)"),
        ("apigateway", lambda c: c.get_rest_apis(), "Amazon API Gateway (apigateway)"),
    ]
    for service, call, described in cases:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            call(client(service, laminar.url))
        status, error = error_of(e)
        assert status == 501, service
        assert error["Code"] == "NotImplemented", service
        assert error["Message"] == expected.format(described), service


def test_an_unknown_query_service_gets_error_xml(laminar):
    request = urllib.request.Request(
        f"{laminar.url}/",
        data=b"Action=ListStacks&Version=2010-05-15",
        headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/cloudformation/aws4_request, SignedHeaders=host, Signature=x",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(request, timeout=10)
    assert e.value.code == 501
    assert e.value.headers["Content-Type"] == "text/xml"
    text = e.value.read().decode()
    assert re.fullmatch(
        r'<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type>'
        r"<Code>NotImplemented</Code><Message>laminar does not serve AWS CloudFormation "
        r"\(cloudformation\); it serves AWS Lambda, Amazon SQS, Amazon SNS, Amazon CloudWatch Logs, Amazon S3, Amazon Kinesis, Amazon DynamoDB, Amazon DynamoDB Streams, Amazon EventBridge, IAM and STS</Message>"
        r"</Error><RequestId>[0-9a-f-]{36}</RequestId></ErrorResponse>",
        text,
    ), text


def test_role_lifecycle(iam, name):
    trust = json.dumps(LAMBDA_TRUST)
    created = iam.create_role(
        RoleName=name,
        Path="/service-role/",
        AssumeRolePolicyDocument=trust,
        Description="for tests",
        MaxSessionDuration=7200,
        Tags=[{"Key": "team", "Value": "core"}],
    )
    role = {
        "Path": "/service-role/",
        "RoleName": name,
        "RoleId": ROLE_ID,
        "Arn": f"arn:aws:iam::{ACCOUNT}:role/service-role/{name}",
        "CreateDate": Recent(),
        "AssumeRolePolicyDocument": LAMBDA_TRUST,
        "Description": "for tests",
        "MaxSessionDuration": 7200,
        "Tags": [{"Key": "team", "Value": "core"}],
    }
    assert body(created) == {"Role": role}
    role["RoleId"] = created["Role"]["RoleId"]
    assert body(iam.get_role(RoleName=name)) == {"Role": {**role, "RoleLastUsed": {}}}

    iam.update_role(RoleName=name, Description="changed", MaxSessionDuration=3600)
    other = dict(LAMBDA_TRUST, Statement=[dict(LAMBDA_TRUST["Statement"][0], Principal={"Service": "ec2.amazonaws.com"})])
    iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(other))
    got = iam.get_role(RoleName=name)["Role"]
    assert (got["Description"], got["MaxSessionDuration"], got["AssumeRolePolicyDocument"]) == ("changed", 3600, other)

    iam.tag_role(RoleName=name, Tags=[{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "edge"}])
    iam.untag_role(RoleName=name, TagKeys=["env"])
    assert body(iam.list_role_tags(RoleName=name)) == {
        "Tags": [{"Key": "team", "Value": "edge"}],
        "IsTruncated": False,
    }

    iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    ))
    assert body(iam.list_role_policies(RoleName=name)) == {"PolicyNames": ["inline"], "IsTruncated": False}
    assert body(iam.get_role_policy(RoleName=name, PolicyName="inline")) == {
        "RoleName": name,
        "PolicyName": "inline",
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]},
    }
    with pytest.raises(iam.exceptions.DeleteConflictException) as e:
        iam.delete_role(RoleName=name)
    assert error_of(e) == (409, {"Type": "Sender", "Code": "DeleteConflict", "Message": "Cannot delete entity, must delete policies first."})
    iam.delete_role_policy(RoleName=name, PolicyName="inline")

    basic = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    iam.attach_role_policy(RoleName=name, PolicyArn=basic)
    assert body(iam.list_attached_role_policies(RoleName=name)) == {
        "AttachedPolicies": [{"PolicyName": "AWSLambdaBasicExecutionRole", "PolicyArn": basic}],
        "IsTruncated": False,
    }
    with pytest.raises(iam.exceptions.DeleteConflictException) as e:
        iam.delete_role(RoleName=name)
    assert error_of(e) == (409, {"Type": "Sender", "Code": "DeleteConflict", "Message": "Cannot delete entity, must detach all policies first."})
    iam.detach_role_policy(RoleName=name, PolicyArn=basic)
    iam.delete_role(RoleName=name)
    with pytest.raises(iam.exceptions.NoSuchEntityException) as e:
        iam.get_role(RoleName=name)
    assert error_of(e) == (404, {"Type": "Sender", "Code": "NoSuchEntity", "Message": f"The role with name {name} cannot be found."})


def test_list_roles_by_path_prefix_and_pages(iam, name):
    for i in range(3):
        iam.create_role(RoleName=f"{name}-{i}", Path=f"/{name}/", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))
    first = iam.list_roles(PathPrefix=f"/{name}/", MaxItems=2)
    assert [r["RoleName"] for r in first["Roles"]] == [f"{name}-0", f"{name}-1"]
    assert first["IsTruncated"] is True
    rest = iam.list_roles(PathPrefix=f"/{name}/", MaxItems=2, Marker=first["Marker"])
    assert [r["RoleName"] for r in rest["Roles"]] == [f"{name}-2"]
    assert rest["IsTruncated"] is False and "Marker" not in rest
    # ListRoles leaves out tags and RoleLastUsed, as AWS does.
    assert set(rest["Roles"][0]) == {"Path", "RoleName", "RoleId", "Arn", "CreateDate", "AssumeRolePolicyDocument", "MaxSessionDuration"}
    paginated = iam.get_paginator("list_roles").paginate(PathPrefix=f"/{name}/", PaginationConfig={"PageSize": 1})
    assert [r["RoleName"] for page in paginated for r in page["Roles"]] == [f"{name}-{i}" for i in range(3)]


def test_role_errors(iam, name):
    trust = json.dumps(LAMBDA_TRUST)
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
    with pytest.raises(iam.exceptions.EntityAlreadyExistsException) as e:
        iam.create_role(RoleName=name.upper(), AssumeRolePolicyDocument=trust)
    assert error_of(e) == (409, {"Type": "Sender", "Code": "EntityAlreadyExists", "Message": f"Role with name {name.upper()} already exists."})
    cases = [
        ("{not json", "This policy contains invalid Json"),
        (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole", "Resource": "*"}]}), "Has prohibited field Resource"),
        (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}), "Missing required field Principal"),
        (json.dumps({"Version": "2012-10-17"}), "Missing required field Statement"),
    ]
    for document, message in cases:
        with pytest.raises(iam.exceptions.MalformedPolicyDocumentException) as e:
            iam.create_role(RoleName=f"{name}-bad", AssumeRolePolicyDocument=document)
        assert error_of(e) == (400, {"Type": "Sender", "Code": "MalformedPolicyDocument", "Message": message})
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException) as e:
        iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=trust)
    assert error_of(e)[1]["Message"] == "Policy document should not specify a principal."
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.create_role(RoleName="bad name!", AssumeRolePolicyDocument=trust)
    assert error_of(e) == (400, {
        "Type": "Sender",
        "Code": "ValidationError",
        "Message": "1 validation error detected: Value 'bad name!' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
    })
    with pytest.raises(iam.exceptions.NoSuchEntityException) as e:
        iam.get_role_policy(RoleName=name, PolicyName="absent")
    assert error_of(e)[1]["Message"] == "The role policy with name absent cannot be found."
    assert iam.list_roles(PathPrefix="/nothing-here/")["Roles"] == []


def test_list_instance_profiles_for_role(iam, name):
    """laminar keeps no instance profiles (Ansible's iam_role asks before it
    deletes a role): a role is in none, as a new role on AWS; a missing role
    gets AWS's NoSuchEntity."""
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))
    listed = iam.list_instance_profiles_for_role(RoleName=name, MaxItems=10)
    listed.pop("ResponseMetadata")
    assert listed == {"InstanceProfiles": [], "IsTruncated": False}
    with pytest.raises(iam.exceptions.NoSuchEntityException) as e:
        iam.list_instance_profiles_for_role(RoleName=f"{name}-absent")
    assert error_of(e) == (404, {"Type": "Sender", "Code": "NoSuchEntity", "Message": f"The role with name {name}-absent cannot be found."})
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.list_instance_profiles_for_role(RoleName=name, MaxItems=1001)
    assert error_of(e) == (400, {
        "Type": "Sender",
        "Code": "ValidationError",
        "Message": "1 validation error detected: Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000",
    })


def test_managed_policy_versions_and_attachments(iam, name):
    doc = lambda action: json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]})
    created = iam.create_policy(PolicyName=name, Path="/app/", PolicyDocument=doc("s3:GetObject"), Description="d")
    arn = f"arn:aws:iam::{ACCOUNT}:policy/app/{name}"
    policy = {
        "PolicyName": name,
        "PolicyId": POLICY_ID,
        "Arn": arn,
        "Path": "/app/",
        "DefaultVersionId": "v1",
        "AttachmentCount": 0,
        "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": True,
        "CreateDate": Recent(),
        "UpdateDate": Recent(),
    }
    assert body(created) == {"Policy": policy}
    assert body(iam.get_policy(PolicyArn=arn)) == {"Policy": {**policy, "Description": "d"}}
    with pytest.raises(iam.exceptions.EntityAlreadyExistsException) as e:
        iam.create_policy(PolicyName=name, PolicyDocument=doc("s3:GetObject"))
    assert error_of(e)[1]["Message"] == f"A policy called {name} already exists. Duplicate names are not allowed."

    for i in range(2, 6):
        v = iam.create_policy_version(PolicyArn=arn, PolicyDocument=doc(f"s3:Action{i}"), SetAsDefault=(i == 3))
        assert body(v) == {"PolicyVersion": {"VersionId": f"v{i}", "IsDefaultVersion": i == 3, "CreateDate": Recent()}}
    with pytest.raises(iam.exceptions.LimitExceededException) as e:
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=doc("s3:Too"))
    assert error_of(e) == (409, {"Type": "Sender", "Code": "LimitExceeded", "Message": "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version."})
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in versions] == [("v5", False), ("v4", False), ("v3", True), ("v2", False), ("v1", False)]
    assert body(iam.get_policy_version(PolicyArn=arn, VersionId="v3")) == {
        "PolicyVersion": {"Document": json.loads(doc("s3:Action3")), "VersionId": "v3", "IsDefaultVersion": True, "CreateDate": Recent()}
    }
    with pytest.raises(iam.exceptions.DeleteConflictException) as e:
        iam.delete_policy_version(PolicyArn=arn, VersionId="v3")
    assert error_of(e)[1]["Message"] == "Cannot delete the default version of a policy."
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v5")
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v5"
    with pytest.raises(iam.exceptions.NoSuchEntityException) as e:
        iam.get_policy_version(PolicyArn=arn, VersionId="v9")
    assert error_of(e)[1]["Message"] == f"Policy {arn} version v9 does not exist or is not attachable."

    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))
    iam.attach_role_policy(RoleName=name, PolicyArn=arn)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1
    entities = body(iam.list_entities_for_policy(PolicyArn=arn))
    assert entities == {"PolicyGroups": [], "PolicyUsers": [], "PolicyRoles": [{"RoleName": name, "RoleId": ROLE_ID}], "IsTruncated": False}
    local = [p["PolicyName"] for p in iam.list_policies(Scope="Local", OnlyAttached=True)["Policies"]]
    assert name in local
    with pytest.raises(iam.exceptions.DeleteConflictException) as e:
        iam.delete_policy(PolicyArn=arn)
    assert error_of(e)[1]["Message"] == "Cannot delete a policy attached to entities."
    iam.detach_role_policy(RoleName=name, PolicyArn=arn)
    for v in ("v1", "v2", "v3", "v4"):
        iam.delete_policy_version(PolicyArn=arn, VersionId=v)
    iam.delete_policy(PolicyArn=arn)
    with pytest.raises(iam.exceptions.NoSuchEntityException) as e:
        iam.get_policy(PolicyArn=arn)
    assert error_of(e) == (404, {"Type": "Sender", "Code": "NoSuchEntity", "Message": f"Policy {arn} does not exist or is not attachable."})
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.attach_role_policy(RoleName=name, PolicyArn=arn)


def test_aws_managed_policies_have_their_real_documents(iam):
    arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    assert (policy["PolicyName"], policy["Path"], policy["DefaultVersionId"], policy["IsAttachable"]) == (
        "AWSLambdaBasicExecutionRole", "/service-role/", "v1", True)
    assert policy["CreateDate"] == datetime.datetime(2015, 4, 9, 15, 3, 43, tzinfo=datetime.timezone.utc)
    version = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]
    assert version["Document"] == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}],
    }
    names = {p["PolicyName"] for p in iam.get_paginator("list_policies").paginate(Scope="AWS").build_full_result()["Policies"]}
    assert names >= {
        "AdministratorAccess", "AWSLambdaBasicExecutionRole", "AWSLambdaSQSQueueExecutionRole",
        "AWSLambdaKinesisExecutionRole", "AWSLambdaDynamoDBExecutionRole",
        "AWSLambdaVPCAccessExecutionRole", "AWSXRayDaemonWriteAccess", "ReadOnlyAccess",
    }
    vpc = iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole")["Policy"]
    assert vpc["DefaultVersionId"] == "v3"


def test_users_and_access_keys(iam, name):
    created = iam.create_user(UserName=name, Tags=[{"Key": "k", "Value": "v"}])
    user = {"Path": "/", "UserName": name, "UserId": USER_ID, "Arn": f"arn:aws:iam::{ACCOUNT}:user/{name}", "CreateDate": Recent(), "Tags": [{"Key": "k", "Value": "v"}]}
    assert body(created) == {"User": user}
    assert body(iam.get_user(UserName=name)) == {"User": user}
    key = iam.create_access_key(UserName=name)["AccessKey"]
    assert key == {"UserName": name, "AccessKeyId": Matches(r"AKIA[A-Z2-7]{16}"), "Status": "Active", "SecretAccessKey": Matches(r"[A-Za-z0-9+/]{40}"), "CreateDate": Recent()}
    assert body(iam.list_access_keys(UserName=name)) == {
        "AccessKeyMetadata": [{"UserName": name, "AccessKeyId": key["AccessKeyId"], "Status": "Active", "CreateDate": Recent()}],
        "IsTruncated": False,
    }
    iam.create_access_key(UserName=name)
    with pytest.raises(iam.exceptions.LimitExceededException) as e:
        iam.create_access_key(UserName=name)
    assert error_of(e)[1]["Message"] == "Cannot exceed quota for AccessKeysPerUser: 2"
    with pytest.raises(iam.exceptions.DeleteConflictException) as e:
        iam.delete_user(UserName=name)
    assert error_of(e)[1]["Message"] == "Cannot delete entity, must delete access keys first."
    for k in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=name, AccessKeyId=k["AccessKeyId"])
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    assert iam.list_user_policies(UserName=name)["PolicyNames"] == ["p"]
    assert iam.list_attached_user_policies(UserName=name)["AttachedPolicies"] == [
        {"PolicyName": "AdministratorAccess", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}]
    iam.detach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    iam.delete_user_policy(UserName=name, PolicyName="p")
    iam.delete_user(UserName=name)
    with pytest.raises(iam.exceptions.NoSuchEntityException) as e:
        iam.get_user(UserName=name)
    assert error_of(e)[1]["Message"] == f"The user with name {name} cannot be found."


def test_error_xml_is_awss(laminar):
    """The raw answer: IAM's namespace, Type/Code/Message, the request id."""
    url = f"{laminar.url}/?Action=GetRole&Version=2010-05-08&RoleName=absent-role"
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(url, timeout=10)
    assert e.value.code == 404
    text = e.value.read().decode()
    request_id = e.value.headers["x-amzn-RequestId"]
    assert text == (
        f'<ErrorResponse xmlns="{IAM_NS}"><Error><Type>Sender</Type><Code>NoSuchEntity</Code>'
        "<Message>The role with name absent-role cannot be found.</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    )


def test_aws_cli_creates_and_reads_a_role(laminar, name, tmp_path):
    env = {**AWS_ENV, "AWS_ENDPOINT_URL": laminar.url, "PATH": "/usr/bin:/bin",
           "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}
    aws = [sys.executable, "-m", "awscli"]
    created = subprocess.run(
        [*aws, "iam", "create-role", "--role-name", name, "--assume-role-policy-document", json.dumps(LAMBDA_TRUST)],
        env=env, capture_output=True, text=True, timeout=60)
    assert created.returncode == 0, created.stderr
    role = json.loads(created.stdout)["Role"]
    assert (role["RoleName"], role["Arn"], role["AssumeRolePolicyDocument"]) == (name, f"arn:aws:iam::{ACCOUNT}:role/{name}", LAMBDA_TRUST)
    missing = subprocess.run([*aws, "iam", "get-role", "--role-name", f"{name}-absent"], env=env, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 255
    assert f"An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name {name}-absent cannot be found." in missing.stderr


def test_iam_state_survives_a_restart(laminar_factory, tmp_path, name):
    data = tmp_path / "data"
    first = laminar_factory(data_dir=data)
    iam = client("iam", first.url)
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    first.stop()
    second = laminar_factory(data_dir=data)
    again = client("iam", second.url)
    assert again.get_role(RoleName=name)["Role"]["RoleId"] == role["RoleId"]
    as_user = client("sts", second.url, key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert as_user.get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/{name}"
