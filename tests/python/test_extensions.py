"""The Extensions API and the Telemetry API through real clients: an external
extension written as a plain Python script in a layer (`extensions/NAME`),
one on the official `lambda-extension` crate, an internal one registered from
the runtime process, and the errors AWS gives when extensions fail — with the
process executor and with the docker executor (where laminar-init starts the
extensions inside the container)."""

from __future__ import annotations

import base64
import json
import math
import re
import time
import uuid

import pytest

from conftest import assert_no_panics
from extension_testing import Recorder, require_docker
from laminar_testing import (
    ACCOUNT,
    Laminar,
    REGION,
    ROLE,
    RUNTIME_VERSION,
    make_zip,
    wait_active,
    wait_for,
    wait_updated,
)

# An external extension: registers for INVOKE and SHUTDOWN, optionally
# subscribes to telemetry on a listener of its own, and POSTs what it sees to
# the test's recorder, EXT_OUT/<name>. EXT_MODE makes it fail in the ways AWS
# reports.
EXTENSION = r'''#!/usr/bin/env python3
import json, os, sys, threading, time, urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
NAME = os.path.basename(__file__)
OUT = os.environ["EXT_OUT"] + "/" + NAME
MODE = os.environ.get("EXT_MODE", "normal")


def record(kind, **fields):
    body = json.dumps(dict(kind=kind, **fields)).encode()
    urllib.request.urlopen(urllib.request.Request(OUT, data=body, method="POST"), timeout=10).read()


def call(method, path, body=None, headers=None):
    req = urllib.request.Request("http://" + API + path, data=body, method=method,
                                 headers=headers or {})
    with urllib.request.urlopen(req, timeout=120) as r:
        return r.status, r.headers, r.read()


if MODE == "crash_init":
    sys.exit(3)
status, headers, body = call(
    "POST", "/2020-01-01/extension/register",
    json.dumps({"events": ["INVOKE", "SHUTDOWN"]}).encode(),
    {"Lambda-Extension-Name": NAME, "Lambda-Extension-Accept-Feature": "accountId"})
ext_id = headers["Lambda-Extension-Identifier"]
record("register", status=status, body=json.loads(body))
if MODE == "init_error":
    call("POST", "/2020-01-01/extension/init/error",
         b'{"errorMessage":"no configuration","errorType":"Extension.ConfigMissing"}',
         {"Lambda-Extension-Identifier": ext_id,
          "Lambda-Extension-Function-Error-Type": "Extension.ConfigMissing"})
    sys.exit(1)
if os.environ.get("EXT_TELEMETRY"):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            batch = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            # EXT_SLOW: a destination that falls behind (counts its
            # function lines rather than recording each).
            if os.environ.get("EXT_SLOW"):
                time.sleep(float(os.environ["EXT_SLOW"]))
                lines = sum(e["type"] == "function" for e in batch)
                record("lines", n=lines)
                batch = [e for e in batch if e["type"] != "function"]
            for event in batch:
                record("telemetry", type=event["type"], record=event["record"],
                       time=event["time"])
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    # Every interface: in a container, laminar reaches it from outside.
    server = HTTPServer(("0.0.0.0", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    subscription = {
        "schemaVersion": "2022-12-13",
        "destination": {"protocol": "HTTP",
                        "URI": "http://sandbox.localdomain:%d" % server.server_port},
        "types": ["platform", "function"],
        "buffering": {"timeoutMs": 25},
    }
    status, _, body = call("PUT", "/2022-07-01/telemetry", json.dumps(subscription).encode(),
                           {"Lambda-Extension-Identifier": ext_id,
                            "Content-Type": "application/json"})
    record("subscribe", status=status, body=body.decode())
while True:
    _, headers, body = call("GET", "/2020-01-01/extension/event/next",
                            headers={"Lambda-Extension-Identifier": ext_id})
    event = json.loads(body)
    record("event", event=event)
    if event["eventType"] == "SHUTDOWN":
        record("bye")
        sys.exit(0)
    if MODE == "crash_on_invoke":
        os._exit(7)
'''

HANDLER = """
def handler(event, context):
    print("hello", event.get("n"))
    return {"requestId": context.aws_request_id}
"""


@pytest.fixture
def recorder():
    rec = Recorder()
    yield rec
    rec.close()


@pytest.fixture(scope="module")
def docker_laminar(tmp_path_factory):
    require_docker()
    server = Laminar(
        tmp_dir=tmp_path_factory.mktemp("laminar"), executor="docker", extra_args=ONE_ENVIRONMENT
    ).start()
    yield server
    server.stop()
    assert_no_panics(server)
    assert not [line for line in server.lines if "no laminar-init" in line], "laminar-init was not found"


