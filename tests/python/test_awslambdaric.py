"""The official Python runtime interface client (awslambdaric) as the runtime
of a provided.al2023 function: it talks to laminar's Runtime API exactly as it
does in AWS."""

from __future__ import annotations

import base64
import json
import shlex
import sys

import pytest

import awslambdaric  # noqa: F401  (the runtime below needs it in this interpreter)

from laminar_testing import ACCOUNT, REGION, ROLE, make_zip, wait_active

APP_PY = """\
import os

INVOCATIONS = 0


def handler(event, context):
    global INVOCATIONS
    INVOCATIONS += 1
    print(f"awslambdaric handler call {INVOCATIONS}")
    client_context = context.client_context
    return {
        "event": event,
        "aws_request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "invoked_function_arn": context.invoked_function_arn,
        "log_group_name": context.log_group_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "custom": client_context.custom if client_context else None,
        "invocations": INVOCATIONS,
        "pid": os.getpid(),
        "task_root": os.environ.get("LAMBDA_TASK_ROOT"),
        "cwd": os.getcwd(),
    }


def trace(event, context):
    return os.environ.get("_X_AMZN_TRACE_ID")


class PaymentDeclined(Exception):
    pass


def fail(event, context):
    raise PaymentDeclined(f"card {event.get('card', '?')} was declined")
"""


def bootstrap_script() -> str:
    """The custom runtime's entry point: awslambdaric on this interpreter,
    serving the handler the function is configured with."""
    python = shlex.quote(sys.executable)
    return (
        "#!/bin/sh\n"
        "set -e\n"
        # Not strictly needed here (`-m` puts the working directory, the task
        # root, on sys.path), but it is what the managed runtimes do.
        'export PYTHONPATH="${LAMBDA_TASK_ROOT}${PYTHONPATH:+:$PYTHONPATH}"\n'
        f'exec {python} -m awslambdaric "$_HANDLER"\n'
    )


def package() -> bytes:
    return make_zip(
        {"bootstrap": bootstrap_script(), "app.py": APP_PY},
        modes={"bootstrap": 0o755},
    )


@pytest.fixture
def ric_function(lambda_, function_name):
    def create(handler: str, name: str = function_name, **kwargs):
        lambda_.create_function(
            FunctionName=name,
            Runtime="provided.al2023",
            Role=ROLE,
            Handler=handler,
            Code={"ZipFile": package()},
            MemorySize=256,
            Timeout=30,
            **kwargs,
        )
        wait_active(lambda_, name)
        return name

    return create


def invoke(client, name: str, payload: dict, **kwargs):
    response = client.invoke(FunctionName=name, Payload=json.dumps(payload).encode(), **kwargs)
    body = json.loads(response["Payload"].read())
    return response, body


def test_handler_sees_event_and_context(lambda_, ric_function):
    name = ric_function("app.handler")
    custom = {"tenant": "acme", "trace": "42"}
    client_context = base64.b64encode(
        json.dumps({"custom": custom, "env": {"platform": "test"}, "client": {}}).encode()
    ).decode()

    response, body = invoke(
        lambda_, name, {"order": 7, "items": ["a", "b"]}, ClientContext=client_context, LogType="Tail"
    )
    assert response["StatusCode"] == 200
    assert "FunctionError" not in response, body
    assert response["ExecutedVersion"] == "$LATEST"

    assert body["event"] == {"order": 7, "items": ["a", "b"]}
    assert body["function_name"] == name
    assert body["function_version"] == "$LATEST"
    assert body["memory_limit_in_mb"] == "256"
    assert body["invoked_function_arn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    assert body["log_group_name"] == f"/aws/lambda/{name}"
    assert 0 < body["remaining_ms"] <= 30_000
    assert body["custom"] == custom
    assert body["cwd"] == body["task_root"]

    log = base64.b64decode(response["LogResult"]).decode()
    request_id = body["aws_request_id"]
    assert len(request_id) == 36
    assert f"START RequestId: {request_id} Version: $LATEST" in log, log
    assert "awslambdaric handler call 1" in log, log
    assert f"END RequestId: {request_id}" in log, log
    assert f"REPORT RequestId: {request_id}" in log, log
    assert "Init Duration: " in log, log  # a cold start


def test_the_environment_is_reused(lambda_, ric_function):
    name = ric_function("app.handler")
    _, first = invoke(lambda_, name, {"n": 1})
    response, second = invoke(lambda_, name, {"n": 2}, LogType="Tail")
    assert "FunctionError" not in response, second

    assert (first["invocations"], second["invocations"]) == (1, 2)
    assert first["pid"] == second["pid"]
    assert first["aws_request_id"] != second["aws_request_id"]
    assert second["event"] == {"n": 2}
    assert second["custom"] is None
    log = base64.b64decode(response["LogResult"]).decode()
    assert "Init Duration: " not in log, log  # a warm start


def test_a_raising_handler_is_an_unhandled_function_error(lambda_, ric_function):
    name = ric_function("app.fail")
    response, body = invoke(lambda_, name, {"card": "4242"}, LogType="Tail")
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "PaymentDeclined"
    assert body["errorMessage"] == "card 4242 was declined"
    assert len(body.get("requestId", "")) == 36, body
    assert isinstance(body.get("stackTrace"), list) and body["stackTrace"], body
    assert any("app.py" in frame for frame in body["stackTrace"]), body
    log = base64.b64decode(response["LogResult"]).decode()
    assert "PaymentDeclined" in log, log
    assert "END RequestId: " in log and "REPORT RequestId: " in log, log

    # An exception in the handler does not cost the environment: the same
    # runtime answers the next invocation.
    response, body = invoke(lambda_, name, {"card": "1111"}, LogType="Tail")
    assert response["FunctionError"] == "Unhandled"
    assert body["errorMessage"] == "card 1111 was declined"
    log = base64.b64decode(response["LogResult"]).decode()
    assert "Init Duration: " not in log, log


def test_a_missing_handler_is_an_init_error(lambda_, ric_function):
    name = ric_function("app.no_such_handler")
    response, body = invoke(lambda_, name, {})
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.HandlerNotFound", body
    assert "no_such_handler" in body["errorMessage"], body


def test_each_invoke_has_its_own_trace_id(lambda_, ric_function):
    """awslambdaric sets _X_AMZN_TRACE_ID from each invocation's
    Lambda-Runtime-Trace-Id: one environment, a new trace every invoke."""
    import re

    name = ric_function("app.trace")
    first = invoke(lambda_, name, {})[1]
    second = invoke(lambda_, name, {})[1]
    pattern = r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0"
    assert re.fullmatch(pattern, first), first
    assert re.fullmatch(pattern, second), second
    assert first != second
