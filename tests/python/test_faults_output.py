"""Nothing a function prints is lost: every line written before an
invocation ends reaches CloudWatch Logs inside that invocation's START and
REPORT (and the tail of a `LogType=Tail` invoke), in both executors, for
synchronous and `Event` invokes alike, and also when the runtime crashes or
times out right after printing."""

from __future__ import annotations

import base64
import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import assert_no_panics
from extension_testing import require_docker
from laminar_testing import Laminar, create_python_function, service_client, wait_for

# python3.11: the Python image the Docker tests have (a stand-in).
# Enough invocations that a line arriving after its invocation's end shows:
# the loss this guards against struck about one Event invoke in forty.
SYNC_INVOKES = 1000
EVENT_INVOKES = 1000

PRINTER = """\
import os, sys, time

def handler(event, context):
    print(f"token-{event['n']} {context.aws_request_id}")
    if event.get("then") == "crash":
        sys.stdout.flush()
        os._exit(3)
    if event.get("then") == "hang":
        time.sleep(30)
    return event["n"]
"""


@pytest.fixture(scope="module", params=["process", "docker"])
def server(request, tmp_path_factory):
    if request.param == "docker":
        require_docker()
    server = Laminar(tmp_dir=tmp_path_factory.mktemp("output"), executor=request.param).start()
    yield server
    server.stop()
    assert_no_panics(server)


def tail(answer: dict) -> str:
    return base64.b64decode(answer["LogResult"]).decode()


def reports_in(logs, group: str) -> list[dict]:
    """The group's REPORT events; none while the group does not exist yet
    (logs are written off the invoke path)."""
    found, token = [], None
    while True:
        kwargs = {"nextToken": token} if token else {}
        try:
            page = logs.filter_log_events(logGroupName=group, filterPattern="REPORT", **kwargs)
        except logs.exceptions.ResourceNotFoundException:
            return []
        found += page["events"]
        token = page.get("nextToken")
        if not token:
            return found


def invocations_in_log(logs, group: str) -> dict[str, list[str]]:
    """The lines of each invocation, by request id, from START to REPORT of
    every stream of the group; lines outside any invocation under ""."""
    lines: dict[str, list[str]] = {"": []}
    streams = logs.get_paginator("describe_log_streams").paginate(logGroupName=group)
    for page in streams:
        for stream in page["logStreams"]:
            current = ""
            token = None
            while True:
                kwargs = {"nextToken": token} if token else {}
                page_events = logs.get_log_events(
                    logGroupName=group, logStreamName=stream["logStreamName"], startFromHead=True, **kwargs
                )
                for event in page_events["events"]:
                    message = event["message"]
                    if message.startswith("START RequestId: "):
                        current = message.split()[2]
                        lines.setdefault(current, [])
                    lines[current].append(message)
                    if message.startswith("REPORT RequestId: "):
                        current = ""
                if page_events["nextForwardToken"] == token:
                    break
                token = page_events["nextForwardToken"]
    return lines


def test_every_printed_line_is_in_its_invocations_log(server, function_name):
    client = server.client()
    logs = service_client("logs", server.url)
    create_python_function(client, function_name, PRINTER, Runtime="python3.11", Timeout=10)
    # A few environments at most, so that the Docker engine is not flooded.
    client.put_function_concurrency(FunctionName=function_name, ReservedConcurrentExecutions=3)

    def sync(n: int) -> tuple[int, str]:
        answer = client.invoke(FunctionName=function_name, Payload=json.dumps({"n": n}), LogType="Tail")
        assert json.loads(answer["Payload"].read()) == n
        return n, tail(answer)

    with ThreadPoolExecutor(3) as pool:
        tails = dict(pool.map(sync, range(SYNC_INVOKES)))
    missing_in_tail = [n for n, text in tails.items() if f"token-{n} " not in text]
    assert not missing_in_tail, f"{len(missing_in_tail)} tails lack their line, e.g. {missing_in_tail[:5]}"

    def event(n: int) -> None:
        answer = client.invoke(FunctionName=function_name, Payload=json.dumps({"n": n}), InvocationType="Event")
        assert answer["StatusCode"] == 202

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(event, range(SYNC_INVOKES, SYNC_INVOKES + EVENT_INVOKES)))

    group = f"/aws/lambda/{function_name}"
    total = SYNC_INVOKES + EVENT_INVOKES

    wait_for(lambda: len(reports_in(logs, group)) >= total, timeout=180, what=f"{total} REPORT lines")
    invocations = invocations_in_log(logs, group)
    assert invocations.pop("") == [], "lines outside any invocation"
    assert len(invocations) == total
    tokens: dict[int, str] = {}
    for request_id, lines in invocations.items():
        printed = [line for line in lines if line.startswith("token-")]
        assert len(printed) == 1, (request_id, lines)
        n, printed_by = printed[0].split()
        assert printed_by == request_id, f"{printed[0]!r} is in the log of {request_id}"
        tokens[int(n.removeprefix("token-"))] = request_id
        assert lines[-1].startswith("REPORT RequestId: "), lines
    assert sorted(tokens) == list(range(total))


