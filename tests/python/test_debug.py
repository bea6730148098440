"""Debug mode (`laminar serve --debug`, `/_laminar/debug`): real debuggers
attach to functions' environments — debugpy through the Debug Adapter
Protocol, Node's inspector through the Chrome DevTools Protocol — stop at a
breakpoint in the handler with the event in scope, and let the invocation
finish with its result."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from debug_testing import CdpClient, DapClient, debug_endpoint, environments, free_ports
from laminar_testing import Laminar, create_python_function, docker_answers, make_zip, wait_for

PYTHON_HANDLER = """import os


def handler(event, context):
    answer = {"file": os.path.abspath(__file__), "got": event}
    return answer
"""
PYTHON_BREAK_LINE = 5

NODE_HANDLER = """exports.handler = async (event) => {
  const answer = { got: event };
  return answer;
};
"""
NODE_BREAK_LINE = 2


@pytest.fixture
def venv_on_path(monkeypatch):
    """The test venv's interpreter (which has debugpy) first on laminar's
    PATH: the process executor runs Python functions with `python3`."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


@pytest.fixture
def start(laminar_factory, venv_on_path):
    """`laminar serve` with these flags, the venv first on its PATH."""

    def start(*args: str, executor: str = "process") -> Laminar:
        return laminar_factory(extra_args=list(args), executor=executor)

    return start


def python_function(client, name: str, **kwargs) -> None:
    create_python_function(client, name, PYTHON_HANDLER, **kwargs)


def node_function(client, name: str) -> None:
    code = {"ZipFile": make_zip({"index.js": NODE_HANDLER})}
    create_python_function(client, name, "", Runtime="nodejs20.x", Handler="index.handler", Code=code)


def invoke(client, name: str, payload, **kwargs) -> dict:
    answer = client.invoke(FunctionName=name, Payload=json.dumps(payload).encode(), **kwargs)
    answer["Body"] = json.loads(answer["Payload"].read())
    return answer


def handler_file(client, name: str) -> str:
    """Where the function's environments see its handler (the breakpoint's path)."""
    return invoke(client, name, {"probe": True})["Body"]["file"]


def debug_python(client, pool, name: str, port: int, path: str, payload) -> dict:
    """Attach to debugpy on `port`, break in the handler, invoke with
    `payload`, read `event` at the stop, continue; the invoke's answer."""
    dap = DapClient(port)
    try:
        dap.attach_with_breakpoint(path, PYTHON_BREAK_LINE)
        running = pool.submit(invoke, client, name, payload)
        thread, event = dap.stopped_variable("event")
        assert event == repr(payload)
        assert not running.done()
        dap.resume(thread)
        return running.result(timeout=60)
    finally:
        dap.close()


def test_debugpy_stops_in_a_python_handler_with_the_event_in_scope(start):
    port = free_ports()
    server = start("--debug", f"orders={port}")
    client = server.client()
    python_function(client, "orders")
    path = handler_file(client, "orders")

    with ThreadPoolExecutor(2) as pool:
        answer = debug_python(client, pool, "orders", port, path, {"order": 42})
    assert "FunctionError" not in answer, answer["Body"]
    assert answer["Body"] == {"file": path, "got": {"order": 42}}

    status, listing, _ = debug_endpoint(server.url)
    assert status == 200
    assert listing == {
        "functions": [
            {
                "functionName": "orders",
                "qualifier": None,
                "port": port,
                "waitForAttach": False,
                "timeout": 3600,
                "environments": [
                    {"version": "$LATEST", "debugger": "debugpy", "port": port, "busy": False}
                ],
            }
        ]
    }
    # Ended at run time: the next invoke runs in an ordinary environment.
    assert debug_endpoint(server.url, "DELETE", "orders")[0] == 204
    assert debug_endpoint(server.url)[1] == {"functions": []}
    assert invoke(client, "orders", {"after": 1})["Body"]["got"] == {"after": 1}