class Env:
    """A laminar of one executor, its client, and where its extensions report."""

    def __init__(self, executor: str, server: Laminar, recorder: Recorder):
        self.executor = executor
        self.client = server.client()
        self.out = recorder.url_for(executor)
        self._recorder = recorder

    def records(self, name: str = "recorder") -> list[dict]:
        return self._recorder.records(name)


EXECUTORS = ["process", "docker"]


@pytest.fixture(params=EXECUTORS)
def env(request, recorder):
    if request.param == "docker":
        return Env("docker", request.getfixturevalue("docker_laminar"), recorder)
    return Env("process", request.getfixturevalue("process_laminar"), recorder)


def extension_layer(client, name: str = "recorder") -> str:
    layer = client.publish_layer_version(
        LayerName=f"ext-{uuid.uuid4().hex[:8]}",
        Content={
            "ZipFile": make_zip({f"extensions/{name}": EXTENSION}, modes={f"extensions/{name}": 0o755})
        },
    )
    return layer["LayerVersionArn"]


def create(
    client, name: str, out: str, layers: list[str], handler_source: str = HANDLER, runtime="python3.11", **env
):
    # python3.11: the Python image the Docker tests have (a stand-in).
    client.create_function(
        FunctionName=name,
        Runtime=runtime,
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": make_zip({"app.py": handler_source})},
        Layers=layers,
        Timeout=10,
        Environment={"Variables": {"EXT_OUT": out, **env}},
    )
    wait_active(client, name)


# These tests follow the lifecycle of one environment: none is initialized
# ahead of demand beside it (its extension would record too).
ONE_ENVIRONMENT = ["--prewarm", "0"]


@pytest.fixture(scope="module")
def process_laminar(tmp_path_factory):
    server = Laminar(tmp_dir=tmp_path_factory.mktemp("laminar"), extra_args=ONE_ENVIRONMENT).start()
    yield server
    server.stop()
    assert_no_panics(server)


def invoke(client, name: str, payload: dict) -> tuple[dict, dict]:
    answer = client.invoke(FunctionName=name, Payload=json.dumps(payload), LogType="Tail")
    body = json.loads(answer["Payload"].read())
    return answer, body


def assert_invocation_records(start: dict, done: dict, report: dict, request_id: str, status: str):
    """The whole shapes of one invocation's platform records, as AWS's
    Telemetry API schema gives them."""
    tracing = start["tracing"]
    assert start == {"requestId": request_id, "version": "$LATEST", "tracing": tracing}
    assert set(tracing) == {"spanId", "type", "value"}
    assert tracing["type"] == "X-Amzn-Trace-Id" and tracing["value"].startswith("Root=1-")
    assert len(tracing["spanId"]) == 16 and int(tracing["spanId"], 16) >= 0
    error = {"errorType"} if status != "success" else set()
    assert set(done) == {"requestId", "status", "metrics", "spans", "tracing"} | error
    assert (done["requestId"], done["status"], done["tracing"]) == (request_id, status, tracing)
    assert set(done["metrics"]) == {"durationMs", "producedBytes"}
    assert done["metrics"]["producedBytes"] > 0
    spans = done["spans"]
    assert [s["name"] for s in spans] == ["responseLatency", "responseDuration", "runtimeOverhead"]
    for span in spans:
        assert set(span) == {"name", "start", "durationMs"}
        assert span["durationMs"] >= 0
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", span["start"])
    # The spans follow each other and fit in the runtime's duration.
    assert [s["start"] for s in spans] == sorted(s["start"] for s in spans)
    assert sum(s["durationMs"] for s in spans) <= done["metrics"]["durationMs"] + 0.01
    assert set(report) == {"requestId", "status", "metrics", "tracing"} | error
    assert (report["requestId"], report["status"], report["tracing"]) == (request_id, status, tracing)
    metrics = report["metrics"]
    assert set(metrics) - {"initDurationMs"} == {"durationMs", "billedDurationMs", "memorySizeMB", "maxMemoryUsedMB"}
    assert metrics["memorySizeMB"] == 128
    assert metrics["billedDurationMs"] == max(1, math.ceil(metrics["durationMs"]))
    assert metrics["durationMs"] >= done["metrics"]["durationMs"]


