"""`--iam enforce`: signatures checked against IAM's keys, Lambda's operations
authorised by AWS's policy evaluation, each refusal with AWS's status, code
and message."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

import botocore.exceptions
import pytest

from iam_testing import LAMBDA_TRUST, client, error_of, trust_for
from laminar_testing import ACCOUNT, REGION, make_zip, wait_active, wait_for

OTHER_ACCOUNT = "111111111111"
SOURCE = "def handler(event, context):\n    return {'ok': True}\n"


@pytest.fixture(scope="module")
def server(laminar_factory_module):
    return laminar_factory_module(extra_args=["--iam", "enforce"])


@pytest.fixture(scope="module")
def laminar_factory_module(tmp_path_factory):
    from conftest import assert_no_panics
    from laminar_testing import Laminar

    started = []

    def start(extra_args):
        server = Laminar(extra_args=extra_args, tmp_dir=tmp_path_factory.mktemp("laminar")).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
        assert_no_panics(server)


def root(service, server, region=REGION):
    c = client(service, server.url, key="test", secret="test")
    if region != REGION:
        import boto3
        return boto3.client(service, endpoint_url=server.url, region_name=region,
                            aws_access_key_id="test", aws_secret_access_key="test")
    return c


@pytest.fixture(scope="module")
def role(server):
    iam = root("iam", server)
    name = f"exec-{uuid.uuid4().hex[:8]}"
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]


@pytest.fixture(scope="module")
def function(server, role):
    lam = root("lambda", server)
    name = f"fn-{uuid.uuid4().hex[:8]}"
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
                        Code={"ZipFile": make_zip({"app.py": SOURCE})})
    wait_active(lam, name)
    return lam.get_function_configuration(FunctionName=name)["FunctionArn"]


def new_user(server, policy: dict | None = None):
    """A user with an access key (and an inline policy): its Lambda client and ARN."""
    iam = root("iam", server)
    name = f"user-{uuid.uuid4().hex[:8]}"
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    if policy is not None:
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return name, arn, key


def allow(actions, resource="*", effect="Allow", **extra):
    return {"Version": "2012-10-17",
            "Statement": [{"Effect": effect, "Action": actions, "Resource": resource, **extra}]}


def as_key(service, server, key):
    return client(service, server.url, key=key["AccessKeyId"], secret=key["SecretAccessKey"])


def denied(excinfo) -> tuple[int, str, str]:
    status, error = error_of(excinfo)
    return status, error["Code"], error["Message"]


def test_the_root_key_signs_everything(server, function):
    lam = root("lambda", server)
    out = lam.invoke(FunctionName=function)
    assert json.loads(out["Payload"].read()) == {"ok": True}
    identity = root("sts", server).get_caller_identity()
    assert (identity["Account"], identity["Arn"]) == (ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root")


def test_bad_signatures_and_unknown_keys_in_each_protocol(server):
    mismatch = ("The request signature we calculated does not match the signature you provided. "
                "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
    invalid = "The security token included in the request is invalid."
    cases = [
        ("lambda", lambda c: c.list_functions(), "test", "wrong", 403, "InvalidSignatureException", mismatch),
        ("lambda", lambda c: c.list_functions(), "AKIANOSUCHKEY0000000", "x", 403, "UnrecognizedClientException", invalid),
        ("sts", lambda c: c.get_caller_identity(), "test", "wrong", 403, "SignatureDoesNotMatch", mismatch),
        ("sts", lambda c: c.get_caller_identity(), "AKIANOSUCHKEY0000000", "x", 403, "InvalidClientTokenId", invalid),
        ("iam", lambda c: c.list_roles(), "test", "wrong", 403, "SignatureDoesNotMatch", mismatch),
        ("kinesis", lambda c: c.list_streams(), "AKIANOSUCHKEY0000000", "x", 403, "UnrecognizedClientException", invalid),
        ("logs", lambda c: c.describe_log_groups(), "test", "wrong", 403, "InvalidSignatureException", mismatch),
    ]
    for service, call, key, secret, status, code, message in cases:
        c = client(service, server.url, key=key, secret=secret)
        with pytest.raises(botocore.exceptions.ClientError) as e:
            call(c)
        assert denied(e) == (status, code, message), service


def test_an_unsigned_request_is_refused(server):
    request = urllib.request.Request(f"{server.url}/2015-03-31/functions/")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(request)
    assert e.value.code == 403
    assert e.value.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert json.loads(e.value.read()) == {"message": "Missing Authentication Token"}


def test_a_session_key_needs_its_own_token(server):
    iam, sts = root("iam", server), root("sts", server)
    name = f"r-{uuid.uuid4().hex[:8]}"
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_for({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))["Role"]["Arn"]
    creds = sts.assume_role(RoleArn=arn, RoleSessionName="s1")["Credentials"]
    wrong = client("sts", server.url, key=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token="not-the-token")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        wrong.get_caller_identity()
    assert denied(e) == (403, "InvalidClientTokenId", "The security token included in the request is invalid.")
    right = client("sts", server.url, key=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=creds["SessionToken"])
    assert right.get_caller_identity()["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/s1"


def test_a_user_needs_an_identity_policy(server, function):
    _, user_arn, key = new_user(server)
    lam = as_key("lambda", server, key)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.list_functions()
    assert denied(e) == (
        403, "AccessDeniedException",
        f"User: {user_arn} is not authorized to perform: lambda:ListFunctions on resource: * "
        "because no identity-based policy allows the lambda:ListFunctions action",
    )
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.invoke(FunctionName=function)
    assert denied(e) == (
        403, "AccessDeniedException",
        f"User: {user_arn} is not authorized to perform: lambda:InvokeFunction on resource: {function} "
        "because no identity-based policy allows the lambda:InvokeFunction action",
    )


def test_identity_policies_allow_and_an_explicit_deny_wins(server, function):
    name, user_arn, key = new_user(server, allow(["lambda:List*", "lambda:Get*", "lambda:InvokeFunction"]))
    lam = as_key("lambda", server, key)
    assert function in [f["FunctionArn"] for f in lam.list_functions()["Functions"]]
    assert json.loads(lam.invoke(FunctionName=function)["Payload"].read()) == {"ok": True}
    # A qualified ARN is its own resource: lambda:InvokeFunction on `*` covers it.
    assert lam.get_function(FunctionName=function, Qualifier="$LATEST")["Configuration"]["FunctionArn"]
    root("iam", server).put_user_policy(
        UserName=name, PolicyName="no-invoke",
        PolicyDocument=json.dumps(allow("lambda:InvokeFunction", function, effect="Deny")))
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.invoke(FunctionName=function)
    assert denied(e) == (
        403, "AccessDeniedException",
        f"User: {user_arn} is not authorized to perform: lambda:InvokeFunction on resource: {function} "
        "with an explicit deny in an identity-based policy",
    )
    # Still allowed where the deny does not reach.
    lam.list_functions()


def test_a_policy_on_one_function_and_a_managed_policy(server, function, role):
    name, user_arn, key = new_user(server, allow("lambda:GetFunctionConfiguration", function))
    lam = as_key("lambda", server, key)
    assert lam.get_function_configuration(FunctionName=function)["FunctionArn"] == function
    other = function + "-other"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.get_function_configuration(FunctionName=other.rsplit(":", 1)[1])
    assert denied(e)[2] == (
        f"User: {user_arn} is not authorized to perform: lambda:GetFunctionConfiguration on resource: {other} "
        "because no identity-based policy allows the lambda:GetFunctionConfiguration action")
    # AWS's ReadOnly-style managed policy attached: listing works.
    root("iam", server).attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    lam.list_functions()


def test_conditions_on_the_requested_region(server):
    _, _, key = new_user(server, allow("lambda:ListFunctions", Condition={"StringEquals": {"aws:RequestedRegion": "us-east-1"}}))
    as_key("lambda", server, key).list_functions()
    import boto3
    west = boto3.client("lambda", endpoint_url=server.url, region_name="eu-west-1",
                        aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        west.list_functions()
    assert denied(e)[:2] == (403, "AccessDeniedException")


def test_a_function_policy_alone_lets_a_user_of_the_account_invoke(server, function):
    _, user_arn, key = new_user(server)
    lam = as_key("lambda", server, key)
    with pytest.raises(botocore.exceptions.ClientError):
        lam.invoke(FunctionName=function)
    root("lambda", server).add_permission(
        FunctionName=function, StatementId=f"s{uuid.uuid4().hex[:8]}",
        Action="lambda:InvokeFunction", Principal=user_arn)
    assert json.loads(lam.invoke(FunctionName=function)["Payload"].read()) == {"ok": True}


def test_another_account_needs_the_function_policy(server, function):
    other = client("lambda", server.url, key=OTHER_ACCOUNT, secret="test")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        other.get_function_configuration(FunctionName=function)
    assert denied(e) == (
        403, "AccessDeniedException",
        f"User: arn:aws:iam::{OTHER_ACCOUNT}:root is not authorized to perform: lambda:GetFunctionConfiguration "
        f"on resource: {function} because no resource-based policy allows the lambda:GetFunctionConfiguration action",
    )


def test_another_account_granted_by_the_function_policy_reaches_it(server, function):
    owner = root("lambda", server)
    owner.add_permission(FunctionName=function, StatementId=f"x-{uuid.uuid4().hex[:6]}",
                         Action="lambda:GetFunctionConfiguration", Principal=OTHER_ACCOUNT)
    other = client("lambda", server.url, key=OTHER_ACCOUNT, secret="test")
    seen = other.get_function_configuration(FunctionName=function)
    assert seen["FunctionArn"] == function
    assert {k: v for k, v in seen.items() if k != "ResponseMetadata"} == {
        k: v for k, v in owner.get_function_configuration(FunctionName=function).items()
        if k != "ResponseMetadata"
    }


def test_a_role_session_is_bounded_by_its_roles_policies(server, function):
    iam, sts = root("iam", server), root("sts", server)
    name = f"r-{uuid.uuid4().hex[:8]}"
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_for({"AWS": ACCOUNT}))["Role"]["Arn"]
    iam.attach_role_policy(RoleName=name, PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    creds = sts.assume_role(RoleArn=arn, RoleSessionName="deploy")["Credentials"]
    lam = client("lambda", server.url, key=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=creds["SessionToken"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.invoke(FunctionName=function)
    assert denied(e)[2] == (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{name}/deploy is not authorized to perform: lambda:InvokeFunction "
        f"on resource: {function} because no identity-based policy allows the lambda:InvokeFunction action")
    iam.put_role_policy(RoleName=name, PolicyName="invoke", PolicyDocument=json.dumps(allow("lambda:InvokeFunction")))
    assert json.loads(lam.invoke(FunctionName=function)["Payload"].read()) == {"ok": True}


def test_create_function_needs_pass_role_and_a_role_iam_holds(server, role):
    _, user_arn, key = new_user(server, allow("lambda:*"))
    lam = as_key("lambda", server, key)
    params = dict(FunctionName=f"f-{uuid.uuid4().hex[:8]}", Runtime="python3.12", Handler="app.handler",
                  Code={"ZipFile": make_zip({"app.py": SOURCE})})
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.create_function(Role=role, **params)
    assert denied(e) == (
        403, "AccessDeniedException",
        f"User: {user_arn} is not authorized to perform: iam:PassRole on resource: {role} "
        "because no identity-based policy allows the iam:PassRole action",
    )
    missing_role = f"arn:aws:iam::{ACCOUNT}:role/not-in-iam"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        root("lambda", server).create_function(Role=missing_role, **params)
    assert denied(e) == (400, "InvalidParameterValueException",
                         "The role defined for the function cannot be assumed by Lambda.")
    created = root("lambda", server).create_function(Role=role, **params)
    assert created["Role"] == role


def test_companion_calls_are_authorised_too(server):
    name, user_arn, key = new_user(server)
    no = "because no identity-based policy allows the"
    kinesis, sqs, iam, s3 = (as_key(s, server, key) for s in ("kinesis", "sqs", "iam", "s3"))
    cases = [
        (lambda: kinesis.list_streams(), (400, "AccessDeniedException",
         f"User: {user_arn} is not authorized to perform: kinesis:ListStreams on resource: * {no} kinesis:ListStreams action")),
        (lambda: sqs.create_queue(QueueName="q-denied"), (403, "AccessDenied",
         f"User: {user_arn} is not authorized to perform: sqs:createqueue on resource: arn:aws:sqs:{REGION}:{ACCOUNT}:q-denied {no} sqs:createqueue action")),
        (lambda: iam.create_role(RoleName="denied", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST)), (403, "AccessDenied",
         f"User: {user_arn} is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::{ACCOUNT}:role/denied {no} iam:CreateRole action")),
        (lambda: s3.list_buckets(), (403, "AccessDenied",
         f"User: {user_arn} is not authorized to perform: s3:ListAllMyBuckets on resource: * {no} s3:ListAllMyBuckets action")),
    ]
    for call, expected in cases:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            call()
        assert denied(e) == expected
    root("iam", server).put_user_policy(UserName=name, PolicyName="sqs", PolicyDocument=json.dumps(allow("sqs:*")))
    url = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="hello")
    with pytest.raises(botocore.exceptions.ClientError):
        kinesis.list_streams()


def test_eventbridge_calls_name_their_rule_or_bus(server):
    name, user_arn, key = new_user(server)
    events = as_key("events", server, key)
    no = "because no identity-based policy allows the"
    rule = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/guarded"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.put_rule(Name="guarded", EventPattern='{"source": ["x"]}')
    assert denied(e) == (400, "AccessDeniedException",
                         f"User: {user_arn} is not authorized to perform: events:PutRule on resource: {rule} {no} events:PutRule action")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.put_events(Entries=[{"Source": "x", "DetailType": "y", "Detail": "{}"}])
    assert denied(e)[2].endswith(
        f"events:PutEvents on resource: arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default {no} events:PutEvents action")
    root("iam", server).put_user_policy(UserName=name, PolicyName="rules", PolicyDocument=json.dumps(
        allow(["events:PutRule", "events:DescribeRule"], f"arn:aws:events:{REGION}:{ACCOUNT}:rule/*")))
    assert events.put_rule(Name="guarded", EventPattern='{"source": ["x"]}')["RuleArn"] == rule
    assert events.describe_rule(Name="guarded")["Arn"] == rule


def test_assume_role_needs_the_trust_policy_and_for_a_broad_trust_an_identity_policy(server):
    iam_root = root("iam", server)
    name, user_arn, key = new_user(server)
    sts = as_key("sts", server, key)
    broad = iam_root.create_role(RoleName=f"b-{uuid.uuid4().hex[:8]}", AssumeRolePolicyDocument=trust_for({"AWS": ACCOUNT}))["Role"]["Arn"]
    exact = iam_root.create_role(RoleName=f"e-{uuid.uuid4().hex[:8]}", AssumeRolePolicyDocument=trust_for({"AWS": user_arn}))["Role"]["Arn"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts.assume_role(RoleArn=broad, RoleSessionName="s1")
    assert denied(e) == (403, "AccessDenied",
        f"User: {user_arn} is not authorized to perform: sts:AssumeRole on resource: {broad} "
        "because no identity-based policy allows the sts:AssumeRole action")
    # A trust policy naming the user itself is enough.
    assert sts.assume_role(RoleArn=exact, RoleSessionName="s1")["AssumedRoleUser"]["Arn"].endswith("/s1")
    iam_root.put_user_policy(UserName=name, PolicyName="assume", PolicyDocument=json.dumps(allow("sts:AssumeRole", broad)))
    assert sts.assume_role(RoleArn=broad, RoleSessionName="s1")["Credentials"]["AccessKeyId"].startswith("ASIA")


def signed_get(url: str, key: str, secret: str) -> tuple[int, dict]:
    """A GET signed with SigV4 for `lambda`, as a caller of an AWS_IAM function URL signs it."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="GET", url=url)
    SigV4Auth(Credentials(key, secret), "lambda", REGION).add_auth(request)
    prepared = urllib.request.Request(url, headers=dict(request.headers.items()))
    try:
        with urllib.request.urlopen(prepared) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_an_aws_iam_function_url_checks_signature_and_permission(server, function):
    lam = root("lambda", server)
    url_id = lam.create_function_url_config(FunctionName=function, AuthType="AWS_IAM")["FunctionUrl"].split("//")[1].split(".")[0]
    url = f"{server.url}/lambda-url/{url_id}/"
    assert signed_get(url, "test", "test") == (200, {"ok": True})
    assert signed_get(url, "test", "wrong") == (403, {"Message": "Forbidden"})
    _, user_arn, key = new_user(server)
    assert signed_get(url, key["AccessKeyId"], key["SecretAccessKey"]) == (403, {"Message": "Forbidden"})
    lam.add_permission(FunctionName=function, StatementId=f"u{uuid.uuid4().hex[:8]}", Action="lambda:InvokeFunctionUrl",
                       Principal=user_arn, FunctionUrlAuthType="AWS_IAM")
    assert signed_get(url, key["AccessKeyId"], key["SecretAccessKey"]) == (200, {"ok": True})


