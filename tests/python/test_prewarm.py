"""Environments initialized ahead of demand (`--prewarm N`).

AWS initializes execution environments before invokes need them ("proactive
initialization"): the first invoke of such an environment reports no
`Init Duration` in its REPORT line, and its init type stays `on-demand`.
laminar keeps one environment per recently used function revision
initialized after a create or update settles and after a cold start, at most
N of them waiting (the least recently parked one makes room).
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest

from conftest import assert_no_panics
from laminar_testing import Laminar, create_python_function, process_alive as alive, wait_for
from test_faults_security import docker_answers

# Marks its import with a file named after the process, once init is done.
MODULE = """
import os, time
IMPORTED_AT = time.time()
open(os.path.join(os.environ["MARKS"], str(os.getpid())), "w").close()

def handler(event, context):
    return {
        "imported_at": IMPORTED_AT,
        "init_type": os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"],
        "pid": os.getpid(),
    }
"""


def create(client, name: str, marks: Path) -> None:
    marks.mkdir(parents=True)
    create_python_function(client, name, MODULE, Environment={"Variables": {"MARKS": str(marks)}})


def invoke(client, name: str) -> tuple[dict, str]:
    answer = client.invoke(FunctionName=name, Payload=b"{}", LogType="Tail")
    return json.loads(answer["Payload"].read()), base64.b64decode(answer["LogResult"]).decode()


def started(marks: Path) -> set[int]:
    return {int(p.name) for p in marks.iterdir()}


def parked(marks: Path) -> int:
    """The environment initialized ahead of demand, once it waits on /next."""
    pids = wait_for(lambda: started(marks), what="an environment initialized ahead of demand")
    # The runtime asks for its first event right after its import.
    time.sleep(0.5)
    return next(iter(pids))


def test_the_first_invoke_after_a_create_finds_an_initialized_environment(laminar_factory, function_name, tmp_path):
    client = laminar_factory().client()
    marks = tmp_path / "marks"
    create(client, function_name, marks)
    pid = parked(marks)
    before = time.time()
    result, log = invoke(client, function_name)
    assert result["pid"] == pid
    assert result["imported_at"] < before
    assert result["init_type"] == "on-demand"
    assert "Init Duration" not in log, log
    # The cold start it spared is made up for: another one waits.
    wait_for(lambda: len(started(marks)) == 2, what="the next environment initialized ahead of demand")


def test_an_update_initializes_the_new_revision(laminar_factory, function_name, tmp_path):
    client = laminar_factory().client()
    marks = tmp_path / "marks"
    create(client, function_name, marks)
    parked(marks)
    client.update_function_configuration(
        FunctionName=function_name, Environment={"Variables": {"MARKS": str(marks), "SECOND": "1"}}
    )
    client.get_waiter("function_updated_v2").wait(FunctionName=function_name)
    wait_for(lambda: len(started(marks)) == 2, what="the updated revision's environment")
    time.sleep(0.5)
    before = time.time()
    result, log = invoke(client, function_name)
    assert result["imported_at"] < before
    assert "Init Duration" not in log, log


def test_without_prewarming_the_first_invoke_is_a_cold_start(laminar_factory, function_name, tmp_path):
    client = laminar_factory(extra_args=["--prewarm", "0"]).client()
    marks = tmp_path / "marks"
    create(client, function_name, marks)
    before = time.time()
    result, log = invoke(client, function_name)
    assert result["imported_at"] > before
    assert "Init Duration: " in log, log
    assert started(marks) == {result["pid"]}


def test_the_budget_keeps_the_most_recently_used(laminar_factory, function_name, tmp_path):
    client = laminar_factory(extra_args=["--prewarm", "2"]).client()
    names = [f"{function_name}-{i}" for i in range(4)]
    for name in names:
        create(client, name, tmp_path / name)
        parked(tmp_path / name)
    waiting = lambda: {n for n in names if any(alive(p) for p in started(tmp_path / n))}  # noqa: E731
    wait_for(lambda: waiting() == set(names[2:]), what="the two most recent to stay")
    _, log = invoke(client, names[0])
    assert "Init Duration: " in log, log
    _, log = invoke(client, names[3])
    assert "Init Duration" not in log, log


@pytest.mark.skipif(not docker_answers(), reason="no Docker engine with the test images")
def test_a_container_is_initialized_ahead_of_demand(tmp_path, function_name):
    server = Laminar(tmp_dir=tmp_path, executor="docker").start()
    try:
        client = server.client()
        source = "import time\nIMPORTED_AT = time.time()\n\ndef handler(event, context):\n    return {'imported_at': IMPORTED_AT}\n"
        create_python_function(client, function_name, source, Runtime="python3.11")
        # Created, started and waiting on /next in the background.
        time.sleep(3)
        before = time.time()
        result, log = invoke(client, function_name)
        assert result["imported_at"] < before
        assert "Init Duration" not in log, log
    finally:
        server.stop()
    assert_no_panics(server)
