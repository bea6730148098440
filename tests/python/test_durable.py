"""Durable executions through boto3: a durable function (one with a
DurableConfig) speaks the durable invocation protocol itself — it reads the
envelope (DurableExecutionArn, CheckpointToken, InitialExecutionState),
checkpoints its operations with CheckpointDurableExecution through boto3
(AWS_ENDPOINT_URL, which laminar sets), and answers {"Status": ...}."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from laminar_testing import create_python_function, wait_for

DURABLE_PY = """\
import json
import os

import boto3


def handler(event, context):
    lam = boto3.client("lambda", endpoint_url=os.environ["AWS_ENDPOINT_URL"],
                       region_name=os.environ.get("AWS_REGION", "us-east-1"))
    arn = event["DurableExecutionArn"]
    token = event["CheckpointToken"]
    operations = event["InitialExecutionState"]["Operations"]
    ops = {o["Id"]: o for o in operations}
    execution = next(o for o in operations if o["Type"] == "EXECUTION")
    request = json.loads(execution["ExecutionDetails"]["InputPayload"])

    def checkpoint(*updates):
        nonlocal token
        answer = lam.checkpoint_durable_execution(
            DurableExecutionArn=arn, CheckpointToken=token, Updates=list(updates))
        token = answer["CheckpointToken"]
        return answer

    step = ops.get("double")
    if step and step["Status"] == "SUCCEEDED":
        value = json.loads(step["StepDetails"]["Result"])
    else:
        value = request.get("x", 0) * 2
        checkpoint({"Id": "double", "Type": "STEP", "Action": "START", "Name": "double"},
                   {"Id": "double", "Type": "STEP", "Action": "SUCCEED", "Payload": json.dumps(value)})
    result = {"doubled": value}

    if request.get("wait"):
        wait = ops.get("pause")
        if wait is None:
            checkpoint({"Id": "pause", "Type": "WAIT", "Action": "START", "WaitOptions": {"WaitSeconds": 1}})
            return {"Status": "PENDING"}
        if wait["Status"] != "SUCCEEDED":
            return {"Status": "PENDING"}
        result["waited"] = True

    if request.get("callback"):
        callback = ops.get("approval")
        if callback is None:
            checkpoint({"Id": "approval", "Type": "CALLBACK", "Action": "START",
                        "CallbackOptions": {"TimeoutSeconds": 300}})
            return {"Status": "PENDING"}
        if callback["Status"] == "STARTED":
            return {"Status": "PENDING"}
        if callback["Status"] != "SUCCEEDED":
            return {"Status": "FAILED", "Error": callback["CallbackDetails"].get("Error", {})}
        result["callback"] = json.loads(callback["CallbackDetails"]["Result"])

    return {"Status": "SUCCEEDED", "Result": json.dumps(result)}