def test_session_policies_narrow_an_assumed_role(server, function):
    iam, sts = root("iam", server), root("sts", server)
    name = f"r-{uuid.uuid4().hex[:8]}"
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_for({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))["Role"]["Arn"]
    iam.attach_role_policy(RoleName=name, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    creds = sts.assume_role(RoleArn=arn, RoleSessionName="narrow",
                            Policy=json.dumps(allow("lambda:GetFunctionConfiguration")))["Credentials"]
    lam = client("lambda", server.url, key=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=creds["SessionToken"])
    assert lam.get_function_configuration(FunctionName=function)["FunctionArn"] == function
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.invoke(FunctionName=function)
    assert denied(e) == (
        403, "AccessDeniedException",
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{name}/narrow is not authorized to perform: lambda:InvokeFunction "
        f"on resource: {function} because no session policy allows the lambda:InvokeFunction action",
    )
    # A managed session policy joins the inline one.
    creds = sts.assume_role(RoleArn=arn, RoleSessionName="wider",
                            PolicyArns=[{"arn": "arn:aws:iam::aws:policy/AdministratorAccess"}])["Credentials"]
    lam = client("lambda", server.url, key=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=creds["SessionToken"])
    assert json.loads(lam.invoke(FunctionName=function)["Payload"].read()) == {"ok": True}
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts.assume_role(RoleArn=arn, RoleSessionName="bad", Policy="{")
    assert denied(e)[:2] == (400, "MalformedPolicyDocument")


def test_a_group_s_policies_count_for_its_users(server):
    iam = root("iam", server)
    name, user_arn, key = new_user(server)
    lam = as_key("lambda", server, key)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.list_functions()
    assert denied(e) == (403, "AccessDeniedException",
        f"User: {user_arn} is not authorized to perform: lambda:ListFunctions on resource: * "
        "because no identity-based policy allows the lambda:ListFunctions action")
    group = f"g-{uuid.uuid4().hex[:8]}"
    iam.create_group(GroupName=group)
    iam.attach_group_policy(GroupName=group, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    iam.add_user_to_group(GroupName=group, UserName=name)
    assert "Functions" in lam.list_functions()
    # ReadOnlyAccess reads; it does not write.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.delete_function(FunctionName="anything")
    assert denied(e)[1] == "AccessDeniedException"
    # An explicit deny in an inline group policy wins over the managed allow.
    iam.put_group_policy(GroupName=group, PolicyName="deny",
                         PolicyDocument=json.dumps(allow("lambda:ListFunctions", effect="Deny")))
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.list_functions()
    assert denied(e) == (403, "AccessDeniedException",
        f"User: {user_arn} is not authorized to perform: lambda:ListFunctions on resource: * "
        "with an explicit deny in an identity-based policy")
    iam.remove_user_from_group(GroupName=group, UserName=name)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.list_functions()
    assert "because no identity-based policy allows" in denied(e)[2]


def queue_policy(statement: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_another_account_reaches_a_queue_only_through_its_policy(server):
    sqs = root("sqs", server)
    url = sqs.create_queue(QueueName=f"shared-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    other = client("sqs", server.url, key=OTHER_ACCOUNT, secret="test")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        other.send_message(QueueUrl=url, MessageBody="hi")
    assert denied(e) == (403, "AccessDenied",
        f"User: arn:aws:iam::{OTHER_ACCOUNT}:root is not authorized to perform: sqs:sendmessage on resource: {arn} "
        "because no resource-based policy allows the sqs:sendmessage action")
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": queue_policy(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"}, "Action": "sqs:SendMessage", "Resource": arn})})
    assert other.send_message(QueueUrl=url, MessageBody="hi")["MessageId"]
    # Only what the policy names.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        other.receive_message(QueueUrl=url)
    assert denied(e) == (403, "AccessDenied",
        f"User: arn:aws:iam::{OTHER_ACCOUNT}:root is not authorized to perform: sqs:receivemessage on resource: {arn} "
        "because no resource-based policy allows the sqs:receivemessage action")


