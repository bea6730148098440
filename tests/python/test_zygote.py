"""Python cold starts forked from laminar's zygote (process executor).

One interpreter with the runtime client loaded forks the runtime process of
each Python cold start. A forked environment must be what a spawned one is:
its own variables (and nothing of the zygote's), cwd, sys.path, its own /tmp,
its memory limit, its init errors. `LAMINAR_NO_ZYGOTE=1` spawns every runtime
as before: the tests compare the two.
"""

from __future__ import annotations

import base64
import json
import os
import signal
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import assert_no_panics
from laminar_testing import Laminar, create_python_function, process_alive, wait_for
from test_faults_hostile import shared_tmp

PROBE = """\
import os, sys, time
TAG = os.environ.get("TAG", "")
MARK = "/tmp/mark-" + str(os.getpid())
open(MARK, "w").close()

def handler(event, context):
    time.sleep(event.get("sleep", 0))
    return {
        "handler": "%s.handler" % TAG,
        "tag": TAG,
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "pgid": os.getpgid(0),
        "cwd": os.getcwd(),
        "environ": dict(os.environ),
        "path": sys.path,
        "argv": sys.argv,
        "main": sys.modules["__main__"].__file__,
        "tmp": sorted(n for n in os.listdir("/tmp") if n.startswith("mark-")),
        "mark": os.path.basename(MARK),
        "encoding": [sys.stdout.encoding, sys.stdout.errors, sys.flags.utf8_mode],
        "nofile": __import__("resource").getrlimit(__import__("resource").RLIMIT_NOFILE)[0],
    }

def other(event, context):
    out = handler(event, context)
    out["handler"] = "other"
    return out
"""


def invoke(client, name, event=None):
    answer = client.invoke(FunctionName=name, Payload=json.dumps(event or {}).encode(), LogType="Tail")
    return answer, json.loads(answer["Payload"].read()), base64.b64decode(answer["LogResult"]).decode()


def server(tmp_path_factory, **env) -> Laminar:
    return Laminar(
        tmp_dir=tmp_path_factory.mktemp("laminar"), extra_args=["--prewarm", "0"], env=env
    ).start()


@pytest.fixture
def servers(tmp_path_factory):
    started: list[Laminar] = []

    def start(**env) -> Laminar:
        started.append(server(tmp_path_factory, **env))
        return started[-1]

    yield start
    for s in started:
        s.stop()
    for s in started:
        assert_no_panics(s)


def test_a_burst_of_cold_starts_of_two_functions_keeps_each_environment_its_own(servers, function_name):
    laminar = servers()
    client = laminar.client()
    names = [function_name + "-a", function_name + "-b"]
    create_python_function(client, names[0], PROBE, Environment={"Variables": {"TAG": "first"}})
    create_python_function(
        client, names[1], PROBE, Handler="app.other", MemorySize=256,
        Environment={"Variables": {"TAG": "second"}},
    )
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda i: invoke(client, names[i % 2], {"sleep": 1}), range(16)))
    zygotes = set()
    for i, (answer, body, log) in enumerate(answers):
        assert answer["StatusCode"] == 200 and "FunctionError" not in answer, body
        first = i % 2 == 0
        assert body["tag"] == ("first" if first else "second")
        assert body["handler"] == ("first.handler" if first else "other")
        assert body["environ"]["AWS_LAMBDA_FUNCTION_NAME"] == names[i % 2]
        assert body["environ"]["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == ("128" if first else "256")
        assert body["environ"]["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"
        # Its own process group, with the zygote (not laminar) its parent.
        assert body["pgid"] == body["pid"]
        assert body["ppid"] != laminar.proc.pid
        zygotes.add(body["ppid"])
        # Its own /tmp: only its own mark (unless functions share the host's, as
        # when laminar runs from under /tmp or the host gives no private mounts).
        assert body["mark"] in body["tmp"]
        if not shared_tmp(laminar):
            assert body["tmp"] == [body["mark"]], body["tmp"]
        assert body["nofile"] == 1024
        assert "Init Duration" in log
    assert len(zygotes) == 1
    assert len({body["pid"] for _, body, _ in answers}) == 16


def test_a_forked_environment_is_what_a_spawned_one_is(servers, function_name):
    bodies = []
    for env in ({}, {"LAMINAR_NO_ZYGOTE": "1"}):
        laminar = servers(**env)
        client = laminar.client()
        create_python_function(
            client, function_name, PROBE, Environment={"Variables": {"TAG": "same", "TZ": "Europe/Paris"}}
        )
        _, body, _ = invoke(client, function_name)
        bodies.append((laminar.proc.pid, body))
    (forked_parent, forked), (spawned_parent, spawned) = bodies
    assert forked["ppid"] != forked_parent
    assert spawned["ppid"] == spawned_parent
    differ = {
        "AWS_LAMBDA_RUNTIME_API", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "_X_AMZN_TRACE_ID",
    }
    assert sorted(forked["environ"]) == sorted(spawned["environ"])
    for name in set(forked["environ"]) - differ:
        assert forked["environ"][name] == spawned["environ"][name], name
    for key in ("cwd", "path", "argv", "main", "encoding", "nofile"):
        assert forked[key] == spawned[key], key


def test_an_import_error_is_reported_as_when_spawned(servers, function_name):
    results = []
    for env in ({}, {"LAMINAR_NO_ZYGOTE": "1"}):
        client = servers(**env).client()
        create_python_function(client, function_name, "import not_a_module_anywhere\n")
        answer, body, log = invoke(client, function_name)
        assert answer.get("FunctionError") == "Unhandled"
        results.append(body)
    forked, spawned = results
    assert forked["errorType"] == spawned["errorType"] == "Runtime.ImportModuleError"
    assert forked["errorMessage"] == spawned["errorMessage"]


def test_a_zygote_that_dies_is_started_again(servers, function_name):
    laminar = servers()
    client = laminar.client()
    create_python_function(client, function_name, PROBE)
    _, first, _ = invoke(client, function_name)
    zygote = first["ppid"]
    os.kill(zygote, signal.SIGKILL)
    # Its children go with it; the next invoke starts a new environment from a new zygote.
    wait_for(lambda: not process_alive(first["pid"]), what="the environment to go with its zygote")
    answer, second, _ = invoke(client, function_name)
    assert "FunctionError" not in answer, second
    assert second["ppid"] not in (zygote, laminar.proc.pid)


def test_nothing_outlives_a_killed_laminar(servers, function_name):
    laminar = servers()
    client = laminar.client()
    create_python_function(client, function_name, PROBE)
    _, body, _ = invoke(client, function_name)
    laminar.kill()
    wait_for(lambda: not process_alive(body["pid"]), what="the runtime to go with laminar")
    wait_for(lambda: not process_alive(body["ppid"]), what="the zygote to go with laminar")