def test_external_extension_sees_invokes_telemetry_and_shutdown_on_update(env, function_name):
    lambda_ = env.client
    create(lambda_, function_name, env.out, [extension_layer(lambda_)], EXT_TELEMETRY="1")
    request_ids = []
    for n in (1, 2):
        answer, body = invoke(lambda_, function_name, {"n": n})
        assert "FunctionError" not in answer, body
        request_ids.append(body["requestId"])
    log = base64.b64decode(answer["LogResult"]).decode()
    assert "REPORT RequestId: " + request_ids[1] in log

    seen = env.records()
    assert seen[0] == {
        "kind": "register",
        "status": 200,
        "body": {
            "functionName": function_name,
            "functionVersion": "$LATEST",
            "handler": "app.handler",
            "accountId": ACCOUNT,
        },
    }
    assert seen[1] == {"kind": "subscribe", "status": 200, "body": "OK"}
    # By the time an invoke returns, the extension has seen its INVOKE (the
    # invoke ends only when it asks for the next event).
    events = [r["event"] for r in seen if r["kind"] == "event"]
    assert [e["requestId"] for e in events] == request_ids
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}"
    now_ms = time.time() * 1000
    for event in events:
        assert set(event) == {"eventType", "deadlineMs", "requestId", "invokedFunctionArn", "tracing"}
        assert event["eventType"] == "INVOKE"
        assert event["invokedFunctionArn"] == arn
        assert event["tracing"]["type"] == "X-Amzn-Trace-Id"
        assert event["tracing"]["value"].startswith("Root=1-")
        assert now_ms - 30_000 < event["deadlineMs"] < now_ms + 11_000

    def telemetry():
        got = [r for r in env.records() if r["kind"] == "telemetry"]
        reports = [t for t in got if t["type"] == "platform.report"]
        return got if len(reports) == 2 else None

    got = wait_for(telemetry, timeout=10, what="both platform.report events")
    types = [t["type"] for t in got]
    assert types[:3] == ["platform.initStart", "platform.extension", "platform.telemetrySubscription"]
    assert got[1]["record"] == {"name": "recorder", "state": "Ready", "events": ["INVOKE", "SHUTDOWN"]}
    assert got[2]["record"] == {"name": "recorder", "state": "Subscribed", "types": ["platform", "function"]}
    runtime_version_arn = got[0]["record"].pop("runtimeVersionArn")
    assert RUNTIME_VERSION.match(runtime_version_arn), runtime_version_arn
    assert runtime_version_arn == lambda_.get_function_configuration(FunctionName=function_name)[
        "RuntimeVersionConfig"
    ]["RuntimeVersionArn"]
    assert got[0]["record"] == {
        "initializationType": "on-demand",
        "phase": "init",
        "runtimeVersion": "python:3.11.v1",
        "functionName": function_name,
        "functionVersion": "$LATEST",
    }
    rest = got[3:]
    assert [t["type"] for t in rest] == [
        "platform.initRuntimeDone",
        "platform.initReport",
        "platform.start",
        "function",
        "platform.runtimeDone",
        "platform.report",
        "platform.start",
        "function",
        "platform.runtimeDone",
        "platform.report",
    ]
    assert rest[0]["record"] == {"initializationType": "on-demand", "phase": "init", "status": "success"}
    assert set(rest[1]["record"]) == {"initializationType", "phase", "status", "metrics"}
    assert rest[1]["record"]["status"] == "success"
    assert set(rest[1]["record"]["metrics"]) == {"durationMs"}
    for i, request_id in enumerate(request_ids):
        start, line, done, report = rest[2 + 4 * i : 6 + 4 * i]
        assert line["record"] == f"hello {i + 1}"
        assert_invocation_records(start["record"], done["record"], report["record"], request_id, "success")
        assert ("initDurationMs" in report["record"]["metrics"]) == (i == 0)

    # An update retires the environment: SHUTDOWN, reason spindown.
    lambda_.update_function_configuration(FunctionName=function_name, Description="changed")
    wait_updated(lambda_, function_name)
    done = wait_for(lambda: [r for r in env.records() if r["kind"] == "bye"], timeout=10, what="the SHUTDOWN")
    assert done
    shutdown = [r["event"] for r in env.records() if r["kind"] == "event"][-1]
    assert shutdown["eventType"] == "SHUTDOWN"
    assert shutdown["shutdownReason"] == "spindown"
    assert set(shutdown) == {"eventType", "shutdownReason", "deadlineMs"}
    assert 0 < shutdown["deadlineMs"] - time.time() * 1000 <= 2_000