def test_node_inspector_stops_in_a_node_handler_with_the_event_in_scope(start):
    if shutil.which("node") is None:
        pytest.skip("no node on PATH")
    server = start()
    client = server.client()
    node_function(client, "shipping")
    port = free_ports()
    status, listed, _ = debug_endpoint(server.url, "POST", "shipping", {"port": port})
    assert status == 200
    assert listed == {
        "functionName": "shipping",
        "qualifier": None,
        "port": port,
        "waitForAttach": False,
        "timeout": 3600,
        "environments": [],
    }
    invoke(client, "shipping", {"warm": True})  # starts the environment and its inspector
    assert [e["port"] for e in environments(server.url, "shipping")] == [port]

    cdp = CdpClient(port)
    try:
        cdp.break_at(r".*index\.js$", NODE_BREAK_LINE)
        with ThreadPoolExecutor(1) as pool:
            running = pool.submit(invoke, client, "shipping", {"parcel": "p-7"})
            assert cdp.paused_value("event") == {"parcel": "p-7"}
            assert not running.done()
            cdp.resume()
            answer = running.result(timeout=60)
    finally:
        cdp.close()
    assert "FunctionError" not in answer, answer["Body"]
    assert answer["Body"] == {"got": {"parcel": "p-7"}}


def test_two_functions_are_debugged_at_once(start):
    if shutil.which("node") is None:
        pytest.skip("no node on PATH")
    python_port, node_port = free_ports(), free_ports()
    server = start("--debug", f"orders={python_port}", "--debug", f"shipping={node_port}")
    client = server.client()
    python_function(client, "orders")
    node_function(client, "shipping")
    path = handler_file(client, "orders")
    invoke(client, "shipping", {"warm": True})

    dap, cdp = DapClient(python_port), CdpClient(node_port)
    try:
        dap.attach_with_breakpoint(path, PYTHON_BREAK_LINE)
        cdp.break_at(r".*index\.js$", NODE_BREAK_LINE)
        with ThreadPoolExecutor(2) as pool:
            orders = pool.submit(invoke, client, "orders", {"order": 1})
            shipping = pool.submit(invoke, client, "shipping", {"parcel": 2})
            # Both paused at the same time.
            thread, event = dap.stopped_variable("event")
            assert event == repr({"order": 1})
            assert cdp.paused_value("event") == {"parcel": 2}
            assert not orders.done() and not shipping.done()
            dap.resume(thread)
            cdp.resume()
            assert orders.result(timeout=60)["Body"]["got"] == {"order": 1}
            assert shipping.result(timeout=60)["Body"] == {"got": {"parcel": 2}}
    finally:
        dap.close()
        cdp.close()


def test_concurrent_environments_of_one_function_get_ports_of_their_own(start):
    server = start()
    client = server.client()
    python_function(client, "orders")
    path = handler_file(client, "orders")  # before debug mode: an ordinary environment
    base = free_ports(2)
    status, _, _ = debug_endpoint(
        server.url, "POST", "orders", {"port": base, "waitForAttach": True}
    )
    assert status == 200

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(invoke, client, "orders", {"n": 1})
        second = pool.submit(invoke, client, "orders", {"n": 2})
        # Both cold starts wait for their debugger, each on its own port.
        ports = wait_for_ports(server.url, "orders", 2)
        assert sorted(ports) == [base, base + 1]
        seen = set()
        clients = [DapClient(port) for port in ports]
        try:
            for dap in clients:
                dap.attach_with_breakpoint(path, PYTHON_BREAK_LINE)
            for dap in clients:
                thread, event = dap.stopped_variable("event")
                seen.add(event)
                dap.resume(thread)
            results = [first.result(timeout=60)["Body"], second.result(timeout=60)["Body"]]
        finally:
            for dap in clients:
                dap.close()
    assert seen == {repr({"n": 1}), repr({"n": 2})}
    assert results == [{"file": path, "got": {"n": 1}}, {"file": path, "got": {"n": 2}}]


def wait_for_ports(url: str, function: str, count: int) -> list[int]:
    wait_for(lambda: len(environments(url, function)) == count, what=f"{count} environments")
    return [e["port"] for e in environments(url, function)]


