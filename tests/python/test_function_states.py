"""Function states as AWS moves them, compared whole (ids and times redacted).

AWS's recorded answers (the Lambda developer guide's "Lambda function states"
and published CLI transcripts): CreateFunction answers `State: Pending`,
`StateReason: "The function is being created."`, `StateReasonCode: Creating`
and no `LastUpdateStatus`; the function becomes `Active` with
`LastUpdateStatus: Successful` and a new `RevisionId`. The update operations
answer `LastUpdateStatus: InProgress` with the same reason and code, then
`Successful`. While a function is `Pending`, an invoke is a
`ResourceConflictException` ("The operation cannot be performed at this time.
The function is currently in the following state: Pending"); while an update
is in progress, another update is one too ("... An update is in progress for
resource: <arn>"). The SDKs' waiters see the transitions and end.
"""

from __future__ import annotations

import threading
import time

import botocore.exceptions
import pytest

from laminar_testing import (
    ACCOUNT,
    IN_PROGRESS,
    PENDING,
    REGION,
    ROLE,
    WAITER_CONFIG,
    expected_config,
    make_zip,
    redacted,
    wait_active,
    wait_updated,
)

HELLO = "def handler(event, context):\n    return {'hello': event.get('name', 'world')}\n"
def create(client, name: str, package: bytes, **kwargs) -> dict:
    return client.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": package},
        **kwargs,
    )


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
        "content-type": headers.get("content-type"),
        **response,
    }


def conflict(message: str) -> dict:
    return {
        "status": 409,
        "x-amzn-errortype": "ResourceConflictException",
        "content-type": "application/json",
        "Error": {"Code": "ResourceConflictException", "Message": message},
        "Type": "User",
        "message": message,
    }


PENDING_CONFLICT = conflict(
    "The operation cannot be performed at this time. "
    "The function is currently in the following state: Pending"
)


def update_conflict(arn: str) -> dict:
    return conflict(
        "The operation cannot be performed at this time. "
        f"An update is in progress for resource: {arn}"
    )


@pytest.fixture
def slow(laminar_factory):
    """A laminar whose functions stay Pending long enough to observe."""
    return laminar_factory(extra_args=["--pending-ms", "1500"])


def test_create_answers_pending_then_the_waiter_sees_active(lambda_, function_name):
    package = make_zip({"app.py": HELLO})
    created = create(lambda_, function_name, package)
    assert redacted(created) == expected_config(function_name, package, **PENDING)

    lambda_.get_waiter("function_active_v2").wait(FunctionName=function_name, WaiterConfig=WAITER_CONFIG)
    got = lambda_.get_function(FunctionName=function_name)
    assert redacted(got["Configuration"]) == expected_config(function_name, package)
    # Becoming Active is a change of the configuration: a new revision.
    assert got["Configuration"]["RevisionId"] != created["RevisionId"]
    assert got["Configuration"]["LastModified"] == created["LastModified"]
    assert lambda_.invoke(FunctionName=function_name, Payload=b'{"name": "states"}')["StatusCode"] == 200


def test_pending_refuses_invokes_and_updates(slow):
    client = slow.client()
    package = make_zip({"app.py": HELLO})
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:pending"
    create(client, "pending", package)
    assert client.get_function_configuration(FunctionName="pending")["State"] == "Pending"

    assert error(lambda: client.invoke(FunctionName="pending", Payload=b"{}")) == PENDING_CONFLICT
    assert error(lambda: client.invoke(FunctionName="pending", InvocationType="Event", Payload=b"{}")) == (
        PENDING_CONFLICT
    )
    assert error(lambda: client.update_function_configuration(FunctionName="pending", Timeout=9)) == (
        PENDING_CONFLICT
    )
    assert error(lambda: client.update_function_code(FunctionName="pending", ZipFile=package)) == (
        PENDING_CONFLICT
    )
    assert error(lambda: client.publish_version(FunctionName="pending")) == update_conflict(arn)
    # Reads and the function's other settings are not refused.
    client.put_function_concurrency(FunctionName="pending", ReservedConcurrentExecutions=5)
    assert client.get_function(FunctionName="pending")["Configuration"]["Timeout"] == 3

    wait_active(client, "pending")
    assert client.invoke(FunctionName="pending", Payload=b"{}")["StatusCode"] == 200