GRACEFUL = HANDLER + """
import os, signal, sys


def on_sigterm(*_):
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(
        os.environ["EXT_OUT"] + "/sigterm", data=b'"runtime got SIGTERM"', method="POST"), timeout=10).read()
    sys.exit(0)


signal.signal(signal.SIGTERM, on_sigterm)
"""


def own_laminar(executor: str, laminar_factory) -> Laminar:
    if executor == "docker":
        require_docker()
        # awslambdaric polls from a thread (so that the main thread runs
        # signal handlers) only under python3.12 and later, as on AWS: run
        # python3.12 in the Python image the tests have.
        mapping = json.dumps({"python3.12": "public.ecr.aws/lambda/python:3.11"})
        return laminar_factory(
            executor=executor, extra_args=[*ONE_ENVIRONMENT, "--runtime-image-mapping", mapping]
        )
    return laminar_factory(executor=executor, extra_args=ONE_ENVIRONMENT)


@pytest.mark.parametrize("executor", EXECUTORS)
def test_extension_gets_shutdown_when_laminar_stops(executor, laminar_factory, recorder):
    server = own_laminar(executor, laminar_factory)
    client = server.client()
    name = f"ext-stop-{uuid.uuid4().hex[:8]}"
    create(
        client,
        name,
        recorder.url_for(executor),
        [extension_layer(client)],
        handler_source=GRACEFUL,
        runtime="python3.12",
    )
    answer, body = invoke(client, name, {"n": 1})
    assert "FunctionError" not in answer, body
    assert server.stop() == 0
    # As on AWS, the runtime gets SIGTERM when extensions are registered.
    assert recorder.records("sigterm") == ["runtime got SIGTERM"]
    seen = recorder.records("recorder")
    assert seen[-1] == {"kind": "bye"}
    assert seen[-2]["event"]["eventType"] == "SHUTDOWN"
    assert seen[-2]["event"]["shutdownReason"] == "spindown"


@pytest.mark.parametrize(
    "mode, error_type, message",
    [
        ("crash_on_invoke", "Extension.Crash", "Error: exit status 7"),
        ("crash_init", "Extension.Crash", "Error: exit status 3"),
        ("init_error", "Extension.InitError", "Error: Extension.ConfigMissing"),
    ],
)
def test_extension_failures_are_function_errors(env, function_name, mode, error_type, message):
    lambda_ = env.client
    create(lambda_, function_name, env.out, [extension_layer(lambda_)], EXT_MODE=mode)
    answer = lambda_.invoke(FunctionName=function_name, Payload=b"{}")
    body = json.loads(answer["Payload"].read())
    request_id = answer["ResponseMetadata"]["RequestId"]
    assert answer["StatusCode"] == 200
    assert answer["FunctionError"] == "Unhandled"
    assert body == {"errorType": error_type, "errorMessage": f"RequestId: {request_id} {message}"}


INTERNAL = """
import json, os, threading, urllib.request

API = os.environ["AWS_LAMBDA_RUNTIME_API"]


def call(method, path, body=None, headers=None):
    req = urllib.request.Request("http://" + API + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def register(name, events):
    headers = {"Lambda-Extension-Name": name} if name else {}
    status, headers, body = call(
        "POST", "/2020-01-01/extension/register", json.dumps({"events": events}).encode(), headers
    )
    return status, headers.get("Lambda-Extension-Identifier"), json.loads(body)


REFUSALS = {
    "shutdown": register("internal", ["SHUTDOWN"])[::2],
    "unknown_event": register("internal", ["BOGUS"])[::2],
    "no_name": register("", ["INVOKE"])[::2],
}
status, ext_id, answer = register("internal", ["INVOKE"])
REFUSALS["duplicate"] = register("internal", ["INVOKE"])[::2]
REFUSALS["next_without_id"] = call("GET", "/2020-01-01/extension/event/next")[::2]
REFUSALS["next_unknown_id"] = call(
    "GET", "/2020-01-01/extension/event/next",
    headers={"Lambda-Extension-Identifier": "00000000-0000-4000-8000-000000000000"})[::2]
REFUSALS["init_error_without_type"] = call(
    "POST", "/2020-01-01/extension/init/error", b"{}",
    headers={"Lambda-Extension-Identifier": ext_id})[::2]
SEEN = []


def loop():
    while True:
        _, _, body = call("GET", "/2020-01-01/extension/event/next",
                          headers={"Lambda-Extension-Identifier": ext_id})
        SEEN.append(json.loads(body)["requestId"])


threading.Thread(target=loop, daemon=True).start()


def handler(event, context):
    late = register("late", ["INVOKE"])
    refusals = {k: [v[0], json.loads(v[1])] for k, v in REFUSALS.items() if k.startswith(("next", "init"))}
    refusals.update({k: list(v) for k, v in REFUSALS.items() if not k.startswith(("next", "init"))})
    return {"registered": [status, answer], "refusals": refusals, "late": [late[0], late[2]],
            "seen": list(SEEN), "requestId": context.aws_request_id}
"""