@pytest.mark.parametrize(
    "then, error_type",
    [("crash", "Runtime.ExitError"), ("hang", "Sandbox.Timedout")],
)
def test_a_line_printed_just_before_a_crash_or_timeout_is_kept(server, function_name, then, error_type):
    client = server.client()
    logs = service_client("logs", server.url)
    create_python_function(client, function_name, PRINTER, Runtime="python3.11", Timeout=2)
    for n in range(5):
        answer = client.invoke(
            FunctionName=function_name, Payload=json.dumps({"n": n, "then": then}), LogType="Tail"
        )
        assert answer.get("FunctionError") == "Unhandled"
        assert json.loads(answer["Payload"].read())["errorType"] == error_type
        request_id = answer["ResponseMetadata"]["RequestId"]
        assert f"token-{n} {request_id}" in tail(answer)
    group = f"/aws/lambda/{function_name}"
    wait_for(lambda: len(reports_in(logs, group)) >= 5, what="5 REPORT lines")
    invocations = invocations_in_log(logs, group)
    invocations.pop("")
    assert len(invocations) == 5
    for request_id, lines in invocations.items():
        assert [line for line in lines if line.startswith("token-")][0].endswith(request_id), lines


LATE = """\
import threading, time

def late():
    time.sleep(0.5)
    print("late line, after the answer", flush=True)

def handler(event, context):
    threading.Thread(target=late).start()
    return "answered"
"""


def test_a_line_printed_after_the_last_invocation_reaches_the_log_when_the_environment_stops(
    server, function_name
):
    """AWS keeps what an environment prints between invocations and at its
    end (background threads, SIGTERM handlers) in its log stream."""
    client = server.client()
    logs = service_client("logs", server.url)
    create_python_function(client, function_name, LATE, Runtime="python3.11", Timeout=5)
    client.invoke(FunctionName=function_name, Payload=b"{}")
    group = f"/aws/lambda/{function_name}"

    reports = wait_for(lambda: reports_in(logs, group), what="the invocation's REPORT")
    stream = reports[0]["logStreamName"]
    time.sleep(1.5)
    # A new revision retires the environment that printed.
    client.update_function_configuration(FunctionName=function_name, Description="retire")
    wait_for(
        lambda: any(
            e["message"] == "late line, after the answer"
            for e in logs.get_log_events(logGroupName=group, logStreamName=stream)["events"]
        ),
        timeout=20,
        what="the late line in the environment's stream",
    )
    messages = [e["message"] for e in logs.get_log_events(logGroupName=group, logStreamName=stream)["events"]]
    assert messages.index("late line, after the answer") > max(
        i for i, m in enumerate(messages) if m.startswith("REPORT RequestId: ")
    ), messages


@pytest.mark.parametrize("executor", ["process", "docker"])
def test_a_line_printed_after_the_last_invocation_is_kept_when_laminar_stops(
    executor, laminar_factory, tmp_path, function_name
):
    if executor == "docker":
        require_docker()
    data = tmp_path / "data"
    first = laminar_factory(data_dir=data, executor=executor, extra_args=["--prewarm", "0"])
    client = first.client()
    create_python_function(client, function_name, LATE, Runtime="python3.11", Timeout=5)
    client.invoke(FunctionName=function_name, Payload=b"{}")
    time.sleep(1.5)
    assert first.stop() == 0
    again = laminar_factory(data_dir=data, executor=executor, extra_args=["--prewarm", "0"])
    logs = service_client("logs", again.url)
    group = f"/aws/lambda/{function_name}"
    messages = [e["message"] for e in logs.filter_log_events(logGroupName=group)["events"]]
    assert "late line, after the answer" in messages, messages
