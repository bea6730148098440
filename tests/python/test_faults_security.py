"""Security defaults: where laminar listens, what its own endpoints serve,
and what a function in a container may do."""

from __future__ import annotations

import http.client
import json
import urllib.parse

import pytest

from conftest import assert_no_panics
from laminar_testing import Laminar, create_python_function, docker_answers, make_zip

BEYOND_LOOPBACK = (
    "laminar listens on 0.0.0.0:{port}, beyond this machine's loopback: anyone who reaches "
    "it, with any credentials (--iam off) can call the Lambda API and every companion "
    "service (SQS, SNS, S3, DynamoDB, Kinesis, Logs, EventBridge, IAM, STS), create "
    "functions that run code on this machine as laminar's user, invoke them, download their "
    "code and read or change everything in the data directory; function URLs are reachable "
    "too. Listen on 127.0.0.1 (the default) unless that is meant"
)


def warnings_of(server) -> list[str]:
    return [line.split(" WARN ", 1)[1] for line in server.lines if " WARN " in line]


def test_listening_beyond_the_loopback_says_what_becomes_reachable(laminar_factory):
    server = laminar_factory(extra_args=["--host", "0.0.0.0"])
    port = urllib.parse.urlsplit(server.url).port
    assert f"laminar::gateway: {BEYOND_LOOPBACK.format(port=port)}" in warnings_of(server)


def test_the_loopback_is_the_default_and_warns_of_nothing(laminar):
    assert urllib.parse.urlsplit(laminar.url).hostname == "127.0.0.1"
    assert not any("beyond this machine's loopback" in w for w in warnings_of(laminar))


# -- /_laminar/* serves nothing outside the store ------------------------------


def raw_get(url: str, path: str) -> tuple[int, bytes]:
    """A GET with the path sent exactly as written (no client normalises it)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


TRAVERSALS = [
    "/_laminar/../../../../etc/passwd",
    "/_laminar/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/_laminar/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    "/_laminar//etc/passwd",
    "/_laminar/code/../../../../etc/passwd.zip",
    "/_laminar/code/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd.zip",
    "/_laminar/code/..%2f..%2flaminar.db.zip",
    "/_laminar/code//etc/passwd.zip",
    "/_laminar/code/%2fetc%2fpasswd.zip",
    "/_laminar/code/....//....//etc/passwd.zip",
    "/_laminar/code/../blobs/0000000000000000000000000000000000000000000000000000000000000000.zip",
    "/_laminar/code/0000000000000000000000000000000000000000000000000000000000000000.zip",
    "/_laminar/code/%30000000000000000000000000000000000000000000000000000000000000000.zip",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_internal_endpoints_serve_nothing_outside_the_store(laminar, path):
    status, body = raw_get(laminar.url, path)
    assert (status, json.loads(body)) == (
        404,
        {"Type": "User", "Message": f"No laminar resource at {path}"},
    )


def test_a_stored_package_is_served_and_only_by_its_digest(laminar, lambda_, function_name):
    source = "def handler(event, context):\n    return 1\n"
    create_python_function(lambda_, function_name, source)
    location = lambda_.get_function(FunctionName=function_name)["Code"]["Location"]
    path = urllib.parse.urlsplit(location).path
    status, body = raw_get(laminar.url, path)
    assert (status, body) == (200, make_zip({"app.py": source}))
    # The same file by any other spelling is not served.
    digest = path.rsplit("/", 1)[1]
    for other in (
        f"/_laminar/code/./{digest}",
        f"/_laminar/code/{digest.upper()}",
        f"/_laminar/code/{digest}%00",
        f"/_laminar/code/x/../{digest}",
    ):
        assert raw_get(laminar.url, other)[0] == 404, other


# -- a function's container ----------------------------------------------------

PROBE = """\
import os


def handler(event, context):
    status = dict(
        line.split(":\\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\\t" in line
    )

    def writable(path):
        try:
            with open(path, "w") as f:
                f.write("x")
            return True
        except OSError:
            return False

    def cgroup(*names):
        # cgroup v2's file, else v1's.
        for name in names:
            try:
                return open("/sys/fs/cgroup/" + name).read().strip()
            except OSError:
                pass
        return None

    return {
        "uid": os.getuid(),
        "gid": os.getgid(),
        "CapEff": status["CapEff"].strip(),
        "CapPrm": status["CapPrm"].strip(),
        "CapBnd": status["CapBnd"].strip(),
        "NoNewPrivs": status["NoNewPrivs"].strip(),
        "pids.max": cgroup("pids.max", "pids/pids.max"),
        "memory.max": cgroup("memory.max", "memory/memory.limit_in_bytes"),
        "tmp": writable("/tmp/probe"),
        "task": writable("/var/task/probe"),
        "root": writable("/probe"),
    }
"""


@pytest.mark.skipif(not docker_answers(), reason="no Docker engine with the test images")
def test_a_function_container_runs_unprivileged_with_limits(tmp_path):
    server = Laminar(tmp_dir=tmp_path, executor="docker").start()
    try:
        probe(server.client())
    finally:
        server.stop()
    assert_no_panics(server)


def probe(client) -> None:
    create_python_function(client, "probe", PROBE, Runtime="python3.11", MemorySize=256, Timeout=30)
    answer = client.invoke(FunctionName="probe", Payload=b"{}")
    assert "FunctionError" not in answer, answer["Payload"].read()
    assert json.loads(answer["Payload"].read()) == {
        # AWS's sandbox user, sbx_user1051.
        "uid": 993,
        "gid": 990,
        "CapEff": "0000000000000000",
        "CapPrm": "0000000000000000",
        "CapBnd": "0000000000000000",
        "NoNewPrivs": "1",
        "pids.max": "1024",
        "memory.max": str(256 * 1024 * 1024),
        "tmp": True,
        "task": False,
        "root": False,
    }
