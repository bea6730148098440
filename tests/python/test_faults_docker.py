"""The Docker engine as a fault: unreachable at start-up, gone and back while
laminar runs (through a socket proxy of the test's own, never the machine's
daemon), and containers killed from outside."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time

import pytest

from conftest import assert_no_panics
from docker_proxy import DockerProxy, engine_is_here
from faults_testing import failed_start_with
from laminar_testing import Laminar, create_python_function, wait_for

IMAGE = "public.ecr.aws/lambda/python:3.11"
# These tests follow each container: none is initialized ahead of demand.
ONE_ENVIRONMENT = ["--prewarm", "0"]


def images_are_here() -> bool:
    if not engine_is_here():
        return False
    probe = subprocess.run(["docker", "image", "inspect", IMAGE], capture_output=True)
    return probe.returncode == 0


needs_engine = pytest.mark.skipif(
    not images_are_here() and os.environ.get("LAMINAR_REQUIRE_DOCKER") != "1",
    reason="no Docker engine with the test images",
)

SLEEPER = """\
import time


def handler(event, context):
    print("working", flush=True)
    time.sleep(event.get("sleep", 0))
    return {"slept": event.get("sleep", 0)}
"""


def containers_of(function: str, everything: bool = False) -> list[str]:
    """Containers laminar started for `function`, asked of the real engine."""
    args = ["docker", "ps", "-q", "--filter", "label=dev.laminar.managed"]
    if everything:
        args.append("-a")
    ids = subprocess.run(args, capture_output=True, text=True, check=True).stdout.split()
    mine = []
    for cid in ids:
        arn = subprocess.run(
            ["docker", "inspect", "-f", '{{index .Config.Labels "dev.laminar.function-arn"}}', cid],
            capture_output=True,
            text=True,
        ).stdout.strip()
        if arn.endswith(f":function:{function}"):
            mine.append(cid)
    return mine


def kill(container: str) -> None:
    subprocess.run(["docker", "kill", container], capture_output=True, check=True)


def invoke_in_background(client, name: str, event: dict) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run():
        started = time.monotonic()
        try:
            answer = client.invoke(FunctionName=name, Payload=json.dumps(event).encode())
            outcome["answer"] = answer
            outcome["payload"] = json.loads(answer["Payload"].read())
        except Exception as e:  # noqa: BLE001 — the test asserts what it was
            outcome["error"] = e
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def exit_error(request_id: str) -> dict:
    return {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: signal: killed",
    }


def assert_killed_mid_invoke(outcome: dict) -> None:
    assert "error" not in outcome, outcome
    answer = outcome["answer"]
    request_id = answer["ResponseMetadata"]["RequestId"]
    assert (answer["StatusCode"], answer.get("FunctionError")) == (200, "Unhandled")
    assert outcome["payload"] == exit_error(request_id)


# -- start-up -------------------------------------------------------------------


def test_an_unreachable_engine_stops_the_docker_executor(tmp_path):
    missing = tmp_path / "no-engine.sock"
    code, stderr = failed_start_with(
        ["--executor", "docker"], tmp_path / "data", env={"DOCKER_HOST": f"unix://{missing}"}
    )
    assert code != 0
    assert f"the docker executor cannot start (the engine at unix://{missing}): " in stderr, stderr


def test_auto_without_an_engine_runs_processes_and_says_why(tmp_path):
    missing = tmp_path / "no-engine.sock"
    server = Laminar(
        tmp_dir=tmp_path, executor="auto", env={"DOCKER_HOST": f"unix://{missing}"}
    ).start()
    try:
        client = server.client()
        create_python_function(client, "fallback", SLEEPER)
        answer = client.invoke(FunctionName="fallback", Payload=b"{}")
        assert json.loads(answer["Payload"].read()) == {"slept": 0}
    finally:
        server.stop()
    assert_no_panics(server)
    said = [line for line in server.lines if " INFO " in line and "no Docker engine" in line]
    assert said and f"unix://{missing}" in said[0], server.log()
    assert "functions run as local processes" in said[0], said


# -- containers killed from outside ----------------------------------------------


@needs_engine
def test_a_container_killed_mid_invoke_is_a_runtime_exit_error(tmp_path):
    server = Laminar(tmp_dir=tmp_path, executor="docker", extra_args=ONE_ENVIRONMENT).start()
    try:
        client = server.client()
        create_python_function(client, "victim", SLEEPER, Runtime="python3.11", Timeout=60)
        thread, outcome = invoke_in_background(client, "victim", {"sleep": 30})
        wait_for(lambda: containers_of("victim"), timeout=30, what="the victim's container")
        time.sleep(1.0)  # the invoke is under way
        for cid in containers_of("victim"):
            kill(cid)
        thread.join(timeout=30)
        assert not thread.is_alive(), "the invoke hung after its container was killed"
        assert_killed_mid_invoke(outcome)
        # The next invoke starts a fresh environment.
        again = client.invoke(FunctionName="victim", Payload=b'{"sleep": 0}')
        assert "FunctionError" not in again, again["Payload"].read()
        assert json.loads(again["Payload"].read()) == {"slept": 0}
    finally:
        server.stop()
    assert_no_panics(server)
    assert containers_of("victim", everything=True) == []


@needs_engine
def test_a_warm_container_killed_while_idle_is_replaced(tmp_path):
    server = Laminar(tmp_dir=tmp_path, executor="docker", extra_args=ONE_ENVIRONMENT).start()
    try:
        client = server.client()
        create_python_function(client, "idle", SLEEPER, Runtime="python3.11", Timeout=30)
        assert json.loads(client.invoke(FunctionName="idle", Payload=b"{}")["Payload"].read()) == {
            "slept": 0
        }
        [warm] = containers_of("idle")
        kill(warm)
        # laminar learns of the exit from the engine's wait, a moment after
        # the kill (an invoke inside that moment meets the dying container).
        wait_for(lambda: warm not in containers_of("idle"), what="the kill")
        time.sleep(0.5)
        # The pool forgets the dead container: the next invoke works, in a new one.
        answer = client.invoke(FunctionName="idle", Payload=b"{}")
        assert "FunctionError" not in answer, answer["Payload"].read()
        assert json.loads(answer["Payload"].read()) == {"slept": 0}
        assert warm not in containers_of("idle")
    finally:
        server.stop()
    assert_no_panics(server)


# -- the engine goes away and comes back -----------------------------------------


@pytest.fixture
def behind_proxy(tmp_path):
    """A docker-executor laminar whose engine is reached through a proxy the
    test can cut and restore."""
    proxy = DockerProxy(tmp_path / "engine.sock")
    server = Laminar(
        tmp_dir=tmp_path,
        executor="docker",
        env={"DOCKER_HOST": proxy.docker_host},
        extra_args=ONE_ENVIRONMENT,
    ).start()
    yield proxy, server
    server.stop()
    proxy.close()
    assert_no_panics(server)


def engine_restarts_under_an_invoke(client, proxy, name: str, timeout: int):
    """A warm function, then an invoke in flight when the engine goes away
    and its containers die with it."""
    create_python_function(client, name, SLEEPER, Runtime="python3.11", Timeout=timeout)
    assert "FunctionError" not in client.invoke(FunctionName=name, Payload=b"{}")
    thread, outcome = invoke_in_background(client, name, {"sleep": 50})
    time.sleep(1.0)
    proxy.cut()
    for cid in containers_of(name):
        kill(cid)
    return thread, outcome


@needs_engine
def test_an_engine_that_vanishes_and_returns(behind_proxy):
    proxy, server = behind_proxy
    client = server.client()
    thread, outcome = engine_restarts_under_an_invoke(client, proxy, "weather", timeout=60)

    # While the engine is away, a cold start is refused at once, in AWS's shape.
    started = time.monotonic()
    with pytest.raises(client.exceptions.ServiceException) as refused:
        client.invoke(FunctionName="weather", Payload=b"{}")
    assert time.monotonic() - started < 10
    error = refused.value.response["Error"]
    assert error["Message"].startswith("the container engine failed: "), error

    # The engine is back: the invoke in flight learns its environment is
    # gone, long before its timeout, and the next invoke starts afresh.
    time.sleep(1.0)
    proxy.restore()
    thread.join(timeout=30)
    assert not thread.is_alive(), "the invoke in flight never ended"
    assert_killed_mid_invoke(outcome)
    assert outcome["seconds"] < 30
    answer = client.invoke(FunctionName="weather", Payload=b'{"sleep": 0}')
    assert "FunctionError" not in answer, answer["Payload"].read()
    assert json.loads(answer["Payload"].read()) == {"slept": 0}
    # Nothing is left behind once the engine answers again.
    server.stop()
    assert containers_of("weather", everything=True) == []


@needs_engine
def test_an_engine_away_past_the_deadline_times_the_invoke_out(behind_proxy):
    proxy, server = behind_proxy
    client = server.client()
    thread, outcome = engine_restarts_under_an_invoke(client, proxy, "stranded", timeout=4)
    thread.join(timeout=20)
    assert not thread.is_alive(), "an invoke outlived its timeout while the engine was gone"
    request_id = outcome["answer"]["ResponseMetadata"]["RequestId"]
    assert outcome["payload"] == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {request_id} Error: Task timed out after 4.00 seconds",
    }
    proxy.restore()
    # Its container goes once the engine answers again; the next invoke works.
    wait_for(
        lambda: containers_of("stranded", everything=True) == [],
        timeout=30,
        what="the stranded container's removal",
    )
    answer = client.invoke(FunctionName="stranded", Payload=b"{}")
    assert "FunctionError" not in answer, answer["Payload"].read()
