"""Functions that misbehave, run by the process executor: they are contained
as a Lambda sandbox contains them (memory, processes, /tmp, open files,
output) and end as AWS reports it, and laminar goes on serving."""

from __future__ import annotations

import base64
import json
import os

import pytest

from conftest import assert_no_panics
from laminar_testing import (
    ROLE,
    Laminar,
    create_python_function,
    make_zip,
    service_client,
    wait_active,
    wait_for,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # One environment per function: the tests follow it.
    server = Laminar(tmp_dir=tmp_path_factory.mktemp("hostile"), extra_args=["--prewarm", "0"]).start()
    yield server
    server.stop()
    assert_no_panics(server)


@pytest.fixture(scope="module")
def client(server):
    return server.client()


def contained(server) -> bool:
    """Whether this host let laminar make control groups (else rlimits only)."""
    return not any("lets laminar make no control groups" in line for line in server.lines)


def shared_tmp(server) -> bool:
    return any("functions share the host's /tmp" in line for line in server.lines)


def private_mounts(server) -> bool:
    return not any("gives laminar no private mount namespaces" in line for line in server.lines)


def invoke(client, name: str, event: dict | None = None, **kwargs) -> tuple[dict, object]:
    answer = client.invoke(FunctionName=name, Payload=json.dumps(event or {}).encode(), **kwargs)
    return answer, json.loads(answer["Payload"].read())


def vm_rss_kb(pid: int) -> int:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


# -- memory ------------------------------------------------------------------------

HOG = """\
import os

def handler(event, context):
    if event.get("alloc_mb"):
        hog = [bytearray(1024 * 1024) for _ in range(event["alloc_mb"])]
        for block in hog:
            block[::4096] = b"x" * len(block[::4096])
    return {"pid": os.getpid()}
"""


def test_a_function_over_its_memory_ends_out_of_memory(server, client, function_name):
    if not contained(server):
        pytest.skip("no control groups here: memory is bounded by RLIMIT_AS (MemoryError)")
    create_python_function(client, function_name, HOG, MemorySize=128, Timeout=30)
    _, first = invoke(client, function_name)
    answer, body = invoke(client, function_name, {"alloc_mb": 400}, LogType="Tail")
    request_id = answer["ResponseMetadata"]["RequestId"]
    assert (answer["StatusCode"], answer.get("FunctionError")) == (200, "Unhandled")
    assert body == {
        "errorType": "Runtime.OutOfMemory",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: signal: killed",
    }
    log = base64.b64decode(answer["LogResult"]).decode()
    assert f"RequestId: {request_id} Error: Runtime exited with error: signal: killed\nRuntime.OutOfMemory" in log
    report = [line for line in log.splitlines() if line.startswith("REPORT ")][0]
    max_used = int(report.split("Max Memory Used: ")[1].split(" MB")[0])
    assert 100 <= max_used <= 128, report
    # A fresh environment takes the next invoke.
    _, after = invoke(client, function_name)
    assert after["pid"] != first["pid"]


# -- processes -----------------------------------------------------------------------

FORKER = """\
import os, signal

def handler(event, context):
    children = []
    refused = None
    try:
        for _ in range(event["tries"]):
            pid = os.fork()
            if pid == 0:
                os.execv("/bin/sleep", ["sleep", "60"])
            children.append(pid)
    except OSError as e:
        refused = e.errno
    for pid in children:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    return {"started": len(children), "refused": refused}
"""


def test_a_fork_bomb_stops_at_lambdas_process_quota(server, client, function_name):
    if not contained(server):
        pytest.skip("no control groups here: processes are not bounded")
    create_python_function(client, function_name, FORKER, Timeout=60, MemorySize=1024)
    _, body = invoke(client, function_name, {"tries": 3000})
    # 1,024 processes and threads in all, the runtime's own among them.
    assert body["refused"] == 11, body  # EAGAIN
    assert 900 < body["started"] < 1024, body
    # The environment is still usable, and so is laminar.
    _, again = invoke(client, function_name, {"tries": 3})
    assert again == {"started": 3, "refused": None}


# -- /tmp and open files ------------------------------------------------------------

SCRATCH = """\
import errno, os, resource

def handler(event, context):
    if event.get("write"):
        with open("/tmp/" + event["write"], "w") as f:
            f.write("secret")
    full = None
    if event.get("fill_mb"):
        try:
            with open("/tmp/fill", "wb") as f:
                for _ in range(event["fill_mb"]):
                    f.write(b"\\0" * (1 << 20))
                f.flush()
                os.fsync(f.fileno())
        except OSError as e:
            full = errno.errorcode[e.errno]
        finally:
            if os.path.exists("/tmp/fill"):
                os.remove("/tmp/fill")
    files = []
    opened = None
    if event.get("open"):
        try:
            for _ in range(event["open"]):
                files.append(open("/dev/null"))
        except OSError as e:
            opened = errno.errorcode[e.errno]
        for f in files:
            f.close()
    st = os.statvfs("/tmp")
    return {
        "tmp": sorted(os.listdir("/tmp")),
        "tmp_mb": st.f_blocks * st.f_frsize // (1 << 20),
        "full": full,
        "files_limit": list(resource.getrlimit(resource.RLIMIT_NOFILE)),
        "opened": len(files),
        "too_many": opened,
    }
"""


def test_tmp_is_the_environments_own_and_as_large_as_its_ephemeral_storage(
    server, client, function_name
):
    if not private_mounts(server) or shared_tmp(server):
        pytest.skip("/tmp is the host's here (no private mount namespaces, or laminar runs from under /tmp)")
    # /tmp is memory-backed (as with the docker executor): its pages count
    # toward MemorySize, so give the environment room to fill it.
    create_python_function(
        client,
        function_name,
        SCRATCH,
        EphemeralStorage={"Size": 600},
        Timeout=60,
        MemorySize=1024,
    )
    other = function_name + "-b"
    create_python_function(client, other, SCRATCH, Timeout=60)
    marker = f"laminar-{function_name}"
    _, body = invoke(client, function_name, {"write": marker})
    assert body["tmp"] == [marker]
    assert body["tmp_mb"] == 600
    # Another function's environment sees none of it, nor does the host.
    _, seen = invoke(client, other)
    assert seen["tmp"] == [] and seen["tmp_mb"] == 512
    assert not os.path.exists(f"/tmp/{marker}")
    # Writing past EphemeralStorage fails with ENOSPC, as in Lambda.
    _, full = invoke(client, function_name, {"fill_mb": 700})
    assert full["full"] == "ENOSPC"
    # The same environment keeps its /tmp between invokes.
    assert full["tmp"] == [marker]


def test_open_files_stop_at_lambdas_quota(client, function_name):
    create_python_function(client, function_name, SCRATCH, Timeout=30)
    _, body = invoke(client, function_name, {"open": 2000})
    assert body["files_limit"] == [1024, 1024]
    assert body["too_many"] == "EMFILE"
    assert 1000 < body["opened"] < 1024


# -- output floods ----------------------------------------------------------------------

FLOOD = """\
import sys

def handler(event, context):
    line = "x" * event["line"] + "\\n"
    for _ in range(event["lines"]):
        sys.stdout.write(line)
    sys.stdout.write("the end\\n")
    sys.stdout.flush()
    return "done"
"""


def test_an_output_flood_keeps_laminar_bounded(server, client, function_name):
    create_python_function(client, function_name, FLOOD, Timeout=120)
    # One line of 1 MB: CloudWatch Logs keeps its first 256 KB (less 26 bytes).
    answer, body = invoke(client, function_name, {"line": 1 << 20, "lines": 1}, LogType="Tail")
    assert body == "done"
    tail = base64.b64decode(answer["LogResult"]).decode()
    assert len(answer["LogResult"]) <= 4096 * 4 // 3 + 4
    assert "the end" in tail and tail.rstrip().splitlines()[-1].startswith("REPORT RequestId:")
    request_id = answer["ResponseMetadata"]["RequestId"]
    logs = service_client("logs", server.url)
    group = f"/aws/lambda/{function_name}"

    def the_long_event():
        try:
            streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
        except logs.exceptions.ResourceNotFoundException:
            return None  # written off the invoke path: not there yet
        for stream in streams:
            events = logs.get_log_events(
                logGroupName=group, logStreamName=stream["logStreamName"], startFromHead=True
            )["events"]
            messages = [e["message"] for e in events]
            if any(request_id in m for m in messages):
                return [m for m in messages if m.startswith("xxx")]
        return None

    assert [len(m) for m in wait_for(the_long_event, what="the flood's log events")] == [
        256 * 1024 - 26
    ]
    rss_before = vm_rss_kb(server.proc.pid)
    # 200 MB printed in 8 KB lines, five times over.
    for _ in range(5):
        answer, body = invoke(
            client, function_name, {"line": 8 << 10, "lines": 25_000}, LogType="Tail"
        )
        assert body == "done"
        assert "the end" in base64.b64decode(answer["LogResult"]).decode()
    grown_mb = (vm_rss_kb(server.proc.pid) - rss_before) / 1024
    # Output is held up to 8 MB per environment and dropped past the Logs
    # writer's queue: a gigabyte printed must not become a gigabyte held.
    assert grown_mb < 150, f"laminar grew by {grown_mb:.0f} MB"


# -- runtimes that break the Runtime API's rules ------------------------------------------

# A custom runtime in Python's standard library alone. The event says how it
# misbehaves; what it saw comes back in the next invocation's answer.
ROGUE = """\
#!/usr/bin/env python3
import http.client, json, os, socket

HOST, PORT = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
BASE = "/2018-06-01/runtime/invocation/"
seen = []
held = []


def call(method, path, body=None):
    conn = http.client.HTTPConnection(HOST, int(PORT), timeout=900)
    conn.request(method, path, body=body)
    answer = conn.getresponse()
    data = answer.read()
    conn.close()
    return answer, data


while True:
    answer, event = call("GET", BASE + "next")
    request_id = answer.getheader("Lambda-Runtime-Aws-Request-Id")
    mode = json.loads(event).get("mode")
    if mode == "hold":
        # Half an answer, never the rest, on a connection kept open.
        s = socket.create_connection((HOST, int(PORT)))
        s.sendall(b"POST " + (BASE + request_id + "/response").encode() + b" HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 100\\r\\n\\r\\n{")
        held.append(s)
        continue
    if mode == "stranger":
        other, body = call("POST", BASE + "00000000-0000-0000-0000-000000000000/response", b"{}")
        seen.append([other.status, json.loads(body)])
    result = json.dumps({"seen": seen, "request_id": request_id, "pid": os.getpid()}).encode()
    seen = []
    call("POST", BASE + request_id + "/response", result)
    if mode == "twice":
        again, body = call("POST", BASE + request_id + "/response", b'"again"')
        seen.append([again.status, json.loads(body)])
"""


@pytest.fixture(scope="module")
def rogue(client):
    name = "rogue-runtime"
    client.create_function(
        FunctionName=name,
        Runtime="provided.al2023",
        Role=ROLE,
        Handler="rogue",
        Code={"ZipFile": make_zip({"bootstrap": ROGUE}, modes={"bootstrap": 0o755})},
        Timeout=3,
    )
    wait_active(client, name)
    return name


def test_a_second_answer_to_one_invocation_is_refused(client, rogue):
    answer, first = invoke(client, rogue, {"mode": "twice"})
    request_id = answer["ResponseMetadata"]["RequestId"]
    assert first == {"seen": [], "request_id": request_id, "pid": first["pid"]}
    _, second = invoke(client, rogue, {})
    assert second["seen"] == [
        [400, {"errorType": "InvalidRequestID", "errorMessage": f"Invalid request ID: {request_id}"}]
    ]


def test_an_answer_for_another_invocation_is_refused(client, rogue):
    _, body = invoke(client, rogue, {"mode": "stranger"})
    stranger = "00000000-0000-0000-0000-000000000000"
    assert body["seen"] == [
        [400, {"errorType": "InvalidRequestID", "errorMessage": f"Invalid request ID: {stranger}"}]
    ]


def test_an_answer_held_half_sent_times_out_and_the_environment_is_replaced(
    client, rogue, function_name
):
    _, before = invoke(client, rogue, {})
    create_python_function(client, function_name, HOG)
    answer, body = invoke(client, rogue, {"mode": "hold"})
    request_id = answer["ResponseMetadata"]["RequestId"]
    assert answer.get("FunctionError") == "Unhandled"
    assert body == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {request_id} Error: Task timed out after 3.00 seconds",
    }
    # Another function was served meanwhile, and the rogue's next invoke
    # gets a fresh environment.
    assert "FunctionError" not in invoke(client, function_name)[0]
    answer, after = invoke(client, rogue, {})
    assert "FunctionError" not in answer, after
    assert after["pid"] != before["pid"]