"""

DURABLE_CONFIG = {"ExecutionTimeout": 600, "RetentionPeriodInDays": 1}


def create_durable(client, name: str):
    create_python_function(client, name, DURABLE_PY, Timeout=30, DurableConfig=DURABLE_CONFIG)


def start(client, name: str, payload: dict, execution_name: str | None = None) -> str:
    params = dict(FunctionName=name, InvocationType="Event", Payload=json.dumps(payload).encode())
    if execution_name:
        params["DurableExecutionName"] = execution_name
    resp = client.invoke(**params)
    assert resp["StatusCode"] == 202
    arn = resp["DurableExecutionArn"]
    assert resp["ResponseMetadata"]["HTTPHeaders"]["x-amz-durable-execution-arn"] == arn
    return arn


def status_becomes(client, arn: str, status: str, timeout=30.0) -> dict:
    return wait_for(
        lambda: (lambda e: e if e["Status"] == status else None)(client.get_durable_execution(DurableExecutionArn=arn)),
        timeout=timeout,
        what=f"execution {arn} to be {status}",
    )


def event_types(client, arn: str, **params) -> list[str]:
    events = client.get_durable_execution_history(DurableExecutionArn=arn, **params)["Events"]
    return [e["EventType"] for e in events]


def callback_id(client, arn: str) -> str:
    def find():
        for event in client.get_durable_execution_history(DurableExecutionArn=arn)["Events"]:
            if event["EventType"] == "CallbackStarted":
                return event["CallbackStartedDetails"]["CallbackId"]
        return None

    return wait_for(find, what="the CALLBACK operation to start")


def error_code(excinfo) -> tuple[str, int]:
    err = excinfo.value.response
    return err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]


def test_a_step_is_checkpointed_and_the_execution_succeeds(lambda_, function_name):
    create_durable(lambda_, function_name)
    config = lambda_.get_function_configuration(FunctionName=function_name)
    assert config["DurableConfig"]["ExecutionTimeout"] == 600

    arn = start(lambda_, function_name, {"x": 21}, execution_name="first-run")
    assert arn.startswith(config["FunctionArn"] + ":$LATEST/durable-execution/first-run/")

    done = status_becomes(lambda_, arn, "SUCCEEDED")
    assert json.loads(done["Result"]) == {"doubled": 42}
    assert json.loads(done["InputPayload"]) == {"x": 21}
    assert done["DurableExecutionName"] == "first-run"
    assert done["EndTimestamp"] >= done["StartTimestamp"]
    compact = lambda_.get_durable_execution(DurableExecutionArn=arn, IncludeExecutionData=False)
    assert "Result" not in compact and "InputPayload" not in compact

    types = event_types(lambda_, arn)
    assert types[0] == "ExecutionStarted" and types[-1] == "ExecutionSucceeded"
    assert ["StepStarted", "StepSucceeded"] == [t for t in types if t.startswith("Step")]
    assert "InvocationCompleted" in types
    assert event_types(lambda_, arn, ReverseOrder=True) == list(reversed(types))
    history = lambda_.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    step = next(e for e in history if e["EventType"] == "StepSucceeded")
    assert step["Name"] == "double" and step["StepSucceededDetails"]["Result"]["Payload"] == "42"
    compact = lambda_.get_durable_execution_history(DurableExecutionArn=arn, IncludeExecutionData=False)["Events"]
    assert "Payload" not in next(e for e in compact if e["EventType"] == "StepSucceeded")["StepSucceededDetails"]["Result"]
    first_page = lambda_.get_durable_execution_history(DurableExecutionArn=arn, MaxItems=2)
    assert len(first_page["Events"]) == 2 and first_page["NextMarker"]

    listed = lambda_.list_durable_executions_by_function(FunctionName=function_name)["DurableExecutions"]
    assert [(e["DurableExecutionArn"], e["Status"]) for e in listed] == [(arn, "SUCCEEDED")]
    assert lambda_.list_durable_executions_by_function(FunctionName=function_name, Statuses=["RUNNING"])[
        "DurableExecutions"] == []
    assert lambda_.list_durable_executions_by_function(FunctionName=function_name, DurableExecutionName="other")[
        "DurableExecutions"] == []

    # The same name and input: the same execution; another input: a conflict.
    assert start(lambda_, function_name, {"x": 21}, execution_name="first-run") == arn
    with pytest.raises(ClientError) as excinfo:
        start(lambda_, function_name, {"x": 22}, execution_name="first-run")
    assert error_code(excinfo) == ("DurableExecutionAlreadyStartedException", 409)

    # The execution is over: its tokens no longer checkpoint.
    with pytest.raises(ClientError) as excinfo:
        lambda_.get_durable_execution_state(DurableExecutionArn=arn, CheckpointToken="bm90LWEtdG9rZW4=")
    assert error_code(excinfo) == ("InvalidParameterValueException", 400)


def test_a_synchronous_invoke_answers_the_result(lambda_, function_name):
    create_durable(lambda_, function_name)
    resp = lambda_.invoke(FunctionName=function_name, Payload=b'{"x": 5, "wait": true}')
    assert resp["StatusCode"] == 200 and "FunctionError" not in resp
    assert json.loads(resp["Payload"].read()) == {"doubled": 10, "waited": True}
    arn = resp["DurableExecutionArn"]
    types = event_types(lambda_, arn)
    assert "WaitStarted" in types and "WaitSucceeded" in types
    # Suspended on the WAIT, re-invoked when it ended: two invocations.
    assert types.count("InvocationCompleted") == 2


def test_a_callback_resumes_the_execution(lambda_, function_name):
    create_durable(lambda_, function_name)
    arn = start(lambda_, function_name, {"x": 1, "callback": True})
    cb = callback_id(lambda_, arn)
    assert lambda_.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING"
    lambda_.send_durable_execution_callback_heartbeat(CallbackId=cb)
    lambda_.send_durable_execution_callback_success(CallbackId=cb, Result=b'"approved"')
    done = status_becomes(lambda_, arn, "SUCCEEDED")
    assert json.loads(done["Result"]) == {"doubled": 2, "callback": "approved"}
    assert "CallbackSucceeded" in event_types(lambda_, arn)

    with pytest.raises(ClientError) as excinfo:
        lambda_.send_durable_execution_callback_success(CallbackId=cb, Result=b'"again"')
    assert error_code(excinfo) == ("CallbackTimeoutException", 400)
    with pytest.raises(ClientError) as excinfo:
        lambda_.send_durable_execution_callback_failure(CallbackId="Y29uZm9ybWFuY2UtbWlzc2luZw==")
    assert error_code(excinfo) == ("ResourceNotFoundException", 404)


def test_a_failed_callback_fails_the_execution(lambda_, function_name):
    create_durable(lambda_, function_name)
    arn = start(lambda_, function_name, {"callback": True})
    lambda_.send_durable_execution_callback_failure(
        CallbackId=callback_id(lambda_, arn), Error={"ErrorType": "Rejected", "ErrorMessage": "no"})
    failed = status_becomes(lambda_, arn, "FAILED")
    assert failed["Error"]["ErrorType"] == "Rejected"


def test_pause_resume_stop_and_delete(lambda_, function_name):
    create_durable(lambda_, function_name)
    arn = start(lambda_, function_name, {"callback": True})
    callback_id(lambda_, arn)

    lambda_.pause_durable_execution(DurableExecutionArn=arn, Reason="maintenance")
    paused = lambda_.get_durable_execution(DurableExecutionArn=arn)
    assert paused["Status"] == "PAUSED" and paused["PauseDetails"]["Reason"] == "maintenance"
    with pytest.raises(ClientError) as excinfo:
        lambda_.pause_durable_execution(DurableExecutionArn=arn)
    assert error_code(excinfo) == ("ResourceConflictException", 409)
    lambda_.resume_durable_execution(DurableExecutionArn=arn)
    assert lambda_.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING"

    stopped = lambda_.stop_durable_execution(
        DurableExecutionArn=arn, Error={"ErrorType": "Cancelled", "ErrorMessage": "by the operator"})
    assert stopped["StopTimestamp"]
    execution = lambda_.get_durable_execution(DurableExecutionArn=arn)
    assert execution["Status"] == "STOPPED" and execution["Error"]["ErrorMessage"] == "by the operator"
    types = event_types(lambda_, arn)
    assert {"ExecutionPaused", "ExecutionResumed"} <= set(types) and types[-1] == "ExecutionStopped"

    assert lambda_.delete_durable_execution(DurableExecutionArn=arn)["DeletionRequestTimestamp"]
    with pytest.raises(ClientError) as excinfo:
        lambda_.get_durable_execution(DurableExecutionArn=arn)
    assert error_code(excinfo) == ("ResourceNotFoundException", 404)
    assert lambda_.list_durable_executions_by_function(FunctionName=function_name)["DurableExecutions"] == []


def test_another_account_or_region_cannot_see_an_execution(laminar, lambda_, function_name):
    """Durable executions are scoped like every other resource: a caller of
    another account or region gets the ResourceNotFoundException it would
    get for a missing one, and cannot change the execution."""
    create_durable(lambda_, function_name)
    arn = start(lambda_, function_name, {"callback": True})
    cb = callback_id(lambda_, arn)
    def client(access_key: str, region: str):
        return boto3.client(
            "lambda", endpoint_url=laminar.url, region_name=region,
            aws_access_key_id=access_key, aws_secret_access_key="secret",
            config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))

    other_account = client("111122223333", "us-east-1")
    other_region = client("000000000000", "eu-west-1")
    for stranger in (other_account, other_region):
        for call in (
            lambda c: c.get_durable_execution(DurableExecutionArn=arn),
            lambda c: c.get_durable_execution_history(DurableExecutionArn=arn),
            lambda c: c.stop_durable_execution(DurableExecutionArn=arn),
            lambda c: c.delete_durable_execution(DurableExecutionArn=arn),
            lambda c: c.send_durable_execution_callback_success(CallbackId=cb, Result=b"1"),
        ):
            with pytest.raises(ClientError) as excinfo:
                call(stranger)
            assert error_code(excinfo) == ("ResourceNotFoundException", 404)
    assert lambda_.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING"
    lambda_.stop_durable_execution(DurableExecutionArn=arn)


def test_executions_survive_a_restart(laminar_factory, tmp_path):
    data_dir = tmp_path / "state"
    first = laminar_factory(data_dir=data_dir)
    client = first.client()
    create_durable(client, "durable-survivor")
    arn = start(client, "durable-survivor", {"x": 4, "callback": True}, execution_name="kept")
    cb = callback_id(client, arn)
    before = event_types(client, arn)
    first.stop()

    second = laminar_factory(data_dir=data_dir)
    client = second.client()
    execution = client.get_durable_execution(DurableExecutionArn=arn)
    assert execution["Status"] == "RUNNING" and execution["DurableExecutionName"] == "kept"
    assert event_types(client, arn)[: len(before)] == before
    client.send_durable_execution_callback_success(CallbackId=cb, Result=b"7")
    done = status_becomes(client, arn, "SUCCEEDED")
    assert json.loads(done["Result"]) == {"doubled": 8, "callback": 7}