def test_internal_extension_and_the_apis_refusals(env, function_name):
    lambda_ = env.client
    create(lambda_, function_name, env.out, [], handler_source=INTERNAL)
    _, first = invoke(lambda_, function_name, {})
    _, second = invoke(lambda_, function_name, {})
    assert first["registered"] == [
        200,
        {"functionName": function_name, "functionVersion": "$LATEST", "handler": "app.handler"},
    ]
    # The internal extension got the first INVOKE before the second ran.
    assert first["requestId"] in second["seen"]

    def refusal(error_type, message):
        return [403, {"errorType": error_type, "errorMessage": message}]

    assert first["refusals"] == {
        "shutdown": refusal(
            "Extension.InvalidEventType", "SHUTDOWN: ShutdownEventNotSupportedForInternalExtension"
        ),
        "unknown_event": refusal("Extension.InvalidEventType", "BOGUS: ErrorInvalidEventType"),
        "no_name": refusal("Extension.InvalidExtensionName", "Empty extension name"),
        "duplicate": refusal(
            "Extension.InvalidExtensionState", "Extension with this name already registered"
        ),
        "next_without_id": refusal(
            "Extension.MissingExtensionIdentifier", "Missing Lambda-Extension-Identifier header"
        ),
        "next_unknown_id": refusal(
            "Extension.UnknownExtensionIdentifier",
            "Unknown extension 00000000-0000-4000-8000-000000000000",
        ),
        "init_error_without_type": refusal(
            "Extension.MissingHeader", "Lambda-Extension-Function-Error-Type not found"
        ),
    }
    assert first["late"] == [
        403,
        {"errorType": "Extension.RegistrationClosed", "errorMessage": "Extension registration closed already"},
    ]


SLOW = """
import time


def handler(event, context):
    time.sleep(5)
    return {}
"""


def test_a_timeout_resets_the_environment_with_shutdown_reason_timeout(env, function_name):
    lambda_ = env.client
    create(lambda_, function_name, env.out, [extension_layer(lambda_)], handler_source=SLOW)
    lambda_.update_function_configuration(FunctionName=function_name, Timeout=1)
    wait_updated(lambda_, function_name)
    answer = lambda_.invoke(FunctionName=function_name, Payload=b"{}")
    body = json.loads(answer["Payload"].read())
    request_id = answer["ResponseMetadata"]["RequestId"]
    assert body == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {request_id} Error: Task timed out after 1.00 seconds",
    }
    wait_for(lambda: [r for r in env.records() if r["kind"] == "bye"], timeout=10, what="the SHUTDOWN")
    events = [r["event"] for r in env.records() if r["kind"] == "event"]
    assert [e["eventType"] for e in events] == ["INVOKE", "SHUTDOWN"]
    assert events[0]["requestId"] == request_id
    assert events[1]["shutdownReason"] == "timeout"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("executor", EXECUTORS)
def test_an_extension_on_the_lambda_extension_crate(executor, laminar_factory, recorder):
    from laminar_testing import laminar_bin

    binary = laminar_bin().with_name("laminar-fixture-extension")
    assert binary.exists(), f"build the fixture first: cargo build --workspace --bins ({binary})"
    server = own_laminar(executor, laminar_factory)
    client = server.client()
    layer = client.publish_layer_version(
        LayerName="rust-extension",
        Content={
            "ZipFile": make_zip(
                {"extensions/rust-extension": binary.read_bytes()},
                modes={"extensions/rust-extension": 0o755},
            )
        },
    )["LayerVersionArn"]
    name = f"rust-ext-{uuid.uuid4().hex[:8]}"
    create(client, name, recorder.url_for(executor), [layer], EXT_TELEMETRY_PORT=str(free_port()))
    request_ids = []
    for n in (1, 2):
        answer, body = invoke(client, name, {"n": n})
        assert "FunctionError" not in answer, body
        request_ids.append(body["requestId"])

    def seen():
        got = recorder.records("rust-extension")
        return got if sum(r["kind"] == "platform.report" for r in got) == 2 else None

    got = wait_for(seen, timeout=10, what="the crate's telemetry")
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    assert [r for r in got if r["kind"] == "INVOKE"] == [
        {"kind": "INVOKE", "requestId": rid, "invokedFunctionArn": arn} for rid in request_ids
    ]
    telemetry = [r for r in got if r["kind"] != "INVOKE"]
    expected = [{"kind": "platform.initStart"}, {"kind": "platform.initReport"}]
    for n, rid in enumerate(request_ids, start=1):
        expected += [
            {"kind": "platform.start", "requestId": rid},
            {"kind": "function", "text": f"hello {n}"},
            {"kind": "platform.runtimeDone", "requestId": rid},
            {"kind": "platform.report", "requestId": rid},
        ]
    assert telemetry == expected

    assert server.stop() == 0
    assert recorder.records("rust-extension")[-1] == {"kind": "SHUTDOWN", "reason": "spindown"}