def test_a_queue_policy_naming_a_user_of_the_account_is_enough_and_its_deny_wins(server):
    sqs = root("sqs", server)
    url = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    name, user_arn, key = new_user(server)
    user = as_key("sqs", server, key)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        user.send_message(QueueUrl=url, MessageBody="x")
    assert denied(e) == (403, "AccessDenied",
        f"User: {user_arn} is not authorized to perform: sqs:sendmessage on resource: {arn} "
        "because no identity-based policy allows the sqs:sendmessage action")
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": queue_policy(
        {"Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "sqs:SendMessage", "Resource": arn})})
    assert user.send_message(QueueUrl=url, MessageBody="x")["MessageId"]
    # An identity allow for everything, an explicit deny in the queue's policy.
    root("iam", server).put_user_policy(UserName=name, PolicyName="all", PolicyDocument=json.dumps(allow("sqs:*")))
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": queue_policy(
        {"Effect": "Deny", "Principal": "*", "Action": "sqs:PurgeQueue", "Resource": arn})})
    with pytest.raises(botocore.exceptions.ClientError) as e:
        user.purge_queue(QueueUrl=url)
    assert denied(e) == (403, "AccessDenied",
        f"User: {user_arn} is not authorized to perform: sqs:purgequeue on resource: {arn} "
        "with an explicit deny in a resource-based policy")
    assert user.send_message(QueueUrl=url, MessageBody="y")["MessageId"]


