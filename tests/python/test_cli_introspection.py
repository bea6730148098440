"""`laminar ps | invocations | logs | evict` against a running laminar: the
real binary, its tables and its --json, the invocations a test made."""

from __future__ import annotations

import json
import subprocess
import threading

from introspection_testing import HANDLER, invoke
from laminar_testing import create_python_function, laminar_bin, wait_for


def cli(url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(laminar_bin()), *args, "--endpoint", url],
        capture_output=True, text=True, timeout=60, check=False,
    )


def test_invocations_as_json_and_as_a_table(laminar, lambda_, function_name):
    create_python_function(lambda_, function_name, HANDLER)
    first, _ = invoke(lambda_, function_name, {"n": 1})
    second, _ = invoke(lambda_, function_name, {"fail": True})

    done = cli(laminar.url, "invocations", function_name, "--json")
    assert done.returncode == 0, done.stderr
    page = json.loads(done.stdout)
    assert [i["requestId"] for i in page["invocations"]] == [second, first]
    assert [i["cold"] for i in page["invocations"]] == [False, True]

    table = cli(laminar.url, "invocations", function_name)
    assert table.returncode == 0, table.stderr
    header, *rows, footer = table.stdout.splitlines()
    assert header.split()[:4] == ["TIME", "REQUEST", "ID", "FUNCTION"]
    assert second in rows[0] and "warm" in rows[0] and "Error: ValueError" in rows[0]
    assert first in rows[1] and "cold (" in rows[1] and "Success" in rows[1]
    assert footer == "2 of 2 shown"


def test_ps_and_evict(laminar, lambda_, function_name):
    create_python_function(lambda_, function_name, HANDLER)
    invoke(lambda_, function_name, {})
    invoke(lambda_, function_name, {})

    ps = cli(laminar.url, "ps", function_name, "--json")
    assert ps.returncode == 0, ps.stderr
    (env,) = json.loads(ps.stdout)["environments"]
    assert env["invocations"] == 2

    table = cli(laminar.url, "ps", function_name)
    header, row = table.stdout.splitlines()
    assert header.split() == [
        "ID", "FUNCTION", "VERSION", "EXECUTOR", "AGE", "INVOCATIONS", "MEMORY", "PROVISIONED", "STATE", "REQUEST", "ID"
    ]
    assert row.split()[:4] == [env["id"], function_name, "$LATEST", "process"]
    assert row.split()[5] == "2"
    assert row.split()[-2:] == ["idle", "-"]

    evicted = cli(laminar.url, "evict", function_name)
    assert evicted.returncode == 0, evicted.stderr
    assert evicted.stdout == f"evicted 1 environment(s) of {function_name}\n"
    assert cli(laminar.url, "ps", function_name).stdout.splitlines()[1:] == []
    rid, _ = invoke(lambda_, function_name, {})
    page = json.loads(cli(laminar.url, "invocations", function_name, "--json", "--limit", "1").stdout)
    assert page["invocations"][0]["requestId"] == rid and page["invocations"][0]["cold"] is True


SLOW = """
import time
def handler(event, context):
    time.sleep(event.get("sleep", 0))
    return {"request": context.aws_request_id}
"""


def test_ps_lists_the_environment_serving_an_invocation(laminar, lambda_, function_name):
    create_python_function(lambda_, function_name, SLOW)
    first, _ = invoke(lambda_, function_name, {})
    answers = []
    slow = threading.Thread(target=lambda: answers.append(invoke(lambda_, function_name, {"sleep": 1.5})))
    slow.start()

    def busy():
        ps = cli(laminar.url, "ps", function_name, "--json")
        assert ps.returncode == 0, ps.stderr
        return [e for e in json.loads(ps.stdout)["environments"] if e["state"] == "busy"]

    try:
        (env,) = wait_for(busy, what="the busy environment")
        table = cli(laminar.url, "ps", function_name).stdout.splitlines()
        busy_rows = [row for row in table[1:] if row.split()[0] == env["id"]]
    finally:
        slow.join()
    (request_id, _) = answers[0]
    assert env["requestId"] == request_id != first
    assert env["invocations"] == 2 and env["function"] == function_name and env["version"] == "$LATEST"
    assert [row.split()[-2:] for row in busy_rows] == [["busy", request_id]]
    # Done: the same environment goes back to its pool, idle, with no request.
    def listed():
        after = json.loads(cli(laminar.url, "ps", function_name, "--json").stdout)["environments"]
        return [(e["state"], "requestId" in e) for e in after if e["id"] == env["id"]]

    assert wait_for(lambda: listed() or None, what="the environment listed again") == [("idle", False)]


def test_logs_prints_recent_logs_and_follows_new_ones(laminar, lambda_, function_name):
    create_python_function(lambda_, function_name, HANDLER)
    rid, _ = invoke(lambda_, function_name, {"before": 1})
    logs = cli(laminar.url, "logs", function_name)
    assert logs.returncode == 0, logs.stderr
    assert logs.stdout.startswith(f"START RequestId: {rid} Version: $LATEST\n")
    assert f"REPORT RequestId: {rid}" in logs.stdout

    follow = subprocess.Popen(
        [str(laminar_bin()), "logs", function_name, "--follow", "--endpoint", laminar.url],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(follow.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        wait_for(lambda: any(rid in line for line in lines), what="the recent logs")
        new, _ = invoke(lambda_, function_name, {"after": 2})
        wait_for(lambda: any(f"END RequestId: {new}" in line for line in lines), what="the followed logs")
        assert sum(f"START RequestId: {rid}" in line for line in lines) == 1
    finally:
        follow.terminate()
        follow.wait(timeout=10)


def test_an_unreachable_laminar_is_named(function_name):
    done = subprocess.run(
        [str(laminar_bin()), "ps", "--endpoint", "http://127.0.0.1:9"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 1
    assert "laminar does not answer at http://127.0.0.1:9" in done.stderr
