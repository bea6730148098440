"""IAM groups through boto3: lifecycle, members, inline and attached group
policies, the conflicts and missing entities AWS reports, and (in the
enforcing mode, test_iam_enforce.py) a group's policies counting for its
users."""

from __future__ import annotations

import json
import uuid

import botocore.exceptions
import pytest

from iam_testing import body, client, error_of
from laminar_testing import ACCOUNT
from test_iam import Matches, Recent

GROUP_ID = Matches(r"AGPA[A-Z2-7]{17}")
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:List*", "Resource": "*"}]}


@pytest.fixture
def iam(laminar):
    return client("iam", laminar.url)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def refused(call) -> tuple[int, str, str]:
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    status, error = error_of(e)
    return status, error["Code"], error["Message"]


def test_group_lifecycle_with_members(iam):
    name, user = unique("devs"), unique("alice")
    created = iam.create_group(GroupName=name, Path="/team/")
    group = {"Path": "/team/", "GroupName": name, "GroupId": GROUP_ID,
             "Arn": f"arn:aws:iam::{ACCOUNT}:group/team/{name}", "CreateDate": Recent()}
    assert body(created) == {"Group": group}
    user_out = iam.create_user(UserName=user)["User"]
    iam.add_user_to_group(GroupName=name, UserName=user)
    # Adding twice changes nothing.
    iam.add_user_to_group(GroupName=name, UserName=user)
    got = iam.get_group(GroupName=name)
    member = {k: user_out[k] for k in ("Path", "UserName", "UserId", "Arn", "CreateDate")}
    assert body(got) == {"Group": group, "Users": [member], "IsTruncated": False}
    assert body(iam.list_groups_for_user(UserName=user)) == {"Groups": [group], "IsTruncated": False}
    listed = iam.list_groups(PathPrefix="/team/")["Groups"]
    assert group in listed
    assert all(g["Path"].startswith("/team/") for g in listed)

    assert refused(lambda: iam.delete_group(GroupName=name)) == (
        409, "DeleteConflict", "Cannot delete entity, must remove users from group first.")
    assert refused(lambda: iam.delete_user(UserName=user)) == (
        409, "DeleteConflict", "Cannot delete entity, must remove users from group first.")
    iam.remove_user_from_group(GroupName=name, UserName=user)
    assert refused(lambda: iam.remove_user_from_group(GroupName=name, UserName=user)) == (
        404, "NoSuchEntity", f"The user with name {user} cannot be found.")
    assert body(iam.list_groups_for_user(UserName=user)) == {"Groups": [], "IsTruncated": False}
    iam.delete_group(GroupName=name)
    iam.delete_user(UserName=user)
    assert refused(lambda: iam.get_group(GroupName=name)) == (
        404, "NoSuchEntity", f"The group with name {name} cannot be found.")


def test_group_errors(iam):
    name = unique("g")
    iam.create_group(GroupName=name)
    assert refused(lambda: iam.create_group(GroupName=name)) == (
        409, "EntityAlreadyExists", f"Group with name {name} already exists.")
    assert refused(lambda: iam.add_user_to_group(GroupName=name, UserName="nobody")) == (
        404, "NoSuchEntity", "The user with name nobody cannot be found.")
    assert refused(lambda: iam.add_user_to_group(GroupName="no-group", UserName="nobody")) == (
        404, "NoSuchEntity", "The group with name no-group cannot be found.")
    assert refused(lambda: iam.delete_group(GroupName="no-group")) == (
        404, "NoSuchEntity", "The group with name no-group cannot be found.")
    assert refused(lambda: iam.list_groups_for_user(UserName="nobody")) == (
        404, "NoSuchEntity", "The user with name nobody cannot be found.")
    bad = client("iam", iam.meta.endpoint_url, validate=False)
    assert refused(lambda: bad.create_group(GroupName="bad name")) == (
        400, "ValidationError",
        "1 validation error detected: Value 'bad name' at 'groupName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w+=,.@-]+")
    iam.delete_group(GroupName=name)


def test_group_policies_inline_and_attached(iam):
    name = unique("ops")
    iam.create_group(GroupName=name)
    iam.put_group_policy(GroupName=name, PolicyName="list", PolicyDocument=json.dumps(POLICY))
    got = iam.get_group_policy(GroupName=name, PolicyName="list")
    assert body(got) == {"GroupName": name, "PolicyName": "list", "PolicyDocument": POLICY}
    assert body(iam.list_group_policies(GroupName=name)) == {"PolicyNames": ["list"], "IsTruncated": False}
    assert refused(lambda: iam.get_group_policy(GroupName=name, PolicyName="other")) == (
        404, "NoSuchEntity", "The group policy with name other cannot be found.")
    iam.attach_group_policy(GroupName=name, PolicyArn=READ_ONLY)
    assert body(iam.list_attached_group_policies(GroupName=name)) == {
        "AttachedPolicies": [{"PolicyName": "ReadOnlyAccess", "PolicyArn": READ_ONLY}], "IsTruncated": False}
    entities = iam.list_entities_for_policy(PolicyArn=READ_ONLY)
    assert {"GroupName": name, "GroupId": GROUP_ID} in entities["PolicyGroups"]

    assert refused(lambda: iam.delete_group(GroupName=name)) == (
        409, "DeleteConflict", "Cannot delete entity, must detach all policies first.")
    iam.detach_group_policy(GroupName=name, PolicyArn=READ_ONLY)
    assert refused(lambda: iam.detach_group_policy(GroupName=name, PolicyArn=READ_ONLY)) == (
        404, "NoSuchEntity", f"Policy {READ_ONLY} was not found.")
    assert refused(lambda: iam.delete_group(GroupName=name)) == (
        409, "DeleteConflict", "Cannot delete entity, must delete policies first.")
    iam.delete_group_policy(GroupName=name, PolicyName="list")
    assert refused(lambda: iam.delete_group_policy(GroupName=name, PolicyName="list")) == (
        404, "NoSuchEntity", "The group policy with name list cannot be found.")
    iam.delete_group(GroupName=name)


def test_read_only_access_is_an_aws_managed_policy(iam):
    policy = iam.get_policy(PolicyArn=READ_ONLY)["Policy"]
    assert (policy["PolicyName"], policy["Path"], policy["PolicyId"], policy["IsAttachable"]) == (
        "ReadOnlyAccess", "/", "ANPAILL3HVNFSB6DCOWYQ", True)
    document = iam.get_policy_version(PolicyArn=READ_ONLY, VersionId=policy["DefaultVersionId"])["PolicyVersion"]["Document"]
    actions = document["Statement"][0]["Action"]
    assert {"lambda:Get*", "lambda:List*", "sqs:Get*", "sns:List*", "s3:Get*", "logs:Describe*",
            "dynamodb:Query", "kinesis:Describe*", "iam:List*", "sts:GetCallerIdentity"} <= set(actions)
    assert not any(a.split(":")[1].startswith(("Create", "Put", "Delete", "Update", "Invoke")) for a in actions)