def test_another_account_publishes_to_a_topic_only_through_its_policy(server):
    sns = root("sns", server)
    topic = sns.create_topic(Name=f"t-{uuid.uuid4().hex[:8]}")["TopicArn"]
    other = client("sns", server.url, key=OTHER_ACCOUNT, secret="test")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        other.publish(TopicArn=topic, Message="hi")
    assert denied(e) == (403, "AuthorizationError",
        f"User: arn:aws:iam::{OTHER_ACCOUNT}:root is not authorized to perform: SNS:Publish on resource: {topic} "
        "because no resource-based policy allows the SNS:Publish action")
    # A user of the topic's own account without a policy is refused by SNS's words too.
    _, user_arn, key = new_user(server)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        as_key("sns", server, key).publish(TopicArn=topic, Message="hi")
    assert denied(e) == (403, "AuthorizationError",
        f"User: {user_arn} is not authorized to perform: SNS:Publish on resource: {topic} "
        "because no identity-based policy allows the SNS:Publish action")
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": OTHER_ACCOUNT}, "Action": "sns:Publish", "Resource": topic}]}))
    assert other.publish(TopicArn=topic, Message="hi")["MessageId"]


def test_temporary_credentials_past_their_expiry_are_refused(laminar_factory_module, monkeypatch):
    """The session clock of this server runs an hour ahead
    (LAMINAR_TEST_SESSION_CLOCK_SKEW_SECONDS, a test hook): a session of
    AssumeRole's shortest duration, 900 seconds, has expired when it is used."""
    monkeypatch.setenv("LAMINAR_TEST_SESSION_CLOCK_SKEW_SECONDS", "3600")
    ahead = laminar_factory_module(extra_args=["--iam", "enforce"])
    iam, sts = root("iam", ahead), root("sts", ahead)
    name = f"r-{uuid.uuid4().hex[:8]}"
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_for({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))["Role"]["Arn"]
    iam.attach_role_policy(RoleName=name, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    creds = sts.assume_role(RoleArn=arn, RoleSessionName="late", DurationSeconds=900)["Credentials"]
    session = dict(key=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=creds["SessionToken"])
    expired = "The security token included in the request is expired"
    cases = [
        ("lambda", lambda c: c.list_functions(), 403, "ExpiredTokenException"),
        ("sts", lambda c: c.get_caller_identity(), 403, "ExpiredToken"),
        ("iam", lambda c: c.list_roles(), 403, "ExpiredToken"),
        ("logs", lambda c: c.describe_log_groups(), 403, "ExpiredTokenException"),
    ]
    for service, call, status, code in cases:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            call(client(service, ahead.url, **session))
        assert denied(e) == (status, code, expired), service
    # Long-term keys do not expire.
    assert root("sts", ahead).get_caller_identity()["Account"] == ACCOUNT


def test_sns_delivers_to_a_queue_only_when_the_queue_policy_lets_it(server):
    sns, sqs = root("sns", server), root("sqs", server)
    topic = sns.create_topic(Name=f"t-{uuid.uuid4().hex[:8]}")["TopicArn"]
    url = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    refusal = f"the policy of {arn} does not let sns.amazonaws.com send to it"
    sns.publish(TopicArn=topic, Message="refused")
    wait_for(lambda: refusal in server.log(), what="the refusal in the log")
    # A policy for another topic does not count.
    def policy_for(source):
        return queue_policy({"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
                             "Resource": arn, "Condition": {"ArnEquals": {"aws:SourceArn": source}}})
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy_for(f"{topic}-other")})
    sns.publish(TopicArn=topic, Message="still refused")
    wait_for(lambda: server.log().count(refusal) >= 2, what="the second refusal in the log")
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy_for(topic)})
    sns.publish(TopicArn=topic, Message="delivered")
    got = []

    def received():
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            got.append(m["Body"])
        return "delivered" in got

    wait_for(received, what="the permitted delivery")
    assert got == ["delivered"]