def test_a_breakpoint_held_past_the_timeout_does_not_time_out(start):
    port = free_ports()
    server = start("--debug", f"orders={port}")
    client = server.client()
    python_function(client, "orders", Timeout=1)
    path = handler_file(client, "orders")

    dap = DapClient(port)
    try:
        dap.attach_with_breakpoint(path, PYTHON_BREAK_LINE)
        with ThreadPoolExecutor(1) as pool:
            running = pool.submit(invoke, client, "orders", {"slow": True}, LogType="Tail")
            thread, _ = dap.stopped_variable("event")
            # Held three times the function's timeout.
            assert not done_within(running, 3.0)
            dap.resume(thread)
            answer = running.result(timeout=60)
    finally:
        dap.close()
    assert "FunctionError" not in answer, answer["Body"]
    assert answer["Body"]["got"] == {"slow": True}
    log = base64.b64decode(answer["LogResult"]).decode()
    assert "Task timed out" not in log
    # Duration is the real time, pause included.
    duration = float(re.search(r"\tDuration: ([0-9.]+) ms", log).group(1))
    assert duration >= 3000, log


def done_within(future, seconds: float) -> bool:
    try:
        future.result(timeout=seconds)
    except TimeoutError:
        return False
    return True


def test_a_missing_debugpy_is_named_with_how_to_install_it(tmp_path, monkeypatch, laminar_factory):
    # A venv without debugpy (and without pip) is the `python3` laminar finds.
    venv = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    monkeypatch.setenv("PATH", f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}")
    server = laminar_factory(extra_args=["--debug", "orders"])
    client = server.client()
    python_function(client, "orders")
    with pytest.raises(client.exceptions.ServiceException) as raised:
        client.invoke(FunctionName="orders", Payload=b"{}")
    assert raised.value.response["Error"]["Message"] == (
        f"Debug mode needs debugpy, which {venv / 'bin' / 'python3'} cannot import: "
        "pip install debugpy"
    )
    assert debug_endpoint(server.url)[1]["functions"][0]["environments"] == []


def test_the_endpoint_refuses_bad_settings_and_unknown_functions(start):
    server = start()
    status, body, headers = debug_endpoint(server.url, "POST", "orders", {"port": 0})
    assert (status, headers["x-amzn-errortype"]) == (400, "InvalidParameterValueException")
    assert body == {"Type": "User", "message": "The debugger port must be from 1 to 65535."}
    status, body, _ = debug_endpoint(server.url, "POST", "orders", {"timeout": 0})
    assert (status, body["message"]) == (
        400,
        "The debug timeout 0 is not between 1 and 86400 seconds.",
    )
    status, body, _ = debug_endpoint(server.url, "POST", "orders", {"colour": "red"})
    assert status == 400 and body["message"].startswith("Could not parse the debug settings:")
    status, body, headers = debug_endpoint(server.url, "DELETE", "orders")
    assert (status, headers["x-amzn-errortype"], body) == (
        404,
        "ResourceNotFoundException",
        {"Type": "User", "Message": "The function orders is not in debug mode."},
    )
    assert debug_endpoint(server.url)[1] == {"functions": []}


@pytest.mark.skipif(not docker_answers(), reason="no Docker engine with the test images")
def test_debugpy_stops_in_a_python_handler_in_a_container(start):
    port = free_ports()
    server = start("--debug", f"orders={port}", executor="docker")
    client = server.client()
    python_function(client, "orders", Runtime="python3.11", MemorySize=512, Timeout=3)
    path = handler_file(client, "orders")
    assert path == "/var/task/app.py"

    with ThreadPoolExecutor(2) as pool:
        answer = debug_python(client, pool, "orders", port, path, {"order": 7})
    assert "FunctionError" not in answer, answer["Body"]
    assert answer["Body"] == {"file": path, "got": {"order": 7}}
    envs = environments(server.url, "orders")
    assert envs == [{"version": "$LATEST", "debugger": "debugpy", "port": port, "busy": False}]