def test_updates_answer_in_progress_then_successful(slow):
    client = slow.client()
    name = "updated"
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    package = make_zip({"app.py": HELLO})
    create(client, name, package)
    wait_active(client, name)
    before = client.get_function_configuration(FunctionName=name)

    changed = client.update_function_configuration(FunctionName=name, Timeout=9, Description="nine")
    assert redacted(changed) == expected_config(name, package, Timeout=9, Description="nine", **IN_PROGRESS)
    assert changed["RevisionId"] != before["RevisionId"]
    # An invoke during the update is not refused.
    assert client.invoke(FunctionName=name, Payload=b"{}")["StatusCode"] == 200
    assert error(lambda: client.update_function_configuration(FunctionName=name, Timeout=10)) == (
        update_conflict(arn)
    )
    assert error(lambda: client.update_function_code(FunctionName=name, ZipFile=package)) == (
        update_conflict(arn)
    )
    assert error(lambda: client.publish_version(FunctionName=name)) == update_conflict(arn)

    client.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig=WAITER_CONFIG)
    settled = client.get_function_configuration(FunctionName=name)
    assert redacted(settled) == expected_config(name, package, Timeout=9, Description="nine")
    assert settled["RevisionId"] != changed["RevisionId"]

    second = make_zip({"app.py": HELLO.replace("world", "code")})
    code = client.update_function_code(FunctionName=name, ZipFile=second)
    assert redacted(code) == expected_config(name, second, Timeout=9, Description="nine", **IN_PROGRESS)
    wait_updated(client, name)
    assert redacted(client.get_function_configuration(FunctionName=name)) == expected_config(
        name, second, Timeout=9, Description="nine"
    )


def test_a_published_version_goes_pending_then_active(slow):
    client = slow.client()
    name = "versioned"
    package = make_zip({"app.py": HELLO})
    create(client, name, package)
    wait_active(client, name)

    published = client.publish_version(FunctionName=name)
    assert redacted(published) == expected_config(
        name,
        package,
        FunctionArn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}:1",
        Version="1",
        **PENDING,
    )
    assert error(lambda: client.invoke(FunctionName=name, Qualifier="1", Payload=b"{}")) == PENDING_CONFLICT
    # $LATEST is not held up by its version.
    assert client.invoke(FunctionName=name, Payload=b"{}")["StatusCode"] == 200

    client.get_waiter("published_version_active").wait(
        FunctionName=name, Qualifier="1", WaiterConfig=WAITER_CONFIG
    )
    version = client.get_function_configuration(FunctionName=name, Qualifier="1")
    assert redacted(version) == expected_config(
        name,
        package,
        FunctionArn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}:1",
        Version="1",
    )
    assert version["RevisionId"] != published["RevisionId"]
    assert client.invoke(FunctionName=name, Qualifier="1", Payload=b"{}")["ExecutedVersion"] == "1"


def test_function_exists_waiter_ends_when_the_function_appears(lambda_, function_name):
    package = make_zip({"app.py": HELLO})
    missing = lambda_.get_waiter("function_exists")
    with pytest.raises(botocore.exceptions.WaiterError):
        missing.wait(FunctionName=function_name, WaiterConfig={"Delay": 0.05, "MaxAttempts": 2})

    later = threading.Timer(0.3, lambda: create(lambda_, function_name, package))
    later.start()
    try:
        lambda_.get_waiter("function_exists").wait(FunctionName=function_name, WaiterConfig=WAITER_CONFIG)
    finally:
        later.join()
    assert lambda_.get_function(FunctionName=function_name)["Configuration"]["FunctionName"] == function_name


def test_the_pending_time_is_configurable(laminar_factory):
    server = laminar_factory(extra_args=["--pending-ms", "600"])
    client = server.client()
    create(client, "timed", make_zip({"app.py": HELLO}))
    started = time.monotonic()
    time.sleep(0.3)
    assert client.get_function_configuration(FunctionName="timed")["State"] == "Pending"
    wait_active(client, "timed")
    assert time.monotonic() - started < 5


def test_a_function_left_pending_by_a_crash_settles_after_restart(laminar_factory, tmp_path):
    data_dir = tmp_path / "state"
    first = laminar_factory(data_dir=data_dir, extra_args=["--pending-ms", "60000"])
    client = first.client()
    package = make_zip({"app.py": HELLO})
    create(client, "interrupted", package)
    assert client.get_function_configuration(FunctionName="interrupted")["State"] == "Pending"
    first.kill()

    second = laminar_factory(data_dir=data_dir)
    client = second.client()
    wait_active(client, "interrupted")
    assert redacted(client.get_function_configuration(FunctionName="interrupted")) == expected_config(
        "interrupted", package
    )