def test_a_mapping_needs_an_execution_role_that_may_read_the_source(server):
    iam, lam = root("iam", server), root("lambda", server)
    sqs, kinesis = root("sqs", server), root("kinesis", server)
    role_name = f"reader-{uuid.uuid4().hex[:8]}"
    role_arn = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]
    name = f"fn-{uuid.uuid4().hex[:8]}"
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=role_arn, Handler="app.handler",
                        Code={"ZipFile": make_zip({"app.py": SOURCE})})
    wait_active(lam, name)
    queue_url = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    stream = f"s-{uuid.uuid4().hex[:8]}"
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    stream_arn = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamARN"]

    def refused(source, **extra):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            lam.create_event_source_mapping(FunctionName=name, EventSourceArn=source, **extra)
        return denied(e)

    assert refused(queue_arn) == (
        400, "InvalidParameterValueException",
        "The function execution role does not have permissions to call ReceiveMessage on SQS")
    assert refused(stream_arn, StartingPosition="LATEST") == (
        400, "InvalidParameterValueException",
        f"Cannot access stream {stream_arn}. Please ensure the role can perform the GetRecords, "
        "GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM.")
    # ReceiveMessage alone is not enough: the next action AWS asks for is named.
    iam.put_role_policy(RoleName=role_name, PolicyName="receive",
                        PolicyDocument=json.dumps(allow(["sqs:ReceiveMessage"], queue_arn)))
    assert refused(queue_arn)[2] == "The function execution role does not have permissions to call DeleteMessage on SQS"
    for managed in ("AWSLambdaSQSQueueExecutionRole", "AWSLambdaKinesisExecutionRole"):
        iam.attach_role_policy(RoleName=role_name, PolicyArn=f"arn:aws:iam::aws:policy/service-role/{managed}")
    assert lam.create_event_source_mapping(FunctionName=name, EventSourceArn=queue_arn)["State"] == "Creating"
    created = lam.create_event_source_mapping(FunctionName=name, EventSourceArn=stream_arn, StartingPosition="LATEST")
    assert created["EventSourceArn"] == stream_arn