FAILING = """
def handler(event, context):
    raise ValueError("no good")
"""


def test_telemetry_of_a_function_error(env, function_name):
    lambda_ = env.client
    create(lambda_, function_name, env.out, [extension_layer(lambda_)], FAILING, EXT_TELEMETRY="1")
    answer, body = invoke(lambda_, function_name, {})
    assert answer["FunctionError"] == "Unhandled"
    assert body["errorType"] == "ValueError"
    request_id = answer["ResponseMetadata"]["RequestId"]

    def telemetry():
        got = [r for r in env.records() if r["kind"] == "telemetry" and r["type"].startswith("platform.")]
        return got if any(t["type"] == "platform.report" for t in got) else None

    got = {t["type"]: t["record"] for t in wait_for(telemetry, timeout=10, what="the platform.report")}
    assert got["platform.runtimeDone"]["errorType"] == "ValueError"
    assert got["platform.report"]["errorType"] == "ValueError"
    assert_invocation_records(
        got["platform.start"], got["platform.runtimeDone"], got["platform.report"], request_id, "error"
    )


FLOOD = """
def handler(event, context):
    for i in range(event["lines"]):
        print("line", i)
    return {"requestId": context.aws_request_id}
"""


def test_a_subscriber_that_falls_behind_is_told_what_it_lost(env, function_name):
    lambda_ = env.client
    create(lambda_, function_name, env.out, [extension_layer(lambda_)], FLOOD, EXT_TELEMETRY="1", EXT_SLOW="1")
    # The first batch (init's events) keeps the destination busy for a
    # second, while 12,000 lines arrive for a queue of 10,000.
    answer, body = invoke(lambda_, function_name, {"lines": 12_000})
    assert "FunctionError" not in answer, body

    def dropped():
        got = [r for r in env.records() if r["kind"] == "telemetry" and r["type"] == "platform.logsDropped"]
        return got or None

    (event,) = wait_for(dropped, timeout=30, what="platform.logsDropped")
    record = event["record"]
    assert set(record) == {"reason", "droppedRecords", "droppedBytes"}
    assert record["reason"] == "Consumer seems to have fallen behind as it has not acknowledged receipt of logs."
    lost = record["droppedRecords"]
    assert 0 < lost <= 12_000
    # Each line is a JSON event of at least its own text.
    assert record["droppedBytes"] >= lost * len('{"record":"line 0"}')
    # Everything of the invoke was either delivered or counted as dropped:
    # its 12,000 lines and its start, runtimeDone and report.
    ids = {answer["ResponseMetadata"]["RequestId"]}

    def accounted():
        lines = sum(r["n"] for r in env.records() if r["kind"] == "lines")
        platform = [
            r for r in env.records()
            if r["kind"] == "telemetry" and r["record"].get("requestId") in ids
        ]
        return (lines, len(platform)) if lines + len(platform) + lost >= 12_003 else None

    lines, platform = wait_for(accounted, timeout=60, what="every line delivered or dropped")
    assert lines + platform + lost == 12_003
    # Delivery goes on after the notice.
    answer, _ = invoke(lambda_, function_name, {"lines": 1})
    later = answer["ResponseMetadata"]["RequestId"]

    def reported():
        kinds = [(r["type"], r["record"]) for r in env.records() if r["kind"] == "telemetry"]
        return kinds if any(t == "platform.report" and r.get("requestId") == later for t, r in kinds) else None

    kinds = wait_for(reported, timeout=30, what="the next invoke's report")
    assert [t for t, _ in kinds].index("platform.logsDropped") < len(kinds) - 1
